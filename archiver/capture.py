"""The capture engine: one browser per run, one fresh context per capture.

Steps of one capture: check the URL against the safety rules, open an isolated context, load
the page (every request re-checked, bytes counted), wait for the platform's post to render,
snapshot what the page shows (HTML, visible text, metadata, headers), read the post's fields,
classify the outcome, take the screenshots, and hand the result to the sink. Every step is
bounded in time; when the capture's time runs out, whatever was already seen is kept.
"""

from __future__ import annotations

import asyncio
import base64
import dataclasses
import hashlib
import json
import logging
import os
import tempfile
from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from importlib.metadata import PackageNotFoundError
from importlib.metadata import version as package_version
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import urlsplit

from playwright.async_api import (
    Browser,
    BrowserContext,
    CDPSession,
    Dialog,
    Page,
    Playwright,
    Request,
    Response,
    async_playwright,
)
from playwright.async_api import Error as PlaywrightError
from playwright.async_api import TimeoutError as PlaywrightTimeoutError

from archiver import _pagejs
from archiver._auth import Cookie, cookies_for_url_host, redact_headers
from archiver._gate import Gate
from archiver._secrets import MARKER, Scrubber
from archiver._video import DownloadFailed, VideoDownload, download_video, keyframes_or_reason
from archiver._warc import Exchange, build_warc
from archiver.browser import BrowserChoice, launch
from archiver.errors import BrowserCrashed
from archiver.imaging import perceptual_hashes
from archiver.models import (
    Artifact,
    ArtifactKind,
    CaptureResult,
    CaptureSink,
    PostFields,
    Provenance,
    Redirect,
    Status,
    utcnow,
)
from archiver.netpolicy import HostTarget, NetPolicy
from archiver.platforms import Adapter, PageSnapshot, PostRef, adapter_for
from archiver.platforms._page import Served, ServedPage
from archiver.urls import host_of

log = logging.getLogger("postproof.capture")
MAX_IMAGES_SEEN = 500
MAX_EXCHANGES = 3000  # HTTP exchanges recorded into one capture's WARC
READY_POLL = 0.5  # seconds between looks at what the page received while waiting for the post
EVIDENCE_GRACE = 4.0  # seconds left to paint a post the page's data already holds
SETTLE_RECORDING = 2.0  # seconds to finish reading bodies before the post is read from them
RECORDING_GRACE = 5.0  # seconds to finish reading bodies still in flight after the screenshots
VIDEO_TIME_RESERVE = 15.0  # seconds a video download leaves for the screenshots and recording
VIDEO_PAGE_ALLOWANCE = 8_000_000  # bytes an extractor may read besides the video (pages, manifests)
T = TypeVar("T")


def tool_version() -> str:
    try:
        return package_version("postproof")
    except PackageNotFoundError:
        return "0+unknown"


def default_concurrency() -> int:
    # Each page costs a renderer process (~150 MB, one core while rendering).
    return max(1, min(4, os.cpu_count() or 1))


@dataclass(frozen=True)
class CaptureOptions:
    timeout: float = 60.0
    concurrency: int = field(default_factory=default_concurrency)
    allow_private: bool = False
    allow_private_hosts: frozenset[str] = frozenset()
    insecure: bool = False
    host_map: Mapping[str, HostTarget] = field(default_factory=dict)
    viewport: tuple[int, int] = (1280, 900)
    device_scale_factor: float = 1.0
    locale: str = "en-US"
    timezone: str = "UTC"
    max_screenshot_height: int = 16_000
    max_bytes: int = 64_000_000
    max_html_chars: int = 16_000_000
    max_text_chars: int = 2_000_000
    max_media_bytes: int = 25_000_000
    # Bytes the page's responses decompress to, all together: a small gzip can hold gigabytes.
    max_decoded_bytes: int = 256_000_000
    # One response body held in memory for the WARC; a larger one is recorded truncated.
    max_response_bytes: int = 32_000_000
    # The post's videos, all together; counted apart from the page's own ``max_bytes``.
    max_video_bytes: int = 200_000_000
    ready_timeout: float = 15.0
    settle_timeout: float = 2.0
    scroll_steps: int = 8  # lazy loading: at most this many viewport-high scrolls per page...
    scroll_seconds: float = 4.0  # ...within this time
    # Cookies imported with `postproof auth import`, by domain; each capture gets only those of
    # the domain it captures.
    cookies: Mapping[str, tuple[Cookie, ...]] = field(default_factory=dict)
    clock: Callable[[], datetime] = utcnow

    def provenance_json(self) -> dict[str, Any]:
        return {
            "timeout_seconds": self.timeout,
            "allow_private": self.allow_private,
            "allow_private_hosts": sorted(self.allow_private_hosts),
            "insecure": self.insecure,
            "host_map": {host: str(target) for host, target in sorted(self.host_map.items())},
            "max_screenshot_height": self.max_screenshot_height,
            "max_bytes": self.max_bytes,
            "max_decoded_bytes": self.max_decoded_bytes,
        }


# Chromium network error codes and what a reporter should read instead.
NET_ERRORS: tuple[tuple[str, Status, str], ...] = (
    ("ERR_NAME_NOT_RESOLVED", Status.UNAVAILABLE, "the host name could not be resolved (DNS)"),
    ("ERR_CONNECTION_REFUSED", Status.UNAVAILABLE, "the server refused the connection"),
    ("ERR_CONNECTION_RESET", Status.UNAVAILABLE, "the server reset the connection"),
    ("ERR_CONNECTION_CLOSED", Status.UNAVAILABLE, "the server closed the connection"),
    ("ERR_EMPTY_RESPONSE", Status.UNAVAILABLE, "the server sent an empty response"),
    ("ERR_CONNECTION_TIMED_OUT", Status.UNAVAILABLE, "the connection timed out"),
    ("ERR_ADDRESS_UNREACHABLE", Status.UNAVAILABLE, "the server's address is unreachable"),
    ("ERR_INTERNET_DISCONNECTED", Status.UNAVAILABLE, "this machine is offline"),
    ("ERR_TOO_MANY_REDIRECTS", Status.UNAVAILABLE, "the page redirects in a loop"),
    (
        "ERR_CERT_",
        Status.UNAVAILABLE,
        "the site's TLS certificate is not valid (use --insecure "
        "to capture anyway; the capture will say so)",
    ),
    ("ERR_SSL_", Status.UNAVAILABLE, "the TLS connection failed"),
    ("ERR_SOCKS_CONNECTION_HOST_UNREACHABLE", Status.UNAVAILABLE, "the host could not be reached"),
    ("ERR_SOCKS_CONNECTION_FAILED", Status.UNAVAILABLE, "the connection could not be opened"),
    ("ERR_PROXY_CONNECTION_FAILED", Status.UNAVAILABLE, "the connection could not be opened"),
    ("ERR_UNSAFE_PORT", Status.BLOCKED, "the browser refuses this port as unsafe"),
    (
        "ERR_ABORTED",
        Status.UNAVAILABLE,
        "the browser aborted the navigation (the URL may be a file download rather than a page)",
    ),
)


