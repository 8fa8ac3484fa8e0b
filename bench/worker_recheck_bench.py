"""Re-checks on the shared archive: N watched posts re-checked by W ``postproof worker``
processes, with each worker's memory followed from start to end.

Serves N X-like posts on 127.0.0.1 (a tenth of them then edited, another tenth deleted), puts
one earlier capture of each into a fresh database of a throwaway PostgreSQL server (the tests'
own), so that every post is watched and due, then starts W workers that queue the due posts
themselves (their periodic task, ``--recheck-every``) and re-check them, ``--concurrency`` at
once each. Timed from the workers' start (browser launches included) until every post has been
re-checked. Every ``--sample`` seconds the memory of each worker is read from /proc: the
resident size of its Python process, and the proportional size (PSS: shared pages counted once)
of its whole process tree, its browser included. Nothing is asserted: the figures are for
people to read.

    .venv/bin/python bench/worker_recheck_bench.py --posts 300 --workers 2 --concurrency 2
"""

from __future__ import annotations

import argparse
import itertools
import json
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field, replace
from pathlib import Path

import sqlalchemy as sa

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.recheck_bench import make_posts  # noqa: E402
from demo import FakeWeb, PostState  # noqa: E402
from storage import open_archive  # noqa: E402
from tests.conftest import command_env  # noqa: E402
from tests.processes import descendants  # noqa: E402
from tests.shared.cluster import Cluster  # noqa: E402
from tests.storage.factories import make_result  # noqa: E402

POSTPROOF = str(Path(sys.executable).with_name("postproof"))
PAGE_SIZE = 4096


def rss_mb(pid: int) -> float:
    try:
        return int(Path(f"/proc/{pid}/statm").read_text().split()[1]) * PAGE_SIZE / 2**20
    except (OSError, IndexError, ValueError):
        return 0.0


def pss_mb(pid: int) -> float:
    try:
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
            if line.startswith("Pss:"):
                return int(line.split()[1]) / 1024
    except (OSError, IndexError, ValueError):
        pass
    return 0.0


@dataclass
class Memory:
    """One worker's memory over the run: its Python process alone, and its whole tree."""

    python_mb: list[float] = field(default_factory=list)
    tree_mb: list[float] = field(default_factory=list)

    def sample(self, pid: int) -> None:
        self.python_mb.append(rss_mb(pid))
        self.tree_mb.append(sum(pss_mb(p) for p in [pid, *descendants(pid)]))


def rechecked(engine: sa.Engine) -> tuple[int, int]:
    """Re-check jobs finished, and those failed, so far."""
    with engine.connect() as connection:
        done, failed = connection.exec_driver_sql(
            "SELECT count(*) FILTER (WHERE status = 'succeeded'), "
            "count(*) FILTER (WHERE status = 'failed') FROM procrastinate_jobs "
            "WHERE task_name = 'postproof.recheck'"
        ).one()
    return int(done), int(failed)


