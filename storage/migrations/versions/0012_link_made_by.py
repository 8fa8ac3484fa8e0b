"""Who linked a claim to its evidence: the user of the web app. Links are not in the log, so
this is recorded, not signed. Links made before this revision (and from the command line) have
none.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-06
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("evidence_links", sa.Column("made_by", sa.String(), nullable=True))


def downgrade() -> None:
    op.drop_column("evidence_links", "made_by")
