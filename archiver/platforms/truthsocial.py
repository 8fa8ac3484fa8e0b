"""Truth Social (truthsocial.com), a Mastodon server behind a Soapbox-derived app. Post pages
(``/@USER/posts/ID``, and the Mastodon forms ``/@USER/ID`` and ``/users/USER/statuses/ID``) are
rendered client-side, so readiness is a selector. The status from the Mastodon API
(``/api/v1/statuses/ID``, same origin) is fetched, kept and preferred for the fields; a reply's
parent is named by the API's ``in_reply_to_id`` and the matching mention. Registered before the
Mastodon adapter, whose patterns would also accept this host's ``/@USER/ID`` form."""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from typing import Any, ClassVar

from archiver.models import Status
from archiver.platforms._page import ServedPage
from archiver.platforms._structured import StructuredAdapter
from archiver.platforms.base import AdapterCase, Phrases, PostRef, UrlCase
from archiver.platforms.mastodon import status_fields

_API_STATUS = re.compile(r"/api/v1/statuses/\d+/?(?:\?|$)")

_HOST = r"(?:www\.)?truthsocial\.com"
_USER = r"(?P<user>[A-Za-z0-9_]{1,30})"
_ID = r"(?P<id>\d{6,20})"
_END = r"/?(?:[?#].*)?$"
SITE = "https://truthsocial.com"


class TruthSocialAdapter(StructuredAdapter):
    NAME = "truthsocial"
    LABEL = "Truth Social"
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
    URL_CASES: ClassVar[tuple[UrlCase, ...]] = (
        # The app's form and the Mastodon forms, before the Mastodon adapter sees them.
        UrlCase(
            "https://truthsocial.com/@JeanValmont/posts/113906339020800321",
            post_id="113906339020800321",
            canonical="https://truthsocial.com/@JeanValmont/posts/113906339020800321",
        ),
        UrlCase(
            "https://truthsocial.com/@JeanValmont/113906339020800321",
            post_id="113906339020800321",
            canonical="https://truthsocial.com/@JeanValmont/posts/113906339020800321",
        ),
        UrlCase(
            "https://truthsocial.com/users/JeanValmont/statuses/113906339020800321",
            post_id="113906339020800321",
            canonical="https://truthsocial.com/@JeanValmont/posts/113906339020800321",
        ),
        UrlCase("https://truthsocial.com/@JeanValmont", matches=False),
    )
    FIXTURES = (
        "truthsocial_live",
        "truthsocial_media_old_form",
        "truthsocial_reply",
        "truthsocial_deleted",
        "truthsocial_login_wall",
    )

    @classmethod
    def post_ref(cls, url: str) -> PostRef:
        found = cls.match(url)
        assert found is not None
        post_id = found.group("id")
        return PostRef(cls.NAME, post_id, f"{SITE}/@{found.group('user')}/posts/{post_id}")

    def js_args(self, ref: PostRef, url: str) -> dict[str, Any]:
        return {**super().js_args(ref, url), "id": ref.post_id}

    def structured(self, page: ServedPage, ref: PostRef) -> Iterator[tuple[str, Mapping[str, Any]]]:
        for _, value in page.json_answers(_API_STATUS):
            if isinstance(value, Mapping) and str(value.get("id")) == ref.post_id:
                yield "truthsocial api", status_fields(value, "", SITE, "posts/")

    def endpoints(
        self, raw: Mapping[str, Any] | None, ref: PostRef
    ) -> Iterator[tuple[str, Mapping[str, Any]]]:
        status = self.structured_json(raw)
        if isinstance(status, Mapping) and str(status.get("id")) == ref.post_id:
            yield "truthsocial api", status_fields(status, "", SITE, "posts/")
