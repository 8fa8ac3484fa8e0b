"""Queued jobs of the shared archive: the task queue (procrastinate's tables, in the archive's own
PostgreSQL database, installed by migration 0013) as the archive sees it.

Jobs are put on the queue by SQL, in a transaction of the archive: with the records that asked
for them, or not at all. Each capture a job stores is recorded with the job's id in the
transaction that stores the capture (:func:`record_job_capture`), so a job retried after its
worker died finds what it already stored and never stores it twice. Why an attempt failed is
recorded too (procrastinate keeps only that it failed).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, col, select

from archiver.errors import UsageError
from archiver.models import isoformat_z
from storage._database import is_postgres, read_session, storage_errors, write_session
from storage._tables import JobCapture, JobFailure

QUEUE = "postproof"
TASK_PREFIX = "postproof."
# procrastinate's job statuses, in the words the commands and the web app use.
STATES = {
    "todo": "queued",
    "doing": "running",
    "succeeded": "done",
    "failed": "failed",
    "cancelled": "cancelled",
    "aborting": "running",
    "aborted": "cancelled",
}
STATE_NAMES = ("queued", "running", "done", "failed", "cancelled")
# The workers' periodic task that queues due re-checks: bookkeeping, left out of listings (the
# re-check jobs it queues are listed).
PERIODIC_RECHECK = "recheck_due"
# The finished ticks of that task kept for looking into (one a minute would otherwise add half
# a million rows a year to the queue's table); the jobs they queued are kept.
KEPT_TICKS = 100
_BATCH = 500

_DEFER = sa.text(
    "SELECT unnest(procrastinate_defer_jobs_v1(ARRAY[ROW(:queue, :task, 0, :lock, "
    ":queueing_lock, CAST(:args AS jsonb), NULL)::procrastinate_job_to_defer_v1])) AS id"
)

_PRUNE_TICKS = sa.text(
    "DELETE FROM procrastinate_jobs j WHERE j.task_name = :task AND j.status = 'succeeded' "
    "AND j.id < (SELECT min(k.id) FROM (SELECT id FROM procrastinate_jobs "
    "WHERE task_name = :task ORDER BY id DESC LIMIT :keep) AS k) "
    "AND NOT EXISTS (SELECT 1 FROM procrastinate_periodic_defers d WHERE d.job_id = j.id) "
    "RETURNING j.id"
)

_LIST = """
SELECT j.id, j.task_name, j.args, j.status::text AS status, j.attempts,
       (SELECT min(e.at) FROM procrastinate_events e
         WHERE e.job_id = j.id AND e.type = 'deferred') AS queued_at,
       (SELECT max(e.at) FROM procrastinate_events e
         WHERE e.job_id = j.id AND e.type = 'started') AS started_at,
       (SELECT max(e.at) FROM procrastinate_events e
         WHERE e.job_id = j.id AND e.type IN ('succeeded', 'failed', 'cancelled', 'aborted'))
         AS finished_at
  FROM procrastinate_jobs j
 WHERE j.queue_name = :queue AND j.task_name <> :periodic {where}
 ORDER BY j.id DESC
 LIMIT :limit
