"""Facebook posts (``/USER/posts/ID``, ``permalink.php`` and ``story.php``, group posts, photos,
videos and reels) and comments (``?comment_id=``), as a logged-out reader sees them.

The markup has generated class names; the stable parts are the ``role="article"`` blocks, the
``data-ad-rendering-role`` / ``data-ad-preview`` markers of the author and the message, and the
page's data (``script[data-sjs]``), whose ``Story`` and ``Comment`` objects give the times the page
itself only shows in words. Share links (``/share/p/...``, ``fb.me``) are left to the generic
adapter on purpose: the capture engine follows their redirect and hands the post's own URL to this
adapter, so the post is identified by its real id.

Facebook answers "This content isn't available right now" both for a deleted post and for one its
owner no longer shows to the public; both are recorded as ``not_found`` with those words as the
reason."""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from typing import Any, ClassVar
from urllib.parse import parse_qs, urlsplit

from archiver.models import Status
from archiver.platforms._page import ServedPage
from archiver.platforms._structured import oembed_answers, oembed_fields
from archiver.platforms.base import GENERIC_PHRASES, Adapter, AdapterCase, Phrases, PostRef, UrlCase

_HOST = r"(?:(?:www|m|web|mbasic|touch)\.)?facebook\.com"
_STORY = r"(?P<id>pfbid0[A-Za-z0-9]{20,80}|\d{5,25})"
_END = r"/?(?:[?#].*)?$"
SITE = "https://www.facebook.com"


