"""Evidence bundles: captures exported as one WACZ that a third party verifies offline.

Besides the WACZ files (the captures' WARCs, a CDXJ index, pages.jsonl, datapackage.json), the
bundle carries under ``postproof/`` everything verification needs and nothing it must trust:

* ``manifest-<capture>.json`` — each capture's signed manifest (RFC 8785 JSON + Ed25519);
* ``proof.json`` — the public key, the newest signed checkpoint of the log, each capture's leaf
  index with inclusion proofs, the timestamped checkpoints with consistency proofs to the newest;
* ``timestamp-<n>.tsr`` with ``timestamp-<n>.checkpoint`` (the exact bytes stamped) and
  ``timestamp-<n>-certs.pem``
  — RFC 3161 tokens, checkable with ``openssl ts -verify`` as ``README.txt`` explains;
* ``key.pem`` — the public key as PEM;
* ``retraction-<capture>.json`` — for a capture retracted before the export, the retraction's
  own signed log entry (why and when), listed under ``retractions`` in ``proof.json`` with its
  inclusion proof: retracted evidence never leaves the archive looking sound.

With a report (``export --with-report``), ``report/`` holds it beside each capture's screenshots
as plain PNG files (``<capture>-screenshot.png``, ``<capture>-post-screenshot.png``), byte for
byte the blobs the signed manifests name: listed in ``datapackage.json`` like every file.

``proof.verify_bundle`` checks all of it; ``datapackage-digest.json`` carries the signature over
``datapackage.json``, so no file can change without the signature or a hash failing.
"""

from __future__ import annotations

import base64
import hashlib
import io
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from warcio.archiveiterator import ArchiveIterator

from archiver.errors import IntegrityError, PostproofError, UsageError
from archiver.models import ArtifactKind, isoformat_z
from proof import (
    InstallationKey,
    WaczPage,
    certificate_summary,
    manifest_path,
    retraction_path,
    sign_datapackage_digest,
    write_wacz,
)
from storage._ledger import EntryProof, LedgerProofs
from storage._records import CaptureRecord

BUNDLE_FORMAT = "postproof-bundle/1"
REPORT_FOLDER = "report"
# The screenshots a report folder carries, as file names after the capture id.
REPORT_IMAGES = (
    (ArtifactKind.SCREENSHOT, "screenshot.png"),
    (ArtifactKind.POST_SCREENSHOT, "post-screenshot.png"),
)


@dataclass(frozen=True)
class ExportReport:
    path: Path
    sha256: str
    captures: tuple[str, ...]
    checkpoint_size: int
    timestamps: int
    files: int
    retracted: tuple[str, ...] = ()  # the captures whose retraction the bundle carries

    def to_json(self) -> dict[str, Any]:
        return {
            "path": str(self.path),
            "sha256": self.sha256,
            "captures": list(self.captures),
            "checkpoint_size": self.checkpoint_size,
            "timestamps": self.timestamps,
            "files": self.files,
            "retracted": list(self.retracted),
        }


def export_bundle(
    captures: Sequence[CaptureRecord],
    proofs: LedgerProofs,
    key: InstallationKey,
    out: Path,
    *,
    read_blob: Any,
    title: str,
    software: str,
    created: datetime,
    report: Mapping[str, bytes] | None = None,
    made_by: str | None = None,
) -> ExportReport:
    """Write ``captures`` with ``proofs`` (from ``Ledger.proofs``) as a WACZ at ``out``.

    ``report`` maps file names to the bytes of a report of these captures; given, it goes in
    ``report/`` with the captures' screenshots as PNG files. ``made_by``, the web app's user
    who exported, is named in ``proof.json`` (signed with every file) and the README."""
    warcs, pages, extra = _capture_files(captures, proofs, read_blob)
    if report is not None:
        extra.update(_report_files(captures, report, read_blob))
    stamps = _timestamp_files(proofs, extra)
    proof_json = _proof_json(proofs, stamps)
    if made_by is not None:
        proof_json["exported_by"] = made_by
    extra["postproof/proof.json"] = _json(proof_json)
    extra["postproof/key.pem"] = key.public_key_pem().encode("ascii")
    readme = _readme(proofs, stamps, report is not None)
    if made_by is not None:
        readme += f"\nExported by {made_by}, a user of postproof serve (proof.json: exported_by).\n"
    extra["postproof/README.txt"] = readme.encode("utf-8")
    info = write_wacz(
        out,
        warcs,
        pages,
        extra,
        title=title,
        description="Evidence exported by postproof: signed, logged and timestamped captures.",
        software=software,
        created=created,
        digest_signer=lambda digest: sign_datapackage_digest(digest, key),
    )
    return ExportReport(
        path=out,
        sha256=info.sha256,
        captures=tuple(c.id for c in captures),
        checkpoint_size=proofs.head.size,
        timestamps=len(stamps),
        files=len(info.resources),
        retracted=tuple(r.capture_id for r in proofs.retractions),
    )


