"""Re-checks leave retracted captures out: a retracted capture is never the baseline a change is
measured against, nor a check that confirms one; a post whose every capture is retracted is not
re-checked; what awaits confirmation is read the same way. Captures are stored directly, as a
re-check stores them, so no browser is needed."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import pytest

import storage
import watch
from archiver import CaptureOptions, Status
from tests.storage.factories import T0, make_result

URL = "https://social.example/@alice/101"


@pytest.fixture
def archive(tmp_path: Path, backend: str | None) -> Iterator[storage.Archive]:
    """On each engine: the embedded archive and the shared one."""
    with storage.open_archive(tmp_path / "home", database_url=backend) as opened:
        yield opened


def store(
    archive: storage.Archive, minute: int, text: str = "v1", status: Status = Status.OK
) -> str:
    return archive.store(
        make_result(URL, started_at=T0 + timedelta(minutes=minute), text=text, status=status)
    )


OPTIONS = watch.RecheckOptions(clock=lambda: T0 + timedelta(hours=1))
WITH_RETRACTED = replace(OPTIONS, include_retracted=True)


def test_a_retracted_capture_is_not_the_baseline(archive: storage.Archive) -> None:
    first = store(archive, 0, "the council votes on Monday")
    spoofed = store(archive, 1, "the council votes on Tuesday")
    archive.retract(spoofed, "captured from a spoofed page")
    current = store(archive, 2, "the council votes on Tuesday")
    post_id = archive.get_capture(first).post_id
    [edited] = watch.assess(archive, post_id, current, OPTIONS)
    assert (edited.kind, edited.before_capture_id) == ("edited", first)
    # Counted as any other, the retracted capture is the baseline, and nothing changed since.
    assert watch.assess(archive, post_id, current, WITH_RETRACTED) == []


def test_a_retracted_check_does_not_confirm_a_deletion(archive: storage.Archive) -> None:
    store(archive, 0)
    wrong = store(archive, 1, status=Status.NOT_FOUND)
    archive.retract(wrong, "the fake web answered 404 by mistake")
    current = store(archive, 2, status=Status.NOT_FOUND)
    post_id = archive.get_capture(current).post_id
    assert watch.assess(archive, post_id, current, OPTIONS) == []  # one check of two
    [deleted] = watch.assess(archive, post_id, current, WITH_RETRACTED)
    assert (deleted.kind, deleted.confirmations) == ("deleted", 2)


def test_pending_confirmations_leave_retracted_checks_out(archive: storage.Archive) -> None:
    store(archive, 0)
    gone = store(archive, 1, status=Status.NOT_FOUND)
    [listed] = watch.watched_posts(archive, OPTIONS)
    assert listed.status == "not_found" and listed.last_checked_at == T0 + timedelta(minutes=1)
    [pending] = listed.pending
    assert (pending.kind, pending.seen, pending.needed, pending.captures) == (
        "deleted",
        1,
        2,
        (gone,),
    )
    archive.retract(gone, "a misread page")
    [listed] = watch.watched_posts(archive, OPTIONS)
    assert (listed.status, listed.pending) == ("ok", ())


def test_a_post_whose_every_capture_is_retracted_is_not_rechecked(
    archive: storage.Archive,
) -> None:
    only = store(archive, 0)
    archive.retract(only, "not the post the article cites")
    posts = archive.watchlist.watched()
    report = watch.recheck(archive, posts, capture_options=CaptureOptions(), options=OPTIONS)
    assert (report.checked, report.skipped_retracted) == (0, 1)
    assert archive.count_captures() == 1  # nothing was captured
    [listed] = watch.watched_posts(archive, OPTIONS)
    assert (listed.status, listed.last_checked_at, listed.pending) == ("retracted", None, ())
