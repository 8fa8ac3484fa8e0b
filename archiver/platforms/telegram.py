"""Telegram channel posts, through t.me's public web previews: a post's page (``t.me/CHANNEL/ID``,
which shows the post inside the embed widget's iframe) or the channel's history
(``t.me/s/CHANNEL/ID``). The widget itself (``?embed=1``) is the post's structured form: fetched
from t.me, kept, parsed in the page and preferred for the fields.

What the widget says when it shows no post ("Post not found", "Please open Telegram to view this
post") is inside the iframe, out of the page's visible text; :meth:`TelegramAdapter.fields`
remembers it so that :meth:`TelegramAdapter.classify`, which the capture engine calls next on the
same adapter instance (one per capture), can report it.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from typing import Any, ClassVar
from urllib.parse import urlsplit

from archiver.models import PostFields, Status
from archiver.platforms._page import ServedPage
from archiver.platforms._reading import shortened
from archiver.platforms._structured import StructuredAdapter
from archiver.platforms.base import AdapterCase, PageSnapshot, Phrases, PostRef, UrlCase

_HOST = r"(?:www\.)?(?:t\.me|telegram\.me|telegram\.dog)"
_END = r"/?(?:[?#].*)?$"


class TelegramAdapter(StructuredAdapter):
    NAME = "telegram"
    LABEL = "Telegram"
    STRUCTURED_TYPE = "text/html"
    PATTERNS = (
        re.compile(
            rf"^https?://{_HOST}/(?:s/)?(?P<channel>[A-Za-z][A-Za-z0-9_]{{3,31}})/(?P<id>\d{{1,10}}){_END}",
            re.IGNORECASE,
        ),
        # A private channel or group (only its members can read it): t.me/c/CHAT[/TOPIC]/ID.
        re.compile(
            rf"^https?://{_HOST}/c/(?P<chat>\d{{5,15}})/(?:\d{{1,10}}/)?(?P<id>\d{{1,10}}){_END}",
            re.IGNORECASE,
        ),
    )
    # The page's load event waits for the widget's iframe, so the post is in by then.
    READY_SELECTOR = ".tgme_widget_message, .tgme_page_widget iframe, .tgme_page_wrap, body"
    POST_SELECTOR = ".tgme_widget_message, .tgme_page_widget iframe"
    PHRASES = Phrases(
        not_found=("post not found", "channel not found"),
        suspended=(
            "this channel can't be displayed",
            "this channel can’t be displayed",
            "this channel is blocked",
        ),
        login_wall=(
            "please open telegram to view this post",
            "this channel is private",
            "this post is only available in the telegram app",
        ),
        login_url_parts=(),
    )
    EXTRACT_JS = r"""
    async (ctx) => {
      // innerText is empty in a parsed (unrendered) document, so line breaks are taken from <br>.
      const textOf = (el) => {
        if (!el) return null;
        const copy = el.cloneNode(true);
        copy.querySelectorAll('br').forEach((br) => br.replaceWith('\n'));
        return copy.textContent;
      };
      const read = (root) => {
        const q = (sel) => root.querySelector(sel);
        const owner = q('.tgme_widget_message_owner_name');
        const time = q('.tgme_widget_message_date time[datetime]') || q('time[datetime]');
        const reply = q('a.tgme_widget_message_reply');
        const forwarded = q('a.tgme_widget_message_forwarded_from_name, .tgme_widget_message_forwarded_from a');
        const photos = [...root.querySelectorAll('.tgme_widget_message_photo_wrap')].map((el) => {
          const m = (el.getAttribute('style') || '').match(/background-image:\s*url\(['"]?([^'")]+)['"]?\)/);
          return m ? {url: abs(m[1]), kind: 'image', alt: null} : null;
        });
        const videos = [...root.querySelectorAll('video')].map((v) => ({url: abs(v.getAttribute('src')), kind: 'video', alt: null}));
        return {
          author: textOf(owner),
          handle: '@' + (root.getAttribute('data-post') || '').split('/')[0],
          posted_at: time ? time.getAttribute('datetime') : null,
          text: textOf(q('.tgme_widget_message_text.js-message_text')),
          media: [...photos, ...videos].filter((m) => m && m.url),
          reply_to: reply ? abs(reply.getAttribute('href')) : null,
          quote_of: forwarded ? abs(forwarded.getAttribute('href')) : null,
        };
      };
      const wanted = `${ctx.channel}/${ctx.id}`.toLowerCase();
      const isWanted = (el) => (el.getAttribute('data-post') || '').toLowerCase() === wanted;
      const inPage = [...document.querySelectorAll('.tgme_widget_message[data-post]')].find(isWanted);
      const frame = document.querySelector('.tgme_page_widget iframe, iframe[id^="telegram-post-"]');
      if ((!inPage && !frame) || !ctx.channel) return null;
      const structured = await fetchSameOrigin(`${location.origin}/${ctx.channel}/${ctx.id}?embed=1&mode=tme`, 'text/html', ctx.maxBytes);
      let fields = null, error = null;
      if (structured) {
        const doc = new DOMParser().parseFromString(structured.body, 'text/html');
        const found = [...doc.querySelectorAll('.tgme_widget_message[data-post]')].find(isWanted);
        if (found) fields = read(found);
        const said = doc.querySelector('.tgme_widget_message_error');
        if (said) error = (said.firstChild && said.firstChild.textContent || said.textContent).trim();
      }
      if (!fields && inPage) fields = read(inPage);
      if (!fields) return error ? {error: error} : null;
      (inPage || frame).setAttribute('data-postproof-post', '1');
      return {...fields, structured: structured};
    }
    """

    TESTS: ClassVar[tuple[AdapterCase, ...]] = (
        AdapterCase(
            "https://t.me/lyoninfo_direct/2841",
            Status.OK,
            author="Lyon Info Direct",
            handle="@lyoninfo_direct",
            posted_at="2025-01-21T07:30:00+00:00",
            text_contains="Coupure d'eau",
            media_count=0,
            post_screenshot=True,
        ),
        AdapterCase(
            "https://t.me/s/lyoninfo_direct/2842",
            Status.OK,
            handle="@lyoninfo_direct",
            media_count=1,
            post_screenshot=True,
        ),
        AdapterCase(
            "https://t.me/lyoninfo_direct/2843",
            Status.OK,
            reply_to_contains="t.me/lyoninfo_direct/2841",
        ),
        AdapterCase("https://t.me/lyoninfo_direct/2839", Status.NOT_FOUND),
        AdapterCase("https://t.me/s/lyoninfo_direct/2839", Status.NOT_FOUND),
        AdapterCase("https://t.me/coulisses_prive/118", Status.LOGIN_WALL),
    )
    URL_CASES: ClassVar[tuple[UrlCase, ...]] = (
        # A post's page, the channel history, telegram.me, private chats.
        UrlCase(
            "https://t.me/lyoninfo_direct/2841",
            post_id="lyoninfo_direct/2841",
            canonical="https://t.me/lyoninfo_direct/2841",
        ),
        UrlCase(
            "https://t.me/s/LyonInfo_Direct/2841?before=2900",
            post_id="lyoninfo_direct/2841",
            canonical="https://t.me/lyoninfo_direct/2841",
        ),
        UrlCase(
            "https://telegram.me/lyoninfo_direct/2841?single",
            post_id="lyoninfo_direct/2841",
            canonical="https://t.me/lyoninfo_direct/2841",
        ),
        UrlCase(
            "https://t.me/c/1234567890/118",
            post_id="c/1234567890/118",
            canonical="https://t.me/c/1234567890/118",
        ),
        UrlCase(
            "https://t.me/c/1234567890/5/118",
            post_id="c/1234567890/118",
            canonical="https://t.me/c/1234567890/118",
        ),
        UrlCase("https://t.me/lyoninfo_direct", matches=False),
        UrlCase("https://t.me/joinchat/AAAAAEabcdef", matches=False),
    )
    FIXTURES = (
        "telegram_live",
        "telegram_media_history",
        "telegram_reply",
        "telegram_deleted",
        "telegram_deleted_history",
        "telegram_login_wall",
    )

    def __init__(self) -> None:
        self._widget_says: str | None = None

    @classmethod
    def post_ref(cls, url: str) -> PostRef:
        found = cls.match(url)
        assert found is not None
        post_id = found.group("id")
        chat = found.groupdict().get("chat")
        if chat:
            return PostRef(cls.NAME, f"c/{chat}/{post_id}", f"https://t.me/c/{chat}/{post_id}")
        channel = found.group("channel").lower()
        return PostRef(cls.NAME, f"{channel}/{post_id}", f"https://t.me/{channel}/{post_id}")

    def js_args(self, ref: PostRef, url: str) -> dict[str, Any]:
        channel, _, post_id = (ref.post_id or "").rpartition("/")
        public = not channel.startswith("c/")
        return {**super().js_args(ref, url), "channel": channel if public else None, "id": post_id}

    def fields(self, raw: Mapping[str, Any] | None, ref: PostRef) -> PostFields | None:
        said = (raw or {}).get("error")
        self._widget_says = " ".join(str(said).split()) if said else None
        if not raw or said:
            return None
        return super().fields(raw, ref)

    def classify(self, snap: PageSnapshot) -> tuple[Status, str] | None:
        verdict = super().classify(snap)
        if verdict is not None or (snap.post_found and not snap.from_metadata):
            return verdict
        if self._widget_says:
            said = self._widget_says.lower()
            for status, phrases in (
                (Status.SUSPENDED, self.PHRASES.suspended),
                (Status.NOT_FOUND, self.PHRASES.not_found),
                (Status.LOGIN_WALL, self.PHRASES.login_wall),
            ):
                if any(phrase in said for phrase in phrases):
                    return status, f"Telegram's post widget says “{self._widget_says}”"
        if self.post_ref(snap.requested_url).canonical_url.startswith("https://t.me/c/"):
            return Status.LOGIN_WALL, "the post is in a private chat: only its members can read it"
        if urlsplit(snap.final_url).path.lower().startswith("/s/"):
            return Status.NOT_FOUND, (
                "the channel's public history does not show this post (deleted, or never posted)"
            )
        return None

    def metadata(
        self, page: ServedPage, ref: PostRef
    ) -> Iterator[tuple[str, Mapping[str, Any], bool]]:
        # A public post's page (t.me/CHANNEL/ID) names the channel in og:title, the post in the
        # app links (tg://resolve?domain=CHANNEL&post=ID), and quotes the message in
        # og:description — whole, unless Telegram cut it with "…".
        channel, _, post_id = (ref.post_id or "").rpartition("/")
        link = page.meta_first("al:android:url", "al:ios:url", "twitter:app:url:iphone") or ""
        found = re.search(r"[?&]domain=([\w]+)&(?:amp;)?post=(\d+)", link)
        if not found or found.group(2) != post_id or found.group(1).lower() != channel.lower():
            return  # a channel's page (its og:description describes the channel, not a post)
        text = page.meta_first("og:description", "twitter:description")
        author = page.meta_first("og:title", "twitter:title")
        yield "telegram page metadata", {"author": author, "handle": f"@{found.group(1)}"}, False
        yield "telegram page metadata", {"text": text}, shortened(text)
