"""Append-only Merkle tree with RFC 9162 (Certificate Transparency v2) hashing.

The archive publishes the root of a tree over its records' leaf hashes; a third party who holds
an old root and a new root can check, offline, that the new tree only *extends* the old one
(consistency proof) and that a given record is in it (inclusion proof). Hashing follows RFC 9162
§2.1 exactly, so the published vectors of Certificate Transparency, transparency-dev, tessera
and Rekor verify here unchanged.

Generating a proof from impossible arguments is a caller bug and raises ``ValueError``.
Verifying never raises: every malformed input (wrong hash length, sizes out of order, a proof
of the wrong length) is simply "not proven" and returns ``False``, because a verifier is fed
data an adversary may have crafted.

Policy for the empty tree (size 0): we follow the RFC, not transparency-dev. RFC 9162 defines
MTH({}) = SHA-256("") and leaves consistency proofs from size 0 undefined, since every tree
trivially extends the empty one; transparency-dev's verifier rejects any proof from size 0 as a
policy ("useless"). Here ``verify_consistency(0, n, EMPTY_ROOT, new_root, [])`` is ``True`` for
any well-formed ``new_root``, and ``False`` if the old root is not ``EMPTY_ROOT`` or the proof is
not empty — an old checkpoint of size 0 carries no information, so accepting it cannot hide a
rewrite, while rejecting it would make a log's very first checkpoint unverifiable.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

HASH_SIZE = 32
EMPTY_ROOT = hashlib.sha256(b"").digest()

_LEAF_PREFIX = b"\x00"
_NODE_PREFIX = b"\x01"

# Complete (power-of-two) subtrees never change once their leaves exist, so an append-only
# log may cache their hashes forever, keyed by (first leaf index, number of leaves).
_SubtreeCache = dict[tuple[int, int], bytes]


def leaf_hash(data: bytes) -> bytes:
    """SHA-256(0x00 || data): the domain prefix keeps a leaf from passing for an inner node."""
    return hashlib.sha256(_LEAF_PREFIX + data).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    """SHA-256(0x01 || left || right)."""
    return hashlib.sha256(_NODE_PREFIX + left + right).digest()


def root(leaf_hashes: Sequence[bytes]) -> bytes:
    """MTH(D[n]) of RFC 9162 §2.1.1 over already-hashed leaves; ``EMPTY_ROOT`` for none."""
    return _root(leaf_hashes, len(leaf_hashes), None)


def inclusion_proof(leaf_hashes: Sequence[bytes], index: int) -> list[bytes]:
    """PATH(index, D[n]) of RFC 9162 §2.1.3.1 for the tree over all of ``leaf_hashes``."""
    return _inclusion_proof(leaf_hashes, index, len(leaf_hashes), None)


def consistency_proof(leaf_hashes: Sequence[bytes], old_size: int, new_size: int) -> list[bytes]:
    """PROOF(old_size, D[new_size]) of RFC 9162 §2.1.4.1 over the first ``new_size`` leaves.

    Empty when ``old_size`` is 0 or equals ``new_size``: nothing needs proving then.
    """
    return _consistency_proof(leaf_hashes, old_size, new_size, None)


def verify_inclusion(
    leaf_hash: bytes, index: int, size: int, proof: Sequence[bytes], root: bytes
) -> bool:
    """RFC 9162 §2.1.3.2: does ``proof`` place ``leaf_hash`` at ``index`` of the tree ``root``?"""
    if not (_is_hash(leaf_hash) and _is_hash(root) and all(_is_hash(p) for p in proof)):
        return False
    if not (_is_size(index) and _is_size(size)) or index >= size:
        return False
    fn, sn = index, size - 1
    r = leaf_hash
    for p in proof:
        if sn == 0:
            return False  # proof longer than the path to the root
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            # On the right edge of an unbalanced tree a node has no right sibling; skip the
            # levels where it is promoted unchanged.
            while not fn & 1 and fn != 0:
                fn >>= 1
                sn >>= 1
        else:
            r = node_hash(r, p)
        fn >>= 1
        sn >>= 1
    return sn == 0 and r == root


def verify_consistency(
    old_size: int, new_size: int, old_root: bytes, new_root: bytes, proof: Sequence[bytes]
) -> bool:
    """RFC 9162 §2.1.4.2: is the tree ``new_root`` an append-only extension of ``old_root``?

    Size 0 follows the RFC (see the module docstring): the empty tree is consistent with every
    tree, given an empty proof and ``old_root == EMPTY_ROOT``.
    """
    if not _consistency_arguments_valid(old_size, new_size, old_root, new_root, proof):
        return False
    if old_size == new_size:
        return not proof and old_root == new_root
    if old_size == 0:
        return not proof and old_root == EMPTY_ROOT
    if not proof:
        return False
    path = list(proof)
    if old_size & (old_size - 1) == 0:
        # The old tree is a complete subtree of the new one, so the proof omits its root.
        path.insert(0, old_root)
    return _consistency_roots(path, old_size, new_size) == (old_root, new_root)


def _consistency_arguments_valid(
    old_size: int, new_size: int, old_root: bytes, new_root: bytes, proof: Sequence[bytes]
) -> bool:
    if not (_is_hash(old_root) and _is_hash(new_root) and all(_is_hash(p) for p in proof)):
        return False
    return _is_size(old_size) and _is_size(new_size) and old_size <= new_size


def _consistency_roots(
    path: Sequence[bytes], old_size: int, new_size: int
) -> tuple[bytes, bytes] | None:
    """The old and the new root that the consistency ``path`` (its first node the old tree's
    start, 0 < old_size < new_size) leads to, steps 4 to 7 of RFC 9162 §2.1.4.2; None when the
    path is longer or shorter than the sizes need."""
    fn, sn = old_size - 1, new_size - 1
    while fn & 1:
        fn >>= 1
        sn >>= 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            return None
        if fn & 1 or fn == sn:
            fr = node_hash(c, fr)
            sr = node_hash(c, sr)
            while not fn & 1 and fn != 0:
                fn >>= 1
                sn >>= 1
        else:
            sr = node_hash(sr, c)
        fn >>= 1
        sn >>= 1
    return (fr, sr) if sn == 0 else None


class MerkleLog:
    """An in-memory append-only log of leaf hashes with cached complete-subtree hashes.

    Only power-of-two subtrees are cached: they are immutable under appends, and any range
    the RFC algorithms ask for splits into O(log n) of them, so a root costs O(log n) hashes
    and a proof O(log² n) once the cache is warm, instead of O(n) each.
    """

    def __init__(self, leaf_hashes: Sequence[bytes] = ()) -> None:
        self._leaves: list[bytes] = []
        self._cache: _SubtreeCache = {}
        for h in leaf_hashes:
            self.append(h)

    def __len__(self) -> int:
        return len(self._leaves)

    @property
    def leaf_hashes(self) -> Sequence[bytes]:
        return tuple(self._leaves)

    def append(self, leaf_hash: bytes) -> int:
        """Add an already-hashed leaf; returns its index."""
        if not _is_hash(leaf_hash):
            raise ValueError(f"a leaf hash is {HASH_SIZE} bytes, got {len(leaf_hash)}")
        self._leaves.append(bytes(leaf_hash))
        return len(self._leaves) - 1

    def append_data(self, data: bytes) -> int:
        """Hash ``data`` as a leaf (``leaf_hash``) and append it; returns its index."""
        return self.append(leaf_hash(data))

    def root(self, size: int | None = None) -> bytes:
        """Root of the tree over the first ``size`` leaves (default: all)."""
        return _root(self._leaves, self._size(size), self._cache)

    def inclusion_proof(self, index: int, size: int | None = None) -> list[bytes]:
        return _inclusion_proof(self._leaves, index, self._size(size), self._cache)

    def consistency_proof(self, old_size: int, new_size: int | None = None) -> list[bytes]:
        return _consistency_proof(self._leaves, old_size, self._size(new_size), self._cache)

    def _size(self, size: int | None) -> int:
        if size is None:
            return len(self._leaves)
        if not 0 <= size <= len(self._leaves):
            raise ValueError(f"size {size} is outside this log of {len(self._leaves)} leaves")
        return size


def _is_hash(value: object) -> bool:
    return isinstance(value, bytes) and len(value) == HASH_SIZE


def _is_size(value: object) -> bool:
    # bool is an int subclass; True as a tree size is a caller mix-up, not a size.
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


def _split(n: int) -> int:
    """Largest power of two strictly smaller than ``n`` (n >= 2): RFC 9162's k."""
    return 1 << ((n - 1).bit_length() - 1)


