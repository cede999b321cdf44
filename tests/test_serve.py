"""`broadsheet serve`, as an author uses it: a real server process, a real browser, real files.

Every test starts `broadsheet serve --port 0` on a site of its own (in a temporary
folder), reads the URL it prints, and looks at what a reader of the preview sees:
headless Chromium (Debian's, driven by Playwright) for anything that reloads,
plain HTTP for status codes and bytes. Files are edited on disk as an editor
would save them; waits are expect-style with ~10 s timeouts, never long sleeps.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import expect, sync_playwright  # pip: the test extra of pyproject.toml

from conftest import another_build_holding_the_lock, article, site_files, snapshot

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
TIMEOUT = 10.0  # seconds, for every wait on the server or the browser
MS = int(TIMEOUT * 1000)

CONFIG = """\
title: Test Gazette
base_url: https://example.org/
timezone: UTC
author: Test Desk
per_page: 20
"""

LIVE = "() => window.LiveReload && window.LiveReload.connector && window.LiveReload.connector.protocol >= 7"
RELOAD_SCRIPT = re.compile(rb"<script>[^<]*livereload\.js[^<]*</script>")
NOT_FOUND_HEADING = "Sorry, we can\u2019t find that page"  # themes/default/templates/404.html


# --- the server ----------------------------------------------------------------------------------

@dataclass
class Server:
    """A running `broadsheet serve`, its stderr collected line by line in a thread."""

    proc: subprocess.Popen
    site: Path
    lines: list[str] = field(default_factory=list)
    url: str = ""  # as printed: http://127.0.0.1:PORT/ (or .../news/)
    _cond: threading.Condition = field(default_factory=threading.Condition)
    _closed: bool = False

    def _read(self) -> None:
        assert self.proc.stderr is not None
        for line in self.proc.stderr:
            with self._cond:
                self.lines.append(line.rstrip("\n"))
                self._cond.notify_all()
        with self._cond:
            self._closed = True
            self._cond.notify_all()

    @property
    def origin(self) -> str:
        parts = urlsplit(self.url)
        return f"{parts.scheme}://{parts.netloc}"

    @property
    def log(self) -> str:
        with self._cond:
            return "\n".join(self.lines)

    def wait_for(self, predicate, timeout: float = TIMEOUT, start: int = 0) -> str:
        """The first line (from index start) for which predicate is true; fails after timeout."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                for line in self.lines[start:]:
                    if predicate(line):
                        return line
                remaining = deadline - time.monotonic()
                if remaining <= 0 or self._closed:
                    pytest.fail(f"the server did not log what was expected within {timeout} s; "
                                f"exit status {self.proc.poll()}; its log:\n" + "\n".join(self.lines))
                self._cond.wait(remaining)

    def builds(self) -> int:
        """How many successful builds the server has logged."""
        with self._cond:
            return self._builds()

    def _builds(self) -> int:
        return sum(1 for line in self.lines if line.startswith("built "))

    def wait_built(self, n: int, timeout: float = TIMEOUT) -> None:
        """Wait until the server has logged its n-th successful build."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while self._builds() < n:
                remaining = deadline - time.monotonic()
                if remaining <= 0 or self._closed:
                    pytest.fail(f"no build #{n} within {timeout} s; the server's log:\n" + "\n".join(self.lines))
                self._cond.wait(remaining)

    def wait_closed(self, timeout: float = TIMEOUT) -> None:
        """Wait until every line of stderr has been read (the process has exited)."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while not self._closed:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    pytest.fail("the server's stderr was not closed")
                self._cond.wait(remaining)

    def stop(self, timeout: float = 10.0) -> int:
        """Ctrl-C, as a user stops it; killed if it has not exited after timeout."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        return self.proc.returncode


def start_server(site: Path, *extra: str, env: dict[str, str] | None = None) -> Server:
    # The author runs it in the site folder, so error paths read content/....
    proc = subprocess.Popen([sys.executable, "-m", "generator", "serve", "--site", str(site), "--port", "0", *extra],
                            cwd=site, stderr=subprocess.PIPE, text=True, encoding="utf-8", env=env)
    server = Server(proc, site)
    threading.Thread(target=server._read, name="serve-stderr", daemon=True).start()
    return server


@pytest.fixture
def serve():
    """serve(site) -> Server, once it has printed its URL; every server is stopped with Ctrl-C afterwards."""
    servers: list[Server] = []

    def start(site: Path, *extra: str) -> Server:
        server = start_server(site, *extra)
        servers.append(server)
        line = server.wait_for(lambda line: line.startswith("serving http://"))
        server.url = re.match(r"serving (\S+)", line).group(1)
        return server

    yield start
    for server in servers:
        server.stop()


# --- plain HTTP ----------------------------------------------------------------------------------

_opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))


@dataclass
class Reply:
    status: int
    headers: dict[str, str]
    body: bytes

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", "replace")


def fetch(url: str) -> Reply:
    try:
        with _opener.open(url, timeout=TIMEOUT) as response:
            return Reply(response.status, {k.lower(): v for k, v in response.headers.items()}, response.read())
    except urllib.error.HTTPError as error:
        return Reply(error.code, {k.lower(): v for k, v in error.headers.items()}, error.read())


def raw_get(server: Server, path: str) -> Reply:
    """GET with the path sent exactly as written (no client-side normalising), no redirect followed."""
    parts = urlsplit(server.url)
    with socket.create_connection((parts.hostname, parts.port), timeout=TIMEOUT) as sock:
        sock.sendall(f"GET {path} HTTP/1.1\r\nHost: {parts.netloc}\r\nConnection: close\r\n\r\n".encode("latin-1"))
        data = b""
        while chunk := sock.recv(65536):
            data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split()[1])
    headers = {}
    for line in lines[1:]:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    return Reply(status, headers, body)


# --- files, as an editor saves them --------------------------------------------------------------

def save(path: Path, text: str) -> None:
    """Write the file; make sure the watcher can see it changed (mtime_ns and size)."""
    before = path.stat() if path.exists() else None
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    after = path.stat()
    if before is not None and (before.st_mtime_ns, before.st_size) == (after.st_mtime_ns, after.st_size):
        os.utime(path, ns=(after.st_atime_ns, after.st_mtime_ns + 1_000_000_000))


ARTICLES = {
    "content/2022-02-26-derby-result.md": article("Town beat Rovers in the derby", "2022-02-26", tags="[Sport, Town]"),
    "content/2022-02-27-fares-freeze.md": article("Bus fares frozen for the year", "2022-02-27", tags="[Transport, Budget]"),
    "content/2022-02-28-budget-vote.md": article("Council approves the budget", "2022-02-28", tags="[Budget]"),
}
DERBY = "content/2022-02-26-derby-result.md"
FARES = "content/2022-02-27-fares-freeze.md"
BUDGET = "content/2022-02-28-budget-vote.md"
BUDGET_PATH = "2022/02/28/budget-vote/"


# --- the browser ---------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    """One headless Chromium for the module; each test gets a fresh tab."""
    assert os.path.exists(CHROMIUM), f"{CHROMIUM} is missing: run `make test` (it installs Debian's chromium)"
    with sync_playwright() as p:
        context = p.chromium.launch_persistent_context(
            user_data_dir=str(tmp_path_factory.mktemp("chrome")), executable_path=CHROMIUM,
            headless=True, args=CHROMIUM_ARGS)
        context.set_default_timeout(MS)
        yield context
        context.close()


@pytest.fixture
def page(browser):
    tab = browser.new_page()
    yield tab
    close_tab(tab)


def close_tab(tab) -> None:
    """Close a tab without waiting for Chromium to say it has: on a machine busy with the parallel
    suite, a tab that live reload had reloaded sometimes never answered, and the wait hung the run.
    (The browser, closed after the module, takes the tab with it.)"""
    tab.close(run_before_unload=True)


def wait_live(page) -> None:
    """Wait until livereload.js has connected and said hello (the server then reloads this tab)."""
    page.wait_for_function(LIVE, timeout=MS)
    page.wait_for_timeout(300)  # the tab is registered on the 'info' message just after the handshake


def open_live(page, url: str):
    response = page.goto(url)
    wait_live(page)
    return response


# --- 1. an edit reloads the open tab --------------------------------------------------------------

def test_edited_headline_reloads_the_front_page_and_the_article(make_site, serve, page):
    site = make_site(ARTICLES, config=CONFIG)
    server = serve(site)
    open_live(page, server.url)
    lead = page.locator(".lead__headline")
    expect(lead).to_have_text("Council approves the budget")

    save(site / BUDGET, article("Council approves a smaller budget", "2022-02-28", tags="[Budget]"))
    expect(lead).to_have_text("Council approves a smaller budget", timeout=MS)  # reloaded by itself

    open_live(page, server.url + BUDGET_PATH)
    headline = page.locator("h1.story__headline")
    expect(headline).to_have_text("Council approves a smaller budget")
    save(site / BUDGET, article("Council budget passes after all-night sitting", "2022-02-28", tags="[Budget]"))
    expect(headline).to_have_text("Council budget passes after all-night sitting", timeout=MS)
    expect(page).to_have_title(re.compile("^Council budget passes after all-night sitting"))


def test_one_save_reloads_every_open_tab(make_site, serve, page, browser):
    site = make_site(ARTICLES, config=CONFIG)
    server = serve(site)
    second = browser.new_page()
    try:
        open_live(page, server.url)
        open_live(second, server.url + BUDGET_PATH)
        save(site / BUDGET, article("Budget approved in both tabs", "2022-02-28", tags="[Budget]"))
        expect(page.locator(".lead__headline")).to_have_text("Budget approved in both tabs", timeout=MS)
        expect(second.locator("h1.story__headline")).to_have_text("Budget approved in both tabs", timeout=MS)
    finally:
        close_tab(second)


def test_config_edit_reloads_with_the_new_site_title(make_site, serve, page):
    site = make_site(ARTICLES, config=CONFIG)
    server = serve(site)
    open_live(page, server.url)
    masthead = page.locator(".masthead__title")
    expect(masthead).to_have_text("Test Gazette")
    save(site / "config.yaml", CONFIG.replace("Test Gazette", "The Evening Wend"))
    expect(masthead).to_have_text("The Evening Wend", timeout=MS)


def test_an_authors_yaml_edit_reloads_the_article_with_the_new_role_and_a_mistake_shows_at_its_line(
        make_site, serve, page):
    files = {**ARTICLES, BUDGET: article("Council approves the budget", "2022-02-28", tags="[Budget]", author="grace"),
             "authors.yaml": "grace:\n  name: Grace Adeyemi\n  role: Political editor\n"}
    site = make_site(files, config=CONFIG)
    server = serve(site)
    open_live(page, server.url + BUDGET_PATH)
    byline = page.locator(".story__byline")
    expect(byline).to_contain_text("Grace Adeyemi, Political editor")
    save(site / "authors.yaml", "grace:\n  name: Grace Adeyemi\n  role: Chief political editor\n")
    expect(byline).to_contain_text("Grace Adeyemi, Chief political editor", timeout=MS)
    wait_live(page)
    save(site / "authors.yaml", "grace:\n  name: Grace Adeyemi\n  rol: Chief political editor\n")
    errors = page.locator(".broadsheet-build-errors")
    expect(errors).to_contain_text("authors.yaml:3", timeout=MS)
    expect(errors).to_contain_text("`role`")


# --- 2. a broken file shows an error page; fixing it brings the site back -------------------------

def test_broken_front_matter_shows_the_error_in_the_tab_and_the_fix_brings_the_site_back(make_site, serve, page):
    site = make_site(ARTICLES, config=CONFIG)
    server = serve(site)
    open_live(page, server.url)
    expect(page.locator(".lead__headline")).to_have_text("Council approves the budget")
    built = server.builds()

    save(site / BUDGET, '---\ntitle: "Council approves the budget\ndate: 2022-02-28\n---\nBody.\n')
    errors = page.locator(".broadsheet-build-errors")
    expect(errors).to_be_visible(timeout=MS)
    expect(errors).to_contain_text(f"{BUDGET}:2")  # file and line, as the terminal prints them
    message = server.wait_for(lambda line: line.startswith(f"{BUDGET}:2"))
    assert ": error: " in message
    expect(errors).to_contain_text(message)  # the same text as in the terminal
    assert "invalid yaml" in message.lower()
    assert server.proc.poll() is None, "the server died on a broken file"
    assert server.builds() == built

    wait_live(page)  # the error page reloads by itself too
    save(site / BUDGET, article("Council approves the budget, at last", "2022-02-28", tags="[Budget]"))
    expect(page.locator(".lead__headline")).to_have_text("Council approves the budget, at last", timeout=MS)
    expect(errors).to_have_count(0)
    assert server.proc.poll() is None


def test_an_article_edited_while_another_is_broken_shows_once_that_one_is_fixed(make_site, serve, page):
    # A failed rebuild has read (and cached) every file, the edited one too, though the preview does
    # not show it: the rebuild after the fix must not take that one for an article already shown.
    site = make_site(ARTICLES, config=CONFIG)
    server = serve(site)
    open_live(page, server.url + BUDGET_PATH)
    broken = article("Town beat Rovers in the derby", "2022-02-26", "See [the table](table.md).", tags="[Sport, Town]")
    save(site / DERBY, broken)
    server.wait_for(lambda line: line.startswith(f"{DERBY}:") and "table.md" in line)
    seen = len(server.lines)
    save(site / BUDGET, article("Council approves a smaller budget", "2022-02-28", tags="[Budget]"))
    # Failed again, with the budget article read:
    server.wait_for(lambda line: line.startswith(f"{DERBY}:") and "table.md" in line, start=seen)
    save(site / DERBY, ARTICLES[DERBY])
    expect(page.locator("h1.story__headline")).to_have_text("Council approves a smaller budget", timeout=MS)
    expect(page.locator(".broadsheet-build-errors")).to_have_count(0)


def test_a_tab_that_missed_a_rebuild_while_between_pages_reloads_once_connected(make_site, serve, page):
    # A rebuild that ends while a tab is loading its next page tells no one: the tab has no socket
    # open yet. Made certain here by holding back livereload.js until the rebuild has ended; the
    # build number in the page makes the tab reload by itself once it connects.
    site = make_site(ARTICLES, config=CONFIG)
    server = serve(site)
    held = []
    page.route("**/livereload.js*", lambda route: held.append(route))
    page.goto(server.url + BUDGET_PATH, wait_until="domcontentloaded")
    page.wait_for_timeout(200)
    assert len(held) == 1 and not page.evaluate(LIVE)
    built = server.builds()
    save(site / BUDGET, article("Council approves a smaller budget", "2022-02-28", tags="[Budget]"))
    server.wait_built(built + 1)
    expect(page.locator("h1.story__headline")).to_have_text("Council approves the budget")  # not told
    held[0].continue_()
    page.unroute("**/livereload.js*")
    expect(page.locator("h1.story__headline")).to_have_text("Council approves a smaller budget", timeout=MS)


def test_the_preview_s_search_finds_an_edited_article_s_new_words(make_site, serve, page):
    # The edit's shard is indexed in the background after the tab reloads; the search page,
    # which says so while it catches up, then reloads itself and finds the new word.
    site = make_site(ARTICLES, config=CONFIG + "search:\n  shard_size: 2\n")
    server = serve(site)
    open_live(page, server.url + "search/?q=quokkas")
    results = page.locator("#search-results li")
    expect(page.locator("#search-status")).to_contain_text("No articles match", timeout=MS)
    save(site / BUDGET, article("Council approves the budget", "2022-02-28", tags="[Budget]",
                                body="Councillors also voted to protect the quokkas."))
    expect(results).to_have_count(1, timeout=MS)
    expect(results.first.locator("a").first).to_have_text("Council approves the budget")
    expect(page.locator(".search__updating")).to_have_count(0)  # caught up: the note is gone
    assert "error" not in server.log.lower()


def test_jinja_syntax_error_in_a_theme_template_shows_in_the_tab(make_site, serve, page):
    site = make_site({**ARTICLES, "themes/local/theme.yaml": "parent: default\n",
                      "themes/local/templates/404.html": '{% extends "base.html" %}\n'},
                     config=CONFIG + "theme: local\n")
    server = serve(site)
    open_live(page, server.url)
    template = site / "themes/local/templates/404.html"
    save(template, '{% extends "base.html" %}\n{% block content %}\n<p>Lost</p>\n{% endblok %}\n')
    errors = page.locator(".broadsheet-build-errors")
    expect(errors).to_contain_text("themes/local/templates/404.html:4", timeout=MS)
    assert server.proc.poll() is None
    wait_live(page)
    save(template, '{% extends "base.html" %}\n')
    expect(page.locator(".lead__headline")).to_have_text("Council approves the budget", timeout=MS)


# --- 3. deleted, new and re-tagged articles; what is served is what `build` writes ----------------

def test_deleted_added_and_retagged_articles_everywhere_they_show(make_site, serve, page, run, tmp_path):
    site = make_site(ARTICLES, config=CONFIG)
    server = serve(site)
    open_live(page, server.url)
    headlines = page.locator(".lead__headline, .card__headline")
    expect(headlines).to_have_count(3)
    assert "Bus fares frozen for the year" in fetch(server.url + "tags/budget/").text

    # Deleted: gone from the front page and from its tag page.
    (site / FARES).unlink()
    expect(headlines).to_have_text(["Council approves the budget", "Town beat Rovers in the derby"], timeout=MS)
    budget_tag = fetch(server.url + "tags/budget/")
    assert budget_tag.status == 200
    assert "Council approves the budget" in budget_tag.text
    assert "Bus fares frozen for the year" not in budget_tag.text
    assert fetch(server.url + "tags/transport/").status == 404  # its only article is gone
    assert "Bus fares frozen" not in fetch(server.url + "feed.xml").text

    # Added: on the front page.
    wait_live(page)
    save(site / "content/2022-03-01-library.md", article("Central library reopens", "2022-03-01", tags="[Town]"))
    expect(headlines).to_have_text(["Central library reopens", "Council approves the budget",
                                    "Town beat Rovers in the derby"], timeout=MS)
    assert "Central library reopens" in fetch(server.url + "tags/town/").text

    # Re-tagged: the old tag page loses it, the new one has it.
    wait_live(page)
    built = server.builds()
    save(site / DERBY, article("Town beat Rovers in the derby", "2022-02-26", tags="[Sport, Football]"))
    server.wait_built(built + 1)
    assert server.builds() == built + 1
    town = fetch(server.url + "tags/town/")
    assert "Central library reopens" in town.text and "Town beat Rovers" not in town.text
    assert "Town beat Rovers in the derby" in fetch(server.url + "tags/football/").text
    page.goto(server.url + "tags/football/")
    expect(page.locator(".card__headline, .lead__headline")).to_have_text(["Town beat Rovers in the derby"])

    # No stale page: every file served is what `broadsheet build` writes for the same files
    # (with the preview's options), the reload script aside. Not the manifest: Broadsheet's own
    # bookkeeping, to which the preview's edits append lines that a cold build writes sorted.
    out = tmp_path / "expected"
    result = run("build", "--site", site, "--output", out, "--drafts", "--future", "--base-url", server.url)
    assert result.status == 0, result.err
    # The preview indexes the last edit's search shard in the background; that rebuild waits while
    # the build above holds the site's lock (one build of a site at a time), and may end after it.
    with server._cond:
        last_build = max(n for n, line in enumerate(server.lines) if line.startswith("built "))
    server.wait_for(lambda line: line.startswith("search index up to date"), start=last_build + 1)
    files = sorted(p for p in out.rglob("*") if p.is_file() and p.name != ".broadsheet-manifest")
    assert len(files) > 10
    for path in files:
        relative = path.relative_to(out).as_posix()
        served = fetch(server.url + (relative[:-len("index.html")] if relative.endswith("index.html") else relative))
        assert served.status == 200, relative
        assert RELOAD_SCRIPT.sub(b"", served.body) == path.read_bytes(), f"stale or different: /{relative}"


def test_an_edit_is_swapped_into_the_open_page_without_a_reload(make_site, serve, page):
    """Only main and the title changed: the tab keeps its state (a script's variable, the scroll)."""
    long_body = "\n\n".join(f"Paragraph {n} of the council's long budget debate." for n in range(60))
    site = make_site({**ARTICLES, BUDGET: article("Council approves the budget", "2022-02-28", long_body)},
                     config=CONFIG)
    server = serve(site)
    open_live(page, server.url + BUDGET_PATH)
    page.evaluate("() => { window.__marker = 42; window.scrollTo({top: 600, behavior: \"instant\"}); }")
    scrolled = page.evaluate("() => window.scrollY")
    assert scrolled > 0

    save(site / BUDGET, article("Council approves a smaller budget", "2022-02-28", long_body))
    expect(page.locator("h1.story__headline")).to_have_text("Council approves a smaller budget", timeout=MS)
    expect(page).to_have_title(re.compile("^Council approves a smaller budget"))
    assert page.evaluate("() => window.__marker") == 42, "the page was reloaded for an edit of its main"
    assert page.evaluate("() => window.scrollY") == scrolled
    assert page.locator("main").count() == 1

    # The masthead's title is outside main: the page is reloaded, and shows it.
    save(site / "config.yaml", CONFIG.replace("title: ", "title: The New ", 1))
    expect(page.locator(".masthead__title")).to_contain_text("The New", timeout=MS)
    assert page.evaluate("() => window.__marker") is None, "a change outside main must reload the page"


# --- 4. a stylesheet change is swapped in without a reload ---------------------------------------

def test_stylesheet_change_is_swapped_in_without_a_full_reload(make_site, serve, page):
    site_css = "themes/child/static/css/site.css"
    site = make_site({**ARTICLES, "themes/child/theme.yaml": "parent: default\n",
                      site_css: "body { background: rgb(255, 255, 255); }\n"},
                     config=CONFIG + "theme: child\n")
    (site / "themes/child/templates").mkdir(parents=True)
    server = serve(site)
    open_live(page, server.url)
    background = "() => getComputedStyle(document.body).backgroundColor"
    assert page.evaluate(background) == "rgb(255, 255, 255)"
    page.evaluate("() => { window.__marker = 42; }")

    save(site / site_css, "body { background: rgb(0, 128, 0); }\n")
    page.wait_for_function(f"() => ({background})() === 'rgb(0, 128, 0)'", timeout=MS)
    assert page.evaluate("() => window.__marker") == 42, "the page was reloaded for a stylesheet change"
    assert fetch(server.url + "theme/css/site.css").text == "body { background: rgb(0, 128, 0); }\n"


# --- 5. a burst of saves is one rebuild ----------------------------------------------------------

def test_a_burst_of_saves_gives_one_rebuild(make_site, serve, page):
    site = make_site(ARTICLES, config=CONFIG)
    server = serve(site)
    open_live(page, server.url)
    built = server.builds()
    assert built == 1
    started = time.monotonic()
    for n in range(8):
        save(site / f"content/2022-03-0{n + 1}-burst-{n}.md", article(f"Burst story {n}", f"2022-03-0{n + 1}"))
    assert time.monotonic() - started < 0.05, "the burst took too long to write to test this"

    server.wait_built(built + 1)
    time.sleep(1.5)  # long enough for a second rebuild to show up, if there were one
    assert server.builds() == built + 1, server.log
    assert sum(line.startswith("changed: ") for line in server.lines) == 1, server.log
    expect(page.locator(".lead__headline")).to_have_text("Burst story 7", timeout=MS)
    expect(page.locator(".lead__headline, .card__headline")).to_have_count(11)


def test_polling_asked_for_by_the_environment_still_reloads_on_a_save(make_site, page):
    # BROADSHEET_WATCH=poll: for a network file system, whose changes the kernel never hears of.
    site = make_site(ARTICLES, config=CONFIG)
    server = start_server(site, env={**os.environ, "BROADSHEET_WATCH": "poll"})
    try:
        server.url = re.match(r"serving (\S+)", server.wait_for(lambda line: line.startswith("serving "))).group(1)
        assert any("BROADSHEET_WATCH=poll" in line for line in server.lines), server.log
        open_live(page, server.url + BUDGET_PATH)
        save(site / BUDGET, article("Seen by polling", "2022-02-28"))
        expect(page.locator("h1.story__headline")).to_have_text("Seen by polling", timeout=MS)
        assert server.builds() == 2, server.log
    finally:
        server.stop()


# --- 6. drafts and scheduled articles: shown in serve with a banner, left out by build ------------

DRAFTS = {
    **ARTICLES,
    "content/2022-03-02-draft.md": article("Unpublished draft story", "2022-03-02", draft="true"),
    "content/2999-01-01-future.md": article("Story from the future", "2999-01-01 09:30"),
}


def test_drafts_and_scheduled_articles_show_with_a_banner_in_serve_and_not_in_build(make_site, serve, page, run,
                                                                                   tmp_path):
    site = make_site(DRAFTS, config=CONFIG)
    unserved = tmp_path / "unserved"
    shutil.copytree(site, unserved)
    server = serve(site)
    page.goto(server.url)
    expect(page.locator(".lead__headline, .card__headline")).to_have_count(5)

    page.goto(server.url + "2022/03/02/draft/")
    expect(page.locator("h1.story__headline")).to_have_text("Unpublished draft story")
    expect(page.locator(".banner--draft")).to_be_visible()
    expect(page.locator(".banner--draft")).to_contain_text("Draft")

    page.goto(server.url + "2999/01/01/future/")
    expect(page.locator("h1.story__headline")).to_have_text("Story from the future")
    expect(page.locator(".banner--scheduled")).to_be_visible()
    expect(page.locator(".banner--scheduled")).to_contain_text("Scheduled for 1 January 2999")

    server.stop()
    result = run("build", "--site", site)
    assert result.status == 0, result.err
    out = site / "output"
    assert (out / BUDGET_PATH / "index.html").is_file()
    assert not (out / "2022/03/02/draft").exists()
    assert not (out / "2999").exists()
    everything = "".join(p.read_text(encoding="utf-8") for p in out.rglob("*") if p.suffix in (".html", ".xml"))
    assert "Unpublished draft story" not in everything
    assert "Story from the future" not in everything
    assert "livereload" not in everything
    assert server.origin not in everything
    # Serving first changes nothing in what `build` writes: the same bytes as for a copy never
    # served, and the same manifest.
    assert run("build", "--site", unserved).status == 0
    assert site_files(out) == site_files(unserved / "output")

    def manifest(folder: Path) -> list[str]:
        return (folder / ".broadsheet-manifest").read_text(encoding="utf-8").splitlines()

    assert manifest(out) == manifest(unserved / "output")


# --- 7. the reload script is added on the way out; nothing is written into the site ---------------

def test_reload_script_is_injected_and_nothing_is_written_into_the_site(make_site, serve, page):
    site = make_site(DRAFTS, config=CONFIG)
    before = snapshot(site)
    server = serve(site)
    for path in ("", BUDGET_PATH, "tags/", "no/such/page/"):
        reply = fetch(server.url + path)
        assert reply.headers["content-type"].startswith("text/html")
        assert b"livereload.js" in reply.body, path
        assert reply.body.count(b"livereload.js") == 1
    assert b"livereload" not in fetch(server.url + "feed.xml").body
    assert b"livereload" not in fetch(server.url + "theme/css/site.css").body
    open_live(page, server.url)  # and it works: the tab connects
    assert server.stop() == 0
    assert not (site / "output").exists()
    # The one thing written into the site is the build cache, .cache/broadsheet/ (git-ignored,
    # documented in the README), which builds share with the preview; the sources are untouched.
    after = snapshot(site)
    assert any(name.startswith(".cache/broadsheet/") for name in after)
    assert {name: v for name, v in after.items() if not name.startswith(".cache/")} == before


# --- 8. nothing outside the built site is served -------------------------------------------------

MARKER = "PRIVATE-MARKER-4c1d"
SECRET = "TOP-SECRET-9e27"

TRAVERSALS = [
    "/../config.yaml",
    "/%2e%2e/config.yaml",
    "/%2E%2E%2Fconfig.yaml",
    "/..%2fconfig.yaml",
    "/..%5cconfig.yaml",
    "/theme/../../config.yaml",
    "/theme/%2e%2e/%2e%2e/config.yaml",
    "/%2e%2e/%2e%2e/%2e%2e/%2e%2e/%2e%2e/%2e%2e/%2e%2e/etc/passwd",
    "/../../../../../../../../etc/passwd",
    "//etc/passwd",
    "/config.yaml",
]


def test_paths_leading_out_of_the_site_are_refused(make_site, serve):
    site = make_site(ARTICLES, config=CONFIG + f"# {MARKER}\n")
    server = serve(site)
    for path in TRAVERSALS:
        reply = raw_get(server, path)
        assert reply.status == 404, f"{path}: {reply.status}"
        assert MARKER not in reply.text, path
        assert "root:" not in reply.text, path
        assert NOT_FOUND_HEADING in reply.text, path
    assert server.proc.poll() is None


def test_symlink_leading_out_of_the_site_is_never_served(make_site, serve, page, tmp_path):
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.txt").write_text(SECRET + "\n")
    (outside / "secret.md").write_text(article(SECRET))
    site = make_site(ARTICLES, config=CONFIG)
    (site / "content/leak.txt").symlink_to(outside / "secret.txt")

    # Linked before the server starts: the build refuses it, the tab shows why.
    server = serve(site)
    page.goto(server.url)
    errors = page.locator(".broadsheet-build-errors")
    expect(errors).to_contain_text("content/leak.txt")
    expect(errors).to_contain_text("symbolic link")
    for path in ("/", "/leak.txt", "/content/leak.txt", "/../outside/secret.txt"):
        assert SECRET not in raw_get(server, path).text, path

    # Removed: the site comes back. Then a linked folder and a linked article, added while serving.
    wait_live(page)
    (site / "content/leak.txt").unlink()
    expect(page.locator(".lead__headline")).to_have_text("Council approves the budget", timeout=MS)
    wait_live(page)
    (site / "content/outside").symlink_to(outside, target_is_directory=True)
    (site / "content/2022-03-01-secret.md").symlink_to(outside / "secret.md")
    expect(errors).to_contain_text("symbolic link", timeout=MS)
    expect(errors).to_contain_text("content/outside")
    expect(errors).to_contain_text("content/2022-03-01-secret.md")
    assert SECRET not in page.content()
    for path in ("/", "/outside/secret.txt", "/outside/secret.md", "/2022/03/01/secret/", "/leak.txt"):
        assert SECRET not in raw_get(server, path).text, path
    assert server.proc.poll() is None


# --- 9. the site's own 404 page ------------------------------------------------------------------

def test_unknown_url_gets_404_with_the_sites_own_page(make_site, serve, page):
    site = make_site(ARTICLES, config=CONFIG)
    server = serve(site)
    response = page.goto(server.url + "2022/02/30/no-such-story/")
    assert response.status == 404
    expect(page.locator("h1")).to_have_text(NOT_FOUND_HEADING)
    expect(page.locator(".masthead__title")).to_have_text("Test Gazette")  # the site's theme, not a bare page
    assert fetch(server.url + "theme/css/missing.css").status == 404
    head = _opener.open(urllib.request.Request(server.url, method="HEAD"), timeout=TIMEOUT)
    assert head.status == 200 and head.read() == b""


# --- 10. a base_url with a path is previewed under that path --------------------------------------

def test_base_url_path_is_respected(make_site, serve, page):
    site = make_site(ARTICLES, config=CONFIG.replace("https://example.org/", "https://example.org/news/"))
    server = serve(site)
    assert urlsplit(server.url).path == "/news/"

    for path in ("/", "/news"):
        reply = raw_get(server, path)
        assert reply.status in (301, 302, 307, 308), path
        assert reply.headers["location"] in ("/news/", server.url), path
    assert raw_get(server, "/theme/css/site.css").status == 404

    response = open_live(page, server.url)
    assert response.status == 200
    expect(page.locator(".lead__headline")).to_have_text("Council approves the budget")
    links = page.evaluate("() => Array.from(document.querySelectorAll('a[href], link[href]'),"
                          " e => e.getAttribute('href'))")
    local = [h for h in links if not h.startswith("#")]
    assert local
    for href in local:
        if href.startswith("/"):
            assert href.startswith("/news/"), href
        else:
            assert href.startswith(server.url), href
    css = fetch(server.origin + "/news/theme/css/site.css")
    assert css.status == 200 and css.headers["content-type"].startswith("text/css")
    assert page.evaluate("() => getComputedStyle(document.body).fontFamily") != ""

    # Live reload works under the path too.
    save(site / BUDGET, article("Budget approved under /news/", "2022-02-28"))
    expect(page.locator(".lead__headline")).to_have_text("Budget approved under /news/", timeout=MS)
    assert page.url == server.url


# --- 11. a busy port ---------------------------------------------------------------------------

def test_busy_port_is_a_clear_message_not_a_traceback(make_site):
    site = make_site(ARTICLES, config=CONFIG)
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        started = time.monotonic()
        result = subprocess.run([sys.executable, "-m", "generator", "serve", "--site", str(site), "--port", str(port)],
                                cwd=site, capture_output=True, text=True, timeout=30)
    assert time.monotonic() - started < 10
    assert result.returncode == 1, result.stderr
    assert str(port) in result.stderr
    assert "--port" in result.stderr
    assert "in use" in result.stderr
    assert "Traceback" not in result.stderr
    assert not (site / "output").exists()


# --- 12. Ctrl-C ------------------------------------------------------------------------------------

def test_ctrl_c_stops_it_cleanly_with_a_tab_connected(make_site, serve, page):
    site = make_site(ARTICLES, config=CONFIG)
    server = serve(site)
    open_live(page, server.url)
    server.proc.send_signal(signal.SIGINT)
    try:
        status = server.proc.wait(5)
    except subprocess.TimeoutExpired:
        pytest.fail("the server was still running 5 s after Ctrl-C:\n" + server.log)
    assert status == 0
    server.wait_closed()
    assert "stopping" in server.lines
    assert "Traceback" not in server.log, server.log


# --- found while testing: stylesheets and a failed build, several stylesheets, a save during startup, //host

CSS_THEME = {
    "themes/child/theme.yaml": "parent: default\n",
    "themes/child/templates/base.html": '{% extends "default:base.html" %}\n'
                                        '{% block head %}\n'
                                        '<link rel="stylesheet" href="{{ asset(\'css/extra.css\') }}">\n'
                                        '{% endblock %}\n',
    "themes/child/static/css/site.css": "body { background: rgb(255, 255, 255); }\n",
    "themes/child/static/css/extra.css": ":root { --extra: one; }\n",
}
BACKGROUND = "() => getComputedStyle(document.body).backgroundColor"
EXTRA = "() => getComputedStyle(document.documentElement).getPropertyValue('--extra').trim()"


def test_two_stylesheets_saved_together_are_both_swapped_in(make_site, serve, page):
    site = make_site({**ARTICLES, **CSS_THEME}, config=CONFIG + "theme: child\n")
    server = serve(site)
    open_live(page, server.url)
    assert page.evaluate(BACKGROUND) == "rgb(255, 255, 255)"
    assert page.evaluate(EXTRA) == "one"
    page.evaluate("() => { window.__marker = 42; }")
    save(site / "themes/child/static/css/site.css", "body { background: rgb(0, 128, 0); }\n")
    save(site / "themes/child/static/css/extra.css", ":root { --extra: two; }\n")
    page.wait_for_function(f"() => ({BACKGROUND})() === 'rgb(0, 128, 0)' && ({EXTRA})() === 'two'", timeout=MS)
    assert page.evaluate("() => window.__marker") == 42


def test_stylesheet_change_that_breaks_or_mends_the_build_reloads_the_tab(make_site, serve, page):
    site = make_site({**ARTICLES, **CSS_THEME}, config=CONFIG + "theme: child\n")
    server = serve(site)
    open_live(page, server.url)
    extra = site / "themes/child/static/css/extra.css"
    extra.unlink()  # the template still asks for it: the build fails, and the tab must say so
    errors = page.locator(".broadsheet-build-errors")
    expect(errors).to_contain_text("css/extra.css", timeout=MS)
    expect(errors).to_contain_text("themes/child/templates/base.html:3")
    wait_live(page)
    save(extra, ":root { --extra: back; }\n")  # mended by a stylesheet alone: the site must come back
    expect(page.locator(".lead__headline")).to_have_text("Council approves the budget", timeout=MS)
    assert page.evaluate(EXTRA) == "back"


def test_a_save_while_the_first_build_is_finishing_is_not_lost(make_site, tmp_path, page):
    # The preview folder appears when the first build starts writing, after every source was read:
    # a save from then on must still lead to a rebuild (the watcher must not start from a later look).
    many = {f"content/2022-01-{1 + n % 28:02d}-story-{n}.md": article(f"Story {n}", f"2022-01-{1 + n % 28:02d}")
            for n in range(150)}
    site = make_site({**ARTICLES, **many}, config=CONFIG)
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    server = start_server(site, env={**os.environ, "TMPDIR": str(scratch)})
    try:
        deadline = time.monotonic() + TIMEOUT
        while not list(scratch.glob("broadsheet-serve-*/site")):
            assert time.monotonic() < deadline and server.proc.poll() is None, server.log
            time.sleep(0.001)
        save(site / BUDGET, article("Saved while the server was starting", "2022-02-28"))
        server.url = re.match(r"serving (\S+)", server.wait_for(lambda line: line.startswith("serving "))).group(1)
        server.wait_built(2)
        page.goto(server.url + BUDGET_PATH)
        expect(page.locator("h1.story__headline")).to_have_text("Saved while the server was starting")
    finally:
        server.stop()


def test_the_preview_copy_is_removed_after_the_server_stops(make_site, tmp_path):
    # The preview is written to a scratch folder of its own; Ctrl-C leaves nothing of it behind
    # (it is removed in the background, so that stopping a large site's preview is not slow).
    site = make_site(ARTICLES, config=CONFIG)
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    server = start_server(site, env={**os.environ, "TMPDIR": str(scratch)})
    try:
        server.wait_for(lambda line: line.startswith("serving http://"))
        assert list(scratch.glob("broadsheet-serve-*/site/index.html"))
    finally:
        assert server.stop() == 0, server.log
    deadline = time.monotonic() + TIMEOUT
    while list(scratch.iterdir()):
        assert time.monotonic() < deadline, f"left behind: {list(scratch.rglob('*'))[:5]}"
        time.sleep(0.05)


def test_double_slash_paths_neither_redirect_elsewhere_nor_reveal_folders(make_site, serve):
    site = make_site(ARTICLES, config=CONFIG)
    server = serve(site)
    for path in ("//etc", "//usr/share", "/%2Fetc", "/%2fusr%2fshare", "//tmp", "//nonexistent"):
        reply = raw_get(server, path)
        assert reply.status == 404, f"{path}: {reply.status} {reply.headers.get('location')}"
        assert "location" not in reply.headers


def test_the_preview_waits_for_a_build_of_the_same_site_then_builds(make_site, page):
    # `broadsheet build` (a cron job, a terminal) holds the site's lock while it works; the
    # preview's build waits for it, says so, and serves once that build is done.
    site = make_site(ARTICLES, config=CONFIG)
    with another_build_holding_the_lock(site):
        server = start_server(site)
        try:
            server.wait_for(lambda line: line == "waiting for another build of this site to finish (process 4242)")
            time.sleep(0.5)
            assert server.builds() == 0 and not any(line.startswith("serving ") for line in server.lines)
        except BaseException:
            server.stop()
            raise
    try:
        server.url = re.match(r"serving (\S+)", server.wait_for(lambda line: line.startswith("serving "))).group(1)
        page.goto(server.url + BUDGET_PATH)
        expect(page.locator("h1.story__headline")).to_have_text(re.compile(r"\S"))
    finally:
        server.stop()
