"""Capturing the fixture web with the real Chromium: every platform, every variant."""

from __future__ import annotations

import io
import json

import imagehash
import pytest
from PIL import Image

from archiver import ADAPTERS, ArtifactKind, Status
from archiver.platforms.mastodon import html_to_text
from tests.conftest import ALONE, FIXTURE_TIMEOUT, Batch
from tests.fixtureweb import EXPECTED, FIXTURE_URLS, TALL_PX

pytestmark = pytest.mark.browser


def _artifact_text(batch: Batch, name: str, kind: ArtifactKind) -> str:
    record = batch.record(name)
    artifact = record.artifact(kind)
    assert artifact is not None, f"{name} has no {kind} artifact"
    return artifact.path.read_text(encoding="utf-8")


@pytest.mark.parametrize("name", [n for n in EXPECTED if n not in ALONE])
def test_fixture_capture_matches_expectations(batch: Batch, name: str) -> None:
    expected = EXPECTED[name]
    record = batch.record(name)
    assert (record.status, record.platform) == (expected.status, expected.platform), record.reason
    assert record.http_status == expected.http_status
    if expected.final_url:
        assert record.final_url == expected.final_url
    for field in ("author", "handle", "posted_at", "text", "reply_to", "quote_of", "lang"):
        want = getattr(expected, field)
        if want is not None:
            assert getattr(record, field) == want, field
    if expected.status == "ok" and expected.platform != "generic":
        assert len(record.media) == expected.media
    if expected.contains:
        assert expected.contains in _artifact_text(batch, name, ArtifactKind.TEXT)
    if expected.status != "ok":
        assert record.reason, "a capture that is not ok must say why"
        assert record.text is None and record.author is None


@pytest.mark.parametrize(
    "case",
    [case for adapter in ADAPTERS for case in adapter.TESTS],
    ids=lambda case: case.url,
)
def test_adapter_declared_cases(batch: Batch, case) -> None:  # type: ignore[no-untyped-def]
    name = next(n for n, url in FIXTURE_URLS.items() if url == case.url)
    record = batch.record(name)
    assert record.status == case.status, record.reason
    for field in ("author", "handle"):
        if getattr(case, field) is not None:
            assert getattr(record, field) == getattr(case, field)
    if case.posted_at:
        assert record.posted_at is not None and record.posted_at.isoformat() == case.posted_at
    if case.text_contains:
        assert record.text is not None and case.text_contains in record.text
    if case.media_count is not None:
        assert len(record.media) == case.media_count
    if case.reply_to_contains:
        assert record.reply_to is not None and case.reply_to_contains in record.reply_to
    if case.quote_of_contains:
        assert record.quote_of is not None and case.quote_of_contains in record.quote_of
    if case.post_screenshot is not None:
        assert (record.artifact(ArtifactKind.POST_SCREENSHOT) is not None) is case.post_screenshot


def test_every_adapter_declares_test_cases() -> None:
    for adapter in ADAPTERS:
        assert adapter.TESTS, f"{adapter.__name__} declares no test cases"
        statuses = {case.status for case in adapter.TESTS}
        if adapter.NAME != "generic":
            assert {Status.OK, Status.NOT_FOUND, Status.LOGIN_WALL} <= statuses, adapter.NAME


OK_POSTS = [n for n, e in EXPECTED.items() if e.status == "ok" and e.platform != "generic"]


@pytest.mark.parametrize("name", OK_POSTS)
def test_ok_post_has_every_artifact(batch: Batch, name: str) -> None:
    record = batch.record(name)
    kinds = {a.kind for a in record.artifacts}
    required = {
        ArtifactKind.SCREENSHOT,
        ArtifactKind.POST_SCREENSHOT,
        ArtifactKind.HTML,
        ArtifactKind.TEXT,
        ArtifactKind.HEADERS,
        ArtifactKind.METADATA,
        ArtifactKind.POST,
        ArtifactKind.PROVENANCE,
    }
    assert required <= kinds
    for artifact in record.artifacts:
        assert artifact.path.stat().st_size == artifact.size
        is_image = artifact.media_type == "image/png"
        assert (artifact.phash is not None) is is_image
        assert (artifact.dhash is not None) is is_image
    post_shot = record.artifact(ArtifactKind.POST_SCREENSHOT)
    full_shot = record.artifact(ArtifactKind.SCREENSHOT)
    assert post_shot is not None and full_shot is not None
    with Image.open(post_shot.path) as element, Image.open(full_shot.path) as page:
        # The element screenshot is the post alone, not the page again.
        assert element.height < page.height or element.width < page.width


def test_mastodon_capture_keeps_the_activitypub_note(batch: Batch) -> None:
    note = json.loads(_artifact_text(batch, "mastodon_live", ArtifactKind.ACTIVITYPUB))
    assert note["type"] == "Note"
    # The post's text is read from the Note, the platform's own structured form of the post.
    assert html_to_text(note["content"]) == batch.record("mastodon_live").text


