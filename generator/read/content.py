"""content/: articles, pages and files to copy, read and rendered to HTML.

Two passes: first every file's front matter (so that every article's URL is
known), then every body, so that a relative link to another article can be
rewritten to that article's URL. A body that links to no file of the site (most
do not) is rendered in the first pass, while its file is in hand.
"""

from __future__ import annotations

import contextlib
import dataclasses
import functools
import marshal
import math
import os
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from html import escape
from pathlib import Path
from urllib.parse import quote, unquote, urlsplit

from .. import urls
from ..config import BuildOptions, Config
from ..errors import BuildFailed, SiteError, line_of
from ..media import is_raster
from ..media.responsive import (Responsive, ShareCards, resizable_size, responsive_for, save_facts, share_cards_for,
                                use_cache_folder)
from ..media.sizes import has_size, image_size
from ..write.cache import BodyResult, ContentCache, Entry, LazyText, cache_file, digest
from ..write.parallel import forked_map, worth_it
from .bodies import (BodyJob, Rendered, as_values, cached_body, from_values, render_again, render_before_links,
                     render_bodies, render_key)
from .fields import WORDS, Fields, fields_key, read_fields
from .frontmatter import SourceDocument, read_document
from .inputs import ScannedInputs, discover
from .markup import ImageLink, LinkProblem, MarkdownRenderer, is_relative_reference, plain_text, renderer_for

WORDS_PER_MINUTE = 230
# Below this many front matters to read, starting worker processes costs more than it saves.
PARALLEL_READ_FROM = 1000


@dataclass(frozen=True)
class ArticleCorrection:
    date: datetime
    html: str  # the correction's text, from Markdown


@dataclass(frozen=True)
class Article:
    source: str  # the Markdown file's path
    title: str
    date: datetime
    updated: datetime | None
    authors: tuple[str, ...]
    tags: tuple[str, ...]
    category: str | None
    summary_html: str
    summary_text: str
    body: LazyText  # content_html, read from the cache only if a page that shows it is rendered
    content_digest: str  # of content_html: what pages that show it depend on
    image: str | None  # a URL (root-relative or absolute)
    image_alt: str
    slug: str
    path: str  # site path, without the root
    draft: bool
    scheduled: bool
    reading_minutes: int
    corrections: tuple[ArticleCorrection, ...]  # newest first
    # What fixes every field above, with the site's settings, but the body, the image and the
    # schedule: a digest of the front matter's fields and the summary (see _teaser_base). A field
    # made from anything else must be added to render._Digests.
    teaser_base: str
    schema_type: str | None = None  # as front matter asks (in teaser_base); else the section's, else NewsArticle
    # The summary is the front matter's, a standfirst of its own (in teaser_base); else it is the start
    # of the story (its first paragraph, or the text before `<!-- more -->`), not to be shown twice.
    summary_given: bool = False
    image_caption: str | None = None  # the lead image's caption and credit, typeset (in teaser_base)
    image_credit: str | None = None
    # The lead image's intrinsic (width, height) when it is a file under content/ whose size could
    # be read (media/sizes.py): in render._Digests, since it comes from the image, not the text.
    image_size: tuple[int, int] | None = None
    # Its responsive variants (media/responsive.py), when it is a JPEG, PNG or WebP under content/:
    # also from the image, and in render._Digests by their key (which holds the hash of its bytes).
    image_variants: Responsive | None = None
    aliases: tuple[str, ...] = ()  # its old URLs (site paths), each given a redirect page
    # The lead image cut for social sites and structured data (media/responsive.py), when it has
    # variants: from the image and image_focus, and in render._Digests by their key.
    share_cards: ShareCards | None = None
    # The body's relative links as written, with what each resolved to (BodyResult.links, the
    # cache's own tuple: no copy): which images it shows, looked at only to place an image's error.
    links: tuple[tuple[str, str], ...] = ()

    @property
    def content_html(self) -> str:
        return self.body.get()


@dataclass(frozen=True)
class Page:
    source: str
    title: str
    slug: str
    path: str
    content_html: str
    summary_text: str
    weight: int
    aliases: tuple[str, ...] = ()
    links: tuple[tuple[str, str], ...] = ()  # as Article.links


