"""YouTube fixtures: a video, a short, a highlighted comment, a removed video, a private video and
an age-restricted video reached through a youtu.be link."""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

from demo import MediaItem, Platform, Post, PostState, post_url
from tests.fixtureweb.platforms._common import at, finding, ok

if TYPE_CHECKING:
    from tests.fixtureweb import Expected

CHANNEL = ("Métropole TV", "metropoletv")

LIVE = Post(
    Platform.YOUTUBE,
    "Qm4rT7xYp2A",
    *CHANNEL,
    at("2025-01-24T16:00:00"),
    "Reportage sur l'ouverture du pont aux piétons et aux cyclistes.\nTournage : janvier 2025.",
    lang="fr",
    title="Le nouveau pont Schuman ouvre ce week-end",
    media=(MediaItem("/vi/Qm4rT7xYp2A/hqdefault.png", "Miniature du reportage"),),
    likes=310,
    replies=1,
)
SHORT = Post(
    Platform.YOUTUBE,
    "Zk8wN3vLq5E",
    *CHANNEL,
    at("2025-01-25T08:30:00"),
    "#shorts #lyon",
    lang="fr",
    title="Le pont Schuman vu du ciel",
    media=(MediaItem("/vi/Zk8wN3vLq5E/hqdefault.png", "Miniature du short"),),
    likes=1220,
)
COMMENT = Post(
    Platform.YOUTUBE,
    "UgxR5kq2Jm9Tn4bZ1aB4AaABAg",
    "Lucas Martin",
    "lucasmartin69",
    at("2025-01-24T18:00:00"),
    "Enfin une vraie piste cyclable entre les deux rives !",
    lang="fr",
    reply_to=LIVE.post_id,
    likes=48,
)


def _hidden(video: str, state: PostState = PostState.LIVE, age: bool = False) -> Post:
    when = at("2025-01-20T19:00:00")
    return Post(
        Platform.YOUTUBE,
        video,
        "Hidden",
        "hidden",
        when,
        "…",
        title="…",
        state=state,
        age_restricted=age,
    )


REMOVED = _hidden("Dl0000Gone1", PostState.DELETED)
PRIVATE = _hidden("Pv0000Lock2", PostState.LOGIN_WALL)
AGE_GATED = _hidden("Ag0000Gate3", age=True)

POSTS = (LIVE, SHORT, COMMENT, REMOVED, PRIVATE, AGE_GATED)

URLS = {
    "youtube_live": post_url(LIVE),
    "youtube_short": f"https://www.youtube.com/shorts/{SHORT.post_id}",
    "youtube_comment": post_url(COMMENT),
    "youtube_removed": post_url(REMOVED),
    "youtube_private": post_url(PRIVATE),
    "youtube_age_gate_short_link": f"https://youtu.be/{AGE_GATED.post_id}",
}


def _ok(video: Post) -> Expected:
    return ok(video, "youtube", handle=f"@{video.handle}", text=f"{video.title}\n\n{video.text}")


def expected() -> dict[str, Expected]:
    age_gate = f"https://www.youtube.com/watch?v={AGE_GATED.post_id}&feature=youtu.be"
    return {
        "youtube_live": _ok(LIVE),
        "youtube_short": _ok(SHORT),
        "youtube_comment": _comment(),
        "youtube_removed": finding("not_found", "youtube", 200, "This video has been removed"),
        "youtube_private": finding("login_wall", "youtube", 200, "Private video"),
        "youtube_age_gate_short_link": finding(
            "login_wall", "youtube", 200, "Sign in to confirm your age", final_url=age_gate
        ),
    }


def _comment() -> Expected:
    # YouTube shows a comment's author by handle only, and its time only as "1 day ago".
    want = ok(COMMENT, "youtube", handle="@lucasmartin69", anonymous=True, reply_to=post_url(LIVE))
    return replace(want, posted_at=None)
