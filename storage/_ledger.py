"""The archive's transparency log: every capture's signed manifest, as an RFC 9162 Merkle log
with signed C2SP checkpoints and RFC 3161 timestamps over them.

* **Manifest.** When a capture is recorded, its metadata and the SHA-256 of every artifact are
  written as RFC 8785 canonical JSON (:func:`manifest_for`) and signed with the installation key,
  in the same transaction as the capture: a capture is never recorded without its log entry.
* **Retractions.** Taking a capture or an article back from the record changes nothing logged:
  the retraction is an entry of its own, with its own signed manifest
  (:func:`retraction_manifest`: the target, the reason, the time and, for a capture, the log
  entry it retracts), written in the transaction that records it.
* **Log.** Entries are numbered 0, 1, 2, ... without gaps; leaf ``i`` is the RFC 9162 leaf hash of
  manifest ``i``'s bytes.
* **Checkpoints.** At the end of a run, :meth:`Ledger.seal` signs a checkpoint (origin, size,
  root) for the log as it then is; one per size.
* **Timestamps.** :meth:`Ledger.seal` then asks the configured TSAs to timestamp the newest
  checkpoint note. A TSA that cannot be reached costs nothing: the capture is already stored and
  logged, and the next run timestamps its (newer) checkpoint, which covers the older entries.

:meth:`Ledger.verify` recomputes everything from the manifests: leaf hashes, the root of every
checkpoint and the consistency between consecutive ones, every signature and every timestamp,
and compares each manifest with the capture rows it describes.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import logging
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, col, func, select

from archiver.errors import IntegrityError, PostproofError
from proof import (
    Checkpoint,
    InstallationKey,
    NoteError,
    NoteVerifier,
    TimestampError,
    TimestampToken,
    TimestampUntrusted,
    TsaUnreachable,
    canonical_json,
    consistency_proof,
    format_checkpoint,
    inclusion_proof,
    leaf_hash,
    request_timestamp,
    root,
    sign_note,
    token_certificates_pem,
    verify_checkpoint,
    verify_consistency,
    verify_inclusion,
    verify_timestamp,
)
from storage._database import read_session, write_session
from storage._records import ProblemKind, VerifyProblem
from storage._tables import (
    Article,
    Artifact,
    Capture,
    CheckpointRow,
    LogEntry,
    Retraction,
    TimestampRow,
)

log = logging.getLogger("postproof.ledger")

MANIFEST_FORMAT = "postproof-capture-manifest/1"
RETRACTION_FORMAT = "postproof-retraction-manifest/1"
KeyLoader = Callable[[], InstallationKey]
Clock = Callable[[], datetime]


def log_origin(verifier: str) -> str:
    """The checkpoint origin of the log signed by ``verifier``: one per installation key."""
    name, key_hash, _key = verifier.split("+", 2)
    return f"{name}/{key_hash}"


def _time(moment: datetime | None) -> str | None:
    if moment is None:
        return None
    return moment.astimezone(UTC).isoformat(timespec="microseconds").replace("+00:00", "Z")


def manifest_for(capture: Capture, artifacts: Iterable[Artifact]) -> dict[str, Any]:
    """What a capture's signed manifest says: its metadata, the post's fields as read (and,
    when recorded, where each was read), and the kind, SHA-256, size and media type of every
    artifact (the WARC among them)."""
    post: dict[str, Any] = {
        "author": capture.author,
        "handle": capture.handle,
        "posted_at": _time(capture.posted_at),
        "text": capture.text,
        "lang": capture.lang,
        "media": json.loads(capture.media_json or "[]"),
        "reply_to": capture.reply_to,
        "quote_of": capture.quote_of,
    }
    # Field provenance is signed only where there is some: the manifest of a capture without
    # it (every capture stored before it was recorded) stays byte for byte what was signed.
    for name, text in (
        ("sources", capture.sources_json),
        ("missing", capture.missing_json),
        ("conflicts", capture.conflicts_json),
    ):
        value = json.loads(text) if text else None
        if value:
            post[name] = value
    return {
        "format": MANIFEST_FORMAT,
        "capture_id": capture.id,
        "requested_url": capture.requested_url,
        "canonical_url": capture.canonical_url,
        "final_url": capture.final_url,
        "platform": capture.platform,
        "platform_post_id": capture.platform_post_id,
        "status": capture.status,
        "reason": capture.reason,
        "http_status": capture.http_status,
        "started_at": _time(capture.started_at),
        "finished_at": _time(capture.finished_at),
        "stored_at": _time(capture.stored_at),
        "server_date": capture.server_date,
        "server_ip": capture.server_ip,
        "tool_version": capture.tool_version,
        "browser": capture.browser,
        "user_agent": capture.user_agent,
        "insecure": bool(capture.insecure),
        "post": post,
        "artifacts": sorted(
            (
                {
                    "kind": a.kind,
                    "sha256": a.sha256,
                    "size": a.size,
                    "media_type": a.media_type,
                    "source_url": a.source_url,
                }
                for a in artifacts
            ),
            key=lambda a: (a["kind"], a["source_url"] or "", a["sha256"]),
        ),
    }


def retraction_manifest(retraction: Retraction, target: Mapping[str, Any]) -> dict[str, Any]:
    """What a retraction's signed manifest says: what it retracts (``target``, from
    :func:`retraction_target`), why and when."""
    return {
        "format": RETRACTION_FORMAT,
        "retraction_id": retraction.id,
        "target": dict(target),
        "reason": retraction.reason,
        "retracted_at": _time(retraction.retracted_at),
    }


def retraction_target(
    retraction: Retraction, entry: LogEntry | None, article: Article | None
) -> dict[str, Any]:
    """The target of a retraction as its manifest names it: a capture with the index and leaf
    hash of its own log entry (``entry``), so that the retraction names exactly the signed
    evidence it takes back; an article with the SHA-256 of its source and its page's capture."""
    target: dict[str, Any] = {"kind": retraction.target_kind, "id": retraction.target_id}
    if retraction.target_kind == "capture":
        target["log_index"] = None if entry is None else entry.idx
        target["leaf_hash"] = None if entry is None else entry.leaf_hash
    else:
        target["source_sha256"] = None if article is None else article.source_sha256
        target["capture_id"] = None if article is None else article.capture_id
    return target


