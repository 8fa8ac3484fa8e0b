"""WACZ 1.1.1 packages: WARCs, their CDXJ index, a page list and postproof's own files in one ZIP.

Layout written by :func:`write_wacz` (every entry ``ZIP_STORED``, sorted by path)::

    archive/<name>.warc.gz      the WARCs, byte for byte as given
    datapackage-digest.json     {"path": "datapackage.json", "hash": "sha256:<hex>"}
    datapackage.json            Frictionless data package: metadata and every file's SHA-256
    indexes/index.cdx           CDXJ lines made by cdxj-indexer, sorted
    pages/pages.jsonl           json-pages-1.0 header, then one line per page
    <folder>/<file>             extra files, e.g. postproof/proof.json

Nothing is deflated: WARCs must stay STORED for random access, and with no compression at all the
ZIP's bytes depend only on the inputs, not on the zlib version, so the same inputs always give the
same package hash. The index is named ``index.cdx`` although it holds CDXJ, as ArchiveWeb.page
names small indexes: pywb's ``wb-manager add --unpack-wacz`` only picks up ``*.cdx`` and
``*.cdx.gz`` indexes, and ReplayWeb.page reads ``*.cdx`` as CDXJ.

:func:`read_wacz` trusts nothing in the file: it checks the ZIP's CRCs, the digest of
``datapackage.json``, every listed file's size and SHA-256, and that no file is unlisted. Bytes
of ZIP bookkeeping that change no file are not covered by those; compare the whole file's
SHA-256 (:attr:`WaczBundle.sha256`) with the one recorded when it was written for that.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import io
import json
import os
import re
import secrets
import zipfile
import zlib
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from types import MappingProxyType
from typing import Any

from warcio.archiveiterator import ArchiveIterator
from warcio.exceptions import ArchiveLoadFailed
from warcio.statusandheaders import StatusAndHeadersParserException

from archiver.errors import PostproofError
from proof._files import fsync_directory

WACZ_VERSION = "1.1.1"
DATAPACKAGE = "datapackage.json"
DATAPACKAGE_DIGEST = "datapackage-digest.json"
INDEX_PATH = "indexes/index.cdx"
PAGES_PATH = "pages/pages.jsonl"
PAGES_FORMAT = "json-pages-1.0"
# Where write_wacz puts digest_signer's block in datapackage-digest.json. (py-wacz's own
# "signedData" means a signature by a WACZ signing server, which this is not.)
SIGNATURE_FIELD = "postproof_signature"
_ROOT_FILES = frozenset({DATAPACKAGE, DATAPACKAGE_DIGEST})
# The spec keeps these folders for WACZ's own files; extra files go elsewhere.
_RESERVED_FOLDERS = frozenset({"archive", "indexes", "pages"})
# Frictionless requires resource names to match ^[-a-z0-9._/]+$; names are lower-cased basenames.
_SEGMENT = re.compile(r"[A-Za-z0-9_-][A-Za-z0-9._-]*")
_SHA256 = re.compile(r"sha256:[0-9a-f]{64}")
_INDEXED_RECORDS = frozenset({"response", "revisit", "resource"})
_CHUNK = 1 << 20
# Reading an entry: CRC mismatch and bad headers (BadZipFile), a corrupt or cut deflate stream
# (zlib.error, EOFError), encryption (RuntimeError), an unknown compression (NotImplementedError).
_ZIP_READ_ERRORS = (
    zipfile.BadZipFile,
    zlib.error,
    EOFError,
    RuntimeError,
    NotImplementedError,
    OSError,
)


class WaczError(PostproofError):
    """A WACZ cannot be written from these WARCs, or a WACZ on disk is damaged or was altered."""

    exit_code = 4


@dataclass(frozen=True)
class WaczPage:
    """One entry of ``pages/pages.jsonl``: a page a reader should open first."""

    url: str
    ts: datetime  # timezone-aware, UTC
    title: str | None
    text: str | None
    id: str


@dataclass(frozen=True)
class WaczResource:
    """One file of the package as ``datapackage.json`` lists it."""

    name: str
    path: str
    hash: str  # "sha256:<hex>"
    bytes: int


@dataclass(frozen=True)
class WaczInfo:
    path: Path
    sha256: str  # hex digest of the whole .wacz file
    resources: tuple[WaczResource, ...]


@dataclass(frozen=True)
class WaczBundle:
    """A WACZ whose every file matched ``datapackage.json`` when :func:`read_wacz` opened it."""

    path: Path
    sha256: str  # hex digest of the whole .wacz file, to compare with WaczInfo.sha256
    datapackage: dict[str, Any]
    datapackage_hash: str  # "sha256:<hex>" of datapackage.json, as datapackage-digest.json says
    digest: dict[str, Any]  # datapackage-digest.json; its signature, if any, is not checked here
    resources: tuple[WaczResource, ...]
    warc_names: tuple[str, ...]  # file names under archive/
    pages: tuple[WaczPage, ...]

    def read(self, path: str) -> bytes:
        """The bytes of one file of the package, checked again against the hash that vouched for
        it when the package was read: a file changed since then raises :class:`WaczError`."""
        expected = next((r.hash for r in self.resources if r.path == path), None)
        if path == DATAPACKAGE:
            expected = self.datapackage_hash
        elif expected is None and path != DATAPACKAGE_DIGEST:
            raise WaczError(f"{path} is not a file of the WACZ {self.path}.")
        with _open_zip(self.path) as zf:
            data = _read_entry(zf, path)
        if path == DATAPACKAGE_DIGEST:
            if _check_digest_json(data, self.datapackage_hash) != self.digest:
                raise WaczError(
                    f"{path} differs from when {self.path} was checked: the file changed since."
                )
        elif _sha256_ref(data) != expected:
            raise WaczError(
                f"{path}: SHA-256 is {_sha256_ref(data)} but it was {expected} when {self.path} "
                "was checked: the file changed since."
            )
        return data


def write_wacz(
    out: Path,
    warcs: Sequence[tuple[str, bytes]],
    pages: Sequence[WaczPage],
    extra_files: Mapping[str, bytes] = MappingProxyType({}),
    *,
    title: str,
    description: str | None = None,
    software: str,
    created: datetime,
    digest_signer: Callable[[str], Mapping[str, Any]] | None = None,
) -> WaczInfo:
    """Write a WACZ 1.1.1 package to ``out`` atomically; the same inputs give the same bytes.

    ``warcs`` are (file name, bytes) pairs, e.g. ``("capture.warc.gz", data)``; ``extra_files``
    maps paths of the form ``folder/file`` (not under archive/, indexes/ or pages/) to bytes.
    ``digest_signer``, if given, receives the digest of ``datapackage.json`` (``sha256:<hex>``)
    and returns a signature block, stored under ``"postproof_signature"`` in
    ``datapackage-digest.json``: signing that one digest signs every file of the package.
    Raises :class:`ValueError` for arguments that cannot form a valid package and
    :class:`WaczError` for a WARC that is damaged or cannot be indexed.
    """
    extra = dict(extra_files)
    _check_arguments(warcs, pages, extra, title, created)
    created = created.astimezone(UTC)
    for name, data in warcs:
        _check_warc(f"archive/{name}", data)
    index = _cdxj_index(warcs)
    _check_pages_in_index(pages, index)
    files: dict[str, bytes] = {f"archive/{name}": data for name, data in warcs}
    files[INDEX_PATH] = index
    files[PAGES_PATH] = _pages_jsonl(pages)
    files.update(extra)
    resources = tuple(_resource(path, files[path]) for path in sorted(files))
    datapackage = _datapackage_json(resources, pages, title, description, software, created)
    files[DATAPACKAGE] = datapackage
    digest: dict[str, Any] = {"path": DATAPACKAGE, "hash": _sha256_ref(datapackage)}
    if digest_signer is not None:
        digest[SIGNATURE_FIELD] = dict(digest_signer(digest["hash"]))
    files[DATAPACKAGE_DIGEST] = _json_bytes(digest)
    zip_sha256 = _write_zip_atomically(out, files, created)
    return WaczInfo(path=out, sha256=zip_sha256, resources=resources)


def read_wacz(path: Path) -> WaczBundle:
    """Open the WACZ at ``path`` and check it whole; raise :class:`WaczError` on any mismatch."""
    with _open_zip(path) as zf:
        entries = _file_entries(zf)
        if DATAPACKAGE not in entries:
            raise WaczError(f"{path} has no datapackage.json: it is not a WACZ package.")
        if DATAPACKAGE_DIGEST not in entries:
            raise WaczError(
                "datapackage-digest.json is missing: nothing vouches for datapackage.json, so "
                "the package cannot be checked."
            )
        datapackage_bytes = _read_entry(zf, DATAPACKAGE)
        datapackage_hash = _sha256_ref(datapackage_bytes)
        digest = _check_digest_json(_read_entry(zf, DATAPACKAGE_DIGEST), datapackage_hash)
        datapackage = _parse_json_object(datapackage_bytes, DATAPACKAGE)
        resources = _parse_resources(datapackage)
        listed = {r.path for r in resources}
        for name in entries:
            if name not in listed and name not in _ROOT_FILES:
                raise WaczError(
                    f"{name} is in the ZIP but is not listed in datapackage.json: "
                    "a file was added after the package was written."
                )
        for resource in resources:
            if resource.path not in entries:
                raise WaczError(
                    f"{resource.path} is listed in datapackage.json but missing from the ZIP: "
                    "a file was removed after the package was written."
                )
            _check_resource(zf, resource)
        warc_names = _required_contents(resources, path)
        pages = _parse_pages(_read_entry(zf, PAGES_PATH))
    # ZIP metadata that no reader uses (local header copies, timestamps, attributes) is covered
    # by no CRC; the file's own hash is what shows that nothing at all changed.
    sha256 = _sha256_file(path)
    return WaczBundle(
        path, sha256, datapackage, datapackage_hash, digest, resources, warc_names, pages
    )


# --- writing -----------------------------------------------------------------------------------


def _check_arguments(
    warcs: Sequence[tuple[str, bytes]],
    pages: Sequence[WaczPage],
    extra: Mapping[str, bytes],
    title: str,
    created: datetime,
) -> None:
    if not title.strip():
        raise ValueError("a WACZ needs a non-empty title")
    _check_utc_aware(created, "created")
    if created.astimezone(UTC).year < 1980:
        raise ValueError("ZIP files cannot hold timestamps before 1980; check `created`")
    if not warcs:
        raise ValueError("a WACZ needs at least one WARC")
    names: dict[str, str] = {}
    for name, data in warcs:
        if not name.endswith((".warc", ".warc.gz")) or not _SEGMENT.fullmatch(name):
            raise ValueError(
                f"WARC file name {name!r} must be letters, digits, '.', '_' or '-' and end in "
                "'.warc.gz' (or '.warc')"
            )
        gzipped = data[:2] == b"\x1f\x8b"
        if name.endswith(".gz") != gzipped:
            state = "is" if gzipped else "is not"
            raise ValueError(f"WARC {name!r} {state} gzip-compressed; name it to match")
        _claim_name(names, f"archive/{name}")
    _claim_name(names, INDEX_PATH)
    _claim_name(names, PAGES_PATH)
    for path in extra:
        parts = path.split("/")
        if len(parts) != 2 or not all(_SEGMENT.fullmatch(p) for p in parts):
            raise ValueError(
                f"extra file path {path!r} must be 'folder/file', each part made of letters, "
                "digits, '.', '_' or '-': `wacz validate` matches files by their last two path "
                "parts only, so it rejects deeper paths (flatten them, e.g. "
                "'postproof/manifest-ID.json')"
            )
        if parts[0] in _RESERVED_FOLDERS:
            raise ValueError(f"extra file {path!r} may not go in {parts[0]}/, which WACZ reserves")
        _claim_name(names, path)
    ids: set[str] = set()
    for page in pages:
        _check_utc_aware(page.ts, f"the ts of page {page.url}")
        if not page.url or not page.id:
            raise ValueError(f"every page needs a url and an id, got {page!r}")
        if page.id in ids:
            raise ValueError(f"page id {page.id!r} is used twice")
        ids.add(page.id)


def _check_utc_aware(value: datetime, what: str) -> None:
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{what} must be a timezone-aware datetime, got {value.isoformat()}")


def _claim_name(names: dict[str, str], path: str) -> None:
    """Resource names must be unique; they are the lower-cased file names."""
    name = _resource_name(path)
    if name in names:
        raise ValueError(f"{path} and {names[name]} would both be named {name!r} in the package")
    names[name] = path


def _resource_name(path: str) -> str:
    return path.rsplit("/", 1)[-1].lower()


def _check_warc(where: str, data: bytes) -> None:
    """Refuse a WARC that replay would trip over: cut short, corrupt, or failing its digests.

    cdxj-indexer and warcio read past a truncated last record without a word, so the gzip members
    and each record's declared length are checked here first.
    """
    if where.endswith(".gz"):
        _check_gzip_members(where, data)
    count = 0
    try:
        records = ArchiveIterator(io.BytesIO(data), check_digests=True)
        for record in records:
            count += 1
            record_id = record.rec_headers.get_header("WARC-Record-ID")
            while record.raw_stream.read(_CHUNK):
                pass
            if getattr(record.raw_stream, "limit", 0) > 0:
                raise WaczError(f"{where}: record {record_id} is cut short of its Content-Length.")
            if record.digest_checker.passed is False:
                problems = "; ".join(record.digest_checker.problems)
                raise WaczError(
                    f"{where}: record {record_id} does not match its digest ({problems})."
                )
    except (ArchiveLoadFailed, StatusAndHeadersParserException, ValueError, EOFError) as exc:
        raise WaczError(f"{where} cannot be read as a WARC: {exc}") from exc
    if count == 0:
        raise WaczError(f"{where} holds no WARC record.")


def _check_gzip_members(where: str, data: bytes) -> None:
    """Each gzip member must be whole: zlib checks its CRC-32 and length at the member's end."""
    view = memoryview(data)
    start = 0
    while start < len(data):
        member = zlib.decompressobj(wbits=16 + zlib.MAX_WBITS)
        pos = start
        try:
            while not member.eof and pos < len(data):
                member.decompress(view[pos : pos + _CHUNK])
                pos += _CHUNK
        except zlib.error as exc:
            raise WaczError(
                f"{where}: the gzip member at byte {start} is corrupt ({exc})."
            ) from exc
        if not member.eof:
            raise WaczError(f"{where}: the gzip member at byte {start} is cut short.")
        start = min(pos, len(data)) - len(member.unused_data)


