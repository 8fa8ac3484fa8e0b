"""Every command documents itself with an example: the help text is the manual."""

import typer.main

from cli import app


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
    from pathlib import Path

    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    group = typer.main.get_command(app)
    for name in group.commands:  # type: ignore[attr-defined]
        assert f"postproof {name}" in readme, name
