"""Suggestions rejected from the web app: a claim and the capture an editor said is not its
evidence, so that its post is not suggested for that claim again. A new table only: nothing
already recorded changes.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-06
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "rejected_suggestions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("claim_id", sa.Integer(), nullable=False),
        sa.Column("capture_id", sa.String(), nullable=False),
        sa.Column("rejected_by", sa.String(), nullable=True),
        sa.Column("rejected_at", sa.String(), nullable=False),
        sa.ForeignKeyConstraint(["claim_id"], ["claims.id"]),
        sa.ForeignKeyConstraint(["capture_id"], ["captures.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_rejected_suggestions_claim_id", "rejected_suggestions", ["claim_id"])


def downgrade() -> None:
    op.drop_index("ix_rejected_suggestions_claim_id", table_name="rejected_suggestions")
    op.drop_table("rejected_suggestions")