@functools.cache
def _indexer_class() -> type[Any]:
    """cdxj-indexer, indexing only the records replay should serve (imported on first use: the
    library pulls in pkg_resources, which every command would otherwise pay for).

    Metadata records are left out: one that describes a page carries the page's own URL, and its
    index line sorts before the page's, so pywb would serve the metadata instead of the page.
    The filter is fixed here rather than taken from the library's shared default list, which
    importing py-wacz changes.
    """
    from cdxj_indexer.main import CDXJIndexer

    class _Indexer(CDXJIndexer):  # type: ignore[misc]
        def filter_record(self, record: Any) -> bool:
            if record.rec_type not in _INDEXED_RECORDS:
                return False
            return not (
                record.rec_type == "resource"
                and record.rec_headers.get_header("Content-Type") == "application/warc-fields"
            )

    return _Indexer


def _cdxj_index(warcs: Sequence[tuple[str, bytes]]) -> bytes:
    lines: set[str] = set()
    for name, data in warcs:
        out = io.StringIO()
        indexer = _indexer_class()(
            out,
            [io.BytesIO(data)],
            filename=name,
            fields="referrer",
            post_append=True,
            digest_records=True,
        )
        try:
            indexer.process_all()
        except (ArchiveLoadFailed, StatusAndHeadersParserException, ValueError, EOFError) as exc:
            raise WaczError(f"archive/{name} cannot be indexed: {exc}") from exc
        lines.update(out.getvalue().splitlines(keepends=True))
    return "".join(sorted(lines)).encode("utf-8")


