"""Capturing from the browser, and what the app shows of a capture: the paste box to the
finished capture page, artifacts, citations, the WACZ, the API's shapes; and hostile posts and
pages, whose scripts, handlers, ``javascript:`` links and CSS never run in the app."""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Browser, BrowserContext, ConsoleMessage, Page
from playwright.sync_api import Request as PlaywrightRequest

from tests.conftest import run_cli
from tests.fixtureweb import FIXTURE_URLS, X_HOSTILE
from tests.processes import chromium_under, parents
from tests.web.conftest import HOSTILE_URL, Served, SignedIn, signed_in

CAPTURE_PATH = re.compile(r"/captures/([0-9a-z]{8})$")


@dataclass
class Watched:
    """What a browser context did that a page of the app must never cause."""

    dialogs: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)  # console errors of the app's own pages
    refusals: list[str] = field(default_factory=list)  # console errors of archived pages
    reached: list[str] = field(default_factory=list)  # requests beyond the app's two origins
    blocked: list[str] = field(default_factory=list)  # the same, stopped before the network


@pytest.fixture(scope="module")
def editor(browser: Browser, served: Served) -> Iterator[tuple[BrowserContext, Watched]]:
    context = signed_in(browser, served, "ed", viewport={"width": 390, "height": 844})
    watched = Watched()
    allowed = {urlsplit(served.url).netloc, urlsplit(served.archive_origin).netloc}

    def foreign(request: PlaywrightRequest) -> bool:
        return urlsplit(request.url).netloc not in allowed

    def on_console(message: ConsoleMessage) -> None:
        if message.type != "error":
            return
        archived = message.location.get("url", "").startswith(served.archive_origin)
        (watched.refusals if archived else watched.errors).append(message.text)

    def on_page(page: Page) -> None:
        page.on("dialog", lambda d: (watched.dialogs.append(d.message), d.dismiss()))
        page.on("console", on_console)
        page.on("pageerror", lambda e: watched.errors.append(str(e)))

    context.on("requestfinished", lambda r: watched.reached.append(r.url) if foreign(r) else None)
    context.on(
        "requestfailed",
        lambda r: watched.blocked.append(f"{r.url} {r.failure}") if foreign(r) else None,
    )
    context.on("page", on_page)
    try:
        yield context, watched
    finally:
        context.close()


@pytest.fixture(scope="module")
def pasted(editor: tuple[BrowserContext, Watched], served: Served) -> str:
    """The hostile X post captured from the paste box: the id of the capture page reached."""
    context, _watched = editor
    page = context.new_page()
    page.goto(served.url + "/")
    page.fill("#urls", FIXTURE_URLS["x_hostile"])
    page.click("#capture-form button[type=submit]")
    page.wait_for_url(re.compile(r"/jobs/[0-9a-f]+$"))
    page.wait_for_url(CAPTURE_PATH, timeout=90_000)
    found = CAPTURE_PATH.search(page.url)
    assert found is not None
    page.close()
    return found[1]


@pytest.fixture(scope="module")
def hostile_page(captured: dict[str, str]) -> str:
    """The hostile page, captured through the API: the capture id."""
    return captured[HOSTILE_URL]


def test_paste_box_to_the_capture_page(
    editor: tuple[BrowserContext, Watched], served: Served, pasted: str
) -> None:
    context, watched = editor
    page = context.new_page()
    page.goto(f"{served.url}/captures/{pasted}")
    fields = page.inner_text(".fields")
    # The hostile author and text are shown as the text they are.
    assert X_HOSTILE.author in fields and X_HOSTILE.text.splitlines()[0] in fields
    assert page.inner_text("h1").startswith(f"Capture {pasted}")
    # Pasted by ed: the name is signed in the capture's manifest, and shown.
    assert page.inner_text("#made-by") == "ed (signed in its manifest)"
    hashes = page.eval_on_selector_all(
        "table.artifacts code.hash", "cells => cells.map(c => c.textContent)"
    )
    assert hashes and all(re.fullmatch(r"[0-9a-f]{64}", h) for h in hashes)
    # Every download gives the bytes its SHA-256 names, never run in the app's origin.
    link = page.get_attribute("table.artifacts a[download]", "href")
    assert link is not None
    answer = context.request.get(served.url + link)
    assert answer.ok and hashlib.sha256(answer.body()).hexdigest() == link.rsplit("/", 1)[1]
    assert answer.headers["content-type"] == "application/octet-stream"
    assert "sandbox" in answer.headers["content-security-policy"]
    # Screenshots are shown, with alt text; the citations can be copied.
    assert page.eval_on_selector_all(
        ".shots img", "imgs => imgs.every(i => i.complete && i.naturalWidth > 0 && i.alt)"
    )
    assert "Entry" in page.inner_text("#provenance-title + dl + h3 + p, section p")
    assert X_HOSTILE.handle in page.inner_text("#cite-text-markdown")
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=served.url)
    page.click("button[data-copy=cite-text-bibtex]")
    copied = page.evaluate("navigator.clipboard.readText()")
    assert copied == page.inner_text("#cite-text-bibtex")
    wacz = context.request.get(f"{served.url}/captures/{pasted}/wacz")
    assert wacz.ok and wacz.body()[:2] == b"PK"
    page.close()
    assert watched.dialogs == [] and watched.errors == [] and watched.reached == []


