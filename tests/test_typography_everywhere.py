"""Typography as a reader meets it: the same curly quotes, dashes and ellipses in the headline, the
<title>, the social tags, the cards, the feeds, the bios and the corrections, in the quotation
marks of the site's language; the intro printed once; heading ids that never clash with the
theme's; and the front matter's `published` and `image_alt` as other generators' users write them."""

from __future__ import annotations

import json
import re
from collections import Counter
from pathlib import Path

import pytest

from conftest import MINIMAL_CONFIG, REPO, article, snapshot
from generator.read.markup import THEME_IDS
from test_content import build, feed, output_file, page, story
from test_errors import assert_failed, error_at

NNBSP = "\u202f"  # narrow no-break space: inside French guillemets

# As written: straight quotes, double hyphens, three dots; & and < as text, not markup.
TITLE = '"Don\'t panic" -- the council\'s plan for fish & chips <shops>...'
SUMMARY = 'Officials say it\'s "fine" --- and the \'90s rules stay.'
CORRECTION = 'An earlier version said the plan was "final". It isn\'t.'
BIO = 'Grace covers the council -- "the best beat there is".'

# As shown, in English.
TITLE_EN = "\u201cDon\u2019t panic\u201d \u2013 the council\u2019s plan for fish & chips <shops>\u2026"
SUMMARY_EN = "Officials say it\u2019s \u201cfine\u201d \u2014 and the \u201990s rules stay."
CORRECTION_EN = "An earlier version said the plan was \u201cfinal\u201d. It isn\u2019t."
BIO_EN = "Grace covers the council \u2013 \u201cthe best beat there is\u201d."

AUTHORS = f"""\
grace:
  name: Grace Adeyemi
  role: Political editor
  bio: {json.dumps(BIO)}
"""

ENTITIES = re.compile(r"&(?:amp;)*(?:[lr][sd]quo|[nm]dash|hellip|laquo|raquo|bdquo|#82\d\d);")


def front_matter(**fields) -> str:
    """Front matter with every value written as JSON (which is YAML), so that quotes and colons are text."""
    return "---\n" + "".join(f"{k}: {json.dumps(v)}\n" for k, v in fields.items()) + "---\n"


def story_file(title: str = TITLE, summary: str | None = SUMMARY, body: str = "The body's first paragraph.\n",
               **extra) -> str:
    fields = {"title": title, "date": "2022-02-28 09:00", "author": "grace", **extra}
    if summary is not None:
        fields["summary"] = summary
    return front_matter(**fields) + body


def typeset_site(make_site, extra_config: str = "", **files: str) -> Path:
    files = {"content/2022-02-28-plan.md": story_file(
        corrections=[{"date": "2022-03-01", "text": CORRECTION}]), **files}
    return make_site({"authors.yaml": AUTHORS, **files}, config=MINIMAL_CONFIG + extra_config)


def meta_content(doc, **attrs) -> str:
    return doc.find("meta", **attrs).attrs["content"]


def every_output_text(site: Path) -> str:
    return "\n".join(p.read_text(encoding="utf-8") for p in sorted((site / "output").rglob("*"))
                     if p.suffix in (".html", ".xml"))


# --------------------------------------------------------------------------- everywhere, the same

