"""Offline verification of an evidence bundle (a WACZ written by ``postproof export``).

Needs nothing but the bundle, and the TSA roots the verifier chooses to trust. In order:

1. the package: ZIP integrity, every file's SHA-256 against ``datapackage.json``, which
   ``datapackage-digest.json`` vouches for (:func:`proof.read_wacz`);
2. the Ed25519 signature over ``datapackage.json``'s digest, by the key the bundle names
   (and, with ``trusted_key``, that it is the key the verifier expects);
3. the newest signed checkpoint of the transparency log;
4. per capture: the signed manifest, that it names the exact WARC in the bundle (and the exact
   bytes of each evidence record inside it), and its inclusion proof in the checkpoint;
5. per timestamp: the RFC 3161 token over a signed checkpoint, against trusted roots only; the
   consistency proof from that checkpoint to the newest; and each capture's inclusion in it,
   which proves the capture was logged no later than the stamp's time;
6. per retraction the bundle carries: its signed manifest, that it names the capture's own log
   entry, and its inclusion in the newest checkpoint; the capture is then marked retracted
   (:mod:`proof._retracted`).

Every failure is one :class:`BundleProblem` with a precise message; nothing stops at the first.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import io
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from warcio.archiveiterator import ArchiveIterator
from warcio.exceptions import ArchiveLoadFailed

from proof._keys import InstallationKey
from proof._manifest import ManifestError, canonical_json, verify_manifest
from proof._merkle import leaf_hash, verify_consistency, verify_inclusion
from proof._note import NoteError, NoteVerifier, verify_checkpoint
from proof._retracted import BundleRetraction, check_retractions
from proof._tsa import TimestampError, TimestampUntrusted, verify_timestamp
from proof._wacz import WaczBundle, WaczError, read_wacz

BUNDLE_FORMAT = "postproof-bundle/1"
PROOF_PATH = "postproof/proof.json"


def manifest_path(capture_id: str) -> str:
    """Where a capture's signed manifest sits in a bundle (WACZ extra files are folder/file)."""
    return f"postproof/manifest-{capture_id}.json"


_RESOURCE_PREFIX = "urn:postproof:"


def sign_datapackage_digest(digest: str, key: InstallationKey) -> dict[str, str]:
    """The signature block written into ``datapackage-digest.json``: Ed25519 over the ASCII
    digest string (``sha256:<hex>``) of ``datapackage.json``."""
    return {
        "alg": "ed25519",
        "key": key.verifier,
        "signature": base64.b64encode(key.sign(digest.encode("ascii"))).decode("ascii"),
    }


@dataclass(frozen=True)
class BundleProblem:
    code: str
    detail: str
    capture_id: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {"problem": self.code, "detail": self.detail, "capture_id": self.capture_id}


@dataclass
class BundleCapture:
    capture_id: str
    url: str | None = None
    status: str | None = None
    started_at: str | None = None
    log_index: int | None = None
    signed: bool = False
    included: bool = False
    warc_ok: bool = False
    timestamped_at: str | None = None  # the earliest trusted stamp that covers it
    timestamp_tsa: str | None = None
    retracted: BundleRetraction | None = None  # a signed retraction the bundle carries

    def to_json(self) -> dict[str, Any]:
        return {
            "capture_id": self.capture_id,
            "url": self.url,
            "status": self.status,
            "started_at": self.started_at,
            "log_index": self.log_index,
            "signed": self.signed,
            "included": self.included,
            "warc_ok": self.warc_ok,
            "timestamped_at": self.timestamped_at,
            "timestamp_tsa": self.timestamp_tsa,
            "retracted": None if self.retracted is None else self.retracted.to_json(),
        }


