"""retract: take a capture or an article back from the record, without rewriting the record."""

from __future__ import annotations

from typing import Annotated

import typer

from postproof.commands._options import HomeOpt, JsonOpt
from postproof.output import emit_json, esc, handles_errors, out
from postproof.render import render_seal
from postproof.runs import opened_archive, seal_log
from postproof.settings import Settings
from postproof.views import retraction_record_json


@handles_errors
def retract(
    target: Annotated[
        str, typer.Argument(help="A capture id or an article id (or a unique prefix of one).")
    ],
    reason: Annotated[
        str,
        typer.Option(
            "--reason", help="Why it is retracted: kept, signed and logged.", show_default=False
        ),
    ],
    home: HomeOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Retract a capture or an article: a signed, logged record of why; nothing is deleted.

    The retraction, with its reason and time, is an entry of its own in the transparency log;
    the record it retracts is never edited. Retracted captures and articles leave list,
    recheck, link suggestions and reports (--include-retracted keeps them); show, history and
    verify mark them. A capture or an article is retracted once: exits 2 when it already is,
    or for an unknown id.
    Example: postproof retract k3m9q2xa --reason "captured from a spoofed page"
    """
    settings = Settings.load(home)
    with opened_archive(settings.home) as archive:
        retraction = archive.retract(target, reason)
        # Like a capture run, the run ends with the log sealed over what it added.
        sealed = seal_log(archive, settings)
    if as_json:
        emit_json(
            {"ok": True, "retraction": retraction_record_json(retraction), "log": sealed.to_json()}
        )
        return
    out.print(
        f"Retracted {retraction.target_kind} [bold]{retraction.target_id}[/]: "
        f"{esc(retraction.reason)} (log entry {retraction.log_index})"
    )
    render_seal(sealed)
