"""recheck, watch, unwatch, history, diff, schedule: watching posts for deletions and edits."""

from __future__ import annotations

import logging
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.table import Table

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
    PostsArg,
    TimeoutOpt,
    capture_flags,
    check_output,
)
from postproof.output import ExitCode, emit_json, emit_line, err, esc, handles_errors, out
from postproof.render import retracted_line
from postproof.runs import RecheckOutcome, Run, opened_archive
from postproof.settings import Settings, resolve_home
from postproof.views import (
    capture_diff_json,
    capture_json,
    cron_json,
    event_json,
    post_json,
    watched_json,
)

if TYPE_CHECKING:
    import storage
    from postproof.runs import OnEvent

schedule_app = typer.Typer(
    help="The crontab entry that runs `postproof recheck --due`.",
    no_args_is_help=True,
    add_completion=False,
)


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
    include_retracted: IncludeRetractedOpt = False,
    home: HomeOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Re-capture watched posts and record what changed: deleted, edited, media, restored…

    Safe under cron: never prompts, one run at a time (an overlapping run exits 0), logs to
    logs/recheck.log in the data home. --json prints one JSON object per line per event, then
    a summary object ("summary": true) as the last line. A retracted capture is never the
    baseline nor a confirming check, and a post whose every capture is retracted is skipped,
    unless --include-retracted.
    Example: postproof recheck --due --json
    """
    from watch import AlreadyRunning

    if sum([bool(posts), due, all_]) > 1:
        raise UsageError("Give POSTs, --due or --all, not several.")
    settings = Settings.load(home)
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
    ladder = replace(
        settings.recheck_options(intervals, confirmations),
        include_retracted=include_retracted,
    )
    with Run.open(settings, options) as run, logging_to(run.archive, "recheck.log"):
        on_event = event_printer(run.archive, as_json)
        try:
            done = run.recheck(posts or [], all_posts=all_, ladder=ladder, on_event=on_event)
        except AlreadyRunning as exc:
            logging.getLogger("postproof.recheck").info("skipped: %s", exc.message)
            err.print(esc(exc.message))
            if as_json:
                emit_line({"ok": True, "summary": True, "checked": 0, "statuses": {},
                           "events": 0, "skipped": exc.message})  # fmt: skip
            return
        if as_json:
            # Last line: one summary object, so that a run with no change still prints JSON.
            emit_line(recheck_summary(done))
        else:
            render_recheck(run.archive, done)
    if not as_json:
        statuses = ", ".join(f"{n} {s}" for s, n in sorted(done.report.statuses.items()))
        err.print(
            f"Re-checked {done.report.checked} post(s)"
            + (f" ({statuses})" if statuses else "")
            + f"; {len(done.report.events)} change(s)."
            + (
                f" {done.report.skipped_retracted} post(s) skipped: every capture of them is "
                "retracted."
                if done.report.skipped_retracted
                else ""
            )
        )
    if fail_on_change and (done.report.events or done.earlier):
        raise typer.Exit(ExitCode.CHANGED)


@contextmanager
def logging_to(archive: storage.Archive, name: str) -> Iterator[None]:
    """Log postproof's messages (INFO and up) to ``name`` in the data home's logs folder."""
    handler = logging.FileHandler(archive.logs_dir / name, encoding="utf-8")
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handler.setLevel(logging.INFO)
    root_logger = logging.getLogger("postproof")
    root_logger.addHandler(handler)
    root_logger.setLevel(min(root_logger.level or logging.INFO, logging.INFO))
    try:
        yield
    finally:
        root_logger.removeHandler(handler)
        handler.close()


def event_printer(archive: storage.Archive, as_json: bool) -> OnEvent:
    """Log each change as it is found; with --json, also print it as one line."""
    log = logging.getLogger("postproof.recheck")

    def on_event(event: storage.EventRecord, earlier_run: bool) -> None:
        log.info("event %s on post %s: %s", event.kind, event.post_id, event.summary)
        if as_json:
            data = event_json(archive, event)
            if earlier_run:
                data["earlier_run"] = True
            emit_line(data)

    return on_event


def recheck_summary(done: RecheckOutcome) -> dict[str, Any]:
    return {
        "ok": True,
        "summary": True,
        "checked": done.report.checked,
        "statuses": dict(done.report.statuses),
        "events": len(done.report.events),
        "earlier_events": len(done.earlier),
        "skipped_retracted": done.report.skipped_retracted,
    }


def render_recheck(archive: storage.Archive, done: RecheckOutcome) -> None:
    if done.earlier:
        out.print(
            f"{len(done.earlier)} change(s) found by an earlier run that was stopped "
            "before it could report them:"
        )
        render_events(archive, done.earlier)
    render_events(archive, done.report.events)


def render_events(archive: storage.Archive, events: list[storage.EventRecord]) -> None:
    for event in events:
        data = event_json(archive, event)
        style = "red" if event.kind in ("deleted", "suspended") else "yellow"
        out.print(
            f"[{style}]{event.kind}[/] {esc(str(data['url']))}  "
            f"{event.before_capture_id or '—'} → {event.after_capture_id}"
        )
        out.print(f"    {event.summary}", markup=False)


@handles_errors
def watch_(
    posts: PostsArg = None,
    list_: Annotated[
        bool,
        typer.Option(
            "--list",
            help="List the watched posts: last check, next check, changes awaiting confirmation.",
        ),
    ] = False,
    home: HomeOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Watch posts again: they are re-checked by `postproof recheck --due`; or --list them.

    Every captured post is watched unless captured with --no-watch. --list shows every watched
    post with its last check, its next, and the changes its checks have seen but not yet
    confirmed (a deletion seen once, awaiting its second check).
    Example: postproof watch k3m9q2xa
    Example: postproof watch --list --json
    """
    if list_:
        if posts:
            raise UsageError("Give posts to watch, or --list, not both.")
        list_watched(home, as_json)
        return
    set_watched(posts, True, home, as_json)


