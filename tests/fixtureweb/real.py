"""The real platforms' own answers, served on loopback, and a scorer for what capture read.

``tests/realpages/<platform>/`` holds responses that third-party projects saved from the live
platforms (test fixtures, VCR cassettes), each described by a ``[[payload]]`` entry of that
directory's ``SOURCES.toml``: where it comes from, what kind it is, the URL it was served at, and
the ground truth read from it. :func:`load_corpus` reads every entry and extracts the platform's
bytes (a cassette's body, a PHP cache entry's body, or the whole file).

:func:`build_real_web` serves them the way the platforms did:

* ``page`` payloads (an HTML post page) at the post URL, byte for byte, with their content type.
* ``endpoint`` and ``app-json`` payloads (oEmbed, a Mastodon status, Reddit's comments JSON,
  X's ``TweetResultByRestId``, Bluesky's ``getPostThread``, YouTube's InnerTube player) at the URL
  they were served at, with CORS open. At the post URL itself stands a *loader page* of ours: an
  empty document whose only script requests that URL, as the platform's web app does when it
  starts (a ``POST`` with ``{"videoId": ...}`` for the InnerTube player), and throws the answer
  away. The post's data therefore reaches the browser only as the platform's saved bytes, in the
  response its app receives; the loader page itself holds nothing to read, so whatever capture
  reads it read from the platform's answer.

Every other path on every host the corpus names answers 404, so an adapter's own fetches end at
once. Two payloads may share a post URL (the same post as two endpoints saw it) or an endpoint
with the same post id: :func:`plan_rounds` splits the corpus into rounds that can be served
together, and :func:`capture_corpus` captures them round by round with one web each.

:func:`compare` checks a capture against a payload's ground truth, field by field. Run
``python -m tests.fixtureweb.real [FILTER ...]`` to capture the corpus (as served, and once more
with page scripts refused by CSP) and print the score of every field.
"""

from __future__ import annotations

import asyncio
import base64
import json
import re
import sys
import tempfile
import time
import tomllib
import unicodedata
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from html import escape
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, quote, unquote, urlsplit

import idna
import yaml

from archiver import CaptureOptions, CaptureResult, CaptureSink, capture_many, parse_host_map
from archiver.platforms import ADAPTERS
from demo import FakeWeb, LoggedRequest, Request, Response
from demo import html as html_response

CORPUS_DIR = Path(__file__).resolve().parents[1] / "realpages"
ADAPTERS_DIR = Path(__file__).resolve().parents[2] / "archiver" / "platforms"
KINDS = ("page", "app-json", "endpoint")
STATUSES = ("ok", "not_found", "login_wall", "suspended", "unavailable")
LICENCES = frozenset(
    {"MIT", "BSD-2-Clause", "BSD-3-Clause", "Apache-2.0", "ISC", "0BSD", "Unlicense", "CC0-1.0"}
)
# Heavy saved pages (old Twitter, Telegram, YouTube) take 3 to 11 s to load when the suite's
# other worker is capturing the batch beside them: 15 s was too close, and a busy machine's page
# ran out of time. What a capture reads does not depend on it.
CAPTURE_TIMEOUT = 25.0
# Everything is on loopback and nothing renders the post (a loader page has no app to paint it,
# a saved page's scripts find none of their servers): the platform's answer arrives within
# milliseconds, so a longer wait for the post's element would only wait. The waiting is the
# product's; what the post's fields are read from does not depend on it.
READY_TIMEOUT = 1.0
SCROLL_SECONDS = 1.0  # saved pages cannot lazy-load more: their content servers answer 404
MAX_SCREENSHOT_HEIGHT = 4000  # the 16,000 px default made the longest saved pages slowest here
SCRIPTLESS_FIELDS = ("status", "author", "handle", "posted_at", "text", "text_contains")
SCRIPTS_REFUSED = (("Content-Security-Policy", "script-src 'none'"),)
CORS = (("Access-Control-Allow-Origin", "*"),)
PREFLIGHT = (
    *CORS,
    ("Access-Control-Allow-Methods", "GET, POST, OPTIONS"),
    ("Access-Control-Allow-Headers", "*"),
    ("Access-Control-Max-Age", "600"),
)
# A WEB client context, as youtube.com's player sends it with every InnerTube request.
INNERTUBE_CONTEXT = {
    "client": {"clientName": "WEB", "clientVersion": "2.20250610.01.00", "hl": "en"}
}


