"""Fake Mastodon instances: server-rendered status pages and ActivityPub by content negotiation.

One :class:`MastodonSite` serves every configured instance host; a post is only found on the
instance its account lives on (``Post.instance``), as on the real fediverse.
"""

from __future__ import annotations

import re
from datetime import UTC
from html import escape
from typing import Any
from urllib.parse import quote, urlsplit

from demo.messages import Request, Response, html, json_response, redirect
from demo.sites import Content, Platform, Post, PostState, Route, asset, iso_z, linkify, route

ACTIVITY_JSON = "application/activity+json; charset=utf-8"
_CONTEXT = ["https://www.w3.org/ns/activitystreams", {"sensitive": "as:sensitive"}]
_PUBLIC = "https://www.w3.org/ns/activitystreams#Public"


def wants_activitypub(request: Request) -> bool:
    accept = request.header("accept")
    return "application/activity+json" in accept or (
        "application/ld+json" in accept and "activitystreams" in accept
    )


def status_uri(post: Post) -> str:
    return f"https://{post.instance}/users/{post.handle}/statuses/{post.post_id}"


def content_html(post: Post) -> str:
    """The status body as Mastodon stores it: ``<p>`` per paragraph, ``<br>`` per line break,
    links and hashtags as anchors (their visible text unchanged)."""

    def tag_href(name: str) -> str:
        return f"https://{post.instance}/tags/{name.lower()}"

    paragraphs = [p for p in post.text.split("\n\n") if p.strip()]
    rendered = [linkify(p, tag_href).replace("\n", "<br>") for p in paragraphs]
    return "".join(f"<p>{p}</p>" for p in rendered)


def human_time(post: Post) -> str:
    moment = post.posted_at.astimezone(UTC)
    return f"{moment:%b} {moment.day}, {moment.year}, {moment:%H:%M}"