def list_watched(home: Path | None, as_json: bool) -> None:
    """`watch --list`: where every watched post stands, as the re-checks see it."""
    import watch

    settings = Settings.load(home)
    options = settings.recheck_options(None, None)
    with opened_archive(settings.home) as archive:
        watched = watch.watched_posts(archive, options)
    if as_json:
        emit_json({"ok": True, "watched": [watched_json(w) for w in watched]})
        return
    if not watched:
        err.print("No post is watched: every captured post is, unless captured with --no-watch.")
        return
    table = Table(pad_edge=False)
    for column in ("url", "platform", "last check (UTC)", "status", "next check (UTC)", "pending"):
        table.add_column(column, overflow="fold")
    for row in map(watched_json, watched):
        table.add_row(
            esc(row["url"]),
            row["platform"],
            row["last_checked_at"] or "—",
            row["status"] or "—",
            row["next_check_at"] or "next run",
            "; ".join(
                f"{p['kind']}: seen by {p['seen']} of {p['needed']} checks since {p['since']}"
                for p in row["pending"]
            )
            or "—",
        )
    out.print(table)


@handles_errors
def unwatch(posts: PostsArg = None, home: HomeOpt = None, as_json: JsonOpt = False) -> None:
    """Stop re-checking posts (their captures stay).

    Example: postproof unwatch https://x.com/someone/status/1893456789012345678
    """
    set_watched(posts, False, home, as_json)


def set_watched(posts: list[str] | None, watched: bool, home: Path | None, as_json: bool) -> None:
    if not posts:
        raise UsageError("Name at least one post (a capture id or a URL).")
    with opened_archive(resolve_home(home)) as archive:
        ids = [archive.find_post_id(post_ref(p)) for p in posts]
        changed = archive.watchlist.set_watched(ids, watched)
    if as_json:
        emit_json({"ok": True, "posts": changed, "watched": watched})
    else:
        out.print(f"{'Watching' if watched else 'No longer watching'} {changed} post(s).")


def post_ref(text: str) -> str:
    """A capture id as given; a URL as its post's canonical URL."""
    from postproof.commands.capture import post_url

    return post_url(text) if "/" in text or "." in text else text


