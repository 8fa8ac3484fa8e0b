"""The one exception this package raises on purpose."""

from __future__ import annotations

from archiver.errors import PostproofError


class AtprotoError(PostproofError):
    """The inputs cannot be read as what they claim to be.

    Raised for a byte string that is not a CARv1 file, a DID document without a usable
    ``#atproto`` key, an unsupported key type, a malformed DID, collection or record key, or a
    record that is not valid atproto data. A CAR that reads fine but proves nothing is not an
    error: :func:`proof.atproto.verify_record_car` returns ``verified=False`` with the reason.
    """
