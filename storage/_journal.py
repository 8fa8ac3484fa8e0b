"""The pending-blob journal and crash recovery.

Storing a capture writes blobs first and database rows last, so a process killed in between
leaves blobs nothing references. Before writing a blob a run commits a ``PendingBlob`` row
naming it; a run holds an ``flock`` on ``runs/<run id>.lock`` while alive (on PostgreSQL, an
advisory lock named after the run, which the server drops with the run's connection, so runs on
other machines count too). Recovery deletes the blobs of dead runs that no artifact and no other
run's journal still names.

Every deletion happens inside a ``BEGIN IMMEDIATE`` transaction: while recovery decides a blob
is unreferenced and removes it, no other run can commit a journal row or an artifact naming it.
A run that wants the same bytes either committed its journal row first (recovery sees it and
keeps the blob) or commits after recovery (and finds no file, so writes it again).
"""

from __future__ import annotations

import logging
import os
import re
import secrets
from collections.abc import Callable, Collection, Iterable, Iterator
from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Session, col, delete, select

from archiver.errors import StorageError
from storage import _locks, _postgres
from storage._blobs import Blobs
from storage._database import is_postgres, read_session, write_session
from storage._home import Layout
from storage._records import RecoveryReport
from storage._tables import BLOB_REFERENCES, PendingBlob

log = logging.getLogger("postproof.storage")

_RUN_ID_PATTERN = re.compile(r"run-\d+-[0-9a-f]{12}")
_CHUNK = 500  # stay well below SQLite's limit on bound parameters


def new_run_id() -> str:
    return f"run-{os.getpid()}-{secrets.token_hex(6)}"


