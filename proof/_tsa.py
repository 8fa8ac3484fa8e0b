"""RFC 3161 trusted timestamps: ask a Time-Stamp Authority to sign "this SHA-256 existed at T".

:func:`request_timestamp` sends a TimeStampReq (SHA-256 of the data, a random nonce, ``certReq``)
to a TSA over HTTP and checks the answer; :func:`verify_timestamp` checks it again later, offline,
against the TSA's root certificate(s) only.

What is stored, :attr:`TimestampToken.der`, is the complete DER ``TimeStampResp`` exactly as the
TSA sent it (status and token), the format ``openssl ts -verify -in`` reads by default and the
form rfc3161-client parses. A third party checks it without postproof::

    openssl ts -verify -in capture.tsr -data capture.bin -CAfile tsa-root.pem

(:func:`openssl_verify_command` builds this list). Add ``-untrusted chain.pem`` when the TSA did
not include its intermediate certificates in the token, and ``-attime <unix seconds of genTime>``
once the TSA certificate has expired: OpenSSL checks the chain at the current time unless told
otherwise, while :func:`verify_timestamp` checks it at the time of the stamp.

Errors: :class:`TimestampError` (exit 4) for every failure; its subclass :class:`TsaUnreachable`
means "try again later" — the TSA could not be reached, timed out, answered 429 or 5xx, or its
PKIStatus was ``waiting`` — so callers can queue a retry instead of giving up.

Two deliberate departures from a naive use of rfc3161-client:

* OpenSSL-based TSAs write the token's certificate SET in insertion order, which rust-asn1 refuses
  as non-DER. The certificates are not covered by the signature, so the parser is given a copy
  with the SET sorted; the stored bytes stay untouched.
* The token's own certificates are *not* handed to ``VerifierBuilder`` as intermediates:
  rfc3161-client puts every certificate it is given into the trusted store, so a token carrying
  its own self-signed root would vouch for itself. OpenSSL's PKCS#7 verification already uses
  the embedded certificates as untrusted chain material, which is all intermediates need.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import ssl
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import httpx
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.serialization import Encoding
from rfc3161_client import (
    HashAlgorithm,
    PKIStatus,
    TimestampRequestBuilder,
    TimeStampResponse,
    VerificationError,
    VerifierBuilder,
    decode_timestamp_response,
)

from archiver.errors import PostproofError, UsageError

ENV_TSA_URLS = "POSTPROOF_TSA_URLS"
QUERY_TYPE = "application/timestamp-query"
REPLY_TYPE = "application/timestamp-reply"
SHA256_OID = x509.ObjectIdentifier("2.16.840.1.101.3.4.2.1")


class TimestampError(PostproofError):
    """A trusted timestamp could not be obtained, or does not verify."""

    exit_code = 4


class TsaUnreachable(TimestampError):
    """The TSA could not be reached or asked to be tried later; retrying may succeed."""


@dataclass(frozen=True)
class TimestampToken:
    """A TSA's signed statement that :attr:`message_imprint` existed at :attr:`gen_time`."""

    der: bytes = field(repr=False)  # the complete DER TimeStampResp, as the TSA sent it
    gen_time: datetime  # aware, UTC
    tsa_url: str
    serial: int
    message_imprint: bytes  # the SHA-256 digest of the timestamped data
    policy: str  # the TSA policy OID, dotted

    @classmethod
    def from_der(cls, der: bytes, *, tsa_url: str = "") -> TimestampToken:
        """Read a stored TimeStampResp (not verified: see :func:`verify_timestamp`)."""
        response = _parse(der, source=tsa_url or "the stored token")
        _require_granted(response, source=tsa_url or "the stored token")
        return _token(der, response, tsa_url)


