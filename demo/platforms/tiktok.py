"""Fake TikTok: video and photo pages (``/@USER/video/ID``, ``/@USER/photo/ID``), the mobile
``m.tiktok.com/v/ID.html`` form, ``vm.tiktok.com`` short links and ``/oembed``.

Like the real site, a page is server-rendered with ``data-e2e`` attributes on the parts that
matter and carries its data as the ``__UNIVERSAL_DATA_FOR_REHYDRATION__`` JSON, whose
``webapp.video-detail`` holds a ``statusCode`` and the ``itemStruct`` (``createTime``, ``desc``,
``author``, ``video.cover``, ``imagePost``). A video replying to a comment shows the comment as a
sticker linking to the video it was left on. Every page answers 200, errors included.
"""

from __future__ import annotations

import json
from datetime import UTC
from html import escape
from typing import Any
from urllib.parse import urlsplit

from demo.messages import Request, Response, html, json_response, redirect
from demo.sites import Content, Platform, Post, PostState, Route, asset, route

TIKTOK_HOSTS = (
    "www.tiktok.com",
    "tiktok.com",
    "m.tiktok.com",
    "vm.tiktok.com",
    "p16-sign-va.tiktokcdn.com",
)
HOME = "www.tiktok.com"
CDN = "https://p16-sign-va.tiktokcdn.com"
# The statusCode TikTok's page data gives for a post it will not show.
GONE, PRIVATE, AGE_RESTRICTED = 10204, 10222, 10216


def is_photo_post(post: Post) -> bool:
    return len(post.media) > 1


def post_path(post: Post) -> str:
    kind = "photo" if is_photo_post(post) else "video"
    return f"/@{post.handle}/{kind}/{post.post_id}"