def test_a_title_summary_bio_and_correction_are_typeset_everywhere_they_show(make_site, run):
    site = typeset_site(make_site)
    build(run, site)
    url = "/2022/02/28/plan/"
    doc = page(site, url)
    assert doc.find("h1", "story__headline").clean_text == TITLE_EN
    assert doc.find("title").clean_text.startswith(TITLE_EN + " ")
    assert meta_content(doc, property="og:title") == TITLE_EN
    assert meta_content(doc, name="twitter:title") == TITLE_EN
    assert meta_content(doc, name="description") == SUMMARY_EN
    assert meta_content(doc, property="og:description") == SUMMARY_EN
    assert doc.find("div", "standfirst").clean_text == SUMMARY_EN
    assert doc.find("div", "corrections-box__text").clean_text == CORRECTION_EN
    assert "body\u2019s first paragraph" in doc.find("div", "story__body").clean_text

    front = page(site, "/")
    card = story(front, TITLE_EN)
    assert SUMMARY_EN in card.clean_text
    corrections = page(site, "/corrections/")
    assert corrections.find("h2", "correction__headline").clean_text == TITLE_EN
    assert corrections.find("div", "correction__text").clean_text == CORRECTION_EN
    assert page(site, "/authors/grace/").find("div", "author-profile__bio").clean_text == BIO_EN
    assert page(site, "/tags/").find("title")  # every page renders

    # Feeds: the same characters, as characters (not entities, not escaped twice).
    for name in ("feed.xml", "atom.xml", "authors/grace/feed.xml"):
        entry = feed(site, name).entries[0]
        assert entry.title == TITLE_EN, name
        assert SUMMARY_EN in entry.summary, name
    raw = (site / "output/feed.xml").read_text(encoding="utf-8")
    assert ("<title>\u201cDon\u2019t panic\u201d \u2013 the council\u2019s plan for fish &amp; chips "
            "&lt;shops&gt;\u2026</title>") in raw
    # No entity for a typographic character anywhere in the site: pages, feeds, sitemap.
    assert not ENTITIES.search(every_output_text(site))


@pytest.mark.parametrize("language, title, inner", [
    ("fr", f"\u00ab{NNBSP}Don\u2019t panic{NNBSP}\u00bb",
     f"\u00ab{NNBSP}l\u2019eau et le \u2039{NNBSP}vin{NNBSP}\u203a{NNBSP}\u00bb"),
    ("de", "\u201eDon\u2019t panic\u201c", "\u201el\u2019eau et le \u201avin\u2018\u201c"),
    ("uk", "\u00abDon\u2019t panic\u00bb", "\u00abl\u2019eau et le \u201evin\u201c\u00bb"),
    ("es", "\u00abDon\u2019t panic\u00bb", "\u00abl\u2019eau et le \u201cvin\u201d\u00bb"),
    ("en-GB", "\u201cDon\u2019t panic\u201d", "\u201cl\u2019eau et le \u2018vin\u2019\u201d"),
    ("pl", "\u201cDon\u2019t panic\u201d", "\u201cl\u2019eau et le \u2018vin\u2019\u201d"),  # no table: English
])
def test_the_quotation_marks_are_the_site_languages(make_site, run, language, title, inner):
    site = typeset_site(make_site, f"language: {language}\n", **{
        "content/2022-02-28-plan.md": story_file(title='"Don\'t panic"', summary='"l\'eau et le \'vin\'"',
                                                 body='Il dit "l\'eau et le \'vin\'" -- oui.\n')})
    build(run, site)
    doc = page(site, "/2022/02/28/plan/")
    assert doc.find("h1", "story__headline").text.strip() == title  # .text: clean_text's split() eats U+202F
    assert meta_content(doc, property="og:title") == title
    assert doc.find("div", "standfirst").text == f"{inner}"
    assert doc.find("div", "story__body").find("p").text == f"Il dit {inner} \u2013 oui."
    assert feed(site, "atom.xml").entries[0].title == title
    assert page(site, "/authors/grace/").find("div", "author-profile__bio").text.strip().startswith(
        "Grace covers the council \u2013 ")


def test_smart_quotes_off_leaves_every_text_as_written(make_site, run):
    site = typeset_site(make_site, "markdown:\n  smart_quotes: false\n",
                        **{"content/2022-02-28-plan.md": story_file(body='He said "no" -- twice...\n')})
    build(run, site)
    doc = page(site, "/2022/02/28/plan/")
    assert doc.find("h1", "story__headline").clean_text == TITLE
    assert meta_content(doc, property="og:title") == TITLE
    assert doc.find("div", "standfirst").clean_text == SUMMARY
    assert doc.find("div", "story__body").clean_text == 'He said "no" -- twice...'
    assert feed(site).entries[0].title == TITLE
    assert page(site, "/authors/grace/").find("div", "author-profile__bio").clean_text == BIO


