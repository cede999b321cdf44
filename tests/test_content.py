"""Content as a reader of the built site sees it: front matter, dates, Markdown,
summaries, links, drafts, tags, pages, pagination, themes, `new` and the CLI."""

from __future__ import annotations

import subprocess
import sys
from dataclasses import dataclass, field
from datetime import datetime
from html.parser import HTMLParser
from pathlib import Path
from zoneinfo import ZoneInfo

import feedparser
import markdown
import pytest
import yaml
from markdown.extensions import Extension
from markdown.inlinepatterns import SimpleTagInlineProcessor

from conftest import MINIMAL_CONFIG, article, snapshot, tiny_image
from generator.read.markup import MarkdownRenderer

# --------------------------------------------------------------------------- helpers

_VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}


@dataclass(eq=False)
class Node:
    tag: str
    attrs: dict[str, str | None]
    parent: "Node | None" = None
    children: list["Node | str"] = field(default_factory=list)

    @property
    def text(self) -> str:
        parts: list[str] = []
        for child in self.children:
            parts.append(child if isinstance(child, str) else child.text)
        return "".join(parts)

    @property
    def clean_text(self) -> str:
        return " ".join(self.text.split())

    @property
    def classes(self) -> list[str]:
        return (self.attrs.get("class") or "").split()

    def iter(self):
        for child in self.children:
            if isinstance(child, Node):
                yield child
                yield from child.iter()

    def find_all(self, tag: str | None = None, cls: str | None = None, **attrs: str) -> list["Node"]:
        return [
            n for n in self.iter()
            if (tag is None or n.tag == tag)
            and (cls is None or cls in n.classes)
            and all(n.attrs.get(k) == v for k, v in attrs.items())
        ]

    def find(self, tag: str | None = None, cls: str | None = None, **attrs: str) -> "Node":
        found = self.find_all(tag, cls, **attrs)
        assert found, f"no <{tag or '*'}> with class={cls!r} {attrs} in the page"
        return found[0]