@dataclass(frozen=True)
class StaticFile:
    source: Path
    path: str  # relative output path, same as under content/


@dataclass(frozen=True)
class Content:
    articles: tuple[Article, ...]
    pages: tuple[Page, ...]
    files: tuple[StaticFile, ...]
    rendered: int = 0  # Markdown bodies rendered (the others came from the cache)
    next_change: datetime | None = None  # the first scheduled date: then the site must be built again
    # The site paths of the articles whose source changed since the cache was made, when that is
    # all that changed: no source added or removed, none moved (see _place), no page changed.
    # None when any of that may have happened, or there was no cache to tell.
    changed: tuple[str, ...] | None = None
    # Every Markdown file as read (write/site_store.py keeps them, so that an edit reads no other),
    # and what a relative link to each file under content/ gives.
    sources: tuple["SourceState", ...] = ()
    links: "LinkTargets | None" = None


@dataclass(frozen=True)
class SourceState:
    """A Markdown file as a build read it, which is all an edited build needs of an unchanged one."""

    key: str  # relative to the site folder: "content/posts/x.md"
    digest: str  # of its bytes
    fields: tuple  # Fields.to_record()
    included: bool  # built (not a draft or scheduled article left out)


@dataclass(frozen=True)
class LinkTargets:
    """Where a relative link leads, by the target file's normalised path: the URL of each source
    and file built, and why each source left out cannot be linked to."""

    targets: Mapping[str, str]
    excluded: Mapping[str, str]


@dataclass
class _Source:
    """A Markdown file as the first pass leaves it."""

    key: str  # path relative to the site folder: the cache key
    path: str
    source_digest: str
    meta: dict | None  # None when the cache did not keep it (it is read again if ever needed)
    fields: Fields
    included: bool
    excluded_reason: str

    def document_body(self) -> str:
        return self.document().body

    def document(self) -> SourceDocument:
        """The file split again (rarely needed: a body to render, an error to place). Not kept:
        10,000 sources held as text would double a build's memory."""
        doc = read_document(Path(self.path), _read_bytes(self.path), self.meta)
        assert not isinstance(doc, SiteError)  # it was read without error just before
        return doc


def source_keys(content_dir: Path) -> Callable[[str], str]:
    """key(path): the key of a file found under content_dir, its path relative to the site folder
    with "/" ("content/2022/a.md"). content_dir is site_dir/content, and every path found starts
    with it, however the site folder was named (".", relative or absolute)."""
    prefix = len(str(content_dir)) + 1

    def key(path: str) -> str:
        return "content/" + path[prefix:].replace(os.sep, "/")

    return key


