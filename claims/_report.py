"""Reports: each claim of an article, in order, with the archived posts that back it (or not).

Three formats from one :class:`ReportData`:

- ``html``: one self-contained file — inline CSS, images as ``data:`` URIs, no script, and a
  Content-Security-Policy that forbids any request — rendered by Jinja2 with autoescaping, so
  every captured string reaches the page as text;
- ``md``: the same content in Markdown (``claims._report_md``), images referred to by capture
  id and SHA-256;
- ``json``: the same data for programs, times in ISO 8601 UTC with ``Z``.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import jinja2
from markupsafe import Markup, escape

from archiver.display import visible
from archiver.errors import UsageError
from archiver.models import isoformat_z
from claims._cite import platform_name, safe_url, status_phrase, utc_iso
from claims._proofs import (
    ArchiveKey,
    AuthorSignature,
    LogProof,
    NewestVersion,
    PostEdit,
    VerifyStep,
    bundle_name,
    match_json,
    verify_steps,
)
from claims.models import ClaimKind, MatchResult, QuoteMatch, Relation

REPORT_FORMATS = ("html", "md", "json")
GONE = frozenset({"deleted", "not_found", "suspended"})
CHANGED = frozenset({"edited"})
LIVE = frozenset({"live", "ok"})
_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
_LANG = re.compile(r"[A-Za-z]{2,3}(?:-[A-Za-z0-9]{1,8})*")


@dataclass(frozen=True)
class ReportLink:
    """One archived post linked to a claim, with what its evidence says about the claim's quote."""

    capture_id: str
    url: str
    platform: str
    post_id: str | None
    author: str | None
    handle: str | None
    posted_at: datetime | None
    relation: Relation
    why: str  # why the link was made
    origin: str  # "link", "embed", "manual", "suggested"
    quote: str | None
    match: QuoteMatch | None
    captured_at: datetime
    screenshot_sha256: str | None
    post_screenshot_sha256: str | None
    status: str  # "live", "deleted", "edited", "unavailable", …
    status_since: datetime | None
    thumbnail_png: bytes | None  # shown when the post screenshot itself is not given
    post_text: str | None
    checked_at: datetime | None = None  # the latest status check
    screenshot_png: bytes | None = None  # the full page, as stored (opened at full size)
    post_screenshot_png: bytes | None = None  # the post element, as stored (shown)
    note: str | None = None  # the note written on the link
    logged_in: bool = False  # captured with a session's cookies
    author_signature: AuthorSignature | None = None  # for platforms whose authors sign posts
    proof: LogProof | None = None  # None when the capture has no log entry
    edits: tuple[PostEdit, ...] = ()  # edits re-checks found since this capture, oldest first
    newest: NewestVersion | None = None  # for a post edited since: its newest good capture
    made_by: str | None = None  # the web app's user who asked for the capture

    @property
    def status_text(self) -> str:
        return status_phrase(self.status, self.status_since, self.checked_at, self.captured_at)

    def to_json(self) -> dict[str, Any]:
        return {
            "capture_id": self.capture_id,
            "url": self.url,
            "platform": self.platform,
            "post_id": self.post_id,
            "author": self.author,
            "handle": self.handle,
            "posted_at": isoformat_z(self.posted_at),
            "post_text": self.post_text,
            "relation": str(self.relation),
            "why": self.why,
            "origin": self.origin,
            "quote": self.quote,
            "match": match_json(self.match),
            "captured_at": isoformat_z(self.captured_at),
            "screenshot_sha256": self.screenshot_sha256,
            "post_screenshot_sha256": self.post_screenshot_sha256,
            "status": self.status,
            "status_since": isoformat_z(self.status_since),
            "checked_at": isoformat_z(self.checked_at),
            "note": self.note,
            "captured_logged_in": self.logged_in,
            "made_by": self.made_by,
            "author_signature": None
            if self.author_signature is None
            else self.author_signature.to_json(),
            "proof": None if self.proof is None else self.proof.to_json(),
            "edits": [edit.to_json() for edit in self.edits],
            "newest_version": None if self.newest is None else self.newest.to_json(),
        }


