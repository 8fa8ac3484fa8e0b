"""The transparency log inside a real archive: signed manifests written with each capture,
checkpoints, RFC 3161 timestamps from a local openssl TSA, and every kind of tampering with the
database found by ``verify`` with a precise message."""

from __future__ import annotations

import base64
import json
import shutil
import sqlite3
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

import storage._ledger
from archiver.errors import IntegrityError, StorageError
from proof import (
    NoteVerifier,
    canonical_json,
    leaf_hash,
    load_or_create_key,
    verify_checkpoint,
    verify_inclusion,
)
from storage import Archive, open_archive
from storage._archive import SIGNING_KEY_NAME
from storage._ledger import log_origin
from tests.engines import RawDatabase
from tests.proof.localtsa import LocalTsa
from tests.storage.factories import make_result

pytestmark = pytest.mark.skipif(shutil.which("openssl") is None, reason="needs openssl")


@pytest.fixture(scope="module")
def module_tsa(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalTsa]:
    with LocalTsa.create(tmp_path_factory.mktemp("ledger-tsa")) as tsa:
        yield tsa


@pytest.fixture
def tsa(module_tsa: LocalTsa) -> Iterator[LocalTsa]:
    module_tsa.mode = "ok"
    yield module_tsa
    module_tsa.mode = "ok"


def _roots(tsa: LocalTsa) -> list[bytes]:
    return [tsa.pki.root.read_bytes()]


def _store(archive: Archive, n: int) -> list[str]:
    return [
        archive.store(make_result(f"https://social.example/@a/{i}", post_id=str(1000 + i)))
        for i in range(n)
    ]


def _db(home: Path) -> sqlite3.Connection:
    return sqlite3.connect(home / "postproof.sqlite3")


def _edit_manifest(raw: RawDatabase, capture_id: str) -> None:
    """Rewrite a logged manifest in place: the capture's status becomes "not_found"."""
    raw.tamper(
        "DROP TRIGGER log_entries_append_only_update",
        'UPDATE log_entries SET manifest = replace(manifest, \'"status":"ok"\', '
        f"'\"status\":\"not_found\"') WHERE capture_id = '{capture_id}'",
    )


def _codes(archive: Archive, roots: list[bytes] | None = None) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for problem in archive.verify(tsa_roots=roots or []).problems:
        found.setdefault(problem.problem, []).append(problem.detail)
    return found


def test_each_capture_is_logged_with_a_signed_manifest(archive: Archive, raw: RawDatabase) -> None:
    [capture_id] = _store(archive, 1)
    [(idx, cid, manifest, signature, key, leaf)] = raw.rows(
        "SELECT idx, capture_id, manifest, signature, key, leaf_hash FROM log_entries"
    )
    assert (idx, cid, key) == (0, capture_id, archive.signing_key().verifier)
    body = json.loads(manifest)
    assert canonical_json(body) == manifest.encode()  # stored exactly as canonicalised
    assert leaf == leaf_hash(manifest.encode()).hex()
    verifier = NoteVerifier.from_string(key)
    assert verifier.verify(manifest.encode(), base64.b64decode(signature))
    record = archive.get_capture(capture_id)
    assert body["capture_id"] == capture_id
    assert body["post"]["text"] == record.text
    assert sorted(a["sha256"] for a in body["artifacts"]) == sorted(
        a.sha256 for a in record.artifacts
    )


def test_seal_signs_a_checkpoint_only_when_the_log_grew(archive: Archive) -> None:
    ids = _store(archive, 3)
    first = archive.seal()
    assert (first.log_size, first.checkpoint_size, first.new_checkpoint) == (3, 3, True)
    again = archive.seal()
    assert (again.checkpoint_size, again.new_checkpoint) == (3, False)
    ids += _store(archive, 2)
    second = archive.seal()
    assert (second.checkpoint_size, second.new_checkpoint) == (5, True)
    key = archive.signing_key()
    checkpoints = archive.ledger.checkpoints()
    assert [c.size for c in checkpoints] == [3, 5]
    for stored in checkpoints:
        cp, _ = verify_checkpoint(
            stored.note,
            [NoteVerifier.from_string(key.verifier)],
            expected_origin=log_origin(key.verifier),
        )
        assert (cp.size, cp.root_hash) == (stored.size, stored.root_hash)
    proofs = archive.ledger.proofs(ids)
    for entry in proofs.entries:
        assert verify_inclusion(
            entry.leaf_hash, entry.index, 5, entry.inclusion[5], proofs.head.root_hash
        )
    report = archive.verify()
    assert report.ok, report.problems
    assert report.ledger is not None
    assert report.ledger["log_size"] == 5
    assert report.ledger["consistency_checked"] == 1
    assert report.ledger["signatures_checked"] == 5 + 2


