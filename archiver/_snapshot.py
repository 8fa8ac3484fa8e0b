"""What the page shows, kept: its HTML, visible text and metadata, the post's fields as the
adapter reads them, the capture's status, and the screenshots (the whole page and the post
alone). A logged-in session's secret values are replaced in the live page first."""

from __future__ import annotations

import asyncio
import base64
import math
from collections.abc import Mapping
from typing import Any

from playwright.async_api import BrowserContext, CDPSession, Page
from playwright.async_api import Error as PlaywrightError

from archiver import _pagejs
from archiver._options import CaptureOptions
from archiver._secrets import MARKER
from archiver._state import Seen, json_artifact
from archiver._timing import Deadline, bounded, ms
from archiver.models import Artifact, ArtifactKind, Status
from archiver.platforms import Adapter, PageSnapshot

SETTLE_RECORDING = 2.0  # seconds to finish reading bodies before the post is read from them
DATA_GRACE = 3.0  # seconds for the page's data requests in flight before the post is read
STILL_FRAMES = 50  # frames besides the main one made still before the screenshots


async def scrub_page(page: Page, seen: Seen, deadline: Deadline) -> bool:
    """Replace the session's secret values in the live page before it is recorded or
    photographed. False when the page could not be asked (then it is not photographed)."""
    if not seen.scrubber:
        return True
    count = await bounded(
        page.evaluate(_pagejs.SCRUB_JS, [list(seen.scrubber.secrets), MARKER]), deadline, 5
    )
    if count is None:
        return False
    seen.scrubber.replaced += int(count)
    return True


async def snapshot(
    page: Page, adapter: Adapter, seen: Seen, deadline: Deadline, opts: CaptureOptions
) -> None:
    outcome = seen.outcome
    await scrub_page(page, seen, deadline)
    # The HTML's length, the visible text and the metadata in one reading of the page.
    reading = await bounded(
        page.evaluate(_pagejs.PAGE_READING_JS, opts.max_text_chars), deadline, 10
    )
    reading = reading if isinstance(reading, dict) else {}
    html = await _keep_html(page, seen, deadline, opts.max_html_chars, reading.get("htmlChars"))
    text = reading.get("text")
    if text is not None:
        outcome.add(
            Artifact.from_bytes(
                ArtifactKind.TEXT, text.encode("utf-8"), "text/plain; charset=utf-8"
            )
        )
    metadata = reading.get("metadata")
    if metadata is not None:
        outcome.add(json_artifact(ArtifactKind.METADATA, metadata))
    raw = await bounded(
        page.evaluate(adapter.script(), adapter.js_args(seen.ref, page.url)), deadline, 15
    )
    await seen.traffic.data_arrived(deadline.left(DATA_GRACE))
    await seen.traffic.settle(deadline.left(SETTLE_RECORDING))
    served = seen.traffic.served(page.url, html or "")
    post, reading_notes = adapter.read(served, seen.ref, raw)
    if outcome.status is not None:
        return  # navigation already failed: keep what is visible, but no post fields
    snap = PageSnapshot(
        requested_url=seen.requested_url,
        final_url=page.url,
        http_status=seen.landing.http_status,
        title=(metadata or {}).get("title") or "",
        text=text or "",
        post_found=post is not None,
        metadata=metadata or {},
        verdict=adapter.verdict(served, seen.ref),
        from_metadata=post is not None and adapter.read_from_metadata,
    )
    status, reason = classify(adapter, snap, opts.ready_timeout)
    outcome.fail(status, reason or "")
    if status is Status.OK:
        outcome.post = post
        outcome.notes.extend(reading_notes)
        for artifact in adapter.extras(raw):
            outcome.add(artifact)
        if post is not None:
            outcome.add(json_artifact(ArtifactKind.POST, post.to_json()))
    if outcome.status is Status.OK:
        outcome.reason = None


async def _keep_html(
    page: Page, seen: Seen, deadline: Deadline, max_chars: int, html_chars: int | None
) -> str | None:
    """The rendered HTML, kept unless it is over the budget (``html_chars``, its length, is
    read first, so that a huge page is never copied out of the browser)."""
    if html_chars is not None and html_chars > max_chars:
        seen.outcome.notes.append(
            f"the rendered HTML ({html_chars} characters) exceeds the budget; not kept"
        )
    html = None
    if html_chars is None or html_chars <= max_chars:
        html = await bounded(page.content(), deadline, 20)
        if html is not None:
            seen.outcome.add(
                Artifact.from_bytes(
                    ArtifactKind.HTML, html.encode("utf-8"), "text/html; charset=utf-8"
                )
            )
    return html


def classify(
    adapter: Adapter, snap: PageSnapshot, ready_timeout: float
) -> tuple[Status, str | None]:
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
            f"the page loaded but no {adapter.NAME} post appeared on it within {ready_timeout:g} s"
        )
    return Status.OK, None


