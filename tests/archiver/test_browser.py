"""Which Chromium postproof launches when it has to find one on the system."""

from __future__ import annotations

import asyncio
import os
import stat
from pathlib import Path

import pytest
from playwright.async_api import async_playwright

from archiver import browser
from tests.processes import command_line, descendants

pytestmark = pytest.mark.browser

SHELL = Path("/usr/bin/chromium-headless-shell")


def _executable(path: Path) -> Path:
    path.write_text("#!/bin/sh\nexit 1\n")
    path.chmod(path.stat().st_mode | stat.S_IXUSR)
    return path


def test_the_headless_shell_is_found_before_the_desktop_browser(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Both on the PATH, in either order of the PATH: the headless shell is the one chosen."""
    monkeypatch.setattr(browser, "SYSTEM_CANDIDATES", ())
    desktop, shell = tmp_path / "desktop", tmp_path / "shell"
    desktop.mkdir()
    shell.mkdir()
    _executable(desktop / "chromium")
    _executable(desktop / "google-chrome")
    _executable(shell / "chromium-headless-shell")
    for path in (f"{desktop}:{shell}", f"{shell}:{desktop}"):
        monkeypatch.setenv("PATH", path)
        assert browser.system_chromium() == shell / "chromium-headless-shell"
    monkeypatch.setenv("PATH", str(desktop))
    assert browser.system_chromium() == desktop / "chromium"


@pytest.mark.skipif(not os.access(SHELL, os.X_OK), reason="no system headless shell here")
def test_the_system_headless_shell_is_the_browser_launched(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """On a machine with Debian's headless shell and no Playwright build, the browser that runs the
    captures is the shell itself (its processes), not the desktop Chromium next to it."""
    monkeypatch.delenv("POSTPROOF_CHROMIUM", raising=False)

    async def launched() -> tuple[browser.BrowserChoice, list[bytes]]:
        async with async_playwright() as pw:
            if Path(pw.chromium.executable_path).exists():
                pytest.skip("Playwright's own Chromium is installed: it picks its own shell")
            opened, choice = await browser.launch(pw)
            try:
                programs = [command_line(pid)[0] for pid in descendants(os.getpid())]
            finally:
                await opened.close()
            return choice, programs

    choice, programs = asyncio.run(launched())
    assert choice.source == "system" and choice.executable == SHELL
    assert any(program.endswith(b"chromium-headless-shell") for program in programs), programs
    assert not any(program.endswith(b"/chromium") for program in programs), programs
