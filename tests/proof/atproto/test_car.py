from __future__ import annotations

import pytest

from proof.atproto import AtprotoError
from proof.atproto._car import read_car, write_car
from proof.atproto._ipld import cid_for, encode, write_varint

BLOCKS = [(cid_for(data), data) for data in (encode({"a": 1}), encode("two"), encode([3]))]


def _framed(*parts: bytes) -> bytes:
    return b"".join(write_varint(len(part)) + part for part in parts)


def test_round_trip_keeps_order_and_raw_bytes() -> None:
    car = write_car(BLOCKS[0][0], BLOCKS)
    parsed = read_car(car)
    assert parsed.root == BLOCKS[0][0]
    assert list(parsed.blocks) == BLOCKS


def test_a_cidv0_section_is_split_correctly() -> None:
    digest = b"\x12\x20" + bytes(32)
    car = write_car(BLOCKS[0][0], []) + _framed(digest + b"body")
    ((cid, data),) = read_car(car).blocks
    assert cid.cid_bytes == digest and data == b"body"


ROOT = BLOCKS[0][0]
HEADER = encode({"version": 1, "roots": [ROOT]})


@pytest.mark.parametrize(
    ("car", "message"),
    [
        (b"", "the CAR is empty"),
        (b"\x80", "invalid length: truncated varint"),
        (b"\x81\x00", "not minimally encoded"),
        (b"\x05abc", "its header declares 5 bytes, 3 remain"),
        (bytes.fromhex("0aa16776657273696f6e02") + bytes(40), "CARv2"),
        (_framed(b"\xa1"), "header is not DAG-CBOR"),
        (_framed(encode({"version": 2, "roots": [ROOT]})), "not a CARv1 header (version 2)"),
        (_framed(encode({"version": 1, "roots": []})), "has 0 roots"),
        (_framed(encode({"version": 1, "roots": [ROOT, ROOT]})), "has 2 roots"),
        (_framed(encode({"version": 1, "roots": ["x"]})), "not a list of CIDs"),
        (_framed(HEADER) + b"\x00", "is empty"),
        (_framed(HEADER) + b"\x30" + ROOT.cid_bytes, "declares 48 bytes, 36 remain"),
        (_framed(HEADER, b"\x02\x71\x12\x20" + bytes(32)), "CID version 2 is not supported"),
        (_framed(HEADER, b"\x01\x71\x12\x20" + bytes(8)), "digest runs past the end"),
    ],
)
def test_malformed_cars_raise(car: bytes, message: str) -> None:
    with pytest.raises(AtprotoError, match=message.replace("(", r"\(").replace(")", r"\)")):
        read_car(car)
