"""The content-addressed blob store: every artifact's bytes, written once, named by SHA-256.

Layout under ``root`` (``<home>/blobs``)::

    sha256/ab/cd/abcd…(64 hex)   one read-only file per distinct byte string
    tmp/<run id>.<token>.tmp     bytes being written; the run id lets recovery tell whose they are

A blob is written to ``tmp/``, flushed and fsynced, then hard-linked to its final name. A link
never replaces an existing file, so a blob, once written, is never overwritten: if the name is
taken the existing bytes are checked instead (content addressing makes them identical, unless
the store has been tampered with, which is an :class:`IntegrityError`).

:class:`Blobs` is what the archive asks of a blob store; :class:`BlobStore` (this module, the
default) and ``storage._s3blobs.S3BlobStore`` (an S3-compatible bucket) implement it.
"""

from __future__ import annotations

import errno
import hashlib
import os
import re
import secrets
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path
from typing import BinaryIO, Protocol

from archiver.errors import IntegrityError, UsageError

BLOB_MODE = 0o444
_CHUNK = 1 << 20
_SHA256_PATTERN = re.compile(r"[0-9a-f]{64}")
# errnos meaning "this filesystem cannot hard-link"; we fall back to a checked rename.
_NO_LINK_ERRNOS = {errno.EPERM, errno.ENOTSUP, errno.EOPNOTSUPP, errno.EMLINK}
VERIFY_HINT = "the blob store was altered or damaged; run `postproof verify --all`"


def check_sha256(sha: str) -> str:
    """Return ``sha`` if it is 64 lowercase hex characters; anything else could escape the store."""
    if not isinstance(sha, str) or _SHA256_PATTERN.fullmatch(sha) is None:
        raise UsageError(
            f"not a SHA-256 digest: {sha!r}",
            hint="a digest is 64 lowercase hexadecimal characters",
        )
    return sha


def digest_file(path: Path) -> tuple[str, int]:
    """Stream ``path`` through SHA-256; return the hex digest and the number of bytes read."""
    digest = hashlib.sha256()
    size = 0
    with path.open("rb") as stream:
        while chunk := stream.read(_CHUNK):
            digest.update(chunk)
            size += len(chunk)
    return digest.hexdigest(), size


def hash_expected(data: bytes, expected_sha256: str | None) -> str:
    """The SHA-256 of ``data``; an :class:`IntegrityError` if it is not ``expected_sha256``."""
    sha = hashlib.sha256(data).hexdigest()
    if expected_sha256 is not None and check_sha256(expected_sha256) != sha:
        raise IntegrityError(
            f"artifact bytes hash to {sha}, not to the recorded {expected_sha256}",
            hint="the artifact changed after it was hashed; this is a bug, please report it",
        )
    return sha


def fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


class Blobs(Protocol):
    """A write-once, content-addressed blob store, as the archive uses it.

    Reads of a missing blob raise :class:`IntegrityError`; a store that cannot be reached
    raises :class:`StorageError`. Nothing here hands out a path to poke at: a caller that needs
    a file for a tool asks :meth:`local_file` for one.
    """

    def exists(self, sha256: str) -> bool: ...

    def read(self, sha256: str) -> bytes: ...

    def open(self, sha256: str) -> AbstractContextManager[BinaryIO]:
        """The blob as a stream, read as it is consumed."""
        ...

    def local_file(self, sha256: str) -> AbstractContextManager[Path]:
        """A file on this machine holding the blob, for as long as the block lasts (the blob's
        own read-only file in a local store, a temporary copy otherwise)."""
        ...

    def local_path(self, sha256: str) -> Path | None:
        """The blob's own file when the store keeps it on this machine, else ``None``."""
        ...

    def location_of(self, sha256: str) -> str:
        """Where the blob is, as a person reads it: a file path or an ``s3://`` URL."""
        ...

    def digest(self, sha256: str) -> tuple[str, int] | None:
        """Stream the stored blob through SHA-256: its digest and size, ``None`` if absent."""
        ...

    def put(self, data: bytes, expected_sha256: str | None = None) -> str: ...

    def iter_shas(self) -> Iterator[str]: ...

    def stray_files(self) -> Iterator[Path | str]:
        """What sits among the blobs without being one (a wrong name or place)."""
        ...

    def temp_files(self) -> list[Path]: ...

    def temp_owner(self, temp: Path) -> str: ...

    def discard(self, sha256: str) -> bool: ...


