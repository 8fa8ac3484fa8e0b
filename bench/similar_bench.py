"""Near-duplicate image search against a naive Python scan, measured in one process.

Fills a temporary archive with N image artifacts carrying random 64-bit hashes (a tenth of
them near copies of others, so that queries find something), then times the same queries
three ways: `find_similar` (the packed scan of `storage._similar`, after its one-off load),
the naive search that reads every hash from SQLite and compares in Python on each query, and
a Python loop over hashes already parsed into a list (the naive scan without its reading).
Prints the median time of each, their ratios, and the one-off cost of the first query.
Nothing is asserted: the figures are for people to read.

    .venv/bin/python bench/similar_bench.py --images 200000 --queries 15
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import sqlalchemy as sa

import storage
from archiver.models import CaptureResult, Provenance, Status
from storage._database import create_archive_engine, write_session
from storage._similar import DHASH_SLACK, find_similar
from storage._tables import Artifact

DISTANCES = (4, 10, 20)
T0 = datetime(2025, 1, 1, tzinfo=UTC)


def capture_result(number: int) -> CaptureResult:
    url = f"https://social.example/@bench/{number}"
    started = T0 + timedelta(minutes=number)
    provenance = Provenance(
        requested_url=url,
        started_at=started,
        finished_at=started + timedelta(seconds=2),
        tool_version="bench",
        browser_name="chromium",
        browser_version="0",
        user_agent="bench",
        viewport=(1280, 900),
        device_scale_factor=1.0,
        locale="en-US",
        timezone="UTC",
        options={},
    )
    return CaptureResult(
        requested_url=url,
        canonical_url=url,
        platform="mastodon",
        post_id=str(number),
        status=Status.OK,
        reason=None,
        started_at=started,
        finished_at=started + timedelta(seconds=2),
        final_url=url,
        http_status=200,
        post=None,
        artifacts=(),
        provenance=provenance,
    )


def fill(engine: sa.Engine, capture_ids: list[str], images: int, rng: random.Random) -> list[int]:
    """Insert ``images`` artifact rows (no blobs: the search never reads bytes); return their
    pHashes."""
    phashes: list[int] = []
    batch: list[dict[str, Any]] = []
    for number in range(images):
        if phashes and rng.random() < 0.1:
            phash = rng.choice(phashes) ^ (1 << rng.randrange(64)) ^ (1 << rng.randrange(64))
        else:
            phash = rng.getrandbits(64)
        phashes.append(phash)
        batch.append(
            {
                "capture_id": capture_ids[number % len(capture_ids)],
                "kind": "media",
                "sha256": f"{number:064x}",
                "size": 1,
                "media_type": "image/jpeg",
                "phash": f"{phash:016x}",
                "dhash": f"{phash ^ rng.getrandbits(64) & rng.getrandbits(64):016x}",
                "source_url": None,
            }
        )
        if len(batch) == 20_000 or number == images - 1:
            with write_session(engine) as session:
                session.execute(sa.insert(Artifact), batch)
            batch = []
    return phashes


def naive_search(engine: sa.Engine, phash: str, dhash: str, max_distance: int) -> list[int]:
    """What one writes without an index: read every hash, compare each in Python."""
    query_p, query_d = int(phash, 16), int(dhash, 16)
    with engine.connect() as connection:
        rows = connection.execute(
            sa.text("SELECT id, phash, dhash FROM artifacts WHERE phash IS NOT NULL")
        ).all()
    return [
        artifact_id
        for artifact_id, stored_p, stored_d in rows
        if (int(stored_p, 16) ^ query_p).bit_count() <= max_distance
        and (int(stored_d, 16) ^ query_d).bit_count() <= max_distance + DHASH_SLACK
    ]


def median_seconds(
    run: Callable[[str, str, int], object], queries: list[tuple[str, str]], d: int
) -> float:
    times = []
    for phash, dhash in queries:
        started = time.perf_counter()
        run(phash, dhash, d)
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--images", type=int, default=200_000)
    parser.add_argument("--captures", type=int, default=200)
    parser.add_argument("--queries", type=int, default=15)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    rng = random.Random(7)
    with tempfile.TemporaryDirectory() as home, storage.open_archive(Path(home)) as archive:
        capture_ids = [archive.store(capture_result(n)) for n in range(args.captures)]
        engine = create_archive_engine(archive.database_path)
        try:
            phashes = fill(engine, capture_ids, args.images, rng)
            queries = []
            for number in range(args.queries):
                base = rng.choice(phashes) if number % 2 == 0 else rng.getrandbits(64)
                near = base ^ (1 << rng.randrange(64)) ^ (1 << rng.randrange(64))
                queries.append((f"{near:016x}", f"{near:016x}"))

            started = time.perf_counter()
            find_similar(engine, *queries[0])
            first_query = time.perf_counter() - started

            def indexed(phash: str, dhash: str, d: int) -> object:
                return find_similar(engine, phash, dhash, max_distance=d)

            def naive(phash: str, dhash: str, d: int) -> object:
                return naive_search(engine, phash, dhash, d)

            def loop(phash: str, _dhash: str, d: int) -> object:
                query = int(phash, 16)
                return [i for i, stored in enumerate(phashes) if (stored ^ query).bit_count() <= d]

            figures: dict[str, Any] = {
                "images": args.images,
                "first_query_s": round(first_query, 3),
                "distances": {},
            }
            for d in DISTANCES:
                ours = median_seconds(indexed, queries, d)
                naive_s = median_seconds(naive, queries[:5], d)
                loop_s = median_seconds(loop, queries, d)
                figures["distances"][d] = {
                    "find_similar_ms": round(ours * 1000, 2),
                    "naive_ms": round(naive_s * 1000, 1),
                    "loop_ms": round(loop_s * 1000, 1),
                    "speedup_vs_naive": round(naive_s / ours, 1),
                    "speedup_vs_loop": round(loop_s / ours, 1),
                }
        finally:
            engine.dispose()
    if args.json:
        print(json.dumps(figures))
        return
    print(
        f"{args.images} images; first query {figures['first_query_s']} s "
        "(reads and packs every hash once per process)"
    )
    for d, row in figures["distances"].items():
        print(
            f"max distance {d:2}: find_similar {row['find_similar_ms']} ms, naive search "
            f"{row['naive_ms']} ms ({row['speedup_vs_naive']}x), Python loop over parsed "
            f"hashes {row['loop_ms']} ms ({row['speedup_vs_loop']}x)"
        )


if __name__ == "__main__":
    main()
