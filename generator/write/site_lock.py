"""One build of a site at a time: `build`, and each rebuild of `serve`, hold an exclusive lock on
.cache/broadsheet/build.lock while they read and write the site's state (the cache, the site
store, output/). Two at once would interleave their writes: a cron build started while the last
one still runs (a cold build of a million articles takes half an hour), or a `build` while the
preview rebuilds. The second waits for the first. The lock is the kernel's (flock): a build that
is killed leaves none behind.

The build's forked children (its writers, the site store's writer) inherit the lock's descriptor,
and with it the lock (O_CLOEXEC closes it only on exec): a build killed while one of them still
runs keeps the next build waiting until that child ends. On purpose: the child may still be
writing into output/'s staging folder or the store's new file, which the next build would use."""

from __future__ import annotations

import fcntl
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path


def lock_file(site_dir: Path) -> Path:
    return site_dir / ".cache" / "broadsheet" / "build.lock"


@contextmanager
def site_lock(site_dir: Path, waiting: Callable[[str], None] | None = None) -> Iterator[None]:
    """Hold the site's build lock; waiting(holder) is told first when another process holds it
    (holder: its process id as it wrote it, or "" when it cannot be read). Where the lock file
    cannot be made (a site folder that cannot be written), nothing is locked: the build then
    fails or warns for the same reason as it would have."""
    path = lock_file(site_dir)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        handle = os.open(path, os.O_RDWR | os.O_CREAT | getattr(os, "O_CLOEXEC", 0), 0o644)
    except OSError:
        yield
        return
    try:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            if waiting is not None:
                waiting(_holder(handle))
            fcntl.flock(handle, fcntl.LOCK_EX)
        os.ftruncate(handle, 0)
        os.pwrite(handle, f"{os.getpid()}\n".encode(), 0)
        yield
    finally:
        os.close(handle)  # releases the lock


def waiting_message(holder: str) -> str:
    """What a build that waits says (on stderr for `build`, in the preview's log)."""
    return f"waiting for another build of this site to finish{f' (process {holder})' if holder else ''}"


def _holder(handle: int) -> str:
    try:
        return os.pread(handle, 32, 0).decode("ascii", "replace").strip()
    except OSError:
        return ""
