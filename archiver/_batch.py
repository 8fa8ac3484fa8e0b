"""Many captures in one browser: ``concurrency`` pages at a time, each capture finished and
stored while the next pages load.

A capture's page work (loading, reading, the screenshots) needs the browser; what follows does
not: the screenshots' perceptual hashes, the provenance record, the WARC, storing. So a worker
hands each page it has visited to the storing stage and opens its next URL at once. The storing
stage finishes and stores one capture at a time, in a thread (the sink is one database
connection and blob writer), in the order the pages were done. Its queue holds at most
``concurrency`` visited pages: when storing falls behind, the workers wait for it, so the
memory a run holds stays bounded.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from archiver._state import Visited
from archiver.models import CaptureResult, CaptureSink
from archiver.platforms import canonical_url

if TYPE_CHECKING:
    from archiver.capture import Capturer

OnResult = Callable[[str, CaptureResult], None]


@dataclass(frozen=True)
class ContextCapture:
    """A capture made because another post of the run replies to or quotes it."""

    capture_id: str
    result: CaptureResult
    relation: str  # "reply_parent" | "quoted"
    of_capture_id: str  # the capture whose post pointed here
    depth: int


@dataclass(frozen=True)
class _Job:
    url: str
    index: int | None  # its place among the URLs asked for; None for a context capture
    relation: str = ""
    parent: str = ""  # the capture whose post pointed here
    depth: int = 0


class Batch:
    """One :func:`archiver.capture.capture_many` call: the URLs to visit, the pages visited and
    waiting to be stored, and what was stored."""

    def __init__(
        self,
        capturer: Capturer,
        sink: CaptureSink,
        *,
        concurrency: int,
        context_depth: int,
        on_result: OnResult | None,
        on_context: Callable[[ContextCapture], None] | None,
    ) -> None:
        self.capturer = capturer
        self.sink = sink
        self.concurrency = max(1, concurrency)
        self.context_depth = context_depth
        self.on_result = on_result
        self.on_context = on_context
        self.todo: asyncio.Queue[_Job] = asyncio.Queue()
        # None: no page is coming any more (a worker failed); what is queued is still stored.
        self.visited: asyncio.Queue[tuple[_Job, Visited] | None] = asyncio.Queue(
            maxsize=self.concurrency
        )
        self.pending = 0  # URLs taken on and not yet stored
        self.idle = asyncio.Event()  # set when a capture is stored (a worker may find more)
        self.seen_urls: set[str] = set()
        self.results: list[tuple[str, CaptureResult] | None] = []

    async def run(self, targets: Sequence[str]) -> list[tuple[str, CaptureResult]]:
        """Capture and store ``targets`` (and the posts they lead to); results in input order."""
        self.results = [None] * len(targets)
        for index, url in enumerate(targets):
            self.todo.put_nowait(_Job(url, index))
        self.seen_urls = {canonical_url(u) for u in targets}
        self.pending = len(targets)
        count = max(1, min(self.concurrency, len(targets)))
        workers = [asyncio.ensure_future(self._work()) for _ in range(count)]
        storing = asyncio.ensure_future(self._store_all())
        try:
            await self._until_done(workers, storing)
        finally:
            for task in (*workers, storing):
                task.cancel()
            await asyncio.gather(*workers, storing, return_exceptions=True)
        return [r for r in self.results if r is not None]

    async def _until_done(
        self, workers: Sequence[asyncio.Future[None]], storing: asyncio.Future[None]
    ) -> None:
        """Wait for every capture to be stored. A worker that fails (the browser stopped
        working) stops the others, but the pages already visited are still stored before its
        error is raised; a failure to store is raised at once."""
        done, _ = await asyncio.wait([*workers, storing], return_when=asyncio.FIRST_EXCEPTION)
        if storing in done:
            storing.result()  # raises the sink's error, if it failed
            return
        failed = next(t for t in done if t.exception() is not None)
        for worker in workers:
            worker.cancel()
        await asyncio.gather(*workers, return_exceptions=True)
        await self.visited.put(None)
        await storing
        failed.result()

    async def _work(self) -> None:
        while True:
            try:
                job = self.todo.get_nowait()
            except asyncio.QueueEmpty:
                if self.pending == 0:
                    return
                self.idle.clear()
                await self.idle.wait()
                continue
            visited = await self.capturer.visit(job.url)
            await self.visited.put((job, visited))

    async def _store_all(self) -> None:
        while self.pending:
            item = await self.visited.get()
            if item is None:
                return
            job, visited = item
            try:
                capture_id, result = await asyncio.to_thread(self._store, visited)
                self._report(job, capture_id, result)
                self._follow(job, capture_id, result)
            finally:
                self.pending -= 1
                self.idle.set()

    def _store(self, visited: Visited) -> tuple[str, CaptureResult]:
        result = self.capturer.finish(visited)
        return self.sink.store(result), result

    def _report(self, job: _Job, capture_id: str, result: CaptureResult) -> None:
        if job.index is not None:
            self.results[job.index] = (capture_id, result)
            if self.on_result is not None:
                self.on_result(capture_id, result)
        elif self.on_context is not None:
            context = ContextCapture(capture_id, result, job.relation, job.parent, job.depth)
            self.on_context(context)

    def _follow(self, job: _Job, capture_id: str, result: CaptureResult) -> None:
        """Take on the post ``result`` replies to and the post it quotes, within the depth."""
        post = result.post
        if post is None or job.depth >= self.context_depth:
            return
        for url, relation, limit in (
            (post.reply_to, "reply_parent", self.context_depth),
            (post.quote_of, "quoted", 1),
        ):
            if not url or job.depth >= limit or not url.startswith(("http://", "https://")):
                continue
            canonical = canonical_url(url)
            if canonical in self.seen_urls:
                continue
            self.seen_urls.add(canonical)
            self.pending += 1
            self.todo.put_nowait(_Job(url, None, relation, capture_id, job.depth + 1))
