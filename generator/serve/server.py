"""`broadsheet serve`: build, serve, watch, rebuild, reload the browser; never die on a broken file.

The preview is built into a private temporary folder (never output/: it
includes drafts and scheduled articles) by the same code as `build`, with
--drafts --future and base_url pointed at this server. Pages are served from
there with the LiveReload script added on the way out, so nothing of the
preview is ever written into the site. The LiveReload protocol (WebSocket
handshake, livereload.js) is the livereload package's, the file events the
operating system's (through watchfiles, see watch.py); the settling of bursts
and the serving are ours, so that a rebuild happens once per burst of saves
and a half-written site is never served.
"""

from __future__ import annotations

import asyncio
import errno
import hashlib
import html
import json
import logging
import mimetypes
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import webbrowser
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from urllib.parse import unquote

from livereload.handlers import LiveReloadHandler, LiveReloadJSHandler
from tornado import httpserver, netutil, web

from ..build import render
from ..edit import render_edit
from ..config import BuildOptions, load_config
from ..errors import BuildFailed, SiteError
from ..model.stored import MemoryRecords
from ..plan import search
from ..plan.theme_files import installed_themes_dir
from ..read.content import LinkTargets, SourceState, source_keys
from ..read.fields import Fields
from ..search.cache import ShardCache
from ..write.cache import ContentCache, cache_file
from ..write.output import write_output
from ..write.parallel import limit_site_memory, memory_notes
from ..write.site_lock import site_lock, waiting_message
from .watch import Change, Watcher

log = logging.getLogger("broadsheet.serve")

# The tab loads livereload.js, which opens the socket reload messages come by. A rebuild that ends
# while a tab is between pages (it was just told to reload, and its new page has not connected
# yet) tells nobody: so each page carries the number of the build it shows, and once its socket
# is open it asks for the current one, and reloads if another build has ended since.
#
# A reload costs the tab some 150 ms (the page torn down, fetched, its styles and scripts asked
# for again). Where the theme marks main as holding no behaviour (data-preview-swap), a plugin of
# livereload.js instead fetches the page and swaps in its main, when nothing else on the page
# changed but what a reader does not see (the page's frame: everything but main, the title, the
# meta tags and the structured data, whose digest each page carries). Else it reloads.
RELOAD_SCRIPT = (
    b'<script>window.broadsheetBuild="%d";window.broadsheetSearchBuild="%d";window.broadsheetFrame="%s";'
    b"(function(){"
    b"function Swap(){}Swap.identifier=\"broadsheet-swap\";Swap.version=\"1.0\";"
    b"Swap.prototype.reload=function(path){"
    b'var main=document.querySelector("main[data-preview-swap]");'
    b'if(path!=="*"||!main||!window.fetch||!window.DOMParser)return false;'
    b'fetch(location.href,{cache:"no-store"}).then(function(r){if(!r.ok)throw r.status;return r.text();})'
    b".then(function(text){"
    b'var frame=/window\\.broadsheetFrame="([0-9a-f]+)"/.exec(text),build=/window\\.broadsheetBuild="(\\d+)"/.exec(text);'
    b'var page=new DOMParser().parseFromString(text,"text/html"),next=page.querySelector("main[data-preview-swap]");'
    b"if(!frame||!build||!next||frame[1]!==window.broadsheetFrame)return location.reload();"
    b"window.broadsheetBuild=build[1];document.title=page.title;main.replaceWith(document.adoptNode(next));"
    b"}).catch(function(){location.reload();});return true;};"
    b'var s=document.createElement("script");'
    b's.src="/livereload.js?port="+(location.port||(location.protocol==="https:"?443:80));'
    b"s.onload=function(){if(window.LiveReload)window.LiveReload.addPlugin(Swap);};"
    b"document.head.appendChild(s);"
    b'document.addEventListener("LiveReloadConnect",function(){'
    b'fetch("/__broadsheet/build",{cache:"no-store"}).then(function(r){return r.text();})'
    b'.then(function(n){if(n!==window.broadsheetBuild)location.reload();}).catch(function(){});});})();</script>'
)
# What a page's frame digest leaves out: main (its content swaps), and what is not seen.
_NOT_FRAME = re.compile(rb"<main\b.*?</main>|<title>.*?</title>|<meta\b[^>]*>"
                        rb'|<script type="application/ld\+json">.*?</script>', re.S)
