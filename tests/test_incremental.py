"""Incremental builds, tested the way Hugo's hugolib/rebuild_test.go tests its rebuilds.

Every test writes a whole small site inline, builds it, edits one thing (a file, the
config, the theme, the clock, the cache), builds again and asserts three things:

(a) what changed shows the change as a reader sees it (headlines, cards, tag pages, feeds);
(b) the whole output is byte-identical to a cold build of the same files into another
    folder (`build --no-cache --output OTHER`, run on a copy of the sources so that it cannot
    refresh the cache the next incremental build reads);
(c) how many files were made again and how many Markdown bodies converted, read from the
    summary line, against numbers worked out by hand from the site below.

The site (per_page 2, feed.items 2), newest first. No article has a category or a byline:
every one is by the config's author, Test Desk (authors/test-desk/).

    article   date        tags              front page   tag pages             related stories
    Echo      2022-01-05  Sport             /            sport                 -
    Delta     2022-01-04  Town, Weather     /            town, weather         Charlie, Bravo, Alpha
    Charlie   2022-01-03  Roads, Weather    /page/2/     roads, weather        Delta, Alpha
    Bravo     2022-01-02  Town              /page/2/     town                  Delta, Alpha
    Alpha     2022-01-01  Town, Roads       /page/3/     roads, town/page/2    Charlie, Delta, Bravo

so roads = [Charlie, Alpha], sport = [Echo], town = [Delta, Bravo | Alpha],
weather = [Delta, Charlie]; the site feeds carry [Echo, Delta], the tag feeds their
tag's newest two. Related stories (generator/model/related.py): most tags shared, then the weight
of those shared (a tag on n articles weighs 1/n: Sport 1, Roads and Weather 1/2, Town 1/3),
then newest first. Every article shares at most one tag with another, so Delta's are Charlie
(Weather, 1/2) then Bravo and Alpha (Town, 1/3); Alpha's are Charlie (Roads), then Delta and
Bravo (Town). Read the other way, an article is shown as related on these pages:
Delta on Charlie's, Bravo's and Alpha's; Charlie on Delta's and Alpha's; Bravo on Delta's and
Alpha's; Alpha on Delta's, Charlie's and Bravo's; Echo (the only Sport) on none.

Every site also has the lists of sections, authors and dates (generator/model/site.py list_kinds):
the author test-desk holds all five, paged like the front page ([Echo, Delta | Charlie,
Bravo | Alpha]), with feeds carrying [Echo, Delta]; so does the month 2022/01 (no feeds);
the year 2022 lists its one month (one page, no articles, no feed); each day 2022/01/01 ..
2022/01/05 holds its one article. No section: /sections/ is there, empty.

The 51 files:
    front pages 3, article pages 5, about, 404.html, robots.txt, sitemap.xml,
    news-sitemap.xml (empty: the articles are years older than its 48 hours)      13
    /tags/, 5 tag pages, an RSS and an Atom feed for each of the 4 tags           14
    /sections/                                                                     1
    /authors/, test-desk's 3 pages and 2 feeds                                     6
    /archive/, 2022/, 2022/01/ and its pages 2 and 3, the 5 days                  10
    /corrections/, feed.xml, atom.xml                                              3
    the theme's CSS and its two scripts, and img/note.txt, copied             4
47 of them rendered, 4 copied.

What makes a file be made again (generator/plan/render.py): a page's fingerprint holds a
global key (config, flags, every template, the site header: its pages and sections) and what
it shows: the *teaser* digest of each article it lists (every field but the body) or, for an
article page and the feeds, the article digest (teaser + body). An article page holds its own
article digest and the teasers of its newer and older neighbours and of its related stories.
A list page (front page, tag, section, author, month, day) holds the list's term digest (key,
name, article count, and the counts of the lists within it: a month's days) with its page
number and page count; a year holds its term digest (its months' counts); an index page
(/tags/, /sections/, /authors/, /archive/) the term digest of every list of its kind; a feed
the list's name and the article digests of its newest two; /corrections/ the teasers of the
corrected articles; the sitemap every (path, lastmod). A teaser shows its tags as TermViews,
which carry the tag's article count (`t.count`): the default theme does not print it in cards,
but any theme may, so a change in a tag's count changes the teaser of every article with that
tag. A teaser also holds the section's name as shown and the authors as shown (name, link,
role), not their counts. Copies are fingerprinted by size and mtime.

An edit that moves nothing (same URL, dates, tags, category, authors, draft flag, corrections)
plans only the files around the edited article (render._showing); any other plans every file,
but renders again only those whose fingerprint changed.

The new kinds in the incremental path are tested on a second site, the *desk* site (section
16): the same five articles, with sections and a second author.
"""

from __future__ import annotations

import html
import itertools
import marshal
import os
import random
import re
import shutil
import time
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

import pytest

from conftest import article, snapshot, write_file
from generator.build import build as build_site
from generator.write.cache import cache_file
from generator.write.site_store import store_file
from generator.read.inputs import last_build_file

# Search off: these tests count the pages an edit renders; the search index's shards are tested
# in test_search_index.py, and with every kind of edit in test_never_stale.py.
CONFIG = """\
search: false
title: Test Gazette
base_url: https://example.org/
timezone: UTC
author: Test Desk
description: News from the test town
per_page: 2
feed:
  items: 2
"""

# slug: (title, date, tags)
ARTICLES = {
    "alpha": ("Alpha", "2022-01-01", "[Town, Roads]"),
    "bravo": ("Bravo", "2022-01-02", "[Town]"),
    "charlie": ("Charlie", "2022-01-03", "[Roads, Weather]"),
    "delta": ("Delta", "2022-01-04", "[Town, Weather]"),
    "echo": ("Echo", "2022-01-05", "[Sport]"),
}
NOTE = b"version 1 of the note\n"


def body(title: str, second: str = "") -> str:
    # The first paragraph is the summary shown on cards: edits in these tests go in the second.
    return f"{title} lead paragraph, the summary.\n\n{title} second paragraph.{second}"


def source(slug: str, title: str | None = None, date: str | None = None, tags: str | None = None,
           text: str | None = None, **fields: str) -> str:
    base_title, base_date, base_tags = ARTICLES[slug]
    title = title or base_title
    return article(title, date or base_date, text if text is not None else body(title),
                   tags=tags or base_tags, **fields)


def site_files(**changes: str | bytes | None) -> dict[str, str | bytes]:
    files: dict[str, str | bytes] = {f"content/2022/{slug}.md": source(slug) for slug in ARTICLES}
    files["content/pages/about.md"] = "---\ntitle: About us\n---\nWe are a test paper.\n"
    files["content/img/note.txt"] = NOTE
    files["config.yaml"] = CONFIG
    for name, text in changes.items():
        if text is None:
            files.pop(name, None)
        else:
            files[name] = text
    return files


def art(slug: str, day: int | None = None, month: str = "01") -> str:
    """The output file of an article page."""
    day = day if day is not None else int(ARTICLES[slug][1][-2:])
    return f"2022/{month}/{day:02d}/{slug}/index.html"


A, B, C, D, E = (art(s) for s in ARTICLES)


def feeds(path: str) -> list[str]:
    """A list's RSS and Atom feeds: feeds("tags/roads/")."""
    return [path + "feed.xml", path + "atom.xml"]


def day(n: int) -> str:
    """A day's archive page in January 2022."""
    return f"2022/01/{n:02d}/index.html"


FRONT = ["index.html", "page/2/index.html", "page/3/index.html"]
TAG_PAGES = ["tags/roads/index.html", "tags/sport/index.html", "tags/town/index.html",
             "tags/town/page/2/index.html", "tags/weather/index.html"]
TAG_FEEDS = [f for t in ("roads", "sport", "town", "weather") for f in feeds(f"tags/{t}/")]
INDEXES = ["tags/index.html", "sections/index.html", "authors/index.html", "archive/index.html"]
DESK = "authors/test-desk/"  # the config's author: the byline of every article without one
AUTHOR_PAGES = [DESK + "index.html", DESK + "page/2/index.html", DESK + "page/3/index.html"]
YEAR = "2022/index.html"
MONTH_PAGES = ["2022/01/index.html", "2022/01/page/2/index.html", "2022/01/page/3/index.html"]
DAYS = [day(n) for n in range(1, 6)]
CORRECTIONS = "corrections/index.html"
SITE_FEEDS = ["feed.xml", "atom.xml"]
COPIES = ["theme/css/site.css", "theme/favicon.svg", "theme/js/embeds.js", "theme/js/search.js", "img/note.txt"]
ALL_FILES = {*FRONT, A, B, C, D, E, "about/index.html", *INDEXES, *TAG_PAGES, *TAG_FEEDS,
             *AUTHOR_PAGES, *feeds(DESK), YEAR, *MONTH_PAGES, *DAYS, CORRECTIONS, "404.html",
             *SITE_FEEDS, "sitemap.xml", "news-sitemap.xml", "robots.txt", *COPIES}
assert len(ALL_FILES) == 52
RENDERED = len(ALL_FILES) - len(COPIES)  # 47: every file but the five copies (the theme's are all copied)
MANIFEST = ".broadsheet-manifest"
OLD = 1_000_000_000  # 2001: the mtime output files are set to, to see which ones a build writes


# --- building -------------------------------------------------------------------------------------

SUMMARY = re.compile(
    r"built (?P<articles>\d+) articles? and (?P<pages>\d+) pages? into .+?: (?P<written>\d+) files? written, "
    r"(?P<unchanged>\d+) unchanged, (?P<removed>\d+) removed in [\d.]+ s "
    r"\((?P<converted>\d+) Markdown converted, (?P<rendered>\d+) files? rendered\)")


@dataclass(frozen=True)
class Summary:
    articles: int
    pages: int
    written: int
    unchanged: int
    removed: int
    converted: int
    rendered: int
    err: str


def build(run, site: Path, *flags: str) -> Summary:
    result = run("build", "--site", site, *flags)
    assert result.status == 0, f"build failed:\n{result.err}"
    found = SUMMARY.search(result.out)
    assert found, f"no summary line in:\n{result.out}"
    return Summary(**{k: int(v) for k, v in found.groupdict().items()}, err=result.err)


_cold_builds = itertools.count()


def copy_sources(site: Path, to: Path) -> Path:
    """The site's sources (not its cache, not its output) in a folder of their own; copy2 keeps
    mtimes, which copies are fingerprinted by."""
    to.mkdir(parents=True)
    shutil.copy2(site / "config.yaml", to / "config.yaml")
    if (site / "authors.yaml").is_file():
        shutil.copy2(site / "authors.yaml", to / "authors.yaml")
    for folder in ("content", "themes"):
        if (site / folder).is_dir():
            shutil.copytree(site / folder, to / folder)
    return to


@pytest.fixture
def cold(run, tmp_path):
    """cold(site, *flags) -> output folder of a cold build of the same files.

    The sources are copied to a site folder of their own, so that this build cannot touch the
    cache the incremental builds under test use (a --no-cache build still writes the cache
    afresh, which would hide a stale cache from the next incremental build)."""

    def make(site: Path, *flags: str) -> Path:
        n = next(_cold_builds)
        copy = copy_sources(site, tmp_path / f"cold{n}" / "site")
        out = tmp_path / f"cold{n}" / "output"
        result = run("build", "--site", copy, "--no-cache", "--output", out, *flags)
        assert result.status == 0, f"cold build failed:\n{result.err}"
        found = SUMMARY.search(result.out)
        assert found and int(found["converted"]) == int(found["articles"]) + int(found["pages"]), result.out
        return out

    return make


def files_of(folder: Path) -> dict[str, bytes]:
    """Every file of the built site, by path. The manifest is left out: it is Broadsheet's own
    bookkeeping (each file's fingerprint and size), not part of the site."""
    return {p.relative_to(folder).as_posix(): p.read_bytes()
            for p in sorted(folder.rglob("*")) if p.is_file() and p.name != MANIFEST}


def fingerprints_of(folder: Path) -> dict[str, str]:
    """The manifest's fingerprint of every file that is rendered, not copied: what the next build
    compares its plan with. Copies' fingerprints hold their source's inode and times, which the
    cold build's copy of the sources does not share. A later line wins; one of size -1 says the
    file is gone (an edit's build appends it for each file it removed)."""
    found = {}
    for line in (folder / MANIFEST).read_text().splitlines():
        path, fingerprint, size = line.split("\t")
        found.pop(path, None)
        if size != "-1" and not fingerprint.startswith("copy:"):
            found[path] = fingerprint
    return found


def assert_same_as_cold(site: Path, cold_output: Path) -> None:
    built, expected = files_of(site / "output"), files_of(cold_output)
    missing = sorted(expected.keys() - built.keys())
    extra = sorted(built.keys() - expected.keys())
    different = sorted(p for p in built.keys() & expected.keys() if built[p] != expected[p])
    assert not (missing or extra or different), (
        f"incremental output differs from a cold build: missing {missing}, extra {extra}, different {different}")
    # The same bytes, and the same fingerprints: a page whose fingerprint is not what a full plan
    # gives would not be made again when it has to be, some builds later.
    ours, full = fingerprints_of(site / "output"), fingerprints_of(cold_output)
    assert ours == full, f"fingerprints differ from a cold build's: {sorted(p for p in full if ours.get(p) != full[p])}"


