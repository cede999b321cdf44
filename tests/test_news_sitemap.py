"""The Google News sitemap (issue 10), as a search engine and a deployer see it.

news-sitemap.xml, at the root of the output, lists the articles first published in the 48 hours
before the build, each with Google News' <news:news> (publication name and language,
publication date with the site's UTC offset, title), never a draft or a scheduled article; past
1,000 of them it is a sitemap index of news-sitemap-1.xml, -2.xml, ... robots.txt lists it. Its
content depends on the clock: a build with nothing else changed writes it again once an article
has left (or a scheduled one entered) the window, and the end-of-build summary says when that
is due, so that a deployer knows when to build again.

The site's time zone is Europe/Paris and the build time 2026-03-29 12:00 UTC: Paris moved to
summer time (+02:00) that morning at 01:00 UTC, so articles of the last 48 hours carry +01:00
or +02:00 as the date decides.
"""

from __future__ import annotations

import functools
import re
import shutil
import xml.etree.ElementTree as ET
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from conftest import article, site_files
from generator import cli
from generator.build import build
from generator.config import BuildOptions
from generator.plan.feeds import news_language

NOW = datetime(2026, 3, 29, 12, 0, tzinfo=timezone.utc)
SM = "{http://www.sitemaps.org/schemas/sitemap/0.9}"
NEWS = "{http://www.google.com/schemas/sitemap-news/0.9}"

CONFIG = """\
title: Le Petit Test
base_url: https://example.org/
timezone: Europe/Paris
language: fr
author: Test Desk
permalink: /{slug}/
publisher:
  name: "Dupont & Fils <Presse>"
"""

# Around NOW (12:00 UTC): 1 hour old (written in Paris time, summer time), 47 hours old
# (written in UTC, winter time in Paris), 49 hours old, one scheduled 2 hours ahead, a draft.
ARTICLES = {
    "content/fresh.md": article("Rail & bus <fares> rise", "2026-03-29 13:00"),
    "content/two-days.md": article("Two days on", "2026-03-27T13:00:00+00:00"),
    "content/too-old.md": article("Three days on", "2026-03-27T11:00:00Z"),
    "content/scheduled.md": article("Not yet", "2026-03-29T14:00:00Z"),
    "content/drafty.md": article("Draft story", "2026-03-29T10:00:00Z", draft="true"),
}
SUMMARY = re.compile(r"built .*: (?P<written>\d+) files? written, \d+ unchanged, (?P<removed>\d+) removed in "
                     r"[\d.]+ s \((?P<converted>\d+) Markdown converted, (?P<rendered>\d+) files rendered\)")


def news_site(make_site, **changes: str | None) -> Path:
    files = {**ARTICLES, **changes}
    return make_site({name: text for name, text in files.items() if text is not None}, CONFIG)


def parse(site: Path, name: str = "news-sitemap.xml", output: str = "output") -> ET.Element:
    """The file parsed as XML: ElementTree raises on anything not well-formed."""
    return ET.fromstring((site / output / name).read_bytes())


def locs(root: ET.Element) -> list[str]:
    return [url.findtext(f"{SM}loc") for url in root.findall(f"{SM}url")]


def news_of(root: ET.Element) -> dict[str, dict[str, str]]:
    """Each URL's <news:news>, flattened: name, language, publication_date, title."""
    found = {}
    for url in root.findall(f"{SM}url"):
        news = url.find(f"{NEWS}news")
        publication = news.find(f"{NEWS}publication")
        assert [child.tag for child in news] == [f"{NEWS}publication", f"{NEWS}publication_date", f"{NEWS}title"]
        found[url.findtext(f"{SM}loc")] = {
            "name": publication.findtext(f"{NEWS}name"), "language": publication.findtext(f"{NEWS}language"),
            "publication_date": news.findtext(f"{NEWS}publication_date"), "title": news.findtext(f"{NEWS}title")}
    return found


