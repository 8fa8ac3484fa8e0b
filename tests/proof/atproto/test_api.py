from __future__ import annotations

import proof.atproto
from archiver.errors import PostproofError


def test_public_names_are_pinned() -> None:
    assert proof.atproto.__all__ == [
        "AtprotoError",
        "RecordVerification",
        "SignedRepo",
        "build_record_car",
        "build_repo",
        "did_document_for",
        "did_key_for",
        "verify_record_car",
    ]
    for name in proof.atproto.__all__:
        assert getattr(proof.atproto, name).__module__.startswith("proof.atproto._")


def test_the_one_error_is_a_postproof_error() -> None:
    assert issubclass(proof.atproto.AtprotoError, PostproofError)