def test_an_edited_manifest_is_found(archive: Archive, raw: RawDatabase) -> None:
    ids = _store(archive, 2)
    archive.seal()
    _edit_manifest(raw, ids[1])
    found = _codes(archive)
    assert "manifest no longer hashes" in found["log_entry_altered"][0]
    assert "signature does not verify" in found["signature_invalid"][0]
    assert 'status was "not_found", is now "ok"' in found["manifest_mismatch"][0]
    assert "no longer hash to the root signed" in found["log_rewritten"][0]


def test_no_checkpoint_is_signed_over_an_edited_entry(archive: Archive, raw: RawDatabase) -> None:
    ids = _store(archive, 2)
    archive.seal()
    _edit_manifest(raw, ids[0])
    _store(archive, 1)
    with pytest.raises(IntegrityError, match="no longer matches its last signed checkpoint") as e:
        archive.seal()
    assert e.value.exit_code == 4 and "verify --all" in (e.value.hint or "")
    assert len(archive.ledger.checkpoints()) == 1  # nothing signed over the damage


def _flip_a_byte_of(home: Path, capture_id: str) -> None:
    """Damage a log entry's bytes in the database file itself, as a failing disk would: SQLite's
    own integrity check still passes."""
    database = home / "postproof.sqlite3"
    db = _db(home)
    try:
        db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        [manifest] = db.execute(
            "SELECT manifest FROM log_entries WHERE capture_id = ?", (capture_id,)
        ).fetchone()
    finally:
        db.close()
    data = bytearray(database.read_bytes())
    raw = manifest.encode()
    at = raw.index(capture_id.encode())
    needle = raw[at - 30 : at + 30]
    assert data.count(needle) == 1
    data[data.find(needle) + 5] = 0xFF  # no longer UTF-8
    database.write_bytes(bytes(data))
    db = _db(home)
    try:
        assert db.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    finally:
        db.close()


def test_a_damaged_log_row_is_named_and_blocks_only_what_it_must(home: Path) -> None:
    with open_archive(home) as archive:
        ids = _store(archive, 4)
        archive.seal()
    _flip_a_byte_of(home, ids[2])
    with open_archive(home) as archive:
        report = archive.verify(tsa_roots=[])
        [problem] = report.problems
        assert problem.problem == "log_entry_unreadable" and problem.capture_id == ids[2]
        assert "log entry 2" in problem.detail and "UTF-8" in problem.detail
        # The other captures can still be exported with their proofs; the damaged one cannot.
        assert len(archive.ledger.proofs([ids[0], ids[3]]).entries) == 2
        with pytest.raises(IntegrityError, match="entry 2 cannot be read"):
            archive.ledger.proofs([ids[2]])
        # A capture after the damage is stored, but no checkpoint is signed over the damage.
        _store(archive, 1)
        with pytest.raises(IntegrityError, match="entry 2 cannot be read") as e:
            archive.seal()
        assert e.value.exit_code == 4
        assert len(archive.ledger.checkpoints()) == 1


def test_a_dropped_log_entry_is_found(archive: Archive, raw: RawDatabase) -> None:
    ids = _store(archive, 3)
    archive.seal()
    raw.tamper(
        "DROP TRIGGER log_entries_append_only_delete",
        f"DELETE FROM log_entries WHERE capture_id = '{ids[1]}'",
    )
    found = _codes(archive)
    assert found["log_gap"] == [
        "log entry 1 is missing (the next one is 2): entries were deleted from the log"
    ]
    assert f"capture {ids[1]} has no entry in the log" in found["not_logged"][0]
    assert "covers 3 entries but the log holds only 2" in found["log_rewritten"][0]


