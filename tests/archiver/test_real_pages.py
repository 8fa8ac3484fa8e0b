"""Capture against the platforms' own saved answers (tests/realpages), served as they were served.

The corpus is captured once per mode in a real browser (see :mod:`tests.fixtureweb.real`): as
served, and with the page payloads' scripts refused by CSP. The harness is checked first, without
a browser: the sources are complete, every body extracts, and the fake web answers with exactly
the saved bytes. Then each capture's status, and every field of the ground truth, is checked.
"""

from __future__ import annotations

import io
import json
import re
import tomllib
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import pytest
from warcio.archiveiterator import ArchiveIterator

import storage
from archiver import ArtifactKind
from demo import FakeWeb
from tests.fixtureweb.real import (
    CORPUS_DIR,
    KINDS,
    LICENCES,
    SCRIPTLESS_FIELDS,
    STATUSES,
    Captured,
    CorpusRun,
    Payload,
    accuracy,
    build_real_web,
    capture_corpus,
    compare,
    load_corpus,
    load_payload,
    loader_page,
    plan_rounds,
    read_entries,
    source_files,
)

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.timeout(900)]

MIN_PAYLOADS = 40
MIN_REPOSITORIES = 3
MIN_ACCURACY = 0.95
REQUIRED = (
    *("file", "chars", "repository", "path", "commit", "licence"),
    *("kind", "served_at", "post_url", "status"),
)

ENTRIES = read_entries()
IDS = [f"{platform}/{entry.get('file')}" for platform, entry in ENTRIES]
PAGE_IDS = [i for i, (_, entry) in zip(IDS, ENTRIES, strict=True) if entry.get("kind") == "page"]
LOADED_IDS = [i for i, (_, entry) in zip(IDS, ENTRIES, strict=True) if entry.get("kind") != "page"]


# -- the corpus, without a browser --------------------------------------------------------------


@pytest.mark.parametrize("sources", source_files(), ids=lambda path: path.parent.name)
def test_sources_file_parses(sources: Path) -> None:
    with sources.open("rb") as handle:
        data = tomllib.load(handle)
    assert data.get("payload"), f"{sources} lists no [[payload]]"


@pytest.mark.parametrize(("platform", "entry"), ENTRIES, ids=IDS)
def test_payload_is_described(platform: str, entry: dict[str, object]) -> None:
    missing = [key for key in REQUIRED if key not in entry]
    assert not missing, f"missing keys: {missing}"
    path = CORPUS_DIR / platform / str(entry["file"])
    assert path.is_file(), f"{path} does not exist"
    assert entry["chars"] == len(path.read_bytes().decode("utf-8")), "chars is not the file's"
    assert entry["licence"] in LICENCES, f"licence {entry['licence']!r} is not on the allowlist"
    assert re.fullmatch(r"[0-9a-f]{40}", str(entry["commit"])), "commit is not 40 hex digits"
    assert re.fullmatch(r"[\w.-]+/[\w.-]+", str(entry["repository"])), "repository is owner/name"
    assert entry["kind"] in KINDS
    assert entry["status"] in STATUSES
    for key in ("post_url", "served_at"):
        assert urlsplit(str(entry[key])).scheme in ("http", "https"), f"{key} is not a URL"


@pytest.mark.parametrize(("platform", "entry"), ENTRIES, ids=IDS)
def test_payload_body_extracts(platform: str, entry: dict[str, object]) -> None:
    payload = load_payload(platform, entry)
    assert payload.body.strip(), "the extracted body is empty"
    if payload.kind == "page":
        assert b"<" in payload.body[:2000], "a page payload is HTML"
        assert payload.fetch_url is None
    else:
        json.loads(payload.body)  # every endpoint and app answer of the corpus is JSON
        assert payload.fetch_url is not None


def test_corpus_is_large_and_varied() -> None:
    repositories = {str(entry.get("repository")) for _, entry in ENTRIES}
    assert len(ENTRIES) >= MIN_PAYLOADS, f"{len(ENTRIES)} payloads, want {MIN_PAYLOADS}"
    assert len(repositories) >= MIN_REPOSITORIES, f"only from {sorted(repositories)}"


@pytest.fixture(scope="module")
def corpus() -> list[Payload]:
    return load_corpus()


def _ask(
    client: httpx.Client, web: FakeWeb, url: str, method: str = "GET", body: bytes | None = None
) -> httpx.Response:
    """``url`` as the browser would ask for it, sent to the fake web's port."""
    parts = urlsplit(url)
    query = f"?{parts.query}" if parts.query else ""
    target = f"{parts.scheme}://127.0.0.1:{web.port}{parts.path}{query}"
    return client.request(method, target, headers={"Host": parts.netloc}, content=body)


def test_real_web_serves_the_saved_bytes_and_nothing_else(corpus: list[Payload]) -> None:
    for members in plan_rounds(corpus):
        with build_real_web(members) as web, httpx.Client(verify=web.client_ssl_context()) as http:
            for payload in members:
                page = _ask(http, web, payload.post_url)
                assert page.status_code == 200, payload.id
                if payload.kind == "page":
                    assert page.content == payload.body, payload.id
                    continue
                assert page.content == loader_page(payload), payload.id
                assert payload.fetch_url is not None
                if urlsplit(payload.fetch_url).path == "/youtubei/v1/player":
                    asked = json.dumps({"videoId": payload.post_id}).encode()
                    answer = _ask(http, web, payload.fetch_url, "POST", asked)
                else:
                    answer = _ask(http, web, payload.fetch_url)
                assert (answer.status_code, answer.content) == (200, payload.body), payload.id
                assert answer.headers["access-control-allow-origin"] == "*"
                assert _ask(http, web, payload.fetch_url, "OPTIONS").status_code == 204
                assert _ask(http, web, payload.post_url + "-nothing-here").status_code == 404
        assert not web.errors


