"""postproof's command line: every command registered in one place, the options that come before
the command, and the last resort for errors nobody expected.

Exit codes (see ``postproof.output.ExitCode``): 0 all ok, 1 unexpected or storage error,
2 usage error (or no browser), 3 at least one capture did not reach ``ok``, 4 integrity failure,
5 a change found by ``recheck --fail-on-change``.
"""

from __future__ import annotations

import atexit
import functools
import gc
import logging
import os
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.logging import RichHandler

import postproof
from postproof._collector import paused
from postproof.commands import (
    articles,
    auth,
    capture,
    demo,
    migrate,
    proofs,
    queued,
    retractions,
    serve,
    similar,
    users,
    watching,
)
from postproof.output import INTERRUPTED_MESSAGE, ExitCode, err, new_command, out

app = typer.Typer(
    name="postproof",
    help="Archive social posts with a real browser, keep tamper-evident proof, verify it later.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)


def _print_version(value: bool) -> None:
    if value:
        out.print(f"postproof {postproof.version()}", markup=False)
        raise typer.Exit()


@app.callback()
def root(
    ctx: typer.Context,
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
        # `postproof --home X cmd` means the same as `postproof cmd --home X`: the command's own
        # --home reads POSTPROOF_HOME. The demo, which never reads it, is told directly.
        os.environ["POSTPROOF_HOME"] = str(home.expanduser())
        ctx.meta[demo.GIVEN_HOME] = home.expanduser()
    level = logging.DEBUG if verbose else logging.WARNING
    console = RichHandler(console=err, show_path=False, show_time=False)
    # The handler keeps its own level: log files may ask for more detail than the terminal.
    console.setLevel(level)
    # --verbose: postproof's own details; the libraries' (image decoders, the event loop, the
    # database driver) only from INFO up, or they would drown them.
    logging.basicConfig(
        level=logging.INFO if verbose else logging.WARNING,
        format="%(message)s",
        handlers=[console],
    )
    logging.getLogger("postproof").setLevel(level)


# Commands, in the order --help lists them.
app.command()(capture.capture)
app.command("list")(capture.list_)
app.command()(capture.show)
app.command()(proofs.verify)
app.command()(proofs.export)
app.command()(proofs.certificate)
app.command()(proofs.timestamp)
app.command()(articles.link)
app.command()(articles.unlink)
app.command()(articles.cite)
app.command()(articles.report)
app.command()(retractions.retract)
app.command()(watching.recheck)
app.command("watch")(watching.watch_)
app.command()(watching.unwatch)
app.command()(watching.history)
app.command()(watching.diff)
app.command()(similar.similar)
app.command()(demo.demo)
app.command()(serve.serve)
app.command()(queued.worker)
app.command()(queued.jobs)
app.command("migrate-archive")(migrate.migrate_archive)


@functools.cache  # once per process: main runs many times in the tests' process
def _quick_exit() -> None:
    """Leave the objects the process still holds to the system when it exits: by then every
    command has closed its archive and flushed its output, and the interpreter's last collections
    over the libraries' objects (SQLAlchemy, Playwright, Pydantic) cost a quarter of a CPU-second
    at every run. Frozen, they are not traversed; the exit handlers still run (after this one,
    which is registered first), and nothing is skipped but the collection."""
    atexit.register(gc.freeze)


# Command groups, listed after the commands.
app.add_typer(articles.article_app, name="article")
app.add_typer(articles.claim_app, name="claim")
app.add_typer(watching.schedule_app, name="schedule")
app.add_typer(auth.auth_app, name="auth")
app.add_typer(proofs.key_app, name="key")
app.add_typer(users.user_app, name="user")


@functools.cache
def _command_line() -> typer.core.TyperGroup:
    """The command line, built once per process: building it reads every command's signature
    and type hints (30 ms), which a process that runs many commands (the test suite, a program
    embedding postproof) would otherwise pay at each."""
    from typer.main import get_command

    group = get_command(app)
    assert isinstance(group, typer.core.TyperGroup)
    return group


def main() -> None:
    _quick_exit()
    new_command()
    try:
        with paused():  # until the command opens its archive: see postproof._collector
            _command_line()()
    except KeyboardInterrupt:
        err.print(INTERRUPTED_MESSAGE)
        sys.exit(ExitCode.INTERRUPTED)
    except Exception:  # noqa: BLE001 -- the last resort: anything else is a bug in postproof
        err.print_exception(show_locals=False)
        err.print(
            "[bold red]postproof stopped on an unexpected error.[/] This is a bug: please report "
            "it with the command you ran and the message above. Captures already finished are "
            "stored and `postproof verify --all` checks them."
        )
        sys.exit(ExitCode.ERROR)