class _Deadline:
    def __init__(self, seconds: float) -> None:
        loop = asyncio.get_running_loop()
        self._loop = loop
        self._end = loop.time() + seconds

    def left(self, cap: float | None = None) -> float:
        remaining = max(0.0, self._end - self._loop.time())
        return remaining if cap is None else min(cap, remaining)


@dataclass
class _Seen:
    """What one capture has seen so far; kept even when the capture is cut short."""

    requested_url: str
    adapter: Adapter
    ref: PostRef
    started_at: datetime
    artifacts: dict[tuple[ArtifactKind, str | None], Artifact] = field(default_factory=dict)
    images: dict[str, Response] = field(default_factory=dict)  # image URL -> its response
    notes: list[str] = field(default_factory=list)
    status: Status | None = None
    reason: str | None = None
    post: PostFields | None = None
    response: Response | None = None
    final_url: str | None = None
    http_status: int | None = None
    server_date: str | None = None
    server_ip: str | None = None
    server_port: int | None = None
    resolved_ips: tuple[str, ...] = ()
    redirects: tuple[Redirect, ...] = ()
    gate: Gate | None = None
    cdp: CDPSession | None = None
    exchanges: list[Exchange] = field(default_factory=list)
    recorded_bytes: int = 0
    recording: set[asyncio.Future[Any]] = field(default_factory=set)
    wire: dict[str, dict[str, Any]] = field(default_factory=dict)  # URL -> CDP response facts
    tls: dict[str, Any] | None = None  # the page's TLS session, as Chromium negotiated it
    crashed: bool = False  # the page's renderer crashed
    frozen: bool = False  # the page's renderer stopped answering
    decoded: dict[str, int] = field(default_factory=dict)  # URL -> bytes after decompression
    decoded_total: int = 0
    decoded_over: bool = False  # the page's responses decompressed past the budget
    request_ids: dict[str, str] = field(default_factory=dict)  # URL -> its latest CDP request id
    encoded: dict[str, int] = field(default_factory=dict)  # CDP request id -> bytes on the wire
    body_reads: asyncio.Semaphore = field(default_factory=lambda: asyncio.Semaphore(2))
    scrubber: Scrubber = field(default_factory=Scrubber)  # a logged-in session's secret values

    tasks: set[asyncio.Future[Any]] = field(default_factory=set)

    def spawn(self, step: Awaitable[Any]) -> None:
        """Run an event handler's work in the background, holding a reference until it ends."""
        task = asyncio.ensure_future(step)
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)

    def add(self, artifact: Artifact) -> None:
        self.artifacts[(artifact.kind, artifact.source_url)] = artifact

    def has(self, kind: ArtifactKind) -> bool:
        return any(k == kind for k, _ in self.artifacts)

    def saw_response(self, response: Response) -> None:
        if response.request.resource_type == "image" and len(self.images) < MAX_IMAGES_SEEN:
            self.images.setdefault(response.url, response)

    def fail(self, status: Status, reason: str) -> None:
        if self.status is None:
            self.status, self.reason = status, reason


_STALLED = "stalled"  # placeholder: _stall_reason says which stall it was
_CRASHED = (
    "the page crashed the browser's renderer (out of memory, or a renderer fault) before it "
    "could be captured"
)


