"""Change detection between two good captures of one post: text, media, and (as a last resort)
the look of the post.

Text is compared after :func:`normalize_text`, which keeps the post's words and drops what a
platform re-renders on every visit (counts, relative times, "Show more"). Images are matched by
SHA-256 first and then by perceptual distance, so a re-encoded or resized copy of the same picture
is not a change. The screenshot's pHash only speaks when neither text nor media changed.
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from collections import Counter
from collections.abc import Sequence

from watch.models import Change, EventKind, MediaSnapshot, PostSnapshot

# Invisible characters that vary between renderings of the same words: zero-width spaces and
# joiners, word joiner, BOM, soft hyphen, bidi marks and isolates, emoji variation selectors.
_INVISIBLE = re.compile(
    "[\u00ad\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufe0e\ufe0f\ufeff]"
)

# What platforms put between the text and its decorations ("Ana · 2h", "12 likes • 3 reposts").
_SEPS = "·•|∙⋅"
_EDGE = _SEPS + " \t\n"  # what is left between two decorations, or a decoration and the text

_NUMBER = r"\d{1,3}(?:[.,\s]\d{3})+(?:[.,]\d+)?|\d+(?:[.,]\d+)?"
_MAGNITUDE = r"(?:[kKmMbB]|Md|Mrd|mil|mille|millions?|milliers?)(?![^\W\d_])"
_COUNT_WORD = (
    r"(?i:replies|reply|comments?|reposts?|retweets?|quote\s+tweets?|quotes?|likes?|views?"
    r"|shares?|bookmarks?|reactions?|plays?|réponses?|commentaires?|partages?"
    r"|(?:mentions?\s+)?j['’]aime|vues?|republications?|citations?|signets?|réactions?"
    r"|lectures?)(?![^\W\d_])"
)
_TIME_UNIT = (
    r"(?:s|secs?|seconds?|secondes?|m|mins?|minutes?|h|hrs?|hours?|heures?|d|days?|j|jours?"
    r"|w|wks?|weeks?|sem|semaines?|mo|mos|months?|mois|y|yrs?|years?|ans?)(?![^\W\d_])"
)
_RELATIVE_TIME = rf"\d{{1,3}}\s?{_TIME_UNIT}"


def _label(text: str) -> str:
    """A UI label: capitalised as the platform writes it, the rest in any case. "see more" at the
    end of a sentence is content; "See more" on its own is a button."""
    return re.escape(text[0]) + "(?i:" + re.escape(text[1:]).replace(r"\ ", r"\s+") + ")"


_UI_LABELS = (
    "Show more", "Show less", "See more", "See less", "Show translation", "See translation",
    "Translate post", "Translate Tweet", "Show original", "Afficher plus", "Afficher moins",
    "Voir plus", "Voir moins", "Voir la traduction", "Traduire le post", "Traduire le Tweet",
    "Traduire la publication", "Afficher l'original",
)  # fmt: skip

# Decorations that never read as content wherever they appear at the edge of the text.
_STRONG = re.compile(
    "(?:"
    + "|".join(
        (
            rf"(?:{_NUMBER})\s?(?:{_MAGNITUDE}\s?)?{_COUNT_WORD}",
            rf"(?i:il\s+y\s+a)\s+{_RELATIVE_TIME}",
            rf"{_RELATIVE_TIME}\s+(?i:ago)(?![^\W\d_])",
            r"\((?i:edited|modifiée?)\)",
            r"(?:Edited|Modifiée?)(?![^\W\d_])",
            r"\.\.\.\s?(?i:more|plus)(?![^\W\d_])",
            *(_label(label) + r"(?![^\W\d_])" for label in _UI_LABELS),
        )
    )
    + ")"
)
# "2h", "5 min", "4 j": decorations at the edge of the text, but also how people write durations
# and clock times ("2h de route", "rendez-vous à 14h"), so the surroundings decide (see below).
_WEAK = re.compile(_RELATIVE_TIME)
_DECORATION_LINE = re.compile(
    rf"[\s{_SEPS}]*(?:(?:{_STRONG.pattern}|{_WEAK.pattern})[\s{_SEPS}]*)*"
)
# A decoration at the end starts a word of its own ("… more" may follow the last word directly).
_STRONG_AT_END = re.compile(rf"(?:(?<![\w'’])|(?=\.))(?:{_STRONG.pattern})[\s{_SEPS}]*\Z")
_TAIL = 120  # longest decoration looked for at the end, in characters
_WEAK_AT_END = re.compile(rf"(?<![\w'’.,])(?:{_WEAK.pattern})[\s{_SEPS}]*\Z")

# A duration or clock time after one of these words is content: "à 14h", "for 2h", "depuis 3 j".
_TIME_PREPOSITIONS = frozenset(
    ("à", "a", "at", "de", "du", "des", "en", "dans", "pendant", "depuis", "vers", "environ",
     "avant", "après", "jusqu'à", "sous", "plus", "moins", "que", "for", "in", "of", "within",
     "after", "before", "about", "around", "till", "until", "by", "under", "over", "than", "~")
)  # fmt: skip


def normalize_text(text: str | None) -> str:
    """The post's words as compared between captures: NFKC, no invisible characters, no volatile
    decorations at the edges or on their own line, whitespace (line breaks too) collapsed."""
    if not text:
        return ""
    text = _INVISIBLE.sub("", unicodedata.normalize("NFKC", text))
    lines = [line.strip() for line in text.splitlines()]
    text = "\n".join(line for line in lines if not _DECORATION_LINE.fullmatch(line))
    text = _strip_trailing(_strip_leading(text))
    return " ".join(text.split())


def _strip_leading(text: str) -> str:
    while True:
        rest = text.lstrip(_EDGE)
        match = _STRONG.match(rest) or _WEAK.match(rest)
        if match is None or not _ends_decoration(rest[match.end() :]):
            return text
        text = rest[match.end() :].lstrip(_EDGE)


def _ends_decoration(after: str) -> bool:
    """Whether a leading "2h" or "Edited" is decoration: it is followed by a line break, a
    separator, another decoration or a new sentence, not by the rest of its own ("2h de route",
    "Edited by the desk")."""
    following = after.lstrip(" \t")
    if not following or following[0] == "\n" or following[0] in _SEPS:
        return True
    if _STRONG.match(following) or _WEAK.match(following):
        return True
    first = following[0]
    return first.isupper() or unicodedata.category(first).startswith("S")


def _strip_trailing(text: str) -> str:
    while True:
        # Decorations are short: searching only the tail keeps long posts linear.
        tail = max(0, len(text) - _TAIL)
        match = _STRONG_AT_END.search(text, tail)
        if match is None:
            match = _WEAK_AT_END.search(text, tail)
            if match is None or not _starts_decoration(text[: match.start()]):
                return text
        text = text[: match.start()].rstrip(_EDGE)


def _starts_decoration(before: str) -> bool:
    """Whether a trailing "2h" is a timestamp rather than a time the author wrote ("à 14h")."""
    preceding = before.rstrip(" \t")
    if not preceding or preceding[-1] == "\n" or preceding[-1] in _SEPS:
        return True
    last_word = preceding.split()[-1].lower()
    return last_word not in _TIME_PREPOSITIONS and not last_word[-1].isdigit()


def word_diff(before: str, after: str) -> list[tuple[str, str]]:
    """Word-level diff as ("equal" | "delete" | "insert", words) segments; a replacement is a
    delete followed by an insert."""
    old, new = before.split(), after.split()
    segments: list[tuple[str, str]] = []
    matcher = difflib.SequenceMatcher(a=old, b=new, autojunk=False)
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op == "equal":
            segments.append(("equal", " ".join(old[i1:i2])))
            continue
        if i2 > i1:
            segments.append(("delete", " ".join(old[i1:i2])))
        if j2 > j1:
            segments.append(("insert", " ".join(new[j1:j2])))
    return segments


def render_diff(before: str, after: str) -> str:
    """The diff as one line in the style of ``git diff --word-diff``: ``[-old-]{+new+}``."""
    out: list[str] = []
    previous = ""
    for op, words in word_diff(before, after):
        piece = {"equal": words, "delete": f"[-{words}-]", "insert": f"{{+{words}+}}"}[op]
        glue = "" if not out or (previous == "delete" and op == "insert") else " "
        out.append(glue + piece)
        previous = op
    return "".join(out)


def compare(
    before: PostSnapshot,
    after: PostSnapshot,
    *,
    media_distance: int = 6,
    visual_distance: int = 12,
) -> tuple[Change, ...]:
    """The changes between two captures that both reached ``ok``, in the order EDITED,
    MEDIA_CHANGED, VISUAL_CHANGED. Volatile parts (counts, relative times) alone give nothing.

    ``media_distance`` is the largest pHash and dHash distance at which two images are the same
    picture; ``visual_distance`` the pHash distance between post screenshots above which the post
    looks different."""
    for name, snap in (("before", before), ("after", after)):
        if snap.status != "ok":
            raise ValueError(
                f"cannot compare capture {snap.capture_id} ({name}): status is {snap.status!r}, "
                "not 'ok'; status changes are events of their own"
            )
    changes = [
        change
        for change in (_text_change(before, after), _media_change(before, after, media_distance))
        if change is not None
    ]
    if not changes:
        visual = _visual_change(before, after, visual_distance)
        if visual is not None:
            changes.append(visual)
    return tuple(changes)


def _text_change(before: PostSnapshot, after: PostSnapshot) -> Change | None:
    old, new = normalize_text(before.text), normalize_text(after.text)
    if old == new:
        return None
    diff = word_diff(old, new)
    changed = _words_changed(diff)
    noun = "word" if changed == 1 else "words"
    return Change(
        kind=EventKind.EDITED,
        summary=f"text edited: {changed} {noun} changed",
        details={
            "before": old,
            "after": new,
            "diff": [[op, words] for op, words in diff],
            "words_changed": changed,
        },
    )


def _words_changed(diff: list[tuple[str, str]]) -> int:
    """Words touched by the edit: a replacement of 2 words by 3 counts 3."""
    changed = 0
    pending_delete = 0  # a delete followed by an insert is one replacement
    for op, words in diff:
        count = len(words.split())
        if op == "delete":
            changed += count
            pending_delete = count
            continue
        if op == "insert":
            changed += max(0, count - pending_delete)
        pending_delete = 0
    return changed


def _media_change(before: PostSnapshot, after: PostSnapshot, threshold: int) -> Change | None:
    old, new = _unmatched_by_digest(before.media, after.media)
    similar = _pairs_within(old, new, threshold)
    same_old, same_new = {i for i, _ in similar}, {j for _, j in similar}
    old = [m for i, m in enumerate(old) if i not in same_old]
    new = [m for j, m in enumerate(new) if j not in same_new]
    if not old and not new:
        return None
    # What is left differs; slot by slot it is a replacement, the rest was added or removed.
    replaced = [
        {
            "before": a.sha256,
            "after": b.sha256,
            "distance": _distance(a, b),
            "before_url": a.source_url,
            "after_url": b.source_url,
        }
        for a, b in zip(old, new, strict=False)
    ]
    removed = [_media_json(m) for m in old[len(replaced) :]]
    added = [_media_json(m) for m in new[len(replaced) :]]
    parts = [
        f"{len(items)} {word}"
        for items, word in ((added, "added"), (removed, "removed"), (replaced, "replaced"))
        if items
    ]
    return Change(
        kind=EventKind.MEDIA_CHANGED,
        summary="media changed: " + ", ".join(parts),
        details={"added": added, "removed": removed, "replaced": replaced},
    )


def _unmatched_by_digest(
    old: Sequence[MediaSnapshot], new: Sequence[MediaSnapshot]
) -> tuple[list[MediaSnapshot], list[MediaSnapshot]]:
    """The images of each side that have no byte-identical twin on the other (order ignored)."""
    common = Counter(m.sha256 for m in old) & Counter(m.sha256 for m in new)
    return _without(old, Counter(common)), _without(new, Counter(common))


def _without(media: Sequence[MediaSnapshot], matched: Counter[str]) -> list[MediaSnapshot]:
    left = []
    for item in media:
        if matched[item.sha256] > 0:
            matched[item.sha256] -= 1
        else:
            left.append(item)
    return left


def _pairs_within(
    old: Sequence[MediaSnapshot], new: Sequence[MediaSnapshot], threshold: int
) -> list[tuple[int, int]]:
    """Greedy closest-first pairing of images that are the same picture re-encoded or resized."""
    candidates = sorted(
        (d, i, j)
        for i, a in enumerate(old)
        for j, b in enumerate(new)
        if (d := _distance(a, b)) is not None and d <= threshold
    )
    used_old: set[int] = set()
    used_new: set[int] = set()
    pairs = []
    for _, i, j in candidates:
        if i not in used_old and j not in used_new:
            used_old.add(i)
            used_new.add(j)
            pairs.append((i, j))
    return pairs


def _distance(a: MediaSnapshot, b: MediaSnapshot) -> int | None:
    """The larger of the pHash and dHash distances known for both images, or None if neither is."""
    known = [
        d
        for d in (_hash_distance(a.phash, b.phash), _hash_distance(a.dhash, b.dhash))
        if d is not None
    ]
    return max(known) if known else None


def _hash_distance(a: str | None, b: str | None) -> int | None:
    if not a or not b:
        return None
    import imagehash  # numpy with it: loaded only to compare images

    try:
        return int(imagehash.hex_to_hash(a) - imagehash.hex_to_hash(b))
    except (ValueError, TypeError):  # not hex, or hashes of different sizes: not comparable
        return None


def _media_json(media: MediaSnapshot) -> dict[str, str | None]:
    return {"sha256": media.sha256, "source_url": media.source_url}


def _visual_change(before: PostSnapshot, after: PostSnapshot, threshold: int) -> Change | None:
    distance = _hash_distance(before.post_screenshot_phash, after.post_screenshot_phash)
    if distance is None or distance <= threshold:
        return None
    return Change(
        kind=EventKind.VISUAL_CHANGED,
        summary=f"post looks different: screenshot distance {distance} (threshold {threshold})",
        details={
            "distance": distance,
            "threshold": threshold,
            "before_screenshot": _path_text(before),
            "after_screenshot": _path_text(after),
        },
    )


def _path_text(snap: PostSnapshot) -> str | None:
    return snap.post_screenshot