class _TreeBuilder(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.root = Node("#document", {})
        self.current = self.root

    def handle_starttag(self, tag, attrs):
        node = Node(tag, dict(attrs), self.current)
        self.current.children.append(node)
        if tag not in _VOID:
            self.current = node

    def handle_startendtag(self, tag, attrs):
        self.current.children.append(Node(tag, dict(attrs), self.current))

    def handle_endtag(self, tag):
        node = self.current
        while node is not self.root and node.tag != tag:
            node = node.parent
        if node is not self.root:
            self.current = node.parent

    def handle_data(self, data):
        self.current.children.append(data)


def parse_html(text: str) -> Node:
    builder = _TreeBuilder()
    builder.feed(text)
    builder.close()
    return builder.root


def output_file(site: Path, url: str) -> Path:
    """The file in output/ that serves a root-relative URL."""
    relative = url.lstrip("/")
    if relative == "" or relative.endswith("/"):
        relative += "index.html"
    return site / "output" / relative


def page(site: Path, url: str) -> Node:
    path = output_file(site, url)
    assert path.is_file(), f"{url} was not built ({path} is missing)"
    return parse_html(path.read_text(encoding="utf-8"))


def build(run, site: Path, *flags: str, cwd: Path | None = None):
    result = run("build", "--site", site, *flags, cwd=cwd)
    assert result.status == 0, result.err
    return result


def listed_titles(doc: Node) -> list[str]:
    """Headlines of the stories listed on a front or tag page, in order shown."""
    return [n.find("a").clean_text for n in doc.iter()
            if n.tag in ("h2", "h3") and any(c in ("lead__headline", "card__headline") for c in n.classes)]


def story(doc: Node, title: str) -> Node:
    """The lead or card <article> on a list page whose headline is title."""
    for node in doc.find_all("article"):
        if ("lead" in node.classes or "card" in node.classes) and any(
                a.clean_text == title for h in node.find_all() if any(c.endswith("__headline") for c in h.classes)
                for a in h.find_all("a")):
            return node
    raise AssertionError(f"no story headlined {title!r} on the page")


def published(doc: Node) -> str:
    return doc.find("span", "story__published").find("time").attrs["datetime"]


def feed(site: Path, name: str = "feed.xml"):
    path = site / "output" / name
    assert path.is_file(), f"{name} was not built"
    parsed = feedparser.parse(path.read_bytes())
    assert not parsed.bozo, parsed.get("bozo_exception")
    return parsed


def feed_titles(site: Path, name: str = "feed.xml") -> list[str]:
    return [e.title for e in feed(site, name).entries]


def sitemap_urls(site: Path) -> list[str]:
    import xml.etree.ElementTree as ET
    root = ET.parse(site / "output" / "sitemap.xml").getroot()
    return [loc.text for loc in root.iter("{http://www.sitemaps.org/schemas/sitemap/0.9}loc")]


def config(**extra: str) -> str:
    return MINIMAL_CONFIG + "".join(f"{k}: {v}\n" for k, v in extra.items())


# --------------------------------------------------------------------------- 1. front matter


def test_bom_and_crlf_line_endings_build(make_site, run):
    text = ("---\r\ntitle: Bridge reopens after repairs\r\ndate: 2022-02-28\r\ntags: [Transport]\r\n"
            "summary: Traffic flows again.\r\n---\r\nThe bridge is **open** again.\r\n\r\nSecond paragraph.\r\n")
    site = make_site({"content/bridge.md": b"\xef\xbb\xbf" + text.encode("utf-8")})
    build(run, site)
    doc = page(site, "/2022/02/28/bridge/")
    assert doc.find("h1", "story__headline").clean_text == "Bridge reopens after repairs"
    body = doc.find("div", "story__body")
    assert body.find("strong").text == "open"
    assert [p.clean_text for p in body.find_all("p")] == ["The bridge is open again.", "Second paragraph."]
    assert doc.find("div", "standfirst").clean_text == "Traffic flows again."
    assert [a.clean_text for a in doc.find("ul", "tag-list").find_all("a")] == ["Transport"]
    assert "\r" not in output_file(site, "/2022/02/28/bridge/").read_text(encoding="utf-8")
    assert page(site, "/tags/transport/").find("h1").clean_text.startswith("Tagged: Transport")


def test_tags_as_list_and_as_comma_separated_string_are_the_same(make_site, run):
    site = make_site({
        "content/one.md": article("Listed tags", "2022-02-27", tags="[Ukraine, Russia Sanctions]"),
        "content/two.md": article("String tags", "2022-02-28", tags="Ukraine, Russia Sanctions"),
    })
    build(run, site)
    tag_dirs = sorted(p.name for p in (site / "output" / "tags").iterdir() if p.is_dir())
    assert tag_dirs == ["russia-sanctions", "ukraine"]
    for slug in tag_dirs:
        assert listed_titles(page(site, f"/tags/{slug}/")) == ["String tags", "Listed tags"]
    links = []
    for url in ("/2022/02/27/one/", "/2022/02/28/two/"):
        links.append([(a.attrs["href"], a.clean_text)
                      for a in page(site, url).find("ul", "tag-list").find_all("a")])
    assert links[0] == links[1] == [("/tags/ukraine/", "Ukraine"), ("/tags/russia-sanctions/", "Russia Sanctions")]


def test_jekyll_and_hugo_field_names(make_site, run):
    site = make_site({
        "content/a.md": article("Described", "2022-02-20", description="The description as summary.",
                                categories="[World]", lastmod="2022-03-01 09:15",
                                authors="[Anna Lee, Bohdan Kit]"),
        "content/b.md": article("Excerpted", "2022-02-21", excerpt="The excerpt as summary."),
    })
    build(run, site)
    a = page(site, "/2022/02/20/a/")
    assert a.find("div", "standfirst").clean_text == "The description as summary."
    assert a.find("header", "story__header").find("span", "kicker__category").clean_text == "World"
    assert a.find("meta", property="article:section").attrs["content"] == "World"
    updated = a.find("span", "story__updated").find("time")
    assert updated.attrs["datetime"] == "2022-03-01T09:15:00+00:00"
    assert updated.clean_text == "1 March 2022"
    assert a.find("p", "story__byline").clean_text == "By Anna Lee and Bohdan Kit"
    assert [m.attrs["content"] for m in a.find_all("meta", property="article:author")] == ["Anna Lee", "Bohdan Kit"]

    b = page(site, "/2022/02/21/b/")
    assert b.find("div", "standfirst").clean_text == "The excerpt as summary."
    assert b.find("p", "story__byline").clean_text == "By Test Desk"  # config author
    assert not b.find_all("span", "story__updated")

    atom = {e.title: e for e in feed(site, "atom.xml").entries}
    assert [x.name for x in atom["Described"].authors] == ["Anna Lee", "Bohdan Kit"]
    assert atom["Excerpted"].author == "Test Desk"


# --------------------------------------------------------------------------- 2. dates


@pytest.mark.parametrize(("written", "url_date", "datetime_attr", "shown"), [
    ("2022-02-28", "2022/02/28", "2022-02-28T00:00:00+02:00", "28 February 2022"),
    ("2022-02-28 14:30", "2022/02/28", "2022-02-28T14:30:00+02:00", "28 February 2022"),
    ("2022-07-01 14:30", "2022/07/01", "2022-07-01T14:30:00+03:00", "1 July 2022"),  # summer time
    ("2013-05-06 02:12:52 +0200", "2013/05/06", "2013-05-06T02:12:52+02:00", "6 May 2013"),
    ("2015-12-08 10:00:00 -5", "2015/12/08", "2015-12-08T10:00:00-05:00", "8 December 2015"),
    ("2022-02-28T14:30:00Z", "2022/02/28", "2022-02-28T14:30:00+00:00", "28 February 2022"),
    ('"2022-02-28T14:30:00+05:30"', "2022/02/28", "2022-02-28T14:30:00+05:30", "28 February 2022"),
])
def test_date_formats(make_site, run, written, url_date, datetime_attr, shown):
    site = make_site({"content/dated.md": article("Dated story", written)},
                     config=config().replace("timezone: UTC", "timezone: Europe/Kyiv"))
    build(run, site)
    doc = page(site, f"/{url_date}/dated/")
    time = doc.find("span", "story__published").find("time")
    assert time.attrs["datetime"] == datetime_attr
    assert time.clean_text == shown
    assert doc.find("meta", property="article:published_time").attrs["content"] == datetime_attr
    entry = feed(site).entries[0]
    assert datetime(*entry.published_parsed[:6], tzinfo=ZoneInfo("UTC")) == datetime.fromisoformat(datetime_attr)


def test_jekyll_file_name_gives_date_and_slug(make_site, run):
    site = make_site({"content/2022-02-28-my-slug.md": "---\ntitle: From the file name\n---\nText.\n"},
                     config=config().replace("timezone: UTC", "timezone: Europe/Kyiv"))
    build(run, site)
    doc = page(site, "/2022/02/28/my-slug/")
    assert doc.find("h1", "story__headline").clean_text == "From the file name"
    assert published(doc) == "2022-02-28T00:00:00+02:00"
    assert page(site, "/").find("h2", "lead__headline").find("a").attrs["href"] == "/2022/02/28/my-slug/"
    assert not (site / "output" / "2022" / "02" / "28" / "2022-02-28-my-slug").exists()


def test_date_field_wins_over_the_file_name_date(make_site, run):
    site = make_site({"content/2022-02-28-my-slug.md": article("Dated twice", "2022-03-05")})
    build(run, site)
    assert published(page(site, "/2022/03/05/my-slug/")) == "2022-03-05T00:00:00+00:00"
    assert not output_file(site, "/2022/02/28/my-slug/").exists()


def test_slug_in_front_matter_wins(make_site, run):
    site = make_site({"content/2022-02-28-my-slug.md": "---\ntitle: Renamed\nslug: Better Slug\n---\nText.\n"})
    build(run, site)
    assert page(site, "/2022/02/28/better-slug/").find("h1", "story__headline").clean_text == "Renamed"
    assert not output_file(site, "/2022/02/28/my-slug/").exists()


def test_custom_permalink_pattern(make_site, run):
    site = make_site({"content/2022-02-28-my-slug.md": article("Short URL", "2022-02-28 10:00")},
                     config=config(permalink="/{year}/{slug}/"))
    build(run, site)
    assert page(site, "/2022/my-slug/").find("h1", "story__headline").clean_text == "Short URL"
    # The date archives keep their /{year}/{month}/{day}/ shape whatever the permalink.
    assert not (site / "output" / "2022" / "02" / "28" / "my-slug").exists()
    assert "Short URL" in [a.clean_text for a in page(site, "/2022/02/28/").find_all("a") if a.attrs.get("href") == "/2022/my-slug/"]
    assert page(site, "/").find("h2", "lead__headline").find("a").attrs["href"] == "/2022/my-slug/"
    assert feed(site).entries[0].link == "https://example.org/2022/my-slug/"
    assert "https://example.org/2022/my-slug/" in sitemap_urls(site)


# --------------------------------------------------------------------------- 3. Markdown

MARKDOWN_BODY = """\
Intro paragraph with a claim.[^1]

## Background facts

| Party | Seats |
| ----- | ----: |
| Red   | 12    |
| Blue  | 9     |

He said "no comment" and didn't return.

```python
print("hi < there")
```

[^1]: The source of the claim.
"""


def test_markdown_extensions(make_site, run):
    site = make_site({"content/md.md": article("Markdown", body=MARKDOWN_BODY)})
    build(run, site)
    body = page(site, "/2022/02/28/md/").find("div", "story__body")

    table = body.find("table")
    assert [th.clean_text for th in table.find_all("th")] == ["Party", "Seats"]
    assert [[td.clean_text for td in tr.find_all("td")] for tr in table.find("tbody").find_all("tr")] == [
        ["Red", "12"], ["Blue", "9"]]

    heading = body.find("h2")
    assert heading.clean_text == "Background facts"
    assert heading.attrs.get("id") == "background-facts"

    ref = body.find("sup").find("a")
    note = body.find("div", "footnote")
    target = ref.attrs["href"]
    assert target.startswith("#")
    items = note.find_all("li")
    assert len(items) == 1 and items[0].attrs.get("id") == target[1:]
    assert "The source of the claim." in items[0].clean_text

    quoted = [p.text for p in body.find_all("p") if "comment" in p.text][0]
    assert "\u201cno comment\u201d" in quoted
    assert "didn\u2019t" in quoted

    pre = body.find("pre")
    code = pre.find("code")
    assert code.parent is pre
    assert "language-python" in code.classes
    assert code.text == 'print("hi < there")\n'  # no smart quotes inside code


# Markdown of every kind, and text that only looks like it: the renderer passes over inline
# patterns and block tests that cannot match (generator/read/markdown_shortcuts.py), which must change nothing.
TRICKY_MARKDOWN = [
    "Plain words only, nothing to do.",
    "*em* **strong** ***both*** _em_ __strong__ snake_case_name 2*3*4 * lone star",
    "`code` ``co`de`` ` lone backtick \\`not code\\` \\*not em\\* \\\\ \\q",
    "[link](a.md) [t](<b c> 'title') ![img](p.png \"t\") [ref] [x][ref] ![ref] [un][known] [nested [b] c](d)",
    "[ref]: /url \"Title\"\n\nThen [ref] and ![ref][] and [ref][] and ![ref].",
    "<http://example.com/a> <me@example.com> <span class=\"x\">raw *em*</span> <!-- c --> a < b > c",
    "&amp; &copy; &#39; &#x41; & AT&T; x;y",
    "line one  \nline two\nline three",
    "A note[^1] and another.[^n]\n\n[^1]: The *first* note.\n[^n]: With `code`.",
    "*[HTML]: Hyper Text Markup Language\n\nHTML and more HTML.",
    "Head {: #id .cls }\n=====\n\n| a | *b* |\n|---|---|\n| [c](d.md) | `e` |",
    "Term\n: Definition with **strong** and a [link](x.md).",
    "<div markdown=\"1\">\n*inside* [l](m.md)\n</div>",
    "> quoted *em* and `code`\n>\n> - item [l](x)\n> - 1. two",
    "# Heading with *em* and `code` &amp; [link](x.md)\n\n## Another_heading_with_underscores",
    "\x02klzzwxh:0001\x03 \x02 \x03 stray placeholders",
    "[[Wiki Link]] and ~~not strike~~ and ~tilde~",
    "Setext one\n==========\n\nSetext two\n---\n\n- - -\n\n***\n\n___\n\ntext\n--- not a rule",
    "A #hashtag, a | pipe, a note: here, a [^ghost] and x]: y\nsecond | line\n> not quoted\n: nor defined",
    "| single |\n|---|\n| column |\n\nno | table\nhere",
    "[TOC]\n\n# One\n\n## Two &amp; *three*\n\nText [TOC] inside.",
    "    indented code with # and | and > inside\n\n1. one\n2. two\n\n* a\n* b",
    # attr_list is passed over in a text with no "{", toc's marker search in one with no "[TOC]":
    "Escaped \\{: .no} and `{: .code}` and &#123;: .entity}\n\n# Head \\{: #no}\n\nPara\n{: .yes}",
    "\\[TOC]\n\n&#91;TOC]\n\n[TO\x02C]\n\n# Heading\n\n*[TOC]*\n\n[TOC]",
    "No braces and no marker here.\n\n# A heading\n\n## Another",
]


@pytest.mark.parametrize("extensions", [
    (), ("extra", "toc", "sane_lists"),
    ("extra", "toc", "sane_lists", "admonition", "nl2br", "smarty", "wikilinks"),
    ("footnotes", "abbr", "attr_list", "def_list", "md_in_html", "tables", "fenced_code"),
], ids=["none", "default", "many", "split"])
def test_rendering_is_python_markdowns(extensions):
    renderer = MarkdownRenderer(extensions, {}, smart_quotes=False)
    for text in TRICKY_MARKDOWN:
        expected = markdown.Markdown(extensions=list(extensions), output_format="html").convert(text)
        # One addition of ours: a code block can take the keyboard's focus, to be scrolled.
        expected = expected.replace("<pre>", '<pre tabindex="0">')
        assert renderer.render(text, None).html == expected, text


def test_inline_patterns_an_extension_changed_are_still_tried():
    class Changes(Extension):
        def extendMarkdown(self, md):  # noqa: N802
            # A known name with another pattern behind it, and a delimiter of its own.
            md.inlinePatterns.register(SimpleTagInlineProcessor(r"()\+\+(.*?)\+\+", "ins"), "escape", 180)
            md.delimiters.add("~", "del")

    text = "a ++b++ ~c~ \\*d\\* *e*"
    html = MarkdownRenderer((Changes(),), {}, smart_quotes=False).render(text, None).html
    assert html == "<p>a <ins>b</ins> <del>c</del> \\<em>d\\</em> <em>e</em></p>"
    assert html == markdown.Markdown(extensions=[Changes()], output_format="html").convert(text)


# --------------------------------------------------------------------------- 4. summaries


def test_summary_rules_on_front_page_and_feed(make_site, run):
    site = make_site({
        "content/given.md": article("Given summary", "2022-02-28",
                                    summary="Written by the editor.", body="First paragraph of given."),
        "content/more.md": article("More marker", "2022-02-27",
                                   body="Part one.\n\nPart *two*.\n\n<!-- more -->\n\nAfter the fold."),
        "content/first.md": article("First paragraph", "2022-02-26",
                                    body="Opening **words**.\n\nSecond paragraph."),
    }, config=config().replace("per_page: 2", "per_page: 10"))
    build(run, site)
    front = page(site, "/")
    expected = {
        "Given summary": "Written by the editor.",
        "More marker": "Part one. Part two.",
        "First paragraph": "Opening words.",
    }
    for title, text in expected.items():
        card = story(front, title)
        summary = next(d for d in card.find_all("div") if any(c.endswith("__summary") for c in d.classes))
        assert summary.clean_text == text, title
    assert story(front, "More marker").find("em").text == "two"

    entries = {e.title: e for e in feed(site).entries}
    for title, text in expected.items():
        assert " ".join(parse_html(entries[title].summary).text.split()) == text, title
    # the full text is still in the article and in content:encoded
    assert "After the fold." in entries["More marker"].content[0].value
    assert "Second paragraph." in page(site, "/2022/02/26/first/").find("div", "story__body").text


# --------------------------------------------------------------------------- 5. relative links

LINKING_BODY = """\
Read [see](other.md) and [s](../pages/about.md) and [part](other.md#part).

![x](pic.png)

Outside [ext](https://example.com/x.md), [top](#top) and [root](/feed.xml).
"""


def linking_site(make_site, **config_fields: str) -> Path:
    return make_site({
        "content/stories/linking.md": article("Linking", "2022-02-28", body=LINKING_BODY),
        "content/stories/other.md": article("Other", "2022-02-27", body="## Part\n\nText."),
        "content/stories/pic.png": tiny_image(),
        "content/pages/about.md": "---\ntitle: About us\n---\nWho we are.\n",
    }, config=config(**config_fields))


def body_links(site: Path, url: str) -> dict[str, str]:
    body = page(site, url).find("div", "story__body")
    links = {a.clean_text: a.attrs["href"] for a in body.find_all("a")}
    links.update({img.attrs["alt"]: img.attrs["src"] for img in body.find_all("img")})
    return links


def test_relative_links_are_rewritten_to_urls(make_site, run):
    site = linking_site(make_site)
    build(run, site)
    links = body_links(site, "/2022/02/28/linking/")
    assert links == {
        "see": "/2022/02/27/other/",
        "s": "/about/",
        "part": "/2022/02/27/other/#part",
        "x": "/stories/pic.png",
        "ext": "https://example.com/x.md",
        "top": "#top",
        "root": "/feed.xml",
    }
    assert (site / "output" / "stories" / "pic.png").read_bytes() == tiny_image()
    assert output_file(site, "/2022/02/27/other/").is_file()
    assert output_file(site, "/about/").is_file()
    # in the feed the same links are absolute
    content = {e.title: e for e in feed(site).entries}["Linking"].content[0].value
    hrefs = {a.clean_text: a.attrs["href"] for a in parse_html(content).find_all("a")}
    assert hrefs["see"] == "https://example.org/2022/02/27/other/"


def test_relative_links_in_raw_html_are_rewritten_too(make_site, run):
    body = 'Text.\n\n<p><a href="other.md">raw link</a> <img src="pic.png" alt="raw image"></p>\n\n    <a href="code.md">\n'
    site = make_site({
        "content/linking.md": article("Linking", "2022-02-28", body),
        "content/other.md": article("Other", "2022-02-27"),
        "content/pic.png": tiny_image(),
    })
    build(run, site)
    doc = page(site, "/2022/02/28/linking/")
    assert doc.find("a", href="/2022/02/27/other/").clean_text == "raw link"
    assert doc.find("img", alt="raw image").attrs["src"] == "/pic.png"
    assert '&lt;a href="code.md"&gt;' in output_file(site, "/2022/02/28/linking/").read_text()  # code stays code


def test_a_relative_link_written_where_a_quick_look_misses_it_is_rewritten_too(make_site, run):
    """A body whose links all look absolute is rendered while its front matter is read, before
    any other file's URL is known; one that asks where a link leads after all (here, a reference
    definition with its URL on the next line) is rendered again once they are known."""
    body = "See [the other story][o] and [the web](https://example.com/).\n\n[o]:\n    other.md\n"
    site = make_site({
        "content/linking.md": article("Linking", "2022-02-28", body),
        "content/other.md": article("Other", "2022-02-27"),
    })
    build(run, site)
    links = body_links(site, "/2022/02/28/linking/")
    assert links == {"the other story": "/2022/02/27/other/", "the web": "https://example.com/"}


def test_relative_links_under_a_base_url_path(make_site, run):
    site = linking_site(make_site)
    build(run, site, "--base-url", "https://example.org/news/")
    links = body_links(site, "/2022/02/28/linking/")
    assert links["see"] == "/news/2022/02/27/other/"
    assert links["s"] == "/news/about/"
    assert links["part"] == "/news/2022/02/27/other/#part"
    assert links["x"] == "/news/stories/pic.png"
    assert links["ext"] == "https://example.com/x.md"
    assert links["top"] == "#top"
    # the files stay where they are in output/: /news/ is where output/ is served
    assert (site / "output" / "stories" / "pic.png").is_file()
    assert page(site, "/").find("h2", "lead__headline").find("a").attrs["href"] == "/news/2022/02/28/linking/"


def test_link_to_a_draft_is_an_error_naming_it(make_site, run):
    body = "Intro.\n\nSee [the draft](unfinished.md) for more.\n"
    site = make_site({
        "content/linker.md": article("Linker", "2022-02-28", body=body),
        "content/unfinished.md": article("Unfinished", "2022-02-27", draft="true"),
    })
    result = run("build", "--site", site)
    assert result.status == 1
    line = next(l for l in result.err.splitlines() if "error:" in l)
    # the link is on line 7 of linker.md (4 lines of front matter, then 2 of body)
    location, message = line.split(": error: ", 1)
    assert location.endswith("linker.md:7") or "linker.md:7:" in location
    assert "unfinished.md" in message
    assert "draft" in message  # says why the target is not there, not only that it is missing
    assert not (site / "output" / "index.html").exists()
    # built with the drafts, the link works
    build(run, site, "--drafts")
    assert body_links(site, "/2022/02/28/linker/")["the draft"] == "/2022/02/27/unfinished/"


def test_link_to_a_missing_file_is_an_error(make_site, run):
    site = make_site({"content/linker.md": article("Linker", body="See [gone](nowhere.md).")})
    result = run("build", "--site", site)
    assert result.status == 1
    assert "linker.md:5:" in result.err and "nowhere.md" in result.err


# --------------------------------------------------------------------------- 6. drafts and future


def draft_site(make_site) -> Path:
    return make_site({
        "content/live.md": article("Live story", "2022-02-28", tags="Politics"),
        "content/draft.md": article("Draft story", "2022-02-27", tags="Politics", draft="true"),
        "content/future.md": article("Future story", "2099-01-01", tags="Politics"),
    }, config=config().replace("per_page: 2", "per_page: 10"))


@pytest.mark.parametrize("flags", [(), ("--drafts",), ("--future",), ("--drafts", "--future")])
def test_drafts_and_future_articles_need_their_flags(make_site, run, flags):
    site = draft_site(make_site)
    build(run, site, *flags)
    expected = ["Live story"]
    if "--drafts" in flags:
        expected.append("Draft story")
    if "--future" in flags:
        expected.insert(0, "Future story")
    assert listed_titles(page(site, "/")) == expected
    assert listed_titles(page(site, "/tags/politics/")) == expected
    assert feed_titles(site) == expected
    assert feed_titles(site, "atom.xml") == expected
    assert feed_titles(site, "tags/politics/feed.xml") == expected
    urls = sitemap_urls(site)
    for title, url in (("Draft story", "/2022/02/27/draft/"), ("Future story", "/2099/01/01/future/")):
        shown = title in expected
        assert output_file(site, url).exists() is shown
        assert (f"https://example.org{url}" in urls) is shown
    tags = page(site, "/tags/")
    assert tags.find("span", "tag-index__count").clean_text == f"{len(expected)} article" + (
        "s" if len(expected) > 1 else "")


def test_draft_false_and_published_false(make_site, run):
    site = make_site({
        "content/shown.md": article("Shown", "2022-02-28", draft="false"),
        "content/unpublished.md": article("Unpublished", "2022-02-27", published="false"),
    })
    build(run, site)
    assert listed_titles(page(site, "/")) == ["Shown"]


def test_drafts_flag_marks_drafts(make_site, run):
    site = draft_site(make_site)
    build(run, site, "--drafts", "--future")
    assert page(site, "/2022/02/27/draft/").find_all("p", "banner--draft")
    assert page(site, "/2099/01/01/future/").find_all("p", "banner--scheduled")
    assert not page(site, "/2022/02/28/live/").find_all("p", "banner")


# --------------------------------------------------------------------------- 7. tags


def test_tags_match_case_insensitively(make_site, run):
    site = make_site({
        "content/a.md": article("Summit opens", "2022-02-27", tags="[NATO]"),
        "content/b.md": article("Summit closes", "2022-02-28", tags="[nato, Summit]"),
        "content/c.md": article("Nato again", "2022-02-26", tags="[NATO]"),
    }, config=config().replace("per_page: 2", "per_page: 10"))
    build(run, site)
    tag_dirs = sorted(p.name for p in (site / "output" / "tags").iterdir() if p.is_dir())
    assert tag_dirs == ["nato", "summit"]
    nato = page(site, "/tags/nato/")
    assert listed_titles(nato) == ["Summit closes", "Summit opens", "Nato again"]
    assert nato.find("h1").clean_text == "Tagged: NATO"  # the spelling most used
    index = page(site, "/tags/")
    items = [(i.find("a", "tag-index__name").clean_text, i.find("span", "tag-index__count").clean_text)
             for i in index.find_all("li", "tag-index__item")]
    assert items == [("NATO", "3 articles"), ("Summit", "1 article")]
    assert feed_titles(site, "tags/nato/feed.xml") == ["Summit closes", "Summit opens", "Nato again"]
    for url in ("/2022/02/27/a/", "/2022/02/28/b/"):
        hrefs = [a.attrs["href"] for a in page(site, url).find("ul", "tag-list").find_all("a")]
        assert "/tags/nato/" in hrefs


def test_tags_in_other_scripts_keep_their_letters(make_site, run):
    site = make_site({"content/a.md": article("Kyiv", tags="[Україна, Café Society]")})
    build(run, site)
    assert (site / "output" / "tags" / "україна" / "index.html").is_file()
    hrefs = [a.attrs["href"] for a in page(site, "/2022/02/28/a/").find("ul", "tag-list").find_all("a")]
    assert hrefs == ["/tags/%D1%83%D0%BA%D1%80%D0%B0%D1%97%D0%BD%D0%B0/", "/tags/cafe-society/"]
    assert page(site, "/tags/україна/").find("h1").clean_text == "Tagged: Україна"


def test_same_tag_twice_in_one_article_counts_once(make_site, run):
    site = make_site({"content/a.md": article("Twice", tags="[NATO, nato]")})
    build(run, site)
    assert listed_titles(page(site, "/tags/nato/")) == ["Twice"]
    assert [a.attrs["href"] for a in page(site, "/2022/02/28/a/").find("ul", "tag-list").find_all("a")] == [
        "/tags/nato/"]


# --------------------------------------------------------------------------- 8. pages


def test_pages_are_standalone(make_site, run):
    site = make_site({
        "content/pages/about.md": "---\ntitle: About us\n---\nWe report the **news**.\n",
        "content/story.md": article("A story", tags="Local"),
    })
    build(run, site)
    about = page(site, "/about/")
    assert about.find("h1").clean_text == "About us"
    assert about.find("title").clean_text == "About us — Test Gazette"
    assert about.find("div", "prose").find("strong").text == "news"

    front = page(site, "/")
    assert listed_titles(front) == ["A story"]
    main = front.find("main")
    assert not [a for a in main.find_all("a") if a.attrs.get("href") == "/about/"]
    nav = [(a.clean_text, a.attrs["href"]) for a in front.find("nav", "site-nav").find_all("a")]
    assert ("About us", "/about/") in nav

    assert feed_titles(site) == ["A story"]
    assert feed_titles(site, "atom.xml") == ["A story"]
    assert listed_titles(page(site, "/tags/local/")) == ["A story"]
    assert not output_file(site, "/pages/about/").exists()
    assert "https://example.org/about/" in sitemap_urls(site)


def test_nav_orders_pages_by_weight(make_site, run):
    site = make_site({
        "content/pages/about.md": "---\ntitle: About\nweight: 2\n---\nA.\n",
        "content/pages/contact.md": "---\ntitle: Contact\nweight: 1\n---\nC.\n",
        "content/story.md": article(),
    })
    build(run, site)
    nav = [a.clean_text for a in page(site, "/2022/02/28/story/").find("nav", "site-nav").find_all("a")]
    assert nav.index("Contact") < nav.index("About")


# --------------------------------------------------------------------------- 9. pagination


def test_front_page_pagination(make_site, run):
    site = make_site({f"content/s{n}.md": article(f"Story {n}", f"2022-02-0{n}") for n in range(1, 6)})
    build(run, site)
    assert listed_titles(page(site, "/")) == ["Story 5", "Story 4"]
    assert listed_titles(page(site, "/page/2/")) == ["Story 3", "Story 2"]
    assert listed_titles(page(site, "/page/3/")) == ["Story 1"]
    assert not output_file(site, "/page/4/").exists()
    assert not output_file(site, "/page/1/").exists()
    second = page(site, "/page/2/")
    nav = second.find("nav", "pagination")
    assert nav.find("a", rel="prev").attrs["href"] == "/"
    assert nav.find("a", rel="next").attrs["href"] == "/page/3/"
    assert not page(site, "/page/3/").find("nav", "pagination").find_all("a", rel="next")


def test_tag_pagination(make_site, run):
    site = make_site({f"content/s{n}.md": article(f"Story {n}", f"2022-02-0{n}", tags="Council")
                      for n in range(1, 4)})
    build(run, site)
    assert listed_titles(page(site, "/tags/council/")) == ["Story 3", "Story 2"]
    assert listed_titles(page(site, "/tags/council/page/2/")) == ["Story 1"]


# --------------------------------------------------------------------------- 10. theme inheritance

CHILD_404_EXTENDS = """\
{% extends "default:404.html" %}
{% block content %}<p class="marker">Child theme was here</p>{% endblock %}
"""

CHILD_404_FULL = """\
<!DOCTYPE html>
<html lang="{{ site.language }}"><head><meta charset="utf-8"><title>Lost</title></head>
<body><p class="marker">Child theme was here</p><a href="{{ site.root }}">Home</a></body></html>
"""


@pytest.mark.parametrize("template", [CHILD_404_EXTENDS, CHILD_404_FULL], ids=["extends", "full"])
def test_child_theme_overrides_one_template(make_site, run, template):
    site = make_site({
        "themes/child/theme.yaml": "parent: default\n",
        "themes/child/templates/404.html": template,
        "content/story.md": article("Inherited look"),
    }, config=config(theme="child"))
    build(run, site)
    not_found = page(site, "/404.html")
    assert not_found.find("p", "marker").clean_text == "Child theme was here"
    assert not not_found.find_all("h1", "not-found__title")
    if template is CHILD_404_EXTENDS:
        assert not_found.find("header", "masthead")  # the parent's base.html
    story_page = page(site, "/2022/02/28/story/")
    assert story_page.find("h1", "story__headline").clean_text == "Inherited look"
    assert not story_page.find_all("p", "marker")
    assert story_page.find("link", rel="stylesheet").attrs["href"] == "/theme/css/site.css"
    default_css = (Path(__file__).resolve().parent.parent / "themes/default/static/css/site.css").read_bytes()
    assert (site / "output/theme/css/site.css").read_bytes() == default_css


def test_child_theme_static_file_overrides_parent(make_site, run):
    css = "/* child stylesheet */\nbody { color: red; }\n"
    site = make_site({
        "themes/child/theme.yaml": "parent: default\n",
        "themes/child/templates/.keep": "",
        "themes/child/static/css/site.css": css,
        "themes/child/static/img/logo.svg": "<svg xmlns='http://www.w3.org/2000/svg'/>",
        "content/story.md": article(),
    }, config=config(theme="child"))
    build(run, site)
    assert (site / "output/theme/css/site.css").read_text(encoding="utf-8") == css
    assert (site / "output/theme/img/logo.svg").is_file()
    assert page(site, "/").find("link", rel="stylesheet").attrs["href"] == "/theme/css/site.css"
    assert page(site, "/2022/02/28/story/").find("h1", "story__headline")


# --------------------------------------------------------------------------- 11. broadsheet new

NEW_TITLE = "Council's £2m plan: what next?"


def _front_matter(path: Path) -> dict:
    text = path.read_text(encoding="utf-8")
    assert text.startswith("---\n")
    return yaml.safe_load(text.split("\n---\n", 1)[0][4:])


def test_new_article(make_site, run, tmp_path):
    tz = ZoneInfo("Pacific/Kiritimati")  # UTC+14: its date differs from UTC's for 14 hours a day
    site = make_site({"content/old.md": article("Older story", "2022-02-28")},
                     config=config().replace("timezone: UTC", "timezone: Pacific/Kiritimati"))
    before = datetime.now(tz).date()
    result = run("new", NEW_TITLE, "--tags", "Budget,Council", "--site", site, cwd=tmp_path)
    after = datetime.now(tz).date()
    assert result.status == 0, result.err
    printed = Path(result.out.strip())
    path = printed if printed.is_absolute() else tmp_path / printed
    assert path.is_file()
    assert path.resolve().is_relative_to((site / "content").resolve())
    assert path.name in {f"{d:%Y-%m-%d}-councils-2m-plan-what-next.md" for d in (before, after)}

    meta = _front_matter(path)
    assert meta["title"] == NEW_TITLE
    assert meta["tags"] == ["Budget", "Council"]
    assert str(meta["date"]).startswith(path.name[:10])

    build(run, site)
    front = page(site, "/")
    shown = NEW_TITLE.replace("'", "\u2019")  # the title as written, typeset: Council’s
    assert listed_titles(front)[0] == shown
    url = story(front, shown).find("a").attrs["href"]
    assert url.endswith("/councils-2m-plan-what-next/")
    assert page(site, url).find("h1", "story__headline").clean_text == shown
    assert listed_titles(page(site, "/tags/budget/")) == [shown]

    content_before = snapshot(site / "content")
    again = run("new", NEW_TITLE, "--site", site, cwd=tmp_path)
    assert again.status == 1
    assert path.name in again.err and "exists" in again.err
    assert snapshot(site / "content") == content_before


def test_new_without_tags_and_with_odd_title(make_site, run, tmp_path):
    site = make_site({})
    title = 'He said "yes" — and: #1 [sic]'
    result = run("new", title, "--site", site, cwd=tmp_path)
    assert result.status == 0, result.err
    path = tmp_path / result.out.strip()
    meta = _front_matter(path)
    assert meta["title"] == title
    assert not meta.get("tags")
    build(run, site)
    assert listed_titles(page(site, "/")) == ['He said \u201cyes\u201d — and: #1 [sic]']  # typeset: “yes”


# --------------------------------------------------------------------------- 12. installed default theme


def test_site_without_themes_folder_uses_installed_default(make_site, run, tmp_path):
    site = make_site({"content/story.md": "---\ntitle: Bare site\ndate: 2022-02-28\n---\nHello.\n"},
                     config="title: Bare Gazette\nbase_url: https://bare.example/\n")
    assert sorted(p.name for p in site.iterdir()) == ["config.yaml", "content"]
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    build(run, site, cwd=elsewhere)
    front = page(site, "/")
    assert front.find("title").clean_text == "Bare Gazette"
    assert listed_titles(front) == ["Bare site"]
    assert front.find("link", rel="stylesheet").attrs["href"] == "/theme/css/site.css"
    assert (site / "output/theme/css/site.css").stat().st_size > 0
    assert page(site, "/2022/02/28/story/").find("h1", "story__headline").clean_text == "Bare site"
    assert page(site, "/404.html").find("h1").clean_text
    assert not (site / "themes").exists()
    assert not (elsewhere / "output").exists()


def test_default_theme_ships_inside_the_wheel(make_site, tmp_path):
    """Installed from a wheel (no repository beside it), a bare site still builds with the default theme."""
    repo = Path(__file__).resolve().parent.parent
    dist = tmp_path / "dist"
    made = subprocess.run([sys.executable, "-m", "hatchling", "build", "-t", "wheel", "-d", str(dist)],
                          cwd=repo, capture_output=True, text=True, timeout=120)
    assert made.returncode == 0, made.stderr
    (wheel,) = dist.glob("*.whl")
    lib = tmp_path / "lib"
    import zipfile
    with zipfile.ZipFile(wheel) as archive:
        archive.extractall(lib)
    site = make_site({"content/story.md": article("From the wheel")},
                     config="title: Wheel Gazette\nbase_url: https://wheel.example/\n")
    code = ("import sys, generator; from generator.cli import main; "
            "print(generator.__file__); sys.exit(main(sys.argv[1:]))")
    env = {k: v for k, v in __import__("os").environ.items() if k != "PYTHONPATH"}
    env["PYTHONPATH"] = str(lib)
    result = subprocess.run([sys.executable, "-c", code, "build", "--site", str(site)],
                            cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert Path(result.stdout.splitlines()[0]).resolve().is_relative_to(lib.resolve())
    assert listed_titles(page(site, "/")) == ["From the wheel"]
    assert (site / "output/theme/css/site.css").read_bytes() == (repo / "themes/default/static/css/site.css").read_bytes()


# --------------------------------------------------------------------------- 13. python -m generator


def test_python_dash_m_generator_builds(make_site, tmp_path):
    site = make_site({"content/story.md": article("Via subprocess")})
    result = subprocess.run([sys.executable, "-m", "generator", "build", "--site", str(site)],
                            cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert listed_titles(page(site, "/")) == ["Via subprocess"]
    assert "built 1 article" in result.stdout


@pytest.mark.parametrize("args", [["--help"], ["build", "--help"], ["new", "--help"]])
def test_python_dash_m_generator_help(tmp_path, args):
    result = subprocess.run([sys.executable, "-m", "generator", *args],
                            cwd=tmp_path, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert "usage:" in result.stdout
    if args == ["--help"]:
        assert "build" in result.stdout and "new" in result.stdout
    else:
        assert "--site" in result.stdout


def test_python_dash_m_generator_reports_errors(make_site, tmp_path):
    site = make_site({"content/bad.md": "---\ntitle: No date\n---\nText.\n"})
    result = subprocess.run([sys.executable, "-m", "generator", "build", "--site", str(site)],
                            cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert result.returncode == 1
    assert "bad.md:" in result.stderr and "date" in result.stderr
    wrong = subprocess.run([sys.executable, "-m", "generator", "build", "--no-such-option"],
                           cwd=tmp_path, capture_output=True, text=True, timeout=60)
    assert wrong.returncode == 2


def _fields_for_records():
    from datetime import datetime, timedelta, timezone

    from generator.read.fields import Fields
    when = datetime(2022, 3, 9, 14, 30, tzinfo=timezone(timedelta(hours=1)))
    return Fields(is_page=False, title="T", slug="t", path="/2022/t/", date=when, updated=when, draft=False,
                  tags=("a",), authors=("B",), category=None, image=None, image_alt="", summary=None,
                  words=1234, weight=0, corrections=((when, "Fixed."),), aliases=("/old/",))


def test_a_fields_record_is_every_field_in_order_with_datetimes_as_text():
    from dataclasses import fields as dataclass_fields

    from generator.read.fields import Fields
    made = _fields_for_records()
    expected = [getattr(made, f.name) for f in dataclass_fields(Fields)]
    expected[4], expected[5] = made.date.isoformat(), made.updated.isoformat()
    expected[15] = ((made.date.isoformat(), "Fixed."),)
    assert made.to_record() == tuple(expected)
    assert Fields.from_record(made.to_record()) == made


def test_teaser_base_is_the_fields_record_with_the_reading_time():
    import dataclasses
    import marshal

    from generator.read.content import _reading_minutes, _teaser_base
    from generator.write.cache import digest
    made = _fields_for_records()
    shown = dataclasses.replace(made, words=_reading_minutes(made.words)).to_record()
    assert _teaser_base(made, "<p>x</p>") == digest(marshal.dumps((shown, "<p>x</p>"), 2))
