"""Plan every file of the site: its path, a fingerprint of everything its bytes depend on,
and how to make them. Nothing is rendered here: the writer renders only the files whose
fingerprint changed since the last build (and so knows how many were re-rendered)."""

from __future__ import annotations

import dataclasses
import hashlib
import marshal
import os
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any
from urllib.parse import quote

import jinja2

from .. import __version__, urls
from ..config import BuildOptions, Config
from ..errors import SiteError, StoreDamaged
from ..media import is_raster
from ..media.responsive import Responsive, ShareCards, Variant, VariantCache, responsive_for, save_facts
from ..model.site import ListKind, ListPage, Site, Term
from ..read.content import Article
from ..read.inputs import code_key
from ..urls import slugify
from ..write.cache import cache_file
from ..write.output import Made, OutputFile, RenderFailed
from ..search.cache import ShardCache
from . import feeds, redirects, search
from .image_users import ImageUsers
from .structured_data import StructuredData
from .theme import Theme, localization_of, template_error
from .views import Views


@dataclass(frozen=True)
class Around:
    """The articles whose source changed since the last build, when nothing else did: no article
    added, removed or moved (same URL, dates, tags and draft flag), no page, setting or template."""

    paths: tuple[str, ...]
    plan_key: str  # the last build's global key: the page fingerprints in its manifest start from it


