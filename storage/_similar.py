"""Near-duplicate images across the archive: which stored images look like a given one, in which
captures they appeared, and when first.

Two images match when their 64-bit pHashes differ in at most ``max_distance`` bits. When the
query also has a dHash, a stored image whose dHash is known must in addition be within
``max_distance + DHASH_SLACK`` bits of it: the dHash sees gradients the pHash smooths over, so
this cuts pHash collisions between unrelated images while leaving re-encoded and resized copies
(whose dHash moves about as much as their pHash) alone.

Speed without a new table or index: the hashes of every image artifact are read once per
process (per engine) and packed into large Python integers, 64 bits per image; a query XORs
the packed hashes with the query hash and counts the differing bits of every image at once
with the classic SWAR population count (bitwise operations on the whole integer run in C).
That is an exact scan, for every distance, at tens of milliseconds per million images. As
artifacts are append-only (the triggers of the initial migration), each query first reads
only the rows above the highest id it has seen.
"""

from __future__ import annotations

import logging
import threading
import weakref
from array import array
from collections.abc import Collection, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, col, func

from archiver.errors import UsageError
from archiver.models import ArtifactKind, isoformat_z
from storage._database import read_session
from storage._tables import Artifact, Capture

log = logging.getLogger("postproof.storage")

# Only these kinds carry perceptual hashes (the archiver computes them for image bytes).
IMAGE_KINDS = frozenset(
    str(kind)
    for kind in (ArtifactKind.SCREENSHOT, ArtifactKind.POST_SCREENSHOT, ArtifactKind.MEDIA)
)
DHASH_SLACK = 6  # how much further the dHash may be than the pHash (see the module docstring)
HASH_BITS = 64

_LANE = 8  # bytes per packed hash
_HEX_DIGITS = 2 * _LANE
_NO_HASH = "-" * _HEX_DIGITS  # stands for a missing dHash: as wide as a hash, never hex
_CHUNK_LANES = 4096  # hashes per packed integer: 32 KiB, small enough to stay in the CPU cache
_ID_BATCH = 500  # ids per IN (...) list, well below SQLite's limit on bound parameters


def _joined(value: Any, separator: str, ordered: bool) -> Any:
    """``value`` of every row joined into one string (``group_concat`` on SQLite, ``string_agg``
    on PostgreSQL). ``ordered``: by artifact id, for PostgreSQL, whose aggregates of one query
    need not see the rows in one order as SQLite's do."""
    joined = func.aggregate_strings(value, separator)
    return joined.aggregate_order_by(col(Artifact.id)) if ordered else joined


@dataclass(frozen=True)
class ImageMatch:
    """A stored image that looks like the query, in one capture. Distances are in bits (0 to
    64); ``dhash_distance`` is ``None`` when the query or the stored image has no dHash."""

    sha256: str
    capture_id: str
    kind: ArtifactKind
    source_url: str | None
    media_type: str
    canonical_url: str
    platform: str
    captured_at: datetime  # the capture's started_at, aware UTC
    phash_distance: int
    dhash_distance: int | None

    def to_json(self) -> dict[str, Any]:
        return {
            "sha256": self.sha256,
            "capture_id": self.capture_id,
            "kind": str(self.kind),
            "source_url": self.source_url,
            "media_type": self.media_type,
            "canonical_url": self.canonical_url,
            "platform": self.platform,
            "captured_at": isoformat_z(self.captured_at),
            "phash_distance": self.phash_distance,
            "dhash_distance": self.dhash_distance,
        }


def query_hashes(image_bytes: bytes, *, name: str = "FILE") -> tuple[str, str]:
    """The (pHash, dHash) of an image to search for, computed as the archiver computes those of
    the images it stores. ``name`` says what the bytes are in the error message."""
    from archiver.imaging import perceptual_hashes  # Pillow, loaded when an image is searched

    phash, dhash = perceptual_hashes(image_bytes)
    if phash is None or dhash is None:
        raise UsageError(
            f"{name} is not an image postproof can read (PNG, JPEG, GIF, WebP)",
            hint="give the image file itself, not a page or a document that shows it",
        )
    return phash, dhash