def cli_build_at(monkeypatch, run, when: datetime, *args: str | Path):
    """The CLI as a user runs it, with the build's clock set to `when`."""
    monkeypatch.setattr(cli, "build", functools.partial(build, now=when))
    return run("build", *args)


def files_of(folder: Path) -> dict[str, bytes]:
    return site_files(folder)


def assert_same_as_cold(site: Path, tmp_path: Path, now: datetime) -> None:
    """The output equals a cold build's of a copy of the sources at the same time."""
    copy = tmp_path / "cold" / "site"
    shutil.rmtree(copy.parent, ignore_errors=True)
    shutil.copytree(site, copy, ignore=lambda folder, names: [n for n in names if Path(folder) == site
                                                               and n in ("output", ".cache")])
    build(copy, now=now, use_cache=False)
    assert files_of(site / "output") == files_of(copy / "output")


# --- what it holds ---------------------------------------------------------------------------------

def test_the_news_sitemap_lists_the_articles_of_the_last_48_hours_as_google_news_wants_them(make_site):
    site = news_site(make_site)
    build(site, now=NOW)
    root = parse(site)
    assert root.tag == f"{SM}urlset"
    # Newest first; not the 49-hour-old one, the scheduled one or the draft.
    assert locs(root) == ["https://example.org/fresh/", "https://example.org/two-days/"]
    assert news_of(root) == {
        "https://example.org/fresh/": {
            "name": "Dupont & Fils <Presse>", "language": "fr",
            "publication_date": "2026-03-29T13:00:00+02:00", "title": "Rail & bus <fares> rise"},
        "https://example.org/two-days/": {
            "name": "Dupont & Fils <Presse>", "language": "fr",
            "publication_date": "2026-03-27T14:00:00+01:00", "title": "Two days on"},
    }
    text = (site / "output" / "news-sitemap.xml").read_text(encoding="utf-8")
    assert text.startswith("<?xml version='1.0' encoding='utf-8'?>\n")
    assert '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9" ' \
           'xmlns:news="http://www.google.com/schemas/sitemap-news/0.9">' in text
    assert "<news:title>Rail &amp; bus &lt;fares&gt; rise</news:title>" in text
    assert "<news:name>Dupont &amp; Fils &lt;Presse&gt;</news:name>" in text


def test_drafts_and_scheduled_articles_stay_out_even_when_built(make_site):
    site = news_site(make_site)
    report = build(site, options=BuildOptions(drafts=True, future=True), now=NOW)
    assert report.articles == 5  # both are on the site, with their banners
    assert locs(parse(site)) == ["https://example.org/fresh/", "https://example.org/two-days/"]


def test_the_publication_name_defaults_to_the_site_title(make_site):
    site = make_site(ARTICLES, CONFIG.split("publisher:")[0])
    build(site, now=NOW)
    assert {entry["name"] for entry in news_of(parse(site)).values()} == {"Le Petit Test"}


@pytest.mark.parametrize("language, wanted", [
    ("en", "en"), ("en-GB", "en"), ("fr", "fr"), ("FR-ca", "fr"), ("pt_BR", "pt"), ("uk", "uk"), ("ast", "ast"),
    # Google's two exceptions: Simplified and Traditional Chinese.
    ("zh", "zh-cn"), ("zh-CN", "zh-cn"), ("zh-Hans", "zh-cn"), ("zh-SG", "zh-cn"),
    ("zh-TW", "zh-tw"), ("zh-Hant", "zh-tw"), ("zh-Hant-HK", "zh-tw"), ("zh-HK", "zh-tw"),
])
def test_the_language_is_written_as_google_news_wants_it(language, wanted):
    assert news_language(language) == wanted


def test_with_no_article_in_the_48_hours_it_is_an_empty_urlset(make_site):
    site = news_site(make_site)
    build(site, now=NOW + timedelta(days=10))  # the scheduled article is 10 days old by then
    root = parse(site)
    assert root.tag == f"{SM}urlset" and len(root) == 0
    assert (site / "output" / "news-sitemap.xml").read_text(encoding="utf-8") == (
        "<?xml version='1.0' encoding='utf-8'?>\n"
        '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n</urlset>\n')


