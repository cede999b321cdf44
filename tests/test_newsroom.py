"""The newsroom as a reader sees it: sections, authors (with authors.yaml), date archives,
related stories and corrections, each a page with its links, counts and feeds."""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import MINIMAL_CONFIG, article
from test_content import build, config, feed, feed_titles, output_file, page, sitemap_urls

AUTHORS = """\
grace:
  name: Grace Adeyemi
  role: Political editor
  bio: Covers **the council** and elections.
  photo: people/grace.svg
  email: grace@example.org
  url: https://grace.example/
  x: "@gadeyemi"
  mastodon: "@grace@mastodon.social"
  bluesky: gadeyemi.bsky.social
  linkedin: in/gadeyemi
tom:
  name: Tom Ellery
  role: Transport correspondent
"""
PORTRAIT = '<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><rect width="10" height="10"/></svg>'


@pytest.fixture
def newsroom(make_site):
    """Five articles in three sections by two described authors and one who is not."""
    return make_site({
        "authors.yaml": AUTHORS,
        "content/people/grace.svg": PORTRAIT,
        "content/2022/vote.md": article("Council passes budget", "2022-02-23 23:10", author="grace",
                                        category="Politics", tags="[Budget, Council]"),
        "content/2022/strike.md": article("Rail strike called", "2022-02-25 09:00", author="Tom Ellery",
                                          category="Transport", tags="[Rail, Strikes]"),
        "content/2022/fares.md": article("Fares frozen", "2022-02-22 08:00", authors="[grace, tom]",
                                         category="transport", tags="[Rail, Budget]"),
        "content/2022/match.md": article("Town win derby", "2022-03-01 17:00", author="Casey Stringer",
                                         category="Sport", tags="[Football]"),
        "content/2022/by-election.md": article("By-election date set", "2022-03-05 10:00", author="grace",
                                               category="Politics", tags="[Council, Elections]"),
    }, config=config(sections="[Sport, Politics]"))


def links(doc, cls: str | None = None) -> dict[str, str]:
    return {a.clean_text: a.attrs.get("href") for a in doc.find_all("a", cls)}


# --------------------------------------------------------------------------- sections

def test_each_section_has_a_page_its_feeds_and_a_place_in_the_navigation(newsroom, run):
    build(run, newsroom)
    transport = page(newsroom, "/sections/transport/")
    assert [a.clean_text for h in transport.find_all("h2") + transport.find_all("h3")
            for a in h.find_all("a")] == ["Rail strike called", "Fares frozen"]
    # `transport` and `Transport` are one section, shown as most articles spell it.
    assert transport.find("h1").clean_text.startswith("Transport")
    assert feed_titles(newsroom, "sections/transport/feed.xml") == ["Rail strike called", "Fares frozen"]
    assert feed_titles(newsroom, "sections/transport/atom.xml") == ["Rail strike called", "Fares frozen"]
    # The order config.yaml gives, then the others by name.
    nav = page(newsroom, "/").find("nav", "site-nav")
    names = [a.clean_text for a in nav.find_all("a")]
    assert names[names.index("Sport"):names.index("Sport") + 3] == ["Sport", "Politics", "Transport"]
    assert links(page(newsroom, "/sections/"))["Politics"] == "/sections/politics/"


def test_the_kicker_links_to_the_section_on_articles_and_cards(newsroom, run):
    build(run, newsroom)
    story = page(newsroom, "/2022/02/25/strike/")
    assert story.find("header", "story__header").find("a").attrs["href"] == "/sections/transport/"
    card = [c for c in page(newsroom, "/tags/rail/").find_all("article", "card") if "Rail strike called" in c.clean_text][0]
    assert card.find("p", "kicker").find("a").attrs["href"] == "/sections/transport/"


def test_the_section_url_pattern_is_a_setting_and_a_clash_names_both_sources(make_site, run):
    site = make_site({"content/a.md": article("Match report", "2022-03-01", category="Sport"),
                      "content/pages/sport.md": "---\ntitle: Sport at the Gazette\n---\nAbout.\n"},
                     config=config(section_url="/desk/{slug}/"))
    build(run, site)
    assert page(site, "/desk/sport/").find("h1").clean_text.startswith("Sport")
    clash = make_site({"content/a.md": article("Match report", "2022-03-01", category="Sport"),
                       "content/pages/sport.md": "---\ntitle: Sport at the Gazette\n---\nAbout.\n"},
                      config=config(section_url="/{slug}/"))
    result = run("build", "--site", clash)
    assert result.status == 1
    assert "content/pages/sport.md" in result.err and "section 'Sport'" in result.err


