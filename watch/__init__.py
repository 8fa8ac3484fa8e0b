"""Watching: scheduled re-checks that catch deleted and edited posts, with events that keep
both captures as evidence, alerts, and the crontab entry that runs it all.

Uses ``storage`` and ``archiver``; neither imports this package.
"""

from watch._cron import CronEntry, parse_every
from watch._cron import install as install_schedule
from watch._cron import remove as remove_schedule
from watch._cron import show as show_schedule
from watch._detect import compare, normalize_text, render_diff, word_diff
from watch._imagediff import Box, side_by_side
from watch._recheck import (
    DEFAULT_INTERVALS,
    AlreadyRunning,
    RecheckOptions,
    RecheckReport,
    assess,
    event_json,
    parse_intervals,
    recheck,
    recheck_lock,
    schedule,
    select_posts,
    snapshot,
)
from watch._webhook import DeliveryResult, deliver, slack_payload
from watch.models import Change, EventKind, MediaSnapshot, PostSnapshot

__all__ = [
    "DEFAULT_INTERVALS",
    "AlreadyRunning",
    "Box",
    "Change",
    "CronEntry",
    "DeliveryResult",
    "EventKind",
    "MediaSnapshot",
    "PostSnapshot",
    "RecheckOptions",
    "RecheckReport",
    "assess",
    "compare",
    "deliver",
    "event_json",
    "install_schedule",
    "normalize_text",
    "parse_every",
    "parse_intervals",
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
    "word_diff",
]
