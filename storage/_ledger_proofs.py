"""Proof material of the archive's transparency log (see :mod:`storage._ledger`): where captures
stand in the log, and the inclusion and consistency proofs a third party checks them by, offline.

Nothing here reads the database: :class:`storage._ledger.Ledger` reads the rows in one read
transaction and hands them over."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING

from archiver.errors import PostproofError
from proof import consistency_proof, inclusion_proof
from storage._ledger_entries import Unreadable, damaged, log_origin
from storage._tables import CheckpointRow, LogEntry, TimestampRow

if TYPE_CHECKING:
    from proof import InstallationKey


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
    # The retractions of those captures: each one's own log entry, with its inclusion proof in
    # the newest checkpoint; ``capture_id`` is the capture it retracts.
    retractions: tuple[EntryProof, ...] = ()


# One row of the log as :func:`log_places` reads it: index, capture id, key, leaf hash (hex).
PlaceRow = tuple[int, str | None, str, str]


def stored_checkpoint(row: CheckpointRow) -> StoredCheckpoint:
    return StoredCheckpoint(row.size, bytes.fromhex(row.root_hash), row.note, row.created_at)


def stored_timestamp(row: TimestampRow) -> StoredTimestamp:
    return StoredTimestamp(row.checkpoint_size, row.tsa_url, row.token, row.gen_time, row.tsa_certs)


def log_places(
    rows: Sequence[PlaceRow],
    checkpoint_rows: Sequence[CheckpointRow],
    stamp_rows: Sequence[TimestampRow],
) -> dict[str, LogPlace]:
    """The place of each capture of ``rows`` (checkpoints in size order, timestamps in the
    order they were stored); see :meth:`Ledger.places`."""
    checkpoints = {row.size: stored_checkpoint(row) for row in checkpoint_rows}
    head = checkpoint_rows[-1].size if checkpoint_rows else 0
    stamps = _stamps_by_size(stamp_rows, checkpoints)
    stamped_sizes = sorted(stamps)
    places: dict[str, LogPlace] = {}
    for idx, capture_id, key, leaf in rows:
        if capture_id is None:
            continue  # a retraction's entry: never asked for by capture id
        stamped = next((size for size in stamped_sizes if size > idx), None)
        places[capture_id] = LogPlace(
            capture_id=capture_id,
            index=idx,
            key=key,
            leaf_hash=_leaf_bytes(idx, capture_id, leaf),
            checkpoint=checkpoints[head] if idx < head else None,
            timestamped=None if stamped is None else checkpoints[stamped],
            timestamps=() if stamped is None else tuple(stamps[stamped]),
        )
    return places


def ledger_proofs(
    capture_ids: Sequence[str],
    read: Sequence[LogEntry | None],
    unreadable: Sequence[Unreadable],
    checkpoint_rows: Sequence[CheckpointRow],
    stamp_rows: Sequence[TimestampRow],
    key: Callable[[], InstallationKey],
) -> LedgerProofs:
    """The proofs of :meth:`Ledger.proofs` from the log's entries as :func:`read_entries` read
    them, its checkpoints in size order and its timestamps in the order they were stored.
    ``key`` is loaded only once the proofs are made (loading may create it)."""
    leaves = _stored_leaves(read, unreadable)
    if not checkpoint_rows:
        raise PostproofError(
            "the archive's log has no checkpoint yet", hint="run `postproof timestamp` first"
        )
    head = stored_checkpoint(checkpoint_rows[-1])
    by_capture = {e.capture_id: e for e in read if e is not None}
    stamped_sizes = sorted({row.checkpoint_size for row in stamp_rows})
    used: set[int] = {head.size}
    proofs: list[EntryProof] = []
    for capture_id in capture_ids:
        entry = _checkpointed_entry(capture_id, by_capture.get(capture_id), unreadable, head.size)
        proof = _entry_proof(entry, capture_id, leaves, head.size, stamped_sizes)
        used.update(proof.inclusion)
        proofs.append(proof)
    retractions = _retraction_proofs(capture_ids, read, leaves, head.size)
    verifier = key().verifier
    return LedgerProofs(
        verifier=verifier,
        origin=log_origin(verifier),
        head=head,
        entries=tuple(proofs),
        timestamps=tuple(stored_timestamp(r) for r in stamp_rows if r.checkpoint_size in used),
        checkpoints=tuple(stored_checkpoint(r) for r in checkpoint_rows if r.size in used),
        consistency={
            size: consistency_proof(leaves[: head.size], size, head.size)
            for size in sorted(used)
            if size != head.size
        },
        retractions=retractions,
    )


def _retraction_proofs(
    capture_ids: Sequence[str], read: Sequence[LogEntry | None], leaves: list[bytes], head: int
) -> tuple[EntryProof, ...]:
    """The log entries that retract any of ``capture_ids`` and that the newest checkpoint
    holds, with inclusion proofs in it (one not yet sealed cannot be proved: an export refuses
    to go without it)."""
    wanted = set(capture_ids)
    found: list[EntryProof] = []
    for entry in read:
        if entry is None or entry.retraction_id is None or entry.idx >= head:
            continue
        target = _retracted_capture(entry)
        if target not in wanted:
            continue
        found.append(
            EntryProof(
                capture_id=target,
                index=entry.idx,
                manifest=entry.manifest,
                signature=entry.signature,
                key=entry.key,
                leaf_hash=bytes.fromhex(entry.leaf_hash),
                inclusion={head: inclusion_proof(leaves[:head], entry.idx)},
            )
        )
    return tuple(found)


def _retracted_capture(entry: LogEntry) -> str | None:
    """The capture a retraction's entry retracts, as its signed manifest names it; None for an
    article's retraction."""
    try:
        target = json.loads(entry.manifest).get("target")
    except (ValueError, AttributeError):
        why = "its retraction manifest is not a JSON object"
        leaf = bytes.fromhex(entry.leaf_hash)
        raise damaged([Unreadable(entry.idx, why, leaf, None, entry.retraction_id)]) from None
    if isinstance(target, dict) and target.get("kind") == "capture":
        return str(target.get("id"))
    return None


