"""What a reader sees: the built sample site, checked page by page, feed by feed.

Every test builds through the CLI into a folder of its own (the `run` fixture), or reads
the sample site built once for the module (the `built` fixture) where it only reads,
and then looks only at the files written, as a browser, a feed reader, a search
engine or the Nu Html Checker would.
"""

from __future__ import annotations

import email.utils
import json
import os
import re
import shutil
import subprocess
import xml.etree.ElementTree as ET
from datetime import datetime
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urljoin, urlsplit
from zoneinfo import ZoneInfo

import feedparser
import pytest
import yaml
from PIL import Image

from conftest import MINIMAL_CONFIG, REPO, article, snapshot
from generator.read.typography import smarten_text

VNU_JAR = REPO / "node_modules" / "vnu-jar" / "build" / "dist" / "vnu.jar"
BASE = "https://example.org/"
NEWS = "https://example.org/news/"
SAMPLE_TZ = ZoneInfo("Europe/London")  # config.yaml of the sample site
ATOM_NS = "http://www.w3.org/2005/Atom"
SITEMAP_NS = "http://www.sitemaps.org/schemas/sitemap/0.9"
RFC822 = re.compile(r"^\w{3}, \d{2} \w{3} \d{4} \d{2}:\d{2}:\d{2} [+-]\d{4}$")
RFC3339 = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$")

BUDGET_URL = "/2022/02/23/council-budget-vote/"
FLOOD_URL = "/2022/02/20/flood-warning-river-wend/"
LIBRARY_FILE = "2022/2022-03-01-central-library-reopens.md"
LIBRARY_URL = "/2022/03/01/central-library-reopens/"


# --- building -------------------------------------------------------------------------------------

def build(run, site: Path, out: Path, *extra: str):
    result = run("build", "--site", site, "--output", out, *extra)
    assert result.status == 0, f"build failed:\n{result.err}"
    return result


class Built:
    """The sample site built once at the root and once under /news/ (each from a copy of its own,
    as a test's `sample_site` is), for the tests that only read the files written: a test that
    edits the site or its output builds its own."""

    def __init__(self, folder: Path):
        self.folder = folder  # root/ and news/, the two outputs, and nothing else
        self.site = folder.parent / "sites" / "root"

    def out(self, base_url: str | None = None) -> Path:
        return self.folder / ("news" if base_url == NEWS else "root")


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Built:
    import contextlib
    import io

    from generator.cli import main

    top = tmp_path_factory.mktemp("built")
    done = Built(top / "outputs")
    for name, extra in (("root", []), ("news", ["--base-url", NEWS])):
        site = top / "sites" / name
        site.mkdir(parents=True)
        shutil.copy(REPO / "config.yaml", site / "config.yaml")
        shutil.copytree(REPO / "content", site / "content")
        err = io.StringIO()
        with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(err):
            status = main(["build", "--site", str(site), "--output", str(done.folder / name), *extra])
        assert status == 0, f"build failed:\n{err.getvalue()}"
    return done


# --- a small DOM on top of html.parser ------------------------------------------------------------

VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}


class Node:
    def __init__(self, tag: str, attrs: dict[str, str | None], parent: "Node | None" = None):
        self.tag, self.attrs, self.parent = tag, attrs, parent
        self.children: list[Node | str] = []

    def iter(self):
        yield self
        for child in self.children:
            if isinstance(child, Node):
                yield from child.iter()

    def find_all(self, tag: str | None = None, class_: str | None = None, **attrs: str) -> list["Node"]:
        found = []
        for node in self.iter():
            if tag is not None and node.tag != tag:
                continue
            if class_ is not None and class_ not in (node.attrs.get("class") or "").split():
                continue
            if any(node.attrs.get(k.rstrip("_")) != v for k, v in attrs.items()):
                continue
            found.append(node)
        return found

    def find(self, tag: str | None = None, class_: str | None = None, **attrs: str) -> "Node | None":
        found = self.find_all(tag, class_, **attrs)
        return found[0] if found else None

    def text(self) -> str:
        parts: list[str] = []

        def walk(node: Node) -> None:
            for child in node.children:
                parts.append(child) if isinstance(child, str) else walk(child)

        walk(self)
        return " ".join("".join(parts).split())

    def __repr__(self) -> str:
        return f"<{self.tag} {self.attrs}>"


