"""`broadsheet import SOURCE`: which reader, then everything it finds through the writer."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import tzinfo
from pathlib import Path

from ..config import Config
from . import blogger, feed, hugo, jekyll, wordpress
from .model import Found, Notice
from .writer import ImportReport, Writer

FORMATS = ("wordpress", "blogger", "feed", "jekyll", "hugo")
_READERS: dict[str, Callable[[Path, tzinfo], Iterator[Found]]] = {
    "wordpress": wordpress.read, "blogger": blogger.read, "feed": feed.read, "jekyll": jekyll.read,
    "hugo": hugo.read}


@dataclass(frozen=True)
class Refused:
    """The import could not start: nothing was read or written."""

    message: str


def guess_format(source: Path) -> str | None:
    """The format from the file's first bytes (or a folder's layout)."""
    if source.is_dir():
        if jekyll.detect(source):
            return "jekyll"
        if hugo.detect(source):
            return "hugo"
        return None
    with source.open("rb") as handle:
        head = handle.read(16384)
    if wordpress.detect(head):
        return "wordpress"
    if blogger.detect(head):
        return "blogger"
    if b"<rss" in head or b"<feed" in head or b"<rdf:RDF" in head:
        return "feed"
    return None


def run_import(source: Path, config: Config, fmt: str | None, dry_run: bool,
               progress: Callable[[int], None] | None = None, uploads: Path | None = None) -> ImportReport | Refused:
    if not source.exists():
        return Refused(f"{source} does not exist")
    try:
        fmt = fmt or guess_format(source)
    except OSError as exc:
        return Refused(f"cannot read {source}: {exc.strerror}")
    if fmt is None:
        return Refused(f"cannot tell what exported {source}: give --format "
                       f"({', '.join(FORMATS)}); WordPress's is the .xml of Tools → Export")
    reader = _READERS.get(fmt)
    if reader is None:
        return Refused(f"importing from {fmt} is not written yet; "
                       f"the importer reads: {', '.join(_READERS)}")
    if uploads is not None and not uploads.is_dir():
        return Refused(f"--uploads {uploads} is not a folder; give a copy of the old site's wp-content/uploads/")
    writer = Writer(config.site_dir, config.content_dir, dry_run, uploads=uploads)
    seen = 0
    try:
        for found in reader(source, config.tz):
            writer.add(found)
            seen += 1
            if progress and seen % 100 == 0:
                progress(seen)
    except OSError as exc:
        writer.add(Notice(f"cannot read {source}: {exc.strerror}", skipped=True))
    return writer.finish()
