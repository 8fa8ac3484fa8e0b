"""Response times of the web app (``postproof serve``) over a filled archive, in one process.

Fills a temporary data home with N synthetic captures (each stored through ``Archive.store``
with its screenshot, HTML and provenance, and signed into the log), seals the log, then asks
the home page, a capture page, a search and the capture list of the API through Starlette's
in-process client (the whole app: authentication, the archive, the templates), R times each,
and prints each median and slowest time in milliseconds as one JSON object. The first search
builds the index (reported apart). Nothing is asserted: the figures are for people to read.

    .venv/bin/python bench/web_bench.py --captures 10000 --repeat 30
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
import warnings
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
# The in-process client works with httpx as installed; its newer advice is not for this bench.
warnings.filterwarnings("ignore", message="Using `httpx` with `starlette.testclient`")

from starlette.testclient import TestClient  # noqa: E402

import storage  # noqa: E402
from postproof.settings import Settings  # noqa: E402
from postproof.web import create_app  # noqa: E402
from tests.storage.factories import T0, make_result  # noqa: E402

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
    with storage.open_archive(home) as archive:
        for n in range(count):
            words = " ".join(WORDS[(n * k) % len(WORDS)] for k in (1, 3, 7))
            result = make_result(
                f"https://social.example/@reporter{n % 500}/{n}",
                post_id=str(n),
                started_at=T0 + timedelta(minutes=n),
                text=f"Post {n}: the {words} story, as reported.",
            )
            last = archive.store(result)
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--captures", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=30)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="postproof-web-bench-") as folder:
        home = Path(folder) / "home"
        capture_id, fill_seconds = fill(home, args.captures)
        with storage.open_archive(home) as archive:
            archive.users.add("bench", storage.Role.ADMIN, "bench passphrase")
            token = archive.users.new_token("bench")
            app = create_app(Settings.load(home), archive, archive_port=1)
            headers = {"authorization": f"Bearer {token}"}
            with TestClient(app, headers=headers) as client:
                started = time.perf_counter()
                client.get("/api/search?q=budget")
                first_search = (time.perf_counter() - started) * 1000
                figures = {
                    "captures": args.captures,
                    "fill_seconds": round(fill_seconds, 1),
                    "first_search_ms": round(first_search, 1),
                    "home": timed(client, "/", args.repeat),
                    "capture_page": timed(client, f"/captures/{capture_id}", args.repeat),
                    "search": timed(client, "/search?q=budget+council", args.repeat),
                    "api_captures": timed(client, "/api/captures?limit=100", args.repeat),
                }
    print(json.dumps(figures, indent=2))


if __name__ == "__main__":
    main()
