"""Correcting the record without rewriting it, from the command line: a retracted capture or
article leaves the listings and the reports (which say how many links they left out), stays in
show, history and verify with why and when it was retracted, and its retraction is a signed
entry of the log that `verify --all` checks."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import pytest

import storage
from tests.conftest import run_cli
from tests.fixtureweb import FIXTURE_URLS
from tests.storage.factories import T0, make_result

pytestmark = pytest.mark.browser

REASON = "captured from a spoofed page"
ARTICLE = """<!doctype html><html lang="en"><head><title>Council votes budget</title></head>
<body><article><h1>Council votes budget</h1>
<p>Alice Dupont wrote that “le conseil municipal a voté ce soir le budget 2025”,
<a href="{live}">in a post on X</a>.</p>
<p>Émile Garnier answered <a href="{mastodon}">on Mastodon</a>.</p>
</article></body></html>
"""


def cli_json(env: dict[str, str], *args: str, code: int = 0) -> dict:
    done = run_cli(*args, "--json", env=env)
    assert done.returncode == code, done.stdout + done.stderr
    return json.loads(done.stdout)


def listed(env: dict[str, str], *args: str) -> dict[str, dict]:
    return {c["id"]: c for c in cli_json(env, "list", *args)["captures"]}


def test_a_retracted_capture_leaves_list_and_is_marked_where_it_is_shown(
    cli_env: dict[str, str],
) -> None:
    captured = cli_json(
        cli_env, "capture", FIXTURE_URLS["x_live"], FIXTURE_URLS["mastodon_live"], "--context", "0"
    )
    kept, gone = (c["id"] for c in captured["captures"])
    log_before = captured["log"]["log_size"]

    done = cli_json(cli_env, "retract", gone[:6], "--reason", REASON)
    retraction = done["retraction"]
    assert retraction["target"] == {"kind": "capture", "id": gone}
    assert retraction["reason"] == REASON and retraction["at"].endswith("Z")
    assert retraction["log_index"] == log_before  # appended after the captures' entries
    # The run sealed the log over the retraction, as a capture run does.
    assert done["log"]["log_size"] == done["log"]["checkpoint_size"] == log_before + 1

    assert set(listed(cli_env)) == {kept}
    everything = listed(cli_env, "--include-retracted")
    assert set(everything) == {kept, gone}
    assert everything[kept]["retracted"] is None
    assert everything[gone]["retracted"] == {
        "reason": REASON, "at": retraction["at"], "made_by": None,  # from the command line
    }  # fmt: skip
    marked = f"retracted: {REASON} ({retraction['at']})"
    human = run_cli("list", "--include-retracted", env=cli_env)
    assert f"{gone}: {marked}" in human.stdout
    assert gone not in run_cli("list", env=cli_env).stdout

    assert cli_json(cli_env, "show", gone)["capture"]["retracted"]["reason"] == REASON
    assert marked in run_cli("show", gone, env=cli_env).stdout
    assert cli_json(cli_env, "show", kept)["capture"]["retracted"] is None
    history = cli_json(cli_env, "history", gone)
    assert [c["retracted"] for c in history["captures"]] == [everything[gone]["retracted"]]
    assert marked in run_cli("history", gone, env=cli_env).stdout

    verified = cli_json(cli_env, "verify", "--all")
    assert verified["ok"] is True and verified["problems"] == []
    assert (verified["log"]["log_size"], verified["log"]["retractions"]) == (log_before + 1, 1)
    assert "1 of them retractions" in run_cli("verify", "--all", env=cli_env).stdout
    one = cli_json(cli_env, "verify", gone)
    assert one["ok"] is True and one["retracted"]["reason"] == REASON
    assert marked in run_cli("verify", gone, env=cli_env).stdout

    again = cli_json(cli_env, "retract", gone, "--reason", "twice", code=2)
    assert "already retracted" in again["error"] and REASON in again["error"]
    unknown = cli_json(cli_env, "retract", "zzzzzzzz", "--reason", "nothing", code=2)
    assert "no capture or article" in unknown["error"]
    assert cli_json(cli_env, "verify", "--all")["log"]["log_size"] == log_before + 1


def test_reports_leave_retracted_evidence_out_and_say_so(
    cli_env: dict[str, str], tmp_path: Path
) -> None:
    draft = tmp_path / "draft.html"
    draft.write_text(
        ARTICLE.format(live=FIXTURE_URLS["x_live"], mastodon=FIXTURE_URLS["mastodon_live"]),
        "utf-8",
    )
    article = cli_json(cli_env, "article", "add", str(draft))["article"]
    links = {
        link["capture_id"]: claim["number"]
        for claim in article["claims"]
        for link in claim["links"]
    }
    assert len(links) == 2
    retracted = next(c for c in links if links[c] == min(links.values()))
    cli_json(cli_env, "retract", retracted, "--reason", REASON)

    def report(*extra: str) -> tuple[dict, dict]:
        path = tmp_path / f"report{len(extra)}.json"
        done = cli_json(cli_env, "report", article["id"], "-F", "json", "-o", str(path), *extra)
        return done["summary"], json.loads(path.read_text("utf-8"))

    summary, content = report()
    assert summary["retracted_links_left_out"] == 1
    assert content["summary"]["retracted_links_left_out"] == 1
    shown = {link["capture_id"] for claim in content["claims"] for link in claim["links"]}
    assert shown == set(links) - {retracted}
    summary, content = report("--include-retracted")
    assert summary["retracted_links_left_out"] == 0
    assert {link["capture_id"] for c in content["claims"] for link in c["links"]} == set(links)

    markdown = tmp_path / "report.md"
    done = run_cli("report", article["id"], "-F", "md", "-o", str(markdown), env=cli_env)
    assert done.returncode == 0, done.stderr
    assert "retracted links left out: 1" in done.stdout
    assert "Links to retracted captures, left out: 1" in markdown.read_text("utf-8")


def test_a_retracted_article_leaves_the_article_list(
    cli_env: dict[str, str], tmp_path: Path
) -> None:
    draft = tmp_path / "draft.txt"
    draft.write_text("A headline\n\nThe council voted the budget.\n", encoding="utf-8")
    article = cli_json(cli_env, "article", "add", str(draft), "--no-capture")["article"]
    done = cli_json(cli_env, "retract", article["id"], "--reason", "published by mistake")
    assert done["retraction"]["target"] == {"kind": "article", "id": article["id"]}
    assert cli_json(cli_env, "article", "list")["articles"] == []
    [kept] = cli_json(cli_env, "article", "list", "--include-retracted")["articles"]
    assert kept["id"] == article["id"]
    assert kept["retracted"]["reason"] == "published by mistake"
    shown = run_cli("article", "show", article["id"], env=cli_env)
    assert "retracted: published by mistake" in shown.stdout
    assert cli_json(cli_env, "verify", "--all")["log"]["retractions"] == 1


def _stored(home: Path, count: int) -> list[str]:
    """``count`` stored captures of posts of their own, oldest first (no browser needed)."""
    with storage.open_archive(home) as archive:
        return [
            archive.store(
                make_result(
                    f"https://social.example/@alice/{n}",
                    post_id=str(n),
                    started_at=T0 + timedelta(minutes=n),
                    text="The council voted the budget.",
                )
            )
            for n in range(count)
        ]


def test_link_refuses_a_retracted_capture_or_article_unless_asked(
    cli_env: dict[str, str], home: Path, tmp_path: Path
) -> None:
    gone, kept, other = _stored(home, 3)
    draft = tmp_path / "draft.txt"
    draft.write_text("A headline\n\nThe council voted the budget.\n", encoding="utf-8")
    article = cli_json(cli_env, "article", "add", str(draft), "--no-capture")["article"]
    claim = article["claims"][-1]["id"]
    cli_json(cli_env, "retract", gone, "--reason", REASON)

    refused = cli_json(cli_env, "link", claim, gone, code=2)
    assert f"Capture {gone} is retracted: {REASON}" in refused["error"]
    assert "--include-retracted" in refused["hint"]
    human = run_cli("link", claim, gone, env=cli_env)
    assert human.returncode == 2 and "retracted" in human.stderr
    assert all(
        c["links"] == [] for c in cli_json(cli_env, "claim", "list", article["id"])["claims"]
    )
    made = cli_json(cli_env, "link", claim, gone, "--include-retracted")["link"]
    assert made["capture_id"] == gone
    assert cli_json(cli_env, "link", claim, kept)["link"]["capture_id"] == kept

    cli_json(cli_env, "retract", article["id"], "--reason", "published by mistake")
    refused = cli_json(cli_env, "link", claim, other, code=2)
    assert (
        f"is of article {article['id']}, which is retracted: published by mistake"
        in (refused["error"])
    )
    made = cli_json(cli_env, "link", claim, other, "--include-retracted")["link"]
    assert made["capture_id"] == other


def test_accepting_suggestions_refuses_a_retracted_article_unless_asked(
    cli_env: dict[str, str], home: Path, tmp_path: Path
) -> None:
    with storage.open_archive(home) as archive:
        archive.store(make_result(text="The council voted the 2025 budget of 48 million tonight."))
    draft = tmp_path / "draft.txt"
    draft.write_text(
        "A headline\n\nAlice wrote that “the council voted the 2025 budget of 48 million "
        "tonight”.\n",
        encoding="utf-8",
    )
    article = cli_json(cli_env, "article", "add", str(draft), "--no-capture")["article"]
    cli_json(cli_env, "retract", article["id"], "--reason", "published by mistake")

    refused = cli_json(cli_env, "link", "--suggest", article["id"], "--accept", code=2)
    assert "which is retracted: published by mistake" in refused["error"]
    assert "--include-retracted" in refused["hint"]
    assert all(
        c["links"] == [] for c in cli_json(cli_env, "claim", "list", article["id"])["claims"]
    )
    # Suggestions can still be read; only linking is refused.
    assert cli_json(cli_env, "link", "--suggest", article["id"])["suggestions"]
    made = cli_json(cli_env, "link", "--suggest", article["id"], "--accept", "--include-retracted")
    assert [link["origin"] for link in made["accepted"]] == ["suggested"]


def test_listings_say_how_many_retracted_things_they_leave_out(
    cli_env: dict[str, str], home: Path, tmp_path: Path
) -> None:
    first, second = _stored(home, 2)
    for capture_id in (first, second):
        cli_json(cli_env, "retract", capture_id, "--reason", REASON)
    empty = run_cli("list", env=cli_env)
    assert empty.returncode == 0 and first not in empty.stdout
    assert empty.stderr == (
        "Nothing to show: 2 retracted captures left out; "
        "add --include-retracted to show them, marked.\n"
    )
    assert cli_json(cli_env, "list")["retracted_left_out"] == 2
    assert cli_json(cli_env, "list", "--include-retracted")["retracted_left_out"] == 0
    assert "left out" not in run_cli("list", "--include-retracted", env=cli_env).stderr
    # Only what the filters match is counted.
    other = cli_json(cli_env, "list", "--platform", "x")
    assert (other["captures"], other["retracted_left_out"]) == ([], 0)
    [kept] = _stored(home, 1)  # an archive's ids never repeat: a third capture
    some = run_cli("list", env=cli_env)
    assert kept in some.stdout and "2 retracted captures left out" in some.stderr

    drafts = []
    for n in range(2):
        draft = tmp_path / f"draft{n}.txt"
        draft.write_text(f"Headline {n}\n\nThe council voted budget {n}.\n", encoding="utf-8")
        drafts.append(cli_json(cli_env, "article", "add", str(draft), "--no-capture")["article"])
    cli_json(cli_env, "retract", drafts[0]["id"], "--reason", "published by mistake")
    shown = run_cli("article", "list", env=cli_env)
    assert drafts[1]["id"] in shown.stdout and drafts[0]["id"] not in shown.stdout
    assert "1 retracted article left out; add --include-retracted to show it" in shown.stderr
    cli_json(cli_env, "retract", drafts[1]["id"], "--reason", "published by mistake")
    none = run_cli("article", "list", env=cli_env)
    assert none.stderr == (
        "Nothing to show: 2 retracted articles left out; "
        "add --include-retracted to show them, marked.\n"
    )
    listed = cli_json(cli_env, "article", "list")
    assert (listed["articles"], listed["retracted_left_out"]) == ([], 2)
