"""`list` reads an embedded archive with the standard library's sqlite3 (storage._listing): it
must give what the archive's own queries give, and hand every other case back to them."""

from __future__ import annotations

import dataclasses
import itertools
import sqlite3
from datetime import timedelta
from pathlib import Path

import pytest

from archiver.errors import UsageError
from archiver.models import Status
from storage import Archive, open_archive, read_listing
from tests.engines import sqlite_only
from tests.storage.factories import T0, fixed_clock, make_result, sequential_ids

MASTODON = "https://social.example/@alice/{}"
X_POST = "https://x.com/bob/status/{}"
FINAL = "https://social.example/@alice/moved"


def fill(archive: Archive) -> list[str]:
    """Captures that tell the orderings and the filters apart: two platforms, three statuses,
    one started time shared by three captures (the stored time is fixed too, so the id
    decides), a final URL of its own, a capture made for a user, and two retracted."""
    results = [
        make_result(MASTODON.format(1), post_id="1", started_at=T0),
        make_result(MASTODON.format(2), post_id="2", started_at=T0 + timedelta(hours=1)),
        make_result(MASTODON.format(3), post_id="3", started_at=T0 + timedelta(hours=1)),
        make_result(MASTODON.format(1), post_id="1", started_at=T0 + timedelta(hours=1)),
        make_result(X_POST.format(7), post_id="7", platform="x", status=Status.NOT_FOUND),
        make_result(X_POST.format(8), post_id="8", platform="x", started_at=T0 - timedelta(1)),
        make_result(
            X_POST.format(9), post_id="9", platform="x", status=Status.LOGIN_WALL, text="later"
        ),
    ]
    results[1] = dataclasses.replace(results[1], final_url=FINAL)
    ids = [archive.store(result) for result in results]
    made_for = archive.made_by
    archive.made_by = "ana"
    try:
        ids.append(archive.store(make_result(MASTODON.format(4), post_id="4")))
    finally:
        archive.made_by = made_for
    archive.retract(ids[3], "the wrong post was captured")
    archive.retract(ids[4], "asked for by mistake")
    return ids


QUERIES = list(
    itertools.product(
        [None, MASTODON.format(1), FINAL, X_POST.format(7), "https://nowhere.example/1"],
        [None, "x", "mastodon"],
        [None, "ok", "not_found"],
        [None, 2],
        [True, False],
    )
)


@sqlite_only
def test_the_listing_equals_the_archives_own_queries(archive: Archive, home: Path) -> None:
    ids = fill(archive)
    everything = read_listing(home)
    assert everything is not None
    assert {r.id for r in everything.records} == set(ids)
    assert any(r.made_by == "ana" for r in everything.records)
    assert sum(r.retracted is not None for r in everything.records) == 2
    assert all(r.artifacts for r in everything.records)
    for url, platform, status, limit, include_retracted in QUERIES:
        wanted = {"url": url, "platform": platform, "status": status}
        listing = read_listing(home, **wanted, limit=limit, include_retracted=include_retracted)
        expected = archive.list_captures(**wanted, limit=limit, include_retracted=include_retracted)
        left_out = 0 if include_retracted else archive.count_retracted_captures(**wanted)
        assert listing is not None
        assert listing.records == expected, (wanted, limit, include_retracted)
        assert [a.location for r in listing.records for a in r.artifacts] == [
            a.location for r in expected for a in r.artifacts
        ]
        assert listing.retracted_left_out == left_out


@sqlite_only
def test_the_listing_leaves_retracted_captures_out_and_counts_them(
    archive: Archive, home: Path
) -> None:
    ids = fill(archive)
    listing = read_listing(home, platform="mastodon", include_retracted=False)
    assert listing is not None
    assert ids[3] not in {r.id for r in listing.records}
    assert listing.retracted_left_out == 1
    # Newest first; among equal times (stored at the same moment too), by id.
    assert [r.id for r in listing.records] == [ids[1], ids[2], ids[0], ids[7]]


@sqlite_only
def test_an_unknown_status_is_refused_as_the_archive_refuses_it(
    archive: Archive, home: Path
) -> None:
    with pytest.raises(UsageError) as listing_error:
        read_listing(home, status="gone")
    with pytest.raises(UsageError) as archive_error:
        archive.list_captures(status="gone")
    assert str(listing_error.value) == str(archive_error.value)


@sqlite_only
def test_a_listing_does_not_wait_for_a_writer(archive: Archive, home: Path) -> None:
    """A capture being stored (its transaction open) is not listed yet, and the listing does
    not wait for it."""
    ids = fill(archive)
    before = read_listing(home)
    writer = sqlite3.connect(home / "postproof.sqlite3", isolation_level=None, timeout=1)
    try:
        writer.execute("BEGIN IMMEDIATE")
        writer.execute(
            "INSERT INTO retractions (target_kind, target_id, reason, retracted_at) "
            "VALUES ('capture', ?, 'not yet', '2025-03-02T00:00:00.000000Z')",
            (ids[0],),
        )
        during = read_listing(home)
    finally:
        writer.execute("ROLLBACK")
        writer.close()
    assert before is not None and during is not None
    assert during == before


def test_a_home_without_a_database_is_left_to_the_archive(tmp_path: Path) -> None:
    home = tmp_path / "new-home"
    assert read_listing(home) is None
    assert not home.exists()  # nothing made: opening the archive makes the home
    home.mkdir()
    assert read_listing(home) is None
    assert list(home.iterdir()) == []


@sqlite_only
def test_a_configured_database_is_left_to_the_archive(
    archive: Archive, home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    fill(archive)
    assert read_listing(home) is not None
    monkeypatch.setenv("POSTPROOF_DATABASE_URL", "postgresql://reader@127.0.0.1:9/archive")
    assert read_listing(home) is None
    monkeypatch.delenv("POSTPROOF_DATABASE_URL")
    (home / "config.toml").write_text(
        '[database]\nurl = "postgresql://reader@127.0.0.1:9/archive"\n', encoding="utf-8"
    )
    assert read_listing(home) is None


@sqlite_only
def test_a_database_at_another_revision_is_left_to_the_archive(
    archive: Archive, home: Path
) -> None:
    fill(archive)
    archive.close()
    database = sqlite3.connect(home / "postproof.sqlite3", isolation_level=None)
    try:
        (newest,) = database.execute("SELECT version_num FROM alembic_version").fetchone()
        database.execute("UPDATE alembic_version SET version_num = '0013_an_older_one'")
        assert read_listing(home) is None
        database.execute("UPDATE alembic_version SET version_num = ?", (newest,))
        assert read_listing(home) is not None
    finally:
        database.close()


def test_a_damaged_database_is_left_to_the_archive_which_reports_it(tmp_path: Path) -> None:
    home = tmp_path / "home"
    with open_archive(home, clock=fixed_clock(), new_id=sequential_ids()) as archive:
        archive.store(make_result())
    database = home / "postproof.sqlite3"
    for name in ("postproof.sqlite3-wal", "postproof.sqlite3-shm"):
        (home / name).unlink(missing_ok=True)
    database.write_bytes(b"not a database at all, " * 400)
    assert read_listing(home) is None
