"""Citations in every format: the same facts, each escaped its own way, valid CSL-JSON and
BibTeX that parses back to what went in."""

from __future__ import annotations

import html
import json
import re
from dataclasses import replace
from datetime import UTC, datetime
from html.parser import HTMLParser
from pathlib import Path

import bibtexparser
import jsonschema
import pytest

from archiver.errors import UsageError
from claims._cite import CITATION_FORMATS, CitationSource, QuotedWords, render_citation

DATA = Path(__file__).parent / "data"
SHA = "3f79bb7b435b05321651daefd374cdc681dc06faa65e374e38337b88ca046dea"
HOSTILE = 'Eve {Royer} 100% & co_~^\\$# <script>alert(1)</script>"><img src=x onerror=alert(2)>'

SOURCE = CitationSource(
    capture_id="7k3m9x2a",
    url="https://x.com/camroyer/status/1894275112830509056",
    platform="x",
    post_id="1894275112830509056",
    author="Camille Royer",
    handle="camroyer",
    posted_at=datetime(2025, 2, 25, 7, 46, tzinfo=UTC),
    text=(
        "Merci pour la réponse, Igor. Mais je ne pense pas regretter d'avoir envoyé cet e-mail : "
        "le sujet n'a jamais été la personne qui m'a écrit."
    ),
    captured_at=datetime(2025, 2, 25, 9, 0, 5, tzinfo=UTC),
    screenshot_sha256=SHA,
    status="deleted",
    status_since=datetime(2026, 3, 2, 4, 0, tzinfo=UTC),
    checked_at=datetime(2026, 11, 27, 10, 0, tzinfo=UTC),
    quotes=(
        QuotedWords(
            "je ne pense pas regretter d'avoir envoyé cet e-mail",
            "exact",
            100.0,
            "je ne pense pas regretter d'avoir envoyé cet e-mail",
            "post_text",
        ),
    ),
    claim_text="L'ingénieur ne regrette pas son e-mail.",
    lang="fr",
)
LIVE = replace(
    SOURCE,
    platform="mastodon",
    status="live",
    status_since=None,
    checked_at=datetime(2026, 11, 27, 10, 0, tzinfo=UTC),
)


@pytest.mark.parametrize("fmt", CITATION_FORMATS)
def test_every_format_carries_the_facts(fmt: str) -> None:
    text = render_citation(SOURCE, fmt)
    if fmt == "html":
        text = html.unescape(re.sub(r"<[^>]+>", "", text))
    for fact in (
        "Camille Royer",
        "@camroyer",
        "X",
        "2025",
        SOURCE.url,
        "7k3m9x2a",
        "2025-02-25T09:00:05Z",
        SHA,
        "deleted since 2026-03-02 (last checked 2026-11-27)",
    ):
        assert fact in text, (fmt, fact)
    if fmt != "bibtex":
        assert "2025-02-25" in text or "[2025, 2, 25]" in text.replace("\n", "").replace(" ", "")


@pytest.mark.parametrize("fmt", CITATION_FORMATS)
def test_live_post_says_as_of_the_latest_check(fmt: str) -> None:
    text = render_citation(LIVE, fmt)
    assert "live as of 2026-11-27" in text
    assert "Mastodon" in text


@pytest.mark.parametrize("fmt", CITATION_FORMATS)
def test_a_capture_made_logged_in_is_marked_in_every_format(fmt: str) -> None:
    marked = render_citation(replace(SOURCE, logged_in=True), fmt)
    assert "captured while logged in" in " ".join(html.unescape(marked).split())
    assert "logged in" not in render_citation(SOURCE, fmt)
    if fmt == "csl-json":
        [item] = json.loads(marked)
        assert "captured while logged in" in item["note"] and item["custom"]["logged_in"] is True
        [public] = json.loads(render_citation(SOURCE, fmt))
        assert public["custom"]["logged_in"] is False
    if fmt == "bibtex":
        assert "captured while logged in" in parse_bibtex(marked)["note"]


def test_the_logged_in_mark_follows_the_capture_time_in_a_text_citation() -> None:
    text = render_citation(replace(SOURCE, logged_in=True), "text")
    assert "captured 2025-02-25T09:00:05Z; captured while logged in; screenshot SHA-256" in text


def test_unknown_format_lists_the_formats() -> None:
    with pytest.raises(UsageError) as caught:
        render_citation(SOURCE, "ris")
    assert caught.value.exit_code == 2
    assert caught.value.hint is not None
    for fmt in ("markdown", "html", "text", "csl-json", "bibtex"):
        assert fmt in caught.value.hint


