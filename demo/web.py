"""The fake social web's server: one loopback port that speaks both plain HTTP and TLS.

Chromium reaches it through ``--host-resolver-rules`` (see :meth:`FakeWeb.host_resolver_rules`),
so requests arrive with the real platform's ``Host`` and over ``https://`` as often as not (every
``.app`` host is HSTS-preloaded). Each accepted connection is peeked at: a first byte of 0x16 is a
TLS ClientHello and the socket is wrapped with a certificate that names every served host, issued
by a throw-away ``trustme`` CA made at :meth:`FakeWeb.start`.

Handlers may be slow or never answer; :meth:`FakeWeb.stop` still returns promptly because it wakes
sleeping handlers (:meth:`demo.messages.Request.sleep`) and shuts down every open connection.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import logging
import os
import re
import socket
import socketserver
import ssl
import tempfile
import threading
import time
import traceback
from collections.abc import Iterable
from dataclasses import dataclass, replace
from html import escape
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit

import trustme
from cryptography import x509
from cryptography.hazmat.primitives import serialization

from demo.messages import Handler, Request, Response, html
from demo.platforms import build_sites
from demo.sites import (
    DEFAULT_MASTODON_HOSTS,
    DEFAULT_NEWS_HOSTS,
    Article,
    Content,
    Image,
    Post,
    Route,
    route,
)

log = logging.getLogger(__name__)

_IDLE_TIMEOUT = 30.0  # seconds a kept-alive connection may sit idle before we drop it
_STOP_GRACE = 2.0  # seconds stop() waits for handler threads to notice and unwind


@dataclass(frozen=True)
class LoggedRequest:
    """One request the fake web answered, for tests that check what a client fetched."""

    method: str
    scheme: str
    host: str
    path: str
    status: int


class FakeWeb:
    """Fake X, Mastodon, Bluesky, a news site and a link shortener on one loopback port.

    Build it, fill it (:meth:`add_post`, :meth:`add_article`, :meth:`add_image`,
    :meth:`add_short_link`, :meth:`add_route`), then ``with web:`` or :meth:`start`. The content is
    read on every request, so tests may change it between two requests.
    """

    def __init__(
        self,
        *,
        mastodon_hosts: tuple[str, ...] = DEFAULT_MASTODON_HOSTS,
        news_hosts: tuple[str, ...] = DEFAULT_NEWS_HOSTS,
    ) -> None:
        self.content = Content()
        self.requests: list[LoggedRequest] = []
        self.errors: list[BaseException] = []  # handler crashes: a test should find none
        self._site_routes: dict[str, tuple[Route, ...]] = {}
        for site in build_sites(self.content, mastodon_hosts, news_hosts):
            for host in site.hosts:
                if host in self._site_routes:
                    raise ValueError(f"two fake sites claim the host {host}")
                self._site_routes[host] = site.routes()
        self._extra_routes: dict[str, list[Route]] = {}
        self._stopping = threading.Event()
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None
        self._ca: trustme.CA | None = None
        self._ssl_context: ssl.SSLContext | None = None
        self._cert_hosts: frozenset[str] = frozenset()

    # -- content ---------------------------------------------------------------------------

    @property
    def posts(self) -> dict[str, Post]:
        return self.content.posts

    @property
    def articles(self) -> dict[tuple[str, str], Article]:
        return self.content.articles

    @property
    def short_links(self) -> dict[str, str]:
        return self.content.short_links

    def add_post(self, post: Post) -> Post:
        existing = self.content.posts.get(post.post_id)
        if existing is not None and existing.platform is not post.platform:
            raise ValueError(f"post id {post.post_id} is already used on {existing.platform}")
        self.content.posts[post.post_id] = post
        return post

    def add_article(self, article: Article) -> Article:
        self.content.articles[(article.host, article.path)] = article
        return article

    def add_image(self, path: str, data: bytes, content_type: str = "image/png") -> None:
        """Serve ``data`` at ``path`` on every host, so post media are same-origin."""
        self.content.images[path] = Image(data, content_type)

    def add_short_link(self, code: str, target: str) -> str:
        """Make ``https://sho.rt/{code}`` redirect (via ``lnk.example``) to ``target``."""
        self.content.short_links[code] = target
        return f"https://sho.rt/{code}"

    def add_route(self, host: str, path_regex: str, handler: Handler) -> None:
        """Serve ``handler`` for paths fully matching ``path_regex`` on ``host``; tried before the
        host's own pages. A new host is added to the certificate (re-issued if already running)."""
        self._extra_routes.setdefault(host.lower(), []).append(route(path_regex, handler))
        if self._ssl_context is not None and host.lower() not in self._cert_hosts:
            self._load_certificate()

    @property
    def stopping(self) -> threading.Event:
        """Set while (and after) the server stops; handlers wait on it instead of sleeping."""
        return self._stopping

    # -- addresses -------------------------------------------------------------------------

    @property
    def hosts(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys([*self._site_routes, *self._extra_routes]))

    @property
    def port(self) -> int:
        if self._server is None:
            raise RuntimeError("the fake web is not started")
        return int(self._server.server_address[1])

    def host_map(self) -> list[str]:
        """``["x.com=127.0.0.1:PORT", ...]`` for every served host."""
        return [f"{host}=127.0.0.1:{self.port}" for host in self.hosts]

    def host_resolver_rules(self) -> str:
        """The value of Chromium's ``--host-resolver-rules`` that sends every served host here."""
        return ", ".join(f"MAP {host} 127.0.0.1:{self.port}" for host in self.hosts)

    def url(self, host: str, path: str, scheme: str = "https") -> str:
        return f"{scheme}://{host}{path}"

    # -- TLS -------------------------------------------------------------------------------

    @property
    def ca_pem(self) -> str:
        """The PEM of the CA that signed the server certificate (valid while started)."""
        return self._require_ca().cert_pem.bytes().decode("ascii")

    @property
    def spki_sha256(self) -> str:
        """Base64 SHA-256 of the CA's public key, for Chromium's
        ``--ignore-certificate-errors-spki-list``. The CA is sent in the server's chain, so this
        stays valid when the leaf is re-issued for a host added after start."""
        cert = x509.load_pem_x509_certificate(self._require_ca().cert_pem.bytes())
        spki = cert.public_key().public_bytes(
            serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
        )
        return base64.b64encode(hashlib.sha256(spki).digest()).decode("ascii")

    def client_ssl_context(self) -> ssl.SSLContext:
        """A client context that trusts only this fake web's CA."""
        return ssl.create_default_context(cadata=self.ca_pem)

    def _require_ca(self) -> trustme.CA:
        if self._ca is None:
            raise RuntimeError("the fake web is not started: its CA is made at start()")
        return self._ca

    def _load_certificate(self) -> None:
        ca, context = self._require_ca(), self._ssl_context
        assert context is not None
        hosts = self.hosts
        wildcards = {"*." + h.removeprefix("www.") for h in hosts if h.count(".") >= 1}
        leaf = ca.issue_cert(*hosts, *sorted(wildcards), "localhost", "127.0.0.1")
        # ssl only loads chains from files: a private temp dir, gone as soon as it is read.
        with tempfile.TemporaryDirectory(prefix="postproof-fakeweb-") as tmp:
            path = os.path.join(tmp, "chain.pem")
            with open(path, "wb") as out:
                out.write(leaf.private_key_and_cert_chain_pem.bytes())
                out.write(ca.cert_pem.bytes())
            context.load_cert_chain(path)
        self._cert_hosts = frozenset(hosts)

    # -- lifecycle -------------------------------------------------------------------------

    def start(self) -> None:
        if self._server is not None:
            raise RuntimeError("the fake web is already started")
        self._ca = trustme.CA(organization_name="postproof fake web")
        self._ssl_context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        self._ssl_context.set_alpn_protocols(["http/1.1"])
        self._load_certificate()
        self._stopping.clear()
        self._server = _Server(self, self._ssl_context)
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.05},
            name=f"fakeweb:{self.port}",
            daemon=True,
        )
        self._thread.start()
        log.info("fake web listening on 127.0.0.1:%d for %d hosts", self.port, len(self.hosts))

    def stop(self) -> None:
        server, thread = self._server, self._thread
        if server is None or thread is None:
            return
        self._stopping.set()
        server.shutdown()
        server.server_close()
        server.drop_connections()
        server.wait_idle(_STOP_GRACE)
        thread.join(_STOP_GRACE)
        self._server = self._thread = None
        log.info("fake web stopped")

    def __enter__(self) -> FakeWeb:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    # -- dispatch --------------------------------------------------------------------------

    def dispatch(self, request: Request) -> Response:
        """Answer one request: extra routes first, then images, then the host's site."""
        host = request.host
        if host not in self._extra_routes and host not in self._site_routes:
            return html(f"<h1>502 no such fake host</h1><p>{escape(host)}</p>", 502)
        image = self.content.images.get(request.path)
        for candidate in self._extra_routes.get(host, ()):
            if found := candidate.pattern.fullmatch(request.path):
                return self._call(candidate.handler, request, _groups(found))
        if image is not None:
            return Response(200, image.data, image.content_type, _IMMUTABLE)
        for candidate in self._site_routes.get(host, ()):
            if found := candidate.pattern.fullmatch(request.path):
                return self._call(candidate.handler, request, _groups(found))
        return html("<h1>Not Found</h1>", 404)

    def _call(self, handler: Handler, request: Request, params: dict[str, str]) -> Response:
        try:
            return handler(replace(request, params=params))
        except Exception as exc:
            # A broken fixture must show as a failing page, not as a dead connection.
            log.exception("fake web handler failed for %s%s", request.host, request.path)
            self.errors.append(exc)
            return html(f"<h1>500 fake web handler failed</h1><pre>{escape(repr(exc))}</pre>", 500)


