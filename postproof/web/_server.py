"""Running the app: one uvicorn server listening on two sockets, the app's port and the archive
origin's port, each request handed to the app its socket belongs to."""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Callable
from contextlib import nullcontext
from dataclasses import dataclass
from pathlib import Path

from archiver.errors import UsageError
from postproof.runs import browser_kept, opened_archive
from postproof.settings import CaptureFlags, Settings
from postproof.web._app import create_app
from postproof.web._archived import archived_app
from postproof.web._security import ASGIApp, Receive, Scope, Send


def is_loopback(host: str) -> bool:
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


@dataclass(frozen=True)
class ServeOptions:
    host: str = "127.0.0.1"
    port: int = 8765
    archive_port: int | None = None  # None: the next port (any free one with port 0)
    certfile: Path | None = None
    keyfile: Path | None = None


def _bind(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host.strip("[]"), port))
    except OSError as exc:
        sock.close()
        raise UsageError(
            f"cannot listen on {host}:{port}: {exc.strerror or exc}",
            hint="choose another --port (or --archive-port), or stop what uses it",
        ) from exc
    sock.listen(128)
    sock.set_inheritable(True)
    return sock


def _by_port(main: ASGIApp, frames: ASGIApp, frames_port: int) -> ASGIApp:
    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        server = scope.get("server") or (None, None)
        if scope["type"] == "http" and server[1] == frames_port:
            await frames(scope, receive, send)
        else:
            await main(scope, receive, send)

    return app


def _sockets(options: ServeOptions) -> tuple[socket.socket, socket.socket]:
    """The app's socket and the archive origin's (by default on the next port; with port 0,
    any free one)."""
    main_socket = _bind(options.host, options.port)
    if options.archive_port is not None:
        wanted = options.archive_port
    else:
        wanted = main_socket.getsockname()[1] + 1 if options.port else 0
    try:
        return main_socket, _bind(options.host, wanted)
    except UsageError:
        main_socket.close()
        raise


def _announce(
    options: ServeOptions, ports: tuple[int, int], users: int, say: Callable[[str], None]
) -> None:
    scheme = "https" if options.certfile else "http"
    shown = f"[{options.host}]" if ":" in options.host else options.host
    say(f"postproof serve: {scheme}://{shown}:{ports[0]}/ (archived pages from port {ports[1]})")
    if not users:
        say("No users yet: add one with `postproof user add NAME --role admin`.")
    if scheme == "http" and not is_loopback(options.host):
        say("Warning: plain HTTP beyond this machine; use --certfile/--keyfile or a TLS proxy.")


def serve(
    settings: Settings,
    options: ServeOptions,
    announce: Callable[[str], None],
    ready: Callable[[int, int], None] | None = None,
) -> None:
    """Serve until interrupted. Refuses a non-loopback host while the archive has no admin.
    ``ready`` is told the app's port and the archive origin's once both listen."""
    import asyncio

    import uvicorn

    if (options.certfile is None) != (options.keyfile is None):
        raise UsageError("give both --certfile and --keyfile, or neither")
    with opened_archive(settings.home) as archive:
        if not is_loopback(options.host) and not archive.users.has_admin():
            raise UsageError(
                f"refusing to listen on {options.host}, beyond this machine, with no admin user",
                hint="add one first: postproof user add NAME --role admin",
            )
        main_socket, frames_socket = _sockets(options)
        ports = (main_socket.getsockname()[1], frames_socket.getsockname()[1])
        app = create_app(settings, archive, ports[1])
        frames = archived_app(archive, app.state.web.signer)
        config = uvicorn.Config(
            _by_port(app, frames, ports[1]),
            log_level="warning",
            access_log=False,
            ssl_certfile=str(options.certfile) if options.certfile else None,
            ssl_keyfile=str(options.keyfile) if options.keyfile else None,
            lifespan="on",
            # A live progress stream stays open while its job runs: Ctrl-C waits this long.
            timeout_graceful_shutdown=5,
        )
        # On the embedded archive the app's jobs capture in this process: one browser, kept
        # warm for all of them, rather than one launched and closed for each. On the shared
        # archive the workers capture.
        keep = (
            nullcontext()
            if archive.jobs.has_queue
            else browser_kept(settings.capture_options(CaptureFlags()))
        )
        with keep:
            _announce(options, ports, len(archive.users.all()), announce)
            if ready is not None:
                ready(*ports)
            asyncio.run(uvicorn.Server(config).serve(sockets=[main_socket, frames_socket]))
