"""auth: login cookies for sites that show posts only to logged-in users."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from postproof.commands._options import HomeOpt, JsonOpt
from postproof.output import emit_json, esc, handles_errors, out
from postproof.runs import opened_archive
from postproof.settings import resolve_home

auth_app = typer.Typer(
    help="Login cookies for sites that show posts only to logged-in users.",
    no_args_is_help=True,
    add_completion=False,
)


@auth_app.command("import")
@handles_errors
def auth_import(
    domain: Annotated[str, typer.Argument(help="The site's domain, e.g. x.com.")],
    file: Annotated[
        Path, typer.Argument(help="A Netscape cookies.txt or a Playwright storage-state JSON.")
    ],
    home: HomeOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Import login cookies for DOMAIN: kept in the data home with file mode 0600, given to the
    browser only when capturing that domain (or its subdomains), never written into evidence.

    Example: postproof auth import instagram.com ~/Downloads/cookies.txt
    """
    with opened_archive(resolve_home(home)) as archive:
        record = archive.auth.import_file(domain, file)
    if as_json:
        emit_json({"ok": True, "auth": record.to_json()})
        return
    out.print(
        f"Imported {len(record.cookie_names)} cookie(s) for {esc(record.domain)} "
        f"({esc(', '.join(record.cookie_names))}) into {esc(str(record.path))} (mode 0600)."
    )
    if record.dropped:
        out.print(f"Left out {record.dropped} cookie(s) of other sites.")
    if record.expires_at:
        out.print(f"The first of them expires {record.expires_at:%Y-%m-%d %H:%M} UTC.")
    out.print(
        "Captures of this site now run logged in as that account; the capture says so, and "
        "cookie values never appear in what postproof stores or exports."
    )


@auth_app.command("list")
@handles_errors
def auth_list(home: HomeOpt = None, as_json: JsonOpt = False) -> None:
    """List the domains with imported cookies (names only, never values).

    Example: postproof auth list
    """
    with opened_archive(resolve_home(home)) as archive:
        records = archive.auth.records()
    if as_json:
        emit_json({"ok": True, "auth": [r.to_json() for r in records]})
        return
    if not records:
        out.print("No cookies imported. Use `postproof auth import DOMAIN FILE`.")
    for r in records:
        expiry = f", first expiry {r.expires_at:%Y-%m-%d}" if r.expires_at else ""
        out.print(f"{esc(r.domain)}: {len(r.cookie_names)} cookie(s){expiry}")


@auth_app.command("remove")
@handles_errors
def auth_remove(
    domain: Annotated[str, typer.Argument(help="The domain to forget.")],
    home: HomeOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Delete the cookies imported for DOMAIN.

    Example: postproof auth remove instagram.com
    """
    with opened_archive(resolve_home(home)) as archive:
        removed = archive.auth.remove(domain)
    if as_json:
        emit_json({"ok": True, "removed": removed})
        return
    out.print("Removed." if removed else f"No cookies were imported for {esc(domain)}.")
