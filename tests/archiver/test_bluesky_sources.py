"""What the Bluesky adapter reads from what a bsky.app page received, without a browser: the
AppView's answers (real ones, saved in ``tests/realpages/bluesky``) and the page's server-rendered
head; each checked against the ground truth written next to the payloads."""

from __future__ import annotations

import copy
import json
import re
import tomllib
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest

from archiver.models import PostFields, Status
from archiver.platforms import adapter_for
from archiver.platforms._page import Served, ServedPage
from archiver.platforms.base import clean_text, parse_time
from archiver.platforms.bluesky import BlueskyAdapter

REAL = Path(__file__).resolve().parents[1] / "realpages" / "bluesky"
PAYLOADS: list[dict[str, Any]] = tomllib.loads((REAL / "SOURCES.toml").read_text(encoding="utf-8"))[
    "payload"
]
APPVIEW = "https://public.api.bsky.app/xrpc"
JSON = "application/json"
AT_POST = re.compile(r"at://(?P<did>[^/]+)/app\.bsky\.feed\.post/(?P<rkey>[^/]+)")


def xrpc(method: str, **params: str) -> str:
    query = "&".join(f"{k}={quote(v, safe='')}" for k, v in params.items())
    return f"{APPVIEW}/{method}?{query}"


def answer_page(post_url: str, *answers: tuple[str, Any], status: int = 200) -> ServedPage:
    responses = tuple(
        Served(url, status, JSON, body if isinstance(body, bytes) else json.dumps(body).encode())
        for url, body in answers
    )
    return ServedPage(post_url, responses=responses)


def read(url: str, page: ServedPage) -> PostFields | None:
    adapter = BlueskyAdapter()
    post, _ = adapter.read(page, adapter.post_ref(url), None)
    return post


def verdict(url: str, page: ServedPage) -> tuple[Status, str] | None:
    return BlueskyAdapter().verdict(page, BlueskyAdapter.post_ref(url))


def payload(name: str) -> dict[str, Any]:
    return json.loads((REAL / name).read_text(encoding="utf-8"))


def _at_uri(post_url: str) -> str:
    actor, rkey = re.findall(r"/profile/([^/]+)/post/([^/?#]+)", post_url)[0]
    return f"at://{actor}/app.bsky.feed.post/{rkey}"


def _served(entry: dict[str, Any]) -> ServedPage:
    """The payload as the page received it: an answer at the URL the app asks it from."""
    body = (REAL / entry["file"]).read_bytes()
    if entry["kind"] == "page":
        return ServedPage(entry["served_at"], document=body.decode("utf-8"))
    uri = _at_uri(entry["post_url"])
    name = entry["file"].lower()
    if "getpostthread" in name:
        url = xrpc("app.bsky.feed.getPostThread", uri=uri, depth="10")
    elif "getposts" in name:
        url = xrpc("app.bsky.feed.getPosts", uris=uri)
    else:
        did, rkey = AT_POST.fullmatch(json.loads(body)["uri"]).groups()  # type: ignore[union-attr]
        url = (
            "https://bsky.social/xrpc/com.atproto.repo.getRecord?"
            f"repo={did}&collection=app.bsky.feed.post&rkey={rkey}"
        )
    return answer_page(entry["post_url"], (url, body))


def _handles(value: Any) -> dict[str, str]:
    """Every DID -> handle an answer names (its authors)."""
    found: dict[str, str] = {}
    if isinstance(value, dict):
        if isinstance(value.get("did"), str) and isinstance(value.get("handle"), str):
            found[value["did"]] = value["handle"]
        for child in value.values():
            found |= _handles(child)
    elif isinstance(value, list):
        for child in value:
            found |= _handles(child)
    return found


def _names_post(url: str | None, at_uri: str | None, handles: dict[str, str]) -> bool:
    """Whether a bsky.app URL is the post of an ``at://`` URI (by DID, or by the handle the
    answer gives that DID)."""
    if url is None or at_uri is None:
        return url is None and at_uri is None
    did, rkey = AT_POST.fullmatch(at_uri).groups()  # type: ignore[union-attr]
    return url in {
        f"https://bsky.app/profile/{did}/post/{rkey}",
        f"https://bsky.app/profile/{handles.get(did, did)}/post/{rkey}",
    }


@pytest.mark.parametrize("entry", PAYLOADS, ids=lambda e: e["file"])
def test_real_payload_gives_its_ground_truth(entry: dict[str, Any]) -> None:
    post = read(entry["post_url"], _served(entry))
    assert post is not None
    assert post.author == entry.get("author")
    assert post.handle == entry.get("handle")
    assert post.posted_at == parse_time(entry.get("posted_at"))
    # An empty text is no text; the archive keeps a text with its spaces folded (``clean_text``).
    assert post.text == clean_text(entry.get("text"))
    assert post.lang == entry.get("lang")
    kinds = list(entry.get("media_kinds", []))
    assert [m.kind for m in post.media] == kinds and len(kinds) == entry["media"]
    handles = {} if entry["kind"] == "page" else _handles(payload(entry["file"]))
    for name in ("reply_to", "quote_of"):
        assert _names_post(getattr(post, name), entry.get(name), handles), name


