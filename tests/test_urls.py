"""Links as pages write them: the fast path for plain paths gives quote()'s bytes."""

from urllib.parse import quote

from generator.urls import _URL_SAFE, Urls, _encode


def test_every_character_is_encoded_as_quote_would():
    for code in range(0x800):
        for path in (chr(code), f"2022/02/28/a{chr(code)}b/", f"tags/{chr(code) * 2}/"):
            assert _encode(path) == quote(path, safe=_URL_SAFE), repr(path)


def test_links_keep_plain_paths_and_encode_the_rest():
    urls = Urls("https://example.org/news/", "/news/")
    assert urls.link("/2022/02/28/rail-strike/") == "/news/2022/02/28/rail-strike/"
    assert urls.link("/tags/café au lait/") == "/news/tags/caf%C3%A9%20au%20lait/"
    assert urls.absolute("/tags/100%25/") == "https://example.org/news/tags/100%25/"