def find_similar(
    engine: sa.Engine,
    phash: str,
    dhash: str | None,
    *,
    max_distance: int = 10,
    kinds: Collection[str] | None = None,
    exclude_sha256: str | None = None,
    limit: int = 50,
) -> list[ImageMatch]:
    """Stored image artifacts that look like the image with these hashes (hex, as the archive
    stores them), nearest first and, at the same pHash distance, earliest capture first.

    ``kinds`` keeps only artifacts of those kinds (``None``: every image kind);
    ``exclude_sha256`` leaves out the image with those exact bytes, for example the query
    itself when it comes from the archive. An exact copy has distance 0. Every artifact is
    one match: the same bytes stored by three captures give three matches.
    """
    query_phash = _parse_hash(phash, "pHash")
    query_dhash = None if dhash is None else _parse_hash(dhash, "dHash")
    _check_bounds(max_distance, limit)
    wanted_kinds = _image_kinds(kinds)
    index = _index_for(engine)
    with read_session(engine) as session:
        hits = index.search(session, query_phash, query_dhash, max_distance)
        return _matches(session, hits, wanted_kinds, exclude_sha256, limit)


# -- the in-memory index -------------------------------------------------------------------


@dataclass(frozen=True)
class _Hit:
    artifact_id: int
    phash_distance: int
    dhash_distance: int | None


@dataclass
class _HashIndex:
    """The pHash and dHash of every image artifact of one database, in artifact id order.

    ``phashes`` and ``dhashes`` hold 8 big-endian bytes per image; ``packed`` holds the same
    pHashes as integers of ``_CHUNK_LANES`` images each, the first image in the top bits.
    """

    last_id: int = 0  # the highest artifact id read, image or not
    artifact_ids: array[int] = field(default_factory=lambda: array("q"))
    phashes: bytearray = field(default_factory=bytearray)
    dhashes: bytearray = field(default_factory=bytearray)
    no_dhash: set[int] = field(default_factory=set)  # positions of images without a dHash
    packed: list[int] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def search(
        self, session: Session, phash: int, dhash: int | None, max_distance: int
    ) -> list[_Hit]:
        with self.lock:
            self._refresh(session)
            return [
                hit
                for position in self._within(phash, max_distance)
                if (hit := self._hit(position, phash, dhash, max_distance)) is not None
            ]

    def _hit(self, position: int, phash: int, dhash: int | None, max_distance: int) -> _Hit | None:
        phash_distance = (self._hash(self.phashes, position) ^ phash).bit_count()
        dhash_distance = None
        if dhash is not None and position not in self.no_dhash:
            dhash_distance = (self._hash(self.dhashes, position) ^ dhash).bit_count()
            if dhash_distance > max_distance + DHASH_SLACK:
                return None
        return _Hit(self.artifact_ids[position], phash_distance, dhash_distance)

    @staticmethod
    def _hash(packed: bytearray, position: int) -> int:
        return int.from_bytes(packed[position * _LANE : (position + 1) * _LANE], "big")

    def _refresh(self, session: Session) -> None:
        connection = session.connection()
        newest = connection.execute(sa.select(func.max(col(Artifact.id)))).scalar_one()
        if newest is None or newest < self.last_id:
            # Artifacts are never deleted: fewer of them means another database file (a backup
            # put back while this process ran). Start again.
            self._reset()
            if newest is None:
                return
        if newest == self.last_id:
            return
        # One row of three long strings rather than one row per image: several times faster to
        # read. Every hash in them has 16 characters, so the i-th id and the i-th hash of each
        # string belong to the same artifact (the aggregates of one query see the rows in the
        # same order, whatever that order is).
        dhash = col(Artifact.dhash)
        ordered = connection.dialect.name == "postgresql"
        ids_text, phash_text, dhash_text = connection.execute(
            sa.select(
                _joined(sa.cast(col(Artifact.id), sa.String), ",", ordered),
                _joined(col(Artifact.phash), "", ordered),
                _joined(
                    sa.case((func.length(dhash) == _HEX_DIGITS, dhash), else_=_NO_HASH),
                    "",
                    ordered,
                ),
            ).where(
                col(Artifact.id) > self.last_id,
                col(Artifact.id) <= newest,
                func.length(col(Artifact.phash)) == _HEX_DIGITS,
            )
        ).one()
        if ids_text is not None:
            self._append(ids_text, phash_text, dhash_text)
        self.last_id = newest

    def _reset(self) -> None:
        self.last_id = 0
        self.artifact_ids = array("q")
        self.phashes = bytearray()
        self.dhashes = bytearray()
        self.no_dhash = set()
        self.packed = []

    def _append(self, ids_text: str, phash_text: str, dhash_text: str) -> None:
        ids = array("q", map(int, ids_text.split(",")))
        phashes = _unhex(phash_text, len(ids))
        if phashes is None:  # some stored pHash is not hex: that image cannot be compared
            lanes = _lanes(phash_text)
            keep = [lane for lane, value in enumerate(lanes) if value is not None]
            log.warning("%d image artifact(s) have no readable pHash", len(ids) - len(keep))
            ids = array("q", (ids[lane] for lane in keep))
            phashes = b"".join(lanes[lane] or b"" for lane in keep)
            width = _HEX_DIGITS
            dhash_text = "".join(dhash_text[lane * width : (lane + 1) * width] for lane in keep)
        first = len(self.artifact_ids)
        dhashes = _unhex(dhash_text, len(ids))
        if dhashes is None:  # some image has no dHash: mark those
            lanes = _lanes(dhash_text)
            self.no_dhash.update(first + lane for lane, value in enumerate(lanes) if value is None)
            dhashes = b"".join(value or bytes(_LANE) for value in lanes)
        self.artifact_ids += ids
        self.phashes += phashes
        self.dhashes += dhashes
        self._repack(first)

    def _repack(self, first: int) -> None:
        """Rebuild the packed integers from the one holding position ``first`` on."""
        start_chunk = first // _CHUNK_LANES
        del self.packed[start_chunk:]
        step = _CHUNK_LANES * _LANE
        for start in range(start_chunk * step, len(self.phashes), step):
            self.packed.append(int.from_bytes(self.phashes[start : start + step], "big"))

    def _within(self, query: int, max_distance: int) -> Iterator[int]:
        """Positions of the images whose pHash is within ``max_distance`` bits of ``query``."""
        total = len(self.artifact_ids)
        masks: dict[int, _Masks] = {}
        for chunk, packed in enumerate(self.packed):
            lanes = min(_CHUNK_LANES, total - chunk * _CHUNK_LANES)
            if lanes not in masks:
                masks[lanes] = _Masks.build(lanes, query, max_distance)
            flags = _near_lanes(packed, masks[lanes])
            if not flags:
                continue
            found = flags.to_bytes(lanes * _LANE, "big")
            offset = found.find(0x80)
            while offset != -1:
                yield chunk * _CHUNK_LANES + offset // _LANE
                offset = found.find(0x80, offset + _LANE)


