"""The fake web's posts of the platforms beyond X, Mastodon and Bluesky, one module each.

Each module holds its platform's ``POSTS``, the ``URLS`` the suite captures (named like
``FIXTURE_URLS`` and listed in its adapter's ``FIXTURES``; they hold the URLs its adapter's
``TESTS`` declare) and ``expected()``, what a capture must find there. :mod:`tests.fixtureweb`
merges them into its own tables.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from demo import FakeWeb, Post
from demo.images import placeholder_photo
from tests.fixtureweb.platforms import (
    facebook,
    instagram,
    linkedin,
    reddit,
    telegram,
    threads,
    tiktok,
    truthsocial,
    youtube,
)

if TYPE_CHECKING:
    from tests.fixtureweb import Expected

MODULES = (
    reddit,
    telegram,
    threads,
    instagram,
    youtube,
    tiktok,
    facebook,
    linkedin,
    truthsocial,
)

PLATFORM_POSTS: tuple[Post, ...] = tuple(post for module in MODULES for post in module.POSTS)
PLATFORM_URLS: dict[str, str] = {
    name: url for module in MODULES for name, url in module.URLS.items()
}


def platform_expected() -> dict[str, Expected]:
    return {name: want for module in MODULES for name, want in module.expected().items()}


def add_platform_fixtures(web: FakeWeb) -> None:
    """Put every platform fixture post, and its images, on ``web``."""
    for post in PLATFORM_POSTS:
        web.add_post(post)
        for item in post.media:
            web.add_image(item.path, placeholder_photo(post.author, item.alt))