def test_the_quoted_post_is_named_by_its_author_s_handle() -> None:
    url = "https://bsky.app/profile/raven.corvids.club/post/3k3ic43ucbq2f"
    page = _served(next(e for e in PAYLOADS if e["file"].endswith("raven-recordwithmedia.json")))
    post = read(url, page)
    assert post is not None
    assert post.quote_of == "https://bsky.app/profile/lookitup.baby/post/3k3hbh6k7752z"
    # Its own image only: the quoted post's image is the quoted post's.
    assert [m.url for m in post.media] == [
        "https://av-cdn.bsky.app/img/feed_fullsize/plain/did:plc:hbtuqflamm5j2i7yahtzsnue/"
        "bafkreif2blhvgss23kj2lqi6b6qkb6jqnz3zze6mvyvh7argmhpealzlw4@jpeg"
    ]


THREAD = "bskyr-getpostthread-image.json"
FOCUSED = "https://bsky.app/profile/soubhikbarari.bsky.social/post/3k7qmjev5lr2s"


def _view(rkey: str, handle: str, did: str, text: str, **record: Any) -> dict[str, Any]:
    return {
        "uri": f"at://{did}/app.bsky.feed.post/{rkey}",
        "cid": "bafyreib2rxk3rh6kzwq",
        "author": {"did": did, "handle": handle, "displayName": handle.split(".")[0].title()},
        "record": {
            "$type": "app.bsky.feed.post",
            "text": text,
            "createdAt": "2023-09-19T12:00:00.000Z",
            "langs": ["en"],
            **record,
        },
        "indexedAt": "2023-09-19T12:00:00.000Z",
        "labels": [],
    }


def _thread_with_parent_and_replies() -> dict[str, Any]:
    answer = payload(THREAD)
    focused = answer["thread"]["post"]
    parent = _view(
        "3k7qaaaaaaa2a", "rstatsai.bsky.social", "did:plc:parentparentparentparent", "Speakers?"
    )
    reply_to_parent = {
        "parent": {"uri": parent["uri"], "cid": "x"},
        "root": {"uri": parent["uri"], "cid": "x"},
    }
    focused["record"]["reply"] = reply_to_parent
    to_focused = {"uri": focused["uri"], "cid": "x"}
    replies = [
        {
            "$type": "app.bsky.feed.defs#threadViewPost",
            "post": _view(
                f"3k7qzzzzzzz{n}a",
                f"reader{n}.bsky.social",
                f"did:plc:reader{n}reader{n}reader{n}rea",
                f"See you there ({n})",
                reply={"parent": to_focused, "root": reply_to_parent["root"]},
            ),
            "replies": [],
        }
        for n in (2, 3)
    ]
    answer["thread"]["replies"] = replies
    answer["thread"]["parent"] = {"$type": "app.bsky.feed.defs#threadViewPost", "post": parent}
    return answer


def test_a_thread_gives_the_focused_post_not_a_reply_or_the_parent() -> None:
    answer = _thread_with_parent_and_replies()
    uri = _at_uri(FOCUSED)
    page = answer_page(FOCUSED, (xrpc("app.bsky.feed.getPostThread", uri=uri), answer))
    post = read(FOCUSED, page)
    assert post is not None
    assert post.handle == "@soubhikbarari.bsky.social"
    assert post.text is not None and post.text.startswith("Excited to be a speaker")
    # The parent is named as the app links it: by its author's handle.
    assert post.reply_to == "https://bsky.app/profile/rstatsai.bsky.social/post/3k7qaaaaaaa2a"
    # Each post of the thread is read as itself.
    reply = read("https://bsky.app/profile/reader3.bsky.social/post/3k7qzzzzzzz3a", page)
    assert reply is not None and reply.text == "See you there (3)"
    assert reply.reply_to == FOCUSED


def test_a_thread_of_another_post_gives_no_post() -> None:
    uri = _at_uri(FOCUSED)
    page = answer_page(FOCUSED, (xrpc("app.bsky.feed.getPostThread", uri=uri), payload(THREAD)))
    for url in (
        "https://bsky.app/profile/soubhikbarari.bsky.social/post/3k7qmjev5lr2t",  # another rkey
        "https://bsky.app/profile/someone.else.social/post/3k7qmjev5lr2s",  # another author
        "https://bsky.app/profile/did:plc:aaaaaaaaaaaaaaaaaaaaaaaa/post/3k7qmjev5lr2s",
    ):
        assert read(url, page) is None, url
        assert verdict(url, page) is None, url


