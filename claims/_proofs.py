"""What a report says about the proof behind each piece of evidence, and how a reader checks it.

Pure data, read from the archive by ``claims._report_data.build_report``: a capture's place in the
transparency log (``LogProof``), its timestamp (``StampFact``), the author's own signature for
platforms that sign posts (``AuthorSignature``), the edits seen since (``PostEdit``) and the
quote looked for again in the newest version (``NewestVersion``). :func:`verify_steps` turns a
report's facts into the commands that check them, with the report's ids filled in.
"""

from __future__ import annotations

import shlex
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from archiver.models import isoformat_z
from claims.models import MatchResult, QuoteMatch


def match_json(match: QuoteMatch | None) -> dict[str, Any] | None:
    if match is None:
        return None
    return {
        "result": str(match.result),
        "score": match.score,
        "excerpt": match.excerpt,
        "source": match.source,
    }


@dataclass(frozen=True)
class StampFact:
    """An RFC 3161 timestamp over a signed checkpoint, and where an export puts its token."""

    tsa_url: str
    time: datetime
    checkpoint_size: int
    bundle_token: str | None  # e.g. "postproof/timestamp-1.tsr" in `postproof export --article`
    has_certificates: bool  # the bundle carries the TSA's certificates beside the token

    @property
    def bundle_data(self) -> str | None:
        """The stamped bytes (the checkpoint note) inside the bundle."""
        return self.bundle_token.removesuffix(".tsr") + ".checkpoint" if self.bundle_token else None

    @property
    def bundle_certificates(self) -> str | None:
        if not self.bundle_token or not self.has_certificates:
            return None
        return self.bundle_token.removesuffix(".tsr") + "-certs.pem"

    def to_json(self) -> dict[str, Any]:
        return {
            "time": isoformat_z(self.time),
            "tsa_url": self.tsa_url,
            "checkpoint_size": self.checkpoint_size,
            "token_in_bundle": self.bundle_token,
            "checkpoint_in_bundle": self.bundle_data,
            "certificates_in_bundle": self.bundle_certificates,
        }


@dataclass(frozen=True)
class LogProof:
    """Where a capture's signed manifest stands in the archive's transparency log: its leaf
    index, the key that signed it, and the signed checkpoint that covers it — the earliest one a
    TSA stamped, else the newest — or none while no checkpoint covers it yet."""

    index: int
    key: str  # the note verifier key that signed the manifest
    checkpoint_size: int | None = None
    checkpoint_root: str | None = None  # hex SHA-256 Merkle root
    checkpoint_signed_at: datetime | None = None
    timestamp: StampFact | None = None

    def to_json(self) -> dict[str, Any]:
        checkpoint = None
        if self.checkpoint_size is not None:
            checkpoint = {
                "size": self.checkpoint_size,
                "root_hash": self.checkpoint_root,
                "signed_at": isoformat_z(self.checkpoint_signed_at),
            }
        return {
            "log_index": self.index,
            "key": self.key,
            "checkpoint": checkpoint,
            "timestamp": None if self.timestamp is None else self.timestamp.to_json(),
        }


@dataclass(frozen=True)
class AuthorSignature:
    """The offline check, made at capture time, of a post its author signed (Bluesky)."""

    verified: bool
    did: str | None = None
    record_cid: str | None = None
    signing_key: str | None = None
    reason: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "verified": self.verified,
            "did": self.did,
            "record_cid": self.record_cid,
            "signing_key": self.signing_key,
            "reason": self.reason,
        }


@dataclass(frozen=True)
class PostEdit:
    """One edit a re-check found: the word diff from the capture before to the one after."""

    detected_at: datetime
    before_capture_id: str | None
    after_capture_id: str
    diff: tuple[tuple[str, str], ...]  # ("equal" | "delete" | "insert", words)

    def to_json(self) -> dict[str, Any]:
        return {
            "detected_at": isoformat_z(self.detected_at),
            "before_capture_id": self.before_capture_id,
            "after_capture_id": self.after_capture_id,
            "diff": [[op, words] for op, words in self.diff],
        }


@dataclass(frozen=True)
class NewestVersion:
    """The newest good capture of a post that changed, and the quote looked for in it again."""

    capture_id: str
    captured_at: datetime
    match: QuoteMatch | None  # None when the link has no quote

    @property
    def quote_survives(self) -> bool | None:
        return None if self.match is None else self.match.result is not MatchResult.NOT_FOUND

    def to_json(self) -> dict[str, Any]:
        return {
            "capture_id": self.capture_id,
            "captured_at": isoformat_z(self.captured_at),
            "match": match_json(self.match),
            "quote_survives": self.quote_survives,
        }


@dataclass(frozen=True)
class ArchiveKey:
    """The installation's public key: the note verifier string, and the SHA-256 of its DER
    SubjectPublicKeyInfo (what ``openssl pkey -pubin -outform DER | openssl dgst -sha256``
    prints for the bundle's ``key.pem``)."""

    verifier: str
    sha256: str

    def to_json(self) -> dict[str, str]:
        return {"verifier": self.verifier, "sha256": self.sha256}


@dataclass(frozen=True)
class VerifyStep:
    title: str
    text: str
    commands: tuple[str, ...] = ()

    def to_json(self) -> dict[str, Any]:
        return {"title": self.title, "text": self.text, "commands": list(self.commands)}


def bundle_name(article_id: str) -> str:
    return f"evidence-{article_id}.wacz"


