"""Fake Reddit: www.reddit.com's server-rendered "shreddit" web components, old.reddit.com's
``div.thing`` markup, the ``.json`` form of every thread, redd.it short links and i.redd.it images.

A comment is a :class:`~demo.sites.Post` with ``reply_to`` (its parent: the post or another
comment) and ``thread`` (the post). Like the real site, a deleted post keeps its title and answers
200 with a notice; a private community answers 403, a banned one 404; an NSFW post meets
logged-out readers with an age gate (old.reddit.com: a redirect to ``/over18``).
"""

from __future__ import annotations

import json
from datetime import UTC
from html import escape
from typing import Any
from urllib.parse import quote

from demo.messages import Request, Response, html, json_response, redirect
from demo.sites import (
    Content,
    Platform,
    Post,
    PostState,
    Route,
    asset,
    iso_z,
    paragraphs,
    route,
    slug,
)

REDDIT_HOSTS = (
    "www.reddit.com",
    "reddit.com",
    "old.reddit.com",
    "new.reddit.com",
    "np.reddit.com",
    "redd.it",
    "i.redd.it",
)
OLD = "old.reddit.com"
_NOT_FOUND_JSON = {"message": "Not Found", "error": 404}


def permalink(post: Post, content: Content) -> str:
    """Reddit's own ``permalink`` (a path) of a post or a comment."""
    root = content.post(post.thread_id, Platform.REDDIT) or post
    base = f"/r/{post.community}/comments/{root.post_id}/{slug(root.title or root.text)}/"
    return f"{base}{post.post_id}/" if post.is_comment else base


def media_url(path: str) -> str:
    return f"https://i.redd.it{path}"


def _human(post: Post) -> str:
    moment = post.posted_at.astimezone(UTC)
    return f"{moment:%a %b} {moment.day} {moment:%H:%M:%S %Y} UTC"


