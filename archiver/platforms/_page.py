"""What a page served, read in Python: the layers an adapter takes a post's fields from.

The browser hands the capture every response it received (they are recorded for the WARC
anyway). :class:`ServedPage` keeps the ones that can hold a post — the document as the server sent
it, the document as the browser rendered it, and the JSON answers the page's own scripts loaded —
and reads from them what the platforms put there for machines: JSON embedded in the HTML
(``window.__DATA__ = {...}``, ``<script type="application/json">``), JSON-LD, and ``<meta>`` tags
(og:, twitter:, ``article:*``). Reading is lazy and bounded: a page sends what it likes, so only
documents and JSON bodies up to :data:`MAX_BODY_BYTES` are parsed, at most :data:`MAX_JSON_BODIES`
of them, and every helper returns None rather than raising when a source is missing or malformed
(one missing source costs one field, never the post).
"""

from __future__ import annotations

import html as htmllib
import json
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

MAX_BODY_BYTES = 8_000_000
MAX_JSON_BODIES = 64

_JSON_TYPES = ("application/json", "text/json", "application/activity+json", "application/ld+json")
_SCRIPT_TYPES = (
    "text/javascript",
    "application/javascript",
    "application/x-javascript",
    "text/plain",
)


@dataclass(frozen=True)
class Served:
    """One response as the browser received it."""

    url: str
    status: int
    content_type: str  # the media type, lower case, without parameters
    body: bytes

    @property
    def is_json(self) -> bool:
        if self.content_type in _JSON_TYPES or self.content_type.endswith("+json"):
            return True
        # Some platforms label their JSON as script or text (Facebook's oEmbed answers
        # ``text/javascript``): such a body is taken when it opens as a JSON object or array.
        return self.content_type in _SCRIPT_TYPES and self.body.lstrip()[:1] in (b"{", b"[")

    @property
    def is_html(self) -> bool:
        return self.content_type in ("text/html", "application/xhtml+xml")


@dataclass
class ServedPage:
    """The page's document (as served, and as rendered) and the JSON answers it loaded."""

    url: str
    document: str = ""  # the HTML as the server sent it (empty when it could not be read)
    rendered: str = ""  # the HTML as the browser rendered it
    responses: Sequence[Served] = ()
    _json: dict[int, Any] = field(default_factory=dict, repr=False)

    @classmethod
    def from_responses(
        cls, url: str, responses: Sequence[Served], rendered: str = ""
    ) -> ServedPage:
        """``url`` is the page's final URL: its HTML answer is the served document."""
        document = ""
        for served in responses:
            if served.is_html and _same_resource(served.url, url) and served.body:
                document = _decode(served.body[:MAX_BODY_BYTES])
                break
        kept = [s for s in responses if s.is_json and 0 < len(s.body) <= MAX_BODY_BYTES]
        return cls(url, document, rendered, tuple(kept[:MAX_JSON_BODIES]))

    # -- JSON the page loaded ----------------------------------------------------------------

    def json_answers(self, url_part: str | re.Pattern[str] = "") -> Iterator[tuple[Served, Any]]:
        """Every JSON answer whose URL contains ``url_part`` (or matches it), parsed."""
        for index, served in enumerate(self.responses):
            if isinstance(url_part, re.Pattern):
                if not url_part.search(served.url):
                    continue
            elif url_part not in served.url:
                continue
            if index not in self._json:
                try:
                    self._json[index] = json.loads(_decode(served.body))
                except ValueError:
                    self._json[index] = None
            if self._json[index] is not None:
                yield served, self._json[index]

    # -- JSON embedded in the HTML -----------------------------------------------------------

    @property
    def html(self) -> str:
        """The served document, or the rendered one when the served one was not read."""
        return self.document or self.rendered

    def embedded_json(self, start: str, *, html: str | None = None) -> Any:
        """The JSON value that follows the regular expression ``start`` in the HTML (yt-dlp's
        ``_search_json``): ``start`` ends just before the value's first character. The value is
        read with a JSON decoder, so braces inside strings cannot cut it short."""
        for text in (html,) if html is not None else self._documents():
            for found in re.finditer(start, text):
                value = _decode_json_at(text, found.end())
                if value is not None:
                    return value
        return None

    def script_json(self, element_id: str | None = None, *, type_: str | None = None) -> list[Any]:
        """The parsed contents of ``<script>`` elements with this id or type (``application/json``
        data islands such as ``__NEXT_DATA__`` or ``__UNIVERSAL_DATA_FOR_REHYDRATION__``)."""
        found: list[Any] = []
        for text in self._documents():
            for attrs, body in _scripts(text):
                if element_id is not None and attrs.get("id") != element_id:
                    continue
                if type_ is not None and attrs.get("type", "").lower() != type_:
                    continue
                try:
                    found.append(json.loads(htmllib.unescape(body) if "&quot;" in body else body))
                except ValueError:
                    continue
            if found:
                break
        return found

    @cached_property
    def json_ld(self) -> list[Mapping[str, Any]]:
        """Every JSON-LD object of the page, ``@graph`` members flattened."""
        objects: list[Mapping[str, Any]] = []

        def add(value: Any) -> None:
            if isinstance(value, list):
                for item in value:
                    add(item)
            elif isinstance(value, Mapping):
                objects.append(value)
                add(value.get("@graph"))

        for value in self.script_json(type_="application/ld+json"):
            add(value)
        return objects

    def json_ld_of(self, *types: str) -> list[Mapping[str, Any]]:
        wanted = {t.lower() for t in types}
        found = []
        for obj in self.json_ld:
            kinds = obj.get("@type")
            names = kinds if isinstance(kinds, list) else [kinds]
            if any(isinstance(n, str) and n.lower() in wanted for n in names):
                found.append(obj)
        return found

    # -- <meta> tags -------------------------------------------------------------------------

    @cached_property
    def meta(self) -> dict[str, list[str]]:
        """``<meta>`` contents by lower-cased ``property`` / ``name`` / ``itemprop``, in order."""
        found: dict[str, list[str]] = {}
        for text in self._documents():
            for tag in _META.finditer(text[:MAX_BODY_BYTES]):
                attrs = _attrs(tag.group(0))
                key = attrs.get("property") or attrs.get("name") or attrs.get("itemprop")
                content = attrs.get("content")
                if key and content is not None:
                    found.setdefault(key.lower(), []).append(content)
            if found:
                break
        return found

    def meta_first(self, *names: str) -> str | None:
        for name in names:
            for value in self.meta.get(name.lower(), ()):
                if value.strip():
                    return value.strip()
        return None

    def link_href(self, rel: str) -> str | None:
        for text in self._documents():
            for tag in _LINK.finditer(text[:MAX_BODY_BYTES]):
                attrs = _attrs(tag.group(0))
                if rel.lower() in attrs.get("rel", "").lower().split() and attrs.get("href"):
                    return attrs["href"]
        return None

    def tags(self, name: str) -> list[dict[str, str]]:
        """The attributes of every ``<name ...>`` start tag of the served (else rendered)
        document: server-rendered components such as Reddit's ``<shreddit-post>``."""
        pattern = re.compile(rf"<{re.escape(name)}\b[^>]*>", re.IGNORECASE)
        for text in self._documents():
            found = [_attrs(m.group(0)) for m in pattern.finditer(text[:MAX_BODY_BYTES])]
            if found:
                return found
        return []

    def _documents(self) -> tuple[str, ...]:
        return tuple(t for t in (self.document, self.rendered) if t)