def append_entry(
    session: Session,
    capture: Capture,
    artifacts: Sequence[Artifact],
    key: InstallationKey,
    logged_at: datetime,
) -> LogEntry:
    """Log ``capture`` (inside the caller's write transaction, which holds the write lock)."""
    manifest = canonical_json(manifest_for(capture, artifacts))
    entry = _signed_entry(session, manifest, key, logged_at, capture_id=capture.id)
    session.add(entry)
    return entry


def append_retraction(
    session: Session, retraction: Retraction, key: InstallationKey, logged_at: datetime
) -> LogEntry:
    """Log ``retraction`` (already flushed, inside the caller's write transaction)."""
    assert retraction.id is not None
    target = retraction_target(retraction, *_target_rows(session, retraction))
    manifest = canonical_json(retraction_manifest(retraction, target))
    entry = _signed_entry(session, manifest, key, logged_at, retraction_id=retraction.id)
    session.add(entry)
    return entry


def _signed_entry(
    session: Session,
    manifest: bytes,
    key: InstallationKey,
    logged_at: datetime,
    *,
    capture_id: str | None = None,
    retraction_id: int | None = None,
) -> LogEntry:
    last = session.exec(select(func.max(LogEntry.idx))).one()
    return LogEntry(
        idx=0 if last is None else last + 1,
        capture_id=capture_id,
        retraction_id=retraction_id,
        manifest=manifest.decode("utf-8"),
        signature=base64.b64encode(key.sign(manifest)).decode("ascii"),
        key=key.verifier,
        leaf_hash=leaf_hash(manifest).hex(),
        logged_at=logged_at,
    )


def _target_rows(
    session: Session, retraction: Retraction
) -> tuple[LogEntry | None, Article | None]:
    if retraction.target_kind == "capture":
        entry = session.exec(
            select(LogEntry).where(col(LogEntry.capture_id) == retraction.target_id)
        ).first()
        return entry, None
    return None, session.get(Article, retraction.target_id)


@dataclass(frozen=True)
class TimestampInfo:
    checkpoint_size: int
    tsa_url: str
    gen_time: datetime

    def to_json(self) -> dict[str, Any]:
        return {
            "checkpoint_size": self.checkpoint_size,
            "tsa_url": self.tsa_url,
            "gen_time": _time(self.gen_time),
        }


@dataclass(frozen=True)
class SealReport:
    """What :meth:`Ledger.seal` did: the newest checkpoint, and its timestamp if it has one."""

    log_size: int
    checkpoint_size: int
    new_checkpoint: bool
    backfilled: int
    timestamp: TimestampInfo | None
    timestamp_pending: bool  # TSAs are configured but none could stamp this time
    warnings: tuple[str, ...] = ()

    def to_json(self) -> dict[str, Any]:
        return {
            "log_size": self.log_size,
            "checkpoint_size": self.checkpoint_size,
            "new_checkpoint": self.new_checkpoint,
            "backfilled": self.backfilled,
            "timestamp": None if self.timestamp is None else self.timestamp.to_json(),
            "timestamp_pending": self.timestamp_pending,
            "warnings": list(self.warnings),
        }


@dataclass(frozen=True)
class StoredCheckpoint:
    size: int
    root_hash: bytes
    note: str
    created_at: datetime


@dataclass(frozen=True)
class StoredTimestamp:
    checkpoint_size: int
    tsa_url: str
    token: bytes
    gen_time: datetime
    tsa_certs: str | None


@dataclass(frozen=True)
class EntryProof:
    """One capture's place in the log, with proofs against the given checkpoints."""

    capture_id: str
    index: int
    manifest: str
    signature: str
    key: str
    leaf_hash: bytes
    inclusion: dict[int, list[bytes]] = field(default_factory=dict)  # checkpoint size -> path


