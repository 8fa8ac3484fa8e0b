"""Perceptual hashes of image artifacts."""

from __future__ import annotations

import io

import imagehash
from PIL import Image, UnidentifiedImageError


def perceptual_hashes(data: bytes) -> tuple[str | None, str | None]:
    """Return (pHash, dHash) as hex strings, or (None, None) for bytes that are no image."""
    try:
        with Image.open(io.BytesIO(data)) as image:
            image.load()
            rgb = image.convert("RGB")
    except (UnidentifiedImageError, OSError, Image.DecompressionBombError):
        return None, None
    return str(imagehash.phash(rgb)), str(imagehash.dhash(rgb))
