"""Reading an article (a web page, a Markdown file or plain text) into its main text, its
paragraphs and the references it makes: hyperlinks and embedded posts.

HTML goes through trafilatura for the main text and metadata; since trafilatura drops links
and may keep embedded posts as block quotes, the references are read from the raw HTML with
lxml, embeds are cut out before extraction, and each link is tied to its paragraph by matching
the text of the block it sits in. Markdown is rendered to HTML first; plain text is split on
blank lines.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from itertools import islice
from urllib.parse import parse_qs, urljoin, urlsplit, urlunsplit

import lxml.html
import trafilatura
from htmldate import find_date
from lxml import etree
from markdown_it import MarkdownIt
from rapidfuzz import fuzz
from trafilatura.settings import Document

from archiver.errors import UsageError
from archiver.platforms import ADAPTERS
from archiver.urls import strip_tracking
from claims.models import (
    ArticleText,
    Paragraph,
    ParagraphKind,
    Reference,
    ReferenceKind,
    SourceKind,
)

__all__ = ["guess_lang", "parse_article", "platform_of"]


def _wordset(words: str) -> frozenset[str]:
    """A set of words written as prose, which reads better than a long literal."""
    return frozenset(words.split())


_HEADINGS = frozenset({"h1", "h2", "h3", "h4", "h5", "h6"})
# Elements whose text is one block of the page; links are tied to paragraphs through them.
_BLOCKS = _HEADINGS | {"p", "li", "dt", "dd", "td", "th", "figcaption", "pre", "blockquote"}
_CONTAINERS = _wordset("div section article main figure table tbody thead tr dl ul ol")
_LINK_HOLDERS = _BLOCKS | _CONTAINERS | {"body"}
_SKIPPED = _wordset("script style noscript template nav header footer aside form")
_BULLET = re.compile(r"^\s*(?:[-*•–—]|\d{1,3}[.)])\s+")
_URL_IN_TEXT = re.compile(r"https?://[^\s<>\"'«»“”]+[^\s<>\"'«»“”.,;:!?)\]]")
_SPACES = re.compile(r"\s+")
_KEEP_SPACE = frozenset({"\u00a0", "\u202f", "\u2009"})  # French typography: keep as written
_YOUTUBE_EMBED = re.compile(
    r"^https?://(?:www\.)?youtube(?:-nocookie)?\.com/embed/(?P<id>[A-Za-z0-9_-]{6,})"
)
# Platforms the archiver has no adapter for, recognised here only to label references.
_OTHER_PLATFORMS = (
    ("youtube", re.compile(r"^https?://(?:(?:www|m)\.youtube\.com/(?:watch|shorts/)|youtu\.be/)")),
    ("instagram", re.compile(r"^https?://(?:www\.)?instagram\.com/(?:p|reel|tv)/")),
    ("threads", re.compile(r"^https?://(?:www\.)?threads\.(?:net|com)/@[^/]+/post/")),
    ("tiktok", re.compile(r"^https?://(?:www\.)?tiktok\.com/@[^/]+/video/\d+")),
)
_LEAD_IN_WORDS = 6  # a lead-in ("Points clés :", "Key points:") is a short line ending in ":"


_STOPWORDS = {
    "fr": _wordset(
        "le la les des du de et est une un que qui pour dans pas sur au aux avec il elle "
        "ne se son sa ses mais ou où nous vous été par cette ce"
    ),
    "en": _wordset(
        "the and of to is in that for it was on with he she said by as at are this from "
        "have has had not but be an they were which"
    ),
}


@dataclass(frozen=True)
class _Block:
    """A paragraph before offsets are known."""

    kind: ParagraphKind
    text: str
    section: str | None = None


@dataclass(frozen=True)
class _RawRef:
    """A reference read from the raw HTML, before it is tied to a paragraph."""

    order: int
    kind: ReferenceKind
    url: str
    platform: str | None
    text: str | None  # anchor text of a link, or the embed's own text
    context: tuple[str, ...]  # texts of the blocks holding it (link) or before it (embed)
    anchor_at: int = 0  # where the anchor starts in context[0]


def parse_article(
    data: bytes | str,
    *,
    kind: SourceKind,
    base_url: str | None = None,
    lang: str | None = None,
    title: str | None = None,
) -> ArticleText:
    """Read an article into its text, paragraphs and references.

    ``kind`` says how to read ``data``; ``lang`` (a 2-letter code) and ``title`` override what
    is detected. Raises :class:`~archiver.errors.UsageError` when there is no text to read.
    """
    source = _decode(data, kind)
    if not source.strip():
        raise UsageError(
            "The article is empty.", hint="Pass the saved page, Markdown or text of the article."
        )
    if kind is SourceKind.TEXT:
        article = _parse_text(source, title)
    else:
        html = source
        if kind is SourceKind.MARKDOWN:
            html = MarkdownIt("commonmark").render(source)
            title = title or _markdown_title(source)
        article = _parse_html(html, kind, base_url, title)
    if not article.text.strip():
        raise UsageError(
            f"No article text was found in this {kind.value} input.",
            hint="Check that the file is the article itself (not a login page or an index), "
            "or pass it as plain text.",
        )
    found_lang = (lang or article.lang or guess_lang(article.text) or "").lower()[:2]
    return replace(article, lang=found_lang or None)


def guess_lang(text: str) -> str | None:
    """French or English, by counting common words; None when neither shows."""
    words = re.findall(r"[a-zà-ÿ]+", text.lower())
    counts = {code: sum(w in stop for w in words) for code, stop in _STOPWORDS.items()}
    best = max(counts, key=lambda code: counts[code])
    return best if counts[best] >= 3 and counts[best] > min(counts.values()) else None


def platform_of(url: str) -> str | None:
    """The platform a link points to when it is a post (x, mastodon, bluesky, youtube, …)."""
    for adapter in ADAPTERS:
        if adapter.NAME != "generic" and adapter.suitable(url):
            return adapter.NAME
    for name, pattern in _OTHER_PLATFORMS:
        if pattern.match(url):
            return name
    return None


# --- decoding -------------------------------------------------------------------------------


def _decode(data: bytes | str, kind: SourceKind) -> str:
    if isinstance(data, str):
        return data.replace("\r\n", "\n")
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return _decode_as(data, "utf-16")
    if b"\x00" in data[:4096]:
        raise UsageError(
            "The article file looks binary (it contains NUL bytes), not text or HTML.",
            hint="Save the article as HTML, Markdown or plain text and pass that file.",
        )
    try:
        return data.decode("utf-8-sig").replace("\r\n", "\n")
    except UnicodeDecodeError:
        declared = re.search(rb"""<meta[^>]+charset=["']?([A-Za-z0-9_-]+)""", data[:4096], re.I)
        if kind is not SourceKind.TEXT and declared:
            return _decode_as(data, declared.group(1).decode("ascii"))
        raise UsageError(
            "The article is not valid UTF-8 text.",
            hint="Convert it to UTF-8 first (for example: iconv -f latin1 -t utf-8).",
        ) from None