def test_the_post_is_found_by_its_author_s_did() -> None:
    url = "https://bsky.app/profile/did:plc:ic6zqvuw5ulmfpjiwnhsr2ns/post/3k7qmjev5lr2s"
    uri = _at_uri(FOCUSED)
    page = answer_page(
        url, (xrpc("app.bsky.feed.getPosts", uris=uri), payload("bskyr-getposts-image.json"))
    )
    post = read(url, page)
    assert post is not None and post.handle == "@soubhikbarari.bsky.social"


def test_a_thread_v2_answer_is_read_too() -> None:
    focused = payload(THREAD)["thread"]["post"]
    parent = _view(
        "3k7qaaaaaaa2a", "rstatsai.bsky.social", "did:plc:parentparentparentparent", "Speakers?"
    )
    items = [
        {
            "uri": parent["uri"],
            "depth": -1,
            "value": {"$type": "app.bsky.unspecced.defs#threadItemPost", "post": parent},
        },
        {
            "uri": focused["uri"],
            "depth": 0,
            "value": {"$type": "app.bsky.unspecced.defs#threadItemPost", "post": focused},
        },
    ]
    url = xrpc("app.bsky.unspecced.getPostThreadV2", anchor=_at_uri(FOCUSED), below="10")
    post = read(FOCUSED, answer_page(FOCUSED, (url, {"thread": items, "hasOtherReplies": False})))
    assert post is not None and post.author == "Soubhik Barari"


def test_a_record_without_its_view_gives_its_media_from_its_blobs() -> None:
    answer = payload(THREAD)["thread"]["post"]
    did = answer["author"]["did"]
    record = {"uri": answer["uri"], "cid": answer["cid"], "value": answer["record"]}
    url = f"https://bsky.social/xrpc/com.atproto.repo.getRecord?repo={did}&collection=app.bsky.feed.post&rkey=3k7qmjev5lr2s"
    by_did = f"https://bsky.app/profile/{did}/post/3k7qmjev5lr2s"
    post = read(by_did, answer_page(by_did, (url, record)))
    assert post is not None
    assert post.author is None and post.handle is None  # a record names only its DID
    assert [(m.kind, m.url) for m in post.media] == [
        (
            "image",
            f"https://cdn.bsky.app/img/feed_fullsize/plain/{did}/"
            "bafkreictkyws7qbruuupes52t6k5o5o5qfggf7pm6urzz7dyty53gzu3h4@jpeg",
        )
    ]
    # For a URL naming the author by handle, the answer is the post's when it was asked from
    # that handle's repository; a DID alone cannot be tied to the handle.
    by_handle = url.replace(f"repo={did}", "repo=soubhikbarari.bsky.social")
    assert read(FOCUSED, answer_page(FOCUSED, (by_handle, record))) is not None
    assert read(FOCUSED, answer_page(FOCUSED, (url, record))) is None


def test_one_video_from_its_view_or_its_record() -> None:
    view = copy.deepcopy(payload(THREAD)["thread"]["post"])
    did = view["author"]["did"]
    cid = "bafkreihzqzvidrfgrefxkgmwpy2qxagx6g7jjy5f7avwl6b2zbfzbyzuha"
    view["record"]["embed"] = {
        "$type": "app.bsky.embed.video",
        "video": {"$type": "blob", "ref": {"$link": cid}, "mimeType": "video/mp4", "size": 1},
        "alt": "Un chat",
    }
    playlist = f"https://video.bsky.app/watch/{quote(did, safe='')}/{cid}/playlist.m3u8"
    view["embed"] = {
        "$type": "app.bsky.embed.video#view",
        "cid": cid,
        "playlist": playlist,
        "thumbnail": f"https://video.bsky.app/watch/{quote(did, safe='')}/{cid}/thumbnail.jpg",
        "alt": "Un chat",
    }
    asked = xrpc("app.bsky.feed.getPosts", uris=_at_uri(FOCUSED))
    post = read(FOCUSED, answer_page(FOCUSED, (asked, {"posts": [view]})))
    assert post is not None
    assert [(m.kind, m.url, m.alt) for m in post.media] == [("video", playlist, "Un chat")]
    del view["embed"]
    bare = read(FOCUSED, answer_page(FOCUSED, (asked, {"posts": [view]})))
    assert bare is not None and [(m.kind, m.url) for m in bare.media] == [("video", playlist)]


