"""Paragraphs of an article: the blocks of its page (as trafilatura extracts them, or as the
page's own elements hold them when trafilatura finds nothing), each with the heading or lead-in
it sits under, assembled into one text with each paragraph's offsets."""

from __future__ import annotations

import re
from dataclasses import dataclass

import lxml.html
from lxml import etree

from claims.models import Paragraph, ParagraphKind


def wordset(words: str) -> frozenset[str]:
    """A set of words written as prose, which reads better than a long literal."""
    return frozenset(words.split())


_HEADINGS = frozenset({"h1", "h2", "h3", "h4", "h5", "h6"})
# Elements whose text is one block of the page; links are tied to paragraphs through them.
BLOCKS = _HEADINGS | {"p", "li", "dt", "dd", "td", "th", "figcaption", "pre", "blockquote"}
CONTAINERS = wordset("div section article main figure table tbody thead tr dl ul ol")
SKIPPED = wordset("script style noscript template nav header footer aside form")
BULLET = re.compile(r"^\s*(?:[-*•–—]|\d{1,3}[.)])\s+")
_SPACES = re.compile(r"\s+")
_KEEP_SPACE = frozenset({"\u00a0", "\u202f", "\u2009"})  # French typography: keep as written
_LEAD_IN_WORDS = 6  # a lead-in ("Points clés :", "Key points:") is a short line ending in ":"


@dataclass(frozen=True)
class Block:
    """A paragraph before offsets are known."""

    kind: ParagraphKind
    text: str
    section: str | None = None


def clean(text: str) -> str:
    """Collapse whitespace runs to one space, keeping a lone non-breaking space as written."""
    return _SPACES.sub(lambda m: m.group() if m.group() in _KEEP_SPACE else " ", text).strip()


class Blocks:
    """Paragraphs as they are found, with the heading they sit under."""

    def __init__(self) -> None:
        self.items: list[Block] = []
        self.section: str | None = None

    def heading(self, text: str) -> None:
        self.section = text
        self.items.append(Block(ParagraphKind.HEADING, text))

    def lead_in(self, text: str) -> None:
        self.items.append(Block(ParagraphKind.HEADING, text))

    def paragraph(self, text: str) -> None:
        self.items.append(Block(ParagraphKind.PARAGRAPH, text, self.section))

    def item(self, text: str, section: str | None) -> None:
        self.items.append(Block(ParagraphKind.LIST_ITEM, _unbullet(text), section))

    def list_section(self) -> str | None:
        """What a list starting now sits under: the lead-in just before it, else the heading.
        A lead-in paragraph ("Points clés :") becomes a heading: it is not a claim."""
        last = self.items[-1] if self.items else None
        if last is not None and last.kind is not ParagraphKind.LIST_ITEM and is_lead_in(last.text):
            self.items[-1] = Block(ParagraphKind.HEADING, last.text)
            return last.text
        return self.section


def trafilatura_blocks(body: etree._Element) -> list[Block]:
    found = Blocks()

    def visit(element: etree._Element, section: str | None = None, nested: bool = False) -> None:
        tag = element.tag
        text = clean("".join(element.itertext()))
        if tag == "head":
            if text:
                found.heading(text)
        elif tag == "list":
            section = section if nested else found.list_section()
            for item in element.iterchildren("item"):
                own = clean(_own_text(item, ("list",)))
                if own:
                    found.item(own, section)
                for child in item.iterchildren("list"):
                    visit(child, section, nested=True)
        elif tag == "row":
            cells = [clean("".join(cell.itertext())) for cell in element]
            if any(cells):
                found.paragraph(" | ".join(cell for cell in cells if cell))
        elif tag in ("p", "code") or (tag == "quote" and not len(element)):
            if text:
                found.paragraph(text)
        elif tag not in ("graphic", "lb"):
            if element.text and element.text.strip() and tag not in ("body", "table"):
                found.paragraph(clean(element.text))
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


def content_root(tree: lxml.html.HtmlElement) -> lxml.html.HtmlElement:
    for tag in ("article", "main", "body"):
        found = tree.find(f".//{tag}")
        if found is not None:
            return found
    return tree


def lxml_blocks(root: lxml.html.HtmlElement) -> list[Block]:
    """Paragraphs of a page trafilatura found nothing in: every block element, in order."""
    found = Blocks()
    pending: list[str] = []

    def flush() -> None:
        for chunk in re.split(r"\n\s*\n", "".join(pending)):
            if clean(chunk):
                found.paragraph(clean(chunk))
        pending.clear()

    def walk(element: lxml.html.HtmlElement, section: str | None = None) -> None:
        tag = element.tag
        if not isinstance(tag, str) or tag in SKIPPED:
            return
        if tag in ("ul", "ol"):
            section = section if section is not None else found.list_section()
            for item in element.iterchildren("li"):
                own = clean(_own_text(item, ("ul", "ol")))
                if own:
                    found.item(own, section)
                for child in item.iterchildren("ul", "ol"):
                    walk(child, section)
        elif tag in _HEADINGS:
            if clean(element.text_content()):
                found.heading(clean(element.text_content()))
        elif tag in BLOCKS:
            if clean(element.text_content()):
                found.paragraph(clean(element.text_content()))
        else:
            pending.append(element.text or "")
            for child in element:
                if isinstance(child.tag, str) and child.tag in BLOCKS | CONTAINERS:
                    flush()
                    walk(child)
                elif child.tag == "br":
                    pending.append("\n")
                elif isinstance(child.tag, str) and child.tag not in SKIPPED:
                    pending.append(child.text_content())
                pending.append(child.tail or "")
            flush()

    walk(root)
    return found.items


def is_lead_in(text: str) -> bool:
    return text.rstrip().endswith(":") and len(text.split()) <= _LEAD_IN_WORDS


def _unbullet(text: str) -> str:
    return BULLET.sub("", text, count=1)


def assemble(blocks: list[Block]) -> tuple[str, tuple[Paragraph, ...]]:
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
