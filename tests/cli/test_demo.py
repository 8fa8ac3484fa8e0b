"""The README's main job: `postproof demo` runs the whole flow on the bundled story."""

from __future__ import annotations

import json
import os
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

    human = run_cli("verify", "--all", "--home", str(demo_home), env=env)
    assert human.returncode == 0, human.stdout
