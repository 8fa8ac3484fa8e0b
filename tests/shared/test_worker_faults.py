"""Capture workers under faults, as real processes on the real servers: a worker killed with
kill -9 mid-capture (its job retried by another, one capture in the end), two workers sharing
200 URLs (each captured once, the log without a gap), the PostgreSQL server restarted under
running workers, and the S3 server stopped under them (nothing half-stored, nothing lost)."""

from __future__ import annotations

import contextlib
import os
import signal
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from demo import FakeWeb
from tests.processes import chromium_under
from tests.shared.cluster import Cluster
from tests.shared.seaweed import Seaweed
from tests.shared.workers import (
    Gate,
    all_finished,
    cli_json,
    jobs,
    queue_env,
    url,
    wait_until,
    workers,
)

pytestmark = [pytest.mark.browser, pytest.mark.slow]
MANY = 200


@pytest.fixture
def env(queue_web: FakeWeb, home: Path, database_url: str) -> dict[str, str]:
    return queue_env(queue_web, home, database_url)


def query(database_url: str, sql: str) -> list[tuple]:
    engine = sa.create_engine(database_url.replace("postgresql://", "postgresql+psycopg://", 1))
    try:
        with engine.connect() as connection:
            return [tuple(row) for row in connection.exec_driver_sql(sql)]
    finally:
        engine.dispose()


def done_count(database_url: str) -> int:
    found = query(
        database_url,
        "SELECT count(*) FROM procrastinate_jobs WHERE status = 'succeeded' "
        "AND task_name = 'postproof.capture'",
    )
    return int(found[0][0])


def enqueue(env: dict[str, str], urls: list[str], folder: Path) -> list[int]:
    listing = folder / "urls.txt"
    listing.write_text("\n".join(urls) + "\n", encoding="utf-8")
    queued = cli_json(env, "capture", "--queue", "--file", str(listing), "--context", "0")["jobs"]
    return [int(job["id"]) for job in queued]


def assert_each_captured_once(env: dict[str, str], database_url: str, urls: list[str]) -> None:
    """Every URL has exactly one capture, each logged once, the log numbered without a gap,
    and the whole archive verifies."""
    counts = dict(query(database_url, "SELECT requested_url, count(*) FROM captures GROUP BY 1"))
    assert counts == dict.fromkeys(urls, 1)
    indexes = [row[0] for row in query(database_url, "SELECT idx FROM log_entries ORDER BY idx")]
    assert indexes == list(range(len(urls)))
    verified = cli_json(env, "verify", "--all")
    assert verified["ok"] is True and verified["captures_checked"] == len(urls)


def test_a_worker_killed_mid_capture_leaves_its_job_to_another(
    env: dict[str, str], database_url: str, gate: Gate, tmp_path: Path
) -> None:
    gate.arrived.clear()
    gate.opened.clear()
    gated = "https://queue.example/gate"
    [job_id] = enqueue(env, [gated], tmp_path)
    # The killed worker's job goes to the next after six seconds without a heartbeat (20 by
    # default): the setting is the one a deployment would tune.
    env = env | {"POSTPROOF_WORKER_STALLED_AFTER": "6"}
    with workers(env, tmp_path / "first") as [first]:
        wait_until("the first worker to load the page", gate.arrived.is_set)
        assert [job["status"] for job in jobs(env)] == ["running"]
        first.kill()
    assert query(database_url, "SELECT count(*) FROM captures") == [(0,)]
    gate.opened.set()
    with workers(env, tmp_path / "second") as [second]:
        wait_until("another worker to retry the job", all_finished(env, 1))
        assert f"job {job_id} stalled with its worker" in second.log.read_text()
    [job] = jobs(env)
    assert job["status"] == "done" and job["attempts"] == 2, job
    assert len(job["captures"]) == 1
    assert_each_captured_once(env, database_url, [gated])


@pytest.mark.timeout(1500)  # a few minutes on a busy machine; the waits say what they await
def test_two_workers_capture_each_of_many_urls_once(
    env: dict[str, str], database_url: str, tmp_path: Path
) -> None:
    urls = [url(n) for n in range(MANY)]
    ids = enqueue(env, urls, tmp_path)
    assert len(ids) == MANY
    with workers(env, tmp_path, count=2, concurrency=2) as started:
        wait_until(f"two workers to finish {MANY} jobs", all_finished(env, MANY))
        assert [worker.stop() for worker in started] == [0, 0]
    finished = jobs(env)
    assert {job["status"] for job in finished} == {"done"}
    assert sorted(len(job["captures"]) for job in finished) == [1] * MANY
    # Both took their share: neither sat idle while the other worked.
    workers_used = query(
        database_url,
        "SELECT count(DISTINCT worker_id) FROM procrastinate_jobs WHERE worker_id IS NOT NULL",
    )
    assert workers_used in ([(0,)], [(1,)], [(2,)])  # finished jobs may keep or drop the id
    assert_each_captured_once(env, database_url, urls)