class CorpusError(Exception):
    """A SOURCES.toml entry that cannot be served as written."""


@dataclass(frozen=True)
class GroundTruth:
    """What a payload says of its post, as its SOURCES.toml entry records it."""

    status: str
    author: str | None = None
    handle: str | None = None
    posted_at: datetime | None = None
    text: str | None = None
    text_contains: str | None = None
    media: int | None = None
    media_kinds: tuple[str, ...] | None = None
    reply_to: str | None = None
    quote_of: str | None = None
    lang: str | None = None


@dataclass(frozen=True)
class Payload:
    platform: str  # the directory under tests/realpages
    file: str
    kind: str  # one of KINDS
    post_url: str
    served_at: str
    content_type: str | None
    post_id: str | None
    truth: GroundTruth
    body: bytes  # the platform's bytes, extracted from the file
    fetch_url: str | None  # where the loader page fetches the answer; None for pages

    @property
    def id(self) -> str:
        return f"{self.platform}/{self.file}"

    @property
    def media_type(self) -> str:
        if self.content_type:
            return self.content_type
        looks_json = self.body.lstrip()[:1] in (b"{", b"[")
        return "application/json" if looks_json else "text/html; charset=utf-8"


# -- the corpus --------------------------------------------------------------------------------


def source_files(root: Path = CORPUS_DIR) -> list[Path]:
    return sorted(root.glob("*/SOURCES.toml"))


def read_entries(root: Path = CORPUS_DIR) -> list[tuple[str, dict[str, Any]]]:
    """Every ``[[payload]]`` entry as written, with its platform (directory) name."""
    entries = []
    for sources in source_files(root):
        with sources.open("rb") as handle:
            data = tomllib.load(handle)
        entries += [(sources.parent.name, dict(entry)) for entry in data.get("payload", ())]
    return entries


def load_corpus(root: Path = CORPUS_DIR) -> list[Payload]:
    """Every entry of every SOURCES.toml, with its body extracted."""
    return [load_payload(platform, entry, root) for platform, entry in read_entries(root)]


def load_payload(platform: str, entry: Mapping[str, Any], root: Path = CORPUS_DIR) -> Payload:
    """One entry of ``<root>/<platform>/SOURCES.toml``, with its body extracted."""
    where = f"{platform}/{entry.get('file')}"
    try:
        path = root / platform / str(entry["file"])
        body = extract_body(path, entry.get("extract"))
        truth = GroundTruth(
            status=str(entry["status"]),
            author=entry.get("author"),
            handle=entry.get("handle"),
            posted_at=_instant(entry["posted_at"]) if "posted_at" in entry else None,
            text=entry.get("text"),
            text_contains=entry.get("text_contains"),
            media=entry.get("media"),
            media_kinds=tuple(entry["media_kinds"]) if "media_kinds" in entry else None,
            reply_to=entry.get("reply_to"),
            quote_of=entry.get("quote_of"),
            lang=entry.get("lang"),
        )
        payload = Payload(
            platform=platform,
            file=str(entry["file"]),
            kind=str(entry["kind"]),
            post_url=str(entry["post_url"]),
            served_at=str(entry["served_at"]),
            content_type=entry.get("content_type"),
            post_id=entry.get("post_id"),
            truth=truth,
            body=body,
            fetch_url=None,
        )
        if payload.kind not in KINDS:
            raise CorpusError(f"{where}: kind {payload.kind!r} is not one of {KINDS}")
        return payload if payload.kind == "page" else _with_fetch_url(payload)
    except (KeyError, IndexError, TypeError, OSError, ValueError, yaml.YAMLError) as exc:
        raise CorpusError(f"{where}: {exc!r}") from exc


