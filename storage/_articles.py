"""Articles, their claims and references, the evidence links of claims, quote checks and the
OCR cache: storage and queries. Claims are addressed as ``ARTICLE#N`` (the article's id and the
claim's number in article order)."""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import sqlalchemy as sa
from sqlmodel import Session, col, func, select

from archiver.errors import StorageError, UsageError
from storage import _ids
from storage._blobs import Blobs
from storage._database import read_session, storage_errors, write_session
from storage._journal import Journal
from storage._records import RetractionRecord
from storage._retractions import not_retracted, of_targets, retracted
from storage._tables import (
    Article,
    ArticleReference,
    Capture,
    Claim,
    EvidenceLink,
    OcrText,
    QuoteCheck,
    RejectedSuggestion,
)

_CLAIM_REF = re.compile(r"^\s*(?P<article>[0-9A-Za-z]{4,8})\s*[#:]\s*(?P<number>\d{1,6})\s*$")
_ID_ATTEMPTS = 32


@dataclass(frozen=True)
class NewClaim:
    number: int
    kind: str
    text: str
    paragraph: int | None = None
    start: int | None = None
    end: int | None = None
    section: str | None = None
    quotes: tuple[str, ...] = ()
    speaker: str | None = None
    speaker_cue: str | None = None


@dataclass(frozen=True)
class NewReference:
    kind: str
    url: str
    paragraph: int
    platform: str | None = None
    text: str | None = None
    start: int | None = None
    end: int | None = None
    claim_number: int | None = None


@dataclass(frozen=True)
class NewArticle:
    source: bytes
    source_kind: str
    text: str
    source_url: str | None = None
    source_name: str | None = None
    capture_id: str | None = None
    title: str | None = None
    byline: str | None = None
    published_at: datetime | None = None
    lang: str | None = None
    claims: tuple[NewClaim, ...] = ()
    references: tuple[NewReference, ...] = ()


@dataclass(frozen=True)
class ArticleRecord:
    id: str
    source_kind: str
    source_url: str | None
    source_name: str | None
    source_sha256: str
    source_size: int
    source_location: str  # where its bytes are: a file path or an s3:// URL
    capture_id: str | None
    title: str | None
    byline: str | None
    published_at: datetime | None
    lang: str | None
    text: str
    added_at: datetime
    claim_count: int
    finished_at: datetime | None = None  # None: `article add` stopped before finishing it
    retracted: RetractionRecord | None = None  # taken back from the record (it stays stored)


@dataclass(frozen=True)
class ClaimRecord:
    id: int
    article_id: str
    number: int
    kind: str
    text: str
    paragraph: int | None
    start: int | None
    end: int | None
    section: str | None
    quotes: tuple[str, ...]
    speaker: str | None
    speaker_cue: str | None
    created_at: datetime

    @property
    def ref(self) -> str:
        return f"{self.article_id}#{self.number}"


@dataclass(frozen=True)
class ReferenceRecord:
    id: int
    article_id: str
    kind: str
    url: str
    platform: str | None
    text: str | None
    paragraph: int
    start: int | None
    end: int | None
    claim_number: int | None
    capture_id: str | None


@dataclass(frozen=True)
class QuoteCheckRecord:
    quote: str
    result: str
    score: float
    excerpt: str | None
    source: str | None
    checked_at: datetime


@dataclass(frozen=True)
class LinkRecord:
    id: int
    claim_id: int
    claim_ref: str
    capture_id: str
    relation: str
    origin: str
    why: str
    quote: str | None
    note: str | None
    created_at: datetime
    removed_at: datetime | None
    checks: tuple[QuoteCheckRecord, ...]  # the latest check of each quote, newest first
    made_by: str | None = None  # the web app's user who linked; None: the command line


