"""Markdown to HTML, with relative links rewritten to the built site's URLs."""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urlsplit

import markdown
from markdown.extensions import Extension
from markdown.postprocessors import Postprocessor
from markdown.treeprocessors import Treeprocessor

from ..config import MarkdownSettings
from ..media.responsive import Responsive
from .embeds import EmbedsExtension
from .fast_markdown import FAST_EXTENSIONS, simple_html
from .figures import FiguresExtension
from .markdown_extensions import made_extensions
from .markdown_shortcuts import speed_up
from .typography import smarten

# The ids the default theme gives elements of its own (base.html: the skip link's target and
# "Back to top", and the masthead's search box; article.html, index.html, section.html,
# archive.html, 404.html: headings; search.html: the search form and its results). A
# heading or element of a Markdown text never gets one of them: it is renamed as toc renames
# a heading that repeats another (top_1), and the links to it with it. A theme that adds ids
# of its own adds them here. tests/test_typography_everywhere.py checks the templates against it.
THEME_IDS = frozenset({
    "top", "main-content", "corrections-title", "related-title", "more-stories", "more-in-section",
    "archive-months", "archive-days", "not-found-title",
    "masthead-search-q", "search", "search-q", "search-sort", "search-status", "search-results",
})
# `<!-- more -->` ends the summary (bodies.MORE_MARKER); it is not kept in the HTML. A comment
# in code is escaped (&lt;!--) and stays.
_MORE_COMMENT = re.compile(r"[ \t]*<!--\s*more\s*-->[ \t]*\n?", re.I)

# resolve(target) -> new URL, or an error message
LinkResolver = Callable[[str], "str | LinkProblem"]


@dataclass(frozen=True)
class LinkProblem:
    target: str
    message: str


class ImageLink(str):
    """What a resolver gives for a file under content/ that is an image: its URL, and its intrinsic
    size as published when it could be read (media/sizes.py), for the <img>'s width and height;
    and its responsive variants (media/responsive.py) when it has them, for srcset and <picture>."""

    width: int | None
    height: int | None
    responsive: "Responsive | None"

    def __new__(cls, url: str, size: tuple[int, int] | None, responsive: "Responsive | None" = None) -> "ImageLink":
        made = super().__new__(cls, url)
        made.width, made.height = size if size else (None, None)
        made.responsive = responsive
        return made


def link_record(result: str) -> str:
    """A resolved link as a body's cache records it: an image's size and variants (their names
    carry the hash of its bytes) with its URL, so that a body showing an image that changed is
    rendered again (bodies.cached_body)."""
    if isinstance(result, ImageLink) and result.width:
        variants = f" {result.responsive.key}" if result.responsive else ""
        return f"{result} {result.width}x{result.height}{variants}"
    return str(result)


@dataclass(frozen=True)
class Converted:
    html: str
    problems: tuple[LinkProblem, ...]


def is_relative_reference(url: str) -> bool:
    """A link into the site's own source files: not absolute, not root-relative, not a bare #anchor."""
    if not url or url.startswith(("#", "/", "?")):
        return False
    try:
        parts = urlsplit(url)
    except ValueError:  # "https://x]y/": no URL at all, let alone one into the site
        return False
    return not parts.scheme and not parts.netloc


_LINKING_TAG = re.compile(r"<(?:a|img|source|audio|video)\b[^>]*>", re.I)
_ATTRIBUTE_NAME = re.compile(r"""\s([a-zA-Z_:][-a-zA-Z0-9_:.]*)(?=\s*=|\s|/?>)""")
_QUOTED = re.compile(r""""[^"]*"|'[^']*'""")
_URL_ATTRIBUTE = re.compile(r"""(\s(?:href|src)\s*=\s*)(?:"([^"]*)"|'([^']*)')""", re.I)


