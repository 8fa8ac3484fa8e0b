"""WACZ packages: written from real WARCs, accepted by warcio and py-wacz, replayed by pywb, and
every kind of tampering caught by read_wacz with a message that names the file."""

from __future__ import annotations

import asyncio
import base64
import gzip
import hashlib
import io
import json
import subprocess
import sys
import zipfile
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from PIL import Image
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from proof._keys import load_or_create_key
from proof._note import NoteVerifier
from proof._wacz import WaczError, WaczPage, read_wacz, write_wacz
from tests.proof.replay import PywbReplay, replay_wacz

PAGE_URL = "https://social.example/@alice/1"
IMAGE_URL = "https://social.example/media/heron.png"
BOB_URL = "https://social.example/@bob/2"
SCREENSHOT_URI = "urn:postproof:screenshot:" + PAGE_URL
POST_TEXT = "Seven grey herons on the jetty at dawn, counted twice #heron-4711"
CAPTURED = datetime(2024, 5, 1, 12, 0, 0, tzinfo=UTC)
WARC_DATE = "2024-05-01T12:00:00Z"
CREATED = datetime(2024, 5, 1, 12, 5, 0, tzinfo=UTC)
WARC_NAME = "capture.warc.gz"
PROOF_JSON = b'{"capture": "c-1", "sha256": "00"}\n'
PAGE = WaczPage(url=PAGE_URL, ts=CAPTURED, title="Alice on Social", text=POST_TEXT, id="page-c-1")
BIN = Path(sys.executable).parent


def _png(colour: tuple[int, int, int], size: tuple[int, int]) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, colour).save(out, format="PNG")
    return out.getvalue()


def _record_id(n: int) -> str:
    return f"<urn:uuid:00000000-0000-4000-8000-{n:012d}>"


def make_warc() -> bytes:
    """A small capture as postproof's archiver records one: warcinfo, the post page and its image
    (each response followed by its request), a metadata record about the page under the page's
    own URL, and the screenshot as a resource record."""
    html = (
        "<!doctype html><html><head><meta charset='utf-8'><title>Alice on Social</title></head>"
        f"<body><article id='post'><p>{POST_TEXT}</p>"
        f"<img src='{IMAGE_URL}' alt='herons' width='40' height='30'></article></body></html>"
    ).encode()
    buf = io.BytesIO()
    writer = WARCWriter(buf, gzip=True, warc_version="1.1")
    info = writer.create_warcinfo_record(WARC_NAME, {"software": "postproof tests"})
    info.rec_headers.replace_header("WARC-Record-ID", _record_id(1))
    info.rec_headers.replace_header("WARC-Date", WARC_DATE)
    writer.write_record(info)
    page_id = _write_exchange(writer, PAGE_URL, "text/html; charset=utf-8", html, 2)
    _write_exchange(writer, IMAGE_URL, "image/png", _png((90, 110, 140), (40, 30)), 4)
    about = b'{"platform": "social.example", "post": "1"}'
    writer.write_record(
        writer.create_warc_record(
            PAGE_URL,
            "metadata",
            payload=io.BytesIO(about),
            length=len(about),
            warc_content_type="application/json",
            warc_headers_dict={
                "WARC-Record-ID": _record_id(20),
                "WARC-Date": WARC_DATE,
                "WARC-Concurrent-To": page_id,
            },
        )
    )
    shot = _png((250, 250, 250), (64, 48))
    writer.write_record(
        writer.create_warc_record(
            SCREENSHOT_URI,
            "resource",
            payload=io.BytesIO(shot),
            length=len(shot),
            warc_content_type="image/png",
            warc_headers_dict={
                "WARC-Record-ID": _record_id(6),
                "WARC-Date": WARC_DATE,
                "WARC-Concurrent-To": page_id,
            },
        )
    )
    return buf.getvalue()


