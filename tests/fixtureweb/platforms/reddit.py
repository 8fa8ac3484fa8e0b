"""Reddit fixtures: a text post, an image post, a comment, the same post on old.reddit.com and
through redd.it, a deleted post, a private community and an NSFW post behind the age gate."""

from __future__ import annotations

from typing import TYPE_CHECKING

from demo import MediaItem, Platform, Post, PostState, post_url
from tests.fixtureweb.platforms._common import at, finding, ok

if TYPE_CHECKING:
    from tests.fixtureweb import Expected

LIVE = Post(
    Platform.REDDIT,
    "1i5m2qx",
    "margot_lyon",
    "margot_lyon",
    at("2025-01-20T08:15:00"),
    "Premier trajet ce matin entre Debourg et Gerland : 12 minutes.\n\n"
    "Les rames sont pleines mais ça roule. Vous l'avez testé ?",
    lang="fr",
    title="Le tram T10 arrive enfin à Gerland",
    community="lyon",
    likes=412,
    replies=2,
)
MEDIA = Post(
    Platform.REDDIT,
    "1i5n7rb",
    "quai_de_saone",
    "quai_de_saone",
    at("2025-01-20T09:40:00"),
    "",
    lang="fr",
    title="La passerelle du Collège ce matin",
    community="lyon",
    media=(MediaItem("/media/fixture-reddit-passerelle.png", "La passerelle sous la brume"),),
    likes=1530,
)
REPLY = Post(
    Platform.REDDIT,
    "m8a1b2c",
    "gerland_velo",
    "gerland_velo",
    at("2025-01-20T08:52:00"),
    "Testé hier : plus rapide que la ligne B aux heures de pointe.",
    lang="fr",
    community="lyon",
    reply_to=LIVE.post_id,
    likes=57,
)
DELETED = Post(
    Platform.REDDIT,
    "1i5p0dd",
    "someone",
    "someone",
    at("2025-01-19T20:00:00"),
    "…",
    title="Supprimé",
    community="lyon",
    state=PostState.DELETED_200,
)
PRIVATE = Post(
    Platform.REDDIT,
    "1i5q4ww",
    "someone",
    "someone",
    at("2025-01-19T20:00:00"),
    "…",
    title="Réunion",
    community="lyonprive",
    state=PostState.LOGIN_WALL,
)
NSFW = Post(
    Platform.REDDIT,
    "1i5r9zz",
    "someone",
    "someone",
    at("2025-01-19T20:00:00"),
    "…",
    title="Soirée",
    community="lyonnsfw",
    age_restricted=True,
)

POSTS = (LIVE, MEDIA, REPLY, DELETED, PRIVATE, NSFW)

URLS = {
    "reddit_live": post_url(LIVE),
    "reddit_media": post_url(MEDIA),
    "reddit_reply": post_url(REPLY),
    "reddit_old": f"https://old.reddit.com/r/lyon/comments/{LIVE.post_id}/",
    "reddit_short": f"https://redd.it/{MEDIA.post_id}",
    "reddit_deleted": post_url(DELETED),
    "reddit_private": post_url(PRIVATE),
    "reddit_nsfw": post_url(NSFW),
}


def _ok(post: Post, **extra: str) -> Expected:
    text = "\n\n".join(part for part in (post.title, post.text) if part)
    return ok(post, "reddit", handle=f"u/{post.handle}", text=text, **extra)


def expected() -> dict[str, Expected]:
    return {
        "reddit_live": _ok(LIVE),
        "reddit_media": _ok(MEDIA),
        "reddit_reply": _ok(REPLY, reply_to=post_url(LIVE)),
        "reddit_old": _ok(LIVE),
        "reddit_short": _ok(MEDIA, final_url=post_url(MEDIA)),
        "reddit_deleted": finding("not_found", "reddit", 200, "Sorry, this post was deleted"),
        "reddit_private": finding("login_wall", "reddit", 403, "is a private community"),
        "reddit_nsfw": finding("login_wall", "reddit", 200, "You must be 18+"),
    }
