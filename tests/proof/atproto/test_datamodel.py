"""The atproto data model against the interop fixtures: JSON ↔ DAG-CBOR bytes ↔ CID."""

from __future__ import annotations

import base64
from typing import Any

import pytest

from proof.atproto import AtprotoError
from proof.atproto._datamodel import record_from_json
from proof.atproto._ipld import DagCborError, cid_for, cid_from_string, decode, decode_json, encode
from tests.proof.atproto.conftest import load

FIXTURES: list[dict[str, Any]] = load("data-model/data-model-fixtures.json")
VALID: list[dict[str, Any]] = load("data-model/data-model-valid.json")
INVALID: list[dict[str, Any]] = load("data-model/data-model-invalid.json")


def _b64(text: str) -> bytes:
    return base64.b64decode(text + "=" * (-len(text) % 4))


@pytest.mark.parametrize("case", FIXTURES, ids=lambda c: c["cid"])
def test_json_encodes_to_the_fixture_bytes_and_cid(case: dict[str, Any]) -> None:
    data = encode(record_from_json(case["json"]))
    assert data == _b64(case["cbor_base64"])
    assert cid_for(data).encode() == case["cid"]


@pytest.mark.parametrize("case", FIXTURES, ids=lambda c: c["cid"])
def test_fixture_bytes_decode_to_the_json(case: dict[str, Any]) -> None:
    data = _b64(case["cbor_base64"])
    assert decode_json(data) == case["json"]
    assert encode(decode(data)) == data


def test_links_and_bytes_stay_apart() -> None:
    # A byte string that happens to parse as a CID must stay a byte string.
    cid = cid_from_string("bafyreidfayvfuwqa7qlnopdjiqrxzs6blmoeu4rujcjtnci5beludirz2a")
    record = {"link": {"$link": cid.encode()}, "raw": {"$bytes": _encode_b64(cid.cid_bytes)}}
    data = encode(record_from_json(record))
    assert decode_json(data) == record
    decoded = decode(data)
    assert decoded["link"] == cid and decoded["raw"] == cid.cid_bytes


def _encode_b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode().rstrip("=")


@pytest.mark.parametrize("case", VALID, ids=lambda c: c["note"])
def test_valid_records_are_accepted(case: dict[str, Any]) -> None:
    converted = record_from_json(case["json"])
    assert decode_json(encode(converted)) == _integral(case["json"])


def _integral(value: Any) -> Any:
    """JSON's 123.0 is the data model's 123."""
    if isinstance(value, float):
        return int(value)
    if isinstance(value, list):
        return [_integral(v) for v in value]
    if isinstance(value, dict):
        return {k: _integral(v) for k, v in value.items()}
    return value


@pytest.mark.parametrize("case", INVALID, ids=lambda c: c["note"])
def test_invalid_records_are_refused(case: dict[str, Any]) -> None:
    with pytest.raises(AtprotoError):
        record_from_json(case["json"])


@pytest.mark.parametrize(
    "hex_data",
    [
        "a2616201616101",  # map keys out of canonical order
        "a1616119000a",  # integer not minimally encoded
        "a16161",  # truncated
        "a1616101ff",  # trailing bytes
    ],
)
def test_non_canonical_cbor_is_refused(hex_data: str) -> None:
    with pytest.raises(DagCborError):
        decode(bytes.fromhex(hex_data))
