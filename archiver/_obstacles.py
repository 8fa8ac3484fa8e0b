"""What stands between a reader and the post: dialogs and popup windows the page opens, a
consent wall, content that loads only when scrolled to, a truncated post."""

from __future__ import annotations

import asyncio
import logging

from playwright.async_api import Dialog, Page
from playwright.async_api import Error as PlaywrightError

from archiver import _pagejs
from archiver._options import CaptureOptions
from archiver._state import Seen
from archiver._timing import Deadline, bounded, quiet
from archiver.platforms import Adapter

log = logging.getLogger("postproof.capture")


async def clear_obstacles(
    page: Page, adapter: Adapter, seen: Seen, deadline: Deadline, opts: CaptureOptions
) -> None:
    """What stands between a reader and the post: a consent wall (refused where possible,
    else accepted), content that loads only when scrolled to, a truncated post."""
    notes = seen.outcome.notes
    clicked = await bounded(page.evaluate(_pagejs.CONSENT_JS), deadline, 3)
    if clicked:
        notes.append(f"dismissed a consent banner (clicked “{str(clicked)[:80]}”)")
        await quiet(page.wait_for_timeout(300))
    steps = await _scroll_lazy_content(page, deadline, opts)
    if steps > 1:
        notes.append(f"scrolled {steps} screens down to load lazy content")
    await bounded(page.evaluate(_pagejs.SCROLL_TOP_JS), deadline, 2)
    expanded = await bounded(
        page.evaluate(_pagejs.SHOW_MORE_JS, adapter.SHOW_MORE_SELECTOR), deadline, 3
    )
    if expanded:
        notes.append(f"expanded {expanded} “show more” control(s)")
        await quiet(page.wait_for_timeout(300))


async def _scroll_lazy_content(page: Page, deadline: Deadline, opts: CaptureOptions) -> int:
    """Scroll down a screen at a time until the page stops growing, is tall enough or the
    scrolling's time is up; returns how many screens were scrolled."""
    loop = asyncio.get_running_loop()
    stop_at = loop.time() + min(opts.scroll_seconds, deadline.left() * 0.2)
    start = await bounded(page.evaluate(_pagejs.PAGE_HEIGHT_JS), deadline, 2)
    steps, height = 0, int(start or 0)
    while steps < opts.scroll_steps and loop.time() < stop_at:
        state = await bounded(page.evaluate(_pagejs.SCROLL_STEP_JS), deadline, 2)
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
            await quiet(page.wait_for_timeout(500))
            after = await bounded(page.evaluate(_pagejs.PAGE_HEIGHT_JS), deadline, 2)
            if int(after or 0) <= height:
                break
            height = int(after or 0)
            continue
        await quiet(page.wait_for_timeout(250))
    return steps


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
