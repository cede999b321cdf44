"""Where a bad image is shown, for its error: the line of an article's `image:`, the line and
column of the Markdown image in a text that names it, the line of authors.yaml's `photo:`.

Worked out only when an image fails, in the process that found it: a build that goes well never
reads a source again for this, and the articles' links are the body cache's own tuples."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

from ..errors import SiteError
from ..model.site import Site
from ..read.authors import authors_file
from ..read.content import locate_target
from ..read.fields import line_of_field
from ..read.frontmatter import SourceDocument, read_document

# The first place shown is the error's own; past this many others they are counted, not named
# (each one named is a source read again, and a long list buries the reason).
OTHERS_NAMED = 3


@dataclass(frozen=True)
class _Use:
    """One place that shows an image."""

    source: Path  # an article, a page or authors.yaml
    what: str  # how it shows it, before the message: "`image`: ", "" for its text, "`photo` of ...: "
    target: str | None = None  # a link in its text as written, to find there
    line: int | None = None  # known without reading (authors.yaml)


class ImageUsers:
    """errors(path, source, reason): a bad image's error, placed where it is shown."""

    def __init__(self, site: Site, shown: Callable[[Path | str], str], link: Callable[[str], str]):
        self._site = site
        self._shown = shown
        self._link = link
        # By image: the first place, its line and column, and the others as named. The image, its
        # variants and its share cards all fail, often in the same worker: look once.
        self._known: dict[str, tuple[_Use, int | None, int | None, str] | None] = {}

    def error(self, path: str, source: Path, reason: str) -> SiteError:
        """One error for one problem: at the first place that shows the image, naming the image
        and the other places; at the image itself when nothing shows it (a file only copied)."""
        if path not in self._known:
            self._known[path] = self._find(path)
        known = self._known[path]
        if known is None:
            return SiteError(reason, source)
        first, line, col, also = known
        return SiteError(f"{first.what}{self._shown(source)}: {reason}{also}", first.source, line, col)

    def _find(self, path: str) -> tuple[_Use, int | None, int | None, str] | None:
        uses = list(self._uses(path))
        if not uses:
            return None
        first, others = uses[0], uses[1:]
        line, col = self._place(first)
        also = ""
        if others:
            named = [self._name(use) for use in others[:OTHERS_NAMED]]
            more = len(others) - len(named)
            also = "; also shown by " + ", ".join(named) + (f" and {more} more" if more else "")
        return first, line, col, also

    def _uses(self, path: str) -> Iterator[_Use]:
        """Every place that shows the image published at path, in the site's order: articles
        (`image`, then their text), pages, authors.yaml's photos."""
        site = self._site
        urls = {self._link(quote(path)), site.config.root + path}  # as the resolver gives it; as written
        for article in site.articles:
            if article.image in urls:
                yield _Use(Path(article.source), "`image`: ")
            yield from self._in_text(article.source, article.links, urls)
        for page in site.pages:
            yield from self._in_text(page.source, page.links, urls)
        for author in site.authors.by_id.values():
            if author.photo == path:
                yield _Use(authors_file(site.config.site_dir), f"`photo` of author `{author.id}`: ",
                           line=author.photo_line or author.line)

    @staticmethod
    def _in_text(source: str, links: tuple[tuple[str, str], ...], urls: set[str]) -> Iterator[_Use]:
        """The first link in a text that leads to the image: one place per text is enough."""
        for written, record in links:
            # The record is the URL, then the size and variants' key for an image (markup.link_record).
            url = record.split(" ", 1)[0].split("#", 1)[0].split("?", 1)[0]
            if url in urls:
                yield _Use(Path(source), "", target=written)
                return

    def _place(self, use: _Use) -> tuple[int | None, int | None]:
        if use.line is not None:
            return use.line, None
        doc = _document(use.source)
        if doc is None:
            return None, None
        if use.target is None:
            return line_of_field(doc, "image"), None
        return locate_target(doc, use.target, {})

    def _name(self, use: _Use) -> str:
        line, col = self._place(use)
        where = self._shown(use.source) + (f":{line}" if line else "") + (f":{col}" if line and col else "")
        return where + (f" ({use.what.rstrip(': ')})" if use.what.startswith("`photo`") else "")


def _document(source: Path) -> SourceDocument | None:
    """The source split again; None if it cannot be (it was read a moment ago: the error is still
    worth showing, at the file alone)."""
    try:
        doc = read_document(source, source.read_bytes())
    except OSError:
        return None
    return None if isinstance(doc, SiteError) else doc