def age(folder: Path) -> None:
    """Set every file's mtime to OLD, so that the next build's writes can be seen."""
    for p in folder.rglob("*"):
        if p.is_file():
            os.utime(p, (OLD, OLD))


def written(folder: Path) -> set[str]:
    """The site files written since age(): their mtime moved."""
    return {p.relative_to(folder).as_posix() for p in folder.rglob("*")
            if p.is_file() and p.name != MANIFEST and p.stat().st_mtime != OLD}


edit = write_file


def damage_by_hand(page: Path, how: str) -> None:
    if how == "deleted":
        page.unlink()
    else:
        page.write_bytes(page.read_bytes()[:100])


def read(site: Path, name: str) -> str:
    return (site / "output" / name).read_text(encoding="utf-8")


# --- what a reader sees ---------------------------------------------------------------------------

HEADLINE = re.compile(r'class="(?:lead|card)__headline"><a href="[^"]*">([^<]*)</a>')
TAG_COUNT = re.compile(r'class="tag-index__name" href="[^"]*">([^<]*)</a>\s*'
                       r'<span class="tag-index__count">(\d+) articles?</span>')


def headlines(site: Path, name: str) -> list[str]:
    """The headlines of the cards (and lead story) on a list page, in order."""
    return HEADLINE.findall(read(site, name))


def all_front_headlines(site: Path) -> list[list[str]]:
    pages, n = [], 1
    while (site / "output" / (FRONT[0] if n == 1 else f"page/{n}/index.html")).exists():
        pages.append(headlines(site, FRONT[0] if n == 1 else f"page/{n}/index.html"))
        n += 1
    return pages


AUTHOR_COUNT = re.compile(r'class="author-index__name" href="[^"]*">([^<]*)</a>.*?'
                          r'<span class="author-index__count">(\d+) articles?</span>', re.S)


def tag_counts(site: Path, index: str = "tags/index.html") -> dict[str, int]:
    """The lists on /tags/ (or /sections/, which is laid out the same) with their article counts."""
    return {name: int(count) for name, count in TAG_COUNT.findall(read(site, index))}


def author_counts(site: Path) -> dict[str, int]:
    return {name: int(count) for name, count in AUTHOR_COUNT.findall(read(site, "authors/index.html"))}


def feed_titles(site: Path, name: str) -> list[str]:
    root = ET.fromstring((site / "output" / name).read_bytes())
    if root.tag == "rss":
        return [item.findtext("title") for item in root.iter("item")]
    atom = "{http://www.w3.org/2005/Atom}"
    return [entry.findtext(f"{atom}title") for entry in root.iter(f"{atom}entry")]


def feed_summary(site: Path, name: str, title: str) -> str:
    """The HTML of an RSS item's description."""
    root = ET.fromstring((site / "output" / name).read_bytes())
    return next(item.findtext("description") for item in root.iter("item") if item.findtext("title") == title)


def story_nav(site: Path, name: str) -> list[str]:
    """The titles in an article page's newer/older links."""
    return re.findall(r'class="story-nav__title">([^<]*)</span>', read(site, name))


def related_titles(site: Path, name: str) -> list[str]:
    """The titles of an article page's related stories, in order."""
    return re.findall(r'class="compact-card__headline"><a href="[^"]*">([^<]*)</a>', read(site, name))


def shows_title(site: Path, name: str, title: str) -> bool:
    """Whether a file shows this headline where a reader sees it: a feed's item, an article page's
    previous/next links or related stories, a list page's cards."""
    if name.endswith(".xml"):
        return title in feed_titles(site, name)
    if name in (A, B, C, D, E):
        return title in story_nav(site, name) + related_titles(site, name)
    return title in headlines(site, name)


def story_headline(site: Path, name: str) -> str:
    found = re.search(r'<h1 class="story__headline">([^<]*)</h1>', read(site, name))
    assert found, name
    return found.group(1)


@pytest.fixture
def site(make_site, run):
    """The site above, built once: a rebuild in each test starts from here."""
    path = make_site(site_files())
    first = build(run, path)
    assert (first.articles, first.pages, first.converted, first.rendered) == (5, 1, 6, len(ALL_FILES)), first
    assert set(files_of(path / "output")) == ALL_FILES
    age(path / "output")
    return path


# --- 1. nothing changed ---------------------------------------------------------------------------

def test_a_rebuild_with_nothing_changed_converts_renders_and_writes_nothing(site, run):
    before = snapshot(site / "output")  # every file, the manifest too, with its mtime (all OLD)
    again = build(run, site)
    assert (again.converted, again.rendered, again.written, again.removed) == (0, 0, 0, 0)
    assert again.unchanged == len(ALL_FILES)
    assert snapshot(site / "output") == before, "a rebuild with nothing changed touched output/"
    assert again.err == ""


def test_a_rebuild_with_nothing_changed_does_not_even_open_the_cache(site, run):
    # Every input hashed equals the record of the last good build and its output is in place:
    # the build stops there. A cache damaged meanwhile is not read, so it cannot matter.
    before = snapshot(site / "output")
    cache_file(site).write_bytes(b"not a cache")
    again = build(run, site)
    assert (again.converted, again.rendered, again.written, again.unchanged) == (0, 0, 0, len(ALL_FILES))
    assert again.err == ""
    assert snapshot(site / "output") == before


@pytest.mark.parametrize("damage", ["deleted", "cut short"])
def test_an_output_file_damaged_by_hand_is_made_again_when_nothing_else_changed(site, run, cold, damage):
    damage_by_hand(site / "output" / "tags/roads/index.html", damage)
    again = build(run, site)
    assert headlines(site, "tags/roads/index.html") == ["Charlie", "Alpha"]
    assert (again.converted, again.rendered, again.written) == (0, 1, 1)
    assert written(site / "output") == {"tags/roads/index.html"}
    assert_same_as_cold(site, cold(site))


@pytest.mark.parametrize("line", ["a line without its tabs", "index.html\tfingerprint\tnot a size"])
def test_an_output_file_deleted_by_hand_is_made_again_when_the_manifest_has_a_line_of_another_shape(
        site, run, cold, line):
    # The check that output/ is as left reads the manifest in one step when every line has its
    # two tabs and a size; a line of another shape (no build writes one) means it cannot vouch
    # for output/, and the build looks at every file: it must still see the file that is gone.
    with (site / "output" / MANIFEST).open("a", encoding="utf-8") as manifest:
        manifest.write(line + "\n")
    damage_by_hand(site / "output" / "tags/roads/index.html", "deleted")
    again = build(run, site)
    assert headlines(site, "tags/roads/index.html") == ["Charlie", "Alpha"]
    assert again.err == ""
    assert_same_as_cold(site, cold(site))


@pytest.mark.parametrize("gone", [B, "tags/roads/index.html"])
def test_an_output_file_deleted_by_hand_after_an_edits_build_is_made_again(site, run, cold, gone):
    # An edit's build appends the lines of the files it made to the manifest, after its sorted
    # part: the check that output/ is as left must see a file gone from either part (Bravo's page
    # has a line in both, the later winning; roads' only in the sorted part).
    edit(site, "content/2022/bravo.md", source("bravo", text=body("Bravo", " Edited.")))
    assert build(run, site).written >= 1
    manifest = (site / "output" / MANIFEST).read_text(encoding="utf-8")
    assert manifest.index(B + "\t") < manifest.index("\t\t0\n") < manifest.rindex(B + "\t")
    expected = read(site, gone)
    age(site / "output")
    (site / "output" / gone).unlink()
    again = build(run, site)
    assert (again.converted, again.written) == (0, 1)
    assert written(site / "output") == {gone}
    assert read(site, gone) == expected
    assert_same_as_cold(site, cold(site))


def test_touching_every_source_without_changing_its_bytes_renders_only_the_touched_copy(site, run, cold):
    # The cache is keyed by content, not by mtime: a `touch` (a git checkout, a copy) is no edit.
    later = OLD + 10**8
    for path in [site / "config.yaml", *(site / "content").rglob("*")]:
        if path.is_file():
            os.utime(path, (later, later))
    again = build(run, site)
    assert again.converted == 0
    # Only the static file may be made again: copies are fingerprinted by size and mtime, so its
    # bytes are compared with the copy in output/ (1 "rendered", 0 written). A fingerprint of its
    # bytes would make this 0.
    assert again.rendered <= 1
    assert (again.written, again.removed) == (0, 0)
    assert written(site / "output") == set()
    assert_same_as_cold(site, cold(site))


# --- 2. a body edit -------------------------------------------------------------------------------

@pytest.mark.parametrize("slug, carrying", [
    # Alpha is in no site feed (they carry Echo and Delta), not in test-desk's (the same two), and
    # in only one tag's feeds (roads: Charlie, Alpha; town's carry Delta and Bravo): RSS and Atom.
    ("alpha", feeds("tags/roads/")),
    # Delta is in both site feeds, in the feeds of both its tags and in test-desk's.
    ("delta", [*SITE_FEEDS, *feeds("tags/town/"), *feeds("tags/weather/"), *feeds(DESK)]),
])
def test_a_body_edit_renders_the_article_and_the_feeds_carrying_it_and_no_list(site, run, cold, slug, carrying):
    title = ARTICLES[slug][0]
    edit(site, f"content/2022/{slug}.md", source(slug, text=body(title, " A correction was added here.")))
    again = build(run, site)

    assert "A correction was added here." in read(site, art(slug))
    for feed in carrying:
        assert "A correction was added here." in read(site, feed), feed
    # Cards show the summary (the first paragraph, unchanged), never the body: no list page (front,
    # tag, author, month, day), no neighbour (its previous/next link shows the title), no page
    # showing it among its related stories (a compact card: section, title, date) is made again.
    assert again.converted == 1
    assert again.rendered == 1 + len(carrying)
    assert written(site / "output") == {art(slug), *carrying}
    assert (again.written, again.removed) == (1 + len(carrying), 0)
    assert_same_as_cold(site, cold(site))


def test_a_system_without_memory_advice_builds_an_edit_as_any_other(site, run, cold, monkeypatch):
    # The known hashes and the manifest are mapped with madvise's advice where the system has it;
    # Windows' mmap has no madvise, and its absence must cost speed at most, never the build.
    import mmap
    for advice in ("MADV_RANDOM", "MADV_WILLNEED"):
        monkeypatch.delattr(mmap, advice, raising=False)
    title = ARTICLES["alpha"][0]
    edit(site, "content/2022/alpha.md", source("alpha", text=body(title, " Written without advice.")))
    again = build(run, site)

    assert "Written without advice." in read(site, art("alpha"))
    assert again.converted == 1
    assert_same_as_cold(site, cold(site))


def test_editing_the_summary_paragraph_also_renders_the_lists_showing_the_card(site, run, cold):
    # The first paragraph is Bravo's summary: its card on /page/2/ and on town's page shows it,
    # and so does its neighbours' previous/next teaser (Charlie's and Alpha's pages).
    edit(site, "content/2022/bravo.md", source("bravo", text="Bravo's new opening line.\n\nBravo second paragraph."))
    again = build(run, site)
    for name in ("page/2/index.html", "tags/town/index.html"):
        assert "Bravo\u2019s new opening line." in html.unescape(read(site, name)), name
    assert "Bravo\u2019s new opening line." in html.unescape(feed_summary(site, "tags/town/feed.xml", "Bravo"))
    # Bravo's teaser changed (its summary), so every page holding it: Bravo's own page, its
    # neighbours' (Charlie: older link, Alpha: newer link), those showing it among their related
    # stories (Delta's and Alpha's), /page/2/ [Charlie, Bravo], town page 1 [Delta, Bravo],
    # test-desk's page 2 and the month's page 2 (both [Charlie, Bravo]), the day 2022-01-02, and
    # town's RSS and Atom feeds (Delta, Bravo). Not the site's or test-desk's feeds (Echo, Delta).
    #   article pages: Bravo, Charlie, Alpha, Delta                                       4
    #   /page/2/, town 1, test-desk 2, 2022/01/page/2/, 2022/01/02/                         5
    #   town's feeds                                                                      2
    assert (again.converted, again.rendered) == (1, 11)
    assert_same_as_cold(site, cold(site))


# --- 3. a title edit ------------------------------------------------------------------------------

