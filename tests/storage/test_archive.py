from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest

from archiver.errors import IntegrityError, StorageError, UsageError
from archiver.models import Artifact, ArtifactKind, CaptureSink, Status
from storage import Archive, open_archive
from tests.engines import RawDatabase
from tests.storage.factories import STORED_AT, T0, URL, make_result, screenshot


def test_archive_is_a_capture_sink(archive: Archive) -> None:
    sink: CaptureSink = archive
    assert callable(sink.store)


def test_store_and_get_round_trip(archive: Archive) -> None:
    result = make_result()
    capture_id = archive.store(result)
    assert capture_id == "cap00001"

    record = archive.get_capture(capture_id)
    assert record.id == capture_id
    assert record.requested_url == record.canonical_url == record.final_url == URL
    assert (record.platform, record.platform_post_id) == ("mastodon", "101")
    assert record.status is Status.OK
    assert record.http_status == 200
    assert record.started_at == T0
    assert record.finished_at == T0 + timedelta(seconds=3)
    assert record.stored_at == STORED_AT
    for moment in (record.started_at, record.finished_at, record.stored_at, record.posted_at):
        assert moment is not None
        assert moment.tzinfo is UTC
    assert record.server_ip == "127.0.0.1"
    assert record.browser == "chromium 130.0"
    assert record.tool_version == "0.1.0"
    assert record.insecure is False
    assert (record.author, record.handle, record.text, record.lang) == (
        "Alice",
        "@alice",
        "hello world",
        "en",
    )
    assert result.post is not None
    assert record.media == result.post.media

    assert [a.kind for a in record.artifacts] == [a.kind for a in result.artifacts]
    for stored, original in zip(record.artifacts, result.artifacts, strict=True):
        assert stored.sha256 == original.sha256
        assert stored.size == original.size
        assert stored.media_type == original.media_type
        assert (stored.phash, stored.dhash) == (original.phash, original.dhash)
        assert stored.path.read_bytes() == original.data
    shot = record.artifact(ArtifactKind.SCREENSHOT)
    assert shot is not None and shot.phash is not None
    assert record.to_json()["started_at"] == "2025-03-01T12:00:00.000Z"


def test_times_in_other_zones_are_stored_as_utc(archive: Archive) -> None:
    paris = timezone(timedelta(hours=1))
    capture_id = archive.store(make_result(started_at=T0.astimezone(paris)))
    record = archive.get_capture(capture_id)
    assert record.started_at == T0 and record.started_at.tzinfo is UTC


def test_naive_times_are_refused_before_anything_is_written(archive: Archive) -> None:
    with pytest.raises(ValueError, match="naive"):
        archive.store(make_result(started_at=datetime(2025, 3, 1, 12, 0)))
    assert archive.count_captures() == 0
    assert list(archive.blobs.iter_shas()) == []


def test_a_failed_capture_is_recorded_with_its_evidence(archive: Archive) -> None:
    capture_id = archive.store(make_result(status=Status.NOT_FOUND))
    record = archive.get_capture(capture_id)
    assert record.status is Status.NOT_FOUND
    assert record.reason == "the post is gone"
    assert record.text is None and record.media == ()


def test_identical_artifacts_are_stored_once(archive: Archive) -> None:
    first = archive.get_capture(archive.store(make_result()))
    second = archive.get_capture(
        archive.store(make_result("https://social.example/@bob/7", post_id="7"))
    )
    first_shot = first.artifact(ArtifactKind.SCREENSHOT)
    second_shot = second.artifact(ArtifactKind.SCREENSHOT)
    assert first_shot is not None and second_shot is not None
    assert first_shot.sha256 == second_shot.sha256
    assert first_shot.path == second_shot.path
    shas = list(archive.blobs.iter_shas())
    assert len(shas) == len(set(shas)) == 4  # shared screenshot and html, two provenances
    assert archive.verify().ok


def test_history_keeps_every_capture_of_a_post(archive: Archive) -> None:
    ids = [
        archive.store(make_result(started_at=T0 + timedelta(days=day), text=f"version {day}"))
        for day in (2, 0, 1)
    ]
    archive.store(make_result("https://social.example/@bob/7", post_id="7"))
    gone = archive.store(make_result(status=Status.NOT_FOUND, started_at=T0 + timedelta(days=3)))

    history = archive.history(URL)
    assert [r.id for r in history] == [ids[1], ids[2], ids[0], gone]
    assert [r.text for r in history] == ["version 0", "version 1", "version 2", None]
    assert len({r.post_id for r in history}) == 1
    assert [r.id for r in archive.history(history[0].post_id)] == [r.id for r in history]
    assert [r.id for r in archive.history(gone)] == [r.id for r in history]
    assert archive.history("https://social.example/never/seen") == []


