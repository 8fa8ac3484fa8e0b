"""The log's append rate with concurrent writers: PostgreSQL against the embedded SQLite archive,
in the same run on the same machine.

Each writer is a process of its own with its own archive (its own engine, run and connections),
as capture workers are. All writers open their archive, wait at one barrier, then each stores
``--each`` captures; every store records a capture, its artifact and its signed log entry in one
transaction. Prints captures logged per second for 1 writer and for ``--writers`` on each engine
(the median of ``--repeat`` rounds, the engines taking turns), the ratios, and checks the log
after each round (gap-free, verified). The PostgreSQL server is a throwaway cluster with the
server's default durability (fsync on), as SQLite's WAL keeps its default synchronous mode;
``--no-fsync`` turns fsync off on the server.

    .venv/bin/python bench/ledger_bench.py --writers 8 --each 40
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import statistics
import sys
import tempfile
import time
from multiprocessing.queues import Queue
from multiprocessing.synchronize import Barrier
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))  # tests.shared.cluster: the throwaway PostgreSQL server
sys.path.insert(0, str(REPO / "bench"))  # similar_bench.capture_result


def _result(worker: int, index: int) -> Any:
    """One stored capture with one artifact: the bench's usual capture (bench/similar_bench.py),
    numbered apart for each writer."""
    import dataclasses

    from similar_bench import capture_result

    from archiver.models import Artifact, ArtifactKind

    html = f"<p>writer {worker}, post {index}</p>".encode()
    return dataclasses.replace(
        capture_result(worker * 1_000_000 + index),
        artifacts=(Artifact.from_bytes(ArtifactKind.HTML, html, "text/html"),),
    )


def _writer(
    home: str, url: str | None, worker: int, each: int, start: Barrier, done: Queue[float]
) -> None:
    import storage

    try:
        with storage.open_archive(Path(home), database_url=url) as archive:
            archive.signing_key()  # made by the parent already: only read here
            results = [_result(worker, index) for index in range(each)]
            start.wait()
            for result in results:
                archive.store(result)
    except BaseException:
        start.abort()  # the others, and the parent, stop waiting for this writer
        raise
    done.put(time.perf_counter())


def _rate(home: Path, url: str | None, writers: int, each: int) -> dict[str, Any]:
    import storage

    with storage.open_archive(home, database_url=url) as archive:
        archive.signing_key()
        before = archive.ledger.size()
    context = multiprocessing.get_context("spawn")
    start = context.Barrier(writers + 1, timeout=600)
    done: Queue[float] = context.Queue()
    processes = [
        context.Process(target=_writer, args=(str(home), url, n, each, start, done))
        for n in range(writers)
    ]
    for process in processes:
        process.start()
    try:
        start.wait()  # every writer has opened its archive
        began = time.perf_counter()
        ended = max(done.get(timeout=3600) for _process in processes)
        elapsed = ended - began
    finally:
        for process in processes:
            process.join(timeout=60)
            if process.is_alive():
                process.kill()
    if any(process.exitcode != 0 for process in processes):
        raise SystemExit(f"a writer failed: exit codes {[p.exitcode for p in processes]}")
    with storage.open_archive(home, database_url=url) as archive:
        appended = archive.ledger.size() - before
        archive.seal()
        report = archive.verify()
    assert appended == writers * each, (appended, writers * each)
    assert report.ok, report.problems
    return {
        "writers": writers,
        "appended": appended,
        "seconds": round(elapsed, 3),
        "per_second": round(appended / elapsed, 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--writers", type=int, default=8)
    parser.add_argument("--each", type=int, default=40, help="captures stored by each writer")
    parser.add_argument("--repeat", type=int, default=3, help="rounds; the median is reported")
    parser.add_argument("--no-fsync", action="store_true", help="PostgreSQL with fsync off")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    import sqlalchemy as sa

    from tests.shared.cluster import Cluster

    rounds: dict[tuple[str, int], list[dict[str, Any]]] = {}
    options = ("fsync=off",) if args.no_fsync else ()
    with Cluster(options=options) as cluster, tempfile.TemporaryDirectory() as scratch:
        admin = sa.create_engine(
            cluster.url().replace("postgresql://", "postgresql+psycopg://", 1),
            isolation_level="AUTOCOMMIT",
            poolclass=sa.NullPool,
        )
        # Engines take turns within each round, so that a machine busy with other work for a
        # while weighs on both alike.
        for number in range(args.repeat):
            for writers in (1, args.writers):
                for engine_name in ("sqlite", "postgresql"):
                    home = Path(scratch) / f"{engine_name}-{writers}-{number}"
                    url = None
                    if engine_name == "postgresql":
                        database = f"bench_{writers}_{number}"
                        with admin.connect() as connection:
                            connection.exec_driver_sql(f"CREATE DATABASE {database}")
                        url = cluster.url(database)
                    row = _rate(home, url, writers, args.each)
                    rounds.setdefault((engine_name, writers), []).append(row)
        admin.dispose()
    figures = {
        engine_name: [_median(rounds[engine_name, w]) for w in (1, args.writers)]
        for engine_name in ("sqlite", "postgresql")
    }
    _report(figures, args)


def _median(rows: list[dict[str, Any]]) -> dict[str, Any]:
    rates = sorted(row["per_second"] for row in rows)
    return {
        "writers": rows[0]["writers"],
        "appended": rows[0]["appended"],
        "per_second": statistics.median(rates),
        "rounds": rates,
    }


def _report(figures: dict[str, list[dict[str, Any]]], args: argparse.Namespace) -> None:
    one = {name: rows[0]["per_second"] for name, rows in figures.items()}
    many = {name: rows[-1]["per_second"] for name, rows in figures.items()}
    summary = {
        "engines": figures,
        "postgresql_over_sqlite_1_writer": round(one["postgresql"] / one["sqlite"], 2),
        f"postgresql_over_sqlite_{args.writers}_writers": round(
            many["postgresql"] / many["sqlite"], 2
        ),
        "postgresql_fsync": not args.no_fsync,
        "load_average": [round(x, 1) for x in os.getloadavg()],
    }
    if args.json:
        print(json.dumps(summary, indent=2))
        return
    for name, rows in figures.items():
        for row in rows:
            print(
                f"{name:<10} {row['writers']:>2} writer(s): median {row['per_second']:>7.1f} "
                f"appends/s over {len(row['rounds'])} round(s) of {row['appended']} "
                f"(each round: {', '.join(str(r) for r in row['rounds'])})"
            )
    print(
        f"PostgreSQL / SQLite: {summary['postgresql_over_sqlite_1_writer']}x with 1 writer, "
        f"{summary[f'postgresql_over_sqlite_{args.writers}_writers']}x with {args.writers} "
        f"(PostgreSQL fsync {'on' if not args.no_fsync else 'off'}; "
        f"load average at the end {summary['load_average']})"
    )


if __name__ == "__main__":
    main()
