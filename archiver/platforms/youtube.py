"""YouTube videos (``watch?v=``, youtu.be, ``/shorts/``, ``/live/``, ``/embed/``, m. and music.
hosts, youtube-nocookie.com) and comments (``watch?v=ID&lc=COMMENT``). The watch page is a
single-page app, so readiness is a selector. The oEmbed answer the page links to (same origin) is
fetched, kept and preferred for the author, handle, title and thumbnail; the date and description
come from the player's own data (``ytInitialPlayerResponse``) or the page's microdata.

A video's ``text`` is its title and description, as a Reddit post's is its title and body; its
``media`` is its thumbnail (the video itself is not downloaded). YouTube shows comments' times
only as "2 days ago", so a comment has no ``posted_at``."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any, ClassVar
from urllib.parse import parse_qs, urlsplit

from archiver.models import PostFields, Status
from archiver.platforms._structured import StructuredAdapter, prefer
from archiver.platforms.base import AdapterCase, Phrases, PostRef

_ID = r"(?P<id>[A-Za-z0-9_-]{11})"
_END = r"(?:[/?#&].*)?$"
_HOST = r"(?:(?:www|m|music)\.)?youtube\.com"
SITE = "https://www.youtube.com"


class YouTubeAdapter(StructuredAdapter):
    NAME = "youtube"
    PATTERNS = (
        re.compile(rf"^https?://{_HOST}/watch/?\?(?:[^#]*&)?v={_ID}{_END}", re.IGNORECASE),
        re.compile(rf"^https?://{_HOST}/(?:shorts|live|embed|v|e)/{_ID}{_END}", re.IGNORECASE),
        re.compile(rf"^https?://(?:www\.)?youtube-nocookie\.com/embed/{_ID}{_END}", re.IGNORECASE),
        re.compile(rf"^https?://youtu\.be/{_ID}{_END}", re.IGNORECASE),
    )
    # The app renders after load; a page without the app (an error page) is ready at once.
    READY_SELECTOR = (
        "ytd-watch-metadata #title h1, #player .ytp-error, "
        "yt-playability-error-supported-renderers, body:not(:has(ytd-app))"
    )
    POST_SELECTOR = "#primary-inner, ytd-comment-thread-renderer"
    PHRASES = Phrases(
        not_found=(
            "video unavailable",
            "this video has been removed",
            "this video isn't available anymore",
            "this video isn’t available anymore",
            "this video is no longer available",
        ),
        suspended=("has been terminated", "this channel does not exist"),
        login_wall=(
            "sign in to confirm your age",
            "this video may be inappropriate for some users",
            "private video",
            "sign in if you've been granted access",
            "sign in if you’ve been granted access",
            "sign in to confirm you're not a bot",
            "sign in to confirm you’re not a bot",
        ),
        login_url_parts=("/servicelogin", "/v3/signin", "/signin/"),
    )
    EXTRACT_JS = r"""
    async (ctx) => {
      const textIn = (root, sel) => { const el = root && root.querySelector(sel); return el ? el.innerText : null; };
      if (ctx.comment) {
        const link = document.querySelector(`#published-time-text a[href*="lc=${ctx.comment}"]`);
        const thread = link && link.closest('ytd-comment-thread-renderer');
        if (!thread) return null;
        thread.setAttribute('data-postproof-post', '1');
        const who = (textIn(thread, '#author-text') || '').trim();
        return {author: null, handle: who.startsWith('@') ? who : null, posted_at: null,
                text: textIn(thread, '#content-text'), media: [], reply_to: abs(`/watch?v=${ctx.video}`), quote_of: null};
      }
      const meta = document.querySelector('ytd-watch-metadata');
      if (!meta) return null;
      (document.querySelector('#primary-inner') || meta).setAttribute('data-postproof-post', '1');
      const player = window.ytInitialPlayerResponse || {};
      const mine = (player.videoDetails || {}).videoId === ctx.video;
      const details = mine ? player.videoDetails : {};
      const micro = mine ? ((player.microformat || {}).playerMicroformatRenderer || {}) : {};
      const published = document.querySelector('meta[itemprop="datePublished"]');
      const channel = meta.querySelector('#channel-name a');
      const handle = channel ? (channel.getAttribute('href') || '').match(/\/(@[\w.-]+)/) : null;
      const owner = (micro.ownerProfileUrl || '').match(/\/(@[\w.-]+)/);
      const thumb = ((micro.thumbnail || {}).thumbnails || [])[0];
      const title = details.title || textIn(meta, '#title h1');
      const description = typeof details.shortDescription === 'string' ? details.shortDescription : textIn(meta, '#description-inline-expander');
      const oembed = document.querySelector('link[type="application/json+oembed"]');
      const structured = oembed ? await fetchSameOrigin(oembed.getAttribute('href'), 'application/json', ctx.maxBytes) : null;
      return {
        author: details.author || micro.ownerChannelName || (channel ? channel.innerText : null),
        handle: owner ? owner[1] : (handle ? handle[1] : null),
        posted_at: micro.publishDate || (published ? published.getAttribute('content') : null),
        title: title,
        description: description,
        text: [title, description].filter((t) => t && t.trim()).join('\n\n'),
        media: thumb ? [{url: thumb.url, kind: 'image', alt: null}] : [],
        reply_to: null,
        quote_of: null,
        structured: structured,
      };
    }
    """

    TESTS: ClassVar[tuple[AdapterCase, ...]] = (
        AdapterCase(
            "https://www.youtube.com/watch?v=Qm4rT7xYp2A",
            Status.OK,
            author="Métropole TV",
            handle="@metropoletv",
            posted_at="2025-01-24T16:00:00+00:00",
            text_contains="Le nouveau pont Schuman",
            media_count=1,
            post_screenshot=True,
        ),
        AdapterCase(
            "https://www.youtube.com/shorts/Zk8wN3vLq5E",
            Status.OK,
            handle="@metropoletv",
            media_count=1,
        ),
        AdapterCase(
            "https://www.youtube.com/watch?v=Qm4rT7xYp2A&lc=UgxR5kq2Jm9Tn4bZ1aB4AaABAg",
            Status.OK,
            handle="@lucasmartin69",
            text_contains="piste cyclable",
            reply_to_contains="watch?v=Qm4rT7xYp2A",
            post_screenshot=True,
        ),
        AdapterCase("https://www.youtube.com/watch?v=Dl0000Gone1", Status.NOT_FOUND),
        AdapterCase("https://www.youtube.com/watch?v=Pv0000Lock2", Status.LOGIN_WALL),
        AdapterCase("https://youtu.be/Ag0000Gate3", Status.LOGIN_WALL),
    )

    @classmethod
    def post_ref(cls, url: str) -> PostRef:
        found = cls.match(url)
        assert found is not None
        video = found.group("id")
        comment = (parse_qs(urlsplit(url).query).get("lc") or [""])[0]
        if re.fullmatch(r"[A-Za-z0-9_.-]{10,64}", comment):
            return PostRef(cls.NAME, f"{video}/{comment}", f"{SITE}/watch?v={video}&lc={comment}")
        return PostRef(cls.NAME, video, f"{SITE}/watch?v={video}")

    def js_args(self, ref: PostRef, url: str) -> dict[str, Any]:
        video, _, comment = (ref.post_id or "").partition("/")
        return {**super().js_args(ref, url), "video": video, "comment": comment or None}

    def fields(self, raw: Mapping[str, Any] | None, ref: PostRef) -> PostFields | None:
        if not raw:
            return None
        oembed = self.structured_json(raw)
        if not isinstance(oembed, dict) or "/" in (ref.post_id or ""):
            return super().fields(raw, ref)
        owner = re.search(r"/(@[\w.-]+)", str(oembed.get("author_url") or ""))
        thumbnail = oembed.get("thumbnail_url")
        merged = prefer(
            raw,
            {
                "author": oembed.get("author_name"),
                "handle": owner.group(1) if owner else None,
                "title": oembed.get("title"),
                "media": [{"url": thumbnail, "kind": "image", "alt": None}]
                if isinstance(thumbnail, str)
                else None,
            },
        )
        parts = (merged.get("title"), merged.get("description"))
        merged["text"] = "\n\n".join(str(p).strip() for p in parts if p and str(p).strip())
        return super().fields(merged, ref)
