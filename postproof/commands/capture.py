"""capture, list, show: capture posts and look at what was captured."""

from __future__ import annotations

import sys
from contextlib import nullcontext
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from archiver import platforms
from archiver.errors import UsageError
from postproof.commands._options import (
    AllowPrivateHostOpt,
    AllowPrivateOpt,
    ConcurrencyOpt,
    HomeOpt,
    HostMapOpt,
    IncludeRetractedOpt,
    InsecureOpt,
    JsonOpt,
    TimeoutOpt,
    capture_flags,
    require_positive,
)
from postproof.output import ExitCode, emit_json, err, esc, handles_errors, out, progress_wanted
from postproof.render import (
    render_capture_table,
    render_left_out,
    render_retractions,
    render_seal,
    retracted_line,
)
from postproof.runs import Captured, LaunchedAlongside, Run, kept_browser, opened_archive
from postproof.settings import Settings, resolve_home
from postproof.views import capture_json, capture_show_json, context_json

if TYPE_CHECKING:
    import storage

# From the registry's names alone: the help loads no adapter.
PLATFORMS = "Only captures of this platform: " + ", ".join(platforms.PLATFORMS) + "."


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
    queue: Annotated[
        bool,
        typer.Option(
            "--queue",
            help="Put the captures on the shared archive's task queue (one job per URL) for "
            "`postproof worker` to make, and print the job ids; `postproof jobs` follows them.",
        ),
    ] = False,
    home: HomeOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Capture posts: screenshots, DOM, text, headers, metadata and the post's fields, hashed.
    A reply's parent chain and a quoted post are captured too, as captures of their own.

    Example: postproof capture https://x.com/someone/status/1893456789012345678

    Example: postproof capture --queue https://x.com/someone/status/1893456789012345678
    """
    from archiver import Status, parse_url

    targets = [parse_url(u) for u in (urls or [])]
    if file is not None:
        targets += [parse_url(u) for u in read_url_file(file)]
    if not targets:
        raise UsageError("No URL to capture.", hint="Pass one or more URLs, or --file FILE.")
    settings = Settings.load(home)
    if queue:
        given = [
            name
            for name, value in (
                ("--timeout", timeout),
                ("--concurrency", concurrency),
                ("--allow-private", allow_private),
                ("--allow-private-host", allow_private_host),
                ("--insecure", insecure),
                ("--host-map", host_map),
            )
            if value
        ]
        enqueue_captures(
            settings, targets, settings.context_depth(context), no_watch, as_json, given
        )
        return
    options = settings.capture_options(
        capture_flags(
            timeout=timeout,
            concurrency=concurrency,
            allow_private=allow_private,
            allow_private_host=allow_private_host,
            insecure=insecure,
            host_map=host_map,
        )
    )
    depth = settings.context_depth(context)
    kept = kept_browser()  # a browser the process keeps for its runs, else one of its own
    with (
        nullcontext(kept) if kept else LaunchedAlongside(options) as browser,
        Run.open(settings, options, show_progress=progress_wanted(as_json), browser=browser) as run,
    ):
        # --no-watch is about the posts this run meets for the first time: a post a reporter
        # already watches (because it was cited) goes on being rechecked.
        watchlist = run.archive.watchlist
        watched_before = {p.id for p in watchlist.watched()} if no_watch else set()
        captured = run.capture(targets, context_depth=depth)
        if no_watch:
            first_seen = {r.post_id for r in captured.records} - watched_before
            watchlist.set_watched(sorted(first_seen), False)
        sealed = run.seal()
    all_ok = all(r.status == Status.OK.value for r in captured.records)
    if as_json:
        emit_json(
            {
                "ok": all_ok,
                "captures": [capture_json(r) for r in captured.records],
                "context": [context_json(c, r) for c, r in captured.context],
                "log": sealed.to_json(),
            }
        )
    else:
        render_capture_table(captured.records)
        render_context(captured)
        render_seal(sealed)
    if not all_ok:
        raise typer.Exit(ExitCode.INCOMPLETE)


def enqueue_captures(
    settings: Settings,
    urls: list[str],
    depth: int,
    no_watch: bool,
    as_json: bool,
    given: list[str],
) -> None:
    """``capture --queue``: one job per URL, all put on the queue in one transaction."""
    from storage._jobs import NewJob

    if given:
        raise UsageError(
            f"{', '.join(given)} cannot be given with --queue",
            hint="a queued capture is made with the worker's settings (its config.toml and "
            "POSTPROOF_* variables); set them where `postproof worker` runs",
        )
    jobs = [
        NewJob("capture", {"url": url, "context_depth": depth, "no_watch": no_watch})
        for url in dict.fromkeys(urls)
    ]
    with opened_archive(settings.home) as archive:
        ids = archive.jobs.enqueue(jobs)
        queued = archive.jobs.list(ids=ids, limit=len(ids))
    queued.sort(key=lambda job: job.id)
    if as_json:
        emit_json({"ok": True, "jobs": [job.to_json() for job in queued]})
        return
    for job in queued:
        out.print(f"{job.id}  {job.urls[0]}", markup=False, highlight=False)
    err.print(
        f"Queued {len(queued)} capture job(s); `postproof jobs` shows what becomes of them "
        "(a `postproof worker` makes them)."
    )


def read_url_file(path: Path) -> list[str]:
    """The URLs of a file (or stdin, for ``-``): one a line; blank lines and comments skipped."""
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


def post_url(url: str) -> str:
    """The canonical URL of the post at the URL a person gave, checked first. The platform
    adapters are loaded only here, when a URL is given."""
    from archiver import canonical_url, parse_url

    return canonical_url(parse_url(url))


def render_context(captured: Captured) -> None:
    for c, r in captured.context:
        why = (
            f"the post {c.of_capture_id} replies to"
            if c.relation == "reply_parent"
            else f"quoted by {c.of_capture_id}"
        )
        err.print(esc(f"Context: {c.capture_id} {r.status} — {why} ({r.requested_url})"))


@handles_errors
def list_(
    url: Annotated[str | None, typer.Option("--url", help="Only captures of this URL.")] = None,
    platform: Annotated[str | None, typer.Option("--platform", help=PLATFORMS)] = None,
    status: Annotated[
        str | None, typer.Option("--status", help="ok, not_found, login_wall…")
    ] = None,
    limit: Annotated[int, typer.Option("--limit", help="At most this many, newest first.")] = 100,
    include_retracted: IncludeRetractedOpt = False,
    home: HomeOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """List captures, newest first.

    Retracted captures are left out, and counted, unless --include-retracted (each is then
    marked with why and when it was retracted).

    Example: postproof list --platform x --status not_found
    """
    from archiver import Status

    if status is not None and status not in {s.value for s in Status}:
        raise UsageError(
            f"Unknown status {status!r}.", hint="One of: " + ", ".join(s.value for s in Status)
        )
    require_positive("--limit", limit)
    wanted_url = post_url(url) if url else None
    records, left_out = listed_captures(
        resolve_home(home),
        url=wanted_url,
        platform=platform,
        status=status,
        limit=limit,
        include_retracted=include_retracted,
    )
    if as_json:
        emit_json(
            {
                "ok": True,
                "captures": [capture_json(r, artifacts=False) for r in records],
                "retracted_left_out": left_out,
            }
        )
        return
    if records:
        render_capture_table(records, captured=True)
    elif not left_out:
        err.print("No captures match.")
    render_retractions(records)
    render_left_out(left_out, "capture", shown=bool(records))


def listed_captures(
    home: Path,
    *,
    url: str | None,
    platform: str | None,
    status: str | None,
    limit: int,
    include_retracted: bool,
) -> tuple[list[storage.CaptureRecord], int]:
    """The captures to list, and how many retracted ones were left out. An embedded archive
    at the newest revision is read without opening it (``storage.read_listing``: a third of
    the time); any other is opened, as every command opens it."""
    from storage import read_listing

    wanted = {"url": url, "platform": platform, "status": status}
    listing = read_listing(home, **wanted, limit=limit, include_retracted=include_retracted)
    if listing is not None:
        return listing.records, listing.retracted_left_out
    with opened_archive(home) as archive:
        records = archive.list_captures(**wanted, limit=limit, include_retracted=include_retracted)
        left_out = 0 if include_retracted else archive.count_retracted_captures(**wanted)
    return records, left_out


SHOWN_FIELDS = (
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
)


@handles_errors
def show(
    capture_id: Annotated[str, typer.Argument(help="A capture id (or a unique prefix of it).")],
    home: HomeOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Show one capture: its post, provenance and notes, whether its post is watched, the claims
    it is evidence for, and every artifact with its SHA-256.

    Example: postproof show k3m9q2xa
    """
    with opened_archive(resolve_home(home)) as archive:
        record = archive.get_capture(archive.resolve_capture_id(capture_id))
        data = capture_show_json(archive, record)
    if as_json:
        emit_json({"ok": True, "capture": data})
        return
    out.print(
        f"[bold]Capture {record.id}[/]  {record.status}"
        + (f" — {esc(record.reason)}" if record.reason else "")
    )
    for key in SHOWN_FIELDS:
        if data.get(key) not in (None, ""):
            out.print(f"  {key:14} {data[key]}", markup=False)
    if record.insecure:
        out.print("  [yellow]captured with --insecure: TLS certificate errors were accepted[/]")
    if record.retracted is not None:
        out.print(f"  {retracted_line(record.retracted)}")
    render_signature(data.get("author_signature"))
    render_notes(data["notes"])
    post = data["post"]
    if any(post.values()):
        out.print("[bold]Post[/]")
        render_post_fields(post)
    render_watch(data["watch"], record.id)
    render_linked_claims(data["claims"])
    out.print("[bold]Artifacts[/]")
    render_artifacts(record)


