"""user: the people who may use the web app (``postproof serve``) and their API tokens."""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from archiver.errors import UsageError
from postproof.commands._options import HomeOpt, JsonOpt
from postproof.output import emit_json, err, esc, handles_errors, out
from postproof.runs import opened_archive
from postproof.settings import resolve_home
from postproof.views import user_json

user_app = typer.Typer(
    help="The people who may use the web app (postproof serve), and their API tokens.",
    no_args_is_help=True,
    add_completion=False,
)

ROLES = "viewer (reads), editor (also captures), admin (also manages users)"


def read_password(from_stdin: bool) -> str:
    """The new password: the first line of stdin with ``--password-stdin``, else asked twice at
    a terminal. Never asked when nobody is there to answer (cron, a pipe)."""
    if from_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    if not sys.stdin.isatty():
        raise UsageError(
            "no terminal to ask for the password",
            hint="pass --password-stdin and give the password on standard input",
        )
    first = typer.prompt("Password", hide_input=True, err=True)
    if typer.prompt("Again", hide_input=True, err=True) != first:
        raise UsageError("the two passwords differ", hint="run the command again")
    return str(first)


@user_app.command("add")
@handles_errors
def user_add(
    name: Annotated[str, typer.Argument(help="The user's name (lower case, e.g. alice).")],
    role: Annotated[str, typer.Option("--role", "-r", help=f"One of {ROLES}.")] = "viewer",
    password_stdin: Annotated[
        bool,
        typer.Option("--password-stdin", help="Read the password from the first line of stdin."),
    ] = False,
    home: HomeOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Add a user of the web app. The password (10 characters or more) is asked at the terminal,
    or read from stdin with --password-stdin; only its argon2 hash is kept.

    Example: postproof user add alice --role admin
    """
    from storage import parse_role

    wanted = parse_role(role)
    password = read_password(password_stdin)
    with opened_archive(resolve_home(home)) as archive:
        record = archive.users.add(name, wanted, password)
    if as_json:
        emit_json({"ok": True, "user": user_json(record)})
        return
    out.print(f"Added {esc(record.name)} ({record.role.value}).")


@user_app.command("list")
@handles_errors
def user_list(home: HomeOpt = None, as_json: JsonOpt = False) -> None:
    """List the users of the web app, their roles and how many API tokens each has.

    Example: postproof user list
    """
    with opened_archive(resolve_home(home)) as archive:
        records = archive.users.all()
    if as_json:
        emit_json({"ok": True, "users": [user_json(r) for r in records]})
        return
    if not records:
        err.print("No users yet: postproof user add NAME --role admin")
    for r in records:
        tokens = f", {r.tokens} API token(s)" if r.tokens else ""
        out.print(f"{esc(r.name)}  {r.role.value}  added {r.created_at:%Y-%m-%d}{tokens}")


@user_app.command("remove")
@handles_errors
def user_remove(
    name: Annotated[str, typer.Argument(help="The user to remove.")],
    home: HomeOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Remove a user with their API tokens and sessions (signed-in browsers are signed out).
    What they captured stays in the archive.

    Example: postproof user remove bob
    """
    with opened_archive(resolve_home(home)) as archive:
        removed = archive.users.remove(name)
    if as_json:
        emit_json({"ok": True, "removed": removed})
        return
    if not removed:
        raise UsageError(f"no user named {name!r}", hint="`postproof user list` shows them")
    out.print(f"Removed {esc(name)}.")


@user_app.command("token")
@handles_errors
def user_token(
    name: Annotated[str, typer.Argument(help="The user the token acts as.")],
    label: Annotated[
        str | None, typer.Option("--label", help="What the token is for (shown in lists).")
    ] = None,
    revoke: Annotated[
        bool, typer.Option("--revoke", help="Remove every API token of the user instead.")
    ] = False,
    home: HomeOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Make an API token for a script: it acts as the user, with the user's role, on /api/ of
    the web app (header "Authorization: Bearer TOKEN"). The token is printed once; only its
    hash is kept. --revoke removes every token of the user.

    Example: curl -H "Authorization: Bearer $(postproof user token alice)" http://127.0.0.1:8765/api/captures
    """
    with opened_archive(resolve_home(home)) as archive:
        if revoke:
            count = archive.users.revoke_tokens(name)
        else:
            token = archive.users.new_token(name, label)
    if revoke:
        if as_json:
            emit_json({"ok": True, "revoked": count})
        else:
            out.print(f"Revoked {count} token(s) of {esc(name)}.")
        return
    if as_json:
        emit_json({"ok": True, "user": name, "token": token})
        return
    out.print(token, markup=False)
    err.print("Keep it secret: it is shown only this once.")
