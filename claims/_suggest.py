"""Suggesting which archived posts a claim may cite.

Each (claim, post) pair gets a score in [0, 1] from four kinds of evidence, each stated as a
reason a reporter can check:

- **speaker**: the claim's speaker is the post's author (names compared with rapidfuzz
  ``token_set_ratio``, accents and case folded) or matches the handle;
- **quotes**: a quotation of the claim is found in the post's text or in the text read from
  its images (``partial_ratio`` on folded text, 80 or more);
- **names**: proper names both share (capitalised words, sentence starters left out; the
  speaker's own name does not count, it is the speaker's evidence);
- **numbers**: numbers both share, thousands separators folded (48 213 = 48,213 = 48.213).

Content evidence combines into ``content`` in [0, 1] (a noisy-or: each kind adds to what the
others leave). The score is then tiered so that a speaker match with *any* content beats
content alone, and strong content alone beats a bare speaker match:

    speaker and content   0.60 + 0.40 × content     (0.60 … 1.00)
    content only          0.55 × content            (0 … 0.55)
    speaker only          0.45

A suggestion needs a score of at least :data:`FLOOR` (0.35): a bare speaker match passes, one
shared name alone does not. Ties go to posts on a platform (primary sources) before web pages,
then by capture id, so the order is deterministic.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Collection, Sequence
from dataclasses import dataclass

from rapidfuzz import fuzz

from claims.models import Candidate, ClaimDraft, Suggestion

__all__ = ["FLOOR", "suggest"]

FLOOR = 0.35
_SPEAKER_ONLY = 0.45
_QUOTE_MIN = 80  # partial_ratio below this is not the same words
_QUOTE_MIN_WORDS = 3  # shorter quotes match too many posts by chance


def _wordset(words: str) -> frozenset[str]:
    """A set of words written as prose, which reads better than a long literal."""
    return frozenset(words.split())


_URL = re.compile(r"https?://\S+|www\.\S+")
_WORD = re.compile(r"[^\W\d_][\w'’-]*")
_NUMBER = re.compile(r"(?<![\w.,])(?:\d{1,3}(?:[ \u00a0\u202f.,]\d{3})+|\d+(?:[.,]\d+)?)(?![\d])")
_NAME_STOP = _wordset(
    "le la les un une des ce cet cette ces il elle ils elles on nous vous je mais et ou "
    "donc car selon pour sur dans en au aux avec par sans chez apres avant depuis voici "
    "the a an he she it they we this that these those but and or so in on at for with by "
    "from after before according if when while here there what who "
    "lundi mardi mercredi jeudi vendredi samedi dimanche janvier fevrier mars avril mai "
    "juin juillet aout septembre octobre novembre decembre monday tuesday wednesday "
    "thursday friday saturday sunday january february march april may june july august "
    "september october november december"
)


@dataclass(frozen=True)
class _Post:
    """A candidate prepared once: folded text and what can be shared with a claim."""

    candidate: Candidate
    text: str
    image_text: str
    names: frozenset[str]
    numbers: frozenset[str]


def suggest(
    claims: Sequence[ClaimDraft],
    candidates: Sequence[Candidate],
    *,
    limit: int = 3,
    excluded: Collection[tuple[int, str]] = (),
) -> tuple[Suggestion, ...]:
    """For each claim, the ``limit`` best posts scoring at least :data:`FLOOR`, best first;
    never a (claim number, capture id) pair of ``excluded`` (a suggestion rejected)."""
    posts = [_prepare(candidate) for candidate in candidates]
    # A post on a platform is a primary source; a web page that reports it is not.
    secondary = {c.capture_id for c in candidates if c.platform == "generic"}
    found: list[Suggestion] = []
    for claim in claims:
        scored = [
            Suggestion(claim.number, post.candidate.capture_id, score, reasons)
            for post in posts
            if (claim.number, post.candidate.capture_id) not in excluded
            for score, reasons in [_score(claim, post)]
            if reasons and score >= FLOOR
        ]
        scored.sort(key=lambda s: (-round(s.score, 6), s.capture_id in secondary, s.capture_id))
        found.extend(scored[:limit])
    return tuple(found)


def _prepare(candidate: Candidate) -> _Post:
    raw = " ".join(part for part in (candidate.text, candidate.image_text) if part)
    return _Post(
        candidate=candidate,
        text=_fold(candidate.text or ""),
        image_text=_fold(candidate.image_text or ""),
        names=frozenset(_names(raw)),
        numbers=frozenset(_numbers(raw)),
    )


def _score(claim: ClaimDraft, post: _Post) -> tuple[float, tuple[str, ...]]:
    reasons: list[str] = []
    speaker = _speaker_reason(claim.speaker, post.candidate)
    if speaker:
        reasons.append(speaker)
    parts: list[float] = []

    quote = _best_quote(claim, post)
    if quote is not None:
        ratio, text, where = quote
        parts.append(0.9 * min(1.0, (ratio - 70) / 30))
        reasons.append(f"the quote « {_short(text)} » appears in {where} (score {ratio:.0f})")

    speaker_words = set(_fold(claim.speaker or "").split())
    names = {
        folded: shown
        for folded, shown in _names(claim.text).items()
        if folded in post.names and folded not in speaker_words
    }
    if names:
        parts.append(min(0.6, 0.3 * len(names)))
        label = "name" if len(names) == 1 else "names"
        reasons.append(f"shares the {label} {', '.join(sorted(names.values(), key=_fold))}")

    numbers = {
        value: shown for value, shown in _numbers(claim.text).items() if value in post.numbers
    }
    if numbers:
        parts.append(min(0.6, 0.35 * len(numbers)))
        label = "number" if len(numbers) == 1 else "numbers"
        reasons.append(f"shares the {label} {', '.join(numbers.values())}")

    content = 1.0
    for part in parts:
        content *= 1 - part
    content = 1 - content
    if speaker and content > 0:
        score = 0.6 + 0.4 * content
    elif speaker:
        score = _SPEAKER_ONLY
    else:
        score = 0.55 * content
    return round(score, 4), tuple(reasons)


# --- speaker --------------------------------------------------------------------------------


def _speaker_reason(speaker: str | None, candidate: Candidate) -> str | None:
    if not speaker:
        return None
    folded = _fold(speaker)
    if candidate.author and fuzz.token_set_ratio(folded, _fold(candidate.author)) >= 90:
        return f"the claim's speaker “{speaker}” is the post's author"
    handle = _handle(candidate.handle)
    if handle and _handle_matches(folded.split(), handle):
        return f"the claim's speaker “{speaker}” matches the handle @{handle}"
    return None


def _handle(handle: str | None) -> str:
    """``@camroyer`` → camroyer; ``hmarchand@piaille.fr`` and ``name.bsky.social`` → the user."""
    if not handle:
        return ""
    user = handle.strip().lstrip("@").split("@")[0].split(".")[0]
    return re.sub(r"[^a-z0-9]", "", _fold(user))


def _handle_matches(words: list[str], handle: str) -> bool:
    compact = re.sub(r"[^a-z0-9]", "", "".join(words))
    if len(compact) >= 4 and fuzz.ratio(compact, handle) >= 90:
        return True
    surname = re.sub(r"[^a-z0-9]", "", words[-1]) if words else ""
    if len(surname) < 4 or surname not in handle:
        return False
    # "camroyer" for Camille Royer, "hmarchand" for Hélène Marchand: the surname plus the
    # start of the first name; a surname alone could be a namesake.
    return len(words) == 1 or handle.startswith(words[0][:1])


# --- content --------------------------------------------------------------------------------


def _best_quote(claim: ClaimDraft, post: _Post) -> tuple[float, str, str] | None:
    best: tuple[float, str, str] | None = None
    for quote in claim.quotes:
        needle = _fold(quote.text)
        if len(needle.split()) < _QUOTE_MIN_WORDS:
            continue
        for haystack, where in (
            (post.text, "the post"),
            (post.image_text, "the post's image text"),
        ):
            if not haystack:
                continue
            if len(needle) <= len(haystack):
                ratio = fuzz.partial_ratio(needle, haystack)
            else:
                ratio = fuzz.ratio(needle, haystack)  # a post shorter than the quote
            if ratio >= _QUOTE_MIN and (best is None or ratio > best[0]):
                best = (ratio, quote.text, where)
    return best


def _names(text: str) -> dict[str, str]:
    """Proper names (folded → as written). A capitalised word opening a sentence counts only
    when a second capitalised word follows it ("Camille Royer a …", not "Merci pour …")."""
    text = _URL.sub(" ", text)
    words = list(_WORD.finditer(text))
    found: dict[str, str] = {}
    for at, match in enumerate(words):
        word = re.sub(r"^[dlDL]['’]", "", match.group()).removesuffix("’s").removesuffix("'s")
        if len(word) < 3 or not word[0].isupper() or _fold(word) in _NAME_STOP:
            continue
        opening = re.search(r"(?:^|[.!?:«“\"]\s*)$", text[: match.start()].rstrip()) is not None
        following = words[at + 1].group() if at + 1 < len(words) else ""
        if opening and not (following[:1].isupper() and words[at + 1].start() - match.end() <= 1):
            continue
        found.setdefault(_fold(word), word)
    return found


def _numbers(text: str) -> dict[str, str]:
    """Numbers of two digits or more (normalised value → as written), outside URLs."""
    found: dict[str, str] = {}
    for match in _NUMBER.finditer(_URL.sub(" ", text)):
        shown = match.group()
        if re.fullmatch(r"\d{1,3}(?:[ \u00a0\u202f.,]\d{3})+", shown):
            value = re.sub(r"\D", "", shown)
        else:
            value = shown.replace(",", ".")
        if len(value.replace(".", "")) >= 2:
            found.setdefault(value, shown)
    return found


def _fold(text: str) -> str:
    """Lower case, no accents, one kind of apostrophe, punctuation as spaces."""
    decomposed = unicodedata.normalize("NFKD", text.replace("’", "'"))
    bare = "".join(ch for ch in decomposed if not unicodedata.combining(ch)).casefold()
    return " ".join(re.sub(r"[^\w']+", " ", bare).split())


def _short(text: str, limit: int = 60) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"
