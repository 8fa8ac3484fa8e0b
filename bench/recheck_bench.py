"""Re-check throughput: N watched fixture posts re-checked in one run.

Serves N generated X-like posts on 127.0.0.1, captures them once (the baseline: the same
captures without any change detection), edits a tenth of them and deletes another tenth, then
re-checks all N with `watch.recheck` in the same process and prints posts per minute for both
passes, their ratio, the events found, and the peak memory of this process and of the browser
processes it started.

    .venv/bin/python bench/recheck_bench.py --posts 1000 --concurrency 2
"""

from __future__ import annotations

import argparse
import asyncio
import json
import resource
import tempfile
import time
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import storage
import watch
from archiver import CaptureOptions, capture_many, parse_host_map
from demo import FakeWeb, Platform, Post, PostState


def make_posts(count: int) -> list[Post]:
    start = datetime(2025, 1, 1, tzinfo=UTC)
    return [
        Post(
            Platform.X,
            str(1_800_000_000_000_000_000 + n),
            f"Reporter {n}",
            f"reporter{n}",
            start + timedelta(minutes=n),
            f"Post number {n}: the council voted {n % 97} amendments tonight.",
            lang="en",
            likes=n % 500,
        )
        for n in range(count)
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--posts", type=int, default=1000)
    parser.add_argument("--concurrency", type=int, default=2)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    posts = make_posts(args.posts)
    web = FakeWeb()
    for post in posts:
        web.add_post(post)
    with web, tempfile.TemporaryDirectory() as home:
        options = CaptureOptions(
            allow_private=True,
            insecure=True,
            concurrency=args.concurrency,
            host_map=parse_host_map(web.host_map()),
        )
        urls = [f"https://x.com/{p.handle}/status/{p.post_id}" for p in posts]
        with storage.open_archive(Path(home)) as archive:
            started = time.perf_counter()
            asyncio.run(capture_many(urls, options, archive))
            baseline = time.perf_counter() - started
            for post in posts[::10]:
                web.posts[post.post_id] = replace(post, text=post.text + " (corrected)")
            for post in posts[5::10]:
                web.posts[post.post_id] = replace(post, state=PostState.DELETED)
            chosen = watch.select_posts(archive, refs=[], all_posts=True, now=datetime.now(UTC))
            started = time.perf_counter()
            report = watch.recheck(
                archive, chosen, capture_options=options, options=watch.RecheckOptions()
            )
            rechecked = time.perf_counter() - started
    kinds: dict[str, int] = {}
    for event in report.events:
        kinds[event.kind] = kinds.get(event.kind, 0) + 1
    figures = {
        "posts": args.posts,
        "concurrency": args.concurrency,
        "capture_per_minute": round(args.posts / baseline * 60, 1),
        "recheck_per_minute": round(args.posts / rechecked * 60, 1),
        "ratio": round(rechecked / baseline, 2),
        "events": kinds,
        "peak_rss_mb_self": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        "peak_rss_mb_browser": round(
            resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024, 1
        ),
    }
    if args.json:
        print(json.dumps(figures))
        return
    print(
        f"{args.posts} posts, concurrency {args.concurrency}: first capture "
        f"{figures['capture_per_minute']}/min, re-check {figures['recheck_per_minute']}/min "
        f"(re-check takes {figures['ratio']}x the capture pass); events {kinds}; peak memory "
        f"{figures['peak_rss_mb_self']} MB (postproof), {figures['peak_rss_mb_browser']} MB "
        "(largest browser process)"
    )


if __name__ == "__main__":
    main()
