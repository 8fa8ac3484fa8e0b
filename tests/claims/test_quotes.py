import pytest

from claims._quotes import attribute_speaker, find_quotes, mask_quotes


def _texts(text: str) -> list[tuple[str, str]]:
    return [(q.text, q.marks) for q in find_quotes(text)]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Il a dit « non merci » hier.", [("non merci", "«»")]),
        ("Il a dit «\u00a0non merci\u00a0» hier.", [("non merci", "«»")]),
        ("Il a dit «\u202fnon\u202f».", [("non", "«»")]),
        ("She wrote “we will not build it” on Monday.", [("we will not build it", "“”")]),
        ('He called it "a dangerous precedent" twice.', [("a dangerous precedent", '""')]),
        ("She called it ‘a bad idea’ at once.", [("a bad idea", "‘’")]),
        ("Er sagte „das ist falsch“ gestern.", [("das ist falsch", "„“")]),
        ("« Un » et « deux », a-t-il compté.", [("Un", "«»"), ("deux", "«»")]),
        ("She said “no”.", [("no", "“”")]),
    ],
)
def test_find_quotes_reads_every_kind_of_mark(text: str, expected: list[tuple[str, str]]) -> None:
    assert _texts(text) == expected


def test_quote_offsets_locate_the_text_without_marks() -> None:
    text = "Selon elle, « rappelle une chose simple » et “deux mots ici”."
    for quote in find_quotes(text):
        assert text[quote.start : quote.end] == quote.text
        assert text[quote.start - 2] in "«“" or text[quote.start - 1] in "«“"


def test_nested_quotes_belong_to_the_outer_one() -> None:
    text = "« Il m'a répondu “jamais de la vie”, puis il est parti », raconte-t-elle."
    assert _texts(text) == [("Il m'a répondu “jamais de la vie”, puis il est parti", "«»")]


@pytest.mark.parametrize(
    "text",
    [
        "L'un d'eux n'a pas répondu, aujourd’hui encore.",
        "We don't know, and they won’t say; it's the players’ union.",
        "L’entreprise s’est tue ; l’ingénieur aussi.",
        "Il mesure 6' et pèse 80 kg.",
    ],
)
def test_apostrophes_are_not_quotes(text: str) -> None:
    assert find_quotes(text) == ()


def test_short_quotes_in_weak_marks_are_ignored_unless_guillemets() -> None:
    assert find_quotes('A so-called "expert" said so.') == ()
    assert _texts("Un soi-disant « expert » l'a dit.") == [("expert", "«»")]


def test_unclosed_quote_gives_nothing() -> None:
    assert find_quotes("« Je ne regrette rien, a-t-il dit.") == ()


def test_mask_quotes_keeps_length_and_marks() -> None:
    text = "« Il a déclaré la guerre », a dit Léa Fontaine."
    masked = mask_quotes(text)
    assert len(masked) == len(text)
    assert "déclaré" not in masked
    assert masked.startswith("« _") and masked.endswith("a dit Léa Fontaine.")


@pytest.mark.parametrize(
    ("sentence", "speaker", "cue"),
    [
        ("Léa Fontaine a déclaré qu'elle partait.", "Léa Fontaine", "a déclaré"),
        (
            "Igor Vantal, directeur de l'ingénierie chez Nébula IA, a affirmé que c'était faux.",
            "Igor Vantal",
            "a affirmé",
        ),
        (
            "« Je ne regrette rien », a déclaré Camille Royer mardi matin.",
            "Camille Royer",
            "a déclaré",
        ),
        ("« Cette offre était une erreur », a affirmé M. Girardin.", "Girardin", "a affirmé"),
        ("Mme Nadia Ferreira a souligné le risque.", "Nadia Ferreira", "a souligné"),
        (
            "Soto a en outre souligné que la démocratie était menacée.",
            "Soto",
            "a en outre souligné",
        ),
        ("Selon Hélène Marchand, ce refus « compte ».", "Hélène Marchand", "selon"),
        (
            "Le texte, d'après Charles de Montval, est « sans appel ».",
            "Charles de Montval",
            "d'après",
        ),
        (
            "Pour Nadia Ferreira, l'affaire « montre que les ingénieurs parlent ».",
            "Nadia Ferreira",
            "pour",
        ),
        ("Camille Royer : « Je ne peux pas travailler pour lui. »", "Camille Royer", ":"),
        ("« Il faut dire non », estime Ursula von Berg.", "Ursula von Berg", "estime"),
        ("Jean-Luc Perrin écrit que l'offre était « indécente ».", "Jean-Luc Perrin", "écrit"),
        ("Dana Whitfield said the street would close.", "Dana Whitfield", "said"),
        (
            '"It belongs to the people," said Mayor Dana Whitfield after the vote.',
            "Dana Whitfield",
            "said",
        ),
        ("Acme CEO Jane Doe told reporters it was a mistake.", "Jane Doe", "told"),
        (
            "According to Dr. Priya Nandakumar, 1,284 residents signed.",
            "Priya Nandakumar",
            "according to",
        ),
        (
            "The chamber's director, Priya Nandakumar, posted the figures.",
            "Priya Nandakumar",
            "posted",
        ),
        (
            "Omar Reyes has repeatedly claimed the plan was rushed.",
            "Omar Reyes",
            "has repeatedly claimed",
        ),
    ],
)
def test_attribute_speaker_reads_reporting_constructs(
    sentence: str, speaker: str, cue: str
) -> None:
    assert attribute_speaker(sentence) == (speaker, cue)


