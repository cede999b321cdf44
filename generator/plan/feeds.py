"""RSS 2.0, Atom 1.0, sitemap.xml, the Google News sitemap and robots.txt.

Written as text, byte for byte what ElementTree wrote before (`ET.indent` then `ET.tostring`
with an XML declaration): building and serialising a tree of Elements cost more than a
whole article page. Nothing is pasted in unescaped: every text goes through _text and every
attribute value through _attr, which escape exactly as ElementTree does; the tags, prefixes
and namespace declarations are the constants below.
"""

from __future__ import annotations

import re

from collections.abc import Callable, Sequence
from datetime import datetime, timedelta, timezone
from email.utils import format_datetime
from urllib.parse import urlsplit

from .. import __version__
from ..model.site import Site
from ..read.content import Article
from ..urls import CORRECTIONS_PATH, Urls, slugify
from .recent import Recent

ATOM = "http://www.w3.org/2005/Atom"
CONTENT = "http://purl.org/rss/1.0/modules/content/"
DC = "http://purl.org/dc/elements/1.1/"
SITEMAP = "http://www.sitemaps.org/schemas/sitemap/0.9"
NEWS = "http://www.google.com/schemas/sitemap-news/0.9"

NEWS_SITEMAP = "news-sitemap.xml"  # at the output root, listed in robots.txt
NEWS_WINDOW = timedelta(hours=48)  # Google News: only articles first published in the last two days
NEWS_PER_FILE = 1000  # Google News: at most 1,000 <news:news> a file; more go under a sitemap index

GENERATOR = "Broadsheet"
_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)
_DECLARATION = "<?xml version='1.0' encoding='utf-8'?>\n"


def rss(site: Site, articles: Sequence[Article], self_path: str, title: str, link_path: str) -> bytes:
    config = site.config
    u = _urls(site)
    items = articles[:config.feed.items]
    full = config.feed.full_content
    origin = _origin(config.base_url)
    # A namespace is declared only where it is used, as ElementTree does, in the order of the prefixes.
    namespaces = f' xmlns:atom="{ATOM}"'
    if full and items:
        namespaces += f' xmlns:content="{CONTENT}"'
    if any(article.authors for article in items):
        namespaces += f' xmlns:dc="{DC}"'
    out = [_DECLARATION, f'<rss{namespaces} version="2.0">\n  <channel>\n',
           _leaf("    ", "title", title),
           _leaf("    ", "link", u.absolute(link_path)),
           _leaf("    ", "description", config.description or title),
           _leaf("    ", "language", config.language)]
    if items:
        out.append(_leaf("    ", "lastBuildDate", format_datetime(_newest(items))))
    out.append(_leaf("    ", "generator", GENERATOR))
    out.append(f'    <atom:link href="{_attr(u.absolute(self_path))}" rel="self" type="application/rss+xml" />\n')
    settings = (config.base_url, config.root)
    for article in items:
        head, page_url = _kept_head("rss", article, settings, _rss_head, u, origin)
        out.append(head)
        if full:
            out.append(_escaped_leaf("      ", "content:encoded", _feed_body(article, origin, page_url)))
        out.append("    </item>\n")
    out.append("  </channel>\n</rss>\n")
    return _encode(out)


def atom(site: Site, articles: Sequence[Article], self_path: str, title: str, link_path: str) -> bytes:
    """The site's feed (self_path /atom.xml), or a list's: its id is the list's page."""
    config = site.config
    u = _urls(site)
    items = articles[:config.feed.items]
    full = config.feed.full_content
    origin = _origin(config.base_url)
    out = [_DECLARATION, f'<atom:feed xmlns:atom="{ATOM}" xml:lang="{_attr(config.language)}">\n',
           _leaf("  ", "atom:id", u.absolute(link_path)),
           _leaf("  ", "atom:title", title)]
    if config.description:
        out.append(_leaf("  ", "atom:subtitle", config.description))
    out.append(_leaf("  ", "atom:updated", _rfc3339(_newest(items) if items else _EPOCH)))
    out.append(f'  <atom:link rel="self" type="application/atom+xml" href="{_attr(u.absolute(self_path))}" />\n')
    out.append(f'  <atom:link rel="alternate" type="text/html" href="{_attr(u.absolute(link_path))}" />\n')
    out.append("  <atom:author>\n")
    out.append(_leaf("    ", "atom:name", config.author or config.title))
    out.append("  </atom:author>\n")
    out.append(_leaf("  ", "atom:generator", GENERATOR, f' version="{_attr(__version__)}"'))
    settings = (config.base_url, config.root)
    for article in items:
        head, page_url = _kept_head("atom", article, settings, _atom_head, u, origin)
        out.append(head)
        if full:
            out.append(_escaped_leaf("    ", "atom:content", _feed_body(article, origin, page_url), ' type="html"'))
        out.append("  </atom:entry>\n")
    out.append("</atom:feed>\n")
    return _encode(out)