@pytest.mark.parametrize("when", [NOW, NOW + timedelta(days=10)], ids=["two-articles", "empty"])
def test_it_is_exactly_what_elementtree_writes_for_it(make_site, when):
    """Written as text, like the other feeds: parsed and written again by ElementTree (escaped as
    it escapes, namespaces declared where used), every byte comes back."""
    ET.register_namespace("news", NEWS[1:-1])
    site = news_site(make_site)
    build(site, now=when)
    data = (site / "output" / "news-sitemap.xml").read_bytes()
    again = ET.tostring(ET.fromstring(data), encoding="utf-8", xml_declaration=True,
                        default_namespace=SM[1:-1]) + b"\n"
    assert data == again


def test_robots_txt_lists_the_news_sitemap_beside_the_sitemap(make_site):
    site = news_site(make_site)
    build(site, now=NOW)
    lines = (site / "output" / "robots.txt").read_text(encoding="utf-8").splitlines()
    assert [line for line in lines if line.startswith("Sitemap:")] == [
        "Sitemap: https://example.org/sitemap.xml", "Sitemap: https://example.org/news-sitemap.xml"]


def test_past_1000_articles_it_is_an_index_of_files_of_1000(make_site, tmp_path):
    # 1,001 articles, two minutes apart, the newest a minute before the build.
    files = {f"content/a{n}.md": article(f"Story {n}", (NOW - timedelta(minutes=2 * n - 1)).isoformat(), "x")
             for n in range(1, 1002)}
    site = make_site(files, CONFIG.replace("author: Test Desk\n", "per_page: 1000\n"))
    build(site, now=NOW)
    index = parse(site)
    assert index.tag == f"{SM}sitemapindex"
    assert [s.findtext(f"{SM}loc") for s in index.findall(f"{SM}sitemap")] == [
        "https://example.org/news-sitemap-1.xml", "https://example.org/news-sitemap-2.xml"]
    first, second = parse(site, "news-sitemap-1.xml"), parse(site, "news-sitemap-2.xml")
    assert len(locs(first)) == 1000 and len(locs(second)) == 1
    assert locs(first) + locs(second) == [f"https://example.org/a{n}/" for n in range(1, 1002)]
    assert news_of(second)["https://example.org/a1001/"]["publication_date"] == "2026-03-28T03:39:00+01:00"

    # One fewer, and it is one file again: the parts go.
    (site / "content" / "a1001.md").unlink()
    build(site, now=NOW)
    assert len(locs(parse(site))) == 1000
    assert not (site / "output" / "news-sitemap-1.xml").exists()
    assert not (site / "output" / "news-sitemap-2.xml").exists()
    # And back past 1,000 by the clock alone? No: by a new article, while the oldest is still in.
    (site / "content" / "a0.md").write_text(article("Story 0", NOW.isoformat(), "x"), encoding="utf-8")
    build(site, now=NOW)
    assert parse(site).tag == f"{SM}sitemapindex"
    assert locs(parse(site, "news-sitemap-1.xml"))[0] == "https://example.org/a0/"
    assert_same_as_cold(site, tmp_path, NOW)


# --- the clock ------------------------------------------------------------------------------------

