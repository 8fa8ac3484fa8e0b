"""Facebook fixtures: a page's post, a photo post by its ``permalink.php`` URL, a comment, a
deleted post, a post behind the login page, and a ``/share/p/`` link that redirects to a post."""

from __future__ import annotations

from typing import TYPE_CHECKING

from demo import MediaItem, Platform, Post, PostState, post_url
from demo.platforms.facebook import share_code
from tests.fixtureweb.platforms._common import at, finding, ok

if TYPE_CHECKING:
    from tests.fixtureweb import Expected

MAIRIE = ("Mairie du 8e arrondissement", "mairie.lyon8")

LIVE = Post(
    Platform.FACEBOOK,
    "pfbid02Xk7nR8QvT3mLw9ZpD4sYc6HjEa1BuFgN5KqV2oWxSyM7tPl",
    *MAIRIE,
    at("2025-01-26T09:00:00"),
    "Le marché de Noël revient place Ambroise-Courtois du 6 au 22 décembre.\n"
    "Programme complet sur notre site.",
    lang="fr",
    likes=156,
    replies=1,
)
PHOTO = Post(
    Platform.FACEBOOK,
    "122134567890123456",
    *MAIRIE,
    at("2025-01-26T14:30:00"),
    "Les nouvelles plantations du parc du Clos Layat.",
    lang="fr",
    media=(
        MediaItem("/v/t39.30808-6/fixture-facebook-parc.png", "Des arbres fraîchement plantés"),
    ),
    likes=88,
)
COMMENT = Post(
    Platform.FACEBOOK,
    "1098765432109876",
    "Nadia Belkhir",
    "nadia.belkhir",
    at("2025-01-26T10:12:00"),
    "Est-ce que le parking sera ouvert le dimanche ?",
    lang="fr",
    reply_to=LIVE.post_id,
    likes=3,
)
DELETED = Post(
    Platform.FACEBOOK,
    "pfbid0GoneGoneGoneGoneGoneGoneGone",
    *MAIRIE,
    at("2025-01-20T19:00:00"),
    "…",
    state=PostState.DELETED,
)
LOCKED = Post(
    Platform.FACEBOOK,
    "pfbid0LockLockLockLockLockLockLock",
    "Groupe",
    "groupe.prive",
    at("2025-01-20T19:00:00"),
    "…",
    state=PostState.LOGIN_WALL,
)

POSTS = (LIVE, PHOTO, COMMENT, DELETED, LOCKED)

URLS = {
    "facebook_live": post_url(LIVE),
    "facebook_photo_permalink": "https://www.facebook.com/permalink.php?story_fbid="
    f"{PHOTO.post_id}&id=100064512345678",
    "facebook_comment": f"{post_url(LIVE)}?comment_id={COMMENT.post_id}",
    "facebook_deleted": post_url(DELETED),
    "facebook_login_wall": post_url(LOCKED),
    "facebook_share_link": f"https://www.facebook.com/share/p/{share_code(LIVE)}/",
}


def expected() -> dict[str, Expected]:
    login = "https://www.facebook.com/login/?next=" + post_url(LOCKED).replace(":", "%3A").replace(
        "/", "%2F"
    )
    return {
        "facebook_live": ok(LIVE, "facebook", handle="mairie.lyon8"),
        "facebook_photo_permalink": ok(PHOTO, "facebook", handle="mairie.lyon8"),
        "facebook_comment": ok(
            COMMENT, "facebook", handle="nadia.belkhir", reply_to=post_url(LIVE)
        ),
        "facebook_deleted": finding(
            "not_found", "facebook", 200, "This content isn't available right now"
        ),
        "facebook_login_wall": finding(
            "login_wall", "facebook", 200, "You must log in to continue", final_url=login
        ),
        "facebook_share_link": ok(
            LIVE, "facebook", handle="mairie.lyon8", final_url=post_url(LIVE)
        ),
    }
