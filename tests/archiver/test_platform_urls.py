"""The platform adapters' URL forms, post ids and canonical URLs (the cases each adapter carries
in ``URL_CASES``), the registry, and what the adapters read from each platform's structured form
of a post, without a browser."""

from __future__ import annotations

import json
from typing import Any

import pytest

from archiver.models import ArtifactKind, Status
from archiver.platforms import (
    ADAPTERS,
    PLATFORM_NAMES,
    PLATFORMS,
    PageSnapshot,
    UrlCase,
    adapter_for,
    platform_name,
    platform_of,
)
from archiver.platforms._page import Served, ServedPage
from archiver.platforms.reddit import RedditAdapter
from archiver.platforms.telegram import TelegramAdapter
from archiver.platforms.tiktok import TikTokAdapter
from archiver.platforms.truthsocial import TruthSocialAdapter
from archiver.platforms.youtube import YouTubeAdapter
from tests.fixtureweb import EXPECTED, FIXTURE_URLS

REDDIT_POST = "https://www.reddit.com/r/lyon/comments/1i5m2qx/"
REDDIT_COMMENT = "https://www.reddit.com/r/lyon/comments/1i5m2qx/comment/m8a1b2c/"
YT = "https://www.youtube.com/watch?v=Qm4rT7xYp2A"
TRUTH = "https://truthsocial.com/@JeanValmont/posts/113906339020800321"

# Every adapter's URL cases, with the name of the adapter that carries them.
CASES = [(adapter.NAME, case) for adapter in ADAPTERS for case in adapter.URL_CASES]
POSTS = [(name, case) for name, case in CASES if case.matches and not case.only_matching]
MATCHING = [(name, case) for name, case in CASES if case.only_matching]
NOT_POSTS = [(name, case) for name, case in CASES if not case.matches]


def _ids(cases: list[tuple[str, UrlCase]]) -> list[str]:
    return [case.url for _, case in cases]


@pytest.mark.parametrize(("platform", "case"), POSTS, ids=_ids(POSTS))
def test_platform_urls_identify_posts(platform: str, case: UrlCase) -> None:
    ref = adapter_for(case.url).post_ref(case.url)
    assert (ref.platform, ref.post_id, ref.canonical_url) == (
        platform,
        case.post_id,
        case.canonical,
    )


@pytest.mark.parametrize(("platform", "case"), POSTS, ids=_ids(POSTS))
def test_canonical_urls_are_their_own_canonical_form(platform: str, case: UrlCase) -> None:
    assert case.canonical is not None
    ref = adapter_for(case.canonical).post_ref(case.canonical)
    assert (ref.platform, ref.post_id, ref.canonical_url) == (
        platform,
        case.post_id,
        case.canonical,
    )


@pytest.mark.parametrize(("platform", "case"), MATCHING, ids=_ids(MATCHING))
def test_platform_urls_that_only_need_to_match(platform: str, case: UrlCase) -> None:
    # e.g. Mastodon still claims the posts of instances it has never seen.
    assert platform == adapter_for(case.url).NAME


@pytest.mark.parametrize(("platform", "case"), NOT_POSTS, ids=_ids(NOT_POSTS))
def test_other_pages_of_these_sites_are_left_to_the_generic_adapter(
    platform: str, case: UrlCase
) -> None:
    assert adapter_for(case.url).NAME == "generic", f"a page of {platform}'s site, not a post"
    assert platform_of(case.url) is None


def test_every_adapter_carries_url_cases_of_its_posts() -> None:
    assert {name for name, _ in POSTS} == {adapter.NAME for adapter in ADAPTERS}


def test_every_adapter_has_a_distinct_name_and_the_generic_one_is_last() -> None:
    names = [adapter.NAME for adapter in ADAPTERS]
    assert len(set(names)) == len(names)
    assert names[-1] == "generic"


def test_the_registry_names_each_platform_by_its_adapter_module() -> None:
    assert tuple(adapter.NAME for adapter in ADAPTERS) == PLATFORMS
    assert all(adapter.__module__ == f"archiver.platforms.{adapter.NAME}" for adapter in ADAPTERS)


def test_platform_of_names_the_platform_of_every_post_url() -> None:
    for name, case in POSTS + MATCHING:
        assert platform_of(case.url) == (None if name == "generic" else name), case.url


def test_every_adapter_names_its_fixtures_and_its_capture_cases_are_among_them() -> None:
    for adapter in ADAPTERS:
        pages = {name for name, want in EXPECTED.items() if want.platform == adapter.NAME}
        assert set(adapter.FIXTURES) == pages, adapter.NAME
        named = {FIXTURE_URLS[name] for name in adapter.FIXTURES}
        assert {case.url for case in adapter.TESTS} <= named, adapter.NAME


