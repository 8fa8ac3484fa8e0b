"""Capture cost against a bare Playwright loop, measured in one process.

Runs N full captures (every artifact, hashing, safety checks, storage into a real archive in a
temporary data home) of the demo story's posts, then N bare iterations of the same URLs with a
plain Playwright loop (new context, goto, full-page screenshot) on the same Chromium and the same
host mapping, and prints both rates and their ratio. Nothing is asserted: the figure is for
people to read.

    .venv/bin/python bench/capture_bench.py --posts 20 --concurrency 1
"""

from __future__ import annotations

import argparse
import asyncio
import json
import tempfile
import time
from pathlib import Path

from playwright.async_api import async_playwright

import storage
from archiver import CaptureOptions, capture_many, parse_host_map
from archiver.browser import BASE_ARGS, choose_browser
from demo import build_demo_web, demo_story


async def bare_loop(urls: list[str], rules: str, concurrency: int) -> float:
    async with async_playwright() as pw:
        choice = choose_browser(pw)
        browser = await pw.chromium.launch(
            executable_path=str(choice.executable) if choice.executable else None,
            args=[*BASE_ARGS, f"--host-resolver-rules={rules}"],
        )
        queue = list(urls)
        started = time.perf_counter()

        async def worker() -> None:
            while queue:
                url = queue.pop()
                context = await browser.new_context(ignore_https_errors=True)
                page = await context.new_page()
                await page.goto(url, wait_until="domcontentloaded")
                await page.screenshot(full_page=True)
                await context.close()

        await asyncio.gather(*(worker() for _ in range(concurrency)))
        elapsed = time.perf_counter() - started
        await browser.close()
    return elapsed


async def full_captures(urls: list[str], options: CaptureOptions, home: Path) -> float:
    archive = storage.open_archive(home)
    try:
        started = time.perf_counter()
        results = await capture_many(urls, options, archive)
        elapsed = time.perf_counter() - started
    finally:
        archive.close()
    statuses = {r.status.value for _, r in results}
    if statuses != {"ok"}:
        raise SystemExit(f"benchmark captures did not all succeed: {statuses}")
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--posts", type=int, default=20, help="captures per side")
    parser.add_argument("--concurrency", type=int, default=1)
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args()
    story = demo_story()
    with build_demo_web() as web, tempfile.TemporaryDirectory() as home:
        base = list(story.post_urls)
        urls = [base[i % len(base)] for i in range(args.posts)]
        host_map = parse_host_map(web.host_map())
        options = CaptureOptions(
            allow_private=True, insecure=True, host_map=host_map, concurrency=args.concurrency
        )
        rules = web.host_resolver_rules()
        asyncio.run(bare_loop(urls[:2], rules, 1))  # warm the OS caches for both sides alike
        bare = asyncio.run(bare_loop(urls, rules, args.concurrency))
        full = asyncio.run(full_captures(urls, options, Path(home)))
    figures = {
        "posts": args.posts,
        "concurrency": args.concurrency,
        "bare_seconds": round(bare, 3),
        "postproof_seconds": round(full, 3),
        "bare_per_minute": round(args.posts / bare * 60, 1),
        "postproof_per_minute": round(args.posts / full * 60, 1),
        "ratio": round(full / bare, 2),
    }
    if args.json:
        print(json.dumps(figures))
    else:
        print(
            f"{args.posts} captures, concurrency {args.concurrency}: bare Playwright loop "
            f"{bare:.2f} s ({figures['bare_per_minute']}/min), postproof {full:.2f} s "
            f"({figures['postproof_per_minute']}/min); postproof takes {figures['ratio']}x the "
            "bare loop's time"
        )


if __name__ == "__main__":
    main()
