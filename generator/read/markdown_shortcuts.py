"""Faster stand-ins for some of Python-Markdown's hot spots, with the same output.

Inline patterns. The built-in "inline" treeprocessor tries every inline pattern on every
piece of text, in priority order, and most of those tries cannot match: the link patterns
on text without a "[", the autolink and HTML patterns on text without a "<", and so on.
Each try costs a Registry lookup (which re-checks its sort) and a regex search. Here the
patterns are listed once per document, and a pattern we know is passed over when its
regex needs a character the text does not have. A pattern that does not match leaves the
text as it was and moves on to the next pattern; passing it over does exactly that, so the
output cannot change.

Block tests. The block parser asks each block processor in turn whether a block is its
kind; several answer with a regex search through the whole block (a header needs a "#",
a table a "|"). Here the parser does not ask a processor we know about a block that lacks
what its regex needs, and goes on as after the "no" it would have had.

Only patterns and processors we recognise with certainty are ever passed over: by their
registered name, their exact class and their exact regex. Any other (another extension's,
or one of these replaced or changed) is tried as Python-Markdown would.
"""

from __future__ import annotations

import importlib
import re
import xml.etree.ElementTree as etree

import markdown
from markdown import blockprocessors as bp
from markdown import inlinepatterns as ip
from markdown import util
from markdown.blockparser import BlockParser
from markdown.treeprocessors import InlineProcessor


def _class(module: str, name: str) -> type | None:
    """A class of Python-Markdown's, or None where this version has none of that name."""
    try:
        return getattr(importlib.import_module(module), name)
    except (ImportError, AttributeError):  # pragma: no cover - another Python-Markdown
        return None


_DelimiterProcessor = _class("markdown.inlinepatterns", "DelimiterProcessor")
_FootnoteInlineProcessor = _class("markdown.extensions.footnotes", "FootnoteInlineProcessor")
_WikiLinksInlineProcessor = _class("markdown.extensions.wikilinks", "WikiLinksInlineProcessor")
_AbbrBlockprocessor = _class("markdown.extensions.abbr", "AbbrBlockprocessor")
_DefListProcessor = _class("markdown.extensions.def_list", "DefListProcessor")
_FootnoteBlockProcessor = _class("markdown.extensions.footnotes", "FootnoteBlockProcessor")
_TableProcessor = _class("markdown.extensions.tables", "TableProcessor")
_AttrListTreeprocessor = _class("markdown.extensions.attr_list", "AttrListTreeprocessor")
_TocTreeprocessor = _class("markdown.extensions.toc", "TocTreeprocessor")

_FLAGS = re.compile("", re.DOTALL | re.UNICODE).flags  # as InlineProcessor compiles its regex

