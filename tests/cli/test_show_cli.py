"""`show` states a Bluesky post's author signature, printing keys exactly as written."""

from __future__ import annotations

import json

import pytest

from tests.conftest import run_cli
from tests.fixtureweb import FIXTURE_URLS

pytestmark = pytest.mark.browser


def test_show_says_a_bluesky_post_is_signed_by_its_author(cli_env: dict[str, str]) -> None:
    done = run_cli("capture", FIXTURE_URLS["bsky_live"], "--json", env=cli_env)
    assert done.returncode == 0, done.stderr
    [capture] = json.loads(done.stdout)["captures"]
    signature = capture["author_signature"]
    assert signature["verified"] is True and signature["signing_key"].startswith("did:key:z")
    human = run_cli("show", capture["id"], env=cli_env)
    text = " ".join(human.stdout.split())
    assert "signed by its author" in text
    assert signature["signing_key"] in text  # ":key:" printed as written, never as an emoji
    assert "🔑" not in human.stdout
