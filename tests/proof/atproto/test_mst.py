"""The MST against the interop vectors, and its lookups against broken trees."""

from __future__ import annotations

import bisect
import random
from collections.abc import Iterator
from typing import Any

import pytest

from proof.atproto._ipld import CID, cid_for, cid_from_string, encode
from proof.atproto._mst import (
    MstError,
    build_tree,
    common_prefix_length,
    key_height,
    lookup,
)
from tests.proof.atproto.conftest import load

KEY_HEIGHTS: list[dict[str, Any]] = load("mst/key_heights.json")
COMMON_PREFIX: list[dict[str, Any]] = load("mst/common_prefix.json")
COMMIT_PROOFS: list[dict[str, Any]] = load("firehose/commit-proof-fixtures.json")
LEAF = cid_for(b"\xa0")  # any record CID will do as a value


@pytest.mark.parametrize("case", KEY_HEIGHTS, ids=lambda c: c["key"] or "empty")
def test_key_heights(case: dict[str, Any]) -> None:
    assert key_height(case["key"].encode()) == case["height"]


@pytest.mark.parametrize("case", COMMON_PREFIX, ids=lambda c: f"{c['left']!r}-{c['right']!r}")
def test_common_prefix(case: dict[str, Any]) -> None:
    assert common_prefix_length(case["left"].encode(), case["right"].encode()) == case["len"]


def _trees(
    case: dict[str, Any],
) -> tuple[CID, dict[CID, bytes], CID, dict[CID, bytes], list[bytes]]:
    value = cid_from_string(case["leafValue"])
    before = {key.encode(): value for key in case["keys"]}
    after = dict(before)
    for key in case["adds"]:
        after[key.encode()] = value
    for key in case["dels"]:
        del after[key.encode()]
    root_before, blocks_before = build_tree(before)
    root_after, blocks_after = build_tree(after)
    return root_before, blocks_before, root_after, blocks_after, sorted(after)


@pytest.mark.parametrize("case", COMMIT_PROOFS, ids=lambda c: c["comment"])
def test_commit_proof_roots(case: dict[str, Any]) -> None:
    root_before, _, root_after, _, _ = _trees(case)
    assert root_before.encode() == case["rootBeforeCommit"]
    assert root_after.encode() == case["rootAfterCommit"]


@pytest.mark.parametrize("case", COMMIT_PROOFS, ids=lambda c: c["comment"])
def test_commit_proof_blocks_are_the_paths_to_each_change_and_its_neighbours(
    case: dict[str, Any],
) -> None:
    _, _, root, blocks, keys = _trees(case)
    covering: set[CID] = set()
    for text in case["adds"] + case["dels"]:
        key = text.encode()
        covering.update(lookup(root, key, blocks).path)
        below = bisect.bisect_left(keys, key)
        if below > 0:
            covering.update(lookup(root, keys[below - 1], blocks).path)
        above = bisect.bisect_right(keys, key)
        if above < len(keys):
            covering.update(lookup(root, keys[above], blocks).path)
    assert {cid.encode() for cid in covering} == set(case["blocksInProof"])


@pytest.mark.parametrize("case", COMMIT_PROOFS, ids=lambda c: c["comment"])
def test_commit_proof_blocks_alone_prove_adds_present_and_deletions_absent(
    case: dict[str, Any],
) -> None:
    _, _, root, blocks, _ = _trees(case)
    proof = {cid_from_string(text) for text in case["blocksInProof"]}
    only_proof = {cid: data for cid, data in blocks.items() if cid in proof}
    leaf = cid_from_string(case["leafValue"])
    for key in case["adds"]:
        assert lookup(root, key.encode(), only_proof).value == leaf
    for key in case["dels"]:
        assert lookup(root, key.encode(), only_proof).value is None


def _random_keys(rng: random.Random, count: int) -> list[bytes]:
    collections = ["app.bsky.feed.post", "app.bsky.feed.like", "app.bsky.graph.follow"]
    alphabet = "234567abcdefghijklmnopqrstuvwxyz"
    return [
        f"{rng.choice(collections)}/3{''.join(rng.choices(alphabet, k=12))}".encode()
        for _ in range(count)
    ]