def _instant(value: Any) -> datetime:
    moment = value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
    if moment.tzinfo is None:
        raise ValueError(f"posted_at {value!r} has no time zone")
    return moment


def extract_body(path: Path, extract: str | None) -> bytes:
    """The platform's bytes inside ``path``: the whole file, the ``body`` of an
    oscarotero/Embed PHP cache entry, or the value at a dotted path inside a cassette."""
    raw = path.read_bytes()
    if not extract:
        return raw
    if extract == "body":
        return _php_body(raw)
    value: Any = json.loads(raw) if path.suffix == ".json" else yaml.load(raw, _CassetteLoader)
    for step in extract.split("."):
        value = value[int(step)] if isinstance(value, list) else value[step]
    if isinstance(value, bytes):
        return value
    if not isinstance(value, str):
        raise ValueError(f"{extract} in {path.name} is {type(value).__name__}, not a body")
    return value.encode("utf-8")


class _CassetteLoader(yaml.SafeLoader):
    """YAML's safe loader, plus Ruby VCR's ``!binary`` scalars (base64 of the raw body)."""


def _binary(loader: yaml.SafeLoader, node: yaml.Node) -> bytes:
    assert isinstance(node, yaml.ScalarNode)
    return base64.b64decode("".join(loader.construct_scalar(node).split()))


_CassetteLoader.add_constructor("!binary", _binary)

_PHP_BODY = b"'body' => '"


def _php_body(raw: bytes) -> bytes:
    """The single-quoted PHP string after ``'body' => '``: only ``\\\\`` and ``\\'`` are escapes."""
    start = raw.find(_PHP_BODY)
    if start < 0:
        raise ValueError("no 'body' => '...' entry in the PHP file")
    out = bytearray()
    at = start + len(_PHP_BODY)
    while at < len(raw):
        byte = raw[at : at + 1]
        if byte == b"\\" and raw[at + 1 : at + 2] in (b"\\", b"'"):
            out += raw[at + 1 : at + 2]
            at += 2
        elif byte == b"'":
            return bytes(out)
        else:
            out += byte
            at += 1
    raise ValueError("the PHP body string is not closed")


def _with_fetch_url(payload: Payload) -> Payload:
    """Where the platform's app would have loaded this answer. When the saving project kept no
    request URL (``served_at`` is the post URL), the endpoint the platform's app calls."""
    recorded = not _same_url(payload.served_at, payload.post_url)
    return replace(payload, fetch_url=payload.served_at if recorded else _api_url(payload))


def _api_url(payload: Payload) -> str:
    post_id = payload.post_id or ""
    if payload.platform == "x":
        variables = json.dumps({"tweetId": post_id}, separators=(",", ":"))
        return (
            f"https://x.com/i/api/graphql/corpus/TweetResultByRestId?variables={quote(variables)}"
        )
    if payload.platform == "instagram":
        return f"https://www.instagram.com/api/v1/oembed/?url={quote(payload.post_url, safe='')}"
    if payload.platform == "bluesky":
        answer = json.loads(payload.body)
        if "thread" in answer:
            uri = _at_uri(answer["thread"]["post"].get("uri"), payload)
            return f"https://public.api.bsky.app/xrpc/app.bsky.feed.getPostThread?uri={quote(uri)}"
        if "posts" in answer:
            uri = _at_uri(answer["posts"][0].get("uri"), payload)
            return f"https://public.api.bsky.app/xrpc/app.bsky.feed.getPosts?uris={quote(uri)}"
        if "value" in answer:
            repo, collection, rkey = _at_uri(answer.get("uri"), payload)[5:].split("/")
            return (
                f"https://bsky.social/xrpc/com.atproto.repo.getRecord?repo={repo}"
                f"&collection={collection}&rkey={rkey}"
            )
    raise CorpusError(
        f"{payload.id}: served_at is the post URL and no API URL is known for this {payload.kind} "
        "payload: give the real request URL in served_at, or teach tests/fixtureweb/real.py's "
        "_api_url"
    )