def load_content(config: Config, options: BuildOptions, now: datetime,
                 cache: ContentCache | None = None, unchanged: Callable[[str], bool] | None = None,
                 inputs: ScannedInputs | None = None,
                 reading: Callable[[int, int], None] | None = None) -> Content:
    """Read and render everything under content/. Raises BuildFailed with every problem.

    With a cache, a file whose bytes are unchanged is not parsed again, and a body
    whose text, settings and link targets are unchanged is not rendered again;
    the cache is updated with what this build learnt.

    unchanged(path) says a file is known not to have changed since the cache's entry for it
    was made (the preview's watcher knows): such a file is not even read. inputs: the content
    as already found and hashed by inputs.scan_inputs, so that it is not read twice.
    reading(done, of): told as the files whose front matter is read come in, every thousand."""
    content_dir = config.content_dir
    errors: list[SiteError] = []
    if inputs is None:
        markdown_files, other_files = discover(content_dir, config.site_dir, errors)
        known_digests: dict[str, str] = {}
    else:
        markdown_files, other_files = list(inputs.markdown_files), list(inputs.other_files)
        errors.extend(inputs.problems)
        known_digests = inputs.source_digests
    old_entries = cache.entries if cache else {}
    new_entries: dict[str, Entry] = {}
    key_for_fields = fields_key(config)
    pages_dir = str(content_dir / "pages") + os.sep
    key_of = source_keys(content_dir)

    # Which files changed, and which of them need their front matter read.
    found: list[_Found] = []
    for path in markdown_files:
        key = key_of(path)
        entry = old_entries.get(key)
        if entry is not None and unchanged is not None and unchanged(path):
            raw, source_digest = b"", entry.source_digest
        elif path in known_digests:
            raw, source_digest = b"", known_digests[path]
        else:
            try:
                raw = _read_bytes(path)
            except OSError as exc:
                errors.append(SiteError(f"cannot read file: {exc.strerror}", Path(path)))
                continue
            source_digest = digest(raw)
        same_bytes = entry is not None and entry.source_digest == source_digest
        known = same_bytes and entry.fields is not None and entry.fields_key == key_for_fields
        found.append(_Found(key, path, entry, raw, source_digest, same_bytes, known, path.startswith(pages_dir)))
    with _keeper(cache) as keep:
        read, rendered_early = _read_sources(config, options, now, [f for f in found if not f.known], keep, reading)

    sources: list[_Source] = []
    unreadable: list[str] = []  # sources with errors of their own: a link to one is not to a missing file
    learnt = False  # anything the cache did not know
    changed: list[str] | None = [] if cache is not None and old_entries.keys() == {f.key for f in found} else None
    for f in found:
        key, path, entry, source_digest = f.key, f.path, f.entry, f.source_digest
        if f.known:
            meta = entry.meta
            fields = entry.fields_value if entry.fields_value is not None else Fields.from_record(entry.fields)
            new_entries[key] = entry  # as it was (its body is checked below): nothing to copy
        else:
            meta, read_fields_or_none, problems = read[key]
            errors.extend(problems)
            learnt = True
            if meta is None and read_fields_or_none is None:
                unreadable.append(path)
                continue
            if read_fields_or_none is None:
                new_entries[key] = Entry(source_digest, meta)
                unreadable.append(path)
                continue
            fields = read_fields_or_none
            if changed is not None:
                old = entry.fields_value if entry is not None else None
                if f.same_bytes or fields.is_page or not isinstance(old, Fields) or _place(old) != _place(fields):
                    changed = None
                else:
                    changed.append(fields.path)
            new_entries[key] = Entry(source_digest, meta, fields_key=key_for_fields, fields=fields.to_record(),
                                     fields_value=fields)
        reason = _left_out(fields, options, now)
        sources.append(_Source(key, path, source_digest, meta, fields, not reason, reason))

    files = tuple(StaticFile(Path(p), Path(p).relative_to(content_dir).as_posix()) for p in other_files)
    targets: dict[str, str] = {os.path.normpath(f.source): quote(f.path) for f in files}
    excluded: dict[str, str] = {}
    for source in sources:
        if source.included:
            targets[os.path.normpath(source.path)] = source.fields.path.lstrip("/")
        else:
            excluded[os.path.normpath(source.path)] = source.excluded_reason
    for path in unreadable:
        excluded[os.path.normpath(path)] = "has errors of its own (reported for that file)"

    link = urls.Urls(config.base_url, config.root).link
    # The hashes of images, for their variants' names, are kept beside the image cache.
    use_cache_folder(cache_file(config.site_dir).parent / "variants")
    key_now = render_key(config.markdown)
    included = [s for s in sources if s.included]
    by_folder: dict[str, Callable[[str], str | LinkProblem]] = {}  # a resolver depends on the folder alone
    resolvers = {}
    for source in included:
        folder = os.path.dirname(source.path)
        if folder not in by_folder:
            by_folder[folder] = _make_resolver(Path(folder), content_dir, targets, excluded, link, config)
        resolvers[source.key] = by_folder[folder]
    bodies: dict[str, BodyResult] = {}
    problems: dict[str, tuple[LinkProblem, ...]] = {}
    to_render: list[BodyJob] = []
    for source in included:
        cached = cached_body(cache, source.key, resolvers[source.key], source.source_digest, key_now)
        if cached is not None:
            # Used only if the cache's copy turns out damaged: a partial costs less than a job.
            cached.text.fallback = functools.partial(_render_again, config, source, resolvers[source.key])
            bodies[source.key] = cached
        elif source.key in rendered_early:
            early = rendered_early[source.key]
            bodies[source.key], problems[source.key] = early.result, early.problems
        else:
            to_render.append(BodyJob(source.key, source.document_body, resolvers[source.key]))
    with _keeper(cache) as keep:
        for job, rendered in zip(to_render, render_bodies(to_render, config.markdown, keep)):
            bodies[job.key], problems[job.key] = rendered.result, rendered.problems
    rendered_count = len(to_render) + sum(source.key in rendered_early for source in included)

    articles: list[Article] = []
    pages: list[Page] = []
    corrections = _Corrections(config)
    for source in included:
        body, fields = bodies[source.key], source.fields
        found_problems = problems.get(source.key)
        if found_problems:
            errors.extend(_link_errors(source, found_problems))
        entry = new_entries[source.key]
        body = _without_second_summary(fields, body)
        kept = (key_now, body) if not found_problems else ("", None)
        if (entry.render_key, entry.body) != kept or not entry.teaser_base:
            entry.render_key, entry.body = kept
            entry.teaser_base, entry.summary_text = _teaser_texts(fields, body, _record_of(entry, fields))
            learnt = True
        if fields.is_page:
            summary_text = fields.summary if fields.summary else entry.summary_text
            pages.append(Page(source.path, fields.title, fields.slug, fields.path, body.html, summary_text,
                              fields.weight, fields.aliases, body.links))
            continue
        articles.append(_article(config, source, body, entry.teaser_base, entry.summary_text,
                                 resolvers[source.key], link, now, corrections, errors))
    save_facts()

    if cache is not None:
        cache.changed = learnt or cache.entries.keys() != new_entries.keys()
        cache.entries = new_entries
        cache.read_all = cache.read_all or unchanged is None
    if errors:
        raise BuildFailed(errors)
    # A draft left out never comes out by the clock: its date passing changes nothing.
    upcoming = [s.fields.date for s in sources if s.fields.date is not None and s.fields.date > now
                and (options.drafts or not s.fields.draft)]
    states = tuple(SourceState(s.key, s.source_digest, _record_of(new_entries[s.key], s.fields), s.included)
                   for s in sources)
    return Content(tuple(articles), tuple(pages), files, rendered=rendered_count,
                   next_change=min(upcoming, default=None), changed=None if changed is None else tuple(changed),
                   sources=states, links=LinkTargets(targets, excluded))


