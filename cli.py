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
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer
from rich.console import Console
from rich.logging import RichHandler
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

import storage
from archiver import (
    CaptureOptions,
    CaptureResult,
    PostproofError,
    Status,
    UsageError,
    adapter_for,
    capture_many,
    default_concurrency,
    parse_host_map,
    parse_url,
)

F = TypeVar("F", bound=Callable[..., Any])

app = typer.Typer(
    name="postproof",
    help="Archive social posts with a real browser, keep tamper-evident proof, verify it later.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)
out = Console(soft_wrap=True, highlight=False)
err = Console(stderr=True, highlight=False)

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

EXIT_OK, EXIT_ERROR, EXIT_USAGE, EXIT_INCOMPLETE, EXIT_INTEGRITY = 0, 1, 2, 3, 4


def _env_flag(name: str) -> bool:
    return os.environ.get(name, "").strip().lower() in ("1", "true", "yes", "on")


def emit_json(payload: dict[str, Any]) -> None:
    sys.stdout.write(json.dumps(payload, ensure_ascii=False, indent=2) + "\n")
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
                err.print(f"[bold red]Error:[/] {exc.message}", markup=True)
                if exc.hint:
                    err.print(f"[dim]{exc.hint}[/]", markup=True)
            raise typer.Exit(exc.exit_code) from exc

    return wrapper  # type: ignore[return-value]


@contextmanager
def opened_archive(home: Path | None) -> Iterator[storage.Archive]:
    archive = storage.open_archive(home)
    try:
        yield archive
    finally:
        archive.close()


@app.callback()
def root(
    verbose: Annotated[
        bool, typer.Option("--verbose", "-v", help="Log details on stderr.")
    ] = False,
) -> None:
    """postproof: prove where a claim came from."""
    logging.basicConfig(
        level=logging.DEBUG if verbose else logging.WARNING,
        format="%(message)s",
        handlers=[RichHandler(console=err, show_path=False, show_time=False)],
    )


def capture_options(
    *,
    timeout: float,
    concurrency: int | None,
    allow_private: bool,
    insecure: bool,
    host_map: list[str],
    allow_private_hosts: list[str] | None = None,
) -> CaptureOptions:
    if timeout <= 0:
        raise UsageError("--timeout must be a positive number of seconds.")
    if concurrency is not None and concurrency < 1:
        raise UsageError("--concurrency must be at least 1.")
    env_map = [e for e in os.environ.get("POSTPROOF_HOST_MAP", "").split(",") if e.strip()]
    return CaptureOptions(
        timeout=timeout,
        concurrency=concurrency or default_concurrency(),
        allow_private=allow_private or _env_flag("POSTPROOF_ALLOW_PRIVATE"),
        allow_private_hosts=frozenset(h.strip().lower() for h in allow_private_hosts or ()),
        insecure=insecure or _env_flag("POSTPROOF_INSECURE"),
        host_map=parse_host_map([*env_map, *host_map]),
    )


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
    urls: list[str], options: CaptureOptions, archive: storage.Archive, *, show_progress: bool
) -> list[tuple[str, CaptureResult]]:
    if not show_progress:
        return asyncio.run(capture_many(urls, options, archive))
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

        return asyncio.run(capture_many(urls, options, archive, on_result=advance))


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
    concurrency: Annotated[
        int | None,
        typer.Option("--concurrency", "-c", help="Pages captured at once.", show_default=False),
    ] = None,
    timeout: Annotated[
        float, typer.Option("--timeout", help="Seconds allowed per capture.")
    ] = 60.0,
    allow_private: Annotated[
        bool,
        typer.Option("--allow-private", help="Allow private, loopback and link-local addresses."),
    ] = False,
    allow_private_host: Annotated[
        list[str] | None,
        typer.Option(
            "--allow-private-host",
            help="Allow this one host on a private address (repeatable).",
            show_default=False,
        ),
    ] = None,
    insecure: Annotated[
        bool, typer.Option("--insecure", "-k", help="Accept invalid TLS certificates (recorded).")
    ] = False,
    host_map: Annotated[
        list[str] | None,
        typer.Option(
            "--host-map",
            help="Send requests for HOST to ADDRESS:PORT (HOST=ADDRESS:PORT).",
            show_default=False,
        ),
    ] = None,
    home: HomeOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Capture posts: screenshots, DOM, text, headers, metadata and the post's fields, hashed.

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
    )
    with opened_archive(home) as archive:
        results = run_captures(
            targets, options, archive, show_progress=not as_json and err.is_terminal
        )
        records = [archive.get_capture(capture_id) for capture_id, _ in results]
    all_ok = all(r.status == Status.OK.value for r in records)
    if as_json:
        emit_json({"ok": all_ok, "captures": [capture_json(r) for r in records]})
    else:
        render_capture_table(records)
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
        "started_at": _z(record.started_at),
        "finished_at": _z(record.finished_at),
        "server_date": record.server_date,
        "server_ip": record.server_ip,
        "insecure": record.insecure,
        "post": {
            "author": record.author,
            "handle": record.handle,
            "posted_at": _z(record.posted_at),
            "text": record.text,
            "lang": record.lang,
            "media": [{"url": m.url, "kind": m.kind, "alt": m.alt} for m in record.media],
            "reply_to": record.reply_to,
            "quote_of": record.quote_of,
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
            }
            for a in record.artifacts
        ]
    return data


