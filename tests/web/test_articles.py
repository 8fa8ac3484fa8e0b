"""The article pages: claims in order with their evidence, a suggestion accepted with one
click, a link made and removed by hand, the report and the evidence WACZ, roles."""

from __future__ import annotations

import io
import json
import os
import re
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import BrowserContext

from tests.conftest import run_cli
from tests.fixtureweb import FIXTURE_URLS
from tests.web.conftest import Served, SignedIn

DRAFT = (
    "Budget\n\nAlice Dupont a écrit que le conseil municipal a voté ce soir le budget 2025.\n\n"
    "Il pleuvra demain.\n\n"
    "Selon Alice Dupont, le budget 2025 du conseil municipal a été voté.\n"
)


@pytest.fixture(scope="module")
def article(signed: SignedIn, served: Served, captured: dict[str, str]) -> dict:
    """A plain-text draft added from the articles page (a job, followed live to the article's
    page), as `article add` adds it; its evidence is X's live post."""
    page = signed["ed"].new_page()
    page.goto(served.url + "/articles")
    page.fill("#article-text", DRAFT)
    page.fill("#article-title", "Budget")
    page.click("#add-article button")
    page.wait_for_url(re.compile(r"/jobs/[0-9a-f]+$"))
    page.wait_for_url(re.compile(r"/articles/[0-9a-z]+$"), timeout=60_000)
    article_id = page.url.rsplit("/", 1)[1]
    page.close()
    with served.api("vic") as api:
        data = api.get(f"/api/articles/{article_id}").json()["article"]
    assert data["title"] == "Budget" and data["source_name"] == "draft.txt"
    data["evidence"] = captured[FIXTURE_URLS["x_live"]]
    return data


@pytest.fixture(scope="module")
def editor(signed: SignedIn) -> Iterator[BrowserContext]:
    context = signed["ed"]
    dialogs: list[str] = []
    context.on("page", lambda p: p.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss())))
    yield context
    assert dialogs == []


def test_accept_a_suggestion_then_unlink_and_link_by_hand(
    editor: BrowserContext, served: Served, article: dict
) -> None:
    alice = next(c for c in article["claims"] if "Alice Dupont" in c["text"])
    number = alice["number"]
    page = editor.new_page()
    page.goto(served.url + "/articles")
    page.click(f"a[href='/articles/{article['id']}']")
    claim = page.locator(f"#claim-{number}")
    assert "No evidence linked" in claim.inner_text()
    assert article["evidence"] in claim.locator(".suggestion").inner_text()
    claim.locator(".suggestion button", has_text="Accept").click()
    page.wait_for_url(f"**/articles/{article['id']}#claim-{number}")
    claim = page.locator(f"#claim-{number}")
    assert article["evidence"] in claim.locator(".links").inner_text()
    assert "(suggested, by ed)" in claim.locator(".links").inner_text()  # who linked, recorded
    shown = json.loads(run_cli("article", "show", article["id"], "--json", env=served.env).stdout)
    [link] = next(c for c in shown["article"]["claims"] if c["number"] == number)["links"]
    assert link["origin"] == "suggested" and link["capture_id"] == article["evidence"]

    claim.locator("button", has_text="Unlink").click()
    page.wait_for_url(f"**/articles/{article['id']}#claim-{number}")
    assert "No evidence linked" in page.locator(f"#claim-{number}").inner_text()

    page.select_option("#link-claim", alice["id"])
    page.fill("#link-capture", article["evidence"])
    page.fill("#link-quote", "le conseil municipal a voté ce soir le budget 2025")
    page.click("#link-form button[type=submit]")
    page.wait_for_url(f"**/articles/{article['id']}#claim-{number}")
    links = page.locator(f"#claim-{number} .links").inner_text()
    assert article["evidence"] in links and "quote exact" in links and "(manual, by ed)" in links
    page.close()


