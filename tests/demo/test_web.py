"""The fake web, tested over real sockets with the standard library only (no browser), plus one
browser test that the client-rendered pages really render."""

from __future__ import annotations

import http.client
import json
import re
import socket
import ssl
import threading
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, replace
from email.message import Message
from email.utils import parsedate_to_datetime
from html.parser import HTMLParser
from typing import Any
from urllib.parse import urlsplit

import pytest

import demo
from demo import FakeWeb, PostState, Request, Response, build_demo_web, demo_story, html
from demo.platforms.news import plain_text
from demo.story import KEY_SENTENCE, MISQUOTE, ROYER_ANSWER
from tests.fixtureweb import (
    B_LIVE,
    EXPECTED,
    FIXTURE_URLS,
    HUGE_BYTES,
    M_LIVE,
    M_REPLY,
    X_LIVE,
    X_REPLY,
    build_fixture_web,
    own_browser,
)

AP_ACCEPT = "application/activity+json"


@dataclass(frozen=True)
class Reply:
    status: int
    headers: Message
    body: bytes
    tls_version: str | None

    @property
    def text(self) -> str:
        return self.body.decode("utf-8")

    def json(self) -> Any:
        return json.loads(self.body)


def fetch(
    web: FakeWeb,
    url: str,
    headers: Mapping[str, str] | None = None,
    method: str = "GET",
    sni: str | None = None,
) -> Reply:
    """Request ``url`` the way a browser mapped by --host-resolver-rules would: connect to the
    fake web's port, send the URL's host as ``Host`` and, for https, as SNI (verified)."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    raw = socket.create_connection(("127.0.0.1", web.port), timeout=5)
    tls_version = None
    sock: socket.socket = raw
    if parts.scheme == "https":
        tls = web.client_ssl_context().wrap_socket(raw, server_hostname=sni or host)
        tls_version, sock = tls.version(), tls
    conn = http.client.HTTPConnection(host, web.port, timeout=5)
    conn.sock = sock
    try:
        path = parts.path + (f"?{parts.query}" if parts.query else "")
        conn.request(method, path or "/", headers={"Host": host, **(headers or {})})
        with conn.getresponse() as response:
            return Reply(response.status, response.headers, response.read(), tls_version)
    finally:
        conn.close()


@pytest.fixture(scope="module")
def web() -> Iterator[FakeWeb]:
    with build_fixture_web() as running:
        yield running
    assert not running.errors, running.errors


class _Meta(HTMLParser):
    """Collects <meta property|name> contents, <link rel=alternate> and JSON-LD blocks."""

    def __init__(self) -> None:
        super().__init__()
        self.meta: dict[str, str] = {}
        self.alternates: dict[str, str] = {}
        self.ld: list[object] = []
        self._in_ld = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "meta" and (key := a.get("property") or a.get("name")):
            self.meta.setdefault(key, a.get("content", ""))
        elif tag == "link" and a.get("rel") == "alternate":
            self.alternates[a.get("type", "")] = a.get("href", "")
        self._in_ld = tag == "script" and a.get("type") == "application/ld+json"

    def handle_data(self, data: str) -> None:
        if self._in_ld:
            self.ld.append(json.loads(data))
            self._in_ld = False


def parse_meta(page: str) -> _Meta:
    parser = _Meta()
    parser.feed(page)
    parser.close()
    return parser


# -- the server ---------------------------------------------------------------------------------


def test_http_and_tls_on_the_same_port(web: FakeWeb) -> None:
    plain = fetch(web, FIXTURE_URLS["x_live_mobile_http"])
    secure = fetch(web, FIXTURE_URLS["x_live"])
    assert plain.status == secure.status == 200
    assert plain.tls_version is None
    assert secure.tls_version in ("TLSv1.2", "TLSv1.3")
    assert plain.body == secure.body
    for reply in (plain, secure):
        assert reply.headers["Content-Type"] == "text/html; charset=utf-8"
        assert parsedate_to_datetime(reply.headers["Date"]).tzinfo is not None


def test_certificate_names_every_host_and_wrong_names_fail(web: FakeWeb) -> None:
    for host in ("x.com", "bsky.app", "piaille.fr", "odd.example", "sho.rt", "publish.twitter.com"):
        assert fetch(web, f"https://{host}/", sni=host).tls_version
    with pytest.raises(ssl.SSLCertVerificationError):
        fetch(web, "https://x.com/", sni="not-served.example")


def test_hosts_added_after_start_get_a_certificate_from_the_same_ca() -> None:
    web = FakeWeb()
    with web:
        spki = web.spki_sha256
        web.add_route("late.example", "/", lambda request: html("<p>late</p>"))
        assert fetch(web, "https://late.example/").text == "<p>late</p>"
        assert fetch(web, "https://x.com/nobody/status/1").status == 200
        assert web.spki_sha256 == spki
        assert "late.example=127.0.0.1:" + str(web.port) in web.host_map()


def test_public_names_are_pinned() -> None:
    assert sorted(demo.__all__) == [
        "Article",
        "FakeWeb",
        "Handler",
        "LoggedRequest",
        "MediaItem",
        "Platform",
        "Post",
        "PostState",
        "Request",
        "Response",
        "Story",
        "bluesky_did",
        "build_demo_web",
        "demo_story",
        "html",
        "json_response",
        "post_url",
        "redirect",
        "text",
    ]


def test_host_map_and_resolver_rules_cover_every_host(web: FakeWeb) -> None:
    mapped = dict(entry.split("=") for entry in web.host_map())
    assert set(mapped) == set(web.hosts)
    assert set(mapped.values()) == {f"127.0.0.1:{web.port}"}
    assert {"x.com", "twitter.com", "bsky.app", "mastodon.social", "odd.example"} <= set(mapped)
    assert f"MAP bsky.app 127.0.0.1:{web.port}" in web.host_resolver_rules()
    assert re.fullmatch(r"[A-Za-z0-9+/]{43}=", web.spki_sha256)


def test_unknown_host_is_a_502_and_unknown_path_a_404(web: FakeWeb) -> None:
    unknown = fetch(web, "http://nowhere.example/")
    assert unknown.status == 502
    assert "no such fake host" in unknown.text
    assert fetch(web, "https://odd.example/missing").status == 404


def test_host_header_port_is_ignored(web: FakeWeb) -> None:
    reply = fetch(web, "http://x.com/", headers={"Host": f"X.com:{web.port}"})
    assert reply.status == 404  # routed to X (a known host), not the 502 of unknown hosts


def test_images_are_png_on_every_host(web: FakeWeb) -> None:
    path = X_LIVE.media[0].path
    for host in ("x.com", "mastodon.example", "bsky.app"):
        reply = fetch(web, f"https://{host}{path}")
        assert reply.status == 200
        assert reply.headers["Content-Type"] == "image/png"
        assert reply.body.startswith(b"\x89PNG\r\n\x1a\n")


def test_large_bodies_are_streamed_chunked(web: FakeWeb) -> None:
    reply = fetch(web, FIXTURE_URLS["odd_huge"])
    assert reply.status == 200
    assert reply.headers["Transfer-Encoding"] == "chunked"
    assert len(reply.body) >= HUGE_BYTES
    assert reply.body.endswith(b"</body></html>")


def test_head_requests_get_headers_only(web: FakeWeb) -> None:
    reply = fetch(web, FIXTURE_URLS["news_article"], method="HEAD")
    assert reply.status == 200
    assert reply.body == b""
    assert int(reply.headers["Content-Length"]) > 1000


def test_handler_crash_is_a_500_and_recorded() -> None:
    def broken(request: Request) -> Response:
        raise RuntimeError("fixture bug")

    web = FakeWeb()
    web.add_route("odd.example", "/broken", broken)
    with web:
        reply = fetch(web, "https://odd.example/broken")
    assert reply.status == 500
    assert [str(e) for e in web.errors] == ["fixture bug"]


def test_slow_and_hanging_handlers_do_not_block_stop() -> None:
    def slow(request: Request) -> Response:
        request.sleep(0.3)
        return html("<p>late</p>")

    entered = threading.Event()

    def hang(request: Request) -> Response:
        entered.set()
        request.wait_for_stop()
        return html("never sent")

    web = FakeWeb()
    web.add_route("odd.example", "/slow", slow)
    web.add_route("odd.example", "/hang", hang)
    web.start()
    port = web.port
    started = time.monotonic()
    assert fetch(web, "http://odd.example/slow").text == "<p>late</p>"
    assert 0.3 <= time.monotonic() - started < 3

    # A hanging request on TLS and an idle kept-alive connection that never sends anything.
    hanging = socket.create_connection(("127.0.0.1", web.port))
    idle = socket.create_connection(("127.0.0.1", web.port))
    tls = web.client_ssl_context().wrap_socket(hanging, server_hostname="odd.example")
    try:
        tls.sendall(b"GET /hang HTTP/1.1\r\nHost: odd.example\r\n\r\n")
        assert entered.wait(5)
        started = time.monotonic()
        web.stop()
        assert time.monotonic() - started < 1.5
        tls.settimeout(2)
        assert tls.recv(100) == b""  # closed without an answer
    finally:
        tls.close()
        idle.close()
    with pytest.raises(OSError):
        socket.create_connection(("127.0.0.1", port), timeout=1).close()


def test_edits_are_visible_on_the_next_request(web: FakeWeb) -> None:
    url = f"https://x.com/i/api/fixture/TweetDetail/{X_LIVE.post_id}"
    original = web.posts[X_LIVE.post_id]
    try:
        web.posts[X_LIVE.post_id] = replace(original, text="Texte modifié")
        assert fetch(web, url).json()["data"]["tweet"]["legacy"]["full_text"] == "Texte modifié"
        web.posts[X_LIVE.post_id] = replace(original, state=PostState.DELETED)
        assert fetch(web, url).status == 404
    finally:
        web.posts[X_LIVE.post_id] = original
    assert fetch(web, url).status == 200


def test_requests_are_logged(web: FakeWeb) -> None:
    fetch(web, "http://odd.example/missing?x=1")
    assert web.requests[-1].host == "odd.example"
    assert web.requests[-1].path == "/missing"
    assert web.requests[-1].status == 404


# -- X ------------------------------------------------------------------------------------------


def test_x_status_page_is_an_empty_client_rendered_shell(web: FakeWeb) -> None:
    page = fetch(web, FIXTURE_URLS["x_live"]).text
    assert "<title>X</title>" in page
    assert '<div role="progressbar"' in page
    assert "/i/api/fixture/TweetDetail/" in page
    assert "conseil municipal" not in page  # the post only arrives through the JSON fetch


def test_x_json_endpoint(web: FakeWeb) -> None:
    live = fetch(web, f"https://twitter.com/i/api/fixture/TweetDetail/{X_LIVE.post_id}")
    assert live.headers["Content-Type"].startswith("application/json")
    tweet = live.json()["data"]["tweet"]
    assert tweet["legacy"]["full_text"] == X_LIVE.text
    assert tweet["legacy"]["created_at"] == "Wed Jan 15 09:30:00 +0000 2025"
    media = tweet["legacy"]["extended_entities"]["media"]
    assert media[0]["media_url_https"] == f"https://twitter.com{X_LIVE.media[0].path}"

    reply = fetch(web, f"https://x.com/i/api/fixture/TweetDetail/{X_REPLY.post_id}").json()
    assert reply["data"]["parent"]["rest_id"] == X_LIVE.post_id
    assert reply["data"]["tweet"]["legacy"]["in_reply_to_screen_name"] == "alicedupont"

    deleted = fetch(web, "https://x.com/i/api/fixture/TweetDetail/1880000000000000004")
    assert (deleted.status, deleted.json()["errors"][0]["code"]) == (404, 144)
    suspended = fetch(web, "https://x.com/i/api/fixture/TweetDetail/1880000000000000006")
    assert (suspended.status, suspended.json()["errors"][0]["code"]) == (403, 63)
    unknown = fetch(web, "https://x.com/i/api/fixture/TweetDetail/42")
    assert unknown.status == 404


def test_x_deleted_pages_are_200_and_login_wall_redirects(web: FakeWeb) -> None:
    assert fetch(web, FIXTURE_URLS["x_deleted"]).status == 200
    assert fetch(web, FIXTURE_URLS["x_deleted_200"]).status == 200
    wall = fetch(web, FIXTURE_URLS["x_login_wall"])
    assert wall.status == 302
    assert wall.headers["Location"] == EXPECTED["x_login_wall"].final_url
    login = fetch(web, wall.headers["Location"])
    assert "<title>Log in to X / X</title>" in login.text
    assert "<h1>Sign in to X</h1>" in login.text
    assert 'autocomplete="username"' in login.text


def test_x_oembed(web: FakeWeb) -> None:
    url = f"https://publish.twitter.com/oembed?url=https%3A%2F%2Ftwitter.com%2Falicedupont%2Fstatus%2F{X_LIVE.post_id}"
    data = fetch(web, url).json()
    assert data["author_name"] == "Alice Dupont"
    assert '<blockquote class="twitter-tweet">' in data["html"]
    assert "Le conseil municipal" in data["html"]
    gone = "https://publish.twitter.com/oembed?url=https://x.com/a/status/1880000000000000004"
    assert fetch(web, gone).status == 404


# -- Mastodon -----------------------------------------------------------------------------------


def test_mastodon_status_page(web: FakeWeb) -> None:
    page = fetch(web, FIXTURE_URLS["mastodon_live"]).text
    meta = parse_meta(page)
    assert meta.meta["og:title"] == "Émile Garnier (@emile@mastodon.example)"
    assert meta.meta["og:description"] == M_LIVE.text
    assert meta.meta["og:published_time"] == "2025-01-16T08:00:00.000Z"
    assert meta.meta["profile:username"] == "emile@mastodon.example"
    assert meta.alternates["application/activity+json"] == FIXTURE_URLS["mastodon_ap_uri"]
    assert "/api/oembed?url=" in meta.alternates["application/json+oembed"]
    assert f'<div class="detailed-status" data-status-id="{M_LIVE.post_id}">' in page
    assert '<strong class="display-name__html">Émile Garnier</strong>' in page
    assert '<time class="formatted" datetime="2025-01-16T08:00:00.000Z"' in page
    assert 'class="mention hashtag" rel="tag">#<span>archives</span></a>' in page


def test_mastodon_reply_shows_its_parent_first(web: FakeWeb) -> None:
    page = fetch(web, FIXTURE_URLS["mastodon_reply"]).text
    parent = page.index(f'<div class="status" data-status-id="{M_LIVE.post_id}">')
    focal = page.index(f'<div class="detailed-status" data-status-id="{M_REPLY.post_id}"')
    assert parent < focal
    assert f'data-in-reply-to="{EXPECTED["mastodon_reply"].reply_to}"' in page


def test_mastodon_content_negotiation(web: FakeWeb) -> None:
    uri = FIXTURE_URLS["mastodon_ap_uri"]
    note = fetch(web, uri, {"Accept": AP_ACCEPT})
    assert note.headers["Content-Type"].startswith("application/activity+json")
    data = note.json()
    assert isinstance(data, dict)
    assert data["type"] == "Note"
    assert data["id"] == uri
    assert data["url"] == FIXTURE_URLS["mastodon_live"]
    assert data["attributedTo"] == "https://mastodon.example/users/emile"
    assert data["published"] == "2025-01-16T08:00:00Z"
    assert data["contentMap"] == {"fr": data["content"]}
    assert data["attachment"][0]["mediaType"] == "image/png"
    ld = 'application/ld+json; profile="https://www.w3.org/ns/activitystreams"'
    assert fetch(web, uri, {"Accept": ld}).json() == data

    browser = fetch(web, uri, {"Accept": "text/html"})
    assert browser.status == 302
    assert browser.headers["Location"] == FIXTURE_URLS["mastodon_live"]

    person = fetch(web, "https://mastodon.example/users/emile", {"Accept": AP_ACCEPT}).json()
    assert person == {**person, "type": "Person", "preferredUsername": "emile"}
    reply_note = FIXTURE_URLS["mastodon_reply"].replace("/@lea/", "/users/lea/statuses/")
    assert fetch(web, reply_note, {"Accept": AP_ACCEPT}).json()["inReplyTo"] == uri


def test_mastodon_unavailable_posts(web: FakeWeb) -> None:
    deleted = fetch(web, FIXTURE_URLS["mastodon_deleted"])
    assert deleted.status == 404
    assert (
        "<title>The page you are looking for isn't here. - mastodon.example</title>" in deleted.text
    )
    soft = fetch(web, FIXTURE_URLS["mastodon_deleted_200"])
    assert soft.status == 200
    assert "The page you are looking for isn't here." in soft.text
    suspended = fetch(web, FIXTURE_URLS["mastodon_suspended"])
    assert suspended.status == 410
    assert "This account has been suspended." in suspended.text
    wall = fetch(web, FIXTURE_URLS["mastodon_login_wall"])
    assert (wall.status, wall.headers["Location"]) == (302, "https://mastodon.example/auth/sign_in")
    assert "<h1>Log in</h1>" in fetch(web, wall.headers["Location"]).text
    # The post lives on mastodon.example, not on the other instances.
    assert fetch(web, FIXTURE_URLS["mastodon_live"].replace(".example", ".social")).status == 404


# -- Bluesky ------------------------------------------------------------------------------------


def test_bluesky_page_has_opengraph_and_renders_client_side(web: FakeWeb) -> None:
    page = fetch(web, FIXTURE_URLS["bsky_live"]).text
    meta = parse_meta(page)
    assert "<title>Bluesky</title>" in page
    assert meta.meta["og:title"] == "Marc Lefèvre (@marc.bsky.social)"
    assert meta.meta["og:description"] == B_LIVE.text
    assert meta.meta["article:published_time"] == "2025-01-17T14:20:00.000Z"
    assert meta.alternates[""].startswith("at://did:plc:")
    assert '<div id="root"></div>' in page
    gone = parse_meta(fetch(web, FIXTURE_URLS["bsky_deleted"]).text)
    assert "og:title" not in gone.meta


def test_bluesky_xrpc(web: FakeWeb) -> None:
    def thread(handle: str, rkey: str) -> Reply:
        uri = f"at%3A%2F%2F{handle}%2Fapp.bsky.feed.post%2F{rkey}"
        return fetch(web, f"https://bsky.app/xrpc/app.bsky.feed.getPostThread?uri={uri}")

    live = thread("marc.bsky.social", B_LIVE.post_id).json()["thread"]
    assert live["post"]["record"]["text"] == B_LIVE.text
    assert live["post"]["record"]["createdAt"] == "2025-01-17T14:20:00.000Z"
    assert live["post"]["author"]["displayName"] == "Marc Lefèvre"
    assert live["post"]["embed"]["images"][0]["alt"] == B_LIVE.media[0].alt
    reply = thread("nina.bsky.social", "3lf2abcdxyz3m").json()["thread"]
    assert reply["parent"]["post"]["author"]["handle"] == "marc.bsky.social"
    deleted = thread("ghost.bsky.social", "3lf2abcdxyz4a")
    assert (deleted.status, deleted.json()["error"]) == (400, "NotFound")
    suspended = thread("ghost.bsky.social", "3lf2abcdxyz6c")
    assert suspended.json()["error"] == "AccountTakedown"
    walled = thread("ghost.bsky.social", "3lf2abcdxyz7d").json()["thread"]
    assert walled["post"]["author"]["labels"] == [{"val": "!no-unauthenticated"}]


# -- news, shortener, fixtures, demo ------------------------------------------------------------


def test_news_article_metadata(web: FakeWeb) -> None:
    page = fetch(web, FIXTURE_URLS["news_article"]).text
    meta = parse_meta(page)
    assert meta.meta["og:type"] == "article"
    assert meta.meta["twitter:card"] == "summary_large_image"
    assert meta.meta["article:published_time"] == "2025-01-18T07:00:00.000Z"
    (ld,) = meta.ld
    assert isinstance(ld, dict)
    assert ld["@type"] == "NewsArticle"
    assert ld["author"] == [{"@type": "Person", "name": "Paul Girard"}]
    assert "vote précipité" in ld["articleBody"]
    oembed = fetch(web, meta.alternates["application/json+oembed"]).json()
    assert oembed["title"] == ld["headline"]
    assert '<blockquote class="twitter-tweet"><p lang="fr" dir="ltr">' in page


def test_shortener_redirect_chain(web: FakeWeb) -> None:
    first = fetch(web, FIXTURE_URLS["odd_redirect"])
    assert (first.status, first.headers["Location"]) == (301, "https://lnk.example/r/fx1")
    second = fetch(web, first.headers["Location"])
    assert (second.status, second.headers["Location"]) == (302, EXPECTED["odd_redirect"].final_url)
    assert fetch(web, "https://sho.rt/nope").status == 404


def test_every_fixture_url_has_expectations_and_answers_as_expected(web: FakeWeb) -> None:
    assert FIXTURE_URLS.keys() == EXPECTED.keys()
    skip = {"odd_hang", "odd_slow", "odd_huge"}  # tested on their own, or too slow for here
    for name, url in FIXTURE_URLS.items():
        assert urlsplit(url).hostname in web.hosts, name
        expected = EXPECTED[name]
        if name in skip:
            continue
        reply = fetch(web, url)
        while reply.status in (301, 302):
            reply = fetch(web, reply.headers["Location"])
        assert reply.status == expected.http_status, name


def test_demo_story_is_served() -> None:
    story = demo_story()
    article_text = plain_text(story.article.body_html)
    # The article misquotes the engineer's answer, and only that.
    assert f"« {MISQUOTE} »" in article_text
    assert "je ne pense pas regretter d'avoir envoyé cet e-mail" in ROYER_ANSWER.text
    assert not any(MISQUOTE.lower() in post.text.lower() for post in story.posts)
    assert f"« {KEY_SENTENCE} »" in article_text
    for verb in ("a déclaré", "a affirmé", "a souligné", "a écrit", "Selon", "Points clés :"):
        assert verb in article_text
    with build_demo_web() as web:
        article = fetch(web, story.article_url).text
        for url in story.post_urls:
            assert url in article or "bsky.app" in url
            assert fetch(web, url).status == 200
        for path in story.images:
            assert fetch(web, f"https://x.com{path}").body.startswith(b"\x89PNG")
        hop = fetch(web, "https://sho.rt/nebula")
        assert hop.status == 301
    assert not web.errors


# -- one browser test -----------------------------------------------------------------------------


@pytest.mark.browser
def test_client_rendered_pages_render_in_chromium(web: FakeWeb) -> None:
    """In the browser postproof itself would choose (Playwright's, else the system's)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = own_browser(pw, web)
        try:
            page = browser.new_page(locale="en-US", timezone_id="UTC")
            page.goto(FIXTURE_URLS["x_reply"])
            main = page.locator('article[data-testid="tweet"]').nth(1)
            main.locator("time").wait_for()
            assert main.locator('[data-testid="tweetText"]').inner_text() == X_REPLY.text
            assert main.locator("time").get_attribute("datetime") == "2025-01-15T10:02:00.000Z"
            assert "Replying to @alicedupont" in main.inner_text()
            assert page.locator('article[data-testid="tweet"]').count() == 2

            page.goto(FIXTURE_URLS["x_escaping"])
            text = page.locator('[data-testid="tweetText"]')
            text.wait_for()
            assert text.inner_text() == EXPECTED["x_escaping"].text

            # bsky.app is HSTS-preloaded: the http:// URL must come back over TLS.
            page.goto(FIXTURE_URLS["bsky_live"].replace("https://", "http://"))
            assert page.url.startswith("https://bsky.app/")
            post_text = page.locator('[data-testid="postText"]')
            post_text.wait_for()
            assert post_text.inner_text() == B_LIVE.text

            page.goto(FIXTURE_URLS["bsky_login_wall"])
            page.get_by_text("Sign-in required").wait_for()
        finally:
            browser.close()
