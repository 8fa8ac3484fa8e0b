"""Crash safety: what runs that die while storing leave behind, and what recovery removes."""

from __future__ import annotations

import multiprocessing
import random
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from archiver.models import Artifact, ArtifactKind
from storage import Archive, open_archive
from tests.storage.factories import child_env, make_result, screenshot, store_many

# A child that stores one capture and stops inside the transaction recording it (the id
# generator runs there): its journal rows and blobs are committed, its capture is not.
STALLING_CHILD = """
import os, sys
from pathlib import Path
from storage import open_archive
from tests.storage.factories import make_result, screenshot
from archiver.models import Artifact, ArtifactKind

def stall():
    print(archive.run_id, flush=True)
    sys.stdin.readline()
    os._exit(0)  # die before the commit

archive = open_archive(Path(sys.argv[1]), new_id=stall)
archive.store(make_result(sys.argv[2], post_id="202", artifacts=(
    screenshot(),
    Artifact.from_bytes(ArtifactKind.HTML, b"<p>only the child has this</p>", "text/html"),
)))
"""

# A child that stores captures until it is killed.
ENDLESS_CHILD = """
import sys
from datetime import timedelta
from pathlib import Path
from storage import open_archive
from tests.storage.factories import T0, make_result

with open_archive(Path(sys.argv[1])) as archive:
    print("started", flush=True)
    for index in range(100_000):
        archive.store(make_result(
            f"https://social.example/@{sys.argv[2]}/{index}",
            post_id=f"{sys.argv[2]}-{index}",
            started_at=T0 + timedelta(seconds=index),
            text=f"post {index} " * 200,
        ))
        if index == 0:
            print("stored", flush=True)
"""


def _pending_rows(home: Path) -> int:
    db = sqlite3.connect(home / "postproof.sqlite3")
    try:
        (count,) = db.execute("SELECT count(*) FROM pending_blobs").fetchone()
    finally:
        db.close()
    return int(count)


def test_orphans_of_a_live_run_are_kept_and_those_of_a_dead_run_removed(home: Path) -> None:
    with open_archive(home) as archive:
        kept = archive.store(make_result())
    child_html = Artifact.from_bytes(
        ArtifactKind.HTML, b"<p>only the child has this</p>", "text/html"
    )
    child = subprocess.Popen(
        [sys.executable, "-c", STALLING_CHILD, str(home), "https://social.example/@c/202"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        env=child_env(),
    )
    try:
        assert child.stdout is not None and child.stdin is not None
        child_run = child.stdout.readline().strip()
        assert child_run.startswith("run-")
        with open_archive(home) as archive:
            # The child is alive: its blobs are in flight, not orphans.
            assert archive.recovery.orphan_blobs_removed == 0
            assert archive.blobs.exists(child_html.sha256)
            assert archive.verify().ok
            assert _pending_rows(home) == 2

            child.stdin.write("die\n")
            child.stdin.close()
            assert child.wait(timeout=30) == 0

            report = archive.recover()
            assert report.dead_runs == (child_run,)
            assert report.orphan_blobs_removed == 1  # the screenshot is also the parent's
            assert not archive.blobs.exists(child_html.sha256)
            assert archive.blobs.exists(screenshot().sha256)
            assert not (home / "runs" / f"{child_run}.lock").exists()
            assert _pending_rows(home) == 0
            assert [r.id for r in archive.list_captures()] == [kept]
            assert archive.verify().ok
    finally:
        child.kill()
        child.wait()
        for stream in (child.stdin, child.stdout):
            if stream is not None and not stream.closed:
                stream.close()


def test_temp_and_lock_files_of_dead_runs_are_removed(
    archive: Archive, home: Path, backend: str | None
) -> None:
    with open_archive(home, database_url=backend) as other:  # a live run in this process
        dead_run = "run-1-0123456789ab"
        (home / "runs" / f"{dead_run}.lock").touch()
        dead_temp = home / "blobs" / "tmp" / f"{dead_run}.feed.tmp"
        dead_temp.write_bytes(b"half a blob")
        live_temp = home / "blobs" / "tmp" / f"{other.run_id}.beef.tmp"
        live_temp.write_bytes(b"being written")
        report = archive.recover()
        assert (report.temp_files_removed, report.lock_files_removed) == (1, 1)
        assert not dead_temp.exists()
        assert live_temp.exists()
        if backend is None:  # PostgreSQL holds a live run by an advisory lock, not a file
            assert (home / "runs" / f"{other.run_id}.lock").exists()
        live_temp.unlink()
    assert not (home / "runs" / f"{other.run_id}.lock").exists()


def test_two_processes_store_concurrently(home: Path) -> None:
    per_worker = 12
    context = multiprocessing.get_context("spawn")
    with context.Pool(2) as pool:
        # A fresh home: both workers also race to create and migrate the database.
        results = pool.starmap(store_many, [(str(home), 0, per_worker), (str(home), 1, per_worker)])
        pool.close()
        pool.join()
    ids = [capture_id for worker_ids in results for capture_id in worker_ids]
    assert len(set(ids)) == 2 * per_worker
    with open_archive(home) as archive:
        assert archive.count_captures() == 2 * per_worker
        report = archive.verify()
        assert report.ok, report.problems
        assert report.blobs_checked == 2 * per_worker + 1  # the screenshot is shared


@pytest.mark.slow
def test_killing_writers_at_random_moments_leaves_a_consistent_archive(home: Path) -> None:
    chance = random.Random(20250301)
    for round_number in range(4):
        child = subprocess.Popen(
            [sys.executable, "-c", ENDLESS_CHILD, str(home), f"round{round_number}"],
            stdout=subprocess.PIPE,
            text=True,
            env=child_env(),
        )
        assert child.stdout is not None
        assert child.stdout.readline().strip() == "started"
        if round_number == 3:
            # However loaded the machine, the last child has stored something before it dies.
            assert child.stdout.readline().strip() == "stored"
        time.sleep(chance.uniform(0.05, 0.6))
        child.send_signal(signal.SIGKILL)
        child.wait()
        child.stdout.close()

    with open_archive(home) as archive:
        report = archive.verify()
        assert report.ok, report.problems
        captures = archive.list_captures()
        assert captures, "no child managed to store anything"
        assert all(len(c.artifacts) == 3 for c in captures)  # never half a capture
    assert _pending_rows(home) == 0
    assert list((home / "blobs" / "tmp").iterdir()) == []
    assert [p.name for p in (home / "runs").iterdir()] == ["migrate.lock"]
