"""A capture or article is found from the first characters of its id on both engines, by a range
over the key (read from its index) rather than a scan: the range must hold exactly the ids that
start with the prefix, whatever the engine's collation, at the alphabet's last letter too."""

from __future__ import annotations

import random
from collections.abc import Iterator
from pathlib import Path

import pytest

from archiver.errors import UsageError
from storage import Archive, open_archive
from storage._ids import ALPHABET, prefix_bounds
from tests.storage.factories import fixed_clock, make_result

# Neighbours around a carry: "abzz…" and "ac00…" must not be taken for one another.
IDS = ["abzy9999", "abzz1234", "ac000000", "zzzy0000", "zzzz0000", "zzzzzzzz", "0000abcd"]


def test_the_bounds_hold_exactly_the_ids_with_the_prefix() -> None:
    draw = random.Random(7)
    ids = ["".join(draw.choice(ALPHABET) for _ in range(8)) for _ in range(2000)]
    prefixes = ["abzz", "zzzz", "zzz0", "0000", "a9zz"] + [
        i[: draw.randint(1, 8)] for i in ids[:300]
    ]
    for prefix in prefixes:
        low, high = prefix_bounds(prefix)
        within = {i for i in ids if i >= low and (high is None or i < high)}
        assert within == {i for i in ids if i.startswith(prefix)}, prefix


@pytest.fixture
def ids_archive(home: Path, backend: str | None) -> Iterator[Archive]:
    drawn = iter(IDS)
    with open_archive(
        home, clock=fixed_clock(), new_id=lambda: next(drawn), database_url=backend
    ) as opened:
        for n in range(len(IDS)):
            opened.store(make_result(f"https://social.example/@alice/{n}", post_id=str(n)))
        yield opened


@pytest.mark.parametrize(
    ("prefix", "found"),
    [
        ("abzz", "abzz1234"),
        ("ABZY", "abzy9999"),
        ("ac00", "ac000000"),
        ("zzzzz", "zzzzzzzz"),
        ("zzzy", "zzzy0000"),
        ("0000", "0000abcd"),
        ("abzz1234", "abzz1234"),
    ],
)
def test_a_prefix_finds_its_one_capture(ids_archive: Archive, prefix: str, found: str) -> None:
    assert ids_archive.resolve_capture_id(prefix) == found


def test_a_shared_prefix_is_ambiguous_and_a_missing_one_unknown(ids_archive: Archive) -> None:
    with pytest.raises(UsageError, match=r"ambiguous: it could be zzzz0000, zzzzzzzz$"):
        ids_archive.resolve_capture_id("zzzz")
    with pytest.raises(UsageError, match="no capture"):
        ids_archive.resolve_capture_id("abzx")
