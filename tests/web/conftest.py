"""A real ``postproof serve`` for the package's tests: started as a user starts it (the installed
command, in a process of its own, on free loopback ports) over a data home with three users,
and one headless Chromium to drive it."""

from __future__ import annotations

import os
import re
import selectors
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Browser, BrowserContext, Playwright, sync_playwright

from archiver.browser import BASE_ARGS, choose_browser
from demo import FakeWeb, Request, Response, html
from storage import Role, open_archive
from tests.conftest import command_env
from tests.fixtureweb import FIXTURE_URLS
from tests.web.openapi_check import AnswerChecker

PASSWORDS = {
    "alice": "alice's long passphrase",
    "ed": "ed's long passphrase",
    "vic": "vic's long passphrase",
}
ROLES = {"alice": Role.ADMIN, "ed": Role.EDITOR, "vic": Role.VIEWER}
ANNOUNCED = re.compile(
    r"postproof serve: (http://127\.0\.0\.1:(\d+))/ \(archived pages from port (\d+)\)"
)


@dataclass(frozen=True)
class Served:
    url: str  # the app's origin, http://127.0.0.1:PORT
    archive_port: int
    home: Path
    tokens: dict[str, str]  # user name -> API token
    env: dict[str, str]
    answers: list[AnswerChecker] = field(default_factory=list)  # made at the first API call
    pid: int = 0  # the server's process

    @property
    def archive_origin(self) -> str:
        return f"http://127.0.0.1:{self.archive_port}"

    def checker(self) -> AnswerChecker:
        """What checks every API answer against the app's OpenAPI document."""
        if not self.answers:
            headers = {"authorization": f"Bearer {self.tokens['vic']}"}
            document = httpx.get(self.url + "/api/openapi.json", headers=headers, timeout=30)
            self.answers.append(AnswerChecker(document.json()))
        return self.answers[0]

    def api(self, user: str) -> httpx.Client:
        """A client with the user's token; each JSON answer checked against its schema."""
        headers = {"authorization": f"Bearer {self.tokens[user]}"}
        hooks = {"response": [self.checker().hook]}
        return httpx.Client(base_url=self.url, headers=headers, timeout=30, event_hooks=hooks)


def serve_env(web: FakeWeb, home: Path) -> dict[str, str]:
    return command_env(web, home)


def _wait_for_announce(process: subprocess.Popen[str], timeout: float = 30) -> re.Match[str]:
    assert process.stderr is not None
    selector = selectors.DefaultSelector()
    selector.register(process.stderr, selectors.EVENT_READ)
    seen: list[str] = []
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not selector.select(timeout=deadline - time.monotonic()):
            break
        line = process.stderr.readline()
        if not line:
            break
        seen.append(line)
        found = ANNOUNCED.search(line)
        if found:
            return found
    process.kill()
    raise AssertionError("postproof serve did not start:\n" + "".join(seen))


HOSTILE_HOST = "hostile-news.example"
HOSTILE_URL = f"https://{HOSTILE_HOST}/story"
# Its meta refresh fires 4 s after loading: later than a capture on a busy machine reads the page
# (a capture follows a page that navigates away before it is read), sooner than the app's test
# stops watching the archived copy, which must never follow it.
HOSTILE_PAGE = f"""<!doctype html>
<html><head><meta charset="utf-8">
<title>Hostile story</title>
<meta http-equiv="refresh" content="4;url=https://{HOSTILE_HOST}/refreshed">
<link rel="dns-prefetch" href="https://prefetch.{HOSTILE_HOST}/">
<link rel="prefetch" href="https://{HOSTILE_HOST}/prefetched">
<link rel="stylesheet" href="https://{HOSTILE_HOST}/style.css">
<meta property="og:title" content="&quot;&gt;&lt;script&gt;alert('og')&lt;/script&gt;">
<meta property="og:description"
  content="&lt;img src=x onerror=alert('desc')&gt; javascript:alert('d')">
<style>body {{ background: url(https://{HOSTILE_HOST}/bg.png); }}</style>
</head>
<body onload="alert('onload')">
<h1 id="headline">A hostile page</h1>
<p onmouseover="alert('p')">Its text
  <a id="jslink" href="javascript:alert('link')">a javascript: link</a>.</p>
<img src="https://{HOSTILE_HOST}/pixel.png" onerror="alert('img')" alt="pixel">
<form action="https://{HOSTILE_HOST}/steal" method="post"><input name="x" value="y"></form>
<iframe src="https://{HOSTILE_HOST}/frame"></iframe>
<script>document.title = document.cookie; alert('script');</script>
</body></html>"""


