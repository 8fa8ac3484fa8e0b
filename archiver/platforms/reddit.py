"""Reddit: posts and comments, on www.reddit.com (server-rendered ``shreddit-*`` web components)
and old.reddit.com (``div.thing``). Reddit's JSON form of the thread (``/comments/ID/.json``, the
API's ``comment`` and ``context`` parameters for a comment) is fetched from the page's origin, kept,
and preferred for the fields. A comment is captured as a post whose ``reply_to`` is its parent."""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any, ClassVar

from archiver.models import PostFields, Status
from archiver.platforms._structured import StructuredAdapter, dig, prefer
from archiver.platforms.base import AdapterCase, Phrases, PostRef
from archiver.platforms.mastodon import html_to_text

_HOST = r"(?:(?:www|old|new|np|nm|m|sh|amp|i)\.)?reddit\.com"
_SUB = r"(?:(?P<kind>r|u|user)/(?P<sub>[A-Za-z0-9_-]{2,32})/)?"
_ID = r"[a-z0-9]{3,12}"
_END = r"/?(?:[?#].*)?$"
SITE = "https://www.reddit.com"
DELETED_BODIES = frozenset({"[deleted]", "[removed]"})


class RedditAdapter(StructuredAdapter):
    NAME = "reddit"
    PATTERNS = (
        # A comment: /r/SUB/comments/POST/comment/ID/ (current) or /r/SUB/comments/POST/SLUG/ID/.
        re.compile(
            rf"^https?://{_HOST}/{_SUB}comments/(?P<post>{_ID})/comment/(?P<id>{_ID}){_END}",
            re.IGNORECASE,
        ),
        re.compile(
            rf"^https?://{_HOST}/{_SUB}comments/(?P<post>{_ID})/[^/?#]+/(?P<id>{_ID}){_END}",
            re.IGNORECASE,
        ),
        re.compile(
            rf"^https?://{_HOST}/{_SUB}comments/(?P<id>{_ID})(?:/[^/?#]*)?{_END}",
            re.IGNORECASE,
        ),
        re.compile(rf"^https?://redd\.it/(?P<id>{_ID}){_END}", re.IGNORECASE),
    )
    # Server-rendered: the post (or the page saying why there is none) is there at load.
    READY_SELECTOR = "shreddit-post, shreddit-comment, .thing, body"
    POST_SELECTOR = "shreddit-post, shreddit-comment, .thing"
    PHRASES = Phrases(
        not_found=(
            "sorry, this post was deleted",
            "sorry, this post has been removed",
            "comment deleted by user",
            "comment removed by moderator",
            "page not found",
            "sorry, nobody on reddit goes by that name",
        ),
        suspended=(
            "this community has been banned",
            "has been banned from reddit",
            "this account has been suspended",
        ),
        login_wall=(
            "is a private community",
            "this community is private",
            "you must be 18+ to view this community",
            "are you over eighteen and willing to see adult content",
            "log in to confirm your age",
            "this community is quarantined",
        ),
        login_url_parts=("/login", "/account/login", "/over18"),
    )
    EXTRACT_JS = r"""
    async (ctx) => {
      const attr = (el, name) => (el && el.getAttribute(name)) || null;
      const timeIn = (el) => attr(el && el.querySelector('time[datetime]'), 'datetime');
      const gone = (text) => /^\s*(\[deleted\]|\[removed\]|comment (deleted|removed) by|sorry, this post (was deleted|has been removed))/i.test(text || '');
      const linkOf = (thing) => attr(thing, 'permalink') || attr(thing, 'data-permalink');
      let main = null, out = null;
      if (ctx.comment) {
        main = document.querySelector(`shreddit-comment[thingid="t1_${ctx.comment}"]`);
        if (main) {
          const body = main.querySelector(':scope > [slot="comment"]');
          const parentId = attr(main, 'parentid') || '';
          const parent = parentId.startsWith('t1_')
            ? document.querySelector(`shreddit-comment[thingid="${parentId}"]`)
            : document.querySelector(`shreddit-post[id="${parentId}"]`);
          out = {author: attr(main, 'author'), posted_at: timeIn(main.querySelector(':scope > [slot="commentMeta"]')),
                 text: body ? body.innerText : null, reply_to: parent ? abs(linkOf(parent)) : null, media: []};
        } else if ((main = document.querySelector(`.thing.comment[data-fullname="t1_${ctx.comment}"]`))) {
          const entry = main.querySelector(':scope > .entry');
          const up = entry && entry.querySelector('a[data-event-action="parent"]');
          const parent = up ? document.querySelector(`.thing[data-fullname="t1_${up.getAttribute('href').replace('#', '')}"]`)
            : document.querySelector(`.thing.link[data-fullname="t3_${ctx.post}"]`);
          const body = entry && entry.querySelector('.usertext-body');
          out = {author: attr(main, 'data-author'), posted_at: timeIn(entry && entry.querySelector('.tagline')),
                 text: body ? body.innerText : null, reply_to: parent ? abs(linkOf(parent)) : null, media: []};
        }
      } else {
        main = document.querySelector(`shreddit-post[id="t3_${ctx.post}"]`);
        if (main) {
          const title = main.querySelector('[slot="title"]');
          const body = main.querySelector('[slot="text-body"]');
          if (body && gone(body.innerText)) return null;
          const media = [...main.querySelectorAll('[slot="post-media-container"] img, shreddit-player, video')]
            .map((m) => ({url: abs(m.getAttribute('src') || m.getAttribute('poster')), kind: m.tagName === 'IMG' ? 'image' : 'video', alt: m.getAttribute('alt')}));
          const titleText = title ? title.innerText : attr(main, 'post-title');
          out = {author: attr(main, 'author'), posted_at: timeIn(main.querySelector('[slot="credit-bar"]')) || timeIn(main),
                 text: [titleText, body ? body.innerText : ''].filter((t) => t && t.trim()).join('\n\n'), media: media, reply_to: null};
        } else if ((main = document.querySelector(`.thing.link[data-fullname="t3_${ctx.post}"]`))) {
          const title = main.querySelector('a.title');
          const body = main.querySelector('.expando .usertext-body');
          if (attr(main, 'data-author') === '[deleted]' && body && gone(body.innerText)) return null;
          const media = [...main.querySelectorAll('.expando img.preview, .expando video')]
            .map((m) => ({url: abs(m.getAttribute('src')), kind: m.tagName === 'IMG' ? 'image' : 'video', alt: m.getAttribute('alt')}));
          out = {author: attr(main, 'data-author'), posted_at: timeIn(main.querySelector('.tagline')),
                 text: [title ? title.innerText : '', body ? body.innerText : ''].filter((t) => t && t.trim()).join('\n\n'), media: media, reply_to: null};
        }
      }
      if (!main || !out || (ctx.comment && gone(out.text))) return null;
      main.setAttribute('data-postproof-post', '1');
      const author = out.author && out.author !== '[deleted]' ? out.author : null;
      const query = ctx.comment ? `&comment=${ctx.comment}&context=1` : '';
      const structured = await fetchSameOrigin(`${location.origin}/comments/${ctx.post}/.json?raw_json=1${query}`, 'application/json', ctx.maxBytes);
      return {...out, author: author, handle: author ? `u/${author}` : null, media: (out.media || []).filter((m) => m.url),
              quote_of: null, structured: structured};
    }
    """

    TESTS: ClassVar[tuple[AdapterCase, ...]] = (
        AdapterCase(
            "https://www.reddit.com/r/lyon/comments/1i5m2qx/le_tram_t10_arrive_enfin_a_gerland/",
            Status.OK,
            author="margot_lyon",
            handle="u/margot_lyon",
            posted_at="2025-01-20T08:15:00+00:00",
            text_contains="Le tram T10 arrive enfin",
            media_count=0,
            post_screenshot=True,
        ),
        AdapterCase(
            "https://www.reddit.com/r/lyon/comments/1i5n7rb/la_passerelle_du_college_ce_matin/",
            Status.OK,
            author="quai_de_saone",
            media_count=1,
        ),
        AdapterCase(
            "https://www.reddit.com/r/lyon/comments/1i5m2qx/comment/m8a1b2c/",
            Status.OK,
            author="gerland_velo",
            handle="u/gerland_velo",
            text_contains="ligne B",
            reply_to_contains="/r/lyon/comments/1i5m2qx/",
        ),
        AdapterCase("https://old.reddit.com/r/lyon/comments/1i5m2qx/", Status.OK),
        AdapterCase("https://redd.it/1i5n7rb", Status.OK, media_count=1),
        AdapterCase("https://www.reddit.com/r/lyon/comments/1i5p0dd/supprime/", Status.NOT_FOUND),
        AdapterCase(
            "https://www.reddit.com/r/lyonprive/comments/1i5q4ww/reunion/", Status.LOGIN_WALL
        ),
        AdapterCase(
            "https://www.reddit.com/r/lyonnsfw/comments/1i5r9zz/soiree/", Status.LOGIN_WALL
        ),
    )

    @classmethod
    def post_ref(cls, url: str) -> PostRef:
        found = cls.match(url)
        assert found is not None
        groups = found.groupdict()
        kind, sub = groups.get("kind"), groups.get("sub")
        prefix = "" if not sub else (f"/r/{sub}" if kind == "r" else f"/user/{sub}")
        post = groups.get("post")
        if post:
            comment = found.group("id").lower()
            post = post.lower()
            path = (
                f"{prefix}/comments/{post}/comment/{comment}/"
                if sub
                else (f"/comments/{post}/_/{comment}/")
            )
            return PostRef(cls.NAME, f"{post}/{comment}", SITE + path)
        post_id = found.group("id").lower()
        return PostRef(cls.NAME, post_id, f"{SITE}{prefix}/comments/{post_id}/")

    def js_args(self, ref: PostRef, url: str) -> dict[str, Any]:
        post, _, comment = (ref.post_id or "").partition("/")
        return {**super().js_args(ref, url), "post": post, "comment": comment or None}

    def fields(self, raw: Mapping[str, Any] | None, ref: PostRef) -> PostFields | None:
        if not raw:
            return None
        post_id, _, comment_id = (ref.post_id or "").partition("/")
        listing = self.structured_json(raw)
        post = dig(listing, 0, "data", "children", 0, "data")
        if not isinstance(post, dict) or post.get("id") != post_id:
            return super().fields(raw, ref)
        if comment_id:
            comments = dig(listing, 1, "data", "children")
            comment = _find_comment(comments, comment_id)
            if comment is None:
                return super().fields(raw, ref)
            if str(comment.get("body") or "").strip() in DELETED_BODIES:
                return None
            return super().fields(prefer(raw, _comment_fields(comment, post, comments)), ref)
        if post.get("removed_by_category") or str(post.get("selftext") or "") in DELETED_BODIES:
            return None
        return super().fields(prefer(raw, _post_fields(post)), ref)


