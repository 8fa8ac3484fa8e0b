"""The atproto Merkle Search Tree: key heights, canonical trees, and proofs for one key.

A key's height is the number of leading zero bits of SHA-256(key), counted in 2-bit chunks
(fanout 4). Entries of height h live in a node of layer h; the keys between two of them hang in a
subtree one layer down, and a layer is never skipped, so a subtree of keys two layers down sits
under a node with no entries. The shape depends only on the keys, which is what makes a lookup
that finds nothing a proof of absence.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from proof.atproto._ipld import CID, DagCborError, cid_for, decode, encode, is_repo_cid


class MstError(ValueError):
    """A node needed for a lookup is missing or is not a well-formed canonical MST node."""


@dataclass(frozen=True)
class Lookup:
    value: CID | None  # None: the key is proven absent
    path: tuple[CID, ...]  # the nodes visited, root first: the proof


@dataclass(frozen=True)
class _Entry:
    key: bytes
    value: CID
    right: CID | None


def key_height(key: bytes) -> int:
    digest = hashlib.sha256(key).digest()
    zeros = 0
    for byte in digest:
        if byte:
            zeros += 8 - byte.bit_length()
            break
        zeros += 8
    return zeros // 2


def common_prefix_length(a: bytes, b: bytes) -> int:
    n = 0
    for x, y in zip(a, b, strict=False):
        if x != y:
            break
        n += 1
    return n


def build_tree(items: Mapping[bytes, CID]) -> tuple[CID, dict[CID, bytes]]:
    """The canonical tree of ``items``: its root CID and every node block by CID."""
    heights = {key: key_height(key) for key in items}
    ordered = [(key, items[key], heights[key]) for key in sorted(items)]
    blocks: dict[CID, bytes] = {}
    layer = max(heights.values(), default=0)
    return _build_node(ordered, layer, blocks), blocks


def _build_node(items: list[tuple[bytes, CID, int]], layer: int, blocks: dict[CID, bytes]) -> CID:
    left: CID | None = None
    entries: list[_Entry] = []
    below: list[tuple[bytes, CID, int]] = []
    for key, value, height in items:
        if height < layer:
            below.append((key, value, height))
            continue
        subtree = _build_node(below, layer - 1, blocks) if below else None
        if entries:
            entries[-1] = _Entry(entries[-1].key, entries[-1].value, subtree)
        else:
            left = subtree
        entries.append(_Entry(key, value, None))
        below = []
    if below:
        subtree = _build_node(below, layer - 1, blocks)
        if entries:
            entries[-1] = _Entry(entries[-1].key, entries[-1].value, subtree)
        else:
            left = subtree
    data = encode(_node_object(left, entries))
    cid = cid_for(data)
    blocks[cid] = data
    return cid


def _node_object(left: CID | None, entries: list[_Entry]) -> dict[str, Any]:
    encoded: list[dict[str, Any]] = []
    previous = b""
    for entry in entries:
        prefix = common_prefix_length(previous, entry.key)
        encoded.append({"p": prefix, "k": entry.key[prefix:], "v": entry.value, "t": entry.right})
        previous = entry.key
    return {"l": left, "e": encoded}


def lookup(root: CID, key: bytes, blocks: Mapping[CID, bytes]) -> Lookup:
    """Walk from ``root`` towards ``key``, checking every node on the way.

    Each node must be present, well formed and canonical for its place: keys strictly ascending,
    inside the range its parent assigns, and all of the node's layer. MstError says what is not.
    """
    path: list[CID] = []
    node_cid: CID = root
    layer: int | None = None
    low: bytes | None = None  # keys in this node must lie strictly between low and high
    high: bytes | None = None
    while True:
        depth = len(path)
        if node_cid not in blocks:
            raise MstError(f"MST node {node_cid.encode()} (depth {depth}) is missing")
        path.append(node_cid)
        left, entries = _parse_node(node_cid, blocks[node_cid])
        where = f"MST node {node_cid.encode()} (depth {depth})"
        if layer is None:  # the root: its entries set the layer
            if not entries:
                if left is not None:
                    raise MstError(f"{where} is a root with no entries but a subtree")
                return Lookup(None, tuple(path))  # the empty repository
            layer = key_height(entries[0].key)
        elif not entries and left is None:
            raise MstError(f"{where} is empty, which a canonical tree never contains")
        _check_keys(where, entries, layer, low, high)
        subtree, low, high = _descend(left, entries, key, low, high)
        if isinstance(subtree, _Entry):
            return Lookup(subtree.value, tuple(path))
        if subtree is None:
            return Lookup(None, tuple(path))
        if layer == 0:
            raise MstError(f"{where} is at layer 0 but links a subtree")
        node_cid, layer = subtree, layer - 1


def _descend(
    left: CID | None, entries: list[_Entry], key: bytes, low: bytes | None, high: bytes | None
) -> tuple[_Entry | CID | None, bytes | None, bytes | None]:
    """The entry for ``key``, or the subtree where it would be and that subtree's key range."""
    subtree = left
    for entry in entries:
        if entry.key == key:
            return entry, low, high
        if entry.key > key:
            return subtree, low, entry.key
        subtree, low = entry.right, entry.key
    return subtree, low, high


