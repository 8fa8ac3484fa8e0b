"""Every form of a post's time the platforms write parses to the same UTC moment."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from archiver.platforms import adapter_for
from archiver.platforms.base import parse_relative, parse_time

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
        ("Wed Jan 10 13:56:05 +0000 2018", MOMENT),  # X's created_at
        ("Wed Jan 10 14:56:05 +0100 2018", MOMENT),
        ("Wed, 10 Jan 2018 13:56:05 GMT", MOMENT),  # RFC 2822 (RSS, HTTP dates)
        ("Wed, 10 Jan 2018 08:56:05 -0500", MOMENT),
        ("10 Jan 2018 13:56:05 +0000", MOMENT),
        ("Wed, 10 Jan 2018 13:56:05 -0000", MOMENT),  # "-0000": UTC, source zone unknown
        (datetime(2018, 1, 10, 13, 56, 5), MOMENT),
        (datetime(2018, 1, 10, 14, 56, 5, tzinfo=timezone(timedelta(hours=1))), MOMENT),
    ],
)
def test_time_forms_parse(written: object, expected: datetime) -> None:
    assert parse_time(written) == expected


@pytest.mark.parametrize(
    "written",
    [
        None,
        "",
        "yesterday",
        "2h",
        "il y a 5 min",
        "not a date",
        "Mar 5",
        "Wed Jan 10 13:56:05 2018",  # ctime: no zone, so no moment
        "Wed, 41 Jan 2018 13:56:05 GMT",
        0,
        -5,
        True,
    ],
)
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


NOW = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("written", "back"),
    [
        ("3h", timedelta(hours=3)),
        ("5m", timedelta(minutes=5)),
        ("42s", timedelta(seconds=42)),
        ("2d", timedelta(days=2)),
        ("1w", timedelta(weeks=1)),
        ("2 days ago", timedelta(days=2)),
        ("an hour ago", timedelta(hours=1)),
        ("3 hrs", timedelta(hours=3)),
        ("il y a 5 min", timedelta(minutes=5)),
        ("il y a une heure", timedelta(hours=1)),
        ("il y a 3 j", timedelta(days=3)),
        ("2 sem.", timedelta(weeks=2)),
        ("just now", timedelta(0)),
        ("à l’instant", timedelta(0)),
    ],
)
def test_relative_times_count_back_from_now(written: str, back: timedelta) -> None:
    assert parse_relative(written, NOW) == NOW - back


@pytest.mark.parametrize(
    "written", ["yesterday", "2 mo", "1y", "3 ans", "am", "Mar 5", "2018-01-10T13:56:05Z", "", None]
)
def test_what_is_not_a_relative_time_gives_none(written: object) -> None:
    assert parse_relative(written, NOW) is None


def test_relative_times_are_utc_even_from_a_naive_or_local_now() -> None:
    paris = NOW.astimezone(timezone(timedelta(hours=1)))
    assert parse_relative("3h", paris) == NOW - timedelta(hours=3)
    assert parse_relative("3h", paris).tzinfo is UTC  # type: ignore[union-attr]
    assert parse_relative("3h", NOW.replace(tzinfo=None)) == NOW - timedelta(hours=3)
