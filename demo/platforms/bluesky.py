"""Fake Bluesky (``bsky.app``): OpenGraph in the HTML, the post itself rendered client-side.

Like the real app, the page carries server-side OpenGraph tags for link previews, and its script
(``demo/site/bsky.js``) fetches ``/xrpc/app.bsky.feed.getPostThread`` after ``load`` to build the
thread. Deleted, taken-down and sign-in-only posts are all HTTP 200 pages with an error text.
"""

from __future__ import annotations

import base64
import hashlib
import re
from datetime import UTC
from html import escape
from typing import Any

from cryptography.hazmat.primitives.asymmetric import ec

from demo.messages import Request, Response, html, json_response
from demo.sites import (
    Content,
    Platform,
    Post,
    PostState,
    Route,
    asset,
    bluesky_did,
    iso_z,
    route,
)
from proof.atproto import build_record_car, did_document_for

# The app, the public AppView (handle resolution), the PLC directory (DID documents) and the PDS
# that hosts the fake accounts' repositories (signed records, as CAR files).
BLUESKY_HOSTS = ("bsky.app", "public.api.bsky.app", "plc.directory", "bsky.social")
PDS_ENDPOINT = "https://bsky.social"
POST_COLLECTION = "app.bsky.feed.post"
CORS = (("Access-Control-Allow-Origin", "*"),)
_AT_URI = re.compile(r"at://(?P<actor>[^/]+)/app\.bsky\.feed\.post/(?P<rkey>[a-z0-9]+)")
# The label real authors set to hide their posts from logged-out viewers.
NO_UNAUTHENTICATED = "!no-unauthenticated"


def at_uri(post: Post) -> str:
    return f"at://{bluesky_did(post.handle)}/app.bsky.feed.post/{post.post_id}"


def fake_cid(post: Post) -> str:
    digest = hashlib.sha256(f"{post.handle}/{post.post_id}/{post.text}".encode()).digest()
    return "bafyrei" + base64.b32encode(digest).decode().lower().rstrip("=")[:52]