@dataclass(frozen=True)
class LogPlace:
    """Where one capture stands in the log, as :meth:`Ledger.places` reads it (no proof is
    computed or checked here: ``Ledger.proofs`` and ``Ledger.verify`` do that)."""

    capture_id: str
    index: int
    key: str  # the note verifier key that signed the capture's manifest
    leaf_hash: bytes
    checkpoint: StoredCheckpoint | None  # the newest signed checkpoint holding it, if any yet
    # The earliest checkpoint holding it that a TSA stamped (the one an export proves it by),
    # with its timestamps, oldest first; None and () while none is.
    timestamped: StoredCheckpoint | None = None
    timestamps: tuple[StoredTimestamp, ...] = ()


@dataclass(frozen=True)
class LedgerProofs:
    """Everything a third party needs to check some captures against the log, offline."""

    verifier: str
    origin: str
    head: StoredCheckpoint
    entries: tuple[EntryProof, ...]
    timestamps: tuple[StoredTimestamp, ...]
    checkpoints: tuple[StoredCheckpoint, ...]  # the head and every timestamped one used
    consistency: dict[int, list[bytes]]  # checkpoint size -> proof from it to the head


@dataclass
class LedgerCheck:
    """Figures of a ledger verification, beside the problems it found."""

    log_size: int = 0
    checkpoints: int = 0
    checkpoint_size: int = 0
    signatures_checked: int = 0
    consistency_checked: int = 0
    inclusion_checked: int = 0
    timestamps_checked: int = 0
    timestamped_size: int = 0
    timestamp_times: list[str] = field(default_factory=list)
    retractions: int = 0  # log entries that are retractions (the others are captures)

    def to_json(self) -> dict[str, Any]:
        return {
            "log_size": self.log_size,
            "retractions": self.retractions,
            "checkpoints": self.checkpoints,
            "checkpoint_size": self.checkpoint_size,
            "unsealed_entries": max(0, self.log_size - self.checkpoint_size),
            "signatures_checked": self.signatures_checked,
            "consistency_checked": self.consistency_checked,
            "inclusion_checked": self.inclusion_checked,
            "timestamps_checked": self.timestamps_checked,
            "timestamped_size": self.timestamped_size,
            "timestamp_times": self.timestamp_times,
        }


