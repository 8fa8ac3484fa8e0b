"""What postproof prints: the two consoles, the exit codes, the JSON envelope, errors as
messages, and progress.

Data goes to stdout (``out``); logs, progress and messages about the run go to stderr (``err``).
Whatever a captured post holds is shown as text, never as a command to the terminal: both
consoles render control and bidi characters as visible escapes (see ``archiver.display``).
"""

from __future__ import annotations

import functools
import json
import os
import sys
from collections.abc import Callable
from enum import IntEnum
from typing import Any, TypeVar

import typer
from rich.console import (
    Console,
    ConsoleOptions,
    ConsoleRenderable,
    RenderHook,
    RenderResult,
    RichCast,
)
from rich.markup import escape as esc
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
)
from rich.segment import Segment

from archiver.display import json_escapes, visible
from archiver.errors import PostproofError

__all__ = [
    "ExitCode",
    "Steps",
    "emit_json",
    "emit_line",
    "err",
    "esc",
    "handles_errors",
    "new_command",
    "out",
    "progress_wanted",
]

F = TypeVar("F", bound=Callable[..., Any])


class ExitCode(IntEnum):
    """How a command ended; each command's help says which of these it uses."""

    OK = 0
    """Everything asked for was done."""
    ERROR = 1
    """An unexpected error (a bug), a storage error, or the browser crashed."""
    USAGE = 2
    """Bad input from the user, or no browser could be found."""
    INCOMPLETE = 3
    """At least one capture did not reach ``ok``, or no TSA stamped a checkpoint."""
    INTEGRITY = 4
    """Stored or exported evidence does not match its hashes, signatures or timestamps."""
    CHANGED = 5
    """``recheck --fail-on-change`` found a change."""
    INTERRUPTED = 130
    """Stopped by Ctrl-C (the shell's convention for SIGINT)."""


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
    # emoji=False: ":key:" in a did:key, or ":smile:" in a post, must print as written.
    console = Console(highlight=False, emoji=False, **kwargs)
    console.push_render_hook(_InertHook())
    return console


def _set_up(console: Console, *, stderr: bool) -> Console:
    """(Re)make ``console`` from the streams and environment in force now: a terminal or a pipe,
    COLUMNS, FORCE_COLOR. Piped into a file or a mail from cron, tables get room (160 columns)
    instead of 80-column folding."""
    kwargs: dict[str, Any] = {"stderr": True} if stderr else {"soft_wrap": True}
    Console.__init__(console, highlight=False, emoji=False, **kwargs)
    if not stderr and not console.is_terminal and "COLUMNS" not in os.environ:
        Console.__init__(console, highlight=False, emoji=False, soft_wrap=True, width=160)
    console.push_render_hook(_InertHook())
    return console


out = _set_up(Console.__new__(Console), stderr=False)
err = _set_up(Console.__new__(Console), stderr=True)


def new_command() -> None:
    """A command starts: its consoles look at its own streams and environment, not at those of
    whoever imported this module first (the same objects, made again in place)."""
    _set_up(out, stderr=False)
    _set_up(err, stderr=True)


def _write_json(value: object, *, indent: int | None) -> None:
    sys.stdout.write(json_escapes(json.dumps(value, ensure_ascii=False, indent=indent)) + "\n")
    sys.stdout.flush()


def emit_json(payload: Any) -> None:
    """Print one JSON document on stdout: for a command's result, the envelope
    ``{"ok": …, …}`` (``"error"`` and ``"hint"`` when it failed)."""
    _write_json(payload, indent=2)


def emit_line(payload: dict[str, Any]) -> None:
    """Print one JSON object on one line (JSON Lines), for commands that stream events."""
    _write_json(payload, indent=None)


INTERRUPTED_MESSAGE = "Interrupted. Captures already finished are stored; rerun to do the rest."


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
        except KeyboardInterrupt as exc:
            # Said here: Typer turns an interrupt that leaves the command into a silent exit.
            err.print(INTERRUPTED_MESSAGE)
            raise typer.Exit(ExitCode.INTERRUPTED) from exc

    return wrapper  # type: ignore[return-value]


def progress_wanted(as_json: bool) -> bool:
    """A progress bar only for a person at a terminal, never in JSON runs or under cron."""
    return not as_json and err.is_terminal


class Steps:
    """The progress of a run made of steps (reading an article, capturing its references,
    checking quotes…), on stderr for a person at a terminal: the step's name, a bar over its
    items and what the last item did. Not ``enabled``, it shows nothing and costs nothing.

    Use it as a context manager; nothing is drawn before the first :meth:`step`, and the bar
    goes away when the run ends."""

    def __init__(self, *, enabled: bool) -> None:
        self.enabled = enabled
        self._bar: Progress | None = None
        self._task: TaskID | None = None

    def __enter__(self) -> Steps:
        return self

    def __exit__(self, *_exc: object) -> None:
        if self._bar is not None:
            self._bar.stop()
            self._bar = self._task = None

    def step(self, name: str, total: int, doing: str = "") -> None:
        """Begin a step of ``total`` items (0: the step is not counted); ``doing`` says what
        happens until the first item is done."""
        if not self.enabled:
            return
        if self._bar is None:
            self._bar = Progress(
                TextColumn("[bold]{task.fields[step]}"),
                BarColumn(),
                MofNCompleteColumn(),
                TimeElapsedColumn(),
                TextColumn("{task.description}"),
                console=err,
                transient=True,
            )
            self._bar.start()
        if self._task is not None:
            self._bar.remove_task(self._task)
        self._task = self._bar.add_task(esc(doing), total=total or None, step=esc(name))
        self._bar.refresh()  # a short step is seen too

    def advance(self, description: str) -> None:
        """One item of the current step is done; ``description`` says how it went."""
        if self._bar is not None and self._task is not None:
            self._bar.update(self._task, advance=1, description=esc(description))
