"""Signed repositories built from records: getRecord-style CARs for tests and fake servers."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from cryptography.hazmat.primitives.asymmetric import ec

from proof.atproto._car import write_car
from proof.atproto._datamodel import record_from_json
from proof.atproto._errors import AtprotoError
from proof.atproto._ipld import CID, cid_for, encode
from proof.atproto._keys import public_key_of, sign
from proof.atproto._mst import build_tree, lookup
from proof.atproto._syntax import check_did, record_path, split_record_path, tid


class SignedRepo:
    """A repository at one signed commit: every record, the canonical MST, the commit.

    Signatures are deterministic (RFC 6979), so the same records, DID, key and rev always give
    the same bytes.
    """

    def __init__(
        self,
        records: Mapping[str, Mapping[str, Any]],
        did: str,
        private_key: ec.EllipticCurvePrivateKey,
        *,
        rev: str | None = None,
    ) -> None:
        check_did(did)
        public_key_of(private_key)  # refuses curves atproto does not use
        self._records: dict[str, tuple[CID, bytes]] = {}
        for path, record in records.items():
            split_record_path(path)
            data = encode(record_from_json(record))
            self._records[path] = (cid_for(data), data)
        items = {path.encode(): cid for path, (cid, _) in self._records.items()}
        self._root, self._nodes = build_tree(items)
        self.did = did
        self.rev = tid() if rev is None else rev
        unsigned = {"did": did, "version": 3, "data": self._root, "rev": self.rev, "prev": None}
        commit = encode({**unsigned, "sig": sign(private_key, encode(unsigned))})
        self._commit = (cid_for(commit), commit)

    @property
    def commit_cid(self) -> str:
        return self._commit[0].encode()

    @property
    def data_cid(self) -> str:
        """The root of the record tree, which the commit signs."""
        return self._root.encode()

    @property
    def paths(self) -> list[str]:
        """Every record's ``collection/rkey``, sorted."""
        return sorted(self._records)

    def record_cid(self, collection: str, rkey: str) -> str:
        return self._record(collection, rkey)[0].encode()

    def record_car(self, collection: str, rkey: str) -> bytes:
        """The CAR ``com.atproto.sync.getRecord`` returns: commit, MST path, record."""
        cid, data = self._record(collection, rkey)
        path = lookup(self._root, f"{collection}/{rkey}".encode(), self._nodes).path
        blocks = [self._commit, *((node, self._nodes[node]) for node in path), (cid, data)]
        return write_car(self._commit[0], blocks)

    def _record(self, collection: str, rkey: str) -> tuple[CID, bytes]:
        path = record_path(collection, rkey)
        if path not in self._records:
            raise AtprotoError(f"the repository of {self.did} has no record at {path}")
        return self._records[path]


def build_repo(
    records: Mapping[str, Mapping[str, Any]],
    did: str,
    private_key: ec.EllipticCurvePrivateKey,
    *,
    rev: str | None = None,
) -> SignedRepo:
    """Sign a repository holding ``records`` (keyed ``collection/rkey``, in atproto JSON form).

    ``private_key`` is a K-256 (secp256k1) or P-256 (secp256r1) key; ``rev`` defaults to a TID
    of the current time.
    """
    return SignedRepo(records, did, private_key, rev=rev)


def build_record_car(
    record: Mapping[str, Any],
    did: str,
    collection: str,
    rkey: str,
    private_key: ec.EllipticCurvePrivateKey,
    *,
    other_records: Mapping[str, Mapping[str, Any]] | None = None,
    rev: str | None = None,
) -> bytes:
    """The getRecord CAR of ``record`` in a repository that also holds ``other_records``.

    ``other_records`` are keyed ``collection/rkey``; add some to give the MST path some depth.
    """
    path = record_path(collection, rkey)
    others = dict(other_records or {})
    if path in others:
        raise AtprotoError(f"other_records repeats the record's own key {path}")
    repo = SignedRepo({path: record, **others}, did, private_key, rev=rev)
    return repo.record_car(collection, rkey)