class Ledger:
    """The transparency log of one archive (see the module docstring)."""

    def __init__(self, engine: sa.Engine, key: KeyLoader, clock: Clock) -> None:
        self._engine = engine
        self._key = key
        self._clock = clock

    # -- writing -----------------------------------------------------------------------------

    def backfill(self) -> int:
        """Log captures recorded before the log existed (archives from older versions), oldest
        first. Their manifests say when they were logged, which is not when they were taken."""
        with read_session(self._engine) as session:
            # NOT IN over a list holding a NULL (a retraction's entry) would match nothing.
            logged = select(LogEntry.capture_id).where(col(LogEntry.capture_id).is_not(None))
            missing = session.exec(
                select(Capture.id)
                .where(~col(Capture.id).in_(logged))
                .order_by(col(Capture.stored_at), col(Capture.id))
            ).all()
        if not missing:
            return 0
        key = self._key()
        with write_session(self._engine) as session:
            for capture_id in missing:
                if session.exec(
                    select(LogEntry.idx).where(col(LogEntry.capture_id) == capture_id)
                ).first():
                    continue  # another run logged it meanwhile
                capture = session.get(Capture, capture_id)
                assert capture is not None
                artifacts = session.exec(
                    select(Artifact).where(col(Artifact.capture_id) == capture_id)
                ).all()
                append_entry(session, capture, artifacts, key, self._clock())
                session.flush()
        return len(missing)

    def seal(
        self,
        tsa_urls: Sequence[str] = (),
        *,
        roots: Sequence[bytes] = (),
        timeout: float = 10,
    ) -> SealReport:
        """Sign a checkpoint of the log as it is now (if it grew), then timestamp the newest
        checkpoint with the first TSA of ``tsa_urls`` that answers, unless it already is.
        Never raises for an unreachable or failing TSA: it says so in the report instead."""
        backfilled = self.backfill()
        key = self._key()
        warnings: list[str] = []
        with write_session(self._engine) as session:
            leaves = _leaves(session)
            head = session.exec(select(func.max(CheckpointRow.size))).one() or 0
            _still_signed(session, head)
            new = len(leaves) > head
            if new:
                size = len(leaves)
                tree_root = root(leaves)
                note = sign_note(
                    format_checkpoint(Checkpoint(log_origin(key.verifier), size, tree_root)),
                    [key.note_signer()],
                )
                session.add(
                    CheckpointRow(
                        size=size, root_hash=tree_root.hex(), note=note, created_at=self._clock()
                    )
                )
                head = size
        stamp: TimestampInfo | None = None
        pending = False
        if head and tsa_urls:
            stamp, errors = self._timestamp(head, tsa_urls, roots, timeout)
            pending = stamp is None and not self._has_timestamp(head)
            warnings += errors
        return SealReport(
            log_size=len(leaves),
            checkpoint_size=head,
            new_checkpoint=new,
            backfilled=backfilled,
            timestamp=stamp,
            timestamp_pending=pending,
            warnings=tuple(warnings),
        )

    def _has_timestamp(self, size: int) -> bool:
        with read_session(self._engine) as session:
            return (
                session.exec(
                    select(TimestampRow.id).where(col(TimestampRow.checkpoint_size) == size)
                ).first()
                is not None
            )

    def _timestamp(
        self, size: int, tsa_urls: Sequence[str], roots: Sequence[bytes], timeout: float
    ) -> tuple[TimestampInfo | None, list[str]]:
        if self._has_timestamp(size):
            return None, []
        with read_session(self._engine) as session:
            row = session.get(CheckpointRow, size)
            assert row is not None
            note = row.note.encode("utf-8")
        errors: list[str] = []
        for url in tsa_urls:
            try:
                token = request_timestamp(note, url, timeout=timeout)
            except TsaUnreachable as exc:
                errors.append(f"TSA {url} could not be reached ({exc}); will retry next run")
                continue
            except TimestampError as exc:
                errors.append(f"TSA {url} gave no usable timestamp: {exc}")
                continue
            certs = token_certificates_pem(token.der)
            if roots:
                try:
                    verify_timestamp(token, note, roots=roots)
                except TimestampError as exc:
                    errors.append(
                        f"the timestamp from {url} does not verify against the trusted TSA roots"
                        f" ({exc}); it is kept, but set POSTPROOF_TSA_CA to the TSA's root"
                    )
            with write_session(self._engine) as session:
                session.add(
                    TimestampRow(
                        checkpoint_size=size,
                        tsa_url=url,
                        token=token.der,
                        token_sha256=hashlib.sha256(token.der).hexdigest(),
                        gen_time=token.gen_time,
                        tsa_certs=certs or None,
                        created_at=self._clock(),
                    )
                )
            return TimestampInfo(size, url, token.gen_time), errors
        return None, errors

    # -- reading -----------------------------------------------------------------------------

    def size(self) -> int:
        with read_session(self._engine) as session:
            return int(session.exec(select(func.count()).select_from(LogEntry)).one())

    def checkpoints(self) -> list[StoredCheckpoint]:
        with read_session(self._engine) as session:
            rows = session.exec(select(CheckpointRow).order_by(col(CheckpointRow.size))).all()
            return [_checkpoint(row) for row in rows]

    def timestamps(self) -> list[StoredTimestamp]:
        with read_session(self._engine) as session:
            rows = session.exec(select(TimestampRow).order_by(col(TimestampRow.id))).all()
            return [_timestamp(row) for row in rows]

    def places(self, capture_ids: Sequence[str]) -> dict[str, LogPlace]:
        """The log entry of each of ``capture_ids``, with the newest checkpoint and the earliest
        timestamped checkpoint holding it. Unlike :meth:`proofs`, a capture not yet in a
        checkpoint is no error (its place says so); a capture without an entry is left out."""
        wanted = list(dict.fromkeys(capture_ids))
        rows: list[tuple[int, str | None, str, str]] = []
        with read_session(self._engine) as session:
            for start in range(0, len(wanted), 500):
                rows += session.exec(
                    select(
                        LogEntry.idx, LogEntry.capture_id, LogEntry.key, LogEntry.leaf_hash
                    ).where(col(LogEntry.capture_id).in_(wanted[start : start + 500]))
                ).all()
            checkpoint_rows = session.exec(
                select(CheckpointRow).order_by(col(CheckpointRow.size))
            ).all()
            stamp_rows = session.exec(select(TimestampRow).order_by(col(TimestampRow.id))).all()
        checkpoints = {row.size: _checkpoint(row) for row in checkpoint_rows}
        head = checkpoint_rows[-1].size if checkpoint_rows else 0
        stamps: dict[int, list[StoredTimestamp]] = {}
        for stamp in stamp_rows:
            if stamp.checkpoint_size in checkpoints:
                stamps.setdefault(stamp.checkpoint_size, []).append(_timestamp(stamp))
        stamped_sizes = sorted(stamps)
        places: dict[str, LogPlace] = {}
        for idx, capture_id, key, leaf in rows:
            if capture_id is None:
                continue  # a retraction's entry: never asked for by capture id
            try:
                leaf_bytes = bytes.fromhex(leaf)
            except ValueError:
                raise _damaged(
                    [_Unreadable(idx, "its leaf hash is not hex", None, capture_id)]
                ) from None
            stamped = next((size for size in stamped_sizes if size > idx), None)
            places[capture_id] = LogPlace(
                capture_id=capture_id,
                index=idx,
                key=key,
                leaf_hash=leaf_bytes,
                checkpoint=checkpoints[head] if idx < head else None,
                timestamped=None if stamped is None else checkpoints[stamped],
                timestamps=() if stamped is None else tuple(stamps[stamped]),
            )
        return places

    def proofs(self, capture_ids: Sequence[str]) -> LedgerProofs:
        """Inclusion proofs of ``capture_ids`` against the newest checkpoint, and against the
        earliest timestamped checkpoint that holds each, with consistency proofs from those to
        the newest. Raises if a capture is not yet in a checkpoint (call :meth:`seal` first)."""
        with read_session(self._engine) as session:
            read, unreadable = _read_entries(session)
            checkpoint_rows = session.exec(
                select(CheckpointRow).order_by(col(CheckpointRow.size))
            ).all()
            stamp_rows = session.exec(select(TimestampRow).order_by(col(TimestampRow.id))).all()
        if any(u.leaf is None for u in unreadable):
            raise _damaged(unreadable)  # no proof can be computed without every leaf hash
        entries = [e for e in read if e is not None]
        if not checkpoint_rows:
            raise PostproofError(
                "the archive's log has no checkpoint yet", hint="run `postproof timestamp` first"
            )
        stored = {u.idx: u.leaf for u in unreadable}
        leaves = [
            bytes.fromhex(e.leaf_hash) if e is not None else stored[i] or b""
            for i, e in enumerate(read)
        ]
        head = _checkpoint(checkpoint_rows[-1])
        by_capture = {e.capture_id: e for e in entries}
        stamped_sizes = sorted({row.checkpoint_size for row in stamp_rows})
        used: set[int] = {head.size}
        proofs: list[EntryProof] = []
        for capture_id in capture_ids:
            entry = by_capture.get(capture_id)
            if entry is None and any(u.capture_id in (capture_id, None) for u in unreadable):
                raise _damaged(unreadable)  # its own entry is (or may be) the damaged one
            if entry is None or entry.idx >= head.size:
                raise PostproofError(
                    f"capture {capture_id} is not yet in a signed checkpoint of the log",
                    hint="run `postproof timestamp` to sign a checkpoint, then export again",
                )
            inclusion = {head.size: inclusion_proof(leaves[: head.size], entry.idx)}
            stamped = next((s for s in stamped_sizes if s > entry.idx and s <= head.size), None)
            if stamped is not None:
                inclusion[stamped] = inclusion_proof(leaves[:stamped], entry.idx)
                used.add(stamped)
            proofs.append(
                EntryProof(
                    capture_id=capture_id,
                    index=entry.idx,
                    manifest=entry.manifest,
                    signature=entry.signature,
                    key=entry.key,
                    leaf_hash=bytes.fromhex(entry.leaf_hash),
                    inclusion=inclusion,
                )
            )
        checkpoints = tuple(_checkpoint(r) for r in checkpoint_rows if r.size in used)
        consistency = {
            size: consistency_proof(leaves[: head.size], size, head.size)
            for size in sorted(used)
            if size != head.size
        }
        return LedgerProofs(
            verifier=self._key().verifier,
            origin=log_origin(self._key().verifier),
            head=head,
            entries=tuple(proofs),
            timestamps=tuple(_timestamp(r) for r in stamp_rows if r.checkpoint_size in used),
            checkpoints=checkpoints,
            consistency=consistency,
        )

    # -- verifying ---------------------------------------------------------------------------

    def verify(
        self, *, roots: Sequence[bytes], capture_id: str | None = None
    ) -> tuple[list[VerifyProblem], LedgerCheck]:
        """Recheck the whole log (see the module docstring); ``capture_id`` adds an inclusion
        proof of that capture against the newest checkpoint."""
        verifier_text = self._key().verifier
        verifier = NoteVerifier.from_string(verifier_text)
        check = LedgerCheck()
        problems: list[VerifyProblem] = []

        def problem(kind: ProblemKind, detail: str, capture: str | None = None) -> None:
            problems.append(
                VerifyProblem(
                    capture_id=capture, kind=None, sha256=None, problem=kind, detail=detail
                )
            )

        with read_session(self._engine) as session:
            read, unreadable = _read_entries(session)
            captures = {c.id: c for c in session.exec(select(Capture)).all()}
            artifacts: dict[str, list[Artifact]] = {}
            for artifact in session.exec(select(Artifact)).all():
                artifacts.setdefault(artifact.capture_id, []).append(artifact)
            checkpoint_rows = session.exec(
                select(CheckpointRow).order_by(col(CheckpointRow.size))
            ).all()
            stamp_rows = session.exec(select(TimestampRow).order_by(col(TimestampRow.id))).all()
            retractions = {r.id: r for r in session.exec(select(Retraction)).all()}
            retracted_articles = _retracted_articles(session, retractions.values())

        check.log_size = len(read)
        pending = iter(unreadable)
        leaves: list[bytes] = []
        logged: set[str] = set()
        logged_retractions: set[int | None] = set()
        entry_of = {e.capture_id: e for e in read if e is not None and e.capture_id is not None}
        for position, entry in enumerate(read):
            if entry is None:
                bad = next(pending)
                if bad.capture_id:
                    logged.add(bad.capture_id)
                logged_retractions.add(bad.retraction_id)
                problem(
                    "log_entry_unreadable",
                    f"log entry {bad.idx}"
                    + (f" (capture {bad.capture_id})" if bad.capture_id else "")
                    + f" cannot be read: {bad.reason}",
                    bad.capture_id,
                )
                # Its stored leaf hash (when readable) still lets the checkpoints be checked.
                leaves.append(bad.leaf or b"\0" * 32)
                continue
            if entry.idx != position:
                problem(
                    "log_gap",
                    f"log entry {position} is missing (the next one is {entry.idx}): entries "
                    "were deleted from the log",
                )
            manifest = entry.manifest.encode("utf-8")
            actual_leaf = leaf_hash(manifest)
            leaves.append(actual_leaf)
            retraction = retractions.get(entry.retraction_id)
            # A retraction's problems belong to the capture it retracts, when it retracts one.
            owner = entry.capture_id or _retracted_capture(retraction)
            if actual_leaf.hex() != entry.leaf_hash:
                problem(
                    "log_entry_altered",
                    f"log entry {entry.idx}: its manifest no longer hashes to the recorded leaf "
                    f"hash {entry.leaf_hash[:16]}…: the manifest was edited",
                    owner,
                )
            check.signatures_checked += 1
            signature_problem = _signature_problem(entry, manifest, verifier_text, verifier)
            if signature_problem:
                problem("signature_invalid", signature_problem, owner)
            if entry.retraction_id is not None:
                check.retractions += 1
                logged_retractions.add(entry.retraction_id)
                mismatch = _retraction_problem(entry, retraction, entry_of, retracted_articles)
                if mismatch:
                    problem("manifest_mismatch", mismatch, owner)
                continue
            assert entry.capture_id is not None  # the table's check: one subject per entry
            logged.add(entry.capture_id)
            capture = captures.get(entry.capture_id)
            if capture is None:
                problem(
                    "manifest_mismatch",
                    f"log entry {entry.idx} names capture {entry.capture_id}, which is not in "
                    "the database: the capture was deleted",
                    entry.capture_id,
                )
                continue
            differences = _differences(
                _loads(entry.manifest), manifest_for(capture, artifacts.get(capture.id, []))
            )
            if differences:
                problem(
                    "manifest_mismatch",
                    f"capture {capture.id} no longer matches its signed manifest (log entry "
                    f"{entry.idx}): {'; '.join(differences[:5])}",
                    capture.id,
                )
        for missing in sorted(set(captures) - logged):
            problem(
                "not_logged",
                f"capture {missing} has no entry in the log: its log entry was removed",
                missing,
            )
        for kept in retractions.values():
            if kept.id not in logged_retractions:
                problem(
                    "not_logged",
                    f"retraction {kept.id} (of {kept.target_kind} {kept.target_id}) has no entry "
                    "in the log: its log entry was removed",
                    _retracted_capture(kept),
                )

        previous: tuple[int, bytes] | None = None
        verified_roots: dict[int, bytes] = {}
        origin = log_origin(verifier_text)
        check.checkpoints = len(checkpoint_rows)
        for row in checkpoint_rows:
            check.signatures_checked += 1
            try:
                cp, _note = verify_checkpoint(row.note, [verifier], expected_origin=origin)
            except NoteError as exc:
                problem(
                    "checkpoint_invalid",
                    f"checkpoint at size {row.size} does not verify: {exc}",
                )
                continue
            if cp.size != row.size or cp.root_hash.hex() != row.root_hash:
                problem(
                    "checkpoint_invalid",
                    f"checkpoint at size {row.size}: the stored size/root differ from the "
                    f"signed ones ({cp.size}, {cp.root_hash.hex()[:16]}…)",
                )
            if cp.size > len(leaves):
                problem(
                    "log_rewritten",
                    f"the checkpoint signed at {_time(row.created_at)} covers {cp.size} entries "
                    f"but the log holds only {len(leaves)}: entries were deleted",
                )
                continue
            if root(leaves[: cp.size]) != cp.root_hash:
                problem(
                    "log_rewritten",
                    f"the first {cp.size} log entries no longer hash to the root signed in the "
                    f"checkpoint of {_time(row.created_at)}: an entry was altered, reordered or "
                    "removed",
                )
            verified_roots[cp.size] = cp.root_hash
            check.checkpoint_size = max(check.checkpoint_size, cp.size)
            if previous is not None and cp.size <= len(leaves):
                old_size, old_root = previous
                proof = consistency_proof(leaves[: cp.size], old_size, cp.size)
                check.consistency_checked += 1
                if not verify_consistency(old_size, cp.size, old_root, cp.root_hash, proof):
                    problem(
                        "consistency_failed",
                        f"the checkpoint at size {cp.size} is not an append-only extension of "
                        f"the one at size {old_size}: history between them was rewritten",
                    )
            previous = (cp.size, cp.root_hash)

        notes = {row.size: row.note for row in checkpoint_rows}
        for stamp in stamp_rows:
            check.timestamps_checked += 1
            found = _timestamp_problem(stamp, notes.get(stamp.checkpoint_size), roots)
            if found:
                problem(*found)
            elif stamp.checkpoint_size in verified_roots:
                check.timestamped_size = max(check.timestamped_size, stamp.checkpoint_size)
                check.timestamp_times.append(_time(stamp.gen_time) or "")

        if capture_id is not None and check.checkpoint_size:
            own = next((e for e in read if e is not None and e.capture_id == capture_id), None)
            size = check.checkpoint_size
            if own is not None and own.idx < size and size in verified_roots:
                path = inclusion_proof(leaves[:size], own.idx)
                check.inclusion_checked += 1
                if not verify_inclusion(
                    leaf_hash(own.manifest.encode()), own.idx, size, path, verified_roots[size]
                ):
                    problem(
                        "inclusion_failed",
                        f"capture {capture_id} is not included in the checkpoint at size {size}",
                        capture_id,
                    )
        return problems, check


