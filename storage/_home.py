"""Where the archive lives on disk."""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass
from pathlib import Path

import platformdirs

from archiver.errors import UsageError

HOME_ENV = "POSTPROOF_HOME"
DATABASE_URL_ENV = "POSTPROOF_DATABASE_URL"
CONFIG_NAME = "config.toml"


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


def configured_database_url(home: Path) -> str | None:
    """The archive's database URL: ``$POSTPROOF_DATABASE_URL``, else ``[database] url`` in the
    data home's ``config.toml``; ``None`` (the embedded SQLite archive) when neither is set."""
    configured = os.environ.get(DATABASE_URL_ENV, "").strip()
    if configured:
        return configured
    path = home / CONFIG_NAME
    try:
        with path.open("rb") as handle:
            table = tomllib.load(handle).get("database", {})
    except FileNotFoundError:
        return None
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise UsageError(
            f"Cannot read the settings file {path}: {exc}",
            hint="Fix the file (TOML) or move it away; README.md lists its keys.",
        ) from exc
    url = table.get("url") if isinstance(table, dict) else None
    if url is not None and not isinstance(url, str):
        raise UsageError(
            f"[database] url in {path} must be a string, not {url!r}",
            hint='write url = "postgresql://USER:PASSWORD@HOST:PORT/DATABASE"',
        )
    return (url or "").strip() or None
