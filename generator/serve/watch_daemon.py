"""`broadsheet watch`: a process that hears every change to the site's content and output
folders (inotify) and tells each build what changed since the last one (read/watched.py), so
that a build need not stat every file to find out. At 100,000 articles that look is most of a
build with one edit: the daemon makes the edit's cost depend on the edit, not on the archive.

Correctness rests on three things. The kernel queues the events of one inotify instance in the
order they happen, for all folders. Before answering, the daemon writes a cookie file and reads
events until it hears of it: every change made before the question is then heard. And anything
it cannot vouch for (the queue overflowed, a folder could not be watched, the daemon itself
restarted) makes it answer "unknown" (None) to tokens from before, and the build looks at
everything, as it does with no daemon.

A folder made while watched is watched at once and listed, and what it holds counts as changed
(files may be written in it before its watch is in place). A folder moved elsewhere keeps
reporting under its old name: more is reported, never less."""

from __future__ import annotations

import errno
import json
import os
import secrets
import selectors
import socket
import time
from collections.abc import Callable, Sequence
from pathlib import Path

from . import inotify
from ..read.watched import ANSWER_WITHIN, socket_address, watch_folder

# Changes remembered before the daemon forgets them all (and answers "unknown" to older tokens):
# a path and a number each, about 150 bytes, so at most a few hundred MB.
REMEMBERED = 2_000_000
# Paths in one answer, at most: past it the answer is "unknown" (after a cold build, 187,000 paths
# of output/ are quicker looked at by the build than sent to it and looked up one by one).
ANSWERED_AT_MOST = 10_000


class WatchFailed(Exception):
    """The daemon cannot start: the message says why."""


