"""Fake Telegram web previews on t.me: a channel's public history (``/s/CHANNEL/ID``), a post's own
page (``/CHANNEL/ID``, which shows the post in the embed widget's iframe) and the widget itself
(``/CHANNEL/ID?embed=1``), in the ``tgme_widget_message`` markup of the real site.

``Post.handle`` is the channel's username, ``Post.author`` its title. Like the real site, every
answer is a 200: a deleted post is missing from the history and its widget says "Post not found";
a channel that keeps its posts in the app has a widget asking to open Telegram. Photos are CSS
background images served from ``cdn4.telesco.pe``.
"""

from __future__ import annotations

from datetime import UTC
from html import escape

from demo.messages import Request, Response, html, redirect
from demo.sites import Content, Platform, Post, PostState, Route, asset, linkify, route

TELEGRAM_HOSTS = ("t.me", "telegram.me", "www.telegram.me", "cdn4.telesco.pe")
CDN = "https://cdn4.telesco.pe"


def message_text(post: Post) -> str:
    return linkify(post.text).replace("\n", "<br/>")


def _time(post: Post) -> str:
    moment = post.posted_at.astimezone(UTC)
    return f'<time datetime="{moment.isoformat()}" class="time">{moment:%H:%M}</time>'


class TelegramSite:
    hosts = TELEGRAM_HOSTS

    def __init__(self, content: Content) -> None:
        self.content = content

    def routes(self) -> tuple[Route, ...]:
        return (
            route(r"/s/(?P<channel>\w+)/(?P<id>\d+)/?", self.history),
            route(r"/s/(?P<channel>\w+)/?", self.history),
            route(r"/(?P<channel>\w+)/(?P<id>\d+)/?", self.post_page),
        )

    def _channel_posts(self, channel: str) -> list[Post]:
        posts = list(self.content.posts.values())
        return sorted(
            (
                p
                for p in posts
                if p.platform is Platform.TELEGRAM and p.handle.lower() == channel.lower()
            ),
            key=lambda p: int(p.post_id),
        )

    def _find(self, channel: str, post_id: str) -> Post | None:
        post = self.content.post(post_id, Platform.TELEGRAM)
        return post if post is not None and post.handle.lower() == channel.lower() else None

    def _moved(self, request: Request) -> Response | None:
        if request.host == "cdn4.telesco.pe":
            return html("<h1>404 Not Found</h1>", 404)
        if request.host != "t.me":
            query = f"?{request.raw_query}" if request.raw_query else ""
            return redirect(f"https://t.me{request.path}{query}", 301)
        return None

    def post_page(self, request: Request) -> Response:
        if moved := self._moved(request):
            return moved
        channel, post_id = request.params["channel"], request.params["id"]
        post = self._find(channel, post_id)
        if "embed" in request.query:
            return html(self._embed(channel, post_id, post))
        posts = self._channel_posts(channel)
        if not posts:
            return html(_page("Telegram: Contact @" + escape(channel), _NO_CHANNEL))
        owner = posts[0]
        shown = post if post is not None and post.live else None
        description = shown.text if shown else f"{owner.author} — the official channel."
        image = f"{CDN}{shown.media[0].path}" if shown and shown.media else None
        head = (
            f'<meta property="og:title" content="{escape(owner.author)}">'
            f'<meta property="og:image" content="{image or CDN + "/file/channel-photo.jpg"}">'
            '<meta property="og:site_name" content="Telegram">'
            f'<meta property="og:description" content="{escape(description)}">'
            f'<meta name="twitter:title" content="{escape(owner.author)}">'
            '<meta name="twitter:card" content="summary">'
            f'<link rel="canonical" href="https://t.me/{owner.handle}/{post_id}">'
        )
        body = (
            '<div class="tgme_page tgme_page_post"><div class="tgme_page_widget">'
            f'<iframe id="telegram-post-{owner.handle}-{post_id}"'
            f' src="https://t.me/{owner.handle}/{post_id}?embed=1&amp;mode=tme"'
            ' width="100%" frameborder="0" scrolling="no" class="tgme_page_widget_frame"'
            ' style="overflow:hidden;border:none;min-width:320px;height:460px"></iframe></div>'
            '<div class="tgme_page_action"><a class="tgme_action_button_new shine"'
            f' href="tg://resolve?domain={owner.handle}&amp;post={post_id}">View in Telegram</a>'
            "</div></div>"
        )
        return html(_page(f"{escape(owner.author)} – Telegram", body, head))

    def _embed(self, channel: str, post_id: str, post: Post | None) -> str:
        if post is None or post.state.gone or post.state is PostState.SUSPENDED:
            inner = '<div class="tgme_widget_message_error">Post not found</div>'
        elif post.state is PostState.LOGIN_WALL:
            inner = (
                '<div class="tgme_widget_message_error">Please open Telegram to view this post'
                f'<a class="tgme_widget_message_error_button" href="tg://resolve?domain={channel}'
                f'&amp;post={post_id}">VIEW IN TELEGRAM</a></div>'
            )
        else:
            inner = self._message(post)
        return (
            '<!DOCTYPE html><html><head><meta charset="utf-8">'
            '<meta name="viewport" content="width=device-width, initial-scale=1.0">'
            f"<title>{escape(post.author) if post else 'Telegram'}</title>"
            f"<style>{asset('telegram.css')}</style></head>"
            f'<body class="widget_frame_base tgme_widget body_widget_post emoji_image">{inner}'
            "</body></html>"
        )

    def _message(self, post: Post) -> str:
        """One message in the widget markup t.me uses both in the embed and in the history."""
        url = f"https://t.me/{post.handle}/{post.post_id}"
        reply = ""
        parent = self.content.post(post.reply_to, Platform.TELEGRAM)
        if parent is not None:
            shown = escape(parent.text[:80]) if parent.live else "Deleted message"
            reply = (
                f'<a class="tgme_widget_message_reply" href="https://t.me/{parent.handle}/'
                f'{parent.post_id}"><div class="tgme_widget_message_author accent_color">'
                f'<span class="tgme_widget_message_author_name" dir="auto">'
                f"{escape(parent.author)}</span></div>"
                f'<div class="tgme_widget_message_text js-message_reply_text" dir="auto">{shown}'
                "</div></a>"
            )
        photos = "".join(
            f'<a class="tgme_widget_message_photo_wrap" href="{url}?single"'
            f" style=\"width:560px;background-image:url('{CDN}{m.path}')\">"
            f'<div class="tgme_widget_message_photo" style="padding-top:56.25%"></div></a>'
            for m in post.media
        )
        text = (
            f'<div class="tgme_widget_message_text js-message_text" dir="auto">'
            f"{message_text(post)}</div>"
            if post.text
            else ""
        )
        return (
            '<div class="tgme_widget_message_wrap js-widget_message_wrap">'
            '<div class="tgme_widget_message text_not_supported_wrap js-widget_message"'
            f' data-post="{post.handle}/{post.post_id}" data-view="fake">'
            '<div class="tgme_widget_message_user"><a href="https://t.me/'
            f'{post.handle}"><i class="tgme_widget_message_user_photo bgcolor0"'
            f' data-content="{escape(post.author[:1])}"></i></a></div>'
            '<div class="tgme_widget_message_bubble"><i class="tgme_widget_message_bubble_tail">'
            "</i>"
            '<div class="tgme_widget_message_author accent_color">'
            f'<a class="tgme_widget_message_owner_name" href="https://t.me/{post.handle}">'
            f'<span dir="auto">{escape(post.author)}</span></a></div>'
            f"{reply}{photos}{text}"
            '<div class="tgme_widget_message_footer compact js-message_footer">'
            '<div class="tgme_widget_message_info short js-message_info">'
            f'<span class="tgme_widget_message_views">{post.likes}</span>'
            '<span class="tgme_widget_message_meta"><a class="tgme_widget_message_date"'
            f' href="{url}">{_time(post)}</a></span></div></div></div></div></div>'
        )

    def history(self, request: Request) -> Response:
        if moved := self._moved(request):
            return moved
        channel = request.params["channel"]
        posts = self._channel_posts(channel)
        if not posts:
            return redirect(f"https://t.me/{channel}")
        owner = posts[0]
        shown = "".join(self._message(p) for p in posts if p.live)
        info = (
            '<div class="tgme_channel_info"><div class="tgme_channel_info_header">'
            f'<div class="tgme_channel_info_header_title"><span dir="auto">'
            f"{escape(owner.author)}</span></div>"
            f'<div class="tgme_channel_info_header_username"><a href="https://t.me/'
            f'{owner.handle}">@{owner.handle}</a></div></div></div>'
        )
        head = (
            f'<meta property="og:title" content="{escape(owner.author)}">'
            '<meta property="og:site_name" content="Telegram">'
            f'<link rel="canonical" href="https://t.me/s/{owner.handle}">'
        )
        body = (
            f'<div class="tgme_channel">{info}'
            f'<section class="tgme_channel_history js-message_history">{shown}</section></div>'
        )
        return html(_page(f"{escape(owner.author)} – Telegram", body, head))


_NO_CHANNEL = (
    '<div class="tgme_page"><div class="tgme_page_title">Telegram</div>'
    '<div class="tgme_page_description">If you have <strong>Telegram</strong>, you can contact'
    " this user right away.</div></div>"
)


def _page(title: str, body: str, head: str = "") -> str:
    return (
        '<!DOCTYPE html><html><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1.0">'
        f"<title>{title}</title>{head}<style>{asset('telegram.css')}</style></head>"
        '<body class="tgme_webpage"><div class="tgme_page_wrap"><div class="tgme_head_wrap">'
        '<div class="tgme_head"><a href="//telegram.org/" class="tgme_head_brand">Telegram</a>'
        f'</div></div><div class="tgme_body_wrap">{body}</div></div></body></html>'
    )
