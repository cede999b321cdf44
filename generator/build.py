"""`broadsheet build`: the stages in order. Read it top to bottom."""

from __future__ import annotations

import dataclasses
import functools
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING

from .config import BuildOptions, Config, load_config
from .errors import BuildFailed, SiteError
from .read.fields import Fields
from .read.inputs import (LastBuild, ScannedInputs, read_last_build, save_built_hashes, save_known_hashes, scan_inputs,
                          write_last_build)
from .write.cache import ContentCache, cache_file
from .read.watched import Heard, ask
from .write.output import (OutputFile, WriteReport, check_output_dir, find_collisions, intact_output,
                           intact_where_reported, manifest_stamp, write_output)
from .write.site_lock import site_lock
from .write.parallel import in_background, limit_site_memory, memory_notes

if TYPE_CHECKING:
    from .model.site import Site
    from .plan.render import Plan
    from .read.content import Content
    from .search.cache import ShardCache


@dataclass(frozen=True)
class BuildReport:
    output_dir: Path
    articles: int
    pages: int
    bodies_rendered: int  # Markdown bodies converted; the others came from the cache
    rendered: int  # output files made again; the others were known to be unchanged
    written: int
    unchanged: int
    removed: int
    seconds: float
    warnings: tuple[str, ...] = ()
    # When the site next changes by the clock alone, and what changes then (RenderedSite): the
    # moment a deployer must build again (from cron) for the output to stay true.
    next_change: datetime | None = None
    next_change_what: str = ""
    # Images published by this build whose original carried a GPS position, which was removed
    # (media/images.py); an image not made again (unchanged) is not counted again.
    locations_removed: int = 0


@dataclass(frozen=True)
class RenderedSite:
    """Every file of the site planned (path, fingerprint, how to make it), nothing made yet."""

    config: Config
    files: tuple[OutputFile, ...]
    articles: int
    pages: int
    bodies_rendered: int
    # When the site next changes by the clock alone: a scheduled article comes out, or an article
    # leaves the news sitemap (48 hours after its date); next_change_what says which.
    next_change: datetime | None = None
    plan_key: str = ""  # what every page's fingerprint starts from (see render.py)
    complete: bool = True  # False: only the files around the changed articles (see render.Around)
    next_change_what: str = ""
    replacing: tuple[str, ...] = ()  # folders planned whole (see write_output)
    model: "tuple[Site, Content] | None" = field(default=None, repr=False, compare=False)  # for the site store


def build(site_dir: Path, output_dir: Path | None = None, options: BuildOptions = BuildOptions(),
          base_url: str | None = None, now: datetime | None = None, use_cache: bool = True,
          progress: Callable[[str], None] | None = None,
          waiting: Callable[[str], None] | None = None) -> BuildReport:
    """Build the site; raises BuildFailed with every problem found, leaving output/ as it was.

    use_cache=False builds cold: the cache is not read, only written afresh. One build of a site
    at a time (write/site_lock.py): waiting(holder) is told when another holds the site's lock,
    before this one waits for it."""
    output_dir = output_dir if output_dir is not None else site_dir / "output"
    problem = check_output_dir(site_dir, output_dir)
    if problem:
        raise BuildFailed([problem])
    with site_lock(site_dir, waiting):
        limit_site_memory(None)  # until this site's settings are read (a preview in this process set its own)
        try:
            return _build(site_dir, output_dir, options, base_url, now, use_cache, progress)
        finally:
            limit_site_memory(None)  # the next build reads its own settings


