"""Indexed shards kept between builds: `.cache/broadsheet/search/FINGERPRINT.pack`.

Pagefind has no incremental mode, and its files are named by their content, so a shard's file
names are only known once it is indexed. Each shard is therefore indexed while the site is
planned, into one file of the build cache named by the shard's fingerprint (what its records
and the Pagefind version were); the output's files are copies of that pack's parts. A shard
whose records did not change is not indexed again.

A pack is one file, not a folder of Pagefind's five hundred (a fragment per article): a build
that finds its shards in the cache reads one header per shard instead of checking every file,
and a cold build makes 20 files in the cache instead of 11,000 (at 10,000 articles). Its
header lists each part with its sha256 and size; it is written whole under another name and
renamed, so a pack is either all there or not at all; a pack shorter or longer than its header
says is not one, and a part whose bytes no longer match is never published.

The preview (`serve`) indexes in the background: with defer, a shard whose records changed is
planned with the files it had (its last fingerprint), and indexed afresh by catch_up() in
another thread, after which the preview plans it again.
"""

from __future__ import annotations

import functools
import hashlib
import os
import shutil
import threading
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from ..write.parallel import forked_call, forked_map, worth_it
from . import bundle, pagefind

PACK_SUFFIX = ".pack"
# Articles in the shards to index from which worker processes pay for their start.
PARALLEL_FROM = 1000
PACK_MAGIC = b"broadsheet search shard 1\n"


@dataclass(frozen=True, slots=True)  # one per file of the index, kept by the plan until it is written
class IndexedFile:
    path: str  # inside the shard's bundle, POSIX separators
    digest: str  # sha256 of its bytes
    offset: int = 0  # where its bytes start in the pack
    size: int = 0


class ShardCache:
    def __init__(self, folder: Path, trusted: bool = True, defer: bool = False):
        self.folder = folder
        self.trusted = trusted  # False (build --no-cache): every shard is indexed afresh
        self.defer = defer  # True (serve): a changed shard is indexed later, by catch_up()
        self.used: set[str] = set()
        self.latest: dict[str, str] = {}  # shard key -> the fingerprint of the files last planned
        self.pending: dict[str, tuple[str, Sequence[pagefind.Record], str]] = {}  # key -> what catch_up indexes
        self._lock = threading.Lock()
        # Told (done, of) as shards are indexed: a cold build of a big site indexes for a while.
        self.progress: Callable[[int, int], None] | None = None

    def files(self, shards: Sequence[tuple[str, str, Callable[[], Sequence[pagefind.Record]]]],
              language: str, articles: int = 0) -> list[list[IndexedFile]]:
        """The files of each shard, given as (key, fingerprint, records): from the cache, else
        indexed now (or, with defer, the files it had before, if it had any). articles: how many
        the shards hold in all. On a big site the shards to index are indexed in worker
        processes, one per core, each making its shard's records and bundle (see _bundles); this
        process packs the bundles into the cache as they come."""
        found: list[list[IndexedFile] | None] = []
        todo: list[int] = []
        for key, fingerprint, records in shards:
            found.append(self._known(key, fingerprint, records, language))
            if found[-1] is None:
                todo.append(len(found) - 1)
        if todo and self.progress:
            self.progress(0, len(todo))
        jobs = [shards[n][2] for n in todo]
        for done, (n, files) in enumerate(zip(todo, _bundles(jobs, language, articles)), start=1):
            key, fingerprint, _ = shards[n]
            found[n] = self._store(fingerprint, files)
            with self._lock:
                self.latest[key] = fingerprint
                self.pending.pop(key, None)
            if self.progress:
                self.progress(done, len(todo))
        return [listed or [] for listed in found]

    def _known(self, key: str, fingerprint: str, records: Callable[[], Sequence[pagefind.Record]],
               language: str) -> list[IndexedFile] | None:
        """The shard's files without indexing it now, if they can be had."""
        self.used.add(fingerprint)
        if self.trusted:
            listed = _listing(self._pack(fingerprint))
            if listed is not None:
                with self._lock:
                    self.latest[key] = fingerprint
                    self.pending.pop(key, None)
                return listed
        before = self.latest.get(key)
        if self.defer and before is not None and before != fingerprint:
            listed = _listing(self._pack(before))
            if listed is not None:
                self.used.add(before)
                with self._lock:  # the records now: the articles' bodies may change before catch_up
                    self.pending[key] = (fingerprint, list(records()), language)
                return listed
        return None

    def catch_up(self) -> bool:
        """Index the shards planned with their old files (in the preview's own thread); True if
        there were any: the preview then plans them again."""
        with self._lock:
            todo = list(self.pending.values())
        for fingerprint, records, language in todo:
            if _listing(self._pack(fingerprint)) is None:
                # In a child process: the indexing is mostly Python's, and the preview's server
                # and rebuilds share this process's interpreter lock.
                self._store(fingerprint, forked_call(functools.partial(bundle.index, records, language)))
        return bool(todo)

    def _store(self, fingerprint: str, files: dict[str, bytes]) -> list[IndexedFile]:
        """Pack a shard's bundle into the cache: written whole under another name, then renamed."""
        pack = self._pack(fingerprint)
        temporary = pack.with_name(f"{pack.name}.new{os.getpid()}-{threading.get_ident()}")
        pack.parent.mkdir(parents=True, exist_ok=True)
        header, listed = _header(files)
        try:
            with open(temporary, "wb") as handle:
                handle.write(header)
                for file in listed:
                    handle.write(files[file.path])
            os.replace(temporary, pack)
        finally:
            try:
                temporary.unlink()
            except FileNotFoundError:
                pass
        return listed

    def _pack(self, fingerprint: str) -> Path:
        return self.folder / f"{fingerprint}{PACK_SUFFIX}"

    def read(self, fingerprint: str, file: IndexedFile) -> bytes:
        """A file's bytes, checked: raises ValueError if they changed since it was indexed."""
        pack = self._pack(fingerprint)
        with open(pack, "rb") as handle:
            handle.seek(file.offset)
            data = handle.read(file.size)
        if len(data) != file.size or hashlib.sha256(data).hexdigest() != file.digest:
            raise ValueError(f"{file.path} in {pack} changed since it was indexed")
        return data

    def prune(self, keep: set[str]) -> None:
        """Remove the shards not in keep (after a build that planned every shard), but not one
        being indexed (FINGERPRINT.pack.newPID-THREAD: the preview's catch_up may be writing it).
        Folders are shards as versions before packs kept them."""
        try:
            entries = list(self.folder.iterdir())
        except OSError:
            return
        for entry in entries:
            if ".new" in entry.name or (entry.name.endswith(PACK_SUFFIX) and entry.name[:-len(PACK_SUFFIX)] in keep):
                continue
            if entry.is_dir() and not entry.is_symlink():
                shutil.rmtree(entry, ignore_errors=True)
            else:
                try:
                    entry.unlink()
                except OSError:
                    pass


