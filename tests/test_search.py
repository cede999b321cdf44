"""Search as a reader uses it: a site built by `broadsheet build` (search on), its output served by a
plain HTTP server on 127.0.0.1, the /search/ page and the masthead's box driven in headless
Chromium (Debian's, with Playwright, as in test_serve.py).

The site: fourteen articles over two years in two sections, by two authors, with tags, one with a
lead image; `search: {shard_size: 10}` splits the index into two shards, so that "newest first"
has to order results across them. Every word searched for is made up, so that which articles hold
it is known. Every request a page makes is recorded: none may go to another host.
"""

from __future__ import annotations

import functools
import http.server
import os
import re
import threading
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from playwright.sync_api import expect, sync_playwright

from conftest import LoopbackServer, article, tiny_image, write_file
from generator.cli import main
from test_serve import CHROMIUM, CHROMIUM_ARGS

MS = 10_000  # every wait on the browser, in milliseconds

COMMON = "quillfeather"  # in every article
ONLY = "zanzibarite"  # in one article only (UNIQUE_SLUG)
NOWHERE = "xylophonequartz"  # in none
SECTIONS = ("Politics", "Sport")
AUTHORS = ("Ada Lovegood", "Ben Inkwell")


def _articles() -> dict[str, str | bytes]:
    """Fourteen articles, one a month from March 2021, alternately in Politics and Sport."""
    files: dict[str, str | bytes] = {"content/images/harbour.png": tiny_image("PNG", (300, 200))}
    for i in range(14):
        year, month = (2021, 3 + i) if i < 10 else (2022, i - 9)
        section = SECTIONS[i % 2]
        words = f"The {COMMON} report number {i} from the {section.lower()} desk."
        fields = {"category": section, "author": AUTHORS[i % 3 == 0], "tags": f"[Harbour, Topic {i % 3}]",
                  "summary": f"Story {i} of the {COMMON} series."}
        if i == 5:
            words += f" Only this one mentions the {ONLY} mineral."
        if i == 12:
            fields["image"] = "../images/harbour.png"
            fields["image_alt"] = "A harbour at dawn"
        files[f"content/posts/story-{i:02d}.md"] = article(
            f"Story {i:02d} in {section}", f"{year}-{month:02d}-15 {8 + i % 5:02d}:00", words, **fields)
    return files


UNIQUE_TITLE = "Story 05 in Sport"
IMAGE_TITLE = "Story 12 in Politics"


def _build(tmp: Path, base_url: str, language: str = "en") -> Path:
    site = tmp / "site"
    config = (f"title: Harbour Gazette\nbase_url: {base_url}\ntimezone: UTC\nlanguage: {language}\n"
              "author: Desk\nper_page: 5\nsearch:\n  shard_size: 10\n")
    write_file(site, "config.yaml", config)
    for name, text in _articles().items():
        write_file(site, name, text)
    out = tmp / "out"
    assert main(["build", "--site", str(site), "--output", str(out)]) == 0
    return out


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format, *args):  # noqa: A002 - the name http.server gives it
        pass


@pytest.fixture(scope="module")
def serve_folder():
    """serve_folder(folder) -> http://127.0.0.1:PORT, the folder's files served by a thread."""
    servers = []

    def start(folder: Path) -> str:
        handler = functools.partial(_QuietHandler, directory=str(folder))
        server = LoopbackServer(("127.0.0.1", 0), handler)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
        return f"http://127.0.0.1:{server.server_address[1]}"

    yield start
    for server in servers:
        server.shutdown()
        server.server_close()


@pytest.fixture(scope="module")
def site_url(tmp_path_factory, serve_folder):
    """The site built at the root of its host and served."""
    return serve_folder(_build(tmp_path_factory.mktemp("search-root"), "https://example.org/"))


