"""LinkedIn posts, through their public ("guest") pages: ``/posts/VANITY_words-activity-ID-xxxx/``
and ``/feed/update/urn:li:activity:ID/`` (also ``share`` and ``ugcPost`` URNs, and the embed form),
and comments (``?commentUrn=urn:li:comment:(activity:ID,COMMENT)``).

The page shows only a relative time ("2d"); the date comes from its ``SocialMediaPosting`` JSON-LD,
or else from the id itself: LinkedIn ids are snowflakes whose top bits (``id >> 22``) are the
creation time in milliseconds. ``handle`` is the author's public profile name (``/in/NAME``).
Posts LinkedIn does not show to guests redirect to its "authwall"."""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any, ClassVar
from urllib.parse import parse_qs, quote, urlsplit

from archiver.models import PostFields, Status
from archiver.platforms.base import GENERIC_PHRASES, Adapter, AdapterCase, Phrases, PostRef, UrlCase

_HOST = r"(?:(?:www|[a-z]{2})\.)?linkedin\.com"
_COLON = r"(?::|%3A)"
_END = r"/?(?:[?#].*)?$"
SITE = "https://www.linkedin.com"
_COMMENT = re.compile(r"urn:li:(?:fsd_)?comment:\((?:activity:\d+,)?(?P<id>\d{5,25})[,)]")