@dataclass(frozen=True)
class _Masks:
    """The constants of one packed scan, each repeated once per 64-bit lane."""

    query: int
    pairs: int  # 0x55…: every other bit
    nibble_pairs: int  # 0x33…
    nibbles: int  # 0x0f…
    top_byte: int  # 0xff00000000000000 per lane
    threshold: int  # (128 + max_distance) in the top byte of each lane
    flag: int  # 0x80 in the top byte of each lane

    @classmethod
    def build(cls, lanes: int, query: int, max_distance: int) -> _Masks:
        def repeat(value: int) -> int:
            return int.from_bytes(value.to_bytes(_LANE, "big") * lanes, "big")

        return cls(
            query=repeat(query),
            pairs=repeat(0x5555555555555555),
            nibble_pairs=repeat(0x3333333333333333),
            nibbles=repeat(0x0F0F0F0F0F0F0F0F),
            top_byte=repeat(0xFF << 56),
            threshold=repeat((128 + max_distance) << 56),
            flag=repeat(0x80 << 56),
        )


def _near_lanes(packed: int, masks: _Masks) -> int:
    """0x80 in the top byte of every lane whose bit count after XOR with the query is at most
    the distance, 0 elsewhere: a population count of all lanes at once."""
    bits = packed ^ masks.query
    # Count the bits of each 2-bit, then 4-bit, then 8-bit field. No field borrows from or
    # carries into its neighbour, so the lanes never disturb each other.
    bits -= (bits >> 1) & masks.pairs
    bits = (bits & masks.nibble_pairs) + ((bits >> 2) & masks.nibble_pairs)
    bits = (bits + (bits >> 4)) & masks.nibbles
    # Multiplying by 0x0101…01 sums the 8 byte counts of a lane into its top byte. Every byte
    # column of the product adds at most 8 counts of at most 8, so nothing carries: the other
    # bytes hold partial sums, which the mask drops.
    counts = (bits * 0x0101010101010101) & masks.top_byte
    # 128 + distance - count keeps bit 7 set exactly when count <= distance (count <= 64, so
    # no lane borrows from the next).
    return (masks.threshold - counts) & masks.flag


def _unhex(text: str, count: int) -> bytes | None:
    """The ``count`` hashes written one after the other in ``text`` as 8 bytes each, or
    ``None`` unless ``text`` is exactly ``count`` times 16 hex digits."""
    if len(text) != count * _HEX_DIGITS:
        return None
    try:
        packed = bytes.fromhex(text)
    except ValueError:
        return None
    # fromhex skips spaces, so the length is what proves that every character was a digit.
    return packed if len(packed) == count * _LANE else None


def _lanes(text: str) -> list[bytes | None]:
    """Each 16-character hash of ``text`` as 8 bytes, or ``None`` where it is not hex."""
    return [
        _unhex(text[start : start + _HEX_DIGITS], 1) for start in range(0, len(text), _HEX_DIGITS)
    ]


