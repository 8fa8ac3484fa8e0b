"""Shared fixtures: the fake social web on 127.0.0.1 and one batch capture of all of it.

Browsers never leave loopback: every host the tests capture is mapped onto the fake web's port,
and the tests allow private addresses only for that reason.
"""

from __future__ import annotations

import asyncio
import contextlib
import io
import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

import storage
from archiver import CaptureOptions, CaptureResult, capture_many, parse_host_map
from demo import FakeWeb
from postproof.runs import LaunchedAlongside, keeping
from tests.fixtureweb import FIXTURE_URLS, build_fixture_web
from tests.scheduling import BATCH_MODULES, DurationLog, LongestFirst

# Started in the background by a shell (``./bootstrap.sh test &``), the suite inherits SIGINT
# ignored, and so would every process it starts: the tests that press Ctrl-C on a command (send
# it SIGINT) would find it deaf. They stand for a person at a terminal, where SIGINT arrives: a
# handler of this process's own is not inherited by the processes it starts, which get the
# default again.
if signal.getsignal(signal.SIGINT) is signal.SIG_IGN:
    signal.signal(signal.SIGINT, signal.default_int_handler)

# The database engines (a throwaway PostgreSQL server, ``backend`` over both engines).
pytest_plugins = ("tests.engines",)

if os.environ.get("PYTEST_XDIST_WORKER"):
    # Worker processes are started with COLUMNS=80 and LINES=24 of their own; the commands the
    # tests run must see the environment a plain run (and a user's script) gives them.
    for _name in ("COLUMNS", "LINES"):
        os.environ.pop(_name, None)

# Long enough for the slow page (3 s) and the 16000 px screenshot on a machine busy with the
# other worker, short enough that hanging pages do not drag the suite.
FIXTURE_TIMEOUT = 20.0


@pytest.fixture(scope="session")
def web() -> Iterator[FakeWeb]:
    fake = build_fixture_web()
    fake.start()
    try:
        yield fake
    finally:
        fake.stop()


@pytest.fixture(scope="session")
def options(web: FakeWeb) -> CaptureOptions:
    return CaptureOptions(
        timeout=FIXTURE_TIMEOUT,
        concurrency=2,
        allow_private=True,
        insecure=True,
        host_map=parse_host_map(web.host_map()),
    )


@dataclass(frozen=True)
class Batch:
    archive: storage.Archive
    results: dict[str, tuple[str, CaptureResult]]  # fixture name -> (capture id, result)

    def record(self, name: str) -> storage.CaptureRecord:
        return self.archive.get_capture(self.results[name][0])


# Pages the shared batch leaves out: the 6 MB page, captured on its own with the time it needs,
# and the page that spins its renderer (a core busy for the whole timeout), captured on its own
# with a short one (test_engine and the hostile batch).
ALONE = frozenset({"odd_huge", "odd_spin"})


def pytest_configure(config: pytest.Config) -> None:
    if not hasattr(config, "workerinput"):  # the process that reports, with workers or without
        config.pluginmanager.register(DurationLog(config), "postproof-durations")


# The batch is captured in the setup of the first test that asks for it: 90-odd seconds on a
# quiet machine, several minutes on a busy one, past the 300 s a test is given (pyproject.toml).
BATCH_TIMEOUT = 900


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    batched = [item for item in items if "batch" in getattr(item, "fixturenames", ())]
    unlisted = {item.nodeid.split("::", 1)[0] for item in batched} - BATCH_MODULES
    if unlisted:
        raise pytest.UsageError(
            f"{sorted(unlisted)} use the shared batch: add them to BATCH_MODULES in "
            "tests/scheduling.py, or each worker that runs them captures the batch again"
        )
    for item in batched:
        if item.get_closest_marker("timeout") is None:
            item.add_marker(pytest.mark.timeout(BATCH_TIMEOUT))


def pytest_xdist_make_scheduler(config: pytest.Config, log: Any) -> Any:
    # With workers, each module runs whole on one worker (its module fixtures made once) and the
    # modules of the shared batch on one (the batch captured once), the longest first: see
    # tests/scheduling.py.
    return LongestFirst(config, log)


@pytest.fixture(scope="session")
def batch(
    web: FakeWeb, options: CaptureOptions, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Batch]:
    """Every fixture URL captured once, in one run, into one real archive."""
    archive = storage.open_archive(tmp_path_factory.mktemp("batch-home"))
    names = [n for n in FIXTURE_URLS if n not in ALONE]
    results = asyncio.run(capture_many([FIXTURE_URLS[n] for n in names], options, archive))
    try:
        yield Batch(archive, dict(zip(names, results, strict=True)))
    finally:
        archive.close()


@pytest.fixture
def home(tmp_path: Path) -> Path:
    return tmp_path / "home"


