"""verify, export, timestamp, key: the proof that evidence is what was captured, and when."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

import postproof
from archiver.errors import UsageError
from postproof.commands._options import ForceOpt, HomeOpt, JsonOpt, check_output
from postproof.output import ExitCode, emit_json, err, esc, handles_errors, out
from postproof.render import render_seal, retracted_line
from postproof.runs import opened_archive, seal_log
from postproof.settings import Settings, resolve_home
from postproof.views import key_json, ledger_summary, verify_json

if TYPE_CHECKING:
    import storage
    from proof import BundleReport

key_app = typer.Typer(
    help="The installation's signing key.", no_args_is_help=True, add_completion=False
)


@handles_errors
def verify(
    capture_id: Annotated[
        str | None, typer.Argument(help="Check one capture (default: all).")
    ] = None,
    all_: Annotated[
        bool, typer.Option("--all", help="Check every capture and every blob.")
    ] = False,
    tsa_ca: Annotated[
        list[Path] | None,
        typer.Option(
            "--tsa-ca",
            help="Trust this TSA root certificate (PEM/DER) for timestamps (repeatable).",
            show_default=False,
        ),
    ] = None,
    key: Annotated[
        str | None,
        typer.Option(
            "--key",
            help="For a bundle: the public key (note verifier) it must be signed with.",
            show_default=False,
        ),
    ] = None,
    home: HomeOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Recheck the evidence: every artifact's SHA-256, every signed manifest, the transparency
    log (checkpoints, consistency between them) and the RFC 3161 timestamps. Given a .wacz file
    exported by `postproof export`, verify that bundle offline, with nothing but the bundle; a
    capture retracted before the export is marked with its signed retraction.

    Exits 4 naming each thing that does not match.
    Example: postproof verify --all
    Example: postproof verify evidence.wacz --key 'postproof-archive+1a2b3c4d+AbC…'
    """
    if capture_id and all_:
        raise UsageError("Give a capture id or --all, not both.")
    if capture_id and (capture_id.lower().endswith(".wacz") or Path(capture_id).is_file()):
        verify_bundle(Path(capture_id), tsa_ca or [], key, home, as_json)
        return
    settings = Settings.load(home)
    roots = settings.tsa(tsa_ca or []).roots
    with opened_archive(settings.home) as archive:
        target = archive.resolve_capture_id(capture_id) if capture_id else None
        report = archive.verify(target, tsa_roots=roots)
    if as_json:
        emit_json(verify_json(report))
    else:
        render_verify(report)
    if not report.ok:
        raise typer.Exit(ExitCode.INTEGRITY)


def render_verify(report: storage.VerifyReport) -> None:
    problems = [p.to_json() for p in report.problems]
    for p in problems:
        if p["kind"]:
            who = f"capture {p['capture_id']} {p['kind']} {p['sha256']} — "
        elif p["sha256"]:
            who = f"blob {p['sha256']} — "
        else:
            who = ""
        err.print(f"[bold red]{p['problem']}[/]: {esc(who + p['detail'])}")
    summary = (
        f"{report.captures_checked} captures, {report.artifacts_checked} artifacts, "
        f"{report.bytes_hashed} bytes hashed"
    )
    if report.ok:
        out.print(f"[green]OK[/]: {summary}; every hash matches.")
    else:
        out.print(f"[bold red]FAILED[/]: {len(problems)} problem(s) in {summary}.")
    out.print(esc(ledger_summary(report.ledger or {})))
    if report.retracted is not None:
        out.print(f"{report.capture_id}: {retracted_line(report.retracted)}")


def verify_bundle(
    bundle: Path, tsa_ca: list[Path], key: str | None, home: Path | None, as_json: bool
) -> None:
    """`verify FILE.wacz`: needs no archive; the data home only supplies config.toml roots."""
    from proof import verify_bundle as check_bundle

    if not bundle.is_file():
        raise UsageError(f"{bundle} does not exist", hint="give the path of a .wacz bundle")
    roots = Settings.load(home).tsa(tsa_ca).roots
    report = check_bundle(bundle, roots=roots, trusted_key=key)
    if as_json:
        payload = report.to_json()
        if not report.ok:
            payload["error"] = f"{len(report.problems)} problem(s): {report.problems[0].detail}"
        emit_json(payload)
    else:
        render_bundle(report, bundle, key)
    if not report.ok:
        raise typer.Exit(ExitCode.INTEGRITY)


