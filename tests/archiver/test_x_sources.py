"""What the X adapter reads from what an X page received, without a browser: X's GraphQL answers
(real ones, saved in ``tests/realpages/x``), the embed's answer, and the head X serves; each
checked against the ground truth written next to the payloads."""

from __future__ import annotations

import copy
import json
import tomllib
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest

from archiver.models import PostFields, Status
from archiver.platforms._page import Served, ServedPage
from archiver.platforms.base import clean_text, parse_time
from archiver.platforms.x import XAdapter

REAL = Path(__file__).resolve().parents[1] / "realpages" / "x"
PAYLOADS: list[dict[str, Any]] = tomllib.loads((REAL / "SOURCES.toml").read_text(encoding="utf-8"))[
    "payload"
]
# Fields of a rendered page that only its DOM holds (read by EXTRACT_JS in the browser tests).
DOM_ONLY = {
    # og:title quotes the text with its media link; the rendered text leaves the link out.
    "metascraper-x-post-video-rendered-verge.html": {"text", "posted_at", "media"},
    # The old twitter.com layout: its time and language are only in the permalink tweet's markup.
    "unfurl-twitter-legacy-permalink-ocdvids.html": {"posted_at", "lang"},
}
JSON = "application/json"


def graphql_url(operation: str, **variables: Any) -> str:
    """An X GraphQL request as the web app sends it (the query id changes with each release)."""
    encoded = quote(json.dumps(variables, separators=(",", ":")), safe="")
    return f"https://x.com/i/api/graphql/Vg2Akr5FzUmF0sTplA5k6g/{operation}?variables={encoded}"


def answer_page(post_url: str, *answers: tuple[str, Any], rendered: str = "") -> ServedPage:
    responses = tuple(
        Served(url, 200, JSON, body if isinstance(body, bytes) else json.dumps(body).encode())
        for url, body in answers
    )
    return ServedPage(post_url, rendered=rendered, responses=responses)


def read(url: str, page: ServedPage) -> PostFields | None:
    adapter = XAdapter()
    post, _ = adapter.read(page, adapter.post_ref(url), None)
    return post


def payload(name: str) -> dict[str, Any]:
    return json.loads((REAL / name).read_text(encoding="utf-8"))


def tweet_of(name: str) -> dict[str, Any]:
    """The tweet result a saved TweetResultByRestId answer holds."""
    return payload(name)["data"]["tweetResult"]["result"]


def _served(entry: dict[str, Any]) -> ServedPage:
    body = (REAL / entry["file"]).read_bytes()
    if entry["kind"] == "page":
        return ServedPage(entry["served_at"], document=body.decode("utf-8"))
    post_id = XAdapter.post_ref(entry["post_url"]).post_id
    url = graphql_url("TweetResultByRestId", tweetId=post_id, withCommunity=False)
    return answer_page(entry["post_url"], (url, body))


def _same_post(url: str | None) -> str | None:
    return XAdapter.post_ref(url).canonical_url if url else None


@pytest.mark.parametrize("entry", PAYLOADS, ids=lambda e: e["file"])
def test_real_payload_gives_its_ground_truth(entry: dict[str, Any]) -> None:
    post = read(entry["post_url"], _served(entry))
    assert post is not None
    got = {
        "author": post.author,
        "handle": post.handle,
        "posted_at": post.posted_at,
        "text": post.text,
        "lang": post.lang,
        "media": [m.kind for m in post.media],
        "reply_to": _same_post(post.reply_to),
        "quote_of": _same_post(post.quote_of),
    }
    truth: dict[str, Any] = {
        "author": entry.get("author"),
        "handle": entry.get("handle"),
        "posted_at": parse_time(entry.get("posted_at")),
        # The archive keeps a text with its spaces folded (``clean_text``), as every source.
        "text": clean_text(entry.get("text")),
        "lang": entry.get("lang"),
        "media": list(entry.get("media_kinds", [])),
        "reply_to": _same_post(entry.get("reply_to")),
        "quote_of": _same_post(entry.get("quote_of")),
    }
    assert len(truth["media"]) == entry["media"]
    for name in truth.keys() - DOM_ONLY.get(entry["file"], set()):
        assert got[name] == truth[name], name


