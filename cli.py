"""postproof's command line: parses arguments, wires the archiver to the archive, renders output
and maps errors to exit codes. No SQL and no capture logic lives here.

Exit codes: 0 all ok, 1 unexpected or storage error, 2 usage error (or no browser),
3 at least one capture did not reach ``ok``, 4 integrity failure.
"""

from __future__ import annotations

import asyncio
import functools
import json
import logging
import os
import re
import shlex
import sys
import tomllib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer
from rich.console import (
    Console,
    ConsoleOptions,
    ConsoleRenderable,
    RenderHook,
    RenderResult,
    RichCast,
)
from rich.logging import RichHandler
from rich.markup import escape as esc
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.segment import Segment
from rich.table import Table

import claims as claims_lib
import proof
import storage
import watch as watch_lib
from archiver import (
    ArtifactKind,
    CaptureOptions,
    CaptureResult,
    PostproofError,
    Status,
    UsageError,
    adapter_for,
    capture_many,
    default_concurrency,
    isoformat_z,
    parse_host_map,
    parse_url,
    utcnow,
)
from archiver.capture import ContextCapture, tool_version
from archiver.display import json_escapes, visible
from claims.models import Relation, Suggestion

F = TypeVar("F", bound=Callable[..., Any])

app = typer.Typer(
    name="postproof",
    help="Archive social posts with a real browser, keep tamper-evident proof, verify it later.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)


class _Inert:
    """A renderable whose text segments show control and bidi characters as visible escapes:
    whatever a post holds reaches the terminal as text, never as a command to it."""

    def __init__(self, inner: ConsoleRenderable | RichCast | str) -> None:
        self.inner = inner

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        for segment in console.render(self.inner, options):
            if segment.control or not segment.text or segment.text == "\n":
                yield segment
            else:
                yield Segment(visible(segment.text), segment.style)


class _InertHook(RenderHook):
    def process_renderables(self, renderables: list[ConsoleRenderable]) -> list[ConsoleRenderable]:
        return [_Inert(r) for r in renderables]


def _console(**kwargs: Any) -> Console:
    console = Console(highlight=False, emoji=False, **kwargs)
    console.push_render_hook(_InertHook())
    return console


# emoji=False: ":key:" in a did:key, or ":smile:" in a post, must print as written, not as an emoji.
out = _console(soft_wrap=True)
err = _console(stderr=True)
if not out.is_terminal and "COLUMNS" not in os.environ:
    # Piped into a file or a mail from cron: tables get room instead of 80-column folding.
    out = _console(soft_wrap=True, width=160)

JsonOpt = Annotated[bool, typer.Option("--json", help="Print one JSON object on stdout.")]
HomeOpt = Annotated[
    Path | None,
    typer.Option(
        "--home",
        envvar="POSTPROOF_HOME",
        help="Data home (database and blob store). Default: the user data directory.",
        show_default=False,
    ),
]

# Capture options, shared by every command that captures.
ConcurrencyOpt = Annotated[
    int | None,
    typer.Option("--concurrency", "-c", help="Pages captured at once.", show_default=False),
]
TimeoutOpt = Annotated[
    float | None,
    typer.Option("--timeout", help="Seconds allowed per capture (default 60).", show_default=False),
]
AllowPrivateOpt = Annotated[
    bool,
    typer.Option("--allow-private", help="Allow private, loopback and link-local addresses."),
]
AllowPrivateHostOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--allow-private-host",
        help="Allow this one host on a private address (repeatable).",
        show_default=False,
    ),
]
InsecureOpt = Annotated[
    bool, typer.Option("--insecure", "-k", help="Accept invalid TLS certificates (recorded).")
]
HostMapOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--host-map",
        help="Send requests for HOST to ADDRESS:PORT (HOST=ADDRESS:PORT).",
        show_default=False,
    ),
]

EXIT_OK, EXIT_ERROR, EXIT_USAGE, EXIT_INCOMPLETE, EXIT_INTEGRITY = 0, 1, 2, 3, 4


def _env_flag(name: str) -> bool:
    return os.environ.get(name, "").strip().lower() in ("1", "true", "yes", "on")


def require_positive(option: str, value: int) -> None:
    if value < 1:
        raise UsageError(f"{option} must be 1 or more, not {value}.")


def emit_json(payload: dict[str, Any]) -> None:
    sys.stdout.write(json_escapes(json.dumps(payload, ensure_ascii=False, indent=2)) + "\n")
    sys.stdout.flush()


def handles_errors(func: F) -> F:
    """Turn postproof's own errors into a message (or JSON envelope) and their exit code."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        as_json = bool(kwargs.get("as_json"))
        try:
            return func(*args, **kwargs)
        except PostproofError as exc:
            if as_json:
                emit_json({"ok": False, "error": exc.message, "hint": exc.hint})
            else:
                err.print(f"[bold red]Error:[/] {esc(exc.message)}", markup=True)
                if exc.hint:
                    err.print(f"[dim]{esc(exc.hint)}[/]", markup=True)
            raise typer.Exit(exc.exit_code) from exc

    return wrapper  # type: ignore[return-value]


@contextmanager
def opened_archive(home: Path | None) -> Iterator[storage.Archive]:
    archive = storage.open_archive(home)
    try:
        yield archive
    finally:
        archive.close()


_GIVEN_HOME: list[Path] = []  # a --home given before the command


def _print_version(value: bool) -> None:
    if value:
        out.print(f"postproof {tool_version()}", markup=False)
        raise typer.Exit()


@app.callback()
def root(
    verbose: Annotated[
        bool, typer.Option("--verbose", "-v", help="Log details on stderr.")
    ] = False,
    home: Annotated[
        Path | None,
        typer.Option(
            "--home",
            help="Data home for the command that follows (also POSTPROOF_HOME).",
            show_default=False,
        ),
    ] = None,
    version: Annotated[
        bool,
        typer.Option(
            "--version", help="Print the version and exit.", callback=_print_version, is_eager=True
        ),
    ] = False,
) -> None:
    """postproof: prove where a claim came from."""
    if home is not None:
        # `postproof --home X cmd` means the same as `postproof cmd --home X`.
        os.environ[storage.HOME_ENV] = str(home.expanduser())
        _GIVEN_HOME.append(home.expanduser())
    level = logging.DEBUG if verbose else logging.WARNING
    console = RichHandler(console=err, show_path=False, show_time=False)
    # The handler keeps its own level: log files may ask for more detail than the terminal.
    console.setLevel(level)
    logging.basicConfig(level=level, format="%(message)s", handlers=[console])


def settings(home: Path | None) -> dict[str, Any]:
    """The data home's ``config.toml``: lasting settings (what cron runs with). Command-line
    flags and environment variables add to them."""
    path = (home or storage.default_home()) / "config.toml"
    try:
        with path.open("rb") as handle:
            data = tomllib.load(handle)
    except FileNotFoundError:
        return {}
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise UsageError(
            f"Cannot read the settings file {path}: {exc}",
            hint="Fix the file (TOML) or move it away; README.md lists its keys.",
        ) from exc
    return data


def capture_options(
    *,
    timeout: float | None,
    concurrency: int | None,
    allow_private: bool,
    insecure: bool,
    host_map: list[str],
    allow_private_hosts: list[str] | None = None,
    home: Path | None = None,
) -> CaptureOptions:
    conf = settings(home).get("capture", {})
    timeout = timeout if timeout is not None else float(conf.get("timeout", 60.0))
    if timeout <= 0:
        raise UsageError("--timeout must be a positive number of seconds.")
    if concurrency is not None and concurrency < 1:
        raise UsageError("--concurrency must be at least 1.")
    env_map = [e for e in os.environ.get("POSTPROOF_HOST_MAP", "").split(",") if e.strip()]
    hosts = [*conf.get("allow_private_hosts", []), *(allow_private_hosts or [])]
    return CaptureOptions(
        timeout=timeout,
        concurrency=concurrency or int(conf.get("concurrency", 0)) or default_concurrency(),
        allow_private=allow_private
        or _env_flag("POSTPROOF_ALLOW_PRIVATE")
        or bool(conf.get("allow_private", False)),
        allow_private_hosts=frozenset(h.strip().lower() for h in hosts),
        insecure=insecure or _env_flag("POSTPROOF_INSECURE") or bool(conf.get("insecure", False)),
        host_map=parse_host_map([*conf.get("host_map", []), *env_map, *host_map]),
        cookies=storage.AuthStore((home or storage.default_home()) / "auth").cookies(),
    )


def tsa_settings(home: Path | None, extra_roots: list[Path] | None = None) -> dict[str, Any]:
    """Where timestamps come from and which TSA roots are trusted: ``POSTPROOF_TSA_URLS`` /
    ``POSTPROOF_TSA_CA`` and the ``[timestamp]`` table of config.toml (``tsa_urls``,
    ``ca_files``, ``timeout``), plus the system's CA bundle."""
    conf = settings(home).get("timestamp", {})
    urls = list(proof.tsa_urls_from_env()) or [str(u) for u in conf.get("tsa_urls", [])]
    files = [Path(f).expanduser() for f in conf.get("ca_files", [])] + list(extra_roots or [])
    return {
        "urls": urls,
        "roots": proof.tsa_roots_from_env(files),
        "timeout": float(conf.get("timeout", 10.0)),
    }