"""


@dataclass(frozen=True)
class NewJob:
    """A job to put on the queue: its task (``capture``, ``article``, ``recheck``), its
    arguments, and the locks procrastinate keeps: ``lock``, never two such jobs running at once;
    ``queueing_lock``, never two such jobs waiting."""

    kind: str
    args: Mapping[str, Any]
    lock: str | None = None
    queueing_lock: str | None = None


@dataclass(frozen=True)
class JobRecord:
    """One queued job and what became of it."""

    id: int
    kind: str
    args: dict[str, Any]
    state: str  # queued, running, done, failed, cancelled
    attempts: int
    queued_at: datetime | None
    started_at: datetime | None
    finished_at: datetime | None
    captures: tuple[str, ...]  # the captures it stored, the asked-for ones first
    error: str | None  # why its last attempt failed, if it did

    @property
    def urls(self) -> list[str]:
        found = self.args.get("urls") or [self.args.get("url")]
        return [str(u) for u in found if u]

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "kind": self.kind,
            "urls": self.urls,
            "args": dict(self.args),
            "status": self.state,
            "attempts": self.attempts,
            "queued_at": isoformat_z(self.queued_at),
            "started_at": isoformat_z(self.started_at),
            "finished_at": isoformat_z(self.finished_at),
            "captures": list(self.captures),
            "error": self.error,
        }


def record_job_capture(
    session: Session, job_id: int, capture_id: str, *, asked: bool, at: datetime
) -> None:
    """Record, in the transaction that stores the capture, that job ``job_id`` stored it."""
    session.add(JobCapture(job_id=job_id, capture_id=capture_id, asked=asked, recorded_at=at))


class JobBook:
    """The queue's jobs in one archive; reached as ``Archive.jobs``. On the embedded archive
    (SQLite) there is no queue: everything but :meth:`captures_of` is refused."""

    def __init__(self, engine: sa.Engine, home: Path, clock: Callable[[], datetime]) -> None:
        self._engine = engine
        self._home = home
        self._clock = clock

    @property
    def has_queue(self) -> bool:
        """Whether this archive has the task queue (it is the shared archive)."""
        return is_postgres(self._engine)

    def require_queue(self) -> None:
        if not self.has_queue:
            raise UsageError(
                "the task queue needs the shared archive: this archive is the embedded one "
                f"(SQLite in {self._home})",
                hint="set POSTPROOF_DATABASE_URL (or [database] url in config.toml) to a "
                "PostgreSQL database (README: Shared archive), or capture without --queue",
            )

    def enqueue(self, jobs: Sequence[NewJob]) -> list[int]:
        """Put ``jobs`` on the queue in one transaction; their ids, in order."""
        self.require_queue()
        with storage_errors(self._home), write_session(self._engine) as session:
            return enqueue_in(session, jobs)

    def enqueue_rechecks(self, post_ids: Sequence[int]) -> list[int]:
        """Put a re-check job on the queue for each of ``post_ids`` that has none waiting or
        running: each carries its post's queueing lock (never two waiting) and lock (never two
        running, whichever workers take them). The ids of the jobs put on the queue."""
        self.require_queue()
        with storage_errors(self._home), write_session(self._engine) as session:
            locks = [recheck_lock(post_id) for post_id in post_ids]
            busy = set(
                session.execute(
                    sa.text(
                        "SELECT queueing_lock FROM procrastinate_jobs "
                        "WHERE queueing_lock = ANY(:locks) AND status IN ('todo', 'doing')"
                    ),
                    {"locks": locks},
                ).scalars()
            )
            wanted = [
                NewJob("recheck", {"post_id": post_id}, lock=lock, queueing_lock=lock)
                for post_id, lock in zip(post_ids, locks, strict=True)
                if lock not in busy
            ]
            return enqueue_in(session, wanted)

    def prune_ticks(self, keep: int = KEPT_TICKS) -> int:
        """Delete the periodic re-check task's finished ticks but the last ``keep``; how many
        were deleted. Capture, article and re-check jobs are never deleted."""
        self.require_queue()
        with storage_errors(self._home), write_session(self._engine) as session:
            params = {"task": TASK_PREFIX + PERIODIC_RECHECK, "keep": keep}
            return len(session.execute(_PRUNE_TICKS, params).all())

    def captures_of(self, job_id: int) -> list[tuple[str, bool]]:
        """The captures job ``job_id`` stored, in the order stored: (capture id, asked)."""
        with storage_errors(self._home), read_session(self._engine) as session:
            rows = session.exec(
                select(JobCapture)
                .where(col(JobCapture.job_id) == job_id)
                .order_by(col(JobCapture.id))
            ).all()
        return [(row.capture_id, row.asked) for row in rows]

    def record_failure(self, job_id: int, attempt: int, error: str) -> None:
        with storage_errors(self._home), write_session(self._engine) as session:
            session.add(
                JobFailure(job_id=job_id, attempt=attempt, error=error, failed_at=self._clock())
            )

    def list(
        self,
        *,
        state: str | None = None,
        ids: Sequence[int] | None = None,
        limit: int = 100,
    ) -> list[JobRecord]:
        """Jobs, newest first: in ``state`` (one of :data:`STATE_NAMES`), or those of ``ids``."""
        self.require_queue()
        where, params = _filters(state, ids)
        params |= {"queue": QUEUE, "limit": limit, "periodic": TASK_PREFIX + PERIODIC_RECHECK}
        with storage_errors(self._home), read_session(self._engine) as session:
            rows = session.execute(sa.text(_LIST.format(where=where)), params).all()
            found = [int(row.id) for row in rows]
            captures = _captures_of(session, found)
            errors = _last_errors(session, found)
        return [
            JobRecord(
                id=int(row.id),
                kind=str(row.task_name).removeprefix(TASK_PREFIX),
                args=dict(row.args or {}),
                state=STATES.get(row.status, row.status),
                attempts=int(row.attempts),
                queued_at=row.queued_at,
                started_at=row.started_at,
                finished_at=row.finished_at,
                captures=tuple(captures.get(int(row.id), ())),
                error=errors.get(int(row.id)) if row.status != "succeeded" else None,
            )
            for row in rows
        ]

    def get(self, job_id: int) -> JobRecord:
        found = self.list(ids=[job_id], limit=1)
        if not found:
            raise UsageError(f"no queued job {job_id}", hint="`postproof jobs` lists them")
        return found[0]


def recheck_lock(post_id: int) -> str:
    return f"postproof-recheck-post-{post_id}"


def enqueue_in(session: Session, jobs: Sequence[NewJob]) -> list[int]:
    """Put ``jobs`` on the queue in ``session``'s transaction (PostgreSQL only)."""
    ids = []
    for job in jobs:
        found = session.execute(
            _DEFER,
            {
                "queue": QUEUE,
                "task": TASK_PREFIX + job.kind,
                "lock": job.lock,
                "queueing_lock": job.queueing_lock,
                "args": json.dumps(dict(job.args)),
            },
        ).scalar_one()
        ids.append(int(found))
    return ids


