"""Captures asked for in the browser: one job per paste, run one after another by one worker
thread, each through a :class:`postproof.runs.Run` as the ``capture`` command runs it (the
same options from the data home's settings, the same storing, watching and sealing).

A job keeps every progress event it produced, numbered, so that a browser that connects late
(or reconnects) to the live progress gets all of them from the start.
"""

from __future__ import annotations

import logging
import queue
import secrets
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from archiver.errors import PostproofError
from archiver.models import isoformat_z, utcnow

log = logging.getLogger("postproof.web")

MAX_URLS = 100


@dataclass
class Job:
    """One paste of URLs to capture, and what became of it."""

    id: str
    urls: list[str]
    user: str
    created_at: datetime
    state: str = "queued"  # queued, running, done, failed
    error: str | None = None
    captures: list[str] = field(default_factory=list)  # capture ids, in the order stored
    events: list[dict[str, Any]] = field(default_factory=list)
    changed: threading.Condition = field(default_factory=threading.Condition)

    def emit(self, kind: str, **data: Any) -> None:
        with self.changed:
            self.events.append({"n": len(self.events), "kind": kind, **data})
            self.changed.notify_all()

    @property
    def finished(self) -> bool:
        return self.state in ("done", "failed")

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "urls": list(self.urls),
            "user": self.user,
            "created_at": isoformat_z(self.created_at),
            "state": self.state,
            "error": self.error,
            "captures": list(self.captures),
        }


# What runs a job's captures: (urls, job) -> None, raising PostproofError when it cannot.
Runner = Callable[[list[str], Job], None]


class Jobs:
    """The jobs of one server, run in order by one thread (one browser at a time: captures of
    a paste already run concurrently inside their run)."""

    def __init__(self, runner: Runner) -> None:
        self._runner = runner
        self._jobs: dict[str, Job] = {}
        self._queue: queue.Queue[Job | None] = queue.Queue()
        self._thread = threading.Thread(target=self._work, name="postproof-captures", daemon=True)
        self._thread.start()

    def submit(self, urls: list[str], user: str) -> Job:
        job = Job(id=secrets.token_hex(8), urls=urls, user=user, created_at=utcnow())
        self._jobs[job.id] = job
        job.emit("queued", urls=urls)
        self._queue.put(job)
        return job

    def get(self, job_id: str) -> Job | None:
        return self._jobs.get(job_id)

    def stop(self) -> None:
        self._queue.put(None)
        self._thread.join(timeout=5)

    def _work(self) -> None:
        while (job := self._queue.get()) is not None:
            job.state = "running"
            job.emit("started", urls=job.urls)
            try:
                self._runner(job.urls, job)
            except PostproofError as exc:
                job.error = exc.message + (f" ({exc.hint})" if exc.hint else "")
                job.state = "failed"
            except Exception as exc:  # a bug must not stop the worker: logged, and shown
                log.exception("capture job %s failed", job.id)
                job.error = f"unexpected error: {exc}. This is a bug: please report it."
                job.state = "failed"
            else:
                job.state = "done"
            job.emit(job.state, error=job.error, captures=job.captures)
