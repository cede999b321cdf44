"""The build after an edit of Markdown files: only the edited files are read, and only the
articles and lists around them loaded, from the site store (write/site_store.py) for `build`,
or from the last rebuild's site model for `serve` (MemoryRecords). Anything an edit does besides
changing what its articles show (a page, a moved article, a new alias) gets the whole build."""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

from .build import BuildReport, RenderedSite, about_to_change, local_time, planned, record_build
from .config import BuildOptions, Config
from .errors import BuildFailed, SiteError
from .read.inputs import LastBuild, ScannedInputs, SinceBuilt, changed_since_built, save_built_hashes
from .search.cache import ShardCache
from .write.cache import ContentCache, cache_file
from .write.output import write_output


def build_edit(site_dir: Path, output_dir: Path, options: BuildOptions, now: datetime, config: Config,
          inputs: ScannedInputs, last: LastBuild, started: float,
          progress: Callable[[str], None] | None,
          output_as_left: Callable[[], bool], heard: str = "") -> tuple[BuildReport | None, str | None]:
    """The build after an edit of Markdown files, from the site store (write/site_store.py): only
    the edited files are read, and only the articles and lists around them loaded. None when the
    edit needs the whole site (a page, an article moved, a new alias: see content.load_edited),
    or the store cannot say, or output/ is not as the last build left it (output_as_left, asked
    once the edit is planned); and a warning when the store was damaged. Raises BuildFailed as
    build does. heard: the watch daemon's token from before the build wrote anything, to keep."""
    from .errors import StoreDamaged
    from .write.site_store import SiteStore

    store, warning = SiteStore.open(site_dir, last.inputs)
    if store is None:
        return None, warning
    try:
        damaged = f"the site store {store.path} is damaged; building the whole site"
        try:
            since = changed_since_built(config.site_dir, last, inputs)
            rendered, sources, edited, entries = _render_edit(store, options, now, config, inputs, last, since)
        except StoreDamaged:
            return None, damaged
        if rendered is None or not output_as_left():
            return None, None
        about_to_change(site_dir)
        # The pages are rendered as they are written: they read what they show from the store. A
        # damage seen then leaves output/ as it was (what was staged is cleared by the next write).
        try:
            report = write_output(rendered.files, output_dir,
                                  (lambda done, total: progress(f"{done} of {total} files made")) if progress
                                  else None, only_these=True, replacing=rendered.replacing,
                                  manifest_files=(last.manifest, last.files))
        except StoreDamaged:
            return None, damaged
    finally:
        store.close()
    try:
        cache_state = _keep_in_cache(store, cache_file(site_dir), entries, inputs.digest)
        store.update(sources, edited, inputs.digest, store.next_change, cache_state)
    except Exception:  # noqa: BLE001 - the store is a shortcut: without it the next build is whole
        store.path.unlink(missing_ok=True)
    save_built_hashes(site_dir, inputs, since)
    record_build(site_dir, output_dir, inputs, rendered, report, heard)
    return BuildReport(output_dir, rendered.articles, rendered.pages, rendered.bodies_rendered, report.rendered,
                       report.written, report.unchanged, report.removed, time.perf_counter() - started,
                       (), local_time(rendered.next_change, config), rendered.next_change_what,
                       report.count("location-removed")), None


def _render_edit(store, options: BuildOptions, now: datetime, config: Config, inputs: ScannedInputs,
                 last: LastBuild, since: SinceBuilt | None) -> tuple[RenderedSite | None, tuple, dict, dict]:
    """render() for _edit: the edited files found by their digests, planned around them alone."""
    from .read.content import LinkTargets
    from .search.cache import ShardCache
    from .plan import search
    from .write.cache import BodyStore

    changed = _changed_files(store, config, inputs, since)
    if changed is None:
        return None, (), {}, {}
    bodies = ContentCache(cache_file(config.site_dir), store=BodyStore(cache_file(config.site_dir).with_name("bodies.bin")))
    try:
        search_cache = ShardCache(cache_file(config.site_dir).parent / "search", trusted=True) \
            if search.enabled(config, options) else None
    except BuildFailed:
        return None, (), {}, {}  # the whole build reports it
    done = render_edit(config, options, now, changed, store.source, LinkTargets(*store.link_targets()), store,
                       store.whole, last.plan_key, bodies, search_cache)
    if done is None:
        return None, (), {}, {}
    rendered, edited, by_position = done
    return (_planned_again(rendered, store.next_change), edited.sources, by_position, edited.entries)


