"""Work spread over worker processes, for the stages where there is enough of it to pay.

The workers are forked: they inherit the work list (and everything it refers to, such as
the whole site model) instead of receiving it pickled, and send back only their results.
"""

from __future__ import annotations

import gc
import os
import signal
from collections.abc import Callable, Iterator, Sequence
from typing import Any, TypeVar

from ..errors import BuildFailed, SiteError
from .cgroup_memory import cgroup_room

Item = TypeVar("Item")
Result = TypeVar("Result")

_WORK: tuple[Callable[[Any], Any], Sequence[Any]] | None = None


def worth_it(count: int, threshold: int) -> bool:
    """Parallel only with at least threshold items, more than one core, and fork to start workers."""
    import multiprocessing  # here: a build with nothing to do never starts a worker

    return count >= threshold and (os.cpu_count() or 1) > 1 and "fork" in multiprocessing.get_all_start_methods()


def forked_map(work: Callable[[Item], Result], items: Sequence[Item], largest_chunk: int = 50,
               start: Callable[..., None] | None = None, start_args: tuple = ()) -> Iterator[Result]:
    """work(item) for each item, in order, computed by one worker per core (at most 8);
    start(*start_args) runs once in each worker before its first item. A worker that dies (the
    system, out of memory, kills it) fails the build with BuildFailed instead of leaving it to
    wait for ever: not multiprocessing.Pool, whose map waits for a lost worker's results. Where
    the memory cannot hold a copy of this process per worker (affordable_children), here."""
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor
    from concurrent.futures.process import BrokenProcessPool

    global _WORK
    workers, size = _affordable(min(os.cpu_count() or 2, 8))
    if workers < 2:  # one worker would only do what this process can, beside a second copy of it
        if start is not None:
            start(*start_args)
        yield from map(work, items)
        return
    _WORK = (work, items)
    pool = None
    reserved = _reserve(workers * size)
    try:
        # Chunks small enough that every worker gets several (an even finish), large enough
        # that handing them out costs little.
        chunk = max(1, min(largest_chunk, len(items) // (workers * 8)))
        # Frozen: the workers' collector never walks the objects they inherit (the whole site).
        gc.freeze()
        pool = ProcessPoolExecutor(workers, multiprocessing.get_context("fork"), start, start_args)
        yield from pool.map(_do, range(len(items)), chunksize=chunk)
    except BrokenProcessPool as lost:
        raise BuildFailed([SiteError(
            "a worker process of the build stopped before it finished: the system may have run out of memory "
            "(see `dmesg`); close other programs and build again")]) from lost
    finally:
        if pool is not None:
            pool.shutdown(wait=True, cancel_futures=True)  # a build stopped early waits for no queued work
        gc.unfreeze()
        _WORK = None
        _release(reserved)


# Memory promised to forked children still running: each may come to copy all of this process.
_RESERVED = 0
# in_background's children not yet waited for: each settles (reaps it, releases its memory) if it
# has finished, and says whether it has. Asked before counting memory: the site store's child
# ends during the planning, long before the build waits for it after the writing.
_BACKGROUND: list[Callable[[], bool]] = []
# What all the build's processes together may hold, in bytes: `build --memory-limit`, else the
# site's config.yaml `memory_limit`; None: as much as the machine has free.
_LIMIT: int | None = None
_SITE_LIMIT: int | None = None
_SHORT_OF_MEMORY: list[tuple[int, int]] = []  # (this process's size, the memory free) at the largest


def limit_memory(limit: int | None) -> None:
    """Fork a child only while this process, the children running and the new one, each counted
    as a whole copy of this process, stay within `limit` bytes (None: no limit but the machine's)."""
    global _LIMIT
    _LIMIT = limit


def limit_site_memory(limit: int | None) -> None:
    """The site's own limit (config.yaml `memory_limit`), for when limit_memory gave none: set by
    each build once it has read the settings, and set back to None when it ends."""
    global _SITE_LIMIT
    _SITE_LIMIT = limit


def memory_limit() -> int | None:
    """What all the build's processes together may hold, in bytes (limit_memory's, else the
    site's), or None when nothing was asked."""
    return _LIMIT if _LIMIT is not None else _SITE_LIMIT


def affordable_children(wanted: int) -> int:
    """How many of `wanted` forked children the machine's memory can hold, each counted as a whole
    copy of this process, with one more copy's worth left free.

    A forked child starts out sharing its parent's memory, but Python writes to every object it
    touches (reference counts), so a child that renders pages from the whole site model comes to
    copy most of it: at a million articles, each of two writers grew to the parent's 10 GiB and
    the kernel killed one. A build that cannot afford them works in one process instead: slower,
    never out of memory. Where the memory cannot be read (no /proc), every child is affordable."""
    return _affordable(wanted)[0]


def _affordable(wanted: int) -> tuple[int, int]:
    """affordable_children(wanted), and the size of this process it was worked out from (0 when
    unknown): what each child started is then reserved, without reading /proc again."""
    _BACKGROUND[:] = [settled for settled in _BACKGROUND if not settled()]
    size, available = _resident_size(), _available_memory()
    if size is None or available is None:
        return wanted, 0
    spare = available - _RESERVED - size  # one copy's worth stays free
    affordable = max(0, min(wanted, spare // size))
    if affordable < wanted:  # the largest case only: the preview, which never asks, keeps one
        _SHORT_OF_MEMORY[:] = [max(_SHORT_OF_MEMORY + [(size, available)])]
    limit = memory_limit()
    if limit is not None:  # asked for: not worth a warning
        affordable = max(0, min(affordable, (limit - _RESERVED - size) // size))
    return affordable, size


def memory_notes() -> tuple[str, ...]:
    """A line for the build's report when work was kept in one process for want of memory since
    the last call (affordable_children), and forget it."""
    if not _SHORT_OF_MEMORY:
        return ()
    size, available = _SHORT_OF_MEMORY.pop()
    return (f"part of the build ran in one process, not one per core: the build holds {_readable(size)} and "
            f"{_readable(max(0, available))} of memory was free, too little for each worker's copy of it",)


def _readable(size: int) -> str:
    """A size in MiB under a GiB (a container's limit is often a few hundred), else in GiB."""
    return f"{size / 2**20:.0f} MiB" if size < 2**30 else f"{size / 2**30:.1f} GiB"


def _reserve(amount: int) -> int:
    global _RESERVED
    _RESERVED += amount
    return amount


def _release(amount: int) -> None:
    global _RESERVED
    _RESERVED -= amount


def _resident_size() -> int | None:
    """This process's resident memory in bytes (Linux)."""
    try:
        with open("/proc/self/statm", "rb") as handle:
            return int(handle.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        return None


def _available_memory() -> int | None:
    """The memory the build may still take, in bytes: the machine's free memory, or less within
    a container's limit (its control group's)."""
    known = [room for room in (_meminfo_available(), cgroup_room()) if room is not None]
    return min(known) if known else None


def _meminfo_available() -> int | None:
    """The memory the kernel can give without swapping (MemAvailable, Linux), in bytes."""
    try:
        with open("/proc/meminfo", "rb") as handle:
            for line in handle:
                if line.startswith(b"MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    return None


def _do(index: int) -> Any:
    assert _WORK is not None
    work, items = _WORK
    return work(items[index])


def in_background(work: Callable[[], int]) -> Callable[..., int]:
    """Start work() in a forked child, on another core, while this process goes on; the function
    returned waits for its result (a whole number), and must be called, to reap the child; called
    with stop=True, it ends the child first (its result is then -1, unless it had finished): for
    work no longer wanted, which would otherwise hold up a build that has failed.
    Without fork, or without the memory for a copy of this process (affordable_children), work()
    runs here and now."""
    affordable, size = _affordable(1)
    child = _start_child(work) if affordable else None
    if child is None:
        result = work()
        return lambda stop=False: result
    answer: list[int] = []
    reserved = _reserve(size)

    def settle(stop: bool = False, block: bool = True) -> bool:
        if not answer:
            outcome = child(stop, block)
            if outcome is None:
                return False
            succeeded, value = outcome
            _release(reserved)
            # The child failed: as if the work had found nothing.
            answer.append(value if succeeded and isinstance(value, int) else -1)
        return True

    def wait(stop: bool = False) -> int:
        settle(stop)
        return answer[0]

    owner = os.getpid()  # a child forked meanwhile inherits the list, but not this child to reap
    _BACKGROUND.append(lambda: os.getpid() != owner or settle(block=False))
    return wait


def forked_call(work: Callable[[], Result]) -> Result:
    """work() computed in a forked child, its result (or its exception) sent back pickled: for a
    thread of a long-running process (the preview) whose work would otherwise hold the GIL that
    the process's other threads need. Without fork, work() runs here."""
    child = _start_child(work)
    if child is None:
        return work()
    succeeded, value = child()
    if not succeeded:
        raise value
    return value


def _start_child(work: Callable[[], Any]) -> Callable[..., tuple[bool, Any] | None] | None:
    """Fork a child that runs work() and sends back (True, its result) or (False, its exception),
    pickled; the function returned waits for that answer and reaps the child (a child that died
    without answering: (False, ChildProcessError)); with stop=True it ends the child first; with
    block=False it gives None at once if the child has not finished. None when this system cannot
    fork."""
    import pickle

    try:
        read_end, write_end = os.pipe()
    except OSError:
        return None
    try:
        pid = os.fork()
    except (AttributeError, OSError):  # no fork (Windows), or no process to spare
        os.close(read_end)
        os.close(write_end)
        return None
    if pid == 0:  # the child: answer, then leave at once (no atexit handlers, no buffers flushed)
        status = 1
        try:
            os.close(read_end)
            try:
                outcome = (True, work())
            except BaseException as exc:  # noqa: BLE001 - sent to the parent, which decides
                outcome = (False, exc)
            with os.fdopen(write_end, "wb") as handle:
                pickle.dump(outcome, handle)
            status = 0
        finally:
            os._exit(status)
    os.close(write_end)

    def answer(stop: bool = False, block: bool = True) -> tuple[bool, Any] | None:
        if stop:
            try:
                os.kill(pid, signal.SIGTERM)
            except ProcessLookupError:  # not while unreaped (a finished child stays a zombie): in case
                pass
        # Not finished: a child still writing an answer larger than the pipe holds is not either.
        if not block and os.waitpid(pid, os.WNOHANG) == (0, 0):
            return None
        with os.fdopen(read_end, "rb") as handle:
            data = handle.read()
        if block:
            os.waitpid(pid, 0)
        try:
            return pickle.loads(data)
        except Exception:  # noqa: BLE001 - the child died before answering
            return False, ChildProcessError("a worker process stopped without an answer")

    return answer
