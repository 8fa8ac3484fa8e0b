"""The README's main job: `postproof demo` runs the whole flow on the bundled story."""

from __future__ import annotations

import json
import os
import queue
import shlex
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from tests.conftest import run_cli

pytestmark = pytest.mark.browser


def test_demo_runs_the_whole_flow(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("POSTPROOF_")}
    real = tmp_path / "postproof"
    env["POSTPROOF_HOME"] = str(real)
    done = run_cli("demo", "--json", env=env)
    assert done.returncode == 0, done.stdout + done.stderr
    data = json.loads(done.stdout)
    assert data["ok"] is True
    # The demo's imitation posts never enter the reporter's own archive.
    demo_home = tmp_path / "postproof-demo"
    assert data["home"] == str(demo_home.resolve())
    assert not real.exists()
    assert json.loads(run_cli("list", "--json", env=env).stdout)["captures"] == []
    captures = data["captures"]
    posts = [c for c in captures if c["platform"] != "generic"]
    assert len(posts) == 5 and all(c["status"] == "ok" for c in captures)
    assert {c["platform"] for c in posts} == {"x", "mastodon", "bluesky"}
    email_post = next(c for c in posts if len(c["post"]["media"]) == 2)
    assert email_post["post"]["author"] == "Camille Royer"
    media = [a for a in email_post["artifacts"] if a["kind"] == "media"]
    assert len(media) == 2 and all(a["source_url"] for a in media)

    article = data["article"]
    assert any(c["links"] for c in article["claims"])
    report = data["report"]
    assert Path(report["path"]).is_file()
    assert report["summary"]["quotes_not_found"] >= 1  # the demo's deliberate misquote
    # The log is sealed before the report is written: its evidence stands under a checkpoint.
    html = Path(report["path"]).read_text(encoding="utf-8")
    assert "not yet in a signed checkpoint" not in html
    assert f"tree size <code>{data['log']['checkpoint_size']}</code>" in html

    human = run_cli("verify", "--all", "--home", str(demo_home), env=env)
    assert human.returncode == 0, human.stdout


def next_line(lines: queue.Queue[str | None], deadline: float) -> str | None:
    try:
        return lines.get(timeout=max(0.0, deadline - time.monotonic()))
    except queue.Empty:
        return None


def test_demo_serve_keeps_the_demo_site_up_until_ctrl_c(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("POSTPROOF_")}
    env["POSTPROOF_HOME"] = str(tmp_path / "postproof")
    home = tmp_path / "demo-home"
    errors = tmp_path / "stderr.txt"
    with errors.open("w") as stderr:
        served = subprocess.Popen(
            [str(Path(sys.executable).with_name("postproof")), "demo", "--serve", "--home",
             str(home)],
            env=env, stdout=subprocess.PIPE, stderr=stderr, text=True,
        )  # fmt: skip
    lines: queue.Queue[str | None] = queue.Queue()

    def read() -> None:
        assert served.stdout is not None
        for line in served.stdout:
            lines.put(line)
        lines.put(None)

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    try:
        deadline = time.monotonic() + 240
        serving = command = None
        while command is None:
            line = next_line(lines, deadline)
            assert line is not None, errors.read_text()
            if "serving on 127.0.0.1" in line:
                serving = line
            elif serving and line.strip().startswith("postproof capture "):
                command = shlex.split(line)
        assert str(home.resolve()) in serving
        assert "Starting the demo site" in errors.read_text()
        assert "Launching the browser" in errors.read_text()

        # The printed command captures from the running demo site, into the demo's archive.
        assert command[command.index("--home") + 1] == str(home.resolve())
        done = run_cli(*command[1:], "--json", env=env)
        assert done.returncode == 0, done.stdout + done.stderr
        [capture] = json.loads(done.stdout)["captures"]
        assert capture["status"] == "ok" and capture["post"]["author"]
        listed = json.loads(run_cli("list", "--json", "--home", str(home), env=env).stdout)
        assert capture["id"] in [c["id"] for c in listed["captures"]]

        served.send_signal(signal.SIGINT)
        assert served.wait(timeout=60) == 0, errors.read_text()
        assert "Stopping the demo site" in errors.read_text()
    finally:
        if served.poll() is None:
            served.kill()
            served.wait()
        reader.join(timeout=10)
        assert served.stdout is not None
        served.stdout.close()
