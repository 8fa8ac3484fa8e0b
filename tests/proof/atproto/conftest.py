"""Shared keys, identities and CAR surgery for the atproto tests."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric import ec

from proof.atproto._car import read_car, write_car
from proof.atproto._ipld import CID, cid_for, decode, encode
from proof.atproto._keys import sign

DATA = Path(__file__).parent / "data"
DID = "did:plc:ewvi7nxzyoun6zhxrhs64oiz"
POST = "app.bsky.feed.post"


def load(name: str) -> Any:
    return json.loads((DATA / name).read_text(encoding="utf-8"))


def fixed_key(curve: ec.EllipticCurve, seed: int) -> ec.EllipticCurvePrivateKey:
    """A deterministic key: tests and their CARs are the same on every run."""
    return ec.derive_private_key(0x5EED_0000 + seed, curve)


@pytest.fixture(params=["K-256", "P-256"])
def private_key(request: pytest.FixtureRequest) -> ec.EllipticCurvePrivateKey:
    curve: ec.EllipticCurve = ec.SECP256K1() if request.param == "K-256" else ec.SECP256R1()
    return fixed_key(curve, 1)


def post(text: str, created: str = "2024-05-01T12:00:00.000Z") -> dict[str, Any]:
    return {"$type": POST, "text": text, "createdAt": created, "langs": ["en"]}


def blocks_of(car: bytes) -> tuple[CID, list[tuple[CID, bytes]]]:
    parsed = read_car(car)
    return parsed.root, list(parsed.blocks)


def replace_commit(
    car: bytes, change: Any, *, resign_with: ec.EllipticCurvePrivateKey | None = None
) -> bytes:
    """The CAR with its commit changed by ``change(commit_dict)``, optionally re-signed."""
    root, blocks = blocks_of(car)
    commit_bytes = dict(blocks)[root]
    commit = decode(commit_bytes)
    change(commit)
    if resign_with is not None:
        unsigned = {k: v for k, v in commit.items() if k != "sig"}
        commit["sig"] = sign(resign_with, encode(unsigned))
    new_bytes = encode(commit)
    new_root = cid_for(new_bytes)
    rest = [(cid, data) for cid, data in blocks if cid != root]
    return write_car(new_root, [(new_root, new_bytes), *rest])
