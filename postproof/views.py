"""Every record's JSON shape, in one place.

Scripts read these field names: a field may be added, never renamed or removed. Times are ISO
8601 UTC with a ``Z`` (``isoformat_z``); absent values are ``null``. Each shape's JSON Schema,
published in the API's OpenAPI document, is in ``postproof.shapes``: a field added here goes
there too (the web tests check every answer against them).
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import storage
    from archiver import ContextCapture
    from claims.models import Suggestion
    from postproof.images import SimilarImages
    from proof import InstallationKey
    from storage import UserRecord
    from watch import CronEntry, WatchedPost

JsonDict = dict[str, Any]


def _time(moment: Any) -> str | None:
    from archiver import isoformat_z

    return isoformat_z(moment)


def capture_json(record: storage.CaptureRecord, *, artifacts: bool = True) -> JsonDict:
    """A capture: what was asked, what answered, the post's fields with their sources, and
    (``artifacts``) every artifact with its hashes and the author's signature check."""
    data: JsonDict = {
        "id": record.id,
        "url": record.requested_url,
        "canonical_url": record.canonical_url,
        "final_url": record.final_url,
        "platform": record.platform,
        "post_id": record.platform_post_id,
        "status": record.status,
        "reason": record.reason,
        "http_status": record.http_status,
        "started_at": _time(record.started_at),
        "finished_at": _time(record.finished_at),
        "server_date": record.server_date,
        "server_ip": record.server_ip,
        "insecure": record.insecure,
        "made_by": record.made_by,
        "retracted": retraction_json(record.retracted),
        "post": {
            "author": record.author,
            "handle": record.handle,
            "posted_at": _time(record.posted_at),
            "text": record.text,
            "lang": record.lang,
            "media": [m.to_json() for m in record.media],
            "reply_to": record.reply_to,
            "quote_of": record.quote_of,
            "sources": dict(record.sources),
            "missing": list(record.missing),
            "conflicts": [dict(c) for c in record.conflicts],
        },
    }
    if artifacts:
        data["artifacts"] = [artifact_json(a) for a in record.artifacts]
        data["author_signature"] = author_signature(record)
    return data


def artifact_json(artifact: storage.ArtifactRecord) -> JsonDict:
    return {
        "kind": artifact.kind,
        "sha256": artifact.sha256,
        "size": artifact.size,
        "media_type": artifact.media_type,
        "path": artifact.location,
        "phash": artifact.phash,
        "dhash": artifact.dhash,
        "source_url": artifact.source_url,
    }


def author_signature(record: storage.CaptureRecord) -> JsonDict | None:
    """For platforms whose posts are signed by their authors (Bluesky): the offline check of the
    signed record kept with the capture."""
    from archiver import ArtifactKind

    artifact = record.artifact(ArtifactKind.ATPROTO_PROOF)
    if artifact is None:
        return None
    try:
        proof_json = json.loads(artifact.read_bytes())
    except (OSError, ValueError):
        return {"verified": False, "reason": "the stored check cannot be read; run verify"}
    keys = ("verified", "did", "uri", "record_cid", "commit_cid", "rev", "signing_key", "reason")
    return {key: proof_json.get(key) for key in keys}


def provenance_notes(record: storage.CaptureRecord) -> list[str]:
    """What the capture's provenance noted about the page and the run (dismissed dialogs, a
    logged-in session, refused connections, secrets removed…), as recorded."""
    from archiver import ArtifactKind

    artifact = record.artifact(ArtifactKind.PROVENANCE)
    if artifact is None:
        return []
    try:
        provenance = json.loads(artifact.read_bytes())
    except (OSError, ValueError):
        return ["the stored provenance cannot be read; run verify"]
    notes = provenance.get("notes") if isinstance(provenance, dict) else None
    return [str(note) for note in notes] if isinstance(notes, list) else []


def watch_json(post: storage.PostRecord, events: int, latest_event: JsonDict | None) -> JsonDict:
    """Where a capture's post stands in the watch list: watched or not, its last capture (a
    re-check is one), its next check, how many changes re-checks found and the newest one (as
    ``event_json`` shapes it)."""
    return {
        "watched": post.watched,
        "post_url": post.canonical_url,
        "last_captured_at": _time(post.last_captured_at),
        "last_status": post.last_status,
        "next_check_at": _time(post.next_check_at) if post.watched else None,
        "events": events,
        "latest_event": latest_event,
    }


def capture_claims_json(
    found: list[tuple[storage.ArticleRecord, storage.ClaimRecord, storage.LinkRecord]],
) -> list[JsonDict]:
    """The claims a capture is evidence for: the article, the claim and the link's relation."""
    return [
        {
            "article": article.id,
            "article_title": article.title,
            "article_retracted": retraction_json(article.retracted),
            "claim": claim.ref,
            "number": claim.number,
            "text": claim.text,
            "relation": link.relation,
            "quote": link.quote,
            "note": link.note,
            "checks": [check_json(c) for c in link.checks],
        }
        for article, claim, link in found
    ]