# name -> (exact class, exact regex, substrings: the regex cannot match text that has none of them).
# Each claim read off the regex itself:
_KNOWN: dict[str, tuple[type | None, str, tuple[str, ...]]] = {
    # (?:(?<!\\)((?:\\{2})+)(?=`+)|(?<!\\)`): both branches need a backtick (the first in a lookahead).
    "backtick": (ip.BacktickInlineProcessor, r'(?:(?<!\\)((?:\\{2})+)(?=`+)|(?<!\\)`)', ("`",)),
    # \\(.): a backslash.
    "escape": (ip.EscapeInlineProcessor, r'\\(.)', ("\\",)),
    # \[\^([^\]]*)\]: starts with "[^".
    "footnote": (_FootnoteInlineProcessor, r'\[\^([^\]]*)\]', ("[^",)),
    # (?<!\!)\[: a "[".
    "reference": (ip.ReferenceInlineProcessor, r'(?<!\!)\[', ("[",)),
    "link": (ip.LinkInlineProcessor, r'(?<!\!)\[', ("[",)),
    "short_reference": (ip.ShortReferenceInlineProcessor, r'(?<!\!)\[', ("[",)),
    # \!\[: the two characters "![".
    "image_link": (ip.ImageInlineProcessor, r'\!\[', ("![",)),
    "image_reference": (ip.ImageReferenceInlineProcessor, r'\!\[', ("![",)),
    "short_image_ref": (ip.ShortImageReferenceInlineProcessor, r'\!\[', ("![",)),
    # <([A-Za-z][A-Za-z0-9+.-]*://[^<>]*)>: starts with "<".
    "autolink": (ip.AutolinkInlineProcessor, r'<([A-Za-z][A-Za-z0-9+.-]*://[^<>]*)>', ("<",)),
    # <([^<> !]+@[^@<> ]+)>: starts with "<".
    "automail": (ip.AutomailInlineProcessor, r'<([^<> !]+@[^@<> ]+)>', ("<",)),
    # "  \n" is all literal.
    "linebreak": (ip.SubstituteTagInlineProcessor, r'  \n', ("  \n",)),
    # nl2br's "\n" is all literal.
    "nl": (ip.SubstituteTagInlineProcessor, r'\n', ("\n",)),
    # (<(...|!--...|[?]...|!\[CDATA\[...)>): starts with "<".
    "html": (ip.HtmlInlineProcessor,
             r'''(<(\/?+[a-zA-Z][^\s"'<>@]*+(?:\s+[^\s"'=<>]++(?:\s*+=\s*+(?:"[^"]*+"|'[^']*+'|[^\s"'=<>]++))?+)*+\s*+/?|'''
             r'!--(?:(?!<!--|-->).)*--|[?](?:(?!<[?]|[?]>).)*[?]|!\[CDATA\[(?:(?!<!\[CDATA\[|\]\]>).)*\]\])>)', ("<",)),
    # (&(?:...);): starts with "&".
    "entity": (ip.HtmlInlineProcessor, r'(&(?:\#[0-9]+|\#x[0-9a-fA-F]+|[a-zA-Z0-9]+);)', ("&",)),
    # \[\[([\w0-9_ -]+)\]\]: starts with "[[".
    "wikilink": (_WikiLinksInlineProcessor, r'\[\[([\w0-9_ -]+)\]\]', ("[[",)),
}

_NAMES = (*_KNOWN, "em_strong")


def _needs(name: str, pattern: object) -> tuple[str, ...] | None:
    """The substrings one of which the pattern's regex needs, or None: always try it."""
    compiled = getattr(pattern, "compiled_re", None)
    if not isinstance(compiled, re.Pattern) or compiled.flags != _FLAGS:
        return None
    if _DelimiterProcessor is not None and type(pattern) is _DelimiterProcessor and name == "em_strong":
        # Its regex is the alternation of its delimiter tokens ("*", "_", and any an extension added).
        tokens = tuple(pattern.tokens)
        if tokens and all(tokens) and compiled.pattern == "|".join(re.escape(t) for t in tokens):
            return tokens
        return None
    known = _KNOWN.get(name)
    if known is None or known[0] is None or type(pattern) is not known[0] or compiled.pattern != known[1]:
        return None
    return known[2]


class SkippingInlineProcessor(InlineProcessor):
    """The "inline" treeprocessor, passing over patterns that cannot match (see the module's doc)."""

    _checked: list | None = None  # the patterns (and their regexes) that self._needs is for

    def run(self, tree: etree.Element, ancestors: list[str] | None = None) -> etree.Element:
        # The registry, listed once for this document (each registry[i] would re-check its sort).
        registry = self.inlinePatterns
        patterns = self._patterns = list(registry)
        checked = [(pattern, getattr(pattern, "compiled_re", None)) for pattern in patterns]
        if checked != self._checked:  # not the same as for the last document: look again
            names = {id(registry[name]): name for name in _NAMES if name in registry}
            self._needs = [_needs(names[id(p)], p) if id(p) in names else None for p in patterns]
            self._checked = checked
        return super().run(tree, ancestors)

    # Python-Markdown's private InlineProcessor.__handleInline, name-mangled: the same loop,
    # on the listed patterns, passing over those that cannot match.
    def _InlineProcessor__handleInline(self, data: str, patternIndex: int = 0) -> str:
        if not isinstance(data, util.AtomicString):
            startIndex = 0
            patterns = self._patterns
            needs = self._needs
            apply = self._InlineProcessor__applyPattern
            count = len(patterns)
            while patternIndex < count:
                wanted = needs[patternIndex]
                if wanted is not None:
                    for s in wanted:
                        if s in data:
                            break
                    else:
                        # As if tried and not matched: next pattern, from the start of the text.
                        patternIndex += 1
                        startIndex = 0
                        continue
                data, matched, startIndex = apply(patterns[patternIndex], data, patternIndex, startIndex)
                if not matched:
                    patternIndex += 1
        return data