def _filters(state: str | None, ids: Sequence[int] | None) -> tuple[str, dict[str, Any]]:
    clauses: list[str] = []
    params: dict[str, Any] = {}
    if state is not None:
        if state not in STATE_NAMES:
            raise UsageError(
                f"unknown job status {state!r}", hint="use one of: " + ", ".join(STATE_NAMES)
            )
        statuses = [raw for raw, shown in STATES.items() if shown == state]
        clauses.append("j.status::text = ANY(:statuses)")
        params["statuses"] = statuses
    if ids is not None:
        clauses.append("j.id = ANY(:ids)")
        params["ids"] = [int(i) for i in ids]
    return "".join(f" AND {clause}" for clause in clauses), params


def _captures_of(session: Session, job_ids: Sequence[int]) -> dict[int, list[str]]:
    found: dict[int, list[str]] = {}
    for start in range(0, len(job_ids), _BATCH):
        rows = session.exec(
            select(JobCapture)
            .where(col(JobCapture.job_id).in_(job_ids[start : start + _BATCH]))
            .order_by(col(JobCapture.asked).desc(), col(JobCapture.id))
        ).all()
        for row in rows:
            found.setdefault(row.job_id, []).append(row.capture_id)
    return found


def _last_errors(session: Session, job_ids: Sequence[int]) -> dict[int, str]:
    found: dict[int, str] = {}
    for start in range(0, len(job_ids), _BATCH):
        rows = session.exec(
            select(JobFailure)
            .where(col(JobFailure.job_id).in_(job_ids[start : start + _BATCH]))
            .order_by(col(JobFailure.id))
        ).all()
        for row in rows:
            found[row.job_id] = row.error
    return found
