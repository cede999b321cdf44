"""content/: articles, pages and files to copy, read and rendered to HTML.

Two passes: first every file's front matter (so that every article's URL is
known), then every body, so that a relative link to another article can be
rewritten to that article's URL.
"""

from __future__ import annotations

import math
import os
import re
from dataclasses import dataclass
from datetime import date as date_type
from datetime import datetime, timedelta, timezone
from html import escape
from pathlib import Path
from typing import Any
from urllib.parse import quote, unquote, urlsplit

from . import urls
from .config import Config
from .errors import BuildFailed, SiteError, line_of
from .frontmatter import SourceDocument, read_document
from .markup import LinkProblem, is_relative_reference, MarkdownRenderer, first_paragraph, plain_text, strip_footnote_refs

WORDS_PER_MINUTE = 230
MORE_MARKER = re.compile(r"^[ \t]*<!--\s*more\s*-->[ \t]*$", re.M)
_JEKYLL_NAME = re.compile(r"^(\d{4}-\d{2}-\d{2})-(.+)$")
_DATE = re.compile(
    r"^(?P<y>\d{4})-(?P<mo>\d{1,2})-(?P<d>\d{1,2})"
    r"(?:[T ]+(?P<h>\d{1,2}):(?P<mi>\d{2})(?::(?P<s>\d{2})(?:\.(?P<f>\d+))?)?)?"
    r"\s*(?P<tz>Z|[+-]\d{1,2}(?::?\d{2})?)?$",
    re.I,
)

# Our field name -> the names other generators use for it, in order of preference.
ALIASES: dict[str, tuple[str, ...]] = {
    "title": ("title",),
    "date": ("date", "published", "pubdate", "publishdate"),
    "updated": ("updated", "lastmod", "modified", "last_modified_at", "updated_at"),
    "summary": ("summary", "description", "excerpt"),
    "author": ("author", "authors"),
    "tags": ("tags", "keywords"),
    "category": ("category", "categories"),
    "image": ("image", "cover", "featured_image"),
    "image_alt": ("image_alt", "alt"),
    "slug": ("slug",),
    "draft": ("draft",),
    "weight": ("weight", "order"),
}


@dataclass(frozen=True)
class BuildOptions:
    drafts: bool = False
    future: bool = False


@dataclass(frozen=True)
class Article:
    source: Path
    title: str
    date: datetime
    updated: datetime | None
    authors: tuple[str, ...]
    tags: tuple[str, ...]
    category: str | None
    summary_html: str
    summary_text: str
    content_html: str
    image: str | None  # a URL (root-relative or absolute)
    image_alt: str
    slug: str
    path: str  # site path, without the root
    draft: bool
    scheduled: bool
    reading_minutes: int


@dataclass(frozen=True)
class Page:
    source: Path
    title: str
    slug: str
    path: str
    content_html: str
    summary_text: str
    weight: int


@dataclass(frozen=True)
class StaticFile:
    source: Path
    path: str  # relative output path, same as under content/


@dataclass(frozen=True)
class Content:
    articles: tuple[Article, ...]
    pages: tuple[Page, ...]
    files: tuple[StaticFile, ...]


@dataclass(frozen=True)
class _Header:
    """What the first pass learns about a Markdown file."""

    doc: SourceDocument
    is_page: bool
    title: str
    slug: str
    path: str
    date: datetime | None
    meta: dict[str, Any]
    included: bool
    excluded_reason: str