@pytest.mark.parametrize(
    ("answer", "http", "status"),
    [
        ({"error": "NotFound", "message": "Post not found: at://x"}, 400, Status.NOT_FOUND),
        (
            {"error": "AccountTakedown", "message": "Account has been suspended"},
            400,
            Status.SUSPENDED,
        ),
        (
            {
                "thread": {
                    "$type": "app.bsky.feed.defs#notFoundPost",
                    "uri": "URI",
                    "notFound": True,
                }
            },
            200,
            Status.NOT_FOUND,
        ),
    ],
)
def test_what_the_appview_answers_in_place_of_a_post_is_the_capture_s_status(
    answer: dict[str, Any], http: int, status: Status
) -> None:
    url = "https://bsky.app/profile/ghost.bsky.social/post/3lf2abcdxyz4a"
    uri = "at://did:plc:ghostghostghostghostghos/app.bsky.feed.post/3lf2abcdxyz4a"
    body = json.loads(json.dumps(answer).replace('"URI"', json.dumps(uri)))
    page = answer_page(url, (xrpc("app.bsky.feed.getPostThread", uri=uri), body), status=http)
    assert read(url, page) is None
    found = verdict(url, page)
    assert found is not None and found[0] is status
    # The same answer about another post says nothing of this one.
    other = "https://bsky.app/profile/ghost.bsky.social/post/3lf2abcdxyz5b"
    assert verdict(other, page) is None


def test_a_post_for_signed_in_people_only_is_behind_a_login() -> None:
    answer = payload(THREAD)
    answer["thread"]["post"]["author"]["labels"] = [
        {"src": "did:plc:x", "uri": "at://x", "val": "!no-unauthenticated", "cts": "2023-01-01"}
    ]
    page = answer_page(FOCUSED, (xrpc("app.bsky.feed.getPostThread", uri=_at_uri(FOCUSED)), answer))
    assert read(FOCUSED, page) is None
    found = verdict(FOCUSED, page)
    assert found is not None and found[0] is Status.LOGIN_WALL


def test_the_page_summary_and_title_name_the_author() -> None:
    entry = next(e for e in PAYLOADS if e["kind"] == "page")
    post = read(entry["post_url"], _served(entry))
    assert post is not None
    assert post.sources["text"] == "bluesky page summary"  # whole, where og:description may be cut
    assert not post.conflicts  # the JSON-LD's doubly escaped text ("&#39;") agrees once read


@pytest.mark.parametrize(
    ("url", "post_id", "canonical"),
    [
        (
            "https://bsky.app/profile/did:plc:kvwvcn5iqfooopmyzvb4qzba/post/3k2yihcrp6f2c",
            "did:plc:kvwvcn5iqfooopmyzvb4qzba/3k2yihcrp6f2c",
            "https://bsky.app/profile/did:plc:kvwvcn5iqfooopmyzvb4qzba/post/3k2yihcrp6f2c",
        ),
        (
            "https://bsky.app/profile/did:web:example.com/post/3k2yihcrp6f2c?ref=share",
            "did:web:example.com/3k2yihcrp6f2c",
            "https://bsky.app/profile/did:web:example.com/post/3k2yihcrp6f2c",
        ),
        (
            "https://main.bsky.dev/profile/Test.Marshal.Dev/post/3kaheyt6vpc22/",
            "test.marshal.dev/3kaheyt6vpc22",
            "https://bsky.app/profile/test.marshal.dev/post/3kaheyt6vpc22",
        ),
    ],
)
def test_post_urls_name_their_author_by_handle_or_did(
    url: str, post_id: str, canonical: str
) -> None:
    adapter = adapter_for(url)
    ref = adapter.post_ref(url)
    assert (adapter.NAME, ref.post_id, ref.canonical_url) == ("bluesky", post_id, canonical)
    assert adapter.js_args(ref, url)["actor"] == post_id.rpartition("/")[0]


def test_when_no_thread_item_is_the_post_the_data_still_gives_it_and_says_why() -> None:
    page = answer_page(
        FOCUSED, (xrpc("app.bsky.feed.getPostThread", uri=_at_uri(FOCUSED)), payload(THREAD))
    )
    adapter = BlueskyAdapter()
    ref = adapter.post_ref(FOCUSED)
    dom = {"found": False, "why": "none of the 3 thread items is clearly the post", "atproto": None}
    post, notes = adapter.read(page, ref, dom)
    assert post is not None and post.sources["text"] == "bluesky appview"
    assert any("none of the 3 thread items" in n and "no screenshot" in n for n in notes)
    # Without the data, a page whose thread shows no item of the post holds no post.
    assert adapter.read(ServedPage(FOCUSED), ref, dom) == (None, [])


def test_an_answer_holding_the_post_outweighs_one_that_says_it_is_gone() -> None:
    uri = _at_uri(FOCUSED)
    page = answer_page(
        FOCUSED,
        (xrpc("app.bsky.feed.getPostThread", uri=uri), {"error": "NotFound", "message": "gone"}),
        (xrpc("app.bsky.feed.getPosts", uris=uri), payload("bskyr-getposts-image.json")),
    )
    assert verdict(FOCUSED, page) is None
    assert read(FOCUSED, page) is not None
