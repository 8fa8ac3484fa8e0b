"""Citations of an archived post, for a footnote, a web page, a reference manager or LaTeX.

Every format carries the same facts: author, handle, platform, post date, URL, capture id,
capture time (UTC, ISO 8601 with ``Z``), "captured while logged in" when the capture ran with
imported login cookies, the screenshot's SHA-256, and the post's status as of the latest check
("live as of 2026-11-27", "deleted since 2026-03-02 (last checked 2026-11-27)").
Each format escapes captured text its own way: HTML entities, Markdown backslashes, LaTeX
commands; CSL-JSON is JSON. Control and bidi-steering characters of a post are shown as visible
escapes (JSON escapes in CSL-JSON): a citation cannot clear a screen or reverse a quote.
"""

from __future__ import annotations

import html
import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote as url_quote
from urllib.parse import urlsplit

from archiver.display import json_escapes, visible
from archiver.errors import UsageError
from archiver.platforms import PLATFORM_NAMES as PLATFORM_NAMES  # the adapters' labels
from archiver.platforms import platform_name

ARCHIVE_NAME = "postproof"
TITLE_LENGTH = 100


@dataclass(frozen=True)
class QuotedWords:
    """Words an article attributes to the post, with what the check against the post found."""

    text: str
    result: str | None = None  # "exact", "fuzzy", "not_found"; None: not checked
    score: float | None = None
    closest: str | None = None  # the passage of the post nearest to the words
    where: str | None = None  # "post_text" or "image:<sha256>"

    @property
    def found(self) -> bool:
        return self.result in ("exact", "fuzzy")

    def to_json(self) -> dict[str, Any]:
        return {
            "text": self.text,
            "check": self.result or "not_checked",
            "score": self.score,
            "closest": self.closest,
            "where": self.where,
        }


@dataclass(frozen=True)
class CitationSource:
    """What a citation says about one capture of a post."""

    capture_id: str
    url: str  # the post's canonical URL
    platform: str  # adapter name: "x", "mastodon", "bluesky", …
    post_id: str | None
    author: str | None
    handle: str | None
    posted_at: datetime | None
    text: str | None  # the post's text
    captured_at: datetime
    screenshot_sha256: str | None
    status: str  # "live", "deleted", "edited", "unavailable", …
    status_since: datetime | None
    checked_at: datetime | None  # the latest check of the status
    quote: str | None = None  # words an article quotes, not checked (see ``quotes``)
    claim_text: str | None = None  # the article's claim the post is cited for
    archive_name: str = ARCHIVE_NAME
    lang: str | None = None  # BCP 47 language of the post, when known
    quotes: tuple[QuotedWords, ...] = ()  # every quote of the claim with its check
    logged_in: bool = False  # the capture ran with imported login cookies

    def quoted(self) -> tuple[QuotedWords, ...]:
        if self.quotes:
            return self.quotes
        return (QuotedWords(self.quote),) if self.quote else ()


# -- shared wording -------------------------------------------------------------------------------


def utc_iso(moment: datetime) -> str:
    """``2026-11-27T10:04:05Z``: seconds are precise enough for a reader."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def utc_date(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%d")


def status_phrase(
    status: str, since: datetime | None, checked_at: datetime | None, captured_at: datetime
) -> str:
    """ "live as of 2026-11-27", "deleted since 2026-03-02 (last checked 2026-11-27)"."""
    if status in {"live", "ok"}:
        return f"live as of {utc_date(checked_at or captured_at)}"
    phrase = status.replace("_", " ")
    if since is not None:
        phrase += f" since {utc_date(since)}"
    if checked_at is not None:
        phrase += f" (last checked {utc_date(checked_at)})"
    return phrase


def _who(source: CitationSource) -> str:
    handle = _handle(source)
    if source.author and handle:
        return f"{source.author} ({handle})"
    return source.author or handle or "Unknown author"


def _title(source: CitationSource) -> str:
    text = " ".join((source.text or "").split())
    if not text:
        return f"Post by {source.author or _handle(source) or 'unknown author'}"
    if len(text) <= TITLE_LENGTH:
        return text
    cut = text[:TITLE_LENGTH].rsplit(" ", 1)[0]
    return cut.rstrip(" ,;:") + "…"


def _handle(source: CitationSource) -> str | None:
    return f"@{source.handle.lstrip('@')}" if source.handle else None


def _posted(source: CitationSource) -> str:
    return utc_date(source.posted_at) if source.posted_at else "undated"


def _status(source: CitationSource) -> str:
    return status_phrase(source.status, source.status_since, source.checked_at, source.captured_at)


LOGGED_IN_MARK = "captured while logged in"


def _facts(source: CitationSource) -> list[tuple[str, str]]:
    """The archive's part of every citation, as (label, value) pairs; a mark has no value."""
    facts = [
        ("Archived by", source.archive_name),
        ("capture", source.capture_id),
        ("captured", utc_iso(source.captured_at)),
    ]
    if source.logged_in:
        # What a logged-in reader saw may not be what the public sees.
        facts.append((LOGGED_IN_MARK, ""))
    if source.screenshot_sha256:
        facts.append(("screenshot SHA-256", source.screenshot_sha256))
    facts.append(("status", _status(source)))
    return facts


