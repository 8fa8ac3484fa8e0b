"""Bluesky (bsky.app). The web app renders posts client-side from the AppView's JSON.

Beyond the page, the post is fetched as its author's repository serves it: the handle is
resolved to a DID, the DID document read from the PLC directory (or ``did:web``), and the record
fetched from the author's PDS with ``com.atproto.sync.getRecord`` — a CAR holding the signed repo
commit, the Merkle search tree path and the record. All three are kept as artifacts and checked
offline (:func:`proof.atproto.verify_record_car`): when the record's CID is under a commit signed
by the key in the author's DID document, the post is *signed by its author*, evidence that does
not depend on our screenshot, and its fields are read from the signed record.

The post's fields are read first from the AppView's answers the web app received
(``app.bsky.feed.getPostThread``, ``app.bsky.unspecced.getPostThreadV2``, ``app.bsky.feed.getPosts``,
``com.atproto.repo.getRecord``): the post view whose ``uri`` is the URL's post (its rkey, and its
author's DID or handle), never a parent or a reply of the thread. Then from the summary and the
og: tags the server puts in the page, then from the rendered thread item of the post."""

from __future__ import annotations

import base64
import binascii
import json
import re
from collections.abc import Iterator, Mapping
from dataclasses import replace
from html import unescape
from typing import Any, ClassVar
from urllib.parse import parse_qs, urlsplit

from archiver.models import Artifact, ArtifactKind, PostFields, Status
from archiver.platforms._bluesky_views import (
    at_uri,
    author_of,
    handles_of,
    post_views,
    record_fields,
    thread_items,
    view_fields,
)
from archiver.platforms._bluesky_views import web_url as web_url
from archiver.platforms._page import ServedPage, html_text
from archiver.platforms._structured import dig
from archiver.platforms.base import (
    Adapter,
    AdapterCase,
    Phrases,
    PostRef,
    UrlCase,
    about_post,
    parse_time,
)

APPVIEW = "https://public.api.bsky.app"
PLC_DIRECTORY = "https://plc.directory"
POST_COLLECTION = "app.bsky.feed.post"
MAX_RECORD_BYTES = 2_000_000