def request_timestamp(
    data: bytes,
    tsa_url: str,
    *,
    timeout: float = 10,
    client: httpx.Client | None = None,
) -> TimestampToken:
    """Get a timestamp over SHA-256(``data``) from the TSA at ``tsa_url``.

    The answer is checked for status, nonce and message imprint, but not for its signature: that
    needs the TSA's root certificate, which :func:`verify_timestamp` takes.
    """
    if not data:
        raise TimestampError(
            "nothing to timestamp: the data is empty",
            hint="timestamp the bytes of a capture or manifest, not an empty file",
        )
    request = (
        TimestampRequestBuilder()
        .data(data)
        .hash_algorithm(HashAlgorithm.SHA256)
        .nonce(nonce=True)
        .cert_request(cert_request=True)
        .build()
    )
    der = _post(request.as_bytes(), tsa_url, timeout=timeout, client=client)
    response = _parse(der, source=tsa_url)
    _require_granted(response, source=tsa_url)
    info = response.tst_info
    if info.nonce != request.nonce:
        raise TimestampError(
            f"TSA {tsa_url} answered with nonce {info.nonce}, not the {request.nonce} it was sent",
            hint="the reply belongs to another request (a caching proxy?); do not store it",
        )
    digest = hashlib.sha256(data).digest()
    imprint = info.message_imprint
    if imprint.hash_algorithm != SHA256_OID or imprint.message != digest:
        algorithm = imprint.hash_algorithm.dotted_string
        raise TimestampError(
            f"TSA {tsa_url} stamped {imprint.message.hex()} ({algorithm}),"
            f" not the SHA-256 {digest.hex()} it was sent",
            hint="the reply belongs to other data; do not store it",
        )
    return _token(der, response, tsa_url)


def verify_timestamp(
    token: TimestampToken | bytes, data: bytes, *, roots: Sequence[bytes]
) -> datetime:
    """Check offline that ``token`` is a valid TSA signature over SHA-256(``data``).

    ``roots`` are the TSA's trusted root certificate(s), PEM (one or more per item) or DER.
    Returns the stamp's time (aware UTC); raises :class:`TimestampError` saying why otherwise.
    """
    der = token.der if isinstance(token, TimestampToken) else bytes(token)
    response = _parse(der, source="the token")
    _require_granted(response, source="the token")
    gen_time = response.tst_info.gen_time.astimezone(UTC)
    if isinstance(token, TimestampToken) and token.gen_time != gen_time:
        raise TimestampError(
            f"the token's recorded time {token.gen_time.isoformat()} differs from the signed"
            f" time {gen_time.isoformat()}",
            hint="the archive record was changed after the stamp; trust only the signed time",
        )
    digest = hashlib.sha256(data).digest()
    imprint = response.tst_info.message_imprint
    if imprint.hash_algorithm != SHA256_OID:
        raise TimestampError(
            f"the token stamps a {imprint.hash_algorithm.dotted_string} digest, not SHA-256",
            hint="postproof only requests and verifies SHA-256 timestamps",
        )
    if imprint.message != digest:
        raise TimestampError(
            f"the token stamps {imprint.message.hex()}, but the data's SHA-256 is {digest.hex()}",
            hint="the data changed after it was timestamped, or this token belongs to other data",
        )
    builder = VerifierBuilder()
    for root in _load_roots(roots):
        builder = builder.add_root_certificate(root)
    try:
        builder.build().verify(response, digest)
    except VerificationError as exc:
        raise TimestampError(
            f"the timestamp does not verify: {exc}",
            hint="the token was altered, or it was issued by a TSA whose root is not in roots",
        ) from exc
    return gen_time


def tsa_urls_from_env() -> tuple[str, ...]:
    """The TSAs to use, in order, from ``POSTPROOF_TSA_URLS`` (comma-separated); may be empty."""
    urls = tuple(u.strip() for u in os.environ.get(ENV_TSA_URLS, "").split(",") if u.strip())
    for url in urls:
        if not url.lower().startswith(("http://", "https://")):
            raise UsageError(
                f"{ENV_TSA_URLS} holds {url!r}, which is not an http(s) URL",
                hint=f"set {ENV_TSA_URLS}=https://tsa.example/tsr,https://other.example/tsa",
            )
    return urls


ENV_TSA_CA = "POSTPROOF_TSA_CA"