def load_content(config: Config, options: BuildOptions, now: datetime) -> Content:
    """Read and render everything under content/. Raises BuildFailed with every problem."""
    content_dir = config.content_dir
    errors: list[SiteError] = []
    markdown_files, other_files = _discover(content_dir, config.site_dir, errors)

    headers: list[_Header] = []
    for path in markdown_files:
        header = _read_header(path, content_dir, config, options, now, errors)
        if header is not None:
            headers.append(header)

    files = tuple(StaticFile(p, p.relative_to(content_dir).as_posix()) for p in other_files)
    targets: dict[str, str] = {os.path.normpath(f.source): quote(f.path) for f in files}
    excluded: dict[str, str] = {}
    for h in headers:
        key = os.path.normpath(h.doc.path)
        if h.included:
            targets[key] = h.path.lstrip("/")
        else:
            excluded[key] = h.excluded_reason

    renderer = MarkdownRenderer(config.markdown.extensions, config.markdown.extension_configs,
                                config.markdown.smart_quotes)
    link = urls.Urls(config.base_url, config.root).link
    articles: list[Article] = []
    pages: list[Page] = []
    for h in headers:
        if not h.included:
            continue
        resolver = _make_resolver(h.doc.path.parent, content_dir, targets, excluded, link)
        problems: list[LinkProblem] = []
        body = h.doc.body
        rendered = renderer.render(body, resolver)
        problems.extend(rendered.problems)
        summary_text, summary_html = _summary(h, body, rendered.html, renderer, resolver)
        searched_from: dict[str, int] = {}
        for problem in problems:
            line, col = _locate(h.doc, problem.target, searched_from)
            errors.append(SiteError(problem.message, h.doc.path, line, col))
        if h.is_page:
            pages.append(Page(h.doc.path, h.title, h.slug, h.path, rendered.html, summary_text,
                              _weight(h, errors)))
            continue
        article = _article(h, config, rendered.html, summary_html, summary_text, resolver, now, errors)
        if article is not None:
            articles.append(article)

    if errors:
        raise BuildFailed(errors)
    return Content(tuple(articles), tuple(pages), files)


def _discover(content_dir: Path, site_dir: Path, errors: list[SiteError]) -> tuple[list[Path], list[Path]]:
    """Markdown files and other files, sorted; hidden files and folders are skipped.

    A symbolic link that leads outside the site folder is refused: what the site
    publishes must be in the site, not wherever a link happens to point."""
    markdown_files: list[Path] = []
    other_files: list[Path] = []
    site_real = os.path.realpath(site_dir)
    for folder, dirnames, filenames in os.walk(content_dir):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
        for name in sorted(filenames) + [d for d in dirnames if os.path.islink(os.path.join(folder, d))]:
            if name.startswith("."):
                continue
            path = Path(folder) / name
            if path.is_symlink():
                real = os.path.realpath(path)
                if not real.startswith(site_real + os.sep):
                    errors.append(SiteError(f"symbolic link to {real}, outside the site folder; copy the "
                                            "file into content/ instead", path))
                    continue
                if path.is_dir():
                    continue  # folders behind links are not followed (a loop would never end)
            (markdown_files if name.endswith((".md", ".markdown")) else other_files).append(path)
    return markdown_files, other_files


def _read_header(path: Path, content_dir: Path, config: Config, options: BuildOptions,
                 now: datetime, errors: list[SiteError]) -> _Header | None:
    doc = read_document(path)
    if isinstance(doc, SiteError):
        errors.append(doc)
        return None
    meta = _normalise(doc.meta)
    is_page = path.relative_to(content_dir).parts[0] == "pages"
    before = len(errors)

    title = meta.get("title")
    if title is None or (isinstance(title, str) and not title.strip()):
        errors.append(SiteError("missing `title`: add a line such as `title: Council approves budget` "
                                "to the front matter", path, doc.line_of_key("title")))
    elif not isinstance(title, (str, int, float)):
        errors.append(SiteError("`title` must be a text", path, doc.line_of_key("title")))
    title = str(title).strip() if isinstance(title, (str, int, float)) and not isinstance(title, bool) else ""

    stem = path.stem
    name_date: str | None = None
    name_match = _JEKYLL_NAME.match(stem)
    if name_match:
        name_date, stem = name_match.groups()
    raw_slug = meta.get("slug")
    slug = urls.slugify(str(raw_slug)) if raw_slug not in (None, "") else urls.slugify(stem)
    if not slug:
        errors.append(SiteError(f"cannot make a URL slug from {str(raw_slug or path.stem)!r}; "
                                "add `slug: some-words` to the front matter", path, doc.line_of_key("slug")))

    date: datetime | None = None
    if not is_page:
        raw_date = meta.get("date", name_date)
        if raw_date is None:
            errors.append(SiteError("missing `date`: add a line such as `date: 2022-02-28` or "
                                    "`date: 2022-02-28 14:30` to the front matter, or name the file "
                                    "2022-02-28-slug.md", path, doc.line_of_key("date")))
        else:
            parsed = parse_date(raw_date, config)
            if isinstance(parsed, str):
                errors.append(SiteError(f"`date`: {parsed}", path, doc.line_of_key(_key_used(doc.meta, "date"))))
            else:
                date = parsed

    draft = False
    for key, means_draft in (("draft", True), ("published", False)):
        value = doc.meta.get(key)
        if value is None:
            continue
        if not isinstance(value, bool):
            errors.append(SiteError(f"`{key}` must be true or false (without quotes), not {value!r}",
                                    path, doc.line_of_key(key)))
        elif value is means_draft:
            draft = True
    if len(errors) > before:
        return None
    assert is_page or date is not None
    path_on_site = urls.page_path(slug) if is_page else urls.article_path(
        config.permalink, date, slug, _category(meta.get("category")))
    included, reason = True, ""
    if draft and not options.drafts:
        included, reason = False, "is a draft (draft: true) and is not built without --drafts"
    elif date is not None and date > now and not options.future:
        included, reason = False, f"is dated in the future ({date.isoformat()}) and is not built without --future"
    return _Header(doc, is_page, title, slug, path_on_site, date, meta, included, reason)


