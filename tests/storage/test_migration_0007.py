"""Migration 0007 (retractions) on an archive written at revision 0006: the log table is copied to
let an entry be a retraction, and every entry, its signed checkpoint and the append-only
triggers come through; the result is the schema a new archive gets."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from alembic.config import Config
from alembic.script import ScriptDirectory

from proof import Checkpoint, format_checkpoint, load_or_create_key, root, sign_note
from storage import open_archive
from storage._archive import SIGNING_KEY_NAME
from storage._database import MIGRATIONS_DIR
from storage._home import Layout
from storage._ledger import log_origin
from tests.storage.factories import fixed_clock, make_result, sequential_ids
from tests.storage.test_migration_0005 import (
    OLD_ID,
    TRIGGERS,
    _migrate,
    _schema,
    _triggers,
    build_archive_at_0004,
)

CREATED_AT = "2025-02-01T09:00:00.000000Z"


def _head() -> str:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    head = ScriptDirectory.from_config(config).get_current_head()
    assert head is not None and head >= "0007"
    return head


def build_archive_at_0006(home: Path) -> None:
    """An archive at 0006 holding one logged capture and a signed checkpoint over its log."""
    build_archive_at_0004(home)
    _migrate(home, "0006")
    layout = Layout(home)
    key = load_or_create_key(layout.signing_key, name=SIGNING_KEY_NAME)
    db = sqlite3.connect(layout.database)
    try:
        leaves = [bytes.fromhex(h) for (h,) in db.execute("SELECT leaf_hash FROM log_entries")]
        tree_root = root(leaves)
        note = sign_note(
            format_checkpoint(Checkpoint(log_origin(key.verifier), len(leaves), tree_root)),
            [key.note_signer()],
        )
        db.execute(
            "INSERT INTO checkpoints (size, root_hash, note, created_at) VALUES (?, ?, ?, ?)",
            (len(leaves), tree_root.hex(), note, CREATED_AT),
        )
        db.commit()
        assert db.execute("SELECT version_num FROM alembic_version").fetchone() == ("0006",)
    finally:
        db.close()


def _log_rows(database: Path) -> list[tuple[object, ...]]:
    db = sqlite3.connect(database)
    try:
        return db.execute(
            "SELECT idx, capture_id, manifest, signature, key, leaf_hash, logged_at "
            "FROM log_entries ORDER BY idx"
        ).fetchall()
    finally:
        db.close()


def test_an_archive_at_0006_upgrades_keeps_its_log_and_can_retract(tmp_path: Path) -> None:
    home = tmp_path / "old-home"
    build_archive_at_0006(home)
    database = Layout(home).database
    before = _log_rows(database)
    with open_archive(home, clock=fixed_clock(), new_id=sequential_ids()) as archive:
        assert _log_rows(database) == before  # every entry, byte for byte
        report = archive.verify()
        assert report.ok, report.problems  # the checkpoint signed at 0006 still holds
        new_id = archive.store(make_result())
        retraction = archive.retract(OLD_ID, "captured from a spoofed page")
        assert retraction.log_index == 2
        archive.seal()
        report = archive.verify()
        assert report.ok, report.problems
        assert report.ledger is not None
        assert (report.ledger["log_size"], report.ledger["retractions"]) == (3, 1)
        assert report.ledger["consistency_checked"] == 1  # from the 0006 checkpoint to the new
        assert archive.get_capture(OLD_ID).retracted is not None
        assert archive.get_capture(new_id).retracted is None

    assert _triggers(database) >= TRIGGERS | {
        "retractions_append_only_update",
        "retractions_append_only_delete",
    }
    db = sqlite3.connect(database)
    try:
        assert db.execute("SELECT version_num FROM alembic_version").fetchone() == (_head(),)
        with pytest.raises(sqlite3.DatabaseError, match="append-only"):
            db.execute("UPDATE log_entries SET manifest = '{}' WHERE idx = 0")
        with pytest.raises(sqlite3.DatabaseError, match="append-only"):
            db.execute("DELETE FROM retractions")
        # An entry logs exactly one thing: a capture or a retraction.
        with pytest.raises(sqlite3.IntegrityError, match="CHECK"):
            db.execute(
                "INSERT INTO log_entries (idx, manifest, signature, key, leaf_hash, logged_at) "
                "VALUES (3, '{}', '', '', '', ?)",
                (CREATED_AT,),
            )
    finally:
        db.close()


def test_an_upgraded_archive_has_the_schema_of_a_new_one(tmp_path: Path) -> None:
    build_archive_at_0006(tmp_path / "old-home")
    _migrate(tmp_path / "old-home", "head")
    with open_archive(tmp_path / "new-home"):
        pass
    upgraded = Layout(tmp_path / "old-home").database
    schema = _schema(upgraded)
    assert schema == _schema(Layout(tmp_path / "new-home").database)
    tables = {name: sql for kind, name, sql in schema if kind == "table"}
    assert "retractions" in tables and "retraction_id INTEGER" in tables["log_entries"]


def test_downgrading_below_0007_keeps_the_log_and_refuses_to_drop_retractions(
    tmp_path: Path,
) -> None:
    home = tmp_path / "home"
    build_archive_at_0006(home)
    database = Layout(home).database
    before = _log_rows(database)
    _migrate(home, "head")
    _migrate(home, "0006", down=True)
    assert _log_rows(database) == before
    assert _triggers(database) >= TRIGGERS
    db = sqlite3.connect(database)
    try:
        assert "retractions" not in {
            name for (name,) in db.execute("SELECT name FROM sqlite_master WHERE type='table'")
        }
    finally:
        db.close()

    with open_archive(home) as archive:
        archive.retract(OLD_ID, "a duplicate")
    with pytest.raises(RuntimeError, match="the log holds retractions"):
        _migrate(home, "0006", down=True)
    db = sqlite3.connect(database)
    try:
        # The refused downgrade changed nothing: the archive is still at the head revision.
        assert db.execute("SELECT version_num FROM alembic_version").fetchone() == (_head(),)
        assert db.execute("SELECT count(*) FROM log_entries").fetchone() == (2,)
    finally:
        db.close()