class FacebookAdapter(Adapter):
    NAME = "facebook"
    LABEL = "Facebook"
    PATTERNS = (
        re.compile(
            rf"^https?://{_HOST}/(?P<user>[A-Za-z0-9.]{{1,80}})/posts/{_STORY}{_END}", re.IGNORECASE
        ),
        re.compile(
            rf"^https?://{_HOST}/(?:permalink|story)\.php\?(?:[^#]*&)?story_fbid={_STORY}(?:[&#].*)?$",
            re.IGNORECASE,
        ),
        re.compile(
            rf"^https?://{_HOST}/groups/(?P<group>[A-Za-z0-9.]{{1,80}})/(?:posts|permalink)/{_STORY}{_END}",
            re.IGNORECASE,
        ),
        re.compile(
            rf"^https?://{_HOST}/(?:(?P<owner>[A-Za-z0-9.]{{1,80}})/)?(?:videos|reel)/(?:[^/?#]+/)?(?P<id>\d{{5,25}}){_END}",
            re.IGNORECASE,
        ),
        re.compile(
            rf"^https?://{_HOST}/(?:photo/?|photo\.php|watch/?)\?(?:[^#]*&)?(?:fbid|v)=(?P<id>\d{{5,25}})(?:[&#].*)?$",
            re.IGNORECASE,
        ),
    )
    # Server-rendered: the post (or the page saying why there is none) is there at load.
    READY_SELECTOR = '[role="article"], body'
    POST_SELECTOR = '[role="article"]'
    PHRASES = Phrases(
        not_found=(
            "this content isn't available right now",
            "this content isn’t available right now",
            "this content isn't available at the moment",
            "this content isn’t available at the moment",
            "this page isn't available",
            "this page isn’t available",
        ),
        suspended=GENERIC_PHRASES.suspended,
        login_wall=(
            "you must log in to continue",
            "log into facebook",
            "you must be 18 years or older to see this",
            "this content is age-restricted",
        ),
        login_url_parts=("/login", "/checkpoint/"),
    )
    EXTRACT_JS = r"""
    (ctx) => {
      let story = null;
      const comments = new Map();
      const visit = (node, depth) => {
        if (!node || typeof node !== 'object' || depth > 64) return;
        if (node.__typename === 'Story' && String(node.post_id) === ctx.story) story = node;
        if (node.__typename === 'Comment' && node.legacy_fbid) comments.set(String(node.legacy_fbid), node);
        for (const value of Object.values(node)) visit(value, depth + 1);
      };
      for (const script of document.querySelectorAll('script[type="application/json"][data-sjs]')) {
        try { visit(JSON.parse(script.textContent), 0); } catch (e) { /* another blob may hold it */ }
      }
      const when = (seconds) => seconds ? new Date(Number(seconds) * 1000).toISOString() : null;
      const vanity = (a) => {
        const m = a && (a.getAttribute('href') || '').match(/^(?:https?:\/\/[^/]+)?\/([A-Za-z0-9.]+)\/?(?:[?#]|$)/);
        return m && !['profile.php', 'people', 'groups'].includes(m[1]) ? m[1] : null;
      };
      const articles = [...document.querySelectorAll('[role="article"]')];
      if (ctx.comment) {
        const link = document.querySelector(`[role="article"] a[href*="comment_id=${ctx.comment}"]`);
        const box = link && link.closest('[role="article"]');
        if (!box) return null;
        box.setAttribute('data-postproof-post', '1');
        const data = comments.get(ctx.comment) || {};
        const who = box.querySelector('a[href][role="link"]');
        const text = box.querySelector('div[dir="auto"]');
        return {
          author: (data.author || {}).name || (who ? who.innerText : null),
          handle: vanity(who),
          posted_at: when(data.created_time),
          text: (data.body || {}).text || (text ? text.innerText : null),
          media: [], reply_to: ctx.postUrl, quote_of: null,
        };
      }
      const main = articles.find((a) => a.querySelector('[data-ad-preview="message"], [data-ad-rendering-role="story_message"], [data-ad-rendering-role="profile_name"]'));
      if (!main) return null;
      main.setAttribute('data-postproof-post', '1');
      const mine = (el) => el.closest('[role="article"]') === main;
      const who = main.querySelector('[data-ad-rendering-role="profile_name"] a[href]');
      const message = main.querySelector('[data-ad-preview="message"], [data-ad-rendering-role="story_message"]');
      const shown = [...main.querySelectorAll('img')]
        .filter((img) => mine(img) && !img.closest('[data-ad-rendering-role="profile_name"]'))
        .map((img) => ({url: abs(img.getAttribute('src')), kind: 'image', alt: img.getAttribute('alt')}));
      const data = story || {};
      const attached = (data.attachments || []).map((a) => ((a.media || {}).photo_image || {}).uri).filter(Boolean);
      const alts = new Map(shown.map((m) => [m.url, m.alt]));
      const actor = (data.actors || [])[0] || {};
      return {
        author: actor.name || (who ? who.innerText : null),
        handle: vanity(who) || (actor.url ? (actor.url.match(/facebook\.com\/([A-Za-z0-9.]+)\/?$/) || [])[1] || null : null),
        posted_at: when(data.creation_time),
        text: (data.message || {}).text || (message ? message.innerText : null),
        media: (attached.length ? attached.map((url) => ({url: url, kind: 'image', alt: alts.get(url) || null})) : shown).filter((m) => m.url),
        reply_to: null,
        quote_of: null,
      };
    }
    """

    TESTS: ClassVar[tuple[AdapterCase, ...]] = (
        AdapterCase(
            "https://www.facebook.com/mairie.lyon8/posts/pfbid02Xk7nR8QvT3mLw9ZpD4sYc6HjEa1BuFgN5KqV2oWxSyM7tPl",
            Status.OK,
            author="Mairie du 8e arrondissement",
            handle="mairie.lyon8",
            posted_at="2025-01-26T09:00:00+00:00",
            text_contains="marché de Noël",
            media_count=0,
            post_screenshot=True,
        ),
        AdapterCase(
            "https://www.facebook.com/permalink.php?story_fbid=122134567890123456&id=100064512345678",
            Status.OK,
            author="Mairie du 8e arrondissement",
            media_count=1,
        ),
        AdapterCase(
            "https://www.facebook.com/mairie.lyon8/posts/pfbid02Xk7nR8QvT3mLw9ZpD4sYc6HjEa1BuFgN5KqV2oWxSyM7tPl?comment_id=1098765432109876",
            Status.OK,
            author="Nadia Belkhir",
            text_contains="parking",
            reply_to_contains="/mairie.lyon8/posts/pfbid02Xk7nR8QvT3mLw9ZpD4sYc6HjEa1BuFgN5KqV2oWxSyM7tPl",
            post_screenshot=True,
        ),
        AdapterCase(
            "https://www.facebook.com/mairie.lyon8/posts/pfbid0GoneGoneGoneGoneGoneGoneGone",
            Status.NOT_FOUND,
        ),
        AdapterCase(
            "https://www.facebook.com/groupe.prive/posts/pfbid0LockLockLockLockLockLockLock",
            Status.LOGIN_WALL,
        ),
        # A share link is the generic adapter's until it redirects here (see the module docstring).
        AdapterCase(
            "https://www.facebook.com/share/p/a7910ca4d2b98eb0/", Status.OK, handle="mairie.lyon8"
        ),
    )
    URL_CASES: ClassVar[tuple[UrlCase, ...]] = (
        # Page posts, permalink.php, groups, videos, comments.
        UrlCase(
            "https://www.facebook.com/mairie.lyon8/posts/pfbid02Xk7nR8QvT3mLw9ZpD4sYc6HjEa1BuF",
            post_id="pfbid02Xk7nR8QvT3mLw9ZpD4sYc6HjEa1BuF",
            canonical="https://www.facebook.com/mairie.lyon8/posts/pfbid02Xk7nR8QvT3mLw9ZpD4sYc6HjEa1BuF",
        ),
        UrlCase(
            "https://m.facebook.com/mairie.lyon8/posts/pfbid02Xk7nR8QvT3mLw9ZpD4sYc6HjEa1BuF/?mibextid=x",
            post_id="pfbid02Xk7nR8QvT3mLw9ZpD4sYc6HjEa1BuF",
            canonical="https://www.facebook.com/mairie.lyon8/posts/pfbid02Xk7nR8QvT3mLw9ZpD4sYc6HjEa1BuF",
        ),
        UrlCase(
            "https://www.facebook.com/permalink.php?story_fbid=122134567890123456&id=100064512345678",
            post_id="122134567890123456",
            canonical="https://www.facebook.com/permalink.php?story_fbid=122134567890123456&id=100064512345678",
        ),
        UrlCase(
            "https://www.facebook.com/story.php?id=100064512345678&story_fbid=122134567890123456",
            post_id="122134567890123456",
            canonical="https://www.facebook.com/permalink.php?story_fbid=122134567890123456&id=100064512345678",
        ),
        UrlCase(
            "https://www.facebook.com/groups/velo.lyon/posts/2345678901234567/",
            post_id="2345678901234567",
            canonical="https://www.facebook.com/groups/velo.lyon/posts/2345678901234567",
        ),
        UrlCase(
            "https://www.facebook.com/mairie.lyon8/videos/987654321098765/",
            post_id="987654321098765",
            canonical="https://www.facebook.com/watch/?v=987654321098765",
        ),
        UrlCase(
            "https://www.facebook.com/reel/987654321098765",
            post_id="987654321098765",
            canonical="https://www.facebook.com/watch/?v=987654321098765",
        ),
        UrlCase(
            "https://www.facebook.com/mairie.lyon8/posts/pfbid02Xk7nR8QvT3mLw9ZpD4sYc6HjEa1BuF?comment_id=1098765432109876",
            post_id="pfbid02Xk7nR8QvT3mLw9ZpD4sYc6HjEa1BuF/1098765432109876",
            canonical="https://www.facebook.com/mairie.lyon8/posts/pfbid02Xk7nR8QvT3mLw9ZpD4sYc6HjEa1BuF?comment_id=1098765432109876",
        ),
        UrlCase("https://www.facebook.com/mairie.lyon8", matches=False),
        # A share link: not a post itself, it is followed to the post at capture time.
        UrlCase("https://www.facebook.com/share/p/a7910ca4d2b98eb0/", matches=False),
    )
    FIXTURES = (
        "facebook_live",
        "facebook_photo_permalink",
        "facebook_comment",
        "facebook_deleted",
        "facebook_login_wall",
        "facebook_share_link",
    )

    @classmethod
    def post_ref(cls, url: str) -> PostRef:
        found = cls.match(url)
        assert found is not None
        groups = found.groupdict()
        story = found.group("id")
        query = parse_qs(urlsplit(url).query)
        if groups.get("user"):
            base = f"{SITE}/{groups['user']}/posts/{story}"
        elif groups.get("group"):
            base = f"{SITE}/groups/{groups['group']}/posts/{story}"
        elif "story_fbid" in query:
            owner = (query.get("id") or [""])[0]
            base = f"{SITE}/permalink.php?story_fbid={story}" + (f"&id={owner}" if owner else "")
        elif re.search(r"/(?:videos|reel|watch)\b", urlsplit(url).path.lower()):
            base = f"{SITE}/watch/?v={story}"
        else:
            base = f"{SITE}/photo/?fbid={story}"
        comment = (query.get("comment_id") or [""])[0]
        if re.fullmatch(r"\d{5,25}", comment):
            joiner = "&" if "?" in base else "?"
            return PostRef(cls.NAME, f"{story}/{comment}", f"{base}{joiner}comment_id={comment}")
        return PostRef(cls.NAME, story, base)

    def js_args(self, ref: PostRef, url: str) -> dict[str, Any]:
        story, _, comment = (ref.post_id or "").partition("/")
        post_url = re.sub(r"[?&]comment_id=\d+$", "", ref.canonical_url)
        return {
            **super().js_args(ref, url),
            "story": story,
            "comment": comment or None,
            "postUrl": post_url,
        }

    def structured(self, page: ServedPage, ref: PostRef) -> Iterator[tuple[str, Mapping[str, Any]]]:
        story, _, comment = (ref.post_id or "").partition("/")
        if comment:
            return
        # Facebook's oEmbed (``/plugins/post/oembed.json``, the Graph API's ``oembed_post`` and
        # ``oembed_video``): its markup quotes the post's text and names its author.
        for answer in oembed_answers(page, story):
            yield "facebook oembed", oembed_fields(answer, video_url=ref.canonical_url)