def _check_pages_in_index(pages: Sequence[WaczPage], index: bytes) -> None:
    """A page that no record answers would replay as "not found"."""
    urls = set()
    for line in index.decode("utf-8").splitlines():
        urls.add(json.loads(line.split(" ", 2)[2])["url"])
    for page in pages:
        if page.url.split("#", 1)[0] not in urls:
            raise ValueError(f"page {page.url} has no response or resource record in the WARCs")


def _iso_z(value: datetime) -> str:
    value = value.astimezone(UTC)
    pattern = "%Y-%m-%dT%H:%M:%S.%fZ" if value.microsecond else "%Y-%m-%dT%H:%M:%SZ"
    return value.strftime(pattern)


def _pages_jsonl(pages: Sequence[WaczPage]) -> bytes:
    header: dict[str, Any] = {"format": PAGES_FORMAT, "id": "pages", "title": "All Pages"}
    if any(page.text for page in pages):
        header["hasText"] = True  # lets ReplayWeb.page offer full-text search over `text`
    lines = [header]
    for page in pages:
        line: dict[str, Any] = {"id": page.id, "url": page.url, "ts": _iso_z(page.ts)}
        if page.title is not None:
            line["title"] = page.title
        if page.text is not None:
            line["text"] = page.text
        lines.append(line)
    return b"".join(json.dumps(line, ensure_ascii=False).encode() + b"\n" for line in lines)


