"""Recording a page's traffic: every HTTP exchange it made (for the WARC and for the adapter to
read the post from), the facts Chromium's own network events give of each response (protocol,
TLS session, bytes before and after decompression), and the images the page loaded.

Bodies are read through the capture's own DevTools session, whose buffer keeps no body over
the per-response budget once decompressed: a compression bomb is never held in memory.
"""

from __future__ import annotations

import asyncio
import base64
import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from playwright.async_api import BrowserContext, CDPSession, Page, Request, Response
from playwright.async_api import Error as PlaywrightError

from archiver._auth import redact_headers
from archiver._gate import Gate
from archiver._warc import Exchange
from archiver.models import utcnow
from archiver.platforms._page import Served, ServedPage
from archiver.urls import host_of

log = logging.getLogger("postproof.capture")
MAX_IMAGES_SEEN = 500
MAX_EXCHANGES = 3000  # HTTP exchanges recorded into one capture's WARC
DATA_TYPES = frozenset({"fetch", "xhr"})


@dataclass
class Traffic:
    """What one capture's page sent and received, as recorded so far."""

    max_bytes: int  # every body recorded, together (the page's byte budget)
    max_response_bytes: int  # one body held in memory; a larger one is recorded truncated
    max_decoded_bytes: int  # every response once decompressed, together
    gate: Gate | None = None  # the proxy every connection of the page goes through
    cdp: CDPSession | None = None
    exchanges: list[Exchange] = field(default_factory=list)
    recorded_bytes: int = 0
    recording: set[asyncio.Future[Any]] = field(default_factory=set)
    images: dict[str, Response] = field(default_factory=dict)  # image URL -> its response
    # The page's requests -> their responses, as the page's events gave them (a request of another
    # page of the context, a popup's, is asked for its response instead).
    responses: dict[Request, Response] = field(default_factory=dict)
    wire: dict[str, dict[str, Any]] = field(default_factory=dict)  # URL -> CDP response facts
    decoded: dict[str, int] = field(default_factory=dict)  # URL -> bytes after decompression
    decoded_total: int = 0
    decoded_over: bool = False  # the page's responses decompressed past the budget
    request_ids: dict[str, str] = field(default_factory=dict)  # URL -> its latest CDP request id
    encoded: dict[str, int] = field(default_factory=dict)  # CDP request id -> bytes on the wire
    body_reads: asyncio.Semaphore = field(default_factory=lambda: asyncio.Semaphore(2))
    # The page's own data requests (fetch, XHR) not yet answered: the platform's answers the post
    # is read from first.
    data_pending: dict[Request, int] = field(default_factory=dict)  # -> its number, in order
    data_asked: int = 0  # the page's data requests so far
    # Set once the page is closed: a body read still finishing then is not added, so that what
    # was recorded can be finished in another thread.
    closed: bool = False

    def saw_response(self, response: Response) -> None:
        if len(self.responses) < MAX_EXCHANGES:
            self.responses[response.request] = response
        if response.request.resource_type == "image" and len(self.images) < MAX_IMAGES_SEEN:
            self.images.setdefault(response.url, response)

    def protocol_of(self, url: str) -> Any:
        """The HTTP protocol Chromium negotiated for the response at ``url``, if it said."""
        return (self.wire.get(url) or {}).get("protocol")

    def served(self, url: str, rendered: str) -> ServedPage:
        return served_page(self.exchanges, url, rendered)

    def asked(self, request: Request) -> None:
        if request.resource_type in DATA_TYPES and len(self.data_pending) < MAX_EXCHANGES:
            self.data_asked += 1
            self.data_pending[request] = self.data_asked

    def answered(self, request: Request) -> None:
        self.data_pending.pop(request, None)

    async def data_arrived(self, seconds: float, *, since: int = 0) -> None:
        """Give the page's data requests still in flight (those asked after the first
        ``since``) ``seconds`` to be answered: a platform answer arriving a moment late is still
        read, instead of a post reported missing."""
        loop = asyncio.get_running_loop()
        stop = loop.time() + seconds
        while loop.time() < stop and any(n > since for n in self.data_pending.values()):
            await asyncio.sleep(0.05)

    def record(self, request: Request) -> None:
        if self.closed or len(self.exchanges) + len(self.recording) >= MAX_EXCHANGES:
            return
        task = asyncio.ensure_future(self._read_exchange(request))
        self.recording.add(task)
        task.add_done_callback(self.recording.discard)

    async def _read_exchange(self, request: Request) -> None:
        fetched_at = _fetch_time(request)
        try:
            response = self.responses.get(request) or await request.response()
            if response is None:
                return
            request_headers = await request.headers_array()
            response_headers = await response.headers_array()
            truncated = None
            if 300 <= response.status < 400:
                body = b""
            else:
                body, truncated = await self.body(response)
        except PlaywrightError as exc:
            log.debug("could not record %s: %s", request.url, exc)
            return
        if self.closed:
            return
        if self.recorded_bytes + len(body) > self.max_bytes:
            body, truncated = b"", "length"
        self.recorded_bytes += len(body)
        wire = self.wire.get(request.url, {})
        assert self.gate is not None
        self.exchanges.append(
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
                server_ip=self.gate.address_of(host_of(request.url)),
                protocol=wire.get("protocol"),
                cipher=(wire.get("securityDetails") or {}).get("cipher"),
                truncated=truncated,
            )
        )

    async def body(self, response: Response) -> tuple[bytes, str | None]:
        """A response's body, and why it is cut (WARC-Truncated), if it is. Read through the
        capture's own DevTools session, whose buffer keeps no body over ``max_response_bytes``
        once decompressed: a compression bomb is never held here, whatever its size on the
        wire. Two reads at a time, so that the bodies held at once stay few."""
        request_id = self.request_ids.get(response.url)
        limit = min(self.max_response_bytes, self.max_bytes)
        if self.decoded.get(response.url, 0) > limit:
            # Known too big from the bytes Chromium reported as they arrived: not read at all
            # (Chromium may still answer from its memory cache, whole).
            return b"", "length"
        async with self.body_reads:
            if self.cdp is None or request_id is None:
                try:  # no DevTools session: Playwright's own reading
                    body = await response.body()
                except PlaywrightError:
                    return b"", "unspecified"
            else:
                try:
                    answer = await self.cdp.send(
                        "Network.getResponseBody", {"requestId": request_id}
                    )
                except PlaywrightError:
                    return b"", "unspecified"
                text = answer.get("body") or ""
                body = base64.b64decode(text) if answer.get("base64Encoded") else text.encode()
                del answer, text
                if not body and self.encoded.get(request_id, 0) > 0:
                    return b"", "length"  # too big once decompressed: the buffer dropped it
        if len(body) > limit:
            return b"", "length"
        return body, None

    async def settle(self, seconds: float) -> None:
        """Give the bodies being read ``seconds`` to finish; what is not read by then is not
        recorded (or not yet)."""
        pending = list(self.recording)
        if pending:
            await asyncio.wait(pending, timeout=seconds)

    async def watch_wire(self, context: BrowserContext, page: Page) -> None:
        """Listen to Chromium's own network events: the negotiated protocol and TLS session of
        each response, which Playwright's API does not expose."""
        try:
            cdp = await context.new_cdp_session(page)
            # This session's buffer is where response bodies are read from (see body): it keeps
            # none larger than max_response_bytes once decompressed.
            await cdp.send(
                "Network.enable",
                {
                    "maxResourceBufferSize": self.max_response_bytes,
                    "maxTotalBufferSize": self.max_decoded_bytes,
                },
            )
        except PlaywrightError as exc:
            log.debug("no protocol details for this capture: %s", exc)
            return
        self.cdp = cdp
        urls: dict[str, str] = {}  # CDP request id -> URL
        cdp.on("Network.responseReceived", self._on_response)
        cdp.on("Network.requestWillBeSent", lambda event: self._on_request(event, urls))
        cdp.on("Network.loadingFinished", self._on_finished)
        cdp.on("Network.dataReceived", lambda event: self._on_data(event, urls))

    def _on_response(self, event: dict[str, Any]) -> None:
        response = event.get("response") or {}
        url = response.get("url")
        if url and len(self.wire) < MAX_EXCHANGES:
            self.wire[url] = {
                "protocol": response.get("protocol"),
                "securityDetails": response.get("securityDetails"),
            }

    def _on_request(self, event: dict[str, Any], urls: dict[str, str]) -> None:
        if len(urls) < 4 * MAX_EXCHANGES:
            url = (event.get("request") or {}).get("url", "")
            urls[event.get("requestId", "")] = url
            self.request_ids[url] = event.get("requestId", "")

    def _on_finished(self, event: dict[str, Any]) -> None:
        if len(self.encoded) < 4 * MAX_EXCHANGES:
            self.encoded[event.get("requestId", "")] = int(event.get("encodedDataLength") or 0)

    def _on_data(self, event: dict[str, Any], urls: dict[str, str]) -> None:
        size = int(event.get("dataLength") or 0)
        self.decoded_total += size
        url = urls.get(event.get("requestId", ""))
        if url:
            self.decoded[url] = self.decoded.get(url, 0) + size
        if self.decoded_total > self.max_decoded_bytes and not self.decoded_over:
            self.decoded_over = True
            if self.gate is not None:
                self.gate.spend_budget()


def _fetch_time(request: Request) -> datetime:
    """When the browser got the response headers, by its own clock (the WARC-Date of the
    exchange); the capture's injectable clock is kept for the capture's own start and end."""
    timing = request.timing
    start = timing.get("startTime", -1)
    if start and start > 0:
        offset = max(0.0, timing.get("responseStart", 0) or 0)
        return datetime.fromtimestamp((start + offset) / 1000, UTC)
    return utcnow()


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
