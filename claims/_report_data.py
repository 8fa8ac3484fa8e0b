"""A claims report's data, read from the archive (:func:`build_report`): each claim with its
evidence and, for each capture, what a reader needs beyond the post itself — its screenshots, its
place in the transparency log with its checkpoint and timestamp, the archive's key, the author's
own signature (Bluesky), whether it was captured logged in, and the edits re-checks found since,
with each quote looked for again in the newest version."""

from __future__ import annotations

import base64
import hashlib
import json
import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import storage
from archiver import ArtifactKind, Status, UsageError, tool_version, utcnow
from claims._citing import PostStatus, captured_logged_in, post_status
from claims._match import match_quote
from claims._proofs import (
    ArchiveKey,
    AuthorSignature,
    LogProof,
    NewestVersion,
    PostEdit,
    StampFact,
)
from claims._report import ReportClaim, ReportData, ReportLink, render_report
from claims._workflow import evidence_texts
from claims.models import ClaimKind, MatchResult, QuoteMatch, Relation

log = logging.getLogger("postproof.claims")


def build_report(
    archive: storage.Archive, article_id: str, *, include_retracted: bool = False
) -> ReportData:
    """Every claim of the article in order, each with its evidence and the proof behind it.
    Links to retracted captures are left out, and counted, unless ``include_retracted``."""
    book = archive.articles
    article = book.get(article_id)
    article_links = book.links(article.id)
    left_out = 0
    if not include_retracted:
        retracted = archive.retractions.of("capture", [link.capture_id for link in article_links])
        left_out = sum(1 for link in article_links if link.capture_id in retracted)
        article_links = [link for link in article_links if link.capture_id not in retracted]
    links_by_claim: dict[int, list[storage.LinkRecord]] = {}
    for link in article_links:
        links_by_claim.setdefault(link.claim_id, []).append(link)
    proofs = log_proofs(
        archive,
        [link.capture_id for link in article_links],
        article_capture_ids(archive, article.id),
    )
    quoted = {link.capture_id for link in article_links if link.checks or link.quote}
    evidence: dict[str, _Evidence] = {}  # one look-up, status and proof per capture
    claims = []
    for claim in book.claims(article.id):
        report_links = []
        for link in links_by_claim.get(claim.id, []):
            if link.capture_id not in evidence:
                evidence[link.capture_id] = _evidence(
                    archive, link.capture_id, proofs, quoted=link.capture_id in quoted
                )
            report_links.extend(_report_links(link, evidence[link.capture_id]))
        claims.append(
            ReportClaim(
                number=claim.number,
                text=claim.text,
                paragraph=claim.paragraph if claim.paragraph is not None else -1,
                kind=ClaimKind(claim.kind),
                section=claim.section,
                quotes=claim.quotes,
                speaker=claim.speaker,
                links=tuple(report_links),
            )
        )
    return ReportData(
        article_id=article.id,
        title=article.title,
        url=article.source_url,
        byline=article.byline,
        published_at=article.published_at,
        lang=article.lang,
        generated_at=utcnow(),
        tool_version=tool_version(),
        claims=tuple(claims),
        key=archive_key(archive),
        retracted_left_out=left_out,
    )


def article_capture_ids(archive: storage.Archive, article_id: str) -> list[str]:
    """The captures an article's evidence is made of, as ``postproof export --article`` puts
    them in its bundle: the article's own capture (when added from a URL), then every capture
    linked to its claims or captured from its references, in that order, once each."""
    book = archive.articles
    article = book.get(article_id)
    ids = [article.capture_id] if article.capture_id else []
    ids += [link.capture_id for link in book.links(article.id)]
    ids += [ref.capture_id for ref in book.references(article.id) if ref.capture_id]
    return list(dict.fromkeys(ids))


@dataclass(frozen=True)
class _Evidence:
    """What a report shows of one capture, read once however many claims cite it."""

    capture: storage.CaptureRecord
    state: PostStatus
    screenshot: bytes | None
    post_screenshot: bytes | None
    proof: LogProof | None
    signature: AuthorSignature | None
    logged_in: bool
    edits: tuple[PostEdit, ...]
    newest: storage.CaptureRecord | None  # of a post changed since: its newest good capture
    newest_texts: list[tuple[str, str]]  # where a quote is looked for again in it