def _at_uri(uri: Any, payload: Payload) -> str:
    if isinstance(uri, str) and uri.startswith("at://"):
        return uri
    parts = urlsplit(payload.post_url).path.strip("/").split("/")  # profile/ACTOR/post/RKEY
    return f"at://{parts[1]}/app.bsky.feed.post/{parts[3]}"


def _same_url(a: str, b: str) -> bool:
    return a.split("#", 1)[0].rstrip("/") == b.split("#", 1)[0].rstrip("/")


# -- the web -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Page:
    query: tuple[tuple[str, str], ...]  # the URL's query, sorted: a page answers only to it
    response: Response


@dataclass(frozen=True)
class _Endpoint:
    post_id: str
    response: Response


def _where(url: str) -> tuple[str, str]:
    parts = urlsplit(url)
    return (parts.hostname or "").lower(), unquote(parts.path) or "/"


def _query(raw: str) -> tuple[tuple[str, str], ...]:
    return tuple(sorted(parse_qsl(raw, keep_blank_values=True)))


def _page_keys(payload: Payload) -> set[tuple[str, str, tuple[tuple[str, str], ...]]]:
    urls = {payload.post_url}
    if payload.kind == "page":
        urls.add(payload.served_at)
    return {(*_where(url), _query(urlsplit(url).query)) for url in urls}


def _endpoint_key(payload: Payload) -> tuple[str, str, str] | None:
    if payload.fetch_url is None:
        return None
    return (*_where(payload.fetch_url), payload.post_id or "")


def plan_rounds(payloads: Iterable[Payload]) -> list[list[Payload]]:
    """The payloads in as few rounds as possible, none of which has two payloads at one page URL
    or two answers for one post at one endpoint (which no server could tell apart)."""
    rounds: list[tuple[list[Payload], set[Any]]] = []
    for payload in payloads:
        keys: set[Any] = set(_page_keys(payload)) | {_endpoint_key(payload)} - {None}
        for members, taken in rounds:
            if not keys & taken:
                members.append(payload)
                taken |= keys
                break
        else:
            rounds.append(([payload], keys))
    return [members for members, _ in rounds]


def loader_page(payload: Payload) -> bytes:
    """Our stand-in for the platform's app shell: it only requests the platform's answer."""
    assert payload.fetch_url is not None
    init: dict[str, Any] = {}
    if urlsplit(payload.fetch_url).path == "/youtubei/v1/player":
        init = {
            "method": "POST",
            "headers": {"Content-Type": "application/json"},
            "body": json.dumps({"videoId": payload.post_id, "context": INNERTUBE_CONTEXT}),
        }
    script = (
        f"fetch({_js(payload.fetch_url)}, {_js(init)})"
        ".then((answer) => answer.arrayBuffer()).catch(() => {});"
    )
    return (
        '<!DOCTYPE html>\n<html><head><meta charset="utf-8"></head>'
        f"<body><script>{script}</script></body></html>\n"
    ).encode()


def _js(value: Any) -> str:
    return json.dumps(value).replace("</", "<\\/")


def corpus_hosts(payloads: Iterable[Payload]) -> set[str]:
    """Every host the payloads are served at or name in their bodies, and every host an adapter
    names: all are mapped onto the fake web, so the browser never reaches for the real ones."""
    hosts: set[str] = set()
    for payload in payloads:
        for url in (payload.post_url, payload.served_at, payload.fetch_url):
            if url:
                hosts.add(_where(url)[0])
        hosts |= _named_hosts(payload.body.decode("utf-8", errors="replace"))
    hosts |= _adapter_hosts()
    return {h for h in hosts if _certifiable(h)}


def _adapter_hosts() -> set[str]:
    """The hosts the adapters' code names, leaving out their URL cases: those are examples of
    what a reader pastes (``http://localhost:3000/@…`` among them), not hosts a page reaches."""
    examples = {
        url
        for adapter in ADAPTERS
        for case in adapter.URL_CASES
        for url in (case.url, case.canonical)
        if url
    }
    hosts: set[str] = set()
    for source in sorted(ADAPTERS_DIR.glob("*.py")):
        text = source.read_text(encoding="utf-8")
        for url in examples:
            text = text.replace(f'"{url}"', "")
        hosts |= _named_hosts(text)
    return hosts


