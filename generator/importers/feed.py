"""An RSS or Atom feed, read with feedparser: the last posts of a blog whose export is out of reach.

A feed often carries only summaries: the full text (`content:encoded`, Atom's `content`) is taken
when there is one, else the summary, with a warning for each such item. A date keeps the offset it
was written with (feedparser's parsed dates are UTC only, so the text is read again here).
feedparser reads the whole file, which a feed's size allows; it resolves no external entity.
"""

from __future__ import annotations

import email.utils
import html as html_escaping
from collections.abc import Iterator
from datetime import datetime, timezone, tzinfo
from pathlib import Path

from ..read.fields import alias_path
from ..urls import slugify
from . import html
from .model import Found, ImportedAuthor, Item, Notice, slug_of_url


def read(path: Path, fallback_zone: tzinfo) -> Iterator[Found]:
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
    authors: set[str] = set()
    for entry in entries:
        yield from _entry(entry, authors)


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
