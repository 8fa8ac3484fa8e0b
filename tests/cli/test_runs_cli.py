"""Every command that captures ends its run the same way: the log is sealed, so a capture is
under a signed checkpoint as soon as the command that made it returns."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import time
from dataclasses import replace
from pathlib import Path

import pytest

from archiver import CaptureOptions
from archiver.capture import Capturer
from postproof.runs import LaunchedAlongside, Run, browser_kept, kept_browser
from postproof.settings import Settings
from tests.conftest import run_cli, settle_kept_browser
from tests.fixtureweb import FIXTURE_URLS
from tests.processes import chromium_under, parents

pytestmark = pytest.mark.browser

DRAFT = """# Budget row

The council adopted the budget on Wednesday, Alice Dupont wrote.

Nobody else commented.
"""


def _log_check(env: dict[str, str]) -> dict:
    checked = run_cli("verify", "--all", "--json", env=env)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    return json.loads(checked.stdout)["log"]


def test_link_to_a_url_seals_the_capture_it_makes(cli_env: dict[str, str], tmp_path: Path) -> None:
    draft = tmp_path / "draft.md"
    draft.write_text(DRAFT, encoding="utf-8")
    added = run_cli("article", "add", str(draft), "--no-capture", "--json", env=cli_env)
    assert added.returncode == 0, added.stderr
    data = json.loads(added.stdout)
    assert data["captures"] == [] and data["log"] is None  # nothing captured, nothing to seal
    claim = data["article"]["claims"][0]["id"]

    linked = run_cli("link", claim, FIXTURE_URLS["x_live"], "--json", env=cli_env)
    assert linked.returncode == 0, linked.stderr
    figures = _log_check(cli_env)
    assert (figures["log_size"], figures["checkpoints"], figures["checkpoint_size"]) == (1, 1, 1)
    assert figures["unsealed_entries"] == 0
    log = json.loads(linked.stdout)["log"]
    assert (log["log_size"], log["checkpoint_size"], log["new_checkpoint"]) == (1, 1, True)

    # Linking to a capture already in the archive captures nothing: no new checkpoint.
    capture_id = json.loads(linked.stdout)["link"]["capture_id"]
    again = run_cli("link", claim, capture_id, "--relation", "context", "--json", env=cli_env)
    assert again.returncode == 0, again.stderr
    assert json.loads(again.stdout)["log"] is None
    assert _log_check(cli_env)["checkpoints"] == 1

    # Without --json, the seal is reported on stderr, as after `capture`.
    human = run_cli("link", claim, FIXTURE_URLS["mastodon_live"], env=cli_env)
    assert human.returncode == 0, human.stderr
    assert "checkpoint at size 2" in " ".join(human.stderr.split())
    assert _log_check(cli_env)["unsealed_entries"] == 0


ARTICLE = """<!doctype html><html lang="en"><head><title>Budget row</title></head><body><article>
<h1>Budget row</h1>
<p>Alice Dupont wrote that “le conseil municipal a voté ce soir le budget 2025”,
<a href="{url}">in a post on X</a>.</p>
</article></body></html>
"""


def run_at_terminal(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """The command with a stderr Rich takes for a terminal: each command makes its consoles
    again from the environment it runs in (``postproof.output.new_command``), so no process of
    its own is needed."""
    return run_cli(*args, env=env | {"TTY_COMPATIBLE": "1"})


def test_article_add_shows_its_steps_at_a_terminal_and_keeps_json_clean(
    cli_env: dict[str, str], tmp_path: Path
) -> None:
    draft = tmp_path / "draft.html"
    draft.write_text(ARTICLE.format(url=FIXTURE_URLS["x_live"]), encoding="utf-8")
    steps = ("reading the article", "capturing references", "checking quotes")

    as_json = run_at_terminal("article", "add", str(draft), "--json", env=cli_env)
    assert as_json.returncode == 0, as_json.stderr
    assert json.loads(as_json.stdout)["ok"] is True  # one JSON object, and nothing else
    assert not any(step in as_json.stderr for step in steps)

    human = run_at_terminal("article", "add", str(draft), "--again", env=cli_env)
    assert human.returncode == 0, human.stderr
    for step in steps:
        assert step in human.stderr, human.stderr
    assert not any(step in human.stdout for step in steps)

    piped = run_cli("article", "add", str(draft), "--again", env=cli_env)
    assert piped.returncode == 0, piped.stderr
    assert not any(step in piped.stderr for step in steps)  # no bar when nobody watches


def _browsers() -> set[int]:
    """The browsers this process runs: Chromium's main processes (not the renderers and helpers
    each one starts under it)."""
    settle_kept_browser()
    # One reading of the processes for both: read twice, a renderer started in between (a
    # browser starts spare ones) would seem to have no Chromium parent, and pass for a browser.
    family = parents()
    chromium = set(chromium_under(os.getpid(), family))
    return {pid for pid in chromium if family.get(pid) not in chromium}


def test_a_capture_run_starts_its_browser_while_it_opens_its_archive(
    options: CaptureOptions, home: Path
) -> None:
    """``capture`` launches its browser in a thread of its own as the run starts: it comes up
    before anything asks for it (while the archive opens), the run's captures are made in it,
    and it is gone when the run ends."""
    before = _browsers()
    with LaunchedAlongside(options) as browser:
        deadline = time.monotonic() + 60
        while not browser.ready() and time.monotonic() < deadline:
            time.sleep(0.05)
        assert browser.ready(), "the browser was not started until something asked for it"
        started = _browsers() - before
        assert started
        with Run.open(Settings.load(home), options, browser=browser) as run:
            captured = run.capture([FIXTURE_URLS["x_live"]])
            assert _browsers() - before == started  # no second browser for the captures
        [record] = captured.records
        assert record.status == "ok"
    assert not started & _browsers()


def test_runs_in_a_kept_browser_capture_with_their_own_options(
    options: CaptureOptions, home: Path
) -> None:
    """A browser kept by the process (the web app's, for its jobs) serves every run made
    meanwhile, each with its own options: a run under the default safety rules is refused the
    loopback address the test web is on, in the same browser where the next run, allowed it,
    captures. No run launches a browser of its own."""
    settings = Settings.load(home)
    strict = replace(options, allow_private=False, allow_private_hosts=())
    before = _browsers()
    with browser_kept(options) as kept:
        kept.shared()
        started = _browsers() - before
        assert len(started) == 1
        with Run.open(settings, strict) as run:
            [refused] = run.capture([FIXTURE_URLS["x_live"]]).records
        with Run.open(settings, options) as run:
            [allowed] = run.capture([FIXTURE_URLS["x_live"]]).records
        assert _browsers() - before == started
    assert (refused.status, allowed.status) == ("blocked", "ok")
    assert "private" in (refused.reason or "")
    assert kept_browser() is None
    assert not started & _browsers()


def test_a_kept_browser_that_died_is_started_again_by_the_next_run(
    options: CaptureOptions, home: Path
) -> None:
    """A kept browser killed (a crash, the system's memory) would fail every later run: the run
    that finds it dead starts a new one, and captures in it."""
    before, every_before = _browsers(), set(chromium_under(os.getpid()))
    with browser_kept(options) as kept:
        kept.shared()
        [first] = _browsers() - before
        for pid in set(chromium_under(os.getpid())) - every_before:  # with its helpers
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        deadline = time.monotonic() + 30
        while kept.shared().capturer.connected() and time.monotonic() < deadline:
            time.sleep(0.05)
        assert not kept.shared().capturer.connected()
        with Run.open(Settings.load(home), options) as run:
            [record] = run.capture([FIXTURE_URLS["x_live"]]).records
        assert record.status == "ok"
        assert first not in _browsers()
        assert len(_browsers() - before) == 1


def test_link_and_recheck_capture_through_their_run(
    cli_env: dict[str, str], tmp_path: Path
) -> None:
    """``link`` and ``recheck`` make their captures through their run's browser (the one the
    process keeps, here), not in one launched for them, and still seal what they stored."""
    draft = tmp_path / "draft.md"
    draft.write_text(DRAFT, encoding="utf-8")
    added = run_cli("article", "add", str(draft), "--no-capture", "--json", env=cli_env)
    assert added.returncode == 0, added.stderr
    claim = json.loads(added.stdout)["article"]["claims"][0]["id"]
    settle_kept_browser()  # launched alongside the command above: not the runs' own launch
    launches: list[Capturer] = []
    original = Capturer.__aenter__

    async def counted(self: Capturer) -> Capturer:
        launches.append(self)
        return await original(self)

    Capturer.__aenter__ = counted  # type: ignore[method-assign]
    try:
        linked = run_cli("link", claim, FIXTURE_URLS["x_live"], "--json", env=cli_env)
        rechecked = run_cli("recheck", "--all", "--json", env=cli_env)
    finally:
        Capturer.__aenter__ = original  # type: ignore[method-assign]
    assert linked.returncode == 0, linked.stderr
    assert rechecked.returncode == 0, rechecked.stderr
    assert json.loads(rechecked.stdout)["checked"] == 1
    assert launches == []
    figures = _log_check(cli_env)
    assert (figures["log_size"], figures["unsealed_entries"]) == (2, 0)
