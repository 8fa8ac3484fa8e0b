"""Imported login cookies, one file per domain in ``auth/`` of the data home (mode 0600).

The files are never part of the archive's evidence, never exported and never printed: commands
show the cookie names, never their values.
"""

from __future__ import annotations

import contextlib
import json
import os
import stat
import tempfile
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from archiver import UsageError
from archiver._auth import Cookie, cookies_for_domain, normalize_domain, parse_cookie_file

FORMAT = "postproof-auth/1"


@dataclass(frozen=True)
class AuthRecord:
    domain: str
    path: Path
    cookie_names: tuple[str, ...]
    imported_at: datetime
    expires_at: datetime | None  # the earliest expiry among the cookies; None for session ones
    dropped: int = 0  # cookies of other domains found in the imported file and not kept

    def to_json(self) -> dict[str, Any]:
        return {
            "domain": self.domain,
            "path": str(self.path),
            "cookies": len(self.cookie_names),
            "cookie_names": list(self.cookie_names),
            "imported_at": _iso(self.imported_at),
            "expires_at": _iso(self.expires_at),
            "dropped": self.dropped,
        }


class AuthStore:
    """Cookies by domain; see the module docstring."""

    def __init__(self, directory: Path, clock: Any = None) -> None:
        self.directory = directory
        self._now = clock or (lambda: datetime.now(UTC))

    def import_file(self, domain: str, source: Path) -> AuthRecord:
        domain = normalize_domain(domain)
        try:
            data = source.read_bytes()
        except OSError as exc:
            raise UsageError(f"cannot read {source}: {exc.strerror or exc}") from exc
        every = parse_cookie_file(data, name=str(source))
        kept = cookies_for_domain(every, domain)
        if not kept:
            found = sorted({str(c["domain"]).lstrip(".") for c in every})
            raise UsageError(
                f"{source} holds no cookie for {domain} (it has cookies for: "
                f"{', '.join(found[:8]) or 'none'})",
                hint="export the cookies while logged in to that site, or name its domain",
            )
        now = self._now()
        payload = {
            "format": FORMAT,
            "domain": domain,
            "imported_at": _iso(now),
            "cookies": kept,
        }
        path = self._path(domain)
        self._write_private(path, json.dumps(payload, indent=1).encode("utf-8"))
        return self._record(domain, path, kept, now, dropped=len(every) - len(kept))

    def remove(self, domain: str) -> bool:
        path = self._path(normalize_domain(domain))
        try:
            path.unlink()
        except FileNotFoundError:
            return False
        return True

    def records(self) -> list[AuthRecord]:
        return [self._load(path)[0] for path in sorted(self.directory.glob("*.json"))]

    def cookies(self) -> dict[str, tuple[Cookie, ...]]:
        """Every domain's cookies that have not expired, for the capture options."""
        now = self._now().timestamp()
        out: dict[str, tuple[Cookie, ...]] = {}
        for path in sorted(self.directory.glob("*.json")):
            record, cookies = self._load(path)
            live = tuple(c for c in cookies if c["expires"] < 0 or c["expires"] > now)
            if live:
                out[record.domain] = live
        return out

    def _path(self, domain: str) -> Path:
        return self.directory / f"{domain}.json"

    def _load(self, path: Path) -> tuple[AuthRecord, list[Cookie]]:
        mode = path.stat().st_mode
        if mode & (stat.S_IRWXG | stat.S_IRWXO):
            raise UsageError(
                f"{path} can be read by other users (mode {stat.S_IMODE(mode):o}): login cookies "
                "must stay private",
                hint=f"run `chmod 600 {path}`, or import the cookies again",
            )
        try:
            payload = json.loads(path.read_text("utf-8"))
            cookies = list(payload["cookies"])
            domain = str(payload["domain"])
            imported = datetime.fromisoformat(payload["imported_at"].replace("Z", "+00:00"))
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise UsageError(
                f"{path} is not a cookie file postproof wrote ({exc})",
                hint="remove it with `postproof auth remove DOMAIN` and import again",
            ) from exc
        return self._record(domain, path, cookies, imported), cookies

    @staticmethod
    def _record(
        domain: str, path: Path, cookies: list[Cookie], imported: datetime, dropped: int = 0
    ) -> AuthRecord:
        expiries = [c["expires"] for c in cookies if c["expires"] > 0]
        return AuthRecord(
            domain=domain,
            path=path,
            cookie_names=tuple(sorted({str(c["name"]) for c in cookies})),
            imported_at=imported,
            expires_at=datetime.fromtimestamp(min(expiries), UTC) if expiries else None,
            dropped=dropped,
        )

    def _write_private(self, path: Path, data: bytes) -> None:
        self.directory.mkdir(mode=0o700, parents=True, exist_ok=True)
        os.chmod(self.directory, 0o700)
        fd, temp = tempfile.mkstemp(dir=self.directory, prefix=".import-", suffix=".tmp")
        try:
            os.fchmod(fd, 0o600)
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(temp, path)
        except BaseException:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(temp)
            raise


def _iso(moment: datetime | None) -> str | None:
    if moment is None:
        return None
    return moment.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")
