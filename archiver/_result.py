"""What a capture hands on: its result with the provenance record (who captured what, when,
with which browser and options, from which server, and what was blocked or cut), and the WARC
of its traffic and evidence. A logged-in session's secret values are replaced in everything
recorded first."""

from __future__ import annotations

import dataclasses
from datetime import datetime
from functools import cache
from importlib.metadata import PackageNotFoundError
from importlib.metadata import version as package_version
from typing import Any

from archiver._options import CaptureOptions
from archiver._secrets import MARKER
from archiver._state import Seen, json_artifact
from archiver._warc import build_warc
from archiver.models import Artifact, ArtifactKind, CaptureResult, Provenance, Status


@cache  # read from the installed package's metadata: a scan of site-packages, once
def tool_version() -> str:
    try:
        return package_version("postproof")
    except PackageNotFoundError:
        return "0+unknown"


def capture_result(
    seen: Seen,
    opts: CaptureOptions,
    *,
    finished: datetime,
    browser_name: str,
    browser_version: str,
    user_agent: str,
) -> CaptureResult:
    outcome, landing = seen.outcome, seen.landing
    status = outcome.status or Status.UNAVAILABLE
    gate = seen.traffic.gate
    connections = [c.to_json() for c in gate.connections] if gate else []
    _note_connections(seen, opts)
    provenance = Provenance(
        requested_url=seen.requested_url,
        started_at=seen.started_at,
        finished_at=finished,
        tool_version=tool_version(),
        browser_name=browser_name,
        browser_version=browser_version,
        user_agent=user_agent,
        viewport=opts.viewport,
        device_scale_factor=opts.device_scale_factor,
        locale=opts.locale,
        timezone=opts.timezone,
        options=opts.provenance_json(),
        final_url=landing.final_url,
        http_status=landing.http_status,
        server_date=landing.server_date,
        server_ip=landing.server_ip,
        server_port=landing.server_port,
        resolved_ips=landing.resolved_ips,
        redirects=landing.redirects,
        insecure=opts.insecure,
        notes=tuple(outcome.notes),
    )
    record = provenance.to_json() | {
        "status": status.value,
        "reason": outcome.reason,
        "platform": seen.ref.platform,
        "post_id": seen.ref.post_id,
        "canonical_url": seen.ref.canonical_url,
        "artifacts": {
            a.kind.value: a.sha256 for a in outcome.artifacts.values() if a.source_url is None
        },
        "media": {a.source_url: a.sha256 for a in outcome.artifacts.values() if a.source_url},
        "connections": connections,
        "tls": landing.tls,
        "http_protocol": seen.traffic.protocol_of(landing.final_url or ""),
    }
    artifacts = (*outcome.artifacts.values(), json_artifact(ArtifactKind.PROVENANCE, record))
    return CaptureResult(
        requested_url=seen.requested_url,
        canonical_url=seen.ref.canonical_url,
        platform=seen.ref.platform,
        post_id=seen.ref.post_id,
        status=status,
        reason=outcome.reason,
        started_at=seen.started_at,
        finished_at=finished,
        final_url=landing.final_url,
        http_status=landing.http_status,
        post=outcome.post,
        artifacts=artifacts,
        provenance=provenance,
    )


def _note_connections(seen: Seen, opts: CaptureOptions) -> None:
    """Note each connection the safety rules refused, and a page stopped by a byte budget."""
    gate = seen.traffic.gate
    if gate is None:
        return
    notes = seen.outcome.notes
    for c in gate.connections:
        if c.blocked:
            notes.append(f"blocked a connection to {c.host}:{c.port}: {c.blocked}")
    if seen.traffic.decoded_over:
        notes.append(
            f"stopped loading: the page's responses decompressed to more than "
            f"{opts.max_decoded_bytes} bytes ({gate.bytes_in} bytes on the wire)"
        )
    elif gate.over_budget:
        notes.append(f"stopped loading after {gate.bytes_in} bytes (budget {opts.max_bytes})")


def with_warc(seen: Seen, result: CaptureResult) -> CaptureResult:
    """The capture's result, with its WARC: the traffic and every evidence artifact."""
    warc = build_warc(
        page_url=seen.page_url,
        exchanges=sorted(seen.traffic.exchanges, key=lambda e: e.fetched_at),
        artifacts=result.artifacts,
        page_metadata=_page_metadata(seen, result),
        software=f"postproof {tool_version()}",
        created=result.finished_at,
    )
    return dataclasses.replace(result, artifacts=(*result.artifacts, warc))


def _page_metadata(seen: Seen, result: CaptureResult) -> dict[str, Any]:
    return {
        "status": result.status.value,
        "reason": result.reason,
        "platform": result.platform,
        "post_id": result.post_id,
        "requested_url": result.requested_url,
        "canonical_url": result.canonical_url,
        "final_url": result.final_url,
        "http_status": result.http_status,
        "server_ip": seen.landing.server_ip,
        "tls": seen.landing.tls,
    }


def scrub_recorded(seen: Seen) -> None:
    """Replace the logged-in session's secret values in everything recorded, before anything is
    hashed or written: the traffic (URLs, headers, bodies), the artifacts, the post's fields,
    the redirects and the notes. The provenance says how many were replaced."""
    scrub = seen.scrubber
    outcome, landing = seen.outcome, seen.landing
    seen.traffic.exchanges = [scrub.value(exchange) for exchange in seen.traffic.exchanges]
    artifacts: dict[tuple[ArtifactKind, str | None], Artifact] = {}
    for artifact in outcome.artifacts.values():
        data, source = scrub.data(artifact.data), scrub.maybe_text(artifact.source_url)
        if data != artifact.data or source != artifact.source_url:
            artifact = Artifact.from_bytes(
                artifact.kind,
                data,
                artifact.media_type,
                phash=artifact.phash,
                dhash=artifact.dhash,
                source_url=source,
            )
        artifacts[(artifact.kind, artifact.source_url)] = artifact
    outcome.artifacts = artifacts
    outcome.post = scrub.value(outcome.post)
    landing.redirects = scrub.value(landing.redirects)
    landing.final_url = scrub.maybe_text(landing.final_url)
    outcome.reason = scrub.maybe_text(outcome.reason)
    outcome.notes = [scrub.text(note) for note in outcome.notes]
    if scrub.replaced:
        outcome.notes.append(
            f"{scrub.replaced} occurrence(s) of the logged-in session's secret values (cookie "
            f"values echoed by the page) were replaced by “{MARKER}” before anything was "
            "recorded or photographed"
        )