class _RewriteLinks(Postprocessor):
    """Rewrites relative href/src in the finished HTML: Markdown links and images and
    raw HTML alike (a treeprocessor would not see the raw HTML, which is stashed)."""

    def __init__(self, md: markdown.Markdown, owner: "MarkdownRenderer"):
        super().__init__(md)
        self.owner = owner

    def run(self, text: str) -> str:
        # toc runs every postprocessor over each heading's inner HTML while the tree is still being
        # worked on (for its labels): a link there would be resolved, and a broken one reported, twice.
        if self.owner.resolver is None or not self.owner.tree_done:
            return text
        return _LINKING_TAG.sub(self._rewrite_tag, text)

    def _rewrite_tag(self, tag: re.Match) -> str:
        sized: list[ImageLink] = []
        written = _URL_ATTRIBUTE.sub(lambda match: self._rewrite(match, sized), tag.group(0))
        if sized and written[1:4].lower() == "img" and not written[4:5].isalnum():
            responsive = sized[0].responsive
            own = _given(written) & {"srcset", "width", "height"}  # before _with_size adds width and height
            written = _with_size(written, sized[0])
            if responsive is not None and not own:
                written = _in_picture(written, responsive)
        return written

    def _rewrite(self, match: re.Match, sized: list[ImageLink]) -> str:
        value = match.group(2) if match.group(2) is not None else match.group(3)
        url = html.unescape(value)
        if not is_relative_reference(url):
            return match.group(0)
        result = self.owner.resolver(url)
        if isinstance(result, LinkProblem):
            self.owner.problems.append(result)
            return match.group(0)
        if isinstance(result, ImageLink) and result.width and match.group(1).strip().lower().startswith("src"):
            sized.append(result)
        return f'{match.group(1)}"{html.escape(result)}"'


def _given(tag: str) -> set[str]:
    """The names of the attributes a tag gives, in lower case."""
    return {name.lower() for name in _ATTRIBUTE_NAME.findall(_QUOTED.sub('""', tag))}


def _with_size(tag: str, image: ImageLink) -> str:
    """An <img> of a file under content/ with its intrinsic width and height (no layout shift
    while it loads), loaded lazily and decoded off the main thread: what the text gives itself
    (raw HTML's own width, loading...) is left as it is."""
    given = _given(tag)
    added = [f'{name}="{value}"' for name, value in (("width", image.width), ("height", image.height),
                                                      ("loading", "lazy"), ("decoding", "async"))
             if name not in given]
    if "width" in given or "height" in given:  # one given by the text: the other would contradict it
        added = [attribute for attribute in added if not attribute.startswith(("width=", "height="))]
    if not added:
        return tag
    closing = " />" if tag.endswith("/>") else ">"
    head = tag[:-len(closing.strip())].rstrip()
    return f"{head} {' '.join(added)}{closing}"


def _in_picture(tag: str, responsive: "Responsive") -> str:
    """An <img> with its variants: srcset and sizes of its own format, and a <source> for each
    better one (WebP, AVIF) in a <picture> around it, so a browser fetches the smallest file as
    wide as the text column needs. (An <img> whose raw HTML gives its own srcset, width or height
    is not given to it: its author has chosen how it is shown.)"""
    sizes = html.escape(responsive.sizes)
    closing = " />" if tag.endswith("/>") else ">"
    head = tag[:-len(closing.strip())].rstrip()
    img = f'{head} srcset="{html.escape(responsive.srcset())}" sizes="{sizes}"{closing}'
    sources = "".join(f'<source type="{mime}" srcset="{html.escape(srcset)}" sizes="{sizes}">'
                      for mime, srcset in responsive.sources)
    return f"<picture>{sources}{img}</picture>"


class _RewriteLinksExtension(Extension):
    def __init__(self, owner: "MarkdownRenderer"):
        super().__init__()
        self.owner = owner

    def extendMarkdown(self, md: markdown.Markdown) -> None:  # noqa: N802 - Python-Markdown's name
        # Below "raw_html" (30): the raw HTML is back in place when this runs.
        self.owner.links = _RewriteLinks(md, self.owner)
        md.postprocessors.register(self.owner.links, "broadsheet_links", 5)
        md.treeprocessors.register(_TreeDone(md, self.owner), "broadsheet_tree_done", -1000)
        # After toc (5), which gives headings their ids and builds the table of contents.
        md.treeprocessors.register(_NoThemeIds(md), "broadsheet_theme_ids", 4)