def test_report_and_evidence_downloads(
    editor: BrowserContext, served: Served, article: dict, tmp_path: Path
) -> None:
    base = f"{served.url}/articles/{article['id']}"
    report = editor.request.get(base + "/report.json")
    assert report.ok and "attachment" in report.headers["content-disposition"]
    data = json.loads(report.body())
    assert data["article"]["id"] == article["id"]
    # The evidence was captured for ed (the package's job): the report says so.
    assert '"made_by": "ed"' in json.dumps(data)
    html = editor.request.get(base + "/report.html")
    assert html.ok and "sandbox" in html.headers["content-security-policy"]
    assert b"asked for by ed" in html.body()
    wacz = editor.request.get(base + "/wacz")
    assert wacz.ok and wacz.body()[:2] == b"PK"
    with zipfile.ZipFile(io.BytesIO(wacz.body())) as bundle:  # who exported it, signed with it
        assert json.loads(bundle.read("postproof/proof.json"))["exported_by"] == "ed"
        assert "Exported by ed" in bundle.read("postproof/README.txt").decode()
    (tmp_path / "evidence.wacz").write_bytes(wacz.body())
    checked = run_cli("verify", str(tmp_path / "evidence.wacz"), "--json", env=served.env)
    assert checked.returncode == 0, checked.stdout + checked.stderr


def test_a_viewer_sees_the_article_but_cannot_link(
    signed: SignedIn, served: Served, article: dict
) -> None:
    context = signed["vic"]
    page = context.new_page()
    page.goto(f"{served.url}/articles/{article['id']}")
    assert page.locator(".claims > li").count() == len(article["claims"])
    assert page.locator("#link-form").count() == 0 and page.locator("text=Accept").count() == 0
    csrf = page.get_attribute("input[name=csrf]", "value") or ""
    claim = article["claims"][0]["id"]
    refused = context.request.post(
        f"{served.url}/articles/{article['id']}/link",
        form={"csrf": csrf, "claim": claim, "capture_id": article["evidence"]},
    )
    assert refused.status == 403
    page.close()


def test_the_api_reads_and_links_like_the_command_line(served: Served, article: dict) -> None:
    alice = next(c for c in article["claims"] if "Alice Dupont" in c["text"])
    base = f"/api/articles/{article['id']}"
    with served.api("ed") as api:
        removed = api.post(base + "/unlink", json={"claim": alice["id"]}).json()
        suggested = api.get(base + "/suggestions").json()
        linked = api.post(
            base + "/links",
            json={"claim": alice["id"], "capture_id": article["evidence"], "relation": "context"},
        )
        api.post(base + "/unlink", json={"claim": alice["id"]})
        accepted = api.post(
            base + "/accept", json={"claim": alice["id"], "capture_id": article["evidence"]}
        )
        shown = api.get(base).json()
    assert removed == {"ok": True, "removed": removed["removed"]}
    assert [s["capture_id"] for s in suggested["suggestions"] if s["claim"] == alice["id"]]
    assert accepted.status_code == 201 and accepted.json()["link"]["origin"] == "suggested"
    assert accepted.json()["link"]["made_by"] == "ed"
    assert linked.status_code == 201 and linked.json()["link"]["relation"] == "context"
    as_cli = run_cli("article", "show", article["id"], "--json", env=served.env)
    assert shown == json.loads(as_cli.stdout)
    with served.api("vic") as api:
        refused = api.post(
            base + "/links", json={"claim": alice["id"], "capture_id": article["evidence"]}
        )
    assert refused.status_code == 403
    with served.api("ed") as api:
        neither = api.post("/api/articles", json={"title": "no text, no address"})
    with served.api("vic") as api:
        viewer = api.post("/api/articles", json={"text": "A claim."})
    assert neither.status_code == 400 and "one of the two" in neither.json()["error"]
    assert viewer.status_code == 403


def test_find_evidence_by_search_and_link_it(
    editor: BrowserContext, served: Served, article: dict
) -> None:
    rain = next(c for c in article["claims"] if "pleuvra" in c["text"])
    page = editor.new_page()
    page.goto(f"{served.url}/articles/{article['id']}")
    page.fill("#find", "conseil municipal")
    page.click("#find-form button")
    found = page.locator(
        ".found li", has=page.locator(f"a[href='/captures/{article['evidence']}']")
    )
    found.locator("select").select_option(rain["id"])
    found.locator("button", has_text="Link").click()
    page.wait_for_url(f"**/articles/{article['id']}#claim-{rain['number']}")
    assert article["evidence"] in page.locator(f"#claim-{rain['number']} .links").inner_text()
    page.goto(f"{served.url}/articles/{article['id']}?find=nothing+matches+zzzq")
    assert "No capture matches" in page.inner_text(".found")
    page.close()