def _write_exchange(
    writer: WARCWriter, url: str, mime: str, body: bytes, n: int, date: str = WARC_DATE
) -> str:
    response_id = _record_id(n)
    response = writer.create_warc_record(
        url,
        "response",
        payload=io.BytesIO(body),
        length=len(body),
        warc_headers_dict={"WARC-Record-ID": response_id, "WARC-Date": date},
        http_headers=StatusAndHeaders(
            "200 OK",
            [("Content-Type", mime), ("Content-Length", str(len(body)))],
            protocol="HTTP/1.1",
        ),
    )
    path = url.split("social.example", 1)[1]
    request = writer.create_warc_record(
        url,
        "request",
        warc_headers_dict={"WARC-Record-ID": _record_id(n + 1), "WARC-Date": date},
        http_headers=StatusAndHeaders(
            f"GET {path} HTTP/1.1",
            [("Host", "social.example"), ("User-Agent", "postproof-tests")],
            is_http_request=True,
        ),
    )
    writer.write_request_response_pair(request, response)
    return response_id


def make_bob_warc(at: datetime) -> bytes:
    """A second capture, in its own WARC, dated with microseconds as WARC/1.1 allows."""
    buf = io.BytesIO()
    writer = WARCWriter(buf, gzip=True, warc_version="1.1")
    html = b"<!doctype html><title>Bob</title><p>Bob's reply</p>"
    _write_exchange(writer, BOB_URL, "text/html", html, 8, at.strftime("%Y-%m-%dT%H:%M:%S.%fZ"))
    return buf.getvalue()


def write_test_wacz(out: Path, warc: bytes | None = None) -> None:
    write_wacz(
        out,
        [(WARC_NAME, warc if warc is not None else make_warc())],
        [PAGE],
        {"postproof/proof.json": PROOF_JSON},
        title="Alice on Social, 1 May 2024",
        description="One post captured by postproof.",
        software="postproof 0.1.0",
        created=CREATED,
    )


@pytest.fixture(scope="module")
def wacz(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("wacz") / "capture.wacz"
    write_test_wacz(out)
    return out


def _run(tool: str, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(BIN / tool), *args], capture_output=True, text=True, timeout=120, check=False
    )


def _rewrite(
    src: Path,
    dst: Path,
    change: Callable[[str, bytes], bytes | None] = lambda _name, data: data,
    add: dict[str, bytes] | None = None,
) -> Path:
    """Copy a ZIP entry by entry, as someone editing the package with a ZIP tool would: entries
    for which ``change`` returns None are dropped, and every CRC is computed afresh."""
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w") as zout:
        for info in zin.infolist():
            data = change(info.filename, zin.read(info))
            if data is not None:
                zout.writestr(info, data)
        for name, data in (add or {}).items():
            zout.writestr(name, data)
    return dst


def _flip(data: bytes, at: int) -> bytes:
    return data[:at] + bytes([data[at] ^ 0x01]) + data[at + 1 :]


# -- the WARC and the package pass the reference tools ---------------------------------------------


def test_the_test_warc_passes_warcio_check(tmp_path: Path) -> None:
    warc = tmp_path / WARC_NAME
    warc.write_bytes(make_warc())
    done = _run("warcio", "check", "-v", str(warc))
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout.count("digest pass") == 7


def test_py_wacz_validates_the_package(wacz: Path) -> None:
    done = _run("wacz", "validate", "-f", str(wacz))
    assert done.returncode == 0, done.stdout + done.stderr
    assert "Validation succeeded" in done.stdout


def test_py_wacz_rejects_a_changed_file(wacz: Path, tmp_path: Path) -> None:
    """The validator really checks hashes, so its approval above means something."""
    changed = _rewrite(
        wacz,
        tmp_path / "changed.wacz",
        lambda name, data: _flip(data, 3) if name == "postproof/proof.json" else data,
    )
    done = _run("wacz", "validate", "-f", str(changed))
    assert done.returncode == 1
    assert "Validation failed" in done.stdout
    assert "'proof.json': [{'type': 'hash-count'" in done.stdout


# -- what write_wacz writes ------------------------------------------------------------------------