def _stamps_by_size(
    stamp_rows: Sequence[TimestampRow], checkpoints: dict[int, StoredCheckpoint]
) -> dict[int, list[StoredTimestamp]]:
    """The timestamps of each stored checkpoint, in the order they were stored."""
    stamps: dict[int, list[StoredTimestamp]] = {}
    for stamp in stamp_rows:
        if stamp.checkpoint_size in checkpoints:
            stamps.setdefault(stamp.checkpoint_size, []).append(stored_timestamp(stamp))
    return stamps


def _stored_leaves(
    read: Sequence[LogEntry | None], unreadable: Sequence[Unreadable]
) -> list[bytes]:
    """The leaf hash of every entry as stored, a damaged entry's too when it can still be read."""
    if any(u.leaf is None for u in unreadable):
        raise damaged(unreadable)  # no proof can be computed without every leaf hash
    stored = {u.idx: u.leaf for u in unreadable}
    return [
        bytes.fromhex(e.leaf_hash) if e is not None else stored[i] or b""
        for i, e in enumerate(read)
    ]


def _leaf_bytes(idx: int, capture_id: str, leaf: str) -> bytes:
    try:
        return bytes.fromhex(leaf)
    except ValueError:
        raise damaged([Unreadable(idx, "its leaf hash is not hex", None, capture_id)]) from None


def _checkpointed_entry(
    capture_id: str,
    entry: LogEntry | None,
    unreadable: Sequence[Unreadable],
    head_size: int,
) -> LogEntry:
    """``entry``, the log entry of ``capture_id``, if the newest checkpoint holds it."""
    if entry is None and any(u.capture_id in (capture_id, None) for u in unreadable):
        raise damaged(unreadable)  # its own entry is (or may be) the damaged one
    if entry is None or entry.idx >= head_size:
        raise PostproofError(
            f"capture {capture_id} is not yet in a signed checkpoint of the log",
            hint="run `postproof timestamp` to sign a checkpoint, then export again",
        )
    return entry


def _entry_proof(
    entry: LogEntry,
    capture_id: str,
    leaves: Sequence[bytes],
    head_size: int,
    stamped_sizes: Sequence[int],
) -> EntryProof:
    """Inclusion proofs of ``entry`` in the newest checkpoint and in the earliest timestamped
    one that holds it, if any."""
    inclusion = {head_size: inclusion_proof(leaves[:head_size], entry.idx)}
    stamped = next((s for s in stamped_sizes if s > entry.idx and s <= head_size), None)
    if stamped is not None:
        inclusion[stamped] = inclusion_proof(leaves[:stamped], entry.idx)
    return EntryProof(
        capture_id=capture_id,
        index=entry.idx,
        manifest=entry.manifest,
        signature=entry.signature,
        key=entry.key,
        leaf_hash=bytes.fromhex(entry.leaf_hash),
        inclusion=inclusion,
    )
