"""Typed values of watching: what is compared between two captures of a post, and the changes
found. Times are timezone-aware UTC."""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any


class EventKind(enum.StrEnum):
    EDITED = "edited"
    DELETED = "deleted"
    RESTORED = "restored"
    MEDIA_CHANGED = "media_changed"
    VISUAL_CHANGED = "visual_changed"
    LOGIN_WALL = "login_wall"
    SUSPENDED = "suspended"
    UNAVAILABLE = "unavailable"


@dataclass(frozen=True)
class MediaSnapshot:
    """One image of a post as captured: its bytes' SHA-256 and perceptual hashes."""

    sha256: str
    source_url: str | None = None
    phash: str | None = None
    dhash: str | None = None


@dataclass(frozen=True)
class PostSnapshot:
    """What change detection needs from one capture of a post."""

    capture_id: str
    status: str  # an archiver.models.Status value
    started_at: datetime
    text: str | None = None
    media: tuple[MediaSnapshot, ...] = ()
    post_screenshot_phash: str | None = None
    post_screenshot: str | None = None  # where its blob is: a file path or an s3:// URL


@dataclass(frozen=True)
class Change:
    """A difference between two good captures of one post."""

    kind: EventKind
    summary: str  # one human sentence: "text edited: 3 words changed"
    details: Mapping[str, Any] = field(default_factory=dict)  # JSON-ready
