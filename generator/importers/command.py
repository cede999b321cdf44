"""`broadsheet import SOURCE`: which reader, then everything it finds through the writer.

SOURCE may be a feed's URL: it is downloaded to a temporary file (streamed to disk, with a
timeout) and read like a file; a network or HTTP failure refuses the import in one line.
"""

from __future__ import annotations

import re
import shutil
import socket
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import tzinfo
from pathlib import Path
from typing import TextIO
from urllib.parse import urlsplit

from ..config import Config
from ..terminal import ProgressLine
from . import blogger, feed, hugo, jekyll, wordpress
from .model import Copied, Found, Item, Notice
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


FETCH_TIMEOUT = 30.0  # seconds without an answer before a URL is given up
PROGRESS_EVERY = 0.25  # seconds: a terminal's progress line is rewritten at most this often
# A URL as the command line hands it over: argparse's Path folds "https://" into "https:/".
_URL = re.compile(r"^(https?):/+(.+)$", re.I)


def url_of(source: Path | str) -> str | None:
    """The http(s) URL SOURCE names, or None for a file or folder (one named so, if it is there)."""
    match = _URL.match(str(source))
    if match and Path(source).exists():
        return None
    return f"{match.group(1).lower()}://{match.group(2)}" if match else None


class Progress:
    """`importing… 1200 items` on a terminal's progress line (terminal.ProgressLine), at most
    every PROGRESS_EVERY seconds. Called with the number of items seen so far."""

    def __init__(self, stream: TextIO, clock: Callable[[], float] = time.monotonic) -> None:
        self.line = ProgressLine(stream, PROGRESS_EVERY, clock)

    def __call__(self, seen: int) -> None:
        self.line(f"importing… {seen} item{'' if seen == 1 else 's'}")

    def clear(self) -> None:
        self.line.clear()


def import_to(source: Path | str, config: Config, fmt: str | None, dry_run: bool, stream: TextIO,
              uploads: Path | None = None) -> ImportReport | Refused:
    """run_import with its progress shown on stream when that is a terminal."""
    progress = Progress(stream)
    try:
        return run_import(source, config, fmt, dry_run, progress, uploads)
    finally:
        progress.clear()


def run_import(source: Path | str, config: Config, fmt: str | None, dry_run: bool,
               progress: Callable[[int], None] | None = None, uploads: Path | None = None) -> ImportReport | Refused:
    url = url_of(source)
    if url is not None:
        return _import_url(url, config, fmt, dry_run, progress, uploads)
    source = Path(source)
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
            if isinstance(found, (Item, Copied)):
                seen += 1
                if progress:  # told of every item; Progress shows one every PROGRESS_EVERY seconds
                    progress(seen)
    except OSError as exc:
        writer.add(Notice(f"cannot read {source}: {exc.strerror}", skipped=True))
    return writer.finish()


def _import_url(url: str, config: Config, fmt: str | None, dry_run: bool,
                progress: Callable[[int], None] | None, uploads: Path | None) -> ImportReport | Refused:
    if fmt not in (None, "feed", "wordpress", "blogger"):
        return Refused(f"{url} is a URL: only a file can be read from one (a feed, or an export), not a {fmt} folder")
    with _downloaded(url) as fetched:
        if isinstance(fetched, Refused):
            return fetched
        fmt = fmt or guess_format(fetched)
        if fmt is None:  # said of the URL: the temporary file is no name the user knows
            return Refused(f"{url} is not an RSS or Atom feed, nor a WordPress or Blogger export; nothing was imported")
        return run_import(fetched, config, fmt, dry_run, progress, uploads)


@contextmanager
def _downloaded(url: str) -> Iterator[Path | Refused]:
    """The document at url in a temporary file named as its URL names it (messages name the file),
    removed afterwards; or why it could not be fetched."""
    name = Path(urlsplit(url).path).name or "feed.xml"
    with tempfile.TemporaryDirectory(prefix="broadsheet-import-") as folder:
        target = Path(folder) / name
        request = urllib.request.Request(url, headers={"User-Agent": "broadsheet-import"})
        try:
            with urllib.request.urlopen(request, timeout=FETCH_TIMEOUT) as response, target.open("wb") as out:
                shutil.copyfileobj(response, out)  # to disk in chunks: a large export is never held whole
        except urllib.error.HTTPError as exc:
            yield Refused(f"cannot fetch {url}: the server answered {exc.code} {exc.reason}")
            return
        except urllib.error.URLError as exc:
            reason = exc.reason.strerror if isinstance(exc.reason, OSError) and exc.reason.strerror else exc.reason
            yield Refused(f"cannot fetch {url}: {reason}")
            return
        except (socket.timeout, TimeoutError):
            yield Refused(f"cannot fetch {url}: no answer in {FETCH_TIMEOUT:.0f} s")
            return
        except (OSError, ValueError) as exc:  # a connection reset halfway, a URL urllib cannot read
            yield Refused(f"cannot fetch {url}: {exc}")
            return
        yield target
