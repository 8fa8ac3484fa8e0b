"""The fake web the test suite captures: every platform's post variants plus hostile pages.

``build_fixture_web()`` returns a :class:`demo.FakeWeb` (not started). ``FIXTURE_URLS`` names every
URL a test may capture and ``EXPECTED`` says, under the same name, what a capture must find there.

The package holds every fake web of the suite: this module (X, Mastodon, Bluesky, news and hostile
pages), :mod:`tests.fixtureweb.platforms` (one module per other platform, merged in here) and
:mod:`tests.fixtureweb.real` (the platforms' own saved answers of ``tests/realpages``).

Conventions of ``EXPECTED``:

* ``status`` is a value of ``archiver.models.Status`` (plain strings, so this table does not
  depend on the archiver; ``StrEnum`` members compare equal to them).
* ``handle`` is the handle as the page shows it: ``@name`` on X and Bluesky, ``@user@host`` on
  Mastodon. ``reply_to`` / ``quote_of`` are what the page exposes: the parent's status URL on X
  and Bluesky, its ActivityPub URI on Mastodon.
* ``text`` is a post's exact text; ``contains`` is a phrase the page's visible text contains.
* ``http_status`` is the answer to the navigation after redirects (``final_url``).
"""

from __future__ import annotations

import functools
import os
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from demo import Article, FakeWeb, MediaItem, Platform, Post, PostState, Request, Response
from demo import html as html_response
from demo.images import placeholder_photo
from demo.platforms.x import blockquote
from tests.fixtureweb.platforms import PLATFORM_URLS, add_platform_fixtures, platform_expected

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Playwright

ODD = "odd.example"
NEWS = "news.example"
MASTODON = "mastodon.example"


@dataclass(frozen=True)
class Expected:
    status: str
    platform: str  # "x" | "mastodon" | "bluesky" | "generic"
    http_status: int | None
    author: str | None = None
    handle: str | None = None
    posted_at: datetime | None = None
    text: str | None = None
    contains: str | None = None
    media: int = 0
    reply_to: str | None = None
    quote_of: str | None = None
    final_url: str | None = None
    lang: str | None = None


def _at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


# -- posts ------------------------------------------------------------------------------------

X_LIVE = Post(
    Platform.X,
    "1880000000000000001",
    "Alice Dupont",
    "alicedupont",
    _at("2025-01-15T09:30:00"),
    "Le conseil municipal a voté ce soir le budget 2025.\nLe détail des votes ci-dessous.",
    lang="fr",
    media=(MediaItem("/media/fixture-x-live.png", "Tableau des votes du conseil municipal"),),
    likes=321,
    replies=2,
)
X_REPLY = Post(
    Platform.X,
    "1880000000000000002",
    "Bob Martin",
    "bob_martin",
    _at("2025-01-15T10:02:00"),
    "@alicedupont Merci pour le compte rendu. Qui a voté contre ?",
    lang="fr",
    reply_to=X_LIVE.post_id,
    likes=4,
)
X_QUOTE = Post(
    Platform.X,
    "1880000000000000003",
    "Claire Petit",
    "clairepetit",
    _at("2025-01-15T11:15:00"),
    "À lire : le budget est adopté, avec une abstention record.",
    lang="fr",
    quote_of=X_LIVE.post_id,
    likes=17,
)
X_ESCAPING = Post(
    Platform.X,
    "1880000000000000008",
    "Dan <Tester> & Co",
    "dan_tester",
    _at("2025-01-15T12:00:00"),
    'Markup stays text: <b>not bold</b> & "quotes" — 5 < 6 > 4 https://example.org/a?b=1&c=2',
    lang="en",
)

X_HOSTILE = Post(
    Platform.X,
    "1880000000000000009",
    "Eve <script>alert('author')</script>",
    "eve_hostile",
    _at("2025-01-15T12:30:00"),
    'Hostile text <script>alert("text")</script> and <img src=x onerror=alert(2)> end.',
    lang="en",
)

# A post that tries to act on the reader's terminal: clear the screen, retitle the window, fake a
# green status, and reverse a hash with U+202E. Stored exactly; shown escaped.
TERMINAL_TRAP = "\x1b[2J\x1b]0;postproof: all verified\x07"
X_TERMINAL = Post(
    Platform.X,
    "1880000000000000010",
    f"Mallory {TERMINAL_TRAP}Trusted",
    "mallory_term",
    _at("2025-01-15T13:00:00"),
    "Status: \x1b[1;32mOK verified\x1b[0m; sha256 \u202e4d2f9a\u202c end.",
    lang="en",
)


