"""Full-text search over the archive: post text, authors and handles, URLs, the text read from
a post's images (OCR, once quote checks have read it), article titles and bylines, and claims
(accents and case ignored).

In the embedded archive the index is SQLite FTS5. It is not evidence: it lives in its own
file, ``search.sqlite3`` in the data home, and is made from the archive database, which it
never changes. Before each search it reads the captures, articles and claims added since the
last one (rows of the archive are only ever added, so their row ids tell what is new); a
deleted index is made again on the next search.

In PostgreSQL the database keeps the index itself (``search_docs``, a ``tsvector`` under a GIN
index, written by triggers as rows are recorded: migration 0014), so every machine searches
the same index and nothing needs catching up; see :mod:`storage._search_pg`.
"""

from __future__ import annotations

import re
import sqlite3
import threading
from collections.abc import Collection, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from archiver.errors import StorageError, UsageError
from storage._database import storage_errors

INDEX_NAME = "search.sqlite3"
KINDS = ("capture", "article", "claim")
MARK_START, MARK_END = "\ue000", "\ue001"  # around matched words in snippets
_BATCH = 2000
_WORD = re.compile(r"\w+", re.UNICODE)
_PHRASE = re.compile(r'"([^"]+)"')

_SCHEMA = """
CREATE VIRTUAL TABLE IF NOT EXISTS docs USING fts5(
    kind UNINDEXED, ref UNINDEXED, platform UNINDEXED, status UNINDEXED, at UNINDEXED,
    post_id UNINDEXED, title, body, tokenize = 'unicode61 remove_diacritics 2'
);
CREATE TABLE IF NOT EXISTS progress (source TEXT PRIMARY KEY, last_rowid INTEGER NOT NULL);
"""
# What each source adds to the index: (kind, ref, platform, status, at, post_id, title, body),
# for its rows after a row id.
_SOURCES = {
    "captures": """
        SELECT rowid, 'capture', id, platform, status, started_at, post_id,
               trim(coalesce(author, '') || ' ' || coalesce(handle, '')),
               trim(coalesce(text, '') || ' ' || requested_url || ' ' || canonical_url)
        FROM captures WHERE rowid > :after ORDER BY rowid LIMIT :limit""",
    "articles": """
        SELECT rowid, 'article', id, NULL, NULL, added_at, NULL,
               coalesce(title, ''),
               trim(coalesce(byline, '') || ' ' || coalesce(source_url, source_name, ''))
        FROM articles WHERE rowid > :after ORDER BY rowid LIMIT :limit""",
    # Text read from a capture's images (the OCR cache quote checks fill), found as that
    # capture: every capture holding the image, a batch of OCR rows at a time.
    "ocr_texts": """
        SELECT o.rowid, 'capture', a.capture_id, c.platform, c.status, c.started_at, c.post_id,
               'image text', o.text
        FROM ocr_texts AS o
        JOIN artifacts AS a ON a.sha256 = o.sha256
        JOIN captures AS c ON c.id = a.capture_id
        WHERE o.rowid IN (
            SELECT rowid FROM ocr_texts WHERE rowid > :after ORDER BY rowid LIMIT :limit
        )
        ORDER BY o.rowid""",
    "claims": """
        SELECT rowid, 'claim', article_id || '#' || number, NULL, NULL, created_at, NULL,
               coalesce(speaker, ''), text
        FROM claims WHERE rowid > :after ORDER BY rowid LIMIT :limit""",
}


@dataclass(frozen=True)
class SearchFilters:
    """What a search is narrowed to: kinds of record, platform and status (captures), a time
    range (ISO 8601 text compared with the capture's start or the article's addition), and
    the posts that are watched (``watched_posts``: their database ids)."""

    kinds: Collection[str] = KINDS
    platform: str | None = None
    status: str | None = None
    since: str | None = None
    until: str | None = None
    watched_posts: Collection[int] | None = None


@dataclass(frozen=True)
class SearchHit:
    kind: str  # capture, article or claim
    ref: str  # a capture id, an article id, or ARTICLE#N
    platform: str | None
    status: str | None
    at: str | None
    snippet: str  # matched words between MARK_START and MARK_END

    def to_json(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "ref": self.ref,
            "platform": self.platform,
            "status": self.status,
            "at": self.at,
            "snippet": self.snippet.replace(MARK_START, "[").replace(MARK_END, "]"),
        }


def query_terms(text: str) -> list[str]:
    """What a person typed, as the terms that must all appear: each "quoted phrase" (its
    words, space-separated), then each word. No search operator is taken from the input."""
    phrases = [" ".join(_WORD.findall(p)) for p in _PHRASE.findall(text)]
    words = _WORD.findall(_PHRASE.sub(" ", text))
    terms = [p for p in phrases if p] + words
    if not terms:
        raise UsageError("nothing to search for", hint="type one or more words")
    return terms


