"""End to end: real signed repositories, their getRecord CARs, and every way to break them."""

from __future__ import annotations

import json
import random
import re
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric import ec

from proof.atproto import (
    AtprotoError,
    RecordVerification,
    build_record_car,
    build_repo,
    did_document_for,
    did_key_for,
    verify_record_car,
)
from proof.atproto._car import write_car
from proof.atproto._ipld import CID, cid_for, decode, encode
from proof.atproto._keys import public_key_of
from proof.atproto._mst import lookup
from tests.proof.atproto.conftest import DID, POST, blocks_of, fixed_key, post, replace_commit

RKEY = "3kpostrecord2"
OTHER_DID = "did:plc:bbbbbbbbbbbbbbbbbbbbbbbb"
RECORD = {
    **post("an archived post"),
    "embed": {
        "$type": "app.bsky.embed.images",
        "images": [
            {
                "alt": "",
                "image": {
                    "$type": "blob",
                    "ref": {"$link": "bafkreiccldh766hwcnuxnf2wh6jgzepf2nlu2lvcllt63eww5p6chi4ity"},
                    "mimeType": "image/jpeg",
                    "size": 10000,
                },
            }
        ],
    },
    "facets": [{"index": {"byteStart": 0, "byteEnd": 2}, "features": [], "raw": {"$bytes": "AAE"}}],
}
OTHERS = {f"{POST}/3kother{n:07d}": post(f"other {n}") for n in range(150)}


def _car(key: ec.EllipticCurvePrivateKey, did: str = DID, record: Any = RECORD) -> bytes:
    return build_record_car(record, did, POST, RKEY, key, other_records=OTHERS, rev="3kaaaaaaaaaa2")


def _verify(car: bytes, key: Any, *, did: str = DID, rkey: str = RKEY) -> RecordVerification:
    return verify_record_car(
        car, did=did, collection=POST, rkey=rkey, did_document=did_document_for(did, key)
    )


def _failed(result: RecordVerification, pattern: str) -> None:
    assert not result.verified
    assert result.reason is not None
    assert re.search(pattern, result.reason), result.reason


def test_a_genuine_record_verifies(private_key: ec.EllipticCurvePrivateKey) -> None:
    car = _car(private_key)
    result = _verify(car, private_key)
    assert result.verified and result.reason is None
    assert result.record == RECORD
    assert result.signing_key == did_key_for(private_key)
    assert result.uri == f"at://{DID}/{POST}/{RKEY}"
    assert result.rev == "3kaaaaaaaaaa2"
    assert result.record_cbor is not None
    assert cid_for(result.record_cbor).encode() == result.record_cid
    root, _ = blocks_of(car)
    assert result.commit_cid == root.encode()


def test_every_form_of_the_key_source_works(private_key: ec.EllipticCurvePrivateKey) -> None:
    car = _car(private_key)
    document = did_document_for(DID, private_key)
    for source in (document, json.dumps(document), json.dumps(document).encode()):
        result = verify_record_car(car, did=DID, collection=POST, rkey=RKEY, did_document=source)
        assert result.verified
    did_key = did_key_for(private_key)
    result = verify_record_car(car, did=DID, collection=POST, rkey=RKEY, did_document=did_key)
    assert result.verified


def test_a_changed_byte_in_the_record(private_key: ec.EllipticCurvePrivateKey) -> None:
    root, blocks = blocks_of(_car(private_key))
    record_cid, record_bytes = blocks[-1]
    tampered = record_bytes.replace(b"an archived post", b"an archived pest")
    car = write_car(root, [*blocks[:-1], (record_cid, tampered)])
    _failed(
        _verify(car, private_key),
        rf"^block {record_cid.encode()} does not match its CID: its bytes hash to "
        + cid_for(tampered).encode(),
    )


def test_a_record_swapped_for_another_valid_one(private_key: ec.EllipticCurvePrivateKey) -> None:
    root, blocks = blocks_of(_car(private_key))
    other = encode({"$type": POST, "text": "words never said", "createdAt": "2024-05-01"})
    car = write_car(root, [*blocks[:-1], (cid_for(other), other)])
    _failed(
        _verify(car, private_key),
        rf"^the record's CID {cid_for(other).encode()} is not under the commit's tree: "
        rf"the tree maps {POST}/{RKEY} to {blocks[-1][0].encode()}",
    )


