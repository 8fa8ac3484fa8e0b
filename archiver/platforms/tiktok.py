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
from collections.abc import Iterator, Mapping
from datetime import UTC, datetime
from typing import Any, ClassVar

from archiver.models import PostFields, Status
from archiver.platforms._page import ServedPage
from archiver.platforms._structured import StructuredAdapter, dig, oembed_answers, oembed_fields
from archiver.platforms.base import AdapterCase, Phrases, PostRef, UrlCase

_HOST = r"(?:(?:www|m)\.)?tiktok\.com"
_ID = r"(?P<id>\d{15,22})"
_END = r"/?(?:[?#].*)?$"
SITE = "https://www.tiktok.com"


class TikTokAdapter(StructuredAdapter):
    NAME = "tiktok"
    LABEL = "TikTok"
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
    URL_CASES: ClassVar[tuple[UrlCase, ...]] = (
        # Videos, photo posts, the mobile and embed forms.
        UrlCase(
            "https://www.tiktok.com/@chef.amandine/video/7463821654780728967?is_from_webapp=1",
            post_id="7463821654780728967",
            canonical="https://www.tiktok.com/@chef.amandine/video/7463821654780728967",
        ),
        UrlCase(
            "https://www.tiktok.com/@Chef.Amandine/photo/7463821654780728967",
            post_id="7463821654780728967",
            canonical="https://www.tiktok.com/@chef.amandine/video/7463821654780728967",
        ),
        UrlCase(
            "https://m.tiktok.com/v/7463821654780728967.html",
            post_id="7463821654780728967",
            canonical="https://www.tiktok.com/@/video/7463821654780728967",
        ),
        UrlCase(
            "https://www.tiktok.com/embed/v2/7463821654780728967",
            post_id="7463821654780728967",
            canonical="https://www.tiktok.com/@/video/7463821654780728967",
        ),
        UrlCase("https://www.tiktok.com/@chef.amandine", matches=False),
        # A share link: not a post itself, it is followed to the post at capture time.
        UrlCase("https://vm.tiktok.com/ZMabc123/", matches=False),
    )
    FIXTURES = (
        "tiktok_live",
        "tiktok_photos",
        "tiktok_reply",
        "tiktok_deleted",
        "tiktok_login_wall",
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

    def structured(self, page: ServedPage, ref: PostRef) -> Iterator[tuple[str, Mapping[str, Any]]]:
        for item in _items(page, ref):
            yield "tiktok page data", item_fields(item, ref)
        for answer in oembed_answers(page, ref.post_id):
            yield "tiktok oembed", _oembed(answer, ref)
        if (ref.post_id or "").isdigit():
            # The id's high bits are the post's creation time: exact to the second.
            created = int(ref.post_id or 0) >> 32
            yield "tiktok id", {"posted_at": datetime.fromtimestamp(created, UTC)}

    def endpoints(
        self, raw: Mapping[str, Any] | None, ref: PostRef
    ) -> Iterator[tuple[str, Mapping[str, Any]]]:
        answer = self.structured_json(raw)
        if isinstance(answer, Mapping) and str(answer.get("embed_product_id") or "") == ref.post_id:
            yield "tiktok oembed", _oembed(answer, ref)

    def verdict(self, page: ServedPage, ref: PostRef) -> tuple[Status, str] | None:
        for blob in page.script_json("__UNIVERSAL_DATA_FOR_REHYDRATION__"):
            detail = dig(blob, "__DEFAULT_SCOPE__", "webapp.video-detail")
            code = dig(detail, "statusCode")
            if isinstance(code, int) and code != 0:
                said = f"TikTok's page data says {dig(detail, 'statusMsg') or 'status'} ({code})"
                return _STATUS_CODES.get(code, Status.UNAVAILABLE), said
        return None

    def fields(self, raw: Mapping[str, Any] | None, ref: PostRef) -> PostFields | None:
        if raw and not raw.get("photo_post"):
            # A video's poster image is the video's still, not a photo of the post.
            stills = [m.get("url") for m in raw.get("media") or () if isinstance(m, Mapping)]
            video = {"url": ref.canonical_url, "kind": "video", "poster": next(iter(stills), None)}
            raw = {**raw, "media": [video]}
        return super().fields(raw, ref)


# ``webapp.video-detail`` status codes: the post does not exist, or only some may see it.
_STATUS_CODES = {
    10204: Status.NOT_FOUND,
    10202: Status.NOT_FOUND,
    10216: Status.LOGIN_WALL,
    10222: Status.LOGIN_WALL,
}


def _items(page: ServedPage, ref: PostRef) -> Iterator[Mapping[str, Any]]:
    for blob in page.script_json("__UNIVERSAL_DATA_FOR_REHYDRATION__"):
        item = dig(blob, "__DEFAULT_SCOPE__", "webapp.video-detail", "itemInfo", "itemStruct")
        if isinstance(item, Mapping) and str(item.get("id")) == ref.post_id:
            yield item
    for blob in page.script_json("SIGI_STATE"):  # the page data before 2023
        item = dig(blob, "ItemModule", ref.post_id or "")
        if isinstance(item, Mapping):
            author = dig(blob, "UserModule", "users", str(item.get("author") or ""))
            yield {**item, "author": author if isinstance(author, Mapping) else {}}


def item_fields(item: Mapping[str, Any], ref: PostRef) -> dict[str, Any]:
    found = item.get("author")
    author: Mapping[str, Any] = found if isinstance(found, Mapping) else {}
    images = [
        dig(image, "imageURL", "urlList", 0) for image in dig(item, "imagePost", "images") or ()
    ]
    media: list[dict[str, Any]] = [
        {"url": url, "kind": "image"} for url in images if isinstance(url, str)
    ]
    if not media:
        media = [{"url": ref.canonical_url, "kind": "video", "poster": dig(item, "video", "cover")}]
    duet = dig(item, "duetInfo", "duetFromId")
    return {
        "author": author.get("nickname"),
        "handle": f"@{author['uniqueId']}" if author.get("uniqueId") else None,
        "posted_at": int(item["createTime"])
        if str(item.get("createTime") or "").isdigit()
        else None,
        "text": item.get("desc"),
        "media": media,
        "quote_of": f"{SITE}/@/video/{duet}" if duet and duet != "0" else None,
    }


def _oembed(answer: Mapping[str, Any], ref: PostRef) -> dict[str, Any]:
    found = oembed_fields(answer, video_url=ref.canonical_url)
    unique = answer.get("author_unique_id")
    if isinstance(unique, str) and unique:
        found["handle"] = f"@{unique}"
    return found