def _capture_files(
    captures: Sequence[CaptureRecord], proofs: LedgerProofs, read_blob: Any
) -> tuple[list[tuple[str, bytes]], list[WaczPage], dict[str, bytes]]:
    """Each capture's WARC (rehashed on the way out), its page, its signed manifest, and the
    signed retractions the bundle carries."""
    warcs: list[tuple[str, bytes]] = []
    pages: list[WaczPage] = []
    extra: dict[str, bytes] = {}
    entries = {e.capture_id: e for e in proofs.entries}
    carried = {r.capture_id for r in proofs.retractions}
    for capture in captures:
        if capture.retracted is not None and capture.id not in carried:
            # Retracted evidence never leaves without its retraction.
            raise PostproofError(
                f"the retraction of capture {capture.id} is not yet in a signed checkpoint of "
                "the log, so the bundle could not carry it",
                hint="run `postproof timestamp` to sign a checkpoint, then export again",
            )
        data = _warc_of(capture, read_blob)
        warcs.append((f"{capture.id}.warc.gz", data))
        pages.append(
            WaczPage(
                url=_page_url(data, capture),
                ts=capture.started_at,
                title=_title(capture),
                text=capture.text,
                id=capture.id,
            )
        )
        extra[manifest_path(capture.id)] = _json(_envelope(entries[capture.id]))
    for retraction in proofs.retractions:
        extra[retraction_path(retraction.capture_id)] = _json(_envelope(retraction))
    return warcs, pages, extra


def _warc_of(capture: CaptureRecord, read_blob: Any) -> bytes:
    warc = capture.artifact(ArtifactKind.WARC)
    if warc is None:
        raise UsageError(
            f"capture {capture.id} was taken by a postproof version that did not record "
            "WARC files, so it cannot go into a WACZ bundle",
            hint=f"capture the post again (`postproof capture {capture.requested_url}`) and "
            "export the new capture",
        )
    data: bytes = read_blob(warc.sha256)
    if hashlib.sha256(data).hexdigest() != warc.sha256:
        raise IntegrityError(
            f"the WARC of capture {capture.id} in the blob store no longer matches its hash",
            hint="run `postproof verify --all` to see what was altered; nothing was exported",
        )
    return data


def _timestamp_files(proofs: LedgerProofs, extra: dict[str, bytes]) -> list[dict[str, Any]]:
    """Each RFC 3161 token with the checkpoint it stamps (added to ``extra``), described for
    proof.json."""
    stamps: list[dict[str, Any]] = []
    notes = {cp.size: cp.note for cp in proofs.checkpoints}
    for number, stamp in enumerate(proofs.timestamps, 1):
        base = f"postproof/timestamp-{number}"
        extra[f"{base}.tsr"] = stamp.token
        extra[f"{base}.checkpoint"] = notes[stamp.checkpoint_size].encode("utf-8")
        if stamp.tsa_certs:
            extra[f"{base}-certs.pem"] = stamp.tsa_certs.encode("ascii")
        stamps.append(
            {
                "checkpoint_size": stamp.checkpoint_size,
                "tsa_url": stamp.tsa_url,
                "gen_time": isoformat_z(stamp.gen_time),
                "token": f"{base}.tsr",
                "checkpoint": f"{base}.checkpoint",
                "certificates": f"{base}-certs.pem" if stamp.tsa_certs else None,
                "tsa_certificates": certificate_summary(stamp.tsa_certs.encode())
                if stamp.tsa_certs
                else [],
            }
        )
    return stamps


def _proof_json(proofs: LedgerProofs, stamps: list[dict[str, Any]]) -> dict[str, Any]:
    proof_json = {
        "format": BUNDLE_FORMAT,
        "key": proofs.verifier,
        "origin": proofs.origin,
        "checkpoint": proofs.head.note,
        "checkpoints": {str(cp.size): cp.note for cp in proofs.checkpoints},
        "consistency": {str(size): _b64s(path) for size, path in proofs.consistency.items()},
        "entries": [
            {
                "capture_id": e.capture_id,
                "index": e.index,
                "leaf_hash": e.leaf_hash.hex(),
                "manifest": manifest_path(e.capture_id),
                "warc": f"archive/{e.capture_id}.warc.gz",
                "inclusion": {str(size): _b64s(path) for size, path in e.inclusion.items()},
            }
            for e in proofs.entries
        ],
        "timestamps": stamps,
    }
    if proofs.retractions:
        proof_json["retractions"] = [
            {
                "capture_id": r.capture_id,
                "index": r.index,
                "leaf_hash": r.leaf_hash.hex(),
                "manifest": retraction_path(r.capture_id),
                "inclusion": {str(size): _b64s(path) for size, path in r.inclusion.items()},
            }
            for r in proofs.retractions
        ]
    return proof_json