def test_round_trip(wacz: Path) -> None:
    bundle = read_wacz(wacz)
    assert bundle.sha256 == hashlib.sha256(wacz.read_bytes()).hexdigest()
    assert bundle.warc_names == (WARC_NAME,)
    assert bundle.pages == (PAGE,)
    assert bundle.read(f"archive/{WARC_NAME}") == make_warc()
    assert bundle.read("postproof/proof.json") == PROOF_JSON
    package = bundle.datapackage
    assert package["profile"] == "data-package"
    assert package["wacz_version"] == "1.1.1"
    assert package["title"] == "Alice on Social, 1 May 2024"
    assert package["description"] == "One post captured by postproof."
    assert package["software"] == "postproof 0.1.0"
    assert package["created"] == package["modified"] == "2024-05-01T12:05:00Z"
    assert package["mainPageURL"] == PAGE_URL
    assert package["mainPageDate"] == "2024-05-01T12:00:00Z"
    assert [r.path for r in bundle.resources] == [
        f"archive/{WARC_NAME}",
        "indexes/index.cdx",
        "pages/pages.jsonl",
        "postproof/proof.json",
    ]
    proof = next(r for r in bundle.resources if r.path == "postproof/proof.json")
    assert proof.name == "proof.json"
    assert proof.hash == "sha256:" + hashlib.sha256(PROOF_JSON).hexdigest()
    assert proof.bytes == len(PROOF_JSON)


def test_index_is_cdxj_from_the_warc(wacz: Path) -> None:
    lines = read_wacz(wacz).read("indexes/index.cdx").decode().splitlines()
    assert lines == sorted(lines)
    entries = {line.split(" ", 2)[0]: json.loads(line.split(" ", 2)[2]) for line in lines}
    assert set(entries) == {
        "example,social)/@alice/1",
        "example,social)/media/heron.png",
        SCREENSHOT_URI,
    }
    # One line for the page: its metadata record, which would shadow it in pywb, is not indexed.
    assert [line for line in lines if line.startswith("example,social)/@alice/1 ")] == [
        line for line in lines if '"mime": "text/html"' in line
    ]
    page = entries["example,social)/@alice/1"]
    assert page["url"] == PAGE_URL
    assert page["filename"] == WARC_NAME  # relative to archive/, as replay tools expect
    assert page["mime"] == "text/html" and page["status"] == "200"
    # The offset and length point at the page's response record, and its digest is that record's.
    record = make_warc()[int(page["offset"]) : int(page["offset"]) + int(page["length"])]
    assert page["recordDigest"] == "sha256:" + hashlib.sha256(record).hexdigest()
    assert all(line.split(" ", 2)[1] == "20240501120000" for line in lines)


def test_pages_and_digest_files(wacz: Path) -> None:
    with zipfile.ZipFile(wacz) as zf:
        pages = [json.loads(line) for line in zf.read("pages/pages.jsonl").splitlines()]
        package = zf.read("datapackage.json")
        digest = json.loads(zf.read("datapackage-digest.json"))
    assert pages[0] == {
        "format": "json-pages-1.0",
        "id": "pages",
        "title": "All Pages",
        "hasText": True,
    }
    assert pages[1:] == [
        {
            "id": "page-c-1",
            "url": PAGE_URL,
            "ts": "2024-05-01T12:00:00Z",
            "title": "Alice on Social",
            "text": POST_TEXT,
        }
    ]
    assert digest == {
        "path": "datapackage.json",
        "hash": "sha256:" + hashlib.sha256(package).hexdigest(),
    }


def test_every_entry_is_stored_sorted_and_dated_from_created(wacz: Path) -> None:
    with zipfile.ZipFile(wacz) as zf:
        infos = zf.infolist()
    names = [info.filename for info in infos]
    assert names == sorted(names)
    assert "datapackage.json" in names and "datapackage-digest.json" in names
    assert {info.compress_type for info in infos} == {zipfile.ZIP_STORED}
    assert {info.date_time for info in infos} == {(2024, 5, 1, 12, 5, 0)}


