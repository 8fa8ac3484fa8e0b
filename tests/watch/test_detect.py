"""Change detection: edits and replaced images are found; volatile counts, relative times and
re-encoded copies of the same picture are not changes."""

from __future__ import annotations

import hashlib
import io
import random
from datetime import UTC, datetime

import pytest
from PIL import Image, ImageDraw, ImageFilter

from archiver.imaging import perceptual_hashes
from watch._detect import compare, normalize_text, render_diff, word_diff
from watch.models import EventKind, MediaSnapshot, PostSnapshot

TEXT = "Breaking: the council approved the new budget after a long debate on Tuesday night."


def photo(seed: int) -> Image.Image:
    """A photo-like picture: a gradient sky and soft blobs, different for every seed."""
    rng = random.Random(seed)
    image = Image.new("RGB", (640, 480))
    draw = ImageDraw.Draw(image)
    top, bottom = ([rng.randrange(256) for _ in range(3)] for _ in range(2))
    for y in range(480):
        draw.line(
            [(0, y), (640, y)],
            fill=tuple(a + (b - a) * y // 479 for a, b in zip(top, bottom, strict=True)),
        )
    for _ in range(6):
        x, y, w, h = (
            rng.randrange(600),
            rng.randrange(440),
            rng.randrange(60, 250),
            rng.randrange(60, 250),
        )
        draw.ellipse((x, y, x + w, y + h), fill=tuple(rng.randrange(256) for _ in range(3)))
    blurred = image.filter(ImageFilter.GaussianBlur(2))
    image.close()
    return blurred


def encode(image: Image.Image, fmt: str = "PNG", **params: int) -> bytes:
    out = io.BytesIO()
    image.save(out, format=fmt, **params)
    return out.getvalue()


def media(data: bytes, url: str | None = None) -> MediaSnapshot:
    phash, dhash = perceptual_hashes(data)
    return MediaSnapshot(hashlib.sha256(data).hexdigest(), url, phash, dhash)


@pytest.fixture(scope="module")
def pictures() -> dict[str, MediaSnapshot]:
    """The same photo as PNG, as JPEG, resized by 3 %; and two different photos."""
    first, second, third = photo(1), photo(2), photo(3)
    smaller = first.resize((621, 466), Image.Resampling.LANCZOS)
    found = {
        "original": media(encode(first), "https://cdn.example/a.png"),
        "jpeg": media(encode(first, "JPEG", quality=80), "https://cdn.example/a.jpg"),
        "resized": media(encode(smaller, "JPEG", quality=85), "https://cdn.example/a-small.jpg"),
        "other": media(encode(second), "https://cdn.example/b.png"),
        "third": media(encode(third), None),
    }
    for image in (first, second, third, smaller):
        image.close()
    return found


def snap(text: str | None = TEXT, *pics: MediaSnapshot, **fields: object) -> PostSnapshot:
    values: dict[str, object] = {
        "capture_id": "c1",
        "status": "ok",
        "started_at": datetime(2024, 5, 1, tzinfo=UTC),
        "text": text,
        "media": pics,
    }
    return PostSnapshot(**(values | fields))  # type: ignore[arg-type]


# normalize_text -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (None, ""),
        ("", ""),
        ("  Hello\u200b   wor\u00adld \n\n again ", "Hello world again"),
        ("ｆｕｌｌ ｗｉｄｔｈ ① ﬁ", "full width 1 fi"),
        ("Hello world\n12 replies · 3.4K views", "Hello world"),
        ("il y a 3 h · Bonjour le monde · 1,2 k J'aime", "Bonjour le monde"),
        ("2h · Just landed in Lyon", "Just landed in Lyon"),
        ("· 4 j\nBonjour", "Bonjour"),
        ("Just landed in Lyon\n5 min", "Just landed in Lyon"),
        ("Just landed 3h ago", "Just landed"),
        ("Edited\nText here\nShow more\n1 234 likes\n12 reposts", "Text here"),
        ("Hello (edited)", "Hello"),
        ("Bonjour Modifié", "Bonjour"),
        ("Le texte complet\nAfficher plus", "Le texte complet"),
        ("Ein Text\nTranslate post", "Ein Text"),
        ("Un texte\nTraduire le post", "Un texte"),
        ("A long post... more", "A long post"),
        ("Un long texte… plus", "Un long texte"),
    ],
)
def test_normalize_drops_invisible_and_volatile_parts(raw: str | None, expected: str) -> None:
    assert normalize_text(raw) == expected


