"""A fast path for plain news copy: the HTML Python-Markdown writes, for the texts it recognises.

Converting Markdown was half of a cold build's CPU, and most articles use a small part of
it: paragraphs of words, a heading or two, emphasis, links, an image, a list, a quote, a
table, some code. For a text made only of those, written in the plainest way, `simple_html`
writes what Python-Markdown with the default extensions ("extra", "toc", "sane_lists", default
settings) writes, about five times faster. For anything else it gives None and the renderer
converts the text with Python-Markdown as ever: raw HTML, indented code, backslashes,
underscores, footnotes, attribute lists, abbreviations, definitions, reference links, titles,
setext headings, rules, nested or loose lists, indented lines, trailing spaces, tabs, entities,
embeds.

It recognises, rather than parses: every block and every inline span must have one of the
shapes below exactly, and a character that could start anything else (`<`, `` ` ``, `\\`,
`_`, `{`, a `[` that is not a link's, a `*` that is not emphasis...) sends the whole text to
Python-Markdown. tests/test_fast_markdown.py compares both on thousands of random texts.
"""

from __future__ import annotations

import re
import unicodedata

from markdown.extensions.toc import unique

FAST_EXTENSIONS = ("extra", "toc", "sane_lists")  # config.DEFAULT_EXTENSIONS

# Anything here, anywhere in the text, is left to Python-Markdown: raw HTML, escapes, attribute
# lists, Python-Markdown's own placeholders (STX, ETX), carriage returns and tabs (which its
# preprocessors change), embeds, footnotes, toc's marker, a line break (trailing spaces). A ">"
# only starts a quotation's line; an "_" may be in a link's URL, not in words (see inline).
_NEVER_CHARACTERS = "<\\{}`\x02\x03\r\t"
_NEVER_STRINGS = ("@[", "[^", "[TOC]", " \n")
_ENTITY = re.compile(r"&(?:#|[a-zA-Z0-9]+;)")  # an entity (or what Python-Markdown makes one of)

# A line of a paragraph (and a list item's or a quotation's text) must start like words:
# not like a block of another kind (list, heading, quotation, table, rule, definition, code).
_PLAIN_START = re.compile(r"(?:[^\W\d_]|\d(?!\d*\.(?:\s|$))|[\"'“‘«(—–$€£]|\*\*?[^\s*]|!?\[|\x01)")
_HEADING = re.compile(r"(#{1,6}) (\S(?:.*\S)?)$")
_BULLET = re.compile(r"[-*+] (.*)$")
_NUMBERED = re.compile(r"(\d+)\. (.*)$")
_QUOTED = re.compile(r">(?: (.*))?$")
_TABLE_RULE = re.compile(r"\|(?: *:?-+:? *\|)+$")
_ALIGNED = {(True, False): ' style="text-align: left;"', (False, True): ' style="text-align: right;"',
            (True, True): ' style="text-align: center;"', (False, False): ""}

# Inline: code spans first, then links and images (Python-Markdown's order of patterns), each
# put aside as a slot; then emphasis, which may hold slots as it holds Python-Markdown's own
# placeholders. A link's text may have emphasis; an image's text is plain.
# Each starts with its literal character, which re finds fast; the character before a match is
# looked at by hand (a backtick or star before it: not simple; "!" before a link: an image).
_SPAN = re.compile(r"`([^`\n\\|\t\r\x02\x03]+)`(?!`)")
_LINK = re.compile(r"\[([^\[\]|]+)\]\(([^\s()\[\]<>\"'*|;\x01]+)\)")
_EMPHASIS = re.compile(r"(\*\*?)([^\s*](?:[^*]*[^\s*])?)\1(?!\*)")
# fenced_code's fence, as its preprocessor finds it before any block is read: three backticks and
# a plain language name, alone on their line; the code up to the first line that is the fence (with
# spaces after it or not). The code spans and blocks are put aside before _never looks at the
# text: a backtick left after them is not simple.
_FENCED = re.compile(r"^```([a-zA-Z0-9]*)\n(.*?)(?<=\n)``` *$", re.M | re.S)
# A finished piece of HTML (a code block or span, a link) while the text around it is read:
# \x01, its number, \x01. No text that gets here has a \x01 of its own.
_SLOT = re.compile(r"\x01(\d+)\x01")
_NOT_WORDS = re.compile(r"[\[\]|_]")  # left in inline text once its links are in slots: not simple
_NOT_HEADING_WORDS = re.compile(r"[*\[\]|_&\x01]")  # markup in a heading's words: not simple
# toc.slugify's two patterns (with "-" for its separator), compiled once: it hands them to re.sub
# as strings, and looking them up in re's cache was a third of its cost.
_NOT_SLUG = re.compile(r"[^\w\s-]")
_SLUG_SEPARATORS = re.compile(r"[-\s]+")


class _NotSimple(Exception):
    """The text has something simple_html does not write: Python-Markdown will."""


