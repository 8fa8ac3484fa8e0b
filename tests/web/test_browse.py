"""Search and watching in the browser: full-text search with its filters, the watched posts,
and watching or unwatching a post."""

from __future__ import annotations

from playwright.sync_api import Browser

from tests.fixtureweb import FIXTURE_URLS, X_HOSTILE
from tests.web.conftest import Served, SignedIn, signed_in


def test_search_from_the_top_box_with_filters(
    signed: SignedIn, served: Served, captured: dict[str, str]
) -> None:
    live = captured[FIXTURE_URLS["x_live"]]
    hostile = captured[FIXTURE_URLS["x_hostile"]]
    context = signed["vic"]
    dialogs: list[str] = []
    page = context.new_page()
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    page.goto(served.url + "/")
    page.fill("#top-q", "CONSEIL municipal vote")  # any case, accents ignored
    page.press("#top-q", "Enter")
    page.wait_for_url("**/search?q=*")
    hit = page.locator(".hits li", has=page.locator(f"a[href='/captures/{live}']"))
    assert "conseil" in hit.locator("mark").first.inner_text().lower()
    # The hostile post's words are found, and shown as text.
    page.goto(served.url + "/search?q=" + "hostile+script")
    assert hostile in page.inner_text(".hits") and "<script>" in page.inner_text(".hits")
    page.goto(served.url + "/search?q=budget&kind=article")
    assert live not in page.inner_text("main")
    page.goto(served.url + "/search?q=budget&platform=mastodon")
    assert "0 result(s)" in page.inner_text("main")
    page.close()
    assert dialogs == []
    with served.api("vic") as api:
        found = api.get("/api/search", params={"q": "budget", "kind": "capture"}).json()
        empty = api.get("/api/search", params={"q": ""})
    assert found["ok"] and live in [r["ref"] for r in found["results"]]
    assert "[budget]" in found["results"][0]["snippet"].lower()
    assert empty.status_code == 400 and empty.json()["ok"] is False


def test_unwatch_and_watch_again(
    signed: SignedIn, served: Served, captured: dict[str, str]
) -> None:
    live = captured[FIXTURE_URLS["x_live"]]
    context = signed["ed"]
    page = context.new_page()
    page.goto(served.url + "/watching")
    row = page.locator("tr", has=page.locator(f"a[href='/captures/{live}']"))
    assert row.count() == 1
    row.locator("button", has_text="Unwatch").click()
    page.wait_for_url(served.url + "/watching")
    assert page.locator(f"tr a[href='/captures/{live}']").count() == 0
    page.goto(f"{served.url}/captures/{live}")
    assert "Not watched" in page.inner_text("#watch-title + p")
    page.click("#watch-form button")
    page.wait_for_url(f"{served.url}/captures/{live}")
    assert "Watched" in page.inner_text("#watch-title + p")
    page.close()
    with served.api("ed") as api:
        off = api.post(f"/api/captures/{live}/watch", json={"watched": False}).json()
        listed = api.get("/api/watching").json()["watched"]
        on = api.post(f"/api/captures/{live}/watch", json={"watched": True}).json()
    assert off == {"ok": True, "posts": 1, "watched": False} and on["watched"] is True
    urls = " ".join(w["url"] for w in listed)
    assert X_HOSTILE.handle in urls and "alicedupont" not in urls


def test_the_home_page_shows_the_newest_changes_first(
    signed: SignedIn, served: Served, captured: dict[str, str]
) -> None:
    from datetime import UTC, datetime

    from storage import NewEvent, open_archive

    live = captured[FIXTURE_URLS["x_live"]]
    with open_archive(served.home) as archive:
        post_id = archive.get_capture(live).post_id
        archive.watchlist.record_events(
            [
                NewEvent(post_id, "deleted", datetime(2030, 1, 1, tzinfo=UTC), live, "gone"),
                NewEvent(
                    post_id,
                    "restored",
                    datetime(2030, 1, 2, tzinfo=UTC),
                    live,
                    "back <img src=x onerror=alert('summary')>",
                ),
            ]
        )
    context = signed["vic"]
    dialogs: list[str] = []
    page = context.new_page()
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    page.goto(served.url + "/")
    events = page.locator("ul.events li").all_inner_texts()
    assert events[0].startswith("restored") and "<img src=x" in events[0]
    assert events[1].startswith("deleted")
    page.close()
    assert dialogs == []


def test_pages_fit_a_phone_screen(
    browser: Browser, served: Served, captured: dict[str, str]
) -> None:
    """At 390 px wide nothing scrolls sideways but the tables meant to. With
    POSTPROOF_DOCS_SCREENSHOTS=1, the screenshots of docs/ are taken again."""
    import os
    from pathlib import Path

    live = captured[FIXTURE_URLS["x_live"]]
    docs = Path(__file__).resolve().parents[2] / "docs"
    context = signed_in(browser, served, "ed", viewport={"width": 390, "height": 844})
    page = context.new_page()
    for name, path in (
        ("home", "/"),
        ("capture", f"/captures/{live}"),
        ("deleted", f"/captures/{captured[FIXTURE_URLS['x_deleted']]}"),
        ("search", "/search?q=budget"),
        ("watching", "/watching"),
    ):
        page.goto(served.url + path)
        width = page.evaluate("document.documentElement.scrollWidth")
        wide = page.evaluate(
            "[...document.querySelectorAll('body *')].filter(e => e.getBoundingClientRect().right"
            " > 390 && !e.closest('.scroll')).map(e => e.tagName + '.' + e.className).slice(0, 8)"
        )
        assert width <= 390, (path, width, wide)
        missing = page.eval_on_selector_all("img", "imgs => imgs.filter(i => !i.alt).length")
        assert missing == 0, path
        if name == "deleted":  # a post that is gone: its capture says so, and why
            assert "not_found" in page.inner_text("h1") and page.is_visible(".reason")
        elif os.environ.get("POSTPROOF_DOCS_SCREENSHOTS") == "1":
            page.screenshot(path=str(docs / f"serve-{name}.png"))
    context.close()
