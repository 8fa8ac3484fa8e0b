"""Pages that fight back: a consent wall, content that loads only when scrolled to, a post cut
short behind "Show more". The capture gets past each and says what it did."""

from __future__ import annotations

import asyncio
from dataclasses import replace

import pytest
from playwright.async_api import async_playwright

from archiver import ArtifactKind, CaptureOptions, CaptureResult, Status, parse_host_map
from archiver._obstacles import reacts_to_scrolling
from archiver.browser import launch
from archiver.capture import Capturer
from demo import FakeWeb, Request, Response
from demo.messages import Handler, html, text
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
    '<p>The part that loads only when scrolled to.</p><div style="height:2000px"></div>'; }, 200);
});
</script></body></html>"""

# The next part is asked for when the end of the page comes into view, and the platform takes its
# time to answer: longer than the moment a page is given after a scroll.
LAZY_ANSWER = """<!doctype html><html><head><title>Long thread</title></head><body>
<article><h1>Long thread</h1><p>First part of the story.</p>
<div style="height:1200px"></div><div id="end"></div></article>
<script>
const seen = new IntersectionObserver((entries) => {
  if (!entries.some((e) => e.isIntersecting)) return;
  seen.disconnect();
  fetch('/lazy-answer/more').then((r) => r.text()).then((t) => {
    document.getElementById('end').insertAdjacentHTML('beforeend', `<p>${t}</p>`); });
});
seen.observe(document.getElementById('end'));
</script></body></html>"""
SLOW_ANSWER = 1.0  # seconds the next part takes to arrive

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


def test_a_late_answer_to_a_scroll_is_awaited(web: FakeWeb, options: CaptureOptions) -> None:
    """What the page asks for when scrolled is awaited, past the moment a scroll is given: the
    part it appends is captured."""

    def more(request: Request) -> Response:
        web.stopping.wait(SLOW_ANSWER)
        return text("The part the platform answered late.")

    web.add_route("obstacles.example", "/lazy-answer", _page(LAZY_ANSWER))
    web.add_route("obstacles.example", "/lazy-answer/more", more)
    opts = replace(options, host_map=parse_host_map(web.host_map()))
    (lazy,) = _capture(opts, "https://obstacles.example/lazy-answer")
    assert lazy.status is Status.OK
    assert "The part the platform answered late." in _text(lazy)


SCROLL_REACTORS = {
    "a scroll listener on the window": (
        "<script>addEventListener('scroll', () => {})</script>",
        True,
    ),
    "a scroll listener on the document": (
        "<script>document.addEventListener('scroll', () => {}, {passive: true})</script>",
        True,
    ),
    "an onscroll attribute": ("<body onscroll='void 0'><p>A post.</p></body>", True),
    "an intersection observer": (
        "<p id='p'>A post.</p><script>new IntersectionObserver(() => {})"
        ".observe(document.getElementById('p'))</script>",
        True,
    ),
    "only a load listener": (
        "<p>A post.</p><script>addEventListener('load', () => {})</script>",
        False,
    ),
    "no script": ("<p>A post.</p>", False),
}


def test_what_reacts_to_scrolling_is_seen() -> None:
    """A page is given time after each scroll only when something in it reacts to scrolling."""

    async def run() -> dict[str, bool]:
        found = {}
        async with async_playwright() as pw:
            browser, _ = await launch(pw)
            try:
                context = await browser.new_context()
                for name, (body, _) in SCROLL_REACTORS.items():
                    page = await context.new_page()
                    await page.set_content(body)
                    found[name] = await reacts_to_scrolling(await context.new_cdp_session(page))
                    await page.close()
            finally:
                await browser.close()
        return found

    assert asyncio.run(run()) == {name: reacts for name, (_, reacts) in SCROLL_REACTORS.items()}
