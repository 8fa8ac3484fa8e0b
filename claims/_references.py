"""The references an article makes: hyperlinks and embedded posts, read from the raw HTML
(trafilatura drops links and may keep an embed as a block quote), then each tied to the
paragraph it sits in or follows by matching the text of its block."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from itertools import islice
from urllib.parse import parse_qs, urljoin, urlsplit, urlunsplit

import lxml.html
from rapidfuzz import fuzz

from archiver.platforms import platform_of
from archiver.urls import strip_tracking
from claims._paragraphs import BLOCKS, CONTAINERS, SKIPPED, clean
from claims.models import Paragraph, Reference, ReferenceKind

_LINK_HOLDERS = BLOCKS | CONTAINERS | {"body"}
_YOUTUBE_EMBED = re.compile(
    r"^https?://(?:www\.)?youtube(?:-nocookie)?\.com/embed/(?P<id>[A-Za-z0-9_-]{6,})"
)


@dataclass(frozen=True)
class RawRef:
    """A reference read from the raw HTML, before it is tied to a paragraph."""

    order: int
    kind: ReferenceKind
    url: str
    platform: str | None
    text: str | None  # anchor text of a link, or the embed's own text
    context: tuple[str, ...]  # texts of the blocks holding it (link) or before it (embed)
    anchor_at: int = 0  # where the anchor starts in context[0]


def take_references(tree: lxml.html.HtmlElement, base: str | None) -> list[RawRef]:
    """The embeds and links of the page, in page order; the embeds are cut out of ``tree``
    (the text that follows each is kept), so that their quotes do not leak into the text."""
    order = {element: number for number, element in enumerate(tree.iter())}
    embeds = _embed_elements(tree)
    raw_refs = list(_embeds(embeds, order, base))
    for embed in embeds:
        embed.drop_tree()  # keeps the text that follows it; the embed's quote must not leak
    raw_refs += _links(tree, order, base)
    raw_refs.sort(key=lambda ref: ref.order)
    return raw_refs


def _key(text: str) -> str:
    """Text for comparison; same length as ``text`` so positions carry over."""
    return "".join(" " if ch.isspace() else _lower(ch) for ch in text)


def _lower(ch: str) -> str:
    lowered = ch.lower()
    return lowered if len(lowered) == 1 else ch


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
        return _iframe_target(element, classes, base)
    if "twitter-tweet" in classes or "twitter-video" in classes:
        links = [a.get("href", "") for a in element.iter("a") if "/status/" in a.get("href", "")]
        return (_strip(links[-1]), "x") if links else None
    if "mastodon-embed" in classes and element.get("data-embed-url"):
        return _strip(element.get("data-embed-url", "")).removesuffix("/embed"), "mastodon"
    if "bluesky-embed" in classes:
        return _bluesky_target(element)
    for css, attribute, platform in (
        ("instagram-media", "data-instgrm-permalink", "instagram"),
        ("text-post-media", "data-text-post-permalink", "threads"),
        ("tiktok-embed", "cite", "tiktok"),
    ):
        if css in classes and element.get(attribute):
            return _strip(element.get(attribute, "")), platform
    return None


def _iframe_target(
    element: lxml.html.HtmlElement, classes: set[str], base: str | None
) -> tuple[str, str | None] | None:
    """What an iframe shows: a Mastodon post, a YouTube video, a post of X, or else the page
    it loads (with its platform when it is a post's); None when it loads nothing."""
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


def _bluesky_target(element: lxml.html.HtmlElement) -> tuple[str, str | None] | None:
    """The post a Bluesky embed shows: its link to the post, else its ``at://`` URI."""
    for anchor in element.iter("a"):
        href = anchor.get("href", "")
        if platform_of(href) == "bluesky":
            return _strip(href), "bluesky"
    uri = re.match(r"at://([^/]+)/app\.bsky\.feed\.post/(\w+)", element.get("data-bluesky-uri", ""))
    return (f"https://bsky.app/profile/{uri[1]}/post/{uri[2]}", "bluesky") if uri else None


def _strip(url: str) -> str:
    """An embed's permalink without the tracking query the embed code adds."""
    parts = urlsplit(url.strip())
    return urlunsplit((parts.scheme, parts.netloc, parts.path, strip_tracking(parts.query), ""))


def _embeds(
    embeds: list[lxml.html.HtmlElement], order: dict[object, int], base: str | None
) -> Iterator[RawRef]:
    for element in embeds:
        target = _embed_target(element, base)
        if target is None:
            continue
        url, platform = target
        text = clean(" ".join(element.itertext())) or clean(element.get("title") or "") or None
        yield RawRef(
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
            inner = list(sibling.iterdescendants(*BLOCKS))
            for block in reversed(inner or [sibling]):
                text = clean(block.text_content())
                if text:
                    yield text
        current = current.getparent()


def _links(
    tree: lxml.html.HtmlElement, order: dict[object, int], base: str | None
) -> Iterator[RawRef]:
    for anchor in tree.iter("a"):
        href = (anchor.get("href") or "").strip()
        if not href or href.startswith(("#", "javascript:", "mailto:", "tel:")):
            continue
        if any(parent.tag in SKIPPED for parent in anchor.iterancestors()):
            continue  # site chrome: menus, footers, related articles
        block = next((p for p in anchor.iterancestors() if p.tag in _LINK_HOLDERS), None)
        if block is None:
            continue
        before = _text_before(block, anchor)
        url = urljoin(base or "", href)
        yield RawRef(
            order=order[anchor],
            kind=ReferenceKind.LINK,
            url=url,
            platform=platform_of(url),
            text=clean(anchor.text_content()) or None,
            context=(clean(block.text_content()),),
            anchor_at=len(clean(before + "x")) - 1,
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


def place(ref: RawRef, text: str, paragraphs: tuple[Paragraph, ...]) -> Reference | None:
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
