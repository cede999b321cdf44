"""Where things live on the built site: slugs, permalinks, output paths.

URLs here are site paths without the root ("/2022/02/28/slug/"); `Urls`
prefixes the root of base_url ("/news/") and makes absolute ones.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import datetime


def slugify(text: str) -> str:
    """ASCII, lower-case, words joined by hyphens: "Rail & Bus!" -> "rail-bus"."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    # An apostrophe joins, as the curly one (dropped as non-ASCII) does: "Council's" -> "councils".
    ascii_text = ascii_text.replace("'", "")
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")
    return slug


def article_path(pattern: str, date: datetime, slug: str, category: str | None) -> str:
    return pattern.format(
        year=f"{date.year:04d}", month=f"{date.month:02d}", day=f"{date.day:02d}",
        slug=slug, category=slugify(category) if category else "uncategorized",
    )


def page_path(slug: str) -> str:
    return f"/{slug}/"


def tag_path(slug: str, page: int = 1) -> str:
    return f"/tags/{slug}/" if page == 1 else f"/tags/{slug}/page/{page}/"


def index_path(page: int = 1) -> str:
    return "/" if page == 1 else f"/page/{page}/"


def file_for(path: str) -> str:
    """The output file for a site path: "/a/b/" -> "a/b/index.html"."""
    relative = path.lstrip("/")
    if relative == "" or relative.endswith("/"):
        return relative + "index.html"
    return relative


@dataclass(frozen=True)
class Urls:
    """Turns site paths into the URLs written into pages."""

    base_url: str  # absolute, ends in "/"
    root: str  # "/" or "/news/"

    def link(self, path: str) -> str:
        return self.root + path.lstrip("/")

    def absolute(self, path: str) -> str:
        return self.base_url + path.lstrip("/")
