"""Response times of the web app (``postproof serve``) over a filled archive, in one process.

Fills a temporary data home with N synthetic captures (each stored through ``Archive.store``
with its screenshot, HTML and provenance, and signed into the log), seals the log, then asks
the home page, a capture page, a search and the capture list of the API through Starlette's
in-process client (the whole app: authentication, the archive, the templates), R times each,
and prints each median and slowest time in milliseconds as one JSON object. The first search
builds the index (reported apart). Nothing is asserted: the figures are for people to read.
Search is asked for a word a quarter of the posts hold, a word every post holds and a number
one post holds; the page shows the first 50 results. ``--home PATH`` keeps the data home (filled
only when it holds no capture yet), so that a second run measures without filling again; on
``/dev/shm`` storing 100,000 captures waits on no disk (what is read is in the page cache either
way).

    .venv/bin/python bench/web_bench.py --captures 10000 --repeat 30
    .venv/bin/python bench/web_bench.py --captures 100000 --repeat 30 --home /dev/shm/bench-home
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
import warnings
from dataclasses import replace
from datetime import timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
# The in-process client works with httpx as installed; its newer advice is not for this bench.
warnings.filterwarnings("ignore", message="Using `httpx` with `starlette.testclient`")

from starlette.testclient import TestClient  # noqa: E402

import storage  # noqa: E402
from postproof.settings import Settings  # noqa: E402
from postproof.web import create_app  # noqa: E402
from tests.storage.factories import T0, make_result, screenshot  # noqa: E402

WORDS = [
    "budget",
    "council",
    "vote",
    "mayor",
    "school",
    "road",
    "tax",
    "river",
    "park",
    "hospital",
    "strike",
    "train",
]


def fill(home: Path, count: int) -> tuple[str, float]:
    """Store ``count`` captures of distinct posts; a capture id and the seconds it took."""
    started = time.perf_counter()
    shot = screenshot()  # one picture for all: its perceptual hashes are made once
    with storage.open_archive(home) as archive:
        for n in range(count):
            words = " ".join(WORDS[(n * k) % len(WORDS)] for k in (1, 3, 7))
            result = make_result(
                f"https://social.example/@reporter{n % 500}/{n}",
                post_id=str(n),
                started_at=T0 + timedelta(minutes=n),
                text=f"Post {n}: the {words} story, as reported.",
            )
            last = archive.store(replace(result, artifacts=(shot, *result.artifacts[1:])))
            if n and n % 10_000 == 0:
                print(f"{n} captures stored", file=sys.stderr)
        archive.seal()
    return last, time.perf_counter() - started


def timed(client: TestClient, path: str, repeat: int) -> dict[str, float]:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        answer = client.get(path)
        times.append((time.perf_counter() - started) * 1000)
        if answer.status_code != 200:
            raise SystemExit(f"{path} answered {answer.status_code}: {answer.text[:200]}")
    return {"median_ms": round(statistics.median(times), 1), "max_ms": round(max(times), 1)}


def measure(home: Path, captures: int, capture_id: str, repeat: int) -> dict[str, Any]:
    """The app's answers over the filled ``home``, timed."""
    with storage.open_archive(home) as archive:
        if not any(user.name == "bench" for user in archive.users.all()):
            archive.users.add("bench", storage.Role.ADMIN, "bench passphrase")
        token = archive.users.new_token("bench")
        app = create_app(Settings.load(home), archive, archive_port=1)
        headers = {"authorization": f"Bearer {token}"}
        one = captures * 2 // 3  # "Post N:" is in one post's text only
        with TestClient(app, headers=headers) as client:
            started = time.perf_counter()
            client.get("/api/search?q=budget")
            first_search = (time.perf_counter() - started) * 1000
            found = len(client.get("/api/search?q=budget").json()["results"])
            return {
                "first_search_ms": round(first_search, 1),
                "home": timed(client, "/", repeat),
                "capture_page": timed(client, f"/captures/{capture_id}", repeat),
                # "budget": a quarter of the posts; "story": every post.
                "search": timed(client, "/search?q=budget", repeat) | {"shown": found},
                "search_every_post": timed(client, "/search?q=story", repeat),
                "search_one_post": timed(client, f"/search?q={one}", repeat),
                "api_search": timed(client, "/api/search?q=budget", repeat),
                "api_captures": timed(client, "/api/captures?limit=100", repeat),
            }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--captures", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=30)
    parser.add_argument("--home", type=Path, default=None, help="a data home to keep and reuse")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="postproof-web-bench-") as folder:
        home = args.home or Path(folder) / "home"
        with storage.open_archive(home) as archive:
            held = archive.list_captures(limit=1)
        if held:
            capture_id, fill_seconds = held[0].id, None
        else:
            capture_id, fill_seconds = fill(home, args.captures)
        figures = {
            "captures": args.captures,
            "fill_seconds": None if fill_seconds is None else round(fill_seconds, 1),
            **measure(home, args.captures, capture_id, args.repeat),
        }
    print(json.dumps(figures, indent=2))


if __name__ == "__main__":
    main()