def seed(web: FakeWeb, home: Path, database_url: str, count: int) -> list[str]:
    """Serve ``count`` posts, each with one earlier capture in the archive (so watched and due);
    then edit a tenth of them and delete another tenth."""
    posts = make_posts(count)
    for post in posts:
        web.add_post(post)
    urls = [f"https://x.com/{p.handle}/status/{p.post_id}" for p in posts]
    with open_archive(home, database_url=database_url) as archive:
        for post, url in zip(posts, urls, strict=True):
            archive.store(make_result(url, platform="x", post_id=post.post_id, text=post.text))
    for post in posts[::10]:
        web.posts[post.post_id] = replace(post, text=post.text + " (corrected)")
    for post in posts[5::10]:
        web.posts[post.post_id] = replace(post, state=PostState.DELETED)
    return urls


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--posts", type=int, default=300)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--concurrency", type=int, default=2, help="re-checks at once per worker")
    parser.add_argument("--sample", type=float, default=2.0, help="seconds between memory reads")
    args = parser.parse_args()
    web = FakeWeb()
    web.start()
    try:
        with tempfile.TemporaryDirectory(prefix="postproof-recheck-bench-") as tmp, Cluster() as db:
            home = Path(tmp) / "home"
            seeded = time.monotonic()
            seed(web, home, db.url(), args.posts)
            seeding = time.monotonic() - seeded
            env = command_env(web, home) | {"POSTPROOF_DATABASE_URL": db.url()}
            engine = sa.create_engine(
                db.url().replace("postgresql://", "postgresql+psycopg://", 1),
                poolclass=sa.NullPool,
            )
            started = time.monotonic()
            workers = [
                subprocess.Popen(
                    [POSTPROOF, "worker", "-c", str(args.concurrency), "--recheck-every", "5"],
                    env=env,
                    stdout=subprocess.DEVNULL,
                    stderr=subprocess.DEVNULL,
                    start_new_session=True,
                )
                for _ in range(args.workers)
            ]
            memory = [Memory() for _ in workers]
            progress: list[tuple[float, int]] = []
            try:
                while (found := rechecked(engine))[0] + found[1] < args.posts:
                    for worker, kept in zip(workers, memory, strict=True):
                        kept.sample(worker.pid)
                    progress.append((time.monotonic() - started, found[0]))
                    time.sleep(args.sample)
                elapsed = time.monotonic() - started
            finally:
                for worker in workers:
                    worker.send_signal(signal.SIGTERM)
                for worker in workers:
                    worker.wait(120)
            with engine.connect() as connection:
                events: dict[str, int] = dict(
                    connection.exec_driver_sql(
                        "SELECT kind, count(*) FROM events GROUP BY kind"
                    ).all()
                )
            engine.dispose()
    finally:
        web.stop()
    done, failed = found
    figures = {
        "posts": args.posts,
        "workers": args.workers,
        "concurrency": args.concurrency,
        "seeding_seconds": round(seeding, 1),
        "recheck_seconds": round(elapsed, 1),
        "rechecks_per_minute": round(done / elapsed * 60, 1),
        "failed": failed,
        "events": events,
        "peak_python_rss_mb": [round(max(m.python_mb, default=0), 1) for m in memory],
        "peak_tree_pss_mb": [round(max(m.tree_mb, default=0), 1) for m in memory],
        # The memory of each worker at the first, middle and last tenth of the run: a leak
        # shows as a climb from one to the next.
        "python_rss_mb_by_tenth": [tenths(m.python_mb) for m in memory],
        "tree_pss_mb_by_tenth": [tenths(m.tree_mb) for m in memory],
        "per_day_at_this_rate": round(done / elapsed * 86_400),
        # The rate in each tenth of the run: a log that slows its writers as it grows shows as
        # a fall from one to the next.
        "rechecks_per_minute_by_tenth": rates_by_tenth(progress),
    }
    print(json.dumps(figures, indent=2))


def tenths(samples: list[float]) -> list[float]:
    """The mean of each tenth of ``samples`` (fewer parts when there are fewer samples)."""
    if not samples:
        return []
    parts = min(10, len(samples))
    size = len(samples) / parts
    chunks = [samples[int(i * size) : int((i + 1) * size)] for i in range(parts)]
    return [round(sum(c) / len(c), 1) for c in chunks if c]


def rates_by_tenth(progress: list[tuple[float, int]]) -> list[float]:
    """Re-checks a minute in each tenth of the run, from ``(seconds since start, done)``."""
    if len(progress) < 2:
        return []
    parts = min(10, len(progress) - 1)
    marks = [progress[round(i * (len(progress) - 1) / parts)] for i in range(parts + 1)]
    return [
        round((b[1] - a[1]) / (b[0] - a[0]) * 60, 1)
        for a, b in itertools.pairwise(marks)
        if b[0] > a[0]
    ]


if __name__ == "__main__":
    main()