@dataclass(frozen=True)
class Edited:
    """Markdown files edited since the last build, read and rendered on their own."""

    articles: dict[str, Article]  # by source key: the built ones (not drafts or scheduled articles left out)
    sources: tuple[SourceState, ...]
    rendered: int
    entries: dict[str, Entry]  # for the cache, by source key, as load_content would leave them


def load_edited(config: Config, options: BuildOptions, now: datetime, edited: Sequence[tuple[str, str]],
                known: Callable[[str], SourceState | None], links: LinkTargets,
                keep: Callable[[BodyResult], None]) -> Edited | None:
    """Read and render only these (path, key) Markdown files, every other source being as the
    last build read it (`known` gives each as it was, `links` where a link leads). None when an
    edit does more than change what an article shows (a page, an article moved: see _place), which
    only a whole build follows. Raises BuildFailed as load_content would; keep(body) as it does."""
    errors: list[SiteError] = []
    content_dir = config.content_dir
    pages_dir = str(content_dir / "pages") + os.sep
    link = urls.Urls(config.base_url, config.root).link
    use_cache_folder(cache_file(config.site_dir).parent / "variants")
    states: list[SourceState] = []
    entries: dict[str, Entry] = {}
    key_for_fields = fields_key(config)
    jobs: list[tuple[_Source, Callable[[str], str | LinkProblem]]] = []
    for path, key in edited:
        before = known(key)
        if before is None or path.startswith(pages_dir):
            return None
        try:
            raw = _read_bytes(path)
        except OSError as exc:
            errors.append(SiteError(f"cannot read file: {exc.strerror}", Path(path)))
            continue
        source_digest = digest(raw)
        meta, fields, problems = _read(config, _Found(key, path, None, raw, source_digest, False, False, False))
        errors.extend(problems)
        if meta is None or fields is None:
            continue
        if _place(Fields.from_record(before.fields)) != _place(fields):
            return None
        included = not _left_out(fields, options, now)
        if included != before.included:
            return None
        states.append(SourceState(key, source_digest, fields.to_record(), included))
        entries[key] = Entry(source_digest, meta, fields_key=key_for_fields, fields=fields.to_record())
        if included:
            resolver = _make_resolver(Path(os.path.dirname(path)), content_dir, links.targets, links.excluded, link,
                                      config)
            jobs.append((_Source(key, path, source_digest, meta, fields, True, ""), resolver))
    if errors:
        raise BuildFailed(errors)
    articles: dict[str, Article] = {}
    corrections = _Corrections(config)
    done = render_bodies([BodyJob(source.key, source.document_body, resolver) for source, resolver in jobs],
                         config.markdown, keep)
    for (source, resolver), rendered in zip(jobs, done):
        if rendered.problems:
            errors.extend(_link_errors(source, rendered.problems))
            continue
        body = _without_second_summary(source.fields, rendered.result)
        teaser_base, summary_text = _teaser_texts(source.fields, body)
        entry = entries[source.key]
        entry.render_key, entry.body, entry.teaser_base, entry.summary_text = \
            render_key(config.markdown), body, teaser_base, summary_text
        articles[source.key] = _article(config, source, body, teaser_base, summary_text, resolver, link, now,
                                        corrections, errors)
    save_facts()
    if errors:
        raise BuildFailed(errors)
    return Edited(articles, tuple(states), len(jobs), entries)


