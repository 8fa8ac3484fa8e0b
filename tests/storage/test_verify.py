from __future__ import annotations

import hashlib

from archiver.models import ArtifactKind
from storage import Archive
from tests.engines import RawDatabase
from tests.storage.factories import make_result


def test_an_intact_archive_verifies(archive: Archive) -> None:
    capture_id = archive.store(make_result())
    report = archive.verify()
    assert report.ok, report.problems
    assert (report.captures_checked, report.artifacts_checked, report.blobs_checked) == (1, 3, 3)
    record = archive.get_capture(capture_id)
    assert report.bytes_hashed == sum(a.size for a in record.artifacts)
    assert archive.verify(capture_id[:4]).ok
    assert report.to_json()["ok"] is True


def test_a_flipped_byte_is_found_and_the_artifact_named(archive: Archive) -> None:
    capture_id = archive.store(make_result())
    shot = archive.get_capture(capture_id).artifact(ArtifactKind.SCREENSHOT)
    assert shot is not None
    data = bytearray(shot.path.read_bytes())
    data[len(data) // 2] ^= 0x01
    shot.path.chmod(0o644)
    shot.path.write_bytes(bytes(data))

    for report in (archive.verify(), archive.verify(capture_id)):
        assert not report.ok
        [problem] = report.problems
        assert problem.problem == "hash_mismatch"
        assert (problem.capture_id, problem.kind, problem.sha256) == (
            capture_id,
            ArtifactKind.SCREENSHOT,
            shot.sha256,
        )
        assert f"screenshot of capture {capture_id}" in problem.detail
        assert hashlib.sha256(bytes(data)).hexdigest() in problem.detail


def test_a_missing_blob_is_reported(archive: Archive) -> None:
    capture_id = archive.store(make_result())
    html = archive.get_capture(capture_id).artifact(ArtifactKind.HTML)
    assert html is not None
    html.path.unlink()
    [problem] = archive.verify().problems
    assert problem.problem == "missing"
    assert (problem.capture_id, problem.kind) == (capture_id, ArtifactKind.HTML)
    assert "html of capture" in problem.detail


def test_a_blob_shared_by_captures_is_reported_for_each(archive: Archive) -> None:
    first = archive.store(make_result())
    second = archive.store(make_result("https://social.example/@bob/7", post_id="7"))
    shot = archive.get_capture(first).artifact(ArtifactKind.SCREENSHOT)
    assert shot is not None
    shot.path.unlink()
    report = archive.verify()
    assert sorted((p.capture_id, p.problem) for p in report.problems) == [
        (first, "missing"),
        (second, "missing"),
    ]


def test_stray_files_in_the_store_are_reported(archive: Archive) -> None:
    archive.store(make_result())
    stray_sha = archive.blobs.put(b"nobody asked for me")
    odd_file = archive.blobs.root / "sha256" / "README"
    odd_file.write_text("hello")
    problems = archive.verify().problems
    assert sorted((p.problem, p.sha256) for p in problems if p.sha256) == [
        ("unreferenced_blob", stray_sha)
    ]
    assert next(p for p in problems if p.sha256 is None).detail.endswith(str(odd_file))
    assert {p.capture_id for p in problems} == {None}
    # Checking one capture does not look at the rest of the store.
    assert archive.verify(archive.list_captures()[0].id).ok


def test_a_size_that_does_not_match_the_record_is_reported(
    archive: Archive, raw: RawDatabase
) -> None:
    capture_id = archive.store(make_result())
    raw.tamper(  # tampering with the database itself: lift the append-only guard first
        "DROP TRIGGER artifacts_append_only_update",
        "UPDATE artifacts SET size = size + 1 WHERE kind = 'html'",
    )
    problem, signed = archive.verify().problems
    assert (problem.problem, problem.capture_id, problem.kind) == (
        "size_mismatch",
        capture_id,
        ArtifactKind.HTML,
    )
    # The signed manifest still holds the size the capture was recorded with.
    assert (signed.problem, signed.capture_id) == ("manifest_mismatch", capture_id)
    assert "artifact html: size was" in signed.detail
    assert "no longer matches its signed manifest" in signed.detail
