from pathlib import Path

import pytest

from claims._article import parse_article
from claims._segment import segment, split_sentences
from claims.models import (
    ArticleText,
    ClaimDraft,
    ClaimKind,
    Paragraph,
    ParagraphKind,
    SourceKind,
)
from demo import demo_story
from demo.platforms.news import render_article
from demo.story import KEY_SENTENCE, MISQUOTE

DATA = Path(__file__).parent / "data"


@pytest.fixture(scope="module")
def demo_claims() -> tuple[ClaimDraft, ...]:
    story = demo_story()
    article = parse_article(
        render_article(story.article), kind=SourceKind.HTML, base_url=story.article_url
    )
    return segment(article)


def _article(*paragraphs: str, lang: str = "fr") -> ArticleText:
    text = "\n\n".join(paragraphs)
    found, offset = [], 0
    for index, paragraph in enumerate(paragraphs):
        found.append(Paragraph(index, offset, offset + len(paragraph), ParagraphKind.PARAGRAPH))
        offset += len(paragraph) + 2
    return ArticleText(SourceKind.TEXT, text, tuple(found), (), lang=lang)


def _claim(claims: tuple[ClaimDraft, ...], start: str) -> ClaimDraft:
    return next(c for c in claims if c.text.startswith(start))


@pytest.mark.parametrize(
    ("name", "kind"),
    [
        ("gazette-fr.html", SourceKind.HTML),
        ("gazette-fr.md", SourceKind.MARKDOWN),
        ("council-en.txt", SourceKind.TEXT),
        ("rappel-fr.txt", SourceKind.TEXT),
    ],
)
def test_claim_offsets_round_trip(name: str, kind: SourceKind) -> None:
    article = parse_article((DATA / name).read_bytes(), kind=kind)
    claims = segment(article)
    assert [c.number for c in claims] == list(range(1, len(claims) + 1))
    for claim in claims:
        assert article.text[claim.start : claim.end] == claim.text
        para = article.paragraphs[claim.paragraph]
        assert para.start <= claim.start < claim.end <= para.end
        assert para.kind is not ParagraphKind.HEADING
        for quote in claim.quotes:
            assert claim.text[quote.start : quote.end] == quote.text


def test_demo_offsets_and_order(demo_claims: tuple[ClaimDraft, ...]) -> None:
    assert [c.start for c in demo_claims] == sorted(c.start for c in demo_claims)
    assert all(c.text == c.text.strip() and c.text for c in demo_claims)
    assert not any(c.text.startswith("Points clés") for c in demo_claims)


def test_demo_key_points_are_list_item_claims(demo_claims: tuple[ClaimDraft, ...]) -> None:
    items = [c for c in demo_claims if c.kind is ClaimKind.LIST_ITEM]
    assert len(items) == 4
    assert {c.section for c in items} == {"Points clés :"}
    assert items[1].text == f"Il y écrit : « {KEY_SENTENCE} »"
    assert [q.text for q in items[1].quotes] == [KEY_SENTENCE]
    assert all(c.kind is ClaimKind.SENTENCE for c in demo_claims if c.section is None)


def test_demo_quotes_and_speakers(demo_claims: tuple[ClaimDraft, ...]) -> None:
    expected = [
        # (claim opening, its « » quotes, speaker, cue)
        ("Lundi 24 février", [], "Camille Royer", "a publié"),
        (
            "« Je ne peux pas travailler",
            ["Je ne peux pas travailler pour Victor Kessler en conscience"],
            None,  # "l'ingénieur", and nobody named before it in the paragraph
            None,
        ),
        ("Le soir même", [], "Igor Vantal", "a répondu"),
        (
            "« Ce message n'aurait",
            [
                "Ce message n'aurait jamais dû partir : un membre de l'équipe recrutement a "
                "contacté des profils sans validation"
            ],
            "Igor Vantal",
            "a affirmé",
        ),
        (
            "« Ce n'est pas notre",
            ["Ce n'est pas notre façon de faire"],
            "Igor Vantal",
            "a-t-il souligné",
        ),
        (
            f"« {MISQUOTE} »",
            [MISQUOTE, "le sujet n'a jamais été la personne qui [lui] a écrit"],
            "Camille Royer",
            "a déclaré",
        ),
        (
            "Selon Hélène Marchand",
            ["rappelle une chose simple : un ingénieur peut encore dire non"],
            "Hélène Marchand",
            "selon",
        ),
        ("Sur Mastodon, elle", None, "Hélène Marchand", "a souligné"),
        ("Contactée par", [], None, None),
    ]
    for start, quotes, speaker, cue in expected:
        claim = _claim(demo_claims, start)
        if quotes is not None:
            assert [q.text for q in claim.quotes] == quotes, claim.text
            assert all(q.marks == "«»" for q in claim.quotes)
        assert (claim.speaker, claim.speaker_cue) == (speaker, cue), claim.text


