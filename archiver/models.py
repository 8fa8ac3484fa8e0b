"""Typed values that travel through the capture pipeline and into storage.

Everything here is immutable. Times are timezone-aware UTC ``datetime`` objects.
"""

from __future__ import annotations

import enum
import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Protocol


class Status(enum.StrEnum):
    """Outcome of one capture: a finding about the post, never a crash."""

    OK = "ok"
    NOT_FOUND = "not_found"  # deleted, "this post doesn't exist", 404/410
    LOGIN_WALL = "login_wall"
    SUSPENDED = "suspended"
    UNAVAILABLE = "unavailable"  # timeouts, 5xx, DNS and connection failures
    BLOCKED = "blocked"  # refused by our own safety rules


class ArtifactKind(enum.StrEnum):
    SCREENSHOT = "screenshot"
    POST_SCREENSHOT = "post_screenshot"
    HTML = "html"
    TEXT = "text"
    HEADERS = "headers"
    METADATA = "metadata"
    POST = "post"
    PROVENANCE = "provenance"
    ACTIVITYPUB = "activitypub"
    # A platform's own structured form of the post, as it answered (Reddit's JSON, an oEmbed
    # answer, Telegram's embed page, a Mastodon API status); ``media_type`` says which format.
    STRUCTURED = "structured"
    MEDIA = "media"  # an image of the post, as the platform served it (``source_url`` says which)
    ATPROTO_RECORD = "atproto_record"  # a Bluesky post as its PDS serves it: a signed-repo CAR
    DID_DOCUMENT = "did_document"  # the author's DID document, holding the repo signing key
    ATPROTO_PROOF = "atproto_proof"  # the offline check of that CAR against that key (JSON)
    TLS_CHAIN = "tls_chain"  # the certificate chain the origin served, PEM, leaf first
    WARC = "warc"  # the capture's traffic and evidence as one WARC 1.1 file (gzip members)
    # The post's videos (each kept as ``media``): where and how each was downloaded, and the
    # times and perceptual hashes of its keyframes (JSON).
    VIDEO_KEYFRAMES = "video_keyframes"


def utcnow() -> datetime:
    return datetime.now(UTC)


def isoformat_z(moment: datetime | None) -> str | None:
    """ISO 8601 in UTC with a ``Z`` suffix, as every record of postproof writes times."""
    if moment is None:
        return None
    text = moment.astimezone(UTC).isoformat(timespec="milliseconds")
    return text.replace("+00:00", "Z")


@dataclass(frozen=True)
class Artifact:
    """One stored byte string of a capture, with its digests computed by the archiver."""

    kind: ArtifactKind
    data: bytes = field(repr=False)
    media_type: str
    sha256: str
    phash: str | None = None
    dhash: str | None = None
    source_url: str | None = None

    @property
    def size(self) -> int:
        return len(self.data)

    @classmethod
    def from_bytes(
        cls,
        kind: ArtifactKind,
        data: bytes,
        media_type: str,
        *,
        phash: str | None = None,
        dhash: str | None = None,
        source_url: str | None = None,
    ) -> Artifact:
        return cls(
            kind=kind,
            data=data,
            media_type=media_type,
            sha256=hashlib.sha256(data).hexdigest(),
            phash=phash,
            dhash=dhash,
            source_url=source_url,
        )


@dataclass(frozen=True)
class Media:
    url: str
    kind: str = "image"  # image | video | gif | audio | link
    alt: str | None = None
    # A video's still image (its poster, its thumbnail): part of the one video, not an image of
    # its own.
    poster: str | None = None

    def to_json(self) -> dict[str, Any]:
        found: dict[str, Any] = {"url": self.url, "kind": self.kind, "alt": self.alt}
        if self.poster:
            found["poster"] = self.poster
        return found


