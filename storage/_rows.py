"""Translation from pipeline values (``CaptureResult``) to table rows; ``storage._records`` makes
the records the archive hands back from the rows."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime

from sqlmodel import Session, col, select

from archiver.errors import IntegrityError
from archiver.models import CaptureResult, Status
from storage._tables import Artifact, Capture, Post


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