def test_the_text_is_full_text_verbatim_with_its_media_link() -> None:
    url = "https://x.com/SpaceX/status/1848831595014459513"
    tweet = tweet_of("fxtwitter-tweetresult-photos.json")
    page = answer_page(
        url,
        (
            graphql_url("TweetResultByRestId", tweetId="1848831595014459513"),
            payload("fxtwitter-tweetresult-photos.json"),
        ),
    )
    post = read(url, page)
    assert post is not None and post.text is not None
    assert post.text == tweet["legacy"]["full_text"]
    assert post.text.endswith("https://t.co/iwmqCeF3tE")
    assert post.sources["text"] == "x graphql"


def _detail(*results: dict[str, Any]) -> dict[str, Any]:
    """A TweetDetail answer: one timeline entry per tweet result, as the conversation shows."""
    entries = [
        {
            "entryId": f"tweet-{result.get('rest_id', 'x')}",
            "content": {
                "entryType": "TimelineTimelineItem",
                "itemContent": {"itemType": "TimelineTweet", "tweet_results": {"result": result}},
            },
        }
        for result in results
    ]
    instructions = [{"type": "TimelineAddEntries", "entries": entries}]
    return {"data": {"threaded_conversation_with_injections_v2": {"instructions": instructions}}}


def test_tweet_detail_with_several_posts_gives_the_one_asked_for() -> None:
    first = tweet_of("fxtwitter-tweetresult-20-text.json")
    asked = tweet_of("fxtwitter-tweetresult-photos.json")
    last = tweet_of("fxtwitter-tweetresult-video.json")
    url = "https://x.com/SpaceX/status/1848831595014459513"
    detail = graphql_url("TweetDetail", focalTweetId="1848831595014459513")
    post = read(url, answer_page(url, (detail, _detail(first, asked, last))))
    assert post is not None
    assert (post.author, post.handle) == ("SpaceX", "@SpaceX")
    assert post.text is not None and "Super Heavy booster" in post.text
    assert [m.kind for m in post.media] == ["image"] * 3
    # The same answer read for another post of the conversation gives that one.
    other = read(
        "https://x.com/jack/status/20", answer_page(url, (detail, _detail(first, asked, last)))
    )
    assert other is not None and other.text == "just setting up my twttr"


def test_an_answer_about_other_posts_gives_no_post() -> None:
    url = "https://x.com/someone/status/1111111111111111111"
    page = answer_page(
        url,
        (
            graphql_url("TweetDetail", focalTweetId="20"),
            _detail(tweet_of("fxtwitter-tweetresult-20-text.json")),
        ),
    )
    assert read(url, page) is None
    assert XAdapter().verdict(page, XAdapter.post_ref(url)) is None


def test_a_quote_is_not_taken_for_the_post_it_quotes() -> None:
    url = "https://x.com/__itzt3z/status/1900793157786255768"
    answer = payload("fxtwitter-tweetresult-quote-video.json")
    post = read(
        url,
        answer_page(url, (graphql_url("TweetDetail", focalTweetId="1900793157786255768"), answer)),
    )
    assert post is not None
    assert post.handle == "@__itzt3z"
    assert post.text == "the funniest tik toks be the ones they dont let you save"
    assert post.quote_of is None and post.media == ()


def _tombstone(text: str) -> dict[str, Any]:
    return {
        "__typename": "TweetTombstone",
        "tombstone": {"__typename": "TextTombstone", "text": {"rtl": False, "text": text}},
    }


def test_a_tombstone_in_place_of_the_post_means_it_is_gone() -> None:
    url = "https://x.com/someone/status/1880000000000000004"
    gone = _tombstone("This Post was deleted by the Post author. Learn more")
    detail = _detail(tweet_of("fxtwitter-tweetresult-20-text.json"))
    entries = detail["data"]["threaded_conversation_with_injections_v2"]["instructions"][0]
    entries["entries"].insert(
        0,
        {
            "entryId": "tweet-1880000000000000004",
            "content": {"itemContent": {"tweet_results": {"result": gone}}},
        },
    )
    page = answer_page(
        url, (graphql_url("TweetDetail", focalTweetId="1880000000000000004"), detail)
    )
    assert read(url, page) is None
    verdict = XAdapter().verdict(page, XAdapter.post_ref(url))
    assert verdict is not None
    assert verdict[0] is Status.NOT_FOUND
    assert "This Post was deleted by the Post author." in verdict[1]


