"""The SQLModel tables of the archive. Any change here needs an Alembic revision in
``storage/migrations/versions`` (a test compares the migrated schema with these models)."""

# No ``from __future__ import annotations``: SQLModel reads these annotations at class creation.

from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Dialect
from sqlmodel import Field, SQLModel


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


METADATA = SQLModel.metadata
