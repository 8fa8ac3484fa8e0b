"""serve: the archive in a browser."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from postproof.commands._options import HomeOpt
from postproof.output import err, esc, handles_errors
from postproof.settings import Settings


@handles_errors
def serve(
    host: Annotated[
        str,
        typer.Option(
            "--host", help="Address to listen on. Beyond 127.0.0.1 an admin user must exist."
        ),
    ] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", help="The app's port (0: any free one).")] = 8765,
    archive_port: Annotated[
        int | None,
        typer.Option(
            "--archive-port",
            help="Port of the origin archived pages are shown from (default: --port + 1).",
            show_default=False,
        ),
    ] = None,
    certfile: Annotated[
        Path | None, typer.Option("--certfile", help="TLS certificate (PEM), to serve HTTPS.")
    ] = None,
    keyfile: Annotated[
        Path | None, typer.Option("--keyfile", help="Its private key (PEM).")
    ] = None,
    home: HomeOpt = None,
) -> None:
    """Serve the archive to a browser: recent captures, watched posts, articles, a box to
    capture URLs, each capture with its evidence, and a JSON API under /api/. Everyone signs in
    (`postproof user add`); captures run with the data home's settings (config.toml).

    Example: postproof serve --port 8765
    """
    from postproof.web import ServeOptions
    from postproof.web import serve as run_server

    options = ServeOptions(
        host=host, port=port, archive_port=archive_port, certfile=certfile, keyfile=keyfile
    )
    run_server(Settings.load(home), options, announce=lambda text: err.print(esc(text)))
