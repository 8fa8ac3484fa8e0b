"""A picture of what changed: two post screenshots side by side, changed regions outlined in red.

Regions are found on a grid: both screenshots are laid on one canvas (top-left aligned, because an
edited post grows downward), blurred a little so antialiasing does not count, thresholded, and
16-pixel cells holding changed pixels are grouped with their neighbours into rectangles.
"""

from __future__ import annotations

import functools
import io
from collections import deque
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray
from PIL import Image, ImageDraw, ImageFilter, ImageFont, UnidentifiedImageError

FONT_PATH = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"
MARGIN = 16  # around and between the two panels, in output pixels
LABEL_BAND = 28  # height of the label strip above each panel
BACKGROUND = (232, 232, 232)
OUTLINE = (230, 0, 0)
LABEL_COLOUR = (40, 40, 40)

DETECT_MAX_SIDE = 2000  # larger screenshots are downscaled for detection, boxes scaled back
CELL = 16  # grid cell side, in detection pixels
PIXEL_THRESHOLD = 24  # grey-level difference (0-255) that counts as changed, after the blur
CELL_MIN_PIXELS = 3  # changed pixels a cell needs, so single stray pixels stay quiet
REGION_MIN_PIXELS = 24  # changed pixels a region needs to be reported (a one-digit edit has more)
BOX_PAD = 3  # detection pixels added around each region so the outline does not hide it


_Font = ImageFont.FreeTypeFont | ImageFont.ImageFont


@dataclass(frozen=True)
class Box:
    """A changed region, in pixels of the screenshots (both share the top-left origin)."""

    x: int
    y: int
    width: int
    height: int


def side_by_side(
    before_png: bytes, after_png: bytes, *, labels: tuple[str, str] = ("before", "after")
) -> tuple[bytes, tuple[Box, ...]]:
    """Return a PNG of both screenshots side by side with changed regions outlined on each, and
    those regions. Raises ``ValueError`` when either byte string is not an image."""
    before = _load(before_png, "before")
    after = _load(after_png, "after")
    try:
        boxes = _changed_regions(before, after)
        return _compose(before, after, boxes, labels), boxes
    finally:
        before.close()
        after.close()


def _changed_regions(before: Image.Image, after: Image.Image) -> tuple[Box, ...]:
    """Rectangles around the regions that differ between two screenshots, top to bottom."""
    width, height = max(before.width, after.width), max(before.height, after.height)
    scale = min(1.0, DETECT_MAX_SIDE / max(width, height))
    old, new = _grey_canvas(before, scale), _grey_canvas(after, scale)
    rows, cols = max(old.shape[0], new.shape[0]), max(old.shape[1], new.shape[1])
    old, new = _pad_to(old, rows, cols), _pad_to(new, rows, cols)
    changed = np.abs(old.astype(np.int16) - new.astype(np.int16)) > PIXEL_THRESHOLD
    boxes = []
    for top, left, bottom, right in _regions(changed):
        x0 = max(0, int((left - BOX_PAD) / scale))
        y0 = max(0, int((top - BOX_PAD) / scale))
        x1 = min(width, int(np.ceil((right + BOX_PAD) / scale)))
        y1 = min(height, int(np.ceil((bottom + BOX_PAD) / scale)))
        boxes.append(Box(x0, y0, x1 - x0, y1 - y0))
    return tuple(sorted(boxes, key=lambda b: (b.y, b.x)))


def _load(data: bytes, name: str) -> Image.Image:
    try:
        with Image.open(io.BytesIO(data)) as image:
            image.load()
            if image.mode in ("RGBA", "LA", "PA") or "transparency" in image.info:
                rgba = image.convert("RGBA")
                flat = Image.new("RGB", rgba.size, (255, 255, 255))
                flat.paste(rgba, mask=rgba.getchannel("A"))
                rgba.close()
                return flat
            return image.convert("RGB")
    except (UnidentifiedImageError, OSError, Image.DecompressionBombError) as exc:
        raise ValueError(f"the {name} screenshot is not a readable image: {exc}") from exc


def _grey_canvas(image: Image.Image, scale: float) -> NDArray[np.uint8]:
    grey = image.convert("L")
    if scale < 1.0:
        size = (max(1, round(image.width * scale)), max(1, round(image.height * scale)))
        small = grey.resize(size, Image.Resampling.BOX)
        grey.close()
        grey = small
    blurred = grey.filter(ImageFilter.GaussianBlur(1))
    grey.close()
    array = np.asarray(blurred, dtype=np.uint8).copy()
    blurred.close()
    return array


def _pad_to(grey: NDArray[np.uint8], rows: int, cols: int) -> NDArray[np.uint8]:
    """Extend a screenshot with its own background (the median of its bottom row and right
    column), so the area a shorter capture never had differs only where the other has content."""
    if grey.shape == (rows, cols):
        return grey
    fill = int(np.median(np.concatenate((grey[-1, :], grey[:, -1]))))
    canvas = np.full((rows, cols), fill, dtype=np.uint8)
    canvas[: grey.shape[0], : grey.shape[1]] = grey
    return canvas


