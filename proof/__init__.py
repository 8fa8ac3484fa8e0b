"""Tamper-evidence proofs for the archive: an RFC 9162 Merkle transparency log, C2SP signed
notes and checkpoints, the installation's Ed25519 signing key, and signed capture manifests."""

from __future__ import annotations

from typing import TYPE_CHECKING

from archiver._lazy import lazy_exports

if TYPE_CHECKING:
    from proof._bundle import (
        BundleCapture,
        BundleProblem,
        BundleReport,
        manifest_path,
        sign_datapackage_digest,
        verify_bundle,
    )
    from proof._keys import InstallationKey, load_or_create_key
    from proof._manifest import ManifestError, canonical_json, sign_manifest, verify_manifest
    from proof._merkle import (
        EMPTY_ROOT,
        HASH_SIZE,
        MerkleLog,
        consistency_proof,
        inclusion_proof,
        leaf_hash,
        node_hash,
        root,
        verify_consistency,
        verify_inclusion,
    )
    from proof._note import (
        Checkpoint,
        NoteError,
        NoteSignature,
        NoteSigner,
        NoteVerifier,
        ParsedNote,
        VerifiedNote,
        format_checkpoint,
        key_id,
        parse_checkpoint,
        parse_note,
        sign_note,
        verify_checkpoint,
        verify_note,
    )
    from proof._retracted import BundleRetraction, retraction_path
    from proof._tsa import (
        TimestampError,
        TimestampToken,
        TimestampUntrusted,
        TsaUnreachable,
        certificate_summary,
        openssl_verify_command,
        request_timestamp,
        token_certificates_pem,
        tsa_roots_from_env,
        tsa_urls_from_env,
        verify_timestamp,
    )
    from proof._wacz import WaczBundle, WaczError, WaczInfo, WaczPage, read_wacz, write_wacz

# What each name is imported from, on first use (PEP 562): importing the package costs
# nothing until a name is asked for.
_EXPORTS = {
    "BundleCapture": "proof._bundle",
    "BundleProblem": "proof._bundle",
    "BundleReport": "proof._bundle",
    "manifest_path": "proof._bundle",
    "sign_datapackage_digest": "proof._bundle",
    "verify_bundle": "proof._bundle",
    "BundleRetraction": "proof._retracted",
    "retraction_path": "proof._retracted",
    "InstallationKey": "proof._keys",
    "load_or_create_key": "proof._keys",
    "ManifestError": "proof._manifest",
    "canonical_json": "proof._manifest",
    "sign_manifest": "proof._manifest",
    "verify_manifest": "proof._manifest",
    "EMPTY_ROOT": "proof._merkle",
    "HASH_SIZE": "proof._merkle",
    "MerkleLog": "proof._merkle",
    "consistency_proof": "proof._merkle",
    "inclusion_proof": "proof._merkle",
    "leaf_hash": "proof._merkle",
    "node_hash": "proof._merkle",
    "root": "proof._merkle",
    "verify_consistency": "proof._merkle",
    "verify_inclusion": "proof._merkle",
    "Checkpoint": "proof._note",
    "NoteError": "proof._note",
    "NoteSignature": "proof._note",
    "NoteSigner": "proof._note",
    "NoteVerifier": "proof._note",
    "ParsedNote": "proof._note",
    "VerifiedNote": "proof._note",
    "format_checkpoint": "proof._note",
    "key_id": "proof._note",
    "parse_checkpoint": "proof._note",
    "parse_note": "proof._note",
    "sign_note": "proof._note",
    "verify_checkpoint": "proof._note",
    "verify_note": "proof._note",
    "TimestampError": "proof._tsa",
    "TimestampToken": "proof._tsa",
    "TimestampUntrusted": "proof._tsa",
    "TsaUnreachable": "proof._tsa",
    "certificate_summary": "proof._tsa",
    "openssl_verify_command": "proof._tsa",
    "request_timestamp": "proof._tsa",
    "token_certificates_pem": "proof._tsa",
    "tsa_roots_from_env": "proof._tsa",
    "tsa_urls_from_env": "proof._tsa",
    "verify_timestamp": "proof._tsa",
    "WaczBundle": "proof._wacz",
    "WaczError": "proof._wacz",
    "WaczInfo": "proof._wacz",
    "WaczPage": "proof._wacz",
    "read_wacz": "proof._wacz",
    "write_wacz": "proof._wacz",
}

__all__ = [
    "EMPTY_ROOT",
    "HASH_SIZE",
    "BundleCapture",
    "BundleProblem",
    "BundleReport",
    "BundleRetraction",
    "Checkpoint",
    "InstallationKey",
    "ManifestError",
    "MerkleLog",
    "NoteError",
    "NoteSignature",
    "NoteSigner",
    "NoteVerifier",
    "ParsedNote",
    "TimestampError",
    "TimestampToken",
    "TimestampUntrusted",
    "TsaUnreachable",
    "VerifiedNote",
    "WaczBundle",
    "WaczError",
    "WaczInfo",
    "WaczPage",
    "canonical_json",
    "certificate_summary",
    "consistency_proof",
    "format_checkpoint",
    "inclusion_proof",
    "key_id",
    "leaf_hash",
    "load_or_create_key",
    "manifest_path",
    "node_hash",
    "openssl_verify_command",
    "parse_checkpoint",
    "parse_note",
    "read_wacz",
    "request_timestamp",
    "retraction_path",
    "root",
    "sign_datapackage_digest",
    "sign_manifest",
    "sign_note",
    "token_certificates_pem",
    "tsa_roots_from_env",
    "tsa_urls_from_env",
    "verify_bundle",
    "verify_checkpoint",
    "verify_consistency",
    "verify_inclusion",
    "verify_manifest",
    "verify_note",
    "verify_timestamp",
    "write_wacz",
]


__getattr__ = lazy_exports(__name__, _EXPORTS)


def __dir__() -> list[str]:
    return sorted(__all__)
