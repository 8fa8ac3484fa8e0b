"""Asking for help is cheap: building the command line loads no browser driver, no ORM and no
NLP library; each command imports those when it runs."""

from __future__ import annotations

import gc
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
HEAVY = ("playwright", "sqlalchemy", "alembic", "trafilatura", "numpy", "boto3", "botocore")
REPORT = f"print(json.dumps([m for m in {HEAVY!r} if m in sys.modules]), file=sys.stderr)"

# Runs the command line in-process with the given arguments, then reports which of the heavy
# packages were imported (on the last line of stderr, after whatever the command printed).
PROBE = f"""
import json, sys
sys.argv = ["postproof", *sys.argv[1:]]
import cli
try:
    cli.main()
except SystemExit:
    pass
{REPORT}
"""


def _env() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if not k.startswith("POSTPROOF_")}


def _reported(code: str, *args: str) -> Any:
    """What ``code`` (run with ``args``) reported on the last line of its stderr, as JSON."""
    done = subprocess.run(
        [sys.executable, "-c", code, *args],
        cwd=ROOT,
        env=_env(),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stderr.strip().splitlines()[-1])


@pytest.mark.parametrize(
    "args",
    [
        ("--help",),
        ("--version",),
        ("capture", "--help"),
        ("list", "--help"),
        ("article", "add", "--help"),
        ("recheck", "--help"),
        ("verify", "--help"),
        ("demo", "--help"),
    ],
)
def test_help_and_version_import_nothing_heavy(args: tuple[str, ...]) -> None:
    assert _reported(PROBE, *args) == []


def test_the_error_tree_imports_nothing_heavy() -> None:
    assert _reported(f"import json, sys, archiver.errors\n{REPORT}") == []


def test_the_installed_command_starts_light() -> None:
    """`postproof --help` as a user runs it, with Python's own record of what it imported."""
    done = subprocess.run(
        [str(Path(sys.executable).with_name("postproof")), "--help"],
        cwd=ROOT,
        env=_env() | {"PYTHONPROFILEIMPORTTIME": "1", "COLUMNS": "200"},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    imported = {
        line.rsplit("|", 1)[-1].strip().split(".")[0]
        for line in done.stderr.splitlines()
        if line.startswith("import time:")
    }
    assert "typer" in imported  # the record was made
    assert imported.isdisjoint(HEAVY)
    # Nor the event loop (a capture's), nor the packages' metadata (--version's): a few
    # hundredths of a second each at every start.
    modules = {line.rsplit("|", 1)[-1].strip() for line in done.stderr.splitlines()}
    assert modules.isdisjoint({"asyncio", "importlib.metadata"})
    for name in ("capture", "verify", "article", "recheck", "similar", "auth", "demo"):
        assert f" {name} " in done.stdout


# What only some commands use: writing bundles (warcio), images (Pillow, for similar), a TSA's
# certificates (rfc3161-client, cryptography's X.509), capturing (Playwright), reading a URL (the
# platform adapters: X's stands for them all); and what opening the archive uses (the ORM, the
# migrations), which `list` does without on an embedded archive at the newest revision. Nor
# Pydantic, which only the ORM's tables need (Typer 0.29 validates every option with it: a tenth
# of a second at the start of every command given an option, hence Typer below 0.29).
NOT_FOR_LIST = (
    "sqlalchemy",
    "sqlmodel",
    "pydantic",
    "alembic",
    "storage._tables",
    "warcio",
    "PIL",
    "rfc3161_client",
    "cryptography.x509",
    "playwright",
    "numpy",
    "archiver.platforms.x",
)
LISTED = f"print(json.dumps([m for m in {NOT_FOR_LIST!r} if m in sys.modules]), file=sys.stderr)"


def test_list_loads_only_what_reading_the_archive_needs(tmp_path: Path) -> None:
    """``list`` reads the archive; the libraries of exporting, searching images, timestamping
    and capturing are loaded by those commands, not at every start, and an embedded archive at
    the newest revision is read without the ORM."""
    from storage import open_archive
    from tests.storage.factories import make_result

    with open_archive(tmp_path) as archive:
        archive.store(make_result(text="the council voted"))
    probe = PROBE.replace(REPORT, LISTED)
    assert _reported(probe, "list", "--home", str(tmp_path)) == []


# Reports, on the last line of stderr, whether the collector ran while the command line was
# imported and while the command ran until it opened its archive, and after the command.
COLLECTOR_PROBE = """
import gc, json, sys
sys.argv = ["postproof", *sys.argv[1:]]
seen = {}
import storage._archive as archive_module
opened = archive_module.open_archive
def open_archive(*args, **kwargs):
    seen["opening"] = gc.isenabled()
    return opened(*args, **kwargs)
archive_module.open_archive = open_archive
import storage
storage.open_archive = open_archive
import cli
seen["importing"] = gc.isenabled()
seen["frozen_before"] = gc.get_freeze_count()
try:
    cli.main()
except SystemExit:
    pass
seen["after"] = gc.isenabled()
seen["frozen_after"] = gc.get_freeze_count()
print(json.dumps(seen), file=sys.stderr)
"""


def _collector_seen(*args: str) -> dict[str, Any]:
    return dict(_reported(COLLECTOR_PROBE, *args))


def test_the_collector_waits_for_the_archive_to_open_then_resumes(tmp_path: Path) -> None:
    """Paused while the command starts (its imports make no garbage), running again once the
    archive is open, with the start's objects frozen; and running after the command."""
    seen = _collector_seen("verify", "--all", "--home", str(tmp_path))
    assert seen["opening"] is False  # paused until the archive is open
    assert seen["importing"] is True  # cli's own imports paused it, then let it run again
    assert seen["frozen_before"] == 0
    assert seen["frozen_after"] > 0  # the start's objects, put out of its reach
    assert seen["after"] is True


def test_a_command_that_opens_no_archive_leaves_the_collector_running() -> None:
    seen = _collector_seen("--version")
    assert "opening" not in seen
    assert seen["after"] is True


def test_a_collector_switched_off_by_an_embedding_program_stays_off() -> None:
    from postproof import _collector

    gc.disable()
    try:
        with _collector.paused():
            _collector.started()
            assert not gc.isenabled()
        assert not gc.isenabled()
    finally:
        gc.enable()
    with _collector.paused():
        assert not gc.isenabled()
        _collector.started()
        assert gc.isenabled()
    assert gc.isenabled()