def _changed_files(store, config: Config, inputs: ScannedInputs,
                   since: SinceBuilt | None) -> list[tuple[str, str]] | None:
    """(path, store key) of each Markdown file edited since the last good build (as
    changed_since_built found them, if it could), whose site the store holds; None when the store
    does not hold the same files."""
    from .read.content import source_keys

    paths = inputs.markdown_files
    key = source_keys(config.content_dir)
    if since is not None:
        return [(paths[position], key(paths[position])) for position in since.positions]
    return _changed_by_store(store, inputs, list(map(key, paths)))


def _changed_by_store(store, inputs: ScannedInputs, keys: list[str]) -> list[tuple[str, str]] | None:
    """_changed_files the plain way, for a build with no record of the last one's hashes: every
    file's digest compared with the store's."""
    known = store.digests()
    if len(keys) != len(known) or known.keys() != set(keys):
        return None
    paths = inputs.markdown_files
    # The two mappings compared whole (in C): at 100,000 files, a lookup of each was a fifth of
    # an edit's build.
    now_read = dict(zip(keys, map(inputs.source_digests.get, paths)))
    differing = {key for key, _ in now_read.items() - known.items()}
    return [(path, key) for path, key in zip(paths, keys) if key in differing]


def render_edit(config: Config, options: BuildOptions, now: datetime, changed: list[tuple[str, str]],
                known: Callable, links, records, whole: Callable, plan_key: str, cache: ContentCache,
                search_cache: ShardCache | None):
    """The files around Markdown files edited since a build whose site model the records hold
    (the site store for `build`, the last rebuild's model for `serve`): (RenderedSite, Edited,
    the edited articles by position), or None when the edit needs the whole site (a page, a
    moved article, a new alias, another plan key). changed: (path, key) of each edited file;
    known(key): each source as that build read it; links: where its links led; whole(): the
    site's SiteRecords. The edited bodies go to the cache's body file. Raises BuildFailed."""
    from .model.stored import stored_site
    from .plan.render import Around, render_site
    from .plan.theme import load_theme, make_environment, theme_localization
    from .read.authors import load_authors
    from .read.content import load_edited

    with cache.spiller() as keep:
        edited = load_edited(config, options, now, changed, known, links, keep)
    if edited is None:
        return None
    by_position = {}
    for article in edited.articles.values():
        position = records.position_of(article.path)
        if position is None or records.article(position).aliases != article.aliases:
            return None  # a new alias is a new redirect page: planned with the whole site
        by_position[position] = article
    errors: list[SiteError] = []
    authors = theme = env = None
    try:
        authors = load_authors(config.site_dir)
    except BuildFailed as failed:
        errors.extend(failed.errors)
    try:
        theme = load_theme(config)
        env = make_environment(theme, cache_file(config.site_dir).parent / "templates",
                               theme_localization(config, theme))
    except BuildFailed as failed:
        errors.extend(failed.errors)
    if errors:
        raise BuildFailed(errors)
    assert authors is not None and theme is not None and env is not None
    for position, article in by_position.items():
        records.put(position, article)
    site = stored_site(config, authors, whole(), records)
    around = Around(tuple(article.path for article in edited.articles.values()), plan_key)
    plan = render_site(site, theme, env, options, around, now, search_cache, around_only=True)
    if plan is None:
        return None
    return planned(site, plan, edited.rendered, None, now, None), edited, by_position


def _planned_again(rendered: RenderedSite, scheduled: datetime | None) -> RenderedSite:
    """With the next scheduled article's date, which the store keeps (no date changed)."""
    if scheduled is not None and (rendered.next_change is None or scheduled <= rendered.next_change):
        return dataclasses.replace(rendered, next_change=scheduled, next_change_what="a scheduled article comes out")
    return rendered


def _keep_in_cache(store, path: Path, entries: dict, built_from: str) -> tuple | None:
    """The edited files' entries added to the content cache, so that it stays the sources as
    this build read them: when the cache is as the store knew it, through its journal. Returns
    the cache's state for the store, None when it is no longer known (the next whole build
    reads those files again)."""
    from .write.cache import append_entries, journal_state

    state = store.cache_state
    try:
        if state is None or tuple(journal_state(path)) != tuple(state[1:]):
            return None
        if not append_entries(path, state[0], built_from, entries):
            return None
        return (state[0], *journal_state(path))
    except OSError:
        return None