@pytest.mark.parametrize("slug, shown_on", [
    # Charlie: its page, its neighbours Delta (older link) and Bravo (newer link), and the pages
    # showing it among their related stories (Delta's, Alpha's); /page/2/ (with Bravo), roads and
    # weather pages, the RSS and Atom feeds of both tags; test-desk's page 2 and the month's page 2
    # (both [Charlie, Bravo]) and the day 2022-01-03. Not the site's or test-desk's feeds (Echo,
    # Delta), not the sitemap (no titles in it), not an index (no articles in them), not the year.
    ("charlie", [C, D, B, A, "page/2/index.html", "tags/roads/index.html", "tags/weather/index.html",
                 *feeds("tags/roads/"), *feeds("tags/weather/"), DESK + "page/2/index.html", MONTH_PAGES[1],
                 day(3)]),
    # Delta: its page, its neighbours Echo and Charlie, the pages showing it among their related
    # stories (Charlie's, Bravo's, Alpha's: so all five); the front page, town page 1 and weather,
    # test-desk's page 1 and the month's page 1 (all with Echo), the day 2022-01-04; both site
    # feeds, the town and weather feeds and test-desk's, RSS and Atom each.
    ("delta", [D, E, C, B, A, "index.html", "tags/town/index.html", "tags/weather/index.html", DESK + "index.html",
               MONTH_PAGES[0], day(4), *SITE_FEEDS, *feeds("tags/town/"), *feeds("tags/weather/"), *feeds(DESK)]),
])
def test_a_title_edit_renders_every_page_that_shows_the_title_and_nothing_else(site, run, cold, slug, shown_on):
    new = f"{ARTICLES[slug][0]} Renamed Headline"
    edit(site, f"content/2022/{slug}.md", source(slug, title=new, text=body(ARTICLES[slug][0])))
    again = build(run, site)

    assert story_headline(site, art(slug)) == new
    for name in shown_on:
        assert name == art(slug) or shows_title(site, name, new), name
    assert again.converted == 1
    assert again.rendered == len(shown_on) == {"charlie": 14, "delta": 19}[slug]
    assert written(site / "output") == set(shown_on)
    assert again.removed == 0
    assert_same_as_cold(site, cold(site))


# --- 4. a tag change ------------------------------------------------------------------------------

def test_moving_an_article_to_another_tag_updates_both_tags_the_index_and_the_feeds(site, run, cold):
    # Bravo: [Town] -> [Weather]. Town becomes [Delta, Alpha] (one page: town/page/2/ goes),
    # weather becomes [Delta, Charlie | Bravo] (two pages: weather/page/2/ is new).
    edit(site, "content/2022/bravo.md", source("bravo", tags="[Weather]"))
    again = build(run, site)
    out = site / "output"

    assert headlines(site, "tags/town/index.html") == ["Delta", "Alpha"]
    assert not (out / "tags/town/page/2/index.html").exists()
    assert headlines(site, "tags/weather/index.html") == ["Delta", "Charlie"]
    assert headlines(site, "tags/weather/page/2/index.html") == ["Bravo"]
    assert tag_counts(site) == {"Roads": 2, "Sport": 1, "Town": 2, "Weather": 3}
    assert feed_titles(site, "tags/town/feed.xml") == ["Delta", "Alpha"]
    assert feed_titles(site, "tags/weather/feed.xml") == ["Delta", "Charlie"]
    assert 'rel="tag">Weather</a>' in read(site, "page/2/index.html").split("Bravo</a>")[1]
    assert 'rel="tag">Town</a>' not in read(site, B)

    # Teasers carry their tags' counts (see the module docstring): Town 3 -> 2 and Weather 2 -> 3
    # change the teasers (and so the article digests) of Bravo, Alpha (Town), Delta (both),
    # Charlie (Weather); only Echo's stays. Related stories are ranked anew (now Town and Roads weigh
    # 1/2, Weather 1/3): Delta's become Alpha, Charlie, Bravo; Charlie's Alpha, Delta, Bravo;
    # Bravo's Delta, Charlie; Alpha's Delta, Charlie. No author, month or year count changes.
    # Made again:
    #   article pages: all 5 (Echo's too: its older link is Delta's teaser)             5
    #   front pages: all 3 (Delta, Charlie+Bravo, Alpha)                                 3
    #   /tags/ (counts)                                                                  1
    #   roads (Charlie, Alpha), town 1 (count; Delta, Alpha), weather 1 (count; Delta,
    #   Charlie) and 2 (new: Bravo)                                                      4
    #   feeds of roads, town, weather (RSS and Atom: 6); feed.xml and atom.xml (Delta)   8
    #   test-desk's pages 1, 2, 3 (Delta, Charlie+Bravo, Alpha) and feeds (Delta)        5
    #   the month's pages 1, 2, 3; the days of Alpha, Bravo, Charlie, Delta              7
    #   sitemap (town/page/2/ goes, weather/page/2/ comes)                               1
    # Not: sport (Echo) and its feeds, Echo's day, /sections/, /authors/, /archive/ and
    # 2022/ (their counts stand), /corrections/, about, 404, robots.txt, the two copies.
    assert again.converted == 1
    assert again.rendered == 34
    assert again.removed == 1  # tags/town/page/2/index.html
    # Of those, the bytes change only where a reader sees a difference (counts are not printed
    # on cards by the default theme, and previous/next links show titles only): Bravo's tags on
    # its page and cards (/page/2/, test-desk's and the month's page 2, its day), the related
    # stories of Alpha, Charlie and Delta, the tags' pages with new counts or articles, town's
    # feeds (Alpha for Bravo); weather's feeds carry Delta and Charlie as before.
    assert written(out) == {A, B, C, D, "page/2/index.html", "tags/index.html", "tags/town/index.html",
                            "tags/weather/index.html", "tags/weather/page/2/index.html", *feeds("tags/town/"),
                            DESK + "page/2/index.html", MONTH_PAGES[1], day(2), "sitemap.xml"}
    assert_same_as_cold(site, cold(site))


# --- 5. a date change across pagination pages -------------------------------------------------------

def test_a_new_date_moves_an_article_across_front_pages(site, run, cold):
    # Alpha, the oldest (alone on /page/3/), becomes the newest: 2022-01-06. Its URL has the date.
    edit(site, "content/2022/alpha.md", source("alpha", date="2022-01-06"))
    again = build(run, site)
    out = site / "output"

    assert all_front_headlines(site) == [["Alpha", "Echo"], ["Delta", "Charlie"], ["Bravo"]]
    assert not (out / A).exists() and (out / art("alpha", 6)).exists()
    assert headlines(site, "tags/town/index.html") == ["Alpha", "Delta"]
    assert headlines(site, "tags/town/page/2/index.html") == ["Bravo"]
    assert feed_titles(site, "feed.xml") == ["Alpha", "Echo"]
    assert story_nav(site, E) == ["Alpha", "Delta"]
    assert story_nav(site, B) == ["Charlie"]  # the oldest now: no older link
    # Alpha's teaser changes (its date and URL); no tag, author or month count does, but the
    # month's days do (2022-01-01 goes, 2022-01-06 comes). Newest first it is now Alpha, Echo,
    # Delta, Charlie, Bravo; related stories rank ties newest first, so Delta's become Charlie,
    # Alpha, Bravo and Charlie's Alpha, Delta (both hold Alpha's teaser anyway).
    #   article pages: Alpha's new one; Echo (newer link), Bravo (no older link now),
    #   Delta and Charlie (Alpha among their related stories)                            5
    #   front pages: all 3 ([Alpha, Echo], [Delta, Charlie], [Bravo])                     3
    #   roads (Alpha first now), town 1 and 2 ([Alpha, Delta], [Bravo])                   3
    #   roads' and town's feeds (RSS and Atom), feed.xml and atom.xml                     6
    #   test-desk's 3 pages (paged as the front page) and its 2 feeds (Alpha, Echo)       5
    #   the month's 3 pages (its days changed, and its articles moved)                    3
    #   the day 2022-01-06 (new)                                                           1
    #   sitemap                                                                            1
    # Not: /tags/, sport, weather (Delta, Charlie) and their feeds, the other days, 2022/ (its
    # month's count stands), the indexes. Removed: Alpha's old page and the day 2022-01-01.
    assert (again.converted, again.rendered, again.removed) == (1, 27, 2)
    assert_same_as_cold(site, cold(site))


# --- 6. new, deleted, renamed ---------------------------------------------------------------------

def test_a_new_article_appears_everywhere_it_belongs(site, run, cold):
    edit(site, "content/2022/foxtrot.md", article("Foxtrot", "2022-01-07", body("Foxtrot"), tags="[Health]"))
    again = build(run, site)

    assert all_front_headlines(site) == [["Foxtrot", "Echo"], ["Delta", "Charlie"], ["Bravo", "Alpha"]]
    assert headlines(site, "tags/health/index.html") == ["Foxtrot"]
    assert tag_counts(site)["Health"] == 1
    assert feed_titles(site, "atom.xml") == ["Foxtrot", "Echo"]
    # No other tag's count changes, so no other teaser does, and Health is on Foxtrot alone (no
    # related stories either way). test-desk's count (5 -> 6), the month's (and its days) and the
    # year's change their term digests, so each of their pages is made again.
    #   Foxtrot's page, Echo's (newer link)                                                2
    #   3 front pages ([Foxtrot, Echo], [Delta, Charlie], [Bravo, Alpha])                  3
    #   /tags/, health's page and its 2 feeds                                              4
    #   /authors/ (count), test-desk's 3 pages (count; paged as the front) and 2 feeds      6
    #   /archive/, 2022/, the month's 3 pages, the day 2022-01-07 (new)                     6
    #   feed.xml, atom.xml, sitemap                                                        3
    # Every one of them shows a difference, so each is written.
    assert (again.converted, again.rendered, again.written, again.removed) == (1, 24, 24, 0)
    assert_same_as_cold(site, cold(site))


def test_a_deleted_article_is_removed_from_the_output_and_every_list(site, run, cold):
    (site / "content/2022/charlie.md").unlink()
    again = build(run, site)
    out = site / "output"

    assert not (out / C).exists()
    assert not (out / "page/3/index.html").exists()
    assert all_front_headlines(site) == [["Echo", "Delta"], ["Bravo", "Alpha"]]
    assert headlines(site, "tags/roads/index.html") == ["Alpha"]
    assert tag_counts(site) == {"Roads": 1, "Sport": 1, "Town": 3, "Weather": 1}
    assert story_nav(site, D) == ["Echo", "Bravo"]
    assert "Charlie" not in read(site, "sitemap.xml") and "/charlie/" not in read(site, "sitemap.xml")
    # Roads 2 -> 1 and Weather 2 -> 1 change Alpha's and Delta's teasers; test-desk's, the
    # month's (and its days) and the year's counts change their term digests.
    #   the 4 remaining article pages (Echo: older Delta; Delta; Bravo: newer Delta; Alpha)  4
    #   front pages 1 and 2 ([Echo, Delta], [Bravo, Alpha])                                2
    #   /tags/, roads, town 1 (Delta) and 2 (Alpha), weather                               5
    #   the roads, town and weather feeds (RSS and Atom), feed.xml and atom.xml (Delta)    8
    #   /authors/, test-desk's pages 1 and 2 and its 2 feeds (Delta)                       5
    #   /archive/, 2022/, the month's pages 1 and 2, the days of Alpha and Delta           6
    #   sitemap                                                                            1
    # = 31. Not: sport and its feeds, Bravo's and Echo's days, /sections/, /corrections/.
    # Removed: Charlie's page, /page/3/, test-desk's and the month's page 3, the day 2022-01-03.
    assert (again.converted, again.rendered, again.removed) == (0, 31, 5)
    assert_same_as_cold(site, cold(site))


def test_a_renamed_file_moves_the_article_to_its_new_url(site, run, cold):
    # The slug comes from the file name: alpha.md -> alpha-revisited.md moves the page.
    (site / "content/2022/alpha.md").rename(site / "content/2022/alpha-revisited.md")
    again = build(run, site)
    out = site / "output"
    new_url = "2022/01/01/alpha-revisited/index.html"

    assert not (out / A).exists() and not (out / "2022/01/01/alpha").exists()
    assert story_headline(site, new_url) == "Alpha"
    assert 'href="/2022/01/01/alpha-revisited/"' in read(site, "page/3/index.html")
    assert 'href="/2022/01/01/alpha-revisited/"' in read(site, B)
    # Alpha's teaser changes (its URL), nothing else's: Alpha's new page, Bravo's (older link),
    # Charlie's and Delta's (Alpha among their related stories), /page/3/, roads, town page 2,
    # roads' 2 feeds, test-desk's and the month's page 3, the day 2022-01-01, sitemap = 13.
    # One Markdown conversion: the cache is keyed by the source's path, and this is a new path.
    assert (again.converted, again.rendered, again.removed) == (1, 13, 1)
    assert_same_as_cold(site, cold(site))


# --- 7. a link target moves -------------------------------------------------------------------------

