"""The site model: every article in order, tags, pagination. Pure: no I/O, no Jinja."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from operator import attrgetter

from . import urls
from .config import Config
from .content import Article, Content, Page, StaticFile


@dataclass(frozen=True)
class Tag:
    name: str
    slug: str
    articles: tuple[Article, ...]  # newest first

    @property
    def path(self) -> str:
        return urls.tag_path(self.slug)

    @property
    def feed_path(self) -> str:
        return self.path + "feed.xml"


@dataclass(frozen=True)
class ListPage:
    """One page of a paginated list (the front page or a tag)."""

    path: str
    number: int
    count: int
    articles: tuple[Article, ...]
    paths: tuple[str, ...]  # the path of every page of this list, page 1 first


@dataclass(frozen=True)
class Site:
    config: Config
    articles: tuple[Article, ...]  # newest first, ties by URL
    pages: tuple[Page, ...]  # by weight, then title
    tags: tuple[Tag, ...]  # by name
    files: tuple[StaticFile, ...]
    index: tuple[ListPage, ...]
    tag_lists: dict[str, tuple[ListPage, ...]]  # by tag slug

    def tag(self, slug: str) -> Tag:
        for tag in self.tags:
            if tag.slug == slug:
                return tag
        raise KeyError(slug)


def build_site(config: Config, content: Content) -> Site:
    ordered = sorted(content.articles, key=attrgetter("path"))
    # Newest first; stable, so ties stay by URL. By timestamp: the same order as by the (always
    # aware) datetimes, which compare five times slower.
    ordered.sort(key=lambda article: article.date.timestamp(), reverse=True)
    articles = tuple(ordered)
    pages = tuple(sorted(content.pages, key=lambda p: (p.weight, p.title.lower(), p.path)))
    tags = _group_tags(articles)
    return Site(
        config=config,
        articles=articles,
        pages=pages,
        tags=tags,
        files=content.files,
        index=paginate(articles, config.per_page, urls.index_path),
        tag_lists={tag.slug: paginate(tag.articles, config.per_page,
                                      lambda n, slug=tag.slug: urls.tag_path(slug, n)) for tag in tags},
    )


def _group_tags(articles: Sequence[Article]) -> tuple[Tag, ...]:
    """Tags match case-insensitively (by slug); the name shown is the spelling most used."""
    by_slug: dict[str, list[Article]] = {}
    uses: dict[str, int] = {}  # by spelling: the articles that spell it so
    slug_of: dict[str, str] = {}  # a few hundred names, each on thousands of articles
    for article in articles:
        for name in article.tags:
            slug = slug_of.get(name)
            if slug is None:
                slug = slug_of[name] = urls.slugify(name)
            members = by_slug.get(slug)
            if members is None:
                members = by_slug[slug] = []
            elif members[-1] is article:
                continue  # the same tag twice in one article, spelt two ways
            members.append(article)
            uses[name] = uses.get(name, 0) + 1
    spellings: dict[str, list[tuple[int, str]]] = {}
    for name, count in uses.items():
        spellings.setdefault(slug_of[name], []).append((-count, name))
    tags = [Tag(name=min(spellings[slug])[1], slug=slug, articles=tuple(members)) for slug, members in by_slug.items()]
    return tuple(sorted(tags, key=lambda t: (t.name.lower(), t.slug)))


def paginate(articles: tuple[Article, ...], per_page: int, path_of) -> tuple[ListPage, ...]:
    count = max(1, -(-len(articles) // per_page))
    paths = tuple(path_of(n) for n in range(1, count + 1))
    return tuple(
        ListPage(paths[n - 1], n, count, articles[(n - 1) * per_page:n * per_page], paths)
        for n in range(1, count + 1)
    )