def _resource(path: str, data: bytes) -> WaczResource:
    return WaczResource(_resource_name(path), path, _sha256_ref(data), len(data))


def _datapackage_json(
    resources: Sequence[WaczResource],
    pages: Sequence[WaczPage],
    title: str,
    description: str | None,
    software: str,
    created: datetime,
) -> bytes:
    package: dict[str, Any] = {"profile": "data-package", "wacz_version": WACZ_VERSION}
    package["title"] = title
    if description is not None:
        package["description"] = description
    package["created"] = package["modified"] = created.strftime("%Y-%m-%dT%H:%M:%SZ")
    package["software"] = software
    if pages:
        # py-wacz and its readers spell it mainPageURL; the spec text says mainPageUrl.
        package["mainPageURL"] = pages[0].url
        package["mainPageDate"] = _iso_z(pages[0].ts)
    package["resources"] = [
        {"name": r.name, "path": r.path, "hash": r.hash, "bytes": r.bytes} for r in resources
    ]
    return _json_bytes(package)


def _json_bytes(value: Mapping[str, Any]) -> bytes:
    return json.dumps(value, indent=2, ensure_ascii=False).encode("utf-8")


def _sha256_ref(data: bytes) -> str:
    return "sha256:" + hashlib.sha256(data).hexdigest()


