"""The build cache: what reading and rendering each source gave last time, keyed by its content.

It lives in the site's `.cache/broadsheet/` (git-ignored) and is only ever a
shortcut: every entry is checked against a hash of the file's bytes, a key of
everything else its HTML depends on (generator version, Markdown settings), and
the URLs its relative links resolved to. A cache that is missing, truncated,
corrupt or written by another version is ignored with a warning, never trusted.

marshal, not pickle: loading it cannot run code, whatever the file holds.
"""

from __future__ import annotations

import contextlib
import hashlib
import marshal
import os
import sys
from dataclasses import dataclass, field
from pathlib import Path
from collections.abc import Callable, Iterator
from typing import Any

from .. import __version__

FORMAT = 6
_STAMP = f"broadsheet {__version__} cache {FORMAT} python {sys.version_info[0]}.{sys.version_info[1]}"


def digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


class OtherLayout(ValueError):
    """Raised by a load's check_fields on a record laid out by another version of the code (a
    field added since): the cache is not damaged, only older than this code."""


class LazyText:
    """A rendered body: in memory when just rendered, else read from the cache's body file
    each time a page that shows it is rendered. A build in which nothing changed reads none.

    Not kept once read: a worker process renders most article pages and feeds, and keeping
    every body it reads would hold the whole body file in each worker (a hundred MiB at 10,000
    articles). Reading one again costs a few microseconds."""

    __slots__ = ("_text", "_store", "location", "digest", "fallback", "_checked")

    def __init__(self, text: str | None = None, store: "BodyStore | None" = None,
                 location: tuple[int, int] | None = None, digest: str = ""):
        self._text, self._store, self.location, self.digest = text, store, location, digest
        self.fallback: Callable[[], str] | None = None  # renders the body again from its source
        self._checked = False  # its bytes in the body file were found to match the digest

    def spilled(self, store: "BodyStore", location: tuple[int, int]) -> None:
        """Written to the body file: keep where, not what (the digest is kept to check it)."""
        if not self.digest and self._text is not None:
            self.digest = hashlib.sha256(self._text.encode()).hexdigest()
        self._store, self.location, self._text, self._checked = store, location, None, False

    def get(self) -> str:
        if self._text is not None:
            return self._text
        assert self._store is not None and self.location is not None
        text = self._store.read(*self.location)
        if text is not None and (self._checked or hashlib.sha256(text.encode()).hexdigest() == self.digest):
            self._checked = True
            return text
        # The body file was changed behind our back: never publish what it holds.
        if self.fallback is None:
            raise ValueError("a body in the build cache is damaged; build again with --no-cache")
        self._text = self.fallback()
        return self._text

    def __repr__(self) -> str:
        return f"LazyText(at {self.location})" if self._text is None else f"LazyText({len(self._text)} characters)"


@dataclass(frozen=True)
class BodyResult:
    """A Markdown body rendered: what the article page needs, and what it depended on."""

    text: LazyText
    auto_summary_html: str  # the text before <!-- more -->, else the first paragraph
    links: tuple[tuple[str, str], ...]  # every relative link and the URL it resolved to
    html_digest: str

    @property
    def html(self) -> str:
        return self.text.get()


class BodyStore:
    """bodies.bin: the rendered bodies one after another; the index says where each one is.

    Read with pread, not mapped: the pages of a mapped file count in a process's resident
    memory, and each worker process reads most of the file."""

    def __init__(self, path: Path):
        self.path = path
        self._fd: int | None = None

    def forget(self) -> None:
        """The file was replaced: open the new one when next read."""
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None

    def read(self, offset: int, length: int) -> str | None:
        """The body at offset, or None when the file no longer holds it."""
        try:
            if self._fd is None:
                self._fd = os.open(self.path, os.O_RDONLY | getattr(os, "O_CLOEXEC", 0))
            data = os.pread(self._fd, length, offset)
            return data.decode("utf-8") if len(data) == length else None
        except (OSError, ValueError):  # ValueError: bad UTF-8
            return None


@dataclass(slots=True)
class Entry:
    source_digest: str
    meta: dict[str, Any] | None  # the front matter as parsed; not kept once the fields are
    fields_key: str = ""  # the settings the fields were read with
    fields: tuple | None = None  # fields.Fields.to_record()
    render_key: str = ""  # the settings the body was rendered with
    body: BodyResult | None = None
    # A digest of the fields and the body's summary: with the site's settings, all that the
    # article shows as a teaser but its image, its schedule and its tags' counts.
    teaser_base: str = ""
    # The body's summary as plain text (a page's description), when the front matter gives none:
    # working it out from the HTML costs more than the rest of an unchanged article's build.
    summary_text: str = ""
    # What check_fields made of the record when the cache was loaded (so it is not made twice).
    fields_value: Any = field(default=None, compare=False, repr=False)