class RedditSite:
    hosts = REDDIT_HOSTS

    def __init__(self, content: Content) -> None:
        self.content = content

    def routes(self) -> tuple[Route, ...]:
        sub = r"/r/(?P<sub>\w+)/comments"
        return (
            route(
                r"(?:/(?:r|u|user)/\w+)?/comments/(?P<id>[a-z0-9]+)(?:/[^/]*)?/?\.json", self.json
            ),
            route(sub + r"/(?P<post>[a-z0-9]+)/comment/(?P<id>[a-z0-9]+)/?", self.comment_page),
            route(sub + r"/(?P<post>[a-z0-9]+)/[^/]+/(?P<id>[a-z0-9]+)/?", self.comment_page),
            route(sub + r"/(?P<id>[a-z0-9]+)(?:/[^/]*)?/?", self.post_page),
            route(r"/comments/(?P<post>[a-z0-9]+)/[^/]+/(?P<id>[a-z0-9]+)/?", self.bare_link),
            route(r"/comments/(?P<id>[a-z0-9]+)(?:/[^/]*)?/?", self.bare_link),
            route(r"/login/?", self.login),
            route(r"/over18/?", self.over18),
            route(r"/(?P<id>[a-z0-9]{4,12})/?", self.short_link),
        )

    # -- pages ---------------------------------------------------------------------------------

    def _moved(self, request: Request) -> Response | None:
        """reddit.com sends everyone to www; the image and short-link hosts serve nothing else."""
        if request.host == "reddit.com":
            return redirect(f"https://www.reddit.com{request.path}", 301)
        if request.host in ("redd.it", "i.redd.it"):
            return html(_page("Not found", _NOT_FOUND_BODY), 404)
        return None

    def post_page(self, request: Request) -> Response:
        if moved := self._moved(request):
            return moved
        post = self.content.post(request.params["id"], Platform.REDDIT)
        if post is None or post.is_comment:
            return html(_page("Page not found", _NOT_FOUND_BODY), 404)
        return self._thread(request, post, None)

    def comment_page(self, request: Request) -> Response:
        if moved := self._moved(request):
            return moved
        comment = self.content.post(request.params["id"], Platform.REDDIT)
        post = self.content.post(request.params["post"], Platform.REDDIT)
        if comment is None or post is None or comment.thread_id != post.post_id:
            return html(_page("Page not found", _NOT_FOUND_BODY), 404)
        return self._thread(request, post, comment)

    def bare_link(self, request: Request) -> Response:
        """``/comments/ID`` (and ``/comments/ID/_/COMMENT``): a redirect to the full permalink."""
        target = self.content.post(request.params["id"], Platform.REDDIT)
        if target is None:
            return html(_page("Page not found", _NOT_FOUND_BODY), 404)
        host = request.host if request.host != "reddit.com" else "www.reddit.com"
        return redirect(f"https://{host}{permalink(target, self.content)}", 301)

    def short_link(self, request: Request) -> Response:
        post = self.content.post(request.params["id"], Platform.REDDIT)
        if request.host != "redd.it" or post is None:
            return html(_page("Page not found", _NOT_FOUND_BODY), 404)
        return redirect(f"https://www.reddit.com/comments/{post.post_id}", 301)

    def _thread(self, request: Request, post: Post, focus: Post | None) -> Response:
        sub = post.community or ""
        if post.state is PostState.LOGIN_WALL:
            body = (
                f'<div class="private-community"><h1>r/{sub} is a private community</h1>'
                f"<p>The moderators of r/{sub} have set this community to private. Only approved "
                'members can view and join.</p><a href="/login/">Log In</a></div>'
            )
            return html(_page(f"r/{sub}", body), 403)
        if post.state is PostState.SUSPENDED:
            body = (
                f'<div class="banned-community"><h1>r/{sub}</h1><p>This community has been banned'
                "</p><p>It was banned for a violation of Reddit's rules.</p></div>"
            )
            return html(_page(f"r/{sub}", body), 404)
        if post.age_restricted:
            if request.host == OLD:
                dest = quote(request.path, safe="")
                return redirect(f"https://{OLD}/over18?dest=https%3A%2F%2F{OLD}{dest}")
            return html(_page(f"r/{sub}", _AGE_GATE))
        if request.host == OLD:
            return html(self._old_thread(post, focus))
        return html(self._new_thread(post, focus))

    def _new_thread(self, post: Post, focus: Post | None) -> str:
        sub = post.community
        title = escape(post.title or "")
        url = f"https://www.reddit.com{permalink(focus or post, self.content)}"
        head = (
            '<meta property="og:site_name" content="Reddit">'
            f'<meta property="og:title" content="From the {sub} community on Reddit: {title}">'
            f'<meta property="og:description" content="{escape(post.text[:300])}">'
            f'<meta property="og:url" content="{url}"><meta property="og:type" content="website">'
            + "".join(
                f'<meta property="og:image" content="{media_url(m.path)}">' for m in post.media
            )
            + f'<link rel="canonical" href="{url}">'
            + (_ld_json(post, self.content) if post.live else "")
        )
        if focus is None:
            comments = "".join(self._comment(c, 0, None) for c in self._children(post))
            tree = f'<shreddit-comment-tree id="comment-tree" post-id="t3_{post.post_id}">'
        else:
            comments = self._focused(focus)
            tree = (
                f'<div class="single-thread"><a href="{permalink(post, self.content)}">'
                "See full discussion</a></div>"
                f'<shreddit-comment-tree id="comment-tree" post-id="t3_{post.post_id}"'
                f' highlighted-comment="t1_{focus.post_id}">'
            )
        body = f"{self._post(post)}{tree}{comments}</shreddit-comment-tree>"
        return _page(f"{title} : r/{sub}", body, head)

    def _post(self, post: Post) -> str:
        sub = post.community
        perm = permalink(post, self.content)
        gone = post.state.gone
        author = "[deleted]" if gone else post.author
        kind = "text" if not post.media else ("image" if len(post.media) == 1 else "gallery")
        href = media_url(post.media[0].path) if post.media and not gone else perm
        if gone:
            body = (
                '<div slot="text-body"><div class="post-removed-notice">Sorry, this post was '
                "deleted by the person who originally posted it.</div></div>"
            )
        else:
            text = paragraphs(post.text)
            body = (
                f'<div slot="text-body"><div class="md text-14" id="t3_{post.post_id}'
                f'-post-rtjson-content">{text}</div></div>'
                if post.text
                else ""
            )
            if post.media:
                items = "".join(
                    f'<li><img class="i18n-post-media-img preview-img media-lightbox-img"'
                    f' src="{media_url(m.path)}" alt="{escape(m.alt or "r/" + str(sub))}"></li>'
                    for m in post.media
                )
                body = (
                    f'<div slot="post-media-container"><gallery-carousel><ul>{items}</ul>'
                    f"</gallery-carousel></div>{body}"
                )
        when = iso_z(post.posted_at)
        stamp = post.posted_at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f+0000")
        return (
            f'<shreddit-post id="t3_{post.post_id}" permalink="{perm}"'
            f' post-title="{escape(post.title or "")}" author="{escape(author)}"'
            f' subreddit-prefixed-name="r/{sub}" subreddit-name="{sub}"'
            f' created-timestamp="{stamp}" post-type="{kind}" content-href="{href}"'
            f' comment-count="{post.replies}" score="{post.likes}" domain="self.{sub}"'
            f"{' nsfw' if post.age_restricted else ''}>"
            f'<div slot="credit-bar" class="credit-bar"><a class="subreddit-name" href="/r/{sub}/">'
            f"r/{sub}</a> · "
            f'<faceplate-timeago ts="{when}"><time datetime="{when}" title="{_human(post)}">'
            f"{post.posted_at:%b %d, %Y}</time></faceplate-timeago>"
            f'<div class="author-name"><a href="/user/{escape(author)}/">{escape(author)}</a>'
            f"</div></div>"
            f'<h1 slot="title" id="post-title-t3_{post.post_id}">{escape(post.title or "")}</h1>'
            f"{body}"
            f'<div class="post-stats">{post.likes} upvotes · {post.replies} comments</div>'
            "</shreddit-post>"
        )

    def _children(self, parent: Post) -> list[Post]:
        posts = list(self.content.posts.values())
        found = [
            p
            for p in posts
            if p.platform is Platform.REDDIT and p.is_comment and p.reply_to == parent.post_id
        ]
        return sorted(found, key=lambda p: p.posted_at)

    def _ancestors(self, comment: Post) -> list[Post]:
        """The comments above ``comment``, nearest first."""
        found: list[Post] = []
        parent = self.content.post(comment.reply_to, Platform.REDDIT)
        while parent is not None and parent.is_comment and len(found) < 10:
            found.append(parent)
            parent = self.content.post(parent.reply_to, Platform.REDDIT)
        return found

    def _focused(self, focus: Post) -> str:
        """The focused comment inside its ancestors, as a comment permalink page shows it."""
        ancestors = self._ancestors(focus)
        depth = len(ancestors)
        inner = self._comment(focus, depth, None)
        for level, ancestor in enumerate(ancestors):
            inner = self._comment(ancestor, depth - level - 1, inner)
        return inner

    def _comment(self, comment: Post, depth: int, inner: str | None) -> str:
        perm = permalink(comment, self.content)
        root = comment.thread_id
        parent = comment.reply_to or root
        parent_id = f"t3_{parent}" if parent == root else f"t1_{parent}"
        gone = not comment.live
        author = "[deleted]" if gone else comment.author
        text = (
            '<p class="comment-deleted">Comment deleted by user</p>'
            if gone
            else paragraphs(comment.text)
        )
        when = iso_z(comment.posted_at)
        children = (
            inner
            if inner is not None
            else "".join(self._comment(c, depth + 1, None) for c in self._children(comment))
        )
        return (
            f'<shreddit-comment thingid="t1_{comment.post_id}" author="{escape(author)}"'
            f' depth="{depth}" parentid="{parent_id}" postid="t3_{root}" permalink="{perm}"'
            f' score="{comment.likes}">'
            f'<div slot="commentMeta" class="comment-meta"><a class="author-name"'
            f' href="/user/{escape(author)}/">{escape(author)}</a> · '
            f'<faceplate-timeago ts="{when}"><time datetime="{when}" title="{_human(comment)}">'
            f"{comment.posted_at:%b %d, %Y}</time></faceplate-timeago></div>"
            f'<div slot="comment"><div id="t1_{comment.post_id}-comment-rtjson-content"'
            f' class="md text-14">{text}</div></div>'
            f'<shreddit-comment-action-row slot="actionRow" score="{comment.likes}">'
            f"{comment.likes} points</shreddit-comment-action-row>"
            f"{children}</shreddit-comment>"
        )

    # -- old.reddit.com ------------------------------------------------------------------------

    def _old_thread(self, post: Post, focus: Post | None) -> str:
        sub = post.community
        title = escape(post.title or "")
        if focus is None:
            comments = "".join(self._old_comment(c) for c in self._children(post))
        else:
            comments = self._old_comment(focus)
        body = (
            f'<div class="side"><div class="titlebox"><h1 class="redditname">'
            f'<a href="https://{OLD}/r/{sub}/">{sub}</a></h1></div></div>'
            f'<div class="content" role="main"><div id="siteTable" class="sitetable linklisting">'
            f"{self._old_post(post)}</div>"
            f'<div class="commentarea"><div class="sitetable nestedlisting">{comments}</div></div>'
            "</div>"
        )
        head = (
            f'<link rel="canonical" href="https://www.reddit.com{permalink(post, self.content)}">'
        )
        return _page(f"{title} : {sub}", body, head, old=True)

    def _old_post(self, post: Post) -> str:
        sub = post.community
        perm = permalink(post, self.content)
        gone = post.state.gone
        author = "[deleted]" if gone else post.author
        url = media_url(post.media[0].path) if post.media and not gone else perm
        text = "<p>[deleted]</p>" if gone else paragraphs(post.text)
        media = "".join(
            f'<div class="media-preview-content"><a href="{media_url(m.path)}">'
            f'<img class="preview" src="{media_url(m.path)}" alt="{escape(m.alt)}"></a></div>'
            for m in (() if gone else post.media)
        )
        stamp = int(post.posted_at.timestamp() * 1000)
        return (
            f'<div class=" thing id-t3_{post.post_id} odd link self" id="thing_t3_{post.post_id}"'
            f' data-fullname="t3_{post.post_id}" data-type="link" data-author="{escape(author)}"'
            f' data-subreddit="{sub}" data-subreddit-prefixed="r/{sub}" data-timestamp="{stamp}"'
            f' data-permalink="{perm}" data-url="{url}" data-domain="self.{sub}"'
            f' data-comments-count="{post.replies}" data-score="{post.likes}"'
            f' data-nsfw="{str(post.age_restricted).lower()}">'
            f'<div class="entry unvoted"><div class="top-matter"><p class="title">'
            f'<a class="title may-blank" href="{perm}">{escape(post.title or "")}</a></p>'
            f'<p class="tagline">submitted <time title="{_human(post)}"'
            f' datetime="{post.posted_at.astimezone(UTC).isoformat()}" class="live-timestamp">'
            f"{post.posted_at:%b %d %Y}</time> by "
            f'<a href="https://{OLD}/user/{escape(author)}" class="author may-blank">'
            f'{escape(author)}</a> to <a href="https://{OLD}/r/{sub}/" class="subreddit hover">'
            f"r/{sub}</a></p></div>"
            f'<div class="expando">{media}<form class="usertext"><div class="usertext-body'
            f' may-blank-within md-container"><div class="md">{text}</div></div></form></div>'
            "</div></div>"
        )

    def _old_comment(self, comment: Post) -> str:
        perm = permalink(comment, self.content)
        parent = comment.reply_to or ""
        parent_link = (
            f'<li><a href="#{parent}" data-event-action="parent">parent</a></li>'
            if parent != comment.thread_id
            else ""
        )
        children = "".join(self._old_comment(c) for c in self._children(comment))
        return (
            f'<div class=" thing id-t1_{comment.post_id} noncollapsed comment"'
            f' data-fullname="t1_{comment.post_id}" data-type="comment"'
            f' data-author="{escape(comment.author)}" data-subreddit="{comment.community}"'
            f' data-permalink="{perm}"><div class="entry unvoted"><p class="tagline">'
            f'<a class="author may-blank">{escape(comment.author)}</a> '
            f'<span class="score unvoted">{comment.likes} points</span> '
            f'<time title="{_human(comment)}"'
            f' datetime="{comment.posted_at.astimezone(UTC).isoformat()}"'
            f' class="live-timestamp">{comment.posted_at:%b %d %Y}</time></p>'
            f'<form class="usertext"><div class="usertext-body may-blank-within md-container">'
            f'<div class="md">{paragraphs(comment.text)}</div></div></form>'
            f'<ul class="flat-list buttons"><li class="first"><a href="{perm}"'
            f' data-event-action="permalink">permalink</a></li>{parent_link}</ul></div>'
            f'<div class="child">{children}</div></div>'
        )

    def over18(self, request: Request) -> Response:
        body = (
            '<div class="interstitial"><img class="interstitial-image" alt="">'
            "<p>You must be at least eighteen years old to view this content. Are you over "
            "eighteen and willing to see adult content?</p>"
            '<form method="post" action=""><button name="over18" value="no">no thank you</button>'
            '<button name="over18" value="yes">continue</button></form></div>'
        )
        return html(_page("reddit.com: over 18?", body, old=True))

    def login(self, request: Request) -> Response:
        body = (
            '<div class="login"><h1>Log In</h1><p>By continuing, you agree to our User Agreement'
            " and acknowledge that you understand the Privacy Policy.</p>"
            '<form><input name="username" autocomplete="username" placeholder="Email or username">'
            '<input type="password"'
            ' name="password" placeholder="Password"><button type="button">Log In</button>'
            "</form></div>"
        )
        return html(_page("Reddit - Dive into anything", body))

    # -- JSON ----------------------------------------------------------------------------------

    def json(self, request: Request) -> Response:
        found = self.content.post(request.params["id"], Platform.REDDIT)
        if found is None or found.is_comment:
            return json_response(_NOT_FOUND_JSON, 404)
        if found.state is PostState.LOGIN_WALL:
            return json_response({"reason": "private", "message": "Forbidden", "error": 403}, 403)
        if found.state is PostState.SUSPENDED:
            return json_response({"reason": "banned", "message": "Not Found", "error": 404}, 404)
        raw = request.query.get("raw_json") == "1"
        focus_id = request.query.get("comment")
        if focus_id:
            focus = self.content.post(focus_id, Platform.REDDIT)
            if focus is None or focus.thread_id != found.post_id:
                return json_response(_NOT_FOUND_JSON, 404)
            context = int(request.query.get("context", "0") or 0)
            top = focus
            chain = [focus]
            for ancestor in self._ancestors(focus)[:context]:
                top = ancestor
                chain.insert(0, ancestor)
            comments = [self._t1(top, raw, chain[1:])]
        else:
            comments = [self._t1(c, raw, None) for c in self._children(found)]
        return json_response([_listing([self._t3(found, raw)]), _listing(comments)])

    def _t3(self, post: Post, raw: bool) -> dict[str, Any]:
        perm = permalink(post, self.content)
        gone = post.state.gone
        data: dict[str, Any] = {
            "id": post.post_id,
            "name": f"t3_{post.post_id}",
            "subreddit": post.community,
            "subreddit_name_prefixed": f"r/{post.community}",
            "title": _text(post.title or "", raw),
            "author": "[deleted]" if gone else post.author,
            "selftext": "[deleted]" if gone else _text(post.text, raw),
            "selftext_html": None if gone or not post.text else _md_html(post.text, raw),
            "created_utc": post.posted_at.timestamp(),
            "permalink": perm,
            "url": f"https://www.reddit.com{perm}",
            "domain": f"self.{post.community}",
            "is_self": not post.media,
            "over_18": post.age_restricted,
            "removed_by_category": "deleted" if gone else None,
            "num_comments": post.replies,
            "score": post.likes,
            "ups": post.likes,
            "upvote_ratio": 0.97,
            "locked": False,
            "stickied": False,
        }
        if post.media and not gone:
            images = [
                {"source": {"url": media_url(m.path), "width": 1200, "height": 800}, "id": m.path}
                for m in post.media
            ]
            data |= {"url": media_url(post.media[0].path), "domain": "i.redd.it"}
            if len(post.media) == 1:
                data |= {"post_hint": "image", "preview": {"images": images, "enabled": True}}
            else:
                data |= {
                    "is_gallery": True,
                    "gallery_data": {"items": [{"media_id": str(i)} for i in range(len(images))]},
                    "media_metadata": {
                        str(i): {
                            "status": "valid",
                            "e": "Image",
                            "m": "image/png",
                            "s": {"u": media_url(m.path), "x": 1200, "y": 800},
                        }
                        for i, m in enumerate(post.media)
                    },
                }
        return {"kind": "t3", "data": data}

    def _t1(self, comment: Post, raw: bool, chain: list[Post] | None) -> dict[str, Any]:
        """A comment; ``chain`` is the path down to a focused comment (None: every reply)."""
        if chain is None:
            replies = [self._t1(c, raw, None) for c in self._children(comment)]
        elif chain:
            replies = [self._t1(chain[0], raw, chain[1:])]
        else:
            replies = [self._t1(c, raw, None) for c in self._children(comment)]
        root = comment.thread_id
        parent = comment.reply_to or root
        gone = not comment.live
        data = {
            "id": comment.post_id,
            "name": f"t1_{comment.post_id}",
            "author": "[deleted]" if gone else comment.author,
            "body": "[deleted]" if gone else _text(comment.text, raw),
            "body_html": _md_html("[deleted]" if gone else comment.text, raw),
            "created_utc": comment.posted_at.timestamp(),
            "parent_id": f"t3_{parent}" if parent == root else f"t1_{parent}",
            "link_id": f"t3_{root}",
            "permalink": permalink(comment, self.content),
            "subreddit": comment.community,
            "score": comment.likes,
            "replies": _listing(replies) if replies else "",
        }
        return {"kind": "t1", "data": data}