@handles_errors
def history(
    post: Annotated[str, typer.Argument(help="A capture id or the URL of a captured post.")],
    home: HomeOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """The timeline of a post: every capture and every change found, oldest first.

    Example: postproof history https://x.com/someone/status/1893456789012345678
    """
    with opened_archive(resolve_home(home)) as archive:
        post_id = archive.find_post_id(post_ref(post))
        record = archive.watchlist.post(post_id)
        captures = archive.history(post_id)
        events = archive.watchlist.events(post_id)
        event_rows = [event_json(archive, e) for e in events]
    if as_json:
        emit_json(
            {
                "ok": True,
                "post": post_json(record),
                "captures": [capture_json(c, artifacts=False) for c in captures],
                "events": event_rows,
            }
        )
        return
    render_history(record, captures, event_rows)


def render_history(
    record: storage.PostRecord,
    captures: list[storage.CaptureRecord],
    event_rows: list[dict[str, Any]],
) -> None:
    from archiver import isoformat_z

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
            f"capture {c.id}  {c.status}"
            + (f" — {c.reason}" if c.reason else "")
            + (f"  {retracted_line(c.retracted)}" if c.retracted else ""),
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


@handles_errors
def diff(
    before: Annotated[str, typer.Argument(help="The earlier capture id.")],
    after: Annotated[str, typer.Argument(help="The later capture id.")],
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Where to write the side-by-side PNG.")
    ] = None,
    force: Annotated[
        bool,
        typer.Option(
            "--force",
            help="Overwrite OUTPUT if it exists; compare captures of two different posts too.",
        ),
    ] = False,
    home: HomeOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Compare two captures of one post: the word diff of the post text, and a side-by-side image
    of the two post screenshots with the changed regions marked.

    Example: postproof diff k3m9q2xa 7hq3m2wd -o changes.png
    """
    import watch
    from archiver import isoformat_z

    with opened_archive(resolve_home(home)) as archive:
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
        compared = capture_diff_json(a, b)
        text_a, text_b = watch.normalize_text(a.text), watch.normalize_text(b.text)
        path, regions = write_side_by_side(a, b, output, force=force)
    if as_json:
        image = str(path.resolve()) if path else None
        emit_json(compared | {"image": image, "regions": regions})
        return
    left, right = (f"[bold]{c.id}[/] ({isoformat_z(c.started_at)}, {c.status})" for c in (a, b))
    out.print(f"{left} → {right}")
    if text_a == text_b:
        out.print("  The post text is the same.")
    else:
        out.print("  " + watch.render_diff(text_a, text_b), markup=False)
    for change in compared["changes"]:
        out.print(f"  {change['kind']}: {change['summary']}", markup=False)
    if path:
        out.print(
            f"  Side-by-side image: {esc(str(path.resolve()))} ({len(regions)} changed region(s))"
        )


def write_side_by_side(
    a: storage.CaptureRecord, b: storage.CaptureRecord, output: Path | None, *, force: bool
) -> tuple[Path | None, list[dict[str, int]]]:
    """The two post screenshots side by side, changed regions marked, written to ``output``
    (default: a name made of both ids; an existing file only with ``force``); ``None`` when
    one capture has no screenshot."""
    import watch
    from archiver import ArtifactKind

    shots = [
        c.artifact(ArtifactKind.POST_SCREENSHOT) or c.artifact(ArtifactKind.SCREENSHOT)
        for c in (a, b)
    ]
    if shots[0] is None or shots[1] is None:
        return None, []
    png, boxes = watch.side_by_side(
        shots[0].read_bytes(), shots[1].read_bytes(), labels=(a.id, b.id)
    )
    path = check_output(output or Path(f"postproof-diff-{a.id}-{b.id}.png"), force=force)
    try:
        path.write_bytes(png)
    except OSError as exc:
        raise UsageError(f"Cannot write {path}: {exc.strerror or exc}.") from exc
    return path, [{"x": x.x, "y": x.y, "width": x.width, "height": x.height} for x in boxes]


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
    import watch
    from archiver import isoformat_z

    settings = Settings.load(home)
    with opened_archive(settings.home) as archive:
        entry = watch.install_schedule(
            watch.parse_every(every),
            home=archive.home.resolve(),
            postproof=Path(sys.executable).with_name("postproof").resolve(),
            log=(archive.logs_dir / "cron.log").resolve(),
            tabfile=settings.crontab_file,
        )
    if as_json:
        emit_json({"ok": True, "entry": cron_json(entry)})
        return
    out.print(f"Installed: [bold]{entry.schedule}[/] {esc(entry.command)}")
    out.print("Next runs: " + ", ".join(isoformat_z(t) or "" for t in entry.next_runs))


@schedule_app.command("show")
@handles_errors
def schedule_show(home: HomeOpt = None, as_json: JsonOpt = False) -> None:
    """Show this data home's crontab entry and its next runs.

    Example: postproof schedule show
    """
    import watch
    from archiver import isoformat_z

    settings = Settings.load(home)
    with opened_archive(settings.home) as archive:
        entry = watch.show_schedule(home=archive.home.resolve(), tabfile=settings.crontab_file)
    if as_json:
        emit_json({"ok": True, "entry": cron_json(entry) if entry else None})
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
    import watch

    settings = Settings.load(home)
    with opened_archive(settings.home) as archive:
        removed = watch.remove_schedule(home=archive.home.resolve(), tabfile=settings.crontab_file)
    if as_json:
        emit_json({"ok": True, "removed": removed})
    else:
        out.print("Removed the re-check entry." if removed else "There was no re-check entry.")