class WatchDaemon:
    """Watches `roots` (folders that do not hold one another) and answers on the site's socket."""

    def __init__(self, site_dir: Path, roots: Sequence[Path], say: Callable[[str], None] = lambda _: None,
                 remembered: int = REMEMBERED) -> None:
        self.say = say
        self.remembered = remembered
        self.roots = [os.path.realpath(root) for root in roots]
        self.instance = secrets.token_hex(6)
        self.number = 0  # of the last change heard
        self.changed: dict[tuple[int, str], int] = {}  # (root, relative path) -> number, oldest first
        self.folders: dict[int, tuple[int, str]] = {}  # watch -> (root, relative folder)
        self.whole = [False] * len(self.roots)  # whether each root is watched, every folder of it
        self.gone = [False] * len(self.roots)  # not there (yet, or any more): watched when it is
        self.refused = [False] * len(self.roots)  # a watch was refused (said once)
        self.cookies = 0
        self.inotify = inotify.Inotify()
        self.cookie_folder = str(watch_folder(site_dir).resolve())
        os.makedirs(self.cookie_folder, exist_ok=True)
        self.cookie_watch = self.inotify.watch_folder(self.cookie_folder)
        self.listener = _listen(site_dir)
        for index in range(len(self.roots)):
            self._watch_root(index)

    # Hearing ---------------------------------------------------------------------------------

    def _watch_root(self, index: int) -> None:
        self.gone[index] = not os.path.isdir(self.roots[index])
        self.whole[index] = not self.gone[index] and self._watch_tree(index, "", report=False)

    def _watch_tree(self, index: int, folder: str, report: bool) -> bool:
        """Watch folder (relative to its root) and every folder in it, then list them; with
        report, what they hold counts as changed. False when a watch could not be added."""
        pending = [folder]
        while pending:
            relative = pending.pop()
            path = os.path.join(self.roots[index], relative) if relative else self.roots[index]
            try:
                self.folders[self.inotify.watch_folder(path)] = (index, relative)
                entries = list(os.scandir(path))
            except OSError as problem:
                if problem.errno in (errno.ENOENT, errno.ENOTDIR):
                    continue  # gone already: its parent's event says so
                if not self.refused[index]:
                    self.say(_refused(path, problem))
                self.refused[index] = True
                return False
            for entry in entries:
                name = os.path.join(relative, entry.name) if relative else entry.name
                if report:
                    self._note(index, name)
                if entry.is_dir(follow_symlinks=False):
                    pending.append(name)
        return True

    def _note(self, index: int, relative: str) -> None:
        self.number += 1
        key = (index, relative)
        self.changed.pop(key, None)  # moved to the end: the dict stays in the order of last change
        self.changed[key] = self.number
        if len(self.changed) > self.remembered:
            self._forget_all()

    def _forget_all(self) -> None:
        """From now on, tokens from before are answered "unknown"."""
        self.instance = secrets.token_hex(6)
        self.changed.clear()

    def _hear(self, event: inotify.Event) -> None:
        if event.mask & inotify.OVERFLOW:
            self._forget_all()
            for index in range(len(self.roots)):  # folders made while events were lost need watches
                self._watch_root(index)
            return
        place = self.folders.get(event.watch)
        if place is None:
            return  # the cookies' folder, or a watch already let go
        index, folder = place
        if event.mask & inotify.IGNORED:
            del self.folders[event.watch]
            if folder == "":
                self.whole[index], self.gone[index] = False, True  # looked for again at each question
            return
        relative = os.path.join(folder, event.name) if folder and event.name else folder or event.name
        self._note(index, relative)
        if event.mask & inotify.IS_DIR and event.mask & (inotify.CREATE | inotify.MOVED_TO):
            if not self._watch_tree(index, relative, report=True):
                self.whole[index] = False

    def _hear_until(self, cookie: str, deadline: float) -> bool:
        """Hear every event up to the cookie's (and those queued with it); False if it was not
        heard by the deadline."""
        selector = selectors.DefaultSelector()
        selector.register(self.inotify.fd, selectors.EVENT_READ)
        try:
            while True:
                if self._hear_queued(cookie):
                    return True
                left = deadline - time.monotonic()
                if left <= 0 or not selector.select(left):
                    return False
        finally:
            selector.close()

    def _hear_queued(self, cookie: str = "") -> bool:
        """Hear the events queued now; whether the cookie's was among them."""
        found = False
        for event in self.inotify.read():
            if event.watch == self.cookie_watch:
                found = found or event.name == cookie
            else:
                self._hear(event)
        return found

    # Answering -------------------------------------------------------------------------------

    def answer(self, folder: str, since: str) -> dict:
        """What changed under folder since the token; every change made before this call is heard."""
        for index, root in enumerate(self.roots):
            if self.gone[index] and os.path.isdir(root):
                self._forget_all()  # a root made (again): what it held before is unknown
                self._watch_root(index)
        self.cookies += 1
        cookie = f"cookie-{os.getpid()}-{self.cookies}"
        path = os.path.join(self.cookie_folder, cookie)
        try:
            with open(path, "w"):
                pass
            heard = self._hear_until(cookie, time.monotonic() + ANSWER_WITHIN / 2)
        finally:
            try:
                os.unlink(path)
            except OSError:
                pass
        token = f"{self.instance}:{self.number}"
        index = self.roots.index(folder) if folder in self.roots else -1
        instance, _, number = since.partition(":")
        if not heard or index < 0 or not self.whole[index] or instance != self.instance or not number.isdigit():
            return {"token": token, "changed": None}
        after = int(number)
        changed = []
        for (root, relative), when in reversed(self.changed.items()):
            if when <= after:
                break
            if root == index:
                changed.append(relative)
                if len(changed) > ANSWERED_AT_MOST:
                    return {"token": token, "changed": None}
        return {"token": token, "changed": changed}

    def serve_forever(self, stop: Callable[[], bool] = lambda: False) -> bool:
        """Hear and answer until stop() says so (looked at every half second): True; or until the
        cookies' folder is taken away (the site's .cache deleted), when no question could be
        answered any more: False."""
        selector = selectors.DefaultSelector()
        selector.register(self.inotify.fd, selectors.EVENT_READ, "events")
        selector.register(self.listener, selectors.EVENT_READ, "question")
        try:
            while not stop():
                if not os.path.isdir(self.cookie_folder):
                    self.say(f"{self.cookie_folder} was removed (the site's .cache deleted?): builds can no longer "
                             "be answered; stopping. Start `broadsheet watch` again.")
                    return False
                for key, _ in selector.select(0.5):
                    if key.data == "events":
                        self._hear_queued()
                    else:
                        self._take_question()
        finally:
            selector.close()
        return True

    def _take_question(self) -> None:
        try:
            connection, _ = self.listener.accept()
        except OSError:
            return
        with connection:
            try:
                connection.settimeout(ANSWER_WITHIN)
                request = b""
                while not request.endswith(b"\n"):
                    chunk = connection.recv(1 << 16)
                    if not chunk:
                        return
                    request += chunk
                question = json.loads(request)
                answer = self.answer(str(question["folder"]), str(question["since"]))
                connection.sendall(json.dumps(answer).encode())
            except (OSError, ValueError, KeyError, TypeError):
                return

    def close(self) -> None:
        self.listener.close()
        self.inotify.close()

    def folders_watched(self) -> int:
        return len(self.folders)


def _refused(path: str, problem: OSError) -> str:
    if problem.errno == errno.ENOSPC:
        limit = _read_number("/proc/sys/fs/inotify/max_user_watches")
        return (f"cannot watch {path}: the system's limit of watched folders is reached "
                f"(fs.inotify.max_user_watches = {limit}); builds will look at every file of this folder. "
                "Raise it, e.g. `sudo sysctl fs.inotify.max_user_watches=2000000`")
    return f"cannot watch {path}: {problem.strerror}; builds will look at every file of this folder"


def _read_number(path: str) -> str:
    try:
        with open(path) as handle:
            return handle.read().strip()
    except OSError:
        return "?"


def _listen(site_dir: Path) -> socket.socket:
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        listener.bind(socket_address(site_dir))
    except OSError as problem:
        listener.close()
        if problem.errno == errno.EADDRINUSE:
            raise WatchFailed("another `broadsheet watch` already watches this site") from None
        raise
    listener.listen(16)
    return listener
