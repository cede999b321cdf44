"""What templates see: the site model with URLs made for the page (root prefixed, absolute where needed)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urlsplit

from markupsafe import Markup

from ..i18n import Localization
from ..media.responsive import ShareCards
from ..media.sizes import image_size
from ..model.site import ListPage, Site, Term
from ..read.content import Article, Page
from ..read.markup import MarkdownRenderer, renderer_for
from ..urls import CORRECTIONS_PATH, Urls, slugify
from . import recent


@dataclass(frozen=True)
class TermView:
    """A list (tag, section, author, archive) as a link: tag pages, indexes, the navigation."""

    name: str
    slug: str
    url: str
    feed_url: str | None  # RSS, for the kinds that have feeds
    atom_url: str | None
    count: int


@dataclass(frozen=True)
class Link:
    name: str
    url: str


@dataclass(frozen=True)
class AuthorRef:
    """An author in a byline."""

    name: str
    url: str
    role: str


@dataclass(frozen=True)
class ProfileLink:
    label: str
    url: str


@dataclass(frozen=True)
class AuthorView(TermView):
    """An author's page: the list, and what authors.yaml says (name alone for an author it does not)."""

    role: str
    bio_html: Markup
    photo_url: str | None
    photo_width: int | None  # the photo's intrinsic size, when it could be read (media/sizes.py)
    photo_height: int | None
    email: str
    website: str
    links: tuple[ProfileLink, ...]
    known: bool


@dataclass(frozen=True)
class ArchiveView(TermView):
    level: str  # "year", "month" or "day"
    year: int
    month: int | None
    day: int | None
    trail: tuple["NavItem", ...]  # from the archive index down to this page
    months: tuple[TermView, ...]  # of a year, oldest first
    days: tuple[TermView, ...]  # of a month, oldest first


@dataclass(frozen=True)
class CorrectionView:
    date: datetime
    html: Markup


@dataclass(frozen=True)
class CorrectionEntry:
    """A correction on the site's corrections page."""

    date: datetime
    html: Markup
    article: "ArticleTeaser"


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
    authors: tuple[AuthorRef, ...]
    byline: str
    tags: tuple[TermView, ...]
    category: str | None
    section: Link | None
    summary_html: Markup
    summary_text: str
    image_url: str | None
    image_alt: str
    image_width: int | None  # the lead image's intrinsic size, for a file under content/ whose size is known
    image_height: int | None
    reading_minutes: int
    draft: bool
    scheduled: bool


@dataclass(frozen=True)
class ArticleView(ArticleTeaser):
    """An article on its own page: the teaser and its body."""

    content_html: Markup
    content_digest: str
    corrections: tuple[CorrectionView, ...]  # newest first
    # The summary above the story when the front matter gives one; empty when the summary is the
    # story's own first paragraph (or its text before `<!-- more -->`): it is not printed twice.
    standfirst_html: Markup
    image_caption: str | None = None  # the lead image's caption and credit (front matter), typeset
    image_credit: str | None = None


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
    # Pages are left out between the previous link and this one (pagination shows a gap): worked
    # out here, since Jinja's `loop.previtem` costs a loop object on every list page.
    gap_before: bool = False


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
    sections_url: str
    authors_url: str
    archive_url: str
    corrections_url: str
    nav: tuple[NavItem, ...]  # the pages
    sections: tuple[NavItem, ...]  # in the site's order
    direction: str = "ltr"  # of the language's script: "rtl" for Arabic, Hebrew, Persian, Urdu
    # The links of the main navigation (home, sections, pages, tags): a page whose url is one of
    # them is marked as the current one there. A tuple, not a set: the view is part of every
    # page's fingerprint, by its repr, and a set's order changes from one process to the next.
    nav_urls: tuple[str, ...] = ()
    search_url: str | None = None  # the search page, when the site has search


@dataclass(frozen=True)
class Meta:
    title: str | None
    description: str
    canonical_url: str | None
    og_type: str
    url: str | None  # the page's own link, as the site links it (root-relative); None as canonical_url
    image_url: str | None
    feeds: tuple[FeedLink, ...]
    # The share card's size when the image is one (og:image:width, og:image:height), and the
    # article's image_alt when the image is the article's own (og:image:alt, twitter:image:alt).
    image_width: int | None = None
    image_height: int | None = None
    image_alt: str = ""


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


