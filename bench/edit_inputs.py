#!/usr/bin/env python3
"""The input side of an edit's build, timed alone: what grows with the number of Markdown files.

    .venv/bin/broadsheet watch --site SITE --output SITE/scratch-output &   # optional: as with watch
    .venv/bin/python bench/edit_inputs.py --site SITE --rounds 7 --edit SITE/content/posts/one.md

Each round runs, in this process, what a build does with its inputs before and after its pages:
`scan_inputs` (stat and hash what changed, digest it all), `save_known_hashes`,
`changed_since_built` (compare with the last round's hashes) and `save_built_hashes`, and prints
the time of each. The first two rounds change nothing; from the third, each appends a line to
the --edit file first (and waits 1.5 s, so that its change is not "racy"). The first round after
the daemon starts looks at every file (its first answer is "unknown"). With --cold, the page
cache is emptied before each edit's round, as after a pause long enough for the system to let the
site's files go: what the edit then reads from the disk is timed with it.

It writes the site's `.cache/broadsheet/` known and built hashes, and appends to the edited file:
run it on a copy of the site (its content/ may be a symbolic link to the real one's: put the
edited file back afterwards), not on one whose builds you are measuring. It needs no output/ and
no cold build: at a million articles it runs in seconds, where the cold build takes an hour.
"""

from __future__ import annotations

import argparse
import os
import resource
import time
from pathlib import Path
from types import SimpleNamespace

from generator.config import BuildOptions, load_config
from generator.read.inputs import changed_since_built, save_built_hashes, save_known_hashes, scan_inputs


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--site", type=Path, required=True)
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--edit", type=Path, help="the Markdown file to append a line to from the third round")
    parser.add_argument("--cold", action="store_true",
                        help="empty the page cache before each edit's round (Linux, as root): an edit after a pause")
    args = parser.parse_args()
    config = load_config(args.site, None)
    options = BuildOptions(search=False)
    built_from: str | None = None
    for number in range(args.rounds):
        if args.edit is not None and number >= 2:
            with args.edit.open("a", encoding="utf-8") as handle:
                handle.write(f"\nAn edit, number {number}.\n")
            time.sleep(1.5)
            if args.cold:
                os.sync()
                Path("/proc/sys/vm/drop_caches").write_text("3\n")
        started = time.perf_counter()
        inputs = scan_inputs(config, options, args.site / "scratch-output")
        scanned = time.perf_counter()
        inputs = save_known_hashes(args.site, inputs)
        saved = time.perf_counter()
        changed = changed_since_built(args.site, SimpleNamespace(inputs=built_from), inputs) if built_from else None
        compared = time.perf_counter()
        save_built_hashes(args.site, inputs, changed)
        done = time.perf_counter()
        built_from = inputs.digest
        print(f"scan {scanned - started:.3f} s, save known hashes {saved - scanned:.3f} s, "
              f"changed since built {compared - saved:.3f} s ({'-' if changed is None else len(changed.positions)} files), "
              f"save built hashes {done - compared:.3f} s; in all {done - started:.3f} s "
              f"(largest {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024} MiB)", flush=True)


if __name__ == "__main__":
    main()
