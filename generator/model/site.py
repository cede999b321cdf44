"""The site model: every article in order, and every list of articles (tags, sections, authors,
date archives), each paginated. Pure: no I/O, no Jinja.

Every list is made by one mechanism: a ListKind says which lists an article is on and where
they live; `build_site` groups the articles into them and paginates them, `render.py` plans
their pages and feeds, and `render._showing` finds the list pages an edited article is on.
Adding a kind of list is adding a ListKind to `list_kinds`.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Hashable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from operator import attrgetter
from typing import Any

from .. import dates, urls
from ..config import Config
from ..i18n import N_
from ..read.authors import Author, Authors
from ..read.columns import LazySequence
from ..read.content import Article, Content, Page, StaticFile
from .related import Related


@dataclass(frozen=True)
class ListIndex:
    """The page listing every list of a kind: /tags/, /authors/, /archive/."""

    path: str
    template: str
    title: str  # English texts of the theme's catalogs, translated by plan/render.py
    description: str  # with %(site)s for the site's title


@dataclass(frozen=True)
class ListKind:
    """A kind of list of articles: tags, sections, authors, years, months, days."""

    name: str  # "tags": the key of Site.lists
    template: str  # of each list's pages: "tag.html"
    # What lists an article is on, as raw values (a tag as spelt, a date's (year, month)); each is
    # turned into a list's key and shown name by term_of, once per distinct value.
    raw_of: Callable[[Article], Iterable[Hashable]]
    term_of: Callable[[Any], tuple[str, str]]  # raw value -> (key, name as shown)
    path_of: Callable[[str], str]  # key -> path of the list's first page
    sort_key: Callable[["Term"], Any]  # the order of the kind's lists on its index page
    feeds: bool = True  # an RSS and an Atom feed for each list
    # False: the list's page shows its sub-lists (a year shows its months), not its articles.
    paginated: bool = True
    index: ListIndex | None = None
    variable: str = "term"  # what the list's template calls it: "tag", "section"
    # The pages' meta description: an English text of the theme's catalogs (plan/render.py translates it).
    describe: str = N_("Articles in %(name)s")
    view: str = "term"  # the Views method that shows one: "term", "author", "archive"
    parent: str | None = None  # the kind whose lists hold this kind's (a month is in a year): key "parent/own"


@dataclass(frozen=True)
class ListPage:
    """One page of a paginated list (the front page, a tag, a section, ...)."""

    path: str
    number: int
    count: int
    articles: Sequence[Article]
    paths: Sequence[str]  # the path of every page of this list, page 1 first (PagePaths)


@dataclass(frozen=True)
class Term:
    """One list: a tag, a section, an author, a year, a month or a day."""

    kind: str  # ListKind.name
    key: str  # unique within its kind: "nato", "grace", "2022/02"
    name: str  # as shown: the spelling most articles use
    path: str
    articles: tuple[Article, ...]  # newest first
    feeds: bool
    per_page: int  # 0: one page that shows no articles (a year shows its months)

    @property
    def slug(self) -> str:
        return self.key

    @property
    def feed_path(self) -> str:
        return self.path + "feed.xml"

    @property
    def atom_path(self) -> str:
        return self.path + "atom.xml"

    @functools.cached_property
    def pages(self) -> Sequence[ListPage]:
        """Made when first asked for: an edit's build asks for a few of the site's thousands of lists."""
        if not self.per_page:
            return (ListPage(self.path, 1, 1, (), (self.path,)),)
        return paginate(self.articles, self.per_page, functools.partial(_list_page_path, self.path))


@dataclass(frozen=True)
class Correction:
    """A correction as a list shows it: on the site's corrections page, newest first."""

    article: Article
    number: int  # its index in article.corrections (newest first)


