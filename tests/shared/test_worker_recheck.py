"""Re-checks on the shared archive run as the workers' periodic task: the watched posts that are
due are put on the queue, one job per post, each under its post's locks, so that two workers
never re-check the same post at once (nor queue it twice)."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa

from demo import FakeWeb
from storage import open_archive
from storage._jobs import NewJob, recheck_lock
from tests.shared.workers import (
    cli_json,
    jobs,
    queue_env,
    url,
    wait_until,
    workers,
)
from tests.storage.factories import make_result


def watched_post(home: Path, database_url: str, name: str) -> int:
    """A post captured once (so watched, and due at once) whose page the queue web serves."""
    with open_archive(home, database_url=database_url) as archive:
        capture_id = archive.store(make_result(url(name), platform="generic", post_id=None))
        return archive.get_capture(capture_id).post_id


def test_a_post_is_never_queued_twice_for_a_recheck(home: Path, database_url: str) -> None:
    post_id = watched_post(home, database_url, "lock-1")
    other = watched_post(home, database_url, "lock-2")
    with open_archive(home, database_url=database_url) as archive:
        first = archive.jobs.enqueue_rechecks([post_id])
        assert len(first) == 1
        assert archive.jobs.enqueue_rechecks([post_id]) == []  # one is waiting already
        # A job taken by a worker still counts: the post is not queued again while it runs.
        engine = sa.create_engine(database_url.replace("postgresql://", "postgresql+psycopg://"))
        try:
            with engine.begin() as connection:
                connection.exec_driver_sql(
                    "UPDATE procrastinate_jobs SET status = 'doing' WHERE id = %s", (first[0],)
                )
                locks = connection.exec_driver_sql(
                    "SELECT lock, queueing_lock FROM procrastinate_jobs WHERE id = %s", (first[0],)
                ).one()
        finally:
            engine.dispose()
        assert tuple(locks) == (recheck_lock(post_id), recheck_lock(post_id))
        assert len(archive.jobs.enqueue_rechecks([post_id, other])) == 1  # the other post only
        queued = archive.jobs.list(state="queued")
        assert [job.args for job in queued] == [{"post_id": other}]


def test_old_ticks_of_the_periodic_task_are_pruned_and_nothing_else(
    home: Path, database_url: str
) -> None:
    with open_archive(home, database_url=database_url) as archive:
        ticks = archive.jobs.enqueue([NewJob("recheck_due", {"n": n}) for n in range(6)])
        captures = archive.jobs.enqueue([NewJob("capture", {"n": n}) for n in range(2)])
        engine = sa.create_engine(database_url.replace("postgresql://", "postgresql+psycopg://"))
        try:
            with engine.begin() as connection:
                done = ticks[:5] + captures
                connection.exec_driver_sql(
                    "UPDATE procrastinate_jobs SET status = 'succeeded' WHERE id = ANY(%s)", (done,)
                )
                connection.exec_driver_sql(  # the tick procrastinate still points at
                    "INSERT INTO procrastinate_periodic_defers (task_name, defer_timestamp, "
                    "job_id) VALUES ('postproof.recheck_due', 1, %s)",
                    (ticks[0],),
                )
            assert archive.jobs.prune_ticks(keep=3) == 2  # ticks 1 and 2
            with engine.connect() as connection:
                left = (
                    connection.exec_driver_sql("SELECT id FROM procrastinate_jobs ORDER BY id")
                    .scalars()
                    .all()
                )
        finally:
            engine.dispose()
        assert left == sorted([ticks[0], *ticks[3:], *captures])
        assert archive.jobs.prune_ticks(keep=3) == 0


@pytest.mark.browser
def test_two_workers_recheck_a_due_post_once(
    queue_web: FakeWeb, home: Path, database_url: str, tmp_path: Path
) -> None:
    env = queue_env(queue_web, home, database_url)
    post_id = watched_post(home, database_url, "recheck-1")
    command = ("--recheck-every", "1")
    with workers(env, tmp_path, count=2, extra=command) as started:
        wait_until(
            "a worker to re-check the due post",
            lambda: any(j["status"] == "done" for j in jobs(env) if j["kind"] == "recheck"),
        )
        # Ticks go on while the post is no longer due: no other job is made for it.
        ticks = [w.log.read_text().count("recheck_due") for w in started]
        wait_until(
            "more periodic ticks",
            lambda: sum(w.log.read_text().count("recheck_due") for w in started) > sum(ticks) + 4,
        )
    rechecks = [j for j in jobs(env) if j["kind"] == "recheck"]
    assert [(j["args"], j["status"], len(j["captures"])) for j in rechecks] == [
        ({"post_id": post_id}, "done", 1)
    ]
    history = cli_json(env, "history", url("recheck-1"))
    assert len(history["captures"]) == 2
    shown = cli_json(env, "show", rechecks[0]["captures"][0])["capture"]
    assert shown["watch"]["next_check_at"] is not None  # scheduled for later, not due again
