"""`show` states a Bluesky post's author signature, printing keys exactly as written; it prints
what the provenance noted, whether the post is watched and what re-checks found, and the claims
the capture is evidence for."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import pytest

from demo import FakeWeb, Platform, Post
from tests.conftest import run_cli
from tests.fixtureweb import FIXTURE_URLS

pytestmark = pytest.mark.browser

CITED = Post(
    Platform.X, "1996000000000000001", "Nadia Ferrand", "nferrand",
    datetime(2025, 4, 1, 8, 0, tzinfo=UTC), "Le conseil votera le budget lundi.", lang="fr",
)  # fmt: skip
CITED_URL = f"https://x.com/{CITED.handle}/status/{CITED.post_id}"
ARTICLE = """<!doctype html><html lang="fr"><head><title>Le budget</title></head><body><article>
<h1>Le budget</h1>
<p>Nadia Ferrand a écrit que « le conseil votera le budget lundi », <a href="{url}">sur X</a>.</p>
<p>Personne d'autre n'a réagi.</p>
</article></body></html>
"""


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


def test_show_prints_the_provenance_notes(cli_env: dict[str, str]) -> None:
    done = run_cli("capture", FIXTURE_URLS["odd_dialogs"], "--json", env=cli_env)
    assert done.returncode == 0, done.stderr
    [capture] = json.loads(done.stdout)["captures"]
    shown = run_cli("show", capture["id"], "--json", env=cli_env)
    assert shown.returncode == 0, shown.stderr
    notes = json.loads(shown.stdout)["capture"]["notes"]
    assert any(note.startswith("dismissed a JavaScript alert") for note in notes)
    human = run_cli("show", capture["id"], env=cli_env)
    assert human.returncode == 0, human.stderr
    lines = [" ".join(line.split()) for line in human.stdout.splitlines()]
    assert "Provenance notes" in lines
    for note in notes:
        assert f"· {' '.join(note.split())}" in lines


@pytest.fixture
def cited(tmp_path: Path) -> Iterator[tuple[FakeWeb, dict[str, str]]]:
    """A fake web of its own, whose post a test may edit, and a data home that reaches it."""
    web = FakeWeb()
    web.add_post(CITED)
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
        yield web, env
    finally:
        web.stop()


def show_json(env: dict[str, str], capture_id: str) -> dict:
    done = run_cli("show", capture_id, "--json", env=env)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)["capture"]


def test_show_prints_watch_state_and_linked_claims(
    cited: tuple[FakeWeb, dict[str, str]], tmp_path: Path
) -> None:
    web, env = cited
    draft = tmp_path / "draft.html"
    draft.write_text(ARTICLE.format(url=CITED_URL), encoding="utf-8")
    added = run_cli("article", "add", str(draft), "--json", env=env)
    assert added.returncode == 0, added.stdout + added.stderr
    data = json.loads(added.stdout)
    [capture] = data["captures"]
    article = data["article"]
    [claim] = [c for c in article["claims"] if c["links"]]
    [link] = claim["links"]
    assert link["capture_id"] == capture["id"]

    shown = show_json(env, capture["id"])
    watch = shown["watch"]
    assert watch["watched"] is True and watch["latest_event"] is None
    assert watch["last_captured_at"] == capture["started_at"]
    assert [(c["claim"], c["text"], c["relation"], c["article"], c["article_title"])
            for c in shown["claims"]] == [
        (claim["id"], claim["text"], link["relation"], article["id"], article["title"])
    ]  # fmt: skip
    human = run_cli("show", capture["id"], env=env)
    assert human.returncode == 0, human.stderr
    text = " ".join(human.stdout.split())
    assert "Watch watched: next check at the next run" in text
    assert f"{link['relation']} {claim['id']} of {article['title']}" in text
    assert " ".join(claim["text"].split()) in text

    # A re-check finds the post edited: the first capture's post shows the change.
    web.posts[CITED.post_id] = replace(CITED, text="Le conseil votera le budget mardi.")
    rechecked = run_cli("recheck", "--all", "--json", env=env)
    assert rechecked.returncode == 0, rechecked.stderr
    [event, _summary] = [json.loads(line) for line in rechecked.stdout.splitlines()]
    watch = show_json(env, capture["id"])["watch"]
    assert watch["events"] == 1
    assert (watch["latest_event"]["kind"], watch["latest_event"]["after"]) == (
        event["kind"],
        event["after"],
    )
    assert watch["last_captured_at"] > capture["started_at"]
    text = " ".join(run_cli("show", capture["id"], env=env).stdout.split())
    assert f"latest change {event['when']} {event['kind']}" in text

    # A retracted article stays linked, and show says it was retracted.
    retracted = run_cli("retract", article["id"], "--reason", "wrong draft", env=env)
    assert retracted.returncode == 0, retracted.stderr
    [linked] = show_json(env, capture["id"])["claims"]
    assert linked["article_retracted"]["reason"] == "wrong draft"
    text = " ".join(run_cli("show", capture["id"], env=env).stdout.split())
    assert f"of {article['title']} (article retracted: wrong draft)" in text

    assert run_cli("unwatch", capture["id"], env=env).returncode == 0
    watch = show_json(env, capture["id"])["watch"]
    assert (watch["watched"], watch["next_check_at"]) == (False, None)
    assert "Watch not watched" in " ".join(run_cli("show", capture["id"], env=env).stdout.split())