def render_site(site: Site, theme: Theme, env: jinja2.Environment, options: BuildOptions,
                around: Around | None = None, now: datetime | None = None,
                search_cache: ShardCache | None = None, around_only: bool = False) -> Plan | None:
    """Plan every file. A file's fingerprint is worked out from the site model (cheap); the views
    its template sees are built only if it has to be rendered.

    With around, and the same global key as then, only the files that show one of those
    articles are planned: its page and its neighbours' (their previous/next links), the pages
    showing it among their related stories, the list pages it is on and the feeds that carry it.
    No other file's fingerprint can have changed: each one is made from the same key and from
    articles that did not change, and the lists, the indexes and the sitemap are placed by URLs,
    dates, tags, sections and authors, which did not either. The news sitemap is planned either
    way (it holds only the last 48 hours' articles, as of now: the build time), and so are the
    search index's shards that hold them (plan/search.py).

    search_cache: where the search index's shards are kept; None: the site has no search.
    around_only: None rather than every file when the files around cannot be planned alone (a
    site read from the store holds what an edit touches, and would load all of it)."""
    now = now or datetime.now(timezone.utc)
    feeds.forget_bodies()  # each build reads the bodies it shows afresh (a damaged one is then found)
    loc = localization_of(env)  # the texts made here (titles, feed titles) in the site's language
    views = Views(site, loc, search.SEARCH_PATH if search_cache is not None else None)
    searching = search.SearchIndex(site, views, loc, search_cache) if search_cache is not None else None
    digests = _Digests(site, views)
    structured = StructuredData(views)
    renderer = _PageRenderer(env, views, theme, _global_key(site.config, theme, options, views, loc.key))
    env.globals.update(responsive=digests.pictures)  # the images' variants, for the templates' <picture>
    config = site.config
    articles = site.articles
    teaser = digests.teaser

    def shown(path: Path | str) -> str:
        return redirects.source_as_shown(path, site)

    # The pages made by the thousand take their context from a function of a few values, not from
    # a closure each (see _Page): a function and its cells cost some 400 bytes a page.
    def index_context(list_page: ListPage) -> dict[str, Any]:
        return dict(
            meta=views.meta(list_page.path, None if list_page.number == 1 else
                            loc.gettext("Page %(number)s") % {"number": list_page.number}, config.description),
            articles=[views.teaser(a) for a in list_page.articles],
            pagination=views.pagination(list_page),
            structured_data=structured.front_page() if list_page.number == 1 else None)

    def index_page(list_page: ListPage) -> OutputFile:
        return renderer.page(
            "index.html", list_page.path, "front page",
            (list_page.number, list_page.count, *map(teaser, list_page.articles)), index_context, list_page)

    def article_context(article: Article, newer: Article | None, older: Article | None,
                        related: tuple[Article, ...]) -> dict[str, Any]:
        return dict(
            meta=views.meta(article.path, article.title, article.summary_text, "article", article.image,
                            image_alt=article.image_alt, card=article.share_cards),
            article=views.article(article),
            newer=views.teaser(newer) if newer else None,
            older=views.teaser(older) if older else None,
            related=[views.teaser(a) for a in related],
            structured_data=structured.article(article))

    def article_page(i: int) -> OutputFile:
        article = articles[i]
        newer = articles[i - 1] if i > 0 else None
        older = articles[i + 1] if i + 1 < len(articles) else None
        related = site.related(i)
        return renderer.page(
            "article.html", article.path, shown(article.source),
            (digests.article(article), teaser(newer) if newer else "-", teaser(older) if older else "-",
             *map(teaser, related)),
            article_context, article, newer, older, related)

    def list_context(kind: ListKind, term: Term, list_page: ListPage) -> dict[str, Any]:
        title = term.name if list_page.number == 1 else \
            loc.gettext("%(name)s, page %(number)s") % {"name": term.name, "number": list_page.number}
        return {
            "meta": views.meta(list_page.path, title, loc.gettext(kind.describe) % {"name": term.name},
                               extra_feeds=views.term_feeds(term)),
            kind.variable: getattr(views, kind.view)(term),
            "articles": [views.teaser(a) for a in list_page.articles],
            "pagination": views.pagination(list_page),
            "structured_data": structured.author_page(term) if kind.view == "author" else None}

    def list_page(kind: ListKind, term: Term, list_page: ListPage) -> OutputFile:
        """A page of a tag, a section, an author, a year, a month or a day."""
        return renderer.page(
            kind.template, list_page.path, f"{kind.variable} {term.name!r}",
            (digests.term(kind, term), list_page.number, list_page.count, *map(teaser, list_page.articles)),
            list_context, kind, term, list_page)

    def list_index(kind: ListKind) -> OutputFile:
        """The page listing every list of a kind: /tags/, /authors/, /archive/."""
        index = kind.index
        assert index is not None
        terms = site.lists[kind.name]
        return renderer.page(
            index.template, index.path, f"{kind.name} index", tuple(digests.term(kind, term) for term in terms),
            lambda: {"meta": views.meta(index.path, loc.gettext(index.title),
                                        loc.gettext(index.description) % {"site": config.title}),
                     kind.name: [getattr(views, kind.view)(term) for term in terms]})

    def list_feeds(term: Term) -> list[OutputFile]:
        newest = (term.name, *map(digests.article, term.articles[:config.feed.items]))
        title = views.feed_title(term)
        return [renderer.made(urls.file_for(term.feed_path), f"feed of {term.name!r}", newest,
                              lambda: feeds.rss(site, term.articles, term.feed_path, title, term.path)),
                renderer.made(urls.file_for(term.atom_path), f"feed of {term.name!r}", newest,
                              lambda: feeds.atom(site, term.articles, term.atom_path, title, term.path))]

    def site_feeds() -> list[OutputFile]:
        newest = tuple(map(digests.article, articles[:config.feed.items]))
        return [renderer.made("feed.xml", "site feed", newest,
                              lambda: feeds.rss(site, articles, "/feed.xml", config.title, "/")),
                renderer.made("atom.xml", "site feed", newest,
                              lambda: feeds.atom(site, articles, "/atom.xml", config.title, "/"))]

    def corrections_page() -> OutputFile:
        return renderer.page(
            "corrections.html", urls.CORRECTIONS_PATH, "corrections page",
            tuple(f"{c.number}:{teaser(c.article)}" for c in site.corrections),
            lambda: dict(meta=views.meta(urls.CORRECTIONS_PATH, loc.gettext("Corrections"),
                                         loc.gettext("Every correction %(site)s has made, newest first")
                                         % {"site": config.title}),
                         corrections=views.corrections()))

    def search_page(index: search.SearchIndex) -> OutputFile:
        return renderer.page(
            "search.html", search.SEARCH_PATH, "search page", index.page_key(),
            lambda: dict(meta=views.meta(search.SEARCH_PATH, loc.gettext("Search"),
                                         loc.gettext("Search the articles of %(site)s") % {"site": config.title}),
                         search=index.page()))

    def news_sitemaps() -> list[OutputFile]:
        """news-sitemap.xml, or past 1,000 articles its parts and news-sitemap.xml as their index
        (feeds.news_files). Each part's fingerprint holds its articles (URL, title, date): the
        window's articles as of now, so a build after one has left it writes it again."""
        parts = feeds.news_files(feeds.news_entries(site, now))
        made = [renderer.made(name, "news sitemap", (_hash(part),),
                              lambda part=part: feeds.news_sitemap(site, part)) for name, part in parts]
        if len(parts) > 1:
            names = [name for name, _ in parts]
            made.append(renderer.made(feeds.NEWS_SITEMAP, "news sitemap index", tuple(names),
                                      lambda: feeds.news_sitemap_index(site, names)))
        return made

    # Old URLs (aliases in front matter): in the plan key, so that a changed alias plans every file.
    kept = site.redirects_part() if around is not None else None
    if kept is None:
        moved = redirects.of_site(site)
    else:
        # A site read from the store, planned around edited articles whose aliases are as they
        # were (content._place): the redirects are the last build's, and only the edited
        # articles' redirect pages (which show their titles) are planned again. Collecting them
        # all loaded every article with an alias: each one, in a site imported from WordPress.
        edited = (site.position_of(path) for path in around.paths)  # type: ignore[union-attr]
        moved = redirects.of(site, (site.articles[i] for i in edited if i is not None))
    plan_key = redirects.plan_key(renderer.global_key, moved.plan_part if kept is None else kept)
    if around is not None and around.plan_key == plan_key:
        showing = _showing(site, around.paths)
        files = [index_page(site.index[n]) for n in showing.index_pages]
        files.extend(article_page(i) for i in showing.article_pages)
        for kind_name, key, n in showing.list_pages:
            term = site.term(kind_name, key)
            files.append(list_page(site.kind(kind_name), term, term.pages[n]))
        for kind_name, key in showing.list_feeds:
            files.extend(list_feeds(site.term(kind_name, key)))
        if showing.site_feeds:
            files.extend(site_feeds())
        if showing.corrections:
            files.append(corrections_page())
        # Which articles it holds has not changed (none moved, and the clock has not passed the
        # last build's valid_until), but an edited title in it has: cheap enough to plan always.
        files.extend(news_sitemaps())
        files.extend(redirects.files(moved, config, listing=kept is None))  # `_redirects` holds no title
        replacing: tuple[str, ...] = ()
        if searching is not None:
            shards = searching.to_plan_again(around.paths)
            files.extend(searching.files(shards))
            replacing = tuple(shard.folder for shard in shards)
            if searching.cache.defer:  # the preview: its search page says whether shards are behind
                files.append(search_page(searching))
        return Plan(tuple(files), plan_key, complete=False, replacing=replacing)
    if around_only:
        return None

    files = _by_newest_shown(articles, [
        *((page.articles, index_page(page)) for page in site.index),
        *(((article,), article_page(i)) for i, article in enumerate(articles)),
        *((page.articles, list_page(kind, term, page))
          for kind in site.kinds for term in site.lists[kind.name] for page in term.pages)])
    for page in site.pages:
        files.append(renderer.page(
            "page.html", page.path, shown(page.source),
            (page.title, page.slug, page.content_html, page.summary_text, page.weight),
            lambda page=page: dict(meta=views.meta(page.path, page.title, page.summary_text), page=views.page(page))))
    for kind in site.kinds:
        if kind.index is not None:
            files.append(list_index(kind))
        for term in site.lists[kind.name]:
            if term.feeds:
                files.extend(list_feeds(term))
    files.append(corrections_page())
    files.append(renderer.page("404.html", "/404.html", "404 page", (),
                               lambda: dict(meta=views.meta(None, loc.gettext("Page not found"), config.description))))
    files.extend(site_feeds())
    entries = feeds.sitemap_entries(site)
    files.append(renderer.made("sitemap.xml", "sitemap", (_hash(entries),), lambda: feeds.sitemap(site, entries)))
    files.extend(news_sitemaps())
    files.append(renderer.made("robots.txt", "robots.txt", (), lambda: feeds.robots(site)))
    for relative, source in theme.static_files.items():
        files.append(_copy(f"theme/{relative}", shown(source), source))
    publisher = _ImagePublisher(site, shown)
    for static in site.files:
        if publisher.strips(static.path):
            files.append(publisher.file(static.path, static.source))
            files.extend(publisher.variants(static.path, static.source))
        else:
            files.append(_copy(static.path, shown(static.source), static.source))
    files.extend(publisher.share_cards(articles))
    save_facts()  # the hashes of the images, for the next build
    files.extend(redirects.files(moved, config))
    if searching is not None:
        files.extend(searching.files())
        files.append(search_page(searching))  # after the shards: it says whether some are behind
        searching.cache.prune(searching.cache.used)
    return Plan(tuple(files), plan_key, complete=True)


