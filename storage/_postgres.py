"""The archive database on PostgreSQL: its engine, its advisory locks, and what its errors
mean to the person who set it up.

SQLite lets one writer in at a time (``BEGIN IMMEDIATE``), and every rule of the archive that
reads before it writes (the next log index, a post's row, an unused capture id, which blobs
are unreferenced) leans on that. Here a write transaction takes the same role from a
transaction-level advisory lock (:data:`WRITER`), taken as its first statement at
``READ COMMITTED``: every statement after it sees what the writer before committed. Reads run
at ``REPEATABLE READ``, one snapshot per transaction, as SQLite's readers see the database.

Session-level advisory locks, held on a connection of their own, stand in for the files that
``flock`` locks in the embedded mode (:class:`HeldLock`): the server drops them with the
connection, so a process that dies, however it dies, lets go of its locks.

psycopg is imported by SQLAlchemy when the first engine is made, never before.
"""

from __future__ import annotations

import hashlib
import os
import re
import socket
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC
from typing import Any

import sqlalchemy as sa

from archiver.errors import StorageError, UsageError

WRITER = "writer"  # the lock of every write transaction
LOG = "log"  # the lock under which log entries and checkpoints are sequenced
MIGRATE = "migrate"
SCHEMES = ("postgresql", "postgres", "postgresql+psycopg")
CONNECT_TIMEOUT_SECONDS = 10
_SETTING_HINT = "POSTPROOF_DATABASE_URL (or [database] url in config.toml)"


def engine_url(text: str) -> sa.URL:
    """The SQLAlchemy URL of a ``postgresql://`` URL as people write it (driver: psycopg)."""
    try:
        url = sa.make_url(text.strip())
    except sa.exc.ArgumentError:
        url = None
    if url is None or url.drivername not in SCHEMES:
        scheme = text.strip().split(":", 1)[0]
        raise UsageError(
            f"the archive's database URL ({scheme}:…) is not a PostgreSQL URL",
            hint=f"write postgresql://USER:PASSWORD@HOST:PORT/DATABASE in {_SETTING_HINT}, "
            "or leave it out to keep the archive in the data home",
        )
    return url.set(drivername="postgresql+psycopg")


def create_engine(url: sa.URL) -> sa.Engine:
    """An engine on the PostgreSQL database ``url`` (see the module docstring)."""
    from storage._database import BEGIN_OPTION, BUSY_TIMEOUT_SECONDS

    engine = sa.create_engine(
        url,
        isolation_level="REPEATABLE READ",
        pool_pre_ping=True,  # a server restarted since: reconnect instead of failing
        connect_args={
            "connect_timeout": CONNECT_TIMEOUT_SECONDS,
            # Who holds a lock, for whoever finds it taken (see _holder).
            "application_name": f"postproof on {socket.gethostname()} pid {os.getpid()}"[:63],
            # A writer waits for the writer lock as long as SQLite's busy timeout, no longer.
            "options": f"-c lock_timeout={int(BUSY_TIMEOUT_SECONDS * 1000)}",
        },
    )

    @sa.event.listens_for(engine, "begin")
    def _on_begin(connection: sa.Connection) -> None:
        if connection.get_execution_options().get(BEGIN_OPTION) == "IMMEDIATE":
            lock_for_transaction(connection, WRITER)

    return engine


def writer_options() -> dict[str, Any]:
    """The execution options of a write transaction: read what others committed, statement by
    statement. A REPEATABLE READ snapshot would be taken by the lock's own statement, before
    the lock is granted, and miss the commit of the writer it waited for."""
    return {"isolation_level": "READ COMMITTED"}


