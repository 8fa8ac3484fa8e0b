from __future__ import annotations

import pytest
from cryptography.hazmat.primitives.asymmetric import ec

from proof.atproto import AtprotoError, build_record_car, build_repo
from proof.atproto._car import read_car
from proof.atproto._ipld import cid_for, decode
from proof.atproto._mst import lookup
from proof.atproto._syntax import tid
from tests.proof.atproto.conftest import DID, POST, fixed_key, post

KEY = fixed_key(ec.SECP256K1(), 7)
OTHERS = {f"{POST}/3kother{n:07d}": post(f"other {n}") for n in range(60)}


def test_record_car_is_commit_then_path_then_record() -> None:
    repo = build_repo({f"{POST}/3kpost": post("hello"), **OTHERS}, DID, KEY, rev="3kabcdefghij2")
    car = read_car(repo.record_car(POST, "3kpost"))
    cids = [cid for cid, _ in car.blocks]
    assert car.root == cids[0] and cids[0].encode() == repo.commit_cid
    commit = decode(car.blocks[0][1])
    assert commit["did"] == DID and commit["rev"] == "3kabcdefghij2" and commit["version"] == 3
    assert commit["prev"] is None and commit["data"].encode() == repo.data_cid
    blocks = dict(car.blocks)
    path = lookup(commit["data"], f"{POST}/3kpost".encode(), blocks).path
    assert cids[1:-1] == list(path) and len(path) > 1
    assert cids[-1].encode() == repo.record_cid(POST, "3kpost")
    assert all(cid_for(data) == cid for cid, data in car.blocks)


def test_builds_are_deterministic() -> None:
    first = build_record_car(post("x"), DID, POST, "3kpost", KEY, other_records=OTHERS, rev="3k2")
    again = build_record_car(post("x"), DID, POST, "3kpost", KEY, other_records=OTHERS, rev="3k2")
    assert first == again


def test_rev_defaults_to_a_tid_of_now() -> None:
    repo = build_repo({f"{POST}/a": post("x")}, DID, KEY)
    assert len(repo.rev) == 13 and repo.rev[0] in "234567abcdefghij"
    assert tid(0) == "2222222222222"
    assert tid(1_700_000_000_000_000, 5) < tid(1_700_000_000_000_001, 0)


def test_paths_lists_every_record() -> None:
    repo = build_repo({f"{POST}/b": post("b"), f"{POST}/a": post("a")}, DID, KEY)
    assert repo.paths == [f"{POST}/a", f"{POST}/b"]


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: build_record_car(post("x"), "plc:abc", POST, "a", KEY), "is not a DID"),
        (lambda: build_record_car(post("x"), DID, "post", "a", KEY), "not a collection NSID"),
        (lambda: build_record_car(post("x"), DID, POST, "..", KEY), "not a record key"),
        (lambda: build_record_car({"n": 1.5}, DID, POST, "a", KEY), "1.5 is a float"),
        (
            lambda: build_record_car(
                post("x"), DID, POST, "a", KEY, other_records={f"{POST}/a": {}}
            ),
            "repeats the record's own key",
        ),
        (lambda: build_repo({"nocollection": post("x")}, DID, KEY), "not a repository key"),
        (lambda: build_repo({}, DID, KEY).record_car(POST, "a"), "has no record at"),
        (
            lambda: build_repo({}, DID, ec.generate_private_key(ec.SECP384R1())),
            "secp384r1 keys are not used by atproto",
        ),
    ],
)
def test_bad_inputs_raise(call: object, message: str) -> None:
    assert callable(call)
    with pytest.raises(AtprotoError, match=message):
        call()
