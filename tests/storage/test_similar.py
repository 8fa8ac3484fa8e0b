"""Near-duplicate image search: real images in a real archive, and the packed scan checked
against a brute-force scan of the same database."""

from __future__ import annotations

import io
import random
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from PIL import Image, ImageDraw, ImageFilter

from archiver.errors import UsageError
from archiver.imaging import perceptual_hashes
from archiver.models import Artifact, ArtifactKind
from storage import Archive
from storage._database import create_archive_engine, write_session
from storage._similar import DHASH_SLACK, ImageMatch, find_similar, query_hashes
from storage._tables import Artifact as ArtifactRow
from tests.engines import RawDatabase
from tests.storage.factories import T0, make_result

# -- images ----------------------------------------------------------------------------------


def photo(seed: int, size: tuple[int, int] = (320, 240)) -> Image.Image:
    """A photo-like picture: gradient, shapes, text and noise, all drawn from ``seed``. (The
    perceptual hashes of flat colours collide, so those would prove nothing.)"""
    rng = random.Random(seed)
    width, height = size
    colours = [tuple(rng.randrange(256) for _ in range(3)) for _ in range(2)]
    ramp = Image.linear_gradient("L").resize(size).rotate(rng.choice([0, 90, 180, 270]))
    image = Image.composite(
        Image.new("RGB", size, colours[0]), Image.new("RGB", size, colours[1]), ramp
    )
    draw = ImageDraw.Draw(image)
    for _ in range(6):
        left, top = rng.randrange(width), rng.randrange(height)
        box = (left, top, left + rng.randrange(20, 160), top + rng.randrange(20, 120))
        fill = tuple(rng.randrange(256) for _ in range(3))
        (draw.ellipse if rng.random() < 0.5 else draw.rectangle)(box, fill=fill)
    draw.text(
        (rng.randrange(width // 2), rng.randrange(height - 20)), f"photo {seed}", fill="white"
    )
    noise = Image.frombytes("L", size, rng.randbytes(width * height)).convert("RGB")
    return Image.blend(image, noise, 0.15).filter(ImageFilter.GaussianBlur(0.6))


def encoded(image: Image.Image, image_format: str = "PNG", **options: Any) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format=image_format, **options)
    return buffer.getvalue()


def image_artifact(
    data: bytes, kind: ArtifactKind = ArtifactKind.MEDIA, media_type: str = "image/png"
) -> Artifact:
    phash, dhash = perceptual_hashes(data)
    assert phash is not None and dhash is not None
    source_url = f"https://social.example/media/{len(data)}" if kind is ArtifactKind.MEDIA else None
    return Artifact.from_bytes(
        kind, data, media_type, phash=phash, dhash=dhash, source_url=source_url
    )


def store(archive: Archive, number: int, started_at: datetime, *artifacts: Artifact) -> str:
    result = make_result(
        f"https://social.example/@alice/{number}",
        post_id=str(number),
        started_at=started_at,
        artifacts=artifacts,
    )
    return archive.store(result)


@pytest.fixture
def engine(archive: Archive, backend: str | None) -> Iterator[sa.Engine]:
    engine = create_archive_engine(archive.database_path, backend)
    yield engine
    engine.dispose()


# -- real images -----------------------------------------------------------------------------

ORIGINAL = encoded(photo(0))


@pytest.fixture
def captures(archive: Archive) -> dict[str, str]:
    """The same photo in three captures (twice with the same bytes, once re-encoded), stored
    out of time order, next to two unrelated photos."""
    later = store(archive, 1, T0 + timedelta(days=2), image_artifact(ORIGINAL))
    unrelated = store(
        archive,
        2,
        T0 + timedelta(days=1),
        image_artifact(encoded(photo(1))),
        image_artifact(encoded(photo(2)), ArtifactKind.SCREENSHOT),
    )
    first = store(archive, 3, T0, image_artifact(ORIGINAL, ArtifactKind.POST_SCREENSHOT))
    middle = store(
        archive,
        4,
        T0 + timedelta(hours=5),
        image_artifact(encoded(photo(0), "JPEG", quality=85), media_type="image/jpeg"),
    )
    return {"first": first, "middle": middle, "later": later, "unrelated": unrelated}


@pytest.mark.parametrize(
    "copy",
    [
        pytest.param(encoded(photo(0), "JPEG", quality=70), id="jpeg-quality-70"),
        pytest.param(
            encoded(photo(0).resize((192, 144), Image.Resampling.LANCZOS)), id="resized-60%"
        ),
    ],
)
def test_a_changed_copy_finds_every_appearance_earliest_first(
    engine: sa.Engine, captures: dict[str, str], copy: bytes
) -> None:
    phash, dhash = query_hashes(copy)
    matches = find_similar(engine, phash, dhash)
    assert [m.capture_id for m in matches] == [
        captures["first"],
        captures["middle"],
        captures["later"],
    ]
    for match in matches:
        assert match.phash_distance <= 2
        assert match.dhash_distance is not None and match.dhash_distance <= 8
    assert matches[0].captured_at == T0
    assert matches[0].captured_at.tzinfo is UTC
    assert matches[0].kind is ArtifactKind.POST_SCREENSHOT
    assert matches[0].canonical_url == "https://social.example/@alice/3"
    assert matches[0].platform == "mastodon"


def test_unrelated_images_are_not_found(engine: sa.Engine, captures: dict[str, str]) -> None:
    assert find_similar(engine, *query_hashes(encoded(photo(6)))) == []
    for seed in (1, 2):  # archived, but unrelated to each other and to photo 0
        [match] = find_similar(engine, *query_hashes(encoded(photo(seed))))
        assert match.capture_id == captures["unrelated"]


def test_an_exact_copy_is_at_distance_zero(engine: sa.Engine, captures: dict[str, str]) -> None:
    matches = find_similar(engine, *query_hashes(ORIGINAL), max_distance=0)
    exact = [m for m in matches if m.capture_id in (captures["first"], captures["later"])]
    assert len(exact) == 2
    for match in exact:
        assert (match.phash_distance, match.dhash_distance) == (0, 0)
        assert match.sha256 == Artifact.from_bytes(ArtifactKind.MEDIA, ORIGINAL, "").sha256


def test_kinds_and_an_excluded_sha256_filter(engine: sa.Engine, captures: dict[str, str]) -> None:
    phash, dhash = query_hashes(ORIGINAL)
    media = find_similar(engine, phash, dhash, kinds=["media"])
    assert [m.capture_id for m in media] == [captures["middle"], captures["later"]]
    assert {m.kind for m in media} == {ArtifactKind.MEDIA}
    assert media[0].media_type == "image/jpeg"
    assert media[1].source_url == f"https://social.example/media/{len(ORIGINAL)}"

    own = Artifact.from_bytes(ArtifactKind.MEDIA, ORIGINAL, "").sha256
    others = find_similar(engine, phash, dhash, exclude_sha256=own)
    assert [m.capture_id for m in others] == [captures["middle"]]
    assert find_similar(engine, phash, dhash, kinds=[]) == []


def test_the_limit_keeps_the_earliest_of_the_nearest(
    engine: sa.Engine, captures: dict[str, str]
) -> None:
    [match] = find_similar(engine, *query_hashes(ORIGINAL), limit=1)
    assert match.capture_id == captures["first"]


def test_a_match_as_json(engine: sa.Engine, captures: dict[str, str]) -> None:
    [match] = find_similar(engine, *query_hashes(ORIGINAL), limit=1)
    assert match.to_json() == {
        "sha256": match.sha256,
        "capture_id": captures["first"],
        "kind": "post_screenshot",
        "source_url": None,
        "media_type": "image/png",
        "canonical_url": "https://social.example/@alice/3",
        "platform": "mastodon",
        "captured_at": "2025-03-01T12:00:00.000Z",
        "phash_distance": 0,
        "dhash_distance": 0,
    }


def test_new_captures_are_found_by_the_next_query(archive: Archive, engine: sa.Engine) -> None:
    phash, dhash = query_hashes(ORIGINAL)
    assert find_similar(engine, phash, dhash) == []
    capture_id = store(archive, 1, T0, image_artifact(ORIGINAL))
    assert [m.capture_id for m in find_similar(engine, phash, dhash)] == [capture_id]


def test_a_database_put_back_from_a_backup_is_read_again(
    archive: Archive, engine: sa.Engine, raw: RawDatabase
) -> None:
    phash, dhash = query_hashes(ORIGINAL)
    kept = store(archive, 1, T0, image_artifact(ORIGINAL))
    store(archive, 2, T0 + timedelta(days=1), image_artifact(ORIGINAL, ArtifactKind.SCREENSHOT))
    assert len(find_similar(engine, phash, dhash)) == 2
    # Artifacts are append-only; only a different database file has fewer of them.
    raw.tamper(
        "DROP TRIGGER artifacts_append_only_delete",
        f"DELETE FROM artifacts WHERE capture_id != '{kept}'",
    )
    assert [m.capture_id for m in find_similar(engine, phash, dhash)] == [kept]


def test_bytes_that_are_no_image_are_refused() -> None:
    for data in (b"", b"<html>not a picture</html>", ORIGINAL[: len(ORIGINAL) // 2]):
        with pytest.raises(UsageError, match=r"is not an image postproof can read \(PNG, JPEG"):
            query_hashes(data)
    with pytest.raises(UsageError) as caught:
        query_hashes(b"%PDF-1.7", name="report.pdf")
    assert str(caught.value) == (
        "report.pdf is not an image postproof can read (PNG, JPEG, GIF, WebP)"
    )
    assert caught.value.hint


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        ({"phash": "12345"}, "not a 64-bit perceptual hash"),
        ({"phash": "zz" * 8}, "not a 64-bit perceptual hash"),
        ({"dhash": "0 " * 8}, "not a 64-bit perceptual hash"),
        ({"max_distance": -1}, "between 0 and 64 bits"),
        ({"max_distance": 65}, "between 0 and 64 bits"),
        ({"limit": 0}, "at least 1"),
        ({"kinds": ["media", "html"]}, "kind html are not images"),
    ],
)
def test_a_bad_question_is_a_usage_error(
    engine: sa.Engine, arguments: dict[str, Any], message: str
) -> None:
    question: dict[str, Any] = {"phash": "0" * 16, "dhash": "0" * 16, **arguments}
    with pytest.raises(UsageError, match=message):
        find_similar(engine, question.pop("phash"), question.pop("dhash"), **question)


# -- the dHash rule, on rows written by hand -------------------------------------------------


def flipped(value: int, bits: int) -> str:
    """``value`` with its lowest ``bits`` bits flipped, as 16 hex digits."""
    return f"{value ^ ((1 << bits) - 1):016x}"


def insert_artifacts(engine: sa.Engine, rows: list[dict[str, Any]]) -> None:
    """Artifact rows without blobs: enough for a search, which never reads the bytes."""
    with write_session(engine) as session:
        session.execute(sa.insert(ArtifactRow), rows)


def hashed_row(
    capture_id: str, number: int, phash: str | None, dhash: str | None, kind: str = "media"
) -> dict[str, Any]:
    return {
        "capture_id": capture_id,
        "kind": kind,
        "sha256": f"{number:064x}",
        "size": 1,
        "media_type": "image/png",
        "phash": phash,
        "dhash": dhash,
        "source_url": None,
    }


def test_the_dhash_may_be_a_little_further_than_the_phash(
    archive: Archive, engine: sa.Engine
) -> None:
    capture_id = store(archive, 1, T0)
    base = 0x0123456789ABCDEF
    insert_artifacts(
        engine,
        [
            hashed_row(capture_id, 1, flipped(base, 4), flipped(base, 4 + DHASH_SLACK)),
            hashed_row(capture_id, 2, flipped(base, 4), flipped(base, 4 + DHASH_SLACK + 1)),
            hashed_row(capture_id, 3, flipped(base, 4), None),
            hashed_row(capture_id, 4, flipped(base, 5), flipped(base, 0)),
        ],
    )
    query = f"{base:016x}"

    found = find_similar(engine, query, query, max_distance=4)
    assert [(m.sha256[-1], m.phash_distance, m.dhash_distance) for m in found] == [
        ("1", 4, 4 + DHASH_SLACK),
        ("3", 4, None),  # no dHash stored: the pHash decides alone
    ]
    without_dhash = find_similar(engine, query, None, max_distance=4)
    assert [(m.sha256[-1], m.dhash_distance) for m in without_dhash] == [
        ("1", None),
        ("2", None),
        ("3", None),
    ]


# -- the packed scan against brute force -----------------------------------------------------


Oracle = list[tuple[int, str, str, str, int, int | None, str]]


def stored_rows(engine: sa.Engine) -> Oracle:
    """Every artifact whose pHash can be read, with its capture's time (as stored text, which
    sorts chronologically)."""
    with engine.connect() as connection:
        rows = connection.execute(
            sa.text(
                "SELECT a.id, a.sha256, a.capture_id, a.kind, a.phash, a.dhash, c.started_at "
                "FROM artifacts a JOIN captures c ON c.id = a.capture_id"
            )
        ).all()
    oracle = []
    for artifact_id, sha256, capture_id, kind, phash, dhash, started_at in rows:
        phash_value = readable(phash)
        if phash_value is not None:
            oracle.append(
                (artifact_id, sha256, capture_id, kind, phash_value, readable(dhash), started_at)
            )
    return oracle


def readable(text: str | None) -> int | None:
    if text is None or len(text) != 16:
        return None
    try:
        return int(text, 16)
    except ValueError:
        return None


def brute_force(
    rows: Oracle,
    phash: str,
    dhash: str | None,
    max_distance: int,
    limit: int,
    kinds: set[str] | None = None,
    exclude_sha256: str | None = None,
) -> list[tuple[str, str, int, int | None]]:
    """The search written the obvious way: every row, every distance, in Python."""
    query_phash = int(phash, 16)
    query_dhash = None if dhash is None else int(dhash, 16)
    found = []
    for artifact_id, sha256, capture_id, kind, stored_phash, stored_dhash, started_at in rows:
        if (kinds is not None and kind not in kinds) or sha256 == exclude_sha256:
            continue
        phash_distance = (stored_phash ^ query_phash).bit_count()
        if phash_distance > max_distance:
            continue
        dhash_distance = None
        if query_dhash is not None and stored_dhash is not None:
            dhash_distance = (stored_dhash ^ query_dhash).bit_count()
            if dhash_distance > max_distance + DHASH_SLACK:
                continue
        key = (phash_distance, started_at, capture_id, artifact_id)
        found.append((key, (sha256, capture_id, phash_distance, dhash_distance)))
    found.sort(key=lambda pair: pair[0])
    return [match for _key, match in found[:limit]]


def summary(matches: list[ImageMatch]) -> list[tuple[str, str, int, int | None]]:
    return [(m.sha256, m.capture_id, m.phash_distance, m.dhash_distance) for m in matches]


def random_rows(
    rng: random.Random, capture_ids: list[str], centres: list[int], start: int, count: int
) -> list[dict[str, Any]]:
    """Hashes clustered around ``centres`` (so that there is something to find at every
    distance), with some rows no search may return or must compare by pHash alone."""
    rows = []
    for number in range(start, start + count):
        centre = rng.choice(centres)
        phash = centre ^ sum(1 << bit for bit in rng.sample(range(64), rng.randrange(20)))
        dhash = centre ^ sum(1 << bit for bit in rng.sample(range(64), rng.randrange(24)))
        phash_text, dhash_text = f"{phash:016x}", f"{dhash:016x}"
        stored_phash: str | None = phash_text
        stored_dhash: str | None = dhash_text
        roll = rng.random()
        if roll < 0.02:
            stored_phash = stored_dhash = None  # not an image
        elif roll < 0.03:
            stored_phash = rng.choice(["not a hash", "01 23 456789abcd"])
        elif roll < 0.04:
            stored_phash = "zz" + phash_text[2:]
        elif roll < 0.06:
            stored_dhash = rng.choice([None, "abc"])
        elif roll < 0.08:
            stored_phash = phash_text.upper()
        kind = rng.choice(["media", "media", "screenshot", "post_screenshot"])
        rows.append(hashed_row(rng.choice(capture_ids), number, stored_phash, stored_dhash, kind))
    return rows


def test_the_search_returns_exactly_what_a_brute_force_scan_returns(
    archive: Archive, engine: sa.Engine
) -> None:
    rng = random.Random(20250301)
    # Some captures share a start time, so ties are broken by capture id, then artifact id.
    capture_ids = [
        store(archive, number, T0 + timedelta(hours=rng.randrange(6))) for number in range(12)
    ]
    centres = [rng.getrandbits(64) for _ in range(40)]
    questions = []
    for number in range(6):
        centre = rng.choice(centres)
        near = centre ^ sum(1 << bit for bit in rng.sample(range(64), rng.randrange(6)))
        questions.append((f"{near:016x}", None if number % 3 == 0 else f"{centre:016x}"))
    questions.append((f"{rng.getrandbits(64):016x}", f"{rng.getrandbits(64):016x}"))

    # Two batches: the second query refreshes an index that already holds the first, and the
    # rows cross the boundary between two packed integers.
    for batch in range(2):
        insert_artifacts(engine, random_rows(rng, capture_ids, centres, batch * 2600, 2600))
        rows = stored_rows(engine)
        for max_distance in (0, 1, 3, 7, 10, 16, 33, 64):
            for phash, dhash in questions:
                # Every match up to 16 bits; only the nearest 7 beyond, where most rows match.
                for limit in (7, 10_000) if max_distance <= 16 else (7,):
                    expected = brute_force(rows, phash, dhash, max_distance, limit)
                    actual = find_similar(
                        engine, phash, dhash, max_distance=max_distance, limit=limit
                    )
                    assert summary(actual) == expected, (max_distance, phash, dhash, limit)
                # Filters drop some of the nearest hits: the search must read further ones.
                nearest = expected[0][0] if expected else None
                filtered = find_similar(
                    engine,
                    phash,
                    dhash,
                    max_distance=max_distance,
                    kinds=["screenshot"],
                    exclude_sha256=nearest,
                    limit=7,
                )
                assert summary(filtered) == brute_force(
                    rows, phash, dhash, max_distance, 7, {"screenshot"}, nearest
                )
        everything = find_similar(engine, "0" * 16, None, max_distance=64, limit=10_000)
        assert summary(everything) == brute_force(rows, "0" * 16, None, 64, 10_000)
    assert len(everything) > 4096
