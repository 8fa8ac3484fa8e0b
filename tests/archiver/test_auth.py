"""Cookie files, domain matching, secret headers, and the private cookie store."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

from archiver import UsageError
from archiver._auth import (
    REDACTED,
    cookies_for_url_host,
    normalize_domain,
    parse_cookie_file,
    redact_headers,
)
from storage import AuthStore

NETSCAPE = (
    "# Netscape HTTP Cookie File\n"
    "#HttpOnly_.instagram.com\tTRUE\t/\tTRUE\t1999999999\tsessionid\tabc\n"
    "www.instagram.com\tFALSE\t/p\tFALSE\t0\tcsrftoken\tdef\n"
    "\n"
    ".facebook.com\tTRUE\t/\tTRUE\t1999999999\tc_user\t42\n"
)


def test_netscape_cookies_are_read_with_their_flags() -> None:
    first, second, third = parse_cookie_file(NETSCAPE.encode())
    assert first == {
        "name": "sessionid",
        "value": "abc",
        "domain": ".instagram.com",
        "path": "/",
        "expires": 1999999999.0,
        "httpOnly": True,
        "secure": True,
        "sameSite": "Lax",
    }
    assert (second["path"], second["expires"], second["httpOnly"]) == ("/p", -1, False)
    assert third["domain"] == ".facebook.com"


def test_storage_state_is_read() -> None:
    state = {
        "cookies": [
            {"name": "sid", "value": "1", "domain": "x.com", "sameSite": "strict", "secure": True}
        ],
        "origins": [],
    }
    [cookie] = parse_cookie_file(json.dumps(state).encode())
    assert (cookie["sameSite"], cookie["secure"], cookie["path"]) == ("Strict", True, "/")


def test_cookies_go_only_to_their_domain() -> None:
    jar = {"instagram.com": ({"name": "a", "domain": ".instagram.com"},)}
    assert len(cookies_for_url_host("www.instagram.com", jar)) == 1
    assert len(cookies_for_url_host("instagram.com", jar)) == 1
    assert cookies_for_url_host("evilinstagram.com", jar) == []
    assert cookies_for_url_host("instagram.com.evil.example", jar) == []


def test_secret_headers_are_redacted_whatever_their_case() -> None:
    headers = [
        ("Cookie", "a=1"),
        ("set-cookie", "b=2"),
        ("AUTHORIZATION", "Bearer x"),
        ("Accept", "*/*"),
    ]
    assert redact_headers(headers) == (
        ("Cookie", REDACTED),
        ("set-cookie", REDACTED),
        ("AUTHORIZATION", REDACTED),
        ("Accept", "*/*"),
    )


@pytest.mark.parametrize("text", ["localhost", "", "a..b", "exa mple.com", "ünïcode.com"])
def test_bad_domains_are_refused(text: str) -> None:
    with pytest.raises(UsageError, match="is not a domain name"):
        normalize_domain(text)


def test_the_store_keeps_one_domain_privately_and_drops_expired_cookies(tmp_path: Path) -> None:
    source = tmp_path / "cookies.txt"
    expired = int(time.time()) - 10
    source.write_text(NETSCAPE + f".instagram.com\tTRUE\t/\tTRUE\t{expired}\told\tgone\n")
    store = AuthStore(tmp_path / "auth")
    record = store.import_file("Instagram.com", source)
    assert (record.domain, record.dropped) == ("instagram.com", 1)
    assert record.cookie_names == ("csrftoken", "old", "sessionid")
    live = store.cookies()["instagram.com"]
    assert sorted(c["name"] for c in live) == ["csrftoken", "sessionid"]
    record.path.chmod(0o644)
    with pytest.raises(UsageError, match="can be read by other users"):
        store.cookies()
