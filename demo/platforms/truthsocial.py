"""Fake Truth Social: a client-rendered app (Truth Social runs a fork of the Soapbox front end on a
Mastodon server) over the Mastodon API.

The page for ``/@USER/posts/ID`` carries OpenGraph tags and an empty ``#soapbox`` root; its script
fetches ``/api/v1/statuses/ID`` and ``/api/v1/statuses/ID/context`` and renders the thread, the
post as a ``[data-testid="status"]`` block. The API answers like Mastodon's: a status with
``content`` (HTML), ``created_at``, ``account``, ``media_attachments``, ``in_reply_to_id`` and
``mentions``; 404 ``Record not found``; 401 when the status needs a signed-in reader. Older
Mastodon-style URLs (``/@USER/ID``, ``/users/USER/statuses/ID``) redirect to the app's form.
"""

from __future__ import annotations

from html import escape
from typing import Any

from demo.messages import Request, Response, html, json_response, redirect
from demo.sites import Content, Platform, Post, PostState, Route, asset, iso_z, paragraphs, route

TRUTH_HOSTS = ("truthsocial.com", "www.truthsocial.com", "static-assets-1.truthsocial.com")
HOME = "truthsocial.com"
CDN = "https://static-assets-1.truthsocial.com"


def status_url(post: Post) -> str:
    return f"https://{HOME}/@{post.handle}/posts/{post.post_id}"


def _account(post: Post) -> dict[str, Any]:
    return {
        "id": str(abs(int.from_bytes(post.handle.encode()[:7], "big"))),
        "username": post.handle,
        "acct": post.handle,
        "display_name": post.author,
        "url": f"https://{HOME}/@{post.handle}",
        "verified": False,
    }


class TruthSocialSite:
    hosts = TRUTH_HOSTS

    def __init__(self, content: Content) -> None:
        self.content = content

    def routes(self) -> tuple[Route, ...]:
        return (
            route(r"/api/v1/statuses/(?P<id>\d+)/context", self.context),
            route(r"/api/v1/statuses/(?P<id>\d+)", self.status),
            route(r"/@(?P<user>\w+)/posts/(?P<id>\d+)/?", self.app),
            route(r"/@(?P<user>\w+)/(?P<id>\d+)/?", self.old_form),
            route(r"/users/(?P<user>\w+)/statuses/(?P<id>\d+)/?", self.old_form),
        )

    def _moved(self, request: Request) -> Response | None:
        if request.host.startswith("static-assets"):
            return html("<h1>Not Found</h1>", 404)
        if request.host != HOME:
            query = f"?{request.raw_query}" if request.raw_query else ""
            return redirect(f"https://{HOME}{request.path}{query}", 301)
        return None

    def old_form(self, request: Request) -> Response:
        return redirect(f"https://{HOME}/@{request.params['user']}/posts/{request.params['id']}")

    def app(self, request: Request) -> Response:
        if moved := self._moved(request):
            return moved
        post = self.content.post(request.params["id"], Platform.TRUTH_SOCIAL)
        head = ""
        if post is not None and post.live and post.handle == request.params["user"]:
            head = (
                f'<meta property="og:title" content="{escape(post.author)} (@{post.handle})">'
                f'<meta property="og:description" content="{escape(post.text)}">'
                '<meta property="og:site_name" content="Truth Social">'
                f'<meta property="og:url" content="{status_url(post)}">'
                + "".join(f'<meta property="og:image" content="{CDN}{m.path}">' for m in post.media)
                + f'<link rel="canonical" href="{status_url(post)}">'
            )
        return html(
            '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
            '<meta name="viewport" content="width=device-width, initial-scale=1">'
            f"<title>Truth Social</title>{head}<style>{asset('truthsocial.css')}</style></head>"
            f'<body><div id="soapbox"></div><script>{asset("truthsocial.js")}</script>'
            "</body></html>"
        )

    # -- the Mastodon API ----------------------------------------------------------------------

    def _visible(self, post_id: str) -> Post | Response:
        post = self.content.post(post_id, Platform.TRUTH_SOCIAL)
        if post is None or post.state.gone:
            return json_response({"error": "Record not found"}, 404)
        if post.state is PostState.SUSPENDED:
            return json_response({"error": "Record not found"}, 410)
        if post.state is PostState.LOGIN_WALL:
            return json_response({"error": "This method requires an authenticated user"}, 401)
        return post

    def status(self, request: Request) -> Response:
        found = self._visible(request.params["id"])
        return found if isinstance(found, Response) else json_response(self._json(found))

    def context(self, request: Request) -> Response:
        found = self._visible(request.params["id"])
        if isinstance(found, Response):
            return found
        ancestors: list[dict[str, Any]] = []
        parent = self.content.post(found.reply_to, Platform.TRUTH_SOCIAL)
        while parent is not None and parent.live and len(ancestors) < 20:
            ancestors.insert(0, self._json(parent))
            parent = self.content.post(parent.reply_to, Platform.TRUTH_SOCIAL)
        return json_response({"ancestors": ancestors, "descendants": []})

    def _json(self, post: Post) -> dict[str, Any]:
        parent = self.content.post(post.reply_to, Platform.TRUTH_SOCIAL)
        quoted = self.content.post(post.quote_of, Platform.TRUTH_SOCIAL)
        return {
            "id": post.post_id,
            "created_at": iso_z(post.posted_at),
            "in_reply_to_id": parent.post_id if parent else None,
            "in_reply_to_account_id": _account(parent)["id"] if parent else None,
            "quote_id": quoted.post_id if quoted else None,
            "visibility": "public",
            "language": post.lang,
            "uri": f"https://{HOME}/users/{post.handle}/statuses/{post.post_id}",
            "url": status_url(post),
            "content": paragraphs(post.text),
            "account": _account(post),
            "media_attachments": [
                {
                    "id": f"{post.post_id}{i}",
                    "type": "image",
                    "url": f"{CDN}{m.path}",
                    "preview_url": f"{CDN}{m.path}",
                    "description": m.alt,
                }
                for i, m in enumerate(post.media)
            ],
            "mentions": [
                {
                    "id": _account(parent)["id"],
                    "username": parent.handle,
                    "acct": parent.handle,
                    "url": f"https://{HOME}/@{parent.handle}",
                }
            ]
            if parent
            else [],
            "replies_count": post.replies,
            "reblogs_count": post.boosts,
            "favourites_count": post.likes,
        }