def test_loader_pages_hold_none_of_the_post(corpus: list[Payload]) -> None:
    for payload in corpus:
        if payload.kind == "page":
            continue
        page = loader_page(payload).decode()
        for value in (payload.truth.author, payload.truth.text, payload.truth.text_contains):
            if value and len(value) > 3:
                assert value not in page, f"{payload.id}: the loader page holds {value!r}"


# -- captures -----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def archive(tmp_path_factory: pytest.TempPathFactory) -> Iterator[storage.Archive]:
    opened = storage.open_archive(tmp_path_factory.mktemp("real-pages-home"))
    try:
        yield opened
    finally:
        opened.close()


@pytest.fixture(scope="module")
def served(corpus: list[Payload], archive: storage.Archive) -> CorpusRun:
    return capture_corpus(corpus, archive)


@pytest.fixture(scope="module")
def refused(corpus: list[Payload], archive: storage.Archive) -> CorpusRun:
    pages = [p for p in corpus if p.kind == "page"]
    return capture_corpus(pages, archive, scripts_refused=True)


def _capture(run: CorpusRun, payload_id: str) -> Captured:
    return next(c for c in run.captured if c.payload.id == payload_id)


@pytest.mark.parametrize("payload_id", LOADED_IDS)
def test_the_platform_answer_reaches_the_browser(served: CorpusRun, payload_id: str) -> None:
    """The loader's request happens, and the browser records the saved bytes as its answer: so
    what capture reads (or misses) is the platform's own response."""
    captured = _capture(served, payload_id)
    payload = captured.payload
    assert payload.fetch_url is not None
    warc = captured.result.artifact(ArtifactKind.WARC)
    assert warc is not None
    bodies = []
    for record in ArchiveIterator(io.BytesIO(warc.data)):
        if record.rec_type == "response" and _same(record.rec_headers["WARC-Target-URI"], payload):
            assert record.http_headers is not None
            bodies.append((record.http_headers.get_statuscode(), record.content_stream().read()))
    assert ("200", payload.body) in bodies, f"the browser did not record {payload.fetch_url}"


def _same(url: str, payload: Payload) -> bool:
    """Same scheme, host and path: the browser may write the query otherwise escaped."""
    assert payload.fetch_url is not None
    return urlsplit(url)[:3] == urlsplit(payload.fetch_url)[:3]


@pytest.mark.parametrize("payload_id", IDS)
def test_capture_status(served: CorpusRun, payload_id: str) -> None:
    captured = _capture(served, payload_id)
    expected, result = captured.payload.truth.status, captured.result
    assert str(result.status) == expected, f"{result.status}: {result.reason}"


def test_field_accuracy(served: CorpusRun) -> None:
    checks = [
        (c.payload.id, check) for c in served.captured for check in compare(c.payload, c.result)
    ]
    right, total = accuracy(check for _, check in checks)
    wrong = "\n".join(f"{pid}: {check.describe()}" for pid, check in checks if not check.right)
    assert right >= MIN_ACCURACY * total, (
        f"{right}/{total} fields right ({100 * right / total:.1f}%), "
        f"want {100 * MIN_ACCURACY:.0f}%:\n{wrong}"
    )


SOURCED_FIELDS = ("author", "handle", "posted_at", "text", "lang", "media", "reply_to", "quote_of")


@pytest.mark.parametrize("run_name", ["served", "refused"])
def test_every_field_read_names_its_source(run_name: str, request: pytest.FixtureRequest) -> None:
    """Whatever a capture read of a real post, it says where it read it (which the report and
    ``show`` print beside the field)."""
    run: CorpusRun = request.getfixturevalue(run_name)
    unsourced = []
    for captured in run.captured:
        post = captured.result.post
        if post is None:
            continue
        for name in SOURCED_FIELDS:
            if getattr(post, name) not in (None, (), "") and not post.sources.get(name):
                unsourced.append(f"{captured.payload.id}: {name}")
    assert unsourced == []


def test_scripts_refused_means_no_page_script_is_fetched(
    served: CorpusRun, refused: CorpusRun
) -> None:
    def scripts(run: CorpusRun) -> list[str]:
        return [f"{r.host}{r.path}" for r in run.requests if r.path.endswith(".js")]

    assert scripts(served), "the saved pages ask for their scripts when scripts may run"
    assert not scripts(refused)


@pytest.mark.parametrize("payload_id", PAGE_IDS)
def test_page_read_with_scripts_refused(refused: CorpusRun, payload_id: str) -> None:
    """A page's HTML as the server sent it holds the post: reading it must not need its scripts."""
    captured = _capture(refused, payload_id)
    wrong = [
        c for c in compare(captured.payload, captured.result, SCRIPTLESS_FIELDS) if not c.right
    ]
    assert not wrong, "\n".join(check.describe() for check in wrong)
