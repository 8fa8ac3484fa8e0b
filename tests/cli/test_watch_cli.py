"""Watching from the command line, as cron runs it: JSON lines, the lock, the crontab entry
run from an empty environment, webhook alerts that survive a failing endpoint, history, diff."""

from __future__ import annotations

import json
import os
import shlex
import subprocess
import sys
import threading
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import ClassVar

import pytest

import storage
import watch
from archiver import CaptureOptions, parse_host_map
from demo import FakeWeb, Platform, Post, PostState
from tests.conftest import run_cli

pytestmark = pytest.mark.browser

EDITED = Post(
    Platform.X, "1995000000000000001", "Nadia Ferrand", "nferrand",
    datetime(2025, 4, 1, 8, 0, tzinfo=UTC), "Le conseil votera le budget lundi.", lang="fr",
)  # fmt: skip
GONE = Post(
    Platform.X, "1995000000000000002", "Paul Imbert", "pimbert",
    datetime(2025, 4, 1, 9, 0, tzinfo=UTC), "Ce message va disparaître.", lang="fr",
)  # fmt: skip


def url(post: Post) -> str:
    return f"https://x.com/{post.handle}/status/{post.post_id}"


@pytest.fixture
def watched(tmp_path: Path) -> Iterator[tuple[FakeWeb, dict[str, str], Path]]:
    """A fresh fake web and data home with both posts captured once; settings in the home's
    config.toml, so that commands run from an empty environment reach the fake web too."""
    web = FakeWeb()
    web.add_post(EDITED)
    web.add_post(GONE)
    web.start()
    home = tmp_path / "home"
    home.mkdir()
    hosts = ", ".join(json.dumps(entry) for entry in web.host_map())
    (home / "config.toml").write_text(
        f"[capture]\nallow_private = true\ninsecure = true\ntimeout = 20\nhost_map = [{hosts}]\n",
        encoding="utf-8",
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("POSTPROOF_")}
    env["POSTPROOF_HOME"] = str(home)
    try:
        done = run_cli("capture", url(EDITED), url(GONE), env=env)
        assert done.returncode == 0, done.stdout + done.stderr
        yield web, env, home
    finally:
        web.stop()


def change(web: FakeWeb) -> None:
    web.posts[EDITED.post_id] = replace(EDITED, text="Le conseil votera le budget mardi.")
    web.posts[GONE.post_id] = replace(GONE, state=PostState.DELETED)


def count_captures(env: dict[str, str]) -> int:
    return len(json.loads(run_cli("list", "--json", env=env).stdout)["captures"])


def test_overlapping_runs_one_works_the_other_exits_cleanly(
    watched: tuple[FakeWeb, dict[str, str], Path],
) -> None:
    web, env, _home = watched
    change(web)
    command = [str(Path(sys.executable).with_name("postproof")), "recheck", "--all", "--json",
               "--fail-on-change"]  # fmt: skip
    runs = [
        subprocess.Popen(
            command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        )
        for _ in range(2)
    ]
    outputs = [run.communicate(timeout=120) for run in runs]
    codes = sorted(run.returncode for run in runs)
    assert codes == [0, 5], outputs
    worker = next(o for r, o in zip(runs, outputs, strict=True) if r.returncode == 5)
    idle = next(o for r, o in zip(runs, outputs, strict=True) if r.returncode == 0)
    [skipped] = [json.loads(line) for line in idle[0].splitlines()]
    assert skipped["summary"] and skipped["checked"] == 0 and "already running" in idle[1]
    events = [json.loads(line) for line in worker[0].splitlines()]
    summary = events.pop()  # the last line sums the run up
    assert (summary["summary"], summary["checked"], summary["events"]) == (True, 2, 1)
    assert [(e["kind"], e["url"]) for e in events] == [("edited", url(EDITED))]
    for event in events:
        assert {"kind", "url", "post_id", "when", "before", "after"} <= event.keys()
        assert event["before"] and event["after"] and event["when"].endswith("Z")
    assert count_captures(env) == 4  # two first captures, one re-check each: no duplicates

    again = run_cli("recheck", "--all", "--json", env=env)
    assert again.returncode == 0
    lines = [json.loads(line) for line in again.stdout.splitlines()]
    assert [line.get("kind") for line in lines] == ["deleted", None] and lines[-1]["summary"]
    # Nothing due yet: still one valid JSON summary, with nothing checked.
    [idle_summary] = map(
        json.loads, run_cli("recheck", "--due", "--json", env=env).stdout.splitlines()
    )
    assert (idle_summary["checked"], idle_summary["events"]) == (0, 0)

    # Citations now say what re-checks confirmed.
    history = json.loads(run_cli("history", url(GONE), "--json", env=env).stdout)
    first_capture = history["captures"][0]["id"]
    cited = run_cli("cite", first_capture, "--format", "text", env=env)
    assert cited.returncode == 0, cited.stderr
    assert "deleted since" in cited.stdout
    edited_capture = json.loads(run_cli("history", url(EDITED), "--json", env=env).stdout)
    cited = run_cli("cite", edited_capture["captures"][0]["id"], "--format", "text", env=env)
    assert "edited since" in cited.stdout


