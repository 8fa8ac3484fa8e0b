"""Perceptual hashes of image artifacts."""

from __future__ import annotations

import io
import warnings

from PIL import Image, UnidentifiedImageError

# Hashing needs a 32x32 picture: an image with more pixels than this is not decoded at all
# (a 13000x13000 image takes over a gigabyte to decode), whatever its file size.
MAX_HASH_PIXELS = 40_000_000


def perceptual_hashes(data: bytes) -> tuple[str | None, str | None]:
    """Return (pHash, dHash) as hex strings, or (None, None) for bytes that are no image or an
    image too large to decode safely. The size is read from the header before any decoding;
    JPEGs are decoded at a reduced scale."""
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
            rgb = image.convert("RGB")
    except (UnidentifiedImageError, OSError, ValueError, Image.DecompressionBombError):
        return None, None
    import imagehash  # numpy with it: loaded when an image is hashed, not on start-up

    return str(imagehash.phash(rgb)), str(imagehash.dhash(rgb))
