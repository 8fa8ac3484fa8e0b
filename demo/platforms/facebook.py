"""Fake Facebook, as a logged-out reader sees it: a post's page (``/USER/posts/ID``,
``/permalink.php?story_fbid=ID&id=OWNER``), a comment's link (``?comment_id=``), ``/share/p/CODE/``
links that redirect to the post, and the login page.

The page is server-rendered in Facebook's style: generated class names, ``role="article"`` blocks,
``data-ad-rendering-role`` / ``data-ad-preview`` markers on the author and the message, and the
page's data as ``script[data-sjs]`` JSON holding ``Story`` (``post_id``, ``creation_time``) and
``Comment`` (``legacy_fbid``, ``created_time``) objects. Logged-out pages carry a "Log in or sign
up" banner. A missing post is "This content isn't available right now" (the same words Facebook uses
for a post its owner hid from the public); a post that needs a login redirects to ``/login/``.
"""

from __future__ import annotations

import hashlib
import json
from datetime import UTC
from html import escape
from typing import Any
from urllib.parse import quote

from demo.messages import Request, Response, html, redirect
from demo.sites import Content, Platform, Post, PostState, Route, asset, post_url, route

FACEBOOK_HOSTS = (
    "www.facebook.com",
    "facebook.com",
    "m.facebook.com",
    "web.facebook.com",
    "scontent-cdg4-1.xx.fbcdn.net",
)
HOME = "www.facebook.com"
CDN = "https://scontent-cdg4-1.xx.fbcdn.net"


def share_code(post: Post) -> str:
    """The ``/share/p/CODE/`` code of a post (made up, stable)."""
    return hashlib.sha256(post.post_id.encode()).hexdigest()[:16]


def _aria_time(post: Post) -> str:
    moment = post.posted_at.astimezone(UTC)
    return f"{moment:%A}, {moment:%B} {moment.day}, {moment.year} at {moment:%H:%M}"


class FacebookSite:
    hosts = FACEBOOK_HOSTS

    def __init__(self, content: Content) -> None:
        self.content = content

    def routes(self) -> tuple[Route, ...]:
        return (
            route(r"/(?P<user>[\w.]+)/posts/(?P<id>[\w]+)/?", self.post_page),
            route(r"/(?:permalink|story)\.php", self.post_page),
            route(r"/share/p/(?P<code>\w+)/?", self.share),
            route(r"/login(?:/|\.php)?", self.login),
        )

    def _moved(self, request: Request) -> Response | None:
        if request.host.endswith("fbcdn.net"):
            return html("<h1>Not Found</h1>", 404)
        if request.host != HOME:
            query = f"?{request.raw_query}" if request.raw_query else ""
            return redirect(f"https://{HOME}{request.path}{query}", 301)
        return None

    def share(self, request: Request) -> Response:
        if moved := self._moved(request):
            return moved
        posts = list(self.content.posts.values())
        found = next(
            (
                p
                for p in posts
                if p.platform is Platform.FACEBOOK and share_code(p) == request.params["code"]
            ),
            None,
        )
        if found is None:
            return html(_page("Facebook", _UNAVAILABLE))
        return redirect(post_url(found))

    def post_page(self, request: Request) -> Response:
        if moved := self._moved(request):
            return moved
        story_id = request.params.get("id") or request.query.get("story_fbid", "")
        post = self.content.post(story_id, Platform.FACEBOOK)
        user = request.params.get("user")
        if post is not None and (post.is_comment or (user and user != post.handle)):
            post = None
        if post is None or post.state.gone or post.state is PostState.SUSPENDED:
            return html(_page("Facebook", _UNAVAILABLE))
        if post.state is PostState.LOGIN_WALL or post.age_restricted:
            back = quote(f"https://{HOME}{request.path}", safe="")
            return redirect(f"https://{HOME}/login/?next={back}")
        comment_id = request.query.get("comment_id")
        highlighted = self.content.post(comment_id, Platform.FACEBOOK) if comment_id else None
        if highlighted is not None and highlighted.thread_id != post.post_id:
            highlighted = None
        return html(self._post_html(post, highlighted))

    def _comments(self, post: Post) -> list[Post]:
        posts = list(self.content.posts.values())
        found = [
            p
            for p in posts
            if p.platform is Platform.FACEBOOK and p.is_comment and p.thread_id == post.post_id
        ]
        return sorted(found, key=lambda p: p.posted_at)

    def _post_html(self, post: Post, highlighted: Post | None) -> str:
        url = post_url(post)
        comments = [c for c in self._comments(post) if c.live]
        if highlighted is not None:
            comments = [highlighted] + [c for c in comments if c is not highlighted]
        head = (
            f'<meta property="og:title" content="{escape(post.author)}">'
            f'<meta property="og:description" content="{escape(post.text)}">'
            + "".join(f'<meta property="og:image" content="{CDN}{m.path}">' for m in post.media)
            + f'<meta property="og:url" content="{url}">'
            '<meta property="og:type" content="article">'
            f'<link rel="canonical" href="{url}">'
            f'<script type="application/json" data-content-len="0" data-sjs>'
            f"{_sjs(post, comments)}</script>"
        )
        photos = "".join(
            f'<a class="x1i10hfl" href="/photo/?fbid={post.post_id}{i}" role="link">'
            f'<img class="x1ey2m1c xds687c x5yr21d" src="{CDN}{m.path}" alt="{escape(m.alt)}">'
            "</a>"
            for i, m in enumerate(post.media)
        )
        story = (
            '<div class="x1yztbdb x1n2onr6 xh8yej3 x1ja2u2z" role="article" aria-posinset="1">'
            '<div data-ad-rendering-role="profile_name"><h2 class="x1heor9g"><span><strong>'
            f'<a href="https://{HOME}/{post.handle}" role="link"><span>{escape(post.author)}'
            "</span></a></strong></span></h2></div>"
            f'<span class="x4k7w5x"><a aria-label="{_aria_time(post)}" href="{url}" role="link">'
            f"<span>{post.posted_at:%B %d}</span></a></span>"
            '<div data-ad-rendering-role="story_message" data-ad-preview="message"'
            f' data-ad-comet-preview="message"><div dir="auto">{_lines(post.text)}</div></div>'
            f'<div class="x10l6tqk">{photos}</div>'
            f'<div class="x1n2onr6"><span>{post.likes} reactions</span>'
            f" · <span>{len(comments)} comments</span></div>"
            f'<div class="x1jx94hy">{"".join(self._comment(c, post) for c in comments)}</div>'
            "</div>"
        )
        return _page(f"{escape(post.author)} - {escape(post.text[:50])} | Facebook", story, head)

    def _comment(self, comment: Post, post: Post) -> str:
        link = f"{post_url(post)}?comment_id={comment.post_id}"
        return (
            f'<div role="article" aria-label="Comment by {escape(comment.author)}"'
            ' class="x1n2onr6 x1iorvi4"><div class="xv55zj0"><span class="x3nfvp2">'
            f'<a href="https://{HOME}/{comment.handle}" role="link"><span'
            f' class="x193iq5w">{escape(comment.author)}</span></a></span>'
            f'<div class="xdj266r" dir="auto">{_lines(comment.text)}</div></div>'
            f'<ul class="x1n0m28w"><li><a href="{escape(link)}" role="link">'
            f"{comment.posted_at:%B %d}</a></li><li>Like</li><li>Reply</li></ul></div>"
        )

    def login(self, request: Request) -> Response:
        body = (
            '<div class="login"><h2>Log into Facebook</h2><p>You must log in to continue.</p>'
            '<form id="login_form"><input name="email" autocomplete="username"'
            ' placeholder="Email or phone number"><input type="password" name="pass"'
            ' placeholder="Password"><button type="button">Log in</button></form></div>'
        )
        return html(_page("Log into Facebook", body, banner=False))


