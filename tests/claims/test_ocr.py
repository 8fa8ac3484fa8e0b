"""Text read from screenshots drawn here with Pillow: an e-mail in French, light and dark."""

from __future__ import annotations

import io
import shutil
from pathlib import Path

import pytesseract
import pytest
from PIL import Image, ImageDraw, ImageFont

from claims._match import match_quote
from claims._ocr import OcrFailed, OcrUnavailable, normalize_ocr_text, read_text
from claims.models import MatchResult

KEY_SENTENCE = "Je ne peux pas travailler pour Victor Kessler en conscience."
EMAIL_LINES = (
    "De : Camille Royer <camille.royer@orbital-labs.example>",
    "À : recrutement@nebula-ia.example",
    "Objet : Re: Votre proposition de poste",
    "",
    "Bonjour,",
    "Merci pour votre message et pour l'intérêt porté à mon tra-",
    "vail. Après réflexion, ma réponse est non. « Je ne peux",
    "pas travailler pour Victor Kessler en conscience. » Je préfère",
    "le dire clairement, sans détour ni arrière-pensée.",
    "Cordialement, Camille",
)
DEJAVU = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"

pytestmark = pytest.mark.skipif(
    shutil.which("tesseract") is None,
    reason="Tesseract is not installed (sudo apt-get install tesseract-ocr "
    "tesseract-ocr-eng tesseract-ocr-fra, or ./bootstrap.sh)",
)


def font(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    try:
        return ImageFont.truetype(DEJAVU, size)
    except OSError:
        return ImageFont.load_default(size)


def screenshot(lines: tuple[str, ...], *, dark: bool = False, size: int = 15) -> bytes:
    """An e-mail client's reading pane, 640 px wide as on a phone at 1×."""
    face = font(size)
    step = int(size * 1.6)
    background, ink = ((32, 34, 37), (220, 221, 222)) if dark else ((255, 255, 255), (30, 30, 30))
    image = Image.new("RGB", (640, 24 + step * len(lines)), background)
    draw = ImageDraw.Draw(image)
    for number, line in enumerate(lines):
        draw.text((16, 12 + number * step), line, font=face, fill=ink)
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


@pytest.mark.parametrize("dark", [False, True], ids=["light", "dark"])
def test_email_screenshot_is_read_with_its_accents_and_guillemets(dark: bool) -> None:
    text = read_text(screenshot(EMAIL_LINES, dark=dark))
    found = match_quote(KEY_SENTENCE, [("image:test", text)])
    assert found.result in {MatchResult.EXACT, MatchResult.FUZZY}
    assert found.score >= 90
    assert "«" in text and "Après réflexion" in text and "intérêt" in text
    # the line breaks are kept, the word cut at a line end is joined again
    assert "Camille Royer" in text.splitlines()[0]
    assert "travail." in text and "tra-" not in text


def test_missing_tesseract_is_reported_with_the_install_hint(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(pytesseract.pytesseract, "tesseract_cmd", "/nonexistent/tesseract")
    with pytest.raises(OcrUnavailable) as caught:
        read_text(screenshot(("Bonjour",)))
    assert caught.value.exit_code == 1
    assert caught.value.hint is not None
    assert "sudo apt-get install tesseract-ocr tesseract-ocr-eng tesseract-ocr-fra" in (
        caught.value.hint
    )


def test_missing_language_is_named() -> None:
    with pytest.raises(OcrUnavailable) as caught:
        read_text(screenshot(("Bonjour",)), langs="eng+qqq")
    assert "qqq" in caught.value.message
    assert caught.value.hint is not None and "tesseract-ocr-qqq" in caught.value.hint


def test_bytes_that_are_not_an_image_fail_cleanly() -> None:
    with pytest.raises(OcrFailed) as caught:
        read_text(b"<html>not an image</html>")
    assert caught.value.hint


def test_normalize_ocr_text_joins_cut_words_and_keeps_lines() -> None:
    raw = (
        "Je ne peux pas travail-\nler pour Victor  \nKessler en con-\nscience.\n\n\n\nJean-\nPierre"
    )
    assert normalize_ocr_text(raw) == (
        "Je ne peux pas travailler\npour Victor\nKessler en conscience.\n\nJean-\nPierre"
    )


@pytest.mark.parametrize(("chosen", "seen"), [(None, "1"), ("2", "2")], ids=["default", "kept"])
def test_tesseract_reads_on_one_thread_unless_told_otherwise(
    chosen: str | None, seen: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """OpenMP's spinning threads make Tesseract five times slower beside a busy browser; a
    reading gets one thread, unless whoever runs postproof set ``OMP_THREAD_LIMIT`` itself."""
    real = shutil.which("tesseract")
    log = tmp_path / "threads.log"
    watcher = tmp_path / "tesseract"  # the real Tesseract, its environment noted first
    watcher.write_text(f'#!/bin/sh\necho "$OMP_THREAD_LIMIT" >> {log}\nexec {real} "$@"\n')
    watcher.chmod(0o755)
    monkeypatch.setattr(pytesseract.pytesseract, "tesseract_cmd", str(watcher))
    if chosen is None:
        monkeypatch.delenv("OMP_THREAD_LIMIT", raising=False)
    else:
        monkeypatch.setenv("OMP_THREAD_LIMIT", chosen)
    assert "Bonjour" in read_text(screenshot(("Bonjour Camille",), size=20))
    assert set(log.read_text().split()) == {seen}
