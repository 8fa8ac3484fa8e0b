"""The README's main job: `postproof demo` captures the bundled story's posts."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from tests.conftest import run_cli

pytestmark = pytest.mark.browser


def test_demo_captures_every_post_of_the_story(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("POSTPROOF_")}
    done = run_cli("demo", "--json", "--home", str(tmp_path), env=env)
    assert done.returncode == 0, done.stdout + done.stderr
    data = json.loads(done.stdout)
    captures = data["captures"]
    assert data["ok"] is True and len(captures) == 5
    assert {c["platform"] for c in captures} == {"x", "mastodon", "bluesky"}
    assert all(c["status"] == "ok" for c in captures)
    email_post = captures[0]
    assert email_post["post"]["author"] == "Camille Royer"
    assert len(email_post["post"]["media"]) == 2
    assert email_post["canonical_url"].startswith("https://x.com/camroyer/status/")
    human = run_cli("verify", "--all", "--home", str(tmp_path), env=env)
    assert human.returncode == 0, human.stdout
