"""Watching the site's sources for changes, with bursts of changes settled into one.

The operating system says what changed (inotify on Linux, FSEvents on macOS,
through the watchfiles package), so a save is seen at once and an idle preview
costs next to no CPU (watchfiles looks at what the kernel queued every `settle`
seconds: about half a percent of a core, against a third of one for polling
10,000 files). A burst of saves (an editor writing several files, `git
checkout`) is collected until nothing more has happened for `settle` seconds,
then reported once: this is what MkDocs learnt the hard way (its issue 2061).

The folders of sources (content/, themes) are watched with everything below
them; the folders holding them (the site folder) only for their own entries,
which is how config.yaml is seen however an editor saves it, and how a themes/
made later is found; output/ and .cache are never watched, so a build does not
trigger itself.

Polling stat() is the fallback, when watchfiles cannot be imported or the
operating system refuses the watch (its limit of watches reached), and when
BROADSHEET_WATCH=poll asks for it (a network file system, whose changes made on
another machine the local kernel never hears of). It looks every 0.1 s, and
also sees a file replaced by one with the same mtime but another size.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

log = logging.getLogger("broadsheet.serve")

Snapshot = dict[str, tuple[int, int]]  # path -> (mtime_ns, size)

SETTLE = 0.03  # seconds of quiet that end a burst: one save is rebuilt at once, `git checkout` once
POLL_INTERVAL = 0.1  # seconds between two looks, when polling
TICK_MS = 200  # how often the event watcher looks at the site folder's own entries, and at stop()


@dataclass(frozen=True)
class Change:
    paths: frozenset[str]  # added, modified or removed


def _ignored(name: str) -> bool:
    """Hidden files and editor leftovers (swap, backup, lock and probe files): saving them is not a change."""
    return (name.startswith((".", "#")) or name.endswith(("~", ".swp", ".swx", ".tmp", "___jb_tmp___", "___jb_old___"))
            or name == "4913")  # vim's probe of whether it may write in the folder


def snapshot(roots: Iterable[Path]) -> Snapshot:
    """Every file below the roots (or the root itself when it is a file); hidden ones and editor
    leftovers skipped."""
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


def changed_paths(before: Snapshot, after: Snapshot) -> set[str]:
    return {p for p in before.keys() | after.keys() if before.get(p) != after.get(p)}


def _layout(roots: Iterable[Path]) -> list[tuple[str, int]]:
    """The roots that are folders, and which folders they are."""
    found = set()
    for root in roots:
        try:
            if root.is_dir():
                found.add((os.path.abspath(root), root.stat().st_ino))
        except OSError:
            pass
    return sorted(found)


class _Events:
    """The operating system's file events for the roots: with everything below them for the folders,
    and their parents' own entries. Starts listening when made. Raises ImportError (no watchfiles),
    OSError (say, the limit of watches reached) or RuntimeError (watchfiles' own errors)."""

    def __init__(self, roots: list[Path]):
        from watchfiles._rust_notify import RustNotify  # the part of watchfiles that watches

        self.roots: dict[str, str] = {}  # as reported -> as the build names it
        for root in roots:  # reported as watched, or (FSEvents) with symbolic links resolved
            self.roots.setdefault(os.path.abspath(root), str(root))
            self.roots.setdefault(os.path.realpath(root), str(root))
        self.layout = _layout(roots)  # when a root folder is made, removed or replaced, the watches are made again
        folders = [folder for folder, _ in self.layout]
        parents = sorted({os.path.dirname(os.path.abspath(root)) for root in roots})
        # (paths, debug, force_polling, poll_delay_ms, recursive, ignore_permission_denied)
        self._below = RustNotify(folders, False, False, 0, True, True) if folders else None
        self._beside = RustNotify(parents, False, False, 0, False, True)

    def wait(self, settle_ms: int, longest_ms: int) -> set[str]:
        """The paths changed, once a burst has settled; or, after TICK_MS with nothing, an empty set."""
        found = set()
        if self._below is not None:
            got = self._below.watch(longest_ms, settle_ms, TICK_MS, None)
            found = {path for _, path in got} if isinstance(got, set) else set()
        else:
            time.sleep(TICK_MS / 1000)
        got = self._beside.watch(longest_ms, 1, 1, None)  # what it has heard meanwhile, at once
        found |= {path for _, path in got if path in self.roots} if isinstance(got, set) else set()
        return {named for path in found if (named := self._named(path)) is not None}

    def _named(self, path: str) -> str | None:
        """The path as the build names it, or None for a hidden file, an editor's leftover, or none of ours."""
        if path in self.roots:
            return self.roots[path]
        for root, named in self.roots.items():
            if path.startswith(root + os.sep):
                below = path[len(root) + 1:]
                if any(_ignored(part) for part in below.split(os.sep)):
                    return None
                return named + os.sep + below
        return None

    def close(self) -> None:
        for watcher in (self._below, self._beside):
            if watcher is not None:
                watcher.close()


class Watcher:
    """Watches from the moment it is made (a save during the first build is not lost); once started,
    calls on_change(Change) in its own thread, once per settled burst of changes.

    polling=None: file events, unless the environment says BROADSHEET_WATCH=poll."""

    def __init__(self, roots: Callable[[], list[Path]], settle: float = SETTLE, longest_wait: float = 3.0,
                 polling: bool | None = None, interval: float = POLL_INTERVAL):
        self._roots = roots  # asked anew when the layout changes: a config change may name another theme
        self._on_change: Callable[[Change], None] = lambda change: None
        self._settle = settle
        self._longest_wait = longest_wait
        self._interval = interval
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="broadsheet-watcher", daemon=True)
        self._events: _Events | None = None
        if polling is None:
            polling = os.environ.get("BROADSHEET_WATCH", "").lower() == "poll"
            if polling:
                log.info("BROADSHEET_WATCH=poll: looking for changes every %.1f s", interval)
        if not polling:
            try:
                self._events = _Events(roots())
            except (ImportError, OSError, RuntimeError) as exc:
                log.warning("cannot watch for file events (%s): looking for changes every %.1f s instead",
                            exc, interval)
        self._last = snapshot(roots()) if self._events is None else {}

    @property
    def method(self) -> str:
        return "events" if self._events is not None else "polling"

    def start(self, on_change: Callable[[Change], None]) -> None:
        self._on_change = on_change
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout=5)
        events, self._events = self._events, None
        if events is not None:
            events.close()

    def _run(self) -> None:
        while not self._stop.is_set():
            events = self._events
            if events is None:
                paths = self._poll()
            else:
                try:
                    paths = self._wait_for_events(events)
                except (OSError, RuntimeError) as exc:  # the watch broke (say, a folder was unmounted)
                    log.warning("file events failed (%s): looking for changes every %.1f s instead",
                                exc, self._interval)
                    events.close()
                    self._events, self._last = None, snapshot(self._roots())
                    continue
            if paths and not self._stop.is_set():
                self._on_change(Change(frozenset(paths)))

    def _wait_for_events(self, events: _Events) -> set[str]:
        paths = events.wait(round(self._settle * 1000), round(self._longest_wait * 1000))
        if paths & set(events.roots.values()):  # a root itself changed: config.yaml, or content/ made or removed
            roots = self._roots()
            if _layout(roots) != events.layout:
                # Watch the new layout (before looking inside new folders below, so that nothing written
                # in between is missed), then let the old watch go.
                self._events = _Events(roots)
                events.close()
        # A folder made or moved in: its files too (they may have been written before it was watched).
        for path in list(paths):
            if os.path.isdir(path):
                paths |= snapshot([Path(path)]).keys()
        return paths

    def _poll(self) -> set[str]:
        while not self._stop.wait(self._interval):
            current = snapshot(self._roots())
            pending = changed_paths(self._last, current)
            if not pending:
                continue
            # Something changed: wait until the burst is over (or has gone on too long) before reporting.
            first_seen = last_seen = time.monotonic()
            while not self._stop.wait(self._interval):
                newer = snapshot(self._roots())
                more = changed_paths(current, newer)
                now = time.monotonic()
                if more:
                    pending |= more
                    current, last_seen = newer, now
                if now - last_seen >= self._settle or now - first_seen >= self._longest_wait:
                    break
            self._last = current
            return pending
        return set()
