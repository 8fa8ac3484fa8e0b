"""Moving an embedded archive (SQLite and blobs in its data home) into a shared one (PostgreSQL,
with blobs in an S3-compatible bucket, or wherever the data home's settings put them).

Everything is copied as stored: every row of every table with its id, hash and time as the
source holds them (times stay the very text they were stored as), so the log keeps its leaves
and its checkpoints their roots. The copy runs in two steps:

1. the blobs the source's rows name, each read and rehashed from the source and written to the
   target's store under its SHA-256 (content addressing makes this safe to repeat: a blob the
   target already holds is not written again). A source blob that is missing or whose bytes no
   longer match its name is a :class:`BlobFinding`, and is not copied;
2. the rows, all of them in one transaction of the target that holds its writer lock: an
   interrupted copy leaves no row behind, and the same command run again starts the rows
   afresh while the blobs already copied are kept.

The source is only read, all of it in one read transaction (one snapshot). Its schema must be
at this version's head revision: an older archive is refused with what to do, never migrated
behind the user's back. The journal of blobs being written (``pending_blobs``) is not copied: it
is the bookkeeping of runs of the embedded archive, not evidence, and its blobs are not named by
any row. The signing key stays a file of the data home: it is never put in a database.
"""

from __future__ import annotations

import hashlib
import itertools
from collections.abc import Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, Protocol

import sqlalchemy as sa

from archiver.errors import StorageError, UsageError
from archiver.models import utcnow
from proof import InstallationKey, load_or_create_key
from storage import _postgres
from storage._blob_config import open_blob_store
from storage._blobs import Blobs, BlobStore, check_sha256
from storage._database import (
    _current_revision,
    create_archive_engine,
    known_revisions,
    storage_errors,
    upgrade_to_head,
    writer,
)
from storage._home import Layout
from storage._journal import new_run_id
from storage._ledger import Ledger
from storage._records import RecoveryReport, VerifyReport
from storage._verify import verify_artifacts

# Tables that are not copied, and why (the command says so).
NOT_COPIED = {
    "alembic_version": "the schema's revision: the target is migrated by this version itself",
    "pending_blobs": "the journal of the embedded archive's runs, not evidence",
}
_BATCH = 500
BLOB_WORKERS = 8  # blobs copied at once
_OPEN_HINT = "run any command on it with this version first (postproof --home {home} list)"


class MigrationProgress(Protocol):
    """What a migration tells as it goes (``postproof.output.Steps`` is one)."""

    def step(self, name: str, total: int, doing: str = "") -> None: ...

    def advance(self, description: str) -> None: ...


class _Silent:
    def step(self, name: str, total: int, doing: str = "") -> None:
        pass

    def advance(self, description: str) -> None:
        pass


@dataclass(frozen=True)
class BlobFinding:
    """A blob of the source that could not be copied as it was recorded."""

    sha256: str
    problem: Literal["missing", "hash_mismatch", "size_mismatch"]
    detail: str

    def to_json(self) -> dict[str, str]:
        return {"sha256": self.sha256, "problem": self.problem, "detail": self.detail}


@dataclass
class MigrationReport:
    """What a migration copied, and what it could not."""

    source: Path  # the SQLite database
    target: str  # the database URL, without its password
    blob_store: str  # where the blobs now are
    blobs_in_place: bool = False  # the target uses the source's own blob directory
    tables: dict[str, int] = field(default_factory=dict)  # rows copied per table
    not_copied: dict[str, int] = field(default_factory=dict)  # rows left, per table
    blobs_referenced: int = 0
    blobs_copied: int = 0
    blobs_already_there: int = 0
    bytes_copied: int = 0
    findings: list[BlobFinding] = field(default_factory=list)
    keys: list[str] = field(default_factory=list)  # note verifier keys that signed the log
    signing_key: Path | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "source": str(self.source),
            "target": self.target,
            "tables": self.tables,
            "not_copied": self.not_copied,
            "blobs": {
                "store": self.blob_store,
                "in_place": self.blobs_in_place,
                "referenced": self.blobs_referenced,
                "copied": self.blobs_copied,
                "already_there": self.blobs_already_there,
                "bytes_copied": self.bytes_copied,
                "problems": [finding.to_json() for finding in self.findings],
            },
            "keys": self.keys,
            "signing_key": {
                "path": None if self.signing_key is None else str(self.signing_key),
                "copied": False,
            },
        }


