"""Full-text search when the archive is in PostgreSQL: the documents of ``search_docs`` (made
by the database as rows are recorded: migration 0014) matched with a ``tsquery``, ranked, and
their matched words marked, with the results :mod:`storage._search` gives on SQLite.

Each term is a phrase query of its words (a word is a phrase of one), made by the same
functions as the documents, so a word is cut and folded the same way on both sides; every term
must match. Ranking is ``ts_rank`` divided by the document's length, as BM25 (FTS5's rank)
prefers the shorter of two documents with the same matches; ties go to the earlier record.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

if TYPE_CHECKING:
    from storage._search import SearchFilters, SearchHit

CONFIG = "postproof_search"
# ts_headline's options: as FTS5's snippet of 16 tokens, matched words between the marks.
_FRAGMENT_WORDS = 16


def _tsquery(count: int) -> str:
    parts = [f"phraseto_tsquery('{CONFIG}', search_words(:term{i}))" for i in range(count)]
    return " && ".join(parts)


def _where(filters: SearchFilters, params: dict[str, Any]) -> list[str]:
    from storage._search import KINDS

    where = ["d.kind = ANY(:kinds)"]
    params["kinds"] = [k for k in KINDS if k in filters.kinds]
    for column, name, value, op in (
        ("platform", "platform", filters.platform, "="),
        ("status", "status", filters.status, "="),
        ("at", "since", filters.since, ">="),
        ("at", "until", filters.until, "<="),
    ):
        if value:
            where.append(f"d.{column} {op} :{name}")
            params[name] = value
    if filters.watched_posts is not None:
        where.append("d.post_id = ANY(:watched)")
        params["watched"] = sorted(filters.watched_posts)
    return where


def search(
    engine: sa.Engine, terms: Sequence[str], filters: SearchFilters, limit: int
) -> list[SearchHit]:
    """The documents matching every one of ``terms``, best first, at most ``limit``."""
    from storage._search import MARK_END, MARK_START, SearchHit

    params: dict[str, Any] = {f"term{i}": term for i, term in enumerate(terms)}
    params["limit"] = limit
    params["options"] = (
        f'StartSel="{MARK_START}", StopSel="{MARK_END}", MaxWords={_FRAGMENT_WORDS}, '
        "MinWords=4, ShortWord=0, MaxFragments=1"
    )
    query = _tsquery(len(terms))  # immutable in its parameters: planned as a constant
    statement = f"""
        WITH top AS (
            SELECT d.id, d.kind, d.ref, d.platform, d.status, d.at, d.title, d.body,
                   ts_rank(d.doc, {query}, 1) AS rank
            FROM search_docs AS d
            WHERE d.doc @@ ({query}) AND {" AND ".join(_where(filters, params))}
            ORDER BY rank DESC, d.id
            LIMIT :limit
        )
        SELECT kind, ref, platform, status, at, title, body,
               ts_headline('{CONFIG}', body, {query}, :options) AS in_body,
               ts_headline('{CONFIG}', title, {query}, :options) AS in_title,
               search_words(body) AS words,
               ts_headline('{CONFIG}', search_words(body), {query}, :options) AS in_words
        FROM top ORDER BY rank DESC, id"""
    with engine.connect() as connection:
        rows = connection.execute(sa.text(statement), params).all()
    return [
        SearchHit(row.kind, row.ref, row.platform, row.status, row.at, _snippet(row))
        for row in rows
    ]


def _snippet(row: Any) -> str:
    """As FTS5's snippet: from the field with the matched words, "…" where it was cut. A word
    the server's parser reads as part of a longer token (an address, a host name) is marked
    in the body's words instead, without their punctuation."""
    from storage._search import MARK_START

    for text, marked in (
        (row.body, row.in_body),
        (row.title, row.in_title),
        (row.words, row.in_words),
    ):
        if MARK_START in marked:
            return _ellipses(marked, text)
    return _ellipses(row.in_body, row.body)


def _ellipses(fragment: str, text: str) -> str:
    """``fragment`` of ``text`` with "…" where it leaves out the start or the end."""
    from storage._search import MARK_END, MARK_START

    plain = fragment.replace(MARK_START, "").replace(MARK_END, "").strip()
    if not plain:
        return fragment
    where = text.find(plain)
    if where < 0:
        return fragment
    before = "…" if text[:where].strip() else ""
    after = "…" if text[where + len(plain) :].strip() else ""
    return f"{before}{fragment.strip()}{after}"