def _build(site_dir: Path, output_dir: Path, options: BuildOptions, base_url: str | None, now: datetime | None,
           use_cache: bool, progress: Callable[[str], None] | None) -> BuildReport:
    started = time.perf_counter()
    memory_notes()  # only this build's
    now = now or datetime.now(timezone.utc)
    last = read_last_build(site_dir) if use_cache else None
    # What changed in output/ since the last build began, if a watch daemon heard it; its token
    # from now, before this build writes anything, is kept with this build's record.
    heard = ask(site_dir, output_dir, last.heard if last is not None else "")
    manifest_before = manifest_stamp(output_dir) if heard is not None else ""  # before output/ is looked at
    files_left = _files_left(output_dir, last, heard)
    try:
        config = load_config(site_dir, base_url)
        limit_site_memory(config.memory_limit)
        inputs = scan_inputs(config, options, output_dir)
    except BaseException:
        files_left()
        raise
    notes = _setting_warnings(config)
    inputs = save_known_hashes(site_dir, inputs)
    # The last good build is still what the site would be but for the Markdown files' bytes (no
    # setting, flag, template or file to copy changed, no scheduled article came out and no
    # article left the news sitemap's 48 hours); as_left, and its output is as it left it.
    same_context = last is not None and last.context == inputs.context and not inputs.problems \
        and (last.valid_until is None or now < last.valid_until)

    def output_as_left() -> bool:
        return last is not None and files_left() == last.files

    if same_context and last.inputs == inputs.digest and output_as_left():
        if heard is not None and heard.token != last.heard:
            # output/ was seen as it was left, all of it or where it changed, after the token: the
            # next build need look only at what changes from now.
            write_last_build(site_dir, dataclasses.replace(last, heard=heard.token, manifest=manifest_before))
        return BuildReport(output_dir, last.articles, last.pages, 0, 0, 0, last.files, 0,
                           time.perf_counter() - started, notes, local_time(last.valid_until, config),
                           last.valid_until_what)
    store_warning = None
    if same_context:
        # Only Markdown files changed: the site store has the rest as that build made it. The edit
        # is planned while the check of output/ still runs (at 100,000 articles it is the longer
        # of the two); only its writing waits for it.
        from .edit import build_edit

        try:
            edited, store_warning = build_edit(site_dir, output_dir, options, now, config, inputs, last, started,
                                               progress, output_as_left, heard.token if heard else "")
        except BaseException:
            files_left()  # reaps the child
            raise
        if edited is not None:
            return dataclasses.replace(edited, warnings=edited.warnings + notes)
    as_left = output_as_left() and same_context  # in this order: the child is reaped either way
    cache, warning = (ContentCache.load(cache_file(site_dir), Fields.from_record) if use_cache
                      else (ContentCache(cache_file(site_dir)), None))
    warning = warning or store_warning
    # Then only the files that show an edited article need planning, if the cache holds the
    # sources as that build read them (the preview saves it too, from other sources).
    plan_key = last.plan_key if as_left and last is not None and cache.built_from == last.inputs else None
    # The site store is written by another process while this one plans the pages (one core
    # each), not while it writes them: the writers want both cores, and the writing makes this
    # process grow (at a million articles from 7 to 10 GiB), with the store's child beside it.
    # It is put in place only when the build has succeeded.
    writing: _StoreWriting | None = None

    def start_store(site: Site, content: Content) -> None:
        nonlocal writing
        cache.settle_bodies()  # before the store is written: it keeps where each body is
        writing = _store_in_background(site_dir, site, content, inputs.digest)

    try:
        rendered = render(site_dir, options, base_url, now, cache, inputs=inputs, config=config,
                          last_plan_key=plan_key, trust_cache=use_cache, progress=progress, modelled=start_store)
    except BaseException:
        if writing is not None:
            writing.abandon()  # the store in place is still the last good build's
        raise
    about_to_change(site_dir)
    store = writing.finish if writing is not None else None
    try:
        report = write_output(rendered.files, output_dir,
                              (lambda done, total: progress(f"{done} of {total} files made")) if progress else None,
                              trust_manifest=use_cache, only_these=not rendered.complete, replacing=rendered.replacing,
                              manifest_files=(last.manifest, last.files) if as_left and last is not None else None)
    except BaseException:
        if store is not None:
            store(None)
        raise
    # The plan is done with: let it go before the cache's index is made, the build's largest
    # moment in one process (the plan is a fifth of the build at 100,000 articles).
    rendered = dataclasses.replace(rendered, files=(), model=None)
    saved = _save(cache, inputs.digest)
    if store is not None:
        store(cache if saved else None)
    save_built_hashes(site_dir, inputs)
    record_build(site_dir, output_dir, inputs, rendered, report, heard.token if heard else "")
    return BuildReport(output_dir, rendered.articles, rendered.pages, rendered.bodies_rendered, report.rendered,
                       report.written, report.unchanged, report.removed, time.perf_counter() - started,
                       ((warning,) if warning else ()) + notes + memory_notes(), local_time(rendered.next_change, config),
                       rendered.next_change_what, report.count("location-removed"))


