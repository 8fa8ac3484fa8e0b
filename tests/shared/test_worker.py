"""Capture workers on the shared archive's task queue: ``capture --queue`` puts one job per URL
on the queue, ``jobs`` lists them, a real ``postproof worker`` process captures each once, and
a job retried after its worker stored its capture stores nothing again."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import sqlalchemy as sa

from archiver.errors import UsageError
from demo import FakeWeb
from postproof.settings import Settings, WorkerSettings
from storage import open_archive
from tests.conftest import run_cli
from tests.shared.workers import (
    all_finished,
    cli_json,
    jobs,
    queue_env,
    url,
    wait_until,
    workers,
)
from tests.storage.factories import make_result

pytestmark = pytest.mark.browser


@pytest.fixture
def env(queue_web: FakeWeb, home: Path, database_url: str) -> dict[str, str]:
    return queue_env(queue_web, home, database_url)


def capture_count(database_url: str) -> int:
    engine = sa.create_engine(database_url.replace("postgresql://", "postgresql+psycopg://", 1))
    try:
        with engine.connect() as connection:
            return int(connection.exec_driver_sql("SELECT count(*) FROM captures").scalar_one())
    finally:
        engine.dispose()


def test_the_queue_needs_the_shared_archive(queue_web: FakeWeb, home: Path) -> None:
    env = queue_env(queue_web, home, "")
    del env["POSTPROOF_DATABASE_URL"]
    for args in (("capture", "--queue", url(1)), ("jobs",), ("worker",)):
        done = run_cli(*args, env=env)
        assert done.returncode == 2, (args, done.stderr)
        assert "needs the shared archive" in done.stderr
        assert "POSTPROOF_DATABASE_URL" in done.stderr and "Traceback" not in done.stderr
    refused = cli_json(env, "capture", "--queue", url(1), code=2)
    assert refused["ok"] is False and "embedded" in refused["error"]


def test_capture_options_are_the_workers_not_the_queuers(env: dict[str, str]) -> None:
    done = run_cli("capture", "--queue", "--timeout", "5", url(1), env=env)
    assert done.returncode == 2
    assert "--timeout cannot be given with --queue" in done.stderr
    assert jobs(env) == []


def test_queued_captures_are_made_once_each_by_a_worker(
    env: dict[str, str], database_url: str, tmp_path: Path
) -> None:
    queued = cli_json(env, "capture", "--queue", url(1), url(2), url(1), "--context", "0")["jobs"]
    assert [job["urls"] for job in queued] == [[url(1)], [url(2)]]  # the repeated URL once
    assert {job["status"] for job in queued} == {"queued"}
    assert all(job["attempts"] == 0 and job["captures"] == [] for job in queued)
    said = run_cli("capture", "--queue", url(3), env=env)
    assert said.returncode == 0, said.stderr
    third_id, third_url = said.stdout.split()
    assert third_url == url(3) and "postproof jobs" in said.stderr
    assert len(jobs(env, "--status", "queued")) == 3 and jobs(env, "--status", "done") == []

    with workers(env, tmp_path) as started:
        wait_until("the worker to finish 3 jobs", all_finished(env, 3))
        assert started[0].stop() == 0, started[0].tail()

    finished = {job["id"]: job for job in jobs(env)}
    assert sorted(finished) == sorted([queued[0]["id"], queued[1]["id"], int(third_id)])
    for job in finished.values():
        assert job["status"] == "done" and job["attempts"] == 1 and job["error"] is None
        assert job["started_at"] and job["finished_at"] and job["finished_at"] >= job["started_at"]
        [capture_id] = job["captures"]
        shown = cli_json(env, "show", capture_id)["capture"]
        assert shown["url"] == job["urls"][0] and shown["status"] == "ok"
    assert capture_count(database_url) == 3
    one = jobs(env, str(queued[1]["id"]))
    assert [job["id"] for job in one] == [queued[1]["id"]]
    assert cli_json(env, "verify", "--all")["ok"] is True
    human = run_cli("jobs", env=env)
    assert human.returncode == 0 and f"captures: {finished[queued[0]['id']]['captures'][0]}" in (
        human.stdout
    )


def test_a_retried_job_finds_the_capture_it_stored_and_stores_nothing_again(
    env: dict[str, str], home: Path, database_url: str, tmp_path: Path
) -> None:
    [job] = cli_json(env, "capture", "--queue", url(7), "--context", "0")["jobs"]
    # Its first worker stored the capture, then died before the queue heard that it was done.
    with open_archive(home, database_url=database_url) as archive:
        stored = archive.store(make_result(url(7), post_id="7"), job=(job["id"], True))
    with workers(env, tmp_path) as started:
        wait_until("the worker to finish the job", all_finished(env, 1))
        started[0].stop()
        assert "not capturing again" in started[0].log.read_text()
    [done] = jobs(env)
    assert done["status"] == "done" and done["captures"] == [stored]
    assert capture_count(database_url) == 1
    assert json.loads(run_cli("verify", "--all", "--json", env=env).stdout)["ok"] is True


def test_how_soon_a_silent_worker_is_taken_for_dead_is_a_setting(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("POSTPROOF_WORKER_STALLED_AFTER", raising=False)
    assert Settings.load(tmp_path).worker == WorkerSettings(stalled_after=20.0)
    assert Settings.load(tmp_path).worker.heartbeat == 5.0
    (tmp_path / "config.toml").write_text("[worker]\nstalled_after = 8\n", encoding="utf-8")
    assert Settings.load(tmp_path).worker.stalled_after == 8.0
    assert Settings.load(tmp_path).worker.heartbeat == 2.0  # four beats in the time allowed
    monkeypatch.setenv("POSTPROOF_WORKER_STALLED_AFTER", "6")
    assert Settings.load(tmp_path).worker.stalled_after == 6.0
    monkeypatch.setenv("POSTPROOF_WORKER_STALLED_AFTER", "1")
    with pytest.raises(UsageError, match="too short") as refused:
        Settings.load(tmp_path)
    assert refused.value.hint is not None and "4 seconds or more" in refused.value.hint


def test_how_often_a_worker_seals_is_a_setting(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("POSTPROOF_WORKER_SEAL_EVERY", raising=False)
    assert Settings.load(tmp_path).worker.seal_every == 5.0
    (tmp_path / "config.toml").write_text("[worker]\nseal_every = 0\n", encoding="utf-8")
    assert Settings.load(tmp_path).worker.seal_every == 0.0
    monkeypatch.setenv("POSTPROOF_WORKER_SEAL_EVERY", "30")
    assert Settings.load(tmp_path).worker.seal_every == 30.0
    for wrong in ("-1", "7200"):
        monkeypatch.setenv("POSTPROOF_WORKER_SEAL_EVERY", wrong)
        with pytest.raises(UsageError, match="out of range") as refused:
            Settings.load(tmp_path)
        assert refused.value.hint is not None and "0 to 3600 seconds" in refused.value.hint


def checkpoint_sizes(database_url: str) -> list[int]:
    engine = sa.create_engine(database_url.replace("postgresql://", "postgresql+psycopg://", 1))
    try:
        with engine.connect() as connection:
            found = connection.exec_driver_sql("SELECT size FROM checkpoints ORDER BY size")
            return [int(size) for (size,) in found]
    finally:
        engine.dispose()


def test_a_worker_seals_once_over_the_jobs_it_finished_meanwhile(
    env: dict[str, str], database_url: str, tmp_path: Path
) -> None:
    """Sealing after each job would sign a checkpoint (and ask the TSA for a timestamp) per
    capture: the first job is sealed at once, the two after it wait out ``seal_every``, and
    the worker seals them when it stops."""
    env = env | {"POSTPROOF_WORKER_SEAL_EVERY": "3600"}
    cli_json(env, "capture", "--queue", url(11), url(12), url(13), "--context", "0")
    with workers(env, tmp_path, concurrency=1) as [worker]:
        wait_until("the worker to finish 3 jobs", all_finished(env, 3))
        wait_until("the first job's checkpoint", lambda: len(checkpoint_sizes(database_url)) > 0)
        running = checkpoint_sizes(database_url)
        assert worker.stop() == 0, worker.tail()
    assert len(running) == 1, running  # one checkpoint, not one a job
    assert checkpoint_sizes(database_url) == sorted({*running, 3})  # the rest sealed at its stop
    verified = cli_json(env, "verify", "--all")
    assert verified["ok"] is True and verified["log"]["unsealed_entries"] == 0