@dataclass(frozen=True)
class MissingQuote:
    """A quote of a claim that was looked for in its evidence and found in none of it."""

    quote: str
    closest: str | None  # the closest passage of the best-scoring evidence, if one came near
    score: float
    capture_id: str  # that evidence

    def to_json(self) -> dict[str, Any]:
        return {
            "quote": self.quote,
            "closest": self.closest,
            "score": self.score,
            "capture_id": self.capture_id,
        }


@dataclass(frozen=True)
class ReportClaim:
    number: int  # 1-based, in article order
    text: str
    paragraph: int
    kind: ClaimKind
    section: str | None
    quotes: tuple[str, ...]
    speaker: str | None
    links: tuple[ReportLink, ...]

    @property
    def missing_quotes(self) -> tuple[MissingQuote, ...]:
        """The quotes checked against this claim's evidence and found in none of it: a quote
        found in one post is not a misquote because another post does not hold it."""
        checked: dict[str, list[tuple[QuoteMatch, str]]] = {}
        for link in self.links:
            if link.quote and link.match is not None:
                checked.setdefault(link.quote, []).append((link.match, link.capture_id))
        missing = []
        for quote, found in checked.items():
            if any(match.result is not MatchResult.NOT_FOUND for match, _ in found):
                continue
            best, capture_id = max(found, key=lambda pair: pair[0].score)
            missing.append(MissingQuote(quote, best.excerpt, best.score, capture_id))
        return tuple(missing)

    def to_json(self) -> dict[str, Any]:
        return {
            "number": self.number,
            "text": self.text,
            "paragraph": self.paragraph,
            "kind": str(self.kind),
            "section": self.section,
            "quotes": list(self.quotes),
            "speaker": self.speaker,
            "links": [link.to_json() for link in self.links],
            "quotes_not_found": [missing.to_json() for missing in self.missing_quotes],
        }


@dataclass(frozen=True)
class ReportSummary:
    claims_total: int
    claims_with_evidence: int  # at least one linked post, whatever its relation
    claims_without_evidence: int
    quotes_checked: int  # links whose quote was looked for in the post's evidence
    quotes_not_found: int  # … and was not found there
    evidence_deleted_or_edited: int  # distinct captures whose post is gone or changed since
    claims_misquoted: int  # claims with a quote found in none of their evidence
    retracted_links_left_out: int = 0  # links to retracted captures, not in the report

    def to_json(self) -> dict[str, int]:
        return {
            "claims_total": self.claims_total,
            "claims_with_evidence": self.claims_with_evidence,
            "claims_without_evidence": self.claims_without_evidence,
            "quotes_checked": self.quotes_checked,
            "quotes_not_found": self.quotes_not_found,
            "evidence_deleted_or_edited": self.evidence_deleted_or_edited,
            "claims_misquoted": self.claims_misquoted,
            "retracted_links_left_out": self.retracted_links_left_out,
        }


@dataclass(frozen=True)
class ReportData:
    article_id: str
    title: str | None
    url: str | None
    byline: str | None
    published_at: datetime | None
    lang: str | None
    generated_at: datetime
    tool_version: str
    claims: tuple[ReportClaim, ...]
    key: ArchiveKey | None = None  # the archive's public key
    retracted_left_out: int = 0  # links to retracted captures left out of ``claims``

    @property
    def ordered_claims(self) -> tuple[ReportClaim, ...]:
        return tuple(sorted(self.claims, key=lambda claim: claim.number))

    @property
    def summary(self) -> ReportSummary:
        links = [link for claim in self.claims for link in claim.links]
        checked = [link.match for link in links if link.match is not None]
        with_evidence = sum(1 for claim in self.claims if claim.links)
        return ReportSummary(
            claims_total=len(self.claims),
            claims_with_evidence=with_evidence,
            claims_without_evidence=len(self.claims) - with_evidence,
            quotes_checked=len(checked),
            quotes_not_found=sum(1 for m in checked if m.result is MatchResult.NOT_FOUND),
            evidence_deleted_or_edited=len(
                {link.capture_id for link in links if link.status in GONE | CHANGED}
            ),
            claims_misquoted=sum(1 for claim in self.claims if claim.missing_quotes),
            retracted_links_left_out=self.retracted_left_out,
        )

    @property
    def bundle(self) -> str:
        """The file name the export command of the verification steps writes."""
        return bundle_name(self.article_id)

    @property
    def verify_steps(self) -> tuple[VerifyStep, ...]:
        proofs = {link.capture_id: link.proof for c in self.claims for link in c.links}
        return verify_steps(self.article_id, self.key, proofs.values())

    def to_json(self) -> dict[str, Any]:
        return {
            "article": {
                "id": self.article_id,
                "title": self.title,
                "url": self.url,
                "byline": self.byline,
                "published_at": isoformat_z(self.published_at),
                "lang": self.lang,
            },
            "generated_at": isoformat_z(self.generated_at),
            "tool": {"name": "postproof", "version": self.tool_version},
            "summary": self.summary.to_json(),
            "claims": [claim.to_json() for claim in self.ordered_claims],
            "key": None if self.key is None else self.key.to_json(),
            "verify": [step.to_json() for step in self.verify_steps],
        }