class ArticleBook:
    """The claims side of an archive; reached as ``Archive.articles``."""

    def __init__(
        self,
        engine: sa.Engine,
        blobs: Blobs,
        journal: Journal,
        home: Path,
        clock: Callable[[], datetime],
        new_id: Callable[[], str],
        made_by: str | None = None,
    ) -> None:
        self._engine = engine
        self._blobs = blobs
        self._journal = journal
        self._home = home
        self._clock = clock
        self._new_id = new_id
        self._made_by = made_by  # the web app's user the links are made for

    # -- articles --------------------------------------------------------------------------

    def add(self, article: NewArticle) -> str:
        """Record an article with its claims and references; its source bytes become a blob
        (journalled like a capture's, so a kill leaves nothing half-recorded)."""
        sha = hashlib.sha256(article.source).hexdigest()
        with storage_errors(self._home):
            self._journal.reserve([sha])
            try:
                self._blobs.put(article.source, sha)
                return self._record(article, sha)
            except Exception:
                self._journal.abandon([sha])
                raise

    def _record(self, article: NewArticle, sha: str) -> str:
        now = self._clock()
        with write_session(self._engine) as session:
            article_id = self._unused_id(session)
            session.add(
                Article(
                    id=article_id,
                    source_kind=article.source_kind,
                    source_url=article.source_url,
                    source_name=article.source_name,
                    source_sha256=sha,
                    source_size=len(article.source),
                    capture_id=article.capture_id,
                    title=article.title,
                    byline=article.byline,
                    published_at=article.published_at,
                    lang=article.lang,
                    text=article.text,
                    added_at=now,
                )
            )
            session.flush()
            for claim in article.claims:
                session.add(_claim_row(article_id, claim, now))
            for ref in article.references:
                session.add(
                    ArticleReference(
                        article_id=article_id,
                        kind=ref.kind,
                        url=ref.url,
                        platform=ref.platform,
                        text=ref.text,
                        paragraph=ref.paragraph,
                        start=ref.start,
                        end=ref.end,
                        claim_number=ref.claim_number,
                    )
                )
            self._journal.settle(session, [sha])
        return article_id

    def _unused_id(self, session: Session) -> str:
        for _attempt in range(_ID_ATTEMPTS):
            candidate = self._new_id()
            if session.get(Article, candidate) is None:
                return candidate
        raise StorageError("could not draw an unused article id", hint="please report this bug")

    def resolve(self, text: str) -> str:
        """The full id of the one article whose id starts with ``text``."""
        prefix = _ids.normalize_id_text(text)
        if len(prefix) < _ids.MIN_PREFIX or _ids.invalid_id_characters(prefix):
            raise UsageError(
                f"{text!r} is not an article id",
                hint="`postproof article list` shows the articles and their ids",
            )
        with storage_errors(self._home), read_session(self._engine) as session:
            found = session.exec(
                _ids.starting_with(select(Article.id), col(Article.id), prefix)
            ).all()
        if not found:
            raise UsageError(
                f"no article with id {text!r}",
                hint="`postproof article list` shows the articles and their ids",
            )
        if len(found) > 1:
            raise UsageError(
                f"article id {text!r} is ambiguous: it could be {', '.join(found[:10])}",
                hint="give more characters of the id",
            )
        return found[0]

    def get(self, article_id: str) -> ArticleRecord:
        full_id = self.resolve(article_id)
        with storage_errors(self._home), read_session(self._engine) as session:
            row = session.get(Article, full_id)
            assert row is not None
            return self._article_record(session, row)

    def same_source(
        self, *, source_url: str | None = None, source_sha256: str | None = None
    ) -> list[ArticleRecord]:
        """Articles added before from this URL, or from a file with these bytes; newest first."""
        query = select(Article).order_by(col(Article.added_at).desc())
        if source_url is not None:
            query = query.where(col(Article.source_url) == source_url)
        elif source_sha256 is not None:
            query = query.where(
                col(Article.source_sha256) == source_sha256, col(Article.source_url).is_(None)
            )
        else:
            return []
        with storage_errors(self._home), read_session(self._engine) as session:
            return [self._article_record(session, row) for row in session.exec(query).all()]

    def mark_finished(self, article_id: str) -> None:
        with storage_errors(self._home), write_session(self._engine) as session:
            row = session.get(Article, article_id)
            if row is not None and row.finished_at is None:
                row.finished_at = self._clock()
                session.add(row)

    def all(self, *, include_retracted: bool = True) -> list[ArticleRecord]:
        """Articles, newest first; without ``include_retracted``, retracted ones are left out."""
        query = select(Article).order_by(col(Article.added_at).desc())
        if not include_retracted:
            query = query.where(not_retracted("article", col(Article.id)))
        with storage_errors(self._home), read_session(self._engine) as session:
            rows = session.exec(query).all()
            return [self._article_record(session, row) for row in rows]

    def count_retracted(self) -> int:
        """How many articles are retracted: what :meth:`all` without ``include_retracted``
        leaves out."""
        query = select(func.count()).select_from(Article)
        query = query.where(retracted("article", col(Article.id)))
        with storage_errors(self._home), read_session(self._engine) as session:
            return session.exec(query).one()

    def _article_record(self, session: Session, row: Article) -> ArticleRecord:
        count = session.exec(
            select(func.count()).select_from(Claim).where(col(Claim.article_id) == row.id)
        ).one()
        return ArticleRecord(
            id=row.id,
            source_kind=row.source_kind,
            source_url=row.source_url,
            source_name=row.source_name,
            source_sha256=row.source_sha256,
            source_size=row.source_size,
            source_location=self._blobs.location_of(row.source_sha256),
            capture_id=row.capture_id,
            title=row.title,
            byline=row.byline,
            published_at=row.published_at,
            lang=row.lang,
            text=row.text,
            added_at=row.added_at,
            claim_count=count,
            finished_at=row.finished_at,
            retracted=of_targets(session, "article", [row.id]).get(row.id),
        )

    # -- claims ----------------------------------------------------------------------------

    def claims(self, article_id: str) -> list[ClaimRecord]:
        full_id = self.resolve(article_id)
        with storage_errors(self._home), read_session(self._engine) as session:
            rows = session.exec(
                select(Claim).where(col(Claim.article_id) == full_id).order_by(col(Claim.number))
            ).all()
            return [_claim_record(row) for row in rows]

    def claim(self, ref: str) -> ClaimRecord:
        """A claim by its reference ``ARTICLE#N`` (``ARTICLE:N`` works too)."""
        found = _CLAIM_REF.match(ref)
        if not found:
            raise UsageError(
                f"{ref!r} is not a claim reference",
                hint="a claim is named ARTICLE#N, e.g. 7hq3m2wd#4 (see `postproof claim list`)",
            )
        article_id = self.resolve(found.group("article"))
        number = int(found.group("number"))
        with storage_errors(self._home), read_session(self._engine) as session:
            row = session.exec(
                select(Claim).where(
                    col(Claim.article_id) == article_id, col(Claim.number) == number
                )
            ).first()
        if row is None:
            raise UsageError(
                f"article {article_id} has no claim {number}",
                hint=f"`postproof claim list {article_id}` shows its claims",
            )
        return _claim_record(row)

    def add_claim(self, article_id: str, claim: NewClaim) -> ClaimRecord:
        """Add a claim after the article's last one (its number is assigned here)."""
        full_id = self.resolve(article_id)
        with storage_errors(self._home), write_session(self._engine) as session:
            last = session.exec(
                select(func.max(Claim.number)).where(col(Claim.article_id) == full_id)
            ).one()
            numbered = NewClaim(**{**claim.__dict__, "number": (last or 0) + 1})
            row = _claim_row(full_id, numbered, self._clock())
            session.add(row)
            session.flush()
            return _claim_record(row)

    # -- references ------------------------------------------------------------------------

    def references(self, article_id: str) -> list[ReferenceRecord]:
        full_id = self.resolve(article_id)
        with storage_errors(self._home), read_session(self._engine) as session:
            rows = session.exec(
                select(ArticleReference)
                .where(col(ArticleReference.article_id) == full_id)
                .order_by(col(ArticleReference.id))
            ).all()
            return [_reference_record(row) for row in rows]

    def set_reference_capture(self, reference_id: int, capture_id: str) -> None:
        with storage_errors(self._home), write_session(self._engine) as session:
            row = session.get(ArticleReference, reference_id)
            if row is None:
                raise StorageError(f"reference {reference_id} vanished", hint="report this bug")
            row.capture_id = capture_id
            session.add(row)

    # -- evidence links --------------------------------------------------------------------

    def link(
        self,
        claim: ClaimRecord,
        capture_id: str,
        *,
        relation: str,
        origin: str,
        why: str,
        quote: str | None = None,
        note: str | None = None,
        made_by: str | None = None,
    ) -> LinkRecord:
        """Link ``claim`` to a capture (``made_by``: the web app's user, else the one the
        archive was opened for). An active link between the same two is kept and returned as
        it is: linking twice changes nothing."""
        with storage_errors(self._home), write_session(self._engine) as session:
            existing = session.exec(
                select(EvidenceLink).where(
                    col(EvidenceLink.claim_id) == claim.id,
                    col(EvidenceLink.capture_id) == capture_id,
                    col(EvidenceLink.removed_at).is_(None),
                )
            ).first()
            if existing is None:
                existing = EvidenceLink(
                    claim_id=claim.id,
                    capture_id=capture_id,
                    relation=relation,
                    origin=origin,
                    why=why,
                    quote=quote,
                    note=note,
                    created_at=self._clock(),
                    made_by=made_by or self._made_by,
                )
                session.add(existing)
                session.flush()
            return self._link_record(session, existing, claim.ref)

    def unlink(self, claim: ClaimRecord, capture_id: str | None = None) -> int:
        """Stamp the claim's active links (to ``capture_id``, or all) as removed; the rows stay."""
        with storage_errors(self._home), write_session(self._engine) as session:
            query = select(EvidenceLink).where(
                col(EvidenceLink.claim_id) == claim.id, col(EvidenceLink.removed_at).is_(None)
            )
            if capture_id is not None:
                query = query.where(col(EvidenceLink.capture_id) == capture_id)
            rows = session.exec(query).all()
            now = self._clock()
            for row in rows:
                row.removed_at = now
                session.add(row)
            return len(rows)

    def links(self, article_id: str, *, include_removed: bool = False) -> list[LinkRecord]:
        """The evidence links of an article's claims, in claim order."""
        full_id = self.resolve(article_id)
        with storage_errors(self._home), read_session(self._engine) as session:
            query = (
                select(EvidenceLink, Claim.number)
                .join(Claim, col(Claim.id) == col(EvidenceLink.claim_id))
                .where(col(Claim.article_id) == full_id)
                .order_by(col(Claim.number), col(EvidenceLink.id))
            )
            if not include_removed:
                query = query.where(col(EvidenceLink.removed_at).is_(None))
            return [
                self._link_record(session, row, f"{full_id}#{number}")
                for row, number in session.exec(query).all()
            ]

    def links_of_claim(self, claim: ClaimRecord) -> list[LinkRecord]:
        return [link for link in self.links(claim.article_id) if link.claim_id == claim.id]

    def links_to_capture(
        self, capture_id: str
    ) -> list[tuple[ArticleRecord, ClaimRecord, LinkRecord]]:
        """The active links that cite a capture as evidence, each with its claim and the
        claim's article; oldest article first, then in claim order."""
        with storage_errors(self._home), read_session(self._engine) as session:
            rows = session.exec(
                select(EvidenceLink, Claim, Article)
                .join(Claim, col(Claim.id) == col(EvidenceLink.claim_id))
                .join(Article, col(Article.id) == col(Claim.article_id))
                .where(
                    col(EvidenceLink.capture_id) == capture_id,
                    col(EvidenceLink.removed_at).is_(None),
                )
                .order_by(col(Article.added_at), col(Claim.number), col(EvidenceLink.id))
            ).all()
            articles: dict[str, ArticleRecord] = {}
            found = []
            for link, claim, article in rows:
                if article.id not in articles:
                    articles[article.id] = self._article_record(session, article)
                record = _claim_record(claim)
                found.append(
                    (articles[article.id], record, self._link_record(session, link, record.ref))
                )
            return found

    def reject(self, claim: ClaimRecord, capture_id: str, by: str | None) -> datetime:
        """Record that the capture suggested for ``claim`` is not its evidence (``by``: the
        user); when it was rejected."""
        now = self._clock()
        with storage_errors(self._home), write_session(self._engine) as session:
            session.add(
                RejectedSuggestion(
                    claim_id=claim.id, capture_id=capture_id, rejected_by=by, rejected_at=now
                )
            )
        return now

    def rejected_posts(self, article_id: str) -> set[tuple[int, int]]:
        """(claim id, post id) of every suggestion rejected for the article's claims: a post
        rejected once is rejected in all its captures."""
        full_id = self.resolve(article_id)
        with storage_errors(self._home), read_session(self._engine) as session:
            rows = session.exec(
                select(RejectedSuggestion.claim_id, Capture.post_id)
                .join(Claim, col(Claim.id) == col(RejectedSuggestion.claim_id))
                .join(Capture, col(Capture.id) == col(RejectedSuggestion.capture_id))
                .where(col(Claim.article_id) == full_id)
            ).all()
        return {(claim_id, post_id) for claim_id, post_id in rows}

    def record_check(
        self,
        link_id: int,
        *,
        quote: str,
        result: str,
        score: float,
        excerpt: str | None,
        source: str | None,
    ) -> None:
        with storage_errors(self._home), write_session(self._engine) as session:
            session.add(
                QuoteCheck(
                    link_id=link_id,
                    quote=quote,
                    result=result,
                    score=score,
                    excerpt=excerpt,
                    source=source,
                    checked_at=self._clock(),
                )
            )

    def _link_record(self, session: Session, row: EvidenceLink, claim_ref: str) -> LinkRecord:
        assert row.id is not None
        newest_first = session.exec(
            select(QuoteCheck)
            .where(col(QuoteCheck.link_id) == row.id)
            .order_by(col(QuoteCheck.checked_at).desc(), col(QuoteCheck.id).desc())
        ).all()
        latest: dict[str, QuoteCheckRecord] = {}
        for check in newest_first:
            latest.setdefault(
                check.quote,
                QuoteCheckRecord(
                    quote=check.quote,
                    result=check.result,
                    score=check.score,
                    excerpt=check.excerpt,
                    source=check.source,
                    checked_at=check.checked_at,
                ),
            )
        return LinkRecord(
            id=row.id,
            claim_id=row.claim_id,
            claim_ref=claim_ref,
            capture_id=row.capture_id,
            relation=row.relation,
            origin=row.origin,
            why=row.why,
            quote=row.quote,
            note=row.note,
            created_at=row.created_at,
            removed_at=row.removed_at,
            checks=tuple(latest.values()),
            made_by=row.made_by,
        )

    # -- OCR cache -------------------------------------------------------------------------

    def ocr_text(self, sha256: str, langs: str) -> str | None:
        with storage_errors(self._home), read_session(self._engine) as session:
            row = session.get(OcrText, (sha256, langs))
            return None if row is None else row.text

    def keep_ocr_text(self, sha256: str, langs: str, text: str, engine: str) -> None:
        with storage_errors(self._home), write_session(self._engine) as session:
            if session.get(OcrText, (sha256, langs)) is None:
                session.add(
                    OcrText(
                        sha256=sha256,
                        langs=langs,
                        text=text,
                        engine=engine,
                        created_at=self._clock(),
                    )
                )


