"""What a capture run may spend and how its browser presents itself: time, bytes, sizes, the
safety rules' exceptions, the viewport and locale, the cookies of a logged-in session."""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from archiver._auth import Cookie
from archiver.models import utcnow
from archiver.netpolicy import HostTarget


def default_concurrency() -> int:
    # Each page costs a renderer process (~150 MB, one core while rendering).
    return max(1, min(4, os.cpu_count() or 1))


@dataclass(frozen=True)
class CaptureOptions:
    timeout: float = 60.0
    concurrency: int = field(default_factory=default_concurrency)
    allow_private: bool = False
    allow_private_hosts: frozenset[str] = frozenset()
    insecure: bool = False
    host_map: Mapping[str, HostTarget] = field(default_factory=dict)
    viewport: tuple[int, int] = (1280, 900)
    device_scale_factor: float = 1.0
    locale: str = "en-US"
    timezone: str = "UTC"
    max_screenshot_height: int = 16_000
    max_bytes: int = 64_000_000
    max_html_chars: int = 16_000_000
    max_text_chars: int = 2_000_000
    max_media_bytes: int = 25_000_000
    # Bytes the page's responses decompress to, all together: a small gzip can hold gigabytes.
    max_decoded_bytes: int = 256_000_000
    # One response body held in memory for the WARC; a larger one is recorded truncated.
    max_response_bytes: int = 32_000_000
    # The post's videos, all together; counted apart from the page's own ``max_bytes``.
    max_video_bytes: int = 200_000_000
    ready_timeout: float = 15.0
    settle_timeout: float = 2.0
    scroll_steps: int = 8  # lazy loading: at most this many viewport-high scrolls per page...
    scroll_seconds: float = 4.0  # ...within this time
    # Cookies imported with `postproof auth import`, by domain; each capture gets only those of
    # the domain it captures.
    cookies: Mapping[str, tuple[Cookie, ...]] = field(default_factory=dict)
    clock: Callable[[], datetime] = utcnow

    def provenance_json(self) -> dict[str, Any]:
        return {
            "timeout_seconds": self.timeout,
            "allow_private": self.allow_private,
            "allow_private_hosts": sorted(self.allow_private_hosts),
            "insecure": self.insecure,
            "host_map": {host: str(target) for host, target in sorted(self.host_map.items())},
            "max_screenshot_height": self.max_screenshot_height,
            "max_bytes": self.max_bytes,
            "max_decoded_bytes": self.max_decoded_bytes,
        }
