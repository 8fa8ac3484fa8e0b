"""Records as JSON and as IPLD: the atproto data model, checked strictly.

In JSON a link is ``{"$link": "<base32 CID>"}`` and a byte string ``{"$bytes": "<base64>"}``; a
blob is ``{"$type": "blob", "ref": {"$link": …}, "mimeType": str, "size": int}``. Floats are not
part of the model; a float with an integral value (``123.0``) is the integer, since JSON cannot tell
them apart.
"""

from __future__ import annotations

import base64
import binascii
from typing import Any

from proof.atproto._errors import AtprotoError
from proof.atproto._ipld import CID, cid_from_string

_INT_MIN = -(2**63)
_INT_MAX = 2**63 - 1


def record_from_json(value: object) -> dict[str, Any]:
    """A record in atproto JSON form as IPLD (CID objects, bytes); AtprotoError if invalid."""
    if not isinstance(value, dict):
        raise AtprotoError(f"a record must be a JSON object, not {type(value).__name__}")
    converted = _from_json(value, "$")
    if not isinstance(converted, dict):
        raise AtprotoError("a record must be a JSON object, not a $link or $bytes value")
    return converted


def _from_json(value: object, where: str) -> Any:
    if value is None or isinstance(value, bool | str):
        return value
    if isinstance(value, int):
        if not _INT_MIN <= value <= _INT_MAX:
            raise AtprotoError(f"{where}: integer {value} does not fit in 64 bits")
        return value
    if isinstance(value, float):
        if value.is_integer():
            return _from_json(int(value), where)
        raise AtprotoError(f"{where}: {value!r} is a float; the atproto data model has none")
    if isinstance(value, list):
        return [_from_json(item, f"{where}[{n}]") for n, item in enumerate(value)]
    if isinstance(value, dict):
        return _object_from_json(value, where)
    raise AtprotoError(f"{where}: {type(value).__name__} is not a JSON value")


def _object_from_json(value: dict[Any, Any], where: str) -> Any:
    for key in value:
        if not isinstance(key, str):
            raise AtprotoError(f"{where}: object key {key!r} is not a string")
    if "$link" in value:
        return _link(value, where)
    if "$bytes" in value:
        return _bytes(value, where)
    if "$type" in value:
        kind = value["$type"]
        if not isinstance(kind, str) or not kind:
            raise AtprotoError(f"{where}: $type must be a non-empty string, not {kind!r}")
        if kind == "blob":
            _check_blob(value, where)
    return {key: _from_json(item, f"{where}.{key}") for key, item in value.items()}


def _link(value: dict[str, Any], where: str) -> CID:
    text = value["$link"]
    if len(value) != 1:
        raise AtprotoError(f"{where}: a $link object must have no other keys")
    if not isinstance(text, str):
        raise AtprotoError(f"{where}: $link must be a CID string, not {type(text).__name__}")
    try:
        return cid_from_string(text)
    except ValueError as exc:
        raise AtprotoError(f"{where}: {exc}") from exc


def _bytes(value: dict[str, Any], where: str) -> bytes:
    text = value["$bytes"]
    if len(value) != 1:
        raise AtprotoError(f"{where}: a $bytes object must have no other keys")
    if not isinstance(text, str):
        raise AtprotoError(f"{where}: $bytes must be a base64 string, not {type(text).__name__}")
    try:
        return base64.b64decode(text + "=" * (-len(text) % 4), validate=True)
    except binascii.Error as exc:
        raise AtprotoError(f"{where}: $bytes is not base64: {exc}") from exc


def _check_blob(value: dict[str, Any], where: str) -> None:
    ref, mime, size = value.get("ref"), value.get("mimeType"), value.get("size")
    if not isinstance(ref, dict) or "$link" not in ref:
        raise AtprotoError(f"{where}: a blob needs a 'ref' link")
    if not isinstance(mime, str) or not mime:
        raise AtprotoError(f"{where}: a blob needs a 'mimeType' string")
    if not isinstance(size, int) or isinstance(size, bool) or size < 0:
        raise AtprotoError(f"{where}: a blob's 'size' must be a non-negative integer")
