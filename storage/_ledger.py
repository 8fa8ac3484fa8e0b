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

This module is the log's face: :class:`Ledger` writes checkpoints and timestamps itself and
hands the rest to its parts, :mod:`storage._ledger_entries` (manifests, appending and reading
entries), :mod:`storage._ledger_proofs` (places and proofs) and :mod:`storage._ledger_verify`
(verification).
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlmodel import Session, col, func, select

from archiver.errors import IntegrityError, StorageError
from proof import (
    Checkpoint,
    NoteVerifier,
    format_checkpoint,
    leaf_hash,
    root,
    sign_note,
)
from storage._database import lock_for_transaction, read_session, write_session
from storage._ledger_entries import (
    MANIFEST_FORMAT,
    RETRACTION_FORMAT,
    append_entry,
    append_retraction,
    log_origin,
    log_time,
    manifest_for,
    read_entries,
    read_leaves,
    refuse_another_signer,
    retraction_manifest,
    retraction_target,
)
from storage._ledger_proofs import (
    EntryProof,
    LedgerProofs,
    LogPlace,
    PlaceRow,
    StoredCheckpoint,
    StoredTimestamp,
    ledger_proofs,
    log_places,
    stored_checkpoint,
    stored_timestamp,
)
from storage._ledger_verify import LedgerCheck, read_ledger, verify_ledger
from storage._postgres import LOG as LOG_LOCK
from storage._records import VerifyProblem
from storage._tables import Artifact, Capture, CheckpointRow, LogEntry, TimestampRow

# Names other modules import from here, wherever they are defined.
__all__ = [
    "MANIFEST_FORMAT",
    "RETRACTION_FORMAT",
    "Clock",
    "EntryProof",
    "KeyLoader",
    "Ledger",
    "LedgerCheck",
    "LedgerProofs",
    "LogPlace",
    "SealReport",
    "StoredCheckpoint",
    "StoredTimestamp",
    "TimestampInfo",
    "append_entry",
    "append_retraction",
    "log_origin",
    "manifest_for",
    "retraction_manifest",
    "retraction_target",
]

if TYPE_CHECKING:
    from proof import InstallationKey

log = logging.getLogger("postproof.ledger")

KeyLoader = Callable[[], "InstallationKey"]
Clock = Callable[[], datetime]


@dataclass(frozen=True)
class TimestampInfo:
    checkpoint_size: int
    tsa_url: str
    gen_time: datetime

    def to_json(self) -> dict[str, Any]:
        return {
            "checkpoint_size": self.checkpoint_size,
            "tsa_url": self.tsa_url,
            "gen_time": log_time(self.gen_time),
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
            lock_for_transaction(session, LOG_LOCK)  # no entry is appended while we sign
            leaves = read_leaves(session)
            head = session.exec(select(func.max(CheckpointRow.size))).one() or 0
            _still_signed(session, head)
            refuse_another_signer(session, key)
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
        # The TSA side (cryptography's X.509, rfc3161-client) is loaded when a TSA is asked.
        from proof import (
            TimestampError,
            TsaUnreachable,
            request_timestamp,
            token_certificates_pem,
            verify_timestamp,
        )

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
            return [stored_checkpoint(row) for row in rows]

    def timestamps(self) -> list[StoredTimestamp]:
        with read_session(self._engine) as session:
            rows = session.exec(select(TimestampRow).order_by(col(TimestampRow.id))).all()
            return [stored_timestamp(row) for row in rows]

    def places(self, capture_ids: Sequence[str]) -> dict[str, LogPlace]:
        """The log entry of each of ``capture_ids``, with the newest checkpoint and the earliest
        timestamped checkpoint holding it. Unlike :meth:`proofs`, a capture not yet in a
        checkpoint is no error (its place says so); a capture without an entry is left out."""
        wanted = list(dict.fromkeys(capture_ids))
        rows: list[PlaceRow] = []
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
        return log_places(rows, checkpoint_rows, stamp_rows)

    def proofs(self, capture_ids: Sequence[str]) -> LedgerProofs:
        """Inclusion proofs of ``capture_ids`` against the newest checkpoint, and against the
        earliest timestamped checkpoint that holds each, with consistency proofs from those to
        the newest. Raises if a capture is not yet in a checkpoint (call :meth:`seal` first)."""
        with read_session(self._engine) as session:
            read, unreadable = read_entries(session)
            checkpoint_rows = session.exec(
                select(CheckpointRow).order_by(col(CheckpointRow.size))
            ).all()
            stamp_rows = session.exec(select(TimestampRow).order_by(col(TimestampRow.id))).all()
        return ledger_proofs(capture_ids, read, unreadable, checkpoint_rows, stamp_rows, self._key)

    # -- verifying ---------------------------------------------------------------------------

    def verify(
        self, *, roots: Sequence[bytes], capture_id: str | None = None
    ) -> tuple[list[VerifyProblem], LedgerCheck]:
        """Recheck the whole log (see the module docstring); ``capture_id`` adds an inclusion
        proof of that capture against the newest checkpoint."""
        verifier_text = self._key().verifier
        verifier = NoteVerifier.from_string(verifier_text)
        with read_session(self._engine) as session:
            rows = read_ledger(session)
        return verify_ledger(rows, verifier_text, verifier, roots=roots, capture_id=capture_id)


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


def refuse_a_new_key(engine: sa.Engine, path: Path) -> None:
    """Refuse to create a signing key at ``path`` for a log that already has entries: they are
    signed with the archive's key, and whatever a new key signed would fail ``verify`` on every
    machine (a data home that joins a shared archive, a key file lost or not yet copied)."""
    with read_session(engine) as session:
        signer = session.exec(
            select(LogEntry.key).order_by(col(LogEntry.idx).desc()).limit(1)
        ).first()
    if signer is None:
        return
    name, _, key_id = signer.partition("+")
    raise StorageError(
        f"this data home has no signing key ({path}), but the archive's log is signed with "
        f"the key {name}+{key_id.partition('+')[0]}: a new key would sign records that fail "
        "verify everywhere",
        hint=f"Copy the archive's key file to {path} (mode 0600) from the machine or backup "
        "that holds it; `postproof key show` there prints the key it must match.",
    )
