"""Reports in HTML, Markdown and JSON — and the HTML opened in Chromium, cut off from the
network, with hostile captured text in it."""

from __future__ import annotations

import asyncio
import html
import io
import json
import re
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from html.parser import HTMLParser
from pathlib import Path

import pytest
from PIL import Image

from archiver.errors import UsageError
from claims._match import match_quote
from claims._report import ReportClaim, ReportData, ReportLink, ReportSummary, render_report
from claims.models import ClaimKind, MatchResult, QuoteMatch, Relation

SCRIPT = "<script>alert(1)</script>"
IMG = '"><img src=x onerror=alert(2)>'
HOSTILE = f"{SCRIPT}{IMG}"
SHOT = "3f79bb7b435b05321651daefd374cdc681dc06faa65e374e38337b88ca046dea"
POST_SHOT = "9b74c9897bac770ffc029102a200c5de6a3b3f2b6d51c7e8c2d5f9d3e0a1b2c3"
MISQUOTE = "Je ne regrette pas d'avoir envoyé cet e-mail"
ANSWER = (
    "Merci pour la réponse, Igor. Mais je ne pense pas regretter d'avoir envoyé cet e-mail : "
    "le sujet n'a jamais été la personne qui m'a écrit."
)
KEY_SENTENCE = "Je ne peux pas travailler pour Victor Kessler en conscience."


def png(color: tuple[int, int, int]) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (48, 32), color).save(out, format="PNG")
    return out.getvalue()


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


ANSWER_LINK = ReportLink(
    capture_id="7k3m9x2a",
    url="https://x.com/camroyer/status/1894275112830509056",
    platform="x",
    post_id="1894275112830509056",
    author="Camille Royer",
    handle="camroyer",
    posted_at=at("2025-02-25T07:46:00"),
    relation=Relation.CONTRADICTS,
    why="linked from the claim's sentence",
    origin="link",
    quote=MISQUOTE,
    match=match_quote(MISQUOTE, [("post_text", ANSWER)]),
    captured_at=at("2025-02-25T09:00:05"),
    screenshot_sha256=SHOT,
    post_screenshot_sha256=POST_SHOT,
    status="deleted",
    status_since=at("2026-03-02T04:00:00"),
    thumbnail_png=png((29, 155, 240)),
    post_text=ANSWER,
    checked_at=at("2026-11-27T10:00:00"),
)
EMAIL_LINK = replace(
    ANSWER_LINK,
    capture_id="q4r8s2t6",
    url="https://x.com/camroyer/status/1894067238546391040",
    post_id="1894067238546391040",
    posted_at=at("2025-02-24T18:04:00"),
    relation=Relation.SUPPORTS,
    origin="embed",
    quote=KEY_SENTENCE,
    match=QuoteMatch(
        MatchResult.FUZZY, 96.5, "Je ne peux\npas travailler pour Victor", "image:ab12"
    ),
    status="live",
    status_since=None,
    post_text="Voici l'e-mail que j'ai envoyé.",
    thumbnail_png=png((240, 120, 20)),
)
HOSTILE_LINK = replace(
    ANSWER_LINK,
    capture_id="h0st1le0",
    url="javascript:alert(3)",
    author=HOSTILE,
    handle=HOSTILE,
    why=HOSTILE,
    origin="manual",
    quote=f"pense {SCRIPT}",
    match=QuoteMatch(MatchResult.FUZZY, 88.0, f"pense {SCRIPT}", "post_text"),
    status="edited",
    post_text=f"Je pense {SCRIPT} et {IMG}",
    thumbnail_png=b"not a png" + HOSTILE.encode(),
)

CLAIMS = (
    ReportClaim(
        number=2,
        text=f"« {MISQUOTE} », a déclaré l'ingénieur.",
        paragraph=3,
        kind=ClaimKind.SENTENCE,
        section=None,
        quotes=(MISQUOTE,),
        speaker="Camille Royer",
        links=(ANSWER_LINK, HOSTILE_LINK),
    ),
    ReportClaim(
        number=1,
        text=f"« {KEY_SENTENCE} », a écrit l'ingénieur.",
        paragraph=1,
        kind=ClaimKind.SENTENCE,
        section=None,
        quotes=(KEY_SENTENCE,),
        speaker="Camille Royer",
        links=(EMAIL_LINK,),
    ),
    ReportClaim(
        number=3,
        text=f"Nébula IA a été fondée en 2019. {HOSTILE}",
        paragraph=5,
        kind=ClaimKind.LIST_ITEM,
        section=f"Points clés {HOSTILE}",
        quotes=(),
        speaker=None,
        links=(),
    ),
)
REPORT = ReportData(
    article_id="a7b3",
    title=f"L'ingénieur qui a dit non {HOSTILE}",
    url="https://www.lequotidien.example/tech/2025/02/25/ingenieur",
    byline=f"Par Léa Morel {HOSTILE}",
    published_at=at("2025-02-25T10:00:00"),
    lang="fr",
    generated_at=at("2026-11-27T12:00:00"),
    tool_version="0.1.0",
    claims=CLAIMS,
)


