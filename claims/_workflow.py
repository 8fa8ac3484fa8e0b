"""Articles in, evidence out: the steps that tie article parsing, capture, linking, quote
checking, citing and reporting to the archive. The CLI calls these; they hold the logic."""

from __future__ import annotations

import asyncio
import hashlib
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import storage
from archiver import (
    ArtifactKind,
    CaptureIncomplete,
    CaptureOptions,
    CaptureResult,
    Status,
    UsageError,
    canonical_url,
    capture_many,
    parse_url,
)
from archiver.platforms import platform_of
from archiver.urls import canonical_generic, host_of
from claims._article import parse_article
from claims._match import match_quote
from claims._ocr import read_text
from claims._quotes import attribute_speaker, find_quotes
from claims._segment import segment
from claims._suggest import suggest
from claims.models import (
    ArticleText,
    Candidate,
    ClaimDraft,
    ClaimKind,
    Quote,
    QuoteMatch,
    ReferenceKind,
    Relation,
    SourceKind,
    Suggestion,
)

log = logging.getLogger("postproof.claims")

OCR_LANGS = "eng+fra"
OnCapture = Callable[[str, CaptureResult], None]
# Captures URLs and tells the callback of each capture as it is stored (the application's run,
# with its browser): see _Capturing.
CaptureWith = Callable[[list[str], OnCapture], object]
SOURCE_KINDS = {
    ".html": SourceKind.HTML,
    ".htm": SourceKind.HTML,
    ".xhtml": SourceKind.HTML,
    ".md": SourceKind.MARKDOWN,
    ".markdown": SourceKind.MARKDOWN,
}


class Steps(Protocol):
    """Where a long command tells a person what it is doing (``postproof.output.Steps`` is
    one): a step of ``total`` items begins, an item is done. Captures made through
    ``on_capture`` are its caller's to count."""

    def step(self, name: str, total: int, doing: str = "") -> None: ...

    def advance(self, description: str) -> None: ...


class _Quiet:
    def step(self, name: str, total: int, doing: str = "") -> None:
        pass

    def advance(self, description: str) -> None:
        pass


def _loading(pages: int) -> str:
    return "launching the browser, loading " + ("the page" if pages == 1 else f"{pages} pages")


@dataclass(frozen=True)
class AddedArticle:
    article: storage.ArticleRecord
    claims: list[storage.ClaimRecord]
    references: list[storage.ReferenceRecord]
    links: list[storage.LinkRecord]
    captures: list[storage.CaptureRecord]  # the captures this command made


def add_article(
    archive: storage.Archive,
    source: str,
    *,
    options: CaptureOptions,
    lang: str | None = None,
    title: str | None = None,
    capture_references: bool = True,
    on_capture: OnCapture | None = None,
    again: bool = False,
    steps: Steps | None = None,
    capture_with: CaptureWith | None = None,
) -> AddedArticle:
    """Read an article (a URL, an HTML, Markdown or text file), store its claims and
    references, capture the social posts it cites, link each claim to the evidence in its own
    sentence (or, for an embedded post, in the paragraph before it) and check its quotes.
    ``steps`` hears of each step as it begins, and of each quote check. ``capture_with``
    makes the captures (by default a browser is launched for them, and ``on_capture`` hears of
    each).

    Adding it again finishes an earlier run that was stopped half-way instead of adding a copy;
    an article already added in full is refused unless ``again``."""
    steps = steps or _Quiet()
    capturing = _Capturing(archive, options, on_capture, capture_with)
    made: list[storage.CaptureRecord] = []
    book = archive.articles
    path = Path(source).expanduser()
    if path.is_file():
        data = _read_file(path)
        earlier = book.same_source(source_sha256=hashlib.sha256(data).hexdigest())
    else:
        earlier = book.same_source(source_url=_article_url(source))
    unfinished = next((a for a in earlier if a.finished_at is None), None)
    if unfinished is not None:
        article_id = unfinished.id
        log.info("finishing article %s, which an earlier run left half-done", article_id)
    elif earlier and not again:
        first = earlier[0]
        raise UsageError(
            f"This article was already added, as {first.id} "
            f"(“{first.title or first.source_url or first.source_name}”, "
            f"{first.added_at:%Y-%m-%d %H:%M} UTC).",
            hint=f"See it with: postproof article show {first.id}; to add it once more, "
            "pass --again.",
        )
    else:
        if path.is_file():
            steps.step("reading the article", 0, path.name)
        else:
            steps.step("reading the article", 1, _loading(1))
        article_id, page = _record_article(archive, source, capturing, lang, title)
        if page is not None:
            made.append(page)
    references = book.references(article_id)
    if capture_references:
        made += _capture_references(archive, references, capturing, steps)
        references = book.references(article_id)
    links = _auto_link(archive, article_id, references)
    if links:
        steps.step("checking quotes", len(links), "in the posts' text and images")
    for link in links:
        checked = check_link(archive, link)
        steps.advance(f"{link.claim_ref} " + (" ".join(m.result.value for m in checked) or "—"))
    book.mark_finished(article_id)  # everything this run was asked to do is done
    return AddedArticle(
        article=book.get(article_id),
        claims=book.claims(article_id),
        references=references,
        links=book.links(article_id),
        captures=made,
    )