def simple_html(text: str, reserved_ids: frozenset[str] = frozenset(),
                urls: list[str | None] | None = None) -> str | None:
    """What Python-Markdown with FAST_EXTENSIONS writes for text, or None if text is not one
    of the plain texts this knows. reserved_ids: ids no heading may have (the renderer renames
    such a heading's: see markup.THEME_IDS); a text with one is left to Python-Markdown.
    urls: if given, gets the URL of each link and image written, as in the text, and None for
    an image whose alt text has an "=" (where a link rewriter could see an attribute): the
    renderer need not look for links to rewrite when none of them is relative."""
    if "\x01" in text:
        return None
    document = _Document(reserved_ids, urls if urls is not None else [])
    try:
        if "`" in text:
            if "```" in text:  # for speed: _FENCED looks at every line's start
                text = _FENCED.sub(document.fenced, text)
            text = _SPAN.sub(document.span, text)
        if _never(text):
            return None
        return document.blocks(text)
    except _NotSimple:
        return None


def _never(text: str) -> bool:
    """Whether text has something that is never simple (looked for with str's own search: a
    regular expression of all of it is several times slower)."""
    return any(c in text for c in _NEVER_CHARACTERS) or any(s in text for s in _NEVER_STRINGS) \
        or text.endswith(" ") or ("&" in text and _ENTITY.search(text) is not None) \
        or text.count(">") != text.count("\n>") + text.startswith(">")


class _Document:
    def __init__(self, reserved_ids: frozenset[str], urls: list[str | None]) -> None:
        self.reserved_ids = reserved_ids
        self.urls = urls  # see simple_html
        self.ids: set[str] = set()  # toc's: the heading ids given so far
        self.counters: dict[str, int] = {}
        self.pieces: list[str] = []  # the slots' HTML

    def slot(self, piece: str) -> str:
        self.pieces.append(piece)
        return f"\x01{len(self.pieces) - 1}\x01"

    def fenced(self, match: re.Match) -> str:
        """A fenced code block, alone in its block, as fenced_code writes it."""
        start, end, text = match.start(), match.end(), match.string
        alone = (start == 0 or text.startswith("\n\n", start - 2)) and \
            (end == len(text) or text.startswith("\n\n", end))
        code = match.group(2)
        if not alone or any(c in code for c in "\t\r\x02\x03") or re.search(r"^ +$", code, re.M):
            raise _NotSimple
        lang = f' class="language-{match.group(1)}"' if match.group(1) else ""
        return self.slot(f"<pre><code{lang}>{_code_text(code)}</code></pre>")

    def span(self, match: re.Match) -> str:
        if _after(match, "`"):
            raise _NotSimple
        return self.slot(f"<code>{_code_text(match.group(1).strip(), quotes=False)}</code>")

    def blocks(self, text: str) -> str:
        out: list[str] = []
        last = ""
        for block in _blocks(text):
            kind, written = self.block(block)
            # Python-Markdown joins a list to the list before it (a loose list) and a quotation
            # to the quotation before it.
            if kind == last and kind in ("list", "quote"):
                raise _NotSimple
            out.append(written)
            last = kind
        return "\n".join(out)

    def block(self, block: str) -> tuple[str, str]:
        lines = block.split("\n")
        first = lines[0]
        code = _SLOT.fullmatch(block) if first[0] == "\x01" else None  # (the test first: for speed)
        if code and self.pieces[int(code.group(1))].startswith("<pre>"):
            return "code", self.pieces[int(code.group(1))]
        if first[0] == "#":
            return "heading", self.heading(lines)
        if first[0] == "|":
            return "table", self.table(lines)
        if first[0] == ">":
            return "quote", self.quote(lines)
        if _BULLET.match(first):
            return "list", self.list(lines, _BULLET, "ul")
        if _NUMBERED.match(first):
            return "list", self.list(lines, _NUMBERED, "ol")
        return "paragraph", self.paragraph(lines)

    def heading(self, lines: list[str]) -> str:
        match = _HEADING.match(lines[0])
        if len(lines) > 1 or match is None:
            raise _NotSimple
        level, words = len(match.group(1)), match.group(2)
        if _NOT_HEADING_WORDS.search(words) or words.endswith("#"):
            raise _NotSimple
        slug = unique(slugify(words), self.ids, self.counters)  # as toc names it
        if slug in self.reserved_ids:
            raise _NotSimple
        return f'<h{level} id="{slug}">{words}</h{level}>'

    def paragraph(self, lines: list[str]) -> str:
        for line in lines:
            if not _PLAIN_START.match(line):
                raise _NotSimple
        return f"<p>{self.inline(chr(10).join(lines))}</p>"

    def quote(self, lines: list[str]) -> str:
        inner: list[str] = []
        for line in lines:
            match = _QUOTED.match(line)
            if match is None:
                raise _NotSimple
            inner.append(match.group(1) or "")
        if not inner[0] or not inner[-1]:  # Python-Markdown keeps a newline of it in the paragraph
            raise _NotSimple
        paragraphs = _blocks("\n".join(inner))
        written = "\n".join(self.paragraph(block.split("\n")) for block in paragraphs)
        return f"<blockquote>\n{written}\n</blockquote>"

    def list(self, lines: list[str], item: re.Pattern, tag: str) -> str:
        items: list[str] = []
        start = ""
        for n, line in enumerate(lines):
            match = item.match(line)
            if match is None:
                raise _NotSimple
            words = match.group(match.lastindex or 1)
            if not _PLAIN_START.match(words):
                raise _NotSimple
            if n == 0 and tag == "ol" and match.group(1) != "1":
                start = f' start="{match.group(1)}"'
            items.append(f"<li>{self.inline(words)}</li>")
        return f"<{tag}{start}>\n" + "\n".join(items) + f"\n</{tag}>"

    def table(self, lines: list[str]) -> str:
        if len(lines) < 3 or not _TABLE_RULE.match(lines[1]):
            raise _NotSimple
        rows = [self.cells(line) for n, line in enumerate(lines) if n != 1]
        width = len(rows[0])
        if width < 2 or lines[1].count("|") != width + 1 or any(len(row) != width for row in rows):
            raise _NotSimple
        rule = [cell.strip(" ") for cell in lines[1][1:-1].split("|")]
        aligned = [_ALIGNED[cell.startswith(":"), cell.endswith(":")] for cell in rule]
        head = "\n".join(f"<th{align}>{cell}</th>" for align, cell in zip(aligned, rows[0]))
        body = "\n".join("<tr>\n" + "\n".join(f"<td{align}>{cell}</td>" for align, cell in zip(aligned, row))
                         + "\n</tr>" for row in rows[1:])
        return f"<table>\n<thead>\n<tr>\n{head}\n</tr>\n</thead>\n<tbody>\n{body}\n</tbody>\n</table>"

    def cells(self, line: str) -> list[str]:
        if len(line) < 2 or line[0] != "|" or line[-1] != "|":
            raise _NotSimple
        # A cell holds inline Markdown only: "- 3" or "1." at its start is words.
        return [self.inline(cell) if cell else "" for cell in (cell.strip(" ") for cell in line[1:-1].split("|"))]

    def inline(self, text: str) -> str:
        """Inline Markdown as Python-Markdown writes it: links and images, then emphasis."""
        if "[" in text:
            text = self.links(text)
        if _NOT_WORDS.search(text):
            raise _NotSimple
        return self.restored(_text(_emphasised(text)))

    def restored(self, text: str) -> str:
        """text with the HTML of its slots in their places."""
        if "\x01" in text:
            text = _SLOT.sub(lambda match: self.pieces[int(match.group(1))], text)
        return text

    def links(self, text: str) -> str:
        """text with its links and images in slots."""
        parts: list[str] = []
        end = 0
        for match in _LINK.finditer(text):
            image = _after(match, "!")
            parts += text[end:match.start() - image], self.link(match, image)
            end = match.end()
        return "".join(parts) + text[end:]

    def link(self, match: re.Match, image: bool) -> str:
        words, url = match.groups()
        if "_" in words:
            raise _NotSimple
        self.urls.append(None if image and "=" in words else url)
        if image:
            if "\x01" in words or "*" in words:
                raise _NotSimple
            return self.slot(f'<img alt="{_attribute(words)}" src="{_attribute(url)}">')
        return self.slot(f'<a href="{_attribute(url)}">{self.restored(_text(_emphasised(words)))}</a>')