class ContentCache:
    """Entries by source path (relative to the site), loaded once, saved after a good build."""

    def __init__(self, path: Path, entries: dict[str, Entry] | None = None, store: BodyStore | None = None):
        self.path = path
        self.entries: dict[str, Entry] = entries or {}
        self.store = store  # the body file the entries point into, if any
        self.changed = True  # set by the build: a cache it learnt nothing from is not written again
        self._rewritten = False  # the body file written afresh by settle_bodies, to be put in place
        self.read_all = False  # set by the build: every source was read into the entries since loading
        # The inputs digest of the build that saved it, if a build did (not the preview): then its
        # entries are the sources as that build read them, and what changed since can be told.
        self.built_from = ""
        # The index on disk: a whole file, and a journal of what each save since changed in it.
        self._stored: dict[str, tuple] | None = None  # the entries as last loaded or saved
        self._index_id = ""  # names the whole file that the journal's records apply to
        self._index_size = 0
        self._journal_size = 0

    @property
    def index_id(self) -> str:
        """Names the index file on disk, to which journal records apply (see append_entries)."""
        return self._index_id

    @property
    def journal_path(self) -> Path:
        return self.path.with_name("content.journal")

    @property
    def bodies_path(self) -> Path:
        return self.path.with_name("bodies.bin")

    @classmethod
    def load(cls, path: Path, check_fields: Callable[[tuple], object] = lambda record: None
             ) -> tuple["ContentCache", str | None]:
        """The cache, and a warning when one was there but could not be used.
        check_fields raises on a fields record that is not one, else returns what it read
        (fields.py reads it back), which is kept as the entry's fields_value."""
        empty = cls(path)
        try:
            raw = path.read_bytes()
        except FileNotFoundError:
            return empty, None
        except OSError as exc:
            return empty, f"cannot read the build cache {path}: {exc.strerror}; building without it"
        try:
            loaded = marshal.loads(raw)
            if isinstance(loaded, tuple) and loaded and isinstance(loaded[0], str) and loaded[0] != _STAMP \
                    and loaded[0].startswith("broadsheet "):
                return empty, f"the build cache {path} was written by another version; building without it"
            stamp, index_id, bodies_size, built_from, stored = loaded
            if stamp != _STAMP or not isinstance(index_id, str) or not isinstance(built_from, str) \
                    or not isinstance(stored, dict):
                raise ValueError("not a Broadsheet cache")
            journal_size = 0
            for record, size in _journal_records(empty.journal_path):
                record_id, bodies_size, built_from, changed, removed = record
                if record_id != index_id:
                    break  # written against an index since replaced
                stored.update(changed)
                for name in removed:
                    stored.pop(name, None)
                journal_size += size
            store = BodyStore(empty.bodies_path)
            actual = empty.bodies_path.stat().st_size if empty.bodies_path.exists() else 0
            if actual < bodies_size:  # longer is fine: a build that failed after spilling its bodies
                raise ValueError("the body file is shorter than the index says")
            entries = {}
            for name, (source, meta, fields_key, fields, key, body, teaser_base, summary_text) in stored.items():
                result = None
                if body is not None:
                    (offset, length), summary, links, html_digest = body
                    if offset < 0 or length < 0 or offset + length > bodies_size:
                        raise ValueError("a body lies outside the body file")
                    if type(links) is not tuple:
                        raise ValueError("a body's links are not shaped as they should be")
                    result = BodyResult(LazyText(None, store, (offset, length), html_digest), summary, links,
                                        html_digest)
                value = check_fields(fields) if fields is not None else None
                if not (isinstance(source, str) and isinstance(meta, (dict, type(None))) and isinstance(key, str)
                        and isinstance(teaser_base, str) and isinstance(summary_text, str)):
                    raise ValueError("an entry is not shaped as one")
                entries[name] = Entry(source, meta, fields_key, fields, key, result, teaser_base, summary_text, value)
        except OtherLayout:
            return empty, f"the build cache {path} was written by another version; building without it"
        except Exception:  # noqa: BLE001 - any damage at all means: do not trust it
            return empty, f"the build cache {path} is damaged; building without it"
        cache = cls(path, entries, store)
        cache.built_from = built_from
        cache._stored, cache._index_id, cache._index_size, cache._journal_size = \
            stored, index_id, len(raw), journal_size
        return cache, None

    @contextlib.contextmanager
    def spiller(self) -> Iterator[Callable[[BodyResult], None]]:
        """A function that writes a body rendered by this build to the body file, keeping only
        where it is. With no usable body file, they go to a new one that save() puts in place."""
        if self.store is None:
            self.store = BodyStore(self.bodies_path.with_name("bodies.bin.new"))
            self.store.path.parent.mkdir(parents=True, exist_ok=True)
            self.store.path.write_bytes(b"")
        store = self.store
        with store.path.open("ab") as handle:
            def spill(body: BodyResult) -> None:
                if body.text.location is None:
                    data = body.html.encode("utf-8")
                    body.text.spilled(store, (handle.tell(), len(data)))
                    handle.write(data)
            yield spill
        store.forget()  # mapped before it grew

    def spill(self, bodies: list[BodyResult]) -> None:
        with self.spiller() as spill:
            for body in bodies:
                spill(body)

    def settle_bodies(self) -> None:
        """Put every body in the body file, written afresh beside the one in place when most of
        it is no longer used (save() puts it in place). From here on no body moves: the site
        store, written meanwhile in another process, keeps where each one is."""
        bodies = [e.body for e in self.entries.values() if e.body is not None]
        self.spill(bodies)
        assert self.store is not None
        size = self.store.path.stat().st_size
        live = sum(b.text.location[1] for b in bodies if b.text.location is not None)
        if live < size // 2:
            # Every body still used, in order (read through the old file).
            temporary = self.bodies_path.with_name("bodies.bin.tmp")
            with temporary.open("wb") as handle:
                for body in bodies:
                    data = body.html.encode("utf-8")
                    location = (handle.tell(), len(data))
                    handle.write(data)
                    body.text.location = location
            self.store.path = temporary
            self.store.forget()
            self._rewritten = self.changed = True

    def save(self, built_from: str = "") -> None:
        """Put the body file in place (written afresh when most of it is no longer used), then the index.
        built_from: the inputs digest of the build whose sources the entries now are, if any."""
        self.built_from = built_from
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.settle_bodies()
        assert self.store is not None
        rewritten, self._rewritten = self._rewritten, False
        if self.store.path != self.bodies_path:  # a new body file, or one written afresh
            os.replace(self.store.path, self.bodies_path)
            self.store.path = self.bodies_path
        stored = {name: _stored(e) for name, e in self.entries.items()}
        bodies_size = self.bodies_path.stat().st_size
        if self._stored is not None and not rewritten:
            # What changed, appended to the journal: a build that edits one article of 10,000
            # writes a few kilobytes, not the whole index again.
            before = self._stored
            changed = {name: entry for name, entry in stored.items() if before.get(name) != entry}
            removed = [name for name in before if name not in stored]
            record = marshal.dumps((self._index_id, bodies_size, self.built_from, changed, removed))
            # Up to a quarter of the index (64 KiB at least): the next load reads no more than that again.
            if self._journal_size + len(record) <= max(self._index_size // 4, 1 << 16):
                with self.journal_path.open("ab") as handle:
                    handle.write(len(record).to_bytes(8, "little") + record)
                self._stored, self._journal_size = stored, self._journal_size + 8 + len(record)
                return
        index_id = os.urandom(8).hex()
        data = marshal.dumps((_STAMP, index_id, bodies_size, self.built_from, stored))
        temporary = self.path.with_name(self.path.name + ".tmp")
        try:
            temporary.write_bytes(data)
            os.replace(temporary, self.path)  # a build stopped half-way leaves the old index whole
        finally:
            temporary.unlink(missing_ok=True)
        # Its records name the index just replaced: were this not done, the next load would pass them.
        self.journal_path.unlink(missing_ok=True)
        self._stored, self._index_id, self._index_size, self._journal_size = stored, index_id, len(data), 0


def _stored(e: Entry) -> tuple:
    """An entry as the index keeps it: the front matter only until its fields are known (they
    say all a build needs), a body as where it is in the body file."""
    return (e.source_digest, None if e.fields is not None else e.meta, e.fields_key, e.fields, e.render_key,
            (e.body.text.location, e.body.auto_summary_html, e.body.links, e.body.html_digest) if e.body else None,
            e.teaser_base, e.summary_text)


def journal_state(path: Path) -> tuple[int, int]:
    """The index file's inode and the journal's size: what says nobody saved the cache since."""
    journal = path.with_name("content.journal")
    return path.stat().st_ino, journal.stat().st_size if journal.exists() else 0


def append_entries(path: Path, index_id: str, built_from: str, entries: dict[str, Entry]) -> bool:
    """Add these entries to the cache through its journal, as a save would, without loading it
    (an edit's build from the site store). False when the journal is full: the entries are left
    out then, and the next build reads those sources again."""
    bodies_size = path.with_name("bodies.bin").stat().st_size
    record = marshal.dumps((index_id, bodies_size, built_from, {name: _stored(e) for name, e in entries.items()}, []))
    journal = path.with_name("content.journal")
    size = journal.stat().st_size if journal.exists() else 0
    if size + len(record) > max(path.stat().st_size // 4, 1 << 16):
        return False
    with journal.open("ab") as handle:
        handle.write(len(record).to_bytes(8, "little") + record)
    return True


def _journal_records(path: Path) -> Iterator[tuple[tuple, int]]:
    """Each record of the journal with its size on disk, up to the first that is not whole (a save
    stopped half-way: the index is then as the save before it left it)."""
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return
    offset = 0
    while offset + 8 <= len(raw):
        size = int.from_bytes(raw[offset:offset + 8], "little")
        if offset + 8 + size > len(raw):
            return
        try:
            record = marshal.loads(raw[offset + 8:offset + 8 + size])
        except (ValueError, EOFError, TypeError):
            return
        if not (isinstance(record, tuple) and len(record) == 5 and isinstance(record[3], dict)
                and isinstance(record[4], list)):
            return
        yield record, 8 + size
        offset += 8 + size


def cache_file(site_dir: Path) -> Path:
    return site_dir / ".cache" / "broadsheet" / "content.marshal"