def _gone_x(post_id: str, handle: str, state: PostState) -> Post:
    return Post(Platform.X, post_id, "Hidden", handle, _at("2025-01-10T08:00:00"), "…", state=state)


X_DELETED = _gone_x("1880000000000000004", "deleteduser", PostState.DELETED)
X_DELETED_200 = _gone_x("1880000000000000005", "deleteduser", PostState.DELETED_200)
X_SUSPENDED = _gone_x("1880000000000000006", "spamaccount", PostState.SUSPENDED)
X_LOGIN_WALL = _gone_x("1880000000000000007", "privateperson", PostState.LOGIN_WALL)

M_LIVE = Post(
    Platform.MASTODON,
    "113000000000000001",
    "Émile Garnier",
    "emile",
    _at("2025-01-16T08:00:00"),
    "Nouvelle version de notre outil d'archivage publiée aujourd'hui. #archives",
    lang="fr",
    media=(MediaItem("/media/fixture-mastodon-live.png", "Capture de la page de téléchargement"),),
    instance=MASTODON,
    likes=42,
    boosts=7,
)
M_REPLY = Post(
    Platform.MASTODON,
    "113000000000000002",
    "Léa Moreau",
    "lea",
    _at("2025-01-16T08:45:00"),
    "Bravo ! Elle sait archiver les comptes suspendus ?",
    lang="fr",
    reply_to=M_LIVE.post_id,
    instance=MASTODON,
)


def _gone_m(post_id: str, state: PostState) -> Post:
    when = _at("2025-01-10T08:00:00")
    return Post(
        Platform.MASTODON, post_id, "Hidden", "ghost", when, "…", state=state, instance=MASTODON
    )


M_DELETED = _gone_m("113000000000000003", PostState.DELETED)
M_DELETED_200 = _gone_m("113000000000000004", PostState.DELETED_200)
M_SUSPENDED = _gone_m("113000000000000005", PostState.SUSPENDED)
M_LOGIN_WALL = _gone_m("113000000000000006", PostState.LOGIN_WALL)

B_LIVE = Post(
    Platform.BLUESKY,
    "3lf2abcdxyz2k",
    "Marc Lefèvre",
    "marc.bsky.social",
    _at("2025-01-17T14:20:00"),
    "Premier jour sur Bluesky.\nOn verra si ça dure.",
    lang="fr",
    media=(MediaItem("/media/fixture-bsky-live.png", "Un coucher de soleil sur des collines"),),
    likes=12,
)
B_REPLY = Post(
    Platform.BLUESKY,
    "3lf2abcdxyz3m",
    "Nina Rossi",
    "nina.bsky.social",
    _at("2025-01-17T15:01:00"),
    "Bienvenue ! Ça durera.",
    lang="fr",
    reply_to=B_LIVE.post_id,
    likes=3,
)


def _gone_b(rkey: str, state: PostState) -> Post:
    when = _at("2025-01-10T08:00:00")
    return Post(Platform.BLUESKY, rkey, "Hidden", "ghost.bsky.social", when, "…", state=state)


B_DELETED = _gone_b("3lf2abcdxyz4a", PostState.DELETED)
B_DELETED_200 = _gone_b("3lf2abcdxyz5b", PostState.DELETED_200)
B_SUSPENDED = _gone_b("3lf2abcdxyz6c", PostState.SUSPENDED)
B_LOGIN_WALL = _gone_b("3lf2abcdxyz7d", PostState.LOGIN_WALL)

POSTS = (
    X_LIVE,
    X_REPLY,
    X_QUOTE,
    X_ESCAPING,
    X_HOSTILE,
    X_TERMINAL,
    X_DELETED,
    X_DELETED_200,
    X_SUSPENDED,
    X_LOGIN_WALL,
    M_LIVE,
    M_REPLY,
    M_DELETED,
    M_DELETED_200,
    M_SUSPENDED,
    M_LOGIN_WALL,
    B_LIVE,
    B_REPLY,
    B_DELETED,
    B_DELETED_200,
    B_SUSPENDED,
    B_LOGIN_WALL,
)