def test_same_inputs_same_bytes(tmp_path: Path) -> None:
    infos = []
    for n in (1, 2):
        out = tmp_path / f"run{n}" / "capture.wacz"
        out.parent.mkdir()
        infos.append(
            write_wacz(
                out,
                [(WARC_NAME, make_warc())],
                [PAGE],
                {"postproof/proof.json": PROOF_JSON},
                title="t",
                software="postproof 0.1.0",
                created=CREATED,
            )
        )
    first, second = (info.path.read_bytes() for info in infos)
    assert first == second
    assert infos[0].sha256 == infos[1].sha256 == hashlib.sha256(first).hexdigest()
    assert infos[0].resources == infos[1].resources == read_wacz(infos[0].path).resources


def test_write_replaces_atomically_and_leaves_no_temporary_file(tmp_path: Path) -> None:
    out = tmp_path / "capture.wacz"
    write_test_wacz(out)
    before = out.read_bytes()
    with pytest.raises(WaczError, match=r"^archive/capture\.warc\.gz: the gzip member at byte 0"):
        write_test_wacz(out, warc=b"\x1f\x8b" + b"not a gzip stream at all")
    assert out.read_bytes() == before
    write_test_wacz(out)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["capture.wacz"]


def _cut(data: bytes) -> bytes:
    return data[:-50]


def _flip_in_the_page_record(data: bytes) -> bytes:
    """One byte of the post's text changed inside its record, and that record's gzip member made
    whole again: only the WARC's own digests can tell."""
    members = []
    rest = data
    while rest:
        member = zlib.decompressobj(wbits=31)
        plain = member.decompress(rest)
        members.append(plain)
        rest = member.unused_data
    needle = POST_TEXT.encode()
    return b"".join(
        gzip.compress(_flip(m, m.index(needle)) if needle in m else m, mtime=0) for m in members
    )