@pytest.mark.parametrize(
    ("result", "status"),
    [
        ({"__typename": "TweetUnavailable", "reason": "Protected"}, Status.LOGIN_WALL),
        ({"__typename": "TweetUnavailable", "reason": "NsfwLoggedOut"}, Status.LOGIN_WALL),
        ({"__typename": "TweetUnavailable", "reason": "Suspended"}, Status.SUSPENDED),
        (_tombstone("This Post is from a suspended account. Learn more"), Status.SUSPENDED),
        (_tombstone("This Post is from an account that no longer exists."), Status.NOT_FOUND),
        (
            {
                "__typename": "TweetWithVisibilityResults",
                "tweet": _tombstone("This Post is unavailable."),
            },
            Status.NOT_FOUND,
        ),
    ],
)
def test_what_x_answers_in_place_of_a_post_is_the_capture_s_status(
    result: dict[str, Any], status: Status
) -> None:
    url = "https://x.com/someone/status/1880000000000000004"
    asked = graphql_url("TweetResultByRestId", tweetId="1880000000000000004")
    page = answer_page(url, (asked, {"data": {"tweetResult": {"result": result}}}))
    assert read(url, page) is None
    verdict = XAdapter().verdict(page, XAdapter.post_ref(url))
    assert verdict is not None and verdict[0] is status


def test_an_api_error_for_the_post_asked_for_means_it_is_gone() -> None:
    url = "https://x.com/someone/status/1880000000000000004"
    error = {"errors": [{"message": "_Missing: No status found with that ID.", "code": 144}]}
    page = answer_page(url, (graphql_url("TweetDetail", focalTweetId="1880000000000000004"), error))
    assert XAdapter().verdict(page, XAdapter.post_ref(url)) == (
        Status.NOT_FOUND,
        "X's API answered “No status found with that ID.” (code 144)",
    )
    # The same error for another post says nothing of this one.
    other = answer_page(url, (graphql_url("TweetDetail", focalTweetId="20"), error))
    assert XAdapter().verdict(other, XAdapter.post_ref(url)) is None


def test_a_deleted_quoted_post_does_not_make_the_post_gone() -> None:
    url = "https://x.com/carrionkid/status/1902059299591090335"
    answer = payload("fxtwitter-tweetresult-quote-video.json")
    answer["data"]["tweetResult"]["result"]["quoted_status_result"] = {
        "result": _tombstone("This Post was deleted by the Post author. Learn more")
    }
    page = answer_page(
        url, (graphql_url("TweetResultByRestId", tweetId="1902059299591090335"), answer)
    )
    post = read(url, page)
    assert post is not None and post.handle == "@carrionkid"
    assert post.quote_of == "https://x.com/__itzt3z/status/1900793157786255768"
    assert XAdapter().verdict(page, XAdapter.post_ref(url)) is None


def _visible(tweet: dict[str, Any]) -> dict[str, Any]:
    return {"__typename": "TweetWithVisibilityResults", "tweet": tweet, "limitedActionResults": {}}


def test_long_posts_newer_user_fields_replies_and_entities() -> None:
    tweet = copy.deepcopy(tweet_of("fxtwitter-tweetresult-20-text.json"))
    user = tweet["core"]["user_results"]["result"]
    user["core"] = {"name": "Jack (core)", "screen_name": "jack", "created_at": "x"}
    del user["legacy"]["name"], user["legacy"]["screen_name"]
    legacy = tweet["legacy"]
    legacy["full_text"] = "cut short… https://t.co/abc"
    legacy["in_reply_to_status_id_str"] = "19"
    legacy["in_reply_to_screen_name"] = "biz"
    whole = "A long post &amp; its &lt;whole&gt; text\n\nthat X keeps apart."
    tweet["note_tweet"] = {"is_expandable": True, "note_tweet_results": {"result": {"text": whole}}}
    url = "https://x.com/jack/status/20"
    page = answer_page(
        url,
        (
            graphql_url("TweetResultByRestId", tweetId="20"),
            {"data": {"tweetResult": {"result": _visible(tweet)}}},
        ),
    )
    post = read(url, page)
    assert post is not None
    assert post.author == "Jack (core)" and post.handle == "@jack"
    assert post.text == "A long post & its <whole> text\n\nthat X keeps apart."
    assert post.reply_to == "https://x.com/biz/status/19"
    legacy["in_reply_to_screen_name"] = None
    again = read(
        url,
        answer_page(
            url,
            (
                graphql_url("TweetResultByRestId", tweetId="20"),
                {"data": {"tweetResult": {"result": tweet}}},
            ),
        ),
    )
    assert again is not None and again.reply_to == "https://x.com/i/status/19"