NEWS_ARTICLE = Article(
    host=NEWS,
    path="/2025/01/18/budget-municipal",
    headline="Le budget municipal 2025 adopté malgré une abstention record",
    description="Le conseil municipal a voté mercredi soir un budget en hausse de 3 %.",
    author="Paul Girard",
    published_at=_at("2025-01-18T07:00:00"),
    site_name="News Example",
    section="Politique",
    body_html=(
        "<p>Le conseil municipal a adopté mercredi soir le budget 2025, en hausse de 3 %. "
        f'<a href="https://x.com/alicedupont/status/{X_LIVE.post_id}">Selon Alice Dupont</a>, '
        "« le détail des votes » a été publié dans la soirée.</p>"
        f"{blockquote(X_LIVE)}"
        "<p>L'opposition a dénoncé un vote précipité.</p>"
    ),
)


def _x(post: Post, host: str = "x.com", scheme: str = "https") -> str:
    return f"{scheme}://{host}/{post.handle}/status/{post.post_id}"


def _m(post: Post) -> str:
    return f"https://{MASTODON}/@{post.handle}/{post.post_id}"


def _b(post: Post) -> str:
    return f"https://bsky.app/profile/{post.handle}/post/{post.post_id}"


FIXTURE_URLS: dict[str, str] = {
    "x_live": _x(X_LIVE),
    "x_live_twitter": _x(X_LIVE, "twitter.com"),
    "x_live_mobile_http": _x(X_LIVE, "mobile.twitter.com", "http"),
    "x_live_i_web": f"https://x.com/i/web/status/{X_LIVE.post_id}",
    "x_reply": _x(X_REPLY),
    "x_quote": _x(X_QUOTE),
    "x_escaping": _x(X_ESCAPING),
    "x_hostile": _x(X_HOSTILE),
    "x_terminal": _x(X_TERMINAL),
    "x_deleted": _x(X_DELETED),
    "x_deleted_200": _x(X_DELETED_200),
    "x_suspended": _x(X_SUSPENDED),
    "x_login_wall": _x(X_LOGIN_WALL),
    "mastodon_live": _m(M_LIVE),
    "mastodon_ap_uri": f"https://{MASTODON}/users/{M_LIVE.handle}/statuses/{M_LIVE.post_id}",
    "mastodon_reply": _m(M_REPLY),
    "mastodon_deleted": _m(M_DELETED),
    "mastodon_deleted_200": _m(M_DELETED_200),
    "mastodon_suspended": _m(M_SUSPENDED),
    "mastodon_login_wall": _m(M_LOGIN_WALL),
    "bsky_live": _b(B_LIVE),
    "bsky_reply": _b(B_REPLY),
    "bsky_deleted": _b(B_DELETED),
    "bsky_deleted_200": _b(B_DELETED_200),
    "bsky_suspended": _b(B_SUSPENDED),
    "bsky_login_wall": _b(B_LOGIN_WALL),
    "news_article": f"https://{NEWS}{NEWS_ARTICLE.path}",
    **PLATFORM_URLS,  # Reddit, Telegram and the others: see tests/fixtureweb/platforms
    "odd_consent": f"https://{ODD}/consent",
    "odd_slow": f"https://{ODD}/slow",
    "odd_hang": f"https://{ODD}/hang",
    "odd_500": f"https://{ODD}/error-500",
    "odd_503": f"https://{ODD}/error-503",
    "odd_404": f"https://{ODD}/missing",
    "odd_redirect": "https://sho.rt/fx1",
    "odd_tall": f"https://{ODD}/tall",
    "odd_dialogs": f"https://{ODD}/dialogs",
    "odd_huge": f"https://{ODD}/huge",
    "odd_spin": f"https://{ODD}/spin",
}

SLOW_SECONDS = 3.0
TALL_PX = 60_000
HUGE_BYTES = 3_000_000  # some 3,000 paragraphs: far over the budgets tests cut it with (0.2, 1 MB)


def _x_expected(
    post: Post,
    *,
    reply_to: str | None = None,
    quote_of: str | None = None,
    final_url: str | None = None,
) -> Expected:
    return Expected(
        "ok",
        "x",
        200,
        author=post.author,
        handle="@" + post.handle,
        posted_at=post.posted_at,
        text=post.text,
        media=len(post.media),
        lang=post.lang,
        reply_to=reply_to,
        quote_of=quote_of,
        final_url=final_url,
    )


_X_NOT_FOUND = Expected("not_found", "x", 200, contains="this page doesn’t exist")
_M_NOT_FOUND = "The page you are looking for isn't here."
_B_NOT_FOUND = "Post not found"