# ---------------------------------------------------------------------------- block tests

_M = re.MULTILINE
# name -> (exact class, attribute with its regex, that regex, its flags besides re.UNICODE,
#          substrings: the block must hold one of them for the processor's test to say yes).
_BLOCK_KNOWN = {
    # (?:^|\n)(?P<level>#{1,6})...: a "#".
    "hashheader": (bp.HashHeaderProcessor, "RE",
                   r'(?:^|\n)(?P<level>#{1,6})(?P<header>(?:\\.|[^\\#]|#+(?=[^#\n]))*?)#*(?:\n|$)', 0, ("#",)),
    # (^|\n)[ ]{0,3}>...: a ">".
    "quote": (bp.BlockQuoteProcessor, "RE", r'(^|\n)[ ]{0,3}>[ ]?(.*)', 0, (">",)),
    # Three or more of one of "-", "_", "*".
    "hr": (bp.HRProcessor, "SEARCH_RE",
           r'^[ ]{0,3}(?=(?P<atomicgroup>(-+[ ]{0,2}){3,}|(_+[ ]{0,2}){3,}|(\*+[ ]{0,2}){3,}))(?P=atomicgroup)[ ]*$', _M,
           ("-", "_", "*")),
    # Matched at the block's start, "." not crossing lines: the second line starts with "=" or "-".
    "setextheader": (bp.SetextHeaderProcessor, "RE", r'^.*?\n(?:=+|-+)[ ]*(\n|$)', _M, ("\n=", "\n-")),
    # (^|\n)[ ]{0,3}:[ ]{1,3}...: a colon and a space.
    "deflist": (_DefListProcessor, "RE", r'(^|\n)[ ]{0,3}:[ ]{1,3}(.*?)(\n|$)', 0, (": ",)),
    # Its test always says yes, and its run puts the block back and says no unless the regex
    # matches: the parser then goes on as after a no. ^[ ]{0,3}\[\^...: "[^".
    "footnote": (_FootnoteBlockProcessor, "RE", r'^[ ]{0,3}\[\^([^\]]*)\]:[ ]*(.*)$', _M, ("[^",)),
    # The same. ^[*]\[...: "*[".
    "abbr": (_AbbrBlockprocessor, "RE", r'^[*]\[(?P<abbr>[^\\]*?)\][ ]?:[ ]*\n?[ ]*(?P<title>.*)$', _M, ("*[",)),
    # The same. ^[ ]{0,3}\[([^\[\]]*)\]:...: "]:".
    "reference": (bp.ReferenceProcessor, "RE",
                  r'^[ ]{0,3}\[([^\[\]]*)\]:[ ]*(?:\n[ ]*)?([^\s]+)[ ]*(?:\n[ ]*)?((["\'])(.*)\4[ ]*|\((.*)\)[ ]*)?$',
                  _M, ("]:",)),
    # No regex: a table's first row needs a "|" to be split in cells or to mark a border.
    # (Its test also leaves self.border and self.separator behind, but only its run reads
    # them, and only after a test that said yes.)
    "table": (_TableProcessor, None, None, 0, ("|",)),
}


class SkippingBlockParser(BlockParser):
    """The block parser, not asking the processors we know about blocks they cannot match."""

    _skips: dict = {}  # processor -> (attribute, the regex it held when checked, substrings)

    def parseBlocks(self, parent: etree.Element, blocks: list[str]) -> None:
        # BlockParser.parseBlocks, and the test passed over (a no) when the block lacks every
        # substring the processor's regex needs, while it still has the regex we checked.
        skips = self._skips
        while blocks:
            for processor in self.blockprocessors:
                skip = skips.get(processor)
                if skip is not None and (skip[0] is None or getattr(processor, skip[0]) is skip[1]):
                    block = blocks[0]
                    for needed in skip[2]:
                        if needed in block:
                            break
                    else:
                        continue
                if processor.test(parent, blocks[0]):
                    if processor.run(parent, blocks) is not False:
                        # run returns True or None
                        break