def _evidence(
    archive: storage.Archive, capture_id: str, proofs: dict[str, LogProof], *, quoted: bool
) -> _Evidence:
    """``quoted``: a quote is looked for in this capture, so in its newest version too (which
    may mean reading that version's images)."""
    capture = archive.get_capture(capture_id)
    edits, changed = changes_since(archive, capture)
    newest = newest_good_capture(archive, capture) if changed else None
    return _Evidence(
        capture=capture,
        state=post_status(archive, capture),
        screenshot=_image_bytes(capture.artifact(ArtifactKind.SCREENSHOT)),
        post_screenshot=_image_bytes(capture.artifact(ArtifactKind.POST_SCREENSHOT)),
        proof=proofs.get(capture.id),
        signature=author_signature(capture),
        logged_in=captured_logged_in(capture),
        edits=edits,
        newest=newest,
        newest_texts=evidence_texts(archive, newest) if newest is not None and quoted else [],
    )


def _report_links(link: storage.LinkRecord, evidence: _Evidence) -> list[ReportLink]:
    capture, state = evidence.capture, evidence.state
    shot = capture.artifact(ArtifactKind.SCREENSHOT)
    post_shot = capture.artifact(ArtifactKind.POST_SCREENSHOT)
    checks = link.checks or (None,)
    rows = []
    for check in checks:
        match = None
        if check is not None:
            match = QuoteMatch(
                result=MatchResult(check.result),
                score=check.score,
                excerpt=check.excerpt,
                source=check.source,
            )
        quote = check.quote if check is not None else link.quote
        rows.append(
            ReportLink(
                capture_id=capture.id,
                url=capture.canonical_url,
                platform=capture.platform,
                post_id=capture.platform_post_id,
                author=capture.author,
                handle=capture.handle,
                posted_at=capture.posted_at,
                relation=Relation(link.relation),
                why=link.why,
                origin=link.origin,
                quote=quote,
                match=match,
                captured_at=capture.started_at,
                screenshot_sha256=shot.sha256 if shot else None,
                post_screenshot_sha256=post_shot.sha256 if post_shot else None,
                status=state.status,
                status_since=state.since,
                thumbnail_png=None,  # the post screenshot itself is shown
                post_text=capture.text,
                checked_at=state.checked_at,
                screenshot_png=evidence.screenshot,
                post_screenshot_png=evidence.post_screenshot,
                note=link.note,
                logged_in=evidence.logged_in,
                author_signature=evidence.signature,
                proof=evidence.proof,
                edits=evidence.edits,
                newest=_newest_version(evidence, quote),
                made_by=capture.made_by,
            )
        )
    return rows


def _newest_version(evidence: _Evidence, quote: str | None) -> NewestVersion | None:
    """The quote looked for again in the newest version of a post changed since."""
    newest = evidence.newest
    if newest is None:
        return None
    match = match_quote(quote, evidence.newest_texts) if quote else None
    return NewestVersion(newest.id, newest.started_at, match)


def _image_bytes(artifact: storage.ArtifactRecord | None) -> bytes | None:
    if artifact is None:
        return None
    try:
        return artifact.read_bytes()
    except OSError as exc:
        log.warning("the %s %s cannot be read: %s", artifact.kind, artifact.sha256, exc)
        return None


def write_report(
    archive: storage.Archive,
    article_id: str,
    fmt: str,
    output: Path,
    *,
    include_retracted: bool = False,
) -> ReportData:
    """Write the article's report to ``output`` as ``html``, ``md``, ``json`` or ``pdf`` (the
    HTML report printed by the capture browser). Links to retracted captures are left out
    (and counted) unless ``include_retracted``."""
    data = build_report(archive, article_id, include_retracted=include_retracted)
    content = report_bytes(data, fmt)
    try:
        output.parent.mkdir(parents=True, exist_ok=True)
        output.write_bytes(content)
    except OSError as exc:
        raise UsageError(f"Cannot write the report to {output}: {exc.strerror or exc}.") from exc
    return data


def report_bytes(data: ReportData, fmt: str) -> bytes:
    """The report of ``data`` as the bytes of a file: ``html``, ``md``, ``json`` or ``pdf``."""
    if fmt == "pdf":
        from archiver.printing import print_pdf

        return print_pdf(render_report(data, "html")).pdf
    return render_report(data, fmt).encode("utf-8")


# -- what the archive says of one capture ---------------------------------------------------------

CHANGE_EVENTS = ("edited", "media_changed")


def archive_key(archive: storage.Archive) -> ArchiveKey:
    """The installation's public key, with the SHA-256 of its DER form as a fingerprint."""
    key = archive.signing_key()
    body = "".join(line for line in key.public_key_pem().splitlines() if "-----" not in line)
    return ArchiveKey(key.verifier, hashlib.sha256(base64.b64decode(body)).hexdigest())


