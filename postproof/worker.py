"""Capture workers of the shared archive (``postproof worker``): jobs from the task queue
(procrastinate, in the archive's own PostgreSQL database) run through :class:`Run`, as the
commands run them.

One worker process keeps one browser open for all its capture jobs (launching one costs seconds)
and runs up to ``concurrency`` jobs at once, each in a thread of its own; the browser's pages
are driven on the worker's event loop (:class:`postproof.runs.SharedBrowser`).

Exactly once: every capture a job stores is recorded with the job's id in the transaction that
stores it (``storage._jobs``). A worker that dies mid-capture leaves nothing half-recorded (blobs
written before their rows are removed by the journal's recovery); its workers' row stops
beating, and any live worker puts its running jobs back on the queue once ``[worker]
stalled_after`` has passed without a beat (stalled-job recovery, at start and every heartbeat).
The retried job finds the capture it already stored, if it got that far, and stores nothing
again.

The log is sealed over the jobs a worker finished by :class:`Sealer`, at most every ``[worker]
seal_every`` seconds and when the worker stops, not after each job.

A lost database connection (a server restart) stops procrastinate's worker loop; this process
starts it again, with the same browser, until the server answers.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import signal
import socket
import tempfile
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING, Any

from archiver.errors import BrowserCrashed, PostproofError, StorageError, UsageError
from postproof.runs import Run, SharedBrowser, opened_archive, seal_log
from postproof.settings import CaptureFlags

if TYPE_CHECKING:
    import procrastinate

    import storage
    from archiver import CaptureOptions, CaptureResult
    from postproof.settings import Settings

log = logging.getLogger("postproof.worker")

RECONNECT_SECONDS = 3.0
MAX_ATTEMPTS = 5  # of a job whose attempts fail for storage reasons (a server down, a disk full)
RETRY_WAIT_SECONDS = 5
RECHECK_EVERY_SECONDS = 60  # how often the due watched posts are put on the queue
DUE_PER_TICK = 1000  # re-checks queued at most each time


def conninfo(url: str) -> str:
    """The libpq URL of the archive's database URL (``postgresql+psycopg://`` as SQLAlchemy
    writes it is ``postgresql://`` to libpq)."""
    from storage._postgres import engine_url

    return engine_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def every(seconds: int) -> str:
    """The cron expression of "every ``seconds``" (croniter's sixth field is the second)."""
    if seconds < 60:
        return f"* * * * * */{seconds}"
    return f"*/{min(59, seconds // 60)} * * * *"


class JobSink:
    """Where a job's captures go: the archive, each recorded with the job (``asked``: the URL
    the job asked for, not a post it replies to or quotes) and the user who asked."""

    def __init__(
        self, archive: storage.Archive, job_id: int, asked: set[str], user: str | None
    ) -> None:
        self.archive = archive
        self.job_id = job_id
        self.asked = asked
        self.user = user

    def store(self, result: CaptureResult) -> str:
        asked = result.requested_url in self.asked
        return self.archive.store(result, job=(self.job_id, asked), made_by=self.user)


