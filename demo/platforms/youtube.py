"""Fake YouTube: a client-rendered watch page, like the real single-page app.

The HTML carries what the real server sends before any script runs: OpenGraph tags, schema.org
microdata (``itemprop``), the oEmbed discovery link, and the ``ytInitialPlayerResponse`` and
``ytInitialData`` objects. A script then builds the ``ytd-watch-metadata`` and comment markup from
them, a moment after ``load``. A video that cannot be played says why in the player
(``playabilityStatus``): removed, private, or age-restricted ("Sign in to confirm your age"). A
``&lc=`` link shows that comment first, as "Highlighted comment" (real YouTube loads comments on
scroll; here they come with the page). ``/oembed`` answers as the real endpoint does.
"""

from __future__ import annotations

import json
from datetime import UTC, timedelta, timezone
from html import escape
from typing import Any
from urllib.parse import parse_qs, quote, urlsplit

from demo.messages import Request, Response, html, json_response, redirect
from demo.sites import Content, Platform, Post, PostState, Route, asset, route

YOUTUBE_HOSTS = ("www.youtube.com", "youtube.com", "m.youtube.com", "youtu.be", "i.ytimg.com")
HOME = "www.youtube.com"


def thumbnail(post: Post) -> str:
    path = post.media[0].path if post.media else f"/vi/{post.post_id}/hqdefault.jpg"
    return f"https://i.ytimg.com{path}"


def _pacific(post: Post) -> str:
    """``publishDate`` as YouTube writes it: Pacific time with its offset (fixed -08:00 here)."""
    return post.posted_at.astimezone(timezone(timedelta(hours=-8))).isoformat()