class MastodonSite:
    def __init__(self, content: Content, hosts: tuple[str, ...]) -> None:
        self.content = content
        self.hosts = hosts

    def routes(self) -> tuple[Route, ...]:
        return (
            route(r"/@(?P<user>\w+)/(?P<id>\d+)/?", self.status_page),
            route(r"/@(?P<user>\w+)/?", self.profile_page),
            route(r"/users/(?P<user>\w+)/statuses/(?P<id>\d+)", self.status_object),
            route(r"/users/(?P<user>\w+)", self.actor),
            route(r"/api/oembed", self.oembed),
            route(r"/auth/sign_in", self.sign_in),
        )

    def _find(self, request: Request) -> Post | None:
        post = self.content.post(request.params["id"], Platform.MASTODON)
        if post is None or post.instance != request.host or post.handle != request.params["user"]:
            return None
        return post

    def _any_post_of(self, host: str, user: str) -> Post | None:
        """Accounts exist only through their posts in this fake."""
        posts = list(self.content.posts.values())  # a copy: tests may add posts meanwhile
        return next(
            (
                p
                for p in posts
                if p.platform is Platform.MASTODON and p.instance == host and p.handle == user
            ),
            None,
        )

    # -- HTML ----------------------------------------------------------------------------------

    def status_page(self, request: Request) -> Response:
        post = self._find(request)
        host = request.host
        if post is None or post.state is PostState.DELETED:
            return html(_page(host, _NOT_FOUND_TITLE, _not_found_body()), 404)
        if post.state is PostState.DELETED_200:
            # Some instances behind caches answer a removed status with 200 and the error text.
            return html(_page(host, _NOT_FOUND_TITLE, _not_found_body()))
        if post.state is PostState.SUSPENDED:
            body = '<div class="error"><h1>This account has been suspended.</h1></div>'
            return html(_page(host, "This account has been suspended.", body), 410)
        if post.state is PostState.LOGIN_WALL:
            return redirect(request.absolute("/auth/sign_in"))
        return html(self._status_html(post))

    def _status_html(self, post: Post) -> str:
        host = post.instance or ""
        url = f"https://{host}/@{post.handle}/{post.post_id}"
        snippet = post.text if len(post.text) <= 50 else post.text[:50] + "…"
        oembed = f"https://{host}/api/oembed?url={quote(url, safe='')}"
        head = (
            f'<meta name="generator" content="Mastodon">'
            f'<meta name="description" content="{escape(post.text)}">'
            f'<meta property="og:site_name" content="{host}">'
            f'<meta property="og:type" content="article">'
            f'<meta property="og:title" content="{escape(post.author)} (@{post.handle}@{host})">'
            f'<meta property="og:description" content="{escape(post.text)}">'
            f'<meta property="og:url" content="{url}">'
            f'<meta property="og:published_time" content="{iso_z(post.posted_at)}">'
            f'<meta property="profile:username" content="{post.handle}@{host}">'
            + "".join(
                f'<meta property="og:image" content="https://{host}{m.path}">' for m in post.media
            )
            + f'<link rel="alternate" type="application/activity+json" href="{status_uri(post)}">'
            f'<link rel="alternate" type="application/json+oembed" href="{oembed}">'
            f'<link rel="canonical" href="{url}">'
        )
        parent = self.content.post(post.reply_to, Platform.MASTODON)
        thread = ""
        reply_attr = ""
        if parent is not None:
            reply_attr = f' data-in-reply-to="{status_uri(parent)}"'
            if parent.live:
                thread = _status_block(parent, "status")
        detailed = _status_block(post, "detailed-status", reply_attr)
        title = f'{escape(post.author)}: "{escape(snippet)}"'
        return _page(host, title, thread + detailed, head)

    def profile_page(self, request: Request) -> Response:
        user = request.params["user"]
        post = self._any_post_of(request.host, user)
        if post is None:
            return html(_page(request.host, _NOT_FOUND_TITLE, _not_found_body()), 404)
        author = escape(post.author)
        body = f'<div class="account"><h1>{author}</h1><p>@{user}@{request.host}</p></div>'
        return html(_page(request.host, f"{author} (@{user}@{request.host})", body))

    def sign_in(self, request: Request) -> Response:
        body = (
            '<div class="auth"><h1>Log in</h1>'
            f"<p>Login to {request.host}</p>"
            '<form method="post" action="/auth/sign_in">'
            '<label>E-mail address <input type="email" name="user[email]" autocomplete="username">'
            "</label>"
            '<label>Password <input type="password" name="user[password]"'
            ' autocomplete="current-password"></label>'
            '<button type="submit">Log in</button></form></div>'
        )
        return html(_page(request.host, "Log in", body))

    # -- JSON ----------------------------------------------------------------------------------

    def status_object(self, request: Request) -> Response:
        post = self._find(request)
        if not wants_activitypub(request):
            return redirect(request.absolute(f"/@{request.params['user']}/{request.params['id']}"))
        if post is None or post.state is PostState.DELETED:
            return json_response({"error": "Record not found"}, 404, ACTIVITY_JSON)
        if post.state in (PostState.DELETED_200, PostState.SUSPENDED):
            return json_response({"error": "Gone"}, 410, ACTIVITY_JSON)
        if post.state is PostState.LOGIN_WALL:
            # "Authorized fetch": the instance wants signed requests.
            return json_response({"error": "Request not signed"}, 401, ACTIVITY_JSON)
        return json_response(self.note(post), content_type=ACTIVITY_JSON)

    def note(self, post: Post) -> dict[str, Any]:
        host = post.instance
        actor = f"https://{host}/users/{post.handle}"
        parent = self.content.post(post.reply_to, Platform.MASTODON)
        body = content_html(post)
        return {
            "@context": _CONTEXT,
            "id": status_uri(post),
            "type": "Note",
            "summary": None,
            "inReplyTo": status_uri(parent) if parent else None,
            "published": post.posted_at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "url": f"https://{host}/@{post.handle}/{post.post_id}",
            "attributedTo": actor,
            "to": [_PUBLIC],
            "cc": [f"{actor}/followers"],
            "sensitive": False,
            "content": body,
            "contentMap": {post.lang: body},
            "attachment": [
                {
                    "type": "Document",
                    "mediaType": "image/png",
                    "url": f"https://{host}{m.path}",
                    "name": m.alt,
                }
                for m in post.media
            ],
            "tag": [],
        }

    def actor(self, request: Request) -> Response:
        user = request.params["user"]
        if not wants_activitypub(request):
            return redirect(request.absolute(f"/@{user}"))
        post = self._any_post_of(request.host, user)
        if post is None:
            return json_response({"error": "Record not found"}, 404, ACTIVITY_JSON)
        actor = f"https://{request.host}/users/{user}"
        person = {
            "@context": _CONTEXT,
            "id": actor,
            "type": "Person",
            "preferredUsername": user,
            "name": post.author,
            "url": f"https://{request.host}/@{user}",
            "inbox": f"{actor}/inbox",
            "outbox": f"{actor}/outbox",
            "followers": f"{actor}/followers",
        }
        return json_response(person, content_type=ACTIVITY_JSON)

    def oembed(self, request: Request) -> Response:
        path = urlsplit(request.query.get("url", "")).path
        found = re.fullmatch(r"/@(\w+)/(\d+)/?", path)
        post = self.content.post(found.group(2), Platform.MASTODON) if found else None
        if post is None or not post.live or post.instance != request.host:
            return json_response({"error": "Record not found"}, 404)
        url = f"https://{request.host}/@{post.handle}/{post.post_id}"
        embed = (
            f'<blockquote class="mastodon-embed" data-embed-url="{url}/embed">'
            f"{content_html(post)}&mdash; {escape(post.author)} (@{post.handle}@{request.host})"
            f' <a href="{url}">{human_time(post)}</a></blockquote>'
        )
        return json_response(
            {
                "type": "rich",
                "version": "1.0",
                "title": f"New status by {post.handle}",
                "author_name": post.author,
                "author_url": f"https://{request.host}/@{post.handle}",
                "provider_name": request.host,
                "provider_url": f"https://{request.host}/",
                "cache_age": 86400,
                "html": embed,
                "width": 400,
                "height": None,
            }
        )


