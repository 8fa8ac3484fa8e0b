"""The fake social web: X, Mastodon, Bluesky, a news site and a link shortener on one loopback
port, for ``postproof demo`` and for the test suite. Browsers reach it through Chromium's
``--host-resolver-rules``; nothing here ever talks to the real platforms."""

from demo.messages import Handler, Request, Response, html, json_response, redirect, text
from demo.sites import Article, MediaItem, Platform, Post, PostState, bluesky_did, post_url
from demo.story import Story, build_demo_web, demo_story
from demo.web import FakeWeb, LoggedRequest

__all__ = [
    "Article",
    "FakeWeb",
    "Handler",
    "LoggedRequest",
    "MediaItem",
    "Platform",
    "Post",
    "PostState",
    "Request",
    "Response",
    "Story",
    "bluesky_did",
    "build_demo_web",
    "demo_story",
    "html",
    "json_response",
    "post_url",
    "redirect",
    "text",
]
