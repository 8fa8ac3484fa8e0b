"""What the worker tests share: a small web of simple pages on 127.0.0.1 (one a URL, fast), a
page that holds its answer until the test lets it go (a worker caught mid-capture), real
``postproof worker`` processes, and waiting for the queue without timing anything."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from demo import FakeWeb, Request, Response
from demo import html as html_response
from tests.conftest import REPO, command_env, run_cli

HOST = "queue.example"
# Generous: the machine may be busy; a wait that ends early is never a failure in itself.
PATIENCE_SECONDS = 600.0


class Gate:
    """A page that answers only once the test opens the gate; ``arrived`` is set when a browser
    asked for it."""

    def __init__(self) -> None:
        self.arrived = threading.Event()
        self.opened = threading.Event()

    def handle(self, request: Request) -> Response:
        self.arrived.set()
        while not self.opened.wait(0.2):
            if request.stopping.is_set():
                break
        return page("gate")


def page(name: str) -> Response:
    return html_response(
        f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>Page {name}</title>'
        f'<meta property="og:title" content="Page {name}"></head>'
        f"<body><article><h1>Page {name}</h1><p>The text of page {name}.</p></article></body>"
        "</html>"
    )


def build_queue_web(gate: Gate) -> FakeWeb:
    web = FakeWeb()
    web.add_route(HOST, r"/p/(?P<n>\d+)", lambda request: page(request.params["n"]))
    web.add_route(HOST, "/gate", gate.handle)
    return web


def url(n: int | str) -> str:
    return f"https://{HOST}/p/{n}"


def queue_env(web: FakeWeb, home: Path, database_url: str) -> dict[str, str]:
    return command_env(web, home) | {"POSTPROOF_DATABASE_URL": database_url}


def cli_json(env: dict[str, str], *args: str, code: int = 0) -> dict[str, Any]:
    done = run_cli(*args, "--json", env=env)
    assert done.returncode == code, done.stdout + done.stderr
    return dict(json.loads(done.stdout))


def jobs(env: dict[str, str], *args: str) -> list[dict[str, Any]]:
    return list(cli_json(env, "jobs", "--limit", "10000", *args)["jobs"])


def wait_until(what: str, check: Callable[[], bool], patience: float = PATIENCE_SECONDS) -> None:
    """Poll ``check`` until it holds; fail, saying ``what`` was awaited, only after a long
    patience (a stuck worker, not a slow one)."""
    deadline = time.monotonic() + patience
    while not check():
        assert time.monotonic() < deadline, f"still waiting for {what}"
        time.sleep(1)


def all_finished(env: dict[str, str], count: int) -> Callable[[], bool]:
    """Whether ``count`` jobs are on the queue, all finished: asked of the queue's table (the
    tests then read the jobs through ``postproof jobs``), cheaply, as it is asked often."""
    url = env["POSTPROOF_DATABASE_URL"].replace("postgresql://", "postgresql+psycopg://", 1)

    def check() -> bool:
        engine = sa.create_engine(url, poolclass=sa.NullPool)
        try:
            with engine.connect() as connection:
                found = connection.exec_driver_sql(
                    "SELECT count(*), count(*) FILTER (WHERE status IN ('succeeded', 'failed')) "
                    "FROM procrastinate_jobs WHERE task_name <> 'postproof.recheck_due'"
                ).one()
        except sa.exc.OperationalError:  # the server is restarting
            return False
        finally:
            engine.dispose()
        return bool(found[0] == found[1] == count)

    return check


class WorkerProcess:
    """``postproof worker`` in a process group of its own (its browser with it), its log in a
    file."""

    def __init__(
        self, env: dict[str, str], log: Path, concurrency: int = 2, extra: tuple[str, ...] = ()
    ) -> None:
        self.log = log
        self._log = log.open("w")
        self.process = subprocess.Popen(
            [
                str(Path(sys.executable).with_name("postproof")),
                "-v",
                "worker",
                "-c",
                str(concurrency),
                *extra,
            ],
            env=env,
            stdout=self._log,
            stderr=subprocess.STDOUT,
            cwd=REPO,
            start_new_session=True,
        )

    def kill(self) -> None:
        """kill -9 the worker and its browser, as a machine losing power would."""
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(30)

    def stop(self) -> int:
        """SIGTERM: the worker finishes its running jobs and exits."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(120)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(30)
        self._log.close()
        return self.process.returncode

    def tail(self, lines: int = 40) -> str:
        return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])


@contextmanager
def workers(
    env: dict[str, str],
    folder: Path,
    count: int = 1,
    concurrency: int = 2,
    extra: tuple[str, ...] = ("--recheck-every", "0"),
) -> Iterator[list[WorkerProcess]]:
    folder.mkdir(parents=True, exist_ok=True)
    started = [
        WorkerProcess(env, folder / f"worker-{n}.log", concurrency, extra) for n in range(count)
    ]
    try:
        yield started
    finally:
        for worker in started:
            if worker.process.poll() is None:
                worker.stop()
            else:
                worker._log.close()
