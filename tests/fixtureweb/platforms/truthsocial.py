"""Truth Social fixtures: a post, a post with an image by its Mastodon-style ``/@USER/ID`` URL, a
reply, a deleted post and a post that needs a signed-in reader."""

from __future__ import annotations

from typing import TYPE_CHECKING

from demo import MediaItem, Platform, Post, PostState, post_url
from tests.fixtureweb.platforms._common import at, finding, ok

if TYPE_CHECKING:
    from tests.fixtureweb import Expected

JEAN = ("Jean Valmont", "JeanValmont")

LIVE = Post(
    Platform.TRUTH_SOCIAL,
    "113906339020800321",
    *JEAN,
    at("2025-01-28T14:00:00"),
    "Grande réunion publique jeudi soir à la salle des fêtes.\n\nVenez nombreux !",
    lang="fr",
    likes=4100,
    replies=1,
)
MEDIA = Post(
    Platform.TRUTH_SOCIAL,
    "113906653593600321",
    *JEAN,
    at("2025-01-28T15:20:00"),
    "La salle est prête.",
    lang="fr",
    media=(MediaItem("/media_attachments/fixture-truth-salle.png", "Une salle des fêtes vide"),),
    likes=2200,
)
REPLY = Post(
    Platform.TRUTH_SOCIAL,
    "113906456985600321",
    "Marie Lenoir",
    "MarieLenoir",
    at("2025-01-28T14:30:00"),
    "J'y serai, avec des questions sur le budget.",
    lang="fr",
    reply_to=LIVE.post_id,
    likes=35,
)
DELETED = Post(
    Platform.TRUTH_SOCIAL,
    "113900000000000001",
    *JEAN,
    at("2025-01-20T19:00:00"),
    "…",
    state=PostState.DELETED,
)
SIGNED_IN_ONLY = Post(
    Platform.TRUTH_SOCIAL,
    "113900000000000002",
    *JEAN,
    at("2025-01-20T19:00:00"),
    "…",
    state=PostState.LOGIN_WALL,
)

POSTS = (LIVE, MEDIA, REPLY, DELETED, SIGNED_IN_ONLY)

URLS = {
    "truthsocial_live": post_url(LIVE),
    "truthsocial_media_old_form": f"https://truthsocial.com/@JeanValmont/{MEDIA.post_id}",
    "truthsocial_reply": post_url(REPLY),
    "truthsocial_deleted": post_url(DELETED),
    "truthsocial_login_wall": post_url(SIGNED_IN_ONLY),
}


def expected() -> dict[str, Expected]:
    return {
        "truthsocial_live": ok(LIVE, "truthsocial", handle="@JeanValmont", lang="fr"),
        "truthsocial_media_old_form": ok(
            MEDIA, "truthsocial", handle="@JeanValmont", final_url=post_url(MEDIA)
        ),
        "truthsocial_reply": ok(
            REPLY, "truthsocial", handle="@MarieLenoir", reply_to=post_url(LIVE)
        ),
        "truthsocial_deleted": finding("not_found", "truthsocial", 200, "Truth not found"),
        "truthsocial_login_wall": finding(
            "login_wall", "truthsocial", 200, "Sign in to Truth Social"
        ),
    }
