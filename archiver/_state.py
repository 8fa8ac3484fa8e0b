"""What one capture has seen so far, kept even when the capture is cut short, in three parts:
the traffic it recorded (see ``_traffic``), where the page's navigation landed, and the outcome
taking shape (artifacts, notes, status, post)."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from playwright.async_api import Response

from archiver._secrets import Scrubber
from archiver._traffic import Traffic
from archiver.imaging import perceptual_hashes
from archiver.models import Artifact, ArtifactKind, PostFields, Redirect, Status
from archiver.platforms import Adapter, PostRef


@dataclass
class Landing:
    """Where the page's navigation landed, what the server said there, and how the page's
    renderer fared."""

    response: Response | None = None
    final_url: str | None = None
    http_status: int | None = None
    server_date: str | None = None
    server_ip: str | None = None
    server_port: int | None = None
    resolved_ips: tuple[str, ...] = ()
    redirects: tuple[Redirect, ...] = ()
    tls: dict[str, Any] | None = None  # the page's TLS session, as Chromium negotiated it
    crashed: bool = False  # the page's renderer crashed
    frozen: bool = False  # the page's renderer stopped answering
    silent: bool = False  # the navigation stalled before anything of the page arrived


@dataclass
class Outcome:
    """What the capture keeps: its artifacts and notes, and once known its status and post."""

    artifacts: dict[tuple[ArtifactKind, str | None], Artifact] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    status: Status | None = None
    reason: str | None = None
    post: PostFields | None = None

    def add(self, artifact: Artifact) -> None:
        self.artifacts[(artifact.kind, artifact.source_url)] = artifact

    def has(self, kind: ArtifactKind) -> bool:
        return any(k == kind for k, _ in self.artifacts)

    def fail(self, status: Status, reason: str) -> None:
        if self.status is None:
            self.status, self.reason = status, reason


@dataclass
class Seen:
    """One capture: what was asked for, and everything seen since."""

    requested_url: str
    adapter: Adapter
    ref: PostRef
    started_at: datetime
    traffic: Traffic
    landing: Landing = field(default_factory=Landing)
    outcome: Outcome = field(default_factory=Outcome)
    scrubber: Scrubber = field(default_factory=Scrubber)  # a logged-in session's secret values
    tasks: set[asyncio.Future[Any]] = field(default_factory=set)

    def spawn(self, step: Awaitable[Any]) -> None:
        """Run an event handler's work in the background, holding a reference until it ends."""
        task = asyncio.ensure_future(step)
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)

    @property
    def page_url(self) -> str:
        """Where the page landed, or else where it was asked for."""
        return self.landing.final_url or self.requested_url


@dataclass(frozen=True)
class Visited:
    """A capture whose page is closed: what is left of it (the screenshots' perceptual hashes,
    the provenance record, the WARC) needs no browser, and may be done in another thread while
    the next page loads."""

    seen: Seen
    finished_at: datetime  # when the page's work ended: the capture's end, by its clock
    recorded: bool = True  # False: refused before any page was opened (nothing to put in a WARC)


def json_artifact(kind: ArtifactKind, value: Any) -> Artifact:
    data = json.dumps(value, ensure_ascii=False, sort_keys=True, indent=2).encode("utf-8")
    return Artifact.from_bytes(kind, data, "application/json")


SCREENSHOTS = (ArtifactKind.SCREENSHOT, ArtifactKind.POST_SCREENSHOT)


def hash_screenshots(outcome: Outcome) -> None:
    """Give the screenshots their perceptual hashes: taken as plain bytes while the page is
    open, hashed once it is closed (decoding a PNG costs more than taking it)."""
    for key, artifact in list(outcome.artifacts.items()):
        if artifact.kind in SCREENSHOTS and artifact.phash is None:
            phash, dhash = perceptual_hashes(artifact.data, sha256=artifact.sha256)
            outcome.artifacts[key] = replace(artifact, phash=phash, dhash=dhash)