def test_display_names_come_from_the_adapters() -> None:
    assert PLATFORM_NAMES["truthsocial"] == "Truth Social"
    assert PLATFORM_NAMES["twitter"] == PLATFORM_NAMES["x"] == "X"
    assert platform_name("generic") == "the web"
    assert platform_name("YouTube") == "YouTube"
    assert platform_name("myspace") == "Myspace"
    assert set(PLATFORM_NAMES) >= set(PLATFORMS)


def _raw(body: Any, **fields: Any) -> dict[str, Any]:
    return {
        **fields,
        "structured": {"url": "x", "type": "application/json", "body": json.dumps(body)},
    }


def _reddit_listing(post: dict[str, Any], comments: list[dict[str, Any]]) -> list[Any]:
    def listing(children: list[dict[str, Any]]) -> dict[str, Any]:
        return {"kind": "Listing", "data": {"children": children}}

    return [listing([{"kind": "t3", "data": post}]), listing(comments)]


REDDIT_T3 = {
    "id": "1i5m2qx",
    "title": "Le tram T10",
    "selftext": "Un.\n\nDeux.",  # Markdown as written: preferred to the HTML form
    "selftext_html": '<!-- SC_OFF --><div class="md"><p>Un.</p><p>Deux.</p></div><!-- SC_ON -->',
    "author": "margot_lyon",
    "created_utc": 1737360900.0,
    "permalink": "/r/lyon/comments/1i5m2qx/le_tram_t10/",
    "is_gallery": True,
    "gallery_data": {"items": [{"media_id": "b"}, {"media_id": "a"}]},
    "media_metadata": {
        "a": {"status": "valid", "s": {"u": "https://i.redd.it/a.png"}},
        "b": {"status": "valid", "s": {"u": "https://i.redd.it/b.png"}},
    },
}


def test_reddit_prefers_its_json_for_a_post() -> None:
    adapter = RedditAdapter()
    ref = adapter.post_ref(REDDIT_POST)
    raw = _raw(_reddit_listing(REDDIT_T3, []), text="what the page showed", author="x")
    fields, notes = adapter.read(None, ref, raw)
    assert fields is not None
    assert (fields.author, fields.handle) == ("margot_lyon", "u/margot_lyon")
    assert fields.sources["text"] == "reddit json"
    # What the page showed is kept as another source's word, not silently dropped.
    assert any("what the page showed" in note for note in notes)
    assert fields.text == "Le tram T10\n\nUn.\n\nDeux."
    assert (
        fields.posted_at is not None and fields.posted_at.isoformat() == "2025-01-20T08:15:00+00:00"
    )
    assert [m.url for m in fields.media] == ["https://i.redd.it/b.png", "https://i.redd.it/a.png"]
    (artifact,) = adapter.extras(raw)
    assert (artifact.kind, artifact.media_type) == (ArtifactKind.STRUCTURED, "application/json")


def test_reddit_reads_a_comment_and_names_its_parent_comment() -> None:
    parent = {
        "kind": "t1",
        "data": {"id": "m8aaaaa", "permalink": "/r/lyon/comments/1i5m2qx/le_tram_t10/m8aaaaa/"},
    }
    focal = {
        "kind": "t1",
        "data": {
            "id": "m8a1b2c",
            "author": "gerland_velo",
            "body": "Testé hier.",
            "created_utc": 1737363120,
            "parent_id": "t1_m8aaaaa",
        },
    }
    parent["data"]["replies"] = {"kind": "Listing", "data": {"children": [focal]}}
    adapter = RedditAdapter()
    fields, _ = adapter.read(
        None, adapter.post_ref(REDDIT_COMMENT), _raw(_reddit_listing(REDDIT_T3, [parent]))
    )
    assert fields is not None
    assert fields.text == "Testé hier."
    assert fields.reply_to == "https://www.reddit.com/r/lyon/comments/1i5m2qx/le_tram_t10/m8aaaaa/"


def test_reddit_json_saying_deleted_means_no_post() -> None:
    deleted = {
        **REDDIT_T3,
        "author": "[deleted]",
        "selftext": "[deleted]",
        "removed_by_category": "deleted",
    }
    adapter = RedditAdapter()
    ref = adapter.post_ref(REDDIT_POST)
    listing = json.dumps(_reddit_listing(deleted, [])).encode()
    page = ServedPage(
        REDDIT_POST,
        responses=(Served(f"{REDDIT_POST}.json", 200, "application/json", listing),),
    )
    # The page still shows the title, but Reddit's JSON says the post was deleted.
    assert adapter.verdict(page, ref) == (
        Status.NOT_FOUND,
        "Reddit's JSON for the post says its author deleted it",
    )
    fields, _ = adapter.read(page, ref, _raw(_reddit_listing(deleted, []), text="title"))
    assert fields is not None and fields.sources["text"] == "dom"


