"""C2SP signed notes (https://c2sp.org/signed-note) and checkpoints (https://c2sp.org/tlog-checkpoint).

A signed note is a UTF-8 text ending in a newline, a blank line, then one or more signature lines
``— <key name> <base64(4-byte key ID || signature)>``. Only Ed25519 (signature type ``0x01``) is
implemented; signatures of any other type, or by keys we were not given, are kept as *unknown*
and never count as verified, as the spec requires.

Keys use the encoding of ``golang.org/x/mod/sumdb/note``:

    verifier  <name>+<hex key ID>+<base64(0x01 || 32-byte public key)>
    signer    PRIVATE+KEY+<name>+<hex key ID>+<base64(0x01 || 32-byte seed)>

    key ID = SHA-256(name || 0x0A || 0x01 || public key)[:4], big-endian
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
from collections.abc import Sequence
from dataclasses import dataclass

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from archiver.errors import PostproofError

ALG_ED25519 = 0x01
# The spec asks verifiers to accept at least 16 signatures and to set some limit; 100 is the limit
# of the Go reference implementation (golang.org/x/mod/sumdb/note), so notes it accepts we accept.
MAX_SIGNATURES = 100
SIGNATURE_PREFIX = "— "  # U+2014 EM DASH, U+0020 SPACE
_MAX_TREE_SIZE = 2**64 - 1
_DECIMAL = re.compile(r"0|[1-9][0-9]*")  # ASCII only: str.isdigit() would accept other scripts


class NoteError(PostproofError):
    """A signed note, note key or checkpoint is malformed or does not verify."""

    exit_code = 4


# --- keys -------------------------------------------------------------------------------------


def key_id(name: str, alg: int, public_key: bytes) -> int:
    """The C2SP key ID: the first four bytes of SHA-256(name || 0x0A || alg || public key)."""
    digest = hashlib.sha256(name.encode() + b"\n" + bytes([alg]) + public_key).digest()
    return int.from_bytes(digest[:4], "big")


def _check_key_name(name: str, what: str) -> None:
    if not name:
        raise NoteError(f"{what}: key name is empty")
    if "+" in name or any(ch.isspace() for ch in name):
        raise NoteError(f"{what}: key name {name!r} contains a space or '+'")
    if any(ch < " " for ch in name):
        raise NoteError(f"{what}: key name {name!r} contains a control character")


def _b64decode(text: str, what: str) -> bytes:
    """Strict standard base64: right alphabet, right padding, and the one canonical spelling.

    Canonical spelling matters for evidence: two different note texts must not carry the same
    signature bytes (the unused low bits of the last character could otherwise vary).
    """
    try:
        raw = base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise NoteError(f"{what}: not valid base64") from exc
    if base64.b64encode(raw).decode() != text:
        raise NoteError(f"{what}: base64 is not in canonical form")
    return raw


def _parse_key_parts(encoded: str, what: str) -> tuple[str, int, bytes]:
    name, sep1, rest = encoded.partition("+")
    hex_id, sep2, b64 = rest.partition("+")
    if not (sep1 and sep2):
        raise NoteError(f"{what}: expected <name>+<key ID>+<key>, got {encoded!r}")
    _check_key_name(name, what)
    if not re.fullmatch(r"[0-9a-f]{8}", hex_id):
        raise NoteError(f"{what}: key ID {hex_id!r} is not 8 lowercase hex digits")
    raw = _b64decode(b64, what)
    if not raw:
        raise NoteError(f"{what}: key is empty")
    if raw[0] != ALG_ED25519:
        raise NoteError(
            f"{what}: unsupported key type 0x{raw[0]:02x}; only Ed25519 (0x01) is supported",
            hint="Signatures by this key are kept as unknown signatures but cannot be verified.",
        )
    if len(raw) != 33:
        raise NoteError(f"{what}: Ed25519 key must be 32 bytes, got {len(raw) - 1}")
    return name, int(hex_id, 16), raw[1:]


@dataclass(frozen=True)
class NoteVerifier:
    """An Ed25519 note verifier key: the public half, safe to publish."""

    name: str
    key_id: int
    public_key: bytes

    @classmethod
    def from_string(cls, vkey: str) -> NoteVerifier:
        """Parse ``<name>+<hex key ID>+<base64(0x01 || key)>`` and check the key ID."""
        name, kid, public_key = _parse_key_parts(vkey, "verifier key")
        if kid != key_id(name, ALG_ED25519, public_key):
            raise NoteError(f"verifier key {name}+{kid:08x}: key ID does not match the key")
        return cls(name, kid, public_key)

    def __str__(self) -> str:
        key = base64.b64encode(bytes([ALG_ED25519]) + self.public_key).decode()
        return f"{self.name}+{self.key_id:08x}+{key}"

    def verify(self, text: bytes, signature: bytes) -> bool:
        try:
            Ed25519PublicKey.from_public_bytes(self.public_key).verify(signature, text)
        except (InvalidSignature, ValueError):
            return False
        return True


@dataclass(frozen=True, repr=False)
class NoteSigner:
    """An Ed25519 note signer key. ``repr`` hides the seed so it never lands in a log."""

    name: str
    key_id: int
    seed: bytes

    @classmethod
    def generate(cls, name: str) -> NoteSigner:
        _check_key_name(name, "signer key")
        private = Ed25519PrivateKey.generate()
        return cls.from_seed(name, private.private_bytes_raw())

    @classmethod
    def from_seed(cls, name: str, seed: bytes) -> NoteSigner:
        _check_key_name(name, "signer key")
        public = Ed25519PrivateKey.from_private_bytes(seed).public_key().public_bytes_raw()
        return cls(name, key_id(name, ALG_ED25519, public), seed)

    @classmethod
    def from_string(cls, skey: str) -> NoteSigner:
        """Parse ``PRIVATE+KEY+<name>+<hex key ID>+<base64(0x01 || seed)>``."""
        prefix = "PRIVATE+KEY+"
        if not skey.startswith(prefix):
            raise NoteError("signer key: does not start with PRIVATE+KEY+")
        name, kid, seed = _parse_key_parts(skey.removeprefix(prefix), "signer key")
        signer = cls.from_seed(name, seed)
        if signer.key_id != kid:
            raise NoteError(f"signer key {name}+{kid:08x}: key ID does not match the key")
        return signer

    def __str__(self) -> str:
        key = base64.b64encode(bytes([ALG_ED25519]) + self.seed).decode()
        return f"PRIVATE+KEY+{self.name}+{self.key_id:08x}+{key}"

    def __repr__(self) -> str:
        return f"NoteSigner(name={self.name!r}, key_id=0x{self.key_id:08x})"

    def verifier(self) -> NoteVerifier:
        public = Ed25519PrivateKey.from_private_bytes(self.seed).public_key().public_bytes_raw()
        return NoteVerifier(self.name, self.key_id, public)

    def sign(self, data: bytes) -> bytes:
        return Ed25519PrivateKey.from_private_bytes(self.seed).sign(data)


# --- notes ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class NoteSignature:
    name: str
    key_id: int
    signature: bytes  # without the 4-byte key ID; its first byte is *not* an algorithm byte

    def line(self) -> str:
        b64 = base64.b64encode(self.key_id.to_bytes(4, "big") + self.signature).decode()
        return f"{SIGNATURE_PREFIX}{self.name} {b64}"


@dataclass(frozen=True)
class ParsedNote:
    """A note that is well formed; nothing about it has been verified."""

    text: str
    signatures: tuple[NoteSignature, ...]


@dataclass(frozen=True)
class VerifiedNote:
    """A note with at least one signature verified by a trusted key."""

    text: str
    verified: tuple[NoteSignature, ...]
    unknown: tuple[NoteSignature, ...]  # unknown key or unsupported type: kept, not verified

    @property
    def verified_names(self) -> tuple[str, ...]:
        return tuple(sig.name for sig in self.verified)


def _check_text_chars(text: str, what: str) -> None:
    for offset, ch in enumerate(text):
        if ch < " " and ch != "\n":
            raise NoteError(f"{what} contains control character U+{ord(ch):04X} at offset {offset}")
        if "\ud800" <= ch <= "\udfff":
            raise NoteError(f"{what} is not valid UTF-8 (lone surrogate at offset {offset})")


def _decode(note: str | bytes) -> str:
    if isinstance(note, str):
        return note
    try:
        return note.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise NoteError(f"note is not valid UTF-8 (byte offset {exc.start})") from exc


def parse_note(note: str | bytes) -> ParsedNote:
    """Check the signed-note format and split text from signatures; verify nothing."""
    msg = _decode(note)
    _check_text_chars(msg, "note")
    split = msg.rfind("\n\n")
    if split < 0:
        raise NoteError("note has no blank line between its text and its signatures")
    text, sig_block = msg[: split + 1], msg[split + 2 :]
    if not sig_block:
        raise NoteError("note has no signature lines after the blank line")
    if not sig_block.endswith("\n"):
        raise NoteError("note does not end with a newline after its last signature line")
    lines = sig_block[:-1].split("\n")
    if len(lines) > MAX_SIGNATURES:
        raise NoteError(f"note has {len(lines)} signatures; at most {MAX_SIGNATURES} are accepted")
    return ParsedNote(
        text, tuple(_parse_signature_line(n, line) for n, line in enumerate(lines, 1))
    )


def _parse_signature_line(number: int, line: str) -> NoteSignature:
    what = f"signature line {number}"
    if not line.startswith(SIGNATURE_PREFIX):
        raise NoteError(f"{what} does not start with an em dash and a space: {line[:40]!r}")
    name, sep, b64 = line.removeprefix(SIGNATURE_PREFIX).partition(" ")
    if not sep or not b64:
        raise NoteError(f"{what} has no signature after the key name")
    _check_key_name(name, what)
    raw = _b64decode(b64, what)
    if len(raw) < 5:
        raise NoteError(f"{what}: signature is too short ({len(raw)} bytes)")
    return NoteSignature(name, int.from_bytes(raw[:4], "big"), raw[4:])


def sign_note(text: str, signers: Sequence[NoteSigner]) -> str:
    """Sign ``text`` (which must end in a newline) with each signer, in order."""
    if not signers:
        raise NoteError("cannot sign a note without a signer")
    if not text.endswith("\n"):
        raise NoteError("note text must end with a newline")
    _check_text_chars(text, "note text")
    data = text.encode()
    lines = [NoteSignature(s.name, s.key_id, s.sign(data)).line() for s in signers]
    return text + "\n" + "".join(line + "\n" for line in lines)


def verify_note(note: str | bytes, verifiers: Sequence[NoteVerifier]) -> VerifiedNote:
    """Parse ``note`` and verify it with the trusted ``verifiers``.

    As the spec requires: a signature whose (name, key ID) matches no verifier is kept as unknown;
    a signature by a trusted key that fails to verify rejects the whole note; a note with no
    verified signature is rejected.
    """
    known: dict[tuple[str, int], NoteVerifier] = {}
    for verifier in verifiers:
        ident = (verifier.name, verifier.key_id)
        if ident in known and known[ident] != verifier:
            raise NoteError(
                f"two different verifier keys share name and ID {verifier.name}+"
                f"{verifier.key_id:08x}"
            )
        known[ident] = verifier
    parsed = parse_note(note)
    data = parsed.text.encode()
    verified: dict[tuple[str, int], NoteSignature] = {}
    unknown: dict[NoteSignature, None] = {}  # an ordered set: repeated lines are reported once
    for sig in parsed.signatures:
        trusted = known.get((sig.name, sig.key_id))
        if trusted is None:
            unknown[sig] = None
        elif not trusted.verify(data, sig.signature):
            raise NoteError(
                f"invalid signature for key {sig.name}+{sig.key_id:08x}",
                hint="The note text or its signature was changed after signing.",
            )
        else:
            verified.setdefault((sig.name, sig.key_id), sig)
    if not verified:
        names = ", ".join(f"{s.name}+{s.key_id:08x}" for s in unknown) or "none"
        raise NoteError(
            f"note has no verifiable signatures (signed by: {names})",
            hint="Pass the verifier key of the log or installation that signed it.",
        )
    return VerifiedNote(parsed.text, tuple(verified.values()), tuple(unknown))


# --- checkpoints ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Checkpoint:
    origin: str
    size: int
    root_hash: bytes
    extensions: tuple[str, ...] = ()


def format_checkpoint(cp: Checkpoint) -> str:
    """The checkpoint note text: origin, size, base64 root hash, extension lines."""
    if not cp.origin or "\n" in cp.origin:
        raise NoteError("checkpoint origin must be one non-empty line")
    if not 0 <= cp.size <= _MAX_TREE_SIZE:
        raise NoteError(f"checkpoint size {cp.size} is outside 0..2^64-1")
    if len(cp.root_hash) != 32:
        raise NoteError(f"checkpoint root hash must be 32 bytes, got {len(cp.root_hash)}")
    for ext in cp.extensions:
        if not ext or "\n" in ext:
            raise NoteError(f"checkpoint extension {ext!r} must be one non-empty line")
    root = base64.b64encode(cp.root_hash).decode()
    text = "".join(f"{line}\n" for line in (cp.origin, str(cp.size), root, *cp.extensions))
    _check_text_chars(text, "checkpoint")
    return text


def parse_checkpoint(
    text: str, *, strict_hash_length: bool = True, expected_origin: str | None = None
) -> Checkpoint:
    """Parse a checkpoint note text (not the signatures: see :func:`verify_checkpoint`).

    ``strict_hash_length=False`` accepts a root hash of any non-empty length; it exists for test
    vectors that exercise line structure with fake hashes, never for real checkpoints.
    """
    if not text.endswith("\n"):
        raise NoteError("checkpoint does not end with a newline")
    lines = text[:-1].split("\n")
    if len(lines) < 3:
        raise NoteError(f"checkpoint has {len(lines)} lines; origin, size and root are required")
    origin, size_text, root_text, *extensions = lines
    if not origin:
        raise NoteError("checkpoint origin line is empty")
    if expected_origin is not None and origin != expected_origin:
        raise NoteError(f"checkpoint origin is {origin!r}, expected {expected_origin!r}")
    if not _DECIMAL.fullmatch(size_text):
        raise NoteError(f"checkpoint size {size_text!r} is not a decimal without leading zeros")
    size = int(size_text)
    if size > _MAX_TREE_SIZE:
        raise NoteError(f"checkpoint size {size_text} does not fit in 64 bits")
    root = _b64decode(root_text, "checkpoint root hash")
    if not root:
        raise NoteError("checkpoint root hash is empty")
    if strict_hash_length and len(root) != 32:
        raise NoteError(f"checkpoint root hash is {len(root)} bytes, expected 32")
    for number, ext in enumerate(extensions, 4):
        if not ext:
            raise NoteError(f"checkpoint line {number} is an empty extension line")
    return Checkpoint(origin, size, root, tuple(extensions))


def verify_checkpoint(
    note: str | bytes, verifiers: Sequence[NoteVerifier], *, expected_origin: str | None = None
) -> tuple[Checkpoint, VerifiedNote]:
    """Verify a signed checkpoint note, then parse its text strictly."""
    verified = verify_note(note, verifiers)
    return parse_checkpoint(verified.text, expected_origin=expected_origin), verified
