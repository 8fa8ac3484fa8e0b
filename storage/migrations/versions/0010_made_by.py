"""Who made a capture: the user of the web app who asked for it, signed in its manifest.
Captures stored before this revision (and from the command line) have none.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-06
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Plain ALTER TABLE ADD COLUMN: a batch copy of captures would drop its append-only triggers.
    op.add_column("captures", sa.Column("made_by", sa.String(), nullable=True))


def downgrade() -> None:
    op.drop_column("captures", "made_by")