def _decode_as(data: bytes, encoding: str) -> str:
    try:
        return data.decode(encoding).replace("\r\n", "\n")
    except (UnicodeDecodeError, LookupError) as exc:
        raise UsageError(
            f"The article cannot be decoded as {encoding}: {exc}.",
            hint="Convert it to UTF-8 first (for example: iconv -f latin1 -t utf-8).",
        ) from exc


def _clean(text: str) -> str:
    """Collapse whitespace runs to one space, keeping a lone non-breaking space as written."""
    return _SPACES.sub(lambda m: m.group() if m.group() in _KEEP_SPACE else " ", text).strip()


def _key(text: str) -> str:
    """Text for comparison; same length as ``text`` so positions carry over."""
    return "".join(" " if ch.isspace() else _lower(ch) for ch in text)


def _lower(ch: str) -> str:
    lowered = ch.lower()
    return lowered if len(lowered) == 1 else ch


# --- HTML -----------------------------------------------------------------------------------


def _parse_html(
    html: str, kind: SourceKind, base_url: str | None, title: str | None
) -> ArticleText:
    try:
        tree = lxml.html.document_fromstring(html)
    except (etree.ParserError, ValueError) as exc:
        raise UsageError(f"The article HTML cannot be parsed: {exc}.") from exc
    base = base_url or _declared_base(tree)
    order = {element: number for number, element in enumerate(tree.iter())}
    embeds = _embed_elements(tree)
    raw_refs = list(_embeds(embeds, order, base))
    for embed in embeds:
        embed.drop_tree()  # keeps the text that follows it; the embed's quote must not leak
    raw_refs += _links(tree, order, base)
    raw_refs.sort(key=lambda ref: ref.order)

    cleaned = lxml.html.tostring(tree, encoding="unicode")
    # Markdown has no page chrome to strip and no metadata to read: trafilatura would only
    # risk dropping its short paragraphs and lists.
    doc = _extract(cleaned, base) if kind is SourceKind.HTML else None
    blocks = _trafilatura_blocks(doc.body) if doc is not None and doc.body is not None else []
    if len(blocks) <= 1:
        # On a very short page trafilatura finds nothing, or falls back to one run of text
        # that loses the page's structure: read the blocks of <article> or <body> instead.
        walked = _lxml_blocks(_content_root(tree))
        if len(walked) > len(blocks):
            blocks = walked
    title = title or (doc.title if doc is not None else None) or _page_title(tree)
    if blocks and blocks[0].kind is ParagraphKind.HEADING and blocks[0].text == title:
        # The headline is the title, not a section the first paragraphs sit under.
        blocks = [
            _Block(b.kind, b.text, None if b.section == title else b.section) for b in blocks[1:]
        ]
    text, paragraphs = _assemble(blocks)
    references = (_place(ref, text, paragraphs) for ref in raw_refs)
    return ArticleText(
        source_kind=kind,
        text=text,
        paragraphs=paragraphs,
        references=tuple(ref for ref in references if ref is not None),
        title=title,
        byline=(doc.author if doc is not None else None) or _meta(tree, "author"),
        published_at=_published_at(tree, doc.date, cleaned) if doc is not None else None,
        lang=_html_lang(tree) or (doc.language if doc is not None else None),
    )


