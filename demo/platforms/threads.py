"""Fake Threads (www.threads.com; threads.net redirects there, as the real one now does).

The post page is server-rendered the way Meta's web apps are for logged-out readers: OpenGraph
tags describing the post, the thread as ``div[data-pressable-container]`` blocks with generated
class names, and the page's data as a ``script[data-sjs]`` JSON blob (the relay cache the app
hydrates from), whose post objects carry ``code``, ``taken_at``, ``caption.text``, ``user`` and
``text_post_app_info``. A missing post is Meta's "Sorry, this page isn't available" page; a post of
a private profile sends logged-out readers to ``/login``.
"""

from __future__ import annotations

import hashlib
import json
from datetime import UTC
from html import escape
from typing import Any
from urllib.parse import quote

from demo.messages import Request, Response, html, redirect, to_home_host
from demo.sites import Content, Platform, Post, PostState, Route, asset, iso_z, linkify, route

THREADS_HOSTS = (
    "www.threads.com",
    "threads.com",
    "www.threads.net",
    "threads.net",
    "scontent-cdg4-2.cdninstagram.com",
)
HOME = "www.threads.com"
CDN = "https://scontent-cdg4-2.cdninstagram.com"


def _when(post: Post) -> str:
    return post.posted_at.astimezone(UTC).strftime("%m/%d/%Y, %H:%M")


class ThreadsSite:
    hosts = THREADS_HOSTS

    def __init__(self, content: Content) -> None:
        self.content = content

    def routes(self) -> tuple[Route, ...]:
        return (
            route(r"/@(?P<user>[\w.]+)/post/(?P<code>[\w-]+)/?", self.post_page),
            route(r"/t/(?P<code>[\w-]+)/?", self.short_link),
            route(r"/login/?", self.login),
        )

    def _moved(self, request: Request) -> Response | None:
        return to_home_host(request, HOME)

    def short_link(self, request: Request) -> Response:
        if moved := self._moved(request):
            return moved
        post = self.content.post(request.params["code"], Platform.THREADS)
        if post is None:
            return html(_page("Threads", _UNAVAILABLE), 404)
        return redirect(f"https://{HOME}/@{post.handle}/post/{post.post_id}", 301)

    def post_page(self, request: Request) -> Response:
        if moved := self._moved(request):
            return moved
        post = self.content.post(request.params["code"], Platform.THREADS)
        if post is None or post.handle != request.params["user"] or post.state.gone:
            status = 200 if post is not None and post.state is PostState.DELETED_200 else 404
            return html(_page("Threads", _UNAVAILABLE), status)
        if post.state in (PostState.LOGIN_WALL, PostState.SUSPENDED):
            back = quote(request.path, safe="")
            return redirect(f"https://{HOME}/login?show_choice_screen=false&next={back}")
        thread = [*self._ancestors(post), post]
        url = f"https://{HOME}/@{post.handle}/post/{post.post_id}"
        title = f"{escape(post.author)} (@{post.handle}) on Threads"
        head = (
            f'<meta property="og:title" content="{title}">'
            f'<meta property="og:description" content="{escape(post.text)}">'
            + "".join(f'<meta property="og:image" content="{CDN}{m.path}">' for m in post.media)
            + f'<meta property="og:url" content="{url}">'
            '<meta property="og:site_name" content="Threads">'
            '<meta property="og:type" content="article">'
            f'<meta property="al:ios:url" content="barcelona://media?shortcode={post.post_id}">'
            f'<link rel="canonical" href="{url}">'
            f'<script type="application/json" data-content-len="0" data-sjs>{_sjs(thread)}</script>'
        )
        body = "".join(_item(p, focal=p is post) for p in thread)
        return html(_page(title, f'<div role="main" class="x78zum5 xdt5ytf">{body}</div>', head))

    def _ancestors(self, post: Post) -> list[Post]:
        found: list[Post] = []
        parent = self.content.post(post.reply_to, Platform.THREADS)
        while parent is not None and parent.live and len(found) < 5:
            found.insert(0, parent)
            parent = self.content.post(parent.reply_to, Platform.THREADS)
        return found

    def login(self, request: Request) -> Response:
        body = (
            '<div class="login-wall"><h1>Log in or sign up for Threads</h1>'
            "<p>See what people are talking about and join the conversation.</p>"
            '<form id="loginForm"><input name="username" autocomplete="username"'
            ' placeholder="Username, phone or email"><input type="password" name="password"'
            ' placeholder="Password"><button type="button">Log in</button></form>'
            '<a href="#">Continue with Instagram</a></div>'
        )
        return html(_page("Threads • Log in", body))


