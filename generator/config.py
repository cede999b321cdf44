"""config.yaml: read, validate (every problem at once, with its line), default."""

from __future__ import annotations

import difflib
import posixpath
import re
import zoneinfo
from dataclasses import dataclass, field, replace
from pathlib import Path
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

from . import i18n, yamlutil
from .errors import BuildFailed, SiteError

DEFAULT_EXTENSIONS = ("extra", "toc", "sane_lists")
PERMALINK_FIELDS = ("year", "month", "day", "slug", "category")


@dataclass(frozen=True)
class BuildOptions:
    """The command line's flags for what to build."""

    drafts: bool = False
    future: bool = False
    search: bool = True  # False: build --no-search, the site as with `search: false`


@dataclass(frozen=True)
class FeedSettings:
    items: int = 20
    full_content: bool = True


@dataclass(frozen=True)
class MarkdownSettings:
    extensions: tuple[str, ...] = DEFAULT_EXTENSIONS
    extension_configs: dict[str, dict[str, Any]] = field(default_factory=dict, hash=False)
    smart_quotes: bool = True  # curly quotes, dashes, ellipses (typography.py), without smarty's cost
    # The site's language, for the quotation marks the typography writes (set from Config.language).
    language: str = "en"


@dataclass(frozen=True)
class ImageSettings:
    """How raster images under content/ are published (generator/media/images.py)."""

    strip_metadata: bool = True  # no EXIF, XMP or IPTC (GPS, camera serial, owner) in what is published
    keep_copyright: bool = False  # but keep EXIF Copyright and Artist
    # Responsive variants (media/responsive.py): the widths each JPEG, PNG and WebP is also
    # published in (never wider than the original), and the formats besides its own.
    widths: tuple[int, ...] = (480, 800, 1200, 1600)
    formats: tuple[str, ...] = ("webp",)
    quality: int = 82  # of the lossy variants (JPEG, WebP, AVIF)
    # The `sizes` of an image in an article's text: how wide the default theme's text column is.
    sizes: str = "(min-width: 48rem) 42rem, calc(100vw - 2rem)"


@dataclass(frozen=True)
class SearchSettings:
    """Full-text search (generator/plan/search.py): `search: false`, `true` or a mapping."""

    enabled: bool | None = None  # None: on when Pagefind is installed; True: an error when it is not
    shard_size: int = 500  # the most articles indexed together (days are never split)


@dataclass(frozen=True)
class PublisherSettings:
    """Who publishes the site, for structured data and the Google News sitemap."""

    name: str = ""  # empty: the site's title
    logo: str = ""  # a file under content/ or an absolute URL; empty: none
    type: str = "NewsMediaOrganization"  # or Organization


@dataclass(frozen=True)
class Config:
    """Validated site settings, with every path resolved."""

    site_dir: Path
    config_path: Path
    title: str
    base_url: str  # absolute, ends in "/"
    description: str = ""
    language: str = "en"
    timezone: str = "UTC"
    author: str = ""
    theme: str = "default"
    permalink: str = "/{year}/{month}/{day}/{slug}/"
    per_page: int = 10
    sections: tuple[str, ...] = ()  # the order of the sections in the navigation; others follow by name
    section_url: str = "/sections/{slug}/"
    feed: FeedSettings = FeedSettings()
    markdown: MarkdownSettings = MarkdownSettings()
    publisher: PublisherSettings = PublisherSettings()
    # (section name, schema.org type) pairs: the type of the section's articles in structured data
    section_types: tuple[tuple[str, str], ...] = ()
    share_image: str = ""  # a raster image under content/ for pages with none of their own (social cards)
    images: ImageSettings = ImageSettings()
    search: SearchSettings = SearchSettings()
    # The site's own wording over the theme's: English msgid -> text, or for a text with plural
    # forms a text or a mapping of the language's plural categories (one, few, many, other) to texts.
    strings: dict[str, Any] = field(default_factory=dict, hash=False)
    # What the build's processes may hold together, in bytes (None: the memory free). Left out of
    # repr and comparison, so out of every digest of the settings: it changes no file of the site,
    # and a build after changing it is an incremental one like any other.
    memory_limit: int | None = field(default=None, compare=False, repr=False)

    def __post_init__(self) -> None:
        # Typography writes the quotation marks of the site's language, in bodies, corrections and
        # bios as in titles: the Markdown settings carry it (and a body's render key with them).
        if self.markdown.language != self.language:
            object.__setattr__(self, "markdown", replace(self.markdown, language=self.language))

    @property
    def publisher_name(self) -> str:
        return self.publisher.name or self.title

    @property
    def content_dir(self) -> Path:
        return self.site_dir / "content"

    @property
    def themes_dir(self) -> Path:
        return self.site_dir / "themes"

    @property
    def root(self) -> str:
        """The path part of base_url: "/" or "/news/"."""
        return urlsplit(self.base_url).path

    @property
    def tz(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.timezone)


