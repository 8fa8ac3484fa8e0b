"""Signing keys against the interop crypto vectors: did:key, low-S, DER, DID documents."""

from __future__ import annotations

import base64
import json
import re
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric import ec

from proof.atproto import AtprotoError, did_document_for, did_key_for
from proof.atproto._keys import (
    K256,
    P256,
    b58decode,
    b58encode,
    load_signing_key,
    parse_did_key,
    sign,
    signature_problem,
)
from tests.proof.atproto.conftest import DID, fixed_key, load

SIGNATURES: list[dict[str, Any]] = load("crypto/signature-fixtures.json")
K256_DID_KEYS: list[dict[str, Any]] = load("crypto/w3c_didkey_K256.json")
P256_DID_KEYS: list[dict[str, Any]] = load("crypto/w3c_didkey_P256.json")


def _b64(text: str) -> bytes:
    return base64.b64decode(text + "=" * (-len(text) % 4))


@pytest.mark.parametrize("case", K256_DID_KEYS, ids=lambda c: c["publicDidKey"])
def test_k256_did_key_vectors(case: dict[str, Any]) -> None:
    key = ec.derive_private_key(int(case["privateKeyBytesHex"], 16), ec.SECP256K1())
    assert did_key_for(key) == case["publicDidKey"]
    assert did_key_for(key.public_key()) == case["publicDidKey"]
    assert parse_did_key(case["publicDidKey"]).curve is K256


@pytest.mark.parametrize("case", P256_DID_KEYS, ids=lambda c: c["publicDidKey"])
def test_p256_did_key_vectors(case: dict[str, Any]) -> None:
    scalar = int.from_bytes(b58decode(case["privateKeyBytesBase58"]), "big")
    key = ec.derive_private_key(scalar, ec.SECP256R1())
    assert did_key_for(key) == case["publicDidKey"]
    assert parse_did_key(case["publicDidKey"]).curve is P256


@pytest.mark.parametrize("case", SIGNATURES, ids=lambda c: c["comment"])
def test_signature_fixtures(case: dict[str, Any]) -> None:
    key = parse_did_key(case["publicKeyDid"])
    problem = signature_problem(key, _b64(case["messageBase64"]), _b64(case["signatureBase64"]))
    if case["validSignature"]:
        assert problem is None
    elif "high-s" in case["tags"]:
        assert problem is not None and "high-S" in problem
    else:
        assert "der-encoded" in case["tags"]
        assert problem is not None and "DER-encoded" in problem


@pytest.mark.parametrize("case", SIGNATURES, ids=lambda c: c["comment"])
def test_legacy_did_document_keys_match_their_did_key(case: dict[str, Any]) -> None:
    # Older DID documents name the curve in the method type and give the bare point.
    document = {
        "id": DID,
        "verificationMethod": [
            {
                "id": "#atproto",
                "type": case["didDocSuite"],
                "controller": DID,
                "publicKeyMultibase": case["publicKeyMultibase"],
            }
        ],
    }
    assert load_signing_key(document, DID).did_key == case["publicKeyDid"]


def test_sign_is_low_s_deterministic_and_verifies() -> None:
    for curve, known in ((ec.SECP256K1(), K256), (ec.SECP256R1(), P256)):
        for seed in range(20):
            key = fixed_key(curve, seed)
            public = parse_did_key(did_key_for(key))
            message = f"message {seed}".encode()
            signature = sign(key, message)
            assert signature == sign(key, message)
            assert int.from_bytes(signature[32:], "big") <= known.order // 2
            assert signature_problem(public, message, signature) is None
            assert signature_problem(public, message + b"!", signature) == (
                "it does not match the signed bytes"
            )


def test_did_document_round_trip() -> None:
    key = fixed_key(ec.SECP256K1(), 3)
    document = did_document_for(DID, key, handle="alice.test", pds_endpoint="https://pds.test")
    assert document["alsoKnownAs"] == ["at://alice.test"]
    assert document["service"][0]["serviceEndpoint"] == "https://pds.test"
    expected = did_key_for(key)
    assert load_signing_key(document, DID).did_key == expected
    assert load_signing_key(json.dumps(document), DID).did_key == expected
    assert load_signing_key(json.dumps(document).encode(), DID).did_key == expected
    assert load_signing_key(expected, DID).did_key == expected
    assert set(did_document_for(DID, key)) == {"@context", "id", "verificationMethod"}


def _doc(**method: Any) -> dict[str, Any]:
    base = {"id": "#atproto", "type": "Multikey", "publicKeyMultibase": "z"}
    return {"id": DID, "verificationMethod": [{**base, **method}]}


@pytest.mark.parametrize(
    ("source", "message"),
    [
        ("{not json", "not valid JSON"),
        ("[]", "not a JSON object"),
        ({"id": "did:plc:someoneelse"}, "is for 'did:plc:someoneelse'"),
        ({"id": DID}, "no verificationMethod list"),
        (_doc(id="#other"), "no verificationMethod with id '#atproto'"),
        (_doc(publicKeyMultibase="uAAAA"), "no base58btc publicKeyMultibase"),
        (_doc(publicKeyMultibase="z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK"), "0xed01"),
        (_doc(type="Ed25519VerificationKey2020"), "not supported"),
        (_doc(publicKeyMultibase="z0OIl"), "not valid base58btc"),
        ("did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK", "neither secp256k1-pub"),
        ("did:key:z" + b58encode(K256.multicodec + b"\x02" * 12), "not a 33-byte compressed"),
        ("did:key:u123", "not a base58btc did:key"),
    ],
)
def test_unusable_key_sources_raise(source: Any, message: str) -> None:
    with pytest.raises(AtprotoError, match=re.escape(message)):
        load_signing_key(source, DID)


def test_a_point_off_the_curve_is_refused() -> None:
    did_key = "did:key:z" + b58encode(K256.multicodec + b"\x02" + b"\xff" * 32)
    with pytest.raises(AtprotoError, match="not a point on the ES256K curve"):
        parse_did_key(did_key)


def test_keys_of_other_curves_are_refused() -> None:
    with pytest.raises(AtprotoError, match="secp384r1 keys are not used by atproto"):
        did_key_for(ec.generate_private_key(ec.SECP384R1()))


def test_base58_keeps_leading_zeros() -> None:
    for raw in (b"", b"\0", b"\0\0\x01", b"\x01\0", bytes(range(40))):
        assert b58decode(b58encode(raw)) == raw
    assert b58encode(b"hello world") == "StV1DL6CwTryKyV"
