"""The proof commands as a user runs them: capture runs seal the log and get timestamps (or say
they are pending, without failing), `timestamp` retries, `verify` reports the log,
`export --article` writes a bundle that verifies elsewhere (with a report and the screenshots
inside when asked), `certificate` prints one page per capture, and no command that writes a
file overwrites one or creates a folder unasked."""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
import sys
import zipfile
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest
from pypdf import PdfReader

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


def test_certificates_one_page_per_capture_with_its_url_hashes_key_and_timestamp(
    cli_env: dict[str, str], tsa: LocalTsa, tmp_path: Path
) -> None:
    env = cli_env | {"POSTPROOF_TSA_URLS": tsa.url, "POSTPROOF_TSA_CA": str(tsa.pki.root)}
    urls = [FIXTURE_URLS["x_live"], FIXTURE_URLS["mastodon_live"]]
    captured = run_cli("capture", *urls, "--json", env=env)
    assert captured.returncode == 0, captured.stderr
    captures = _json(captured)["captures"]
    stamped = datetime.fromisoformat(_json(captured)["log"]["timestamp"]["gen_time"])
    key = _json(run_cli("key", "show", "--json", env=env))["verifier"]
    pdf = tmp_path / "certificates.pdf"
    done = run_cli("certificate", *[c["id"] for c in captures], "-o", str(pdf), env=env)
    assert done.returncode == 0, done.stderr

    pages = PdfReader(pdf).pages
    assert len(pages) == len(captures) == 2
    for page, capture in zip(pages, captures, strict=True):
        text = _squeezed(page.extract_text())
        assert capture["id"] in text and _squeezed(capture["canonical_url"]) in text
        assert len(capture["artifacts"]) > 5
        for artifact in capture["artifacts"]:
            assert artifact["sha256"] in text, artifact["kind"]
        assert _squeezed(key) in text
        assert stamped.strftime("%Y-%m-%dT%H:%M:%SZ") in text
        assert f"postproofexport{capture['id']}-oevidence-{capture['id']}.wacz" in text
        assert len(page.images) == 1  # the full-page screenshot


def test_export_with_report_carries_the_report_and_screenshots_and_still_verifies(
    cli_env: dict[str, str], tsa: LocalTsa, tmp_path: Path
) -> None:
    env = cli_env | {"POSTPROOF_TSA_URLS": tsa.url, "POSTPROOF_TSA_CA": str(tsa.pki.root)}
    draft = tmp_path / "draft.html"
    draft.write_text(ARTICLE.format(live=FIXTURE_URLS["x_live"]), "utf-8")
    added = run_cli("article", "add", str(draft), "--json", env=env)
    assert added.returncode == 0, added.stderr
    article = _json(added)["article"]
    key = _json(run_cli("key", "show", "--json", env=env))["verifier"]
    [capture_id] = {link["capture_id"] for c in article["claims"] for link in c["links"]}
    shown = _json(run_cli("show", capture_id, "--json", env=env))["capture"]
    shots = {a["kind"]: a["sha256"] for a in shown["artifacts"]}

    for name, target in (("article", ["--article", article["id"]]), ("captures", [capture_id])):
        bundle = tmp_path / f"{name}.wacz"
        done = run_cli("export", *target, "--with-report", "-o", str(bundle), env=env)
        assert done.returncode == 0, done.stderr
        valid = subprocess.run(
            [str(Path(sys.executable).with_name("wacz")), "validate", "-f", str(bundle)],
            capture_output=True, text=True, timeout=120, check=False,
        )  # fmt: skip
        assert valid.returncode == 0 and "Validation succeeded" in valid.stdout, valid.stdout
        checked = run_cli(
            "verify", str(bundle), "--key", key, "--tsa-ca", str(tsa.pki.root), env=env
        )
        assert checked.returncode == 0, checked.stdout + checked.stderr
        with zipfile.ZipFile(bundle) as zf:
            package = json.loads(zf.read("datapackage.json"))
            listed = {r["path"]: r["hash"] for r in package["resources"]}
            for kind, suffix in (
                ("screenshot", "screenshot"),
                ("post_screenshot", "post-screenshot"),
            ):
                png = zf.read(f"report/{capture_id}-{suffix}.png")
                assert png.startswith(b"\x89PNG") and hashlib.sha256(png).hexdigest() == shots[kind]
                assert listed[f"report/{capture_id}-{suffix}.png"] == f"sha256:{shots[kind]}"
            html = zf.read("report/report.html").decode("utf-8")
        assert "report/report.html" in listed
        assert shots["screenshot"] in html and shots["post_screenshot"] in html
        if name == "article":
            assert "Alice Dupont wrote that the council voted" in " ".join(html.split())
        else:
            assert "Certificate of capture" in html


def test_outputs_never_overwrite_a_file_without_force_nor_create_a_folder(
    cli_env: dict[str, str], tmp_path: Path
) -> None:
    draft = tmp_path / "draft.html"
    draft.write_text(ARTICLE.format(live=FIXTURE_URLS["x_live"]), "utf-8")
    added = run_cli("article", "add", str(draft), "--json", env=cli_env)
    assert added.returncode == 0, added.stderr
    article = _json(added)["article"]["id"]
    again = run_cli("capture", FIXTURE_URLS["x_live"], "--json", env=cli_env)
    assert again.returncode == 0, again.stderr
    second = _json(again)["captures"][0]["id"]
    first = next(
        c["id"]
        for c in _json(run_cli("list", "--json", env=cli_env))["captures"]
        if c["id"] != second
    )
    commands = {
        "evidence.wacz": ["export", first],
        "article.wacz": ["export", "--article", article],
        "report.html": ["report", article],
        "report.pdf": ["report", article, "--format", "pdf"],
        "certificate.pdf": ["certificate", first],
        "changes.png": ["diff", first, second],
    }
    magic = {".wacz": b"PK", ".html": b"<!DOCTYPE html>", ".pdf": b"%PDF-", ".png": b"\x89PNG"}
    for name, command in commands.items():
        existing = tmp_path / name
        existing.write_bytes(b"kept")
        refused = run_cli(*command, "-o", str(existing), "--json", env=cli_env)
        assert refused.returncode == 2, (command, refused.stdout)
        assert _json(refused)["error"] == f"{existing} already exists", command
        assert "--force" in _json(refused)["hint"]
        assert existing.read_bytes() == b"kept", command
        assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".")) == []

        nowhere = tmp_path / "no-such-folder" / name
        missing = run_cli(*command, "-o", str(nowhere), "--json", env=cli_env)
        assert missing.returncode == 2, (command, missing.stdout)
        assert _json(missing)["error"] == f"the folder {nowhere.parent} does not exist"
        assert not nowhere.parent.exists(), command

        forced = run_cli(*command, "-o", str(existing), "--force", env=cli_env)
        assert forced.returncode == 0, (command, forced.stderr)
        assert existing.read_bytes().startswith(magic[existing.suffix]), command


def _squeezed(text: str) -> str:
    """Text as a PDF gives it back: lines break anywhere in a long hash, key or URL."""
    return "".join(text.split())
