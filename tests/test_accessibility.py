"""Every kind of page of the sample site, checked by axe-core (WCAG 2.x A and AA rules) in headless
Chromium at a phone's width and a desktop's, in the light and the dark colour scheme.

axe-core comes from the npm registry (pinned in package-lock.json, installed by `make test`);
the pages are served over HTTP from the built site, as a reader gets them, and no request
leaves this machine."""

from __future__ import annotations

import functools
import http.server
import os
import threading
from pathlib import Path

import pytest
from playwright.sync_api import sync_playwright

from conftest import REPO, LoopbackServer
from test_serve import CHROMIUM, CHROMIUM_ARGS

AXE = REPO / "node_modules" / "axe-core" / "axe.min.js"

# One page of each kind the default theme renders (the sample site has them all).
PAGES = {
    "front page": "/",
    "front page, page 2": "/page/2/",
    "article with a lead photo, a correction, code, two authors and related stories":
        "/2022/02/23/council-budget-vote/",
    "article with an SVG lead image": "/2022/02/20/flood-warning-river-wend/",
    "page": "/about/",
    "tag": "/tags/city-council/",
    "tag index": "/tags/",
    "section": "/sections/politics/",
    "section index": "/sections/",
    "author with a photo": "/authors/grace/",
    "author without an entry": "/authors/s7-news/",
    "author index": "/authors/",
    "year": "/2022/",
    "month": "/2022/02/",
    "month, page 2": "/2022/02/page/2/",
    "day": "/2022/02/28/",
    "archive index": "/archive/",
    "corrections": "/corrections/",
    "404": "/404.html",
    "search, as loaded": "/search/",
    "search with results (a thumbnail among them) and its filters": "/search/?q=council",
    "search with no result": "/search/?q=xylophonequartz",
}

# Pages whose content comes with a script: what to wait for before they are checked.
# The search pages load Pagefind's script, WebAssembly and index before they show results: on a
# machine busy with the parallel suite that took more than 10 s once (all four axe runs failed).
READY_MS = 45_000
READY = {
    "/search/": "#search-status:not(:empty)",
    "/search/?q=council": "#search-results li img",
    "/search/?q=xylophonequartz": "#search-status:not(:empty)",
}


@pytest.fixture(scope="module")
def served(sample_site_module):
    """The sample site built and served on 127.0.0.1."""
    from generator.cli import main

    out = sample_site_module / "out"
    assert main(["build", "--site", str(sample_site_module), "--output", str(out)]) == 0
    handler = functools.partial(_QuietHandler, directory=str(out))
    server = LoopbackServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="module")
def sample_site_module(tmp_path_factory):
    import shutil

    site = tmp_path_factory.mktemp("sample")
    shutil.copy(REPO / "config.yaml", site / "config.yaml")
    shutil.copy(REPO / "authors.yaml", site / "authors.yaml")
    shutil.copytree(REPO / "content", site / "content")
    return site


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    assert os.path.exists(CHROMIUM), f"{CHROMIUM} is missing: run `make test` (it installs Debian's chromium)"
    assert AXE.is_file(), f"{AXE} is missing: run `make test` (npm ci installs axe-core)"
    with sync_playwright() as p:
        context = p.chromium.launch_persistent_context(
            user_data_dir=str(tmp_path_factory.mktemp("chrome-axe")), executable_path=CHROMIUM,
            headless=True, args=CHROMIUM_ARGS)
        yield context
        context.close()


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format, *args):  # noqa: A002 - the name http.server gives it
        pass