EXPECTED: dict[str, Expected] = {
    "x_live": _x_expected(X_LIVE),
    "x_live_twitter": _x_expected(X_LIVE),
    "x_live_mobile_http": _x_expected(X_LIVE),
    "x_live_i_web": _x_expected(X_LIVE),
    "x_reply": _x_expected(X_REPLY, reply_to=_x(X_LIVE)),
    "x_quote": _x_expected(X_QUOTE, quote_of=_x(X_LIVE)),
    "x_escaping": _x_expected(X_ESCAPING),
    "x_hostile": _x_expected(X_HOSTILE),
    "x_terminal": _x_expected(X_TERMINAL),
    "x_deleted": _X_NOT_FOUND,
    "x_deleted_200": _X_NOT_FOUND,
    "x_suspended": Expected("suspended", "x", 200, contains="Account suspended"),
    "x_login_wall": Expected(
        "login_wall",
        "x",
        200,
        contains="Sign in to X",
        final_url="https://x.com/i/flow/login?redirect_after_login="
        f"%2F{X_LOGIN_WALL.handle}%2Fstatus%2F{X_LOGIN_WALL.post_id}",
    ),
    "mastodon_live": Expected(
        "ok",
        "mastodon",
        200,
        author=M_LIVE.author,
        handle=f"@{M_LIVE.handle}@{MASTODON}",
        posted_at=M_LIVE.posted_at,
        text=M_LIVE.text,
        media=1,
        lang="fr",
    ),
    "mastodon_ap_uri": Expected(
        "ok",
        "mastodon",
        200,
        author=M_LIVE.author,
        handle=f"@{M_LIVE.handle}@{MASTODON}",
        posted_at=M_LIVE.posted_at,
        text=M_LIVE.text,
        media=1,
        lang="fr",
        final_url=_m(M_LIVE),
    ),
    "mastodon_reply": Expected(
        "ok",
        "mastodon",
        200,
        author=M_REPLY.author,
        handle=f"@{M_REPLY.handle}@{MASTODON}",
        posted_at=M_REPLY.posted_at,
        text=M_REPLY.text,
        lang="fr",
        reply_to=f"https://{MASTODON}/users/{M_LIVE.handle}/statuses/{M_LIVE.post_id}",
    ),
    "mastodon_deleted": Expected("not_found", "mastodon", 404, contains=_M_NOT_FOUND),
    "mastodon_deleted_200": Expected("not_found", "mastodon", 200, contains=_M_NOT_FOUND),
    "mastodon_suspended": Expected(
        "suspended", "mastodon", 410, contains="This account has been suspended."
    ),
    "mastodon_login_wall": Expected(
        "login_wall",
        "mastodon",
        200,
        contains="Log in",
        final_url=f"https://{MASTODON}/auth/sign_in",
    ),
    "bsky_live": Expected(
        "ok",
        "bluesky",
        200,
        author=B_LIVE.author,
        handle="@" + B_LIVE.handle,
        posted_at=B_LIVE.posted_at,
        text=B_LIVE.text,
        media=1,
        lang="fr",
    ),
    "bsky_reply": Expected(
        "ok",
        "bluesky",
        200,
        author=B_REPLY.author,
        handle="@" + B_REPLY.handle,
        posted_at=B_REPLY.posted_at,
        text=B_REPLY.text,
        lang="fr",
        reply_to=_b(B_LIVE),
    ),
    "bsky_deleted": Expected("not_found", "bluesky", 200, contains=_B_NOT_FOUND),
    "bsky_deleted_200": Expected("not_found", "bluesky", 200, contains=_B_NOT_FOUND),
    "bsky_suspended": Expected(
        "suspended", "bluesky", 200, contains="This account has been suspended."
    ),
    "bsky_login_wall": Expected("login_wall", "bluesky", 200, contains="Sign-in required"),
    "news_article": Expected(
        "ok",
        "generic",
        200,
        author=NEWS_ARTICLE.author,
        posted_at=NEWS_ARTICLE.published_at,
        contains="L'opposition a dénoncé un vote précipité.",
        lang="fr",
    ),
    "odd_consent": Expected("ok", "generic", 200, contains="le marché couvert de la place Carnot"),
    "odd_slow": Expected("ok", "generic", 200, contains="Cette page a pris son temps."),
    "odd_hang": Expected("unavailable", "generic", None),  # never answers: a timeout
    "odd_500": Expected("unavailable", "generic", 500, contains="Internal Server Error"),
    "odd_503": Expected("unavailable", "generic", 503, contains="Service Unavailable"),
    "odd_404": Expected("not_found", "generic", 404, contains="Not Found"),
    "odd_redirect": _x_expected(X_LIVE, final_url=_x(X_LIVE)),
    "odd_tall": Expected("ok", "generic", 200, contains="Une page très haute"),
    "odd_dialogs": Expected("ok", "generic", 200, contains="Le contenu reste lisible"),
    "odd_huge": Expected("ok", "generic", 200, contains="Une page énorme"),
    # Blocks the renderer for good from its load event on. Nothing can be read from a frozen
    # renderer: the capture must end, say why, and not stall the batch.
    "odd_spin": Expected("unavailable", "generic", 200),
}
EXPECTED |= platform_expected()


