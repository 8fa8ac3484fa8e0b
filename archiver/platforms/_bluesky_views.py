"""Bluesky's post views (the AppView's JSON) and post records, read into a post's fields."""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from typing import Any
from urllib.parse import quote

from archiver.platforms._page import ServedPage
from archiver.platforms._structured import dig

_AT_POST = re.compile(r"at://(?P<authority>[^/?#]+)/app\.bsky\.feed\.post/(?P<rkey>[^/?#]+)")
_MAX_THREAD_VIEWS = 10_000


def at_uri(uri: Any) -> tuple[str | None, str | None]:
    """The authority (a DID or a handle) and rkey of a post's ``at://`` URI."""
    found = _AT_POST.fullmatch(uri) if isinstance(uri, str) else None
    return (found.group("authority"), found.group("rkey")) if found else (None, None)


def author_of(view: Mapping[str, Any]) -> Mapping[str, Any]:
    author = view.get("author")
    return author if isinstance(author, Mapping) else {}


def post_views(answer: Any) -> Iterator[Mapping[str, Any]]:
    """Every post view of an AppView answer: ``posts[]`` (getPosts), the thread's post, its
    parents and replies (getPostThread), the items of a flat thread (getPostThreadV2)."""
    if not isinstance(answer, Mapping):
        return
    posts = answer.get("posts")
    for post in posts if isinstance(posts, list) else ():
        if isinstance(post, Mapping):
            yield post
    for item in thread_items(answer):
        post = item.get("post")
        if isinstance(post, Mapping):
            yield post


def thread_items(answer: Mapping[str, Any]) -> Iterator[Mapping[str, Any]]:
    """The thread's nodes (getPostThread: nested ``parent`` / ``replies``; V2: a list), within
    a bound: a thread can be long."""
    thread = answer.get("thread")
    if isinstance(thread, list):
        for item in thread[:_MAX_THREAD_VIEWS]:
            if isinstance(item, Mapping):
                value = item.get("value")
                yield {**value, "uri": item.get("uri")} if isinstance(value, Mapping) else item
        return
    stack = [thread] if isinstance(thread, Mapping) else []
    seen = 0
    while stack and seen < _MAX_THREAD_VIEWS:
        node = stack.pop()
        seen += 1
        if node.get("uri") is None and isinstance(node.get("post"), Mapping):
            node = {**node, "uri": node["post"].get("uri")}
        yield node
        parent = node.get("parent")
        if isinstance(parent, Mapping):
            stack.append(parent)
        replies = node.get("replies")
        if isinstance(replies, list):
            stack.extend(r for r in replies if isinstance(r, Mapping))


def handles_of(view: Mapping[str, Any]) -> dict[str, str]:
    """DID -> handle for the authors a post view names (its own, its quoted post's)."""
    found: dict[str, str] = {}
    embed = view.get("embed")
    for author in (
        view.get("author"),
        dig(embed, "record", "author"),
        dig(embed, "record", "record", "author"),
    ):
        if isinstance(author, Mapping):
            did, handle = author.get("did"), author.get("handle")
            if isinstance(did, str) and isinstance(handle, str) and handle != "handle.invalid":
                found[did] = handle
    return found


def web_url(uri: Any, handles: Mapping[str, str] | None = None) -> str | None:
    """The bsky.app URL of a post's ``at://`` URI, with its author's handle when known (as the
    app links it), else its DID (which never changes)."""
    authority, rkey = at_uri(uri)
    if authority is None:
        return None
    actor = (handles or {}).get(authority, authority)
    return f"https://bsky.app/profile/{actor}/post/{rkey}"


def _embed_kind(embed: Any) -> str:
    return str(embed.get("$type") or "") if isinstance(embed, Mapping) else ""


def _quoted_uri(embed: Any) -> str | None:
    """The post an embed quotes (``app.bsky.embed.record``, or ``recordWithMedia``'s record);
    an embedded feed, list or starter pack is not a quoted post."""
    kind = _embed_kind(embed).removesuffix("#view")
    if kind == "app.bsky.embed.record":
        uri = dig(embed, "record", "uri")
    elif kind == "app.bsky.embed.recordWithMedia":
        uri = dig(embed, "record", "record", "uri")
    else:
        return None
    return uri if at_uri(uri)[0] else None


