"""Reddit: posts and comments, on www.reddit.com (server-rendered ``shreddit-*`` web components)
and old.reddit.com (``div.thing``). Reddit's JSON form of the thread (``/comments/ID/.json``, the
API's ``comment`` and ``context`` parameters for a comment) is fetched from the page's origin, kept,
and preferred for the fields. A comment is captured as a post whose ``reply_to`` is its parent."""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from datetime import UTC, datetime
from typing import Any, ClassVar

from archiver.models import Status
from archiver.platforms._page import ServedPage
from archiver.platforms._reading import shortened
from archiver.platforms._structured import StructuredAdapter, dig
from archiver.platforms.base import AdapterCase, Phrases, PostRef, UrlCase, about_post
from archiver.platforms.mastodon import html_to_text

_HOST = r"(?:(?:www|old|new|np|nm|m|sh|amp|i)\.)?reddit\.com"
_SUB = r"(?:(?P<kind>r|u|user)/(?P<sub>[A-Za-z0-9_-]{2,32})/)?"
_ID = r"[a-z0-9]{3,12}"
_END = r"/?(?:[?#].*)?$"
SITE = "https://www.reddit.com"
DELETED_BODIES = frozenset({"[deleted]", "[removed]"})


class RedditAdapter(StructuredAdapter):
    NAME = "reddit"
    LABEL = "Reddit"
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
    URL_CASES: ClassVar[tuple[UrlCase, ...]] = (
        # Every host and path form of one post folds to one id.
        UrlCase(
            "https://www.reddit.com/r/lyon/comments/1i5m2qx/le_tram_t10/",
            post_id="1i5m2qx",
            canonical="https://www.reddit.com/r/lyon/comments/1i5m2qx/",
        ),
        UrlCase(
            "https://old.reddit.com/r/lyon/comments/1i5m2qx/le_tram_t10/?sort=new",
            post_id="1i5m2qx",
            canonical="https://www.reddit.com/r/lyon/comments/1i5m2qx/",
        ),
        UrlCase(
            "http://np.reddit.com/r/lyon/comments/1i5m2qx",
            post_id="1i5m2qx",
            canonical="https://www.reddit.com/r/lyon/comments/1i5m2qx/",
        ),
        UrlCase(
            "https://reddit.com/comments/1i5m2qx",
            post_id="1i5m2qx",
            canonical="https://www.reddit.com/comments/1i5m2qx/",
        ),
        UrlCase(
            "https://redd.it/1i5m2qx",
            post_id="1i5m2qx",
            canonical="https://www.reddit.com/comments/1i5m2qx/",
        ),
        UrlCase(
            "https://www.reddit.com/user/margot_lyon/comments/1i5abcd/mon_velo/",
            post_id="1i5abcd",
            canonical="https://www.reddit.com/user/margot_lyon/comments/1i5abcd/",
        ),
        UrlCase(
            "https://www.reddit.com/r/lyon/comments/1i5m2qx/comment/m8a1b2c/",
            post_id="1i5m2qx/m8a1b2c",
            canonical="https://www.reddit.com/r/lyon/comments/1i5m2qx/comment/m8a1b2c/",
        ),
        UrlCase(
            "https://old.reddit.com/r/lyon/comments/1i5m2qx/le_tram_t10/m8a1b2c/?context=3",
            post_id="1i5m2qx/m8a1b2c",
            canonical="https://www.reddit.com/r/lyon/comments/1i5m2qx/comment/m8a1b2c/",
        ),
        UrlCase("https://www.reddit.com/r/lyon/", matches=False),
        # A share link: not a post itself, it is followed to the post at capture time.
        UrlCase("https://www.reddit.com/r/lyon/s/AbCdEf123", matches=False),
        UrlCase("https://www.reddit.com/user/margot_lyon/", matches=False),
        UrlCase("https://notreddit.com/r/lyon/comments/1i5m2qx/", matches=False),
    )
    FIXTURES = (
        "reddit_live",
        "reddit_media",
        "reddit_reply",
        "reddit_old",
        "reddit_short",
        "reddit_deleted",
        "reddit_private",
        "reddit_nsfw",
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

    def structured(self, page: ServedPage, ref: PostRef) -> Iterator[tuple[str, Mapping[str, Any]]]:
        post_id = (ref.post_id or "").partition("/")[0]
        for _, listing in page.json_answers(re.compile(rf"/comments/{post_id}\b")):
            found = listing_fields(listing, ref)
            if found:
                yield "reddit json", found
        for attrs in page.tags("shreddit-post"):
            if attrs.get("id") == f"t3_{post_id}" and "/" not in (ref.post_id or ""):
                author = attrs.get("author")
                yield (
                    "shreddit-post attributes",
                    {
                        "author": author if author not in DELETED_BODIES else None,
                        "handle": f"u/{author}"
                        if author and author not in DELETED_BODIES
                        else None,
                        "posted_at": attrs.get("created-timestamp"),
                    },
                )

    def endpoints(
        self, raw: Mapping[str, Any] | None, ref: PostRef
    ) -> Iterator[tuple[str, Mapping[str, Any]]]:
        found = listing_fields(self.structured_json(raw), ref)
        if found:
            yield "reddit json", found

    def metadata(
        self, page: ServedPage, ref: PostRef
    ) -> Iterator[tuple[str, Mapping[str, Any], bool]]:
        if "/" not in (ref.post_id or "") and about_post(page, ref):
            yield from _title_and_description(page)
        # Reddit's og:description is a blurb ("Explore this post and more from …"), not the post.
        for source, values, partial in super().metadata(page, ref):
            if source != "og:description":
                yield source, values, partial

    def verdict(self, page: ServedPage, ref: PostRef) -> tuple[Status, str] | None:
        post_id, _, comment_id = (ref.post_id or "").partition("/")
        for _, listing in page.json_answers(re.compile(rf"/comments/{post_id}\b")):
            post = dig(listing, 0, "data", "children", 0, "data")
            if not isinstance(post, dict) or post.get("id") != post_id:
                continue
            thing = post
            if comment_id:
                thing = _find_comment(dig(listing, 1, "data", "children"), comment_id) or {}
            gone = _gone(thing, "body" if comment_id else "selftext")
            if gone:
                return Status.NOT_FOUND, f"Reddit's JSON for the {gone}"
        return None


_TITLE_PREFIX = re.compile(r"^From the \S+ community on Reddit:\s*", re.IGNORECASE)


def _title_and_description(page: ServedPage) -> Iterator[tuple[str, Mapping[str, Any], bool]]:
    """The post's title (og:title says "From the SUB community on Reddit: TITLE"), then the start
    of its body that the description meta holds, cut with "…"."""
    title = _TITLE_PREFIX.sub("", page.meta_first("og:title", "twitter:title") or "")
    if title:
        body = page.meta_first("description")
        text = f"{title}\n\n{body}" if body else title
        yield "og:title and description", {"text": text}, bool(body) and shortened(body)


def listing_fields(listing: Any, ref: PostRef) -> dict[str, Any] | None:
    """The post's (or comment's) fields from Reddit's JSON of its thread; None when the JSON is
    of another post, or says the post was deleted or removed."""
    post_id, _, comment_id = (ref.post_id or "").partition("/")
    post = dig(listing, 0, "data", "children", 0, "data")
    if not isinstance(post, dict) or post.get("id") != post_id:
        return None
    if comment_id:
        comments = dig(listing, 1, "data", "children")
        comment = _find_comment(comments, comment_id)
        if comment is None or _gone(comment, "body"):
            return None
        return _comment_fields(comment, post, comments)
    if _gone(post, "selftext"):
        return None
    return _post_fields(post)


def _gone(thing: Mapping[str, Any], body_key: str) -> str | None:
    """Why Reddit's JSON shows no content for a post or comment, or None."""
    kind = "comment" if body_key == "body" else "post"
    if thing.get("removed_by_category") == "deleted" or (
        str(thing.get(body_key) or "").strip() == "[deleted]" and thing.get("author") == "[deleted]"
    ):
        return f"{kind} says its author deleted it"
    if thing.get("removed_by_category") or str(thing.get(body_key) or "").strip() in DELETED_BODIES:
        return f"{kind} says it was removed ({thing.get('removed_by_category') or 'removed'})"
    return None


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
    """The text as its author wrote it (Markdown); its rendered HTML when only that is there."""
    written = thing.get(text_key)
    if isinstance(written, str) and written.strip():
        return written.strip()
    rendered = thing.get(html_key)
    return html_to_text(rendered) if isinstance(rendered, str) else ""


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
