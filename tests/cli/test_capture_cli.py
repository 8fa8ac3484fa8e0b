"""The command line as scripts and reporters use it: JSON contract, exit codes, verify."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path

import pytest

from tests.conftest import run_cli
from tests.fixtureweb import EXPECTED, FIXTURE_URLS

pytestmark = pytest.mark.browser

CAPTURE_KEYS = {
    "id", "url", "canonical_url", "platform", "post_id", "status", "started_at", "finished_at",
    "post", "artifacts",
}  # fmt: skip
ARTIFACT_KEYS = {"kind", "sha256", "size", "media_type", "path", "phash"}


def capture_json(env: dict[str, str], *urls: str, extra: tuple[str, ...] = ()) -> tuple[int, dict]:
    done = run_cli("capture", *urls, "--json", "--timeout", "20", *extra, env=env)
    assert done.stdout.strip(), done.stderr
    return done.returncode, json.loads(done.stdout)


def test_capture_json_contract(cli_env: dict[str, str]) -> None:
    code, data = capture_json(cli_env, FIXTURE_URLS["x_live_twitter"], FIXTURE_URLS["x_deleted"])
    assert code == 3  # one capture did not reach ok
    assert data["ok"] is False
    live, gone = data["captures"]
    assert live.keys() >= CAPTURE_KEYS
    assert live["status"] == "ok" and gone["status"] == "not_found"
    assert live["platform"] == "x" and live["post_id"] == "1880000000000000001"
    assert live["url"] == FIXTURE_URLS["x_live_twitter"]
    assert live["canonical_url"] == "https://x.com/alicedupont/status/1880000000000000001"
    assert live["started_at"].endswith("Z") and live["finished_at"] >= live["started_at"]
    expected = EXPECTED["x_live"]
    assert live["post"]["author"] == expected.author
    assert live["post"]["handle"] == expected.handle
    assert live["post"]["posted_at"] == "2025-01-15T09:30:00.000Z"
    assert live["post"]["text"] == expected.text
    assert len(live["post"]["media"]) == 1
    kinds = {a["kind"] for a in live["artifacts"]}
    assert {"screenshot", "post_screenshot", "html", "text", "headers", "metadata"} <= kinds
    for artifact in live["artifacts"]:
        assert artifact.keys() >= ARTIFACT_KEYS
        path = Path(artifact["path"])
        assert path.is_absolute() and path.name == artifact["sha256"]
        assert path.stat().st_size == artifact["size"]
        assert (artifact["phash"] is not None) == artifact["media_type"].startswith("image/")
    assert gone["reason"]


def test_show_list_and_verify(cli_env: dict[str, str]) -> None:
    code, data = capture_json(cli_env, FIXTURE_URLS["mastodon_live"])
    assert code == 0 and data["ok"] is True
    capture_id = data["captures"][0]["id"]

    shown = run_cli("show", capture_id[:5].upper(), "--json", env=cli_env)
    assert shown.returncode == 0, shown.stderr
    capture = json.loads(shown.stdout)["capture"]
    assert capture["id"] == capture_id
    assert capture["artifacts"] == data["captures"][0]["artifacts"]

    human = run_cli("show", capture_id, env=cli_env)
    assert human.returncode == 0 and "Émile Garnier" in human.stdout and capture_id in human.stdout

    listed = json.loads(run_cli("list", "--platform", "mastodon", "--json", env=cli_env).stdout)
    assert [c["id"] for c in listed["captures"]] == [capture_id]
    by_url = run_cli("list", "--url", "http://mastodon.example/@emile/113000000000000001?utm_source=a",
                     "--json", env=cli_env)  # fmt: skip
    assert [c["id"] for c in json.loads(by_url.stdout)["captures"]] == [capture_id]

    verified = run_cli("verify", "--all", "--json", env=cli_env)
    assert verified.returncode == 0, verified.stdout
    report = json.loads(verified.stdout)
    assert report["ok"] is True and report["artifacts_checked"] == len(capture["artifacts"])


def test_flipping_one_byte_of_any_blob_fails_verify(cli_env: dict[str, str]) -> None:
    code, data = capture_json(cli_env, FIXTURE_URLS["bsky_live"])
    assert code == 0
    artifacts = data["captures"][0]["artifacts"]
    originals = {}
    for artifact in artifacts:  # every blob of the capture gets one byte flipped at once
        path = Path(artifact["path"])
        originals[path] = path.read_bytes()
        os.chmod(path, stat.S_IRUSR | stat.S_IWUSR)
        flipped = bytearray(originals[path])
        flipped[len(flipped) // 2] ^= 0x01
        path.write_bytes(bytes(flipped))
    try:
        done = run_cli("verify", "--all", "--json", env=cli_env)
        assert done.returncode == 4
        report = json.loads(done.stdout)
        assert report["ok"] is False
        found = {(p["kind"], p["sha256"]) for p in report["problems"]}
        assert found == {(a["kind"], a["sha256"]) for a in artifacts}  # each one, nothing else
        assert {p["problem"] for p in report["problems"]} == {"hash_mismatch"}
        assert len(report["problems"]) == len(artifacts)
        human = run_cli("verify", "--all", env=cli_env)
        assert human.returncode == 4
        assert all(a["kind"] in human.stderr for a in artifacts)
    finally:
        for path, original in originals.items():
            path.write_bytes(original)
            os.chmod(path, 0o444)
    assert run_cli("verify", "--all", env=cli_env).returncode == 0


def test_private_addresses_are_refused_by_default(cli_env: dict[str, str]) -> None:
    env = {k: v for k, v in cli_env.items() if k != "POSTPROOF_ALLOW_PRIVATE"}
    code, data = capture_json(env, FIXTURE_URLS["x_live"])
    assert code == 3
    [capture] = data["captures"]
    assert capture["status"] == "blocked"
    assert "127.0.0.1" in capture["reason"] and "--allow-private" in capture["reason"]
    code, data = capture_json(env, FIXTURE_URLS["x_live"], extra=("--allow-private",))
    assert code == 0 and data["captures"][0]["status"] == "ok"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("capture", "javascript:alert(1)"), "Only http and https"),
        (("capture",), "No URL to capture"),
        (("capture", "https://x.com/a/status/1", "--host-map", "x.com"), "HOST=ADDRESS:PORT"),
        (("capture", "https://x.com/a/status/1", "--timeout", "0"), "--timeout"),
        (("show", "zzzzzzzz"), "zzzzzzzz"),
        (("list", "--status", "gone"), "Unknown status"),
        (("list", "--limit", "-1"), "--limit must be 1 or more"),
        (("list", "--limit", "0"), "--limit must be 1 or more"),
        (("similar", "no-such-screenshot.png"), "does not exist"),
        (("article", "add", "draft.md", "--lang", "french!"), "not a language code"),
        (("link", "--suggest", "7hq3", "--min-score", "5"), "between 0 and 1"),
    ],
)
def test_usage_errors_exit_2_with_a_clear_message(
    cli_env: dict[str, str], args: tuple[str, ...], message: str
) -> None:
    done = run_cli(*args, "--json", env=cli_env)
    assert done.returncode == 2, done.stderr
    data = json.loads(done.stdout)
    assert data["ok"] is False and message in data["error"]
    human = run_cli(*args, env=cli_env)
    assert human.returncode == 2 and message in human.stderr


def test_a_typo_is_refused_and_stored_nowhere(cli_env: dict[str, str]) -> None:
    done = run_cli("capture", "notaurl", "--json", env=cli_env)
    assert done.returncode == 2, done.stderr
    assert "not a web address" in json.loads(done.stdout)["error"]
    listed = run_cli("list", "--json", env=cli_env)
    assert json.loads(listed.stdout)["captures"] == []


def test_capture_reads_urls_from_a_file(cli_env: dict[str, str], tmp_path: Path) -> None:
    listing = tmp_path / "urls.txt"
    listing.write_text(
        f"# posts cited in the draft\n{FIXTURE_URLS['x_reply']}\n\n{FIXTURE_URLS['bsky_reply']}\n",
        encoding="utf-8",
    )
    code, data = capture_json(cli_env, extra=("--file", str(listing)))
    assert code == 0
    assert [c["platform"] for c in data["captures"]] == ["x", "bluesky"]


def test_missing_browser_names_the_fix(cli_env: dict[str, str], tmp_path: Path) -> None:
    env = cli_env | {"POSTPROOF_CHROMIUM": str(tmp_path / "no-such-chromium")}
    done = run_cli("capture", FIXTURE_URLS["x_live"], "--json", env=env)
    assert done.returncode == 2
    data = json.loads(done.stdout)
    assert "POSTPROOF_CHROMIUM" in data["error"]
    assert "apt-get install chromium" in data["hint"]
