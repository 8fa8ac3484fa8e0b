"""The archive of postproof: SQLite tables, migrations, the content-addressed blob store (local,
or in an S3-compatible bucket), and every query. ``archiver`` hands finished captures to
:class:`Archive` (a ``CaptureSink``) and never imports this package.

Errors are those of :mod:`archiver.errors`: ``StorageError`` when the archive cannot be opened
or written, ``IntegrityError`` when stored evidence does not match its hashes, ``UsageError``
for an unknown or ambiguous capture id.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from archiver._lazy import lazy_exports

if TYPE_CHECKING:
    from storage._archive import Archive, open_archive
    from storage._articles import (
        ArticleBook,
        ArticleRecord,
        ClaimRecord,
        LinkRecord,
        NewArticle,
        NewClaim,
        NewReference,
        QuoteCheckRecord,
        ReferenceRecord,
    )
    from storage._auth import AuthRecord, AuthStore
    from storage._blobs import Blobs, BlobStore
    from storage._home import HOME_ENV, default_home
    from storage._ledger import (
        EntryProof,
        Ledger,
        LedgerProofs,
        LogPlace,
        SealReport,
        StoredCheckpoint,
        StoredTimestamp,
        TimestampInfo,
        log_origin,
        manifest_for,
    )
    from storage._listing import Listing, read_listing
    from storage._migrate import BlobFinding, MigrationReport, migrate_archive, verify_target
    from storage._records import (
        ArtifactRecord,
        BlobUnreadable,
        CaptureRecord,
        ProblemKind,
        RecoveryReport,
        RetractionRecord,
        VerifyProblem,
        VerifyReport,
    )
    from storage._retractions import Retractions
    from storage._s3blobs import S3BlobStore, S3Location
    from storage._search import SearchFilters, SearchHit, SearchIndex
    from storage._similar import ImageMatch, query_hashes
    from storage._users import Role, SessionRecord, UserRecord, Users, parse_role
    from storage._watchlist import EventRecord, NewEvent, PostRecord, Watchlist

# What each name is imported from, on first use (PEP 562): importing the package costs
# nothing until a name is asked for.
_EXPORTS = {
    "Archive": "storage._archive",
    "open_archive": "storage._archive",
    "ArticleBook": "storage._articles",
    "ArticleRecord": "storage._articles",
    "ClaimRecord": "storage._articles",
    "LinkRecord": "storage._articles",
    "NewArticle": "storage._articles",
    "NewClaim": "storage._articles",
    "NewReference": "storage._articles",
    "QuoteCheckRecord": "storage._articles",
    "ReferenceRecord": "storage._articles",
    "AuthRecord": "storage._auth",
    "AuthStore": "storage._auth",
    "BlobStore": "storage._blobs",
    "Blobs": "storage._blobs",
    "HOME_ENV": "storage._home",
    "default_home": "storage._home",
    "Listing": "storage._listing",
    "read_listing": "storage._listing",
    "EntryProof": "storage._ledger",
    "Ledger": "storage._ledger",
    "LedgerProofs": "storage._ledger",
    "LogPlace": "storage._ledger",
    "SealReport": "storage._ledger",
    "StoredCheckpoint": "storage._ledger",
    "StoredTimestamp": "storage._ledger",
    "TimestampInfo": "storage._ledger",
    "log_origin": "storage._ledger",
    "manifest_for": "storage._ledger",
    "BlobFinding": "storage._migrate",
    "MigrationReport": "storage._migrate",
    "migrate_archive": "storage._migrate",
    "verify_target": "storage._migrate",
    "ArtifactRecord": "storage._records",
    "BlobUnreadable": "storage._records",
    "CaptureRecord": "storage._records",
    "ProblemKind": "storage._records",
    "RecoveryReport": "storage._records",
    "RetractionRecord": "storage._records",
    "VerifyProblem": "storage._records",
    "VerifyReport": "storage._records",
    "Retractions": "storage._retractions",
    "S3BlobStore": "storage._s3blobs",
    "S3Location": "storage._s3blobs",
    "SearchFilters": "storage._search",
    "SearchHit": "storage._search",
    "SearchIndex": "storage._search",
    "ImageMatch": "storage._similar",
    "query_hashes": "storage._similar",
    "Role": "storage._users",
    "SessionRecord": "storage._users",
    "UserRecord": "storage._users",
    "Users": "storage._users",
    "parse_role": "storage._users",
    "EventRecord": "storage._watchlist",
    "NewEvent": "storage._watchlist",
    "PostRecord": "storage._watchlist",
    "Watchlist": "storage._watchlist",
}

__all__ = [
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


__getattr__ = lazy_exports(__name__, _EXPORTS)


def __dir__() -> list[str]:
    return sorted(__all__)