# key -> (expected type(s), human description)
_TOP_LEVEL: dict[str, tuple[type | tuple[type, ...], str]] = {
    "title": (str, "a text"),
    "base_url": (str, "an absolute URL such as https://example.org/"),
    "description": (str, "a text"),
    "language": (str, "a language code such as en, fr, de or pt-BR"),
    "timezone": (str, "an IANA time zone such as Europe/London"),
    "author": (str, "a name"),
    "theme": (str, "a theme name"),
    "permalink": (str, "a pattern such as /{year}/{month}/{day}/{slug}/"),
    "per_page": (int, "a whole number of at least 1"),
    "sections": (list, "a list of section names such as [News, Sport, Opinion]"),
    "section_url": (str, "a pattern such as /sections/{slug}/"),
    "feed": (dict, "a mapping with items and content"),
    "markdown": (dict, "a mapping with extensions and extension_configs"),
    "publisher": (dict, "a mapping with name, logo and type"),
    "section_types": (dict, "a mapping of section name to schema.org type, such as {Opinion: OpinionNewsArticle}"),
    "share_image": (str, "a PNG, JPEG, WebP or GIF file under content/, such as images/share.png"),
    "images": (dict, "a mapping with strip_metadata, keep_copyright, widths, formats and quality"),
    "search": ((bool, dict), "true, false or a mapping with shard_size"),
    "memory_limit": ((str, int), "a size such as 1G, 1.5G or 800M (a number alone is MiB)"),
    "strings": (dict, 'a mapping of the theme\'s English texts to your own, such as {"Updated": "Last updated"}'),
}
_FEED_KEYS = {"items": (int, "a whole number of at least 1"), "content": (str, "full or summary")}
_MARKDOWN_KEYS = {
    "extensions": (list, "a list of Python-Markdown extension names"),
    "extension_configs": (dict, "a mapping of extension name to its options"),
    "smart_quotes": (bool, "true or false"),
}
_IMAGES_KEYS = {
    "strip_metadata": (bool, "true or false"),
    "keep_copyright": (bool, "true or false"),
    "widths": (list, "a list of widths in pixels, such as [480, 800, 1200, 1600]"),
    "formats": (list, "a list of formats besides the original's: [webp], [avif, webp] or []"),
    "quality": (int, "a whole number from 1 to 100"),
    "sizes": (str, "a `sizes` attribute, such as (min-width: 48rem) 42rem, 100vw"),
}
_SEARCH_KEYS = {"shard_size": (int, "a whole number of articles from 1 to 100000, such as 500")}
# The formats images.formats may name, best first (a browser takes the first <source> it can show).
IMAGE_FORMATS = ("avif", "webp")
_PUBLISHER_KEYS = {
    "name": (str, "the publisher's name"),
    "logo": (str, "a file under content/ such as images/logo.png, or an absolute URL"),
    "type": (str, "NewsMediaOrganization or Organization"),
}
PUBLISHER_TYPES = ("NewsMediaOrganization", "Organization")
# The schema.org types an article's structured data may have (front matter `schema_type`, `section_types`).
ARTICLE_TYPES = ("NewsArticle", "OpinionNewsArticle", "ReportageNewsArticle", "AnalysisNewsArticle",
                 "BackgroundNewsArticle", "ReviewNewsArticle", "Article")
