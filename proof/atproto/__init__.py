"""Offline proof that a Bluesky (AT Protocol) record was published by its author.

A ``com.atproto.sync.getRecord`` response is a CARv1 file holding the author's signed repository
commit, the Merkle Search Tree nodes from the commit's root down to the record, and the record.
:func:`verify_record_car` checks it against the author's DID document without any network:

1. every block's bytes hash to its CID (CIDv1, dag-cbor, sha2-256);
2. the commit is a version 3 commit for the expected DID, and its low-S K-256 or P-256 signature
   over the commit without ``sig`` verifies against the DID document's ``#atproto`` key;
3. the MST under the commit maps ``collection/rkey`` to a CID, and the record block with that
   CID is in the CAR.

Malformed input and failed proofs are kept apart on purpose:

    AtprotoError (a PostproofError)   the inputs cannot be read: not a CARv1 file (truncated,
                                      bad header, not exactly one root), a DID document without
                                      a usable #atproto key, a malformed DID, collection or rkey
    RecordVerification(verified=False, reason=…)
                                      the CAR reads but does not prove the record: a block that
                                      does not match its CID, a missing or malformed block, a
                                      commit for another DID, a bad or high-S signature, a key
                                      absent from the tree, a record that is not the tree's

So tampering with any block's bytes is always a finding with a reason, never an exception.

:func:`build_record_car` and :func:`build_repo` make real signed repositories and their
getRecord CARs, for tests and for fake servers; :func:`did_key_for` and :func:`did_document_for`
describe the signing key.
"""

from proof.atproto._build import SignedRepo, build_record_car, build_repo
from proof.atproto._errors import AtprotoError
from proof.atproto._keys import did_document_for, did_key_for
from proof.atproto._verify import RecordVerification, verify_record_car

__all__ = [
    "AtprotoError",
    "RecordVerification",
    "SignedRepo",
    "build_record_car",
    "build_repo",
    "did_document_for",
    "did_key_for",
    "verify_record_car",
]
