"""The platform adapters' URL forms, post ids and canonical URLs, and what they read from each
platform's structured form of a post, without a browser."""

from __future__ import annotations

import json
from typing import Any

import pytest

from archiver.models import ArtifactKind, Status
from archiver.platforms import ADAPTERS, PageSnapshot, adapter_for
from archiver.platforms._page import Served, ServedPage
from archiver.platforms.reddit import RedditAdapter
from archiver.platforms.telegram import TelegramAdapter
from archiver.platforms.tiktok import TikTokAdapter
from archiver.platforms.truthsocial import TruthSocialAdapter
from archiver.platforms.youtube import YouTubeAdapter

REDDIT_POST = "https://www.reddit.com/r/lyon/comments/1i5m2qx/"
REDDIT_COMMENT = "https://www.reddit.com/r/lyon/comments/1i5m2qx/comment/m8a1b2c/"
YT = "https://www.youtube.com/watch?v=Qm4rT7xYp2A"
LINKEDIN = "https://www.linkedin.com/feed/update/urn:li:activity:7289552712499204173/"
LINKEDIN_COMMENT = (
    LINKEDIN + "?commentUrn=urn%3Ali%3Acomment%3A%28activity%3A7289552712499204173%2C"
    "7289569070284804173%29"
)
FB_POST = "https://www.facebook.com/mairie.lyon8/posts/pfbid02Xk7nR8QvT3mLw9ZpD4sYc6HjEa1BuF"
TRUTH = "https://truthsocial.com/@JeanValmont/posts/113906339020800321"

