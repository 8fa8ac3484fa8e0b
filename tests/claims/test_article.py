from datetime import UTC, datetime
from pathlib import Path

import lxml.html
import pytest

from archiver.errors import UsageError
from claims._article import parse_article, platform_of
from claims._segment import segment
from claims.models import ArticleText, ParagraphKind, ReferenceKind, SourceKind
from demo import demo_story, post_url
from demo.platforms.news import render_article
from demo.story import MARCHAND_TOOT, MISQUOTE, ROYER_ANSWER, ROYER_POST, VANTAL_REPLY

DATA = Path(__file__).parent / "data"
GAZETTE_URL = "https://www.gazette-numerique.example/tech/2025/03/12/lumen-data-sirius-cloud"


def _read(name: str) -> bytes:
    return (DATA / name).read_bytes()


@pytest.fixture(scope="module")
def gazette() -> ArticleText:
    return parse_article(_read("gazette-fr.html"), kind=SourceKind.HTML)


@pytest.fixture(scope="module")
def demo_article() -> ArticleText:
    story = demo_story()
    return parse_article(
        render_article(story.article), kind=SourceKind.HTML, base_url=story.article_url
    )


def _paragraph_text(article: ArticleText, index: int) -> str:
    para = article.paragraphs[index]
    return article.text[para.start : para.end]


def _assert_offsets(article: ArticleText) -> None:
    assert "\n\n".join(_paragraph_text(article, p.index) for p in article.paragraphs) == (
        article.text
    )
    for ref in article.references:
        if ref.start is not None:
            assert article.text[ref.start : ref.end] == ref.text
            para = article.paragraphs[ref.paragraph]
            assert para.start <= ref.start < ref.end <= para.end


# --- HTML -----------------------------------------------------------------------------------


def test_html_metadata(gazette: ArticleText) -> None:
    assert gazette.source_kind is SourceKind.HTML
    assert gazette.title is not None and gazette.title.startswith("« Je ne construirai pas")
    assert gazette.byline == "Margot Lelièvre"
    assert gazette.published_at == datetime(2025, 3, 12, 6, 45, tzinfo=UTC)
    assert gazette.lang == "fr"


def test_html_paragraphs_and_key_points(gazette: ArticleText) -> None:
    _assert_offsets(gazette)
    kinds = [p.kind for p in gazette.paragraphs]
    assert kinds.count(ParagraphKind.LIST_ITEM) == 3
    heading = next(p for p in gazette.paragraphs if p.kind is ParagraphKind.HEADING)
    assert _paragraph_text(gazette, heading.index) == "Points clés :"
    items = [p for p in gazette.paragraphs if p.kind is ParagraphKind.LIST_ITEM]
    assert {p.section for p in items} == {"Points clés :"}
    assert _paragraph_text(gazette, items[1].index).startswith("Elle écrit : «")
    # Page chrome and the headline are not article text.
    for chrome in ("S'abonner", "Mentions légales", "lève 200 millions", "Par Margot"):
        assert chrome not in gazette.text
    assert not gazette.text.startswith("« Je ne construirai pas cet outil »")


def test_html_links_are_placed_on_their_anchor(gazette: ArticleText) -> None:
    links = [r for r in gazette.references if r.kind is ReferenceKind.LINK]
    assert [(r.url, r.text, r.platform) for r in links] == [
        ("https://x.com/leafontaine/status/1899412345678901234", "a publié sur X", "x"),
        ("https://twitter.com/tgirardin/status/1899533344455566677", "a affirmé M. Girardin", "x"),
        (
            "https://www.gazette-numerique.example/chroniques/2024/ingenieurs-parole",
            "dans une chronique",
            None,
        ),
    ]
    assert [r.paragraph for r in links] == [0, 2, 3]
    _assert_offsets(gazette)


def test_html_embeds(gazette: ArticleText) -> None:
    embeds = [r for r in gazette.references if r.kind is ReferenceKind.EMBED]
    assert [(r.platform, r.url, r.paragraph) for r in embeds] == [
        ("x", "https://twitter.com/leafontaine/status/1899412345678901234", 1),
        ("mastodon", "https://piaille.example/@nferreira/113998877665544332", 3),
        ("youtube", "https://www.youtube.com/watch?v=a1B2c3D4e5F", 4),
    ]
    tweet = embeds[0]
    assert tweet.text is not None and tweet.text.startswith("Voici ma réponse à Sirius Cloud.")
    assert tweet.start is None and tweet.end is None
    # The embedded post's words must not leak into the article's own text.
    assert "Voici ma réponse" not in gazette.text
    assert "@leafontaine" not in gazette.text