def test_a_body_linking_to_an_article_whose_url_changed_is_rendered_again(make_site, run, cold):
    link = " See [the Bravo report](bravo.md)."
    site = make_site(site_files(**{"content/2022/alpha.md": source("alpha", text=body("Alpha", link))}))
    build(run, site)
    assert 'href="/2022/01/02/bravo/"' in read(site, A)
    age(site / "output")

    # Bravo moves to 2022-01-01 12:00: still between Charlie and Alpha, but its URL changes.
    edit(site, "content/2022/bravo.md", source("bravo", date="2022-01-01 12:00"))
    again = build(run, site)

    assert (site / "content/2022/alpha.md").read_text(encoding="utf-8") == source("alpha", text=body("Alpha", link))
    assert 'href="/2022/01/01/bravo/"' in read(site, A)
    assert "/2022/01/02/bravo/" not in read(site, A)
    assert "https://example.org/2022/01/01/bravo/" in read(site, "tags/roads/feed.xml")  # Alpha's full text
    assert not (site / "output" / B).exists()
    # Converted: Bravo (its file changed) and Alpha (a link of its body leads elsewhere now).
    # Bravo leaves the day 2022-01-02 (which goes) for 2022-01-01 (now [Bravo, Alpha]): the
    # month's days change, so its 3 pages are made again; the year's month count stands.
    #   Alpha (body; newer link), Bravo (new URL), Charlie (older link), Delta (Bravo among
    #   its related stories)                                                              4
    #   /page/2/, town page 1, test-desk's page 2 (Bravo's teaser)                        3
    #   town's 2 feeds (Bravo), roads' 2 feeds (Alpha's body)                             4
    #   the month's 3 pages, the day 2022-01-01                                           4
    #   sitemap                                                                           1
    # = 16. Not /page/3/, town page 2 or test-desk's page 3: Alpha's card shows no body.
    # Removed: Bravo's old page and the day 2022-01-02.
    assert (again.converted, again.rendered, again.removed) == (2, 16, 2)
    assert_same_as_cold(site, cold(site))


# --- 8. config and theme ----------------------------------------------------------------------------

def test_a_new_description_renders_every_page_that_shows_it(site, run, cold):
    edit(site, "config.yaml", CONFIG.replace("News from the test town", "Fresh news every hour"))
    again = build(run, site)

    for name in ALL_FILES - set(COPIES) - {"robots.txt", "sitemap.xml", "news-sitemap.xml"}:
        assert "Fresh news every hour" in read(site, name), name
        assert "News from the test town" not in read(site, name), name
    # Every page (the config is in every fingerprint), no copy, no Markdown (bodies do not show it).
    assert (again.converted, again.rendered, again.removed) == (0, RENDERED, 0)
    assert written(site / "output") == ALL_FILES - set(COPIES) - {"robots.txt", "sitemap.xml", "news-sitemap.xml"}
    assert_same_as_cold(site, cold(site))


def test_a_new_per_page_repaginates_every_list(site, run, cold):
    edit(site, "config.yaml", CONFIG.replace("per_page: 2", "per_page: 3"))
    again = build(run, site)
    out = site / "output"

    assert all_front_headlines(site) == [["Echo", "Delta", "Charlie"], ["Bravo", "Alpha"]]
    assert headlines(site, "tags/town/index.html") == ["Delta", "Bravo", "Alpha"]
    assert headlines(site, DESK + "index.html") == ["Echo", "Delta", "Charlie"]
    assert headlines(site, MONTH_PAGES[1]) == ["Bravo", "Alpha"]
    for gone in ("page/3/index.html", "tags/town/page/2/index.html", AUTHOR_PAGES[2], MONTH_PAGES[2]):
        assert not (out / gone).exists(), gone
    # Every page made again (47 files less the 4 removed: the third page of the front, of
    # test-desk and of the month, town's second), no copy, no Markdown.
    assert (again.converted, again.rendered, again.removed) == (0, RENDERED - 4, 4)
    assert_same_as_cold(site, cold(site))


@pytest.mark.parametrize("old, new", [
    ("timezone: UTC", "timezone: Pacific/Kiritimati"),
    ("base_url: https://example.org/", "base_url: https://example.org/news/"),
    ("per_page: 2", "per_page: 2\npermalink: /{year}/{slug}/"),
    ("items: 2", "items: 3"),
    ("items: 2", "items: 2\n  content: summary"),
    ("author: Test Desk", "author: Night Desk"),
], ids=["timezone", "base-url", "permalink", "feed-items", "feed-content", "author"])
def test_any_config_change_gives_the_output_of_a_cold_build(site, run, cold, old, new):
    link = " See [the Bravo report](bravo.md)."  # a body whose links depend on base_url and permalink
    edit(site, "content/2022/alpha.md", source("alpha", text=body("Alpha", link)))
    build(run, site)
    edit(site, "config.yaml", CONFIG.replace(old, new))
    again = build(run, site)
    # Every page: the config is in every fingerprint. The file count stays 47 in each case: the
    # permalink moves the 5 article pages (2022/alpha/ ...), the author moves test-desk's 3 pages
    # and 2 feeds to night-desk's, the others move nothing.
    assert again.rendered == RENDERED, again
    assert_same_as_cold(site, cold(site))


CHILD_ARTICLE = """\
{% extends "default:article.html" %}
{% block footer_extra %}<p class="colophon">Printed in VERSION</p>{% endblock %}
"""


def test_a_template_change_in_a_child_theme_renders_the_pages_using_it(make_site, run, cold):
    site = make_site(site_files(**{
        "config.yaml": CONFIG + "theme: mine\n",
        "themes/mine/theme.yaml": "parent: default\n",
        "themes/mine/templates/article.html": CHILD_ARTICLE.replace("VERSION", "black ink"),
    }))
    build(run, site)
    assert "Printed in black ink" in read(site, A)
    assert "Printed in" not in read(site, "index.html")
    age(site / "output")

    edit(site, "themes/mine/templates/article.html", CHILD_ARTICLE.replace("VERSION", "red ink"))
    again = build(run, site)

    for name in (A, B, C, D, E):
        assert "Printed in red ink" in read(site, name)
    # Every template is part of every page's fingerprint (templates extend, include and import
    # each other, so the theme is one dependency): all 47 pages are rendered again, though only
    # the 5 article pages change. Were fingerprints to track the templates each page uses, this
    # would become 5.
    assert (again.converted, again.rendered, again.removed) == (0, RENDERED, 0)
    assert written(site / "output") == {A, B, C, D, E}
    assert_same_as_cold(site, cold(site))


def test_a_page_title_edit_renders_every_page_whose_navigation_shows_it(site, run, cold):
    edit(site, "content/pages/about.md", "---\ntitle: About the Gazette\n---\nWe are a test paper.\n")
    again = build(run, site)
    for name in ALL_FILES:
        if name.endswith(".html"):
            assert ">About the Gazette</a>" in read(site, name), name
    # The navigation is in every page's fingerprint: every page, and the page's body once more.
    assert (again.converted, again.rendered, again.removed) == (1, RENDERED, 0)
    assert_same_as_cold(site, cold(site))


def test_a_tag_spelt_another_way_by_most_articles_is_shown_that_way_everywhere(site, run, cold):
    # Town is written "TOWN" by Alpha and Bravo: two against Delta's one, so TOWN is the name shown.
    edit(site, "content/2022/alpha.md", source("alpha", tags="[TOWN, Roads]"))
    edit(site, "content/2022/bravo.md", source("bravo", tags="[TOWN]"))
    build(run, site)
    assert tag_counts(site) == {"Roads": 2, "Sport": 1, "TOWN": 3, "Weather": 2}
    assert 'rel="tag">TOWN</a>' in read(site, D)  # Delta's own file did not change
    assert "Tagged: TOWN" in read(site, "tags/town/index.html")
    assert_same_as_cold(site, cold(site))


@pytest.mark.parametrize("setting, before, after", [
    ("markdown:\n  extensions: [extra, sane_lists]\n", '<h2 id="the-details">', "<h2>The details</h2>"),
    # README: "`markdown.smart_quotes: false` turns the typography off".
    ("markdown:\n  smart_quotes: false\n", "said \u201chello\u201d.", 'said "hello".'),
    # The quotation marks are the site's language's: French guillemets, set off by narrow no-break spaces.
    ("language: fr\n", "said \u201chello\u201d.", "said \u00ab\u202fhello\u202f\u00bb."),
], ids=["extensions", "smart-quotes", "language"])
def test_new_markdown_settings_convert_every_body_again(site, run, cold, setting, before, after):
    edit(site, "content/2022/echo.md",
         source("echo", text='Echo said "hello".\n\n## The details\n\nEcho second paragraph.'))
    build(run, site)
    assert before in read(site, E)
    edit(site, "config.yaml", CONFIG + setting)
    again = build(run, site)
    assert after in read(site, E) and before not in read(site, E)
    # Every body (5 articles and the page), every page (the settings are in the global key).
    assert (again.converted, again.rendered) == (6, RENDERED)
    assert_same_as_cold(site, cold(site))


# --- 9. time passes -------------------------------------------------------------------------------

def test_a_scheduled_article_appears_once_its_time_has_come_with_no_file_changed(make_site, cold, tmp_path):
    site = make_site(site_files(**{
        "content/2030/foxtrot.md": article("Foxtrot", "2030-01-01 10:00", body("Foxtrot"), tags="[Sport]"),
    }))
    before = datetime(2030, 1, 1, 9, 0, tzinfo=timezone.utc)
    after = datetime(2030, 1, 1, 11, 0, tzinfo=timezone.utc)
    out = site / "output"
    foxtrot = "2030/01/01/foxtrot/index.html"

    first = build_site(site, now=before)
    assert first.articles == 5 and not (out / foxtrot).exists()
    assert "Foxtrot" not in read(site, "index.html")
    assert build_site(site, now=before).rendered == 0
    age(out)

    again = build_site(site, now=after)
    assert again.articles == 6
    assert story_headline(site, foxtrot) == "Foxtrot"
    assert all_front_headlines(site)[0] == ["Foxtrot", "Echo"]
    assert headlines(site, "tags/sport/index.html") == ["Foxtrot", "Echo"]
    assert feed_titles(site, "feed.xml") == ["Foxtrot", "Echo"]
    assert feed_titles(site, "tags/sport/feed.xml") == ["Foxtrot", "Echo"]
    # Foxtrot's body was never converted (it was not built). Sport's count 1 -> 2 changes Echo's
    # teaser; Foxtrot and Echo become each other's only related story; test-desk's count
    # (5 -> 6) changes its term digest; 2030 brings a year, a month and a day of its own, while
    # 2022's year and month keep their counts.
    #   Foxtrot, Echo (newer link, own teaser, related), Delta (newer link: Echo's teaser)   3
    #   the 3 front pages (now [F, E], [D, C], [B, A])                                       3
    #   /tags/, sport's page and its 2 feeds                                                 4
    #   /authors/, test-desk's 3 pages and 2 feeds                                           6
    #   /archive/, 2030/, 2030/01/, 2030/01/01/ (new); 2022/01/ page 1 and 2022/01/05/
    #   (Echo's teaser)                                                                      6
    #   feed.xml, atom.xml, sitemap                                                          3
    #   news-sitemap.xml: Foxtrot came out an hour ago, within its 48 hours                  1
    assert (again.bodies_rendered, again.rendered, again.removed) == (1, 26, 0)
    assert "/2030/01/01/foxtrot/</loc>" in read(site, "news-sitemap.xml")

    # The CLI builds at the real time, so the cold build is made by build() at the same `now`.
    copy = copy_sources(site, tmp_path / "cold-at-11" / "site")
    build_site(copy, tmp_path / "cold-at-11" / "output", now=after, use_cache=False)
    assert_same_as_cold(site, tmp_path / "cold-at-11" / "output")


# --- 10. a damaged cache ----------------------------------------------------------------------------

def _truncate(path: Path) -> None:
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])


def _garbage(path: Path) -> None:
    path.write_bytes(bytes(range(256)) * 8)


def _other_version(path: Path) -> None:
    _, *rest = marshal.loads(path.read_bytes())
    path.write_bytes(marshal.dumps(("broadsheet 0.0.1 cache 1 python 3.0", *rest)))


def _truncated_bodies(path: Path) -> None:
    _truncate(path.with_name("bodies.bin"))


def _wrong_shape(path: Path) -> None:
    # Well-formed marshal with this version's stamp, but entries that are not what they should be:
    # every cached field record is cut short, as a corrupted or hand-edited index might be.
    *head, stored = marshal.loads(path.read_bytes())
    damaged = {name: (s, meta, key, fields[:3] if fields else fields, rkey, b, *rest)
               for name, (s, meta, key, fields, rkey, b, *rest) in stored.items()}
    path.write_bytes(marshal.dumps((*head, damaged)))


def _bad_date(path: Path) -> None:
    # One byte of the index changed where it still unmarshals: Charlie's cached date, month 13.
    raw = path.read_bytes()
    assert raw.count(b"2022-01-03T00:00:00+00:00") == 1
    path.write_bytes(raw.replace(b"2022-01-03T00:00:00+00:00", b"2022-13-03T00:00:00+00:00"))


@pytest.mark.parametrize("damage", [_truncate, _garbage, _other_version, _truncated_bodies, _wrong_shape, _bad_date],
                         ids=["truncated", "garbage", "other-version", "truncated-bodies", "wrong-shape", "bad-date"])
