"""What the batch kept from the platforms added after X, Mastodon and Bluesky: their structured
forms, the images of their posts, and the post element alone (no extra captures: the session's
batch is read)."""

from __future__ import annotations

import json

import pytest

from archiver import ArtifactKind
from tests.conftest import Batch
from tests.fixtureweb import EXPECTED
from tests.fixtureweb.platforms import PLATFORM_URLS

pytestmark = pytest.mark.browser

# The adapters that fetch a structured form of the post, and its media type.
STRUCTURED = {
    "reddit": "application/json",
    "telegram": "text/html",
    "instagram": "text/html",
    "youtube": "application/json",
    "tiktok": "application/json",
    "truthsocial": "application/json",
}
OK = [name for name in PLATFORM_URLS if EXPECTED[name].status == "ok"]


@pytest.mark.parametrize("name", OK)
def test_platform_post_keeps_its_images_and_structured_form(batch: Batch, name: str) -> None:
    record = batch.record(name)
    images = [m for m in record.media if m.kind == "image"]
    kept = {a.source_url for a in record.artifacts if a.kind == ArtifactKind.MEDIA}
    assert {m.url for m in images} <= kept, "every image of the post is kept as it was served"
    structured = record.artifact(ArtifactKind.STRUCTURED)
    expected_type = STRUCTURED.get(record.platform)
    comment = "/" in (record.platform_post_id or "") and record.platform in ("instagram", "youtube")
    if expected_type is None or comment:
        assert structured is None
        return
    assert structured is not None, f"{record.platform} keeps its structured form"
    assert structured.media_type == expected_type
    body = structured.path.read_text(encoding="utf-8")
    if expected_type == "application/json":
        json.loads(body)
    else:
        assert "tgme_widget_message" in body or "Embed" in body


def test_reddit_structured_form_is_the_thread_json(batch: Batch) -> None:
    record = batch.record("reddit_reply")
    artifact = record.artifact(ArtifactKind.STRUCTURED)
    assert artifact is not None
    listing = json.loads(artifact.path.read_text(encoding="utf-8"))
    post = listing[0]["data"]["children"][0]["data"]
    comment = listing[1]["data"]["children"][0]["data"]
    assert (post["id"], comment["id"]) == tuple((record.platform_post_id or "").split("/"))