def test_the_api_gives_the_command_lines_shapes(served: Served, pasted: str) -> None:
    with served.api("vic") as api:
        one = api.get(f"/api/captures/{pasted}").json()
        listed = api.get("/api/captures").json()
        cited = api.get(f"/api/captures/{pasted}/citations", params={"format": "csl-json"})
        missing = api.get("/api/captures/zzzzzzzz")
    shown = run_cli("show", pasted, "--json", env=served.env)
    assert one == json.loads(shown.stdout)
    as_listed = json.loads(run_cli("list", "--json", env=served.env).stdout)
    assert listed == as_listed
    cite = json.loads(
        run_cli("cite", pasted, "--format", "csl-json", "--json", env=served.env).stdout
    )
    assert cited.json() == cite
    assert missing.status_code == 404 and missing.json()["ok"] is False


def test_a_hostile_page_never_runs_in_the_app(
    editor: tuple[BrowserContext, Watched], served: Served, hostile_page: str
) -> None:
    context, watched = editor
    page = context.new_page()
    page.goto(f"{served.url}/captures/{hostile_page}")
    scripted = "links => links.filter(a => !/^https?:/.test(a.href)).map(a => a.href)"
    assert page.eval_on_selector_all("a", scripted) == []
    page.click("text=Archived page")
    page.wait_for_url(f"{served.url}/captures/{hostile_page}/archived")
    frame_element = page.wait_for_selector("iframe.archived")
    assert frame_element.get_attribute("sandbox") == ""
    frame = frame_element.content_frame()
    assert frame is not None
    frame.wait_for_load_state()
    assert frame.url.startswith(served.archive_origin + f"/captures/{hostile_page}?")
    # The archived page is there, as text and markup only.
    assert frame.inner_text("#headline") == "A hostile page"
    # Its origin is opaque: no cookie of the app (nor any) can be read from it.
    cookie = frame.evaluate(
        "() => { try { return document.cookie } catch (e) { return 'refused: ' + e.name } }"
    )
    assert cookie == "refused: SecurityError"
    frame.click("#jslink")  # a javascript: link in a frame without scripts does nothing
    page.wait_for_timeout(4500)  # past the page's meta refresh, which must not navigate
    assert frame.url.startswith(served.archive_origin)
    page.close()
    # Nothing ran, nothing left for the web: the page's image, style, frame and form were
    # refused by the archived page's policy before reaching the network.
    assert watched.dialogs == [] and watched.errors == [] and watched.reached == []
    assert watched.blocked and all(b.endswith(" csp") for b in watched.blocked)
    refused = [r for r in watched.refusals if not re.search(r"[Bb]locked|Refused", r)]
    assert watched.refusals and refused == []


def test_archived_pages_are_only_served_when_signed(served: Served, hostile_page: str) -> None:
    import httpx

    with httpx.Client(base_url=served.archive_origin) as frames:
        assert frames.get(f"/captures/{hostile_page}").status_code == 403
        forged = f"/captures/{hostile_page}?a=http%3A%2F%2Fevil.example&e=9999999999&s=00"
        assert frames.get(forged).status_code == 403
        assert frames.get("/").status_code == 404


def test_verify_now_and_the_changes_between_two_captures(
    editor: tuple[BrowserContext, Watched], served: Served, pasted: str, captured: dict[str, str]
) -> None:
    context, watched = editor
    page = context.new_page()
    page.goto(f"{served.url}/captures/{pasted}")
    page.click("#verify-form button")
    page.wait_for_url(f"{served.url}/captures/{pasted}/verify")
    assert page.inner_text("#verdict").startswith("OK")
    # The hostile post was captured twice (the paste box, and the package's job): its
    # history links the later capture to the changes since the earlier one.
    page.goto(f"{served.url}/captures/{pasted}")
    page.click("text=changes since the capture before")
    page.wait_for_url("**/diff/*")
    assert "Hostile text" in page.inner_text("#text-diff")
    assert page.locator("#text-diff del, #text-diff ins").count() == 0
    assert page.eval_on_selector_all(".side-by-side img", "imgs => imgs.length") == 2
    page.close()
    assert watched.dialogs == [] and watched.errors == [] and watched.reached == []
    with served.api("vic") as api:
        checked = api.post(f"/api/captures/{pasted}/verify").json()
        other = captured[FIXTURE_URLS["x_live"]]
        refused = api.get(f"/api/captures/{pasted}/diff/{other}")
    assert checked == json.loads(run_cli("verify", pasted, "--json", env=served.env).stdout)
    assert refused.status_code == 400 and "two different posts" in refused.json()["error"]
    # Both captures were made in the one browser the server keeps for its jobs.
    family = parents()
    chromium = set(chromium_under(served.pid))
    assert len({pid for pid in chromium if family.get(pid) not in chromium}) == 1


