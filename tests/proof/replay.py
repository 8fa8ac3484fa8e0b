"""Replay a WACZ in pywb, served on 127.0.0.1 from a subprocess, for tests.

The package goes in through pywb's own import (``wb-manager add --unpack-wacz``), which copies the
WARCs and merges the WACZ's own CDXJ index: replay works only if that index is right. pywb runs
in its own process because it monkey-patches the standard library with gevent and imports
modules that warn on import.

Usage::

    with replay_wacz(path, tmp_path) as pywb:
        page.goto(pywb.url("https://social.example/@alice/1", captured_at))
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

COLLECTION = "wacz"
START_TIMEOUT = 20.0
# pywb's front end on port 0 of loopback. The port it got is written to a file (atomically, so
# the waiting side never reads half of it): there is no race for a free port. The index server
# pywb starts inside listens on localhost too, and with no "live" collection configured pywb
# replays only what the archive holds: nothing leaves the machine.
_SERVER = """
import os
import sys

from gevent import monkey

monkey.patch_all()

from gevent.pywsgi import WSGIServer
from pywb.apps.frontendapp import FrontEndApp
from pywb.utils.geventserver import RequestURIWSGIHandler

server = WSGIServer(("127.0.0.1", 0), FrontEndApp(), handler_class=RequestURIWSGIHandler, log=None)
server.start()
with open(sys.argv[1] + ".tmp", "w") as f:
    f.write(str(server.server_port))
os.replace(sys.argv[1] + ".tmp", sys.argv[1])
server.serve_forever()
"""


@dataclass(frozen=True)
class PywbReplay:
    base: str  # http://127.0.0.1:<port>
    collection: str

    def url(self, original: str, ts: datetime, mod: str = "") -> str:
        """The replay URL of ``original`` as captured at ``ts``.

        Without ``mod`` it is the page a person opens: pywb's frame, holding the archived page in
        an iframe at the ``mp_`` URL. ``id_`` gives the archived bytes as they were recorded.
        """
        stamp = ts.astimezone(UTC).strftime("%Y%m%d%H%M%S")
        return f"{self.base}/{self.collection}/{stamp}{mod}/{original}"


@contextmanager
def replay_wacz(wacz: Path, workdir: Path) -> Iterator[PywbReplay]:
    """Import ``wacz`` into a fresh pywb directory under ``workdir`` and serve it on loopback."""
    root = workdir / "pywb"
    root.mkdir(parents=True)
    env = _env()
    _wb_manager(root, env, "init", COLLECTION)
    _wb_manager(root, env, "add", "--unpack-wacz", COLLECTION, str(wacz))
    if not any((root / "collections" / COLLECTION / "archive").iterdir()):
        raise RuntimeError(f"pywb imported no WARC from {wacz}; see its log above")
    port_file = root / "port"
    log = root / "server.log"
    with open(log, "wb") as log_out:
        server = subprocess.Popen(
            [sys.executable, "-c", _SERVER, str(port_file)],
            cwd=root,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=log_out,
            stderr=subprocess.STDOUT,
        )
    try:
        port = _wait_for_port(server, port_file, log)
        yield PywbReplay(f"http://127.0.0.1:{port}", COLLECTION)
    finally:
        server.terminate()
        try:
            server.wait(timeout=5)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait(timeout=5)


def _env() -> dict[str, str]:
    """The test environment without proxy settings: pywb's front end calls its own index server
    over HTTP on localhost, and that call must not be sent to a proxy."""
    return {k: v for k, v in os.environ.items() if not k.lower().endswith("_proxy")}


def _wb_manager(root: Path, env: dict[str, str], *args: str) -> None:
    done = subprocess.run(
        [str(Path(sys.executable).with_name("wb-manager")), *args],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    if done.returncode != 0 or "WARNING" in done.stderr:
        raise RuntimeError(f"wb-manager {' '.join(args)} failed:\n{done.stderr}")


def _wait_for_port(server: subprocess.Popen[bytes], port_file: Path, log: Path) -> int:
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if port_file.exists():
            return int(port_file.read_text())
        if server.poll() is not None:
            raise RuntimeError(f"pywb exited with {server.returncode}:\n{log.read_text()}")
        time.sleep(0.05)
    raise RuntimeError(f"pywb did not start within {START_TIMEOUT:.0f} s:\n{log.read_text()}")
