"""The capture workers' task queue (shared archive): on PostgreSQL, procrastinate's schema (its
tables, types and functions, in the archive's own database: the queue needs no other server);
on both engines, the captures each queued job stored and why its attempts failed, two new
append-only tables. Nothing already recorded changes.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-06
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from storage._triggers import drop_append_only, make_append_only

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLES = ("job_captures", "job_failures")


def _install_queue_schema() -> None:
    bind = op.get_bind()
    if bind.dialect.name != "postgresql":
        return  # the embedded archive has no queue: `postproof worker` refuses it
    if sa.inspect(bind).has_table("procrastinate_jobs"):
        return  # installed by hand before this revision
    try:
        from procrastinate.schema import SchemaManager
    except ImportError as exc:
        raise RuntimeError(
            "the shared archive needs the task queue library procrastinate: install "
            "postproof with its [shared] extra (pip install 'postproof[shared]')"
        ) from exc
    # Functions with $$ bodies and several statements: sent as one text, without parameters.
    bind.exec_driver_sql(SchemaManager.get_schema().replace("%", "%%"))


def upgrade() -> None:
    op.create_table(
        "job_captures",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("job_id", sa.BigInteger(), nullable=False),
        sa.Column("capture_id", sa.String(), nullable=False),
        sa.Column("asked", sa.Boolean(), nullable=False),
        sa.Column("recorded_at", sa.String(), nullable=False),
        sa.ForeignKeyConstraint(["capture_id"], ["captures.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("capture_id"),
    )
    op.create_index("ix_job_captures_job_id", "job_captures", ["job_id"])
    op.create_table(
        "job_failures",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("job_id", sa.BigInteger(), nullable=False),
        sa.Column("attempt", sa.Integer(), nullable=False),
        sa.Column("error", sa.String(), nullable=False),
        sa.Column("failed_at", sa.String(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_job_failures_job_id", "job_failures", ["job_id"])
    make_append_only(*TABLES)
    _install_queue_schema()


def downgrade() -> None:
    # procrastinate's schema stays: it may hold jobs, and is procrastinate's to migrate.
    drop_append_only(*TABLES)
    op.drop_index("ix_job_failures_job_id", table_name="job_failures")
    op.drop_table("job_failures")
    op.drop_index("ix_job_captures_job_id", table_name="job_captures")
    op.drop_table("job_captures")
