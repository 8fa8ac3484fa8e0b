"""The app's own database role, as the README sets it up: it records, seals, retracts and verifies,
but cannot change or remove evidence, nor lift the triggers that guard it (it does not own the
tables: the role that migrates does)."""

from __future__ import annotations

import itertools
import secrets
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from archiver.errors import StorageError
from storage import open_archive
from tests.shared.cluster import Cluster
from tests.shared.conftest import new_database
from tests.storage.factories import make_result

EVIDENCE = (
    "captures",
    "artifacts",
    "log_entries",
    "checkpoints",
    "timestamps",
    "retractions",
    "job_captures",
    "job_failures",
)
_ROLES = itertools.count(1)


def app_role_sql(role: str, password: str, database: str) -> list[str]:
    """The README's statements for the app's role, run by the role that owns the tables."""
    evidence = ", ".join(EVIDENCE)
    return [
        f"CREATE ROLE {role} LOGIN PASSWORD '{password}'",
        f"GRANT CONNECT ON DATABASE {database} TO {role}",
        f"GRANT USAGE ON SCHEMA public TO {role}",
        f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {role}",
        f"REVOKE UPDATE, DELETE, TRUNCATE ON {evidence} FROM {role}",
        f"GRANT USAGE ON ALL SEQUENCES IN SCHEMA public TO {role}",
    ]


@pytest.fixture
def app_url(postgres: Cluster, database_url: str) -> Iterator[str]:
    role, password = f"postproof_app_{next(_ROLES)}", secrets.token_hex(8)
    database = database_url.rsplit("/", 1)[1]
    owner = sa.create_engine(
        database_url.replace("postgresql://", "postgresql+psycopg://", 1), poolclass=sa.NullPool
    )
    try:
        with owner.begin() as connection:
            for statement in app_role_sql(role, password, database):
                connection.exec_driver_sql(statement)
        yield f"postgresql://{role}:{password}@127.0.0.1:{postgres.port}/{database}"
        with owner.begin() as connection:
            connection.exec_driver_sql(f"DROP OWNED BY {role}")
        with owner.connect() as connection:  # after the test's connections are gone
            connection.execution_options(isolation_level="AUTOCOMMIT").exec_driver_sql(
                f"SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = '{role}'"
            )
            connection.exec_driver_sql(f"DROP ROLE {role}")
    finally:
        owner.dispose()


def test_the_app_role_records_and_verifies(app_url: str, home: Path) -> None:
    with open_archive(home, database_url=app_url) as archive:
        kept = archive.store(make_result())
        retracted = archive.store(make_result(text="posted by mistake"))
        archive.retract(retracted, "the wrong account")
        archive.seal()
        assert [r.id for r in archive.list_captures(include_retracted=False)] == [kept]
        # What it records is indexed for search under its own grants, and it can search.
        assert [h.ref for h in archive.search_index.search("mistake")] == [retracted]
        report = archive.verify()
        assert report.ok, report.problems


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE captures SET text = 'rewritten'",
        "DELETE FROM log_entries",
        "TRUNCATE checkpoints CASCADE",
        "DROP TRIGGER captures_append_only_update ON captures",
        "ALTER TABLE log_entries DISABLE TRIGGER USER",
        "DELETE FROM job_captures",
    ],
)
def test_the_app_role_cannot_touch_evidence(app_url: str, home: Path, statement: str) -> None:
    with open_archive(home, database_url=app_url) as archive:
        archive.store(make_result())
        archive.seal()
    engine = sa.create_engine(
        app_url.replace("postgresql://", "postgresql+psycopg://", 1), poolclass=sa.NullPool
    )
    try:
        with (
            pytest.raises(sa.exc.ProgrammingError, match=r"permission denied|must be owner"),
            engine.begin() as connection,
        ):
            connection.exec_driver_sql(statement)
    finally:
        engine.dispose()
    with open_archive(home, database_url=app_url) as archive:
        assert archive.count_captures() == 1 and archive.verify().ok


def test_a_role_that_cannot_migrate_is_told_who_can(
    postgres: Cluster, admin: sa.Engine, home: Path
) -> None:
    database = new_database(admin)  # empty: opening it means migrating it
    role, password = f"postproof_app_{next(_ROLES)}", secrets.token_hex(8)
    with admin.connect() as connection:
        connection.exec_driver_sql(f"CREATE ROLE {role} LOGIN PASSWORD '{password}'")
    try:
        url = f"postgresql://{role}:{password}@127.0.0.1:{postgres.port}/{database}"
        with pytest.raises(StorageError, match="did not allow it: permission denied") as caught:
            open_archive(home, database_url=url)
        assert caught.value.hint is not None and "owns the tables" in caught.value.hint
    finally:
        with admin.connect() as connection:
            connection.exec_driver_sql(f"DROP DATABASE {database} WITH (FORCE)")
            connection.exec_driver_sql(f"DROP ROLE {role}")