def _normalise(raw: dict[str, Any]) -> dict[str, Any]:
    """Our names for the fields, whichever generator's names the author used."""
    meta: dict[str, Any] = {}
    lowered = {k.lower(): v for k, v in raw.items()}
    for name, aliases in ALIASES.items():
        for alias in aliases:
            if alias in lowered:
                meta[name] = lowered[alias]
                break
    return meta


def _key_used(raw: dict[str, Any], name: str) -> str:
    lowered = {k.lower(): k for k in raw}
    return next((lowered[a] for a in ALIASES[name] if a in lowered), name)


def parse_date(value: Any, config: Config) -> datetime | str:
    """A datetime in the site's time zone when none is given; else a message saying what is wrong."""
    if isinstance(value, datetime):
        parsed = value
    elif isinstance(value, date_type):
        parsed = datetime(value.year, value.month, value.day)
    elif isinstance(value, str):
        match = _DATE.match(value.strip())
        if match is None:
            return (f"cannot read {value!r} as a date; write it as 2022-02-28, 2022-02-28 14:30 "
                    "or 2022-02-28T14:30:00+02:00")
        g = match.groupdict()
        try:
            parsed = datetime(int(g["y"]), int(g["mo"]), int(g["d"]), int(g["h"] or 0), int(g["mi"] or 0),
                              int(g["s"] or 0), int((g["f"] or "0")[:6].ljust(6, "0")))
        except ValueError as exc:
            return f"{value!r} is not a real date ({exc}); write it as YYYY-MM-DD"
        if g["tz"]:
            parsed = parsed.replace(tzinfo=_offset(g["tz"]))
    else:
        return f"expected a date such as 2022-02-28, not {type(value).__name__} {value!r}"
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=config.tz)
    return parsed


def _offset(text: str) -> timezone:
    if text.upper() == "Z":
        return timezone.utc
    sign = -1 if text[0] == "-" else 1
    digits = text[1:].replace(":", "")
    hours, minutes = (int(digits), 0) if len(digits) <= 2 else (int(digits[:-2]), int(digits[-2:]))
    return timezone(sign * timedelta(hours=hours, minutes=minutes))


def _category(value: Any) -> str | None:
    if isinstance(value, list):
        value = value[0] if value else None
    return str(value).strip() if value not in (None, "") else None


def _names(value: Any) -> tuple[str, ...] | None:
    """A list of names or one comma-separated string; None when it is neither."""
    if value is None:
        return ()
    if isinstance(value, str):
        return tuple(part.strip() for part in value.split(",") if part.strip())
    if isinstance(value, list) and all(isinstance(v, (str, int, float)) and not isinstance(v, bool) for v in value):
        return tuple(str(v).strip() for v in value if str(v).strip())
    return None


