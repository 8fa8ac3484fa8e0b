"""The capture engine's rules, each on a purpose-built page of the fixture web."""

from __future__ import annotations

import asyncio
import itertools
import json
import socket
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

import storage
from archiver import ArtifactKind, CaptureOptions, CaptureResult, Status, capture_many
from archiver.netpolicy import parse_host_map
from demo import FakeWeb, Request, Response
from demo import html as html_response
from demo.images import placeholder_photo
from tests.fixtureweb import FIXTURE_URLS, HUGE_BYTES, ODD

pytestmark = pytest.mark.browser


def capture_one(url: str, options: CaptureOptions, home: Path) -> tuple[str, CaptureResult]:
    with storage.open_archive(home) as archive:
        [(capture_id, result)] = asyncio.run(capture_many([url], options, archive))
    return capture_id, result


def notes(result: CaptureResult) -> str:
    return " | ".join(result.provenance.notes)


def test_clock_and_ids_are_injectable(options: CaptureOptions, tmp_path: Path) -> None:
    ticks = (datetime(2025, 3, 1, tzinfo=UTC) + timedelta(seconds=s) for s in itertools.count())
    ids = iter(["aaaa0001", "aaaa0002"])
    fixed = replace(options, clock=lambda: next(ticks))
    with storage.open_archive(tmp_path, clock=lambda: datetime(2025, 3, 2, tzinfo=UTC),
                              new_id=lambda: next(ids)) as archive:  # fmt: skip
        results = asyncio.run(capture_many([FIXTURE_URLS["x_live"]], fixed, archive))
        record = archive.get_capture("aaaa0001")
    [(capture_id, result)] = results
    assert capture_id == "aaaa0001"
    assert record.started_at == datetime(2025, 3, 1, tzinfo=UTC)
    assert record.finished_at == datetime(2025, 3, 1, 0, 0, 1, tzinfo=UTC)
    provenance = json.loads(result.artifact(ArtifactKind.PROVENANCE).data)  # type: ignore[union-attr]
    assert provenance["started_at"] == "2025-03-01T00:00:00.000Z"


@pytest.fixture(scope="module")
def leaky_web(web: FakeWeb) -> FakeWeb:
    """A page on a vouched-for host that reaches for a private one, directly and by redirect."""
    secret = placeholder_photo("secret", size=(64, 64))

    def page(request: Request) -> Response:
        return html_response(
            "<html><head><title>Leaky</title></head><body><article><p>Un article ordinaire.</p>"
            '<img src="https://intranet.example/secret.png" alt="direct">'
            '<img src="https://leaky.example/hop.png" alt="by redirect"></article></body></html>'
        )

    def hop(request: Request) -> Response:
        return Response(302, b"", headers=(("Location", "https://intranet.example/secret.png"),))

    def secret_png(request: Request) -> Response:
        return Response(200, secret, content_type="image/png")

    web.add_route("leaky.example", r"/page", page)
    web.add_route("leaky.example", r"/hop\.png", hop)
    web.add_route("intranet.example", r"/secret\.png", secret_png)
    return web


def test_requests_to_private_addresses_are_blocked_even_from_an_allowed_page(
    leaky_web: FakeWeb, options: CaptureOptions, tmp_path: Path
) -> None:
    strict = replace(
        options,
        allow_private=False,
        allow_private_hosts=frozenset({"leaky.example"}),
        host_map=parse_host_map(leaky_web.host_map()),
    )
    before = len(leaky_web.requests)
    _, result = capture_one("https://leaky.example/page", strict, tmp_path)
    assert result.status is Status.OK
    assert "blocked a connection to intranet.example:443" in notes(result)
    reached = [r for r in leaky_web.requests[before:] if r.host == "intranet.example"]
    assert reached == [], "the browser reached a private address it was not allowed"


def test_byte_budget_stops_a_huge_page(options: CaptureOptions, tmp_path: Path) -> None:
    # Within the default budget and with the time it needs, the 3 MB page is read whole.
    _, whole = capture_one(FIXTURE_URLS["odd_huge"], replace(options, timeout=40), tmp_path / "w")
    assert whole.status is Status.OK, whole.reason
    text = whole.artifact(ArtifactKind.TEXT)
    assert text is not None and "Une page énorme" in text.data.decode("utf-8")


@pytest.mark.timeout(150)
def test_a_page_over_its_byte_budget_is_not_waited_for(
    options: CaptureOptions, tmp_path: Path
) -> None:
    """Cut off mid-document, a page may never finish loading: once the budget is spent the
    capture keeps what arrived at once, instead of waiting out its 10 minutes (the test's
    own timeout is far shorter)."""
    small = replace(options, max_bytes=1_000_000, timeout=600)
    _, result = capture_one(FIXTURE_URLS["odd_huge"], small, tmp_path)
    assert result.status is Status.UNAVAILABLE
    assert "more than the byte budget (1 MB)" in (result.reason or ""), result.reason
    assert "stopped loading after" in notes(result)
    html = result.artifact(ArtifactKind.HTML)
    assert html is not None and html.size < HUGE_BYTES // 2


def test_a_page_that_never_gets_ready_says_why(options: CaptureOptions, tmp_path: Path) -> None:
    """Signed evidence names the stall as it was: a frozen renderer, the byte budget, a server
    that sent nothing — never all of them as "the server did not deliver the page"."""
    short = replace(options, timeout=8)
    stalls = [
        (f"https://{ODD}/freeze", short, tmp_path / "frozen"),
        (FIXTURE_URLS["odd_huge"], replace(short, max_bytes=200_000), tmp_path / "cut"),
        (FIXTURE_URLS["odd_hang"], short, tmp_path / "silent"),
    ]
    with ThreadPoolExecutor(len(stalls)) as pool:  # each waits out its timeout: side by side
        frozen, cut, silent = (r for _, r in pool.map(lambda s: capture_one(*s), stalls))
    assert frozen.status is Status.UNAVAILABLE
    assert "froze the browser's renderer" in (frozen.reason or ""), frozen.reason
    assert cut.status is Status.UNAVAILABLE
    assert "byte budget" in (cut.reason or ""), cut.reason
    assert "did not deliver the page" in (silent.reason or ""), silent.reason


def test_invalid_certificate_is_refused_unless_insecure(
    options: CaptureOptions, tmp_path: Path
) -> None:
    _, result = capture_one(FIXTURE_URLS["x_live"], replace(options, insecure=False), tmp_path)
    assert result.status is Status.UNAVAILABLE
    assert "--insecure" in (result.reason or "")
    assert result.provenance.insecure is False


def test_refused_connection_is_unavailable_and_says_why(
    options: CaptureOptions, tmp_path: Path
) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed_port = probe.getsockname()[1]
    mapped = replace(options, host_map=parse_host_map([f"refused.example=127.0.0.1:{closed_port}"]))
    _, result = capture_one("https://refused.example/post/1", mapped, tmp_path)
    assert result.status is Status.UNAVAILABLE
    assert result.reason is not None and "could not connect" in result.reason
    assert result.artifact(ArtifactKind.PROVENANCE) is not None
