"""Work in forked children: what comes back, and a child's error raised in the parent."""

from __future__ import annotations

import os

import pytest

from generator.write.parallel import forked_call


def test_forked_call_computes_in_a_child_and_returns_its_result():
    parent = os.getpid()
    pid, data = forked_call(lambda: (os.getpid(), {"index/a.pf_index": b"\x00" * 100_000}))
    assert pid != parent
    assert data == {"index/a.pf_index": b"\x00" * 100_000}


def test_forked_call_raises_the_childs_error_here():
    def fails():
        raise ValueError("Pagefind could not index: no words")

    with pytest.raises(ValueError, match="no words"):
        forked_call(fails)


def test_a_worker_killed_mid_map_fails_with_a_message_instead_of_waiting_for_ever():
    # As the kernel's out-of-memory killer does to the largest process: the build must end with
    # an error saying what happened, not wait for the lost worker's results.
    import signal

    from generator.errors import BuildFailed
    from generator.write.parallel import forked_map

    def work(n: int) -> int:
        if n == 7:
            os.kill(os.getpid(), signal.SIGKILL)
        return n * n

    with pytest.raises(BuildFailed) as failed:
        list(forked_map(work, list(range(40)), 2))
    assert "worker process" in failed.value.errors[0].message
    assert "out of memory" in failed.value.errors[0].message


def test_forked_map_gives_every_result_in_order():
    from generator.write.parallel import forked_map

    assert list(forked_map(lambda n: (n, n * n), list(range(1000)), 50)) == [(n, n * n) for n in range(1000)]
