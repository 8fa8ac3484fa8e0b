"""Human output shared by several commands: the capture table, the seal line, an article's
summary and its claims. Text read from a page is escaped before it meets Rich markup."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from rich.table import Table

from postproof.output import err, esc, out

if TYPE_CHECKING:
    import storage

STATUS_STYLE = {
    "ok": "green",
    "not_found": "red",
    "suspended": "red",
    "login_wall": "yellow",
    "unavailable": "yellow",
    "blocked": "magenta",
}


SHOWN_IDS = 6  # capture ids printed beside a failure reason; the rest are counted


def render_capture_table(records: list[storage.CaptureRecord], *, captured: bool = False) -> None:
    """The captures, one row each (with ``captured``, the time each capture started), then
    each distinct failure reason once, with the captures that share it."""
    table = Table(show_lines=False, pad_edge=False)
    columns = ["id", "status", "platform", "author", "posted (UTC)", "url"]
    if captured:
        columns.insert(1, "captured (UTC)")
    for column in columns:
        table.add_column(column, overflow="fold")
    for r in records:
        style = STATUS_STYLE.get(r.status, "")
        who = " ".join(x for x in (r.author, f"({r.handle})" if r.handle else None) if x)
        row = [
            r.id,
            f"[{style}]{r.status}[/]" if style else r.status,
            r.platform,
            esc(who) or "—",
            r.posted_at.strftime("%Y-%m-%d %H:%M") if r.posted_at else "—",
            esc(r.canonical_url),
        ]
        if captured:
            row.insert(1, r.started_at.strftime("%Y-%m-%d %H:%M"))
        table.add_row(*row)
    out.print(table)
    render_reasons(records)


def render_reasons(records: list[storage.CaptureRecord]) -> None:
    """Why captures failed: each reason once, with the ids of the captures it stopped (counted
    beyond a few), in the order the table first shows it."""
    sharing: dict[str, list[str]] = {}
    for r in records:
        if r.reason:
            sharing.setdefault(r.reason, []).append(r.id)
    for reason, ids in sharing.items():
        shown = ", ".join(ids[:SHOWN_IDS])
        if len(ids) > SHOWN_IDS:
            shown += f" and {len(ids) - SHOWN_IDS} more"
        who = shown if len(ids) == 1 else f"{len(ids)} captures: {shown}"
        out.print(f"[dim]{esc(reason)} — {who}[/]")


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


def report_figures(summary: dict[str, Any]) -> str:
    """The figures of an evidence report, on one line."""
    return "  " + ", ".join(f"{k.replace('_', ' ')}: {v}" for k, v in summary.items())


def retracted_line(retraction: storage.RetractionRecord) -> str:
    """``retracted: <reason> (<time>)``, marked, for Rich markup (the reason is escaped)."""
    return f"[magenta]{esc(retraction.describe())}[/]"


def render_left_out(count: int, noun: str, *, shown: bool) -> None:
    """On stderr, under a listing that leaves retracted things out: how many, and how to see
    them, so that an empty or short listing never suggests there is nothing more."""
    if count == 0:
        return
    things = noun if count == 1 else f"{noun}s"
    lead = "" if shown else "Nothing to show: "
    err.print(
        f"{lead}{count} retracted {things} left out; "
        f"add --include-retracted to show {'it' if count == 1 else 'them'}, marked.",
        soft_wrap=True,  # one line, whatever the width: a script may look for it
    )


def render_retractions(records: list[storage.CaptureRecord]) -> None:
    """Under a table of captures: the retracted ones, each with why and when."""
    for r in records:
        if r.retracted is not None:
            out.print(f"{r.id}: {retracted_line(r.retracted)}")