class BlueskyAdapter(Adapter):
    NAME = "bluesky"
    LABEL = "Bluesky"
    PATTERNS = (
        re.compile(
            r"^https?://(?:www\.)?(?:bsky\.app|main\.bsky\.dev)/profile/(?P<actor>[A-Za-z0-9._:%-]{3,253})"
            r"/post/(?P<rkey>[A-Za-z0-9._:~-]{1,512})/?(?:[?#].*)?$",
            re.IGNORECASE,
        ),
    )
    READY_SELECTOR = '[data-testid^="postThreadItem-by-"], [data-testid="postThreadScreen"] h2'
    PHRASES = Phrases(
        not_found=("post not found", "the post may have been deleted"),
        suspended=("account taken down", "this account has been suspended"),
        login_wall=("sign-in required", "visible only to people who are signed in"),
        login_url_parts=("/login",),
    )
    # The post's item is the one that links to the post (its timestamp, its "liked by" page) as
    # its own; else the thread's focused item, which the app draws with its full time and no
    # link to itself. Never a guess: with no such item (or several) the result says so with
    # ``found: false``, and the record is still fetched from the author's repository.
    EXTRACT_JS = r"""
    async (ctx) => {
      const PREFIX = 'postThreadItem-by-';
      const actor = String(ctx.actor || '').toLowerCase();
      const items = [...document.querySelectorAll('[data-testid^="postThreadItem-by-"]')];
      const handleOf = (item) => (item.getAttribute('data-testid') || '').slice(PREFIX.length).toLowerCase();
      const postLinks = (item) => [...item.querySelectorAll('a[href*="/post/"]')].map((a) => {
        let path = '';
        try { path = new URL(a.getAttribute('href'), location.href).pathname; } catch (e) { return null; }
        const m = path.match(/^\/profile\/([^/]+)\/post\/([^/]+)(\/.*)?$/);
        if (!m) return null;
        let who = m[1];
        try { who = decodeURIComponent(who); } catch (e) { /* kept as written */ }
        return {actor: who.toLowerCase(), rkey: m[2], rest: m[3] || '', href: a.getAttribute('href')};
      }).filter(Boolean);
      const byItsAuthor = (item, link) => link.actor === handleOf(item) || link.actor === actor;
      const linksToPost = (item) => postLinks(item).some((l) => l.rkey === ctx.rkey && byItsAuthor(item, l));
      const selfLink = (item) => postLinks(item).find((l) => !l.rest && l.actor === handleOf(item)) || null;
      const candidates = items.filter(linksToPost);
      let chosen = candidates.length === 1 ? candidates : [];
      if (!chosen.length) {
        chosen = (candidates.length ? candidates : items).filter((item) =>
          (actor.startsWith('did:') || handleOf(item) === actor) && !selfLink(item));
      }
      const atproto = await fetchRecord(ctx);
      if (chosen.length !== 1) {
        const why = items.length ? `none of the ${items.length} thread items is clearly the post` : 'the page shows no thread item';
        return {found: false, why: why, atproto: atproto};
      }
      const main = chosen[0];
      const index = items.indexOf(main);
      main.setAttribute('data-postproof-post', '1');
      const q = (sel) => main.querySelector(sel);
      const textEl = q('[data-testid="postText"]');
      const stamp = q('[data-testid="postTimestamp"]');
      const published = document.querySelector('meta[property="article:published_time"]');
      const media = [...main.querySelectorAll('[data-testid="postEmbed"] img, [data-testid="postEmbed"] video')]
        .map((m) => ({url: abs(m.getAttribute('src')), kind: m.tagName === 'VIDEO' ? 'video' : 'image', alt: m.getAttribute('alt')}));
      let replyTo = main.getAttribute('data-reply-to');
      if (!replyTo && index > 0) {
        const parent = selfLink(items[index - 1]);
        replyTo = parent ? abs(parent.href) : null;
      }
      const quote = main.querySelector('[data-testid="quotePost"] a[href*="/post/"]');
      const handle = (q('[data-testid="postAuthorHandle"]') || {}).innerText || (handleOf(main) ? '@' + handleOf(main) : null);
      return {
        found: true,
        author: (q('[data-testid="postAuthorName"]') || {}).innerText || null,
        handle: handle,
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
      const isDid = (value) => typeof value === 'string' && value.startsWith('did:');
      try {
        const actor = typeof ctx.actor === 'string' ? ctx.actor : '';
        let did = isDid(actor) ? actor : null;
        if (!did) {
          if (!actor) return {...out, error: 'the URL names no author'};
          const r = await get(`${ctx.appview}/xrpc/com.atproto.identity.resolveHandle?handle=${encodeURIComponent(actor)}`);
          if (!r.ok) return {...out, error: `the handle could not be resolved (HTTP ${r.status})`};
          const answer = await r.json().catch(() => null);
          did = answer ? answer.did : null;
          if (!isDid(did)) return {...out, error: 'the handle resolution answered no DID'};
        }
        out.did = did;
        const docUrl = did.startsWith('did:plc:') ? `${ctx.plc}/${did}` :
          did.startsWith('did:web:') ? `https://${did.slice(8)}/.well-known/did.json` : null;
        if (!docUrl) return {...out, error: `unsupported DID method: ${did}`};
        const d = await get(docUrl);
        out.did_document = await d.text();
        if (!d.ok || out.did_document.length > ctx.maxBytes) return {...out, error: `the DID document could not be read (HTTP ${d.status})`};
        const doc = JSON.parse(out.did_document);
        const pds = (Array.isArray(doc.service) ? doc.service : []).find((s) => s.id === '#atproto_pds' || s.id === `${did}#atproto_pds`);
        if (!pds || typeof pds.serviceEndpoint !== 'string') return {...out, error: 'the DID document names no PDS'};
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
    URL_CASES: ClassVar[tuple[UrlCase, ...]] = (
        UrlCase(
            "http://bsky.app/profile/Jane.bsky.social/post/3kabcxyz",
            post_id="jane.bsky.social/3kabcxyz",
            canonical="https://bsky.app/profile/jane.bsky.social/post/3kabcxyz",
        ),
    )
    FIXTURES = (
        "bsky_live",
        "bsky_reply",
        "bsky_deleted",
        "bsky_deleted_200",
        "bsky_suspended",
        "bsky_login_wall",
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
        if raw is None:
            return None
        self._check_record(raw.get("atproto"))
        if raw.get("found") is False:  # no item of the rendered thread is the post
            return None
        post = super().fields(raw, ref)
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

    # -- the post as the AppView and the page's server gave it ---------------------------------

    def structured(self, page: ServedPage, ref: PostRef) -> Iterator[tuple[str, Mapping[str, Any]]]:
        actor, rkey = _actor_rkey(ref)
        if not rkey:
            return
        views: list[Mapping[str, Any]] = []
        records: list[Mapping[str, Any]] = []
        handles: dict[str, str] = {}
        for served, answer in page.json_answers(XRPC):
            if _method(served.url) == "com.atproto.repo.getRecord":
                if _is_the_record(answer, served.url, actor, rkey):
                    records.append(answer)
                continue
            for view in post_views(answer):
                handles.update(handles_of(view))
                if _is_the_post(view, actor, rkey) and not _sign_in_only(view):
                    views.append(view)
        for view in views:
            yield "bluesky appview", view_fields(view, handles, page)
        for answer in records:
            did = at_uri(answer.get("uri"))[0]
            yield "bluesky record", record_fields(answer.get("value"), did, handles)

    def verdict(self, page: ServedPage, ref: PostRef) -> tuple[Status, str] | None:
        """What the AppView said in place of the post: not found, taken down, blocked, or shown
        to signed-in people only (the author's ``!no-unauthenticated`` label, which the app
        honours by showing a sign-in wall: so does the capture). None as soon as an answer
        holds the post itself for anyone to see: it outweighs the page."""
        actor, rkey = _actor_rkey(ref)
        if not rkey or next(self.structured(page, ref), None) is not None:
            return None
        for served, answer in page.json_answers(XRPC):
            method = _method(served.url)
            if method == "com.atproto.repo.getRecord" or not isinstance(answer, Mapping):
                continue
            for view in post_views(answer):
                if _is_the_post(view, actor, rkey) and _sign_in_only(view):
                    return Status.LOGIN_WALL, (
                        "the author shows their posts to signed-in people only "
                        "(label !no-unauthenticated)"
                    )
            for item in thread_items(answer):
                if _names(item.get("uri"), actor, rkey, loose=True):
                    kind = str(item.get("$type") or "").rpartition("#")[2]
                    if kind in _GONE_ITEMS:
                        return _GONE_ITEMS[kind]
            asked = parse_qs(urlsplit(served.url).query).get("uri", ())
            error = answer.get("error")
            if error in _ERRORS and any(_names(u, actor, rkey, loose=True) for u in asked):
                status, said = _ERRORS[str(error)]
                message = " ".join(str(answer.get("message") or "").split())[:200]
                return status, f"{said} (the AppView answered {error}: “{message}”)"
        return None

    def metadata(
        self, page: ServedPage, ref: PostRef
    ) -> Iterator[tuple[str, Mapping[str, Any], bool]]:
        """The server-rendered parts of a post page: the ``<noscript>`` summary (author, handle
        and the whole text) and og:title "Name (@handle)"; then the common metadata."""
        actor, _ = _actor_rkey(ref)
        if about_post(page, ref):
            summary = _summary(page.html)
            if summary and actor in (summary.get("did"), (summary.get("handle") or "").lower()):
                handle = summary.get("handle")
                yield (
                    "bluesky page summary",
                    {
                        "author": summary.get("display_name"),
                        "handle": f"@{handle}" if handle else None,
                        "text": summary.get("post_text"),
                    },
                    False,
                )
            found = _OG_TITLE.fullmatch(page.meta_first("og:title") or "")
            if found:
                author = {"author": found.group("name"), "handle": "@" + found.group("handle")}
                yield "og:title", author, False
        for source, values, partial in super().metadata(page, ref):
            # bsky.app's server writes the JSON-LD text HTML-escaped a second time ("&#39;").
            if source == "json-ld" and isinstance(values.get("text"), str):
                values = {**values, "text": unescape(values["text"])}
            yield source, values, partial

    def read(
        self, page: ServedPage | None, ref: PostRef, raw: Mapping[str, Any] | None
    ) -> tuple[PostFields | None, list[str]]:
        post, notes = super().read(page, ref, raw)
        if post is not None and (raw or {}).get("found") is False:
            why = str((raw or {}).get("why") or "its element was not identified")
            notes.append(
                f"the post was read from the data the page received, but {why}: "
                "no screenshot of the post alone"
            )
        return post, notes

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


XRPC = re.compile(
    r"/xrpc/(?:app\.bsky\.feed\.getPostThread|app\.bsky\.unspecced\.getPostThreadV2"
    r"|app\.bsky\.feed\.getPosts|com\.atproto\.repo\.getRecord)(?:[?#]|$)"
)
_OG_TITLE = re.compile(r"(?P<name>.+) \(@(?P<handle>[A-Za-z0-9.-]+\.[A-Za-z0-9-]+)\)")
_SUMMARY = re.compile(
    r'<p id="bsky_(?P<key>display_name|handle|did|post_text)">(?P<value>.*?)</p>', re.DOTALL
)
_NO_UNAUTHENTICATED = "!no-unauthenticated"
_GONE_ITEMS = {
    "notFoundPost": (Status.NOT_FOUND, "the AppView answers that the post was not found"),
    "blockedPost": (Status.UNAVAILABLE, "the AppView withholds the post (a block)"),
    "threadItemNotFound": (Status.NOT_FOUND, "the AppView answers that the post was not found"),
    "threadItemBlocked": (Status.UNAVAILABLE, "the AppView withholds the post (a block)"),
    "threadItemNoUnauthenticated": (
        Status.LOGIN_WALL,
        "the author shows their posts to signed-in people only",
    ),
}
_ERRORS = {
    "NotFound": (Status.NOT_FOUND, "the post was not found"),
    "AccountTakedown": (Status.SUSPENDED, "the author's account was taken down"),
    "AccountDeactivated": (Status.NOT_FOUND, "the author's account is deactivated"),
    "BlockedActor": (Status.UNAVAILABLE, "the author's account is blocked"),
    "BlockedByActor": (Status.UNAVAILABLE, "the author blocks the viewer"),
}


def _actor_rkey(ref: PostRef) -> tuple[str, str]:
    actor, _, rkey = (ref.post_id or "").rpartition("/")
    return actor.lower(), rkey


def _method(url: str) -> str:
    return urlsplit(url).path.rpartition("/xrpc/")[2]


def _names(uri: Any, actor: str, rkey: str, *, loose: bool = False) -> bool:
    """Whether an ``at://`` URI is the post's. ``loose``: a DID authority is accepted for a
    handle in the URL (the app asks the AppView for the DID it resolved the handle to)."""
    authority, found = at_uri(uri)
    if found != rkey or authority is None:
        return False
    if authority.lower() == actor:
        return True
    return loose and authority.startswith("did:") and not actor.startswith("did:")


def _is_the_post(view: Mapping[str, Any], actor: str, rkey: str) -> bool:
    authority, found = at_uri(view.get("uri"))
    if found != rkey or authority is None:
        return False
    author = author_of(view)
    names = {authority, str(author.get("did") or ""), str(author.get("handle") or "")}
    return actor in {n.lower() for n in names if n}


def _is_the_record(answer: Any, url: str, actor: str, rkey: str) -> bool:
    if not isinstance(answer, Mapping) or not isinstance(answer.get("value"), Mapping):
        return False
    authority, found = at_uri(answer.get("uri"))
    if found != rkey or authority is None:
        return False
    asked = [r.lower() for r in parse_qs(urlsplit(url).query).get("repo", ())]
    return actor == authority.lower() or actor in asked


def _sign_in_only(view: Mapping[str, Any]) -> bool:
    labels = [
        label
        for found in (view.get("labels"), dig(view, "author", "labels"))
        if isinstance(found, list)
        for label in found
    ]
    return any(isinstance(lab, Mapping) and lab.get("val") == _NO_UNAUTHENTICATED for lab in labels)


def _summary(html: str) -> dict[str, str]:
    """The ``<noscript>`` summary bsky.app's server writes into a post page."""
    found: dict[str, str] = {}
    for match in _SUMMARY.finditer(html):
        value = html_text(match.group("value"))
        if value:
            found.setdefault(match.group("key"), value)
    return found


def _b64(value: Any) -> bytes | None:
    if not isinstance(value, str) or not value:
        return None
    try:
        return base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        return None
