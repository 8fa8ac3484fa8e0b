"""atproto identifier syntax: DIDs, collection NSIDs, record keys and TIDs."""

from __future__ import annotations

import re
import time

from proof.atproto._errors import AtprotoError

_DID = re.compile(r"did:[a-z]+:[a-zA-Z0-9._:%-]*[a-zA-Z0-9._-]")
_NSID = re.compile(
    r"[a-zA-Z]([a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?"
    r"(\.[a-zA-Z0-9]([a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?)+"
    r"\.[a-zA-Z][a-zA-Z0-9]{0,62}"
)
_RKEY = re.compile(r"[a-zA-Z0-9._:~-]{1,512}")
_TID_ALPHABET = "234567abcdefghijklmnopqrstuvwxyz"  # base32-sortable


def check_did(did: str) -> None:
    if not isinstance(did, str) or len(did) > 2048 or not _DID.fullmatch(did):
        raise AtprotoError(f"{did!r} is not a DID (expected e.g. 'did:plc:…' or 'did:web:…')")


def check_collection(collection: str) -> None:
    if not isinstance(collection, str) or len(collection) > 317 or not _NSID.fullmatch(collection):
        raise AtprotoError(
            f"{collection!r} is not a collection NSID (expected e.g. 'app.bsky.feed.post')"
        )


def check_rkey(rkey: str) -> None:
    if not isinstance(rkey, str) or rkey in (".", "..") or not _RKEY.fullmatch(rkey):
        raise AtprotoError(
            f"{rkey!r} is not a record key (1-512 of A-Z a-z 0-9 . _ : ~ -, not '.' or '..')"
        )


def record_path(collection: str, rkey: str) -> str:
    """The repository key ``collection/rkey``, both parts checked."""
    check_collection(collection)
    check_rkey(rkey)
    return f"{collection}/{rkey}"


def split_record_path(path: str) -> tuple[str, str]:
    collection, slash, rkey = path.partition("/")
    if not slash:
        raise AtprotoError(f"{path!r} is not a repository key 'collection/rkey'")
    record_path(collection, rkey)
    return collection, rkey


def tid(micros: int | None = None, clock_id: int = 0) -> str:
    """A TID: 53 bits of microseconds since 1970 and a 10-bit clock id, base32-sortable."""
    if micros is None:
        micros = time.time_ns() // 1000
    if not (0 <= micros < 2**53 and 0 <= clock_id < 2**10):
        raise AtprotoError(f"cannot make a TID from {micros} µs and clock id {clock_id}")
    value = (micros << 10) | clock_id
    chars = []
    for _ in range(13):
        chars.append(_TID_ALPHABET[value & 31])
        value >>= 5
    return "".join(reversed(chars))
