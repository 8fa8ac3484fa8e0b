"""Find a quote in a post's evidence: its own text, and the text read from its images.

Both sides are normalised the same way before they are compared (see :func:`normalize`): Unicode
NFKC, case folding, one apostrophe ``'``, one dash ``-``, no quotation marks (« » “ ” „ "), no
hyphen inside a word (so "e-mail", "e‑mail", an OCR line end "e-\\nmail" and "email" all agree),
whitespace of any kind collapsed to one space, and no space before ``. , ; : ! ?`` (French
typography puts a narrow no-break space there, English none). Leading and trailing punctuation of
the quote is the journalist's and is ignored; an elision ``[…]`` splits the quote into parts that
must each be found, in order, in the same source.

Results, best source first (the post's own text wins a tie against its images):

- ``EXACT`` (score 100): the normalised quote is a substring of the normalised evidence.
- ``FUZZY``: the best passage scores at least ``threshold`` (default :data:`DEFAULT_THRESHOLD`).
- ``NOT_FOUND``: nothing scores that high; ``score`` is the best score, and ``excerpt`` the
  closest passage when one scores at least :data:`CLOSEST_FLOOR` (to show what the post says).

The fuzzy score of a passage is the lower of two similarities, less :data:`MEANING_PENALTY` when
the meaning may have changed:

- words: the passage is the run of evidence words (near rapidfuzz's best character window) that
  shares most words with the quote, in order; its score is the share of words in common over the
  longer of the two runs. Two words are the same when equal or, from four letters on, at least
  :data:`WORD_SIMILARITY` similar (OCR noise, a conjugated ending). One word added, dropped or
  replaced in a ten-word quote costs 10 points;
- characters: rapidfuzz's Indel similarity of the quote and that passage;
- the penalty, when a negation (ne, pas, not, never, …) or a number differs, or a word of four
  letters or more of the quote is nowhere in the passage: "je peux" for "je ne peux pas" is a
  short edit and the opposite meaning.

Measured on the pairs of tests/claims/test_match.py: the demo misquote "Je ne regrette pas
d'avoir envoyé cet e-mail" against "je ne pense pas regretter d'avoir envoyé cet e-mail" scores
80.0, its English twin 77.8; a dropped or changed negation, a changed number or a replaced word
63–68; correct quotes with OCR noise 94.9–98.3; a quote leaving out one word of ten 90.0. Hence
85: a changed word in a short quote is a misquote, OCR noise is not.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from rapidfuzz import fuzz

from archiver.errors import UsageError
from claims.models import MatchResult, QuoteMatch

DEFAULT_THRESHOLD = 85.0
CLOSEST_FLOOR = 50.0
WORD_SIMILARITY = 80.0
MEANING_PENALTY = 20.0
POST_TEXT = "post_text"

_APOSTROPHES = frozenset("'’‘ʼ‛′`´ʹ＇")
_QUOTE_MARKS = frozenset('"«»“”„‟‹›″〝〞＂')
_DASHES = frozenset("-‐‑‒–—―−﹘﹣－")
_INVISIBLE = frozenset("\u00ad\u200b\u200c\u200d\u2060\ufeff")
_NO_SPACE_BEFORE = frozenset(".,;:!?)]")
_NO_SPACE_AFTER = frozenset("([")
_EDGE_PUNCTUATION = " .,;:!?-'()[]"
_ELISION = re.compile(r"\s*[\[(]\s*(?:…|\.\.\.)\s*[\])]\s*")
_WORD = re.compile(r"\w+")
_NUMBER = re.compile(r"(?<!\w)\d+(?:[.,]\d+)*(?!\w)")
_NEGATIONS = frozenset(
    {
        *("ne", "n", "pas", "jamais", "aucun", "aucune", "rien", "nullement", "guère"),
        *("not", "no", "never", "none", "nothing", "nobody", "neither", "nor", "cannot"),
        "t",  # don't, can't, isn't: "n't" splits into "don" and "t"
    }
)


@dataclass(frozen=True)
class Normalized:
    """A normalised text and, for each of its characters, the span of the original it comes from."""

    text: str
    starts: tuple[int, ...]
    ends: tuple[int, ...]

    def original_span(self, start: int, end: int) -> tuple[int, int]:
        return self.starts[start], self.ends[end - 1]


def normalize(text: str) -> Normalized:
    """Normalise ``text`` for comparison, keeping a map back to the original offsets."""
    chars: list[tuple[str, int, int]] = []
    for start, end in _clusters(text):
        for char in unicodedata.normalize("NFKC", text[start:end]).casefold():
            folded = _fold(char)
            if folded:
                chars.append((folded, start, end))
    chars = _join_hyphens(chars)
    chars = _collapse_spaces(chars)
    return Normalized(
        "".join(c for c, _, _ in chars),
        tuple(s for _, s, _ in chars),
        tuple(e for _, _, e in chars),
    )


def _clusters(text: str) -> list[tuple[int, int]]:
    """A base character with its combining marks, so that NFKC can compose "e" + "◌́"."""
    spans: list[tuple[int, int]] = []
    for index, char in enumerate(text):
        if spans and unicodedata.combining(char):
            spans[-1] = (spans[-1][0], index + 1)
        else:
            spans.append((index, index + 1))
    return spans


def _fold(char: str) -> str:
    if char in _APOSTROPHES:
        return "'"
    if char in _DASHES:
        return "-"
    if char in _QUOTE_MARKS or char in _INVISIBLE:
        return ""
    if char == "\n":
        return "\n"
    return " " if char.isspace() else char


def _join_hyphens(chars: list[tuple[str, int, int]]) -> list[tuple[str, int, int]]:
    """Drop a hyphen between two letters, also across a line break ("travail-\\nler")."""
    out: list[tuple[str, int, int]] = []
    index = 0
    while index < len(chars):
        char = chars[index][0]
        if char == "-" and out and out[-1][0].isalpha():
            after = index + 1
            while after < len(chars) and chars[after][0] in " \n":
                after += 1
            gap = {c for c, _, _ in chars[index + 1 : after]}
            if after < len(chars) and chars[after][0].isalpha() and (not gap or "\n" in gap):
                index = after
                continue
        out.append(chars[index])
        index += 1
    return out


def _collapse_spaces(chars: list[tuple[str, int, int]]) -> list[tuple[str, int, int]]:
    out: list[tuple[str, int, int]] = []
    for item in chars:
        if item[0] in " \n":
            if out and out[-1][0] != " " and out[-1][0] not in _NO_SPACE_AFTER:
                out.append((" ", item[1], item[2]))
            continue
        if item[0] in _NO_SPACE_BEFORE and out and out[-1][0] == " ":
            out.pop()
        out.append(item)
    if out and out[-1][0] == " ":
        out.pop()
    return out


# -- matching -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Found:
    score: float
    exact: bool
    start: int  # in the normalised source
    end: int


def match_quote(
    quote: str,
    sources: Sequence[tuple[str, str]],
    *,
    threshold: float = DEFAULT_THRESHOLD,
) -> QuoteMatch:
    """Where ``quote`` reads in ``sources`` — ``(label, text)`` pairs such as ``("post_text",
    text)`` and ``("image:<sha256>", ocr_text)`` — exactly, nearly, or not at all."""
    parts = [_strip_edges(normalize(part).text) for part in _ELISION.split(quote)]
    parts = [part for part in parts if part]
    if not parts:
        raise UsageError(
            f"The quote {quote!r} has no words to look for.",
            hint="Give the quoted words themselves, without only quotation marks or punctuation.",
        )
    ordered = sorted(sources, key=lambda source: source[0] != POST_TEXT)
    best: tuple[_Found, str, Normalized, str] | None = None
    for label, text in ordered:
        source = normalize(text)
        found = _find_parts(parts, source.text)
        if found is None:
            continue
        if best is None or found.score > best[0].score or (found.exact and not best[0].exact):
            best = (found, label, source, text)
        if found.exact:
            break
    if best is None:
        return QuoteMatch(MatchResult.NOT_FOUND, 0.0, None, None)
    found, label, source, text = best
    excerpt = _excerpt(text, source, found.start, found.end)
    if found.exact:
        return QuoteMatch(MatchResult.EXACT, 100.0, excerpt, label)
    score = round(found.score, 1)
    if score >= threshold:
        return QuoteMatch(MatchResult.FUZZY, score, excerpt, label)
    if score >= CLOSEST_FLOOR:
        return QuoteMatch(MatchResult.NOT_FOUND, score, excerpt, label)
    return QuoteMatch(MatchResult.NOT_FOUND, score, None, None)


def _strip_edges(text: str) -> str:
    return text.strip(_EDGE_PUNCTUATION)


def _find_parts(parts: list[str], source: str) -> _Found | None:
    """Each part of an elided quote after the previous one; the weakest part sets the score."""
    found: list[_Found] = []
    offset = 0
    for part in parts:
        hit = _find(part, source, offset)
        if hit is None:
            return None
        found.append(hit)
        offset = hit.end
    return _Found(
        min(hit.score for hit in found),
        all(hit.exact for hit in found),
        found[0].start,
        found[-1].end,
    )


def _find(quote: str, source: str, offset: int) -> _Found | None:
    position = source.find(quote, offset)
    if position >= 0:
        return _Found(100.0, True, position, position + len(quote))
    if offset >= len(source):
        return None
    # The characters' best window says where to look; the best run of words there is the passage.
    alignment = fuzz.partial_ratio_alignment(quote, source[offset:])
    if alignment is None:
        return None
    margin = len(quote) // 2 + 1
    region_start = max(offset, offset + alignment.dest_start - margin)
    region_end = min(len(source), offset + alignment.dest_end + margin)
    window = _best_word_window(quote, source, region_start, region_end)
    if window is None:
        return None
    word_score, start, end = window
    score = min(fuzz.ratio(quote, source[start:end]), word_score)
    if _changes_meaning(quote, source[start:end]):
        score -= MEANING_PENALTY
    return _Found(max(score, 0.0), False, start, end)


def _best_word_window(
    quote: str, source: str, region_start: int, region_end: int
) -> tuple[float, int, int] | None:
    """The run of source words sharing most words with the quote, in order; its score is the
    share of words in common over the longer of the two runs."""
    quote_words = _WORD.findall(quote)
    spans = [m.span() for m in _WORD.finditer(source) if region_start <= m.start() < region_end]
    if not quote_words or not spans:
        return None
    words = [source[s:e] for s, e in spans]
    same = [[_same_word(q, w) for w in words] for q in quote_words]
    size = len(quote_words)
    best: tuple[float, int, int, int] | None = None  # score, -length gap, start, end
    for first in range(len(words)):
        for length in range(max(1, size - 3), size + 4):
            last = first + length
            if last > len(words):
                break
            score = 100.0 * _common_words(same, first, last) / max(size, length)
            candidate = (score, -abs(length - size), spans[first][0], spans[last - 1][1])
            if best is None or candidate[:2] > best[:2]:
                best = candidate
    return None if best is None else (best[0], best[2], best[3])


def _same_word(a: str, b: str) -> bool:
    if a == b:
        return True
    return min(len(a), len(b)) >= 4 and fuzz.ratio(a, b) >= WORD_SIMILARITY


def _common_words(same: list[list[bool]], first: int, last: int) -> int:
    """Longest common subsequence of the quote's words and words ``first:last``."""
    previous = [0] * (last - first + 1)
    for row in same:
        current = [0]
        for column in range(first, last):
            if row[column]:
                current.append(previous[column - first] + 1)
            else:
                current.append(max(previous[column - first + 1], current[-1]))
        previous = current
    return previous[-1]