def _post_json(post: Post, parent: Post | None) -> dict[str, Any]:
    images = [
        {
            "image_versions2": {"candidates": [{"url": f"{CDN}{m.path}", "width": 1080}]},
            "accessibility_caption": m.alt,
        }
        for m in post.media
    ]
    data: dict[str, Any] = {
        "pk": str(int(hashlib.sha256(post.post_id.encode()).hexdigest()[:15], 16)),
        "code": post.post_id,
        "taken_at": int(post.posted_at.timestamp()),
        "caption": {"text": post.text},
        "user": {"username": post.handle, "is_verified": False},
        "like_count": post.likes,
        "text_post_app_info": {
            "reply_to_author": {"username": parent.handle} if parent else None,
            "direct_reply_count": post.replies,
        },
    }
    if len(images) == 1:
        data |= images[0]
    elif images:
        data["carousel_media"] = images
    return data


def _sjs(thread: list[Post]) -> str:
    items = [{"post": _post_json(p, thread[i - 1] if i else None)} for i, p in enumerate(thread)]
    result = {"data": {"data": {"edges": [{"node": {"thread_items": items}}]}}}
    blob = {
        "require": [
            [
                "ScheduledServerJS",
                "handle",
                None,
                [
                    {
                        "__bbox": {
                            "require": [
                                [
                                    "RelayPrefetchedStreamCache",
                                    "next",
                                    [],
                                    [
                                        "adp_BarcelonaPostPageDirectQueryRelayPreloader",
                                        {"__bbox": {"complete": True, "result": result}},
                                    ],
                                ]
                            ]
                        }
                    }
                ],
            ]
        ]
    }
    return json.dumps(blob, ensure_ascii=False).replace("</", "<\\/")


def _item(post: Post, *, focal: bool) -> str:
    images = "".join(
        f'<picture class="x87ps6o"><img alt="{escape(m.alt)}" class="xl1xv1r x14yjl9h"'
        f' src="{CDN}{m.path}" referrerpolicy="origin-when-cross-origin"></picture>'
        for m in post.media
    )
    text = linkify(post.text).replace("\n", "<br>")
    size = " x1gslohp" if focal else ""
    return (
        f'<div data-pressable-container="true" class="x1ypdohk x1n2onr6 xvuun6i{size}">'
        '<div class="x78zum5 x1q0g3np"><a class="x1i10hfl" href="/@'
        f'{post.handle}" role="link"><span class="x1lliihq x193iq5w">{post.handle}</span></a>'
        f'<a class="x1i10hfl x1lku1pv" href="/@{post.handle}/post/{post.post_id}" role="link">'
        f'<time class="x1rg5ohu xnei2rj x2b8uid xuxw1ft" datetime="{iso_z(post.posted_at)}"'
        f' title="{_when(post)}">{post.posted_at:%m/%d/%y}</time></a></div>'
        f'<div class="x1a6qonq x6ikm8r x10wlt62"><span class="x1lliihq x1plvlek xryxfnj"'
        f' dir="auto"><span>{text}</span></span></div>'
        f'<div class="x1xmf6yo">{images}</div>'
        f'<div class="x6s0dn4 x17zd0t2"><span>{post.likes} likes</span></div></div>'
    )


_UNAVAILABLE = (
    '<div class="error-page"><h1>Sorry, this page isn\'t available</h1>'
    "<p>The link you followed may be broken, or the page may have been removed.</p>"
    '<a href="/">Go back to Threads</a></div>'
)


def _page(title: str, body: str, head: str = "") -> str:
    return (
        '<!DOCTYPE html><html lang="en" class="_9dls"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{title}</title>{head}<style>{asset('threads.css')}</style></head>"
        '<body><div id="barcelona-page-layout"><header class="x-header">@</header>'
        f"{body}</div></body></html>"
    )
