"""Reading an article (a web page, a Markdown file or plain text) into its main text, its
paragraphs and the references it makes: hyperlinks and embedded posts.

HTML goes through trafilatura for the main text and metadata; since trafilatura drops links
and may keep embedded posts as block quotes, the references are read from the raw HTML with
lxml (see ``_references``), embeds are cut out before extraction, and each link is tied to its
paragraph by matching the text of the block it sits in (paragraphs: ``_paragraphs``). Markdown
is rendered to HTML first; plain text is split on blank lines.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime

import lxml.html
import trafilatura
from htmldate import find_date
from lxml import etree
from markdown_it import MarkdownIt
from trafilatura.settings import Document

from archiver.errors import UsageError
from claims._paragraphs import (
    BULLET,
    Block,
    Blocks,
    assemble,
    clean,
    content_root,
    is_lead_in,
    lxml_blocks,
    trafilatura_blocks,
    wordset,
)
from claims._references import place, platform_of, take_references
from claims.models import ArticleText, ParagraphKind, Reference, ReferenceKind, SourceKind

__all__ = ["guess_lang", "parse_article", "platform_of"]

_URL_IN_TEXT = re.compile(r"https?://[^\s<>\"'«»“”]+[^\s<>\"'«»“”.,;:!?)\]]")


_STOPWORDS = {
    "fr": wordset(
        "le la les des du de et est une un que qui pour dans pas sur au aux avec il elle "
        "ne se son sa ses mais ou où nous vous été par cette ce"
    ),
    "en": wordset(
        "the and of to is in that for it was on with he she said by as at are this from "
        "have has had not but be an they were which"
    ),
}


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


# --- HTML -----------------------------------------------------------------------------------


def _parse_html(
    html: str, kind: SourceKind, base_url: str | None, title: str | None
) -> ArticleText:
    try:
        tree = lxml.html.document_fromstring(html)
    except (etree.ParserError, ValueError) as exc:
        raise UsageError(f"The article HTML cannot be parsed: {exc}.") from exc
    base = base_url or _declared_base(tree)
    raw_refs = take_references(tree, base)  # cuts the embeds out of the tree

    cleaned = lxml.html.tostring(tree, encoding="unicode")
    # Markdown has no page chrome to strip and no metadata to read: trafilatura would only
    # risk dropping its short paragraphs and lists.
    doc = _extract(cleaned, base) if kind is SourceKind.HTML else None
    blocks = _blocks(tree, doc)
    title = title or (doc.title if doc is not None else None) or _page_title(tree)
    text, paragraphs = assemble(_without_headline(blocks, title))
    references = (place(ref, text, paragraphs) for ref in raw_refs)
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


def _blocks(tree: lxml.html.HtmlElement, doc: Document | None) -> list[Block]:
    """The page's paragraphs as trafilatura extracted them, or as the page's own elements
    hold them when that gives more."""
    blocks = trafilatura_blocks(doc.body) if doc is not None and doc.body is not None else []
    if len(blocks) <= 1:
        # On a very short page trafilatura finds nothing, or falls back to one run of text
        # that loses the page's structure: read the blocks of <article> or <body> instead.
        walked = lxml_blocks(content_root(tree))
        if len(walked) > len(blocks):
            blocks = walked
    return blocks


def _without_headline(blocks: list[Block], title: str | None) -> list[Block]:
    if blocks and blocks[0].kind is ParagraphKind.HEADING and blocks[0].text == title:
        # The headline is the title, not a section the first paragraphs sit under.
        return [
            Block(b.kind, b.text, None if b.section == title else b.section) for b in blocks[1:]
        ]
    return blocks


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
    return (clean(str(found[0])) or None) if found else None


def _page_title(tree: lxml.html.HtmlElement) -> str | None:
    found = _meta(tree, "og:title")
    if found:
        return found
    for element in tree.iter("h1", "title"):
        text = clean(element.text_content())
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


# --- Markdown and plain text ----------------------------------------------------------------


def _markdown_title(source: str) -> str | None:
    found = re.search(r"^#\s+(.+?)\s*#*\s*$", source, re.MULTILINE)
    return found.group(1).strip() if found else None


def _parse_text(source: str, title: str | None) -> ArticleText:
    found_title, blocks = _text_blocks(source)
    title = title or found_title
    text, paragraphs = assemble(blocks)
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


def _text_blocks(source: str) -> tuple[str | None, list[Block]]:
    """Paragraphs of plain text, and a title when the text opens with a lone short line.

    Blank lines separate paragraphs; inside a chunk, a line ending a sentence ends a paragraph
    (one paragraph a line) while other lines are hard wraps. Bulleted lines are list items,
    and so are the lines under a lead-in ("Points clés:") in the same chunk."""
    chunks = [
        [line.rstrip() for line in chunk.split("\n") if line.strip()]
        for chunk in re.split(r"\n[ \t]*\n", source)
    ]
    chunks = [lines for lines in chunks if lines]
    found = Blocks()
    title = None
    for number, lines in enumerate(chunks):
        following = chunks[number + 1] if number + 1 < len(chunks) else []
        if len(lines) == 1 and _is_heading_line(lines[0], following):
            if is_lead_in(lines[0]):
                found.lead_in(clean(lines[0]))
            elif number == 0:
                title = clean(lines[0])
            else:
                found.heading(clean(lines[0]))
            continue
        _text_chunk(lines, found)
    return title, found.items


def _text_chunk(lines: list[str], found: Blocks) -> None:
    current: list[str] = []
    section: str | None = None  # set by a lead-in: every line after it is an item
    in_item = False

    def end_paragraph() -> None:
        if current:
            found.paragraph(clean(" ".join(current)))
            current.clear()

    for position, line in enumerate(lines):
        if in_item and line[:1].isspace() and not BULLET.match(line):
            last = found.items[-1]
            found.items[-1] = Block(last.kind, clean(f"{last.text} {line}"), last.section)
        elif BULLET.match(line) or section is not None:
            end_paragraph()
            found.item(clean(line), section or found.list_section())
            in_item = True
        elif not current and is_lead_in(line) and _list_follows(lines[position + 1 :]):
            section = clean(line)
            found.lead_in(section)
        else:
            in_item = False
            current.append(line)
            if re.search(r"[.!?…»”\"')]$", line):
                end_paragraph()
    end_paragraph()


def _is_heading_line(line: str, following: list[str]) -> bool:
    if is_lead_in(line):
        return bool(following) and bool(BULLET.match(following[0]))
    return len(line.split()) <= 12 and not re.search(r"[.!?…,;:»”\"]$", line)


def _list_follows(rest: list[str]) -> bool:
    """A lead-in announces a list when the lines under it are items, not a quotation."""
    return bool(rest) and not rest[0].lstrip().startswith(("«", "“", '"'))