def test_the_article_page_fits_a_phone_screen(
    editor: BrowserContext, served: Served, article: dict
) -> None:
    """At 390 px wide nothing scrolls sideways but the tables meant to, and a suggestion can
    still be accepted or rejected. With POSTPROOF_DOCS_SCREENSHOTS=1, docs/serve-article.png
    is taken again: the claims, their evidence and a suggestion."""
    rain = next(c for c in article["claims"] if "pleuvra" in c["text"])
    with served.api("ed") as api:  # linked by hand before: no post says it will rain
        api.post(f"/api/articles/{article['id']}/unlink", json={"claim": rain["id"]})
    page = editor.new_page()
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{served.url}/articles/{article['id']}")
    width = page.evaluate("document.documentElement.scrollWidth")
    wide = page.evaluate(
        "[...document.querySelectorAll('body *')].filter(e => e.getBoundingClientRect().right"
        " > 390 && !e.closest('.scroll')).map(e => e.tagName + '.' + e.className).slice(0, 8)"
    )
    assert width <= 390, (width, wide)
    assert page.eval_on_selector_all("img", "imgs => imgs.filter(i => !i.alt).length") == 0
    suggestion = page.locator(".suggestion").first
    assert suggestion.locator("button", has_text="Accept").is_visible()
    assert suggestion.locator("button", has_text="Reject").is_visible()
    if os.environ.get("POSTPROOF_DOCS_SCREENSHOTS") == "1":
        page.evaluate("document.getElementById('claims-title').scrollIntoView()")
        docs = Path(__file__).resolve().parents[2] / "docs"
        page.screenshot(path=str(docs / "serve-article.png"))
    page.close()


def test_reject_a_suggestion_and_it_is_not_suggested_again(
    editor: BrowserContext, signed: SignedIn, served: Served, article: dict
) -> None:
    """Last of the module: a rejection lasts (the tests before it accept the suggestion)."""
    alice = next(c for c in article["claims"] if "Alice Dupont" in c["text"])
    base = f"/api/articles/{article['id']}"
    with served.api("ed") as api:
        api.post(base + "/unlink", json={"claim": alice["id"]})
    with served.api("vic") as api:
        refused = api.post(
            base + "/reject", json={"claim": alice["id"], "capture_id": article["evidence"]}
        )
    assert refused.status_code == 403
    page = editor.new_page()
    page.goto(f"{served.url}/articles/{article['id']}")
    claim = page.locator(f"#claim-{alice['number']}")
    suggested = claim.locator(
        ".suggestion", has=page.locator(f"code:text('{article['evidence']}')")
    )
    suggested.locator("button", has_text="Reject").click()
    page.wait_for_url(f"**/articles/{article['id']}#claim-{alice['number']}")
    claim = page.locator(f"#claim-{alice['number']}")
    assert "No evidence linked" in claim.inner_text()
    assert article["evidence"] not in claim.inner_text()
    page.close()

    cli = run_cli("link", "--suggest", article["id"], "--json", env=served.env)
    pairs = {(s["claim"], s["capture_id"]) for s in json.loads(cli.stdout)["suggestions"]}
    assert (alice["id"], article["evidence"]) not in pairs
    asked = {"claim": alice["id"], "capture_id": article["evidence"]}
    with served.api("ed") as api:
        listed = api.get(base + "/suggestions").json()["suggestions"]
        again = api.post(base + "/reject", json=asked)
        accepted = api.post(base + "/accept", json=asked)
        by_hand = api.post(base + "/links", json=asked)  # a rejection never forbids a link
    assert (alice["id"], article["evidence"]) not in {(s["claim"], s["capture_id"]) for s in listed}
    assert again.status_code == 400 and "not suggested" in again.json()["error"]
    assert accepted.status_code == 400
    assert by_hand.status_code == 201 and by_hand.json()["link"]["origin"] == "manual"

    # The same post is still suggested for the other claim that names Alice Dupont.
    other = next(c for c in article["claims"] if c["text"].startswith("Selon Alice"))
    with served.api("ed") as api:
        made = api.post(base + "/reject", json={**asked, "claim": other["id"]})
        left = api.get(base + "/suggestions").json()["suggestions"]
    assert made.status_code == 201, made.text
    rejected = made.json()["rejected"]
    assert rejected["claim"] == other["id"] and rejected["rejected_by"] == "ed"
    assert rejected["capture_id"] == article["evidence"] and rejected["rejected_at"].endswith("Z")
    assert article["evidence"] not in [s["capture_id"] for s in left]