def _regions(changed: NDArray[np.bool_]) -> list[tuple[int, int, int, int]]:
    """(top, left, bottom, right) in pixels of each group of neighbouring changed cells."""
    rows, cols = -(-changed.shape[0] // CELL), -(-changed.shape[1] // CELL)
    padded = np.zeros((rows * CELL, cols * CELL), dtype=np.int32)
    padded[: changed.shape[0], : changed.shape[1]] = changed
    counts = padded.reshape(rows, CELL, cols, CELL).sum(axis=(1, 3))
    cells = counts >= CELL_MIN_PIXELS
    regions = []
    for members in _components(_dilate(cells)):
        hit = [(r, c) for r, c in members if cells[r, c]]
        if sum(int(counts[r, c]) for r, c in hit) < REGION_MIN_PIXELS:
            continue
        top, left = min(r for r, _ in hit), min(c for _, c in hit)
        bottom, right = max(r for r, _ in hit) + 1, max(c for _, c in hit) + 1
        # Tighten from cell edges to the changed pixels themselves.
        block = changed[top * CELL : bottom * CELL, left * CELL : right * CELL]
        ys, xs = np.nonzero(block)
        regions.append(
            (
                top * CELL + int(ys.min()),
                left * CELL + int(xs.min()),
                top * CELL + int(ys.max()) + 1,
                left * CELL + int(xs.max()) + 1,
            )
        )
    return regions


def _dilate(cells: NDArray[np.bool_]) -> NDArray[np.bool_]:
    """Grow marked cells by one in all eight directions, so the words of one edit join up."""
    grown = np.pad(cells, 1)
    out = np.zeros_like(cells)
    rows, cols = cells.shape
    for dr in (0, 1, 2):
        for dc in (0, 1, 2):
            out |= grown[dr : dr + rows, dc : dc + cols]
    return out


def _components(mask: NDArray[np.bool_]) -> list[list[tuple[int, int]]]:
    """8-connected groups of marked cells (the grid is at most ~125x125 cells)."""
    seen = np.zeros_like(mask)
    groups = []
    for start in zip(*np.nonzero(mask), strict=True):
        r0, c0 = int(start[0]), int(start[1])
        if seen[r0, c0]:
            continue
        seen[r0, c0] = True
        group, queue = [], deque([(r0, c0)])
        while queue:
            r, c = queue.popleft()
            group.append((r, c))
            for nr in range(max(0, r - 1), min(mask.shape[0], r + 2)):
                for nc in range(max(0, c - 1), min(mask.shape[1], c + 2)):
                    if mask[nr, nc] and not seen[nr, nc]:
                        seen[nr, nc] = True
                        queue.append((nr, nc))
        groups.append(group)
    return groups


def _compose(
    before: Image.Image, after: Image.Image, boxes: tuple[Box, ...], labels: tuple[str, str]
) -> bytes:
    height = max(before.height, after.height)
    width = before.width + after.width + 3 * MARGIN
    sheet = Image.new("RGB", (width, 2 * MARGIN + LABEL_BAND + height), BACKGROUND)
    try:
        draw = ImageDraw.Draw(sheet)
        font = _font()
        top = MARGIN + LABEL_BAND
        left = MARGIN
        line = max(2, round(max(width, height) / 600))
        for image, label in zip((before, after), labels, strict=True):
            sheet.paste(image, (left, top))
            label = _fit(draw, label, font, image.width)
            draw.text((left, MARGIN + 4), label, fill=LABEL_COLOUR, font=font)
            for box in boxes:
                _outline(draw, box, left, top, image.width, height, line)
            left += image.width + MARGIN
        out = io.BytesIO()
        sheet.save(out, format="PNG", optimize=False)
        return out.getvalue()
    finally:
        sheet.close()


def _outline(
    draw: ImageDraw.ImageDraw, box: Box, left: int, top: int, width: int, height: int, line: int
) -> None:
    """Draw ``box`` on a panel, clipped to it; a region beyond a narrower panel is not drawn."""
    if box.x >= width or box.y >= height:
        return
    x1, y1 = min(box.x + box.width, width), min(box.y + box.height, height)
    draw.rectangle(
        (left + box.x, top + box.y, left + x1 - 1, top + y1 - 1), outline=OUTLINE, width=line
    )


def _fit(draw: ImageDraw.ImageDraw, text: str, font: _Font, width: int) -> str:
    """Shorten a label with an ellipsis so it stays above its own panel."""
    if draw.textlength(text, font=font) <= width:
        return text
    while text and draw.textlength(text + "…", font=font) > width:
        text = text[:-1]
    return text + "…"


@functools.cache
def _font() -> _Font:
    try:
        return ImageFont.truetype(FONT_PATH, 15)
    except OSError:  # no DejaVu on this system
        return ImageFont.load_default()