class Sealer:
    """Seals the log over a worker's finished jobs in a thread of its own: as soon as a job
    asks (:meth:`want`), then not again for ``every`` seconds, and once more when the worker
    stops (:meth:`stop`). One checkpoint, and one timestamp from the TSA, covers every job
    finished meanwhile: sealing after each job would make as many as there are jobs, and a seal
    rereads the whole log (it refuses to sign over damage). ``seal`` returns False when it
    could not seal for a passing reason (the database away): it is tried again ``every``
    seconds later."""

    def __init__(self, seal: Callable[[], bool], every: float) -> None:
        self._seal = seal
        self._every = every
        self._changed = threading.Condition()
        self._wanted = False
        self._stopping = False
        self._thread = threading.Thread(target=self._loop, name="postproof-seal", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def want(self) -> None:
        """A job stored something: seal it in."""
        with self._changed:
            self._wanted = True
            self._changed.notify()

    def stop(self) -> None:
        """Seal what the finished jobs left unsealed, then stop."""
        with self._changed:
            self._stopping = True
            self._changed.notify()
        if self._thread.is_alive():
            self._thread.join()

    def _loop(self) -> None:
        while True:
            with self._changed:
                self._changed.wait_for(lambda: self._wanted or self._stopping)
                if not self._wanted:
                    return
                self._wanted = False
            if not self._seal() and not self._stopping:
                with self._changed:
                    self._wanted = True
            with self._changed:
                self._changed.wait_for(lambda: self._stopping, timeout=self._every)


class Worker:
    """One worker process: its archive, its browser, its jobs (see the module docstring)."""

    def __init__(
        self,
        settings: Settings,
        *,
        concurrency: int,
        recheck_every: int = RECHECK_EVERY_SECONDS,
        name: str | None = None,
    ) -> None:
        self.settings = settings
        self.concurrency = concurrency
        self.recheck_every = recheck_every  # seconds; 0: this worker queues no re-checks
        self.name = name or f"{socket.gethostname()}-{threading.get_native_id()}"
        self.options: CaptureOptions = settings.capture_options(CaptureFlags())
        self._archive: storage.Archive | None = None
        self._browser: SharedBrowser | None = None
        self._relaunching = threading.Lock()  # jobs run in threads: one relaunch at a time
        self._stopping = False
        self._current: Any = None  # procrastinate's worker, while one runs
        self._sealer = Sealer(self._seal, settings.worker.seal_every)

    # -- the process ----------------------------------------------------------------------

    def run(self) -> None:
        """Work until SIGINT or SIGTERM; jobs running then are finished first."""
        with opened_archive(self.settings.home) as archive:
            archive.jobs.require_queue()
            self._archive = archive
            self._sealer.start()
            try:
                asyncio.run(self._main(archive))
            finally:
                self._sealer.stop()

    def _seal(self) -> bool:
        """Seal the log (for :class:`Sealer`); False if the database could not be reached."""
        try:
            report = seal_log(self.archive, self.settings)
        except StorageError as exc:
            log.warning("could not seal the log: %s; trying again later", exc.message)
            return False
        except PostproofError as exc:
            log.error("the log was not sealed: %s (%s)", exc.message, exc.hint or "")
            return True
        log.info("log sealed: %s", json.dumps(report.to_json()))
        return True

    async def _main(self, archive: storage.Archive) -> None:
        from procrastinate import App, PsycopgConnector

        from archiver.capture import Capturer
        from storage._home import configured_database_url

        url = configured_database_url(archive.home)
        if url is None:  # require_queue refused the embedded archive already
            raise UsageError("the task queue needs the shared archive")
        app = App(connector=PsycopgConnector(conninfo=conninfo(url)))
        self._register(app)
        loop = asyncio.get_running_loop()
        # Each running job holds a thread of the default executor while its captures run on
        # this loop, and each capture stores from another: room for both, however many jobs.
        loop.set_default_executor(ThreadPoolExecutor(self.concurrency * 2 + 4, "postproof-job"))
        for signum in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(signum, self.stop)
        async with Capturer(self.options) as capturer:
            self._browser = SharedBrowser(capturer, loop)
            log.info("worker %s ready: browser %s", self.name, capturer.browser_version)
            while not self._stopping:
                await self._work_once(app)
                if not self._stopping:
                    log.warning("lost the database; reconnecting in %.0f s", RECONNECT_SECONDS)
                    await asyncio.sleep(RECONNECT_SECONDS)

    def stop(self) -> None:
        self._stopping = True
        if self._current is not None:
            self._current.stop()

    async def _work_once(self, app: procrastinate.App) -> None:
        """Run procrastinate's worker until it stops: asked to, or its database went away."""
        import psycopg
        import psycopg_pool
        from procrastinate import exceptions
        from procrastinate.worker import Worker as QueueWorker

        from storage._jobs import QUEUE

        recovering: asyncio.Task[None] | None = None
        try:
            async with app.open_async():
                recovering = asyncio.create_task(self._recover_stalled(app))
                self._current = QueueWorker(
                    app,
                    queues=[QUEUE],
                    name=self.name,
                    concurrency=self.concurrency,
                    install_signal_handlers=False,
                    # A worker whose heartbeat is older than stalled_after is taken for dead,
                    # and its running jobs retried.
                    update_heartbeat_interval=self.settings.worker.heartbeat,
                    stalled_worker_timeout=self.settings.worker.stalled_after,
                )
                if self._stopping:
                    return
                await self._current.run()
        except (psycopg.Error, psycopg_pool.PoolTimeout, exceptions.ConnectorException) as exc:
            log.warning("the task queue's database failed: %s", exc)
        finally:
            self._current = None
            if recovering is not None:
                recovering.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await recovering

    async def _recover_stalled(self, app: procrastinate.App) -> None:
        """Put back on the queue the running jobs of workers that stopped beating (killed,
        cut off): at start, then every heartbeat."""
        import psycopg
        from procrastinate import exceptions

        while True:
            try:
                stalled = await app.job_manager.get_stalled_jobs(
                    seconds_since_heartbeat=self.settings.worker.stalled_after
                )
                for job in stalled:
                    log.warning("job %s stalled with its worker: retrying it", job.id)
                    await app.job_manager.retry_job(job)
            except (psycopg.Error, exceptions.ConnectorException) as exc:
                log.warning("could not look for stalled jobs: %s", exc)
            await asyncio.sleep(self.settings.worker.heartbeat)

    # -- the tasks ------------------------------------------------------------------------

    def _register(self, app: procrastinate.App) -> None:
        from procrastinate import RetryStrategy

        from storage._jobs import PERIODIC_RECHECK, QUEUE, TASK_PREFIX

        retry = RetryStrategy(
            max_attempts=MAX_ATTEMPTS,
            wait=RETRY_WAIT_SECONDS,
            retry_exceptions={StorageError, BrowserCrashed},
        )
        tasks = (("capture", self._capture), ("article", self._article), ("recheck", self._recheck))
        for kind, work in tasks:
            app.task(name=TASK_PREFIX + kind, queue=QUEUE, pass_context=True, retry=retry)(
                self._recorded(work)
            )
        if self.recheck_every > 0:
            due = app.task(name=TASK_PREFIX + PERIODIC_RECHECK, queue=QUEUE)(self._queue_due)
            app.periodic(cron=every(self.recheck_every), periodic_id="recheck-due")(due)

    def _recorded(self, work: Callable[..., None]) -> Callable[..., None]:
        """``work``, with why an attempt failed recorded for ``postproof jobs``."""

        def task(context: procrastinate.JobContext, **args: Any) -> None:
            job = context.job
            assert job.id is not None
            try:
                work(job.id, **args)
            except BrowserCrashed as exc:
                self._record_failure(
                    job.id, job.attempts, exc.message, "retried with a new browser"
                )
                self._relaunch_browser()
                raise
            except PostproofError as exc:
                self._record_failure(job.id, job.attempts, exc.message, exc.hint)
                raise
            except Exception as exc:
                log.exception("job %s failed", job.id)
                self._record_failure(
                    job.id, job.attempts, f"unexpected error: {exc}", "this is a bug: report it"
                )
                raise

        return task

    def _record_failure(self, job_id: int, attempts: int, message: str, hint: str | None) -> None:
        try:
            self.archive.jobs.record_failure(
                job_id, attempts + 1, message + (f" ({hint})" if hint else "")
            )
        except StorageError as exc:  # the database is away: the job's status says it failed
            log.warning("could not record why job %s failed: %s", job_id, exc)

    def _relaunch_browser(self) -> None:
        """A new browser for the jobs to come (and this one, retried) when the one shared by
        the worker's jobs died; once, however many jobs saw it die."""
        shared = self._browser
        if shared is None:
            return
        try:
            with self._relaunching:
                if shared.run(shared.capturer.relaunch()):
                    log.warning("the browser had stopped working: a new one was started")
        except Exception:
            log.exception("could not start a new browser")

    @property
    def archive(self) -> storage.Archive:
        if self._archive is None:
            raise StorageError("the worker's archive is closed", hint="please report this bug")
        return self._archive

    def _capture(
        self,
        job_id: int,
        url: str | None = None,
        urls: list[str] | None = None,
        context_depth: int = 0,
        user: str | None = None,
        no_watch: bool = False,
    ) -> None:
        """Capture the job's URL (``capture --queue``: one a job) or URLs (the web app's paste
        box), leaving out those an earlier attempt of the job stored."""
        archive = self.archive
        wanted = list(dict.fromkeys(urls or ([url] if url else [])))
        stored = {
            archive.get_capture(capture_id).requested_url: capture_id
            for capture_id, asked in archive.jobs.captures_of(job_id)
            if asked
        }
        for done in (u for u in wanted if u in stored):
            log.info("job %s already stored %s: not capturing again", job_id, stored[done])
        remaining = [u for u in wanted if u not in stored]
        if not remaining:
            self._sealer.want()  # an earlier attempt may have stopped before its seal
            return
        run = Run(archive, self.settings, self.options, browser=self._browser)
        captured = run.capture(
            remaining,
            context_depth=context_depth,
            sink=JobSink(archive, job_id, set(remaining), user),
        )
        if no_watch:
            first_seen = [
                r.post_id for r in captured.records if len(archive.history(r.post_id)) == 1
            ]
            archive.watchlist.set_watched(first_seen, False)
        self._sealer.want()

    def _queue_due(self, timestamp: int) -> None:
        """The periodic task: a re-check job for each watched post that is due (one per post
        at a time: see ``storage._jobs.JobBook.enqueue_rechecks``)."""
        from archiver import utcnow

        due = self.archive.watchlist.due(utcnow(), limit=DUE_PER_TICK)
        queued = self.archive.jobs.enqueue_rechecks([post.id for post in due])
        if queued:
            log.info("queued %d re-check(s) of due watched posts", len(queued))
        self.archive.jobs.prune_ticks()

    def _recheck(self, job_id: int, post_id: int) -> None:
        """Re-check one watched post, as ``recheck`` does: captured again, its changes
        recorded, the webhook alerted, the log sealed."""
        import watch
        from archiver import utcnow

        archive = self.archive
        if archive.jobs.captures_of(job_id):
            log.info("job %s already re-checked post %s: not capturing again", job_id, post_id)
            return
        post = archive.watchlist.post(post_id)
        if not post.watched:
            return
        run = Run(archive, self.settings, self.options, browser=self._browser)
        sink = JobSink(archive, job_id, {post.canonical_url}, None)
        report = watch.recheck(
            archive,
            [post],
            capture_options=self.options,
            options=self.settings.recheck_options(None, None),
            capture_with=lambda urls, on_result: run.capture_each(urls, on_result, sink=sink),
        )
        for event in report.events:
            log.warning("%s: %s", post.canonical_url, event.summary)
        run.deliver_alerts()
        if run.stored:
            self._sealer.want()
        archive.watchlist.mark_reported([event.id for event in report.events], utcnow())

    def _article(
        self,
        job_id: int,
        url: str | None = None,
        text: str | None = None,
        title: str | None = None,
        user: str | None = None,
    ) -> None:
        with tempfile.TemporaryDirectory(prefix="postproof-draft-") as folder:
            source = url
            if source is None:
                draft = Path(folder) / "draft.txt"
                draft.write_text(text or "", encoding="utf-8")
                source = str(draft)
            with Run.open(self.settings, self.options, user=user) as run:
                run.add_article(source, title=title)
                if run.stored:
                    self._sealer.want()
