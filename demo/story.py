"""The demo story: a fictional French news article and the posts it cites, on every platform.

Everything here is invented (people, companies, domains). The article cites the posts with
reporting verbs, links to them, embeds one, and misquotes one sentence on purpose, so the demo
has something for a citation check to find:

    post:    « Je ne pense pas regretter d'avoir envoyé cet e-mail »
    article: « Je ne regrette pas d'avoir envoyé cet e-mail »
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache
from types import MappingProxyType

from demo import images
from demo.platforms.x import blockquote
from demo.sites import Article, MediaItem, Platform, Post, post_url
from demo.web import FakeWeb

NEWS_HOST = "www.lequotidien.example"
ARTICLE_PATH = "/tech/2025/02/25/ingenieur-orbital-labs-refuse-nebula-ia"
ARTICLE_URL = f"https://{NEWS_HOST}{ARTICLE_PATH}"

EMAIL_PAGE_1 = "/media/camroyer-email-1.png"
EMAIL_PAGE_2 = "/media/camroyer-email-2.png"
ARTICLE_IMAGE = "/media/lequotidien-nebula-ia.png"

# The sentence the demo's reader should find, word for word, in the e-mail screenshot.
KEY_SENTENCE = "Je ne peux pas travailler pour Victor Kessler en conscience."
MISQUOTE = "Je ne regrette pas d'avoir envoyé cet e-mail"


@dataclass(frozen=True)
class Story:
    posts: tuple[Post, ...]
    article: Article
    article_url: str
    post_urls: tuple[str, ...]  # what `postproof demo` captures, in this order
    images: Mapping[str, bytes]  # served path -> PNG
    short_links: Mapping[str, str]  # sho.rt code -> target


def _at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


ROYER_POST = Post(
    platform=Platform.X,
    post_id="1894067238546391040",
    author="Camille Royer",
    handle="camroyer",
    posted_at=_at("2025-02-24T18:04:00"),
    text=(
        "On m'a proposé un poste chez Nébula IA. J'ai répondu ce matin, et je préfère que ma "
        "réponse soit publique. Voici l'e-mail que j'ai envoyé."
    ),
    lang="fr",
    media=(
        MediaItem(EMAIL_PAGE_1, "Capture d'écran de mon e-mail de réponse à Nébula IA (1/2)"),
        MediaItem(EMAIL_PAGE_2, "Capture d'écran de mon e-mail de réponse à Nébula IA (2/2)"),
    ),
    likes=48213,
    replies=1204,
    boosts=9377,
)

VANTAL_REPLY = Post(
    platform=Platform.X,
    post_id="1894121843759415296",
    author="Igor Vantal",
    handle="igorvantal",
    posted_at=_at("2025-02-24T21:37:00"),
    text=(
        "Camille, ce message n'aurait jamais dû partir : un membre de l'équipe recrutement a "
        "contacté des profils sans validation. Ce n'est pas notre façon de faire et nous le "
        "regrettons."
    ),
    lang="fr",
    reply_to=ROYER_POST.post_id,
    likes=812,
    replies=2310,
    boosts=95,
)

ROYER_ANSWER = Post(
    platform=Platform.X,
    post_id="1894275112830509056",
    author="Camille Royer",
    handle="camroyer",
    posted_at=_at("2025-02-25T07:46:00"),
    text=(
        "Merci pour la réponse, Igor. Mais je ne pense pas regretter d'avoir envoyé cet e-mail : "
        "le sujet n'a jamais été la personne qui m'a écrit."
    ),
    lang="fr",
    reply_to=VANTAL_REPLY.post_id,
    likes=15630,
    replies=388,
    boosts=1420,
)

MARCHAND_TOOT = Post(
    platform=Platform.MASTODON,
    post_id="113982465120938471",
    author="Hélène Marchand",
    handle="hmarchand",
    instance="piaille.fr",
    posted_at=_at("2025-02-25T09:30:00"),
    text=(
        "Le refus public de Camille Royer rappelle une chose simple : un ingénieur peut encore "
        "dire non.\n\nDans un secteur où l'on se tait de peur de griller sa carrière, ce genre de "
        "geste compte. #IA #éthique"
    ),
    lang="fr",
    likes=214,
    replies=12,
    boosts=131,
)

BELKACEM_SKEET = Post(
    platform=Platform.BLUESKY,
    post_id="3lizq7wdb2k2x",
    author="Sonia Belkacem",
    handle="soniabelkacem.bsky.social",
    posted_at=_at("2025-02-25T11:05:00"),
    text=(
        "À lire : l'ingénieur d'Orbital Labs qui a dit non à Nébula IA, et la réponse de "
        f"l'entreprise, qui met en cause un salarié.\n{ARTICLE_URL}"
    ),
    lang="fr",
    likes=87,
    replies=4,
    boosts=39,
)

POSTS = (ROYER_POST, VANTAL_REPLY, ROYER_ANSWER, MARCHAND_TOOT, BELKACEM_SKEET)


def _article_body() -> str:
    royer, vantal, answer, toot = (
        post_url(p) for p in (ROYER_POST, VANTAL_REPLY, ROYER_ANSWER, MARCHAND_TOOT)
    )
    return f"""