def render_report(data: ReportData, fmt: str) -> str:
    """The report of ``data`` as ``html``, ``md`` or ``json``."""
    if fmt == "json":
        return json.dumps(data.to_json(), ensure_ascii=False, indent=2) + "\n"
    if fmt == "html":
        shots = _Shots(data)
        return (
            environment()
            .get_template("report.html.j2")
            .render(
                report=data,
                shot=shots.get,
                full_page=shots.page,
                shown_images=list(shots.shown.values()),
                full_pages=list(shots.pages.values()),
                **_HELPERS,
            )
        )
    if fmt in {"md", "markdown"}:
        from claims._report_md import markdown  # built on this module's helpers

        return markdown(data)
    raise UsageError(
        f"Unknown report format {fmt!r}.", hint=f"Choose one of: {', '.join(REPORT_FORMATS)}."
    )


# -- shared helpers (the template's filters) ------------------------------------------------------


def environment() -> jinja2.Environment:
    """The Jinja2 environment of the HTML documents (report, certificates): autoescaping, and
    every printed string made inert."""
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(Path(__file__).parent / "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        finalize=_inert,
    )


def _inert(value: Any) -> Any:
    """Every string the template prints shows control and bidi-steering characters as visible
    escapes: a post's U+202E cannot reorder the report's text (markup built here escapes its
    parts itself)."""
    return visible(value) if isinstance(value, str) and not isinstance(value, Markup) else value


def html_lang(lang: str | None) -> str:
    return lang if lang and _LANG.fullmatch(lang) else "und"


def http_href(url: str | None) -> str | None:
    """A URL fit for ``href``: http(s) only, so a captured ``javascript:`` URL stays text."""
    if not url:
        return None
    safe = safe_url(url)
    return safe if urlsplit(safe).scheme in {"http", "https"} else None


@dataclass(frozen=True)
class Shot:
    """A PNG embedded once in the HTML report (in its image definitions) and shown, by
    reference, wherever the report uses it."""

    sha256: str  # of these very bytes
    width: int
    height: int
    png: bytes

    @property
    def ref(self) -> str:
        return f"img-{self.sha256}"

    @property
    def data_uri(self) -> str:
        return "data:image/png;base64," + base64.b64encode(self.png).decode("ascii")


def png_shot(png: bytes | None) -> Shot | None:
    """The PNG with its size from its header, or None for anything that is not a PNG."""
    if not png or not png.startswith(_PNG_SIGNATURE) or png[12:16] != b"IHDR":
        return None
    width, height = int.from_bytes(png[16:20], "big"), int.from_bytes(png[20:24], "big")
    if not width or not height:
        return None
    return Shot(hashlib.sha256(png).hexdigest(), width, height, png)


def shown_png(link: ReportLink) -> bytes | None:
    """The image a piece of evidence shows in its card: the post itself (or, in data from before
    screenshots were carried, its thumbnail). The full page opens on a click."""
    return link.post_screenshot_png or link.thumbnail_png


def card_id(claim: ReportClaim, index: int) -> str:
    """The anchor of the ``index``-th (from 1) piece of evidence of ``claim``."""
    return f"ev-{claim.number}-{index}"


@dataclass(frozen=True)
class FullPage:
    """A full-page screenshot, shown at its own size in an overlay the cards citing it open."""

    shot: Shot
    capture_id: str
    back: str  # the card its close link returns to: the first that cites it

    @property
    def anchor(self) -> str:
        return f"shot-{self.shot.sha256}"