def shown_url(url: str) -> str:
    """A database URL as it may be printed: without its password."""
    return (
        _postgres.engine_url(url).set(drivername="postgresql").render_as_string(hide_password=True)
    )


def migrate_archive(
    home: Path,
    target_url: str,
    *,
    blobs_url: str | None = None,
    progress: MigrationProgress | None = None,
) -> MigrationReport:
    """Copy the embedded archive of the data home ``home`` into the PostgreSQL database
    ``target_url`` (migrated to the head revision first, refused unless empty) and its blobs
    into ``blobs_url`` (an ``s3://`` location), else into the store ``home``'s settings name."""
    layout = Layout(Path(home))
    steps = progress or _Silent()
    _check_locations(target_url, blobs_url)
    if not layout.database.is_file():
        raise UsageError(
            f"there is no embedded archive in {layout.home} ({layout.database.name} is not there)",
            hint="give the data home of the archive to move with --home (or POSTPROOF_HOME)",
        )
    report = MigrationReport(
        source=layout.database, target=shown_url(target_url), blob_store="", signing_key=None
    )
    with (
        _about_target(),
        storage_errors(layout.home),
        _engines(layout, target_url) as (source, target),
    ):
        _check_source(source, layout.home)
        upgrade_to_head(target, layout.migrate_lock)
        target_blobs = open_blob_store(layout.home, layout.blobs, new_run_id(), url=blobs_url)
        report.blob_store = _store_name(target_blobs, layout)
        report.blobs_in_place = _same_local_store(target_blobs, layout.blobs)
        with source.connect() as reading, reading.begin():
            tables = _source_tables(reading)
            _refuse_filled(target, reading, report.target)
            report.keys = list(
                reading.execute(sa.text('SELECT DISTINCT "key" FROM log_entries ORDER BY 1'))
                .scalars()
                .all()
            )
            report.signing_key = _signing_key_path(layout, has_log=bool(report.keys))
            _copy_blobs(reading, BlobStore(layout.blobs), target_blobs, report, steps)
            _copy_rows(reading, tables, target, report, steps)
    return report


def verify_target(
    home: Path, target_url: str, *, blobs_url: str | None = None, roots: Sequence[bytes] = ()
) -> VerifyReport:
    """``verify --all`` on the shared archive: every blob rehashed in the target's store, and
    the whole log rechecked against the data home's signing key."""
    layout = Layout(Path(home))
    engine = _postgres.create_engine(_postgres.engine_url(target_url))
    try:
        with _about_target(), storage_errors(layout.home):
            blobs = open_blob_store(layout.home, layout.blobs, new_run_id(), url=blobs_url)
            report = verify_artifacts(engine, blobs, None, RecoveryReport())
            if not layout.signing_key.is_file():
                return report  # an archive that never logged anything (see _signing_key_path)
            key = load_or_create_key(layout.signing_key, name=_key_name())

            def signing_key() -> InstallationKey:
                return key

            problems, check = Ledger(engine, signing_key, utcnow).verify(roots=roots)
    finally:
        engine.dispose()
    return VerifyReport(
        capture_id=None,
        problems=(*report.problems, *problems),
        captures_checked=report.captures_checked,
        artifacts_checked=report.artifacts_checked,
        blobs_checked=report.blobs_checked,
        bytes_hashed=report.bytes_hashed,
        recovery=report.recovery,
        ledger=check.to_json(),
    )


# -- the steps -------------------------------------------------------------------------------