_REQUIRED = ("title", "base_url")


def load_config(site_dir: Path, base_url_override: str | None = None) -> Config:
    """Read site_dir/config.yaml. Raises BuildFailed with every problem found."""
    path = site_dir / "config.yaml"
    if not path.is_file():
        raise BuildFailed([SiteError(
            "no config.yaml here; a site needs config.yaml with at least `title` and `base_url` "
            "(use --site DIR to point at the site folder)", path)])
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        raise BuildFailed([SiteError("config.yaml is not UTF-8 text", path, 1)]) from exc
    try:
        data = yamlutil.load(text) if text.strip() else {}
    except yamlutil.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else None
        col = mark.column + 1 if mark else None
        raise BuildFailed([SiteError(f"invalid YAML: {exc.problem or exc}", path, line, col)]) from exc
    except yamlutil.YAMLError as exc:
        raise BuildFailed([SiteError(f"invalid YAML: {exc}", path, 1)]) from exc
    if not isinstance(data, dict):
        raise BuildFailed([SiteError("config.yaml must be a mapping of settings (key: value)", path, 1)])

    lines = yamlutil.top_level_key_lines(text) if text.strip() else {}
    errors: list[SiteError] = []

    def err(message: str, key: str | None, key_lines: dict[str, int] = lines) -> None:
        errors.append(SiteError(message, path, key_lines.get(key, 1) if key else 1))

    values = _check_keys(data, _TOP_LEVEL, "", err)
    for key in _REQUIRED:
        if key not in data:
            err(f"missing required setting `{key}`: {_TOP_LEVEL[key][1]}", None)

    if base_url_override is not None:
        values["base_url"] = base_url_override
    if "base_url" in values:
        base_url = values["base_url"]
        parts = urlsplit(base_url)
        if parts.scheme not in ("http", "https") or not parts.netloc or parts.query or parts.fragment:
            err(f"`base_url` must be an absolute http(s) URL such as https://example.org/news/, not {base_url!r}",
                "base_url")
        elif not base_url.endswith("/"):
            values["base_url"] = base_url + "/"
    if "language" in values:
        # Checked against CLDR's languages without loading Babel (i18n.check_language), and
        # written as pages want it: fr_CA -> fr-CA.
        values["language"], problem = i18n.check_language(values["language"])
        if problem:
            err(problem, "language")
    if "strings" in values:
        # Which texts the theme has is known once the theme is loaded: i18n.load_localization.
        strings_lines = yamlutil.nested_key_lines(text, "strings")
        for key, value in values["strings"].items():
            if not isinstance(key, str) or not (isinstance(value, str) or (
                    isinstance(value, dict) and all(isinstance(k, str) and isinstance(v, str)
                                                    for k, v in value.items()))):
                err(f"`strings.{key}` must be a text, or a mapping of plural forms to texts, not {_describe(value)}",
                    str(key), strings_lines)
        values["strings"] = {str(k): v for k, v in values["strings"].items()}
    if "timezone" in values:
        try:
            zoneinfo.ZoneInfo(values["timezone"])
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            err(f"unknown time zone {values['timezone']!r}; use an IANA name such as UTC or Europe/London",
                "timezone")
    if "per_page" in values and values["per_page"] < 1:
        err("`per_page` must be at least 1", "per_page")
    if "permalink" in values:
        problem = _permalink_problem(values["permalink"])
        if problem:
            err(problem, "permalink")
    if "sections" in values:
        names = values["sections"]
        if not all(isinstance(n, str) and n.strip() for n in names):
            err("`sections` must be a list of section names such as [News, Sport, Opinion]", "sections")
        values["sections"] = tuple(str(n).strip() for n in names)
    if "section_url" in values:
        problem = _section_url_problem(values["section_url"])
        if problem:
            err(problem, "section_url")
    if "theme" in values and not re.fullmatch(r"[A-Za-z0-9_.-]+", values["theme"]):
        err(f"`theme` must be a theme folder name, not {values['theme']!r}", "theme")

    if "feed" in values:
        feed_lines = yamlutil.nested_key_lines(text, "feed")
        feed = _check_keys(values["feed"], _FEED_KEYS, "feed.",
                           lambda m, k: err(m, k, feed_lines) if k else err(m, "feed"))
        if feed.get("items", 1) < 1:
            err("`feed.items` must be at least 1", "items", feed_lines)
        if feed.get("content", "full") not in ("full", "summary"):
            err(f"`feed.content` must be full or summary, not {feed['content']!r}", "content", feed_lines)
        values["feed"] = FeedSettings(items=feed.get("items", 20), full_content=feed.get("content", "full") == "full")
    if "markdown" in values:
        md_lines = yamlutil.nested_key_lines(text, "markdown")
        md = _check_keys(values["markdown"], _MARKDOWN_KEYS, "markdown.",
                         lambda m, k: err(m, k, md_lines) if k else err(m, "markdown"))
        extensions = md.get("extensions", list(DEFAULT_EXTENSIONS))
        if not all(isinstance(e, str) for e in extensions):
            err("`markdown.extensions` must be a list of extension names", "extensions", md_lines)
            extensions = list(DEFAULT_EXTENSIONS)
        values["markdown"] = MarkdownSettings(tuple(extensions), md.get("extension_configs", {}),
                                              md.get("smart_quotes", True))
    if "share_image" in values:
        problem = _share_image_problem(site_dir, values["share_image"])
        if problem:
            err(problem, "share_image")
    if "images" in values:
        images_lines = yamlutil.nested_key_lines(text, "images")
        images = _check_keys(values["images"], _IMAGES_KEYS, "images.",
                             lambda m, k: err(m, k, images_lines) if k else err(m, "images"))
        values["images"] = _image_settings(images, lambda m, k: err(m, k, images_lines))
    if "search" in values:
        values["search"] = _search_settings(values["search"], text, err)
    if "publisher" in values:
        publisher_lines = yamlutil.nested_key_lines(text, "publisher")
        publisher = _check_keys(values["publisher"], _PUBLISHER_KEYS, "publisher.",
                                lambda m, k: err(m, k, publisher_lines) if k else err(m, "publisher"))
        kind = publisher.get("type", PublisherSettings.type)
        problem = choice_problem(kind, PUBLISHER_TYPES)
        if problem:
            err(f"`publisher.type` {problem}", "type", publisher_lines)
        logo = publisher.get("logo", "").strip()
        if logo:
            logo, problem = _logo(site_dir, logo)
            if problem:
                err(problem, "logo", publisher_lines)
        values["publisher"] = PublisherSettings(publisher.get("name", "").strip(), logo, kind)
    if "memory_limit" in values:
        try:
            values["memory_limit"] = memory_size(str(values["memory_limit"]))
        except ValueError as problem:
            err(f"`memory_limit`: {problem}", "memory_limit")
    if "section_types" in values:
        type_lines = yamlutil.nested_key_lines(text, "section_types")
        pairs = []
        for name, kind in values["section_types"].items():
            problem = article_type_problem(kind)
            if problem:
                err(f"`section_types.{name}` {problem}", str(name), type_lines)
            elif not str(name).strip():
                err("`section_types` needs a section name before each type", None)
            else:
                pairs.append((str(name).strip(), kind))
        values["section_types"] = tuple(pairs)

    if errors:
        raise BuildFailed(errors)
    return Config(site_dir=site_dir, config_path=path, **values)