def test_an_admin_retracts_a_capture(
    signed: SignedIn, served: Served, captured: dict[str, str]
) -> None:
    gone = captured[FIXTURE_URLS["x_deleted"]]
    page = signed["alice"].new_page()
    page.goto(f"{served.url}/captures/{gone}")
    page.click("summary:has-text('Retract this capture')")
    page.fill("#retract-reason", "captured from the <b>wrong</b> account")
    page.click("#retract-form button")
    page.wait_for_url(f"{served.url}/captures/{gone}")
    assert "captured from the <b>wrong</b> account" in page.inner_text(".retracted")
    assert " by alice: " in page.inner_text(".retracted")  # signed in the retraction
    assert page.locator("#retract-form").count() == 0  # once only
    page.goto(served.url + "/")
    assert page.locator(f"a[href='/captures/{gone}']").count() == 0  # lists leave it out
    page.close()
    shown = json.loads(run_cli("show", gone, "--json", env=served.env).stdout)["capture"]
    assert shown["retracted"]["reason"] == "captured from the <b>wrong</b> account"
    assert shown["retracted"]["made_by"] == "alice"
    body = {"target": gone, "reason": "again"}
    with served.api("ed") as api:
        assert api.post("/api/retractions", json=body).status_code == 403
    with served.api("alice") as api:
        again = api.post("/api/retractions", json=body)
    assert again.status_code == 400 and again.json()["ok"] is False


def test_find_similar_images_by_upload_and_from_a_capture(
    editor: tuple[BrowserContext, Watched],
    served: Served,
    pasted: str,
    captured: dict[str, str],
    tmp_path: Path,
) -> None:
    """The hostile post was captured twice: each capture's post screenshot finds the other."""
    context, watched = editor
    twin = captured[FIXTURE_URLS["x_hostile"]]
    with served.api("vic") as api:
        artifacts = api.get(f"/api/captures/{pasted}").json()["capture"]["artifacts"]
        shot = next(a for a in artifacts if a["kind"] == "post_screenshot")
        image = api.get(f"/captures/{pasted}/artifacts/{shot['sha256']}").content
        by_api = api.post("/api/similar", content=image, params={"name": "shot.png"}).json()
        from_capture = api.get(f"/api/captures/{pasted}/similar").json()
    upload = tmp_path / "shot.png"
    upload.write_bytes(image)

    page = context.new_page()
    page.goto(served.url + "/search")
    page.click("text=Find similar images")
    page.set_input_files("#image", str(upload))
    page.click("#similar-form button[type=submit]")
    page.wait_for_url(served.url + "/similar")
    rows = page.locator("#similar-results tbody tr")
    exact = rows.filter(has=page.locator(f"a[href='/captures/{pasted}']"))
    assert "0 bits" in exact.first.inner_text()
    assert rows.filter(has=page.locator(f"a[href='/captures/{twin}']")).count() >= 1
    assert page.locator("#similar-results strong.first").count() == 1

    page.goto(f"{served.url}/captures/{pasted}")
    page.click("#find-similar")
    page.wait_for_url(f"{served.url}/captures/{pasted}/similar")
    found = page.inner_text("#similar-results tbody")
    assert twin in found and pasted not in found  # the capture itself is left out
    page.close()
    assert watched.dialogs == [] and watched.errors == []

    matches = [m["capture_id"] for q in by_api["queries"] for m in q["matches"]]
    assert by_api["queries"][0]["image"] == "shot.png" and {pasted, twin} <= set(matches)
    as_cli = run_cli("similar", pasted, "--json", env=served.env)
    assert from_capture == json.loads(as_cli.stdout)
    # A file sent without the form's CSRF token is refused, as every other form is.
    refused = context.request.post(
        served.url + "/similar",
        multipart={"image": {"name": "shot.png", "mimeType": "image/png", "buffer": image}},
    )
    assert refused.status == 403
    with served.api("vic") as api:
        not_an_image = api.post("/api/similar", content=b"<html>not an image</html>")
    assert not_an_image.status_code == 400 and "not an image" in not_an_image.json()["error"]