def _record_article(
    archive: storage.Archive,
    source: str,
    capturing: _Capturing,
    lang: str | None,
    title: str | None,
) -> tuple[str, storage.CaptureRecord | None]:
    """Read the article and store it with its claims and references (not yet finished)."""
    page: storage.CaptureRecord | None = None
    path = Path(source).expanduser()
    if path.is_file():
        data = _read_file(path)
        kind = SOURCE_KINDS.get(path.suffix.lower(), SourceKind.TEXT)
        if (
            kind is SourceKind.TEXT
            and data.lstrip()[:1] == b"<"
            and b"<html" in data[:2048].lower()
        ):
            kind = SourceKind.HTML
        source_url, capture_id, base_url = None, None, None
        source_name: str | None = path.name
    else:
        url = _article_url(source)
        page = capturing.all([url])[0]
        if page.status != Status.OK:
            raise CaptureIncomplete(
                f"The article page could not be captured ({page.status}): {page.reason}",
                hint=f"The attempt is kept as capture {page.id}; try again later, or save the "
                "page as a file and add the file.",
            )
        html = page.artifact(ArtifactKind.HTML)
        if html is None:
            raise CaptureIncomplete(
                f"The capture {page.id} of the article holds no HTML to read.",
                hint="Save the page as a file and add the file instead.",
            )
        data = html.read_bytes()
        kind, source_url, capture_id = SourceKind.HTML, url, page.id
        base_url, source_name = page.final_url or url, None
    parsed = parse_article(data, kind=kind, base_url=base_url, lang=lang, title=title)
    drafts = segment(parsed)
    article_id = archive.articles.add(
        storage.NewArticle(
            source=data,
            source_kind=kind.value,
            text=parsed.text,
            source_url=source_url,
            source_name=source_name,
            capture_id=capture_id,
            title=parsed.title,
            byline=parsed.byline,
            published_at=parsed.published_at,
            lang=parsed.lang,
            claims=tuple(_new_claim(d) for d in drafts),
            references=_new_references(parsed, drafts),
        )
    )
    return article_id, page


