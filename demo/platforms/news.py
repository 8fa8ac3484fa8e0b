"""A fake news site (server-rendered articles with every metadata flavour) and a fake link
shortener that bounces through two hosts, like ``t.co`` links found in the wild."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from html import escape
from html.parser import HTMLParser
from typing import Any
from urllib.parse import quote, urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from demo.messages import Request, Response, html, json_response, redirect
from demo.sites import Article, Content, Route, asset, iso_z, route

SHORTENER_HOSTS = ("sho.rt", "lnk.example")
_MONTHS_FR = (
    "janvier",
    "février",
    "mars",
    "avril",
    "mai",
    "juin",
    "juillet",
    "août",
    "septembre",
    "octobre",
    "novembre",
    "décembre",
)


def _paris(moment: datetime) -> datetime:
    # A French site prints Paris time; fall back to UTC where the tz database is missing.
    try:
        return moment.astimezone(ZoneInfo("Europe/Paris"))
    except ZoneInfoNotFoundError:
        return moment.astimezone(UTC)


def french_date(moment: datetime) -> str:
    local = _paris(moment)
    return f"{local.day} {_MONTHS_FR[local.month - 1]} {local.year} à {local:%H} h {local:%M}"


class _TextOf(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []

    def handle_data(self, data: str) -> None:
        self.parts.append(data)


def plain_text(fragment: str) -> str:
    """The visible text of an HTML fragment, whitespace collapsed (for JSON-LD ``articleBody``)."""
    parser = _TextOf()
    parser.feed(fragment)
    parser.close()
    return " ".join(" ".join(parser.parts).split())


class NewsSite:
    def __init__(self, content: Content, hosts: tuple[str, ...]) -> None:
        self.content = content
        self.hosts = hosts

    def routes(self) -> tuple[Route, ...]:
        return (
            route(r"/", self.index),
            route(r"/oembed", self.oembed),
            route(r"/.+", self.article),
        )

    def _articles(self, host: str) -> list[Article]:
        found = [a for (h, _), a in list(self.content.articles.items()) if h == host]
        return sorted(found, key=lambda a: a.published_at, reverse=True)

    def index(self, request: Request) -> Response:
        items = "".join(
            f'<li><a href="{escape(a.path)}">{escape(a.headline)}</a></li>'
            for a in self._articles(request.host)
        )
        name = self._site_name(request.host)
        body = f"<h1>{escape(name)}</h1><ul class='index'>{items}</ul>"
        return html(_frame(name, body, "", "fr", name))

    def _site_name(self, host: str) -> str:
        articles = self._articles(host)
        return articles[0].site_name if articles else host.removeprefix("www.")

    def article(self, request: Request) -> Response:
        found = self.content.articles.get((request.host, request.path))
        if found is None:
            name = self._site_name(request.host)
            return html(
                _frame("Page introuvable", "<h1>Page introuvable</h1>", "", "fr", name), 404
            )
        return html(render_article(found))

    def oembed(self, request: Request) -> Response:
        target = urlsplit(request.query.get("url", ""))
        found = self.content.articles.get((target.hostname or "", target.path))
        if found is None or found.host != request.host:
            return json_response({"error": "not found"}, 404)
        return json_response(
            {
                "type": "link",
                "version": "1.0",
                "title": found.headline,
                "author_name": found.author,
                "provider_name": found.site_name,
                "provider_url": f"https://{found.host}/",
            }
        )


def render_article(article: Article) -> str:
    url = f"https://{article.host}{article.path}"
    image = f"https://{article.host}{article.image_path}" if article.image_path else None
    modified = article.modified_at or article.published_at
    ld: dict[str, Any] = {
        "@context": "https://schema.org",
        "@type": "NewsArticle",
        "mainEntityOfPage": {"@type": "WebPage", "@id": url},
        "headline": article.headline,
        "description": article.description,
        "datePublished": iso_z(article.published_at),
        "dateModified": iso_z(modified),
        "author": [{"@type": "Person", "name": article.author}],
        "publisher": {"@type": "Organization", "name": article.site_name},
        "inLanguage": article.lang,
        "articleSection": article.section,
        "articleBody": plain_text(article.body_html)[:600],
    }
    if image:
        ld["image"] = [image]
    # "</" would end the script element early; JSON allows the escaped form.
    ld_json = json.dumps(ld, ensure_ascii=False, indent=1).replace("</", "<\\/")
    title = escape(article.headline)
    desc = escape(article.description)
    oembed = f"https://{article.host}/oembed?url={quote(url, safe='')}&format=json"
    head = (
        f'<meta name="description" content="{desc}">'
        f'<meta name="author" content="{escape(article.author)}">'
        f'<link rel="canonical" href="{url}">'
        f'<meta property="og:type" content="article">'
        f'<meta property="og:site_name" content="{escape(article.site_name)}">'
        f'<meta property="og:title" content="{title}">'
        f'<meta property="og:description" content="{desc}">'
        f'<meta property="og:url" content="{url}">'
        f'<meta property="og:locale" content="fr_FR">'
        + (f'<meta property="og:image" content="{image}">' if image else "")
        + f'<meta property="article:published_time" content="{iso_z(article.published_at)}">'
        f'<meta property="article:modified_time" content="{iso_z(modified)}">'
        f'<meta property="article:author" content="{escape(article.author)}">'
        f'<meta property="article:section" content="{escape(article.section)}">'
        f'<meta name="twitter:card" content="summary_large_image">'
        f'<meta name="twitter:title" content="{title}">'
        f'<meta name="twitter:description" content="{desc}">'
        + (f'<meta name="twitter:image" content="{image}">' if image else "")
        + f'<link rel="alternate" type="application/json+oembed" href="{escape(oembed)}"'
        f' title="{title}">'
        f'<script type="application/ld+json">{ld_json}</script>'
    )
    figure = f'<figure><img src="{escape(image)}" alt=""></figure>' if image else ""
    body = (
        f'<article class="article"><p class="kicker">{escape(article.section)}</p>'
        f"<h1>{title}</h1><p class='standfirst'>{desc}</p>"
        f'<p class="byline">Par <a rel="author" href="/auteurs/">{escape(article.author)}</a>'
        f' · Publié le <time datetime="{iso_z(article.published_at)}">'
        f"{french_date(article.published_at)}</time></p>"
        f'{figure}<div class="article-body">{article.body_html}</div></article>'
    )
    title_text = f"{article.headline} – {article.site_name}"
    return _frame(title_text, body, head, article.lang, article.site_name)


def _frame(title: str, body: str, head: str, lang: str, site_name: str) -> str:
    return (
        f'<!DOCTYPE html><html lang="{lang}"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{escape(title)}</title>{head}<style>{asset('news.css')}</style></head>"
        f'<body><header class="masthead"><a href="/">{escape(site_name)}</a></header>'
        f"<main>{body}</main><footer>© {escape(site_name)} — site fictif.</footer>"
        "</body></html>"
    )


class ShortenerSite:
    """``sho.rt/{code}`` → 301 → ``lnk.example/r/{code}`` → 302 → the target."""

    hosts = SHORTENER_HOSTS

    def __init__(self, content: Content) -> None:
        self.content = content

    def routes(self) -> tuple[Route, ...]:
        return (route(r"/r/(?P<code>\w+)", self.hop), route(r"/(?P<code>\w+)", self.short))

    def short(self, request: Request) -> Response:
        code = request.params["code"]
        if request.host != "sho.rt" or code not in self.content.short_links:
            return html("<h1>Unknown link</h1>", 404)
        return redirect(f"https://lnk.example/r/{code}", 301)

    def hop(self, request: Request) -> Response:
        target = self.content.short_links.get(request.params["code"])
        if request.host != "lnk.example" or target is None:
            return html("<h1>Unknown link</h1>", 404)
        return redirect(target, 302)