def test_reddit_json_of_another_post_is_not_trusted() -> None:
    other = {**REDDIT_T3, "id": "zzzzzz", "author": "someone_else"}
    adapter = RedditAdapter()
    fields, _ = adapter.read(
        None, adapter.post_ref(REDDIT_POST), _raw(_reddit_listing(other, []), author="margot_lyon")
    )
    assert fields is not None and fields.author == "margot_lyon"


def test_youtube_prefers_oembed_and_keeps_title_and_description() -> None:
    oembed = {
        "title": "Le pont",
        "author_name": "Métropole TV",
        "author_url": "https://www.youtube.com/@metropoletv",
        "thumbnail_url": "https://i.ytimg.com/vi/Qm4rT7xYp2A/hqdefault.jpg",
    }
    adapter = YouTubeAdapter()
    raw = _raw(oembed, title="old title", description="Le reportage.", author=None)
    fields, _ = adapter.read(None, adapter.post_ref(YT), raw)
    assert fields is not None
    assert (fields.author, fields.handle) == ("Métropole TV", "@metropoletv")
    assert fields.text == "Le pont\n\nLe reportage."
    # One video, its thumbnail as its poster: not a video and an image.
    assert [(m.kind, m.poster) for m in fields.media] == [("video", oembed["thumbnail_url"])]


def test_tiktok_time_comes_from_the_id_when_the_page_has_none() -> None:
    adapter = TikTokAdapter()
    url = "https://www.tiktok.com/@chef.amandine/video/7463821654780728967"
    fields, _ = adapter.read(ServedPage(url), adapter.post_ref(url), {"text": "Les quenelles"})
    assert fields is not None and fields.posted_at is not None
    assert fields.sources["posted_at"] == "tiktok id"
    assert fields.posted_at.isoformat() == "2025-01-25T12:00:00+00:00"


def test_truth_social_names_the_parent_from_the_api_status() -> None:
    status = {
        "id": "113906456985600321",
        "created_at": "2025-01-28T14:30:00.000Z",
        "content": "<p>J'y serai.</p>",
        "language": "fr",
        "account": {"acct": "MarieLenoir", "display_name": "Marie Lenoir"},
        "in_reply_to_id": "113906339020800321",
        "in_reply_to_account_id": "42",
        "mentions": [{"id": "7", "acct": "other"}, {"id": "42", "acct": "JeanValmont"}],
        "media_attachments": [{"type": "video", "url": "https://static.example/v.mp4"}],
    }
    adapter = TruthSocialAdapter()
    url = "https://truthsocial.com/@MarieLenoir/posts/113906456985600321"
    fields, _ = adapter.read(None, adapter.post_ref(url), _raw(status))
    assert fields is not None
    assert (fields.author, fields.handle, fields.text, fields.lang) == (
        "Marie Lenoir",
        "@MarieLenoir",
        "J'y serai.",
        "fr",
    )
    assert fields.reply_to == TRUTH
    assert [(m.url, m.kind) for m in fields.media] == [("https://static.example/v.mp4", "video")]


def _snapshot(url: str, final_url: str | None = None, text: str = "") -> PageSnapshot:
    return PageSnapshot(url, final_url or url, 200, "Telegram", text, False, {})


def test_telegram_reports_what_its_widget_said() -> None:
    adapter = TelegramAdapter()
    ref = adapter.post_ref("https://t.me/lyoninfo_direct/2839")
    assert adapter.fields({"error": "Post not found"}, ref) is None
    verdict = adapter.classify(_snapshot(ref.canonical_url))
    assert verdict is not None and verdict[0] is Status.NOT_FOUND and "Post not found" in verdict[1]


def test_telegram_history_without_the_post_means_it_is_gone() -> None:
    adapter = TelegramAdapter()
    url = "https://t.me/s/lyoninfo_direct/2839"
    assert adapter.fields(None, adapter.post_ref(url)) is None
    verdict = adapter.classify(_snapshot(url))
    assert verdict is not None and verdict[0] is Status.NOT_FOUND


def test_telegram_private_chat_posts_are_behind_a_login() -> None:
    adapter = TelegramAdapter()
    url = "https://t.me/c/1234567890/118"
    assert adapter.js_args(adapter.post_ref(url), url)["channel"] is None
    verdict = adapter.classify(_snapshot(url, text="View in Telegram"))
    assert verdict is not None and verdict[0] is Status.LOGIN_WALL


def test_structured_forms_that_do_not_parse_are_not_kept() -> None:
    adapter = RedditAdapter()
    raw = {"structured": {"url": "x", "type": "text/html", "body": "<html>rate limited</html>"}}
    assert adapter.extras(raw) == ()
    assert (
        TelegramAdapter()
        .extras({"structured": {"type": "text/html; x", "body": "<p>ok</p>"}})[0]
        .media_type
        == "text/html"
    )
