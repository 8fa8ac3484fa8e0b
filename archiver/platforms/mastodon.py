"""Mastodon, on any instance.

The post is read, field by field, from: the status as Mastodon's own web app loads it
(``/api/v1/statuses/ID``, a JSON answer the page received); the ActivityPub ``Note`` behind
``link rel=alternate type=application/activity+json``, fetched from the page's own origin and kept
as an artifact; the page's metadata; and the server-rendered status element. A status's HTML is
read as written: the parts of a link Mastodon hides from display (``span.invisible``) are part of
what the author posted, so they are kept."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping
from html.parser import HTMLParser
from typing import Any, ClassVar

from archiver.models import Artifact, ArtifactKind, Status
from archiver.platforms._page import ServedPage
from archiver.platforms.base import Adapter, AdapterCase, Phrases, PostRef, UrlCase

MAX_ACTIVITYPUB_BYTES = 2_000_000
# An instance's host name, with a port when it has one (a development server: localhost:3000).
_INSTANCE = r"(?:[a-z0-9.-]+\.[a-z]{2,}|localhost)(?::\d{1,5})?"
_API_STATUS = re.compile(r"/api/v1/statuses(?:/(?P<id>\d+))?/?(?:\?|$)")


class MastodonAdapter(Adapter):
    NAME = "mastodon"
    LABEL = "Mastodon"
    PATTERNS = (
        re.compile(
            rf"^https?://(?P<host>{_INSTANCE})/@(?P<user>[A-Za-z0-9_.]{{1,64}})"
            r"(?:@[a-z0-9.-]+)?/(?P<id>\d{1,20})/?(?:[?#].*)?$",
            re.IGNORECASE,
        ),
        re.compile(
            rf"^https?://(?P<host>{_INSTANCE})/users/(?P<user>[A-Za-z0-9_.]{{1,64}})"
            r"/statuses/(?P<id>\d{1,20})/?(?:[?#].*)?$",
            re.IGNORECASE,
        ),
    )
    READY_SELECTOR = ".detailed-status, .status__content, body"
    PHRASES = Phrases(
        not_found=("the page you are looking for isn't here", "this post has been deleted"),
        suspended=("this account has been suspended", "account suspended"),
        login_wall=("login to ", "log in to ", "sign in to "),
        login_url_parts=("/auth/sign_in", "/login"),
    )
    EXTRACT_JS = r"""
    async (ctx) => {
      const main = document.querySelector('.detailed-status') ||
        document.querySelector(`[data-status-id="${ctx.statusId}"]`);
      if (!main) return null;
      main.setAttribute('data-postproof-post', '1');
      const q = (sel) => main.querySelector(sel);
      const textEl = q('.status__content__text') || q('.status__content');
      const time = q('time[datetime]');
      const media = [...main.querySelectorAll('.media-gallery img, .media-gallery video, video')]
        .map((m) => ({url: abs(m.getAttribute('src')), kind: m.tagName === 'VIDEO' ? 'video' : 'image', alt: m.getAttribute('alt')}));
      let activitypub = null;
      const alt = document.querySelector('link[rel="alternate"][type="application/activity+json"]');
      if (alt) {
        const target = abs(alt.getAttribute('href'));
        // Same origin only: the page's own server vouches for the JSON, and CORS allows it.
        if (target && new URL(target).origin === location.origin) {
          try {
            const r = await fetch(target, {headers: {Accept: 'application/activity+json'}, credentials: 'omit'});
            const body = await r.text();
            if (r.ok && body.length <= ctx.maxBytes) activitypub = body;
          } catch (e) { activitypub = null; }
        }
      }
      return {
        author: (q('.display-name__html') || {}).innerText || null,
        handle: (q('.display-name__account') || {}).innerText || null,
        posted_at: time ? time.getAttribute('datetime') : null,
        text: textEl ? textEl.innerText : null,
        lang: textEl ? textEl.getAttribute('lang') : null,
        media: media.filter((m) => m.url),
        reply_to: main.getAttribute('data-in-reply-to'),
        quote_of: null,
        activitypub: activitypub,
      };
    }
    """

    TESTS: ClassVar[tuple[AdapterCase, ...]] = (
        AdapterCase(
            "https://mastodon.example/@emile/113000000000000001",
            Status.OK,
            author="Émile Garnier",
            handle="@emile@mastodon.example",
            posted_at="2025-01-16T08:00:00+00:00",
            text_contains="outil d'archivage",
            media_count=1,
            post_screenshot=True,
        ),
        AdapterCase(
            "https://mastodon.example/@lea/113000000000000002",
            Status.OK,
            author="Léa Moreau",
            reply_to_contains="/users/emile/statuses/113000000000000001",
        ),
        AdapterCase("https://mastodon.example/@ghost/113000000000000003", Status.NOT_FOUND),
        AdapterCase("https://mastodon.example/@ghost/113000000000000005", Status.SUSPENDED),
        AdapterCase("https://mastodon.example/@ghost/113000000000000006", Status.LOGIN_WALL),
    )
    URL_CASES: ClassVar[tuple[UrlCase, ...]] = (
        # Ids of any length (an instance's first posts are 1, 23…), an instance on a port (a
        # development server speaks plain HTTP on localhost), the ActivityPub form.
        UrlCase(
            "https://mastodon.example/@emile/23",
            post_id="mastodon.example/23",
            canonical="https://mastodon.example/@emile/23",
        ),
        UrlCase(
            "http://localhost:3000/@mastodonpy_test/109440146049087385",
            post_id="localhost:3000/109440146049087385",
            canonical="http://localhost:3000/@mastodonpy_test/109440146049087385",
        ),
        UrlCase(
            "https://social.example:8443/users/lea/statuses/113000000000000002",
            post_id="social.example:8443/113000000000000002",
            canonical="https://social.example:8443/@lea/113000000000000002",
        ),
        UrlCase(
            "https://piaille.fr/@alice/113200000000000001?utm_medium=x",
            post_id="piaille.fr/113200000000000001",
            canonical="https://piaille.fr/@alice/113200000000000001",
        ),
        UrlCase(
            "https://mastodon.example/users/alice/statuses/1132000000",
            post_id="mastodon.example/1132000000",
            canonical="https://mastodon.example/@alice/1132000000",
        ),
        # Any other instance's post is still taken.
        UrlCase("https://mastodon.social/@someone/113200000000000001", only_matching=True),
    )
    FIXTURES = (
        "mastodon_live",
        "mastodon_ap_uri",
        "mastodon_reply",
        "mastodon_deleted",
        "mastodon_deleted_200",
        "mastodon_suspended",
        "mastodon_login_wall",
    )

    @classmethod
    def post_ref(cls, url: str) -> PostRef:
        found = cls.match(url)
        assert found is not None
        host = found.group("host").lower()
        user = found.group("user")
        # A development server on localhost speaks plain HTTP; every public instance HTTPS.
        scheme = "http" if host.startswith("localhost") and url.startswith("http:") else "https"
        # Status ids are only unique within one instance.
        return PostRef(
            cls.NAME,
            f"{host}/{found.group('id')}",
            f"{scheme}://{host}/@{user}/{found.group('id')}",
        )

    def js_args(self, ref: PostRef, url: str) -> dict[str, Any]:
        return {
            **super().js_args(ref, url),
            "statusId": (ref.post_id or "").rsplit("/", 1)[-1],
            "maxBytes": MAX_ACTIVITYPUB_BYTES,
        }

    def structured(self, page: ServedPage, ref: PostRef) -> Iterator[tuple[str, Mapping[str, Any]]]:
        host, _, status_id = (ref.post_id or "").rpartition("/")
        for _, value in page.json_answers():
            if (
                isinstance(value, Mapping)
                and value.get("type") in _NOTE_TYPES
                and _is_status(str(value.get("id") or ""), status_id)
            ):
                yield "mastodon activitypub", note_fields(value)
        for _, value in page.json_answers(_API_STATUS):
            for status in value if isinstance(value, list) else [value]:
                if isinstance(status, Mapping) and str(status.get("id")) == status_id:
                    yield "mastodon api", status_fields(status, host)

    def endpoints(
        self, raw: Mapping[str, Any] | None, ref: PostRef
    ) -> Iterator[tuple[str, Mapping[str, Any]]]:
        note = _note((raw or {}).get("activitypub"))
        if note is not None:
            yield "mastodon activitypub", note_fields(note)

    def extras(self, raw: Mapping[str, Any] | None) -> tuple[Artifact, ...]:
        body = (raw or {}).get("activitypub")
        if not body or _note(body) is None:
            return ()
        return (
            Artifact.from_bytes(
                ArtifactKind.ACTIVITYPUB, str(body).encode("utf-8"), "application/activity+json"
            ),
        )


_NOTE_TYPES = ("Note", "Article", "Question", "Page")


def _is_status(uri: str, status_id: str) -> bool:
    pattern = rf"/(?:statuses|@[^/]+)/{re.escape(status_id)}/?$"
    return bool(status_id) and re.search(pattern, uri) is not None


def note_fields(note: Mapping[str, Any]) -> dict[str, Any]:
    """A post's fields from its ActivityPub ``Note`` (no author name: only its actor's URI)."""
    content_map = note.get("contentMap")
    attachments = [a for a in note.get("attachment") or [] if isinstance(a, Mapping)]
    return {
        "text": html_to_text(str(note.get("content") or "")),
        "posted_at": note.get("published"),
        "reply_to": note.get("inReplyTo") if isinstance(note.get("inReplyTo"), str) else None,
        "lang": next(iter(content_map))
        if isinstance(content_map, Mapping) and len(content_map) == 1
        else None,
        "media": [
            {"url": a.get("url"), "kind": _kind(a.get("mediaType")), "alt": a.get("name")}
            for a in attachments
            if isinstance(a.get("url"), str)
        ],
    }


def status_fields(
    status: Mapping[str, Any], host: str, site: str | None = None, posts: str = ""
) -> dict[str, Any]:
    """A post's fields from a Mastodon API status (``/api/v1/statuses/ID``). ``host`` is the
    instance that served it, added to a local account's ``acct`` (empty: handles stay as the
    instance writes them); ``site`` is where its post pages are (``https://HOST`` by default)
    and ``posts`` the path part before a post's id there."""
    found = status.get("account")
    account: Mapping[str, Any] = found if isinstance(found, Mapping) else {}
    acct = str(account.get("acct") or account.get("username") or "")
    handle = None
    if acct:
        handle = f"@{acct}" if "@" in acct or not host else f"@{acct}@{host}"
    quote = status.get("quote")
    if isinstance(quote, Mapping) and isinstance(quote.get("quoted_status"), Mapping):
        quote = quote["quoted_status"]  # Mastodon 4.4 wraps the quoted status
    return {
        "author": account.get("display_name") or account.get("username"),
        "handle": handle,
        "posted_at": status.get("created_at"),
        "text": html_to_text(str(status.get("content") or "")),
        "lang": status.get("language"),
        "media": [
            {
                "url": item.get("url") or item.get("remote_url"),
                "kind": _MEDIA_KINDS.get(str(item.get("type")), "image"),
                "alt": item.get("description"),
            }
            for item in status.get("media_attachments") or []
            if isinstance(item, Mapping) and (item.get("url") or item.get("remote_url"))
        ],
        "reply_to": parent_url(status, site or f"https://{host}", posts),
        "quote_of": quote.get("url") if isinstance(quote, Mapping) else None,
    }


_MEDIA_KINDS = {"image": "image", "video": "video", "gifv": "gif", "audio": "audio"}


def parent_url(status: Mapping[str, Any], site: str, posts: str = "") -> str | None:
    """The URL of the status this one replies to: its id, and its author among the mentions
    (``posts`` is the path part before the id: ``posts/`` on Truth Social)."""
    parent, account = status.get("in_reply_to_id"), status.get("in_reply_to_account_id")
    if not parent:
        return None
    for mention in status.get("mentions") or []:
        if isinstance(mention, Mapping) and mention.get("id") == account and mention.get("acct"):
            return f"{site}/@{mention['acct']}/{posts}{parent}"
    own = status.get("account")
    if isinstance(own, Mapping) and own.get("id") == account and own.get("acct"):
        return f"{site}/@{own['acct']}/{posts}{parent}"  # a thread: a reply to oneself
    return None


def _note(body: Any) -> dict[str, Any] | None:
    if not body:
        return None
    try:
        note = json.loads(body)
    except (TypeError, ValueError):
        return None
    if isinstance(note, dict) and note.get("type") in ("Note", "Article", "Question", "Page"):
        return note
    return None


def _kind(media_type: Any) -> str:
    text = str(media_type or "")
    return "video" if text.startswith("video/") else "image"


class _TextExtractor(HTMLParser):
    BREAKS = frozenset({"br"})
    BLOCKS = frozenset({"p", "div", "li", "blockquote"})

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self.BREAKS:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in self.BLOCKS:
            self.parts.append("\n\n")

    def handle_data(self, data: str) -> None:
        self.parts.append(data)


def html_to_text(html: str) -> str:
    """Mastodon's post HTML as the text its author wrote: paragraphs, line breaks, and links in
    full (Mastodon hides the start and end of long links in ``span.invisible`` for display)."""
    parser = _TextExtractor()
    parser.feed(html)
    parser.close()
    text = "".join(parser.parts)
    return re.sub(r"\n{3,}", "\n\n", text).strip()
