"""Captures per minute with 1, 2 and 4 ``postproof worker`` processes on the shared archive, and
with ``postproof capture`` on the embedded archive, of the same pages, in one run.

The pages are simple ones served on 127.0.0.1 (one a URL). Each worker side gets a fresh
database of a throwaway PostgreSQL server (the tests' own), the URLs put on the queue with
``capture --queue --file``, then N workers started (``--concurrency`` jobs each) and timed from
their start (browser launches included) until the queue is empty. The embedded side is
``postproof capture --file … --concurrency C --context 0`` into a fresh data home, timed as a
whole process. Nothing is asserted: the figures are for people to read.

    .venv/bin/python bench/worker_bench.py --pages 40 --concurrency 2
"""

from __future__ import annotations

import argparse
import json
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import sqlalchemy as sa

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from demo import FakeWeb, Request, Response  # noqa: E402
from demo import html as html_response  # noqa: E402
from tests.conftest import command_env  # noqa: E402
from tests.shared.cluster import Cluster  # noqa: E402

HOST = "bench-queue.example"
POSTPROOF = str(Path(sys.executable).with_name("postproof"))


def page(request: Request) -> Response:
    n = request.params["n"]
    return html_response(
        f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>Page {n}</title>'
        f"</head><body><article><h1>Page {n}</h1><p>The text of page {n}.</p></article>"
        "</body></html>"
    )


def environment(web: FakeWeb, home: Path, database_url: str | None) -> dict[str, str]:
    env = command_env(web, home)
    if database_url:
        env["POSTPROOF_DATABASE_URL"] = database_url
    return env


def embedded(web: FakeWeb, urls: Path, concurrency: int, folder: Path) -> float:
    env = environment(web, folder / "embedded-home", None)
    started = time.monotonic()
    subprocess.run(
        [POSTPROOF, "capture", "--file", str(urls), "-c", str(concurrency), "--context", "0"],
        env=env,
        check=False,
        capture_output=True,
    )
    return time.monotonic() - started


def remaining(engine: sa.Engine) -> int:
    with engine.connect() as connection:
        return int(
            connection.exec_driver_sql(
                "SELECT count(*) FROM procrastinate_jobs WHERE status IN ('todo', 'doing')"
            ).scalar_one()
        )


def with_workers(
    web: FakeWeb, cluster: Cluster, urls: Path, workers: int, concurrency: int, folder: Path
) -> float:
    name = f"bench_{workers}"
    admin = sa.create_engine(
        cluster.url().replace("postgresql://", "postgresql+psycopg://", 1),
        isolation_level="AUTOCOMMIT",
    )
    with admin.connect() as connection:
        connection.exec_driver_sql(f"CREATE DATABASE {name}")
    admin.dispose()
    env = environment(web, folder / f"home-{workers}", cluster.url(name))
    subprocess.run(
        [POSTPROOF, "capture", "--queue", "--file", str(urls), "--context", "0"],
        env=env,
        check=True,
        capture_output=True,
    )
    engine = sa.create_engine(
        cluster.url(name).replace("postgresql://", "postgresql+psycopg://", 1),
        poolclass=sa.NullPool,
    )
    started = time.monotonic()
    processes = [
        subprocess.Popen(
            [POSTPROOF, "worker", "-c", str(concurrency), "--recheck-every", "0"],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        for _ in range(workers)
    ]
    try:
        while remaining(engine):
            time.sleep(0.5)
        return time.monotonic() - started
    finally:
        for process in processes:
            process.send_signal(signal.SIGTERM)
        for process in processes:
            process.wait(120)
        engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=40)
    parser.add_argument("--concurrency", type=int, default=2, help="pages at once per process")
    parser.add_argument("--workers", default="1,2,4")
    args = parser.parse_args()
    web = FakeWeb()
    web.add_route(HOST, r"/p/(?P<n>\d+)", page)
    web.start()
    figures: dict[str, float] = {}
    try:
        with (
            tempfile.TemporaryDirectory(prefix="postproof-worker-bench-") as tmp,
            Cluster() as cluster,
        ):
            folder = Path(tmp)
            urls = folder / "urls.txt"
            urls.write_text(
                "".join(f"https://{HOST}/p/{n}\n" for n in range(args.pages)), encoding="utf-8"
            )
            seconds = embedded(web, urls, args.concurrency, folder)
            figures["embedded capture"] = args.pages / seconds * 60
            print(f"embedded capture: {seconds:.1f} s", file=sys.stderr)
            for count in (int(n) for n in args.workers.split(",")):
                seconds = with_workers(web, cluster, urls, count, args.concurrency, folder)
                figures[f"{count} worker(s)"] = args.pages / seconds * 60
                print(f"{count} worker(s): {seconds:.1f} s", file=sys.stderr)
    finally:
        web.stop()
    print(f"{args.pages} pages, {args.concurrency} at once per process; captures per minute:")
    for name, rate in figures.items():
        print(f"  {name:18} {rate:6.1f}")
    print(json.dumps({name: round(rate, 1) for name, rate in figures.items()}))


if __name__ == "__main__":
    main()