def test_a_damaged_cache_is_ignored_with_a_warning_and_written_afresh(site, run, cold, damage):
    index = cache_file(site)
    assert index.is_file()
    damage(index)
    # With its record of the last build, a build of unchanged files would finish without reading
    # the cache at all; without it, it must read the cache, and find the damage.
    last_build_file(site).unlink()

    again = build(run, site)
    assert "warning" in again.err and "cache" in again.err, again.err
    # Every body converted again (5 articles and the page); they come out the same, so the
    # output's fingerprints still hold and nothing is made again or written.
    assert again.converted == 6
    assert (again.rendered, again.written, again.removed) == (0, 0, 0)
    assert_same_as_cold(site, cold(site))

    quiet = build(run, site)
    assert quiet.err == ""
    assert (quiet.converted, quiet.rendered, quiet.written) == (0, 0, 0)


@pytest.mark.parametrize("original, damaged", [(b"Alpha second", b"Alpha sec0nd"), (b"Alpha second", b"\xff\xfepha second")],
                         ids=["flipped-letter", "invalid-utf8"])
def test_a_damaged_body_file_is_not_served(site, run, cold, original, damaged):
    # bodies.bin keeps its size, so the index's size check passes; the index holds each body's
    # digest, so the damage can be seen. A change to the description renders every page again,
    # reading every body from the cache.
    bodies = cache_file(site).with_name("bodies.bin")
    raw = bodies.read_bytes()
    assert raw.count(original) == 1
    bodies.write_bytes(raw.replace(original, damaged))
    edit(site, "config.yaml", CONFIG.replace("News from the test town", "Fresh news every hour"))

    build(run, site)
    assert "Alpha second paragraph." in read(site, A)
    assert_same_as_cold(site, cold(site))


def test_many_edits_then_a_full_render_reads_every_body_from_the_cache_correctly(site, run, cold):
    # Each edit appends a body to bodies.bin; once most of it is dead it is written afresh. The
    # offsets must stay right through both: a full render then reads every body from the cache.
    for n in range(12):
        edit(site, "content/2022/delta.md", source("delta", text=body("Delta", f" Update number {n}." + " more" * n)))
        assert build(run, site).converted == 1
    edit(site, "config.yaml", CONFIG.replace("News from the test town", "Fresh news every hour"))
    again = build(run, site)
    assert (again.converted, again.rendered) == (0, RENDERED)
    assert "Update number 11." in read(site, D)
    assert_same_as_cold(site, cold(site))


# --- 11. a failed incremental build -----------------------------------------------------------------

def _break_front_matter(site: Path) -> None:
    edit(site, "content/2022/charlie.md", "---\ntitle: [Charlie\ndate: 2022-01-03\n---\nText.\n")


def _fix_front_matter(site: Path) -> None:
    edit(site, "content/2022/charlie.md", source("charlie", title="Charlie Mended", text=body("Charlie")))


def _break_template(site: Path) -> None:
    # Fails while rendering (not while compiling): after some files may have been staged.
    edit(site, "themes/mine/theme.yaml", "parent: default\n")
    edit(site, "themes/mine/templates/article.html",
         '{% extends "default:article.html" %}{% block footer_extra %}{{ article.no_such_field }}{% endblock %}\n')
    edit(site, "config.yaml", CONFIG + "theme: mine\n")


def _fix_template(site: Path) -> None:
    edit(site, "themes/mine/templates/article.html", CHILD_ARTICLE.replace("VERSION", "Charlie Mended"))


@pytest.mark.parametrize("breaking, fixing", [(_break_front_matter, _fix_front_matter),
                                              (_break_template, _fix_template)],
                         ids=["front-matter", "template"])
def test_a_failed_rebuild_leaves_the_output_as_it_was_and_a_fix_rebuilds_it(site, run, cold, breaking, fixing):
    before = snapshot(site / "output")  # bytes and mtimes of every file, the manifest too
    breaking(site)
    result = run("build", "--site", site)
    assert result.status == 1
    assert "build failed" in result.err and "the output folder was left as it was" in result.err
    assert snapshot(site / "output") == before
    assert not (site / "output" / ".broadsheet-staging").exists()

    fixing(site)
    build(run, site)
    assert "Charlie Mended" in read(site, C)
    assert_same_as_cold(site, cold(site))


def test_a_build_interrupted_after_the_swap_leaves_nothing_stale_for_the_next_one(site, run, cold, monkeypatch):
    # Ctrl-C after the new files were moved into output/ but before the manifest was written:
    # output/ holds the edit, the manifest still the fingerprints of the build before it.
    import generator.write.output

    edit(site, "content/2022/charlie.md", source("charlie", title="Charlix", text=body("Charlie")))

    # Before the swap, the writer appends to the manifest that the files about to change are not
    # to be trusted; after it, it writes the manifest whole, or (an edit's build) appends the
    # lines of the files it made. Stop there.
    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    with monkeypatch.context() as patched:
        patched.setattr(generator.write.output, "_write_manifest", interrupted)
        patched.setattr(generator.write.output, "_append_to_manifest", interrupted)
        assert run("build", "--site", site).status == 130
    assert "Charlix" in read(site, C)

    # The edit is undone (same length, so every file keeps its size): the next build must not
    # take the files in output/ for those the manifest describes.
    edit(site, "content/2022/charlie.md", source("charlie"))
    build(run, site)
    assert story_headline(site, C) == "Charlie"
    assert_same_as_cold(site, cold(site))


def test_a_source_edited_to_the_same_size_with_its_mtime_kept_after_its_hash_was_trusted_is_read_again(
        site, run, cold):
    # A build does not read a source whose size, inode, modification and change times are what
    # they were when it was last hashed, once those are two seconds old (git's "racy" rule). An
    # edit that keeps the size and puts the mtime back still moves the change time.
    charlie = site / "content/2022/charlie.md"
    time.sleep(2.1)
    assert build(run, site).converted == 0  # the hashes of every source are trusted from here on
    status = charlie.stat()
    text = charlie.read_text()
    changed = text.replace("Charlie second paragraph", "Charlie SECOND paragraph")
    assert changed != text and len(changed) == len(text)
    charlie.write_text(changed)
    os.utime(charlie, ns=(status.st_atime_ns, status.st_mtime_ns))

    again = build(run, site)
    assert again.converted == 1
    assert "Charlie SECOND paragraph" in read(site, C)
    assert_same_as_cold(site, cold(site))


# --- 12. static files -------------------------------------------------------------------------------

def test_a_static_file_edited_to_the_same_size_with_its_mtime_kept_is_copied_again(site, run, cold):
    # An edit that keeps size and mtime (a tool that restores mtimes, a coarse-mtime file system,
    # two saves within its resolution): the issue asks for content hashes, never mtimes alone.
    note = site / "content/img/note.txt"
    status = note.stat()
    changed = NOTE.replace(b"1", b"2")
    assert len(changed) == len(NOTE)
    note.write_bytes(changed)
    os.utime(note, ns=(status.st_atime_ns, status.st_mtime_ns))

    build(run, site)
    assert (site / "output/img/note.txt").read_bytes() == changed
    assert_same_as_cold(site, cold(site))


def test_a_static_file_edited_to_the_same_size_is_copied_again(site, run, cold):
    note = site / "content/img/note.txt"
    changed = NOTE.replace(b"1", b"2")
    note.write_bytes(changed)
    os.utime(note, (OLD + 10**8, OLD + 10**8))  # a later mtime, as an ordinary save gives
    again = build(run, site)
    assert (site / "output/img/note.txt").read_bytes() == changed
    assert (again.converted, again.rendered, again.written) == (0, 1, 1)
    assert written(site / "output") == {"img/note.txt"}
    assert_same_as_cold(site, cold(site))


# --- 13. drafts -------------------------------------------------------------------------------------

def test_drafts_appear_with_the_flag_and_go_again_without_it(make_site, run, cold):
    site = make_site(site_files(**{
        "content/2022/golf.md": article("Golf", "2022-01-08", body("Golf"), tags="[Sport]", draft="true"),
    }))
    golf = art("golf", 8)
    out = site / "output"
    build(run, site)
    assert not (out / golf).exists()

    with_drafts = build(run, site, "--drafts")
    assert story_headline(site, golf) == "Golf"
    assert all_front_headlines(site) == [["Golf", "Echo"], ["Delta", "Charlie"], ["Bravo", "Alpha"]]
    assert "flag--draft" in read(site, "index.html")
    assert headlines(site, "tags/sport/index.html") == ["Golf", "Echo"]
    # The flags are in every page's fingerprint: all 49 pages (47, Golf's and its day 2022-01-08's;
    # test-desk and the month keep 3 pages with 6 articles), Golf's body once.
    assert (with_drafts.converted, with_drafts.rendered, with_drafts.removed) == (1, RENDERED + 2, 0)
    assert_same_as_cold(site, cold(site, "--drafts"))

    plain = build(run, site)
    assert not (out / golf).exists()
    assert all_front_headlines(site) == [["Echo", "Delta"], ["Charlie", "Bravo"], ["Alpha"]]
    assert "Golf" not in read(site, "feed.xml") and "Golf" not in read(site, "tags/sport/index.html")
    assert (plain.converted, plain.rendered, plain.removed) == (0, RENDERED, 2)  # Golf's page and day
    assert_same_as_cold(site, cold(site))


@pytest.mark.parametrize("flags", [["--drafts"], ["--future"], ["--base-url", "https://example.org/news/"]],
                         ids=["drafts", "future", "base-url"])
def test_a_build_with_a_flag_and_one_without_each_equal_a_cold_build_with_the_same_flags(make_site, run, cold, flags):
    link = " See [the Bravo report](bravo.md) and [the note](../img/note.txt)."
    site = make_site(site_files(**{
        "content/2022/alpha.md": source("alpha", text=body("Alpha", link)),
        "content/2022/golf.md": article("Golf", "2022-01-08", body("Golf"), tags="[Sport]", draft="true"),
        "content/2099/hotel.md": article("Hotel", "2099-01-01", body("Hotel"), tags="[Town]"),
    }))
    build(run, site)
    assert_same_as_cold(site, cold(site))
    build(run, site, *flags)
    assert_same_as_cold(site, cold(site, *flags))
    if flags[0] == "--base-url":
        assert 'href="/news/2022/01/02/bravo/"' in read(site, A)
    build(run, site)
    assert 'href="/2022/01/02/bravo/"' in read(site, A)
    assert_same_as_cold(site, cold(site))


# --- 14. an edit after which only the files around it are planned -----------------------------------
# When only articles' bytes changed, and none of them moved (same URL, dates, tags, category,
# authors, draft flag, corrections), the build plans only the files that show them (render.Around:
# their pages, their neighbours', those showing them among their related stories, the list pages
# they are on, the feeds carrying them). These are the cases in which it
# must not: each would leave a file stale if the build trusted the rest of the manifest.

def test_a_page_body_edit_renders_that_page(site, run, cold):
    edit(site, "content/pages/about.md", "---\ntitle: About us\n---\nWe are a test paper, since 2022.\n")
    again = build(run, site)
    assert "We are a test paper, since 2022." in read(site, "about/index.html")
    assert (again.converted, again.rendered, again.written) == (1, 1, 1)
    assert_same_as_cold(site, cold(site))


@pytest.mark.parametrize("damage", ["deleted", "cut short"])
def test_an_output_file_damaged_by_hand_is_made_again_beside_an_edit(site, run, cold, damage):
    damage_by_hand(site / "output" / "tags/sport/index.html", damage)
    edit(site, "content/2022/alpha.md", source("alpha", text=body("Alpha", " A correction was added here.")))
    again = build(run, site)
    assert headlines(site, "tags/sport/index.html") == ["Echo"]
    assert "A correction was added here." in read(site, A)
    assert written(site / "output") == {A, *feeds("tags/roads/"), "tags/sport/index.html"}
    assert_same_as_cold(site, cold(site))


@pytest.mark.parametrize("with_store", [True, False], ids=["site-store", "no-site-store"])
def test_an_edit_after_the_preview_saved_the_cache_is_seen(site, run, cold, with_store):
    # `serve` keeps the cache in memory and saves it when it stops, with the sources as it last
    # read them: an edit the preview saw is then in the cache but not yet in output/. With the
    # site store, the build reads the edited file alone and converts it itself; without it, the
    # build reads the whole cache and finds the preview's conversion there.
    from generator.build import render
    from generator.write.cache import ContentCache
    from generator.config import BuildOptions
    from generator.read.fields import Fields

    edit(site, "content/2022/bravo.md", source("bravo", text=body("Bravo", " Seen first in the preview.")))
    cache, warning = ContentCache.load(cache_file(site), Fields.from_record)
    assert warning is None
    render(site, BuildOptions(drafts=True, future=True), cache=cache)
    cache.save()
    if not with_store:
        store_file(site).unlink()

    again = build(run, site)
    assert "Seen first in the preview." in read(site, B)
    assert again.converted == (1 if with_store else 0)
    assert_same_as_cold(site, cold(site))


