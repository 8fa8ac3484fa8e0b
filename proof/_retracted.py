"""Retractions carried by an evidence bundle (a WACZ written by ``postproof export``).

A capture retracted before it was exported travels with its retraction: the retraction's own
signed log entry, at ``postproof/retraction-<capture>.json``, listed under ``retractions`` in
``proof.json`` with its inclusion proof in the newest checkpoint. The bundle's signature over
``datapackage.json`` covers both, so a retraction cannot be dropped from a bundle without the
package failing. :func:`check_retractions` checks each one the way a capture's entry is checked
(signature, the capture and log entry it names, inclusion) and says which captures it marks.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from proof._manifest import ManifestError, canonical_json, verify_manifest
from proof._merkle import leaf_hash, verify_inclusion
from proof._wacz import WaczBundle, WaczError

RETRACTION_FORMAT = "postproof-retraction-manifest/1"  # as storage signs it

Fail = Callable[..., None]  # fail(code, detail, capture_id=None), as verify_bundle collects


def retraction_path(capture_id: str) -> str:
    """Where the signed retraction of a capture sits in a bundle."""
    return f"postproof/retraction-{capture_id}.json"


@dataclass(frozen=True)
class BundleRetraction:
    """A capture's retraction, as its signed manifest in the bundle states it."""

    reason: str
    at: str  # when it was retracted (UTC, ISO 8601 with Z, to the millisecond)
    log_index: int  # the retraction's own entry in the log
    included: bool  # its inclusion in the newest signed checkpoint verifies

    def describe(self) -> str:
        """``retracted: <reason> (<time>)``, as ``show`` and ``list`` write it."""
        return f"retracted: {self.reason} ({self.at})"

    def to_json(self) -> dict[str, Any]:
        return {
            "reason": self.reason,
            "at": self.at,
            "log_index": self.log_index,
            "included": self.included,
        }


@dataclass(frozen=True)
class _Target:
    """The bundled capture a retraction must name: its log index and manifest leaf hash."""

    log_index: int | None
    leaf: bytes | None


def check_retractions(
    bundle: WaczBundle,
    listed: Any,
    key: str,
    head: tuple[int | None, bytes | None],
    captures: Mapping[str, int | None],
    leaf_of: Callable[[str], bytes | None],
    fail: Fail,
) -> dict[str, BundleRetraction]:
    """The bundled captures that ``listed`` (``proof.json``'s ``retractions``) retracts, each
    with its retraction, if the retraction's signature verifies and it names that capture's
    own log entry. ``captures`` maps each bundled capture to its log index; ``head`` is the
    newest checkpoint's size and root (None when it failed, reported already)."""
    if listed is None:
        return {}
    if not isinstance(listed, list):
        fail("proof_unreadable", "proof.json's retractions are not a list")
        return {}
    found: dict[str, BundleRetraction] = {}
    for raw in listed:
        if not isinstance(raw, Mapping) or not isinstance(raw.get("capture_id"), str):
            fail("proof_unreadable", "proof.json has a retraction without a capture id")
            continue
        capture_id = raw["capture_id"]
        if capture_id not in captures:
            fail(
                "retraction_invalid",
                f"a retraction names capture {capture_id}, which the bundle does not carry",
                capture_id,
            )
            continue
        target = _Target(captures[capture_id], leaf_of(capture_id))
        retraction = _check_one(bundle, raw, capture_id, key, head, target, fail)
        if retraction is not None:
            found[capture_id] = retraction
    return found


def _check_one(
    bundle: WaczBundle,
    raw: Mapping[str, Any],
    capture_id: str,
    key: str,
    head: tuple[int | None, bytes | None],
    target: _Target,
    fail: Fail,
) -> BundleRetraction | None:
    where = f"the retraction of capture {capture_id}"
    index = raw.get("index")
    if not isinstance(index, int) or index < 0:
        fail("proof_unreadable", f"{where} has no log index", capture_id)
        return None
    try:
        envelope = json.loads(bundle.read(retraction_path(capture_id)))
        manifest = verify_manifest(envelope, verifier=key)
    except (WaczError, ValueError) as exc:
        fail(
            "retraction_invalid", f"{where}: its signed manifest is unreadable ({exc})", capture_id
        )
        return None
    except ManifestError as exc:
        fail("retraction_invalid", f"{where}: {exc.message}", capture_id)
        return None
    named = manifest.get("target")
    reason, at = manifest.get("reason"), manifest.get("retracted_at")
    if (
        manifest.get("format") != RETRACTION_FORMAT
        or not isinstance(named, Mapping)
        or not isinstance(reason, str)
        or not isinstance(at, str)
    ):
        fail("retraction_invalid", f"{where}: its manifest is not a retraction", capture_id)
        return None
    if not _names(named, capture_id, target):
        fail(
            "retraction_invalid",
            f"{where}: its signed manifest names {named.get('kind')} {named.get('id')} at log "
            f"index {named.get('log_index')}, not this capture's own log entry",
            capture_id,
        )
        return None
    included = _included(manifest, index, raw.get("inclusion"), head)
    if included is False:
        fail(
            "inclusion_failed",
            f"{where}: its manifest is not at index {index} of the signed log checkpoint "
            f"(size {head[0]}): the entry was moved, dropped or altered",
            capture_id,
        )
    return BundleRetraction(reason, _millis(at), index, included is True)


def _names(named: Mapping[str, Any], capture_id: str, target: _Target) -> bool:
    """Whether a retraction's target is this capture's own log entry (where the bundle lets it
    be told: a capture whose manifest failed is reported already)."""
    if named.get("kind") != "capture" or named.get("id") != capture_id:
        return False
    if target.log_index is not None and named.get("log_index") != target.log_index:
        return False
    return target.leaf is None or named.get("leaf_hash") == target.leaf.hex()


def _included(
    manifest: Mapping[str, Any], index: int, inclusion: Any, head: tuple[int | None, bytes | None]
) -> bool | None:
    """Whether the retraction's entry is in the newest checkpoint; None when that checkpoint
    itself failed (reported once, elsewhere)."""
    size, root = head
    if size is None or root is None:
        return None
    path = _path((inclusion or {}).get(str(size)) if isinstance(inclusion, Mapping) else None)
    leaf = leaf_hash(canonical_json(manifest))
    return path is not None and verify_inclusion(leaf, index, size, path, root)


def _path(value: Any) -> list[bytes] | None:
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        return None
    try:
        return [base64.b64decode(item, validate=True) for item in value]
    except (binascii.Error, ValueError):
        return None


def _millis(text: str) -> str:
    """The log's time (to the microsecond) as every other output writes it (to the millisecond);
    left as signed when it does not parse."""
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return text
    if moment.tzinfo is None:
        return text
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
