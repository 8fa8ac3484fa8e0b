"""Evidence bundles end to end: real captures (Chromium against the fixture web), a local
openssl TSA, ``postproof export``, then offline verification — and every tampering a forger
might try, each found with a precise message."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import io
import json
import os
import shutil
import subprocess
import sys
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from warcio.archiveiterator import ArchiveIterator

import storage
from archiver import CaptureOptions, capture_many
from archiver.errors import PostproofError
from proof import NoteSigner, canonical_json, verify_bundle
from tests.fixtureweb import FIXTURE_URLS, X_LIVE
from tests.proof.localtsa import LocalTsa, TestPki

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(shutil.which("openssl") is None, reason="needs openssl"),
]
BIN = Path(sys.executable).parent


@dataclass(frozen=True)
class Exported:
    home: Path
    bundle: Path
    capture_ids: tuple[str, ...]
    verifier: str
    roots: list[bytes]
    tsa: LocalTsa


@pytest.fixture(scope="module")
def exported(
    options: CaptureOptions, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Exported]:
    base = tmp_path_factory.mktemp("bundle")
    with LocalTsa.create(base / "tsa") as tsa:
        roots = [tsa.pki.root.read_bytes()]
        with storage.open_archive(base / "home") as archive:
            first = asyncio.run(capture_many([FIXTURE_URLS["x_live"]], options, archive))
            tsa.mode = "error"  # the first run's TSA is down: its checkpoint stays unstamped
            assert archive.seal([tsa.url], roots=roots, timeout=2).timestamp_pending
            tsa.mode = "ok"
            second = asyncio.run(
                capture_many(
                    [FIXTURE_URLS["mastodon_live"], FIXTURE_URLS["x_deleted"]], options, archive
                )
            )
            assert archive.seal([tsa.url], roots=roots).timestamp is not None
            third = asyncio.run(capture_many([FIXTURE_URLS["x_reply"]], options, archive))
            archive.seal()  # a newer checkpoint, not stamped: proofs need consistency to it
            ids = tuple(cid for cid, _ in first + second + third)
            bundle = base / "evidence.wacz"
            archive.export(ids, bundle, title="test evidence", software="postproof test")
            verifier = archive.signing_key().verifier
        yield Exported(base / "home", bundle, ids, verifier, roots, tsa)


def test_an_exported_bundle_verifies_offline(exported: Exported) -> None:
    report = verify_bundle(exported.bundle, roots=exported.roots, trusted_key=exported.verifier)
    assert report.ok, report.problems
    assert report.key == exported.verifier
    assert report.checkpoint_size == 4
    assert report.timestamps_checked == 1
    assert [c.capture_id for c in report.captures] == list(exported.capture_ids)
    assert all(c.signed and c.included and c.warc_ok for c in report.captures)
    stamped = [c.timestamped_at is not None for c in report.captures]
    # The first three were logged before the stamped checkpoint (size 3); the last after it.
    assert stamped == [True, True, True, False]
    assert [c.status for c in report.captures] == ["ok", "ok", "not_found", "ok"]


def test_wacz_validate_and_warcio_check_accept_the_bundle(
    exported: Exported, tmp_path: Path
) -> None:
    done = subprocess.run(
        [str(BIN / "wacz"), "validate", "-f", str(exported.bundle)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    with zipfile.ZipFile(exported.bundle) as zf:
        warcs = [n for n in zf.namelist() if n.startswith("archive/")]
        assert len(warcs) == len(exported.capture_ids)
        for name in warcs:
            target = tmp_path / Path(name).name
            target.write_bytes(zf.read(name))
            check = subprocess.run(
                [str(BIN / "warcio"), "check", "-v", str(target)],
                capture_output=True,
                text=True,
                check=False,
            )
            assert check.returncode == 0, check.stdout + check.stderr
            assert "digest pass" in check.stdout
            assert "digest fail" not in check.stdout


def test_the_warc_records_traffic_tls_and_evidence(exported: Exported) -> None:
    with zipfile.ZipFile(exported.bundle) as zf:
        data = zf.read(f"archive/{exported.capture_ids[0]}.warc.gz")
    records = list(_records(data))
    types = [r["type"] for r in records]
    assert types[0] == "warcinfo"
    assert {"request", "response", "metadata", "resource"} <= set(types)
    page = next(
        r for r in records if r["type"] == "response" and r["uri"] == FIXTURE_URLS["x_live"]
    )
    assert page["headers"]["WARC-IP-Address"] == "127.0.0.1"
    assert page["headers"]["WARC-Protocol"] in ("http/1.1", "h2")
    assert page["headers"]["WARC-Payload-Digest"].startswith("sha256:")
    assert b"<html" in page["payload"]
    # X renders the post from its API's JSON: that response is in the WARC too.
    word = max((w for w in X_LIVE.text.split() if w.isascii() and w.isalpha()), key=len)
    assert any(r["type"] == "response" and word.encode() in r["payload"] for r in records), word
    chain = next(r for r in records if r["uri"].startswith("urn:postproof:tls_chain:"))
    assert chain["payload"].startswith(b"-----BEGIN CERTIFICATE-----")
    resources = {r["uri"].split(":")[2] for r in records if r["type"] == "resource"}
    assert {"screenshot", "post_screenshot", "html", "provenance", "tls_chain"} <= resources
    provenance = json.loads(
        next(r for r in records if r["uri"].startswith("urn:postproof:provenance:"))["payload"]
    )
    assert provenance["tls"]["chain_length"] >= 1
    assert provenance["tls"]["protocol"].startswith("TLS")


def test_the_tls_chain_is_the_one_the_server_presented(exported: Exported) -> None:
    from cryptography import x509

    with zipfile.ZipFile(exported.bundle) as zf:
        data = zf.read(f"archive/{exported.capture_ids[0]}.warc.gz")
    chain = next(r for r in _records(data) if r["uri"].startswith("urn:postproof:tls_chain:"))
    leaf = x509.load_pem_x509_certificates(chain["payload"])[0]
    names = leaf.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert "x.com" in names.get_values_for_type(x509.DNSName)


def test_openssl_accepts_the_bundled_token(exported: Exported, tmp_path: Path) -> None:
    with zipfile.ZipFile(exported.bundle) as zf:
        proof = json.loads(zf.read("postproof/proof.json"))
        [stamp] = proof["timestamps"]
        (tmp_path / "t.tsr").write_bytes(zf.read(stamp["token"]))
        (tmp_path / "cp").write_bytes(zf.read(stamp["checkpoint"]))
        readme = zf.read("postproof/README.txt").decode()
    assert f"openssl ts -verify -in {stamp['token']}" in readme
    done = subprocess.run(
        [
            *("openssl", "ts", "-verify", "-in", str(tmp_path / "t.tsr")),
            *("-data", str(tmp_path / "cp"), "-CAfile", str(exported.tsa.pki.root)),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert "Verification: OK" in done.stdout


# --- tampering --------------------------------------------------------------------------------


def _files(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as zf:
        return {name: zf.read(name) for name in zf.namelist()}


def _write(path: Path, files: dict[str, bytes]) -> None:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_STORED) as zf:
        for name in sorted(files):
            zf.writestr(name, files[name])


def _repack(files: dict[str, bytes]) -> dict[str, bytes]:
    """What a forger does after editing files: fix every hash the package lists (the signature
    over the list cannot be fixed without the key)."""
    package = json.loads(files["datapackage.json"])
    for resource in package["resources"]:
        data = files[resource["path"]]
        resource["hash"] = "sha256:" + hashlib.sha256(data).hexdigest()
        resource["bytes"] = len(data)
    files["datapackage.json"] = json.dumps(package, indent=2).encode()
    digest = json.loads(files["datapackage-digest.json"])
    digest["hash"] = "sha256:" + hashlib.sha256(files["datapackage.json"]).hexdigest()
    files["datapackage-digest.json"] = json.dumps(digest).encode()
    return files


def _tampered(
    exported: Exported, tmp_path: Path, change: Callable[[dict[str, bytes]], None], repack: bool
) -> dict[str, list[str]]:
    files = _files(exported.bundle)
    change(files)
    target = tmp_path / "tampered.wacz"
    _write(target, _repack(files) if repack else files)
    report = verify_bundle(target, roots=exported.roots, trusted_key=exported.verifier)
    assert not report.ok
    found: dict[str, list[str]] = {}
    for problem in report.problems:
        found.setdefault(problem.code, []).append(problem.detail)
    return found


def test_one_changed_byte_in_any_file_is_found(exported: Exported, tmp_path: Path) -> None:
    names = sorted(_files(exported.bundle))
    assert len(names) >= 10
    for name in names:

        def flip(files: dict[str, bytes], name: str = name) -> None:
            data = bytearray(files[name])
            data[len(data) // 2] ^= 0x01
            files[name] = bytes(data)

        found = _tampered(exported, tmp_path, flip, repack=False)
        if name == "datapackage-digest.json" and "signature_invalid" in found:
            continue  # the flip landed in the signature block itself
        assert list(found) == ["bundle_damaged"], (name, found)
        if name == "datapackage.json":
            assert "datapackage-digest.json" in found["bundle_damaged"][0]
        elif name != "datapackage-digest.json":
            assert name in found["bundle_damaged"][0], (name, found)


def test_a_changed_file_with_a_repacked_list_breaks_the_signature(
    exported: Exported, tmp_path: Path
) -> None:
    def edit_pages(files: dict[str, bytes]) -> None:
        files["pages/pages.jsonl"] = files["pages/pages.jsonl"].replace(b"Alice", b"Alicf")

    found = _tampered(exported, tmp_path, edit_pages, repack=True)
    assert list(found) == ["signature_invalid"]
    assert "datapackage.json does not verify" in found["signature_invalid"][0]


def test_an_edited_manifest_is_found(exported: Exported, tmp_path: Path) -> None:
    first = exported.capture_ids[0]

    def edit(files: dict[str, bytes]) -> None:
        name = f"postproof/manifest-{first}.json"
        envelope = json.loads(files[name])
        envelope["manifest"]["post"]["text"] = "something never said"
        files[name] = json.dumps(envelope).encode()

    found = _tampered(exported, tmp_path, edit, repack=True)
    assert "manifest signature does not match its content" in found["manifest_invalid"][0]
    assert first in found["manifest_invalid"][0]


def test_a_changed_warc_names_the_changed_evidence(exported: Exported, tmp_path: Path) -> None:
    first = exported.capture_ids[0]

    def swap_screenshot(files: dict[str, bytes]) -> None:
        name = f"archive/{first}.warc.gz"
        files[name] = _rewrite_resource(files[name], "screenshot", b"\x89PNG forged")

    found = _tampered(exported, tmp_path, swap_screenshot, repack=True)
    assert f"archive/{first}.warc.gz hashes to" in found["warc_mismatch"][0]
    assert "the screenshot in the WARC hashes to" in found["artifact_mismatch"][0]


def test_a_dropped_log_entry_is_found(exported: Exported, tmp_path: Path) -> None:
    def drop(files: dict[str, bytes]) -> None:
        proof = json.loads(files["postproof/proof.json"])
        proof["entries"] = proof["entries"][1:]
        files["postproof/proof.json"] = json.dumps(proof).encode()

    found = _tampered(exported, tmp_path, drop, repack=True)
    assert (
        f"archive/{exported.capture_ids[0]}.warc.gz is in the bundle but no log entry"
        in (found["unlogged_capture"][0])
    )


def test_reordered_log_entries_are_found(exported: Exported, tmp_path: Path) -> None:
    def reorder(files: dict[str, bytes]) -> None:
        proof = json.loads(files["postproof/proof.json"])
        a, b = proof["entries"][0], proof["entries"][1]
        a["index"], b["index"] = b["index"], a["index"]
        files["postproof/proof.json"] = json.dumps(proof).encode()

    found = _tampered(exported, tmp_path, reorder, repack=True)
    assert len(found["inclusion_failed"]) >= 2
    assert "is not at index" in found["inclusion_failed"][0]


def test_a_swapped_public_key_is_found(exported: Exported, tmp_path: Path) -> None:
    forger = NoteSigner.generate("postproof-archive")

    def swap(files: dict[str, bytes]) -> None:
        proof = json.loads(files["postproof/proof.json"])
        proof["key"] = str(forger.verifier())
        files["postproof/proof.json"] = json.dumps(proof).encode()

    found = _tampered(exported, tmp_path, swap, repack=True)
    assert "not by the expected key" in found["key_mismatch"][0]
    assert found["signature_invalid"]
    assert found["manifest_invalid"]


def test_a_complete_forgery_with_another_key_fails_on_the_timestamp(
    exported: Exported, tmp_path: Path
) -> None:
    """A forger re-signs every manifest, checkpoint and the file list with their own key: only
    the trusted key (--key) and the TSA's stamp over the real checkpoint expose it."""
    from proof import Checkpoint, format_checkpoint, leaf_hash, root, sign_note

    forger = NoteSigner.generate("postproof-archive")
    verifier = str(forger.verifier())
    origin = "postproof-archive/" + verifier.split("+")[1]
    files = _files(exported.bundle)
    proof = json.loads(files["postproof/proof.json"])
    leaves = []
    for entry in sorted(proof["entries"], key=lambda e: e["index"]):
        name = entry["manifest"]
        envelope = json.loads(files[name])
        body = canonical_json(envelope["manifest"])
        envelope["key"] = verifier
        envelope["signature"] = base64.b64encode(forger.sign(body)).decode()
        files[name] = json.dumps(envelope).encode()
        leaves.append(leaf_hash(body))
    # Same leaves: the forged checkpoints have the same roots, only the signer differs.
    for size_text, note in list(proof["checkpoints"].items()):
        size = int(size_text)
        forged = sign_note(
            format_checkpoint(Checkpoint(origin, size, root(leaves[:size]))), [forger]
        )
        proof["checkpoints"][size_text] = forged
        if note == proof["checkpoint"]:
            proof["checkpoint"] = forged
        for stamp in proof["timestamps"]:
            if stamp["checkpoint_size"] == size:
                files[stamp["checkpoint"]] = forged.encode()
    proof["key"], proof["origin"] = verifier, origin
    files["postproof/proof.json"] = json.dumps(proof).encode()
    files = _repack(files)
    digest = json.loads(files["datapackage-digest.json"])
    digest["postproof_signature"] = {
        "alg": "ed25519",
        "key": verifier,
        "signature": base64.b64encode(forger.sign(digest["hash"].encode())).decode(),
    }
    files["datapackage-digest.json"] = json.dumps(digest).encode()
    target = tmp_path / "forged.wacz"
    _write(target, files)

    unpinned = verify_bundle(target, roots=exported.roots)
    codes = {p.code: p.detail for p in unpinned.problems}
    assert list(codes) == ["timestamp_invalid"], unpinned.problems
    assert "the token stamps" in codes["timestamp_invalid"]
    pinned = verify_bundle(target, roots=exported.roots, trusted_key=exported.verifier)
    assert "key_mismatch" in {p.code for p in pinned.problems}


