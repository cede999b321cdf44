"""The command line: the only place that prints and exits."""

from __future__ import annotations

import argparse
import functools
import gc
import logging
import os
import signal
import sys
import threading
import traceback
from datetime import datetime, timezone
from pathlib import Path

from . import __version__
from .build import build
from .config import BuildOptions, load_config, memory_size
from .errors import BuildFailed, SiteError
from .newpost import new_article
from .terminal import ProgressLine
from .write.parallel import limit_memory

EXIT_OK, EXIT_SITE_ERRORS, EXIT_USAGE = 0, 1, 2


def parser() -> argparse.ArgumentParser:
    main_parser = argparse.ArgumentParser(prog="broadsheet", description="A static site generator for news blogs.")
    main_parser.add_argument("--version", action="version", version=f"broadsheet {__version__}")
    commands = main_parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    build_parser = commands.add_parser("build", help="build the site into the output folder")
    _site_option(build_parser)
    build_parser.add_argument("--output", metavar="DIR", type=Path,
                              help="the output folder (default: output/ in the site folder)")
    build_parser.add_argument("--drafts", action="store_true", help="include articles marked draft: true")
    build_parser.add_argument("--future", action="store_true", help="include articles dated in the future")
    build_parser.add_argument("--base-url", metavar="URL", help="override base_url from config.yaml")
    build_parser.add_argument("--no-cache", action="store_true",
                              help="build everything afresh, ignoring the cache in .cache/broadsheet/")
    build_parser.add_argument("--no-search", action="store_true",
                              help="build the site without search, as with `search: false` in config.yaml")
    build_parser.add_argument("--memory-limit", metavar="SIZE", type=_memory_size,
                              help="what the build's processes may hold together, e.g. 1G or 800M: a worker "
                                   "process is started only within it (default: config.yaml's memory_limit, "
                                   "else the memory free, within a container's limit)")
    build_parser.add_argument("--verbose", action="store_true", help="show a traceback for internal errors")

    serve_parser = commands.add_parser("serve", help="preview the site with live reload while you write")
    _site_option(serve_parser)
    serve_parser.add_argument("--host", default="127.0.0.1",
                              help="address to listen on (default: 127.0.0.1, this machine only)")
    serve_parser.add_argument("--port", type=int, default=8000, help="port to listen on (default: 8000)")
    serve_parser.add_argument("--open", action="store_true", help="open the site in a web browser")
    serve_parser.add_argument("--verbose", action="store_true", help="show a traceback for internal errors")

    watch_parser = commands.add_parser(
        "watch", help="hear the site's files change, so that each build looks only at what changed (Linux)")
    _site_option(watch_parser)
    watch_parser.add_argument("--output", metavar="DIR", type=Path,
                              help="the output folder the builds write (default: output/ in the site folder)")
    watch_parser.add_argument("--verbose", action="store_true", help="show a traceback for internal errors")

    new_parser = commands.add_parser("new", help="start a new article")
    new_parser.add_argument("title", help="the article's headline")
    _site_option(new_parser)
    new_parser.add_argument("--tags", default="", help="comma-separated tags, e.g. --tags Ukraine,NATO")
    new_parser.add_argument("--verbose", action="store_true", help="show a traceback for internal errors")

    import_parser = commands.add_parser("import", help="bring in another blog's archive (WordPress export, ...)")
    import_parser.add_argument("source", help="the export file (WordPress: the .xml of Tools → Export), "
                                              "or a feed's URL")
    _site_option(import_parser)
    import_parser.add_argument("--format", choices=("wordpress", "blogger", "feed", "jekyll", "hugo"),
                               help="what made SOURCE (default: read from the file)")
    import_parser.add_argument("--uploads", metavar="DIR", type=Path,
                               help="a copy of the old site's wp-content/uploads/: the files posts use are "
                                    "copied to content/uploads/ and linked there")
    import_parser.add_argument("--dry-run", action="store_true", help="write nothing; say what would be imported")
    import_parser.add_argument("--verbose", action="store_true", help="show a traceback for internal errors")
    return main_parser


def _memory_size(text: str) -> int:
    """--memory-limit's value in bytes (config.memory_size), or argparse's error."""
    try:
        return memory_size(text)
    except ValueError as problem:
        raise argparse.ArgumentTypeError(str(problem)) from None


