"""Logged-in capture: cookies imported for one site, and keeping secrets out of the evidence.

A reporter exports the cookies of a logged-in browser session — a Netscape ``cookies.txt`` (what
browser extensions and ``yt-dlp --cookies`` use) or a Playwright storage-state JSON — and imports
them for one domain. Only cookies of that domain (or its subdomains) are kept, and they are
handed to the browser only when capturing a URL of that domain.

Whatever the session, the WARC and the header records never hold a secret: the values of
``Cookie``, ``Set-Cookie``, ``Authorization`` and ``Proxy-Authorization`` headers are replaced by
:data:`REDACTED` before anything is written, so exports and citations cannot leak them.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from archiver.errors import UsageError

REDACTED = "[redacted by postproof]"
SECRET_HEADERS = frozenset({"cookie", "set-cookie", "authorization", "proxy-authorization"})
_SAME_SITE = {"strict": "Strict", "lax": "Lax", "none": "None"}
_HINT = (
    "export the cookies of a logged-in browser as a Netscape cookies.txt file, or save a "
    "Playwright storage state (context.storage_state(path=...))"
)

Cookie = dict[str, Any]  # Playwright's cookie shape: name, value, domain, path, expires, ...


def redact_headers(headers: Iterable[tuple[str, str]]) -> tuple[tuple[str, str], ...]:
    """The same headers with every secret value replaced by :data:`REDACTED`."""
    return tuple((n, REDACTED if n.lower() in SECRET_HEADERS else v) for n, v in headers)


def normalize_domain(text: str) -> str:
    domain = text.strip().lower().lstrip(".")
    if domain.startswith(("http://", "https://")):
        domain = domain.split("://", 1)[1].split("/", 1)[0]
    domain = domain.split(":", 1)[0]
    labels = domain.split(".")
    if len(labels) < 2 or not all(labels) or any(not _label_ok(label) for label in labels):
        raise UsageError(
            f"{text!r} is not a domain name",
            hint="give the site's domain, e.g. `postproof auth import x.com cookies.txt`",
        )
    return domain


def _label_ok(label: str) -> bool:
    return label.replace("-", "").isalnum() and label.isascii()


def domain_matches(host: str, domain: str) -> bool:
    """Is ``host`` the ``domain`` or one of its subdomains?"""
    host = host.lower().rstrip(".")
    return host == domain or host.endswith("." + domain)


def parse_cookie_file(data: bytes, *, name: str = "the file") -> list[Cookie]:
    """Cookies from a Netscape cookies.txt or a Playwright storage-state JSON."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise UsageError(f"{name} is not a text file", hint=_HINT) from exc
    if text.lstrip().startswith("{"):
        return _storage_state(text, name)
    return _netscape(text, name)


def _storage_state(text: str, name: str) -> list[Cookie]:
    try:
        state = json.loads(text)
    except ValueError as exc:
        raise UsageError(f"{name} is not valid JSON: {exc}", hint=_HINT) from exc
    cookies = state.get("cookies") if isinstance(state, Mapping) else None
    if not isinstance(cookies, list):
        raise UsageError(f'{name} is JSON but has no "cookies" list', hint=_HINT)
    out = []
    for n, raw in enumerate(cookies, 1):
        if not isinstance(raw, Mapping) or not raw.get("name") or "domain" not in raw:
            raise UsageError(f"{name}: cookie {n} has no name or domain", hint=_HINT)
        out.append(
            _cookie(
                str(raw["name"]),
                str(raw.get("value", "")),
                str(raw["domain"]),
                str(raw.get("path") or "/"),
                float(raw.get("expires", -1) or -1),
                bool(raw.get("httpOnly", False)),
                bool(raw.get("secure", False)),
                str(raw.get("sameSite") or "Lax"),
            )
        )
    return out


def _netscape(text: str, name: str) -> list[Cookie]:
    out = []
    for number, line in enumerate(text.splitlines(), 1):
        http_only = False
        if line.startswith("#HttpOnly_"):
            line, http_only = line[len("#HttpOnly_") :], True
        if not line.strip() or line.startswith("#"):
            continue
        fields = line.rstrip("\r\n").split("\t")
        if len(fields) != 7:
            raise UsageError(
                f"{name}, line {number}: a cookies.txt line has 7 tab-separated fields, "
                f"this one has {len(fields)}",
                hint=_HINT,
            )
        domain, _flag, path, secure, expires, cookie_name, value = fields
        try:
            expiry = float(expires)
        except ValueError as exc:
            raise UsageError(
                f"{name}, line {number}: the expiry {expires!r} is not a number", hint=_HINT
            ) from exc
        out.append(
            _cookie(
                cookie_name,
                value,
                domain,
                path or "/",
                expiry if expiry > 0 else -1,
                http_only,
                secure.upper() == "TRUE",
                "Lax",
            )
        )
    if not out:
        raise UsageError(f"{name} holds no cookie", hint=_HINT)
    return out


def _cookie(
    name: str,
    value: str,
    domain: str,
    path: str,
    expires: float,
    http_only: bool,
    secure: bool,
    same_site: str,
) -> Cookie:
    if not math.isfinite(expires):
        expires = -1
    return {
        "name": name,
        "value": value,
        "domain": domain,
        "path": path,
        "expires": expires,
        "httpOnly": http_only,
        "secure": secure,
        "sameSite": _SAME_SITE.get(same_site.lower(), "Lax"),
    }


def cookies_for_domain(cookies: Sequence[Cookie], domain: str) -> list[Cookie]:
    """The cookies that belong to ``domain`` or its subdomains; others are dropped."""
    return [c for c in cookies if domain_matches(str(c["domain"]).lstrip("."), domain)]


def cookies_for_url_host(host: str, by_domain: Mapping[str, Sequence[Cookie]]) -> list[Cookie]:
    """What to give the browser for a capture of ``host``: the cookies imported for the domain
    that ``host`` belongs to, and nothing for any other site."""
    out: list[Cookie] = []
    for domain, cookies in by_domain.items():
        if domain_matches(host, domain):
            out += cookies
    return out
