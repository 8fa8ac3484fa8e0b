"""What a stopped command leaves for the next one to finish: events remember when a finished
re-check run reported them (events stored by a run killed before it could report them are
reported by the next run), and articles when ``article add`` finished them (an article whose
references were not all captured and linked is finished by the next ``article add`` of it).

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-06
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Plain ALTER TABLE ADD COLUMN, like 0005: no batch copy of the table.
    op.add_column("events", sa.Column("reported_at", sa.String(), nullable=True))
    # Events stored before this revision were printed by the run that found them.
    op.execute("UPDATE events SET reported_at = detected_at")
    op.add_column("articles", sa.Column("finished_at", sa.String(), nullable=True))
    # Articles stored before this revision are taken as finished: nothing says otherwise.
    op.execute("UPDATE articles SET finished_at = added_at")


def downgrade() -> None:
    op.drop_column("articles", "finished_at")
    op.drop_column("events", "reported_at")