def _site_option(sub: argparse.ArgumentParser) -> None:
    sub.add_argument("--site", metavar="DIR", type=Path, default=Path("."),
                     help="the site folder, holding config.yaml and content/ (default: .)")


def entry() -> None:
    """The console script: main(), then leave without tearing down every object one by one
    (a tenth of a second on a large site, for nothing: the process is ending)."""
    status = main()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(status)


def main(argv: list[str] | None = None) -> int:
    try:
        args = parser().parse_args(argv)
    except SystemExit as exc:  # argparse exits 2 on a wrong command line, 0 for --help
        return int(exc.code or 0)
    try:
        if args.command == "build":
            return _build(args)
        if args.command == "serve":
            return _serve(args)
        if args.command == "import":
            return _import(args)
        if args.command == "watch":
            return _watch(args)
        return _new(args)
    except BuildFailed as failed:
        return _report(failed.errors, args.command)
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except Exception as exc:  # noqa: BLE001 - a bug of ours: say so plainly
        if args.verbose:
            traceback.print_exc()
        else:
            print(f"broadsheet: internal error: {type(exc).__name__}: {exc} "
                  "(run again with --verbose for the traceback, and please report it)", file=sys.stderr)
        return EXIT_SITE_ERRORS


def _build(args: argparse.Namespace) -> int:
    _collect_less()
    progress = ProgressLine(sys.stderr)  # every message: the build says each step once, or every thousand files
    limit_memory(args.memory_limit)
    try:
        report = build(args.site, args.output, BuildOptions(drafts=args.drafts, future=args.future, search=not args.no_search),
                       args.base_url, use_cache=not args.no_cache, progress=progress if progress.shown else None,
                       waiting=_waiting)
    finally:
        limit_memory(None)
    progress.clear()
    for warning in report.warnings:
        print(f"broadsheet: warning: {warning}", file=sys.stderr)
    print(f"built {_count(report.articles, 'article')} and {_count(report.pages, 'page')} into "
          f"{_shown(report.output_dir)}: {_count(report.written, 'file')} written, {report.unchanged} unchanged, "
          f"{report.removed} removed in {report.seconds:.2f} s "
          f"({report.bodies_rendered} Markdown converted, {report.rendered} files rendered)")
    if report.locations_removed:
        print(f"{_count(report.locations_removed, 'image')} had GPS location data removed")
    if report.next_change is not None:
        print(f"{report.next_change_what or 'the site changes'} at {_moment(report.next_change)}: build again then")
    return EXIT_OK


def _waiting(holder: str) -> None:
    from .write.site_lock import waiting_message

    print(f"broadsheet: {waiting_message(holder)}", file=sys.stderr, flush=True)


def _moment(when: datetime) -> str:
    """when (in the site's time zone) as "2026-12-01 14:00 UTC (15:00 Europe/Paris)": the seconds
    only when there are some, the site's time beside UTC when its zone is another."""
    def clock(value: datetime) -> str:
        return value.strftime("%H:%M" if value.second == 0 else "%H:%M:%S")

    utc = when.astimezone(timezone.utc)
    text = f"{utc:%Y-%m-%d} {clock(utc)} UTC"
    zone = getattr(when.tzinfo, "key", None)
    if zone and zone not in ("UTC", "Etc/UTC"):
        day = "" if when.date() == utc.date() else f"{when:%Y-%m-%d} "
        text += f" ({day}{clock(when)} {zone})"
    return text


def _collect_less() -> None:
    # A build allocates hundreds of thousands of small objects and frees few: the cycle collector's
    # default thresholds make it sweep them again and again, a third of a no-change build's time.
    # A rebuild of 10,000 articles makes about a million objects that all live to its end: with a
    # million between sweeps it sweeps once or twice instead of ten times (a tenth of its time).
    gc.set_threshold(1_000_000, 50, 50)


def _serve(args: argparse.Namespace) -> int:
    _collect_less()
    from .serve.server import PortInUse, ServeOptions, serve  # tornado is loaded only when serving

    logging.basicConfig(format="%(message)s", level=logging.INFO, stream=sys.stderr)
    logging.getLogger("tornado").setLevel(logging.WARNING)
    logging.getLogger("tornado.access").setLevel(logging.ERROR)  # a missing favicon is not news
    logging.getLogger("livereload").setLevel(logging.WARNING)
    try:
        return serve(ServeOptions(args.site, args.host, args.port, args.open))
    except PortInUse:
        print(f"broadsheet: error: port {args.port} on {args.host} is already in use by another program; "
              f"stop that program or choose another port with --port {args.port + 1}", file=sys.stderr)
        return EXIT_SITE_ERRORS