def _leaves(session: Session) -> list[bytes]:
    entries, unreadable = _read_entries(session)
    if unreadable:
        raise _damaged(unreadable)
    return [bytes.fromhex(e.leaf_hash) for e in entries if e is not None]


@dataclass(frozen=True)
class _Unreadable:
    idx: int
    reason: str
    leaf: bytes | None  # the stored leaf hash, when that column could still be read
    capture_id: str | None  # the capture it logs, when that column could still be read
    retraction_id: int | None = None  # the retraction it logs, likewise


def _read_entries(session: Session) -> tuple[list[LogEntry | None], list[_Unreadable]]:
    """Every log entry in index order; an entry whose bytes were damaged in the database file
    (text that no longer decodes, a leaf hash that is no longer hex) is reported by index
    instead of stopping the whole read."""
    try:
        entries = list(session.exec(select(LogEntry).order_by(col(LogEntry.idx))).all())
        for entry in entries:
            bytes.fromhex(entry.leaf_hash)
        return list(entries), []
    except (sa.exc.OperationalError, sa.exc.StatementError, ValueError):
        pass  # read them one by one, to name each damaged entry
    read: list[LogEntry | None] = []
    unreadable: list[_Unreadable] = []
    for idx in session.exec(select(LogEntry.idx).order_by(col(LogEntry.idx))).all():
        try:
            entry = session.exec(select(LogEntry).where(col(LogEntry.idx) == idx)).one()
            bytes.fromhex(entry.leaf_hash)
        except (sa.exc.OperationalError, sa.exc.StatementError, ValueError) as exc:
            unreadable.append(
                _Unreadable(
                    idx,
                    _why(exc),
                    _stored_leaf(session, idx),
                    _logged(session, idx),
                    _logged_retraction(session, idx),
                )
            )
            read.append(None)
            continue
        read.append(entry)
    return read, unreadable


