"""What a reader finds in an export, whatever its format: the one language between the readers
and the writer."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Literal
from urllib.parse import unquote, urlsplit

from ..urls import slugify


@dataclass(frozen=True)
class ImportedAuthor:
    """Someone who wrote for the old site: an entry of authors.yaml, if it has none yet."""

    key: str  # how the export's items name them (a login): the id asked for in authors.yaml
    name: str  # display name
    bio: str = ""


@dataclass(frozen=True)
class Item:
    """One article or page, ready to be written as Markdown with front matter."""

    kind: Literal["article", "page"]
    title: str
    slug: str
    body: str  # Markdown
    date: datetime | None  # aware, in the old site's own offset; None only for pages
    origin: str  # how a message names it: its title and old URL
    draft: bool = False
    authors: tuple[str, ...] = ()  # ImportedAuthor.key of each, or plain names
    category: str | None = None
    tags: tuple[str, ...] = ()
    summary: str | None = None
    image: str | None = None
    image_alt: str | None = None
    image_caption: str | None = None
    aliases: tuple[str, ...] = ()  # old URLs as site paths
    weight: int = 0  # pages: their order in the navigation
    note: str = ""  # how it was read, for the summary: "draft", "scheduled", "private"


@dataclass(frozen=True)
class Copied:
    """A source file moved over as it is but for what Broadsheet cannot read (Jekyll, Hugo): its
    text, for content/<path>."""

    path: str  # under content/, POSIX
    text: str
    title: str  # as its front matter says: a file there with this title is this one, imported before
    origin: str
    kind: Literal["article", "page"] = "article"
    note: str = ""  # "draft"


@dataclass(frozen=True)
class Resource:
    """A file that goes along with an article (an image of a Hugo page bundle): copied, never over
    a file that is there."""

    path: str  # under content/, POSIX
    source: Path
    origin: str


@dataclass(frozen=True)
class Notice:
    """Something the user should know, about one item (origin) or the whole export.
    skipped: the item was not imported because of it (then the command exits 1)."""

    message: str
    origin: str = ""
    skipped: bool = False


@dataclass(frozen=True)
class Skip:
    """An item left out on purpose (WordPress's trash, a revision): counted, not an error."""

    origin: str
    why: str


@dataclass(frozen=True)
class Comments:
    """Comments of the old site, counted: Broadsheet has none to import them into."""

    count: int


Found = ImportedAuthor | Item | Copied | Resource | Notice | Skip | Comments


def planned_file(kind: str, date: datetime | None, slug: str) -> str:
    """Where an item is written, under content/: YYYY/YYYY-MM-DD-slug.md, or pages/slug.md. (The
    writer adds -2, -3 ... only when another file holds that name.)"""
    if kind == "page" or date is None:
        return f"pages/{slug}.md"
    return f"{date:%Y}/{date:%Y-%m-%d}-{slug}.md"


def slug_of_url(url: str) -> str:
    """The slug an old post's URL gives: its last path segment without a suffix
    ("https://x.example/2019/05/old-title.html" gives "old-title"); empty for none."""
    return slugify(unquote(urlsplit(url).path.rstrip("/").rsplit("/", 1)[-1].rsplit(".", 1)[0])) if url else ""
