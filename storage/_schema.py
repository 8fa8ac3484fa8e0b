"""A new SQLite archive made from one SQL script instead of every migration in turn.

The migrations (``storage/migrations/versions``) stay the only definition of the schema. What
they give a new, empty SQLite database is kept in ``storage/migrations/sqlite_schema.sql``,
headed by the revision it stands for: a new embedded archive is that script run in one
transaction (a few milliseconds), where the migrations took Alembic's import and fourteen
upgrades (about 0.15 s of a new data home's first command, on the path of every first
capture). A script whose revision is not the newest is never used: the migrations run instead.

After adding a migration, write the script again with ``python -m storage._schema``; the tests
hold a database made from it equal to one the migrations made, table by table, index by index,
trigger by trigger, and its revision to the newest.
"""

from __future__ import annotations

import sqlite3
import tempfile
from pathlib import Path

SCHEMA_FILE = Path(__file__).with_name("migrations") / "sqlite_schema.sql"
HEADER = "-- The schema the migrations give a new SQLite archive, at revision "
NOTE = "-- Written by `python -m storage._schema` from the migrations: never edit it by hand."


def new_database_script(head: str) -> str | None:
    """The script that makes a new SQLite archive at revision ``head``, or None when the kept
    script stands for another revision (or is missing)."""
    try:
        text = SCHEMA_FILE.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None
    first, _, rest = text.partition("\n")
    return rest if first == HEADER + head else None


def kept_revision() -> str | None:
    """The revision the kept script stands for: the newest, as the tests hold it (None when
    the script is missing). Read without Alembic, which takes longer to import than a short
    command takes to run."""
    try:
        with SCHEMA_FILE.open(encoding="utf-8") as handle:
            first = handle.readline().rstrip("\n")
    except FileNotFoundError:
        return None
    return first.removeprefix(HEADER) if first.startswith(HEADER) else None


def dump(connection: sqlite3.Connection, revision: str) -> str:
    """The script that remakes the empty database of ``connection``: its tables, indexes and
    triggers, and the revision row, in one transaction."""
    return "\n".join([HEADER + revision, NOTE, *connection.iterdump()]) + "\n"


def migrated_database(db: Path) -> Path:
    """A new SQLite database at ``db``, made by the migrations step by step."""
    from storage._database import create_archive_engine, migrate

    engine = create_archive_engine(db)
    try:
        migrate(engine)
    finally:
        engine.dispose()
    return db


def migrated_script() -> str:
    """What the migrations give a new SQLite database, as the kept script's text."""
    from storage._database import known_revisions

    _, head = known_revisions()
    with tempfile.TemporaryDirectory() as folder:
        db = migrated_database(Path(folder) / "new.sqlite3")
        with sqlite3.connect(db) as connection:
            return dump(connection, head)


def main() -> None:
    SCHEMA_FILE.write_text(migrated_script(), encoding="utf-8")
    print(f"wrote {SCHEMA_FILE}")


if __name__ == "__main__":
    main()