def test_editing_a_draft_that_stays_a_draft_changes_nothing(make_site, run, cold):
    path = make_site(site_files(**{"content/2022/foxtrot.md": article(
        "Foxtrot", "2022-01-06", "Foxtrot draft.", tags="[Town]", draft="true")}))
    build(run, path)
    age(path / "output")
    edit(path, "content/2022/foxtrot.md", article("Foxtrot", "2022-01-06", "Foxtrot, redrafted.",
                                                   tags="[Town]", draft="true"))
    again = build(run, path)
    assert (again.converted, again.rendered, again.written) == (0, 0, 0)  # a draft is not converted
    assert written(path / "output") == set()
    assert_same_as_cold(path, cold(path))


def test_editing_the_oldest_and_the_newest_article_renders_their_neighbours_lists_and_feeds(site, run, cold):
    edit(site, "content/2022/alpha.md", source("alpha", title="Alpha, updated"))
    edit(site, "content/2022/echo.md", source("echo", title="Echo, updated"))
    again = build(run, site)
    assert story_nav(site, B) == ["Charlie", "Alpha, updated"]
    assert story_nav(site, D) == ["Echo, updated", "Charlie"]
    assert headlines(site, "page/3/index.html") == ["Alpha, updated"]
    assert feed_titles(site, "feed.xml") == ["Echo, updated", "Delta"]
    # Alpha's and Echo's teasers change (their titles), and every file holding one of them shows it:
    #   article pages: Alpha, Echo; Bravo (older link Alpha), Delta (newer link Echo), Charlie
    #   (Alpha among its related stories): all 5                                          5
    #   the front page (Echo) and /page/3/ (Alpha)                                         2
    #   roads (Alpha), town page 2 (Alpha), sport (Echo)                                   3
    #   roads' and sport's feeds, RSS and Atom                                             4
    #   test-desk's pages 1 (Echo) and 3 (Alpha) and its 2 feeds (Echo)                    4
    #   the month's pages 1 and 3, the days 2022-01-01 and 2022-01-05                      4
    #   feed.xml, atom.xml (Echo)                                                          2
    # Not: town page 1 and weather (Delta, Bravo, Charlie), their feeds, /page/2/.
    assert written(site / "output") == {
        A, B, C, D, E, "index.html", "page/3/index.html", "tags/roads/index.html", "tags/town/page/2/index.html",
        "tags/sport/index.html", *feeds("tags/roads/"), *feeds("tags/sport/"), AUTHOR_PAGES[0], AUTHOR_PAGES[2],
        *feeds(DESK), MONTH_PAGES[0], MONTH_PAGES[2], day(1), day(5), *SITE_FEEDS}
    assert (again.converted, again.rendered) == (2, 24)
    assert_same_as_cold(site, cold(site))


def test_a_new_updated_date_is_in_the_sitemap(site, run, cold):
    edit(site, "content/2022/charlie.md", source("charlie", updated="2022-02-01"))
    build(run, site)
    assert "<lastmod>2022-02-01T00:00:00+00:00</lastmod>" in read(site, "sitemap.xml")
    assert_same_as_cold(site, cold(site))


def test_the_same_date_written_with_another_offset_is_in_the_sitemap_as_written(site, run, cold):
    # The same instant: the article sorts where it did, but every page that prints the date changes.
    edit(site, "content/2022/charlie.md", source("charlie", date="2022-01-03T01:00:00+01:00"))
    build(run, site)
    assert "<lastmod>2022-01-03T01:00:00+01:00</lastmod>" in read(site, "sitemap.xml")
    assert_same_as_cold(site, cold(site))


def test_a_draft_published_by_an_edit_appears_everywhere_it_belongs(make_site, run, cold):
    draft = article("Foxtrot", "2022-01-06", "Foxtrot lead.", tags="[Town]", draft="true")
    path = make_site(site_files(**{"content/2022/foxtrot.md": draft}))
    build(run, path)
    edit(path, "content/2022/foxtrot.md", draft.replace("draft: true", "draft: false"))
    build(run, path)
    assert headlines(path, "index.html")[0] == "Foxtrot"
    assert headlines(path, "tags/town/index.html")[0] == "Foxtrot"
    assert feed_titles(path, "feed.xml")[0] == "Foxtrot"
    assert_same_as_cold(path, cold(path))


# --- 15. the cache's journal -------------------------------------------------------------------------
# A build that changed a few entries appends them to content.journal instead of writing the whole
# index again; the next build reads the index, then the journal.

def test_each_build_finds_what_the_one_before_appended_to_the_journal(site, run, cold):
    edit(site, "content/2022/alpha.md", source("alpha", text=body("Alpha", " First correction.")))
    assert build(run, site).converted == 1
    assert cache_file(site).with_name("content.journal").stat().st_size > 0
    store_file(site).unlink()  # else the next edit is built from the site store, not the cache
    edit(site, "content/2022/bravo.md", source("bravo", text=body("Bravo", " Second correction.")))
    # Alpha's new body comes from the journal (the edit's build from the site store wrote it
    # there): only Bravo is converted.
    again = build(run, site)
    assert again.converted == 1
    assert "First correction." in read(site, A) and "Second correction." in read(site, B)
    assert_same_as_cold(site, cold(site))


def test_a_journal_record_cut_short_leaves_the_cache_as_the_save_before(site, run, cold):
    edit(site, "content/2022/alpha.md", source("alpha", text=body("Alpha", " First correction.")))
    build(run, site)
    journal = cache_file(site).with_name("content.journal")
    journal.write_bytes(journal.read_bytes()[:-10])  # as if the save had been stopped half-way
    store_file(site).unlink()  # else the next edit is built from the site store, not the cache
    edit(site, "content/2022/bravo.md", source("bravo", text=body("Bravo", " Second correction.")))
    again = build(run, site)
    assert again.err == ""
    # The cut record held Alpha's new body: it is converted again, with Bravo's.
    assert again.converted == 2
    assert "First correction." in read(site, A) and "Second correction." in read(site, B)
    assert_same_as_cold(site, cold(site))


# --- 16. sections, authors and corrections -------------------------------------------------------------
# The desk site: the site above with sections (from `category`) and a second author. Newest first:
#
#   article   section   author        section pages    author pages
#   Echo      Sport     Test Desk     sport            test-desk
#   Delta     News      Test Desk     news             test-desk
#   Charlie   News      Jo Reporter   news             jo-reporter
#   Bravo     Sport     Jo Reporter   sport            jo-reporter
#   Alpha     News      Test Desk     news/page/2      test-desk/page/2
#
# so news = [Delta, Charlie | Alpha], sport = [Echo, Bravo], test-desk = [Echo, Delta | Alpha],
# jo-reporter = [Charlie, Bravo]; each one's feeds carry its first page. The tags, the related
# stories, the front page and the archives are those of the site above; the navigation lists
# News and Sport. 60 files: the 51 above less test-desk's page 3 (it has 3 articles now), plus
# news's 2 pages and sport's page with their 4 feeds, and jo-reporter's page and 2 feeds.

DESKS = {
    "echo": {"category": "Sport"},
    "delta": {"category": "News"},
    "charlie": {"category": "News", "author": "Jo Reporter"},
    "bravo": {"category": "Sport", "author": "Jo Reporter"},
    "alpha": {"category": "News"},
}
NEWS, SPORT, JO = "sections/news/", "sections/sport/", "authors/jo-reporter/"
DESK_FILES = (ALL_FILES - {AUTHOR_PAGES[2]}) | {
    NEWS + "index.html", NEWS + "page/2/index.html", *feeds(NEWS), SPORT + "index.html", *feeds(SPORT),
    JO + "index.html", *feeds(JO)}
assert len(DESK_FILES) == 61


def desk_source(slug: str, **changes: str | None) -> str:
    """An article of the desk site; a change to None leaves that field out."""
    fields = {**DESKS[slug], **changes}
    return source(slug, **{name: value for name, value in fields.items() if value is not None})


@pytest.fixture
def desk(make_site, run):
    """The desk site, built once."""
    path = make_site(site_files(**{f"content/2022/{slug}.md": desk_source(slug) for slug in ARTICLES}))
    first = build(run, path)
    assert (first.articles, first.pages, first.converted, first.rendered) == (5, 1, 6, len(DESK_FILES)), first
    assert set(files_of(path / "output")) == DESK_FILES
    assert tag_counts(path, "sections/index.html") == {"News": 3, "Sport": 2}
    assert author_counts(path) == {"Jo Reporter": 2, "Test Desk": 3}
    age(path / "output")
    return path


def test_a_new_category_moves_an_article_between_section_pages_and_feeds(desk, run, cold):
    # Charlie: News -> Sport. News becomes [Delta, Alpha] (one page: news/page/2/ goes), sport
    # [Echo, Charlie | Bravo] (sport/page/2/ is new). The navigation still lists News and Sport.
    edit(desk, "content/2022/charlie.md", desk_source("charlie", category="Sport"))
    again = build(run, desk)
    out = desk / "output"

    assert headlines(desk, NEWS + "index.html") == ["Delta", "Alpha"]
    assert not (out / NEWS / "page/2/index.html").exists()
    assert headlines(desk, SPORT + "index.html") == ["Echo", "Charlie"]
    assert headlines(desk, SPORT + "page/2/index.html") == ["Bravo"]
    assert tag_counts(desk, "sections/index.html") == {"News": 2, "Sport": 3}
    for name in feeds(NEWS):
        assert feed_titles(desk, name) == ["Delta", "Alpha"], name
    for name in feeds(SPORT):
        assert feed_titles(desk, name) == ["Echo", "Charlie"], name
    assert f'href="/{SPORT}"><span class="kicker__category">Sport</span>' in read(desk, C)

    # Charlie's teaser shows its section's name: it changes, and no other does (a teaser holds
    # its section's name, not its count). The global key stands (the same sections in the
    # navigation), so only what holds Charlie's teaser, or a changed count, is made again:
    #   Charlie's page; Delta (older link) and Bravo (newer link); Alpha (related)          4
    #   /page/2/, roads, weather                                                          3
    #   roads' and weather's feeds (RSS and Atom)                                         4
    #   /sections/ (counts); news page 1 ([Delta, Alpha], count); sport pages 1 (count;
    #   [Echo, Charlie]) and 2 (new: Bravo)                                               4
    #   news's feeds (Delta, Alpha), sport's (Echo, Charlie)                              4
    #   jo-reporter's page and its 2 feeds (Charlie, Bravo)                               3
    #   the month's page 2, the day 2022-01-03                                            2
    #   sitemap (news/page/2/ goes, sport/page/2/ comes)                                  1
    # = 25. Not: the site's or test-desk's feeds (Echo, Delta), /authors/ (counts stand),
    # /tags/, the other tags, Echo's page.
    assert (again.converted, again.rendered, again.removed) == (1, 25, 1)  # removed: news/page/2/
    # Written: where Charlie's kicker shows (its page, its cards, its compact card among Delta's
    # and Alpha's related stories) and the sections' pages and feeds. Feeds name no section, so
    # the tag feeds and jo-reporter's stay as they were; Bravo's newer link shows the title only.
    assert written(out) == {
        C, D, A, "page/2/index.html", "tags/roads/index.html", "tags/weather/index.html", "sections/index.html",
        NEWS + "index.html", SPORT + "index.html", SPORT + "page/2/index.html", *feeds(NEWS), *feeds(SPORT),
        JO + "index.html", MONTH_PAGES[1], day(3), "sitemap.xml"}
    assert_same_as_cold(desk, cold(desk))


def test_a_brand_new_section_appears_in_every_pages_navigation(desk, run, cold):
    # Charlie: News -> Weather Desk, a section no article had: the navigation, in every page's
    # global key, gains it. News becomes [Delta, Alpha] (news/page/2/ goes).
    edit(desk, "content/2022/charlie.md", desk_source("charlie", category="Weather Desk"))
    again = build(run, desk)
    out = desk / "output"
    new_desk = "sections/weather-desk/"
    now = (DESK_FILES - {NEWS + "page/2/index.html"}) | {new_desk + "index.html", *feeds(new_desk)}
    assert set(files_of(out)) == now

    assert headlines(desk, new_desk + "index.html") == ["Charlie"]
    assert feed_titles(desk, new_desk + "atom.xml") == ["Charlie"]
    pages = {name for name in now if name.endswith(".html")}
    for name in pages:
        nav = re.search(r'<nav class="site-nav".*?</nav>', read(desk, name), re.S)
        assert nav and re.search(f'<a href="/{new_desk}"[^>]*>Weather Desk</a>', nav.group(0)), name
    # Everything is rendered again: 59 files less the 2 copies.
    assert (again.converted, again.rendered, again.removed) == (1, len(now) - len(COPIES), 1)
    # Every page's bytes change (its navigation); of the rest only the feeds whose items changed
    # (news's: Delta, Alpha; the new section's) and the sitemap. The other feeds name no section;
    # robots.txt names none either.
    assert written(out) == pages | {*feeds(NEWS), *feeds(new_desk), "sitemap.xml"}
    assert_same_as_cold(desk, cold(desk))


