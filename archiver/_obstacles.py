"""What stands between a reader and the post: dialogs and popup windows the page opens, a
consent wall, content that loads only when scrolled to, a truncated post."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from playwright.async_api import CDPSession, Dialog, Page
from playwright.async_api import Error as PlaywrightError

from archiver import _pagejs
from archiver._options import CaptureOptions
from archiver._state import Seen
from archiver._timing import Deadline, bounded, quiet
from archiver.platforms import Adapter

log = logging.getLogger("postproof.capture")
SCROLL_REACTION = 0.25  # seconds a page that reacts to scrolling is given after each screen


async def clear_obstacles(
    page: Page, adapter: Adapter, seen: Seen, deadline: Deadline, opts: CaptureOptions
) -> None:
    """What stands between a reader and the post: a consent wall (refused where possible,
    else accepted), content that loads only when scrolled to, a truncated post. Then the page
    is left to settle (images in, fonts ready, two frames painted) before it is read. A page no
    taller than its window, with no consent wall, takes one call to the page for all of it."""
    notes = seen.outcome.notes
    asked = seen.traffic.data_asked
    first = await bounded(
        page.evaluate(_pagejs.FIRST_SCREEN_JS, adapter.SHOW_MORE_SELECTOR),
        deadline,
        3 + opts.settle_timeout,
    )
    first = first if isinstance(first, dict) else {}
    height = first.get("height")
    if clicked := first.get("clicked"):
        notes.append(f"dismissed a consent banner (clicked “{str(clicked)[:80]}”)")
        await quiet(page.wait_for_timeout(300))
        height = await bounded(page.evaluate(_pagejs.PAGE_HEIGHT_JS), deadline, 2)
    scrolled = (first.get("step"), asked, asyncio.get_running_loop().time())
    if first.get("settled"):
        expanded = first.get("expanded")
    else:
        start = int(height or 0)
        steps = await _scroll_lazy_content(page, seen, deadline, opts, start, scrolled)
        if steps > 1:
            notes.append(f"scrolled {steps} screens down to load lazy content")
        expanded = await bounded(
            page.evaluate(_pagejs.SHOW_MORE_OR_SETTLE_JS, adapter.SHOW_MORE_SELECTOR),
            deadline,
            3 + opts.settle_timeout,
        )
    if expanded:
        notes.append(f"expanded {expanded} “show more” control(s)")
        await quiet(page.wait_for_timeout(300))
        await bounded(page.evaluate(_pagejs.SETTLE_JS), deadline, opts.settle_timeout)


async def _scroll_lazy_content(
    page: Page,
    seen: Seen,
    deadline: Deadline,
    opts: CaptureOptions,
    start: int,
    first: tuple[Any, int, float],
) -> int:
    """Scroll down a screen at a time from the page's height ``start`` until the page stops
    growing, is tall enough or the scrolling's time is up; returns how many screens were
    scrolled. ``first``: the first screen's scroll, when the page's first call made it (its
    state, the data requests asked before it, when it was answered), else ``None`` as state.
    A page where something reacts to scrolling is given time to react after each screen (and to
    the data requests it makes then); a page where nothing does is scrolled through without
    waiting. Whether anything reacts is asked of the browser as soon as the page proves taller
    than its window, while the first screen is scrolled."""
    loop = asyncio.get_running_loop()
    stop_at = loop.time() + min(opts.scroll_seconds, deadline.left() * 0.2)
    steps, height = 0, start
    checking: asyncio.Future[bool] | None = None  # once the page proves taller than its window
    if height > opts.viewport[1]:
        checking = asyncio.ensure_future(reacts_to_scrolling(seen.traffic.cdp))
    given, asked, scrolled = first
    try:
        while steps < opts.scroll_steps and loop.time() < stop_at:
            if given is None:
                asked = seen.traffic.data_asked  # what the page asks for after this: its reaction
                state = await bounded(page.evaluate(_pagejs.SCROLL_STEP_JS), deadline, 2)
                scrolled = loop.time()
            else:
                state, given = given, None
            if not isinstance(state, dict):
                break
            steps += 1
            height = max(height, int(state.get("height") or 0))
            if height >= opts.max_screenshot_height:
                break
            if state.get("bottom") and not state.get("moved"):
                break  # a page shorter than the window, or already at its end: nothing to load
            if checking is None:
                checking = asyncio.ensure_future(reacts_to_scrolling(seen.traffic.cdp))
            # Content is appended a moment after the scroll event, once what it asked for
            # arrives; more is awaited at the bottom, where a page appends its next part.
            moment = SCROLL_REACTION * (2 if state.get("bottom") else 1)
            await _after_scroll(seen, checking, scrolled + moment, stop_at, asked)
            if state.get("bottom"):
                after = await bounded(page.evaluate(_pagejs.PAGE_HEIGHT_JS), deadline, 2)
                if int(after or 0) <= height:
                    break
                height = int(after or 0)
    finally:
        if checking is not None:
            checking.cancel()
    return steps


async def _after_scroll(
    seen: Seen, checking: asyncio.Future[bool], until: float, stop_at: float, asked: int
) -> None:
    """Give the page's reaction to a scroll its moment (until ``until``), then the data
    requests it made since the scroll (until ``stop_at``), unless ``checking`` finds nothing in
    the page that reacts to scrolling: the wait ends as soon as that is known. A check slower
    than the moment counts the page as one that reacts."""
    loop = asyncio.get_running_loop()
    if until > loop.time():
        await asyncio.wait([checking], timeout=until - loop.time())
    if checking.done() and not checking.cancelled() and checking.result() is False:
        return
    if until > loop.time():  # the check found a reaction before the moment was over
        await asyncio.sleep(until - loop.time())
    if stop_at > loop.time():
        await seen.traffic.data_arrived(stop_at - loop.time(), since=asked)


async def reacts_to_scrolling(cdp: CDPSession | None) -> bool:
    """Whether anything in the page may load content when it is scrolled: a scroll listener on
    the window or the document, or an IntersectionObserver, as the browser's own debugger
    sees them through the page's DevTools session ``cdp`` (the page's scripts are not asked).
    True when it cannot be told."""
    if cdp is None:
        return True
    group = {"objectGroup": "postproof-scroll"}
    try:
        window, document, observer = await asyncio.gather(
            *(
                cdp.send("Runtime.evaluate", {"expression": expression, **group})
                for expression in ("window", "document", "IntersectionObserver.prototype")
            )
        )
        on_window, on_document = await asyncio.gather(
            _listeners(cdp, window), _listeners(cdp, document)
        )
        if any(listener.get("type") == "scroll" for listener in (*on_window, *on_document)):
            return True
        # Only then the observers: finding them walks the page's whole heap.
        observers = await cdp.send(
            "Runtime.queryObjects", {"prototypeObjectId": observer["result"]["objectId"], **group}
        )
        count = await cdp.send(
            "Runtime.callFunctionOn",
            {
                "objectId": observers["objects"]["objectId"],
                "functionDeclaration": "function () { return this.length; }",
                "returnByValue": True,
            },
        )
        return bool(count["result"]["value"])
    except (PlaywrightError, KeyError, TypeError) as exc:
        log.debug("could not tell whether the page reacts to scrolling: %s", exc)
        return True
    finally:
        await quiet(cdp.send("Runtime.releaseObjectGroup", group))


async def _listeners(cdp: CDPSession, target: dict[str, Any]) -> list[dict[str, Any]]:
    answer = await cdp.send(
        "DOMDebugger.getEventListeners", {"objectId": target["result"]["objectId"]}
    )
    return list(answer.get("listeners") or ())


async def dismiss(dialog: Dialog, seen: Seen) -> None:
    seen.outcome.notes.append(f"dismissed a JavaScript {dialog.type}: {dialog.message[:200]!r}")
    try:
        await dialog.dismiss()
    except PlaywrightError as exc:
        log.debug("dialog already gone: %s", exc)


async def close_popup(popup: Page, seen: Seen) -> None:
    seen.outcome.notes.append(f"closed a popup window ({popup.url[:200]})")
    try:
        await popup.close()
    except PlaywrightError as exc:
        log.debug("popup already closed: %s", exc)