_CODE_FACTS = frozenset({"capture", "screenshot SHA-256"})


def safe_url(url: str) -> str:
    """The URL with anything that could end a link or a markup context percent-encoded."""
    return url_quote(url, safe=":/?#[]@!$&'()*+,;=%~")


# -- formats --------------------------------------------------------------------------------------


def render_citation(source: CitationSource, fmt: str) -> str:
    """The citation of ``source`` in ``fmt``: one of :data:`CITATION_FORMATS`."""
    renderer = _RENDERERS.get(fmt)
    if renderer is None:
        raise UsageError(
            f"Unknown citation format {fmt!r}.",
            hint=f"Choose one of: {', '.join(CITATION_FORMATS)}.",
        )
    rendered = renderer(source)
    # A post's control or bidi characters never reach a reader's screen as commands.
    return json_escapes(rendered) if fmt == "csl-json" else visible(rendered)


def _one_line(text: str) -> str:
    return " ".join(text.split())


def _where(words: QuotedWords) -> str:
    return "in the post's image" if (words.where or "").startswith("image:") else "in the post"


def quote_sentence(words: QuotedWords, mark: Callable[[str], str] = lambda t: f"“{t}”") -> str:
    """What a citation says about words attributed to the post: a quotation only when the
    check found them; a misquote says so and gives the closest passage."""
    said = mark(_one_line(words.text))
    closest = mark(_one_line(words.closest)) if words.closest else None
    if words.result == "exact":
        return f"Quoted: {said} (found word for word {_where(words)})."
    if words.result == "fuzzy":
        score = f", score {words.score:.0f}" if words.score is not None else ""
        nearest = f"; the post says: {closest}" if closest else ""
        return f"Quoted: {said} (close match {_where(words)}{score}{nearest})."
    if words.result == "not_found":
        nearest = f"; closest passage: {closest}" if closest else ""
        return f"Attributed words NOT found in the post: {said}{nearest}."
    return f"Attributed words, not checked against the post: {said}."


def _quote_note(source: CitationSource) -> str:
    return " ".join(quote_sentence(words) for words in source.quoted())


def _text(source: CitationSource) -> str:
    parts = [
        f"{_who(source)}. “{_title(source)}” Post on {platform_name(source.platform)}, "
        f"{_posted(source)}. {source.url}.",
    ]
    parts += [quote_sentence(words) for words in source.quoted()]
    parts.append(_joined(_facts(source)) + ".")
    return " ".join(parts)


def _joined(facts: list[tuple[str, str]], between: str = " ") -> str:
    """``label value; label value; mark``."""
    return "; ".join(f"{label}{between}{value}" if value else label for label, value in facts)


_MARKDOWN_SPECIALS = re.compile(r"([\\`*_{}\[\]<>#+|~&])")
_MARKDOWN_LINE_START = re.compile(r"^(?:([-=>])|(\d+)([.)]))")


def markdown_escape(text: str) -> str:
    """Backslash every character Markdown could read as markup; newlines become spaces."""
    escaped = _MARKDOWN_SPECIALS.sub(r"\\\1", " ".join(text.split()))
    # A list marker, a setext underline or a block quote only counts at the start of a line.
    return _MARKDOWN_LINE_START.sub(lambda m: f"\\{m[1]}" if m[1] else f"{m[2]}\\{m[3]}", escaped)


def _markdown(source: CitationSource) -> str:
    esc = markdown_escape
    parts = [
        f"{esc(_who(source))}. “{esc(_title(source))}” Post on "
        f"{esc(platform_name(source.platform))}, {_posted(source)}. <{safe_url(source.url)}>.",
    ]
    parts += [quote_sentence(w, lambda t: f"“{esc(t)}”") for w in source.quoted()]
    facts = [
        f"{esc(label)} `{value.replace('`', '')}`"
        if label in _CODE_FACTS
        else f"{esc(label)} {esc(value)}".rstrip()
        for label, value in _facts(source)
    ]
    parts.append("; ".join(facts) + ".")
    return " ".join(parts)


def _html(source: CitationSource) -> str:
    esc = html.escape
    url = safe_url(source.url)
    link = (
        f'<a href="{esc(url)}">{esc(source.url)}</a>'
        if urlsplit(url).scheme in {"http", "https"}
        else esc(source.url)
    )
    quote = "".join(
        f' <span class="quote quote-{esc(w.result or "not-checked")}">'
        + quote_sentence(w, _html_quote if w.found else _html_words)
        + "</span>"
        for w in source.quoted()
    )
    facts = "; ".join(
        f"{esc(label)} <code>{esc(value)}</code>"
        if label in _CODE_FACTS
        else f"{esc(label)} {esc(value)}".rstrip()
        for label, value in _facts(source)
    )
    return (
        f'<span class="citation">{esc(_who(source))}. “<cite>{esc(_title(source))}</cite>” '
        f"Post on {esc(platform_name(source.platform))}, "
        f'<time datetime="{esc(_posted(source))}">{esc(_posted(source))}</time>. '
        f"{link}.{quote} {facts}.</span>"
    )