@pytest.mark.parametrize("value, message", [
    ("/sections/", "`section_url` must start and end with / and contain {slug} once"),
    ("sections/{slug}", "`section_url` must start and end with / and contain {slug} once"),
    ("[a, b]", "`section_url` must be a pattern such as /sections/{slug}/, not a list"),
])
def test_a_bad_section_url_is_an_error_at_its_line(make_site, run, value, message):
    site = make_site({"content/a.md": article()}, config=MINIMAL_CONFIG + f"section_url: {value}\n")
    result = run("build", "--site", site)
    assert result.status == 1
    assert f"config.yaml:6: error: {message}" in result.err


# --------------------------------------------------------------------------- authors

def test_an_author_page_shows_photo_role_bio_links_and_articles(newsroom, run):
    build(run, newsroom)
    grace = page(newsroom, "/authors/grace/")
    assert grace.find("h1").clean_text == "Grace Adeyemi"
    assert "Political editor" in grace.clean_text
    assert grace.find("strong").clean_text == "the council"  # the bio is Markdown
    photo = grace.find("img")
    assert photo.attrs["src"] == "/people/grace.svg" and output_file(newsroom, "/people/grace.svg").is_file()
    me = {a.attrs["href"] for a in grace.find_all("a") if a.attrs.get("rel") == "me"}
    assert {"https://x.com/gadeyemi", "https://mastodon.social/@grace", "https://bsky.app/profile/gadeyemi.bsky.social",
            "https://www.linkedin.com/in/gadeyemi"} <= me
    assert "mailto:grace@example.org" in {a.attrs["href"] for a in grace.find_all("a")}
    assert feed_titles(newsroom, "authors/grace/feed.xml") == ["By-election date set", "Council passes budget",
                                                               "Fares frozen"]
    assert feed_titles(newsroom, "authors/grace/atom.xml")[0] == "By-election date set"


def test_a_name_not_in_authors_yaml_still_gets_a_page_with_its_articles(newsroom, run):
    build(run, newsroom)
    casey = page(newsroom, "/authors/casey-stringer/")
    assert casey.find("h1").clean_text == "Casey Stringer"
    assert "Town win derby" in casey.clean_text
    assert not casey.find_all("img")


def test_bylines_link_to_author_pages_with_the_role_on_the_article(newsroom, run):
    build(run, newsroom)
    fares = page(newsroom, "/2022/02/22/fares/")
    byline = fares.find("p", "story__byline")
    assert {a.clean_text: a.attrs["href"] for a in byline.find_all("a", rel="author")} == {
        "Grace Adeyemi": "/authors/grace/", "Tom Ellery": "/authors/tom/"}
    assert "Political editor" in byline.clean_text and "Transport correspondent" in byline.clean_text
    card = [c for c in page(newsroom, "/tags/rail/").find_all("article", "card") if "Fares frozen" in c.clean_text][0]
    assert {a.attrs["href"] for a in card.find_all("a", rel="author")} == {"/authors/grace/", "/authors/tom/"}


def test_the_author_index_lists_everyone_with_a_count(newsroom, run):
    build(run, newsroom)
    index = page(newsroom, "/authors/")
    text = index.clean_text
    for name, count in (("Grace Adeyemi", "3 articles"), ("Tom Ellery", "2 articles"),
                        ("Casey Stringer", "1 article")):
        assert name in text
        entry = [li for li in index.find_all("li") if name in li.clean_text][0]
        assert count in entry.clean_text, entry.clean_text
    assert "/authors/" in links(page(newsroom, "/"), None).values()


def test_a_malformed_authors_yaml_is_an_error_at_its_line_and_output_is_untouched(newsroom, run):
    build(run, newsroom)
    before = {p: p.read_bytes() for p in (newsroom / "output").rglob("*") if p.is_file()}
    (newsroom / "authors.yaml").write_text(AUTHORS.replace("  role: Transport", "  rol: Transport"), encoding="utf-8")
    result = run("build", "--site", newsroom)
    assert result.status == 1
    assert "authors.yaml:14: error: unknown key `rol`" in result.err and "`role`" in result.err
    assert "Traceback" not in result.err
    assert {p: p.read_bytes() for p in (newsroom / "output").rglob("*") if p.is_file()} == before