def _check_locations(target_url: str, blobs_url: str | None) -> None:
    """Refuse a target that is not PostgreSQL, or blobs that are not an S3 location, naming
    the option to fix."""
    from storage._s3blobs import S3Location

    try:
        _postgres.engine_url(target_url)
    except UsageError:
        scheme = target_url.strip().split(":", 1)[0]
        raise UsageError(
            f"--to must name a PostgreSQL database, not {scheme}:…",
            hint="give --to postgresql://USER:PASSWORD@HOST:PORT/DATABASE",
        ) from None
    if blobs_url is not None:
        try:
            S3Location.parse(blobs_url)
        except UsageError:
            raise UsageError(
                f"--blobs must name an S3 location, not {blobs_url!r}",
                hint="give --blobs s3://BUCKET/PREFIX, or leave it out to use the blob store "
                "the data home is set up with",
            ) from None


@contextmanager
def _engines(layout: Layout, target_url: str) -> Iterator[tuple[sa.Engine, sa.Engine]]:
    target = _postgres.create_engine(_postgres.engine_url(target_url))
    source = create_archive_engine(layout.database)
    try:
        yield source, target
    finally:
        source.dispose()
        target.dispose()


@contextmanager
def _about_target() -> Iterator[None]:
    """The database's errors say to check ``--to``, where the URL was given, rather than the
    setting an archive's URL usually comes from."""
    try:
        yield
    except StorageError as exc:
        if not exc.hint or _postgres._SETTING_HINT not in exc.hint:
            raise
        hint = exc.hint.replace(_postgres._SETTING_HINT, "--to")
        raise StorageError(exc.message, hint=hint) from exc


def _check_source(source: sa.Engine, home: Path) -> None:
    """Refuse a source whose schema is not at this version's head revision."""
    known, head = known_revisions()
    current = _current_revision(source, known)  # a newer postproof's archive is refused there
    if current is None:
        raise UsageError(
            f"{home} holds a database file that is not a postproof archive yet",
            hint=_OPEN_HINT.format(home=home),
        )
    if current != head:
        raise UsageError(
            f"the archive in {home} is at schema revision {current}, older than this version's "
            f"{head}; it is only read here, so it is not brought up to date behind your back",
            hint=_OPEN_HINT.format(home=home) + ", then run migrate-archive again",
        )


def _source_tables(reading: sa.Connection) -> list[sa.Table]:
    """The source's tables, as its own schema has them, parents before children."""
    metadata = sa.MetaData()
    metadata.reflect(reading)
    return [table for table in metadata.sorted_tables if table.name not in NOT_COPIED]


def _refuse_filled(target: sa.Engine, reading: sa.Connection, shown: str) -> None:
    """Refuse a target that holds anything already (a migration copies into an empty archive),
    saying so plainly when it holds this very archive."""
    with target.connect() as connection:
        filled = _filled_tables(connection)
        if not filled:
            return
        captures = connection.execute(sa.text("SELECT count(*) FROM captures")).scalar_one()
        target_log = _log_head(connection)
    if captures and target_log is not None and target_log == _log_head(reading):
        raise UsageError(
            f"the database {shown} already holds this archive: its {captures} captures and its "
            f"log, leaf for leaf (an earlier migration finished)",
            hint="there is nothing left to copy; `postproof verify --all` with "
            "POSTPROOF_DATABASE_URL set to it checks it",
        )
    what = f"{captures} captures" if captures else "rows in " + ", ".join(filled)
    raise UsageError(
        f"the database {shown} already holds {what}: an archive is only moved into an empty one",
        hint="create a new database for it (createdb NAME) and give its URL with --to",
    )


def _filled_tables(connection: sa.Connection) -> list[str]:
    names = sorted(set(sa.inspect(connection).get_table_names()) - set(NOT_COPIED))
    return [
        name
        for name in names
        if connection.execute(
            sa.text(f'SELECT EXISTS (SELECT 1 FROM "{name}")')  # names from the catalogue
        ).scalar_one()
    ]