def test_the_clock_alone_rewrites_the_news_sitemap_and_the_summary_says_when(make_site, run, monkeypatch,
                                                                              tmp_path):
    site = news_site(make_site)
    first = cli_build_at(monkeypatch, run, NOW, "--site", site)
    assert first.status == 0, first.err
    # Two days on leaves the window at 13:00 UTC, before the scheduled article comes out (14:00).
    assert "news-sitemap.xml changes at 2026-03-29 13:00 UTC (15:00 Europe/Paris): build again then" in first.out

    # Half an hour later nothing has changed: nothing is done, and the summary still says when.
    waiting = cli_build_at(monkeypatch, run, NOW + timedelta(minutes=30), "--site", site)
    assert waiting.status == 0
    assert SUMMARY.search(waiting.out)["written"] == "0"
    assert "news-sitemap.xml changes at 2026-03-29 13:00 UTC (15:00 Europe/Paris): build again then" in waiting.out

    # At 13:00 the 47-hour-old article has been out 48 hours: the news sitemap alone is written.
    at_one = NOW + timedelta(hours=1)
    left = cli_build_at(monkeypatch, run, at_one, "--site", site)
    assert left.status == 0, left.err
    found = SUMMARY.search(left.out)
    assert (found["written"], found["rendered"], found["converted"], found["removed"]) == ("1", "1", "0", "0")
    assert locs(parse(site)) == ["https://example.org/fresh/"]
    assert "a scheduled article comes out at 2026-03-29 14:00 UTC (16:00 Europe/Paris): build again then" \
        in left.out
    assert_same_as_cold(site, tmp_path, at_one)

    # At 14:00:30 the scheduled article is out: on the site and in the news sitemap. Next, the
    # fresh article (13:00 in Paris on the 29th) leaves on the 31st.
    after_two = NOW + timedelta(hours=2, seconds=30)
    out = cli_build_at(monkeypatch, run, after_two, "--site", site)
    assert out.status == 0, out.err
    assert locs(parse(site)) == ["https://example.org/scheduled/", "https://example.org/fresh/"]
    assert (site / "output" / "scheduled" / "index.html").is_file()
    assert "news-sitemap.xml changes at 2026-03-31 11:00 UTC (13:00 Europe/Paris): build again then" in out.out
    assert_same_as_cold(site, tmp_path, after_two)


def test_an_edited_title_in_the_window_is_in_the_news_sitemap_at_the_next_build(make_site, tmp_path):
    site = news_site(make_site)
    build(site, now=NOW)
    # Only the body and title change: the build plans the files around the article (render.Around).
    (site / "content" / "fresh.md").write_text(article("Fares rise again", "2026-03-29 13:00", "New text."),
                                               encoding="utf-8")
    report = build(site, now=NOW)
    assert news_of(parse(site))["https://example.org/fresh/"]["title"] == "Fares rise again"
    assert report.rendered < 20  # the planned files, not the site
    assert_same_as_cold(site, tmp_path, NOW)

    # An article moved into the window (a new date) is in it at once.
    (site / "content" / "too-old.md").write_text(article("Three days on", "2026-03-29T09:00:00Z"), encoding="utf-8")
    build(site, now=NOW)
    assert locs(parse(site)) == ["https://example.org/fresh/", "https://example.org/too-old/",
                                 "https://example.org/two-days/"]
    assert_same_as_cold(site, tmp_path, NOW)


# --- a base_url with a path -----------------------------------------------------------------------

def test_under_a_subpath_the_summary_warns_that_robots_txt_is_not_where_crawlers_look(make_site, run,
                                                                                      monkeypatch):
    site = news_site(make_site)
    result = cli_build_at(monkeypatch, run, NOW, "--site", site, "--base-url", "https://example.org/news/")
    assert result.status == 0, result.err
    assert ("broadsheet: warning: base_url has a path (/news/): robots.txt is written at /news/robots.txt, "
            "where crawlers never look; add `Sitemap: https://example.org/news/sitemap.xml` and "
            "`Sitemap: https://example.org/news/news-sitemap.xml` to https://example.org/robots.txt") in result.err
    robots = (site / "output" / "robots.txt").read_text(encoding="utf-8")
    assert "Sitemap: https://example.org/news/news-sitemap.xml\n" in robots
    assert locs(parse(site))[0] == "https://example.org/news/fresh/"
    # On every build, also one with nothing to do.
    again = cli_build_at(monkeypatch, run, NOW, "--site", site, "--base-url", "https://example.org/news/")
    assert SUMMARY.search(again.out)["written"] == "0"
    assert "where crawlers never look" in again.err

    at_root = cli_build_at(monkeypatch, run, NOW, "--site", site)
    assert at_root.status == 0 and "warning" not in at_root.err