def _when(value: Any) -> str | None:
    if not isinstance(value, int | float):
        return None
    return datetime.fromtimestamp(value, UTC).isoformat()


def _author(thing: Mapping[str, Any]) -> dict[str, Any]:
    author = thing.get("author")
    if not isinstance(author, str) or author in DELETED_BODIES:
        return {}
    return {"author": author, "handle": f"u/{author}"}


def _body(thing: Mapping[str, Any], html_key: str, text_key: str) -> str:
    rendered = thing.get(html_key)
    if isinstance(rendered, str) and rendered.strip():
        return html_to_text(rendered)
    return str(thing.get(text_key) or "").strip()


def _post_fields(post: Mapping[str, Any]) -> dict[str, Any]:
    title = str(post.get("title") or "").strip()
    body = _body(post, "selftext_html", "selftext")
    crosspost = dig(post, "crosspost_parent_list", 0, "permalink")
    return {
        **_author(post),
        "posted_at": _when(post.get("created_utc")),
        "text": "\n\n".join(part for part in (title, body) if part),
        "media": _media(post),
        "quote_of": SITE + crosspost if isinstance(crosspost, str) else None,
    }


def _media(post: Mapping[str, Any]) -> list[dict[str, Any]]:
    metadata = post.get("media_metadata")
    if post.get("is_gallery") and isinstance(metadata, dict):
        order = [item.get("media_id") for item in dig(post, "gallery_data", "items") or ()]
        items = [metadata.get(key) for key in order or list(metadata)]
        return [
            {"url": dig(item, "s", "u") or dig(item, "s", "gif"), "kind": "image", "alt": None}
            for item in items
            if isinstance(item, dict) and item.get("status") == "valid"
        ]
    video = dig(post, "secure_media", "reddit_video", "fallback_url")
    if isinstance(video, str):
        return [{"url": video, "kind": "video", "alt": None}]
    if post.get("post_hint") == "image" and isinstance(post.get("url"), str):
        return [{"url": post["url"], "kind": "image", "alt": None}]
    return []