def _write_zip_atomically(out: Path, files: Mapping[str, bytes], created: datetime) -> str:
    """Write the ZIP next to ``out``, sync it, then rename it over ``out``; return its SHA-256."""
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(f".{out.name}.{secrets.token_hex(8)}.tmp")
    try:
        with open(tmp, "xb") as f:
            with zipfile.ZipFile(f, "w", compression=zipfile.ZIP_STORED) as zf:
                for path in sorted(files):
                    info = zipfile.ZipInfo(path, date_time=created.timetuple()[:6])
                    info.compress_type = zipfile.ZIP_STORED
                    info.create_system = 3  # Unix, whatever the host, so the bytes do not vary
                    info.external_attr = 0o100644 << 16
                    zf.writestr(info, files[path])
            f.flush()
            os.fsync(f.fileno())
        digest = _sha256_file(tmp)
        os.replace(tmp, out)
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
    fsync_directory(out.parent)
    return digest


def _sha256_file(path: Path) -> str:
    hasher = hashlib.sha256()
    with open(path, "rb") as f:
        while chunk := f.read(_CHUNK):
            hasher.update(chunk)
    return hasher.hexdigest()


# --- reading -----------------------------------------------------------------------------------


@contextlib.contextmanager
def _open_zip(path: Path) -> Iterator[zipfile.ZipFile]:
    try:
        zf = zipfile.ZipFile(path)
    except FileNotFoundError as exc:
        raise WaczError(f"{path} does not exist.") from exc
    except zipfile.BadZipFile as exc:
        raise WaczError(
            f"{path} is not a readable ZIP file ({exc}): it is truncated, damaged or not a WACZ."
        ) from exc
    except OSError as exc:
        raise WaczError(f"{path} cannot be read: {exc.strerror or exc}") from exc
    with zf:
        yield zf