def _claim_row(article_id: str, claim: NewClaim, now: datetime) -> Claim:
    return Claim(
        article_id=article_id,
        number=claim.number,
        kind=claim.kind,
        text=claim.text,
        paragraph=claim.paragraph,
        start=claim.start,
        end=claim.end,
        section=claim.section,
        quotes_json=json.dumps(list(claim.quotes), ensure_ascii=False),
        speaker=claim.speaker,
        speaker_cue=claim.speaker_cue,
        created_at=now,
    )


def _claim_record(row: Claim) -> ClaimRecord:
    assert row.id is not None
    return ClaimRecord(
        id=row.id,
        article_id=row.article_id,
        number=row.number,
        kind=row.kind,
        text=row.text,
        paragraph=row.paragraph,
        start=row.start,
        end=row.end,
        section=row.section,
        quotes=tuple(json.loads(row.quotes_json)),
        speaker=row.speaker,
        speaker_cue=row.speaker_cue,
        created_at=row.created_at,
    )


def _reference_record(row: ArticleReference) -> ReferenceRecord:
    assert row.id is not None
    return ReferenceRecord(
        id=row.id,
        article_id=row.article_id,
        kind=row.kind,
        url=row.url,
        platform=row.platform,
        text=row.text,
        paragraph=row.paragraph,
        start=row.start,
        end=row.end,
        claim_number=row.claim_number,
        capture_id=row.capture_id,
    )