def test_demo_article_every_link_is_found_in_its_sentence(demo_article: ArticleText) -> None:
    body = lxml.html.fragment_fromstring(demo_story().article.body_html, create_parent="div")
    expected = [
        (a.get("href"), " ".join(a.text_content().split()))
        for a in body.iter("a")
        if not any(p.tag == "blockquote" for p in a.iterancestors())
    ]
    links = [r for r in demo_article.references if r.kind is ReferenceKind.LINK]
    assert [(r.url, r.text) for r in links] == expected
    sentence_of = {
        post_url(ROYER_POST): "Lundi 24 février, Camille Royer",
        post_url(VANTAL_REPLY): "« Ce message n'aurait jamais dû partir",
        post_url(ROYER_ANSWER): f"« {MISQUOTE} »",
        post_url(MARCHAND_TOOT): "Sur Mastodon, elle a souligné",
    }
    claims = segment(demo_article)
    for link in links:
        assert link.start is not None
        claim = next(c for c in claims if c.start <= link.start < c.end)
        assert claim.paragraph == link.paragraph
        assert claim.text.startswith(sentence_of[link.url]), (link.url, claim.text)
    _assert_offsets(demo_article)


def test_demo_article_embed_is_tied_to_the_paragraph_before_it(demo_article: ArticleText) -> None:
    (embed,) = [r for r in demo_article.references if r.kind is ReferenceKind.EMBED]
    assert embed.platform == "x"
    assert embed.url == f"https://twitter.com/camroyer/status/{ROYER_POST.post_id}"
    before = _paragraph_text(demo_article, embed.paragraph)
    assert before.startswith("« Je ne peux pas travailler pour Victor Kessler en conscience »")
    assert "Voici l'e-mail que j'ai envoyé" not in demo_article.text
    assert demo_article.published_at == datetime(2025, 2, 25, 10, 30, tzinfo=UTC)
    assert demo_article.byline == "Julien Arnaud"


def test_embeds_of_every_platform() -> None:
    html = """<html><body><article>
    <p>Premier paragraphe assez long pour être un vrai paragraphe de l'article.</p>
    <blockquote class="bluesky-embed" data-bluesky-uri="at://did:plc:abc123/app.bsky.feed.post/3lizq7"><p>texte</p>
      <a href="https://bsky.app/profile/did:plc:abc123/post/3lizq7?ref_src=embed">date</a></blockquote>
    <p>Deuxième paragraphe, lui aussi assez long pour être gardé par l'extraction.</p>
    <blockquote class="bluesky-embed" data-bluesky-uri="at://did:plc:xyz/app.bsky.feed.post/3abc"></blockquote>
    <blockquote class="instagram-media" data-instgrm-permalink="https://www.instagram.com/p/C0ffee/?utm_source=ig_embed"></blockquote>
    <blockquote class="text-post-media" data-text-post-permalink="https://www.threads.net/@lea/post/C1aB"></blockquote>
    <blockquote class="tiktok-embed" cite="https://www.tiktok.com/@lea/video/7301234567890123456"></blockquote>
    <blockquote class="mastodon-embed" data-embed-url="https://piaille.example/@lea/113990000000000001/embed"></blockquote>
    <p>Troisième paragraphe, qui cite
      <a href="https://bsky.app/profile/lea.bsky.social/post/3xyz">ce message</a>.</p>
    <iframe src="/widgets/carte.html"></iframe>
    </article></body></html>"""
    article = parse_article(html, kind=SourceKind.HTML, base_url="https://site.example/a/b")
    found = [(r.kind.value, r.platform, r.url, r.paragraph) for r in article.references]
    assert found == [
        ("embed", "bluesky", "https://bsky.app/profile/did:plc:abc123/post/3lizq7", 0),
        ("embed", "bluesky", "https://bsky.app/profile/did:plc:xyz/post/3abc", 1),
        ("embed", "instagram", "https://www.instagram.com/p/C0ffee/", 1),
        ("embed", "threads", "https://www.threads.net/@lea/post/C1aB", 1),
        ("embed", "tiktok", "https://www.tiktok.com/@lea/video/7301234567890123456", 1),
        ("embed", "mastodon", "https://piaille.example/@lea/113990000000000001", 1),
        ("link", "bluesky", "https://bsky.app/profile/lea.bsky.social/post/3xyz", 2),
        ("embed", None, "https://site.example/widgets/carte.html", 2),
    ]
    assert "texte" not in article.text


