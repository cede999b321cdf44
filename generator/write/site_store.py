"""The site store: the site model as the last build made it, in SQLite, so that the build after
an edit loads only the articles and lists that the edit touches (model/stored.py), not the
whole archive.

Why SQLite: it is in the standard library, reads one row by its key without reading the rest,
and its transactions survive a crash or Ctrl-C mid-write (the next open rolls an unfinished one
back). A build that made the whole model writes a new file and puts it in place; an edit's build
updates its rows in one transaction.

Like the cache it is only a shortcut, never trusted beyond what it can prove: it names the
version of the code and the build whose inputs it holds (`built_from`), every row carries a
digest of its bytes, and the body file it points into must be the one it was saved beside. Any
doubt (another version, a damaged row, a file that is not SQLite) means the whole build, with a
one-line warning.

Articles are pickled (they hold dates, images' variants and share cards), and read back by an
unpickler that makes only Broadsheet's own classes and plain values: the file cannot run code.
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import io
import marshal
import os
import pickle
import sqlite3
import sys
from array import array
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterator, TypeVar

from .. import __version__
from ..errors import StoreDamaged
from .cache import BodyStore, LazyText, cache_file

if TYPE_CHECKING:
    from ..model.site import Site
    from ..model.stored import SiteRecords, TermRecord
    from ..read.content import Article, Content, SourceState

FORMAT = 2
NAME = "site.sqlite"

_SCHEMA = """
CREATE TABLE meta(name TEXT PRIMARY KEY, value BLOB NOT NULL);
CREATE TABLE articles(position INTEGER PRIMARY KEY, path TEXT NOT NULL UNIQUE, record BLOB NOT NULL,
                      related BLOB NOT NULL, showing BLOB NOT NULL, checked BLOB NOT NULL,
                      related_checked BLOB NOT NULL);
CREATE TABLE sources(key TEXT PRIMARY KEY, digest TEXT NOT NULL, fields BLOB NOT NULL, included INTEGER NOT NULL,
                     checked BLOB NOT NULL);
CREATE TABLE targets(norm TEXT PRIMARY KEY, url TEXT, reason TEXT, checked BLOB NOT NULL);
CREATE TABLE terms(kind TEXT NOT NULL, key TEXT NOT NULL, ord INTEGER NOT NULL, name TEXT NOT NULL,
                   path TEXT NOT NULL, feeds INTEGER NOT NULL, per_page INTEGER NOT NULL, members BLOB NOT NULL,
                   children TEXT NOT NULL, checked BLOB NOT NULL, summary_checked BLOB NOT NULL,
                   PRIMARY KEY(kind, key));
CREATE INDEX terms_in_order ON terms(kind, ord);
CREATE TABLE search_runs(id INTEGER PRIMARY KEY, value BLOB NOT NULL, checked BLOB NOT NULL);
"""


def store_file(site_dir: Path) -> Path:
    return cache_file(site_dir).parent / NAME


def _stamp() -> str:
    from ..read.inputs import code_key  # the generator's own code: a store is never trusted across versions

    return f"broadsheet {__version__} site store {FORMAT} python {sys.version_info[0]}.{sys.version_info[1]} " \
           f"code {code_key()}"


def _check(*parts: bytes | str) -> bytes:
    digest = hashlib.blake2b(digest_size=16)
    for part in parts:
        digest.update(part.encode() if isinstance(part, str) else part)
        digest.update(b"\0")
    return digest.digest()


def _positions(values: Sequence[int]) -> bytes:
    return array("i", values).tobytes()


def _read_positions(data: bytes) -> array:
    found = array("i")
    found.frombytes(data)
    return found


def _summary_check(kind: str, key: str, name: str, path: str, feeds: int, per_page: int, size: int,
                   children: str) -> bytes:
    """A list's row but its members, which it counts by their size: what SiteStore.terms reads."""
    return _check(kind, key, name, path, str(feeds), str(per_page), str(size), children)


T = TypeVar("T")