<p>Il a choisi de répondre en public. Lundi 24 février, Camille Royer, ingénieur chez Orbital Labs,
<a href="{royer}">a publié sur X</a> deux captures d'écran de l'e-mail qu'il venait d'adresser à
Nébula IA, la société d'intelligence artificielle fondée par le milliardaire Victor Kessler, qui lui
proposait un poste.</p>
<p>« Je ne peux pas travailler pour Victor Kessler en conscience », a écrit l'ingénieur dans ce
courriel. « On m'a proposé un poste chez Nébula IA. J'ai répondu ce matin, et je préfère que ma
réponse soit publique », a-t-il expliqué en accompagnement de son message, partagé des milliers de
fois en quelques heures.</p>
{blockquote(ROYER_POST)}
<p>Le soir même, Igor Vantal, directeur de l'ingénierie de Nébula IA, a répondu publiquement.
« Ce message n'aurait jamais dû partir : un membre de l'équipe recrutement a contacté des profils
sans validation », <a href="{vantal}">a affirmé le dirigeant sur X</a>, sans nommer le salarié en
question. « Ce n'est pas notre façon de faire », a-t-il souligné.</p>
<p>Une explication qui n'a pas convaincu l'intéressé. « {MISQUOTE} », <a href="{answer}">a déclaré
Camille Royer mardi matin</a>, ajoutant que « le sujet n'a jamais été la personne qui [lui] a
écrit ».</p>
<p>Selon Hélène Marchand, chercheuse en éthique de l'intelligence artificielle, ce refus « rappelle
une chose simple : un ingénieur peut encore dire non ». <a href="{toot}">Sur Mastodon</a>, elle a
souligné que « dans un secteur où l'on se tait de peur de griller sa carrière, ce genre de geste
compte ».</p>
<p>Contactée par <em>Le Quotidien</em>, Nébula IA n'avait pas répondu à nos questions au moment de
la publication. Orbital Labs n'a pas souhaité commenter.</p>
<h2>Points clés :</h2>
<ul class="key-points">
<li>Camille Royer, ingénieur chez Orbital Labs, a rendu publique sa réponse négative à une offre
d'emploi de Nébula IA.</li>
<li>Il y écrit : « {KEY_SENTENCE} »</li>
<li>Igor Vantal, directeur de l'ingénierie de Nébula IA, attribue la prise de contact à un salarié
qu'il ne nomme pas.</li>
<li>L'ingénieur maintient sa position.</li>
</ul>
"""


ARTICLE = Article(
    host=NEWS_HOST,
    path=ARTICLE_PATH,
    headline=(
        "« Je ne peux pas travailler pour Victor Kessler » : un ingénieur d'Orbital Labs "
        "éconduit Nébula IA"
    ),
    description=(
        "Camille Royer a rendu publique sa réponse à une offre d'emploi de la société du "
        "milliardaire. Un dirigeant de l'entreprise a rejeté la faute sur un salarié."
    ),
    author="Julien Arnaud",
    published_at=_at("2025-02-25T10:30:00"),
    body_html=_article_body(),
    site_name="Le Quotidien",
    section="Tech",
    image_path=ARTICLE_IMAGE,
)

_EMAIL_HEADERS = (
    ("De", "Camille Royer <camille.royer@orbital-labs.example>"),
    ("À", "Talents Nébula IA <talents@nebula-ia.example>"),
    ("Date", "lun. 24 févr. 2025 à 09:12"),
)
_EMAIL_SUBJECT = "Re: Proposition de poste — Ingénieur principal, équipe Modèles"
_EMAIL_BODY_1 = f"""Bonjour,

Merci pour votre message et pour l'intérêt que vous portez à mon travail. J'ai pris le temps de lire votre proposition avec attention.

Je dois pourtant la décliner. {KEY_SENTENCE}

Ses prises de position de ces derniers mois, et la façon dont Nébula IA a mis de côté ses propres engagements sur la sécurité des modèles, vont à l'encontre de ce que je veux construire."""  # noqa: E501
_EMAIL_BODY_2 = """Je sais que des personnes très compétentes travaillent chez vous, et ce refus ne les vise pas. Mais je crois que les ingénieurs ont aussi le droit, et parfois le devoir, de dire non.

Je vous souhaite une bonne continuation.

Bien cordialement,

Camille Royer
Ingénieur de recherche, Orbital Labs"""  # noqa: E501


@cache
def _images() -> Mapping[str, bytes]:
    # Drawn once per process; read-only because every story shares it.
    return MappingProxyType(
        {
            EMAIL_PAGE_1: images.email_screenshot(
                _EMAIL_SUBJECT, _EMAIL_HEADERS, _EMAIL_BODY_1, footer="1/2"
            ),
            EMAIL_PAGE_2: images.email_screenshot(
                _EMAIL_SUBJECT + " (suite)", _EMAIL_HEADERS[:1], _EMAIL_BODY_2, footer="2/2"
            ),
            ARTICLE_IMAGE: images.placeholder_photo("Nébula IA", "Illustration — Le Quotidien"),
        }
    )


def demo_story() -> Story:
    return Story(
        posts=POSTS,
        article=ARTICLE,
        article_url=ARTICLE_URL,
        post_urls=tuple(post_url(p) for p in POSTS),
        images=_images(),
        short_links={"nebula": post_url(ROYER_POST)},
    )


def build_demo_web() -> FakeWeb:
    """A fake web (not started) holding the whole demo story."""
    story = demo_story()
    web = FakeWeb()
    for post in story.posts:
        web.add_post(post)
    web.add_article(story.article)
    for path, data in story.images.items():
        web.add_image(path, data)
    for code, target in story.short_links.items():
        web.add_short_link(code, target)
    return web
