"""A batch of hostile pages mixed with normal posts, captured in a process of its own so that its
peak memory is postproof's alone (``python -m tests.archiver.hostile_batch``). Prints one JSON
object: the peak resident memory of the process and, per URL, the status, the seconds taken and
the screenshots kept. Used by the tests; run by hand, it gives the figure the README states."""

from __future__ import annotations

import asyncio
import json
import resource
import sys
import tempfile
import time

import storage
from archiver import ArtifactKind, CaptureOptions, capture_many, parse_host_map
from tests.fixtureweb import FIXTURE_URLS, ODD, build_fixture_web

TIMEOUT = 12.0
NORMAL = ("x_live", "mastodon_live", "bsky_live", "youtube_live")
HOSTILE = (
    f"https://{ODD}/bombs?n=60",  # 60 gzip bombs: ~2.4 GB once decompressed, ~2.5 MB on the wire
    FIXTURE_URLS["odd_hang"],
    FIXTURE_URLS["odd_spin"],
    FIXTURE_URLS["odd_dialogs"],
    f"https://{ODD}/bombs?n=20",
)


def _peak_rss() -> int:
    """This process's own peak resident memory, in bytes: the high-water mark of its memory
    map (VmHWM). Not getrusage's ru_maxrss, which on Linux also keeps the peak of the process
    that started this one (exec carries it over), so that run from a big test process it
    reported the test process's memory, not postproof's."""
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024  # kB
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024  # no /proc: best effort


def main() -> None:
    web = build_fixture_web()
    web.start()
    try:
        options = CaptureOptions(
            timeout=TIMEOUT,
            concurrency=2,
            allow_private=True,
            insecure=True,
            host_map=parse_host_map(web.host_map()),
        )
        urls = [
            *HOSTILE[:3],
            FIXTURE_URLS[NORMAL[0]],
            *HOSTILE[3:],
            *(FIXTURE_URLS[n] for n in NORMAL[1:]),
        ]
        normal = {FIXTURE_URLS[n] for n in NORMAL}
        with tempfile.TemporaryDirectory() as home, storage.open_archive(home) as archive:
            started = time.monotonic()
            results = asyncio.run(capture_many(urls, options, archive))
            wall = time.monotonic() - started
            rows = []
            for url, (capture_id, result) in zip(urls, results, strict=True):
                kinds = {a.kind for a in result.artifacts}
                rows.append(
                    {
                        "url": url,
                        "normal": url in normal,
                        "status": result.status.value,
                        "reason": result.reason,
                        "seconds": (result.finished_at - result.started_at).total_seconds(),
                        "screenshot": ArtifactKind.SCREENSHOT in kinds,
                        "post_screenshot": ArtifactKind.POST_SCREENSHOT in kinds,
                        "capture_id": capture_id,
                    }
                )
    finally:
        web.stop()
    peak = _peak_rss()
    json.dump({"peak_rss": peak, "timeout": TIMEOUT, "wall": wall, "captures": rows}, sys.stdout)


if __name__ == "__main__":
    main()
