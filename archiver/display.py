"""Showing captured text to a person without letting it act on their screen.

A post can hold terminal control sequences (``ESC[2J`` clears the screen, an OSC sequence retitles
the window, colour codes can fake a status or a hash) and bidirectional overrides (U+202E shows
"gpj.exe" as "exe.jpg"). postproof stores such bytes exactly, as evidence; whatever it prints for a
person shows them as visible escapes instead (``\\x1b[2J``, ``\\u202e``), and its JSON writes them
as JSON escapes, so the exact text survives a round trip.
"""

from __future__ import annotations

import re

__all__ = ["json_escapes", "visible"]

# C0 controls but tab and newline, DEL, C1 controls (0x9b is a one-byte CSI on some terminals),
# the bidirectional embeddings, overrides and isolates, the marks that steer them, and the
# Unicode line and paragraph separators some terminals treat as new lines.
_UNSAFE = re.compile(
    "[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]"
)


def _escape(match: re.Match[str]) -> str:
    code = ord(match[0])
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def visible(text: str) -> str:
    """``text`` with every control and bidi-steering character written as a visible escape."""
    return _UNSAFE.sub(_escape, text)


def json_escapes(encoded: str) -> str:
    """JSON text (from ``json.dumps(..., ensure_ascii=False)``) with the same characters as
    ``\\uXXXX`` escapes: still the same JSON value, but inert on a terminal."""
    return _UNSAFE.sub(lambda m: f"\\u{ord(m[0]):04x}", encoded)
