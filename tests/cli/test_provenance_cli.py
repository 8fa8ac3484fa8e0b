"""`show` says where each post field was read, which fields no source gave and where sources
disagreed; `show --json` carries the same under "post". The capture is stored straight into the
archive: no browser needed."""

from __future__ import annotations

import dataclasses
import json
import os
from pathlib import Path

import pytest

import storage
from tests.conftest import run_cli
from tests.storage.factories import make_result

CONFLICT = {
    "field": "text",
    "kept_from": "json-ld",
    "source": "og:description",
    "value": "[bold]hello[/bold]\nworld",
}


@pytest.fixture
def env(home: Path) -> dict[str, str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("POSTPROOF_")}
    return clean | {"POSTPROOF_HOME": str(home)}


@pytest.fixture
def capture_id(home: Path) -> str:
    result = make_result()
    assert result.post is not None
    post = dataclasses.replace(
        result.post,
        posted_at=None,
        lang=None,
        sources={"author": "x graphql", "handle": "x graphql", "text": "json-ld", "media": "dom"},
        missing=("posted_at", "lang"),
        conflicts=(CONFLICT,),
    )
    with storage.open_archive(home) as archive:
        return archive.store(dataclasses.replace(result, post=post))


def test_show_says_where_each_field_was_read(env: dict[str, str], capture_id: str) -> None:
    done = run_cli("show", capture_id, env=env)
    assert done.returncode == 0, done.stderr
    lines = [line.rstrip() for line in done.stdout.splitlines()]
    assert "  author         Alice   (from x graphql)" in lines
    assert "  handle         @alice   (from x graphql)" in lines
    assert "  text           (from json-ld)" in lines
    assert "    hello world" in lines
    assert "  media          https://social.example/media/1.png   (from dom)" in lines
    assert "  missing        posted_at, lang — no source on the page gave them" in lines
    # Read from the page, so printed as written: no markup applied, one line however it's cut.
    assert (
        "  sources disagree on the text: kept the value from json-ld; og:description says "
        "“[bold]hello[/bold] world”"
    ) in lines


def test_show_json_carries_the_provenance(env: dict[str, str], capture_id: str) -> None:
    done = run_cli("show", capture_id, "--json", env=env)
    assert done.returncode == 0, done.stderr
    post = json.loads(done.stdout)["capture"]["post"]
    assert post["sources"]["author"] == "x graphql"
    assert post["missing"] == ["posted_at", "lang"]
    assert post["conflicts"] == [CONFLICT]
    assert post["author"] == "Alice" and post["text"] == "hello world"  # the keys scripts use
