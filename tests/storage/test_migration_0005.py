"""Migration 0005 (field provenance of captures) on an archive written at revision 0004: old rows
stay readable and verifiable, the append-only triggers survive, and the result is the schema a
new archive gets."""

from __future__ import annotations

import base64
import sqlite3
from pathlib import Path

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.runtime.migration import MigrationContext

from proof import canonical_json, leaf_hash, load_or_create_key
from storage import open_archive
from storage._archive import SIGNING_KEY_NAME
from storage._database import MIGRATIONS_DIR, create_archive_engine, writer
from storage._home import Layout
from storage._tables import METADATA
from tests.storage.factories import fixed_clock, make_result, sequential_ids
from tests.storage.test_provenance import SOURCES, with_provenance

URL = "https://social.example/@alice/100"
OLD_ID = "c4pt0001"
# A capture row and its signed manifest as postproof wrote them at revision 0004.
OLD_CAPTURE = {
    "id": OLD_ID,
    "post_id": 1,
    "requested_url": URL,
    "canonical_url": URL,
    "final_url": URL,
    "platform": "mastodon",
    "platform_post_id": "100",
    "status": "ok",
    "reason": None,
    "http_status": 200,
    "started_at": "2025-02-01T08:00:00.000000Z",
    "finished_at": "2025-02-01T08:00:03.000000Z",
    "stored_at": "2025-02-01T08:00:04.000000Z",
    "server_date": None,
    "server_ip": "127.0.0.1",
    "tool_version": "0.1.0",
    "browser": "chromium 130.0",
    "user_agent": "Mozilla/5.0 postproof-test",
    "insecure": 0,
    "author": "Alice",
    "handle": "@alice",
    "posted_at": "2025-01-31T21:10:00.000000Z",
    "text": "written before provenance was kept",
    "lang": "en",
    "media_json": "[]",
    "reply_to": None,
    "quote_of": None,
}
TRIGGERS = {
    f"{table}_append_only_{action}"
    for table in ("captures", "artifacts", "log_entries", "checkpoints", "timestamps")
    for action in ("update", "delete")
}


def _config() -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    return config


def _migrate(home: Path, revision: str, *, down: bool = False) -> None:
    engine = create_archive_engine(Layout(home).database)
    try:
        with writer(engine).begin() as connection:
            config = _config()
            config.attributes["connection"] = connection
            (command.downgrade if down else command.upgrade)(config, revision)
    finally:
        engine.dispose()


def _old_manifest() -> dict:
    row = OLD_CAPTURE
    post = ("author", "handle", "posted_at", "text", "lang", "reply_to", "quote_of")
    return {
        "format": "postproof-capture-manifest/1",
        **{k: row[k] for k in ("requested_url", "canonical_url", "final_url", "platform")},
        **{k: row[k] for k in ("platform_post_id", "status", "reason", "http_status")},
        **{k: row[k] for k in ("started_at", "finished_at", "stored_at", "server_date")},
        **{k: row[k] for k in ("server_ip", "tool_version", "browser", "user_agent")},
        "capture_id": row["id"],
        "insecure": False,
        "post": {**{k: row[k] for k in post}, "media": []},
        "artifacts": [],
    }


def build_archive_at_0004(home: Path) -> None:
    layout = Layout(home)
    layout.create()
    _migrate(home, "0004")
    layout.signing_key.parent.mkdir(mode=0o700)
    key = load_or_create_key(layout.signing_key, name=SIGNING_KEY_NAME)
    manifest = canonical_json(_old_manifest())
    db = sqlite3.connect(layout.database)
    try:
        db.execute(
            "INSERT INTO posts (id, platform, platform_post_id, canonical_url, "
            "first_captured_at, last_captured_at, last_status) VALUES (1, 'mastodon', '100', ?, "
            "?, ?, 'ok')",
            (URL, OLD_CAPTURE["started_at"], OLD_CAPTURE["started_at"]),
        )
        columns = ", ".join(OLD_CAPTURE)
        marks = ", ".join(f":{name}" for name in OLD_CAPTURE)
        db.execute(f"INSERT INTO captures ({columns}) VALUES ({marks})", OLD_CAPTURE)
        db.execute(
            "INSERT INTO log_entries VALUES (0, ?, ?, ?, ?, ?, ?)",
            (
                OLD_ID,
                manifest.decode(),
                base64.b64encode(key.sign(manifest)).decode(),
                key.verifier,
                leaf_hash(manifest).hex(),
                OLD_CAPTURE["stored_at"],
            ),
        )
        db.commit()
        assert db.execute("SELECT version_num FROM alembic_version").fetchone() == ("0004",)
    finally:
        db.close()


def _schema(database: Path) -> list[tuple[str, str, str]]:
    db = sqlite3.connect(database)
    try:
        return db.execute(
            "SELECT type, name, sql FROM sqlite_master WHERE name NOT LIKE 'sqlite_%' "
            "ORDER BY type, name"
        ).fetchall()
    finally:
        db.close()


def _triggers(database: Path) -> set[str]:
    return {name for kind, name, _sql in _schema(database) if kind == "trigger"}


def test_an_archive_at_0004_upgrades_and_keeps_its_evidence(tmp_path: Path) -> None:
    home = tmp_path / "old-home"
    build_archive_at_0004(home)
    with open_archive(home, clock=fixed_clock(), new_id=sequential_ids()) as archive:
        old = archive.get_capture(OLD_ID)
        assert old.text == OLD_CAPTURE["text"]
        assert (old.sources, old.missing, old.conflicts) == ({}, (), ())
        assert old.to_json()["sources"] == {} and old.to_json()["conflicts"] == []
        report = archive.verify()
        assert report.ok, report.problems  # the signature made at 0004 still holds
        new_id = archive.store(with_provenance(make_result()))
        assert archive.get_capture(new_id).sources == SOURCES
        assert archive.verify().ok

    database = Layout(home).database
    assert _triggers(database) >= TRIGGERS
    db = sqlite3.connect(database)
    try:
        assert db.execute("SELECT version_num FROM alembic_version").fetchone() >= ("0005",)
        with pytest.raises(sqlite3.DatabaseError, match="append-only"):
            db.execute("UPDATE captures SET sources_json = '{}' WHERE id = ?", (new_id,))
        with pytest.raises(sqlite3.DatabaseError, match="append-only"):
            db.execute("DELETE FROM captures WHERE id = ?", (OLD_ID,))
    finally:
        db.close()


def test_an_upgraded_archive_has_the_schema_of_a_new_one(tmp_path: Path) -> None:
    build_archive_at_0004(tmp_path / "old-home")
    _migrate(tmp_path / "old-home", "head")
    with open_archive(tmp_path / "new-home"):
        pass
    upgraded = Layout(tmp_path / "old-home").database
    assert _schema(upgraded) == _schema(Layout(tmp_path / "new-home").database)
    engine = create_archive_engine(upgraded)
    try:
        with engine.connect() as connection:
            options = {"compare_type": True, "compare_server_default": True}
            context = MigrationContext.configure(connection, opts=options)
            assert compare_metadata(context, METADATA) == []
    finally:
        engine.dispose()


def test_downgrading_to_0004_keeps_the_triggers(tmp_path: Path) -> None:
    home = tmp_path / "home"
    build_archive_at_0004(home)
    _migrate(home, "head")
    _migrate(home, "0004", down=True)
    database = Layout(home).database
    assert _triggers(database) >= TRIGGERS
    db = sqlite3.connect(database)
    try:
        columns = {row[1] for row in db.execute("PRAGMA table_info(captures)")}
        assert columns == set(OLD_CAPTURE)
    finally:
        db.close()
