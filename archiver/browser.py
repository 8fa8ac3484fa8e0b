"""Finding and launching Chromium.

Order: ``POSTPROOF_CHROMIUM`` if set; Playwright's own Chromium when it is installed; otherwise
the system Chromium: Debian's ``chromium-headless-shell`` first, then its ``chromium`` package and
the usual Chrome paths.

Captures always run headless. The headless shell is the same Chromium without the desktop
browser's windowing, profile and services: it renders pages alike and needs well under half the
CPU per capture (``bench/capture_bench.py``). Playwright's own Chromium makes that choice itself
(it launches its headless shell for headless runs); the system packages need it made here.
"""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from playwright.async_api import Browser, Playwright
from playwright.async_api import Error as PlaywrightError

if TYPE_CHECKING:
    from playwright.sync_api import Playwright as SyncPlaywright

from archiver.errors import BrowserNotFound

SYSTEM_CANDIDATES = (
    "/usr/bin/chromium-headless-shell",
    "/usr/bin/chromium",
    "/usr/bin/chromium-browser",
    "/snap/bin/chromium",
    "/usr/bin/google-chrome",
    "/usr/bin/google-chrome-stable",
    "/Applications/Google Chrome.app/Contents/MacOS/Google Chrome",
    "/Applications/Chromium.app/Contents/MacOS/Chromium",
)
BASE_ARGS = (
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-default-apps",
    "--disable-domain-reliability",
    "--hide-scrollbars",
    "--mute-audio",
    "--force-color-profile=srgb",
    # All traffic goes through each context's SOCKS gate; WebRTC must not send UDP around it.
    "--force-webrtc-ip-handling-policy=disable_non_proxied_udp",
    "--webrtc-ip-handling-policy=disable_non_proxied_udp",
)
SYSTEM_NAMES = (
    "chromium-headless-shell",
    "chromium",
    "chromium-browser",
    "google-chrome",
    "google-chrome-stable",
)
INSTALL_HINT = (
    "Install a browser: run `playwright install chromium`, or on Debian/Ubuntu "
    "`sudo apt-get install chromium-headless-shell` (or `chromium`), or set POSTPROOF_CHROMIUM "
    "to a Chromium or Chrome binary."
)


@dataclass(frozen=True)
class BrowserChoice:
    executable: Path | None  # None: Playwright's own build
    source: str  # "POSTPROOF_CHROMIUM", "playwright" or "system"


def system_chromium() -> Path | None:
    for candidate in SYSTEM_CANDIDATES:
        if os.access(candidate, os.X_OK):
            return Path(candidate)
    for name in SYSTEM_NAMES:
        found = shutil.which(name)
        if found:
            return Path(found)
    return None


def choose_browser(pw: Playwright | SyncPlaywright) -> BrowserChoice:
    override = os.environ.get("POSTPROOF_CHROMIUM", "").strip()
    if override:
        path = Path(override).expanduser()
        if not os.access(path, os.X_OK):
            raise BrowserNotFound(
                f"POSTPROOF_CHROMIUM points to {path}, which is not an executable file.",
                hint="Fix or unset POSTPROOF_CHROMIUM. " + INSTALL_HINT,
            )
        return BrowserChoice(path, "POSTPROOF_CHROMIUM")
    try:
        bundled = Path(pw.chromium.executable_path)
    except PlaywrightError:
        bundled = None
    if bundled is not None and bundled.exists():
        return BrowserChoice(None, "playwright")
    system = system_chromium()
    if system is not None:
        return BrowserChoice(system, "system")
    raise BrowserNotFound("No Chromium browser was found on this machine.", hint=INSTALL_HINT)


async def launch(pw: Playwright) -> tuple[Browser, BrowserChoice]:
    choice = choose_browser(pw)
    # The sandbox cannot start as root; everywhere else it stays on.
    sandbox = hasattr(os, "geteuid") and os.geteuid() != 0
    try:
        browser = await pw.chromium.launch(
            executable_path=str(choice.executable) if choice.executable else None,
            headless=True,
            chromium_sandbox=sandbox,
            args=list(BASE_ARGS),
            handle_sigint=False,
            handle_sigterm=False,
            handle_sighup=False,
        )
    except PlaywrightError as exc:
        where = choice.executable or "Playwright's Chromium"
        raise BrowserNotFound(
            f"Chromium ({where}) could not be started: {exc.message.splitlines()[0]}",
            hint=INSTALL_HINT,
        ) from exc
    return browser, choice
