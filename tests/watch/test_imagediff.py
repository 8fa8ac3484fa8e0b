"""The side-by-side picture: changed regions boxed, noise and identical captures left alone."""

from __future__ import annotations

import io

import pytest
from PIL import Image, ImageDraw, ImageFont

from watch._imagediff import LABEL_BAND, MARGIN, Box, side_by_side

FONT = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"
LINES = (
    "Breaking: the council approved the new budget",
    "after a long debate on Tuesday night. More",
    "details at the press conference tomorrow.",
)


def _font(size: int = 20) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    try:
        return ImageFont.truetype(FONT, size)
    except OSError:
        return ImageFont.load_default(size)


def card(lines: tuple[str, ...] = LINES, *, width: int = 620) -> Image.Image:
    """A post-like card: avatar, author line, text lines, an action bar."""
    height = 140 + 34 * len(lines)
    image = Image.new("RGB", (width, height), "white")
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, 0, width - 1, height - 1), outline=(207, 217, 222), width=1)
    draw.ellipse((16, 16, 64, 64), fill=(29, 155, 240))
    draw.text((76, 18), "City Reporter  @cityreporter", fill="black", font=_font(18))
    for i, line in enumerate(lines):
        draw.text((76, 80 + 34 * i), line, fill=(15, 20, 25), font=_font())
    draw.line((76, height - 40, width - 20, height - 40), fill=(230, 236, 240), width=1)
    return image


def word_box(lines: tuple[str, ...], row: int, word: str) -> tuple[int, int, int, int]:
    """Where ``word`` of line ``row`` is drawn on a card: (left, top, right, bottom)."""
    probe = ImageDraw.Draw(Image.new("RGB", (1, 1)))
    line = lines[row]
    start = line.index(word)
    x = 76 + probe.textlength(line[:start], font=_font())
    left, top, right, bottom = probe.textbbox((x, 80 + 34 * row), word, font=_font())
    return int(left), int(top), int(right), int(bottom)


def png(image: Image.Image) -> bytes:
    out = io.BytesIO()
    image.save(out, format="PNG")
    image.close()
    return out.getvalue()


def jpeg_round_trip(image: Image.Image, quality: int = 90) -> Image.Image:
    out = io.BytesIO()
    image.save(out, format="JPEG", quality=quality)
    image.close()
    with Image.open(io.BytesIO(out.getvalue())) as decoded:
        return decoded.convert("RGB")


def size_of(data: bytes) -> tuple[int, int]:
    with Image.open(io.BytesIO(data)) as image:
        return image.size


def overlaps(box: Box, area: tuple[int, int, int, int]) -> bool:
    left, top, right, bottom = area
    return (
        box.x < right and left < box.x + box.width and box.y < bottom and top < box.y + box.height
    )


def contains(box: Box, area: tuple[int, int, int, int]) -> bool:
    left, top, right, bottom = area
    return (
        box.x <= left
        and box.y <= top
        and box.x + box.width >= right
        and box.y + box.height >= bottom
    )


def test_identical_screenshots_have_no_boxes() -> None:
    picture, boxes = side_by_side(png(card()), png(card()))
    assert boxes == ()
    assert size_of(picture) == (2 * 620 + 3 * MARGIN, card().height + 2 * MARGIN + LABEL_BAND)


def test_jpeg_noise_is_not_a_change() -> None:
    _, boxes = side_by_side(png(card()), png(jpeg_round_trip(card())))
    assert boxes == ()


def test_changed_word_is_boxed() -> None:
    edited = (LINES[0].replace("approved", "rejected"), *LINES[1:])
    _, boxes = side_by_side(png(card()), png(card(edited)))
    assert len(boxes) == 1
    (box,) = boxes
    assert contains(box, word_box(LINES, 0, "approved"))
    assert contains(box, word_box(edited, 0, "rejected"))
    # The box starts at the word and stays on its line (the words after it shift, so they count).
    assert box.x >= word_box(LINES, 0, "approved")[0] - 8
    assert box.height < 50
    assert not overlaps(box, word_box(LINES, 1, "debate"))


def test_one_changed_digit_is_boxed() -> None:
    before = (*LINES[:2], "details at 5 pm tomorrow.")
    after = (*LINES[:2], "details at 6 pm tomorrow.")
    _, boxes = side_by_side(png(card(before)), png(card(after)))
    assert len(boxes) == 1
    assert contains(boxes[0], word_box(before, 2, "5"))


def test_grown_post_boxes_the_new_line() -> None:
    longer = (*LINES, "Update: the vote was 7 to 2.")
    picture, boxes = side_by_side(png(card()), png(card(longer)))
    assert boxes
    new_line = word_box(longer, 3, "Update:")
    assert any(overlaps(box, new_line) for box in boxes)
    assert all(not overlaps(box, word_box(LINES, 0, "council")) for box in boxes)
    assert size_of(picture)[1] == card(longer).height + 2 * MARGIN + LABEL_BAND


def test_output_is_both_panels_side_by_side_plus_margins() -> None:
    narrow = card(width=480)
    picture, _ = side_by_side(png(narrow), png(card()), labels=("2024-05-01", "2024-06-01"))
    assert size_of(picture) == (480 + 620 + 3 * MARGIN, card().height + 2 * MARGIN + LABEL_BAND)


def test_outline_is_red_on_both_panels() -> None:
    edited = (LINES[0].replace("approved", "rejected"), *LINES[1:])
    picture, (box,) = side_by_side(png(card()), png(card(edited)))
    with Image.open(io.BytesIO(picture)) as sheet:
        rgb = sheet.convert("RGB")
    top = MARGIN + LABEL_BAND + box.y
    for left in (MARGIN, 2 * MARGIN + 620):
        assert rgb.getpixel((left + box.x + box.width // 2, top)) == (230, 0, 0)
    rgb.close()


def test_large_screenshots_are_downscaled_for_detection_and_boxes_scaled_back() -> None:
    big = Image.new("RGB", (1200, 5000), "white")
    changed = big.copy()
    ImageDraw.Draw(changed).rectangle((300, 4000, 700, 4100), fill="black")
    _, boxes = side_by_side(png(big), png(changed))
    assert len(boxes) == 1
    (box,) = boxes
    assert contains(box, (300, 4000, 701, 4101))
    assert box.width < 460
    assert box.height < 160


def test_not_an_image_is_a_value_error() -> None:
    with pytest.raises(ValueError, match="before screenshot"):
        side_by_side(b"not a png", png(card()))