def test_text_citation_reads_as_a_sentence() -> None:
    assert render_citation(SOURCE, "text") == (
        "Camille Royer (@camroyer). “Merci pour la réponse, Igor. Mais je ne pense pas regretter "
        "d'avoir envoyé cet e-mail : le sujet…” Post on X, 2025-02-25. "
        "https://x.com/camroyer/status/1894275112830509056. "
        "Quoted: “je ne pense pas regretter d'avoir envoyé cet e-mail” "
        "(found word for word in the post). "
        "Archived by postproof; capture 7k3m9x2a; captured 2025-02-25T09:00:05Z; "
        f"screenshot SHA-256 {SHA}; status deleted since 2026-03-02 (last checked 2026-11-27)."
    )


MISQUOTED = replace(
    SOURCE,
    quotes=(
        QuotedWords(
            "Je ne regrette pas mon e-mail", "not_found", 41.0, "je ne pense pas", "post_text"
        ),
        QuotedWords(
            "le sujet n'a jamais été la personne", "fuzzy", 93.0, "le sujet n'a", "post_text"
        ),
        QuotedWords("une phrase jamais vérifiée"),
    ),
)


@pytest.mark.parametrize("fmt", CITATION_FORMATS)
def test_every_quote_is_cited_with_its_check(fmt: str) -> None:
    rendered = render_citation(MISQUOTED, fmt)
    flat = " ".join(html.unescape(rendered).split())
    assert "Quoted: “Je ne regrette" not in flat and "<q>Je ne regrette" not in flat
    assert "NOT found in the post: “Je ne regrette pas mon e-mail”; closest passage" in flat
    assert "close match in the post, score 93" in flat
    assert "not checked against the post: “une phrase jamais vérifiée”" in flat
    if fmt == "csl-json":
        [item] = json.loads(rendered)
        assert item["custom"]["quote"] == "le sujet n'a jamais été la personne"
        assert [q["check"] for q in item["custom"]["quotes"]] == [
            "not_found", "fuzzy", "not_checked",
        ]  # fmt: skip


# -- HTML and Markdown escaping -------------------------------------------------------------------


class TagCollector(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, list[tuple[str, str | None]]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, attrs))


def test_html_escapes_everything_captured() -> None:
    hostile = replace(SOURCE, author=HOSTILE, handle=HOSTILE, text=HOSTILE, quote=HOSTILE)
    rendered = render_citation(hostile, "html")
    parser = TagCollector()
    parser.feed(rendered)
    parser.close()
    tags = {tag for tag, _ in parser.tags}
    assert tags <= {"span", "cite", "time", "a", "q", "code"}
    assert not any(name.startswith("on") for _, attrs in parser.tags for name, _ in attrs)
    assert "<script>alert(1)</script>" in html.unescape(rendered)


def test_html_links_only_http_urls() -> None:
    rendered = render_citation(replace(SOURCE, url="javascript:alert(1)"), "html")
    assert "<a " not in rendered
    assert "javascript:alert(1)" in rendered


def test_markdown_escapes_markup() -> None:
    hostile = replace(SOURCE, author="*Eve* [x](javascript:alert(1)) <b>", text="# Titre _gras_")
    rendered = render_citation(hostile, "markdown")
    assert r"\*Eve\* \[x\](javascript:alert(1)) \<b\>" in rendered
    assert r"\# Titre \_gras\_" in rendered
    assert "<https://x.com/camroyer/status/1894275112830509056>" in rendered


# -- CSL-JSON -------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def csl_validator() -> jsonschema.Draft7Validator:
    schema = json.loads((DATA / "csl-data.json").read_text(encoding="utf-8"))
    jsonschema.Draft7Validator.check_schema(schema)
    return jsonschema.Draft7Validator(
        schema, format_checker=jsonschema.Draft7Validator.FORMAT_CHECKER
    )


@pytest.mark.parametrize(
    "source",
    [
        SOURCE,
        LIVE,
        replace(SOURCE, author=None, text=None, posted_at=None, lang=None, quote=None),
        replace(SOURCE, author=HOSTILE, handle=None, screenshot_sha256=None),
    ],
    ids=["deleted", "live", "sparse", "hostile"],
)
def test_csl_json_validates_against_the_official_schema(
    source: CitationSource, csl_validator: jsonschema.Draft7Validator
) -> None:
    items = json.loads(render_citation(source, "csl-json"))
    csl_validator.validate(items)
    assert isinstance(items, list) and len(items) == 1


