"""Fake Instagram: the logged-out post page (``/p/CODE/``, ``/reel/CODE/``, ``/USER/p/CODE/``), a
comment's permalink (``/p/CODE/c/ID/``) and the post's embed page (``/p/CODE/embed/captioned/``).

The post page is server-rendered with Instagram's generated class names around a few stable
parts: the ``article``, its ``header`` (the author), the caption in an ``h1``, ``time[datetime]``
and the comments as ``ul > li``. A missing post is "Sorry, this page isn't available."; a private
account's post sends logged-out readers to ``/accounts/login/``; an age-restricted post shows
Instagram's age notice instead of the post.
"""

from __future__ import annotations

import json
from datetime import UTC
from html import escape
from urllib.parse import quote

from demo.messages import Request, Response, html, redirect, to_home_host
from demo.sites import Content, Platform, Post, PostState, Route, asset, iso_z, linkify, route

INSTAGRAM_HOSTS = ("www.instagram.com", "instagram.com", "instagr.am", "scontent.cdninstagram.com")
HOME = "www.instagram.com"
CDN = "https://scontent.cdninstagram.com"


def _day(post: Post) -> str:
    moment = post.posted_at.astimezone(UTC)
    return f"{moment:%B} {moment.day}, {moment.year}"


class InstagramSite:
    hosts = INSTAGRAM_HOSTS

    def __init__(self, content: Content) -> None:
        self.content = content

    def routes(self) -> tuple[Route, ...]:
        kind = r"(?:p|reel|reels|tv)"
        return (
            route(rf"/{kind}/(?P<code>[\w-]+)/embed(?:/captioned)?/?", self.embed),
            route(rf"/{kind}/(?P<code>[\w-]+)/c/(?P<comment>\d+)/?", self.post_page),
            route(rf"(?:/[\w.]+)?/{kind}/(?P<code>[\w-]+)/?", self.post_page),
            route(r"/accounts/login/?", self.login),
        )

    def _moved(self, request: Request) -> Response | None:
        return to_home_host(request, HOME)

    def post_page(self, request: Request) -> Response:
        if moved := self._moved(request):
            return moved
        post = self.content.post(request.params["code"], Platform.INSTAGRAM)
        comment_id = request.params.get("comment")
        comment = self.content.post(comment_id, Platform.INSTAGRAM) if comment_id else None
        if post is None or post.state.gone or post.is_comment:
            status = 200 if post is not None and post.state is PostState.DELETED_200 else 404
            return html(_page("Instagram", _UNAVAILABLE), status)
        if comment_id and (comment is None or comment.thread_id != post.post_id):
            return html(_page("Instagram", _UNAVAILABLE), 404)
        if post.state in (PostState.LOGIN_WALL, PostState.SUSPENDED):
            back = quote(request.path, safe="")
            return redirect(f"https://{HOME}/accounts/login/?next={back}")
        if post.age_restricted:
            return html(_page("Instagram", _AGE_NOTICE))
        return html(self._post_html(post, comment))

    def _post_html(self, post: Post, highlighted: Post | None) -> str:
        url = f"https://{HOME}/p/{post.post_id}/"
        caption = post.text if len(post.text) <= 60 else post.text[:60] + "…"
        title = f"{escape(post.author)} on Instagram: &quot;{escape(caption)}&quot;"
        head = (
            f'<meta property="og:title" content="{title}">'
            f'<meta property="og:description" content="{post.likes} likes, {post.replies} comments'
            f' - {post.handle} on {_day(post)}: &quot;{escape(post.text)}&quot;. ">'
            + "".join(f'<meta property="og:image" content="{CDN}{m.path}">' for m in post.media)
            + f'<meta property="og:url" content="{url}">'
            '<meta property="og:site_name" content="Instagram">'
            '<meta property="og:type" content="article">'
            f'<meta property="al:ios:url" content="instagram://media?id={post.post_id}">'
            f'<link rel="canonical" href="{url}">'
            f'<script type="application/ld+json">{_ld_json(post)}</script>'
        )
        comments = [c for c in self._comments(post) if c.live]
        if highlighted is not None:
            comments = [highlighted] + [c for c in comments if c is not highlighted]
        images = "".join(
            f'<div class="_aagu"><div class="_aagv"><img alt="{escape(m.alt)}"'
            f' class="x5yr21d xu96u03 x10l6tqk x13vifvy x87ps6o xh8yej3"'
            f' src="{CDN}{m.path}"></div></div>'
            for m in post.media
        )
        body = (
            '<article class="x1iyjqo2 _aatb _aate _aatg _aati" role="presentation">'
            f'<div class="_aatk _aatl">{images}</div>'
            '<div class="_ae2s _ae3v _ae3w"><header class="_aaqw"><div class="_aar0">'
            f'<span class="_aap6 _aap7"><img alt="{post.handle}\'s profile picture"'
            f' class="xpdipgo x972fbf" src="data:,"></span><a class="x1i10hfl _a6hd"'
            f' href="/{post.handle}/" role="link">{post.handle}</a></div></header>'
            f'<div class="_ae5q _ae5r"><ul class="_a9z6 _a9za">'
            f"{self._caption(post)}"
            + "".join(self._comment(c, post, c is highlighted) for c in comments)
            + '</ul></div><section class="_ae5m"><span class="x193iq5w">'
            f"{post.likes} likes</span></section>"
            f'<div class="_aacl"><a class="x1i10hfl" href="/p/{post.post_id}/">'
            f'<time class="x1p4m5qa" datetime="{iso_z(post.posted_at)}" title="{_day(post)}">'
            f"{_day(post)}</time></a></div></div></article>"
        )
        return _page(title, body, head)

    def _comments(self, post: Post) -> list[Post]:
        posts = list(self.content.posts.values())
        found = [
            p
            for p in posts
            if p.platform is Platform.INSTAGRAM and p.is_comment and p.thread_id == post.post_id
        ]
        return sorted(found, key=lambda p: p.posted_at)

    def _caption(self, post: Post) -> str:
        return (
            '<div class="_a9zr"><h2 class="_a9zc"><a href="/'
            f'{post.handle}/">{post.handle}</a></h2><h1 class="_ap3a _aaco _aacu _aacx _aad7'
            f' _aade" dir="auto">{linkify(post.text).replace(chr(10), "<br>")}</h1></div>'
        )

    def _comment(self, comment: Post, post: Post, highlighted: bool) -> str:
        marker = " _a9zh" if highlighted else ""
        return (
            f'<li class="_a9zj _a9zl{marker}"><div class="_a9zm"><div class="_a9zr">'
            f'<h3 class="_a9zc"><a href="/{comment.handle}/">{comment.handle}</a></h3>'
            '<div class="_a9zs"><span class="_ap3a _aaco _aacu _aacx _aad7 _aade" dir="auto">'
            f"{linkify(comment.text)}</span></div>"
            f'<div class="_a9zg"><a href="/p/{post.post_id}/c/{comment.post_id}/">'
            f'<time class="_a9ze _a9zf" datetime="{iso_z(comment.posted_at)}"'
            f' title="{_day(comment)}">{_day(comment)}</time></a>'
            f" <span>{comment.likes} likes</span></div></div></div></li>"
        )

    def embed(self, request: Request) -> Response:
        if moved := self._moved(request):
            return moved
        post = self.content.post(request.params["code"], Platform.INSTAGRAM)
        if post is None or not post.live or post.is_comment:
            return html(
                _embed_page('<div class="Embed EmbedIsBroken">This post is unavailable</div>')
            )
        images = "".join(
            f'<a class="EmbeddedMedia" href="https://{HOME}/p/{post.post_id}/">'
            f'<img class="EmbeddedMediaImage" alt="{escape(m.alt)}" src="{CDN}{m.path}"></a>'
            for m in post.media
        )
        data = {
            "shortcode_media": {
                "shortcode": post.post_id,
                "taken_at_timestamp": int(post.posted_at.timestamp()),
                "owner": {"username": post.handle, "full_name": post.author},
                "edge_media_to_caption": {"edges": [{"node": {"text": post.text}}]},
                "display_resources": [{"src": f"{CDN}{m.path}"} for m in post.media],
                "accessibility_caption": post.media[0].alt if post.media else None,
            }
        }
        payload = json.dumps(data, ensure_ascii=False).replace("</", "<\\/")
        body = (
            f'<div class="Embed Captioned" data-media-id="{post.post_id}">'
            '<div class="Header"><a class="Avatar" href="https://'
            f'{HOME}/{post.handle}/"></a><div class="HeaderText"><a class="UsernameText"'
            f' href="https://{HOME}/{post.handle}/">{post.handle}</a></div></div>'
            f"{images}"
            f'<div class="Caption"><a class="CaptionUsername" href="https://{HOME}/'
            f'{post.handle}/">{post.handle}</a> {linkify(post.text).replace(chr(10), "<br>")}'
            '<div class="CaptionComments"></div></div>'
            f'<div class="Footer"><a href="https://{HOME}/p/{post.post_id}/">View more on'
            " Instagram</a></div></div>"
            f"<script>window.__additionalDataLoaded('extra', {payload});</script>"
        )
        return html(_embed_page(body))

    def login(self, request: Request) -> Response:
        body = (
            '<div class="login"><h1 class="logo">Instagram</h1><form id="loginForm">'
            '<input name="username" autocomplete="username" aria-label="Phone number, username,'
            ' or email"><input type="password" name="password" aria-label="Password">'
            '<button type="submit">Log in</button></form>'
            "<p>Log in to see photos and videos from your friends.</p></div>"
        )
        return html(_page("Login • Instagram", body))


