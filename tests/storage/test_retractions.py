"""Retractions in a real archive: a retraction is a row of its own and an entry of its own in the
transparency log, signed and checked by ``verify`` like a capture's; the row cannot be changed or
removed, and tampering with it is found; what is retracted stays stored, and listings leave it
out only when asked."""

from __future__ import annotations

import base64
import json
from datetime import timedelta

import pytest

from archiver.errors import UsageError
from proof import NoteVerifier, canonical_json, leaf_hash
from storage import Archive, NewArticle
from tests.engines import RawDatabase
from tests.storage.factories import T0, make_result


def _store(archive: Archive, n: int, *, post: str = "1") -> list[str]:
    """``n`` captures of one post, a minute apart, oldest first."""
    return [
        archive.store(
            make_result(
                f"https://social.example/@a/{post}",
                post_id=post,
                started_at=T0 + timedelta(minutes=i),
                text=f"version {i}",
            )
        )
        for i in range(n)
    ]


def _problems(archive: Archive, capture_id: str | None = None) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for problem in archive.verify(capture_id).problems:
        found.setdefault(problem.problem, []).append(problem.detail)
    return found


def test_a_retraction_is_its_own_signed_log_entry_and_verifies(
    archive: Archive, raw: RawDatabase
) -> None:
    first, second = _store(archive, 2)
    archive.seal()
    retraction = archive.retract(first.upper(), "  the wrong post was captured  ")
    assert (retraction.target_kind, retraction.target_id) == ("capture", first)
    assert retraction.reason == "the wrong post was captured"
    assert retraction.log_index == 2  # after the two captures' entries
    sealed = archive.seal()
    assert (sealed.log_size, sealed.checkpoint_size) == (3, 3)

    rows = raw.rows(
        "SELECT idx, capture_id, retraction_id, manifest, signature, key, leaf_hash "
        "FROM log_entries ORDER BY idx"
    )
    # The captures' entries are untouched; the retraction is appended after them.
    assert [(idx, cid, rid) for idx, cid, rid, *_ in rows] == [
        (0, first, None),
        (1, second, None),
        (2, None, retraction.id),
    ]
    _idx, _cid, _rid, manifest, signature, key, leaf = rows[2]
    body = json.loads(manifest)
    assert canonical_json(body) == manifest.encode() and leaf == leaf_hash(manifest.encode()).hex()
    assert NoteVerifier.from_string(key).verify(manifest.encode(), base64.b64decode(signature))
    assert body["format"] == "postproof-retraction-manifest/1"
    assert body["reason"] == "the wrong post was captured"
    # It names exactly the signed entry it takes back.
    assert body["target"] == {
        "kind": "capture",
        "id": first,
        "log_index": 0,
        "leaf_hash": rows[0][6],
    }

    report = archive.verify()
    assert report.ok, report.problems
    assert report.ledger is not None
    assert (report.ledger["log_size"], report.ledger["retractions"]) == (3, 1)
    one = archive.verify(first)
    assert one.ok and one.retracted is not None and one.retracted.reason == retraction.reason
    assert archive.verify(second).retracted is None


def test_the_admin_who_retracts_is_signed_in_the_retraction(
    archive: Archive, raw: RawDatabase
) -> None:
    plain, asked = _store(archive, 2)
    archive.retract(plain, "from the command line")
    made = archive.retract(asked, "from the web app", made_by="alice")
    assert made.made_by == "alice"
    manifests = [
        json.loads(m)
        for (m,) in raw.rows(
            "SELECT manifest FROM log_entries WHERE retraction_id IS NOT NULL ORDER BY idx"
        )
    ]
    assert "made_by" not in manifests[0] and manifests[1]["made_by"] == "alice"
    assert archive.verify().ok
    shown = archive.get_capture(asked).retracted
    assert shown is not None and shown.made_by == "alice"
    raw.tamper(
        "DROP TRIGGER retractions_append_only_update",
        f"UPDATE retractions SET made_by = 'mallory' WHERE id = {made.id}",
    )
    assert "manifest_mismatch" in {p.problem for p in archive.verify().problems}


def test_the_retraction_table_is_append_only(archive: Archive, raw: RawDatabase) -> None:
    [capture_id] = _store(archive, 1)
    archive.retract(capture_id, "duplicate")
    refused = raw.refusal("UPDATE retractions SET reason = 'nothing happened'")
    assert "retractions are append-only" in refused
    assert "retractions are append-only" in raw.refusal("DELETE FROM retractions")
    refused = raw.refusal("DELETE FROM log_entries WHERE retraction_id IS NOT NULL")
    assert "log_entries are append-only" in refused


