"""Front matter to the fields of an article or page: aliases, dates, types, every mistake
reported at its line. Pure: the same front matter, file name and settings give the same
fields, so they can be kept in the build cache."""

from __future__ import annotations

import hashlib
import operator
import re
from collections.abc import Callable
from dataclasses import dataclass, fields as dataclass_fields
from datetime import date as date_type
from datetime import datetime, timedelta, timezone
from typing import Any
from urllib.parse import unquote, urlsplit

from .. import __version__, urls
from ..config import Config, article_type_problem
from ..errors import SiteError
from .frontmatter import SourceDocument
from .inputs import code_key
from .typography import smarten_text
from ..write.cache import OtherLayout

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
    "image_caption": ("image_caption", "caption"),
    "image_credit": ("image_credit", "credit"),
    "slug": ("slug",),
    "draft": ("draft",),
    "weight": ("weight", "order"),
    "corrections": ("corrections",),
    "schema_type": ("schema_type",),
    "image_focus": ("image_focus",),
    # Old URLs of the article, each given a redirect page (plan/redirects.py): Hugo's name and
    # the jekyll-redirect-from plugin's, so hand-written ones move over unedited.
    "aliases": ("aliases", "redirect_from"),
}


@dataclass(frozen=True)
class Fields:
    """What the front matter and file name say, checked and normalised."""

    is_page: bool
    title: str
    slug: str
    path: str  # site path, without the root
    date: datetime | None  # None for pages
    updated: datetime | None
    draft: bool
    tags: tuple[str, ...]
    authors: tuple[str, ...]  # as given; the site's default author is applied later
    category: str | None
    image: str | None  # as written: relative ones are resolved later
    image_alt: str
    summary: str | None  # as given in front matter
    words: int
    weight: int
    # (date, Markdown text) of each correction, newest first; the newest date counts as an update
    corrections: tuple[tuple[datetime, str], ...] = ()
    schema_type: str | None = None  # the article's schema.org type in structured data, if it asks for one
    image_caption: str | None = None  # the lead image's caption, typeset like the title
    image_credit: str | None = None  # who made the lead image: "Photo: ..." under it
    aliases: tuple[str, ...] = ()  # old URLs, as site paths: each gets a redirect page (plan/redirects.py)
    # The point of the lead image its share cards are centred on: (x, y), each from 0 to 1; None: the centre.
    image_focus: tuple[float, float] | None = None

    def to_record(self) -> tuple:
        """Plain values only (for the cache): datetimes as ISO text."""
        values = list(_ALL_FIELDS(self))  # not astuple(): it deep-copies; attrgetter: in C, for speed
        values[4] = self.date.isoformat() if self.date else None
        values[5] = self.updated.isoformat() if self.updated else None
        values[_CORRECTIONS] = tuple((when.isoformat(), text) for when, text in self.corrections)
        return tuple(values)

    @classmethod
    def from_record(cls, record: tuple) -> "Fields":
        """Raises OtherLayout on a record of another version's layout, ValueError on one that is not
        a record at all (a damaged cache). Made without __init__: a build
        reads 10,000 of these, and a frozen dataclass's __init__ sets each field by a call."""
        if type(record) is tuple and len(record) != len(_FIELD_NAMES):  # a field added or dropped since
            raise OtherLayout("a fields record of another version")
        if type(record) is not tuple or type(record[7]) is not tuple or type(record[8]) is not tuple \
                or type(record[_CORRECTIONS]) is not tuple:
            raise ValueError("not a fields record")
        values = dict(zip(_FIELD_NAMES, record))
        values["date"] = datetime.fromisoformat(record[4]) if record[4] else None
        values["updated"] = datetime.fromisoformat(record[5]) if record[5] else None
        if record[_CORRECTIONS]:
            values["corrections"] = tuple((datetime.fromisoformat(when), text) for when, text in record[_CORRECTIONS])
        made = object.__new__(cls)
        made.__dict__.update(values)
        return made


_FIELD_NAMES = tuple(f.name for f in dataclass_fields(Fields))
_CORRECTIONS = _FIELD_NAMES.index("corrections")
WORDS = _FIELD_NAMES.index("words")  # where a record holds the word count
_ALL_FIELDS = operator.attrgetter(*_FIELD_NAMES)  # every field's value, in their order, as a tuple