def test_a_commit_re_signed_with_another_key(private_key: ec.EllipticCurvePrivateKey) -> None:
    intruder = fixed_key(private_key.curve, 99)
    car = replace_commit(_car(private_key), lambda commit: None, resign_with=intruder)
    _failed(
        _verify(car, private_key),
        rf"^the commit signature does not verify against {did_key_for(private_key)}: "
        "it does not match the signed bytes$",
    )
    assert _verify(car, intruder).verified  # the intruder's own key does verify it


def test_a_commit_for_another_did(private_key: ec.EllipticCurvePrivateKey) -> None:
    car = _car(private_key, did=OTHER_DID)
    _failed(_verify(car, private_key), rf"^the commit is for {OTHER_DID}, not {DID}$")


def test_a_changed_did_breaks_the_signature(private_key: ec.EllipticCurvePrivateKey) -> None:
    car = replace_commit(_car(private_key, did=OTHER_DID), lambda commit: commit.update(did=DID))
    _failed(_verify(car, private_key), "does not match the signed bytes")


def test_a_high_s_signature(private_key: ec.EllipticCurvePrivateKey) -> None:
    order = public_key_of(private_key).curve.order

    def flip_s(commit: dict[str, Any]) -> None:
        s = int.from_bytes(commit["sig"][32:], "big")
        commit["sig"] = commit["sig"][:32] + (order - s).to_bytes(32, "big")

    _failed(
        _verify(replace_commit(_car(private_key), flip_s), private_key),
        "it is a high-S signature; atproto accepts only low-S",
    )


def test_a_der_signature(private_key: ec.EllipticCurvePrivateKey) -> None:
    def der(commit: dict[str, Any]) -> None:
        commit["sig"] = b"\x30\x44" + commit["sig"]

    _failed(
        _verify(replace_commit(_car(private_key), der), private_key),
        "it is 66 bytes, not a 64-byte compact r||s signature",
    )


@pytest.mark.parametrize("depth", [0, 1, -1])
def test_a_missing_mst_node(private_key: ec.EllipticCurvePrivateKey, depth: int) -> None:
    root, blocks = blocks_of(_car(private_key))
    path = blocks[1:-1]
    assert len(path) >= 3  # the record sits at least two levels below the root
    dropped = path[depth][0]
    car = write_car(root, [block for block in blocks if block[0] != dropped])
    _failed(
        _verify(car, private_key),
        rf"^cannot look up {POST}/{RKEY} in the commit's tree \(data \S+\): "
        rf"MST node {dropped.encode()} \(depth {depth % len(path)}\) is missing$",
    )


def test_a_wrong_rkey(private_key: ec.EllipticCurvePrivateKey) -> None:
    car = _car(private_key)
    absent = _verify(car, private_key, rkey="3kpostrecord3")
    assert not absent.verified and absent.reason is not None
    assert f"{POST}/3kpostrecord3" in absent.reason
    # Another record of the same repository: its path is not in this CAR.
    _failed(
        _verify(car, private_key, rkey="3kother0000007"),
        rf"^cannot look up {POST}/3kother0000007 .* is missing$",
    )


def test_a_key_proven_absent(private_key: ec.EllipticCurvePrivateKey) -> None:
    repo = build_repo({f"{POST}/3kaaaa": post("a")}, DID, private_key)
    car = repo.record_car(POST, "3kaaaa")
    _failed(
        _verify(car, private_key, rkey="3kbbbb"),
        rf"has no record at {POST}/3kbbbb: the CAR proves the key absent$",
    )


def test_a_commit_missing_from_the_car(private_key: ec.EllipticCurvePrivateKey) -> None:
    root, blocks = blocks_of(_car(private_key))
    _failed(
        _verify(write_car(root, blocks[1:]), private_key),
        rf"^the commit {root.encode()} \(the CAR's root\) is not among the CAR's blocks$",
    )