def _rss_head(article: Article, u: Urls, origin: str) -> tuple[str, str]:
    """An article's <item> up to its body (content:encoded), and its page's URL."""
    page_url = u.absolute(article.path)
    out = ["    <item>\n",
           _leaf("      ", "title", article.title),
           _leaf("      ", "link", page_url),
           _leaf("      ", "guid", page_url, ' isPermaLink="true"'),
           _leaf("      ", "pubDate", format_datetime(article.date))]
    for author in article.authors:
        out.append(_leaf("      ", "dc:creator", author))
    for tag in article.tags:
        out.append(_leaf("      ", "category", tag))
    out.append(_leaf("      ", "description", _absolute_links(article.summary_html, origin, page_url)))
    return "".join(out), page_url


def _atom_head(article: Article, u: Urls, origin: str) -> tuple[str, str]:
    """An article's <atom:entry> up to its body (atom:content), and its page's URL."""
    page_url = u.absolute(article.path)
    out = ["  <atom:entry>\n",
           _leaf("    ", "atom:id", page_url),
           _leaf("    ", "atom:title", article.title, ' type="text"'),
           f'    <atom:link rel="alternate" type="text/html" href="{_attr(page_url)}" />\n',
           _leaf("    ", "atom:published", _rfc3339(article.date)),
           _leaf("    ", "atom:updated", _rfc3339(article.updated or article.date))]
    for name in article.authors:
        out.append("    <atom:author>\n")
        out.append(_leaf("      ", "atom:name", name))
        out.append("    </atom:author>\n")
    for tag in article.tags:
        out.append(f'    <atom:category term="{_attr(slugify(tag))}" label="{_attr(tag)}" />\n')
    out.append(_leaf("    ", "atom:summary", _absolute_links(article.summary_html, origin, page_url),
                     ' type="html"'))
    return "".join(out), page_url


# An article's <item> and <atom:entry> up to its body, as text, by the article (its id, the article
# kept with it so that the id is not reused) and the settings they show it with: the same in the
# site's feeds and in those of each list it is on (its tags', its section's, its authors'). Without
# the body (kept apart, see _feed_body) each is a few hundred bytes: a worker can keep thousands.
_FEED_HEADS: Recent[tuple[str, int], tuple[Article, tuple[str, str], tuple[str, str]]] = Recent(4096)


def _kept_head(kind: str, article: Article, settings: tuple[str, str],
               make: Callable[[Article, Urls, str], tuple[str, str]], u: Urls, origin: str) -> tuple[str, str]:
    key = (kind, id(article))
    kept = _FEED_HEADS.get(key)
    if kept is not None and kept[0] is article and kept[1] == settings:
        return kept[2]
    made = make(article, u, origin)
    _FEED_HEADS.put(key, (article, settings, made))
    return made


def sitemap_entries(site: Site) -> list[tuple[str, str | None]]:
    """Every page with its last change (none where it cannot be told): the front page and every
    list, each article, each page, the indexes. Plain values, so that a digest of them is what
    the sitemap's fingerprint holds."""
    entries: list[tuple[str, str | None]] = []
    newest = _rfc3339(_newest(site.articles)) if site.articles else None
    for list_page in site.index:
        entries.append((list_page.path, newest if list_page.number == 1 else None))
    entries.extend((article.path, _rfc3339(article.updated or article.date)) for article in site.articles)
    entries.extend((page.path, None) for page in site.pages)
    for kind in site.kinds:
        if kind.index is not None:
            entries.append((kind.index.path, newest))
        for term in site.lists[kind.name]:
            changed = _rfc3339(_newest(term.articles))
            entries.extend((list_page.path, changed if list_page.number == 1 else None) for list_page in term.pages)
    entries.append((CORRECTIONS_PATH, None))
    return entries


def sitemap(site: Site, entries: list[tuple[str, str | None]]) -> bytes:
    u = _urls(site)
    out = [_DECLARATION, f'<urlset xmlns="{SITEMAP}">\n']
    for path, lastmod in entries:
        out.append("  <url>\n")
        out.append(_leaf("    ", "loc", u.absolute(path)))
        if lastmod is not None:
            out.append(_leaf("    ", "lastmod", lastmod))
        out.append("  </url>\n")
    out.append("</urlset>\n")
    return _encode(out)


NewsEntry = tuple[str, str, str]  # an article's path, title and publication date (W3C, the site's offset)