def _listing(children: list[dict[str, Any]]) -> dict[str, Any]:
    return {"kind": "Listing", "data": {"after": None, "before": None, "children": children}}


def _text(value: str, raw: bool) -> str:
    """Reddit escapes ``&``, ``<`` and ``>`` in its JSON unless asked for ``raw_json=1``."""
    return value if raw else value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _md_html(text: str, raw: bool) -> str:
    rendered = f'<!-- SC_OFF --><div class="md">{paragraphs(text)}</div><!-- SC_ON -->'
    return rendered if raw else escape(rendered, quote=False)


def _ld_json(post: Post, content: Content) -> str:
    url = f"https://www.reddit.com{permalink(post, content)}"
    ld = {
        "@context": "https://schema.org",
        "@type": "DiscussionForumPosting",
        "@id": url,
        "url": url,
        "headline": post.title,
        "text": post.text,
        "datePublished": iso_z(post.posted_at),
        "author": {
            "@type": "Person",
            "name": post.author,
            "url": f"https://www.reddit.com/user/{post.author}/",
        },
        "commentCount": post.replies,
    }
    payload = json.dumps(ld, ensure_ascii=False).replace("</", "<\\/")
    return f'<script type="application/ld+json">{payload}</script>'


_NOT_FOUND_BODY = (
    '<div class="not-found"><h1>Page not found</h1>'
    "<p>Sorry, nobody on Reddit goes by that name, or the page you requested does not exist."
    "</p></div>"
)
_AGE_GATE = (
    '<div id="blocking-modal" class="nsfw-blocking-modal" role="dialog" aria-modal="true">'
    "<h1>Mature Content</h1><p>You must be 18+ to view this community</p>"
    "<p>You must be at least eighteen years old to view this content. Log in to confirm your "
    'age.</p><a class="button" href="/login/">Log In</a>'
    '<a class="button" href="/">Go Home</a></div>'
)


def _page(title: str, body: str, head: str = "", *, old: bool = False) -> str:
    header = (
        '<div id="header"><a href="/" id="header-img">reddit</a></div>'
        if old
        else '<reddit-header-large><header class="reddit-header">reddit</header>'
        "</reddit-header-large>"
    )
    return (
        f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{title}</title>{head}<style>{asset('reddit.css')}</style></head>"
        f'<body class="{"old" if old else "v2"}">{header}<main id="main-content">{body}</main>'
        "</body></html>"
    )