def memory_size(text: str) -> int:
    """A size in bytes from "1G", "1.5G", "800M" or "800" (MiB); ValueError saying what is wrong."""
    text = text.strip()
    number, unit = (text[:-1], text[-1].upper()) if text[-1:].isalpha() else (text, "M")
    try:
        size = float(number) * {"M": 2**20, "G": 2**30}[unit]
    except (ValueError, KeyError):
        raise ValueError(f"{text!r} is not a size: give one such as 1G, 1.5G or 800M") from None
    if not size >= 2**20:  # also refuses nan
        raise ValueError(f"{text!r} is too small: give at least 1M, such as 1G or 800M")
    return int(size)


def _check_keys(data: dict, schema: dict, prefix: str, err) -> dict[str, Any]:
    """Known keys with values of the right type; an error for each other key."""
    values: dict[str, Any] = {}
    for key, value in data.items():
        key = str(key)
        if key not in schema:
            close = difflib.get_close_matches(key, schema, n=1, cutoff=0.6)
            hint = f"; did you mean `{prefix}{close[0]}`?" if close else f"; known settings: {', '.join(schema)}"
            err(f"unknown setting `{prefix}{key}`{hint}", key)
            continue
        expected, description = schema[key]
        # bool is an int to Python, but `per_page: true` is no number; a bool setting wants a bool.
        wants_bool = expected is bool or (isinstance(expected, tuple) and bool in expected)
        if (isinstance(value, bool) and not wants_bool) or not isinstance(value, expected):
            err(f"`{prefix}{key}` must be {description}, not {_describe(value)}", key)
            continue
        values[key] = value
    return values