def _extract(html: str, base: str | None) -> Document | None:
    found = trafilatura.bare_extraction(
        html,
        url=base,
        with_metadata=True,
        include_formatting=True,  # keeps headings and lists apart from paragraphs
        include_tables=True,
        include_images=False,
        include_comments=False,
        deduplicate=False,
        # Only dates the page states: a "/2024/" in some link is not the publication date.
        date_extraction_params={"extensive_search": False, "original_date": True},
    )
    return found if isinstance(found, Document) else None


def _declared_base(tree: lxml.html.HtmlElement) -> str | None:
    for xpath in (
        "//base/@href",
        "//link[@rel='canonical']/@href",
        "//meta[@property='og:url']/@content",
    ):
        found = tree.xpath(xpath)
        if found and str(found[0]).startswith(("http://", "https://")):
            return str(found[0])
    return None


def _meta(tree: lxml.html.HtmlElement, name: str) -> str | None:
    found = tree.xpath(f"//meta[@name='{name}' or @property='{name}']/@content")
    return (_clean(str(found[0])) or None) if found else None


def _page_title(tree: lxml.html.HtmlElement) -> str | None:
    found = _meta(tree, "og:title")
    if found:
        return found
    for element in tree.iter("h1", "title"):
        text = _clean(element.text_content())
        if text:
            return text
    return None


def _html_lang(tree: lxml.html.HtmlElement) -> str | None:
    lang = tree.get("lang") or tree.get("{http://www.w3.org/XML/1998/namespace}lang")
    found = re.match(r"[A-Za-z]{2}\b", lang or "")
    return found.group().lower() if found else None


def _published_at(tree: lxml.html.HtmlElement, traf_date: str | None, html: str) -> datetime | None:
    # The page's own timestamp first: trafilatura and htmldate keep only the day.
    exact = [
        *tree.xpath(
            "//meta[@property='article:published_time' or @itemprop='datePublished'"
            " or @name='date' or @name='pubdate' or @name='dc.date']/@content"
        ),
        *_json_ld_dates(tree),
        *tree.xpath("//article//time/@datetime"),
    ]
    for value in [*exact, traf_date]:
        parsed = _to_utc(str(value)) if value else None
        if parsed is not None:
            return parsed
    found = find_date(
        html, original_date=True, extensive_search=False, outputformat="%Y-%m-%dT%H:%M:%S"
    )
    return _to_utc(found) if found else None


def _json_ld_dates(tree: lxml.html.HtmlElement) -> Iterator[str]:
    for script in tree.xpath("//script[@type='application/ld+json']/text()"):
        try:
            data = json.loads(script)
        except ValueError:
            continue  # a broken JSON-LD block is common and says nothing about the article
        for item in data if isinstance(data, list) else [data]:
            if isinstance(item, dict) and isinstance(item.get("datePublished"), str):
                yield item["datePublished"]


