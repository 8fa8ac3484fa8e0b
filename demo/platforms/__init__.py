"""The fake platforms, one module each, and the ordered list the fake web serves."""

from __future__ import annotations

from demo.platforms.bluesky import BLUESKY_HOSTS, BlueskySite
from demo.platforms.mastodon import MastodonSite
from demo.platforms.news import SHORTENER_HOSTS, NewsSite, ShortenerSite
from demo.platforms.x import OEMBED_HOSTS, X_HOSTS, XOEmbedSite, XSite
from demo.sites import Content, Site

__all__ = ["BLUESKY_HOSTS", "OEMBED_HOSTS", "SHORTENER_HOSTS", "X_HOSTS", "build_sites"]


def build_sites(
    content: Content, mastodon_hosts: tuple[str, ...], news_hosts: tuple[str, ...]
) -> tuple[Site, ...]:
    return (
        XSite(content),
        XOEmbedSite(content),
        MastodonSite(content, mastodon_hosts),
        BlueskySite(content),
        NewsSite(content, news_hosts),
        ShortenerSite(content),
    )
