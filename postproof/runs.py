"""Capture runs: the one owner of every step of a run, whichever command starts it.

A :class:`Run` captures (the only place in the application that starts the browser), stores
each capture in the archive as soon as it is ready, follows the posts a capture replies to or
quotes, shows progress to a person at a terminal, and ends by sealing the log: a signed
checkpoint over everything the run stored, timestamped when TSAs are configured. ``capture``,
``link``, ``article add``, ``recheck`` and ``demo`` all go through it.
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Callable, Coroutine, Iterator, Sequence
from concurrent.futures import Future
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from postproof._collector import started
from postproof.output import Steps

if TYPE_CHECKING:
    import asyncio

    import storage
    from archiver import CaptureOptions, CaptureResult, CaptureSink, ContextCapture
    from archiver.capture import Capturer
    from claims import AddedArticle
    from claims.models import Relation
    from postproof.settings import Settings
    from watch import RecheckOptions, RecheckReport

    OnEvent = Callable[[storage.EventRecord, bool], None]
    # A capture stored (one asked for, or a post it replies to or quotes): id, status, URL.
    OnStored = Callable[[str, str, str], None]

log = logging.getLogger("postproof.run")
_T = TypeVar("_T")
UNWIND_SECONDS = 30.0  # how long a stopped run waits for its captures to unwind


@dataclass(frozen=True)
class SharedBrowser:
    """A browser kept open by a process for many runs (a worker's, shared by its jobs): its
    :class:`archiver.capture.Capturer` and the event loop it lives on, which runs the captures
    of runs in other threads."""

    capturer: Capturer
    loop: asyncio.AbstractEventLoop

    def run(self, coroutine: Coroutine[Any, Any, _T]) -> _T:
        """Run ``coroutine`` on the browser's loop and wait for it. Stopped while waiting (Ctrl-C),
        the coroutine is cancelled and waited for until it has unwound: a capture being stored
        into the archive is not cut off by the archive closing under it."""
        import asyncio

        ended = threading.Event()

        async def tracked() -> _T:
            try:
                return await coroutine
            finally:
                ended.set()

        running = asyncio.run_coroutine_threadsafe(tracked(), self.loop)
        try:
            return running.result()
        except BaseException:
            running.cancel()
            ended.wait(UNWIND_SECONDS)
            raise


class LaunchedAlongside:
    """A browser launched in a thread of its own as a run starts, for the run's captures.

    Starting a browser is mostly waiting for other processes (Playwright's driver, Chromium), and
    opening the archive is Python's own work (its imports, the database): launched alongside, the
    browser is ready when the archive is, instead of starting only after it. The run's captures
    go to it as to a worker's :class:`SharedBrowser`; it is closed when the run ends. A browser
    that cannot be started is reported when the run first needs it, as it would have been had
    the run launched it then. Use as ``with LaunchedAlongside(options) as browser``.
    """

    def __init__(self, options: CaptureOptions) -> None:
        import asyncio

        from archiver.capture import Capturer  # imported here, never by two threads at once

        self._capturer = Capturer(options)
        self._loop = asyncio.new_event_loop()
        self._ready: Future[SharedBrowser] = Future()
        self._done = asyncio.Event()
        self._thread = threading.Thread(target=self._hold, name="postproof-browser", daemon=True)
        self._relaunching = threading.Lock()

    def __enter__(self) -> LaunchedAlongside:
        self._thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._loop.call_soon_threadsafe(self._done.set)
        self._thread.join()
        self._loop.close()

    def ready(self) -> bool:
        """Whether the browser has started (or failed to)."""
        return self._ready.done()

    def shared(self) -> SharedBrowser:
        """The browser, once started (waiting for it if need be); what stopped it, if it failed."""
        return self._ready.result()

    def working(self) -> SharedBrowser:
        """The browser, as :meth:`shared`, started again first if it died (a crash, the system
        killing it for memory): a browser kept for many runs would otherwise fail them all."""
        shared = self.shared()
        if not shared.capturer.connected():
            with self._relaunching:  # runs in several threads (the web app's jobs): one relaunch
                if not shared.capturer.connected():
                    shared.run(shared.capturer.relaunch())
                    log.warning("the browser had stopped working: a new one was started")
        return shared

    def _hold(self) -> None:
        import asyncio

        asyncio.set_event_loop(self._loop)
        self._loop.run_until_complete(self._open_until_done())

    async def _open_until_done(self) -> None:
        try:
            async with self._capturer as capturer:
                self._ready.set_result(SharedBrowser(capturer, self._loop))
                await self._done.wait()
        except BaseException as exc:  # noqa: BLE001 -- given to the run, which raises it
            if not self._ready.done():
                self._ready.set_exception(exc)
            else:
                log.warning("the browser did not close cleanly: %s", exc)


# The browsers this process keeps for the runs it makes (the innermost last): see keeping.
_KEPT: list[LaunchedAlongside] = []


@contextmanager
def keeping(browser: LaunchedAlongside) -> Iterator[LaunchedAlongside]:
    """Make ``browser`` the one every run of this process uses while inside, instead of
    launching and closing a browser of its own: a process that makes many runs (the web app's
    jobs) keeps one browser warm for all of them. Each run still captures with its own options."""
    _KEPT.append(browser)
    try:
        yield browser
    finally:
        _KEPT.remove(browser)


def kept_browser() -> LaunchedAlongside | None:
    """The browser this process keeps for its runs, if it keeps one."""
    return _KEPT[-1] if _KEPT else None


@contextmanager
def browser_kept(options: CaptureOptions) -> Iterator[LaunchedAlongside]:
    """A browser launched now (alongside whatever the process does next) and kept, while
    inside, for every run of this process (see :func:`keeping`)."""
    with LaunchedAlongside(options) as browser, keeping(browser):
        yield browser


@contextmanager
def opened_archive(home: Path, made_by: str | None = None) -> Iterator[storage.Archive]:
    """The archive of the data home ``home``, closed (and its run lock released) on exit;
    ``made_by``: the web app's user its captures are made for."""
    from storage import open_archive

    archive = open_archive(home, made_by=made_by)
    started()  # the command's libraries are loaded: see postproof._collector
    try:
        yield archive
    finally:
        archive.close()


def seal_log(archive: storage.Archive, settings: Settings) -> storage.SealReport:
    """Sign a checkpoint of the log, timestamp it if TSAs are configured. An unreachable TSA
    is reported, never fatal: the next run retries."""
    tsa = settings.tsa()
    report = archive.seal(tsa.urls, roots=tsa.roots, timeout=tsa.timeout)
    for warning in report.warnings:
        logging.getLogger("postproof.ledger").warning("%s", warning)
    return report


@dataclass(frozen=True)
class Captured:
    """What :meth:`Run.capture` stored: the asked-for captures in the order asked, then the
    context captures (replied-to and quoted posts) with the reason each was made."""

    records: list[storage.CaptureRecord]
    context: list[tuple[ContextCapture, storage.CaptureRecord]]


@dataclass(frozen=True)
class RecheckOutcome:
    """What :meth:`Run.recheck` did, and the changes an earlier, stopped run never reported."""

    report: RecheckReport
    earlier: list[storage.EventRecord]
    delivered: str | None  # what became of the alerts, when a webhook is configured
    sealed: storage.SealReport | None


class Run:
    """One run of captures into one archive, with the options it captures with."""

    def __init__(
        self,
        archive: storage.Archive,
        settings: Settings,
        options: CaptureOptions,
        *,
        show_progress: bool = False,
        on_stored: OnStored | None = None,
        browser: SharedBrowser | LaunchedAlongside | None = None,
    ) -> None:
        self.archive = archive
        # None (and no browser kept by the process): each capture launches a browser of its own.
        self.browser = browser if browser is not None else kept_browser()
        self.settings = settings
        self.options = options
        self.show_progress = show_progress
        # What the run is doing, for a person at a terminal; every step of every command
        # (capturing, reading an article, checking quotes) is shown through it.
        self.steps = Steps(enabled=show_progress)
        self.stored: list[str] = []  # ids of the captures this run stored, in order
        # Told of each capture as soon as it is stored (the web app's live progress).
        self.on_stored = on_stored

    @classmethod
    @contextmanager
    def open(
        cls,
        settings: Settings,
        options: CaptureOptions,
        *,
        show_progress: bool = False,
        on_stored: OnStored | None = None,
        user: str | None = None,
        browser: LaunchedAlongside | None = None,
    ) -> Iterator[Run]:
        """A run in the archive of ``settings.home``, closed (its progress gone) on exit;
        ``user``, of the web app, is recorded as the maker of each capture it stores;
        ``browser``: one already being launched for the run's captures."""
        with opened_archive(settings.home, made_by=user) as archive:
            run = cls(
                archive,
                settings,
                options,
                show_progress=show_progress,
                on_stored=on_stored,
                browser=browser,
            )
            with run.steps:
                yield run

    def _count(self, capture_id: str, result: CaptureResult) -> None:
        self.stored.append(capture_id)
        self.steps.advance(f"{capture_id} {result.status.value}")
        if self.on_stored is not None:
            self.on_stored(capture_id, result.status.value, result.requested_url)

    def capture(
        self, urls: Sequence[str], *, context_depth: int = 0, sink: CaptureSink | None = None
    ) -> Captured:
        """Capture ``urls`` (and, with ``context_depth``, the posts they reply to or quote),
        stored in the archive, or through ``sink`` (a queued job's, which records the job)."""

        found: list[ContextCapture] = []

        def on_context(context: ContextCapture) -> None:
            self.stored.append(context.capture_id)
            found.append(context)
            if self.on_stored is not None:
                result = context.result
                self.on_stored(context.capture_id, result.status.value, result.requested_url)

        pages = "the page" if len(urls) == 1 else f"{len(urls)} pages"
        self.steps.step("capturing", len(urls), f"launching the browser, loading {pages}")
        results = self._capture_many(
            urls, sink, on_result=self._count, context_depth=context_depth, on_context=on_context
        )
        # Read back together: one read per 500 captures, not two queries per capture.
        ids = [capture_id for capture_id, _ in results] + [c.capture_id for c in found]
        records = self.archive.get_captures(ids)
        if len(records) != len(ids):
            from archiver.errors import StorageError

            gone = sorted(set(ids) - {record.id for record in records})
            raise StorageError(f"capture {', '.join(gone)} vanished", hint="please report this bug")
        return Captured(
            records=records[: len(results)],
            context=list(zip(found, records[len(results) :], strict=True)),
        )

    def capture_each(
        self,
        urls: Sequence[str],
        on_result: Callable[[str, CaptureResult], None],
        *,
        sink: CaptureSink | None = None,
    ) -> None:
        """Capture ``urls`` into the archive (or through ``sink``), telling ``on_result`` of
        each as it is stored (a queued re-check's assessment)."""

        def counted(capture_id: str, result: CaptureResult) -> None:
            on_result(capture_id, result)
            self._count(capture_id, result)

        self._capture_many(urls, sink, on_result=counted)

    def _capture_many(
        self, urls: Sequence[str], sink: CaptureSink | None, **given: Any
    ) -> list[tuple[str, CaptureResult]]:
        """``capture_many`` with this run's options, into ``sink`` or the archive, in this
        run's shared browser when it has one, else in a browser launched for it."""
        import asyncio

        from archiver import capture_many

        started()  # a run given an archive opened elsewhere (the web app's)
        shared = self.browser
        if isinstance(shared, LaunchedAlongside):
            shared = shared.working()
        capturer = shared.capturer if shared else None
        if capturer is not None and capturer.options is not self.options:
            capturer = capturer.with_options(self.options)  # a kept browser, this run's options
        capturing = capture_many(
            urls, self.options, sink or self.archive, capturer=capturer, **given
        )
        return shared.run(capturing) if shared else asyncio.run(capturing)

    def add_article(
        self,
        source: str,
        *,
        lang: str | None = None,
        title: str | None = None,
        capture_references: bool = True,
        again: bool = False,
    ) -> AddedArticle:
        """Add an article: its claims, its references captured, claims linked, quotes checked."""
        from claims import add_article

        return add_article(
            self.archive,
            source,
            options=self.options,
            lang=lang,
            title=title,
            capture_references=capture_references,
            again=again,
            steps=self.steps,
            capture_with=self.capture_each,
        )

    def link(
        self,
        claim: str,
        target: str,
        *,
        quote: str | None,
        relation: Relation,
        note: str | None,
        include_retracted: bool = False,
    ) -> storage.LinkRecord:
        """Link a claim to a capture (a URL is captured first) and check its quote; a retracted
        capture or article is refused unless ``include_retracted``."""
        from claims import link_claim

        made, _matches = link_claim(
            self.archive,
            claim,
            target,
            options=self.options,
            quote=quote,
            relation=relation,
            note=note,
            include_retracted=include_retracted,
            capture_with=self.capture_each,
        )
        return made

    def recheck(
        self, refs: Sequence[str], *, all_posts: bool, ladder: RecheckOptions, on_event: OnEvent
    ) -> RecheckOutcome:
        """Re-capture the chosen watched posts (``refs``, every one, or those due) one run at a
        time, report each change to ``on_event`` (after those an earlier, stopped run stored
        but never reported), alert the webhook, seal, and mark the changes reported.

        Raises ``watch.AlreadyRunning`` when another re-check holds the archive."""
        import watch
        from archiver import utcnow

        checks = logging.getLogger("postproof.recheck")
        with watch.recheck_lock(self.archive):
            chosen = watch.select_posts(
                self.archive, refs=refs, all_posts=all_posts, now=ladder.clock()
            )
            checks.info("re-checking %d post(s)", len(chosen))
            earlier = self.archive.watchlist.events(unreported=True)
            for event in earlier:
                on_event(event, True)
            report = watch.recheck(
                self.archive,
                chosen,
                capture_options=self.options,
                options=ladder,
                on_event=lambda event: on_event(event, False),
                capture_with=self.capture_each,
            )
            delivered = self.deliver_alerts()
            sealed = self.seal_if_stored()
            reported = [e.id for e in (*earlier, *report.events)]
            self.archive.watchlist.mark_reported(reported, utcnow())
        checks.info(
            "checked %d post(s): %s; %d event(s)%s",
            report.checked,
            report.statuses,
            len(report.events),
            f"; {delivered}" if delivered else "",
        )
        if sealed is not None:
            checks.info("log sealed: %s", json.dumps(sealed.to_json()))
        return RecheckOutcome(report=report, earlier=earlier, delivered=delivered, sealed=sealed)

    def deliver_alerts(self) -> str | None:
        """Send the events not yet delivered to the webhook, if one is configured. Events are
        stored before any attempt, so a failing webhook loses nothing: the next run retries."""
        import watch
        from archiver import utcnow

        url = self.settings.webhook_url
        if not url:
            return None
        pending = self.archive.watchlist.events(undelivered=True)
        if not pending:
            return None
        result = watch.deliver(url, [watch.event_json(self.archive, e) for e in pending])
        self.archive.watchlist.mark_delivery(
            [e.id for e in pending],
            delivered_at=utcnow() if result.ok else None,
            error=None if result.ok else (result.error or f"HTTP {result.status_code}"),
        )
        if result.ok:
            return f"{len(pending)} alert(s) delivered"
        logging.getLogger("postproof.alerts").warning(
            "webhook delivery failed (%s); %d event(s) kept for the next run",
            result.error or result.status_code,
            len(pending),
        )
        return f"webhook failed; {len(pending)} alert(s) kept for the next run"

    def seal(self) -> storage.SealReport:
        """End the run: a signed (and, with TSAs, timestamped) checkpoint of the log."""
        stamping = ", asking for a timestamp" if self.settings.tsa_urls() else ""
        self.steps.step("sealing the log", 0, f"signing a checkpoint{stamping}")
        return seal_log(self.archive, self.settings)

    def seal_if_stored(self) -> storage.SealReport | None:
        """Seal when the run stored at least one capture; nothing new to seal otherwise."""
        return self.seal() if self.stored else None