_IMMUTABLE = (("Cache-Control", "public, max-age=31536000, immutable"),)


def _groups(found: re.Match[str]) -> dict[str, str]:
    return {k: v for k, v in found.groupdict().items() if v is not None}


def _strip_port(host: str) -> str:
    host = host.strip().lower()
    if host.startswith("["):  # [::1]:8080
        return host[: host.find("]") + 1]
    return host.partition(":")[0]


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 128  # a browser opens many connections at once

    def __init__(self, web: FakeWeb, ssl_context: ssl.SSLContext) -> None:
        self.web = web
        self.ssl_context = ssl_context
        self._lock = threading.Lock()
        self._connections: set[socket.socket] = set()
        self._active = 0
        self._idle = threading.Condition(self._lock)
        super().__init__(("127.0.0.1", 0), _Handler)

    def server_bind(self) -> None:
        # HTTPServer.server_bind does a reverse DNS look-up of the address; skip it.
        socketserver.TCPServer.server_bind(self)
        self.server_name, self.server_port = "127.0.0.1", self.server_address[1]

    def track(self, sock: socket.socket) -> None:
        with self._lock:
            self._connections.add(sock)

    def untrack(self, sock: socket.socket) -> None:
        with self._lock:
            self._connections.discard(sock)

    def process_request(self, request: Any, client_address: Any) -> None:
        self.track(request)
        with self._lock:
            self._active += 1
        super().process_request(request, client_address)

    def process_request_thread(self, request: Any, client_address: Any) -> None:
        try:
            super().process_request_thread(request, client_address)
        finally:
            self.untrack(request)
            with self._lock:
                self._active -= 1
                self._idle.notify_all()

    def drop_connections(self) -> None:
        """Wake every handler blocked on a socket. Only ``shutdown``: the owning thread closes
        its own socket, so no descriptor is closed under a thread still using it."""
        with self._lock:
            connections = list(self._connections)
        for sock in connections:
            # socket.socket.shutdown, not SSLSocket's, which would drop the TLS object first.
            with contextlib.suppress(OSError):
                socket.socket.shutdown(sock, socket.SHUT_RDWR)

    def wait_idle(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        with self._idle:
            while self._active and (left := deadline - time.monotonic()) > 0:
                self._idle.wait(left)

    def handle_error(self, request: Any, client_address: Any) -> None:
        # Clients hanging up (and TLS clients that refuse our certificate) are routine here.
        log.debug("connection from %s failed:\n%s", client_address, traceback.format_exc())


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "fakeweb"
    sys_version = ""
    timeout = _IDLE_TIMEOUT
    server: _Server

    def setup(self) -> None:
        self.scheme = "http"
        self.tls: ssl.SSLSocket | None = None
        raw: socket.socket = self.request
        raw.settimeout(_IDLE_TIMEOUT)
        # Headers and body go out in separate writes: without this, Nagle's algorithm and the
        # client's delayed ACK add ~40 ms to every response.
        raw.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        try:
            first = raw.recv(1, socket.MSG_PEEK)
        except OSError:
            first = b""
        if first == b"\x16":  # TLS handshake record: a ClientHello
            self.tls = self.server.ssl_context.wrap_socket(raw, server_side=True)
            self.server.untrack(raw)
            self.server.track(self.tls)
            self.request = self.tls
            self.scheme = "https"
        super().setup()

    def finish(self) -> None:
        try:
            super().finish()
        except OSError:
            pass  # flushing to a client that already left
        finally:
            if self.tls is not None:
                self.server.untrack(self.tls)
                self.tls.close()

    def log_message(self, format: str, *args: Any) -> None:
        log.debug("%s %s", self.address_string(), format % args)

    def handle_one_request(self) -> None:
        try:
            super().handle_one_request()
        except (OSError, ssl.SSLError) as exc:
            # Client gone, or the server is stopping under a slow handler.
            log.debug("connection dropped: %r", exc)
            self.close_connection = True

    def _serve(self) -> None:
        web = self.server.web
        request = self._parse()
        if request is None:
            return
        response = web.dispatch(request)
        web.requests.append(
            LoggedRequest(
                request.method, request.scheme, request.host, request.path, response.status
            )
        )
        if web.stopping.is_set():
            self.close_connection = True
            return
        self._write(request, response)

    do_GET = do_HEAD = do_POST = do_PUT = do_DELETE = do_OPTIONS = _serve

    def _parse(self) -> Request | None:
        target = urlsplit(self.path)
        host = self.headers.get("Host") or target.netloc
        if not host:
            self.send_error(400, "Missing Host header")
            return None
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length > 0 else b""
        return Request(
            method=self.command,
            scheme=self.scheme,
            host=_strip_port(host),
            path=unquote(target.path) or "/",
            query=dict(reversed(parse_qsl(target.query, keep_blank_values=True))),
            headers={name.lower(): value for name, value in self.headers.items()},
            body=body,
            raw_query=target.query,
            stopping=self.server.web.stopping,
        )

    def _write(self, request: Request, response: Response) -> None:
        self.send_response(response.status)  # also sends Date (RFC 7231) and Server
        self.send_header("Content-Type", response.content_type)
        for name, value in response.headers:
            self.send_header(name, value)
        if isinstance(response.body, bytes):
            self.send_header("Content-Length", str(len(response.body)))
            self.end_headers()
            if request.method != "HEAD":
                self.wfile.write(response.body)
            return
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        if request.method != "HEAD":
            self._stream(response.body)

    def _stream(self, chunks: Iterable[bytes]) -> None:
        for chunk in chunks:
            if self.server.web.stopping.is_set():
                self.close_connection = True
                return
            if chunk:
                self.wfile.write(b"%x\r\n%s\r\n" % (len(chunk), chunk))
        self.wfile.write(b"0\r\n\r\n")
