"""Fake X / Twitter: a client-rendered shell, like the real site.

The status page is an empty React-like shell; after ``load`` and a short delay its script
(``demo/site/x.js``) fetches ``/i/api/fixture/TweetDetail/{id}`` and builds the ``article``
markup the real site uses (``data-testid="tweet"``, ``User-Name``, ``tweetText``, ``time``...).
An archiver that screenshots on ``load`` sees only a spinner, which is the point.
"""

from __future__ import annotations

from datetime import UTC
from html import escape
from typing import Any
from urllib.parse import quote, urlsplit

from demo.messages import Request, Response, html, json_response, redirect
from demo.sites import Content, Platform, Post, PostState, Route, asset, post_url, route

X_HOSTS = (
    "x.com",
    "www.x.com",
    "twitter.com",
    "www.twitter.com",
    "mobile.twitter.com",
    "mobile.x.com",
    "fxtwitter.com",
    "vxtwitter.com",
    "fixupx.com",
)
OEMBED_HOSTS = ("publish.twitter.com",)

_NOT_FOUND = {"errors": [{"code": 144, "message": "No status found with that ID."}]}
_SUSPENDED = {"errors": [{"code": 63, "message": "User has been suspended."}]}
_PROTECTED = {
    "errors": [{"code": 179, "message": "Sorry, you are not authorized to see this status."}]
}


def twitter_date(post: Post) -> str:
    """The legacy API's ``created_at``: ``Mon Feb 24 18:04:00 +0000 2025``."""
    return post.posted_at.astimezone(UTC).strftime("%a %b %d %H:%M:%S +0000 %Y")


def blockquote(post: Post) -> str:
    """The embed markup X's "Embed post" gives a news site (without the widgets script)."""
    text = escape(post.text).replace("\n", "<br>")
    day = post.posted_at.astimezone(UTC)
    date = f"{day:%B} {day.day}, {day.year}"
    href = f"https://twitter.com/{post.handle}/status/{post.post_id}?ref_src=twsrc%5Etfw"
    return (
        f'<blockquote class="twitter-tweet"><p lang="{post.lang}" dir="ltr">{text}</p>'
        f"&mdash; {escape(post.author)} (@{post.handle}) "
        f'<a href="{href}">{date}</a></blockquote>'
    )


class XSite:
    hosts = X_HOSTS

    def __init__(self, content: Content) -> None:
        self.content = content

    def routes(self) -> tuple[Route, ...]:
        status = r"(?:/photo/\d+|/video/\d+)?/?"
        return (
            route(r"/i/api/fixture/TweetDetail/(?P<id>\d+)", self.tweet_detail),
            route(r"/i/flow/login", self.login),
            route(r"/i/web/status/(?P<id>\d+)" + status, self.status_page),
            route(r"/(?P<handle>[A-Za-z0-9_]{1,15})/status/(?P<id>\d+)" + status, self.status_page),
        )

    def status_page(self, request: Request) -> Response:
        post = self.content.post(request.params["id"], Platform.X)
        if post is not None and post.state is PostState.LOGIN_WALL:
            back = quote(f"/{post.handle}/status/{post.post_id}", safe="")
            return redirect(request.absolute(f"/i/flow/login?redirect_after_login={back}"))
        # Every other answer is the same 200 shell: X tells deleted from live only client-side.
        return html(_SHELL, headers=(("Cache-Control", "no-cache, no-store, max-age=0"),))

    def tweet_detail(self, request: Request) -> Response:
        post = self.content.post(request.params["id"], Platform.X)
        if post is None or post.state.gone:
            return json_response(_NOT_FOUND, 404)
        if post.state is PostState.SUSPENDED:
            return json_response(_SUSPENDED, 403)
        if post.state is PostState.LOGIN_WALL:
            return json_response(_PROTECTED, 403)
        data: dict[str, Any] = {"tweet": self._tweet(request, post), "parent": None, "quoted": None}
        if post.reply_to:
            data["parent"] = self._tweet_or_tombstone(request, post.reply_to)
        if post.quote_of:
            data["quoted"] = self._tweet_or_tombstone(request, post.quote_of)
        return json_response({"data": data})

    def _tweet_or_tombstone(self, request: Request, post_id: str) -> dict[str, Any]:
        post = self.content.post(post_id, Platform.X)
        if post is None or not post.live:
            return {"rest_id": post_id, "tombstone": "This post is unavailable."}
        return self._tweet(request, post)

    def _tweet(self, request: Request, post: Post) -> dict[str, Any]:
        parent = self.content.post(post.reply_to, Platform.X)
        media = [
            {"type": "photo", "media_url_https": request.absolute(m.path), "ext_alt_text": m.alt}
            for m in post.media
        ]
        return {
            "rest_id": post.post_id,
            "core": {"user": {"screen_name": post.handle, "name": post.author}},
            "legacy": {
                "full_text": post.text,
                "lang": post.lang,
                "created_at": twitter_date(post),
                "favorite_count": post.likes,
                "reply_count": post.replies,
                "retweet_count": post.boosts,
                "in_reply_to_status_id_str": post.reply_to,
                "in_reply_to_screen_name": parent.handle if parent else None,
                "quoted_status_id_str": post.quote_of,
                "extended_entities": {"media": media},
            },
        }

    def login(self, request: Request) -> Response:
        return html(_LOGIN)


class XOEmbedSite:
    """``publish.twitter.com/oembed``: what news sites call to embed a post."""

    hosts = OEMBED_HOSTS

    def __init__(self, content: Content) -> None:
        self.content = content

    def routes(self) -> tuple[Route, ...]:
        return (route(r"/oembed", self.oembed),)

    def oembed(self, request: Request) -> Response:
        path = urlsplit(request.query.get("url", "")).path
        post_id = path.rstrip("/").rpartition("/status/")[2]
        post = self.content.post(post_id, Platform.X)
        if post is None or not post.live:
            return json_response({"errors": [{"message": "Sorry, that page does not exist"}]}, 404)
        return json_response(
            {
                "url": post_url(post).replace("https://x.com/", "https://twitter.com/"),
                "author_name": post.author,
                "author_url": f"https://twitter.com/{post.handle}",
                "html": blockquote(post),
                "width": 550,
                "height": None,
                "type": "rich",
                "cache_age": "3153600000",
                "provider_name": "Twitter",
                "provider_url": "https://twitter.com",
                "version": "1.0",
            }
        )


_SHELL = f"""<!DOCTYPE html>
<html dir="ltr" lang="en"><head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width,initial-scale=1">
<title>X</title>
<style>{asset("x.css")}</style>
</head><body>
<div id="react-root"><div role="progressbar" aria-label="Loading">Loading…</div></div>
<script>{asset("x.js")}</script>
</body></html>
"""

_LOGIN = f"""<!DOCTYPE html>
<html dir="ltr" lang="en"><head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width,initial-scale=1">
<title>Log in to X / X</title>
<style>{asset("x.css")}</style>
</head><body>
<div id="react-root"><main role="main"><div class="login" role="dialog" aria-modal="true">
<h1>Sign in to X</h1>
<form onsubmit="return false">
<label>Phone, email, or username
<input name="text" type="text" autocomplete="username" autocapitalize="sentences"></label>
<button type="button" role="button">Next</button>
<button type="button" role="button">Forgot password?</button>
</form>
<p>Don’t have an account? <a href="/i/flow/signup">Sign up</a></p>
</div></main></div>
</body></html>
"""
