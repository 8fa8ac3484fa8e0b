from __future__ import annotations

import sqlite3
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory

from archiver.errors import StorageError
from storage import Archive, open_archive
from storage._database import MIGRATIONS_DIR, create_archive_engine, known_revisions
from storage._tables import METADATA
from tests.engines import RawDatabase, sqlite_only


def test_the_migrated_schema_matches_the_models(
    archive: Archive, home: Path, backend: str | None
) -> None:
    engine = create_archive_engine(home / "postproof.sqlite3", backend)
    try:
        with engine.connect() as connection:
            context = MigrationContext.configure(
                connection,
                opts={"compare_type": True, "include_name": _postproof_tables},
            )
            assert compare_metadata(context, METADATA) == []
    finally:
        engine.dispose()


def _postproof_tables(name: str | None, kind: str, _parents: object) -> bool:
    """The task queue's tables (shared archive) are its own: the models are postproof's."""
    return kind != "table" or name in METADATA.tables or name == "alembic_version"


def test_the_archive_is_at_the_head_revision(archive: Archive, raw: RawDatabase) -> None:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    head = ScriptDirectory.from_config(config).get_current_head()
    assert raw.rows("SELECT version_num FROM alembic_version") == [(head,)]


@sqlite_only
def test_the_embedded_archive_writes_ahead(archive: Archive, raw: RawDatabase) -> None:
    assert raw.rows("PRAGMA journal_mode") == [("wal",)]


def test_the_quick_revision_reading_agrees_with_alembic() -> None:
    """Opening an archive reads the revisions without Alembic; Alembic must read the same."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    scripts = ScriptDirectory.from_config(config)
    known, head = known_revisions()
    assert head == scripts.get_current_head()
    assert known == {script.revision for script in scripts.walk_revisions()}


def test_an_archive_from_a_newer_version_is_refused(
    archive: Archive, home: Path, backend: str | None, raw: RawDatabase
) -> None:
    archive.close()
    raw.tamper("UPDATE alembic_version SET version_num = '9999'")
    with pytest.raises(StorageError, match="'9999'"):
        open_archive(home, database_url=backend)


def test_archives_opened_at_once_from_threads_all_migrate(tmp_path: Path) -> None:
    """Alembic keeps its context in module globals; threads of one process (a web app, a test
    pool) opening new archives at once must each get a migrated archive."""
    homes = [tmp_path / f"home{n}" for n in range(4)]

    def open_and_count(home: Path) -> int:
        with open_archive(home) as archive:
            return len(archive.list_captures())

    with ThreadPoolExecutor(len(homes)) as pool:
        assert list(pool.map(open_and_count, homes)) == [0] * len(homes)
    _, head = known_revisions()
    for home in homes:
        db = sqlite3.connect(home / "postproof.sqlite3")
        assert db.execute("SELECT version_num FROM alembic_version").fetchall() == [(head,)]
        db.close()
