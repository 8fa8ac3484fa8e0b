"""Loading the page: the navigation, what its response says of the server (headers, address,
redirects, TLS certificate chain), waiting for the post to render, and why a page that never
arrived or never became ready did not."""

from __future__ import annotations

import asyncio
import base64
import contextlib
import hashlib
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

from playwright.async_api import Error as PlaywrightError
from playwright.async_api import Page, Request, Response
from playwright.async_api import TimeoutError as PlaywrightTimeoutError

from archiver._auth import redact_headers
from archiver._state import Seen, json_artifact
from archiver._timing import Deadline, ms
from archiver.models import Artifact, ArtifactKind, Redirect, Status
from archiver.platforms import Adapter, adapter_for
from archiver.urls import host_of

READY_POLL = 0.5  # seconds between looks at what the page received while waiting for the post
EVIDENCE_GRACE = 4.0  # seconds left to paint a post the page's data already holds
STOP_SECONDS = 2.0  # for a page cut by the byte budget to stop loading

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

_STALLED = "stalled"  # placeholder: stall_reason says which stall it was
_CRASHED = (
    "the page crashed the browser's renderer (out of memory, or a renderer fault) before it "
    "could be captured"
)


async def navigate(page: Page, seen: Seen, deadline: Deadline) -> None:
    # A quarter of the time stays for reading and screenshotting what did arrive.
    allowed = deadline.left() * 0.75
    going = asyncio.ensure_future(
        page.goto(seen.requested_url, wait_until="domcontentloaded", timeout=ms(allowed))
    )
    try:
        response = await _unless_budget_spent(going, seen)
    except BudgetSpent:
        seen.outcome.fail(Status.UNAVAILABLE, await stall_reason(seen, page, allowed))
        return
    except PlaywrightError as exc:
        status, reason = _explain(exc, seen)
        if reason == _STALLED:
            reason = await stall_reason(seen, page, allowed)
            seen.landing.silent = not delivered(seen)
        seen.outcome.fail(status, reason)
        return
    if response is not None:
        # What the response says, and the origin's certificate chain: asked of the browser at
        # once, each answer a round trip of its own.
        _, chain = await asyncio.gather(
            _record_response(response, seen), _tls_chain(seen, response.url)
        )
        if chain is not None:
            seen.outcome.add(chain)


class BudgetSpent(Exception):
    """The page had all the bytes it may have before it was loaded."""


async def _unless_budget_spent(
    going: asyncio.Future[Response | None], seen: Seen
) -> Response | None:
    """The navigation's answer; or, once the byte budget is spent (the gate has cut every
    connection, and a page cut mid-document may never finish loading), its loading stopped and
    :class:`BudgetSpent` raised at once, instead of the time left being waited out."""
    gate = seen.traffic.gate
    if gate is None:
        return await going
    spent = asyncio.ensure_future(gate.spent.wait())
    try:
        await asyncio.wait((going, spent), return_when=asyncio.FIRST_COMPLETED)
    except asyncio.CancelledError:  # the capture itself is stopped: the navigation with it
        going.cancel()
        raise
    finally:
        spent.cancel()
    if going.done():
        return going.result()
    if seen.traffic.cdp is not None:
        with contextlib.suppress(PlaywrightError, TimeoutError):
            await asyncio.wait_for(seen.traffic.cdp.send("Page.stopLoading"), STOP_SECONDS)
    going.cancel()  # Playwright aborts the navigation's wait in its driver too
    with contextlib.suppress(PlaywrightError, asyncio.CancelledError):
        await going
    raise BudgetSpent


def follow_redirect(seen: Seen) -> Adapter:
    """A link that redirects to a post (a shortener, an old URL form) captures that post."""
    final_url = seen.landing.final_url
    if final_url and seen.adapter.NAME == "generic":
        landed = adapter_for(final_url)
        if landed.NAME != "generic":
            seen.adapter, seen.ref = landed, landed.post_ref(final_url)
    return seen.adapter


