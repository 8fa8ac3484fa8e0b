"""Instagram fixtures: a photo post, a two-photo post by its ``/USER/p/CODE/`` URL, a comment, a
deleted post, a private account's post and a reel behind the age notice."""

from __future__ import annotations

from typing import TYPE_CHECKING

from demo import MediaItem, Platform, Post, PostState, post_url
from tests.fixtureweb.platforms._common import at, finding, ok

if TYPE_CHECKING:
    from tests.fixtureweb import Expected

LIVE = Post(
    Platform.INSTAGRAM,
    "DFbA1cQsT9u",
    "Atelier Soie",
    "atelier.soie",
    at("2025-01-23T17:45:00"),
    "Nouvelle collection de foulards, teints à la main à la Croix-Rousse.",
    lang="fr",
    media=(MediaItem("/media/fixture-instagram-foulards.png", "Des foulards colorés sur un fil"),),
    likes=845,
    replies=1,
)
MEDIA = Post(
    Platform.INSTAGRAM,
    "DFbB2dRsU0v",
    "Atelier Soie",
    "atelier.soie",
    at("2025-01-24T09:10:00"),
    "Dans l'atelier, avant / après.",
    lang="fr",
    media=(
        MediaItem("/media/fixture-instagram-avant.png", "Le métier à tisser, avant"),
        MediaItem("/media/fixture-instagram-apres.png", "Le métier à tisser, après"),
    ),
    likes=412,
)
REPLY = Post(
    Platform.INSTAGRAM,
    "18050000000000001",
    "Lucie",
    "lucie.brodeuse",
    at("2025-01-23T18:02:00"),
    "Magnifiques ! Vous utilisez des teintures végétales ?",
    lang="fr",
    reply_to=LIVE.post_id,
    likes=12,
)


def _hidden(code: str, handle: str, **extra: object) -> Post:
    return Post(Platform.INSTAGRAM, code, "Hidden", handle, at("2025-01-20T19:00:00"), "…", **extra)  # type: ignore[arg-type]


DELETED = _hidden("DFb00GoneZ9", "atelier.soie", state=PostState.DELETED)
PRIVATE = _hidden("DFb00LockW8", "compte.prive", state=PostState.LOGIN_WALL)
AGE_GATED = _hidden("DFb00AgeV7", "soiree.club", age_restricted=True)

POSTS = (LIVE, MEDIA, REPLY, DELETED, PRIVATE, AGE_GATED)

URLS = {
    "instagram_live": post_url(LIVE),
    "instagram_media_user_path": f"https://www.instagram.com/atelier.soie/p/{MEDIA.post_id}/",
    "instagram_reply": post_url(REPLY),
    "instagram_deleted": post_url(DELETED),
    "instagram_login_wall": post_url(PRIVATE),
    "instagram_age_gate": f"https://www.instagram.com/reel/{AGE_GATED.post_id}/",
}


def expected() -> dict[str, Expected]:
    login = f"https://www.instagram.com/accounts/login/?next=%2Fp%2F{PRIVATE.post_id}%2F"
    return {
        "instagram_live": ok(LIVE, "instagram", handle="@atelier.soie"),
        "instagram_media_user_path": ok(MEDIA, "instagram", handle="@atelier.soie"),
        # A comment shows its author's user name only: no display name to read.
        "instagram_reply": ok(
            REPLY, "instagram", handle="@lucie.brodeuse", anonymous=True, reply_to=post_url(LIVE)
        ),
        "instagram_deleted": finding("not_found", "instagram", 404, "this page isn't available"),
        "instagram_login_wall": finding(
            "login_wall", "instagram", 200, "Log in to see photos", final_url=login
        ),
        "instagram_age_gate": finding("login_wall", "instagram", 200, "18 years old or over"),
    }
