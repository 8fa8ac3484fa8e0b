"""Pages that fight back: a consent wall, content that loads only when scrolled to, a post cut
short behind "Show more". The capture gets past each and says what it did."""

from __future__ import annotations

import asyncio
from dataclasses import replace

import pytest

from archiver import ArtifactKind, CaptureOptions, CaptureResult, Status, parse_host_map
from archiver.capture import Capturer
from demo import FakeWeb, Request, Response
from demo.messages import Handler, html
from tests.fixtureweb import FIXTURE_URLS

pytestmark = pytest.mark.browser

LAZY = """<!doctype html><html><head><title>Long thread</title></head><body>
<article><h1>Long thread</h1><p>First part of the story.</p>
<div style="height:3000px"></div><div id="more"></div></article>
<script>
let loaded = false;
addEventListener('scroll', () => {
  if (loaded || scrollY + innerHeight < document.body.scrollHeight - 300) return;
  loaded = true;
  setTimeout(() => { document.getElementById('more').innerHTML =
    '<p>The part that loads only when scrolled to.</p><div style="height:2000px"></div>'; }, 100);
});
</script></body></html>"""

TRUNCATED = """<!doctype html><html><head><title>A long post</title></head><body>
<article><h1>A long post</h1>
<p id="text">The beginning of a long statement<span id="rest" hidden>, and the end that changes
everything</span>.</p>
<button onclick="document.getElementById('rest').hidden=false;this.remove()">Show more</button>
<a href="/elsewhere">Read more</a>
</article></body></html>"""


def _page(body: str) -> Handler:
    def handler(request: Request) -> Response:
        return html(body)

    return handler


def _capture(options: CaptureOptions, *urls: str) -> list[CaptureResult]:
    async def run() -> list[CaptureResult]:
        async with Capturer(options) as capturer:
            return [await capturer.capture(url) for url in urls]

    return asyncio.run(run())


def _text(result: CaptureResult, kind: ArtifactKind = ArtifactKind.TEXT) -> str:
    return next(a for a in result.artifacts if a.kind == kind).data.decode()


def test_obstacles_are_cleared(web: FakeWeb, options: CaptureOptions) -> None:
    web.add_route("obstacles.example", "/lazy", _page(LAZY))
    web.add_route("obstacles.example", "/long", _page(TRUNCATED))
    opts = replace(options, host_map=parse_host_map(web.host_map()))
    consent, lazy, long = _capture(
        opts,
        FIXTURE_URLS["odd_consent"],
        "https://obstacles.example/lazy",
        "https://obstacles.example/long",
    )
    assert consent.status is Status.OK
    assert any(
        "dismissed a consent banner" in n and "Continuer sans accepter" in n
        for n in consent.provenance.notes
    ), consent.provenance.notes
    assert 'id="consent"' not in _text(consent, ArtifactKind.HTML)

    assert "The part that loads only when scrolled to." in _text(lazy)
    assert any("scrolled" in n for n in lazy.provenance.notes)
    assert "the end that changes everything" in " ".join(_text(long).split())
    assert any("expanded 1" in n for n in long.provenance.notes)
    assert long.final_url == "https://obstacles.example/long"  # the navigating link was left alone