@dataclass(frozen=True)
class Site:
    config: Config
    articles: tuple[Article, ...]  # newest first, ties by URL
    pages: tuple[Page, ...]  # by weight, then title
    files: tuple[StaticFile, ...]
    index: Sequence[ListPage]  # ListPages
    kinds: tuple[ListKind, ...]
    lists: dict[str, tuple[Term, ...]]  # by kind name, in each kind's order
    authors: Authors
    corrections: Sequence[Correction]  # every article's, newest first (a tuple, or loaded when asked: stored.py)
    _terms: dict[tuple[str, str], Term] = field(repr=False, compare=False)
    _children: dict[tuple[str, str], tuple[Term, ...]] = field(repr=False, compare=False)
    _related: Related = field(repr=False, compare=False)

    @property
    def tags(self) -> tuple[Term, ...]:
        return self.lists["tags"]

    def term(self, kind: str, key: str) -> Term:
        return self._terms[kind, key]

    def term_for(self, kind: str, raw: Hashable) -> Term:
        """The list of this kind that a value an article gives (a tag as spelt, an author's name
        or id) stands for, by the kind's own rule."""
        return self.term(kind, self.kind(kind).term_of(raw)[0])

    def children(self, term: Term) -> tuple[Term, ...]:
        """The lists within this one (a year's months, a month's days), oldest first."""
        return self._children.get((term.kind, term.key), ())

    def kind(self, name: str) -> ListKind:
        return next(kind for kind in self.kinds if kind.name == name)

    def terms_of(self, kind: ListKind, article: Article) -> list[Term]:
        """The lists of this kind that the article is on, each once, in the article's order."""
        keys = dict.fromkeys(kind.term_of(raw)[0] for raw in kind.raw_of(article))
        return [self.term(kind.name, key) for key in keys]

    def redirects_part(self) -> str | None:
        """What the plan key holds of the site's redirects, when known without looking at every
        article (a site read from the store keeps it); None: work it out (plan/redirects.py)."""
        return None

    def search_runs(self, size: int) -> "tuple[tuple[str, Sequence[int]], ...] | None":
        """The search index's shards as (key, positions), when known without looking at every
        article (a site read from the store keeps them); None: work them out (plan/search.py)."""
        return None

    def loaded_articles(self) -> Sequence[Article]:
        """The articles in memory: all of them (a site read from the store has only those asked for)."""
        return self.articles

    def aliased(self) -> Sequence[Article]:
        """The articles with old URLs (aliases), each of which gets a redirect page."""
        return [article for article in self.articles if article.aliases]

    def position_of(self, path: str) -> int | None:
        """Where the article at this site path is in `articles`; None: not built."""
        return self._positions.get(path)

    @functools.cached_property
    def _positions(self) -> dict[str, int]:
        return {article.path: i for i, article in enumerate(self.articles)}

    def index_in(self, term: Term, i: int) -> int:
        """Where article i is among the list's articles (it is on the list)."""
        article = self.articles[i]
        return next(k for k, member in enumerate(term.articles) if member is article)

    def related(self, i: int) -> tuple[Article, ...]:
        """Up to 4 articles sharing the most (and rarest) tags with article i, newest first on a tie."""
        return tuple(self.articles[j] for j in self.related_positions(i))

    def related_positions(self, i: int) -> tuple[int, ...]:
        """related(i) as positions in `articles`; worked out once (the plan and the store ask)."""
        known = self._related_known.get(i)
        if known is None:
            known = self._related_known[i] = self._related.of(i)
        return known

    @functools.cached_property
    def _related_known(self) -> dict[int, tuple[int, ...]]:
        return {}

    def showing_as_related(self, i: int) -> tuple[int, ...]:
        """The articles whose related stories include article i."""
        return self._related.showing(i)