class _TreeBuilder(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.root = Node("#document", {})
        self.stack = [self.root]

    def handle_starttag(self, tag, attrs):
        node = Node(tag, dict(attrs), self.stack[-1])
        self.stack[-1].children.append(node)
        if tag not in VOID:
            self.stack.append(node)

    def handle_startendtag(self, tag, attrs):
        self.stack[-1].children.append(Node(tag, dict(attrs), self.stack[-1]))

    def handle_endtag(self, tag):
        for i in range(len(self.stack) - 1, 0, -1):
            if self.stack[i].tag == tag:
                del self.stack[i:]
                return

    def handle_data(self, data):
        self.stack[-1].children.append(data)


def parse_html(text: str) -> Node:
    builder = _TreeBuilder()
    builder.feed(text)
    builder.close()
    return builder.root


# --- the built site as a web server would serve it ------------------------------------------------

class Served:
    """An output folder served at base_url."""

    def __init__(self, out: Path, base_url: str):
        self.out, self.base_url = out, base_url
        parts = urlsplit(base_url)
        self.host, self.root = parts.netloc, parts.path
        self._ids: dict[Path, set[str]] = {}

    def abs(self, path: str) -> str:
        """A site path ("/2022/..." without the root) as an absolute URL."""
        return self.base_url + path.lstrip("/")

    def link(self, path: str) -> str:
        """A site path as the root-relative link a page carries ("/news/2022/...")."""
        return self.root + path.lstrip("/")

    def url_of(self, file: Path) -> str:
        relative = file.relative_to(self.out).as_posix()
        if relative == "index.html" or relative.endswith("/index.html"):
            relative = relative[: -len("index.html")]
        return self.base_url + relative

    def html_files(self) -> list[Path]:
        return sorted(p for p in self.out.rglob("*.html") if not _hidden(p, self.out))

    def theme_pages(self) -> list[Path]:
        """The pages the theme makes: not the redirect pages of old URLs (aliases), which are bare."""
        return [p for p in self.html_files() if 'http-equiv="refresh"' not in p.read_text(encoding="utf-8")]

    def is_internal(self, url: str) -> bool:
        parts = urlsplit(url)
        return parts.scheme in ("http", "https") and parts.netloc == self.host

    def file_for(self, url: str) -> Path | None:
        """The file an absolute URL of this host is served from; None when there is none."""
        path = unquote(urlsplit(url).path)
        if not path.startswith(self.root):
            return None
        target = self.out / path[len(self.root):]
        if path.endswith("/") or target.is_dir():
            target = target / "index.html"
        return target if target.is_file() and not _hidden(target, self.out) else None

    def page(self, path: str) -> Node:
        file = self.file_for(self.abs(path))
        assert file is not None, f"no page at {self.abs(path)}"
        return parse_html(file.read_text(encoding="utf-8"))

    def ids(self, file: Path) -> set[str]:
        if file not in self._ids:
            tree = parse_html(file.read_text(encoding="utf-8"))
            self._ids[file] = {n.attrs["id"] for n in tree.iter() if n.attrs.get("id")} | {
                n.attrs["name"] for n in tree.find_all("a") if n.attrs.get("name")}
        return self._ids[file]

    def problem(self, url: str) -> str | None:
        """Why an internal absolute URL does not lead to a file (and fragment) of the site, or None."""
        parts = urlsplit(url)
        if not parts.path.startswith(self.root):
            return f"{url} is outside the site's root {self.root}"
        file = self.file_for(url)
        if file is None:
            return f"{url} has no file in the output"
        if parts.fragment:
            if file.suffix != ".html":
                return f"{url} has a fragment but {file.name} is not an HTML page"
            if unquote(parts.fragment) not in self.ids(file):
                return f"{url}: no element with id {parts.fragment!r} in {file.relative_to(self.out)}"
        return None


def _hidden(path: Path, out: Path) -> bool:
    return any(part.startswith(".") for part in path.relative_to(out).parts)


LINKING_ATTRIBUTES = {"a": ("href",), "link": ("href",), "img": ("src",), "script": ("src",),
                      "source": ("src",), "iframe": ("src",), "video": ("src", "poster"), "audio": ("src",)}
URL_METAS = {"og:url", "og:image", "twitter:image"}


def page_urls(tree: Node, page_url: str) -> list[str]:
    """Every URL a page points at, made absolute as a browser would."""
    found = []
    for node in tree.iter():
        for attribute in LINKING_ATTRIBUTES.get(node.tag, ()):
            value = node.attrs.get(attribute)
            if value is not None:
                found.append(urljoin(page_url, value.strip()))
        if node.tag == "meta" and (node.attrs.get("property") or node.attrs.get("name")) in URL_METAS:
            found.append(urljoin(page_url, node.attrs.get("content") or ""))
    return found


def broken_page_links(site: Served) -> list[str]:
    problems = []
    checked = 0
    for file in site.html_files():
        page_url = site.url_of(file)
        tree = parse_html(file.read_text(encoding="utf-8"))
        for url in page_urls(tree, page_url):
            if site.is_internal(url):
                checked += 1
                problem = site.problem(url)
                if problem:
                    problems.append(f"{file.relative_to(site.out)}: {problem}")
    assert checked > 100, "expected the sample site's pages to link to each other"
    return problems


def xml_urls(site: Served, file: Path) -> list[str]:
    """URLs in a feed or sitemap: href attributes, URL-valued elements, and links in embedded HTML."""
    found = []
    for element in ET.parse(file).getroot().iter():
        if element.get("href"):
            found.append(element.get("href"))
        text = (element.text or "").strip()
        if re.match(r"^https?://\S+$", text):
            found.append(text)
        elif "<" in text:  # escaped HTML: description, content:encoded, atom summary/content
            found.extend(page_urls(parse_html(text), site.url_of(file)))
    return found


# --- the sample site's sources, read independently of the generator ------------------------------

def front_matter(path: Path) -> dict:
    text = path.read_text(encoding="utf-8")
    assert text.startswith("---\n")
    return yaml.safe_load(text.split("---\n", 2)[1])


def slug_of(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")


def sample_articles(site: Path) -> list[dict]:
    """The sample's articles, newest first, ties by URL."""
    articles = []
    for path in sorted((site / "content").rglob("*.md")):
        if "pages" in path.relative_to(site / "content").parts:
            continue
        meta = front_matter(path)
        date = datetime.fromisoformat(str(meta["date"])).replace(tzinfo=SAMPLE_TZ)
        updated = datetime.fromisoformat(str(meta["updated"])).replace(tzinfo=SAMPLE_TZ) if meta.get("updated") else None
        # A correction is an update: the newest one's date counts when it is later.
        for correction in meta.get("corrections") or []:
            corrected = datetime.fromisoformat(str(correction["date"])).replace(tzinfo=SAMPLE_TZ)
            updated = corrected if updated is None or corrected > updated else updated
        tags = meta.get("tags") or []
        if isinstance(tags, str):
            tags = [t.strip() for t in tags.split(",") if t.strip()]
        slug = re.sub(r"^\d{4}-\d{2}-\d{2}-", "", path.stem)
        # As the site shows it: typeset, with curly quotes (test_typography.py checks how).
        articles.append({"title": smarten_text(meta["title"]), "date": date, "updated": updated, "tags": tags,
                         "authors": meta.get("authors") or [meta.get("author", "Broadsheet Desk")],
                         "path": f"/{date:%Y/%m/%d}/{slug}/", "file": path})
    articles.sort(key=lambda a: a["path"])
    articles.sort(key=lambda a: a["date"], reverse=True)
    return articles


def sample_tags(site: Path) -> dict[str, tuple[str, int]]:
    """slug -> (name, number of articles)."""
    tags: dict[str, tuple[str, int]] = {}
    for a in sample_articles(site):
        for name in a["tags"]:
            tags[slug_of(name)] = (name, tags.get(slug_of(name), (name, 0))[1] + 1)
    return tags


def sample_config(site: Path) -> dict:
    return yaml.safe_load((site / "config.yaml").read_text(encoding="utf-8"))


# --- helpers for lists ----------------------------------------------------------------------------

def headline_links(tree: Node) -> list[str]:
    """The URL each story on a list page links to with its headline, in order."""
    main = tree.find("main") or tree
    links = []
    for story in main.find_all("article"):
        heading = next(n for n in story.iter() if re.fullmatch(r"h[1-6]", n.tag))
        anchor = heading.find("a")
        assert anchor is not None, f"headline without a link: {heading.text()}"
        links.append(anchor.attrs["href"])
    return links


def rel_link(tree: Node, rel: str) -> str | None:
    """href of the <a rel=...> in the pagination or article navigation (None when there is none)."""
    anchors = [a for a in tree.find_all("a") if rel in (a.attrs.get("rel") or "").split()]
    assert len({a.attrs["href"] for a in anchors}) <= 1, f"several different rel={rel} links: {anchors}"
    return anchors[0].attrs["href"] if anchors else None


def meta_content(tree: Node, key: str) -> str | None:
    for node in tree.find_all("meta"):
        if key in (node.attrs.get("property"), node.attrs.get("name")):
            return node.attrs.get("content")
    return None


# --- 1. the Nu Html Checker -----------------------------------------------------------------------

def run_vnu(folder: Path) -> list[dict]:
    java = shutil.which("java")
    assert java, "the Nu Html Checker needs Java 11+ (`make test` installs it)"
    assert VNU_JAR.is_file(), f"{VNU_JAR} is missing: run `make test` (npm ci) first"
    proc = subprocess.run([java, "-jar", str(VNU_JAR), "--errors-only", "--skip-non-html", "--format", "json",
                           str(folder)], capture_output=True, text=True, timeout=600)
    output = proc.stderr + proc.stdout  # the report is on stderr; a JVM may print notices before it
    assert '{"' in output, f"no report from the Nu Html Checker:\n{output}"
    report = json.loads(output[output.index('{"'):output.rindex("}") + 1])
    messages = report["messages"]
    assert (proc.returncode == 0) == (not messages), proc.stderr
    return messages


def test_every_page_of_the_sample_site_is_valid_html(built):
    checked = built.folder  # root/ and news/
    pages = sorted(checked.rglob("*.html"))
    assert len(pages) > 2 * 30

    messages = run_vnu(checked)  # one run over both builds

    shown = "\n".join(f"{m.get('url', '?')}:{m.get('lastLine', '?')}:{m.get('firstColumn', '?')}: "
                      f"{m.get('type')}: {m.get('message')}" for m in messages)
    print(shown)
    assert messages == [], f"the Nu Html Checker found {len(messages)} errors:\n{shown}"


# --- 2. internal links ----------------------------------------------------------------------------

@pytest.mark.parametrize("base_url", [None, NEWS], ids=["root", "news"])
def test_every_internal_link_in_the_pages_resolves(built, base_url):
    out = built.out(base_url)
    site = Served(out, base_url or BASE)

    problems = broken_page_links(site)

    assert problems == [], "\n".join(problems)


def test_under_a_path_every_root_relative_link_starts_with_it(built):
    out, sample_site = built.out(NEWS), built.site
    site = Served(out, NEWS)
    wrong = []
    for file in site.html_files():
        tree = parse_html(file.read_text(encoding="utf-8"))
        for node in tree.iter():
            for attribute in LINKING_ATTRIBUTES.get(node.tag, ()):
                value = node.attrs.get(attribute) or ""
                if value.startswith("/") and not value.startswith("//") and not value.startswith("/news/"):
                    wrong.append(f"{file.relative_to(out)}: <{node.tag} {attribute}={value!r}>")
                if value.startswith("https://example.org/") and not value.startswith(NEWS):
                    wrong.append(f"{file.relative_to(out)}: <{node.tag} {attribute}={value!r}>")
    assert wrong == [], "\n".join(wrong)
    # and the pages really are there: the front page links to an article under /news/
    assert site.link(sample_articles(sample_site)[0]["path"]) in headline_links(site.page("/"))


@pytest.mark.parametrize("base_url", [None, NEWS], ids=["root", "news"])
def test_every_url_in_feeds_sitemap_and_robots_resolves(built, base_url):
    out = built.out(base_url)
    site = Served(out, base_url or BASE)
    problems, checked = [], 0

    xml_files = sorted(out.rglob("*.xml"))
    assert {"feed.xml", "atom.xml", "sitemap.xml", "tags/transport/feed.xml"} <= {
        p.relative_to(out).as_posix() for p in xml_files}
    for file in xml_files:
        for url in xml_urls(site, file):
            if not site.is_internal(url):
                continue
            checked += 1
            problem = site.problem(url)
            if problem:
                problems.append(f"{file.relative_to(out)}: {problem}")

    sitemap_lines = [line for line in (out / "robots.txt").read_text(encoding="utf-8").splitlines()
                     if line.lower().startswith("sitemap:")]
    sitemap_urls = [line.split(":", 1)[1].strip() for line in sitemap_lines]
    assert sitemap_urls == [site.abs("sitemap.xml"), site.abs("news-sitemap.xml")]
    for sitemap_url in sitemap_urls:
        assert site.problem(sitemap_url) is None

    assert checked > 100
    assert problems == [], "\n".join(problems)


# --- 3. feeds -------------------------------------------------------------------------------------

def parse_feed(file: Path):
    feed = feedparser.parse(file.read_bytes())
    assert feed.bozo == 0, f"{file.name} is not well-formed: {feed.get('bozo_exception')}"
    return feed


def test_site_feeds_are_rss_2_and_atom_1_with_every_article_newest_first(built):
    out, sample_site = built.out(), built.site
    site = Served(out, BASE)
    expected = sample_articles(sample_site)
    items = sample_config(sample_site)["feed"]["items"]
    expected_links = [site.abs(a["path"]) for a in expected[:items]]
    assert len(expected_links) == min(items, len(expected)) == 11

    rss = parse_feed(out / "feed.xml")
    atom = parse_feed(out / "atom.xml")

    assert rss.version == "rss20"
    assert atom.version == "atom10"
    for feed in (rss, atom):
        assert [e.link for e in feed.entries] == expected_links
        assert [e.title for e in feed.entries] == [a["title"] for a in expected[:items]]
        published = [e.published_parsed for e in feed.entries]
        assert published == sorted(published, reverse=True)
    assert rss.feed.title == atom.feed.title == "Broadsheet Daily"
    assert rss.feed.link == atom.feed.link == BASE


def test_feed_item_count_is_the_feed_items_setting(make_site, run, tmp_path):
    site = make_site({
        f"content/story-{n}.md": article(f"Story {n}", f"2022-03-0{n} 12:00", tags="Transport")
        for n in range(1, 6)
    }, config="title: T\nbase_url: https://example.org/\nfeed:\n  items: 3\n")
    out = tmp_path / "out"
    build(run, site, out)

    for name in ("feed.xml", "atom.xml", "tags/transport/feed.xml"):
        feed = parse_feed(out / name)
        assert [e.title for e in feed.entries] == ["Story 5", "Story 4", "Story 3"], name
    # the front page still lists all five
    assert len(headline_links(Served(out, BASE).page("/"))) == 5


def test_feed_entries_have_absolute_links_and_ids_that_stay_the_same(built, sample_site, run, tmp_path):
    build(run, sample_site, tmp_path / "two")  # a second build, of another copy, beside the shared one

    for name in ("feed.xml", "atom.xml"):
        first, second = parse_feed(built.out() / name), parse_feed(tmp_path / "two" / name)
        ids = [e.id for e in first.entries]
        assert len(ids) == len(set(ids)) == 11, name
        assert all(i.strip() for i in ids)
        assert ids == [e.id for e in second.entries], name
        for entry in first.entries:
            parts = urlsplit(entry.link)
            assert parts.scheme == "https" and parts.netloc == "example.org", entry.link


def test_feed_dates_are_rfc_822_in_rss_and_rfc_3339_in_atom(built):
    out, sample_site = built.out(), built.site
    expected = sample_articles(sample_site)

    channel = ET.parse(out / "feed.xml").getroot().find("channel")
    pub_dates = [item.findtext("pubDate") for item in channel.findall("item")]
    assert len(pub_dates) == len(expected)
    for text, a in zip(pub_dates, expected):
        assert RFC822.match(text), text
        assert email.utils.parsedate_to_datetime(text) == a["date"], a["title"]
    assert RFC822.match(channel.findtext("lastBuildDate"))

    feed = ET.parse(out / "atom.xml").getroot()
    assert RFC3339.match(feed.findtext(f"{{{ATOM_NS}}}updated"))
    entries = feed.findall(f"{{{ATOM_NS}}}entry")
    assert len(entries) == len(expected)
    for entry, a in zip(entries, expected):
        published = entry.findtext(f"{{{ATOM_NS}}}published")
        updated = entry.findtext(f"{{{ATOM_NS}}}updated")
        assert RFC3339.match(published) and RFC3339.match(updated), (published, updated)
        assert datetime.fromisoformat(published) == a["date"]
        assert datetime.fromisoformat(updated) == (a["updated"] or a["date"])


def test_feed_entries_carry_the_article_html_and_a_summary(built):
    out, sample_site = built.out(), built.site
    budget = BASE + BUDGET_URL.lstrip("/")
    summary = front_matter(sample_site / "content/2022/2022-02-23-council-budget-vote.md")["summary"]

    for name in ("feed.xml", "atom.xml"):
        entry = next(e for e in parse_feed(out / name).entries if e.link == budget)
        content = entry.content[0].value
        assert "<table>" in content and "Adult social care" in content and "£104.9m" in content, name
        assert parse_html(entry.summary).text() == summary, name
        # the whole article, not only its summary
        assert "Under the budget, the city" in content, name


def test_links_inside_feed_content_are_absolute(built):
    """A feed reader shows the content away from the site: a root-relative or #fragment link goes nowhere."""
    out = built.out(NEWS)
    relative, checked = [], 0

    for name in ("feed.xml", "atom.xml", "tags/budget/feed.xml"):
        for element in ET.parse(out / name).getroot().iter():
            if element.tag.split("}")[-1] not in ("description", "encoded", "summary", "content"):
                continue
            for node in parse_html(element.text or "").iter():
                for attribute in ("href", "src"):
                    value = node.attrs.get(attribute)
                    if value is None:
                        continue
                    checked += 1
                    parts = urlsplit(value)
                    if not (parts.scheme in ("http", "https") and parts.netloc) and parts.scheme != "mailto":
                        relative.append(f"{name}: <{node.tag} {attribute}={value!r}>")
                    elif parts.netloc == "example.org":
                        assert value.startswith(NEWS), value
    assert checked > 10
    assert relative == [], "\n".join(relative)


def test_a_tag_feed_holds_only_that_tags_articles(built):
    out, sample_site = built.out(), built.site
    expected = [BASE + a["path"].lstrip("/") for a in sample_articles(sample_site) if "Transport" in a["tags"]]
    assert len(expected) == 5

    feed = parse_feed(out / "tags" / "transport" / "feed.xml")

    assert feed.version == "rss20"
    assert [e.link for e in feed.entries] == expected
    for entry in feed.entries:
        assert "Transport" in [t.term for t in entry.tags]
    assert parse_feed(out / "feed.xml").entries[0].link not in expected  # the newest article is not about transport


def test_articles_with_the_same_date_are_ordered_by_url(make_site, run, tmp_path):
    # Files are read a.md, b.md; their URLs sort the other way round.
    site = make_site({
        "content/a.md": article("Zebra crossing", "2022-02-28 12:00", slug="zebra"),
        "content/b.md": article("Alpha route", "2022-02-28 12:00", slug="alpha"),
        "content/c.md": article("Older story", "2022-02-27 12:00"),
    })
    out = tmp_path / "out"
    build(run, site, out)
    order = [BASE + p for p in ("2022/02/28/alpha/", "2022/02/28/zebra/", "2022/02/27/c/")]

    for name in ("feed.xml", "atom.xml"):
        assert [e.link for e in parse_feed(out / name).entries] == order, name
    served = Served(out, BASE)
    front = headline_links(served.page("/")) + headline_links(served.page("/page/2/"))
    assert [BASE + link.lstrip("/") for link in front] == order


# --- 4. sitemap -----------------------------------------------------------------------------------

@pytest.mark.parametrize("base_url", [None, NEWS], ids=["root", "news"])
def test_sitemap_lists_every_page_and_robots_txt_points_at_it(built, base_url):
    out, sample_site = built.out(base_url), built.site
    site = Served(out, base_url or BASE)

    root = ET.parse(out / "sitemap.xml").getroot()
    assert root.tag == f"{{{SITEMAP_NS}}}urlset"
    urls = root.findall(f"{{{SITEMAP_NS}}}url")
    assert all(child.tag == f"{{{SITEMAP_NS}}}url" for child in root)
    locs = [u.findtext(f"{{{SITEMAP_NS}}}loc") for u in urls]
    assert len(locs) == len(set(locs)), "a URL is listed twice"
    for u in urls:
        lastmod = u.findtext(f"{{{SITEMAP_NS}}}lastmod")
        assert lastmod is None or RFC3339.match(lastmod) or re.fullmatch(r"\d{4}-\d{2}-\d{2}", lastmod)

    expected = {site.abs("/"), site.abs("/about/"), site.abs("/contact/"), site.abs("/tags/")}
    expected |= {site.abs(a["path"]) for a in sample_articles(sample_site)}
    expected |= {site.abs(f"/tags/{slug}/") for slug in sample_tags(sample_site)}
    missing = expected - set(locs)
    assert not missing, f"not in the sitemap: {sorted(missing)}"
    assert all(loc.startswith(site.base_url) for loc in locs)
    assert site.abs("/404.html") not in locs

    robots = (out / "robots.txt").read_text(encoding="utf-8")
    assert f"Sitemap: {site.abs('sitemap.xml')}" in robots.splitlines()


# --- 5. front page, pagination, tags --------------------------------------------------------------

def test_front_page_leads_with_the_newest_article_and_paginates(built):
    out, sample_site = built.out(), built.site
    site = Served(out, BASE)
    expected = [a["path"] for a in sample_articles(sample_site)]
    per_page = sample_config(sample_site)["per_page"]
    assert (per_page, len(expected)) == (5, 11)

    front = site.page("/")
    lead = front.find("section", class_="front-lead")
    assert lead is not None
    assert headline_links(lead)[0] == expected[0]
    assert lead.find("h2").find("a").text() == sample_articles(sample_site)[0]["title"]

    pages = [front, site.page("/page/2/"), site.page("/page/3/")]
    assert not (out / "page" / "4").exists()
    assert not (out / "page" / "1").exists()
    assert [headline_links(p) for p in pages] == [expected[0:5], expected[5:10], expected[10:11]]

    assert rel_link(pages[0], "prev") is None
    assert rel_link(pages[0], "next") == "/page/2/"
    assert rel_link(pages[1], "prev") == "/"
    assert rel_link(pages[1], "next") == "/page/3/"
    assert rel_link(pages[2], "prev") == "/page/2/"
    assert rel_link(pages[2], "next") is None, "the last page links to a next page"
    assert "Older" not in pages[2].find("main").text()


def test_tag_index_lists_every_tag_with_its_count(built):
    out, sample_site = built.out(), built.site
    tags = sample_tags(sample_site)
    assert tags["transport"] == ("Transport", 5) and tags["culture"] == ("Culture", 1)

    main = Served(out, BASE).page("/tags/").find("main")
    listed = {}
    for anchor in main.find_all("a"):
        href = anchor.attrs.get("href", "")
        if re.fullmatch(r"/tags/[^/]+/", href):
            listed[href] = anchor

    assert set(listed) == {f"/tags/{slug}/" for slug in tags}
    for slug, (name, count) in tags.items():
        anchor = listed[f"/tags/{slug}/"]
        assert anchor.text() == name
        item = anchor.parent
        assert re.search(rf"\b{count} {'article' if count == 1 else 'articles'}\b", item.text()), item.text()


def test_tag_pages_list_the_tags_articles_and_paginate(make_site, run, tmp_path):
    files = {f"content/t{n}.md": article(f"Transport story {n}", f"2022-03-0{n} 09:00", tags="Transport, Roads")
             for n in range(1, 6)}
    files["content/other.md"] = article("Other story", "2022-03-08 09:00", tags="Weather")
    site = make_site(files)  # per_page: 2
    out = tmp_path / "out"
    build(run, site, out)
    served = Served(out, BASE)
    story = {n: f"/2022/03/0{n}/t{n}/" for n in range(1, 6)}

    pages = [served.page("/tags/transport/"), served.page("/tags/transport/page/2/"),
             served.page("/tags/transport/page/3/")]
    assert not (out / "tags" / "transport" / "page" / "4").exists()

    assert [headline_links(p) for p in pages] == [[story[5], story[4]], [story[3], story[2]], [story[1]]]
    assert rel_link(pages[0], "next") == "/tags/transport/page/2/"
    assert rel_link(pages[1], "prev") == "/tags/transport/"
    assert rel_link(pages[2], "prev") == "/tags/transport/page/2/"
    assert rel_link(pages[2], "next") is None
    assert "Transport" in pages[0].find("h1").text()
    assert headline_links(served.page("/tags/weather/")) == ["/2022/03/08/other/"]


# --- 6. the article page --------------------------------------------------------------------------

def test_article_page_shows_what_a_reader_expects(built):
    out, sample_site = built.out(), built.site
    site = Served(out, BASE)
    articles = sample_articles(sample_site)
    index = next(i for i, a in enumerate(articles) if a["path"] == BUDGET_URL)
    budget = articles[index]
    page = site.page(BUDGET_URL)
    main = page.find("main")

    headings = page.find_all("h1")
    assert [h.text() for h in headings] == [budget["title"]]
    assert "By Grace Adeyemi and Tom Ellery" in main.text()

    times = {datetime.fromisoformat(t.attrs["datetime"]): t.text() for t in main.find_all("time")}
    assert times.get(budget["date"]) == "23 February 2022"
    assert times.get(budget["updated"]) == "9 March 2022"
    assert "Updated 9 March 2022" in main.text()
    assert re.search(r"\b\d+ min read\b", main.text())

    tag_links = {a.attrs["href"]: a.text() for a in main.find_all("a") if a.attrs.get("href", "").startswith("/tags/")}
    assert tag_links == {f"/tags/{slug_of(t)}/": t for t in budget["tags"]}

    assert rel_link(page, "prev") == articles[index - 1]["path"]  # newer
    assert rel_link(page, "next") == articles[index + 1]["path"]  # older
    assert articles[index - 1]["title"] in main.text() and articles[index + 1]["title"] in main.text()

    assert page.find("link", rel="canonical").attrs["href"] == site.abs(BUDGET_URL)
    assert meta_content(page, "og:title") == budget["title"]
    assert meta_content(page, "og:type") == "article"
    assert meta_content(page, "twitter:card") in ("summary", "summary_large_image")
    rss = [link for link in page.find_all("link", rel="alternate") if link.attrs.get("type") == "application/rss+xml"]
    assert site.abs("feed.xml") in [urljoin(site.abs(BUDGET_URL), link.attrs["href"]) for link in rss]
    assert page.find("title").text() == f"{budget['title']} — Broadsheet Daily"


def test_article_without_update_newest_and_oldest(built):
    out, sample_site = built.out(), built.site
    site = Served(out, BASE)
    articles = sample_articles(sample_site)

    newest, oldest = site.page(articles[0]["path"]), site.page(articles[-1]["path"])
    assert articles[0]["updated"] is None
    assert "Updated" not in newest.find("main").text()
    assert len(newest.find("article", class_="story").find_all("time")) == 1
    assert rel_link(newest, "prev") is None and rel_link(newest, "next") == articles[1]["path"]
    assert rel_link(oldest, "next") is None and rel_link(oldest, "prev") == articles[-2]["path"]


def test_article_lead_image_is_shown_and_shared(built):
    out, sample_site = built.out(), built.site
    page = Served(out, BASE).page(FLOOD_URL)
    alt = front_matter(sample_site / "content/2022/2022-02-20-flood-warning-river-wend.md")["image_alt"]

    images = [img for img in page.find("main").find_all("img") if img.attrs.get("src") == "/2022/flood-map.svg"]
    assert images and images[0].attrs.get("alt") == alt
    # Social sites reject SVG: the site's share image stands in for the map.
    assert meta_content(page, "og:image") == BASE + "images/share.png"
    assert meta_content(page, "twitter:card") == "summary_large_image"
    # A photo is shared as its 1200 x 630 card, cut from the 1600 x 900 original.
    budget = Served(out, BASE).page("/2022/02/23/council-budget-vote/")
    card = meta_content(budget, "og:image")
    assert re.fullmatch(re.escape(BASE) + r"images/council-chamber\.1200x630\.[0-9a-f]{8}\.jpg", card), card
    with Image.open(out / card[len(BASE):]) as picture:
        assert (picture.format, picture.size) == ("JPEG", (1200, 630))
    assert (meta_content(budget, "og:image:width"), meta_content(budget, "og:image:height")) == ("1200", "630")


# --- 7. escaping ----------------------------------------------------------------------------------

NASTY_TITLE = '<script>alert(1)</script> & "quotes"'
NASTY_TITLE_SHOWN = '<script>alert(1)</script> & “quotes”'  # typeset: curly quotes
NASTY_TAG = "<b>bold</b>"
NASTY_SUMMARY = "Fish & chips for R&D <now>"


def test_titles_tags_and_summaries_are_escaped_everywhere(make_site, run, tmp_path):
    site = make_site({"content/nasty.md": article(NASTY_TITLE, tags=NASTY_TAG, summary=NASTY_SUMMARY,
                                                  body="Body text.")})
    out = tmp_path / "out"
    build(run, site, out)
    served = Served(out, BASE)

    html_files = served.html_files()
    assert len(html_files) >= 5
    for file in html_files:
        text = file.read_text(encoding="utf-8")
        assert "<script>alert" not in text, file
        assert "<b>bold" not in text, file
        assert "<now>" not in text, file

    page = served.page("/2022/02/28/nasty/")
    assert NASTY_TITLE_SHOWN != NASTY_TITLE
    assert page.find("h1").text() == NASTY_TITLE_SHOWN
    assert page.find("title").text() == f"{NASTY_TITLE_SHOWN} — Test Gazette"
    assert meta_content(page, "og:title") == NASTY_TITLE_SHOWN
    assert meta_content(page, "description") == NASTY_SUMMARY
    assert NASTY_SUMMARY in page.find("main").text()
    tag_links = [a for a in page.find("main").find_all("a") if a.attrs.get("href", "").startswith("/tags/")]
    assert [a.text() for a in tag_links] == [NASTY_TAG]
    tag_page = served.page(tag_links[0].attrs["href"])
    assert NASTY_TAG in tag_page.find("h1").text()
    assert [a.text() for a in tag_page.find("main").find_all("a") if a.attrs.get("href") == "/2022/02/28/nasty/"] \
        == [NASTY_TITLE_SHOWN]
    assert NASTY_TITLE_SHOWN in served.page("/").text()

    for name in ("feed.xml", "atom.xml", tag_links[0].attrs["href"].lstrip("/") + "feed.xml"):
        feed = parse_feed(out / name)
        assert feed.entries[0].title == NASTY_TITLE_SHOWN, name
        assert parse_html(feed.entries[0].summary).text() == NASTY_SUMMARY, name
    assert NASTY_TAG in [t.term for t in parse_feed(out / "feed.xml").entries[0].tags]
    assert NASTY_TAG in [t.label for t in parse_feed(out / "atom.xml").entries[0].tags]
    ET.parse(out / "sitemap.xml")


def test_feeds_and_sitemap_are_exactly_what_elementtree_writes_for_them(make_site, run, tmp_path):
    """They are written as text: parsed and written again by ElementTree (indented as it indents,
    escaped as it escapes, namespaces declared where used), every byte must come back."""
    for prefix, uri in (("atom", ATOM_NS), ("content", "http://purl.org/rss/1.0/modules/content/"),
                        ("dc", "http://purl.org/dc/elements/1.1/")):
        ET.register_namespace(prefix, uri)
    files = {
        "content/nasty.md": article(NASTY_TITLE, tags=f'["{NASTY_TAG}", "Tab\\tand \\"q\\""]',
                                    summary=NASTY_SUMMARY, author="A & B <c>",
                                    body='Text with [a link](/about/), ![x](/pic.png "t") and a note.[^1]\n\n'
                                         '[^1]: The note & more.\n'),
        "content/plain.md": article("Plain", "2022-03-01", body="Only text.", tags="Plain"),
    }
    for content in ("full", "summary"):
        config = f"title: T & <T>\nbase_url: https://example.org/news/\nlanguage: en-GB\nfeed:\n  content: {content}\n"
        out = tmp_path / content
        build(run, make_site(files, config=config), out)
        written = [out / "feed.xml", out / "atom.xml", out / "sitemap.xml", *sorted(out.glob("tags/*/feed.xml"))]
        assert len(written) == 6
        for file in written:
            data = file.read_bytes()
            again = ET.tostring(ET.fromstring(data), encoding="utf-8", xml_declaration=True,
                                default_namespace=SITEMAP_NS if file.name == "sitemap.xml" else None) + b"\n"
            assert data == again, f"{content}: {file.relative_to(out)}"
        assert b"dc:creator" in (out / "feed.xml").read_bytes()
        assert (b"content:encoded" in (out / "feed.xml").read_bytes()) == (content == "full")
        assert b"xmlns:dc" not in (out / "tags" / "plain" / "feed.xml").read_bytes()


def test_a_cached_macro_is_called_once_per_object_never_for_an_equal_one():
    """`cached(macro)` (the default theme's cards) gives again what the macro made for the very
    same objects: equal ones may print differently, as the same instant in two time zones does."""
    from generator.plan.theme import Cached

    made = []

    def card(when, level=2):
        made.append((when, level))
        return f"{when.isoformat()} h{level}"

    cached = Cached(card)
    utc = datetime(2022, 2, 28, 12, tzinfo=ZoneInfo("UTC"))
    paris = datetime(2022, 2, 28, 13, tzinfo=ZoneInfo("Europe/Paris"))
    assert utc == paris
    assert cached(utc) == cached(utc) == "2022-02-28T12:00:00+00:00 h2"
    assert cached(paris) == "2022-02-28T13:00:00+01:00 h2"
    assert cached(utc, level=3) == cached(utc, level=3) == "2022-02-28T12:00:00+00:00 h3"
    assert made == [(utc, 2), (paris, 2), (utc, 3)]


def test_a_recent_cache_keeps_the_last_entries_put_or_found_and_drops_older_ones():
    from generator.plan.recent import Recent

    kept = Recent(2)
    kept.put("a", 1)
    kept.put("b", 2)
    kept.put("c", 3)  # the young half was full: a and b are now the old half
    assert kept.get("a") == 1  # found in the old half: young again
    kept.put("d", 4)  # c and a become the old half, b is dropped
    assert (kept.get("b"), kept.get("c"), kept.get("a"), kept.get("d")) == (None, 3, 1, 4)
    assert len(kept) <= 4
    kept.clear()
    assert (len(kept), kept.get("d")) == (0, None)


def test_pages_are_planned_in_the_order_of_the_newest_article_they_show():
    # What lets a worker keep only its recent cards (plan/recent.py): an article's card is asked
    # for again within the next few pages, whichever list they belong to.
    from generator.plan.render import _by_newest_shown

    class Shown:
        def __init__(self, path):
            self.path = path

    newest, middle, oldest = Shown("c/"), Shown("b/"), Shown("a/")
    pages = [((newest, middle), "front page 1"), ((oldest,), "front page 2"), ((), "empty list"),
             ((newest,), "article c"), ((middle,), "article b"), ((oldest,), "article a"),
             ((middle, oldest), "tag page 1"), ((newest,), "section page 1")]
    assert _by_newest_shown((newest, middle, oldest), pages) == [
        "front page 1", "article c", "section page 1", "article b", "tag page 1",
        "front page 2", "article a", "empty list"]


def test_a_build_that_keeps_only_two_cards_at_a_time_writes_the_same_pages(sample_site, run, tmp_path, monkeypatch):
    """The cards, teasers and related cards a worker keeps are the last few thousand (recent.py):
    past that, one dropped is made again when a page shows it, and must be the same."""
    from generator.plan import recent

    puts = []
    put = recent.Recent.put
    monkeypatch.setattr(recent.Recent, "put", lambda self, key, value: (puts.append(key), put(self, key, value))[1])
    build(run, sample_site, tmp_path / "all", "--no-cache")
    made_keeping_all = len(puts)
    puts.clear()
    monkeypatch.setattr(recent, "PER_ARTICLE", 2)
    build(run, sample_site, tmp_path / "two", "--no-cache")

    assert len(puts) > made_keeping_all  # cards and teasers dropped, and made again
    kept_all, kept_two = snapshot(tmp_path / "all"), snapshot(tmp_path / "two")
    assert sorted(kept_all) == sorted(kept_two)
    assert [path for path in kept_all if kept_all[path][0] != kept_two[path][0]] == []


def test_a_build_within_a_memory_limit_keeps_fewer_cards_and_writes_the_same_pages(sample_site, run, tmp_path, monkeypatch):
    """`--memory-limit` trades memory for time: the caches of cards and teasers keep fewer (at
    100,000 articles they held some 200 MB of a 1 GiB build), the pages are the same."""
    from generator.plan import recent

    puts = []
    put = recent.Recent.put
    monkeypatch.setattr(recent.Recent, "put", lambda self, key, value: (puts.append(key), put(self, key, value))[1])
    monkeypatch.setattr(recent, "PER_ARTICLE_WITHIN_LIMIT", 2)
    build(run, sample_site, tmp_path / "free", "--no-cache")
    made_without_limit = len(puts)
    puts.clear()
    build(run, sample_site, tmp_path / "limited", "--no-cache", "--memory-limit", "64G")

    assert len(puts) > made_without_limit  # cards and teasers dropped, and made again
    free, limited = snapshot(tmp_path / "free"), snapshot(tmp_path / "limited")
    assert sorted(free) == sorted(limited)
    assert [path for path in free if free[path][0] != limited[path][0]] == []


def test_the_writer_keeps_the_folders_above_the_pages_and_only_the_last_few_others(tmp_path, monkeypatch):
    """An article's folder holds its page and is seldom asked for again: the writer does not keep
    every one (30 MB at 100,000 articles), only the folders above them and the last few made. Each
    folder is still made with one call, after those above it."""
    from generator.write.output import _Folders

    calls = []
    mkdir = os.mkdir
    monkeypatch.setattr(os, "mkdir", lambda path, *args, **kwargs: (calls.append(os.fspath(path)), mkdir(path, *args, **kwargs))[1])
    folders = _Folders(recent=10)
    posts = tmp_path / "out" / "posts"
    for n in range(500):
        folders.make(str(posts / f"story-{n}"))
        folders.make(posts / f"story-{n}")  # another file of the same article
    assert calls == [str(tmp_path / "out"), str(posts)] + [str(posts / f"story-{n}") for n in range(500)]
    assert all((posts / f"story-{n}").is_dir() for n in range(500))
    assert len(folders._young) + len(folders._old) <= 20
    assert str(posts) in folders._parents

    calls.clear()
    folders.make(posts / "story-7")  # asked for again long after: found made
    folders.make(posts / "story-7" / "images")
    assert calls == [str(posts / "story-7"), str(posts / "story-7" / "images")]
    assert (posts / "story-7" / "images").is_dir()
    (posts / "not-a-folder").write_text("a file where a folder should be")
    with pytest.raises(FileExistsError):
        folders.make(posts / "not-a-folder")


def test_a_theme_importing_the_cached_cards_with_context_gets_the_same_pages(make_site, run, tmp_path):
    """Imported `with context`, _macros.html is made again for every page, its cached card with
    it: the pages are those of the default theme all the same."""
    files = {f"content/story-{n}.md": article(f"Story {n}", f"2022-03-0{n}", tags="Transport, Rail")
             for n in range(1, 6)}
    default = make_site(files)
    build(run, default, tmp_path / "default")
    index = (REPO / "themes/default/templates/index.html").read_text(encoding="utf-8")
    assert '{% import "_macros.html" as m %}' in index
    files |= {"themes/child/theme.yaml": "parent: default\n",
              "themes/child/templates/index.html": index.replace('as m %}', 'as m with context %}')}
    child = make_site(files, config=MINIMAL_CONFIG + "theme: child\n")
    build(run, child, tmp_path / "child")

    for page in ("index.html", "page/2/index.html", "tags/rail/index.html"):
        assert (tmp_path / "child" / page).read_bytes() == (tmp_path / "default" / page).read_bytes(), page


# --- 8. determinism -------------------------------------------------------------------------------

def test_two_builds_are_byte_identical_and_a_rebuild_writes_nothing(sample_site, run, tmp_path):
    one, two = tmp_path / "one", tmp_path / "two"
    build(run, sample_site, one)
    build(run, sample_site, two)

    first = {path: data for path, (data, _) in snapshot(one).items()}
    second = {path: data for path, (data, _) in snapshot(two).items()}
    assert sorted(first) == sorted(second)
    different = [path for path in first if first[path] != second[path]]
    assert different == []

    # Age every file, so that a rewrite cannot hide within the clock's resolution.
    for file in one.rglob("*"):
        if file.is_file():
            os.utime(file, ns=(1_000_000_000_000_000_000, 1_000_000_000_000_000_000))
    before = snapshot(one)
    result = build(run, sample_site, one)

    assert snapshot(one) == before
    assert " 0 files written" in result.out, result.out
    assert f"{len(first) - 1} unchanged" in result.out, result.out  # every file but the manifest
    assert " 0 removed" in result.out, result.out


def test_each_folder_of_the_output_is_made_with_one_mkdir(sample_site, run, tmp_path, monkeypatch):
    """Making a folder costs a tenth of a millisecond or more on some disks: none is tried twice,
    none is tried before its parent is there."""
    calls = []
    mkdir = os.mkdir

    def counted(path, *args, **kwargs):
        calls.append(os.fspath(path))
        return mkdir(path, *args, **kwargs)

    monkeypatch.setattr(os, "mkdir", counted)
    out = (tmp_path / "out").resolve()
    build(run, sample_site, out)

    folders = sorted(str(p) for p in out.rglob("*") if p.is_dir())
    assert len(folders) > 20
    assert sorted(c for c in calls if c.startswith(f"{out}{os.sep}")) == folders


# --- 9. stale pruning -----------------------------------------------------------------------------

def test_a_deleted_article_disappears_from_the_output(sample_site, run, tmp_path):
    out = tmp_path / "out"
    build(run, sample_site, out)
    assert (out / LIBRARY_URL.strip("/") / "index.html").is_file()
    assert (out / "tags" / "culture" / "index.html").is_file()  # Culture: only this article
    (out / "CNAME").write_text("news.example.org\n")  # put there by the user, not by Broadsheet
    before = snapshot(out)

    (sample_site / "content" / LIBRARY_FILE).unlink()
    result = build(run, sample_site, out)

    after = snapshot(out)
    gone = set(before) - set(after)
    assert {"2022/03/01/central-library-reopens/index.html", "tags/culture/index.html",
            "tags/culture/feed.xml", "page/3/index.html"} <= gone
    assert f"{len(gone)} removed" in result.out, result.out
    assert not (out / "2022" / "03" / "01").exists(), "an empty folder was left behind"
    assert not (out / "tags" / "culture").exists(), "an empty folder was left behind"
    assert not (out / "page" / "3").exists()
    assert (out / "2022" / "03").is_dir()
    assert (out / "CNAME").read_text() == "news.example.org\n"

    mentions = [path for path, (data, _) in after.items()
                if b"central-library-reopens" in data or b"Central Library reopens" in data]
    assert mentions == [], "still mentioned in " + ", ".join(mentions)
    site = Served(out, BASE)
    assert LIBRARY_URL not in headline_links(site.page("/")) + headline_links(site.page("/page/2/"))
    assert LIBRARY_URL not in headline_links(site.page("/tags/libraries/"))
    assert "/tags/culture/" not in [a.attrs.get("href") for a in site.page("/tags/").find_all("a")]
    assert broken_page_links(site) == []


# --- 10. nothing loaded from another host ---------------------------------------------------------

def test_pages_load_nothing_from_another_host(built):
    out = built.out()
    site = Served(out, BASE)
    resources = {"link": "href", "script": "src", "img": "src", "iframe": "src", "source": "src",
                 "video": "src", "audio": "src", "embed": "src", "object": "data"}
    foreign, stylesheets = [], 0

    for file in site.html_files():
        page_url = site.url_of(file)
        for node in parse_html(file.read_text(encoding="utf-8")).iter():
            if node.tag not in resources:
                continue
            if node.tag == "link" and not {"stylesheet", "icon", "preload", "modulepreload", "manifest"} & set(
                    (node.attrs.get("rel") or "").lower().split()):
                continue  # canonical, alternate: links, not loaded
            if node.tag == "link" and "stylesheet" in (node.attrs.get("rel") or "").split():
                stylesheets += 1
            values = [node.attrs.get(resources[node.tag]) or ""]
            values += [c.strip().split()[0] for c in (node.attrs.get("srcset") or "").split(",") if c.strip()]
            for value in values:
                url = urljoin(page_url, value)
                if urlsplit(url).scheme in ("http", "https") and urlsplit(url).netloc != site.host:
                    foreign.append(f"{file.relative_to(out)}: <{node.tag}> loads {url}")
    for css in out.rglob("*.css"):
        for url in re.findall(r"""(?:url\(\s*['"]?|@import\s+['"])([^'")\s]+)""", css.read_text(encoding="utf-8")):
            if re.match(r"^(https?:)?//", url):
                foreign.append(f"{css.relative_to(out)} loads {url}")

    assert stylesheets >= len(site.theme_pages())
    assert foreign == [], "\n".join(foreign)


def test_every_page_shows_the_themes_icon_an_svg_served_from_the_site(built):
    # Without a declared icon, a browser asks every page's host for /favicon.ico: a 404 each time.
    out = built.out()
    site = Served(out, BASE)
    icons = set()
    for file in site.theme_pages():
        links = [node for node in parse_html(file.read_text(encoding="utf-8")).iter()
                 if node.tag == "link" and "icon" in (node.attrs.get("rel") or "").lower().split()]
        assert len(links) == 1, f"{file.relative_to(out)}: {len(links)} icons"
        assert links[0].attrs.get("type") == "image/svg+xml"
        icons.add(urljoin(site.url_of(file), links[0].attrs["href"]))
    assert len(icons) == 1
    icon = site.file_for(icons.pop())
    assert icon is not None and icon.is_file()
    svg = ET.fromstring(icon.read_bytes())
    assert svg.tag == "{http://www.w3.org/2000/svg}svg" and svg.get("viewBox") == "0 0 32 32"


# --- 11. static files -----------------------------------------------------------------------------

def test_files_under_content_and_the_theme_css_are_copied(sample_site, run, tmp_path):
    (sample_site / "content" / "docs" / "2022").mkdir(parents=True)
    pdf = b"%PDF-1.4\n% not really a report\n"
    (sample_site / "content" / "docs" / "2022" / "budget report.pdf").write_bytes(pdf)
    out = tmp_path / "out"
    build(run, sample_site, out)

    others = [p for p in (sample_site / "content").rglob("*") if p.is_file() and p.suffix != ".md"]
    # the flood map, the council chamber, the share image, the report, the five authors' portraits
    assert len(others) == 9
    for source in others:
        copy = out / source.relative_to(sample_site / "content")
        assert copy.is_file(), f"{source.name} was not copied"
        assert copy.read_bytes() == source.read_bytes()
    assert (out / "2022" / "flood-map.svg").read_bytes() == (REPO / "content/2022/flood-map.svg").read_bytes()

    css = out / "theme" / "css" / "site.css"
    assert css.read_bytes() == (REPO / "themes/default/static/css/site.css").read_bytes()
    site = Served(out, BASE)
    for file in site.theme_pages():
        sheets = [link.attrs["href"] for link in parse_html(file.read_text(encoding="utf-8")).find_all("link")
                  if "stylesheet" in (link.attrs.get("rel") or "").split()]
        assert "/theme/css/site.css" in sheets, file


# --- what a build shows on a terminal while it works -------------------------------------------------

def _build_on(site: Path, terminal: bool) -> tuple[int, str]:
    """`broadsheet build` with its stderr on a pseudo-terminal (as in a shell) or a pipe: its
    exit status and everything it wrote there."""
    import pty
    import sys

    command = [sys.executable, "-m", "generator", "build", "--site", str(site), "--no-search"]
    if not terminal:
        done = subprocess.run(command, capture_output=True, text=True, cwd=REPO)
        return done.returncode, done.stderr
    controller, follower = pty.openpty()
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=follower, cwd=REPO)
    os.close(follower)
    shown = b""
    while True:
        try:
            chunk = os.read(controller, 65536)
        except OSError:  # the build has closed its end
            break
        if not chunk:
            break
        shown += chunk
    os.close(controller)
    return process.wait(), shown.decode()


def test_a_build_shows_on_a_terminal_what_it_is_doing_and_nothing_in_a_pipe(tmp_path):
    # A thousand articles: the reading is told every thousand files, the writing every 500.
    site = tmp_path / "site"
    (site / "content/posts").mkdir(parents=True)
    (site / "config.yaml").write_text(MINIMAL_CONFIG)
    for number in range(1000):
        (site / f"content/posts/story-{number:04}.md").write_text(
            article(f"Story {number}", f"2022-03-{number % 28 + 1:02}", f"Text of story {number}."))
    status, shown = _build_on(site, terminal=True)
    assert status == 0, shown
    lines = shown.split("\r\033[K")
    assert "reading: 1000 of 1000 Markdown files" in lines
    planning = "1000 articles read (1000 rendered, 0 from the cache); planning the pages"
    assert planning in lines
    assert "500 of " in shown and " files made" in shown
    assert lines.index("reading: 1000 of 1000 Markdown files") < lines.index(planning)
    assert shown.endswith("\r\033[K")  # the line taken away before the summary (on stdout)

    shutil.rmtree(site / ".cache")
    shutil.rmtree(site / "output")
    status, piped = _build_on(site, terminal=False)
    assert (status, piped) == (0, "")
