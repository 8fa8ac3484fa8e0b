"""atproto signing keys: K-256 and P-256, did:key, DID documents, and low-S signatures.

atproto signs the SHA-256 of the bytes with ECDSA and writes the signature as 64 bytes, r then s,
with s in the lower half of the curve order ("low-S"); a DER signature or a high-S one is invalid
even where ECDSA itself would accept it. Public keys travel compressed, behind a multicodec prefix,
base58btc-encoded: ``did:key:z…`` or a DID document's ``publicKeyMultibase``.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import (
    decode_dss_signature,
    encode_dss_signature,
)
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from proof.atproto._errors import AtprotoError

_B58_ALPHABET = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
_B58_INDEX = {c: i for i, c in enumerate(_B58_ALPHABET)}
_DID_KEY_PREFIX = "did:key:"
_DOC_HINT = (
    "Pass the DID document JSON (from plc.directory or /.well-known/did.json) or the "
    "'did:key:z…' string of the account's atproto signing key."
)


@dataclass(frozen=True)
class Curve:
    name: str  # as atproto's JWT "alg" names it
    curve: ec.EllipticCurve
    multicodec: bytes  # varint of the multicodec code: secp256k1-pub 0xe7, p256-pub 0x1200
    order: int
    legacy_type: str  # the verification method type of DID documents before Multikey


K256 = Curve(
    "ES256K",
    ec.SECP256K1(),
    b"\xe7\x01",
    0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141,
    "EcdsaSecp256k1VerificationKey2019",
)
P256 = Curve(
    "ES256",
    ec.SECP256R1(),
    b"\x80\x24",
    0xFFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551,
    "EcdsaSecp256r1VerificationKey2019",
)
_CURVES = (K256, P256)


@dataclass(frozen=True)
class PublicKey:
    curve: Curve
    compressed: bytes  # the 33-byte SEC1 compressed point

    @property
    def did_key(self) -> str:
        return _DID_KEY_PREFIX + "z" + b58encode(self.curve.multicodec + self.compressed)

    def to_cryptography(self) -> ec.EllipticCurvePublicKey:
        return ec.EllipticCurvePublicKey.from_encoded_point(self.curve.curve, self.compressed)


def b58encode(data: bytes) -> str:
    number = int.from_bytes(data, "big")
    digits: list[str] = []
    while number:
        number, digit = divmod(number, 58)
        digits.append(_B58_ALPHABET[digit])
    zeros = len(data) - len(data.lstrip(b"\0"))
    return "1" * zeros + "".join(reversed(digits))


def b58decode(text: str) -> bytes:
    number = 0
    for char in text:
        if char not in _B58_INDEX:
            raise ValueError(f"{char!r} is not a base58btc character")
        number = number * 58 + _B58_INDEX[char]
    zeros = len(text) - len(text.lstrip("1"))
    body = number.to_bytes((number.bit_length() + 7) // 8, "big") if number else b""
    return b"\0" * zeros + body


def public_key_of(key: ec.EllipticCurvePublicKey | ec.EllipticCurvePrivateKey) -> PublicKey:
    public = key.public_key() if isinstance(key, ec.EllipticCurvePrivateKey) else key
    if not isinstance(public, ec.EllipticCurvePublicKey):
        raise AtprotoError(f"expected an elliptic-curve key, got {type(key).__name__}")
    curve = _curve_of(public.curve)
    return PublicKey(curve, public.public_bytes(Encoding.X962, PublicFormat.CompressedPoint))


def did_key_for(key: ec.EllipticCurvePublicKey | ec.EllipticCurvePrivateKey) -> str:
    """The ``did:key:z…`` string of a K-256 or P-256 key (of its public half, if private)."""
    return public_key_of(key).did_key


def parse_did_key(text: str) -> PublicKey:
    if not text.startswith(_DID_KEY_PREFIX + "z"):
        raise AtprotoError(f"{text!r} is not a base58btc did:key (it must start 'did:key:z')")
    return _multikey(text[len(_DID_KEY_PREFIX) + 1 :], text)


def _multikey(base58: str, shown: str) -> PublicKey:
    try:
        raw = b58decode(base58)
    except ValueError as exc:
        raise AtprotoError(f"key {shown!r} is not valid base58btc: {exc}") from exc
    for curve in _CURVES:
        if raw.startswith(curve.multicodec):
            return _point(curve, raw[len(curve.multicodec) :], shown)
    raise AtprotoError(
        f"key {shown!r} is neither secp256k1-pub (0xe7) nor p256-pub (0x1200); "
        f"its multicodec prefix is 0x{raw[:2].hex()}",
        hint="atproto signing keys are K-256 or P-256.",
    )


def _point(curve: Curve, compressed: bytes, shown: str) -> PublicKey:
    if len(compressed) != 33 or compressed[0] not in (2, 3):
        raise AtprotoError(
            f"key {shown!r} is not a 33-byte compressed {curve.name} point "
            f"({len(compressed)} bytes)"
        )
    key = PublicKey(curve, compressed)
    try:
        key.to_cryptography()
    except ValueError as exc:
        raise AtprotoError(f"key {shown!r} is not a point on the {curve.name} curve") from exc
    return key


def _curve_of(curve: ec.EllipticCurve) -> Curve:
    for known in _CURVES:
        if known.curve.name == curve.name:
            return known
    raise AtprotoError(
        f"{curve.name} keys are not used by atproto", hint="Use a secp256k1 or secp256r1 key."
    )


def load_signing_key(source: str | bytes | Mapping[str, Any], did: str) -> PublicKey:
    """The atproto signing key from a DID document (JSON text or parsed) or a did:key string."""
    if isinstance(source, str) and source.startswith(_DID_KEY_PREFIX):
        return parse_did_key(source)
    if isinstance(source, str | bytes):
        try:
            document = json.loads(source)
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise AtprotoError(
                f"the DID document is not valid JSON: {exc}", hint=_DOC_HINT
            ) from exc
    else:
        document = source
    if not isinstance(document, Mapping):
        raise AtprotoError("the DID document is not a JSON object", hint=_DOC_HINT)
    return _key_from_document(document, did)


def _key_from_document(document: Mapping[str, Any], did: str) -> PublicKey:
    if document.get("id") != did:
        raise AtprotoError(
            f"the DID document is for {document.get('id')!r}, not {did}", hint=_DOC_HINT
        )
    methods = document.get("verificationMethod")
    if not isinstance(methods, list):
        raise AtprotoError(f"the DID document of {did} has no verificationMethod list")
    for method in methods:
        if not isinstance(method, Mapping):
            continue
        method_id = method.get("id")
        if isinstance(method_id, str) and method_id in ("#atproto", f"{did}#atproto"):
            return _key_from_method(method, did)
    raise AtprotoError(
        f"the DID document of {did} has no verificationMethod with id '#atproto'",
        hint="That is the account's repository signing key; without it nothing can be verified.",
    )


def _key_from_method(method: Mapping[str, Any], did: str) -> PublicKey:
    multibase = method.get("publicKeyMultibase")
    kind = method.get("type")
    shown = f"{did}#atproto"
    if not isinstance(multibase, str) or not multibase.startswith("z"):
        raise AtprotoError(f"{shown} has no base58btc publicKeyMultibase")
    if kind == "Multikey":
        return _multikey(multibase[1:], shown)
    for curve in _CURVES:
        if kind == curve.legacy_type:  # older documents: the bare point, type names the curve
            try:
                raw = b58decode(multibase[1:])
            except ValueError as exc:
                raise AtprotoError(f"{shown} is not valid base58btc: {exc}") from exc
            return _point(curve, raw, shown)
    raise AtprotoError(f"{shown} has verification method type {kind!r}, which is not supported")


def signature_problem(key: PublicKey, message: bytes, signature: bytes) -> str | None:
    """Why ``signature`` is no atproto signature of ``message`` by ``key``; None if it is one."""
    if len(signature) != 64:
        return f"it is {len(signature)} bytes, not a 64-byte compact r||s signature" + (
            " (it looks DER-encoded)" if signature[:1] == b"\x30" else ""
        )
    order = key.curve.order
    r = int.from_bytes(signature[:32], "big")
    s = int.from_bytes(signature[32:], "big")
    if not (0 < r < order and 0 < s < order):
        return "its r or s is out of range for the curve"
    if s > order // 2:
        return "it is a high-S signature; atproto accepts only low-S (s <= n/2)"
    try:
        key.to_cryptography().verify(encode_dss_signature(r, s), message, ec.ECDSA(hashes.SHA256()))
    except InvalidSignature:
        return "it does not match the signed bytes"
    return None


def sign(private_key: ec.EllipticCurvePrivateKey, message: bytes) -> bytes:
    """A deterministic (RFC 6979) low-S compact signature of SHA-256(message)."""
    curve = public_key_of(private_key).curve
    der = private_key.sign(message, ec.ECDSA(hashes.SHA256(), deterministic_signing=True))
    r, s = decode_dss_signature(der)
    if s > curve.order // 2:
        s = curve.order - s
    return r.to_bytes(32, "big") + s.to_bytes(32, "big")


def did_document_for(
    did: str,
    key: ec.EllipticCurvePublicKey | ec.EllipticCurvePrivateKey,
    *,
    handle: str | None = None,
    pds_endpoint: str | None = None,
) -> dict[str, Any]:
    """A minimal DID document naming ``key`` as the account's atproto signing key.

    Shaped like the documents plc.directory serves (a ``Multikey`` verification method
    ``#atproto``), with ``alsoKnownAs`` and the PDS service only when given.
    """
    public = public_key_of(key)
    document: dict[str, Any] = {
        "@context": [
            "https://www.w3.org/ns/did/v1",
            "https://w3id.org/security/multikey/v1",
        ],
        "id": did,
    }
    if handle is not None:
        document["alsoKnownAs"] = [f"at://{handle}"]
    document["verificationMethod"] = [
        {
            "id": f"{did}#atproto",
            "type": "Multikey",
            "controller": did,
            "publicKeyMultibase": public.did_key[len(_DID_KEY_PREFIX) :],
        }
    ]
    if pds_endpoint is not None:
        document["service"] = [
            {
                "id": "#atproto_pds",
                "type": "AtprotoPersonalDataServer",
                "serviceEndpoint": pds_endpoint,
            }
        ]
    return document
