"""TikTok videos and photo posts (``/@USER/video/ID``, ``/@USER/photo/ID``, ``m.tiktok.com/v/ID``,
``/embed/v2/ID``). The page's own data (``__UNIVERSAL_DATA_FOR_REHYDRATION__``) is read in place;
the oEmbed answer (``/oembed``, same origin) is fetched, kept and preferred for the author, handle,
text and thumbnail. TikTok ids begin with the post's creation time (``id >> 32`` is its Unix time),
which stands in when the page shows no date.

A video's ``media`` is its cover image (the video itself is not downloaded); a photo post's are its
photos. A video made in reply to a comment links, in its sticker, to the video the comment was left
on: that is its ``reply_to``; a duet's source is its ``quote_of``."""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any, ClassVar

from archiver.models import PostFields, Status
from archiver.platforms._structured import StructuredAdapter, prefer
from archiver.platforms.base import AdapterCase, Phrases, PostRef

_HOST = r"(?:(?:www|m)\.)?tiktok\.com"
_ID = r"(?P<id>\d{15,22})"
_END = r"/?(?:[?#].*)?$"
SITE = "https://www.tiktok.com"


class TikTokAdapter(StructuredAdapter):
    NAME = "tiktok"
    PATTERNS = (
        re.compile(
            rf"^https?://{_HOST}/@(?P<user>[\w.-]{{0,30}})/(?:video|photo)/{_ID}{_END}",
            re.IGNORECASE,
        ),
        re.compile(rf"^https?://{_HOST}/v/{_ID}(?:\.html)?{_END}", re.IGNORECASE),
        re.compile(rf"^https?://{_HOST}/embed(?:/v2)?/{_ID}{_END}", re.IGNORECASE),
    )
    # Server-rendered: the post (or the page saying why there is none) is there at load.
    READY_SELECTOR = '[data-e2e="browse-video-desc"], #__UNIVERSAL_DATA_FOR_REHYDRATION__, body'
    POST_SELECTOR = "#main-content-video_detail"
    PHRASES = Phrases(
        not_found=(
            "video currently unavailable",
            "this video is unavailable",
            "couldn't find this account",
            "couldn’t find this account",
        ),
        suspended=("account banned", "this account was banned", "account suspended"),
        login_wall=(
            "this account is private",
            "this video is private",
            "this content is age-restricted",
            "log in to confirm your age",
            "this video may not be appropriate for some users",
        ),
        login_url_parts=("/login",),
    )
    EXTRACT_JS = r"""
    async (ctx) => {
      let item = null;
      try {
        const blob = document.getElementById('__UNIVERSAL_DATA_FOR_REHYDRATION__');
        const detail = (JSON.parse(blob.textContent).__DEFAULT_SCOPE__ || {})['webapp.video-detail'] || {};
        item = detail.statusCode === 0 ? (detail.itemInfo || {}).itemStruct || null : null;
      } catch (e) { item = null; }
      if (item && String(item.id) !== ctx.id) item = null;
      const main = document.querySelector('#main-content-video_detail');
      const desc = main && main.querySelector('[data-e2e="browse-video-desc"]');
      if (!main || !desc) return null;
      main.setAttribute('data-postproof-post', '1');
      const q = (sel) => main.querySelector(sel);
      const nick = q('[data-e2e="browser-nickname"] span');
      const user = q('[data-e2e="browse-username"]');
      const sticker = q('[data-e2e="video-reply-sticker"] a[href*="/video/"], [data-e2e="video-reply-sticker"] a[href*="/photo/"]');
      let media = [...main.querySelectorAll('img[class*="ImgPhotoSlide"], img[class*="ImgPoster"]')]
        .map((img) => ({url: abs(img.getAttribute('src')), kind: 'image', alt: img.getAttribute('alt')}));
      const out = {
        author: nick ? nick.innerText : null,
        handle: user ? '@' + user.innerText.trim() : null,
        posted_at: null,
        text: desc.innerText,
        media: media,
        reply_to: sticker ? abs(sticker.getAttribute('href')) : null,
        quote_of: null,
        photo_post: !!q('img[class*="ImgPhotoSlide"]'),
      };
      if (item) {
        const author = item.author || {};
        if (author.nickname) out.author = author.nickname;
        if (author.uniqueId) out.handle = '@' + author.uniqueId;
        if (typeof item.desc === 'string') out.text = item.desc;
        if (item.createTime) out.posted_at = new Date(Number(item.createTime) * 1000).toISOString();
        const images = ((item.imagePost || {}).images || []).map((i) => ((i.imageURL || {}).urlList || [])[0]).filter(Boolean);
        const cover = (item.video || {}).cover;
        if (images.length) out.media = images.map((url) => ({url: url, kind: 'image', alt: null}));
        else if (cover) out.media = [{url: cover, kind: 'image', alt: null}];
        const duet = (item.duetInfo || {}).duetFromId;
        if (duet && duet !== '0') out.quote_of = abs(`/@/video/${duet}`);
      }
      const canonical = document.querySelector('link[rel="canonical"]');
      const target = canonical ? canonical.href : location.href;
      const structured = await fetchSameOrigin(`${location.origin}/oembed?url=${encodeURIComponent(target)}`, 'application/json', ctx.maxBytes);
      return {...out, media: out.media.filter((m) => m.url), structured: structured};
    }
    """

    TESTS: ClassVar[tuple[AdapterCase, ...]] = (
        AdapterCase(
            "https://www.tiktok.com/@chef.amandine/video/7463821654780728967",
            Status.OK,
            author="Amandine en cuisine",
            handle="@chef.amandine",
            posted_at="2025-01-25T12:00:00+00:00",
            text_contains="quenelles",
            media_count=1,
            post_screenshot=True,
        ),
        AdapterCase(
            "https://www.tiktok.com/@chef.amandine/photo/7463875771368658567",
            Status.OK,
            handle="@chef.amandine",
            media_count=2,
        ),
        AdapterCase(
            "https://www.tiktok.com/@chef.amandine/video/7463926022486021767",
            Status.OK,
            reply_to_contains="/video/7463821654780728967",
        ),
        AdapterCase(
            "https://www.tiktok.com/@chef.amandine/video/7460000000000000001", Status.NOT_FOUND
        ),
        AdapterCase(
            "https://www.tiktok.com/@compte.prive/video/7460000000000000002", Status.LOGIN_WALL
        ),
    )

    @classmethod
    def post_ref(cls, url: str) -> PostRef:
        found = cls.match(url)
        assert found is not None
        post_id = found.group("id")
        user = (found.groupdict().get("user") or "").lower()
        return PostRef(cls.NAME, post_id, f"{SITE}/@{user}/video/{post_id}")

    def js_args(self, ref: PostRef, url: str) -> dict[str, Any]:
        return {**super().js_args(ref, url), "id": ref.post_id}

    def fields(self, raw: Mapping[str, Any] | None, ref: PostRef) -> PostFields | None:
        if not raw:
            return None
        oembed = self.structured_json(raw)
        merged = dict(raw)
        if isinstance(oembed, dict) and str(oembed.get("embed_product_id") or "") == ref.post_id:
            thumbnail = oembed.get("thumbnail_url")
            handle = oembed.get("author_unique_id")
            merged = prefer(
                merged,
                {
                    "author": oembed.get("author_name"),
                    "handle": f"@{handle}" if isinstance(handle, str) and handle else None,
                    "text": oembed.get("title"),
                    # A photo post's oEmbed thumbnail is only its first photo.
                    "media": [{"url": thumbnail, "kind": "image", "alt": None}]
                    if isinstance(thumbnail, str) and not raw.get("photo_post")
                    else None,
                },
            )
        if not merged.get("posted_at") and (ref.post_id or "").isdigit():
            created = int(ref.post_id or 0) >> 32
            merged["posted_at"] = datetime.fromtimestamp(created, UTC).isoformat()
        return super().fields(merged, ref)
