"""Quotes against a post's evidence: exact despite typography, fuzzy despite OCR, and misquotes
caught. The scores asserted here are the ones the threshold in ``claims._match`` was tuned on."""

from __future__ import annotations

import pytest

from archiver.errors import UsageError
from claims._match import DEFAULT_THRESHOLD, match_quote, normalize
from claims.models import MatchResult

ROYER_ANSWER = (
    "Merci pour la réponse, Igor. Mais je ne pense pas regretter d’avoir envoyé cet e-mail\u202f: "
    "le sujet n’a jamais été la personne qui m’a écrit."
)
ROYER_ANSWER_EN = (
    "Thanks for the reply, Igor. But I don't think I regret sending that email: the issue was "
    "never the person who wrote to me."
)
EMAIL_OCR = (
    "Bonjour,\n"
    "Merci pour votre message. Après réflexion, ma réponse est non. « Je ne peux\n"
    "pas travailler pour Victor Kessler en con-\n"
    "science. » Je préfère le dire clairement.\n"
    "Cordialement, Camille"
)
KEY_SENTENCE = "Je ne peux pas travailler pour Victor Kessler en conscience."


def post(text: str) -> list[tuple[str, str]]:
    return [("post_text", text)]


# -- exact ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("quote", "evidence"),
    [
        # apostrophes, case, the narrow no-break space of French typography before ":"
        ("je ne pense pas regretter d'avoir envoyé cet e-mail :", ROYER_ANSWER),
        ("« JE NE PENSE PAS REGRETTER D’AVOIR ENVOYÉ CET E‑MAIL »", ROYER_ANSWER),
        ("“le sujet n'a jamais été la personne”", ROYER_ANSWER),
        # decomposed accents (e + U+0301) against composed ones
        ("le sujet n'a jamais e\u0301te\u0301 la personne", ROYER_ANSWER),
        ("I DON’T THINK I REGRET SENDING THAT EMAIL", ROYER_ANSWER_EN),
        ("‘the issue was never the person who wrote to me.’", ROYER_ANSWER_EN),
        ("I don't think I regret sending that e-mail", ROYER_ANSWER_EN),
    ],
)
def test_correct_quote_with_other_typography_is_exact(quote: str, evidence: str) -> None:
    found = match_quote(quote, post(evidence))
    assert found.result is MatchResult.EXACT
    assert found.score == 100.0
    assert found.source == "post_text"
    assert found.excerpt is not None and found.excerpt in evidence


def test_excerpt_reads_as_in_the_original_and_ends_on_whole_words() -> None:
    found = match_quote("pense pas regretter d'avoir envoyé cet e-mail", post(ROYER_ANSWER))
    assert found.excerpt == "pense pas regretter d’avoir envoyé cet e-mail"
    found = match_quote("ense pas regretter d'avoir envoy", post(ROYER_ANSWER))
    assert found.excerpt == "pense pas regretter d’avoir envoyé"


def test_quote_split_across_ocr_line_breaks_and_hyphenation_is_found() -> None:
    found = match_quote(f"« {KEY_SENTENCE} »", [("image:ab12", EMAIL_OCR)])
    assert found.result is MatchResult.EXACT
    assert found.source == "image:ab12"
    assert found.excerpt == "Je ne peux\npas travailler pour Victor Kessler en con-\nscience"


def test_elided_quote_is_found_part_by_part_in_order() -> None:
    found = match_quote("Je ne peux pas […] en conscience", [("image:ab12", EMAIL_OCR)])
    assert found.result is MatchResult.EXACT
    assert found.excerpt is not None and found.excerpt.startswith("Je ne peux")
    assert found.excerpt.endswith("con-\nscience")
    # the parts out of order are not the sentence
    swapped = match_quote("en conscience […] Je ne peux pas", [("image:ab12", EMAIL_OCR)])
    assert swapped.result is not MatchResult.EXACT


# -- fuzzy: OCR noise -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("evidence", "score"),
    [
        ("Je ne peux pas travai1ler pour Victor Kess1er en consc1ence.", 94.9),
        ("Je ne peux pas travailler pour Vict0r Kessler\nen conscience.", 98.3),
        ("Je ne peux pas travailler pour Victor Kessler en consciencc .", 98.3),
    ],
)
def test_ocr_noise_is_fuzzy_with_a_high_score(evidence: str, score: float) -> None:
    found = match_quote(KEY_SENTENCE, [("image:ab12", f"Bonjour,\n{evidence}\nCordialement")])
    assert found.result is MatchResult.FUZZY
    assert found.score == pytest.approx(score, abs=0.1)
    assert found.excerpt is not None and found.excerpt.startswith("Je ne peux pas")


