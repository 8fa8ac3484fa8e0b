"""The fake platforms, one module each, and the ordered list the fake web serves."""

from __future__ import annotations

from demo.platforms.bluesky import BLUESKY_HOSTS, BlueskySite
from demo.platforms.facebook import FacebookSite
from demo.platforms.instagram import InstagramSite
from demo.platforms.linkedin import LinkedInSite
from demo.platforms.mastodon import MastodonSite
from demo.platforms.news import SHORTENER_HOSTS, NewsSite, ShortenerSite
from demo.platforms.reddit import RedditSite
from demo.platforms.telegram import TelegramSite
from demo.platforms.threads import ThreadsSite
from demo.platforms.tiktok import TikTokSite
from demo.platforms.truthsocial import TruthSocialSite
from demo.platforms.x import OEMBED_HOSTS, X_HOSTS, XOEmbedSite, XSite
from demo.platforms.youtube import YouTubeSite
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
        RedditSite(content),
        TelegramSite(content),
        ThreadsSite(content),
        InstagramSite(content),
        YouTubeSite(content),
        TikTokSite(content),
        FacebookSite(content),
        LinkedInSite(content),
        TruthSocialSite(content),
    )