def verify_steps(
    article_id: str,
    key: ArchiveKey | None,
    proofs: Iterable[LogProof | None],
) -> tuple[VerifyStep, ...]:
    """How a reader checks this report's evidence, as commands with its ids filled in."""
    bundle = bundle_name(article_id)
    export = VerifyStep(
        "Export the evidence",
        "Every capture this report cites, with its WARC, its signed manifest, its place in "
        "the archive's transparency log and its timestamps, in one WACZ file:",
        (f"postproof export --article {shlex.quote(article_id)} -o {shlex.quote(bundle)}",),
    )
    return _bundle_steps(export, bundle, key, proofs)


def capture_verify_steps(
    capture_ids: Sequence[str],
    key: ArchiveKey | None,
    proofs: Iterable[LogProof | None],
    *,
    bundle: str | None = None,
) -> tuple[VerifyStep, ...]:
    """How a reader checks these captures: the same steps as a report's, for the bundle that
    ``postproof export`` of exactly these captures writes (named ``bundle``, by default after
    the first capture)."""
    bundle = bundle or bundle_name(capture_ids[0])
    ids = " ".join(shlex.quote(c) for c in capture_ids)
    export = VerifyStep(
        "Export the evidence",
        "The capture, with its WARC, its signed manifest, its place in the archive's "
        "transparency log and its timestamps, in one WACZ file:"
        if len(capture_ids) == 1
        else "The captures, with their WARCs, signed manifests, places in the archive's "
        "transparency log and timestamps, in one WACZ file:",
        (f"postproof export {ids} -o {shlex.quote(bundle)}",),
    )
    return _bundle_steps(export, bundle, key, proofs)


def _bundle_steps(
    export: VerifyStep,
    bundle: str,
    key: ArchiveKey | None,
    proofs: Iterable[LogProof | None],
) -> tuple[VerifyStep, ...]:
    proofs = list(proofs)
    folder = bundle.removesuffix(".wacz")
    q = shlex.quote
    steps = [export]
    if key is not None:
        steps += [
            VerifyStep(
                "Check the bundle against the archive's public key",
                "Checks every file's SHA-256, every signature, each capture's inclusion in the "
                "signed log and the timestamps, offline; with the TSA's root certificate "
                "(--tsa-ca) the timestamps are trusted too:",
                (
                    f"postproof verify {q(bundle)} --key {_quoted(key.verifier)}",
                    f"postproof verify {q(bundle)} --key {_quoted(key.verifier)} "
                    "--tsa-ca TSA-ROOT.pem",
                ),
            ),
            VerifyStep(
                "Check the key itself",
                f"The bundle's key.pem must hash to {key.sha256}, the fingerprint the archive's "
                "owner publishes with the key above:",
                (
                    f"unzip -p {q(bundle)} postproof/key.pem | openssl pkey -pubin -outform DER "
                    "| openssl dgst -sha256",
                ),
            ),
        ]
    stamps = _bundle_stamps(proofs)
    if stamps:
        commands = [f"unzip -o {q(bundle)} 'postproof/*' -d {q(folder)}"]
        for stamp in stamps:
            assert stamp.bundle_token is not None and stamp.bundle_data is not None
            command = (
                f"openssl ts -verify -in {q(f'{folder}/{stamp.bundle_token}')} "
                f"-data {q(f'{folder}/{stamp.bundle_data}')} -CAfile TSA-ROOT.pem"
            )
            if stamp.bundle_certificates:
                command += f" -untrusted {q(f'{folder}/{stamp.bundle_certificates}')}"
            commands.append(command)
        tsas = ", ".join(dict.fromkeys(s.tsa_url for s in stamps))
        steps.append(
            VerifyStep(
                "Check the timestamps with OpenSSL alone",
                "Each token stamps a signed checkpoint of the log that holds the captures. "
                f"TSA-ROOT.pem is the root certificate of the TSA ({tsas}), obtained from the TSA "
                "itself: a bundle cannot vouch for its own root. Add -attime with the time of "
                "the stamp once the TSA's certificate has expired.",
                tuple(commands),
            )
        )
    else:
        steps.append(
            VerifyStep(
                "Timestamps",
                "No trusted timestamp covers this evidence yet: with a TSA configured, "
                "postproof timestamp gets one; write this document again afterwards.",
            )
        )
    if any(p is not None and p.checkpoint_size is None for p in proofs):
        steps.append(
            VerifyStep(
                "Captures not yet in a signed checkpoint",
                "Some captures were logged after the last signed checkpoint: the export signs "
                "a new one first, so the bundle proves them too.",
            )
        )
    return tuple(steps)


def _quoted(text: str) -> str:
    """Always in single quotes, as a key is usually shown (``shlex.quote`` leaves it bare)."""
    return "'" + text.replace("'", "'\"'\"'") + "'"


def _bundle_stamps(proofs: Iterable[LogProof | None]) -> list[StampFact]:
    """The timestamps the report's evidence relies on, once each, in the bundle's order."""
    found = {
        p.timestamp.bundle_token: p.timestamp
        for p in proofs
        if p is not None and p.timestamp is not None and p.timestamp.bundle_token
    }
    return [found[token] for token in sorted(found, key=_token_number)]


def _token_number(token: str) -> tuple[int, str]:
    digits = "".join(ch for ch in token.rsplit("-", 1)[-1] if ch.isdigit())
    return (int(digits) if digits else 0, token)
