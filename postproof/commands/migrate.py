"""migrate-archive: move the embedded archive of a data home into a shared one (PostgreSQL, and
blobs in an S3-compatible bucket), then verify the copy."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, NoReturn

import typer

from postproof.commands._options import HomeOpt, JsonOpt
from postproof.commands.proofs import render_verify
from postproof.output import (
    ExitCode,
    Steps,
    emit_json,
    err,
    esc,
    handles_errors,
    out,
    progress_wanted,
)
from postproof.settings import Settings
from postproof.views import verify_json

if TYPE_CHECKING:
    import storage

COPYING_STOPPED = (
    "Interrupted. The archive in {home} is unchanged, and the target holds none of its rows "
    "(they are copied in one transaction); the blobs already copied stay there and are not "
    "copied again."
)
COPYING_HINT = "run the same command again to finish"
VERIFYING_STOPPED = "Interrupted while the copy was verified: the archive is copied."
VERIFYING_HINT = (
    "check it with `postproof verify --all`, POSTPROOF_DATABASE_URL set to the target "
    "(and POSTPROOF_BLOBS to its blobs)"
)


@handles_errors
def migrate_archive(
    to: Annotated[
        str,
        typer.Option(
            "--to",
            help="The shared archive's database: postgresql://USER:PASSWORD@HOST:PORT/DATABASE "
            "(empty, or new: it is migrated first).",
            show_default=False,
        ),
    ],
    blobs: Annotated[
        str | None,
        typer.Option(
            "--blobs",
            help="Where the blobs go: s3://BUCKET/PREFIX. Default: the store the data home is "
            "set up with (POSTPROOF_BLOBS or the url of config.toml's blobs table), else they "
            "stay in the data home.",
            show_default=False,
        ),
    ] = None,
    tsa_ca: Annotated[
        list[Path] | None,
        typer.Option(
            "--tsa-ca",
            help="Trust this TSA root certificate (PEM/DER) when the copy is verified "
            "(repeatable).",
            show_default=False,
        ),
    ] = None,
    home: HomeOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Move the embedded archive of a data home (SQLite and blobs) into a shared one.

    Every table is copied as it is stored (captures, artifacts, the log with its checkpoints
    and timestamps, articles, claims, links, the watchlist and its events, retractions, users),
    with the same ids, hashes and times, so every checkpoint keeps its root. Every blob is
    rehashed on the way; one missing or altered in the source is reported and not copied. Then
    the copy is verified as `verify --all` would, with the data home's signing key. The source
    is only read; the target must be empty. The signing key file is not copied into the
    database: every data home that uses the shared archive needs a copy of it.

    Exits 2 for a target that already holds an archive, or a source that an older version
    wrote (open it once with this version first); 4 when a blob could not be copied or the
    copy does not verify; 130 when interrupted (run it again to finish).
    Example: postproof migrate-archive --to postgresql://postproof@db.example/newsroom --blobs s3://evidence/newsroom
    """
    from storage import migrate_archive as migrate
    from storage import verify_target

    settings = Settings.load(home)
    roots = settings.tsa(tsa_ca or []).roots
    with Steps(enabled=progress_wanted(as_json)) as steps:
        stopped = (COPYING_STOPPED.format(home=settings.home), COPYING_HINT)
        try:
            report = migrate(settings.home, to, blobs_url=blobs, progress=steps)
            stopped = (VERIFYING_STOPPED, VERIFYING_HINT)
            steps.step("Verifying", 0, "rehashing every blob and rechecking the log")
            verified = verify_target(settings.home, to, blobs_url=blobs, roots=roots)
        except KeyboardInterrupt:
            _interrupted(*stopped, as_json=as_json)
    ok = verified.ok and not report.findings
    if as_json:
        emit_json(_summary(report, verified, blobs, ok))
    else:
        _render(report, verified, blobs)
    if not ok:
        raise typer.Exit(ExitCode.INTEGRITY)


def _interrupted(message: str, hint: str, *, as_json: bool) -> NoReturn:
    if as_json:
        emit_json({"ok": False, "error": message, "hint": hint})
    else:
        err.print(f"{esc(message)} [dim]{esc(hint)}[/]")
    raise typer.Exit(ExitCode.INTERRUPTED)


def _next_steps(report: storage.MigrationReport, blobs: str | None) -> list[str]:
    """What the user does now, in order."""
    steps = []
    if report.signing_key is not None:
        steps.append(
            f"The signing key was not copied into the database: it stays in "
            f"{report.signing_key}. Copy that file (keep it secret, mode 0600) to keys/signing.key "
            "in the data home of every machine that uses the shared archive: without it, new "
            "entries would be signed by another key and the log would no longer verify."
        )
    where = f"POSTPROOF_DATABASE_URL={report.target}"
    if blobs:
        where += f" and POSTPROOF_BLOBS={blobs}"
    steps.append(
        f"Use the shared archive: set {where} (or [database] url"
        + (" and [blobs] url" if blobs else "")
        + " in config.toml), with the password in place of ***."
    )
    if report.blobs_in_place:
        steps.append(
            f"The blobs stayed in {report.blob_store}: only this machine reads them. Give "
            "--blobs s3://BUCKET/PREFIX to put them where every machine can."
        )
    steps.append(
        "The embedded archive is left as it was: keep it as a backup, and capture into the "
        "shared archive from now on (what is captured into the embedded one is not copied)."
    )
    return steps


def _summary(
    report: storage.MigrationReport,
    verified: storage.VerifyReport,
    blobs: str | None,
    ok: bool,
) -> dict[str, Any]:
    payload: dict[str, Any] = {
        "ok": ok,
        **report.to_json(),
        "verify": verify_json(verified),
        "next_steps": _next_steps(report, blobs),
    }
    if not ok:
        count = len(report.findings) + len(verified.problems)
        payload["error"] = f"{count} problem(s) in the copy: see blobs.problems and verify"
        payload["hint"] = "the source's own `postproof verify --all` tells whether it had them"
    return payload


def _render(
    report: storage.MigrationReport, verified: storage.VerifyReport, blobs: str | None
) -> None:
    for finding in report.findings:
        err.print(f"[bold red]{finding.problem}[/]: {esc(finding.detail)}")
    rows = sum(report.tables.values())
    out.print(
        f"Copied {rows:,} rows of {len(report.tables)} tables from {esc(str(report.source))} "
        f"to {esc(report.target)}."
    )
    for name, count in report.tables.items():
        out.print(f"  {esc(name)}: {count:,}")
    for name, count in report.not_copied.items():
        out.print(f"  {esc(name)}: {count:,} not copied (the embedded archive's run journal)")
    out.print(
        f"Blobs in {esc(report.blob_store)}: {report.blobs_copied:,} copied "
        f"({report.bytes_copied:,} bytes), {report.blobs_already_there:,} already there, "
        f"{len(report.findings)} not copied."
    )
    render_verify(verified)
    for step in _next_steps(report, blobs):
        out.print(f"- {esc(step)}")
