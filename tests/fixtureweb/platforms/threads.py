"""Threads fixtures: a text post, a post with a photo (by its threads.net URL), a reply, a deleted
post and a post of a private profile."""

from __future__ import annotations

from typing import TYPE_CHECKING

from demo import MediaItem, Platform, Post, PostState, post_url
from tests.fixtureweb.platforms._common import at, finding, ok

if TYPE_CHECKING:
    from tests.fixtureweb import Expected

LIVE = Post(
    Platform.THREADS,
    "DFaB3xTtQ1k",
    "Claire Vasseur",
    "claire.vasseur",
    at("2025-01-22T10:00:00"),
    "La bibliothèque municipale ouvrira le dimanche à partir de mars.\nEnfin !",
    lang="fr",
    likes=233,
)
MEDIA = Post(
    Platform.THREADS,
    "DFaC8kLtZ2m",
    "Claire Vasseur",
    "claire.vasseur",
    at("2025-01-22T11:30:00"),
    "La nouvelle salle de lecture.",
    lang="fr",
    media=(MediaItem("/media/fixture-threads-salle.png", "Une salle de lecture lumineuse"),),
    likes=97,
)
REPLY = Post(
    Platform.THREADS,
    "DFaD1pQtR7x",
    "Théo Renard",
    "theo.renard",
    at("2025-01-22T10:20:00"),
    "Et les horaires du samedi, ils changent aussi ?",
    lang="fr",
    reply_to=LIVE.post_id,
    likes=5,
)
DELETED = Post(
    Platform.THREADS,
    "DFa00GoneX1",
    "Claire Vasseur",
    "claire.vasseur",
    at("2025-01-20T19:00:00"),
    "…",
    state=PostState.DELETED,
)
PRIVATE = Post(
    Platform.THREADS,
    "DFa00LockY2",
    "Cercle",
    "cercle.prive",
    at("2025-01-20T19:00:00"),
    "…",
    state=PostState.LOGIN_WALL,
)

POSTS = (LIVE, MEDIA, REPLY, DELETED, PRIVATE)

URLS = {
    "threads_live": post_url(LIVE),
    "threads_media_net": post_url(MEDIA).replace("www.threads.com", "www.threads.net"),
    "threads_reply": post_url(REPLY),
    "threads_deleted": post_url(DELETED),
    "threads_login_wall": post_url(PRIVATE),
}


def expected() -> dict[str, Expected]:
    return {
        "threads_live": ok(LIVE, "threads", handle="@claire.vasseur"),
        "threads_media_net": ok(
            MEDIA, "threads", handle="@claire.vasseur", final_url=post_url(MEDIA)
        ),
        "threads_reply": ok(REPLY, "threads", handle="@theo.renard", reply_to=post_url(LIVE)),
        "threads_deleted": finding("not_found", "threads", 404, "this page isn't available"),
        "threads_login_wall": finding(
            "login_wall",
            "threads",
            200,
            "Log in or sign up for Threads",
            final_url="https://www.threads.com/login?show_choice_screen=false&next="
            f"%2F%40cercle.prive%2Fpost%2F{PRIVATE.post_id}",
        ),
    }
