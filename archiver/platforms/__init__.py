"""Platform adapters, in the order they are tried: the first suitable one wins.

``REGISTERED`` is the registry: one ``"module:Class"`` line per adapter, its module named as its
platform, the generic adapter last. ``PLATFORMS`` (the platforms' names, in that order) costs
nothing; everything else is exported on first use (PEP 562) and loads every adapter then, so that
a command's ``--help`` can name the platforms without loading them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from archiver._lazy import lazy_exports

if TYPE_CHECKING:
    from archiver.platforms._registry import (
        ADAPTERS,
        PLATFORM_NAMES,
        adapter_for,
        canonical_url,
        platform_name,
        platform_of,
    )
    from archiver.platforms.base import Adapter, AdapterCase, PageSnapshot, PostRef, UrlCase

REGISTERED: tuple[str, ...] = (
    "x:XAdapter",
    "bluesky:BlueskyAdapter",
    "reddit:RedditAdapter",
    "telegram:TelegramAdapter",
    "threads:ThreadsAdapter",
    "instagram:InstagramAdapter",
    "youtube:YouTubeAdapter",
    "tiktok:TikTokAdapter",
    "facebook:FacebookAdapter",
    "linkedin:LinkedInAdapter",
    "truthsocial:TruthSocialAdapter",
    # Any host may be a Mastodon instance: tried after every platform with hosts of its own.
    "mastodon:MastodonAdapter",
    "generic:GenericAdapter",
)
PLATFORMS: tuple[str, ...] = tuple(entry.partition(":")[0] for entry in REGISTERED)

_EXPORTS = {
    "ADAPTERS": "archiver.platforms._registry",
    "PLATFORM_NAMES": "archiver.platforms._registry",
    "adapter_for": "archiver.platforms._registry",
    "canonical_url": "archiver.platforms._registry",
    "platform_name": "archiver.platforms._registry",
    "platform_of": "archiver.platforms._registry",
    "Adapter": "archiver.platforms.base",
    "AdapterCase": "archiver.platforms.base",
    "PageSnapshot": "archiver.platforms.base",
    "PostRef": "archiver.platforms.base",
    "UrlCase": "archiver.platforms.base",
}

__all__ = [
    "ADAPTERS",
    "PLATFORMS",
    "PLATFORM_NAMES",
    "REGISTERED",
    "Adapter",
    "AdapterCase",
    "PageSnapshot",
    "PostRef",
    "UrlCase",
    "adapter_for",
    "canonical_url",
    "platform_name",
    "platform_of",
]

__getattr__ = lazy_exports(__name__, _EXPORTS)


def __dir__() -> list[str]:
    return sorted(__all__)
