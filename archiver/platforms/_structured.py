"""What the adapters share that read a platform's own structured form of a post.

Several platforms publish a post in a machine-readable form next to its page: Reddit's ``.json``,
Telegram's ``?embed=1`` widget, oEmbed, a Mastodon API status. An adapter built on
:class:`StructuredAdapter` fetches that form from inside the page (so the request carries the
browser's own fingerprint and goes through the capture's network rules), from the page's own
origin only, without cookies, and reads at most ``MAX_STRUCTURED_BYTES`` of it. ``EXTRACT_JS``
returns it under the key ``structured`` as ``{url, type, body}``; :meth:`StructuredAdapter.extras`
keeps it as an :attr:`~archiver.models.ArtifactKind.STRUCTURED` artifact, and the adapter prefers
its fields to the page's, since a platform's markup changes far more often than its formats.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping
from typing import Any, ClassVar

from archiver.models import Artifact, ArtifactKind
from archiver.platforms._page import html_text
from archiver.platforms.base import PRELUDE_JS, Adapter, PostRef

MAX_STRUCTURED_BYTES = 2_000_000
_MEDIA_TYPE = re.compile(r"[a-z0-9][a-z0-9.+-]{0,63}/[a-z0-9][a-z0-9.+-]{0,63}")

# ``fetchSameOrigin(href, accept, maxBytes)``: the body as text, or null when the target is on
# another origin, the answer is not 2xx, or the body is larger than maxBytes (read as a stream, so
# a huge answer is cut off rather than held in memory).
FETCH_JS = r"""
const fetchSameOrigin = async (href, accept, maxBytes) => {
  const target = abs(href);
  if (!target || new URL(target).origin !== location.origin) return null;
  try {
    const r = await fetch(target, {headers: {Accept: accept}, credentials: 'omit', redirect: 'follow'});
    if (!r.ok || new URL(r.url).origin !== location.origin || !r.body) return null;
    if (Number(r.headers.get('content-length') || 0) > maxBytes) return null;
    const reader = r.body.getReader();
    const parts = [];
    let size = 0;
    for (;;) {
      const {done, value} = await reader.read();
      if (done) break;
      size += value.length;
      if (size > maxBytes) { await reader.cancel(); return null; }
      parts.push(value);
    }
    const bytes = new Uint8Array(size);
    let at = 0;
    for (const part of parts) { bytes.set(part, at); at += part.length; }
    const type = (r.headers.get('content-type') || '').split(';')[0].trim().toLowerCase();
    return {url: r.url, type: type, body: new TextDecoder().decode(bytes)};
  } catch (e) { return null; }
};
"""


class StructuredAdapter(Adapter):
    """An adapter whose ``EXTRACT_JS`` may call ``fetchSameOrigin`` and return its answer under
    ``structured``. ``STRUCTURED_TYPE`` is the artifact's media type when the server names none."""

    STRUCTURED_TYPE: ClassVar[str] = "application/json"

    @classmethod
    def script(cls) -> str:
        return f"(ctx) => {{ {PRELUDE_JS} {FETCH_JS} return ({cls.EXTRACT_JS.strip()})(ctx); }}"

    def js_args(self, ref: PostRef, url: str) -> dict[str, Any]:
        return {**super().js_args(ref, url), "maxBytes": MAX_STRUCTURED_BYTES}

    @staticmethod
    def structured_body(raw: Mapping[str, Any] | None) -> str | None:
        found = (raw or {}).get("structured")
        if not isinstance(found, Mapping):
            return None
        body = found.get("body")
        return body if isinstance(body, str) and body.strip() else None

    @classmethod
    def structured_json(cls, raw: Mapping[str, Any] | None) -> Any:
        """The structured form parsed as JSON; None when there is none or it is not JSON."""
        body = cls.structured_body(raw)
        if body is None:
            return None
        try:
            return json.loads(body)
        except ValueError:
            return None

    def structured_valid(self, raw: Mapping[str, Any] | None) -> bool:
        """Whether the fetched form is worth keeping; JSON adapters require it to parse."""
        if self.STRUCTURED_TYPE.endswith("json"):
            return self.structured_json(raw) is not None
        return self.structured_body(raw) is not None

    def extras(self, raw: Mapping[str, Any] | None) -> tuple[Artifact, ...]:
        body = self.structured_body(raw)
        if body is None or not self.structured_valid(raw):
            return ()
        declared = str(((raw or {}).get("structured") or {}).get("type") or "")
        media_type = declared if _MEDIA_TYPE.fullmatch(declared) else self.STRUCTURED_TYPE
        return (Artifact.from_bytes(ArtifactKind.STRUCTURED, body.encode("utf-8"), media_type),)