# --------------------------------------------------------------------------- date archives

def test_every_prefix_of_an_article_url_is_a_page(newsroom, run):
    build(run, newsroom)
    year = page(newsroom, "/2022/")
    months = {a.attrs["href"]: a.clean_text for a in year.find("main").find_all("a")}
    assert "February" in months["/2022/02/"] and "3 articles" in months["/2022/02/"]
    assert "March" in months["/2022/03/"] and "2 articles" in months["/2022/03/"]
    february = page(newsroom, "/2022/02/")
    assert "Rail strike called" in february.clean_text and "Town win derby" not in february.clean_text
    # per_page is 2: three articles in February make two pages.
    assert "Fares frozen" in page(newsroom, "/2022/02/page/2/").clean_text
    day = page(newsroom, "/2022/02/25/")
    assert "Rail strike called" in day.clean_text and "Council passes budget" not in day.clean_text


def test_the_archive_index_lists_years_and_months_with_counts_and_is_in_the_footer(newsroom, run):
    build(run, newsroom)
    archive = page(newsroom, "/archive/")
    hrefs = {a.attrs["href"] for a in archive.find("main").find_all("a")}
    assert {"/2022/", "/2022/02/", "/2022/03/"} <= hrefs
    march = [a for a in archive.find("main").find_all("a") if a.attrs["href"] == "/2022/03/"][0]
    assert "2" in march.clean_text
    footer = page(newsroom, "/2022/02/25/strike/").find("footer", "site-footer")
    assert "/archive/" in {a.attrs["href"] for a in footer.find_all("a")}


def test_archives_keep_their_shape_with_another_permalink(make_site, run):
    site = make_site({"content/2022-02-28-x.md": article("Short URL", "2022-02-28 10:00")},
                     config=config(permalink="/news/{slug}/"))
    build(run, site)
    assert "Short URL" in page(site, "/2022/02/28/").clean_text
    assert "Short URL" in page(site, "/2022/02/").clean_text
    assert "https://example.org/2022/02/" in sitemap_urls(site)


# --------------------------------------------------------------------------- related stories

def test_related_stories_share_the_most_and_rarest_tags_and_never_the_story_itself(make_site, run):
    site = make_site({
        "content/a.md": article("Budget passes", "2022-02-01", tags="[Budget, Council, Rare]"),
        "content/b.md": article("Budget and council", "2022-02-02", tags="[Budget, Council]"),
        "content/c.md": article("Rare thing", "2022-02-03", tags="[Rare]"),
        "content/d.md": article("Only budget", "2022-02-04", tags="[Budget]"),
        "content/e.md": article("Council newest", "2022-02-05", tags="[Council]"),
        "content/f.md": article("Unrelated", "2022-02-06", tags="[Sport]"),
    })
    build(run, site)
    related = page(site, "/2022/02/01/a/").find("section", "related")
    titles = [h.find("a").clean_text for h in related.find_all() if h.tag in ("h2", "h3", "h4")
              and h.find_all("a")]
    # Two shared tags first; then Rare (one other article has it) before Council and Budget (three
    # each), and of those the newest first.
    assert titles == ["Budget and council", "Rare thing", "Council newest", "Only budget"]
    assert not page(site, "/2022/02/06/f/").find_all("section", "related")


# --------------------------------------------------------------------------- corrections

CORRECTED = article("Budget passes", "2022-02-23 23:10", body="The cut is £0.5m.",
                    corrections="\n  - {date: 2022-03-09 10:00, text: 'We said **£1.5m**. It is £0.5m.'}"
                                "\n  - {date: 2022-03-01, text: An earlier fix.}")


