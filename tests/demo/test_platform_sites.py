"""The fake Reddit, Telegram, Threads, Instagram, YouTube, TikTok, Facebook, LinkedIn and Truth
Social sites over plain HTTP: their redirects, structured forms and error answers (the browser
tests capture their pages). ``web`` is the session's fixture web, from ``tests/conftest.py``."""

from __future__ import annotations

import json
from urllib.parse import quote

import pytest

from demo import FakeWeb
from tests.demo.test_web import fetch
from tests.fixtureweb import FIXTURE_URLS
from tests.fixtureweb.platforms import facebook, reddit, telegram, tiktok, truthsocial, youtube


@pytest.mark.parametrize(
    ("url", "location"),
    [
        ("https://redd.it/1i5n7rb", "https://www.reddit.com/comments/1i5n7rb"),
        (
            "https://reddit.com/r/lyon/comments/1i5m2qx/",
            "https://www.reddit.com/r/lyon/comments/1i5m2qx/",
        ),
        ("https://telegram.me/lyoninfo_direct/2841", "https://t.me/lyoninfo_direct/2841"),
        (
            "https://www.threads.net/@claire.vasseur/post/DFaC8kLtZ2m",
            "https://www.threads.com/@claire.vasseur/post/DFaC8kLtZ2m",
        ),
        ("http://instagr.am/p/DFbA1cQsT9u/", "https://www.instagram.com/p/DFbA1cQsT9u/"),
        (
            "https://youtu.be/Qm4rT7xYp2A?t=5",
            "https://www.youtube.com/watch?v=Qm4rT7xYp2A&t=5&feature=youtu.be",
        ),
        (
            "https://m.tiktok.com/v/7463821654780728967.html",
            "https://www.tiktok.com/@chef.amandine/video/7463821654780728967",
        ),
        (FIXTURE_URLS["facebook_share_link"], FIXTURE_URLS["facebook_live"]),
        (
            "https://truthsocial.com/users/JeanValmont/statuses/113906339020800321",
            "https://truthsocial.com/@JeanValmont/posts/113906339020800321",
        ),
    ],
)
def test_old_and_short_forms_redirect_to_the_post(web: FakeWeb, url: str, location: str) -> None:
    reply = fetch(web, url)
    assert reply.status in (301, 302)
    assert reply.headers["Location"] == location


def test_reddit_json_escapes_unless_raw_json(web: FakeWeb) -> None:
    base = f"https://www.reddit.com/comments/{reddit.LIVE.post_id}/.json"
    post = fetch(web, base).json()[0]["data"]["children"][0]["data"]
    assert post["selftext"] == reddit.LIVE.text  # nothing to escape in it
    assert post["selftext_html"].startswith("&lt;!-- SC_OFF --&gt;")
    raw = fetch(web, base + "?raw_json=1").json()[0]["data"]["children"][0]["data"]
    assert raw["selftext_html"].startswith("<!-- SC_OFF -->")
    assert raw["permalink"] == "/r/lyon/comments/1i5m2qx/le_tram_t10_arrive_enfin_a_gerland/"


def test_reddit_json_focuses_a_comment_with_its_context(web: FakeWeb) -> None:
    url = (
        f"https://www.reddit.com/comments/{reddit.LIVE.post_id}/.json"
        f"?comment={reddit.REPLY.post_id}&context=1&raw_json=1"
    )
    comments = fetch(web, url).json()[1]["data"]["children"]
    assert [c["data"]["id"] for c in comments] == [reddit.REPLY.post_id]
    assert comments[0]["data"]["parent_id"] == f"t3_{reddit.LIVE.post_id}"


@pytest.mark.parametrize(
    ("url", "status", "reason"),
    [
        (f"https://www.reddit.com/comments/{reddit.DELETED.post_id}/.json", 200, None),
        (f"https://www.reddit.com/comments/{reddit.PRIVATE.post_id}/.json", 403, "private"),
        ("https://www.reddit.com/comments/zzzzzzz/.json", 404, None),
    ],
)
def test_reddit_json_answers_for_posts_it_will_not_show(
    web: FakeWeb, url: str, status: int, reason: str | None
) -> None:
    reply = fetch(web, url)
    assert reply.status == status
    body = reply.json()
    if status == 200:
        assert body[0]["data"]["children"][0]["data"]["removed_by_category"] == "deleted"
    else:
        assert body.get("reason") == reason