class TikTokSite:
    hosts = TIKTOK_HOSTS

    def __init__(self, content: Content) -> None:
        self.content = content

    def routes(self) -> tuple[Route, ...]:
        return (
            route(r"/@(?P<user>[\w.-]*)/(?:video|photo)/(?P<id>\d+)/?", self.post_page),
            route(r"/v/(?P<id>\d+)(?:\.html)?/?", self.mobile),
            route(r"/oembed/?", self.oembed),
            route(r"/(?P<code>[A-Za-z0-9]{6,12})/?", self.short_link),
            route(r"/login/?", self.login),
        )

    def _moved(self, request: Request) -> Response | None:
        if request.host.endswith("tiktokcdn.com") or request.host == "vm.tiktok.com":
            return html("<h1>Not Found</h1>", 404)
        if request.host != HOME:
            query = f"?{request.raw_query}" if request.raw_query else ""
            return redirect(f"https://{HOME}{request.path}{query}", 301)
        return None

    def short_link(self, request: Request) -> Response:
        """``vm.tiktok.com/CODE``: the code is the post id's last digits in this fake."""
        if request.host != "vm.tiktok.com":
            return html(_page("TikTok", _UNAVAILABLE))
        posts = list(self.content.posts.values())
        code = request.params["code"]
        post = next(
            (p for p in posts if p.platform is Platform.TIKTOK and p.post_id.endswith(code)), None
        )
        if post is None:
            return redirect(f"https://{HOME}/")
        return redirect(f"https://{HOME}{post_path(post)}?_r=1&_t=ZN-8tFake", 301)

    def mobile(self, request: Request) -> Response:
        post = self.content.post(request.params["id"], Platform.TIKTOK)
        if post is None:
            return redirect(f"https://{HOME}/@/video/{request.params['id']}", 301)
        return redirect(f"https://{HOME}{post_path(post)}", 301)

    def post_page(self, request: Request) -> Response:
        if moved := self._moved(request):
            return moved
        post = self.content.post(request.params["id"], Platform.TIKTOK)
        if post is not None and request.params["user"] not in ("", post.handle):
            post = None
        if post is None or post.state.gone or post.state is PostState.SUSPENDED:
            return html(_page("TikTok - Make Your Day", _UNAVAILABLE, _data(GONE, None)))
        if post.state is PostState.LOGIN_WALL:
            return html(_page("TikTok - Make Your Day", _PRIVATE, _data(PRIVATE, None)))
        if post.age_restricted:
            return html(_page("TikTok - Make Your Day", _AGE_GATE, _data(AGE_RESTRICTED, None)))
        return html(self._post_html(post))

    def _post_html(self, post: Post) -> str:
        url = f"https://{HOME}{post_path(post)}"
        title = f"{escape(post.text[:60])} | TikTok"
        cover = f"{CDN}{post.media[0].path}" if post.media else ""
        head = (
            f'<meta property="og:title" content="{escape(post.author)} on TikTok">'
            f'<meta property="og:description" content="{escape(post.text)}">'
            f'<meta property="og:image" content="{cover}">'
            f'<meta property="og:url" content="{url}">'
            '<meta property="og:type" content="video.other">'
            '<meta property="og:site_name" content="TikTok">'
            f'<link rel="canonical" href="{url}">' + _data(0, self._item(post))
        )
        if is_photo_post(post):
            player = "".join(
                f'<div class="css-1qe8vyk-DivPhotoSlide"><img class="css-brxox6-ImgPhotoSlide"'
                f' src="{CDN}{m.path}" alt="{escape(m.alt)}"></div>'
                for m in post.media
            )
        else:
            player = (
                f'<img class="css-1lbp3za-ImgPoster" src="{cover}" alt="{escape(post.text[:80])}">'
                f'<video playsinline preload="none" poster="{cover}"></video>'
            )
        sticker = ""
        original = self.content.post(post.reply_to, Platform.TIKTOK)
        if original is not None:
            sticker = (
                '<div data-e2e="video-reply-sticker" class="css-8rk9rx-DivReplySticker">'
                f'<a href="{post_path(original)}">Reply to @{original.handle}\'s comment</a>'
                "</div>"
            )
        day = post.posted_at.astimezone(UTC)
        body = (
            '<div id="main-content-video_detail" class="css-1qjw4dg-DivMainContainer">'
            '<div class="css-12kupwv-DivVideoDetailContainer">'
            f'<div class="css-1t6wjp9-DivPlayerContainer">{sticker}{player}</div>'
            '<div class="css-1mnwhn0-DivInfoContainer">'
            f'<a data-e2e="browse-user-avatar" href="/@{post.handle}">'
            f'<span data-e2e="browse-username">{post.handle}</span>'
            f'<span data-e2e="browser-nickname"><span>{escape(post.author)}</span>'
            f"<span> · </span><span>{day.year}-{day.month}-{day.day}</span></span></a>"
            f'<div data-e2e="browse-video-desc" class="css-1wdx3tj-DivContainer">'
            f'<span data-e2e="new-desc-span">{escape(post.text)}</span></div>'
            f'<h4 data-e2e="browse-music"><a>original sound - {post.handle}</a></h4>'
            f'<strong data-e2e="like-count">{post.likes}</strong>'
            f' <strong data-e2e="comment-count">{post.replies}</strong></div></div></div>'
        )
        return _page(title, body, head)

    def _item(self, post: Post) -> dict[str, Any]:
        item: dict[str, Any] = {
            "id": post.post_id,
            "desc": post.text,
            "createTime": str(int(post.posted_at.timestamp())),
            "author": {"uniqueId": post.handle, "nickname": post.author},
            "stats": {"diggCount": post.likes, "commentCount": post.replies},
            "duetInfo": {"duetFromId": post.quote_of or "0"},
        }
        if is_photo_post(post):
            item["imagePost"] = {
                "images": [{"imageURL": {"urlList": [f"{CDN}{m.path}"]}} for m in post.media]
            }
        elif post.media:
            item["video"] = {"cover": f"{CDN}{post.media[0].path}", "duration": 31}
        return item

    def oembed(self, request: Request) -> Response:
        if moved := self._moved(request):
            return moved
        path = urlsplit(request.query.get("url", "")).path.rstrip("/")
        post = self.content.post(path.rpartition("/")[2], Platform.TIKTOK)
        if post is None or not post.live or post.age_restricted:
            return json_response({"code": 400, "message": "Something went wrong"}, 400)
        url = f"https://{HOME}{post_path(post)}"
        return json_response(
            {
                "version": "1.0",
                "type": "video",
                "title": post.text,
                "author_url": f"https://{HOME}/@{post.handle}",
                "author_name": post.author,
                "width": "100%",
                "height": "100%",
                "html": f'<blockquote class="tiktok-embed" cite="{url}"'
                f' data-video-id="{post.post_id}"><section></section></blockquote>',
                "thumbnail_width": 576,
                "thumbnail_height": 1024,
                "thumbnail_url": f"{CDN}{post.media[0].path}" if post.media else None,
                "provider_url": "https://www.tiktok.com",
                "provider_name": "TikTok",
                "author_unique_id": post.handle,
                "embed_product_id": post.post_id,
                "embed_type": "video",
            }
        )

    def login(self, request: Request) -> Response:
        body = (
            '<div class="login"><h1>Log in to TikTok</h1><p>Manage your account, check'
            " notifications, comment on videos, and more.</p></div>"
        )
        return html(_page("Log in | TikTok", body))


def _data(status: int, item: dict[str, Any] | None) -> str:
    detail: dict[str, Any] = {"statusCode": status, "statusMsg": "" if status == 0 else "error"}
    if item is not None:
        detail["itemInfo"] = {"itemStruct": item}
    blob = {"__DEFAULT_SCOPE__": {"webapp.video-detail": detail}}
    payload = json.dumps(blob, ensure_ascii=False).replace("</", "<\\/")
    return (
        '<script id="__UNIVERSAL_DATA_FOR_REHYDRATION__" type="application/json">'
        f"{payload}</script>"
    )


_UNAVAILABLE = (
    '<div class="css-error"><p class="title">Video currently unavailable</p>'
    "<p>This video is unavailable. Visit TikTok to discover more trending videos.</p></div>"
)
_PRIVATE = (
    '<div class="css-error"><p class="title">This account is private</p>'
    "<p>Follow this account to see their content and likes.</p>"
    '<a href="/login">Log in</a></div>'
)
_AGE_GATE = (
    '<div class="css-error"><p class="title">This content is age-restricted</p>'
    "<p>Log in to confirm your age. This video may not be appropriate for some users.</p>"
    '<a href="/login">Log in</a></div>'
)


def _page(title: str, body: str, head: str = "") -> str:
    return (
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{title}</title>{head}<style>{asset('tiktok.css')}</style></head>"
        '<body><div id="app"><div class="css-header">TikTok</div>'
        f"{body}</div></body></html>"
    )