def news_entries(site: Site, now: datetime) -> list[NewsEntry]:
    """The articles first published within NEWS_WINDOW before now, newest first: never a draft
    or a scheduled one (a build with --drafts or --future has them). Plain values, so that a
    digest of them is what the news sitemap's fingerprint holds."""
    cutoff = now - NEWS_WINDOW
    tz = site.config.tz
    entries = []
    for article in site.articles:  # newest first: the window is at the start
        if article.date <= cutoff:
            break
        if not article.draft and not article.scheduled and article.date <= now:
            entries.append((article.path, article.title, _rfc3339(article.date.astimezone(tz))))
    return entries


def news_change(site: Site, now: datetime) -> datetime | None:
    """When the news sitemap next changes by the clock alone: the first article of the window
    leaves it (48 hours after its date). An article that comes into it is a scheduled one,
    which content.next_change already gives."""
    cutoff = now - NEWS_WINDOW
    leaving = None
    for article in site.articles:
        if article.date <= cutoff:
            break
        if not article.draft and not article.scheduled and article.date <= now:
            leaving = article.date  # newest first: the last one seen is the oldest
    return leaving + NEWS_WINDOW if leaving is not None else None


def news_files(entries: list[NewsEntry]) -> list[tuple[str, list[NewsEntry]]]:
    """The news sitemap's files: news-sitemap.xml holding every entry, or, past NEWS_PER_FILE,
    news-sitemap-1.xml, news-sitemap-2.xml, ... of NEWS_PER_FILE each (news-sitemap.xml is
    then their index, see news_sitemap_index). Its name stays the one robots.txt gives."""
    if len(entries) <= NEWS_PER_FILE:
        return [(NEWS_SITEMAP, entries)]
    stem = NEWS_SITEMAP.removesuffix(".xml")
    return [(f"{stem}-{n}.xml", entries[start:start + NEWS_PER_FILE])
            for n, start in enumerate(range(0, len(entries), NEWS_PER_FILE), 1)]


def news_language(language: str) -> str:
    """The language as Google News wants it: an ISO 639 code ("en", "fr", "pt" for pt-BR), but
    zh-cn for Simplified and zh-tw for Traditional Chinese."""
    subtags = language.lower().replace("_", "-").split("-")
    if subtags[0] == "zh":
        return "zh-tw" if any(s in ("hant", "tw", "hk", "mo") for s in subtags[1:]) else "zh-cn"
    return subtags[0]


def news_sitemap(site: Site, entries: list[NewsEntry]) -> bytes:
    """A urlset of the entries, each with its <news:news>; with none, an empty urlset (Google:
    an empty news sitemap is fine, Search Console only asks whether it was meant; the
    sitemaps.org schema wants one <url> at least, which no site without news can give)."""
    config = site.config
    u = _urls(site)
    publication = ("      <news:publication>\n"
                   + _leaf("        ", "news:name", config.publisher_name)
                   + _leaf("        ", "news:language", news_language(config.language))
                   + "      </news:publication>\n")
    # The news namespace is declared only when used, as ElementTree does (see the module's doc).
    namespaces = f' xmlns="{SITEMAP}"' + (f' xmlns:news="{NEWS}"' if entries else "")
    out = [_DECLARATION, f"<urlset{namespaces}>\n"]
    for path, title, published in entries:
        out.append("  <url>\n")
        out.append(_leaf("    ", "loc", u.absolute(path)))
        out.append("    <news:news>\n")
        out.append(publication)
        out.append(_leaf("      ", "news:publication_date", published))
        out.append(_leaf("      ", "news:title", title))
        out.append("    </news:news>\n")
        out.append("  </url>\n")
    out.append("</urlset>\n")
    return _encode(out)


def news_sitemap_index(site: Site, names: list[str]) -> bytes:
    u = _urls(site)
    out = [_DECLARATION, f'<sitemapindex xmlns="{SITEMAP}">\n']
    for name in names:
        out.append("  <sitemap>\n")
        out.append(_leaf("    ", "loc", u.absolute(name)))
        out.append("  </sitemap>\n")
    out.append("</sitemapindex>\n")
    return _encode(out)


def robots(site: Site) -> bytes:
    u = _urls(site)
    return (f"User-agent: *\nAllow: /\n\nSitemap: {u.absolute('sitemap.xml')}\n"
            f"Sitemap: {u.absolute(NEWS_SITEMAP)}\n").encode()


def _urls(site: Site) -> Urls:
    return Urls(site.config.base_url, site.config.root)


def _origin(base_url: str) -> str:
    parts = urlsplit(base_url)
    return f"{parts.scheme}://{parts.netloc}"