async def _responsive(page: Page, seconds: float = 2.0) -> bool:
    """Whether the page's renderer still runs a trivial script: a page spinning in an endless
    loop never answers."""
    try:
        await asyncio.wait_for(page.evaluate("0"), seconds)
    except (PlaywrightError, TimeoutError):
        return False
    return True


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
        # a block page; the capture presents the same user agent as the desktop browser.
        page = await browser.new_page()
        try:
            agent: str = await page.evaluate("navigator.userAgent")
        finally:
            await page.close()
        return agent.replace("HeadlessChrome", "Chrome")

    async def capture(self, url: str) -> CaptureResult:
        opts = self.options
        adapter = adapter_for(url)
        ref = adapter.post_ref(url)
        seen = _Seen(requested_url=url, adapter=adapter, ref=ref, started_at=opts.clock())
        verdict = await self.policy.check_host(host_of(url))
        seen.resolved_ips = verdict.addresses
        if not verdict.allowed:
            seen.fail(Status.BLOCKED, verdict.reason or "refused by postproof's safety rules")
            return self._result(seen)
        assert self._browser is not None, "use Capturer as an async context manager"
        gate = Gate(self.policy, max_bytes=opts.max_bytes)
        await gate.start()
        seen.gate = gate
        try:
            context = await self._new_context(gate)
        except PlaywrightError as exc:
            await gate.close()
            raise self._crashed(exc) from exc
        try:
            await self._log_in(context, seen)
            await asyncio.wait_for(self._visit(context, seen), opts.timeout)
        except TimeoutError:
            page = context.pages[0] if context.pages else None
            reason = await self._stall_reason(seen, page, opts.timeout)
            seen.fail(Status.UNAVAILABLE, reason)
            if seen.frozen:
                seen.notes.append("no screenshot could be taken: the page stopped responding")
            else:  # a frozen renderer paints nothing: no time is spent asking it
                await self._salvage(context, seen)
            await self._finish_recording(seen)
        except PlaywrightError as exc:
            if self._browser is None or not self._browser.is_connected():
                await gate.close()
                raise self._crashed(exc) from exc
            seen.fail(Status.UNAVAILABLE, f"the page broke off: {exc.message.splitlines()[0]}")
        finally:
            if seen.scrubber:  # logged in: what the session holds now is secret too
                await self._session_secrets(context, seen)
            try:
                await asyncio.wait_for(context.close(), 10)
            except (PlaywrightError, TimeoutError) as exc:
                log.warning("closing the page of %s failed: %s", url, exc)
            await gate.close()
        return await self._with_warc(seen)

    async def _with_warc(self, seen: _Seen) -> CaptureResult:
        """The capture's result, with its WARC: the traffic and every evidence artifact."""
        if seen.scrubber:
            _scrub_recorded(seen)
        result = self._result(seen)
        page_url = seen.final_url or seen.requested_url
        warc = await asyncio.to_thread(
            build_warc,
            page_url=page_url,
            exchanges=sorted(seen.exchanges, key=lambda e: e.fetched_at),
            artifacts=result.artifacts,
            page_metadata={
                "status": result.status.value,
                "reason": result.reason,
                "platform": result.platform,
                "post_id": result.post_id,
                "requested_url": result.requested_url,
                "canonical_url": result.canonical_url,
                "final_url": result.final_url,
                "http_status": result.http_status,
                "server_ip": seen.server_ip,
                "tls": seen.tls,
            },
            software=f"postproof {tool_version()}",
            created=result.finished_at,
        )
        return dataclasses.replace(result, artifacts=(*result.artifacts, warc))

    async def _log_in(self, context: BrowserContext, seen: _Seen) -> None:
        jar = cookies_for_url_host(host_of(seen.requested_url), self.options.cookies)
        if not jar:
            return
        await context.add_cookies(jar)  # type: ignore[arg-type]
        seen.scrubber.add(str(c["value"]) for c in jar)
        domains = sorted({str(c["domain"]).lstrip(".") for c in jar})
        seen.notes.append(
            f"captured logged in, with {len(jar)} cookie(s) imported for {', '.join(domains)} "
            "(cookie values are not recorded)"
        )

    @staticmethod
    async def _session_secrets(context: BrowserContext, seen: _Seen) -> None:
        try:
            cookies = await asyncio.wait_for(context.cookies(), 5)
        except (PlaywrightError, TimeoutError) as exc:
            log.debug("could not read the session's cookies: %s", exc)
            return
        seen.scrubber.add(str(c.get("value") or "") for c in cookies)

    async def _scrub_page(self, page: Page, seen: _Seen, deadline: _Deadline) -> bool:
        """Replace the session's secret values in the live page before it is recorded or
        photographed. False when the page could not be asked (then it is not photographed)."""
        if not seen.scrubber:
            return True
        count = await self._bounded(
            page.evaluate(_pagejs.SCRUB_JS, [list(seen.scrubber.secrets), MARKER]), deadline, 5
        )
        if count is None:
            return False
        seen.scrubber.replaced += int(count)
        return True

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

    async def _visit(self, context: BrowserContext, seen: _Seen) -> None:
        opts = self.options
        deadline = _Deadline(opts.timeout)
        page = await context.new_page()
        page.on("dialog", lambda dialog: seen.spawn(self._dismiss(dialog, seen)))
        page.on("popup", lambda popup: seen.spawn(self._close_popup(popup, seen)))
        page.on("download", lambda d: seen.notes.append(f"blocked a download of {d.url}"))
        page.on("response", seen.saw_response)
        page.on("crash", lambda _page: setattr(seen, "crashed", True))
        context.on("requestfinished", lambda request: self._record(request, seen))
        await self._watch_wire(context, page, seen)

        await self._navigate(page, seen, deadline)
        adapter = self._follow_redirect(seen)
        if seen.status is None:
            await self._quiet(page.wait_for_load_state("load", timeout=_ms(deadline.left(10))))
            if adapter.READY_SELECTOR:
                await self._wait_ready(page, adapter, seen, deadline)
            await self._clear_obstacles(page, adapter, seen, deadline)
            await self._bounded(page.evaluate(_pagejs.SETTLE_JS), deadline, opts.settle_timeout)
        await self._snapshot(page, adapter, seen, deadline)
        # The screenshots come before any costly work on the post's images and videos: whatever
        # those hold, the picture of the page is already kept.
        await self._screenshots(page, seen, deadline)
        if seen.post is not None and seen.status is Status.OK:
            await self._media(seen.post, seen, deadline)
        await self._finish_recording(seen)

    async def _wait_ready(
        self, page: Page, adapter: Adapter, seen: _Seen, deadline: _Deadline
    ) -> None:
        """Wait for the adapter's ready selector; but once the data the page received already
        holds the post, give the page only a short while more to paint it (for the screenshot)
        instead of the whole ready timeout."""
        loop = asyncio.get_running_loop()
        stop = loop.time() + deadline.left(self.options.ready_timeout)
        assert adapter.READY_SELECTOR is not None
        looked_at = -1
        evidence = False
        while (left := stop - loop.time()) > 0:
            try:
                await page.wait_for_selector(
                    adapter.READY_SELECTOR, state="attached", timeout=_ms(min(READY_POLL, left))
                )
                return
            except PlaywrightTimeoutError:
                pass
            except PlaywrightError:
                return  # the page is gone or navigating: the snapshot says what is left
            if evidence or len(seen.exchanges) == looked_at:
                continue
            looked_at = len(seen.exchanges)
            served = served_page(seen.exchanges, page.url, "")
            if adapter.holds_post(served, seen.ref) or adapter.verdict(served, seen.ref):
                evidence = True
                stop = min(stop, loop.time() + EVIDENCE_GRACE)

    async def _clear_obstacles(
        self, page: Page, adapter: Adapter, seen: _Seen, deadline: _Deadline
    ) -> None:
        """What stands between a reader and the post: a consent wall (refused where possible,
        else accepted), content that loads only when scrolled to, a truncated post."""
        opts = self.options
        clicked = await self._bounded(page.evaluate(_pagejs.CONSENT_JS), deadline, 3)
        if clicked:
            seen.notes.append(f"dismissed a consent banner (clicked “{str(clicked)[:80]}”)")
            await self._quiet(page.wait_for_timeout(300))
        loop = asyncio.get_running_loop()
        stop_at = loop.time() + min(opts.scroll_seconds, deadline.left() * 0.2)
        start = await self._bounded(page.evaluate(_pagejs.PAGE_HEIGHT_JS), deadline, 2)
        steps, height = 0, int(start or 0)
        while steps < opts.scroll_steps and loop.time() < stop_at:
            state = await self._bounded(page.evaluate(_pagejs.SCROLL_STEP_JS), deadline, 2)
            if not isinstance(state, dict):
                break
            steps += 1
            height = max(height, int(state.get("height") or 0))
            if height >= opts.max_screenshot_height:
                break
            if state.get("bottom") and not state.get("moved"):
                break  # a page shorter than the window, or already at its end: nothing to load
            if state.get("bottom"):
                # Content is appended a moment after the scroll event: give it that moment.
                await self._quiet(page.wait_for_timeout(500))
                after = await self._bounded(page.evaluate(_pagejs.PAGE_HEIGHT_JS), deadline, 2)
                if int(after or 0) <= height:
                    break
                height = int(after or 0)
                continue
            await self._quiet(page.wait_for_timeout(250))
        if steps > 1:
            seen.notes.append(f"scrolled {steps} screens down to load lazy content")
        await self._bounded(page.evaluate(_pagejs.SCROLL_TOP_JS), deadline, 2)
        expanded = await self._bounded(
            page.evaluate(_pagejs.SHOW_MORE_JS, adapter.SHOW_MORE_SELECTOR), deadline, 3
        )
        if expanded:
            seen.notes.append(f"expanded {expanded} “show more” control(s)")
            await self._quiet(page.wait_for_timeout(300))

    # -- recording the traffic ----------------------------------------------------------------

    def _record(self, request: Request, seen: _Seen) -> None:
        if len(seen.exchanges) + len(seen.recording) >= MAX_EXCHANGES:
            return
        task = asyncio.ensure_future(self._read_exchange(request, seen))
        seen.recording.add(task)
        task.add_done_callback(seen.recording.discard)

    async def _read_exchange(self, request: Request, seen: _Seen) -> None:
        fetched_at = _fetch_time(request)
        try:
            response = await request.response()
            if response is None:
                return
            request_headers = await request.headers_array()
            response_headers = await response.headers_array()
            truncated = None
            if 300 <= response.status < 400:
                body = b""
            else:
                body, truncated = await self._body(response, seen)
        except PlaywrightError as exc:
            log.debug("could not record %s: %s", request.url, exc)
            return
        if seen.recorded_bytes + len(body) > self.options.max_bytes:
            body, truncated = b"", "length"
        seen.recorded_bytes += len(body)
        wire = seen.wire.get(request.url, {})
        assert seen.gate is not None
        seen.exchanges.append(
            Exchange(
                url=request.url,
                method=request.method,
                request_headers=redact_headers((h["name"], h["value"]) for h in request_headers),
                request_body=request.post_data_buffer,
                status=response.status,
                status_text=response.status_text,
                response_headers=redact_headers((h["name"], h["value"]) for h in response_headers),
                body=body,
                fetched_at=fetched_at,
                server_ip=seen.gate.address_of(host_of(request.url)),
                protocol=wire.get("protocol"),
                cipher=(wire.get("securityDetails") or {}).get("cipher"),
                truncated=truncated,
            )
        )

    async def _body(self, response: Response, seen: _Seen) -> tuple[bytes, str | None]:
        """A response's body, and why it is cut (WARC-Truncated), if it is. Read through the
        capture's own DevTools session, whose buffer keeps no body over ``max_response_bytes``
        once decompressed: a compression bomb is never held here, whatever its size on the
        wire. Two reads at a time, so that the bodies held at once stay few."""
        request_id = seen.request_ids.get(response.url)
        limit = min(self.options.max_response_bytes, self.options.max_bytes)
        if seen.decoded.get(response.url, 0) > limit:
            # Known too big from the bytes Chromium reported as they arrived: not read at all
            # (Chromium may still answer from its memory cache, whole).
            return b"", "length"
        async with seen.body_reads:
            if seen.cdp is None or request_id is None:
                try:  # no DevTools session: Playwright's own reading
                    body = await response.body()
                except PlaywrightError:
                    return b"", "unspecified"
            else:
                try:
                    answer = await seen.cdp.send(
                        "Network.getResponseBody", {"requestId": request_id}
                    )
                except PlaywrightError:
                    return b"", "unspecified"
                text = answer.get("body") or ""
                body = base64.b64decode(text) if answer.get("base64Encoded") else text.encode()
                del answer, text
                if not body and seen.encoded.get(request_id, 0) > 0:
                    return b"", "length"  # too big once decompressed: the buffer dropped it
        if len(body) > limit:
            return b"", "length"
        return body, None

    async def _settle_recording(self, seen: _Seen, deadline: _Deadline) -> None:
        """Let the bodies being read finish (briefly): the adapter reads the post from them."""
        pending = list(seen.recording)
        if pending:
            await asyncio.wait(pending, timeout=deadline.left(SETTLE_RECORDING))

    async def _finish_recording(self, seen: _Seen) -> None:
        """Give bodies still being read a moment; what is not read by then is not recorded."""
        pending = list(seen.recording)
        if pending:
            await asyncio.wait(pending, timeout=RECORDING_GRACE)

    async def _watch_wire(self, context: BrowserContext, page: Page, seen: _Seen) -> None:
        """Listen to Chromium's own network events: the negotiated protocol and TLS session of
        each response, which Playwright's API does not expose."""
        try:
            cdp = await context.new_cdp_session(page)
            # This session's buffer is where response bodies are read from (see _body): it keeps
            # none larger than max_response_bytes once decompressed.
            await cdp.send(
                "Network.enable",
                {
                    "maxResourceBufferSize": self.options.max_response_bytes,
                    "maxTotalBufferSize": self.options.max_decoded_bytes,
                },
            )
        except PlaywrightError as exc:
            log.debug("no protocol details for this capture: %s", exc)
            return
        seen.cdp = cdp

        def on_response(event: dict[str, Any]) -> None:
            response = event.get("response") or {}
            url = response.get("url")
            if url and len(seen.wire) < MAX_EXCHANGES:
                seen.wire[url] = {
                    "protocol": response.get("protocol"),
                    "securityDetails": response.get("securityDetails"),
                }

        cdp.on("Network.responseReceived", on_response)
        urls: dict[str, str] = {}  # CDP request id -> URL
        limit = self.options.max_decoded_bytes

        def on_request(event: dict[str, Any]) -> None:
            if len(urls) < 4 * MAX_EXCHANGES:
                url = (event.get("request") or {}).get("url", "")
                urls[event.get("requestId", "")] = url
                seen.request_ids[url] = event.get("requestId", "")

        def on_finished(event: dict[str, Any]) -> None:
            if len(seen.encoded) < 4 * MAX_EXCHANGES:
                seen.encoded[event.get("requestId", "")] = int(event.get("encodedDataLength") or 0)

        def on_data(event: dict[str, Any]) -> None:
            size = int(event.get("dataLength") or 0)
            seen.decoded_total += size
            url = urls.get(event.get("requestId", ""))
            if url:
                seen.decoded[url] = seen.decoded.get(url, 0) + size
            if seen.decoded_total > limit and not seen.decoded_over:
                seen.decoded_over = True
                if seen.gate is not None:
                    seen.gate.spend_budget()

        cdp.on("Network.requestWillBeSent", on_request)
        cdp.on("Network.loadingFinished", on_finished)
        cdp.on("Network.dataReceived", on_data)

    async def _tls_chain(self, seen: _Seen, url: str) -> None:
        """Keep the certificate chain the origin served on the page's own connection (Chromium
        remembers it per origin; no second connection is made)."""
        parts = urlsplit(url)
        if parts.scheme != "https" or seen.cdp is None:
            return
        details = (seen.wire.get(url) or {}).get("securityDetails")
        try:
            reply = await seen.cdp.send(
                "Network.getCertificate", {"origin": f"{parts.scheme}://{parts.netloc}"}
            )
        except PlaywrightError as exc:
            seen.notes.append(f"the TLS certificate chain could not be read: {exc.message[:200]}")
            return
        ders = [base64.b64decode(item) for item in reply.get("tableNames") or ()]
        if not ders:
            seen.notes.append("the browser kept no TLS certificate chain for the page")
            return
        pem = "".join(_pem(der) for der in ders).encode("ascii")
        seen.add(Artifact.from_bytes(ArtifactKind.TLS_CHAIN, pem, "application/x-pem-file"))
        seen.tls = {
            "protocol": (details or {}).get("protocol"),
            "cipher": (details or {}).get("cipher"),
            "key_exchange": (details or {}).get("keyExchange") or None,
            "key_exchange_group": (details or {}).get("keyExchangeGroup"),
            "subject": (details or {}).get("subjectName"),
            "issuer": (details or {}).get("issuer"),
            "valid_from": (details or {}).get("validFrom"),
            "valid_to": (details or {}).get("validTo"),
            "san": (details or {}).get("sanList"),
            "chain_length": len(ders),
            "chain_sha256": [hashlib.sha256(der).hexdigest() for der in ders],
            "http_protocol": (seen.wire.get(url) or {}).get("protocol"),
        }

    @staticmethod
    def _follow_redirect(seen: _Seen) -> Adapter:
        """A link that redirects to a post (a shortener, an old URL form) captures that post."""
        if seen.final_url and seen.adapter.NAME == "generic":
            landed = adapter_for(seen.final_url)
            if landed.NAME != "generic":
                seen.adapter, seen.ref = landed, landed.post_ref(seen.final_url)
        return seen.adapter

    async def _navigate(self, page: Page, seen: _Seen, deadline: _Deadline) -> None:
        # A quarter of the time stays for reading and screenshotting what did arrive.
        allowed = deadline.left() * 0.75
        try:
            response = await page.goto(
                seen.requested_url, wait_until="domcontentloaded", timeout=_ms(allowed)
            )
        except PlaywrightError as exc:
            status, reason = self._explain(exc, seen, allowed)
            if reason == _STALLED:
                reason = await self._stall_reason(seen, page, allowed)
            seen.fail(status, reason)
            return
        if response is not None:
            await self._record_response(response, seen)
            await self._tls_chain(seen, response.url)

    def _explain(self, exc: PlaywrightError, seen: _Seen, allowed: float) -> tuple[Status, str]:
        message = exc.message
        assert seen.gate is not None
        refused = next((c for c in seen.gate.connections if c.blocked), None)
        if refused is not None and seen.response is None:
            # Nothing arrived yet, so the refused connection was the navigation (or a hop of it).
            return Status.BLOCKED, refused.blocked or "refused by postproof's safety rules"
        failed = next((c for c in seen.gate.connections if c.error), None)
        if failed is not None and failed.host == host_of(seen.requested_url):
            return Status.UNAVAILABLE, f"{failed.host}: {failed.error}"
        if seen.crashed or "crash" in message.split("\n", 1)[0].lower():
            return Status.UNAVAILABLE, _CRASHED
        if "Timeout" in type(exc).__name__ or "Timeout" in message.split("\n", 1)[0]:
            return Status.UNAVAILABLE, _STALLED
        for code, status, reason in NET_ERRORS:
            if code in message:
                return status, f"{reason} ({code.rstrip('_')})"
        first_line = message.splitlines()[0] if message else type(exc).__name__
        return Status.UNAVAILABLE, f"the page could not be loaded: {first_line}"

    async def _stall_reason(self, seen: _Seen, page: Page | None, seconds: float) -> str:
        """Why a page never became ready, as precisely as the evidence shows: a crashed
        renderer, the byte budget, a renderer frozen by the page's own scripts, a page that
        arrived but never finished loading, or a server that sent nothing."""
        if seen.crashed:
            return _CRASHED
        gate = seen.gate
        if seen.decoded_over:
            return (
                "the page's responses decompressed to more than the budget of "
                f"{self.options.max_decoded_bytes / 1e6:g} MB (a compression bomb?): loading "
                "was stopped before the page was ready"
            )
        if gate is not None and gate.over_budget:
            return (
                f"the page sent more than the byte budget ({self.options.max_bytes / 1e6:g} MB): "
                f"loading was stopped after {gate.bytes_in} bytes, before the page was ready"
            )
        # The document's response headers reached the browser (TLS handshakes alone say nothing).
        host = host_of(seen.requested_url)
        arrived = seen.response is not None or any(host_of(u) == host for u in seen.wire)
        if not arrived:
            return f"the server did not deliver the page within {seconds:.0f} s"
        if page is not None and not page.is_closed() and not await _responsive(page):
            seen.frozen = True
            return (
                "the page's own scripts froze the browser's renderer (it stopped responding), "
                f"so the page could not be read within {seconds:.0f} s"
            )
        return (
            f"the server sent the page, but it did not finish loading within {seconds:.0f} s "
            "(a resource it waits for never came, or a page that never settles)"
        )

    async def _record_response(self, response: Response, seen: _Seen) -> None:
        seen.response = response
        seen.final_url = response.url
        seen.http_status = response.status
        headers = await response.headers_array()
        seen.server_date = next((h["value"] for h in headers if h["name"].lower() == "date"), None)
        try:
            security = await response.security_details()
        except PlaywrightError:
            security = None
        # The browser only sees the gate; the gate knows which address it connected to.
        assert seen.gate is not None
        host = host_of(response.url)
        seen.server_ip = seen.gate.address_of(host)
        seen.server_port = next(
            (c.port for c in seen.gate.connections if c.host == host and c.address), None
        )
        server = {"ipAddress": seen.server_ip, "port": seen.server_port}
        seen.redirects = await _redirect_chain(response.request)
        record = {
            "requested_url": seen.requested_url,
            "final_url": response.url,
            "status": response.status,
            "status_text": response.status_text,
            "headers": [
                {"name": name, "value": value}
                for name, value in redact_headers((h["name"], h["value"]) for h in headers)
            ],
            "redirects": [
                {"url": r.url, "status": r.status, "location": r.location} for r in seen.redirects
            ],
            "server": server,
            "tls": security,
        }
        seen.add(_json_artifact(ArtifactKind.HEADERS, record))

    async def _snapshot(
        self, page: Page, adapter: Adapter, seen: _Seen, deadline: _Deadline
    ) -> None:
        opts = self.options
        await self._scrub_page(page, seen, deadline)
        html_chars = await self._bounded(page.evaluate(_pagejs.HTML_LENGTH_JS), deadline, 10)
        if html_chars is not None and html_chars > opts.max_html_chars:
            seen.notes.append(
                f"the rendered HTML ({html_chars} characters) exceeds the budget; not kept"
            )
        html = None
        if html_chars is None or html_chars <= opts.max_html_chars:
            html = await self._bounded(page.content(), deadline, 20)
            if html is not None:
                seen.add(
                    Artifact.from_bytes(
                        ArtifactKind.HTML, html.encode("utf-8"), "text/html; charset=utf-8"
                    )
                )
        text = await self._bounded(
            page.evaluate(_pagejs.VISIBLE_TEXT_JS, opts.max_text_chars), deadline, 10
        )
        if text is not None:
            seen.add(
                Artifact.from_bytes(
                    ArtifactKind.TEXT, text.encode("utf-8"), "text/plain; charset=utf-8"
                )
            )
        metadata = await self._bounded(page.evaluate(_pagejs.METADATA_JS), deadline, 10)
        if metadata is not None:
            seen.add(_json_artifact(ArtifactKind.METADATA, metadata))
        raw = await self._bounded(
            page.evaluate(adapter.script(), adapter.js_args(seen.ref, page.url)), deadline, 15
        )
        await self._settle_recording(seen, deadline)
        served = served_page(seen.exchanges, page.url, html or "")
        post, reading_notes = adapter.read(served, seen.ref, raw)
        if seen.status is not None:
            return  # navigation already failed: keep what is visible, but no post fields
        snap = PageSnapshot(
            requested_url=seen.requested_url,
            final_url=page.url,
            http_status=seen.http_status,
            title=(metadata or {}).get("title") or "",
            text=text or "",
            post_found=post is not None,
            metadata=metadata or {},
            verdict=adapter.verdict(served, seen.ref),
            from_metadata=post is not None and adapter.read_from_metadata,
        )
        status, reason = self._classify(adapter, snap)
        seen.fail(status, reason or "")
        if status is Status.OK:
            seen.post = post
            seen.notes.extend(reading_notes)
            for artifact in adapter.extras(raw):
                seen.add(artifact)
            if post is not None:
                seen.add(_json_artifact(ArtifactKind.POST, post.to_json()))
        if seen.status is Status.OK:
            seen.reason = None

    async def _media(self, post: PostFields, seen: _Seen, deadline: _Deadline) -> None:
        """Keep the post's images as the platform served them (the bytes the browser received:
        no second download), so that what they show can be checked later; and its videos,
        downloaded at the best quality offered, with their keyframes."""
        videos: list[str] = []
        for media in post.media:
            if media.kind == "video":
                if media.url not in videos:
                    videos.append(media.url)
                continue
            response = seen.images.get(media.url)
            if media.kind != "image" or response is None:
                if media.kind == "image":
                    seen.notes.append(f"the image {media.url[:200]} was not loaded by the page")
                continue
            decoded = seen.decoded.get(media.url, 0)
            if decoded > self.options.max_media_bytes:
                # Known from the browser's own count: the body is never loaded into memory.
                seen.notes.append(
                    f"the image {media.url[:200]} is {decoded} bytes once decompressed, over the "
                    f"{self.options.max_media_bytes / 1e6:g} MB limit; not kept"
                )
                continue
            read = await self._bounded(self._body(response, seen), deadline, 15)
            body = read[0] if read is not None else None
            if not body or len(body) > self.options.max_media_bytes:
                seen.notes.append(f"the image {media.url[:200]} could not be kept")
                continue
            media_type = response.headers.get("content-type") or "application/octet-stream"
            phash, dhash = await asyncio.to_thread(perceptual_hashes, body)
            seen.add(
                Artifact.from_bytes(
                    ArtifactKind.MEDIA,
                    body,
                    media_type.split(";")[0].strip(),
                    phash=phash,
                    dhash=dhash,
                    source_url=media.url,
                )
            )

        if videos:
            await self._videos(videos, seen, deadline)

    async def _videos(self, urls: list[str], seen: _Seen, deadline: _Deadline) -> None:
        opts = self.options
        page_url = seen.final_url or seen.requested_url
        bytes_left = opts.max_video_bytes
        kept: list[dict[str, Any]] = []
        with tempfile.TemporaryDirectory(
            prefix="postproof-video-", ignore_cleanup_errors=True
        ) as scratch:
            for number, url in enumerate(urls):
                # The post's page first: a platform's extractor finds the best format there.
                # With several videos the page cannot say which is which, so each its own.
                candidates = [page_url, url] if len(urls) == 1 else [url]
                seconds = deadline.left() - VIDEO_TIME_RESERVE
                if seconds < 1:
                    seen.notes.append(f"no time was left to download the video {url[:200]}")
                    continue
                outcome = await self._download_video(
                    candidates, bytes_left, seconds, Path(scratch) / str(number), seen
                )
                if isinstance(outcome, DownloadFailed):
                    seen.notes.append(_video_failure(url, outcome, bytes_left, opts))
                    continue
                bytes_left -= len(outcome.data)
                frames, why = await asyncio.to_thread(
                    keyframes_or_reason, outcome.path, timeout=max(2.0, deadline.left(60) - 5)
                )
                if why:
                    seen.notes.append(f"no keyframes of the video {url[:200]}: {why}")
                video = Artifact.from_bytes(
                    ArtifactKind.MEDIA, outcome.data, outcome.media_type, source_url=url
                )
                seen.add(video)
                kept.append(
                    {"source_url": url, "sha256": video.sha256, "size": video.size}
                    | outcome.to_json()
                    | {"keyframes": [frame.to_json() for frame in frames]}
                )
        if kept:
            seen.add(_json_artifact(ArtifactKind.VIDEO_KEYFRAMES, {"videos": kept}))

    async def _download_video(
        self, urls: list[str], max_bytes: int, seconds: float, workdir: Path, seen: _Seen
    ) -> VideoDownload | DownloadFailed:
        """Download through a gate of its own: the same safety rules and host map as the
        page's, with the video budget instead of the page's. Closing it cuts a download that
        ran out of time (the blocking download cannot be cancelled any other way)."""
        gate = Gate(self.policy, max_bytes=max_bytes + VIDEO_PAGE_ALLOWANCE)
        await gate.start()
        job = asyncio.ensure_future(
            asyncio.to_thread(
                download_video,
                urls,
                proxy_url=gate.proxy_url,
                max_bytes=max_bytes,
                insecure=self.options.insecure,
                timeout=min(30.0, seconds),
                workdir=workdir,
            )
        )
        try:
            done, _ = await asyncio.wait({job}, timeout=seconds)
        finally:
            await gate.close()
            if seen.gate is not None:  # the capture's record of every connection it made
                seen.gate.connections.extend(gate.connections)
        if not done:
            return DownloadFailed(f"the download did not finish within {seconds:.0f} s")
        outcome = job.result()
        refused = next((c for c in gate.connections if c.blocked), None)
        if isinstance(outcome, DownloadFailed) and refused is not None:
            return DownloadFailed(f"{refused.host}: {refused.blocked}", outcome.too_large)
        if isinstance(outcome, DownloadFailed) and gate.over_budget:
            return DownloadFailed(outcome.reason, too_large=True)
        return outcome

    def _classify(self, adapter: Adapter, snap: PageSnapshot) -> tuple[Status, str | None]:
        verdict = adapter.classify(snap)
        if verdict is not None:
            return verdict
        code = snap.http_status or 0
        if code >= 500:
            return Status.UNAVAILABLE, f"the server answered HTTP {code}"
        if code in (404, 410):
            return Status.NOT_FOUND, f"the server answered HTTP {code}"
        if code == 401:
            return Status.LOGIN_WALL, "the server asks for a login (HTTP 401)"
        if code == 451:
            return Status.UNAVAILABLE, "the server withholds the page for legal reasons (HTTP 451)"
        if code == 429:
            return Status.UNAVAILABLE, "the server is rate limiting us (HTTP 429); try again later"
        if code >= 400:
            return Status.UNAVAILABLE, f"the server refused the page (HTTP {code})"
        if not snap.post_found:
            return Status.UNAVAILABLE, (
                f"the page loaded but no {adapter.NAME} post appeared on it within "
                f"{self.options.ready_timeout:g} s"
            )
        return Status.OK, None

    async def _screenshots(self, page: Page, seen: _Seen, deadline: _Deadline) -> None:
        opts = self.options
        height = await self._bounded(page.evaluate(_pagejs.PAGE_HEIGHT_JS), deadline, 5)
        height = max(1, int(height or opts.viewport[1]))
        capped = min(height, opts.max_screenshot_height)
        if capped < height:
            seen.notes.append(
                f"the page is {height} px tall; the screenshot keeps the top {capped} px"
            )
        shot = await self._bounded(
            page.screenshot(
                full_page=True,
                clip={"x": 0, "y": 0, "width": opts.viewport[0], "height": capped},
                animations="disabled",
                caret="hide",
                timeout=_ms(deadline.left(30)),
            ),
            deadline,
            30,
        )
        if shot is not None:
            seen.add(await asyncio.to_thread(_image_artifact, ArtifactKind.SCREENSHOT, shot))
        if seen.post is None:
            return
        element = page.locator("[data-postproof-post]").first
        try:
            count = await page.locator("[data-postproof-post]").count()
        except PlaywrightError:
            count = 0
        if count:
            post_shot = await self._bounded(
                element.screenshot(
                    animations="disabled", caret="hide", timeout=_ms(deadline.left(15))
                ),
                deadline,
                15,
            )
            if post_shot is not None:
                seen.add(
                    await asyncio.to_thread(
                        _image_artifact, ArtifactKind.POST_SCREENSHOT, post_shot
                    )
                )
        elif seen.post is not None and not any("screenshot of the post" in n for n in seen.notes):
            seen.notes.append(
                "no element of the page was identified as the post; no screenshot of the post "
                "alone was taken (the full-page screenshot shows what the page showed)"
            )

    async def _salvage(self, context: BrowserContext, seen: _Seen) -> None:
        """After a timeout, keep a picture of what the page showed, if it can still be taken."""
        if seen.has(ArtifactKind.SCREENSHOT) or not context.pages:
            return
        if not await self._scrub_page(context.pages[0], seen, _Deadline(6)):
            seen.notes.append(
                "no screenshot was kept: the page stopped answering before the logged-in "
                "session's secret values could be removed from it"
            )
            return
        try:
            shot = await asyncio.wait_for(context.pages[0].screenshot(timeout=5000), 6)
        except (PlaywrightError, TimeoutError):
            seen.notes.append("no screenshot could be taken: the page stopped responding")
            return
        seen.add(_image_artifact(ArtifactKind.SCREENSHOT, shot))

    @staticmethod
    async def _dismiss(dialog: Dialog, seen: _Seen) -> None:
        seen.notes.append(f"dismissed a JavaScript {dialog.type}: {dialog.message[:200]!r}")
        try:
            await dialog.dismiss()
        except PlaywrightError as exc:
            log.debug("dialog already gone: %s", exc)

    @staticmethod
    async def _close_popup(popup: Page, seen: _Seen) -> None:
        seen.notes.append(f"closed a popup window ({popup.url[:200]})")
        try:
            await popup.close()
        except PlaywrightError as exc:
            log.debug("popup already closed: %s", exc)

    @staticmethod
    async def _quiet(step: Awaitable[Any]) -> None:
        """Await a best-effort wait: a page that never goes idle is still captured."""
        try:
            await step
        except (PlaywrightError, TimeoutError):
            return

    @staticmethod
    async def _bounded(step: Awaitable[T], deadline: _Deadline, cap: float) -> T | None:
        try:
            return await asyncio.wait_for(step, max(0.5, deadline.left(cap)))
        except (PlaywrightError, TimeoutError) as exc:
            log.debug("page step skipped: %s", exc)
            return None

    def _result(self, seen: _Seen) -> CaptureResult:
        opts = self.options
        finished = opts.clock()
        status = seen.status or Status.UNAVAILABLE
        connections = [c.to_json() for c in seen.gate.connections] if seen.gate else []
        if seen.gate is not None:
            for c in seen.gate.connections:
                if c.blocked:
                    seen.notes.append(f"blocked a connection to {c.host}:{c.port}: {c.blocked}")
            if seen.decoded_over:
                seen.notes.append(
                    f"stopped loading: the page's responses decompressed to more than "
                    f"{opts.max_decoded_bytes} bytes ({seen.gate.bytes_in} bytes on the wire)"
                )
            elif seen.gate.over_budget:
                seen.notes.append(
                    f"stopped loading after {seen.gate.bytes_in} bytes (budget {opts.max_bytes})"
                )
        provenance = Provenance(
            requested_url=seen.requested_url,
            started_at=seen.started_at,
            finished_at=finished,
            tool_version=tool_version(),
            browser_name=f"Chromium ({self.choice.source})" if self.choice else "Chromium",
            browser_version=self.browser_version,
            user_agent=self.user_agent,
            viewport=opts.viewport,
            device_scale_factor=opts.device_scale_factor,
            locale=opts.locale,
            timezone=opts.timezone,
            options=opts.provenance_json(),
            final_url=seen.final_url,
            http_status=seen.http_status,
            server_date=seen.server_date,
            server_ip=seen.server_ip,
            server_port=seen.server_port,
            resolved_ips=seen.resolved_ips,
            redirects=seen.redirects,
            insecure=opts.insecure,
            notes=tuple(seen.notes),
        )
        record = provenance.to_json() | {
            "status": status.value,
            "reason": seen.reason,
            "platform": seen.ref.platform,
            "post_id": seen.ref.post_id,
            "canonical_url": seen.ref.canonical_url,
            "artifacts": {
                a.kind.value: a.sha256 for a in seen.artifacts.values() if a.source_url is None
            },
            "media": {a.source_url: a.sha256 for a in seen.artifacts.values() if a.source_url},
            "connections": connections,
            "tls": seen.tls,
            "http_protocol": (seen.wire.get(seen.final_url or "") or {}).get("protocol"),
        }
        artifacts = (*seen.artifacts.values(), _json_artifact(ArtifactKind.PROVENANCE, record))
        return CaptureResult(
            requested_url=seen.requested_url,
            canonical_url=seen.ref.canonical_url,
            platform=seen.ref.platform,
            post_id=seen.ref.post_id,
            status=status,
            reason=seen.reason,
            started_at=seen.started_at,
            finished_at=finished,
            final_url=seen.final_url,
            http_status=seen.http_status,
            post=seen.post,
            artifacts=artifacts,
            provenance=provenance,
        )


