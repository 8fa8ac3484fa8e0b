"""DAG-CBOR blocks and CIDs as an atproto repository uses them.

The codec is cbrrr, which decodes a link to a :class:`~cbrrr.CID` and a byte string to ``bytes``
and keeps the two apart when encoding again. (A codec that decodes both to ``bytes`` cannot tell a
record's ``$bytes`` from its ``$link``, and re-encodes any byte string that parses as a CID as a
link, which would change the record.) Codec errors are translated here and nowhere else.
"""

from __future__ import annotations

import hashlib
from typing import Any

import cbrrr
from cbrrr import CID as CID  # re-exported: the one link type of this package

DAG_CBOR = 0x71
SHA2_256 = 0x12


class DagCborError(ValueError):
    """Bytes that are not strict (canonical) DAG-CBOR, or a value DAG-CBOR cannot hold."""


def encode(value: Any) -> bytes:
    """Canonical DAG-CBOR of a value with :class:`CID` links and ``bytes`` byte strings."""
    try:
        return cbrrr.encode_dag_cbor(value)
    except (ValueError, TypeError, OverflowError) as exc:
        raise DagCborError(str(exc)) from exc


def decode(data: bytes) -> Any:
    """Decode strict DAG-CBOR: links become :class:`CID`, byte strings stay ``bytes``."""
    try:
        return cbrrr.decode_dag_cbor(data)
    except (ValueError, TypeError, RecursionError) as exc:
        raise DagCborError(str(exc) or type(exc).__name__) from exc


def decode_json(data: bytes) -> Any:
    """Decode strict DAG-CBOR to the atproto JSON form: ``{"$link": …}`` and ``{"$bytes": …}``."""
    try:
        return cbrrr.decode_dag_cbor(data, atjson_mode=True)
    except (ValueError, TypeError, RecursionError) as exc:
        raise DagCborError(str(exc) or type(exc).__name__) from exc


def cid_for(data: bytes) -> CID:
    """The CIDv1 (dag-cbor, sha2-256) that names a repository block."""
    return CID(bytes([1, DAG_CBOR, SHA2_256, 32]) + hashlib.sha256(data).digest())


def is_repo_cid(cid: object) -> bool:
    """Whether ``cid`` is a CIDv1 link to a dag-cbor block hashed with sha2-256, as repos use."""
    return isinstance(cid, CID) and cid.is_cidv1_dag_cbor_sha256_32()


def cid_from_string(text: str) -> CID:
    """Parse a base32 (``b…``) CIDv1 string, checking its structure; ValueError if invalid."""
    if not text.startswith("b"):
        raise ValueError(f"{text!r} is not a base32 CIDv1 string (it must start with 'b')")
    try:
        cid = CID.decode(text)
    except ValueError as exc:
        raise ValueError(f"{text!r} is not a valid CID: {exc}") from exc
    check_cid_bytes(cid.cid_bytes)
    return cid


def check_cid_bytes(raw: bytes) -> None:
    """ValueError unless ``raw`` is exactly one binary CIDv1 (version, codec, multihash)."""
    offset = 0
    fields: list[int] = []
    for _ in range(4):  # version, codec, hash function, digest length
        value, offset = read_varint(raw, offset)
        fields.append(value)
    version, _codec, _hash_code, length = fields
    if version != 1:
        raise ValueError(f"CID version {version} is not supported (only CIDv1)")
    if len(raw) - offset != length:
        raise ValueError(f"CID digest is {len(raw) - offset} bytes, but it declares {length}")


def read_varint(data: bytes, offset: int) -> tuple[int, int]:
    """An unsigned LEB128 varint at ``offset``: (value, offset after it). ValueError if invalid."""
    value = 0
    for shift in range(0, 63, 7):
        if offset >= len(data):
            raise ValueError("truncated varint")
        byte = data[offset]
        offset += 1
        value |= (byte & 0x7F) << shift
        if not byte & 0x80:
            if shift and not byte:
                raise ValueError("varint is not minimally encoded")
            return value, offset
    raise ValueError("varint is longer than 9 bytes")


def write_varint(value: int) -> bytes:
    out = bytearray()
    while True:
        byte = value & 0x7F
        value >>= 7
        if value:
            out.append(byte | 0x80)
        else:
            out.append(byte)
            return bytes(out)
