import pytest

from archiver.errors import UsageError
from archiver.platforms import adapter_for
from archiver.urls import canonical_generic, parse_url


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("https://x.com/a/status/1", "https://x.com/a/status/1"),
        ("  x.com/a/status/1  ", "https://x.com/a/status/1"),
        ("HTTP://Example.COM:80/Path?q=1#frag", "http://example.com/Path?q=1"),
        ("https://bücher.example/", "https://xn--bcher-kva.example/"),
        ("https://[::1]:8443/x", "https://[::1]:8443/x"),
        ("http://127.0.0.1:8000/a", "http://127.0.0.1:8000/a"),
        ("http://localhost:3000/@a/1", "http://localhost:3000/@a/1"),
    ],
)
def test_parse_url_normalises(given: str, expected: str) -> None:
    assert parse_url(given) == expected


@pytest.mark.parametrize(
    ("given", "fragment"),
    [
        ("", "empty"),
        ("javascript:alert(1)", "Only http and https"),
        ("file:///etc/passwd", "Only http and https"),
        ("ftp://example.com/x", "Only http and https"),
        ("https://exa mple.com/", "spaces"),
        ("https://example.com:99999/", "not a valid URL"),
        ("https:///nohost", "no host"),
        ("https://" + "a" * 9000 + ".com", "limit"),
        # A typo is not a post: a host without a dot is refused before anything is stored.
        ("notaurl", "not a web address"),
        ("https://notaurl/", "not a web address"),
        ("http://intranet./x", "not a web address"),
    ],
)
def test_parse_url_rejects_with_a_clear_message(given: str, fragment: str) -> None:
    with pytest.raises(UsageError) as caught:
        parse_url(given)
    assert fragment in caught.value.message
    assert caught.value.exit_code == 2


def test_canonical_generic_drops_tracking_but_keeps_meaningful_parameters() -> None:
    url = "http://www.News.example/a/b?utm_source=tw&id=7&fbclid=x&ref_src=twsrc&page=2#c"
    assert canonical_generic(url) == "https://www.news.example/a/b?id=7&page=2"


def test_x_and_twitter_forms_of_one_post_fold_together() -> None:
    refs = {
        adapter_for(u).post_ref(u)
        for u in (
            "https://twitter.com/c/status/42",
            "http://x.com/c/status/42?s=19",
            "https://www.x.com/c/status/42#reply",
        )
    }
    assert len(refs) == 1
