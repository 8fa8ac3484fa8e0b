"""Read the text of a screenshot (an e-mail, a statement, a post of someone else) with Tesseract.

Screenshots are small and often dark: the image is turned grey, small ones are upscaled ×2
(Tesseract reads letters best around 30 px tall), and contrast is stretched. When the first
reading is poor, the inverted image is read too and the better reading kept. Dark images
(mean brightness under half) are read inverted first, since Tesseract expects dark ink on light
paper.

Errors: :class:`OcrUnavailable` when Tesseract or a language pack is missing,
:class:`OcrFailed` when the image cannot be decoded or Tesseract fails or times out.
"""

from __future__ import annotations

import io
import os
import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache

import pytesseract
from PIL import Image, ImageOps, ImageStat, UnidentifiedImageError

from archiver.errors import PostproofError

DEFAULT_LANGS = "eng+fra"
DEFAULT_TIMEOUT = 60.0
SMALL_WIDTH = 1600  # narrower than this: upscale ×2
MAX_PIXELS = 40_000_000  # larger than this (after upscaling) is not a screenshot of text
POOR_CONFIDENCE = 75.0  # mean word confidence (0–100) under which the inverted image is tried

# Tesseract spreads one image over every core with OpenMP, whose threads spin while they wait:
# on a busy machine (a browser capturing beside it) that costs five times the time and six times
# the CPU of reading on one core. One thread each, unless whoever runs postproof chose otherwise.
OMP_THREADS = "1"

INSTALL_HINT = (
    "Install Tesseract with English and French data: "
    "`sudo apt-get install tesseract-ocr tesseract-ocr-eng tesseract-ocr-fra` (or ./bootstrap.sh)."
)


class OcrError(PostproofError):
    """Text could not be read from an image."""


class OcrUnavailable(OcrError):
    """Tesseract, or one of the language packs asked for, is not installed."""

    exit_code = 1


class OcrFailed(OcrError):
    """The image could not be decoded, or Tesseract failed or ran out of time on it."""

    exit_code = 1


@dataclass(frozen=True)
class _Reading:
    text: str
    confidence: float  # mean over the words read, 0 when none


def read_text(image: bytes, *, langs: str = DEFAULT_LANGS, timeout: float = DEFAULT_TIMEOUT) -> str:
    """The text of ``image`` (PNG, JPEG, WebP, …): lines kept, words cut by a hyphen at a line
    end joined again, Unicode NFC. ``langs`` is Tesseract's ``-l`` value, e.g. ``"eng+fra"``."""
    _require(langs, pytesseract.pytesseract.tesseract_cmd)
    grey = _prepare(image)
    dark = ImageStat.Stat(grey).mean[0] < 128
    first, second = (ImageOps.invert(grey), grey) if dark else (grey, ImageOps.invert(grey))
    reading = _read(first, langs, timeout)
    if reading.confidence < POOR_CONFIDENCE:
        other = _read(second, langs, timeout)
        if other.confidence > reading.confidence:
            reading = other
    return reading.text


@cache
def _require(langs: str, tesseract_cmd: str) -> None:
    """Fail early, and clearly, when Tesseract or a language is missing (once per process)."""
    try:
        installed = set(pytesseract.get_languages(config=""))
    except pytesseract.TesseractNotFoundError as exc:
        raise OcrUnavailable(
            f"Tesseract OCR was not found (looked for {tesseract_cmd!r}).", hint=INSTALL_HINT
        ) from exc
    missing = [lang for lang in langs.split("+") if lang and lang not in installed]
    if missing:
        packages = " ".join(f"tesseract-ocr-{lang}" for lang in missing)
        raise OcrUnavailable(
            f"Tesseract has no data for {', '.join(missing)} "
            f"(installed: {', '.join(sorted(installed)) or 'none'}).",
            hint=f"Install the language data: `sudo apt-get install {packages}`. {INSTALL_HINT}",
        )


