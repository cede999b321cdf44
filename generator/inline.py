"""A faster stand-in for Python-Markdown's "inline" treeprocessor, with the same output.

The built-in one tries every inline pattern on every piece of text, in priority order, and
most of those tries cannot match: the link patterns on text without a "[", the autolink and
HTML patterns on text without a "<", and so on. Each try costs a Registry lookup (which
re-checks its sort) and a regex search. Here the patterns are listed once per document,
and a pattern we know is passed over when its regex needs a character the text does not
have. A pattern that does not match leaves the text as it was and moves on to the next
pattern; passing it over does exactly that, so the output cannot change.

Only patterns we recognise with certainty are ever passed over: by their registered name,
their exact class and their exact regex. Any other pattern (another extension's, or one of
these replaced or changed) is tried as Python-Markdown would.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as etree

import markdown
from markdown import inlinepatterns as ip
from markdown import util
from markdown.treeprocessors import InlineProcessor

try:
    from markdown.extensions.footnotes import FootnoteInlineProcessor
except ImportError:  # pragma: no cover - footnotes ships with Python-Markdown
    FootnoteInlineProcessor = None
try:
    from markdown.extensions.wikilinks import WikiLinksInlineProcessor
except ImportError:  # pragma: no cover
    WikiLinksInlineProcessor = None

_FLAGS = re.compile("", re.DOTALL | re.UNICODE).flags  # as InlineProcessor compiles its regex

# name -> (exact class, exact regex, substrings: the regex cannot match text that has none of them).
# Each claim read off the regex itself:
_KNOWN: dict[str, tuple[type | None, str, tuple[str, ...]]] = {
    # (?:(?<!\\)((?:\\{2})+)(?=`+)|(?<!\\)`): both branches need a backtick (the first in a lookahead).
    "backtick": (ip.BacktickInlineProcessor, r'(?:(?<!\\)((?:\\{2})+)(?=`+)|(?<!\\)`)', ("`",)),
    # \\(.): a backslash.
    "escape": (ip.EscapeInlineProcessor, r'\\(.)', ("\\",)),
    # \[\^([^\]]*)\]: starts with "[^".
    "footnote": (FootnoteInlineProcessor, r'\[\^([^\]]*)\]', ("[^",)),
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
    # HTML_RE: every branch starts with "<".
    "html": (ip.HtmlInlineProcessor, ip.HTML_RE, ("<",)),
    # (&(?:...);): starts with "&".
    "entity": (ip.HtmlInlineProcessor, r'(&(?:\#[0-9]+|\#x[0-9a-fA-F]+|[a-zA-Z0-9]+);)', ("&",)),
    # \[\[([\w0-9_ -]+)\]\]: starts with "[[".
    "wikilink": (WikiLinksInlineProcessor, r'\[\[([\w0-9_ -]+)\]\]', ("[[",)),
}

_NAMES = (*_KNOWN, "em_strong")


def _needs(name: str, pattern: object) -> tuple[str, ...] | None:
    """The substrings one of which the pattern's regex needs, or None: always try it."""
    compiled = getattr(pattern, "compiled_re", None)
    if not isinstance(compiled, re.Pattern) or compiled.flags != _FLAGS:
        return None
    if type(pattern) is ip.DelimiterProcessor and name == "em_strong":
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

    def run(self, tree: etree.Element, ancestors: list[str] | None = None) -> etree.Element:
        # The registry, listed once for this document (each registry[i] would re-check its sort).
        registry = self.inlinePatterns
        self._patterns = list(registry)
        names = {id(registry[name]): name for name in _NAMES if name in registry}
        self._needs = [_needs(names[id(p)], p) if id(p) in names else None for p in self._patterns]
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
