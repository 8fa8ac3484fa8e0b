"""CARv1 files: the sections of a CAR read without decoding the blocks, and a CAR written.

Blocks stay raw bytes so the verifier can hash exactly what it was given; decoding happens later
and only for the blocks a proof uses.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from proof.atproto._errors import AtprotoError
from proof.atproto._ipld import (
    CID,
    DagCborError,
    check_cid_bytes,
    decode,
    encode,
    read_varint,
    write_varint,
)

_HINT = "A com.atproto.sync.getRecord response is a CARv1 file whose only root is the commit."
# A CARv2 file starts with this pragma (a CARv1-style header saying version 2).
_CARV2_PRAGMA = bytes.fromhex("0aa16776657273696f6e02")


@dataclass(frozen=True)
class Car:
    root: CID
    blocks: tuple[tuple[CID, bytes], ...]  # in file order; a CID may repeat


def read_car(data: bytes) -> Car:
    """Split a CARv1 file into its root and its (CID, bytes) sections."""
    if not data:
        raise AtprotoError("the CAR is empty", hint=_HINT)
    if data.startswith(_CARV2_PRAGMA):
        raise AtprotoError("the CAR is a CARv2 file; only CARv1 is supported", hint=_HINT)
    header_bytes, offset = _section(data, 0, "header")
    root = _root(header_bytes)
    blocks: list[tuple[CID, bytes]] = []
    while offset < len(data):
        start = offset
        section, offset = _section(data, offset, f"section at byte {start}")
        try:
            cid_length = _cid_length(section)
        except ValueError as exc:
            raise AtprotoError(
                f"the CAR section at byte {start} does not start with a valid CID: {exc}",
                hint=_HINT,
            ) from exc
        blocks.append((CID(section[:cid_length]), section[cid_length:]))
    return Car(root, tuple(blocks))


def write_car(root: CID, blocks: Iterable[tuple[CID, bytes]]) -> bytes:
    header = encode({"version": 1, "roots": [root]})
    out = bytearray(write_varint(len(header)) + header)
    for cid, block in blocks:
        out += write_varint(len(cid.cid_bytes) + len(block)) + cid.cid_bytes + block
    return bytes(out)


def _section(data: bytes, offset: int, what: str) -> tuple[bytes, int]:
    try:
        length, start = read_varint(data, offset)
    except ValueError as exc:
        raise AtprotoError(f"the CAR {what} has an invalid length: {exc}", hint=_HINT) from exc
    if length == 0:
        raise AtprotoError(f"the CAR {what} is empty", hint=_HINT)
    end = start + length
    if end > len(data):
        raise AtprotoError(
            f"the CAR is truncated: its {what} declares {length} bytes, {len(data) - start} remain",
            hint=_HINT,
        )
    return data[start:end], end


def _root(header_bytes: bytes) -> CID:
    try:
        header = decode(header_bytes)
    except DagCborError as exc:
        raise AtprotoError(f"the CAR header is not DAG-CBOR: {exc}", hint=_HINT) from exc
    if not isinstance(header, dict) or header.get("version") != 1:
        version = header.get("version") if isinstance(header, dict) else None
        raise AtprotoError(
            f"the CAR header is not a CARv1 header (version {version!r})", hint=_HINT
        )
    roots = header.get("roots")
    if not isinstance(roots, list) or not all(isinstance(r, CID) for r in roots):
        raise AtprotoError("the CAR header's roots are not a list of CIDs", hint=_HINT)
    if len(roots) != 1:
        raise AtprotoError(f"the CAR has {len(roots)} roots; expected exactly one", hint=_HINT)
    root: CID = roots[0]
    try:
        check_cid_bytes(root.cid_bytes)
    except ValueError as exc:
        raise AtprotoError(f"the CAR root is not a valid CID: {exc}", hint=_HINT) from exc
    return root


def _cid_length(section: bytes) -> int:
    if section[:2] == b"\x12\x20":  # a CIDv0 is a bare sha2-256 multihash
        if len(section) < 34:
            raise ValueError("truncated CIDv0")
        return 34
    offset = 0
    fields: list[int] = []
    for _ in range(4):  # version, codec, hash function, digest length
        value, offset = read_varint(section, offset)
        fields.append(value)
    if fields[0] != 1:
        raise ValueError(f"CID version {fields[0]} is not supported")
    end = offset + fields[3]
    if end > len(section):
        raise ValueError("the CID's digest runs past the end of the section")
    return end
