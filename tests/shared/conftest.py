"""Fixtures of the shared archive's tests: ``archive`` on either engine (see ``tests/engines.py``
for the PostgreSQL server and the ``backend`` parameter every test of the suite can ask for)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from demo import FakeWeb
from storage import Archive, open_archive
from tests.engines import new_database, raw_engine
from tests.shared.workers import Gate, build_queue_web
from tests.storage.factories import fixed_clock, sequential_ids

__all__ = ["new_database", "raw_engine"]


@pytest.fixture
def home(tmp_path: Path) -> Path:
    return tmp_path / "postproof-home"


@pytest.fixture
def archive(home: Path, backend: str | None) -> Iterator[Archive]:
    with open_archive(
        home, clock=fixed_clock(), new_id=sequential_ids(), database_url=backend
    ) as opened:
        yield opened


@pytest.fixture(scope="module")
def gate() -> Gate:
    """The queue web's page that answers only when a test opens it."""
    return Gate()


@pytest.fixture(scope="module")
def queue_web(gate: Gate) -> Iterator[FakeWeb]:
    """The worker tests' pages on 127.0.0.1 (see ``tests/shared/workers.py``)."""
    web = build_queue_web(gate)
    web.start()
    try:
        yield web
    finally:
        gate.opened.set()  # a browser still held by the gate is let go
        web.stop()