@pytest.mark.parametrize(
    "content",
    [
        "2h de route et 5 min de pause",
        "5 min de marche depuis la gare",
        "Rendez-vous demain à 14h",
        "We replied to 12 replies before lunch today",
        "Come and see more",
        "I got it edited",
        "Edited by the city desk",
        "12 replies to the thread",
        "• Item one",
        "Top 10",
    ],
)
def test_normalize_keeps_content_that_looks_like_decoration(content: str) -> None:
    assert normalize_text(content) == content


# word_diff / render_diff --------------------------------------------------------------------


def test_word_diff_splits_a_replacement_into_delete_and_insert() -> None:
    assert word_diff("the quick brown fox", "the slow brown fox jumps") == [
        ("equal", "the"),
        ("delete", "quick"),
        ("insert", "slow"),
        ("equal", "brown fox"),
        ("insert", "jumps"),
    ]


@pytest.mark.parametrize(
    ("after", "changed"),
    [("a b c d", 0), ("a x c d", 1), ("a x y z c d", 3), ("a d", 2), ("a b c d e f", 2), ("", 4)],
)
def test_words_changed_counts_the_larger_side_of_each_change(after: str, changed: int) -> None:
    before = snap("a b c d")
    found = compare(before, snap(after))
    assert (found[0].details["words_changed"] if found else 0) == changed


def test_render_diff_uses_word_diff_markers() -> None:
    rendered = render_diff("the quick brown fox jumps", "the slow brown fox")
    assert rendered == "the [-quick-]{+slow+} brown fox [-jumps-]"


# compare: text ------------------------------------------------------------------------------


def test_edited_word_gives_edited_with_the_diff() -> None:
    changes = compare(snap(), snap(TEXT.replace("approved", "rejected")))
    assert [c.kind for c in changes] == [EventKind.EDITED]
    (change,) = changes
    assert change.details["words_changed"] == 1
    assert change.details["before"] == TEXT
    assert ["delete", "approved"] in change.details["diff"]
    assert ["insert", "rejected"] in change.details["diff"]
    assert change.details["diff"][0] == ["equal", "Breaking: the council"]
    assert change.summary == "text edited: 1 word changed"


def test_only_counts_and_relative_times_changed_gives_nothing() -> None:
    before = snap(f"2h · {TEXT}\n12 replies · 40 reposts · 1.2K likes\nEdited")
    after = snap(f"1 j · {TEXT}\n1,3 k réponses · 2 k J’aime · 10,4 k vues\nModifié")
    assert compare(before, after) == ()


def test_whitespace_and_invisible_characters_are_not_an_edit() -> None:
    assert compare(snap(TEXT), snap(TEXT.replace(" ", "\u200b  \n", 2))) == ()


def test_text_removed_entirely_is_an_edit() -> None:
    (change,) = compare(snap(TEXT), snap(None))
    assert change.kind is EventKind.EDITED
    assert change.details["after"] == ""
    assert change.details["words_changed"] == len(TEXT.split())


# compare: media -----------------------------------------------------------------------------


@pytest.mark.parametrize("copy", ["jpeg", "resized"])
def test_reencoded_or_resized_image_is_not_a_media_change(
    pictures: dict[str, MediaSnapshot], copy: str
) -> None:
    assert pictures[copy].sha256 != pictures["original"].sha256
    assert compare(snap(TEXT, pictures["original"]), snap(TEXT, pictures[copy])) == ()