def render_bundle(report: BundleReport, bundle: Path, key: str | None) -> None:
    for p in report.problems:
        err.print(f"[bold red]{p.code}[/]: {esc(p.detail)}")
    for c in report.captures:
        stamp = (
            f"logged no later than {c.timestamped_at} (TSA {c.timestamp_tsa})"
            if c.timestamped_at
            else "no trusted timestamp"
        )
        good = c.signed and c.included and c.warc_ok
        mark = "[green]✓[/]" if good else "[red]✗[/]"
        out.print(
            f"{mark} {c.capture_id} {esc(str(c.status))} {esc(str(c.url))} — captured "
            f"{c.started_at}; log index {c.log_index}; {esc(stamp)}"
        )
        if c.retracted is not None:
            # Intact, and taken back by the archive: a reader must not take it as sound.
            out.print(
                f"  [magenta]{esc(c.retracted.describe())}[/] "
                f"(signed retraction, log index {c.retracted.log_index})"
            )
    out.print(f"Signed by: {esc(str(report.key))}")
    if key is None and report.key:
        out.print(
            "[dim]Compare this key with the one the archive's owner publishes, or pass "
            "--key to have it checked.[/]"
        )
    retracted = sum(c.retracted is not None for c in report.captures)
    if report.ok:
        out.print(
            f"[green]OK[/]: {len(report.captures)} captures, {report.files_checked} files, "
            f"checkpoint at size {report.checkpoint_size}, "
            f"{report.timestamps_checked} timestamps; everything verifies."
        )
    if retracted:
        out.print(
            f"[magenta]RETRACTED[/]: {retracted} of {len(report.captures)} "
            f"{'capture' if len(report.captures) == 1 else 'captures'} taken back by the "
            "archive (see above): intact, but not to be relied on."
        )
    if not report.ok:
        out.print(f"[bold red]FAILED[/]: {len(report.problems)} problem(s) in {bundle}.")


