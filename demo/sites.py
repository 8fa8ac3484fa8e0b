"""The data model of the fake social web, and what every fake platform shares.

Posts, articles, short links and images live in one :class:`Content` object held by the
:class:`demo.web.FakeWeb`. Every page is rendered from it on each request, so a test that replaces
a post (``web.posts[id] = replace(post, state=PostState.DELETED)``) sees the change on the next
request.
The platforms themselves are in :mod:`demo.platforms`, one module each.
"""

from __future__ import annotations

import base64
import enum
import hashlib
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import cache
from html import escape
from importlib import resources
from typing import Protocol

from demo.messages import Handler

DEFAULT_MASTODON_HOSTS = ("mastodon.social", "piaille.fr", "mastodon.example")
DEFAULT_NEWS_HOSTS = ("www.lequotidien.example", "news.example")


class Platform(enum.StrEnum):
    X = "x"
    MASTODON = "mastodon"
    BLUESKY = "bluesky"
    REDDIT = "reddit"
    TELEGRAM = "telegram"
    THREADS = "threads"
    INSTAGRAM = "instagram"
    YOUTUBE = "youtube"
    TIKTOK = "tiktok"
    FACEBOOK = "facebook"
    LINKEDIN = "linkedin"
    TRUTH_SOCIAL = "truthsocial"


# Where a reply is a comment under a post rather than a post of its own: its URL names the post.
COMMENT_PLATFORMS = frozenset(
    {Platform.REDDIT, Platform.YOUTUBE, Platform.INSTAGRAM, Platform.FACEBOOK, Platform.LINKEDIN}
)


class PostState(enum.StrEnum):
    """How the platform answers for a post. ``deleted_200`` is a deletion that the server still
    answers with HTTP 200 and an error text in the page (a "soft 404"), which is what X and
    Bluesky always do, so there it looks the same as ``deleted``."""

    LIVE = "live"
    DELETED = "deleted"
    DELETED_200 = "deleted_200"
    SUSPENDED = "suspended"
    LOGIN_WALL = "login_wall"

    @property
    def gone(self) -> bool:
        return self in (PostState.DELETED, PostState.DELETED_200)


@dataclass(frozen=True)
class MediaItem:
    """An image of a post. ``path`` is where the fake web serves it, on every host it serves
    (see :meth:`demo.web.FakeWeb.add_image`), so a post's media are always same-origin."""

    path: str
    alt: str = ""


@dataclass(frozen=True)
class Post:
    """One post on a fake platform.

    ``handle`` is what the platform calls the account: the screen name on X (``camroyer``), the
    local user name on Mastodon (``hmarchand``, its server is ``instance``), the full handle on
    Bluesky (``julien.bsky.social``), the channel on Telegram, the vanity name on Facebook and
    LinkedIn. ``reply_to`` and ``quote_of`` are post ids of the same platform; on the platforms of
    ``COMMENT_PLATFORMS`` a post with ``reply_to`` is a comment, shown under ``thread`` (the post
    it belongs to; ``reply_to`` when not given). ``title`` is a Reddit post's or a video's title,
    ``community`` a subreddit. An ``age_restricted`` post meets logged-out readers with the
    platform's age gate where it has one. Frozen: to edit a post, put a ``dataclasses.replace``
    of it back in ``web.posts``.
    """

    platform: Platform
    post_id: str
    author: str
    handle: str
    posted_at: datetime
    text: str
    lang: str = "en"
    media: tuple[MediaItem, ...] = ()
    reply_to: str | None = None
    quote_of: str | None = None
    likes: int = 0
    replies: int = 0
    boosts: int = 0
    state: PostState = PostState.LIVE
    instance: str | None = None  # the Mastodon server the account lives on
    title: str | None = None
    community: str | None = None
    thread: str | None = None
    age_restricted: bool = False

    def __post_init__(self) -> None:
        # Coerce plain strings so tests can write state="deleted"; reject what would make pages lie.
        object.__setattr__(self, "platform", Platform(self.platform))
        object.__setattr__(self, "state", PostState(self.state))
        object.__setattr__(self, "media", tuple(self.media))
        if self.posted_at.tzinfo is None:
            raise ValueError(f"post {self.post_id}: posted_at must be timezone-aware")
        if self.platform is Platform.MASTODON and not self.instance:
            raise ValueError(f"post {self.post_id}: a Mastodon post needs its instance host")
        if self.platform is Platform.REDDIT and not self.community:
            raise ValueError(f"post {self.post_id}: a Reddit post needs its subreddit")

    @property
    def live(self) -> bool:
        return self.state is PostState.LIVE

    @property
    def is_comment(self) -> bool:
        return self.platform in COMMENT_PLATFORMS and self.reply_to is not None

    @property
    def thread_id(self) -> str:
        """The post a comment is under; a post's own id otherwise."""
        if not self.is_comment:
            return self.post_id
        return self.thread or self.reply_to or self.post_id


