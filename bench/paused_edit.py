#!/usr/bin/env python3
"""One article edited and built, with the site's own state read back from the disk each time, as
after a pause long enough for the system to let it go.

    .venv/bin/broadsheet watch --site SITE &          # optional: as a newsroom would run it
    .venv/bin/python bench/paused_edit.py --site SITE --edit SITE/content/posts/one.md --rounds 5

A first build settles the site (it should have nothing to do). Then each round appends a line to
the --edit file, waits 1.5 s (so that its change is not "racy"), asks the system to drop from its
page cache the site's state (every file under `.cache/broadsheet/`, `output/.broadsheet-manifest`)
and the edited file (posix_fadvise DONTNEED: pages of other files, of Python and of the theme stay,
so this is a lower bound of what a real pause costs), and runs `broadsheet build --no-search`,
printing its wall time, largest resident size and what it read from the disk. The edited file is
put back as it was at the end, and the site built once more.

Where `--edit` is on another disk than the site, or the site's files are mapped by another
process (a running `serve`), the system may keep some of their pages: compare the blocks read.
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

BROADSHEET = [sys.executable, "-m", "generator"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--site", type=Path, required=True)
    parser.add_argument("--edit", type=Path, required=True, help="the Markdown file to append a line to")
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    original = args.edit.read_bytes()
    try:
        print(f"settle: {build(args.site)}", flush=True)
        for number in range(1, args.rounds + 1):
            with args.edit.open("a", encoding="utf-8") as handle:
                handle.write(f"\nAn edit after a pause, number {number}.\n")
            time.sleep(1.5)
            dropped = drop_from_cache([args.site / ".cache" / "broadsheet", args.site / "output" / ".broadsheet-manifest",
                                       args.edit])
            print(f"edit {number} ({dropped} files dropped from the cache): {build(args.site)}", flush=True)
    finally:
        args.edit.write_bytes(original)
        print(f"put back: {build(args.site)}", flush=True)


def build(site: Path) -> str:
    """Run one build; its wall time, largest resident size, blocks read and summary line."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    result = subprocess.run([*BROADSHEET, "build", "--site", str(site), "--no-search"], capture_output=True, text=True)
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if result.returncode != 0:
        raise SystemExit(f"the build failed:\n{result.stderr}")
    summary = result.stdout.strip().splitlines()[-1] if result.stdout.strip() else ""
    # ru_maxrss of children is the largest of any child so far: reported as it stands.
    return (f"{wall:.2f} s, read {(after.ru_inblock - before.ru_inblock) * 512 / 1e6:.1f} MB from the disk, "
            f"largest child {after.ru_maxrss // 1024} MiB; {summary}")


def drop_from_cache(paths: list[Path]) -> int:
    """Ask the system to drop these files' pages (folders: every file in them); how many files."""
    count = 0
    for path in paths:
        files = [path] if path.is_file() else [Path(folder, name) for folder, _, names in os.walk(path)
                                                for name in names]
        for file in files:
            try:
                descriptor = os.open(file, os.O_RDONLY)
            except OSError:
                continue
            try:
                os.fdatasync(descriptor)  # written pages must reach the disk before they can be dropped
                os.posix_fadvise(descriptor, 0, 0, os.POSIX_FADV_DONTNEED)
                count += 1
            finally:
                os.close(descriptor)
    return count


if __name__ == "__main__":
    main()