class LinkedInAdapter(Adapter):
    NAME = "linkedin"
    LABEL = "LinkedIn"
    PATTERNS = (
        re.compile(
            rf"^https?://{_HOST}/posts/[^/?#]+-activity-(?P<id>\d{{15,25}})-[A-Za-z0-9_-]{{2,8}}{_END}",
            re.IGNORECASE,
        ),
        re.compile(
            rf"^https?://{_HOST}/(?:embed/)?feed/update/urn{_COLON}li{_COLON}(?P<kind>activity|share|ugcPost){_COLON}(?P<id>\d{{15,25}}){_END}",
            re.IGNORECASE,
        ),
    )
    # Server-rendered: the post (or the page saying why there is none) is there at load.
    READY_SELECTOR = "article[data-activity-urn], body"
    POST_SELECTOR = "article[data-activity-urn], section.comment"
    PHRASES = Phrases(
        not_found=(
            "page not found",
            "this page doesn’t exist",
            "this page doesn't exist",
            "we can’t seem to find the page",
            "we can't seem to find the page",
            "this post cannot be displayed",
            "this post is unavailable",
        ),
        suspended=GENERIC_PHRASES.suspended,
        login_wall=(
            "sign in to view more content",
            "agree & join linkedin",
            "join linkedin",
            "sign in to see who you already know",
        ),
        login_url_parts=("/authwall", "/login", "/uas/login", "/checkpoint/", "/signup"),
    )
    EXTRACT_JS = r"""
    (ctx) => {
      const vanity = (a) => {
        const m = a && (a.getAttribute('href') || '').match(/\/(?:in|company)\/([\w%-]+)/);
        return m ? decodeURIComponent(m[1]) : null;
      };
      const cards = [...document.querySelectorAll('article[data-activity-urn]')];
      const names = (card) => ['data-activity-urn', 'data-featured-activity-urn', 'data-attributed-urn'].map((k) => card.getAttribute(k) || '');
      const card = cards.find((c) => names(c).some((urn) => urn.endsWith(':' + ctx.id))) || (cards.length === 1 ? cards[0] : null);
      if (!card) return null;
      if (ctx.comment) {
        const box = [...document.querySelectorAll('section.comment[data-id]')].find((s) => s.getAttribute('data-id').endsWith(`,${ctx.comment})`));
        if (!box) return null;
        box.setAttribute('data-postproof-post', '1');
        const who = box.querySelector('a[data-tracking-control-name$="comment_actor-name"], a.comment__author');
        const text = box.querySelector('.comment__text, .attributed-text-segment-list__content');
        return {author: who ? who.innerText : null, handle: vanity(who), posted_at: null,
                text: text ? text.innerText : null, media: [], reply_to: ctx.postUrl, quote_of: null};
      }
      card.setAttribute('data-postproof-post', '1');
      let ld = {};
      for (const s of document.querySelectorAll('script[type="application/ld+json"]')) {
        try {
          const data = JSON.parse(s.textContent);
          for (const node of [].concat(data['@graph'] || data)) {
            if (['SocialMediaPosting', 'DiscussionForumPosting'].includes(node['@type'])) ld = node;
          }
        } catch (e) { /* a broken block is ignored */ }
      }
      const who = card.querySelector('a[data-tracking-control-name="public_post_feed-actor-name"]');
      const text = card.querySelector('[data-test-id="main-feed-activity-card__commentary"], .attributed-text-segment-list__content');
      const media = [...card.querySelectorAll('[data-test-id="feed-images-content"] img, video')]
        .map((m) => ({url: abs(m.getAttribute('data-delayed-url') || m.getAttribute('src') || m.getAttribute('poster')), kind: m.tagName === 'VIDEO' ? 'video' : 'image', alt: m.getAttribute('alt')}));
      const author = ld.author && !Array.isArray(ld.author) ? ld.author : {};
      return {
        author: author.name || (who ? who.innerText : null),
        handle: vanity(who) || (author.url ? (author.url.match(/\/(?:in|company)\/([\w%-]+)/) || [])[1] || null : null),
        posted_at: ld.datePublished || null,
        text: text ? text.innerText : (ld.text || ld.articleBody || null),
        media: media.filter((m) => m.url),
        reply_to: null,
        quote_of: null,
      };
    }
    """

    TESTS: ClassVar[tuple[AdapterCase, ...]] = (
        AdapterCase(
            "https://www.linkedin.com/posts/claire-dubois_fiere-d-annoncer-le-lancement-de-notre-activity-7289552712499204173-d0a8/",
            Status.OK,
            author="Claire Dubois",
            handle="claire-dubois",
            posted_at="2025-01-27T08:00:00+00:00",
            text_contains="programme de mentorat",
            media_count=0,
            post_screenshot=True,
        ),
        AdapterCase(
            "https://www.linkedin.com/feed/update/urn:li:activity:7289616885350404173/",
            Status.OK,
            author="Claire Dubois",
            media_count=1,
        ),
        AdapterCase(
            "https://www.linkedin.com/feed/update/urn:li:activity:7289552712499204173/?commentUrn=urn%3Ali%3Acomment%3A%28activity%3A7289552712499204173%2C7289569070284804173%29",
            Status.OK,
            author="Karim Haddad",
            handle="karim-haddad",
            posted_at="2025-01-27T09:05:00+00:00",
            reply_to_contains="urn:li:activity:7289552712499204173",
        ),
        AdapterCase(
            "https://www.linkedin.com/feed/update/urn:li:activity:7289000000000000001/",
            Status.NOT_FOUND,
        ),
        AdapterCase(
            "https://www.linkedin.com/feed/update/urn:li:activity:7289000000000000002/",
            Status.LOGIN_WALL,
        ),
    )
    URL_CASES: ClassVar[tuple[UrlCase, ...]] = (
        # The /posts/ slug and the feed URN fold together; share and ugcPost URNs differ.
        UrlCase(
            "https://www.linkedin.com/posts/claire-dubois_fiere-d-annoncer-activity-7289552712499204173-d0a8/?utm_source=share",
            post_id="7289552712499204173",
            canonical="https://www.linkedin.com/feed/update/urn:li:activity:7289552712499204173/",
        ),
        UrlCase(
            "https://fr.linkedin.com/feed/update/urn%3Ali%3Aactivity%3A7289552712499204173",
            post_id="7289552712499204173",
            canonical="https://www.linkedin.com/feed/update/urn:li:activity:7289552712499204173/",
        ),
        UrlCase(
            "https://www.linkedin.com/embed/feed/update/urn:li:share:7289552712499204000",
            post_id="share:7289552712499204000",
            canonical="https://www.linkedin.com/feed/update/urn:li:share:7289552712499204000/",
        ),
        UrlCase(
            "https://www.linkedin.com/feed/update/urn:li:activity:7289552712499204173/?commentUrn=urn%3Ali%3Acomment%3A%28activity%3A7289552712499204173%2C7289569070284804173%29",
            post_id="7289552712499204173/7289569070284804173",
            canonical="https://www.linkedin.com/feed/update/urn:li:activity:7289552712499204173/?commentUrn=urn%3Ali%3Acomment%3A%28activity%3A7289552712499204173%2C7289569070284804173%29",
        ),
        UrlCase("https://www.linkedin.com/in/claire-dubois/", matches=False),
        UrlCase("https://www.linkedin.com/pulse/un-article-claire-dubois", matches=False),
    )
    FIXTURES = (
        "linkedin_live",
        "linkedin_media_feed",
        "linkedin_comment",
        "linkedin_deleted",
        "linkedin_login_wall",
    )

    @classmethod
    def post_ref(cls, url: str) -> PostRef:
        found = cls.match(url)
        assert found is not None
        number = found.group("id")
        kind = (found.groupdict().get("kind") or "activity").lower()
        kind = "ugcPost" if kind == "ugcpost" else kind
        post_id = number if kind == "activity" else f"{kind}:{number}"
        base = f"{SITE}/feed/update/urn:li:{kind}:{number}/"
        query = parse_qs(urlsplit(url).query)
        urn = (query.get("commentUrn") or query.get("dashCommentUrn") or [""])[0]
        comment = _COMMENT.search(urn)
        if comment:
            cid = comment.group("id")
            full = quote(f"urn:li:comment:({kind}:{number},{cid})", safe="")
            return PostRef(cls.NAME, f"{post_id}/{cid}", f"{base}?commentUrn={full}")
        return PostRef(cls.NAME, post_id, base)

    def js_args(self, ref: PostRef, url: str) -> dict[str, Any]:
        post_id, _, comment = (ref.post_id or "").partition("/")
        post_url = ref.canonical_url.split("?", 1)[0]
        return {
            **super().js_args(ref, url),
            "id": post_id.rpartition(":")[2],
            "comment": comment or None,
            "postUrl": post_url,
        }

    def fields(self, raw: Mapping[str, Any] | None, ref: PostRef) -> PostFields | None:
        if not raw:
            return None
        if not raw.get("posted_at"):
            # The post's (or the comment's) own id: its top bits are its creation time.
            number = (ref.post_id or "").rpartition("/")[2].rpartition(":")[2]
            if number.isdigit():
                moment = datetime.fromtimestamp((int(number) >> 22) / 1000, UTC)
                raw = {**raw, "posted_at": moment.isoformat()}
        return super().fields(raw, ref)