def _permalink_problem(pattern: str) -> str | None:
    if not pattern.startswith("/"):
        return f"`permalink` must start with /, as in /{{year}}/{{slug}}/, not {pattern!r}"
    names = re.findall(r"\{([^}]*)\}", pattern)
    unknown = [n for n in names if n not in PERMALINK_FIELDS]
    if unknown:
        return (f"`permalink` has unknown placeholder {{{unknown[0]}}}; "
                f"use {', '.join('{' + n + '}' for n in PERMALINK_FIELDS)}")
    if "slug" not in names:
        return "`permalink` must contain {slug} so that every article gets its own URL"
    return None


def _section_url_problem(pattern: str) -> str | None:
    rest = pattern.replace("{slug}", "", 1)
    if not (pattern.startswith("/") and pattern.endswith("/")) or "{slug}" not in pattern or "{" in rest:
        return (f"`section_url` must start and end with / and contain {{slug}} once, "
                f"as in /sections/{{slug}}/, not {pattern!r}")
    return None


SHARE_IMAGE_TYPES = (".png", ".jpg", ".jpeg", ".webp", ".gif")  # what social sites accept for a card


def _share_image_problem(site_dir: Path, name: str) -> str | None:
    if not name.lower().endswith(SHARE_IMAGE_TYPES):
        return (f"`share_image` must be a PNG, JPEG, WebP or GIF file (social sites reject SVG), "
                f"not {name!r}")
    content = (site_dir / "content").resolve()
    path = (content / name.lstrip("/")).resolve()
    if not path.is_relative_to(content) or not path.is_file():
        return f"`share_image`: there is no file content/{name.lstrip('/')}; give a path under content/"
    return None


def article_type_problem(value: Any) -> str | None:
    """What is wrong with a schema.org type asked for an article, with the closest valid one; None if nothing."""
    return choice_problem(value, ARTICLE_TYPES)


def choice_problem(value: Any, choices: tuple[str, ...]) -> str | None:
    """What is wrong with a value that must be one of choices, with the closest one; None if nothing."""
    if isinstance(value, str) and value in choices:
        return None
    message = f"must be {' or '.join(choices) if len(choices) == 2 else 'one of ' + ', '.join(choices)}, " \
              f"not {_describe(value)}"
    if isinstance(value, str) and value.strip():
        same_but_case = [c for c in choices if c.lower() == value.strip().lower()]
        close = same_but_case or difflib.get_close_matches(value.strip(), choices, n=1, cutoff=0)
        message += f"; did you mean `{close[0]}`?"
    return message


