"""Perceptual hashes of image artifacts."""

from __future__ import annotations

import hashlib
import io
import threading
import warnings
from collections import OrderedDict
from functools import cache
from typing import TYPE_CHECKING

from PIL import Image, UnidentifiedImageError

if TYPE_CHECKING:
    import imagehash
    import numpy

# Hashing needs a 32x32 picture: an image with more pixels than this is not decoded at all
# (a 13000x13000 image takes over a gigabyte to decode), whatever its file size.
MAX_HASH_PIXELS = 40_000_000
HASH_SIZE = 8  # 64-bit hashes
PHASH_SIDE = HASH_SIZE * 4  # pHash's picture: 32x32, of which the 8x8 lowest frequencies count
GREY_AS_RGB = frozenset({"RGB", "RGBA", "L"})  # modes whose grey is the grey of their RGB
# The hashes of the images this process hashed last, by their bytes' SHA-256: the same bytes
# again (a post's unchanged picture at each re-check, a page photographed identically) are not
# decoded again. Two short strings an image.
KNOWN_IMAGES = 1024
Hashes = tuple[str | None, str | None]
_known: OrderedDict[str, Hashes] = OrderedDict()
_known_lock = threading.Lock()


def perceptual_hashes(data: bytes, *, sha256: str | None = None) -> Hashes:
    """Return (pHash, dHash) as hex strings, or (None, None) for bytes that are no image or an
    image too large to decode safely. The size is read from the header before any decoding;
    JPEGs are decoded at a reduced scale. ``sha256``: the bytes' SHA-256 (hex), when the caller
    has it already; bytes hashed before by this process are not decoded again."""
    digest = sha256 or hashlib.sha256(data).hexdigest()
    with _known_lock:
        known = _known.get(digest)
        if known is not None:
            _known.move_to_end(digest)
            return known
    hashes = _decoded_hashes(data)
    with _known_lock:
        _known[digest] = hashes
        if len(_known) > KNOWN_IMAGES:
            _known.popitem(last=False)
    return hashes


def _decoded_hashes(data: bytes) -> Hashes:
    try:
        with warnings.catch_warnings():
            # Pillow warns of a possible bomb from the header alone; the size is checked here.
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            opened = Image.open(io.BytesIO(data))
        with opened as image:
            width, height = image.size
            if width * height > MAX_HASH_PIXELS:
                return None, None
            if width * height > 4_000_000:
                image.draft("RGB", (1024, 1024))  # a big JPEG: decode at a reduced scale
            image.load()
            # As imagehash was given it, through RGB: grey from another mode (CMYK, palette)
            # may differ by a level, and the hashes would no longer match the earlier ones.
            # From RGB, RGBA and L the grey is the same level straight away, without the copy.
            direct = image.mode in GREY_AS_RGB
            gray = image.convert("L") if direct else image.convert("RGB").convert("L")
    except (UnidentifiedImageError, OSError, ValueError, Image.DecompressionBombError):
        return None, None
    return str(phash(gray)), str(dhash(gray))


def phash(gray: Image.Image) -> imagehash.ImageHash:
    """``imagehash.phash`` of a grayscale picture, bit for bit (checked in the tests), with the
    two-dimensional DCT-II done as two products with its 32x32 matrix: imagehash's own takes
    SciPy's FFT, whose import alone costs a capture process a quarter of a CPU-second."""
    import imagehash
    import numpy

    pixels = numpy.asarray(
        gray.resize((PHASH_SIDE, PHASH_SIDE), Image.Resampling.LANCZOS), numpy.float64
    )
    matrix = _dct_matrix()
    # Rounded so that a coefficient that is zero (a flat or symmetric picture) is exactly zero,
    # as SciPy's FFT gives it, not a rounding error on either side of the median.
    low = numpy.round(matrix @ pixels @ matrix.T, 6)[:HASH_SIZE, :HASH_SIZE]
    return imagehash.ImageHash(low > numpy.median(low))


def dhash(gray: Image.Image) -> imagehash.ImageHash:
    """``imagehash.dhash`` of a grayscale picture, bit for bit (checked in the tests), without
    its second copy of the picture (it converts to grey again what is already grey)."""
    import imagehash
    import numpy

    pixels = numpy.asarray(gray.resize((HASH_SIZE + 1, HASH_SIZE), Image.Resampling.LANCZOS))
    return imagehash.ImageHash(pixels[:, 1:] > pixels[:, :-1])


@cache
def _dct_matrix() -> numpy.ndarray:
    """Unnormalised DCT-II (SciPy's ``dct(x, type=2)``): ``X[k] = 2 Σ x[n] cos(πk(2n+1)/2N)``."""
    import numpy

    k = numpy.arange(PHASH_SIDE).reshape(-1, 1)
    n = numpy.arange(PHASH_SIDE)
    matrix: numpy.ndarray = 2 * numpy.cos(numpy.pi * k * (2 * n + 1) / (2 * PHASH_SIDE))
    return matrix
