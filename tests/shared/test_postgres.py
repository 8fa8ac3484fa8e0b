"""What is PostgreSQL's own in the shared archive: how it is configured, what its failures say to
the person who set it up, its writer lock, the locks that tell live runs from dead ones, and
migrations started by two processes at once."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import sqlalchemy as sa

import storage._database
from archiver.errors import StorageError, UsageError
from archiver.models import Artifact, ArtifactKind
from storage import Archive, open_archive
from storage._database import read_session, write_session
from storage._postgres import WRITER, advisory_key, engine_url
from tests.shared.cluster import Cluster
from tests.shared.conftest import new_database, raw_engine
from tests.storage.factories import child_env, make_result, screenshot
from tests.storage.test_journal import STALLING_CHILD


def test_the_urls_people_write_are_taken_with_the_psycopg_driver() -> None:
    for given in ("postgresql://u:p@db:5432/news", "postgres://u:p@db/news"):
        url = engine_url(given)
        assert (url.drivername, url.database, url.password) == ("postgresql+psycopg", "news", "p")
    assert engine_url("postgresql+psycopg://db/news").host == "db"
    with pytest.raises(UsageError, match=r"\(mysql:…\) is not a PostgreSQL URL") as caught:
        engine_url("mysql://u:secret@db/news")
    assert "secret" not in str(caught.value) + str(caught.value.hint)


def test_the_environment_puts_the_archive_in_postgresql(
    database_url: str, home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("POSTPROOF_DATABASE_URL", database_url)
    with open_archive(home) as archive:
        capture_id = archive.store(make_result())
    assert not (home / "postproof.sqlite3").exists()
    # Another machine's data home, the same database: the capture is there.
    with open_archive(tmp_path / "elsewhere") as other:
        assert [r.id for r in other.list_captures()] == [capture_id]
    monkeypatch.delenv("POSTPROOF_DATABASE_URL")
    with open_archive(tmp_path / "elsewhere") as embedded:
        assert embedded.count_captures() == 0


def test_config_toml_puts_the_archive_in_postgresql(database_url: str, home: Path) -> None:
    home.mkdir()
    (home / "config.toml").write_text(f'[database]\nurl = "{database_url}"\n', encoding="utf-8")
    with open_archive(home) as archive:
        archive.store(make_result())
    with open_archive(home.parent / "other", database_url=database_url) as other:
        assert other.count_captures() == 1
    assert not (home / "postproof.sqlite3").exists()


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_an_unreachable_server_is_reported(home: Path) -> None:
    port = _closed_port()
    with pytest.raises(StorageError, match=f"server at 127.0.0.1:{port} cannot be reached") as e:
        open_archive(home, database_url=f"postgresql://u:secret@127.0.0.1:{port}/news")
    assert e.value.hint is not None and "POSTPROOF_DATABASE_URL" in e.value.hint
    assert isinstance(e.value.__cause__, sa.exc.OperationalError)
    assert "secret" not in e.value.message


def test_a_refused_sign_in_is_reported(postgres: Cluster, home: Path) -> None:
    url = postgres.url().replace(postgres.password, "not-the-password")
    with pytest.raises(StorageError, match="refused postproof's sign-in as postgres") as e:
        open_archive(home, database_url=url)
    assert e.value.hint is not None and "password" in e.value.hint


def test_a_missing_database_is_reported(postgres: Cluster, home: Path) -> None:
    with pytest.raises(StorageError, match='"newsroom" does not exist') as caught:
        open_archive(home, database_url=postgres.url("newsroom"))
    assert caught.value.hint is not None and "createdb newsroom" in caught.value.hint


def test_writers_wait_for_the_writer_lock_and_say_so_when_it_is_held_too_long(
    database_url: str, home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """BEGIN IMMEDIATE's role: one writer at a time; one kept waiting hears why."""
    monkeypatch.setattr(storage._database, "BUSY_TIMEOUT_SECONDS", 0.3)
    with open_archive(home, database_url=database_url) as archive:
        engine = raw_engine(archive, database_url)
        try:
            with engine.connect() as other_writer:
                other_writer.execute(sa.select(sa.func.pg_advisory_lock(advisory_key(WRITER))))
                with pytest.raises(StorageError, match="busy with another postproof") as caught:
                    archive.store(make_result())
                assert caught.value.hint is not None and "try again" in caught.value.hint
                assert archive.count_captures() == 0  # reading never waits for writers
                other_writer.execute(sa.select(sa.func.pg_advisory_unlock_all()))
            assert archive.store(make_result())
        finally:
            engine.dispose()


