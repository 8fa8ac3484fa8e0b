"""Bluesky (bsky.app). The web app renders posts client-side from the AppView's JSON."""

from __future__ import annotations

import re
from typing import Any, ClassVar

from archiver.models import Status
from archiver.platforms.base import Adapter, AdapterCase, Phrases, PostRef


class BlueskyAdapter(Adapter):
    NAME = "bluesky"
    PATTERNS = (
        re.compile(
            r"^https?://(?:www\.)?(?:bsky\.app|main\.bsky\.dev)/profile/(?P<actor>[A-Za-z0-9._:%-]{3,253})"
            r"/post/(?P<rkey>[A-Za-z0-9._:~-]{1,512})/?(?:[?#].*)?$",
            re.IGNORECASE,
        ),
    )
    READY_SELECTOR = (
        '[data-testid^="postThreadItem-by-"] [data-testid="postText"], '
        '[data-testid^="postThreadItem-by-"] [data-testid="postTimestamp"], '
        '[data-testid="postThreadScreen"] h2'
    )
    PHRASES = Phrases(
        not_found=("post not found", "the post may have been deleted"),
        suspended=("account taken down", "this account has been suspended"),
        login_wall=("sign-in required", "visible only to people who are signed in"),
        login_url_parts=("/login",),
    )
    EXTRACT_JS = r"""
    (ctx) => {
      const items = [...document.querySelectorAll('[data-testid^="postThreadItem-by-"]')];
      const rkeyOf = (item) => {
        const a = item.querySelector('a[data-testid="postTimestamp"]');
        const m = a && (a.getAttribute('href') || '').match(/\/post\/([^/?#]+)/);
        return m ? m[1] : null;
      };
      let index = items.findIndex((item) => rkeyOf(item) === ctx.rkey);
      if (index < 0 && items.length) index = items.length - 1;
      if (index < 0) return null;
      const main = items[index];
      main.setAttribute('data-postproof-post', '1');
      const q = (sel) => main.querySelector(sel);
      const textEl = q('[data-testid="postText"]');
      const stamp = q('[data-testid="postTimestamp"]');
      const published = document.querySelector('meta[property="article:published_time"]');
      const media = [...main.querySelectorAll('[data-testid="postEmbed"] img, [data-testid="postEmbed"] video')]
        .map((m) => ({url: abs(m.getAttribute('src')), kind: m.tagName === 'VIDEO' ? 'video' : 'image', alt: m.getAttribute('alt')}));
      let replyTo = main.getAttribute('data-reply-to');
      if (!replyTo && index > 0) {
        const parent = items[index - 1].querySelector('a[data-testid="postTimestamp"]');
        replyTo = parent ? abs(parent.getAttribute('href')) : null;
      }
      const quote = main.querySelector('[data-testid="quotePost"] a[href*="/post/"]');
      return {
        author: (q('[data-testid="postAuthorName"]') || {}).innerText || null,
        handle: (q('[data-testid="postAuthorHandle"]') || {}).innerText || null,
        posted_at: (stamp && (stamp.getAttribute('title') || stamp.getAttribute('datetime'))) ||
          (published ? published.getAttribute('content') : null),
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
            "https://bsky.app/profile/marc.bsky.social/post/3lf2abcdxyz2k",
            Status.OK,
            author="Marc Lefèvre",
            handle="@marc.bsky.social",
            posted_at="2025-01-17T14:20:00+00:00",
            text_contains="Premier jour sur Bluesky",
            media_count=1,
            post_screenshot=True,
        ),
        AdapterCase(
            "https://bsky.app/profile/nina.bsky.social/post/3lf2abcdxyz3m",
            Status.OK,
            handle="@nina.bsky.social",
            reply_to_contains="/profile/marc.bsky.social/post/3lf2abcdxyz2k",
        ),
        AdapterCase(
            "https://bsky.app/profile/ghost.bsky.social/post/3lf2abcdxyz4a", Status.NOT_FOUND
        ),
        AdapterCase(
            "https://bsky.app/profile/ghost.bsky.social/post/3lf2abcdxyz6c", Status.SUSPENDED
        ),
        AdapterCase(
            "https://bsky.app/profile/ghost.bsky.social/post/3lf2abcdxyz7d", Status.LOGIN_WALL
        ),
    )

    @classmethod
    def post_ref(cls, url: str) -> PostRef:
        found = cls.match(url)
        assert found is not None
        actor = found.group("actor").lower()
        rkey = found.group("rkey")
        return PostRef(cls.NAME, f"{actor}/{rkey}", f"https://bsky.app/profile/{actor}/post/{rkey}")

    def js_args(self, ref: PostRef, url: str) -> dict[str, Any]:
        return {**super().js_args(ref, url), "rkey": (ref.post_id or "").rsplit("/", 1)[-1]}