@pytest.mark.parametrize(
    ("url", "platform"),
    [
        ("https://x.com/camroyer/status/1894067238546391040", "x"),
        ("https://mobile.twitter.com/camroyer/status/1894067238546391040", "x"),
        ("https://bsky.app/profile/lea.bsky.social/post/3lizq7wdb2k2x", "bluesky"),
        ("https://piaille.fr/@hmarchand/113982465120938471", "mastodon"),
        ("https://youtu.be/a1B2c3D4e5F", "youtube"),
        ("https://www.lequotidien.example/tech/2025/article", None),
    ],
)
def test_platform_of_plain_links(url: str, platform: str | None) -> None:
    assert platform_of(url) == platform


def test_tiny_page_falls_back_to_its_body() -> None:
    article = parse_article(
        "<html><body><div>Court.</div><ul><li>Un point</li></ul></body></html>",
        kind=SourceKind.HTML,
    )
    assert "Court." in article.text
    assert article.paragraphs[-1].kind is ParagraphKind.LIST_ITEM


def test_declared_charset_is_honoured() -> None:
    html = (
        '<html><head><meta charset="iso-8859-1"></head><body><article><p>Le député a été '
        "réélu à Besançon, où il a déclaré vouloir continuer son mandat.</p>"
        "</article></body></html>"
    ).encode("latin-1")
    article = parse_article(html, kind=SourceKind.HTML)
    assert "Besançon" in article.text


# --- Markdown and text ----------------------------------------------------------------------


def test_markdown_follows_the_html_path() -> None:
    article = parse_article(_read("gazette-fr.md"), kind=SourceKind.MARKDOWN, base_url=GAZETTE_URL)
    assert article.source_kind is SourceKind.MARKDOWN
    assert article.title is not None and article.title.startswith("« Je ne construirai pas")
    assert article.lang == "fr"
    assert article.published_at is None
    refs = [(r.kind.value, r.platform, r.url, r.paragraph) for r in article.references]
    assert refs == [
        ("link", "x", "https://x.com/leafontaine/status/1899412345678901234", 0),
        ("embed", "x", "https://twitter.com/leafontaine/status/1899412345678901234", 1),
        ("link", "x", "https://twitter.com/tgirardin/status/1899533344455566677", 2),
        (
            "link",
            None,
            "https://www.gazette-numerique.example/chroniques/2024/ingenieurs-parole",
            3,
        ),
        ("embed", "mastodon", "https://piaille.example/@nferreira/113998877665544332", 3),
    ]
    items = [p for p in article.paragraphs if p.kind is ParagraphKind.LIST_ITEM]
    assert len(items) == 3 and {p.section for p in items} == {"Points clés :"}
    assert all(p.section is None for p in article.paragraphs if p.kind is ParagraphKind.PARAGRAPH)
    assert "Voici ma réponse" not in article.text
    _assert_offsets(article)


def test_plain_text_paragraphs_lists_and_urls() -> None:
    article = parse_article(_read("council-en.txt"), kind=SourceKind.TEXT)
    assert article.title == "Riverton council backs plan to close Mill Street to cars"
    assert article.lang == "en"
    kinds = [p.kind for p in article.paragraphs]
    assert (
        kinds
        == [ParagraphKind.PARAGRAPH] * 5 + [ParagraphKind.HEADING] + [ParagraphKind.LIST_ITEM] * 3
    )
    items = [_paragraph_text(article, p.index) for p in article.paragraphs if p.section]
    assert items[0] == "The council voted 7 to 2 to close Mill Street to cars on weekends."
    assert [(r.platform, r.paragraph) for r in article.references] == [("mastodon", 2), ("x", 3)]
    assert article.references[1].url == "https://x.com/pnandakumar/status/1800000000000000001"
    _assert_offsets(article)


