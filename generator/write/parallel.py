"""Work spread over worker processes, for the stages where there is enough of it to pay.

The workers are forked: they inherit the work list (and everything it refers to, such as
the whole site model) instead of receiving it pickled, and send back only their results.
"""

from __future__ import annotations

import gc
import os
from collections.abc import Callable, Iterator, Sequence
from typing import Any, TypeVar

from ..errors import BuildFailed, SiteError

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
    wait for ever: not multiprocessing.Pool, whose map waits for a lost worker's results."""
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor
    from concurrent.futures.process import BrokenProcessPool

    global _WORK
    _WORK = (work, items)
    pool = None
    try:
        workers = min(os.cpu_count() or 2, 8)
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


def _do(index: int) -> Any:
    assert _WORK is not None
    work, items = _WORK
    return work(items[index])


def in_background(work: Callable[[], int]) -> Callable[[], int]:
    """Start work() in a forked child, on another core, while this process goes on; the function
    returned waits for its result (a whole number), and must be called, to reap the child.
    Without fork, work() runs here and now."""
    child = _start_child(work)
    if child is None:
        result = work()
        return lambda: result
    answer: list[int] = []

    def wait() -> int:
        if not answer:
            succeeded, value = child()
            # The child failed: as if the work had found nothing.
            answer.append(value if succeeded and isinstance(value, int) else -1)
        return answer[0]

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


def _start_child(work: Callable[[], Any]) -> Callable[[], tuple[bool, Any]] | None:
    """Fork a child that runs work() and sends back (True, its result) or (False, its exception),
    pickled; the function returned waits for that answer and reaps the child (a child that died
    without answering: (False, ChildProcessError)). None when this system cannot fork."""
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

    def answer() -> tuple[bool, Any]:
        with os.fdopen(read_end, "rb") as handle:
            data = handle.read()
        os.waitpid(pid, 0)
        try:
            return pickle.loads(data)
        except Exception:  # noqa: BLE001 - the child died before answering
            return False, ChildProcessError("a worker process stopped without an answer")

    return answer