def test_an_edited_retraction_is_found(archive: Archive, raw: RawDatabase) -> None:
    first, second = _store(archive, 2)
    archive.retract(first, "captured by mistake")
    archive.seal()
    raw.tamper(
        "DROP TRIGGER retractions_append_only_update",
        "UPDATE retractions SET reason = 'never retracted, really'",
    )
    found = _problems(archive)
    [mismatch] = found["manifest_mismatch"]
    assert f"retraction 1 (of capture {first}) no longer matches its signed manifest" in mismatch
    assert '"captured by mistake"' in mismatch and '"never retracted, really"' in mismatch
    # The problem is the retracted capture's: `verify` of that capture names it too.
    assert "manifest_mismatch" in _problems(archive, first)
    assert _problems(archive, second) == {}


def test_a_retraction_moved_to_another_capture_is_found(archive: Archive, raw: RawDatabase) -> None:
    first, second = _store(archive, 2)
    archive.retract(first, "captured by mistake")
    raw.tamper(
        "DROP TRIGGER retractions_append_only_update",
        f"UPDATE retractions SET target_id = '{second}'",
    )
    [mismatch] = _problems(archive)["manifest_mismatch"]
    assert f'target.id was "{first}", is now "{second}"' in mismatch


def test_a_retraction_without_its_log_entry_is_found(archive: Archive, raw: RawDatabase) -> None:
    [capture_id] = _store(archive, 1)
    archive.retract(capture_id, "captured by mistake")
    raw.tamper(
        "DROP TRIGGER log_entries_append_only_delete",
        "DELETE FROM log_entries WHERE retraction_id IS NOT NULL",
    )
    found = _problems(archive)
    assert found["not_logged"] == [
        f"retraction 1 (of capture {capture_id}) has no entry in the log: its log entry was removed"
    ]


def test_retracting_twice_or_something_unknown_is_refused(archive: Archive) -> None:
    [capture_id] = _store(archive, 1)
    archive.retract(capture_id, "first reason")
    with pytest.raises(UsageError, match="already retracted: first reason") as again:
        archive.retract(capture_id, "second reason")
    assert again.value.exit_code == 2
    with pytest.raises(UsageError, match="no capture or article") as unknown:
        archive.retract("zzzzzzzz", "no such thing")
    assert unknown.value.exit_code == 2
    with pytest.raises(UsageError, match="too short"):
        archive.retract(capture_id[:2], "too little of an id")
    with pytest.raises(UsageError, match="needs a reason"):
        archive.retract(capture_id, "   ")
    assert len(archive.retractions.all()) == 1
    assert archive.ledger.size() == 2  # one capture, one retraction: nothing logged twice


def test_retracted_captures_stay_stored_and_leave_listings_only_when_asked(
    archive: Archive,
) -> None:
    older, newer = _store(archive, 2)
    [other] = _store(archive, 1, post="2")
    archive.retract(newer, "a spoofed page")
    everything = archive.list_captures()
    assert {c.id for c in everything} == {older, newer, other}
    assert next(c for c in everything if c.id == newer).retracted is not None
    assert archive.get_capture(newer).to_json()["retracted"]["reason"] == "a spoofed page"
    assert {c.id for c in archive.list_captures(include_retracted=False)} == {older, other}
    # The post's newest good capture that is not retracted is the older one.
    good = archive.latest_good_captures(include_retracted=False)
    assert {c.id for c in good} == {older, other}
    assert {c.id for c in archive.latest_good_captures()} == {newer, other}
    assert [c.id for c in archive.history(older)] == [older, newer]  # history keeps it
    assert archive.retractions.fully_retracted_posts([1, 2]) == set()
    archive.retract(older, "the whole post was a fake")
    assert archive.retractions.fully_retracted_posts([1, 2]) == {1}


def test_a_retracted_article_leaves_the_article_list(archive: Archive) -> None:
    article_id = archive.articles.add(
        NewArticle(source=b"Some text.", source_kind="text", text="Some text.")
    )
    retraction = archive.retract(article_id, "published by mistake")
    assert retraction.target_kind == "article"
    assert archive.articles.all(include_retracted=False) == []
    [kept] = archive.articles.all()
    assert kept.retracted is not None and kept.retracted.reason == "published by mistake"
    report = archive.verify()
    assert report.ok, report.problems
    assert report.ledger is not None and report.ledger["retractions"] == 1
