"""The archive of postproof: SQLite tables, migrations, the content-addressed blob store, and
every query. ``archiver`` hands finished captures to :class:`Archive` (a ``CaptureSink``) and
never imports this package.

Errors are those of :mod:`archiver.errors`: ``StorageError`` when the archive cannot be opened
or written, ``IntegrityError`` when stored evidence does not match its hashes, ``UsageError``
for an unknown or ambiguous capture id.
"""

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
from storage._blobs import BlobStore
from storage._home import HOME_ENV, default_home
from storage._ledger import (
    EntryProof,
    Ledger,
    LedgerProofs,
    SealReport,
    StoredCheckpoint,
    StoredTimestamp,
    TimestampInfo,
    log_origin,
    manifest_for,
)
from storage._records import (
    ArtifactRecord,
    CaptureRecord,
    ProblemKind,
    RecoveryReport,
    VerifyProblem,
    VerifyReport,
)
from storage._similar import ImageMatch, query_hashes
from storage._watchlist import EventRecord, NewEvent, PostRecord, Watchlist

__all__ = [
    "HOME_ENV",
    "Archive",
    "ArticleBook",
    "ArticleRecord",
    "ArtifactRecord",
    "AuthRecord",
    "AuthStore",
    "BlobStore",
    "CaptureRecord",
    "ClaimRecord",
    "EntryProof",
    "EventRecord",
    "ImageMatch",
    "Ledger",
    "LedgerProofs",
    "LinkRecord",
    "NewArticle",
    "NewClaim",
    "NewEvent",
    "NewReference",
    "PostRecord",
    "ProblemKind",
    "QuoteCheckRecord",
    "RecoveryReport",
    "ReferenceRecord",
    "SealReport",
    "StoredCheckpoint",
    "StoredTimestamp",
    "TimestampInfo",
    "VerifyProblem",
    "VerifyReport",
    "Watchlist",
    "default_home",
    "log_origin",
    "manifest_for",
    "open_archive",
    "query_hashes",
]
