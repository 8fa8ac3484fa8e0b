"""X (formerly Twitter). Posts render client-side after load, so readiness is a selector."""

from __future__ import annotations

import re
from typing import ClassVar

from archiver.models import Status
from archiver.platforms.base import Adapter, AdapterCase, Phrases, PostRef

HOSTS = (
    r"(?:(?:www|mobile)\.)?(?:x|twitter)\.com",
    r"(?:fx|vx|fixup|fixv)x\.com",
    r"(?:fx|vx)twitter\.com",
    r"nitter\.(?:net|poast\.org|privacydev\.net)",
)
_HOST = "(?:" + "|".join(HOSTS) + ")"


class XAdapter(Adapter):
    NAME = "x"
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
      const articles = [...document.querySelectorAll('article[data-testid="tweet"]')];
      let index = articles.findIndex((a) => (statusOf(a) || {}).id === ctx.postId);
      if (index < 0 && articles.length === 1) index = 0;
      if (index < 0) return null;
      const main = articles[index];
      main.setAttribute('data-postproof-post', '1');
      const mine = (sel) => [...main.querySelectorAll(sel)].filter(outsideQuote);
      const names = mine('[data-testid="User-Name"] span').map((s) => s.innerText.trim()).filter(Boolean);
      const textEl = mine('[data-testid="tweetText"]')[0];
      const time = mine('time')[0];
      const media = mine('[data-testid="tweetPhoto"] img').map((img) => ({url: abs(img.getAttribute('src')), kind: 'image', alt: img.getAttribute('alt')}))
        .concat(mine('video').map((v) => ({url: abs(v.getAttribute('src') || v.getAttribute('poster')), kind: 'video', alt: v.getAttribute('aria-label')})));
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
