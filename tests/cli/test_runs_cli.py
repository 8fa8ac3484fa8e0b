"""Every command that captures ends its run the same way: the log is sealed, so a capture is
under a signed checkpoint as soon as the command that made it returns."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.conftest import run_cli
from tests.fixtureweb import FIXTURE_URLS

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
