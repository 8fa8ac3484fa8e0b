"""A throwaway PostgreSQL cluster for the tests and benchmarks of the shared archive.

``initdb`` into a temporary folder, ``pg_ctl start`` on a free loopback port with the socket in
that folder, stopped and removed at the end. PostgreSQL refuses to run as root: run as root,
the cluster is made and run by ``nobody`` (through ``runuser``), the folder owned by it;
otherwise by the current user. Nothing listens beyond 127.0.0.1; connections over TCP sign in
with a password (a random one per cluster), as a deployment's would.
"""

from __future__ import annotations

import glob
import os
import secrets
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path
from types import TracebackType

UNPRIVILEGED_USER = "nobody"


def postgres_bin() -> Path | None:
    """The folder of ``initdb`` and ``pg_ctl``: ``$POSTGRES_BIN``, else the newest Debian
    install, else whatever ``initdb`` is on the PATH."""
    configured = os.environ.get("POSTGRES_BIN")
    if configured:
        return Path(configured)
    installed = sorted(
        glob.glob("/usr/lib/postgresql/*/bin/initdb"),
        key=lambda p: int(Path(p).parts[-3]) if Path(p).parts[-3].isdigit() else 0,
    )
    if installed:
        return Path(installed[-1]).parent
    found = shutil.which("initdb")
    return Path(found).parent if found else None


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class Cluster:
    """One PostgreSQL server of its own; a context manager (started on enter, removed on exit).

    ``options`` are ``-c name=value`` settings added to the server's start (the tests add
    ``fsync=off``).
    """

    def __init__(self, options: tuple[str, ...] = ("fsync=off",)) -> None:
        bindir = postgres_bin()
        if bindir is None or not (bindir / "initdb").exists():
            raise RuntimeError(
                "PostgreSQL's server programs (initdb, pg_ctl) are not installed: "
                "run ./bootstrap.sh test, or set POSTGRES_BIN to their folder"
            )
        self._bin = bindir
        self._options = options
        self._as_root = os.geteuid() == 0
        self.root = Path(tempfile.mkdtemp(prefix="postproof-pg-"))
        self.port = 0
        self.user = "postgres"
        self.password = secrets.token_hex(12)

    @property
    def data(self) -> Path:
        return self.root / "data"

    def url(self, database: str = "postgres") -> str:
        """A ``postgresql://`` URL of ``database`` on this server, as a user would write it."""
        return f"postgresql://{self.user}:{self.password}@127.0.0.1:{self.port}/{database}"

    def start(self) -> None:
        if self._as_root:
            # /tmp's mkdtemp is 0700 and root's: hand the folder to the server's user.
            shutil.chown(self.root, UNPRIVILEGED_USER)
        password_file = self.root / "password"
        password_file.write_text(self.password, encoding="utf-8")
        if self._as_root:
            shutil.chown(password_file, UNPRIVILEGED_USER)
        self._run(
            "initdb",
            "-D",
            str(self.data),
            "-U",
            self.user,
            "--auth-local=trust",
            "--auth-host=scram-sha-256",
            f"--pwfile={password_file}",
            "-E",
            "UTF8",
            "--locale=C",
            "--no-instructions",
        )
        for _attempt in range(5):
            self.port = _free_port()
            settings = " ".join(f"-c {option}" for option in self._options)
            started = self._run(
                "pg_ctl",
                "start",
                "-w",
                "-D",
                str(self.data),
                "-l",
                str(self.root / "server.log"),
                "-o",
                f"-k {self.root} -p {self.port} -c listen_addresses=127.0.0.1 {settings}",
                check=False,
            )
            if started.returncode == 0:
                return
        raise RuntimeError(f"PostgreSQL did not start: {self.log_tail()}")

    def stop(self) -> None:
        """Stop the server (fast shutdown) and remove its folder."""
        try:
            if (self.data / "postmaster.pid").exists():
                self._run("pg_ctl", "stop", "-w", "-m", "fast", "-D", str(self.data), check=False)
        finally:
            shutil.rmtree(self.root, ignore_errors=True)

    def restart(self) -> None:
        """Stop and start the server on the same port: every open connection is cut."""
        log = str(self.root / "server.log")  # else the server keeps our output pipe open
        self._run("pg_ctl", "restart", "-w", "-m", "fast", "-D", str(self.data), "-l", log)

    def log_tail(self, lines: int = 20) -> str:
        try:
            text = (self.root / "server.log").read_text(encoding="utf-8", errors="replace")
        except OSError:
            return "(no server log)"
        return "\n".join(text.splitlines()[-lines:])

    def _run(
        self, program: str, *args: str, check: bool = True
    ) -> subprocess.CompletedProcess[str]:
        command = [str(self._bin / program), *args]
        if self._as_root:
            command = ["runuser", "-u", UNPRIVILEGED_USER, "--", *command]
        done = subprocess.run(
            command, capture_output=True, text=True, check=False, cwd=self.root, timeout=120
        )
        if check and done.returncode != 0:
            raise RuntimeError(f"{program} failed: {done.stderr.strip() or done.stdout.strip()}")
        return done

    def __enter__(self) -> Cluster:
        try:
            self.start()
        except BaseException:
            self.stop()
            raise
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()