def prefer(raw: Mapping[str, Any], preferred: Mapping[str, Any]) -> dict[str, Any]:
    """``raw`` with every value of ``preferred`` that is set (not None, not empty) put over it."""
    merged = dict(raw)
    for key, value in preferred.items():
        if value not in (None, "", [], ()):
            merged[key] = value
    return merged


def dig(value: Any, *path: str | int) -> Any:
    """``value[path[0]][path[1]]...``, or None as soon as a step is missing or of the wrong kind."""
    for step in path:
        if isinstance(step, int):
            if not isinstance(value, list) or not -len(value) <= step < len(value):
                return None
            value = value[step]
        else:
            if not isinstance(value, Mapping):
                return None
            value = value.get(step)
    return value


# -- oEmbed ------------------------------------------------------------------------------------

_BLOCKQUOTE_P = re.compile(r"<p\b[^>]*>(.*?)</p>", re.IGNORECASE | re.DOTALL)
_SHARED_BY = re.compile(
    r"(?:post|photo|video) shared by\s*(?:<a\b[^>]*>)?\s*(?P<name>[^<(]*?)\s*(?:</a>)?\s*"
    r"\(@(?P<handle>[\w.]+)\)(?:.*?<time\b[^>]*datetime=\"(?P<time>[^\"]+)\")?",
    re.IGNORECASE | re.DOTALL,
)
_POSTED_BY = re.compile(
    r"</p>\s*(?:Posted by|Publicada por|Publié par|Gepostet von)\s*<a\b[^>]*>(?P<name>[^<]+)</a>",
    re.IGNORECASE,
)


def oembed_answers(page: Any, post_id: str | None) -> Iterator[Mapping[str, Any]]:
    """The oEmbed answers the page received that are about the post ``post_id`` (their player
    markup or URL names it)."""
    key = (post_id or "").rsplit("/", 1)[-1]
    if not key:
        return
    for _, answer in page.json_answers("oembed"):
        if not isinstance(answer, Mapping) or ("html" not in answer and "title" not in answer):
            continue
        named = " ".join(str(answer.get(k) or "") for k in ("html", "url", "embed_product_id"))
        if re.search(rf"(?<![\w-]){re.escape(key)}(?![\w-])", named):
            yield answer


def oembed_fields(answer: Mapping[str, Any], *, video_url: str | None = None) -> dict[str, Any]:
    """A post's fields from an oEmbed answer: the author, the text (the ``title``, or the
    caption the embed markup quotes), and for a video the video with its thumbnail. Instagram's
    and Facebook's embed markup also name the author and, for Instagram, the time."""
    markup = str(answer.get("html") or "")
    author = answer.get("author_name")
    handle = None
    posted_at = None
    owner = re.search(r"/(@[\w.-]+)/?(?:[?#]|$)", str(answer.get("author_url") or ""))
    if owner:
        handle = owner.group(1)
    shared = _SHARED_BY.search(markup)
    if shared:  # Instagram: "A post shared by NAME (@handle) on <time datetime=…>"
        author = shared.group("name").strip() or author
        handle = "@" + shared.group("handle")
        posted_at = shared.group("time")
    posted_by = _POSTED_BY.search(markup)
    if posted_by:  # Facebook: "<p>TEXT</p>Posted by <a>NAME</a>"
        author = html_text(posted_by.group("name")) or author
    text = answer.get("title")
    if not text:
        quoted = [
            html_text(p)
            for p in _BLOCKQUOTE_P.findall(markup)
            if not _SHARED_BY.search(p) and "View this post" not in p
        ]
        text = next((q for q in quoted if q), None)
    media: list[dict[str, Any]] = []
    if answer.get("type") == "video" and video_url:
        media.append({"url": video_url, "kind": "video", "poster": answer.get("thumbnail_url")})
    return {
        "author": author,
        "handle": handle,
        "posted_at": posted_at,
        "text": text,
        "media": media,
    }
