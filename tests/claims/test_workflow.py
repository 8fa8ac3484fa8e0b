"""The claims workflow end to end on the demo story: article in, linked and checked evidence,
citations and a report out. Real browser, real SQLite, real Tesseract."""

from __future__ import annotations

import html
import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

import claims
import storage
from archiver import CaptureOptions, UsageError, parse_host_map
from claims._cite import CITATION_FORMATS
from demo import FakeWeb, build_demo_web, demo_story
from demo.story import MISQUOTE

pytestmark = pytest.mark.browser

ROYER, VANTAL, ANSWER, TOOT, SKEET = (p.post_id for p in demo_story().posts)


@dataclass(frozen=True)
class DemoRun:
    archive: storage.Archive
    added: claims.AddedArticle
    options: CaptureOptions

    def capture_of(self, post_id: str) -> str:
        return next(
            c.id
            for c in self.added.captures
            if c.platform_post_id and post_id in c.platform_post_id
        )

    def claim(self, fragment: str) -> storage.ClaimRecord:
        found = [c for c in self.added.claims if fragment in c.text]
        assert len(found) == 1, (fragment, [c.text for c in found])
        return found[0]

    def links(self, claim: storage.ClaimRecord) -> list[storage.LinkRecord]:
        return self.archive.articles.links_of_claim(claim)


@pytest.fixture(scope="module")
def demo_web() -> Iterator[FakeWeb]:
    with build_demo_web() as web:
        yield web


@pytest.fixture(scope="module")
def run(demo_web: FakeWeb, tmp_path_factory: pytest.TempPathFactory) -> Iterator[DemoRun]:
    options = CaptureOptions(
        timeout=30, allow_private=True, insecure=True, host_map=parse_host_map(demo_web.host_map())
    )
    with storage.open_archive(tmp_path_factory.mktemp("claims-home")) as archive:
        added = claims.add_article(archive, demo_story().article_url, options=options)
        yield DemoRun(archive, added, options)


def test_article_is_read_with_its_metadata(run: DemoRun) -> None:
    article = run.added.article
    assert article.title and "Victor Kessler" in article.title
    assert article.lang == "fr"
    assert article.published_at is not None and article.published_at.isoformat().startswith(
        "2025-02-25"
    )
    assert article.capture_id is not None
    kinds = {c.kind for c in run.added.claims}
    assert kinds == {"sentence", "list_item"}
    points = [c for c in run.added.claims if c.kind == "list_item"]
    assert len(points) == 4 and all("Points clés" in (c.section or "") for c in points)


def test_every_cited_post_is_captured_once(run: DemoRun) -> None:
    posts = [c for c in run.added.captures if c.platform != "generic"]
    assert sorted(c.platform_post_id or "" for c in posts) == sorted(
        [ROYER, VANTAL, ANSWER, f"piaille.fr/{TOOT}"]
    )
    assert all(c.status == "ok" for c in run.added.captures)


@pytest.mark.parametrize(
    ("fragment", "post_id", "origin"),
    [
        ("a publié sur X", ROYER, "link"),
        ("a écrit l'ingénieur dans ce courriel", ROYER, "embed"),
        ("J'ai répondu ce matin", ROYER, "embed"),
        ("a affirmé le dirigeant sur X", VANTAL, "link"),
        ("a déclaré Camille Royer mardi matin", ANSWER, "link"),
        ("Sur Mastodon", TOOT, "link"),
    ],
)
def test_claims_are_linked_to_the_right_capture(
    run: DemoRun, fragment: str, post_id: str, origin: str
) -> None:
    links = run.links(run.claim(fragment))
    assert [(link.capture_id, link.origin) for link in links] == [(run.capture_of(post_id), origin)]
    assert links[0].why


def test_claims_without_evidence_stay_unlinked(run: DemoRun) -> None:
    unlinked = run.claim("n'avait pas répondu à nos questions")
    assert run.links(unlinked) == []


def test_quote_inside_the_email_screenshot_is_found_by_ocr(run: DemoRun) -> None:
    [link] = run.links(run.claim("a écrit l'ingénieur dans ce courriel"))
    [check] = [c for c in link.checks if "Victor Kessler" in c.quote]
    assert check.result in ("exact", "fuzzy") and check.score >= 90
    assert check.source is not None and check.source.startswith("image:")
    assert check.excerpt and "Kessler" in check.excerpt


def test_quote_in_the_post_text_is_exact(run: DemoRun) -> None:
    [link] = run.links(run.claim("a affirmé le dirigeant sur X"))
    [check] = link.checks
    assert (check.result, check.source) == ("exact", "post_text")


def test_misquote_is_flagged(run: DemoRun) -> None:
    [link] = run.links(run.claim("a déclaré Camille Royer mardi matin"))
    results = {c.quote: c.result for c in link.checks}
    assert results[MISQUOTE] == "not_found"


@pytest.mark.parametrize("fmt", CITATION_FORMATS)
def test_a_misquote_is_never_cited_as_a_quotation(run: DemoRun, fmt: str) -> None:
    claim = run.claim("a déclaré Camille Royer mardi matin")
    assert MISQUOTE in claim.quotes and len(claim.quotes) == 2
    [citation] = claims.cite(run.archive, claim.ref, fmt)
    flat = " ".join(html.unescape(citation).replace("\\", "").split())
    if fmt == "csl-json":
        [item] = json.loads(citation)
        checks = {q["text"]: q for q in item["custom"]["quotes"]}
        assert checks[MISQUOTE]["check"] == "not_found" and checks[MISQUOTE]["closest"]
        assert item["custom"].get("quote") != MISQUOTE
        assert "NOT found in the post" in item["note"]
    assert "NOT found in the post" in flat
    assert "Quoted: “Je ne regrette" not in flat and "<q>Je ne regrette" not in flat
    # The claim's second quote is carried too, as found.
    assert "le sujet n" in flat and "Quoted:" in flat