def test_a_new_byline_moves_an_article_between_author_pages(desk, run, cold):
    # Alpha: Test Desk -> Jo Reporter. Test-desk becomes [Echo, Delta] (test-desk/page/2/ goes),
    # jo-reporter [Charlie, Bravo | Alpha] (jo-reporter/page/2/ is new).
    edit(desk, "content/2022/alpha.md", desk_source("alpha", author="Jo Reporter"))
    again = build(run, desk)
    out = desk / "output"

    assert headlines(desk, DESK + "index.html") == ["Echo", "Delta"]
    assert not (out / DESK / "page/2/index.html").exists()
    assert headlines(desk, JO + "index.html") == ["Charlie", "Bravo"]
    assert headlines(desk, JO + "page/2/index.html") == ["Alpha"]
    assert author_counts(desk) == {"Jo Reporter": 3, "Test Desk": 2}
    assert 'rel="author">Jo Reporter</a>' in read(desk, A)
    assert "<dc:creator>Jo Reporter</dc:creator>" in read(desk, "tags/roads/feed.xml").split("<title>Alpha")[1]

    # Alpha's teaser shows its byline (name and link): it changes, and no other does (a byline
    # holds no count). Made again:
    #   Alpha's page; Bravo's (newer link); Delta's and Charlie's (related)                4
    #   /page/3/, roads, town page 2                                                      3
    #   roads' feeds (RSS and Atom)                                                       2
    #   news page 2 (Alpha)                                                               1
    #   /authors/ (counts); test-desk page 1 (count, one page now); jo-reporter pages 1
    #   (count, two pages now) and 2 (new)                                                4
    #   the month's page 3, the day 2022-01-01                                            2
    #   sitemap (test-desk/page/2/ goes, jo-reporter/page/2/ comes)                       1
    # = 17. Not: the authors' feeds (test-desk's carry Echo, Delta; jo-reporter's Charlie,
    # Bravo: the same articles), news's feeds (Delta, Charlie), town's, the site's.
    assert (again.converted, again.rendered, again.removed) == (1, 17, 1)  # removed: test-desk/page/2/
    # Written: where Alpha's byline shows (its page, its cards, its feed entries), and the
    # authors' pages. Related stories and previous/next links show no byline.
    assert written(out) == {
        A, "page/3/index.html", "tags/roads/index.html", "tags/town/page/2/index.html", *feeds("tags/roads/"),
        NEWS + "page/2/index.html", "authors/index.html", DESK + "index.html", JO + "index.html",
        JO + "page/2/index.html", MONTH_PAGES[2], day(1), "sitemap.xml"}
    assert_same_as_cold(desk, cold(desk))


@pytest.mark.parametrize("slug, carrying", [
    # Delta: the site's feeds, town's and weather's, its section's (news: Delta, Charlie) and its
    # author's (test-desk: Echo, Delta).
    ("delta", [*SITE_FEEDS, *feeds("tags/town/"), *feeds("tags/weather/"), *feeds(NEWS), *feeds(DESK)]),
    # Bravo: town's (Delta, Bravo), sport's (Echo, Bravo), jo-reporter's (Charlie, Bravo); not the
    # site's (Echo, Delta).
    ("bravo", [*feeds("tags/town/"), *feeds(SPORT), *feeds(JO)]),
])
def test_a_body_edit_renders_every_feed_carrying_the_article_and_no_list(desk, run, cold, slug, carrying):
    title = ARTICLES[slug][0]
    edit(desk, f"content/2022/{slug}.md", desk_source(slug, text=body(title, " A paragraph was added here.")))
    again = build(run, desk)

    assert "A paragraph was added here." in read(desk, art(slug))
    for feed in carrying:
        assert "A paragraph was added here." in read(desk, feed), feed
    # The article digest (its page, the feeds) holds the body; a teaser does not: no front,
    # tag, section, author, month or day page, no neighbour, no related story is made again.
    assert again.converted == 1
    assert again.rendered == 1 + len(carrying) == {"delta": 11, "bravo": 7}[slug]
    assert written(desk / "output") == {art(slug), *carrying}
    assert (again.written, again.removed) == (1 + len(carrying), 0)
    assert_same_as_cold(desk, cold(desk))


@pytest.mark.parametrize("slug, shown_on", [
    # Charlie: its page, its neighbours Delta and Bravo, Alpha's related stories (Delta's too);
    # /page/2/, roads, weather and their feeds; news page 1 (Delta, Charlie) and news's feeds;
    # jo-reporter's page and feeds (Charlie, Bravo); the month's page 2, the day 2022-01-03.
    ("charlie", [C, D, B, A, "page/2/index.html", "tags/roads/index.html", "tags/weather/index.html",
                 *feeds("tags/roads/"), *feeds("tags/weather/"), NEWS + "index.html", *feeds(NEWS),
                 JO + "index.html", *feeds(JO), MONTH_PAGES[1], day(3)]),
    # Alpha: its page, its neighbour Bravo, and Delta's, Charlie's and Bravo's related stories;
    # /page/3/, roads (and its feeds), town page 2; news page 2 and test-desk page 2 (not their
    # feeds: those carry page 1); the month's page 3, the day 2022-01-01.
    ("alpha", [A, B, C, D, "page/3/index.html", "tags/roads/index.html", "tags/town/page/2/index.html",
               *feeds("tags/roads/"), NEWS + "page/2/index.html", DESK + "page/2/index.html", MONTH_PAGES[2],
               day(1)]),
])
def test_a_title_edit_renders_the_archive_section_author_and_related_pages_showing_it(desk, run, cold, slug,
                                                                                     shown_on):
    new = f"{ARTICLES[slug][0]} Renamed Headline"
    edit(desk, f"content/2022/{slug}.md", desk_source(slug, title=new, text=body(ARTICLES[slug][0])))
    again = build(run, desk)

    assert story_headline(desk, art(slug)) == new
    for name in shown_on:
        assert name == art(slug) or shows_title(desk, name, new), name
    # Nothing else: not the year (it lists months), the indexes (lists, no articles), the other
    # section's or author's pages, the feeds not carrying it, the sitemap (no titles in it).
    assert again.converted == 1
    assert again.rendered == len(shown_on) == {"charlie": 19, "alpha": 13}[slug]
    assert written(desk / "output") == set(shown_on)
    assert again.removed == 0
    assert_same_as_cold(desk, cold(desk))


CORRECTION = "corrections: [{date: 2022-02-01, text: An earlier version named the wrong bridge.}]"


def atom_entry(site: Path, name: str, title: str) -> dict[str, str]:
    """An Atom feed entry's id, published and updated."""
    atom = "{http://www.w3.org/2005/Atom}"
    root = ET.fromstring((site / "output" / name).read_bytes())
    entry = next(e for e in root.iter(f"{atom}entry") if e.findtext(f"{atom}title") == title)
    return {field: entry.findtext(f"{atom}{field}") for field in ("id", "published", "updated")}


def rss_item(site: Path, name: str, title: str) -> dict[str, str]:
    root = ET.fromstring((site / "output" / name).read_bytes())
    item = next(i for i in root.iter("item") if i.findtext("title") == title)
    return {field: item.findtext(field) for field in ("guid", "link", "pubDate")}


def test_a_new_correction_is_listed_and_updates_the_article_but_not_its_date_or_feed_id(site, run, cold):
    before_atom = atom_entry(site, "tags/town/atom.xml", "Bravo")
    before_rss = rss_item(site, "tags/town/feed.xml", "Bravo")
    assert before_atom["updated"] == before_atom["published"] == "2022-01-02T00:00:00+00:00"
    assert "No corrections have been published." in read(site, CORRECTIONS)

    text = source("bravo")
    edit(site, "content/2022/bravo.md", text.replace("tags: [Town]", "tags: [Town]\n" + CORRECTION))
    again = build(run, site)

    listed = read(site, CORRECTIONS)
    assert "An earlier version named the wrong bridge." in listed
    assert '<a href="/2022/01/02/bravo/">Bravo</a>' in listed
    assert "An earlier version named the wrong bridge." in read(site, B)
    assert "Updated <time" in read(site, B)
    # A correction is an update: Atom's <updated> and the sitemap's lastmod move; the article's
    # URL, its published date and its feed id (and RSS guid and pubDate) do not.
    assert atom_entry(site, "tags/town/atom.xml", "Bravo") == {**before_atom, "updated": "2022-02-01T00:00:00+00:00"}
    assert rss_item(site, "tags/town/feed.xml", "Bravo") == before_rss
    assert re.search(r"<loc>https://example.org/2022/01/02/bravo/</loc>\s*<lastmod>2022-02-01T00:00:00\+00:00<",
                     read(site, "sitemap.xml"))
    assert (site / "output" / B).exists()

    # The corrections are in Bravo's teaser (its fields, `updated` with them); nothing else's
    # teaser, no count, no URL changes. Made again:
    #   Bravo's page; Charlie's (older link) and Alpha's (newer link); Delta's (related)  4
    #   /page/2/, town page 1, test-desk's page 2, the month's page 2, the day 2022-01-02  5
    #   town's feeds (Delta, Bravo)                                                       2
    #   /corrections/ (Bravo's teaser is on it now)                                       1
    #   sitemap (Bravo's lastmod; town's, test-desk's, the month's, the day's, 2022/'s)    1
    # = 13. Not the site's or test-desk's feeds (Echo, Delta).
    assert (again.converted, again.rendered, again.removed) == (1, 13, 0)
    # Cards, previous/next links and related stories show the published date, not the update:
    # only Bravo's page, the corrections page, town's feeds (the entry's update; RSS's
    # lastBuildDate is the newest change) and the sitemap change.
    assert written(site / "output") == {B, CORRECTIONS, *feeds("tags/town/"), "sitemap.xml"}
    assert_same_as_cold(site, cold(site))


JO_ENTRY = "jo-reporter:\n  name: Jo Reporter\n  role: {role}\n  bio: {bio}\n"


@pytest.fixture
def described(make_site, run):
    """The desk site with Jo Reporter described in authors.yaml (the URL stays /authors/jo-reporter/)."""
    files = site_files(**{f"content/2022/{slug}.md": desk_source(slug) for slug in ARTICLES})
    files["authors.yaml"] = JO_ENTRY.format(role="Reporter", bio="Covers the town.")
    path = make_site(files)
    build(run, path)
    age(path / "output")
    return path


def test_a_new_role_in_authors_yaml_renders_exactly_the_pages_showing_that_author(described, run, cold):
    write_file(described, "authors.yaml", JO_ENTRY.format(role="Chief reporter", bio="Covers the town."))
    again = build(run, described)
    assert "Chief reporter" in read(described, C) and "Chief reporter" in read(described, B)
    assert "Chief reporter" in read(described, JO + "index.html")
    # Every page showing Jo's articles (Charlie, Bravo), whose bylines carry the role, and nothing
    # else: article pages A, B, C, D (their own, neighbours' links, related stories; not Echo's)  4
    #   /page/2/ (Charlie, Bravo)                                                                1
    #   roads, town 1, weather (tags); news 1, sport (sections)                                    5
    #   jo-reporter's page and the author index (they show the role)                               2
    #   2022/01/page/2/ (Charlie, Bravo), the days 03 and 02                                       3
    #   feeds carrying Charlie or Bravo: roads, town, weather, news, sport, jo (RSS and Atom)    12
    # Not: the front page (Echo, Delta), the site feeds, test-desk's pages and feeds, the indexes
    # of tags, sections and the archive, the year, the other days, the sitemap.
    assert again.converted == 0
    assert again.rendered == 27
    # The role is printed on the article pages, the author's page and the author index only.
    assert written(described / "output") == {C, B, JO + "index.html", "authors/index.html"}
    assert_same_as_cold(described, cold(described))


def test_a_new_bio_in_authors_yaml_renders_only_that_author_s_page(described, run, cold):
    write_file(described, "authors.yaml", JO_ENTRY.format(role="Reporter", bio="Covers **the whole valley**."))
    again = build(run, described)
    assert "<strong>the whole valley</strong>" in read(described, JO + "index.html")
    # The author's page; the author index holds every author's entry in its fingerprint (it may
    # show any of it) but prints no bio, so it is rendered and left as it was.
    assert (again.converted, again.rendered) == (0, 2)
    assert written(described / "output") == {JO + "index.html"}
    assert_same_as_cold(described, cold(described))


@pytest.mark.parametrize("module", ["cli.py", "model/related.py", "plan/render.py", "read/inputs.py"])
def test_the_code_key_changes_with_any_module_of_the_package(module):
    # What every cache is keyed on: an edit of any module, in any of the package's subpackages,
    # must make a build distrust what the code before it made.
    from generator.read import inputs
    path = Path(inputs.__file__).parent.parent / module
    stat = path.stat()
    inputs.code_key.cache_clear()
    before = inputs.code_key()
    try:
        os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000))
        inputs.code_key.cache_clear()
        assert inputs.code_key() != before
    finally:
        os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns))
        inputs.code_key.cache_clear()
    assert inputs.code_key() == before


# --- fingerprints that do not depend on the process -----------------------------------------------

