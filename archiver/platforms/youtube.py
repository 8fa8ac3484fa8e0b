"""YouTube videos (``watch?v=``, youtu.be, ``/shorts/``, ``/live/``, ``/embed/``, m. and music.
hosts, youtube-nocookie.com) and comments (``watch?v=ID&lc=COMMENT``). The watch page is a
single-page app, so readiness is a selector. The oEmbed answer the page links to (same origin) is
fetched, kept and preferred for the author, handle, title and thumbnail; the date and description
come from the player's own data (``ytInitialPlayerResponse``) or the page's microdata.

A video's ``text`` is its title and description, as a Reddit post's is its title and body; its
``media`` is its thumbnail (the video itself is not downloaded). YouTube shows comments' times
only as "2 days ago", so a comment has no ``posted_at``."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping
from typing import Any, ClassVar
from urllib.parse import parse_qs, urlsplit

from archiver.models import PostFields, Status
from archiver.platforms._page import ServedPage
from archiver.platforms._reading import shortened
from archiver.platforms._structured import StructuredAdapter, dig
from archiver.platforms.base import AdapterCase, Phrases, PostRef, UrlCase, about_post

_ID = r"(?P<id>[A-Za-z0-9_-]{11})"
_END = r"(?:[/?#&].*)?$"
_HOST = r"(?:(?:www|m|music)\.)?youtube\.com"
SITE = "https://www.youtube.com"


class YouTubeAdapter(StructuredAdapter):
    NAME = "youtube"
    LABEL = "YouTube"
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
    URL_CASES: ClassVar[tuple[UrlCase, ...]] = (
        # Every player form of one video, and a comment.
        UrlCase(
            "https://www.youtube.com/watch?v=Qm4rT7xYp2A",
            post_id="Qm4rT7xYp2A",
            canonical="https://www.youtube.com/watch?v=Qm4rT7xYp2A",
        ),
        UrlCase(
            "https://youtu.be/Qm4rT7xYp2A?si=trackme&t=42",
            post_id="Qm4rT7xYp2A",
            canonical="https://www.youtube.com/watch?v=Qm4rT7xYp2A",
        ),
        UrlCase(
            "https://m.youtube.com/watch?feature=share&v=Qm4rT7xYp2A",
            post_id="Qm4rT7xYp2A",
            canonical="https://www.youtube.com/watch?v=Qm4rT7xYp2A",
        ),
        UrlCase(
            "https://www.youtube.com/shorts/Qm4rT7xYp2A",
            post_id="Qm4rT7xYp2A",
            canonical="https://www.youtube.com/watch?v=Qm4rT7xYp2A",
        ),
        UrlCase(
            "https://www.youtube.com/live/Qm4rT7xYp2A?feature=shared",
            post_id="Qm4rT7xYp2A",
            canonical="https://www.youtube.com/watch?v=Qm4rT7xYp2A",
        ),
        UrlCase(
            "https://www.youtube-nocookie.com/embed/Qm4rT7xYp2A",
            post_id="Qm4rT7xYp2A",
            canonical="https://www.youtube.com/watch?v=Qm4rT7xYp2A",
        ),
        UrlCase(
            "https://music.youtube.com/watch?v=Qm4rT7xYp2A&list=RD",
            post_id="Qm4rT7xYp2A",
            canonical="https://www.youtube.com/watch?v=Qm4rT7xYp2A",
        ),
        UrlCase(
            "https://www.youtube.com/watch?v=Qm4rT7xYp2A&lc=UgxR5kq2Jm9Tn4bZ1aB4AaABAg",
            post_id="Qm4rT7xYp2A/UgxR5kq2Jm9Tn4bZ1aB4AaABAg",
            canonical="https://www.youtube.com/watch?v=Qm4rT7xYp2A&lc=UgxR5kq2Jm9Tn4bZ1aB4AaABAg",
        ),
        UrlCase("https://www.youtube.com/@metropoletv", matches=False),
        UrlCase("https://www.youtube.com/watch?v=tooShort", matches=False),
        UrlCase("https://www.youtube.com.evil.example/watch?v=Qm4rT7xYp2A", matches=False),
    )
    FIXTURES = (
        "youtube_live",
        "youtube_short",
        "youtube_comment",
        "youtube_removed",
        "youtube_private",
        "youtube_age_gate_short_link",
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

    def structured(self, page: ServedPage, ref: PostRef) -> Iterator[tuple[str, Mapping[str, Any]]]:
        video, _, comment = (ref.post_id or "").partition("/")
        if comment:
            return
        for source, player in _players(page):
            if dig(player, "videoDetails", "videoId") == video and _playable(player) is None:
                yield source, player_fields(player)
        args = dig(page.embedded_json(r"\bytplayer\.config\s*=\s*"), "args")
        if isinstance(args, Mapping) and args.get("video_id") == video:
            yield "youtube player (ytplayer.config)", {"author": args.get("author")}
        for _, answer in page.json_answers("/oembed"):
            if _oembed_of(answer, video):
                # Its title is only the start of the video's text: see ``metadata``.
                yield "youtube oembed", {**oembed_fields(answer, video), "text": None}

    def endpoints(
        self, raw: Mapping[str, Any] | None, ref: PostRef
    ) -> Iterator[tuple[str, Mapping[str, Any]]]:
        video, _, comment = (ref.post_id or "").partition("/")
        answer = self.structured_json(raw)
        if not comment and _oembed_of(answer, video):
            found = oembed_fields(answer, video)
            description = (raw or {}).get("description")
            if isinstance(description, str) and description.strip() and found["text"]:
                # The oEmbed title with the description the page shows: the video's text.
                found["text"] = f"{found['text']}\n\n{description.strip()}"
            yield "youtube oembed", found

    def metadata(
        self, page: ServedPage, ref: PostRef
    ) -> Iterator[tuple[str, Mapping[str, Any], bool]]:
        video, _, comment = (ref.post_id or "").partition("/")
        if comment:
            return
        for _, answer in page.json_answers("/oembed"):
            if _oembed_of(answer, video) and answer.get("title"):
                yield "youtube oembed (title only)", {"text": answer["title"]}, True
        if not about_post(page, ref):
            return
        # The watch page's microdata: the title and description, the channel's URL, the date.
        title = page.meta_first("name", "og:title", "title")
        description = page.meta_first("description", "og:description")
        if title:
            text = "\n\n".join(p for p in (title, description) if p)
            yield "microdata", {"text": text}, bool(description) and shortened(description)
        channel = re.search(r"/(?:user|c)/([\w.-]+)$|/(@[\w.-]+)$", _author_url(page) or "")
        still = page.meta_first("og:image", "thumbnailUrl")
        yield (
            "microdata",
            {
                "author": channel.group(1) if channel and channel.group(1) else None,
                "handle": channel.group(2) if channel else None,
                "posted_at": page.meta_first("datePublished", "uploadDate"),
                "media": [{"url": f"{SITE}/watch?v={video}", "kind": "video", "poster": still}]
                if page.meta_first("og:video:url", "videoId", "og:video")
                else [],
            },
            False,
        )

    def verdict(self, page: ServedPage, ref: PostRef) -> tuple[Status, str] | None:
        video = (ref.post_id or "").partition("/")[0]
        for _, player in _players(page):
            mine = dig(player, "videoDetails", "videoId") in (video, None)
            said = _playable(player) if mine else None
            if said is not None:
                return said
        return None

    def fields(self, raw: Mapping[str, Any] | None, ref: PostRef) -> PostFields | None:
        if not raw:
            return None
        if "/" not in (ref.post_id or ""):
            # The DOM shows one video: its still is the video's, not an image of the post.
            video = f"{SITE}/watch?v={ref.post_id}"
            stills = [m.get("url") for m in raw.get("media") or () if isinstance(m, Mapping)]
            raw = {
                **raw,
                "media": [{"url": video, "kind": "video", "poster": next(iter(stills), None)}],
            }
        return super().fields(raw, ref)


def _players(page: ServedPage) -> Iterator[tuple[str, Any]]:
    """The player's data: embedded in the watch page (``ytInitialPlayerResponse``; before 2019,
    a JSON string in ``ytplayer.config``), and as the app loads it on navigation."""
    embedded = page.embedded_json(r"\bytInitialPlayerResponse\s*=\s*")
    if isinstance(embedded, Mapping):
        yield "youtube player (ytInitialPlayerResponse)", embedded
    legacy = dig(page.embedded_json(r"\bytplayer\.config\s*=\s*"), "args", "player_response")
    if isinstance(legacy, str):
        try:
            player = json.loads(legacy)
        except ValueError:
            player = None
        if isinstance(player, Mapping):
            yield "youtube player (ytplayer.config)", player
    for _, answer in page.json_answers("/youtubei/v1/player"):
        if isinstance(answer, Mapping):
            yield "youtube player api", answer


def _author_url(page: ServedPage) -> str | None:
    """The channel's URL in the microdata: ``<span itemprop="author"><link itemprop="url">``."""
    found = re.search(
        r'itemprop="author"[^>]*>\s*<link itemprop="url" href="([^"]+)"', page.html[:2_000_000]
    )
    return found.group(1) if found else None


