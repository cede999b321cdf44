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
