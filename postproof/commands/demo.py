"""demo: the whole flow on the bundled demo story, served on 127.0.0.1."""

from __future__ import annotations

import shlex
from pathlib import Path
from typing import Annotated, Any

import typer

from postproof.commands._options import JsonOpt, TimeoutOpt
from postproof.output import ExitCode, emit_json, err, esc, handles_errors, out, progress_wanted
from postproof.render import (
    render_article_summary,
    render_capture_table,
    render_seal,
    report_figures,
)
from postproof.runs import Run
from postproof.settings import CaptureFlags, Settings, demo_home
from postproof.views import article_json, capture_json

GIVEN_HOME = "postproof.given_home"  # ctx.meta key: a --home given before the command


@handles_errors
def demo(
    ctx: typer.Context,
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
    from archiver import Status, adapter_for
    from claims import write_report
    from demo import build_demo_web, demo_story

    # The demo's posts are imitations with real-looking URLs: they never go into the reporter's
    # own append-only archive, only into a demo home beside it (or the one --home names).
    home = home or ctx.meta.get(GIVEN_HOME) or demo_home()
    settings = Settings.load(home)
    story = demo_story()
    with build_demo_web() as web:
        flags = CaptureFlags(
            timeout=timeout, allow_private=True, insecure=True, host_map=tuple(web.host_map())
        )
        options = settings.capture_options(flags)
        with Run.open(settings, options, show_progress=progress_wanted(as_json)) as run:
            if not as_json:
                err.print(
                    f"Demo site serving on 127.0.0.1:{web.port}; demo archive {run.archive.home} "
                    "(your own archive is not touched)"
                )
            added = run.add_article(story.article_url, again=True)
            seen = {c.canonical_url for c in added.captures}
            rest = [
                u for u in story.post_urls if adapter_for(u).post_ref(u).canonical_url not in seen
            ]
            records = added.captures + run.capture(rest).records
            path = output or run.archive.home / "reports" / f"demo-{added.article.id}.html"
            summary = write_report(run.archive, added.article.id, "html", path).summary.to_json()
            sealed = run.seal()
    all_ok = all(r.status == Status.OK.value for r in records)
    report = {"path": str(path.resolve()), "summary": summary}
    if as_json:
        emit_json(
            {
                "ok": all_ok,
                "captures": [capture_json(r) for r in records],
                "article": article_json(added.article, added.claims, added.links, added.references),
                "report": report,
                "log": sealed.to_json(),
                "home": str(home.resolve()),
            }
        )
    else:
        render_capture_table(records)
        render_article_summary(added.article, added.claims, added.links, added.references)
        render_seal(sealed)
        render_demo_end(home, path, summary)
    if not all_ok:
        raise typer.Exit(ExitCode.INCOMPLETE)


def render_demo_end(home: Path, report: Path, summary: dict[str, Any]) -> None:
    out.print(f"[bold]Report:[/] {esc(str(report.resolve()))}")
    out.print(report_figures(summary))
    out.print(f"Demo archive: {esc(str(home.resolve()))}")
    flag = f"--home {esc(shlex.quote(str(home.resolve())))}"
    out.print(
        f"Browse it with: postproof list {flag}; check it with: postproof verify --all {flag}"
    )