def seal_run(archive: storage.Archive, home: Path | None) -> storage.SealReport:
    """End of a run that stored captures: sign a checkpoint of the log, timestamp it if TSAs
    are configured. An unreachable TSA is reported, never fatal: the next run retries."""
    tsa = tsa_settings(home)
    report = archive.seal(tsa["urls"], roots=tsa["roots"], timeout=tsa["timeout"])
    for warning in report.warnings:
        logging.getLogger("postproof.ledger").warning("%s", warning)
    return report


def render_seal(report: storage.SealReport) -> None:
    line = f"Log: {report.log_size} entries, checkpoint at size {report.checkpoint_size}"
    if report.timestamp is not None:
        stamp = report.timestamp
        line += f"; timestamped by {stamp.tsa_url} at {stamp.gen_time:%Y-%m-%d %H:%M:%S} UTC"
    elif report.timestamp_pending:
        line += "; timestamp pending (no TSA answered; the next run retries)"
    err.print(esc(line), style="dim")
    for warning in report.warnings:
        err.print(f"[yellow]warning[/]: {esc(warning)}")


def read_url_file(path: Path) -> list[str]:
    try:
        text = sys.stdin.read() if str(path) == "-" else path.read_text(encoding="utf-8")
    except OSError as exc:
        raise UsageError(f"Cannot read {path}: {exc.strerror}.") from exc
    except UnicodeDecodeError as exc:
        raise UsageError(f"{path} is not a UTF-8 text file.") from exc
    lines = (
        line.split("#", 1)[0].strip() if line.lstrip().startswith("#") else line.strip()
        for line in text.splitlines()
    )
    return [line for line in lines if line]