@dataclass(frozen=True)
class Article:
    """A news article. ``body_html`` is trusted HTML (paragraphs, lists, embeds) written by the
    story or the test that adds it; everything else is escaped when rendered."""

    host: str
    path: str
    headline: str
    description: str
    author: str
    published_at: datetime
    body_html: str
    site_name: str
    section: str = "Tech"
    lang: str = "fr"
    image_path: str | None = None
    modified_at: datetime | None = None


@dataclass(frozen=True)
class Image:
    data: bytes = field(repr=False)
    content_type: str = "image/png"


@dataclass
class Content:
    """Everything the fake platforms render, keyed for cheap look-ups. Post ids are unique across
    platforms in one fake web (real ids of different platforms never look alike)."""

    posts: dict[str, Post] = field(default_factory=dict)
    articles: dict[tuple[str, str], Article] = field(default_factory=dict)  # (host, path)
    short_links: dict[str, str] = field(default_factory=dict)  # code -> target URL
    images: dict[str, Image] = field(default_factory=dict)  # path -> image

    def post(self, post_id: str | None, platform: Platform) -> Post | None:
        post = self.posts.get(post_id or "")
        return post if post is not None and post.platform is platform else None


@dataclass(frozen=True)
class Route:
    pattern: re.Pattern[str]
    handler: Handler


def route(regex: str, handler: Handler) -> Route:
    return Route(re.compile(regex), handler)


class Site(Protocol):
    """A fake platform: the hosts it answers for and its routes, tried in order with
    ``fullmatch`` on the decoded path."""

    @property
    def hosts(self) -> tuple[str, ...]: ...

    def routes(self) -> tuple[Route, ...]: ...


# -- shared helpers ---------------------------------------------------------------------------


def iso_z(moment: datetime) -> str:
    """``2025-02-24T18:04:00.000Z``: the form X and Bluesky put in their markup."""
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def post_url(post: Post) -> str:
    """The canonical https URL of a post, as the platform itself links to it."""
    if post.platform is Platform.X:
        return f"https://x.com/{post.handle}/status/{post.post_id}"
    if post.platform is Platform.MASTODON:
        return f"https://{post.instance}/@{post.handle}/{post.post_id}"
    if post.platform is Platform.BLUESKY:
        return f"https://bsky.app/profile/{post.handle}/post/{post.post_id}"
    return _OTHER_URLS[post.platform](post)