def test_summary_counts() -> None:
    assert REPORT.summary == ReportSummary(
        claims_total=3,
        claims_with_evidence=2,
        claims_without_evidence=1,
        quotes_checked=3,
        quotes_not_found=1,
        evidence_deleted_or_edited=2,
    )


def test_unknown_format_is_a_usage_error() -> None:
    with pytest.raises(UsageError) as caught:
        render_report(REPORT, "pdf")
    assert caught.value.hint is not None and "html, md, json" in caught.value.hint


# -- JSON -----------------------------------------------------------------------------------------


def test_json_shape_order_and_times() -> None:
    data = json.loads(render_report(REPORT, "json"))
    assert data["article"] == {
        "id": "a7b3",
        "title": f"L'ingénieur qui a dit non {HOSTILE}",
        "url": "https://www.lequotidien.example/tech/2025/02/25/ingenieur",
        "byline": f"Par Léa Morel {HOSTILE}",
        "published_at": "2025-02-25T10:00:00.000Z",
        "lang": "fr",
    }
    assert data["summary"] == REPORT.summary.to_json()
    assert [claim["number"] for claim in data["claims"]] == [1, 2, 3]
    claim = data["claims"][1]
    assert set(claim) >= {"number", "text", "paragraph", "kind", "section", "quotes", "speaker"}
    assert claim["kind"] == "sentence" and claim["quotes"] == [MISQUOTE]
    link = claim["links"][0]
    assert {
        "capture_id": "7k3m9x2a",
        "url": ANSWER_LINK.url,
        "platform": "x",
        "post_id": "1894275112830509056",
        "relation": "contradicts",
        "why": "linked from the claim's sentence",
        "origin": "link",
        "quote": MISQUOTE,
        "match": {
            "result": "not_found",
            "score": 80.0,
            "excerpt": "je ne pense pas regretter d'avoir envoyé cet e-mail",
            "source": "post_text",
        },
        "captured_at": "2025-02-25T09:00:05.000Z",
        "screenshot_sha256": SHOT,
        "status": "deleted",
        "status_since": "2026-03-02T04:00:00.000Z",
    }.items() <= link.items()
    assert data["claims"][2]["links"] == []


# -- HTML -----------------------------------------------------------------------------------------


class Elements(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))


def elements(page: str) -> list[tuple[str, dict[str, str | None]]]:
    parser = Elements()
    parser.feed(page)
    parser.close()
    return parser.tags


def test_html_holds_no_executable_markup_from_captured_text() -> None:
    page = render_report(REPORT, "html")
    tags = elements(page)
    assert "script" not in {tag for tag, _ in tags}
    assert not [(tag, name) for tag, attrs in tags for name in attrs if name.startswith("on")]
    images = [attrs for tag, attrs in tags if tag == "img"]
    assert len(images) == 2  # the hostile link's "thumbnail" is not a PNG and is left out
    assert all((img["src"] or "").startswith("data:image/png;base64,") for img in images)
    assert not [attrs for tag, attrs in tags if tag == "a" and "javascript" in str(attrs)]
    text = html.unescape(page)
    assert text.count(SCRIPT) >= 6  # shown as text: title, byline, claim, author, why, post


def test_html_is_self_contained() -> None:
    page = render_report(REPORT, "html")
    for tag, attrs in elements(page):
        for name in ("src", "srcset", "data", "poster", "action", "formaction"):
            value = attrs.get(name)
            assert value is None or value.startswith("data:"), (tag, name, value)
        if tag == "link":
            assert (attrs.get("href") or "").startswith("data:")
    assert "@import" not in page and "url(" not in page
    assert "Content-Security-Policy" in page


def test_html_content() -> None:
    page = render_report(REPORT, "html")
    assert page.startswith("<!DOCTYPE html>")
    assert '<html lang="fr">' in page
    assert "@media print" in page
    summary_at, first_claim_at = page.index('id="summary"'), page.index('id="claim-1"')
    assert summary_at < first_claim_at < page.index('id="claim-2"') < page.index('id="claim-3"')
    # the matched passage is marked inside the post's text, escaped around it
    assert (
        'Mais <mark class="closest">je ne pense pas regretter d&#39;avoir envoyé cet e-mail'
        "</mark> : le sujet"
    ) in page
    assert f'<mark class="found">pense {html.escape(SCRIPT)}</mark> et ' in page
    # text read from an image: the passage shown on its own
    assert '<mark class="found">Je ne peux\npas travailler pour Victor</mark>' in page
    assert "not found" in page and "(score 80)" in page and "(score 96.5)" in page
    assert '<dd class="status-gone">deleted since 2026-03-02 (last checked 2026-11-27)</dd>' in page
    assert '<dd class="status-live">live as of 2026-11-27</dd>' in page
    assert SHOT in page and POST_SHOT in page and "2025-02-25T09:00:05Z" in page
    assert "Contradicts: linked from the claim&#39;s sentence" in page
    claim_3 = page[page.index('id="claim-3"') :]
    assert 'class="claim no-evidence"' in page and "No evidence linked" in claim_3