def test_a_word_left_out_by_the_article_is_fuzzy() -> None:
    found = match_quote("Je ne peux pas travailler pour Kessler en conscience", post(KEY_SENTENCE))
    assert found.result is MatchResult.FUZZY
    assert found.score == pytest.approx(90.0)
    assert found.excerpt == "Je ne peux pas travailler pour Victor Kessler en conscience"


# -- misquotes ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("quote", "evidence", "score", "closest"),
    [
        # the demo's misquote, and its English twin: same words, a different stance
        (
            "Je ne regrette pas d'avoir envoyé cet e-mail",
            ROYER_ANSWER,
            80.0,
            "je ne pense pas regretter d’avoir envoyé cet e-mail",
        ),
        (
            "I don't regret sending that email",
            ROYER_ANSWER_EN,
            77.8,
            "I don't think I regret sending that email",
        ),
        # a negation dropped or changed: a short edit, the opposite meaning
        (
            "Je peux travailler pour Victor Kessler en conscience",
            KEY_SENTENCE,
            67.5,
            None,
        ),
        ("We will never sell the company", "We will not sell the company.", 63.3, None),
        # a number changed, a word replaced
        ("Le chiffre a baissé de 47 %", "Le chiffre a baissé de 74 % cette année.", 63.3, None),
        ("The project was a total success", "The project was a total failure.", 63.3, None),
    ],
)
def test_misquote_is_not_found(quote: str, evidence: str, score: float, closest: str) -> None:
    found = match_quote(quote, post(evidence))
    assert found.result is MatchResult.NOT_FOUND
    assert found.score == pytest.approx(score, abs=0.1)
    assert found.score < DEFAULT_THRESHOLD
    if closest is not None:  # the closest passage, to show what the post says instead
        assert found.excerpt == closest
        assert found.source == "post_text"


def test_misquote_is_fuzzy_only_under_a_lower_threshold() -> None:
    quote = "Je ne regrette pas d'avoir envoyé cet e-mail"
    assert match_quote(quote, post(ROYER_ANSWER), threshold=75).result is MatchResult.FUZZY
    assert match_quote(quote, post(ROYER_ANSWER), threshold=85).result is MatchResult.NOT_FOUND


def test_unrelated_text_scores_low_and_has_no_excerpt() -> None:
    found = match_quote(
        "Nous allons racheter Orbital Labs avant la fin de l'année", post(ROYER_ANSWER)
    )
    assert found.result is MatchResult.NOT_FOUND
    assert found.score < 50
    assert found.excerpt is None and found.source is None


def test_no_sources_is_not_found() -> None:
    assert match_quote(KEY_SENTENCE, []).result is MatchResult.NOT_FOUND


def test_empty_quote_is_a_usage_error() -> None:
    with pytest.raises(UsageError):
        match_quote(" « … » ", post(ROYER_ANSWER))


# -- several sources ------------------------------------------------------------------------------


def test_post_text_wins_a_tie_against_an_image() -> None:
    sources = [("image:ab12", EMAIL_OCR), ("post_text", f"Extrait : « {KEY_SENTENCE} »")]
    found = match_quote(KEY_SENTENCE, sources)
    assert (found.result, found.source) == (MatchResult.EXACT, "post_text")


def test_exact_in_an_image_beats_fuzzy_in_the_post() -> None:
    sources = [
        ("post_text", "Je ne peux pas travailler pour Kessler en conscience."),
        ("image:ab12", EMAIL_OCR),
    ]
    found = match_quote(KEY_SENTENCE, sources)
    assert (found.result, found.source) == (MatchResult.EXACT, "image:ab12")


def test_best_of_two_images() -> None:
    sources = [
        ("image:aaaa", "Je ne peux pas travai1ler pour Victor Kess1er en consc1ence."),
        ("image:bbbb", "Je ne peux pas travailler pour Vict0r Kessler en conscience."),
    ]
    found = match_quote(KEY_SENTENCE, sources)
    assert (found.result, found.source) == (MatchResult.FUZZY, "image:bbbb")


# -- normalisation --------------------------------------------------------------------------------


def test_normalize_folds_typography_and_maps_back_to_the_original() -> None:
    original = "« L’e‑mail »\u00a0: Straße — voilà…"
    normalized = normalize(original)
    assert normalized.text == "l'email: strasse - voilà..."
    start = normalized.text.index("strasse")
    first, last = normalized.original_span(start, start + len("strasse"))
    assert original[first:last] == "Straße"
    assert len(normalized.starts) == len(normalized.ends) == len(normalized.text)


def test_normalize_joins_hyphenated_line_ends_but_keeps_minus_signs_and_ranges() -> None:
    assert normalize("travail-\nler").text == "travailler"
    assert normalize("2024-2025 - fin").text == "2024-2025 - fin"
    assert normalize("ligne un\n\nligne   deux").text == "ligne un ligne deux"
