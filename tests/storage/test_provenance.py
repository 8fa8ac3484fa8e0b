"""Field provenance (where each post field was read, the fields no source gave, where sources
disagreed) stored with a capture, signed in its manifest and read back as it was given."""

from __future__ import annotations

import dataclasses
import json

from archiver.models import CaptureResult, Status
from storage import Archive
from tests.engines import RawDatabase
from tests.storage.factories import make_result

SOURCES = {"text": "json-ld", "author": "x graphql", "posted_at": "dom <time>", "media": "dom"}
MISSING = ("lang",)
CONFLICTS = (
    {"field": "author", "kept_from": "x graphql", "source": "og:title", "value": "Élodie “E.” Roy"},
)
OLD_POST_KEYS = {"author", "handle", "posted_at", "text", "lang", "media", "reply_to", "quote_of"}


def with_provenance(result: CaptureResult) -> CaptureResult:
    assert result.post is not None
    post = dataclasses.replace(
        result.post, lang=None, sources=SOURCES, missing=MISSING, conflicts=CONFLICTS
    )
    return dataclasses.replace(result, post=post)


def _manifest(raw: RawDatabase, capture_id: str) -> dict:
    [(text,)] = raw.rows("SELECT manifest FROM log_entries WHERE capture_id = :id", id=capture_id)
    return json.loads(text)


def test_provenance_is_stored_and_read_back_as_given(archive: Archive, raw: RawDatabase) -> None:
    capture_id = archive.store(with_provenance(make_result()))
    record = archive.get_capture(capture_id)
    assert record.sources == SOURCES
    assert record.missing == MISSING
    assert record.conflicts == CONFLICTS
    data = record.to_json()
    assert (data["sources"], data["missing"], data["conflicts"]) == (
        SOURCES,
        list(MISSING),
        [dict(c) for c in CONFLICTS],
    )
    [(sources, conflicts)] = raw.rows(
        "SELECT sources_json, conflicts_json FROM captures WHERE id = :id", id=capture_id
    )
    assert sources == json.dumps(SOURCES, sort_keys=True)  # keys sorted
    assert "Élodie “E.” Roy" in conflicts  # written as read, not \u-escaped
    assert archive.verify().ok


def test_provenance_is_signed_in_the_manifest(archive: Archive, raw: RawDatabase) -> None:
    capture_id = archive.store(with_provenance(make_result()))
    post = _manifest(raw, capture_id)["post"]
    assert (post["sources"], post["missing"], post["conflicts"]) == (
        SOURCES,
        list(MISSING),
        [dict(c) for c in CONFLICTS],
    )
    changed = json.dumps({"text": "dom"})
    raw.tamper(
        "DROP TRIGGER captures_append_only_update",
        f"UPDATE captures SET sources_json = '{changed}'",
    )
    [problem] = [p for p in archive.verify().problems if p.problem == "manifest_mismatch"]
    assert "post.sources was" in problem.detail


def test_without_provenance_the_manifest_is_as_before(archive: Archive, raw: RawDatabase) -> None:
    """A capture with no provenance signs exactly the manifest earlier versions signed, so the
    manifests of captures stored before provenance was recorded still match their rows."""
    ok_id = archive.store(make_result())
    gone_id = archive.store(make_result("https://social.example/@bob/7", status=Status.NOT_FOUND))
    for capture_id in (ok_id, gone_id):
        assert set(_manifest(raw, capture_id)["post"]) == OLD_POST_KEYS
        record = archive.get_capture(capture_id)
        assert (record.sources, record.missing, record.conflicts) == ({}, (), ())
    assert archive.verify().ok
