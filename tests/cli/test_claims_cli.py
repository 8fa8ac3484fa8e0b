"""Articles, links, citations and reports through the command line."""

from __future__ import annotations

import json
from pathlib import Path

import bibtexparser
import pytest
from playwright.sync_api import sync_playwright
from pypdf import PdfReader

from archiver.browser import BASE_ARGS, choose_browser
from tests.conftest import run_cli
from tests.fixtureweb import FIXTURE_URLS, X_HOSTILE, X_LIVE

pytestmark = pytest.mark.browser

ARTICLE = """<!doctype html><html lang="en"><head><title>Council votes budget</title>
<meta name="author" content="Test Reporter"></head><body><article>
<h1>Council votes budget</h1>
<p>The council adopted the budget on Wednesday. Alice Dupont wrote that
“le conseil municipal a voté ce soir le budget 2025”, <a href="{live}">in a post on X</a>.</p>
<p>A hostile account replied. It wrote “Hostile text”,
<a href="{hostile}">according to its post</a>.</p>
<p>Nobody else commented.</p>
</article></body></html>
"""


@pytest.fixture
def article_file(tmp_path: Path) -> Path:
    path = tmp_path / "draft.html"
    path.write_text(
        ARTICLE.format(live=FIXTURE_URLS["x_live"], hostile=FIXTURE_URLS["x_hostile"]), "utf-8"
    )
    return path


def add(cli_env: dict[str, str], source: Path) -> dict:
    done = run_cli("article", "add", str(source), "--json", env=cli_env)
    assert done.returncode == 0, done.stdout + done.stderr
    data = json.loads(done.stdout)
    assert data["ok"] is True
    return data["article"]


def test_article_add_links_claims_and_checks_quotes(
    cli_env: dict[str, str], article_file: Path
) -> None:
    article = add(cli_env, article_file)
    assert article["id"] and article["title"] == "Council votes budget"
    claims = {c["text"]: c for c in article["claims"]}
    alice = next(c for text, c in claims.items() if "Alice Dupont" in text)
    [link] = alice["links"]
    assert link["origin"] == "link" and link["why"]
    [check] = link["checks"]
    assert check["result"] == "exact"
    assert check["excerpt"] and "budget 2025" in check["excerpt"]
    nobody = next(c for text, c in claims.items() if "Nobody" in text)
    assert nobody["links"] == []

    listed = json.loads(run_cli("article", "list", "--json", env=cli_env).stdout)
    assert [a["id"] for a in listed["articles"]] == [article["id"]]
    shown = json.loads(run_cli("article", "show", article["id"][:5], "--json", env=cli_env).stdout)
    assert [c["id"] for c in shown["article"]["claims"]] == [c["id"] for c in article["claims"]]


