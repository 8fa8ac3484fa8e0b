"""Full-text search: what a person types, as the query. The search itself, on both engines, is
in tests/shared/test_search.py."""

from __future__ import annotations

import pytest

from archiver.errors import UsageError
from storage._search import fts_query, query_terms


def test_the_query_takes_words_and_phrases_but_no_operators() -> None:
    assert fts_query('budget "conseil municipal" OR x*') == (
        '"conseil municipal" "budget" "OR" "x"'
    )
    assert query_terms('budget "conseil municipal" OR x*') == [
        "conseil municipal",
        "budget",
        "OR",
        "x",
    ]
    with pytest.raises(UsageError):
        fts_query(" *** ")
