"""The SQLModel tables of the archive. Any change here needs an Alembic revision in
``storage/migrations/versions`` (a test compares the migrated schema with these models)."""

# No ``from __future__ import annotations``: SQLModel reads these annotations at class creation.

from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Dialect
from sqlmodel import Field, SQLModel, col


class UTCDateTime(sa.types.TypeDecorator[datetime]):
    """Timezone-aware UTC datetimes stored as ISO 8601 text with a ``Z`` suffix.

    The text has a fixed width (microseconds always present), so it sorts chronologically.
    Naive datetimes are refused: a time without a zone is not evidence of anything.
    """

    impl = sa.String
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> str | None:
        if value is None:
            return None
        if value.tzinfo is None or value.utcoffset() is None:
            raise ValueError(f"refusing to store a naive datetime: {value!r}")
        text = value.astimezone(UTC).isoformat(timespec="microseconds")
        return text.replace("+00:00", "Z")

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return datetime.fromisoformat(value).astimezone(UTC)


class Post(SQLModel, table=True):
    """One post as the archive knows it, across all its captures.

    Identity is ``(platform, platform_post_id)`` when the post id is known, else
    ``canonical_url``.
    """

    __tablename__ = "posts"
    __table_args__ = (
        sa.UniqueConstraint("canonical_url", name="uq_posts_canonical_url"),
        sa.Index(
            "uq_posts_platform_post_id",
            "platform",
            "platform_post_id",
            unique=True,
            sqlite_where=sa.text("platform_post_id IS NOT NULL"),
            postgresql_where=sa.text("platform_post_id IS NOT NULL"),
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    platform: str = Field(sa_type=sa.String)
    platform_post_id: str | None = Field(default=None, sa_type=sa.String)
    canonical_url: str = Field(sa_type=sa.String)
    first_captured_at: datetime = Field(sa_type=UTCDateTime)
    last_captured_at: datetime = Field(sa_type=UTCDateTime)
    last_status: str = Field(sa_type=sa.String)
    watched: bool = Field(default=True, sa_column_kwargs={"server_default": sa.true()})
    # Scheduling of re-checks: NULL means "due at the next run".
    next_check_at: datetime | None = Field(default=None, sa_type=UTCDateTime, index=True)
    check_interval_s: int | None = None


class Capture(SQLModel, table=True):
    """One look at one post. Append-only: rows are never updated or deleted (database triggers
    created by the initial migration enforce it)."""

    __tablename__ = "captures"

    id: str = Field(primary_key=True, sa_type=sa.String)
    post_id: int = Field(foreign_key="posts.id", index=True)
    requested_url: str = Field(sa_type=sa.String)
    canonical_url: str = Field(sa_type=sa.String, index=True)
    final_url: str | None = Field(default=None, sa_type=sa.String)
    platform: str = Field(sa_type=sa.String, index=True)
    platform_post_id: str | None = Field(default=None, sa_type=sa.String)
    status: str = Field(sa_type=sa.String, index=True)
    reason: str | None = Field(default=None, sa_type=sa.String)
    http_status: int | None = None
    started_at: datetime = Field(sa_type=UTCDateTime, index=True)
    finished_at: datetime = Field(sa_type=UTCDateTime)
    stored_at: datetime = Field(sa_type=UTCDateTime)
    server_date: str | None = Field(default=None, sa_type=sa.String)
    server_ip: str | None = Field(default=None, sa_type=sa.String)
    tool_version: str = Field(sa_type=sa.String)
    browser: str = Field(sa_type=sa.String)
    user_agent: str = Field(sa_type=sa.String)
    insecure: bool = False
    author: str | None = Field(default=None, sa_type=sa.String)
    handle: str | None = Field(default=None, sa_type=sa.String)
    posted_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    text: str | None = Field(default=None, sa_type=sa.String)
    lang: str | None = Field(default=None, sa_type=sa.String)
    media_json: str = Field(default="[]", sa_type=sa.String)
    reply_to: str | None = Field(default=None, sa_type=sa.String)
    quote_of: str | None = Field(default=None, sa_type=sa.String)
    # Field provenance as JSON (``PostFields.sources``, ``missing``, ``conflicts``); captures
    # stored before migration 0005 hold the empty defaults.
    sources_json: str = Field(
        default="{}", sa_type=sa.Text, sa_column_kwargs={"server_default": "{}"}
    )
    missing_json: str = Field(
        default="[]", sa_type=sa.Text, sa_column_kwargs={"server_default": "[]"}
    )
    conflicts_json: str = Field(
        default="[]", sa_type=sa.Text, sa_column_kwargs={"server_default": "[]"}
    )
    # The user of the web app who asked for the capture (signed in its manifest); None from the
    # command line, and for captures stored before migration 0010.
    made_by: str | None = Field(default=None, sa_type=sa.String)


class Artifact(SQLModel, table=True):
    """One stored byte string of a capture; the bytes live in the blob store under ``sha256``.
    Append-only like :class:`Capture`."""

    __tablename__ = "artifacts"

    id: int | None = Field(default=None, primary_key=True)
    capture_id: str = Field(foreign_key="captures.id", index=True, sa_type=sa.String)
    kind: str = Field(sa_type=sa.String)
    sha256: str = Field(sa_type=sa.String, index=True)
    size: int
    media_type: str = Field(sa_type=sa.String)
    phash: str | None = Field(default=None, sa_type=sa.String)
    dhash: str | None = Field(default=None, sa_type=sa.String)
    # Which URL a media artifact was downloaded from (None for the page's own artifacts).
    source_url: str | None = Field(default=None, sa_type=sa.String)


class Event(SQLModel, table=True):
    """A change found by a re-check, with both captures as evidence. One event per (post, kind,
    capture that showed it): a re-run after a crash finds the same event and adds nothing."""

    __tablename__ = "events"
    __table_args__ = (
        sa.UniqueConstraint("post_id", "kind", "after_capture_id", name="uq_events_once"),
    )

    id: int | None = Field(default=None, primary_key=True)
    post_id: int = Field(foreign_key="posts.id", index=True)
    kind: str = Field(sa_type=sa.String, index=True)
    detected_at: datetime = Field(sa_type=UTCDateTime, index=True)
    since: datetime | None = Field(default=None, sa_type=UTCDateTime)  # when it was first seen
    before_capture_id: str | None = Field(
        default=None, foreign_key="captures.id", sa_type=sa.String
    )
    after_capture_id: str = Field(foreign_key="captures.id", sa_type=sa.String)
    confirmations: int = 1
    summary: str = Field(sa_type=sa.String)
    details_json: str = Field(default="{}", sa_type=sa.String)
    delivered_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    delivery_attempts: int = 0
    delivery_error: str | None = Field(default=None, sa_type=sa.String)
    # When a finished re-check run printed it; None: a run stored it but was stopped before.
    reported_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class PendingBlob(SQLModel, table=True):
    """The journal: a blob a run is about to write, recorded (and committed) before the write.

    A row outlives its run only if the run died before recording its capture; recovery then
    deletes the blobs nothing else references. Several rows may name the same run and blob.
    """

    __tablename__ = "pending_blobs"

    id: int | None = Field(default=None, primary_key=True)
    run_id: str = Field(sa_type=sa.String, index=True)
    sha256: str = Field(sa_type=sa.String, index=True)
    created_at: datetime = Field(sa_type=UTCDateTime)


class Article(SQLModel, table=True):
    """An article whose claims are tracked. Its source (the file as given, or for a URL the
    capture of the page) is kept: ``source_sha256`` names a blob, like an artifact's."""

    __tablename__ = "articles"

    id: str = Field(primary_key=True, sa_type=sa.String)
    source_kind: str = Field(sa_type=sa.String)  # html | markdown | text
    source_url: str | None = Field(default=None, sa_type=sa.String, index=True)
    source_name: str | None = Field(default=None, sa_type=sa.String)  # the file's name
    source_sha256: str = Field(sa_type=sa.String, index=True)
    source_size: int
    capture_id: str | None = Field(default=None, foreign_key="captures.id", sa_type=sa.String)
    title: str | None = Field(default=None, sa_type=sa.String)
    byline: str | None = Field(default=None, sa_type=sa.String)
    published_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    lang: str | None = Field(default=None, sa_type=sa.String)
    text: str = Field(sa_type=sa.String)
    added_at: datetime = Field(sa_type=UTCDateTime)
    # When `article add` had captured and linked all of it; None: a run stopped half-way.
    finished_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class Claim(SQLModel, table=True):
    """One claim of an article: a sentence, a list item, or one a person added."""

    __tablename__ = "claims"
    __table_args__ = (sa.UniqueConstraint("article_id", "number", name="uq_claims_number"),)

    id: int | None = Field(default=None, primary_key=True)
    article_id: str = Field(foreign_key="articles.id", index=True, sa_type=sa.String)
    number: int
    kind: str = Field(sa_type=sa.String)
    text: str = Field(sa_type=sa.String)
    paragraph: int | None = None
    start: int | None = None
    end: int | None = None
    section: str | None = Field(default=None, sa_type=sa.String)
    quotes_json: str = Field(default="[]", sa_type=sa.String)
    speaker: str | None = Field(default=None, sa_type=sa.String)
    speaker_cue: str | None = Field(default=None, sa_type=sa.String)
    created_at: datetime = Field(sa_type=UTCDateTime)


class ArticleReference(SQLModel, table=True):
    """A hyperlink or embedded post of an article, and the capture made of it."""

    __tablename__ = "article_references"

    id: int | None = Field(default=None, primary_key=True)
    article_id: str = Field(foreign_key="articles.id", index=True, sa_type=sa.String)
    kind: str = Field(sa_type=sa.String)  # link | embed
    url: str = Field(sa_type=sa.String)
    platform: str | None = Field(default=None, sa_type=sa.String)
    text: str | None = Field(default=None, sa_type=sa.String)
    paragraph: int
    start: int | None = None
    end: int | None = None
    claim_number: int | None = None  # the claim whose sentence holds the link
    capture_id: str | None = Field(default=None, foreign_key="captures.id", sa_type=sa.String)


class EvidenceLink(SQLModel, table=True):
    """A claim pointing at the capture that supports (or contradicts, or frames) it.
    Unlinking keeps the row and stamps ``removed_at``: who linked what, and when, stays known."""

    __tablename__ = "evidence_links"

    id: int | None = Field(default=None, primary_key=True)
    claim_id: int = Field(foreign_key="claims.id", index=True)
    capture_id: str = Field(foreign_key="captures.id", index=True, sa_type=sa.String)
    relation: str = Field(sa_type=sa.String)
    origin: str = Field(sa_type=sa.String)  # link | embed | manual | suggested
    why: str = Field(sa_type=sa.String)
    quote: str | None = Field(default=None, sa_type=sa.String)
    note: str | None = Field(default=None, sa_type=sa.String)
    created_at: datetime = Field(sa_type=UTCDateTime)
    removed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    # The web app's user who linked (links are not in the log: recorded, not signed); None
    # from the command line, and for links made before migration 0012.
    made_by: str | None = Field(default=None, sa_type=sa.String)


class RejectedSuggestion(SQLModel, table=True):
    """A capture an editor rejected when it was suggested as evidence for a claim: its post is
    not suggested for that claim again. Kept with who rejected it and when; linking the post by
    hand stays possible."""

    __tablename__ = "rejected_suggestions"

    id: int | None = Field(default=None, primary_key=True)
    claim_id: int = Field(foreign_key="claims.id", index=True)
    capture_id: str = Field(foreign_key="captures.id", sa_type=sa.String)
    rejected_by: str | None = Field(default=None, sa_type=sa.String)  # a user of the web app
    rejected_at: datetime = Field(sa_type=UTCDateTime)


class QuoteCheck(SQLModel, table=True):
    """The result of searching a link's evidence for the claim's quote; the newest row counts."""

    __tablename__ = "quote_checks"

    id: int | None = Field(default=None, primary_key=True)
    link_id: int = Field(foreign_key="evidence_links.id", index=True)
    quote: str = Field(sa_type=sa.String)
    result: str = Field(sa_type=sa.String)  # exact | fuzzy | not_found
    score: float
    excerpt: str | None = Field(default=None, sa_type=sa.String)
    source: str | None = Field(default=None, sa_type=sa.String)
    checked_at: datetime = Field(sa_type=UTCDateTime)


class OcrText(SQLModel, table=True):
    """Text read from an image blob, kept so an image is read once per language set."""

    __tablename__ = "ocr_texts"

    sha256: str = Field(primary_key=True, sa_type=sa.String)
    langs: str = Field(primary_key=True, sa_type=sa.String)
    text: str = Field(sa_type=sa.String)
    engine: str = Field(sa_type=sa.String)
    created_at: datetime = Field(sa_type=UTCDateTime)


class Retraction(SQLModel, table=True):
    """A capture or an article taken back from the record, with why and when. Nothing it
    retracts is changed or removed: the retraction is a record of its own, logged and signed
    like a capture. One per target; append-only (triggers of migration 0007)."""

    __tablename__ = "retractions"
    __table_args__ = (
        sa.UniqueConstraint("target_kind", "target_id", name="uq_retractions_target"),
        sa.CheckConstraint(
            "target_kind IN ('capture', 'article')", name="ck_retractions_target_kind"
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    target_kind: str = Field(sa_type=sa.String)  # capture | article
    target_id: str = Field(sa_type=sa.String)  # a capture id or an article id
    reason: str = Field(sa_type=sa.String)
    retracted_at: datetime = Field(sa_type=UTCDateTime)
    # The admin of the web app who retracted it (signed in its manifest); None from the
    # command line, and for retractions made before migration 0011.
    made_by: str | None = Field(default=None, sa_type=sa.String)


class LogEntry(SQLModel, table=True):
    """One leaf of the archive's transparency log: the signed manifest of one capture, or of
    one retraction (exactly one of ``capture_id`` and ``retraction_id`` is set).

    ``idx`` is the leaf index (0, 1, 2, ... without gaps); the leaf hash is the RFC 9162 hash of
    the manifest's bytes exactly as stored. Append-only (triggers of migrations 0004 and 0007)."""

    __tablename__ = "log_entries"
    __table_args__ = (
        sa.CheckConstraint(
            "(capture_id IS NULL) <> (retraction_id IS NULL)", name="ck_log_entries_subject"
        ),
    )

    idx: int = Field(primary_key=True, sa_column_kwargs={"autoincrement": False})
    capture_id: str | None = Field(
        default=None, foreign_key="captures.id", unique=True, sa_type=sa.String
    )
    manifest: str = Field(sa_type=sa.String)  # RFC 8785 canonical JSON, as signed
    signature: str = Field(sa_type=sa.String)  # base64 Ed25519 signature over the manifest
    key: str = Field(sa_type=sa.String)  # the signer's note verifier key
    leaf_hash: str = Field(sa_type=sa.String)  # hex SHA-256(0x00 || manifest)
    logged_at: datetime = Field(sa_type=UTCDateTime)
    retraction_id: int | None = Field(default=None, foreign_key="retractions.id", unique=True)


class CheckpointRow(SQLModel, table=True):
    """A signed checkpoint (C2SP tlog-checkpoint note) of the log at one size. Append-only."""

    __tablename__ = "checkpoints"

    size: int = Field(primary_key=True, sa_column_kwargs={"autoincrement": False})
    root_hash: str = Field(sa_type=sa.String)  # hex
    note: str = Field(sa_type=sa.String)  # the signed note, exactly as signed
    created_at: datetime = Field(sa_type=UTCDateTime)


class TimestampRow(SQLModel, table=True):
    """An RFC 3161 timestamp over the bytes of one signed checkpoint note. Append-only."""

    __tablename__ = "timestamps"

    id: int | None = Field(default=None, primary_key=True)
    checkpoint_size: int = Field(foreign_key="checkpoints.size", index=True)
    tsa_url: str = Field(sa_type=sa.String)
    token: bytes = Field(sa_type=sa.LargeBinary)  # the DER TimeStampResp as the TSA sent it
    token_sha256: str = Field(sa_type=sa.String)
    gen_time: datetime = Field(sa_type=UTCDateTime)
    # PEM of the TSA certificates known when the token was obtained: the token's own chain and
    # the configured trust roots. Kept to hand on with exports; never trusted by themselves.
    tsa_certs: str | None = Field(default=None, sa_type=sa.String)
    created_at: datetime = Field(sa_type=UTCDateTime)


class User(SQLModel, table=True):
    """Someone who may use the web app (``postproof serve``): a name, a role and an argon2
    hash of the password. Removing a user removes their tokens and sessions, never anything they
    captured."""

    __tablename__ = "users"
    __table_args__ = (
        sa.CheckConstraint("role IN ('viewer', 'editor', 'admin')", name="ck_users_role"),
    )

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(unique=True, sa_type=sa.String)
    role: str = Field(sa_type=sa.String)
    password_hash: str = Field(sa_type=sa.String)  # argon2id, in its own encoded form
    created_at: datetime = Field(sa_type=UTCDateTime)


class ApiToken(SQLModel, table=True):
    """A token a script sends (``Authorization: Bearer``) to use the JSON API as its user. Only
    the SHA-256 of the token is kept: tokens are long random strings, shown once."""

    __tablename__ = "api_tokens"

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="users.id")
    token_sha256: str = Field(unique=True, sa_type=sa.String)
    label: str | None = Field(default=None, sa_type=sa.String)
    created_at: datetime = Field(sa_type=UTCDateTime)


class WebSession(SQLModel, table=True):
    """A signed-in browser: the SHA-256 of its session cookie, the CSRF token its forms carry,
    and when it ends."""

    __tablename__ = "web_sessions"

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="users.id")
    token_sha256: str = Field(unique=True, sa_type=sa.String)
    csrf_token: str = Field(sa_type=sa.String)
    created_at: datetime = Field(sa_type=UTCDateTime)
    expires_at: datetime = Field(sa_type=UTCDateTime)


class JobCapture(SQLModel, table=True):
    """A capture a queued job stored (shared archive: ``postproof worker``), recorded in the
    transaction that stores the capture: a job retried after its worker died finds its capture
    here instead of capturing again. ``asked``: the URL the job asked for, not a post it replies
    to or quotes. Append-only (triggers of migration 0013)."""

    __tablename__ = "job_captures"

    id: int | None = Field(default=None, primary_key=True)
    job_id: int = Field(sa_type=sa.BigInteger, index=True)
    capture_id: str = Field(foreign_key="captures.id", unique=True, sa_type=sa.String)
    asked: bool
    recorded_at: datetime = Field(sa_type=UTCDateTime)


class JobFailure(SQLModel, table=True):
    """Why an attempt of a queued job failed, as the person who asked for it should read it.
    Append-only (triggers of migration 0013)."""

    __tablename__ = "job_failures"

    id: int | None = Field(default=None, primary_key=True)
    job_id: int = Field(sa_type=sa.BigInteger, index=True)
    attempt: int
    error: str = Field(sa_type=sa.String)
    failed_at: datetime = Field(sa_type=UTCDateTime)


METADATA = SQLModel.metadata

# Every column that names a blob of the store: a blob none of them names is unaccounted for.
BLOB_REFERENCES = (col(Artifact.sha256), col(Article.source_sha256))
