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
class ArticleTeaser:
    """An article as lists and previous/next links show it: everything but its body.

    Pages that show an article this way do not depend on its body, so editing
    the body does not re-render them."""

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
    image_url: str | None
    image_alt: str
    reading_minutes: int
    draft: bool
    scheduled: bool


@dataclass(frozen=True)
class ArticleView(ArticleTeaser):
    """An article on its own page: the teaser and its body."""

    content_html: Markup
    content_digest: str


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


def page_window(number: int, count: int) -> list[int]:
    """The page numbers to link: the first, the last, and two either side of this one
    (a gap of a single page is filled in rather than shown as a gap). A fixed number of
    links per page: a list of 1,000 pages must not give every page 1,000 links."""
    shown = {1, count, *range(max(1, number - 2), min(count, number + 2) + 1)}
    if 3 in shown:
        shown.add(2)
    if count - 2 in shown:
        shown.add(count - 1)
    return sorted(k for k in shown if 1 <= k <= count)


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
        # Then an absolute URL is the origin and the link, which is already percent-encoded.
        self._origin_and_root = site.config.base_url == self.origin + site.config.root
        self.tags = {tag.slug: self._tag(tag) for tag in site.tags}
        self._teasers: dict[str, ArticleTeaser] = {}
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

    def teaser(self, article: Article) -> ArticleTeaser:
        teaser = self._teasers.get(article.path)
        if teaser is None:
            url = self.urls.link(article.path)
            teaser = ArticleTeaser(
                title=article.title, url=url,
                abs_url=self.origin + url if self._origin_and_root else self.urls.absolute(article.path),
                date=article.date, updated=article.updated, authors=article.authors,
                byline=byline(article.authors),
                # one view per slug, in the order the article gives its tags
                tags=tuple(map(self.tags.__getitem__, dict.fromkeys(map(slugify, article.tags)))),
                category=article.category, summary_html=Markup(article.summary_html),
                summary_text=article.summary_text, image_url=article.image, image_alt=article.image_alt,
                reading_minutes=article.reading_minutes, draft=article.draft, scheduled=article.scheduled,
            )
            self._teasers[article.path] = teaser
        return teaser

    def article(self, article: Article) -> ArticleView:
        # A teaser's __dict__ is its fields (a dataclass without slots): cheaper than dataclasses.fields().
        return ArticleView(**vars(self.teaser(article)),
                           content_html=Markup(article.content_html), content_digest=article.content_digest)

    def page(self, page: Page) -> PageView:
        return PageView(page.title, self.urls.link(page.path), self.urls.absolute(page.path),
                        Markup(page.content_html), page.summary_text)

    def pagination(self, list_page: ListPage) -> PaginationView:
        n, count = list_page.number, list_page.count
        return PaginationView(
            number=n, count=count,
            prev_url=self.urls.link(list_page.paths[n - 2]) if n > 1 else None,
            next_url=self.urls.link(list_page.paths[n]) if n < count else None,
            pages=tuple(PageLink(k, self.urls.link(list_page.paths[k - 1])) for k in page_window(n, count)),
        )

    def meta(self, path: str, title: str | None, description: str, og_type: str = "website",
             image: str | None = None, extra_feeds: tuple[FeedLink, ...] = ()) -> Meta:
        return Meta(
            title=title, description=description or self.site.config.description,
            canonical_url=self.urls.absolute(path), og_type=og_type,
            image_url=self.absolute(image) if image else None, feeds=self.site_feeds + extra_feeds,
        )
