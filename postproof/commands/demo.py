"""demo: the whole flow on the bundled demo story, served on 127.0.0.1."""

from __future__ import annotations

import shlex
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

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

if TYPE_CHECKING:
    import storage
    from claims import AddedArticle
    from demo import FakeWeb, Story

GIVEN_HOME = "postproof.given_home"  # ctx.meta key: a --home given before the command


@dataclass(frozen=True)
class DemoRun:
    """What one run of the demo made: its captures, the article, the sealed log, the report."""

    records: list[storage.CaptureRecord]
    added: AddedArticle
    sealed: storage.SealReport
    report: Path
    summary: dict[str, Any]


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
    serve: Annotated[
        bool,
        typer.Option(
            "--serve",
            help="After the demo, open the web app on the demo's archive and keep the demo "
            "site running, until Ctrl-C; print the app's address, how to sign in and the "
            "command that captures from the demo site by hand.",
        ),
    ] = False,
    port: Annotated[
        int,
        typer.Option(
            "--port",
            help="With --serve, the web app's port (0: any free one); archived pages are "
            "shown from the next one.",
        ),
    ] = 8765,
) -> None:
    """Run the whole flow on the bundled demo story, served on 127.0.0.1.

    The demo site imitates X, Mastodon, Bluesky and a French news site on a loopback port;
    postproof reaches it through --host-map, so the captures carry the platforms' real URLs.
    It adds the demo article, captures the posts it cites (and the story's other posts),
    links claims to evidence, checks quotes (one lives inside an e-mail screenshot), seals
    the log and writes the HTML report. With --serve, the web app (`postproof serve`) opens on
    the demo's archive, its admin `demo` given a new password printed once, and the demo site
    stays up for captures from the app or by hand; Ctrl-C stops both (exit 0).
    Example: postproof demo
    Example: postproof demo --serve
    """

    def say(text: str) -> None:  # what the demo is doing, before any bar shows it
        if not as_json:
            err.print(esc(text))

    say("Starting the demo site on 127.0.0.1…")
    from demo import build_demo_web, demo_story

    # The demo's posts are imitations with real-looking URLs: they never go into the reporter's
    # own append-only archive, only into a demo home beside it (or the one --home names).
    home = (home or ctx.meta.get(GIVEN_HOME) or demo_home()).resolve()
    story = demo_story()
    with build_demo_web() as web:
        say(
            f"Demo site serving on 127.0.0.1:{web.port}; opening the demo archive {home} "
            "(your own archive is not touched)…"
        )
        made = run_demo(web, story, home, timeout=timeout, output=output, as_json=as_json)
        all_ok = all(r.status == "ok" for r in made.records)
        if not serve:
            if as_json:
                emit_json(demo_json(made, home, all_ok))
            else:
                render_demo(made, home)
        else:
            hand = hand_capture(web, story, home)
            if not as_json:
                render_demo(made, home)
                render_hand_capture(hand)

            def ready(app: dict[str, Any]) -> None:
                if as_json:
                    emit_json(demo_json(made, home, all_ok) | {"serve": hand | {"app": app}})
                else:
                    render_app(app)

            serve_app(web, home, port, ready)
    if not all_ok:
        raise typer.Exit(ExitCode.INCOMPLETE)


def run_demo(
    web: FakeWeb,
    story: Story,
    home: Path,
    *,
    timeout: float | None,
    output: Path | None,
    as_json: bool,
) -> DemoRun:
    """Add the demo article, capture the story's posts, seal the log, then write the report:
    sealed first, so the report shows each piece of evidence under a signed checkpoint."""
    from archiver import canonical_url
    from claims import write_report

    settings = Settings.load(home)
    flags = CaptureFlags(
        timeout=timeout, allow_private=True, insecure=True, host_map=tuple(web.host_map())
    )
    with Run.open(
        settings, settings.capture_options(flags), show_progress=progress_wanted(as_json)
    ) as run:
        if not as_json:
            err.print("Launching the browser to capture the demo article…")
        added = run.add_article(story.article_url, again=True)
        seen = {c.canonical_url for c in added.captures}
        rest = [u for u in story.post_urls if canonical_url(u) not in seen]
        records = added.captures + run.capture(rest).records
        sealed = run.seal()
        path = output or run.archive.home / "reports" / f"demo-{added.article.id}.html"
        summary = write_report(run.archive, added.article.id, "html", path).summary.to_json()
    return DemoRun(records, added, sealed, path.resolve(), summary)