def context_json(context: ContextCapture, record: storage.CaptureRecord) -> JsonDict:
    """A post captured because another one of the run replies to or quotes it."""
    return {
        "relation": context.relation,
        "of": context.of_capture_id,
        "depth": context.depth,
        "capture": capture_json(record),
    }


def check_json(check: storage.QuoteCheckRecord) -> JsonDict:
    return {
        "quote": check.quote,
        "result": check.result,
        "score": round(check.score, 1),
        "excerpt": check.excerpt,
        "source": check.source,
        "checked_at": _time(check.checked_at),
    }


def link_json(link: storage.LinkRecord) -> JsonDict:
    return {
        "id": link.id,
        "claim": link.claim_ref,
        "capture_id": link.capture_id,
        "relation": link.relation,
        "origin": link.origin,
        "why": link.why,
        "quote": link.quote,
        "note": link.note,
        "created_at": _time(link.created_at),
        "removed_at": _time(link.removed_at),
        "checks": [check_json(c) for c in link.checks],
        "made_by": link.made_by,
    }


def claim_json(
    claim: storage.ClaimRecord, links: list[storage.LinkRecord] | None = None
) -> JsonDict:
    """A claim with its links among ``links`` (an article's links: only this claim's are kept)."""
    return {
        "id": claim.ref,
        "number": claim.number,
        "text": claim.text,
        "kind": claim.kind,
        "paragraph": claim.paragraph,
        "start": claim.start,
        "end": claim.end,
        "section": claim.section,
        "quotes": list(claim.quotes),
        "speaker": claim.speaker,
        "speaker_cue": claim.speaker_cue,
        "links": [link_json(x) for x in links or [] if x.claim_id == claim.id],
    }


def reference_json(ref: storage.ReferenceRecord) -> JsonDict:
    return {
        "kind": ref.kind,
        "url": ref.url,
        "platform": ref.platform,
        "text": ref.text,
        "paragraph": ref.paragraph,
        "claim": ref.claim_number,
        "capture_id": ref.capture_id,
    }


def article_json(
    article: storage.ArticleRecord,
    claims: list[storage.ClaimRecord] | None = None,
    links: list[storage.LinkRecord] | None = None,
    references: list[storage.ReferenceRecord] | None = None,
) -> JsonDict:
    """An article; with ``claims`` (and their ``links``) and ``references`` when given."""
    data: JsonDict = {
        "id": article.id,
        "title": article.title,
        "byline": article.byline,
        "published_at": _time(article.published_at),
        "lang": article.lang,
        "source_kind": article.source_kind,
        "source_url": article.source_url,
        "source_name": article.source_name,
        "source_sha256": article.source_sha256,
        "capture_id": article.capture_id,
        "added_at": _time(article.added_at),
        "claim_count": article.claim_count,
        "finished": article.finished_at is not None,
        "retracted": retraction_json(article.retracted),
    }
    if claims is not None:
        data["claims"] = [claim_json(c, links) for c in claims]
    if references is not None:
        data["references"] = [reference_json(r) for r in references]
    return data


def suggestion_json(claim: storage.ClaimRecord, suggestion: Suggestion) -> JsonDict:
    return {
        "claim": claim.ref,
        "capture_id": suggestion.capture_id,
        "score": round(suggestion.score, 3),
        "reasons": list(suggestion.reasons),
    }


def rejected_json(claim: storage.ClaimRecord, capture_id: str, by: str | None, at: Any) -> JsonDict:
    """A suggestion rejected: its post is not suggested for the claim again."""
    return {
        "claim": claim.ref,
        "capture_id": capture_id,
        "rejected_by": by,
        "rejected_at": _time(at),
    }


def similar_json(results: list[SimilarImages]) -> JsonDict:
    """``similar --json``: each image searched for, with its matches."""
    return {
        "queries": [
            {
                "image": r.query.label,
                "phash": r.query.phash,
                "matches": [m.to_json() for m in r.matches],
            }
            for r in results
        ]
    }


def post_json(post: storage.PostRecord) -> JsonDict:
    """A post as the watch list knows it."""
    return {
        "url": post.canonical_url,
        "platform": post.platform,
        "post_id": post.platform_post_id,
        "watched": post.watched,
        "next_check_at": _time(post.next_check_at),
    }


def cron_json(entry: CronEntry) -> JsonDict:
    return {
        "schedule": entry.schedule,
        "command": entry.command,
        "comment": entry.comment,
        "next_runs": [_time(t) for t in entry.next_runs],
    }


def key_json(key: InstallationKey) -> JsonDict:
    return {
        "name": key.name,
        "verifier": key.verifier,
        "public_key_pem": key.public_key_pem(),
        "path": str(key.path),
    }


def verify_json(report: storage.VerifyReport) -> JsonDict:
    """The envelope of ``verify``: figures, every problem, and the log's check."""
    problems = [p.to_json() for p in report.problems]
    return {
        "ok": report.ok,
        "captures_checked": report.captures_checked,
        "artifacts_checked": report.artifacts_checked,
        "bytes_hashed": report.bytes_hashed,
        "problems": problems,
        "log": report.ledger or {},
        "retracted": retraction_json(report.retracted),
        **({} if report.ok else {"error": f"{len(problems)} integrity problem(s) found"}),
    }