def tsa_roots_from_env(extra: Sequence[Path] = (), *, system: bool = True) -> list[bytes]:
    """The TSA trust roots: files named in ``POSTPROOF_TSA_CA`` (separated by ``,`` or the path
    separator), then ``extra`` files, then (``system``) the operating system's CA bundle.

    A timestamp is only as good as the root it chains to: the roots travel with nothing postproof
    writes, and a token is never checked against certificates it brings along itself.
    """
    separators = f"[,{re.escape(os.pathsep)}]"
    names = [n.strip() for n in re.split(separators, os.environ.get(ENV_TSA_CA, ""))]
    paths = [Path(n) for n in names if n] + list(extra)
    roots: list[bytes] = []
    for path in paths:
        try:
            roots.append(path.read_bytes())
        except OSError as exc:
            raise UsageError(
                f"cannot read the TSA root certificate file {path}: {exc.strerror or exc}",
                hint=f"{ENV_TSA_CA} and --tsa-ca take paths of PEM or DER certificate files",
            ) from exc
    if system:
        bundle = ssl.get_default_verify_paths().cafile or "/etc/ssl/certs/ca-certificates.crt"
        with contextlib.suppress(OSError):
            roots.append(Path(bundle).read_bytes())
    return roots


def token_certificates_pem(der: bytes) -> str:
    """The certificates a TimeStampResp carries (the TSA's own and any chain it sent), as PEM."""
    response = _parse(der, source="the token")
    certs = []
    for blob in sorted(response.signed_data.certificates):
        certs.append(x509.load_der_x509_certificate(blob).public_bytes(Encoding.PEM).decode())
    return "".join(certs)


def certificate_summary(pem_or_der: bytes) -> list[dict[str, str]]:
    """Subject, issuer and SHA-256 fingerprint of each certificate, for reports and hints."""
    return [
        {
            "subject": cert.subject.rfc4514_string(),
            "issuer": cert.issuer.rfc4514_string(),
            "sha256": cert.fingerprint(hashes.SHA256()).hex(),
        }
        for cert in _load_roots([pem_or_der])
    ]


def openssl_verify_command(
    token_path: Path,
    data_path: Path,
    ca_path: Path,
    *,
    untrusted: Path | None = None,
    at: datetime | None = None,
) -> list[str]:
    """The ``openssl ts -verify`` command a third party runs to check a stored token.

    ``untrusted`` names a PEM file of intermediates, for TSAs that leave them out of the token;
    ``at`` checks the certificates at that time (the stamp's ``gen_time``) instead of now.
    """
    command = ["openssl", "ts", "-verify", "-in", str(token_path), "-data", str(data_path)]
    command += ["-CAfile", str(ca_path)]
    if untrusted is not None:
        command += ["-untrusted", str(untrusted)]
    if at is not None:
        command += ["-attime", str(int(at.timestamp()))]
    return command


def _post(query: bytes, tsa_url: str, *, timeout: float, client: httpx.Client | None) -> bytes:
    """POST ``query``; the one place httpx errors become postproof errors."""
    try:
        if client is None:
            with httpx.Client(timeout=timeout) as own:
                reply = _send(own, query, tsa_url, timeout)
        else:
            reply = _send(client, query, tsa_url, timeout)
    except (httpx.InvalidURL, httpx.UnsupportedProtocol) as exc:
        raise TimestampError(
            f"{tsa_url!r} is not a usable TSA URL: {exc}",
            hint=f"check {ENV_TSA_URLS}: each entry is an http(s) URL",
        ) from exc
    except httpx.TransportError as exc:
        raise TsaUnreachable(
            f"TSA {tsa_url} could not be reached: {type(exc).__name__}: {exc}",
            hint="try again later or use another TSA; the capture itself is unaffected",
        ) from exc
    if reply.status_code == 429 or reply.status_code >= 500:
        raise TsaUnreachable(
            f"TSA {tsa_url} answered HTTP {reply.status_code}",
            hint="the TSA is busy or down; try again later or use another TSA",
        )
    if reply.status_code != 200:
        raise TimestampError(
            f"TSA {tsa_url} refused the request with HTTP {reply.status_code}",
            hint="check that the URL is the TSA's RFC 3161 endpoint",
        )
    content_type = reply.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type != REPLY_TYPE:
        raise TimestampError(
            f"TSA {tsa_url} answered with {content_type or 'no content type'}, not {REPLY_TYPE}",
            hint="check that the URL is the TSA's RFC 3161 endpoint",
        )
    return reply.content


def _send(client: httpx.Client, query: bytes, tsa_url: str, timeout: float) -> httpx.Response:
    return client.post(
        tsa_url, content=query, headers={"Content-Type": QUERY_TYPE}, timeout=timeout
    )