class YouTubeSite:
    hosts = YOUTUBE_HOSTS

    def __init__(self, content: Content) -> None:
        self.content = content

    def routes(self) -> tuple[Route, ...]:
        return (
            route(r"/watch/?", self.watch),
            route(r"/(?:shorts|live|embed)/(?P<id>[\w-]{11})/?", self.watch),
            route(r"/oembed/?", self.oembed),
            route(r"/(?P<id>[\w-]{11})/?", self.short_link),
        )

    def _moved(self, request: Request) -> Response | None:
        if request.host in ("i.ytimg.com", "youtu.be"):
            return html("<h1>404 Not Found</h1>", 404)
        if request.host != HOME:
            query = f"?{request.raw_query}" if request.raw_query else ""
            return redirect(f"https://{HOME}{request.path}{query}", 301)
        return None

    def short_link(self, request: Request) -> Response:
        if request.host != "youtu.be":
            return html(_page("404 Not Found", "<h1>404 Not Found</h1>"), 404)
        video = request.params["id"]
        extra = f"&{request.raw_query}" if request.raw_query else ""
        return redirect(f"https://{HOME}/watch?v={video}{extra}&feature=youtu.be", 301)

    def watch(self, request: Request) -> Response:
        if moved := self._moved(request):
            return moved
        video_id = request.params.get("id") or request.query.get("v", "")
        video = self.content.post(video_id, Platform.YOUTUBE)
        if video is not None and video.is_comment:
            video = None
        highlighted = self.content.post(request.query.get("lc"), Platform.YOUTUBE)
        if highlighted is not None and highlighted.thread_id != video_id:
            highlighted = None
        player = self._player_response(video, video_id)
        data = self._initial_data(video, highlighted)
        playable = video is not None and player["playabilityStatus"]["status"] == "OK"
        head = self._head(video) if video is not None and playable else ""
        title = (
            f"{escape(video.title or '')} - YouTube"
            if video is not None and playable
            else "YouTube"
        )
        scripts = (
            f"<script>var ytInitialPlayerResponse = {_js(player)};</script>"
            f"<script>var ytInitialData = {_js(data)};</script>"
            f"<script>{asset('youtube.js')}</script>"
        )
        return html(_page(title, '<ytd-app><div id="content"></div></ytd-app>' + scripts, head))

    def _head(self, video: Post) -> str:
        url = f"https://{HOME}/watch?v={video.post_id}"
        oembed = f"https://{HOME}/oembed?format=json&url={quote(url, safe='')}"
        return (
            '<meta property="og:site_name" content="YouTube">'
            f'<meta property="og:url" content="{url}">'
            f'<meta property="og:title" content="{escape(video.title or "")}">'
            f'<meta property="og:image" content="{thumbnail(video)}">'
            f'<meta property="og:description" content="{escape(video.text[:160])}">'
            '<meta property="og:type" content="video.other">'
            f'<meta property="og:video:url" content="https://{HOME}/embed/{video.post_id}">'
            f'<link rel="canonical" href="{url}">'
            f'<link rel="alternate" type="application/json+oembed" href="{escape(oembed)}"'
            f' title="{escape(video.title or "")}">'
            '<div itemscope itemtype="http://schema.org/VideoObject" hidden>'
            f'<meta itemprop="name" content="{escape(video.title or "")}">'
            f'<meta itemprop="identifier" content="{video.post_id}">'
            '<span itemprop="author" itemscope itemtype="http://schema.org/Person">'
            f'<link itemprop="url" href="http://www.youtube.com/@{video.handle}">'
            f'<link itemprop="name" content="{escape(video.author)}"></span>'
            f'<meta itemprop="datePublished" content="{_pacific(video)}">'
            f'<meta itemprop="uploadDate" content="{_pacific(video)}">'
            f'<link itemprop="thumbnailUrl" href="{thumbnail(video)}"></div>'
        )

    def _player_response(self, video: Post | None, video_id: str) -> dict[str, Any]:
        if video is None or video.state.gone:
            return _unplayable(
                "ERROR", "Video unavailable", "This video has been removed by the uploader"
            )
        if video.state is PostState.SUSPENDED:
            return _unplayable(
                "ERROR",
                "Video unavailable",
                "This video is no longer available because the YouTube account associated with"
                " this video has been terminated.",
            )
        if video.state is PostState.LOGIN_WALL:
            return _unplayable(
                "LOGIN_REQUIRED",
                "Private video",
                "Sign in if you've been granted access to this video",
            )
        if video.age_restricted:
            return _unplayable(
                "LOGIN_REQUIRED",
                "Sign in to confirm your age",
                "This video may be inappropriate for some users.",
            )
        return {
            "playabilityStatus": {"status": "OK", "playableInEmbed": True},
            "videoDetails": {
                "videoId": video.post_id,
                "title": video.title,
                "author": video.author,
                "shortDescription": video.text,
                "viewCount": str(video.likes * 40),
            },
            "microformat": {
                "playerMicroformatRenderer": {
                    "title": {"simpleText": video.title},
                    "description": {"simpleText": video.text},
                    "ownerChannelName": video.author,
                    "ownerProfileUrl": f"http://www.youtube.com/@{video.handle}",
                    "publishDate": _pacific(video),
                    "uploadDate": _pacific(video),
                    "thumbnail": {"thumbnails": [{"url": thumbnail(video), "width": 1280}]},
                }
            },
        }

    def _initial_data(self, video: Post | None, highlighted: Post | None) -> dict[str, Any]:
        if video is None or not video.live or video.age_restricted:
            return {"contents": {}}
        comments = [c for c in self._comments(video) if c.live and c is not highlighted]
        if highlighted is not None and highlighted.live:
            comments.insert(0, highlighted)
        return {
            "contents": {
                "video": {
                    "videoId": video.post_id,
                    "title": video.title,
                    "channel": video.author,
                    "handle": f"@{video.handle}",
                    "description": video.text,
                    "date": f"{video.posted_at.astimezone(UTC):%b} {video.posted_at.day}, "
                    f"{video.posted_at.year}",
                    "views": f"{video.likes * 40:,} views",
                    "thumbnail": thumbnail(video),
                },
                "comments": [
                    {
                        "commentId": c.post_id,
                        "author": f"@{c.handle}",
                        "text": c.text,
                        "published": "1 day ago",
                        "likes": c.likes,
                        "highlighted": c is highlighted,
                    }
                    for c in comments
                ],
            }
        }

    def _comments(self, video: Post) -> list[Post]:
        posts = list(self.content.posts.values())
        found = [
            p
            for p in posts
            if p.platform is Platform.YOUTUBE and p.is_comment and p.thread_id == video.post_id
        ]
        return sorted(found, key=lambda p: p.posted_at)

    def oembed(self, request: Request) -> Response:
        if moved := self._moved(request):
            return moved
        target = urlsplit(request.query.get("url", ""))
        video_id = (parse_qs(target.query).get("v") or [""])[0] or target.path.rsplit("/", 1)[-1]
        video = self.content.post(video_id, Platform.YOUTUBE)
        if video is None or not video.live or video.is_comment:
            return Response(404, b"Not Found", "text/html; charset=utf-8")
        if video.age_restricted:
            return Response(401, b"Unauthorized", "text/html; charset=utf-8")
        return json_response(
            {
                "title": video.title,
                "author_name": video.author,
                "author_url": f"https://www.youtube.com/@{video.handle}",
                "type": "video",
                "height": 113,
                "width": 200,
                "version": "1.0",
                "provider_name": "YouTube",
                "provider_url": "https://www.youtube.com/",
                "thumbnail_height": 360,
                "thumbnail_width": 480,
                "thumbnail_url": thumbnail(video),
                "html": f'<iframe width="200" height="113" src="https://www.youtube.com/embed/'
                f'{video.post_id}?feature=oembed" frameborder="0" allowfullscreen'
                f' title="{escape(video.title or "")}"></iframe>',
            }
        )


def _unplayable(status: str, reason: str, subreason: str) -> dict[str, Any]:
    return {
        "playabilityStatus": {
            "status": status,
            "reason": reason,
            "errorScreen": {
                "playerErrorMessageRenderer": {
                    "reason": {"simpleText": reason},
                    "subreason": {"simpleText": subreason},
                }
            },
        }
    }


def _js(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False).replace("</", "<\\/")


def _page(title: str, body: str, head: str = "") -> str:
    return (
        '<!DOCTYPE html><html lang="en" dir="ltr" system-icons typography><head>'
        '<meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{title}</title>{head}<style>{asset('youtube.css')}</style></head>"
        f'<body dir="ltr">{body}</body></html>'
    )