def test_failed_capture_keeps_what_was_seen(batch: Batch) -> None:
    for name in ("x_deleted", "mastodon_deleted", "bsky_login_wall", "odd_503"):
        record = batch.record(name)
        assert record.artifact(ArtifactKind.SCREENSHOT) is not None, name
        assert record.artifact(ArtifactKind.PROVENANCE) is not None, name
        assert record.artifact(ArtifactKind.POST) is None, name


def test_provenance_record(batch: Batch) -> None:
    record = batch.record("x_live")
    provenance = json.loads(_artifact_text(batch, "x_live", ArtifactKind.PROVENANCE))
    assert provenance["started_at"].endswith("Z") and provenance["finished_at"].endswith("Z")
    assert provenance["started_at"] < provenance["finished_at"]
    assert provenance["server_date"] and provenance["server_date"].endswith("GMT")
    assert provenance["browser"]["version"].split(".")[0].isdigit()
    assert "HeadlessChrome" not in provenance["user_agent"]
    assert provenance["viewport"] == {"width": 1280, "height": 900}
    assert provenance["server_ip"] == "127.0.0.1"
    assert provenance["insecure_tls_accepted"] is True
    assert provenance["tool"]["name"] == "postproof"
    assert provenance["status"] == "ok"
    page = {
        a.kind.value: a.sha256
        for a in record.artifacts
        # The WARC is written last and holds the provenance record, so it cannot be listed in it.
        if a.kind not in (ArtifactKind.PROVENANCE, ArtifactKind.MEDIA, ArtifactKind.WARC)
    }
    media = {a.source_url: a.sha256 for a in record.artifacts if a.kind == ArtifactKind.MEDIA}
    assert provenance["artifacts"] == page
    assert provenance["media"] == media and len(media) == 1
    assert record.started_at < record.finished_at


def test_redirect_chain_is_recorded(batch: Batch) -> None:
    headers = json.loads(_artifact_text(batch, "odd_redirect", ArtifactKind.HEADERS))
    hops = [(hop["url"], hop["status"]) for hop in headers["redirects"]]
    assert [status for _, status in hops] == [301, 302]
    assert hops[0][0] == FIXTURE_URLS["odd_redirect"]
    assert headers["final_url"] == EXPECTED["odd_redirect"].final_url
    assert any(h["name"].lower() == "date" for h in headers["headers"])


def test_metadata_reads_opengraph_and_json_ld(batch: Batch) -> None:
    metadata = json.loads(_artifact_text(batch, "news_article", ArtifactKind.METADATA))
    assert metadata["opengraph"]["title"]
    assert any(
        node.get("@type") == "NewsArticle" for node in metadata["jsonld"] if isinstance(node, dict)
    )
    assert metadata["oembed"], "the oEmbed discovery link is kept"


def test_dialogs_and_popups_are_dismissed(batch: Batch) -> None:
    provenance = json.loads(_artifact_text(batch, "odd_dialogs", ArtifactKind.PROVENANCE))
    notes = " ".join(provenance["notes"])
    assert "dismissed a JavaScript alert" in notes
    assert "dismissed a JavaScript confirm" in notes
    assert "closed a popup window" in notes


def test_tall_page_screenshot_is_capped(batch: Batch) -> None:
    shot = batch.record("odd_tall").artifact(ArtifactKind.SCREENSHOT)
    assert shot is not None
    with Image.open(shot.path) as image:
        assert image.height == 16_000 < TALL_PX
    provenance = json.loads(_artifact_text(batch, "odd_tall", ArtifactKind.PROVENANCE))
    assert any("screenshot keeps the top 16000 px" in note for note in provenance["notes"])


def test_hostile_pages_do_not_stall_the_batch(batch: Batch) -> None:
    # A spinning renderer is tested on its own (test_engine, the hostile batch).
    record = batch.record("odd_hang")
    assert record.status == Status.UNAVAILABLE
    assert "within" in (record.reason or ""), record.reason
    assert (record.finished_at - record.started_at).total_seconds() < FIXTURE_TIMEOUT + 25
    assert "did not deliver the page" in (record.reason or "")


def test_screenshots_of_the_same_post_are_perceptually_close(batch: Batch) -> None:
    def phash(name: str) -> imagehash.ImageHash:
        artifact = batch.record(name).artifact(ArtifactKind.POST_SCREENSHOT)
        assert artifact is not None
        with Image.open(io.BytesIO(artifact.path.read_bytes())) as image:
            return imagehash.phash(image.convert("RGB"))

    same = phash("x_live") - phash("x_live_twitter")
    different = phash("x_live") - phash("x_quote")
    assert same <= 4 < different