_META = re.compile(r"<meta\b[^>]*>", re.IGNORECASE)
_LINK = re.compile(r"<link\b[^>]*>", re.IGNORECASE)
_ATTR = re.compile(r"""([a-zA-Z_:][-a-zA-Z0-9_:.]*)\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'=<>`]+))""")
_SCRIPT = re.compile(r"<script\b([^>]*)>(.*?)</script\s*>", re.IGNORECASE | re.DOTALL)


def _attrs(tag: str) -> dict[str, str]:
    found: dict[str, str] = {}
    for match in _ATTR.finditer(tag):
        value = next((g for g in match.groups()[1:] if g is not None), "")
        found.setdefault(match.group(1).lower(), htmllib.unescape(value))
    return found


def _scripts(text: str) -> Iterator[tuple[dict[str, str], str]]:
    for match in _SCRIPT.finditer(text[:MAX_BODY_BYTES]):
        yield _attrs(match.group(1)), match.group(2).strip()


def _decode_json_at(text: str, at: int) -> Any:
    while at < len(text) and text[at] in " \t\r\n":
        at += 1
    if at >= len(text) or text[at] not in "{[":
        return None
    try:
        value, _ = json.JSONDecoder().raw_decode(text, at)
    except ValueError:
        return None
    return value


def _decode(body: bytes) -> str:
    return body.decode("utf-8", errors="replace")


def _same_resource(a: str, b: str) -> bool:
    return a.split("#", 1)[0].rstrip("/") == b.split("#", 1)[0].rstrip("/")


def html_text(fragment: str | None) -> str | None:
    """Text of an HTML fragment (a Mastodon status's ``content``, a Telegram message's inner
    HTML): ``<br>`` and paragraph ends become line breaks, tags go, entities are decoded."""
    if fragment is None:
        return None
    text = re.sub(r"<br\s*/?>", "\n", fragment, flags=re.IGNORECASE)
    text = re.sub(r"</p\s*>\s*<p[^>]*>", "\n\n", text, flags=re.IGNORECASE)
    text = re.sub(r"<[^>]+>", "", text)
    return htmllib.unescape(text).strip() or None