def list_kinds(config: Config, authors: Authors) -> tuple[ListKind, ...]:
    """Every kind of list the site has. The date archives keep the /{year}/{month}/{day}/ shape
    whatever the articles' permalink pattern."""
    order = {urls.slugify(name): n for n, name in enumerate(config.sections)}
    language = config.language  # the archives' names: "February 2022", "février 2022" (CLDR, via dates.py)

    def author_term(name: str) -> tuple[str, str]:
        known: Author | None = authors.find(name)
        return (known.id, known.name) if known else (urls.slugify(name), name)

    def by_name(term: Term) -> tuple:
        return term.name.lower(), term.key

    def newest_first(term: Term) -> int:
        return -int(term.key.replace("/", ""))  # "2022/02/28": the keys of one kind are alike

    def archive(name: str, raw_of, term_of, **more) -> ListKind:
        return ListKind(name, "archive.html", raw_of, term_of, lambda key: f"/{key}/", newest_first, feeds=False,
                        variable="archive", describe=N_("Articles from %(name)s"), view="archive", **more)

    return (
        ListKind("tags", "tag.html", attrgetter("tags"), lambda name: (urls.slugify(name), name),
                 urls.tag_path, by_name,
                 index=ListIndex("/tags/", "tags.html", N_("Tags"), N_("Every topic of %(site)s")),
                 variable="tag", describe=N_("Articles tagged %(name)s")),
        ListKind("sections", "section.html", lambda a: (a.category,) if a.category else (),
                 lambda name: (urls.slugify(name), name), lambda key: config.section_url.format(slug=key),
                 lambda term: (order.get(term.key, len(order)), term.name.lower(), term.key),
                 index=ListIndex("/sections/", "sections.html", N_("Sections"), N_("Every section of %(site)s")),
                 variable="section", describe=N_("The latest in %(name)s")),
        ListKind("authors", "author.html", attrgetter("authors"), author_term, lambda key: f"/authors/{key}/",
                 by_name, index=ListIndex("/authors/", "authors.html", N_("Authors"), N_("Every author of %(site)s")),
                 variable="author", describe=N_("Articles by %(name)s"), view="author"),
        archive("years", lambda a: (a.date.year,), lambda y: (f"{y:04d}", f"{y:04d}"), paginated=False,
                index=ListIndex("/archive/", "archive_index.html", N_("Archive"),
                                N_("Every year and month of %(site)s"))),
        archive("months", lambda a: ((a.date.year, a.date.month),),
                lambda ym: (f"{ym[0]:04d}/{ym[1]:02d}", dates.month_name(ym[0], ym[1], language)), parent="years"),
        archive("days", lambda a: ((a.date.year, a.date.month, a.date.day),),
                lambda ymd: (f"{ymd[0]:04d}/{ymd[1]:02d}/{ymd[2]:02d}", dates.date_long(date(*ymd), language)),
                parent="months"),
    )


def build_site(config: Config, content: Content, authors: Authors) -> Site:
    ordered = sorted(content.articles, key=attrgetter("path"))
    # Newest first; stable, so ties stay by URL. By timestamp: the same order as by the (always
    # aware) datetimes, which compare five times slower.
    ordered.sort(key=lambda article: article.date.timestamp(), reverse=True)
    articles = tuple(ordered)
    pages = tuple(sorted(content.pages, key=lambda p: (p.weight, p.title.lower(), p.path)))
    kinds = list_kinds(config, authors)
    lists = {kind.name: _group(kind, articles, config.per_page) for kind in kinds}
    terms = {(term.kind, term.key): term for terms in lists.values() for term in terms}
    children: dict[tuple[str, str], list[Term]] = {}
    for kind in kinds:
        if kind.parent is not None:
            for term in reversed(lists[kind.name]):  # the archives' are newest first: children oldest first
                children.setdefault((kind.parent, term.key.rsplit("/", 1)[0]), []).append(term)
    slug_of = {name: urls.slugify(name) for name in {name for article in articles for name in article.tags}}
    tag_keys = [tuple([slug_of[name] for name in article.tags]) for article in articles]
    return Site(
        config=config, articles=articles, pages=pages, files=content.files,
        index=paginate(articles, config.per_page, urls.index_path),
        kinds=kinds, lists=lists, authors=authors, corrections=_corrections(articles),
        _terms=terms, _children={key: tuple(terms) for key, terms in children.items()},
        _related=Related(tag_keys),
    )