_NAMED_HOST = re.compile(r"https?:(?:\\?/){2}([a-z0-9-]+(?:\.[a-z0-9-]+)+|localhost)\b", re.I)


def _named_hosts(text: str) -> set[str]:
    return {m.group(1).lower().rstrip(".") for m in _NAMED_HOST.finditer(text)}


def _certifiable(host: str) -> bool:
    """Whether a certificate can name ``host`` (video CDN names such as ``r1---sn-x.example``
    break IDNA's rules; a browser cannot resolve them here either)."""
    try:
        idna.encode(host, uts46=True)
    except idna.IDNAError:
        return False
    return bool(host)


def build_real_web(
    payloads: Sequence[Payload] | None = None, *, scripts_refused: bool = False
) -> FakeWeb:
    """A fake web (not started) that serves ``payloads`` (default: the whole corpus, which must
    then fit in one round of :func:`plan_rounds`). With ``scripts_refused``, page payloads come
    with ``Content-Security-Policy: script-src 'none'``."""
    chosen = list(load_corpus() if payloads is None else payloads)
    if len(plan_rounds(chosen)) > 1:
        raise CorpusError(
            "two payloads share a post URL or an endpoint: serve one round of "
            "plan_rounds(load_corpus()) at a time"
        )
    pages: dict[tuple[str, str], list[_Page]] = {}
    endpoints: dict[tuple[str, str], list[_Endpoint]] = {}
    for payload in chosen:
        if payload.kind == "page":
            extra = SCRIPTS_REFUSED if scripts_refused else ()
            response = Response(200, payload.body, payload.media_type, extra)
        else:
            assert payload.fetch_url is not None
            saved = Response(200, payload.body, payload.media_type, CORS)
            endpoint = _Endpoint(payload.post_id or "", saved)
            endpoints.setdefault(_where(payload.fetch_url), []).append(endpoint)
            response = html_response(loader_page(payload).decode())
        for host, path, query in _page_keys(payload):
            pages.setdefault((host, path), []).append(_Page(query, response))

    def respond(request: Request) -> Response:
        where = (request.host, request.path)
        query = _query(request.raw_query)
        page = next((p for p in pages.get(where, ()) if p.query == query), None)
        if page is not None and request.method in ("GET", "HEAD"):
            return page.response
        candidates = endpoints.get(where, [])
        if candidates and request.method == "OPTIONS":
            return Response(204, b"", "text/plain", PREFLIGHT)
        if len(candidates) > 1:
            asked = unquote(request.raw_query) + request.body.decode("utf-8", errors="replace")
            candidates = [c for c in candidates if _mentions(asked, c.post_id)]
        if candidates:
            return candidates[0].response
        return html_response(f"<h1>Not Found</h1><p>{escape(request.path)}</p>", 404)

    web = FakeWeb(mastodon_hosts=(), news_hosts=())
    for host in sorted(corpus_hosts(chosen)):
        web.add_route(host, r".*", respond)
    return web


def _mentions(text: str, post_id: str) -> bool:
    """Whether ``post_id`` stands in ``text`` as a whole id (``20`` is not in ``1206``)."""
    edge = r"[A-Za-z0-9_-]"
    found = re.search(rf"(?<!{edge}){re.escape(post_id)}(?!{edge})", text)
    return bool(post_id) and found is not None


# -- capturing ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Captured:
    payload: Payload
    capture_id: str
    result: CaptureResult


@dataclass(frozen=True)
class CorpusRun:
    captured: tuple[Captured, ...]
    requests: tuple[LoggedRequest, ...]  # what the fake webs answered, in every round
    seconds: float


def capture_options(web: FakeWeb, timeout: float = CAPTURE_TIMEOUT) -> CaptureOptions:
    return CaptureOptions(
        timeout=timeout,
        concurrency=2,
        allow_private=True,
        insecure=True,
        host_map=parse_host_map(web.host_map()),
        ready_timeout=READY_TIMEOUT,
        scroll_seconds=SCROLL_SECONDS,
        max_screenshot_height=MAX_SCREENSHOT_HEIGHT,
    )


