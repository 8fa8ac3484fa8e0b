"""`watch --list`: every watched post with its last check, its next, and the changes its checks
have seen but not yet confirmed — here a deletion seen once, awaiting its second check."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import pytest

from demo import FakeWeb, Platform, Post, PostState
from tests.conftest import command_env, run_cli

pytestmark = pytest.mark.browser

STAYS = Post(
    Platform.X, "1996000000000000001", "Nadia Ferrand", "nferrand",
    datetime(2025, 4, 1, 8, 0, tzinfo=UTC), "Le conseil votera le budget lundi.", lang="fr",
)  # fmt: skip
GOES = Post(
    Platform.X, "1996000000000000002", "Paul Imbert", "pimbert",
    datetime(2025, 4, 1, 9, 0, tzinfo=UTC), "Ce message va disparaître.", lang="fr",
)  # fmt: skip


def url(post: Post) -> str:
    return f"https://x.com/{post.handle}/status/{post.post_id}"


@pytest.fixture
def web_env(home: Path) -> Iterator[tuple[FakeWeb, dict[str, str]]]:
    """A fake web of its own (its posts change during the test) and a data home reaching it."""
    web = FakeWeb()
    web.add_post(STAYS)
    web.add_post(GOES)
    web.start()
    env = command_env(web, home)
    try:
        yield web, env
    finally:
        web.stop()


def watch_list(env: dict[str, str]) -> dict[str, dict]:
    done = run_cli("watch", "--list", "--json", env=env)
    assert done.returncode == 0, done.stdout + done.stderr
    data = json.loads(done.stdout)
    assert data["ok"] is True
    return {row["url"]: row for row in data["watched"]}


def test_watch_list_shows_checks_and_a_deletion_awaiting_confirmation(
    web_env: tuple[FakeWeb, dict[str, str]],
) -> None:
    web, env = web_env
    done = run_cli("capture", url(STAYS), url(GOES), "--context", "0", env=env)
    assert done.returncode == 0, done.stdout + done.stderr
    before = watch_list(env)
    assert set(before) == {url(STAYS), url(GOES)}
    for row in before.values():
        assert row.keys() == {
            "post_id", "url", "platform", "last_checked_at", "next_check_at",
            "check_interval_s", "pending", "status",
        }  # fmt: skip
        assert row["platform"] == "x" and row["status"] == "ok" and row["pending"] == []
        assert row["last_checked_at"].endswith("Z")
        assert row["next_check_at"] is None  # never re-checked: due at the next run
    assert before[url(GOES)]["post_id"] == GOES.post_id

    web.posts[GOES.post_id] = replace(GOES, state=PostState.DELETED)
    rechecked = run_cli("recheck", "--all", "--json", env=env)
    assert rechecked.returncode == 0, rechecked.stdout + rechecked.stderr
    *events, summary = map(json.loads, rechecked.stdout.splitlines())
    assert events == [] and summary["checked"] == 2  # one check of two: not yet a deletion

    after = watch_list(env)
    gone, stays = after[url(GOES)], after[url(STAYS)]
    assert gone["status"] == "not_found"
    [pending] = gone["pending"]
    assert (pending["kind"], pending["seen"], pending["needed"]) == ("deleted", 1, 2)
    assert pending["since"] == gone["last_checked_at"] and len(pending["captures"]) == 1
    assert stays["pending"] == [] and stays["status"] == "ok"
    for row in after.values():
        assert row["last_checked_at"] > before[row["url"]]["last_checked_at"]
        assert row["next_check_at"].endswith("Z") and row["next_check_at"] > row["last_checked_at"]
        assert row["check_interval_s"] == 3600  # the first rung of the back-off ladder

    human = run_cli("watch", "--list", env=env)
    assert human.returncode == 0, human.stderr
    assert "deleted: seen by 1 of 2 checks" in human.stdout

    both = run_cli("watch", url(STAYS), "--list", env=env)
    assert both.returncode == 2 and "not both" in both.stderr
    assert run_cli("watch", env=env).returncode == 2  # nothing to watch, as before