def test_html_lang_is_sanitised() -> None:
    page = render_report(replace(REPORT, lang='fr" onload="alert(1)'), "html")
    assert '<html lang="und">' in page
    assert '<html lang="en">' in render_report(replace(REPORT, lang="en"), "html")


# -- Markdown -------------------------------------------------------------------------------------


def test_markdown_content() -> None:
    text = render_report(REPORT, "md")
    assert text.startswith("# Claims report: L'ingénieur qui a dit non \\<script\\>")
    assert not re.search(r"(?<!\\)<(?!https://)", text)  # every "<" escaped, but autolinks
    assert text.index("### Claim 1") < text.index("### Claim 2") < text.index("### Claim 3")
    assert "- **Quotes not found in their evidence: 1**" in text
    assert "capture `7k3m9x2a`" in text and f"SHA-256 `{SHOT}`" in text
    assert "data:image" not in text
    assert "**deleted since 2026-03-02 (last checked 2026-11-27)**" in text
    assert "Closest passage: “**je ne pense pas regretter d'avoir envoyé cet e-mail**”" in text
    assert "**⚠ No evidence linked to this claim.**" in text
    assert "- Post: javascript:alert(3), posted" in text  # text, not an autolink


# -- in the browser -------------------------------------------------------------------------------


@pytest.mark.browser
def test_html_report_in_chromium_runs_nothing_and_requests_nothing(tmp_path: Path) -> None:
    report = tmp_path / "report.html"
    report.write_text(render_report(REPORT, "html"), encoding="utf-8")
    seen = asyncio.run(_open_in_chromium(report))
    assert seen.dialogs == []
    assert seen.left_the_file == []
    assert seen.scripts == 0
    assert seen.handlers == []
    assert len(seen.image_widths) == 2 and all(width > 0 for width in seen.image_widths)
    assert SCRIPT in seen.text and IMG in seen.text
    assert seen.marks == 3


@dataclass(frozen=True)
class Seen:
    dialogs: list[str]
    left_the_file: list[str]  # requests for anything but file: and data: URLs
    scripts: int
    handlers: list[str]  # on* attributes, as "TAG onname"
    image_widths: list[int]
    text: str
    marks: int


async def _open_in_chromium(report: Path) -> Seen:
    from playwright.async_api import Dialog, Route, async_playwright

    from archiver.browser import launch

    dialogs: list[str] = []
    left: list[str] = []

    async def dismiss(dialog: Dialog) -> None:
        dialogs.append(dialog.message)
        await dialog.dismiss()

    async def only_local(route: Route) -> None:
        url = route.request.url
        if url.startswith(("file:", "data:")):
            await route.continue_()
        else:
            left.append(url)
            await route.abort()

    async with async_playwright() as pw:
        browser, _ = await launch(pw)
        try:
            context = await browser.new_context(
                viewport={"width": 1000, "height": 800},
                device_scale_factor=1,
                locale="fr-FR",
                timezone_id="UTC",
                java_script_enabled=True,  # so that any injected script would run
                bypass_csp=True,  # the markup itself must be clean, not only held by the CSP
            )
            await context.route("**/*", only_local)
            page = await context.new_page()
            page.on("dialog", dismiss)
            page.on(
                "request",
                lambda request: (
                    None if request.url.startswith(("file:", "data:")) else left.append(request.url)
                ),
            )
            await page.goto(report.as_uri(), wait_until="load")
            await page.wait_for_timeout(200)
            scripts = await page.evaluate("document.querySelectorAll('script').length")
            handlers = await page.evaluate(
                """() => [...document.querySelectorAll('*')].flatMap((el) =>
                       [...el.attributes].filter((a) => a.name.startsWith('on'))
                                         .map((a) => el.tagName + ' ' + a.name))"""
            )
            widths = await page.evaluate(
                "[...document.images].map((img) => img.complete ? img.naturalWidth : 0)"
            )
            marks = await page.evaluate("document.querySelectorAll('mark').length")
            text = await page.inner_text("body")
            await page.emulate_media(media="print")  # the print styles apply without error
            await context.close()
        finally:
            await browser.close()
    return Seen(dialogs, left, scripts, handlers, widths, text, marks)


def test_control_and_bidi_characters_are_shown_not_obeyed() -> None:
    """A post's U+202E would show "gpj.exe" as "exe.jpg"; an ESC sequence has no place in a
    file a lawyer opens: both reports show them as visible escapes."""
    trap = "photo\u202egpj.exe \x1b[2J"
    link = replace(ANSWER_LINK, author=trap, post_text=f"{ANSWER} {trap}", why=trap)
    claim = replace(CLAIMS[0], text=f"{CLAIMS[0].text} {trap}", links=(link,))
    report = replace(REPORT, title=trap, claims=(claim,))
    for fmt in ("html", "md"):
        page = render_report(report, fmt)
        assert "\u202e" not in page and "\x1b" not in page, fmt
        shown = html.unescape(page).replace("\\\\", "\\")  # Markdown doubles backslashes
        assert "\\u202egpj.exe \\x1b" in shown, fmt
    assert "\u202e" in json.loads(render_report(report, "json"))["article"]["title"]
