"""Reports in HTML, Markdown and JSON — and the HTML opened in Chromium, cut off from the
network, with hostile captured text in it."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import html
import io
import json
import re
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from html.parser import HTMLParser
from pathlib import Path

import pytest
from markupsafe import escape
from PIL import Image

from archiver.errors import UsageError
from claims._match import match_quote
from claims._proofs import (
    ArchiveKey,
    AuthorSignature,
    LogProof,
    NewestVersion,
    PostEdit,
    StampFact,
)
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
KEY = ArchiveKey(
    verifier="postproof-archive+1a2b3c4d+AVtdm5ZBkl3bXmvz4HJ7O1qmmZaGwF+oV8c2f3Zc0AbC",
    sha256="5e" * 32,
)
ROOT = "c0ffee" + "ab" * 29
STAMP = StampFact(
    tsa_url="https://tsa.example/tsr",
    time=datetime(2025, 2, 25, 9, 5, 17, tzinfo=UTC),
    checkpoint_size=57,
    bundle_token="postproof/timestamp-2.tsr",
    has_certificates=True,
)
NEW_TEXT = "Je pense autre chose et voilà."


def png(color: tuple[int, int, int], size: tuple[int, int] = (48, 32)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, color).save(out, format="PNG")
    return out.getvalue()


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def data_uri(data: bytes) -> str:
    return "data:image/png;base64," + base64.b64encode(data).decode("ascii")


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


ANSWER_POST_PNG = png((29, 155, 240), (60, 40))
ANSWER_PAGE_PNG = png((250, 200, 0), (90, 420))  # the full page: taller than any screen cell
SKEET_POST_PNG = png((40, 160, 90), (50, 36))
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
    screenshot_png=ANSWER_PAGE_PNG,
    post_screenshot_png=ANSWER_POST_PNG,
    logged_in=True,
    proof=LogProof(
        index=41,
        key=KEY.verifier,
        checkpoint_size=57,
        checkpoint_root=ROOT,
        checkpoint_signed_at=at("2025-02-25T09:05:01"),
        timestamp=STAMP,
    ),
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
    thumbnail_png=png((240, 120, 20)),  # an older report's data: a thumbnail, no screenshots
    screenshot_png=None,
    post_screenshot_png=None,
    logged_in=False,
    note="Courriel authentifié par la rédaction auprès de son destinataire.",
    proof=LogProof(
        index=40,
        key=KEY.verifier,
        checkpoint_size=60,
        checkpoint_root="ab" * 32,
        checkpoint_signed_at=at("2025-02-25T09:30:00"),
    ),
)
SKEET_LINK = replace(
    EMAIL_LINK,
    capture_id="b5k7e2t9",
    url="https://bsky.app/profile/camroyer.bsky.social/post/3ljzq4xkxa22s",
    platform="bluesky",
    post_id="3ljzq4xkxa22s",
    handle="camroyer.bsky.social",
    quote=None,
    match=None,
    thumbnail_png=None,
    post_screenshot_png=SKEET_POST_PNG,
    post_text="J'ai répondu ce matin.",
    note=None,
    author_signature=AuthorSignature(
        verified=True,
        did="did:plc:7iza6de2dwap2sbkpav7c6c6",
        record_cid="bafyreib2rxk3rh6kzwq",
        signing_key="did:key:zQ3shXjHeiBuRCKmM36cuYnm7YEMzhGnCmCyW92sRJ9pribSF",
    ),
    proof=LogProof(index=39, key=KEY.verifier),  # logged, not yet in a signed checkpoint
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
    post_screenshot_png=b"not a png either" + HOSTILE.encode(),
    screenshot_png=None,
    logged_in=False,
    note=f"note {HOSTILE}",
    edits=(
        PostEdit(
            detected_at=at("2026-03-02T04:00:00"),
            before_capture_id="h0st1le0",
            after_capture_id="n3wv3rs1",
            diff=(
                ("equal", "Je pense"),
                ("delete", f"{SCRIPT} et {IMG}"),
                ("insert", "autre chose et voilà."),
            ),
        ),
    ),
    newest=NewestVersion(
        capture_id="n3wv3rs1",
        captured_at=at("2026-03-02T03:58:00"),
        match=match_quote(f"pense {SCRIPT}", [("post_text", NEW_TEXT)]),
    ),
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
        links=(EMAIL_LINK, SKEET_LINK),
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
    key=KEY,
)


def test_summary_counts() -> None:
    assert REPORT.summary == ReportSummary(
        claims_total=3,
        claims_with_evidence=2,
        claims_without_evidence=1,
        quotes_checked=3,
        quotes_not_found=1,
        evidence_deleted_or_edited=2,
        claims_misquoted=1,
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


def test_json_carries_the_proof_material_of_each_piece_of_evidence() -> None:
    data = json.loads(render_report(REPORT, "json"))
    assert data["key"] == {"verifier": KEY.verifier, "sha256": KEY.sha256}
    assert data["summary"]["claims_misquoted"] == 1
    email, skeet = data["claims"][0]["links"]
    answer, hostile = data["claims"][1]["links"]
    assert answer["proof"] == {
        "log_index": 41,
        "key": KEY.verifier,
        "checkpoint": {"size": 57, "root_hash": ROOT, "signed_at": "2025-02-25T09:05:01.000Z"},
        "timestamp": {
            "time": "2025-02-25T09:05:17.000Z",
            "tsa_url": "https://tsa.example/tsr",
            "checkpoint_size": 57,
            "token_in_bundle": "postproof/timestamp-2.tsr",
            "checkpoint_in_bundle": "postproof/timestamp-2.checkpoint",
            "certificates_in_bundle": "postproof/timestamp-2-certs.pem",
        },
    }
    assert (answer["captured_logged_in"], answer["note"], answer["author_signature"]) == (
        True,
        None,
        None,
    )
    assert email["proof"]["checkpoint"]["size"] == 60 and email["proof"]["timestamp"] is None
    assert email["note"] == EMAIL_LINK.note and email["captured_logged_in"] is False
    assert skeet["proof"]["checkpoint"] is None  # logged, not yet sealed
    assert skeet["author_signature"]["verified"] is True
    assert skeet["author_signature"]["did"] == "did:plc:7iza6de2dwap2sbkpav7c6c6"
    assert (answer["post_screenshot_sha256"], hostile["note"]) == (POST_SHOT, f"note {HOSTILE}")
    [missing] = data["claims"][1]["quotes_not_found"]
    assert missing == {
        "quote": MISQUOTE,
        "closest": ANSWER_LINK.match.excerpt if ANSWER_LINK.match else None,
        "score": ANSWER_LINK.match.score if ANSWER_LINK.match else None,
        "capture_id": "7k3m9x2a",
    }
    commands = [c for step in data["verify"] for c in step["commands"]]
    assert "postproof export --article a7b3 -o evidence-a7b3.wacz" in commands
    assert f"postproof verify evidence-a7b3.wacz --key '{KEY.verifier}'" in commands
    assert (
        "openssl ts -verify -in evidence-a7b3/postproof/timestamp-2.tsr "
        "-data evidence-a7b3/postproof/timestamp-2.checkpoint -CAfile TSA-ROOT.pem "
        "-untrusted evidence-a7b3/postproof/timestamp-2-certs.pem"
    ) in commands


def test_json_of_an_edited_post_carries_the_diff_and_the_quote_checked_again() -> None:
    data = json.loads(render_report(REPORT, "json"))
    hostile = data["claims"][1]["links"][1]
    assert hostile["edits"] == [
        {
            "detected_at": "2026-03-02T04:00:00.000Z",
            "before_capture_id": "h0st1le0",
            "after_capture_id": "n3wv3rs1",
            "diff": [[op, words] for op, words in HOSTILE_LINK.edits[0].diff],
        }
    ]
    newest = HOSTILE_LINK.newest
    assert newest is not None and newest.match is not None
    assert newest.match.result is MatchResult.NOT_FOUND  # the edit removed the quoted words
    assert hostile["newest_version"]["capture_id"] == "n3wv3rs1"
    assert hostile["newest_version"]["quote_survives"] is False
    assert hostile["newest_version"]["match"]["result"] == "not_found"
    assert data["claims"][1]["links"][0]["edits"] == []


def test_a_quote_found_in_other_evidence_is_no_misquote() -> None:
    found = replace(
        EMAIL_LINK,
        quote=MISQUOTE,
        match=QuoteMatch(MatchResult.EXACT, 100.0, MISQUOTE, "post_text"),
    )
    claim = replace(CLAIMS[0], links=(ANSWER_LINK, found))
    assert claim.missing_quotes == ()
    [missing] = replace(claim, links=(ANSWER_LINK,)).missing_quotes
    assert (missing.quote, missing.capture_id) == (MISQUOTE, ANSWER_LINK.capture_id)
    unchecked = replace(ANSWER_LINK, match=None)
    assert replace(claim, links=(unchecked,)).missing_quotes == ()  # not checked: not flagged


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
    # The posts shown (ANSWER's, EMAIL's thumbnail, SKEET's) are SVG images, the full page
    # (ANSWER's) an <img>; the hostile link's "screenshot" is not a PNG and is left out.
    shown = [attrs["href"] for tag, attrs in tags if tag == "image"]
    pages = [attrs["src"] for tag, attrs in tags if tag == "img"]
    assert (len(shown), len(pages)) == (3, 1)
    assert all((uri or "").startswith("data:image/png;base64,") for uri in shown + pages)
    assert not [attrs for tag, attrs in tags if tag == "a" and "javascript" in str(attrs)]
    text = html.unescape(page)
    assert text.count(SCRIPT) >= 6  # shown as text: title, byline, claim, author, why, post


def test_html_is_self_contained() -> None:
    page = render_report(REPORT, "html")
    for tag, attrs in elements(page):
        for name in ("src", "srcset", "data", "poster", "action", "formaction"):
            value = attrs.get(name)
            assert value is None or value.startswith("data:"), (tag, name, value)
        if tag in ("link", "image"):
            assert (attrs.get("href") or "").startswith("data:"), (tag, attrs)
        if tag == "use":
            assert (attrs.get("href") or "").startswith("#"), (tag, attrs)
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
    assert 'class="claim no-evidence alert"' in page and "No evidence linked" in claim_3


def test_html_lang_is_sanitised() -> None:
    page = render_report(replace(REPORT, lang='fr" onload="alert(1)'), "html")
    assert '<html lang="und">' in page
    assert '<html lang="en">' in render_report(replace(REPORT, lang="en"), "html")


def _claim_html(page: str, number: int) -> str:
    start = page.index(f'id="claim-{number}"')
    end = page.find('id="claim-', start + 1)
    return page[start : end if end != -1 else page.index('id="verify"')]


def test_html_carries_the_proof_material_of_each_piece_of_evidence() -> None:
    page = render_report(REPORT, "html")
    answer = _claim_html(page, 2)
    for fact in (
        '<time datetime="2025-02-25T09:00:05Z">2025-02-25T09:00:05Z</time>',
        "index <code>41</code>",
        f"tree size <code>57</code>, root hash <code>{ROOT}</code>",
        "2025-02-25T09:05:17Z</time> (RFC 3161) by https://tsa.example/tsr",
        "token <code>postproof/timestamp-2.tsr</code> in the bundle",
        f"<code>{SHOT}</code> (full page)",
        f"<code>{POST_SHOT}</code>",
        f"manifest signed by <code>{KEY.verifier}</code>",
        "captured while logged in",
    ):
        assert fact in answer, fact
    email = _claim_html(page, 1)
    assert "tree size <code>60</code>" in email and "no timestamp yet" in email
    assert html.escape(EMAIL_LINK.note or "") in email
    assert "not yet in a signed checkpoint" in email  # the Bluesky post of the same claim
    assert "signed by its author" in email and "did:plc:7iza6de2dwap2sbkpav7c6c6" in email
    assert "signed by its author" not in answer and "logged in" not in email
    verify = page[page.index('id="verify"') :]
    assert "How to verify this evidence" in verify
    assert KEY.verifier in verify and KEY.sha256 in verify
    assert "postproof export --article a7b3 -o evidence-a7b3.wacz" in verify
    assert f"postproof verify evidence-a7b3.wacz --key &#39;{KEY.verifier}&#39;" in verify
    assert "openssl ts -verify -in evidence-a7b3/postproof/timestamp-2.tsr" in verify
    assert "https://tsa.example/tsr" in verify


def test_each_image_is_embedded_once_however_often_it_is_cited() -> None:
    twice = replace(ANSWER_LINK, quote=None, match=None)  # a second row of the same link
    claims = (
        replace(CLAIMS[0], links=(ANSWER_LINK, twice)),
        replace(CLAIMS[1], links=(EMAIL_LINK, SKEET_LINK, ANSWER_LINK)),
        CLAIMS[2],
    )
    page = render_report(replace(REPORT, claims=claims), "html")
    uris = re.findall(r"data:image/png;base64,[A-Za-z0-9+/=]+", page)
    shown = [ANSWER_POST_PNG, ANSWER_PAGE_PNG, EMAIL_LINK.thumbnail_png, SKEET_POST_PNG]
    assert sorted(uris) == sorted(data_uri(image) for image in shown if image)
    # …and shown wherever it is cited: the post in each of its three cards, which each open
    # the one full-page view (from the image and from its caption).
    assert page.count(f'<use href="#img-{sha256(ANSWER_POST_PNG)}"/>') == 3
    assert page.count(f'<a href="#shot-{sha256(ANSWER_PAGE_PNG)}"') == 3 * 2
    assert page.count('class="lightbox"') == 1


def test_a_misquoted_claim_is_flagged_like_one_without_evidence() -> None:
    page = render_report(REPORT, "html")
    misquoted = _claim_html(page, 2)
    assert misquoted.startswith('id="claim-2"')
    opening = page[: page.index('id="claim-2"')].rsplit("<li", 1)[1]
    assert 'class="claim misquoted alert"' in opening
    assert "⚠ Quote not found in its evidence: “Je ne regrette pas" in misquoted
    closest = ANSWER_LINK.match.excerpt if ANSWER_LINK.match else ""
    assert (
        'Closest passage (capture <code>7k3m9x2a</code>, score 80): <mark class="closest">'
        in misquoted
    )
    assert closest and closest in html.unescape(misquoted)
    found = page[: page.index('id="claim-1"')].rsplit("<li", 1)[1]
    assert "alert" not in found  # its quote was found (fuzzy, in the e-mail's image)
    summary = page[page.index('id="summary"') : page.index('id="claims"')]
    assert re.search(
        r'<li class="alert"><span class="n">1</span> with a quote found in none', summary
    )
    text = render_report(REPORT, "md")
    assert "- **With a quote found in none of their evidence: 1**" in text
    claim_2 = text[text.index("### Claim 2") : text.index("### Claim 3")]
    assert (
        "**⚠ Quote not found in its evidence: “Je ne regrette pas d'avoir envoyé cet e-mail”**"
        in claim_2
    )
    assert "closest passage (capture `7k3m9x2a`, score 80)" in claim_2


def test_html_of_an_edited_post_shows_the_diff_and_the_quote_checked_again() -> None:
    page = render_report(REPORT, "html")
    hostile = page[page.index("capture <code>h0st1le0</code>") - 4000 :]
    assert (
        f"Je pense <del>{escape(SCRIPT)} et {escape(IMG)}</del> <ins>autre chose et voilà.</ins>"
    ) in page
    assert "(capture <code>h0st1le0</code> → <code>n3wv3rs1</code>)" in page
    assert "no longer in the post</span>" not in page  # a verdict, not a badge
    assert re.search(
        r"no longer in the post: not found \(score [\d.]+\)\s+in capture <code>n3wv3rs1</code>",
        hostile,
    )


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


def test_markdown_carries_the_proof_material_and_the_changes() -> None:
    text = render_report(REPORT, "md")
    claim_2 = text[text.index("### Claim 2") : text.index("### Claim 3")]
    for fact in (
        "— capture `7k3m9x2a` — *captured while logged in*",
        "- Captured: 2025-02-25T09:00:05Z",
        f"- Post screenshot SHA-256 `{POST_SHOT}`",
        f"- Log entry: index `41`, manifest signed by `{KEY.verifier}`",
        f"- Checkpoint: tree size `57`, root hash `{ROOT}`, signed 2025-02-25T09:05:01Z",
        "- Timestamp: 2025-02-25T09:05:17Z (RFC 3161) by <https://tsa.example/tsr>, over the "
        "checkpoint at size `57`; token `postproof/timestamp-2.tsr` in the bundle",
        "{+autre chose et voilà.+}",
        "- Quote in the newest version: **no longer in the post**",
        "- Note: note \\<script\\>",
    ):
        assert fact in claim_2, fact
    claim_1 = text[text.index("### Claim 1") : text.index("### Claim 2")]
    assert "*signed by its author*" in claim_1 and "- Timestamp: **no timestamp yet**" in claim_1
    assert "- Checkpoint: **not yet in a signed checkpoint**" in claim_1
    verify = text[text.index("## How to verify this evidence") :]
    assert f"Public key (note verifier): `{KEY.verifier}`" in verify
    assert f"   postproof verify evidence-a7b3.wacz --key '{KEY.verifier}'" in verify
    assert "   openssl ts -verify -in evidence-a7b3/postproof/timestamp-2.tsr" in verify


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
    # each card shows its post, drawn from the one embedding of its image (claim 1: the
    # e-mail's thumbnail, the Bluesky post; claim 2: the answer; the hostile one has none)
    expected = [(240, 120, 20), (40, 160, 90), (29, 155, 240)]
    assert len(seen.shown_colors) == len(expected)
    for color, wanted in zip(seen.shown_colors, expected, strict=True):
        assert _near(color, wanted), (color, wanted)
    assert SCRIPT in seen.text and IMG in seen.text
    assert seen.marks == seen.marks_in_markup  # every <mark> is ours: none came from a post
    assert seen.image_widths == [90]  # the full page: loaded, though hidden until opened


def _near(color: tuple[int, ...], wanted: tuple[int, int, int]) -> bool:
    return all(abs(a - b) <= 8 for a, b in zip(color, wanted, strict=False))


def _center_color(png_bytes: bytes) -> tuple[int, ...]:
    with Image.open(io.BytesIO(png_bytes)) as image:
        rgb = image.convert("RGB")
        return tuple(rgb.getpixel((rgb.width // 2, rgb.height // 2)))  # type: ignore[arg-type]


@pytest.mark.browser
def test_the_full_page_screenshot_opens_on_a_click_without_any_script(tmp_path: Path) -> None:
    report = tmp_path / "report.html"
    report.write_text(render_report(REPORT, "html"), encoding="utf-8")
    opened = asyncio.run(_click_the_post_screenshot(report, ANSWER_LINK.capture_id))
    assert opened.hidden_before and opened.hidden_after_closing
    assert opened.size == (90, 420)  # ANSWER_PAGE_PNG at its own size: full resolution
    assert _near(opened.color, (250, 200, 0)), opened.color


@dataclass(frozen=True)
class Opened:
    hidden_before: bool
    size: tuple[float, float]
    color: tuple[int, ...]
    hidden_after_closing: bool


async def _click_the_post_screenshot(report: Path, capture_id: str) -> Opened:
    from playwright.async_api import async_playwright

    from archiver.browser import launch

    async with async_playwright() as pw:
        browser, _ = await launch(pw)
        try:
            context = await browser.new_context(
                viewport={"width": 1000, "height": 800},
                device_scale_factor=1,
                java_script_enabled=False,  # the page must work without any
            )
            page = await context.new_page()
            await page.goto(report.as_uri(), wait_until="load")
            post = page.locator(f'svg[aria-label="Screenshot of the post, capture {capture_id}"]')
            full = page.locator(
                f'section[aria-label="Full-page screenshot of capture {capture_id}"]'
            )
            hidden_before = await full.is_hidden()
            await post.click()
            await full.wait_for(state="visible", timeout=5000)
            image = full.locator("img")
            box = await image.bounding_box()
            assert box is not None
            color = _center_color(await image.screenshot())
            await full.get_by_role("link", name="✕ Close").click()
            await full.wait_for(state="hidden", timeout=5000)
            hidden_after = await full.is_hidden()
            await context.close()
        finally:
            await browser.close()
    return Opened(hidden_before, (box["width"], box["height"]), color, hidden_after)


@dataclass(frozen=True)
class Seen:
    dialogs: list[str]
    left_the_file: list[str]  # requests for anything but file: and data: URLs
    scripts: int
    handlers: list[str]  # on* attributes, as "TAG onname"
    shown_colors: list[tuple[int, ...]]  # the centre of each card's post screenshot, as drawn
    image_widths: list[int]  # of the <img> elements, once loaded
    text: str
    marks: int
    marks_in_markup: int


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
            colors = [
                _center_color(await shown.screenshot())
                for shown in await page.locator("article.evidence figure svg").all()
            ]
            marks = await page.evaluate("document.querySelectorAll('mark').length")
            text = await page.inner_text("body")
            await page.emulate_media(media="print")  # the print styles apply without error
            await context.close()
        finally:
            await browser.close()
    markup = report.read_text("utf-8").count("<mark ")
    return Seen(dialogs, left, scripts, handlers, colors, widths, text, marks, markup)


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
