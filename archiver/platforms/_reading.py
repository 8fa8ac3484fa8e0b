"""A post's fields gathered source by source, with where each came from.

Adapters offer what each source holds, most reliable source first (the platform's own structured
data, then its public endpoints, then page metadata, then the rendered DOM). The first source that
has a field sets it; a later source that says something else about a field already set is kept as
a *conflict* (both values survive: the first in the post, the other in the provenance notes).
Some sources hold a shortened form of a field (an ``og:description`` cut with "…"): offered as
``partial``, such a value is used only when no other source has the field, and never conflicts
with a full value it is the beginning of.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from archiver.models import Media, PostFields
from archiver.platforms.base import clean, clean_text, parse_time

FIELDS = ("author", "handle", "posted_at", "text", "lang", "media", "reply_to", "quote_of")
# Fields whose disagreement between two sources matters enough to be written down.
_COMPARED = ("author", "handle", "posted_at", "text")


@dataclass(frozen=True)
class Conflict:
    field: str
    kept_from: str
    other_source: str
    other_value: str

    def note(self) -> str:
        shown = self.other_value if len(self.other_value) <= 160 else self.other_value[:159] + "…"
        return (
            f"sources disagree on the post's {self.field}: kept the value from {self.kept_from}; "
            f"{self.other_source} says “{shown}”"
        )

    def to_json(self) -> dict[str, str]:
        return {
            "field": self.field,
            "kept_from": self.kept_from,
            "source": self.other_source,
            "value": self.other_value,
        }


@dataclass
class Reading:
    values: dict[str, Any] = field(default_factory=dict)
    sources: dict[str, str] = field(default_factory=dict)
    partial: dict[str, tuple[Any, str]] = field(default_factory=dict)
    conflicts: list[Conflict] = field(default_factory=list)

    def offer(
        self, source: str, values: Mapping[str, Any] | None, *, partial: bool = False
    ) -> None:
        """Take from ``values`` every field not yet set; note where a set field disagrees."""
        for name, value in (values or {}).items():
            if name not in FIELDS:
                continue
            value = _normal(name, value)
            if value in (None, "", ()):
                continue
            if partial:
                self.partial.setdefault(name, (value, source))
                continue
            if name not in self.values:
                self.values[name] = value
                self.sources[name] = source
            elif name in _COMPARED and not _agree(name, self.values[name], value):
                self.conflicts.append(Conflict(name, self.sources[name], source, _shown(value)))

    def has_post(self) -> bool:
        """Whether the sources so far say what the post is (its text, or its media with an
        author or a time)."""
        values = {**{k: v for k, (v, _) in self.partial.items()}, **self.values}
        return bool(values.get("text")) or bool(
            values.get("media") and (values.get("author") or values.get("posted_at"))
        )

    def post(self, platform: str, post_id: str | None, expected: tuple[str, ...]) -> PostFields:
        for name, (value, source) in self.partial.items():
            if name not in self.values:
                self.values[name] = value
                cut = name == "text" and shortened(value)
                self.sources[name] = f"{source} (shortened)" if cut else source
            elif name in _COMPARED and not _agree(name, self.values[name], value):
                self.conflicts.append(Conflict(name, self.sources[name], source, _shown(value)))
        self.partial.clear()
        get = self.values.get
        missing = tuple(name for name in expected if not get(name))
        return PostFields(
            platform=platform,
            post_id=post_id,
            author=get("author"),
            handle=get("handle"),
            posted_at=get("posted_at"),
            text=get("text"),
            lang=get("lang"),
            media=get("media") or (),
            reply_to=get("reply_to"),
            quote_of=get("quote_of"),
            sources=dict(self.sources),
            missing=missing,
            conflicts=tuple(c.to_json() for c in self.conflicts),
        )


def _normal(name: str, value: Any) -> Any:
    if name == "posted_at":
        return value if isinstance(value, datetime) else parse_time(value)
    if name == "text":
        return clean_text(value)
    if name == "media":
        return media_tuple(value)
    return clean(value)


def media_tuple(items: Any) -> tuple[Media, ...]:
    """Media items (``Media`` or ``{url, kind, alt}``) without repeats of one URL."""
    found: list[Media] = []
    seen: set[str] = set()
    for item in items or ():
        if isinstance(item, Media):
            media = item
        elif isinstance(item, Mapping) and item.get("url"):
            poster = item.get("poster")
            media = Media(
                url=str(item["url"]),
                kind=str(item.get("kind") or "image"),
                alt=clean(item.get("alt")),
                poster=str(poster) if poster else None,
            )
        else:
            continue
        if media.url not in seen:
            seen.add(media.url)
            found.append(media)
    # A video's poster offered as an image of its own is the same still: one video, not two items.
    posters = {m.poster for m in found if m.poster}
    return tuple(m for m in found if not (m.kind == "image" and m.url in posters))


def _comparable(text: str) -> str:
    text = unicodedata.normalize("NFKC", text).casefold()
    text = re.sub(r"https?://\S+", "", text)  # links are shortened differently by each source
    return re.sub(r"[\W_]+", "", text)


def _agree(name: str, kept: Any, other: Any) -> bool:
    if name == "posted_at":
        if not isinstance(other, datetime):
            return False
        if _date_only(kept) or _date_only(other):
            return kept.date() == other.date()  # a day ("2016-05-26") agrees with its hours
        return abs((kept - other).total_seconds()) < 60
    if name == "handle":
        return _comparable(str(kept)).split("@")[0] == _comparable(str(other)).split("@")[0] or (
            str(kept).lstrip("@").split("@")[0].lower()
            == str(other).lstrip("@").split("@")[0].lower()
        )
    a, b = _comparable(str(kept)), _comparable(str(other))
    # One source may quote the other (a summary "X shared a photo: “TEXT”") or cut it short.
    return a == b or (bool(b) and b in a) or (bool(a) and a in b)


def _date_only(moment: datetime) -> bool:
    return (moment.hour, moment.minute, moment.second, moment.microsecond) == (0, 0, 0, 0)


def _shown(value: Any) -> str:
    if isinstance(value, datetime):
        return value.isoformat()
    return str(value)


def shortened(text: str | None) -> bool:
    """Whether a metadata text looks cut by the platform (ends with an ellipsis)."""
    return bool(text) and str(text).rstrip().endswith(("…", "..."))