def _hostile(request: Request) -> Response:
    return html(HOSTILE_PAGE)


@pytest.fixture(scope="package")
def served(web: FakeWeb, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    """One server for the whole package (its modules share it, and its data): the fake web's
    hostile page is added first, since the server reads the host map when it starts."""
    web.add_route(HOSTILE_HOST, "/story", _hostile)
    home = tmp_path_factory.mktemp("serve-home")
    tokens = {}
    with open_archive(home) as archive:
        for name, role in ROLES.items():
            archive.users.add(name, role, PASSWORDS[name])
            tokens[name] = archive.users.new_token(name, "tests")
    env = serve_env(web, home)
    command = [str(Path(sys.executable).with_name("postproof")), "serve", "--port", "0"]
    process = subprocess.Popen(command, env=env, stderr=subprocess.PIPE, text=True)
    try:
        found = _wait_for_announce(process)
        yield Served(found[1], int(found[3]), home, tokens, env, pid=process.pid)
    finally:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        if process.stderr is not None:
            process.stderr.close()


@pytest.fixture(scope="package")
def playwright() -> Iterator[Playwright]:
    with sync_playwright() as pw:
        yield pw


def launch_browser(playwright: Playwright) -> Browser:
    """The tests' headless Chromium, as postproof itself finds and launches it."""
    choice = choose_browser(playwright)
    return playwright.chromium.launch(
        executable_path=str(choice.executable) if choice.executable else None,
        headless=True,
        chromium_sandbox=hasattr(os, "geteuid") and os.geteuid() != 0,
        args=list(BASE_ARGS),
    )


@pytest.fixture(scope="package")
def browser(playwright: Playwright) -> Iterator[Browser]:
    launched = launch_browser(playwright)
    try:
        yield launched
    finally:
        launched.close()


class SignedIn:
    """One signed-in browser context per user, made when first asked for and shared by the
    tests that do not sign out (signing in is slow on purpose: argon2)."""

    def __init__(self, browser: Browser, served: Served) -> None:
        self.browser, self.served = browser, served
        self.contexts: dict[str, BrowserContext] = {}

    def __getitem__(self, name: str) -> BrowserContext:
        if name not in self.contexts:
            self.contexts[name] = signed_in(self.browser, self.served, name)
        return self.contexts[name]


@pytest.fixture(scope="package")
def signed(browser: Browser, served: Served) -> Iterator[SignedIn]:
    shared = SignedIn(browser, served)
    yield shared
    for context in shared.contexts.values():
        context.close()


def signed_in(browser: Browser, served: Served, name: str, **options: object) -> BrowserContext:
    """A browser context signed in as ``name`` through the login form."""
    context = browser.new_context(locale="en-GB", timezone_id="UTC", **options)  # type: ignore[arg-type]
    page = context.new_page()
    page.goto(served.url + "/login")
    page.fill("#name", name)
    page.fill("#password", PASSWORDS[name])
    page.click("button[type=submit]")
    page.wait_for_url(served.url + "/")
    page.close()
    return context


def wait_for_job(served: Served, urls: list[str], user: str = "ed") -> dict[str, object]:
    """Capture ``urls`` through the API as a script would; the finished job."""
    with served.api(user) as api:
        started = api.post("/api/captures", json={"urls": urls})
        assert started.status_code == 202, started.text
        job = started.json()["job"]
        assert started.headers["location"] == f"/api/jobs/{job['id']}"
        deadline = time.monotonic() + 90
        while job["state"] not in ("done", "failed") and time.monotonic() < deadline:
            time.sleep(0.3)
            job = api.get(f"/api/jobs/{job['id']}").json()["job"]
    assert job["state"] == "done", job
    return dict(job)


@pytest.fixture(scope="package")
def captured(served: Served) -> dict[str, str]:
    """X's live post, its hostile one, a deleted one and the hostile page, captured once for the
    package in one job: URL -> capture id."""
    urls = [
        FIXTURE_URLS["x_live"],
        FIXTURE_URLS["x_hostile"],
        FIXTURE_URLS["x_deleted"],
        HOSTILE_URL,
    ]
    job = wait_for_job(served, urls)
    ids = job["captures"]
    assert isinstance(ids, list) and len(ids) == len(urls)
    with served.api("vic") as api:
        shown = [api.get(f"/api/captures/{i}").json()["capture"] for i in ids]
    return {capture["url"]: capture["id"] for capture in shown}
