"""Every form of a post's time the platforms write parses to the same UTC moment."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from archiver.platforms import adapter_for
from archiver.platforms.base import parse_time

MOMENT = datetime(2018, 1, 10, 13, 56, 5, tzinfo=UTC)


@pytest.mark.parametrize(
    ("written", "expected"),
    [
        ("2018-01-10T13:56:05Z", MOMENT),
        ("2018-01-10T13:56:05+00:00", MOMENT),
        ("2018-01-10T14:56:05+01:00", MOMENT),
        ("2018-01-10T13:56:05+0000", MOMENT),  # Facebook's and Instagram's offset
        ("2018-01-10T08:56:05-0500", MOMENT),
        ("2018-01-10T13:56:05.174Z", MOMENT.replace(microsecond=174000)),
        ("2018-01-10T13:56:05.174000+0000", MOMENT.replace(microsecond=174000)),
        ("2018-01-10T13:56:05.174123456Z", MOMENT.replace(microsecond=174123)),  # nanoseconds
        ("2018-01-10T13:56:05.1Z", MOMENT.replace(microsecond=100000)),
        ("2018-01-10 13:56:05", MOMENT),  # naive: taken as UTC
        (1515592565, MOMENT),  # epoch seconds (Reddit, TikTok, Instagram)
        (1515592565.0, MOMENT),
        ("1515592565", MOMENT),
        (1515592565174, MOMENT.replace(microsecond=174000)),  # epoch milliseconds
        ("1515592565174", MOMENT.replace(microsecond=174000)),
    ],
)
def test_time_forms_parse(written: object, expected: datetime) -> None:
    assert parse_time(written) == expected


@pytest.mark.parametrize("written", [None, "", "yesterday", "2h", "not a date", 0, -5, True])
def test_what_is_not_a_time_gives_none(written: object) -> None:
    assert parse_time(written) is None


@pytest.mark.parametrize(
    "url",
    [
        "https://mastodon.social/@Gargron/1",
        "https://mastodon.social/@Gargron/23",
        "https://example.social/@someone/109",
        "https://example.social/users/someone/statuses/7",
    ],
)
def test_mastodon_status_ids_of_any_length(url: str) -> None:
    adapter = adapter_for(url)
    assert adapter.NAME == "mastodon"
    host = url.split("/")[2]
    assert adapter.post_ref(url).post_id == f"{host}/{url.rsplit('/', 1)[1]}"
