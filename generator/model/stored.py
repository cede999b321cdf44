"""The site model as the last build made it, read from its store (write/site_store.py) only
where an edit's build looks: the same Site, whose articles and lists are loaded when first asked
for. An edit that changes what one article shows, and nothing else, plans a few dozen files
(render.Around): those are all it loads, however large the archive.

Pure but for the records it is given, which say what the store holds.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol, overload

from .. import urls
from ..config import Config
from ..read.authors import Authors
from ..read.columns import LazySequence
from ..read.content import Article, Page, StaticFile
from .site import Correction, ListKind, Site, Term, _term, list_kinds, paginate


@dataclass(frozen=True)
class TermRecord:
    """One list as the store keeps it: its articles as positions in the site's order."""

    kind: str
    key: str
    name: str
    path: str
    feeds: bool
    per_page: int
    members: Sequence[int]  # positions, newest first
    children: tuple[str, ...]  # the keys of the lists within it (a year's months), oldest first


@dataclass(frozen=True)
class SiteRecords:
    """What the store gives for the whole site; the rest is asked for as needed (Records)."""

    count: int  # articles built
    pages: tuple[Page, ...]
    files: tuple[StaticFile, ...]
    corrections: tuple[tuple[int, int], ...]  # (position, number), in the site's order
    aliased: tuple[int, ...]  # the positions of the articles with aliases
    # The search index's shards (plan/search.shards_of) as (key, positions), for this shard size.
    search_runs: tuple[tuple[str, tuple[int, ...]], ...] = ()
    search_shard_size: int = 0
    # What the plan key holds of the site's redirects (plan/redirects.py: Redirects.plan_part):
    # an edit changes no alias (content._place), so it need not load every aliased article.
    redirects_part: str | None = None




class Records(Protocol):
    def article(self, position: int) -> Article: ...

    def articles(self, positions: Sequence[int]) -> list[Article]: ...

    def loaded(self) -> list[Article]: ...

    def term(self, kind: str, key: str) -> TermRecord | None: ...

    def terms(self, kind: str) -> list[TermRecord]: ...

    def related(self, position: int) -> tuple[int, ...]: ...

    def showing(self, position: int) -> tuple[int, ...]: ...  # the articles whose related stories hold it

    def position_of(self, path: str) -> int | None: ...


class LazyArticles(Sequence[Article]):
    """Articles at these positions of the site's order, each loaded when first asked for (the
    records keep what they loaded). A slice is another LazyArticles: nothing is loaded to paginate."""

    __slots__ = ("positions", "_records")

    def __init__(self, positions: Sequence[int], records: Records):
        self.positions = positions
        self._records = records

    def __len__(self) -> int:
        return len(self.positions)

    @overload
    def __getitem__(self, index: int) -> Article: ...

    @overload
    def __getitem__(self, index: slice) -> "LazyArticles": ...

    def __getitem__(self, index):
        if isinstance(index, slice):
            return LazyArticles(self.positions[index], self._records)
        return self._records.article(self.positions[index])

    def __iter__(self) -> Iterator[Article]:
        # In growing batches: a loop that stops early (the news sitemap's last 48 hours) loads
        # little, one that goes through thousands does it in a few queries.
        start, batch = 0, 16
        while start < len(self.positions):
            yield from self._records.articles(self.positions[start:start + batch])
            start, batch = start + batch, min(batch * 4, 4096)

    def __repr__(self) -> str:
        return f"LazyArticles({len(self.positions)} articles)"


class LazyCorrections(LazySequence[Correction]):
    """The site's corrections, each article loaded when asked for: an edit plans the corrections
    page only when an edited article has corrections, and an archive may hold thousands."""

    __slots__ = ("_found", "_records")

    def __init__(self, found: Sequence[tuple[int, int]], records: Records):
        self._found = found  # (position, number), in the site's order
        self._records = records

    def __len__(self) -> int:
        return len(self._found)

    def item(self, n: int) -> Correction:
        position, number = self._found[n]
        return Correction(self._records.article(position), number)

    def __iter__(self) -> Iterator[Correction]:
        articles = LazyArticles([position for position, _ in self._found], self._records)  # loaded in batches
        return (Correction(article, number) for article, (_, number) in zip(articles, self._found))


@dataclass(frozen=True)
class StoredSite(Site):
    """A Site whose parts are read from the records when asked for."""

    _records: Records
    _whole: SiteRecords
    _made: dict  # terms made so far, by (kind, key)

    def term(self, kind: str, key: str) -> Term:
        return self._made_term(kind, key)

    def children(self, term: Term) -> tuple[Term, ...]:
        record = self._record(term.kind, term.key)
        child = next(k.name for k in self.kinds if k.parent == term.kind) if record.children else ""
        return tuple(self._made_term(child, key) for key in record.children)

    def related(self, i: int) -> tuple[Article, ...]:
        return tuple(self.articles[j] for j in self._records.related(i))

    def showing_as_related(self, i: int) -> tuple[int, ...]:
        return self._records.showing(i)

    def position_of(self, path: str) -> int | None:
        return self._records.position_of(path)

    def loaded_articles(self) -> list[Article]:
        return self._records.loaded()

    def aliased(self) -> list[Article]:
        return [self.articles[i] for i in self._whole.aliased]

    def redirects_part(self) -> str | None:
        return self._whole.redirects_part

    def search_runs(self, size: int) -> tuple[tuple[str, Sequence[int]], ...] | None:
        whole = self._whole
        return whole.search_runs if whole.search_shard_size == size else None

    def articles_at(self, positions: Sequence[int]) -> LazyArticles:
        return LazyArticles(positions, self._records)

    def index_in(self, term: Term, i: int) -> int:
        positions = term.articles.positions  # type: ignore[attr-defined]
        return positions.index(i)

    def _record(self, kind: str, key: str) -> TermRecord:
        record = self._records.term(kind, key)
        if record is None:
            raise KeyError((kind, key))
        return record

    def _made_term(self, kind: str, key: str, record: TermRecord | None = None) -> Term:
        made = self._made.get((kind, key))
        if made is None:
            record = record or self._record(kind, key)
            made = self._made[kind, key] = _term(kind, key, record.name, record.path,
                                                 LazyArticles(record.members, self._records),  # type: ignore[arg-type]
                                                 record.feeds, record.per_page)
        return made