def test_reordered_log_entries_are_found(archive: Archive, raw: RawDatabase) -> None:
    _store(archive, 3)
    archive.seal()
    raw.tamper(
        "DROP TRIGGER log_entries_append_only_update",
        "UPDATE log_entries SET idx = 100 WHERE idx = 0",
        "UPDATE log_entries SET idx = 0 WHERE idx = 1",
        "UPDATE log_entries SET idx = 1 WHERE idx = 100",
    )
    found = _codes(archive)
    assert list(found) == ["log_rewritten"]
    assert "altered, reordered or removed" in found["log_rewritten"][0]


def test_a_rewritten_history_is_not_consistent_with_the_earlier_checkpoint(
    archive: Archive, raw: RawDatabase, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Someone re-signs the log after changing it: the latest checkpoint matches the new log,
    but the earlier checkpoint does not, nor is the new one an extension of it. (postproof
    itself refuses to sign over a changed log; the forger runs code without that check.)"""
    monkeypatch.setattr(storage._ledger, "_still_signed", lambda session, head: None)
    ids = _store(archive, 2)
    archive.seal()
    raw.tamper(
        "DROP TRIGGER log_entries_append_only_delete",
        f"DELETE FROM log_entries WHERE capture_id = '{ids[0]}'",
        "DROP TRIGGER log_entries_append_only_update",
        "UPDATE log_entries SET idx = 0 WHERE idx = 1",
    )
    _store(archive, 2)
    archive.seal()  # signs a checkpoint over the rewritten log, with the real key
    found = _codes(archive)
    assert (
        "is not an append-only extension of the one at size 2" in (found["consistency_failed"][0])
    )
    assert "no longer hash to the root signed" in found["log_rewritten"][0]


def test_a_swapped_key_is_found(archive: Archive, home: Path, backend: str | None) -> None:
    _store(archive, 2)
    archive.seal()
    key_file = home / "keys" / "signing.key"
    key_file.chmod(0o600)
    key_file.unlink()
    load_or_create_key(key_file, name=SIGNING_KEY_NAME)  # someone puts another key in its place
    with open_archive(home, database_url=backend) as reopened:
        assert reopened.signing_key().verifier != archive.signing_key().verifier
        found = _codes(reopened)
    assert len(found["signature_invalid"]) == 2
    assert "not by this archive's key" in found["signature_invalid"][0]
    assert "does not verify" in found["checkpoint_invalid"][0]


def test_no_new_key_is_made_for_a_log_signed_with_another(
    archive: Archive, home: Path, backend: str | None
) -> None:
    """A data home without the key (lost, or not yet copied to a machine of a shared archive)
    refuses to sign rather than sign with a key nothing earlier verifies against."""
    [capture_id] = _store(archive, 1)
    archive.seal()
    archive_key = archive.signing_key().verifier
    (home / "keys" / "signing.key").unlink()
    with open_archive(home, database_url=backend) as keyless:
        with pytest.raises(StorageError, match="no signing key") as refused:
            keyless.store(make_result("https://social.example/@a/9", post_id="9"))
        assert "+".join(archive_key.split("+")[:2]) in str(refused.value)
        assert "Copy the archive's key file" in (refused.value.hint or "")
        assert [r.id for r in keyless.list_captures()] == [capture_id]  # nothing half-stored
    assert not (home / "keys" / "signing.key").exists()


def test_another_key_signs_nothing_into_the_log(
    archive: Archive, home: Path, backend: str | None
) -> None:
    """A data home given another key file (another archive's, or a new one) refuses to store,
    seal or retract: what it signed would fail verify everywhere. Verify still reads."""
    first, second = _store(archive, 2)
    archive.seal()
    archive_key = archive.signing_key().verifier
    key_file = home / "keys" / "signing.key"
    key_file.unlink()
    other = load_or_create_key(key_file, name=SIGNING_KEY_NAME)
    with open_archive(home, database_url=backend) as elsewhere:
        for act in (
            lambda: elsewhere.store(make_result("https://social.example/@a/9", post_id="9")),
            elsewhere.seal,
            lambda: elsewhere.retract(first, "a mistake"),
        ):
            with pytest.raises(StorageError, match="is not the key the archive's log") as e:
                act()
            assert "+".join(archive_key.split("+")[:2]) in str(e.value)
            assert "+".join(other.verifier.split("+")[:2]) in str(e.value)
        assert {r.id for r in elsewhere.list_captures()} == {first, second}
        assert elsewhere.ledger.size() == 2 and len(elsewhere.ledger.checkpoints()) == 1
        assert elsewhere.get_capture(first).retracted is None
        assert "signature_invalid" in _codes(elsewhere)  # verify still reads and reports


def test_the_user_who_asked_for_a_capture_is_signed_in_its_manifest(
    archive: Archive, home: Path, backend: str | None, raw: RawDatabase
) -> None:
    """Only when there is one: a capture from the command line signs the manifest it always
    did, without the key; a changed name no longer matches what was signed."""
    [plain] = _store(archive, 1)
    with open_archive(home, made_by="ed", database_url=backend) as as_ed:
        asked = as_ed.store(make_result("https://social.example/@a/77", post_id="77"))
        assert as_ed.get_capture(asked).made_by == "ed"
    assert archive.get_capture(plain).made_by is None
    manifests = dict(raw.rows("SELECT capture_id, manifest FROM log_entries"))
    assert json.loads(manifests[asked])["made_by"] == "ed"
    assert "made_by" not in json.loads(manifests[plain])
    assert _codes(archive) == {}
    raw.tamper(
        "DROP TRIGGER captures_append_only_update",
        f"UPDATE captures SET made_by = 'vic' WHERE id = '{asked}'",
    )
    [detail] = _codes(archive)["manifest_mismatch"]
    assert f"capture {asked} no longer matches its signed manifest" in detail


def test_an_edited_capture_row_no_longer_matches_its_manifest(
    archive: Archive, raw: RawDatabase
) -> None:
    [capture_id] = _store(archive, 1)
    raw.tamper(
        "DROP TRIGGER captures_append_only_update",
        f"UPDATE captures SET text = 'never said' WHERE id = '{capture_id}'",
    )
    [detail] = _codes(archive)["manifest_mismatch"]
    assert f"capture {capture_id} no longer matches its signed manifest" in detail
    assert '"never said"' in detail


def test_timestamps_are_taken_stored_and_verified(
    archive: Archive, tsa: LocalTsa, tmp_path: Path
) -> None:
    _store(archive, 2)
    sealed = archive.seal([tsa.url], roots=_roots(tsa))
    assert sealed.timestamp is not None
    assert (sealed.timestamp.checkpoint_size, sealed.timestamp_pending) == (2, False)
    assert sealed.warnings == ()
    report = archive.verify(tsa_roots=_roots(tsa))
    assert report.ok, report.problems
    assert report.ledger is not None
    assert (report.ledger["timestamps_checked"], report.ledger["timestamped_size"]) == (1, 2)
    # A second seal with nothing new asks no TSA again.
    assert archive.seal([tsa.url], roots=_roots(tsa)).timestamp is None
    assert len(archive.ledger.timestamps()) == 1

    # A third party checks the stored token with plain openssl.
    [stamp] = archive.ledger.timestamps()
    [checkpoint] = archive.ledger.checkpoints()
    (tmp_path / "cp").write_bytes(checkpoint.note.encode())
    (tmp_path / "cp.tsr").write_bytes(stamp.token)
    done = subprocess.run(
        [
            *("openssl", "ts", "-verify", "-in", str(tmp_path / "cp.tsr")),
            *("-data", str(tmp_path / "cp"), "-CAfile", str(tsa.pki.root)),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert "Verification: OK" in done.stdout


def test_no_tsa_reachable_costs_nothing_and_the_next_run_retries(
    archive: Archive, tsa: LocalTsa
) -> None:
    _store(archive, 1)
    tsa.mode = "error"
    sealed = archive.seal([tsa.url, "http://127.0.0.1:9/tsr"], roots=_roots(tsa), timeout=2)
    assert sealed.timestamp is None and sealed.timestamp_pending
    assert len(sealed.warnings) == 2
    assert all("will retry next run" in w for w in sealed.warnings), sealed.warnings
    assert archive.verify().ok  # the capture and its checkpoint are complete without a stamp
    ids = _store(archive, 1)
    tsa.mode = "ok"
    retried = archive.seal([tsa.url], roots=_roots(tsa))
    assert retried.timestamp is not None
    assert retried.timestamp.checkpoint_size == 2  # the newer checkpoint covers the older entry
    proofs = archive.ledger.proofs(ids)
    assert [t.checkpoint_size for t in proofs.timestamps] == [2]


def test_places_say_where_each_capture_stands_as_the_proofs_do(
    archive: Archive, tsa: LocalTsa
) -> None:
    first = _store(archive, 2)
    assert {c: (p.index, p.checkpoint) for c, p in archive.ledger.places(first).items()} == {
        first[0]: (0, None),
        first[1]: (1, None),
    }  # not yet sealed: said, not raised
    archive.seal()  # a checkpoint at size 2, without a timestamp
    second = _store(archive, 2)
    archive.seal([tsa.url], roots=_roots(tsa))  # size 4, stamped
    later = _store(archive, 1)
    places = archive.ledger.places([*first, *second, *later, "zzzzzzzz"])
    assert set(places) == {*first, *second, *later}  # no entry, no place
    proofs = archive.ledger.proofs([*first, *second])
    key = archive.signing_key().verifier
    for entry in proofs.entries:
        place = places[entry.capture_id]
        assert (place.index, place.leaf_hash, place.key) == (entry.index, entry.leaf_hash, key)
        assert place.checkpoint == proofs.head
        assert place.timestamped is not None and place.timestamped.size == 4
        assert place.timestamped in proofs.checkpoints
        assert place.timestamps == tuple(
            t for t in proofs.timestamps if t.checkpoint_size == place.timestamped.size
        )
        assert [t.tsa_url for t in place.timestamps] == [tsa.url]
    newest = places[later[0]]
    assert (newest.index, newest.checkpoint, newest.timestamped, newest.timestamps) == (
        4,
        None,
        None,
        (),
    )


def test_a_replaced_or_untrusted_token_is_found(
    archive: Archive, raw: RawDatabase, tsa: LocalTsa
) -> None:
    _store(archive, 1)
    archive.seal([tsa.url], roots=_roots(tsa))
    _store(archive, 1)
    archive.seal([tsa.url], roots=_roots(tsa))
    assert archive.verify(tsa_roots=_roots(tsa)).ok
    untrusted = _codes(archive, [])
    assert "timestamp_invalid" not in untrusted
    assert all("no trusted TSA root is configured" in d for d in untrusted["timestamp_untrusted"])
    # Swap the two tokens: each is a genuine token, over the other checkpoint.
    raw.tamper(
        "DROP TRIGGER timestamps_append_only_update",
        "UPDATE timestamps SET checkpoint_size = 100 WHERE checkpoint_size = 1",
        "UPDATE timestamps SET checkpoint_size = 1 WHERE checkpoint_size = 2",
        "UPDATE timestamps SET checkpoint_size = 2 WHERE checkpoint_size = 100",
    )
    found = _codes(archive, _roots(tsa))["timestamp_invalid"]
    assert len(found) == 2
    assert all("the token stamps" in d and "but the data's SHA-256 is" in d for d in found)


def test_captures_from_before_the_log_are_logged_when_the_archive_opens(
    home: Path, backend: str | None
) -> None:
    with open_archive(home, database_url=backend) as archive:
        ids = _store(archive, 2)
        raw = RawDatabase(archive, backend)
        try:
            raw.tamper("DROP TRIGGER log_entries_append_only_delete", "DELETE FROM log_entries")
        finally:
            raw.close()
    with open_archive(home, database_url=backend) as archive:
        assert archive.ledger.size() == 2
        proofs_ready = archive.seal()
        assert proofs_ready.checkpoint_size == 2
        assert [e.capture_id for e in archive.ledger.proofs(ids).entries] == ids
        assert archive.verify().ok
