"""The scrubber of a logged-in session's secret values."""

from __future__ import annotations

from datetime import UTC, datetime

from archiver._secrets import MARKER, Scrubber
from archiver._warc import Exchange
from archiver.models import Media, PostFields


def test_every_usual_encoding_of_a_value_is_replaced_and_counted() -> None:
    scrub = Scrubber.of(["tok%2Fen%3D%3Dabc"])  # URL-encoded, as cookie files hold them
    text = "a tok/en==abc b tok%2Fen%3D%3Dabc c tok%2Fen%3D%3Dabc"
    assert scrub.text(text) == f"a {MARKER} b {MARKER} c {MARKER}"
    assert scrub.replaced == 3
    assert scrub.data(b'{"s": "tok/en==abc"}') == f'{{"s": "{MARKER}"}}'.encode()
    assert scrub.text("&quot;x&lt;y&gt;&amp;1234&quot;") == "&quot;x&lt;y&gt;&amp;1234&quot;"
    html_value = Scrubber.of(['x<y>&"1234'])
    assert html_value.text("v=x&lt;y&gt;&amp;&quot;1234;") == f"v={MARKER};"


def test_flags_are_not_secrets() -> None:
    scrub = Scrubber.of(["1", "en", "true", "dark"])
    assert not scrub
    assert scrub.text("1 en true dark") == "1 en true dark"


def test_a_secret_holding_another_is_replaced_whole() -> None:
    scrub = Scrubber.of(["abcdefgh", "abcdefghijkl"])
    assert scrub.text("xx abcdefghijkl yy abcdefgh") == f"xx {MARKER} yy {MARKER}"


def test_records_are_scrubbed_through_and_through() -> None:
    scrub = Scrubber.of(["s3cret-value"])
    exchange = Exchange(
        url="https://a.example/?t=s3cret-value",
        method="GET",
        request_headers=(("X-Token", "s3cret-value"),),
        request_body=b"t=s3cret-value",
        status=200,
        status_text="OK",
        response_headers=(("X-Echo", "s3cret-value"),),
        body=b"<p>s3cret-value</p>",
        fetched_at=datetime(2026, 1, 1, tzinfo=UTC),
    )
    clean = scrub.value(exchange)
    assert "s3cret-value" not in repr(clean) and clean.fetched_at == exchange.fetched_at
    post = PostFields(
        platform="x",
        text="hello s3cret-value",
        media=(Media(url="https://a.example/i.png?k=s3cret-value"),),
        sources={"text": "dom"},
    )
    assert "s3cret-value" not in repr(scrub.value(post))
    assert scrub.value(post).sources == {"text": "dom"}