def test_an_edit_built_by_another_process_renders_only_the_files_that_show_it(sample_site):
    """Every build is a new process, with its own string hashing: a fingerprint that held the
    order of a set would differ each time, and every page would be made again after any edit."""
    import subprocess
    import sys

    def build_in_a_process(seed: str) -> re.Match:
        result = subprocess.run([sys.executable, "-m", "generator", "build", "--site", str(sample_site)],
                                env={**os.environ, "PYTHONHASHSEED": seed}, capture_output=True, text=True)
        assert result.returncode == 0, result.stderr
        found = SUMMARY.search(result.stdout)
        assert found, result.stdout
        return found

    first = build_in_a_process("1")
    story = sample_site / "content" / "2022" / "2022-03-01-central-library-reopens.md"
    story.write_text(story.read_text(encoding="utf-8") + "\nOne more paragraph.\n", encoding="utf-8")
    again = build_in_a_process("2")
    assert int(again["converted"]) == 1
    assert int(again["rendered"]) <= 20, f"{again['rendered']} of {first['rendered']} files made again"


def test_the_manifest_fast_path_reads_what_the_line_by_line_reader_reads():
    """_parse_manifest splits the whole manifest at once when every path is plain: random
    manifests with refused paths (from /, with .. or a backslash, in the staging folder), damaged
    sizes and repeated paths must give what reading it line by line gives."""
    from generator.write import output

    rng = random.Random(5)
    parts = ["a", "b.html", "..", ".", "...", "..a", "a..", "x\\y", "", output.MANIFEST, output.STAGING,
             output.MANIFEST + "x", "é"]
    sizes = ["0", "12", "", "-1", "+5", " 7", "x", "²", "٣", "99999999999"]
    for _ in range(3000):
        lines = []
        for _ in range(rng.randint(0, 6)):
            path = "/".join(rng.choice(parts) for _ in range(rng.randint(1, 3)))
            path = "/" + path if rng.random() < 0.05 else path
            size = rng.choice(sizes) if rng.random() < 0.3 else str(rng.randint(0, 9999))
            lines.append(f"{path}\t{rng.choice(['page:1', 'copy:2', ''])}\t{size}")
        text = "\n".join(lines) + ("\n" if lines and rng.random() < 0.95 else "")
        text += "\t\t0\n" if rng.random() < 0.2 else ""
        assert output._parse_manifest(text) == output._parse_manifest_lines(text), text


def test_a_build_replacing_folders_looks_up_its_lines_and_leaves_what_reading_the_whole_manifest_leaves(
        tmp_path, monkeypatch):
    """A build that plans a few files and replaces whole folders (a search shard) looks up only
    their lines of the manifest, and appends the files it removed. Random sequences of such builds,
    against the same builds with the whole manifest read and written: the same files in output/,
    the same manifest as read, the same counts, and the check that output/ is as left agrees; and
    with the manifest's count of files given (as an edit's build gives the last build's, while the
    manifest is as it left it), the same again."""
    from generator.write import output

    rng = random.Random(11)
    folders = ["search/a/", "search/b/", "search/ab/", "s/"]
    names = [f"{folder}{name}" for folder in folders for name in ("x", "y", "z/w", "f1", "f2")] \
        + ["index.html", "search/a.html", "search/a0", "search/index.html", "t/1.html", "t/2.html", "u.html"]

    def files(paths: list[str], tag: str) -> list[output.OutputFile]:
        return [output.OutputFile(path, "test", f"fp:{tag if rng.random() < 0.3 else ''}",
                                  produce=lambda path=path, tag=tag: f"{path} {tag}".encode())
                for path in paths]

    def state(out: Path) -> tuple[dict[str, bytes], dict[str, tuple[str, int]], int]:
        on_disk = {str(p.relative_to(out)): p.read_bytes() for p in sorted(out.rglob("*"))
                   if p.is_file() and p.name != output.MANIFEST}
        recorded = {path: found for path, found in output._read_manifest(out).items() if found[1] >= 0}
        return on_disk, recorded, output.intact_output(out)

    real_lookup = output._ManifestLookup.of
    for trial in range(25):
        looked_up, counted, whole = tmp_path / f"lookup{trial}", tmp_path / f"counted{trial}", tmp_path / f"whole{trial}"
        start = [path for path in names if rng.random() < 0.7]
        first = files(start, "0")
        for out in (looked_up, counted, whole):
            output.write_output(first, out)
        for step in range(1, rng.randint(2, 8)):
            replacing = tuple(rng.sample(folders, rng.randint(0, 2)))
            planned = [path for path in names if path.startswith(replacing) and rng.random() < 0.6] \
                + [path for path in names if not path.startswith(replacing) and rng.random() < 0.2]
            state_before = rng.getstate()
            reports = []
            known = (output.manifest_stamp(counted), len(state(counted)[1]))  # the count the lookup need not make
            for out, lookup, count in ((looked_up, real_lookup, None), (counted, real_lookup, known),
                                       (whole, lambda *args: None, None)):
                rng.setstate(state_before)
                monkeypatch.setattr(output._ManifestLookup, "of", lookup)
                reports.append(output.write_output(files(planned, str(step)), out, only_these=True,
                                                   replacing=replacing, manifest_files=count))
            monkeypatch.setattr(output._ManifestLookup, "of", real_lookup)
            assert reports[0] == reports[1] == reports[2], (trial, step, replacing)
            assert state(looked_up) == state(counted) == state(whole), (trial, step, replacing)
            assert state(looked_up)[2] == len(state(looked_up)[0])


def test_files_added_removed_or_moved_are_found_while_the_folders_listing_is_trusted(site, run, cold, monkeypatch):
    """A scan lists the content's folders again only when one of them has new times (a file
    added, removed or renamed in it). Folders count as settled at once here (git's two seconds
    of "racy" times set to none), so that each build below starts from a listing it trusts."""
    from generator.read import inputs

    monkeypatch.setattr(inputs, "_RACY_NS", 0)
    listings = []
    real_discover = inputs.discover
    monkeypatch.setattr(inputs, "discover", lambda *args: listings.append(args[0]) or real_discover(*args))
    content = site / "content"

    def rebuilt() -> Summary:
        listings.clear()
        return build(run, site)

    assert rebuilt().rendered == 0 and listings  # the first build since the folders settled lists them
    assert rebuilt().rendered == 0 and listings == []  # nothing changed: not listed again
    (content / "2022/foxtrot.md").write_text(article("Foxtrot", "2022-01-06", body("Foxtrot"), tags="[Town]"))
    assert rebuilt().converted == 1 and listings
    assert story_headline(site, art("foxtrot", 6)) == "Foxtrot"
    rebuilt()
    (content / "2023").mkdir()
    (content / "2023/golf.md").write_text(article("Golf", "2022-01-07", body("Golf"), tags="[Town]"))
    rebuilt()
    assert story_headline(site, art("golf", 7)) == "Golf"
    rebuilt()
    (content / "2022/bravo.md").rename(content / "2023/bravo.md")  # moved: only two folders change
    (content / "2022/delta.md").unlink()
    assert rebuilt().articles == 6 and listings
    assert not (site / "output" / D).exists()
    assert story_headline(site, B) == "Bravo"
    rebuilt()
    (content / "2023/golf.md").write_text(article("Golf, edited", "2022-01-07", body("Golf"), tags="[Town]"))
    assert rebuilt().converted == 1 and listings == []  # an edit in place: the listing still holds
    assert story_headline(site, art("golf", 7)) == "Golf, edited"
    assert_same_as_cold(site, cold(site))


def test_a_site_built_by_its_full_path_then_from_inside_it_builds_from_a_listing_of_its_own(
        site, run, cold, monkeypatch):
    # The listing a scan keeps holds its paths as that build spelled them: built as
    # `--site /path/to/site` and then as `.` from inside it, the second build must not take the
    # first one's absolute paths for its own (it stopped with an internal error).
    from generator.read import inputs

    monkeypatch.setattr(inputs, "_RACY_NS", 0)
    build(run, site.resolve())
    build(run, site.resolve())  # from a listing it trusts
    monkeypatch.chdir(site)
    result = run("build")
    assert result.status == 0, result.err
    assert "internal error" not in result.err
    assert run("build").status == 0
    monkeypatch.chdir(site.parent)
    assert build(run, site.resolve()).rendered == 0
    assert_same_as_cold(site, cold(site))


def test_a_symbolic_link_in_the_content_means_the_folders_are_listed_at_every_scan(site, run, cold, monkeypatch):
    # Where a link leads can change while every folder keeps its times: no listing is trusted.
    from generator.read import inputs

    monkeypatch.setattr(inputs, "_RACY_NS", 0)
    (site / "content/2022/linked-note.txt").symlink_to(site / "content/img/note.txt")
    listings = []
    real_discover = inputs.discover
    monkeypatch.setattr(inputs, "discover", lambda *args: listings.append(args[0]) or real_discover(*args))
    build(run, site)
    listings.clear()
    build(run, site)
    assert listings
    assert_same_as_cold(site, cold(site))


def test_the_known_hashes_of_files_edited_in_place_are_kept_in_a_journal_the_next_scan_trusts(
        site, run, cold, monkeypatch):
    # A scan that read some files again adds their hashes to a journal beside the known hashes
    # (.cache/broadsheet/source-hashes.journal) instead of writing all of them again; the next
    # scan trusts them as it trusts the rest. A journal cut short loses only its last entries:
    # those files are read again. Times count as settled at once here (no "racy" two seconds).
    from generator.read import inputs

    monkeypatch.setattr(inputs, "_RACY_NS", 0)
    hashed = []
    real_digest = inputs.digest_of
    monkeypatch.setattr(inputs, "digest_of", lambda data: hashed.append(data) or real_digest(data))
    known = site / ".cache/broadsheet/source-hashes.bin"
    journal = known.with_name("source-hashes.journal")

    def files_read() -> int:
        hashed.clear()
        build(run, site)
        return len(hashed)

    files_read()
    assert files_read() == 0
    inode = known.stat().st_ino
    edit(site, "content/2022/bravo.md", source("bravo", text=body("Bravo", " First edit.")))
    assert files_read() == 1
    assert known.stat().st_ino == inode and journal.is_file()  # added to the journal, not written whole
    assert files_read() == 0  # the journal's hash is trusted
    edit(site, "content/2022/delta.md", source("delta", text=body("Delta", " Second edit.")))
    assert files_read() == 1
    assert files_read() == 0
    assert known.stat().st_ino == inode
    assert "First edit." in read(site, B) and "Second edit." in read(site, D)
    assert_same_as_cold(site, cold(site))

    # Cut short in its last entry (a crash while it was written): Delta is read again, and the
    # known hashes are written whole, the journal gone.
    journal.write_bytes(journal.read_bytes()[:-3])
    assert files_read() == 1
    assert known.stat().st_ino != inode and not journal.exists()
    assert files_read() == 0

    # A journal at its length limit: the next scan's hashes are written whole.
    monkeypatch.setattr(inputs, "_JOURNAL_LIMIT", 1)
    inode = known.stat().st_ino
    edit(site, "content/2022/bravo.md", source("bravo", text=body("Bravo", " Third edit.")))
    assert files_read() == 1 and journal.is_file() and known.stat().st_ino == inode
    edit(site, "content/2022/delta.md", source("delta", text=body("Delta", " Fourth edit.")))
    assert files_read() == 1 and not journal.exists() and known.stat().st_ino != inode
    assert files_read() == 0
    assert "Third edit." in read(site, B) and "Fourth edit." in read(site, D)
    assert_same_as_cold(site, cold(site))


def test_an_edit_in_a_site_whose_pages_have_names_in_other_scripts_equals_a_cold_build(make_site, run, tmp_path):
    from conftest import site_files as output_files

    # An edit's build looks its files up in the manifest by bisection, on its bytes (write/output.py's
    # _ManifestLookup): names outside ASCII must be found as the manifest sorts them.
    site = make_site({
        "content/zurich.md": article("Zürich rejoint le réseau", "2024-03-01", "Le tram.", tags="[Zürich, Café]"),
        "content/moscow.md": article("Новости Москвы", "2024-03-02", "Метро.", tags="[Новости, Café]"),
        "content/plain.md": article("Plain news", "2024-03-03", "Text.", tags="[Café]"),
    })
    assert run("build", "--site", site).status == 0
    assert any(not path.isascii() for path in output_files(site / "output"))
    (site / "content" / "moscow.md").write_text(article("Новости Москвы", "2024-03-02", "Метро, ночью.",
                                                        tags="[Новости, Café]"), encoding="utf-8")
    edited = run("build", "--site", site)
    assert edited.status == 0 and "1 Markdown converted" in edited.out, edited.out + edited.err
    # Every file of the site counted once, written or unchanged: each was found in the manifest.
    written, unchanged = map(int, re.search(r"(\d+) files? written, (\d+) unchanged", edited.out).groups())
    assert written + unchanged == len(output_files(site / "output"))
    assert run("build", "--site", site, "--no-cache", "--output", tmp_path / "cold").status == 0
    assert output_files(site / "output") == output_files(tmp_path / "cold")