def _file_entries(zf: zipfile.ZipFile) -> dict[str, zipfile.ZipInfo]:
    entries: dict[str, zipfile.ZipInfo] = {}
    for info in zf.infolist():
        if info.is_dir():
            continue
        if info.filename in entries:
            raise WaczError(
                f"the ZIP holds two entries named {info.filename}; readers would disagree on "
                "which one is the package's file."
            )
        entries[info.filename] = info
    return entries


def _iter_entry(zf: zipfile.ZipFile, name: str) -> Iterator[bytes]:
    """The entry's bytes in chunks; zipfile checks the CRC-32 when the last chunk is read."""
    try:
        with zf.open(name) as stream:
            while chunk := stream.read(_CHUNK):
                yield chunk
    except KeyError as exc:
        raise WaczError(f"{name} is missing from the ZIP.") from exc
    except _ZIP_READ_ERRORS as exc:
        raise WaczError(
            f"{name}: the ZIP entry is corrupt ({exc}); the WACZ was damaged or altered "
            "after it was written."
        ) from exc


def _read_entry(zf: zipfile.ZipFile, name: str) -> bytes:
    return b"".join(_iter_entry(zf, name))


def _check_digest_json(data: bytes, datapackage_hash: str) -> dict[str, Any]:
    digest = _parse_json_object(data, DATAPACKAGE_DIGEST)
    if digest.get("path") != DATAPACKAGE or not isinstance(digest.get("hash"), str):
        raise WaczError(
            'datapackage-digest.json must hold {"path": "datapackage.json", "hash": "sha256:…"}.'
        )
    if digest["hash"] != datapackage_hash:
        raise WaczError(
            f"datapackage.json: SHA-256 is {datapackage_hash} but datapackage-digest.json says "
            f"{digest['hash']}; datapackage.json was edited after the package was written."
        )
    return digest


def _parse_json_object(data: bytes, name: str) -> dict[str, Any]:
    try:
        value = json.loads(data)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise WaczError(f"{name} is not valid JSON: {exc}") from exc
    if not isinstance(value, dict):
        raise WaczError(f"{name} must hold a JSON object, not {type(value).__name__}.")
    return value