def _read_file(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:
        raise UsageError(f"Cannot read {path}: {exc.strerror or exc}.") from exc


def _article_url(source: str) -> str:
    if "://" not in source and not source.startswith(("www.", "http")):
        raise UsageError(
            f"{source!r} is neither a file nor a web address.",
            hint="Give the path of an HTML, Markdown or text file, or the article's URL.",
        )
    return parse_url(source)


@dataclass(frozen=True)
class _Capturing:
    """How a workflow captures: with the application's run (``capture_with``), or in a browser
    launched for the URLs; each capture stored in ``archive``."""

    archive: storage.Archive
    options: CaptureOptions
    on_capture: OnCapture | None
    capture_with: CaptureWith | None

    def all(self, urls: Sequence[str]) -> list[storage.CaptureRecord]:
        """The captures of ``urls``, in their order."""
        if not urls:
            return []
        if self.capture_with is None:
            results = asyncio.run(
                capture_many(urls, self.options, self.archive, on_result=self.on_capture)
            )
            return [self.archive.get_capture(capture_id) for capture_id, _ in results]
        made: dict[str, str] = {}  # URL asked for -> its capture

        def stored(capture_id: str, result: CaptureResult) -> None:
            made[result.requested_url] = capture_id
            if self.on_capture is not None:
                self.on_capture(capture_id, result)

        self.capture_with(list(urls), stored)
        return [self.archive.get_capture(made[url]) for url in urls]


def _new_claim(draft: ClaimDraft) -> storage.NewClaim:
    return storage.NewClaim(
        number=draft.number,
        kind=draft.kind.value,
        text=draft.text,
        paragraph=draft.paragraph,
        start=draft.start,
        end=draft.end,
        section=draft.section,
        quotes=tuple(q.text for q in draft.quotes),
        speaker=draft.speaker,
        speaker_cue=draft.speaker_cue,
    )


def _new_references(
    article: ArticleText, drafts: Sequence[ClaimDraft]
) -> tuple[storage.NewReference, ...]:
    refs = []
    for ref in article.references:
        number = None
        if ref.kind is ReferenceKind.LINK and ref.start is not None:
            number = next(
                (d.number for d in drafts if d.start <= ref.start < max(d.end, d.start + 1)),
                None,
            )
        refs.append(
            storage.NewReference(
                kind=ref.kind.value,
                url=ref.url,
                paragraph=ref.paragraph,
                platform=ref.platform or platform_of(ref.url),
                text=ref.text,
                start=ref.start,
                end=ref.end,
                claim_number=number,
            )
        )
    return tuple(refs)


def _capture_references(
    archive: storage.Archive,
    references: Sequence[storage.ReferenceRecord],
    capturing: _Capturing,
    steps: Steps,
) -> list[storage.CaptureRecord]:
    """Capture every social post the article cites, once each, concurrently."""
    wanted: dict[str, list[storage.ReferenceRecord]] = {}
    for ref in references:
        if ref.platform is None or ref.capture_id is not None:
            continue
        try:
            url = parse_url(ref.url)
        except UsageError as exc:
            log.warning("skipping the reference %s: %s", ref.url, exc.message)
            continue
        canonical = canonical_url(url)
        wanted.setdefault(canonical, []).append(ref)
    urls = [refs[0].url for refs in wanted.values()]
    if urls:
        steps.step("capturing references", len(urls), _loading(len(urls)))
    records = capturing.all(urls)
    book = archive.articles
    for record, refs in zip(records, wanted.values(), strict=True):
        for ref in refs:
            book.set_reference_capture(ref.id, record.id)
    return records


def _auto_link(
    archive: storage.Archive, article_id: str, references: Sequence[storage.ReferenceRecord]
) -> list[storage.LinkRecord]:
    book = archive.articles
    claims = book.claims(article_id)
    links = []
    for ref in references:
        if ref.capture_id is None:
            continue
        if ref.kind == ReferenceKind.LINK.value and ref.claim_number is not None:
            targets = [c for c in claims if c.number == ref.claim_number]
            anchor = f" (“{ref.text}”)" if ref.text else ""
            why = f"the claim's sentence links to this post{anchor}"
            origin = "link"
        elif ref.kind == ReferenceKind.EMBED.value:
            targets = [c for c in claims if c.paragraph == ref.paragraph and c.kind != "manual"]
            why = (
                f"the post is embedded right after paragraph {ref.paragraph + 1}, "
                "which holds this claim"
            )
            origin = "embed"
        else:
            continue
        for claim in targets:
            links.append(
                book.link(
                    claim,
                    ref.capture_id,
                    relation=Relation.SUPPORTS.value,
                    origin=origin,
                    why=why,
                )
            )
    return links


# -- quote checks --------------------------------------------------------------------------


def check_link(archive: storage.Archive, link: storage.LinkRecord) -> list[QuoteMatch]:
    """Search the linked capture's evidence (post text, then text read from the post's
    images) for each quote of the claim, and record what was found."""
    book = archive.articles
    claim = book.claim(link.claim_ref)
    quotes = [link.quote] if link.quote else list(claim.quotes)
    if not quotes:
        return []
    capture = archive.get_capture(link.capture_id)
    sources = evidence_texts(archive, capture)
    found = []
    for quote in quotes:
        match = match_quote(quote, sources)
        book.record_check(
            link.id,
            quote=quote,
            result=match.result.value,
            score=match.score,
            excerpt=match.excerpt,
            source=match.source,
        )
        found.append(match)
    return found


def evidence_texts(
    archive: storage.Archive, capture: storage.CaptureRecord
) -> list[tuple[str, str]]:
    """The texts of a capture a quote may be found in: the post's text, then the text read
    from each of its images (or from the post's screenshot when its images were not kept)."""
    sources: list[tuple[str, str]] = []
    if capture.text:
        sources.append(("post_text", capture.text))
    images = [
        a
        for a in capture.artifacts
        if a.kind == ArtifactKind.MEDIA and a.media_type.startswith("image/")
    ]
    if not images:
        shot = capture.artifact(ArtifactKind.POST_SCREENSHOT)
        images = [shot] if shot is not None else []
    for image in images:
        text = image_text(archive, image)
        if text:
            sources.append((f"image:{image.sha256}", text))
    return sources


def image_text(archive: storage.Archive, image: storage.ArtifactRecord) -> str:
    """Text read from an image blob by OCR, read once and kept in the archive."""
    book = archive.articles
    cached = book.ocr_text(image.sha256, OCR_LANGS)
    if cached is not None:
        return cached
    text = read_text(image.read_bytes(), langs=OCR_LANGS)
    book.keep_ocr_text(image.sha256, OCR_LANGS, text, engine="tesseract")
    return text


# -- manual links and suggestions ----------------------------------------------------------


def link_claim(
    archive: storage.Archive,
    claim_ref: str,
    target: str,
    *,
    options: CaptureOptions,
    quote: str | None = None,
    relation: Relation = Relation.SUPPORTS,
    note: str | None = None,
    on_capture: OnCapture | None = None,
    include_retracted: bool = False,
    capture_with: CaptureWith | None = None,
) -> tuple[storage.LinkRecord, list[QuoteMatch]]:
    """Link a claim to a capture (by id) or to a URL, which is captured first. A retracted
    capture, or a claim of a retracted article, is refused unless ``include_retracted``."""
    claim = archive.articles.claim(claim_ref)
    article = _open_article(archive, claim, include_retracted)
    if "/" in target or "." in target:
        capturing = _Capturing(archive, options, on_capture, capture_with)
        capture = capturing.all([parse_url(target)])[0]
    else:
        capture = archive.get_capture(target)
        if capture.retracted is not None and not include_retracted:
            raise _retracted_link(f"Capture {capture.id} is", capture.retracted)
    if relation is not Relation.CONTEXT and (why := own_evidence(article, capture)):
        raise UsageError(
            f"{capture.id} is {why}: an article cannot be evidence for its own claims.",
            hint="Link the post or document the claim rests on, or pass --relation context.",
        )
    link = archive.articles.link(
        claim,
        capture.id,
        relation=relation.value,
        origin="manual",
        why="linked by hand",
        quote=quote,
        note=note,
    )
    matches = check_link(archive, link)
    return _refreshed(archive, link), matches


def _open_article(
    archive: storage.Archive, claim: storage.ClaimRecord, include_retracted: bool
) -> storage.ArticleRecord:
    """The article of ``claim``, refused when it is retracted (unless ``include_retracted``)."""
    article = archive.articles.get(claim.article_id)
    if article.retracted is not None and not include_retracted:
        raise _retracted_link(
            f"Claim {claim.ref} is of article {article.id}, which is", article.retracted
        )
    return article


def _retracted_link(what: str, retraction: storage.RetractionRecord) -> UsageError:
    return UsageError(
        f"{what} {retraction.describe()}; a retracted record takes no new links.",
        hint="Link a capture that is not retracted, or pass --include-retracted to link it "
        "anyway (to show what was corrected, for instance).",
    )


def _refreshed(archive: storage.Archive, link: storage.LinkRecord) -> storage.LinkRecord:
    claim = archive.articles.claim(link.claim_ref)
    return next(x for x in archive.articles.links_of_claim(claim) if x.id == link.id)


def suggest_links(
    archive: storage.Archive, article_id: str, *, limit: int = 3, include_retracted: bool = False
) -> list[tuple[storage.ClaimRecord, Suggestion]]:
    """Posts of the archive that could support the article's unlinked claims, best first. A
    retracted capture is never proposed (unless ``include_retracted``): a post's newest good
    capture that is not retracted stands for it."""
    book = archive.articles
    claims = book.claims(article_id)
    linked = {link.claim_id for link in book.links(article_id)}
    open_claims = [c for c in claims if c.id not in linked]
    article = book.get(article_id)
    captures = [
        c
        for c in archive.latest_good_captures(include_retracted=include_retracted)
        if not own_evidence(article, c)
    ]
    by_number = {c.number: c for c in open_claims}
    excluded = _rejected(book.rejected_posts(article_id), open_claims, captures)
    candidates = [_candidate(archive, c) for c in captures]
    found = suggest([_draft(c) for c in open_claims], candidates, limit=limit, excluded=excluded)
    return [(by_number[s.claim_number], s) for s in found]


def _rejected(
    rejected: set[tuple[int, int]],
    claims: Sequence[storage.ClaimRecord],
    captures: Sequence[storage.CaptureRecord],
) -> set[tuple[int, str]]:
    """(claim number, capture id) of the captures whose post was rejected for the claim."""
    number_of = {claim.id: claim.number for claim in claims}
    captures_of: dict[int, list[str]] = {}
    for capture in captures:
        captures_of.setdefault(capture.post_id, []).append(capture.id)
    return {
        (number_of[claim_id], capture_id)
        for claim_id, post_id in rejected
        if claim_id in number_of
        for capture_id in captures_of.get(post_id, [])
    }


def own_evidence(article: storage.ArticleRecord, capture: storage.CaptureRecord) -> str | None:
    """Why a capture is the article itself or a page of its own site (which may give context
    to a claim, never evidence for it), or None."""
    if capture.id == article.capture_id:
        return "the capture of the article itself"
    if not article.source_url:
        return None
    own = canonical_generic(article.source_url)
    if own in (canonical_generic(u) for u in (capture.requested_url, capture.canonical_url)):
        return "a capture of the article's own address"
    if capture.platform == "generic" and _site(host_of(own)) == _site(
        host_of(capture.canonical_url)
    ):
        return f"a page of the article's own site ({host_of(own)})"
    return None


def _site(host: str) -> str:
    """The site a host belongs to, as far as can be told without a public-suffix list: its
    last two labels, or three when the second-level one is a common registry label
    (``news.bbc.co.uk`` and ``www.bbc.co.uk`` are both ``bbc.co.uk``)."""
    labels = host.lower().strip(".").split(".")
    keep = 3 if len(labels) >= 3 and labels[-2] in {"co", "com", "org", "net", "gouv", "ac"} else 2
    return ".".join(labels[-keep:])


def accept_suggestion(
    archive: storage.Archive,
    claim: storage.ClaimRecord,
    suggestion: Suggestion,
    made_by: str | None = None,
    *,
    include_retracted: bool = False,
) -> storage.LinkRecord:
    """Link a claim to its suggested capture. A claim of a retracted article takes no new
    link, suggested or not, unless ``include_retracted``."""
    _open_article(archive, claim, include_retracted)
    link = archive.articles.link(
        claim,
        suggestion.capture_id,
        relation=Relation.SUPPORTS.value,
        origin="suggested",
        why=f"suggested (score {suggestion.score:.2f}): " + "; ".join(suggestion.reasons),
        made_by=made_by,
    )
    check_link(archive, link)
    return _refreshed(archive, link)


def _candidate(archive: storage.Archive, capture: storage.CaptureRecord) -> Candidate:
    # Only text already read from images is used: suggesting must stay fast on a big archive.
    book = archive.articles
    image_text = " ".join(
        text
        for a in capture.artifacts
        if a.kind == ArtifactKind.MEDIA and (text := book.ocr_text(a.sha256, OCR_LANGS)) is not None
    )
    return Candidate(
        capture_id=capture.id,
        platform=capture.platform,
        author=capture.author,
        handle=capture.handle,
        text=capture.text,
        url=capture.canonical_url,
        image_text=image_text or None,
    )


def _draft(claim: storage.ClaimRecord) -> ClaimDraft:
    return ClaimDraft(
        number=claim.number,
        text=claim.text,
        paragraph=claim.paragraph or 0,
        start=claim.start or 0,
        end=claim.end or len(claim.text),
        kind=ClaimKind(claim.kind),
        section=claim.section,
        quotes=tuple(_quote_in(claim.text, q) for q in claim.quotes),
        speaker=claim.speaker,
        speaker_cue=claim.speaker_cue,
    )


def _quote_in(text: str, quote: str) -> Quote:
    start = max(0, text.find(quote))
    return Quote(text=quote, start=start, end=start + len(quote), marks="")


def manual_claim(text: str) -> storage.NewClaim:
    """A claim a person adds: its quotes and speaker are found as for split claims."""
    clean = " ".join(text.split())
    speaker, cue = attribute_speaker(clean)
    return storage.NewClaim(
        number=0,  # numbered by the archive, after the article's last claim
        kind=ClaimKind.MANUAL.value,
        text=clean,
        quotes=tuple(q.text for q in find_quotes(clean)),
        speaker=speaker,
        speaker_cue=cue,
    )
