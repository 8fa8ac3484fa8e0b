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
from storage._blobs import BlobStore
from storage._home import default_home
from storage._records import (
    ArtifactRecord,
    CaptureRecord,
    ProblemKind,
    RecoveryReport,
    VerifyProblem,
    VerifyReport,
)
from storage._watchlist import EventRecord, NewEvent, PostRecord, Watchlist

__all__ = [
    "Archive",
    "ArticleBook",
    "ArticleRecord",
    "ArtifactRecord",
    "BlobStore",
    "CaptureRecord",
    "ClaimRecord",
    "EventRecord",
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
    "VerifyProblem",
    "VerifyReport",
    "Watchlist",
    "default_home",
    "open_archive",
]