def _bundles(jobs: Sequence[Callable[[], Sequence[pagefind.Record]]], language: str,
             articles: int) -> Iterator[dict[str, bytes]]:
    """Each job's records indexed, in order: in forked workers when there are several jobs and
    enough articles (in all the shards planned) to pay for starting them (the indexing is mostly
    Python's, one core each), else here."""
    def index(records: Callable[[], Sequence[pagefind.Record]]) -> dict[str, bytes]:
        return bundle.index(records(), language)

    if len(jobs) > 1 and worth_it(articles, PARALLEL_FROM):
        return forked_map(index, jobs, 1)
    if len(jobs) == 1 or articles >= PARALLEL_FROM:  # (a big site without fork: a shard at a time)
        return map(index, jobs)
    made = [records() for records in jobs]
    bundle.learn([record for records in made for record in records], language)
    return (bundle.index(records, language) for records in made)


def _header(files: dict[str, bytes]) -> tuple[bytes, list[IndexedFile]]:
    """A pack's header for these files (in the order of their paths), and where each will be."""
    digests = {path: hashlib.sha256(data).hexdigest() for path, data in sorted(files.items())}
    header = PACK_MAGIC + "".join(f"{digest}\t{len(files[path])}\t{path}\n"
                                  for path, digest in digests.items()).encode() + b"\n"
    listed, offset = [], len(header)
    for path, digest in digests.items():
        listed.append(IndexedFile(path, digest, offset, len(files[path])))
        offset += len(files[path])
    return header, listed


def _listing(pack: Path) -> list[IndexedFile] | None:
    """The files of a pack, from its header; None if there is no whole pack there."""
    try:
        with open(pack, "rb") as handle:
            head = handle.read(1 << 16)
            while b"\n\n" not in head:
                more = handle.read(1 << 16)
                if not more:
                    return None
                head += more
            size = os.fstat(handle.fileno()).st_size
    except OSError:
        return None
    end = head.index(b"\n\n") + 2
    if not head.startswith(PACK_MAGIC):
        return None
    listed, offset = [], end
    try:
        for line in head[len(PACK_MAGIC):end - 2].decode("utf-8").split("\n"):
            digest, length, path = line.split("\t", 2)
            if len(digest) != 64 or not path or path.startswith("/") or ".." in path.split("/"):
                return None
            listed.append(IndexedFile(path, digest, offset, int(length)))
            offset += int(length)
    except ValueError:
        return None
    return listed if offset == size else None
