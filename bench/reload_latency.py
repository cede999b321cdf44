#!/usr/bin/env python3
"""Time from saving an article to the reloaded page showing it, in headless Chromium.

    .venv/bin/python bench/reload_latency.py            # the sample site and a 1,000-article site
    .venv/bin/python bench/reload_latency.py --articles 1000 5000 --runs 7

For each site: start `broadsheet serve`, open the front page, then several
times rewrite the newest article's title on disk and measure until the open
tab shows the new headline. Prints the median, fastest and slowest, and the
medians of where the time goes: until the server logs the change ("seen": the
watcher), the rebuild as the server logs it, and the rest (the pages written,
the tab told, reloaded and drawn).
"""

from __future__ import annotations

import argparse
import math
import os
import platform
import queue
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from playwright.sync_api import sync_playwright

sys.path.insert(0, str(Path(__file__).resolve().parent))
from corpus import make_site  # noqa: E402

REPO = Path(__file__).resolve().parent.parent
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def start_server(site: Path) -> tuple[subprocess.Popen, str, queue.Queue[tuple[float, str]]]:
    """The server, its address, and its log lines as they come, each with the time it was read."""
    process = subprocess.Popen([sys.executable, "-m", "generator", "serve", "--site", str(site), "--port", "0"],
                               stderr=subprocess.PIPE, text=True, cwd=REPO)
    lines: queue.Queue[tuple[float, str]] = queue.Queue()
    threading.Thread(target=lambda: [lines.put((time.perf_counter(), line)) for line in process.stderr],
                     daemon=True).start()
    deadline = time.monotonic() + 600
    while time.monotonic() < deadline:
        try:
            _, line = lines.get(timeout=1)
        except queue.Empty:
            continue
        match = re.search(r"serving (http://\S+)", line)
        if match:
            return process, match.group(1), lines
    process.kill()
    raise SystemExit("the server did not start")


def _logged(lines: queue.Queue[tuple[float, str]], saved: float) -> tuple[float, float]:
    """Seconds from the save to the server's "changed:" line, and the rebuild's time as it logged it."""
    seen = rebuild = float("nan")
    while True:
        try:
            when, line = lines.get(timeout=2 if math.isnan(rebuild) else 0)
        except queue.Empty:
            return seen, rebuild
        if line.startswith("changed: ") and math.isnan(seen):
            seen = when - saved
        match = re.match(r"built .* in ([\d.]+) s", line)
        if match:
            rebuild = float(match.group(1))


def newest_article(site: Path) -> Path:
    dated = []
    for path in (site / "content").rglob("*.md"):
        match = re.search(r"^date: (.+)$", path.read_text(encoding="utf-8"), re.M)
        if match and "pages" not in path.parts:
            dated.append((match.group(1).strip(), str(path)))
    return Path(max(dated)[1])


def measure(site: Path, runs: int, browser) -> list[tuple[float, float, float]]:
    """(save to headline shown, save to change logged, rebuild) for each run, in seconds."""
    process, url, lines = start_server(site)
    try:
        page = browser.new_page()
        page.goto(url)
        page.wait_for_function("() => window.LiveReload && window.LiveReload.connector.protocol >= 7")
        page.wait_for_timeout(500)
        article = newest_article(site)
        original = article.read_text(encoding="utf-8")
        timings = []
        for run in range(runs):
            headline = f"Edited headline number {run} {time.time_ns()}"
            while not lines.empty():
                lines.get()
            article.write_text(re.sub(r"^title: .*$", f'title: "{headline}"', original, count=1, flags=re.M),
                               encoding="utf-8")
            started = time.perf_counter()
            page.wait_for_function("(text) => document.body && document.body.innerText.includes(text)",
                                   arg=headline, timeout=600_000, polling=20)
            shown = time.perf_counter() - started
            timings.append((shown, *_logged(lines, started)))
            page.wait_for_timeout(300)
        page.close()
        return timings
    finally:
        process.terminate()
        # Stopping removes the preview's copy of the site: on a busy disk mounted with `discard`, a
        # 10,000-article site's 21,000 files took more than 30 s.
        process.wait(timeout=600)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--articles", type=int, nargs="*", default=[1000],
                        help="sizes of generated sites to measure besides the sample site")
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    print(f"# save-to-reload latency, {time.strftime('%Y-%m-%d')}, {platform.machine()}, "
          f"{os.cpu_count()} cores, Python {platform.python_version()}")
    print("| site | articles | median | fastest | slowest | medians: seen, rebuild, the rest |")
    print("| --- | --- | --- | --- | --- | --- |")
    with tempfile.TemporaryDirectory(prefix="broadsheet-bench-") as scratch, sync_playwright() as p:
        browser = p.chromium.launch_persistent_context(
            str(Path(scratch) / "chrome"), executable_path="/usr/bin/chromium", headless=True, args=CHROMIUM_FLAGS)
        sample = Path(scratch) / "sample"
        sample.mkdir()
        shutil.copy(REPO / "config.yaml", sample / "config.yaml")
        shutil.copytree(REPO / "content", sample / "content")
        sites = [("sample site", sample)] + [
            ("generated", make_site(Path(scratch) / f"site-{n}", n)) for n in args.articles]
        for name, site in sites:
            count = sum(1 for p in (site / "content").rglob("*.md") if "pages" not in p.parts)
            timings = measure(site, args.runs, browser)
            shown = [t[0] for t in timings]
            seen, rebuild = (statistics.median(t[i] for t in timings) for i in (1, 2))
            print(f"| {name} | {count} | {statistics.median(shown):.2f} s | {min(shown):.2f} s | "
                  f"{max(shown):.2f} s | {seen:.2f} s, {rebuild:.2f} s, {statistics.median(shown) - seen - rebuild:.2f} s |",
                  flush=True)
        browser.close()


if __name__ == "__main__":
    main()
