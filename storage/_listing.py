"""The newest captures of an embedded archive, read with the standard library's ``sqlite3``.

``postproof list`` is what people and scripts run most to see what an archive holds, and it only
reads. Opening the archive costs more than reading it: SQLAlchemy, SQLModel and the tables'
classes take longer to import than the rest of the command takes to run. So an embedded archive
already at the newest revision is read here without them: the query of
:meth:`Archive.list_captures <storage.Archive.list_captures>` and of
:meth:`~storage.Archive.count_retracted_captures`, in one read transaction, and the records made
from the rows by the same functions (``storage._records``). The tests hold both readings equal.

Whatever this reading cannot answer gives ``None``, and the caller opens the archive as every
command does, which creates, migrates, recovers or reports: no database yet, a PostgreSQL
database, a database at another revision, or one that ``sqlite3`` cannot read.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from types import SimpleNamespace
from typing import TYPE_CHECKING, Any, cast
from urllib.parse import quote

from storage._blob_config import open_blob_store
from storage._home import Layout, configured_database_url
from storage._records import (
    ArtifactRecord,
    CaptureRecord,
    RetractionRecord,
    artifact_record,
    capture_record,
    parse_status,
    retraction_record,
)
from storage._schema import kept_revision

if TYPE_CHECKING:
    from storage._blobs import Blobs
    from storage._tables import Artifact, Capture, Retraction

BUSY_TIMEOUT_SECONDS = 30  # as the archive's own connections wait for a writer
_BATCH = 500  # ids per IN (...), as the archive reads artifacts

_CAPTURE_COLUMNS = (
    "id, post_id, requested_url, canonical_url, final_url, platform, platform_post_id, status, "
    "reason, http_status, started_at, finished_at, stored_at, server_date, server_ip, "
    "tool_version, browser, user_agent, insecure, author, handle, posted_at, text, lang, "
    "media_json, reply_to, quote_of, sources_json, missing_json, conflicts_json, made_by"
)
_ARTIFACT_COLUMNS = "capture_id, kind, sha256, size, media_type, phash, dhash, source_url"
_RETRACTION_COLUMNS = "id, target_kind, target_id, reason, retracted_at, made_by"
_RETRACTED_CAPTURES = "SELECT target_id FROM retractions WHERE target_kind = 'capture'"
# Stored as UTCDateTime stores them (ISO 8601 text, "Z"), read back as it reads them.
_TIMES = frozenset({"started_at", "finished_at", "stored_at", "posted_at", "retracted_at"})


@dataclass(frozen=True)
class Listing:
    """Captures, newest first, and how many matching captures were left out as retracted
    (0 when retracted ones were asked for)."""

    records: list[CaptureRecord]
    retracted_left_out: int


def read_listing(
    home: Path,
    *,
    url: str | None = None,
    platform: str | None = None,
    status: str | None = None,
    limit: int | None = None,
    include_retracted: bool = True,
) -> Listing | None:
    """The captures ``Archive.list_captures`` gives for these arguments, with (unless
    ``include_retracted``) ``Archive.count_retracted_captures``'s count; ``None`` when the
    archive in ``home`` must be opened to answer (see the module's text)."""
    where, params = _matching(url, platform, status)
    if configured_database_url(home) is not None:
        return None
    layout = Layout(home)
    blobs = open_blob_store(home, layout.blobs, "listing")
    try:
        connection = sqlite3.connect(
            f"file:{quote(str(layout.database))}?mode=rw",
            uri=True,
            timeout=BUSY_TIMEOUT_SECONDS,
            isolation_level=None,
        )
    except sqlite3.Error:
        return None  # no database yet: opening the archive makes it
    try:
        connection.execute("BEGIN")  # one snapshot for the captures and the count
        if not _at_newest_revision(connection):
            return None
        records = _records(connection, blobs, where, params, limit, include_retracted)
        left_out = 0 if include_retracted else _count_retracted(connection, where, params)
        return Listing(records, left_out)
    except sqlite3.Error:
        return None  # damaged, or not an archive: opening it reports what is wrong
    finally:
        connection.close()


def _matching(
    url: str | None, platform: str | None, status: str | None
) -> tuple[list[str], list[Any]]:
    """As ``storage._archive._matching``: the captures of ``url`` (requested, canonical or
    final), of ``platform`` and in ``status``, each when given."""
    where: list[str] = []
    params: list[Any] = []
    if url is not None:
        where.append("(requested_url = ? OR canonical_url = ? OR final_url = ?)")
        params += [url, url, url]
    if platform is not None:
        where.append("platform = ?")
        params.append(platform)
    if status is not None:
        where.append("status = ?")
        params.append(parse_status(status).value)
    return where, params


def _at_newest_revision(connection: sqlite3.Connection) -> bool:
    newest = kept_revision()
    found = connection.execute("SELECT version_num FROM alembic_version").fetchall()
    return newest is not None and found == [(newest,)]


def _records(
    connection: sqlite3.Connection,
    blobs: Blobs,
    where: list[str],
    params: list[Any],
    limit: int | None,
    include_retracted: bool,
) -> list[CaptureRecord]:
    if not include_retracted:
        where = [*where, f"id NOT IN ({_RETRACTED_CAPTURES})"]
    query = f"SELECT {_CAPTURE_COLUMNS} FROM captures{_where(where)}"
    query += " ORDER BY started_at DESC, stored_at DESC, id"
    if limit is not None:
        query += " LIMIT ?"
        params = [*params, limit]
    rows = _rows(connection.execute(query, params))
    ids = [row.id for row in rows]
    artifacts = _artifacts(connection, blobs, ids)
    retractions = _retractions(connection, ids)
    return [
        capture_record(cast("Capture", row), tuple(artifacts[row.id]), retractions.get(row.id))
        for row in rows
    ]


def _artifacts(
    connection: sqlite3.Connection, blobs: Blobs, ids: Sequence[str]
) -> dict[str, list[ArtifactRecord]]:
    found: dict[str, list[ArtifactRecord]] = {capture_id: [] for capture_id in ids}
    query = f"SELECT {_ARTIFACT_COLUMNS} FROM artifacts WHERE capture_id IN ({{}}) ORDER BY id"
    for row in _batched(connection, query, ids):
        found[row.capture_id].append(artifact_record(cast("Artifact", row), blobs))
    return found


def _retractions(connection: sqlite3.Connection, ids: Sequence[str]) -> dict[str, RetractionRecord]:
    query = (
        f"SELECT {_RETRACTION_COLUMNS} FROM retractions "
        "WHERE target_kind = 'capture' AND target_id IN ({})"
    )
    return {
        row.target_id: retraction_record(cast("Retraction", row), None)
        for row in _batched(connection, query, ids)
    }


def _batched(
    connection: sqlite3.Connection, query: str, ids: Sequence[str]
) -> Iterator[SimpleNamespace]:
    """The rows of ``query`` (whose ``{}`` is an ``IN`` list) for ``ids``, a batch at a time."""
    for start in range(0, len(ids), _BATCH):
        batch = ids[start : start + _BATCH]
        yield from _rows(connection.execute(query.format(", ".join("?" * len(batch))), batch))


def _count_retracted(connection: sqlite3.Connection, where: list[str], params: list[Any]) -> int:
    query = "SELECT count(*) FROM captures" + _where([*where, f"id IN ({_RETRACTED_CAPTURES})"])
    (count,) = connection.execute(query, params).fetchone()
    return int(count)


def _where(clauses: list[str]) -> str:
    return " WHERE " + " AND ".join(clauses) if clauses else ""


def _rows(cursor: sqlite3.Cursor) -> list[SimpleNamespace]:
    """The rows as objects with the tables' attributes and the values SQLAlchemy gives them."""
    names = [column[0] for column in cursor.description]
    return [SimpleNamespace(**_values(names, row)) for row in cursor]


def _values(names: list[str], row: tuple[Any, ...]) -> dict[str, Any]:
    values = dict(zip(names, row, strict=True))
    for name in _TIMES.intersection(values):
        text = values[name]
        values[name] = None if text is None else datetime.fromisoformat(text).astimezone(UTC)
    if "insecure" in values:
        values["insecure"] = bool(values["insecure"])
    return values