@pytest.mark.parametrize(
    ("spoil", "message"),
    [
        (_cut, r"^archive/capture\.warc\.gz: the gzip member at byte \d+ is cut short"),
        (lambda data: data + b"trailing junk", r"^archive/capture\.warc\.gz: the gzip member at "),
        (
            _flip_in_the_page_record,
            r"^archive/capture\.warc\.gz: record <urn:uuid:[-0-9]+> does not match its digest",
        ),
    ],
)
def test_write_refuses_a_damaged_warc(
    tmp_path: Path, spoil: Callable[[bytes], bytes], message: str
) -> None:
    with pytest.raises(WaczError, match=message):
        write_test_wacz(tmp_path / "x.wacz", warc=spoil(make_warc()))
    assert not any(tmp_path.iterdir())


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"extra": {"postproof/a/b.json": b"{}"}}, "must be 'folder/file'"),
        ({"extra": {"pages/notes.json": b"{}"}}, "may not go in pages/"),
        ({"extra": {"proof.json": b"{}"}}, "must be 'folder/file'"),
        ({"extra": {"postproof/pages.jsonl": b""}}, "would both be named 'pages.jsonl'"),
        ({"warc_name": "capture.warc"}, "is gzip-compressed; name it to match"),
        ({"warc_name": "../capture.warc.gz"}, "must be letters, digits"),
        ({"page": WaczPage(PAGE_URL, datetime(2024, 5, 1), None, None, "p")}, "timezone-aware"),
        ({"page": WaczPage(PAGE_URL + "/2", CAPTURED, None, None, "p")}, "has no response or"),
        ({"created": datetime(2024, 5, 1)}, "created must be a timezone-aware"),
        ({"created": datetime(1979, 12, 31, tzinfo=UTC)}, "before 1980"),
        ({"title": " "}, "non-empty title"),
    ],
)
def test_write_refuses_arguments_that_cannot_make_a_valid_package(
    tmp_path: Path, change: dict[str, Any], message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        _write(tmp_path / "x.wacz", **change)
    assert not any(tmp_path.iterdir())


def _write(
    out: Path,
    *,
    warc_name: str = WARC_NAME,
    page: WaczPage = PAGE,
    extra: dict[str, bytes] | None = None,
    created: datetime = CREATED,
    title: str = "t",
) -> None:
    write_wacz(
        out,
        [(warc_name, make_warc())],
        [page],
        extra or {},
        title=title,
        software="postproof 0.1.0",
        created=created,
    )


def test_several_warcs_and_a_signature_make_one_valid_package(tmp_path: Path) -> None:
    bob_at = datetime(2024, 5, 1, 12, 0, 1, 250000, tzinfo=UTC)
    bob = WaczPage(BOB_URL, bob_at, title=None, text=None, id="page-c-2")
    key = load_or_create_key(tmp_path / "key", name="postproof.test")

    def sign(digest: str) -> dict[str, str]:
        signature = base64.b64encode(key.sign(digest.encode("ascii"))).decode("ascii")
        return {"alg": "ed25519", "key": key.verifier, "signature": signature}

    out = tmp_path / "two.wacz"
    write_wacz(
        out,
        [(WARC_NAME, make_warc()), ("bob.warc.gz", make_bob_warc(bob_at))],
        [PAGE, bob],
        title="Two posts",
        software="postproof 0.1.0",
        created=CREATED,
        digest_signer=sign,
    )
    bundle = read_wacz(out)
    assert bundle.warc_names == ("bob.warc.gz", WARC_NAME)
    assert bundle.pages == (PAGE, bob)  # microseconds and absent titles survive the trip
    lines = bundle.read("indexes/index.cdx").decode().splitlines()
    assert lines == sorted(lines) and len(lines) == 4
    bob_line = next(line for line in lines if line.startswith("example,social)/@bob/2 "))
    assert bob_line.split(" ")[1] == "20240501120001"
    assert json.loads(bob_line.split(" ", 2)[2])["filename"] == "bob.warc.gz"
    bob_entry = json.loads(bundle.read("pages/pages.jsonl").splitlines()[2])
    assert bob_entry == {"id": "page-c-2", "url": BOB_URL, "ts": "2024-05-01T12:00:01.250000Z"}
    # The signature over datapackage.json's digest vouches for every file.
    block = bundle.digest["postproof_signature"]
    assert bundle.digest["hash"] == bundle.datapackage_hash
    assert block["key"] == key.verifier
    verifier = NoteVerifier.from_string(key.verifier)
    assert verifier.verify(bundle.datapackage_hash.encode(), base64.b64decode(block["signature"]))
    done = _run("wacz", "validate", "-f", str(out))
    assert done.returncode == 0, done.stdout + done.stderr


# -- read_wacz catches every kind of tampering -----------------------------------------------------

ENTRIES = [
    f"archive/{WARC_NAME}",
    "datapackage-digest.json",
    "datapackage.json",
    "indexes/index.cdx",
    "pages/pages.jsonl",
    "postproof/proof.json",
]


@pytest.mark.parametrize("entry", ENTRIES)
def test_one_changed_byte_in_any_file_is_caught(wacz: Path, tmp_path: Path, entry: str) -> None:
    def change(name: str, data: bytes) -> bytes:
        return _flip(data, len(data) // 2) if name == entry else data

    tampered = _rewrite(wacz, tmp_path / "tampered.wacz", change)
    with pytest.raises(WaczError) as caught:
        read_wacz(tampered)
    message = str(caught.value)
    if entry.startswith("datapackage"):
        # The digest file vouches for datapackage.json, which vouches for everything else.
        assert message.startswith("datapackage.json: SHA-256 is sha256:")
        assert "but datapackage-digest.json says sha256:" in message
    else:
        assert message.startswith(f"{entry}: SHA-256 is sha256:")
        assert "but datapackage.json says sha256:" in message


@pytest.mark.parametrize("entry", ENTRIES)
def test_a_flipped_byte_in_the_zip_file_fails_the_crc(
    wacz: Path, tmp_path: Path, entry: str
) -> None:
    raw = wacz.read_bytes()
    with zipfile.ZipFile(wacz) as zf:
        info = zf.getinfo(entry)
    # Local header: 30 fixed bytes, then the name and the extra field; the data follows.
    name_len = int.from_bytes(raw[info.header_offset + 26 : info.header_offset + 28], "little")
    extra_len = int.from_bytes(raw[info.header_offset + 28 : info.header_offset + 30], "little")
    data_start = info.header_offset + 30 + name_len + extra_len
    damaged = tmp_path / "damaged.wacz"
    damaged.write_bytes(_flip(raw, data_start + info.file_size // 2))
    with pytest.raises(WaczError, match=rf"^{entry}: the ZIP entry is corrupt \(Bad CRC-32"):
        read_wacz(damaged)


def test_every_flipped_bit_is_caught_by_a_check_or_by_the_file_hash(
    wacz: Path, tmp_path: Path
) -> None:
    """Flip one bit all over the file: read_wacz either refuses it with a WaczError
    (never another exception), or the flip hit ZIP bookkeeping that changes no file, and then the
    file's SHA-256 differs from the one recorded at write time."""
    raw = wacz.read_bytes()
    original = read_wacz(wacz)
    assert original.sha256 == hashlib.sha256(raw).hexdigest()
    damaged = tmp_path / "damaged.wacz"
    unchecked = 0
    for at in range(0, len(raw), 2):  # every ZIP header field is at least two bytes wide
        damaged.write_bytes(_flip(raw, at))
        try:
            bundle = read_wacz(damaged)
        except WaczError:
            continue
        unchecked += 1
        assert bundle.sha256 != original.sha256
        assert bundle.datapackage_hash == original.datapackage_hash
        assert bundle.resources == original.resources
    assert unchecked < len(raw) // 20


def test_an_unlisted_file_is_caught(wacz: Path, tmp_path: Path) -> None:
    added = _rewrite(wacz, tmp_path / "added.wacz", add={"postproof/extra.json": b"{}"})
    with pytest.raises(
        WaczError,
        match=r"^postproof/extra\.json is in the ZIP but is not listed in datapackage\.json",
    ):
        read_wacz(added)


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        (
            "postproof/proof.json",
            r"^postproof/proof\.json is listed in datapackage\.json but missing",
        ),
        (
            f"archive/{WARC_NAME}",
            r"^archive/capture\.warc\.gz is listed in datapackage\.json but missing",
        ),
        ("datapackage-digest.json", r"^datapackage-digest\.json is missing"),
        ("datapackage.json", r"has no datapackage\.json: it is not a WACZ package"),
    ],
)
def test_a_removed_file_is_caught(wacz: Path, tmp_path: Path, entry: str, message: str) -> None:
    removed = _rewrite(
        wacz, tmp_path / "removed.wacz", lambda name, data: None if name == entry else data
    )
    with pytest.raises(WaczError, match=message):
        read_wacz(removed)


def test_datapackage_edited_without_fixing_the_digest_is_caught(wacz: Path, tmp_path: Path) -> None:
    def retitle(name: str, data: bytes) -> bytes:
        if name != "datapackage.json":
            return data
        package = json.loads(data)
        package["title"] = "Someone else's post"
        return json.dumps(package, indent=2).encode()

    edited = _rewrite(wacz, tmp_path / "edited.wacz", retitle)
    with pytest.raises(
        WaczError,
        match=r"^datapackage\.json: SHA-256 is sha256:\w{64} but datapackage-digest\.json says",
    ):
        read_wacz(edited)


def test_a_consistent_rewrite_of_a_listed_hash_is_caught_at_the_file(
    wacz: Path, tmp_path: Path
) -> None:
    """Editing a file and its hash in datapackage.json, and the digest too, gives a self-consistent
    WACZ: only a signature over the package (kept outside it) can catch that. But editing the file
    and the digest without the listed hash is caught at the file."""

    def forge(name: str, data: bytes) -> bytes:
        return b'{"capture": "forged"}\n' if name == "postproof/proof.json" else data

    forged = _rewrite(wacz, tmp_path / "forged.wacz", forge)
    with pytest.raises(
        WaczError, match=r"^postproof/proof\.json: SHA-256 is .* \(22 bytes, listed as 35\)"
    ):
        read_wacz(forged)


@pytest.mark.parametrize("keep", [0.5, 0.99])
def test_a_truncated_file_is_caught(wacz: Path, tmp_path: Path, keep: float) -> None:
    raw = wacz.read_bytes()
    cut = tmp_path / "cut.wacz"
    cut.write_bytes(raw[: int(len(raw) * keep)])
    with pytest.raises(WaczError, match=r"cut\.wacz is not a readable ZIP file .*truncated"):
        read_wacz(cut)


def test_a_duplicate_entry_is_caught(wacz: Path, tmp_path: Path) -> None:
    with pytest.warns(UserWarning, match="Duplicate name"):
        doubled = _rewrite(wacz, tmp_path / "doubled.wacz", add={"postproof/proof.json": b"{}"})
    with pytest.raises(WaczError, match=r"two entries named postproof/proof\.json"):
        read_wacz(doubled)


def test_a_missing_file_is_reported_as_such(tmp_path: Path) -> None:
    with pytest.raises(WaczError, match=r"nothing\.wacz does not exist"):
        read_wacz(tmp_path / "nothing.wacz")


def test_bundle_read_checks_the_file_again(wacz: Path, tmp_path: Path) -> None:
    copy = tmp_path / "copy.wacz"
    copy.write_bytes(wacz.read_bytes())
    bundle = read_wacz(copy)
    with zipfile.ZipFile(copy) as zf:
        assert bundle.read("datapackage.json") == zf.read("datapackage.json")
        assert bundle.read("datapackage-digest.json") == zf.read("datapackage-digest.json")
    assert bundle.datapackage_hash == json.loads(bundle.read("datapackage-digest.json"))["hash"]
    _rewrite(wacz, copy, lambda name, data: b"{}" if name == "postproof/proof.json" else data)
    with pytest.raises(WaczError, match=r"^postproof/proof\.json: SHA-256 is .* changed since"):
        bundle.read("postproof/proof.json")
    with pytest.raises(WaczError, match=r"^postproof/nope\.json is not a file of the WACZ"):
        bundle.read("postproof/nope.json")


# -- replay in pywb --------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def pywb(wacz: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[PywbReplay]:
    with replay_wacz(wacz, tmp_path_factory.mktemp("replay")) as replay:
        yield replay


def test_pywb_replays_the_recorded_bytes(pywb: PywbReplay) -> None:
    import httpx

    with httpx.Client(trust_env=False, timeout=20) as client:
        page = client.get(pywb.url(PAGE_URL, CAPTURED, "id_"))
        shot = client.get(pywb.url(SCREENSHOT_URI, CAPTURED, "id_"))
    assert page.status_code == 200 and POST_TEXT in page.text
    assert page.headers["content-type"].startswith("text/html")  # not the metadata record
    assert shot.status_code == 200
    assert shot.content == _png((250, 250, 250), (64, 48))


@pytest.mark.browser
def test_the_post_shows_in_chromium_through_pywb(pywb: PywbReplay) -> None:
    seen = asyncio.run(_open_replay(pywb))
    assert seen.left_loopback == []
    assert POST_TEXT in seen.text
    assert seen.image_width == 40  # the image came from the archive too


@dataclass(frozen=True)
class Seen:
    text: str
    image_width: int
    left_loopback: list[str]


async def _open_replay(pywb: PywbReplay) -> Seen:
    from playwright.async_api import Route, async_playwright

    from archiver.browser import launch

    left: list[str] = []

    async def loopback_only(route: Route) -> None:
        if route.request.url.startswith(pywb.base + "/"):
            await route.continue_()
        else:
            left.append(route.request.url)
            await route.abort()

    async with async_playwright() as pw:
        browser, _ = await launch(pw)
        try:
            context = await browser.new_context(
                viewport={"width": 1000, "height": 800},
                device_scale_factor=1,
                locale="en-GB",
                timezone_id="UTC",
            )
            await context.route("**/*", loopback_only)
            page = await context.new_page()
            await page.goto(pywb.url(PAGE_URL, CAPTURED), wait_until="load")
            frame = page.frame_locator("iframe").first
            post = frame.locator("#post")
            await post.wait_for(timeout=15_000)
            text = await post.inner_text()
            width = await frame.locator("#post img").evaluate(
                "(img) => img.complete ? img.naturalWidth : 0"
            )
            await context.close()
        finally:
            await browser.close()
    return Seen(text, int(width), left)