def _check_keys(
    where: str, entries: list[_Entry], layer: int, low: bytes | None, high: bytes | None
) -> None:
    for n, entry in enumerate(entries):
        if n and entry.key <= entries[n - 1].key:
            raise MstError(f"{where}: key {_show(entry.key)} is out of order")
        if (low is not None and entry.key <= low) or (high is not None and entry.key >= high):
            raise MstError(f"{where}: key {_show(entry.key)} is outside its parent's range")
        height = key_height(entry.key)
        if height != layer:
            raise MstError(
                f"{where}: key {_show(entry.key)} has height {height} but sits at layer {layer}"
            )


def _parse_node(cid: CID, data: bytes) -> tuple[CID | None, list[_Entry]]:
    where = f"MST node {cid.encode()}"
    try:
        node = decode(data)
    except DagCborError as exc:
        raise MstError(f"{where} is not valid DAG-CBOR: {exc}") from exc
    if not isinstance(node, dict) or set(node) != {"l", "e"}:
        raise MstError(f"{where} is not an MST node (a map of exactly 'l' and 'e')")
    left = node["l"]
    if left is not None and not is_repo_cid(left):
        raise MstError(f"{where} has a left link that is not a dag-cbor sha-256 CID")
    if not isinstance(node["e"], list):
        raise MstError(f"{where} has entries 'e' that are not a list")
    entries: list[_Entry] = []
    previous = b""
    for n, raw in enumerate(node["e"]):
        entry = _parse_entry(f"{where} entry {n}", raw, previous)
        entries.append(entry)
        previous = entry.key
    return left, entries


def _parse_entry(where: str, raw: object, previous: bytes) -> _Entry:
    if not isinstance(raw, dict) or set(raw) != {"p", "k", "v", "t"}:
        raise MstError(f"{where} is not a map of exactly 'p', 'k', 'v' and 't'")
    prefix, suffix, value, right = raw["p"], raw["k"], raw["v"], raw["t"]
    if not isinstance(prefix, int) or isinstance(prefix, bool) or not 0 <= prefix <= len(previous):
        raise MstError(f"{where} has prefix length {prefix!r}; the previous key is {len(previous)}")
    if not isinstance(suffix, bytes):
        raise MstError(f"{where} has a key suffix that is not bytes")
    if not is_repo_cid(value):
        raise MstError(f"{where} has a value that is not a dag-cbor sha-256 CID")
    if right is not None and not is_repo_cid(right):
        raise MstError(f"{where} has a right link that is not a dag-cbor sha-256 CID")
    key = previous[:prefix] + suffix
    if not key:
        raise MstError(f"{where} has an empty key")
    if common_prefix_length(previous, key) != prefix:
        raise MstError(f"{where} has prefix length {prefix}, not the shared prefix's length")
    return _Entry(key, value, right)


def _show(key: bytes) -> str:
    return repr(key.decode("utf-8", "backslashreplace"))
