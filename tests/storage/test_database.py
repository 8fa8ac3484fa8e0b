"""Database and filesystem failures reach the user as StorageError with a hint."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

import storage._database
from archiver.errors import StorageError
from storage import open_archive
from tests.storage.factories import make_result


def test_a_locked_database_is_reported_as_such(home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    open_archive(home).close()
    monkeypatch.setattr(storage._database, "BUSY_TIMEOUT_SECONDS", 0.2)
    other_process = sqlite3.connect(home / "postproof.sqlite3", isolation_level=None)
    try:
        with open_archive(home) as archive:
            other_process.execute("BEGIN IMMEDIATE")
            with pytest.raises(StorageError, match="locked by another postproof") as caught:
                archive.store(make_result())
            other_process.execute("ROLLBACK")
            assert caught.value.hint is not None and "try again" in caught.value.hint
            assert caught.value.__cause__ is not None
            assert archive.count_captures() == 0
    finally:
        other_process.close()


def test_a_damaged_database_is_reported(home: Path) -> None:
    home.mkdir()
    (home / "postproof.sqlite3").write_bytes(b"this is not sqlite, " * 100)
    with pytest.raises(StorageError, match="damaged") as caught:
        open_archive(home)
    assert caught.value.hint is not None and "backup" in caught.value.hint
    assert not list((home / "runs").glob("run-*.lock"))


def test_an_archive_from_a_newer_postproof_is_refused(home: Path) -> None:
    open_archive(home).close()
    db = sqlite3.connect(home / "postproof.sqlite3")
    try:
        db.execute("UPDATE alembic_version SET version_num = '9999'")
        db.commit()
    finally:
        db.close()
    with pytest.raises(StorageError, match="'9999'") as caught:
        open_archive(home)
    assert caught.value.hint == "it was written by a newer postproof: upgrade postproof"
