"""Printing to PDF with the capture browser: offline, without script, every request refused and
named; the page's own CSS sets the paper."""

from __future__ import annotations

import io

import pytest
from pypdf import PdfReader

from archiver.printing import print_pdf

pytestmark = pytest.mark.browser

PAGE = """<!doctype html><html><head><meta charset="utf-8">
<link rel="stylesheet" href="http://printing.invalid/style.css">
<style>@page { size: A5; margin: 10mm; } .page { break-after: page; }</style></head><body>
<p class="page">First page <img src="http://printing.invalid/pixel.png" alt=""></p>
<p>Second page</p>
<script>document.body.append("the script ran")</script>
</body></html>"""


def test_a_page_prints_offline_without_script_and_names_what_it_tried_to_fetch() -> None:
    printed = print_pdf(PAGE)
    assert printed.pdf.startswith(b"%PDF-")
    reader = PdfReader(io.BytesIO(printed.pdf))
    assert len(reader.pages) == 2
    width, height = (float(v) * 25.4 / 72 for v in reader.pages[0].mediabox.upper_right)
    assert (round(width), round(height)) == (148, 210)  # A5, as the page's CSS asks
    text = " ".join(page.extract_text() for page in reader.pages)
    assert "First page" in text and "Second page" in text
    assert "the script ran" not in text
    assert set(printed.blocked) == {
        "http://printing.invalid/style.css",
        "http://printing.invalid/pixel.png",
    }
