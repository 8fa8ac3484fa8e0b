"""Signed capture manifests: RFC 8785 canonical JSON signed with the installation key.

The signature is a plain Ed25519 signature over ``canonical_json(manifest)``, so anyone with a JCS
implementation and an Ed25519 library can check it without postproof. The same key also signs
checkpoint notes; the two cannot be confused, because a note text ends in a newline and canonical
JSON never contains a raw newline.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Mapping, Sequence
from typing import Any

from archiver.errors import PostproofError
from proof._keys import InstallationKey
from proof._note import NoteError, NoteVerifier

ALG = "ed25519"
CANONICALIZATION = "RFC8785"
_FIELDS = frozenset({"manifest", "signature", "key", "alg", "canonicalization"})
# RFC 8785 numbers are IEEE 754 doubles: beyond 2^53 an integer would not survive a round trip.
_MAX_SAFE_INT = 2**53 - 1
_SHORT_ESCAPES = {"\b": "\\b", "\t": "\\t", "\n": "\\n", "\f": "\\f", "\r": "\\r"}


class ManifestError(PostproofError):
    """A signed manifest is incomplete, was signed by another key, or was changed."""

    exit_code = 4


def canonical_json(value: Any) -> bytes:
    """RFC 8785 (JCS) serialisation of the JSON types postproof uses, as UTF-8.

    Objects (str keys, sorted by UTF-16 code units), arrays, strings, booleans, null and integers
    within ±(2^53 - 1). Floats are refused: manifests hold only integers, and refusing them avoids
    carrying the ECMAScript number formatting that JCS would require for them.
    """
    parts: list[str] = []
    _serialise(value, parts)
    return "".join(parts).encode("utf-8")


def _serialise(value: Any, out: list[str]) -> None:
    if value is None:
        out.append("null")
    elif value is True:
        out.append("true")
    elif value is False:
        out.append("false")
    elif isinstance(value, int):
        if not -_MAX_SAFE_INT <= value <= _MAX_SAFE_INT:
            raise ValueError(f"integer {value} is outside the range RFC 8785 can represent exactly")
        out.append(str(int(value)))  # int(): an IntEnum's str() would be its name
    elif isinstance(value, float):
        raise TypeError("floats are not supported in canonical JSON here; use integers")
    elif isinstance(value, str):
        out.append(_string(value))
    elif isinstance(value, Mapping):
        for key in value:
            if not isinstance(key, str):
                raise TypeError(f"object keys must be strings, got {type(key).__name__}")
        out.append("{")
        for n, key in enumerate(sorted(value, key=lambda k: k.encode("utf-16-be"))):
            out.append("," if n else "")
            out.append(_string(key))
            out.append(":")
            _serialise(value[key], out)
        out.append("}")
    elif isinstance(value, Sequence) and not isinstance(value, bytes | bytearray):
        out.append("[")
        for n, item in enumerate(value):
            out.append("," if n else "")
            _serialise(item, out)
        out.append("]")
    else:
        raise TypeError(f"{type(value).__name__} is not a JSON value")


def _string(text: str) -> str:
    out = ['"']
    for ch in text:
        if ch == '"' or ch == "\\":
            out.append("\\" + ch)
        elif ch < " ":
            out.append(_SHORT_ESCAPES.get(ch) or f"\\u{ord(ch):04x}")
        elif "\ud800" <= ch <= "\udfff":
            raise ValueError(f"string contains a lone surrogate U+{ord(ch):04X}")
        else:
            out.append(ch)  # everything else literally, U+2028, U+2029 and DEL included
    out.append('"')
    return "".join(out)


def sign_manifest(manifest: Mapping[str, Any], key: InstallationKey) -> dict[str, Any]:
    """Sign ``manifest`` and return the envelope to store next to the capture."""
    payload = canonical_json(manifest)
    return {
        "manifest": dict(manifest),
        "signature": base64.b64encode(key.sign(payload)).decode(),
        "key": key.verifier,
        "alg": ALG,
        "canonicalization": CANONICALIZATION,
    }


def verify_manifest(signed: Mapping[str, Any], *, verifier: str) -> Mapping[str, Any]:
    """Check a :func:`sign_manifest` envelope against the trusted ``verifier`` key string."""
    missing = sorted(_FIELDS - set(signed))
    if missing:
        raise ManifestError(f"signed manifest is missing field(s): {', '.join(missing)}")
    extra = sorted(set(signed) - _FIELDS)
    if extra:
        # Unsigned data next to signed data would read as if it were covered by the signature.
        raise ManifestError(f"signed manifest has unexpected field(s): {', '.join(extra)}")
    manifest = signed["manifest"]
    if not isinstance(manifest, Mapping):
        raise ManifestError("signed manifest: 'manifest' is not an object")
    if signed["alg"] != ALG:
        raise ManifestError(f"signed manifest: unsupported alg {signed['alg']!r}, expected {ALG!r}")
    if signed["canonicalization"] != CANONICALIZATION:
        raise ManifestError(
            f"signed manifest: unsupported canonicalization {signed['canonicalization']!r}, "
            f"expected {CANONICALIZATION!r}"
        )
    if signed["key"] != verifier:
        raise ManifestError(
            f"manifest was signed by key {signed['key']!r}, not the trusted key {verifier!r}",
            hint="Check that you are verifying with the public key of the installation that "
            "made the capture.",
        )
    try:
        public = NoteVerifier.from_string(verifier)
    except NoteError as exc:
        raise ManifestError(f"trusted key is not a valid verifier key: {exc}") from exc
    signature = _signature_bytes(signed["signature"])
    try:
        payload = canonical_json(manifest)
    except (TypeError, ValueError) as exc:
        raise ManifestError(f"manifest cannot be canonicalised: {exc}") from exc
    if not public.verify(payload, signature):
        raise ManifestError(
            "manifest signature does not match its content",
            hint="The manifest or its signature was changed after signing.",
        )
    return manifest


def _signature_bytes(value: Any) -> bytes:
    if not isinstance(value, str):
        raise ManifestError("signed manifest: 'signature' is not a string")
    try:
        raw = base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise ManifestError("signed manifest: 'signature' is not valid base64") from exc
    if base64.b64encode(raw).decode() != value or len(raw) != 64:
        raise ManifestError("signed manifest: 'signature' is not a canonical 64-byte Ed25519 one")
    return raw