def _parse(der: bytes, *, source: str) -> TimeStampResponse:
    try:
        return decode_timestamp_response(_sorted_certificates(der))
    except ValueError as exc:
        raise TimestampError(
            f"{source} is not a DER RFC 3161 TimeStampResp: {exc}",
            hint="the bytes were truncated or altered, or are not a timestamp reply",
        ) from exc


def _require_granted(response: TimeStampResponse, *, source: str) -> None:
    status = response.status
    if status == PKIStatus.GRANTED:
        return
    try:
        name = PKIStatus(status).name.lower()
    except ValueError:
        name = str(status)
    detail = "; ".join(response.status_string) or "no reason given"
    if status == PKIStatus.WAITING:
        raise TsaUnreachable(
            f"TSA {source} asked to wait ({detail})",
            hint="try again later or use another TSA",
        )
    raise TimestampError(
        f"TSA {source} did not grant the timestamp: status {name} ({detail})",
        hint="the TSA refused this request; try another TSA",
    )


def _token(der: bytes, response: TimeStampResponse, tsa_url: str) -> TimestampToken:
    info = response.tst_info
    if info.message_imprint.hash_algorithm != SHA256_OID:
        raise TimestampError(
            f"the token stamps a {info.message_imprint.hash_algorithm.dotted_string} digest,"
            " not SHA-256",
            hint="postproof only requests and verifies SHA-256 timestamps",
        )
    return TimestampToken(
        der=der,
        gen_time=info.gen_time.astimezone(UTC),
        tsa_url=tsa_url,
        serial=info.serial_number,
        message_imprint=info.message_imprint.message,
        policy=info.policy.dotted_string,
    )


def _load_roots(roots: Sequence[bytes]) -> list[x509.Certificate]:
    loaded: list[x509.Certificate] = []
    for n, blob in enumerate(roots):
        try:
            if b"-----BEGIN" in blob:
                certs = x509.load_pem_x509_certificates(blob)
            else:
                certs = [x509.load_der_x509_certificate(blob)]
        except ValueError as exc:
            raise TimestampError(
                f"root certificate {n} is neither a PEM nor a DER X.509 certificate: {exc}",
                hint="pass the TSA's root CA certificate file's bytes",
            ) from exc
        loaded += [cert for cert in certs if cert not in loaded]
    if not loaded:
        raise TimestampError(
            "no root certificate to verify the timestamp against",
            hint="pass the TSA's root CA certificate (PEM or DER) in roots",
        )
    return loaded


# --- DER: sort the token's certificate SET (see the module docstring) --------------------------


def _sorted_certificates(der: bytes) -> bytes:
    """``der`` with SignedData.certificates in DER SET OF order; unchanged if not found.

    Sorting keeps every length, so the rest of the encoding (and the signature) is untouched.
    """
    try:
        _, start, end = _tlv(der, 0)
        response = list(_children(der, start, end))
        if len(response) < 2:
            return der  # no timeStampToken: a rejection
        _, _, start, end = response[1]  # ContentInfo
        _, _, start, end = list(_children(der, start, end))[1]  # [0] EXPLICIT
        _, start, end = _tlv(der, start)  # SignedData
        for tag, _, c_start, c_end in _children(der, start, end):
            if tag == 0xA0:  # certificates [0] IMPLICIT SET OF
                certs = sorted(der[s:e] for _, s, _, e in _children(der, c_start, c_end))
                return der[:c_start] + b"".join(certs) + der[c_end:]
    except (IndexError, ValueError):
        pass  # malformed: let the real parser report it
    return der


def _tlv(der: bytes, pos: int) -> tuple[int, int, int]:
    """(tag, content start, content end) of the definite-length element at ``pos``."""
    tag, length, pos = der[pos], der[pos + 1], pos + 2
    if length & 0x80:
        size = length & 0x7F
        if not 0 < size <= 4:
            raise ValueError("not a definite DER length")
        length, pos = int.from_bytes(der[pos : pos + size], "big"), pos + size
    if pos + length > len(der):
        raise ValueError("truncated")
    return tag, pos, pos + length


def _children(der: bytes, start: int, end: int) -> Iterator[tuple[int, int, int, int]]:
    """(tag, element start, content start, element end) of each element in der[start:end]."""
    pos = start
    while pos < end:
        tag, content, after = _tlv(der, pos)
        yield tag, pos, content, after
        pos = after
