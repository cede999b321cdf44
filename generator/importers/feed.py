"""An RSS or Atom feed, read with feedparser: the last posts of a blog whose export is out of reach.

A feed often carries only summaries: the full text (`content:encoded`, Atom's `content`) is taken
when there is one, else the summary, with a warning for each such item. A date keeps the offset it
was written with (feedparser's parsed dates are UTC only, so the text is read again here).

feedparser reads a whole document at once, so a large feed is streamed past it: expat (no tree,
no entity declarations) finds where each item starts and ends, and feedparser reads the items a
hundred at a time, each batch inside the feed's own opening and closing tags: its reading of every
item is the one it gives the whole file, in bounded memory. A feed expat cannot read that way (not
well-formed, declaring entities, in UTF-16, items under different parents) is read whole by
feedparser, as lenient as it is; it resolves no external entity.
"""

from __future__ import annotations

import email.utils
import html as html_escaping
from array import array
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timezone, tzinfo
from pathlib import Path
from typing import BinaryIO
from xml.parsers import expat

from ..read.fields import alias_path
from ..urls import slugify
from . import html
from .model import Found, ImportedAuthor, Item, Notice, slug_of_url


_BATCH = 100  # items given to feedparser at once: its memory is a batch's, not the file's
_BATCH_BYTES = 1 << 19  # and no more than this of them, however long each is
_READ = 1 << 20


def read(path: Path, fallback_zone: tzinfo) -> Iterator[Found]:
    authors: set[str] = set()
    layout = _layout(path)
    if layout is None:
        yield from _whole(path, authors)
        return
    if not layout.spans:
        yield Notice(f"{path.name} is a feed with no items; nothing to import", skipped=True)
        return
    warned = False
    for parsed in _batches(path, layout):
        if parsed.get("bozo") and not warned:  # well-formed, but feedparser has a doubt (its encoding)
            warned = True
            yield Notice(f"{path.name}: {parsed.get('bozo_exception')}; read as feedparser understood it")
        for entry in parsed.get("entries") or []:
            yield from _entry(entry, authors)


def _whole(path: Path, authors: set[str]) -> Iterator[Found]:
    """The feed read whole by feedparser, which reads what it can of a malformed one."""
    import feedparser  # only when a feed is imported

    parsed = feedparser.parse(str(path))
    entries = parsed.get("entries") or []
    if parsed.get("bozo") and not entries:
        problem = parsed.get("bozo_exception")
        yield Notice(f"{path.name} cannot be read as a feed ({problem}); nothing was imported", skipped=True)
        return
    if parsed.get("bozo"):
        yield Notice(f"{path.name} is not well-formed ({parsed.get('bozo_exception')}); "
                     "what feedparser could read was imported")
    if not entries:
        yield Notice(f"{path.name} is a feed with no items; nothing to import", skipped=True)
        return
    for entry in entries:
        yield from _entry(entry, authors)


@dataclass(frozen=True)
class _Layout:
    """Where a feed's items are, in bytes: each one can be cut out and read on its own."""

    head: bytes  # the file up to its first item: the prolog, the root, the channel's own elements
    tail: bytes  # the end tags of the elements open around the items
    spans: array  # start, end of each item: its first byte, and its end tag's (or after <item/>)
    end_tag: bytes = b""  # "</item" as the file writes it


class _NotStreamable(Exception):
    pass


def _layout(path: Path) -> _Layout | None:
    """The items' places, found by expat without building anything; None when the file must be
    read whole (expat cannot read it, or it declares entities: feedparser's own handling then)."""
    # Namespace-aware, so that an undeclared prefix sends the file to feedparser's lenient reading;
    # with each name's prefix, so that the end tags are written as the file has them.
    parser = expat.ParserCreate(namespace_separator=" ")
    parser.namespace_prefixes = True
    parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
    open_names: list[str] = []
    spans = array("q")
    around: list[str] | None = None  # the open elements around the first item, and the item's name
    inside = 0  # depth of the item being read, 0 outside

    def start(expanded: str, attributes: object) -> None:
        nonlocal around, inside
        name = _written(expanded)
        if not inside and open_names and name.rsplit(":", 1)[-1] in ("item", "entry"):
            if around is None:
                around = [*open_names, name]
            elif around != [*open_names, name]:
                raise _NotStreamable  # items of two names, or under two parents: one head cannot hold them
            inside = len(open_names) + 1
            spans.append(parser.CurrentByteIndex)
        open_names.append(name)

    def end(expanded: str) -> None:
        nonlocal inside
        if inside == len(open_names):
            inside = 0
            spans.append(parser.CurrentByteIndex)
        open_names.pop()

    def refuse(*_: object) -> None:
        raise _NotStreamable  # entities: left to feedparser, which reads a DOCTYPE its own way

    parser.StartElementHandler, parser.EndElementHandler = start, end
    parser.EntityDeclHandler = refuse
    try:
        with path.open("rb") as handle:
            first = handle.read(4)
            if first.startswith((b"\xfe\xff", b"\xff\xfe")) or b"\x00" in first:
                return None  # UTF-16 or -32: the closing tags could not be written in ASCII
            parser.Parse(first, False)
            while chunk := handle.read(_READ):
                parser.Parse(chunk, False)
            parser.Parse(b"", True)
            if not spans:
                return _Layout(b"", b"", spans)
            handle.seek(0)
            head = handle.read(spans[0])
    except (expat.ExpatError, _NotStreamable, RecursionError):
        return None
    assert around is not None
    return _Layout(head, "".join(f"</{name}>" for name in reversed(around[:-1])).encode(), spans,
                   f"</{around[-1]}".encode())