GENERATION_PATH = "/__broadsheet/build"


class PortInUse(Exception):
    pass


@dataclass(frozen=True)
class ServeOptions:
    site_dir: Path
    host: str = "127.0.0.1"
    port: int = 8000
    open_browser: bool = False


class Preview:
    """The built preview and what the server needs to know about it; shared by the
    watcher thread (which rebuilds) and the event loop (which serves)."""

    def __init__(self, site_dir: Path, folder: Path):
        self.site_dir = site_dir
        self.folder = folder  # the preview is written here
        self.lock = threading.Lock()  # held while files are swapped in, and while one is read
        self.root = "/"
        self.errors: tuple[SiteError, ...] = ()
        self.built_once = False
        self.generation = 0  # builds ended, good or failed: what each page says it shows (RELOAD_SCRIPT)
        # The same, counting also the builds that only put in the search index's shards (catch_up_search):
        # what the search page waits for. Those do not move `generation`, so that a page loading as
        # one ends is not reloaded for files it does not show.
        self.search_generation = 0
        # The build cache, kept in memory between rebuilds (an edit re-renders only what depends on
        # it) and written back when the server stops.
        self.cache, warning = ContentCache.load(cache_file(site_dir), Fields.from_record)
        if warning:
            log.warning("%s", warning)
        # The global key of the last good rebuild, whose sources the cache then held: an edit of
        # articles alone after it plans only the files around them (render.Around). None after a
        # failed one, whose sources the cache holds though the preview does not show them.
        self.plan_key: str | None = None
        # The search index's shards: an edit's shard is indexed in the background (catch_up_search),
        # so that the page reloads as fast as without search.
        self.shards = ShardCache(cache_file(site_dir).parent / "search", defer=True)
        self.build_lock = threading.Lock()  # one rebuild at a time: the watcher's, or the search's
        # The last good rebuild's site model, with its sources and where their links led: an edit
        # of articles alone is planned from it (build.render_edit), reading the edited files only.
        self.model: _Model | None = None
        self._catching_up = False

    def catch_up_search(self, address: str) -> None:
        """Index the shards that the last rebuilds planned with their old files, then plan them
        again; in a thread of its own, while the watcher goes on. The search page of the preview
        says it is catching up, and reloads itself when the build it shows is over."""
        with self.build_lock:
            if self._catching_up or not self.shards.pending:
                return
            self._catching_up = True

        def run() -> None:
            again = False
            try:
                while self.shards.catch_up():
                    if not self.rebuild(address, frozenset(), search_only=True):
                        break
                again = True
            except Exception:  # noqa: BLE001 - the preview goes on; the next edit indexes again
                log.exception("internal error while indexing for search")
            finally:
                with self.build_lock:
                    self._catching_up = False
            if again and self.shards.pending:  # an edit came in as this one ended
                self.catch_up_search(address)

        threading.Thread(target=run, name="search-index", daemon=True).start()

    def rebuild(self, address: str, changed: frozenset[str] | None = None, search_only: bool = False) -> bool:
        """Build again (drafts and scheduled articles shown). False when the site has errors.

        changed: the files the watcher saw change since the last build; the others are known to
        be as that build read them, and are not read again. None: read everything. search_only:
        the build that puts in the search index's shards indexed since (logged as such)."""
        started = time.perf_counter()
        unchanged = None
        if changed is not None and self.cache.read_all:
            unchanged = lambda path: path not in changed  # noqa: E731
        # Only Markdown files under content/ changed: anything else (a setting, a template, an
        # image to copy) plans every file.
        content = str(self.site_dir / "content") + os.sep
        articles_only = changed is not None and all(
            path.startswith(content) and path.endswith((".md", ".markdown")) for path in changed)
        # One build of the site at a time: a `build` run meanwhile waits for this one, or this for it.
        with self.build_lock, site_lock(self.site_dir, _waiting):
            return self._rebuild(address, started, unchanged, changed if articles_only else None, search_only)

    def _rebuild(self, address: str, started: float, unchanged: Callable[[str], bool] | None,
                 articles: frozenset[str] | None, search_only: bool) -> bool:
        """articles: the Markdown files changed since the last rebuild, when nothing else did."""
        plan_key, self.plan_key = self.plan_key if articles is not None else None, None
        model, self.model = self.model if plan_key else None, None
        try:
            config = load_config(self.site_dir)
            root = config.root
            limit_site_memory(config.memory_limit)
            rendered = self._edit(address + root, articles, model, plan_key) \
                if model is not None and articles is not None and plan_key else None
            if rendered is None:
                rendered = render(self.site_dir, BuildOptions(drafts=True, future=True), base_url=address + root,
                                  cache=self.cache, unchanged=unchanged, last_plan_key=plan_key,
                                  search_cache=self.shards)
                model = _Model.of(*rendered.model) if rendered.model else None
            with self.lock:
                write_output(rendered.files, self.folder, only_these=not rendered.complete,
                             replacing=rendered.replacing)
                self.root, self.errors, self.built_once = root, (), True
                self.generation += not search_only
                self.search_generation += 1
            self.plan_key, self.model = rendered.plan_key, model
        except BuildFailed as failed:
            errors = failed.errors
        except Exception as exc:  # noqa: BLE001 - a bug of ours must not stop the preview either
            log.exception("internal error while building")
            errors = (SiteError(f"internal error: {type(exc).__name__}: {exc}"),)
        else:
            if search_only:
                log.info("search index up to date in %.2f s", time.perf_counter() - started)
            else:
                log.info("built %d articles and %d pages in %.2f s", rendered.articles, rendered.pages,
                         time.perf_counter() - started)
            for note in memory_notes():  # as `build` ends with it: why a rebuild was slower than it could be
                log.warning("%s", note)
            return True
        with self.lock:
            self.errors = errors
            self.generation += 1
            self.search_generation += 1
        for error in errors:
            log.error("%s", error.format(relative_to=Path.cwd()))
        log.error("the preview shows these errors until they are fixed; fix the file and save")
        return False

    def _edit(self, base_url: str, changed: frozenset[str], model: "_Model", plan_key: str):
        """The rebuild after an edit of articles, planned from the last rebuild's model; None when
        it needs the whole site (a new, removed or moved article, a page)."""
        config = load_config(self.site_dir, base_url)
        key = source_keys(config.content_dir)
        edited = [(path, key(path)) for path in sorted(changed)]
        if not all(os.path.isfile(path) and key in model.known for path, key in edited):
            return None
        options = BuildOptions(drafts=True, future=True)
        try:
            shards = self.shards if search.enabled(config, options) else None
            done = render_edit(config, options, datetime.now(timezone.utc), edited, model.known.get, model.links,
                               model.records, model.records.whole, plan_key, self.cache, shards)
        except BaseException:
            # The edited files were read but not kept in the cache: the next rebuild reads every file.
            self.cache.read_all = False
            raise
        if done is None:
            return None
        rendered, result, _ = done
        model.known.update((state.key, state) for state in result.sources)
        self.cache.entries.update(result.entries)  # the whole rebuild after trusts the cache for unchanged files
        self.cache.changed = True
        return rendered

    def sources(self) -> list[Path]:
        """What to watch: config.yaml, authors.yaml, content/, the site's themes, and the installed ones."""
        return [self.site_dir / "config.yaml", self.site_dir / "authors.yaml", self.site_dir / "content", self.site_dir / "themes",
                installed_themes_dir()]


