"""similar: where else an image appeared in the archive, and when first."""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.table import Table

from archiver.errors import UsageError
from postproof.commands._options import HomeOpt, JsonOpt, require_positive
from postproof.output import emit_json, esc, handles_errors, out
from postproof.runs import opened_archive
from postproof.settings import resolve_home

if TYPE_CHECKING:
    import storage

Query = tuple[str, str, str | None]  # what is searched for (a file or an image URL), phash, dhash
Found = tuple[str, str, "list[storage.ImageMatch]"]  # label, phash, matches


@handles_errors
def similar(
    target: Annotated[
        str, typer.Argument(help="An image file, or a capture id (its post's images are used).")
    ],
    max_distance: Annotated[
        int,
        typer.Option("--max-distance", help="Largest pHash difference, in bits (0-64)."),
    ] = 10,
    kind: Annotated[
        list[str] | None,
        typer.Option(
            "--kind",
            help="Only these artifact kinds: screenshot, post_screenshot, media (repeatable).",
            show_default=False,
        ),
    ] = None,
    limit: Annotated[int, typer.Option("--limit", help="At most this many matches.")] = 50,
    home: HomeOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Find near-duplicate images across the whole archive by perceptual distance: where else
    did this picture or screenshot appear, and when first? Nearest first, then earliest.

    Example: postproof similar leaked-memo.jpg
    Example: postproof similar 7k2m9x4q --kind media --json
    """
    require_positive("--limit", limit)
    path = Path(target).expanduser()
    if not path.is_file() and (path.suffix or "/" in target or os.sep in target or path.exists()):
        # It names a file, not a capture: say what is wrong with the file.
        raise UsageError(
            f"{path} is not a file." if path.exists() else f"The file {path} does not exist.",
            hint="Give the path of an image file, or a capture id.",
        )
    with opened_archive(resolve_home(home)) as archive:
        if path.is_file():
            queries, exclude_capture = [file_query(path)], None
        else:
            queries, exclude_capture = capture_queries(archive, target)
        results: list[Found] = []
        for label, phash, query_dhash in queries:
            found = archive.find_similar(
                phash, query_dhash, max_distance=max_distance, kinds=kind or None, limit=limit + 20
            )
            found = [m for m in found if m.capture_id != exclude_capture][:limit]
            results.append((label, phash, found))
    if as_json:
        emit_json(
            {
                "ok": True,
                "queries": [
                    {"image": label, "phash": phash, "matches": [m.to_json() for m in found]}
                    for label, phash, found in results
                ],
            }
        )
        return
    render_similar(results)


def file_query(path: Path) -> Query:
    from storage import query_hashes

    phash, dhash = query_hashes(path.read_bytes(), name=str(path))
    return str(path), phash, dhash


def capture_queries(archive: storage.Archive, capture_id: str) -> tuple[list[Query], str]:
    """The images of a capture's post (its media and post screenshot), and the capture's id:
    the capture itself is left out of what it finds."""
    from archiver import ArtifactKind

    capture = archive.get_capture(capture_id)
    queries: list[Query] = []
    for artifact in capture.artifacts:
        if artifact.phash and artifact.kind in (ArtifactKind.MEDIA, ArtifactKind.POST_SCREENSHOT):
            label = artifact.source_url or f"{capture.id} {artifact.kind}"
            queries.append((label, artifact.phash, artifact.dhash))
    if not queries:
        raise UsageError(
            f"capture {capture.id} has no image of the post to search for",
            hint="give an image file instead, e.g. a saved screenshot",
        )
    return queries, capture.id


def render_similar(results: list[Found]) -> None:
    for label, _phash, found in results:
        out.print(f"[bold]{esc(label)}[/]")
        if not found:
            out.print("  no similar image in the archive")
            continue
        earliest = min(found, key=lambda m: m.captured_at)
        table = Table(box=None, pad_edge=False)
        for column in ("distance", "captured (UTC)", "capture", "kind", "platform", "URL"):
            table.add_column(column)
        for m in found:
            first = " [green](first seen)[/]" if m is earliest else ""
            table.add_row(
                str(m.phash_distance),
                f"{m.captured_at:%Y-%m-%d %H:%M}{first}",
                m.capture_id,
                str(m.kind),
                m.platform,
                esc(m.source_url or m.canonical_url),
            )
        out.print(table)
