"""RSS 2.0, Atom 1.0, sitemap.xml and robots.txt, built with an XML library, never string-pasted."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Sequence
from datetime import datetime, timezone
from email.utils import format_datetime
from urllib.parse import urlsplit

from . import __version__
from .content import Article
from .site import Site
from .urls import Urls, slugify

ATOM = "http://www.w3.org/2005/Atom"
CONTENT = "http://purl.org/rss/1.0/modules/content/"
DC = "http://purl.org/dc/elements/1.1/"
SITEMAP = "http://www.sitemaps.org/schemas/sitemap/0.9"
for prefix, uri in (("atom", ATOM), ("content", CONTENT), ("dc", DC)):
    ET.register_namespace(prefix, uri)

GENERATOR = "Broadsheet"
_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)
_ROOT_RELATIVE = re.compile(r'(\s(?:href|src)=")/(?!/)')
_FRAGMENT_ONLY = re.compile(r'(\s(?:href|src)=")#')


def rss(site: Site, articles: Sequence[Article], self_path: str, title: str, link_path: str) -> bytes:
    config = site.config
    u = _urls(site)
    items = articles[:config.feed.items]
    root = ET.Element("rss", {"version": "2.0"})
    channel = ET.SubElement(root, "channel")
    _text(channel, "title", title)
    _text(channel, "link", u.absolute(link_path))
    _text(channel, "description", config.description or title)
    _text(channel, "language", config.language)
    if items:
        _text(channel, "lastBuildDate", format_datetime(_newest(items)))
    _text(channel, "generator", GENERATOR)
    ET.SubElement(channel, f"{{{ATOM}}}link",
                  {"href": u.absolute(self_path), "rel": "self", "type": "application/rss+xml"})
    origin = _origin(config.base_url)
    for article in items:
        item = ET.SubElement(channel, "item")
        _text(item, "title", article.title)
        _text(item, "link", u.absolute(article.path))
        _text(item, "guid", u.absolute(article.path)).set("isPermaLink", "true")
        _text(item, "pubDate", format_datetime(article.date))
        for author in article.authors:
            _text(item, f"{{{DC}}}creator", author)
        for tag in article.tags:
            _text(item, "category", tag)
        page_url = u.absolute(article.path)
        _text(item, "description", _absolute_links(article.summary_html, origin, page_url))
        if config.feed.full_content:
            _text(item, f"{{{CONTENT}}}encoded", _absolute_links(article.content_html, origin, page_url))
    return _serialise(root)


def atom(site: Site, articles: Sequence[Article]) -> bytes:
    config = site.config
    u = _urls(site)
    items = articles[:config.feed.items]
    origin = _origin(config.base_url)
    feed = ET.Element(f"{{{ATOM}}}feed", {"{http://www.w3.org/XML/1998/namespace}lang": config.language})
    _text(feed, f"{{{ATOM}}}id", config.base_url)
    _text(feed, f"{{{ATOM}}}title", config.title)
    if config.description:
        _text(feed, f"{{{ATOM}}}subtitle", config.description)
    _text(feed, f"{{{ATOM}}}updated", _rfc3339(_newest(items) if items else _EPOCH))
    ET.SubElement(feed, f"{{{ATOM}}}link", {"rel": "self", "type": "application/atom+xml",
                                            "href": u.absolute("atom.xml")})
    ET.SubElement(feed, f"{{{ATOM}}}link", {"rel": "alternate", "type": "text/html", "href": config.base_url})
    author = ET.SubElement(feed, f"{{{ATOM}}}author")
    _text(author, f"{{{ATOM}}}name", config.author or config.title)
    _text(feed, f"{{{ATOM}}}generator", GENERATOR).set("version", __version__)
    for article in items:
        entry = ET.SubElement(feed, f"{{{ATOM}}}entry")
        _text(entry, f"{{{ATOM}}}id", u.absolute(article.path))
        _text(entry, f"{{{ATOM}}}title", article.title).set("type", "text")
        ET.SubElement(entry, f"{{{ATOM}}}link", {"rel": "alternate", "type": "text/html",
                                                 "href": u.absolute(article.path)})
        _text(entry, f"{{{ATOM}}}published", _rfc3339(article.date))
        _text(entry, f"{{{ATOM}}}updated", _rfc3339(article.updated or article.date))
        for name in article.authors:
            _text(ET.SubElement(entry, f"{{{ATOM}}}author"), f"{{{ATOM}}}name", name)
        for tag in article.tags:
            ET.SubElement(entry, f"{{{ATOM}}}category", {"term": slugify(tag), "label": tag})
        page_url = u.absolute(article.path)
        _text(entry, f"{{{ATOM}}}summary", _absolute_links(article.summary_html, origin, page_url)).set("type", "html")
        if config.feed.full_content:
            _text(entry, f"{{{ATOM}}}content", _absolute_links(article.content_html, origin, page_url)).set("type", "html")
    return _serialise(feed)


def sitemap(site: Site) -> bytes:
    u = _urls(site)
    urlset = ET.Element(f"{{{SITEMAP}}}urlset")

    def add(path: str, lastmod: datetime | None) -> None:
        url = ET.SubElement(urlset, f"{{{SITEMAP}}}url")
        _text(url, f"{{{SITEMAP}}}loc", u.absolute(path))
        if lastmod is not None:
            _text(url, f"{{{SITEMAP}}}lastmod", _rfc3339(lastmod))

    newest = _newest(site.articles) if site.articles else None
    for list_page in site.index:
        add(list_page.path, newest if list_page.number == 1 else None)
    for article in site.articles:
        add(article.path, article.updated or article.date)
    for page in site.pages:
        add(page.path, None)
    add("/tags/", newest)
    for tag in site.tags:
        for list_page in site.tag_lists[tag.slug]:
            add(list_page.path, _newest(tag.articles) if list_page.number == 1 else None)
    return _serialise(urlset, default_namespace=SITEMAP)


def robots(site: Site) -> bytes:
    return f"User-agent: *\nAllow: /\n\nSitemap: {_urls(site).absolute('sitemap.xml')}\n".encode()


def _urls(site: Site) -> Urls:
    return Urls(site.config.base_url, site.config.root)


def _origin(base_url: str) -> str:
    parts = urlsplit(base_url)
    return f"{parts.scheme}://{parts.netloc}"


def _absolute_links(html: str, origin: str, page_url: str) -> str:
    """Feed readers show content away from the site: root-relative links must become absolute,
    and a bare #fragment (footnotes) must point into the article, not into the feed."""
    html = _ROOT_RELATIVE.sub(rf"\g<1>{origin}/", html)
    return _FRAGMENT_ONLY.sub(lambda m: f"{m.group(1)}{page_url}#", html)


def _newest(articles: Sequence[Article]) -> datetime:
    return max(a.updated or a.date for a in articles)


def _rfc3339(value: datetime) -> str:
    return value.isoformat(timespec="seconds")


def _text(parent: ET.Element, tag: str, text: str) -> ET.Element:
    element = ET.SubElement(parent, tag)
    element.text = text
    return element


def _serialise(root: ET.Element, default_namespace: str | None = None) -> bytes:
    ET.indent(root)
    return ET.tostring(root, encoding="utf-8", xml_declaration=True, default_namespace=default_namespace) + b"\n"
