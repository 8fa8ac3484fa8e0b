"""A Bluesky post is fetched as its author's repository serves it (a signed-repo CAR), and is
marked signed by its author only when that CAR verifies offline against the key of the author's
DID document; a forged record is caught."""

from __future__ import annotations

import asyncio
import json
from dataclasses import replace

import pytest

from archiver import ArtifactKind, CaptureOptions, CaptureResult, Status, parse_host_map
from archiver.capture import Capturer
from demo import Request, Response
from demo.platforms.bluesky import POST_COLLECTION, signing_key
from demo.sites import bluesky_did
from proof.atproto import build_record_car, verify_record_car
from tests.conftest import Batch
from tests.fixtureweb import B_LIVE, FIXTURE_URLS, build_fixture_web

pytestmark = pytest.mark.browser


def _artifact(result: CaptureResult, kind: ArtifactKind) -> bytes:
    return next(a.data for a in result.artifacts if a.kind == kind)


def test_a_live_post_is_signed_by_its_author(batch: Batch) -> None:
    _id, result = batch.results["bsky_live"]
    assert result.status is Status.OK
    proof = json.loads(_artifact(result, ArtifactKind.ATPROTO_PROOF))
    did = bluesky_did(B_LIVE.handle)
    assert proof["verified"] is True and proof["reason"] is None
    assert proof["did"] == did
    assert proof["uri"] == f"at://{did}/{POST_COLLECTION}/{B_LIVE.post_id}"
    assert proof["record"]["text"] == B_LIVE.text
    assert result.post is not None and result.post.text == B_LIVE.text
    # Anyone can redo the check from the two stored artifacts alone.
    again = verify_record_car(
        _artifact(result, ArtifactKind.ATPROTO_RECORD),
        did=did,
        collection=POST_COLLECTION,
        rkey=B_LIVE.post_id,
        did_document=_artifact(result, ArtifactKind.DID_DOCUMENT).decode(),
    )
    assert again.verified and again.record_cid == proof["record_cid"]
    tampered = bytearray(_artifact(result, ArtifactKind.ATPROTO_RECORD))
    tampered[-5] ^= 0x01
    broken = verify_record_car(
        bytes(tampered),
        did=did,
        collection=POST_COLLECTION,
        rkey=B_LIVE.post_id,
        did_document=_artifact(result, ArtifactKind.DID_DOCUMENT).decode(),
    )
    assert not broken.verified and broken.reason


def test_a_deleted_post_has_no_signature_claim(batch: Batch) -> None:
    _id, result = batch.results["bsky_deleted"]
    assert result.status is Status.NOT_FOUND
    assert not any(a.kind == ArtifactKind.ATPROTO_PROOF for a in result.artifacts)


def test_a_record_signed_by_another_key_is_not_the_author_s(options: CaptureOptions) -> None:
    """A PDS (or a man in the middle) serving a record the author never signed."""
    forger = signing_key("someone-else.example")
    did = bluesky_did(B_LIVE.handle)

    def forged(request: Request) -> Response:
        record = {
            "$type": POST_COLLECTION,
            "text": "Words the author never wrote.",
            "createdAt": "2025-01-17T14:20:00.000Z",
            "langs": ["fr"],
        }
        car = build_record_car(record, did, POST_COLLECTION, B_LIVE.post_id, forger)
        return Response(
            200, car, "application/vnd.ipld.car", (("Access-Control-Allow-Origin", "*"),)
        )

    web = build_fixture_web()
    web.add_route("bsky.social", r"/xrpc/com\.atproto\.sync\.getRecord", forged)
    web.start()
    try:
        opts = replace(options, host_map=parse_host_map(web.host_map()))

        async def run() -> CaptureResult:
            async with Capturer(opts) as capturer:
                return await capturer.capture(FIXTURE_URLS["bsky_live"])

        result = asyncio.run(run())
    finally:
        web.stop()
    proof = json.loads(_artifact(result, ArtifactKind.ATPROTO_PROOF))
    assert proof["verified"] is False
    assert "signature does not verify" in proof["reason"]
    assert result.post is not None and result.post.text == B_LIVE.text  # the page, not the forgery
