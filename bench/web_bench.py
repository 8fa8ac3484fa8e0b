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

``--postgres`` keeps the archive's tables in a throwaway PostgreSQL server of its own (started
as the shared archive's tests start theirs, ``fsync`` on, removed at the end), so that the
search figures are PostgreSQL's (``search_docs``) instead of SQLite FTS5's; ``--database-url``
names an existing database instead. With it, ``--search-docs N`` measures PostgreSQL's search
alone, as the app asks it (50 results), over N search documents written straight into
``search_docs`` with the texts the filled posts have (storing N captures one by one through the
log takes far longer on PostgreSQL than on SQLite); no app, no capture rows.

    .venv/bin/python bench/web_bench.py --postgres --search-docs 100000 --repeat 30
"""

from __future__ import annotations

import argparse
import contextlib
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

import sqlalchemy  # noqa: E402
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


def fill(home: Path, count: int, database_url: str | None) -> tuple[str, float]:
    """Store ``count`` captures of distinct posts; a capture id and the seconds it took."""
    started = time.perf_counter()
    shot = screenshot()  # one picture for all: its perceptual hashes are made once
    with storage.open_archive(home, database_url=database_url) as archive:
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


def search_docs(database_url: str, home: Path, count: int, repeat: int) -> dict[str, Any]:
    """PostgreSQL's search over ``count`` documents written straight into ``search_docs``."""
    words = ", ".join(f"'{word}'" for word in WORDS)
    pick = " || ' ' || ".join(f"(ARRAY[{words}])[(n * {k}) % {len(WORDS)} + 1]" for k in (1, 3, 7))
    statement = f"""
        INSERT INTO search_docs (kind, ref, platform, status, at, post_id, title, body)
        SELECT 'capture', lpad(n::text, 8, '0'), 'mastodon', 'ok',
               to_char(timestamp '2025-03-01 12:00' + n * interval '1 minute',
                       'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'),
               n, 'Alice @alice',
               'Post ' || n || ': the ' || {pick} || ' story, as reported. '
               || 'https://social.example/@reporter' || n % 500 || '/' || n
        FROM generate_series(0, :count - 1) AS n"""
    with storage.open_archive(home, database_url=database_url) as archive:
        engine = sqlalchemy.create_engine(
            database_url.replace("postgresql://", "postgresql+psycopg://", 1)
        )
        started = time.perf_counter()
        with engine.begin() as connection:
            connection.execute(sqlalchemy.text(statement), {"count": count})
            connection.exec_driver_sql("ANALYZE search_docs")
        written = time.perf_counter() - started
        engine.dispose()
        index = archive.search_index
        figures: dict[str, Any] = {"search_docs": count, "write_seconds": round(written, 1)}
        for name, words_asked in (
            ("a word in a quarter of the posts", "budget"),
            ("a word in every post", "story"),
            ("a number in one post", str(count * 2 // 3)),
        ):
            times = []
            for _ in range(repeat):
                started = time.perf_counter()
                found = index.search(words_asked, limit=50)
                times.append((time.perf_counter() - started) * 1000)
            figures[name] = {
                "median_ms": round(statistics.median(times), 1),
                "max_ms": round(max(times), 1),
                "shown": len(found),
            }
    return figures


def timed(client: TestClient, path: str, repeat: int) -> dict[str, float]:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        answer = client.get(path)
        times.append((time.perf_counter() - started) * 1000)
        if answer.status_code != 200:
            raise SystemExit(f"{path} answered {answer.status_code}: {answer.text[:200]}")
    return {"median_ms": round(statistics.median(times), 1), "max_ms": round(max(times), 1)}


def measure(
    home: Path, captures: int, capture_id: str, repeat: int, database_url: str | None
) -> dict[str, Any]:
    """The app's answers over the filled ``home``, timed."""
    with storage.open_archive(home, database_url=database_url) as archive:
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
    where = parser.add_mutually_exclusive_group()
    where.add_argument("--postgres", action="store_true", help="a throwaway PostgreSQL server")
    where.add_argument("--database-url", default=None, help="an existing PostgreSQL database")
    parser.add_argument(
        "--search-docs", type=int, default=0, help="PostgreSQL's search alone over N documents"
    )
    args = parser.parse_args()
    if args.search_docs and not (args.postgres or args.database_url):
        parser.error("--search-docs needs --postgres or --database-url")
    with contextlib.ExitStack() as stack:
        database_url = args.database_url
        if args.postgres:
            from tests.shared.cluster import Cluster

            database_url = stack.enter_context(Cluster(options=())).url()
        folder = stack.enter_context(tempfile.TemporaryDirectory(prefix="postproof-web-bench-"))
        home = args.home or Path(folder) / "home"
        if args.search_docs:
            figures = search_docs(database_url, home, args.search_docs, args.repeat)
            print(json.dumps(figures, indent=2))
            return
        with storage.open_archive(home, database_url=database_url) as archive:
            held = archive.list_captures(limit=1)
        if held:
            capture_id, fill_seconds = held[0].id, None
        else:
            capture_id, fill_seconds = fill(home, args.captures, database_url)
        figures = {
            "captures": args.captures,
            "engine": "postgresql" if database_url else "sqlite",
            "fill_seconds": None if fill_seconds is None else round(fill_seconds, 1),
            **measure(home, args.captures, capture_id, args.repeat, database_url),
        }
    print(json.dumps(figures, indent=2))


if __name__ == "__main__":
    main()
