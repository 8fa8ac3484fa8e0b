"""Append-only triggers, as each engine writes them, for the migrations: a row of an
append-only table is never changed or removed, and the database itself says so with the same
message on SQLite and on PostgreSQL ("<table> are append-only: rows are never changed or
removed").

SQLite raises from a trigger of its own per table and action. PostgreSQL's triggers call one
PL/pgSQL function; a statement trigger refuses TRUNCATE too, which row triggers do not see.
"""

from __future__ import annotations

ACTIONS = ("UPDATE", "DELETE")
_FUNCTION = "postproof_append_only"

PG_FUNCTION = f"""
CREATE OR REPLACE FUNCTION {_FUNCTION}() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '% are append-only: rows are never changed or removed', TG_TABLE_NAME
        USING ERRCODE = 'restrict_violation';
END
$$
"""


def trigger_names(dialect: str, table: str) -> list[str]:
    actions = (*ACTIONS, "TRUNCATE") if dialect == "postgresql" else ACTIONS
    return [f"{table}_append_only_{action.lower()}" for action in actions]


def create_statements(dialect: str, table: str) -> list[str]:
    """The statements that make ``table`` append-only on ``dialect`` (PostgreSQL: after
    :data:`PG_FUNCTION`)."""
    if dialect != "postgresql":
        return [
            f"CREATE TRIGGER {table}_append_only_{action.lower()} BEFORE {action} ON {table} "
            f"BEGIN SELECT RAISE(ABORT, '{table} are append-only: rows are never changed or "
            "removed'); END"
            for action in ACTIONS
        ]
    return [
        *(
            f"CREATE TRIGGER {table}_append_only_{action.lower()} BEFORE {action} ON {table} "
            f"FOR EACH ROW EXECUTE FUNCTION {_FUNCTION}()"
            for action in ACTIONS
        ),
        f"CREATE TRIGGER {table}_append_only_truncate BEFORE TRUNCATE ON {table} "
        f"FOR EACH STATEMENT EXECUTE FUNCTION {_FUNCTION}()",
    ]


def drop_statements(dialect: str, table: str) -> list[str]:
    on = f" ON {table}" if dialect == "postgresql" else ""
    return [f"DROP TRIGGER IF EXISTS {name}{on}" for name in trigger_names(dialect, table)]


def make_append_only(*tables: str) -> None:
    """Make ``tables`` append-only, from inside a migration."""
    from alembic import op

    dialect = op.get_bind().dialect.name
    if dialect == "postgresql":
        op.execute(PG_FUNCTION)
    for table in tables:
        for statement in create_statements(dialect, table):
            op.execute(statement)


def drop_append_only(*tables: str) -> None:
    """Drop the append-only triggers of ``tables``, from inside a migration."""
    from alembic import op

    dialect = op.get_bind().dialect.name
    for table in tables:
        for statement in drop_statements(dialect, table):
            op.execute(statement)