@dataclass(frozen=True)
class PostFields:
    """What a platform adapter reads from a post page."""

    platform: str
    post_id: str | None = None
    author: str | None = None
    handle: str | None = None
    posted_at: datetime | None = None
    text: str | None = None
    lang: str | None = None
    media: tuple[Media, ...] = ()
    reply_to: str | None = None
    quote_of: str | None = None
    # Where each field was read (field -> source, e.g. ``"text": "json-ld"``), the fields the
    # platform's posts have but no source gave, and the values other sources gave for a field
    # (``{field, kept_from, source, value}``).
    sources: Mapping[str, str] = field(default_factory=dict)
    missing: tuple[str, ...] = ()
    conflicts: tuple[Mapping[str, str], ...] = ()

    def to_json(self) -> dict[str, Any]:
        return {
            "platform": self.platform,
            "post_id": self.post_id,
            "author": self.author,
            "handle": self.handle,
            "posted_at": isoformat_z(self.posted_at),
            "text": self.text,
            "lang": self.lang,
            "media": [m.to_json() for m in self.media],
            "reply_to": self.reply_to,
            "quote_of": self.quote_of,
            "sources": dict(self.sources),
            "missing": list(self.missing),
            "conflicts": [dict(c) for c in self.conflicts],
        }


@dataclass(frozen=True)
class Redirect:
    url: str
    status: int
    location: str | None


@dataclass(frozen=True)
class Provenance:
    """Who saw what, when, and with which tool: stored as its own artifact."""

    requested_url: str
    started_at: datetime
    finished_at: datetime
    tool_version: str
    browser_name: str
    browser_version: str
    user_agent: str
    viewport: tuple[int, int]
    device_scale_factor: float
    locale: str
    timezone: str
    options: Mapping[str, Any]
    final_url: str | None = None
    http_status: int | None = None
    server_date: str | None = None
    server_ip: str | None = None
    server_port: int | None = None
    resolved_ips: tuple[str, ...] = ()
    redirects: tuple[Redirect, ...] = ()
    insecure: bool = False
    notes: tuple[str, ...] = ()

    def to_json(self) -> dict[str, Any]:
        return {
            "requested_url": self.requested_url,
            "started_at": isoformat_z(self.started_at),
            "finished_at": isoformat_z(self.finished_at),
            "server_date": self.server_date,
            "tool": {"name": "postproof", "version": self.tool_version},
            "browser": {"name": self.browser_name, "version": self.browser_version},
            "user_agent": self.user_agent,
            "viewport": {"width": self.viewport[0], "height": self.viewport[1]},
            "device_scale_factor": self.device_scale_factor,
            "locale": self.locale,
            "timezone": self.timezone,
            "options": dict(self.options),
            "final_url": self.final_url,
            "http_status": self.http_status,
            "server_ip": self.server_ip,
            "server_port": self.server_port,
            "resolved_ips": list(self.resolved_ips),
            "redirects": [
                {"url": r.url, "status": r.status, "location": r.location} for r in self.redirects
            ],
            "insecure_tls_accepted": self.insecure,
            "notes": list(self.notes),
        }


@dataclass(frozen=True)
class CaptureResult:
    """Everything one capture produced, ready to be stored. Nothing here is optional evidence:
    a failed capture still carries whatever it saw (at least its provenance)."""

    requested_url: str
    canonical_url: str
    platform: str
    post_id: str | None
    status: Status
    reason: str | None
    started_at: datetime
    finished_at: datetime
    final_url: str | None
    http_status: int | None
    post: PostFields | None
    artifacts: tuple[Artifact, ...]
    provenance: Provenance

    def artifact(self, kind: ArtifactKind) -> Artifact | None:
        return next((a for a in self.artifacts if a.kind == kind), None)


class CaptureSink(Protocol):
    """Where finished captures go. ``storage.Archive`` implements it; the archiver never imports
    storage. ``store`` must be atomic: either the whole capture is recorded or none of it is."""

    def store(self, result: CaptureResult) -> str:
        """Record ``result`` and return its capture id."""
        ...