def _written(expanded: str) -> str:
    """expat's "URI local prefix" as the file writes the name: "prefix:local", or "local"."""
    parts = expanded.split(" ")
    return f"{parts[2]}:{parts[1]}" if len(parts) == 3 else parts[-1]


def _batches(path: Path, layout: _Layout) -> Iterator[dict]:
    """feedparser's reading of the feed, _BATCH items (or _BATCH_BYTES of them) at a time."""
    import feedparser  # only when a feed is imported

    with path.open("rb") as handle:
        pieces: list[bytes] = []
        size = 0
        for i in range(0, len(layout.spans), 2):
            pieces.append(_item_bytes(handle, layout, layout.spans[i], layout.spans[i + 1]))
            size += len(pieces[-1])
            if len(pieces) == _BATCH or size >= _BATCH_BYTES or i + 2 == len(layout.spans):
                yield feedparser.parse(b"".join([layout.head, *pieces, layout.tail]))
                pieces, size = [], 0


def _item_bytes(handle: BinaryIO, layout: _Layout, start: int, end: int) -> bytes:
    """One item as the file has it, from its < to its end tag's > (or an empty <item/>'s)."""
    handle.seek(start)
    text = handle.read(end - start + 256)
    at = end - start
    ends_here = text.startswith(layout.end_tag, at) and text[at + len(layout.end_tag):][:1] in b"> \t\r\n"
    return text[:text.find(b">", at) + 1] if ends_here else text[:at]


def _entry(entry, authors: set[str]) -> Iterator[Found]:
    title = " ".join(html_escaping.unescape(entry.get("title", "")).split())
    link = entry.get("link", "")
    origin = f"{title or '(untitled)'!r} ({link or entry.get('id', 'no address')})"
    date = _date(entry.get("published") or entry.get("updated") or "",
                 entry.get("published_parsed") or entry.get("updated_parsed"))
    if date is None:
        yield Notice("has no date that can be read; not imported", origin, skipped=True)
        return
    notices: list[Notice] = []

    def warn(message: str) -> None:
        notices.append(Notice(message, origin))

    contents = entry.get("content") or []
    if contents:
        markup, kind = contents[0].get("value", ""), contents[0].get("type", "text/html")
    else:
        markup, kind = entry.get("summary", ""), entry.get("summary_detail", {}).get("type", "text/html")
        warn("the feed gives only its summary, not the whole text: import the full export if there is one")
    if kind == "text/plain":
        markup = "".join(f"<p>{html_escaping.escape(p)}</p>" for p in markup.split("\n\n") if p.strip())
    body = html.Body(warn)
    markdown = html.to_markdown(html.autop(markup, body), body)

    byline = " ".join(str(entry.get("author", "")).split())
    if byline and byline not in authors:
        authors.add(byline)
        yield ImportedAuthor(byline, byline)
    tags = tuple(dict.fromkeys(" ".join(t.get("term", "").split()) for t in entry.get("tags", []) if t.get("term")))
    image = None
    for enclosure in [*entry.get("enclosures", []), *entry.get("media_content", []), *entry.get("media_thumbnail", [])]:
        url = enclosure.get("href") or enclosure.get("url")
        if url and (enclosure.get("type", "image/").startswith("image/") or enclosure in entry.get("media_thumbnail", [])):
            image = url
            warn(f"its image {url} has no alt text in the feed: add `image_alt` saying what it shows")
            break
    slug = slug_of_url(link)
    old = alias_path(link) if link else None
    yield from notices
    yield Item(kind="article", title=title or "Untitled", slug=slug or slugify(title) or "post", body=markdown,
               date=date, origin=origin, authors=(byline,) if byline else (), tags=tags,
               summary=html.plain_text(entry.get("summary", "")) if contents and entry.get("summary") else None,
               image=image, image_alt="" if image else None,
               aliases=(old,) if old and old != "/" else ())


def _date(text: str, parsed) -> datetime | None:
    """RFC 822 (RSS) or RFC 3339 (Atom) with its offset; else feedparser's reading, in UTC."""
    text = text.strip()
    for read in (email.utils.parsedate_to_datetime, lambda t: datetime.fromisoformat(t.replace("Z", "+00:00"))):
        try:
            value = read(text)
        except (TypeError, ValueError, IndexError):
            continue
        if value is not None and value.tzinfo is not None:
            return value
    if parsed:
        return datetime(*parsed[:6], tzinfo=timezone.utc)
    return None