def demo_json(made: DemoRun, home: Path, all_ok: bool) -> dict[str, Any]:
    added = made.added
    return {
        "ok": all_ok,
        "captures": [capture_json(r) for r in made.records],
        "article": article_json(added.article, added.claims, added.links, added.references),
        "report": {"path": str(made.report), "summary": made.summary},
        "log": made.sealed.to_json(),
        "home": str(home),
    }


def render_demo(made: DemoRun, home: Path) -> None:
    added = made.added
    render_capture_table(made.records)
    render_article_summary(added.article, added.claims, added.links, added.references)
    render_seal(made.sealed)
    out.print(f"[bold]Report:[/] {esc(str(made.report))}")
    out.print(report_figures(made.summary))
    out.print(f"Demo archive: {esc(str(home))}")
    flag = f"--home {esc(shlex.quote(str(home)))}"
    out.print(
        f"Browse it with: postproof list {flag}; check it with: postproof verify --all {flag}"
    )


def hand_capture(web: FakeWeb, story: Story, home: Path) -> dict[str, Any]:
    """How to reach the running demo site by hand: its port, its host map (every host it
    imitates, all on its port, so no request leaves the machine) and a capture command."""
    host_map = web.host_map()
    command = [
        "postproof",
        "capture",
        story.post_urls[0],
        "--host-map",
        ",".join(host_map),
        "--allow-private",
        "--insecure",
        "--home",
        str(home),
    ]
    return {
        "port": web.port,
        "host_map": host_map,
        "urls": [story.article_url, *story.post_urls],
        "home": str(home),
        "command": command,
    }


def render_hand_capture(hand: dict[str, Any]) -> None:
    out.print(
        f"[bold]Demo site serving on 127.0.0.1:{hand['port']}[/] until Ctrl-C; "
        f"demo archive {esc(hand['home'])}"
    )
    out.print("Its pages:")
    for url in hand["urls"]:
        out.print(f"  {url}", markup=False)
    out.print(
        "Capture one by hand (--host-map sends every host the demo imitates to it; "
        "--allow-private and --insecure accept its loopback address and test certificate):"
    )
    out.print("  " + shlex.join(hand["command"]), markup=False)


DEMO_USER = "demo"


def demo_admin(home: Path) -> str:
    """A new password for the demo archive's admin, ``demo`` (added when missing): printed
    once, kept only as its hash. The demo's archive holds imitations, never evidence, so a
    new password each time is the honest way to let the person who ran the demo in."""
    import secrets

    from postproof.runs import opened_archive
    from storage import Role

    password = secrets.token_urlsafe(12)
    with opened_archive(home) as archive:
        if any(user.name == DEMO_USER for user in archive.users.all()):
            archive.users.set_password(DEMO_USER, password)
        else:
            archive.users.add(DEMO_USER, Role.ADMIN, password)
    return password


def demo_settings(home: Path, web: FakeWeb) -> Settings:
    """The demo home's settings, with the demo site reachable as the demo reached it: the
    app's paste box captures the story's URLs from it, never from the internet."""
    settings = Settings.load(home)
    capture = replace(
        settings.capture,
        allow_private=True,
        insecure=True,
        host_map=(*settings.capture.host_map, *web.host_map()),
    )
    return replace(settings, capture=capture)


def serve_app(web: FakeWeb, home: Path, port: int, ready: Callable[[dict[str, Any]], None]) -> None:
    """``postproof serve`` on the demo's archive until Ctrl-C (an expected end, not an
    error); ``ready`` is told the app's address and how to sign in once it listens."""
    from postproof.web import ServeOptions, serve

    password = demo_admin(home)

    def listening(app_port: int, archive_port: int) -> None:
        app = {
            "url": f"http://127.0.0.1:{app_port}/",
            "archive_port": archive_port,
            "user": DEMO_USER,
            "password": password,
        }
        ready(app)

    try:
        serve(
            demo_settings(home, web),
            ServeOptions(port=port),
            announce=lambda text: err.print(esc(text)),
            ready=listening,
        )
    except KeyboardInterrupt:
        err.print(f"Stopping the demo site on 127.0.0.1:{web.port} and the web app.")


def render_app(app: dict[str, Any]) -> None:
    out.print(
        f"[bold]Web app on the demo archive: {esc(app['url'])}[/] until Ctrl-C "
        "(its paste box captures from the demo site)"
    )
    out.print(
        f"Sign in as [bold]{esc(app['user'])}[/] (admin) with the password "
        f"[bold]{esc(app['password'])}[/]: shown this once, only its hash is kept; "
        "the next `postproof demo --serve` gives a new one."
    )