class _ReadWhenAsked(Sequence[T]):
    """A sequence the store reads when it is first looked into (a list's members, the search
    index's runs): an edit's build counts a list's members and never looks at most of them.
    count, when known before (a list's, from its blob's size), answers len() without a read."""

    __slots__ = ("_read", "_count", "_loaded")

    def __init__(self, read: Callable[[], Sequence[T]], count: int | None = None):
        self._read, self._count = read, count
        self._loaded: Sequence[T] | None = None

    def _items(self) -> Sequence[T]:
        if self._loaded is None:  # once: the store keeps the record that holds this
            self._loaded = self._read()
        return self._loaded

    def __len__(self) -> int:
        return len(self._items()) if self._count is None else self._count

    def __getitem__(self, index):  # type: ignore[override]
        return self._items()[index]

    def __iter__(self) -> Iterator[T]:
        return iter(self._items())

    def __contains__(self, value: object) -> bool:
        return value in self._items()

    def index(self, value: Any, start: int = 0, stop: int | None = None) -> int:
        return self._items().index(value, start, len(self) if stop is None else stop)


class _Pickler(pickle.Pickler):
    """A body is kept as where it is in the body file and its digest, never as text."""

    def persistent_id(self, obj: Any) -> Any:
        if isinstance(obj, LazyText):
            if obj.location is None:
                raise ValueError("a body not yet in the body file")
            return ("body", obj.location[0], obj.location[1], obj.digest)
        return None


_PLAIN = {"datetime": {"datetime", "date", "timedelta", "timezone", "time"},
          "zoneinfo": {"ZoneInfo"}, "zoneinfo._zoneinfo": {"ZoneInfo"},
          "pathlib": {"PosixPath", "WindowsPath", "Path", "PurePosixPath", "PureWindowsPath"},
          "copyreg": {"_reconstructor"}, "builtins": {"object", "frozenset", "set"}}


class _Unpickler(pickle.Unpickler):
    """Makes Broadsheet's own classes and plain values, and nothing else: loading runs no code."""

    def __init__(self, data: bytes, bodies: BodyStore):
        super().__init__(io.BytesIO(data))
        self._bodies = bodies

    def find_class(self, module: str, name: str) -> Any:
        if (module.startswith("generator.") and not name.startswith("_")) or name in _PLAIN.get(module, ()):
            return super().find_class(module, name)
        raise pickle.UnpicklingError(f"{module}.{name} is not something the store holds")

    def persistent_load(self, pid: Any) -> Any:
        kind, offset, length, digest = pid
        if kind != "body":
            raise pickle.UnpicklingError("not a body")
        text = LazyText(None, self._bodies, (offset, length), digest)
        text.fallback = _damaged_body  # the body file changed behind the store's back
        return text


def _damaged_body() -> str:
    raise StoreDamaged("a body in bodies.bin is not the one the store was saved with")


def _dumps(value: object) -> bytes:
    out = io.BytesIO()
    _Pickler(out, 5).dump(value)
    return out.getvalue()


