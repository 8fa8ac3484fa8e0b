"""Watching: scheduled re-checks that catch deleted and edited posts, with events that keep
both captures as evidence, alerts, and the crontab entry that runs it all.

Uses ``storage`` and ``archiver``; neither imports this package.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from archiver._lazy import lazy_exports

if TYPE_CHECKING:
    from watch._cron import CronEntry, parse_every
    from watch._cron import install as install_schedule
    from watch._cron import remove as remove_schedule
    from watch._cron import show as show_schedule
    from watch._detect import compare, normalize_text, render_diff, word_diff
    from watch._imagediff import Box, side_by_side
    from watch._recheck import (
        DEFAULT_INTERVALS,
        AlreadyRunning,
        PendingChange,
        RecheckOptions,
        RecheckReport,
        WatchedPost,
        assess,
        event_json,
        parse_intervals,
        pending_changes,
        recheck,
        recheck_lock,
        schedule,
        select_posts,
        snapshot,
        watched_posts,
    )
    from watch._webhook import DeliveryResult, deliver, slack_payload
    from watch.models import Change, EventKind, MediaSnapshot, PostSnapshot

# What each name is imported from, on first use (PEP 562): importing the package costs
# nothing until a name is asked for.
_EXPORTS = {
    "CronEntry": "watch._cron",
    "parse_every": "watch._cron",
    "install_schedule": "watch._cron:install",
    "remove_schedule": "watch._cron:remove",
    "show_schedule": "watch._cron:show",
    "compare": "watch._detect",
    "normalize_text": "watch._detect",
    "render_diff": "watch._detect",
    "word_diff": "watch._detect",
    "Box": "watch._imagediff",
    "side_by_side": "watch._imagediff",
    "DEFAULT_INTERVALS": "watch._recheck",
    "AlreadyRunning": "watch._recheck",
    "PendingChange": "watch._recheck",
    "RecheckOptions": "watch._recheck",
    "RecheckReport": "watch._recheck",
    "WatchedPost": "watch._recheck",
    "assess": "watch._recheck",
    "event_json": "watch._recheck",
    "parse_intervals": "watch._recheck",
    "pending_changes": "watch._recheck",
    "recheck": "watch._recheck",
    "recheck_lock": "watch._recheck",
    "schedule": "watch._recheck",
    "select_posts": "watch._recheck",
    "snapshot": "watch._recheck",
    "watched_posts": "watch._recheck",
    "DeliveryResult": "watch._webhook",
    "deliver": "watch._webhook",
    "slack_payload": "watch._webhook",
    "Change": "watch.models",
    "EventKind": "watch.models",
    "MediaSnapshot": "watch.models",
    "PostSnapshot": "watch.models",
}

__all__ = [
    "DEFAULT_INTERVALS",
    "AlreadyRunning",
    "Box",
    "Change",
    "CronEntry",
    "DeliveryResult",
    "EventKind",
    "MediaSnapshot",
    "PendingChange",
    "PostSnapshot",
    "RecheckOptions",
    "RecheckReport",
    "WatchedPost",
    "assess",
    "compare",
    "deliver",
    "event_json",
    "install_schedule",
    "normalize_text",
    "parse_every",
    "parse_intervals",
    "pending_changes",
    "recheck",
    "recheck_lock",
    "remove_schedule",
    "render_diff",
    "schedule",
    "select_posts",
    "show_schedule",
    "side_by_side",
    "slack_payload",
    "snapshot",
    "watched_posts",
    "word_diff",
]


__getattr__ = lazy_exports(__name__, _EXPORTS)


def __dir__() -> list[str]:
    return sorted(__all__)
