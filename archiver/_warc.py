"""One capture as a WARC 1.1 file: the traffic the browser saw, and the evidence it produced.

Records, in order: ``warcinfo``; a ``request`` / ``response`` pair per HTTP exchange the page
made (the ``response`` carries the server's IP address, the negotiated protocol and TLS cipher);
a ``metadata`` record about the page, concurrent to its response; and one ``resource`` record per
evidence artifact (screenshots, rendered DOM, visible text, provenance, TLS chain, ...), named
``urn:postproof:<kind>:<page URL>`` and referring to the page. Every record has SHA-256 block
and payload digests, which ``warcio check`` recomputes.

The browser hands over bodies already decoded, so a response keeps the server's
``Content-Encoding`` / ``Transfer-Encoding`` / ``Content-Length`` only as ``X-Archive-Orig-*``
headers (the convention replay tools understand) and states the length of the body it stores.
"""

from __future__ import annotations

import io
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from http import HTTPStatus
from typing import Any
from urllib.parse import urlsplit

from warcio.statusandheaders import StatusAndHeaders
from warcio.utils import Digester
from warcio.warcwriter import WARCWriter

from archiver.models import Artifact, ArtifactKind

WARC_MEDIA_TYPE = "application/warc"
_HOP_BY_HOP = frozenset({"content-encoding", "transfer-encoding", "content-length"})
# Artifacts that already are a response record (media), or that is this file itself.
_NOT_RESOURCES = frozenset({ArtifactKind.MEDIA, ArtifactKind.WARC})


@dataclass(frozen=True)
class Exchange:
    """One HTTP request the page made and the response it got, as the browser saw them."""

    url: str
    method: str
    request_headers: tuple[tuple[str, str], ...]
    request_body: bytes | None
    status: int
    status_text: str
    response_headers: tuple[tuple[str, str], ...]
    body: bytes  # decoded, as the browser used it
    fetched_at: datetime
    server_ip: str | None = None
    protocol: str | None = None  # "h2", "http/1.1", ...
    cipher: str | None = None
    truncated: str | None = None  # why the body is incomplete, if it is


class _Sha256Writer(WARCWriter):  # type: ignore[misc]
    """warcio's writer with SHA-256 digests instead of its default SHA-1."""

    @staticmethod
    def _create_digester() -> Digester:
        return Digester("sha256")


def build_warc(
    *,
    page_url: str,
    exchanges: Sequence[Exchange],
    artifacts: Iterable[Artifact],
    page_metadata: dict[str, Any],
    software: str,
    created: datetime,
) -> Artifact:
    """Write the capture's WARC (gzip per record) and return it as a :class:`Artifact`."""
    out = io.BytesIO()
    writer = _Sha256Writer(out, gzip=True, warc_version="WARC/1.1")
    warcinfo = writer.create_warcinfo_record(
        "postproof-capture.warc.gz",
        {
            "software": software,
            "format": "WARC File Format 1.1",
            "conformsTo": "https://iipc.github.io/warc-specifications/specifications/"
            "warc-format/warc-1.1/",
            "description": f"postproof capture of {page_url}",
        },
    )
    _set_date(warcinfo, created)
    writer.write_record(warcinfo)
    # Every record below is given its length: warcio would otherwise spool it to a temp file.

    page_response_id: str | None = None
    page_date = created
    for exchange in exchanges:
        response = _response_record(writer, exchange)
        request = _request_record(writer, exchange)
        response_id = response.rec_headers.get_header("WARC-Record-ID")
        request.rec_headers.add_header("WARC-Concurrent-To", response_id)
        writer.write_record(response)
        writer.write_record(request)
        if page_response_id is None and exchange.url == page_url:
            page_response_id, page_date = response_id, exchange.fetched_at

    metadata_bytes = _json_bytes(page_metadata)
    metadata = writer.create_warc_record(
        page_url,
        "metadata",
        payload=io.BytesIO(metadata_bytes),
        length=len(metadata_bytes),
        warc_content_type="application/json",
    )
    _set_date(metadata, page_date)
    if page_response_id is not None:
        metadata.rec_headers.add_header("WARC-Concurrent-To", page_response_id)
    writer.write_record(metadata)

    for artifact in artifacts:
        if artifact.kind in _NOT_RESOURCES:
            continue
        record = writer.create_warc_record(
            resource_uri(artifact.kind, page_url),
            "resource",
            payload=io.BytesIO(artifact.data),
            length=len(artifact.data),
            warc_content_type=artifact.media_type,
        )
        _set_date(record, created)
        record.rec_headers.add_header("WARC-Refers-To-Target-URI", page_url)
        record.rec_headers.add_header("WARC-Refers-To-Date", _warc_date(page_date))
        writer.write_record(record)
    return Artifact.from_bytes(ArtifactKind.WARC, out.getvalue(), WARC_MEDIA_TYPE)