def _z(moment: Any) -> str | None:
    from archiver import isoformat_z

    return isoformat_z(moment)


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
            who or "—",
            r.posted_at.strftime("%Y-%m-%d %H:%M") if r.posted_at else "—",
            r.canonical_url,
        )
    out.print(table)
    for r in records:
        if r.reason:
            out.print(f"[dim]{r.id}: {r.reason}[/]")


@app.command("list")
@handles_errors
def list_(
    url: Annotated[str | None, typer.Option("--url", help="Only captures of this URL.")] = None,
    platform: Annotated[
        str | None, typer.Option("--platform", help="x, mastodon, bluesky, generic…")
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
            out.print(f"  {key:14} {data[key]}")
    if record.insecure:
        out.print("  [yellow]captured with --insecure: TLS certificate errors were accepted[/]")
    post = data["post"]
    if any(post.values()):
        out.print("[bold]Post[/]")
        for key in ("author", "handle", "posted_at", "lang", "reply_to", "quote_of"):
            if post.get(key):
                out.print(f"  {key:14} {post[key]}")
        if post.get("text"):
            out.print("  text")
            for line in str(post["text"]).splitlines():
                out.print(f"    {line}", markup=False)
        for media in post.get("media") or []:
            out.print(f"  media          {media.get('url')}")
    out.print("[bold]Artifacts[/]")
    for a in record.artifacts:
        perceptual = f"  phash {a.phash}  dhash {a.dhash}" if a.phash else ""
        out.print(f"  {a.kind:16} {a.size:>10} B  {a.media_type}{perceptual}")
        out.print(f"    sha256 {a.sha256}", markup=False)
        out.print(f"    [dim]{a.path}[/]")


@app.command()
@handles_errors
def verify(
    capture_id: Annotated[
        str | None, typer.Argument(help="Check one capture (default: all).")
    ] = None,
    all_: Annotated[
        bool, typer.Option("--all", help="Check every capture and every blob.")
    ] = False,
    home: HomeOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Recompute every artifact's SHA-256 from the blob store and check nothing is missing.

    Exits 4 naming each artifact that does not match.
    Example: postproof verify --all
    """
    if capture_id and all_:
        raise UsageError("Give a capture id or --all, not both.")
    with opened_archive(home) as archive:
        target = archive.resolve_capture_id(capture_id) if capture_id else None
        report = archive.verify(target)
    problems = [p.to_json() for p in report.problems]
    if as_json:
        emit_json(
            {
                "ok": report.ok,
                "captures_checked": report.captures_checked,
                "artifacts_checked": report.artifacts_checked,
                "bytes_hashed": report.bytes_hashed,
                "problems": problems,
                **({} if report.ok else {"error": f"{len(problems)} integrity problem(s) found"}),
            }
        )
    else:
        for p in problems:
            who = f"capture {p['capture_id']} {p['kind']}" if p["capture_id"] else "blob"
            err.print(f"[bold red]{p['problem']}[/]: {who} {p['sha256']} — {p['detail']}")
        summary = (
            f"{report.captures_checked} captures, {report.artifacts_checked} artifacts, "
            f"{report.bytes_hashed} bytes hashed"
        )
        if report.ok:
            out.print(f"[green]OK[/]: {summary}; every hash matches.")
        else:
            out.print(f"[bold red]FAILED[/]: {len(problems)} problem(s) in {summary}.")
    if not report.ok:
        raise typer.Exit(EXIT_INTEGRITY)


@app.command()
@handles_errors
def demo(
    home: HomeOpt = None,
    as_json: JsonOpt = False,
    timeout: Annotated[
        float, typer.Option("--timeout", help="Seconds allowed per capture.")
    ] = 60.0,
) -> None:
    """Serve the bundled demo story on 127.0.0.1 and capture its posts.

    The demo site imitates X, Mastodon, Bluesky and a French news site on a loopback port;
    postproof reaches it through --host-map, so the captures carry the platforms' real URLs.
    Example: postproof demo
    """
    from demo import build_demo_web, demo_story

    story = demo_story()
    with build_demo_web() as web:
        options = capture_options(
            timeout=timeout,
            concurrency=None,
            allow_private=True,
            insecure=True,
            host_map=web.host_map(),
        )
        with opened_archive(home) as archive:
            if not as_json:
                err.print(f"Demo site serving on 127.0.0.1:{web.port}; data home {archive.home}")
            results = run_captures(
                list(story.post_urls),
                options,
                archive,
                show_progress=not as_json and err.is_terminal,
            )
            records = [archive.get_capture(capture_id) for capture_id, _ in results]
    all_ok = all(r.status == Status.OK.value for r in records)
    if as_json:
        emit_json({"ok": all_ok, "captures": [capture_json(r) for r in records]})
    else:
        render_capture_table(records)
        out.print(f"{len(records)} captures stored. Check them with: postproof verify --all")
    if not all_ok:
        raise typer.Exit(EXIT_INCOMPLETE)


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
