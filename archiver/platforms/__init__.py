"""Platform adapters, in the order they are tried: the first suitable one wins."""

from __future__ import annotations

from archiver.platforms.base import Adapter, AdapterCase, PageSnapshot, PostRef
from archiver.platforms.bluesky import BlueskyAdapter
from archiver.platforms.generic import GenericAdapter
from archiver.platforms.mastodon import MastodonAdapter
from archiver.platforms.x import XAdapter

ADAPTERS: tuple[type[Adapter], ...] = (XAdapter, BlueskyAdapter, MastodonAdapter, GenericAdapter)


def adapter_for(url: str) -> Adapter:
    for adapter in ADAPTERS:
        if adapter.suitable(url):
            return adapter()
    raise AssertionError("the generic adapter accepts every URL")


__all__ = ["ADAPTERS", "Adapter", "AdapterCase", "PageSnapshot", "PostRef", "adapter_for"]