def _by_newest_shown(articles: tuple[Article, ...],
                     pages: list[tuple[tuple[Article, ...], OutputFile]]) -> list[OutputFile]:
    """The pages, each given with the articles it shows (newest first), in the order of the newest
    article each shows: the front page's, the lists' and the articles' own pages merged by date.
    An article is then shown again a few hundred pages after it was first, not a whole site later,
    so the workers need keep only what they rendered lately (plan/recent.py) to render each
    article's teaser and card once. Stable: pages showing the same newest article stay in the
    order given."""
    position = {article.path: i for i, article in enumerate(articles)}
    last = len(articles)  # a page with no article (an empty front page) after the others
    pages.sort(key=lambda page: position[page[0][0].path] if page[0] else last)
    return [file for _, file in pages]


@dataclass(frozen=True)
class Plan:
    files: tuple[OutputFile, ...]
    global_key: str  # what every page's fingerprint starts from
    complete: bool  # every file of the site, or only those that show the articles it was made around
    replacing: tuple[str, ...] = ()  # folders planned whole: any other file in them goes (see write_output)


@dataclass(frozen=True)
class _Showing:
    """The files whose fingerprints hold some articles, by where they are in the site model."""

    index_pages: tuple[int, ...]  # indexes into Site.index
    article_pages: tuple[int, ...]  # indexes into Site.articles
    list_pages: tuple[tuple[str, str, int], ...]  # (kind, key, index into the list's pages)
    list_feeds: tuple[tuple[str, str], ...]  # (kind, key)
    site_feeds: bool
    corrections: bool  # the site's corrections page


