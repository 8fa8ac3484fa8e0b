"""The screenshots' perceptual hashes are imagehash's own, bit for bit, so that a capture hashed
today is compared fairly with one hashed by an earlier postproof; and hashing loads no SciPy."""

from __future__ import annotations

import hashlib
import io
import subprocess
import sys

import imagehash
import numpy
import pytest
from PIL import Image, ImageDraw

from archiver import imaging
from archiver.imaging import perceptual_hashes
from tests.conftest import REPO


def png(image: Image.Image) -> bytes:
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


def reference(image: Image.Image) -> tuple[str, str]:
    rgb = image.convert("RGB")
    return str(imagehash.phash(rgb)), str(imagehash.dhash(rgb))


def page_like(seed: int) -> Image.Image:
    """A screenshot-like picture: a white page, a coloured banner, lines of text."""
    rng = numpy.random.default_rng(seed)
    image = Image.new("RGB", (1280, int(rng.integers(600, 4000))), "white")
    draw = ImageDraw.Draw(image)
    if seed % 2:
        draw.rectangle((0, 0, 1280, 60), fill=(29, 161, 242))
    for _ in range(int(rng.integers(1, 30))):
        xy = (int(rng.integers(0, 600)), int(rng.integers(0, image.height)))
        draw.text(xy, "The council voted the budget tonight. " * 3, fill="black")
    return image


def pictures() -> list[tuple[str, Image.Image]]:
    rng = numpy.random.default_rng(7)
    noise = [
        (f"noise-{n}", Image.fromarray(rng.integers(0, 256, (h, w, 3), dtype=numpy.uint8)))
        for n, (h, w) in enumerate(rng.integers(9, 700, (40, 2)))
    ]
    flat = [(f"flat-{v}", Image.new("RGB", (800, 2000), (v, v, v))) for v in (0, 128, 255)]
    stripes = []
    for step in (2, 5, 16):
        bands = numpy.zeros((300, 300), numpy.uint8)
        bands[::step] = 255
        stripes += [(f"rows-{step}", Image.fromarray(bands))]
        stripes += [(f"columns-{step}", Image.fromarray(bands.T.copy()))]
    pages = [(f"page-{n}", page_like(n)) for n in range(12)]
    rgba = [("rgba", Image.new("RGBA", (400, 300), (200, 30, 30, 90)))]
    rgba += [("rgba-page", page_like(3).convert("RGBA"))]
    # Modes whose grey is taken through RGB: a palette, grey with alpha.
    others = [
        ("palette", page_like(4).convert("P", palette=Image.Palette.ADAPTIVE, colors=17)),
        ("grey-alpha", page_like(6).convert("LA")),
    ]
    return noise + flat + stripes + pages + rgba + others


@pytest.mark.parametrize("picture", pictures(), ids=lambda picture: picture[0])
def test_the_hashes_are_imagehash_s(picture: tuple[str, Image.Image]) -> None:
    name, image = picture
    assert perceptual_hashes(png(image)) == reference(image), name


def test_bytes_that_are_no_image_have_no_hash() -> None:
    assert perceptual_hashes(b"<html>not a picture</html>") == (None, None)


def test_hashing_loads_no_scipy() -> None:
    code = (
        "import sys; from archiver.imaging import perceptual_hashes; from tests.archiver."
        "test_imaging import page_like, png; assert perceptual_hashes(png(page_like(1)))[0]; "
        "print(sorted(m for m in sys.modules if m.split('.')[0] == 'scipy'))"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, check=True
    )
    assert done.stdout.strip() == "[]"


def test_bytes_hashed_before_are_not_decoded_again(monkeypatch: pytest.MonkeyPatch) -> None:
    """The same picture again (a post's unchanged image at each re-check) gives the same hashes
    without being decoded: only the last KNOWN_IMAGES pictures are remembered."""
    decoded: list[bytes] = []
    decode = imaging._decoded_hashes
    monkeypatch.setattr(
        imaging, "_decoded_hashes", lambda data: decoded.append(data) or decode(data)
    )
    monkeypatch.setattr(imaging, "KNOWN_IMAGES", 2)
    monkeypatch.setattr(imaging, "_known", type(imaging._known)())
    first, second, third = (png(page_like(seed)) for seed in (11, 12, 13))
    hashes = perceptual_hashes(first)
    assert hashes == reference(page_like(11))
    given = hashlib.sha256(first).hexdigest()
    assert perceptual_hashes(first) == perceptual_hashes(first, sha256=given) == hashes
    assert decoded == [first]
    perceptual_hashes(second)
    perceptual_hashes(third)  # the third pushes out the first, the least recently used
    assert perceptual_hashes(second) == reference(page_like(12))
    assert perceptual_hashes(first) == hashes
    assert decoded == [first, second, third, first]