CASES = [
    # Reddit: every host and path form of one post folds to one id.
    (
        "https://www.reddit.com/r/lyon/comments/1i5m2qx/le_tram_t10/",
        "reddit",
        "1i5m2qx",
        REDDIT_POST,
    ),
    (
        "https://old.reddit.com/r/lyon/comments/1i5m2qx/le_tram_t10/?sort=new",
        "reddit",
        "1i5m2qx",
        REDDIT_POST,
    ),
    ("http://np.reddit.com/r/lyon/comments/1i5m2qx", "reddit", "1i5m2qx", REDDIT_POST),
    (
        "https://reddit.com/comments/1i5m2qx",
        "reddit",
        "1i5m2qx",
        "https://www.reddit.com/comments/1i5m2qx/",
    ),
    ("https://redd.it/1i5m2qx", "reddit", "1i5m2qx", "https://www.reddit.com/comments/1i5m2qx/"),
    (
        "https://www.reddit.com/user/margot_lyon/comments/1i5abcd/mon_velo/",
        "reddit",
        "1i5abcd",
        "https://www.reddit.com/user/margot_lyon/comments/1i5abcd/",
    ),
    (REDDIT_COMMENT, "reddit", "1i5m2qx/m8a1b2c", REDDIT_COMMENT),
    (
        "https://old.reddit.com/r/lyon/comments/1i5m2qx/le_tram_t10/m8a1b2c/?context=3",
        "reddit",
        "1i5m2qx/m8a1b2c",
        REDDIT_COMMENT,
    ),
    # Telegram: a post's page, the channel history, telegram.me, private chats.
    (
        "https://t.me/lyoninfo_direct/2841",
        "telegram",
        "lyoninfo_direct/2841",
        "https://t.me/lyoninfo_direct/2841",
    ),
    (
        "https://t.me/s/LyonInfo_Direct/2841?before=2900",
        "telegram",
        "lyoninfo_direct/2841",
        "https://t.me/lyoninfo_direct/2841",
    ),
    (
        "https://telegram.me/lyoninfo_direct/2841?single",
        "telegram",
        "lyoninfo_direct/2841",
        "https://t.me/lyoninfo_direct/2841",
    ),
    (
        "https://t.me/c/1234567890/118",
        "telegram",
        "c/1234567890/118",
        "https://t.me/c/1234567890/118",
    ),
    (
        "https://t.me/c/1234567890/5/118",
        "telegram",
        "c/1234567890/118",
        "https://t.me/c/1234567890/118",
    ),
    # Threads: .net and .com, the short form.
    (
        "https://www.threads.net/@claire.vasseur/post/DFaB3xTtQ1k",
        "threads",
        "DFaB3xTtQ1k",
        "https://www.threads.com/@claire.vasseur/post/DFaB3xTtQ1k",
    ),
    (
        "https://threads.com/@Claire.Vasseur/post/DFaB3xTtQ1k/?xmt=abc",
        "threads",
        "DFaB3xTtQ1k",
        "https://www.threads.com/@claire.vasseur/post/DFaB3xTtQ1k",
    ),
    (
        "https://www.threads.net/t/DFaB3xTtQ1k",
        "threads",
        "DFaB3xTtQ1k",
        "https://www.threads.com/t/DFaB3xTtQ1k",
    ),
    # Instagram: posts, reels, the user-prefixed form, instagr.am, comments.
    (
        "https://www.instagram.com/p/DFbA1cQsT9u/?igsh=abc",
        "instagram",
        "DFbA1cQsT9u",
        "https://www.instagram.com/p/DFbA1cQsT9u/",
    ),
    (
        "https://instagram.com/reel/DFbA1cQsT9u",
        "instagram",
        "DFbA1cQsT9u",
        "https://www.instagram.com/p/DFbA1cQsT9u/",
    ),
    (
        "https://www.instagram.com/atelier.soie/p/DFbA1cQsT9u/",
        "instagram",
        "DFbA1cQsT9u",
        "https://www.instagram.com/p/DFbA1cQsT9u/",
    ),
    (
        "http://instagr.am/p/DFbA1cQsT9u/",
        "instagram",
        "DFbA1cQsT9u",
        "https://www.instagram.com/p/DFbA1cQsT9u/",
    ),
    (
        "https://www.instagram.com/p/DFbA1cQsT9u/c/18050000000000001/",
        "instagram",
        "DFbA1cQsT9u/18050000000000001",
        "https://www.instagram.com/p/DFbA1cQsT9u/c/18050000000000001/",
    ),
    # YouTube: every player form of one video, and a comment.
    (YT, "youtube", "Qm4rT7xYp2A", YT),
    ("https://youtu.be/Qm4rT7xYp2A?si=trackme&t=42", "youtube", "Qm4rT7xYp2A", YT),
    ("https://m.youtube.com/watch?feature=share&v=Qm4rT7xYp2A", "youtube", "Qm4rT7xYp2A", YT),
    ("https://www.youtube.com/shorts/Qm4rT7xYp2A", "youtube", "Qm4rT7xYp2A", YT),
    ("https://www.youtube.com/live/Qm4rT7xYp2A?feature=shared", "youtube", "Qm4rT7xYp2A", YT),
    ("https://www.youtube-nocookie.com/embed/Qm4rT7xYp2A", "youtube", "Qm4rT7xYp2A", YT),
    ("https://music.youtube.com/watch?v=Qm4rT7xYp2A&list=RD", "youtube", "Qm4rT7xYp2A", YT),
    (
        f"{YT}&lc=UgxR5kq2Jm9Tn4bZ1aB4AaABAg",
        "youtube",
        "Qm4rT7xYp2A/UgxR5kq2Jm9Tn4bZ1aB4AaABAg",
        f"{YT}&lc=UgxR5kq2Jm9Tn4bZ1aB4AaABAg",
    ),
    # TikTok: videos, photo posts, the mobile and embed forms.
    (
        "https://www.tiktok.com/@chef.amandine/video/7463821654780728967?is_from_webapp=1",
        "tiktok",
        "7463821654780728967",
        "https://www.tiktok.com/@chef.amandine/video/7463821654780728967",
    ),
    (
        "https://www.tiktok.com/@Chef.Amandine/photo/7463821654780728967",
        "tiktok",
        "7463821654780728967",
        "https://www.tiktok.com/@chef.amandine/video/7463821654780728967",
    ),
    (
        "https://m.tiktok.com/v/7463821654780728967.html",
        "tiktok",
        "7463821654780728967",
        "https://www.tiktok.com/@/video/7463821654780728967",
    ),
    (
        "https://www.tiktok.com/embed/v2/7463821654780728967",
        "tiktok",
        "7463821654780728967",
        "https://www.tiktok.com/@/video/7463821654780728967",
    ),
    # Facebook: page posts, permalink.php, groups, videos, comments.
    (FB_POST, "facebook", "pfbid02Xk7nR8QvT3mLw9ZpD4sYc6HjEa1BuF", FB_POST),
    (
        "https://m.facebook.com/mairie.lyon8/posts/pfbid02Xk7nR8QvT3mLw9ZpD4sYc6HjEa1BuF/?mibextid=x",
        "facebook",
        "pfbid02Xk7nR8QvT3mLw9ZpD4sYc6HjEa1BuF",
        FB_POST,
    ),
    (
        "https://www.facebook.com/permalink.php?story_fbid=122134567890123456&id=100064512345678",
        "facebook",
        "122134567890123456",
        "https://www.facebook.com/permalink.php?story_fbid=122134567890123456&id=100064512345678",
    ),
    (
        "https://www.facebook.com/story.php?id=100064512345678&story_fbid=122134567890123456",
        "facebook",
        "122134567890123456",
        "https://www.facebook.com/permalink.php?story_fbid=122134567890123456&id=100064512345678",
    ),
    (
        "https://www.facebook.com/groups/velo.lyon/posts/2345678901234567/",
        "facebook",
        "2345678901234567",
        "https://www.facebook.com/groups/velo.lyon/posts/2345678901234567",
    ),
    (
        "https://www.facebook.com/mairie.lyon8/videos/987654321098765/",
        "facebook",
        "987654321098765",
        "https://www.facebook.com/watch/?v=987654321098765",
    ),
    (
        "https://www.facebook.com/reel/987654321098765",
        "facebook",
        "987654321098765",
        "https://www.facebook.com/watch/?v=987654321098765",
    ),
    (
        f"{FB_POST}?comment_id=1098765432109876",
        "facebook",
        "pfbid02Xk7nR8QvT3mLw9ZpD4sYc6HjEa1BuF/1098765432109876",
        f"{FB_POST}?comment_id=1098765432109876",
    ),
    # LinkedIn: the /posts/ slug and the feed URN fold together; share and ugcPost URNs differ.
    (
        "https://www.linkedin.com/posts/claire-dubois_fiere-d-annoncer-activity-7289552712499204173-d0a8/?utm_source=share",
        "linkedin",
        "7289552712499204173",
        LINKEDIN,
    ),
    (
        "https://fr.linkedin.com/feed/update/urn%3Ali%3Aactivity%3A7289552712499204173",
        "linkedin",
        "7289552712499204173",
        LINKEDIN,
    ),
    (
        "https://www.linkedin.com/embed/feed/update/urn:li:share:7289552712499204000",
        "linkedin",
        "share:7289552712499204000",
        "https://www.linkedin.com/feed/update/urn:li:share:7289552712499204000/",
    ),
    (LINKEDIN_COMMENT, "linkedin", "7289552712499204173/7289569070284804173", LINKEDIN_COMMENT),
    # Mastodon: ids of any length (an instance's first posts are 1, 23…), an instance on a port
    # (a development server speaks plain HTTP on localhost).
    (
        "https://mastodon.example/@emile/23",
        "mastodon",
        "mastodon.example/23",
        "https://mastodon.example/@emile/23",
    ),
    (
        "http://localhost:3000/@mastodonpy_test/109440146049087385",
        "mastodon",
        "localhost:3000/109440146049087385",
        "http://localhost:3000/@mastodonpy_test/109440146049087385",
    ),
    (
        "https://social.example:8443/users/lea/statuses/113000000000000002",
        "mastodon",
        "social.example:8443/113000000000000002",
        "https://social.example:8443/@lea/113000000000000002",
    ),
    # Truth Social: the app's form and the Mastodon forms, before the Mastodon adapter sees them.
    (TRUTH, "truthsocial", "113906339020800321", TRUTH),
    (
        "https://truthsocial.com/@JeanValmont/113906339020800321",
        "truthsocial",
        "113906339020800321",
        TRUTH,
    ),
    (
        "https://truthsocial.com/users/JeanValmont/statuses/113906339020800321",
        "truthsocial",
        "113906339020800321",
        TRUTH,
    ),
]


