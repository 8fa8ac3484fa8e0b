"""Where else an image appeared in the archive: the searches of ``postproof similar`` and of the
web app's "find similar images", over storage's perceptual-hash search (``Archive.find_similar``).
A search starts from an image's bytes (a file, an upload) or from a capture, whose post's images
are searched for and which is left out of what they find."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from typing import TYPE_CHECKING

from archiver.errors import UsageError

if TYPE_CHECKING:
    import storage


@dataclass(frozen=True)
class ImageQuery:
    """One image to search for: what it is (a file name, an image URL), its hashes (hex)."""

    label: str
    phash: str
    dhash: str | None


@dataclass(frozen=True)
class SimilarImages:
    """The matches of one query, nearest first, then earliest."""

    query: ImageQuery
    matches: list[storage.ImageMatch]


def bytes_query(data: bytes, label: str) -> ImageQuery:
    """The query for an image's bytes (``label`` names it in results and in errors)."""
    from storage import query_hashes

    phash, dhash = query_hashes(data, name=label)
    return ImageQuery(label, phash, dhash)


def capture_queries(archive: storage.Archive, capture_id: str) -> tuple[list[ImageQuery], str]:
    """The images of a capture's post (its media and post screenshot), and the capture's full
    id: the capture itself is left out of what they find."""
    from archiver import ArtifactKind

    capture = archive.get_capture(capture_id)
    queries = [
        ImageQuery(a.source_url or f"{capture.id} {a.kind}", a.phash, a.dhash)
        for a in capture.artifacts
        if a.phash and a.kind in (ArtifactKind.MEDIA, ArtifactKind.POST_SCREENSHOT)
    ]
    if not queries:
        raise UsageError(
            f"capture {capture.id} has no image of the post to search for",
            hint="give an image file instead, e.g. a saved screenshot",
        )
    return queries, capture.id


def find_similar_images(
    archive: storage.Archive,
    queries: list[ImageQuery],
    *,
    exclude_capture: str | None = None,
    max_distance: int = 10,
    kinds: Collection[str] | None = None,
    limit: int = 50,
) -> list[SimilarImages]:
    """Each query's matches across the archive (at most ``limit``), ``exclude_capture`` left
    out."""
    results = []
    for query in queries:
        found = archive.find_similar(
            query.phash, query.dhash, max_distance=max_distance, kinds=kinds, limit=limit + 20
        )
        kept = [m for m in found if m.capture_id != exclude_capture][:limit]
        results.append(SimilarImages(query, kept))
    return results
