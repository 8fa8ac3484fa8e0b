from __future__ import annotations

import hashlib
import stat
from pathlib import Path

import pytest

from archiver.errors import IntegrityError, UsageError
from storage import BlobStore


@pytest.fixture
def blobs(tmp_path: Path) -> BlobStore:
    return BlobStore(tmp_path / "blobs", run_id="run-1-000000000000")


def test_put_stores_the_bytes_under_their_sha256(blobs: BlobStore) -> None:
    sha = blobs.put(b"evidence")
    assert sha == hashlib.sha256(b"evidence").hexdigest()
    assert blobs.path(sha) == blobs.root / "sha256" / sha[:2] / sha[2:4] / sha
    assert blobs.read(sha) == b"evidence"
    assert blobs.exists(sha)
    assert blobs.hash_file(sha) == sha
    assert list(blobs.iter_shas()) == [sha]
    assert blobs.temp_files() == []


def test_blobs_are_read_only(blobs: BlobStore) -> None:
    sha = blobs.put(b"evidence")
    assert stat.S_IMODE(blobs.path(sha).stat().st_mode) == 0o444


def test_putting_the_same_bytes_again_keeps_the_first_file(blobs: BlobStore) -> None:
    sha = blobs.put(b"evidence")
    before = blobs.path(sha).stat()
    assert blobs.put(b"evidence", sha) == sha
    after = blobs.path(sha).stat()
    assert (after.st_ino, after.st_mtime_ns) == (before.st_ino, before.st_mtime_ns)


def test_a_tampered_blob_is_never_overwritten(blobs: BlobStore) -> None:
    sha = blobs.put(b"evidence")
    path = blobs.path(sha)
    path.chmod(0o644)
    path.write_bytes(b"forgery!")
    with pytest.raises(IntegrityError, match="does not match its name"):
        blobs.put(b"evidence")
    assert path.read_bytes() == b"forgery!"
    assert blobs.temp_files() == []


def test_put_refuses_bytes_that_do_not_match_the_expected_digest(blobs: BlobStore) -> None:
    with pytest.raises(IntegrityError, match="not to the recorded"):
        blobs.put(b"evidence", hashlib.sha256(b"other").hexdigest())
    assert list(blobs.iter_shas()) == []


@pytest.mark.parametrize(
    "bad", ["../../etc/passwd", "A" * 64, "ab" * 31, "g" * 64, "0" * 63 + "/", ""]
)
def test_malformed_digests_are_refused(blobs: BlobStore, bad: str) -> None:
    with pytest.raises(UsageError, match="not a SHA-256 digest"):
        blobs.path(bad)
    with pytest.raises(UsageError):
        blobs.put(b"evidence", bad)


def test_a_missing_blob_is_an_integrity_error(blobs: BlobStore) -> None:
    with pytest.raises(IntegrityError, match="missing"):
        blobs.read("0" * 64)
    with pytest.raises(IntegrityError, match="missing"):
        blobs.hash_file("0" * 64)


def test_stray_files_are_not_blobs(blobs: BlobStore) -> None:
    sha = blobs.put(b"evidence")
    misplaced = blobs.root / "sha256" / "00" / "00" / sha
    misplaced.parent.mkdir(parents=True)
    misplaced.write_bytes(b"evidence")
    note = blobs.path(sha).parent / "notes.txt"
    note.write_text("hello")
    assert list(blobs.iter_shas()) == [sha]
    assert sorted(blobs.stray_files()) == sorted([misplaced, note])


def test_temp_files_carry_the_run_id(blobs: BlobStore) -> None:
    blobs.tmp_dir.mkdir(parents=True)
    leftover = blobs.tmp_dir / "run-7-abcdefabcdef.0123.tmp"
    leftover.write_bytes(b"half")
    assert blobs.temp_files() == [leftover]
    assert BlobStore.temp_owner(leftover) == "run-7-abcdefabcdef"