@pytest.mark.parametrize(("url", "platform", "post_id", "canonical"), CASES)
def test_platform_urls_identify_posts(
    url: str, platform: str, post_id: str, canonical: str
) -> None:
    ref = adapter_for(url).post_ref(url)
    assert (ref.platform, ref.post_id, ref.canonical_url) == (platform, post_id, canonical)


@pytest.mark.parametrize(("url", "platform", "post_id", "canonical"), CASES)
def test_canonical_urls_are_their_own_canonical_form(
    url: str, platform: str, post_id: str, canonical: str
) -> None:
    ref = adapter_for(canonical).post_ref(canonical)
    assert (ref.platform, ref.post_id, ref.canonical_url) == (platform, post_id, canonical)


@pytest.mark.parametrize(
    "url",
    [
        "https://www.reddit.com/r/lyon/",
        "https://www.reddit.com/r/lyon/s/AbCdEf123",  # a share link: followed to the post
        "https://www.reddit.com/user/margot_lyon/",
        "https://t.me/lyoninfo_direct",
        "https://t.me/joinchat/AAAAAEabcdef",
        "https://www.threads.com/@claire.vasseur",
        "https://www.instagram.com/atelier.soie/",
        "https://www.instagram.com/stories/atelier.soie/3456789012345678901/",
        "https://www.youtube.com/@metropoletv",
        "https://www.youtube.com/watch?v=tooShort",
        "https://www.tiktok.com/@chef.amandine",
        "https://vm.tiktok.com/ZMabc123/",  # a share link: followed to the post
        "https://www.facebook.com/mairie.lyon8",
        "https://www.facebook.com/share/p/a7910ca4d2b98eb0/",  # a share link: followed to the post
        "https://www.linkedin.com/in/claire-dubois/",
        "https://www.linkedin.com/pulse/un-article-claire-dubois",
        "https://truthsocial.com/@JeanValmont",
        "https://notreddit.com/r/lyon/comments/1i5m2qx/",
        "https://www.youtube.com.evil.example/watch?v=Qm4rT7xYp2A",
    ],
)
def test_other_pages_of_these_sites_are_left_to_the_generic_adapter(url: str) -> None:
    assert adapter_for(url).NAME == "generic"


def test_mastodon_still_claims_other_instances() -> None:
    url = "https://mastodon.social/@someone/113200000000000001"
    assert adapter_for(url).NAME == "mastodon"


def test_every_adapter_has_a_distinct_name_and_the_generic_one_is_last() -> None:
    names = [adapter.NAME for adapter in ADAPTERS]
    assert len(set(names)) == len(names)
    assert names[-1] == "generic"


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