def fts_query(text: str) -> str:
    """The FTS5 query of what a person typed: every word must appear (in any order), and
    "quoted words" as a phrase. FTS5's own operators are not taken from the input."""
    return " ".join(f'"{term}"' for term in query_terms(text))


class SearchIndex:
    """The index of one archive; see the module docstring."""

    _lock = threading.Lock()  # one catch-up at a time in this process

    def __init__(self, engine: sa.Engine, home: Path) -> None:
        self._engine = engine
        self._path = home / INDEX_NAME

    @contextmanager
    def _connect(self) -> Iterator[sqlite3.Connection]:
        try:
            connection = sqlite3.connect(self._path, timeout=30)
        except sqlite3.Error as exc:
            raise StorageError(f"cannot open the search index {self._path}: {exc}") from exc
        try:
            connection.executescript(_SCHEMA)
            yield connection
        except sqlite3.Error as exc:
            raise StorageError(
                f"the search index failed: {exc}",
                hint=f"it is only an index: delete {self._path} and it is made again",
            ) from exc
        finally:
            connection.close()

    def refresh(self) -> int:
        """Index the rows added to the archive since the last refresh; how many."""
        if self._engine.dialect.name == "postgresql":
            return 0  # the database keeps its own index as rows are recorded
        added = 0
        with self._lock, self._connect() as index:
            for source, query in _SOURCES.items():
                while True:
                    found = index.execute(
                        "SELECT last_rowid FROM progress WHERE source = ?", (source,)
                    ).fetchone()
                    after = found[0] if found else 0
                    with self._engine.connect() as archive:
                        rows = archive.execute(
                            sa.text(query), {"after": after, "limit": _BATCH}
                        ).all()
                    last = self._last_rowid(archive_rows=rows, source=source, after=after)
                    if last is None:
                        break
                    with index:
                        index.executemany(
                            "INSERT INTO docs VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                            [tuple(row[1:]) for row in rows],
                        )
                        index.execute(
                            "INSERT OR REPLACE INTO progress VALUES (?, ?)", (source, last)
                        )
                    added += len(rows)
        return added

    def _last_rowid(self, *, archive_rows: Sequence[Any], source: str, after: int) -> int | None:
        """The row id the next batch of ``source`` starts after; ``None`` when it is done. An
        OCR row whose image no capture holds gives no joined row: ask the table itself."""
        if archive_rows:
            return int(archive_rows[-1][0])
        if source != "ocr_texts":
            return None
        with self._engine.connect() as archive:
            query = "SELECT max(rowid) FROM (SELECT rowid FROM ocr_texts WHERE rowid > :after "
            query += "ORDER BY rowid LIMIT :limit)"
            found = archive.execute(sa.text(query), {"after": after, "limit": _BATCH}).scalar()
        return None if found is None else int(found)

    def search(
        self, text: str, filters: SearchFilters | None = None, *, limit: int = 50
    ) -> list[SearchHit]:
        """The records matching ``text``, best first, at most ``limit``."""
        chosen = filters or SearchFilters()
        if self._engine.dialect.name == "postgresql":
            from storage import _search_pg

            terms = query_terms(text)
            with storage_errors(self._path.parent):
                return _dedupe(_search_pg.search(self._engine, terms, chosen, limit))
        self.refresh()
        where: list[str] = ["docs MATCH ?"]
        params: list[Any] = [fts_query(text)]
        kinds = [k for k in KINDS if k in chosen.kinds]
        where.append(f"kind IN ({', '.join('?' * len(kinds))})")
        params += kinds
        for column, value, op in (
            ("platform", chosen.platform, "="),
            ("status", chosen.status, "="),
            ("at", chosen.since, ">="),
            ("at", chosen.until, "<="),
        ):
            if value:
                where.append(f"{column} {op} ?")
                params.append(value)
        if chosen.watched_posts is not None:
            watched = sorted(chosen.watched_posts)
            where.append(f"post_id IN ({', '.join('?' * len(watched))})")
            params += watched
        query = (
            "SELECT kind, ref, platform, status, at, "
            f"snippet(docs, -1, '{MARK_START}', '{MARK_END}', '…', 16) "
            f"FROM docs WHERE {' AND '.join(where)} ORDER BY rank LIMIT ?"
        )
        with self._connect() as index:
            rows = index.execute(query, [*params, limit]).fetchall()
        return _dedupe(SearchHit(*row) for row in rows)


def _dedupe(hits: Iterable[SearchHit]) -> list[SearchHit]:
    """A capture found by its text and by its images' text is one result: the better one."""
    best: dict[tuple[str, str], SearchHit] = {}
    for hit in hits:
        best.setdefault((hit.kind, hit.ref), hit)
    return list(best.values())
