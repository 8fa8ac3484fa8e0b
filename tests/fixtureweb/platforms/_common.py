"""Helpers the platform fixture modules share to say what a capture must find."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING

from demo import Post

if TYPE_CHECKING:
    from tests.fixtureweb import Expected


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def ok(
    post: Post,
    platform: str,
    *,
    handle: str | None,
    anonymous: bool = False,
    text: str | None = None,
    reply_to: str | None = None,
    final_url: str | None = None,
    http_status: int = 200,
    lang: str | None = None,
) -> Expected:
    """A readable post: its fields as the platform shows them (``text`` when it is not the post's
    own text, e.g. a Reddit title and body; ``anonymous`` when the page shows no display name, so
    the author is not checked)."""
    # tests.fixtureweb imports this package, so its Expected is looked up when first needed.
    from tests.fixtureweb import Expected

    return Expected(
        "ok",
        platform,
        http_status,
        author=None if anonymous else post.author,
        handle=handle,
        posted_at=post.posted_at,
        text=text if text is not None else post.text,
        media=len(post.media),
        reply_to=reply_to,
        final_url=final_url,
        lang=lang,
    )


def finding(
    status: str,
    platform: str,
    http_status: int | None,
    contains: str,
    final_url: str | None = None,
) -> Expected:
    """A page that is not a readable post: what it must say, and where it must end."""
    from tests.fixtureweb import Expected

    return Expected(status, platform, http_status, contains=contains, final_url=final_url)