AXE_RUN = """async (rules) => {
    const r = await axe.run(document, {resultTypes: ['violations'], runOnly: rules});
    return r.violations.map(v => `${v.id} (${v.impact}): ${v.help} at ` +
                                  v.nodes.slice(0, 3).map(n => n.target.join(' ')).join(', '));
}"""
# Every WCAG A and AA rule and axe's best practices; in the dark scheme, which changes colours
# alone, the rules that look at colours (the others would find what they found in the light).
ALL_RULES = {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"]}
COLOUR_RULES = {"type": "rule", "values": ["color-contrast", "link-in-text-block"]}


@pytest.mark.parametrize("width", [375, 1440])
def test_every_kind_of_page_has_no_accessibility_violation(served, browser, width):
    # Each page is loaded once per width and checked in both colour schemes: the scheme is
    # switched in the open page (its stylesheet's media queries apply at once), which spares
    # loading every page and axe-core again.
    tab = browser.new_page()
    tab.set_viewport_size({"width": width, "height": 900})
    others: list[str] = []
    tab.on("request", lambda request: None if request.url.startswith((served, "data:")) else others.append(request.url))
    found = {}
    try:
        for name, path in PAGES.items():
            tab.emulate_media(color_scheme="light")
            response = tab.goto(served + path)
            assert response is not None and (response.ok or path == "/404.html"), (name, path)
            if path in READY:
                tab.wait_for_selector(READY[path], state="attached", timeout=READY_MS)
            tab.add_script_tag(path=str(AXE))
            for scheme, rules in (("light", ALL_RULES), ("dark", COLOUR_RULES)):
                tab.emulate_media(color_scheme=scheme)
                assert tab.evaluate(f"matchMedia('(prefers-color-scheme: {scheme})').matches")
                result = tab.evaluate(AXE_RUN, rules)
                if result:
                    found[f"{name} {path} ({scheme})"] = result
    finally:
        tab.close()
    assert found == {}, "\n".join(f"{page}:\n  " + "\n  ".join(v) for page, v in found.items())
    assert others == [], f"requests to other hosts: {others}"


def test_the_checker_finds_a_violation_when_there_is_one(served, browser):
    # The same run on a page broken on purpose: an image without alt text and an empty link, and
    # text that is legible in the light scheme only, found once the open page is switched to dark.
    tab = browser.new_page()
    try:
        tab.emulate_media(color_scheme="light")
        tab.goto(served + "/")
        tab.evaluate("""() => { const img = document.createElement('img'); img.src = 'x.png';
                                const link = document.createElement('a'); link.href = '/';
                                document.querySelector('main').append(img, link);
                                const style = document.createElement('style');
                                style.textContent = '@media (prefers-color-scheme: dark) { h1, h2, h3 { color: #333 !important; } }';
                                document.head.append(style); }""")
        tab.add_script_tag(path=str(AXE))
        light = tab.evaluate(AXE_RUN, ALL_RULES)
        tab.emulate_media(color_scheme="dark")
        dark = tab.evaluate(AXE_RUN, COLOUR_RULES)
    finally:
        tab.close()
    assert any(v.startswith("image-alt ") for v in light) and any(v.startswith("link-name ") for v in light)
    assert not any(v.startswith("color-contrast ") for v in light)
    assert any(v.startswith("color-contrast ") for v in dark), dark


# Walks the page with the Tab key alone: which links get the focus, and whether each focused element
# is visibly marked (an outline or a box shadow, not the same look as without focus).
_TAB_WALK = """async (presses) => {
    const reached = new Set(), unmarked = [];
    for (let i = 0; i < presses; i++) {
        await window.__press();
        const el = document.activeElement;
        if (!el || el === document.body) break;
        if (el.matches('a[href]')) {
            if (reached.has(el)) break;  // round the page once
            reached.add(el);
        }
        const style = getComputedStyle(el);
        const outlined = style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) > 0;
        if (!outlined && style.boxShadow === 'none') unmarked.push(el.outerHTML.slice(0, 80));
    }
    const links = [...document.querySelectorAll('a[href]')].filter(a => a.getClientRects().length > 0);
    return {missed: links.filter(a => !reached.has(a)).map(a => a.outerHTML.slice(0, 80)), unmarked,
            reached: reached.size};
}"""


@pytest.mark.parametrize("width", [375, 1440])
@pytest.mark.parametrize("path", ["/", "/2022/02/23/council-budget-vote/", "/authors/grace/", "/2022/02/",
                                  "/search/?q=council"])
def test_every_link_is_reachable_by_keyboard_with_a_visible_focus(served, browser, width, path):
    tab = browser.new_page()
    tab.set_viewport_size({"width": width, "height": 900})
    try:
        tab.goto(served + path)
        if path in READY:
            tab.wait_for_selector(READY[path], state="attached", timeout=READY_MS)
        tab.expose_function("__press", lambda: tab.keyboard.press("Tab"))
        result = tab.evaluate(_TAB_WALK, 400)
    finally:
        tab.close()
    assert result["reached"] > 10
    assert result["missed"] == [], f"links the Tab key never reaches on {path}: {result['missed']}"
    assert result["unmarked"] == [], f"focused without a visible mark on {path}: {result['unmarked']}"
