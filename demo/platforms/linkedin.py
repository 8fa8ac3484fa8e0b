"""Fake LinkedIn: the public ("guest") page of a post, under both of its URLs
(``/posts/VANITY_words-activity-ID-xxxx/`` and ``/feed/update/urn:li:activity:ID/``), a comment's
link (``?commentUrn=``), and the "authwall" that stands in for posts not shown to guests.

Like the real guest page, it is server-rendered: an ``article`` with ``data-activity-urn``, the
author link tracked as ``public_post_feed-actor-name``, the text in
``attributed-text-segment-list__content``, images from media.licdn.com, comments as
``section.comment[data-id="urn:li:comment:(activity:ID,CID)"]``, a ``SocialMediaPosting`` JSON-LD
block and only a relative time ("2d") in the markup. A missing post is a 404 "Page not found".
"""

from __future__ import annotations

import json
from html import escape
from urllib.parse import quote

from demo.messages import Request, Response, html, redirect
from demo.sites import (
    Content,
    Platform,
    Post,
    PostState,
    Route,
    asset,
    iso_z,
    linkedin_slug,
    route,
)

LINKEDIN_HOSTS = ("www.linkedin.com", "linkedin.com", "fr.linkedin.com", "media.licdn.com")
HOME = "www.linkedin.com"
CDN = "https://media.licdn.com"


def feed_url(post: Post) -> str:
    return f"https://{HOME}/feed/update/urn:li:activity:{post.post_id}/"


