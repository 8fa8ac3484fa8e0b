"""Where a cited post stands and what its citations say: the post's confirmed state (live,
edited, deleted...), whether it was captured logged in, and each citation's source with every
quote and its latest check."""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

import storage
from archiver import ArtifactKind, Status, UsageError
from claims._cite import CitationSource, QuotedWords, render_citation

log = logging.getLogger("postproof.claims")


@dataclass(frozen=True)
class PostStatus:
    status: str  # live | edited | deleted | suspended | login_wall | unavailable
    since: datetime | None
    checked_at: datetime


def post_status(archive: storage.Archive, capture: storage.CaptureRecord) -> PostStatus:
    """The post's state as of its latest check, as far as re-checks have confirmed it: a
    deletion counts only once consecutive checks agreed (a confirmed event), never from a
    single failed look."""
    history = archive.history(capture.id)
    latest = history[-1]
    later = [
        e for e in archive.watchlist.events(capture.post_id) if e.detected_at > capture.started_at
    ]
    transitions = [e for e in later if e.kind in TRANSITIONS]
    if transitions and transitions[-1].kind != "restored":
        gone = transitions[-1]
        return PostStatus(gone.kind, gone.since or gone.detected_at, latest.started_at)
    edits = [e for e in later if e.kind in ("edited", "media_changed")]
    if edits:
        first = archive.get_capture(edits[0].after_capture_id)
        return PostStatus("edited", first.started_at, latest.started_at)
    if latest.status != Status.OK.value:
        # Not confirmed by re-checks: said as what it is, not as a deletion.
        return PostStatus("unavailable", latest.started_at, latest.started_at)
    return PostStatus("live", None, latest.started_at)


TRANSITIONS = ("deleted", "suspended", "login_wall", "restored")
LOGGED_IN_NOTE = "captured logged in"  # how a capture's provenance says cookies were used


def captured_logged_in(capture: storage.CaptureRecord) -> bool:
    """Whether the capture ran with a session's cookies, as its provenance records (``show``
    prints that note as it is): the one answer the report and every citation give."""
    artifact = capture.artifact(ArtifactKind.PROVENANCE)
    if artifact is None:
        return False
    try:
        provenance = json.loads(artifact.read_bytes())
    except (OSError, ValueError) as exc:
        log.warning("cannot read the provenance %s: %s", artifact.sha256, exc)
        return False
    notes = provenance.get("notes") if isinstance(provenance, dict) else None
    if not isinstance(notes, list):
        return False
    return any(isinstance(note, str) and LOGGED_IN_NOTE in note for note in notes)


def citation_source(
    archive: storage.Archive,
    capture: storage.CaptureRecord,
    *,
    quote: str | None = None,
    claim_text: str | None = None,
    quotes: Sequence[QuotedWords] = (),
) -> CitationSource:
    state = post_status(archive, capture)
    shot = capture.artifact(ArtifactKind.SCREENSHOT)
    return CitationSource(
        capture_id=capture.id,
        url=capture.canonical_url,
        platform=capture.platform,
        post_id=capture.platform_post_id,
        author=capture.author,
        handle=capture.handle,
        posted_at=capture.posted_at,
        text=capture.text,
        captured_at=capture.started_at,
        screenshot_sha256=shot.sha256 if shot else None,
        status=state.status,
        status_since=state.since,
        checked_at=state.checked_at,
        quote=quote,
        claim_text=claim_text,
        archive_name="postproof",
        lang=capture.lang,
        quotes=tuple(quotes),
        logged_in=captured_logged_in(capture),
    )


def cite(archive: storage.Archive, target: str, fmt: str) -> list[str]:
    """Citations for a claim (``ARTICLE#N``: one per piece of evidence) or a capture id."""
    return [render_citation(source, fmt) for source in citation_sources(archive, target)]


def citation_sources(archive: storage.Archive, target: str) -> list[CitationSource]:
    """What the citations of a claim (one per piece of evidence) or a capture id say."""
    if "#" in target or ":" in target:
        claim = archive.articles.claim(target)
        links = archive.articles.links_of_claim(claim)
        if not links:
            raise UsageError(
                f"Claim {claim.ref} has no evidence to cite yet.",
                hint=f"Link it first: postproof link {claim.ref} CAPTURE_ID_OR_URL",
            )
        sources = [
            citation_source(
                archive,
                archive.get_capture(link.capture_id),
                claim_text=claim.text,
                quotes=quoted_words(link, claim),
            )
            for link in links
        ]
    else:
        sources = [citation_source(archive, archive.get_capture(target))]
    return sources


def quoted_words(link: storage.LinkRecord, claim: storage.ClaimRecord) -> list[QuotedWords]:
    """Every quote the link stands for (its own, or all of the claim's), each with the latest
    check of it against the linked capture."""
    wanted = [link.quote] if link.quote else list(claim.quotes)
    checks = {check.quote: check for check in reversed(link.checks)}  # newest wins
    words = []
    for text in wanted:
        check = checks.get(text)
        words.append(
            QuotedWords(text)
            if check is None
            else QuotedWords(text, check.result, check.score, check.excerpt, check.source)
        )
    return words