def fields_key(config: Config) -> str:
    """The settings fields depend on: a change to any of them means reading front matter again.
    The code too (in a checkout, an edit of it): what a field is made of may have changed."""
    return hashlib.sha256(repr((__version__, code_key(), config.timezone, config.permalink,
                                config.markdown.smart_quotes, config.language)).encode()).hexdigest()


def read_fields(doc: SourceDocument, is_page: bool, config: Config, errors: list[SiteError]) -> Fields | None:
    """The fields, or None after adding every problem found to errors."""
    path = doc.path
    meta = _normalise(doc.meta)
    before = len(errors)

    def line(name: str) -> int:
        return line_of_field(doc, name)

    title = meta.get("title")
    if title is None or (isinstance(title, str) and not title.strip()):
        errors.append(SiteError("missing `title`: add a line such as `title: Council approves budget` "
                                "to the front matter", path, line("title")))
    elif not isinstance(title, (str, int, float)):
        errors.append(SiteError("`title` must be a text", path, line("title")))
    title = str(title).strip() if isinstance(title, (str, int, float)) and not isinstance(title, bool) else ""
    # Typeset here, once: the page, the cards, the feeds and the structured data show the same text.
    typeset = config.markdown.smart_quotes
    if typeset:
        title = smarten_text(title, config.language)

    stem = path.stem
    name_date: str | None = None
    name_match = _JEKYLL_NAME.match(stem)
    if name_match:
        name_date, stem = name_match.groups()
    raw_slug = meta.get("slug")
    slug = urls.slugify(str(raw_slug)) if raw_slug not in (None, "") else urls.slugify(stem)
    if not slug:
        errors.append(SiteError(f"cannot make a URL slug from {str(raw_slug or path.stem)!r}; "
                                "add `slug: some-words` to the front matter", path, line("slug")))

    date: datetime | None = None
    if not is_page:
        raw_date = meta.get("date", name_date)
        if raw_date is None:
            errors.append(SiteError("missing `date`: add a line such as `date: 2022-02-28` or "
                                    "`date: 2022-02-28 14:30` to the front matter, or name the file "
                                    "2022-02-28-slug.md", path, line("date")))
        else:
            parsed = parse_date(raw_date, config)
            if isinstance(parsed, str):
                errors.append(SiteError(f"`date`: {parsed}", path, line("date")))
            else:
                date = parsed

    draft = False
    for flag, means_draft in (("draft", True), ("published", False)):
        value = doc.meta.get(flag)
        if value is None:
            continue
        if flag == "published" and not _is_flag(value):
            continue  # a date: the article's date when there is no `date` (see ALIASES)
        if not isinstance(value, bool):
            also = ", or a date" if flag == "published" else ""
            errors.append(SiteError(f"`{flag}` must be true or false (without quotes){also}, not {value!r}",
                                    path, doc.line_of_key(flag)))
        elif value is means_draft:
            draft = True

    tags = _names(meta.get("tags"))
    if tags is None:
        errors.append(SiteError("`tags` must be a list such as [Ukraine, NATO] or a comma-separated text "
                                "such as `Ukraine, NATO`", path, line("tags")))
    for tag in tags or ():
        if not urls.slugify(tag):
            errors.append(SiteError(f"tag {tag!r} has no letters or digits to make its URL from", path, line("tags")))
    authors = _names(meta.get("author"))
    if authors is None:
        errors.append(SiteError("`author` must be a name or a list of names", path, line("author")))
    updated = None
    if meta.get("updated") not in (None, ""):
        parsed = parse_date(meta["updated"], config)
        if isinstance(parsed, str):
            errors.append(SiteError(f"`updated`: {parsed}", path, line("updated")))
        else:
            updated = parsed
    image = meta.get("image")
    image_alt = meta.get("image_alt")
    if isinstance(image, dict):  # Jekyll themes often use image: {path: ..., alt: ...}
        if image_alt is None:
            image_alt = image.get("alt")
        image = image.get("path") or image.get("src")
    if image in (None, "", False):
        image = None
    elif not isinstance(image, str) or not _splits(image):
        errors.append(SiteError("`image` must be a file name or URL", path, line("image")))
    elif image_alt is None and not is_page:
        errors.append(SiteError(
            "`image` has no `image_alt`: add a line such as `image_alt: Councillors vote in the chamber` "
            "saying what the image shows, for readers who cannot see it, or `image_alt: \"\"` if the image "
            "is only decoration", path, line("image")))
    image_words: dict[str, str | None] = {}
    for key in ("image_caption", "image_credit"):
        value = meta.get(key)
        if value in (None, ""):
            image_words[key] = None
        elif isinstance(value, bool) or not isinstance(value, (str, int, float)):
            errors.append(SiteError(f"`{key}` must be a text, not {type(value).__name__}", path, line(key)))
        else:
            text = " ".join(str(value).split())
            image_words[key] = smarten_text(text, config.language) if typeset else text
    weight = meta.get("weight", 0)
    if isinstance(weight, bool) or not isinstance(weight, int):
        errors.append(SiteError("`weight` must be a whole number", path, line("weight")))
    corrections = _corrections(meta.get("corrections"), config, lambda message: errors.append(
        SiteError(f"`corrections`: {message}", path, line("corrections"))))
    if corrections and (updated is None or corrections[0][0] > updated):
        updated = corrections[0][0]  # a correction is an update: feeds and the sitemap say so
    schema_type = meta.get("schema_type") if meta.get("schema_type") != "" else None
    type_problem = article_type_problem(schema_type) if schema_type is not None else None
    if type_problem:
        errors.append(SiteError(f"`schema_type` {type_problem}", path, line("schema_type")))
    aliases, alias_problem = read_aliases(doc, meta)
    if alias_problem is not None:
        errors.append(alias_problem)
    image_focus = read_focus(meta.get("image_focus"))
    if isinstance(image_focus, str):
        errors.append(SiteError(f"`image_focus` {image_focus}", path, line("image_focus")))

    if len(errors) > before:
        return None
    assert tags is not None and authors is not None and (is_page or date is not None)
    category = _category(meta.get("category"))
    summary = meta.get("summary")
    return Fields(
        is_page=is_page, title=title, slug=slug,
        path=urls.page_path(slug) if is_page else urls.article_path(config.permalink, date, slug, category),
        date=date, updated=updated, draft=draft, tags=tags, authors=authors, category=category,
        image=image, image_alt=str(image_alt) if image_alt is not None else "",
        summary=_summary(summary, config.language if typeset else None),
        words=len(doc.body.split()), weight=weight, corrections=corrections, schema_type=schema_type,
        image_caption=image_words["image_caption"], image_credit=image_words["image_credit"],
        aliases=aliases, image_focus=image_focus if isinstance(image_focus, tuple) else None,
    )