def _prepare(data: bytes) -> Image.Image:
    try:
        with Image.open(io.BytesIO(data)) as opened:
            if opened.width * opened.height > MAX_PIXELS:
                raise OcrFailed(
                    f"The image is too large to read ({opened.width}×{opened.height} pixels).",
                    hint="Crop the screenshot to the text and try again.",
                )
            grey = ImageOps.exif_transpose(opened).convert("L")
    except (UnidentifiedImageError, OSError, Image.DecompressionBombError) as exc:
        raise OcrFailed(
            f"The image could not be decoded: {exc}",
            hint="Give a PNG, JPEG or WebP screenshot.",
        ) from exc
    if grey.width < SMALL_WIDTH:
        grey = grey.resize((grey.width * 2, grey.height * 2), Image.Resampling.LANCZOS)
    return ImageOps.autocontrast(grey)


def _read(image: Image.Image, langs: str, timeout: float) -> _Reading:
    # pytesseract gives its Tesseract this process's environment, and takes no other.
    os.environ.setdefault("OMP_THREAD_LIMIT", OMP_THREADS)
    try:
        data = pytesseract.image_to_data(
            image, lang=langs, timeout=timeout, output_type=pytesseract.Output.DICT
        )
    except pytesseract.TesseractNotFoundError as exc:
        raise OcrUnavailable("Tesseract OCR was not found.", hint=INSTALL_HINT) from exc
    except pytesseract.TesseractError as exc:
        message = str(exc.message).strip()
        if "language" in message.lower() or "traineddata" in message:
            raise OcrUnavailable(
                f"Tesseract cannot load {langs}: {message}", hint=INSTALL_HINT
            ) from exc
        raise OcrFailed(f"Tesseract failed: {message}", hint="Check the image.") from exc
    except RuntimeError as exc:  # pytesseract's timeout ("Tesseract process timeout")
        raise OcrFailed(
            f"Tesseract took longer than {timeout:g} s on the image.",
            hint="Crop the screenshot to the text, or raise the timeout.",
        ) from exc
    lines = list(_lines(data))
    confidences = [float(c) for c, w in zip(data["conf"], data["text"], strict=True) if w.strip()]
    confidence = sum(confidences) / len(confidences) if confidences else 0.0
    return _Reading(normalize_ocr_text("\n".join(lines)), confidence)


def _lines(data: dict[str, list[object]]) -> Iterator[str]:
    """Tesseract's words put back into lines; a blank line between paragraphs."""
    current: tuple[object, ...] | None = None
    paragraph: tuple[object, ...] | None = None
    words: list[str] = []
    for index, word in enumerate(data["text"]):
        text = str(word).strip()
        if not text:
            continue
        key = (data["block_num"][index], data["par_num"][index], data["line_num"][index])
        if key != current:
            if words:
                yield " ".join(words)
            if paragraph is not None and key[:2] != paragraph:
                yield ""
            current, paragraph, words = key, key[:2], []
        words.append(text)
    if words:
        yield " ".join(words)


_CUT_WORD = re.compile(r"\w[-‐‑]$")


def normalize_ocr_text(text: str) -> str:
    """NFC, no trailing spaces, at most one blank line in a row, and a word cut by a hyphen at
    a line end joined on the first line ("travail-\\nler pour" → "travailler\\npour")."""
    lines = [line.strip() for line in unicodedata.normalize("NFC", text).splitlines()]
    joined: list[str] = []
    index = 0
    while index < len(lines):
        line = lines[index]
        following = lines[index + 1] if index + 1 < len(lines) else ""
        # "Jean-\nPierre", "Nébula-\nIA": a capital after the hyphen means a real hyphen.
        if _CUT_WORD.search(line) and following[:1].islower():
            head, _, rest = following.partition(" ")
            line = line[:-1] + head
            if rest:
                lines[index + 1] = rest
            else:
                index += 1
        joined.append(line)
        index += 1
    return re.sub(r"\n{3,}", "\n\n", "\n".join(joined)).strip()