def _stored_leaf(session: Session, idx: int) -> bytes | None:
    try:
        text = session.exec(select(LogEntry.leaf_hash).where(col(LogEntry.idx) == idx)).one()
        return bytes.fromhex(text)
    except (sa.exc.OperationalError, sa.exc.StatementError, ValueError):
        return None


def _logged(session: Session, idx: int) -> str | None:
    try:
        return session.exec(select(LogEntry.capture_id).where(col(LogEntry.idx) == idx)).one()
    except (sa.exc.OperationalError, sa.exc.StatementError):
        return None


def _logged_retraction(session: Session, idx: int) -> int | None:
    try:
        return session.exec(select(LogEntry.retraction_id).where(col(LogEntry.idx) == idx)).one()
    except (sa.exc.OperationalError, sa.exc.StatementError):
        return None


def _retracted_articles(session: Session, retractions: Iterable[Retraction]) -> dict[str, Article]:
    ids = [r.target_id for r in retractions if r.target_kind == "article"]
    if not ids:
        return {}
    return {a.id: a for a in session.exec(select(Article).where(col(Article.id).in_(ids))).all()}


def _retracted_capture(retraction: Retraction | None) -> str | None:
    if retraction is None or retraction.target_kind != "capture":
        return None
    return retraction.target_id