class _NoThemeIds(Treeprocessor):
    """An id the theme uses (THEME_IDS), made by toc from a heading ("Top") or written with
    attr_list ({#top}), renamed to one used nowhere in the text, with the links to it (the table
    of contents, toc's permalinks, the text's own links): two elements of a page with one id
    are an error, and the skip link or "Back to top" would lead to the heading."""

    def run(self, root) -> None:
        clashing = [el for el in root.iter() if el.get("id") in THEME_IDS]
        if not clashing:
            return
        used = {el.get("id") for el in root.iter()} | THEME_IDS
        renamed: dict[str, str] = {}
        for el in clashing:
            old = el.get("id")
            n = 1
            while f"{old}_{n}" in used:
                n += 1
            new = f"{old}_{n}"
            used.add(new)
            el.set("id", new)
            renamed.setdefault(old, new)  # links lead to the first element that had the id
        for el in root.iter("a"):
            href = el.get("href")
            if href and href.startswith("#") and href[1:] in renamed:
                el.set("href", "#" + renamed[href[1:]])


class _TreeDone(Treeprocessor):
    """The last treeprocessor: from here on, postprocessors see the whole document."""

    def __init__(self, md: markdown.Markdown, owner: "MarkdownRenderer"):
        super().__init__(md)
        self.owner = owner

    def run(self, root: object) -> None:
        self.owner.tree_done = True


class MarkdownRenderer:
    """One Markdown instance reused for every document (reset between them: far cheaper than a new one)."""

    def __init__(self, extensions: tuple[str, ...], extension_configs: dict, smart_quotes: bool = True,
                 language: str = "en", fast: bool = True):
        self.smart_quotes = smart_quotes
        # fast_markdown.simple_html knows the default extensions' output only, with their default settings.
        self.fast = fast and tuple(extensions) == FAST_EXTENSIONS and not extension_configs
        self.took_fast_path = False  # whether the last render was simple_html's (for the tests)
        self.language = language  # whose quotation marks the typography writes
        self.resolver: LinkResolver | None = None
        self.problems: list[LinkProblem] = []
        self.tree_done = False
        self.may_embed = False  # the text has "@[": an embed directive may be in it
        self.may_figure = False  # the text has "![": a titled image may be in it
        made, left_configs = made_extensions(extensions, extension_configs)
        self._md = markdown.Markdown(
            extensions=[*made, _RewriteLinksExtension(self),
                        EmbedsExtension(lambda: self.may_embed,
                                        lambda target, message: self.problems.append(LinkProblem(target, message))),
                        FiguresExtension(lambda: self.may_figure)],
            extension_configs=left_configs,
            output_format="html",
        )
        speed_up(self._md)  # after every extension has had its say about the patterns and processors

    def render(self, text: str, resolver: LinkResolver | None) -> Converted:
        self.resolver = resolver
        self.problems = []
        self.tree_done = False
        self.may_embed, self.may_figure = "@[" in text, "![" in text
        try:
            urls: list[str | None] = []
            output = simple_html(text, THEME_IDS, urls) if self.fast else None
            self.took_fast_path = output is not None
            if output is None:
                output = self._md.reset().convert(text)
            else:
                self.tree_done = True
                # For speed: the fast path's only tags with a URL are its links' and images', and
                # a URL that is not relative is left as it is (_RewriteLinks._rewrite).
                if any(url is None or is_relative_reference(url) for url in urls):
                    output = self.links.run(output)
        finally:
            self.resolver = None
        if "<!--" in output:
            output = _MORE_COMMENT.sub("", output)
        if "<pre>" in output:
            # A code block wider than the screen scrolls: a keyboard reader must be able to focus it
            # to scroll it (WCAG 2.1.1; axe-core's scrollable-region-focusable).
            output = output.replace("<pre>", '<pre tabindex="0">')
        if self.smart_quotes:
            output = smarten(output, self.language)
        return Converted(output, tuple(self.problems))


def renderer_for(settings: MarkdownSettings) -> MarkdownRenderer:
    """A renderer with the site's Markdown settings (bodies, corrections, author bios alike)."""
    return MarkdownRenderer(settings.extensions, settings.extension_configs, settings.smart_quotes,
                            settings.language)


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
