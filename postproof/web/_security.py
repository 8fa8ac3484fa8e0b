"""Who is asking, and may they: sessions, API tokens, CSRF, login rate limits, the security
headers of every answer, and the signed addresses of archived pages.

One ASGI middleware (:class:`Guard`) stands in front of every route: a request is refused
unless it is for the login page or a static asset, or carries a live session cookie or an API
token. A request that changes something (any method but GET and HEAD) made with a session must
also carry the session's CSRF token (form field ``csrf`` or header ``X-CSRF-Token``) and, when
the browser sends one, an ``Origin`` that is the app's own. Role checks are the routes' own
(:func:`require`).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
import threading
import time
from collections import deque
from collections.abc import Awaitable, Callable, MutableMapping
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from typing import Any
from urllib.parse import parse_qs, quote

from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import Request

import storage

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

SESSION_COOKIE = "postproof_session"
LOGIN_CSRF_COOKIE = "postproof_login"
SAFE_METHODS = frozenset({"GET", "HEAD"})
OPEN_PATHS = ("/login", "/static/", "/favicon.ico")
MAX_FORM_BYTES = 1 << 20  # forms hold URLs and short texts; nothing near this
# Where an image is sent to find where else it appeared: a screenshot or a photo.
UPLOAD_PATHS = frozenset({"/similar", "/api/similar"})
MAX_UPLOAD_BYTES = 16 << 20

# The app's pages run only the app's own script and style; nothing from anywhere else, no
# inline script (so markup that slipped through could not run), no plugin, no <base>.
APP_CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; "
    "connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'; "
    "frame-src {archive_origin}"
)
# What every answer carries, whatever made it.
COMMON_HEADERS = (
    ("x-content-type-options", "nosniff"),
    ("referrer-policy", "same-origin"),  # same-origin: forms carry their Origin
    ("cross-origin-opener-policy", "same-origin"),
    ("permissions-policy", "camera=(), microphone=(), geolocation=()"),
)


def client_of(scope: Scope) -> str:
    client = scope.get("client")
    return str(client[0]) if client else "unknown"


# -- login rate limit ----------------------------------------------------------------------


@dataclass
class LoginLimiter:
    """Failed logins allowed per user name and per client address within ``window`` seconds;
    past that, logins from there (or for that name) wait until the oldest failure ages out."""

    per_name: int = 5
    per_client: int = 20
    window: float = 600.0
    clock: Callable[[], float] = time.monotonic
    _failures: dict[str, deque[float]] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def _recent(self, key: str, now: float) -> deque[float]:
        found = self._failures.setdefault(key, deque())
        while found and found[0] <= now - self.window:
            found.popleft()
        return found

    def wait(self, name: str, client: str) -> float:
        """Seconds until a login for ``name`` from ``client`` is tried again; 0: go ahead."""
        now = self.clock()
        with self._lock:
            waits = [
                found[0] + self.window - now
                for key, limit in (
                    (f"name:{name}", self.per_name),
                    (f"ip:{client}", self.per_client),
                )
                if len(found := self._recent(key, now)) >= limit
            ]
        return max(waits, default=0.0)

    def failed(self, name: str, client: str) -> None:
        now = self.clock()
        with self._lock:
            for key in (f"name:{name}", f"ip:{client}"):
                self._recent(key, now).append(now)

    def succeeded(self, name: str) -> None:
        with self._lock:
            self._failures.pop(f"name:{name}", None)


# -- archived pages' addresses -------------------------------------------------------------


@dataclass(frozen=True)
class FrameSigner:
    """Signs the address of an archived page for the archive origin: the capture, the app
    origin allowed to frame it, and an expiry. The archive origin has no session of its own
    (cookies are not for it); a signed address is its whole authority."""

    key: bytes = field(default_factory=lambda: secrets.token_bytes(32))
    lifetime: float = 600.0

    def _mac(self, capture_id: str, app_origin: str, expires: int) -> str:
        text = f"{capture_id}\n{app_origin}\n{expires}".encode()
        return hmac.new(self.key, text, hashlib.sha256).hexdigest()

    def query(self, capture_id: str, app_origin: str) -> str:
        expires = int(time.time() + self.lifetime)
        mac = self._mac(capture_id, app_origin, expires)
        return f"a={quote(app_origin, safe='')}&e={expires}&s={mac}"

    def check(self, capture_id: str, app_origin: str, expires: str, mac: str) -> bool:
        if not expires.isdigit() or int(expires) < time.time():
            return False
        return hmac.compare_digest(self._mac(capture_id, app_origin, int(expires)), mac)


# -- who is asking -------------------------------------------------------------------------


@dataclass(frozen=True)
class Caller:
    """The user behind a request, and how they proved it."""

    user: storage.UserRecord
    session: storage.SessionRecord | None  # None: an API token
    cookie: str | None = None

    @property
    def csrf(self) -> str:
        return self.session.csrf_token if self.session else ""


def caller(request: Request) -> Caller:
    found = request.scope.get("postproof.caller")
    if not isinstance(found, Caller):  # the guard lets nothing else through to the routes
        raise HTTPException(401, "sign in first")
    return found


def require(request: Request, role: storage.Role) -> Caller:
    """The caller, when their role allows ``role``; else 403."""
    who = caller(request)
    if not who.user.role.allows(role):
        raise HTTPException(403, f"this needs the {role.value} role; you are {who.user.role.value}")
    return who


def _cookies(scope: Scope) -> dict[str, str]:
    jar: SimpleCookie = SimpleCookie()
    for name, value in scope.get("headers", []):
        if name == b"cookie":
            try:
                jar.load(value.decode("latin-1"))
            except Exception:  # noqa: BLE001 -- a malformed Cookie header is no session
                return {}
    return {key: morsel.value for key, morsel in jar.items()}


def _header(scope: Scope, wanted: bytes) -> str | None:
    for name, value in scope.get("headers", []):
        if name == wanted:
            return str(value.decode("latin-1"))
    return None


class Guard:
    """The middleware of the module docstring, with the security headers of every answer."""

    def __init__(self, app: ASGIApp, users: Callable[[], storage.Users], archive_origin: str):
        self.app = app
        self.users = users
        self.csp = APP_CSP.format(archive_origin=archive_origin)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        send = self._with_headers(send)
        path: str = scope["path"]
        api = path.startswith("/api/")
        who = await run_in_threadpool(self._identify, scope)
        if who is None and not path.startswith(OPEN_PATHS):
            await self._refuse(scope, send, api)
            return
        scope["postproof.caller"] = who
        if scope["method"] in SAFE_METHODS or (who is not None and who.session is None):
            await self.app(scope, receive, send)  # reads, and API calls with a token
            return
        limit = MAX_UPLOAD_BYTES if path in UPLOAD_PATHS else MAX_FORM_BYTES
        body = await _read_body(receive, limit)
        if body is None:
            await _plain(send, 413, f"Refused: more than {limit >> 20} MiB was sent.")
            return
        if not self._same_origin(scope) or not await self._csrf_ok(scope, who, body):
            await _plain(send, 403, "Refused: the form did not come from this app (CSRF check).")
            return
        await self.app(scope, _replay(body), send)

    def _identify(self, scope: Scope) -> Caller | None:
        users = self.users()
        auth = _header(scope, b"authorization") or ""
        if auth.lower().startswith("bearer "):
            user = users.by_token(auth[7:].strip())
            return Caller(user, None) if user else None
        cookie = _cookies(scope).get(SESSION_COOKIE)
        if not cookie:
            return None
        session = users.session(cookie)
        return Caller(session.user, session, cookie) if session else None

    def _same_origin(self, scope: Scope) -> bool:
        origin = _header(scope, b"origin")
        if origin is None:
            return True  # not every client sends one; the CSRF token still has to match
        host = _header(scope, b"host") or ""
        return origin in (f"http://{host}", f"https://{host}")

    async def _csrf_ok(self, scope: Scope, who: Caller | None, body: bytes) -> bool:
        if who is not None:
            expected = who.csrf
        elif scope["path"] == "/login":
            expected = _cookies(scope).get(LOGIN_CSRF_COOKIE, "")
        else:
            return False
        given = _header(scope, b"x-csrf-token")
        if given is None:
            given = await _csrf_field(scope, body)
        return bool(expected) and hmac.compare_digest(expected, given)

    async def _refuse(self, scope: Scope, send: Send, api: bool) -> None:
        if api or scope["method"] not in SAFE_METHODS:
            body = {"ok": False, "error": "not signed in", "hint": "send an API token"}
            await _send(send, 401, json.dumps(body).encode(), b"application/json")
            return
        wanted = scope["path"] + (
            f"?{scope['query_string'].decode()}" if scope["query_string"] else ""
        )
        location = "/login?next=" + quote(wanted, safe="")
        await send(
            {
                "type": "http.response.start",
                "status": 303,
                "headers": [(b"location", location.encode())],
            }
        )
        await send({"type": "http.response.body", "body": b""})

    def _with_headers(self, send: Send) -> Send:
        csp = self.csp.encode()

        async def sending(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                present = {name.lower() for name, _ in headers}
                if b"content-security-policy" not in present:
                    headers.append((b"content-security-policy", csp))
                headers += [(k.encode(), v.encode()) for k, v in COMMON_HEADERS]
                message["headers"] = headers
            await send(message)

        return sending


async def _csrf_field(scope: Scope, body: bytes) -> str:
    """The ``csrf`` field of a form, URL-encoded or multipart (a file sent with a form)."""
    content_type = _header(scope, b"content-type") or ""
    if content_type.startswith("application/x-www-form-urlencoded"):
        form = parse_qs(body.decode("utf-8", errors="replace"))
        return (form.get("csrf") or [""])[0]
    if not content_type.startswith("multipart/form-data"):
        return ""
    from starlette.formparsers import MultiPartException

    parsing = Request(scope, _replay(body)).form(
        max_files=1, max_fields=20, max_part_size=MAX_UPLOAD_BYTES
    )
    try:
        async with parsing as multipart:
            value = multipart.get("csrf")
    except (MultiPartException, HTTPException):  # a broken body carries no token
        return ""
    return value if isinstance(value, str) else ""


async def _read_body(receive: Receive, limit: int) -> bytes | None:
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            break
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > limit:
            return None
        chunks.append(chunk)
        if not message.get("more_body"):
            break
    return b"".join(chunks)


def _replay(body: bytes) -> Receive:
    sent = False

    async def receive() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return {"type": "http.disconnect"}

    return receive


async def _send(send: Send, status: int, body: bytes, content_type: bytes) -> None:
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [(b"content-type", content_type), (b"cache-control", b"no-store")],
        }
    )
    await send({"type": "http.response.body", "body": body})


async def _plain(send: Send, status: int, text: str) -> None:
    await _send(send, status, text.encode(), b"text/plain; charset=utf-8")
