"""Initial schema: posts, captures, artifacts and the pending-blob journal.

Revision ID: 0001
Revises:
Create Date: 2025-01-01
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from storage._triggers import drop_append_only, make_append_only

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Captures and artifacts are evidence: once recorded they are never changed or removed.
APPEND_ONLY_TABLES = ("captures", "artifacts")


def upgrade() -> None:
    op.create_table(
        "posts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("platform", sa.String(), nullable=False),
        sa.Column("platform_post_id", sa.String(), nullable=True),
        sa.Column("canonical_url", sa.String(), nullable=False),
        sa.Column("first_captured_at", sa.String(), nullable=False),
        sa.Column("last_captured_at", sa.String(), nullable=False),
        sa.Column("last_status", sa.String(), nullable=False),
        sa.Column("watched", sa.Boolean(), server_default=sa.true(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("canonical_url", name="uq_posts_canonical_url"),
    )
    op.create_index(
        "uq_posts_platform_post_id",
        "posts",
        ["platform", "platform_post_id"],
        unique=True,
        sqlite_where=sa.text("platform_post_id IS NOT NULL"),
        postgresql_where=sa.text("platform_post_id IS NOT NULL"),
    )

    op.create_table(
        "captures",
        sa.Column("id", sa.String(), nullable=False),
        sa.Column("post_id", sa.Integer(), nullable=False),
        sa.Column("requested_url", sa.String(), nullable=False),
        sa.Column("canonical_url", sa.String(), nullable=False),
        sa.Column("final_url", sa.String(), nullable=True),
        sa.Column("platform", sa.String(), nullable=False),
        sa.Column("platform_post_id", sa.String(), nullable=True),
        sa.Column("status", sa.String(), nullable=False),
        sa.Column("reason", sa.String(), nullable=True),
        sa.Column("http_status", sa.Integer(), nullable=True),
        sa.Column("started_at", sa.String(), nullable=False),
        sa.Column("finished_at", sa.String(), nullable=False),
        sa.Column("stored_at", sa.String(), nullable=False),
        sa.Column("server_date", sa.String(), nullable=True),
        sa.Column("server_ip", sa.String(), nullable=True),
        sa.Column("tool_version", sa.String(), nullable=False),
        sa.Column("browser", sa.String(), nullable=False),
        sa.Column("user_agent", sa.String(), nullable=False),
        sa.Column("insecure", sa.Boolean(), nullable=False),
        sa.Column("author", sa.String(), nullable=True),
        sa.Column("handle", sa.String(), nullable=True),
        sa.Column("posted_at", sa.String(), nullable=True),
        sa.Column("text", sa.String(), nullable=True),
        sa.Column("lang", sa.String(), nullable=True),
        sa.Column("media_json", sa.String(), nullable=False),
        sa.Column("reply_to", sa.String(), nullable=True),
        sa.Column("quote_of", sa.String(), nullable=True),
        sa.ForeignKeyConstraint(["post_id"], ["posts.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    for column in ("post_id", "canonical_url", "status", "platform", "started_at"):
        op.create_index(f"ix_captures_{column}", "captures", [column])

    op.create_table(
        "artifacts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("capture_id", sa.String(), nullable=False),
        sa.Column("kind", sa.String(), nullable=False),
        sa.Column("sha256", sa.String(), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("media_type", sa.String(), nullable=False),
        sa.Column("phash", sa.String(), nullable=True),
        sa.Column("dhash", sa.String(), nullable=True),
        sa.ForeignKeyConstraint(["capture_id"], ["captures.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_artifacts_capture_id", "artifacts", ["capture_id"])
    op.create_index("ix_artifacts_sha256", "artifacts", ["sha256"])

    op.create_table(
        "pending_blobs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("run_id", sa.String(), nullable=False),
        sa.Column("sha256", sa.String(), nullable=False),
        sa.Column("created_at", sa.String(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_pending_blobs_run_id", "pending_blobs", ["run_id"])
    op.create_index("ix_pending_blobs_sha256", "pending_blobs", ["sha256"])

    make_append_only(*APPEND_ONLY_TABLES)


def downgrade() -> None:
    drop_append_only(*APPEND_ONLY_TABLES)
    op.drop_table("pending_blobs")
    op.drop_table("artifacts")
    op.drop_table("captures")
    op.drop_table("posts")
