"""Translation between pipeline values (``CaptureResult``), table rows and the records the
archive hands back."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from sqlmodel import Session, col, select

from archiver.errors import IntegrityError
from archiver.models import ArtifactKind, CaptureResult, Media, Status
from storage._records import ArtifactRecord, CaptureRecord, RetractionRecord
from storage._tables import Artifact, Capture, Post

if TYPE_CHECKING:
    from storage._blobs import Blobs


def check_result(result: CaptureResult) -> None:
    """Refuse a result that would store bad evidence, before anything touches the disk."""
    for name, moment in (
        ("started_at", result.started_at),
        ("finished_at", result.finished_at),
        ("post.posted_at", result.post.posted_at if result.post else None),
    ):
        if moment is not None:
            as_utc(moment, name)
    for artifact in result.artifacts:
        actual = hashlib.sha256(artifact.data).hexdigest()
        if actual != artifact.sha256:
            raise IntegrityError(
                f"the {artifact.kind} artifact hashes to {actual}, "
                f"not to its recorded {artifact.sha256}",
                hint="the artifact changed after it was hashed; this is a bug, please report it",
            )


def as_utc(moment: datetime, name: str) -> datetime:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"{name} is a naive datetime ({moment!r}); postproof stores UTC times")
    return moment.astimezone(UTC)


def upsert_post(session: Session, result: CaptureResult) -> Post:
    """Find the post this capture is of (or create it) and move its "last seen" forward."""
    started_at = as_utc(result.started_at, "started_at")
    post = None
    if result.post_id is not None:
        post = session.exec(
            select(Post).where(
                col(Post.platform) == result.platform,
                col(Post.platform_post_id) == result.post_id,
            )
        ).first()
    if post is None:
        # Also when the post id is known but new: an earlier capture (a failed one, say) may
        # have seen the post only by its URL. A post with a *different* id on the same URL
        # keeps its id; the capture row still records the id it saw.
        post = session.exec(
            select(Post).where(col(Post.canonical_url) == result.canonical_url)
        ).first()
        if (
            post is not None
            and post.platform_post_id is None
            and post.platform == result.platform
            and result.post_id is not None
        ):
            post.platform_post_id = result.post_id
    if post is None:
        post = Post(
            platform=result.platform,
            platform_post_id=result.post_id,
            canonical_url=result.canonical_url,
            first_captured_at=started_at,
            last_captured_at=started_at,
            last_status=Status(result.status).value,
        )
    else:
        # Captures may be stored out of order (parallel runs): keep the newest as "last".
        post.first_captured_at = min(post.first_captured_at, started_at)
        if started_at >= post.last_captured_at:
            post.last_captured_at = started_at
            post.last_status = Status(result.status).value
    session.add(post)
    session.flush()
    return post


def capture_row(
    capture_id: str,
    post: Post,
    result: CaptureResult,
    stored_at: datetime,
    made_by: str | None = None,
) -> Capture:
    provenance = result.provenance
    fields = result.post
    assert post.id is not None  # flushed by upsert_post
    return Capture(
        id=capture_id,
        post_id=post.id,
        requested_url=result.requested_url,
        canonical_url=result.canonical_url,
        final_url=result.final_url,
        platform=result.platform,
        platform_post_id=result.post_id,
        status=Status(result.status).value,
        reason=result.reason,
        http_status=result.http_status,
        started_at=as_utc(result.started_at, "started_at"),
        finished_at=as_utc(result.finished_at, "finished_at"),
        stored_at=stored_at,
        server_date=provenance.server_date,
        server_ip=provenance.server_ip,
        tool_version=provenance.tool_version,
        browser=f"{provenance.browser_name} {provenance.browser_version}".strip(),
        user_agent=provenance.user_agent,
        insecure=provenance.insecure,
        author=fields.author if fields else None,
        handle=fields.handle if fields else None,
        posted_at=fields.posted_at if fields else None,
        text=fields.text if fields else None,
        lang=fields.lang if fields else None,
        media_json=json.dumps(
            [m.to_json() for m in fields.media] if fields else [],
            ensure_ascii=False,
        ),
        reply_to=fields.reply_to if fields else None,
        quote_of=fields.quote_of if fields else None,
        sources_json=_dumps(dict(fields.sources) if fields else {}),
        missing_json=_dumps(list(fields.missing) if fields else []),
        conflicts_json=_dumps([dict(c) for c in fields.conflicts] if fields else []),
        made_by=made_by,
    )


def _dumps(value: object) -> str:
    return json.dumps(value, sort_keys=True, ensure_ascii=False)


def capture_record(
    row: Capture,
    artifacts: tuple[ArtifactRecord, ...],
    retracted: RetractionRecord | None = None,
) -> CaptureRecord:
    media = tuple(
        Media(
            url=item["url"],
            kind=item.get("kind", "image"),
            alt=item.get("alt"),
            poster=item.get("poster"),
        )
        for item in json.loads(row.media_json or "[]")
    )
    return CaptureRecord(
        id=row.id,
        post_id=row.post_id,
        requested_url=row.requested_url,
        canonical_url=row.canonical_url,
        final_url=row.final_url,
        platform=row.platform,
        platform_post_id=row.platform_post_id,
        status=Status(row.status),
        reason=row.reason,
        http_status=row.http_status,
        started_at=row.started_at,
        finished_at=row.finished_at,
        stored_at=row.stored_at,
        server_date=row.server_date,
        server_ip=row.server_ip,
        tool_version=row.tool_version,
        browser=row.browser,
        user_agent=row.user_agent,
        insecure=row.insecure,
        author=row.author,
        handle=row.handle,
        posted_at=row.posted_at,
        text=row.text,
        lang=row.lang,
        media=media,
        reply_to=row.reply_to,
        quote_of=row.quote_of,
        artifacts=artifacts,
        sources=json.loads(row.sources_json or "{}"),
        missing=tuple(json.loads(row.missing_json or "[]")),
        conflicts=tuple(json.loads(row.conflicts_json or "[]")),
        retracted=retracted,
        made_by=row.made_by,
    )


def artifact_rows(capture_id: str, result: CaptureResult) -> list[Artifact]:
    return [
        Artifact(
            capture_id=capture_id,
            kind=str(artifact.kind),
            sha256=artifact.sha256,
            size=artifact.size,
            media_type=artifact.media_type,
            phash=artifact.phash,
            dhash=artifact.dhash,
            source_url=artifact.source_url,
        )
        for artifact in result.artifacts
    ]


def artifact_record(row: Artifact, blobs: Blobs) -> ArtifactRecord:
    return ArtifactRecord(
        kind=ArtifactKind(row.kind),
        sha256=row.sha256,
        size=row.size,
        media_type=row.media_type,
        location=blobs.location_of(row.sha256),
        blobs=blobs,
        phash=row.phash,
        dhash=row.dhash,
        source_url=row.source_url,
    )