def test_suggestions_rank_the_speakers_post_first(run: DemoRun, tmp_path: Path) -> None:
    draft = tmp_path / "brouillon.txt"
    draft.write_text(
        "Réactions\n\n"
        "Igor Vantal a affirmé qu'un membre de l'équipe recrutement avait contacté des profils "
        "sans validation.\n\n"
        "Hélène Marchand a écrit qu'un ingénieur peut encore dire non.\n\n"
        "La météo sera clémente demain sur toute la région.\n",
        encoding="utf-8",
    )
    added = claims.add_article(run.archive, str(draft), options=run.options)
    assert added.references == [] and added.links == []
    found = claims.suggest_links(run.archive, added.article.id)
    best: dict[str, str] = {}
    for claim, suggestion in found:
        best.setdefault(claim.text, suggestion.capture_id)
    assert best[next(c.text for c in added.claims if "Igor Vantal" in c.text)] == run.capture_of(
        VANTAL
    )
    assert best[
        next(c.text for c in added.claims if "Hélène Marchand" in c.text)
    ] == run.capture_of(TOOT)
    assert not any("météo" in claim.text for claim, _ in found)


def test_the_article_is_never_suggested_or_linked_as_its_own_evidence(run: DemoRun) -> None:
    article = run.added.article
    assert article.capture_id is not None
    # The article's page holds every claim word for word: it would top every suggestion.
    found = claims.suggest_links(run.archive, article.id)
    own = run.archive.get_capture(article.capture_id)
    assert all(s.capture_id != own.id for _, s in found)
    assert all(
        run.archive.get_capture(s.capture_id).canonical_url != own.canonical_url for _, s in found
    )
    unlinked = run.claim("n'avait pas répondu à nos questions")
    with pytest.raises(UsageError) as caught:
        claims.link_claim(run.archive, unlinked.ref, own.id, options=run.options)
    assert "its own claims" in str(caught.value.message)
    assert run.links(unlinked) == []


def test_citation_of_a_claim_validates_and_names_the_capture(run: DemoRun) -> None:
    jsonschema = pytest.importorskip("jsonschema")
    schema = json.loads((Path(__file__).parent / "data" / "csl-data.json").read_text("utf-8"))
    claim = run.claim("a affirmé le dirigeant sur X")
    [csl] = claims.cite(run.archive, claim.ref, "csl-json")
    items = json.loads(csl)
    jsonschema.Draft7Validator(schema, format_checker=jsonschema.FormatChecker()).validate(items)
    assert items[0]["archive_location"] == run.capture_of(VANTAL)
    [markdown] = claims.cite(run.archive, claim.ref, "markdown")
    assert "Igor Vantal" in markdown and run.capture_of(VANTAL) in markdown and "live" in markdown


def test_json_report_lists_claims_in_order_with_their_evidence(
    run: DemoRun, tmp_path: Path
) -> None:
    path = tmp_path / "report.json"
    claims.write_report(run.archive, run.added.article.id, "json", path)
    report = json.loads(path.read_text("utf-8"))
    numbers = [c["number"] for c in report["claims"]]
    assert numbers == sorted(numbers) == [c.number for c in run.added.claims]
    summary = report["summary"]
    assert summary["quotes_not_found"] >= 1
    linked = [c for c in report["claims"] if c["links"]]
    assert {link["capture_id"] for c in linked for link in c["links"]} >= {
        run.capture_of(p) for p in (ROYER, VANTAL, ANSWER, TOOT)
    }
    for claim in linked:
        for link in claim["links"]:
            assert {
                "capture_id",
                "url",
                "platform",
                "post_id",
                "relation",
                "why",
                "match",
            } <= link.keys()


def test_an_article_stopped_half_way_is_finished_by_the_next_add(
    demo_web: FakeWeb, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    options = CaptureOptions(
        timeout=30, allow_private=True, insecure=True, host_map=parse_host_map(demo_web.host_map())
    )
    post_url = demo_story().post_urls[0]
    draft = tmp_path / "draft.md"
    draft.write_text(
        f"Camille Royer a refusé l'offre, [selon son message]({post_url}).\n", encoding="utf-8"
    )
    with storage.open_archive(tmp_path / "home") as archive:

        def killed(*args: object, **kwargs: object) -> list[storage.CaptureRecord]:
            raise KeyboardInterrupt  # the process stops while capturing the references

        with monkeypatch.context() as patched:
            patched.setattr(claims._workflow, "_capture_references", killed)
            with pytest.raises(KeyboardInterrupt):
                claims.add_article(archive, str(draft), options=options)
        [half] = archive.articles.all()
        assert half.finished_at is None and archive.articles.links(half.id) == []

        finished = claims.add_article(archive, str(draft), options=options)
        assert finished.article.id == half.id and finished.article.finished_at is not None
        assert [a.id for a in archive.articles.all()] == [half.id]  # no second copy
        assert finished.links and finished.captures

        with pytest.raises(UsageError, match="already added, as " + half.id):
            claims.add_article(archive, str(draft), options=options)
        copy = claims.add_article(archive, str(draft), options=options, again=True)
        assert copy.article.id != half.id and len(archive.articles.all()) == 2
