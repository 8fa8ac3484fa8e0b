"""Asking for help is cheap: building the command line loads no browser driver, no ORM and no
NLP library; each command imports those when it runs."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

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


def _heavy_loaded(code: str, *args: str) -> list[str]:
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
    assert _heavy_loaded(PROBE, *args) == []


def test_the_error_tree_imports_nothing_heavy() -> None:
    assert _heavy_loaded(f"import json, sys, archiver.errors\n{REPORT}") == []


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
# migrations), which `list` does without on an embedded archive at the newest revision.
NOT_FOR_LIST = (
    "sqlalchemy",
    "sqlmodel",
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
    assert _heavy_loaded(probe, "list", "--home", str(tmp_path)) == []