def _view_media(embed: Any, page: ServedPage | None) -> list[dict[str, Any]]:
    kind = _embed_kind(embed)
    if kind == "app.bsky.embed.recordWithMedia#view":
        return _view_media(dig(embed, "media"), page)
    if kind == "app.bsky.embed.images#view":
        return [
            {
                "url": _loaded(page, i.get("fullsize"), i.get("thumb")),
                "kind": "image",
                "alt": i.get("alt"),
            }
            for i in dig(embed, "images") or ()
            if isinstance(i, Mapping) and (i.get("fullsize") or i.get("thumb"))
        ]
    if kind == "app.bsky.embed.video#view" and (embed.get("playlist") or embed.get("thumbnail")):
        # One video: its HLS playlist (the capture downloads the best rendition); the thumbnail
        # is the video's poster, not another image of the post.
        url = embed.get("playlist") or embed.get("thumbnail")
        poster = embed.get("thumbnail")
        return [{"url": url, "kind": "video", "alt": embed.get("alt"), "poster": poster}]
    return []


def _record_media(embed: Any, did: str | None) -> list[dict[str, Any]]:
    """Media of a bare record (no AppView view): its blobs, at the addresses the app loads."""
    kind = _embed_kind(embed)
    if kind == "app.bsky.embed.recordWithMedia":
        return _record_media(dig(embed, "media"), did)
    if not did:
        return []
    if kind == "app.bsky.embed.images":
        return [
            {
                "url": f"https://cdn.bsky.app/img/feed_fullsize/plain/{did}/{cid}@jpeg",
                "kind": "image",
                "alt": i.get("alt"),
            }
            for i in dig(embed, "images") or ()
            if isinstance(i, Mapping) and (cid := _blob_cid(i.get("image")))
        ]
    if kind == "app.bsky.embed.video" and (cid := _blob_cid(embed.get("video"))):
        watch = f"https://video.bsky.app/watch/{quote(did, safe='')}/{cid}"
        video = {"url": f"{watch}/playlist.m3u8", "kind": "video", "alt": embed.get("alt")}
        return [{**video, "poster": f"{watch}/thumbnail.jpg"}]
    return []


def _blob_cid(blob: Any) -> str | None:
    """A blob's CID: ``ref.$link`` (or the old form's ``cid``)."""
    cid = dig(blob, "ref", "$link") or dig(blob, "cid")
    return cid if isinstance(cid, str) and re.fullmatch(r"[a-z0-9]{20,100}", cid) else None


def _loaded(page: ServedPage | None, fullsize: Any, thumb: Any) -> Any:
    """The form of an image the rendered page loaded (the app shows thumbnails in the thread),
    so that the capture keeps the bytes the browser received; the full size otherwise."""
    rendered = page.rendered if page is not None else ""
    for url in (fullsize, thumb):
        if isinstance(url, str) and url and url in rendered:
            return url
    return fullsize or thumb


def view_fields(
    view: Mapping[str, Any], handles: Mapping[str, str], page: ServedPage | None = None
) -> dict[str, Any]:
    """The fields of an AppView post view: its record, its author, its embed's view."""
    author = author_of(view)
    handle = author.get("handle")
    did = author.get("did") or at_uri(view.get("uri"))[0]
    fields = record_fields(view.get("record"), did, handles)
    media = _view_media(view.get("embed"), page)
    return {
        **fields,
        "author": author.get("displayName") or None,
        "handle": f"@{handle}" if handle and handle != "handle.invalid" else None,
        "media": media or fields["media"],
        "quote_of": web_url(_quoted_uri(view.get("embed")), handles) or fields["quote_of"],
    }


def record_fields(record: Any, did: str | None, handles: Mapping[str, str]) -> dict[str, Any]:
    """The fields of an ``app.bsky.feed.post`` record (no author: a record names only its DID)."""
    if not isinstance(record, Mapping):
        record = {}
    langs = record.get("langs")
    return {
        "text": record.get("text"),
        "posted_at": record.get("createdAt"),
        "lang": langs[0] if isinstance(langs, list) and langs else None,
        "media": _record_media(record.get("embed"), did),
        "reply_to": web_url(dig(record, "reply", "parent", "uri"), handles),
        "quote_of": web_url(_quoted_uri(record.get("embed")), handles),
    }
