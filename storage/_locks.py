"""File locks (``flock``) that tell live runs from dead ones.

An ``flock`` belongs to an open file description and the kernel releases it when the process
dies, however it dies. So a run's lock file that we *can* lock belongs to a dead run.
"""

from __future__ import annotations

import fcntl
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


class RunLock:
    """An exclusive lock on ``path`` held until :meth:`release` (or process death)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._fd: int | None = _acquire_lock_file(path)

    @property
    def held(self) -> bool:
        return self._fd is not None

    def release(self) -> None:
        """Remove the lock file, then unlock. Unlinking first means nobody can lock the file
        we are about to give up and take it for a stale one."""
        if self._fd is None:
            return
        fd, self._fd = self._fd, None
        try:
            self.path.unlink(missing_ok=True)
        finally:
            os.close(fd)


def _acquire_lock_file(path: Path) -> int:
    while True:
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            # Recovery may have found the file unlocked between our open and our flock and
            # deleted it as stale: then we hold a lock on a file nobody else can see. Retry.
            if os.fstat(fd).st_ino == os.stat(path).st_ino:
                return fd
        except FileNotFoundError:
            pass
        except BaseException:
            os.close(fd)
            raise
        os.close(fd)


def is_dead(path: Path) -> bool:
    """Whether no live process holds the lock at ``path`` (a missing file counts as dead)."""
    try:
        fd = os.open(path, os.O_RDONLY)
    except FileNotFoundError:
        return True
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    finally:
        os.close(fd)
    return True


def remove_if_dead(path: Path) -> bool:
    """Delete the lock file at ``path`` if its run is dead; return whether it was deleted."""
    try:
        fd = os.open(path, os.O_RDONLY)
    except FileNotFoundError:
        return False
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        path.unlink(missing_ok=True)  # while we hold it, so no one can take it meanwhile
    except BlockingIOError:
        return False
    finally:
        os.close(fd)
    return True


@contextmanager
def exclusive(path: Path) -> Iterator[None]:
    """Hold a blocking exclusive lock on ``path`` (kept on disk) for the ``with`` block."""
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)


@contextmanager
def try_exclusive(path: Path, note: str) -> Iterator[str | None]:
    """Hold an exclusive lock on ``path`` for the ``with`` block, without waiting: ``None`` when
    it is held (``note`` is then written into the file, for whoever finds it taken), else what
    the holder wrote there."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a+") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.seek(0)
            yield handle.read().strip() or "another process"
            return
        handle.seek(0)
        handle.truncate()
        handle.write(note)
        handle.flush()
        try:
            yield None
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