def render_notes(notes: list[str]) -> None:
    """The provenance's notes: page-controlled text (a dialog's message), printed as written."""
    if not notes:
        return
    out.print("[bold]Provenance notes[/]")
    for note in notes:
        out.print(f"  · {note}", markup=False)


def render_watch(watch: dict[str, Any], capture_id: str) -> None:
    if watch["watched"]:
        state = "[green]watched[/]: next check " + (watch["next_check_at"] or "at the next run")
    else:
        state = f"not watched (`postproof watch {capture_id}` has it re-checked)"
    out.print(f"[bold]Watch[/]  {state}")
    out.print(f"  post last captured {watch['last_captured_at']} ({watch['last_status']})")
    event = watch["latest_event"]
    if event is None:
        out.print("  no change found by re-checks")
        return
    out.print(
        f"  latest change  {event['when']} [bold]{esc(str(event['kind']))}[/] "
        f"{esc(str(event['summary']))} ({event['before'] or '—'} → {event['after']})"
        + (f"; {watch['events']} changes in all" if watch["events"] > 1 else "")
    )


def render_linked_claims(claims: list[dict[str, Any]]) -> None:
    if not claims:
        out.print("[bold]Claims[/]  none: no claim is linked to this capture")
        return
    out.print("[bold]Claims[/]")
    for claim in claims:
        title = claim["article_title"] or "(untitled)"
        retracted = claim["article_retracted"]
        out.print(
            f"  [cyan]{claim['relation']}[/] [bold]{claim['claim']}[/] of {esc(title)}"
            + (f" [magenta](article retracted: {esc(retracted['reason'])})[/]" if retracted else "")
        )
        out.print(f"    {claim['text']}", markup=False)


def render_signature(signature: dict[str, Any] | None) -> None:
    if signature and signature["verified"]:
        out.print(
            f"  [green]signed by its author[/]: record {esc(str(signature['record_cid']))} in the "
            f"repository of {esc(str(signature['did']))}, commit signed by "
            f"{esc(str(signature['signing_key']))}"
        )
    elif signature:
        out.print(f"  [yellow]author signature not verified[/]: {esc(str(signature['reason']))}")


def render_artifacts(record: storage.CaptureRecord) -> None:
    for a in record.artifacts:
        perceptual = f"  phash {a.phash}  dhash {a.dhash}" if a.phash else ""
        out.print(f"  {a.kind:16} {a.size:>10} B  {a.media_type}{perceptual}")
        out.print(f"    sha256 {a.sha256}", markup=False)
        out.print(f"    [dim]{esc(a.location)}[/]")


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
    render_missing_and_conflicts(post)


def render_missing_and_conflicts(post: dict[str, Any]) -> None:
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
