"""X (formerly Twitter). Posts render client-side after load, so readiness is a selector.

The post is read, field by field, from: the JSON the page's own scripts received from X's GraphQL
API (``TweetResultByRestId``, ``TweetDetail``, ``TweetResultsByRestIds``) or from the embed's
``tweet-result`` answer; X's head (og: tags, the canonical URL); and the rendered ``article`` (or
the permalink tweet of twitter.com's old server-rendered pages, as archived copies keep them).
When the API answers with a tombstone instead of the post, that answer says whether the post was
deleted, withheld or hidden behind a login (:meth:`XAdapter.verdict`).

``legacy.full_text`` is kept as X stores it, with the ``t.co`` link of the post's media at its
end (``display_text_range`` ends before it): that link is part of the post as published, and
the other sources (og:description, the rendered text) leave it out, so a reader can tell them
apart. Long posts (``note_tweet``) carry their whole text, with no such link.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping
from html import unescape
from typing import Any, ClassVar
from urllib.parse import parse_qs, urlsplit

from archiver.models import PostFields, Status
from archiver.platforms._page import ServedPage
from archiver.platforms._structured import dig
from archiver.platforms.base import Adapter, AdapterCase, Phrases, PostRef, UrlCase, about_post

HOSTS = (
    r"(?:(?:www|mobile)\.)?(?:x|twitter)\.com",
    r"(?:fx|vx|fixup|fixv)x\.com",
    r"(?:fx|vx)twitter\.com",
    r"nitter\.(?:net|poast\.org|privacydev\.net)",
)
_HOST = "(?:" + "|".join(HOSTS) + ")"


class XAdapter(Adapter):
    NAME = "x"
    LABEL = "X"
    ALIASES = ("twitter",)
    PATTERNS = (
        re.compile(
            rf"^https?://{_HOST}/(?P<user>[A-Za-z0-9_]{{1,15}})/status(?:es)?/(?P<id>\d{{1,20}})",
            re.IGNORECASE,
        ),
        re.compile(rf"^https?://{_HOST}/i/(?:web/)?status/(?P<id>\d{{1,20}})", re.IGNORECASE),
    )
    READY_SELECTOR = (
        'article[data-testid="tweet"] time, [data-testid="error-detail"], '
        '[data-testid="empty_state_header_text"], input[autocomplete="username"]'
    )
    PHRASES = Phrases(
        not_found=(
            "this page doesn’t exist",
            "this page doesn't exist",
            "this post was deleted",
            "this tweet was deleted",
            "this post is unavailable",
            "this tweet is unavailable",
        ),
        suspended=("account suspended", "user has been suspended"),
        login_wall=("sign in to x", "log in to x", "these posts are protected"),
        login_url_parts=("/i/flow/login", "/login", "/i/flow/signup"),
    )
    # The post is the article whose own time link names its id; without one, the only article
    # of the page when it links to no other post. Never a guess among several.
    EXTRACT_JS = r"""
    (ctx) => {
      const outsideQuote = (el) => !el.closest('[data-testid="quoteTweet"]');
      const statusOf = (article) => {
        for (const link of article.querySelectorAll('a[href*="/status/"]')) {
          if (!outsideQuote(link) || !link.querySelector('time')) continue;
          const m = link.getAttribute('href').match(/\/status\/(\d+)/);
          if (m) return {id: m[1], url: abs(link.getAttribute('href'))};
        }
        return null;
      };
      const linksElsewhere = (article) => [...article.querySelectorAll('a[href*="/status/"]')]
        .filter(outsideQuote)
        .some((a) => { const m = a.getAttribute('href').match(/\/status\/(\d+)/); return m && m[1] !== ctx.postId; });
      // twitter.com's server-rendered layout (until 2020), as archived copies keep it.
      const oldLayout = () => {
        if (!/^\d+$/.test(ctx.postId || '')) return null;
        const main = document.querySelector(`.permalink-tweet[data-tweet-id="${ctx.postId}"]`);
        if (!main) return null;
        main.setAttribute('data-postproof-post', '1');
        const textEl = main.querySelector('.js-tweet-text, .tweet-text');
        const seconds = Number((main.querySelector('._timestamp[data-time]') || {dataset: {}}).dataset.time);
        const still = ((main.querySelector('.PlayableMedia-player') || {style: {}}).style.backgroundImage || '')
          .replace(/^url\(["']?/, '').replace(/["']?\)$/, '');
        const media = [...main.querySelectorAll('.AdaptiveMedia-photoContainer img')]
          .map((img) => ({url: abs(img.getAttribute('src')), kind: 'image', alt: img.getAttribute('alt')}));
        if (main.querySelector('.AdaptiveMedia.is-video') && still) media.push({url: abs(still), kind: 'video', poster: abs(still)});
        const name = main.getAttribute('data-screen-name');
        // The text as posted: a link is its t.co address (the page shows it shortened, or hides
        // a media link), an emoji its character.
        let text = null;
        if (textEl) {
          const copy = textEl.cloneNode(true);
          copy.querySelectorAll('a.twitter-timeline-link[href]').forEach((a) => { a.textContent = a.getAttribute('href'); });
          copy.querySelectorAll('img[alt]').forEach((img) => img.replaceWith(img.getAttribute('alt')));
          text = copy.textContent;
        }
        return {
          author: main.getAttribute('data-name') || null,
          handle: name ? '@' + name : null,
          posted_at: seconds > 0 ? new Date(seconds * 1000).toISOString() : null,
          text: text,
          lang: textEl ? textEl.getAttribute('lang') : null,
          media: media.filter((m) => m.url),
        };
      };
      const articles = [...document.querySelectorAll('article[data-testid="tweet"]')];
      let index = articles.findIndex((a) => (statusOf(a) || {}).id === ctx.postId);
      if (index < 0 && articles.length === 1 && !linksElsewhere(articles[0])) index = 0;
      if (index < 0) return oldLayout();
      const main = articles[index];
      main.setAttribute('data-postproof-post', '1');
      const mine = (sel) => [...main.querySelectorAll(sel)].filter(outsideQuote);
      const names = mine('[data-testid="User-Name"] span').map((s) => s.innerText.trim()).filter(Boolean);
      const textEl = mine('[data-testid="tweetText"]')[0];
      const time = mine('time')[0];
      // A video's poster is drawn as an <img> in the same tweetPhoto box: it is the video's
      // picture, not a photo of the post.
      const isPoster = (img) => /_video_thumb\//.test(img.getAttribute('src') || '') ||
        !!(img.closest('[data-testid="tweetPhoto"]') || img).querySelector('video, [data-testid="videoPlayer"], [data-testid="videoComponent"]') ||
        !!img.closest('[data-testid="videoPlayer"], [data-testid="videoComponent"]');
      const videoUrl = (v) => {
        const sources = [v.getAttribute('src'), ...[...v.querySelectorAll('source')].map((s) => s.getAttribute('src'))];
        const real = sources.find((u) => u && !u.startsWith('blob:'));
        return abs(real || v.getAttribute('poster') || '');
      };
      const media = mine('[data-testid="tweetPhoto"] img').filter((img) => !isPoster(img))
        .map((img) => ({url: abs(img.getAttribute('src')), kind: 'image', alt: img.getAttribute('alt')}))
        .concat(mine('video').map((v) => ({url: videoUrl(v), kind: 'video', alt: v.getAttribute('aria-label'), poster: abs(v.getAttribute('poster') || '')})));
      const quote = main.querySelector('[data-testid="quoteTweet"] a[href*="/status/"]');
      let replyTo = null;
      if (index > 0) replyTo = (statusOf(articles[index - 1]) || {}).url || null;
      return {
        author: names.find((n) => !n.startsWith('@')) || null,
        handle: names.find((n) => n.startsWith('@')) || null,
        posted_at: time ? time.getAttribute('datetime') : null,
        text: textEl ? textEl.innerText : null,
        lang: textEl ? textEl.getAttribute('lang') : null,
        media: media.filter((m) => m.url),
        reply_to: replyTo,
        quote_of: quote ? abs(quote.getAttribute('href')) : null,
      };
    }
    """
    TESTS: ClassVar[tuple[AdapterCase, ...]] = (
        AdapterCase(
            "https://x.com/alicedupont/status/1880000000000000001",
            Status.OK,
            author="Alice Dupont",
            handle="@alicedupont",
            posted_at="2025-01-15T09:30:00+00:00",
            text_contains="le budget 2025",
            media_count=1,
            post_screenshot=True,
        ),
        AdapterCase(
            "https://x.com/bob_martin/status/1880000000000000002",
            Status.OK,
            handle="@bob_martin",
            reply_to_contains="/alicedupont/status/1880000000000000001",
        ),
        AdapterCase(
            "https://x.com/clairepetit/status/1880000000000000003",
            Status.OK,
            quote_of_contains="/status/1880000000000000001",
        ),
        AdapterCase("https://x.com/deleteduser/status/1880000000000000004", Status.NOT_FOUND),
        AdapterCase("https://x.com/spamaccount/status/1880000000000000006", Status.SUSPENDED),
        AdapterCase("https://x.com/privateperson/status/1880000000000000007", Status.LOGIN_WALL),
    )
    URL_CASES: ClassVar[tuple[UrlCase, ...]] = (
        # twitter.com, its mobile and fix-up mirrors, and the i/web form fold to x.com.
        UrlCase(
            "https://twitter.com/Camille/status/1893?s=20&t=abc",
            post_id="1893",
            canonical="https://x.com/Camille/status/1893",
        ),
        UrlCase(
            "http://mobile.twitter.com/Camille/status/1893",
            post_id="1893",
            canonical="https://x.com/Camille/status/1893",
        ),
        UrlCase(
            "https://fxtwitter.com/Camille/status/1893/photo/1",
            post_id="1893",
            canonical="https://x.com/Camille/status/1893",
        ),
        UrlCase(
            "https://x.com/i/web/status/1893",
            post_id="1893",
            canonical="https://x.com/i/status/1893",
        ),
    )
    FIXTURES = (
        "x_live",
        "x_live_twitter",
        "x_live_mobile_http",
        "x_live_i_web",
        "x_reply",
        "x_quote",
        "x_escaping",
        "x_hostile",
        "x_terminal",
        "x_deleted",
        "x_deleted_200",
        "x_suspended",
        "x_login_wall",
        "odd_redirect",
    )

    @classmethod
    def post_ref(cls, url: str) -> PostRef:
        found = cls.match(url)
        assert found is not None
        user = found.groupdict().get("user")
        post_id = found.group("id")
        path = (
            f"/{user}/status/{post_id}" if user and user.lower() != "i" else f"/i/status/{post_id}"
        )
        return PostRef(cls.NAME, post_id, "https://x.com" + path)

    # -- the post as X's own APIs gave it to the page -----------------------------------------

    def structured(self, page: ServedPage, ref: PostRef) -> Iterator[tuple[str, Mapping[str, Any]]]:
        if not ref.post_id:
            return
        for _, answer in page.json_answers(GRAPHQL):
            tweet = next((t for t in _tweets(answer) if _tweet_id(t) == ref.post_id), None)
            if tweet is not None:
                yield "x graphql", graphql_fields(tweet, page)
        for _, answer in page.json_answers(SYNDICATION):
            if isinstance(answer, Mapping) and str(answer.get("id_str")) == ref.post_id:
                yield "x syndication", syndication_fields(answer, page)

    def verdict(self, page: ServedPage, ref: PostRef) -> tuple[Status, str] | None:
        """What X's API said in place of the post: a tombstone ("This Post was deleted by the
        Post author"), an unavailable result with its reason, or an error naming the post.
        None as soon as one answer holds the post itself: it outweighs the page."""
        if not ref.post_id or next(self.structured(page, ref), None) is not None:
            return None
        for served, answer in page.json_answers(GRAPHQL):
            asked = ref.post_id in _asked_ids(served.url)
            for result in _results_for(answer, ref.post_id, asked):
                if isinstance(result, Mapping) and result.get("__typename") in _GONE:
                    return _gone(result)
            if asked and not any(_tweet_id(t) == ref.post_id for t in _tweets(answer)):
                found = _api_error(answer)
                if found is not None:
                    return found
        for served, answer in page.json_answers(SYNDICATION):
            query = parse_qs(urlsplit(served.url).query)
            if (
                ref.post_id in query.get("id", ())
                and isinstance(answer, Mapping)
                and answer.get("__typename") in _GONE
            ):
                return _gone(answer)
        return None

    def metadata(
        self, page: ServedPage, ref: PostRef
    ) -> Iterator[tuple[str, Mapping[str, Any], bool]]:
        """X's head: og:title ("Name (@handle) on X" for crawlers, 'Name on X: "text" / X' for
        browsers, "Name on Twitter" on the old site), the canonical URL (whose path names the
        author), og:description (the text; the old site wrapped it in “ ”) and og:image or
        og:video (the first medium only: the post may hold more)."""
        if about_post(page, ref):
            yield from _head(page)
        yield from super().metadata(page, ref)

    def read(
        self, page: ServedPage | None, ref: PostRef, raw: Mapping[str, Any] | None
    ) -> tuple[PostFields | None, list[str]]:
        post, notes = super().read(page, ref, raw)
        if post is not None and not raw:
            notes.append(
                "the post was read from the data the page received, but no article of the "
                "rendered page is clearly the post: no screenshot of the post alone"
            )
        return post, notes


GRAPHQL = "/graphql/"
SYNDICATION = "cdn.syndication.twimg.com/tweet-result"
_GONE = ("TweetTombstone", "TweetUnavailable")
# A walk through an answer stops this deep and after this many values: a page sends what it likes.
_MAX_DEPTH = 64
_MAX_NODES = 200_000
_OG_TITLES = (
    re.compile(r"(?P<name>.+) \(@(?P<handle>[A-Za-z0-9_]{1,15})\) on (?:X|Twitter)"),
    re.compile(r'(?P<name>.+?) on (?:X|Twitter): "(?P<text>.*)" / (?:X|Twitter)', re.DOTALL),
    re.compile(r"(?P<name>.+) on Twitter"),
)
# What og:image shows: a photo of the post, a video's or a GIF's still (the same one medium), or
# else the author's picture or X's logo (not the post's media).
_OG_MEDIA = (
    (re.compile(r"https://pbs\.twimg\.com/media/"), "image"),
    (re.compile(r"https://pbs\.twimg\.com/(?:ext_tw|amplify)_video_thumb/"), "video"),
    (re.compile(r"https://pbs\.twimg\.com/tweet_video_thumb/"), "gif"),
)
_ENTRY = re.compile(r"(?:^|-)tweet-(?P<id>\d+)$")
_PERMALINK = re.compile(r"^https?://[^/]+/(?P<user>[A-Za-z0-9_]{1,15})/status/(?P<id>\d+)")
_PHOTO_KEY = re.compile(r"https://pbs\.twimg\.com/media/(?P<key>[A-Za-z0-9_-]+)")
# X's API codes for "no such post", "the account is suspended", "the account is protected".
_ERRORS = {
    34: Status.NOT_FOUND,
    144: Status.NOT_FOUND,
    421: Status.NOT_FOUND,
    63: Status.SUSPENDED,
    179: Status.LOGIN_WALL,
}


def _head(page: ServedPage) -> Iterator[tuple[str, Mapping[str, Any], bool]]:
    title = page.meta_first("og:title") or ""
    yield from _og_title(title)
    canonical = _PERMALINK.match(page.link_href("canonical") or page.meta_first("og:url") or "")
    if canonical and canonical.group("user").lower() != "i":
        yield "canonical URL", {"handle": "@" + canonical.group("user")}, True
    description = page.meta_first("og:description") or ""
    if title.endswith(" on Twitter") and description[:1] == "“" and description[-1:] == "”":
        yield "og:description", {"text": description[1:-1]}, True
    yield from _og_media(page)


def _og_title(title: str) -> Iterator[tuple[str, Mapping[str, Any], bool]]:
    """The author, and in a browser's title the text, that og:title names."""
    found = next((m for p in _OG_TITLES if (m := p.fullmatch(title))), None)
    named = found.groupdict() if found else {}
    if named.get("name"):
        author = {"author": named["name"], "handle": named.get("handle") and "@" + named["handle"]}
        yield "og:title", author, False
    if named.get("text"):
        yield "og:title", {"text": named["text"]}, True


def _og_media(page: ServedPage) -> Iterator[tuple[str, Mapping[str, Any], bool]]:
    """The post's first medium, as og:video or og:image show it."""
    video = page.meta_first("og:video:secure_url", "og:video:url", "og:video")
    image = page.meta_first("og:image") or ""
    kind = next((k for p, k in _OG_MEDIA if p.match(image)), None)
    still = image if kind in ("video", "gif") else None
    if video and still:
        yield "og:video", {"media": [{"url": video, "kind": kind, "poster": still}]}, True
    elif kind is not None:
        yield "og:image", {"media": [{"url": image, "kind": kind, "poster": still}]}, True


def _walk(value: Any) -> Iterator[Mapping[str, Any]]:
    """Every mapping in ``value``, depth first, within the walk's bounds."""
    stack: list[tuple[Any, int]] = [(value, 0)]
    visited = 0
    while stack and visited < _MAX_NODES:
        node, depth = stack.pop()
        visited += 1
        if isinstance(node, Mapping):
            yield node
            children = list(node.values())
        elif isinstance(node, list):
            children = node
        else:
            continue
        if depth < _MAX_DEPTH:
            stack.extend(
                (c, depth + 1) for c in reversed(children) if isinstance(c, Mapping | list)
            )


def _unwrap(result: Any) -> Any:
    """A tweet result without its ``TweetWithVisibilityResults`` wrapper."""
    if isinstance(result, Mapping) and result.get("__typename") == "TweetWithVisibilityResults":
        return result.get("tweet")
    return result


def _tweets(answer: Any) -> Iterator[Mapping[str, Any]]:
    """Every tweet object of a GraphQL answer (the post, its parents and replies, quotes)."""
    for node in _walk(answer):
        legacy = node.get("legacy")
        if (
            node.get("__typename") in (None, "Tweet")
            and isinstance(legacy, Mapping)
            and "full_text" in legacy
            and (node.get("rest_id") or legacy.get("id_str"))
        ):
            yield node


def _tweet_id(tweet: Any) -> str | None:
    tweet = _unwrap(tweet)
    if not isinstance(tweet, Mapping):
        return None
    found = tweet.get("rest_id") or dig(tweet, "legacy", "id_str")
    return str(found) if found else None


def _asked_ids(url: str) -> set[str]:
    """The post ids a GraphQL request asked for (its ``variables``)."""
    asked: set[str] = set()
    for raw in parse_qs(urlsplit(url).query).get("variables", ()):
        try:
            variables = json.loads(raw)
        except ValueError:
            continue
        if not isinstance(variables, Mapping):
            continue
        for key in ("tweetId", "focalTweetId", "rest_id"):
            if variables.get(key):
                asked.add(str(variables[key]))
        ids = variables.get("tweetIds")
        if isinstance(ids, list):
            asked.update(str(i) for i in ids)
    return asked


def _results_for(answer: Any, post_id: str, asked: bool) -> Iterator[Any]:
    """The results an answer gives for the post itself: by its ``rest_id``, as the timeline
    entry ``tweet-<id>``, or as the one result of a request that asked for it alone. A tombstone
    nested in another post (a deleted quoted post) is not the post's."""
    if asked:
        yield _unwrap(dig(answer, "data", "tweetResult", "result"))
    for node in _walk(answer):
        entry = _ENTRY.search(str(node.get("entryId") or ""))
        if entry and entry.group("id") == post_id:
            for path in (("content", "itemContent"), ("item", "itemContent")):
                yield _unwrap(dig(node, *path, "tweet_results", "result"))
        elif node.get("__typename") in _GONE and str(node.get("rest_id") or "") == post_id:
            yield node


def _gone(result: Mapping[str, Any]) -> tuple[Status, str]:
    said = dig(result, "tombstone", "text", "text") or result.get("reason") or ""
    said = " ".join(str(said).split()).removesuffix(" Learn more")
    low = said.lower()
    if "suspend" in low:
        status = Status.SUSPENDED
    elif any(word in low for word in ("protected", "limits who can", "nsfw", "age-restricted")):
        status = Status.LOGIN_WALL
    elif "withheld" in low:
        status = Status.UNAVAILABLE
    else:
        status = Status.NOT_FOUND
    if said:
        return status, f"X's API answered “{said}” in place of the post"
    return status, f"X's API answered {result.get('__typename')} in place of the post"


def _api_error(answer: Any) -> tuple[Status, str] | None:
    errors = answer.get("errors") if isinstance(answer, Mapping) else None
    for error in errors if isinstance(errors, list) else ():
        if not isinstance(error, Mapping):
            continue
        code = error.get("code")
        status = _ERRORS.get(code) if isinstance(code, int) else None
        if status is not None:
            message = " ".join(str(error.get("message") or "").split()).removeprefix("_Missing: ")
            return status, f"X's API answered “{message}” (code {error.get('code')})"
    return None


def status_url(post_id: Any, screen_name: Any = None) -> str | None:
    """A post's URL, with its author's name when known (as X links it); the ``/i/status/`` form
    otherwise, which X redirects to the post whoever wrote it."""
    if not post_id:
        return None
    if isinstance(screen_name, str) and re.fullmatch(r"[A-Za-z0-9_]{1,15}", screen_name):
        return f"https://x.com/{screen_name}/status/{post_id}"
    return f"https://x.com/i/status/{post_id}"


def _screen_name(tweet: Any) -> str | None:
    user = dig(_unwrap(tweet), "core", "user_results", "result")
    found = dig(user, "core", "screen_name") or dig(user, "legacy", "screen_name")
    return str(found) if found else None


def _unescaped(text: Any) -> str | None:
    """X's API writes ``&``, ``<`` and ``>`` of a post's text as HTML entities, and only those."""
    if not isinstance(text, str):
        return None
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def graphql_fields(tweet: Mapping[str, Any], page: ServedPage | None = None) -> dict[str, Any]:
    """The fields of a GraphQL tweet object (``legacy`` holds the post, ``core`` its author;
    newer answers moved the author's name from ``user.legacy`` to ``user.core``)."""
    legacy = tweet.get("legacy") or {}
    user = dig(tweet, "core", "user_results", "result")
    name = dig(user, "core", "name") or dig(user, "legacy", "name")
    screen_name = _screen_name(tweet)
    note = dig(tweet, "note_tweet", "note_tweet_results", "result", "text")
    quoted = _unwrap(dig(tweet, "quoted_status_result", "result"))
    quoted_id = _tweet_id(quoted) or legacy.get("quoted_status_id_str")
    quoted_name = _screen_name(quoted) if quoted_id == _tweet_id(quoted) else None
    permalink = _PERMALINK.match(str(dig(legacy, "quoted_status_permalink", "expanded") or ""))
    if not quoted_name and permalink and permalink.group("id") == quoted_id:
        quoted_name = permalink.group("user")
    media = dig(legacy, "extended_entities", "media") or dig(legacy, "entities", "media")
    return {
        "author": name,
        "handle": f"@{screen_name}" if screen_name else None,
        "posted_at": legacy.get("created_at"),
        "text": _unescaped(note if isinstance(note, str) and note else legacy.get("full_text")),
        "lang": legacy.get("lang"),
        "media": media_items(media, page),
        "reply_to": status_url(
            legacy.get("in_reply_to_status_id_str"), legacy.get("in_reply_to_screen_name")
        ),
        "quote_of": status_url(quoted_id, quoted_name),
    }


def syndication_fields(answer: Mapping[str, Any], page: ServedPage | None = None) -> dict[str, Any]:
    """The fields of the embed's ``tweet-result`` answer (the tweet flattened, ISO times)."""
    user = answer.get("user") or {}
    quoted = answer.get("quoted_tweet") or {}
    screen_name = user.get("screen_name")
    return {
        "author": user.get("name"),
        "handle": f"@{screen_name}" if screen_name else None,
        "posted_at": answer.get("created_at"),
        "text": _unescaped(answer.get("text")),
        "lang": answer.get("lang"),
        "media": media_items(answer.get("mediaDetails"), page),
        "reply_to": status_url(
            answer.get("in_reply_to_status_id_str"), answer.get("in_reply_to_screen_name")
        ),
        "quote_of": status_url(quoted.get("id_str"), dig(quoted, "user", "screen_name")),
    }


def media_items(entities: Any, page: ServedPage | None = None) -> list[dict[str, Any]]:
    """One item per photo, video or GIF: a video's poster is its picture, not another photo."""
    items: list[dict[str, Any]] = []
    for media in entities if isinstance(entities, list) else ():
        if not isinstance(media, Mapping):
            continue
        kind, alt = media.get("type"), media.get("ext_alt_text")
        poster = media.get("media_url_https")
        if kind == "photo" and poster:
            items.append({"url": _loaded_photo(str(poster), page), "kind": "image", "alt": alt})
        elif kind in ("video", "animated_gif"):
            url = _best_mp4(dig(media, "video_info", "variants")) or poster
            if url:
                kind = "video" if kind == "video" else "gif"
                items.append({"url": url, "kind": kind, "alt": alt, "poster": poster})
    return items


def _best_mp4(variants: Any) -> str | None:
    offered = variants if isinstance(variants, list) else []
    mp4s = [
        v
        for v in offered
        if isinstance(v, Mapping) and v.get("content_type") == "video/mp4" and v.get("url")
    ]
    if not mp4s:
        return None
    best = max(mp4s, key=_bitrate)
    return str(best["url"])


def _bitrate(variant: Mapping[str, Any]) -> int:
    found = variant.get("bitrate")
    return found if isinstance(found, int) else 0


def _loaded_photo(url: str, page: ServedPage | None) -> str:
    """The form of a photo's URL the rendered page loaded (``?format=jpg&name=small``), so that
    the capture keeps the bytes the browser received; the API's own URL when the page shows none."""
    found = _PHOTO_KEY.match(url)
    if page is None or not page.rendered or found is None:
        return url
    key = re.escape(found.group("key"))
    shown = re.search(rf"https://pbs\.twimg\.com/media/{key}(?:[?.][^\"'\s<>]*)?", page.rendered)
    return unescape(shown.group(0)) if shown else url
