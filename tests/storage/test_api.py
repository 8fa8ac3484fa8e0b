from __future__ import annotations

from pathlib import Path

import platformdirs
import pytest

import storage


def test_public_names_are_pinned() -> None:
    assert storage.__all__ == [
        "HOME_ENV",
        "Archive",
        "ArticleBook",
        "ArticleRecord",
        "ArtifactRecord",
        "AuthRecord",
        "AuthStore",
        "BlobFinding",
        "BlobStore",
        "BlobUnreadable",
        "Blobs",
        "CaptureRecord",
        "ClaimRecord",
        "EntryProof",
        "EventRecord",
        "ImageMatch",
        "Ledger",
        "LedgerProofs",
        "LinkRecord",
        "Listing",
        "LogPlace",
        "MigrationReport",
        "NewArticle",
        "NewClaim",
        "NewEvent",
        "NewReference",
        "PostRecord",
        "ProblemKind",
        "QuoteCheckRecord",
        "RecoveryReport",
        "ReferenceRecord",
        "RetractionRecord",
        "Retractions",
        "Role",
        "S3BlobStore",
        "S3Location",
        "SealReport",
        "SearchFilters",
        "SearchHit",
        "SearchIndex",
        "SessionRecord",
        "StoredCheckpoint",
        "StoredTimestamp",
        "TimestampInfo",
        "UserRecord",
        "Users",
        "VerifyProblem",
        "VerifyReport",
        "Watchlist",
        "default_home",
        "log_origin",
        "manifest_for",
        "migrate_archive",
        "open_archive",
        "parse_role",
        "query_hashes",
        "read_listing",
        "verify_target",
    ]
    for name in storage.__all__:
        assert hasattr(storage, name)


def test_default_home_honours_the_environment(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("POSTPROOF_HOME", str(tmp_path / "data"))
    assert storage.default_home() == tmp_path / "data"


def test_default_home_falls_back_to_the_user_data_dir(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("POSTPROOF_HOME", raising=False)
    assert storage.default_home() == Path(platformdirs.user_data_dir("postproof", appauthor=False))


def test_open_archive_uses_the_default_home(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("POSTPROOF_HOME", str(tmp_path / "data"))
    with storage.open_archive() as archive:
        assert archive.home == tmp_path / "data"
        assert archive.database_path == tmp_path / "data" / "postproof.sqlite3"
        assert archive.logs_dir == tmp_path / "data" / "logs"
        assert (tmp_path / "data" / "postproof.sqlite3").is_file()
        for directory in ("blobs/sha256", "blobs/tmp", "runs", "logs"):
            assert (tmp_path / "data" / directory).is_dir()
