"""Full-text search: the index's shards, their files, and the /search/ page.

The articles are indexed with Pagefind (search/pagefind.py) in shards: runs of whole days, oldest
first, each holding at most `search.shard_size` articles. An edit re-indexes only its article's
shard (Pagefind has no incremental mode: a shard is indexed whole), and memory stays that of one
shard. The reader's browser merges the shards (Pagefind's mergeIndex); the newest shard is the
primary one and carries Pagefind's script and WebAssembly. Since the shards hold disjoint date
ranges, the theme's script lists results newest first by searching them one after another.

Only published articles are indexed: their title, summary and body as plain text. Never drafts,
not even in a build that shows them.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import timezone

from ..config import BuildOptions, Config
from ..errors import BuildFailed, SiteError
from ..i18n import Localization
from ..model.site import Site
from ..read.content import Article
from ..read.markup import plain_text
from ..search import pagefind
from ..search.bundle import clean
from ..search.cache import IndexedFile, ShardCache
from ..write.output import OutputFile, RenderFailed
from .recent import Recent
from .views import Views

SEARCH_PATH = "/search/"
SHARDS_FOLDER = "pagefind/shards/"
FILTERS = ("section", "author", "tag", "year")
# Bump when what a record holds, or how its shard is written, changes: every shard is indexed again.
# 2: the bundle written by search/bundle.py, records cleaned.
RECORD_FORMAT = 2
# The files of Pagefind's bundle that are not published: its ready-made interfaces (the theme has
# its own, in the site's language), the highlighting script for the target page, and the web
# worker (the theme's search.js searches on the page's own thread: see noWorker there).
_UNUSED_PREFIXES = ("pagefind-ui.", "pagefind-component-ui.", "pagefind-modular-ui.", "pagefind-highlight.",
                    "pagefind-worker.")
# Published only in the primary shard: what the browser runs.
_RUNTIME = ("pagefind.js",)


def enabled(config: Config, options: BuildOptions) -> bool:
    """Whether this build has search: on unless turned off, when Pagefind is installed; asked for
    (`search: true` or a mapping) without it, a BuildFailed saying what to install."""
    if not options.search or config.search.enabled is False:
        return False
    if pagefind.binary() is not None:
        return True
    if config.search.enabled:
        from ..yamlutil import top_level_key_lines
        try:
            line = top_level_key_lines(config.config_path.read_text(encoding="utf-8-sig")).get("search", 1)
        except OSError:
            line = 1
        raise BuildFailed([SiteError(f"`search` is on but Pagefind is not installed: {pagefind.INSTALL_HINT}",
                                     config.config_path, line)])
    return False


@dataclass(frozen=True)
class Shard:
    key: str  # the first day it holds, 2019-03-04: its folder's name
    articles: tuple[Article, ...]  # newest first

    @property
    def folder(self) -> str:
        return f"{SHARDS_FOLDER}{self.key}/"


def shards_of(articles: Iterable[Article], size: int) -> tuple[Shard, ...]:
    """The published articles in runs of whole days, oldest first, each run as long as it can be
    without passing size (a day with more articles is a shard of its own). Newest shard first.
    An article added on the newest day changes only the newest shard."""
    days: dict[str, list[Article]] = {}
    for article in sorted((a for a in articles if not a.draft and not a.scheduled), key=lambda a: (a.date, a.path)):
        days.setdefault(article.date.date().isoformat(), []).append(article)
    runs: list[tuple[str, list[Article]]] = []
    for day, held in days.items():
        if runs and len(runs[-1][1]) + len(held) <= size:
            runs[-1][1].extend(held)
        else:
            runs.append((day, list(held)))
    return tuple(Shard(key, tuple(reversed(held))) for key, held in reversed(runs))


class SearchIndex:
    """The search's files, from the site model and the views the pages are made from."""

    def __init__(self, site: Site, views: Views, loc: Localization, cache: ShardCache):
        self.site = site
        self.views = views
        self.loc = loc
        self.cache = cache
        self.language = site.config.language.split("-")[0].lower()
        runs = site.search_runs(site.config.search.shard_size)
        if runs is None:
            self.shards = shards_of(site.articles, site.config.search.shard_size)
            self._shard_of = {a.path: shard for shard in self.shards for a in shard.articles}.get
        else:  # a site read from the store: its articles are loaded only for the shards planned
            self.shards = tuple(Shard(key, site.articles_at(positions)) for key, positions in runs)  # type: ignore
            by_position = {position: shard for shard, (_, positions) in zip(self.shards, runs)
                           for position in positions}
            self._shard_of = lambda path: by_position.get(site.position_of(path))

    def page(self) -> dict:
        """What search.html is given besides meta: the shards' folders, newest (the primary) first,
        and whether some are still to be indexed again (the preview says so). Ask after files()."""
        return {"shards": [{"key": s.key, "path": self.views.urls.link(s.folder)} for s in self.shards],
                "filters": list(FILTERS), "updating": bool(self.cache.pending)}

    def page_key(self) -> tuple[str, ...]:
        return (*(s.key for s in self.shards), f"updating={bool(self.cache.pending)}")

    def to_plan_again(self, paths: Iterable[str]) -> tuple[Shard, ...]:
        """The shards an edit of these articles changes, and those planned with old files before
        (the preview's: see ShardCache.defer), which may be indexed by now."""
        showing = {shard.key: shard for shard in self.shards_showing(paths)}
        showing.update((shard.key, shard) for shard in self.shards if shard.key in self.cache.pending)
        return tuple(showing.values())

    def shards_showing(self, paths: Iterable[str]) -> tuple[Shard, ...]:
        """The shards holding these articles (by their site path, as render.Around gives them)."""
        found = {shard.key: shard for shard in map(self._shard_of, paths) if shard is not None}
        return tuple(found.values())

    def files(self, shards: Iterable[Shard] | None = None) -> list[OutputFile]:
        """The published files of these shards (all when None); each shard not yet in the cache is
        indexed first. Raises BuildFailed when Pagefind cannot."""
        files: list[OutputFile] = []
        primary = self.shards[0].key if self.shards else None
        planned = [(shard, self._fingerprint(shard)) for shard in (self.shards if shards is None else shards)]
        try:
            indexed = self.cache.files([(shard.key, fingerprint, lambda shard=shard: self._index_records(shard))
                                        for shard, fingerprint in planned], self.language,
                                       sum(len(shard.articles) for shard, _ in planned))
        except pagefind.SearchUnavailable as exc:
            raise BuildFailed([SiteError(f"search index: {exc}")]) from exc
        except OSError as exc:
            raise BuildFailed([SiteError(f"cannot write the search index to the build cache: {exc}")]) from exc
        for (shard, fingerprint), listed in zip(planned, indexed):
            files.extend(self._file(shard, fingerprint, file) for file in listed
                         if _published(file.path, shard.key == primary))
        return files

    def _file(self, shard: Shard, fingerprint: str, file: IndexedFile) -> OutputFile:
        return OutputFile(shard.folder + file.path, "search index", file.digest,
                          produce=_PackPart(self.cache, fingerprint, file))

    def _records(self, shard: Shard) -> list[tuple[Article, dict, dict, dict]]:
        return [(a, *self._facts(a)) for a in shard.articles]

    def _facts(self, article: Article) -> tuple[dict, dict, dict]:
        """An article's meta, filters and sort: all of its record but the text."""
        teaser = self.views.teaser(article)
        meta = {"title": article.title, "date": article.date.isoformat(),
                "date_text": self.loc.date_long(article.date)}
        if article.category:
            meta["section"] = article.category
        if teaser.byline:
            meta["byline"] = teaser.byline
        thumbnail = self._thumbnail(article)
        if thumbnail:
            meta["image"] = thumbnail
            meta["image_alt"] = article.image_alt
        filters = {"year": [str(article.date.year)]}
        if article.category:
            filters["section"] = [article.category]
        if teaser.authors:
            filters["author"] = [a.name for a in teaser.authors]
        if article.tags:
            filters["tag"] = list(dict.fromkeys(article.tags))
        sort = {"date": article.date.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")}
        return meta, filters, sort

    def _thumbnail(self, article: Article) -> str | None:
        """The smallest published width of the lead image; an image on another host is left out
        (search must not make the reader's browser ask another host)."""
        variants = article.image_variants
        if variants is not None:
            own = [v for v in variants.variants if v.format == variants.own_format]
            if own:
                return min(own, key=lambda v: v.width).url
        image = article.image
        if image and image.startswith("/") and not image.startswith("//"):
            return image
        return None

    def _fingerprint(self, shard: Shard) -> str:
        """Changes whenever a record of the shard may: the articles' text (by its digest), the
        facts shown with them, the language, the Pagefind version."""
        digest = hashlib.sha256(repr((RECORD_FORMAT, pagefind.version(), self.language, shard.key)).encode())
        for article, meta, filters, sort in self._records(shard):
            digest.update(json.dumps([self.views.urls.link(article.path), article.content_digest,
                                      article.summary_text, meta, filters, sort], sort_keys=True).encode())
        return digest.hexdigest()

    def _index_records(self, shard: Shard) -> list[pagefind.Record]:
        # Cleaned (no zero-width spaces or Pagefind's private markers), as search/bundle.py needs.
        return [pagefind.Record(self.views.urls.link(article.path), _text(article),
                                {name: clean(value) for name, value in meta.items()},
                                {name: [clean(value) for value in values] for name, values in filters.items()},
                                sort)
                for article, meta, filters, sort in self._records(shard)]


# The text of the articles whose records this process made lately, by path: the preview makes a
# changed shard's records at each rebuild (see ShardCache.defer), and all but the edited article's
# are as they were (a tenth of a second for 500 bodies, at each save). Only the last thousand or
# two are kept, two shards of the default size (a text is about 11 KB): every article's text,
# kept by a build indexing in one process or by a preview that has indexed the whole site, is the
# site's whole text (about a GB at 100,000 articles), and a cold build never asks twice.
_TEXTS: Recent[str, tuple[tuple[str, str, str], str]] = Recent(1024)


def _text(article: Article) -> str:
    """What is searched, cleaned (see search/bundle.py): the headline, the standfirst when it is
    not the body's first paragraph, the body."""
    key = (article.title, article.summary_text if article.summary_given else "", article.content_digest)
    known = _TEXTS.get(article.path)
    if known is not None and known[0] == key:
        return known[1]
    parts = [article.title]
    if article.summary_given:
        parts.append(article.summary_text)
    parts.append(plain_text(article.body.get()))
    text = clean("\n\n".join(parts))
    _TEXTS.put(article.path, (key, text))
    return text


class _PackPart:
    """A search file's bytes, read from its shard's pack when the file is written: an object with
    slots, not a closure (a function and three cells), as the plan holds one per file (a fragment
    per article)."""

    __slots__ = ("cache", "fingerprint", "file")

    def __init__(self, cache: ShardCache, fingerprint: str, file: IndexedFile):
        self.cache, self.fingerprint, self.file = cache, fingerprint, file

    def __call__(self) -> bytes:
        try:
            return self.cache.read(self.fingerprint, self.file)
        except (OSError, ValueError) as exc:
            raise RenderFailed(SiteError(f"the search index in the build cache is damaged ({exc}); "
                                         "build again with --no-cache")) from exc


def _published(path: str, primary: bool) -> bool:
    if "/" in path:
        return True  # index/, fragment/, filter/
    if path.startswith(_UNUSED_PREFIXES):
        return False
    if path in _RUNTIME or path.startswith("wasm."):
        return primary
    return True  # pagefind-entry.json, the .pf_meta file
