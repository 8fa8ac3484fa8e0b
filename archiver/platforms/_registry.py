"""The registered adapters, loaded, and what is read from them: which adapter takes a URL, which
platform a link points to, and the platforms' names as a reader knows them."""

from __future__ import annotations

import importlib

from archiver.errors import UsageError
from archiver.platforms import REGISTERED
from archiver.platforms.base import Adapter
from archiver.urls import parse_url


def _load(entry: str) -> type[Adapter]:
    module, _, name = entry.partition(":")
    adapter = getattr(importlib.import_module(f"archiver.platforms.{module}"), name)
    if not (isinstance(adapter, type) and issubclass(adapter, Adapter)) or module != adapter.NAME:
        raise TypeError(f"{entry} does not name the adapter of the platform {module!r}")
    return adapter


ADAPTERS: tuple[type[Adapter], ...] = tuple(_load(entry) for entry in REGISTERED)

# Display names by platform name (and by the older names some records give a platform).
PLATFORM_NAMES: dict[str, str] = {
    name: adapter.LABEL for adapter in ADAPTERS for name in (adapter.NAME, *adapter.ALIASES)
}


def adapter_for(url: str) -> Adapter:
    for adapter in ADAPTERS:
        if adapter.suitable(url):
            return adapter()
    raise AssertionError("the generic adapter accepts every URL")


def canonical_url(url: str) -> str:
    """The canonical URL of the post at ``url``: the one its captures record, whatever form of
    the link was given."""
    return adapter_for(url).post_ref(url).canonical_url


def platform_of(url: str) -> str | None:
    """The platform whose post ``url`` is (``x``, ``mastodon``, ``youtube``, …); None when only
    the generic adapter would take it. A link is also read as a browser would take it (a host in
    capitals, no scheme); one that is no web address at all is no post."""
    name = adapter_for(url).NAME
    if name == "generic":
        normalised = _normalised(url)
        if normalised is not None and normalised != url:
            name = adapter_for(normalised).NAME
    return None if name == "generic" else name


def _normalised(url: str) -> str | None:
    try:
        return parse_url(url)
    except UsageError:
        return None


def platform_name(platform: str) -> str:
    """The platform's name as a reader knows it: ``X``, ``Truth Social``; an unknown platform's
    own name, capitalised."""
    return PLATFORM_NAMES.get(platform.lower(), platform[:1].upper() + platform[1:])