async def _redirect_chain(request: Request) -> tuple[Redirect, ...]:
    chain: list[Redirect] = []
    previous = request.redirected_from
    while previous is not None:
        response = await previous.response()
        if response is not None:
            location = await response.header_value("location")
            chain.append(Redirect(previous.url, response.status, location))
        previous = previous.redirected_from
    return tuple(reversed(chain))


def _scrub_recorded(seen: _Seen) -> None:
    """Replace the logged-in session's secret values in everything recorded, before anything is
    hashed or written: the traffic (URLs, headers, bodies), the artifacts, the post's fields,
    the redirects and the notes. The provenance says how many were replaced."""
    scrub = seen.scrubber
    seen.exchanges = [scrub.value(exchange) for exchange in seen.exchanges]
    artifacts: dict[tuple[ArtifactKind, str | None], Artifact] = {}
    for artifact in seen.artifacts.values():
        data, source = scrub.data(artifact.data), scrub.maybe_text(artifact.source_url)
        if data != artifact.data or source != artifact.source_url:
            artifact = Artifact.from_bytes(
                artifact.kind,
                data,
                artifact.media_type,
                phash=artifact.phash,
                dhash=artifact.dhash,
                source_url=source,
            )
        artifacts[(artifact.kind, artifact.source_url)] = artifact
    seen.artifacts = artifacts
    seen.post = scrub.value(seen.post)
    seen.redirects = scrub.value(seen.redirects)
    seen.final_url = scrub.maybe_text(seen.final_url)
    seen.reason = scrub.maybe_text(seen.reason)
    seen.notes = [scrub.text(note) for note in seen.notes]
    if scrub.replaced:
        seen.notes.append(
            f"{scrub.replaced} occurrence(s) of the logged-in session's secret values (cookie "
            f"values echoed by the page) were replaced by “{MARKER}” before anything was "
            "recorded or photographed"
        )