def test_a_quote_of_several_sentences_is_one_claim(demo_claims: tuple[ClaimDraft, ...]) -> None:
    claim = _claim(demo_claims, "« On m'a proposé")
    assert "J'ai répondu ce matin" in claim.text
    assert claim.text.endswith("en quelques heures.")
    assert [q.text[:20] for q in claim.quotes] == ["On m'a proposé un po"]
    for claim in demo_claims:
        assert claim.text.count("«") == claim.text.count("»"), claim.text


def test_quotes_are_never_split_in_fixtures() -> None:
    article = parse_article((DATA / "council-en.txt").read_bytes(), kind=SourceKind.TEXT)
    claim = _claim(segment(article), '"We did not ask the bakeries.')
    assert claim.text.endswith("he wrote on Mastodon: " + article.references[0].url)
    assert claim.speaker == "Omar Reyes"


def test_apostrophes_do_not_open_quotes() -> None:
    article = _article(
        "L'ingénieure n'a rien dit aujourd’hui. C'est l'un des rares cas. Elle s’est tue.",
        "It's the city's choice; they didn't say. That's all.",
    )
    claims = segment(article)
    assert [c.text for c in claims] == [
        "L'ingénieure n'a rien dit aujourd’hui.",
        "C'est l'un des rares cas.",
        "Elle s’est tue.",
        "It's the city's choice; they didn't say.",
        "That's all.",
    ]
    assert all(c.quotes == () for c in claims)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "« Première phrase. Deuxième phrase ! Troisième ? » a-t-il lancé. Fin.",
            ["« Première phrase. Deuxième phrase ! Troisième ? » a-t-il lancé.", "Fin."],
        ),
        (
            "“We will not. Ever,” she wrote. Then she left.",
            ["“We will not. Ever,” she wrote.", "Then she left."],
        ),
        (
            "Selon M. Girardin, c'est faux. Le Dr. Martin confirme.",
            ["Selon M. Girardin, c'est faux.", "Le Dr. Martin confirme."],
        ),
        (
            "Elle a publié sa réponse sur X. Dans ce message, elle refuse.",
            ["Elle a publié sa réponse sur X.", "Dans ce message, elle refuse."],
        ),
        ("Deux  espaces.   Puis   trois.", ["Deux  espaces.", "Puis   trois."]),
    ],
)
def test_split_sentences(text: str, expected: list[str]) -> None:
    assert [text[a:b] for a, b in split_sentences(text, "fr")] == expected


def test_unknown_language_falls_back_to_english() -> None:
    article = _article("First sentence here. Second one, said Omar Reyes.", lang="xx")
    claims = segment(article)
    assert [c.text for c in claims] == ["First sentence here.", "Second one, said Omar Reyes."]
    assert claims[1].speaker == "Omar Reyes"


def test_speaker_context_stays_inside_a_paragraph() -> None:
    article = _article(
        "Thomas Girardin a répondu sur le réseau social.",
        "« C'était une erreur », a-t-il précisé.",
    )
    claims = segment(article)
    assert claims[0].speaker == "Thomas Girardin"
    assert (claims[1].speaker, claims[1].speaker_cue) == (None, None)