def _files_left(output_dir: Path, last: LastBuild | None, heard: Heard | None) -> Callable[[], int]:
    """How many files the last build left in output/ if all are as it left them, else -1 (see
    intact_output): from what the watch daemon heard change there, or looked at by another
    process while this one scans the inputs (at 10,000 articles both take a tenth of a second,
    most of it the kernel's, walking paths)."""
    if last is None:
        return lambda: -1
    if heard is not None and heard.changed is not None and last.heard:
        files = last.files if intact_where_reported(output_dir, heard.changed, last.manifest) else -1
        return lambda: files
    return in_background(functools.partial(intact_output, output_dir))


def record_build(site_dir: Path, output_dir: Path, inputs: ScannedInputs, rendered: RenderedSite,
                 report: WriteReport, heard: str) -> None:
    """Record a good build (a whole one or an edit's): what it read, what it made, and for the watch
    daemon its token from before it wrote and the manifest's stamp as it left it."""
    write_last_build(site_dir, LastBuild(inputs.digest, inputs.context, rendered.plan_key, rendered.next_change,
                                         rendered.articles, rendered.pages, report.written + report.unchanged,
                                         rendered.next_change_what, heard, manifest_stamp(output_dir)))


def about_to_change(site_dir: Path) -> None:
    """Forget the record of the last good build: what this one writes from here on (output/, the
    body file, the site store) is no longer what it describes, until this build succeeds. Not
    before: a build that fails while reading or planning (a typo in front matter, a broken
    link) has changed none of it, and the build after the fix is then still an edit's build
    from that record, not a whole one (21 s instead of 0.8 s at 100,000 articles)."""
    write_last_build(site_dir, None)


def render(site_dir: Path, options: BuildOptions = BuildOptions(), base_url: str | None = None,
           now: datetime | None = None, cache: ContentCache | None = None,
           unchanged: Callable[[str], bool] | None = None, inputs: ScannedInputs | None = None,
           config: Config | None = None, last_plan_key: str | None = None, trust_cache: bool = True,
           search_cache: ShardCache | None = None,
           progress: Callable[[str], None] | None = None,
           modelled: Callable[[Site, Content], None] | None = None) -> RenderedSite:
    """Every stage but the write: what `build` would write, or BuildFailed with every problem.
    unchanged, inputs: see content.load_content. config: as already loaded from site_dir and
    base_url (build has read it to scan the inputs). last_plan_key: the global key of the last
    build, whose output is in place and whose sources the cache holds; then only the files
    around the articles changed since are planned, if nothing else changed. trust_cache=False:
    the search index is made afresh too (build --no-cache). search_cache: the search index's
    shards as the preview keeps them between builds (else they are read from the site's cache).
    progress(message): told what the build is doing, as it reads the files, plans the pages and
    indexes them for search (a cold build of a million articles reads for minutes).
    modelled(site, content): called with the site model before its pages are planned."""
    # Imported here, not above: a build with nothing to do (see inputs.py) needs neither
    # Markdown nor Jinja, and loading them would be a fifth of its time.
    from .read.authors import load_authors
    from .read.content import load_content
    from .plan import feeds, search
    from .plan.render import Around, render_site
    from .search.cache import ShardCache
    from .model.site import build_site
    from .plan.theme import load_theme, make_environment, theme_localization

    now = now or datetime.now(timezone.utc)
    config = config or load_config(site_dir, base_url)

    # Authors, content and theme are independent: report the problems of all in one go.
    errors: list[SiteError] = []
    content = theme = env = authors = None
    kept_shards, search_cache = search_cache, None
    try:
        if search.enabled(config, options):
            search_cache = kept_shards or ShardCache(cache_file(site_dir).parent / "search", trusted=trust_cache)
            search_cache.progress = (lambda done, of: progress(f"indexing for search: {done} of {of} shards")) \
                if progress else None
    except BuildFailed as failed:
        errors.extend(failed.errors)
    try:
        authors = load_authors(site_dir)
    except BuildFailed as failed:
        errors.extend(failed.errors)
    try:
        content = load_content(config, options, now, cache, unchanged, inputs,
                               (lambda done, of: progress(f"reading: {done} of {of} Markdown files")) if progress
                               else None)
    except BuildFailed as failed:
        errors.extend(failed.errors)
    try:
        theme = load_theme(config)
        env = make_environment(theme, cache_file(site_dir).parent / "templates" if cache is not None else None,
                               theme_localization(config, theme))
    except BuildFailed as failed:
        errors.extend(failed.errors)
    if errors:
        raise BuildFailed(errors)
    assert content is not None and theme is not None and env is not None and authors is not None

    if progress:
        read = len(content.articles) + len(content.pages)
        progress(f"{len(content.articles)} articles read ({content.rendered} rendered, {read - content.rendered} "
                 "from the cache); planning the pages")
    site = build_site(config, content, authors)
    if modelled is not None:
        modelled(site, content)
    around = Around(content.changed, last_plan_key) if last_plan_key and content.changed is not None else None
    plan = render_site(site, theme, env, options, around, now, search_cache)
    assert plan is not None
    return planned(site, plan, content.rendered, content.next_change, now, (site, content))


