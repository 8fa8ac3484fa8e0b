"""The newest events of the watch list, for pages that show only the latest changes."""

from __future__ import annotations

from datetime import timedelta

from storage import Archive, NewEvent
from tests.storage.factories import T0, make_result


def test_the_newest_events_come_oldest_first(archive: Archive) -> None:
    capture_id = archive.store(make_result())
    post_id = archive.get_capture(capture_id).post_id
    kinds = ("edited", "deleted", "restored", "media_changed", "suspended")
    archive.watchlist.record_events(
        [
            NewEvent(post_id, kind, T0 + timedelta(hours=n), capture_id, f"edit {n}")
            for n, kind in enumerate(kinds)
        ]
    )
    assert [e.summary for e in archive.watchlist.events(newest=2)] == ["edit 3", "edit 4"]
    assert [e.summary for e in archive.watchlist.events(post_id, newest=9)] == [
        f"edit {n}" for n in range(5)
    ]
    assert len(archive.watchlist.events()) == 5
    assert archive.watchlist.count_watched() == 1
    archive.watchlist.set_watched([post_id], False)
    assert archive.watchlist.count_watched() == 0