def _to_utc(value: str) -> datetime | None:
    try:
        moment = datetime.fromisoformat(value.strip())
    except ValueError:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)  # a page that gives no zone: take it as UTC
    return moment.astimezone(UTC)


# --- embeds and links -----------------------------------------------------------------------


def _embed_elements(tree: lxml.html.HtmlElement) -> list[lxml.html.HtmlElement]:
    found = []
    for element in tree.iter("blockquote", "iframe"):
        if _embed_target(element, None) and not any(
            _embed_target(parent, None) for parent in element.iterancestors("blockquote")
        ):
            found.append(element)
    return found


def _classes(element: lxml.html.HtmlElement) -> set[str]:
    return set((element.get("class") or "").split())


def _embed_target(
    element: lxml.html.HtmlElement, base: str | None
) -> tuple[str, str | None] | None:
    """The URL and platform an embed element shows, or None when it is not an embed."""
    classes = _classes(element)
    if element.tag == "iframe":
        src = (element.get("src") or element.get("data-src") or "").strip()
        if not src or src.startswith(("about:", "javascript:", "data:")):
            return None
        url = urljoin(base or "", src)
        if "mastodon-embed" in classes or url.rstrip("/").endswith("/embed"):
            post = url.split("?")[0].rstrip("/").removesuffix("/embed")
            if platform_of(post) == "mastodon":
                return post, "mastodon"
        youtube = _YOUTUBE_EMBED.match(url)
        if youtube:
            return f"https://www.youtube.com/watch?v={youtube.group('id')}", "youtube"
        tweet_id = parse_qs(urlsplit(url).query).get("id", [""])[0]
        if "platform.twitter.com/embed" in url and tweet_id.isdigit():
            return f"https://x.com/i/status/{tweet_id}", "x"
        return url, platform_of(url)
    if "twitter-tweet" in classes or "twitter-video" in classes:
        links = [a.get("href", "") for a in element.iter("a") if "/status/" in a.get("href", "")]
        return (_strip(links[-1]), "x") if links else None
    if "mastodon-embed" in classes and element.get("data-embed-url"):
        return _strip(element.get("data-embed-url", "")).removesuffix("/embed"), "mastodon"
    if "bluesky-embed" in classes:
        for anchor in element.iter("a"):
            href = anchor.get("href", "")
            if platform_of(href) == "bluesky":
                return _strip(href), "bluesky"
        uri = re.match(
            r"at://([^/]+)/app\.bsky\.feed\.post/(\w+)", element.get("data-bluesky-uri", "")
        )
        return (f"https://bsky.app/profile/{uri[1]}/post/{uri[2]}", "bluesky") if uri else None
    for css, attribute, platform in (
        ("instagram-media", "data-instgrm-permalink", "instagram"),
        ("text-post-media", "data-text-post-permalink", "threads"),
        ("tiktok-embed", "cite", "tiktok"),
    ):
        if css in classes and element.get(attribute):
            return _strip(element.get(attribute, "")), platform
    return None


def _strip(url: str) -> str:
    """An embed's permalink without the tracking query the embed code adds."""
    parts = urlsplit(url.strip())
    return urlunsplit((parts.scheme, parts.netloc, parts.path, strip_tracking(parts.query), ""))


def _embeds(
    embeds: list[lxml.html.HtmlElement], order: dict[object, int], base: str | None
) -> Iterator[_RawRef]:
    for element in embeds:
        target = _embed_target(element, base)
        if target is None:
            continue
        url, platform = target
        text = _clean(" ".join(element.itertext())) or _clean(element.get("title") or "") or None
        yield _RawRef(
            order=order[element],
            kind=ReferenceKind.EMBED,
            url=url,
            platform=platform,
            text=text,
            context=tuple(islice(_texts_before(element), 8)),
        )


def _texts_before(element: lxml.html.HtmlElement) -> Iterator[str]:
    """Texts of the blocks that come before ``element`` in the page, nearest first."""
    current: lxml.html.HtmlElement | None = element
    while current is not None:
        for sibling in current.itersiblings(preceding=True):
            if not isinstance(sibling.tag, str) or _embed_target(sibling, None):
                continue
            inner = list(sibling.iterdescendants(*_BLOCKS))
            for block in reversed(inner or [sibling]):
                text = _clean(block.text_content())
                if text:
                    yield text
        current = current.getparent()


