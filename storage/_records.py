"""What the archive hands back: immutable records of stored captures and reports of checks."""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO, Literal

from archiver.errors import PostproofError, StorageError, UsageError
from archiver.models import ArtifactKind, Media, Status, isoformat_z

if TYPE_CHECKING:
    from storage._blobs import Blobs
    from storage._tables import Artifact, Capture, Retraction

ProblemKind = Literal[
    "missing",
    "hash_mismatch",
    "size_mismatch",
    "unreferenced_blob",
    # the transparency log (storage._ledger)
    "log_gap",
    "log_entry_altered",
    "log_entry_unreadable",
    "signature_invalid",
    "manifest_mismatch",
    "not_logged",
    "checkpoint_invalid",
    "log_rewritten",
    "consistency_failed",
    "inclusion_failed",
    "timestamp_invalid",
    "timestamp_untrusted",
]


class BlobUnreadable(StorageError, OSError):
    """An artifact's blob cannot be read (missing, or its store out of reach). An ``OSError``
    too, so that code which reads an artifact as it reads a file handles it the same way."""


@dataclass(frozen=True)
class ArtifactRecord:
    """One stored artifact of a capture; its bytes are the blob ``sha256`` of ``blobs``, at
    ``location`` (a file path, or an ``s3://`` URL)."""

    kind: ArtifactKind
    sha256: str
    size: int
    media_type: str
    location: str
    blobs: Blobs = field(repr=False, compare=False)
    phash: str | None = None
    dhash: str | None = None
    source_url: str | None = None

    def read_bytes(self) -> bytes:
        """The artifact's bytes; :class:`BlobUnreadable` when they cannot be read."""
        with _unreadable():
            return self.blobs.read(self.sha256)

    @contextmanager
    def open(self) -> Iterator[BinaryIO]:
        """The artifact's bytes as a stream, read as it is consumed."""
        with _unreadable(), self.blobs.open(self.sha256) as stream:
            yield stream

    def local_file(self) -> AbstractContextManager[Path]:
        """A file holding the artifact's bytes while the block lasts (for tools that read
        files); see ``storage.Blobs.local_file``."""
        return self.blobs.local_file(self.sha256)

    @property
    def path(self) -> Path:
        """The blob's own file, in a local blob store. A remote store has none: read the
        artifact with :meth:`read_bytes`, :meth:`open` or :meth:`local_file` instead."""
        path = self.blobs.local_path(self.sha256)
        if path is None:
            raise StorageError(
                f"the {self.kind} {self.sha256} is kept at {self.location}, not in a file",
                hint="this is a bug in postproof: please report it",
            )
        return path

    def to_json(self) -> dict[str, Any]:
        return {
            "kind": str(self.kind),
            "sha256": self.sha256,
            "size": self.size,
            "media_type": self.media_type,
            "path": self.location,
            "phash": self.phash,
            "dhash": self.dhash,
            "source_url": self.source_url,
        }


@dataclass(frozen=True)
class RetractionRecord:
    """A capture or an article taken back from the record: why, and when. What it retracts
    stays in the archive and in the log; ``log_index`` is the retraction's own log entry."""

    id: int
    target_kind: Literal["capture", "article"]
    target_id: str
    reason: str
    retracted_at: datetime
    log_index: int | None = None
    made_by: str | None = None  # the web app's admin who retracted it; None: the command line

    def to_json(self) -> dict[str, Any]:
        """The ``retracted`` field of a retracted capture or article."""
        return {"reason": self.reason, "at": isoformat_z(self.retracted_at)}

    def describe(self) -> str:
        """``retracted: <reason> (<time>)``, as a person reads it."""
        return f"retracted: {self.reason} ({isoformat_z(self.retracted_at)})"


