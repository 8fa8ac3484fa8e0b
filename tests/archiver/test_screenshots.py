"""The screenshots are taken over the page's DevTools session, not through Playwright's screenshot
calls: they must show what Playwright's own screenshots of the same page show."""

from __future__ import annotations

import asyncio
import io
import math
from dataclasses import replace
from pathlib import Path

import pytest
from PIL import Image
from playwright.sync_api import sync_playwright

import storage
from archiver import (
    ArtifactKind,
    CaptureOptions,
    CaptureResult,
    adapter_for,
    capture_many,
    parse_host_map,
)
from demo import FakeWeb, Request, Response
from demo import html as html_response
from tests.fixtureweb import FIXTURE_URLS, own_browser

pytestmark = pytest.mark.browser

RED, BLUE, GREEN = (255, 0, 0), (0, 0, 255), (0, 128, 0)


def capture(url: str, options: CaptureOptions, home: Path) -> CaptureResult:
    with storage.open_archive(home) as archive:
        [(_, result)] = asyncio.run(capture_many([url], options, archive))
    return result


def image(result: CaptureResult, kind: ArtifactKind) -> Image.Image:
    artifact = result.artifact(kind)
    assert artifact is not None, kind
    return Image.open(io.BytesIO(artifact.data)).convert("RGB")


def test_the_post_screenshot_is_the_marked_element_whole(
    web: FakeWeb, options: CaptureOptions, tmp_path: Path
) -> None:
    url = FIXTURE_URLS["x_live"]
    result = capture(url, options, tmp_path)
    post, page = image(result, ArtifactKind.POST_SCREENSHOT), image(result, ArtifactKind.SCREENSHOT)
    # The photograph of the post's element shows, pixel for pixel, a part of the page's own...
    found = _find(page, post)
    assert found is not None, "the post's picture is not a part of the page's"
    # ... the part where the element the adapter marks lies, as a browser of its own lays the
    # same page out in the same window (whole pixels around its box, as Playwright rounds it).
    left, top, right, bottom = _marked_box(web, url, options.viewport)
    assert found == (left, top)
    assert post.size == (right - left, bottom - top)


def _marked_box(web: FakeWeb, url: str, viewport: tuple[int, int]) -> tuple[int, int, int, int]:
    """The box, in whole pixels of the document, of the element the adapter's script marks as
    the post on ``url``, in a browser of its own (no gate, no capture)."""
    adapter = adapter_for(url)
    with sync_playwright() as pw:
        browser = own_browser(pw, web)
        try:
            page = browser.new_page(viewport={"width": viewport[0], "height": viewport[1]})
            page.goto(url)
            page.wait_for_selector(adapter.READY_SELECTOR or "body")
            page.evaluate(adapter.script(), adapter.js_args(adapter.post_ref(url), url))
            box = page.evaluate(
                """() => {
                  const r = document.querySelector('[data-postproof-post]').getBoundingClientRect();
                  return [r.left + scrollX, r.top + scrollY, r.right + scrollX, r.bottom + scrollY];
                }"""
            )
        finally:
            browser.close()
    left, top, right, bottom = box
    return math.floor(left), math.floor(top), math.ceil(right), math.ceil(bottom)


def _find(page: Image.Image, part: Image.Image) -> tuple[int, int] | None:
    """Where ``part`` sits in ``page`` (its top-left corner): its middle row of pixels found in
    a row of the page, then the whole of it checked there."""
    if part.width > page.width or part.height > page.height:
        return None
    middle = part.height // 2
    row = part.crop((0, middle, part.width, middle + 1)).tobytes()
    whole = part.tobytes()
    for top in range(page.height - part.height + 1):
        line = page.crop((0, top + middle, page.width, top + middle + 1)).tobytes()
        at = line.find(row)
        while at != -1:
            if at % 3 == 0:
                left = at // 3
                box = (left, top, left + part.width, top + part.height)
                if page.crop(box).tobytes() == whole:
                    return left, top
            at = line.find(row, at + 1)
    return None


@pytest.fixture(scope="module")
def moving_web(web: FakeWeb) -> FakeWeb:
    """A page that never stops moving: an infinite animation between red and blue, a finite
    transition that turns a box green over a minute, and a text field with its caret."""

    def page(request: Request) -> Response:
        return html_response(
            "<html><head><title>Moving</title><style>"
            "body{margin:0} #spin{width:200px;height:200px;background:rgb(255,0,0);"
            "animation:swap 0.4s linear infinite}"
            "@keyframes swap{from{background:rgb(255,0,0)}to{background:rgb(0,0,255)}}"
            "#late{width:200px;height:200px;background:rgb(255,255,255);"
            "transition:background 60s linear}"
            "#late.on{background:rgb(0,128,0)}"
            "</style></head><body><div id='spin'></div><div id='late'></div>"
            "<input id='field' autofocus value='x'>"
            "<script>requestAnimationFrame(() => requestAnimationFrame(() => "
            "document.getElementById('late').classList.add('on')))</script>"
            "</body></html>"
        )

    web.add_route("moving.example", r"/page", page)
    return web


def test_the_page_is_photographed_still(
    moving_web: FakeWeb, options: CaptureOptions, tmp_path: Path
) -> None:
    """As Playwright's screenshots with animations disabled: an infinite animation is shown
    as it was before it began (red), a finite one at its end (green), whenever the picture is
    taken."""
    mapped = replace(options, host_map=parse_host_map(moving_web.host_map()), timeout=30)
    result = capture("https://moving.example/page", mapped, tmp_path)
    assert result.status.value == "ok", result.reason
    page = image(result, ArtifactKind.SCREENSHOT)
    assert page.getpixel((100, 100)) == RED
    assert page.getpixel((100, 300)) == GREEN
