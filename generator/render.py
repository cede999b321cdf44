"""Render the site through the theme: every page, feed and copied file as an OutputFile."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jinja2

from . import feeds, urls
from .errors import BuildFailed, SiteError
from .site import Site
from .theme import Theme, template_error
from .views import FeedLink, Views


@dataclass(frozen=True)
class OutputFile:
    """One file of the built site. Exactly one of data / copy_from is set."""

    path: str  # relative to the output folder, POSIX separators
    source: str  # what made it, for messages: a content file, a template, a theme file
    data: bytes | None = None
    copy_from: Path | None = None


def render_site(site: Site, theme: Theme, env: jinja2.Environment) -> list[OutputFile]:
    views = Views(site)
    renderer = _PageRenderer(env, views, theme)
    config = site.config
    files: list[OutputFile] = []

    def shown(path: Path) -> str:
        """A source as the user knows it: relative to the site folder where it is inside it."""
        try:
            return path.relative_to(config.site_dir).as_posix()
        except ValueError:
            return str(path)

    for list_page in site.index:
        files.append(renderer.page("index.html", list_page.path, source="front page",
                                   meta=views.meta(list_page.path, None if list_page.number == 1
                                                   else f"Page {list_page.number}", config.description),
                                   articles=[views.article(a) for a in list_page.articles],
                                   pagination=views.pagination(list_page)))

    articles = site.articles
    for i, article in enumerate(articles):
        view = views.article(article)
        files.append(renderer.page(
            "article.html", article.path, source=shown(article.source),
            meta=views.meta(article.path, article.title, article.summary_text, "article", article.image),
            article=view,
            newer=views.article(articles[i - 1]) if i > 0 else None,
            older=views.article(articles[i + 1]) if i + 1 < len(articles) else None,
        ))

    for page in site.pages:
        files.append(renderer.page("page.html", page.path, source=shown(page.source),
                                   meta=views.meta(page.path, page.title, page.summary_text),
                                   page=views.page(page)))

    files.append(renderer.page("tags.html", "/tags/", source="tag index",
                               meta=views.meta("/tags/", "Tags", f"Every topic covered by {config.title}"),
                               tags=[views.tags[t.slug] for t in site.tags]))
    for tag in site.tags:
        tag_view = views.tags[tag.slug]
        tag_feed = FeedLink(f"{config.title}: {tag.name} (RSS)", "application/rss+xml",
                            views.urls.absolute(tag.feed_path))
        for list_page in site.tag_lists[tag.slug]:
            title = tag.name if list_page.number == 1 else f"{tag.name}, page {list_page.number}"
            files.append(renderer.page(
                "tag.html", list_page.path, source=f"tag {tag.name!r}",
                meta=views.meta(list_page.path, title, f"Articles tagged {tag.name}", extra_feeds=(tag_feed,)),
                tag=tag_view, articles=[views.article(a) for a in list_page.articles],
                pagination=views.pagination(list_page)))
        files.append(OutputFile(urls.file_for(tag.feed_path), f"tag {tag.name!r}",
                                feeds.rss(site, tag.articles, tag.feed_path, f"{config.title}: {tag.name}",
                                          tag.path)))

    files.append(renderer.page("404.html", "/404.html", source="404 page",
                               meta=views.meta("/404.html", "Page not found", config.description)))

    files.append(OutputFile("feed.xml", "site feed", feeds.rss(site, site.articles, "/feed.xml", config.title, "/")))
    files.append(OutputFile("atom.xml", "site feed", feeds.atom(site, site.articles)))
    files.append(OutputFile("sitemap.xml", "sitemap", feeds.sitemap(site)))
    files.append(OutputFile("robots.txt", "robots.txt", feeds.robots(site)))

    for relative, source in theme.static_files.items():
        files.append(OutputFile(f"theme/{relative}", shown(source), copy_from=source))
    for static in site.files:
        files.append(OutputFile(static.path, shown(static.source), copy_from=static.source))

    if renderer.errors:
        raise BuildFailed(renderer.errors)
    return files


class _PageRenderer:
    def __init__(self, env: jinja2.Environment, views: Views, theme: Theme):
        self.env = env
        self.views = views
        self.errors: list[SiteError] = []
        self.theme = theme
        env.globals.update(site=views.site_view, asset=self.asset)
        self._reported: set[tuple] = set()

    def asset(self, path: str) -> str:
        if path not in self.theme.static_files:
            raise jinja2.TemplateRuntimeError(
                f"asset({path!r}): no such file in the theme's static/ folder "
                f"(it has: {', '.join(self.theme.static_files) or 'nothing'})")
        return self.views.urls.link("theme/" + path)

    def page(self, template: str, path: str, source: str, **context: Any) -> OutputFile:
        output_path = urls.file_for(path)
        try:
            html = self.env.get_template(template).render(**context)
        except jinja2.TemplateNotFound as exc:
            self._report(SiteError(f"the theme has no template {exc.name!r}, needed for {source}"))
            html = ""
        except Exception as exc:  # noqa: BLE001 - anything a template raises is the theme's error
            self._report(template_error(exc, template))
            html = ""
        return OutputFile(output_path, source, html.encode("utf-8"))

    def _report(self, error: SiteError) -> None:
        # The same template line fails on every page that uses it: say it once.
        key = (error.path, error.line, error.message)
        if key not in self._reported:
            self._reported.add(key)
            self.errors.append(error)
