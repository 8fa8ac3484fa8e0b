"""The archive: records captures atomically and answers questions about them."""

from __future__ import annotations

import dataclasses
import logging
import threading
from collections.abc import Callable, Collection, Iterator, Mapping, Sequence
from contextlib import ExitStack, contextmanager
from datetime import datetime
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, TypeVar

import sqlalchemy as sa
from sqlalchemy import exc as sa_exc
from sqlmodel import Session, col, func, or_, select
from sqlmodel.sql.expression import SelectOfScalar

from archiver.errors import StorageError, UsageError
from archiver.models import CaptureResult, Status, utcnow
from storage import _ids
from storage._articles import ArticleBook
from storage._auth import AuthStore
from storage._blob_config import open_blob_store
from storage._database import (
    create_archive_engine,
    read_session,
    storage_errors,
    try_exclusive,
    upgrade_to_head,
    write_session,
)
from storage._home import Layout, configured_database_url, default_home
from storage._jobs import JobBook, record_job_capture
from storage._journal import Journal, new_run_id
from storage._ledger import Ledger, SealReport, append_entry, refuse_a_new_key
from storage._records import (
    ArtifactRecord,
    CaptureRecord,
    RecoveryReport,
    RetractionRecord,
    VerifyReport,
    artifact_record,
    capture_record,
    parse_status,
)
from storage._retractions import Retractions, TargetKind, not_retracted, of_targets, retracted
from storage._rows import (
    artifact_rows,
    as_utc,
    capture_row,
    check_result,
    upsert_post,
)
from storage._search import SearchIndex
from storage._similar import ImageMatch, find_similar
from storage._tables import Artifact, Capture, LogEntry, Post
from storage._users import Users
from storage._verify import verify_artifacts
from storage._watchlist import Watchlist

if TYPE_CHECKING:
    from proof import InstallationKey
    from storage._export import ExportReport

log = logging.getLogger("postproof.storage")

Clock = Callable[[], datetime]
IdGenerator = Callable[[], str]

_ID_ATTEMPTS = 32
_IN_BATCH = 500  # ids per IN (...) of one read
SIGNING_KEY_NAME = "postproof-archive"  # a note key's name; its id tells installations apart


def open_archive(
    home: Path | None = None,
    *,
    clock: Clock = utcnow,
    new_id: IdGenerator = _ids.new_capture_id,
    database_url: str | None = None,
    made_by: str | None = None,
) -> Archive:
    """Open (creating and migrating if needed) the archive in ``home``, or in
    :func:`default_home`, and clean up after runs that died while storing. Its database is
    PostgreSQL at ``database_url``, else at the configured URL (``$POSTPROOF_DATABASE_URL`` or
    ``[database] url`` in the home's ``config.toml``), else SQLite in the home. ``made_by``:
    the user on whose behalf it stores captures (signed in their manifests)."""
    return Archive(
        home if home is not None else default_home(),
        clock=clock,
        new_id=new_id,
        database_url=database_url,
        made_by=made_by,
    )


