"""Certificates of capture: one page per capture that a lawyer can read and file.

Each page holds the full-page screenshot, scaled to fit; what was captured (the URL, the post's
author and time) and when (the capture's time, and the RFC 3161 timestamp that proves it was
logged no later than a TSA's time); the SHA-256 of every artifact; the archive's public key
with its fingerprint; the capture's place in the transparency log and the signed checkpoint
holding it; and the commands that check all of it, as a claims report ends with.

Built from the same proof data as the report (``claims._report_data.log_proofs``), rendered
from ``templates/certificate.html.j2`` — self-contained, as the report — and printed to PDF by
the capture browser.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import storage
from archiver import ArtifactKind, UsageError, isoformat_z, tool_version, utcnow
from claims._cite import platform_name
from claims._proofs import ArchiveKey, LogProof, VerifyStep, capture_verify_steps
from claims._report import Shot, environment, http_href, png_shot, when
from claims._report_data import archive_key, log_proofs


@dataclass(frozen=True)
class CertifiedArtifact:
    kind: str
    sha256: str
    size: int
    media_type: str
    source_url: str | None  # for media: the address the platform served it from

    def to_json(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "sha256": self.sha256,
            "size": self.size,
            "media_type": self.media_type,
            "source_url": self.source_url,
        }


@dataclass(frozen=True)
class Certificate:
    """What one page certifies about one capture."""

    capture_id: str
    url: str  # the post's canonical URL
    requested_url: str
    final_url: str | None
    platform: str
    status: str
    reason: str | None
    author: str | None
    handle: str | None
    posted_at: datetime | None
    captured_at: datetime
    finished_at: datetime
    artifacts: tuple[CertifiedArtifact, ...]
    screenshot: Shot | None  # the full page, as stored
    proof: LogProof | None  # None when the capture has no log entry
    key: ArchiveKey
    verify_steps: tuple[VerifyStep, ...]
    generated_at: datetime
    tool_version: str

    @property
    def screenshot_sha256(self) -> str | None:
        return self.screenshot.sha256 if self.screenshot else None

    def to_json(self) -> dict[str, Any]:
        return {
            "capture_id": self.capture_id,
            "url": self.url,
            "requested_url": self.requested_url,
            "final_url": self.final_url,
            "platform": self.platform,
            "status": self.status,
            "reason": self.reason,
            "author": self.author,
            "handle": self.handle,
            "posted_at": isoformat_z(self.posted_at),
            "captured_at": isoformat_z(self.captured_at),
            "finished_at": isoformat_z(self.finished_at),
            "screenshot_sha256": self.screenshot_sha256,
            "artifacts": [artifact.to_json() for artifact in self.artifacts],
            "proof": None if self.proof is None else self.proof.to_json(),
            "key": self.key.to_json(),
            "verify": [step.to_json() for step in self.verify_steps],
            "generated_at": isoformat_z(self.generated_at),
        }


def build_certificates(
    archive: storage.Archive,
    capture_ids: Sequence[str],
    *,
    bundle: Sequence[str] | None = None,
    bundle_file: str | None = None,
) -> tuple[Certificate, ...]:
    """One certificate per capture (full ids, in order). Each tells how to export and check
    the capture on its own; with ``bundle`` (capture ids) the steps are those of the one
    bundle ``postproof export`` writes of them, named ``bundle_file``."""
    key = archive_key(archive)
    generated = utcnow()
    certificates = []
    for capture_id in capture_ids:
        capture = archive.get_capture(capture_id)
        exported = list(bundle) if bundle else [capture.id]
        proof = log_proofs(archive, [capture.id], exported).get(capture.id)
        steps = capture_verify_steps(exported, key, [proof], bundle=bundle_file)
        certificates.append(_certificate(capture, proof, key, steps, generated))
    return tuple(certificates)


def _certificate(
    capture: storage.CaptureRecord,
    proof: LogProof | None,
    key: ArchiveKey,
    steps: tuple[VerifyStep, ...],
    generated: datetime,
) -> Certificate:
    shot = capture.artifact(ArtifactKind.SCREENSHOT)
    return Certificate(
        capture_id=capture.id,
        url=capture.canonical_url,
        requested_url=capture.requested_url,
        final_url=capture.final_url,
        platform=capture.platform,
        status=str(capture.status),
        reason=capture.reason,
        author=capture.author,
        handle=capture.handle,
        posted_at=capture.posted_at,
        captured_at=capture.started_at,
        finished_at=capture.finished_at,
        artifacts=tuple(
            CertifiedArtifact(str(a.kind), a.sha256, a.size, a.media_type, a.source_url)
            for a in capture.artifacts
        ),
        screenshot=None if shot is None else png_shot(_read(shot)),
        proof=proof,
        key=key,
        verify_steps=steps,
        generated_at=generated,
        tool_version=tool_version(),
    )


def _read(artifact: storage.ArtifactRecord) -> bytes | None:
    """The stored screenshot, if its bytes still hash to what was recorded: a certificate
    never shows an image other than the one the capture's manifest names."""
    try:
        data = artifact.read_bytes()
    except OSError:
        return None
    return data if hashlib.sha256(data).hexdigest() == artifact.sha256 else None


def render_certificates(certificates: Sequence[Certificate]) -> str:
    """The certificates as one self-contained HTML document, one A4 page each when printed."""
    return (
        environment()
        .get_template("certificate.html.j2")
        .render(
            certificates=certificates,
            when=when,
            http_href=http_href,
            platform_name=platform_name,
            size=_size,
        )
    )


def write_certificates(
    archive: storage.Archive, capture_ids: Sequence[str], output: Path
) -> tuple[Certificate, ...]:
    """Print one certificate per capture to the PDF ``output`` (its folder must exist)."""
    from archiver.printing import print_pdf

    certificates = build_certificates(archive, capture_ids)
    pdf = print_pdf(render_certificates(certificates)).pdf
    try:
        output.write_bytes(pdf)
    except OSError as exc:
        raise UsageError(
            f"Cannot write the certificate to {output}: {exc.strerror or exc}."
        ) from exc
    return certificates


def _size(size: int) -> str:
    return f"{size:,} bytes"