def speed_up_block_tests(md: markdown.Markdown) -> None:
    """Make the block parser a SkippingBlockParser, if it is Python-Markdown's own."""
    if type(md.parser) is not BlockParser:
        return
    processors = md.parser.blockprocessors
    skips = {}
    for name, (cls, attribute, pattern, flags, needed) in _BLOCK_KNOWN.items():
        if cls is None or name not in processors or type(processors[name]) is not cls:
            continue
        processor = processors[name]
        regex = getattr(processor, attribute, None) if attribute else None
        if attribute is not None and not (isinstance(regex, re.Pattern) and regex.pattern == pattern
                                          and regex.flags == re.compile("", flags).flags):
            continue
        skips[processor] = (attribute, regex, needed)
    md.parser.__class__ = SkippingBlockParser  # in place, as for "inline": footnotes keep hold of it
    md.parser._skips = skips


# ---------------------------------------------------------------------------- setting up

# What SkippingInlineProcessor relies on of InlineProcessor's insides.
_PRIVATE = ("_InlineProcessor__handleInline", "_InlineProcessor__applyPattern")


def speed_up_inline(md: markdown.Markdown) -> None:
    """Make the "inline" treeprocessor a SkippingInlineProcessor, if it is Python-Markdown's own."""
    if not all(hasattr(InlineProcessor, name) for name in _PRIVATE):
        return  # another Python-Markdown than the one this was written against: leave it be
    if "inline" in md.treeprocessors and type(md.treeprocessors["inline"]) is InlineProcessor:
        # The same object, its class changed: it keeps its place in the registry (a new one
        # would go after any other treeprocessor of the same priority) and anything that
        # kept hold of it (for its stashed_nodes) sees the same one.
        md.treeprocessors["inline"].__class__ = SkippingInlineProcessor


def _text(md: markdown.Markdown) -> str:
    """The document as the preprocessors left it (md.lines): every piece of text in the tree comes
    from it, or is a placeholder (escapes, entities, raw HTML and code are stashed as such until
    the treeprocessors below have run)."""
    return "\n".join(md.lines)


if _AttrListTreeprocessor is not None:
    class SkippingAttrListTreeprocessor(_AttrListTreeprocessor):
        """attr_list, which looks at the text of every element, passed over in a document with no
        "{": each of its regexes needs one, and it changes nothing where none matches."""

        def run(self, doc: etree.Element) -> None:
            if "{" in _text(self.md):
                super().run(doc)

if _TocTreeprocessor is not None:
    class SkippingTocTreeprocessor(_TocTreeprocessor):
        """toc, in a document whose text does not hold its marker ("[TOC]"), neither building the
        table of contents (it would go nowhere) nor looking through the tree for the marker's
        paragraph. Heading ids are made as ever. Python-Markdown's md.toc is then an empty
        table: Broadsheet never reads it, and no page shows it."""

        def _no_marker(self) -> bool:
            return bool(self.marker) and self.marker not in _text(self.md)

        def build_toc_div(self, toc_list: list) -> etree.Element:
            if self._no_marker():
                div = etree.Element("div")
                div.attrib["class"] = self.toc_class
                return div
            return super().build_toc_div(toc_list)

        def replace_marker(self, root: etree.Element, elem: etree.Element) -> None:
            if not self._no_marker():
                super().replace_marker(root, elem)


def speed_up_treeprocessors(md: markdown.Markdown) -> None:
    """attr_list's and toc's treeprocessors made the ones above, if they are Python-Markdown's own."""
    for name, known, faster in (("attr_list", _AttrListTreeprocessor, "SkippingAttrListTreeprocessor"),
                                ("toc", _TocTreeprocessor, "SkippingTocTreeprocessor")):
        if known is not None and name in md.treeprocessors and type(md.treeprocessors[name]) is known:
            md.treeprocessors[name].__class__ = globals()[faster]  # in place, as for "inline"


def speed_up(md: markdown.Markdown) -> None:
    """Call once its extensions are all in place: they may have changed what is there."""
    speed_up_inline(md)
    speed_up_block_tests(md)
    speed_up_treeprocessors(md)
