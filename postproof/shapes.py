"""The JSON Schemas of the shapes ``postproof.views`` makes: one per record, named as the API's
OpenAPI document names them (``#/components/schemas/NAME``), each saying which view makes it.

Fields may be added, never renamed or removed (``views``' rule), so the published schemas allow
more properties than they list; ``tests/web`` validates the API's real answers against them with
no other property allowed, so a field added to a view without its schema here fails a test.
Objects from elsewhere that carry their own free-form data (a log check, a change's details, a
post's field sources) are described as objects and no deeper.
"""

from __future__ import annotations

from typing import Any

Schema = dict[str, Any]

STR: Schema = {"type": "string"}
INT: Schema = {"type": "integer"}
NUM: Schema = {"type": "number"}
BOOL: Schema = {"type": "boolean"}
TIME: Schema = {"type": "string", "format": "date-time", "description": "ISO 8601 UTC, with Z"}
OBJECT: Schema = {"type": "object"}


def null(schema: Schema) -> Schema:
    """``schema``, or ``null``."""
    return {"anyOf": [schema, {"type": "null"}]}


def arr(items: Schema) -> Schema:
    return {"type": "array", "items": items}


def ref(name: str) -> Schema:
    return {"$ref": f"#/components/schemas/{name}"}


def obj(description: str, fields: Schema, optional: Schema | None = None) -> Schema:
    """An object with every one of ``fields``, and ``optional`` ones when they apply."""
    return {
        "type": "object",
        "description": description,
        "properties": {**fields, **(optional or {})},
        "required": list(fields),
    }


_CAPTURE: Schema = {
    "id": STR,
    "url": STR,
    "canonical_url": STR,
    "final_url": null(STR),
    "platform": STR,
    "post_id": null(STR),
    "status": STR,
    "reason": null(STR),
    "http_status": null(INT),
    "started_at": TIME,
    "finished_at": null(TIME),
    "server_date": null(STR),
    "server_ip": null(STR),
    "insecure": BOOL,
    "made_by": {**null(STR), "description": "the web app's user who asked for it"},
    "retracted": null(ref("Retracted")),
    "post": ref("Post"),
}
_WITH_ARTIFACTS: Schema = {
    "artifacts": arr(ref("Artifact")),
    "author_signature": null(ref("AuthorSignature")),
}
_ARTICLE: Schema = {
    "id": STR,
    "title": null(STR),
    "byline": null(STR),
    "published_at": null(TIME),
    "lang": null(STR),
    "source_kind": STR,
    "source_url": null(STR),
    "source_name": null(STR),
    "source_sha256": STR,
    "capture_id": null(STR),
    "added_at": TIME,
    "claim_count": INT,
    "finished": BOOL,
    "retracted": null(ref("Retracted")),
}