def _envelope(entry: EntryProof) -> dict[str, Any]:
    """A log entry's signed manifest as ``proof.verify_manifest`` reads it."""
    return {
        "manifest": json.loads(entry.manifest),
        "signature": entry.signature,
        "key": entry.key,
        "alg": "ed25519",
        "canonicalization": "RFC8785",
    }


def _report_files(
    captures: Sequence[CaptureRecord], report: Mapping[str, bytes], read_blob: Any
) -> dict[str, bytes]:
    files = {f"{REPORT_FOLDER}/{name}": data for name, data in report.items()}
    for capture in captures:
        for kind, name in REPORT_IMAGES:
            artifact = capture.artifact(kind)
            if artifact is None or artifact.media_type != "image/png":
                continue
            data = read_blob(artifact.sha256)
            if hashlib.sha256(data).hexdigest() != artifact.sha256:
                raise IntegrityError(
                    f"the {kind} of capture {capture.id} in the blob store no longer matches its "
                    "hash",
                    hint="run `postproof verify --all` to see what was altered; nothing was "
                    "exported",
                )
            files[f"{REPORT_FOLDER}/{capture.id}-{name}"] = data
    return files


def _page_url(warc: bytes, capture: CaptureRecord) -> str:
    """The page a reader opens: the post as served if the WARC holds its response, else the
    capture's screenshot (a capture of a page that never answered still has one)."""
    wanted = [u for u in (capture.final_url, capture.requested_url) if u]
    responses: set[str] = set()
    resources: list[str] = []
    for record in ArchiveIterator(io.BytesIO(warc)):
        uri = record.rec_headers.get_header("WARC-Target-URI")
        if record.rec_type == "response":
            responses.add(uri)
        elif record.rec_type == "resource":
            resources.append(uri)
    for url in wanted:
        if url in responses:
            return url
    return next((u for u in resources if u.startswith("urn:postproof:screenshot:")), resources[0])


def _title(capture: CaptureRecord) -> str:
    who = capture.author or capture.handle or capture.platform
    return f"{who} — {capture.status} — captured {isoformat_z(capture.started_at)}"


def _b64s(path: Sequence[bytes]) -> list[str]:
    return [base64.b64encode(h).decode("ascii") for h in path]


def _json(value: Any) -> bytes:
    return (json.dumps(value, ensure_ascii=False, indent=2, sort_keys=True) + "\n").encode("utf-8")


def _readme(proofs: LedgerProofs, stamps: list[dict[str, Any]], with_report: bool) -> str:
    lines = [
        "Evidence bundle written by postproof (WACZ 1.1.1).",
        "",
        "Verify everything offline:  postproof verify THIS.wacz --key '" + proofs.verifier + "'",
        "",
        "What it checks: every file's SHA-256 (datapackage.json), the Ed25519 signature over",
        "datapackage.json (datapackage-digest.json), each capture's signed manifest",
        "(postproof/manifest-*.json), that the manifest names the exact WARC in archive/, that the",
        "manifest is in the signed transparency-log checkpoint (RFC 9162 inclusion proof in",
        "postproof/proof.json), and the RFC 3161 timestamps over checkpoints.",
        "",
        "Signing key (compare with the one the newsroom publishes): " + proofs.verifier,
        "Log: " + proofs.origin + f", checkpoint at size {proofs.head.size}.",
    ]
    for retraction in proofs.retractions:
        signed = json.loads(retraction.manifest)
        where = retraction_path(retraction.capture_id)
        lines += [
            "",
            f"RETRACTED: capture {retraction.capture_id} was retracted by the archive on "
            f"{signed.get('retracted_at')}, because: {signed.get('reason')}",
            f"Its retraction is a signed entry of the log ({where}, index {retraction.index});",
            "the capture is kept, not deleted, and verify marks it retracted.",
        ]
    if with_report:
        lines += [
            "",
            f"{REPORT_FOLDER}/ holds a report of this evidence (report.html, one self-contained",
            "page to open in a browser) and each capture's screenshots as PNG files, the very",
            "bytes whose SHA-256 the signed manifests name.",
        ]
    if stamps:
        lines += [
            "",
            "Check a timestamp without postproof (the stamped data is the checkpoint file):",
            "",
        ]
        for stamp in stamps:
            lines.append(
                f"  openssl ts -verify -in {stamp['token']} -data {stamp['checkpoint']} "
                "-CAfile TSA-ROOT.pem"
                + (f" -untrusted {stamp['certificates']}" if stamp["certificates"] else "")
            )
        lines += [
            "",
            "TSA-ROOT.pem is the TSA's root certificate, obtained from the TSA itself: a bundle",
            "cannot vouch for its own root. Add -attime <unix time of the stamp> once the TSA",
            "certificate has expired.",
        ]
    return "\n".join(lines) + "\n"