class _Shots:
    """Each distinct image of a report once, in the order the page first shows it, however
    many claims cite the same capture: the posts shown in the cards (drawn by reference to one
    SVG definition each) and the full pages (one overlay each)."""

    def __init__(self, data: ReportData) -> None:
        self._found: dict[bytes, Shot | None] = {}
        self.shown: dict[str, Shot] = {}
        self.pages: dict[str, FullPage] = {}
        for claim in data.ordered_claims:
            for index, link in enumerate(claim.links, 1):
                shown = self.get(shown_png(link))
                if shown is not None:
                    self.shown.setdefault(shown.sha256, shown)
                full = self.get(link.screenshot_png)
                if full is not None and full.sha256 not in self.pages:
                    back = card_id(claim, index)
                    self.pages[full.sha256] = FullPage(full, link.capture_id, back)

    def get(self, png: bytes | None) -> Shot | None:
        if not png:
            return None
        if png not in self._found:
            self._found[png] = png_shot(png)
        return self._found[png]

    def page(self, png: bytes | None) -> FullPage | None:
        full = self.get(png)
        return None if full is None else self.pages[full.sha256]


def when(moment: datetime | None) -> str:
    return utc_iso(moment) if moment is not None else "unknown"


def who(link: ReportLink) -> str:
    handle = f"@{link.handle.lstrip('@')}" if link.handle else None
    if link.author and handle:
        return f"{link.author} ({handle})"
    return link.author or handle or "unknown author"


def status_class(status: str) -> str:
    if status in GONE:
        return "gone"
    if status in CHANGED:
        return "changed"
    return "live" if status in LIVE else "unknown"


def match_label(match: QuoteMatch) -> str:
    labels = {
        MatchResult.EXACT: "found word for word",
        MatchResult.FUZZY: "found, not word for word",
        MatchResult.NOT_FOUND: "not found",
    }
    return labels[match.result]


def source_label(source: str | None) -> str:
    if source == "post_text":
        return "the post's text"
    if source and source.startswith("image:"):
        return f"text read from the image {source.removeprefix('image:')}"
    return "the post's evidence"


def _mark_class(match: QuoteMatch) -> str:
    return "closest" if match.result is MatchResult.NOT_FOUND else "found"


def marked_in_post(link: ReportLink) -> bool:
    """Whether the matched passage is shown highlighted inside the post's text."""
    match = link.match
    return bool(
        match is not None
        and match.excerpt
        and match.source == "post_text"
        and link.post_text
        and match.excerpt in link.post_text
    )


def evidence_text(link: ReportLink) -> Markup:
    """The post's text with the matched passage in ``<mark>``; every part escaped first."""
    text = link.post_text or ""
    if not marked_in_post(link):
        return escape(visible(text))
    assert link.match is not None and link.match.excerpt is not None
    before, passage, after = (visible(part) for part in text.partition(link.match.excerpt))
    return Markup('{}<mark class="{}">{}</mark>{}').format(
        before, _mark_class(link.match), passage, after
    )


def diff_markup(edit: PostEdit) -> Markup:
    """An edit's word diff: removed words in ``<del>``, added ones in ``<ins>``, all escaped."""
    tags = {"delete": "del", "insert": "ins"}
    parts = []
    for op, words in edit.diff:
        tag = tags.get(op)
        text = visible(words)
        parts.append(Markup("<{0}>{1}</{0}>").format(Markup(tag), text) if tag else escape(text))
    return Markup(" ").join(parts)


def separate_passage(link: ReportLink) -> Markup | None:
    """The matched passage on its own (text read from an image), when not marked in the post."""
    match = link.match
    if match is None or not match.excerpt or marked_in_post(link):
        return None
    return Markup('<mark class="{}">{}</mark>').format(_mark_class(match), visible(match.excerpt))


_HELPERS = {
    "html_lang": html_lang,
    "http_href": http_href,
    "shown_png": shown_png,
    "card_id": card_id,
    "diff_markup": diff_markup,
    "when": when,
    "who": who,
    "platform_name": platform_name,
    "status_class": status_class,
    "match_label": match_label,
    "source_label": source_label,
    "marked_in_post": marked_in_post,
    "evidence_text": evidence_text,
    "separate_passage": separate_passage,
    "MatchResult": MatchResult,
}