@dataclass
class _Model:
    """A rebuild's site model as the next edit's rebuild plans from it."""

    records: MemoryRecords
    known: dict[str, SourceState]  # every Markdown file as read, by key
    links: LinkTargets | None

    @classmethod
    def of(cls, site, content) -> "_Model":
        return cls(MemoryRecords(site), {state.key: state for state in content.sources}, content.links)


class SiteHandler(web.RequestHandler):
    """Serves the preview folder under the site's root path, and nothing outside it."""

    def initialize(self, preview: Preview) -> None:
        self.preview = preview
        self.generation = preview.generation  # of the build whose file is sent
        self.search_generation = preview.search_generation

    def set_default_headers(self) -> None:
        # Always the current build: a cached page would be a stale page.
        self.set_header("Cache-Control", "no-store")

    def head(self) -> None:
        self.get()

    def get(self) -> None:
        path = unquote(self.request.path)
        if path == GENERATION_PATH:  # outside the site's root: a site may have its own /__broadsheet/
            search = self.get_query_argument("search", None) is not None  # the search page asks so
            return self._send(str(self.preview.search_generation if search else self.preview.generation).encode(),
                              "build.txt")
        if "\x00" in path or "\\" in path or ".." in path.split("/"):
            return self._not_found()
        root = self.preview.root
        if not path.startswith(root):
            if path + "/" == root or path == "/":
                return self.redirect(root)
            return self._not_found()
        relative = path[len(root):]
        if relative.startswith("/"):  # "//etc" would name a folder outside, and redirect to host "etc"
            return self._not_found()
        with self.preview.lock:  # decide and read under the lock, reply after it
            errors, built_once = self.preview.errors, self.preview.built_once
            self.generation, self.search_generation = self.preview.generation, self.preview.search_generation
            target = self._file_for(relative)
            is_folder = target is None and bool(relative) and (self.preview.folder / relative).is_dir()
            data = target.read_bytes() if target is not None else None
        is_page = path.endswith(("/", ".html")) or (target is not None and target.suffix == ".html")
        if errors and (is_page or not built_once):
            return self._send(error_page(errors), "error.html", status=500)
        if is_folder and not path.endswith("/"):
            return self.redirect(self.request.path + "/")
        if target is None or data is None:
            return self._not_found()
        self._send(data, target.name)

    def _file_for(self, relative: str) -> Path | None:
        folder = self.preview.folder
        candidate = folder / relative
        if relative == "" or relative.endswith("/"):
            candidate = candidate / "index.html"
        # The real path must stay inside the preview: a symlink must not lead out of it.
        real = os.path.realpath(candidate)
        if not real.startswith(os.path.realpath(folder) + os.sep) or not os.path.isfile(real):
            return None
        return Path(real)

    def _send(self, data: bytes, name: str, status: int = 200) -> None:
        content_type = mimetypes.guess_type(name)[0] or "application/octet-stream"
        if content_type == "text/html":
            data = _with_reload_script(data, self.generation, self.search_generation)
        if content_type.startswith("text/") or content_type.endswith(("xml", "javascript", "json")):
            content_type += "; charset=utf-8"
        self.set_status(status)
        self.set_header("Content-Type", content_type)
        self.finish(data)

    def _not_found(self) -> None:
        with self.preview.lock:
            self.generation, self.search_generation = self.preview.generation, self.preview.search_generation
            page = self._file_for("404.html")
            data = page.read_bytes() if page else b"<!DOCTYPE html><title>Not found</title><p>Not found</p>"
        self._send(data, "404.html", status=404)