def _json_artifact(kind: ArtifactKind, value: Any) -> Artifact:
    data = json.dumps(value, ensure_ascii=False, sort_keys=True, indent=2).encode("utf-8")
    return Artifact.from_bytes(kind, data, "application/json")


def _image_artifact(kind: ArtifactKind, png: bytes) -> Artifact:
    phash, dhash = perceptual_hashes(png)
    return Artifact.from_bytes(kind, png, "image/png", phash=phash, dhash=dhash)


def _fetch_time(request: Request) -> datetime:
    """When the browser got the response headers, by its own clock (the WARC-Date of the
    exchange); the capture's injectable clock is kept for the capture's own start and end."""
    timing = request.timing
    start = timing.get("startTime", -1)
    if start and start > 0:
        offset = max(0.0, timing.get("responseStart", 0) or 0)
        return datetime.fromtimestamp((start + offset) / 1000, UTC)
    return utcnow()


def _pem(der: bytes) -> str:
    text = base64.b64encode(der).decode("ascii")
    lines = "".join(f"{text[i : i + 64]}\n" for i in range(0, len(text), 64))  # RFC 7468
    return f"-----BEGIN CERTIFICATE-----\n{lines}-----END CERTIFICATE-----\n"


def _video_failure(url: str, failed: DownloadFailed, bytes_left: int, opts: CaptureOptions) -> str:
    if not failed.too_large:
        return f"no video could be downloaded: {failed.reason}"
    budget = f"{opts.max_video_bytes / 1e6:g} MB"
    if bytes_left < opts.max_video_bytes:
        budget = f"{bytes_left / 1e6:g} MB left of the {budget}"
    return f"the video {url[:200]} is larger than the {budget} budget; not kept"