# -- hostile and odd pages ---------------------------------------------------------------------


def _doc(title: str, body: str, head: str = "") -> str:
    return (
        f'<!DOCTYPE html><html lang="fr"><head><meta charset="utf-8"><title>{title}</title>'
        f'<meta property="og:title" content="{title}">{head}'
        "<style>body{font:18px/1.5 'DejaVu Sans',sans-serif;max-width:760px;margin:24px auto}"
        "</style></head><body>"
        f"{body}</body></html>"
    )


def consent(request: Request) -> Response:
    close = "document.getElementById('consent').remove();document.body.style.overflow=''"
    return html_response(
        _doc(
            "Le marché couvert rouvre",
            "<article><h1>Le marché couvert rouvre ses portes</h1>"
            "<p>Après dix-huit mois de travaux, le marché couvert de la place Carnot rouvre "
            "samedi avec quarante commerçants.</p></article>"
            '<div id="consent" role="dialog" aria-modal="true" aria-label="Consentement"'
            ' style="position:fixed;inset:0;z-index:2147483647;background:rgba(20,20,20,.94);'
            'color:#fff;display:flex;align-items:center;justify-content:center">'
            '<div style="max-width:520px;background:#222;padding:32px;border-radius:8px">'
            "<h2>Nous respectons votre vie privée</h2>"
            "<p>Nous et nos 842 partenaires utilisons des cookies pour mesurer l'audience.</p>"
            f'<button id="consent-accept" onclick="{close}">Tout accepter</button> '
            f'<button id="consent-reject" onclick="{close}">Continuer sans accepter</button>'
            "</div></div><script>document.body.style.overflow='hidden'</script>",
        )
    )


def slow(request: Request) -> Response:
    request.sleep(SLOW_SECONDS)
    return html_response(
        _doc("Page lente", "<h1>Page lente</h1><p>Cette page a pris son temps.</p>")
    )


def hang(request: Request) -> Response:
    request.wait_for_stop()
    return html_response("", 503)


def error_500(request: Request) -> Response:
    return html_response(_doc("500", "<h1>Internal Server Error</h1>"), 500)


def error_503(request: Request) -> Response:
    page = _doc("503", "<h1>Service Unavailable</h1><p>Back soon.</p>")
    return html_response(page, 503, (("Retry-After", "120"),))


def tall(request: Request) -> Response:
    markers = "".join(
        f'<p style="position:absolute;top:{y}px;margin:0">Repère à {y} px</p>'
        for y in range(5000, TALL_PX, 5000)
    )
    body = (
        f'<div style="position:relative;height:{TALL_PX}px;'
        'background:linear-gradient(#ffffff,#2a6fdb)">'
        "<h1>Une page très haute</h1><p>Elle mesure soixante mille pixels.</p>"
        f"{markers}</div>"
    )
    return html_response(_doc("Très longue page", body))


def dialogs(request: Request) -> Response:
    script = """<script>
window.addEventListener('load', function () {
  alert('Alerte de test');
  confirm('Confirmer ?');
  prompt('Votre nom ?', 'anonyme');
  window.open('/popup', '_blank');
  document.getElementById('dl').click();
  window.onbeforeunload = function (e) { e.preventDefault(); e.returnValue = ''; return ''; };
});
</script>"""
    body = (
        "<h1>Boîtes de dialogue</h1><p>Le contenu reste lisible malgré les alertes.</p>"
        '<a id="dl" href="/download/rapport.txt" download="rapport.txt">Télécharger</a>' + script
    )
    return html_response(_doc("Dialogues", body))