class Journal:
    """The journal of one run; holds the run's lock from creation until :meth:`close`."""

    def __init__(
        self,
        engine: sa.Engine,
        blobs: Blobs,
        layout: Layout,
        run_id: str,
        clock: Callable[[], datetime],
    ) -> None:
        self._engine = engine
        self._blobs = blobs
        self._layout = layout
        self._clock = clock
        self.run_id = run_id
        self._lock: _locks.RunLock | _postgres.HeldLock
        if is_postgres(engine):
            self._lock = _postgres.HeldLock(engine, _run_lock_name(run_id))
        else:
            self._lock = _locks.RunLock(layout.run_lock(run_id))

    def close(self) -> None:
        self._lock.release()

    def reserve(self, shas: Iterable[str]) -> None:
        """Record (and commit) that this run is about to write blobs ``shas``."""
        now = self._clock()
        if isinstance(self._lock, _postgres.HeldLock):
            self._lock.renew()
        with write_session(self._engine) as session:
            session.add_all(
                PendingBlob(run_id=self.run_id, sha256=sha, created_at=now) for sha in shas
            )

    def settle(self, session: Session, shas: Collection[str]) -> None:
        """Inside the transaction recording the capture: the blobs are referenced now.

        On PostgreSQL a run's lock goes with its connection, which a server restart or a
        network cut ends while the run lives on: another run may then have taken it for dead
        and removed its reserved blobs. So the lock is taken again, and a run that lost it since
        it reserved ``shas`` checks, while it holds the writer lock, that its reservations are
        all still there; if not, the capture is refused rather than recorded without its blobs.
        """
        if isinstance(self._lock, _postgres.HeldLock) and self._lock.renew():
            self._check_reservations(session, shas)
        self._forget(session, shas)

    def _check_reservations(self, session: Session, shas: Collection[str]) -> None:
        wanted = set(shas)
        found: set[str] = set()
        for chunk in _chunks(wanted):
            found.update(
                session.exec(
                    select(PendingBlob.sha256).where(
                        col(PendingBlob.run_id) == self.run_id, col(PendingBlob.sha256).in_(chunk)
                    )
                ).all()
            )
        if found != wanted:
            raise StorageError(
                "the connection to the database was cut while blobs were being stored, and "
                "another postproof process cleaned them up meanwhile: nothing was recorded",
                hint="capture it again",
            )

    def _forget(self, session: Session, shas: Collection[str]) -> None:
        for chunk in _chunks(shas):
            session.exec(
                delete(PendingBlob).where(
                    col(PendingBlob.run_id) == self.run_id, col(PendingBlob.sha256).in_(chunk)
                )
            )

    def abandon(self, shas: Collection[str]) -> int:
        """After a failed store: forget our reservations and remove the blobs only they kept."""
        with write_session(self._engine) as session:
            self._forget(session, shas)
            session.flush()
            return _discard_unreferenced(session, self._blobs, shas)

    def recover(self) -> RecoveryReport:
        """Clean up after runs that died: their orphan blobs, journal rows, temp and lock files."""
        dead_runs = self._dead_runs_with_pending_blobs()
        removed = self._remove_orphans(dead_runs) if dead_runs else 0
        temp_removed = self._remove_dead_temp_files()
        locks_removed = self._remove_dead_lock_files()
        report = RecoveryReport(
            dead_runs=tuple(dead_runs),
            orphan_blobs_removed=removed,
            temp_files_removed=temp_removed,
            lock_files_removed=locks_removed,
        )
        if report.anything_done:
            log.info(
                "recovered after %d interrupted run(s): removed %d orphan blob(s), "
                "%d temp file(s), %d stale lock file(s)",
                len(dead_runs),
                removed,
                temp_removed,
                locks_removed,
            )
        return report

    def _is_dead(self, run_id: str) -> bool:
        if run_id == self.run_id:
            return False
        if isinstance(self._lock, _postgres.HeldLock):
            return _postgres.is_free(self._engine, _run_lock_name(run_id))
        return _locks.is_dead(self._layout.run_lock(run_id))

    def _dead_runs_with_pending_blobs(self) -> list[str]:
        with read_session(self._engine) as session:
            run_ids = session.exec(select(PendingBlob.run_id).distinct()).all()
        return sorted(run_id for run_id in run_ids if self._is_dead(run_id))

    def _remove_orphans(self, dead_runs: list[str]) -> int:
        with write_session(self._engine) as session:
            shas: set[str] = set()
            for chunk in _chunks(dead_runs):
                shas.update(
                    session.exec(
                        select(PendingBlob.sha256).where(col(PendingBlob.run_id).in_(chunk))
                    ).all()
                )
                session.exec(delete(PendingBlob).where(col(PendingBlob.run_id).in_(chunk)))
            session.flush()
            # Rows left now belong to live runs (or to runs that started after we looked).
            return _discard_unreferenced(session, self._blobs, shas)

    def _remove_dead_temp_files(self) -> int:
        removed = 0
        for temp in self._blobs.temp_files():
            if self._is_dead(self._blobs.temp_owner(temp)):
                temp.unlink(missing_ok=True)
                removed += 1
        return removed

    def _remove_dead_lock_files(self) -> int:
        removed = 0
        for lock_file in sorted(self._layout.runs.glob("run-*.lock")):
            run_id = lock_file.name.removesuffix(".lock")
            if _RUN_ID_PATTERN.fullmatch(run_id) and run_id != self.run_id:
                removed += _locks.remove_if_dead(lock_file)
        return removed


def _run_lock_name(run_id: str) -> str:
    return f"run:{run_id}"


def _discard_unreferenced(session: Session, blobs: Blobs, shas: Collection[str]) -> int:
    """Delete the blobs among ``shas`` that no artifact and no journal row references.
    Must run inside a write transaction (see the module docstring)."""
    referenced: set[str] = set()
    for chunk in _chunks(shas):
        for sha_column in BLOB_REFERENCES:
            referenced.update(session.exec(select(sha_column).where(sha_column.in_(chunk))).all())
        referenced.update(
            session.exec(select(PendingBlob.sha256).where(col(PendingBlob.sha256).in_(chunk))).all()
        )
    return sum(blobs.discard(sha) for sha in sorted(set(shas) - referenced))


def _chunks(items: Iterable[str]) -> Iterator[list[str]]:
    batch: list[str] = []
    for item in items:
        batch.append(item)
        if len(batch) == _CHUNK:
            yield batch
            batch = []
    if batch:
        yield batch
