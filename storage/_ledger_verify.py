"""Verification of the archive's transparency log (see :mod:`storage._ledger`): everything is
recomputed from the manifests as stored, in phases, each one checker adding to one
:class:`Findings`:

1. the entries: no gaps, each manifest hashing to its leaf, signed by this archive's key, and
   matching the capture (or retraction) rows it describes;
2. that every capture and every retraction has an entry;
3. the checkpoints: signed, their stored size and root those signed, the log still hashing to
   them, each an append-only extension of the one before;
4. the timestamps: intact tokens over stored checkpoints, from trusted TSAs;
5. on request, one capture's inclusion in the newest checkpoint.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC
from typing import Any

from sqlmodel import Session, col, select

from proof import (
    Checkpoint,
    NoteError,
    NoteVerifier,
    consistency_proof,
    inclusion_proof,
    leaf_hash,
    root,
    verify_checkpoint,
    verify_consistency,
    verify_inclusion,
)
from storage._ledger_entries import (
    Unreadable,
    log_origin,
    log_time,
    manifest_for,
    read_entries,
    retraction_manifest,
    retraction_target,
)
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


class Findings:
    """The problems a verification of the log finds, in the order it finds them. A problem of
    the log names a capture (or none), never an artifact kind or a blob."""

    def __init__(self) -> None:
        self.problems: list[VerifyProblem] = []

    def add(self, kind: ProblemKind, detail: str, capture_id: str | None = None) -> None:
        self.problems.append(
            VerifyProblem(
                capture_id=capture_id, kind=None, sha256=None, problem=kind, detail=detail
            )
        )


@dataclass(frozen=True)
class LedgerRows:
    """Everything a verification of the log reads, in one read transaction."""

    entries: list[LogEntry | None]  # in index order; None where an entry is unreadable
    unreadable: list[Unreadable]  # those entries, in index order
    captures: dict[str, Capture]
    artifacts: dict[str, list[Artifact]]  # by capture id
    checkpoints: Sequence[CheckpointRow]  # in size order
    stamps: Sequence[TimestampRow]  # in the order they were stored
    retractions: dict[int | None, Retraction]
    retracted_articles: dict[str, Article]


def read_ledger(session: Session) -> LedgerRows:
    entries, unreadable = read_entries(session)
    captures = {c.id: c for c in session.exec(select(Capture)).all()}
    artifacts: dict[str, list[Artifact]] = {}
    for artifact in session.exec(select(Artifact)).all():
        artifacts.setdefault(artifact.capture_id, []).append(artifact)
    checkpoints = session.exec(select(CheckpointRow).order_by(col(CheckpointRow.size))).all()
    stamps = session.exec(select(TimestampRow).order_by(col(TimestampRow.id))).all()
    retractions = {r.id: r for r in session.exec(select(Retraction)).all()}
    return LedgerRows(
        entries=entries,
        unreadable=unreadable,
        captures=captures,
        artifacts=artifacts,
        checkpoints=checkpoints,
        stamps=stamps,
        retractions=retractions,
        retracted_articles=_retracted_articles(session, retractions.values()),
    )


def verify_ledger(
    rows: LedgerRows,
    verifier_text: str,
    verifier: NoteVerifier,
    *,
    roots: Sequence[bytes],
    capture_id: str | None = None,
) -> tuple[list[VerifyProblem], LedgerCheck]:
    """Recheck the log as ``rows`` hold it against the key ``verifier_text`` (see the module
    docstring); ``capture_id`` adds an inclusion proof of that capture."""
    checker = _LedgerChecker(rows, verifier_text, verifier)
    checker.check_entries()
    checker.check_all_logged()
    checker.check_checkpoints()
    checker.check_timestamps(roots)
    if capture_id is not None:
        checker.check_inclusion(capture_id)
    return checker.findings.problems, checker.check


class _LedgerChecker:
    """One verification: each ``check_`` method is a phase, run in order; the leaf hashes the
    entries phase recomputes and the checkpoint roots that verify carry to the later ones."""

    def __init__(self, rows: LedgerRows, verifier_text: str, verifier: NoteVerifier) -> None:
        self.rows = rows
        self.verifier_text = verifier_text
        self.verifier = verifier
        self.findings = Findings()
        self.check = LedgerCheck(log_size=len(rows.entries))
        self.leaves: list[bytes] = []
        self.logged: set[str] = set()
        self.logged_retractions: set[int | None] = set()
        self.verified_roots: dict[int, bytes] = {}

    # -- 1. entries ----------------------------------------------------------------------------

    def check_entries(self) -> None:
        pending = iter(self.rows.unreadable)
        entry_of = {
            e.capture_id: e for e in self.rows.entries if e is not None and e.capture_id is not None
        }
        for position, entry in enumerate(self.rows.entries):
            if entry is None:
                self._unreadable_entry(next(pending))
            else:
                self._entry(position, entry, entry_of)

    def _unreadable_entry(self, bad: Unreadable) -> None:
        if bad.capture_id:
            self.logged.add(bad.capture_id)
        self.logged_retractions.add(bad.retraction_id)
        self.findings.add(
            "log_entry_unreadable",
            f"log entry {bad.idx}"
            + (f" (capture {bad.capture_id})" if bad.capture_id else "")
            + f" cannot be read: {bad.reason}",
            bad.capture_id,
        )
        # Its stored leaf hash (when readable) still lets the checkpoints be checked.
        self.leaves.append(bad.leaf or b"\0" * 32)

    def _entry(self, position: int, entry: LogEntry, entry_of: Mapping[str, LogEntry]) -> None:
        if entry.idx != position:
            self.findings.add(
                "log_gap",
                f"log entry {position} is missing (the next one is {entry.idx}): entries "
                "were deleted from the log",
            )
        manifest = entry.manifest.encode("utf-8")
        actual_leaf = leaf_hash(manifest)
        self.leaves.append(actual_leaf)
        retraction = self.rows.retractions.get(entry.retraction_id)
        # A retraction's problems belong to the capture it retracts, when it retracts one.
        owner = entry.capture_id or _retracted_capture(retraction)
        if actual_leaf.hex() != entry.leaf_hash:
            self.findings.add(
                "log_entry_altered",
                f"log entry {entry.idx}: its manifest no longer hashes to the recorded leaf "
                f"hash {entry.leaf_hash[:16]}…: the manifest was edited",
                owner,
            )
        self.check.signatures_checked += 1
        signature_problem = _signature_problem(entry, manifest, self.verifier_text, self.verifier)
        if signature_problem:
            self.findings.add("signature_invalid", signature_problem, owner)
        if entry.retraction_id is not None:
            self._retraction_entry(entry, retraction, owner, entry_of)
        else:
            self._capture_entry(entry)

    def _retraction_entry(
        self,
        entry: LogEntry,
        retraction: Retraction | None,
        owner: str | None,
        entry_of: Mapping[str, LogEntry],
    ) -> None:
        self.check.retractions += 1
        self.logged_retractions.add(entry.retraction_id)
        mismatch = _retraction_problem(entry, retraction, entry_of, self.rows.retracted_articles)
        if mismatch:
            self.findings.add("manifest_mismatch", mismatch, owner)

    def _capture_entry(self, entry: LogEntry) -> None:
        assert entry.capture_id is not None  # the table's check: one subject per entry
        self.logged.add(entry.capture_id)
        capture = self.rows.captures.get(entry.capture_id)
        if capture is None:
            self.findings.add(
                "manifest_mismatch",
                f"log entry {entry.idx} names capture {entry.capture_id}, which is not in "
                "the database: the capture was deleted",
                entry.capture_id,
            )
            return
        differences = _differences(
            _loads(entry.manifest), manifest_for(capture, self.rows.artifacts.get(capture.id, []))
        )
        if differences:
            self.findings.add(
                "manifest_mismatch",
                f"capture {capture.id} no longer matches its signed manifest (log entry "
                f"{entry.idx}): {'; '.join(differences[:5])}",
                capture.id,
            )

    # -- 2. nothing unlogged -------------------------------------------------------------------

    def check_all_logged(self) -> None:
        for missing in sorted(set(self.rows.captures) - self.logged):
            self.findings.add(
                "not_logged",
                f"capture {missing} has no entry in the log: its log entry was removed",
                missing,
            )
        for kept in self.rows.retractions.values():
            if kept.id not in self.logged_retractions:
                self.findings.add(
                    "not_logged",
                    f"retraction {kept.id} (of {kept.target_kind} {kept.target_id}) has no "
                    "entry in the log: its log entry was removed",
                    _retracted_capture(kept),
                )

    # -- 3. checkpoints ------------------------------------------------------------------------

    def check_checkpoints(self) -> None:
        previous: tuple[int, bytes] | None = None
        origin = log_origin(self.verifier_text)
        self.check.checkpoints = len(self.rows.checkpoints)
        for row in self.rows.checkpoints:
            cp = self._signed_checkpoint(row, origin)
            if cp is None or not self._log_matches(row, cp):
                continue
            self.verified_roots[cp.size] = cp.root_hash
            self.check.checkpoint_size = max(self.check.checkpoint_size, cp.size)
            if previous is not None:
                self._extends(previous, cp)
            previous = (cp.size, cp.root_hash)

    def _signed_checkpoint(self, row: CheckpointRow, origin: str) -> Checkpoint | None:
        """The checkpoint ``row`` signed, if its signature verifies."""
        self.check.signatures_checked += 1
        try:
            cp, _note = verify_checkpoint(row.note, [self.verifier], expected_origin=origin)
        except NoteError as exc:
            self.findings.add(
                "checkpoint_invalid", f"checkpoint at size {row.size} does not verify: {exc}"
            )
            return None
        if cp.size != row.size or cp.root_hash.hex() != row.root_hash:
            self.findings.add(
                "checkpoint_invalid",
                f"checkpoint at size {row.size}: the stored size/root differ from the "
                f"signed ones ({cp.size}, {cp.root_hash.hex()[:16]}…)",
            )
        return cp

    def _log_matches(self, row: CheckpointRow, cp: Checkpoint) -> bool:
        """Whether the log still holds the entries ``cp`` covers (a root that no longer matches
        is a finding, but the checkpoint still counts as verified by its signature)."""
        if cp.size > len(self.leaves):
            self.findings.add(
                "log_rewritten",
                f"the checkpoint signed at {log_time(row.created_at)} covers {cp.size} entries "
                f"but the log holds only {len(self.leaves)}: entries were deleted",
            )
            return False
        if root(self.leaves[: cp.size]) != cp.root_hash:
            self.findings.add(
                "log_rewritten",
                f"the first {cp.size} log entries no longer hash to the root signed in the "
                f"checkpoint of {log_time(row.created_at)}: an entry was altered, reordered or "
                "removed",
            )
        return True

    def _extends(self, previous: tuple[int, bytes], cp: Checkpoint) -> None:
        old_size, old_root = previous
        proof = consistency_proof(self.leaves[: cp.size], old_size, cp.size)
        self.check.consistency_checked += 1
        if not verify_consistency(old_size, cp.size, old_root, cp.root_hash, proof):
            self.findings.add(
                "consistency_failed",
                f"the checkpoint at size {cp.size} is not an append-only extension of "
                f"the one at size {old_size}: history between them was rewritten",
            )

    # -- 4. timestamps -------------------------------------------------------------------------

    def check_timestamps(self, roots: Sequence[bytes]) -> None:
        notes = {row.size: row.note for row in self.rows.checkpoints}
        for stamp in self.rows.stamps:
            self.check.timestamps_checked += 1
            found = _timestamp_problem(stamp, notes.get(stamp.checkpoint_size), roots)
            if found:
                self.findings.add(*found)
            elif stamp.checkpoint_size in self.verified_roots:
                self.check.timestamped_size = max(
                    self.check.timestamped_size, stamp.checkpoint_size
                )
                self.check.timestamp_times.append(log_time(stamp.gen_time) or "")

    # -- 5. one capture's inclusion ------------------------------------------------------------

    def check_inclusion(self, capture_id: str) -> None:
        size = self.check.checkpoint_size
        if not size:
            return
        own = next(
            (e for e in self.rows.entries if e is not None and e.capture_id == capture_id), None
        )
        if own is None or own.idx >= size or size not in self.verified_roots:
            return
        path = inclusion_proof(self.leaves[:size], own.idx)
        self.check.inclusion_checked += 1
        if not verify_inclusion(
            leaf_hash(own.manifest.encode()), own.idx, size, path, self.verified_roots[size]
        ):
            self.findings.add(
                "inclusion_failed",
                f"capture {capture_id} is not included in the checkpoint at size {size}",
                capture_id,
            )


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
    """What differs between a signed manifest and the one the rows give now, field by field
    (one level into objects) and artifact by artifact."""
    if not isinstance(signed, Mapping):
        return ["the signed manifest is not a JSON object"]
    return _field_differences(signed, current) + _artifact_differences(
        signed.get("artifacts", []), current.get("artifacts", [])
    )


def _field_differences(signed: Mapping[str, Any], current: Mapping[str, Any]) -> list[str]:
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
    return out


def _artifact_differences(signed: Any, current: Any) -> list[str]:
    signed_artifacts = {(a["kind"], a.get("source_url")): a for a in signed}
    current_artifacts = {(a["kind"], a.get("source_url")): a for a in current}
    out: list[str] = []
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
) -> tuple[ProblemKind, str] | None:
    """(code, detail) of what is wrong with a stored timestamp, or None. An intact token whose
    TSA chains to no root given is ``timestamp_untrusted``: a matter of trust, not tampering."""
    # The TSA side (cryptography's X.509, rfc3161-client) is loaded when a timestamp is there.
    from proof import TimestampError, TimestampToken, TimestampUntrusted, verify_timestamp

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
            f"{where}: the recorded time differs from the signed time {log_time(token.gen_time)}",
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