def test_replaced_image_is_a_media_change(pictures: dict[str, MediaSnapshot]) -> None:
    original, other = pictures["original"], pictures["other"]
    (change,) = compare(snap(TEXT, original), snap(TEXT, other))
    assert change.kind is EventKind.MEDIA_CHANGED
    assert change.details["added"] == [] and change.details["removed"] == []
    (replaced,) = change.details["replaced"]
    assert replaced["before"] == original.sha256 and replaced["after"] == other.sha256
    assert replaced["distance"] > 6
    assert replaced["after_url"] == "https://cdn.example/b.png"
    assert change.summary == "media changed: 1 replaced"


def test_added_and_removed_images(pictures: dict[str, MediaSnapshot]) -> None:
    original, other, third = pictures["original"], pictures["other"], pictures["third"]
    (added,) = compare(snap(TEXT, original), snap(TEXT, pictures["jpeg"], other))
    assert added.details["added"] == [{"sha256": other.sha256, "source_url": other.source_url}]
    assert added.details["replaced"] == [] and added.details["removed"] == []
    (removed,) = compare(snap(TEXT, original, third), snap(TEXT, original))
    assert removed.details["removed"] == [{"sha256": third.sha256, "source_url": None}]


def test_media_order_alone_is_not_a_change(pictures: dict[str, MediaSnapshot]) -> None:
    original, other = pictures["original"], pictures["other"]
    assert compare(snap(TEXT, original, other), snap(TEXT, other, original)) == ()
    assert compare(snap(TEXT, original, other), snap(TEXT, other, pictures["resized"])) == ()


def test_images_without_hashes_are_compared_by_digest_only() -> None:
    bare_a, bare_b = MediaSnapshot("a" * 64), MediaSnapshot("b" * 64)
    assert compare(snap(TEXT, bare_a), snap(TEXT, bare_a)) == ()
    (change,) = compare(snap(TEXT, bare_a), snap(TEXT, bare_b))
    assert change.details["replaced"][0]["distance"] is None


def test_edit_and_new_image_come_in_a_fixed_order(pictures: dict[str, MediaSnapshot]) -> None:
    changes = compare(snap(TEXT), snap(TEXT + " Photos below.", pictures["other"]))
    assert [c.kind for c in changes] == [EventKind.EDITED, EventKind.MEDIA_CHANGED]


# compare: look of the post ------------------------------------------------------------------

SAME_LOOK, OTHER_LOOK = "c3c3a5a5c3c3a5a5", "3c3c5a5a3c3c5a5a"


def test_screenshot_distance_is_a_visual_change_only_without_other_changes() -> None:
    before = snap(post_screenshot_phash=SAME_LOOK)
    (change,) = compare(before, snap(post_screenshot_phash=OTHER_LOOK))
    assert change.kind is EventKind.VISUAL_CHANGED
    assert change.details["distance"] == 64
    edited = snap(TEXT + "!", post_screenshot_phash=OTHER_LOOK)
    assert [c.kind for c in compare(before, edited)] == [EventKind.EDITED]


def test_small_screenshot_distance_is_nothing() -> None:
    before = snap(post_screenshot_phash=SAME_LOOK)
    assert compare(before, snap(post_screenshot_phash="c3c3a5a5c3c3a5a4")) == ()
    assert compare(before, snap(post_screenshot_phash=None)) == ()
    assert compare(before, snap(post_screenshot_phash="not hex")) == ()


def test_thresholds_are_parameters(pictures: dict[str, MediaSnapshot]) -> None:
    original, resized = pictures["original"], pictures["resized"]
    assert compare(snap(TEXT, original), snap(TEXT, resized), media_distance=-1)
    before = snap(post_screenshot_phash=SAME_LOOK)
    assert compare(before, snap(post_screenshot_phash=OTHER_LOOK), visual_distance=64) == ()


@pytest.mark.parametrize("status", ["not_found", "login_wall", "unavailable"])
def test_captures_that_are_not_ok_cannot_be_compared(status: str) -> None:
    with pytest.raises(ValueError, match="status"):
        compare(snap(), snap(status=status))
    with pytest.raises(ValueError, match="status"):
        compare(snap(status=status), snap())
