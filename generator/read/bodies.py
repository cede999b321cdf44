"""Markdown bodies to HTML: from the cache when nothing they depend on changed, else
rendered, in several processes when there are enough of them to pay for it."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from .. import __version__
from ..config import MarkdownSettings
from ..write.cache import BodyResult, ContentCache, LazyText
from ..write.parallel import forked_map, worth_it
from .inputs import code_key
from .markup import LinkProblem, MarkdownRenderer, first_paragraph, link_record, renderer_for, strip_footnote_refs

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
    marker = MORE_MARKER.search(text)
    if marker:  # its link problems are reported once, from the whole body
        auto_summary = strip_footnote_refs(renderer.render(text[:marker.start()], job.resolver).html)
    else:
        auto_summary = strip_footnote_refs(first_paragraph(rendered.html))
    digest = hashlib.sha256(rendered.html.encode()).hexdigest()
    return Rendered(BodyResult(LazyText(rendered.html, digest=digest), auto_summary, tuple(links), digest),
                    rendered.problems)


_WORKER_RENDERER: MarkdownRenderer | None = None  # each worker's own


def _render_in_processes(jobs: Sequence[BodyJob], settings: MarkdownSettings,
                         keep: Callable[[BodyResult], None]) -> list[Rendered]:
    results = []
    for (html, *rest), problems in forked_map(_render_one, jobs, 50, _start_worker, (settings,)):
        result = BodyResult(LazyText(html, digest=rest[2]), *rest)
        keep(result)
        results.append(Rendered(result, tuple(LinkProblem(*p) for p in problems)))
    return results


def _start_worker(settings: MarkdownSettings) -> None:
    global _WORKER_RENDERER
    _WORKER_RENDERER = renderer_for(settings)


def _render_one(job: BodyJob):
    """In a worker: plain values back (cheaper to send than the objects)."""
    assert _WORKER_RENDERER is not None
    rendered = render_body(_WORKER_RENDERER, job)
    r = rendered.result
    return (r.html, r.auto_summary_html, r.links, r.html_digest), [(p.target, p.message) for p in rendered.problems]