class SiteStore:
    """An open store: the records of model/stored.py, and what an edit's build updates."""

    def __init__(self, path: Path, connection: sqlite3.Connection, bodies: BodyStore):
        self.path = path
        self._db = connection
        self._bodies = bodies
        self._articles: dict[int, Article] = {}  # loaded, or put by the edit
        self._terms: dict[tuple[str, str], TermRecord | None] = {}
        self._pid = os.getpid()

    # Opening

    @classmethod
    def open(cls, site_dir: Path, built_from: str) -> tuple["SiteStore | None", str | None]:
        """The store, if it holds the site as the build with these inputs left it; else None, and
        a warning when there was one that cannot be used for another reason than being older."""
        path = store_file(site_dir)
        if not path.exists():
            return None, None
        try:
            connection = _read_only(path)
            try:
                meta = dict(connection.execute("SELECT name, value FROM meta"))
                if meta.get("stamp") != _stamp():
                    connection.close()
                    return None, None  # another version's: a whole build writes this one's
                if meta.get("checked") != _meta_check(meta):
                    raise ValueError("a value of the store's meta is damaged")
                bodies = cache_file(site_dir).with_name("bodies.bin")
                inode, size = marshal.loads(meta["bodies"])
                stat = bodies.stat() if bodies.exists() else None
                if meta.get("built_from") != built_from or stat is None or stat.st_ino != inode or stat.st_size < size:
                    connection.close()
                    return None, None  # written before the last build, or beside another body file
            except Exception:
                connection.close()
                raise
        except Exception:  # noqa: BLE001 - any damage at all means: do not trust it
            return None, f"the site store {path} is damaged; building the whole site"
        store = cls(path, connection, BodyStore(bodies))
        store._meta = meta
        return store, None

    def close(self) -> None:
        self._db.close()

    def _query(self, sql: str, *args: Any) -> list[tuple]:
        if os.getpid() != self._pid:
            # A forked worker rendering pages: SQLite's connections must not cross a fork.
            self._db = _read_only(self.path)
            self._bodies = BodyStore(self._bodies.path)
            self._pid = os.getpid()
        try:
            return self._db.execute(sql, args).fetchall()
        except sqlite3.DatabaseError as exc:
            raise StoreDamaged(str(exc)) from exc

    # What model/stored.py reads

    def whole(self) -> "SiteRecords":
        """The site's records, their search runs read when first asked for (4.9 MB at a million
        articles, which an edit's build without search never looks at)."""
        try:
            whole = _Unpickler(self._meta["whole"], self._bodies).load()
        except Exception as exc:  # noqa: BLE001
            raise StoreDamaged(str(exc)) from exc
        return dataclasses.replace(whole, search_runs=_ReadWhenAsked(self.search_runs))

    def search_runs(self) -> tuple[tuple[str, tuple[int, ...]], ...]:
        rows = self._query("SELECT value, checked FROM search_runs WHERE id = 0")
        if not rows or _check(rows[0][0]) != rows[0][1]:
            raise StoreDamaged("the search index's runs")
        try:
            return _Unpickler(rows[0][0], self._bodies).load()
        except Exception as exc:  # noqa: BLE001
            raise StoreDamaged(f"the search index's runs: {exc}") from exc

    @property
    def next_change(self) -> datetime | None:
        return _Unpickler(self._meta["next_change"], self._bodies).load()

    def article(self, position: int) -> "Article":
        known = self._articles.get(position)
        if known is None:
            rows = self._query("SELECT path, record, checked FROM articles WHERE position = ?", position)
            if not rows:
                raise StoreDamaged(f"no article at {position}")
            known = self._articles[position] = self._article(*rows[0])
        return known

    def articles(self, positions: Sequence[int]) -> list["Article"]:
        missing = [p for p in positions if p not in self._articles]
        if len(missing) > 8:
            # Many at once (a list of thousands iterated): one query, not one each; a range when
            # they are most of it, else by position (a tag's newest ten spread over 500 rows, all
            # of which a range read).
            wanted = set(missing)
            low, high = min(missing), max(missing)
            if high - low < 2 * len(wanted):
                rows = self._query("SELECT position, path, record, checked FROM articles WHERE position BETWEEN ? AND ?",
                                   low, high)
            else:
                ordered = sorted(wanted)
                rows = [row for at in range(0, len(ordered), 500) for row in self._query(
                    "SELECT position, path, record, checked FROM articles WHERE position IN "
                    f"({','.join('?' * len(ordered[at:at + 500]))})", *ordered[at:at + 500])]
            for position, path, record, checked in rows:
                if position in wanted:
                    self._articles[position] = self._article(path, record, checked)
        return [self.article(p) for p in positions]

    def loaded(self) -> list["Article"]:
        return list(self._articles.values())

    def _article(self, path: str, record: bytes, checked: bytes) -> "Article":
        if _check(path, record) != checked:
            raise StoreDamaged(f"the article at {path}")
        try:
            return _Unpickler(record, self._bodies).load()
        except Exception as exc:  # noqa: BLE001
            raise StoreDamaged(f"the article at {path}: {exc}") from exc

    # A list is read without its members, which are read when first asked for: an edit's page
    # shows every tag, section and author with its count and link, but reading all their members
    # was 22 MB at a million articles (length() reads a blob's size, not its bytes).
    _SUMMARY = "SELECT kind, key, name, path, feeds, per_page, length(members), children, summary_checked FROM terms "

    def term(self, kind: str, key: str) -> "TermRecord | None":
        if (kind, key) not in self._terms:
            rows = self._query(self._SUMMARY + "WHERE kind = ? AND key = ?", kind, key)
            self._terms[kind, key] = self._term(*rows[0]) if rows else None
        return self._terms[kind, key]

    def terms(self, kind: str) -> list["TermRecord"]:
        made = []
        for row in self._query(self._SUMMARY + "WHERE kind = ? ORDER BY ord", kind):
            record = self._terms.get((kind, row[1])) or self._term(*row)
            self._terms[kind, record.key] = record
            made.append(record)
        return made

    def _term(self, kind: str, key: str, name: str, path: str, feeds: int, per_page: int, size: int,
              children: str, checked: bytes) -> "TermRecord":
        from ..model.stored import TermRecord

        if _summary_check(kind, key, name, path, feeds, per_page, size, children) != checked or size % 4:
            raise StoreDamaged(f"the list {kind} {key}")
        return TermRecord(kind, key, name, path, bool(feeds), per_page, _ReadWhenAsked(functools.partial(self.members, kind, key, size // 4), size // 4),
                          tuple(children.split("\n")) if children else ())

    def members(self, kind: str, key: str, count: int) -> array:
        """A list's members (positions), checked with the rest of its row and their count."""
        rows = self._query("SELECT name, path, feeds, per_page, members, children, checked FROM terms "
                           "WHERE kind = ? AND key = ?", kind, key)
        if not rows:
            raise StoreDamaged(f"the list {kind} {key}")
        name, path, feeds, per_page, members, children, checked = rows[0]
        if _check(kind, key, name, path, str(feeds), str(per_page), members, children) != checked \
                or len(members) != 4 * count:
            raise StoreDamaged(f"the list {kind} {key}")
        return _read_positions(members)

    def related(self, position: int) -> tuple[int, ...]:
        return self._related(position)[0]

    def showing(self, position: int) -> tuple[int, ...]:
        return self._related(position)[1]

    def _related(self, position: int) -> tuple[tuple[int, ...], tuple[int, ...]]:
        rows = self._query("SELECT path, related, showing, related_checked FROM articles WHERE position = ?", position)
        if not rows or _check(*rows[0][:3]) != rows[0][3]:
            raise StoreDamaged(f"the related stories of the article at {position}")
        return tuple(_read_positions(rows[0][1])), tuple(_read_positions(rows[0][2]))

    def position_of(self, path: str) -> int | None:
        rows = self._query("SELECT position FROM articles WHERE path = ?", path)
        return rows[0][0] if rows else None

    # What an edit's build reads and changes

    def digests(self) -> dict[str, str]:
        """Every Markdown file's key and the digest of its bytes, as the last build read them."""
        return dict(self._query("SELECT key, digest FROM sources"))

    def source(self, key: str) -> "SourceState | None":
        from ..read.content import SourceState

        rows = self._query("SELECT digest, fields, included, checked FROM sources WHERE key = ?", key)
        if not rows:
            return None
        digest, fields, included, checked = rows[0]
        if _check(key, digest, fields, str(included)) != checked:
            raise StoreDamaged(f"the source {key}")
        try:
            return SourceState(key, digest, marshal.loads(fields), bool(included))
        except (ValueError, EOFError, TypeError) as exc:
            raise StoreDamaged(f"the source {key}") from exc

    def link_targets(self) -> tuple[Mapping[str, str], Mapping[str, str]]:
        """Where a relative link leads (targets) and why some files cannot be linked to (excluded)."""
        return _Targets(self, "url"), _Targets(self, "reason")

    def put(self, position: int, article: "Article") -> None:
        """An article as the edit made it: loaded from here on instead of the stored one."""
        self._articles[position] = article

    @property
    def cache_state(self) -> tuple | None:
        """The content cache as the last build left it: (index id, index inode, journal size)."""
        return marshal.loads(self._meta["cache"]) if "cache" in self._meta else None

    def update(self, sources: Sequence["SourceState"], articles: Mapping[int, "Article"], built_from: str,
               next_change: datetime | None, cache_state: tuple | None) -> None:
        """Keep what an edit's build changed, in one transaction, with the inputs it was built from."""
        rows_sources = [(s.digest, marshal.dumps(s.fields), int(s.included),
                         _check(s.key, s.digest, marshal.dumps(s.fields), str(int(s.included))), s.key)
                        for s in sources]
        rows_articles = []
        for position, article in articles.items():
            record = _dumps(article)
            rows_articles.append((record, _check(article.path, record), position))
        with sqlite3.connect(self.path) as db:
            db.executemany("UPDATE sources SET digest = ?, fields = ?, included = ?, checked = ? WHERE key = ?",
                           rows_sources)
            db.executemany("UPDATE articles SET record = ?, checked = ? WHERE position = ?", rows_articles)
            db.executemany("REPLACE INTO meta(name, value) VALUES (?, ?)",
                           [("built_from", built_from), ("next_change", _dumps(next_change)),
                            ("bodies", marshal.dumps(_bodies_stamp(self._bodies.path)))])
            if cache_state is None:
                db.execute("DELETE FROM meta WHERE name = 'cache'")
            else:
                db.execute("REPLACE INTO meta(name, value) VALUES ('cache', ?)", (marshal.dumps(cache_state),))
            _seal_meta(db)
        db.close()

    # Writing the whole store

    @staticmethod
    def write(site_dir: Path, site: "Site", content: "Content", built_from: str) -> None:
        """Write the store afresh for a whole site model, beside its place (see put_in_place)."""
        temporary = _new_file(site_dir)
        temporary.unlink(missing_ok=True)
        db = sqlite3.connect(temporary)
        try:
            db.execute("PRAGMA journal_mode = OFF")  # a new file: put in place only once whole
            db.execute("PRAGMA synchronous = OFF")
            db.executescript(_SCHEMA)
            _write_whole(db, site, content, built_from)
            db.commit()
        finally:
            db.close()

    @staticmethod
    def put_in_place(site_dir: Path, cache_state: tuple | None) -> None:
        """The store just written, sealed with the content cache's state as just saved (see
        cache_state) and its body file's, in the place of the last one."""
        temporary = _new_file(site_dir)
        try:
            db = sqlite3.connect(temporary)
            try:
                bodies = _bodies_stamp(cache_file(site_dir).with_name("bodies.bin"))
                db.execute("INSERT INTO meta VALUES ('bodies', ?)", (marshal.dumps(bodies),))
                if cache_state is not None:
                    db.execute("INSERT INTO meta VALUES ('cache', ?)", (marshal.dumps(cache_state),))
                _seal_meta(db)
                db.commit()
            finally:
                db.close()
            os.replace(temporary, store_file(site_dir))
        finally:
            temporary.unlink(missing_ok=True)

    @staticmethod
    def throw_away(site_dir: Path) -> None:
        _new_file(site_dir).unlink(missing_ok=True)


def _new_file(site_dir: Path) -> Path:
    return store_file(site_dir).with_name(NAME + ".new")


def _meta_check(meta: Mapping[str, Any]) -> bytes:
    return _check(*(part for name in sorted(meta) if name != "checked" for part in (name, meta[name])))


def _seal_meta(db: sqlite3.Connection) -> None:
    """A digest of every meta value, so that a damaged one is seen when the store is opened."""
    meta = dict(db.execute("SELECT name, value FROM meta"))
    db.execute("REPLACE INTO meta(name, value) VALUES ('checked', ?)", (_meta_check(meta),))


def _read_only(path: Path) -> sqlite3.Connection:
    # As a URI, percent-encoded: a site folder's name may hold "?", "#" or "%".
    return sqlite3.connect(path.resolve().as_uri() + "?mode=ro", uri=True, check_same_thread=False)


def _bodies_stamp(bodies: Path) -> tuple[int, int]:
    stat = bodies.stat()
    return stat.st_ino, stat.st_size


def _write_whole(db: sqlite3.Connection, site: "Site", content: "Content", built_from: str) -> None:
    from ..model.stored import site_records

    articles = site.articles
    count = len(articles)
    related = [site.related_positions(i) for i in range(count)]
    showing: list[list[int]] = [[] for _ in range(count)]
    for j, own in enumerate(related):  # in order: each list of those showing i comes out in order
        for i in own:
            showing[i].append(j)

    def rows() -> Iterator[tuple]:  # one at a time: 100,000 pickled articles are a few hundred MB
        for i, article in enumerate(articles):
            record = _dumps(article)
            own, others = _positions(related[i]), _positions(showing[i])
            yield i, article.path, record, own, others, _check(article.path, record), _check(article.path, own, others)

    db.executemany("INSERT INTO articles VALUES (?, ?, ?, ?, ?, ?, ?)", rows())
    position = {article.path: i for i, article in enumerate(articles)}
    sources = []
    for state in content.sources:
        fields = marshal.dumps(state.fields)
        sources.append((state.key, state.digest, fields, int(state.included),
                        _check(state.key, state.digest, fields, str(int(state.included)))))
    db.executemany("INSERT INTO sources VALUES (?, ?, ?, ?, ?)", sources)
    links = content.links
    assert links is not None
    db.executemany("INSERT INTO targets VALUES (?, ?, NULL, ?)",
                   [(norm, url, _check(norm, url, "")) for norm, url in links.targets.items()])
    db.executemany("INSERT INTO targets VALUES (?, NULL, ?, ?)",
                   [(norm, reason, _check(norm, "", reason)) for norm, reason in links.excluded.items()])
    terms = []
    for kind in site.kinds:
        child_kind = next((k.name for k in site.kinds if k.parent == kind.name), None)
        for order, term in enumerate(site.lists[kind.name]):
            members = _positions([position[a.path] for a in term.articles])
            children = "\n".join(child.key for child in site.children(term)) if child_kind else ""
            terms.append((kind.name, term.key, order, term.name, term.path, int(term.feeds), term.per_page, members,
                          children, _check(kind.name, term.key, term.name, term.path, str(int(term.feeds)),
                                           str(term.per_page), members, children),
                          _summary_check(kind.name, term.key, term.name, term.path, int(term.feeds), term.per_page,
                                         len(members), children)))
    db.executemany("INSERT INTO terms VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", terms)
    records = site_records(site)
    whole = _dumps(dataclasses.replace(records, search_runs=()))  # apart: see SiteStore.whole
    runs = _dumps(records.search_runs)
    db.execute("INSERT INTO search_runs VALUES (0, ?, ?)", (runs, _check(runs)))
    meta = {"stamp": _stamp(), "built_from": built_from, "whole": whole,
            "next_change": _dumps(content.next_change)}
    db.executemany("INSERT INTO meta VALUES (?, ?)", meta.items())


class _Targets(Mapping[str, str]):
    """content.LinkTargets' mappings, each looked up in the store when a link is resolved."""

    def __init__(self, store: SiteStore, column: str):
        self._store, self._column = store, column

    def __getitem__(self, norm: str) -> str:
        rows = self._store._query("SELECT url, reason, checked FROM targets WHERE norm = ?", norm)
        if not rows:
            raise KeyError(norm)
        url, reason, checked = rows[0]
        if _check(norm, url or "", reason or "") != checked:
            raise StoreDamaged(f"where a link to {norm} leads")
        found = url if self._column == "url" else reason
        if found is None:
            raise KeyError(norm)
        return found

    def __contains__(self, norm: object) -> bool:
        try:
            self[norm]  # type: ignore[index]
        except KeyError:
            return False
        return True

    def __iter__(self) -> Iterator[str]:
        return (row[0] for row in self._store._query(f"SELECT norm FROM targets WHERE {self._column} IS NOT NULL"))

    def __len__(self) -> int:
        return self._store._query(f"SELECT count(*) FROM targets WHERE {self._column} IS NOT NULL")[0][0]
