"""worker, jobs: the shared archive's capture workers, and the jobs on their queue."""

from __future__ import annotations

from typing import Annotated

import typer

from archiver.errors import UsageError
from postproof.commands._options import HomeOpt, JsonOpt, require_positive
from postproof.output import emit_json, err, esc, handles_errors, out
from postproof.runs import opened_archive
from postproof.settings import Settings, resolve_home

STATUS_HELP = "Only jobs in this status: queued, running, done, failed, cancelled."


@handles_errors
def worker(
    concurrency: Annotated[
        int,
        typer.Option("--concurrency", "-c", help="Jobs run at once by this worker."),
    ] = 2,
    recheck_every: Annotated[
        int,
        typer.Option(
            "--recheck-every",
            help="Seconds between looks for watched posts due a re-check, each put on the queue "
            "as a job of its own (0: this worker queues none; it still runs them).",
        ),
    ] = 60,
    home: HomeOpt = None,
) -> None:
    """Run capture, article and re-check jobs from the shared archive's task queue until
    stopped (SIGTERM or Ctrl-C: the jobs running then are finished first). Any number of
    workers, on any machines, may share one archive; a job whose worker dies is retried by
    another, and never stores its capture twice. Needs the shared archive (PostgreSQL).

    Example: POSTPROOF_DATABASE_URL=postgresql://postproof@db/news postproof worker -c 4
    """
    from postproof.worker import Worker

    require_positive("--concurrency", concurrency)
    if recheck_every < 0:
        raise UsageError("--recheck-every must be 0 or more seconds.")
    settings = Settings.load(home)
    err.print(f"Worker starting: up to {concurrency} job(s) at once; stop it with Ctrl-C.")
    Worker(settings, concurrency=concurrency, recheck_every=recheck_every).run()
    err.print("Worker stopped.")


@handles_errors
def jobs(
    job_ids: Annotated[
        list[int] | None,
        typer.Argument(
            help="Only these jobs (ids as `capture --queue` printed them).", show_default=False
        ),
    ] = None,
    status: Annotated[str | None, typer.Option("--status", help=STATUS_HELP)] = None,
    limit: Annotated[int, typer.Option("--limit", help="At most this many, newest first.")] = 100,
    home: HomeOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """List the jobs of the shared archive's task queue, newest first: what each asked for,
    its status and attempts, when it started and finished, the captures it stored, and why it
    failed. Needs the shared archive (PostgreSQL).

    Example: postproof jobs --status failed
    """
    require_positive("--limit", limit)
    with opened_archive(resolve_home(home)) as archive:
        found = archive.jobs.list(state=status, ids=job_ids or None, limit=limit)
    if as_json:
        emit_json({"ok": True, "jobs": [job.to_json() for job in found]})
        return
    if not found:
        err.print("No jobs match.")
        return
    for job in found:
        finished = job.finished_at or job.started_at or job.queued_at
        when = finished.isoformat(timespec="seconds") if finished else "—"
        out.print(
            f"[bold]{job.id}[/] {job.kind:8} {job.state:9} attempts {job.attempts}  {when}  "
            + esc(" ".join(job.urls) or str(job.args))
        )
        if job.captures:
            out.print(f"    captures: {' '.join(job.captures)}", markup=False)
        if job.error:
            out.print(f"    [red]error:[/] {esc(job.error)}")
