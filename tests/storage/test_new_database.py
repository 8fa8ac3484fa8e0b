"""A process that has made one new SQLite archive makes the next ones as copies of it: the same
schema, triggers and revision as the migrations give, in WAL mode; never over a database that
already holds something."""

from __future__ import annotations

import logging
import sqlite3
from pathlib import Path

import pytest

from storage import open_archive
from tests.storage.factories import make_result

MIGRATED = "migrating the archive database"
COPIED = "created the archive database"


def _schema(db: Path) -> list[tuple[str, str, str | None]]:
    with sqlite3.connect(db) as connection:
        rows = connection.execute(
            "SELECT type, name, sql FROM sqlite_master ORDER BY type, name"
        ).fetchall()
        revision = connection.execute("SELECT version_num FROM alembic_version").fetchall()
    return [*rows, ("revision", str(revision), None)]


def _database(home: Path) -> Path:
    return home / "postproof.sqlite3"


def test_the_next_new_archive_is_a_copy_of_the_migrated_one(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, "postproof.storage")
    with open_archive(tmp_path / "first"):
        pass
    caplog.clear()
    with open_archive(tmp_path / "second") as archive:
        messages = " ".join(r.getMessage() for r in caplog.records)
        assert COPIED in messages and MIGRATED not in messages
        capture_id = archive.store(make_result())
    second = _database(tmp_path / "second")
    assert _schema(second) == _schema(_database(tmp_path / "first"))
    with sqlite3.connect(second) as connection:
        assert connection.execute("PRAGMA journal_mode").fetchone() == ("wal",)
        with pytest.raises(sqlite3.DatabaseError, match="append-only"):
            connection.execute("UPDATE captures SET text = 'edited'")
    with open_archive(tmp_path / "second") as again:
        assert again.get_capture(capture_id).text == "hello world"


def test_a_database_that_holds_something_is_never_copied_over(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    with open_archive(tmp_path / "first"):
        pass
    home = tmp_path / "second"
    with open_archive(home):
        pass
    db = _database(home)
    for path in home.glob("postproof.sqlite3*"):
        path.unlink()
    with sqlite3.connect(db) as connection:
        connection.execute("CREATE TABLE notes (text TEXT)")
        connection.execute("INSERT INTO notes VALUES ('kept')")
    caplog.set_level(logging.INFO, "postproof.storage")
    with open_archive(home):
        pass
    assert COPIED not in " ".join(r.getMessage() for r in caplog.records)
    with sqlite3.connect(db) as connection:
        assert connection.execute("SELECT text FROM notes").fetchall() == [("kept",)]
