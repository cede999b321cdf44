"""Blogger's export (Settings → Back up content): an Atom feed of posts, pages, comments and the
blog's settings, read safely and streamed like WordPress's (defusedxml's iterparse).

Two shapes exist: the classic one says what an entry is by a `kind#post` category and a draft by
<app:draft>yes</app:draft>; the newer one by <blogger:type> and <blogger:status>. Both are read.
Exports have been seen using a namespace prefix (app:, thr:, georss:) they never declare, which
no XML parser accepts: the known ones are declared at the root as the file is read, and said so.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import datetime, tzinfo
from html import unescape
from pathlib import Path
from typing import BinaryIO
from xml.etree.ElementTree import Element, ParseError

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import iterparse

from ..read.fields import alias_path
from ..urls import slugify
from . import html
from .model import Comments, Found, ImportedAuthor, Item, Notice, Skip, slug_of_url

_NAMESPACES = {
    "app": "http://purl.org/atom/app#", "thr": "http://purl.org/syndication/thread/1.0",
    "georss": "http://www.georss.org/georss", "gd": "http://schemas.google.com/g/2005",
    "openSearch": "http://a9.com/-/spec/opensearchrss/1.0/", "media": "http://search.yahoo.com/mrss/",
    "blogger": "http://schemas.google.com/blogger/2018",
}
_ATOM = "{http://www.w3.org/2005/Atom}"
_LABELS = "http://www.blogger.com/atom/ns#"


def detect(head: bytes) -> bool:
    return b"<feed" in head and (b"blogger.com" in head or b"schemas.google.com/blogger" in head)


def read(path: Path, fallback_zone: tzinfo) -> Iterator[Found]:
    authors: set[str] = set()
    try:
        with path.open("rb") as raw:
            source = _Declaring(raw)
            depth = 0
            feed: Element | None = None
            for event, element in iterparse(source, events=("start", "end")):
                if event == "start":
                    depth += 1
                    if depth == 1:
                        feed = element
                        for prefix in source.declared:
                            yield Notice(f"the export uses the namespace prefix {prefix}: without declaring it; "
                                         f"read as {_NAMESPACES[prefix]}")
                    continue
                depth -= 1
                if depth == 1 and element.tag == _ATOM + "entry" and feed is not None:
                    yield from _entry(element, authors)
                    feed.remove(element)
    except ParseError as exc:
        line, column = getattr(exc, "position", (0, 0))
        yield Notice(f"{path.name} is not well-formed XML at line {line}, column {column} "
                     f"({str(exc).split(':')[0]}); the posts before it were read, the rest could not be",
                     skipped=True)
    except DefusedXmlException as exc:
        yield Notice(f"{path.name} asks for what a safe reader refuses ({type(exc).__name__}); "
                     "nothing after it was read", skipped=True)


class _Declaring:
    """The file as iterparse reads it, with the known namespace prefixes its root does not declare
    declared on it (one the file never uses costs nothing)."""

    def __init__(self, raw: BinaryIO) -> None:
        self._raw = raw
        head = raw.read(1 << 16)
        match = re.search(rb"<feed\b[^>]*>", head)
        self.declared: list[str] = []
        if match:
            root = match.group(0)
            extra = b"".join(f' xmlns:{p}="{uri}"'.encode() for p, uri in _NAMESPACES.items()
                             if f"xmlns:{p}=".encode() not in root)
            self.declared = [p for p, _ in _NAMESPACES.items() if f"xmlns:{p}=".encode() not in root
                             and f"<{p}:".encode() in head and f"xmlns:{p}=".encode() not in head]
            closing = len(root) - (2 if root.endswith(b"/>") else 1)
            head = head[:match.start()] + root[:closing] + extra + root[closing:] + head[match.end():]
        self._head = head

    def read(self, size: int = -1) -> bytes:
        if self._head:
            chunk, self._head = self._head, b""
            return chunk
        return self._raw.read(size)


def _kind(entry: Element) -> tuple[str, bool, bool]:
    """(post | page | comment | other, draft, deleted)."""
    kind = ""
    for category in entry.iter(_ATOM + "category"):
        term = category.get("term", "")
        if "kind#" in term:
            kind = term.rsplit("#", 1)[1]
    typed = entry.findtext("{%s}type" % _NAMESPACES["blogger"])
    if typed:
        kind = typed.lower()
    status = (entry.findtext("{%s}status" % _NAMESPACES["blogger"]) or "").upper()
    draft = (entry.findtext("{%s}control/{%s}draft" % (_NAMESPACES["app"], _NAMESPACES["app"])) or "").strip() == "yes"
    return kind, draft or status == "DRAFT", status in ("DELETED", "SOFT_TRASHED")


def _entry(entry: Element, authors: set[str]) -> Iterator[Found]:
    kind, draft, deleted = _kind(entry)
    if kind == "comment":
        yield Comments(1)
        return
    if kind not in ("post", "page"):
        return  # the blog's settings and template
    title = " ".join(unescape(entry.findtext(_ATOM + "title") or "").split())
    link = next((l.get("href", "") for l in entry.findall(_ATOM + "link")
                 if l.get("rel") == "alternate"), "")
    filename = entry.findtext("{%s}filename" % _NAMESPACES["blogger"]) or ""
    old = alias_path(link) if link else alias_path(filename) if filename else None
    origin = f"{title or '(untitled)'!r} ({link or filename or entry.findtext(_ATOM + 'id') or 'no address'})"
    if deleted:
        yield Skip(origin, "deleted")
        return
    published = entry.findtext(_ATOM + "published") or ""
    try:
        date = datetime.fromisoformat(published.strip().replace("Z", "+00:00"))
    except ValueError:
        date = None
    if date is None or date.tzinfo is None:
        yield Notice(f"cannot read its date ({published or 'none'}); not imported", origin, skipped=True)
        return
    notices: list[Notice] = []

    def warn(message: str) -> None:
        notices.append(Notice(message, origin))

    body = html.Body(warn)
    content = entry.find(_ATOM + "content")
    markup = content.text or "" if content is not None else ""
    if "<p" not in markup:  # Blogger's editor ends paragraphs with two <br />
        markup = re.sub(r"(?:<br\s*/?>\s*){2,}", "\n\n", markup)
    markdown = html.to_markdown(html.autop(markup, body), body)
    tags = tuple(dict.fromkeys(c.get("term", "").strip() for c in entry.findall(_ATOM + "category")
                               if c.get("scheme") in (_LABELS, None) and "kind#" not in c.get("term", "")
                               and c.get("term", "").strip()))
    name = " ".join((entry.findtext(f"{_ATOM}author/{_ATOM}name") or "").split())
    if name and name not in authors and name.lower() not in ("anonymous", "unknown"):
        authors.add(name)
        yield ImportedAuthor(name, name)
    thumbnail = entry.find("{%s}thumbnail" % _NAMESPACES["media"])
    slug = slug_of_url(link or filename)
    if re.fullmatch(r"blog-post(?:_\d+)?", slug):  # Blogger's name for a title it cannot spell in a URL
        slug = ""
    image = thumbnail.get("url") if thumbnail is not None else None
    if image:
        warn(f"its thumbnail {image} has no alt text in the export: add `image_alt` saying what it shows")
    yield from notices
    yield Item(kind="article" if kind == "post" else "page", title=title or "Untitled",
               slug=slug or slugify(title) or "post", body=markdown, date=date, origin=origin, draft=draft,
               authors=(name,) if name else (), tags=tags if kind == "post" else (), image=image,
               image_alt="" if image else None, aliases=(old,) if old and old != "/" else (),
               note="draft" if draft else "")
