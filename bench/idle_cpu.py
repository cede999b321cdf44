#!/usr/bin/env python3
"""How much CPU `broadsheet serve` uses while nothing changes, as a share of one core.

    .venv/bin/python bench/idle_cpu.py                       # a generated 10,000-article site, 60 s
    .venv/bin/python bench/idle_cpu.py --articles 1000 --seconds 20
    .venv/bin/python bench/idle_cpu.py --site path/to/site   # an existing site
    .venv/bin/python bench/idle_cpu.py --poll                # the polling fallback, to compare

Starts the server (port 0), waits for its first build to finish (it then
prints "serving ...") and a few seconds more, then reads the CPU time (user
and system) of the server and of every process below it from /proc before
and after the measured span: utime and stime of /proc/PID/stat, counted in
clock ticks, and, as a check, the run time in nanoseconds that the scheduler
keeps for each thread still running (/proc/PID/task/TID/schedstat); ticks
charge a thread that wakes briefly but often with more than it ran. Linux only.
"""

from __future__ import annotations

import argparse
import os
import queue
import re
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from corpus import make_site  # noqa: E402

REPO = Path(__file__).resolve().parent.parent
TICKS = os.sysconf("SC_CLK_TCK")


def _stat(pid: int) -> list[str]:
    with open(f"/proc/{pid}/stat") as file:
        return file.read().rsplit(")", 1)[1].split()  # the fields after the command's name


def cpu_seconds(pid: int) -> float:
    """CPU time of the process, of its children that have ended, and of those still running."""
    fields = _stat(pid)  # fields[11:15] are utime, stime, cutime, cstime
    total = sum(int(f) for f in fields[11:15])
    for child in _children(pid):
        try:
            total += sum(int(f) for f in _stat(child)[11:13])
        except OSError:
            pass  # ended meanwhile
    return total / TICKS


def run_seconds(pid: int) -> dict[str, float]:
    """Each running thread's time on a CPU, of the process and of those below it."""
    found = {}
    for process in [pid, *_children(pid)]:
        for task in os.listdir(f"/proc/{process}/task"):
            try:
                with open(f"/proc/{process}/task/{task}/schedstat") as file:
                    found[f"{process}/{task}"] = int(file.read().split()[0]) / 1e9
            except OSError:
                pass  # ended meanwhile
    return found


def _children(pid: int) -> list[int]:
    found, todo = [], [pid]
    while todo:
        parent = todo.pop()
        for task in os.listdir(f"/proc/{parent}/task"):
            try:
                with open(f"/proc/{parent}/task/{task}/children") as file:
                    kids = [int(k) for k in file.read().split()]
            except OSError:
                continue
            found += kids
            todo += kids
    return found


def start_server(site: Path, env: dict[str, str]) -> subprocess.Popen:
    process = subprocess.Popen([sys.executable, "-m", "generator", "serve", "--site", str(site), "--port", "0"],
                               stderr=subprocess.PIPE, text=True, cwd=REPO, env=env)
    lines: queue.Queue[str] = queue.Queue()
    threading.Thread(target=lambda: [lines.put(line) for line in process.stderr], daemon=True).start()
    deadline = time.monotonic() + 900
    while time.monotonic() < deadline:
        try:
            line = lines.get(timeout=1)
        except queue.Empty:
            if process.poll() is not None:
                break
            continue
        if re.search(r"serving http://", line):
            return process
    process.kill()
    raise SystemExit("the server did not start")


def measure(site: Path, seconds: float, poll: bool) -> tuple[float, float]:
    """Shares of a core: by utime and stime, by the scheduler's run time."""
    env = {**os.environ, "BROADSHEET_WATCH": "poll" if poll else ""}
    process = start_server(site, env)
    try:
        time.sleep(5)  # the first build's leftovers (its worker processes ending, the cache written)
        before, ran_before, started = cpu_seconds(process.pid), run_seconds(process.pid), time.monotonic()
        time.sleep(seconds)
        used, ran, elapsed = cpu_seconds(process.pid) - before, run_seconds(process.pid), time.monotonic() - started
        if process.poll() is not None:
            raise SystemExit("the server stopped during the measurement")
        ran_for = sum(ran[task] - ran_before.get(task, 0.0) for task in ran)
        return used / elapsed, ran_for / elapsed
    finally:
        process.terminate()
        # Stopping removes the preview's copy of the site: on a busy disk mounted with `discard`, a
        # 10,000-article site's 21,000 files took more than 30 s.
        process.wait(timeout=600)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--articles", type=int, default=10000, help="size of the generated site (default 10,000)")
    parser.add_argument("--site", type=Path, help="measure this site instead of a generated one")
    parser.add_argument("--seconds", type=float, default=60.0, help="length of the measured span (default 60)")
    parser.add_argument("--poll", action="store_true", help="BROADSHEET_WATCH=poll: the polling fallback")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="broadsheet-idle-") as scratch:
        site = args.site or make_site(Path(scratch) / "site", args.articles)
        count = sum(1 for p in (site / "content").rglob("*.md") if "pages" not in p.parts)
        share, ran = measure(site, args.seconds, args.poll)
    print(f"idle `broadsheet serve` ({'polling' if args.poll else 'file events'}), {count} articles, "
          f"{args.seconds:.0f} s on {time.strftime('%Y-%m-%d')}: {share:.2%} of a core "
          f"(utime+stime; the scheduler's run time of its threads: {ran:.2%})")


if __name__ == "__main__":
    main()
