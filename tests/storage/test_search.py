"""Full-text search: an index beside the archive, caught up before each search."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from archiver import CaptureOptions, capture_many
from archiver.errors import UsageError
from storage import SearchFilters, open_archive
from storage._search import INDEX_NAME, MARK_END, MARK_START, fts_query
from tests.fixtureweb import FIXTURE_URLS


def test_the_query_takes_words_and_phrases_but_no_operators() -> None:
    assert fts_query('budget "conseil municipal" OR x*') == (
        '"conseil municipal" "budget" "OR" "x"'
    )
    with pytest.raises(UsageError):
        fts_query(" *** ")


@pytest.mark.browser
def test_search_finds_posts_by_text_author_and_accentless_words(
    options: CaptureOptions, tmp_path: Path
) -> None:
    home = tmp_path / "home"
    with open_archive(home) as archive:
        urls = [FIXTURE_URLS["x_live"], FIXTURE_URLS["x_hostile"]]
        results = asyncio.run(capture_many(urls, options, archive))
        live_id, hostile_id = (capture_id for capture_id, _ in results)
        index = archive.search_index
        [hit] = index.search("voté BUDGET")  # any case, in any order
        assert (hit.kind, hit.ref, hit.platform, hit.status) == ("capture", live_id, "x", "ok")
        assert f"{MARK_START}budget{MARK_END}" in hit.snippet
        assert [h.ref for h in index.search("vote")] == [live_id]  # accents ignored
        assert [h.ref for h in index.search("eve_hostile")] == [hostile_id]
        assert index.search("budget", SearchFilters(platform="mastodon")) == []
        assert index.search("budget", SearchFilters(kinds=("article",))) == []
        live_post = archive.get_capture(live_id).post_id
        assert [h.ref for h in index.search("budget", SearchFilters(watched_posts={live_post}))]
        assert index.search("budget", SearchFilters(watched_posts=set())) == []
        assert index.refresh() == 0  # nothing new
        # Text read from the post's image (as quote checks keep it) finds the capture too,
        # once: a capture matched by its text and its image's text is one result.
        shot = next(a for a in archive.get_capture(live_id).artifacts if a.kind == "screenshot")
        archive.articles.keep_ocr_text(shot.sha256, "eng", "Zanzibar budget table", "tesseract")
        assert [h.ref for h in index.search("zanzibar")] == [live_id]
        assert [h.ref for h in index.search("budget")] == [live_id]
        (home / INDEX_NAME).unlink()  # only an index: made again
        assert [h.ref for h in index.search("budget")] == [live_id]