def download(request: Request) -> Response:
    return Response(
        200,
        b"rapport de test\n",
        "text/plain; charset=utf-8",
        (("Content-Disposition", 'attachment; filename="rapport.txt"'),),
    )


def popup(request: Request) -> Response:
    return html_response(_doc("Popup", "<p>Fenêtre surgissante.</p>"))


def huge(request: Request) -> Response:
    def chunks() -> Iterator[bytes]:
        yield (
            '<!DOCTYPE html><html lang="fr"><head><meta charset="utf-8"><title>Page énorme'
            "</title></head><body><h1>Une page énorme</h1>"
        ).encode()
        line = ("<p>" + "Du texte pour remplir la page. " * 31 + "</p>\n").encode()
        block = line * 64  # ~64 KB per write
        for _ in range(HUGE_BYTES // len(block) + 1):
            yield block
        yield b"</body></html>"

    return Response(200, chunks())


def spin(request: Request) -> Response:
    script = "<script>window.addEventListener('load', function () { for (;;) {} });</script>"
    return html_response(
        _doc("Page figée", "<h1>Cette page va se figer</h1><p>Une boucle infinie.</p>" + script)
    )


def freeze(request: Request) -> Response:
    """Freezes the renderer while it parses the page: the document arrives whole, but the page
    never becomes ready."""
    script = "<script>for (;;) {}</script>"
    return html_response(_doc("Page gelée", "<h1>Cette page gèle</h1>" + script + "<p>Fin.</p>"))


BOMB_BYTES = int(os.environ.get("BOMB_BYTES", "40000000"))  # what each bomb image decompresses to


@functools.cache
def _bomb() -> bytes:
    """Made once, before the page that uses it is served (images are then asked for at once,
    from many threads), a megabyte at a time: the suite's own memory stays out of the figure
    the hostile batch measures."""
    packer = zlib.compressobj(9, zlib.DEFLATED, 31)  # gzip framing; about 40 KB on the wire
    chunk = bytes(1 << 20)
    parts = [packer.compress(chunk) for _ in range(BOMB_BYTES >> 20)]
    parts.append(packer.compress(bytes(BOMB_BYTES & ((1 << 20) - 1))))
    parts.append(packer.flush())
    return b"".join(parts)


def bombs(request: Request) -> Response:
    """A page of images that are gzip bombs: a few KB each on the wire, 40 MB once decoded."""
    count = int(request.query.get("n", "20"))
    images = "".join(f'<img src="/bomb/{n}.png" width="40" height="40">' for n in range(count))
    _bomb()  # ready before the images are asked for
    return html_response(_doc("Bombes", "<h1>Une page piégée</h1>" + images))


def bomb(request: Request) -> Response:
    return Response(200, _bomb(), "image/png", (("Content-Encoding", "gzip"),))


def build_fixture_web() -> FakeWeb:
    """A fake web holding every fixture (not started)."""
    web = FakeWeb()
    for post in POSTS:
        web.add_post(post)
    for post in (X_LIVE, M_LIVE, B_LIVE):
        for item in post.media:
            web.add_image(item.path, placeholder_photo(post.author, item.alt))
    add_platform_fixtures(web)
    web.add_article(NEWS_ARTICLE)
    web.add_short_link("fx1", _x(X_LIVE))
    for path, handler in (
        ("/consent", consent),
        ("/slow", slow),
        ("/hang", hang),
        ("/error-500", error_500),
        ("/error-503", error_503),
        ("/tall", tall),
        ("/dialogs", dialogs),
        ("/download/rapport.txt", download),
        ("/popup", popup),
        ("/huge", huge),
        ("/spin", spin),
        ("/freeze", freeze),
        ("/bombs", bombs),
        (r"/bomb/\d+\.png", bomb),
    ):
        web.add_route(ODD, path, handler)
    return web


def own_browser(pw: Playwright, web: FakeWeb) -> Browser:
    """A browser of its own, not postproof's capture (no gate, no recording), that reaches
    ``web``'s hosts and trusts its certificate: the Chromium postproof would choose."""
    from archiver.browser import BASE_ARGS, choose_browser

    choice = choose_browser(pw)
    return pw.chromium.launch(
        executable_path=str(choice.executable) if choice.executable else None,
        chromium_sandbox=os.geteuid() != 0,
        args=[
            *BASE_ARGS,
            f"--host-resolver-rules={web.host_resolver_rules()}",
            f"--ignore-certificate-errors-spki-list={web.spki_sha256}",
        ],
    )