def _log_head(connection: sa.Connection) -> tuple[int, str] | None:
    row = connection.execute(
        sa.text("SELECT idx, leaf_hash FROM log_entries ORDER BY idx DESC LIMIT 1")
    ).first()
    return None if row is None else (int(row[0]), str(row[1]))


def _signing_key_path(layout: Layout, *, has_log: bool) -> Path | None:
    if layout.signing_key.is_file():
        return layout.signing_key
    if has_log:
        raise UsageError(
            f"the archive's signing key is not in {layout.signing_key}: its log cannot be "
            "checked after the copy",
            hint="put the key file back from a backup (keys/signing.key of the data home)",
        )
    return None


def _referenced_blobs(reading: sa.Connection) -> dict[str, tuple[int, str]]:
    """Every blob a row names: its recorded size and who names it (for findings)."""
    found: dict[str, tuple[int, str]] = {}
    for sha, size, owner in reading.execute(
        sa.text(
            "SELECT sha256, size, 'capture ' || capture_id FROM artifacts "
            "UNION ALL SELECT source_sha256, source_size, 'article ' || id FROM articles "
            "ORDER BY 1, 3"
        )
    ):
        found.setdefault(sha, (int(size), str(owner)))
    return found


def _copy_blobs(
    reading: sa.Connection,
    source: BlobStore,
    target: Blobs,
    report: MigrationReport,
    steps: MigrationProgress,
) -> None:
    """Copy the blobs the rows name, :data:`BLOB_WORKERS` at a time (a bucket answers each
    request after a round trip: one at a time, a large archive would take hours)."""
    wanted = _referenced_blobs(reading)
    report.blobs_referenced = len(wanted)
    steps.step("Blobs", len(wanted), f"copying to {report.blob_store}")
    todo = iter(wanted.items())
    running: set[Future[_BlobOutcome]] = set()
    pool = ThreadPoolExecutor(max_workers=BLOB_WORKERS, thread_name_prefix="migrate-blob")
    try:
        while True:
            # A copy starts when another ends: never more than BLOB_WORKERS blobs in memory,
            # and an interruption leaves only those under way to finish.
            for sha, (size, owner) in itertools.islice(todo, BLOB_WORKERS - len(running)):
                running.add(pool.submit(_blob_step, source, target, sha, size, owner))
            if not running:
                break
            finished, running = wait(running, return_when=FIRST_COMPLETED)
            for done in finished:
                outcome = done.result()
                _count(report, outcome)
                steps.advance(outcome.said)
    finally:
        pool.shutdown(wait=True)
    report.findings.sort(key=lambda finding: finding.sha256)


@dataclass(frozen=True)
class _BlobOutcome:
    size: int
    copied: bool
    finding: BlobFinding | None
    said: str  # for the progress bar


def _blob_step(source: BlobStore, target: Blobs, sha: str, size: int, owner: str) -> _BlobOutcome:
    if not _is_digest(sha):
        odd = BlobFinding(sha, "missing", f"{owner} names {sha!r}, which is not a SHA-256")
        return _BlobOutcome(size, False, odd, f"{owner}: not a digest")
    if target.exists(sha):
        return _BlobOutcome(size, False, None, f"{sha[:12]} already there")
    finding = _copy_blob(source, target, sha, size, owner)
    if finding is not None:
        return _BlobOutcome(size, False, finding, f"{sha[:12]} {finding.problem}")
    return _BlobOutcome(size, True, None, f"{sha[:12]} {size:,} bytes")


def _count(report: MigrationReport, outcome: _BlobOutcome) -> None:
    if outcome.finding is not None:
        report.findings.append(outcome.finding)
    elif outcome.copied:
        report.blobs_copied += 1
        report.bytes_copied += outcome.size
    else:
        report.blobs_already_there += 1