def slugify(words: str) -> str:
    """toc.slugify(words, "-"): a heading's id as toc makes it (tests/test_fast_markdown.py
    compares them)."""
    if not words.isascii():  # ASCII is its own NFKD form
        words = unicodedata.normalize("NFKD", words).encode("ascii", "ignore").decode("ascii")
    return _SLUG_SEPARATORS.sub("-", _NOT_SLUG.sub("", words).strip().lower())


def _emphasised(text: str) -> str:
    if "*" in text:
        text = _EMPHASIS.sub(_emphasis, text)
        if "*" in text:
            raise _NotSimple
    return text


def _emphasis(match: re.Match) -> str:
    if _after(match, "*"):
        raise _NotSimple
    tag = "strong" if len(match.group(1)) == 2 else "em"
    return f"<{tag}>{match.group(2)}</{tag}>"


def _after(match: re.Match, character: str) -> bool:
    """Whether the match comes right after that character."""
    start = match.start()
    return start > 0 and match.string[start - 1] == character


def _blocks(text: str) -> list[str]:
    """text cut at its blank lines, as Python-Markdown cuts it (a run of them is one)."""
    return [block.strip("\n") for block in text.split("\n\n") if block.strip("\n")]


def _text(words: str) -> str:
    # No "<" or ">" gets here (_NEVER), nor an entity: a "&" is only ever an ampersand.
    return words.replace("&", "&amp;")


def _code_text(code: str, quotes: bool = True) -> str:
    code = code.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return code.replace('"', "&quot;") if quotes else code


def _attribute(value: str) -> str:
    if '"' in value:
        raise _NotSimple
    return value.replace("&", "&amp;")