_FOCUS_EXAMPLE = ("must be a point in the lead image: x (from its left edge) and y (from its top), each "
                  "from 0 to 1, such as `image_focus: 0.5, 0.3` or `image_focus: [0.5, 0.3]`")


def read_focus(value: Any) -> tuple[float, float] | str | None:
    """image_focus as (x, y), None when not given, or what is wrong with it (for the message)."""
    if value in (None, ""):
        return None
    if isinstance(value, str):
        parts: list[Any] = [part for part in re.split(r"[,\s]+", value.strip()) if part]
    elif isinstance(value, (list, tuple)):
        parts = list(value)
    else:
        return f"{_FOCUS_EXAMPLE}, not {value!r}"
    numbers = []
    for part in parts:
        try:
            number = float(part) if not isinstance(part, bool) else None
        except (TypeError, ValueError):
            number = None
        if number is None or not 0 <= number <= 1:  # NaN fails both comparisons
            return f"{_FOCUS_EXAMPLE}, not {value!r}"
        numbers.append(number)
    if len(numbers) != 2:
        return f"{_FOCUS_EXAMPLE}, not {value!r} ({len(numbers)} number{'s' if len(numbers) != 1 else ''})"
    return numbers[0], numbers[1]


def _normalise(raw: dict[str, Any]) -> dict[str, Any]:
    """Our names for the fields, whichever generator's names the author used."""
    meta: dict[str, Any] = {}
    lowered = {k.lower(): v for k, v in raw.items()}
    for name, aliases in ALIASES.items():
        for alias in aliases:
            if alias in lowered and not _not_this(name, alias, lowered[alias]):
                meta[name] = lowered[alias]
                break
    return meta


def _not_this(name: str, alias: str, value: Any) -> bool:
    """`published: true` or `false` is Jekyll's draft flag (read as such in read_fields), not a date."""
    return alias == "published" and name == "date" and _is_flag(value)


def _is_flag(value: Any) -> bool:
    return isinstance(value, bool) or (isinstance(value, str) and value.strip().lower() in ("true", "false"))


def line_of_field(doc: SourceDocument, name: str) -> int:
    """The line of the field in the front matter, under whichever of its names the author used
    (`cover` or `featured_image` for `image`, say)."""
    return doc.line_of_key(_key_used(doc.meta, name))