def _playable(player: Mapping[str, Any]) -> tuple[Status, str] | None:
    """What the player's ``playabilityStatus`` says when the video cannot be watched."""
    state = dig(player, "playabilityStatus", "status")
    if state in (None, "OK", "LIVE_STREAM_OFFLINE"):
        return None
    reason = " ".join(str(dig(player, "playabilityStatus", "reason") or "").split())
    said = f"YouTube's player says “{reason}”" if reason else f"YouTube's player says {state}"
    if state in ("LOGIN_REQUIRED", "AGE_CHECK_REQUIRED", "CONTENT_CHECK_REQUIRED"):
        return Status.LOGIN_WALL, said
    if state == "ERROR":
        return Status.NOT_FOUND, said
    if "sign in" in reason.lower() or "private" in reason.lower():
        return Status.LOGIN_WALL, said
    return Status.UNAVAILABLE, said  # UNPLAYABLE: withheld in this country, and the like


def player_fields(player: Mapping[str, Any]) -> dict[str, Any]:
    details = player.get("videoDetails") or {}
    micro = dig(player, "microformat", "playerMicroformatRenderer") or {}
    owner = re.search(r"/(@[\w.-]+)", str(micro.get("ownerProfileUrl") or ""))
    thumbnails = dig(details, "thumbnail", "thumbnails") or dig(micro, "thumbnail", "thumbnails")
    still = thumbnails[-1].get("url") if isinstance(thumbnails, list) and thumbnails else None
    title = details.get("title") or dig(micro, "title", "simpleText")
    description = details.get("shortDescription")
    video = details.get("videoId")
    return {
        "author": details.get("author") or micro.get("ownerChannelName"),
        "handle": owner.group(1) if owner else None,
        "posted_at": micro.get("publishDate") or micro.get("uploadDate"),
        "text": "\n\n".join(str(p).strip() for p in (title, description) if p and str(p).strip()),
        "media": [{"url": f"{SITE}/watch?v={video}", "kind": "video", "poster": still}]
        if video
        else [],
    }


def _oembed_of(answer: Any, video: str) -> bool:
    """Whether an oEmbed answer is this video's (its player or thumbnail names the id)."""
    if not isinstance(answer, Mapping) or not video:
        return False
    named = f"{answer.get('html') or ''} {answer.get('thumbnail_url') or ''}"
    return re.search(rf"(?:/embed/|/vi(?:_webp)?/){re.escape(video)}\b", named) is not None


def oembed_fields(answer: Mapping[str, Any], video: str) -> dict[str, Any]:
    owner = re.search(r"/(@[\w.-]+)", str(answer.get("author_url") or ""))
    return {
        "author": answer.get("author_name"),
        "handle": owner.group(1) if owner else None,
        "text": answer.get("title"),
        "media": [
            {
                "url": f"{SITE}/watch?v={video}",
                "kind": "video",
                "poster": answer.get("thumbnail_url"),
            }
        ],
    }
