from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from storage import Archive, open_archive
from tests.storage.factories import fixed_clock, sequential_ids


@pytest.fixture
def home(tmp_path: Path) -> Path:
    return tmp_path / "postproof-home"


@pytest.fixture
def archive(home: Path) -> Iterator[Archive]:
    with open_archive(home, clock=fixed_clock(), new_id=sequential_ids()) as opened:
        yield opened
