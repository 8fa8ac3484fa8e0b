"""The database engines an archive can live on, for any test that asks: a throwaway PostgreSQL
server per test worker (started when a test first asks for it), a fresh database per test, and
``backend``, parametrised over SQLite and PostgreSQL, for tests that must hold on both engines.

Each test's database is a copy of one migrated when the server started (``CREATE DATABASE …
TEMPLATE``): a copy takes milliseconds, migrating takes a second. Loaded for the whole suite by
``tests/conftest.py``; a test that is about one engine's own behaviour pins ``engine_name`` with
:data:`sqlite_only`.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from typing import Any

import pytest
import sqlalchemy as sa

from storage import Archive, open_archive
from tests.shared.cluster import Cluster

TEMPLATE = "postproof_migrated"
_DATABASES = itertools.count(1)


@pytest.fixture(scope="session")
def postgres() -> Iterator[Cluster]:
    with Cluster() as cluster:
        yield cluster


def admin_engine(cluster: Cluster) -> sa.Engine:
    """An engine on the server's own database, outside transactions (CREATE/DROP DATABASE)."""
    url = cluster.url().replace("postgresql://", "postgresql+psycopg://", 1)
    return sa.create_engine(url, isolation_level="AUTOCOMMIT", poolclass=sa.NullPool)


@pytest.fixture(scope="session")
def admin(postgres: Cluster) -> Iterator[sa.Engine]:
    engine = admin_engine(postgres)
    yield engine
    engine.dispose()


@pytest.fixture(scope="session")
def template(postgres: Cluster, admin: sa.Engine, tmp_path_factory: pytest.TempPathFactory) -> str:
    """A database migrated to the head revision, copied by every test."""
    with admin.connect() as connection:
        connection.exec_driver_sql(f"CREATE DATABASE {TEMPLATE}")
    open_archive(tmp_path_factory.mktemp("template"), database_url=postgres.url(TEMPLATE)).close()
    return TEMPLATE


def new_database(admin: sa.Engine, template: str | None = None) -> str:
    name = f"postproof_test_{next(_DATABASES)}"
    copied = f" TEMPLATE {template}" if template else ""
    with admin.connect() as connection:
        connection.exec_driver_sql(f"CREATE DATABASE {name}{copied}")
    return name


@pytest.fixture
def database_url(postgres: Cluster, admin: sa.Engine, template: str) -> Iterator[str]:
    """A fresh, migrated PostgreSQL database of this test's own."""
    name = new_database(admin, template)
    yield postgres.url(name)
    with admin.connect() as connection:
        connection.exec_driver_sql(f"DROP DATABASE {name} WITH (FORCE)")


@pytest.fixture(params=["sqlite", "postgresql"])
def engine_name(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def backend(engine_name: str, request: pytest.FixtureRequest) -> str | None:
    """The database URL of the engine under test; ``None``: SQLite in the data home. The
    PostgreSQL server starts only when a test runs on it."""
    if engine_name == "sqlite":
        return None
    return str(request.getfixturevalue("database_url"))


# A test about SQLite's own behaviour (its file, its locks): run on the embedded engine only.
sqlite_only = pytest.mark.parametrize("engine_name", ["sqlite"])


def raw_engine(archive: Archive, backend: str | None) -> sa.Engine:
    """A plain engine on the archive's database, as someone with its credentials would use."""
    if backend is None:
        return sa.create_engine(f"sqlite:///{archive.database_path}", poolclass=sa.NullPool)
    url = backend.replace("postgresql://", "postgresql+psycopg://", 1)
    return sa.create_engine(url, poolclass=sa.NullPool)


class RawDatabase:
    """The archive's database as someone holding its credentials sees it, on either engine:
    plain SQL, no postproof code in the way. What tampering tests use to damage a record."""

    def __init__(self, archive: Archive, backend: str | None) -> None:
        self.engine = raw_engine(archive, backend)
        self.postgres = backend is not None

    def rows(self, sql: str, **params: object) -> list[tuple[Any, ...]]:
        with self.engine.connect() as connection:
            return [tuple(row) for row in connection.execute(sa.text(sql), params)]

    def tamper(self, *statements: str) -> None:
        """Run ``statements`` in one transaction. ``DROP TRIGGER name`` lifts an append-only
        trigger (named ``<table>_append_only_<what>`` on both engines)."""
        with self.engine.begin() as connection:
            if self.postgres:  # foreign keys too, as SQLite's raw connections never check them
                connection.exec_driver_sql("SET LOCAL session_replication_role = replica")
            for statement in statements:
                connection.exec_driver_sql(self._translated(statement))

    def refusal(self, statement: str) -> str:
        """The database's message refusing ``statement`` (which must be refused)."""
        with pytest.raises(sa.exc.DBAPIError) as refused, self.engine.begin() as connection:
            connection.exec_driver_sql(statement)
        return str(refused.value.orig)

    def close(self) -> None:
        self.engine.dispose()

    def _translated(self, statement: str) -> str:
        words = statement.split()
        if self.postgres and words[:2] == ["DROP", "TRIGGER"] and len(words) == 3:
            table = words[2].rsplit("_append_only_", 1)[0]
            return f"DROP TRIGGER {words[2]} ON {table}"
        return statement