def _links(
    tree: lxml.html.HtmlElement, order: dict[object, int], base: str | None
) -> Iterator[_RawRef]:
    for anchor in tree.iter("a"):
        href = (anchor.get("href") or "").strip()
        if not href or href.startswith(("#", "javascript:", "mailto:", "tel:")):
            continue
        if any(parent.tag in _SKIPPED for parent in anchor.iterancestors()):
            continue  # site chrome: menus, footers, related articles
        block = next((p for p in anchor.iterancestors() if p.tag in _LINK_HOLDERS), None)
        if block is None:
            continue
        before = _text_before(block, anchor)
        url = urljoin(base or "", href)
        yield _RawRef(
            order=order[anchor],
            kind=ReferenceKind.LINK,
            url=url,
            platform=platform_of(url),
            text=_clean(anchor.text_content()) or None,
            context=(_clean(block.text_content()),),
            anchor_at=len(_clean(before + "x")) - 1,
        )


def _text_before(block: lxml.html.HtmlElement, anchor: lxml.html.HtmlElement) -> str:
    """The text of ``block`` that comes before ``anchor``."""
    parts: list[str] = []

    def walk(element: lxml.html.HtmlElement) -> bool:
        if element is anchor:
            return True
        if isinstance(element.tag, str):
            parts.append(element.text or "")
        for child in element:
            if walk(child):
                return True
            parts.append(child.tail or "")
        return False

    walk(block)
    return "".join(parts)


def _place(ref: _RawRef, text: str, paragraphs: tuple[Paragraph, ...]) -> Reference | None:
    """Tie a raw reference to its paragraph (and a link to its anchor's offsets)."""
    if ref.kind is ReferenceKind.EMBED:
        places = (_paragraph_of(ctx, text, paragraphs) for ctx in ref.context)
        before = next((found for found in places if found is not None), 0)
        return Reference(ReferenceKind.EMBED, ref.url, before, ref.text, platform=ref.platform)
    index = _paragraph_of(ref.context[0], text, paragraphs, ref.text, ref.anchor_at)
    if index is None:
        return None  # a link outside the main text: navigation, byline, related articles
    para = paragraphs[index]
    start = _anchor_start(text[para.start : para.end], ref.context[0], ref.text, ref.anchor_at)
    if start is None or ref.text is None:
        return Reference(ReferenceKind.LINK, ref.url, index, ref.text, platform=ref.platform)
    begin = para.start + start
    return Reference(
        ReferenceKind.LINK,
        ref.url,
        index,
        text[begin : begin + len(ref.text)],
        begin,
        begin + len(ref.text),
        ref.platform,
    )


def _paragraph_of(
    block: str,
    text: str,
    paragraphs: tuple[Paragraph, ...],
    anchor: str | None = None,
    anchor_at: int = 0,
) -> int | None:
    """The paragraph whose text is ``block`` (the text of the page element a link or an embed's
    neighbour sits in), allowing for small extraction differences. A link in a container that
    holds several paragraphs is placed by the words around it."""
    block_key = _key(block)
    if not block_key:
        return None
    window = None
    if anchor:
        low, high = max(0, anchor_at - 30), anchor_at + len(anchor) + 30
        window = block_key[low:high].strip()
    best, best_score = None, 0.0
    for para in paragraphs:
        para_key = _key(text[para.start : para.end])
        if anchor and _key(anchor) not in para_key:
            continue
        if para_key == block_key:
            return para.index
        score = fuzz.ratio(para_key, block_key)
        if window is not None and window in para_key:
            score = max(score, 95.0)
        elif window is None and para_key in block_key and len(para_key) >= 20:
            score = max(score, 90.0)
        if score > best_score:
            best, best_score = para.index, score
    return best if best_score >= 85 else None


def _anchor_start(para: str, block: str, anchor: str | None, anchor_at: int) -> int | None:
    if not anchor:
        return None
    para_key, anchor_key = _key(para), _key(anchor)
    starts = [m.start() for m in re.finditer(re.escape(anchor_key), para_key)]
    if not starts:
        return None
    # Where the anchor sat in its block, scaled to the paragraph: picks the right repeat.
    expected = anchor_at * len(para) / max(len(block), 1)
    return min(starts, key=lambda start: (abs(start - expected), start))


