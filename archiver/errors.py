"""The one exception tree of postproof.

    PostproofError            root; carries an exit code and a hint for the user
    ├── UsageError            bad input from the user (exit 2)
    ├── BrowserNotFound       no Chromium could be found or launched (exit 2)
    ├── BrowserCrashed        the browser died during a run (exit 1)
    ├── CaptureIncomplete     raised by callers when a capture did not reach ``ok`` (exit 3)
    ├── IntegrityError        stored evidence does not match its hashes (exit 4)
    └── StorageError          the archive cannot be opened or written (exit 1)

Expected failures of a single capture (post deleted, login wall, timeout) are *not* exceptions:
they are findings recorded on the capture (see :class:`archiver.models.Status`).
"""

from __future__ import annotations


class PostproofError(Exception):
    """Root of every error postproof raises on purpose."""

    exit_code: int = 1

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return self.message


class UsageError(PostproofError):
    exit_code = 2


class BrowserNotFound(PostproofError):
    exit_code = 2


class BrowserCrashed(PostproofError):
    exit_code = 1


class CaptureIncomplete(PostproofError):
    exit_code = 3


class IntegrityError(PostproofError):
    exit_code = 4


class StorageError(PostproofError):
    exit_code = 1