def _parse_resources(datapackage: Mapping[str, Any]) -> tuple[WaczResource, ...]:
    if datapackage.get("profile") != "data-package":
        raise WaczError('datapackage.json: "profile" must be "data-package".')
    if not isinstance(datapackage.get("wacz_version"), str):
        raise WaczError('datapackage.json has no "wacz_version": it does not describe a WACZ.')
    items = datapackage.get("resources")
    if not isinstance(items, list):
        raise WaczError('datapackage.json has no "resources" list.')
    resources: dict[str, WaczResource] = {}
    for n, item in enumerate(items):
        if not isinstance(item, dict):
            raise WaczError(f"datapackage.json: resource {n} is not an object.")
        path, digest, size = item.get("path"), item.get("hash"), item.get("bytes")
        if not isinstance(path, str) or not path:
            raise WaczError(f'datapackage.json: resource {n} has no "path".')
        if not isinstance(digest, str) or not _SHA256.fullmatch(digest):
            raise WaczError(
                f'datapackage.json: {path} has hash {digest!r}; expected "sha256:" and 64 '
                "lower-case hex digits."
            )
        if not isinstance(size, int) or isinstance(size, bool) or size < 0:
            raise WaczError(f'datapackage.json: {path} has no valid "bytes" size.')
        if path in resources or path in _ROOT_FILES:
            raise WaczError(f"datapackage.json lists {path} twice or as a resource of itself.")
        resources[path] = WaczResource(str(item.get("name", "")), path, digest, size)
    return tuple(resources.values())


def _check_resource(zf: zipfile.ZipFile, resource: WaczResource) -> None:
    hasher = hashlib.sha256()
    size = 0
    for chunk in _iter_entry(zf, resource.path):
        hasher.update(chunk)
        size += len(chunk)
    actual = "sha256:" + hasher.hexdigest()
    if size != resource.bytes or actual != resource.hash:
        sizes = "" if size == resource.bytes else f" ({size} bytes, listed as {resource.bytes})"
        raise WaczError(
            f"{resource.path}: SHA-256 is {actual} but datapackage.json says {resource.hash}"
            f"{sizes}; the file was altered after the package was written."
        )


def _required_contents(resources: Sequence[WaczResource], path: Path) -> tuple[str, ...]:
    """Check that the package has what every WACZ must have; return its WARC names."""
    paths = {r.path for r in resources}
    warcs = tuple(
        p.removeprefix("archive/")
        for p in sorted(paths)
        if p.startswith("archive/") and p.endswith((".warc", ".warc.gz"))
    )
    if not warcs:
        raise WaczError(f"{path} has no WARC file under archive/: it holds no web archive.")
    if not any(p.startswith("indexes/") for p in paths):
        raise WaczError(f"{path} has no index under indexes/: replay tools cannot find records.")
    if PAGES_PATH not in paths:
        raise WaczError(f"{path} has no {PAGES_PATH}, which every WACZ must have.")
    return warcs


def _parse_pages(data: bytes) -> tuple[WaczPage, ...]:
    pages: list[WaczPage] = []
    for number, raw in enumerate(data.splitlines(), start=1):
        if not raw.strip():
            continue
        where = f"{PAGES_PATH} line {number}"
        line = _parse_json_object(raw, where)
        if number == 1 and "format" in line:
            if line["format"] != PAGES_FORMAT:
                raise WaczError(f"{where}: format is {line['format']!r}, not {PAGES_FORMAT!r}.")
            continue
        url, ts = line.get("url"), line.get("ts")
        if not isinstance(url, str) or not isinstance(ts, str):
            raise WaczError(f'{where}: a page needs a "url" and a "ts" string.')
        pages.append(
            WaczPage(
                url=url,
                ts=_parse_ts(ts, where),
                title=_optional_str(line, "title", where),
                text=_optional_str(line, "text", where),
                id=_optional_str(line, "id", where) or "",
            )
        )
    return tuple(pages)


def _parse_ts(value: str, where: str) -> datetime:
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError as exc:
        raise WaczError(f"{where}: ts {value!r} is not an RFC 3339 date-time.") from exc
    if parsed.tzinfo is None:
        raise WaczError(f"{where}: ts {value!r} has no time zone; write it with 'Z'.")
    return parsed.astimezone(UTC)


def _optional_str(line: Mapping[str, Any], key: str, where: str) -> str | None:
    value = line.get(key)
    if value is not None and not isinstance(value, str):
        raise WaczError(f'{where}: "{key}" must be a string.')
    return value