@pytest.mark.parametrize("seed", range(8))
def test_every_key_is_found_and_others_proven_absent(seed: int) -> None:
    rng = random.Random(seed)
    keys = _random_keys(rng, rng.randint(0, 300))
    items = {key: cid_for(key) for key in keys}
    root, blocks = build_tree(items)
    for key, value in items.items():
        found = lookup(root, key, blocks)
        assert found.value == value
        assert set(found.path) <= set(blocks)
    for key in _random_keys(rng, 50):
        if key not in items:
            assert lookup(root, key, blocks).value is None


def test_empty_tree() -> None:
    root, blocks = build_tree({})
    assert root.encode() == "bafyreie5737gdxlw5i64vzichcalba3z2v5n6icifvx5xytvske7mr3hpm"
    assert lookup(root, b"app.bsky.feed.post/x", blocks).value is None


# Hand-made broken trees. Keys are found by height so each case breaks exactly one rule.


def _keys_of_height(height: int) -> Iterator[bytes]:
    n = 0
    while True:
        key = f"com.example.record/k{n:05d}".encode()
        if key_height(key) == height:
            yield key
        n += 1


def _node(left: CID | None, entries: list[tuple[bytes, CID | None]]) -> dict[str, Any]:
    encoded, previous = [], b""
    for key, right in entries:
        p = common_prefix_length(previous, key)
        encoded.append({"p": p, "k": key[p:], "v": LEAF, "t": right})
        previous = key
    return {"l": left, "e": encoded}


def _store(blocks: dict[CID, bytes], node: object) -> CID:
    data = encode(node)
    cid = cid_for(data)
    blocks[cid] = data
    return cid


def _broken(case: str) -> tuple[CID, bytes, dict[CID, bytes]]:
    """A tree broken as ``case`` says, and the key to look up in it."""
    low = sorted(k for k, _ in zip(_keys_of_height(0), range(4), strict=False))
    high = sorted(k for k, _ in zip(_keys_of_height(1), range(2), strict=False))
    blocks: dict[CID, bytes] = {}
    leafy = _store(blocks, _node(None, [(low[0], None)]))
    if case == "out of order":
        root = _store(blocks, _node(None, [(low[1], None), (low[0], None)]))
        return root, low[0], blocks
    if case == "mixed layers":
        later = next(k for k in _keys_of_height(0) if k > high[0])
        root = _store(blocks, _node(None, [(high[0], None), (later, None)]))
        return root, later, blocks
    if case == "prefix not maximal":
        node = _node(None, [(low[0], None), (low[1], None)])
        node["e"][1].update(p=0, k=low[1])
        return _store(blocks, node), low[1], blocks
    if case == "root without entries":
        return _store(blocks, _node(leafy, [])), low[0], blocks
    if case == "layer 0 with subtree":
        root = _store(blocks, _node(leafy, [(low[1], None)]))
        return root, low[0], blocks
    if case == "outside parent range":
        # a subtree right of high[1] holding a key smaller than high[1]
        smaller = next(k for k in _keys_of_height(0) if k < high[1])
        wrong = _store(blocks, _node(None, [(smaller, None)]))
        root = _store(blocks, _node(None, [(high[1], wrong)]))
        return root, high[1] + b"~", blocks
    if case == "missing":
        root = _store(blocks, _node(leafy, [(high[0], None)]))
        del blocks[leafy]
        return root, low[0], blocks
    if case == "extra field":
        node = _node(None, [(low[0], None)])
        node["x"] = 1
        return _store(blocks, node), low[0], blocks
    if case == "not cbor":
        data = b"\xa1"
        blocks[cid_for(data)] = data
        return cid_for(data), low[0], blocks
    raise AssertionError(case)


@pytest.mark.parametrize(
    ("case", "message"),
    [
        ("out of order", "is out of order"),
        ("mixed layers", "has height 0 but sits at layer 1"),
        ("prefix not maximal", "not the shared prefix's length"),
        ("root without entries", "is a root with no entries but a subtree"),
        ("layer 0 with subtree", "is at layer 0 but links a subtree"),
        ("outside parent range", "outside its parent's range"),
        ("missing", "(depth 1) is missing"),
        ("extra field", "not an MST node"),
        ("not cbor", "not valid DAG-CBOR"),
    ],
)
def test_broken_trees_are_refused(case: str, message: str) -> None:
    root, key, blocks = _broken(case)
    with pytest.raises(MstError, match=message.replace("(", r"\(").replace(")", r"\)")):
        lookup(root, key, blocks)
