"""Field provenance of captures: where each post field was read, which fields no source gave,
and where sources disagreed.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-08
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Captures stored before this revision read as "no provenance recorded".
COLUMNS = (("sources_json", "{}"), ("missing_json", "[]"), ("conflicts_json", "[]"))


def upgrade() -> None:
    # Plain ALTER TABLE ADD COLUMN: a batch copy of captures would drop its append-only triggers.
    for name, default in COLUMNS:
        op.add_column(
            "captures", sa.Column(name, sa.Text(), server_default=default, nullable=False)
        )


def downgrade() -> None:
    # Plain ALTER TABLE DROP COLUMN (SQLite 3.35+), for the same reason.
    for name, _default in reversed(COLUMNS):
        op.drop_column("captures", name)
