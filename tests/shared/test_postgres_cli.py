"""The command line, unchanged, on an archive in PostgreSQL: a real capture from the fixture web,
shown, listed, retracted and verified, with the database named only by the environment."""

from __future__ import annotations

import json
import socket
from pathlib import Path

import pytest

from tests.conftest import run_cli
from tests.fixtureweb import FIXTURE_URLS

pytestmark = pytest.mark.browser


def cli_json(env: dict[str, str], *args: str, code: int = 0) -> dict:
    done = run_cli(*args, "--json", env=env)
    assert done.returncode == code, done.stdout + done.stderr
    return json.loads(done.stdout)


def test_capture_show_retract_and_verify_on_postgresql(
    cli_env: dict[str, str], database_url: str, home: Path, tmp_path: Path
) -> None:
    env = {**cli_env, "POSTPROOF_DATABASE_URL": database_url}
    captured = cli_json(
        env, "capture", FIXTURE_URLS["mastodon_live"], FIXTURE_URLS["x_live"], "--context", "0"
    )
    kept, retracted = (c["id"] for c in captured["captures"])
    assert [c["status"] for c in captured["captures"]] == ["ok", "ok"]
    assert captured["log"]["log_size"] == captured["log"]["checkpoint_size"] == 2
    assert not (home / "postproof.sqlite3").exists()

    shown = cli_json(env, "show", kept[:5])["capture"]
    assert shown["id"] == kept and "Émile Garnier" in json.dumps(shown, ensure_ascii=False)
    done = cli_json(env, "retract", retracted, "--reason", "the wrong account")
    assert done["retraction"]["log_index"] == 2
    assert [c["id"] for c in cli_json(env, "list")["captures"]] == [kept]

    verified = cli_json(env, "verify", "--all")
    assert verified["ok"] is True
    assert verified["artifacts_checked"] == len(shown["artifacts"]) + len(
        cli_json(env, "show", retracted)["capture"]["artifacts"]
    )
    # Another data home on the same database lists the same archive.
    elsewhere = {**env, "POSTPROOF_HOME": str(tmp_path / "elsewhere")}
    listed = cli_json(elsewhere, "list", "--include-retracted")["captures"]
    assert sorted(c["id"] for c in listed) == sorted([kept, retracted])


def test_an_unreachable_database_is_a_message_not_a_traceback(cli_env: dict[str, str]) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = {**cli_env, "POSTPROOF_DATABASE_URL": f"postgresql://u:secret@127.0.0.1:{port}/news"}
    done = run_cli("list", env=env)
    assert done.returncode == 1
    assert f"server at 127.0.0.1:{port} cannot be reached" in done.stderr
    assert "POSTPROOF_DATABASE_URL" in done.stderr
    assert "Traceback" not in done.stderr and "secret" not in done.stderr