@dataclass(frozen=True)
class CaptureRecord:
    """One recorded capture with its artifacts. Times are timezone-aware UTC."""

    id: str
    post_id: int
    requested_url: str
    canonical_url: str
    final_url: str | None
    platform: str
    platform_post_id: str | None
    status: Status
    reason: str | None
    http_status: int | None
    started_at: datetime
    finished_at: datetime
    stored_at: datetime
    server_date: str | None
    server_ip: str | None
    tool_version: str
    browser: str
    user_agent: str
    insecure: bool
    author: str | None
    handle: str | None
    posted_at: datetime | None
    text: str | None
    lang: str | None
    media: tuple[Media, ...]
    reply_to: str | None
    quote_of: str | None
    artifacts: tuple[ArtifactRecord, ...]
    # Field provenance, as ``archiver.models.PostFields`` has it: where each field was read,
    # the fields no source gave, and the values other sources gave. Empty for captures stored
    # before it was recorded.
    sources: Mapping[str, str] = field(default_factory=dict)
    missing: tuple[str, ...] = ()
    conflicts: tuple[Mapping[str, str], ...] = ()
    retracted: RetractionRecord | None = None  # taken back from the record (it stays stored)
    made_by: str | None = None  # the web app's user who asked for it; None: the command line

    def artifact(self, kind: ArtifactKind) -> ArtifactRecord | None:
        return next((a for a in self.artifacts if a.kind == kind), None)

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "post_id": self.post_id,
            "requested_url": self.requested_url,
            "canonical_url": self.canonical_url,
            "final_url": self.final_url,
            "platform": self.platform,
            "platform_post_id": self.platform_post_id,
            "status": str(self.status),
            "reason": self.reason,
            "http_status": self.http_status,
            "started_at": isoformat_z(self.started_at),
            "finished_at": isoformat_z(self.finished_at),
            "stored_at": isoformat_z(self.stored_at),
            "server_date": self.server_date,
            "server_ip": self.server_ip,
            "tool_version": self.tool_version,
            "browser": self.browser,
            "user_agent": self.user_agent,
            "insecure": self.insecure,
            "author": self.author,
            "handle": self.handle,
            "posted_at": isoformat_z(self.posted_at),
            "text": self.text,
            "lang": self.lang,
            "media": [m.to_json() for m in self.media],
            "reply_to": self.reply_to,
            "quote_of": self.quote_of,
            "sources": dict(self.sources),
            "missing": list(self.missing),
            "conflicts": [dict(c) for c in self.conflicts],
            "artifacts": [a.to_json() for a in self.artifacts],
            "retracted": None if self.retracted is None else self.retracted.to_json(),
        }


@dataclass(frozen=True)
class VerifyProblem:
    """One thing wrong with the stored evidence. ``capture_id`` and ``kind`` are ``None`` for a
    blob no artifact references."""

    capture_id: str | None
    kind: ArtifactKind | None
    sha256: str | None
    problem: ProblemKind
    detail: str

    def to_json(self) -> dict[str, Any]:
        return {
            "capture_id": self.capture_id,
            "kind": None if self.kind is None else str(self.kind),
            "sha256": self.sha256,
            "problem": self.problem,
            "detail": self.detail,
        }


@dataclass(frozen=True)
class RecoveryReport:
    """What crash recovery cleaned up after runs that died in the middle of storing."""

    dead_runs: tuple[str, ...] = ()
    orphan_blobs_removed: int = 0
    temp_files_removed: int = 0
    lock_files_removed: int = 0

    @property
    def anything_done(self) -> bool:
        return bool(
            self.dead_runs
            or self.orphan_blobs_removed
            or self.temp_files_removed
            or self.lock_files_removed
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "dead_runs": list(self.dead_runs),
            "orphan_blobs_removed": self.orphan_blobs_removed,
            "temp_files_removed": self.temp_files_removed,
            "lock_files_removed": self.lock_files_removed,
        }


@dataclass(frozen=True)
class VerifyReport:
    """The result of re-hashing stored evidence. ``capture_id`` is ``None`` for ``--all``, which
    also looks for blobs nothing references."""

    capture_id: str | None
    problems: tuple[VerifyProblem, ...]
    captures_checked: int
    artifacts_checked: int
    blobs_checked: int
    bytes_hashed: int
    recovery: RecoveryReport
    ledger: dict[str, Any] | None = None  # figures of the log check (storage._ledger)
    retracted: RetractionRecord | None = None  # of the one capture checked, when retracted

    @property
    def ok(self) -> bool:
        return not self.problems

    def to_json(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "capture_id": self.capture_id,
            "problems": [p.to_json() for p in self.problems],
            "captures_checked": self.captures_checked,
            "artifacts_checked": self.artifacts_checked,
            "blobs_checked": self.blobs_checked,
            "bytes_hashed": self.bytes_hashed,
            "recovery": self.recovery.to_json(),
            "ledger": self.ledger,
            "retracted": None if self.retracted is None else self.retracted.to_json(),
        }


@contextmanager
def _unreadable() -> Iterator[None]:
    try:
        yield
    except BlobUnreadable:
        raise
    except PostproofError as exc:
        raise BlobUnreadable(exc.message, hint=exc.hint) from exc


# A stored row as its record. The rows are the tables' (storage._tables), or, where a command
# reads the database without SQLAlchemy (storage._listing), objects with the same attributes
# and values.


def parse_status(status: str) -> Status:
    """A capture status as the archive's queries take it; an unknown one is refused."""
    try:
        return Status(status)
    except ValueError:
        choices = ", ".join(s.value for s in Status)
        raise UsageError(
            f"unknown capture status {status!r}", hint=f"use one of: {choices}"
        ) from None


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


def retraction_record(row: Retraction, log_index: int | None) -> RetractionRecord:
    assert row.id is not None
    kind: Literal["capture", "article"] = "capture" if row.target_kind == "capture" else "article"
    return RetractionRecord(
        id=row.id,
        target_kind=kind,
        target_id=row.target_id,
        reason=row.reason,
        retracted_at=row.retracted_at,
        log_index=log_index,
        made_by=row.made_by,
    )