@handles_errors
def export(
    capture_ids: Annotated[
        list[str] | None, typer.Argument(help="Captures to export.", show_default=False)
    ] = None,
    article: Annotated[
        str | None,
        typer.Option("--article", help="Export the article's page and every capture linked to it."),
    ] = None,
    output: Annotated[
        Path, typer.Option("--output", "-o", help="The .wacz file to write.", show_default=False)
    ] = Path("evidence.wacz"),
    with_report: Annotated[
        bool,
        typer.Option(
            "--with-report",
            help="Also put in the bundle, under report/, an HTML report of the evidence (the "
            "article's claims report, or the captures' certificates) and the screenshots as PNG "
            "files.",
        ),
    ] = False,
    force: ForceOpt = False,
    home: HomeOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Export captures as one WACZ evidence bundle: their WARCs, signed manifests, log proofs
    and timestamps, for anyone to check offline with `postproof verify FILE.wacz`. Default
    file: evidence.wacz in the current folder; an existing file is only replaced with --force.
    A retracted capture goes with its signed retraction, which verify shows.

    Example: postproof export 7k2m9x4q -o evidence.wacz
    Example: postproof export --article 3f8a --with-report -o article-evidence.wacz
    """
    import claims

    if bool(capture_ids) == bool(article):
        raise UsageError("Give capture ids or --article ID (one of the two).")
    if output.suffix.lower() != ".wacz":
        raise UsageError(f"{output} does not end in .wacz", hint="name the bundle FILE.wacz")
    check_output(output, force=force)
    settings = Settings.load(home)
    article_id = None
    with opened_archive(settings.home) as archive:
        if article:
            record = archive.articles.get(article)
            article_id = record.id
            ids = claims.article_capture_ids(archive, record.id)
            if not ids:
                raise UsageError(
                    f"article {record.id} has no captured evidence to export",
                    hint="capture its references (`postproof article add` without --no-capture) "
                    "or link captures to its claims with `postproof link`",
                )
            title = f"Evidence for: {record.title or record.id}"
        else:
            ids = list(dict.fromkeys(archive.resolve_capture_id(c) for c in capture_ids or []))
            title = f"postproof evidence: {len(ids)} capture(s)"
        sealed = seal_log(archive, settings)
        software = f"postproof {postproof.version()}"
        # Written after sealing, so that the report names the bundle's own checkpoint and tokens.
        report = None
        if with_report:
            report = {"report.html": bundle_report(archive, article_id, ids, output)}
        exported = archive.export(ids, output, title=title, software=software, report=report)
    if as_json:
        emit_json({"ok": True, "export": exported.to_json(), "log": sealed.to_json()})
        return
    render_seal(sealed)
    out.print(
        f"Wrote {esc(str(output))}: {len(exported.captures)} capture(s), {exported.files} files, "
        f"checkpoint at size {exported.checkpoint_size}, {exported.timestamps} timestamp(s)."
    )
    if with_report:
        out.print("With report/report.html and the screenshots as PNG files.")
    if exported.retracted:
        out.print(
            f"[magenta]Retracted[/]: {', '.join(exported.retracted)}: the bundle carries each "
            "signed retraction, and verify marks the capture retracted."
        )
    out.print(f"SHA-256 {exported.sha256}")
    out.print(f"Anyone can check it with: postproof verify {esc(str(output))}")


def bundle_report(
    archive: storage.Archive, article_id: str | None, capture_ids: list[str], bundle: Path
) -> bytes:
    """The HTML report a bundle carries: the article's claims report, or the certificates of
    the captures, their verification steps naming this very bundle."""
    import claims

    if article_id is not None:
        html = claims.render_report(claims.build_report(archive, article_id), "html")
    else:
        certificates = claims.build_certificates(
            archive, capture_ids, bundle=capture_ids, bundle_file=bundle.name
        )
        html = claims.render_certificates(certificates)
    return html.encode("utf-8")


@handles_errors
def certificate(
    capture_ids: Annotated[
        list[str], typer.Argument(help="The captures, one page each.", show_default=False)
    ],
    output: Annotated[
        Path | None,
        typer.Option("--output", "-o", help="The PDF file to write.", show_default=False),
    ] = None,
    force: ForceOpt = False,
    home: HomeOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Print a certificate of capture, one PDF page per capture, for a lawyer or a court: the
    full-page screenshot, the URL, when it was captured and timestamped (RFC 3161), the SHA-256
    of every file, the archive's public key, the capture's place in the signed log, and the
    commands that check it all. Default file: postproof-certificate-CAPTURE.pdf in the current
    folder; an existing file is only replaced with --force.

    Example: postproof certificate 7k2m9x4q -o certificate.pdf
    Example: postproof certificate 7k2m9x4q 3f8a2b1c -o certificates.pdf
    """
    import claims
    from archiver import isoformat_z

    if output is not None:
        if output.suffix.lower() != ".pdf":
            raise UsageError(f"{output} does not end in .pdf", hint="name the file FILE.pdf")
        check_output(output, force=force)
    with opened_archive(resolve_home(home)) as archive:
        ids = list(dict.fromkeys(archive.resolve_capture_id(c) for c in capture_ids))
        path = output or check_output(Path(f"postproof-certificate-{ids[0]}.pdf"), force=force)
        written = claims.write_certificates(archive, ids, path)
    if as_json:
        emit_json(
            {
                "ok": True,
                "path": str(path.resolve()),
                "certificates": [c.to_json() for c in written],
            }
        )
        return
    out.print(f"Wrote {esc(str(path.resolve()))}: {len(written)} certificate(s), one page each.")
    for c in written:
        stamp = c.proof.timestamp if c.proof else None
        when = f"timestamped {isoformat_z(stamp.time)}" if stamp else "no trusted timestamp yet"
        out.print(f"  {c.capture_id} {esc(c.url)} — captured {isoformat_z(c.captured_at)}; {when}")


@handles_errors
def timestamp(home: HomeOpt = None, as_json: JsonOpt = False) -> None:
    """Sign a checkpoint of the log now and get a trusted timestamp for it from the TSAs in
    POSTPROOF_TSA_URLS (or config.toml). Captures already do this at the end of each run; use
    it to retry after an outage, or from cron. Exits 3 when TSAs are configured but none stamped.

    Example: POSTPROOF_TSA_URLS=https://freetsa.org/tsr postproof timestamp
    """
    settings = Settings.load(home)
    with opened_archive(settings.home) as archive:
        sealed = seal_log(archive, settings)
    if as_json:
        emit_json({"ok": not sealed.timestamp_pending, "log": sealed.to_json()})
    else:
        render_seal(sealed)
        if not settings.tsa_urls():
            err.print(
                "No TSA is configured: set POSTPROOF_TSA_URLS (comma-separated URLs) or "
                "[timestamp] tsa_urls in config.toml to get trusted timestamps."
            )
    if sealed.timestamp_pending:
        raise typer.Exit(ExitCode.INCOMPLETE)


@key_app.command("show")
@handles_errors
def key_show(home: HomeOpt = None, as_json: JsonOpt = False) -> None:
    """Show the installation's public signing key (created on first use), to hand to whoever
    will verify this archive's evidence.

    Example: postproof key show --json > postproof-public-key.json
    """
    with opened_archive(resolve_home(home)) as archive:
        key = archive.signing_key()
    if as_json:
        emit_json({"ok": True, **key_json(key)})
        return
    out.print(f"Note verifier key: {key.verifier}", markup=False)
    out.print(key.public_key_pem().rstrip(), markup=False)