@pytest.fixture(scope="module")
def browser():
    assert os.path.exists(CHROMIUM), f"{CHROMIUM} is missing: run `make test` (it installs Debian's chromium)"
    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def tab(browser):
    """A new tab; afterwards, every request it made must have gone to 127.0.0.1 and no script failed."""
    context = browser.new_context()
    page = context.new_page()
    requests: list[str] = []
    errors: list[str] = []
    page.on("request", lambda request: requests.append(request.url))
    page.on("pageerror", lambda error: errors.append(str(error)))
    # What the page logged as an error and what it could not load: where a search says it is not
    # available, these say why (the page itself only tells the reader).
    logged: list[str] = []
    page.on("console", lambda message: logged.append(f"{message.text} ({message.location.get('url')})")
            if message.type == "error" else None)
    page.on("requestfailed", lambda request: logged.append(f"{request.url}: {request.failure}"))
    page.on("response", lambda response: logged.append(f"{response.url}: {response.status}")
            if response.status >= 400 else None)
    page.requests = requests
    yield page
    context.close()
    print("\n".join(logged))
    assert requests, "the page made no request at all"
    others = [url for url in requests if urlsplit(url).hostname != "127.0.0.1" and not url.startswith("data:")]
    assert others == [], f"requests to other hosts: {others}"
    assert errors == [], f"script errors: {errors}"


def _search(tab, url: str, word: str) -> None:
    """Open the search page and type the word as a reader does, key by key."""
    tab.goto(url + "/search/")
    box = tab.get_by_role("searchbox", name="Search the archive")
    box.click()
    box.press_sequentially(word, delay=20)


def _status(tab):
    return tab.locator("#search-status")


def _headlines(tab) -> list[str]:
    return tab.locator("#search-results li h2").all_text_contents()


def _dates(tab) -> list[str]:
    return tab.locator("#search-results li time").evaluate_all("els => els.map(e => e.getAttribute('datetime'))")


def test_a_word_in_one_article_finds_it_first_with_a_working_link(site_url, tab):
    _search(tab, site_url, ONLY)
    # The whole word searched for: its first letters already find the one article, and the
    # status says "1 result" while the rest is still being typed.
    expect(tab).to_have_url(re.compile(rf"[?&]q={ONLY}$"), timeout=MS)
    expect(_status(tab)).to_have_text("1 result", timeout=MS)
    assert _headlines(tab) == [UNIQUE_TITLE]
    # The box keeps the focus while results come in; the query is in the address, to be shared.
    assert tab.evaluate("document.activeElement.id") == "search-q"
    assert parse_qs(urlsplit(tab.url).query) == {"q": [ONLY]}
    # Searched on the page's own thread: no web worker, whose slow start on a busy machine made
    # Pagefind give up on it and the page's search fail.
    assert not [url for url in tab.requests if "worker" in url], tab.requests
    result = tab.locator("#search-results li").first
    expect(result.locator("mark")).to_have_text(re.compile(ONLY, re.I))
    expect(result.locator(".kicker")).to_have_text("Sport")
    result.get_by_role("link", name=UNIQUE_TITLE).click()
    tab.wait_for_url(site_url + "/2021/08/15/story-05/", timeout=MS)
    expect(tab.locator("h1")).to_have_text(UNIQUE_TITLE)


def test_a_word_in_no_article_says_so(site_url, tab):
    _search(tab, site_url, NOWHERE)
    expect(_status(tab)).to_have_text(f"No articles match “{NOWHERE}”.", timeout=MS)
    assert _headlines(tab) == []


def test_a_query_in_the_address_is_searched_and_a_section_filter_narrows_it(site_url, tab):
    tab.goto(f"{site_url}/search/?q={COMMON}")
    expect(_status(tab)).to_have_text("14 results", timeout=MS)
    assert tab.get_by_role("searchbox", name="Search the archive").input_value() == COMMON
    section = tab.get_by_label("Section")
    expect(section.locator("option")).to_have_text(["All sections", *SECTIONS], timeout=MS)
    section.select_option("Sport")
    expect(_status(tab)).to_have_text("7 results", timeout=MS)
    expect(tab.locator("#search-results .kicker")).to_have_text(["Sport"] * 7)
    assert parse_qs(urlsplit(tab.url).query) == {"q": [COMMON], "section": ["Sport"]}
    # Filters add up: Sport by the second author.
    tab.get_by_label("Author").select_option(AUTHORS[1])
    expect(_status(tab)).to_have_text("2 results", timeout=MS)  # stories 3 and 9
    assert sorted(_headlines(tab)) == ["Story 03 in Sport", "Story 09 in Sport"]
    # The address is read back when the page is loaded again (or shared).
    tab.reload()
    expect(_status(tab)).to_have_text("2 results", timeout=MS)
    expect(tab.get_by_label("Section")).to_have_value("Sport")


