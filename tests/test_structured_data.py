"""Structured data as a search engine reads it: the JSON-LD of every page of a built site, parsed
from the HTML and checked against the front matter, authors.yaml and config.yaml it came from."""

from __future__ import annotations

import json
import re
import shutil
from html.parser import HTMLParser
from pathlib import Path

import pytest
import yaml

from conftest import article, tiny_image, write_file
from test_content import build, config, output_file, page
from test_errors import assert_failed, built, error_at  # noqa: F401 - built is a fixture

LD_JSON = "application/ld+json"


class _Scripts(HTMLParser):
    """The text of each <script type="application/ld+json"> element, as a browser splits the page."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=False)
        self.found: list[str] = []
        self._inside: list[str] | None = None

    def handle_starttag(self, tag, attrs):
        if tag == "script" and dict(attrs).get("type") == LD_JSON:
            self._inside = []

    def handle_data(self, data):
        if self._inside is not None:
            self._inside.append(data)

    def handle_endtag(self, tag):
        if tag == "script" and self._inside is not None:
            self.found.append("".join(self._inside))
            self._inside = None


def json_ld(html_text: str) -> list[dict]:
    """Each JSON-LD script of a page, parsed."""
    parser = _Scripts()
    parser.feed(html_text)
    parser.close()
    return [json.loads(text) for text in parser.found]


def page_data(site: Path, url: str) -> dict:
    """The one JSON-LD object of a page."""
    path = output_file(site, url)
    assert path.is_file(), f"{url} was not built"
    found = json_ld(path.read_text(encoding="utf-8"))
    assert len(found) == 1, f"{url} has {len(found)} JSON-LD scripts, not one"
    return found[0]


def every_page(site: Path) -> dict[str, list[dict]]:
    """The JSON-LD of every HTML page of the built site, by URL."""
    out = site / "output"
    found = {}
    for path in sorted(out.rglob("*.html")):
        relative = path.relative_to(out).as_posix()
        url = "/" + relative.removesuffix("index.html")
        found[url] = json_ld(path.read_text(encoding="utf-8"))
    return found


def headline_on_page(site: Path, url: str) -> str:
    return page(site, url).find("h1", "story__headline").text


# --------------------------------------------------------------------------- a site made for it

AUTHORS = """\
grace:
  name: Grace Adeyemi
  role: Political editor
  bio: Covers **the council** and [elections](https://example.com/elections).
  photo: people/grace.svg
  url: https://grace.example/
  x: "@gadeyemi"
  mastodon: "@grace@mastodon.social"
"""
PORTRAIT = '<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><rect width="10" height="10"/></svg>'
SETTINGS = """\
title: The Harlingford Gazette
base_url: https://example.org/news/
description: News from the Wend Valley
language: en-GB
timezone: Europe/London
author: Gazette Desk
per_page: 1
publisher:
  name: Gazette Media
  logo: images/logo.png
  type: Organization
section_types:
  opinion: OpinionNewsArticle
  Reviews: ReviewNewsArticle
"""


@pytest.fixture
def gazette(make_site):
    """Articles in winter and in summer (Europe/London: +00:00 and +01:00), by a described
    author with a role, one who is not and the site's default; in sections with and without a
    type; one asking for its own type; with and without an image, tags and an update."""
    return make_site({
        "authors.yaml": AUTHORS,
        "content/people/grace.svg": PORTRAIT,
        "content/images/logo.png": tiny_image(),
        "content/2022/pier.jpg": tiny_image("JPEG"),
        "content/2022/winter.md": article(
            "Council passes budget", "2022-01-15 10:30", author="grace", category="Politics",
            tags="[Budget, City Council]", summary="Council tax rises by 2.99 per cent.",
            image="pier.jpg", image_alt="The pier in the rain"),
        "content/2022/summer.md": article(
            "Town win the derby", "2022-07-15 18:05", authors="[grace, Casey Stringer]", category="Sport",
            tags="[Football]", summary="Three goals in the second half.", updated="2022-11-02 09:00"),
        "content/2022/column.md": article(
            "Why the bridge must close", "2022-06-01", category="Opinion", summary="A column."),
        "content/2022/analysis.md": article(
            "What the bridge closure means", "2022-06-02T12:00:00+02:00", category="opinion",
            schema_type="AnalysisNewsArticle", summary="An analysis."),
        "content/2022/review.md": article("A fine concert", "2022-03-27 00:30", category="Reviews",
                                          summary="Five stars."),
    }, config=SETTINGS)


PUBLISHER = {"@type": "Organization", "@id": "https://example.org/news/#publisher", "name": "Gazette Media",
             "url": "https://example.org/news/",
             "logo": {"@type": "ImageObject", "url": "https://example.org/news/images/logo.png"}}
GRACE = {"@type": "Person", "name": "Grace Adeyemi", "url": "https://example.org/news/authors/grace/",
         "jobTitle": "Political editor"}


def test_each_article_says_what_its_front_matter_says(gazette, run):
    build(run, gazette)
    winter = page_data(gazette, "/2022/01/15/winter/")
    assert winter == {
        "@context": "https://schema.org",
        "@type": "NewsArticle",
        "headline": "Council passes budget",
        "description": "Council tax rises by 2.99 per cent.",
        "url": "https://example.org/news/2022/01/15/winter/",
        "mainEntityOfPage": "https://example.org/news/2022/01/15/winter/",
        "datePublished": "2022-01-15T10:30:00+00:00",  # Greenwich Mean Time
        "author": [GRACE],
        "publisher": PUBLISHER,
        # A JPEG under content/: its 16:9, 4:3 and 1:1 crops (tests/test_share_cards.py), of 12×8 pixels.
        "image": [winter["image"][0], winter["image"][1], winter["image"][2]],
        "articleSection": "Politics",
        "keywords": ["Budget", "City Council"],
        "inLanguage": "en-GB",
        "isAccessibleForFree": True,
    }
    assert "dateModified" not in winter
    assert [re.sub(r"\.[0-9a-f]{8}\.", ".#.", url) for url in winter["image"]] == [
        f"https://example.org/news/2022/pier.{size}.#.jpg" for size in ("12x7", "11x8", "8x8")]

    summer = page_data(gazette, "/2022/07/15/summer/")
    assert summer["@type"] == "NewsArticle"
    assert summer["headline"] == "Town win the derby"
    assert summer["datePublished"] == "2022-07-15T18:05:00+01:00"  # British Summer Time
    assert summer["dateModified"] == "2022-11-02T09:00:00+00:00"  # back on GMT
    # An author authors.yaml does not describe has a page, but no role.
    assert summer["author"] == [GRACE, {"@type": "Person", "name": "Casey Stringer",
                                        "url": "https://example.org/news/authors/casey-stringer/"}]
    assert "image" not in summer
    assert summer["keywords"] == ["Football"]


def test_the_type_comes_from_the_article_then_its_section(gazette, run):
    build(run, gazette)
    column = page_data(gazette, "/2022/06/01/column/")
    assert column["@type"] == "OpinionNewsArticle"  # section_types, `opinion` matching `Opinion`
    assert column["articleSection"] == "Opinion"
    # The site's default author, a date without a time: midnight, in summer time.
    assert column["author"] == [{"@type": "Person", "name": "Gazette Desk",
                                 "url": "https://example.org/news/authors/gazette-desk/"}]
    assert column["datePublished"] == "2022-06-01T00:00:00+01:00"
    assert "keywords" not in column
    analysis = page_data(gazette, "/2022/06/02/analysis/")
    assert analysis["@type"] == "AnalysisNewsArticle"  # the article's own schema_type wins
    # Written with another offset: the same instant, in the site's time zone.
    assert analysis["datePublished"] == "2022-06-02T11:00:00+01:00"
    # The night the clocks went forward: 00:30 is still GMT.
    review = page_data(gazette, "/2022/03/27/review/")
    assert (review["@type"], review["datePublished"]) == ("ReviewNewsArticle", "2022-03-27T00:30:00+00:00")


def test_front_page_and_author_pages(gazette, run):
    build(run, gazette)
    front = page_data(gazette, "/")
    assert front == {"@context": "https://schema.org", "@graph": [
        {"@type": "WebSite", "@id": "https://example.org/news/#website", "name": "The Harlingford Gazette",
         "url": "https://example.org/news/", "inLanguage": "en-GB", "description": "News from the Wend Valley",
         "publisher": {"@id": "https://example.org/news/#publisher"}},
        PUBLISHER]}
    grace = page_data(gazette, "/authors/grace/")
    assert grace == {"@context": "https://schema.org", "@type": "ProfilePage", "mainEntity": {
        **GRACE,
        "description": "Covers the council and elections.",
        "image": "https://example.org/news/people/grace.svg",
        "sameAs": ["https://grace.example/", "https://x.com/gadeyemi", "https://mastodon.social/@grace"]}}
    # Every page of an author's list is their page (per_page is 1 here).
    assert page_data(gazette, "/authors/grace/page/2/") == grace
    casey = page_data(gazette, "/authors/casey-stringer/")
    assert casey["mainEntity"] == {"@type": "Person", "name": "Casey Stringer",
                                   "url": "https://example.org/news/authors/casey-stringer/"}


def test_every_page_of_the_sample_site(sample_site, run):
    """Exactly one JSON-LD script on each article, the front page and each author page, none
    elsewhere; each article's checked against its front matter and the page's own headline."""
    shutil.copy(Path(__file__).resolve().parent.parent / "authors.yaml", sample_site / "authors.yaml")
    build(run, sample_site)
    settings = yaml.safe_load((sample_site / "config.yaml").read_text(encoding="utf-8"))
    roles = {entry["name"]: entry.get("role") for entry in
             yaml.safe_load((sample_site / "authors.yaml").read_text(encoding="utf-8")).values()}
    articles = {}
    for source in sorted((sample_site / "content").rglob("*.md")):
        if "pages" in source.parts:
            continue
        front = yaml.load(source.read_text(encoding="utf-8").split("---\n")[1], Loader=yaml.BaseLoader)
        stamp = re.match(r"(\d{4})-(\d\d)-(\d\d)-(.+)$", source.stem)
        assert stamp, source
        year, month, day, slug = stamp.groups()
        articles[f"/{year}/{month}/{day}/{slug}/"] = front
    pages = every_page(sample_site)
    with_data = {url for url, found in pages.items() if found}
    authors = {url for url in pages if url.startswith("/authors/") and url != "/authors/"}
    assert with_data == set(articles) | authors | {"/"}
    assert all(len(found) == 1 for found in pages.values() if found)

    for url, front in articles.items():
        data = pages[url][0]
        assert data["@type"] == front.get("schema_type", "NewsArticle"), url
        assert data["headline"] == headline_on_page(sample_site, url), url
        # The title as written, but for the typography (curly quotes, dashes).
        assert _untypeset(data["headline"]) == front["title"], url
        assert data["url"] == data["mainEntityOfPage"] == "https://example.org" + url
        date = front["date"]
        assert data["datePublished"].startswith(date.replace(" ", "T")), url
        assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+00:00", data["datePublished"]), url  # GMT in Feb/Mar
        modified = front.get("updated") or max([c["date"] for c in front.get("corrections", [])], default=None)
        assert data.get("dateModified", "")[:16] == (modified or "").replace(" ", "T")[:16], url
        names = front.get("authors") or front.get("author") or settings["author"]
        assert [a["name"] for a in data["author"]] == ([names] if isinstance(names, str) else names), url
        for person in data["author"]:
            assert person.get("jobTitle") == roles.get(person["name"]), url
            assert person["url"].startswith("https://example.org/authors/")
        assert data["articleSection"] == front["category"], url
        tags = front.get("tags", [])  # a list, or one comma-separated text
        tags = [tag.strip() for tag in tags.split(",")] if isinstance(tags, str) else tags
        assert data.get("keywords", []) == tags, url
        if "image" in front:
            # A raster file under content/: its 16:9, 4:3 and 1:1 crops; an SVG or another host's: itself.
            assert len(data["image"]) in (1, 3) and data["image"][0].startswith("https://example.org/"), url
            for image in data["image"]:
                assert output_file(sample_site, image.removeprefix("https://example.org")).is_file(), url
        else:
            assert "image" not in data, url
        assert data["inLanguage"] == settings["language"]
        assert data["isAccessibleForFree"] is True
        assert data["publisher"]["name"] == settings["title"]
    assert pages["/"][0]["@graph"][0]["@type"] == "WebSite"
    assert pages["/authors/grace/"][0]["mainEntity"]["jobTitle"] == "Political editor"


def _untypeset(text: str) -> str:
    return (text.replace("\u2018", "'").replace("\u2019", "'").replace("\u201c", '"').replace("\u201d", '"')
            .replace("\u2014", "---").replace("\u2013", "--").replace("\u2026", "..."))


# --------------------------------------------------------------------------- nothing breaks out

HOSTILE = 'He said "stop" </script><script>alert(1)</script> <!-- & \'more\' \u2028 -->\u2029end'


def test_a_hostile_title_cannot_break_the_page(make_site, run):
    title = json.dumps(HOSTILE)  # a double-quoted YAML scalar
    site = make_site({
        "content/hostile.md": article(title, "2022-02-28 12:00", summary=title, tags='["</script>x"]'),
    }, config=config(markdown="{smart_quotes: false}"))
    build(run, site)
    raw = output_file(site, "/2022/02/28/hostile/").read_text(encoding="utf-8")
    found = json_ld(raw)
    assert len(found) == 1
    assert found[0]["headline"] == HOSTILE
    assert found[0]["description"] == " ".join(HOSTILE.split())  # a summary's white space is collapsed
    assert found[0]["keywords"] == ["</script>x"]
    # One script element, closed once: nothing in a value ended it or opened another. (Besides
    # it, the theme's own script files: the search box's.)
    own = re.findall(r'<script src="/theme/js/[a-z-]+\.js" defer></script>', raw)
    assert raw.count("<script") == raw.count("</script>") == 1 + len(own)
    script = raw[raw.index("<script"):raw.index("</script>")]
    assert script.startswith('<script type="application/ld+json">')
    assert "<!--" not in script and "\u2028" not in script and "\u2029" not in script
    # The page shows the same title.
    assert headline_on_page(site, "/2022/02/28/hostile/") == HOSTILE


def test_typographic_characters_stay_unicode(make_site, run):
    site = make_site({"content/a.md": article("Café owner’s “last stand” — Київ", "2022-02-28")})
    build(run, site)
    raw = output_file(site, "/2022/02/28/a/").read_text(encoding="utf-8")
    assert "Café owner’s “last stand” — Київ" in raw[raw.index("<script"):raw.index("</script>")]
    assert page_data(site, "/2022/02/28/a/")["headline"] == "Café owner’s “last stand” — Київ"


# --------------------------------------------------------------------------- mistakes

def test_unknown_schema_type_is_an_error_at_its_line_with_a_suggestion(built, run):
    site, before = built()
    write_file(site, "content/2022-03-01-view.md", article("A view", "2022-03-01", schema_type="OpinonNewsArticle"))
    # lines: 1 ---, 2 title, 3 date, 4 schema_type
    result = run("build", "--site", ".", cwd=site)
    assert_failed(result, site, before)
    error_at(result, "content/2022-03-01-view.md:4", "`schema_type`", "'OpinonNewsArticle'",
             "did you mean `OpinionNewsArticle`?")


def test_unknown_section_type_is_an_error_at_its_line(built, run):
    site, before = built()
    (site / "config.yaml").write_text(config(section_types="\n  Opinion: OpinionNewsArticle\n  Sport: article"),
                                      encoding="utf-8")
    result = run("build", "--site", ".", cwd=site)
    assert_failed(result, site, before)
    # lines 1-5 the minimal config, 6 section_types:, 7 Opinion, 8 Sport
    error_at(result, "config.yaml:8", "`section_types.Sport`", "'article'", "did you mean `Article`?")


def test_an_unknown_publisher_type_is_an_error_at_its_line_with_a_suggestion(built, run):
    site, before = built()
    (site / "config.yaml").write_text(config(publisher="\n  name: Gazette Media\n  type: NewsMediaOrganisation"),
                                      encoding="utf-8")
    result = run("build", "--site", ".", cwd=site)
    assert_failed(result, site, before)
    # lines 1-5 the minimal config, 6 publisher:, 7 name, 8 type
    error_at(result, "config.yaml:8", "`publisher.type`", "'NewsMediaOrganisation'",
             "did you mean `NewsMediaOrganization`?")


def test_a_missing_publisher_logo_is_an_error_at_its_line(built, run):
    site, before = built()
    (site / "config.yaml").write_text(config(publisher="\n  name: Gazette Media\n  logo: images/logo.png"),
                                      encoding="utf-8")
    result = run("build", "--site", ".", cwd=site)
    assert_failed(result, site, before)
    error_at(result, "config.yaml:8", "`publisher.logo`", "content/images/logo.png", "does not exist")


# --------------------------------------------------------------------------- never stale

def test_incremental_builds_follow_every_setting_it_reads(gazette, run, tmp_path):
    build(run, gazette)
    column = "/2022/06/01/column/"
    assert page_data(gazette, column)["@type"] == "OpinionNewsArticle"

    source = gazette / "content/2022/column.md"
    source.write_text(source.read_text(encoding="utf-8").replace("category: Opinion",
                                                                 "category: Opinion\nschema_type: Article"),
                      encoding="utf-8")
    build(run, gazette)
    assert page_data(gazette, column)["@type"] == "Article"
    _assert_same_as_cold(gazette, tmp_path / "cold1", run)

    settings = (gazette / "config.yaml").read_text(encoding="utf-8")
    settings = settings.replace("Reviews: ReviewNewsArticle", "Reviews: BackgroundNewsArticle")
    settings = settings.replace("type: Organization", "type: NewsMediaOrganization")
    (gazette / "config.yaml").write_text(settings.replace("logo: images/logo.png", "logo: https://cdn.example/l.png"),
                                         encoding="utf-8")
    build(run, gazette)
    assert page_data(gazette, "/2022/03/27/review/")["@type"] == "BackgroundNewsArticle"
    for url in ("/2022/01/15/winter/", column):
        assert page_data(gazette, url)["publisher"]["logo"]["url"] == "https://cdn.example/l.png"
        assert page_data(gazette, url)["publisher"]["@type"] == "NewsMediaOrganization"
    assert page_data(gazette, "/")["@graph"][1]["@type"] == "NewsMediaOrganization"

    authors = (gazette / "authors.yaml").read_text(encoding="utf-8")
    (gazette / "authors.yaml").write_text(authors.replace("Political editor", "Deputy editor"), encoding="utf-8")
    build(run, gazette)
    assert page_data(gazette, "/2022/01/15/winter/")["author"][0]["jobTitle"] == "Deputy editor"
    assert page_data(gazette, "/authors/grace/")["mainEntity"]["jobTitle"] == "Deputy editor"
    _assert_same_as_cold(gazette, tmp_path / "cold2", run)


def _assert_same_as_cold(site: Path, folder: Path, run) -> None:
    """A cold build of a copy of the sources writes the same JSON-LD on every page."""
    copy = folder / "site"
    shutil.copytree(site, copy, ignore=lambda where, names: [n for n in names if Path(where) == site
                                                               and n in ("output", ".cache")])
    build(run, copy, "--no-cache")
    assert every_page(copy) == every_page(site)
