"""Every command documents itself with an example: the help text is the manual."""

import json
import os
from pathlib import Path

import typer.main

from cli import app
from tests.conftest import run_cli


def test_every_command_has_a_docstring_with_an_example() -> None:
    group = typer.main.get_command(app)
    missing = []
    for name, command in group.commands.items():  # type: ignore[attr-defined]
        sub = getattr(command, "commands", None)
        for cmd_name, cmd in (sub or {name: command}).items():
            if "Example:" not in (cmd.help or ""):
                missing.append(cmd_name)
    assert missing == []


def test_readme_mentions_every_command() -> None:
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    group = typer.main.get_command(app)
    for name in group.commands:  # type: ignore[attr-defined]
        assert f"postproof {name}" in readme, name


def test_version_and_home_before_the_command(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("POSTPROOF_")}
    version = run_cli("--version", env=env)
    assert version.returncode == 0 and version.stdout.startswith("postproof ")
    home = tmp_path / "elsewhere"
    listed = run_cli("--home", str(home), "list", "--json", env=env)
    assert listed.returncode == 0, listed.stderr
    assert json.loads(listed.stdout)["captures"] == [] and (home / "postproof.sqlite3").exists()
