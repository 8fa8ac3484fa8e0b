"""Hostile pages mixed with normal posts, at concurrency 2: every capture ends within its
timeout plus 10 s, every normal post is ok with its screenshots, and postproof's own process
stays within a bounded memory (measured in a process of its own) whatever the pages send."""

from __future__ import annotations

import io
import json
import struct
import subprocess
import sys
import zlib
from collections.abc import Callable
from pathlib import Path

import pytest
from PIL import Image

from archiver.imaging import MAX_HASH_PIXELS, perceptual_hashes

pytestmark = [pytest.mark.browser, pytest.mark.slow]

# Stated in the README: one capture run's own process, whatever a page sends.
PEAK_RSS_BOUND = 400_000_000


def test_a_hostile_batch_ends_in_time_with_bounded_memory() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "tests.archiver.hostile_batch"],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
        cwd=Path(__file__).resolve().parents[2],
    )
    assert done.returncode == 0, done.stderr[-3000:]
    report = json.loads(done.stdout)
    # 80 images that decompress to 40 MB each (3.2 GB) were on the pages.
    assert report["peak_rss"] < PEAK_RSS_BOUND, report["peak_rss"]
    for capture in report["captures"]:
        assert capture["seconds"] <= report["timeout"] + 10, capture
        if capture["normal"]:
            assert capture["status"] == "ok", capture
            assert capture["screenshot"] and capture["post_screenshot"], capture
    bombs = [c for c in report["captures"] if "/bombs" in c["url"]]
    assert bombs and all(c["status"] == "ok" and c["screenshot"] for c in bombs), bombs
    [spin] = [c for c in report["captures"] if c["url"].endswith("/spin")]
    assert spin["status"] == "unavailable"
    assert "froze the browser's renderer" in spin["reason"], spin["reason"]


def _png_header(width: int, height: int) -> bytes:
    """A PNG that declares a huge image: decoding it would take gigabytes."""
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    chunk = b"IHDR" + ihdr
    body = struct.pack(">I", len(ihdr)) + chunk + struct.pack(">I", zlib.crc32(chunk))
    idat = zlib.compress(b"\0" * 1024)
    data = b"IDAT" + idat
    tail = struct.pack(">I", len(idat)) + data + struct.pack(">I", zlib.crc32(data))
    return b"\x89PNG\r\n\x1a\n" + body + tail


def _status_kb(field: str) -> int:
    with open("/proc/self/status", encoding="ascii") as status:
        return next(int(line.split()[1]) for line in status if line.startswith(field + ":"))


def _peak_of(step: Callable[[], object]) -> int:
    """How far above its starting point this process's memory went during ``step``, in kB:
    the high-water mark is reset first (Linux: ``5`` into /proc/self/clear_refs)."""
    Path("/proc/self/clear_refs").write_text("5")
    before = _status_kb("VmRSS")
    step()
    return _status_kb("VmHWM") - before


def test_an_image_with_too_many_pixels_is_never_decoded() -> None:
    assert perceptual_hashes(_png_header(13_000, 13_000)) == (None, None)
    assert _peak_of(lambda: perceptual_hashes(_png_header(13_000, 13_000))) < 50_000
    # The measure does see a decoding: 3000x3000 pixels (27 MB in RGB) are decoded and hashed.
    buffer = io.BytesIO()
    Image.new("RGB", (3_000, 3_000), "white").save(buffer, "PNG")
    whole = buffer.getvalue()
    assert _peak_of(lambda: perceptual_hashes(whole)) > 20_000
    assert MAX_HASH_PIXELS < 13_000 * 13_000
