"""The archive's engine (SQLite in the data home, or PostgreSQL when a database URL is
configured: see :mod:`storage._postgres`), schema migrations, and the one place where database
and filesystem errors become :class:`archiver.errors.StorageError`."""

from __future__ import annotations

import logging
import os
import re
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy import exc as sa_exc
from sqlmodel import Session

from archiver.errors import StorageError
from storage import _locks, _postgres

log = logging.getLogger("postproof.storage")

BUSY_TIMEOUT_SECONDS = 30
MIGRATIONS_DIR = Path(__file__).with_name("migrations")
BEGIN_OPTION = "postproof_begin"


def create_archive_engine(db_path: Path, database_url: str | None = None) -> sa.Engine:
    """An engine on the PostgreSQL database ``database_url`` when given, else on the SQLite
    database ``db_path``: WAL mode, a 30 s busy timeout, foreign keys enforced.

    sqlite3's own transaction handling is switched off and we emit BEGIN ourselves, so that
    writers can ask for ``BEGIN IMMEDIATE``: a deferred transaction that reads and then writes
    fails at once with "database is locked" (no busy wait) when another process wrote between
    its read and its write.
    """
    if database_url is not None:
        return _postgres.create_engine(_postgres.engine_url(database_url))
    url = sa.URL.create("sqlite", database=str(db_path))  # no URL parsing of odd paths
    engine = sa.create_engine(url, connect_args={"timeout": BUSY_TIMEOUT_SECONDS})

    @sa.event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        try:
            cursor.execute(f"PRAGMA busy_timeout = {int(BUSY_TIMEOUT_SECONDS * 1000)}")
            cursor.execute("PRAGMA journal_mode = WAL")
            cursor.execute("PRAGMA foreign_keys = ON")
        finally:
            cursor.close()

    @sa.event.listens_for(engine, "begin")
    def _on_begin(connection: sa.Connection) -> None:
        mode = connection.get_execution_options().get(BEGIN_OPTION, "DEFERRED")
        connection.exec_driver_sql(f"BEGIN {mode}")

    return engine


def is_postgres(engine: sa.Engine) -> bool:
    return engine.dialect.name == "postgresql"


def writer(engine: sa.Engine) -> sa.Engine:
    """The same engine, but its transactions take the write lock when they begin."""
    extra = _postgres.writer_options() if is_postgres(engine) else {}
    return engine.execution_options(**{BEGIN_OPTION: "IMMEDIATE"}, **extra)


def lock_for_transaction(session: Session, name: str) -> None:
    """Hold the lock ``name`` until the write transaction of ``session`` ends. On SQLite the
    transaction's write lock already excludes every other writer; on PostgreSQL, an advisory
    lock of that name."""
    bind = session.get_bind()
    if bind.dialect.name == "postgresql":
        _postgres.lock_for_transaction(session, name)


@contextmanager
def write_session(engine: sa.Engine) -> Iterator[Session]:
    """A session whose one transaction holds the database write lock from its start; committed
    when the block ends normally, rolled back otherwise."""
    with Session(writer(engine), expire_on_commit=False) as session, session.begin():
        yield session


@contextmanager
def read_session(engine: sa.Engine) -> Iterator[Session]:
    with Session(engine) as session:
        yield session


def upgrade_to_head(engine: sa.Engine, lock_path: Path) -> None:
    """Bring the schema to the newest revision. A file lock keeps two processes that start at
    the same time from both migrating; the cheap read-only check lets the common case (already
    at head) pass without waiting for a busy writer, and without loading Alembic. A new SQLite
    database is made from the migrations' kept script (:mod:`storage._schema`) when it stands
    for the newest revision."""
    known, head = known_revisions()
    if _current_revision(engine, known) == head:
        return
    # One migration at a time in this process (threads), and a lock for other processes.
    with _MIGRATING, _migration_lock(engine, lock_path):
        current = _current_revision(engine, known)
        if current == head:
            return
        if current is None and not is_postgres(engine) and _empty(engine):
            from storage._schema import new_database_script

            script = new_database_script(head)
            if script is not None:
                _run_script(engine, script)
                log.info("created the archive database at revision %s", head)
                return
        log.info("migrating the archive database to revision %s", head)
        migrate(engine)


def migrate(engine: sa.Engine) -> None:
    """Run every migration the database of ``engine`` lacks, through Alembic (which keeps its
    migration context in module globals: callers hold ``_MIGRATING``, or own the process)."""
    from alembic import command
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    with writer(engine).begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "head")


_MIGRATING = threading.Lock()


def _empty(engine: sa.Engine) -> bool:
    """Whether the SQLite database of ``engine`` holds nothing at all (a new file)."""
    with engine.connect() as connection:
        return not connection.exec_driver_sql("SELECT count(*) FROM sqlite_master").scalar()


