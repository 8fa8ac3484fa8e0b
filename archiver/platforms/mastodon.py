"""Mastodon, on any instance. Status pages are server-rendered; the ActivityPub ``Note`` behind
``link rel=alternate type=application/activity+json`` is fetched from the page's own origin and
kept as an artifact, and preferred for the post's fields."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from html.parser import HTMLParser
from typing import Any, ClassVar

from archiver.models import Artifact, ArtifactKind, Status
from archiver.platforms.base import Adapter, AdapterCase, Phrases, PostRef

MAX_ACTIVITYPUB_BYTES = 2_000_000


class MastodonAdapter(Adapter):
    NAME = "mastodon"
    PATTERNS = (
        re.compile(
            r"^https?://(?P<host>[a-z0-9.-]+\.[a-z]{2,})/@(?P<user>[A-Za-z0-9_.]{1,64})"
            r"(?:@[a-z0-9.-]+)?/(?P<id>\d{1,20})/?(?:[?#].*)?$",
            re.IGNORECASE,
        ),
        re.compile(
            r"^https?://(?P<host>[a-z0-9.-]+\.[a-z]{2,})/users/(?P<user>[A-Za-z0-9_.]{1,64})"
            r"/statuses/(?P<id>\d{1,20})/?(?:[?#].*)?$",
            re.IGNORECASE,
        ),
    )
    READY_SELECTOR = ".detailed-status, .status__content, body"
    PHRASES = Phrases(
        not_found=("the page you are looking for isn't here", "this post has been deleted"),
        suspended=("this account has been suspended", "account suspended"),
        login_wall=("login to ", "log in to ", "sign in to "),
        login_url_parts=("/auth/sign_in", "/login"),
    )
    EXTRACT_JS = r"""
    async (ctx) => {
      const main = document.querySelector('.detailed-status') ||
        document.querySelector(`[data-status-id="${ctx.statusId}"]`);
      if (!main) return null;
      main.setAttribute('data-postproof-post', '1');
      const q = (sel) => main.querySelector(sel);
      const textEl = q('.status__content__text') || q('.status__content');
      const time = q('time[datetime]');
      const media = [...main.querySelectorAll('.media-gallery img, .media-gallery video, video')]
        .map((m) => ({url: abs(m.getAttribute('src')), kind: m.tagName === 'VIDEO' ? 'video' : 'image', alt: m.getAttribute('alt')}));
      let activitypub = null;
      const alt = document.querySelector('link[rel="alternate"][type="application/activity+json"]');
      if (alt) {
        const target = abs(alt.getAttribute('href'));
        // Same origin only: the page's own server vouches for the JSON, and CORS allows it.
        if (target && new URL(target).origin === location.origin) {
          try {
            const r = await fetch(target, {headers: {Accept: 'application/activity+json'}, credentials: 'omit'});
            const body = await r.text();
            if (r.ok && body.length <= ctx.maxBytes) activitypub = body;
          } catch (e) { activitypub = null; }
        }
      }
      return {
        author: (q('.display-name__html') || {}).innerText || null,
        handle: (q('.display-name__account') || {}).innerText || null,
        posted_at: time ? time.getAttribute('datetime') : null,
        text: textEl ? textEl.innerText : null,
        lang: textEl ? textEl.getAttribute('lang') : null,
        media: media.filter((m) => m.url),
        reply_to: main.getAttribute('data-in-reply-to'),
        quote_of: null,
        activitypub: activitypub,
      };
    }
    """

    TESTS: ClassVar[tuple[AdapterCase, ...]] = (
        AdapterCase(
            "https://mastodon.example/@emile/113000000000000001",
            Status.OK,
            author="Émile Garnier",
            handle="@emile@mastodon.example",
            posted_at="2025-01-16T08:00:00+00:00",
            text_contains="outil d'archivage",
            media_count=1,
            post_screenshot=True,
        ),
        AdapterCase(
            "https://mastodon.example/@lea/113000000000000002",
            Status.OK,
            author="Léa Moreau",
            reply_to_contains="/users/emile/statuses/113000000000000001",
        ),
        AdapterCase("https://mastodon.example/@ghost/113000000000000003", Status.NOT_FOUND),
        AdapterCase("https://mastodon.example/@ghost/113000000000000005", Status.SUSPENDED),
        AdapterCase("https://mastodon.example/@ghost/113000000000000006", Status.LOGIN_WALL),
    )

    @classmethod
    def post_ref(cls, url: str) -> PostRef:
        found = cls.match(url)
        assert found is not None
        host = found.group("host").lower()
        user = found.group("user")
        # Status ids are only unique within one instance.
        return PostRef(
            cls.NAME, f"{host}/{found.group('id')}", f"https://{host}/@{user}/{found.group('id')}"
        )

    def js_args(self, ref: PostRef, url: str) -> dict[str, Any]:
        return {
            **super().js_args(ref, url),
            "statusId": (ref.post_id or "").rsplit("/", 1)[-1],
            "maxBytes": MAX_ACTIVITYPUB_BYTES,
        }

    def fields(self, raw: Mapping[str, Any] | None, ref: PostRef):  # type: ignore[no-untyped-def]
        if not raw:
            return None
        note = _note(raw.get("activitypub"))
        if note:
            merged = dict(raw)
            merged["text"] = html_to_text(str(note.get("content") or "")) or raw.get("text")
            merged["posted_at"] = note.get("published") or raw.get("posted_at")
            merged["reply_to"] = note.get("inReplyTo") or raw.get("reply_to")
            content_map = note.get("contentMap")
            if isinstance(content_map, dict) and len(content_map) == 1:
                merged["lang"] = next(iter(content_map))
            attachments = [a for a in note.get("attachment") or [] if isinstance(a, dict)]
            if attachments:
                merged["media"] = [
                    {"url": a.get("url"), "kind": _kind(a.get("mediaType")), "alt": a.get("name")}
                    for a in attachments
                    if isinstance(a.get("url"), str)
                ]
            raw = merged
        return super().fields(raw, ref)

    def extras(self, raw: Mapping[str, Any] | None) -> tuple[Artifact, ...]:
        body = (raw or {}).get("activitypub")
        if not body or _note(body) is None:
            return ()
        return (
            Artifact.from_bytes(
                ArtifactKind.ACTIVITYPUB, str(body).encode("utf-8"), "application/activity+json"
            ),
        )


def _note(body: Any) -> dict[str, Any] | None:
    if not body:
        return None
    try:
        note = json.loads(body)
    except (TypeError, ValueError):
        return None
    if isinstance(note, dict) and note.get("type") in ("Note", "Article", "Question", "Page"):
        return note
    return None


def _kind(media_type: Any) -> str:
    text = str(media_type or "")
    return "video" if text.startswith("video/") else "image"


class _TextExtractor(HTMLParser):
    BREAKS = frozenset({"br"})
    BLOCKS = frozenset({"p", "div", "li", "blockquote"})

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._hidden = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        classes = (dict(attrs).get("class") or "").split()
        if tag == "span" and "invisible" in classes:
            self._hidden += 1
        if tag in self.BREAKS:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag == "span" and self._hidden:
            self._hidden -= 1
        if tag in self.BLOCKS:
            self.parts.append("\n\n")

    def handle_data(self, data: str) -> None:
        if not self._hidden:
            self.parts.append(data)


def html_to_text(html: str) -> str:
    """Mastodon's post HTML as the text a reader sees (paragraphs, line breaks, no hidden
    URL parts)."""
    parser = _TextExtractor()
    parser.feed(html)
    parser.close()
    text = "".join(parser.parts)
    return re.sub(r"\n{3,}", "\n\n", text).strip()
