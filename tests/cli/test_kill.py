"""A capture run killed at any moment leaves a consistent archive."""

from __future__ import annotations

import json
import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.conftest import run_cli
from tests.fixtureweb import EXPECTED, FIXTURE_URLS

pytestmark = [pytest.mark.browser, pytest.mark.slow]

LIVE = [
    FIXTURE_URLS[n] for n, e in EXPECTED.items() if e.status == "ok" and e.platform != "generic"
]


def _captures_stored(home: Path) -> int:
    database = home / "postproof.sqlite3"
    if not database.exists():
        return 0
    with sqlite3.connect(database, timeout=30) as db:
        try:
            return int(db.execute("SELECT count(*) FROM captures").fetchone()[0])
        except sqlite3.OperationalError:
            return 0  # not migrated yet


def _capture_run(env: dict[str, str], stderr: int) -> subprocess.Popen[str]:
    """``postproof capture`` of every live fixture post, as a process group of its own."""
    return subprocess.Popen(
        [str(Path(sys.executable).with_name("postproof")), "capture", "--concurrency", "2", *LIVE],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=stderr,
        text=True,
        start_new_session=True,
    )


def _wait_for_captures(home: Path, count: int, patience: float = 90) -> None:
    deadline = time.monotonic() + patience
    while _captures_stored(home) < count and time.monotonic() < deadline:
        time.sleep(0.05)


@pytest.mark.parametrize("kill_after_captures", [0, 1, 3])
def test_killed_capture_run_leaves_no_half_recorded_capture(
    cli_env: dict[str, str], home: Path, kill_after_captures: int
) -> None:
    rng = random.Random(kill_after_captures)
    process = _capture_run(cli_env, stderr=subprocess.DEVNULL)
    try:
        _wait_for_captures(home, kill_after_captures)
        # Somewhere inside the next capture: loading, screenshotting or storing.
        time.sleep(rng.uniform(0.0, 1.5))
        assert process.poll() is None, "the run finished before it could be killed"
        os.killpg(process.pid, signal.SIGKILL)
    finally:
        process.wait(timeout=30)
    done = run_cli("verify", "--all", "--json", env=cli_env)
    assert done.returncode == 0, done.stdout
    report = json.loads(done.stdout)
    assert report["ok"] is True
    listed = json.loads(run_cli("list", "--json", env=cli_env).stdout)["captures"]
    assert len(listed) >= kill_after_captures
    for capture in listed:
        shown = json.loads(run_cli("show", capture["id"], "--json", env=cli_env).stdout)["capture"]
        kinds = {a["kind"] for a in shown["artifacts"]}
        # A recorded capture is whole: its provenance and every artifact it names are there.
        assert "provenance" in kinds
        provenance = json.loads(
            Path(
                next(a for a in shown["artifacts"] if a["kind"] == "provenance")["path"]
            ).read_text()
        )
        # The WARC is written last, holding the provenance record: it is not listed inside it.
        assert set(provenance["artifacts"]) == kinds - {"provenance", "media", "warc"}
        media = {a["source_url"]: a["sha256"] for a in shown["artifacts"] if a["kind"] == "media"}
        assert provenance["media"] == media
    # The next run works normally on the same data home.
    again = run_cli("capture", FIXTURE_URLS["x_live"], "--json", env=cli_env)
    assert again.returncode == 0, again.stdout


def test_ctrl_c_stops_a_capture_run_after_its_captures_unwind(
    cli_env: dict[str, str], home: Path
) -> None:
    """Ctrl-C in the middle of a run: the run says so and exits 130; the capture it was making
    unwinds before the archive closes, so what is stored is whole and verifies, and no browser
    is left behind."""
    process = _capture_run(cli_env, stderr=subprocess.PIPE)
    try:
        _wait_for_captures(home, 1)
        assert process.poll() is None, "the run finished before it could be interrupted"
        process.send_signal(signal.SIGINT)
        _, stderr = process.communicate(timeout=60)
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=30)
    assert process.returncode == 130, stderr
    assert "Interrupted. Captures already finished are stored" in stderr
    with pytest.raises(ProcessLookupError):  # the whole group ended with it: no browser lingers
        os.killpg(process.pid, 0)
    done = run_cli("verify", "--all", "--json", env=cli_env)
    assert done.returncode == 0 and json.loads(done.stdout)["ok"] is True, done.stdout
    listed = json.loads(run_cli("list", "--json", env=cli_env).stdout)["captures"]
    assert 1 <= len(listed) < len(LIVE)
