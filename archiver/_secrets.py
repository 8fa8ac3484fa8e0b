"""Keeping the values of a logged-in session out of the evidence.

Headers that carry secrets are redacted where they are recorded (:func:`redact_headers`). But a
page can echo a cookie anywhere: in its HTML, its text, a JSON answer, another header, a URL, or
through ``document.cookie``. When a capture runs logged in, every value it knows to be secret —
the cookies imported for the site and those the browser holds when the page is done — is
replaced by :data:`MARKER` in the live page before it is recorded (so that the screenshots do not
show it either) and in every recorded byte before anything is hashed. The capture's provenance
says how many were replaced; nothing signed ever held the value.

Values shorter than :data:`MIN_SECRET` characters (``1``, ``en``, ``true``) are flags, not
secrets: replacing them would deface the page and they are left alone.
"""

from __future__ import annotations

import dataclasses
import html
import json
from collections.abc import Iterable, Mapping
from typing import TypeVar, cast
from urllib.parse import quote, quote_plus, unquote

T = TypeVar("T")

MARKER = "[secret removed by postproof]"
MIN_SECRET = 8


@dataclasses.dataclass
class Scrubber:
    """Replaces known secret values, as written and in their usual encodings (URL-encoded,
    JSON-escaped, HTML-escaped), counting each replacement."""

    secrets: tuple[str, ...] = ()
    replaced: int = 0

    @classmethod
    def of(cls, values: Iterable[str]) -> Scrubber:
        scrubber = cls()
        scrubber.add(values)
        return scrubber

    def add(self, values: Iterable[str]) -> None:
        found = set(self.secrets)
        for value in values:
            for plain in {value, unquote(value)}:  # cookie values are often URL-encoded
                if len(plain) >= MIN_SECRET:
                    found.update(form for form in _forms(plain) if len(form) >= MIN_SECRET)
        # Longest first: a secret that holds another is replaced whole.
        self.secrets = tuple(sorted(found, key=lambda s: (-len(s), s)))

    def __bool__(self) -> bool:
        return bool(self.secrets)

    def text(self, value: str) -> str:
        for secret in self.secrets:
            if secret in value:
                self.replaced += value.count(secret)
                value = value.replace(secret, MARKER)
        return value

    def maybe_text(self, value: str | None) -> str | None:
        return None if value is None else self.text(value)

    def data(self, value: bytes) -> bytes:
        for secret in self.secrets:
            needle = secret.encode("utf-8")
            if needle in value:
                self.replaced += value.count(needle)
                value = value.replace(needle, MARKER.encode("utf-8"))
        return value

    def pairs(self, pairs: Iterable[tuple[str, str]]) -> tuple[tuple[str, str], ...]:
        return tuple((self.text(name), self.text(value)) for name, value in pairs)

    def value(self, value: T) -> T:
        """The same value with every string and byte string in it scrubbed: through frozen
        dataclasses, tuples, lists and mappings; anything else is returned as it is."""
        return cast(T, self._value(value))

    def _value(self, value: object) -> object:
        if isinstance(value, str):
            return self.text(value)
        if isinstance(value, bytes):
            return self.data(value)
        if isinstance(value, tuple):
            return tuple(self._value(v) for v in value)
        if isinstance(value, list):
            return [self._value(v) for v in value]
        if isinstance(value, Mapping):
            return {self._value(k): self._value(v) for k, v in value.items()}
        if dataclasses.is_dataclass(value) and not isinstance(value, type):
            changes = {
                f.name: self._value(getattr(value, f.name))
                for f in dataclasses.fields(value)
                if f.init
            }
            return dataclasses.replace(value, **changes)
        return value


def _forms(value: str) -> set[str]:
    """The value as written and as the usual encodings write it."""
    return {
        value,
        quote(value, safe=""),
        quote(value),
        quote(value, safe="/:=&?"),
        quote_plus(value),
        json.dumps(value, ensure_ascii=True)[1:-1],
        json.dumps(value, ensure_ascii=False)[1:-1],
        html.escape(value),
        html.escape(value, quote=False),
    }
