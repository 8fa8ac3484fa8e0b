"""The web app's jobs on the shared archive: put on its task queue for ``postproof worker`` to
run, instead of this server's own thread, and read back from the queue (its status, the
captures it stored, why it failed) whenever a page, the API or the live progress asks.

A job is shown with the web app's job shape (:class:`postproof.web._jobs.Job`): its id is the
queue's, its events are made from what the queue says (queued, started, a ``stored`` for each
capture, then done or failed), in that order, each once.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from archiver.errors import UsageError
from archiver.models import utcnow
from postproof.web._jobs import Job, Work

if TYPE_CHECKING:
    import storage
    from storage._jobs import JobRecord


class QueuedJobs:
    """The jobs of one server on the shared archive's queue (see the module docstring)."""

    def __init__(self, archive: storage.Archive) -> None:
        self.archive = archive

    def submit(self, kind: str, asked: list[str], user: str, work: Work) -> Job:
        from storage._jobs import NewJob

        [job_id] = self.archive.jobs.enqueue([NewJob(work.kind, {**work.args, "user": user})])
        found = self.get(str(job_id))
        if found is None:  # put on the queue a moment ago; jobs are not deleted
            raise UsageError(f"queued job {job_id} vanished", hint="please report this bug")
        found.asked = asked
        return found

    def get(self, job_id: str) -> Job | None:
        if not job_id.isdigit():
            return None
        try:
            record = self.archive.jobs.get(int(job_id))
        except UsageError:
            return None
        job = Job(
            id=str(record.id),
            kind=record.kind,
            asked=_asked(record.args),
            user=str(record.args.get("user") or ""),
            created_at=record.queued_at or utcnow(),
        )
        job.refresh = lambda: self._follow(job)
        self._show(job, record)
        return job

    def stop(self) -> None:
        """Nothing to stop: the workers run the jobs."""

    def _follow(self, job: Job) -> None:
        self._show(job, self.archive.jobs.get(int(job.id)))

    def _show(self, job: Job, record: JobRecord) -> None:
        job.state = "failed" if record.state == "cancelled" else record.state
        job.error = record.error if job.state == "failed" else None
        job.captures = list(record.captures)
        if job.kind == "capture" and len(job.asked) == 1 and record.captures:
            job.result_url = f"/captures/{record.captures[0]}"
        for kind, data in self._events(job, record)[len(job.events) :]:
            job.emit(kind, **data)

    def _events(self, job: Job, record: JobRecord) -> list[tuple[str, dict[str, Any]]]:
        events: list[tuple[str, dict[str, Any]]] = [("queued", {"asked": job.asked})]
        if job.state == "queued":
            return events
        events.append(("started", {}))
        for capture_id in record.captures:
            capture = self.archive.get_capture(capture_id)
            stored = {"capture_id": capture_id, "status": capture.status}
            events.append(("stored", stored | {"url": capture.requested_url}))
        if job.state in ("done", "failed"):
            final = {"error": job.error, "captures": job.captures, "url": job.result_url}
            events.append((job.state, final))
        return events


def _asked(args: dict[str, Any]) -> list[str]:
    if args.get("urls"):
        return [str(u) for u in args["urls"]]
    found = args.get("url") or args.get("title") or "(a draft)"
    return [str(found)]