async def screenshots(page: Page, seen: Seen, deadline: Deadline, opts: CaptureOptions) -> None:
    """The full-page screenshot (down to ``max_screenshot_height``), then the post's element
    alone. The page is made still first, as Playwright's screenshots make it; each picture is
    then one request to the browser over the page's DevTools session (the same request, with the
    same clip, that Playwright's screenshots end in, without their round trips to prepare and
    restore the page, measure it and find the element; its encoder asked for speed, see
    :func:`_photograph`). Without that session, Playwright's own screenshots are taken."""
    asked, _ = await asyncio.gather(
        bounded(page.evaluate(_pagejs.READY_FOR_SHOTS_JS), deadline, 5),
        _still_frames(page, deadline),
    )
    asked = asked if isinstance(asked, dict) else {}
    height = max(1, int(asked.get("height") or opts.viewport[1]))
    capped = min(height, opts.max_screenshot_height)
    if capped < height:
        seen.outcome.notes.append(
            f"the page is {height} px tall; the screenshot keeps the top {capped} px"
        )
    box: dict[str, float] = {"x": 0, "y": 0, "width": opts.viewport[0], "height": capped}
    shot = await _page_shot(page, seen.traffic.cdp, box, capped <= opts.viewport[1], deadline)
    if shot is not None:
        seen.outcome.add(_png(ArtifactKind.SCREENSHOT, shot))
    if seen.outcome.post is None:
        return
    await _post_screenshot(page, seen, deadline, marked=bool(asked.get("post")))


async def _still_frames(page: Page, deadline: Deadline) -> None:
    """The page's frames other than the main one made still too, as Playwright does for every
    frame (at most :data:`STILL_FRAMES` of them, side by side); a frame that cannot be asked
    (gone, or not answering) is left as it is."""
    frames = [f for f in page.frames if f is not page.main_frame][:STILL_FRAMES]
    await asyncio.gather(
        *(bounded(f.evaluate(_pagejs.STILL_FOR_SHOTS_JS), deadline, 2) for f in frames)
    )


async def _photograph(cdp: CDPSession, box: Mapping[str, float], *, fits: bool) -> bytes:
    """A PNG of ``box`` (CSS pixels, in the document's coordinates), as Playwright's
    screenshots take it: beyond the window unless it fits in it. The browser's PNG encoder is
    asked for speed over size: the same pixels (PNG is lossless either way), encoded about a
    third faster on the capture's critical path, in a file a third to two thirds larger."""
    answer = await cdp.send(
        "Page.captureScreenshot",
        {
            "format": "png",
            "clip": {**box, "scale": 1},
            "captureBeyondViewport": not fits,
            "optimizeForSpeed": True,
        },
    )
    return base64.b64decode(answer["data"])


async def _page_shot(
    page: Page, cdp: CDPSession | None, box: dict[str, float], fits: bool, deadline: Deadline
) -> bytes | None:
    """The page's picture within ``box`` (from its top): over ``cdp``, else Playwright's own."""
    if cdp is not None:
        return await bounded(_photograph(cdp, box, fits=fits), deadline, 30)
    return await bounded(
        page.screenshot(
            full_page=True,
            clip={"x": box["x"], "y": box["y"], "width": box["width"], "height": box["height"]},
            animations="disabled",
            caret="hide",
            timeout=ms(deadline.left(30)),
        ),
        deadline,
        30,
    )


async def _post_screenshot(page: Page, seen: Seen, deadline: Deadline, *, marked: bool) -> None:
    """The post alone: the element the adapter's script marked as the post (``marked``: the
    page said it holds one, when its height was asked)."""
    outcome = seen.outcome
    if marked:
        post_shot = await _post_shot(page, seen.traffic.cdp, deadline)
        if post_shot is not None:
            outcome.add(_png(ArtifactKind.POST_SCREENSHOT, post_shot))
    elif outcome.post is not None and not any("screenshot of the post" in n for n in outcome.notes):
        outcome.notes.append(
            "no element of the page was identified as the post; no screenshot of the post "
            "alone was taken (the full-page screenshot shows what the page showed)"
        )


async def _post_shot(page: Page, cdp: CDPSession | None, deadline: Deadline) -> bytes | None:
    """The marked element's picture: over ``cdp`` once it is in view and still, else
    Playwright's own element screenshot."""
    if cdp is None:
        element = page.locator("[data-postproof-post]").first
        return await bounded(
            element.screenshot(animations="disabled", caret="hide", timeout=ms(deadline.left(15))),
            deadline,
            15,
        )
    found = await bounded(page.evaluate(_pagejs.POST_BOX_JS), deadline, 5)
    if not isinstance(found, dict):
        return None
    fits = bool(found.get("fits"))
    return await bounded(_photograph(cdp, _enclosing(found), fits=fits), deadline, 15)


def _enclosing(box: Mapping[str, Any]) -> dict[str, float]:
    """The smallest box of whole pixels around ``box``, as Playwright rounds an element's."""
    x, y = math.floor(float(box["x"])), math.floor(float(box["y"]))
    right = math.ceil(float(box["x"]) + float(box["width"]))
    bottom = math.ceil(float(box["y"]) + float(box["height"]))
    return {"x": x, "y": y, "width": right - x, "height": bottom - y}


async def salvage(context: BrowserContext, seen: Seen) -> None:
    """After a timeout, keep a picture of what the page showed, if it can still be taken."""
    if seen.outcome.has(ArtifactKind.SCREENSHOT) or seen.landing.silent or not context.pages:
        return
    if not await scrub_page(context.pages[0], seen, Deadline(6)):
        seen.outcome.notes.append(
            "no screenshot was kept: the page stopped answering before the logged-in "
            "session's secret values could be removed from it"
        )
        return
    try:
        shot = await asyncio.wait_for(context.pages[0].screenshot(timeout=5000), 6)
    except (PlaywrightError, TimeoutError):
        seen.outcome.notes.append("no screenshot could be taken: the page stopped responding")
        return
    seen.outcome.add(_png(ArtifactKind.SCREENSHOT, shot))


def _png(kind: ArtifactKind, shot: bytes) -> Artifact:
    """A screenshot as taken; its perceptual hashes are computed once the page is closed
    (``_state.hash_screenshots``), off the page's time."""
    return Artifact.from_bytes(kind, shot, "image/png")
