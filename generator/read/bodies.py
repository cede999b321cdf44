"""Markdown bodies to HTML: from the cache when nothing they depend on changed, else
rendered, in several processes when there are enough of them to pay for it."""

from __future__ import annotations

import hashlib
import html
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from .. import __version__
from ..config import MarkdownSettings
from ..write.cache import BodyResult, ContentCache, LazyText
from ..write.parallel import forked_map, worth_it
from .inputs import code_key
from .markup import (LinkProblem, MarkdownRenderer, first_paragraph, is_relative_reference, link_record, renderer_for,
                     strip_footnote_refs)

MORE_MARKER = re.compile(r"^[ \t]*<!--\s*more\s*-->[ \t]*$", re.M)
# Below this many bodies to render, starting worker processes costs more than it saves.
PARALLEL_FROM = 64

Resolver = Callable[[str], "str | LinkProblem"]


@dataclass(frozen=True)
class BodyJob:
    key: str  # the source's path relative to the site: the cache key
    body: Callable[[], str]  # the Markdown text, read when the job is done (in a worker, if any)
    resolver: Resolver


@dataclass(frozen=True)
class Rendered:
    result: BodyResult
    problems: tuple[LinkProblem, ...]


def render_key(settings: MarkdownSettings) -> str:
    """Everything besides the text and its links that a body's HTML depends on."""
    described = repr((__version__, code_key(), settings.extensions, sorted(settings.extension_configs.items()),
                      settings.smart_quotes, settings.language))
    return hashlib.sha256(described.encode()).hexdigest()


def cached_body(cache: ContentCache | None, source_key: str, resolver: Resolver, source_digest: str,
                key: str) -> BodyResult | None:
    """The cached result, if the text, the settings and where every link leads are all as they were."""
    entry = cache.entries.get(source_key) if cache else None
    if entry is None or entry.body is None or entry.source_digest != source_digest or entry.render_key != key:
        return None
    if entry.body.links and any(_recorded(resolver(url)) != resolved for url, resolved in entry.body.links):
        return None
    return entry.body


def _recorded(result: str | LinkProblem) -> str | LinkProblem:
    return result if isinstance(result, LinkProblem) else link_record(result)


def render_bodies(jobs: Sequence[BodyJob], settings: MarkdownSettings,
                  keep: Callable[[BodyResult], None] = lambda result: None) -> list[Rendered]:
    """Render every job; keep(result) is called on each as it arrives (to write it away, so that
    a large build never holds every body's HTML at once)."""
    if not jobs:
        return []
    if worth_it(len(jobs), PARALLEL_FROM):
        return _render_in_processes(jobs, settings, keep)
    renderer = renderer_for(settings)
    results = []
    for job in jobs:
        results.append(render_body(renderer, job))
        keep(results[-1].result)
    return results


def render_again(settings: MarkdownSettings, job: BodyJob) -> str:
    """A cached body found damaged when it was needed: render it from its source instead."""
    renderer = renderer_for(settings)
    return render_body(renderer, job).result.html


def render_body(renderer: MarkdownRenderer, job: BodyJob) -> Rendered:
    links: list[tuple[str, str]] = []

    def recording(url: str) -> str | LinkProblem:
        result = job.resolver(url)
        if not isinstance(result, LinkProblem):
            links.append((url, link_record(result)))
        return result

    text = job.body()
    rendered = renderer.render(text, recording)
    marker = MORE_MARKER.search(text) if "<!--" in text else None
    if marker:  # its link problems are reported once, from the whole body
        auto_summary = strip_footnote_refs(renderer.render(text[:marker.start()], job.resolver).html)
    else:
        auto_summary = strip_footnote_refs(first_paragraph(rendered.html))
    digest = hashlib.sha256(rendered.html.encode()).hexdigest()
    return Rendered(BodyResult(LazyText(rendered.html, digest=digest), auto_summary, tuple(links), digest),
                    rendered.problems)


class _LinksIntoSite(Exception):
    """A body rendered before the site's files are known asked where a link into them leads."""


def _not_known_yet(url: str) -> str:
    raise _LinksIntoSite(url)


# A URL as a Markdown link, image or reference definition gives it, after its "](" or "]:".
_URL_AFTER = re.compile(r"""[ \t]*<?([^\s)>]*)""")
# A URL in raw HTML.
_RAW_URL = re.compile(r"""(?:href|src)\s*=\s*["']?([^\s"'>]*)""", re.I)


def _may_link_into_site(text: str) -> bool:
    """Whether a URL in the text looks relative, so that rendering it needs every file's URL.
    Not a parser (str.find, not one regex over the whole text: ten times faster): a URL it
    misses makes the resolver be asked, which render_before_links catches."""
    for opener in ("](", "]:"):
        at = text.find(opener)
        while at != -1:
            if is_relative_reference(html.unescape(_URL_AFTER.match(text, at + 2).group(1))):
                return True
            at = text.find(opener, at + 2)
    if "<" in text:
        lowered = text.lower()
        if "href" in lowered or "src" in lowered:
            return any(is_relative_reference(html.unescape(m.group(1))) for m in _RAW_URL.finditer(text))
    return False


def render_before_links(renderer: MarkdownRenderer, text: str) -> Rendered | None:
    """The body rendered before the site's files are known (while its front matter is read, in
    the same worker), if it links to none of them: most bodies link only to other hosts or to
    root-relative URLs, and then their HTML does not depend on where anything is. Else None: it
    is rendered with the others once every file's URL is known."""
    if _may_link_into_site(text):
        return None
    try:
        return render_body(renderer, BodyJob("", lambda: text, _not_known_yet))
    except _LinksIntoSite:
        return None


def as_values(rendered: Rendered) -> tuple:
    """Plain values, cheaper to send from a worker than the objects (see from_values)."""
    r = rendered.result
    return (r.html, r.auto_summary_html, r.links, r.html_digest), [(p.target, p.message) for p in rendered.problems]


def from_values(values: tuple) -> Rendered:
    (html_text, *rest), problems = values
    return Rendered(BodyResult(LazyText(html_text, digest=rest[2]), *rest), tuple(LinkProblem(*p) for p in problems))


_WORKER_RENDERER: MarkdownRenderer | None = None  # each worker's own


def _render_in_processes(jobs: Sequence[BodyJob], settings: MarkdownSettings,
                         keep: Callable[[BodyResult], None]) -> list[Rendered]:
    results = []
    for values in forked_map(_render_one, jobs, 50, _start_worker, (settings,)):
        results.append(from_values(values))
        keep(results[-1].result)
    return results


def _start_worker(settings: MarkdownSettings) -> None:
    global _WORKER_RENDERER
    _WORKER_RENDERER = renderer_for(settings)


def _render_one(job: BodyJob):
    """In a worker: plain values back."""
    assert _WORKER_RENDERER is not None
    return as_values(render_body(_WORKER_RENDERER, job))
