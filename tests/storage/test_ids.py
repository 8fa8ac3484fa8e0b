from __future__ import annotations

from pathlib import Path

import pytest

from archiver.errors import UsageError
from storage import Archive, open_archive
from storage._ids import ALPHABET, is_capture_id, new_capture_id
from tests.storage.factories import make_result


def test_new_ids_are_eight_unambiguous_characters() -> None:
    ids = {new_capture_id() for _ in range(200)}
    assert len(ids) == 200
    assert all(is_capture_id(i) for i in ids)
    assert not set("ilou") & set(ALPHABET)
    assert len(ALPHABET) == 32


@pytest.fixture
def ids_archive(home: Path) -> Archive:
    drawn = iter(["abcd1234", "abcd5678", "xyz01111"])
    return open_archive(home, new_id=lambda: next(drawn))


def test_a_unique_prefix_resolves(ids_archive: Archive) -> None:
    with ids_archive as archive:
        for _ in range(3):
            archive.store(make_result())
        assert archive.resolve_capture_id("abcd1234") == "abcd1234"
        assert archive.resolve_capture_id("ABCD5") == "abcd5678"
        assert archive.resolve_capture_id(" xyz0 ") == "xyz01111"
        # Crockford reading: o is 0, i and l are 1; hyphens are ignored.
        assert archive.resolve_capture_id("XYZO-IL") == "xyz01111"
        assert archive.get_capture("xyzo").id == "xyz01111"


def test_an_ambiguous_prefix_lists_the_candidates(ids_archive: Archive) -> None:
    with ids_archive as archive:
        for _ in range(3):
            archive.store(make_result())
        with pytest.raises(UsageError, match="ambiguous") as caught:
            archive.resolve_capture_id("abcd")
        assert "abcd1234" in str(caught.value) and "abcd5678" in str(caught.value)
        assert caught.value.hint == "give more characters of the id"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("zzzz", "no capture with id"),
        ("abcd12345", "no capture with id"),
        ("abc", "too short"),
        ("abcu", "not a capture id"),
        ("ab/../cd", "not a capture id"),
        ("", "not a capture id"),
    ],
)
def test_unknown_or_malformed_ids_are_usage_errors(
    archive: Archive, text: str, message: str
) -> None:
    archive.store(make_result())
    with pytest.raises(UsageError, match=message) as caught:
        archive.resolve_capture_id(text)
    assert caught.value.hint
    assert caught.value.exit_code == 2


def test_the_id_generator_must_produce_capture_ids(home: Path) -> None:
    with open_archive(home, new_id=lambda: "not-an-id") as archive:
        with pytest.raises(ValueError, match="Crockford"):
            archive.store(make_result())
        assert archive.count_captures() == 0