def _run_script(engine: sa.Engine, script: str) -> None:
    """Run ``script`` (one transaction of its own) on a connection of the SQLite ``engine``."""
    raw = engine.raw_connection()
    try:
        connection = raw.driver_connection
        assert isinstance(connection, sqlite3.Connection)
        connection.executescript(script)
    finally:
        raw.close()


def ours(name: str | None, type_: str, _parent: object) -> bool:
    """Whether a schema comparison (Alembic's ``include_name``) looks at ``name``: the task
    queue's tables (procrastinate's, on PostgreSQL) are its own, installed whole by 0013; the
    search documents on PostgreSQL (``search_docs``, 0014) are an index, not a model."""
    table = name or ""
    return not (type_ == "table" and (table.startswith("procrastinate_") or table == "search_docs"))


def try_exclusive(engine: sa.Engine, runs: Path, name: str) -> AbstractContextManager[str | None]:
    """The lock ``name`` of everyone who uses the archive, taken without waiting (see
    :meth:`storage.Archive.exclusive`): a file lock in the data home's ``runs`` on SQLite, an
    advisory lock on PostgreSQL, which holds across machines."""
    if is_postgres(engine):
        return _postgres.try_held(engine, name)
    since = datetime.now(UTC).isoformat(timespec="seconds")
    return _locks.try_exclusive(runs / f"{name}.lock", f"pid {os.getpid()} since {since}")


def _migration_lock(engine: sa.Engine, lock_path: Path) -> AbstractContextManager[None]:
    if is_postgres(engine):
        return _postgres.held(engine, _postgres.MIGRATE)
    return _locks.exclusive(lock_path)


_REVISION = re.compile(r"^(down_)?revision\s*(?::[^=]*)?=\s*(?:\"([^\"]*)\"|None)", re.MULTILINE)


def known_revisions() -> tuple[frozenset[str], str]:
    """Every schema revision this version knows, and the newest: read from the migration
    scripts' ``revision``/``down_revision`` lines (Alembic, which imports them all, is loaded
    only to migrate; a test holds this equal to Alembic's own reading)."""
    revisions: dict[str, str | None] = {}
    for script in sorted((MIGRATIONS_DIR / "versions").glob("*.py")):
        found = {bool(m[1]): m[2] for m in _REVISION.finditer(script.read_text(encoding="utf-8"))}
        if found.get(False):
            revisions[found[False]] = found.get(True)
    parents = {parent for parent in revisions.values() if parent}
    heads = [revision for revision in revisions if revision not in parents]
    if len(heads) != 1:
        raise StorageError(f"the migration scripts have {len(heads)} heads: {sorted(heads)}")
    return frozenset(revisions), heads[0]


def _current_revision(engine: sa.Engine, known: frozenset[str]) -> str | None:
    with engine.connect() as connection:
        if not sa.inspect(connection).has_table("alembic_version"):
            return None
        current = connection.exec_driver_sql("SELECT version_num FROM alembic_version").scalar()
    if current is not None and current not in known:
        raise StorageError(
            f"the archive database is at schema revision {current!r}, "
            "which this version of postproof does not know",
            hint="it was written by a newer postproof: upgrade postproof",
        )
    return current


@contextmanager
def storage_errors(home: Path) -> Iterator[None]:
    """Translate errors of SQLAlchemy, sqlite3 and the filesystem into :class:`StorageError`."""
    try:
        yield
    except sa_exc.SQLAlchemyError as exc:
        raise _translate_database_error(exc, home) from exc
    except sqlite3.Error as exc:
        raise _translate_database_error(exc, home) from exc
    except PermissionError as exc:
        raise StorageError(
            f"the data home is not writable: {exc.filename or home}",
            hint="check POSTPROOF_HOME and the permissions of that directory",
        ) from exc
    except OSError as exc:
        raise StorageError(
            f"cannot read or write the archive at {home}: {exc.strerror or exc}",
            hint="check free disk space and POSTPROOF_HOME",
        ) from exc


def _translate_database_error(exc: Exception, home: Path) -> StorageError:
    original = getattr(exc, "orig", None) or exc
    if _postgres.is_postgres_error(original):
        return _postgres.translate(original)
    text = str(original).lower()
    if "locked" in text or "busy" in text:
        return StorageError(
            "the database is locked by another postproof process",
            hint="try again when the other process has finished",
        )
    if "readonly" in text or "read-only" in text or "unable to open" in text:
        return StorageError(
            f"the data home is not writable: {home}",
            hint="check POSTPROOF_HOME and the permissions of that directory",
        )
    if "malformed" in text or "not a database" in text or "disk i/o" in text:
        return StorageError(
            f"the archive database at {home} is damaged: {text}",
            hint="restore postproof.sqlite3 from a backup; the blobs are still intact",
        )
    if "disk is full" in text:
        return StorageError(
            "the disk holding the archive is full", hint="free some space and try again"
        )
    return StorageError(
        f"the archive database failed: {text}",
        hint="if this keeps happening, please report it as a bug",
    )
