"""Instagram posts and reels (``/p/CODE/``, ``/reel/CODE/``, ``/USER/p/CODE/``, instagr.am) and
comments (``/p/CODE/c/ID/``).

The post's data (``shortcode_media``) is read wherever the page received it: the GraphQL answers
its app loads, ``window._sharedData`` and ``__additionalDataLoaded`` in the HTML, and the public
embed page (``/p/CODE/embed/captioned/``, same origin), which is fetched and kept. Instagram's
oEmbed needs an app token on another origin, so it is read only when the page itself loaded it.
Then the page's metadata, then the rendered post."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping
from typing import Any, ClassVar

from archiver.models import Status
from archiver.platforms._page import ServedPage
from archiver.platforms._structured import StructuredAdapter, dig, oembed_answers, oembed_fields
from archiver.platforms.base import GENERIC_PHRASES, AdapterCase, Phrases, PostRef, UrlCase

_HOST = r"(?:(?:www|m)\.)?instagram\.com|instagr\.am"
_CODE = r"[A-Za-z0-9_-]{5,48}"
_KIND = r"(?:p|reels?|tv)"
_END = r"/?(?:[?#].*)?$"
SITE = "https://www.instagram.com"


class InstagramAdapter(StructuredAdapter):
    NAME = "instagram"
    LABEL = "Instagram"
    STRUCTURED_TYPE = "text/html"
    PATTERNS = (
        re.compile(
            rf"^https?://(?:{_HOST})/(?:[A-Za-z0-9_.]{{1,30}}/)?{_KIND}/(?P<post>{_CODE})/c/(?P<id>\d{{5,25}}){_END}",
            re.IGNORECASE,
        ),
        re.compile(
            rf"^https?://(?:{_HOST})/(?:[A-Za-z0-9_.]{{1,30}}/)?{_KIND}/(?P<id>{_CODE}){_END}",
            re.IGNORECASE,
        ),
    )
    # Server-rendered: the post (or the page saying why there is none) is there at load.
    READY_SELECTOR = "article time[datetime], body"
    POST_SELECTOR = "article"
    PHRASES = Phrases(
        not_found=(
            "sorry, this page isn't available",
            "sorry, this page isn’t available",
            "this post is unavailable",
        ),
        suspended=GENERIC_PHRASES.suspended,
        login_wall=(
            "this account is private",
            "log in to see photos and videos",
            "you must be 18 years old or over to see this",
            "log in to confirm your age",
        ),
        login_url_parts=("/accounts/login", "/challenge/"),
    )
    EXTRACT_JS = r"""
    async (ctx) => {
      const meta = (key) => { const el = document.querySelector(`meta[property="${key}"], meta[name="${key}"]`); return el ? el.getAttribute('content') : null; };
      const userOf = (el) => {
        const a = el && el.querySelector('a[href]');
        const m = a && (a.getAttribute('href') || '').match(/^(?:https?:\/\/[^/]+)?\/([\w.]+)\/?$/);
        return m ? m[1] : null;
      };
      const article = document.querySelector('article');
      if (!article) return null;
      if (ctx.comment) {
        const link = [...article.querySelectorAll(`a[href*="/c/${ctx.comment}"]`)].find((a) => a.querySelector('time'));
        const item = link && link.closest('li');
        if (!item) return null;
        item.setAttribute('data-postproof-post', '1');
        const user = userOf(item.querySelector('h3, h2'));
        const text = item.querySelector('span[dir="auto"]');
        return {author: null, handle: user ? '@' + user : null, posted_at: link.querySelector('time').getAttribute('datetime'),
                text: text ? text.innerText : null, media: [], reply_to: abs(`/p/${ctx.code}/`), quote_of: null};
      }
      article.setAttribute('data-postproof-post', '1');
      const user = userOf(article.querySelector('header'));
      const caption = article.querySelector('h1');
      // The post's own time links to the post; a comment's links to the comment.
      const stamp = [...article.querySelectorAll('a[href] time[datetime]')].find((t) => !/\/c\/\d/.test(t.closest('a').getAttribute('href')));
      const shown = [...article.querySelectorAll('img, video')]
        .filter((m) => !m.closest('header') && !m.closest('ul') && !/profile picture$/.test(m.getAttribute('alt') || ''))
        .map((m) => ({url: abs(m.getAttribute('src') || m.getAttribute('poster')), kind: m.tagName === 'VIDEO' ? 'video' : 'image', alt: m.getAttribute('alt') || null}))
        .filter((m) => m.url);
      const title = (meta('og:title') || '').match(/^(.*?) on Instagram/);
      const out = {author: title ? title[1] : null, handle: user ? '@' + user : null,
                   posted_at: stamp ? stamp.getAttribute('datetime') : null, text: caption ? caption.innerText : null,
                   media: shown, reply_to: null, quote_of: null};
      const structured = await fetchSameOrigin(`${location.origin}/p/${ctx.code}/embed/captioned/`, 'text/html', ctx.maxBytes);
      return {...out, structured: structured};
    }
    """

    TESTS: ClassVar[tuple[AdapterCase, ...]] = (
        AdapterCase(
            "https://www.instagram.com/p/DFbA1cQsT9u/",
            Status.OK,
            author="Atelier Soie",
            handle="@atelier.soie",
            posted_at="2025-01-23T17:45:00+00:00",
            text_contains="foulards",
            media_count=1,
            post_screenshot=True,
        ),
        AdapterCase(
            "https://www.instagram.com/atelier.soie/p/DFbB2dRsU0v/",
            Status.OK,
            handle="@atelier.soie",
            media_count=2,
        ),
        AdapterCase(
            "https://www.instagram.com/p/DFbA1cQsT9u/c/18050000000000001/",
            Status.OK,
            handle="@lucie.brodeuse",
            text_contains="teintures",
            reply_to_contains="/p/DFbA1cQsT9u/",
            post_screenshot=True,
        ),
        AdapterCase("https://www.instagram.com/p/DFb00GoneZ9/", Status.NOT_FOUND),
        AdapterCase("https://www.instagram.com/p/DFb00LockW8/", Status.LOGIN_WALL),
        AdapterCase("https://www.instagram.com/reel/DFb00AgeV7/", Status.LOGIN_WALL),
    )
    URL_CASES: ClassVar[tuple[UrlCase, ...]] = (
        # Posts, reels, the user-prefixed form, instagr.am, comments.
        UrlCase(
            "https://www.instagram.com/p/DFbA1cQsT9u/?igsh=abc",
            post_id="DFbA1cQsT9u",
            canonical="https://www.instagram.com/p/DFbA1cQsT9u/",
        ),
        UrlCase(
            "https://instagram.com/reel/DFbA1cQsT9u",
            post_id="DFbA1cQsT9u",
            canonical="https://www.instagram.com/p/DFbA1cQsT9u/",
        ),
        UrlCase(
            "https://www.instagram.com/atelier.soie/p/DFbA1cQsT9u/",
            post_id="DFbA1cQsT9u",
            canonical="https://www.instagram.com/p/DFbA1cQsT9u/",
        ),
        UrlCase(
            "http://instagr.am/p/DFbA1cQsT9u/",
            post_id="DFbA1cQsT9u",
            canonical="https://www.instagram.com/p/DFbA1cQsT9u/",
        ),
        UrlCase(
            "https://www.instagram.com/p/DFbA1cQsT9u/c/18050000000000001/",
            post_id="DFbA1cQsT9u/18050000000000001",
            canonical="https://www.instagram.com/p/DFbA1cQsT9u/c/18050000000000001/",
        ),
        UrlCase("https://www.instagram.com/atelier.soie/", matches=False),
        UrlCase(
            "https://www.instagram.com/stories/atelier.soie/3456789012345678901/", matches=False
        ),
    )
    FIXTURES = (
        "instagram_live",
        "instagram_media_user_path",
        "instagram_reply",
        "instagram_deleted",
        "instagram_login_wall",
        "instagram_age_gate",
    )

    @classmethod
    def post_ref(cls, url: str) -> PostRef:
        found = cls.match(url)
        assert found is not None
        post = found.groupdict().get("post")
        if post:
            comment = found.group("id")
            return PostRef(cls.NAME, f"{post}/{comment}", f"{SITE}/p/{post}/c/{comment}/")
        code = found.group("id")
        return PostRef(cls.NAME, code, f"{SITE}/p/{code}/")

    def js_args(self, ref: PostRef, url: str) -> dict[str, Any]:
        code, _, comment = (ref.post_id or "").partition("/")
        return {**super().js_args(ref, url), "code": code, "comment": comment or None}

    def structured(self, page: ServedPage, ref: PostRef) -> Iterator[tuple[str, Mapping[str, Any]]]:
        code, _, comment = (ref.post_id or "").partition("/")
        if comment:
            return
        for _, answer in page.json_answers(re.compile(r"/graphql|/api/v1/media/")):
            for media in _find_media(answer, code):
                yield "instagram graphql", media_fields(media)
        shared = page.embedded_json(r"window\._sharedData\s*=\s*")
        for post in dig(shared, "entry_data", "PostPage") or ():
            media = dig(post, "graphql", "shortcode_media")
            if isinstance(media, Mapping) and media.get("shortcode") == code:
                yield "instagram _sharedData", media_fields(media)
        extra = page.embedded_json(r"__additionalDataLoaded\(\s*'[^']*'\s*,\s*")
        for media in _find_media(extra, code):
            yield "instagram page data", media_fields(media)
        for answer in oembed_answers(page, code):
            found = oembed_fields(answer)
            still = answer.get("thumbnail_url")
            if not found["media"] and isinstance(still, str):
                found["media"] = [{"url": still, "kind": "image"}]  # the post's first image
            yield "instagram oembed", found

    def endpoints(
        self, raw: Mapping[str, Any] | None, ref: PostRef
    ) -> Iterator[tuple[str, Mapping[str, Any]]]:
        code, _, comment = (ref.post_id or "").partition("/")
        body = self.structured_body(raw)
        if comment or not body:
            return
        found = re.search(r"__additionalDataLoaded\(\s*'extra'\s*,\s*", body)
        if not found:
            return
        try:
            data, _ = json.JSONDecoder().raw_decode(body, found.end())
        except ValueError:
            return
        for media in _find_media(data, code):
            yield "instagram embed page", media_fields(media)


def _find_media(value: Any, code: str, depth: int = 0) -> Iterator[Mapping[str, Any]]:
    """Every ``shortcode_media``-like object for the post ``code`` in a JSON value."""
    if depth > 12 or not code:
        return
    if isinstance(value, Mapping):
        if value.get("shortcode") == code or value.get("code") == code:
            yield value
            return
        for item in value.values():
            yield from _find_media(item, code, depth + 1)
    elif isinstance(value, list):
        for item in value[:200]:
            yield from _find_media(item, code, depth + 1)


def media_fields(media: Mapping[str, Any]) -> dict[str, Any]:
    """A post's fields from Instagram's ``shortcode_media`` (web) or ``items[]`` (app) object."""
    owner = media.get("owner") or media.get("user") or {}
    caption = dig(media, "edge_media_to_caption", "edges", 0, "node", "text")
    if caption is None:
        caption = dig(media, "caption", "text")
    children = [
        edge.get("node") for edge in dig(media, "edge_sidecar_to_children", "edges") or ()
    ] or list(media.get("carousel_media") or ())
    items = [c for c in children if isinstance(c, Mapping)] or [media]
    return {
        "author": owner.get("full_name") or None,
        "handle": f"@{owner['username']}" if owner.get("username") else None,
        "posted_at": media.get("taken_at_timestamp") or media.get("taken_at"),
        "text": caption,
        "media": [_item(item) for item in items if _item(item)["url"]],
    }


def _item(item: Mapping[str, Any]) -> dict[str, Any]:
    """One photo or video of a post: a video with its still as poster (one item, not two)."""
    still = item.get("display_url") or dig(item, "image_versions2", "candidates", 0, "url")
    video = item.get("video_url") or dig(item, "video_versions", 0, "url")
    if item.get("is_video") in (True, "True", "true") or video:
        return {"url": video or still, "kind": "video", "poster": still if video else None}
    return {"url": still, "kind": "image", "alt": item.get("accessibility_caption")}