def _link_errors(source: _Source, problems: Sequence[LinkProblem]) -> list[SiteError]:
    """The body's broken links, each at its line and column in the source."""
    searched_from: dict[str, int] = {}
    doc = source.document()
    found = []
    for problem in problems:
        line, col = locate_target(doc, problem.target, searched_from)
        found.append(SiteError(problem.message, Path(source.path), line, col))
    return found


def _without_second_summary(fields: Fields, body: BodyResult) -> BodyResult:
    """The front matter's summary is the one shown: the body's first paragraph is not kept (it
    would be half the cache's size). A cached body has already lost it."""
    if fields.summary and body.auto_summary_html:
        return dataclasses.replace(body, auto_summary_html="")
    return body


def _record_of(entry: Entry, fields: Fields) -> tuple:
    """fields.to_record(), from the entry made with those fields when it has it (for speed: a
    build needs each source's record three times)."""
    return entry.fields if entry.fields_value is fields and entry.fields is not None else fields.to_record()


def _teaser_texts(fields: Fields, body: BodyResult, record: tuple | None = None) -> tuple[str, str]:
    """The article's teaser_base, and its summary as plain text when the front matter gives none.
    record: fields.to_record(), when the caller has it."""
    return (_teaser_base(fields, body.auto_summary_html, record),
            "" if fields.summary else plain_text(body.auto_summary_html))


def _article(config: Config, source: "_Source", body: BodyResult, teaser_base: str, summary_text: str,
             resolver: Callable[[str], "str | LinkProblem"], link: Callable[[str], str], now: datetime,
             corrections: "_Corrections", errors: list[SiteError]) -> Article:
    """The article of a source whose body is rendered (with the second summary left out)."""
    fields = source.fields
    if fields.summary:
        summary_text, summary_html = fields.summary, f"<p>{escape(fields.summary, quote=False)}</p>"
    else:
        summary_html = body.auto_summary_html
    image, lead_size, lead_variants = _image(source, resolver, errors)
    cards = _share_cards(source, config, link) if lead_variants is not None else None
    assert fields.date is not None
    return Article(
        source=source.path, title=fields.title, date=fields.date, updated=fields.updated,
        authors=fields.authors or ((config.author,) if config.author else ()),
        tags=fields.tags, category=fields.category,
        summary_html=summary_html, summary_text=summary_text, body=body.text,
        content_digest=body.html_digest, image=image, image_alt=fields.image_alt,
        slug=fields.slug, path=fields.path, draft=fields.draft, scheduled=fields.date > now,
        reading_minutes=_reading_minutes(fields.words),
        corrections=corrections.of(fields, source, resolver, errors),
        teaser_base=teaser_base, schema_type=fields.schema_type, summary_given=fields.summary is not None,
        image_caption=fields.image_caption, image_credit=fields.image_credit, image_size=lead_size,
        image_variants=lead_variants, aliases=fields.aliases, share_cards=cards, links=body.links,
    )