def test_plain_text_lead_in_makes_the_lines_under_it_items() -> None:
    article = parse_article(_read("rappel-fr.txt"), kind=SourceKind.TEXT)
    assert article.lang == "fr"
    heading = [p for p in article.paragraphs if p.kind is ParagraphKind.HEADING]
    items = [p for p in article.paragraphs if p.kind is ParagraphKind.LIST_ITEM]
    assert [_paragraph_text(article, p.index) for p in heading] == ["Points clés:"]
    assert len(items) == 3 and {p.section for p in items} == {"Points clés:"}
    # One line, one paragraph: the lines above the lead-in end with a full stop.
    assert [p.kind for p in article.paragraphs[:2]] == [ParagraphKind.PARAGRAPH] * 2


def test_plain_text_hard_wraps_and_bullets() -> None:
    text = (
        "Le conseil municipal a voté mardi la fermeture\nde la rue aux voitures le week-end.\n\n"
        "Key points\n\n- first point\n  continued here\n* second point\n1. third point\n"
    )
    article = parse_article(text, kind=SourceKind.TEXT, lang="fr", title="Titre")
    assert article.title == "Titre" and article.lang == "fr"
    assert _paragraph_text(article, 0) == (
        "Le conseil municipal a voté mardi la fermeture de la rue aux voitures le week-end."
    )
    items = [_paragraph_text(article, p.index) for p in article.paragraphs if p.section]
    assert items == ["first point continued here", "second point", "third point"]


# --- bad input ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "kind", "fragment"),
    [
        (b"", SourceKind.HTML, "empty"),
        ("   \n  ", SourceKind.TEXT, "empty"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", SourceKind.HTML, "binary"),
        ("Caf\xe9 cr\xe8me".encode("latin-1"), SourceKind.TEXT, "UTF-8"),
        (
            b"<html><body><script>var a = 1;</script></body></html>",
            SourceKind.HTML,
            "No article text",
        ),
    ],
)
def test_bad_input_says_what_is_wrong(data: bytes | str, kind: SourceKind, fragment: str) -> None:
    with pytest.raises(UsageError) as caught:
        parse_article(data, kind=kind)
    assert fragment in caught.value.message
    assert caught.value.hint


def test_wrapped_embeds_repeated_anchors_and_french_spaces() -> None:
    html = """<!doctype html><html lang="fr"><head><title>Essai</title></head><body>
    <article><h1>Essai</h1>
    <figure class="wp-block-embed"><div class="wp-block-embed__wrapper">
    <blockquote class="twitter-tweet"><p lang="fr">Un message cité avant tout texte.</p>
    &mdash; Léa (@lea) <a href="https://twitter.com/lea/status/111?ref_src=twsrc%5Etfw">12 mars</a>
    </blockquote><script async src="https://platform.twitter.com/widgets.js"></script>
    </div></figure>
    <p>Elle a répondu «&#8239;non&#8239;» deux fois&nbsp;: <a href="https://x.com/lea/status/1">ici</a>
    et <a href="https://x.com/lea/status/2">ici</a>, puis
    <a href="/c"><em>la chronique</em> entière</a>.</p>
    <h2>La suite</h2>
    <p>Un deuxième paragraphe, assez long pour que l'extraction le garde sans hésiter.</p>
    <figure class="wp-block-embed"><div class="wp-block-embed__wrapper">
    <blockquote class="twitter-tweet"><p lang="fr">Un second message.</p>&mdash; Léa (@lea)
    <a href="https://twitter.com/lea/status/222">13 mars</a></blockquote></div></figure>
    </article></body></html>"""
    article = parse_article(html, kind=SourceKind.HTML)
    first = _paragraph_text(article, 0)
    assert first.startswith("Elle a répondu «\u202fnon\u202f» deux fois\u00a0:")
    refs = [(r.kind.value, r.url, r.paragraph, r.start) for r in article.references]
    assert refs == [
        ("embed", "https://twitter.com/lea/status/111", 0, None),  # nothing before it
        ("link", "https://x.com/lea/status/1", 0, first.index("ici")),
        ("link", "https://x.com/lea/status/2", 0, first.rindex("ici")),
        ("link", "/c", 0, first.index("la chronique entière")),
        ("embed", "https://twitter.com/lea/status/222", 2, None),
    ]
    assert article.paragraphs[2].section == "La suite"
    assert "message" not in article.text
    _assert_offsets(article)