def run_captures(
    urls: list[str],
    options: CaptureOptions,
    archive: storage.Archive,
    *,
    show_progress: bool,
    context_depth: int = 0,
    on_context: Callable[[ContextCapture], None] | None = None,
) -> list[tuple[str, CaptureResult]]:
    if not show_progress:
        return asyncio.run(
            capture_many(urls, options, archive, context_depth=context_depth, on_context=on_context)
        )
    progress = Progress(
        TextColumn("[bold]capturing"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TextColumn("{task.description}"),
        console=err,
        transient=True,
    )
    with progress:
        task = progress.add_task("", total=len(urls))

        def advance(capture_id: str, result: CaptureResult) -> None:
            progress.update(task, advance=1, description=f"{capture_id} {result.status.value}")

        return asyncio.run(
            capture_many(
                urls,
                options,
                archive,
                on_result=advance,
                context_depth=context_depth,
                on_context=on_context,
            )
        )


@app.command()
@handles_errors
def capture(
    urls: Annotated[
        list[str] | None, typer.Argument(help="Post URLs to capture.", show_default=False)
    ] = None,
    file: Annotated[
        Path | None,
        typer.Option("--file", "-f", help="Read URLs from FILE, one per line ('-': stdin)."),
    ] = None,
    concurrency: ConcurrencyOpt = None,
    timeout: TimeoutOpt = None,
    allow_private: AllowPrivateOpt = False,
    allow_private_host: AllowPrivateHostOpt = None,
    insecure: InsecureOpt = False,
    host_map: HostMapOpt = None,
    no_watch: Annotated[
        bool, typer.Option("--no-watch", help="Do not re-check these posts later.")
    ] = False,
    context: Annotated[
        int | None,
        typer.Option(
            "--context",
            help="Also capture the post a reply answers, and its parent, up to N levels, and a "
            "quoted post (default 3; 0 turns it off).",
            show_default=False,
        ),
    ] = None,
    home: HomeOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Capture posts: screenshots, DOM, text, headers, metadata and the post's fields, hashed.
    A reply's parent chain and a quoted post are captured too, as captures of their own.

    Example: postproof capture https://x.com/someone/status/1893456789012345678
    """
    targets = [parse_url(u) for u in (urls or [])]
    if file is not None:
        targets += [parse_url(u) for u in read_url_file(file)]
    if not targets:
        raise UsageError("No URL to capture.", hint="Pass one or more URLs, or --file FILE.")
    options = capture_options(
        timeout=timeout,
        concurrency=concurrency,
        allow_private=allow_private,
        insecure=insecure,
        host_map=host_map or [],
        allow_private_hosts=allow_private_host,
        home=home,
    )
    depth = (
        context if context is not None else int(settings(home).get("capture", {}).get("context", 3))
    )
    if depth < 0:
        raise UsageError("--context must be 0 or more.")
    found: list[ContextCapture] = []
    with opened_archive(home) as archive:
        # --no-watch is about the posts this run meets for the first time: a post a reporter
        # already watches (because it was cited) goes on being rechecked.
        watched_before = {p.id for p in archive.watchlist.watched()} if no_watch else set()
        results = run_captures(
            targets,
            options,
            archive,
            show_progress=not as_json and err.is_terminal,
            context_depth=depth,
            on_context=found.append,
        )
        records = [archive.get_capture(capture_id) for capture_id, _ in results]
        context_records = [archive.get_capture(c.capture_id) for c in found]
        if no_watch:
            first_seen = {r.post_id for r in records} - watched_before
            archive.watchlist.set_watched(sorted(first_seen), False)
        sealed = seal_run(archive, home)
    all_ok = all(r.status == Status.OK.value for r in records)
    if as_json:
        emit_json(
            {
                "ok": all_ok,
                "captures": [capture_json(r) for r in records],
                "context": [
                    {
                        "relation": c.relation,
                        "of": c.of_capture_id,
                        "depth": c.depth,
                        "capture": capture_json(r),
                    }
                    for c, r in zip(found, context_records, strict=True)
                ],
                "log": sealed.to_json(),
            }
        )
    else:
        render_capture_table(records)
        for c, r in zip(found, context_records, strict=True):
            why = (
                f"the post {c.of_capture_id} replies to"
                if c.relation == "reply_parent"
                else f"quoted by {c.of_capture_id}"
            )
            err.print(esc(f"Context: {c.capture_id} {r.status} — {why} ({r.requested_url})"))
        render_seal(sealed)
    if not all_ok:
        raise typer.Exit(EXIT_INCOMPLETE)


def capture_json(record: storage.CaptureRecord, *, artifacts: bool = True) -> dict[str, Any]:
    data: dict[str, Any] = {
        "id": record.id,
        "url": record.requested_url,
        "canonical_url": record.canonical_url,
        "final_url": record.final_url,
        "platform": record.platform,
        "post_id": record.platform_post_id,
        "status": record.status,
        "reason": record.reason,
        "http_status": record.http_status,
        "started_at": isoformat_z(record.started_at),
        "finished_at": isoformat_z(record.finished_at),
        "server_date": record.server_date,
        "server_ip": record.server_ip,
        "insecure": record.insecure,
        "post": {
            "author": record.author,
            "handle": record.handle,
            "posted_at": isoformat_z(record.posted_at),
            "text": record.text,
            "lang": record.lang,
            "media": [m.to_json() for m in record.media],
            "reply_to": record.reply_to,
            "quote_of": record.quote_of,
            "sources": dict(record.sources),
            "missing": list(record.missing),
            "conflicts": [dict(c) for c in record.conflicts],
        },
    }
    if artifacts:
        data["artifacts"] = [
            {
                "kind": a.kind,
                "sha256": a.sha256,
                "size": a.size,
                "media_type": a.media_type,
                "path": str(a.path),
                "phash": a.phash,
                "dhash": a.dhash,
                "source_url": a.source_url,
            }
            for a in record.artifacts
        ]
        data["author_signature"] = author_signature(record)
    return data


def author_signature(record: storage.CaptureRecord) -> dict[str, Any] | None:
    """For platforms whose posts are signed by their authors (Bluesky): the offline check of the
    signed record kept with the capture."""
    artifact = record.artifact(ArtifactKind.ATPROTO_PROOF)
    if artifact is None:
        return None
    try:
        proof_json = json.loads(artifact.path.read_bytes())
    except (OSError, ValueError):
        return {"verified": False, "reason": "the stored check cannot be read; run verify"}
    keys = ("verified", "did", "uri", "record_cid", "commit_cid", "rev", "signing_key", "reason")
    return {key: proof_json.get(key) for key in keys}


STATUS_STYLE = {
    "ok": "green",
    "not_found": "red",
    "suspended": "red",
    "login_wall": "yellow",
    "unavailable": "yellow",
    "blocked": "magenta",
}


def render_capture_table(records: list[storage.CaptureRecord]) -> None:
    table = Table(show_lines=False, pad_edge=False)
    for column in ("id", "status", "platform", "author", "posted (UTC)", "url"):
        table.add_column(column, overflow="fold")
    for r in records:
        style = STATUS_STYLE.get(r.status, "")
        who = " ".join(x for x in (r.author, f"({r.handle})" if r.handle else None) if x)
        table.add_row(
            r.id,
            f"[{style}]{r.status}[/]" if style else r.status,
            r.platform,
            esc(who) or "—",
            r.posted_at.strftime("%Y-%m-%d %H:%M") if r.posted_at else "—",
            esc(r.canonical_url),
        )
    out.print(table)
    for r in records:
        if r.reason:
            out.print(f"[dim]{r.id}: {esc(r.reason)}[/]")


@app.command("list")
@handles_errors
def list_(
    url: Annotated[str | None, typer.Option("--url", help="Only captures of this URL.")] = None,
    platform: Annotated[
        str | None,
        typer.Option(
            "--platform",
            help="x, mastodon, bluesky, threads, instagram, facebook, reddit, youtube, tiktok, "
            "telegram, linkedin, truthsocial, generic",
        ),
    ] = None,
    status: Annotated[
        str | None, typer.Option("--status", help="ok, not_found, login_wall…")
    ] = None,
    limit: Annotated[int, typer.Option("--limit", help="At most this many, newest first.")] = 100,
    home: HomeOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """List captures, newest first.

    Example: postproof list --platform x --status not_found
    """
    if status is not None and status not in {s.value for s in Status}:
        raise UsageError(
            f"Unknown status {status!r}.", hint="One of: " + ", ".join(s.value for s in Status)
        )
    require_positive("--limit", limit)
    wanted_url = adapter_for(parse_url(url)).post_ref(parse_url(url)).canonical_url if url else None
    with opened_archive(home) as archive:
        records = archive.list_captures(
            url=wanted_url, platform=platform, status=status, limit=limit
        )
    if as_json:
        emit_json({"ok": True, "captures": [capture_json(r, artifacts=False) for r in records]})
    elif records:
        render_capture_table(records)
    else:
        err.print("No captures match.")


@app.command()
@handles_errors
def show(
    capture_id: Annotated[str, typer.Argument(help="A capture id (or a unique prefix of it).")],
    home: HomeOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Show one capture: its post, provenance and every artifact with its SHA-256.

    Example: postproof show k3m9q2xa
    """
    with opened_archive(home) as archive:
        record = archive.get_capture(archive.resolve_capture_id(capture_id))
    if as_json:
        emit_json({"ok": True, "capture": capture_json(record)})
        return
    data = capture_json(record)
    out.print(
        f"[bold]Capture {record.id}[/]  {record.status}"
        + (f" — {record.reason}" if record.reason else "")
    )
    for key in (
        "url",
        "canonical_url",
        "final_url",
        "platform",
        "post_id",
        "http_status",
        "started_at",
        "finished_at",
        "server_date",
        "server_ip",
    ):
        if data.get(key) not in (None, ""):
            out.print(f"  {key:14} {data[key]}", markup=False)
    if record.insecure:
        out.print("  [yellow]captured with --insecure: TLS certificate errors were accepted[/]")
    signature = data.get("author_signature")
    if signature and signature["verified"]:
        out.print(
            f"  [green]signed by its author[/]: record {esc(str(signature['record_cid']))} in the "
            f"repository of {esc(str(signature['did']))}, commit signed by "
            f"{esc(str(signature['signing_key']))}"
        )
    elif signature:
        out.print(f"  [yellow]author signature not verified[/]: {esc(str(signature['reason']))}")
    post = data["post"]
    if any(post.values()):
        out.print("[bold]Post[/]")
        render_post_fields(post)
    out.print("[bold]Artifacts[/]")
    for a in record.artifacts:
        perceptual = f"  phash {a.phash}  dhash {a.dhash}" if a.phash else ""
        out.print(f"  {a.kind:16} {a.size:>10} B  {a.media_type}{perceptual}")
        out.print(f"    sha256 {a.sha256}", markup=False)
        out.print(f"    [dim]{esc(str(a.path))}[/]")


def render_post_fields(post: dict[str, Any]) -> None:
    """The post's fields, each with the source it was read from, then the fields no source gave
    and where sources disagreed. Everything here was read from the page: printed without markup."""
    sources = post.get("sources") or {}

    def field_line(key: str, value: object) -> None:
        shown = [str(value)] if value is not None else []
        if sources.get(key):
            shown.append(f"(from {sources[key]})")
        out.print(f"  {key:14} {'   '.join(shown)}".rstrip(), markup=False)

    for key in ("author", "handle", "posted_at", "lang", "reply_to", "quote_of"):
        if post.get(key):
            field_line(key, post[key])
    if post.get("text"):
        field_line("text", None)
        for line in str(post["text"]).splitlines():
            out.print(f"    {line}", markup=False)
    for media in post.get("media") or []:
        field_line("media", media.get("url"))
    missing = post.get("missing") or []
    if missing:
        them = "them" if len(missing) > 1 else "it"
        out.print(
            f"  {'missing':14} {', '.join(missing)} — no source on the page gave {them}",
            markup=False,
        )
    for conflict in post.get("conflicts") or []:
        value = " ".join(str(conflict.get("value", "")).split())
        shown = value if len(value) <= 160 else value[:159] + "…"
        out.print(
            f"  sources disagree on the {conflict.get('field')}: kept the value from "
            f"{conflict.get('kept_from')}; {conflict.get('source')} says “{shown}”",
            markup=False,
        )


@app.command()
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
    exported by `postproof export`, verify that bundle offline, with nothing but the bundle.

    Exits 4 naming each thing that does not match.
    Example: postproof verify --all
    Example: postproof verify evidence.wacz --key 'postproof-archive+1a2b3c4d+AbC…'
    """
    if capture_id and all_:
        raise UsageError("Give a capture id or --all, not both.")
    if capture_id and (capture_id.lower().endswith(".wacz") or Path(capture_id).is_file()):
        verify_bundle_command(Path(capture_id), tsa_ca or [], key, home, as_json)
        return
    roots = tsa_settings(home, tsa_ca)["roots"]
    with opened_archive(home) as archive:
        target = archive.resolve_capture_id(capture_id) if capture_id else None
        report = archive.verify(target, tsa_roots=roots)
    problems = [p.to_json() for p in report.problems]
    ledger = report.ledger or {}
    if as_json:
        emit_json(
            {
                "ok": report.ok,
                "captures_checked": report.captures_checked,
                "artifacts_checked": report.artifacts_checked,
                "bytes_hashed": report.bytes_hashed,
                "problems": problems,
                "log": ledger,
                **({} if report.ok else {"error": f"{len(problems)} integrity problem(s) found"}),
            }
        )
    else:
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
        out.print(esc(ledger_summary(ledger)))
    if not report.ok:
        raise typer.Exit(EXIT_INTEGRITY)


def ledger_summary(ledger: dict[str, Any]) -> str:
    if not ledger:
        return ""
    text = (
        f"Log: {ledger['log_size']} signed manifests, {ledger['checkpoints']} checkpoints "
        f"(newest at size {ledger['checkpoint_size']}), {ledger['consistency_checked']} "
        f"consistency proofs, {ledger['signatures_checked']} signatures checked"
    )
    if ledger.get("unsealed_entries"):
        text += f"; {ledger['unsealed_entries']} entries not yet in a checkpoint"
    if ledger.get("timestamps_checked"):
        times = ledger.get("timestamp_times") or []
        text += f"; {ledger['timestamps_checked']} timestamps" + (
            f", newest {times[-1]} over size {ledger['timestamped_size']}" if times else ""
        )
    else:
        text += "; no trusted timestamp yet"
    return text + "."


def verify_bundle_command(
    bundle: Path, tsa_ca: list[Path], key: str | None, home: Path | None, as_json: bool
) -> None:
    """`verify FILE.wacz`: needs no archive; the data home only supplies config.toml roots."""
    if not bundle.is_file():
        raise UsageError(f"{bundle} does not exist", hint="give the path of a .wacz bundle")
    roots = tsa_settings(home, tsa_ca)["roots"]
    report = proof.verify_bundle(bundle, roots=roots, trusted_key=key)
    if as_json:
        payload = report.to_json()
        if not report.ok:
            payload["error"] = f"{len(report.problems)} problem(s): {report.problems[0].detail}"
        emit_json(payload)
    else:
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
        out.print(f"Signed by: {esc(str(report.key))}")
        if key is None and report.key:
            out.print(
                "[dim]Compare this key with the one the archive's owner publishes, or pass "
                "--key to have it checked.[/]"
            )
        if report.ok:
            out.print(
                f"[green]OK[/]: {len(report.captures)} captures, {report.files_checked} files, "
                f"checkpoint at size {report.checkpoint_size}, "
                f"{report.timestamps_checked} timestamps; everything verifies."
            )
        else:
            out.print(f"[bold red]FAILED[/]: {len(report.problems)} problem(s) in {bundle}.")
    if not report.ok:
        raise typer.Exit(EXIT_INTEGRITY)


@app.command()
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
    home: HomeOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Export captures as one WACZ evidence bundle: their WARCs, signed manifests, log proofs
    and timestamps, for anyone to check offline with `postproof verify FILE.wacz`.

    Example: postproof export 7k2m9x4q -o evidence.wacz
    Example: postproof export --article 3f8a -o article-evidence.wacz
    """
    if bool(capture_ids) == bool(article):
        raise UsageError("Give capture ids or --article ID (one of the two).")
    if output.suffix.lower() != ".wacz":
        raise UsageError(f"{output} does not end in .wacz", hint="name the bundle FILE.wacz")
    with opened_archive(home) as archive:
        if article:
            ids = article_capture_ids(archive, article)
            record = archive.articles.get(archive.articles.resolve(article))
            title = f"Evidence for: {record.title or record.id}"
        else:
            ids = [archive.resolve_capture_id(c) for c in capture_ids or []]
            title = f"postproof evidence: {len(ids)} capture(s)"
        sealed = seal_run(archive, home)
        exported = archive.export(ids, output, title=title, software=f"postproof {tool_version()}")
    if as_json:
        emit_json({"ok": True, "export": exported.to_json(), "log": sealed.to_json()})
        return
    render_seal(sealed)
    out.print(
        f"Wrote {esc(str(output))}: {len(exported.captures)} capture(s), {exported.files} files, "
        f"checkpoint at size {exported.checkpoint_size}, {exported.timestamps} timestamp(s)."
    )
    out.print(f"SHA-256 {exported.sha256}")
    out.print(f"Anyone can check it with: postproof verify {esc(str(output))}")


def article_capture_ids(archive: storage.Archive, article: str) -> list[str]:
    """The article's own capture (when added from a URL), then every capture linked to its
    claims or captured from its references, in that order, once each."""
    book = archive.articles
    article_id = book.resolve(article)
    record = book.get(article_id)
    ids = [record.capture_id] if record.capture_id else []
    ids += [link.capture_id for link in book.links(article_id)]
    ids += [ref.capture_id for ref in book.references(article_id) if ref.capture_id]
    ids = list(dict.fromkeys(ids))
    if not ids:
        raise UsageError(
            f"article {article_id} has no captured evidence to export",
            hint="capture its references (`postproof article add` without --no-capture) or "
            "link captures to its claims with `postproof link`",
        )
    return ids


@app.command()
@handles_errors
def timestamp(home: HomeOpt = None, as_json: JsonOpt = False) -> None:
    """Sign a checkpoint of the log now and get a trusted timestamp for it from the TSAs in
    POSTPROOF_TSA_URLS (or config.toml). Captures already do this at the end of each run; use
    it to retry after an outage, or from cron. Exits 3 when TSAs are configured but none stamped.

    Example: POSTPROOF_TSA_URLS=https://freetsa.org/tsr postproof timestamp
    """
    with opened_archive(home) as archive:
        sealed = seal_run(archive, home)
    if as_json:
        emit_json({"ok": not sealed.timestamp_pending, "log": sealed.to_json()})
    else:
        render_seal(sealed)
        if not tsa_settings(home)["urls"]:
            err.print(
                "No TSA is configured: set POSTPROOF_TSA_URLS (comma-separated URLs) or "
                "[timestamp] tsa_urls in config.toml to get trusted timestamps."
            )
    if sealed.timestamp_pending:
        raise typer.Exit(EXIT_INCOMPLETE)


# -- articles, claims, evidence ----------------------------------------------------------

article_app = typer.Typer(
    help="Articles whose claims postproof tracks.", no_args_is_help=True, add_completion=False
)
claim_app = typer.Typer(
    help="The claims of an article.", no_args_is_help=True, add_completion=False
)
app.add_typer(article_app, name="article")
app.add_typer(claim_app, name="claim")

ArticleArg = Annotated[str, typer.Argument(help="An article id (or a unique prefix of it).")]
ClaimArg = Annotated[str, typer.Argument(help="A claim: ARTICLE#N, as `claim list` shows.")]


def check_json(check: storage.QuoteCheckRecord) -> dict[str, Any]:
    return {
        "quote": check.quote,
        "result": check.result,
        "score": round(check.score, 1),
        "excerpt": check.excerpt,
        "source": check.source,
        "checked_at": isoformat_z(check.checked_at),
    }


def link_json(link: storage.LinkRecord) -> dict[str, Any]:
    return {
        "id": link.id,
        "claim": link.claim_ref,
        "capture_id": link.capture_id,
        "relation": link.relation,
        "origin": link.origin,
        "why": link.why,
        "quote": link.quote,
        "note": link.note,
        "created_at": isoformat_z(link.created_at),
        "removed_at": isoformat_z(link.removed_at),
        "checks": [check_json(c) for c in link.checks],
    }


def claim_json(
    claim: storage.ClaimRecord, links: list[storage.LinkRecord] | None = None
) -> dict[str, Any]:
    return {
        "id": claim.ref,
        "number": claim.number,
        "text": claim.text,
        "kind": claim.kind,
        "paragraph": claim.paragraph,
        "start": claim.start,
        "end": claim.end,
        "section": claim.section,
        "quotes": list(claim.quotes),
        "speaker": claim.speaker,
        "speaker_cue": claim.speaker_cue,
        "links": [link_json(x) for x in links or [] if x.claim_id == claim.id],
    }


def reference_json(ref: storage.ReferenceRecord) -> dict[str, Any]:
    return {
        "kind": ref.kind,
        "url": ref.url,
        "platform": ref.platform,
        "text": ref.text,
        "paragraph": ref.paragraph,
        "claim": ref.claim_number,
        "capture_id": ref.capture_id,
    }


def article_json(
    article: storage.ArticleRecord,
    claims: list[storage.ClaimRecord] | None = None,
    links: list[storage.LinkRecord] | None = None,
    references: list[storage.ReferenceRecord] | None = None,
) -> dict[str, Any]:
    data: dict[str, Any] = {
        "id": article.id,
        "title": article.title,
        "byline": article.byline,
        "published_at": isoformat_z(article.published_at),
        "lang": article.lang,
        "source_kind": article.source_kind,
        "source_url": article.source_url,
        "source_name": article.source_name,
        "source_sha256": article.source_sha256,
        "capture_id": article.capture_id,
        "added_at": isoformat_z(article.added_at),
        "claim_count": article.claim_count,
        "finished": article.finished_at is not None,
    }
    if claims is not None:
        data["claims"] = [claim_json(c, links) for c in claims]
    if references is not None:
        data["references"] = [reference_json(r) for r in references]
    return data


def render_claims(claims: list[storage.ClaimRecord], links: list[storage.LinkRecord]) -> None:
    by_claim: dict[int, list[storage.LinkRecord]] = {}
    for link in links:
        by_claim.setdefault(link.claim_id, []).append(link)
    for claim in claims:
        mine = by_claim.get(claim.id, [])
        mark = "[green]●[/]" if mine else "[dim]○[/]"
        who = f" [dim]— {esc(claim.speaker)}[/]" if claim.speaker else ""
        out.print(f"{mark} [bold]{claim.ref}[/]{who}")
        out.print(f"    {claim.text}", markup=False)
        for link in mine:
            out.print(f"    [cyan]→ {link.capture_id}[/] {link.relation} ({esc(link.why)})")
            for check in link.checks:
                style = {"exact": "green", "fuzzy": "yellow"}.get(check.result, "red")
                label = f"[{style}]quote {check.result}[/] ({check.score:.0f})"
                out.print(f"      {label} « {esc(check.quote)} »")


@article_app.command("add")
@handles_errors
def article_add(
    source: Annotated[
        str, typer.Argument(help="The article: a URL, or an HTML, Markdown or text file.")
    ],
    lang: Annotated[
        str | None, typer.Option("--lang", help="Language code (fr, en…) if detection is wrong.")
    ] = None,
    title: Annotated[
        str | None, typer.Option("--title", help="Title, when the article has none.")
    ] = None,
    again: Annotated[
        bool,
        typer.Option("--again", help="Add an article already added once more, as a new one."),
    ] = False,
    no_capture: Annotated[
        bool, typer.Option("--no-capture", help="Record references without capturing them.")
    ] = False,
    concurrency: ConcurrencyOpt = None,
    timeout: TimeoutOpt = None,
    allow_private: AllowPrivateOpt = False,
    allow_private_host: AllowPrivateHostOpt = None,
    insecure: InsecureOpt = False,
    host_map: HostMapOpt = None,
    home: HomeOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Add an article: split it into claims, capture the posts it cites, link and check quotes.

    Example: postproof article add https://www.example.org/2025/02/25/story.html
    """
    if lang is not None and not re.fullmatch(r"[A-Za-z]{2}(?:[-_][A-Za-z0-9]{1,8})*", lang):
        raise UsageError(
            f"--lang {lang!r} is not a language code.", hint="Use a two-letter code: fr, en, de…"
        )
    options = capture_options(
        timeout=timeout,
        concurrency=concurrency,
        allow_private=allow_private,
        insecure=insecure,
        host_map=host_map or [],
        allow_private_hosts=allow_private_host,
        home=home,
    )
    with opened_archive(home) as archive:
        added = claims_lib.add_article(
            archive,
            source,
            options=options,
            lang=lang,
            title=title,
            capture_references=not no_capture,
            again=again,
        )
        sealed = seal_run(archive, home) if added.captures else None
    if as_json:
        emit_json(
            {
                "ok": True,
                "article": article_json(added.article, added.claims, added.links, added.references),
                "captures": [capture_json(c, artifacts=False) for c in added.captures],
                "log": None if sealed is None else sealed.to_json(),
            }
        )
        return
    render_article_summary(added.article, added.claims, added.links, added.references)
    if sealed is not None:
        render_seal(sealed)


def render_article_summary(
    article: storage.ArticleRecord,
    claims: list[storage.ClaimRecord],
    links: list[storage.LinkRecord],
    references: list[storage.ReferenceRecord],
) -> None:
    linked = {link.claim_id for link in links}
    checks = [c for link in links for c in link.checks]
    missing = sum(1 for c in checks if c.result == "not_found")
    captured = sum(1 for r in references if r.capture_id)
    out.print(f"[bold]Article {article.id}[/] {esc(article.title or '(untitled)')}")
    out.print(
        f"  {len(claims)} claims, {len(references)} references ({captured} captured), "
        f"{len(linked)} claims linked to evidence, {len(checks)} quotes checked"
        + (f", [red]{missing} not found in their evidence[/]" if missing else "")
    )
    out.print(
        f"  Next: postproof claim list {article.id} · postproof report {article.id} -o report.html"
    )


@article_app.command("list")
@handles_errors
def article_list(home: HomeOpt = None, as_json: JsonOpt = False) -> None:
    """List the articles, newest first.

    Example: postproof article list
    """
    with opened_archive(home) as archive:
        articles = archive.articles.all()
    if as_json:
        emit_json({"ok": True, "articles": [article_json(a) for a in articles]})
        return
    if not articles:
        err.print("No articles yet: postproof article add URL_OR_FILE")
        return
    table = Table(pad_edge=False)
    for column in ("id", "added (UTC)", "claims", "title", "byline", "source"):
        table.add_column(column, overflow="fold")
    for a in articles:
        table.add_row(
            a.id,
            a.added_at.strftime("%Y-%m-%d %H:%M"),
            str(a.claim_count),
            esc(a.title or "—")
            + ("" if a.finished_at else " [yellow](unfinished: add it again to finish)[/]"),
            esc(a.byline or "—"),
            esc(a.source_url or a.source_name or "—"),
        )
    out.print(table)


@article_app.command("show")
@handles_errors
def article_show(article: ArticleArg, home: HomeOpt = None, as_json: JsonOpt = False) -> None:
    """Show an article with its claims, references and evidence links.

    Example: postproof article show 7hq3
    """
    with opened_archive(home) as archive:
        book = archive.articles
        record = book.get(article)
        claims, links, refs = (
            book.claims(record.id),
            book.links(record.id),
            book.references(record.id),
        )
    if as_json:
        emit_json({"ok": True, "article": article_json(record, claims, links, refs)})
        return
    render_article_summary(record, claims, links, refs)
    render_claims(claims, links)


@claim_app.command("list")
@handles_errors
def claim_list(article: ArticleArg, home: HomeOpt = None, as_json: JsonOpt = False) -> None:
    """List an article's claims in order, with their quotes, speakers and evidence.

    Example: postproof claim list 7hq3
    """
    with opened_archive(home) as archive:
        book = archive.articles
        article_id = book.resolve(article)
        claims, links = book.claims(article_id), book.links(article_id)
    if as_json:
        emit_json({"ok": True, "claims": [claim_json(c, links) for c in claims]})
        return
    render_claims(claims, links)


@claim_app.command("add")
@handles_errors
def claim_add(
    article: ArticleArg,
    text: Annotated[str, typer.Argument(help="The claim, as the article makes it.")],
    home: HomeOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Add a claim the automatic split missed; it is numbered after the article's last claim.

    Example: postproof claim add 7hq3 "Camille Royer refused the offer."
    """
    if not text.strip():
        raise UsageError("The claim's text is empty.")
    drafts = claims_lib.manual_claim(text)
    with opened_archive(home) as archive:
        claim = archive.articles.add_claim(article, drafts)
    if as_json:
        emit_json({"ok": True, "claim": claim_json(claim)})
    else:
        out.print(f"Added claim [bold]{claim.ref}[/]: {esc(claim.text)}")


RelationOpt = Annotated[str, typer.Option("--relation", help="supports, contradicts or context.")]


@app.command()
@handles_errors
def link(
    claim: Annotated[
        str | None, typer.Argument(help="The claim: ARTICLE#N.", show_default=False)
    ] = None,
    target: Annotated[
        str | None, typer.Argument(help="A capture id, or a URL to capture.", show_default=False)
    ] = None,
    quote: Annotated[
        str | None,
        typer.Option("--quote", help="The words of the claim to look for in the evidence."),
    ] = None,
    relation: RelationOpt = "supports",
    note: Annotated[str | None, typer.Option("--note", help="A note kept with the link.")] = None,
    suggest: Annotated[
        str | None,
        typer.Option(
            "--suggest",
            help="Propose evidence from the archive for ARTICLE's unlinked claims.",
            show_default=False,
        ),
    ] = None,
    accept: Annotated[
        bool, typer.Option("--accept", help="With --suggest: link each claim's best suggestion.")
    ] = False,
    min_score: Annotated[
        float, typer.Option("--min-score", help="With --accept: the lowest score accepted.")
    ] = 0.5,
    concurrency: ConcurrencyOpt = None,
    timeout: TimeoutOpt = None,
    allow_private: AllowPrivateOpt = False,
    allow_private_host: AllowPrivateHostOpt = None,
    insecure: InsecureOpt = False,
    host_map: HostMapOpt = None,
    home: HomeOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Link a claim to the capture that supports it (a URL is captured first), or --suggest.

    Example: postproof link 7hq3#4 k3m9q2xa --quote "Je ne peux pas travailler pour lui"
    Example: postproof link --suggest 7hq3 --accept
    """
    try:
        chosen = Relation(relation)
    except ValueError:
        raise UsageError(
            f"Unknown relation {relation!r}.", hint="Use supports, contradicts or context."
        ) from None
    if not 0 <= min_score <= 1:
        raise UsageError(f"--min-score must be between 0 and 1, not {min_score}.")
    if suggest is not None:
        if claim or target:
            raise UsageError("--suggest takes an article id and no claim or target.")
        return _suggest(suggest, accept=accept, min_score=min_score, home=home, as_json=as_json)
    if not claim or not target:
        raise UsageError(
            "link needs a claim and a capture id or URL.",
            hint="For example: postproof link 7hq3#4 k3m9q2xa (or --suggest ARTICLE)",
        )
    options = capture_options(
        timeout=timeout,
        concurrency=concurrency,
        allow_private=allow_private,
        insecure=insecure,
        host_map=host_map or [],
        allow_private_hosts=allow_private_host,
        home=home,
    )
    with opened_archive(home) as archive:
        made, _matches = claims_lib.link_claim(
            archive, claim, target, options=options, quote=quote, relation=chosen, note=note
        )
    if as_json:
        emit_json({"ok": True, "link": link_json(made)})
        return
    out.print(f"Linked [bold]{made.claim_ref}[/] → {made.capture_id} ({made.relation})")
    for check in made.checks:
        out.print(f"  quote {check.result} ({check.score:.0f}): « {check.quote} »", markup=False)


def _suggest(
    article: str, *, accept: bool, min_score: float, home: Path | None, as_json: bool
) -> None:
    with opened_archive(home) as archive:
        article_id = archive.articles.resolve(article)
        found = claims_lib.suggest_links(archive, article_id)
        accepted: list[storage.LinkRecord] = []
        if accept:
            best: dict[int, tuple[storage.ClaimRecord, Suggestion]] = {}
            for claim, suggestion in found:
                if suggestion.score >= min_score and claim.id not in best:
                    best[claim.id] = (claim, suggestion)
            accepted = [claims_lib.accept_suggestion(archive, c, s) for c, s in best.values()]
    rows: list[dict[str, Any]] = [
        {
            "claim": claim.ref,
            "capture_id": s.capture_id,
            "score": round(s.score, 3),
            "reasons": list(s.reasons),
        }
        for claim, s in found
    ]
    if as_json:
        emit_json({"ok": True, "suggestions": rows, "accepted": [link_json(x) for x in accepted]})
        return
    if not rows:
        out.print("No suggestions: no post in the archive shares a speaker, name, number or quote.")
    for row in rows:
        out.print(f"[bold]{row['claim']}[/] → {row['capture_id']}  score {row['score']:.2f}")
        for reason in row["reasons"]:
            out.print(f"    · {reason}", markup=False)
    for made in accepted:
        out.print(f"[green]Linked[/] {made.claim_ref} → {made.capture_id}")


@app.command()
@handles_errors
def unlink(
    claim: ClaimArg,
    capture_id: Annotated[str | None, typer.Argument(help="Only the link to this capture.")] = None,
    home: HomeOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Remove a claim's evidence link (all of them without CAPTURE_ID); the record of it stays.

    Example: postproof unlink 7hq3#4 k3m9q2xa
    """
    with opened_archive(home) as archive:
        record = archive.articles.claim(claim)
        full = archive.resolve_capture_id(capture_id) if capture_id else None
        removed = archive.articles.unlink(record, full)
    if as_json:
        emit_json({"ok": True, "removed": removed})
    else:
        out.print(f"Removed {removed} link(s) of {record.ref}.")


CITE_FORMATS = ("markdown", "html", "text", "csl-json", "bibtex")


@app.command()
@handles_errors
def cite(
    target: Annotated[str, typer.Argument(help="A claim (ARTICLE#N) or a capture id.")],
    fmt: Annotated[
        str, typer.Option("--format", "-F", help="markdown, html, text, csl-json or bibtex.")
    ] = "markdown",
    home: HomeOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Print a citation of a claim's evidence or of a capture, ready to paste.

    Example: postproof cite 7hq3#4 --format csl-json > evidence.json
    """
    if fmt not in CITE_FORMATS:
        raise UsageError(f"Unknown format {fmt!r}.", hint="Use one of: " + ", ".join(CITE_FORMATS))
    with opened_archive(home) as archive:
        citations = claims_lib.cite(archive, target, fmt)
    if as_json:
        # CSL-JSON is JSON: its items go in as objects, not as a string to parse again.
        listed: list[Any] = (
            [item for c in citations for item in json.loads(c)] if fmt == "csl-json" else citations
        )
        emit_json({"ok": True, "format": fmt, "citations": listed})
        return
    if fmt == "csl-json" and len(citations) > 1:
        # One CSL-JSON document holding every item, as reference managers import it.
        items = [item for c in citations for item in json.loads(c)]
        sys.stdout.write(json_escapes(json.dumps(items, ensure_ascii=False, indent=2)) + "\n")
        return
    sys.stdout.write("\n\n".join(c.rstrip("\n") for c in citations) + "\n")


REPORT_FORMATS = ("html", "md", "json")


@app.command()
@handles_errors
def report(
    article: ArticleArg,
    fmt: Annotated[str, typer.Option("--format", "-F", help="html, md or json.")] = "html",
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Where to write the report.")
    ] = None,
    home: HomeOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Write the article's evidence report: every claim in order with its evidence.

    Example: postproof report 7hq3 --format html -o report.html
    """
    if fmt not in REPORT_FORMATS:
        raise UsageError(
            f"Unknown format {fmt!r}.", hint="Use one of: " + ", ".join(REPORT_FORMATS)
        )
    with opened_archive(home) as archive:
        article_id = archive.articles.resolve(article)
        path = output or Path(f"postproof-report-{article_id}.{fmt}")
        data = claims_lib.write_report(archive, article_id, fmt, path)
    summary = data.summary.to_json()
    if as_json:
        emit_json({"ok": True, "path": str(path.resolve()), "summary": summary})
        return
    out.print(f"Report written to {path.resolve()}")
    out.print("  " + ", ".join(f"{k.replace('_', ' ')}: {v}" for k, v in summary.items()))


# -- watching ----------------------------------------------------------------------------

EXIT_CHANGED = 5
PostsArg = Annotated[
    list[str] | None,
    typer.Argument(help="Posts: capture ids or URLs of captured posts.", show_default=False),
]


def recheck_options(
    home: Path | None, intervals: str | None, confirmations: int | None
) -> watch_lib.RecheckOptions:
    conf = settings(home).get("recheck", {})
    text = intervals or os.environ.get("POSTPROOF_RECHECK_INTERVALS") or conf.get("intervals")
    confirm = confirmations or int(conf.get("confirmations", 2))
    if confirm < 1:
        raise UsageError("--confirmations must be at least 1.")
    return watch_lib.RecheckOptions(
        intervals=watch_lib.parse_intervals(text) if text else watch_lib.DEFAULT_INTERVALS,
        confirmations=confirm,
    )


def log_to_file(archive: storage.Archive, name: str) -> logging.Handler:
    handler = logging.FileHandler(archive.logs_dir / name, encoding="utf-8")
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handler.setLevel(logging.INFO)
    root_logger = logging.getLogger("postproof")
    root_logger.addHandler(handler)
    root_logger.setLevel(min(root_logger.level or logging.INFO, logging.INFO))
    return handler


@app.command()
@handles_errors
def recheck(
    posts: PostsArg = None,
    due: Annotated[
        bool, typer.Option("--due", help="The watched posts whose check is due (default).")
    ] = False,
    all_: Annotated[bool, typer.Option("--all", help="Every watched post, due or not.")] = False,
    fail_on_change: Annotated[
        bool, typer.Option("--fail-on-change", help="Exit 5 when a change was found.")
    ] = False,
    intervals: Annotated[
        str | None,
        typer.Option(
            "--intervals", help="Back-off ladder, e.g. 1h,6h,1d,3d,1w.", show_default=False
        ),
    ] = None,
    confirmations: Annotated[
        int | None,
        typer.Option(
            "--confirmations",
            help="Checks that must agree a post is gone (default 2).",
            show_default=False,
        ),
    ] = None,
    concurrency: ConcurrencyOpt = None,
    timeout: TimeoutOpt = None,
    allow_private: AllowPrivateOpt = False,
    allow_private_host: AllowPrivateHostOpt = None,
    insecure: InsecureOpt = False,
    host_map: HostMapOpt = None,
    home: HomeOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Re-capture watched posts and record what changed: deleted, edited, media, restored…

    Safe under cron: never prompts, one run at a time (an overlapping run exits 0), logs to
    logs/recheck.log in the data home. --json prints one JSON object per line per event, then
    a summary object ("summary": true) as the last line.
    Example: postproof recheck --due --json
    """
    if sum([bool(posts), due, all_]) > 1:
        raise UsageError("Give POSTs, --due or --all, not several.")
    options = capture_options(
        timeout=timeout,
        concurrency=concurrency,
        allow_private=allow_private,
        insecure=insecure,
        host_map=host_map or [],
        allow_private_hosts=allow_private_host,
        home=home,
    )
    ladder = recheck_options(home, intervals, confirmations)
    with opened_archive(home) as archive:
        handler = log_to_file(archive, "recheck.log")
        log = logging.getLogger("postproof.recheck")
        try:
            try:
                with watch_lib.recheck_lock(archive.home):
                    chosen = watch_lib.select_posts(
                        archive, refs=posts or [], all_posts=all_, now=ladder.clock()
                    )
                    log.info("re-checking %d post(s)", len(chosen))
                    # Events a run stored but never reported (it was killed): reported now.
                    earlier = archive.watchlist.events(unreported=True)

                    def emit(event: storage.EventRecord, *, earlier_run: bool = False) -> None:
                        log.info(
                            "event %s on post %s: %s", event.kind, event.post_id, event.summary
                        )
                        if as_json:
                            data = watch_lib.event_json(archive, event)
                            if earlier_run:
                                data["earlier_run"] = True
                            line = json.dumps(data, ensure_ascii=False)
                            sys.stdout.write(json_escapes(line) + "\n")
                            sys.stdout.flush()

                    for event in earlier:
                        emit(event, earlier_run=True)
                    report = watch_lib.recheck(
                        archive, chosen, capture_options=options, options=ladder, on_event=emit
                    )
                    delivered = deliver_alerts(archive, home)
                    sealed = seal_run(archive, home) if report.checked else None
                    archive.watchlist.mark_reported(
                        [e.id for e in (*earlier, *report.events)], utcnow()
                    )
            except watch_lib.AlreadyRunning as exc:
                log.info("skipped: %s", exc.message)
                err.print(esc(exc.message))
                if as_json:
                    skipped = {"ok": True, "summary": True, "checked": 0, "statuses": {},
                               "events": 0, "skipped": exc.message}  # fmt: skip
                    sys.stdout.write(json_escapes(json.dumps(skipped, ensure_ascii=False)) + "\n")
                return
            log.info(
                "checked %d post(s): %s; %d event(s)%s",
                report.checked,
                report.statuses,
                len(report.events),
                f"; {delivered}" if delivered else "",
            )
            if sealed is not None:
                log.info("log sealed: %s", json.dumps(sealed.to_json()))
            if as_json:
                # Last line: one summary object, so that a run with no change still prints JSON.
                summary = {
                    "ok": True,
                    "summary": True,
                    "checked": report.checked,
                    "statuses": dict(report.statuses),
                    "events": len(report.events),
                    "earlier_events": len(earlier),
                }
                sys.stdout.write(json_escapes(json.dumps(summary, ensure_ascii=False)) + "\n")
            else:
                if earlier:
                    out.print(
                        f"{len(earlier)} change(s) found by an earlier run that was stopped "
                        "before it could report them:"
                    )
                    render_events(archive, earlier)
                render_events(archive, report.events)
        finally:
            logging.getLogger("postproof").removeHandler(handler)
            handler.close()
    if not as_json:
        statuses = ", ".join(f"{n} {s}" for s, n in sorted(report.statuses.items()))
        err.print(
            f"Re-checked {report.checked} post(s)"
            + (f" ({statuses})" if statuses else "")
            + f"; {len(report.events)} change(s)."
        )
    if fail_on_change and (report.events or earlier):
        raise typer.Exit(EXIT_CHANGED)


def deliver_alerts(archive: storage.Archive, home: Path | None) -> str | None:
    """Send the events not yet delivered to the webhook, if one is configured. Events are
    stored before any attempt, so a failing webhook loses nothing: the next run retries."""
    url = os.environ.get("POSTPROOF_WEBHOOK_URL") or settings(home).get("alerts", {}).get(
        "webhook_url"
    )
    if not url:
        return None
    pending = archive.watchlist.events(undelivered=True)
    if not pending:
        return None
    result = watch_lib.deliver(url, [watch_lib.event_json(archive, e) for e in pending])
    archive.watchlist.mark_delivery(
        [e.id for e in pending],
        delivered_at=utcnow() if result.ok else None,
        error=None if result.ok else (result.error or f"HTTP {result.status_code}"),
    )
    if result.ok:
        return f"{len(pending)} alert(s) delivered"
    logging.getLogger("postproof.alerts").warning(
        "webhook delivery failed (%s); %d event(s) kept for the next run",
        result.error or result.status_code,
        len(pending),
    )
    return f"webhook failed; {len(pending)} alert(s) kept for the next run"


def render_events(archive: storage.Archive, events: list[storage.EventRecord]) -> None:
    for event in events:
        data = watch_lib.event_json(archive, event)
        style = "red" if event.kind in ("deleted", "suspended") else "yellow"
        out.print(
            f"[{style}]{event.kind}[/] {esc(str(data['url']))}  "
            f"{event.before_capture_id or '—'} → {event.after_capture_id}"
        )
        out.print(f"    {event.summary}", markup=False)


@app.command("watch")
@handles_errors
def watch_(posts: PostsArg = None, home: HomeOpt = None, as_json: JsonOpt = False) -> None:
    """Watch posts again: they are re-checked by `postproof recheck --due`.

    Every captured post is watched unless captured with --no-watch.
    Example: postproof watch k3m9q2xa
    """
    _set_watched(posts, True, home, as_json)


@app.command()
@handles_errors
def unwatch(posts: PostsArg = None, home: HomeOpt = None, as_json: JsonOpt = False) -> None:
    """Stop re-checking posts (their captures stay).

    Example: postproof unwatch https://x.com/someone/status/1893456789012345678
    """
    _set_watched(posts, False, home, as_json)


def _set_watched(posts: list[str] | None, watched: bool, home: Path | None, as_json: bool) -> None:
    if not posts:
        raise UsageError("Name at least one post (a capture id or a URL).")
    with opened_archive(home) as archive:
        ids = [archive.find_post_id(_post_ref(p)) for p in posts]
        changed = archive.watchlist.set_watched(ids, watched)
    if as_json:
        emit_json({"ok": True, "posts": changed, "watched": watched})
    else:
        out.print(f"{'Watching' if watched else 'No longer watching'} {changed} post(s).")


def _post_ref(text: str) -> str:
    if "/" in text or "." in text:
        url = parse_url(text)
        return adapter_for(url).post_ref(url).canonical_url
    return text


@app.command()
@handles_errors
def history(
    post: Annotated[str, typer.Argument(help="A capture id or the URL of a captured post.")],
    home: HomeOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """The timeline of a post: every capture and every change found, oldest first.

    Example: postproof history https://x.com/someone/status/1893456789012345678
    """
    with opened_archive(home) as archive:
        post_id = archive.find_post_id(_post_ref(post))
        record = archive.watchlist.post(post_id)
        captures = archive.history(post_id)
        events = archive.watchlist.events(post_id)
        event_rows = [watch_lib.event_json(archive, e) for e in events]
    if as_json:
        emit_json(
            {
                "ok": True,
                "post": {
                    "url": record.canonical_url,
                    "platform": record.platform,
                    "post_id": record.platform_post_id,
                    "watched": record.watched,
                    "next_check_at": isoformat_z(record.next_check_at),
                },
                "captures": [capture_json(c, artifacts=False) for c in captures],
                "events": event_rows,
            }
        )
        return
    out.print(f"[bold]{esc(record.canonical_url)}[/] ({record.platform})")
    state = (
        f"next check {isoformat_z(record.next_check_at) or 'at the next run'}"
        if record.watched
        else "not watched"
    )
    out.print(f"  {state}")
    timeline: list[tuple[str, str]] = [
        (
            isoformat_z(c.started_at) or "",
            f"capture {c.id}  {c.status}" + (f" — {c.reason}" if c.reason else ""),
        )
        for c in captures
    ] + [
        (
            str(e["when"]),
            f"[bold]{e['kind']}[/] {esc(str(e['summary']))} ({e['before'] or '—'} → {e['after']})",
        )
        for e in event_rows
    ]
    for when, line in sorted(timeline, key=lambda item: item[0]):
        out.print(f"  {when}  {line}")


@app.command()
@handles_errors
def diff(
    before: Annotated[str, typer.Argument(help="The earlier capture id.")],
    after: Annotated[str, typer.Argument(help="The later capture id.")],
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Where to write the side-by-side PNG.")
    ] = None,
    force: Annotated[
        bool,
        typer.Option("--force", help="Compare captures of two different posts all the same."),
    ] = False,
    home: HomeOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Compare two captures of one post: the word diff of the post text, and a side-by-side image
    of the two post screenshots with the changed regions marked.

    Example: postproof diff k3m9q2xa 7hq3m2wd -o changes.png
    """
    with opened_archive(home) as archive:
        a = archive.get_capture(before)
        b = archive.get_capture(after)
        if a.post_id != b.post_id and not force:
            # Two different posts differ by nature; calling that an edit would be a false claim.
            raise UsageError(
                f"{a.id} and {b.id} are captures of two different posts "
                f"({a.canonical_url} and {b.canonical_url}), so their differences are not edits.",
                hint="Compare two captures of the same post (see `postproof history URL`), "
                "or pass --force to compare them anyway.",
            )
        shots = [
            c.artifact(ArtifactKind.POST_SCREENSHOT) or c.artifact(ArtifactKind.SCREENSHOT)
            for c in (a, b)
        ]
        changes = (
            watch_lib.compare(watch_lib.snapshot(a), watch_lib.snapshot(b))
            if a.status == Status.OK.value and b.status == Status.OK.value
            else ()
        )
        text_a, text_b = watch_lib.normalize_text(a.text), watch_lib.normalize_text(b.text)
        path: Path | None = None
        regions: list[dict[str, int]] = []
        if shots[0] is not None and shots[1] is not None:
            png, boxes = watch_lib.side_by_side(
                shots[0].path.read_bytes(), shots[1].path.read_bytes(), labels=(a.id, b.id)
            )
            path = output or Path(f"postproof-diff-{a.id}-{b.id}.png")
            try:
                path.write_bytes(png)
            except OSError as exc:
                raise UsageError(f"Cannot write {path}: {exc.strerror or exc}.") from exc
            regions = [{"x": x.x, "y": x.y, "width": x.width, "height": x.height} for x in boxes]
    if as_json:
        emit_json(
            {
                "ok": True,
                "before": a.id,
                "after": b.id,
                "text_diff": [[op, text] for op, text in watch_lib.word_diff(text_a, text_b)],
                "changes": [{"kind": c.kind.value, "summary": c.summary} for c in changes],
                "image": str(path.resolve()) if path else None,
                "regions": regions,
            }
        )
        return
    left, right = (f"[bold]{c.id}[/] ({isoformat_z(c.started_at)}, {c.status})" for c in (a, b))
    out.print(f"{left} → {right}")
    if text_a == text_b:
        out.print("  The post text is the same.")
    else:
        out.print("  " + watch_lib.render_diff(text_a, text_b), markup=False)
    for change in changes:
        out.print(f"  {change.kind.value}: {change.summary}", markup=False)
    if path:
        out.print(
            f"  Side-by-side image: {esc(str(path.resolve()))} ({len(regions)} changed region(s))"
        )


schedule_app = typer.Typer(
    help="The crontab entry that runs `postproof recheck --due`.",
    no_args_is_help=True,
    add_completion=False,
)
app.add_typer(schedule_app, name="schedule")


def _tabfile() -> Path | None:
    # Lets tests (and containers without a user crontab) use a crontab file instead.
    value = os.environ.get("POSTPROOF_CRONTAB_FILE")
    return Path(value) if value else None


def _cron_json(entry: Any) -> dict[str, Any]:
    return {
        "schedule": entry.schedule,
        "command": entry.command,
        "comment": entry.comment,
        "next_runs": [isoformat_z(t) for t in entry.next_runs],
    }


@schedule_app.command("install")
@handles_errors
def schedule_install(
    every: Annotated[str, typer.Option("--every", help="How often: 15m, 30m, 1h, 6h, 1d…")] = "1h",
    home: HomeOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Write (or replace) the crontab entry that runs `postproof recheck --due` for this data home.

    Example: postproof schedule install --every 1h
    """
    with opened_archive(home) as archive:
        entry = watch_lib.install_schedule(
            watch_lib.parse_every(every),
            home=archive.home.resolve(),
            postproof=Path(sys.executable).with_name("postproof").resolve(),
            log=(archive.logs_dir / "cron.log").resolve(),
            tabfile=_tabfile(),
        )
    if as_json:
        emit_json({"ok": True, "entry": _cron_json(entry)})
        return
    out.print(f"Installed: [bold]{entry.schedule}[/] {esc(entry.command)}")
    out.print("Next runs: " + ", ".join(isoformat_z(t) or "" for t in entry.next_runs))


@schedule_app.command("show")
@handles_errors
def schedule_show(home: HomeOpt = None, as_json: JsonOpt = False) -> None:
    """Show this data home's crontab entry and its next runs.

    Example: postproof schedule show
    """
    with opened_archive(home) as archive:
        entry = watch_lib.show_schedule(home=archive.home.resolve(), tabfile=_tabfile())
    if as_json:
        emit_json({"ok": True, "entry": _cron_json(entry) if entry else None})
        return
    if entry is None:
        out.print(
            "No re-check is scheduled. Install one with: postproof schedule install --every 1h"
        )
        return
    out.print(f"[bold]{entry.schedule}[/] {esc(entry.command)}")
    for moment in entry.next_runs:
        out.print(f"  next run {isoformat_z(moment)}")


@schedule_app.command("remove")
@handles_errors
def schedule_remove(home: HomeOpt = None, as_json: JsonOpt = False) -> None:
    """Remove this data home's crontab entry (other crontab lines are left alone).

    Example: postproof schedule remove
    """
    with opened_archive(home) as archive:
        removed = watch_lib.remove_schedule(home=archive.home.resolve(), tabfile=_tabfile())
    if as_json:
        emit_json({"ok": True, "removed": removed})
    else:
        out.print("Removed the re-check entry." if removed else "There was no re-check entry.")


@app.command()
@handles_errors
def similar(
    target: Annotated[
        str, typer.Argument(help="An image file, or a capture id (its post's images are used).")
    ],
    max_distance: Annotated[
        int,
        typer.Option("--max-distance", help="Largest pHash difference, in bits (0-64)."),
    ] = 10,
    kind: Annotated[
        list[str] | None,
        typer.Option(
            "--kind",
            help="Only these artifact kinds: screenshot, post_screenshot, media (repeatable).",
            show_default=False,
        ),
    ] = None,
    limit: Annotated[int, typer.Option("--limit", help="At most this many matches.")] = 50,
    home: HomeOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Find near-duplicate images across the whole archive by perceptual distance: where else
    did this picture or screenshot appear, and when first? Nearest first, then earliest.

    Example: postproof similar leaked-memo.jpg
    Example: postproof similar 7k2m9x4q --kind media --json
    """
    require_positive("--limit", limit)
    path = Path(target).expanduser()
    if not path.is_file() and (path.suffix or "/" in target or os.sep in target or path.exists()):
        # It names a file, not a capture: say what is wrong with the file.
        raise UsageError(
            f"{path} is not a file." if path.exists() else f"The file {path} does not exist.",
            hint="Give the path of an image file, or a capture id.",
        )
    with opened_archive(home) as archive:
        queries: list[tuple[str, str, str | None]] = []  # label, phash, dhash
        exclude_capture = None
        if path.is_file():
            phash, dhash = storage.query_hashes(path.read_bytes(), name=str(path))
            queries.append((str(path), phash, dhash))
        else:
            capture = archive.get_capture(target)
            exclude_capture = capture.id
            for artifact in capture.artifacts:
                if artifact.phash and artifact.kind in (
                    ArtifactKind.MEDIA,
                    ArtifactKind.POST_SCREENSHOT,
                ):
                    label = artifact.source_url or f"{capture.id} {artifact.kind}"
                    queries.append((label, artifact.phash, artifact.dhash))
            if not queries:
                raise UsageError(
                    f"capture {capture.id} has no image of the post to search for",
                    hint="give an image file instead, e.g. a saved screenshot",
                )
        results = []
        for label, phash, query_dhash in queries:
            found = archive.find_similar(
                phash, query_dhash, max_distance=max_distance, kinds=kind or None, limit=limit + 20
            )
            found = [m for m in found if m.capture_id != exclude_capture][:limit]
            results.append((label, phash, found))
    if as_json:
        emit_json(
            {
                "ok": True,
                "queries": [
                    {"image": label, "phash": phash, "matches": [m.to_json() for m in found]}
                    for label, phash, found in results
                ],
            }
        )
        return
    for label, _phash, found in results:
        out.print(f"[bold]{esc(label)}[/]")
        if not found:
            out.print("  no similar image in the archive")
            continue
        earliest = min(found, key=lambda m: m.captured_at)
        table = Table(box=None, pad_edge=False)
        for column in ("distance", "captured (UTC)", "capture", "kind", "platform", "URL"):
            table.add_column(column)
        for m in found:
            first = " [green](first seen)[/]" if m is earliest else ""
            table.add_row(
                str(m.phash_distance),
                f"{m.captured_at:%Y-%m-%d %H:%M}{first}",
                m.capture_id,
                str(m.kind),
                m.platform,
                esc(m.source_url or m.canonical_url),
            )
        out.print(table)


auth_app = typer.Typer(
    help="Login cookies for sites that show posts only to logged-in users.",
    no_args_is_help=True,
    add_completion=False,
)
app.add_typer(auth_app, name="auth")


@auth_app.command("import")
@handles_errors
def auth_import(
    domain: Annotated[str, typer.Argument(help="The site's domain, e.g. x.com.")],
    file: Annotated[
        Path, typer.Argument(help="A Netscape cookies.txt or a Playwright storage-state JSON.")
    ],
    home: HomeOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Import login cookies for DOMAIN: kept in the data home with file mode 0600, given to the
    browser only when capturing that domain (or its subdomains), never written into evidence.

    Example: postproof auth import instagram.com ~/Downloads/cookies.txt
    """
    with opened_archive(home) as archive:
        record = archive.auth.import_file(domain, file)
    if as_json:
        emit_json({"ok": True, "auth": record.to_json()})
        return
    out.print(
        f"Imported {len(record.cookie_names)} cookie(s) for {esc(record.domain)} "
        f"({esc(', '.join(record.cookie_names))}) into {esc(str(record.path))} (mode 0600)."
    )
    if record.dropped:
        out.print(f"Left out {record.dropped} cookie(s) of other sites.")
    if record.expires_at:
        out.print(f"The first of them expires {record.expires_at:%Y-%m-%d %H:%M} UTC.")
    out.print(
        "Captures of this site now run logged in as that account; the capture says so, and "
        "cookie values never appear in what postproof stores or exports."
    )


@auth_app.command("list")
@handles_errors
def auth_list(home: HomeOpt = None, as_json: JsonOpt = False) -> None:
    """List the domains with imported cookies (names only, never values).

    Example: postproof auth list
    """
    with opened_archive(home) as archive:
        records = archive.auth.records()
    if as_json:
        emit_json({"ok": True, "auth": [r.to_json() for r in records]})
        return
    if not records:
        out.print("No cookies imported. Use `postproof auth import DOMAIN FILE`.")
    for r in records:
        expiry = f", first expiry {r.expires_at:%Y-%m-%d}" if r.expires_at else ""
        out.print(f"{esc(r.domain)}: {len(r.cookie_names)} cookie(s){expiry}")


@auth_app.command("remove")
@handles_errors
def auth_remove(
    domain: Annotated[str, typer.Argument(help="The domain to forget.")],
    home: HomeOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Delete the cookies imported for DOMAIN.

    Example: postproof auth remove instagram.com
    """
    with opened_archive(home) as archive:
        removed = archive.auth.remove(domain)
    if as_json:
        emit_json({"ok": True, "removed": removed})
        return
    out.print("Removed." if removed else f"No cookies were imported for {esc(domain)}.")


key_app = typer.Typer(
    help="The installation's signing key.", no_args_is_help=True, add_completion=False
)
app.add_typer(key_app, name="key")


@key_app.command("show")
@handles_errors
def key_show(home: HomeOpt = None, as_json: JsonOpt = False) -> None:
    """Show the installation's public signing key (created on first use), to hand to whoever
    will verify this archive's evidence.

    Example: postproof key show --json > postproof-public-key.json
    """
    with opened_archive(home) as archive:
        key = archive.signing_key()
    if as_json:
        emit_json(
            {
                "ok": True,
                "name": key.name,
                "verifier": key.verifier,
                "public_key_pem": key.public_key_pem(),
                "path": str(key.path),
            }
        )
        return
    out.print(f"Note verifier key: {key.verifier}", markup=False)
    out.print(key.public_key_pem().rstrip(), markup=False)


@app.command()
@handles_errors
def demo(
    home: Annotated[
        Path | None,
        typer.Option(
            "--home",
            help="Data home for the demo's archive (default: a folder beside the real one, "
            "named like it with -demo appended).",
            show_default=False,
        ),
    ] = None,
    as_json: JsonOpt = False,
    timeout: TimeoutOpt = None,
    output: Annotated[
        Path | None,
        typer.Option(
            "--output", "-o", help="Where to write the report (default: in the data home)."
        ),
    ] = None,
) -> None:
    """Run the whole flow on the bundled demo story, served on 127.0.0.1.

    The demo site imitates X, Mastodon, Bluesky and a French news site on a loopback port;
    postproof reaches it through --host-map, so the captures carry the platforms' real URLs.
    It adds the demo article, captures the posts it cites (and the story's other posts),
    links claims to evidence, checks quotes (one lives inside an e-mail screenshot) and
    writes the HTML report.
    Example: postproof demo
    """
    from demo import build_demo_web, demo_story

    # The demo's posts are imitations with real-looking URLs: they never go into the reporter's
    # own append-only archive, only into a demo home beside it (or the one --home names).
    home = home or (_GIVEN_HOME[-1] if _GIVEN_HOME else demo_home())
    story = demo_story()
    with build_demo_web() as web:
        options = capture_options(
            timeout=timeout,
            concurrency=None,
            allow_private=True,
            insecure=True,
            host_map=web.host_map(),
            home=home,
        )
        with opened_archive(home) as archive:
            if not as_json:
                err.print(
                    f"Demo site serving on 127.0.0.1:{web.port}; demo archive {archive.home} "
                    "(your own archive is not touched)"
                )
            added = claims_lib.add_article(archive, story.article_url, options=options, again=True)
            seen = {c.canonical_url for c in added.captures}
            rest = [
                u for u in story.post_urls if adapter_for(u).post_ref(u).canonical_url not in seen
            ]
            results = run_captures(
                rest, options, archive, show_progress=not as_json and err.is_terminal
            )
            records = added.captures + [archive.get_capture(cid) for cid, _ in results]
            path = output or archive.home / "reports" / f"demo-{added.article.id}.html"
            data = claims_lib.write_report(archive, added.article.id, "html", path)
            sealed = seal_run(archive, home)
    all_ok = all(r.status == Status.OK.value for r in records)
    summary = data.summary.to_json()
    if as_json:
        emit_json(
            {
                "ok": all_ok,
                "captures": [capture_json(r) for r in records],
                "article": article_json(added.article, added.claims, added.links, added.references),
                "report": {"path": str(path.resolve()), "summary": summary},
                "log": sealed.to_json(),
                "home": str(home.resolve()),
            }
        )
    else:
        render_capture_table(records)
        render_article_summary(added.article, added.claims, added.links, added.references)
        render_seal(sealed)
        out.print(f"[bold]Report:[/] {esc(str(path.resolve()))}")
        out.print("  " + ", ".join(f"{k.replace('_', ' ')}: {v}" for k, v in summary.items()))
        out.print(f"Demo archive: {esc(str(home.resolve()))}")
        flag = f"--home {esc(shlex.quote(str(home.resolve())))}"
        out.print(
            f"Browse it with: postproof list {flag}; check it with: postproof verify --all {flag}"
        )
    if not all_ok:
        raise typer.Exit(EXIT_INCOMPLETE)


def demo_home() -> Path:
    """Where the demo keeps its archive when no --home is given: beside the real data home."""
    real = storage.default_home()
    return real.with_name(f"{real.name}-demo")


def main() -> None:
    try:
        app()
    except KeyboardInterrupt:
        err.print("Interrupted. Captures already finished are stored; rerun to do the rest.")
        sys.exit(130)
    except Exception:  # noqa: BLE001 -- the last resort: anything else is a bug in postproof
        err.print_exception(show_locals=False)
        err.print(
            "[bold red]postproof stopped on an unexpected error.[/] This is a bug: please report "
            "it with the command you ran and the message above. Captures already finished are "
            "stored and `postproof verify --all` checks them."
        )
        sys.exit(EXIT_ERROR)


if __name__ == "__main__":
    main()