def _place(fields: Fields) -> tuple:
    """What places a source in the site: its URL and kind, whether it is built, where it sorts,
    which lists it is on, what the sitemap says of it, and its share cards' files. An edit that leaves all of it as it
    was changes only the files that show the article (render.Around)."""
    # Dates as written: the same instant with another offset sorts the same but reads otherwise.
    # The corrections are on the site's corrections page, which shows every one of them.
    return (fields.is_page, fields.path, fields.date and fields.date.isoformat(),
            fields.updated and fields.updated.isoformat(), fields.tags, fields.category, fields.authors,
            fields.draft, tuple((when.isoformat(), text) for when, text in fields.corrections),
            # Which share cards there are (their files are planned with the site's, not around it).
            fields.image, fields.image_focus,
            # Its old URLs: an edit's build takes the site's redirects to be the last build's.
            fields.aliases)


@dataclass(slots=True)
class _Found:
    """A Markdown file as discovery leaves it: is it known to the cache as it is?"""

    key: str
    path: str
    entry: Entry | None
    raw: bytes  # b"" when not read yet
    source_digest: str
    same_bytes: bool
    known: bool  # the cache holds its fields, read from these bytes with these settings
    is_page: bool


def _keeper(cache: ContentCache | None) -> contextlib.AbstractContextManager[Callable[[BodyResult], None]]:
    """keep(body): each body's HTML goes to the cache's body file as it comes, to be read back
    when a page needs it (a large build never holds every body at once)."""
    return cache.spiller() if cache is not None else contextlib.nullcontext(lambda result: None)


def _read_sources(config: Config, options: BuildOptions, now: datetime, to_read: Sequence[_Found],
                  keep: Callable[[BodyResult], None],
                  reading: Callable[[int, int], None] | None = None) -> tuple[dict[str, tuple], dict[str, Rendered]]:
    """Each file's (meta, fields, problems) by key, and the bodies rendered with them (see
    _Reader), each kept as it comes; reading(done, of) told every thousand files."""
    reader = _Reader(config, options, now)
    results = (forked_map(reader, to_read, 200) if worth_it(len(to_read), PARALLEL_READ_FROM)
               else map(reader, to_read))
    read: dict[str, tuple] = {}
    early: dict[str, Rendered] = {}
    for done, (found, (meta, fields, problems, body)) in enumerate(zip(to_read, results, strict=True), start=1):
        read[found.key] = (meta, fields, problems)
        if reading is not None and done % 1000 == 0:
            reading(done, len(to_read))
        if body is not None:
            early[found.key] = from_values(body)
            keep(early[found.key].result)
    return read, early


def _read(config: Config, found: _Found) -> tuple[dict | None, Fields | None, list[SiteError]]:
    """The file's front matter and fields, with the problems found; meta is None when the file
    could not be read or split."""
    doc, fields, errors = _read_document(config, found)
    return (None if doc is None else doc.meta), fields, errors


def _read_document(config: Config, found: _Found) -> tuple[SourceDocument | None, Fields | None, list[SiteError]]:
    errors: list[SiteError] = []
    path = Path(found.path)
    try:
        raw = found.raw or _read_bytes(found.path)
    except OSError as exc:
        return None, None, [SiteError(f"cannot read file: {exc.strerror}", path)]
    doc = read_document(path, raw, found.entry.meta if found.same_bytes and found.entry else None)
    if isinstance(doc, SiteError):
        return None, None, [doc]
    return doc, read_fields(doc, found.is_page, config, errors), errors