def capture_corpus(
    payloads: Sequence[Payload],
    sink: CaptureSink,
    *,
    scripts_refused: bool = False,
    timeout: float = CAPTURE_TIMEOUT,
) -> CorpusRun:
    """Capture every payload's post URL into ``sink``, one browser run per round."""
    started = time.monotonic()
    captured: list[Captured] = []
    requests: list[LoggedRequest] = []
    for members in plan_rounds(payloads):
        web = build_real_web(members, scripts_refused=scripts_refused)
        with web:
            urls = [p.post_url for p in members]
            results = asyncio.run(capture_many(urls, capture_options(web, timeout), sink))
            if web.errors:
                raise CorpusError(f"the real web's handler failed: {web.errors[0]!r}")
            requests += web.requests
        captured += [Captured(p, cid, r) for p, (cid, r) in zip(members, results, strict=True)]
    order = {p.id: i for i, p in enumerate(payloads)}
    captured.sort(key=lambda c: order[c.payload.id])
    return CorpusRun(tuple(captured), tuple(requests), time.monotonic() - started)


# -- scoring -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class FieldCheck:
    field: str
    right: bool
    expected: Any
    got: Any
    source: str | None = None  # where capture says it read the value

    def describe(self) -> str:
        where = f" (from {self.source})" if self.source else ""
        return f"{self.field}: expected {_shown(self.expected)}, got {_shown(self.got)}{where}"


def _shown(value: Any, limit: int = 160) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def compare(
    payload: Payload, result: CaptureResult, fields: Iterable[str] | None = None
) -> list[FieldCheck]:
    """Check every ground-truth field the payload gives (or only ``fields``) against a capture."""
    wanted = set(fields) if fields is not None else None
    return [c for c in _checks(payload.truth, result) if wanted is None or c.field in wanted]


def _checks(truth: GroundTruth, result: CaptureResult) -> Iterator[FieldCheck]:
    post = result.post
    sources = dict(post.sources) if post is not None else {}

    def check(name: str, expected: Any, got: Any, right: bool, source: str = "") -> FieldCheck:
        return FieldCheck(name, right, expected, got, sources.get(source or name))

    yield check("status", truth.status, str(result.status), str(result.status) == truth.status)
    if truth.status != "ok":
        # A post that is gone or walled has no fields in a capture: what the payload still says
        # of it (a deleted post's title, an age-restricted video's author) is kept in the
        # SOURCES file, but a capture that reported it as readable would be the error.
        return
    author = post.author if post else None
    if truth.author is not None:
        right = author is not None and _words(author) == _words(truth.author)
        yield check("author", truth.author, author, right)
    handle = post.handle if post else None
    if truth.handle is not None:
        yield check("handle", truth.handle, handle, _handle(handle) == _handle(truth.handle))
    posted_at = post.posted_at if post else None
    if truth.posted_at is not None:
        right = posted_at is not None and abs(posted_at - truth.posted_at) <= timedelta(seconds=1)
        yield check("posted_at", truth.posted_at, posted_at, right)
    text = post.text if post else None
    if truth.text is not None:
        # Capture keeps no empty text (None): for a post without text that is the right answer.
        got = "" if post is not None and text is None else text
        yield check("text", truth.text, text, got is not None and _words(got) == _words(truth.text))
    elif truth.text_contains is not None:
        right = text is not None and _words(truth.text_contains) in _words(text)
        yield check("text_contains", truth.text_contains, text, right, "text")
    media = post.media if post else None
    if truth.media is not None:
        got_count = len(media) if media is not None else None
        yield check("media", truth.media, got_count, got_count == truth.media)
    if truth.media_kinds is not None:
        kinds = tuple(m.kind for m in media) if media is not None else None
        right = kinds is not None and Counter(kinds) == Counter(truth.media_kinds)
        yield check("media_kinds", truth.media_kinds, kinds, right, "media")
    for name in ("reply_to", "quote_of"):
        expected, got_url = getattr(truth, name), getattr(post, name) if post else None
        if expected is not None:
            yield check(name, expected, got_url, _last_id(got_url) == _last_id(expected))
    lang = post.lang if post else None
    if truth.lang is not None:
        yield check("lang", truth.lang, lang, (lang or "").lower() == truth.lang.lower())