def test_a_dead_run_is_told_from_a_live_one_by_its_lock(database_url: str, home: Path) -> None:
    """A child stalls inside the transaction recording its capture, then dies: while it lives
    its blobs are in flight; once the server has dropped its connection (and lock), recovery
    removes them. No lock file is involved: the runs could be on different machines."""
    child_html_sha = Artifact.from_bytes(
        ArtifactKind.HTML, b"<p>only the child has this</p>", "text/html"
    ).sha256
    with open_archive(home, database_url=database_url) as archive:
        kept = archive.store(make_result())
    child = subprocess.Popen(
        [sys.executable, "-c", STALLING_CHILD, str(home), "https://social.example/@c/202"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        env={**child_env(), "POSTPROOF_DATABASE_URL": database_url},
    )
    try:
        assert child.stdout is not None and child.stdin is not None
        child_run = child.stdout.readline().strip()
        assert child_run.startswith("run-")
        with open_archive(home, database_url=database_url) as archive:
            assert archive.recovery.orphan_blobs_removed == 0
            assert archive.blobs.exists(child_html_sha)
            child.stdin.write("die\n")
            child.stdin.close()
            assert child.wait(timeout=30) == 0
            # The server drops the dead child's session (and its lock) once it notices the
            # connection closed, a moment after the process ended: till then the run is alive.
            deadline = time.monotonic() + 30
            report = archive.recover()
            while not report.dead_runs and time.monotonic() < deadline:
                time.sleep(0.1)
                report = archive.recover()
            assert report.dead_runs == (child_run,)
            assert report.orphan_blobs_removed == 1  # the screenshot is also the parent's
            assert not archive.blobs.exists(child_html_sha)
            assert archive.blobs.exists(screenshot().sha256)
            assert [r.id for r in archive.list_captures()] == [kept]
            assert archive.verify().ok
        assert list((home / "runs").glob("run-*.lock")) == []
    finally:
        child.kill()
        child.wait()
        for stream in (child.stdin, child.stdout):
            if stream is not None and not stream.closed:
                stream.close()


MIGRATING_CHILD = """
import sys
from pathlib import Path
from storage import open_archive
with open_archive(Path(sys.argv[1]), database_url=sys.argv[2]) as archive:
    print(archive.count_captures())
"""


def test_two_processes_migrating_an_empty_database_at_once_both_succeed(
    postgres: Cluster, admin: sa.Engine, tmp_path: Path
) -> None:
    url = postgres.url(new_database(admin))
    children = [
        subprocess.Popen(
            [sys.executable, "-c", MIGRATING_CHILD, str(tmp_path / f"home{n}"), url],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=child_env(),
        )
        for n in range(2)
    ]
    outputs = [child.communicate(timeout=120) for child in children]
    assert [child.returncode for child in children] == [0, 0], outputs
    assert [out.strip() for out, _err in outputs] == ["0", "0"]


def test_a_server_restart_costs_nothing_but_the_moment(
    database_url: str, home: Path, postgres: Cluster
) -> None:
    with open_archive(home, database_url=database_url) as archive:
        first = archive.store(make_result())
        postgres.restart()  # every connection of the pool is cut
        second = archive.store(make_result(text="after the restart"))
        assert [r.id for r in archive.history(first)] == [first, second]
        archive.seal()
        assert archive.verify().ok


def test_writers_read_what_the_writer_before_them_committed(database_url: str, home: Path) -> None:
    """A writer's snapshot must not predate the lock it waited for: write transactions run at
    READ COMMITTED, reads at REPEATABLE READ (one snapshot each, as SQLite's readers have)."""
    with open_archive(home, database_url=database_url) as archive:
        engine = archive._open_parts()[0]
        isolation = sa.text("SELECT current_setting('transaction_isolation')")
        with write_session(engine) as session:
            assert session.execute(isolation).scalar() == "read committed"
            held = sa.text(
                "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' "
                "AND pid = pg_backend_pid() AND granted"
            )
            assert session.execute(held).scalar() == 1  # the writer lock, from the start
        with read_session(engine) as session:
            assert session.execute(isolation).scalar() == "repeatable read"


def test_the_embedded_archive_never_loads_the_postgresql_driver(tmp_path: Path) -> None:
    code = (
        "import sys; from pathlib import Path; from storage import open_archive; "
        f"open_archive(Path({str(tmp_path / 'home')!r})).close(); "
        "print(sorted(m for m in ('psycopg', 'psycopg_binary') if m in sys.modules))"
    )
    env = {k: v for k, v in child_env().items() if k != "POSTPROOF_DATABASE_URL"}
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True
    )
    assert done.stdout.strip() == "[]"