# --------------------------------------------------------------------------- the intro, once

INTRO = "Harlingford Central Library reopened on Tuesday morning."


def test_an_article_without_a_summary_shows_its_first_paragraph_once(make_site, run):
    site = make_site({
        "content/plain.md": article("Library reopens", "2022-02-28", f"{INTRO}\n\nSecond paragraph."),
        "content/given.md": article("Given", "2022-02-27", "Its own first paragraph.", summary="A standfirst."),
    })
    build(run, site)
    doc = page(site, "/2022/02/28/plain/")
    assert doc.find("main").clean_text.count(INTRO) == 1
    assert not doc.find_all("div", "standfirst")
    assert doc.find("div", "story__body").find("p").clean_text == INTRO
    assert INTRO in story(page(site, "/"), "Library reopens").clean_text  # the card still shows it
    assert meta_content(doc, name="description") == INTRO
    # A summary of its own is the standfirst, above a body that does not repeat it.
    given = page(site, "/2022/02/27/given/")
    assert given.find("div", "standfirst").clean_text == "A standfirst."


def test_the_more_marker_ends_the_summary_and_reaches_no_page_or_feed(make_site, run):
    body = (f"{INTRO}\n\nThe doors opened at 9am.\n\n<!-- more -->\n\nThe rest of the story.\n\n"
            "    <!-- more --> in code stays\n")
    site = make_site({"content/library.md": article("Library reopens", "2022-02-28", body)})
    build(run, site)
    html = output_file(site, "/2022/02/28/library/").read_text(encoding="utf-8")
    assert "<!-- more" not in html and "<!--more" not in html
    doc = page(site, "/2022/02/28/library/")
    shown = doc.find("main").clean_text
    assert shown.count(INTRO) == 1 and shown.count("The doors opened at 9am.") == 1
    assert not doc.find_all("div", "standfirst")
    assert doc.find("pre").clean_text == "<!-- more --> in code stays"  # shown as code, not a comment
    card = story(page(site, "/"), "Library reopens")
    assert "The doors opened at 9am." in card.clean_text and "rest of the story" not in card.clean_text
    for name in ("feed.xml", "atom.xml"):
        raw = (site / "output" / name).read_text(encoding="utf-8")
        assert "&lt;!-- more" not in raw and "<!-- more" not in raw, name
        entry = feed(site, name).entries[0]
        assert "rest of the story" not in entry.summary and "rest of the story" in entry.content[0].value


# --------------------------------------------------------------------------- heading ids

def ids(doc) -> list[str]:
    return [n.attrs["id"] for n in doc.iter() if n.attrs.get("id")]


def test_a_heading_never_takes_an_id_the_theme_uses(make_site, run):
    body = ("[TOC]\n\n## Top\n\nFirst.\n\n## Main content\n\nSecond.\n\n## Related title {#related-title}\n\n"
            "Third, [back to the heading](#top).\n")
    site = make_site({"content/ids.md": article("Ids", "2022-02-28", body, tags="[Town]"),
                      "content/other.md": article("Other", "2022-02-27", "Other.", tags="[Town]")})
    build(run, site)
    doc = page(site, "/2022/02/28/ids/")
    found = ids(doc)
    assert [i for i, n in Counter(found).items() if n > 1] == []  # every id once on the page
    assert doc.find("body").attrs["id"] == "top" and doc.find("main").attrs["id"] == "main-content"
    assert doc.find("section", "related").find("h2").attrs["id"] == "related-title"  # the theme's own
    body_node = doc.find("div", "story__body")
    headings = {h.clean_text: h.attrs["id"] for h in body_node.find_all("h2")}
    assert headings == {"Top": "top_1", "Main content": "main-content_1", "Related title": "related-title_1"}
    toc = {a.clean_text: a.attrs["href"] for a in body_node.find("div", "toc").find_all("a")}
    assert toc == {"Top": "#top_1", "Main content": "#main-content_1", "Related title": "#related-title_1"}
    assert body_node.find("a", href="#top_1").clean_text in ("Top", "back to the heading")
    assert doc.find("a", "skip-link").attrs["href"] == "#main-content"