def test_csl_json_item() -> None:
    (item,) = json.loads(render_citation(SOURCE, "csl-json"))
    assert item["type"] == "post"
    assert item["id"] == "7k3m9x2a"
    assert item["author"] == [{"literal": "Camille Royer [@camroyer]"}]
    assert item["title"].startswith("Merci pour la réponse, Igor.")
    assert len(item["title"]) <= 101 and item["title"].endswith("…")
    assert item["container-title"] == "X"
    assert item["URL"] == SOURCE.url
    assert item["issued"] == {"date-parts": [[2025, 2, 25]]}
    assert item["accessed"] == {"date-parts": [[2025, 2, 25]]}
    assert item["archive"] == "postproof"
    assert item["archive_location"] == "7k3m9x2a"
    assert SHA in item["note"] and "deleted since 2026-03-02" in item["note"]
    assert item["language"] == "fr"


def test_csl_json_title_without_text_names_the_author() -> None:
    (item,) = json.loads(render_citation(replace(SOURCE, text=None), "csl-json"))
    assert item["title"] == "Post by Camille Royer"
    (item,) = json.loads(render_citation(replace(SOURCE, text="", author=None), "csl-json"))
    assert item["title"] == "Post by @camroyer"
    assert item["author"] == [{"literal": "@camroyer"}]


# -- BibTeX ---------------------------------------------------------------------------------------

LATEX_UNESCAPES = {
    r"\textbackslash{}": "\\",
    r"\textbraceleft{}": "{",
    r"\textbraceright{}": "}",
    r"\textasciitilde{}": "~",
    r"\textasciicircum{}": "^",
    r"\&": "&",
    r"\%": "%",
    r"\$": "$",
    r"\#": "#",
    r"\_": "_",
}


def latex_unescape(value: str) -> str:
    pattern = "|".join(re.escape(k) for k in LATEX_UNESCAPES)
    return re.sub(pattern, lambda m: LATEX_UNESCAPES[m.group(0)], value)


def unbrace(value: str) -> str:
    """A field value as BibTeX reads it: one protecting pair of braces removed."""
    assert value.startswith("{") and value.endswith("}"), value
    return value[1:-1]


def parse_bibtex(text: str) -> dict[str, str]:
    library = bibtexparser.parse_string(text)
    assert not library.failed_blocks
    (entry,) = library.entries
    assert entry.entry_type == "misc"
    return {field.key: field.value for field in entry.fields}


def test_bibtex_round_trips() -> None:
    fields = parse_bibtex(render_citation(SOURCE, "bibtex"))
    assert latex_unescape(unbrace(fields["author"])) == "Camille Royer [@camroyer]"
    assert latex_unescape(unbrace(fields["title"])).startswith("Merci pour la réponse, Igor.")
    assert fields["howpublished"] == r"\url{https://x.com/camroyer/status/1894275112830509056}"
    assert fields["url"] == SOURCE.url
    assert (fields["year"], fields["month"], fields["date"]) == ("2025", "feb", "2025-02-25")
    assert fields["urldate"] == "2025-02-25"
    note = latex_unescape(fields["note"])
    for fact in ("Post on X by @camroyer", "capture 7k3m9x2a", "2025-02-25T09:00:05Z", SHA):
        assert fact in note
    assert "deleted since 2026-03-02 (last checked 2026-11-27)" in note


def test_bibtex_survives_a_hostile_author_and_keeps_accents() -> None:
    hostile = replace(SOURCE, author=HOSTILE, text="Ça {marche} à 100 % ~ #1 \\o/ }{")
    rendered = render_citation(hostile, "bibtex")
    fields = parse_bibtex(rendered)
    assert latex_unescape(unbrace(fields["author"])) == f"{HOSTILE} [@camroyer]"
    assert latex_unescape(unbrace(fields["title"])) == "Ça {marche} à 100 % ~ #1 \\o/ }{"
    assert "Ça" in rendered  # UTF-8, not \c{C}a
    # BibTeX counts every brace, escaped or not: each field must balance on its own
    for value in fields.values():
        depth = 0
        for char in value:
            depth += {"{": 1, "}": -1}.get(char, 0)
            assert depth >= 0
        assert depth == 0


def test_bibtex_url_with_percent_and_hash_is_escaped_inside_url_command() -> None:
    source = replace(SOURCE, url="https://mastodon.example/@a/1?x=%C3%A9#top")
    fields = parse_bibtex(render_citation(source, "bibtex"))
    assert fields["howpublished"] == r"\url{https://mastodon.example/@a/1?x=\%C3\%A9\#top}"
    assert fields["url"] == "https://mastodon.example/@a/1?x=%C3%A9#top"
