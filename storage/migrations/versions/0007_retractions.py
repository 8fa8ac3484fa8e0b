"""Retractions: a capture or an article taken back from the record, with why and when, logged in
the transparency log as an entry of its own (its own signed manifest), so that nothing already
recorded or logged is ever changed.

The log gains a second kind of entry: ``log_entries.capture_id`` may now be NULL, for an entry
whose ``retraction_id`` is set (exactly one of the two is). SQLite cannot relax NOT NULL in
place, so there the table is copied into a new one and its append-only triggers are made
again; PostgreSQL alters it in place.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-10
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from storage._triggers import drop_append_only, make_append_only

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


# A retraction is evidence too: never changed or removed once recorded.
RETRACTION_TABLE = "retractions"
_LOG_COLUMNS = "idx, capture_id, manifest, signature, key, leaf_hash, logged_at"


def _log_table(name: str, *, with_retractions: bool) -> None:
    """log_entries as 0004 made it, or (``with_retractions``) as this revision makes it."""
    columns: list[sa.Column[object] | sa.Constraint] = [
        sa.Column("idx", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("capture_id", sa.String(), nullable=with_retractions),
        sa.Column("manifest", sa.String(), nullable=False),
        sa.Column("signature", sa.String(), nullable=False),
        sa.Column("key", sa.String(), nullable=False),
        sa.Column("leaf_hash", sa.String(), nullable=False),
        sa.Column("logged_at", sa.String(), nullable=False),
        sa.ForeignKeyConstraint(["capture_id"], ["captures.id"]),
        sa.PrimaryKeyConstraint("idx"),
        sa.UniqueConstraint("capture_id"),
    ]
    if with_retractions:
        columns += [
            sa.Column("retraction_id", sa.Integer(), nullable=True),
            sa.ForeignKeyConstraint(["retraction_id"], ["retractions.id"]),
            sa.UniqueConstraint("retraction_id"),
            sa.CheckConstraint(
                "(capture_id IS NULL) <> (retraction_id IS NULL)", name="ck_log_entries_subject"
            ),
        ]
    op.create_table(name, *columns)


def _copy_log(*, with_retractions: bool) -> None:
    """Replace log_entries by a copy with the new definition, every row kept as it is."""
    _log_table("log_entries_copy", with_retractions=with_retractions)
    op.execute(
        f"INSERT INTO log_entries_copy ({_LOG_COLUMNS}) SELECT {_LOG_COLUMNS} FROM log_entries "
        "ORDER BY idx"
    )
    # DROP TABLE removes the table's triggers first, so its rows go without firing them.
    op.drop_table("log_entries")
    op.rename_table("log_entries_copy", "log_entries")
    make_append_only("log_entries")  # the log's own triggers (made by 0004), made again


def _alter_log_in_place(*, with_retractions: bool) -> None:
    """PostgreSQL: the same change without a copy (ALTER TABLE fires no row triggers). The
    constraints get the names PostgreSQL gives those of a new table, as the copy has them."""
    if with_retractions:
        op.alter_column("log_entries", "capture_id", existing_type=sa.String(), nullable=True)
        op.add_column("log_entries", sa.Column("retraction_id", sa.Integer(), nullable=True))
        op.create_foreign_key(
            "log_entries_retraction_id_fkey",
            "log_entries",
            "retractions",
            ["retraction_id"],
            ["id"],
        )
        op.create_unique_constraint(
            "log_entries_retraction_id_key", "log_entries", ["retraction_id"]
        )
        op.create_check_constraint(
            "ck_log_entries_subject",
            "log_entries",
            "(capture_id IS NULL) <> (retraction_id IS NULL)",
        )
        return
    op.drop_constraint("ck_log_entries_subject", "log_entries", type_="check")
    op.drop_column("log_entries", "retraction_id")  # its key and constraints go with it
    op.alter_column("log_entries", "capture_id", existing_type=sa.String(), nullable=False)


def _change_log(*, with_retractions: bool) -> None:
    if op.get_bind().dialect.name == "postgresql":
        _alter_log_in_place(with_retractions=with_retractions)
    else:
        _copy_log(with_retractions=with_retractions)


def upgrade() -> None:
    op.create_table(
        "retractions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("target_kind", sa.String(), nullable=False),
        sa.Column("target_id", sa.String(), nullable=False),
        sa.Column("reason", sa.String(), nullable=False),
        sa.Column("retracted_at", sa.String(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("target_kind", "target_id", name="uq_retractions_target"),
        sa.CheckConstraint(
            "target_kind IN ('capture', 'article')", name="ck_retractions_target_kind"
        ),
    )
    make_append_only(RETRACTION_TABLE)
    _change_log(with_retractions=True)


def downgrade() -> None:
    logged = op.get_bind().execute(
        sa.text("SELECT count(*) FROM log_entries WHERE retraction_id IS NOT NULL")
    )
    if logged.scalar():
        # The older schema has no place for them, and the log may not lose an entry.
        raise RuntimeError(
            "the log holds retractions: downgrading below revision 0007 would remove log "
            "entries, which the signed checkpoints cover"
        )
    _change_log(with_retractions=False)
    drop_append_only(RETRACTION_TABLE)
    op.drop_table("retractions")
