"""Live progress of a capture job as server-sent events (``text/event-stream``).

Each event carries its number as its id: a browser that reconnects sends ``Last-Event-ID``
and gets only what it missed; one that connects late gets everything from the start.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator

from starlette.requests import Request
from starlette.responses import StreamingResponse

from postproof.web._jobs import Job

POLL_SECONDS = 0.2
QUEUE_POLL_SECONDS = 1.0  # each look at a queued job's state is a few queries
FINAL_KINDS = frozenset({"done", "failed"})


def _first_wanted(request: Request) -> int:
    last = request.headers.get("last-event-id", "")
    return int(last) + 1 if last.isdigit() else 0


def job_events(request: Request, job: Job) -> StreamingResponse:
    async def events() -> AsyncIterator[str]:
        sent = _first_wanted(request)
        yield "retry: 1000\n\n"
        while True:
            if job.refresh is not None:  # a worker runs it: ask the queue
                await asyncio.to_thread(job.refresh)
            fresh = job.events[sent:]
            for event in fresh:
                yield f"id: {event['n']}\nevent: {event['kind']}\ndata: {json.dumps(event)}\n\n"
                if event["kind"] in FINAL_KINDS:
                    return
            sent += len(fresh)
            if await request.is_disconnected():
                return
            await asyncio.sleep(POLL_SECONDS if job.refresh is None else QUEUE_POLL_SECONDS)

    headers = {"cache-control": "no-store", "x-accel-buffering": "no"}
    return StreamingResponse(events(), media_type="text/event-stream", headers=headers)