def error_page(errors: tuple[SiteError, ...]) -> bytes:
    """A page of its own (the theme itself may be what is broken)."""
    items = "\n".join(f"<li><code>{html.escape(e.format(relative_to=Path.cwd()))}</code></li>" for e in errors)
    count = f"{len(errors)} error{'s' if len(errors) != 1 else ''}"
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Build failed: {count}</title>
<style>
body {{ font: 16px/1.5 system-ui, sans-serif; margin: 0; background: #fff5f5; color: #1a1a1a; }}
main {{ max-width: 60rem; margin: 0 auto; padding: 2rem 1rem; }}
h1 {{ color: #a40000; font-size: 1.5rem; }}
li {{ margin: .75rem 0; }}
code {{ white-space: pre-wrap; word-break: break-word; font-size: .95rem; }}
</style>
</head>
<body>
<main class="broadsheet-build-errors">
<h1>The site could not be built: {count}</h1>
<p>Fix the file and save it: this page reloads by itself. The terminal shows the same messages.</p>
<ol>
{items}
</ol>
</main>
</body>
</html>
""".encode()


def _with_reload_script(data: bytes, generation: int, search_generation: int) -> bytes:
    frame = hashlib.sha1(_NOT_FRAME.sub(b"", data)).hexdigest().encode()
    script = RELOAD_SCRIPT % (generation, search_generation, frame)
    index = data.rfind(b"</head>")
    if index == -1:
        index = data.rfind(b"</body>")
    if index == -1:
        return data + script
    return data[:index] + script + data[index:]


def reload_browsers(change: Change, swap_styles: bool = True) -> None:
    """Tell every open tab to reload; a change to stylesheets alone is swapped in without a reload,
    unless swap_styles is False (the build failed, or the tabs show the error page of the last one)."""
    static = f"{os.sep}static{os.sep}"
    paths = ["*"]
    if swap_styles and change.paths and all(p.endswith(".css") and static in p for p in change.paths):
        # One message per stylesheet: livereload.js swaps in only the one best matching each path.
        paths = sorted("/theme/" + p.rsplit(static, 1)[1].replace(os.sep, "/") for p in change.paths)
    messages = [json.dumps({"command": "reload", "path": path, "liveCSS": True, "liveImg": True}) for path in paths]
    for waiter in list(LiveReloadHandler.waiters):
        try:
            for message in messages:
                waiter.write_message(message)
        except Exception:  # noqa: BLE001 - a tab that went away
            LiveReloadHandler.waiters.discard(waiter)


def _waiting(holder: str) -> None:
    log.info("%s", waiting_message(holder))


def _remove_in_background(folder: Path) -> None:
    """Remove the preview's scratch copy in a process of its own, so that Ctrl-C returns at once:
    removing the tens of thousands of files of a large site's preview can take half a minute on
    a busy disk. Removed here, more slowly, if that process cannot be started."""
    try:
        subprocess.Popen([sys.executable, "-c", "import shutil, sys; shutil.rmtree(sys.argv[1], ignore_errors=True)",
                          str(folder)], stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                         stderr=subprocess.DEVNULL, start_new_session=True)  # not stopped by the terminal's Ctrl-C
    except OSError:
        shutil.rmtree(folder, ignore_errors=True)


def serve(options: ServeOptions) -> int:
    """Run until Ctrl-C (or SIGTERM). Raises PortInUse when the port is taken."""
    try:
        sockets = netutil.bind_sockets(options.port, options.host)
    except OSError as exc:
        if exc.errno == errno.EADDRINUSE:
            raise PortInUse(options.port) from exc
        raise
    port = sockets[0].getsockname()[1]
    shown_host = "localhost" if options.host in ("0.0.0.0", "::") else options.host
    if ":" in shown_host:
        shown_host = f"[{shown_host}]"
    address = f"http://{shown_host}:{port}"

    scratch = Path(tempfile.mkdtemp(prefix="broadsheet-serve-"))
    preview = Preview(options.site_dir, scratch / "site")
    watcher = Watcher(preview.sources)  # made before the first build: a save during it is still seen
    try:
        preview.rebuild(address)
        return asyncio.run(_run(options, preview, sockets, address, watcher))
    finally:
        watcher.stop()
        _remove_in_background(scratch)
        if preview.built_once and preview.cache.changed:
            try:
                with site_lock(options.site_dir, _waiting):
                    preview.cache.save()
            except OSError:
                pass  # only the next start is slower


async def _run(options: ServeOptions, preview: Preview, sockets, address: str, watcher: Watcher) -> int:
    loop = asyncio.get_running_loop()
    app = web.Application([
        (r"/livereload", LiveReloadHandler),
        (r"/livereload\.js", LiveReloadJSHandler),
        (r"/.*", SiteHandler, {"preview": preview}),
    ])
    server = httpserver.HTTPServer(app)
    server.add_sockets(sockets)

    def on_change(change: Change) -> None:  # in the watcher's thread
        shown = ", ".join(sorted(os.path.relpath(p, options.site_dir) for p in change.paths)[:5])
        log.info("changed: %s%s", shown, " ..." if len(change.paths) > 5 else "")
        showed_errors = bool(preview.errors)  # the tabs show the error page: a stylesheet swap would not clear it
        built = preview.rebuild(address, change.paths)
        loop.call_soon_threadsafe(reload_browsers, change, built and not showed_errors)
        preview.catch_up_search(address)

    watcher.start(on_change)
    stop = asyncio.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    url = address + preview.root
    log.info("serving %s (drafts and scheduled articles shown); Ctrl-C to stop", url)
    if options.open_browser:
        threading.Thread(target=webbrowser.open, args=(url,), daemon=True).start()
    try:
        await stop.wait()
    finally:
        log.info("stopping")
        watcher.stop()
        server.stop()
        for waiter in list(LiveReloadHandler.waiters):
            waiter.close()
    return 0