def advisory_key(name: str) -> int:
    """The 64-bit advisory lock key of ``name`` (in postproof's own namespace)."""
    digest = hashlib.blake2b(f"postproof:{name}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


def lock_for_transaction(connection: sa.Connection | Any, name: str) -> None:
    """Wait for the advisory lock ``name``, held until the transaction ends."""
    connection.execute(sa.select(sa.func.pg_advisory_xact_lock(advisory_key(name))))


class HeldLock:
    """The advisory lock ``name``, held on a connection of its own until :meth:`release` or
    the process's death (see the module docstring)."""

    def __init__(self, engine: sa.Engine, name: str) -> None:
        self.name = name
        self._engine = engine
        self._connection: sa.Connection | None = self._take()

    def _take(self) -> sa.Connection:
        connection = self._engine.connect().execution_options(isolation_level="AUTOCOMMIT")
        try:
            connection.execute(sa.select(sa.func.pg_advisory_lock(advisory_key(self.name))))
        except BaseException:
            connection.close()
            raise
        return connection

    @property
    def held(self) -> bool:
        return self._connection is not None

    def renew(self) -> bool:
        """Take the lock again if its connection was cut (a server restart, a network cut);
        return whether it had been lost."""
        if self._connection is None:
            raise StorageError("the run's lock was released", hint="please report this bug")
        try:
            self._connection.execute(sa.select(1))
            return False
        except (sa.exc.DBAPIError, sa.exc.InvalidRequestError):
            lost = self._connection
        # Until a new connection holds it, the dead one stays, to be retried next time.
        self._connection = self._take()
        lost.invalidate()
        lost.close()
        return True

    def release(self) -> None:
        if self._connection is None:
            return
        connection, self._connection = self._connection, None
        try:
            connection.execute(sa.select(sa.func.pg_advisory_unlock(advisory_key(self.name))))
        except sa.exc.DBAPIError:
            connection.invalidate()  # the server is gone, and the lock with the connection
        finally:
            connection.close()


@contextmanager
def held(engine: sa.Engine, name: str) -> Iterator[None]:
    """Hold the advisory lock ``name`` for the ``with`` block."""
    lock = HeldLock(engine, name)
    try:
        yield
    finally:
        lock.release()


@contextmanager
def try_held(engine: sa.Engine, name: str) -> Iterator[str | None]:
    """Hold the advisory lock ``name`` for the ``with`` block, without waiting: ``None`` when
    it is held, else who holds it (the program, machine and process its connection named, and
    since when)."""
    key = advisory_key(name)
    connection = engine.connect().execution_options(isolation_level="AUTOCOMMIT")
    try:
        if not connection.execute(sa.select(sa.func.pg_try_advisory_lock(key))).scalar_one():
            yield _holder(connection, key)
            return
        try:
            yield None
        finally:
            try:
                connection.execute(sa.select(sa.func.pg_advisory_unlock(key)))
            except sa.exc.DBAPIError:
                connection.invalidate()  # the server is gone, and the lock with the connection
    finally:
        connection.close()


def _holder(connection: sa.Connection, key: int) -> str:
    """Who holds the advisory lock ``key``, as ``pg_stat_activity`` tells (a 64-bit key is
    listed as its high and low halves)."""
    row = connection.execute(
        sa.text(
            "SELECT a.application_name, a.backend_start FROM pg_locks AS l "
            "JOIN pg_stat_activity AS a ON a.pid = l.pid "
            "WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 1 "
            "AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database()) "
            "AND l.classid = :high AND l.objid = :low"
        ),
        {"high": (key >> 32) & 0xFFFFFFFF, "low": key & 0xFFFFFFFF},
    ).first()
    if row is None:  # it was released a moment ago
        return "another process"
    who = row.application_name or "another process"  # hidden from roles without the right
    if row.backend_start is None:
        return who
    return f"{who} since {row.backend_start.astimezone(UTC).isoformat(timespec='seconds')}"


def is_free(engine: sa.Engine, name: str) -> bool:
    """Whether nobody holds the advisory lock ``name`` (asked by taking it for a moment)."""
    with engine.connect() as connection, connection.begin():
        taken = connection.execute(
            sa.select(sa.func.pg_try_advisory_xact_lock(advisory_key(name)))
        ).scalar_one()
    return bool(taken)


# -- errors ----------------------------------------------------------------------------------

_SERVER = re.compile(
    r'connection to server (?:at "([^"]+)"(?:[^,]*)?, port (\d+)|on socket "([^"]+)")'
)
_DATABASE = re.compile(r'database "([^"]+)" does not exist')
_USER = re.compile(r'(?:user|role) "([^"]+)"')


def is_postgres_error(exc: BaseException) -> bool:
    return type(exc).__module__.split(".", 1)[0] == "psycopg"


def translate(exc: BaseException) -> StorageError:
    """What a psycopg error means to the person who set the archive up, with what to do.
    Failures to connect carry no SQLSTATE (libpq reports them as text), hence the patterns."""
    text = str(exc)
    lowered = text.lower()
    sqlstate = getattr(exc, "sqlstate", None)
    for states, pattern, explain in _RULES:
        if sqlstate in states or pattern.search(lowered):
            return explain(text)
    first_line = text.strip().splitlines()[0] if text.strip() else type(exc).__name__
    return StorageError(
        f"the archive database failed: {first_line}",
        hint="if this keeps happening, please report it as a bug",
    )


def _missing_database(text: str) -> StorageError:
    found = _DATABASE.search(text)
    named = f'"{found[1]}"' if found else "named in the URL"
    return StorageError(
        f"the database {named} does not exist on the PostgreSQL server",
        hint=f"create it (createdb {found[1] if found else 'NAME'}) or fix the database "
        f"name in {_SETTING_HINT}",
    )


def _refused(text: str) -> StorageError:
    found = _USER.search(text)
    who = f" as {found[1]}" if found else ""
    return StorageError(
        f"the PostgreSQL server refused postproof's sign-in{who}",
        hint=f"check the user name and password in {_SETTING_HINT}",
    )


def _unreachable(text: str) -> StorageError:
    return StorageError(
        f"the PostgreSQL server {_where(text)}cannot be reached",
        hint=f"check that it is running and that {_SETTING_HINT} names its host and port",
    )


def _lost(_text: str) -> StorageError:
    return StorageError(
        "the connection to the PostgreSQL server was lost",
        hint="try again; if it keeps happening, ask whoever runs the server",
    )


def _not_allowed(text: str) -> StorageError:
    first_line = text.strip().splitlines()[0]
    return StorageError(
        f"the PostgreSQL server did not allow it: {first_line}",
        hint="after an upgrade of postproof, run one command with the URL of the role that owns "
        "the tables, to migrate them; otherwise check the grants of postproof's role (README: "
        "Shared archive)",
    )


def _busy(_text: str) -> StorageError:
    return StorageError(
        "the archive database is busy with another postproof process",
        hint="try again when the other process has finished",
    )


def _full(_text: str) -> StorageError:
    return StorageError(
        "the disk of the PostgreSQL server is full",
        hint="ask whoever runs the server to free some space, then try again",
    )


# (SQLSTATEs, a pattern of the lower-cased message, explanation); the first match wins.
_RULES: tuple[tuple[frozenset[str], re.Pattern[str], Callable[[str], StorageError]], ...] = (
    (frozenset({"3D000"}), re.compile(r'database "[^"]*" does not exist'), _missing_database),
    (
        frozenset({"28P01", "28000"}),
        re.compile(r'authentication failed|pg_hba\.conf|role "[^"]*" does not exist'),
        _refused,
    ),
    (frozenset(), re.compile("connection failed|could not connect|timeout expired"), _unreachable),
    (
        frozenset({"57P01", "57P02", "57P03", "08006", "08003"}),
        re.compile("terminating connection|server closed the connection"),
        _lost,
    ),
    (frozenset({"42501"}), re.compile("permission denied|must be owner"), _not_allowed),
    (frozenset({"55P03"}), re.compile("lock timeout"), _busy),
    (frozenset({"53100"}), re.compile("no space left"), _full),
)


def _where(text: str) -> str:
    found = _SERVER.search(text)
    if not found:
        return ""
    if found[3]:
        return f"at {found[3]} "
    return f"at {found[1]}:{found[2]} "