def byline(names: tuple[str, ...], localization: Localization | None = None) -> str:
    """"A, B and C", as the site's language lists names (CLDR's list patterns)."""
    return (localization or Localization.english()).join(names)


class Views:
    """Builds each view once (an article appears on many list pages)."""

    def __init__(self, site: Site, localization: Localization | None = None, search_path: str | None = None):
        self.site = site
        self.localization = loc = localization or Localization.english()
        self.urls = Urls(site.config.base_url, site.config.root)
        origin = urlsplit(site.config.base_url)
        self.origin = f"{origin.scheme}://{origin.netloc}"
        # Then an absolute URL is the origin and the link, which is already percent-encoded.
        self._origin_and_root = site.config.base_url == self.origin + site.config.root
        self.tags = {tag.key: self.term(tag) for tag in site.tags}
        # By the article's path; the last few thousand (see recent.py): what the lists and the
        # cached cards of a worker ask for again.
        self._teasers: recent.Recent[str, ArticleTeaser] = recent.Recent(recent.per_article())
        # Bylines and kickers by the name as the article spells it: a few dozen names on thousands of cards.
        self._author_refs: dict[str, AuthorRef] = {}
        # And each byline's refs as one tuple, shared by the articles that name the same authors:
        # the theme's byline is made once for each (_macros.html, `cached`).
        self._bylines: dict[tuple[str, ...], tuple[AuthorRef, ...]] = {}
        self._sections: dict[str, Link] = {}
        # An author's or an archive period's view by its key: shown on each page of its list, and
        # worked out once (an author's photo is measured, the bio rendered).
        self._authors: dict[str, AuthorView] = {}
        self._archives: dict[str, ArchiveView] = {}
        # A list's feeds by its path, and a page's (the site's, then the list's) by the list's feeds'
        # id, the list's feeds kept with them: see term_feeds and page_feeds.
        self._term_feeds: dict[str, tuple[FeedLink, ...]] = {}
        self._page_feeds: dict[int, tuple[tuple[FeedLink, ...], tuple[FeedLink, ...]]] = {}
        self._markdown: MarkdownRenderer | None = None
        config = site.config
        pages = tuple(NavItem(p.title, self.urls.link(p.path)) for p in site.pages)
        sections = tuple(NavItem(t.name, self.urls.link(t.path)) for t in site.lists["sections"])
        tags_url = self._index_url("tags")
        self.site_view = SiteView(
            title=config.title, description=config.description, language=config.language,
            author=config.author, base_url=config.base_url, root=config.root,
            feed_url=self.urls.link("feed.xml"), atom_url=self.urls.link("atom.xml"),
            tags_url=tags_url, sections_url=self._index_url("sections"),
            authors_url=self._index_url("authors"), archive_url=self._index_url("years"),
            corrections_url=self.urls.link(CORRECTIONS_PATH), nav=pages, sections=sections,
            direction=loc.direction,
            nav_urls=(config.root, *(item.url for item in sections + pages), tags_url),
            search_url=self.urls.link(search_path) if search_path else None,
        )
        self.site_feeds = (
            FeedLink(f"{config.title} (RSS)", "application/rss+xml", self.urls.absolute("feed.xml")),
            FeedLink(f"{config.title} (Atom)", "application/atom+xml", self.urls.absolute("atom.xml")),
        )

    def _index_url(self, kind: str) -> str:
        index = self.site.kind(kind).index
        assert index is not None
        return self.urls.link(index.path)

    def absolute(self, link: str) -> str:
        """An absolute URL for a link that may be root-relative already."""
        return self.origin + link if link.startswith("/") else link

    def term(self, term: Term) -> TermView:
        """Any list as a link, with its count and feeds."""
        link = self.urls.link
        return TermView(term.name, term.key, link(term.path), link(term.feed_path) if term.feeds else None,
                        link(term.atom_path) if term.feeds else None, len(term.articles))

    def term_feeds(self, term: Term) -> tuple[FeedLink, ...]:
        """A list's feeds, made once: the same tuple on each of its pages, whose <head> and footer
        the theme makes once for it (`cached`, by the very object)."""
        feeds = self._term_feeds.get(term.path)
        if feeds is None:
            feeds = self._term_feeds[term.path] = self._make_term_feeds(term)
        return feeds

    def _make_term_feeds(self, term: Term) -> tuple[FeedLink, ...]:
        if not term.feeds:
            return ()
        title = self.feed_title(term)
        return (FeedLink(f"{title} (RSS)", "application/rss+xml", self.urls.absolute(term.feed_path)),
                FeedLink(f"{title} (Atom)", "application/atom+xml", self.urls.absolute(term.atom_path)))

    def feed_title(self, term: Term) -> str:
        """A list's feeds' title: "Broadsheet Daily: Politics" ("Broadsheet Daily : Politique")."""
        return self.localization.gettext("%(site)s: %(name)s") % {"site": self.site.config.title, "name": term.name}

    def author(self, term: Term) -> AuthorView:
        view = self._authors.get(term.key)
        if view is None:
            view = self._authors[term.key] = self._author(term)
        return view

    def _author(self, term: Term) -> AuthorView:
        known = self.site.authors.by_id.get(term.key)
        plain = vars(self.term(term))
        if known is None:
            return AuthorView(**plain, role="", bio_html=Markup(""), photo_url=None, photo_width=None,
                              photo_height=None, email="", website="", links=(), known=False)
        width, height = self.photo_size(known.photo) or (None, None)
        return AuthorView(
            **plain, role=known.role, bio_html=Markup(self._render(known.bio) if known.bio else ""),
            photo_url=self.urls.link(known.photo) if known.photo else None, photo_width=width,
            photo_height=height, email=known.email,
            website=known.url, links=tuple(ProfileLink(label, url) for label, url in known.links), known=True)

    def photo_size(self, photo: str | None) -> tuple[int, int] | None:
        """An author's photo's intrinsic size (authors.yaml gives its path inside content/)."""
        return image_size(self.site.config.content_dir / photo) if photo else None

    def archive(self, term: Term) -> ArchiveView:
        view = self._archives.get(term.key)
        if view is None:
            view = self._archives[term.key] = self._archive(term)
        return view

    def _archive(self, term: Term) -> ArchiveView:
        parts = [int(part) for part in term.key.split("/")]
        level = ("year", "month", "day")[len(parts) - 1]
        trail = [NavItem(self.localization.gettext("Archive"), self.site_view.archive_url)]
        for depth in range(1, len(parts) + 1):
            above = self.site.term(("years", "months", "days")[depth - 1], "/".join(term.key.split("/")[:depth]))
            trail.append(NavItem(above.name, self.urls.link(above.path)))
        below = tuple(map(self.term, self.site.children(term)))
        return ArchiveView(**vars(self.term(term)), level=level, year=parts[0],
                           month=parts[1] if len(parts) > 1 else None, day=parts[2] if len(parts) > 2 else None,
                           trail=tuple(trail), months=below if level == "year" else (),
                           days=below if level == "month" else ())

    def _render(self, markdown_text: str) -> str:
        if self._markdown is None:
            self._markdown = renderer_for(self.site.config.markdown)
        return self._markdown.render(markdown_text, None).html

    def author_refs(self, article: Article) -> tuple[AuthorRef, ...]:
        refs = self._bylines.get(article.authors)
        if refs is None:
            refs = self._bylines[article.authors] = self._refs(article.authors)
        return refs

    def _refs(self, names: tuple[str, ...]) -> tuple[AuthorRef, ...]:
        refs: list[AuthorRef] = []
        for name in names:
            ref = self._author_refs.get(name)
            if ref is None:
                term = self.site.term_for("authors", name)
                known = self.site.authors.by_id.get(term.key)
                ref = self._author_refs[name] = AuthorRef(term.name, self.urls.link(term.path),
                                                          known.role if known else "")
            if ref not in refs:
                refs.append(ref)
        return tuple(refs)

    def section(self, article: Article) -> Link | None:
        name = article.category
        if name is None:
            return None
        link = self._sections.get(name)
        if link is None:
            term = self.site.term_for("sections", name)
            link = self._sections[name] = Link(term.name, self.urls.link(term.path))
        return link

    def teaser(self, article: Article) -> ArticleTeaser:
        teaser = self._teasers.get(article.path)
        if teaser is None:
            url = self.urls.link(article.path)
            authors = self.author_refs(article)
            teaser = ArticleTeaser(
                title=article.title, url=url,
                abs_url=self.origin + url if self._origin_and_root else self.urls.absolute(article.path),
                date=article.date, updated=article.updated, authors=authors,
                byline=self.localization.join(tuple(a.name for a in authors)),
                # one view per slug, in the order the article gives its tags
                tags=tuple(map(self.tags.__getitem__, dict.fromkeys(map(slugify, article.tags)))),
                category=article.category, section=self.section(article), summary_html=Markup(article.summary_html),
                summary_text=article.summary_text, image_url=article.image, image_alt=article.image_alt,
                image_width=article.image_size[0] if article.image_size else None,
                image_height=article.image_size[1] if article.image_size else None,
                reading_minutes=article.reading_minutes, draft=article.draft, scheduled=article.scheduled,
            )
            self._teasers.put(article.path, teaser)
        return teaser

    def article(self, article: Article) -> ArticleView:
        # A teaser's __dict__ is its fields (a dataclass without slots): cheaper than dataclasses.fields().
        return ArticleView(**vars(self.teaser(article)),
                           content_html=Markup(article.content_html), content_digest=article.content_digest,
                           corrections=tuple(CorrectionView(c.date, Markup(c.html)) for c in article.corrections),
                           standfirst_html=Markup(article.summary_html if article.summary_given else ""),
                           image_caption=article.image_caption, image_credit=article.image_credit)

    def corrections(self) -> list[CorrectionEntry]:
        return [CorrectionEntry(c.article.corrections[c.number].date, Markup(c.article.corrections[c.number].html),
                                self.teaser(c.article)) for c in self.site.corrections]

    def page(self, page: Page) -> PageView:
        return PageView(page.title, self.urls.link(page.path), self.urls.absolute(page.path),
                        Markup(page.content_html), page.summary_text)

    def pagination(self, list_page: ListPage) -> PaginationView:
        n, count = list_page.number, list_page.count
        return PaginationView(
            number=n, count=count,
            prev_url=self.urls.link(list_page.paths[n - 2]) if n > 1 else None,
            next_url=self.urls.link(list_page.paths[n]) if n < count else None,
            pages=self._page_links(list_page),
        )

    def _page_links(self, list_page: ListPage) -> tuple[PageLink, ...]:
        numbers = page_window(list_page.number, list_page.count)
        return tuple(PageLink(k, self.urls.link(list_page.paths[k - 1]), i > 0 and k > numbers[i - 1] + 1)
                     for i, k in enumerate(numbers))

    def meta(self, path: str | None, title: str | None, description: str, og_type: str = "website",
             image: str | None = None, extra_feeds: tuple[FeedLink, ...] = (), image_alt: str = "",
             card: ShareCards | None = None) -> Meta:
        """path None: a page with no address of its own (the 404 page), so no canonical link.
        card: the image's share cards, when it has them: the 1200×630 one is the page's image."""
        image_url = self.absolute(card.card.url) if card else self.share_image_url(image)
        # The alt text describes the article's picture, not the site's default share_image.
        own = card is not None or (image is not None and image_url == self.absolute(image))
        return Meta(
            title=title, description=description or self.site.config.description,
            canonical_url=self.urls.absolute(path) if path is not None else None, og_type=og_type,
            url=self.urls.link(path) if path is not None else None,
            image_url=image_url, feeds=self.page_feeds(extra_feeds),
            image_width=card.card.width if card else None, image_height=card.card.height if card else None,
            image_alt=image_alt if own else "",
        )

    def page_feeds(self, extra_feeds: tuple[FeedLink, ...]) -> tuple[FeedLink, ...]:
        """The site's feeds, then a list's: one tuple for every page showing the same ones, so that
        the theme's feed links are made once for each (`cached` matches arguments by identity)."""
        if not extra_feeds:
            return self.site_feeds
        kept = self._page_feeds.get(id(extra_feeds))
        if kept is None or kept[0] is not extra_feeds:
            kept = self._page_feeds[id(extra_feeds)] = (extra_feeds, self.site_feeds + extra_feeds)
        return kept[1]

    def share_image_url(self, image: str | None) -> str | None:
        """The page's image for social cards: its own if it is a raster image (social sites reject
        SVG), else the site's share_image (a file under content/), else none."""
        if image and not urlsplit(image).path.lower().endswith((".svg", ".svgz")):
            return self.absolute(image)
        share = self.site.config.share_image
        return self.urls.absolute(share) if share else None
