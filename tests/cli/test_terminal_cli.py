"""A post cannot act on the reader's terminal: every human output and citation shows its control
and bidi characters as visible escapes; JSON keeps them as JSON escapes; the archive keeps the
exact bytes."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from tests.conftest import run_cli
from tests.fixtureweb import FIXTURE_URLS, TERMINAL_TRAP, X_TERMINAL

pytestmark = pytest.mark.browser

# Anything a terminal would act on, or a bidi override would flip.
ACTIVE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")

ARTICLE = """<!doctype html><html lang="en"><head><title>Hostile handles</title></head><body>
<article><h1>Hostile handles</h1>
<p>Mallory wrote “Status:”, <a href="{url}">in a post on X</a>.</p>
</article></body></html>
"""


def test_no_output_lets_a_post_drive_the_terminal(cli_env: dict[str, str], tmp_path: Path) -> None:
    url = FIXTURE_URLS["x_terminal"]
    done = run_cli("capture", url, "--json", env=cli_env)
    assert done.returncode == 0, done.stderr
    assert not ACTIVE.search(done.stdout)
    [capture] = json.loads(done.stdout)["captures"]
    # JSON round-trips the exact text: the evidence is not altered, only its display.
    assert capture["post"]["text"] == X_TERMINAL.text
    assert capture["post"]["author"] == X_TERMINAL.author
    again = run_cli("capture", url, "--json", env=cli_env)
    [second] = json.loads(again.stdout)["captures"]

    draft = tmp_path / "draft.html"
    draft.write_text(ARTICLE.format(url=url), encoding="utf-8")
    added = run_cli("article", "add", str(draft), "--json", env=cli_env)
    assert added.returncode == 0, added.stderr
    article = json.loads(added.stdout)["article"]

    commands = [
        ("capture", url),
        ("show", capture["id"]),
        ("show", capture["id"], "--json"),
        ("list",),
        ("history", url),
        ("diff", capture["id"], second["id"], "-o", str(tmp_path / "diff.png")),
        ("article", "show", article["id"]),
        ("article", "list"),
        ("claim", "list", article["id"]),
        *(
            ("cite", capture["id"], "--format", fmt)
            for fmt in ("markdown", "html", "text", "bibtex")
        ),
        ("cite", capture["id"], "--format", "csl-json"),
        ("cite", capture["id"], "--format", "csl-json", "--json"),
    ]
    for command in commands:
        shown = run_cli(*command, env=cli_env)
        assert shown.returncode == 0, (command, shown.stderr)
        for stream in (shown.stdout, shown.stderr):
            assert not ACTIVE.search(stream), (command, stream)
    human = run_cli("show", capture["id"], env=cli_env).stdout
    assert "\\x1b[2J" in human and "\\u202e4d2f9a" in human  # shown, not hidden
    assert "\\x1b[" in run_cli("list", env=cli_env).stdout
    cited = run_cli("cite", capture["id"], "--format", "text", env=cli_env).stdout
    assert "Mallory \\x1b[2J" in cited and TERMINAL_TRAP not in cited
