"""The proof commands as a user runs them: capture runs seal the log and get timestamps (or say
they are pending, without failing), `timestamp` retries, `verify` reports the log, and
`export --article` writes a bundle that verifies elsewhere."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import run_cli
from tests.fixtureweb import FIXTURE_URLS
from tests.proof.localtsa import LocalTsa

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(shutil.which("openssl") is None, reason="needs openssl"),
]

ARTICLE = """<!doctype html><html lang="en"><head><title>Budget row</title></head><body><article>
<h1>Budget row</h1><p>Alice Dupont wrote that the council voted,
<a href="{live}">in a post on X</a>.</p><p>Nothing else happened.</p></article></body></html>
"""


@pytest.fixture
def tsa(tmp_path: Path) -> Iterator[LocalTsa]:
    with LocalTsa.create(tmp_path / "tsa") as local:
        yield local


def _json(done: object) -> dict:
    return json.loads(done.stdout)  # type: ignore[attr-defined]


def test_runs_seal_and_timestamp_and_retry_when_the_tsa_is_down(
    cli_env: dict[str, str], tsa: LocalTsa
) -> None:
    env = cli_env | {"POSTPROOF_TSA_URLS": tsa.url, "POSTPROOF_TSA_CA": str(tsa.pki.root)}
    first = run_cli("capture", FIXTURE_URLS["x_live"], "--json", env=env)
    assert first.returncode == 0, first.stderr
    log = _json(first)["log"]
    assert (log["log_size"], log["checkpoint_size"], log["new_checkpoint"]) == (1, 1, True)
    assert log["timestamp"]["tsa_url"] == tsa.url and not log["timestamp_pending"]

    tsa.mode = "error"
    second = run_cli("capture", FIXTURE_URLS["mastodon_live"], "--json", env=env)
    assert second.returncode == 0, second.stderr  # a TSA outage never fails a capture
    log = _json(second)["log"]
    assert log["checkpoint_size"] == 2 and log["timestamp"] is None and log["timestamp_pending"]
    assert "will retry next run" in log["warnings"][0]
    pending = run_cli("timestamp", env=env)
    assert pending.returncode == 3
    assert "timestamp pending" in _flat(pending.stderr)

    tsa.mode = "ok"
    retried = run_cli("timestamp", "--json", env=env)
    assert retried.returncode == 0, retried.stderr
    assert _json(retried)["log"]["timestamp"]["checkpoint_size"] == 2

    checked = run_cli("verify", "--all", "--json", env=env)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    figures = _json(checked)["log"]
    assert (figures["log_size"], figures["checkpoints"], figures["timestamps_checked"]) == (2, 2, 2)
    assert figures["consistency_checked"] == 1 and figures["timestamped_size"] == 2
    human = run_cli("verify", "--all", env=env)
    assert "2 signed manifests, 2 checkpoints" in human.stdout
    # Without the TSA's root, the same timestamps cannot be trusted: said precisely, exit 4.
    untrusted = run_cli("verify", "--all", env=cli_env)
    assert untrusted.returncode == 4
    assert "timestamp_untrusted" in untrusted.stderr and "--tsa-ca" in untrusted.stderr
    assert "timestamp_invalid" not in untrusted.stderr and "ErrorStack" not in untrusted.stderr
    assert "Warning" not in untrusted.stderr


def test_export_an_article_and_verify_the_bundle_elsewhere(
    cli_env: dict[str, str], tsa: LocalTsa, tmp_path: Path
) -> None:
    env = cli_env | {"POSTPROOF_TSA_URLS": tsa.url, "POSTPROOF_TSA_CA": str(tsa.pki.root)}
    draft = tmp_path / "draft.html"
    draft.write_text(ARTICLE.format(live=FIXTURE_URLS["x_live"]), "utf-8")
    added = run_cli("article", "add", str(draft), "--json", env=env)
    assert added.returncode == 0, added.stderr
    article = _json(added)["article"]
    assert _json(added)["log"]["timestamp"] is not None
    bundle = tmp_path / "article.wacz"
    done = run_cli("export", "--article", article["id"], "-o", str(bundle), "--json", env=env)
    assert done.returncode == 0, done.stderr
    exported = _json(done)["export"]
    assert len(exported["captures"]) == 1 and exported["timestamps"] == 1

    key = _json(run_cli("key", "show", "--json", env=env))["verifier"]
    elsewhere = {k: v for k, v in cli_env.items() if k != "POSTPROOF_HOME"}
    elsewhere["POSTPROOF_HOME"] = str(tmp_path / "other-machine")
    checked = run_cli(
        "verify", str(bundle), "--key", key, "--tsa-ca", str(tsa.pki.root), env=elsewhere
    )
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert "everything verifies" in checked.stdout
    wrong_key = run_cli(
        "verify", str(bundle), "--key", key.replace(key.split("+")[1], "00000000"),
        "--tsa-ca", str(tsa.pki.root), "--json", env=elsewhere,
    )  # fmt: skip
    assert wrong_key.returncode == 4
    assert "key_mismatch" in {p["problem"] for p in _json(wrong_key)["problems"]}


def test_export_refuses_bad_requests(cli_env: dict[str, str], tmp_path: Path) -> None:
    neither = run_cli("export", "-o", str(tmp_path / "x.wacz"), env=cli_env)
    assert neither.returncode == 2 and "capture ids or --article" in _flat(neither.stderr)
    suffix = run_cli("export", "abcd1234", "-o", str(tmp_path / "x.zip"), env=cli_env)
    assert suffix.returncode == 2 and "does not end in .wacz" in _flat(suffix.stderr)
    missing = run_cli("verify", str(tmp_path / "nothing.wacz"), env=cli_env)
    assert missing.returncode == 2 and "does not exist" in _flat(missing.stderr)
    garbage = tmp_path / "garbage.wacz"
    garbage.write_bytes(b"not a zip at all")
    broken = run_cli("verify", str(garbage), "--json", env=cli_env)
    assert broken.returncode == 4
    assert _json(broken)["problems"][0]["problem"] == "bundle_damaged"


def _flat(text: str) -> str:
    """Error messages are wrapped to the terminal width: compare them as one line."""
    return " ".join(text.split())