_INDEXES: weakref.WeakKeyDictionary[sa.Engine, _HashIndex] = weakref.WeakKeyDictionary()
_INDEXES_LOCK = threading.Lock()


def _index_for(engine: sa.Engine) -> _HashIndex:
    with _INDEXES_LOCK:
        index = _INDEXES.get(engine)
        if index is None:
            index = _INDEXES[engine] = _HashIndex()
        return index


# -- from hits to matches --------------------------------------------------------------------


def _matches(
    session: Session,
    hits: Sequence[_Hit],
    kinds: frozenset[str] | None,
    exclude_sha256: str | None,
    limit: int,
) -> list[ImageMatch]:
    """Look up the captures of the nearest hits until ``limit`` matches are certain.

    Hits are read nearest first, in whole distances: when the filters drop none, one read
    holds the ``limit`` nearest and every other hit at the farthest of those distances, so
    that the earliest captures among those come first. Each further read, if the filters
    dropped some, takes the next distances.
    """
    nearest = sorted(hits, key=lambda hit: hit.phash_distance)
    found: list[tuple[tuple[int, datetime, str, int], ImageMatch]] = []
    taken = 0
    while taken < len(nearest) and len(found) < limit:
        end = min(taken + limit - len(found), len(nearest))
        farthest = nearest[end - 1].phash_distance
        while end < len(nearest) and nearest[end].phash_distance == farthest:
            end += 1
        found.extend(_details(session, nearest[taken:end], kinds, exclude_sha256))
        taken = end
    found.sort(key=lambda pair: pair[0])
    return [match for _key, match in found[:limit]]


def _details(
    session: Session,
    hits: Sequence[_Hit],
    kinds: frozenset[str] | None,
    exclude_sha256: str | None,
) -> Iterable[tuple[tuple[int, datetime, str, int], ImageMatch]]:
    by_id = {hit.artifact_id: hit for hit in hits}
    ids = list(by_id)
    # Columns, not ORM objects: a wide search may return every image of the archive.
    columns = (
        col(Artifact.id),
        col(Artifact.sha256),
        col(Artifact.capture_id),
        col(Artifact.kind),
        col(Artifact.source_url),
        col(Artifact.media_type),
        col(Capture.canonical_url),
        col(Capture.platform),
        col(Capture.started_at),
    )
    for start in range(0, len(ids), _ID_BATCH):
        query = (
            sa.select(*columns)
            .join(Capture, col(Capture.id) == col(Artifact.capture_id))
            .where(col(Artifact.id).in_(ids[start : start + _ID_BATCH]))
        )
        if kinds is not None:
            query = query.where(col(Artifact.kind).in_(sorted(kinds)))
        if exclude_sha256 is not None:
            query = query.where(col(Artifact.sha256) != exclude_sha256.lower())
        for row in session.connection().execute(query):
            hit = by_id[row.id]
            match = ImageMatch(
                sha256=row.sha256,
                capture_id=row.capture_id,
                kind=ArtifactKind(row.kind),
                source_url=row.source_url,
                media_type=row.media_type,
                canonical_url=row.canonical_url,
                platform=row.platform,
                captured_at=row.started_at,
                phash_distance=hit.phash_distance,
                dhash_distance=hit.dhash_distance,
            )
            yield (hit.phash_distance, row.started_at, row.capture_id, row.id), match


# -- checking the question -------------------------------------------------------------------


def _parse_hash(text: str, name: str) -> int:
    packed = _unhex(text.strip(), 1)
    if packed is None:
        raise UsageError(
            f"{name} {text!r} is not a 64-bit perceptual hash",
            hint="give 16 hexadecimal digits, as `postproof show` prints them",
        )
    return int.from_bytes(packed, "big")


def _check_bounds(max_distance: int, limit: int) -> None:
    if not 0 <= max_distance <= HASH_BITS:
        raise UsageError(
            f"the maximum distance must be between 0 and {HASH_BITS} bits, not {max_distance}",
            hint="10 finds re-encoded and resized copies; 0 finds only identical-looking images",
        )
    if limit < 1:
        raise UsageError(f"the limit must be at least 1, not {limit}")


def _image_kinds(kinds: Collection[str] | None) -> frozenset[str] | None:
    if kinds is None:
        return None
    chosen = frozenset(str(kind) for kind in kinds)
    unknown = sorted(chosen - IMAGE_KINDS)
    if unknown:
        raise UsageError(
            f"artifacts of kind {', '.join(unknown)} are not images",
            hint=f"choose among {', '.join(sorted(IMAGE_KINDS))}",
        )
    return chosen