SCHEMAS: dict[str, Schema] = {
    "Retracted": obj(
        "retraction_json: why and when a capture or an article was taken back, and by whom",
        {"reason": STR, "at": TIME, "made_by": null(STR)},
    ),
    "Media": obj(
        "an item of capture_json's post.media",
        {"url": STR, "kind": STR, "alt": null(STR)},
        {"poster": STR},
    ),
    "Post": obj(
        "capture_json's post: the post's fields, the source each came from, and what is "
        "missing or disagrees",
        {
            "author": null(STR),
            "handle": null(STR),
            "posted_at": null(TIME),
            "text": null(STR),
            "lang": null(STR),
            "media": arr(ref("Media")),
            "reply_to": null(STR),
            "quote_of": null(STR),
            "sources": OBJECT,
            "missing": arr(STR),
            "conflicts": arr(OBJECT),
        },
    ),
    "Artifact": obj(
        "artifact_json",
        {
            "kind": STR,
            "sha256": STR,
            "size": INT,
            "media_type": STR,
            "path": STR,
            "phash": null(STR),
            "dhash": null(STR),
            "source_url": null(STR),
        },
    ),
    "AuthorSignature": obj(
        "author_signature: the offline check of a post its author signed (Bluesky)",
        {"verified": BOOL},
        {
            key: null(STR)
            for key in ("did", "uri", "record_cid", "commit_cid", "rev", "signing_key", "reason")
        },
    ),
    "Capture": obj("capture_json (in lists, without artifacts)", _CAPTURE, _WITH_ARTIFACTS),
    "CaptureShown": obj(
        "capture_show_json: a capture as show --json gives it",
        _CAPTURE
        | _WITH_ARTIFACTS
        | {
            "notes": arr(STR),
            "watch": ref("PostWatch"),
            "claims": arr(ref("CaptureClaim")),
        },
    ),
    "PostWatch": obj(
        "watch_json: where a capture's post stands in the watch list",
        {
            "watched": BOOL,
            "post_url": STR,
            "last_captured_at": TIME,
            "last_status": STR,
            "next_check_at": null(TIME),
            "events": INT,
            "latest_event": null(ref("Event")),
        },
    ),
    "Event": obj(
        "event_json: a change a re-check found (the webhook's shape too)",
        {
            "kind": STR,
            "url": STR,
            "post_id": null(STR),
            "platform": STR,
            "when": TIME,
            "since": null(TIME),
            "before": null(STR),
            "after": STR,
            "confirmations": INT,
            "summary": STR,
            "details": null(OBJECT),
        },
    ),
    "CaptureClaim": obj(
        "capture_claims_json: a claim the capture is evidence for",
        {
            "article": STR,
            "article_title": null(STR),
            "article_retracted": null(ref("Retracted")),
            "claim": STR,
            "number": INT,
            "text": STR,
            "relation": STR,
            "quote": null(STR),
            "note": null(STR),
            "checks": arr(ref("Check")),
        },
    ),
    "Check": obj(
        "check_json: a quote looked for in the evidence",
        {
            "quote": STR,
            "result": STR,
            "score": NUM,
            "excerpt": null(STR),
            "source": null(STR),
            "checked_at": TIME,
        },
    ),
    "Link": obj(
        "link_json: a claim linked to a capture",
        {
            "id": INT,
            "claim": STR,
            "capture_id": STR,
            "relation": STR,
            "origin": STR,
            "why": STR,
            "quote": null(STR),
            "note": null(STR),
            "created_at": TIME,
            "removed_at": null(TIME),
            "checks": arr(ref("Check")),
            "made_by": {**null(STR), "description": "the web app's user who linked"},
        },
    ),
    "Claim": obj(
        "claim_json",
        {
            "id": STR,
            "number": INT,
            "text": STR,
            "kind": STR,
            "paragraph": null(INT),
            "start": null(INT),
            "end": null(INT),
            "section": null(STR),
            "quotes": arr(STR),
            "speaker": null(STR),
            "speaker_cue": null(STR),
            "links": arr(ref("Link")),
        },
    ),
    "Reference": obj(
        "reference_json: a post or page the article cites",
        {
            "kind": STR,
            "url": STR,
            "platform": null(STR),
            "text": null(STR),
            "paragraph": null(INT),
            "claim": null(INT),
            "capture_id": null(STR),
        },
    ),
    "Article": obj(
        "article_json (in lists, without claims and references)",
        _ARTICLE,
        {"claims": arr(ref("Claim")), "references": arr(ref("Reference"))},
    ),
    "Suggestion": obj(
        "suggestion_json: a capture proposed as evidence for a claim",
        {"claim": STR, "capture_id": STR, "score": NUM, "reasons": arr(STR)},
    ),
    "Rejected": obj(
        "rejected_json: a suggestion rejected",
        {"claim": STR, "capture_id": STR, "rejected_by": null(STR), "rejected_at": TIME},
    ),
    "SearchHit": obj(
        "search_hit_json: the matched words of the snippet in [brackets]",
        {
            "kind": {"enum": ["capture", "article", "claim"]},
            "ref": STR,
            "platform": null(STR),
            "status": null(STR),
            "at": null(STR),
            "snippet": STR,
        },
    ),
    "Pending": obj(
        "a change of a watched post awaiting its confirming checks",
        {"kind": STR, "seen": INT, "needed": INT, "since": TIME, "captures": arr(STR)},
    ),
    "Watched": obj(
        "watched_json: a watched post and its checks",
        {
            "post_id": null(STR),
            "url": STR,
            "platform": STR,
            "last_checked_at": null(TIME),
            "next_check_at": null(TIME),
            "check_interval_s": null(INT),
            "pending": arr(ref("Pending")),
            "status": null(STR),
        },
    ),
    "User": obj(
        "user_json: never a secret",
        {
            "name": STR,
            "role": {"enum": ["viewer", "editor", "admin"]},
            "created_at": TIME,
            "tokens": INT,
        },
    ),
    "Job": obj(
        "a job of the web app: capturing URLs, adding an article",
        {
            "id": STR,
            "kind": {"enum": ["capture", "article"]},
            "asked": arr(STR),
            "user": STR,
            "created_at": TIME,
            "state": {"enum": ["queued", "running", "done", "failed"]},
            "error": null(STR),
            "captures": arr(STR),
            "result_url": null(STR),
        },
    ),
    "ImageMatch": obj(
        "a stored image like the one searched for (distances in bits)",
        {
            "sha256": STR,
            "capture_id": STR,
            "kind": STR,
            "source_url": null(STR),
            "media_type": STR,
            "canonical_url": STR,
            "platform": STR,
            "captured_at": TIME,
            "phash_distance": INT,
            "dhash_distance": null(INT),
        },
    ),
    "SimilarQuery": obj(
        "similar_json: an image searched for, and its matches",
        {"image": STR, "phash": STR, "matches": arr(ref("ImageMatch"))},
    ),
    "Retraction": obj(
        "retraction_record_json: a retraction as retract made it",
        {
            "id": INT,
            "target": obj("what was retracted", {"kind": STR, "id": STR}),
            "reason": STR,
            "at": TIME,
            "log_index": null(INT),
            "made_by": null(STR),
        },
    ),
    "Problem": obj(
        "an integrity problem verify found",
        {
            "capture_id": null(STR),
            "kind": null(STR),
            "sha256": null(STR),
            "problem": STR,
            "detail": null(STR),
        },
    ),
    "Verify": obj(
        "verify_json: ok false, with every problem, when the check fails",
        {
            "ok": BOOL,
            "captures_checked": INT,
            "artifacts_checked": INT,
            "bytes_hashed": INT,
            "problems": arr(ref("Problem")),
            "log": OBJECT,
            "retracted": null(ref("Retracted")),
        },
        {"error": STR},
    ),
    "Diff": obj(
        "capture_diff_json: two captures of one post compared",
        {
            "ok": {"const": True},
            "before": STR,
            "after": STR,
            "text_diff": arr(
                {"type": "array", "prefixItems": [STR, STR], "minItems": 2, "maxItems": 2}
            ),
            "changes": arr(obj("a change", {"kind": STR, "summary": STR})),
        },
    ),
    "Error": obj(
        "the envelope of a failure: what happened, and what to do",
        {"ok": {"const": False}, "error": STR},
        {"hint": null(STR)},
    ),
}


def envelope(description: str, **fields: Schema) -> Schema:
    """The envelope of a success, ``{"ok": true, ...fields}``."""
    return obj(description, {"ok": {"const": True}, **fields})
