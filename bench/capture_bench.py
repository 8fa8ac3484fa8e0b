"""Capture speed against the least a correct capture needs, as whole processes, in one run.

Both sides capture the same posts of the demo story (served on 127.0.0.1) at the same
concurrency, each as a process of its own, from its start to its exit:

- **bare**: a plain Playwright script on the same Chromium — for each URL a fresh context, the
  page loaded, the post's text waited for until it is painted, a full-page screenshot and a
  screenshot of the post's element; nothing kept;
- **postproof**: ``postproof capture URL... --concurrency N --context 0`` into a fresh data home
  (every artifact, hashing, WARC, safety rules, signing, storing, the log sealed).

Each side runs ``--repeat`` times, alternately; the medians and the ratio of postproof's speed
to the bare loop's (1.0: as fast as the bare loop) are printed. ``--against`` times a second
checkout of postproof in the same rounds, for a before-and-after on the same machine at the same
moment. Nothing is asserted: the figures
are for people to read.

    .venv/bin/python bench/capture_bench.py --posts 20 --concurrency 2 --repeat 3
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from demo import build_demo_web, demo_story

ROOT = Path(__file__).resolve().parents[1]
# The command as its entry point runs it, from the checkout given (--repo: another checkout of
# postproof, e.g. an older commit in a git worktree, to compare against).
ENTRY = "import sys; sys.argv[0] = 'postproof'; from cli import main; main()"

# What a reader waits for on each platform of the demo story: the post's text, painted; and the
# element that is the post.
SELECTORS = {
    "x.com": ('[data-testid="tweetText"]', 'article[data-testid="tweet"]'),
    "piaille.fr": (".detailed-status .status__content", ".detailed-status"),
    "bsky.app": ('[data-testid^="postThreadItem-by-"]', '[data-testid^="postThreadItem-by-"]'),
}

BARE = r"""
import asyncio, json, sys
from urllib.parse import urlsplit
from playwright.async_api import async_playwright
from archiver.browser import BASE_ARGS, choose_browser

urls, rules, concurrency, selectors = json.loads(sys.argv[1])

async def main():
    async with async_playwright() as pw:
        choice = choose_browser(pw)
        browser = await pw.chromium.launch(
            executable_path=str(choice.executable) if choice.executable else None,
            args=[*BASE_ARGS, f"--host-resolver-rules={rules}"],
        )
        queue = list(urls)

        async def worker():
            while queue:
                url = queue.pop()
                text, post = selectors[urlsplit(url).hostname]
                context = await browser.new_context(ignore_https_errors=True)
                page = await context.new_page()
                await page.goto(url, wait_until="domcontentloaded")
                await page.locator(text).first.wait_for(state="visible")
                await page.screenshot(full_page=True)
                await page.locator(post).first.screenshot()
                await context.close()

        await asyncio.gather(*(worker() for _ in range(concurrency)))
        await browser.close()

asyncio.run(main())
"""


def child_env() -> dict[str, str]:
    """The environment of both sides: no POSTPROOF_ settings of the caller's, and, as on a
    user's machine, modules compiled once are not compiled again at each start (some machines
    set PYTHONDONTWRITEBYTECODE for every process)."""
    return {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("POSTPROOF_") and k != "PYTHONDONTWRITEBYTECODE"
    }


def bare_run(urls: list[str], rules: str, concurrency: int) -> float:
    payload = json.dumps([urls, rules, concurrency, SELECTORS])
    started = time.perf_counter()
    subprocess.run([sys.executable, "-c", BARE, payload], env=child_env(), cwd=ROOT, check=True)
    return time.perf_counter() - started


def postproof_run(urls: list[str], host_map: list[str], concurrency: int, repo: Path) -> float:
    with tempfile.TemporaryDirectory() as home:
        env = child_env() | {
            "POSTPROOF_HOME": home,
            "POSTPROOF_ALLOW_PRIVATE": "1",
            "POSTPROOF_INSECURE": "1",
            "POSTPROOF_HOST_MAP": ",".join(host_map),
        }
        command = [
            sys.executable,
            "-c",
            ENTRY,
            "capture",
            *urls,
            "--concurrency",
            str(concurrency),
            "--context",
            "0",
            "--json",
        ]
        started = time.perf_counter()
        done = subprocess.run(command, env=env, cwd=repo, capture_output=True, text=True)
        elapsed = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(f"postproof capture failed ({done.returncode}): {done.stderr[-2000:]}")
    captures = json.loads(done.stdout)["captures"]
    statuses = {c["status"] for c in captures}
    if len(captures) != len(urls) or statuses != {"ok"}:
        raise SystemExit(f"benchmark captures did not all succeed: {len(captures)}, {statuses}")
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--posts", type=int, default=20, help="captures per run")
    parser.add_argument("--concurrency", type=int, default=2)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    parser.add_argument("--repo", type=Path, default=ROOT, help="checkout whose cli.py to time")
    parser.add_argument(
        "--against",
        type=Path,
        help="another checkout timed in the same rounds, alternately (e.g. the commit before)",
    )
    args = parser.parse_args()
    story = demo_story()
    base = [u for u in story.post_urls if any(f"//{host}/" in u for host in SELECTORS)]
    with build_demo_web() as web:
        # Distinct URLs, as a reporter's list would be: the same post under a query string.
        urls = [f"{base[i % len(base)]}?n={i}" for i in range(args.posts)]
        rules = web.host_resolver_rules()
        host_map = web.host_map()
        bare_run(urls[:2], rules, 1)  # warm the OS caches for both sides alike
        bare, full, other = [], [], []
        for _ in range(args.repeat):
            bare.append(bare_run(urls, rules, args.concurrency))
            full.append(postproof_run(urls, host_map, args.concurrency, args.repo))
            if args.against is not None:
                other.append(postproof_run(urls, host_map, args.concurrency, args.against))
    bare_s, full_s = statistics.median(bare), statistics.median(full)
    figures = {
        "repo": str(args.repo),
        "posts": args.posts,
        "concurrency": args.concurrency,
        "repeat": args.repeat,
        "bare_seconds": round(bare_s, 2),
        "postproof_seconds": round(full_s, 2),
        "bare_per_minute": round(args.posts / bare_s * 60, 1),
        "postproof_per_minute": round(args.posts / full_s * 60, 1),
        "speed_ratio": round(bare_s / full_s, 2),
    }
    if args.against is not None:
        other_s = statistics.median(other)
        figures |= {
            "against": str(args.against),
            "against_seconds": round(other_s, 2),
            "against_speed_ratio": round(bare_s / other_s, 2),
            "rounds_faster_than_against": sum(f < o for f, o in zip(full, other, strict=True)),
        }
    if args.json:
        print(json.dumps(figures))
    else:
        print(
            f"{args.posts} captures, concurrency {args.concurrency}, median of {args.repeat}: "
            f"bare Playwright loop {bare_s:.2f} s ({figures['bare_per_minute']}/min), "
            f"postproof capture {full_s:.2f} s ({figures['postproof_per_minute']}/min): "
            f"postproof runs at {figures['speed_ratio']} of the bare loop's speed"
        )
        if args.against is not None:
            print(
                f"{args.against}: {figures['against_seconds']:.2f} s, "
                f"{figures['against_speed_ratio']} of the bare loop's speed; "
                f"{args.repo} was faster in {figures['rounds_faster_than_against']} of "
                f"{args.repeat} rounds"
            )


if __name__ == "__main__":
    main()