def resource_uri(kind: ArtifactKind | str, page_url: str) -> str:
    """The WARC-Target-URI of an evidence artifact of the capture of ``page_url``."""
    return f"urn:postproof:{kind}:{page_url}"


def _response_record(writer: WARCWriter, exchange: Exchange) -> Any:
    headers: list[tuple[str, str]] = []
    for name, value in exchange.response_headers:
        if name.startswith(":"):
            continue  # HTTP/2 pseudo-headers are not HTTP/1.1 header lines
        if name.lower() in _HOP_BY_HOP:
            headers.append((f"X-Archive-Orig-{name}", value))
        else:
            headers.append((name, value))
    headers.append(("Content-Length", str(len(exchange.body))))
    reason = exchange.status_text or _reason(exchange.status)
    http_headers = StatusAndHeaders(
        f"{exchange.status} {reason}".strip(), headers, protocol="HTTP/1.1"
    )
    record = writer.create_warc_record(
        exchange.url,
        "response",
        payload=io.BytesIO(exchange.body),
        length=len(exchange.body),
        http_headers=http_headers,
    )
    _set_date(record, exchange.fetched_at)
    if exchange.server_ip:
        record.rec_headers.add_header("WARC-IP-Address", exchange.server_ip)
    if exchange.protocol:
        record.rec_headers.add_header("WARC-Protocol", exchange.protocol.lower())
    if exchange.cipher:
        record.rec_headers.add_header("WARC-Cipher-Suite", exchange.cipher)
    if exchange.truncated:
        record.rec_headers.add_header("WARC-Truncated", exchange.truncated)
    return record


def _request_record(writer: WARCWriter, exchange: Exchange) -> Any:
    parts = urlsplit(exchange.url)
    target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    headers = [(n, v) for n, v in exchange.request_headers if not n.startswith(":")]
    if not any(n.lower() == "host" for n, _ in headers):
        headers.insert(0, ("Host", parts.netloc))
    body = exchange.request_body or b""
    http_headers = StatusAndHeaders(
        f"{exchange.method} {target} HTTP/1.1", headers, is_http_request=True
    )
    record = writer.create_warc_record(
        exchange.url,
        "request",
        payload=io.BytesIO(body),
        length=len(body),
        http_headers=http_headers,
    )
    _set_date(record, exchange.fetched_at)
    return record


def _set_date(record: Any, moment: datetime) -> None:
    record.rec_headers.replace_header("WARC-Date", _warc_date(moment))


def _warc_date(moment: datetime) -> str:
    """WARC 1.1 dates may carry fractions of a second; milliseconds, always UTC."""
    text = moment.astimezone(UTC).isoformat(timespec="milliseconds")
    return text.replace("+00:00", "Z")


def _reason(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return ""


def _json_bytes(value: Any) -> bytes:
    return json.dumps(value, ensure_ascii=False, sort_keys=True, indent=2).encode("utf-8")