def test_every_id_the_default_theme_writes_is_reserved():
    templates = (REPO / "themes/default/templates").glob("*.html")
    written = {m.group(1) for t in templates for m in re.finditer(r'\bid="([^"{]+)"', t.read_text(encoding="utf-8"))}
    assert written and written <= THEME_IDS, written - THEME_IDS


# --------------------------------------------------------------------------- published, image_alt

def test_published_true_or_false_is_the_draft_flag_and_a_date_is_the_date(make_site, run):
    site = make_site({
        # Jekyll: the date in the file name, `published` the flag.
        "content/2022-02-25-shown.md": "---\ntitle: Shown\npublished: true\n---\nShown.\n",
        "content/2022-02-26-hidden.md": "---\ntitle: Hidden\npublished: false\n---\nHidden.\n",
        # Hugo: `published` the date.
        "content/dated.md": "---\ntitle: Dated\npublished: 2022-02-27 10:30\n---\nDated.\n",
    })
    result = build(run, site)
    assert output_file(site, "/2022/02/25/shown/").is_file()
    assert not output_file(site, "/2022/02/26/hidden/").exists()
    assert output_file(site, "/2022/02/27/dated/").is_file()
    assert [e.title for e in feed(site).entries] == ["Dated", "Shown"]
    assert result.err == ""
    build(run, site, "--drafts")
    assert page(site, "/2022/02/26/hidden/").find("h1", "story__headline").clean_text == "Hidden"


def test_published_quoted_is_an_error_at_its_line(make_site, run):
    site = make_site({"content/2022-02-25-a.md": article("A", "2022-02-25", "A.")})
    build(run, site)
    before = snapshot(site / "output")
    (site / "content/2022-02-26-b.md").write_text('---\ntitle: B\npublished: "false"\n---\nB.\n', encoding="utf-8")
    result = run("build", "--site", ".", cwd=site)
    assert_failed(result, site, before)
    error_at(result, "content/2022-02-26-b.md:3", "`published`", "true or false", "without quotes")


def test_an_image_without_image_alt_is_an_error_at_its_line(make_site, run):
    svg = "<svg xmlns='http://www.w3.org/2000/svg' viewBox='0 0 4 4' width='4' height='4'/>"
    site = make_site({"content/2022-02-25-a.md": article("A", "2022-02-25", "A."), "content/map.svg": svg})
    build(run, site)
    before = snapshot(site / "output")
    (site / "content/2022-02-26-b.md").write_text("---\ntitle: B\ntags: [Town]\nimage: map.svg\n---\nB.\n",
                                                  encoding="utf-8")
    result = run("build", "--site", ".", cwd=site)
    assert_failed(result, site, before)
    line = error_at(result, "content/2022-02-26-b.md:4", "`image_alt`", 'image_alt: ""', "decoration")
    assert "image_alt: " in line


def test_an_empty_image_alt_marks_the_image_decorative(make_site, run):
    svg = "<svg xmlns='http://www.w3.org/2000/svg' viewBox='0 0 4 4' width='4' height='4'/>"
    site = make_site({
        "content/2022-02-26-b.md": '---\ntitle: B\nimage: map.svg\nimage_alt: ""\n---\nB.\n',
        "content/2022-02-27-c.md": "---\ntitle: C\nimage: {path: map.svg, alt: A map of the town}\n---\nC.\n",
        "content/map.svg": svg,
    })
    build(run, site)
    img = page(site, "/2022/02/26/b/").find("figure", "story__figure").find("img")
    assert img.attrs["alt"] == "" and img.attrs["src"] == "/map.svg"
    raw = output_file(site, "/2022/02/26/b/").read_text(encoding="utf-8")
    assert re.search(r'<img src="/map\.svg" alt=""', raw)  # written out, not left off
    assert page(site, "/2022/02/27/c/").find("figure", "story__figure").find("img").attrs["alt"] == "A map of the town"

