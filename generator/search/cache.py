"""Indexed shards kept between builds: `.cache/broadsheet/search/FINGERPRINT/`.

Pagefind has no incremental mode, and its files are named by their content, so a shard's file
names are only known once it is indexed. Each shard is therefore indexed while the site is
planned, into a folder of the build cache named by the shard's fingerprint (what its records
and the Pagefind version were); the output's files are copies of that folder's. A shard whose
records did not change is not indexed again.

`files.tsv` in each folder lists its files with their sha256: a folder without it (an indexing
stopped half-way) is not one, and a file whose bytes no longer match is never published.

The preview (`serve`) indexes in the background: with defer, a shard whose records changed is
planned with the files it had (its last fingerprint), and indexed afresh by catch_up() in
another thread, after which the preview plans it again.
"""

from __future__ import annotations

import concurrent.futures
import hashlib
import os
import shutil
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from . import pagefind

LISTING = "files.tsv"
# Shards indexed at once: two Pagefind processes keep a 2-core machine busy while this process,
# single-threaded at this stage, makes the next records (each takes about 130 MB for 500 articles).
WORKERS = 2


@dataclass(frozen=True)
class IndexedFile:
    path: str  # inside the shard's folder, POSIX separators
    digest: str  # sha256 of its bytes


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
              language: str) -> list[list[IndexedFile]]:
        """The files of each shard, given as (key, fingerprint, records): from the cache, else
        indexed now (or, with defer, the files it had before, if it had any). Up to WORKERS
        shards are indexed at once: Pagefind runs in a process of its own, and this process
        meanwhile makes the next shard's records."""
        found: list[list[IndexedFile] | None] = []
        todo: list[int] = []
        for key, fingerprint, records in shards:
            found.append(self._known(key, fingerprint, records, language))
            if found[-1] is None:
                todo.append(len(found) - 1)
        if todo:
            if self.progress:
                self.progress(0, len(todo))
            with concurrent.futures.ThreadPoolExecutor(WORKERS) as pool:
                running: dict[int, concurrent.futures.Future] = {}
                try:
                    for n in todo:
                        if len(running) >= WORKERS:  # records made only as fast as they are indexed
                            concurrent.futures.wait(running.values(), return_when=concurrent.futures.FIRST_COMPLETED)
                            self._collect(running, shards, found, todo)
                        running[n] = pool.submit(self._index, shards[n][1], shards[n][2](), language)
                    concurrent.futures.wait(running.values())
                    self._collect(running, shards, found, todo)
                finally:
                    for future in running.values():
                        future.cancel()
        return [listed or [] for listed in found]

    def _known(self, key: str, fingerprint: str, records: Callable[[], Sequence[pagefind.Record]],
               language: str) -> list[IndexedFile] | None:
        """The shard's files without indexing it now, if they can be had."""
        self.used.add(fingerprint)
        if self.trusted:
            listed = _listing(self.folder / fingerprint)
            if listed is not None:
                with self._lock:
                    self.latest[key] = fingerprint
                    self.pending.pop(key, None)
                return listed
        before = self.latest.get(key)
        if self.defer and before is not None and before != fingerprint:
            listed = _listing(self.folder / before)
            if listed is not None:
                self.used.add(before)
                with self._lock:  # the records now: the articles' bodies may change before catch_up
                    self.pending[key] = (fingerprint, list(records()), language)
                return listed
        return None

    def _collect(self, running: dict, shards: Sequence, found: list, indexing: list[int]) -> None:
        """The indexings that are over: their files in found (raises the first one's error)."""
        for n, future in list(running.items()):
            if future.done():
                del running[n]
                found[n] = future.result()
                key, fingerprint, _ = shards[n]
                with self._lock:
                    self.latest[key] = fingerprint
                    self.pending.pop(key, None)
                if self.progress:
                    self.progress(sum(found[i] is not None for i in indexing), len(indexing))

    def catch_up(self) -> bool:
        """Index the shards planned with their old files (in the preview's own thread); True if
        there were any: the preview then plans them again."""
        with self._lock:
            todo = list(self.pending.values())
        for fingerprint, records, language in todo:
            if _listing(self.folder / fingerprint) is None:
                self._index(fingerprint, records, language)
        return bool(todo)

    def _index(self, fingerprint: str, records: Sequence[pagefind.Record], language: str) -> list[IndexedFile]:
        folder = self.folder / fingerprint
        temporary = self.folder / f"{fingerprint}.new{os.getpid()}-{threading.get_ident()}"
        shutil.rmtree(temporary, ignore_errors=True)
        temporary.parent.mkdir(parents=True, exist_ok=True)
        try:
            pagefind.write_index(records, language, temporary)
            listed = [IndexedFile(path.relative_to(temporary).as_posix(), _sha256(path))
                      for path in sorted(temporary.rglob("*")) if path.is_file()]
            (temporary / LISTING).write_text("".join(f"{f.digest}\t{f.path}\n" for f in listed), encoding="utf-8")
            shutil.rmtree(folder, ignore_errors=True)
            os.replace(temporary, folder)
        finally:
            shutil.rmtree(temporary, ignore_errors=True)
        return listed

    def path(self, fingerprint: str, file: IndexedFile) -> Path:
        return self.folder / fingerprint / file.path

    def read(self, fingerprint: str, file: IndexedFile) -> bytes:
        """A file's bytes, checked: raises ValueError if they changed since it was indexed."""
        data = self.path(fingerprint, file).read_bytes()
        if hashlib.sha256(data).hexdigest() != file.digest:
            raise ValueError(f"{self.path(fingerprint, file)} changed since it was indexed")
        return data

    def prune(self, keep: set[str]) -> None:
        """Remove the shards not in keep (after a build that planned every shard), but not one
        being indexed (FINGERPRINT.newPID-THREAD: the preview's catch_up may be writing it)."""
        try:
            entries = list(self.folder.iterdir())
        except OSError:
            return
        for entry in entries:
            if entry.name not in keep and ".new" not in entry.name:
                shutil.rmtree(entry, ignore_errors=True)


def _listing(folder: Path) -> list[IndexedFile] | None:
    try:
        text = (folder / LISTING).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return None
    listed = []
    for line in text.splitlines():
        digest, _, path = line.partition("\t")
        if len(digest) != 64 or not path or path.startswith("/") or ".." in path.split("/"):
            return None
        if not (folder / path).is_file():
            return None
        listed.append(IndexedFile(path, digest))
    return listed


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()