class BlueskySite:
    hosts = BLUESKY_HOSTS

    def __init__(self, content: Content) -> None:
        self.content = content

    def routes(self) -> tuple[Route, ...]:
        return (
            route(r"/profile/(?P<handle>[^/]+)/post/(?P<rkey>[a-z0-9]+)/?", self.post_page),
            route(r"/xrpc/app\.bsky\.feed\.getPostThread", self.get_post_thread),
            route(r"/xrpc/com\.atproto\.identity\.resolveHandle", self.resolve_handle),
            route(r"/xrpc/com\.atproto\.sync\.getRecord", self.get_record),
            route(r"/(?P<did>did:plc:[a-z2-7]{24})", self.did_document),
        )

    # -- the AT Protocol side: identities and signed repositories ---------------------------

    def _handles(self) -> dict[str, str]:
        """DID -> handle, for every fake Bluesky account."""
        return {
            bluesky_did(p.handle): p.handle
            for p in self.content.posts.values()
            if p.platform is Platform.BLUESKY
        }

    def resolve_handle(self, request: Request) -> Response:
        handle = request.query.get("handle", "").lower()
        did = next((d for d, h in self._handles().items() if h == handle), None)
        if did is None:
            return json_response(
                {"error": "InvalidRequest", "message": "Unable to resolve handle"},
                400,
                headers=CORS,
            )
        return json_response({"did": did}, headers=CORS)

    def did_document(self, request: Request) -> Response:
        did = request.params["did"]
        handle = self._handles().get(did)
        if handle is None:
            return json_response({"message": f"DID not registered: {did}"}, 404, headers=CORS)
        key = signing_key(handle)
        document = did_document_for(did, key.public_key(), handle=handle, pds_endpoint=PDS_ENDPOINT)
        return json_response(document, content_type="application/did+ld+json", headers=CORS)

    def get_record(self, request: Request) -> Response:
        did = request.query.get("did", "")
        collection = request.query.get("collection", "")
        rkey = request.query.get("rkey", "")
        handle = self._handles().get(did)
        post = self._find(handle or "", rkey) if handle else None
        if post is None or not post.live or collection != POST_COLLECTION:
            return json_response(
                {"error": "RecordNotFound", "message": "Could not locate record"}, 400, headers=CORS
            )
        others = {
            f"{POST_COLLECTION}/{p.post_id}": _record(self.content, p)
            for p in self.content.posts.values()
            if p.platform is Platform.BLUESKY and p.handle == post.handle and p.live and p != post
        }
        car = build_record_car(
            _record(self.content, post),
            did,
            POST_COLLECTION,
            rkey,
            signing_key(post.handle),
            other_records=others,
            rev="3lf2aaaaaaa22",
        )
        return Response(200, car, "application/vnd.ipld.car", CORS)

    def _find(self, actor: str, rkey: str) -> Post | None:
        post = self.content.post(rkey, Platform.BLUESKY)
        if post is None or actor not in (post.handle, bluesky_did(post.handle)):
            return None
        return post

    def post_page(self, request: Request) -> Response:
        post = self._find(request.params["handle"], request.params["rkey"])
        head = ""
        if post is not None and post.live:
            # Sign-in-only, deleted and taken-down posts get no preview, as on the real app.
            head = (
                f'<meta property="og:site_name" content="Bluesky Social">'
                f'<meta property="og:type" content="article">'
                f'<meta property="og:title" content="{escape(post.author)} (@{post.handle})">'
                f'<meta property="og:description" content="{escape(post.text)}">'
                f'<meta property="og:url" content="https://bsky.app/profile/{post.handle}/post/'
                f'{post.post_id}">'
                f'<meta property="article:published_time" content="{iso_z(post.posted_at)}">'
                + "".join(
                    f'<meta property="og:image" content="{request.absolute(m.path)}">'
                    for m in post.media
                )
                + f'<meta name="twitter:card" content="summary_large_image">'
                f'<link rel="alternate" href="{at_uri(post)}">'
            )
        return html(_SHELL_HEAD + head + _SHELL_BODY)

    def get_post_thread(self, request: Request) -> Response:
        uri = request.query.get("uri", "")
        found = _AT_URI.fullmatch(uri)
        post = self._find(found.group("actor"), found.group("rkey")) if found else None
        if post is None or post.state.gone:
            return json_response({"error": "NotFound", "message": f"Post not found: {uri}"}, 400)
        if post.state is PostState.SUSPENDED:
            return json_response(
                {"error": "AccountTakedown", "message": "Account has been suspended"}, 400
            )
        thread: dict[str, Any] = {
            "$type": "app.bsky.feed.defs#threadViewPost",
            "post": self._post_view(request, post),
            "replies": [],
        }
        parent = self.content.post(post.reply_to, Platform.BLUESKY)
        if parent is not None:
            thread["parent"] = (
                {
                    "$type": "app.bsky.feed.defs#threadViewPost",
                    "post": self._post_view(request, parent),
                }
                if parent.live
                else {
                    "$type": "app.bsky.feed.defs#notFoundPost",
                    "uri": at_uri(parent),
                    "notFound": True,
                }
            )
        return json_response({"thread": thread})

    def _post_view(self, request: Request, post: Post) -> dict[str, Any]:
        record = _record(self.content, post)
        view: dict[str, Any] = {
            "uri": at_uri(post),
            "cid": fake_cid(post),
            "author": {
                "did": bluesky_did(post.handle),
                "handle": post.handle,
                "displayName": post.author,
                "labels": (
                    [{"val": NO_UNAUTHENTICATED}] if post.state is PostState.LOGIN_WALL else []
                ),
            },
            "record": record,
            "replyCount": post.replies,
            "repostCount": post.boosts,
            "likeCount": post.likes,
            "indexedAt": iso_z(post.posted_at.astimezone(UTC)),
        }
        if post.media:
            view["embed"] = {
                "$type": "app.bsky.embed.images#view",
                "images": [
                    {
                        "thumb": request.absolute(m.path),
                        "fullsize": request.absolute(m.path),
                        "alt": m.alt,
                    }
                    for m in post.media
                ],
            }
        return view


def _record(content: Content, post: Post) -> dict[str, Any]:
    """The post's ``app.bsky.feed.post`` record: what the AppView shows and the PDS signs."""
    record: dict[str, Any] = {
        "$type": "app.bsky.feed.post",
        "text": post.text,
        "createdAt": iso_z(post.posted_at),
        "langs": [post.lang],
    }
    parent = content.post(post.reply_to, Platform.BLUESKY)
    if parent is not None:
        ref = {"uri": at_uri(parent), "cid": fake_cid(parent)}
        record["reply"] = {"parent": ref, "root": ref}
    return record


def signing_key(handle: str) -> ec.EllipticCurvePrivateKey:
    """A fixed secp256k1 repository signing key per fake account (made-up, public knowledge)."""
    seed = int.from_bytes(hashlib.sha256(f"postproof demo atproto key {handle}".encode()).digest())
    return ec.derive_private_key(seed % (_SECP256K1_ORDER - 1) + 1, ec.SECP256K1())


_SECP256K1_ORDER = 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141

_SHELL_HEAD = (
    '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
    '<meta name="viewport" content="width=device-width, initial-scale=1, minimum-scale=1">'
    "<title>Bluesky</title>"
    '<meta name="description" content="Social media as it should be.">'
)
_SHELL_BODY = (
    f"<style>{asset('bsky.css')}</style></head><body>"
    '<div id="root"></div>'
    f"<script>{asset('bsky.js')}</script></body></html>"
)