@dataclass
class BundleReport:
    path: Path
    key: str | None = None
    checkpoint_size: int | None = None
    files_checked: int = 0
    captures: list[BundleCapture] = field(default_factory=list)
    timestamps_checked: int = 0
    problems: list[BundleProblem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    def to_json(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "bundle": str(self.path),
            "key": self.key,
            "checkpoint_size": self.checkpoint_size,
            "files_checked": self.files_checked,
            "captures": [c.to_json() for c in self.captures],
            "timestamps_checked": self.timestamps_checked,
            "problems": [p.to_json() for p in self.problems],
        }


def verify_bundle(
    path: Path, *, roots: Sequence[bytes], trusted_key: str | None = None
) -> BundleReport:
    """Check the bundle at ``path`` (see the module docstring)."""
    report = BundleReport(path=path)

    def fail(code: str, detail: str, capture_id: str | None = None) -> None:
        report.problems.append(BundleProblem(code, detail, capture_id))

    try:
        bundle = read_wacz(path)
    except WaczError as exc:
        fail("bundle_damaged", exc.message)
        return report
    report.files_checked = len(bundle.resources) + 2
    try:
        proof = json.loads(bundle.read(PROOF_PATH))
    except WaczError:
        fail(
            "not_a_postproof_bundle",
            f"{path} has no {PROOF_PATH}: it was not written by "
            "`postproof export`, so there is no signed evidence to check",
        )
        return report
    except ValueError as exc:
        fail("proof_unreadable", f"{PROOF_PATH} is not valid JSON: {exc}")
        return report
    if not isinstance(proof, Mapping) or proof.get("format") != BUNDLE_FORMAT:
        fail("proof_unreadable", f"{PROOF_PATH} is not a {BUNDLE_FORMAT} proof file")
        return report

    key = proof.get("key")
    report.key = key if isinstance(key, str) else None
    try:
        verifier = NoteVerifier.from_string(str(key))
    except NoteError as exc:
        fail("key_invalid", f"the bundle's public key {key!r} is not a valid key: {exc}")
        return report
    if trusted_key is not None and key != trusted_key:
        fail(
            "key_mismatch",
            f"the bundle is signed by {key}, not by the expected key {trusted_key}: it does not "
            "come from the archive you trust (or its key was swapped)",
        )
    _check_digest_signature(bundle, str(key), verifier, fail)

    head_size, head_root = _checkpoint(proof.get("checkpoint"), verifier, proof, fail, "newest")
    report.checkpoint_size = head_size
    entries = proof.get("entries")
    if not isinstance(entries, list):
        fail("proof_unreadable", f"{PROOF_PATH} has no list of entries")
        return report
    seen_indexes: dict[int, str] = {}
    by_id: dict[str, BundleCapture] = {}
    listed_warcs = {f"archive/{name}" for name in bundle.warc_names}
    for raw in entries:
        capture = _check_entry(bundle, raw, str(key), head_size, head_root, seen_indexes, fail)
        if capture is not None:
            report.captures.append(capture)
            by_id[capture.capture_id] = capture
            listed_warcs.discard(f"archive/{capture.capture_id}.warc.gz")
    for orphan in sorted(listed_warcs):
        fail(
            "unlogged_capture",
            f"{orphan} is in the bundle but no log entry vouches for it: it was added, or its "
            "entry was dropped from the proof",
        )
    retracted = check_retractions(
        bundle,
        proof.get("retractions"),
        str(key),
        (head_size, head_root),
        {c.capture_id: c.log_index for c in report.captures},
        lambda capture_id: _leaf_of(bundle, capture_id),
        fail,
    )
    for capture_id, retraction in retracted.items():
        by_id[capture_id].retracted = retraction

    stamps = proof.get("timestamps") or []
    for stamp in stamps if isinstance(stamps, list) else []:
        report.timestamps_checked += 1
        _check_timestamp(bundle, stamp, proof, verifier, head_size, head_root, roots, by_id, fail)
    return report


def _check_digest_signature(
    bundle: WaczBundle, key: str, verifier: NoteVerifier, fail: Any
) -> None:
    block = bundle.digest.get("postproof_signature")
    if not isinstance(block, Mapping):
        fail(
            "signature_missing",
            "datapackage-digest.json carries no postproof signature: nothing proves the "
            "package's file list comes from the archive",
        )
        return
    if block.get("key") != key:
        fail(
            "signature_invalid",
            f"datapackage.json is signed by {block.get('key')}, but the bundle names the key "
            f"{key}: the key was swapped",
        )
        return
    signature = _b64(block.get("signature"))
    if signature is None or not verifier.verify(bundle.datapackage_hash.encode("ascii"), signature):
        fail(
            "signature_invalid",
            "the signature over datapackage.json does not verify: the package's file list "
            "(and so some file) was changed after export, or the key was swapped",
        )


def _checkpoint(
    note: Any, verifier: NoteVerifier, proof: Mapping[str, Any], fail: Any, which: str
) -> tuple[int | None, bytes | None]:
    try:
        cp, _verified = verify_checkpoint(
            str(note), [verifier], expected_origin=str(proof.get("origin"))
        )
    except NoteError as exc:
        fail("checkpoint_invalid", f"the {which} log checkpoint does not verify: {exc}")
        return None, None
    return cp.size, cp.root_hash


def _check_entry(
    bundle: WaczBundle,
    raw: Any,
    key: str,
    head_size: int | None,
    head_root: bytes | None,
    seen_indexes: dict[int, str],
    fail: Any,
) -> BundleCapture | None:
    if not isinstance(raw, Mapping) or not isinstance(raw.get("capture_id"), str):
        fail("proof_unreadable", f"{PROOF_PATH} has an entry without a capture id")
        return None
    capture_id = raw["capture_id"]
    capture = BundleCapture(capture_id)
    index = raw.get("index")
    if not isinstance(index, int) or index < 0:
        fail("proof_unreadable", f"the log entry of capture {capture_id} has no index", capture_id)
        return capture
    capture.log_index = index
    if index in seen_indexes:
        fail(
            "log_reordered",
            f"captures {seen_indexes[index]} and {capture_id} both claim log index {index}: "
            "the log entries were reordered",
            capture_id,
        )
    seen_indexes[index] = capture_id
    try:
        envelope = json.loads(bundle.read(manifest_path(capture_id)))
    except (WaczError, ValueError) as exc:
        fail(
            "manifest_missing",
            f"capture {capture_id}: its signed manifest is missing or unreadable ({exc})",
            capture_id,
        )
        return capture
    try:
        manifest = verify_manifest(envelope, verifier=key)
    except ManifestError as exc:
        fail("manifest_invalid", f"capture {capture_id}: {exc.message}", capture_id)
        return capture
    capture.signed = True
    capture.url = manifest.get("final_url") or manifest.get("requested_url")
    capture.status = manifest.get("status")
    capture.started_at = manifest.get("started_at")
    if manifest.get("capture_id") != capture_id:
        fail(
            "manifest_invalid",
            f"the manifest filed under capture {capture_id} is that of capture "
            f"{manifest.get('capture_id')}",
            capture_id,
        )
    leaf = leaf_hash(canonical_json(manifest))
    path = _path(_table(raw, "inclusion").get(str(head_size)))
    if head_size is None or head_root is None:
        pass  # the checkpoint itself failed, reported once
    elif path is None or not verify_inclusion(leaf, index, head_size, path, head_root):
        fail(
            "inclusion_failed",
            f"capture {capture_id}: its manifest is not at index {index} of the signed log "
            f"checkpoint (size {head_size}): the entry was moved, dropped or altered",
            capture_id,
        )
    else:
        capture.included = True
    capture.warc_ok = _check_warc(bundle, capture_id, manifest, fail)
    return capture


def _check_warc(
    bundle: WaczBundle, capture_id: str, manifest: Mapping[str, Any], fail: Any
) -> bool:
    artifacts = manifest.get("artifacts") or []
    signed = next((a for a in artifacts if a.get("kind") == "warc"), None)
    name = f"archive/{capture_id}.warc.gz"
    if signed is None:
        fail("warc_mismatch", f"capture {capture_id}: its manifest names no WARC", capture_id)
        return False
    try:
        data = bundle.read(name)
    except WaczError as exc:
        fail("warc_mismatch", f"capture {capture_id}: {exc.message}", capture_id)
        return False
    actual = hashlib.sha256(data).hexdigest()
    if actual != signed.get("sha256"):
        fail(
            "warc_mismatch",
            f"{name} hashes to {actual}, but the signed manifest of capture {capture_id} says "
            f"{signed.get('sha256')}: the WARC was changed after capture",
            capture_id,
        )
        _point_at_changed_records(data, artifacts, capture_id, fail)
        return False
    return True


def _point_at_changed_records(
    data: bytes, artifacts: Sequence[Mapping[str, Any]], capture_id: str, fail: Any
) -> None:
    """Name which evidence record of a changed WARC no longer matches the manifest."""
    signed = {a.get("kind"): a.get("sha256") for a in artifacts if not a.get("source_url")}
    try:
        for record in ArchiveIterator(io.BytesIO(data)):
            uri = record.rec_headers.get_header("WARC-Target-URI") or ""
            if record.rec_type != "resource" or not uri.startswith(_RESOURCE_PREFIX):
                continue
            kind = uri[len(_RESOURCE_PREFIX) :].split(":", 1)[0]
            actual = hashlib.sha256(record.content_stream().read()).hexdigest()
            if kind in signed and signed[kind] != actual:
                fail(
                    "artifact_mismatch",
                    f"capture {capture_id}: the {kind} in the WARC hashes to {actual}, the "
                    f"signed manifest says {signed[kind]}",
                    capture_id,
                )
    except (ArchiveLoadFailed, ValueError, OSError, EOFError) as exc:
        fail("warc_mismatch", f"capture {capture_id}: the WARC cannot be read: {exc}", capture_id)


@dataclass(frozen=True)
class _Stamp:
    """A timestamp whose token verifies, over a checkpoint whose signature verifies."""

    where: str  # how messages name it
    tsa_url: Any  # as the proof file gives it
    size: int
    root: bytes
    gen_time: datetime


def _check_timestamp(
    bundle: WaczBundle,
    stamp: Any,
    proof: Mapping[str, Any],
    verifier: NoteVerifier,
    head_size: int | None,
    head_root: bytes | None,
    roots: Sequence[bytes],
    captures: Mapping[str, BundleCapture],
    fail: Any,
) -> None:
    if not isinstance(stamp, Mapping):
        fail("proof_unreadable", f"{PROOF_PATH} has a malformed timestamp entry")
        return
    verified = _verified_stamp(bundle, stamp, proof, verifier, roots, fail)
    if verified is None or head_size is None or head_root is None:
        return
    if not _stamp_reaches_head(verified, proof, head_size, head_root, fail):
        return
    for entry in proof.get("entries") or []:
        _check_stamped_entry(bundle, verified, entry, captures, fail)


def _verified_stamp(
    bundle: WaczBundle,
    stamp: Mapping[str, Any],
    proof: Mapping[str, Any],
    verifier: NoteVerifier,
    roots: Sequence[bytes],
    fail: Any,
) -> _Stamp | None:
    """The timestamp ``stamp`` names, if its checkpoint and its token both verify."""
    where = f"the timestamp {stamp.get('token')} from {stamp.get('tsa_url')}"
    try:
        token = bundle.read(str(stamp.get("token")))
        stamped = bundle.read(str(stamp.get("checkpoint")))
    except WaczError as exc:
        fail("timestamp_invalid", f"{where}: {exc.message}")
        return None
    size, stamped_root = _checkpoint(
        stamped.decode("utf-8", "replace"),
        verifier,
        proof,
        fail,
        f"timestamped (size {stamp.get('checkpoint_size')})",
    )
    if size is None or stamped_root is None:
        return None
    if not roots:
        fail("timestamp_untrusted", f"{where}: no TSA root is trusted; pass --tsa-ca")
        return None
    try:
        gen_time = verify_timestamp(token, stamped, roots=roots)
    except TimestampUntrusted as exc:
        fail("timestamp_untrusted", f"{where}: {exc.message}; {exc.hint}")
        return None
    except TimestampError as exc:
        fail("timestamp_invalid", f"{where}: {exc.message}")
        return None
    return _Stamp(where, stamp.get("tsa_url"), size, stamped_root, gen_time)


def _stamp_reaches_head(
    stamp: _Stamp, proof: Mapping[str, Any], head_size: int, head_root: bytes, fail: Any
) -> bool:
    """Whether the newest checkpoint is the timestamped one or an append-only extension of it."""
    if stamp.size == head_size:
        return True
    consistency = _path(_table(proof, "consistency").get(str(stamp.size)))
    if consistency is None or not verify_consistency(
        stamp.size, head_size, stamp.root, head_root, consistency
    ):
        fail(
            "consistency_failed",
            f"{stamp.where}: the newest checkpoint (size {head_size}) is not an append-only "
            f"extension of the timestamped one (size {stamp.size}): the log was rewritten",
        )
        return False
    return True


def _check_stamped_entry(
    bundle: WaczBundle,
    stamp: _Stamp,
    entry: Any,
    captures: Mapping[str, BundleCapture],
    fail: Any,
) -> None:
    """A capture the timestamped checkpoint holds is timestamped by it (the earliest such
    stamp is kept) if its inclusion proof in that checkpoint verifies."""
    if not isinstance(entry, Mapping):
        return  # reported as a malformed entry when the entries were read
    capture = captures.get(str(entry.get("capture_id")))
    if capture is None or not capture.signed or capture.log_index is None:
        return
    if capture.log_index >= stamp.size:
        return
    path = _path(_table(entry, "inclusion").get(str(stamp.size)))
    manifest_leaf = _leaf_of(bundle, capture.capture_id)
    if path is None or manifest_leaf is None:
        return
    if not verify_inclusion(manifest_leaf, capture.log_index, stamp.size, path, stamp.root):
        fail(
            "inclusion_failed",
            f"capture {capture.capture_id} is not in the timestamped checkpoint "
            f"(size {stamp.size})",
            capture.capture_id,
        )
        return
    stamped_at = _iso(stamp.gen_time)
    if capture.timestamped_at is None or stamped_at < capture.timestamped_at:
        capture.timestamped_at, capture.timestamp_tsa = stamped_at, stamp.tsa_url


def _leaf_of(bundle: WaczBundle, capture_id: str) -> bytes | None:
    try:
        envelope = json.loads(bundle.read(manifest_path(capture_id)))
        return leaf_hash(canonical_json(envelope["manifest"]))
    except (WaczError, ValueError, KeyError, TypeError):
        return None


def _path(value: Any) -> list[bytes] | None:
    if not isinstance(value, list):
        return None
    out = []
    for item in value:
        raw = _b64(item)
        if raw is None:
            return None
        out.append(raw)
    return out


def _b64(value: Any) -> bytes | None:
    if not isinstance(value, str):
        return None
    try:
        return base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        return None


def _iso(moment: datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")


def _table(parent: Mapping[str, Any], key: str) -> Mapping[str, Any]:
    """``parent[key]`` when it is a JSON object; an empty one otherwise (a forged file's other
    types then find nothing, and the check that needed it says what is missing)."""
    value = parent.get(key)
    return value if isinstance(value, Mapping) else {}