def _key_used(raw: dict[str, Any], name: str) -> str:
    lowered = {k.lower(): k for k in raw}
    return next((lowered[a] for a in ALIASES[name] if a in lowered and not _not_this(name, a, raw[lowered[a]])),
                name)


def read_aliases(doc: SourceDocument, meta: dict[str, Any] | None = None) -> tuple[tuple[str, ...], SiteError | None]:
    """The old URLs front matter gives (`aliases`, or `redirect_from`) as site paths without the
    root, decoded ("/2019/05/caf\u00e9/"): the folder ones ending in /, else ending in .html or
    another suffix. A full URL counts by its path. The first problem found stops the reading.
    meta: the front matter as _normalise gives it, when the caller has it already."""
    if meta is None:
        meta = _normalise(doc.meta)
    value = meta.get("aliases")
    if value in (None, "", []):
        return (), None
    where = line_of_field(doc, "aliases")
    values = [value] if isinstance(value, str) else value
    if not isinstance(values, list) or not all(isinstance(v, str) for v in values):
        return (), SiteError("`aliases` must be a list of old URL paths such as [/2019/05/old-title/]",
                             doc.path, where)
    found: list[str] = []
    for raw in values:
        path = alias_path(raw)
        if path is None:
            return (), SiteError(f"alias {raw!r} is not a URL path a static file can answer: write it as "
                                 "/2019/05/old-title/ or /old-title.html (no query, no ..)", doc.path, where)
        if path not in found:
            found.append(path)
    return tuple(found), None


def _splits(url: str) -> bool:
    """Whether url can be split into its parts at all (not "https://x]y/", an unclosed [ in the host)."""
    try:
        urlsplit(url)
    except ValueError:
        return False
    return True


def alias_path(raw: str) -> str | None:
    """An old URL as a site path, or None when no file can stand at it (a query string, ..)."""
    text = raw.strip()
    if "://" in text:
        try:
            parts = urlsplit(text)
        except ValueError:  # such as an unclosed [ in the host
            return None
        if parts.query:
            return None
        text = parts.path or "/"
    if not text or "?" in text or "\\" in text or any(c.isspace() for c in text):
        return None
    text = unquote(text.split("#", 1)[0])
    if not text.startswith("/"):
        text = "/" + text
    segments = text.split("/")
    if any(segment in (".", "..") for segment in segments) or "//" in text:
        return None
    if not text.endswith("/") and "." not in segments[-1]:
        text += "/"  # a folder, as the old server answered /old-title with /old-title/
    return text


def _summary(value: Any, language: str | None) -> str | None:
    """The front matter's summary on one line, typeset in the language given (None: as written)."""
    if not isinstance(value, str) or not value.strip():
        return None
    text = " ".join(value.split())
    return smarten_text(text, language) if language is not None else text


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
    # A fixed offset, as it comes back from the cache: the same date must look the same either way.
    return parsed.replace(tzinfo=timezone(parsed.utcoffset()))


def _offset(text: str) -> timezone:
    if text.upper() == "Z":
        return timezone.utc
    sign = -1 if text[0] == "-" else 1
    digits = text[1:].replace(":", "")
    hours, minutes = (int(digits), 0) if len(digits) <= 2 else (int(digits[:-2]), int(digits[-2:]))
    return timezone(sign * timedelta(hours=hours, minutes=minutes))


def _corrections(value: Any, config: Config, report: Callable[[str], None]) -> tuple[tuple[datetime, str], ...]:
    """Each correction's date and text, newest first (in the order written on the same date)."""
    if value in (None, ""):
        return ()
    example = "a list of corrections, each with a date and a text, such as `- {date: 2022-03-09, text: ...}`"
    if not isinstance(value, list):
        report(f"must be {example}")
        return ()
    found: list[tuple[datetime, str]] = []
    for n, item in enumerate(value, 1):
        if not isinstance(item, dict) or set(item) - {"date", "text"}:
            report(f"item {n} must be a mapping with `date` and `text` only ({example})")
            continue
        when = parse_date(item.get("date"), config) if item.get("date") is not None else "is missing its `date`"
        text = item.get("text")
        if isinstance(when, str):
            report(f"item {n}: {when}")
        elif not isinstance(text, str) or not text.strip():
            report(f"item {n} needs a `text` saying what was corrected")
        else:
            found.append((when, text.strip()))
    found.sort(key=lambda c: c[0].timestamp(), reverse=True)
    return tuple(found)


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
