"""Capture ids: short, random, easy to read aloud and to quote in a footnote.

Eight characters of Crockford base32 in lower case (40 bits). The alphabet leaves out ``i``,
``l``, ``o`` and ``u`` so that an id copied by hand from paper cannot be misread; when reading an
id back we apply Crockford's decoding rules (``i``/``l`` → ``1``, ``o`` → ``0``, hyphens ignored).
"""

from __future__ import annotations

import re
import secrets

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


def invalid_id_characters(normalized: str) -> str:
    """The characters of ``normalized`` that can never appear in a capture id."""
    return "".join(sorted({char for char in normalized if char not in ALPHABET}))