def test_a_video_is_one_item_its_best_mp4_and_no_poster() -> None:
    tweet = tweet_of("fxtwitter-tweetresult-video.json")
    (video,) = tweet["legacy"]["extended_entities"]["media"]
    mp4s = [v for v in video["video_info"]["variants"] if v["content_type"] == "video/mp4"]
    best = max(mp4s, key=lambda v: v["bitrate"])["url"]
    url = "https://x.com/DivineDropbear/status/1841206275088290279"
    page = answer_page(
        url,
        (
            graphql_url("TweetResultByRestId", tweetId="1841206275088290279"),
            payload("fxtwitter-tweetresult-video.json"),
        ),
    )
    post = read(url, page)
    assert post is not None
    assert [(m.url, m.kind) for m in post.media] == [(best, "video")]
    assert post.media[0].poster == video["media_url_https"]  # the video's still, not an image


def test_a_post_only_the_data_held_says_why_it_has_no_screenshot_of_its_own() -> None:
    url = "https://x.com/jack/status/20"
    asked = graphql_url("TweetResultByRestId", tweetId="20")
    page = answer_page(url, (asked, payload("fxtwitter-tweetresult-20-text.json")))
    adapter = XAdapter()
    post, notes = adapter.read(page, adapter.post_ref(url), None)  # EXTRACT_JS found no article
    assert post is not None
    assert any("no screenshot of the post alone" in note for note in notes)


def test_photos_are_named_as_the_page_loaded_them() -> None:
    url = "https://x.com/SpaceX/status/1848831595014459513"
    rendered = (
        '<article data-testid="tweet"><div data-testid="tweetPhoto">'
        '<img src="https://pbs.twimg.com/media/GahebgHbEAEevTU?format=jpg&amp;name=small"></div>'
        "</article>"
    )
    asked = graphql_url("TweetResultByRestId", tweetId="1848831595014459513")
    page = answer_page(
        url, (asked, payload("fxtwitter-tweetresult-photos.json")), rendered=rendered
    )
    post = read(url, page)
    assert post is not None
    assert [m.url for m in post.media] == [
        "https://pbs.twimg.com/media/GahebgHbEAEevTU?format=jpg&name=small",  # as loaded
        "https://pbs.twimg.com/media/GahecZ5aAAEX7GX.jpg",  # not shown: the API's own URL
        "https://pbs.twimg.com/media/GaheddqbsAAzGXg.jpg",
    ]


def test_the_embed_answer_is_read_too() -> None:
    answer = {
        "__typename": "Tweet",
        "id_str": "1880000000000000001",
        "lang": "fr",
        "created_at": "2025-01-15T09:30:00.000Z",
        "text": "Le conseil municipal a voté ce soir le budget 2025. https://t.co/abc",
        "user": {"id_str": "1", "name": "Alice Dupont", "screen_name": "alicedupont"},
        "in_reply_to_status_id_str": "1879999999999999999",
        "in_reply_to_screen_name": "mairie",
        "mediaDetails": [
            {
                "type": "photo",
                "media_url_https": "https://pbs.twimg.com/media/Abc.jpg",
                "ext_alt_text": "Le tableau",
            }
        ],
    }
    url = "https://x.com/alicedupont/status/1880000000000000001"
    embed = "https://cdn.syndication.twimg.com/tweet-result?id=1880000000000000001&lang=fr&token=4a"
    post = read(url, answer_page(url, (embed, answer)))
    assert post is not None
    assert (post.author, post.handle, post.lang) == ("Alice Dupont", "@alicedupont", "fr")
    assert post.posted_at == parse_time("2025-01-15T09:30:00Z")
    assert post.reply_to == "https://x.com/mairie/status/1879999999999999999"
    assert [(m.kind, m.alt) for m in post.media] == [("image", "Le tableau")]
    assert post.sources["text"] == "x syndication"


def test_only_graphql_answers_are_read_as_the_api() -> None:
    url = "https://x.com/jack/status/20"
    body = payload("fxtwitter-tweetresult-20-text.json")
    elsewhere = answer_page(url, ("https://x.com/i/api/1.1/jot/client_event.json", body))
    assert read(url, elsewhere) is None


def test_an_answer_holding_the_post_outweighs_one_that_says_it_is_gone() -> None:
    url = "https://x.com/jack/status/20"
    error = {"errors": [{"message": "_Missing: No status found with that ID.", "code": 144}]}
    page = answer_page(
        url,
        (graphql_url("TweetDetail", focalTweetId="20"), error),
        (
            graphql_url("TweetResultByRestId", tweetId="20"),
            payload("fxtwitter-tweetresult-20-text.json"),
        ),
    )
    assert XAdapter().verdict(page, XAdapter.post_ref(url)) is None
    assert read(url, page) is not None
