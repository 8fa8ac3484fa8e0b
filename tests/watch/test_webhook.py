"""Webhook alerts, delivered to tiny HTTP servers on 127.0.0.1."""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import Any

import httpx
import pytest

from archiver.errors import UsageError
from watch._webhook import MAX_EVENT_BLOCKS, DeliveryResult, deliver, slack_payload

EDITED = {
    "kind": "edited",
    "url": "https://x.com/someone/status/123",
    "post_id": "123",
    "platform": "x",
    "detected_at": "2024-05-01T12:00:05Z",
    "before": "cap_before",
    "after": "cap_after",
    "summary": "text edited: 3 words changed",
}
DELETED = EDITED | {"kind": "deleted", "before": "cap_after", "after": "cap_gone"}


@dataclass
class Hook:
    url: str
    replies: list[tuple[int, dict[str, str]]]
    bodies: list[bytes] = field(default_factory=list)
    headers: list[dict[str, str]] = field(default_factory=list)


@contextmanager
def serve(*replies: tuple[int, dict[str, str]]) -> Iterator[Hook]:
    """A webhook answering with ``replies`` in turn; the last one repeats."""
    hook = Hook("", list(replies))

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            hook.bodies.append(self.rfile.read(int(self.headers["Content-Length"])))
            hook.headers.append(dict(self.headers))
            status, headers = hook.replies[min(len(hook.bodies), len(hook.replies)) - 1]
            body = b"ok" if status < 400 else b"invalid_payload"
            self.send_response(status)
            for name, value in headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: Any) -> None:  # quiet
            pass

    server = HTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    hook.url = f"http://127.0.0.1:{server.server_port}/services/T0/B0/secret"
    try:
        yield hook
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


@pytest.fixture
def client() -> Iterator[httpx.Client]:
    with httpx.Client(trust_env=False) as session:
        yield session


class Sleeps(list[float]):
    def __call__(self, seconds: float) -> None:
        self.append(seconds)


# delivery


def test_retries_a_server_error(client: httpx.Client) -> None:
    sleeps = Sleeps()
    with serve((500, {}), (200, {})) as hook:
        result = deliver(hook.url, [EDITED, DELETED], client=client, backoff=0.25, sleep=sleeps)
    assert result == DeliveryResult(ok=True, attempts=2, status_code=200, error=None)
    assert sleeps == [0.25]
    assert len(hook.bodies) == 2
    assert json.loads(hook.bodies[-1]) == slack_payload([EDITED, DELETED])
    assert hook.headers[-1]["Content-Type"] == "application/json"


def test_gives_up_after_attempts_with_exponential_backoff(client: httpx.Client) -> None:
    sleeps = Sleeps()
    with serve((500, {})) as hook:
        result = deliver(hook.url, [EDITED], client=client, attempts=3, backoff=0.5, sleep=sleeps)
    assert not result.ok
    assert (result.attempts, result.status_code) == (3, 500)
    assert result.error is not None and result.error.startswith("HTTP 500")
    assert "secret" not in result.error
    assert len(hook.bodies) == 3
    assert sleeps == [0.5, 1.0]  # none after the last attempt


def test_client_errors_are_not_retried(client: httpx.Client) -> None:
    sleeps = Sleeps()
    with serve((400, {})) as hook:
        result = deliver(hook.url, [EDITED], client=client, sleep=sleeps)
    assert (result.ok, result.attempts, result.status_code) == (False, 1, 400)
    assert result.error == "HTTP 400: invalid_payload"
    assert len(hook.bodies) == 1 and sleeps == []


def test_rate_limit_honours_retry_after(client: httpx.Client) -> None:
    sleeps = Sleeps()
    with serve((429, {"Retry-After": "2"}), (200, {})) as hook:
        result = deliver(hook.url, [EDITED], client=client, backoff=0.1, sleep=sleeps)
    assert (result.ok, result.attempts) == (True, 2)
    assert sleeps == [2.0]


