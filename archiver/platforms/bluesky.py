"""Bluesky (bsky.app). The web app renders posts client-side from the AppView's JSON.

Beyond the page, the post is fetched as its author's repository serves it: the handle is
resolved to a DID, the DID document read from the PLC directory (or ``did:web``), and the record
fetched from the author's PDS with ``com.atproto.sync.getRecord`` — a CAR holding the signed repo
commit, the Merkle search tree path and the record. All three are kept as artifacts and checked
offline (:func:`proof.atproto.verify_record_car`): when the record's CID is under a commit signed
by the key in the author's DID document, the post is *signed by its author*, evidence that does
not depend on our screenshot, and its fields are read from the signed record."""

from __future__ import annotations

import base64
import binascii
import json
import re
from collections.abc import Mapping
from dataclasses import replace
from typing import Any, ClassVar

from archiver.models import Artifact, ArtifactKind, PostFields, Status
from archiver.platforms.base import Adapter, AdapterCase, Phrases, PostRef, parse_time

APPVIEW = "https://public.api.bsky.app"
PLC_DIRECTORY = "https://plc.directory"
POST_COLLECTION = "app.bsky.feed.post"
MAX_RECORD_BYTES = 2_000_000


class BlueskyAdapter(Adapter):
    NAME = "bluesky"
    PATTERNS = (
        re.compile(
            r"^https?://(?:www\.)?(?:bsky\.app|main\.bsky\.dev)/profile/(?P<actor>[A-Za-z0-9._:%-]{3,253})"
            r"/post/(?P<rkey>[A-Za-z0-9._:~-]{1,512})/?(?:[?#].*)?$",
            re.IGNORECASE,
        ),
    )
    READY_SELECTOR = (
        '[data-testid^="postThreadItem-by-"] [data-testid="postText"], '
        '[data-testid^="postThreadItem-by-"] [data-testid="postTimestamp"], '
        '[data-testid="postThreadScreen"] h2'
    )
    PHRASES = Phrases(
        not_found=("post not found", "the post may have been deleted"),
        suspended=("account taken down", "this account has been suspended"),
        login_wall=("sign-in required", "visible only to people who are signed in"),
        login_url_parts=("/login",),
    )
    EXTRACT_JS = r"""
    async (ctx) => {
      const items = [...document.querySelectorAll('[data-testid^="postThreadItem-by-"]')];
      const rkeyOf = (item) => {
        const a = item.querySelector('a[data-testid="postTimestamp"]');
        const m = a && (a.getAttribute('href') || '').match(/\/post\/([^/?#]+)/);
        return m ? m[1] : null;
      };
      let index = items.findIndex((item) => rkeyOf(item) === ctx.rkey);
      if (index < 0 && items.length) index = items.length - 1;
      if (index < 0) return null;
      const main = items[index];
      main.setAttribute('data-postproof-post', '1');
      const q = (sel) => main.querySelector(sel);
      const textEl = q('[data-testid="postText"]');
      const stamp = q('[data-testid="postTimestamp"]');
      const published = document.querySelector('meta[property="article:published_time"]');
      const media = [...main.querySelectorAll('[data-testid="postEmbed"] img, [data-testid="postEmbed"] video')]
        .map((m) => ({url: abs(m.getAttribute('src')), kind: m.tagName === 'VIDEO' ? 'video' : 'image', alt: m.getAttribute('alt')}));
      let replyTo = main.getAttribute('data-reply-to');
      if (!replyTo && index > 0) {
        const parent = items[index - 1].querySelector('a[data-testid="postTimestamp"]');
        replyTo = parent ? abs(parent.getAttribute('href')) : null;
      }
      const quote = main.querySelector('[data-testid="quotePost"] a[href*="/post/"]');
      const atproto = await fetchRecord(ctx);
      return {
        author: (q('[data-testid="postAuthorName"]') || {}).innerText || null,
        handle: (q('[data-testid="postAuthorHandle"]') || {}).innerText || null,
        posted_at: (stamp && (stamp.getAttribute('title') || stamp.getAttribute('datetime'))) ||
          (published ? published.getAttribute('content') : null),
        text: textEl ? textEl.innerText : null,
        lang: textEl ? textEl.getAttribute('lang') : null,
        media: media.filter((m) => m.url),
        reply_to: replyTo,
        quote_of: quote ? abs(quote.getAttribute('href')) : null,
        atproto: atproto,
      };
    }
    """
    # The record as the author's repository serves it; every step may fail (no PDS, deleted
    # record, a CORS refusal): what was fetched is returned with the error.
    FETCH_RECORD_JS = r"""
    async function fetchRecord(ctx) {
      const out = {rkey: ctx.rkey, collection: ctx.collection};
      const get = async (url) => {
        const r = await fetch(url, {credentials: 'omit', headers: {Accept: '*/*'}});
        return r;
      };
      try {
        let did = ctx.actor.startsWith('did:') ? ctx.actor : null;
        if (!did) {
          const r = await get(`${ctx.appview}/xrpc/com.atproto.identity.resolveHandle?handle=${encodeURIComponent(ctx.actor)}`);
          if (!r.ok) return {...out, error: `the handle could not be resolved (HTTP ${r.status})`};
          did = (await r.json()).did;
        }
        out.did = did;
        const docUrl = did.startsWith('did:plc:') ? `${ctx.plc}/${did}` :
          did.startsWith('did:web:') ? `https://${did.slice(8)}/.well-known/did.json` : null;
        if (!docUrl) return {...out, error: `unsupported DID method: ${did}`};
        const d = await get(docUrl);
        out.did_document = await d.text();
        if (!d.ok || out.did_document.length > ctx.maxBytes) return {...out, error: `the DID document could not be read (HTTP ${d.status})`};
        const doc = JSON.parse(out.did_document);
        const pds = (doc.service || []).find((s) => s.id === '#atproto_pds' || s.id === `${did}#atproto_pds`);
        if (!pds) return {...out, error: 'the DID document names no PDS'};
        out.pds = pds.serviceEndpoint;
        const c = await get(`${out.pds}/xrpc/com.atproto.sync.getRecord?did=${encodeURIComponent(did)}&collection=${ctx.collection}&rkey=${encodeURIComponent(ctx.rkey)}`);
        out.car_status = c.status;
        if (!c.ok) return {...out, error: `the PDS did not serve the record (HTTP ${c.status})`};
        const bytes = new Uint8Array(await c.arrayBuffer());
        if (bytes.length > ctx.maxBytes) return {...out, error: 'the record is too large'};
        let binary = '';
        for (let i = 0; i < bytes.length; i += 8192) binary += String.fromCharCode(...bytes.subarray(i, i + 8192));
        out.car = btoa(binary);
        return out;
      } catch (e) {
        return {...out, error: String(e).slice(0, 300)};
      }
    }
    """

    def __init__(self) -> None:
        self._proof: dict[str, Any] | None = None
        self._artifacts: tuple[Artifact, ...] = ()

    @classmethod
    def script(cls) -> str:
        return (
            super().script().replace("(ctx) => {", "(ctx) => { " + cls.FETCH_RECORD_JS.strip(), 1)
        )

    TESTS: ClassVar[tuple[AdapterCase, ...]] = (
        AdapterCase(
            "https://bsky.app/profile/marc.bsky.social/post/3lf2abcdxyz2k",
            Status.OK,
            author="Marc Lefèvre",
            handle="@marc.bsky.social",
            posted_at="2025-01-17T14:20:00+00:00",
            text_contains="Premier jour sur Bluesky",
            media_count=1,
            post_screenshot=True,
        ),
        AdapterCase(
            "https://bsky.app/profile/nina.bsky.social/post/3lf2abcdxyz3m",
            Status.OK,
            handle="@nina.bsky.social",
            reply_to_contains="/profile/marc.bsky.social/post/3lf2abcdxyz2k",
        ),
        AdapterCase(
            "https://bsky.app/profile/ghost.bsky.social/post/3lf2abcdxyz4a", Status.NOT_FOUND
        ),
        AdapterCase(
            "https://bsky.app/profile/ghost.bsky.social/post/3lf2abcdxyz6c", Status.SUSPENDED
        ),
        AdapterCase(
            "https://bsky.app/profile/ghost.bsky.social/post/3lf2abcdxyz7d", Status.LOGIN_WALL
        ),
    )

    @classmethod
    def post_ref(cls, url: str) -> PostRef:
        found = cls.match(url)
        assert found is not None
        actor = found.group("actor").lower()
        rkey = found.group("rkey")
        return PostRef(cls.NAME, f"{actor}/{rkey}", f"https://bsky.app/profile/{actor}/post/{rkey}")

    def js_args(self, ref: PostRef, url: str) -> dict[str, Any]:
        actor, _, rkey = (ref.post_id or "/").rpartition("/")
        return {
            **super().js_args(ref, url),
            "rkey": rkey,
            "actor": actor,
            "collection": POST_COLLECTION,
            "appview": APPVIEW,
            "plc": PLC_DIRECTORY,
            "maxBytes": MAX_RECORD_BYTES,
        }

    def fields(self, raw: Mapping[str, Any] | None, ref: PostRef) -> PostFields | None:
        post = super().fields(raw, ref)
        if raw is None:
            return post
        self._check_record(raw.get("atproto"))
        proof = self._proof or {}
        record = proof.get("record") if proof.get("verified") else None
        if post is None or not isinstance(record, Mapping):
            return post
        # The signed record is the post as its author wrote it: prefer it to the rendered page.
        return replace(
            post,
            text=str(record.get("text")) if record.get("text") is not None else post.text,
            posted_at=parse_time(record.get("createdAt")) or post.posted_at,
            lang=(record.get("langs") or [post.lang])[0],
        )

    def extras(self, raw: Mapping[str, Any] | None) -> tuple[Artifact, ...]:
        return self._artifacts

    def _check_record(self, fetched: Any) -> None:
        """Keep what the author's repository served and check it offline."""
        if not isinstance(fetched, Mapping):
            return
        # Imported here: proof imports archiver.errors, so a module-level import would be a cycle.
        from proof.atproto import AtprotoError, verify_record_car

        artifacts: list[Artifact] = []
        car = _b64(fetched.get("car"))
        document = fetched.get("did_document")
        if car is not None:
            artifacts.append(
                Artifact.from_bytes(ArtifactKind.ATPROTO_RECORD, car, "application/vnd.ipld.car")
            )
        if isinstance(document, str) and document:
            artifacts.append(
                Artifact.from_bytes(
                    ArtifactKind.DID_DOCUMENT, document.encode("utf-8"), "application/did+json"
                )
            )
        proof: dict[str, Any] = {
            "verified": False,
            "did": fetched.get("did"),
            "pds": fetched.get("pds"),
            "collection": fetched.get("collection"),
            "rkey": fetched.get("rkey"),
            "reason": fetched.get("error"),
        }
        if car is not None and isinstance(document, str) and fetched.get("did"):
            try:
                result = verify_record_car(
                    car,
                    did=str(fetched["did"]),
                    collection=str(fetched.get("collection")),
                    rkey=str(fetched.get("rkey")),
                    did_document=document,
                )
            except AtprotoError as exc:
                proof["reason"] = exc.message
            else:
                proof |= {
                    "verified": result.verified,
                    "reason": result.reason,
                    "uri": result.uri,
                    "record_cid": result.record_cid,
                    "commit_cid": result.commit_cid,
                    "rev": result.rev,
                    "signing_key": result.signing_key,
                    "record": result.record,
                }
        elif car is None and proof["reason"] is None:
            proof["reason"] = "the record was not fetched"
        self._proof = proof
        data = json.dumps(proof, ensure_ascii=False, sort_keys=True, indent=2).encode("utf-8")
        artifacts.append(Artifact.from_bytes(ArtifactKind.ATPROTO_PROOF, data, "application/json"))
        self._artifacts = tuple(artifacts)


def _b64(value: Any) -> bytes | None:
    if not isinstance(value, str) or not value:
        return None
    try:
        return base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        return None
