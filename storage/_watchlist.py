"""Watched posts, their re-check schedule, and the events re-checks record."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlmodel import col, func, or_, select

from archiver.errors import StorageError
from storage._database import read_session, storage_errors, write_session
from storage._tables import Event, Post


@dataclass(frozen=True)
class PostRecord:
    id: int
    platform: str
    platform_post_id: str | None
    canonical_url: str
    watched: bool
    first_captured_at: datetime
    last_captured_at: datetime
    last_status: str
    next_check_at: datetime | None
    check_interval_s: int | None


@dataclass(frozen=True)
class NewEvent:
    post_id: int
    kind: str
    detected_at: datetime
    after_capture_id: str
    summary: str
    before_capture_id: str | None = None
    since: datetime | None = None
    confirmations: int = 1
    details: dict[str, Any] | None = None


@dataclass(frozen=True)
class EventRecord:
    id: int
    post_id: int
    kind: str
    detected_at: datetime
    since: datetime | None
    before_capture_id: str | None
    after_capture_id: str
    confirmations: int
    summary: str
    details: dict[str, Any]
    delivered_at: datetime | None
    delivery_attempts: int
    delivery_error: str | None
    reported_at: datetime | None = None


class Watchlist:
    """Reached as ``Archive.watchlist``."""

    def __init__(self, engine: sa.Engine, home: Path) -> None:
        self._engine = engine
        self._home = home

    def post(self, post_id: int) -> PostRecord:
        with storage_errors(self._home), read_session(self._engine) as session:
            row = session.get(Post, post_id)
            if row is None:
                raise StorageError(f"post {post_id} is not in the archive", hint="report this bug")
            return _post_record(row)

    def due(self, now: datetime, limit: int | None = None) -> list[PostRecord]:
        """Watched posts whose next check is due (never-checked posts first)."""
        query = (
            select(Post)
            .where(col(Post.watched).is_(True))
            .where(or_(col(Post.next_check_at).is_(None), col(Post.next_check_at) <= now))
            .order_by(col(Post.next_check_at).is_not(None), col(Post.next_check_at), col(Post.id))
        )
        if limit is not None:
            query = query.limit(limit)
        with storage_errors(self._home), read_session(self._engine) as session:
            return [_post_record(row) for row in session.exec(query).all()]

    def watched(self) -> list[PostRecord]:
        with storage_errors(self._home), read_session(self._engine) as session:
            rows = session.exec(
                select(Post).where(col(Post.watched).is_(True)).order_by(col(Post.id))
            ).all()
            return [_post_record(row) for row in rows]

    def count_watched(self) -> int:
        with storage_errors(self._home), read_session(self._engine) as session:
            query = select(func.count()).select_from(Post).where(col(Post.watched).is_(True))
            return session.exec(query).one()

    def set_watched(self, post_ids: Sequence[int], watched: bool) -> int:
        with storage_errors(self._home), write_session(self._engine) as session:
            rows = session.exec(select(Post).where(col(Post.id).in_(list(post_ids)))).all()
            for row in rows:
                row.watched = watched
                if watched:
                    row.next_check_at = None  # due at the next run
                session.add(row)
            return len(rows)

    def reschedule(self, post_id: int, next_check_at: datetime, interval_s: int) -> None:
        with storage_errors(self._home), write_session(self._engine) as session:
            row = session.get(Post, post_id)
            if row is None:
                raise StorageError(f"post {post_id} vanished", hint="report this bug")
            row.next_check_at = next_check_at
            row.check_interval_s = interval_s
            session.add(row)

    def record_events(self, events: Sequence[NewEvent]) -> list[EventRecord]:
        """Store events; one already recorded (same post, kind and capture) is not repeated."""
        stored: list[EventRecord] = []
        with storage_errors(self._home), write_session(self._engine) as session:
            for event in events:
                existing = session.exec(
                    select(Event).where(
                        col(Event.post_id) == event.post_id,
                        col(Event.kind) == event.kind,
                        col(Event.after_capture_id) == event.after_capture_id,
                    )
                ).first()
                if existing is not None:
                    continue
                row = Event(
                    post_id=event.post_id,
                    kind=event.kind,
                    detected_at=event.detected_at,
                    since=event.since,
                    before_capture_id=event.before_capture_id,
                    after_capture_id=event.after_capture_id,
                    confirmations=event.confirmations,
                    summary=event.summary,
                    details_json=json.dumps(event.details or {}, ensure_ascii=False),
                )
                session.add(row)
                session.flush()
                stored.append(_event_record(row))
        return stored

    def events(
        self,
        post_id: int | None = None,
        *,
        undelivered: bool = False,
        unreported: bool = False,
        newest: int | None = None,
    ) -> list[EventRecord]:
        """Events, oldest first; with ``newest``, only that many of the most recent."""
        if newest is not None:
            query = select(Event).order_by(col(Event.detected_at).desc(), col(Event.id).desc())
        else:
            query = select(Event).order_by(col(Event.detected_at), col(Event.id))
        if post_id is not None:
            query = query.where(col(Event.post_id) == post_id)
        if undelivered:
            query = query.where(col(Event.delivered_at).is_(None))
        if unreported:
            query = query.where(col(Event.reported_at).is_(None))
        if newest is not None:
            query = query.limit(newest)
        with storage_errors(self._home), read_session(self._engine) as session:
            found = [_event_record(row) for row in session.exec(query).all()]
        return found[::-1] if newest is not None else found

    def mark_reported(self, event_ids: Sequence[int], reported_at: datetime) -> None:
        """Record that a finished re-check run printed these events (stdout, exit status)."""
        if not event_ids:
            return
        with storage_errors(self._home), write_session(self._engine) as session:
            rows = session.exec(select(Event).where(col(Event.id).in_(list(event_ids)))).all()
            for row in rows:
                row.reported_at = reported_at
                session.add(row)

    def mark_delivery(
        self, event_ids: Sequence[int], *, delivered_at: datetime | None, error: str | None
    ) -> None:
        with storage_errors(self._home), write_session(self._engine) as session:
            rows = session.exec(select(Event).where(col(Event.id).in_(list(event_ids)))).all()
            for row in rows:
                row.delivery_attempts += 1
                row.delivered_at = delivered_at
                row.delivery_error = error
                session.add(row)


def _post_record(row: Post) -> PostRecord:
    assert row.id is not None
    return PostRecord(
        id=row.id,
        platform=row.platform,
        platform_post_id=row.platform_post_id,
        canonical_url=row.canonical_url,
        watched=row.watched,
        first_captured_at=row.first_captured_at,
        last_captured_at=row.last_captured_at,
        last_status=row.last_status,
        next_check_at=row.next_check_at,
        check_interval_s=row.check_interval_s,
    )


def _event_record(row: Event) -> EventRecord:
    assert row.id is not None
    return EventRecord(
        id=row.id,
        post_id=row.post_id,
        kind=row.kind,
        detected_at=row.detected_at,
        since=row.since,
        before_capture_id=row.before_capture_id,
        after_capture_id=row.after_capture_id,
        confirmations=row.confirmations,
        summary=row.summary,
        details=json.loads(row.details_json),
        delivered_at=row.delivered_at,
        delivery_attempts=row.delivery_attempts,
        delivery_error=row.delivery_error,
        reported_at=row.reported_at,
    )