def _logo(site_dir: Path, logo: str) -> tuple[str, str | None]:
    """publisher.logo as structured data gives it (an absolute URL, or a path under content/ without
    a leading / or ./), and what is wrong with it if anything."""
    parts = urlsplit(logo)
    if parts.scheme or parts.netloc:
        if parts.scheme not in ("http", "https") or not parts.netloc:
            return logo, f"`publisher.logo` must be a file under content/ or an absolute http(s) URL, not {logo!r}"
        return logo, None
    path = posixpath.normpath(logo.lstrip("/"))
    if path in (".", "..") or path.startswith("../"):
        return logo, f"`publisher.logo` must be a file under content/, such as images/logo.png, not {logo!r}"
    if any(part.startswith(".") for part in path.split("/")):
        return logo, (f"`publisher.logo` is never published, since files and folders whose name starts with . "
                      f"are skipped: {logo!r}")
    content = site_dir / "content"
    if not (content / path).is_file():
        inner = path.removeprefix("content/")
        hint = (f"; paths are relative to content/, so write `{inner}`"
                if inner != path and (content / inner).is_file() else "")
        return logo, f"`publisher.logo` does not exist: looked for content/{path}{hint}"
    return path, None


def _describe(value: Any) -> str:
    if value is None:
        return "nothing"
    if isinstance(value, bool):
        return f"{str(value).lower()} (true/false)"
    if isinstance(value, (list, tuple)):
        return "a list"
    if isinstance(value, dict):
        return "a mapping"
    return repr(value)


def _search_settings(value: bool | dict, text: str, err: Callable[..., None]) -> SearchSettings:
    if isinstance(value, bool):
        return SearchSettings(enabled=value)
    lines = yamlutil.nested_key_lines(text, "search")
    search = _check_keys(value, _SEARCH_KEYS, "search.", lambda m, k: err(m, k, lines) if k else err(m, "search"))
    size = search.get("shard_size", SearchSettings.shard_size)
    if not 1 <= size <= 100_000:
        err(f"`search.shard_size` must be from 1 to 100000 articles, not {size}", "shard_size", lines)
        size = SearchSettings.shard_size
    return SearchSettings(enabled=True, shard_size=size)


def _image_settings(images: dict, err: Callable[[str, str], None]) -> ImageSettings:
    """images: from config.yaml, its keys' types already checked; err(message, key) reports a bad value."""
    default = ImageSettings()
    widths = images.get("widths", list(default.widths))
    if not widths or not all(isinstance(w, int) and not isinstance(w, bool) and 16 <= w <= 10_000 for w in widths):
        err(f"`images.widths` must be a list of widths in pixels from 16 to 10000, such as [480, 800, 1200, 1600], "
            f"not {widths!r}", "widths")
        widths = list(default.widths)
    formats = images.get("formats", list(default.formats))
    wrong = [f for f in formats if not isinstance(f, str) or f.lower() not in IMAGE_FORMATS]
    if wrong:
        err(f"`images.formats` may hold {' and '.join(IMAGE_FORMATS)}, not {wrong[0]!r}", "formats")
        formats = []
    quality = images.get("quality", default.quality)
    if not 1 <= quality <= 100:
        err(f"`images.quality` must be from 1 to 100, not {quality}", "quality")
        quality = default.quality
    chosen = {f.lower() for f in formats}
    return ImageSettings(images.get("strip_metadata", True), images.get("keep_copyright", False),
                         tuple(sorted(set(widths))), tuple(f for f in IMAGE_FORMATS if f in chosen), quality,
                         images.get("sizes", default.sizes).strip() or default.sizes)