def _copy_blob(
    source: BlobStore, target: Blobs, sha: str, size: int, owner: str
) -> BlobFinding | None:
    where = f"the blob of {owner} ({source.location_of(sha)})"
    try:
        data = source.path(sha).read_bytes()
    except FileNotFoundError:
        return BlobFinding(sha, "missing", f"{where} is not in the source: not copied")
    except OSError as exc:
        return BlobFinding(
            sha, "missing", f"{where} cannot be read: {exc.strerror or exc}; not copied"
        )
    actual = hashlib.sha256(data).hexdigest()
    if actual != sha:
        return BlobFinding(
            sha,
            "hash_mismatch",
            f"{where} was altered in the source: it hashes to {actual} "
            f"({len(data)} bytes, {size} recorded); not copied",
        )
    if len(data) != size:
        return BlobFinding(
            sha, "size_mismatch", f"{where} has {len(data)} bytes, {size} recorded; not copied"
        )
    target.put(data, expected_sha256=sha)
    return None


def _copy_rows(
    reading: sa.Connection,
    tables: list[sa.Table],
    target: sa.Engine,
    report: MigrationReport,
    steps: MigrationProgress,
) -> None:
    """Every row of ``tables``, in one write transaction of the target: the last thing a
    migration does, so that once it commits nothing is left undone."""
    for name in NOT_COPIED:
        if name != "alembic_version" and sa.inspect(reading).has_table(name):
            left = reading.execute(sa.text(f"SELECT count(*) FROM {name}")).scalar_one()
            report.not_copied[name] = int(left)
    steps.step("Tables", len(tables), "copying rows")
    with writer(target).begin() as writing:
        if _filled_tables(writing):  # another process filled it since we looked
            _refuse_filled(target, reading, report.target)
        targets = sa.MetaData()
        targets.reflect(writing)
        for table in tables:
            into = _matching_table(targets, table)
            count = _copy_table(reading, writing, table, into)
            report.tables[table.name] = count
            steps.advance(f"{table.name}: {count:,} rows")
        _reset_sequences(writing, [targets.tables[t.name] for t in tables])


def _matching_table(targets: sa.MetaData, table: sa.Table) -> sa.Table:
    into = targets.tables.get(table.name)
    missing = [c.name for c in table.columns if into is None or c.name not in into.columns]
    if into is None or missing:
        raise StorageError(
            f"the target database has no {table.name}"
            + (f" columns {', '.join(missing)}" if into is not None else " table")
            + " although both are at the same schema revision",
            hint="the target's schema was changed by hand; copy into a new database",
        )
    return into


def _copy_table(
    reading: sa.Connection, writing: sa.Connection, table: sa.Table, into: sa.Table
) -> int:
    query = sa.select(table).order_by(*table.primary_key.columns)
    count = 0
    result = reading.execution_options(yield_per=_BATCH).execute(query)
    for rows in result.partitions():
        writing.execute(into.insert(), [dict(row._mapping) for row in rows])
        count += len(rows)
    return count


def _reset_sequences(writing: sa.Connection, tables: list[sa.Table]) -> None:
    """Ids given by the database go on after the highest copied one."""
    for table in tables:
        keys = list(table.primary_key.columns)
        if len(keys) != 1 or not isinstance(keys[0].type, sa.Integer):
            continue
        sequence = writing.execute(
            sa.select(sa.func.pg_get_serial_sequence(table.name, keys[0].name))
        ).scalar_one()
        if sequence is None:  # numbered by the archive itself (log index, checkpoint size)
            continue
        highest = writing.execute(sa.select(sa.func.max(keys[0]))).scalar_one()
        writing.execute(
            sa.select(sa.func.setval(sequence, (highest or 0) + 1, False)),
        )


def _store_name(blobs: Blobs, layout: Layout) -> str:
    if isinstance(blobs, BlobStore):
        return str(blobs.root)
    return str(getattr(blobs, "location", layout.blobs))


def _same_local_store(blobs: Blobs, directory: Path) -> bool:
    return isinstance(blobs, BlobStore) and blobs.root.resolve() == directory.resolve()


def _is_digest(sha: str) -> bool:
    try:
        check_sha256(sha)
    except UsageError:
        return False
    return True


def _key_name() -> str:
    from storage._archive import SIGNING_KEY_NAME

    return SIGNING_KEY_NAME