def command_env(web: FakeWeb, home: Path) -> dict[str, str]:
    """The environment of a command run on the data home ``home`` against the fake web ``web``
    (its hosts on loopback, its certificates its own), without the test's own POSTPROOF_*."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("POSTPROOF_")}
    return env | {
        "POSTPROOF_HOME": str(home),
        "POSTPROOF_ALLOW_PRIVATE": "1",
        "POSTPROOF_INSECURE": "1",
        "POSTPROOF_HOST_MAP": ",".join(web.host_map()),
    }


@pytest.fixture
def cli_env(web: FakeWeb, home: Path) -> dict[str, str]:
    return command_env(web, home)


# POSTPROOF_TEST_PROCESSES=1 runs every command of the tests in a process of its own.
_ALWAYS_A_PROCESS = os.environ.get("POSTPROOF_TEST_PROCESSES", "") == "1"
REPO = Path(__file__).resolve().parents[1]


def run_cli(
    *args: str,
    env: dict[str, str],
    timeout: float = 120,
    process: bool = False,
    stdin: str | None = None,
) -> subprocess.CompletedProcess[str]:
    """Run the command as a user would: its arguments, its environment (and nothing else of
    the test's), ``stdin`` on its standard input, its stdout and stderr apart, its exit code. In
    this process by default — the same entry point, without paying the interpreter's start each
    time; in a process of its own (the installed ``postproof`` command) with ``process=True``,
    where being a process matters: signals, kills, locks held by two processes, what a shell or
    cron starts."""
    if process or _ALWAYS_A_PROCESS:
        return subprocess.run(
            [str(Path(sys.executable).with_name("postproof")), *args],
            env=env,
            input=stdin,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
            cwd=REPO,
        )
    return _run_here(list(args), env, stdin or "")


# The commands run in a test process share one browser, kept by the process (as the web app
# keeps one for its jobs): each command still captures with its own options. A command whose
# environment chooses another browser (POSTPROOF_CHROMIUM, PATH, PLAYWRIGHT_BROWSERS_PATH)
# launches its own, as it would for a user; so do the commands run as processes.
_BROWSER_CHOICE = ("POSTPROOF_CHROMIUM", "PATH", "PLAYWRIGHT_BROWSERS_PATH")
_KEPT: list[LaunchedAlongside] = []


def _kept_browser(env: dict[str, str], own: dict[str, str]) -> LaunchedAlongside | None:
    """The browser for a command run with ``env`` in this process, whose environment is
    ``own``."""
    if any(env.get(name) != own.get(name) for name in _BROWSER_CHOICE):
        return None
    if not _KEPT:  # a browser that died is started again by the run that finds it dead
        _KEPT.append(LaunchedAlongside(CaptureOptions()).__enter__())
    return _KEPT[0]


def settle_kept_browser() -> None:
    """Wait until the browser the commands share has started (it starts in a thread of its own
    with the first command run here, and may still be starting when that command is done): a
    test that counts browsers or launches must not count it."""
    for kept in _KEPT:
        with contextlib.suppress(Exception):  # one that failed to start is the next run's error
            kept.shared()


@pytest.fixture(scope="session", autouse=True)
def _close_kept_browser() -> Iterator[None]:
    yield
    while _KEPT:
        _KEPT.pop().__exit__(None, None, None)


def _run_here(args: list[str], env: dict[str, str], stdin: str) -> subprocess.CompletedProcess[str]:
    from cli import main

    saved_env = dict(os.environ)
    saved = (sys.argv, sys.stdin, sys.stdout, sys.stderr, os.getcwd())
    stdout = io.TextIOWrapper(io.BytesIO(), encoding="utf-8", write_through=True)
    stderr = io.TextIOWrapper(io.BytesIO(), encoding="utf-8", write_through=True)
    code: int | str | None = 0
    try:
        os.environ.clear()
        os.environ.update(env)
        os.chdir(REPO)
        sys.argv = ["postproof", *args]
        sys.stdin = io.TextIOWrapper(io.BytesIO(stdin.encode()), encoding="utf-8")
        sys.stdout, sys.stderr = stdout, stderr
        kept = _kept_browser(env, saved_env)
        try:
            with keeping(kept) if kept else contextlib.nullcontext():
                main()
        except SystemExit as stop:
            code = stop.code
    finally:
        sys.argv, sys.stdin, sys.stdout, sys.stderr, cwd = saved
        os.chdir(cwd)
        os.environ.clear()
        os.environ.update(saved_env)
    if code is None:
        code = 0
    elif not isinstance(code, int):  # sys.exit("message"): printed, exit status 1
        stderr.write(f"{code}\n")
        code = 1
    return subprocess.CompletedProcess(["postproof", *args], code, _text(stdout), _text(stderr))


def _text(stream: io.TextIOWrapper) -> str:
    stream.flush()
    buffer = stream.buffer
    assert isinstance(buffer, io.BytesIO)
    return buffer.getvalue().decode("utf-8", errors="replace")
