"""Threads (threads.com, formerly threads.net). Post pages are server-rendered for logged-out
readers, with generated class names; the stable parts are the ``data-pressable-container`` blocks
of the thread, the post links with their ``time``, the OpenGraph tags describing the page's post,
and the app's relay data in ``script[data-sjs]``, whose post object (found by its ``code``) is
preferred for the fields."""

from __future__ import annotations

import re
from typing import ClassVar

from archiver.models import Status
from archiver.platforms.base import Adapter, AdapterCase, Phrases, PostRef, UrlCase

_HOST = r"(?:www\.)?threads\.(?:net|com)"
_CODE = r"[A-Za-z0-9_-]{5,20}"
_END = r"/?(?:[?#].*)?$"


class ThreadsAdapter(Adapter):
    NAME = "threads"
    LABEL = "Threads"
    PATTERNS = (
        re.compile(
            rf"^https?://{_HOST}/@(?P<user>[A-Za-z0-9_.]{{1,30}})/post/(?P<id>{_CODE})(?:/media)?{_END}",
            re.IGNORECASE,
        ),
        re.compile(rf"^https?://{_HOST}/t/(?P<id>{_CODE}){_END}", re.IGNORECASE),
    )
    # Server-rendered: the thread (or the page saying why there is none) is there at load.
    READY_SELECTOR = "div[data-pressable-container] time[datetime], body"
    POST_SELECTOR = "div[data-pressable-container]"
    PHRASES = Phrases(
        not_found=(
            "sorry, this page isn't available",
            "sorry, this page isn’t available",
            "this post is unavailable",
            "post unavailable",
        ),
        suspended=("this account has been suspended", "account suspended"),
        login_wall=(
            "log in or sign up for threads",
            "log in to see more",
            "this profile is private",
        ),
        login_url_parts=("/login", "/accounts/login"),
    )
    EXTRACT_JS = r"""
    (ctx) => {
      const meta = (key) => { const el = document.querySelector(`meta[property="${key}"], meta[name="${key}"]`); return el ? el.getAttribute('content') : null; };
      const linkOf = (box) => {
        for (const a of box.querySelectorAll('a[href*="/post/"]')) {
          const m = a.querySelector('time') && (a.getAttribute('href') || '').match(/\/@([\w.]+)\/post\/([\w-]+)/);
          if (m) return {user: m[1], code: m[2], url: abs(`/@${m[1]}/post/${m[2]}`)};
        }
        return null;
      };
      const boxes = [...document.querySelectorAll('div[data-pressable-container]')];
      const index = boxes.findIndex((box) => (linkOf(box) || {}).code === ctx.code);
      if (index < 0) return null;
      const main = boxes[index];
      main.setAttribute('data-postproof-post', '1');
      // The relay data the app hydrates from holds the post object with this code.
      let data = null;
      const visit = (node, depth) => {
        if (data || !node || typeof node !== 'object' || depth > 64) return;
        if (node.code === ctx.code && 'taken_at' in node) { data = node; return; }
        for (const value of Object.values(node)) visit(value, depth + 1);
      };
      for (const script of document.querySelectorAll('script[type="application/json"][data-sjs]')) {
        try { visit(JSON.parse(script.textContent), 0); } catch (e) { /* another blob may hold it */ }
        if (data) break;
      }
      const me = linkOf(main);
      const time = main.querySelector('time[datetime]');
      const textEl = main.querySelector('span[dir="auto"]');
      let handle = me.user;
      let text = textEl ? textEl.innerText : meta('og:description');
      let posted = time ? time.getAttribute('datetime') : null;
      let media = [...main.querySelectorAll('picture img, video')]
        .map((m) => ({url: abs(m.getAttribute('src') || m.getAttribute('poster')), kind: m.tagName === 'VIDEO' ? 'video' : 'image', alt: m.getAttribute('alt')}));
      let quote = null;
      const info = (data && data.text_post_app_info) || {};
      if (data) {
        const items = data.carousel_media || (data.image_versions2 ? [data] : []);
        media = items.map((m) => ({
          url: (((m.image_versions2 || {}).candidates || [])[0] || {}).url,
          kind: (m.video_versions || []).length ? 'video' : 'image',
          alt: m.accessibility_caption || null,
        }));
        if (data.caption && typeof data.caption.text === 'string') text = data.caption.text;
        if (data.taken_at) posted = new Date(data.taken_at * 1000).toISOString();
        if (data.user && data.user.username) handle = data.user.username;
        const quoted = (info.share_info || {}).quoted_post;
        if (quoted && quoted.code && quoted.user) quote = abs(`/@${quoted.user.username}/post/${quoted.code}`);
      }
      const replyTo = index > 0 && (!data || info.reply_to_author) ? (linkOf(boxes[index - 1]) || {}).url : null;
      // og:title ("Name (@user) on Threads") describes the page's own post.
      const title = (meta('og:title') || '').match(/^(.*) \(@([\w.]+)\) on Threads$/);
      return {
        author: title && title[2] === handle ? title[1] : null,
        handle: '@' + handle,
        posted_at: posted,
        text: text,
        media: media.filter((m) => m.url),
        reply_to: replyTo || null,
        quote_of: quote,
      };
    }
    """

    TESTS: ClassVar[tuple[AdapterCase, ...]] = (
        AdapterCase(
            "https://www.threads.com/@claire.vasseur/post/DFaB3xTtQ1k",
            Status.OK,
            author="Claire Vasseur",
            handle="@claire.vasseur",
            posted_at="2025-01-22T10:00:00+00:00",
            text_contains="bibliothèque municipale",
            media_count=0,
            post_screenshot=True,
        ),
        AdapterCase(
            "https://www.threads.net/@claire.vasseur/post/DFaC8kLtZ2m",
            Status.OK,
            handle="@claire.vasseur",
            media_count=1,
        ),
        AdapterCase(
            "https://www.threads.com/@theo.renard/post/DFaD1pQtR7x",
            Status.OK,
            author="Théo Renard",
            reply_to_contains="/@claire.vasseur/post/DFaB3xTtQ1k",
        ),
        AdapterCase("https://www.threads.com/@claire.vasseur/post/DFa00GoneX1", Status.NOT_FOUND),
        AdapterCase("https://www.threads.com/@cercle.prive/post/DFa00LockY2", Status.LOGIN_WALL),
    )
    URL_CASES: ClassVar[tuple[UrlCase, ...]] = (
        # .net and .com, the short form.
        UrlCase(
            "https://www.threads.net/@claire.vasseur/post/DFaB3xTtQ1k",
            post_id="DFaB3xTtQ1k",
            canonical="https://www.threads.com/@claire.vasseur/post/DFaB3xTtQ1k",
        ),
        UrlCase(
            "https://threads.com/@Claire.Vasseur/post/DFaB3xTtQ1k/?xmt=abc",
            post_id="DFaB3xTtQ1k",
            canonical="https://www.threads.com/@claire.vasseur/post/DFaB3xTtQ1k",
        ),
        UrlCase(
            "https://www.threads.net/t/DFaB3xTtQ1k",
            post_id="DFaB3xTtQ1k",
            canonical="https://www.threads.com/t/DFaB3xTtQ1k",
        ),
        UrlCase("https://www.threads.com/@claire.vasseur", matches=False),
    )
    FIXTURES = (
        "threads_live",
        "threads_media_net",
        "threads_reply",
        "threads_deleted",
        "threads_login_wall",
    )

    @classmethod
    def post_ref(cls, url: str) -> PostRef:
        found = cls.match(url)
        assert found is not None
        code = found.group("id")
        user = found.groupdict().get("user")
        path = f"/@{user.lower()}/post/{code}" if user else f"/t/{code}"
        return PostRef(cls.NAME, code, "https://www.threads.com" + path)

    def js_args(self, ref: PostRef, url: str) -> dict[str, object]:
        return {**super().js_args(ref, url), "code": ref.post_id}
