"""`list` as a person reads it: when each capture was made, and why captures failed, each reason
once with the captures it stopped."""

from __future__ import annotations

import json
from datetime import datetime

import pytest

from tests.conftest import run_cli
from tests.fixtureweb import FIXTURE_URLS

pytestmark = pytest.mark.browser


def minute(iso: str) -> str:
    return datetime.fromisoformat(iso).strftime("%Y-%m-%d %H:%M")


def test_list_shows_capture_times_and_each_failure_reason_once(cli_env: dict[str, str]) -> None:
    urls = [FIXTURE_URLS[name] for name in ("x_deleted", "x_deleted_200", "x_live")]
    done = run_cli("capture", *urls, "--json", "--no-watch", env=cli_env)
    captures = json.loads(done.stdout)["captures"]
    failed = [c for c in captures if c["status"] != "ok"]
    [ok] = [c for c in captures if c["status"] == "ok"]
    assert len(failed) == 2 and failed[0]["reason"] == failed[1]["reason"], captures
    reason = failed[0]["reason"]

    listed = run_cli("list", env=cli_env)
    assert listed.returncode == 0, listed.stderr
    lines = listed.stdout.splitlines()
    assert "captured (UTC)" in lines[1]
    for capture in captures:
        [row] = [line for line in lines if capture["id"] in line and "│" in line]
        assert minute(capture["started_at"]) in row
    [told] = [line for line in lines if reason in line]
    assert listed.stdout.count(reason) == 1
    assert all(c["id"] in told for c in failed) and ok["id"] not in told

    only_ok = run_cli("list", "--status", "ok", env=cli_env)
    assert only_ok.returncode == 0, only_ok.stderr
    assert ok["id"] in only_ok.stdout
    assert reason not in only_ok.stdout and not any(c["id"] in only_ok.stdout for c in failed)