def _html_quote(text: str) -> str:
    return f"<q>{html.escape(text)}</q>"


def _html_words(text: str) -> str:
    return f"“{html.escape(text)}”"


def _date_parts(moment: datetime) -> dict[str, list[list[int]]]:
    moment = moment.astimezone(UTC)
    return {"date-parts": [[moment.year, moment.month, moment.day]]}


def _csl_json(source: CitationSource) -> str:
    author = source.author or _handle(source)
    item: dict[str, Any] = {
        "id": source.capture_id,
        "type": "post",
        "title": _title(source),
        "container-title": platform_name(source.platform),
        "URL": source.url,
        "accessed": _date_parts(source.captured_at),
        "archive": source.archive_name,
        "archive_location": source.capture_id,
        "note": _joined(_facts(source)[1:], ": "),
    }
    if source.quoted():
        item["note"] += ". " + _quote_note(source)
    if author:
        # APA's form for social media: the name, then the handle in brackets.
        name = f"{source.author} [{_handle(source)}]" if source.author and source.handle else author
        item["author"] = [{"literal": name}]
    if source.posted_at is not None:
        item["issued"] = _date_parts(source.posted_at)
    if source.lang:
        item["language"] = source.lang
    custom: dict[str, Any] = {
        key: value
        for key, value in (
            ("handle", _handle(source)),
            ("post_id", source.post_id),
            ("platform", source.platform),
            ("captured_at", utc_iso(source.captured_at)),
            ("screenshot_sha256", source.screenshot_sha256),
            ("status", _status(source)),
            # "quote" only ever holds words the check found in the post.
            ("quote", next((w.text for w in source.quoted() if w.found), None)),
            ("claim", source.claim_text),
        )
        if value
    }
    custom["logged_in"] = source.logged_in
    if source.quoted():
        custom["quotes"] = [w.to_json() for w in source.quoted()]
    item["custom"] = custom
    return json.dumps([item], ensure_ascii=False, indent=2)


_LATEX_SPECIALS = {
    "\\": r"\textbackslash{}",
    "{": r"\textbraceleft{}",
    "}": r"\textbraceright{}",
    "&": r"\&",
    "%": r"\%",
    "$": r"\$",
    "#": r"\#",
    "_": r"\_",
    "~": r"\textasciitilde{}",
    "^": r"\textasciicircum{}",
}


def latex_escape(text: str) -> str:
    """LaTeX's special characters as commands; braces stay balanced (BibTeX counts every
    brace, escaped or not), accents stay UTF-8."""
    return "".join(_LATEX_SPECIALS.get(char, char) for char in " ".join(text.split()))


_MONTHS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")


def _bibtex_key(source: CitationSource) -> str:
    who = re.sub(r"[^A-Za-z0-9]", "", source.handle or "") or source.platform
    year = source.posted_at.astimezone(UTC).year if source.posted_at else "nd"
    return re.sub(r"[^A-Za-z0-9:_-]", "", f"{who}{year}-{source.capture_id}")


def _bibtex(source: CitationSource) -> str:
    url = safe_url(source.url)
    who = source.author or _handle(source) or "Unknown author"
    if source.author and source.handle:
        who = f"{source.author} [{_handle(source)}]"
    fields = [
        ("author", "{" + latex_escape(who) + "}"),
        ("title", "{" + latex_escape(_title(source)) + "}"),
        ("howpublished", r"\url{" + url.replace("%", r"\%").replace("#", r"\#") + "}"),
        ("url", url),
    ]
    if source.posted_at is not None:
        posted = source.posted_at.astimezone(UTC)
        fields += [("year", str(posted.year)), ("month", _MONTHS[posted.month - 1])]
        fields.append(("date", utc_date(posted)))
    note = f"Post on {platform_name(source.platform)}"
    if source.handle:
        note += f" by {_handle(source)}"
    note += ". " + _joined(_facts(source)) + "."
    if source.quoted():
        note += " " + _quote_note(source)
    fields += [("note", latex_escape(note)), ("urldate", utc_date(source.captured_at))]
    if source.lang:
        fields.append(("langid", latex_escape(source.lang)))
    body = ",\n".join(
        f"  {name} = {value}" if name == "month" else f"  {name} = {{{value}}}"
        for name, value in fields
    )
    return f"@misc{{{_bibtex_key(source)},\n{body}\n}}\n"


_RENDERERS: dict[str, Callable[[CitationSource], str]] = {
    "markdown": _markdown,
    "html": _html,
    "text": _text,
    "csl-json": _csl_json,
    "bibtex": _bibtex,
}
CITATION_FORMATS = tuple(_RENDERERS)
