"""Peak memory of a command's whole process tree: bench/tree_memory.py CMD [ARG...]

The benchmark's figures (shared/bench/compare.py) give the largest single process's peak (the
kernel's ru_maxrss). A build is several processes at once (two forked workers, two Pagefind
indexers), so this sums the memory of every process under CMD, sampled every 50 ms (every
half second while the tree holds more than 4 GiB, and never more often than leaves it a tenth of
a core: reading a large process's page tables takes time). Each process counts its proportional set size (Pss, /proc/PID/smaps_rollup): a page
shared by a forked worker and its parent counts half in each, so the sum is the memory the
build really holds. Where there is no Pss, the resident size (which counts shared pages twice).

    .venv/bin/python bench/tree_memory.py .venv/bin/broadsheet build --site SITE --no-cache

With TREE_MEMORY_LOG=FILE, each process's Pss (MiB) every second goes to FILE.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time


def _tree(root: int) -> list[int]:
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as handle:
                    parent = int(handle.read().rsplit(")", 1)[1].split()[1])
            except (OSError, ValueError, IndexError):
                continue
            children.setdefault(parent, []).append(int(entry))
    found, todo = [], [root]
    while todo:
        pid = todo.pop()
        found.append(pid)
        todo.extend(children.get(pid, ()))
    return found


def _resident_kib(pid: int) -> int:
    for name, field in ((f"/proc/{pid}/smaps_rollup", "Pss:"), (f"/proc/{pid}/status", "VmRSS:")):
        try:
            with open(name) as handle:
                for line in handle:
                    if line.startswith(field):
                        return int(line.split()[1])
        except OSError:
            pass
    return 0


def main(command: list[str]) -> int:
    started = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL)
    peak = 0
    at, shares = 0.0, []
    log = open(os.environ["TREE_MEMORY_LOG"], "w") if os.environ.get("TREE_MEMORY_LOG") else None
    logged = 0.0
    while process.poll() is None:
        sampling = time.perf_counter()
        pids = _tree(process.pid)
        sizes = [_resident_kib(pid) for pid in pids]
        if log and time.perf_counter() - logged >= 1:  # TREE_MEMORY_LOG=FILE: each process's Pss every second
            logged = time.perf_counter()
            log.write(f"{logged - started:.0f} s " + " ".join(f"{pid}:{size // 1024}" for pid, size in zip(pids, sizes)) + "\n")
        if sum(sizes) > peak:
            peak, at, shares = sum(sizes), time.perf_counter() - started, sizes
        # At most a tenth of a core: reading the smaps_rollup of processes of several GiB walks
        # their page tables (at a million articles, sampling every half second took 30-60% of a
        # core from the build it measured).
        took = time.perf_counter() - sampling
        time.sleep(max(0.5 if peak > 4 << 20 else 0.05, 9 * took))
    print(f"{time.perf_counter() - started:.2f} s, peak of the process tree {peak / 1024:.0f} MiB (Pss), "
          f"exit status {process.returncode}; at {at:.1f} s, by process: "
          f"{', '.join(f'{size / 1024:.0f}' for size in shares)} MiB")
    return process.returncode


if __name__ == "__main__":
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    sys.exit(main(sys.argv[1:]))