def _comment_fields(
    comment: Mapping[str, Any], post: Mapping[str, Any], tree: Any
) -> dict[str, Any]:
    parent = str(comment.get("parent_id") or "")
    reply_to = None
    if parent.startswith("t3_") and isinstance(post.get("permalink"), str):
        reply_to = SITE + post["permalink"]
    elif parent.startswith("t1_"):
        above = _find_comment(tree, parent[3:])
        link = (above or {}).get("permalink")
        reply_to = (
            SITE + link
            if isinstance(link, str)
            else f"{SITE}/comments/{post.get('id')}/_/{parent[3:]}/"
        )
    return {
        **_author(comment),
        "posted_at": _when(comment.get("created_utc")),
        "text": _body(comment, "body_html", "body"),
        "reply_to": reply_to,
    }


def _find_comment(children: Any, comment_id: str) -> dict[str, Any] | None:
    """The comment ``comment_id`` anywhere in a listing's children (depth first)."""
    stack = list(children) if isinstance(children, list) else []
    while stack:
        child = stack.pop()
        data = dig(child, "data")
        if not isinstance(data, dict) or dig(child, "kind") != "t1":
            continue
        if data.get("id") == comment_id:
            return data
        stack.extend(dig(data, "replies", "data", "children") or [])
    return None