def _changes_meaning(quote: str, passage: str) -> bool:
    """A negation or a number differs, or a word of the quote is nowhere in the passage."""
    quote_words, passage_words = _WORD.findall(quote), _WORD.findall(passage)
    if _negations(quote_words) != _negations(passage_words):
        return True
    if _NUMBER.findall(quote) != _NUMBER.findall(passage):
        return True
    return any(
        len(word) >= 4 and not any(_same_word(word, other) for other in passage_words)
        for word in quote_words
    )


def _negations(words: list[str]) -> Counter[str]:
    return Counter(word for word in words if word in _NEGATIONS)


def _excerpt(original: str, source: Normalized, start: int, end: int) -> str:
    """The passage as it reads in the original, widened to whole words ("don't", "e-mail")."""
    first, last = source.original_span(start, end)
    while first > 0 and _inside_word(original, first - 1):
        first -= 1
    while last < len(original) and _inside_word(original, last):
        last += 1
    return original[first:last].strip()


def _inside_word(text: str, index: int) -> bool:
    if text[index].isalnum() or unicodedata.combining(text[index]):
        return True
    joiner = text[index] in _APOSTROPHES or text[index] in _DASHES
    return (
        joiner
        and 0 < index < len(text) - 1
        and text[index - 1].isalnum()
        and text[index + 1].isalnum()
    )