# --- paragraphs -----------------------------------------------------------------------------


class _Blocks:
    """Paragraphs as they are found, with the heading they sit under."""

    def __init__(self) -> None:
        self.items: list[_Block] = []
        self.section: str | None = None

    def heading(self, text: str) -> None:
        self.section = text
        self.items.append(_Block(ParagraphKind.HEADING, text))

    def lead_in(self, text: str) -> None:
        self.items.append(_Block(ParagraphKind.HEADING, text))

    def paragraph(self, text: str) -> None:
        self.items.append(_Block(ParagraphKind.PARAGRAPH, text, self.section))

    def item(self, text: str, section: str | None) -> None:
        self.items.append(_Block(ParagraphKind.LIST_ITEM, _unbullet(text), section))

    def list_section(self) -> str | None:
        """What a list starting now sits under: the lead-in just before it, else the heading.
        A lead-in paragraph ("Points clés :") becomes a heading: it is not a claim."""
        last = self.items[-1] if self.items else None
        if last is not None and last.kind is not ParagraphKind.LIST_ITEM and _is_lead_in(last.text):
            self.items[-1] = _Block(ParagraphKind.HEADING, last.text)
            return last.text
        return self.section


def _trafilatura_blocks(body: etree._Element) -> list[_Block]:
    found = _Blocks()

    def visit(element: etree._Element, section: str | None = None, nested: bool = False) -> None:
        tag = element.tag
        text = _clean("".join(element.itertext()))
        if tag == "head":
            if text:
                found.heading(text)
        elif tag == "list":
            section = section if nested else found.list_section()
            for item in element.iterchildren("item"):
                own = _clean(_own_text(item, ("list",)))
                if own:
                    found.item(own, section)
                for child in item.iterchildren("list"):
                    visit(child, section, nested=True)
        elif tag == "row":
            cells = [_clean("".join(cell.itertext())) for cell in element]
            if any(cells):
                found.paragraph(" | ".join(cell for cell in cells if cell))
        elif tag in ("p", "code") or (tag == "quote" and not len(element)):
            if text:
                found.paragraph(text)
        elif tag not in ("graphic", "lb"):
            if element.text and element.text.strip() and tag not in ("body", "table"):
                found.paragraph(_clean(element.text))
            for child in element:
                visit(child)

    visit(body)
    return found.items


def _own_text(element: etree._Element, nested: tuple[str, ...]) -> str:
    """The text of ``element`` without what its nested lists hold."""
    parts = [element.text or ""]
    for child in element:
        if child.tag not in nested:
            parts.extend(child.itertext())
        parts.append(child.tail or "")
    return "".join(parts)


def _content_root(tree: lxml.html.HtmlElement) -> lxml.html.HtmlElement:
    for tag in ("article", "main", "body"):
        found = tree.find(f".//{tag}")
        if found is not None:
            return found
    return tree


def _lxml_blocks(root: lxml.html.HtmlElement) -> list[_Block]:
    """Paragraphs of a page trafilatura found nothing in: every block element, in order."""
    found = _Blocks()
    pending: list[str] = []

    def flush() -> None:
        for chunk in re.split(r"\n\s*\n", "".join(pending)):
            if _clean(chunk):
                found.paragraph(_clean(chunk))
        pending.clear()

    def walk(element: lxml.html.HtmlElement, section: str | None = None) -> None:
        tag = element.tag
        if not isinstance(tag, str) or tag in _SKIPPED:
            return
        if tag in ("ul", "ol"):
            section = section if section is not None else found.list_section()
            for item in element.iterchildren("li"):
                own = _clean(_own_text(item, ("ul", "ol")))
                if own:
                    found.item(own, section)
                for child in item.iterchildren("ul", "ol"):
                    walk(child, section)
        elif tag in _HEADINGS:
            if _clean(element.text_content()):
                found.heading(_clean(element.text_content()))
        elif tag in _BLOCKS:
            if _clean(element.text_content()):
                found.paragraph(_clean(element.text_content()))
        else:
            pending.append(element.text or "")
            for child in element:
                if isinstance(child.tag, str) and child.tag in _BLOCKS | _CONTAINERS:
                    flush()
                    walk(child)
                elif child.tag == "br":
                    pending.append("\n")
                elif isinstance(child.tag, str) and child.tag not in _SKIPPED:
                    pending.append(child.text_content())
                pending.append(child.tail or "")
            flush()

    walk(root)
    return found.items