class _Reader:
    """Reads a Markdown file's front matter and fields (in a worker process when there are many)
    and, for a file whose bytes the cache has not seen and that is built, renders its body at
    once if it can be before every file's URL is known (bodies.render_before_links): the text is
    in hand, and rendering it in a second pass would read and split the file again."""

    def __init__(self, config: Config, options: BuildOptions, now: datetime):
        self.config, self.options, self.now = config, options, now
        self._renderer: MarkdownRenderer | None = None  # made on first use: each worker its own

    def __call__(self, found: _Found) -> tuple[dict | None, Fields | None, list[SiteError], tuple | None]:
        """meta, fields and problems as _read gives them (but meta None when the body came too),
        and the body as bodies.as_values gives it, or None; both meta and fields None: the file
        could not be read or split."""
        doc, fields, errors = _read_document(self.config, found)
        if doc is None:
            return None, None, errors, None
        rendered = None
        if fields is not None and not found.same_bytes and not _left_out(fields, self.options, self.now):
            if self._renderer is None:
                self._renderer = renderer_for(self.config.markdown)
            early = render_before_links(self._renderer, doc.body)
            rendered = None if early is None else as_values(early)
        # The front matter as parsed is kept only where it may be needed again: to keep a file
        # whose fields are wrong, or to render the body later without parsing it twice. A cold
        # build of a million articles would otherwise hold a million dicts it never reads.
        return (doc.meta if fields is None or rendered is None else None), fields, errors, rendered


def _left_out(fields: Fields, options: BuildOptions, now: datetime) -> str:
    """Why a source is not built (a draft, or dated in the future), or "" when it is."""
    if fields.draft and not options.drafts:
        return "is a draft (draft: true) and is not built without --drafts"
    if fields.date is not None and fields.date > now and not options.future:
        return f"is dated in the future ({fields.date.isoformat()}) and is not built without --future"
    return ""


class _Corrections:
    """Corrections' texts to HTML, with the site's Markdown settings (the renderer is made only
    for a site that has any: few articles carry a correction)."""

    def __init__(self, config: Config):
        self._settings = config.markdown
        self._renderer: MarkdownRenderer | None = None

    def of(self, fields: Fields, source: _Source, resolver, errors: list[SiteError]) -> tuple[ArticleCorrection, ...]:
        if not fields.corrections:
            return ()
        return tuple(ArticleCorrection(when, self.render(text, source, resolver, errors))
                     for when, text in fields.corrections)

    def render(self, text: str, source: _Source, resolver, errors: list[SiteError]) -> str:
        """Relative links are resolved as in the body; a broken one is an error at `corrections`."""
        if self._renderer is None:
            self._renderer = renderer_for(self._settings)
        # Without the images' sizes: the page's fingerprint holds the correction's text alone, so
        # a size in its HTML could go stale when the image changes.
        converted = self._renderer.render(text, lambda url: _unsized(resolver(url)))
        for problem in converted.problems:
            errors.append(SiteError(f"`corrections`: {problem.message}", Path(source.path),
                                    source.document().line_of_key("corrections")))
        html = converted.html
        # One paragraph is shown inline, after "Correction, 9 March 2022:".
        if html.startswith("<p>") and html.endswith("</p>") and html.count("<p>") == 1:
            html = html[3:-4]
        return html


def _unsized(result: str | LinkProblem) -> str | LinkProblem:
    return str(result) if isinstance(result, ImageLink) else result


def _reading_minutes(words: int) -> int:
    return max(1, math.ceil(words / WORDS_PER_MINUTE))


def _teaser_base(fields: Fields, auto_summary_html: str, record: tuple | None = None) -> str:
    """Kept in the cache, so that a build does not work out 10,000 articles' teasers again. The
    word count is left out: a teaser shows the reading time, and most edits do not change it."""
    if record is None:
        record = fields.to_record()
    # The record of the fields with the reading time for words (what dataclasses.replace(fields,
    # words=...).to_record() gives, without making a second Fields: 10,000 of them in a build).
    shown = record[:WORDS] + (_reading_minutes(fields.words),) + record[WORDS + 1:]
    return digest(marshal.dumps((shown, auto_summary_html), 2))


