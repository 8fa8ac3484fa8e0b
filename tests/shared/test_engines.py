"""The archive's core behaviours on both engines, embedded SQLite and PostgreSQL, so that the two
cannot drift: a capture stored and read back, the log appended, sealed and verified, tampering
found, the append-only rules, retractions, and the migrated schema equal to the models."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from archiver.models import Status
from proof import NoteVerifier, verify_checkpoint, verify_inclusion
from storage import Archive, open_archive
from storage._database import create_archive_engine, known_revisions, ours
from storage._ledger import log_origin
from storage._tables import METADATA
from tests.shared.cluster import Cluster
from tests.shared.conftest import new_database, raw_engine
from tests.storage.factories import STORED_AT, T0, make_result

APPEND_ONLY = ("captures", "artifacts", "log_entries", "checkpoints", "timestamps", "retractions")


def _store(archive: Archive, n: int, start: int = 0) -> list[str]:
    return [
        archive.store(make_result(f"https://social.example/@a/{i}", post_id=str(1000 + i)))
        for i in range(start, start + n)
    ]


def test_a_capture_is_stored_and_read_back(archive: Archive) -> None:
    result = make_result(text="the council voted 7 amendments")
    capture_id = archive.store(result)
    record = archive.get_capture(capture_id[:5])
    assert record.id == capture_id == "cap00001"
    assert (record.status, record.text, record.author) == (
        Status.OK,
        "the council voted 7 amendments",
        "Alice",
    )
    assert record.started_at == result.started_at and record.stored_at == STORED_AT
    assert sorted(a.sha256 for a in record.artifacts) == sorted(a.sha256 for a in result.artifacts)
    for artifact in record.artifacts:
        data = archive.blobs.read(artifact.sha256)
        assert data == next(a.data for a in result.artifacts if a.sha256 == artifact.sha256)
    again = archive.store(make_result(text="edited", started_at=T0 + timedelta(hours=1)))
    assert [r.id for r in archive.history(result.canonical_url)] == [capture_id, again]
    assert [r.id for r in archive.list_captures(url=result.canonical_url, limit=1)] == [again]
    assert archive.count_captures() == 2


def test_the_log_is_appended_sealed_and_verified(archive: Archive) -> None:
    ids = _store(archive, 3)
    first = archive.seal()
    assert (first.log_size, first.checkpoint_size, first.new_checkpoint) == (3, 3, True)
    assert archive.seal().new_checkpoint is False
    ids += _store(archive, 2, start=3)
    assert archive.seal().checkpoint_size == 5
    key = archive.signing_key()
    for stored in archive.ledger.checkpoints():
        checkpoint, _ = verify_checkpoint(
            stored.note,
            [NoteVerifier.from_string(key.verifier)],
            expected_origin=log_origin(key.verifier),
        )
        assert (checkpoint.size, checkpoint.root_hash) == (stored.size, stored.root_hash)
    proofs = archive.ledger.proofs(ids)
    assert [entry.index for entry in proofs.entries] == [0, 1, 2, 3, 4]
    for entry in proofs.entries:
        assert verify_inclusion(
            entry.leaf_hash, entry.index, 5, entry.inclusion[5], proofs.head.root_hash
        )
    report = archive.verify()
    assert report.ok, report.problems
    assert report.ledger is not None
    assert (report.ledger["log_size"], report.ledger["consistency_checked"]) == (5, 1)


def test_an_edited_manifest_is_found_by_verify(archive: Archive, backend: str | None) -> None:
    ids = _store(archive, 2)
    archive.seal()
    engine = raw_engine(archive, backend)
    trigger = "log_entries_append_only_update"
    lift = f"DROP TRIGGER {trigger}" + (" ON log_entries" if backend else "")
    try:
        with engine.begin() as connection:  # someone with the database's own credentials
            connection.exec_driver_sql(lift)
            connection.execute(
                sa.text(
                    'UPDATE log_entries SET manifest = replace(manifest, \'"status":"ok"\', '
                    '\'"status":"not_found"\') WHERE capture_id = :id'
                ),
                {"id": ids[1]},
            )
    finally:
        engine.dispose()
    problems = archive.verify().problems
    assert {p.capture_id for p in problems} >= {ids[1]}, "an edited manifest went unnoticed"
    assert ids[0] not in {p.capture_id for p in problems}


REFUSED = (
    "UPDATE captures SET text = 'rewritten'",
    "DELETE FROM captures",
    "UPDATE artifacts SET sha256 = 'x'",
    "DELETE FROM artifacts",
    "UPDATE log_entries SET manifest = '{}'",
    "DELETE FROM log_entries",
    "UPDATE checkpoints SET root_hash = 'x'",
    "DELETE FROM checkpoints",
    "UPDATE retractions SET reason = 'other'",
    "DELETE FROM retractions",
)


def test_evidence_is_append_only(archive: Archive, backend: str | None) -> None:
    [capture_id] = _store(archive, 1)
    archive.retract(capture_id, "posted by mistake")
    archive.seal()
    engine = raw_engine(archive, backend)
    try:
        for statement in REFUSED:
            table = statement.split()[2 if statement.startswith("DELETE") else 1]
            with (
                pytest.raises(sa.exc.DBAPIError, match=f"{table} are append-only"),
                engine.begin() as connection,  # each statement in a transaction of its own
            ):
                connection.exec_driver_sql(statement)
    finally:
        engine.dispose()
    assert archive.verify().ok


def test_truncate_is_refused_on_postgresql(database_url: str, home: Path) -> None:
    """TRUNCATE fires no row trigger: a statement trigger of its own refuses it."""
    with open_archive(home, database_url=database_url) as archive:
        archive.store(make_result())
        engine = raw_engine(archive, database_url)
        try:
            for table in APPEND_ONLY:
                with (
                    pytest.raises(sa.exc.DBAPIError, match=f"{table} are append-only"),
                    engine.begin() as connection,
                ):
                    connection.exec_driver_sql(f"TRUNCATE {table} CASCADE")
        finally:
            engine.dispose()
        assert archive.count_captures() == 1


def test_a_retraction_is_logged_and_hides_the_capture(
    archive: Archive, backend: str | None
) -> None:
    kept, retracted = _store(archive, 2)
    record = archive.retract(retracted, "the wrong account")
    assert (record.target_kind, record.target_id, record.log_index) == ("capture", retracted, 2)
    archive.seal()
    assert [r.id for r in archive.list_captures(include_retracted=False)] == [kept]
    assert archive.get_capture(retracted).retracted is not None
    report = archive.verify()
    assert report.ok, report.problems
    assert report.ledger is not None and report.ledger["retractions"] == 1
    [entry] = [
        e for e in _manifests(archive, backend) if e["format"].startswith("postproof-retraction")
    ]
    assert entry["target"] == {
        "kind": "capture",
        "id": retracted,
        "log_index": 1,
        "leaf_hash": archive.ledger.places([retracted])[retracted].leaf_hash.hex(),
    }


def test_an_exclusive_lock_is_held_by_one_process_of_the_archive_at_a_time(
    archive: Archive, home: Path, backend: str | None
) -> None:
    with open_archive(home, database_url=backend) as other:
        with archive.exclusive("recheck") as holder:
            assert holder is None
            with other.exclusive("recheck") as second:
                assert second is not None and "pid" in second
            with other.exclusive("another") as unrelated:
                assert unrelated is None
        with other.exclusive("recheck") as after:
            assert after is None


def _manifests(archive: Archive, backend: str | None) -> list[dict[str, object]]:
    engine = raw_engine(archive, backend)
    try:
        with engine.connect() as connection:
            rows = connection.exec_driver_sql("SELECT manifest FROM log_entries ORDER BY idx")
            return [json.loads(row[0]) for row in rows]
    finally:
        engine.dispose()


def test_an_empty_database_migrates_to_the_models(
    engine_name: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    """Every revision from nothing, on each engine, ends in the schema the models describe."""
    url: str | None = None
    if engine_name == "postgresql":
        cluster: Cluster = request.getfixturevalue("postgres")
        url = cluster.url(new_database(request.getfixturevalue("admin")))
    open_archive(tmp_path / "home", database_url=url).close()
    engine = create_archive_engine(tmp_path / "home" / "postproof.sqlite3", url)
    try:
        with engine.connect() as connection:
            context = MigrationContext.configure(
                connection, opts={"compare_type": True, "include_name": ours}
            )
            assert compare_metadata(context, METADATA) == []
            version = connection.exec_driver_sql("SELECT version_num FROM alembic_version")
            assert version.scalar() == known_revisions()[1]
    finally:
        engine.dispose()
