from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import load_pem_public_key

from archiver.errors import PostproofError
from proof._keys import load_or_create_key
from proof._note import NoteSigner, NoteVerifier, sign_note, verify_note

NAME = "postproof.example/install"


@pytest.fixture
def key_path(tmp_path: Path) -> Path:
    return tmp_path / "keys" / "signing.key"


def test_creates_a_0600_key_on_first_use(key_path: Path) -> None:
    key = load_or_create_key(key_path, name=NAME)
    assert stat.S_IMODE(key_path.stat().st_mode) == 0o600
    content = key_path.read_text()
    assert content.startswith(f"PRIVATE+KEY+{NAME}+") and content.endswith("\n")
    assert key.verifier.startswith(f"{NAME}+")
    assert str(NoteSigner.from_string(content.strip()).verifier()) == key.verifier
    assert [p.name for p in key_path.parent.iterdir()] == ["signing.key"]  # no temp file left


def test_reuses_the_existing_key(key_path: Path) -> None:
    first = load_or_create_key(key_path, name=NAME)
    second = load_or_create_key(key_path, name=NAME)
    assert first.verifier == second.verifier
    assert first.sign(b"x") == second.sign(b"x")


def test_mode_is_0600_even_with_a_permissive_umask(key_path: Path) -> None:
    old = os.umask(0)
    try:
        load_or_create_key(key_path, name=NAME)
    finally:
        os.umask(old)
    assert stat.S_IMODE(key_path.stat().st_mode) == 0o600


@pytest.mark.parametrize("mode", [0o640, 0o604, 0o660, 0o644])
def test_refuses_a_key_readable_by_others(key_path: Path, mode: int) -> None:
    load_or_create_key(key_path, name=NAME)
    key_path.chmod(mode)
    with pytest.raises(PostproofError, match="accessible by group or others") as info:
        load_or_create_key(key_path, name=NAME)
    assert info.value.hint == f"Run: chmod 600 {key_path}"


def test_refuses_a_key_with_another_name(key_path: Path) -> None:
    load_or_create_key(key_path, name=NAME)
    with pytest.raises(PostproofError, match=r"expected 'other\.example'"):
        load_or_create_key(key_path, name="other.example")


def test_refuses_a_corrupt_key_file(key_path: Path) -> None:
    key_path.parent.mkdir()
    fd = os.open(key_path, os.O_WRONLY | os.O_CREAT, 0o600)
    os.write(fd, b"not a key\n")
    os.close(fd)
    with pytest.raises(PostproofError, match="not a note signer key"):
        load_or_create_key(key_path, name=NAME)


def test_signatures_verify_with_the_public_key_only(key_path: Path) -> None:
    key = load_or_create_key(key_path, name=NAME)
    public = load_pem_public_key(key.public_key_pem().encode())
    assert isinstance(public, Ed25519PublicKey)
    signature = key.sign(b"captured bytes")
    public.verify(signature, b"captured bytes")
    with pytest.raises(InvalidSignature):
        public.verify(signature, b"captured bytez")
    # The exported verifier string alone verifies notes signed with the installation key.
    note = sign_note("postproof.example/install\n0\n" + "A" * 43 + "=\n", [key.note_signer()])
    verified = verify_note(note, [NoteVerifier.from_string(key.verifier)])
    assert verified.verified_names == (NAME,)
    assert NoteVerifier.from_string(key.verifier).public_key == public.public_bytes_raw()


def test_repr_does_not_leak_the_private_key(key_path: Path) -> None:
    key = load_or_create_key(key_path, name=NAME)
    secret = key_path.read_text().strip().split("+", 4)[4]  # base64 may hold "+"
    assert secret not in repr(key)
