"""Every step of a capture is bounded in time: the capture's deadline, and the two ways a step
is awaited within it (a best-effort wait, and a step whose answer is dropped when late)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable
from typing import Any, TypeVar

from playwright.async_api import Error as PlaywrightError

log = logging.getLogger("postproof.capture")
T = TypeVar("T")


class Deadline:
    def __init__(self, seconds: float) -> None:
        loop = asyncio.get_running_loop()
        self._loop = loop
        self._end = loop.time() + seconds

    def left(self, cap: float | None = None) -> float:
        remaining = max(0.0, self._end - self._loop.time())
        return remaining if cap is None else min(cap, remaining)


async def quiet(step: Awaitable[Any]) -> None:
    """Await a best-effort wait: a page that never goes idle is still captured."""
    try:
        await step
    except (PlaywrightError, TimeoutError):
        return


async def bounded(step: Awaitable[T], deadline: Deadline, cap: float) -> T | None:
    try:
        return await asyncio.wait_for(step, max(0.5, deadline.left(cap)))
    except (PlaywrightError, TimeoutError) as exc:
        log.debug("page step skipped: %s", exc)
        return None


def ms(seconds: float) -> float:
    return max(1.0, seconds * 1000)
