"""Printing a page postproof wrote (a report, a certificate) to PDF with the capture browser.

The same Chromium as captures, launched the same way (``archiver.browser.launch``: the system
Chromium when Playwright has none of its own, the sandbox on unless run as root). The page is
handed over as a string and printed with JavaScript off, offline, and every request the page
tries refused and recorded: what postproof prints is self-contained, and printing it reaches
nothing outside it.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass

from playwright.async_api import Browser, Route, async_playwright
from playwright.async_api import Error as PlaywrightError

from archiver.browser import launch
from archiver.errors import BrowserCrashed

log = logging.getLogger("postproof.archiver")

PRINT_TIMEOUT = 120.0  # seconds for loading and printing one document, however many pages
# Page numbers in the bottom margin (Chromium fills in the two spans itself, without script).
FOOTER = (
    '<div style="width: 100%; font: 8px system-ui, sans-serif; color: #5f6368; '
    'text-align: right; padding: 0 15mm;">'
    '<span class="pageNumber"></span> / <span class="totalPages"></span></div>'
)


@dataclass(frozen=True)
class PrintedPdf:
    pdf: bytes
    blocked: tuple[str, ...]  # requests the page tried to make, all refused (none is expected)


def print_pdf(html: str, *, timeout: float = PRINT_TIMEOUT) -> PrintedPdf:
    """Print ``html`` (a whole document; its CSS sets the page size with ``@page``) to PDF."""
    return asyncio.run(_print(html, timeout))


async def _print(html: str, timeout: float) -> PrintedPdf:
    async with async_playwright() as pw:
        browser, _choice = await launch(pw)
        try:
            return await asyncio.wait_for(_print_page(browser, html), timeout)
        except TimeoutError as exc:
            raise BrowserCrashed(
                f"Chromium did not print the PDF within {timeout:.0f} s.",
                hint="try again; a report with very many screenshots takes longer",
            ) from exc
        except PlaywrightError as exc:
            raise BrowserCrashed(
                f"Chromium could not print the PDF: {exc.message.splitlines()[0]}",
                hint="run the command again with --verbose; if it happens again, report it",
            ) from exc
        finally:
            try:
                await asyncio.wait_for(browser.close(), 15)
            except (PlaywrightError, TimeoutError) as exc:
                log.warning("the browser did not close cleanly: %s", exc)


async def _print_page(browser: Browser, html: str) -> PrintedPdf:
    context = await browser.new_context(
        java_script_enabled=False,
        offline=True,
        service_workers="block",
        locale="en-US",
        timezone_id="UTC",
        color_scheme="light",
    )
    blocked: list[str] = []

    async def refuse(route: Route) -> None:
        blocked.append(route.request.url)
        await route.abort("blockedbyclient")

    try:
        await context.route("**/*", refuse)
        page = await context.new_page()
        await page.set_content(html, wait_until="load")
        await page.emulate_media(media="print")
        pdf = await page.pdf(
            print_background=True,
            prefer_css_page_size=True,
            display_header_footer=True,
            header_template="<span></span>",
            footer_template=FOOTER,
        )
    finally:
        await context.close()
    for url in blocked:
        log.warning("printing refused a request of the page: %s", url)
    return PrintedPdf(pdf, tuple(blocked))