def test_schedule_entry_runs_recheck_from_an_empty_environment(
    watched: tuple[FakeWeb, dict[str, str], Path], tmp_path: Path
) -> None:
    _web, env, home = watched
    env = env | {"POSTPROOF_CRONTAB_FILE": str(tmp_path / "crontab")}
    installed = run_cli("schedule", "install", "--every", "1h", "--json", env=env)
    assert installed.returncode == 0, installed.stdout + installed.stderr
    entry = json.loads(installed.stdout)["entry"]
    assert entry["next_runs"] == sorted(entry["next_runs"]) and len(entry["next_runs"]) >= 2
    again = run_cli("schedule", "install", "--every", "1h", env=env)
    assert again.returncode == 0
    lines = [
        line
        for line in (tmp_path / "crontab").read_text().splitlines()
        if line.strip() and not line.startswith("#")
    ]
    assert len(lines) == 1  # installing twice replaces the entry
    command = lines[0].split(None, 5)[5].replace("\\%", "%")
    before = count_captures(env)
    done = subprocess.run(
        ["env", "-i", "/bin/sh", "-c", command], capture_output=True, text=True, timeout=180,
        check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    assert count_captures(env) == before + 2  # both posts were due, both re-checked
    assert "re-checking 2 post(s)" in (home / "logs" / "recheck.log").read_text()
    assert (home / "logs" / "cron.log").exists()
    assert shlex.quote(str(home.resolve())) in command or str(home.resolve()) in command
    shown = json.loads(run_cli("schedule", "show", "--json", env=env).stdout)
    assert shown["entry"]["schedule"] == entry["schedule"]
    removed = json.loads(run_cli("schedule", "remove", "--json", env=env).stdout)
    assert removed["removed"] is True
    assert json.loads(run_cli("schedule", "show", "--json", env=env).stdout)["entry"] is None


class _Hook(BaseHTTPRequestHandler):
    answers: ClassVar[list[int]] = []
    received: ClassVar[list[dict[str, object]]] = []

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length", "0"))
        body = json.loads(self.rfile.read(length))
        status = _Hook.answers.pop(0) if _Hook.answers else 200
        if status == 200:
            _Hook.received.append(body)
        self.send_response(status)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, format: str, *args: object) -> None:
        return


def test_failing_webhook_loses_no_event(watched: tuple[FakeWeb, dict[str, str], Path]) -> None:
    web, env, _home = watched
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Hook)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        _Hook.answers, _Hook.received = [500, 500, 500], []
        hook_env = env | {"POSTPROOF_WEBHOOK_URL": f"http://127.0.0.1:{server.server_port}/hook"}
        change(web)
        first = run_cli("recheck", "--all", env=hook_env)
        assert first.returncode == 0, first.stderr
        assert _Hook.received == []
        assert (
            "webhook failed" in (Path(env["POSTPROOF_HOME"]) / "logs" / "recheck.log").read_text()
        )
        second = run_cli("recheck", "--due", env=hook_env)  # nothing due: only the retry
        assert second.returncode == 0, second.stderr
        [payload] = _Hook.received
        assert "edited" in payload["text"] and payload["blocks"]
    finally:
        server.shutdown()
        server.server_close()