@pytest.mark.parametrize(
    "sentence",
    [
        "Il a choisi de répondre en public.",  # no reporting verb
        "« Ce n'est pas notre façon de faire », a-t-il souligné.",  # pronoun, nobody before
        "« Je ne peux pas », a écrit l'ingénieur dans ce courriel.",  # role, nobody before
        "Nébula IA n'a pas dit pourquoi.",  # negation
        "Sirius Cloud n'avait pas répondu à nos questions.",
        # The reporting verb is inside the quotation.
        "« Igor Vantal a déclaré la guerre à tout le monde », ironise un salarié.",
        "The posts said nothing about the offer.",
        "Smith's claims were never checked.",
        "Ils ont déclaré forfait.",
        "Mardi a dit beaucoup de choses.",
        "Le président de la République a déclaré l'état d'urgence.",  # a complement, not a name
        "Un porte-parole de Nébula IA a indiqué que l'enquête continuait.",
        "The report by Omar Reyes said the plan was rushed.",
        "Léa Fontaine and Nadia Ferreira said no.",  # several speakers
        "On ignore si Thomas Girardin dit la vérité.",  # a condition, not a report
    ],
)
def test_attribute_speaker_answers_nothing_when_unsure(sentence: str) -> None:
    assert attribute_speaker(sentence) == (None, None)


def test_pronoun_is_the_last_named_speaker_of_the_paragraph() -> None:
    previous = [
        "Le soir même, Igor Vantal, directeur de l'ingénierie, a répondu publiquement.",
        "« Ce message n'aurait jamais dû partir », a affirmé le dirigeant sur X.",
    ]
    sentence = "« Ce n'est pas notre façon de faire », a-t-il souligné."
    assert attribute_speaker(previous[1], previous[:1]) == ("Igor Vantal", "a affirmé")
    assert attribute_speaker(sentence, previous) == ("Igor Vantal", "a-t-il souligné")
    assert attribute_speaker("She added that it was over.", ["Dana Whitfield said no."]) == (
        "Dana Whitfield",
        "added",
    )


def test_pronoun_also_resolves_to_a_proper_name_subject() -> None:
    previous = ["Camille Royer, ingénieur chez Orbital Labs, a refusé l'offre."]
    assert attribute_speaker("Il a ajouté qu'il ne regrettait rien.", previous) == (
        "Camille Royer",
        "a ajouté",
    )


def test_role_noun_resolves_only_when_one_person_was_named() -> None:
    one = ["Thomas Girardin a répondu sur le réseau social."]
    two = [*one, "Léa Fontaine a répliqué aussitôt.", "Nadia Ferreira a réagi."]
    sentence = "« C'était une erreur », a précisé le directeur."
    assert attribute_speaker(sentence, one) == ("Thomas Girardin", "a précisé")
    assert attribute_speaker(sentence, two) == (None, None)


def test_a_surname_alone_takes_the_full_name_from_the_paragraph() -> None:
    previous = ["Le lendemain, Thomas Girardin a répondu sur le réseau social."]
    sentence = "« Cette offre a été envoyée par erreur », a affirmé M. Girardin."
    assert attribute_speaker(sentence, previous) == ("Thomas Girardin", "a affirmé")
