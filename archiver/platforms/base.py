"""The contract every platform adapter fulfils.

An adapter knows one platform: which URLs are its posts (``PATTERNS``, each with a named ``id``
group), the canonical form of such a URL, when the page has finished rendering the post
(``READY_SELECTOR``), which element is the post (``POST_SELECTOR``, screenshotted on its own),
how the platform says a post is gone, walled or suspended (phrases and login URL fragments), and
how to read the post's fields from the rendered page (``EXTRACT_JS``, run in the page with the
helpers of ``PRELUDE_JS`` in scope; it returns null when no post is on the page, else an object
with the optional keys ``author``, ``handle``, ``posted_at`` (ISO 8601), ``text``, ``lang``,
``media`` (a list of ``{url, kind, alt}``), ``reply_to`` and ``quote_of`` (URLs), and marks the
post's element with the attribute ``data-postproof-post``). ``fields`` turns that object into
:class:`~archiver.models.PostFields` at once, so no loose dictionary travels further.

An adapter also carries what the rest of postproof and its tests need to know of its platform:
``LABEL``, the platform's name as a reader knows it (in citations and reports); ``URL_CASES``, the
URL forms it must (and must not) take, with the post id and canonical URL it must make of each,
checked without a browser; ``TESTS``, URLs of the local fixture web and what a capture must read
from them; and ``FIXTURES``, the names of the fixture web's pages of its platform.

Adapters are registered in one ordered tuple, ``archiver.platforms.REGISTERED`` (each in a module
named as its platform); the first whose ``suitable`` accepts a URL wins and the generic adapter
comes last.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, ClassVar
from urllib.parse import urlsplit

from archiver.models import Artifact, Media, PostFields, Status
from archiver.urls import canonical_generic

if TYPE_CHECKING:
    from archiver.platforms._page import ServedPage
    from archiver.platforms._reading import Reading


@dataclass(frozen=True)
class PostRef:
    platform: str
    post_id: str | None
    canonical_url: str


@dataclass(frozen=True)
class PageSnapshot:
    """What the capture engine saw, handed to the adapter for classification."""

    requested_url: str
    final_url: str
    http_status: int | None
    title: str
    text: str
    post_found: bool
    metadata: Mapping[str, Any]
    # What the platform's own structured data says of the post when it cannot be read (a video
    # that asks for a login, a post the API reports deleted): see :meth:`Adapter.verdict`.
    verdict: tuple[Status, str] | None = None
    # The post's text came only from the page's metadata (an og:description): a page that says
    # the post is gone, walled or suspended outweighs it.
    from_metadata: bool = False


@dataclass(frozen=True)
class AdapterCase:
    """One test case an adapter carries: a fixture URL and what capture must find there."""

    url: str
    status: Status
    author: str | None = None
    handle: str | None = None
    posted_at: str | None = None
    text_contains: str | None = None
    media_count: int | None = None
    reply_to_contains: str | None = None
    quote_of_contains: str | None = None
    post_screenshot: bool | None = None


@dataclass(frozen=True)
class UrlCase:
    """One URL form an adapter carries, checked without a browser (yt-dlp's ``_TESTS``).

    By default the adapter must take ``url`` as a post, with ``post_id`` and ``canonical`` (the
    canonical URL, which it must take back as itself). ``only_matching``: the adapter must take
    the URL, nothing more is checked. ``matches=False``: a page of the platform's site that is
    not a post (a profile, a share link followed to its post at capture time) or a look-alike
    host; no adapter but the generic one may take it."""

    url: str
    post_id: str | None = None
    canonical: str | None = None
    only_matching: bool = False
    matches: bool = True

    def __post_init__(self) -> None:
        if self.matches and not self.only_matching and self.canonical is None:
            raise ValueError(f"{self.url}: a case that matches says its canonical URL")


@dataclass(frozen=True)
class Phrases:
    not_found: tuple[str, ...] = ()
    suspended: tuple[str, ...] = ()
    login_wall: tuple[str, ...] = ()
    login_url_parts: tuple[str, ...] = ()


GENERIC_PHRASES = Phrases(
    not_found=(
        "page not found",
        "this page doesn't exist",
        "this page doesn’t exist",
        "page introuvable",
        "cette page n'existe pas",
        "cette page n’existe pas",
    ),
    suspended=("account suspended", "this account has been suspended", "compte suspendu"),
    login_wall=("log in to continue", "sign in to continue", "connectez-vous pour continuer"),
    login_url_parts=("/login", "/signin", "/sign_in", "/sign-in", "/auth/", "/accounts/login"),
)


PRELUDE_JS = """
const abs = (href) => { try { return new URL(href, location.href).href; } catch (e) { return null; } };
"""


class Adapter:
    NAME: ClassVar[str] = "generic"
    LABEL: ClassVar[str] = "the web"
    # Other names older records may give the platform ("twitter").
    ALIASES: ClassVar[tuple[str, ...]] = ()
    PATTERNS: ClassVar[tuple[re.Pattern[str], ...]] = ()
    READY_SELECTOR: ClassVar[str | None] = None
    POST_SELECTOR: ClassVar[str | None] = None
    PHRASES: ClassVar[Phrases] = GENERIC_PHRASES
    EXTRACT_JS: ClassVar[str] = "() => null"
    # Controls that expand a truncated post, beyond the "Show more" / "Voir plus" labels every
    # page is searched for (see ``archiver._pagejs.SHOW_MORE_JS``).
    SHOW_MORE_SELECTOR: ClassVar[str | None] = None
    TESTS: ClassVar[tuple[AdapterCase, ...]] = ()
    URL_CASES: ClassVar[tuple[UrlCase, ...]] = ()
    FIXTURES: ClassVar[tuple[str, ...]] = ()

    @classmethod
    def match(cls, url: str) -> re.Match[str] | None:
        for pattern in cls.PATTERNS:
            found = pattern.match(url)
            if found:
                return found
        return None

    @classmethod
    def suitable(cls, url: str) -> bool:
        return cls.match(url) is not None

    @classmethod
    def post_ref(cls, url: str) -> PostRef:
        found = cls.match(url)
        post_id = found.group("id") if found else None
        return PostRef(cls.NAME, post_id, canonical_generic(url))

    @classmethod
    def script(cls) -> str:
        """``EXTRACT_JS`` with the helpers every adapter's script may use in scope."""
        return f"(ctx) => {{ {PRELUDE_JS} return ({cls.EXTRACT_JS.strip()})(ctx); }}"

    def js_args(self, ref: PostRef, url: str) -> dict[str, Any]:
        """The argument ``EXTRACT_JS`` is called with."""
        return {"postId": ref.post_id, "url": url}

    def classify(self, snap: PageSnapshot) -> tuple[Status, str] | None:
        """Say what the page shows when it is not a readable post; None when it is one."""
        if snap.verdict is not None:
            return snap.verdict
        if snap.post_found and not snap.from_metadata:
            return None
        text = snap.text.lower()
        title = snap.title.lower()
        path = urlsplit(snap.final_url).path.lower()
        phrases = self.PHRASES
        if any(part in path for part in phrases.login_url_parts):
            return Status.LOGIN_WALL, f"the site redirected to its login page ({snap.final_url})"
        for status, found in (
            (Status.SUSPENDED, phrases.suspended),
            (Status.NOT_FOUND, phrases.not_found),
            (Status.LOGIN_WALL, phrases.login_wall),
        ):
            hit = next((p for p in found if p in text or p in title), None)
            if hit:
                return status, f"the page says “{hit}”"
        return None

    def fields(self, raw: Mapping[str, Any] | None, ref: PostRef) -> PostFields | None:
        if not raw:
            return None
        media = tuple(
            Media(
                url=str(m["url"]),
                kind=str(m.get("kind") or "image"),
                alt=m.get("alt") or None,
                poster=str(m["poster"]) if m.get("poster") else None,
            )
            for m in raw.get("media") or ()
            if m.get("url")
        )
        return PostFields(
            platform=self.NAME,
            post_id=ref.post_id,
            author=clean(raw.get("author")),
            handle=clean(raw.get("handle")),
            posted_at=parse_time(raw.get("posted_at")),
            text=clean_text(raw.get("text")),
            lang=clean(raw.get("lang")),
            media=media,
            reply_to=clean(raw.get("reply_to")),
            quote_of=clean(raw.get("quote_of")),
        )

    def extras(self, raw: Mapping[str, Any] | None) -> tuple[Artifact, ...]:
        """Extra artifacts (e.g. a platform's structured form of the post) found by EXTRACT_JS."""
        return ()

    # -- reading the post, source by source ---------------------------------------------------

    # The fields every post of the platform has: those no source gave are listed in
    # ``post.missing``.
    EXPECTED_FIELDS: ClassVar[tuple[str, ...]] = ("author", "handle", "posted_at", "text")
    # Set by ``read``: the post's text came from the page's metadata only (see PageSnapshot).
    read_from_metadata: bool = False

    def structured(self, page: ServedPage, ref: PostRef) -> Iterator[tuple[str, Mapping[str, Any]]]:
        """The platform's own structured data that the page received (JSON answers its scripts
        loaded, JSON embedded in its HTML): ``(source, fields)`` pairs, best first."""
        return iter(())

    def endpoints(
        self, raw: Mapping[str, Any] | None, ref: PostRef
    ) -> Iterator[tuple[str, Mapping[str, Any]]]:
        """What ``EXTRACT_JS`` fetched from the platform's public endpoints (an API status, an
        oEmbed answer, a widget page): ``(source, fields)`` pairs, best first."""
        return iter(())

    def metadata(
        self, page: ServedPage, ref: PostRef
    ) -> Iterator[tuple[str, Mapping[str, Any], bool]]:
        """The page's metadata about the post: ``(source, fields, partial)``, best first."""
        return _metadata(page, ref)

    def verdict(self, page: ServedPage, ref: PostRef) -> tuple[Status, str] | None:
        """What the platform's structured data says of the post itself when it cannot be read:
        deleted, walled, withheld. It outweighs what the rendered page seems to show (a deleted
        Reddit post keeps its title on the page); None when it says nothing."""
        return None

    def holds_post(self, page: ServedPage, ref: PostRef) -> bool:
        """Whether the page's structured data or metadata already gives the post."""
        from archiver.platforms._reading import Reading

        reading = Reading()
        for source, values in self.structured(page, ref):
            reading.offer(source, values)
        for source, values, partial in self.metadata(page, ref):
            reading.offer(source, values, partial=partial)
        return reading.has_post()

    def read(
        self, page: ServedPage | None, ref: PostRef, raw: Mapping[str, Any] | None
    ) -> tuple[PostFields | None, list[str]]:
        """The post, each field from the first source that has it: structured data, then what
        ``EXTRACT_JS`` fetched from the platform's endpoints, then metadata, then the DOM.
        Returns the post (None when no source holds one) and the provenance notes to keep."""
        from archiver.platforms._reading import Reading

        self.read_from_metadata = False
        reading = Reading()
        if page is not None:
            for source, values in self.structured(page, ref):
                reading.offer(source, values)
        for source, values in self.endpoints(raw, ref):
            reading.offer(source, values)
        dom = self.fields(raw, ref)
        by_source = _by_script_source(dom, raw)
        for source, values in by_source.items():
            if source != "dom":
                reading.offer(source, values)
        metadata_sources: set[str] = set()
        if page is not None:
            for source, values, partial in self.metadata(page, ref):
                metadata_sources.add(source)
                reading.offer(source, values, partial=partial)
        reading.offer("dom", by_source.get("dom"))
        if dom is None and not reading.has_post():
            return None, []
        post = reading.post(self.NAME, ref.post_id, self.EXPECTED_FIELDS)
        text_from = post.sources.get("text", "").removesuffix(" (shortened)")
        self.read_from_metadata = not text_from or text_from in metadata_sources
        return post, _reading_notes(reading, post, metadata_sources)


def _by_script_source(
    dom: PostFields | None, raw: Mapping[str, Any] | None
) -> dict[str, dict[str, Any]]:
    """The fields ``EXTRACT_JS`` read, grouped by where the script says each came from
    (``raw["sources"]``); a field it says nothing of came from the DOM."""
    from archiver.platforms._reading import FIELDS

    script_sources = (raw or {}).get("sources") or {}
    by_source: dict[str, dict[str, Any]] = {}
    if dom is not None:
        for name in FIELDS:
            source = str(script_sources.get(name) or "dom")
            by_source.setdefault(source, {})[name] = getattr(dom, name)
    return by_source


def _reading_notes(reading: Reading, post: PostFields, metadata_sources: set[str]) -> list[str]:
    """The provenance notes of a reading: its sources' disagreements, a post described only by
    the page's metadata, and the fields no source gave."""
    notes = [conflict.note() for conflict in reading.conflicts]
    used = {s.removesuffix(" (shortened)") for s in post.sources.values()}
    if used and used <= metadata_sources:
        notes.append(
            "only the page's metadata described the post (the post itself was not found on "
            "the page); its fields are as the platform summarised them"
        )
    if post.missing:
        notes.append("no source on the page gave the post's " + ", ".join(post.missing))
    return notes


def clean(value: Any) -> str | None:
    if value is None:
        return None
    text = " ".join(str(value).split())
    return text or None


def clean_text(value: Any) -> str | None:
    if value is None:
        return None
    lines = [" ".join(line.split()) for line in str(value).replace("\r", "").split("\n")]
    text = "\n".join(lines).strip()
    return re.sub(r"\n{3,}", "\n\n", text) or None


_FRACTION = re.compile(r"(\.\d+)")
_COMPACT_OFFSET = re.compile(r"([+-])(\d{2})(\d{2})$")
# Epoch numbers above this are milliseconds (the year 5138 in seconds).
_EPOCH_MS_FROM = 100_000_000_000
# X's ``created_at`` ("Wed Oct 10 20:19:24 +0000 2018") and RFC 2822 ("Tue, 21 Mar 2006
# 20:50:14 GMT"): both are read by the standard library's RFC 2822 parser, which knows the English
# day and month names whatever the locale.
_X_CREATED_AT = re.compile(r"[A-Za-z]{3} [A-Za-z]{3} +\d{1,2} \d{2}:\d{2}:\d{2} [+-]\d{4} \d{4}")
_RFC_2822 = re.compile(
    r"(?:[A-Za-z]{3},? *)?\d{1,2} +[A-Za-z]{3} +\d{2,4} +\d{1,2}:\d{2}(?::\d{2})?(?: +[+-]?\w+)?"
)


def parse_time(value: Any) -> datetime | None:
    """Parse a post's time as the platforms write it; None when it is not a time.

    Accepted: RFC 3339 / ISO 8601 with ``Z`` or an offset (``+00:00`` or ``+0000``), fractions of
    any length (Python itself reads at most six digits), a space instead of ``T``, Unix epoch
    seconds or milliseconds (numbers, or strings of digits), X's ``created_at`` form and RFC 2822.
    Naive times are taken as UTC. Relative times ("3h") are not times of their own: see
    :func:`parse_relative`."""
    if value is None or value == "" or isinstance(value, bool):
        return None
    if isinstance(value, datetime):
        moment = value
    elif isinstance(value, int | float):
        return _from_epoch(float(value))
    else:
        text = " ".join(str(value).split())
        if re.fullmatch(r"\d{9,13}(?:\.\d+)?", text):
            return _from_epoch(float(text))
        found = _from_text(text)
        if found is None:
            return None
        moment = found
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


def _from_text(text: str) -> datetime | None:
    if _X_CREATED_AT.fullmatch(text) or _RFC_2822.fullmatch(text):
        from email.utils import parsedate_to_datetime

        try:
            return parsedate_to_datetime(text)
        except (TypeError, ValueError, IndexError):
            return None
    if text[-1:] in ("Z", "z"):
        text = text[:-1] + "+00:00"
    text = _COMPACT_OFFSET.sub(r"\1\2:\3", text)
    # Python reads at most six fraction digits: nanoseconds are cut to microseconds.
    text = _FRACTION.sub(lambda m: m.group(1)[:7], text, count=1)
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        return None


# Seconds in each unit a relative time is written with (English and French, long and short).
# Months and years are left out: their length varies, so "2 mo" names no moment.
_RELATIVE_UNITS = {
    **dict.fromkeys(("s", "sec", "secs", "second", "seconds", "seconde", "secondes"), 1),
    **dict.fromkeys(("m", "min", "mins", "minute", "minutes"), 60),
    **dict.fromkeys(("h", "hr", "hrs", "hour", "hours", "heure", "heures"), 3600),
    **dict.fromkeys(("d", "day", "days", "j", "jour", "jours"), 86400),
    **dict.fromkeys(("w", "wk", "wks", "week", "weeks", "sem", "semaine", "semaines"), 604800),
}
_RELATIVE = re.compile(
    r"(?:il y a )?(?:(?P<count>\d{1,4}) ?|(?:an?|une?) )(?P<unit>[a-z]+)\.?(?: ago)?",
    re.IGNORECASE,
)
_NOW_WORDS = ("now", "just now", "à l'instant", "à l’instant", "maintenant")


def parse_relative(text: Any, now: datetime) -> datetime | None:
    """The moment a relative time ("3h", "2 days ago", "il y a 5 min") names, counted back from
    ``now``; None when ``text`` is not one. Only as precise as its unit, so adapters use it last,
    for a time the rendered page shows in no other form; :func:`parse_time` never does."""
    from datetime import timedelta

    if not isinstance(text, str):
        return None
    written = " ".join(text.split()).lower()
    if now.tzinfo is None:
        now = now.replace(tzinfo=UTC)
    if written in _NOW_WORDS:
        return now.astimezone(UTC)
    found = _RELATIVE.fullmatch(written)
    if found is None or found.group("unit") not in _RELATIVE_UNITS:
        return None
    number = int(found.group("count") or 1)
    seconds = number * _RELATIVE_UNITS[found.group("unit")]
    return (now - timedelta(seconds=seconds)).astimezone(UTC)


def _from_epoch(number: float) -> datetime | None:
    if number <= 0:
        return None
    seconds = number / 1000 if number >= _EPOCH_MS_FROM else number
    try:
        return datetime.fromtimestamp(seconds, UTC)
    except (OverflowError, OSError, ValueError):
        return None


_POST_TYPES = (
    "SocialMediaPosting",
    "DiscussionForumPosting",
    "BlogPosting",
    "VideoObject",
    "ImageObject",
    "Comment",
)


def _metadata(page: ServedPage, ref: PostRef) -> Iterator[tuple[str, Mapping[str, Any], bool]]:
    """What any page's metadata says of its post: JSON-LD post objects, then ``article:*`` and
    og: tags. Skipped when the page's metadata names another URL than the post's."""
    if not about_post(page, ref):
        return
    for obj in page.json_ld_of(*_POST_TYPES):
        author = obj.get("author") or obj.get("creator")
        if isinstance(author, list):
            author = author[0] if author else None
        name = author.get("name") if isinstance(author, Mapping) else None
        handle = (author.get("alternateName") or None) if isinstance(author, Mapping) else None
        text = obj.get("articleBody") or obj.get("text")
        yield (
            "json-ld",
            {
                "author": name,
                "handle": handle,
                "posted_at": obj.get("datePublished")
                or obj.get("uploadDate")
                or obj.get("dateCreated"),
                "text": text,
            },
            False,
        )
    for attrs in page.tags("time"):
        # Microdata on the page's own <time>: often to the second where the meta tags give a day.
        if attrs.get("itemprop") == "datePublished" and attrs.get("datetime"):
            yield "microdata", {"posted_at": attrs["datetime"]}, False
            break
    published = page.meta_first("article:published_time", "og:published_time", "datePublished")
    if published:
        yield "meta article:published_time", {"posted_at": published}, False
    description = page.meta_first("og:description", "twitter:description")
    if description:
        yield "og:description", {"text": description}, True


def about_post(page: ServedPage, ref: PostRef) -> bool:
    """Whether the page's metadata is about the post: the URLs it names (og:url, the canonical
    link) hold the post's id, or it names none."""
    key = (ref.post_id or "").rsplit("/", 1)[-1]
    if not key:
        return True
    named = [u for u in (page.meta_first("og:url"), page.link_href("canonical")) if u]
    return not named or any(key in u for u in named)
