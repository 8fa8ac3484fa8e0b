"""Alembic environment of the postproof archive.

At run time :func:`storage._database.upgrade_to_head` configures Alembic in code and hands us an
open connection (``config.attributes["connection"]``); no ``alembic.ini`` is read. For writing a
new revision from a checkout, ``storage/alembic.ini`` points Alembic here and at a scratch
database::

    alembic -c storage/alembic.ini upgrade head
    alembic -c storage/alembic.ini revision --autogenerate -m "add scheduling columns"

then review the generated file (write ``sa.String()`` for the ``UTCDateTime`` columns).
"""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection, create_engine

from storage._database import ours
from storage._tables import METADATA


def run_migrations(connection: Connection) -> None:
    # render_as_batch: SQLite cannot ALTER most things in place; batch mode copies the table.
    context.configure(
        connection=connection,
        target_metadata=METADATA,
        render_as_batch=True,
        include_name=ours,  # the task queue's tables are procrastinate's
    )
    with context.begin_transaction():
        context.run_migrations()


def run_online() -> None:
    connection = context.config.attributes.get("connection")
    if connection is not None:
        run_migrations(connection)
        return
    url = context.config.get_main_option("sqlalchemy.url")
    engine = create_engine(url or "sqlite:///postproof-data/postproof.sqlite3")
    try:
        with engine.begin() as own_connection:
            run_migrations(own_connection)
    finally:
        engine.dispose()


if context.is_offline_mode():
    raise SystemExit("postproof migrations run online only (against a database)")
run_online()