def test_corrections_show_on_the_story_newest_first_and_count_as_an_update(make_site, run):
    site = make_site({"content/2022/budget.md": CORRECTED, "content/2022/other.md": article("Other", "2022-03-20")})
    build(run, site)
    story = page(site, "/2022/02/23/budget/")
    box = story.find("aside", "corrections-box")
    items = box.find_all("li")
    assert [i.find("time").attrs["datetime"] for i in items] == ["2022-03-09T10:00:00+00:00",
                                                                 "2022-03-01T00:00:00+00:00"]
    assert items[0].clean_text.startswith("Correction, 9 March 2022:")
    assert items[0].find("strong").clean_text == "£1.5m"
    assert story.find("span", "story__updated").find("time").attrs["datetime"] == "2022-03-09T10:00:00+00:00"
    entry = [e for e in feed(site, "atom.xml").entries if e.title == "Budget passes"][0]
    assert entry.updated == "2022-03-09T10:00:00+00:00" and entry.published == "2022-02-23T23:10:00+00:00"
    assert entry.id == "https://example.org/2022/02/23/budget/"
    rss = [e for e in feed(site).entries if e.title == "Budget passes"][0]
    assert rss.id == "https://example.org/2022/02/23/budget/" and "23 Feb 2022" in rss.published


def test_the_corrections_page_lists_every_correction_newest_first_linking_to_the_article(make_site, run):
    site = make_site({"content/2022/budget.md": CORRECTED,
                      "content/2022/later.md": article("Later story", "2022-03-20", corrections=
                                                       "\n  - {date: 2022-03-21, text: A name was misspelt.}")})
    build(run, site)
    corrections = page(site, "/corrections/")
    texts = [li.clean_text for li in corrections.find("main").find_all("li")]
    assert [t for t in texts if "misspelt" in t or "£0.5m" in t or "earlier fix" in t] == texts[:3]
    assert "misspelt" in texts[0] and "£0.5m" in texts[1] and "earlier fix" in texts[2]
    assert "/2022/02/23/budget/" in {a.attrs["href"] for a in corrections.find("main").find_all("a")}
    assert "/corrections/" in {a.attrs["href"] for a in page(site, "/").find("footer").find_all("a")}


@pytest.mark.parametrize("value, message", [
    ("yes", "`corrections`: must be a list of corrections"),
    ("\n  - {date: someday, text: x}", "`corrections`: item 1: cannot read 'someday' as a date"),
    ("\n  - {date: 2022-03-01}", "`corrections`: item 1 needs a `text`"),
    ("\n  - {date: 2022-03-01, txt: x}", "`corrections`: item 1 must be a mapping with `date` and `text` only"),
])
def test_a_malformed_correction_is_an_error_at_its_line(make_site, run, value, message):
    site = make_site({"content/a.md": article(corrections=value)})
    result = run("build", "--site", site)
    assert result.status == 1
    assert f"content/a.md:4: error: {message}" in result.err


def test_a_broken_link_in_a_correction_is_an_error_at_its_line(make_site, run):
    site = make_site({"content/a.md": article(corrections="\n  - {date: 2022-03-01, text: '[see](nowhere.md)'}")})
    result = run("build", "--site", site)
    assert result.status == 1
    assert "content/a.md:4: error: `corrections`: links to nowhere.md, which does not exist" in result.err


# --------------------------------------------------------------------------- a fresh site

def test_a_fresh_site_with_only_config_and_content_gets_every_newsroom_page(tmp_path: Path, run):
    site = tmp_path / "fresh"
    (site / "content").mkdir(parents=True)
    (site / "config.yaml").write_text("title: Fresh\nbase_url: https://fresh.example/\n", encoding="utf-8")
    (site / "content" / "2023-04-05-first.md").write_text(
        "---\ntitle: First story\nauthor: Ann Reporter\ncategory: News\ntags: [Town]\n---\nHello.\n", encoding="utf-8")
    build(run, site)
    for url in ("/sections/news/", "/sections/", "/authors/ann-reporter/", "/authors/", "/2023/", "/2023/04/",
                "/2023/04/05/", "/archive/", "/corrections/", "/tags/town/"):
        assert output_file(site, url).is_file(), url
    for name in ("sections/news/feed.xml", "sections/news/atom.xml", "authors/ann-reporter/feed.xml",
                 "authors/ann-reporter/atom.xml", "tags/town/atom.xml"):
        assert feed_titles(site, name) == ["First story"], name
    urls = sitemap_urls(site)
    assert {"https://fresh.example/sections/news/", "https://fresh.example/authors/ann-reporter/",
            "https://fresh.example/2023/04/05/", "https://fresh.example/archive/"} <= set(urls)