_NOT_FOUND_TITLE = "The page you are looking for isn't here."


def _not_found_body() -> str:
    return f'<div class="error"><h1>{_NOT_FOUND_TITLE}</h1></div>'


def _status_block(post: Post, cls: str, extra_attrs: str = "") -> str:
    """One status in Mastodon's markup; ``cls`` is ``detailed-status`` for the focal post and
    ``status`` for the context above it (the BEM prefix of every inner class follows it)."""
    host = post.instance
    url = f"https://{host}/@{post.handle}/{post.post_id}"
    gallery = ""
    if post.media:
        items = "".join(
            f'<div class="media-gallery__item"><a class="media-gallery__item-thumbnail" '
            f'href="https://{host}{m.path}">'
            f'<img src="https://{host}{m.path}" alt="{escape(m.alt)}"></a></div>'
            for m in post.media
        )
        gallery = f'<div class="media-gallery">{items}</div>'
    when = human_time(post)
    return (
        f'<div class="{cls}" data-status-id="{post.post_id}"{extra_attrs}>'
        f'<a class="{cls}__display-name" href="https://{host}/@{post.handle}">'
        f'<span class="display-name"><bdi><strong class="display-name__html">'
        f"{escape(post.author)}</strong></bdi> "
        f'<span class="display-name__account">@{post.handle}@{host}</span></span></a>'
        f'<div class="status__content"><div class="status__content__text '
        f'status__content__text--visible translate" lang="{post.lang}">'
        f"{content_html(post)}</div></div>"
        f"{gallery}"
        f'<div class="{cls}__meta"><a class="{cls}__datetime" href="{url}">'
        f'<time class="formatted" datetime="{iso_z(post.posted_at)}" title="{when}">'
        f"{when}</time></a>"
        f' · <span class="{cls}__reblogs">{post.boosts}</span> boosts'
        f' · <span class="{cls}__favorites">{post.likes}</span> favourites</div>'
        "</div>"
    )


def _page(host: str, title: str, body: str, head: str = "") -> str:
    """A whole page; like Mastodon, every title ends with the instance name."""
    return (
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{title} - {host}</title>{head}<style>{asset('mastodon.css')}</style></head>"
        '<body class="app-body"><div class="columns-area">'
        f'<header class="instance-header">{host}</header>'
        f"{body}</div></body></html>"
    )
