"""Where things live on the built site: slugs, permalinks, output paths.

URLs here are site paths without the root ("/2022/02/28/slug/"); `Urls`
prefixes the root of base_url ("/news/") and makes absolute ones.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import quote


@functools.lru_cache(maxsize=1 << 16)  # tags are slugified on every page that shows them
def slugify(text: str) -> str:
    """Lower-case words joined by hyphens: "Rail & Bus!" -> "rail-bus", "Café" -> "cafe".

    Accents come off Latin letters; letters of other scripts stay as they are
    ("Україна" -> "україна"), as in Hugo, and are percent-encoded in links.
    An apostrophe joins: "Council's" -> "councils".
    """
    text = text.lower().replace("'", "").replace("\u2019", "")
    if text.isascii():
        return _NOT_WORD.sub("-", text).strip("-")
    text = unicodedata.normalize("NFC", text)
    letters = []
    for char in text:
        base = "".join(c for c in unicodedata.normalize("NFKD", char) if not unicodedata.combining(c))
        letters.append(base if base.isascii() else char)
    return _NOT_WORD.sub("-", "".join(letters)).strip("-")


_NOT_WORD = re.compile(r"[\W_]+")


def article_path(pattern: str, date: datetime, slug: str, category: str | None) -> str:
    return pattern.format(
        year=f"{date.year:04d}", month=f"{date.month:02d}", day=f"{date.day:02d}",
        slug=slug, category=slugify(category) if category else "uncategorized",
    )


def page_path(slug: str) -> str:
    return f"/{slug}/"


def tag_path(slug: str, page: int = 1) -> str:
    return f"/tags/{slug}/" if page == 1 else f"/tags/{slug}/page/{page}/"


CORRECTIONS_PATH = "/corrections/"  # the site's corrections page


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
        return self.root + _encode(path.lstrip("/"))

    def absolute(self, path: str) -> str:
        return self.base_url + _encode(path.lstrip("/"))


_URL_SAFE = "/%:@!$&'()*+,;=~#?"
# What quote() leaves as it is with that safe set: a path of only these needs no encoding.
_NEEDS_NO_ENCODING = re.compile(r"[A-Za-z0-9_.\-/%:@!$&'()*+,;=~#?]*").fullmatch


def _encode(path: str) -> str:
    """Percent-encode what a URL cannot hold as it is (spaces, non-ASCII); leave encoded parts alone."""
    # Most paths are plain slugs: the test is a tenth of quote()'s cost (some 200,000 links a build).
    return path if _NEEDS_NO_ENCODING(path) else quote(path, safe=_URL_SAFE)