class _Lists(Mapping[str, tuple[Term, ...]]):
    """Site.lists, each kind's read when first asked for (the site's navigation asks for sections)."""

    def __init__(self, kinds: tuple[ListKind, ...], records: Records, make: Callable[..., Term]):
        self._kinds = [kind.name for kind in kinds]
        self._records = records
        self._make = make
        self._read: dict[str, tuple[Term, ...]] = {}

    def __getitem__(self, kind: str) -> tuple[Term, ...]:
        if kind not in self._kinds:
            raise KeyError(kind)
        if kind not in self._read:
            self._read[kind] = tuple(self._make(kind, record.key, record) for record in self._records.terms(kind))
        return self._read[kind]

    def __iter__(self) -> Iterator[str]:
        return iter(self._kinds)

    def __len__(self) -> int:
        return len(self._kinds)


def stored_site(config: Config, authors: Authors, whole: SiteRecords, records: Records) -> StoredSite:
    """The site as the records hold it. The caller has put any article edited since into the
    records (they load it as it is now)."""
    kinds = list_kinds(config, authors)
    everything = LazyArticles(range(whole.count), records)
    made: dict = {}
    site = StoredSite(
        config=config, articles=everything, pages=whole.pages, files=whole.files,  # type: ignore[arg-type]
        index=paginate(everything, config.per_page, urls.index_path),  # type: ignore[arg-type]
        kinds=kinds, lists={}, authors=authors,
        corrections=LazyCorrections(whole.corrections, records),  # type: ignore[arg-type]
        _terms={}, _children={}, _related=None,  # type: ignore[arg-type]
        _records=records, _whole=whole, _made=made)
    object.__setattr__(site, "lists", _Lists(kinds, records, site._made_term))
    return site


class MemoryRecords:
    """Records of a site model in memory (the preview's last rebuild), with the articles edited
    since put in: what `serve` plans an edit from, as `build` does from the store."""

    def __init__(self, site: Site):
        self._site = site
        self._edited: dict[int, Article] = {}
        self._loaded: list[Article] | None = None
        # Worked out once for all the edits planned from this model: none moves an article.
        self._whole: SiteRecords | None = None
        self._terms: dict[tuple[str, str], TermRecord] = {}
        self._showing: dict[int, tuple[int, ...]] = {}

    def put(self, position: int, article: Article) -> None:
        self._edited[position] = article
        self._loaded = None

    def article(self, position: int) -> Article:
        edited = self._edited.get(position)
        return edited if edited is not None else self._site.articles[position]

    def articles(self, positions: Sequence[int]) -> list[Article]:
        return [self.article(position) for position in positions]

    def loaded(self) -> list[Article]:
        if self._loaded is None:
            self._loaded = self.articles(range(len(self._site.articles)))
        return self._loaded

    def term(self, kind: str, key: str) -> TermRecord | None:
        try:
            term = self._site.term(kind, key)
        except KeyError:
            return None
        return self._record(term)

    def terms(self, kind: str) -> list[TermRecord]:
        return [self._record(term) for term in self._site.lists[kind]]

    def _record(self, term: Term) -> TermRecord:
        known = self._terms.get((term.kind, term.key))
        if known is None:
            position = self._site.position_of
            known = self._terms[term.kind, term.key] = TermRecord(
                term.kind, term.key, term.name, term.path, term.feeds, term.per_page,
                [position(article.path) for article in term.articles],  # type: ignore[misc]
                tuple(child.key for child in self._site.children(term)))
        return known

    def related(self, position: int) -> tuple[int, ...]:
        return self._site.related_positions(position)

    def showing(self, position: int) -> tuple[int, ...]:
        if position not in self._showing:
            self._showing[position] = self._site.showing_as_related(position)
        return self._showing[position]

    def position_of(self, path: str) -> int | None:
        return self._site.position_of(path)

    def whole(self) -> SiteRecords:
        if self._whole is None:  # the same for every edit: none moves an article
            self._whole = site_records(self._site)
        return self._whole


def site_records(site: Site) -> SiteRecords:
    """What a store keeps of the whole site model."""
    from ..plan import redirects
    from ..plan.search import shards_of  # the plan's own rule, kept with the site it was worked out for

    position = site.position_of
    size = site.config.search.shard_size
    runs = tuple((shard.key, tuple(position(a.path) for a in shard.articles))  # type: ignore[misc]
                 for shard in shards_of(site.articles, size))
    return SiteRecords(len(site.articles), site.pages, site.files,
                       tuple((position(c.article.path), c.number) for c in site.corrections),  # type: ignore[misc]
                       tuple(position(a.path) for a in site.aliased()), runs, size,  # type: ignore[misc]
                       redirects.of_site(site).plan_part)
