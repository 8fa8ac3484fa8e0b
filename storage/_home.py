"""Where the archive lives on disk."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import platformdirs

HOME_ENV = "POSTPROOF_HOME"


def default_home() -> Path:
    """``$POSTPROOF_HOME`` if set, else the platform's user data directory for postproof."""
    configured = os.environ.get(HOME_ENV, "").strip()
    if configured:
        return Path(configured).expanduser()
    return Path(platformdirs.user_data_dir("postproof", appauthor=False))


@dataclass(frozen=True)
class Layout:
    """The files and directories of one data home."""

    home: Path

    @property
    def database(self) -> Path:
        return self.home / "postproof.sqlite3"

    @property
    def blobs(self) -> Path:
        return self.home / "blobs"

    @property
    def runs(self) -> Path:
        return self.home / "runs"

    @property
    def logs(self) -> Path:
        return self.home / "logs"

    @property
    def signing_key(self) -> Path:
        return self.home / "keys" / "signing.key"

    @property
    def auth(self) -> Path:
        return self.home / "auth"

    @property
    def migrate_lock(self) -> Path:
        return self.runs / "migrate.lock"

    def run_lock(self, run_id: str) -> Path:
        return self.runs / f"{run_id}.lock"

    def create(self) -> None:
        for directory in (self.blobs / "sha256", self.blobs / "tmp", self.runs, self.logs):
            directory.mkdir(parents=True, exist_ok=True)
