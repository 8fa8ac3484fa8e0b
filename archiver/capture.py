"""The capture engine: one browser per run, one fresh context per capture.

Steps of one capture: check the URL against the safety rules, open an isolated context, load
the page (every request re-checked, bytes counted), wait for the platform's post to render,
snapshot what the page shows (HTML, visible text, metadata, headers), read the post's fields,
classify the outcome, take the screenshots, and hand the result to the sink. Every step is
bounded in time; when the capture's time runs out, whatever was already seen is kept.

This module runs those steps in order; each lives in a module of its own: the per-capture state
(``_state``), the recording of the traffic (``_traffic``), loading the page (``_loading``), what
stands in front of the post (``_obstacles``), the snapshot and screenshots (``_snapshot``), the
post's media (``_post_media``) and the result with its provenance and WARC (``_result``).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Iterable
from contextlib import AbstractAsyncContextManager, nullcontext, suppress

from playwright.async_api import (
    Browser,
    BrowserContext,
    Playwright,
    async_playwright,
)
from playwright.async_api import Error as PlaywrightError

from archiver._auth import cookies_for_url_host
from archiver._batch import Batch, ContextCapture, OnResult
from archiver._gate import Gate
from archiver._loading import follow_redirect, navigate, stall_reason, wait_ready
from archiver._obstacles import clear_obstacles, close_popup, dismiss
from archiver._options import CaptureOptions, default_concurrency
from archiver._post_media import keep_media
from archiver._result import capture_result, scrub_recorded, tool_version, with_warc
from archiver._snapshot import salvage, screenshots, snapshot
from archiver._state import Seen, Visited, hash_screenshots
from archiver._timing import Deadline, ms, quiet
from archiver._traffic import Traffic, served_page
from archiver.browser import BrowserChoice, launch
from archiver.errors import BrowserCrashed
from archiver.models import CaptureResult, CaptureSink, Status
from archiver.netpolicy import NetPolicy
from archiver.platforms import adapter_for
from archiver.urls import host_of

__all__ = [
    "CaptureOptions",
    "Capturer",
    "ContextCapture",
    "capture_many",
    "default_concurrency",
    "served_page",
    "tool_version",
]

log = logging.getLogger("postproof.capture")
RECORDING_GRACE = 5.0  # seconds to finish reading bodies still in flight after the screenshots
# After the capture's time ran out, the bodies still in flight are mostly the ones that stalled
# it: a shorter wait keeps what is about to arrive without adding the whole grace to the overrun.
TIMED_OUT_GRACE = 2.0


class Capturer:
    """Holds one browser for a run. Use as ``async with Capturer(options) as capturer``."""

    def __init__(self, options: CaptureOptions) -> None:
        self.options = options
        self.policy = NetPolicy(
            host_map=options.host_map,
            allow_private=options.allow_private,
            allow_private_hosts=options.allow_private_hosts,
        )
        self._pw: Playwright | None = None
        self._browser: Browser | None = None
        self.choice: BrowserChoice | None = None
        self.browser_version = ""
        self.user_agent = ""

    async def __aenter__(self) -> Capturer:
        self._pw = await async_playwright().start()
        try:
            self._browser, self.choice = await launch(self._pw)
            self.browser_version = self._browser.version
            self.user_agent = await self._real_user_agent(self._browser)
        except BaseException:
            await self._pw.stop()
            raise
        return self

    def connected(self) -> bool:
        """Whether this capturer's browser is open and working."""
        return self._browser is not None and self._browser.is_connected()

    def with_options(self, options: CaptureOptions) -> Capturer:
        """This capturer's open browser, capturing with ``options`` (their safety rules,
        budgets, cookies, timeouts): for a process that keeps one browser for runs made with
        options of their own. The browser stays this capturer's: the one returned never closes
        it."""
        other = Capturer(options)
        other._pw, other._browser, other.choice = self._pw, self._browser, self.choice
        other.browser_version, other.user_agent = self.browser_version, self.user_agent
        return other

    async def relaunch(self) -> bool:
        """Start a new browser if this one died (a crash, killed by the system for memory);
        ``True`` if one was started. For a process that keeps its browser for many runs (a
        worker): without it, every later capture would fail the same way."""
        if self._pw is None or (self._browser is not None and self._browser.is_connected()):
            return False
        old, self._browser = self._browser, None
        if old is not None:
            with suppress(PlaywrightError, TimeoutError):
                await asyncio.wait_for(old.close(), 5)
        self._browser, self.choice = await launch(self._pw)
        self.browser_version = self._browser.version
        self.user_agent = await self._real_user_agent(self._browser)
        return True

    async def __aexit__(self, *exc_info: object) -> None:
        if self._browser is not None:
            try:
                await asyncio.wait_for(self._browser.close(), 15)
            except (PlaywrightError, TimeoutError) as exc:
                log.warning("the browser did not close cleanly: %s", exc)
        if self._pw is not None:
            await self._pw.stop()

    @staticmethod
    async def _real_user_agent(browser: Browser) -> str:
        # Headless Chromium announces itself as "HeadlessChrome", which many sites answer with
        # a block page; the capture presents the same user agent as the desktop browser. Asked
        # of the browser itself: opening a page to ask it costs a renderer at every start.
        try:
            session = await browser.new_browser_cdp_session()
            agent = str((await session.send("Browser.getVersion"))["userAgent"])
            await session.detach()
        except (PlaywrightError, KeyError) as exc:
            log.debug("the browser did not say its user agent, a page is asked: %s", exc)
            page = await browser.new_page()
            try:
                agent = await page.evaluate("navigator.userAgent")
            finally:
                await page.close()
        return agent.replace("HeadlessChrome", "Chrome")

    async def capture(self, url: str) -> CaptureResult:
        """Capture ``url``: its page visited, then its result finished (hashes, the WARC)."""
        return await asyncio.to_thread(self.finish, await self.visit(url))

    async def visit(self, url: str) -> Visited:
        """The browser's part of a capture: the page loaded, read and photographed, then
        closed. What is left (:meth:`finish`) needs no page."""
        opts = self.options
        adapter = adapter_for(url)
        ref = adapter.post_ref(url)
        traffic = Traffic(
            max_bytes=opts.max_bytes,
            max_response_bytes=opts.max_response_bytes,
            max_decoded_bytes=opts.max_decoded_bytes,
        )
        seen = Seen(
            requested_url=url, adapter=adapter, ref=ref, started_at=opts.clock(), traffic=traffic
        )
        verdict = await self.policy.check_host(host_of(url))
        seen.landing.resolved_ips = verdict.addresses
        if not verdict.allowed:
            seen.outcome.fail(
                Status.BLOCKED, verdict.reason or "refused by postproof's safety rules"
            )
            return Visited(seen, finished_at=opts.clock(), recorded=False)
        assert self._browser is not None, "use Capturer as an async context manager"
        gate = Gate(self.policy, max_bytes=opts.max_bytes)
        await gate.start()
        traffic.gate = gate
        try:
            context = await self._new_context(gate)
        except PlaywrightError as exc:
            await gate.close()
            raise self._crashed(exc) from exc
        try:
            await self._log_in(context, seen)
            await asyncio.wait_for(self._visit(context, seen), opts.timeout)
        except TimeoutError:
            await self._timed_out(context, seen)
        except PlaywrightError as exc:
            if self._browser is None or not self._browser.is_connected():
                await gate.close()
                raise self._crashed(exc) from exc
            seen.outcome.fail(
                Status.UNAVAILABLE, f"the page broke off: {exc.message.splitlines()[0]}"
            )
        finally:
            if seen.scrubber:  # logged in: what the session holds now is secret too
                await self._session_secrets(context, seen)
            try:
                await asyncio.wait_for(context.close(), 10)
            except (PlaywrightError, TimeoutError) as exc:
                log.warning("closing the page of %s failed: %s", url, exc)
            await gate.close()
            traffic.closed = True
        return Visited(seen, finished_at=opts.clock())

    async def _timed_out(self, context: BrowserContext, seen: Seen) -> None:
        """The capture's time ran out: say why, and keep what can still be kept."""
        page = context.pages[0] if context.pages else None
        reason = await stall_reason(seen, page, self.options.timeout)
        seen.outcome.fail(Status.UNAVAILABLE, reason)
        if seen.landing.frozen:
            seen.outcome.notes.append("no screenshot could be taken: the page stopped responding")
        else:  # a frozen renderer paints nothing: no time is spent asking it
            await salvage(context, seen)
        await seen.traffic.settle(TIMED_OUT_GRACE)

    def finish(self, visited: Visited) -> CaptureResult:
        """The capture's result, once its page is closed: the logged-in session's secrets
        replaced, the screenshots' perceptual hashes, the provenance record and the WARC of the
        traffic and every evidence artifact. Touches no page: it may run in another thread."""
        seen = visited.seen
        if not visited.recorded:
            return self._result(visited)
        if seen.scrubber:
            scrub_recorded(seen)
        hash_screenshots(seen.outcome)
        return with_warc(seen, self._result(visited))

    def _result(self, visited: Visited) -> CaptureResult:
        return capture_result(
            visited.seen,
            self.options,
            finished=visited.finished_at,
            browser_name=f"Chromium ({self.choice.source})" if self.choice else "Chromium",
            browser_version=self.browser_version,
            user_agent=self.user_agent,
        )

    async def _log_in(self, context: BrowserContext, seen: Seen) -> None:
        jar = cookies_for_url_host(host_of(seen.requested_url), self.options.cookies)
        if not jar:
            return
        await context.add_cookies(jar)  # type: ignore[arg-type]
        seen.scrubber.add(str(c["value"]) for c in jar)
        domains = sorted({str(c["domain"]).lstrip(".") for c in jar})
        seen.outcome.notes.append(
            f"captured logged in, with {len(jar)} cookie(s) imported for {', '.join(domains)} "
            "(cookie values are not recorded)"
        )

    @staticmethod
    async def _session_secrets(context: BrowserContext, seen: Seen) -> None:
        try:
            cookies = await asyncio.wait_for(context.cookies(), 5)
        except (PlaywrightError, TimeoutError) as exc:
            log.debug("could not read the session's cookies: %s", exc)
            return
        seen.scrubber.add(str(c.get("value") or "") for c in cookies)

    @staticmethod
    def _crashed(exc: PlaywrightError) -> BrowserCrashed:
        first_line = exc.message.splitlines()[0] if exc.message else type(exc).__name__
        return BrowserCrashed(
            f"The browser stopped working: {first_line}",
            hint="Captures already finished are stored; run the command again for the rest.",
        )

    async def _new_context(self, gate: Gate) -> BrowserContext:
        assert self._browser is not None, "use Capturer as an async context manager"
        opts = self.options
        return await self._browser.new_context(
            # Every connection of this context goes through the gate; "<-loopback>" removes
            # Chromium's implicit bypass of loopback addresses, which would skip the safety rules.
            proxy={"server": gate.proxy_url, "bypass": "<-loopback>"},
            viewport={"width": opts.viewport[0], "height": opts.viewport[1]},
            device_scale_factor=opts.device_scale_factor,
            locale=opts.locale,
            timezone_id=opts.timezone,
            user_agent=self.user_agent,
            ignore_https_errors=opts.insecure,
            accept_downloads=False,
            service_workers="block",
            java_script_enabled=True,
        )

    async def _visit(self, context: BrowserContext, seen: Seen) -> None:
        opts = self.options
        deadline = Deadline(opts.timeout)
        page = await context.new_page()
        page.on("dialog", lambda dialog: seen.spawn(dismiss(dialog, seen)))
        page.on("popup", lambda popup: seen.spawn(close_popup(popup, seen)))
        page.on("download", lambda d: seen.outcome.notes.append(f"blocked a download of {d.url}"))
        page.on("response", seen.traffic.saw_response)
        page.on("crash", lambda _page: setattr(seen.landing, "crashed", True))
        context.on("requestfinished", seen.traffic.record)
        page.on("request", seen.traffic.asked)
        page.on("requestfinished", seen.traffic.answered)
        page.on("requestfailed", seen.traffic.answered)
        await seen.traffic.watch_wire(context, page)

        await navigate(page, seen, deadline)
        if seen.landing.silent:
            # A page still waiting for its first byte has nothing to read or photograph, and
            # asking it would only wait out the rest of the time.
            seen.outcome.notes.append("nothing of the page arrived: no page to keep")
            return
        adapter = follow_redirect(seen)
        if seen.outcome.status is None:
            await quiet(page.wait_for_load_state("load", timeout=ms(deadline.left(10))))
            if adapter.READY_SELECTOR:
                await wait_ready(page, adapter, seen, deadline, opts.ready_timeout)
            await clear_obstacles(page, adapter, seen, deadline, opts)
        await snapshot(page, adapter, seen, deadline, opts)
        # The screenshots come before any costly work on the post's images and videos: whatever
        # those hold, the picture of the page is already kept.
        await screenshots(page, seen, deadline, opts)
        post = seen.outcome.post
        if post is not None and seen.outcome.status is Status.OK:
            await keep_media(post, seen, deadline, opts, self.policy)
        await seen.traffic.settle(RECORDING_GRACE)


async def capture_many(
    urls: Iterable[str],
    options: CaptureOptions,
    sink: CaptureSink,
    on_result: OnResult | None = None,
    *,
    context_depth: int = 0,
    on_context: Callable[[ContextCapture], None] | None = None,
    capturer: Capturer | None = None,
) -> list[tuple[str, CaptureResult]]:
    """Capture every URL with one browser and ``options.concurrency`` pages at a time; store
    each result in ``sink`` as soon as it is ready, while the next pages load (see
    ``archiver._batch``). Results come back in input order.

    With ``context_depth`` > 0, the post a captured post replies to is captured too, and its own
    parent, up to that many levels; a quoted post is captured one level deep. Those captures
    are stored like any other and reported to ``on_context`` (not in the returned list).

    ``capturer``: a browser already open (a worker's, shared by its jobs), left open; without
    it, one is launched for these URLs and closed at the end."""
    opened: AbstractAsyncContextManager[Capturer] = (
        nullcontext(capturer) if capturer is not None else Capturer(options)
    )
    async with opened as capturer:
        batch = Batch(
            capturer,
            sink,
            concurrency=options.concurrency,
            context_depth=context_depth,
            on_result=on_result,
            on_context=on_context,
        )
        return await batch.run(list(urls))
