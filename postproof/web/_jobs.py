"""Long work asked for in the browser: capturing pasted URLs, adding an article. Each is a job,
run one after another by one worker thread, each through a :class:`postproof.runs.Run` as the
``capture`` and ``article add`` commands run it (the same options from the data home's
settings, the same storing, watching and sealing).

A job keeps every progress event it produced, numbered, so that a browser that connects late
(or reconnects) to the live progress gets all of them from the start.
"""

from __future__ import annotations

import logging
import queue
import secrets
import tempfile
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from archiver.errors import PostproofError
from archiver.models import isoformat_z, utcnow
from postproof.runs import Run
from postproof.settings import CaptureFlags

if TYPE_CHECKING:
    from postproof.settings import Settings

log = logging.getLogger("postproof.web")

MAX_URLS = 100


@dataclass
class Job:
    """One piece of long work (``kind``: capture or article), and what became of it."""

    id: str
    kind: str
    asked: list[str]  # the URLs to capture, or the article's URL or title
    user: str
    created_at: datetime
    state: str = "queued"  # queued, running, done, failed
    error: str | None = None
    captures: list[str] = field(default_factory=list)  # capture ids, in the order stored
    result_url: str | None = None  # the page to go to when done
    events: list[dict[str, Any]] = field(default_factory=list)
    changed: threading.Condition = field(default_factory=threading.Condition)
    # Reads the job's state again (a job on the shared archive's queue, run by a worker).
    refresh: Callable[[], None] | None = None

    def emit(self, kind: str, **data: Any) -> None:
        with self.changed:
            self.events.append({"n": len(self.events), "kind": kind, **data})
            self.changed.notify_all()

    def stored(self, capture_id: str, status: str, url: str) -> None:
        """A capture of the job's run was stored (its ``on_stored``)."""
        self.captures.append(capture_id)
        self.emit("stored", capture_id=capture_id, status=status, url=url)

    @property
    def finished(self) -> bool:
        return self.state in ("done", "failed")

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "kind": self.kind,
            "asked": list(self.asked),
            "user": self.user,
            "created_at": isoformat_z(self.created_at),
            "state": self.state,
            "error": self.error,
            "captures": list(self.captures),
            "result_url": self.result_url,
        }


@dataclass(frozen=True)
class Work:
    """What a job does, raising PostproofError when it cannot: ``run`` in this server's own
    thread, or, on the shared archive, a worker's job of the same ``kind`` with ``args``."""

    run: Callable[[Job], None]
    kind: str
    args: dict[str, Any]

    def __call__(self, job: Job) -> None:
        self.run(job)


def capture_work(settings: Settings, urls: list[str]) -> Work:
    """The ``capture`` command's run, with the data home's settings and no flags; a single URL
    leads to its capture page."""

    def work(job: Job) -> None:
        options = settings.capture_options(CaptureFlags())
        with Run.open(settings, options, on_stored=job.stored, user=job.user) as run:
            pages = "the page" if len(urls) == 1 else f"{len(urls)} pages"
            job.emit("step", text=f"launching the browser, loading {pages}")
            captured = run.capture(urls, context_depth=settings.context_depth(None))
            job.emit("step", text="sealing the log")
            run.seal()
        if len(urls) == 1:
            job.result_url = f"/captures/{captured.records[0].id}"

    args = {"urls": list(urls), "context_depth": settings.context_depth(None)}
    return Work(work, "capture", args)


def article_work(settings: Settings, url: str | None, text: str | None, title: str | None) -> Work:
    """``article add``: from its URL, or from its text (a draft), kept as ``draft.txt``."""

    def work(job: Job) -> None:
        options = settings.capture_options(CaptureFlags())
        with tempfile.TemporaryDirectory(prefix="postproof-draft-") as folder:
            source = url
            if source is None:
                draft = Path(folder) / "draft.txt"
                draft.write_text(text or "", encoding="utf-8")
                source = str(draft)
            with Run.open(settings, options, on_stored=job.stored, user=job.user) as run:
                job.emit("step", text="reading the article, capturing the posts it cites")
                added = run.add_article(source, title=title)
                job.emit("step", text="sealing the log")
                run.seal_if_stored()
        job.result_url = f"/articles/{added.article.id}"

    return Work(work, "article", {"url": url, "text": text, "title": title})


class Jobs:
    """The jobs of one server, run in order by one thread (one browser at a time: captures of
    a run already go concurrently inside it)."""

    def __init__(self) -> None:
        self._jobs: dict[str, Job] = {}
        self._queue: queue.Queue[tuple[Job, Work] | None] = queue.Queue()
        self._thread = threading.Thread(target=self._work, name="postproof-jobs", daemon=True)
        self._thread.start()

    def submit(self, kind: str, asked: list[str], user: str, work: Work) -> Job:
        job = Job(id=secrets.token_hex(8), kind=kind, asked=asked, user=user, created_at=utcnow())
        self._jobs[job.id] = job
        job.emit("queued", asked=asked)
        self._queue.put((job, work))
        return job

    def get(self, job_id: str) -> Job | None:
        return self._jobs.get(job_id)

    def stop(self) -> None:
        self._queue.put(None)
        self._thread.join(timeout=5)

    def _work(self) -> None:
        while (queued := self._queue.get()) is not None:
            job, work = queued
            job.state = "running"
            job.emit("started")
            try:
                work(job)
            except PostproofError as exc:
                job.error = exc.message + (f" ({exc.hint})" if exc.hint else "")
                job.state = "failed"
            except Exception as exc:  # a bug must not stop the worker: logged, and shown
                log.exception("job %s failed", job.id)
                job.error = f"unexpected error: {exc}. This is a bug: please report it."
                job.state = "failed"
            else:
                job.state = "done"
            job.emit(job.state, error=job.error, captures=job.captures, url=job.result_url)