def test_a_worker_whose_browser_died_starts_a_new_one(
    env: dict[str, str], database_url: str, tmp_path: Path
) -> None:
    urls = [url(f"crash-{n}") for n in range(4)]
    enqueue(env, urls[:1], tmp_path)
    with workers(env, tmp_path, concurrency=1) as [worker]:
        wait_until("the first job to be done", all_finished(env, 1))
        browsers = chromium_under(worker.process.pid)
        assert browsers, worker.tail()
        for pid in browsers:  # the system killing the browser (out of memory, a crash)
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        enqueue(env, urls[1:], tmp_path)
        wait_until("the jobs queued after the crash to be done", all_finished(env, len(urls)))
        assert worker.process.poll() is None, worker.tail()
        assert "a new one was started" in worker.log.read_text()
    assert {job["status"] for job in jobs(env)} == {"done"}
    assert_each_captured_once(env, database_url, urls)


def test_workers_reconnect_after_the_database_restarts(
    env: dict[str, str], database_url: str, postgres: Cluster, tmp_path: Path
) -> None:
    urls = [url(f"restart-{n}") for n in range(24)]
    enqueue(env, urls, tmp_path)
    with workers(env, tmp_path, concurrency=2) as [worker]:
        wait_until("some jobs to be done", lambda: len(jobs(env, "--status", "done")) >= 2)
        postgres.restart()
        wait_until("every job to be done after the restart", all_finished(env, len(urls)))
        assert worker.process.poll() is None, worker.tail()  # it reconnected, it did not exit
    assert {job["status"] for job in jobs(env)} == {"done"}
    assert_each_captured_once(env, database_url, urls)


@pytest.fixture
def s3(tmp_path: Path) -> Iterator[Seaweed]:
    try:
        server = Seaweed(tmp_path / "seaweed")
    except RuntimeError as exc:
        pytest.fail(str(exc))
    server.start()
    try:
        server.create_bucket("evidence")
        yield server
    finally:
        server.stop()


@pytest.mark.timeout(900)
def test_jobs_stopped_by_the_s3_server_going_away_store_nothing_half(
    env: dict[str, str], database_url: str, s3: Seaweed, tmp_path: Path
) -> None:
    env = env | s3.env() | {"POSTPROOF_BLOBS": "s3://evidence/news/"}
    urls = [url(f"s3-{n}") for n in range(12)]
    enqueue(env, urls, tmp_path)

    def failed_for_storage() -> bool:
        # Asked of the database: a command opening the archive would wait for the store too.
        return query(database_url, "SELECT count(*) FROM job_failures") != [(0,)]

    with workers(env, tmp_path, concurrency=2) as [worker]:
        wait_until("some jobs to be done", lambda: done_count(database_url) >= 2)
        s3.stop()
        wait_until("a job to fail for want of the blob store", failed_for_storage)
        s3.start()
        wait_until("every job to finish", all_finished(env, len(urls)))
        assert worker.process.poll() is None, worker.tail()
    finished = jobs(env)
    # Why each failed attempt failed is kept, even for a job a retry then finished.
    errors = [row[0] for row in query(database_url, "SELECT error FROM job_failures")]
    assert errors and all(e.startswith("the blob store ") for e in errors), errors
    assert all(job["error"] is None for job in finished if job["status"] == "done")
    # A job either stored its one capture (at its first attempt or a retry) or none at all.
    stored = [url for job in finished if job["captures"] for url in job["urls"]]
    assert all(job["status"] == "done" for job in finished if job["captures"])
    assert all(len(job["captures"]) <= 1 for job in finished)
    assert len(stored) >= 2
    counts = dict(query(database_url, "SELECT requested_url, count(*) FROM captures GROUP BY 1"))
    assert counts == dict.fromkeys(stored, 1)
    verified = cli_json(env, "verify", "--all")
    assert verified["ok"] is True, verified["problems"]
