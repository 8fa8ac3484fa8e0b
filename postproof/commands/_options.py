"""Options and arguments shared by several commands, declared once."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated

import typer

from archiver.errors import UsageError
from postproof.settings import CaptureFlags

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

# Capture options, shared by every command that captures.
ConcurrencyOpt = Annotated[
    int | None,
    typer.Option("--concurrency", "-c", help="Pages captured at once.", show_default=False),
]
TimeoutOpt = Annotated[
    float | None,
    typer.Option("--timeout", help="Seconds allowed per capture (default 60).", show_default=False),
]
AllowPrivateOpt = Annotated[
    bool,
    typer.Option("--allow-private", help="Allow private, loopback and link-local addresses."),
]
AllowPrivateHostOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--allow-private-host",
        help="Allow this one host on a private address (repeatable).",
        show_default=False,
    ),
]
InsecureOpt = Annotated[
    bool, typer.Option("--insecure", "-k", help="Accept invalid TLS certificates (recorded).")
]
HostMapOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--host-map",
        help="Send requests for HOST to ADDRESS:PORT (HOST=ADDRESS:PORT).",
        show_default=False,
    ),
]

ForceOpt = Annotated[
    bool, typer.Option("--force", help="Overwrite the output file if it already exists.")
]

ArticleArg = Annotated[str, typer.Argument(help="An article id (or a unique prefix of it).")]
ClaimArg = Annotated[str, typer.Argument(help="A claim: ARTICLE#N, as `claim list` shows.")]
PostsArg = Annotated[
    list[str] | None,
    typer.Argument(help="Posts: capture ids or URLs of captured posts.", show_default=False),
]
IncludeRetractedOpt = Annotated[
    bool,
    typer.Option(
        "--include-retracted",
        help="Count retracted captures and articles too (left out by default).",
    ),
]


def capture_flags(
    *,
    timeout: float | None,
    concurrency: int | None,
    allow_private: bool,
    allow_private_host: list[str] | None,
    insecure: bool,
    host_map: list[str] | None,
) -> CaptureFlags:
    """The capture options as given on the command line, in one value."""
    return CaptureFlags(
        timeout=timeout,
        concurrency=concurrency,
        allow_private=allow_private,
        allow_private_hosts=tuple(allow_private_host or ()),
        insecure=insecure,
        host_map=tuple(host_map or ()),
    )


def require_positive(option: str, value: int) -> None:
    if value < 1:
        raise UsageError(f"{option} must be 1 or more, not {value}.")


def check_output(path: Path, *, force: bool) -> Path:
    """``path`` as a file a command may write: its folder must exist (postproof creates none),
    and a file already there is only replaced with ``--force``. Checked before anything is
    written, so a refused command leaves nothing behind."""
    folder = path.parent
    if not folder.exists():
        raise UsageError(
            f"the folder {folder} does not exist",
            hint=f"create it first (mkdir -p {folder}) or choose another path with -o",
        )
    if not folder.is_dir():
        raise UsageError(f"{folder} is not a folder", hint="choose another path with -o")
    if path.is_dir():
        raise UsageError(f"{path} is a folder", hint="give the path of a file with -o")
    if os.path.lexists(path) and not force:
        raise UsageError(
            f"{path} already exists",
            hint="pass --force to overwrite it, or choose another path with -o",
        )
    return path
