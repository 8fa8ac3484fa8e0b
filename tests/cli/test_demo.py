"""The README's main job: `postproof demo` runs the whole flow on the bundled story."""

from __future__ import annotations

import contextlib
import json
import os
import queue
import re
import shlex
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
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


@contextlib.contextmanager
def sign_in(url: str, name: str, password: str) -> Iterator[httpx.Client]:
    """A client signed in through the app's login form, as a browser signs in."""
    with httpx.Client(base_url=url, timeout=30) as client:
        form = client.get("/login")
        csrf = re.search(r'name="csrf" value="([^"]+)"', form.text)
        assert form.status_code == 200 and csrf, form.text
        data = {"name": name, "password": password, "csrf": csrf[1]}
        signed = client.post("/login", data=data)
        assert signed.status_code == 303 and signed.headers["location"] == "/", signed.text
        yield client


def test_demo_serve_opens_the_app_and_keeps_the_demo_site_up_until_ctrl_c(
    tmp_path: Path,
) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("POSTPROOF_")}
    env["POSTPROOF_HOME"] = str(tmp_path / "postproof")
    home = tmp_path / "demo-home"
    errors = tmp_path / "stderr.txt"
    with errors.open("w") as stderr:
        served = subprocess.Popen(
            [str(Path(sys.executable).with_name("postproof")), "demo", "--serve", "--port",
             "0", "--home", str(home)],
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
        serving = command = app = signing = None
        while signing is None:
            line = next_line(lines, deadline)
            assert line is not None, errors.read_text()
            if "serving on 127.0.0.1" in line:
                serving = line
            elif serving and line.strip().startswith("postproof capture "):
                command = shlex.split(line)
            elif line.startswith("Web app on the demo archive: "):
                app = re.search(r"(http://127\.0\.0\.1:\d+)/", line)
            elif line.startswith("Sign in as "):
                signing = re.fullmatch(
                    r"Sign in as (\S+) \(admin\) with the password (\S+):.*\n", line
                )
        assert serving and command and app and signing, errors.read_text()
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

        # The web app serves the demo's archive to the demo admin, and to nobody else.
        assert httpx.get(app[1] + "/api/captures", timeout=30).status_code == 401
        with sign_in(app[1], signing[1], signing[2]) as browser:
            listed = browser.get("/api/captures", params={"limit": 1000}).json()["captures"]
            articles = browser.get("/api/articles").json()["articles"]
            page = browser.get(f"/captures/{capture['id']}")
            # Its paste box reaches the demo site, as the demo did.
            csrf = re.search(r'name="csrf" value="([^"]+)"', browser.get("/").text)
            assert csrf
            job = browser.post(
                "/api/captures", json={"urls": [command[2]]}, headers={"x-csrf-token": csrf[1]}
            ).json()["job"]
            while job["state"] not in ("done", "failed") and time.monotonic() < deadline:
                time.sleep(0.3)
                job = browser.get(f"/api/jobs/{job['id']}").json()["job"]
            again = browser.get(f"/api/captures/{job['captures'][0]}").json()["capture"]
        assert job["state"] == "done" and again["status"] == "ok", job
        assert again["post"]["author"] == capture["post"]["author"]
        assert capture["id"] in [c["id"] for c in listed] and len(listed) > 5
        assert [a["title"] for a in articles] and page.status_code == 200
        assert capture["post"]["author"] in page.text

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


def test_each_demo_serve_gives_the_demo_admin_a_new_password(tmp_path: Path) -> None:
    from postproof.commands.demo import DEMO_USER, demo_admin
    from storage import Role, open_archive

    first = demo_admin(tmp_path)
    second = demo_admin(tmp_path)
    assert first != second
    with open_archive(tmp_path) as archive:
        assert [(u.name, u.role) for u in archive.users.all()] == [(DEMO_USER, Role.ADMIN)]
        assert archive.users.authenticate(DEMO_USER, first) is None
        assert archive.users.authenticate(DEMO_USER, second) is not None