def ledger_summary(ledger: dict[str, Any]) -> str:
    """One sentence on the log's check, from the ``log`` object of ``verify --json``."""
    if not ledger:
        return ""
    retractions = ledger.get("retractions") or 0
    manifests = f"{ledger['log_size']} signed manifests" + (
        f" ({retractions} of them retractions)" if retractions else ""
    )
    text = (
        f"Log: {manifests}, {ledger['checkpoints']} checkpoints "
        f"(newest at size {ledger['checkpoint_size']}), {ledger['consistency_checked']} "
        f"consistency proofs, {ledger['signatures_checked']} signatures checked"
    )
    if ledger.get("unsealed_entries"):
        text += f"; {ledger['unsealed_entries']} entries not yet in a checkpoint"
    if ledger.get("timestamps_checked"):
        times = ledger.get("timestamp_times") or []
        text += f"; {ledger['timestamps_checked']} timestamps" + (
            f", newest {times[-1]} over size {ledger['timestamped_size']}" if times else ""
        )
    else:
        text += "; no trusted timestamp yet"
    return text + "."


def event_json(archive: storage.Archive, event: storage.EventRecord) -> JsonDict:
    """A change found by a re-check. Its shape is the webhook's too, so ``watch`` defines it."""
    from watch import event_json as watch_event_json

    return dict(watch_event_json(archive, event))


def retraction_json(retraction: storage.RetractionRecord | None) -> JsonDict | None:
    """The ``retracted`` field of a capture or an article: ``null``, or why and when it was
    taken back from the record, and by whom (``made_by``: the web app's admin, as signed;
    ``null`` from the command line)."""
    if retraction is None:
        return None
    return retraction.to_json() | {"made_by": retraction.made_by}


def retraction_record_json(retraction: storage.RetractionRecord) -> JsonDict:
    """A retraction as ``retract`` made it: its target, why, when, and its log entry."""
    return {
        "id": retraction.id,
        "target": {"kind": retraction.target_kind, "id": retraction.target_id},
        "reason": retraction.reason,
        "at": _time(retraction.retracted_at),
        "log_index": retraction.log_index,
        "made_by": retraction.made_by,
    }


def watched_json(watched: WatchedPost) -> JsonDict:
    """A watched post: its last check, when the next is due (``null``: at the next run), the
    back-off interval it is at, and the changes awaiting their confirming checks."""
    post = watched.post
    return {
        "post_id": post.platform_post_id,
        "url": post.canonical_url,
        "platform": post.platform,
        "last_checked_at": _time(watched.last_checked_at),
        "next_check_at": _time(post.next_check_at),
        "check_interval_s": post.check_interval_s,
        "pending": [p.to_json() for p in watched.pending],
        "status": watched.status,
    }


def user_json(user: UserRecord) -> JsonDict:
    """A user of the web app: name, role, when added, how many API tokens (never a secret)."""
    return user.to_json()


def capture_show_json(archive: storage.Archive, record: storage.CaptureRecord) -> JsonDict:
    """A capture as ``show --json`` and the web app give it: ``capture_json`` with the
    provenance's notes, where its post stands in the watch list and the claims it is evidence
    for."""
    return capture_json(record) | {
        "notes": provenance_notes(record),
        "watch": post_watch_json(archive, record),
        "claims": capture_claims_json(archive.articles.links_to_capture(record.id)),
    }


def post_watch_json(archive: storage.Archive, record: storage.CaptureRecord) -> JsonDict:
    """``watch_json`` of the post ``record`` is a capture of."""
    watchlist = archive.watchlist
    events = watchlist.events(record.post_id)
    latest = event_json(archive, events[-1]) if events else None
    return watch_json(watchlist.post(record.post_id), len(events), latest)


def search_hit_json(hit: storage.SearchHit) -> JsonDict:
    """A search result: its kind (capture, article or claim), its reference, the capture's
    platform and status, its time, and a snippet with the matched words in [brackets]."""
    return hit.to_json()


def capture_diff_json(before: storage.CaptureRecord, after: storage.CaptureRecord) -> JsonDict:
    """Two captures of one post compared (``diff --json`` without its image): the word diff of
    the post text as ``[op, words]`` (``equal``, ``delete``, ``insert``) and the changes a
    re-check would report. Captures that did not both reach ``ok`` show no change."""
    import watch
    from archiver import Status

    both_ok = before.status == Status.OK.value and after.status == Status.OK.value
    changes = watch.compare(watch.snapshot(before), watch.snapshot(after)) if both_ok else ()
    text_a, text_b = watch.normalize_text(before.text), watch.normalize_text(after.text)
    return {
        "ok": True,
        "before": before.id,
        "after": after.id,
        "text_diff": [[op, text] for op, text in watch.word_diff(text_a, text_b)],
        "changes": [{"kind": c.kind.value, "summary": c.summary} for c in changes],
    }