def test_telegram_embed_is_the_widget_or_says_why_not(web: FakeWeb) -> None:
    live = fetch(web, f"https://t.me/{telegram.CHANNEL}/{telegram.LIVE.post_id}?embed=1").text
    assert f'data-post="{telegram.CHANNEL}/{telegram.LIVE.post_id}"' in live
    assert "tgme_widget_message_text js-message_text" in live
    gone = fetch(web, f"https://t.me/{telegram.CHANNEL}/{telegram.DELETED.post_id}?embed=1")
    assert gone.status == 200 and "Post not found" in gone.text
    walled = fetch(web, f"https://t.me/coulisses_prive/{telegram.IN_APP_ONLY.post_id}?embed=1")
    assert "Please open Telegram to view this post" in walled.text


def test_youtube_page_links_its_oembed_and_the_oembed_answers(web: FakeWeb) -> None:
    page = fetch(web, FIXTURE_URLS["youtube_live"]).text
    assert 'type="application/json+oembed"' in page
    assert '"publishDate": "2025-01-24T08:00:00-08:00"' in page
    target = quote(FIXTURE_URLS["youtube_live"], safe="")
    oembed = fetch(web, f"https://www.youtube.com/oembed?format=json&url={target}").json()
    assert oembed["author_url"] == "https://www.youtube.com/@metropoletv"
    assert oembed["title"] == youtube.LIVE.title
    removed = quote(FIXTURE_URLS["youtube_removed"], safe="")
    assert fetch(web, f"https://www.youtube.com/oembed?url={removed}").status == 404


def test_tiktok_page_data_and_oembed(web: FakeWeb) -> None:
    page = fetch(web, FIXTURE_URLS["tiktok_live"]).text
    blob = page.split('id="__UNIVERSAL_DATA_FOR_REHYDRATION__" type="application/json">')[1]
    data = json.loads(blob.split("</script>")[0])
    item = data["__DEFAULT_SCOPE__"]["webapp.video-detail"]["itemInfo"]["itemStruct"]
    assert int(item["createTime"]) == int(item["id"]) >> 32
    target = quote(FIXTURE_URLS["tiktok_live"], safe="")
    oembed = fetch(web, f"https://www.tiktok.com/oembed?url={target}").json()
    assert (oembed["author_unique_id"], oembed["embed_product_id"]) == (
        tiktok.LIVE.handle,
        tiktok.LIVE.post_id,
    )


def test_facebook_page_data_names_the_story(web: FakeWeb) -> None:
    page = fetch(web, FIXTURE_URLS["facebook_live"]).text
    assert f'"post_id": "{facebook.LIVE.post_id}"' in page
    assert 'data-ad-preview="message"' in page
    assert "Log in or sign up for Facebook" in page  # the logged-out banner, on every page


def test_truth_social_api_is_mastodon_shaped(web: FakeWeb) -> None:
    api = "https://truthsocial.com/api/v1/statuses/"
    status = fetch(web, api + truthsocial.REPLY.post_id).json()
    assert status["in_reply_to_id"] == truthsocial.LIVE.post_id
    assert status["mentions"][0]["id"] == status["in_reply_to_account_id"]
    assert fetch(web, api + truthsocial.DELETED.post_id).status == 404
    assert fetch(web, api + truthsocial.SIGNED_IN_ONLY.post_id).status == 401
    context = fetch(web, api + truthsocial.REPLY.post_id + "/context").json()
    assert [s["id"] for s in context["ancestors"]] == [truthsocial.LIVE.post_id]


def test_platform_media_are_served_from_their_cdn_hosts(web: FakeWeb) -> None:
    for url in (
        "https://i.redd.it/media/fixture-reddit-passerelle.png",
        "https://cdn4.telesco.pe/media/fixture-telegram-chantier.png",
        "https://i.ytimg.com/vi/Qm4rT7xYp2A/hqdefault.png",
        "https://media.licdn.com/dms/image/v2/fixture-linkedin-promo.png",
    ):
        reply = fetch(web, url)
        assert (reply.status, reply.headers["Content-Type"]) == (200, "image/png"), url