def test_newest_first_orders_the_results_by_date_across_shards(site_url, tab):
    tab.goto(f"{site_url}/search/")
    shards = tab.locator("#search").evaluate("el => JSON.parse(el.dataset.shards)")
    assert len(shards) == 2, shards
    _search(tab, site_url, COMMON)
    expect(_status(tab)).to_have_text("14 results", timeout=MS)
    expect(tab.locator("#search-results li")).to_have_count(10)
    more = tab.get_by_role("button", name="Show more results")
    more.click()
    expect(tab.locator("#search-results li")).to_have_count(14, timeout=MS)
    expect(more).to_be_hidden()
    dates = _dates(tab)
    assert dates == sorted(dates, reverse=True) and len(set(dates)) == 14
    assert _headlines(tab)[0] == "Story 13 in Sport" and _headlines(tab)[-1] == "Story 00 in Politics"
    # The lead image's thumbnail, with its alt text, loaded from the site.
    image = tab.locator("#search-results li", has_text=IMAGE_TITLE).locator("img")
    expect(image).to_have_attribute("alt", "A harbour at dawn")
    image.scroll_into_view_if_needed()
    tab.wait_for_function("img => img.complete && img.naturalWidth > 0", arg=image.element_handle(), timeout=MS)
    # By relevance: one merged search, the same fourteen.
    tab.get_by_label("Order").select_option("relevance")
    expect(tab.locator("#search-results li")).to_have_count(10, timeout=MS)
    assert parse_qs(urlsplit(tab.url).query)["sort"] == ["relevance"]


def test_the_masthead_box_leads_to_the_search_page(site_url, tab):
    tab.goto(site_url + "/")
    box = tab.locator("header form[role=search]").get_by_label("Search")
    box.fill(ONLY)
    box.press("Enter")
    tab.wait_for_url(re.compile(r"/search/\?q=" + ONLY), timeout=MS)
    expect(_status(tab)).to_have_text("1 result", timeout=MS)


def test_without_javascript_the_box_leads_to_the_archive(site_url, browser):
    context = browser.new_context(java_script_enabled=False)
    tab = context.new_page()
    try:
        tab.goto(site_url + "/")
        box = tab.locator("header form[role=search]").get_by_label("Search")
        box.fill(ONLY)
        box.press("Enter")
        tab.wait_for_url(re.compile(r"/archive/\?q="), timeout=MS)
        tab.goto(site_url + "/search/")
        expect(tab.locator("main noscript, main .search-noscript").first).to_be_attached()
        expect(tab.locator("#search")).to_be_hidden()
    finally:
        context.close()


def test_search_works_under_a_subpath(tmp_path_factory, serve_folder, tab):
    out = _build(tmp_path_factory.mktemp("search-subpath"), "https://example.org/news/")
    host = out.parent / "host"
    host.mkdir()
    (host / "news").symlink_to(out, target_is_directory=True)
    url = serve_folder(host) + "/news"
    _search(tab, url, ONLY)
    expect(_status(tab)).to_have_text("1 result", timeout=MS)
    tab.get_by_role("link", name=UNIQUE_TITLE).click()
    tab.wait_for_url(url + "/2021/08/15/story-05/", timeout=MS)
    # The thumbnail's address holds the root too.
    tab.goto(f"{url}/search/?q={COMMON}&section=Politics")
    image = tab.locator("#search-results li", has_text=IMAGE_TITLE).locator("img")
    expect(image).to_have_attribute("src", re.compile(r"^/news/"), timeout=MS)
    assert all(urlsplit(u).path.startswith("/news/") for u in tab.requests), tab.requests


def test_the_page_speaks_the_sites_language(tmp_path_factory, serve_folder, tab):
    url = serve_folder(_build(tmp_path_factory.mktemp("search-fr"), "https://example.org/", "fr"))
    tab.goto(f"{url}/search/?q={COMMON}")
    expect(_status(tab)).to_have_text("14 résultats", timeout=MS)
    expect(tab.get_by_label("Rubrique")).to_be_visible()
    tab.get_by_role("searchbox").fill(NOWHERE)
    expect(_status(tab)).to_have_text(f"Aucun article ne contient « {NOWHERE} ».", timeout=MS)