def _cut_run_lock(archive: Archive, database_url: str) -> None:
    """End, from the server's side, the connection that holds the run's lock (as a server
    restart or a network cut would)."""
    engine = raw_engine(archive, database_url)
    key = advisory_key(f"run:{archive.run_id}")
    try:
        with engine.begin() as connection:
            ended = connection.execute(
                sa.text(
                    "SELECT pg_terminate_backend(pid) FROM pg_locks WHERE locktype = 'advisory' "
                    "AND granted AND objsubid = 1 AND classid = :high AND objid = :low"
                ),
                {"high": (key >> 32) & 0xFFFFFFFF, "low": key & 0xFFFFFFFF},
            ).all()
        assert ended == [(True,)]
    finally:
        engine.dispose()


def test_a_run_that_lost_its_lock_takes_it_again_and_never_records_reclaimed_blobs(
    database_url: str, home: Path
) -> None:
    html = Artifact.from_bytes(ArtifactKind.HTML, b"<p>in flight</p>", "text/html")
    with open_archive(home, database_url=database_url) as archive:
        engine, journal = archive._open_parts()
        journal.reserve([html.sha256])
        archive.blobs.put(html.data, html.sha256)
        _cut_run_lock(archive, database_url)
        # Another run now takes this one for dead and cleans up after it.
        with open_archive(home, database_url=database_url) as other:
            assert other.recovery.dead_runs == (archive.run_id,)
            assert not archive.blobs.exists(html.sha256)
        with (
            pytest.raises(StorageError, match="nothing was recorded"),
            write_session(engine) as session,
        ):
            journal.settle(session, [html.sha256])
        # The lock was taken again: the run is alive to others, and stores as before.
        with open_archive(home, database_url=database_url) as third:
            assert archive.run_id not in third.recover().dead_runs
            assert third.store(make_result()) and archive.store(make_result(text="again"))
        _cut_run_lock(archive, database_url)
        archive.store(make_result(text="after another cut"))  # nothing reclaimed: recorded
        assert archive.count_captures() == 3
        report = archive.verify()
        assert report.ok, report.problems


def test_one_recheck_at_a_time_across_machines(database_url: str, tmp_path: Path) -> None:
    """The re-check lock is the archive's, not a data home's: a second machine (another data
    home, the same database) is told who re-checks, and takes over once that run ends."""
    import watch

    with (
        open_archive(tmp_path / "laptop", database_url=database_url) as laptop,
        open_archive(tmp_path / "server", database_url=database_url) as server,
    ):
        with (
            watch.recheck_lock(laptop),
            pytest.raises(watch.AlreadyRunning, match=r"\(postproof on .+ pid \d+ since "),
            watch.recheck_lock(server),
        ):
            pytest.fail("two re-checks ran at once")
        with watch.recheck_lock(server), laptop.exclusive("recheck") as holder:
            assert holder is not None and holder.startswith("postproof on ")
