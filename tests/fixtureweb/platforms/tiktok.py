"""TikTok fixtures: a video, a photo post, a video replying to a comment, a deleted video and a
private account's video. Ids begin with their creation time, as TikTok's do."""

from __future__ import annotations

from typing import TYPE_CHECKING

from demo import MediaItem, Platform, Post, PostState, post_url
from tests.fixtureweb.platforms._common import at, finding, ok

if TYPE_CHECKING:
    from tests.fixtureweb import Expected

CHEF = ("Amandine en cuisine", "chef.amandine")

LIVE = Post(
    Platform.TIKTOK,
    "7463821654780728967",
    *CHEF,
    at("2025-01-25T12:00:00"),
    "Les vraies quenelles lyonnaises, sans raccourci #cuisine #lyon",
    lang="fr",
    media=(MediaItem("/obj/tos-maliva-p-0068/fixture-tiktok-quenelles.png", "Quenelles"),),
    likes=9800,
    replies=1,
)
PHOTOS = Post(
    Platform.TIKTOK,
    "7463875771368658567",
    *CHEF,
    at("2025-01-25T15:30:00"),
    "Le marché de la Croix-Rousse ce matin",
    lang="fr",
    media=(
        MediaItem("/obj/tos-maliva-p-0068/fixture-tiktok-marche-1.png", "Étal de légumes"),
        MediaItem("/obj/tos-maliva-p-0068/fixture-tiktok-marche-2.png", "Étal de fromages"),
    ),
    likes=2100,
)
REPLY = Post(
    Platform.TIKTOK,
    "7463926022486021767",
    *CHEF,
    at("2025-01-25T18:45:00"),
    "Vous m'avez demandé la sauce Nantua : la voici",
    lang="fr",
    media=(MediaItem("/obj/tos-maliva-p-0068/fixture-tiktok-nantua.png", "Sauce Nantua"),),
    reply_to=LIVE.post_id,
    likes=4300,
)
DELETED = Post(
    Platform.TIKTOK,
    "7460000000000000001",
    *CHEF,
    at("2025-01-20T19:00:00"),
    "…",
    state=PostState.DELETED,
)
PRIVATE = Post(
    Platform.TIKTOK,
    "7460000000000000002",
    "Privé",
    "compte.prive",
    at("2025-01-20T19:00:00"),
    "…",
    state=PostState.LOGIN_WALL,
)

POSTS = (LIVE, PHOTOS, REPLY, DELETED, PRIVATE)

URLS = {
    "tiktok_live": post_url(LIVE),
    "tiktok_photos": f"https://www.tiktok.com/@chef.amandine/photo/{PHOTOS.post_id}",
    "tiktok_reply": post_url(REPLY),
    "tiktok_deleted": post_url(DELETED),
    "tiktok_login_wall": post_url(PRIVATE),
}


def expected() -> dict[str, Expected]:
    return {
        "tiktok_live": ok(LIVE, "tiktok", handle="@chef.amandine"),
        "tiktok_photos": ok(PHOTOS, "tiktok", handle="@chef.amandine"),
        "tiktok_reply": ok(REPLY, "tiktok", handle="@chef.amandine", reply_to=post_url(LIVE)),
        "tiktok_deleted": finding("not_found", "tiktok", 200, "Video currently unavailable"),
        "tiktok_login_wall": finding("login_wall", "tiktok", 200, "This account is private"),
    }