def _words(text: str) -> str:
    return " ".join(unicodedata.normalize("NFC", text).split())


def _handle(handle: str | None) -> str | None:
    return handle.strip().removeprefix("@").lower() if handle else None


def _last_id(url: str | None) -> str | None:
    if not url:
        return None
    path = url.split("#", 1)[0].split("?", 1)[0].rstrip("/")
    return path.rsplit("/", 1)[-1] or None


def accuracy(checks: Iterable[FieldCheck]) -> tuple[int, int]:
    """(fields right, fields checked)."""
    done = list(checks)
    return sum(c.right for c in done), len(done)


# -- the report: python -m tests.fixtureweb.real [FILTER ...] ---------------------------------

_COLUMNS = (
    ("status", "status"),
    ("author", "author"),
    ("handle", "handle"),
    ("posted_at", "time"),
    ("text", "text"),
    ("media", "media"),
    ("media_kinds", "kinds"),
    ("reply_to", "reply"),
    ("quote_of", "quote"),
    ("lang", "lang"),
)


def _table(run: CorpusRun, fields: Iterable[str] | None, title: str) -> list[FieldCheck]:
    print(f"\n== {title}: {len(run.captured)} captures in {run.seconds:.0f} s")
    width = max((len(c.payload.id) for c in run.captured), default=10)
    print(" " * width + "  " + " ".join(f"{label:^6}" for _, label in _COLUMNS))
    every: list[FieldCheck] = []
    by_platform: dict[str, list[FieldCheck]] = {}
    wrong: list[tuple[Captured, list[FieldCheck]]] = []
    for item in run.captured:
        checks = compare(item.payload, item.result, fields)
        every += checks
        by_platform.setdefault(item.payload.platform, []).extend(checks)
        found = {("text" if c.field == "text_contains" else c.field): c for c in checks}
        cells = []
        for name, _ in _COLUMNS:
            check = found.get(name)
            cells.append(f"{'·' if check is None else ('ok' if check.right else 'WRONG'):^6}")
        print(f"{item.payload.id:<{width}}  " + " ".join(cells))
        if any(not c.right for c in checks):
            wrong.append((item, [c for c in checks if not c.right]))
    print()
    for platform, checks in sorted(by_platform.items()):
        right, total = accuracy(checks)
        print(f"{platform:<12} {right:>3}/{total:<3} {100 * right / max(total, 1):5.1f}%")
    right, total = accuracy(every)
    print(f"{'TOTAL':<12} {right:>3}/{total:<3} {100 * right / max(total, 1):5.1f}%")
    if wrong:
        print("\nwrong fields:")
    for item, checks in wrong:
        reason = f" — {item.result.reason}" if item.result.reason else ""
        print(f"* {item.payload.id} [{item.result.status}{reason}]")
        for check in checks:
            print(f"    {check.describe()}")
        post = item.result.post
        print(f"    sources: {dict(post.sources) if post else 'no post read'}")
    return every


def main(argv: Sequence[str]) -> int:
    import storage  # imported here: the rest of this module does not need the archive

    corpus = [p for p in load_corpus() if not argv or any(f in p.id for f in argv)]
    pages = [p for p in corpus if p.kind == "page"]
    with tempfile.TemporaryDirectory(prefix="postproof-realweb-") as home:
        archive = storage.open_archive(Path(home))
        try:
            served = capture_corpus(corpus, archive)
            refused = capture_corpus(pages, archive, scripts_refused=True)
        finally:
            archive.close()
    _table(served, None, "as served")
    _table(refused, SCRIPTLESS_FIELDS, "page payloads, scripts refused (CSP script-src 'none')")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