def test_post_identity_prefers_the_platform_id(archive: Archive, raw: RawDatabase) -> None:
    # A capture that knew only the URL, then one that learned the post id: one post.
    by_url = archive.store(make_result(post_id=None, status=Status.UNAVAILABLE))
    by_id = archive.store(make_result(started_at=T0 + timedelta(hours=1)))
    # The same post id reached through another URL is still the same post.
    moved = archive.store(
        make_result("https://social.example/@alice2/101", started_at=T0 + timedelta(hours=2))
    )
    records = [archive.get_capture(i) for i in (by_url, by_id, moved)]
    assert len({r.post_id for r in records}) == 1
    rows = raw.rows(
        "SELECT platform_post_id, first_captured_at, last_captured_at, last_status FROM posts"
    )
    assert rows == [("101", "2025-03-01T12:00:00.000000Z", "2025-03-01T14:00:00.000000Z", "ok")]


def test_an_older_capture_stored_late_does_not_move_last_status(
    archive: Archive, raw: RawDatabase
) -> None:
    archive.store(make_result(started_at=T0 + timedelta(days=1)))
    archive.store(make_result(status=Status.NOT_FOUND, started_at=T0))
    [row] = raw.rows("SELECT first_captured_at, last_status FROM posts")
    assert row == ("2025-03-01T12:00:00.000000Z", "ok")


def test_list_captures_filters_and_orders_newest_first(archive: Archive) -> None:
    old = archive.store(make_result(started_at=T0))
    new = archive.store(make_result(started_at=T0 + timedelta(hours=1)))
    other = archive.store(
        make_result(
            "https://bsky.example/profile/bob/post/3",
            post_id="3",
            platform="bluesky",
            status=Status.LOGIN_WALL,
            started_at=T0 + timedelta(minutes=30),
        )
    )
    assert [r.id for r in archive.list_captures()] == [new, other, old]
    assert [r.id for r in archive.list_captures(url=URL)] == [new, old]
    assert [r.id for r in archive.list_captures(platform="bluesky")] == [other]
    assert [r.id for r in archive.list_captures(status="login_wall")] == [other]
    assert [r.id for r in archive.list_captures(status=Status.OK, limit=1)] == [new]
    assert archive.count_captures() == 3
    with pytest.raises(UsageError, match="unknown capture status") as caught:
        archive.list_captures(status="deleted")
    assert caught.value.hint is not None and "not_found" in caught.value.hint


def test_captures_are_append_only(archive: Archive, raw: RawDatabase) -> None:
    capture_id = archive.store(make_result())
    for statement in (
        "UPDATE captures SET text = 'edited'",
        "DELETE FROM captures",
        "UPDATE artifacts SET sha256 = 'x'",
        "DELETE FROM artifacts",
    ):
        assert "append-only" in raw.refusal(statement)
    assert archive.get_capture(capture_id).text == "hello world"


def test_an_artifact_that_does_not_match_its_hash_is_refused(archive: Archive) -> None:
    good = screenshot()
    forged = replace(Artifact.from_bytes(ArtifactKind.HTML, b"<p>a</p>", "text/html"), data=b"b")
    with pytest.raises(IntegrityError, match="html artifact"):
        archive.store(make_result(artifacts=(good, forged)))
    assert archive.count_captures() == 0
    assert list(archive.blobs.iter_shas()) == []


def test_a_failed_store_leaves_no_blobs_behind(home: Path) -> None:
    def broken_ids() -> str:
        raise RuntimeError("id generator exploded")

    with open_archive(home, new_id=broken_ids) as archive:
        with pytest.raises(RuntimeError, match="exploded"):
            archive.store(make_result())
        assert archive.count_captures() == 0
        assert list(archive.blobs.iter_shas()) == []
        assert archive.verify().ok


def test_colliding_ids_are_drawn_again(home: Path) -> None:
    drawn = iter(["aaaa0001", "aaaa0001", "aaaa0001", "aaaa0002"])
    with open_archive(home, new_id=lambda: next(drawn)) as archive:
        assert archive.store(make_result()) == "aaaa0001"
        assert archive.store(make_result()) == "aaaa0002"


def test_a_closed_archive_says_so(home: Path) -> None:
    archive = open_archive(home)
    archive.close()
    archive.close()  # twice is fine
    with pytest.raises(StorageError, match="closed"):
        archive.store(make_result())
    assert not list((home / "runs").glob("run-*.lock"))


def test_an_unusable_home_is_a_storage_error(tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a directory")
    with pytest.raises(StorageError) as caught:
        open_archive(blocker / "home")
    assert caught.value.hint is not None and "POSTPROOF_HOME" in caught.value.hint
    assert isinstance(caught.value.__cause__, OSError)


def test_captures_are_read_together_in_the_order_asked(archive: Archive) -> None:
    ids = [
        archive.store(make_result(f"https://social.example/@alice/{n}", post_id=str(n)))
        for n in range(3)
    ]
    asked = [ids[2], "zzzzzzzz", ids[0]]
    assert [r.id for r in archive.get_captures(asked)] == [ids[2], ids[0]]
    assert archive.get_captures([ids[1]]) == [archive.get_capture(ids[1])]
    assert archive.get_captures([]) == []
    # Read 500 ids at a time: captures past the first read come back too, in order, and an id
    # asked twice comes back twice.
    unknown = [f"zz{n:06d}" for n in range(600)]
    asked = [ids[1], *unknown[:520], ids[2], *unknown[520:], ids[0], ids[2]]
    assert [r.id for r in archive.get_captures(asked)] == [ids[1], ids[2], ids[0], ids[2]]
