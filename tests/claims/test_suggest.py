import pytest

from claims._article import parse_article
from claims._quotes import find_quotes
from claims._segment import segment
from claims._suggest import FLOOR, suggest
from claims.models import Candidate, ClaimDraft, ClaimKind, SourceKind
from demo import Post, demo_story, post_url
from demo.platforms.news import render_article
from demo.story import KEY_SENTENCE, MISQUOTE, POSTS, ROYER_ANSWER, ROYER_POST


def _candidate(post: Post, capture_id: str, image_text: str | None = None) -> Candidate:
    return Candidate(
        capture_id=capture_id,
        platform=post.platform.value,
        author=post.author,
        handle=post.handle,
        text=post.text,
        url=post_url(post),
        image_text=image_text,
    )


def _draft(text: str, speaker: str | None = None, number: int = 1) -> ClaimDraft:
    return ClaimDraft(
        number=number,
        text=text,
        paragraph=0,
        start=0,
        end=len(text),
        kind=ClaimKind.SENTENCE,
        quotes=find_quotes(text),
        speaker=speaker,
    )


@pytest.fixture(scope="module")
def demo_claims() -> tuple[ClaimDraft, ...]:
    story = demo_story()
    article = parse_article(
        render_article(story.article), kind=SourceKind.HTML, base_url=story.article_url
    )
    return segment(article)


@pytest.fixture(scope="module")
def candidates() -> list[Candidate]:
    # Every demo post, the e-mail screenshot's text on the first; ids so that a decoy would
    # win a tie by id.
    return [
        _candidate(post, f"cap-{number}", KEY_SENTENCE if post is ROYER_POST else None)
        for number, post in enumerate(POSTS)
    ]


def _by_capture(candidates: list[Candidate]) -> dict[str, str]:
    return {c.capture_id: c.url for c in candidates}


def test_the_speakers_own_post_comes_first(
    demo_claims: tuple[ClaimDraft, ...], candidates: list[Candidate]
) -> None:
    claim = next(c for c in demo_claims if c.text.startswith(f"« {MISQUOTE} »"))
    found = suggest([claim], candidates)
    urls = _by_capture(candidates)
    assert urls[found[0].capture_id] == post_url(ROYER_ANSWER)
    assert found[0].reasons[0] == "the claim's speaker “Camille Royer” is the post's author"
    assert any("appears in the post (score" in reason for reason in found[0].reasons)
    # The speaker's other post follows on the speaker alone; decoys do not appear.
    assert [urls[s.capture_id] for s in found] == [post_url(ROYER_ANSWER), post_url(ROYER_POST)]
    assert found[0].score > found[1].score >= FLOOR
    assert all(0 <= s.score <= 1 for s in found)


def test_a_quote_read_from_an_image_finds_the_post(
    demo_claims: tuple[ClaimDraft, ...], candidates: list[Candidate]
) -> None:
    claim = next(c for c in demo_claims if c.text.startswith("Il y écrit"))
    (found,) = suggest([claim], candidates)
    assert _by_capture(candidates)[found.capture_id] == post_url(ROYER_POST)
    assert any("the post's image text (score 100)" in reason for reason in found.reasons)
    assert any(reason.startswith("shares the names Kessler, Victor") for reason in found.reasons)


def test_a_rejected_pair_is_never_suggested_and_the_next_post_moves_up(
    demo_claims: tuple[ClaimDraft, ...], candidates: list[Candidate]
) -> None:
    claim = next(c for c in demo_claims if c.text.startswith(f"« {MISQUOTE} »"))
    best, second = suggest([claim], candidates, limit=2)
    left = suggest([claim], candidates, limit=2, excluded={(claim.number, best.capture_id)})
    assert left[0] == second and best.capture_id not in [s.capture_id for s in left]
    other_claim = {(claim.number + 1, best.capture_id)}  # a rejection holds for its claim only
    assert suggest([claim], candidates, limit=2, excluded=other_claim) == (best, second)


def test_no_overlap_no_suggestion(candidates: list[Candidate]) -> None:
    claim = _draft("Le conseil municipal de Riverton a voté la fermeture de la rue.")
    assert suggest([claim], candidates) == ()
    assert suggest([], candidates) == ()
    assert suggest([claim], []) == ()


def test_speaker_plus_content_beats_content_alone() -> None:
    claim = _draft(
        "« Nous publierons les 48 213 signatures », a déclaré Hélène Marchand à Lyon.",
        speaker="Hélène Marchand",
    )
    by_her = Candidate(
        "a",
        "mastodon",
        "Helene Marchand",
        "hmarchand@piaille.fr",
        "Rendez-vous à Lyon demain.",
        "u1",
    )
    by_other = Candidate(
        "b",
        "x",
        "Igor Vantal",
        "igorvantal",
        "Nous publierons les 48,213 signatures, à Lyon, dit-on.",
        "u2",
    )
    first, second = suggest([claim], [by_other, by_her])
    assert (first.capture_id, second.capture_id) == ("a", "b")
    assert first.reasons == (
        "the claim's speaker “Hélène Marchand” is the post's author",
        "shares the name Lyon",
    )
    assert "shares the number 48 213" in second.reasons


def test_handles_are_compared_without_at_and_domain() -> None:
    claim = _draft("Camille Royer a écrit qu'il refusait.", speaker="Camille Royer")
    posts = [
        Candidate("m", "mastodon", None, "@camroyer@piaille.fr", "Je refuse.", "u1"),
        Candidate("b", "bluesky", None, "camilleroyer.bsky.social", "Je refuse.", "u2"),
        Candidate("n", "x", None, "jroyer", "Je refuse.", "u3"),  # a namesake's handle
    ]
    found = suggest([claim], posts)
    assert [s.capture_id for s in found] == ["b", "m"]  # equal scores: by capture id
    assert found[0].reasons == (
        "the claim's speaker “Camille Royer” matches the handle @camilleroyer",
    )


def test_limit_and_deterministic_order() -> None:
    claim = _draft(
        "Selon Nadia Ferreira, c'est « une affaire de principe ».", speaker="Nadia Ferreira"
    )
    posts = [
        Candidate(f"c{n}", "x", "Nadia Ferreira", "nferreira", f"Message {n}", f"u{n}")
        for n in (3, 1, 2, 0)
    ]
    found = suggest([claim], posts, limit=2)
    assert [s.capture_id for s in found] == ["c0", "c1"]
    assert suggest([claim], posts, limit=2) == found


def test_one_shared_name_alone_is_below_the_floor() -> None:
    claim = _draft("La société Nébula IA recrute à tour de bras.")
    post = Candidate("a", "x", "Igor Vantal", "igorvantal", "Chez Nébula IA, on recrute.", "u")
    assert suggest([claim], [post]) == ()


def test_ties_go_to_the_post_on_a_platform_before_a_web_page() -> None:
    claim = _draft(
        "Selon Nadia Ferreira, c'est « une affaire de principe ».", speaker="Nadia Ferreira"
    )
    page = Candidate("a0", "generic", "Nadia Ferreira", None, "une affaire de principe", "u0")
    post = Candidate("z9", "x", "Nadia Ferreira", "nferreira", "une affaire de principe", "u1")
    [first, second] = suggest([claim], [page, post], limit=2)
    assert first.score == second.score
    assert [first.capture_id, second.capture_id] == ["z9", "a0"]
