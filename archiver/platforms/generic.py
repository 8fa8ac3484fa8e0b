"""Any other page: fields from JSON-LD, OpenGraph and Twitter cards, the oEmbed link, and the
page itself. Always last in the registry."""

from __future__ import annotations

from typing import ClassVar

from archiver.models import Status
from archiver.platforms.base import Adapter, AdapterCase, PageSnapshot, PostRef, UrlCase
from archiver.urls import canonical_generic


class GenericAdapter(Adapter):
    NAME = "generic"
    LABEL = "the web"
    READY_SELECTOR = None
    EXTRACT_JS = r"""
    (ctx) => {
      const meta = (key) => {
        const el = document.querySelector(`meta[property="${key}"], meta[name="${key}"]`);
        return el ? el.getAttribute('content') : null;
      };
      const POSTS = ['SocialMediaPosting', 'DiscussionForumPosting', 'NewsArticle', 'Article',
                     'BlogPosting', 'ReportageNewsArticle', 'AnalysisNewsArticle', 'OpinionNewsArticle'];
      const nodes = [];
      for (const s of document.querySelectorAll('script[type="application/ld+json"]')) {
        try {
          const data = JSON.parse(s.textContent);
          const stack = Array.isArray(data) ? [...data] : [data];
          while (stack.length) {
            const n = stack.shift();
            if (!n || typeof n !== 'object') continue;
            if (Array.isArray(n['@graph'])) stack.push(...n['@graph']);
            nodes.push(n);
          }
        } catch (e) { /* a broken JSON-LD block is ignored, the rest still counts */ }
      }
      const typeOf = (n) => [].concat(n['@type'] || []);
      const ld = nodes.find((n) => typeOf(n).some((t) => POSTS.includes(t))) || {};
      const person = (a) => { a = Array.isArray(a) ? a[0] : a; return a ? (typeof a === 'string' ? a : a.name) : null; };
      const articles = document.querySelectorAll('article');
      const single = articles.length === 1 ? articles[0] : null;
      if (single) single.setAttribute('data-postproof-post', '1');
      const timeEl = (single || document).querySelector('time[datetime]');
      const byline = single ? single.querySelector('[itemprop="author"] [itemprop="name"], [itemprop="author"], [rel="author"]') : null;
      const image = ld.image ? [].concat(ld.image)[0] : null;
      const imageUrl = image ? (typeof image === 'string' ? image : image.url) : meta('og:image');
      return {
        author: person(ld.author) || meta('author') || meta('article:author') || (byline ? byline.innerText.trim() || null : null) || meta('twitter:creator'),
        handle: meta('twitter:creator'),
        posted_at: ld.datePublished || meta('article:published_time') || (timeEl ? timeEl.getAttribute('datetime') : null),
        text: ld.articleBody || ld.text || (single ? single.innerText : null) || meta('og:description') || meta('description'),
        lang: ld.inLanguage || document.documentElement.getAttribute('lang'),
        media: imageUrl ? [{url: abs(imageUrl), kind: 'image', alt: null}] : [],
        reply_to: null,
        quote_of: null,
      };
    }
    """

    TESTS: ClassVar[tuple[AdapterCase, ...]] = (
        AdapterCase(
            "https://news.example/2025/01/18/budget-municipal",
            Status.OK,
            author="Paul Girard",
            posted_at="2025-01-18T07:00:00+00:00",
        ),
        AdapterCase("https://odd.example/missing", Status.NOT_FOUND),
        AdapterCase("https://odd.example/error-503", Status.UNAVAILABLE),
    )
    URL_CASES: ClassVar[tuple[UrlCase, ...]] = (
        # Any other page: its canonical URL drops tracking parameters; it has no post id.
        UrlCase(
            "https://news.example/story?utm_campaign=a",
            post_id=None,
            canonical="https://news.example/story",
        ),
    )
    FIXTURES = (
        "news_article",
        "odd_consent",
        "odd_slow",
        "odd_hang",
        "odd_500",
        "odd_503",
        "odd_404",
        "odd_tall",
        "odd_dialogs",
        "odd_huge",
        "odd_spin",
    )

    @classmethod
    def suitable(cls, url: str) -> bool:
        return True

    @classmethod
    def post_ref(cls, url: str) -> PostRef:
        return PostRef(cls.NAME, None, canonical_generic(url))

    def classify(self, snap: PageSnapshot) -> tuple[Status, str] | None:
        # Any page "is" a generic post, so a soft error page must be recognised even when
        # fields were found: its title or its login URL gives it away.
        title_only = PageSnapshot(
            requested_url=snap.requested_url,
            final_url=snap.final_url,
            http_status=snap.http_status,
            title=snap.title,
            text="",
            post_found=False,
            metadata=snap.metadata,
        )
        return super().classify(title_only)
