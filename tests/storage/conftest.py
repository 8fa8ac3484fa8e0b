"""The storage tests' archive, on each engine: the embedded SQLite one and PostgreSQL, so that
the two cannot drift. A test about SQLite's own file or locks pins the engine with
``tests.engines.sqlite_only``."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from storage import Archive, open_archive
from tests.engines import RawDatabase
from tests.storage.factories import fixed_clock, sequential_ids


@pytest.fixture
def home(tmp_path: Path) -> Path:
    return tmp_path / "postproof-home"


@pytest.fixture
def archive(home: Path, backend: str | None) -> Iterator[Archive]:
    with open_archive(
        home, clock=fixed_clock(), new_id=sequential_ids(), database_url=backend
    ) as opened:
        yield opened


@pytest.fixture
def raw(archive: Archive, backend: str | None) -> Iterator[RawDatabase]:
    """The archive's database in plain SQL, on the archive's engine."""
    database = RawDatabase(archive, backend)
    yield database
    database.close()