def test_a_replaced_timestamp_token_is_found(exported: Exported, tmp_path: Path) -> None:
    from proof import request_timestamp

    other = request_timestamp(b"some other data", exported.tsa.url)

    def replace(files: dict[str, bytes]) -> None:
        files["postproof/timestamp-1.tsr"] = other.der

    found = _tampered(exported, tmp_path, replace, repack=True)
    assert "the token stamps" in found["timestamp_invalid"][0]
    assert "but the data's SHA-256 is" in found["timestamp_invalid"][0]


def test_a_timestamp_from_an_untrusted_root_is_not_accepted(
    exported: Exported, tmp_path: Path
) -> None:
    report = verify_bundle(exported.bundle, roots=[], trusted_key=exported.verifier)
    assert [p.code for p in report.problems] == ["timestamp_untrusted"]
    # Other roots than the TSA's (a machine's CA bundle, another TSA): untrusted, not tampered.
    other = TestPki.create(tmp_path / "other", name="Other")
    report = verify_bundle(
        exported.bundle, roots=[other.root.read_bytes()], trusted_key=exported.verifier
    )
    assert [p.code for p in report.problems] == ["timestamp_untrusted"]
    assert "--tsa-ca" in report.problems[0].detail


# --- the command line ------------------------------------------------------------------------


