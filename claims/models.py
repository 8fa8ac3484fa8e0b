"""Typed values of the claims pipeline: an article's text, its claims, its references, the
quotes in them, and what the evidence says about each quote.

Offsets are Python string indices (code points) into :attr:`ArticleText.text`, where paragraphs
are separated by a blank line (``"\\n\\n"``). Times are timezone-aware UTC.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime


class SourceKind(enum.StrEnum):
    HTML = "html"
    MARKDOWN = "markdown"
    TEXT = "text"


class ParagraphKind(enum.StrEnum):
    PARAGRAPH = "paragraph"
    LIST_ITEM = "list_item"
    HEADING = "heading"


class ClaimKind(enum.StrEnum):
    SENTENCE = "sentence"
    LIST_ITEM = "list_item"  # an item of a list or of a summary section ("Points clés")
    MANUAL = "manual"  # added by a person with `postproof claim add`


class ReferenceKind(enum.StrEnum):
    LINK = "link"  # a hyperlink in the text
    EMBED = "embed"  # an embedded post or iframe


class Relation(enum.StrEnum):
    SUPPORTS = "supports"
    CONTRADICTS = "contradicts"
    CONTEXT = "context"


class MatchResult(enum.StrEnum):
    EXACT = "exact"
    FUZZY = "fuzzy"
    NOT_FOUND = "not_found"


@dataclass(frozen=True)
class Paragraph:
    index: int
    start: int
    end: int
    kind: ParagraphKind
    section: str | None = None  # the heading or lead-in ("Points clés :") it sits under


@dataclass(frozen=True)
class Reference:
    """A hyperlink or an embedded post. For links, ``start``/``end`` locate the anchor text in
    the article text; an embed has no text of its own, and ``paragraph`` is then the paragraph
    just before it (the one the embed illustrates)."""

    kind: ReferenceKind
    url: str
    paragraph: int
    text: str | None = None
    start: int | None = None
    end: int | None = None
    platform: str | None = None  # x, mastodon, bluesky, instagram, threads, tiktok, youtube, …


@dataclass(frozen=True)
class ArticleText:
    """What was read from an article: its main text and where its references sit."""

    source_kind: SourceKind
    text: str
    paragraphs: tuple[Paragraph, ...]
    references: tuple[Reference, ...]
    title: str | None = None
    byline: str | None = None
    published_at: datetime | None = None
    lang: str | None = None


@dataclass(frozen=True)
class Quote:
    """A quotation inside a claim; offsets are relative to the claim's text."""

    text: str
    start: int
    end: int
    marks: str  # the opening and closing marks, e.g. "«»" or "“”"


@dataclass(frozen=True)
class ClaimDraft:
    """A claim found in an article, before it is stored."""

    number: int  # 1-based, in article order
    text: str
    paragraph: int
    start: int
    end: int
    kind: ClaimKind
    section: str | None = None
    quotes: tuple[Quote, ...] = ()
    speaker: str | None = None  # who the claim attributes its words to
    speaker_cue: str | None = None  # the construct that says so ("a déclaré", "according to")


@dataclass(frozen=True)
class Candidate:
    """A post in the archive that a claim might cite (the latest good capture of a post)."""

    capture_id: str
    platform: str
    author: str | None
    handle: str | None
    text: str | None
    url: str
    image_text: str | None = None  # text read from the post's images, when known


@dataclass(frozen=True)
class Suggestion:
    claim_number: int
    capture_id: str
    score: float  # 0 to 1
    reasons: tuple[str, ...]


@dataclass(frozen=True)
class QuoteMatch:
    """Where a quote was (or was not) found in a capture's evidence."""

    result: MatchResult
    score: float  # 0 to 100
    excerpt: str | None  # the matching passage of the evidence, as it reads there
    source: str | None  # "post_text" or "image:<sha256>" (text read from that image)
