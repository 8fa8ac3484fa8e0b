"""Fixtures of the shared archive's tests: ``archive`` on either engine (see ``tests/engines.py``
for the PostgreSQL server and the ``backend`` parameter every test of the suite can ask for)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from storage import Archive, open_archive
from tests.engines import new_database, raw_engine
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
