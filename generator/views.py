"""What templates see: the site model with URLs made for the page (root prefixed, absolute where needed)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urlsplit

from markupsafe import Markup

from .content import Article, Page
from .site import ListPage, Site, Tag
from .urls import Urls, slugify


@dataclass(frozen=True)
class TagView:
    name: str
    slug: str
    url: str
    feed_url: str
    count: int


@dataclass(frozen=True)
class ArticleView:
    title: str
    url: str
    abs_url: str
    date: datetime
    updated: datetime | None
    authors: tuple[str, ...]
    byline: str
    tags: tuple[TagView, ...]
    category: str | None
    summary_html: Markup
    summary_text: str
    content_html: Markup
    image_url: str | None
    image_alt: str
    reading_minutes: int
    draft: bool
    scheduled: bool


@dataclass(frozen=True)
class PageView:
    title: str
    url: str
    abs_url: str
    content_html: Markup
    summary_text: str


@dataclass(frozen=True)
class PageLink:
    number: int
    url: str


@dataclass(frozen=True)
class PaginationView:
    number: int
    count: int
    prev_url: str | None
    next_url: str | None
    pages: tuple[PageLink, ...]


@dataclass(frozen=True)
class NavItem:
    title: str
    url: str


@dataclass(frozen=True)
class FeedLink:
    title: str
    type: str
    url: str


@dataclass(frozen=True)
class SiteView:
    title: str
    description: str
    language: str
    author: str
    base_url: str
    root: str
    feed_url: str
    atom_url: str
    tags_url: str
    nav: tuple[NavItem, ...]


@dataclass(frozen=True)
class Meta:
    title: str | None
    description: str
    canonical_url: str
    og_type: str
    image_url: str | None
    feeds: tuple[FeedLink, ...]


def byline(names: tuple[str, ...]) -> str:
    if len(names) <= 1:
        return "".join(names)
    return ", ".join(names[:-1]) + " and " + names[-1]


class Views:
    """Builds each view once (an article appears on many list pages)."""

    def __init__(self, site: Site):
        self.site = site
        self.urls = Urls(site.config.base_url, site.config.root)
        origin = urlsplit(site.config.base_url)
        self.origin = f"{origin.scheme}://{origin.netloc}"
        self.tags = {tag.slug: self._tag(tag) for tag in site.tags}
        self._articles: dict[str, ArticleView] = {}
        config = site.config
        self.site_view = SiteView(
            title=config.title, description=config.description, language=config.language,
            author=config.author, base_url=config.base_url, root=config.root,
            feed_url=self.urls.link("feed.xml"), atom_url=self.urls.link("atom.xml"),
            tags_url=self.urls.link("tags/"),
            nav=tuple(NavItem(p.title, self.urls.link(p.path)) for p in site.pages),
        )
        self.site_feeds = (
            FeedLink(f"{config.title} (RSS)", "application/rss+xml", self.urls.absolute("feed.xml")),
            FeedLink(f"{config.title} (Atom)", "application/atom+xml", self.urls.absolute("atom.xml")),
        )

    def absolute(self, link: str) -> str:
        """An absolute URL for a link that may be root-relative already."""
        return self.origin + link if link.startswith("/") else link

    def _tag(self, tag: Tag) -> TagView:
        return TagView(tag.name, tag.slug, self.urls.link(tag.path), self.urls.link(tag.feed_path), len(tag.articles))

    def article(self, article: Article) -> ArticleView:
        view = self._articles.get(article.path)
        if view is None:
            view = ArticleView(
                title=article.title, url=self.urls.link(article.path), abs_url=self.urls.absolute(article.path),
                date=article.date, updated=article.updated, authors=article.authors,
                byline=byline(article.authors),
                tags=tuple(self.tags[slugify(name)] for name in _unique_slugs(article.tags)),
                category=article.category, summary_html=Markup(article.summary_html),
                summary_text=article.summary_text, content_html=Markup(article.content_html),
                image_url=article.image, image_alt=article.image_alt, reading_minutes=article.reading_minutes,
                draft=article.draft, scheduled=article.scheduled,
            )
            self._articles[article.path] = view
        return view

    def page(self, page: Page) -> PageView:
        return PageView(page.title, self.urls.link(page.path), self.urls.absolute(page.path),
                        Markup(page.content_html), page.summary_text)

    def pagination(self, list_page: ListPage) -> PaginationView:
        links = tuple(PageLink(n, self.urls.link(p)) for n, p in enumerate(list_page.paths, start=1))
        n = list_page.number
        return PaginationView(
            number=n, count=list_page.count,
            prev_url=links[n - 2].url if n > 1 else None,
            next_url=links[n].url if n < list_page.count else None,
            pages=links,
        )

    def meta(self, path: str, title: str | None, description: str, og_type: str = "website",
             image: str | None = None, extra_feeds: tuple[FeedLink, ...] = ()) -> Meta:
        return Meta(
            title=title, description=description or self.site.config.description,
            canonical_url=self.urls.absolute(path), og_type=og_type,
            image_url=self.absolute(image) if image else None, feeds=self.site_feeds + extra_feeds,
        )


def _unique_slugs(names: tuple[str, ...]) -> list[str]:
    seen: dict[str, str] = {}
    for name in names:
        seen.setdefault(slugify(name), name)
    return list(seen.values())
