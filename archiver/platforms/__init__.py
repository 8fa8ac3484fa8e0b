"""Platform adapters, in the order they are tried: the first suitable one wins."""

from __future__ import annotations

from archiver.platforms.base import Adapter, AdapterCase, PageSnapshot, PostRef
from archiver.platforms.bluesky import BlueskyAdapter
from archiver.platforms.facebook import FacebookAdapter
from archiver.platforms.generic import GenericAdapter
from archiver.platforms.instagram import InstagramAdapter
from archiver.platforms.linkedin import LinkedInAdapter
from archiver.platforms.mastodon import MastodonAdapter
from archiver.platforms.reddit import RedditAdapter
from archiver.platforms.telegram import TelegramAdapter
from archiver.platforms.threads import ThreadsAdapter
from archiver.platforms.tiktok import TikTokAdapter
from archiver.platforms.truthsocial import TruthSocialAdapter
from archiver.platforms.x import XAdapter
from archiver.platforms.youtube import YouTubeAdapter

ADAPTERS: tuple[type[Adapter], ...] = (
    XAdapter,
    BlueskyAdapter,
    RedditAdapter,
    TelegramAdapter,
    ThreadsAdapter,
    InstagramAdapter,
    YouTubeAdapter,
    TikTokAdapter,
    FacebookAdapter,
    LinkedInAdapter,
    TruthSocialAdapter,
    MastodonAdapter,
    GenericAdapter,
)


def adapter_for(url: str) -> Adapter:
    for adapter in ADAPTERS:
        if adapter.suitable(url):
            return adapter()
    raise AssertionError("the generic adapter accepts every URL")


__all__ = ["ADAPTERS", "Adapter", "AdapterCase", "PageSnapshot", "PostRef", "adapter_for"]