class BlobStore:
    """Write-once, content-addressed storage of artifact bytes under ``root``.

    ``run_id`` names the temporary files of this writer so that crash recovery can remove those
    of dead runs; :class:`storage.Archive` passes the run id it holds a lock for.
    """

    def __init__(self, root: Path, *, run_id: str | None = None) -> None:
        self.root = Path(root)
        self.run_id = run_id or f"unlocked-{secrets.token_hex(6)}"
        self.blob_dir = self.root / "sha256"
        self.tmp_dir = self.root / "tmp"

    def path(self, sha256: str) -> Path:
        sha = check_sha256(sha256)
        return self.blob_dir / sha[:2] / sha[2:4] / sha

    def exists(self, sha256: str) -> bool:
        return self.path(sha256).is_file()

    def read(self, sha256: str) -> bytes:
        path = self.path(sha256)
        try:
            return path.read_bytes()
        except FileNotFoundError:
            raise missing_blob(sha256) from None

    @contextmanager
    def open(self, sha256: str) -> Iterator[BinaryIO]:
        try:
            stream = self.path(sha256).open("rb")
        except FileNotFoundError:
            raise missing_blob(sha256) from None
        with stream:
            yield stream

    @contextmanager
    def local_file(self, sha256: str) -> Iterator[Path]:
        if not self.exists(sha256):
            raise missing_blob(sha256)
        yield self.path(sha256)

    def local_path(self, sha256: str) -> Path:
        return self.path(sha256)

    def location_of(self, sha256: str) -> str:
        return str(self.path(sha256))

    def digest(self, sha256: str) -> tuple[str, int] | None:
        try:
            return digest_file(self.path(sha256))
        except FileNotFoundError:
            return None

    def hash_file(self, sha256: str) -> str:
        """Recompute the SHA-256 of the stored blob (streaming); compare it with ``sha256``."""
        try:
            return digest_file(self.path(sha256))[0]
        except FileNotFoundError:
            raise missing_blob(sha256) from None

    def put(self, data: bytes, expected_sha256: str | None = None) -> str:
        """Store ``data`` once and return its SHA-256.

        Raises :class:`IntegrityError` if ``data`` does not hash to ``expected_sha256`` or if a
        blob of the same name already exists with different bytes (it is never overwritten).
        """
        sha = hash_expected(data, expected_sha256)
        final = self.path(sha)
        if self._matches_existing(final, sha):
            return sha
        self._make_dirs(final.parent)
        temp = self._write_temp(data)
        try:
            self._publish(temp, final, sha)
        finally:
            temp.unlink(missing_ok=True)
        fsync_dir(final.parent)
        return sha

    def iter_shas(self) -> Iterator[str]:
        """Every blob present in the store (files at their proper place with a proper name)."""
        for path in self._iter_files():
            if _is_blob_path(path):
                yield path.name

    def stray_files(self) -> Iterator[Path]:
        """Files under ``sha256/`` that are not blobs: wrong name or wrong directory."""
        for path in self._iter_files():
            if not _is_blob_path(path):
                yield path

    def temp_files(self) -> list[Path]:
        return sorted(self.tmp_dir.glob("*.tmp")) if self.tmp_dir.is_dir() else []

    @staticmethod
    def temp_owner(temp: Path) -> str:
        """The run id that wrote ``temp``."""
        return temp.name.split(".", 1)[0]

    def discard(self, sha256: str) -> bool:
        """Delete a blob. Only crash recovery calls this, under the database write lock, after
        making sure nothing references the blob. Returns whether a file was removed."""
        try:
            self.path(sha256).unlink()
        except FileNotFoundError:
            return False
        return True

    def _iter_files(self) -> Iterator[Path]:
        if not self.blob_dir.is_dir():
            return
        for directory, _subdirs, files in os.walk(self.blob_dir):
            for name in sorted(files):
                yield Path(directory, name)

    def _matches_existing(self, final: Path, sha: str) -> bool:
        """Whether a good copy of the blob is already stored (False when there is none)."""
        try:
            stored_sha, _size = digest_file(final)
        except FileNotFoundError:
            return False
        if stored_sha != sha:
            raise IntegrityError(
                f"the stored blob {sha} does not match its name (its bytes hash to {stored_sha})",
                hint=VERIFY_HINT,
            )
        return True

    def _make_dirs(self, directory: Path) -> None:
        if directory.is_dir():
            return
        directory.mkdir(parents=True, exist_ok=True)
        # Make the new directory entries durable too, not only the file we put in them.
        for parent in (directory.parent, directory.parent.parent):
            fsync_dir(parent)

    def _write_temp(self, data: bytes) -> Path:
        self.tmp_dir.mkdir(parents=True, exist_ok=True)
        temp = self.tmp_dir / f"{self.run_id}.{secrets.token_hex(8)}.tmp"
        fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, BLOB_MODE)
        try:
            os.fchmod(fd, BLOB_MODE)  # exact, whatever the umask
            view = memoryview(data)
            while view:
                written = os.write(fd, view)
                view = view[written:]
            os.fsync(fd)
        except BaseException:
            os.close(fd)
            temp.unlink(missing_ok=True)
            raise
        os.close(fd)
        return temp

    def _publish(self, temp: Path, final: Path, sha: str) -> None:
        """Give ``temp`` its final name without ever replacing an existing file."""
        for _attempt in range(3):
            try:
                os.link(temp, final)
                return
            except FileExistsError:
                if self._matches_existing(final, sha):
                    return
                # The blob vanished between the link and the check (recovery of a dead run
                # removed it); link again.
            except OSError as exc:
                if exc.errno not in _NO_LINK_ERRNOS:
                    raise
                if not self._matches_existing(final, sha):
                    # No hard links here: rename is only safe because we just saw no file, and
                    # any racing writer of this name writes the very same bytes.
                    os.rename(temp, final)
                return
        raise FileExistsError(errno.EEXIST, "blob keeps appearing and vanishing", str(final))


def _is_blob_path(path: Path) -> bool:
    name = path.name
    return (
        _SHA256_PATTERN.fullmatch(name) is not None
        and path.parent.name == name[2:4]
        and path.parent.parent.name == name[:2]
    )


def missing_blob(sha256: str) -> IntegrityError:
    return IntegrityError(f"blob {sha256} is missing from the store", hint=VERIFY_HINT)