def _ms(seconds: float) -> float:
    return max(1.0, seconds * 1000)


OnResult = Callable[[str, CaptureResult], None]


@dataclass(frozen=True)
class ContextCapture:
    """A capture made because another post of the run replies to or quotes it."""

    capture_id: str
    result: CaptureResult
    relation: str  # "reply_parent" | "quoted"
    of_capture_id: str  # the capture whose post pointed here
    depth: int


async def capture_many(
    urls: Iterable[str],
    options: CaptureOptions,
    sink: CaptureSink,
    on_result: OnResult | None = None,
    *,
    context_depth: int = 0,
    on_context: Callable[[ContextCapture], None] | None = None,
) -> list[tuple[str, CaptureResult]]:
    """Capture every URL with one browser and ``options.concurrency`` pages at a time; store
    each result in ``sink`` as soon as it is ready. Results come back in input order.

    With ``context_depth`` > 0, the post a captured post replies to is captured too, and its own
    parent, up to that many levels; a quoted post is captured one level deep. Those captures
    are stored like any other and reported to ``on_context`` (not in the returned list)."""
    targets = list(urls)
    results: list[tuple[str, CaptureResult] | None] = [None] * len(targets)
    # (url, index in targets or None for context, relation, parent capture id, depth)
    queue: asyncio.Queue[tuple[str, int | None, str, str, int]] = asyncio.Queue()
    for index, url in enumerate(targets):
        queue.put_nowait((url, index, "", "", 0))
    seen_urls = {adapter_for(u).post_ref(u).canonical_url for u in targets}
    pending = len(targets)

    # One store at a time: the sink is a single database connection and blob writer.
    store_lock = asyncio.Lock()
    idle = asyncio.Event()

    async with Capturer(options) as capturer:

        def follow(capture_id: str, result: CaptureResult, depth: int) -> None:
            nonlocal pending
            post = result.post
            if post is None or depth >= context_depth:
                return
            for url, relation, limit in (
                (post.reply_to, "reply_parent", context_depth),
                (post.quote_of, "quoted", 1),
            ):
                if not url or depth >= limit or not url.startswith(("http://", "https://")):
                    continue
                canonical = adapter_for(url).post_ref(url).canonical_url
                if canonical in seen_urls:
                    continue
                seen_urls.add(canonical)
                pending += 1
                queue.put_nowait((url, None, relation, capture_id, depth + 1))

        async def worker() -> None:
            nonlocal pending
            while True:
                try:
                    url, index, relation, parent, depth = queue.get_nowait()
                except asyncio.QueueEmpty:
                    if pending == 0:
                        return
                    idle.clear()
                    await idle.wait()
                    continue
                try:
                    result = await capturer.capture(url)
                    async with store_lock:
                        capture_id = await asyncio.to_thread(sink.store, result)
                    if index is not None:
                        results[index] = (capture_id, result)
                        if on_result is not None:
                            on_result(capture_id, result)
                    elif on_context is not None:
                        on_context(ContextCapture(capture_id, result, relation, parent, depth))
                    follow(capture_id, result, depth)
                finally:
                    pending -= 1
                    idle.set()

        workers = max(1, min(options.concurrency, len(targets)))
        await asyncio.gather(*(worker() for _ in range(workers)))
    return [r for r in results if r is not None]


def served_page(exchanges: Sequence[Exchange], url: str, rendered: str) -> ServedPage:
    """The responses of the page that can hold its post, for the adapter to read."""
    responses = []
    for exchange in exchanges:
        if exchange.truncated or not exchange.body or not 200 <= exchange.status < 300:
            continue
        content_type = next(
            (v for k, v in exchange.response_headers if k.lower() == "content-type"), ""
        )
        media_type = content_type.split(";", 1)[0].strip().lower()
        responses.append(Served(exchange.url, exchange.status, media_type, exchange.body))
    return ServedPage.from_responses(url, responses, rendered)
