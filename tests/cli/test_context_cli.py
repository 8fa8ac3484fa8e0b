"""A reply is captured with the post it answers, and a quote with the post it quotes: each as a
capture of its own, said in the output."""

from __future__ import annotations

import json

import pytest

from tests.conftest import run_cli
from tests.fixtureweb import FIXTURE_URLS, M_LIVE, X_LIVE

pytestmark = pytest.mark.browser


def test_a_reply_brings_its_parent_and_a_quote_what_it_quotes(cli_env: dict[str, str]) -> None:
    urls = [FIXTURE_URLS["x_reply"], FIXTURE_URLS["x_quote"], FIXTURE_URLS["mastodon_reply"]]
    done = run_cli("capture", *urls, "--concurrency", "1", "--json", env=cli_env)
    assert done.returncode == 0, done.stderr
    data = json.loads(done.stdout)
    assert len(data["captures"]) == 3  # the context is reported apart
    context = data["context"]
    by_post = {c["capture"]["post_id"]: c for c in context}
    # X: the reply's parent (which the quote also quotes) is captured once, as the parent.
    x_parent = by_post[X_LIVE.post_id]
    assert x_parent["relation"] == "reply_parent" and x_parent["depth"] == 1
    assert x_parent["capture"]["status"] == "ok"
    assert x_parent["capture"]["post"]["text"] == X_LIVE.text
    reply = next(c for c in data["captures"] if c["post_id"] == "1880000000000000002")
    assert x_parent["of"] == reply["id"]
    # Mastodon: the reply_to URL is in the ActivityPub form; the parent is the same post.
    m_parent = next(c for c in context if c["capture"]["platform"] == "mastodon")
    assert m_parent["capture"]["post_id"].endswith(M_LIVE.post_id)
    assert len(context) == 2

    again = run_cli("capture", FIXTURE_URLS["x_reply"], "--context", "0", "--json", env=cli_env)
    assert json.loads(again.stdout)["context"] == []