def log_proofs(
    archive: storage.Archive, capture_ids: Iterable[str], bundle_ids: Sequence[str]
) -> dict[str, LogProof]:
    """Each capture's place in the log; a timestamp is named by the file its token takes in the
    bundle that exporting ``bundle_ids`` (what ``postproof export --article`` exports) writes."""
    wanted = list(dict.fromkeys([*capture_ids, *bundle_ids]))
    places = archive.ledger.places(wanted)
    tokens = _bundle_tokens(archive, [c for c in bundle_ids if _sealed(places.get(c))])
    proofs = {}
    for capture_id, place in places.items():
        checkpoint = place.timestamped or place.checkpoint
        stamp = place.timestamps[0] if place.timestamps else None
        proofs[capture_id] = LogProof(
            index=place.index,
            key=place.key,
            checkpoint_size=None if checkpoint is None else checkpoint.size,
            checkpoint_root=None if checkpoint is None else checkpoint.root_hash.hex(),
            checkpoint_signed_at=None if checkpoint is None else checkpoint.created_at,
            timestamp=None
            if stamp is None
            else StampFact(
                tsa_url=stamp.tsa_url,
                time=stamp.gen_time,
                checkpoint_size=stamp.checkpoint_size,
                bundle_token=tokens.get(stamp.token),
                has_certificates=bool(stamp.tsa_certs),
            ),
        )
    return proofs


def _sealed(place: storage.LogPlace | None) -> bool:
    return place is not None and place.checkpoint is not None


def _bundle_tokens(archive: storage.Archive, sealed_ids: Sequence[str]) -> dict[bytes, str]:
    """Token bytes -> their path in the bundle, numbered as ``storage._export`` numbers them
    (in the order of ``Ledger.proofs``). Captures not yet sealed add no timestamp to it."""
    if not sealed_ids:
        return {}
    proofs = archive.ledger.proofs(sealed_ids)
    return {
        stamp.token: f"postproof/timestamp-{number}.tsr"
        for number, stamp in enumerate(proofs.timestamps, 1)
    }


def author_signature(capture: storage.CaptureRecord) -> AuthorSignature | None:
    """The offline check of the author's signed record kept with the capture, for platforms
    whose authors sign their posts; None for the others."""
    artifact = capture.artifact(ArtifactKind.ATPROTO_PROOF)
    if artifact is None:
        return None
    checked = _json_artifact(artifact)
    if checked is None:
        return AuthorSignature(
            verified=False, reason="the stored check cannot be read; run postproof verify"
        )
    return AuthorSignature(
        verified=checked.get("verified") is True,
        did=_text(checked.get("did")),
        record_cid=_text(checked.get("record_cid")),
        signing_key=_text(checked.get("signing_key")),
        reason=_text(checked.get("reason")),
    )


def changes_since(
    archive: storage.Archive, capture: storage.CaptureRecord
) -> tuple[tuple[PostEdit, ...], bool]:
    """The text edits re-checks found after this capture, oldest first, and whether the post
    changed at all since (its text or its images)."""
    later = [
        e for e in archive.watchlist.events(capture.post_id) if e.detected_at > capture.started_at
    ]
    edits = tuple(
        PostEdit(e.detected_at, e.before_capture_id, e.after_capture_id, _diff(e.details))
        for e in later
        if e.kind == "edited"
    )
    return edits, any(e.kind in CHANGE_EVENTS for e in later)


def newest_good_capture(
    archive: storage.Archive, capture: storage.CaptureRecord
) -> storage.CaptureRecord | None:
    """The newest capture of the same post that reached ``ok`` after this one, if any."""
    newer = [
        c
        for c in archive.history(capture.id)
        if c.status == Status.OK.value and c.started_at > capture.started_at
    ]
    return newer[-1] if newer else None


def _diff(details: dict[str, Any]) -> tuple[tuple[str, str], ...]:
    diff = details.get("diff")
    if not isinstance(diff, list):
        return ()
    return tuple(
        (op, words)
        for item in diff
        if isinstance(item, list | tuple) and len(item) == 2
        for op, words in [item]
        if isinstance(op, str) and isinstance(words, str)
    )


def _json_artifact(artifact: storage.ArtifactRecord) -> dict[str, Any] | None:
    try:
        value = json.loads(artifact.read_bytes())
    except (OSError, ValueError) as exc:
        log.warning("cannot read the %s artifact %s: %s", artifact.kind, artifact.sha256, exc)
        return None
    return value if isinstance(value, dict) else None


def _text(value: object) -> str | None:
    return value if isinstance(value, str) else None