class Archive:
    """Captures and their evidence in one data home; implements ``archiver.models.CaptureSink``.

    Use it as a context manager or call :meth:`close`: an open archive holds a run lock and
    database connections. ``clock`` gives ``stored_at``; ``new_id`` draws capture ids (8
    Crockford base32 characters; it is called inside the transaction that records a capture).
    One instance may be shared by threads; :meth:`store` calls are serialised.
    """

    def __init__(
        self,
        home: Path,
        *,
        clock: Clock = utcnow,
        new_id: IdGenerator = _ids.new_capture_id,
        database_url: str | None = None,
        made_by: str | None = None,
    ) -> None:
        self._layout = Layout(Path(home))
        self.made_by = made_by
        self.run_id = new_run_id()
        self._clock = clock
        self._new_id = new_id
        self._store_lock = threading.Lock()
        self._engine: sa.Engine | None = None
        self._journal: Journal | None = None
        self._key: InstallationKey | None = None
        with storage_errors(self.home):
            self._layout.create()
            self.blobs = open_blob_store(self.home, self._layout.blobs, self.run_id)
            url = database_url or configured_database_url(self._layout.home)
            self._engine = create_archive_engine(self._layout.database, url)
            try:
                upgrade_to_head(self._engine, self._layout.migrate_lock)
                self._journal = Journal(self._engine, self.blobs, self._layout, self.run_id, clock)
                self.recovery: RecoveryReport = self._journal.recover()
                self._backfill_log()
            except BaseException:
                self.close()
                raise

    @property
    def articles(self) -> ArticleBook:
        """Articles, claims and their evidence links, in this archive."""
        engine, journal = self._open_parts()
        return ArticleBook(
            engine, self.blobs, journal, self.home, self._clock, self._new_id, self.made_by
        )

    @property
    def jobs(self) -> JobBook:
        """The task queue's jobs (shared archive) and the captures each stored."""
        engine, _journal = self._open_parts()
        return JobBook(engine, self.home, self._clock)

    @property
    def watchlist(self) -> Watchlist:
        """Watched posts, their re-check schedule and the events re-checks found."""
        engine, _journal = self._open_parts()
        return Watchlist(engine, self.home)

    def signing_key(self) -> InstallationKey:
        """The installation's Ed25519 signing key, created (mode 0600) on first use."""
        if self._key is None:
            path = self._layout.signing_key
            with storage_errors(self.home):
                path.parent.mkdir(mode=0o700, exist_ok=True)
                if not path.exists():
                    refuse_a_new_key(self._open_parts()[0], path)
                from proof import load_or_create_key  # cryptography, loaded when signing

                self._key = load_or_create_key(path, name=SIGNING_KEY_NAME)
        return self._key

    @property
    def retractions(self) -> Retractions:
        """Captures and articles taken back from the record, each logged as an entry."""
        engine, _journal = self._open_parts()
        return Retractions(engine, self.home, self.signing_key, self._clock)

    def retract(self, target: str, reason: str, made_by: str | None = None) -> RetractionRecord:
        """Retract the capture or the article ``target`` names (an id or a unique prefix of
        one), for ``reason``: a retraction row and its signed log entry, in one transaction;
        ``made_by`` (else the user the archive was opened for) is signed with it. Nothing
        retracted is changed or removed. Call :meth:`seal` to end the run."""
        kind, full_id = self.resolve_target(target)
        return self.retractions.record(kind, full_id, reason, made_by or self.made_by)

    def resolve_target(self, text: str) -> tuple[TargetKind, str]:
        """The capture or the article ``text`` names: (kind, full id). Refused when it names
        neither, or one of each."""
        found: list[tuple[TargetKind, str]] = []
        errors: list[UsageError] = []
        for kind, resolve in (
            ("capture", self.resolve_capture_id),
            ("article", self.articles.resolve),
        ):
            try:
                found.append((kind, resolve(text)))  # type: ignore[arg-type]
            except UsageError as exc:
                errors.append(exc)
        if len(found) == 1:
            return found[0]
        if found:
            shown = " and ".join(f"{kind} {full}" for kind, full in found)
            raise UsageError(
                f"{text!r} could be {shown}", hint="give more characters of the id you mean"
            )
        # Neither matched. Say so for both at once, unless one said more (too short, ambiguous).
        telling = [e for e in errors if not e.message.startswith("no ")]
        if telling:
            raise telling[0]
        raise UsageError(
            f"no capture or article with id {text!r}",
            hint="`postproof list` and `postproof article list` show the ids",
        )

    @property
    def search_index(self) -> SearchIndex:
        """Full-text search over captures, articles and claims (an index beside the database)."""
        engine, _journal = self._open_parts()
        return SearchIndex(engine, self.home)

    @property
    def users(self) -> Users:
        """The people who may use the web app, their API tokens and browser sessions."""
        engine, _journal = self._open_parts()
        return Users(engine, self.home, self._clock)

    @property
    def auth(self) -> AuthStore:
        """Login cookies imported per domain (``auth/`` in the data home, files mode 0600)."""
        return AuthStore(self._layout.auth)

    @property
    def ledger(self) -> Ledger:
        """The transparency log of capture manifests, its checkpoints and timestamps."""
        engine, _journal = self._open_parts()
        return Ledger(engine, self.signing_key, self._clock)

    def seal(
        self, tsa_urls: Sequence[str] = (), *, roots: Sequence[bytes] = (), timeout: float = 10
    ) -> SealReport:
        """End a run: sign a checkpoint of the log and timestamp it (see ``Ledger.seal``)."""
        with storage_errors(self.home):
            return self.ledger.seal(tsa_urls, roots=roots, timeout=timeout)

    def export(
        self,
        capture_ids: Sequence[str],
        out: Path,
        *,
        title: str,
        software: str,
        report: Mapping[str, bytes] | None = None,
        made_by: str | None = None,
    ) -> ExportReport:
        """Write the captures as a verifiable WACZ bundle (see ``storage._export``), with a
        report of them (file name -> bytes) and their screenshots in ``report/`` when
        ``report`` is given, and who exported them (``made_by``). The log must have a
        checkpoint holding them: call :meth:`seal` first."""
        records = [self.get_capture(c) for c in dict.fromkeys(capture_ids)]
        if not records:
            raise UsageError("nothing to export", hint="give capture ids or --article ID")
        # The bundle's writers (WARC, WACZ, the TSA's certificates) are loaded by an export.
        from storage._export import export_bundle

        with storage_errors(self.home):
            proofs = self.ledger.proofs([r.id for r in records])
            return export_bundle(
                records,
                proofs,
                self.signing_key(),
                out,
                read_blob=self.blobs.read,
                title=title,
                software=software,
                created=self._clock(),
                report=report,
                made_by=made_by or self.made_by,
            )

    def find_similar(
        self,
        phash: str,
        dhash: str | None,
        *,
        max_distance: int = 10,
        kinds: Collection[str] | None = None,
        exclude_sha256: str | None = None,
        limit: int = 50,
    ) -> list[ImageMatch]:
        """Stored images that look like the one with these hashes, nearest and earliest first
        (see ``storage._similar``)."""
        engine, _journal = self._open_parts()
        with storage_errors(self.home):
            return find_similar(
                engine,
                phash,
                dhash,
                max_distance=max_distance,
                kinds=kinds,
                exclude_sha256=exclude_sha256,
                limit=limit,
            )

    def _backfill_log(self) -> None:
        """Captures recorded by a version without the log are logged when the archive opens."""
        engine, _journal = self._open_parts()
        with read_session(engine) as session:
            captures = session.exec(select(func.count()).select_from(Capture)).one()
            logged = session.exec(
                select(func.count())
                .select_from(LogEntry)
                .where(col(LogEntry.capture_id).is_not(None))
            ).one()
        if captures > logged:
            added = self.ledger.backfill()
            log.info("logged %d capture(s) recorded before the log existed", added)

    def find_post_id(self, post: int | str) -> int:
        """The post behind a capture id, a URL of one of its captures, or its database id."""
        found = self._find_post_id(post)
        if found is None:
            raise UsageError(
                f"no post in the archive matches {post!r}",
                hint="give a capture id or the URL of a captured post (`postproof list`)",
            )
        return found

    @contextmanager
    def exclusive(self, name: str) -> Iterator[str | None]:
        """Hold the lock ``name`` for the ``with`` block, without waiting, against every
        process that opens this archive (with PostgreSQL, on every machine); the block gets
        ``None`` when it holds the lock, else who holds it."""
        engine, _journal = self._open_parts()
        with ExitStack() as stack:
            with storage_errors(self.home):  # taking it; what the block raises is its own
                holder = stack.enter_context(try_exclusive(engine, self._layout.runs, name))
            yield holder

    @property
    def home(self) -> Path:
        return self._layout.home

    @property
    def database_path(self) -> Path:
        return self._layout.database

    @property
    def logs_dir(self) -> Path:
        """Where the CLI keeps its log files (created with the home)."""
        return self._layout.logs

    def close(self) -> None:
        if self._journal is not None:  # first: on PostgreSQL its lock uses the engine
            self._journal.close()
            self._journal = None
        if self._engine is not None:
            self._engine.dispose()
            self._engine = None

    def __enter__(self) -> Archive:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    # -- recording -------------------------------------------------------------------------

    def store(
        self,
        result: CaptureResult,
        *,
        job: tuple[int, bool] | None = None,
        made_by: str | None = None,
    ) -> str:
        """Record ``result`` with its artifacts, atomically, and return the new capture id.
        ``made_by``, else the user the archive was opened for, is signed in its manifest; a
        queued ``job`` (its id, and whether it asked for this URL) is recorded with it.

        Blobs are written first (each announced in the journal beforehand), then one transaction
        records the post, the capture and its artifacts. If the process dies in between, the
        capture is simply not recorded and :meth:`recover` removes the orphan blobs later.
        """
        check_result(result)
        shas = list(dict.fromkeys(artifact.sha256 for artifact in result.artifacts))
        engine, journal = self._open_parts()
        key = self.signing_key()
        with self._store_lock, storage_errors(self.home):
            journal.reserve(shas)
            try:
                for artifact in result.artifacts:
                    self.blobs.put(artifact.data, artifact.sha256)
                return self._record(engine, journal, result, shas, key, job, made_by)
            except Exception:
                self._abandon(journal, shas)
                raise

    def recover(self) -> RecoveryReport:
        """Remove what runs that died while storing left behind; see :mod:`storage._journal`."""
        _engine, journal = self._open_parts()
        with storage_errors(self.home):
            return journal.recover()

    def _record(
        self,
        engine: sa.Engine,
        journal: Journal,
        result: CaptureResult,
        shas: Sequence[str],
        key: InstallationKey,
        job: tuple[int, bool] | None = None,
        made_by: str | None = None,
    ) -> str:
        with write_session(engine) as session:
            stored_at = as_utc(self._clock(), "clock()")
            post = upsert_post(session, result)
            capture_id = self._unused_capture_id(session)
            capture = capture_row(capture_id, post, result, stored_at, made_by or self.made_by)
            session.add(capture)
            session.flush()  # no ORM relationships: the capture must exist before its artifacts
            artifacts = artifact_rows(capture_id, result)
            session.add_all(artifacts)
            session.flush()
            # Same transaction: a capture is never recorded without its signed log entry.
            append_entry(session, capture, artifacts, key, stored_at)
            if job is not None:
                record_job_capture(session, job[0], capture_id, asked=job[1], at=stored_at)
            journal.settle(session, shas)
        return capture_id

    def _unused_capture_id(self, session: Session) -> str:
        for _attempt in range(_ID_ATTEMPTS):
            capture_id = self._new_id()
            if not _ids.is_capture_id(capture_id):
                raise ValueError(f"new_id() returned {capture_id!r}, not 8 Crockford characters")
            if session.get(Capture, capture_id) is None:
                return capture_id
        raise StorageError(
            f"could not draw an unused capture id in {_ID_ATTEMPTS} attempts",
            hint="the id generator keeps repeating itself; please report this as a bug",
        )

    def _abandon(self, journal: Journal, shas: Sequence[str]) -> None:
        try:
            journal.abandon(shas)
        except (sa_exc.SQLAlchemyError, OSError, StorageError) as cleanup_error:
            # The original error matters more; recovery removes these blobs after we exit.
            log.warning("could not clean up after a failed store: %s", cleanup_error)

    # -- queries ---------------------------------------------------------------------------

    def resolve_capture_id(self, text: str) -> str:
        """The full id of the one capture whose id starts with ``text`` (at least 4 characters,
        any case, Crockford aliases accepted: ``i``/``l`` read as ``1``, ``o`` as ``0``)."""
        prefix = _ids.normalize_id_text(text)
        invalid = _ids.invalid_id_characters(prefix)
        if not prefix or invalid:
            raise UsageError(
                f"{text!r} is not a capture id",
                hint="capture ids are 8 characters from 0-9 and a-z without i, l, o and u",
            )
        if len(prefix) < _ids.MIN_PREFIX:
            raise UsageError(
                f"capture id {text!r} is too short",
                hint=f"give at least {_ids.MIN_PREFIX} characters of the id",
            )
        engine, _journal = self._open_parts()
        with storage_errors(self.home), read_session(engine) as session:
            candidates = session.exec(
                _ids.starting_with(select(Capture.id), col(Capture.id), prefix)
            ).all()
        if not candidates:
            raise UsageError(
                f"no capture with id {text!r}",
                hint="`postproof list` shows the captures in the archive",
            )
        if len(candidates) > 1:
            shown = ", ".join(candidates[:10]) + (", …" if len(candidates) > 10 else "")
            raise UsageError(
                f"capture id {text!r} is ambiguous: it could be {shown}",
                hint="give more characters of the id",
            )
        return candidates[0]

    def get_capture(self, capture_id: str) -> CaptureRecord:
        """The capture ``capture_id`` (a full id or anything :meth:`resolve_capture_id` takes)."""
        full_id = self.resolve_capture_id(capture_id)
        engine, _journal = self._open_parts()
        with storage_errors(self.home), read_session(engine) as session:
            row = session.get(Capture, full_id)
            if row is None:  # resolved a moment ago; captures are never deleted
                raise StorageError(f"capture {full_id} vanished", hint="please report this bug")
            return self._records(session, [row])[0]

    def get_captures(self, capture_ids: Sequence[str]) -> list[CaptureRecord]:
        """The captures of these full ids, in the order given, read together, 500 ids a read (a
        page of search results is one read, not one per result). An unknown id is left out."""
        engine, _journal = self._open_parts()
        wanted = list(dict.fromkeys(capture_ids))
        by_id: dict[str, CaptureRecord] = {}
        with storage_errors(self.home), read_session(engine) as session:
            for start in range(0, len(wanted), _IN_BATCH):
                chunk = col(Capture.id).in_(wanted[start : start + _IN_BATCH])
                rows = session.exec(select(Capture).where(chunk)).all()
                by_id.update((record.id, record) for record in self._records(session, rows))
        return [by_id[i] for i in capture_ids if i in by_id]

    def list_captures(
        self,
        url: str | None = None,
        platform: str | None = None,
        status: str | None = None,
        limit: int | None = None,
        *,
        include_retracted: bool = True,
    ) -> list[CaptureRecord]:
        """Captures, newest first. ``url`` matches the requested, canonical or final URL;
        without ``include_retracted``, retracted captures are left out."""
        query = _matching(select(Capture), url, platform, status)
        if not include_retracted:
            query = query.where(not_retracted("capture", col(Capture.id)))
        query = query.order_by(
            col(Capture.started_at).desc(), col(Capture.stored_at).desc(), col(Capture.id)
        )
        if limit is not None:
            query = query.limit(limit)
        engine, _journal = self._open_parts()
        with storage_errors(self.home), read_session(engine) as session:
            return self._records(session, session.exec(query).all())

    def history(self, post: int | str) -> list[CaptureRecord]:
        """Every capture of one post, oldest first.

        ``post`` is a post's database id, a URL (canonical, requested or final URL of any of its
        captures), or a capture id (prefix) of one of its captures. An unknown URL gives ``[]``.
        """
        post_id = self._find_post_id(post)
        if post_id is None:
            return []
        query = (
            select(Capture)
            .where(col(Capture.post_id) == post_id)
            .order_by(col(Capture.started_at), col(Capture.stored_at), col(Capture.id))
        )
        engine, _journal = self._open_parts()
        with storage_errors(self.home), read_session(engine) as session:
            return self._records(session, session.exec(query).all())

    def latest_good_captures(
        self, limit: int = 5000, *, include_retracted: bool = True
    ) -> list[CaptureRecord]:
        """For each post, its newest capture that reached ``ok``; newest posts first. Without
        ``include_retracted``, the newest that reached ``ok`` and is not retracted."""
        good = col(Capture.status) == Status.OK.value
        if not include_retracted:
            good = sa.and_(good, not_retracted("capture", col(Capture.id)))
        newest = (
            select(Capture.post_id, func.max(Capture.started_at).label("started_at"))
            .where(good)
            .group_by(col(Capture.post_id))
            .subquery()
        )
        query = (
            select(Capture)
            .join(
                newest,
                sa.and_(
                    col(Capture.post_id) == newest.c.post_id,
                    col(Capture.started_at) == newest.c.started_at,
                ),
            )
            .where(good)
            .order_by(col(Capture.started_at).desc())
            .limit(limit)
        )
        engine, _journal = self._open_parts()
        with storage_errors(self.home), read_session(engine) as session:
            return self._records(session, session.exec(query).all())

    def count_captures(self) -> int:
        engine, _journal = self._open_parts()
        with storage_errors(self.home), read_session(engine) as session:
            return session.exec(select(func.count()).select_from(Capture)).one()

    def count_retracted_captures(
        self, url: str | None = None, platform: str | None = None, status: str | None = None
    ) -> int:
        """How many retracted captures match, as :meth:`list_captures` matches: what a listing
        without ``include_retracted`` leaves out."""
        query = _matching(select(func.count()).select_from(Capture), url, platform, status)
        query = query.where(retracted("capture", col(Capture.id)))
        engine, _journal = self._open_parts()
        with storage_errors(self.home), read_session(engine) as session:
            return session.exec(query).one()

    def verify(
        self, capture_id: str | None = None, *, tsa_roots: Sequence[bytes] = ()
    ) -> VerifyReport:
        """Re-hash the evidence of one capture, or of the whole archive when ``capture_id`` is
        ``None``; the whole-archive check also reports blob files nothing references (after
        :meth:`recover` removed those of dead runs). Then recheck the transparency log: every
        manifest, signature, checkpoint, consistency between checkpoints and timestamp (against
        the TSA roots in ``tsa_roots``)."""
        recovery = self.recover()
        full_id = None if capture_id is None else self.resolve_capture_id(capture_id)
        engine, _journal = self._open_parts()
        with storage_errors(self.home):
            report = verify_artifacts(engine, self.blobs, full_id, recovery)
            problems, check = self.ledger.verify(roots=tsa_roots, capture_id=full_id)
            retracted = None if full_id is None else self.retractions.get("capture", full_id)
        if full_id is not None:
            # The log is one chain: a break anywhere is reported, as are this capture's own.
            problems = [p for p in problems if p.capture_id in (None, full_id)]
        return dataclasses.replace(
            report,
            problems=(*report.problems, *problems),
            ledger=check.to_json(),
            retracted=retracted,
        )

    # -- helpers ---------------------------------------------------------------------------

    def _open_parts(self) -> tuple[sa.Engine, Journal]:
        if self._engine is None or self._journal is None:
            raise StorageError("the archive is closed", hint="open it again with open_archive()")
        return self._engine, self._journal

    def _find_post_id(self, post: int | str) -> int | None:
        if isinstance(post, int):
            return post
        if "/" not in post:
            return self.get_capture(post).post_id
        engine, _journal = self._open_parts()
        with storage_errors(self.home), read_session(engine) as session:
            post_id = session.exec(select(Post.id).where(col(Post.canonical_url) == post)).first()
            if post_id is None:
                post_id = session.exec(
                    select(Capture.post_id)
                    .where(
                        or_(
                            col(Capture.requested_url) == post,
                            col(Capture.canonical_url) == post,
                            col(Capture.final_url) == post,
                        )
                    )
                    .order_by(col(Capture.started_at).desc())
                ).first()
        return post_id

    def _records(self, session: Session, rows: Sequence[Capture]) -> list[CaptureRecord]:
        artifacts: dict[str, list[ArtifactRecord]] = {row.id: [] for row in rows}
        ids = list(artifacts)
        for start in range(0, len(ids), _IN_BATCH):
            query = (
                select(Artifact)
                .where(col(Artifact.capture_id).in_(ids[start : start + _IN_BATCH]))
                .order_by(col(Artifact.id))
            )
            for artifact in session.exec(query):
                artifacts[artifact.capture_id].append(artifact_record(artifact, self.blobs))
        retracted = of_targets(session, "capture", ids)
        return [
            capture_record(row, tuple(artifacts[row.id]), retracted.get(row.id)) for row in rows
        ]


_Row = TypeVar("_Row")


def _matching(
    query: SelectOfScalar[_Row], url: str | None, platform: str | None, status: str | None
) -> SelectOfScalar[_Row]:
    """``query`` narrowed to the captures of ``url`` (requested, canonical or final), of
    ``platform`` and in ``status``, each when given."""
    if url is not None:
        query = query.where(
            or_(
                col(Capture.requested_url) == url,
                col(Capture.canonical_url) == url,
                col(Capture.final_url) == url,
            )
        )
    if platform is not None:
        query = query.where(col(Capture.platform) == platform)
    if status is not None:
        query = query.where(col(Capture.status) == parse_status(status).value)
    return query
