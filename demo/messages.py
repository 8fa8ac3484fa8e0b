"""Request and response values exchanged between the fake web's server and its handlers.

Kept apart from :mod:`demo.web` so that :mod:`demo.sites` can build handlers without importing the
server (which itself imports the sites).
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from html import escape
from typing import Any

HTML = "text/html; charset=utf-8"
JSON = "application/json; charset=utf-8"
TEXT = "text/plain; charset=utf-8"


@dataclass(frozen=True)
class Request:
    """One parsed HTTP request, as a handler sees it.

    ``host`` is lower-cased with the port stripped: it is the real platform name the browser asked
    for (``x.com``), not 127.0.0.1. ``params`` holds the named groups of the route that matched.
    """

    method: str
    scheme: str  # "http" or "https": which side of the shared port the request came in on
    host: str
    path: str  # percent-decoded, without the query string
    query: Mapping[str, str]  # first value of each parameter
    headers: Mapping[str, str]  # lower-cased names
    body: bytes = b""
    raw_query: str = ""
    params: Mapping[str, str] = field(default_factory=dict)
    stopping: threading.Event = field(default_factory=threading.Event, repr=False, compare=False)

    @property
    def origin(self) -> str:
        return f"{self.scheme}://{self.host}"

    def absolute(self, path: str) -> str:
        """``path`` on the host and scheme this request came in on."""
        return self.origin + path

    def header(self, name: str, default: str = "") -> str:
        return self.headers.get(name.lower(), default)

    def sleep(self, seconds: float) -> bool:
        """Wait like a slow server would; returns False early when the server is stopping, so a
        slow handler never holds up :meth:`demo.web.FakeWeb.stop`."""
        return not self.stopping.wait(seconds)

    def wait_for_stop(self) -> None:
        """Never answer: block until the server stops."""
        self.stopping.wait()


@dataclass(frozen=True)
class Response:
    """What a handler returns. ``body`` may be an iterable of chunks, which is streamed with
    chunked transfer encoding (for pages too big to build in memory)."""

    status: int = 200
    body: bytes | Iterable[bytes] = b""
    content_type: str = HTML
    headers: tuple[tuple[str, str], ...] = ()


Handler = Callable[[Request], Response]


def html(body: str, status: int = 200, headers: tuple[tuple[str, str], ...] = ()) -> Response:
    return Response(status, body.encode("utf-8"), HTML, headers)


def json_response(
    data: Any,
    status: int = 200,
    content_type: str = JSON,
    headers: tuple[tuple[str, str], ...] = (),
) -> Response:
    payload = json.dumps(data, ensure_ascii=False, indent=1).encode("utf-8")
    return Response(status, payload, content_type, headers)


def redirect(location: str, status: int = 302) -> Response:
    # A tiny body, as real servers send, so a browser showing it is not blank.
    shown = escape(location)
    body = f'<html><body>Redirecting to <a href="{shown}">{shown}</a></body></html>'
    return Response(status, body.encode("utf-8"), HTML, (("Location", location),))


def to_home_host(request: Request, home: str) -> Response | None:
    """Meta's sites: a media CDN host answers 404 to page paths, and every other host of the
    platform redirects (301) to ``home`` with the same path and query. None when on ``home``."""
    if request.host.startswith("scontent"):
        return html("<h1>Not Found</h1>", 404)
    if request.host != home:
        query = f"?{request.raw_query}" if request.raw_query else ""
        return redirect(f"https://{home}{request.path}{query}", 301)
    return None


def text(body: str, status: int = 200) -> Response:
    return Response(status, body.encode("utf-8"), TEXT)