def test_export_and_verify_from_the_command_line(exported: Exported, tmp_path: Path) -> None:
    from tests.conftest import run_cli

    env = {k: v for k, v in os.environ.items() if not k.startswith("POSTPROOF_")}
    out = tmp_path / "cli.wacz"
    done = run_cli(
        "export", exported.capture_ids[1], "-o", str(out), "--json",
        env=env | {"POSTPROOF_HOME": str(exported.home)},
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    payload = json.loads(done.stdout)
    assert payload["ok"] and payload["export"]["captures"] == [exported.capture_ids[1]]
    assert payload["export"]["sha256"] == hashlib.sha256(out.read_bytes()).hexdigest()
    elsewhere = env | {"POSTPROOF_HOME": str(tmp_path / "elsewhere")}  # no archive needed
    checked = run_cli(
        "verify", str(out), "--tsa-ca", str(exported.tsa.pki.root), "--key", exported.verifier,
        "--json", env=elsewhere,
    )  # fmt: skip
    assert checked.returncode == 0, checked.stdout + checked.stderr
    result = json.loads(checked.stdout)
    assert result["ok"] and result["captures"][0]["timestamped_at"]
    human = run_cli("verify", str(out), "--tsa-ca", str(exported.tsa.pki.root), env=elsewhere)
    assert human.returncode == 0, human.stdout + human.stderr
    assert "everything verifies" in human.stdout
    assert "logged no later than" in human.stdout

    files = _files(out)
    files[f"archive/{exported.capture_ids[1]}.warc.gz"] += b"\x00"
    _write(out, files)
    broken = run_cli("verify", str(out), "--json", env=elsewhere)
    assert broken.returncode == 4
    failure = json.loads(broken.stdout)
    assert not failure["ok"]
    assert f"archive/{exported.capture_ids[1]}.warc.gz" in failure["error"]


def test_a_retracted_capture_travels_with_its_retraction_and_verify_marks_it(
    exported: Exported, tmp_path: Path
) -> None:
    from tests.conftest import run_cli

    home = tmp_path / "home"
    shutil.copytree(exported.home, home)  # the module's archive stays as it is
    env = {k: v for k, v in os.environ.items() if not k.startswith("POSTPROOF_")}
    env |= {"POSTPROOF_HOME": str(home)}
    kept, gone = exported.capture_ids[:2]
    reason = "captured from a spoofed page"
    done = run_cli("retract", gone, "--reason", reason, "--json", env=env)
    assert done.returncode == 0, done.stderr
    retraction = json.loads(done.stdout)["retraction"]
    out = tmp_path / "retracted.wacz"
    done = run_cli("export", kept, gone, "-o", str(out), "--json", env=env)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["export"]["retracted"] == [gone]
    files = _files(out)
    proof = json.loads(files["postproof/proof.json"])
    [listed] = proof["retractions"]
    assert (listed["capture_id"], listed["index"]) == (gone, retraction["log_index"])
    signed = json.loads(files[f"postproof/retraction-{gone}.json"])["manifest"]
    assert signed["reason"] == reason and signed["target"]["id"] == gone
    assert f"RETRACTED: capture {gone}" in files["postproof/README.txt"].decode()

    report = verify_bundle(out, roots=exported.roots, trusted_key=exported.verifier)
    assert report.ok, report.problems
    by_id = {c.capture_id: c for c in report.captures}
    assert by_id[kept].retracted is None
    marked = by_id[gone].retracted
    assert marked is not None and marked.included
    assert (marked.reason, marked.at, marked.log_index) == (
        reason, retraction["at"], retraction["log_index"],
    )  # fmt: skip

    elsewhere = env | {"POSTPROOF_HOME": str(tmp_path / "elsewhere")}
    root = str(exported.tsa.pki.root)
    checked = run_cli("verify", str(out), "--tsa-ca", root, "--json", env=elsewhere)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    result = {c["capture_id"]: c for c in json.loads(checked.stdout)["captures"]}
    assert result[kept]["retracted"] is None
    assert result[gone]["retracted"] == {
        "reason": reason, "at": retraction["at"], "log_index": retraction["log_index"],
        "included": True,
    }  # fmt: skip
    human = run_cli("verify", str(out), "--tsa-ca", root, env=elsewhere)
    assert human.returncode == 0, human.stdout + human.stderr
    assert f"retracted: {reason} ({retraction['at']})" in human.stdout
    assert "RETRACTED: 1 of 2 captures taken back by the archive" in human.stdout

    # Without the key, the retraction cannot be dropped from the bundle, nor moved to another
    # capture: the package's signature, and the retraction's own, fail.
    def drop(files: dict[str, bytes]) -> None:
        proof = json.loads(files["postproof/proof.json"])
        del proof["retractions"]
        files["postproof/proof.json"] = json.dumps(proof).encode()
        del files[f"postproof/retraction-{gone}.json"]
        package = json.loads(files["datapackage.json"])
        package["resources"] = [r for r in package["resources"] if "retraction-" not in r["path"]]
        files["datapackage.json"] = json.dumps(package).encode()

    def move(files: dict[str, bytes]) -> None:
        proof = json.loads(files["postproof/proof.json"])
        proof["retractions"][0]["capture_id"] = kept
        files["postproof/proof.json"] = json.dumps(proof).encode()
        files[f"postproof/retraction-{kept}.json"] = files.pop(f"postproof/retraction-{gone}.json")
        package = json.loads(files["datapackage.json"])
        for resource in package["resources"]:
            resource["path"] = resource["path"].replace(f"retraction-{gone}", f"retraction-{kept}")
        files["datapackage.json"] = json.dumps(package).encode()

    for change, codes in (
        (drop, {"signature_invalid"}),
        (move, {"signature_invalid", "retraction_invalid"}),
    ):
        files = _files(out)
        change(files)
        forged = tmp_path / "forged.wacz"
        _write(forged, _repack(files))
        report = verify_bundle(forged, roots=exported.roots, trusted_key=exported.verifier)
        assert {p.code for p in report.problems} == codes, report.problems

    # A retraction not yet under a signed checkpoint cannot be proved: no bundle goes without it.
    with storage.open_archive(home) as archive:
        archive.retract(exported.capture_ids[2], "a second thought")
        with pytest.raises(PostproofError, match="not yet in a signed checkpoint"):
            archive.export(
                [exported.capture_ids[2]], tmp_path / "early.wacz", title="t", software="t"
            )
    assert not (tmp_path / "early.wacz").exists()


def test_pywb_replays_the_exported_post(exported: Exported, tmp_path: Path) -> None:
    from tests.proof.replay import replay_wacz

    with storage.open_archive(exported.home) as archive:
        capture = archive.get_capture(exported.capture_ids[1])  # the Mastodon post
    assert capture.text
    with replay_wacz(exported.bundle, tmp_path / "replay") as pywb:
        text = asyncio.run(_replayed_text(pywb.url(capture.final_url or "", capture.started_at)))
    assert capture.text.split("\n")[0][:40] in text


async def _replayed_text(url: str) -> str:
    from playwright.async_api import async_playwright

    from archiver.browser import launch

    async with async_playwright() as pw:
        browser, _ = await launch(pw)
        try:
            page = await browser.new_page()
            await page.goto(url, wait_until="load", timeout=30_000)
            frame = next((f for f in page.frames if f != page.main_frame), page.main_frame)
            await frame.wait_for_load_state("load")
            return str(await frame.evaluate("document.body.innerText"))
        finally:
            await browser.close()


def _records(data: bytes) -> Iterator[dict[str, object]]:
    for record in ArchiveIterator(io.BytesIO(data)):
        yield {
            "type": record.rec_type,
            "uri": record.rec_headers.get_header("WARC-Target-URI") or "",
            "headers": dict(record.rec_headers.headers),
            "payload": record.content_stream().read(),
        }


def _rewrite_resource(data: bytes, kind: str, payload: bytes) -> bytes:
    """A forger's WARC: same records, one evidence resource replaced (digests recomputed)."""
    from warcio.warcwriter import WARCWriter

    out = io.BytesIO()
    writer = WARCWriter(out, gzip=True, warc_version="WARC/1.1")
    for record in ArchiveIterator(io.BytesIO(data)):
        uri = record.rec_headers.get_header("WARC-Target-URI") or ""
        body = record.content_stream().read()
        if record.rec_type == "resource" and uri.startswith(f"urn:postproof:{kind}:"):
            body = payload
        new = writer.create_warc_record(
            uri,
            record.rec_type,
            payload=io.BytesIO(body),
            length=len(body),
            warc_content_type=record.rec_headers.get_header("Content-Type"),
            http_headers=record.http_headers,
        )
        writer.write_record(new)
    return out.getvalue()


# Parts of a forged proof.json or manifest of the wrong JSON type: each must be a finding, never a
# crash of the verifier (a lawyer's copy of postproof must say what is wrong with the bundle).
MALFORMED = {
    "entries of other types": lambda p: p.update(entries=[1, "x", None, []]),
    "entry fields of other types": lambda p: [
        e.update(index="0", inclusion=[1], leaf_hash=7, manifest=3) for e in p["entries"]
    ],
    "inclusion paths of other types": lambda p: [
        e.update(inclusion={k: 5 for k in e["inclusion"]}) for e in p["entries"]
    ],
    "timestamps of other types": lambda p: p.update(timestamps=[1, "x", None, {"token": 5}]),
    "timestamp fields of other types": lambda p: [
        s.update(checkpoint_size="x", checkpoint=None, token=[]) for s in p["timestamps"]
    ],
    "checkpoints of other types": lambda p: p.update(checkpoint=5, checkpoints=[1], consistency=3),
    "retractions of other types": lambda p: p.update(retractions=[1, None, {"capture_id": 5}]),
    "key of another type": lambda p: p.update(key={"a": 1}),
    "entries that are not a list": lambda p: p.update(entries={"a": 1}),
    "timestamps that are not a list": lambda p: p.update(timestamps=5),
    "retractions that are not a list": lambda p: p.update(retractions=7),
    "a list of timestamps that is an object": lambda p: p.update(timestamps={"a": 1}),
}


@pytest.mark.parametrize("name", sorted(MALFORMED))
def test_a_malformed_proof_file_is_a_finding_not_a_crash(
    exported: Exported, tmp_path: Path, name: str
) -> None:
    def change(files: dict[str, bytes]) -> None:
        proof = json.loads(files["postproof/proof.json"])
        MALFORMED[name](proof)
        files["postproof/proof.json"] = json.dumps(proof).encode()

    found = _tampered(exported, tmp_path, change, repack=True)
    assert found, name


def test_a_manifest_of_other_types_is_a_finding_not_a_crash(
    exported: Exported, tmp_path: Path
) -> None:
    first = exported.capture_ids[0]

    def change(files: dict[str, bytes]) -> None:
        name = f"postproof/manifest-{first}.json"
        envelope = json.loads(files[name])
        envelope["manifest"]["artifacts"] = [1, "x", None]
        files[name] = json.dumps(envelope).encode()

    found = _tampered(exported, tmp_path, change, repack=True)
    assert "manifest_invalid" in found
