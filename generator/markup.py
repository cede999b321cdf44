"""Markdown to HTML, with relative links rewritten to the built site's URLs."""

from __future__ import annotations

import html
import re
import xml.etree.ElementTree as etree
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urlsplit

import markdown
from markdown.extensions import Extension
from markdown.treeprocessors import Treeprocessor

# resolve(target) -> new URL, or an error message
LinkResolver = Callable[[str], "str | LinkProblem"]


@dataclass(frozen=True)
class LinkProblem:
    target: str
    message: str


@dataclass(frozen=True)
class Rendered:
    html: str
    problems: tuple[LinkProblem, ...]


def is_relative_reference(url: str) -> bool:
    """A link into the site's own source files: not absolute, not root-relative, not a bare #anchor."""
    if not url or url.startswith(("#", "/", "?")):
        return False
    if url.startswith(markdown.util.AMP_SUBSTITUTE):
        return False  # an <address@example.org> autolink: Python-Markdown hides its mailto: as entities

    parts = urlsplit(url)
    return not parts.scheme and not parts.netloc


class _RewriteLinks(Treeprocessor):
    def __init__(self, md: markdown.Markdown, owner: "MarkdownRenderer"):
        super().__init__(md)
        self.owner = owner

    def run(self, root: etree.Element) -> None:
        resolve = self.owner.resolver
        if resolve is None:
            return
        for element in root.iter():
            attribute = "href" if element.tag == "a" else "src" if element.tag == "img" else None
            if attribute is None:
                continue
            url = element.get(attribute)
            if url is None or not is_relative_reference(url):
                continue
            result = resolve(url)
            if isinstance(result, LinkProblem):
                self.owner.problems.append(result)
            else:
                element.set(attribute, result)


class _RewriteLinksExtension(Extension):
    def __init__(self, owner: "MarkdownRenderer"):
        super().__init__()
        self.owner = owner

    def extendMarkdown(self, md: markdown.Markdown) -> None:  # noqa: N802 - Python-Markdown's name
        # After "inline" (links exist) and before "prettify"; footnotes and toc run at lower priorities.
        md.treeprocessors.register(_RewriteLinks(md, self.owner), "broadsheet_links", 15)


class MarkdownRenderer:
    """One Markdown instance reused for every document (reset between them: far cheaper than a new one)."""

    def __init__(self, extensions: tuple[str, ...], extension_configs: dict):
        self.resolver: LinkResolver | None = None
        self.problems: list[LinkProblem] = []
        self._md = markdown.Markdown(
            extensions=[*extensions, _RewriteLinksExtension(self)],
            extension_configs=extension_configs,
            output_format="html",
        )

    def render(self, text: str, resolver: LinkResolver | None) -> Rendered:
        self.resolver = resolver
        self.problems = []
        try:
            output = self._md.reset().convert(text)
        finally:
            self.resolver = None
        return Rendered(output, tuple(self.problems))


_FIRST_PARAGRAPH = re.compile(r"<p>(.*?)</p>", re.S)
_TAG = re.compile(r"<[^>]+>")
_SPACE = re.compile(r"\s+")


def first_paragraph(html_text: str) -> str:
    """The first <p> that has words in it (an image alone is no summary)."""
    for match in _FIRST_PARAGRAPH.finditer(html_text):
        if plain_text(match.group(1)):
            return match.group(0)
    return ""


def plain_text(html_text: str) -> str:
    return _SPACE.sub(" ", html.unescape(_TAG.sub("", html_text))).strip()


def strip_footnote_refs(html_text: str) -> str:
    """A summary shown away from its article must not point at footnotes that are not there."""
    return re.sub(r'<sup id="fnref[^"]*"><a class="footnote-ref"[^>]*>.*?</a></sup>', "", html_text)
