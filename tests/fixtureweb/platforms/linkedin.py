"""LinkedIn fixtures: a post by its ``/posts/`` URL, a post with an image by its
``/feed/update/`` URL, a comment, a deleted post and a post behind the authwall. Ids are snowflakes
that carry their creation time, as LinkedIn's do."""

from __future__ import annotations

from typing import TYPE_CHECKING

from demo import MediaItem, Platform, Post, PostState, post_url
from demo.platforms.linkedin import feed_url
from tests.fixtureweb.platforms._common import at, finding, ok

if TYPE_CHECKING:
    from tests.fixtureweb import Expected

CLAIRE = ("Claire Dubois", "claire-dubois")

LIVE = Post(
    Platform.LINKEDIN,
    "7289552712499204173",
    *CLAIRE,
    at("2025-01-27T08:00:00"),
    "Fière d'annoncer le lancement de notre programme de mentorat pour les jeunes diplômés !\n\n"
    "Candidatures ouvertes jusqu'au 15 février.",
    lang="fr",
    likes=264,
    replies=1,
)
MEDIA = Post(
    Platform.LINKEDIN,
    "7289616885350404173",
    *CLAIRE,
    at("2025-01-27T12:15:00"),
    "Première promotion réunie ce midi.",
    lang="fr",
    media=(MediaItem("/dms/image/v2/fixture-linkedin-promo.png", "La promotion réunie"),),
    likes=512,
)
COMMENT = Post(
    Platform.LINKEDIN,
    "7289569070284804173",
    "Karim Haddad",
    "karim-haddad",
    at("2025-01-27T09:05:00"),
    "Belle initiative, je partage avec mon réseau.",
    lang="fr",
    reply_to=LIVE.post_id,
    likes=7,
)
DELETED = Post(
    Platform.LINKEDIN,
    "7289000000000000001",
    *CLAIRE,
    at("2025-01-20T19:00:00"),
    "…",
    state=PostState.DELETED,
)
GUARDED = Post(
    Platform.LINKEDIN,
    "7289000000000000002",
    *CLAIRE,
    at("2025-01-20T19:00:00"),
    "…",
    state=PostState.LOGIN_WALL,
)

POSTS = (LIVE, MEDIA, COMMENT, DELETED, GUARDED)

URLS = {
    "linkedin_live": post_url(LIVE),
    "linkedin_media_feed": feed_url(MEDIA),
    "linkedin_comment": post_url(COMMENT),
    "linkedin_deleted": feed_url(DELETED),
    "linkedin_login_wall": feed_url(GUARDED),
}


def expected() -> dict[str, Expected]:
    wall = (
        "https://www.linkedin.com/authwall?trk=public_post&sessionRedirect="
        "https%3A%2F%2Fwww.linkedin.com%2Ffeed%2Fupdate%2Furn%3Ali%3Aactivity%3A"
        f"{GUARDED.post_id}%2F"
    )
    return {
        "linkedin_live": ok(LIVE, "linkedin", handle="claire-dubois"),
        "linkedin_media_feed": ok(MEDIA, "linkedin", handle="claire-dubois"),
        "linkedin_comment": ok(COMMENT, "linkedin", handle="karim-haddad", reply_to=feed_url(LIVE)),
        "linkedin_deleted": finding("not_found", "linkedin", 404, "Page not found"),
        "linkedin_login_wall": finding(
            "login_wall", "linkedin", 200, "Sign in to view more content", final_url=wall
        ),
    }
