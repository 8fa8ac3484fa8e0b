"""The installation signing key: one Ed25519 key per archive, kept in a 0600 file.

The file holds one line, the note signer key ``PRIVATE+KEY+<name>+<key ID>+<base64>`` (the
golang.org/x/mod/sumdb/note encoding), so the same key signs checkpoints (as a C2SP signed note)
and capture manifests. Its public half, :attr:`InstallationKey.verifier`, is what a third party
needs to verify both offline.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import stat
from dataclasses import dataclass
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from archiver.errors import PostproofError
from proof._files import fsync_directory
from proof._note import NoteError, NoteSigner


@dataclass(frozen=True, repr=False)
class InstallationKey:
    path: Path
    signer: NoteSigner

    def __repr__(self) -> str:
        return f"InstallationKey(path={str(self.path)!r}, verifier={self.verifier!r})"

    @property
    def name(self) -> str:
        return self.signer.name

    @property
    def verifier(self) -> str:
        """The public note verifier key ``<name>+<key ID>+<base64>``: safe to publish."""
        return str(self.signer.verifier())

    def public_key_pem(self) -> str:
        public = Ed25519PrivateKey.from_private_bytes(self.signer.seed).public_key()
        return public.public_bytes(Encoding.PEM, PublicFormat.SubjectPublicKeyInfo).decode()

    def sign(self, data: bytes) -> bytes:
        """A raw 64-byte Ed25519 signature over ``data``."""
        return self.signer.sign(data)

    def note_signer(self) -> NoteSigner:
        return self.signer


def load_or_create_key(path: Path, *, name: str) -> InstallationKey:
    """Load the key at ``path``, creating it (mode 0600, atomically) on first use."""
    try:
        return _load(path, name)
    except FileNotFoundError:
        pass
    signer = NoteSigner.generate(name)
    try:
        _write_new(path, f"{signer}\n".encode())
    except FileExistsError:
        return _load(path, name)  # another process created it first: use theirs
    return InstallationKey(path, signer)


def _load(path: Path, name: str) -> InstallationKey:
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
    with os.fdopen(fd, "rb") as f:
        mode = os.fstat(f.fileno()).st_mode
        if mode & (stat.S_IRWXG | stat.S_IRWXO):
            raise PostproofError(
                f"signing key {path} is accessible by group or others "
                f"(mode {stat.S_IMODE(mode):04o})",
                hint=f"Run: chmod 600 {path}",
            )
        content = f.read()
    try:
        signer = NoteSigner.from_string(content.decode("ascii").strip())
    except (UnicodeDecodeError, NoteError) as exc:
        raise PostproofError(
            f"signing key {path} is not a note signer key: {exc}",
            hint="Restore the key file from a backup; a new key cannot verify old signatures.",
        ) from exc
    if signer.name != name:
        raise PostproofError(
            f"signing key {path} is named {signer.name!r}, expected {name!r}",
            hint="Use the key's own name, or point postproof at the right key file.",
        )
    return InstallationKey(path, signer)


def _write_new(path: Path, content: bytes) -> None:
    """Write ``content`` to a new file at ``path`` without ever exposing a partial file.

    The temporary file is created 0600 (the umask can only narrow that), filled and synced, then
    hard-linked into place, which fails if ``path`` exists rather than replacing a key.
    """
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    tmp = path.with_name(f".{path.name}.{secrets.token_hex(8)}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(content)
            f.flush()
            os.fsync(f.fileno())
        os.link(tmp, path)
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
    fsync_directory(path.parent)
