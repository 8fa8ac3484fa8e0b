"""Instagram posts and reels (``/p/CODE/``, ``/reel/CODE/``, ``/USER/p/CODE/``, instagr.am) and
comments (``/p/CODE/c/ID/``). Instagram's oEmbed needs an app token on another origin, so the
post's structured form is its public embed page (``/p/CODE/embed/captioned/``, same origin): it is
fetched, kept, and its data (``shortcode_media``) preferred for the fields."""

from __future__ import annotations

import re
from typing import Any, ClassVar

from archiver.models import Status
from archiver.platforms._structured import StructuredAdapter
from archiver.platforms.base import GENERIC_PHRASES, AdapterCase, Phrases, PostRef

_HOST = r"(?:(?:www|m)\.)?instagram\.com|instagr\.am"
_CODE = r"[A-Za-z0-9_-]{5,48}"
_KIND = r"(?:p|reels?|tv)"
_END = r"/?(?:[?#].*)?$"
SITE = "https://www.instagram.com"


class InstagramAdapter(StructuredAdapter):
    NAME = "instagram"
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
      const found = structured && structured.body.match(/__additionalDataLoaded\(\s*'extra'\s*,\s*(\{[\s\S]*?\})\s*\);?\s*<\/script>/);
      let data = null;
      try { data = found ? JSON.parse(found[1]).shortcode_media : null; } catch (e) { data = null; }
      if (data && data.shortcode === ctx.code) {
        const alts = new Map(shown.map((m) => [m.url, m.alt]));
        const edge = ((data.edge_media_to_caption || {}).edges || [])[0];
        if (edge && typeof edge.node.text === 'string') out.text = edge.node.text;
        if (data.taken_at_timestamp) out.posted_at = new Date(data.taken_at_timestamp * 1000).toISOString();
        if (data.owner && data.owner.username) out.handle = '@' + data.owner.username;
        if (data.owner && data.owner.full_name) out.author = data.owner.full_name;
        const images = (data.display_resources || []).map((r) => abs(r.src)).filter(Boolean);
        if (images.length) out.media = images.map((url) => ({url: url, kind: data.is_video ? 'video' : 'image', alt: alts.get(url) || null}));
      }
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
