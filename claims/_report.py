"""Reports: each claim of an article, in order, with the archived posts that back it (or not).

Three formats from one :class:`ReportData`:

- ``html``: one self-contained file — inline CSS, images as ``data:`` URIs, no script, and a
  Content-Security-Policy that forbids any request — rendered by Jinja2 with autoescaping, so
  every captured string reaches the page as text;
- ``md``: the same content in Markdown, images referred to by capture id;
- ``json``: the same data for programs, times in ISO 8601 UTC with ``Z``.
"""

from __future__ import annotations

import base64
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
from claims._cite import markdown_escape, platform_name, safe_url, status_phrase, utc_iso
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
    thumbnail_png: bytes | None  # already small
    post_text: str | None
    checked_at: datetime | None = None  # the latest status check

    @property
    def status_text(self) -> str:
        return status_phrase(self.status, self.status_since, self.checked_at, self.captured_at)

    def to_json(self) -> dict[str, Any]:
        match = self.match
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
            "match": None
            if match is None
            else {
                "result": str(match.result),
                "score": match.score,
                "excerpt": match.excerpt,
                "source": match.source,
            },
            "captured_at": isoformat_z(self.captured_at),
            "screenshot_sha256": self.screenshot_sha256,
            "post_screenshot_sha256": self.post_screenshot_sha256,
            "status": self.status,
            "status_since": isoformat_z(self.status_since),
            "checked_at": isoformat_z(self.checked_at),
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
        }


@dataclass(frozen=True)
class ReportSummary:
    claims_total: int
    claims_with_evidence: int  # at least one linked post, whatever its relation
    claims_without_evidence: int
    quotes_checked: int  # links whose quote was looked for in the post's evidence
    quotes_not_found: int  # … and was not found there
    evidence_deleted_or_edited: int  # distinct captures whose post is gone or changed since

    def to_json(self) -> dict[str, int]:
        return {
            "claims_total": self.claims_total,
            "claims_with_evidence": self.claims_with_evidence,
            "claims_without_evidence": self.claims_without_evidence,
            "quotes_checked": self.quotes_checked,
            "quotes_not_found": self.quotes_not_found,
            "evidence_deleted_or_edited": self.evidence_deleted_or_edited,
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
        )

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
        }


def render_report(data: ReportData, fmt: str) -> str:
    """The report of ``data`` as ``html``, ``md`` or ``json``."""
    if fmt == "json":
        return json.dumps(data.to_json(), ensure_ascii=False, indent=2) + "\n"
    if fmt == "html":
        return _environment().get_template("report.html.j2").render(report=data, **_HELPERS)
    if fmt in {"md", "markdown"}:
        return _markdown(data)
    raise UsageError(
        f"Unknown report format {fmt!r}.", hint=f"Choose one of: {', '.join(REPORT_FORMATS)}."
    )


# -- shared helpers (the template's filters) ------------------------------------------------------


def _environment() -> jinja2.Environment:
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


def png_data_uri(png: bytes | None) -> str | None:
    if not png or not png.startswith(_PNG_SIGNATURE):
        return None
    return "data:image/png;base64," + base64.b64encode(png).decode("ascii")


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


def separate_passage(link: ReportLink) -> Markup | None:
    """The matched passage on its own (text read from an image), when not marked in the post."""
    match = link.match
    if match is None or not match.excerpt or marked_in_post(link):
        return None
    return Markup('<mark class="{}">{}</mark>').format(_mark_class(match), visible(match.excerpt))


_HELPERS = {
    "html_lang": html_lang,
    "http_href": http_href,
    "png_data_uri": png_data_uri,
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


# -- Markdown -------------------------------------------------------------------------------------


def _markdown(data: ReportData) -> str:
    esc = _md
    summary = data.summary
    lines = [f"# Claims report: {esc(data.title or data.article_id)}", ""]
    facts = [f"Article `{data.article_id}`"]
    if data.url:
        facts.append(_markdown_url(data.url))
    if data.byline:
        facts.append(f"by {esc(data.byline)}")
    if data.published_at:
        facts.append(f"published {when(data.published_at)}")
    lines += [
        " · ".join(facts),
        "",
        f"Generated {when(data.generated_at)} by postproof {data.tool_version}.",
        "",
        "## Summary",
        "",
        f"- Claims: {summary.claims_total}",
        f"- With evidence: {summary.claims_with_evidence}",
        f"- **Without evidence: {summary.claims_without_evidence}**",
        f"- Quotes checked: {summary.quotes_checked}",
        f"- **Quotes not found in their evidence: {summary.quotes_not_found}**",
        f"- **Evidence since deleted or edited: {summary.evidence_deleted_or_edited}**",
        "",
        "## Claims",
    ]
    for claim in data.ordered_claims:
        lines += ["", *_markdown_claim(claim)]
    return "\n".join(lines) + "\n"


def _markdown_claim(claim: ReportClaim) -> list[str]:
    esc = _md
    lines = [f"### Claim {claim.number}", "", f"> {esc(claim.text)}", ""]
    about = [f"paragraph {claim.paragraph + 1}", str(claim.kind).replace("_", " ")]
    if claim.section:
        about.append(f"section “{esc(claim.section)}”")
    if claim.speaker:
        about.append(f"speaker: {esc(claim.speaker)}")
    lines.append("*" + ", ".join(about) + "*")
    if not claim.links:
        return [*lines, "", "**⚠ No evidence linked to this claim.**"]
    for link in claim.links:
        lines += ["", *_markdown_link(link)]
    return lines


def _markdown_link(link: ReportLink) -> list[str]:
    esc = _md
    lines = [
        f"#### {esc(who(link))} on {esc(platform_name(link.platform))} "
        f"— capture `{link.capture_id}`",
        "",
        f"- Post: {_markdown_url(link.url)}, posted {when(link.posted_at)}",
        f"- Captured: {when(link.captured_at)}; screenshot: capture `{link.capture_id}`, "
        f"SHA-256 `{link.screenshot_sha256 or 'none'}`",
        f"- {esc(str(link.relation).capitalize())}: {esc(link.why)} (origin: {esc(link.origin)})",
    ]
    status = esc(link.status_text)
    lines.append(f"- Status: **{status}**" if link.status not in LIVE else f"- Status: {status}")
    if link.quote and link.match:
        match = link.match
        lines.append(
            f"- Quote “{esc(link.quote)}”: **{match_label(match)}** "
            f"(score {match.score:g}) in {esc(source_label(match.source))}"
        )
        if match.excerpt:
            label = "Closest passage" if match.result is MatchResult.NOT_FOUND else "Passage"
            lines.append(f"  - {label}: “**{esc(match.excerpt)}**”")
    elif link.quote:
        lines.append(f"- Quote “{esc(link.quote)}”: not checked")
    if link.post_text:
        lines += ["", *(f"> {esc(line)}" if line.strip() else ">" for line in _lines(link))]
    return lines


def _md(text: str) -> str:
    """Markdown-escaped, with control and bidi-steering characters as visible escapes."""
    return markdown_escape(visible(text))


def _markdown_url(url: str) -> str:
    """An autolink for http(s) URLs; anything else (``javascript:``) stays inert text."""
    href = http_href(url)
    return f"<{visible(href)}>" if href else _md(url)


def _lines(link: ReportLink) -> list[str]:
    return (link.post_text or "").splitlines()
