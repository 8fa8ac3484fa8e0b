"""Offline verification of one record against its author's signed repository commit."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from proof.atproto._car import Car, read_car
from proof.atproto._ipld import (
    CID,
    DAG_CBOR,
    SHA2_256,
    DagCborError,
    cid_for,
    decode,
    decode_json,
    encode,
    is_repo_cid,
    read_varint,
)
from proof.atproto._keys import PublicKey, load_signing_key, signature_problem
from proof.atproto._mst import MstError, lookup
from proof.atproto._syntax import check_did, record_path


@dataclass(frozen=True)
class RecordVerification:
    """What :func:`verify_record_car` established about one record.

    Only ``verified=True`` vouches for anything. On failure, ``reason`` says which check failed
    and why, and the other fields hold what the CAR claimed as far as it could be read (``None``
    where the check that would have read them failed first).
    """

    verified: bool
    did: str
    collection: str
    rkey: str
    signing_key: str  # the did:key the commit signature was checked against
    commit_cid: str  # the CAR's root
    rev: str | None = None
    record_cid: str | None = None
    record: dict[str, Any] | None = field(default=None, hash=False)  # atproto JSON form
    record_cbor: bytes | None = field(default=None, repr=False)  # the record block, as hashed
    reason: str | None = None

    @property
    def uri(self) -> str:
        return f"at://{self.did}/{self.collection}/{self.rkey}"


class _Failed(Exception):
    """One check failed; the message is the reason reported to the user."""


@dataclass
class _Findings:
    rev: str | None = None
    record_cid: CID | None = None
    record: dict[str, Any] | None = None
    record_cbor: bytes | None = None


@dataclass(frozen=True)
class _Commit:
    did: str
    data: CID
    rev: str
    sig: bytes
    unsigned: bytes  # the DAG-CBOR of the commit without 'sig': what was signed


def verify_record_car(
    car: bytes,
    *,
    did: str,
    collection: str,
    rkey: str,
    did_document: str | bytes | Mapping[str, Any],
) -> RecordVerification:
    """Verify a ``com.atproto.sync.getRecord`` CAR offline.

    ``did_document`` is the author's DID document (JSON text or parsed) or, in its place, the
    ``did:key:z…`` of the account's atproto signing key. The checks, in order: every block
    matches its CID; the root commit is a version 3 commit for ``did``; its signature verifies
    against the signing key; the commit's MST maps ``collection/rkey`` to a CID; that record
    block is in the CAR and is a map.

    Raises AtprotoError when the inputs cannot be read (not a CARv1 file, no usable key in the
    DID document, malformed identifiers). Everything else, tampering included, is a result with
    ``verified=False`` and a ``reason``.
    """
    check_did(did)
    key_path = record_path(collection, rkey)
    key = load_signing_key(did_document, did)
    parsed = read_car(car)
    findings = _Findings()
    reason: str | None = None
    try:
        _check(parsed, did, key_path, key, findings)
    except _Failed as failed:
        reason = str(failed)
    return RecordVerification(
        verified=reason is None,
        did=did,
        collection=collection,
        rkey=rkey,
        signing_key=key.did_key,
        commit_cid=parsed.root.encode(),
        rev=findings.rev,
        record_cid=findings.record_cid.encode() if findings.record_cid else None,
        record=findings.record,
        record_cbor=findings.record_cbor,
        reason=reason,
    )


def _check(car: Car, did: str, path: str, key: PublicKey, findings: _Findings) -> None:
    blocks = _checked_blocks(car)
    commit = _commit(car.root, blocks)
    findings.rev = commit.rev
    if commit.did != did:
        raise _Failed(f"the commit is for {commit.did}, not {did}")
    problem = signature_problem(key, commit.unsigned, commit.sig)
    if problem:
        raise _Failed(f"the commit signature does not verify against {key.did_key}: {problem}")
    try:
        found = lookup(commit.data, path.encode(), blocks)
    except MstError as exc:
        raise _Failed(
            f"cannot look up {path} in the commit's tree (data {commit.data.encode()}): {exc}"
        ) from exc
    if found.value is None:
        raise _Failed(
            f"the commit's tree (data {commit.data.encode()}) has no record at {path}: "
            "the CAR proves the key absent"
        )
    findings.record_cid = found.value
    _record(found.value, path, blocks, {car.root, *found.path}, findings)


def _checked_blocks(car: Car) -> dict[CID, bytes]:
    blocks: dict[CID, bytes] = {}
    for cid, data in car.blocks:
        if not is_repo_cid(cid):
            raise _Failed(f"block {cid.encode()} is not a repository block: {_cid_kind(cid)}")
        actual = cid_for(data)
        if actual != cid:
            raise _Failed(
                f"block {cid.encode()} does not match its CID: its bytes hash to {actual.encode()}"
            )
        blocks[cid] = data
    return blocks


def _cid_kind(cid: CID) -> str:
    raw = cid.cid_bytes
    if raw[:2] == b"\x12\x20":
        return "it is a CIDv0; repositories use CIDv1"
    codec, offset = read_varint(raw, 1)  # the CAR reader checked the structure
    hash_code, _ = read_varint(raw, offset)
    if codec != DAG_CBOR:
        return f"its codec is 0x{codec:x}, not dag-cbor (0x71)"
    if hash_code != SHA2_256:
        return f"its hash is 0x{hash_code:x}, not sha2-256 (0x12)"
    return "its digest is not 32 bytes"


def _commit(root: CID, blocks: Mapping[CID, bytes]) -> _Commit:
    where = f"the commit {root.encode()}"
    if root not in blocks:
        raise _Failed(f"{where} (the CAR's root) is not among the CAR's blocks")
    try:
        commit = decode(blocks[root])
    except DagCborError as exc:
        raise _Failed(f"{where} is not valid DAG-CBOR: {exc}") from exc
    if not isinstance(commit, dict):
        raise _Failed(f"{where} is not a map")
    missing = [
        name for name in ("did", "version", "data", "rev", "prev", "sig") if name not in commit
    ]
    if missing:
        raise _Failed(f"{where} lacks the field(s) {', '.join(missing)}")
    if commit["version"] != 3:
        raise _Failed(f"{where} has version {commit['version']!r}; only version 3 is supported")
    if not isinstance(commit["did"], str) or not isinstance(commit["rev"], str):
        raise _Failed(f"{where} has a 'did' or 'rev' that is not a string")
    if not is_repo_cid(commit["data"]):
        raise _Failed(f"{where} has a 'data' that is not a dag-cbor sha-256 CID")
    if commit["prev"] is not None and not isinstance(commit["prev"], CID):
        raise _Failed(f"{where} has a 'prev' that is neither null nor a CID")
    if not isinstance(commit["sig"], bytes):
        raise _Failed(f"{where} has a 'sig' that is not bytes")
    unsigned = encode({name: value for name, value in commit.items() if name != "sig"})
    return _Commit(commit["did"], commit["data"], commit["rev"], commit["sig"], unsigned)


def _record(
    cid: CID, path: str, blocks: Mapping[CID, bytes], proof: set[CID], findings: _Findings
) -> None:
    if cid not in blocks:
        strays = [other.encode() for other in blocks if other not in proof]
        if strays:
            raise _Failed(
                f"the record's CID {strays[0]} is not under the commit's tree: the tree maps "
                f"{path} to {cid.encode()}, which the CAR does not hold"
            )
        raise _Failed(f"the tree maps {path} to {cid.encode()}, but the CAR does not hold it")
    data = blocks[cid]
    try:
        record = decode_json(data)
    except DagCborError as exc:
        raise _Failed(f"the record {cid.encode()} is not valid DAG-CBOR: {exc}") from exc
    if not isinstance(record, dict):
        raise _Failed(f"the record {cid.encode()} is not a map")
    findings.record, findings.record_cbor = record, data