def _is_lead_in(text: str) -> bool:
    return text.rstrip().endswith(":") and len(text.split()) <= _LEAD_IN_WORDS


def _unbullet(text: str) -> str:
    return _BULLET.sub("", text, count=1)


def _assemble(blocks: list[_Block]) -> tuple[str, tuple[Paragraph, ...]]:
    paragraphs: list[Paragraph] = []
    pieces: list[str] = []
    offset = 0
    for block in blocks:
        if pieces:
            offset += 2
        paragraphs.append(
            Paragraph(len(paragraphs), offset, offset + len(block.text), block.kind, block.section)
        )
        pieces.append(block.text)
        offset += len(block.text)
    return "\n\n".join(pieces), tuple(paragraphs)


# --- Markdown and plain text ----------------------------------------------------------------


def _markdown_title(source: str) -> str | None:
    found = re.search(r"^#\s+(.+?)\s*#*\s*$", source, re.MULTILINE)
    return found.group(1).strip() if found else None


def _parse_text(source: str, title: str | None) -> ArticleText:
    found_title, blocks = _text_blocks(source)
    title = title or found_title
    text, paragraphs = _assemble(blocks)
    references = []
    for para in paragraphs:
        for found in _URL_IN_TEXT.finditer(text, para.start, para.end):
            url = found.group()
            references.append(
                Reference(
                    ReferenceKind.LINK,
                    url,
                    para.index,
                    url,
                    found.start(),
                    found.end(),
                    platform_of(url),
                )
            )
    return ArticleText(SourceKind.TEXT, text, paragraphs, tuple(references), title)


def _text_blocks(source: str) -> tuple[str | None, list[_Block]]:
    """Paragraphs of plain text, and a title when the text opens with a lone short line.

    Blank lines separate paragraphs; inside a chunk, a line ending a sentence ends a paragraph
    (one paragraph a line) while other lines are hard wraps. Bulleted lines are list items,
    and so are the lines under a lead-in ("Points clés:") in the same chunk."""
    chunks = [
        [line.rstrip() for line in chunk.split("\n") if line.strip()]
        for chunk in re.split(r"\n[ \t]*\n", source)
    ]
    chunks = [lines for lines in chunks if lines]
    found = _Blocks()
    title = None
    for number, lines in enumerate(chunks):
        following = chunks[number + 1] if number + 1 < len(chunks) else []
        if len(lines) == 1 and _is_heading_line(lines[0], following):
            if _is_lead_in(lines[0]):
                found.lead_in(_clean(lines[0]))
            elif number == 0:
                title = _clean(lines[0])
            else:
                found.heading(_clean(lines[0]))
            continue
        _text_chunk(lines, found)
    return title, found.items


def _text_chunk(lines: list[str], found: _Blocks) -> None:
    current: list[str] = []
    section: str | None = None  # set by a lead-in: every line after it is an item
    in_item = False

    def end_paragraph() -> None:
        if current:
            found.paragraph(_clean(" ".join(current)))
            current.clear()

    for position, line in enumerate(lines):
        if in_item and line[:1].isspace() and not _BULLET.match(line):
            last = found.items[-1]
            found.items[-1] = _Block(last.kind, _clean(f"{last.text} {line}"), last.section)
        elif _BULLET.match(line) or section is not None:
            end_paragraph()
            found.item(_clean(line), section or found.list_section())
            in_item = True
        elif not current and _is_lead_in(line) and _list_follows(lines[position + 1 :]):
            section = _clean(line)
            found.lead_in(section)
        else:
            in_item = False
            current.append(line)
            if re.search(r"[.!?…»”\"')]$", line):
                end_paragraph()
    end_paragraph()


def _is_heading_line(line: str, following: list[str]) -> bool:
    if _is_lead_in(line):
        return bool(following) and bool(_BULLET.match(following[0]))
    return len(line.split()) <= 12 and not re.search(r"[.!?…,;:»”\"]$", line)


def _list_follows(rest: list[str]) -> bool:
    """A lead-in announces a list when the lines under it are items, not a quotation."""
    return bool(rest) and not rest[0].lstrip().startswith(("«", "“", '"'))
