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
import warnings
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.hazmat.primitives.serialization import Encoding
from cryptography.utils import CryptographyDeprecationWarning
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

if TYPE_CHECKING:
    import httpx

ENV_TSA_URLS = "POSTPROOF_TSA_URLS"
QUERY_TYPE = "application/timestamp-query"
REPLY_TYPE = "application/timestamp-reply"
SHA256_OID = x509.ObjectIdentifier("2.16.840.1.101.3.4.2.1")


class TimestampError(PostproofError):
    """A trusted timestamp could not be obtained, or does not verify."""

    exit_code = 4


class TsaUnreachable(TimestampError):
    """The TSA could not be reached or asked to be tried later; retrying may succeed."""


class TimestampUntrusted(TimestampError):
    """The token is intact (its TSA's signature matches what it stamps) but its TSA's
    certificate does not chain to any root that was given: a matter of trust, not tampering."""


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
        # OpenSSL checks the certificate chain before the signature, so a chain that does not
        # reach a given root hides whether the token is intact: check its signature with the
        # TSA's own certificate to tell an untrusted root from tampering.
        if _CHAIN_FAILURE in str(exc) and _signed_by_its_tsa(der, response):
            raise TimestampUntrusted(
                f"the timestamp is intact, but its TSA ({_signer_name(response)}) does not chain "
                "to a trusted root certificate",
                hint="pass the TSA's root certificate with --tsa-ca FILE (or POSTPROOF_TSA_CA)",
            ) from exc
        raise TimestampError(
            f"the timestamp does not verify: {_openssl_reason(exc)}",
            hint="the token was altered after the TSA signed it",
        ) from exc
    return gen_time


_CHAIN_FAILURE = "certificate verify error"


def _openssl_reason(exc: VerificationError) -> str:
    """The reason OpenSSL gives, without its error stack."""
    text = str(exc)
    reasons = re.findall(r'reason: "([^"]+)"', text)
    details = [d for d in re.findall(r'data: "([^"]+)"', text) if d.strip(": ")]
    if reasons:
        said = reasons[-1]
        return f"{said} ({details[-1].removeprefix('Verify error: ')})" if details else said
    return text.split("ErrorStack", 1)[0].strip(" :") or "the signature does not match"


def _signer_name(response: TimeStampResponse) -> str:
    for info in response.signed_data.signer_infos:
        for cert in _embedded(response):
            if cert.serial_number == info.serial_number and cert.issuer == info.issuer:
                return cert.subject.rfc4514_string()
        return f"a certificate issued by {info.issuer.rfc4514_string()}"
    return "unnamed"


def _embedded(response: TimeStampResponse) -> list[x509.Certificate]:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", CryptographyDeprecationWarning)
        return [
            x509.load_der_x509_certificate(b) for b in sorted(response.signed_data.certificates)
        ]


_HASHES: dict[str, type[hashes.HashAlgorithm]] = {
    "2.16.840.1.101.3.4.2.1": hashes.SHA256,
    "2.16.840.1.101.3.4.2.2": hashes.SHA384,
    "2.16.840.1.101.3.4.2.3": hashes.SHA512,
    "1.3.14.3.2.26": hashes.SHA1,
}
_MESSAGE_DIGEST = "1.2.840.113549.1.9.4"


def _signed_by_its_tsa(der: bytes, response: TimeStampResponse) -> bool:
    """Whether the token's SignerInfo signature verifies with the public key of the certificate
    the token names as its signer, and its signed digest matches the TSTInfo it carries. Says
    nothing about trust; False also when the form cannot be checked here."""
    try:
        signed_data = _signed_data(der)
        fields = list(_children(der, *signed_data))
        _, _, e_start, e_end = next(f for f in fields if f[0] == 0x30)  # encapContentInfo
        _, _, x_start, _ = list(_children(der, e_start, e_end))[1]  # [0] EXPLICIT
        _, t_start, t_end = _tlv(der, x_start)  # OCTET STRING: the TSTInfo
        tst_info = der[t_start:t_end]
        _, _, si_start, si_end = fields[-1]  # signerInfos SET
        _, _, s_start, s_end = next(_children(der, si_start, si_end))
        parts = list(_children(der, s_start, s_end))
        digest_oid = _oid(der, *_first(der, parts[2]))
        attrs = next(p for p in parts if p[0] == 0xA0)
        signature = der[parts[-1][2] : parts[-1][3]]
        algorithm = _HASHES[digest_oid]
        digested = hashlib.new(algorithm().name, tst_info).digest()
        if _attribute(der, attrs, _MESSAGE_DIGEST) != digested:
            return False
        signed = b"\x31" + der[attrs[1] + 1 : attrs[3]]  # [0] IMPLICIT -> SET OF, as signed
        info = next(iter(response.signed_data.signer_infos))
        cert = next(
            c
            for c in _embedded(response)
            if c.serial_number == info.serial_number and c.issuer == info.issuer
        )
        key = cert.public_key()
        if isinstance(key, rsa.RSAPublicKey):
            key.verify(signature, signed, padding.PKCS1v15(), algorithm())
        elif isinstance(key, ec.EllipticCurvePublicKey):
            key.verify(signature, signed, ec.ECDSA(algorithm()))
        else:
            return False
    except (StopIteration, IndexError, KeyError, ValueError, InvalidSignature):
        return False
    return True


def _signed_data(der: bytes) -> tuple[int, int]:
    _, start, end = _tlv(der, 0)  # TimeStampResp
    _, _, start, end = list(_children(der, start, end))[1]  # ContentInfo
    _, _, start, end = list(_children(der, start, end))[1]  # [0] EXPLICIT
    _, start, end = _tlv(der, start)  # SignedData
    return start, end


def _first(der: bytes, element: tuple[int, int, int, int]) -> tuple[int, int]:
    _, _, start, end = next(_children(der, element[2], element[3]))
    return start, end


def _oid(der: bytes, start: int, end: int) -> str:
    body = der[start:end]
    first, rest = divmod(body[0], 40) if body[0] < 80 else (2, body[0] - 80)
    arcs, value = [first, rest], 0
    for byte in body[1:]:
        value = (value << 7) | (byte & 0x7F)
        if not byte & 0x80:
            arcs.append(value)
            value = 0
    return ".".join(map(str, arcs))


def _attribute(der: bytes, attrs: tuple[int, int, int, int], oid: str) -> bytes | None:
    for _, _, start, end in _children(der, attrs[2], attrs[3]):
        kind, values = list(_children(der, start, end))[:2]
        if _oid(der, kind[2], kind[3]) == oid:
            _, _, v_start, v_end = next(_children(der, values[2], values[3]))
            return der[v_start:v_end]
    return None


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
    import httpx  # loaded when a timestamp is asked for, not on start-up

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
            # System bundles hold a few old roots with non-positive serial numbers: usable,
            # and not the reader's concern.
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", CryptographyDeprecationWarning)
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