def _render_again(config: Config, source: _Source, resolver) -> str:
    return render_again(config.markdown, BodyJob(source.key, source.document_body, resolver))


def _read_bytes(path: str) -> bytes:
    with open(path, "rb") as handle:
        return handle.read()


def _image(source: _Source, resolver, errors: list[SiteError]
           ) -> tuple[str | None, tuple[int, int] | None, Responsive | None]:
    """The lead image's URL: a relative one is resolved like a link in the body; its intrinsic
    size, when it is a file under content/ whose size could be read; and its variants."""
    image = source.fields.image
    if image is None or not is_relative_reference(image):
        return image, None, None
    result = resolver(image)
    if isinstance(result, LinkProblem):
        errors.append(SiteError(f"`image`: {result.message}", Path(source.path),
                                source.document().line_of_key("image")))
        return None, None, None
    if isinstance(result, ImageLink) and result.width and result.height:
        return str(result), (result.width, result.height), result.responsive
    return str(result), None, None


def _share_cards(source: _Source, config: Config, link: Callable[[str], str]) -> ShareCards | None:
    """The lead image's share cards. Called for an image the resolver found under content/ with
    variants, so its file is where its relative URL says, without a query or fragment."""
    image = source.fields.image
    assert image is not None
    target = os.path.normpath(os.path.join(os.path.dirname(source.path), unquote(urlsplit(image).path)))
    published = os.path.relpath(target, config.content_dir).replace(os.sep, "/")
    return share_cards_for(target, published, source.fields.image_focus, config.images, link)


def _make_resolver(folder: Path, content_dir: Path, targets: dict[str, str], excluded: dict[str, str], link,
                   config: Config):
    folder_text, content_text = str(folder), os.path.normpath(content_dir)
    content_prefix = len(content_text) + 1

    def resolve(url: str) -> str | LinkProblem:
        if "{{" in url or "{%" in url:
            return LinkProblem(url, f"links to {url!r}: template tags such as {{{{ ... }}}} (Jekyll's Liquid) are "
                                    "not run in Markdown; link to the other .md file by its relative path, "
                                    "or write the URL itself, such as /2016/03/01/slug/")
        parts = urlsplit(url)
        relative = unquote(parts.path)
        if not relative:
            return url
        target = os.path.normpath(os.path.join(folder_text, relative))
        suffix = ("?" + parts.query if parts.query else "") + ("#" + parts.fragment if parts.fragment else "")
        if target in targets:
            if has_size(target):  # an image: its size too, for the <img>, and recorded with the link
                variants = (responsive_for(target, target[content_prefix:].replace(os.sep, "/"), config.images, link)
                            if is_raster(target) and not suffix else None)
                # An image with variants has its size among the facts they were planned from.
                size = resizable_size(target) if variants is not None else image_size(target)
                return ImageLink(link(targets[target]) + suffix, size, variants)
            return link(targets[target]) + suffix
        shown = os.path.relpath(target, content_text)
        if target in excluded:
            return LinkProblem(url, f"links to {shown}, which {excluded[target]}")
        if not target.startswith(content_text + os.sep):
            return LinkProblem(url, f"links to {url}, which is outside content/")
        if os.path.isdir(target):
            return LinkProblem(url, f"links to the folder {shown}; link to a file in it instead")
        return LinkProblem(url, f"links to {shown}, which does not exist; check the file name "
                                "(relative links are resolved against this file's folder)")
    return resolve


def locate_target(doc: SourceDocument, target: str, searched_from: dict[str, int]) -> tuple[int, int | None]:
    """Python-Markdown keeps no source positions: find the target's text in the body instead.
    Problems come in document order, so the same target twice is found at its next place."""
    start = searched_from.get(target, len(doc.text) - len(doc.body))
    offset = doc.text.find(target, start)
    if offset == -1:
        return doc.body_first_line, None
    searched_from[target] = offset + len(target)
    return line_of(doc.text, offset)