def _retraction_problem(
    entry: LogEntry,
    retraction: Retraction | None,
    entry_of: Mapping[str, LogEntry],
    articles: Mapping[str, Article],
) -> str | None:
    """What is wrong between a retraction's log entry and its row, or None."""
    if retraction is None:
        return (
            f"log entry {entry.idx} names retraction {entry.retraction_id}, which is not in the "
            "database: the retraction was deleted"
        )
    target = retraction_target(
        retraction, entry_of.get(retraction.target_id), articles.get(retraction.target_id)
    )
    differences = _differences(_loads(entry.manifest), retraction_manifest(retraction, target))
    if not differences:
        return None
    return (
        f"retraction {retraction.id} (of {retraction.target_kind} {retraction.target_id}) no "
        f"longer matches its signed manifest (log entry {entry.idx}): " + "; ".join(differences[:5])
    )


def _why(exc: Exception) -> str:
    text = str(getattr(exc, "orig", None) or exc).splitlines()[0]
    if "decode" in text.lower():
        column = re.search(r"column '(\w+)'", text)
        where = f"its {column[1]} " if column else "its text "
        return f"{where}no longer decodes as UTF-8: bytes of the database file were altered"
    return f"it cannot be read ({text[:160]})"


def _damaged(unreadable: Sequence[_Unreadable]) -> IntegrityError:
    listed = ", ".join(str(u.idx) for u in unreadable[:10])
    return IntegrityError(
        f"the transparency log is damaged: entr{'y' if len(unreadable) == 1 else 'ies'} "
        f"{listed} cannot be read from the database",
        hint="run `postproof verify --all` to see every damaged record; nothing was signed",
    )


def _still_signed(session: Session, head: int) -> None:
    """Refuse to sign over damage: the entries the last checkpoint covers must still hash,
    from their manifests as stored, to the root it signed."""
    if not head:
        return
    row = session.exec(select(CheckpointRow).where(col(CheckpointRow.size) == head)).one()
    manifests = session.exec(
        select(LogEntry.manifest).where(col(LogEntry.idx) < head).order_by(col(LogEntry.idx))
    ).all()
    recomputed = [leaf_hash(m.encode("utf-8")) for m in manifests]
    if len(recomputed) != head or root(recomputed).hex() != row.root_hash:
        raise IntegrityError(
            f"the transparency log no longer matches its last signed checkpoint (size {head}): "
            "an entry was altered or removed, so no new checkpoint is signed over it",
            hint="run `postproof verify --all` to see what changed",
        )


