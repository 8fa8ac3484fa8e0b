"""Many writers, one log: eight archives (each with its own engine and connections, as eight
processes or machines would have) append at once, while checkpoints are signed, and the log comes
out as one chain, numbered without a gap, every capture logged once, every checkpoint a prefix
of the next."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from pathlib import Path

import sqlalchemy as sa

from storage import open_archive
from tests.shared.conftest import raw_engine
from tests.storage.factories import T0, make_result, screenshot

WRITERS = 8
EACH = 12


def _write(home: Path, backend: str | None, worker: int, start: threading.Barrier) -> list[str]:
    with open_archive(home, database_url=backend) as archive:
        start.wait()
        ids = []
        for index in range(EACH):
            result = make_result(
                f"https://social.example/@w{worker}/{index}",
                post_id=f"{worker}-{index}",
                started_at=T0 + timedelta(minutes=index),
                text=f"writer {worker} post {index}",
                artifacts=(screenshot(),),  # the same blob from every writer
            )
            ids.append(archive.store(result))
            if index % 4 == 3:
                archive.seal()  # checkpoints signed while others append
        return ids


def test_concurrent_writers_never_fork_the_log_or_leave_a_gap(
    home: Path, backend: str | None
) -> None:
    open_archive(home, database_url=backend).close()
    start = threading.Barrier(WRITERS)
    with ThreadPoolExecutor(WRITERS) as pool:
        futures = [pool.submit(_write, home, backend, n, start) for n in range(WRITERS)]
        stored = [capture for future in futures for capture in future.result()]
    assert len(set(stored)) == WRITERS * EACH

    with open_archive(home, database_url=backend) as archive:
        sealed = archive.seal()
        assert sealed.log_size == WRITERS * EACH
        engine = raw_engine(archive, backend)
        try:
            with engine.connect() as connection:
                indexes = connection.execute(
                    sa.text("SELECT idx, capture_id FROM log_entries ORDER BY idx")
                ).all()
        finally:
            engine.dispose()
        assert [row.idx for row in indexes] == list(range(WRITERS * EACH))
        assert sorted(row.capture_id for row in indexes) == sorted(stored)
        sizes = [c.size for c in archive.ledger.checkpoints()]
        assert len(sizes) >= 2 and sizes[-1] == WRITERS * EACH
        # verify recomputes every checkpoint's root from the entries and checks that each is
        # consistent with the next: a fork would fail here.
        report = archive.verify()
        assert report.ok, report.problems
        assert report.ledger is not None
        assert report.ledger["consistency_checked"] == len(sizes) - 1