def slug(text: str, limit: int = 50) -> str:
    """A title as Reddit and LinkedIn put it in URLs: lower case ASCII words joined by ``_``."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    words = re.findall(r"[a-z0-9]+", ascii_text.lower())
    out = ""
    for word in words:
        if len(out) + len(word) + 1 > limit:
            break
        out = f"{out}_{word}" if out else word
    return out


def linkedin_slug(post: Post) -> str:
    """``{vanity}_{first-words}-activity-{id}-{4 chars}``, the path of a public LinkedIn post."""
    words = slug(post.text, 40).replace("_", "-")
    tail = hashlib.sha256(post.post_id.encode()).hexdigest()[:4]
    return f"{post.handle}_{words}-activity-{post.post_id}-{tail}"


def _reddit_url(post: Post) -> str:
    base = f"https://www.reddit.com/r/{post.community}/comments/{post.thread_id}"
    if post.is_comment:
        return f"{base}/comment/{post.post_id}/"
    return f"{base}/{slug(post.title or post.text)}/"


def _youtube_url(post: Post) -> str:
    if post.is_comment:
        return f"https://www.youtube.com/watch?v={post.thread_id}&lc={post.post_id}"
    return f"https://www.youtube.com/watch?v={post.post_id}"


def _instagram_url(post: Post) -> str:
    if post.is_comment:
        return f"https://www.instagram.com/p/{post.thread_id}/c/{post.post_id}/"
    return f"https://www.instagram.com/p/{post.post_id}/"


def _facebook_url(post: Post) -> str:
    if post.is_comment:  # the handle is the commenter's: the post is named by its id alone
        return (
            f"https://www.facebook.com/permalink.php?story_fbid={post.thread_id}"
            f"&comment_id={post.post_id}"
        )
    return f"https://www.facebook.com/{post.handle}/posts/{post.post_id}"


def _linkedin_url(post: Post) -> str:
    if post.is_comment:
        thread = post.thread_id
        return (
            f"https://www.linkedin.com/feed/update/urn:li:activity:{thread}/"
            f"?commentUrn=urn%3Ali%3Acomment%3A%28activity%3A{thread}%2C{post.post_id}%29"
        )
    return f"https://www.linkedin.com/posts/{linkedin_slug(post)}/"


_OTHER_URLS: dict[Platform, Callable[[Post], str]] = {
    Platform.REDDIT: _reddit_url,
    Platform.TELEGRAM: lambda post: f"https://t.me/{post.handle}/{post.post_id}",
    Platform.THREADS: lambda post: f"https://www.threads.com/@{post.handle}/post/{post.post_id}",
    Platform.INSTAGRAM: _instagram_url,
    Platform.YOUTUBE: _youtube_url,
    Platform.TIKTOK: lambda post: f"https://www.tiktok.com/@{post.handle}/video/{post.post_id}",
    Platform.FACEBOOK: _facebook_url,
    Platform.LINKEDIN: _linkedin_url,
    Platform.TRUTH_SOCIAL: lambda p: f"https://truthsocial.com/@{p.handle}/posts/{p.post_id}",
}


def bluesky_did(handle: str) -> str:
    """A stable made-up ``did:plc`` for a handle (real ones are 24 base32 characters too)."""
    digest = hashlib.sha256(handle.encode()).digest()
    return "did:plc:" + base64.b32encode(digest).decode().lower()[:24]


_LINKS = re.compile(r"(?P<url>https?://[^\s<>\"']*[^\s<>\"'.,;:!?»)\]])|(?<![\w/#&])#(?P<tag>\w+)")


def linkify(text: str, tag_href: Callable[[str], str] | None = None) -> str:
    """Escape ``text`` and turn its URLs (and, given ``tag_href``, its hashtags) into links,
    keeping the visible text unchanged. Tokens are found in the raw text, so an escaped
    character (``&#x27;``) can never be mistaken for a hashtag."""
    out: list[str] = []
    last = 0
    for found in _LINKS.finditer(text):
        url, tag = found.group("url"), found.group("tag")
        if tag and tag_href is None:
            continue
        out.append(escape(text[last : found.start()]))
        if url:
            shown = escape(url)
            out.append(f'<a href="{shown}" rel="nofollow noopener" target="_blank">{shown}</a>')
        else:
            href = escape(tag_href(tag)) if tag_href else ""
            label = f"#<span>{escape(tag)}</span>"
            out.append(f'<a href="{href}" class="mention hashtag" rel="tag">{label}</a>')
        last = found.end()
    out.append(escape(text[last:]))
    return "".join(out)


@cache
def asset(name: str) -> str:
    """A stylesheet or script of the fake sites, shipped as package data in ``demo/site``."""
    return resources.files("demo").joinpath("site", name).read_text(encoding="utf-8")


def paragraphs(text: str, tag_href: Callable[[str], str] | None = None) -> str:
    """``text`` as ``<p>`` per paragraph and ``<br>`` per line break, links made clickable."""
    parts = [p for p in text.split("\n\n") if p.strip()]
    return "".join(f"<p>{linkify(p, tag_href).replace(chr(10), '<br>')}</p>" for p in parts)