async def wait_ready(
    page: Page, adapter: Adapter, seen: Seen, deadline: Deadline, ready_timeout: float
) -> None:
    """Wait for the adapter's ready selector; but once the data the page received already
    holds the post, give the page only a short while more to paint it (for the screenshot)
    instead of the whole ready timeout."""
    loop = asyncio.get_running_loop()
    stop = loop.time() + deadline.left(ready_timeout)
    assert adapter.READY_SELECTOR is not None
    looked_at = -1
    evidence = False
    while (left := stop - loop.time()) > 0:
        try:
            await page.wait_for_selector(
                adapter.READY_SELECTOR, state="attached", timeout=ms(min(READY_POLL, left))
            )
            return
        except PlaywrightTimeoutError:
            pass
        except PlaywrightError:
            return  # the page is gone or navigating: the snapshot says what is left
        if evidence or len(seen.traffic.exchanges) == looked_at:
            continue
        looked_at = len(seen.traffic.exchanges)
        served = seen.traffic.served(page.url, "")
        if adapter.holds_post(served, seen.ref) or adapter.verdict(served, seen.ref):
            evidence = True
            stop = min(stop, loop.time() + EVIDENCE_GRACE)


def _explain(exc: PlaywrightError, seen: Seen) -> tuple[Status, str]:
    message = exc.message
    gate = seen.traffic.gate
    assert gate is not None
    refused = next((c for c in gate.connections if c.blocked), None)
    if refused is not None and seen.landing.response is None:
        # Nothing arrived yet, so the refused connection was the navigation (or a hop of it).
        return Status.BLOCKED, refused.blocked or "refused by postproof's safety rules"
    failed = next((c for c in gate.connections if c.error), None)
    if failed is not None and failed.host == host_of(seen.requested_url):
        return Status.UNAVAILABLE, f"{failed.host}: {failed.error}"
    if seen.landing.crashed or "crash" in message.split("\n", 1)[0].lower():
        return Status.UNAVAILABLE, _CRASHED
    if "Timeout" in type(exc).__name__ or "Timeout" in message.split("\n", 1)[0]:
        return Status.UNAVAILABLE, _STALLED
    for code, status, reason in NET_ERRORS:
        if code in message:
            return status, f"{reason} ({code.rstrip('_')})"
    first_line = message.splitlines()[0] if message else type(exc).__name__
    return Status.UNAVAILABLE, f"the page could not be loaded: {first_line}"


async def stall_reason(seen: Seen, page: Page | None, seconds: float) -> str:
    """Why a page never became ready, as precisely as the evidence shows: a crashed
    renderer, the byte budget, a renderer frozen by the page's own scripts, a page that
    arrived but never finished loading, or a server that sent nothing."""
    if seen.landing.crashed:
        return _CRASHED
    traffic = seen.traffic
    gate = traffic.gate
    if traffic.decoded_over:
        return (
            "the page's responses decompressed to more than the budget of "
            f"{traffic.max_decoded_bytes / 1e6:g} MB (a compression bomb?): loading "
            "was stopped before the page was ready"
        )
    if gate is not None and gate.over_budget:
        return (
            f"the page sent more than the byte budget ({traffic.max_bytes / 1e6:g} MB): "
            f"loading was stopped after {gate.bytes_in} bytes, before the page was ready"
        )
    if not delivered(seen):
        return f"the server did not deliver the page within {seconds:.0f} s"
    if page is not None and not page.is_closed() and not await _responsive(page):
        seen.landing.frozen = True
        return (
            "the page's own scripts froze the browser's renderer (it stopped responding), "
            f"so the page could not be read within {seconds:.0f} s"
        )
    return (
        f"the server sent the page, but it did not finish loading within {seconds:.0f} s "
        "(a resource it waits for never came, or a page that never settles)"
    )