def _group(kind: ListKind, articles: Sequence[Article], per_page: int) -> tuple[Term, ...]:
    """The kind's lists, each with its articles newest first. A list's name is the spelling most of
    its articles use (tags match case-insensitively, by key); ties go to the first in sort order."""
    members_of: dict[str, list[Article]] = {}
    term_of: dict[Hashable, tuple[str, str]] = {}  # a few hundred values, each on thousands of articles
    spelt: dict[str, list[Hashable]] = {}  # the values that name each list
    raw_of = kind.raw_of
    for article in articles:
        for raw in raw_of(article):
            term = term_of.get(raw)
            if term is None:
                term = term_of[raw] = kind.term_of(raw)
                spelt.setdefault(term[0], []).append(raw)
            members = members_of.get(term[0])
            if members is None:
                members_of[term[0]] = [article]
            elif members[-1] is not article:  # else the same list twice in one article, spelt two ways
                members.append(article)
    names: dict[str, str] = {}
    for key, raws in spelt.items():
        if len(raws) == 1:
            names[key] = term_of[raws[0]][1]
            continue
        # Spelt more than one way (NATO, nato): each article votes for the first spelling it uses.
        uses = dict.fromkeys(raws, 0)
        for article in members_of[key]:
            uses[next(raw for raw in raw_of(article) if term_of[raw][0] == key)] += 1
        names[key] = min((-count, term_of[raw][1]) for raw, count in uses.items())[1]
    per_page = per_page if kind.paginated else 0
    terms = [_term(kind.name, key, names[key], kind.path_of(key), tuple(members), kind.feeds, per_page)
             for key, members in members_of.items()]
    terms.sort(key=kind.sort_key)
    return tuple(terms)


def _term(kind: str, key: str, name: str, path: str, articles: tuple[Article, ...], feeds: bool,
          per_page: int) -> Term:
    """A Term made without the frozen dataclass's __init__, which sets each field by a call: a site
    of 10,000 articles has some 5,000 lists, most of them days, and every build makes them all."""
    made = object.__new__(Term)
    made.__dict__.update(kind=kind, key=key, name=name, path=path, articles=articles, feeds=feeds, per_page=per_page)
    return made


def _list_page_path(path: str, number: int) -> str:
    return path if number == 1 else f"{path}page/{number}/"


def _corrections(articles: Sequence[Article]) -> tuple[Correction, ...]:
    found = [Correction(article, n) for article in articles if article.corrections
             for n in range(len(article.corrections))]
    # Newest first; stable, so one article's corrections of the same day stay newest first.
    found.sort(key=lambda c: c.article.corrections[c.number].date.timestamp(), reverse=True)
    return tuple(found)


def paginate(articles: Sequence[Article], per_page: int, path_of: Callable[[int], str]) -> ListPages:
    return ListPages(articles, per_page, path_of)


class PagePaths(LazySequence[str]):
    """The path of each page of a list, page 1 first, each made when asked for."""

    __slots__ = ("_path_of", "_count")

    def __init__(self, path_of: Callable[[int], str], count: int):
        self._path_of, self._count = path_of, count

    def __len__(self) -> int:
        return self._count

    def item(self, n: int) -> str:
        return self._path_of(n + 1)


class ListPages(LazySequence[ListPage]):
    """The pages of one list, each made when asked for, not all at once: an edit's build shows one
    or two pages of each list the article is on, and at a million articles the front page's list
    alone has 100,000 pages (making them all was more than a second of every edit)."""

    __slots__ = ("_articles", "_per_page", "paths")

    def __init__(self, articles: Sequence[Article], per_page: int, path_of: Callable[[int], str]):
        self._articles, self._per_page = articles, per_page
        self.paths = PagePaths(path_of, max(1, -(-len(articles) // per_page)))

    def __len__(self) -> int:
        return len(self.paths)

    def item(self, n: int) -> ListPage:
        start = n * self._per_page
        return ListPage(self.paths[n], n + 1, len(self.paths), self._articles[start:start + self._per_page],
                        self.paths)