def planned(site: Site, plan: Plan, bodies_rendered: int, next_change: datetime | None, now: datetime,
             model: tuple[Site, Content] | None) -> RenderedSite:
    """The plan checked for files that would overwrite each other, with when the site next changes
    by the clock alone: a scheduled article comes out, or an article's 48 hours in the news
    sitemap are over."""
    from .plan import feeds

    collisions = find_collisions(plan.files, site.config.site_dir)
    if collisions:
        raise BuildFailed(collisions)
    what = "a scheduled article comes out"
    leaves = feeds.news_change(site, now)
    if leaves is not None and (next_change is None or leaves < next_change):
        next_change, what = leaves, f"{feeds.NEWS_SITEMAP} changes"
    return RenderedSite(site.config, plan.files, len(site.articles), len(site.pages), bodies_rendered,
                        next_change, plan.global_key, plan.complete, what if next_change else "", plan.replacing,
                        model)


def local_time(when: datetime | None, config: Config) -> datetime | None:
    return when.astimezone(config.tz) if when is not None else None


def _setting_warnings(config: Config) -> tuple[str, ...]:
    """What the settings make that a deployer should know of, on every build."""
    if config.root == "/":
        return ()
    site_root = config.base_url[:-len(config.root) + 1]
    sitemaps = " and ".join(f"`Sitemap: {config.base_url}{name}`" for name in ("sitemap.xml", "news-sitemap.xml"))
    return (f"base_url has a path ({config.root}): robots.txt is written at {config.root}robots.txt, where "
            f"crawlers never look; add {sitemaps} to {site_root}robots.txt",)


def _save(cache: ContentCache, built_from: str) -> bool:
    """Save the cache; False when it could not be (every body is then not in the body file)."""
    if not cache.changed and cache.built_from == built_from:
        return True
    try:
        cache.save(built_from)
    except OSError:
        return False  # a cache that cannot be written only makes the next build slower
    return True


@dataclass(frozen=True)
class _StoreWriting:
    """The site store being written by another process (see _store_in_background)."""

    finish: Callable[[ContentCache | None], None]  # put in place with the cache saved; None: the build failed
    abandon: Callable[[], None]  # the build stopped before it changed anything: the store in place stays


def _store_in_background(site_dir: Path, site: Site, content: Content, built_from: str) -> _StoreWriting:
    """Start writing the site store, for the next edit's build (see edit.py), in another process:
    a second at 10,000 articles. finish waits for it and puts it in place, sealed with the content
    cache's state; given None (the writing failed, or the cache could not be saved), it throws it
    away with the store in place. Without a store the next edit's build is a whole one."""
    from .write.cache import journal_state
    from .write.site_store import SiteStore, store_file

    def write() -> int:
        # Caught here, not only by the forked child's exit: without fork, in_background runs this
        # at once, in the build itself, which a store that cannot be written must not stop.
        try:
            SiteStore.write(site_dir, site, content, built_from)
        except Exception:  # noqa: BLE001 - a store that cannot be written only makes the next edit slower
            return 1
        return 0

    written = in_background(write)

    def finish(cache: ContentCache | None) -> None:
        try:
            # A build that failed does not wait for a store it will throw away (minutes, at a million).
            if written(stop=cache is None) == 0 and cache is not None:
                SiteStore.put_in_place(site_dir, (cache.index_id, *journal_state(cache.path)))
                return
        except Exception:  # noqa: BLE001 - a store that cannot be written only makes the next edit slower
            pass
        SiteStore.throw_away(site_dir)
        store_file(site_dir).unlink(missing_ok=True)

    def abandon() -> None:
        written(stop=True)  # reaps the child
        SiteStore.throw_away(site_dir)

    return _StoreWriting(finish, abandon)
