"""Checking and canonicalising the URLs a reporter hands us."""

from __future__ import annotations

from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from archiver.errors import UsageError

# Query parameters that only say how someone arrived at a page, never which page it is.
TRACKING_PARAMS = frozenset(
    {
        "fbclid",
        "gclid",
        "dclid",
        "msclkid",
        "igshid",
        "igsh",
        "mc_cid",
        "mc_eid",
        "_ga",
        "ref_src",
        "ref_url",
        "src",
        "si",
        "feature",
        "mibextid",
        "rdt",
        "share_id",
        "cmpid",
        "xtor",
        "at_medium",
        "at_campaign",
        "s_cid",
        "twclid",
        "yclid",
        "spm",
    }
)
TRACKING_PREFIXES = ("utm_", "pk_", "mtm_", "hsa_", "oly_")
MAX_URL_LENGTH = 8192


def parse_url(text: str) -> str:
    """Return a normalised absolute http(s) URL, or raise UsageError saying what is wrong.

    A missing scheme gets ``https://`` (reporters paste ``x.com/...`` from the address bar).
    """
    raw = text.strip()
    if not raw:
        raise UsageError("An empty URL was given.", hint="Pass the address of the post to capture.")
    if len(raw) > MAX_URL_LENGTH:
        raise UsageError(f"The URL is {len(raw)} characters long; the limit is {MAX_URL_LENGTH}.")
    if any(ch.isspace() or ord(ch) < 0x20 for ch in raw):
        raise UsageError(
            f"The URL {raw!r} contains spaces or control characters.",
            hint="Copy the address again from the browser's address bar.",
        )
    if "://" not in raw and not raw.lower().startswith(("javascript:", "data:", "file:")):
        raw = "https://" + raw
    try:
        parts = urlsplit(raw)
        port = parts.port
    except ValueError as exc:
        raise UsageError(f"{text!r} is not a valid URL: {exc}.") from exc
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https"):
        raise UsageError(
            f"Only http and https addresses can be captured, not {scheme or 'this'}: {text!r}.",
            hint="Pass the web address of the post, starting with https://",
        )
    host = parts.hostname
    if not host:
        raise UsageError(f"{text!r} has no host name.", hint="A URL looks like https://x.com/...")
    try:
        host = host.encode("idna").decode("ascii").lower() if not _is_ip_literal(host) else host
    except UnicodeError as exc:
        raise UsageError(f"The host name in {text!r} is not valid: {exc}.") from exc
    if port is not None and not (0 < port < 65536):
        raise UsageError(f"The port in {text!r} is out of range.")
    if not _is_ip_literal(host) and "." not in host.strip(".") and host != "localhost":
        raise UsageError(
            f"{text!r} is not a web address: its host {host!r} has no dot.",
            hint="Pass the full address of the post, e.g. https://x.com/someone/status/123",
        )
    netloc = _netloc(scheme, host, port)
    return urlunsplit((scheme, netloc, parts.path or "/", parts.query, ""))


def _is_ip_literal(host: str) -> bool:
    return ":" in host or host.replace(".", "").isdigit()


def _netloc(scheme: str, host: str, port: int | None) -> str:
    shown = f"[{host}]" if ":" in host else host
    default = {"http": 80, "https": 443}[scheme]
    return shown if port in (None, default) else f"{shown}:{port}"


def strip_tracking(query: str) -> str:
    kept = [
        (k, v)
        for k, v in parse_qsl(query, keep_blank_values=True)
        if k.lower() not in TRACKING_PARAMS and not k.lower().startswith(TRACKING_PREFIXES)
    ]
    return urlencode(kept)


def canonical_generic(url: str) -> str:
    """Fold what does not change which page is meant: scheme, host case, default port,
    fragment, tracking parameters. ``http`` and ``https`` forms become one."""
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    netloc = _netloc("https", host, parts.port if parts.port not in (80, 443) else None)
    path = parts.path or "/"
    return urlunsplit(("https", netloc, path, strip_tracking(parts.query), ""))


def host_of(url: str) -> str:
    return (urlsplit(url).hostname or "").lower()
