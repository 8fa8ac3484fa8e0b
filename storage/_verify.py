"""Re-hashing stored evidence: does every artifact still have exactly the bytes it was stored
with, and is every blob in the store accounted for?"""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from sqlmodel import col, func, select

from archiver.models import ArtifactKind
from storage._blobs import Blobs
from storage._database import read_session
from storage._records import ProblemKind, RecoveryReport, VerifyProblem, VerifyReport
from storage._tables import Article, Artifact, Capture, PendingBlob


@dataclass(frozen=True)
class _BlobState:
    sha256: str | None  # None when the blob could not be read
    size: int
    error: str | None = None


def verify_artifacts(
    engine: sa.Engine, blobs: Blobs, capture_id: str | None, recovery: RecoveryReport
) -> VerifyReport:
    """Check the artifacts of ``capture_id``, or of every capture and the whole store."""
    # List the files before reading the database: a blob written after a run committed its
    # journal row, so any file we list is already accounted for in the snapshot we read next.
    present = set(blobs.iter_shas()) if capture_id is None else set()
    strays = list(blobs.stray_files()) if capture_id is None else []
    with read_session(engine) as session:
        query = select(Artifact).order_by(col(Artifact.capture_id), col(Artifact.id))
        if capture_id is not None:
            query = query.where(col(Artifact.capture_id) == capture_id)
            captures_checked = 1
        else:
            captures_checked = session.exec(select(func.count()).select_from(Capture)).one()
        artifacts = session.exec(query).all()
        pending = (
            set(session.exec(select(PendingBlob.sha256)).all()) if capture_id is None else set()
        )
        sources = session.exec(select(Article)).all() if capture_id is None else []

    problems: list[VerifyProblem] = []
    states: dict[str, _BlobState] = {}
    for artifact in artifacts:
        if artifact.sha256 not in states:
            states[artifact.sha256] = _hash_blob(blobs, artifact.sha256)
        problem = _check_artifact(artifact, states[artifact.sha256], blobs)
        if problem is not None:
            problems.append(problem)

    for article in sources:
        if article.source_sha256 not in states:
            states[article.source_sha256] = _hash_blob(blobs, article.source_sha256)
        problem = _check_source(article, states[article.source_sha256], blobs)
        if problem is not None:
            problems.append(problem)

    referenced = (
        {artifact.sha256 for artifact in artifacts}
        | {article.source_sha256 for article in sources}
        | pending
    )
    # exists(): recovery in another process may have removed a dead run's blob since we listed.
    for sha in sorted(sha for sha in present - referenced if blobs.exists(sha)):
        problems.append(
            VerifyProblem(
                capture_id=None,
                kind=None,
                sha256=sha,
                problem="unreferenced_blob",
                detail=f"no capture references the blob {blobs.location_of(sha)}",
            )
        )
    for stray in strays:
        problems.append(
            VerifyProblem(
                capture_id=None,
                kind=None,
                sha256=None,
                problem="unreferenced_blob",
                detail=f"a file that is not a blob sits in the blob store: {stray}",
            )
        )
    return VerifyReport(
        capture_id=capture_id,
        problems=tuple(problems),
        captures_checked=captures_checked,
        artifacts_checked=len(artifacts),
        blobs_checked=len(states),
        bytes_hashed=sum(state.size for state in states.values()),
        recovery=recovery,
    )


def _hash_blob(blobs: Blobs, sha: str) -> _BlobState:
    try:
        found = blobs.digest(sha)
    except OSError as exc:
        return _BlobState(sha256=None, size=0, error=f"cannot be read: {exc.strerror or exc}")
    if found is None:
        return _BlobState(sha256=None, size=0, error="is not in the blob store")
    return _BlobState(sha256=found[0], size=found[1])


def _check_artifact(artifact: Artifact, state: _BlobState, blobs: Blobs) -> VerifyProblem | None:
    name = f"the {artifact.kind} of capture {artifact.capture_id}"
    problem = _blob_problem(name, artifact.sha256, artifact.size, state, blobs)
    if problem is None:
        return None
    return VerifyProblem(
        capture_id=artifact.capture_id,
        kind=_kind(artifact.kind),
        sha256=artifact.sha256,
        problem=problem[0],
        detail=problem[1],
    )


def _check_source(article: Article, state: _BlobState, blobs: Blobs) -> VerifyProblem | None:
    name = f"the source of article {article.id}"
    problem = _blob_problem(name, article.source_sha256, article.source_size, state, blobs)
    if problem is None:
        return None
    return VerifyProblem(
        capture_id=article.capture_id,
        kind=None,
        sha256=article.source_sha256,
        problem=problem[0],
        detail=problem[1],
    )


def _blob_problem(
    name: str, sha256: str, size: int, state: _BlobState, blobs: Blobs
) -> tuple[ProblemKind, str] | None:
    problem: ProblemKind
    if state.sha256 is None:
        problem, detail = "missing", f"{name} {state.error} ({blobs.location_of(sha256)})"
    elif state.sha256 != sha256:
        problem = "hash_mismatch"
        detail = (
            f"{name} was altered: its blob now hashes to {state.sha256} "
            f"({state.size} bytes, {size} recorded)"
        )
    elif state.size != size:
        problem = "size_mismatch"
        detail = f"{name} is recorded as {size} bytes but its blob has {state.size}"
    else:
        return None
    return problem, detail


def _kind(value: str) -> ArtifactKind | None:
    try:
        return ArtifactKind(value)
    except ValueError:
        return None
