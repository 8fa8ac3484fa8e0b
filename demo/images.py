"""Images for the fake posts, drawn with Pillow at start: no binary files in the repository.

Drawing is deterministic (same text, same Pillow, same font: same PNG bytes), so perceptual and
byte hashes of captured media are stable from one run to the next.
"""

from __future__ import annotations

import hashlib
import io
from collections.abc import Sequence
from functools import cache

from PIL import Image, ImageDraw, ImageFont

# fonts-dejavu-core on Debian; Pillow's own font stands in where it is missing.
_DEJAVU = "/usr/share/fonts/truetype/dejavu/DejaVuSans{}.ttf"

Font = ImageFont.FreeTypeFont | ImageFont.ImageFont


@cache
def font(size: int, bold: bool = False) -> Font:
    try:
        return ImageFont.truetype(_DEJAVU.format("-Bold" if bold else ""), size)
    except OSError:
        try:
            return ImageFont.load_default(size)
        except TypeError:  # Pillow < 10.1 has a single bitmap size
            return ImageFont.load_default()


def _png(image: Image.Image) -> bytes:
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


def _wrap(draw: ImageDraw.ImageDraw, text: str, face: Font, width: int) -> list[str]:
    """Greedy word wrap by rendered width; an empty input line stays an empty output line."""
    lines: list[str] = []
    for paragraph in text.split("\n"):
        line = ""
        for word in paragraph.split():
            candidate = f"{line} {word}".strip()
            if line and draw.textlength(candidate, font=face) > width:
                lines.append(line)
                line = word
            else:
                line = candidate
        lines.append(line)
    return lines


def email_screenshot(
    subject: str,
    headers: Sequence[tuple[str, str]],
    body: str,
    *,
    footer: str = "",
    width: int = 1000,
) -> bytes:
    """A mail client's reading pane: toolbar, subject, ``headers`` (label, value), then ``body``
    wrapped to the window. Sized to its text so nothing is cut off."""
    margin, line_height = 48, 34
    probe = ImageDraw.Draw(Image.new("RGB", (1, 1)))
    body_lines = _wrap(probe, body, font(22), width - 2 * margin)
    subject_lines = _wrap(probe, subject, font(28, bold=True), width - 2 * margin)
    height = 64 + 24 + 40 * len(subject_lines) + 12 + 34 * len(headers) + 32
    height += line_height * len(body_lines) + (60 if footer else 0) + margin
    image = Image.new("RGB", (width, height), "#ffffff")
    draw = ImageDraw.Draw(image)

    draw.rectangle((0, 0, width, 64), fill="#f1f3f4")
    x = margin
    for label in ("← Retour", "Répondre", "Transférer", "Archiver"):
        draw.text((x, 20), label, font=font(18), fill="#444746")
        x += int(draw.textlength(label, font=font(18))) + 36
    y = 64 + 24
    for line in subject_lines:
        draw.text((margin, y), line, font=font(28, bold=True), fill="#1f1f1f")
        y += 40
    y += 12
    for label, value in headers:
        draw.text((margin, y), f"{label} :", font=font(18, bold=True), fill="#5f6368")
        draw.text((margin + 110, y), value, font=font(18), fill="#3c4043")
        y += 34
    y += 8
    draw.line((margin, y, width - margin, y), fill="#dadce0", width=2)
    y += 24
    for line in body_lines:
        draw.text((margin, y), line, font=font(22), fill="#202124")
        y += line_height
    if footer:
        y += 20
        draw.text((margin, y), footer, font=font(16), fill="#80868b")
    return _png(image)


@cache  # the same picture for the same words: drawn and encoded once per process (0.1 s each)
def placeholder_photo(
    title: str, subtitle: str = "", *, size: tuple[int, int] = (1200, 675)
) -> bytes:
    """A photo-like picture (sky, hills, sun) tinted from ``title``, with a caption band: distinct
    per title, so each fixture post has media of its own."""
    seed = hashlib.sha512(title.encode()).digest()  # 64 bytes: enough for every choice
    width, height = size
    image = Image.new("RGB", size)
    draw = ImageDraw.Draw(image)
    top = (seed[0] // 2, seed[1] // 2 + 60, 160 + seed[2] % 96)
    bottom = (200 + seed[3] % 56, 170 + seed[4] % 64, 120 + seed[5] % 80)
    for row in range(height):
        t = row / max(height - 1, 1)
        colour = tuple(int(a + (b - a) * t) for a, b in zip(top, bottom, strict=True))
        draw.line((0, row, width, row), fill=colour)
    sun_x, sun_r = width * (0.2 + seed[6] / 400), height // 9
    draw.ellipse(
        (sun_x - sun_r, height * 0.25 - sun_r, sun_x + sun_r, height * 0.25 + sun_r), fill="#fff3c4"
    )
    for layer in range(3):
        shade = 40 + 30 * layer + seed[7 + layer] % 30
        base = int(height * (0.55 + 0.12 * layer))
        peaks = [(0, height)]
        for step in range(9):
            px = step * width // 8
            py = base - (seed[10 + layer * 9 + step] % (height // 6))
            peaks.append((px, py))
        peaks.append((width, height))
        draw.polygon(peaks, fill=(shade // 2, shade, shade // 2 + 20))
    band = int(height * 0.8)
    draw.rectangle((0, band, width, height), fill=(0, 0, 0))
    draw.text((40, band + 18), title, font=font(40, bold=True), fill="#ffffff")
    if subtitle:
        draw.text((40, band + 72), subtitle, font=font(24), fill="#d0d0d0")
    return _png(image)