def _lines(text: str) -> str:
    return "<br>".join(escape(line) for line in text.split("\n"))


def _sjs(post: Post, comments: list[Post]) -> str:
    actor = {"__typename": "Page", "name": post.author, "url": f"https://{HOME}/{post.handle}"}
    story: dict[str, Any] = {
        "__typename": "Story",
        "post_id": post.post_id,
        "creation_time": int(post.posted_at.timestamp()),
        "message": {"text": post.text},
        "actors": [actor],
        "attachments": [{"media": {"photo_image": {"uri": f"{CDN}{m.path}"}}} for m in post.media],
        "comments": [
            {
                "__typename": "Comment",
                "legacy_fbid": c.post_id,
                "created_time": int(c.posted_at.timestamp()),
                "body": {"text": c.text},
                "author": {"name": c.author, "url": f"https://{HOME}/{c.handle}"},
            }
            for c in comments
        ],
    }
    blob = {"require": [["ScheduledServerJS", "handle", None, [{"__bbox": {"result": story}}]]]}
    return json.dumps(blob, ensure_ascii=False).replace("</", "<\\/")


_UNAVAILABLE = (
    '<div class="unavailable"><h2>This content isn\'t available right now</h2>'
    "<p>When this happens, it's usually because the owner only shared it with a small group of"
    " people, changed who can see it or it's been deleted.</p>"
    '<a href="/">Go to News Feed</a></div>'
)
_BANNER = (
    '<div class="login-banner" role="dialog"><p>Log in or sign up for Facebook to connect with'
    ' friends, family and people you know.</p><a href="/login/">Log in</a></div>'
)


def _page(title: str, body: str, head: str = "", *, banner: bool = True) -> str:
    return (
        '<!DOCTYPE html><html lang="en" id="facebook"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{title}</title>{head}<style>{asset('facebook.css')}</style></head>"
        '<body><div class="x-top-bar">facebook</div>'
        f'<div role="main" class="x9f619">{body}</div>{_BANNER if banner else ""}</body></html>'
    )
