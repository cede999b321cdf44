"""Linux's inotify, through ctypes: the watch daemon (watch_daemon.py) needs what a library such
as watchfiles does not give it: to hear of the kernel's queue overflowing (then every change
must be assumed), and events in the order they happened across all folders (a cookie file
written after a set of changes is heard of after them), neither settled nor merged."""

from __future__ import annotations

import ctypes
import os
import struct
from collections.abc import Iterator
from dataclasses import dataclass

MODIFY, ATTRIB, CLOSE_WRITE = 0x2, 0x4, 0x8
MOVED_FROM, MOVED_TO, CREATE, DELETE, DELETE_SELF, MOVE_SELF = 0x40, 0x80, 0x100, 0x200, 0x400, 0x800
OVERFLOW, IGNORED, IS_DIR = 0x4000, 0x8000, 0x40000000
_ONLY_DIR, _DONT_FOLLOW = 0x1000000, 0x2000000
# Everything that changes what a stat or a read of a file would say, or which names a folder has.
CHANGES = MODIFY | ATTRIB | CLOSE_WRITE | MOVED_FROM | MOVED_TO | CREATE | DELETE | DELETE_SELF | MOVE_SELF
_NONBLOCK, _CLOEXEC = 0o4000, 0o2000000
_HEAD = struct.Struct("iIII")  # wd, mask, cookie, length of the name


@dataclass(frozen=True)
class Event:
    watch: int  # -1 for OVERFLOW
    mask: int
    name: str  # "" for an event of the watched folder itself


class Inotify:
    """One inotify instance: its events come in one queue, in the order they happened."""

    def __init__(self) -> None:
        try:
            self._libc = ctypes.CDLL(None, use_errno=True)
            init = self._libc.inotify_init1
        except (OSError, AttributeError) as missing:
            raise OSError("file events need Linux's inotify") from missing
        self.fd = init(_NONBLOCK | _CLOEXEC)
        if self.fd < 0:
            raise OSError(ctypes.get_errno(), os.strerror(ctypes.get_errno()))

    def watch_folder(self, path: str) -> int:
        """The watch of a folder (the same number again for a folder already watched, under any
        name); OSError when it is not a folder or the system's limit of watches is reached."""
        watch = self._libc.inotify_add_watch(self.fd, os.fsencode(path), CHANGES | _ONLY_DIR | _DONT_FOLLOW)
        if watch < 0:
            error = ctypes.get_errno()
            raise OSError(error, os.strerror(error), path)
        return watch

    def read(self) -> Iterator[Event]:
        """The events queued now (none if none: the descriptor does not block)."""
        try:
            data = os.read(self.fd, 1 << 20)
        except BlockingIOError:
            return
        at = 0
        while at + _HEAD.size <= len(data):
            watch, mask, _cookie, length = _HEAD.unpack_from(data, at)
            name = data[at + _HEAD.size:at + _HEAD.size + length].rstrip(b"\0")
            at += _HEAD.size + length
            yield Event(watch, mask, os.fsdecode(name))

    def close(self) -> None:
        os.close(self.fd)