def _subtree(leaves: Sequence[bytes], start: int, end: int, cache: _SubtreeCache | None) -> bytes:
    n = end - start
    if n == 1:
        return leaves[start]
    complete = n & (n - 1) == 0
    if complete and cache is not None:
        cached = cache.get((start, n))
        if cached is not None:
            return cached
    k = _split(n)
    h = node_hash(
        _subtree(leaves, start, start + k, cache), _subtree(leaves, start + k, end, cache)
    )
    if complete and cache is not None:
        cache[(start, n)] = h
    return h


def _root(leaves: Sequence[bytes], size: int, cache: _SubtreeCache | None) -> bytes:
    return EMPTY_ROOT if size == 0 else _subtree(leaves, 0, size, cache)


def _inclusion_proof(
    leaves: Sequence[bytes], index: int, size: int, cache: _SubtreeCache | None
) -> list[bytes]:
    _check_size(size, len(leaves))
    if not 0 <= index < size:
        raise ValueError(f"leaf index {index} is not in a tree of {size} leaves")
    # Walk from the root down to the leaf, collecting the sibling at each level; the RFC's
    # recursive PATH lists them leaf-first, hence the reversal.
    siblings: list[bytes] = []
    start, end = 0, size
    while end - start > 1:
        k = _split(end - start)
        if index < start + k:
            siblings.append(_subtree(leaves, start + k, end, cache))
            end = start + k
        else:
            siblings.append(_subtree(leaves, start, start + k, cache))
            start += k
    siblings.reverse()
    return siblings


def _consistency_proof(
    leaves: Sequence[bytes], old_size: int, new_size: int, cache: _SubtreeCache | None
) -> list[bytes]:
    _check_size(new_size, len(leaves))
    if not 0 <= old_size <= new_size:
        raise ValueError(f"old size {old_size} must be between 0 and the new size {new_size}")
    if old_size in (0, new_size):
        return []
    # Iterative SUBPROOF(m, D[start:end], b) of RFC 9162 §2.1.4.1; m counts old leaves within
    # the current range, and b stays true while the range still starts the old tree's path.
    nodes: list[bytes] = []
    m, start, end, whole_old_tree = old_size, 0, new_size, True
    while m != end - start:
        k = _split(end - start)
        if m <= k:
            nodes.append(_subtree(leaves, start + k, end, cache))
            end = start + k
        else:
            nodes.append(_subtree(leaves, start, start + k, cache))
            start += k
            m -= k
            whole_old_tree = False
    if not whole_old_tree:
        nodes.append(_subtree(leaves, start, end, cache))
    nodes.reverse()
    return nodes


def _check_size(size: int, available: int) -> None:
    if not 0 <= size <= available:
        raise ValueError(f"tree size {size} needs between 0 and {available} leaves")