def _watch(args: argparse.Namespace) -> int:
    from .serve.watch_daemon import WatchDaemon, WatchFailed

    config = load_config(args.site)
    output = args.output if args.output is not None else args.site / "output"
    stopping = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stopping.set())
    say = functools.partial(print, "broadsheet: warning:", file=sys.stderr, flush=True)
    try:
        daemon = WatchDaemon(args.site, (config.content_dir, output), say)
    except (WatchFailed, OSError) as problem:
        print(f"broadsheet: error: {problem}", file=sys.stderr)
        return EXIT_SITE_ERRORS
    print(f"watching {_shown(config.content_dir)} and {_shown(output)} ({daemon.folders_watched()} folders): "
          "builds of this site now look only at what changed; Ctrl-C stops", file=sys.stderr, flush=True)
    asked_to_stop = True
    try:
        asked_to_stop = daemon.serve_forever(stopping.is_set)
    except KeyboardInterrupt:
        pass
    finally:
        daemon.close()
    print("stopped watching", file=sys.stderr)
    return EXIT_OK if asked_to_stop else EXIT_SITE_ERRORS


def _new(args: argparse.Namespace) -> int:
    config = load_config(args.site)
    tags = [t.strip() for t in args.tags.split(",") if t.strip()]
    path = new_article(config, args.title, tags, datetime.now(timezone.utc))
    print(_shown(path))
    return EXIT_OK


def _import(args: argparse.Namespace) -> int:
    from .importers.command import Refused, import_to, url_of  # BeautifulSoup and friends: only when importing

    config = load_config(args.site)
    # A URL stays as it is: as a path, https:// would become https:/.
    source = args.source if url_of(args.source) is not None else Path(args.source)
    report = import_to(source, config, args.format, args.dry_run, sys.stderr, args.uploads)
    if isinstance(report, Refused):
        print(f"broadsheet: error: {report.message}", file=sys.stderr)
        return EXIT_SITE_ERRORS
    for notice in report.notices:
        where = f"{notice.origin}: " if notice.origin else ""
        print(f"broadsheet: {'error' if notice.skipped else 'warning'}: {where}{notice.message}", file=sys.stderr)
    print(_import_summary(report, source))
    return EXIT_SITE_ERRORS if report.failed else EXIT_OK


def _import_summary(report, source: Path | str) -> str:
    """One line: what was (or would be) imported, and what was not."""
    made = report.articles + report.pages
    kinds = f"{_count(report.articles, 'article')} and {_count(report.pages, 'page')}"
    held = [f"{report.drafts} draft{'s' if report.drafts != 1 else ''}"] if report.drafts else []
    if report.scheduled:
        held.append(f"{report.scheduled} scheduled")
    if made:
        line = f"{'would import' if report.dry_run else 'imported'} {kinds}" + (f" ({', '.join(held)})" if held else "")
    else:
        line = "nothing new to import"
    line += f" from {_shown(source) if isinstance(source, Path) else source}"
    rest = []
    if report.existing:
        rest.append(f"{report.existing} already imported")
    rest.append(f"{report.skipped} skipped")
    if report.failed:
        rest.append(_count(report.failed, "error"))
    rest.append(_count(report.warnings, "warning"))
    if report.authors_added:
        rest.append(f"{_count(report.authors_added, 'author')} {'would be ' if report.dry_run else ''}"
                    "added to authors.yaml")
    if report.comments:
        rest.append(f"{_count(report.comments, 'comment')} not imported")
    line += ": " + ", ".join(rest)
    return line + (" (dry run: nothing written)" if report.dry_run else "")


def _report(errors: tuple[SiteError, ...], command: str) -> int:
    cwd = Path.cwd()
    for error in errors:
        print(error.format(relative_to=cwd), file=sys.stderr)
    count = len(errors)
    summary = f"{count} error{'s' if count != 1 else ''}"
    if command == "build":
        summary = f"build failed with {summary}; the output folder was left as it was"
    print(summary, file=sys.stderr)
    return EXIT_SITE_ERRORS


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}{'' if number == 1 else 's'}"


def _shown(path: Path) -> str:
    try:
        return os.path.relpath(path)
    except ValueError:
        return str(path)
