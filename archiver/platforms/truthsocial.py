"""Truth Social (truthsocial.com), a Mastodon server behind a Soapbox-derived app. Post pages
(``/@USER/posts/ID``, and the Mastodon forms ``/@USER/ID`` and ``/users/USER/statuses/ID``) are
rendered client-side, so readiness is a selector. The status from the Mastodon API
(``/api/v1/statuses/ID``, same origin) is fetched, kept and preferred for the fields; a reply's
parent is named by the API's ``in_reply_to_id`` and the matching mention. Registered before the
Mastodon adapter, whose patterns would also accept this host's ``/@USER/ID`` form."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any, ClassVar

from archiver.models import PostFields, Status
from archiver.platforms._structured import StructuredAdapter, prefer
from archiver.platforms.base import AdapterCase, Phrases, PostRef
from archiver.platforms.mastodon import html_to_text

_HOST = r"(?:www\.)?truthsocial\.com"
_USER = r"(?P<user>[A-Za-z0-9_]{1,30})"
_ID = r"(?P<id>\d{6,20})"
_END = r"/?(?:[?#].*)?$"
SITE = "https://truthsocial.com"


class TruthSocialAdapter(StructuredAdapter):
    NAME = "truthsocial"
    PATTERNS = (
        re.compile(rf"^https?://{_HOST}/@{_USER}/posts/{_ID}{_END}", re.IGNORECASE),
        re.compile(rf"^https?://{_HOST}/@{_USER}/{_ID}{_END}", re.IGNORECASE),
        re.compile(rf"^https?://{_HOST}/users/{_USER}/statuses/{_ID}{_END}", re.IGNORECASE),
    )
    # The app renders after load; a page without the app (an error page) is ready at once.
    READY_SELECTOR = (
        '[data-testid="status"] time[datetime], [data-testid="empty-state"], '
        '[data-testid="login-prompt"], body:not(:has(#soapbox))'
    )
    POST_SELECTOR = '[data-testid="status"]'
    PHRASES = Phrases(
        not_found=(
            "truth not found",
            "this truth has been deleted",
            "the page you are looking for isn't here",
            "page not found",
        ),
        suspended=("this account has been suspended", "account suspended"),
        login_wall=(
            "you need to be signed in to view this truth",
            "sign in to truth social",
            "sign in to see",
        ),
        login_url_parts=("/login", "/auth/sign_in"),
    )
    EXTRACT_JS = r"""
    async (ctx) => {
      const main = document.querySelector(`[data-testid="status"][data-id="${ctx.id}"]`);
      if (!main) return null;
      main.setAttribute('data-postproof-post', '1');
      const q = (sel) => main.querySelector(sel);
      const content = q('[data-testid="status-content"]');
      const time = q('time[datetime]');
      const above = main.previousElementSibling;
      const parentLink = above && q('[data-testid="status-reply-mentions"]')
        ? [...above.querySelectorAll('a[href*="/posts/"]')].find((a) => a.querySelector('time')) : null;
      const media = [...main.querySelectorAll('[data-testid="media-gallery"] img, [data-testid="media-gallery"] video')]
        .map((m) => ({url: abs(m.getAttribute('src')), kind: m.tagName === 'VIDEO' ? 'video' : 'image', alt: m.getAttribute('alt')}));
      const acct = (q('.account__acct') || {}).innerText || null;
      const structured = await fetchSameOrigin(`${location.origin}/api/v1/statuses/${ctx.id}`, 'application/json', ctx.maxBytes);
      return {
        author: (q('[data-testid="display-name"]') || {}).innerText || null,
        handle: acct,
        posted_at: time ? time.getAttribute('datetime') : null,
        text: content ? content.innerText : null,
        lang: content ? content.getAttribute('lang') : null,
        media: media.filter((m) => m.url),
        reply_to: parentLink ? abs(parentLink.getAttribute('href')) : null,
        quote_of: null,
        structured: structured,
      };
    }
    """

    TESTS: ClassVar[tuple[AdapterCase, ...]] = (
        AdapterCase(
            "https://truthsocial.com/@JeanValmont/posts/113906339020800321",
            Status.OK,
            author="Jean Valmont",
            handle="@JeanValmont",
            posted_at="2025-01-28T14:00:00+00:00",
            text_contains="réunion publique",
            media_count=0,
            post_screenshot=True,
        ),
        AdapterCase(
            "https://truthsocial.com/@JeanValmont/113906653593600321",
            Status.OK,
            handle="@JeanValmont",
            media_count=1,
        ),
        AdapterCase(
            "https://truthsocial.com/@MarieLenoir/posts/113906456985600321",
            Status.OK,
            author="Marie Lenoir",
            reply_to_contains="/@JeanValmont/posts/113906339020800321",
        ),
        AdapterCase(
            "https://truthsocial.com/@JeanValmont/posts/113900000000000001", Status.NOT_FOUND
        ),
        AdapterCase(
            "https://truthsocial.com/@JeanValmont/posts/113900000000000002", Status.LOGIN_WALL
        ),
    )

    @classmethod
    def post_ref(cls, url: str) -> PostRef:
        found = cls.match(url)
        assert found is not None
        post_id = found.group("id")
        return PostRef(cls.NAME, post_id, f"{SITE}/@{found.group('user')}/posts/{post_id}")

    def js_args(self, ref: PostRef, url: str) -> dict[str, Any]:
        return {**super().js_args(ref, url), "id": ref.post_id}

    def fields(self, raw: Mapping[str, Any] | None, ref: PostRef) -> PostFields | None:
        if not raw:
            return None
        status = self.structured_json(raw)
        if not isinstance(status, dict) or str(status.get("id")) != ref.post_id:
            return super().fields(raw, ref)
        found = status.get("account")
        account: dict[str, Any] = found if isinstance(found, dict) else {}
        acct = account.get("acct")
        media = [
            {
                "url": item.get("url"),
                "kind": "video" if item.get("type") in ("video", "gifv") else "image",
                "alt": item.get("description"),
            }
            for item in status.get("media_attachments") or []
            if isinstance(item, dict) and isinstance(item.get("url"), str)
        ]
        quote = status.get("quote")
        preferred = {
            "author": account.get("display_name"),
            "handle": f"@{acct}" if isinstance(acct, str) and acct else None,
            "posted_at": status.get("created_at"),
            "text": html_to_text(str(status.get("content") or "")),
            "lang": status.get("language"),
            "media": media,
            "reply_to": _parent_url(status),
            "quote_of": quote.get("url") if isinstance(quote, dict) else None,
        }
        return super().fields(prefer(raw, preferred), ref)


def _parent_url(status: Mapping[str, Any]) -> str | None:
    """The URL of the status this one replies to: its id, and its author among the mentions."""
    parent, account = status.get("in_reply_to_id"), status.get("in_reply_to_account_id")
    if not parent:
        return None
    for mention in status.get("mentions") or []:
        if isinstance(mention, dict) and mention.get("id") == account and mention.get("acct"):
            return f"{SITE}/@{mention['acct']}/posts/{parent}"
    return None
