"""Full-text search on both engines: SQLite's FTS5 index beside the archive, and PostgreSQL's
``search_docs`` kept by the database itself. The same archive gives the same results on both."""

from __future__ import annotations

import asyncio
import re
import unicodedata
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa

from archiver import CaptureOptions, capture_many
from storage import Archive, NewArticle, NewClaim, SearchFilters, open_archive
from storage._database import MIGRATIONS_DIR
from storage._search import INDEX_NAME, MARK_END, MARK_START
from tests.fixtureweb import FIXTURE_URLS
from tests.shared.conftest import raw_engine
from tests.storage.factories import T0, fixed_clock, make_result, sequential_ids


@pytest.mark.browser
def test_search_finds_posts_by_text_author_and_accentless_words(
    options: CaptureOptions, home: Path, backend: str | None
) -> None:
    with open_archive(home, database_url=backend) as archive:
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
        if backend is None:
            (home / INDEX_NAME).unlink()  # only an index: made again
        else:
            assert not (home / INDEX_NAME).exists()  # the database keeps it
        assert [h.ref for h in index.search("budget")] == [live_id]
    # Another data home on the same database (another machine) searches the same archive.
    if backend is not None:
        with open_archive(home.parent / "elsewhere", database_url=backend) as elsewhere:
            assert [h.ref for h in elsewhere.search_index.search("zanzibar")] == [live_id]


POSTS = (
    ("https://social.example/@a/1", "Le conseil municipal a voté le budget 2027 à l’unanimité."),
    ("https://social.example/@a/2", "Budget: the council's well-known vote, seen on x.com/news"),
    ("https://bsky.example/profile/b/post/3", "Émile Garnier refuse l'offre — «budget» caché"),
    ("https://social.example/@a/4", "Nothing about money here; foo_bar and 1.5 million"),
)
QUERIES = (
    "budget",
    "VOTE",
    "emile garnier",
    '"conseil municipal"',
    '"municipal conseil"',
    "unanimite",
    "well known",
    "news",
    "foo_bar",
    "million 5",
    "bsky",
    "council zanzibar",
    "alice",
    "claimed",
    "ministre",
    "2027",
)


def _fill(archive: Archive) -> None:
    for i, (url, text) in enumerate(POSTS):
        started = T0 + timedelta(hours=i)
        platform = "bluesky" if "bsky" in url else "mastodon"
        archive.store(
            make_result(url, post_id=str(i + 1), platform=platform, text=text, started_at=started)
        )
    first = archive.list_captures(limit=10)[-1]
    shot = next(a for a in first.artifacts if a.kind == "screenshot")
    archive.articles.keep_ocr_text(shot.sha256, "fra", "Zanzibar council minutes", "tesseract")
    archive.articles.add(
        NewArticle(
            source=b"<p>Le ministre</p>",
            source_kind="html",
            text="Le ministre a claimed the budget was fine.",
            source_url="https://news.example/ministre",
            title="Le ministre et le budget",
            byline="Camille Roy",
            claims=(
                NewClaim(1, "quote", "The budget was fine, the ministre claimed.", speaker="Roy"),
                NewClaim(2, "fact", "The council voted in 2027."),
            ),
        )
    )


def _folded(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def _marked(snippet: str) -> set[str]:
    """The words a snippet marks (FTS5 marks a phrase as one span)."""
    spans = re.findall(f"{MARK_START}(.*?){MARK_END}", snippet)
    return {_folded(word) for span in spans for word in re.findall(r"[^\W_]+", span)}


@pytest.fixture
def both(home: Path, database_url: str) -> Iterator[tuple[Archive, Archive]]:
    """The same records in an SQLite archive and a PostgreSQL one (the same ids and times)."""
    opened = []
    for url, where in ((None, home / "sqlite"), (database_url, home / "postgresql")):
        archive = open_archive(
            where, clock=fixed_clock(), new_id=sequential_ids(), database_url=url
        )
        opened.append(archive)
        _fill(archive)
    try:
        yield opened[0], opened[1]
    finally:
        for archive in opened:
            archive.close()


@pytest.mark.parametrize("query", QUERIES)
def test_both_engines_find_the_same_records(both: tuple[Archive, Archive], query: str) -> None:
    sqlite, postgresql = (archive.search_index.search(query) for archive in both)
    assert sorted((h.kind, h.ref) for h in postgresql) == sorted((h.kind, h.ref) for h in sqlite)
    for hits in (sqlite, postgresql):
        for hit in hits:  # each snippet marks only words of the query
            terms = {_folded(w) for w in re.findall(r"[^\W_]+", query)}
            assert _marked(hit.snippet) and _marked(hit.snippet) <= terms, (query, hit)


def test_filters_narrow_alike_on_both_engines(both: tuple[Archive, Archive]) -> None:
    cases = (
        SearchFilters(kinds=("claim",)),
        SearchFilters(kinds=("article", "claim")),
        SearchFilters(platform="bluesky"),
        SearchFilters(status="ok", since=(T0 + timedelta(hours=1)).isoformat()[:19]),
        SearchFilters(until=(T0 + timedelta(minutes=30)).isoformat()[:19]),
    )
    found = []
    for filters in cases:
        sqlite, postgresql = (a.search_index.search("budget", filters) for a in both)
        assert sorted(h.ref for h in postgresql) == sorted(h.ref for h in sqlite), filters
        found.append(len(sqlite))
    assert found == [1, 2, 1, 2, 1]


def test_the_migration_indexes_what_the_archive_already_holds(
    home: Path, database_url: str
) -> None:
    """An archive recorded before search came to PostgreSQL is searchable once migrated."""
    from alembic import command
    from alembic.config import Config

    with open_archive(home, database_url=database_url) as archive:
        _fill(archive)
        before = sorted((h.kind, h.ref) for h in archive.search_index.search("budget"))
        assert len(before) == 5
        engine = raw_engine(archive, database_url)
        try:
            config = Config()
            config.set_main_option("script_location", str(MIGRATIONS_DIR))
            with engine.begin() as connection:
                config.attributes["connection"] = connection
                command.downgrade(config, "0013")
            with engine.connect() as connection:
                assert not sa.inspect(connection).has_table("search_docs")
        finally:
            engine.dispose()
    with open_archive(home, database_url=database_url) as archive:  # migrates again
        search = archive.search_index.search
        assert sorted((h.kind, h.ref) for h in search("budget")) == before
        # An image's text, found as every capture holding the image (the posts share one).
        assert [h.kind for h in search("zanzibar")] == ["capture"] * len(POSTS)
        archive.store(make_result("https://social.example/@a/9", post_id="9", text="budget"))
        assert len(search("budget")) == 6  # and what comes after


def test_an_image_whose_text_was_read_before_it_was_stored_is_found_by_it(
    home: Path, backend: str | None
) -> None:
    """As migrate-archive copies an archive (the text read from images before the captures),
    or as a picture already read comes back in a later capture."""
    result = make_result(text="nothing to see")
    shot = next(a for a in result.artifacts if a.kind == "screenshot")
    with open_archive(home, database_url=backend) as archive:
        archive.articles.keep_ocr_text(shot.sha256, "eng", "Zanzibar ledger", "tesseract")
        stored = archive.store(result)
        assert [h.ref for h in archive.search_index.search("zanzibar ledger")] == [stored]
