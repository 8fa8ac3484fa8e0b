"""Capture ids: short, random, easy to read aloud and to quote in a footnote.

Eight characters of Crockford base32 in lower case (40 bits). The alphabet leaves out ``i``,
``l``, ``o`` and ``u`` so that an id copied by hand from paper cannot be misread; when reading an
id back we apply Crockford's decoding rules (``i``/``l`` → ``1``, ``o`` → ``0``, hyphens ignored).
"""

from __future__ import annotations

import re
import secrets
from typing import TYPE_CHECKING, Any, TypeVar

if TYPE_CHECKING:
    from sqlmodel.sql.expression import SelectOfScalar

_T = TypeVar("_T")

ALPHABET = "0123456789abcdefghjkmnpqrstvwxyz"
ID_LENGTH = 8
MIN_PREFIX = 4

_ID_PATTERN = re.compile(rf"[{ALPHABET}]{{{ID_LENGTH}}}")
_CROCKFORD_ALIASES = str.maketrans({"i": "1", "l": "1", "o": "0"})


def new_capture_id() -> str:
    return "".join(secrets.choice(ALPHABET) for _ in range(ID_LENGTH))


def is_capture_id(text: str) -> bool:
    return _ID_PATTERN.fullmatch(text) is not None


def normalize_id_text(text: str) -> str:
    """Lower-case ``text`` and apply Crockford's decoding aliases; no validation."""
    return text.strip().lower().replace("-", "").translate(_CROCKFORD_ALIASES)


def prefix_bounds(prefix: str) -> tuple[str, str | None]:
    """The ids starting with ``prefix`` (of :data:`ALPHABET` characters) are those from the first
    bound inclusive to the second exclusive (``None``: no upper bound). A range over the key is
    read from its index on both engines, where ``LIKE 'prefix%'`` scans every id."""
    kept = prefix.rstrip(ALPHABET[-1])
    if not kept:
        return prefix, None
    after = ALPHABET[ALPHABET.index(kept[-1]) + 1]
    return prefix, kept[:-1] + after


def starting_with(query: SelectOfScalar[_T], column: Any, prefix: str) -> SelectOfScalar[_T]:
    """``query`` narrowed to the ids in ``column`` that start with ``prefix``, in order, at most
    11 (enough to show ten and say there are more)."""
    low, high = prefix_bounds(prefix)
    query = query.where(column >= low)
    if high is not None:
        query = query.where(column < high)
    return query.order_by(column).limit(11)


def invalid_id_characters(normalized: str) -> str:
    """The characters of ``normalized`` that can never appear in a capture id."""
    return "".join(sorted({char for char in normalized if char not in ALPHABET}))
