"""The site model: every article in order, tags, pagination. Pure: no I/O, no Jinja."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

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


def build_site(config: Config, content: Content) -> Site:
    articles = tuple(sorted(content.articles, key=lambda a: a.path))
    articles = tuple(sorted(articles, key=lambda a: a.date, reverse=True))  # stable: ties stay by URL
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


def _group_tags(articles: tuple[Article, ...]) -> tuple[Tag, ...]:
    """Tags match case-insensitively (by slug); the name shown is the spelling most used."""
    by_slug: dict[str, list[Article]] = {}
    spellings: dict[str, Counter[str]] = {}
    for article in articles:
        seen: set[str] = set()
        for name in article.tags:
            slug = urls.slugify(name)
            if slug in seen:
                continue
            seen.add(slug)
            members = by_slug.get(slug)
            if members is None:
                members = by_slug[slug] = []
                spellings[slug] = Counter()
            members.append(article)
            spellings[slug][name] += 1
    tags = [
        Tag(name=min(spellings[slug].items(), key=lambda item: (-item[1], item[0]))[0], slug=slug,
            articles=tuple(members))
        for slug, members in by_slug.items()
    ]
    return tuple(sorted(tags, key=lambda t: (t.name.lower(), t.slug)))


def paginate(articles: tuple[Article, ...], per_page: int, path_of) -> tuple[ListPage, ...]:
    count = max(1, -(-len(articles) // per_page))
    paths = tuple(path_of(n) for n in range(1, count + 1))
    return tuple(
        ListPage(paths[n - 1], n, count, articles[(n - 1) * per_page:n * per_page], paths)
        for n in range(1, count + 1)
    )