@pytest.mark.parametrize(
    ("change", "pattern"),
    [
        (lambda c: c.update(version=2), "has version 2; only version 3 is supported"),
        (lambda c: c.pop("rev"), r"lacks the field\(s\) rev"),
        (lambda c: c.update(data="bafy"), "has a 'data' that is not a dag-cbor sha-256 CID"),
        (lambda c: c.update(prev=1), "has a 'prev' that is neither null nor a CID"),
        (lambda c: c.update(sig="x"), "has a 'sig' that is not bytes"),
        (lambda c: c.update(did=5), "has a 'did' or 'rev' that is not a string"),
    ],
)
def test_malformed_commits(
    private_key: ec.EllipticCurvePrivateKey, change: Any, pattern: str
) -> None:
    _failed(_verify(replace_commit(_car(private_key), change), private_key), pattern)


def test_a_block_with_another_codec(private_key: ec.EllipticCurvePrivateKey) -> None:
    root, blocks = blocks_of(_car(private_key))
    raw_cid = CID(b"\x01\x55\x12\x20" + cid_for(b"x").cid_bytes[4:])
    _failed(
        _verify(write_car(root, [*blocks, (raw_cid, b"x")]), private_key),
        "its codec is 0x55, not dag-cbor",
    )


def test_an_extra_valid_block_is_harmless(private_key: ec.EllipticCurvePrivateKey) -> None:
    root, blocks = blocks_of(_car(private_key))
    extra = encode({"unrelated": True})
    assert _verify(write_car(root, [*blocks, (cid_for(extra), extra)]), private_key).verified


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"car": b"not a car"}, "the CAR"),
        ({"did": "did:PLC:x"}, "is not a DID"),
        ({"collection": "post"}, "not a collection NSID"),
        ({"rkey": "a/b"}, "not a record key"),
        ({"did_document": {"id": DID, "verificationMethod": []}}, "no verificationMethod"),
        ({"did_document": did_document_for(OTHER_DID, fixed_key(ec.SECP256K1(), 1))}, "is for"),
    ],
)
def test_unreadable_inputs_raise(kwargs: dict[str, Any], message: str) -> None:
    key = fixed_key(ec.SECP256K1(), 1)
    arguments: dict[str, Any] = {
        "car": _car(key),
        "did": DID,
        "collection": POST,
        "rkey": RKEY,
        "did_document": did_document_for(DID, key),
        **kwargs,
    }
    with pytest.raises(AtprotoError, match=message):
        verify_record_car(**arguments)


@pytest.mark.parametrize("seed", range(6))
def test_every_record_of_a_random_repository_verifies(seed: int) -> None:
    rng = random.Random(seed)
    curve = ec.SECP256K1() if seed % 2 else ec.SECP256R1()
    key = fixed_key(curve, seed)
    did = f"did:plc:{''.join(rng.choices('abcdefghijklmnopqrstuvwxyz234567', k=24))}"
    collections = [POST, "app.bsky.feed.like", "app.bsky.graph.follow", "app.bsky.feed.repost"]
    alphabet = "234567abcdefghijklmnopqrstuvwxyz"
    count = 1 if seed == 0 else rng.randint(2, 200)
    records = {
        f"{rng.choice(collections)}/3{''.join(rng.choices(alphabet, k=12))}": {
            "$type": "app.bsky.feed.post",
            "text": f"post {n}",
            "n": n,
        }
        for n in range(count)
    }
    repo = build_repo(records, did, key)
    document = did_document_for(did, key)
    depths = set()
    for path, record in records.items():
        collection, rkey = path.split("/")
        car = repo.record_car(collection, rkey)
        result = verify_record_car(
            car, did=did, collection=collection, rkey=rkey, did_document=document
        )
        assert result.verified, result.reason
        assert result.record == record
        assert result.commit_cid == repo.commit_cid
        depths.add(len(blocks_of(car)[1]) - 2)
    if count > 100:
        assert max(depths) > 1


def test_the_proof_path_is_exactly_the_lookup_path() -> None:
    key = fixed_key(ec.SECP256K1(), 5)
    repo = build_repo({**OTHERS, f"{POST}/{RKEY}": RECORD}, DID, key)
    root, blocks = blocks_of(repo.record_car(POST, RKEY))
    table = dict(blocks)
    data = decode(table[root])["data"]
    assert [cid for cid, _ in blocks[1:-1]] == list(
        lookup(data, f"{POST}/{RKEY}".encode(), table).path
    )