def _showing(site: Site, paths: tuple[str, ...]) -> _Showing:
    """What shows these articles: each one's page, its neighbours' (previous/next links) and those
    showing it among their related stories, the front page and list pages it is on, the feeds
    that carry it, and the corrections page if it has corrections."""
    per_page, feed_items = site.config.per_page, site.config.feed.items
    article_pages: set[int] = set()
    index_pages: set[int] = set()
    list_pages: set[tuple[str, str, int]] = set()
    list_feeds: set[tuple[str, str]] = set()
    site_feeds = corrections = False
    for path in paths:
        i = site.position_of(path)
        if i is None:
            continue  # a draft or a scheduled article, shown nowhere
        article = site.articles[i]
        article_pages.update(j for j in (i - 1, i, i + 1) if 0 <= j < len(site.articles))
        article_pages.update(site.showing_as_related(i))
        index_pages.add(i // per_page)
        site_feeds = site_feeds or i < feed_items
        corrections = corrections or bool(article.corrections)
        for kind in site.kinds:
            for term in site.terms_of(kind, article):
                k = site.index_in(term, i)
                if kind.paginated:
                    list_pages.add((kind.name, term.key, k // per_page))
                if term.feeds and k < feed_items:
                    list_feeds.add((kind.name, term.key))
    return _Showing(tuple(sorted(index_pages)), tuple(sorted(article_pages)), tuple(sorted(list_pages)),
                    tuple(sorted(list_feeds)), site_feeds, corrections)


class _Digests:
    """Short digests of what each article shows: as a teaser (lists, previous/next links, related
    stories) and as itself (its page, the feeds); and of what a list's page shows of the list.
    Worked out from the model when first asked for."""

    def __init__(self, site: Site, views: Views):
        self._site = site
        self._views = views
        # A teaser shows its tags with their article counts: looked up by name as spelt, since
        # slugifying every tag of every article would cost more than the rest together.
        self._shown_tag = {tag.key: (tag.name, len(tag.articles)) for tag in site.tags}
        self._tag_by_name: dict[str, tuple[str, int]] = {}
        self._teasers: dict[str, str] = {}  # by article path
        self._terms: dict[tuple[str, str], str] = {}  # by kind and key: a list has many pages
        self.pictures = _Pictures(site, views)

    def teaser(self, article: Article) -> str:
        known = self._teasers.get(article.path)
        if known is None:
            tag_by_name = self._tag_by_name
            for name in article.tags:
                if name not in tag_by_name:
                    tag_by_name[name] = self._shown_tag[slugify(name)]
            # teaser_base stands for every other field (see Article) but these, and the site's
            # settings, which every page's fingerprint holds: the section and authors as shown
            # (their names as most articles spell them, the roles from authors.yaml). marshal, not
            # repr: a tenth of the cost; format 2, as newer ones mark shared objects: the same
            # values, other bytes.
            views = self._views
            section = views.section(article)
            variants, cards = article.image_variants, article.share_cards
            shown = (article.teaser_base, article.image, article.image_size, variants.key if variants else None,
                     cards.key if cards else None,
                     article.scheduled,
                     tuple([tag_by_name[name] for name in article.tags]),
                     section.name if section else None,
                     tuple([(ref.name, ref.url, ref.role) for ref in views.author_refs(article)]))
            known = self._teasers[article.path] = hashlib.sha256(marshal.dumps(shown, 2)).hexdigest()
        return known

    def article(self, article: Article) -> str:
        return self.teaser(article) + article.content_digest

    def term(self, kind: ListKind, term: Term) -> str:
        """What a list's pages and its index entry show of it besides its articles: its name, count,
        the lists within it, and for an author what authors.yaml says."""
        known = self._terms.get((kind.name, term.key))
        if known is None:
            shown = [term.key, term.name, len(term.articles),
                     [(child.key, child.name, len(child.articles)) for child in self._site.children(term)]]
            if kind.view == "author":
                entry = self._site.authors.by_id.get(term.key)
                shown.append(repr(dataclasses.replace(entry, line=0, photo_line=0)) if entry else "")
                shown.append(self._views.photo_size(entry.photo) if entry else None)  # from the file
                photo = self.pictures.photo(entry.photo) if entry and entry.photo else None
                shown.append(photo.key if photo else None)  # its variants' names hold its bytes' hash
            known = self._terms[kind.name, term.key] = hashlib.sha256(repr(shown).encode()).hexdigest()
        return known


def _hash(value: object) -> str:
    return hashlib.sha256(marshal.dumps(value, 2)).hexdigest()


def _copy(path: str, source: str, copy_from: Path) -> OutputFile:
    # Hashing every image and PDF on every build would cost more than copying them. The change
    # time (ctime) moves whenever the bytes are written and cannot be set back, unlike the mtime,
    # so with the inode and size it notices every edit; the bytes are then compared before copying.
    stat = copy_from.stat()
    return OutputFile(path, source, f"copy:{stat.st_size}:{stat.st_mtime_ns}:{stat.st_ctime_ns}:{stat.st_ino}",
                      copy_from=copy_from)


class _ImagePublisher:
    """Raster images under content/ (author photos and lead images among them), published through
    media/images.py: checked, upright, without identifying metadata. Made in the writer's workers,
    each through the image cache, so an image that did not change is never decoded again."""

    def __init__(self, site: Site, shown: Callable[[Path | str], str]):
        settings = site.config.images
        self._settings = settings
        self._shown = shown
        self._site = site
        self._key = ""
        self._cache: Any = None  # media.images.ImageCache, made when the first image is planned
        self._variant_cache: Any = None  # media.responsive.VariantCache, made for the first image with variants
        self._link = urls.Urls(site.config.base_url, site.config.root).link
        # A bad image's error is placed where it is shown: worked out only when one fails.
        self._users = ImageUsers(site, shown, self._link)

    def variants(self, path: str, source: Path) -> list[OutputFile]:
        """The image's responsive variants (media/responsive.py), each made in a worker through the
        variant cache. Their names hold the hash of the image's bytes and settings: the fingerprint."""
        responsive = responsive_for(source, path, self._settings, self._link)
        if responsive is None:
            return []
        return [self._variant_file(path, source, responsive.source_digest, variant) for variant in responsive.to_make]

    def share_cards(self, articles: tuple[Article, ...]) -> list[OutputFile]:
        """The articles' share cards (media/responsive.py), made like the variants; articles showing
        the same image at the same focus share them (same window, same name)."""
        planned: dict[str, OutputFile] = {}
        root = self._site.config.content_dir
        for article in articles:
            cards: ShareCards | None = article.share_cards
            if cards is None:
                continue
            source = Path(cards.source)
            path = os.path.relpath(source, root).replace(os.sep, "/")
            for variant in cards.variants:
                if variant.path not in planned:
                    planned[variant.path] = self._variant_file(path, source, cards.source_digest, variant)
        return list(planned.values())

    def _variant_file(self, path: str, source: Path, source_digest: str, variant: Variant) -> OutputFile:
        """One variant (or share card) of the image published at path, made in a worker through the
        variant cache. Its name holds the hash of the image's bytes and settings: the fingerprint."""
        if self._variant_cache is None:
            self._variant_cache = VariantCache(cache_file(self._site.config.site_dir).parent / "variants",
                                               self._settings)
        cache, shown, users = self._variant_cache, self._shown(source), self._users
        what = f"{variant.width}×{variant.height} share card" if variant.crop else f"{variant.width} pixels wide"

        def produce() -> bytes:
            from ..media.images import BadImage

            try:
                return cache.get(source, source_digest, variant)
            except BadImage as exc:
                raise RenderFailed(users.error(path, source, str(exc))) from exc
            except (OSError, ValueError) as exc:
                message = getattr(exc, "strerror", None) or str(exc) or type(exc).__name__
                raise RenderFailed(users.error(path, source, f"cannot make the image's {what} "
                                                             f"{variant.format.upper()}: {message}")) from exc

        return OutputFile(variant.path, shown, f"variant:{cache.key}:{variant.path}", produce=produce)

    def strips(self, path: str) -> bool:
        return is_raster(path)  # told by the name: Pillow is loaded only by a build that has images

    def file(self, path: str, source: Path) -> OutputFile:
        from ..media.images import ImageCache

        if self._cache is None:
            self._cache = ImageCache(cache_file(self._site.config.site_dir).parent / "images",
                                     self._settings.strip_metadata, self._settings.keep_copyright)
            self._key = self._cache.settings_key
        cache = self._cache
        stat = source.stat()
        shown = self._shown(source)
        users = self._users

        def produce() -> Made:
            from ..media.images import BadImage

            try:
                published = cache.publish(source)
            except BadImage as exc:
                raise RenderFailed(users.error(path, source, str(exc))) from exc
            except OSError as exc:
                raise RenderFailed(users.error(path, source, f"cannot read the image: {exc.strerror or exc}")) from exc
            return Made(published.data, ("location-removed",) if published.location_removed else ())

        # As _copy, the file's stamps (its bytes), and the image settings and code.
        return OutputFile(path, shown, f"image:{self._key}:{stat.st_size}:{stat.st_mtime_ns}:{stat.st_ctime_ns}:"
                                       f"{stat.st_ino}", produce=produce)


class _Pictures:
    """responsive(url) for the templates: the variants of the image at that URL (an article's lead
    image, an author's photo), or None, for a <picture> with srcset (_macros.html, picture)."""

    def __init__(self, site: Site, views: Views):
        self._settings = site.config.images
        self._content_dir = site.config.content_dir
        self._link = views.urls.link
        self._by_url: dict[str, Responsive] = {}
        self._photos: dict[str, Responsive | None] = {}
        self._site = site
        self._learnt = 0  # how many of the site's loaded articles were looked at
        self._learn()
        for author in site.authors.by_id.values():
            if author.photo:
                self.photo(author.photo)

    def _learn(self) -> None:
        """The lead images of the articles in memory: a site read from the store loads the ones a
        page shows before the page asks for their images."""
        loaded = self._site.loaded_articles()
        for article in loaded[self._learnt:]:
            if article.image and article.image_variants is not None:
                self._by_url[article.image] = article.image_variants
        self._learnt = len(loaded)

    def photo(self, photo: str) -> Responsive | None:
        """An author's photo's variants (authors.yaml gives its path inside content/)."""
        if photo not in self._photos:
            found = responsive_for(self._content_dir / photo, photo, self._settings, self._link)
            self._photos[photo] = found
            if found is not None:
                self._by_url[self._link(quote(photo))] = found
                self._by_url[self._link(photo)] = found  # as the author's view gives it
        return self._photos[photo]

    def __call__(self, url: str | None) -> Responsive | None:
        if not url:
            return None
        found = self._by_url.get(url)
        if found is None and len(self._site.loaded_articles()) > self._learnt:
            self._learn()
            found = self._by_url.get(url)
        return found


def _global_key(config: Config, theme: Theme, options: BuildOptions, views: Views, language_key: str = "") -> str:
    """Everything every page depends on: generator, settings (the language and the site's own
    `strings` with them), flags, the whole theme (templates and catalogs), the site's header."""
    digest = hashlib.sha256()
    portable = dataclasses.replace(config, site_dir=Path("."), config_path=Path("config.yaml"))
    digest.update(repr((__version__, code_key(), portable, options, views.site_view, sorted(theme.static_files),
                        language_key)).encode())
    for _, folder in theme.chain:
        for part in ("templates", "locale"):
            for template in sorted((folder / part).rglob("*")):
                if template.is_file():
                    digest.update(template.relative_to(folder).as_posix().encode() + b"\0" + template.read_bytes())
    return digest.hexdigest()


class _PageRenderer:
    def __init__(self, env: jinja2.Environment, views: Views, theme: Theme, global_key: str):
        self.env = env
        self.views = views
        self.theme = theme
        self.global_key = global_key
        self._assets: dict[str, str] = {}  # by the path asset() is given
        env.globals.update(site=views.site_view, asset=self.asset)

    def asset(self, path: str) -> str:
        # Each link made once: every page asks for the stylesheet's, and some for a script's.
        link = self._assets.get(path)
        if link is None:
            if path not in self.theme.static_files:
                raise jinja2.TemplateRuntimeError(
                    f"asset({path!r}): no such file in the theme's static/ folder "
                    f"(it has: {', '.join(self.theme.static_files) or 'nothing'})")
            link = self._assets[path] = self.views.urls.link("theme/" + path)
        return link

    def fingerprint(self, *parts: str) -> str:
        return hashlib.sha256("\0".join((self.global_key, *parts)).encode()).hexdigest()

    def page(self, template: str, path: str, source: str, depends_on: tuple,
             context: Callable[..., dict[str, Any]], *args: Any) -> OutputFile:
        """A page of the theme, its template given context(*args). depends_on must cover
        everything that gives the template besides what every page shares (settings, theme, site
        header), which the global key covers."""
        key = hashlib.sha256("\0".join((self.global_key, template, path, *map(str, depends_on))).encode()).hexdigest()
        return OutputFile(urls.file_for(path), source, key, produce=_Page(self.env, template, source, context, args))

    def made(self, output_path: str, source: str, depends_on: tuple, produce: Callable[[], bytes]) -> OutputFile:
        return OutputFile(output_path, source, self.fingerprint(output_path, *map(str, depends_on)), produce=produce)


class _Page:
    """How a page of the theme is made: its template rendered with context(*args). An object
    with five slots rather than a closure: a plan holds one for each of a site's pages, two
    million at a million articles."""

    __slots__ = ("env", "template", "source", "context", "args")

    def __init__(self, env: jinja2.Environment, template: str, source: str,
                 context: Callable[..., dict[str, Any]], args: tuple):
        self.env, self.template, self.source, self.context, self.args = env, template, source, context, args

    def __call__(self) -> bytes:
        try:
            return self.env.get_template(self.template).render(**self.context(*self.args)).encode("utf-8")
        except jinja2.TemplateNotFound as exc:
            raise RenderFailed(SiteError(f"the theme has no template {exc.name!r}, needed for {self.source}")) from exc
        except StoreDamaged:
            raise  # not the theme's: the build is made again from the whole site
        except Exception as exc:  # noqa: BLE001 - anything a template raises is the theme's error
            raise RenderFailed(template_error(exc, self.template)) from exc