def delivered(seen: Seen) -> bool:
    """Whether the document's response headers reached the browser (TLS handshakes alone say
    nothing)."""
    host = host_of(seen.requested_url)
    return seen.landing.response is not None or any(host_of(u) == host for u in seen.traffic.wire)


async def _responsive(page: Page, seconds: float = 2.0) -> bool:
    """Whether the page's renderer still runs a trivial script: a page spinning in an endless
    loop never answers."""
    try:
        await asyncio.wait_for(page.evaluate("0"), seconds)
    except (PlaywrightError, TimeoutError):
        return False
    return True


async def _record_response(response: Response, seen: Seen) -> None:
    landing = seen.landing
    landing.response = response
    landing.final_url = response.url
    landing.http_status = response.status
    headers, security = await asyncio.gather(response.headers_array(), _security(response))
    landing.server_date = next((h["value"] for h in headers if h["name"].lower() == "date"), None)
    # The browser only sees the gate; the gate knows which address it connected to.
    gate = seen.traffic.gate
    assert gate is not None
    host = host_of(response.url)
    landing.server_ip = gate.address_of(host)
    landing.server_port = next(
        (c.port for c in gate.connections if c.host == host and c.address), None
    )
    server = {"ipAddress": landing.server_ip, "port": landing.server_port}
    landing.redirects = await _redirect_chain(response.request)
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
            {"url": r.url, "status": r.status, "location": r.location} for r in landing.redirects
        ],
        "server": server,
        "tls": security,
    }
    seen.outcome.add(json_artifact(ArtifactKind.HEADERS, record))


async def _security(response: Response) -> Any:
    try:
        return await response.security_details()
    except PlaywrightError:
        return None


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


async def _tls_chain(seen: Seen, url: str) -> Artifact | None:
    """The certificate chain the origin served on the page's own connection (Chromium
    remembers it per origin; no second connection is made), to be kept; why not, in a note."""
    parts = urlsplit(url)
    cdp = seen.traffic.cdp
    if parts.scheme != "https" or cdp is None:
        return None
    try:
        reply = await cdp.send(
            "Network.getCertificate", {"origin": f"{parts.scheme}://{parts.netloc}"}
        )
    except PlaywrightError as exc:
        seen.outcome.notes.append(
            f"the TLS certificate chain could not be read: {exc.message[:200]}"
        )
        return None
    ders = [base64.b64decode(item) for item in reply.get("tableNames") or ()]
    if not ders:
        seen.outcome.notes.append("the browser kept no TLS certificate chain for the page")
        return None
    pem = "".join(_pem(der) for der in ders).encode("ascii")
    details = (seen.traffic.wire.get(url) or {}).get("securityDetails")
    seen.landing.tls = _tls_session(details or {}, ders, seen.traffic.protocol_of(url))
    return Artifact.from_bytes(ArtifactKind.TLS_CHAIN, pem, "application/x-pem-file")


def _tls_session(
    details: Mapping[str, Any], ders: list[bytes], http_protocol: Any
) -> dict[str, Any]:
    """The TLS session as the provenance records it: Chromium's security details of the
    response, and the chain's length and hashes."""
    return {
        "protocol": details.get("protocol"),
        "cipher": details.get("cipher"),
        "key_exchange": details.get("keyExchange") or None,
        "key_exchange_group": details.get("keyExchangeGroup"),
        "subject": details.get("subjectName"),
        "issuer": details.get("issuer"),
        "valid_from": details.get("validFrom"),
        "valid_to": details.get("validTo"),
        "san": details.get("sanList"),
        "chain_length": len(ders),
        "chain_sha256": [hashlib.sha256(der).hexdigest() for der in ders],
        "http_protocol": http_protocol,
    }


def _pem(der: bytes) -> str:
    text = base64.b64encode(der).decode("ascii")
    lines = "".join(f"{text[i : i + 64]}\n" for i in range(0, len(text), 64))  # RFC 7468
    return f"-----BEGIN CERTIFICATE-----\n{lines}-----END CERTIFICATE-----\n"
