"""Who made a retraction: the admin of the web app who retracted, signed in its manifest.
Retractions made before this revision (and from the command line) have none.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-06
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Plain ALTER TABLE ADD COLUMN: a batch copy would drop the append-only triggers.
    op.add_column("retractions", sa.Column("made_by", sa.String(), nullable=True))


def downgrade() -> None:
    op.drop_column("retractions", "made_by")