def test_manual_claims_links_and_unlinks(cli_env: dict[str, str], article_file: Path) -> None:
    article = add(cli_env, article_file)
    done = run_cli(
        "claim", "add", article["id"], "Alice Dupont a écrit : « Le détail des votes ci-dessous »",
        "--json", env=cli_env,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    claim = json.loads(done.stdout)["claim"]
    assert claim["kind"] == "manual" and claim["number"] == len(article["claims"]) + 1
    assert claim["quotes"] == ["Le détail des votes ci-dessous"]

    linked = run_cli("link", claim["id"], FIXTURE_URLS["x_live"], "--json", env=cli_env)
    assert linked.returncode == 0, linked.stderr
    link = json.loads(linked.stdout)["link"]
    assert link["origin"] == "manual" and link["checks"][0]["result"] == "exact"

    removed = run_cli("unlink", claim["id"], "--json", env=cli_env)
    assert json.loads(removed.stdout) == {"ok": True, "removed": 1}
    listed = json.loads(run_cli("claim", "list", article["id"], "--json", env=cli_env).stdout)
    assert next(c for c in listed["claims"] if c["id"] == claim["id"])["links"] == []

    bad = run_cli("link", f"{article['id']}#999", FIXTURE_URLS["x_live"], "--json", env=cli_env)
    assert bad.returncode == 2 and "no claim 999" in json.loads(bad.stdout)["error"]


def test_bibtex_citation_parses(cli_env: dict[str, str], article_file: Path) -> None:
    article = add(cli_env, article_file)
    alice = next(c for c in article["claims"] if "Alice Dupont" in c["text"])
    done = run_cli("cite", alice["id"], "--format", "bibtex", env=cli_env)
    assert done.returncode == 0, done.stderr
    library = bibtexparser.parse_string(done.stdout)
    assert not library.failed_blocks
    [entry] = library.entries
    fields = {f.key: f.value for f in entry.fields}
    assert X_LIVE.author.split()[-1] in fields["author"]
    assert alice["links"][0]["capture_id"] in fields["note"]
    # CSL-JSON inside the JSON envelope is JSON, ready for a reference manager.
    done = run_cli("cite", alice["id"], "--format", "csl-json", "--json", env=cli_env)
    [item] = json.loads(done.stdout)["citations"]
    assert item["type"] == "post" and item["archive_location"] == alice["links"][0]["capture_id"]


def test_html_report_is_self_contained_and_escapes_captured_content(
    cli_env: dict[str, str], article_file: Path, tmp_path: Path
) -> None:
    article = add(cli_env, article_file)
    report = tmp_path / "report.html"
    done = run_cli("report", article["id"], "--format", "html", "-o", str(report), env=cli_env)
    assert done.returncode == 0, done.stderr
    html = report.read_text("utf-8")
    assert X_HOSTILE.author not in html and "<script>alert" not in html

    requests: list[str] = []
    dialogs: list[str] = []
    with sync_playwright() as pw:
        choice = choose_browser(pw)
        browser = pw.chromium.launch(
            executable_path=str(choice.executable) if choice.executable else None,
            args=list(BASE_ARGS),
        )
        try:
            context = browser.new_context(offline=True)
            context.route(
                "**/*",
                lambda route: (
                    (requests.append(route.request.url), route.abort())
                    if not route.request.url.startswith(("file:", "data:"))
                    else route.continue_()
                ),
            )
            page = context.new_page()
            page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
            page.goto(report.as_uri())
            page.wait_for_load_state("load")
            images = page.eval_on_selector_all(
                "img", "imgs => imgs.map(i => [i.complete, i.naturalWidth])"
            )
            scripts = page.eval_on_selector_all("script", "els => els.length")
            text = page.inner_text("body")
        finally:
            browser.close()
    assert requests == [] and dialogs == []
    assert images and all(complete and width > 0 for complete, width in images)
    assert scripts == 0
    assert 'Hostile text <script>alert("text")</script>' in text


def test_pdf_report_is_printed_with_its_evidence_and_full_pages(
    cli_env: dict[str, str], article_file: Path, tmp_path: Path
) -> None:
    article = add(cli_env, article_file)
    report = tmp_path / "report.pdf"
    done = run_cli(
        "report", article["id"], "--format", "pdf", "-o", str(report), "--json", env=cli_env
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["path"] == str(report.resolve())
    assert "refused a request" not in done.stderr  # the report asks for nothing outside it
    assert report.read_bytes().startswith(b"%PDF-")
    pages = PdfReader(report).pages
    assert len(pages) >= 1
    texts = [squeezed(page.extract_text()) for page in pages]
    alice = next(c for c in article["claims"] if "Alice Dupont" in c["text"])
    assert squeezed(alice["text"]) in "".join(texts)
    capture_id = alice["links"][0]["capture_id"]
    shown = run_cli("show", capture_id, "--json", env=cli_env)
    hashes = {a["kind"]: a["sha256"] for a in json.loads(shown.stdout)["capture"]["artifacts"]}
    assert hashes["screenshot"] in "".join(texts)
    assert hashes["post_screenshot"] in "".join(texts)
    # The full page, which opens in an overlay on screen, is printed on a page of its own.
    [full] = [
        n for n, text in enumerate(texts) if f"Full-pagescreenshotofcapture{capture_id}" in text
    ]
    assert full > 0 and hashes["screenshot"] in texts[full]
    assert len(pages[full].images) == 1


def squeezed(text: str) -> str:
    """Text as a PDF gives it back: lines break anywhere in a long hash or URL."""
    return "".join(text.split())


def test_suggest_and_accept_on_a_plain_text_draft(cli_env: dict[str, str], tmp_path: Path) -> None:
    captured = run_cli("capture", FIXTURE_URLS["x_live"], FIXTURE_URLS["bsky_live"], env=cli_env)
    assert captured.returncode == 0, captured.stderr
    draft = tmp_path / "draft.txt"
    draft.write_text(
        "Budget\n\nAlice Dupont a écrit que le conseil municipal a voté ce soir le budget 2025.\n\n"
        "Il pleuvra demain.\n",
        encoding="utf-8",
    )
    article = add(cli_env, draft)
    done = run_cli("link", "--suggest", article["id"], "--accept", "--json", env=cli_env)
    assert done.returncode == 0, done.stderr
    data = json.loads(done.stdout)
    alice = next(c for c in article["claims"] if "Alice Dupont" in c["text"])
    first = next(s for s in data["suggestions"] if s["claim"] == alice["id"])
    assert first["reasons"] and first["score"] >= 0.5
    [accepted] = data["accepted"]
    assert accepted["claim"] == alice["id"] and accepted["origin"] == "suggested"
    assert accepted["capture_id"] == first["capture_id"]
    shown = json.loads(run_cli("show", first["capture_id"], "--json", env=cli_env).stdout)
    assert shown["capture"]["post"]["author"] == "Alice Dupont"