def _article(h: _Header, config: Config, content_html: str, summary_html: str, summary_text: str,
             resolver, now: datetime, errors: list[SiteError]) -> Article | None:
    doc, meta = h.doc, h.meta
    before = len(errors)
    tags = _names(meta.get("tags"))
    if tags is None:
        errors.append(SiteError("`tags` must be a list such as [Ukraine, NATO] or a comma-separated text "
                                "such as `Ukraine, NATO`", doc.path, doc.line_of_key(_key_used(doc.meta, "tags"))))
    authors = _names(meta.get("author"))
    if authors is None:
        errors.append(SiteError("`author` must be a name or a list of names", doc.path,
                                doc.line_of_key(_key_used(doc.meta, "author"))))
    updated = None
    if meta.get("updated") not in (None, ""):
        parsed = parse_date(meta["updated"], config)
        if isinstance(parsed, str):
            errors.append(SiteError(f"`updated`: {parsed}", doc.path, doc.line_of_key(_key_used(doc.meta, "updated"))))
        else:
            updated = parsed
    image = None
    raw_image = meta.get("image")
    if isinstance(raw_image, dict):  # Jekyll themes often use image: {path: ...}
        raw_image = raw_image.get("path") or raw_image.get("src")
    if raw_image not in (None, "", False):
        if not isinstance(raw_image, str):
            errors.append(SiteError("`image` must be a file name or URL", doc.path, doc.line_of_key("image")))
        elif is_relative_reference(raw_image):
            result = resolver(raw_image)
            if isinstance(result, LinkProblem):
                errors.append(SiteError(f"`image`: {result.message}", doc.path, doc.line_of_key("image")))
            else:
                image = result
        else:
            image = raw_image
    for tag in tags or ():
        if not urls.slugify(tag):
            errors.append(SiteError(f"tag {tag!r} has no letters or digits to make its URL from", doc.path,
                                    doc.line_of_key(_key_used(doc.meta, "tags"))))
    if len(errors) > before:
        return None
    assert h.date is not None and tags is not None and authors is not None
    words = len(doc.body.split())
    return Article(
        source=doc.path, title=h.title, date=h.date, updated=updated,
        authors=authors or ((config.author,) if config.author else ()),
        tags=tags, category=_category(meta.get("category")),
        summary_html=summary_html, summary_text=summary_text, content_html=content_html,
        image=image, image_alt=str(meta.get("image_alt") or ""),
        slug=h.slug, path=h.path, draft=meta.get("draft", False) is True,
        scheduled=h.date > now, reading_minutes=max(1, math.ceil(words / WORDS_PER_MINUTE)),
    )


def _weight(h: _Header, errors: list[SiteError]) -> int:
    weight = h.meta.get("weight", 0)
    if isinstance(weight, bool) or not isinstance(weight, int):
        errors.append(SiteError("`weight` must be a whole number", h.doc.path, h.doc.line_of_key("weight")))
        return 0
    return weight


def _summary(h: _Header, body: str, content_html: str, renderer: MarkdownRenderer,
             resolver) -> tuple[str, str]:
    """(plain text, HTML): front matter summary, else the text before <!-- more -->, else the first paragraph."""
    given = h.meta.get("summary")
    if isinstance(given, str) and given.strip():
        text = " ".join(given.split())
        return text, f"<p>{escape(text, quote=False)}</p>"
    marker = MORE_MARKER.search(body)
    if marker:  # its link problems are reported once, from the whole body
        part = renderer.render(body[:marker.start()], resolver)
        summary_html = strip_footnote_refs(part.html)
    else:
        summary_html = strip_footnote_refs(first_paragraph(content_html))
    return plain_text(summary_html), summary_html


def _make_resolver(folder: Path, content_dir: Path, targets: dict[str, str], excluded: dict[str, str], link):
    def resolve(url: str) -> str | LinkProblem:
        if "{{" in url or "{%" in url:
            return LinkProblem(url, f"links to {url!r}: template tags such as {{{{ ... }}}} (Jekyll's Liquid) are "
                                    "not run in Markdown; link to the other .md file by its relative path, "
                                    "or write the URL itself, such as /2016/03/01/slug/")
        parts = urlsplit(url)
        relative = unquote(parts.path)
        if not relative:
            return url
        target = os.path.normpath(folder / relative)
        suffix = ("?" + parts.query if parts.query else "") + ("#" + parts.fragment if parts.fragment else "")
        if target in targets:
            return link(targets[target]) + suffix
        shown = os.path.relpath(target, content_dir)
        if target in excluded:
            return LinkProblem(url, f"links to {shown}, which {excluded[target]}")
        if not target.startswith(os.path.normpath(content_dir) + os.sep):
            return LinkProblem(url, f"links to {url}, which is outside content/")
        if os.path.isdir(target):
            return LinkProblem(url, f"links to the folder {shown}; link to a file in it instead")
        return LinkProblem(url, f"links to {shown}, which does not exist; check the file name "
                                "(relative links are resolved against this file's folder)")
    return resolve


def _locate(doc: SourceDocument, target: str, searched_from: dict[str, int]) -> tuple[int, int | None]:
    """Python-Markdown keeps no source positions: find the target's text in the body instead.
    Problems come in document order, so the same target twice is found at its next place."""
    start = searched_from.get(target, len(doc.text) - len(doc.body))
    offset = doc.text.find(target, start)
    if offset == -1:
        return doc.body_first_line, None
    searched_from[target] = offset + len(target)
    return line_of(doc.text, offset)
