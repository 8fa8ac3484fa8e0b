"""A new SQLite archive is made from the migrations' kept script (storage/migrations/
sqlite_schema.sql) instead of every migration in turn: the same schema, triggers and revision as
the migrations give, in WAL mode; never over a database that already holds something, and never
from a script of another revision."""

from __future__ import annotations

import logging
import sqlite3
from pathlib import Path

import pytest

import storage._schema
from storage import open_archive
from storage._database import known_revisions
from storage._schema import SCHEMA_FILE, migrated_database, new_database_script
from tests.storage.factories import make_result

MIGRATED = "migrating the archive database"
MADE = "created the archive database"


def _schema(db: Path) -> list[tuple[object, ...]]:
    """What a database is made of, as SQLite reads it: each table's columns (type, NOT NULL,
    default, key), CHECK constraints, foreign keys and indexes (columns, unique, partial), each
    index's and trigger's SQL with its spacing evened out, and the revision; not the tables'
    whole CREATE text, which another version of SQLAlchemy may space or word differently for the
    same table."""
    with sqlite3.connect(db) as connection:
        objects = connection.execute(
            "SELECT type, name, tbl_name, sql FROM sqlite_master ORDER BY type, name"
        ).fetchall()
        found: list[tuple[object, ...]] = []
        for kind, name, table, sql in objects:
            if kind == "table":
                checks = [line.strip().rstrip(",") for line in sql.splitlines() if "CHECK" in line]
                found.append(("table", name, *(" ".join(c.split()) for c in checks)))
                for pragma in ("table_info", "foreign_key_list", "index_list"):
                    rows = connection.execute(f"PRAGMA {pragma}('{name}')").fetchall()
                    found += [(pragma, name, *row) for row in sorted(rows, key=str)]
            else:
                found.append((kind, name, table, " ".join((sql or "").split())))
            if kind == "index":
                columns = connection.execute(f"PRAGMA index_info('{name}')").fetchall()
                found += [("index_info", name, *row) for row in columns]
        revision = connection.execute("SELECT version_num FROM alembic_version").fetchall()
    return [*found, ("revision", str(revision))]


def _database(home: Path) -> Path:
    return home / "postproof.sqlite3"


def test_a_new_archive_is_made_from_the_kept_script_as_the_migrations_make_it(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, "postproof.storage")
    with open_archive(tmp_path / "new") as archive:
        messages = " ".join(r.getMessage() for r in caplog.records)
        assert MADE in messages and MIGRATED not in messages
        capture_id = archive.store(make_result())
    made = _database(tmp_path / "new")
    assert _schema(made) == _schema(migrated_database(tmp_path / "migrated.sqlite3"))
    with sqlite3.connect(made) as connection:
        assert connection.execute("PRAGMA journal_mode").fetchone() == ("wal",)
        with pytest.raises(sqlite3.DatabaseError, match="append-only"):
            connection.execute("UPDATE captures SET text = 'edited'")
    with open_archive(tmp_path / "new") as again:
        assert again.get_capture(capture_id).text == "hello world"


def test_the_kept_script_stands_for_the_newest_revision() -> None:
    """A migration added without the script written again would leave every new archive to the
    migrations; what the script makes is held equal to what they make above (the schema, not
    the script's text, which another SQLite may write differently)."""
    _, head = known_revisions()
    assert new_database_script(head) is not None, (
        f"storage/migrations/sqlite_schema.sql is not at revision {head}: "
        "write it again with `python -m storage._schema`"
    )


def test_a_script_of_another_revision_is_never_used(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    _, head = known_revisions()
    stale = tmp_path / "sqlite_schema.sql"
    older = SCHEMA_FILE.read_text(encoding="utf-8").replace(f"revision {head}", "revision 0001", 1)
    stale.write_text(older.replace("CREATE TABLE captures", "CREATE TABLE stale_captures"))
    monkeypatch.setattr(storage._schema, "SCHEMA_FILE", stale)
    assert new_database_script(head) is None
    caplog.set_level(logging.INFO, "postproof.storage")
    with open_archive(tmp_path / "new"):
        assert MIGRATED in " ".join(r.getMessage() for r in caplog.records)
    assert _schema(_database(tmp_path / "new")) == _schema(
        migrated_database(tmp_path / "m.sqlite3")
    )


def test_a_database_that_holds_something_is_never_made_over(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
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
    assert MADE not in " ".join(r.getMessage() for r in caplog.records)
    with sqlite3.connect(db) as connection:
        assert connection.execute("SELECT text FROM notes").fetchall() == [("kept",)]