class LinkedInSite:
    hosts = LINKEDIN_HOSTS

    def __init__(self, content: Content) -> None:
        self.content = content

    def routes(self) -> tuple[Route, ...]:
        return (
            route(r"/posts/[\w%.-]+-activity-(?P<id>\d+)-[\w-]+/?", self.post_page),
            route(r"/feed/update/urn:li:activity:(?P<id>\d+)/?", self.post_page),
            route(r"/authwall/?", self.authwall),
        )

    def _moved(self, request: Request) -> Response | None:
        if request.host == "media.licdn.com":
            return html("<h1>Not Found</h1>", 404)
        if request.host == "linkedin.com":
            query = f"?{request.raw_query}" if request.raw_query else ""
            return redirect(f"https://{HOME}{request.path}{query}", 301)
        return None

    def post_page(self, request: Request) -> Response:
        if moved := self._moved(request):
            return moved
        post = self.content.post(request.params["id"], Platform.LINKEDIN)
        if post is None or post.is_comment or post.state.gone or post.state is PostState.SUSPENDED:
            return html(_page("Page not found | LinkedIn", _NOT_FOUND), 404)
        if post.state is PostState.LOGIN_WALL or post.age_restricted:
            back = quote(f"https://{request.host}{request.path}", safe="")
            return redirect(f"https://{HOME}/authwall?trk=public_post&sessionRedirect={back}")
        urn = request.query.get("commentUrn", "")
        highlighted = next(
            (c for c in self._comments(post) if urn.endswith(f",{c.post_id})")), None
        )
        return html(self._post_html(post, highlighted))

    def _comments(self, post: Post) -> list[Post]:
        posts = list(self.content.posts.values())
        found = [
            p
            for p in posts
            if p.platform is Platform.LINKEDIN and p.is_comment and p.thread_id == post.post_id
        ]
        return sorted(found, key=lambda p: p.posted_at)

    def _post_html(self, post: Post, highlighted: Post | None) -> str:
        url = f"https://{HOME}/posts/{linkedin_slug(post)}/"
        profile = f"https://fr.linkedin.com/in/{post.handle}"
        ld = {
            "@context": "http://schema.org",
            "@type": "SocialMediaPosting",
            "@id": url,
            "url": url,
            "datePublished": iso_z(post.posted_at),
            "author": {"@type": "Person", "name": post.author, "url": profile},
            "text": post.text,
            "commentCount": post.replies,
            "image": [{"@type": "ImageObject", "url": f"{CDN}{m.path}"} for m in post.media],
        }
        head = (
            f'<meta property="og:title" content="{escape(post.author)} on LinkedIn">'
            f'<meta property="og:description" content="{escape(post.text[:200])}">'
            f'<meta property="og:url" content="{url}"><meta property="og:type" content="article">'
            + "".join(f'<meta property="og:image" content="{CDN}{m.path}">' for m in post.media)
            + f'<link rel="canonical" href="{url}">'
            '<script type="application/ld+json">'
            f"{json.dumps(ld, ensure_ascii=False).replace('</', '<' + chr(92) + '/')}</script>"
        )
        images = "".join(
            f'<li><img class="h-full w-full" data-delayed-url="{CDN}{m.path}" src="{CDN}{m.path}"'
            f' alt="{escape(m.alt)}"></li>'
            for m in post.media
        )
        comments = [c for c in self._comments(post) if c.live]
        if highlighted is not None:
            comments = [highlighted] + [c for c in comments if c is not highlighted]
        article = (
            '<article class="relative pt-1.5 px-2 pb-0 bg-color-background-container'
            ' container-lined main-feed-activity-card main-feed-activity-card-with-comments"'
            f' data-activity-urn="urn:li:activity:{post.post_id}"'
            f' data-featured-activity-urn="urn:li:activity:{post.post_id}">'
            '<div class="base-main-feed-card__entity-lockup flex items-center">'
            f'<a class="text-sm link-styled no-underline"'
            f' href="{profile}?trk=public_post_feed-actor-name"'
            ' data-tracking-control-name="public_post_feed-actor-name">'
            f"{escape(post.author)}</a>"
            '<p class="!text-xs text-color-text-low-emphasis">Directrice de la communication</p>'
            '<span class="text-xs"><time class="flex-none">2d</time></span></div>'
            '<p class="attributed-text-segment-list__content text-color-text !text-sm'
            ' whitespace-pre-wrap break-words" dir="ltr"'
            f' data-test-id="main-feed-activity-card__commentary">{escape(post.text)}</p>'
            f'<ul data-test-id="feed-images-content" class="feed-images-content">{images}</ul>'
            f'<div class="social-counts">{post.likes} reactions · {len(comments)} comments</div>'
            "</article>"
        )
        section = "".join(self._comment(c, post, c is highlighted) for c in comments)
        body = f'<section class="core-rail">{article}<section class="comments">{section}</section>'
        return _page(f"{escape(post.text[:60])} | {escape(post.author)} | LinkedIn", body, head)

    def _comment(self, comment: Post, post: Post, highlighted: bool) -> str:
        urn = f"urn:li:comment:(activity:{post.post_id},{comment.post_id})"
        marker = " comment--highlighted" if highlighted else ""
        return (
            f'<section class="comment flex grow-1 items-stretch{marker}" data-id="{urn}">'
            f'<a class="comment__author" href="https://fr.linkedin.com/in/{comment.handle}'
            '?trk=public_post_comment_actor-name"'
            ' data-tracking-control-name="public_post_comment_actor-name">'
            f"{escape(comment.author)}</a>"
            '<span class="comment__duration-since">1d</span>'
            f'<p class="attributed-text-segment-list__content comment__text" dir="ltr">'
            f"{escape(comment.text)}</p></section>"
        )

    def authwall(self, request: Request) -> Response:
        body = (
            '<div class="authwall"><h1>Join LinkedIn</h1>'
            "<p>Sign in to view more content. Create your free account or sign in to continue"
            " your search.</p>"
            '<a class="btn-primary" href="/login">Sign in</a>'
            ' <a class="btn-secondary" href="/signup">Join now</a></div>'
        )
        return html(_page("Sign Up | LinkedIn", body))


_NOT_FOUND = (
    '<div class="not-found"><h1>Page not found</h1><p>Uh oh, we can’t seem to find the page'
    " you’re looking for. Try going back to the previous page or see below for more options."
    "</p></div>"
)


def _page(title: str, body: str, head: str = "") -> str:
    return (
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{title}</title>{head}<style>{asset('linkedin.css')}</style></head>"
        '<body><header class="nav"><span class="nav__logo">Linked<b>in</b></span></header>'
        f'<main class="main" id="main-content" role="main">{body}</main></body></html>'
    )
