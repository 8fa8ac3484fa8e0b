"""Proof: the transparency log of capture manifests, signed checkpoints, RFC 3161 timestamps.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-01
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from storage._triggers import drop_append_only, make_append_only

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The log, its checkpoints and their timestamps are evidence: never changed or removed.
LEDGER_TABLES = ("log_entries", "checkpoints", "timestamps")


def upgrade() -> None:
    op.create_table(
        "log_entries",
        sa.Column("idx", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("capture_id", sa.String(), nullable=False),
        sa.Column("manifest", sa.String(), nullable=False),
        sa.Column("signature", sa.String(), nullable=False),
        sa.Column("key", sa.String(), nullable=False),
        sa.Column("leaf_hash", sa.String(), nullable=False),
        sa.Column("logged_at", sa.String(), nullable=False),
        sa.ForeignKeyConstraint(["capture_id"], ["captures.id"]),
        sa.PrimaryKeyConstraint("idx"),
        sa.UniqueConstraint("capture_id"),
    )
    op.create_table(
        "checkpoints",
        sa.Column("size", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("root_hash", sa.String(), nullable=False),
        sa.Column("note", sa.String(), nullable=False),
        sa.Column("created_at", sa.String(), nullable=False),
        sa.PrimaryKeyConstraint("size"),
    )
    op.create_table(
        "timestamps",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("checkpoint_size", sa.Integer(), nullable=False),
        sa.Column("tsa_url", sa.String(), nullable=False),
        sa.Column("token", sa.LargeBinary(), nullable=False),
        sa.Column("token_sha256", sa.String(), nullable=False),
        sa.Column("gen_time", sa.String(), nullable=False),
        sa.Column("tsa_certs", sa.String(), nullable=True),
        sa.Column("created_at", sa.String(), nullable=False),
        sa.ForeignKeyConstraint(["checkpoint_size"], ["checkpoints.size"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        "ix_timestamps_checkpoint_size", "timestamps", ["checkpoint_size"], unique=False
    )
    make_append_only(*LEDGER_TABLES)


def downgrade() -> None:
    drop_append_only(*LEDGER_TABLES)
    op.drop_index("ix_timestamps_checkpoint_size", table_name="timestamps")
    op.drop_table("timestamps")
    op.drop_table("checkpoints")
    op.drop_table("log_entries")