def _ld_json(post: Post) -> str:
    ld = {
        "@context": "https://schema.org",
        "@type": "SocialMediaPosting",
        "url": f"https://{HOME}/p/{post.post_id}/",
        "articleBody": post.text,
        "dateCreated": iso_z(post.posted_at),
        "author": {
            "@type": "Person",
            "alternateName": f"@{post.handle}",
            "name": post.author,
            "url": f"https://{HOME}/{post.handle}/",
        },
        "image": [{"@type": "ImageObject", "url": f"{CDN}{m.path}"} for m in post.media],
    }
    return json.dumps(ld, ensure_ascii=False).replace("</", "<\\/")


_UNAVAILABLE = (
    '<div class="error-page"><h2>Sorry, this page isn\'t available.</h2>'
    "<p>The link you followed may be broken, or the page may have been removed."
    ' <a href="/">Go back to Instagram.</a></p></div>'
)
_AGE_NOTICE = (
    '<div class="age-notice"><h2>Restricted post</h2>'
    "<p>You must be 18 years old or over to see this post. Log in to confirm your age.</p>"
    '<a href="/accounts/login/">Log in</a></div>'
)


def _page(title: str, body: str, head: str = "") -> str:
    return (
        '<!DOCTYPE html><html class="_9dls" lang="en" dir="ltr"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{title}</title>{head}<style>{asset('instagram.css')}</style></head>"
        '<body><div id="mount_0_0_ig"><nav class="x-nav">Instagram</nav>'
        f'<main role="main" class="xvbhtw8">{body}</main></div></body></html>'
    )


def _embed_page(body: str) -> str:
    return (
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>Instagram</title>'
        f"<style>{asset('instagram.css')}</style></head>"
        f'<body class="embed">{body}</body></html>'
    )
