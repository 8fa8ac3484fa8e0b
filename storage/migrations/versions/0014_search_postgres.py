"""Full-text search in the shared archive: on PostgreSQL, a table of search documents
(``search_docs``) with a ``tsvector`` column under a GIN index, kept by triggers as captures,
articles, claims, text read from images and the images themselves are recorded, and filled
here from what the archive already holds. On SQLite nothing changes: its index is the file
``search.sqlite3`` beside the database (see :mod:`storage._search`).

The documents are made as SQLite's index makes them: the same fields, the same words (every
run of punctuation or spaces separates words, as FTS5's unicode61 tokenizer has it, so an
address is found by any of its parts), any case and accents ignored (a text search
configuration of its own: PostgreSQL's ``simple`` with the ``unaccent`` dictionary first).

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-06
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from archiver.errors import StorageError

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

CONFIG = "postproof_search"
# ASCII punctuation ([:punct:] in any locale), and the punctuation, symbols and spaces of
# Latin-1, General Punctuation, CJK and full-width forms: what unicode61 separates words at
# and a C-locale server's parser would take for letters.
_SEPARATORS = (
    r"[[:punct:][:space:]\u00a0-\u00a9\u00ab-\u00b1\u00b4\u00b6-\u00b8\u00bb\u00bf\u00d7\u00f7"
    r"\u2000-\u206f\u3000-\u3003\u3008-\u3020\uff01-\uff0f\uff1a-\uff20]+"
)
_WORD_TYPES = (
    "asciiword, word, numword, asciihword, hword, numhword, hword_asciipart, hword_part, "
    "hword_numpart"
)

_DOCUMENT = """
    INSERT INTO search_docs (kind, ref, platform, status, at, post_id, title, body)
"""
# What each record adds, as storage/_search.py's _SOURCES (for one row: NEW; for a table: T).
_CAPTURE = """
    SELECT 'capture', {r}.id, {r}.platform, {r}.status, {r}.started_at, {r}.post_id,
           trim(coalesce({r}.author, '') || ' ' || coalesce({r}.handle, '')),
           trim(coalesce({r}.text, '') || ' ' || {r}.requested_url || ' ' || {r}.canonical_url)
"""
_ARTICLE = """
    SELECT 'article', {r}.id, NULL, NULL, {r}.added_at, NULL, coalesce({r}.title, ''),
           trim(coalesce({r}.byline, '') || ' ' || coalesce({r}.source_url, {r}.source_name, ''))
"""
_CLAIM = """
    SELECT 'claim', {r}.article_id || '#' || {r}.number, NULL, NULL, {r}.created_at, NULL,
           coalesce({r}.speaker, ''), {r}.text
"""
# Text read from an image: found as every capture that holds the image.
_IMAGE_TEXT = """
    SELECT 'capture', a.capture_id, c.platform, c.status, c.started_at, c.post_id,
           'image text', {r}.text
    FROM artifacts AS a JOIN captures AS c ON c.id = a.capture_id
"""
# An image stored after its text was read (another capture of the same picture, or a copy
# made by migrate-archive, which copies ocr_texts before the captures): found by its text too.
_ARTIFACT = """
    SELECT 'capture', c.id, c.platform, c.status, c.started_at, c.post_id, 'image text', o.text
    FROM ocr_texts AS o JOIN captures AS c ON c.id = {r}.capture_id
"""
_SOURCES = {
    "captures": (_CAPTURE, ""),
    "articles": (_ARTICLE, ""),
    "claims": (_CLAIM, ""),
    "ocr_texts": (_IMAGE_TEXT, "WHERE a.sha256 = {r}.sha256"),
    "artifacts": (_ARTIFACT, "WHERE o.sha256 = {r}.sha256"),
}


def _statements() -> list[str]:
    statements = [
        "CREATE EXTENSION IF NOT EXISTS unaccent",
        f"CREATE TEXT SEARCH CONFIGURATION {CONFIG} (COPY = simple)",
        f"ALTER TEXT SEARCH CONFIGURATION {CONFIG} ALTER MAPPING FOR {_WORD_TYPES} "
        "WITH unaccent, simple",
        "CREATE FUNCTION search_words(text) RETURNS text LANGUAGE sql IMMUTABLE PARALLEL SAFE "
        f"RETURNS NULL ON NULL INPUT AS $$ SELECT regexp_replace($1, '{_SEPARATORS}', ' ', 'g') $$",
        f"""CREATE TABLE search_docs (
            id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
            kind text NOT NULL, ref text NOT NULL, platform text, status text, at text,
            post_id integer, title text NOT NULL, body text NOT NULL,
            doc tsvector GENERATED ALWAYS AS (
                to_tsvector('{CONFIG}'::regconfig, search_words(title || ' ' || body))
            ) STORED
        )""",
        "CREATE INDEX ix_search_docs_doc ON search_docs USING gin (doc)",
    ]
    for table, (select, where) in _SOURCES.items():
        row_select = select.format(r="NEW") + where.format(r="NEW")
        statements.append(
            f"CREATE FUNCTION search_docs_of_{table}() RETURNS trigger LANGUAGE plpgsql AS $$ "
            f"BEGIN {_DOCUMENT} {row_select}; RETURN NULL; END $$"
        )
        statements.append(
            f"CREATE TRIGGER {table}_search AFTER INSERT ON {table} "
            f"FOR EACH ROW EXECUTE FUNCTION search_docs_of_{table}()"
        )
    # What the archive already holds, in the order it was recorded where that is known.
    statements += [
        _DOCUMENT + _CAPTURE.format(r="T") + "FROM captures AS T ORDER BY T.stored_at, T.id",
        _DOCUMENT + _ARTICLE.format(r="T") + "FROM articles AS T ORDER BY T.added_at, T.id",
        _DOCUMENT + _CLAIM.format(r="T") + "FROM claims AS T ORDER BY T.id",
        _DOCUMENT
        + _IMAGE_TEXT.format(r="T")
        + "JOIN ocr_texts AS T ON T.sha256 = a.sha256 ORDER BY T.created_at, a.id",
    ]
    return statements


def upgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name != "postgresql":
        return
    first, *rest = _statements()
    try:
        with bind.begin_nested():
            bind.exec_driver_sql(first)
    except sa.exc.DBAPIError as exc:
        raise StorageError(
            "the PostgreSQL server cannot add the unaccent extension, which search needs "
            f"to ignore accents: {str(exc.orig).strip().splitlines()[0]}",
            hint="install PostgreSQL's contrib modules on the server (Debian: postgresql-contrib)"
            ", or have its administrator run CREATE EXTENSION unaccent in the archive's "
            "database, then run the command again",
        ) from exc
    for statement in rest:
        bind.exec_driver_sql(statement)  # no bound parameters: ":punct:" is a regex class


def downgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name != "postgresql":
        return
    for table in _SOURCES:
        bind.exec_driver_sql(f"DROP TRIGGER IF EXISTS {table}_search ON {table}")
        bind.exec_driver_sql(f"DROP FUNCTION IF EXISTS search_docs_of_{table}()")
    bind.exec_driver_sql("DROP TABLE IF EXISTS search_docs")
    bind.exec_driver_sql("DROP FUNCTION IF EXISTS search_words(text)")
    # unaccent stays: other schemas of the database may use it.
    bind.exec_driver_sql(f"DROP TEXT SEARCH CONFIGURATION IF EXISTS {CONFIG}")
