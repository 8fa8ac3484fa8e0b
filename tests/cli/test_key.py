"""The installation key a third party is handed, and the packaging that ships every package."""

from __future__ import annotations

import json
import os
import stat
import tomllib
from pathlib import Path

import proof
from tests.conftest import run_cli

ROOT = Path(__file__).resolve().parents[2]


def test_key_show_creates_the_key_once_and_keeps_it_private(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("POSTPROOF_")}
    env["POSTPROOF_HOME"] = str(tmp_path)
    first = run_cli("key", "show", "--json", env=env)
    assert first.returncode == 0, first.stderr
    data = json.loads(first.stdout)
    again = json.loads(run_cli("key", "show", "--json", env=env).stdout)
    assert again["verifier"] == data["verifier"]
    verifier = proof.NoteVerifier.from_string(data["verifier"])
    assert verifier.name == data["name"]
    assert data["public_key_pem"].startswith("-----BEGIN PUBLIC KEY-----")
    mode = stat.S_IMODE(Path(data["path"]).stat().st_mode)
    assert mode == 0o600


def test_every_package_is_shipped() -> None:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    include = config["tool"]["setuptools"]["packages"]["find"]["include"]
    packages = sorted(p.parent.name for p in ROOT.glob("*/__init__.py") if p.parent.name != "tests")
    assert sorted(name.rstrip("*") for name in include) == packages
