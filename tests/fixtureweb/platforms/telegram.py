"""Telegram fixtures: a channel post on its own page, a photo in the channel's public history, a
reply, a deleted post (on its page and in the history) and a channel that keeps posts in the app."""

from __future__ import annotations

from typing import TYPE_CHECKING

from demo import MediaItem, Platform, Post, PostState, post_url
from tests.fixtureweb.platforms._common import at, finding, ok

if TYPE_CHECKING:
    from tests.fixtureweb import Expected

CHANNEL = "lyoninfo_direct"
TITLE = "Lyon Info Direct"

LIVE = Post(
    Platform.TELEGRAM,
    "2841",
    TITLE,
    CHANNEL,
    at("2025-01-21T07:30:00"),
    "Coupure d'eau ce matin dans le 7e arrondissement.\nRetour prévu vers 14 h selon la Métropole.",
    lang="fr",
    likes=18400,
)
MEDIA = Post(
    Platform.TELEGRAM,
    "2842",
    TITLE,
    CHANNEL,
    at("2025-01-21T08:05:00"),
    "Les équipes sont sur place, avenue Jean-Jaurès.",
    lang="fr",
    media=(MediaItem("/media/fixture-telegram-chantier.png", "Chantier avenue Jean-Jaurès"),),
    likes=16020,
)
REPLY = Post(
    Platform.TELEGRAM,
    "2843",
    TITLE,
    CHANNEL,
    at("2025-01-21T13:40:00"),
    "Mise à jour : l'eau est revenue dans tout l'arrondissement.",
    lang="fr",
    reply_to=LIVE.post_id,
    likes=15100,
)
DELETED = Post(
    Platform.TELEGRAM,
    "2839",
    TITLE,
    CHANNEL,
    at("2025-01-20T19:00:00"),
    "…",
    state=PostState.DELETED,
)
IN_APP_ONLY = Post(
    Platform.TELEGRAM,
    "118",
    "Coulisses",
    "coulisses_prive",
    at("2025-01-20T19:00:00"),
    "…",
    state=PostState.LOGIN_WALL,
)

POSTS = (LIVE, MEDIA, REPLY, DELETED, IN_APP_ONLY)

URLS = {
    "telegram_live": post_url(LIVE),
    "telegram_media_history": f"https://t.me/s/{CHANNEL}/{MEDIA.post_id}",
    "telegram_reply": post_url(REPLY),
    "telegram_deleted": post_url(DELETED),
    "telegram_deleted_history": f"https://t.me/s/{CHANNEL}/{DELETED.post_id}",
    "telegram_login_wall": post_url(IN_APP_ONLY),
}


def expected() -> dict[str, Expected]:
    return {
        "telegram_live": ok(LIVE, "telegram", handle=f"@{CHANNEL}"),
        "telegram_media_history": ok(MEDIA, "telegram", handle=f"@{CHANNEL}"),
        "telegram_reply": ok(REPLY, "telegram", handle=f"@{CHANNEL}", reply_to=post_url(LIVE)),
        # The widget's words are inside its iframe, out of the page's own text.
        "telegram_deleted": finding("not_found", "telegram", 200, "View in Telegram"),
        "telegram_deleted_history": finding("not_found", "telegram", 200, TITLE),
        "telegram_login_wall": finding("login_wall", "telegram", 200, "View in Telegram"),
    }