def test_rate_limit_beyond_the_cap_waits_for_the_next_run(client: httpx.Client) -> None:
    sleeps = Sleeps()
    with serve((429, {"Retry-After": "3600"}), (200, {})) as hook:
        result = deliver(hook.url, [EDITED], client=client, retry_after_cap=30, sleep=sleeps)
    assert (result.ok, result.attempts, result.status_code) == (False, 1, 429)
    assert result.error is not None and "3600" in result.error
    assert sleeps == [] and len(hook.bodies) == 1


def test_timeout_is_honoured(client: httpx.Client) -> None:
    # A socket that listens and never answers: the connection opens, the reply never comes.
    with socket.create_server(("127.0.0.1", 0)) as silent:
        url = f"http://127.0.0.1:{silent.getsockname()[1]}/hook"
        started = time.monotonic()
        result = deliver(url, [EDITED], client=client, timeout=0.2, attempts=2, backoff=0.01)
        elapsed = time.monotonic() - started
    assert (result.ok, result.attempts, result.status_code) == (False, 2, None)
    assert result.error == "timed out after 0.2 s"
    assert elapsed < 3


def test_connection_refused_does_not_raise(client: httpx.Client) -> None:
    with socket.create_server(("127.0.0.1", 0)) as probe:
        port = probe.getsockname()[1]
    result = deliver(f"http://127.0.0.1:{port}/hook", [EDITED], client=client, backoff=0.01)
    assert (result.ok, result.attempts, result.status_code) == (False, 3, None)
    assert result.error is not None and result.error.startswith("could not connect")


def test_own_client_is_used_and_closed() -> None:
    with serve((200, {})) as hook:
        result = deliver(hook.url, [EDITED])
    assert result.ok and result.attempts == 1
    assert hook.headers[0]["User-Agent"] == "postproof-webhook"


@pytest.mark.parametrize(
    "url", ["hooks.slack.com/services/x", "ftp://example.org/hook", "http://", "not a url", ""]
)
def test_malformed_url_is_a_usage_error(url: str) -> None:
    with pytest.raises(UsageError) as caught:
        deliver(url, [EDITED])
    assert caught.value.hint is not None and "https://" in caught.value.hint


# the message


def test_payload_has_one_section_per_event() -> None:
    payload = slack_payload([EDITED, DELETED, EDITED])
    assert payload["text"] == "postproof: 3 changes detected (2 edited, 1 deleted)"
    assert [block["type"] for block in payload["blocks"]] == ["section"] * 3
    text = payload["blocks"][0]["text"]
    assert text["type"] == "mrkdwn"
    body = text["text"]
    assert body.startswith("*Edited*: x post 123")
    assert "<https://x.com/someone/status/123|https://x.com/someone/status/123>" in body
    assert "2024-05-01 12:00 UTC" in body
    assert "`cap_before`" in body and "`cap_after`" in body
    assert "text edited: 3 words changed" in body


def test_payload_escapes_slack_control_characters() -> None:
    hostile = EDITED | {
        "summary": "<script>alert(1)</script> & <!channel>",
        "url": "https://example.org/a?b=1&c=<2>|3",
        "platform": "<x>",
        "before": None,
        "after": "cap<1>",
    }
    body = slack_payload([hostile])["blocks"][0]["text"]["text"]
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; &lt;!channel&gt;" in body
    assert "<script>" not in body and "<!channel>" not in body
    assert "<https://example.org/a?b=1&amp;c=&lt;2&gt;%7C3|" in body
    assert "&lt;x&gt; post" in body and "`cap&lt;1&gt;`" in body
    assert "before" not in body  # a first capture has nothing before it


def test_payload_is_capped() -> None:
    payload = slack_payload([EDITED] * 100 + [DELETED | {"summary": "x" * 10_000}])
    blocks = payload["blocks"]
    assert len(blocks) == MAX_EVENT_BLOCKS
    assert blocks[-1]["text"]["text"] == "…and 62 more changes, not shown here."
    assert payload["text"] == "postproof: 101 changes detected (100 edited, 1 deleted)"
    long = slack_payload([DELETED | {"summary": "x" * 10_000}])["blocks"][0]["text"]["text"]
    assert len(long) <= 3000


def test_payload_tolerates_odd_times() -> None:
    body = slack_payload([EDITED | {"detected_at": "yesterday"}])["blocks"][0]["text"]["text"]
    assert "detected yesterday" in body