def test_history_and_diff(watched: tuple[FakeWeb, dict[str, str], Path], tmp_path: Path) -> None:
    web, env, _home = watched
    change(web)
    assert run_cli("recheck", "--all", env=env).returncode == 0
    history = json.loads(run_cli("history", url(EDITED), "--json", env=env).stdout)
    first, second = (c["id"] for c in history["captures"])
    [event] = history["events"]
    assert (event["kind"], event["before"], event["after"]) == ("edited", first, second)
    image = tmp_path / "diff.png"
    done = run_cli("diff", first, second, "-o", str(image), "--json", env=env)
    assert done.returncode == 0, done.stderr
    data = json.loads(done.stdout)
    assert ["insert", "mardi."] in data["text_diff"] and ["delete", "lundi."] in data["text_diff"]
    assert image.is_file() and data["regions"]
    human = run_cli("diff", first, second, "-o", str(image), "--force", env=env)
    assert "[-lundi.-]{+mardi.+}" in human.stdout
    # Two different posts are never reported as an edit of one another.
    other = json.loads(run_cli("history", url(GONE), "--json", env=env).stdout)
    other_first = other["captures"][0]["id"]
    refused = run_cli("diff", first, other_first, "-o", str(tmp_path / "x.png"), env=env)
    assert refused.returncode == 2 and "two different posts" in refused.stderr
    assert not (tmp_path / "x.png").exists()
    forced = run_cli("diff", first, other_first, "-o", str(tmp_path / "x.png"), "--force", env=env)
    assert forced.returncode == 0, forced.stderr
    unwatched = run_cli("unwatch", url(GONE), "--json", env=env)
    assert json.loads(unwatched.stdout) == {"ok": True, "posts": 1, "watched": False}


def test_no_watch_leaves_posts_already_watched_alone(
    watched: tuple[FakeWeb, dict[str, str], Path],
) -> None:
    web, env, _home = watched
    fresh = Post(
        Platform.X, "1995000000000000003", "Léa Morel", "lmorel",
        datetime(2025, 4, 2, 9, 0, tzinfo=UTC), "Un message cité une seule fois.", lang="fr",
    )  # fmt: skip
    web.add_post(fresh)
    done = run_cli("capture", url(EDITED), url(fresh), "--no-watch", "--json", env=env)
    assert done.returncode == 0, done.stderr

    def is_watched(post: Post) -> bool:
        shown = run_cli("history", url(post), "--json", env=env)
        return json.loads(shown.stdout)["post"]["watched"]

    assert is_watched(EDITED)  # cited before, still rechecked
    assert not is_watched(fresh)  # first seen in this run


def test_changes_stored_by_a_run_stopped_before_reporting_are_reported_next(
    watched: tuple[FakeWeb, dict[str, str], Path],
) -> None:
    web, env, home = watched
    change(web)
    # A run that stored its events and was killed before printing them: the re-check itself,
    # without the command around it.
    options = CaptureOptions(
        timeout=20, allow_private=True, insecure=True, host_map=parse_host_map(web.host_map())
    )
    with storage.open_archive(home) as archive:
        posts = archive.watchlist.watched()
        report = watch.recheck(
            archive, posts, capture_options=options, options=watch.RecheckOptions()
        )
        assert [e.kind for e in report.events] == ["edited"]
    # Nothing is due now; the next run still reports the change, and cron hears of it.
    done = run_cli("recheck", "--due", "--json", "--fail-on-change", env=env)
    assert done.returncode == 5, done.stdout + done.stderr
    *events, summary = map(json.loads, done.stdout.splitlines())
    assert [(e["kind"], e["earlier_run"]) for e in events] == [("edited", True)]
    assert (summary["checked"], summary["earlier_events"]) == (0, 1)
    # Reported once: the run after that has nothing to say.
    again = run_cli("recheck", "--due", "--json", "--fail-on-change", env=env)
    assert again.returncode == 0 and json.loads(again.stdout)["earlier_events"] == 0