def _absolute_links(html: str, origin: str, page_url: str) -> str:
    """Feed readers show content away from the site: root-relative links must become absolute,
    and a bare #fragment (footnotes) must point into the article, not into the feed."""
    if '="/' in html:
        html = _after_link_attributes(html, '="/', f'="{origin}/', True)
    if '="#' in html:
        html = _after_link_attributes(html, '="#', f'="{page_url}#', False)
    if ' srcset="' in html:  # responsive images (media/responsive.py): a URL for each width
        html = _SRCSET.sub(lambda m: m.group(1) + _absolute_srcset(m.group(2), origin) + '"', html)
    return html


_SRCSET = re.compile(r'(\ssrcset=")([^"]*)"')


def _absolute_srcset(srcset: str, origin: str) -> str:
    """Each root-relative URL of a srcset made absolute ("/a.480w.webp 480w, ..." after the first too)."""
    candidates = []
    for candidate in srcset.split(", "):
        if candidate.startswith("/") and not candidate.startswith("//"):
            candidate = origin + candidate
        candidates.append(candidate)
    return ", ".join(candidates)


def _after_link_attributes(html: str, mark: str, replacement: str, not_twice: bool) -> str:
    """html with `mark` replaced where it opens the value of an href or src attribute (preceded by
    the attribute's name and whitespace: `\\s(href|src)`), and, with not_twice, is not followed by
    another of its last character ("//host/..." is not root-relative). A regular expression did
    this at a tenth of the speed: it tried a match at every space of the body."""
    parts = html.split(mark)
    out = [parts[0]]
    for before, after in zip(parts, parts[1:]):
        # `before` is what follows the previous mark: too short to hold " href", the character
        # in front of it is the end of that mark, never whitespace.
        if ((before.endswith("href") and len(before) > 4 and before[-5].isspace())
                or (before.endswith("src") and len(before) > 3 and before[-4].isspace())) \
                and not (not_twice and after.startswith(mark[-1])):
            out.append(replacement)
        else:
            out.append(mark)
        out.append(after)
    return "".join(out)


def _newest(articles: Sequence[Article]) -> datetime:
    """The last change among articles newest first: an update, or the newest date of those not
    updated (a list of 10,000 would take long to compare date by date)."""
    changes = [a.updated for a in articles if a.updated is not None]
    plain = next((a.date for a in articles if a.updated is None), None)
    if plain is not None:
        changes.append(plain)
    return max(changes, key=datetime.timestamp)


def _rfc3339(value: datetime) -> str:
    return value.isoformat(timespec="seconds")


def _leaf(indent: str, tag: str, text: str, attributes: str = "") -> str:
    """An element on a line of its own holding text (attributes already escaped with _attr);
    without text it is written empty, <tag />, as ElementTree writes it."""
    return _escaped_leaf(indent, tag, _text(text), attributes)


def _escaped_leaf(indent: str, tag: str, escaped: str, attributes: str = "") -> str:
    if not escaped:
        return f"{indent}<{tag}{attributes} />\n"
    return f"{indent}<{tag}{attributes}>{escaped}</{tag}>\n"


# An article's body as feed items carry it (absolute links, escaped), by its digest and page: the
# same in its RSS and Atom items and in the feed of each list it is on, which a worker renders
# close together in plan order. The last few hundred of this build are kept (see forget_bodies);
# a worker never holds every body.
_FEED_BODIES: Recent[tuple[str, str, str], str] = Recent(128)


def forget_bodies() -> None:
    """Called as a build's plan starts: a body is read from the body file at least once in each
    build that shows it (as it was before they were kept), and the preview holds none between
    rebuilds."""
    _FEED_BODIES.clear()
    _FEED_HEADS.clear()


def _feed_body(article: Article, origin: str, page_url: str) -> str:
    key = (article.content_digest, origin, page_url)
    body = _FEED_BODIES.get(key) if article.content_digest else None
    if body is None:
        body = _text(_absolute_links(article.content_html, origin, page_url))
        _FEED_BODIES.put(key, body)
    return body


def _text(text: str) -> str:
    """Character data escaped as ElementTree escapes it."""
    if "&" in text:
        text = text.replace("&", "&amp;")
    if "<" in text:
        text = text.replace("<", "&lt;")
    if ">" in text:
        text = text.replace(">", "&gt;")
    return text


def _attr(text: str) -> str:
    """An attribute value escaped as ElementTree escapes it (line breaks and tabs as references,
    or a parser would turn them into spaces)."""
    text = _text(text)
    if '"' in text:
        text = text.replace('"', "&quot;")
    if "\r" in text:
        text = text.replace("\r", "&#13;")
    if "\n" in text:
        text = text.replace("\n", "&#10;")
    if "\t" in text:
        text = text.replace("\t", "&#09;")
    return text


def _encode(parts: list[str]) -> bytes:
    # ElementTree's writer: UTF-8, anything that cannot be encoded (a lone surrogate) as a reference.
    return "".join(parts).encode("utf-8", "xmlcharrefreplace")
