"""Splitting an article into claims: one per sentence, one per list item.

Sentences come from pysbd; its spans are not trusted (they drift on repeated whitespace), so
each sentence is found again in its paragraph. Fixes run on top of pysbd: a quotation is never
split (« Première phrase. Deuxième phrase », a-t-il dit); a sentence never ends on a title
abbreviation ("M.", "Dr.") nor before a lower-case word; and "sur X." / "on X." ends a
sentence (pysbd takes that X for an initial).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from functools import cache

import pysbd

from claims._quotes import attribute_speaker, find_quotes
from claims.models import ArticleText, ClaimDraft, ClaimKind, ParagraphKind

__all__ = ["segment", "split_sentences"]

_LANGS = frozenset({"fr", "en"})
_TITLE_END = re.compile(r"(?:^|\s)(?:M|Mme|Mlle|MM|Dr|Pr|Prof|Mr|Mrs|Ms|St|Me|Mgr)\.$")
_OPENERS = {"«": "»", "“": "”", "„": "“"}
# pysbd reads "X." as an initial; "publié sur X. Dans ce message…" is two sentences.
_PLATFORM_X_END = re.compile(r"\b(?:sur|on|via) X\.(?=\s+[A-ZÀ-Ý«“\"])")


@cache
def _segmenter(lang: str) -> pysbd.Segmenter:
    return pysbd.Segmenter(language=lang, clean=False)


def segment(article: ArticleText) -> tuple[ClaimDraft, ...]:
    """The claims of ``article``, numbered from 1 in reading order; headings are not claims."""
    lang = article.lang if article.lang in _LANGS else "en"
    claims: list[ClaimDraft] = []
    for paragraph in article.paragraphs:
        if paragraph.kind is ParagraphKind.HEADING:
            continue
        body = article.text[paragraph.start : paragraph.end]
        if paragraph.kind is ParagraphKind.LIST_ITEM:
            spans = [_trimmed(body, 0, len(body))]
            kind = ClaimKind.LIST_ITEM
        else:
            spans = list(split_sentences(body, lang))
            kind = ClaimKind.SENTENCE
        previous: list[str] = []
        for start, end in spans:
            if start >= end:
                continue
            text = body[start:end]
            speaker, cue = attribute_speaker(text, previous)
            claims.append(
                ClaimDraft(
                    number=len(claims) + 1,
                    text=text,
                    paragraph=paragraph.index,
                    start=paragraph.start + start,
                    end=paragraph.start + end,
                    kind=kind,
                    section=paragraph.section,
                    quotes=find_quotes(text),
                    speaker=speaker,
                    speaker_cue=cue,
                )
            )
            previous.append(text)
    return tuple(claims)


def split_sentences(text: str, lang: str = "en") -> Iterator[tuple[int, int]]:
    """``(start, end)`` of each sentence of ``text``, trimmed, quotations kept whole."""
    pending: tuple[int, int] | None = None
    for start, end in _located(text, lang):
        if pending is not None:
            start = pending[0]
            pending = None
        if end < len(text) and _must_continue(text[start:end], text[end:]):
            pending = (start, end)
            continue
        yield start, end
    if pending is not None:
        yield pending


def _located(text: str, lang: str) -> Iterator[tuple[int, int]]:
    """pysbd's sentences, found again in ``text`` (pysbd may alter or lose whitespace)."""
    cursor = 0
    for sentence in _segmenter(lang).segment(text):
        piece = sentence.strip()
        if not piece:
            continue
        at = text.find(piece, cursor)
        end = at + len(piece)
        if at < 0:
            loose = re.compile(r"\s+".join(map(re.escape, piece.split()))).search(text, cursor)
            if loose is None:
                continue  # rewritten beyond recognition: the text is picked up below
            at, end = loose.span()
        if text[cursor:at].strip():
            yield _trimmed(text, cursor, at)
        for cut in _PLATFORM_X_END.finditer(text, at, end):
            if cut.end() < end:
                yield at, cut.end()
                at = _trimmed(text, cut.end(), end)[0]
        yield at, end
        cursor = end
    if text[cursor:].strip():
        yield _trimmed(text, cursor, len(text))


def _trimmed(text: str, start: int, end: int) -> tuple[int, int]:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end


def _must_continue(sentence: str, rest: str) -> bool:
    """Whether the sentence so far cannot end here: an open quotation, a title abbreviation,
    or a next sentence that starts in lower case (« Vraiment ? » a-t-il demandé)."""
    if _open_quote(sentence) or _TITLE_END.search(sentence):
        return True
    following = rest.lstrip()
    return bool(following) and following[0].islower()


def _open_quote(sentence: str) -> bool:
    depth = {opener: 0 for opener in _OPENERS}
    for ch in sentence:
        if ch in ("«", "„"):
            depth[ch] += 1
        elif ch == "»":
            depth["«"] = max(0, depth["«"] - 1)
        elif ch == "“" and depth["„"]:
            depth["„"] -= 1
        elif ch == "“":
            depth["“"] += 1
        elif ch == "”":
            depth["“"] = max(0, depth["“"] - 1)
    straight = sentence.count('"') % 2 == 1
    return straight or any(depth.values())
