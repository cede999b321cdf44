"""Watching the site's sources for changes, with bursts of changes settled into one.

Polling stat() is portable and cheap enough (10,000 files in about 20 ms) and,
unlike mtime-only watchers, also sees a file replaced by one with the same
mtime but another size. A burst of saves (an editor writing several files,
`git checkout`) is collected until nothing has changed for `settle` seconds,
then reported once: this is what MkDocs learnt the hard way (its issue 2061).
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

Snapshot = dict[str, tuple[int, int]]  # path -> (mtime_ns, size)


@dataclass(frozen=True)
class Change:
    paths: frozenset[str]  # added, modified or removed


def snapshot(roots: Iterable[Path]) -> Snapshot:
    """Every file below the roots (or the root itself when it is a file); hidden ones and editor
    leftovers are skipped, since saving them is not a change to the site."""
    files: Snapshot = {}
    for root in roots:
        if root.is_file():
            _add(files, str(root))
            continue
        for folder, dirnames, filenames in os.walk(root):
            dirnames[:] = [d for d in dirnames if not d.startswith(".")]
            for name in filenames:
                if not _ignored(name):
                    _add(files, os.path.join(folder, name))
    return files


def _add(files: Snapshot, path: str) -> None:
    try:
        stat = os.stat(path)
    except OSError:
        return  # removed while we looked
    files[path] = (stat.st_mtime_ns, stat.st_size)


def _ignored(name: str) -> bool:
    return name.startswith((".", "#")) or name.endswith(("~", ".swp", ".swx", ".tmp"))


def changed_paths(before: Snapshot, after: Snapshot) -> set[str]:
    return {p for p in before.keys() | after.keys() if before.get(p) != after.get(p)}


class Watcher:
    """Calls on_change(Change) in its own thread, once per settled burst of changes."""

    def __init__(self, roots: Callable[[], list[Path]], on_change: Callable[[Change], None],
                 interval: float = 0.1, settle: float = 0.1, longest_wait: float = 3.0,
                 since: Snapshot | None = None):
        self._roots = roots  # asked anew each time: a config change may name another theme
        self._on_change = on_change
        self._interval = interval
        self._settle = settle
        self._longest_wait = longest_wait
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="broadsheet-watcher", daemon=True)
        # `since`: the look taken before the first build, so that a save during that build is not lost.
        self._last = since if since is not None else snapshot(self._roots())

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout=5)

    def _run(self) -> None:
        while not self._stop.wait(self._interval):
            current = snapshot(self._roots())
            pending = changed_paths(self._last, current)
            if not pending:
                continue
            # Something changed: wait until the burst is over (or has gone on too long) before reporting.
            first_seen = last_seen = time.monotonic()
            while not self._stop.is_set():
                self._stop.wait(self._interval)
                newer = snapshot(self._roots())
                more = changed_paths(current, newer)
                now = time.monotonic()
                if more:
                    pending |= more
                    current, last_seen = newer, now
                if now - last_seen >= self._settle or now - first_seen >= self._longest_wait:
                    break
            self._last = current
            if not self._stop.is_set():
                self._on_change(Change(frozenset(pending)))
