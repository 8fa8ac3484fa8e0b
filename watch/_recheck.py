"""Re-checking watched posts: capture them again, compare with the previous good capture,
record what changed as events, and schedule the next check.

Every decision is derived from the post's capture history and its recorded events, never
from counters kept on the side: a run killed at any point and run again reaches the same
events (an event is unique per post, kind and capture), and nothing is counted twice.

A retracted capture is not part of that history (unless ``include_retracted``): it is never the
baseline a change is measured against, nor a check that confirms one; a post whose every capture
is retracted is not re-checked at all.
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import storage
from archiver import (
    ArtifactKind,
    CaptureOptions,
    CaptureResult,
    PostproofError,
    Status,
    UsageError,
    capture_many,
    isoformat_z,
    utcnow,
)
from watch._detect import compare
from watch.models import EventKind, MediaSnapshot, PostSnapshot

DEFAULT_INTERVALS = (
    timedelta(hours=1),
    timedelta(hours=6),
    timedelta(days=1),
    timedelta(days=3),
    timedelta(weeks=1),
)
GONE = {
    Status.NOT_FOUND.value: EventKind.DELETED,
    Status.SUSPENDED.value: EventKind.SUSPENDED,
    Status.LOGIN_WALL.value: EventKind.LOGIN_WALL,
}
TRANSIENT = {Status.UNAVAILABLE.value, Status.BLOCKED.value}
_UNITS = {"s": 1, "m": 60, "min": 60, "h": 3600, "d": 86400, "w": 604800}

log = logging.getLogger("postproof.recheck")


class AlreadyRunning(PostproofError):
    """Another re-check holds the lock: this one has nothing to do (exit 0)."""

    exit_code = 0


@dataclass(frozen=True)
class RecheckOptions:
    intervals: tuple[timedelta, ...] = DEFAULT_INTERVALS
    confirmations: int = 2  # consecutive checks that must agree a post is gone
    unavailable_confirmations: int = 3
    clock: Callable[[], datetime] = utcnow
    include_retracted: bool = False  # count retracted captures as any other


@dataclass
class RecheckReport:
    checked: int = 0
    statuses: dict[str, int] = field(default_factory=dict)
    events: list[storage.EventRecord] = field(default_factory=list)
    skipped_retracted: int = 0  # posts not re-checked: every capture of them is retracted


@dataclass(frozen=True)
class PendingChange:
    """A change a post's checks have seen but not yet confirmed: ``seen`` consecutive checks
    of the ``needed`` that must agree before it is recorded as an event."""

    kind: str  # deleted, suspended, login_wall or unavailable
    seen: int
    needed: int
    since: datetime  # the first check that saw it
    captures: tuple[str, ...]  # those checks

    def to_json(self) -> dict[str, object]:
        return {
            "kind": self.kind,
            "seen": self.seen,
            "needed": self.needed,
            "since": isoformat_z(self.since),
            "captures": list(self.captures),
        }


@dataclass(frozen=True)
class WatchedPost:
    """Where a watched post stands: its last check (its newest capture), when the next is due
    (``None``: at the next run), and what awaits confirmation."""

    post: storage.PostRecord
    last_checked_at: datetime | None
    # What the last check saw (ok, not_found, login_wall…); "retracted" when every capture of
    # the post is, which re-checks then skip.
    status: str | None
    pending: tuple[PendingChange, ...]


def parse_intervals(text: str) -> tuple[timedelta, ...]:
    """``"1h,6h,1d,3d,1w"``: the back-off ladder of re-checks while nothing changes."""
    found = []
    for part in text.split(","):
        match = re.fullmatch(r"\s*(\d+)\s*(s|m|min|h|d|w)\s*", part.lower())
        if not match or int(match.group(1)) == 0:
            raise UsageError(
                f"{part.strip()!r} is not an interval.",
                hint="Write intervals like 1h,6h,1d,3d,1w (units: m, h, d, w).",
            )
        found.append(timedelta(seconds=int(match.group(1)) * _UNITS[match.group(2)]))
    if found != sorted(found):
        raise UsageError("Re-check intervals must grow.", hint="For example: 1h,6h,1d,3d,1w")
    return tuple(found)


@contextmanager
def recheck_lock(archive: storage.Archive) -> Iterator[None]:
    """One re-check at a time per archive (with PostgreSQL, across machines); an overlapping
    run exits cleanly."""
    with archive.exclusive("recheck") as holder:
        if holder is not None:
            raise AlreadyRunning(
                f"Another re-check is already running ({holder}); nothing to do.",
                hint="It re-checks the due posts; this run leaves them to it.",
            )
        yield


def select_posts(
    archive: storage.Archive, *, refs: Sequence[str], all_posts: bool, now: datetime
) -> list[storage.PostRecord]:
    watchlist = archive.watchlist
    if refs:
        ids = list(dict.fromkeys(archive.find_post_id(ref) for ref in refs))
        return [watchlist.post(post_id) for post_id in ids]
    if all_posts:
        return watchlist.watched()
    return watchlist.due(now)


def recheck(
    archive: storage.Archive,
    posts: Sequence[storage.PostRecord],
    *,
    capture_options: CaptureOptions,
    options: RecheckOptions,
    on_event: Callable[[storage.EventRecord], None] | None = None,
    on_capture: Callable[[str, CaptureResult], None] | None = None,
    capture_with: CaptureWith | None = None,
) -> RecheckReport:
    """Capture each post again and record what changed. Assessment happens as each capture
    is stored, so a run cut short keeps the work it finished. A post whose every capture is
    retracted is skipped, unless ``options.include_retracted``. ``capture_with`` captures the
    URLs and hands each stored capture on (a worker's, with its open browser); by default a
    browser is launched for them and each is stored in ``archive``."""
    report = RecheckReport()
    if not options.include_retracted and posts:
        retracted = archive.retractions.fully_retracted_posts([post.id for post in posts])
        for post in posts:
            if post.id in retracted:
                log.info("skipped %s: every capture of it is retracted", post.canonical_url)
        posts = [post for post in posts if post.id not in retracted]
        report.skipped_retracted = len(retracted)
    by_url = {post.canonical_url: post for post in posts}

    def assess_one(capture_id: str, result: CaptureResult) -> None:
        post = by_url[result.requested_url]
        events = assess(archive, post.id, capture_id, options)
        stored = archive.watchlist.record_events(events)
        schedule(archive, post, capture_id, changed=bool(events), options=options)
        report.checked += 1
        report.statuses[result.status.value] = report.statuses.get(result.status.value, 0) + 1
        report.events.extend(stored)
        if on_event is not None:
            for event in stored:
                on_event(event)
        if on_capture is not None:
            on_capture(capture_id, result)

    if posts and capture_with is not None:
        capture_with(list(by_url), assess_one)
    elif posts:
        asyncio.run(capture_many(list(by_url), capture_options, archive, on_result=assess_one))
    return report


# Captures URLs, calling back with each capture's id and result once it is stored.
CaptureWith = Callable[[list[str], Callable[[str, CaptureResult], None]], object]


def assess(
    archive: storage.Archive, post_id: int, capture_id: str, options: RecheckOptions
) -> list[storage.NewEvent]:
    """The events that the capture ``capture_id`` of a post shows, given its history (its
    retracted captures left out, unless ``options.include_retracted``)."""
    history = _usable(archive.history(post_id), options, keep=capture_id)
    index = next(i for i, c in enumerate(history) if c.id == capture_id)
    current, earlier = history[index], history[:index]
    last_ok = next((c for c in reversed(earlier) if c.status == Status.OK.value), None)
    if last_ok is None:
        return []  # never seen alive: nothing to compare with
    since_ok = [c for c in earlier if c.started_at > last_ok.started_at] + [current]
    recorded = _recorded_since(archive, post_id, last_ok.started_at)
    check = _Check(post_id, current, last_ok, since_ok, recorded, options.clock())
    if current.status == Status.OK.value:
        return _changes(check)
    if current.status in GONE:
        return _gone(check, GONE[current.status], options)
    return _unavailable(check, options)


@dataclass(frozen=True)
class _Check:
    """One capture being assessed, against the post's last good capture before it."""

    post_id: int
    current: storage.CaptureRecord
    last_ok: storage.CaptureRecord
    since_ok: list[storage.CaptureRecord]  # the captures after ``last_ok``, ``current`` last
    recorded: list[storage.EventRecord]  # the events recorded since ``last_ok``
    now: datetime

    def event(
        self,
        kind: EventKind,
        summary: str,
        *,
        before_capture_id: str | None = None,
        details: dict[str, Any] | None = None,
    ) -> storage.NewEvent:
        """An event of this capture, measured against ``before_capture_id`` (by default the
        last good capture)."""
        return storage.NewEvent(
            post_id=self.post_id,
            kind=kind.value,
            detected_at=self.now,
            after_capture_id=self.current.id,
            before_capture_id=self.last_ok.id if before_capture_id is None else before_capture_id,
            summary=summary,
            details=details,
        )

    def confirmed(
        self, kind: EventKind, summary: str, run: Sequence[storage.CaptureRecord]
    ) -> storage.NewEvent:
        """An event that the consecutive checks ``run`` agree on."""
        return storage.NewEvent(
            post_id=self.post_id,
            kind=kind.value,
            detected_at=self.now,
            after_capture_id=self.current.id,
            before_capture_id=self.last_ok.id,
            summary=summary,
            since=run[0].started_at,
            confirmations=len(run),
            details={"captures": [c.id for c in run], "reason": self.current.reason},
        )


def _changes(check: _Check) -> list[storage.NewEvent]:
    """A good capture: the post is back if it was gone, and whatever changed since the last
    good capture."""
    found = []
    gone = [e for e in check.recorded if e.kind != EventKind.RESTORED.value]
    if gone:
        last_gone = gone[-1]
        found.append(
            check.event(
                EventKind.RESTORED,
                f"the post is back (it was {last_gone.kind} since "
                f"{_day(last_gone.since or last_gone.detected_at)})",
                before_capture_id=last_gone.after_capture_id,
            )
        )
    for change in compare(snapshot(check.last_ok), snapshot(check.current)):
        found.append(check.event(change.kind, change.summary, details=dict(change.details)))
    return found


def _gone(check: _Check, kind: EventKind, options: RecheckOptions) -> list[storage.NewEvent]:
    """A capture that finds the post gone: an event once enough consecutive checks agree,
    transient failures between them aside."""
    decisive = [c for c in check.since_ok if c.status not in TRANSIENT]
    run = _trailing(decisive, check.current.status)
    if (
        not run
        or len(run) < options.confirmations
        or any(e.kind == kind.value for e in check.recorded)
    ):
        return []
    return [
        check.confirmed(
            kind,
            f"{kind.value.replace('_', ' ')}: {len(run)} consecutive checks agree "
            f"(first seen {_day(run[0].started_at)})",
            run,
        )
    ]


def _unavailable(check: _Check, options: RecheckOptions) -> list[storage.NewEvent]:
    """A capture that could not reach the post: an event once enough consecutive checks
    failed so, and nothing else was recorded since the last good capture."""
    run = _trailing(check.since_ok, check.current.status, statuses=TRANSIENT)
    if len(run) < options.unavailable_confirmations or check.recorded:
        return []
    return [
        check.confirmed(
            EventKind.UNAVAILABLE,
            f"unavailable for {len(run)} consecutive checks: {check.current.reason}",
            run,
        )
    ]


def watched_posts(archive: storage.Archive, options: RecheckOptions) -> list[WatchedPost]:
    """Every watched post with its last check, its next and the changes awaiting confirmation,
    read from its capture history and events as :func:`assess` reads them."""
    found = []
    for post in archive.watchlist.watched():
        captures = archive.history(post.id)
        history = _usable(captures, options)
        last = history[-1] if history else None
        # Every capture retracted: the post is not re-checked (see :func:`recheck`).
        status = str(last.status) if last is not None else "retracted" if captures else None
        found.append(
            WatchedPost(
                post=post,
                last_checked_at=None if last is None else last.started_at,
                status=status,
                pending=pending_changes(archive, post.id, history, options),
            )
        )
    return found


def pending_changes(
    archive: storage.Archive,
    post_id: int,
    history: Sequence[storage.CaptureRecord],
    options: RecheckOptions,
) -> tuple[PendingChange, ...]:
    """What the checks since the post's last good capture have seen and :func:`assess` has not
    yet recorded, for want of the confirming checks: a post gone, or unreachable."""
    ok = [i for i, c in enumerate(history) if c.status == Status.OK.value]
    last_ok = ok[-1] if ok else None
    if last_ok is None or last_ok == len(history) - 1:
        return ()
    baseline, since_ok = history[last_ok], list(history[last_ok + 1 :])
    recorded = _recorded_since(archive, post_id, baseline.started_at)
    found = []
    decisive = [c for c in since_ok if c.status not in TRANSIENT]
    if decisive and decisive[-1].status in GONE:
        kind = GONE[decisive[-1].status]
        run = _trailing(decisive, decisive[-1].status)
        if len(run) < options.confirmations and not any(e.kind == kind.value for e in recorded):
            found.append(_pending(kind.value, run, options.confirmations))
    transient = _trailing(since_ok, since_ok[-1].status, statuses=TRANSIENT)
    if transient and len(transient) < options.unavailable_confirmations and not recorded:
        found.append(
            _pending(EventKind.UNAVAILABLE.value, transient, options.unavailable_confirmations)
        )
    return tuple(found)


def _pending(kind: str, run: Sequence[storage.CaptureRecord], needed: int) -> PendingChange:
    return PendingChange(kind, len(run), needed, run[0].started_at, tuple(c.id for c in run))


def _usable(
    history: Sequence[storage.CaptureRecord], options: RecheckOptions, *, keep: str | None = None
) -> list[storage.CaptureRecord]:
    """The captures a re-check counts: all of them with ``include_retracted``, otherwise those
    not retracted (and ``keep``, the capture being assessed)."""
    if options.include_retracted:
        return list(history)
    return [c for c in history if c.retracted is None or c.id == keep]


def _trailing(
    captures: Sequence[storage.CaptureRecord], status: str, *, statuses: set[str] | None = None
) -> list[storage.CaptureRecord]:
    wanted = statuses or {status}
    run: list[storage.CaptureRecord] = []
    for capture in reversed(captures):
        if capture.status not in wanted:
            break
        run.append(capture)
    return list(reversed(run))


def _recorded_since(
    archive: storage.Archive, post_id: int, moment: datetime
) -> list[storage.EventRecord]:
    """The events of the post recorded by captures started after ``moment``."""
    return [e for e in archive.watchlist.events(post_id) if _started(archive, e) > moment]


def _started(archive: storage.Archive, event: storage.EventRecord) -> datetime:
    return archive.get_capture(event.after_capture_id).started_at


def _day(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%d %H:%M UTC")


def schedule(
    archive: storage.Archive,
    post: storage.PostRecord,
    capture_id: str,
    *,
    changed: bool,
    options: RecheckOptions,
) -> None:
    """Back off while nothing changes; tighten again after a change or while a status change
    waits for its confirming checks."""
    capture = archive.get_capture(capture_id)
    ladder = options.intervals
    unsettled = capture.status != Status.OK.value
    if changed or unsettled or post.check_interval_s is None:
        interval = ladder[0]
    else:
        longer = [i for i in ladder if i.total_seconds() > post.check_interval_s]
        interval = longer[0] if longer else ladder[-1]
    archive.watchlist.reschedule(
        post.id, capture.started_at + interval, int(interval.total_seconds())
    )


def snapshot(capture: storage.CaptureRecord) -> PostSnapshot:
    shot = capture.artifact(ArtifactKind.POST_SCREENSHOT)
    return PostSnapshot(
        capture_id=capture.id,
        status=str(capture.status),
        started_at=capture.started_at,
        text=capture.text,
        media=tuple(
            MediaSnapshot(sha256=a.sha256, source_url=a.source_url, phash=a.phash, dhash=a.dhash)
            for a in capture.artifacts
            if a.kind == ArtifactKind.MEDIA
        ),
        post_screenshot_phash=shot.phash if shot else None,
        post_screenshot=shot.location if shot else None,
    )


def event_json(archive: storage.Archive, event: storage.EventRecord) -> dict[str, object]:
    post = archive.watchlist.post(event.post_id)
    return {
        "kind": event.kind,
        "url": post.canonical_url,
        "post_id": post.platform_post_id,
        "platform": post.platform,
        "when": isoformat_z(event.detected_at),
        "since": isoformat_z(event.since),
        "before": event.before_capture_id,
        "after": event.after_capture_id,
        "confirmations": event.confirmations,
        "summary": event.summary,
        "details": event.details,
    }