def _checkpoint(row: CheckpointRow) -> StoredCheckpoint:
    return StoredCheckpoint(row.size, bytes.fromhex(row.root_hash), row.note, row.created_at)


def _timestamp(row: TimestampRow) -> StoredTimestamp:
    return StoredTimestamp(row.checkpoint_size, row.tsa_url, row.token, row.gen_time, row.tsa_certs)


def _loads(text: str) -> Any:
    try:
        return json.loads(text)
    except ValueError:
        return None


def _signature_problem(
    entry: LogEntry, manifest: bytes, verifier_text: str, verifier: NoteVerifier
) -> str | None:
    if entry.key != verifier_text:
        return (
            f"log entry {entry.idx} says it was signed by {entry.key}, not by this archive's "
            f"key {verifier_text}"
        )
    try:
        signature = base64.b64decode(entry.signature, validate=True)
    except (binascii.Error, ValueError):
        return f"log entry {entry.idx}: the signature is not valid base64"
    if not verifier.verify(manifest, signature):
        subject = (
            f"capture {entry.capture_id}"
            if entry.capture_id is not None
            else f"retraction {entry.retraction_id}"
        )
        return (
            f"log entry {entry.idx} ({subject}): the manifest's signature does not verify: the "
            "manifest or its signature was changed after signing"
        )
    return None


def _differences(signed: Any, current: Mapping[str, Any]) -> list[str]:
    if not isinstance(signed, Mapping):
        return ["the signed manifest is not a JSON object"]
    out: list[str] = []
    for name in sorted(set(signed) | set(current)):
        if name == "artifacts":
            continue
        before, after = signed.get(name), current.get(name)
        if isinstance(before, Mapping) and isinstance(after, Mapping):
            for sub in sorted(set(before) | set(after)):
                if before.get(sub) != after.get(sub):
                    was, now = _short(before.get(sub)), _short(after.get(sub))
                    out.append(f"{name}.{sub} was {was}, is now {now}")
        elif before != after:
            out.append(f"{name} was {_short(before)}, is now {_short(after)}")
    signed_artifacts = {(a["kind"], a.get("source_url")): a for a in signed.get("artifacts", [])}
    current_artifacts = {(a["kind"], a.get("source_url")): a for a in current.get("artifacts", [])}
    for slot in sorted(set(signed_artifacts) | set(current_artifacts), key=str):
        before, after = signed_artifacts.get(slot), current_artifacts.get(slot)
        label = slot[0] if slot[1] is None else f"{slot[0]} {slot[1]}"
        if before is None:
            out.append(f"artifact {label} was added after signing")
        elif after is None:
            out.append(f"artifact {label} was removed after signing")
        elif before != after:
            changed = sorted(k for k in set(before) | set(after) if before.get(k) != after.get(k))
            out.append(
                f"artifact {label}: "
                + ", ".join(
                    f"{k} was {_short(before.get(k))}, is now {_short(after.get(k))}"
                    for k in changed
                )
            )
    return out


def _short(value: Any) -> str:
    text = json.dumps(value, ensure_ascii=False)
    return text if len(text) <= 60 else text[:57] + "…"


def _timestamp_problem(
    stamp: TimestampRow, note: str | None, roots: Sequence[bytes]
) -> tuple[str, str] | None:
    """(code, detail) of what is wrong with a stored timestamp, or None. An intact token whose
    TSA chains to no root given is ``timestamp_untrusted``: a matter of trust, not tampering."""
    where = (
        f"the timestamp from {stamp.tsa_url} over the checkpoint at size {stamp.checkpoint_size}"
    )
    if hashlib.sha256(stamp.token).hexdigest() != stamp.token_sha256:
        return "timestamp_invalid", f"{where}: the stored token was altered (its SHA-256 changed)"
    if note is None:
        return "timestamp_invalid", f"{where}: its checkpoint is missing"
    try:
        token = TimestampToken.from_der(stamp.token, tsa_url=stamp.tsa_url)
    except TimestampError as exc:
        return "timestamp_invalid", f"{where}: the token is unreadable: {exc}"
    if token.gen_time != stamp.gen_time.astimezone(UTC):
        return (
            "timestamp_invalid",
            f"{where}: the recorded time differs from the signed time {_time(token.gen_time)}",
        )
    if not roots:
        return (
            "timestamp_untrusted",
            f"{where}: no trusted TSA root is configured; pass --tsa-ca FILE (or set "
            "POSTPROOF_TSA_CA)",
        )
    try:
        verify_timestamp(token, note.encode("utf-8"), roots=roots)
    except TimestampUntrusted as exc:
        return "timestamp_untrusted", f"{where}: {exc}; {exc.hint}"
    except TimestampError as exc:
        return "timestamp_invalid", f"{where}: {exc}"
    return None
