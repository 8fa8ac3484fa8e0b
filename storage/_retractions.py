"""Retractions: a capture or an article taken back from the record, without rewriting it.

Nothing retracted is changed or removed. A retraction is a row of its own (append-only, one per
target) and an entry of its own in the transparency log, signed like a capture's manifest and
naming the log entry of the capture it retracts, so ``verify`` checks it like any entry. Listings,
re-checks, link suggestions and reports leave retracted things out unless asked; ``show``,
``history`` and ``verify`` mark them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Literal

import sqlalchemy as sa
from sqlalchemy.orm import Mapped
from sqlmodel import Session, col, func, select
from sqlmodel.sql.expression import SelectOfScalar

from archiver.errors import UsageError
from archiver.models import isoformat_z
from storage._database import read_session, storage_errors, write_session
from storage._ledger import append_retraction
from storage._records import RetractionRecord, retraction_record
from storage._tables import Capture, LogEntry, Retraction

if TYPE_CHECKING:
    from proof import InstallationKey

TargetKind = Literal["capture", "article"]
TARGET_KINDS: tuple[TargetKind, ...] = ("capture", "article")
_BATCH = 500  # ids per IN (...) list


class Retractions:
    """The retractions of one archive; reached as ``Archive.retractions``."""

    def __init__(
        self,
        engine: sa.Engine,
        home: Path,
        key: Callable[[], InstallationKey],
        clock: Callable[[], datetime],
    ) -> None:
        self._engine = engine
        self._home = home
        self._key = key
        self._clock = clock

    def record(
        self, kind: TargetKind, target_id: str, reason: str, made_by: str | None = None
    ) -> RetractionRecord:
        """Retract the capture or article ``target_id`` (a full id, known to exist) and log the
        retraction, in one transaction; ``made_by``, the web app's user, is signed with it. A
        target already retracted is refused (exit 2): a retraction is final, and never edited."""
        if kind not in TARGET_KINDS:
            raise ValueError(f"cannot retract a {kind!r}")
        reason = reason.strip()
        if not reason:
            raise UsageError(
                "a retraction needs a reason", hint='say why with --reason "…"; it is kept'
            )
        key = self._key()
        with storage_errors(self._home), write_session(self._engine) as session:
            earlier = _find(session, kind, [target_id]).get(target_id)
            if earlier is not None:
                raise UsageError(
                    f"{kind} {target_id} is already retracted: {earlier.reason} "
                    f"({isoformat_z(earlier.retracted_at)})",
                    hint="a retraction is final: it is never edited, and one is enough",
                )
            now = self._clock()
            row = Retraction(
                target_kind=kind,
                target_id=target_id,
                reason=reason,
                retracted_at=now,
                made_by=made_by,
            )
            session.add(row)
            session.flush()
            entry = append_retraction(session, row, key, now)
            session.flush()
            return retraction_record(row, entry.idx)

    def of(self, kind: TargetKind, target_ids: Iterable[str]) -> dict[str, RetractionRecord]:
        """The retractions of those of ``target_ids`` that are retracted, by target id."""
        with storage_errors(self._home), read_session(self._engine) as session:
            return of_targets(session, kind, target_ids)

    def get(self, kind: TargetKind, target_id: str) -> RetractionRecord | None:
        return self.of(kind, [target_id]).get(target_id)

    def all(self) -> list[RetractionRecord]:
        """Every retraction, oldest first, each with its log index."""
        with storage_errors(self._home), read_session(self._engine) as session:
            rows = session.exec(
                select(Retraction, LogEntry.idx)
                .join(LogEntry, col(LogEntry.retraction_id) == col(Retraction.id), isouter=True)
                .order_by(col(Retraction.id))
            ).all()
            return [retraction_record(row, idx) for row, idx in rows]

    def fully_retracted_posts(self, post_ids: Sequence[int]) -> set[int]:
        """Those of ``post_ids`` that have captures and every one of them retracted."""
        found: set[int] = set()
        retracted = _retracted_ids("capture")
        ids = list(dict.fromkeys(post_ids))
        with storage_errors(self._home), read_session(self._engine) as session:
            for start in range(0, len(ids), _BATCH):
                query = (
                    select(Capture.post_id)
                    .where(col(Capture.post_id).in_(ids[start : start + _BATCH]))
                    .group_by(col(Capture.post_id))
                    .having(func.sum(sa.case((col(Capture.id).in_(retracted), 0), else_=1)) == 0)
                )
                found.update(session.exec(query).all())
        return found


def of_targets(
    session: Session, kind: TargetKind, target_ids: Iterable[str]
) -> dict[str, RetractionRecord]:
    """Within ``session``: the retractions of the retracted ones of ``target_ids``."""
    return {
        target: retraction_record(row, None)
        for target, row in _find(session, kind, target_ids).items()
    }


def not_retracted(kind: TargetKind, column: Mapped[str]) -> sa.ColumnElement[bool]:
    """A WHERE clause that keeps the rows whose ``column`` (a capture or article id) names
    nothing retracted."""
    return ~column.in_(_retracted_ids(kind))


def retracted(kind: TargetKind, column: Mapped[str]) -> sa.ColumnElement[bool]:
    """A WHERE clause that keeps the rows whose ``column`` names something retracted."""
    return column.in_(_retracted_ids(kind))


def _retracted_ids(kind: TargetKind) -> SelectOfScalar[str]:
    # target_id is NOT NULL, so NOT IN over this list is safe.
    return select(Retraction.target_id).where(col(Retraction.target_kind) == kind)


def _find(session: Session, kind: TargetKind, target_ids: Iterable[str]) -> dict[str, Retraction]:
    ids = list(dict.fromkeys(target_ids))
    found: dict[str, Retraction] = {}
    for start in range(0, len(ids), _BATCH):
        rows = session.exec(
            select(Retraction).where(
                col(Retraction.target_kind) == kind,
                col(Retraction.target_id).in_(ids[start : start + _BATCH]),
            )
        ).all()
        found.update((row.target_id, row) for row in rows)
    return found
