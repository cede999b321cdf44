"""Curly quotes, dashes and ellipses in finished HTML: what Python-Markdown's `smarty`
does, at a fraction of its cost (smarty doubles the time of a Markdown conversion,
which is most of a build), with the quotation marks of the site's language.

Only text between tags is touched, never tags, attributes, entities, or the
insides of <code>, <pre>, <kbd>, <script>, <style> and <textarea>. What is written
are the characters themselves (’ “ ” – — …), never entities: the same text in a page,
a feed and JSON-LD. smarten_text does the same to plain text (a title, a summary).
"""

from __future__ import annotations

import re

_RAW_TAGS = ("code", "pre", "kbd", "samp", "script", "style", "textarea", "math")
_OPEN_RAW = re.compile(r"<(%s)\b" % "|".join(_RAW_TAGS), re.I)
_CLOSE_RAW = re.compile(r"</(%s)\s*>" % "|".join(_RAW_TAGS), re.I)
_BLOCK = re.compile(r"</?(p|li|h\d|div|td|th|blockquote|br|tr|dd|dt|figcaption)\b", re.I)

# One pass over the document finds, left to right, either a tag or comment
#     <!--.*?-->|<[^>]*>
# or, in the text between them, a trigger
#     ---|(?<![-!<])--(?![->])|\.\.\.|['"]
# Every alternative starts with a plain character (hence '|" for ['"], and the lookbehind
# moved after the first "-"), which lets the regex engine jump to the next "<", "-", ".",
# "'" or '"' instead of trying each alternative at every character: five times faster than
# splitting the text from the tags and searching each text. No trigger holds a "<", so the
# tags found are the same as when splitting first. At the ends of a text, a trigger's
# lookarounds see a tag's ">" or "<" where they would see the end of the split-off text,
# and decide the same: neither is a "-" or a "!".
_TRIGGERS = r"""---|-(?<![-!<]-)-(?![->])|\.\.\.|'|\""""
_TOKEN = re.compile(r"<!--.*?-->|<[^>]*>|" + _TRIGGERS, re.S)
_TEXT_TOKEN = re.compile(_TRIGGERS)  # plain text: no tags, a "<" is a character like any other
# The tags and comments as _TOKEN finds them (no trigger holds a "<", so finding triggers too
# changes none of them): what is left is the text between them, each trigger of it inside.
_TAGS = re.compile(r"<!--.*?-->|<[^>]*>", re.S)
_CLOSER = re.compile(r"[\w.,;:!?)\]\u2019\u201d%]")  # after these a quote closes; else it opens
_DECADE = re.compile(r"\d\ds\b")
_FIXED = {"---": "\u2014", "--": "\u2013", "...": "\u2026"}  # em dash, en dash, ellipsis
APOSTROPHE = "\u2019"

# The quotation marks of a language: (double opening, double closing, single opening, single
# closing), the single ones for a quotation inside a quotation. French sets its guillemets off
# with a narrow no-break space (U+202F) inside. An apostrophe is ’ in every language.
QUOTES: dict[str, tuple[str, str, str, str]] = {
    "en": ("\u201c", "\u201d", "\u2018", "\u2019"),  # “ ” ‘ ’
    "fr": ("\u00ab\u202f", "\u202f\u00bb", "\u2039\u202f", "\u202f\u203a"),  # « » ‹ ›
    "de": ("\u201e", "\u201c", "\u201a", "\u2018"),  # „ “ ‚ ‘
    "uk": ("\u00ab", "\u00bb", "\u201e", "\u201c"),  # « » „ “
    "es": ("\u00ab", "\u00bb", "\u201c", "\u201d"),  # « » “ ”
}
_QUOTES_BY_CODE: dict[str, tuple[str, str, str, str]] = {}


def quotes_for(language: str) -> tuple[str, str, str, str]:
    """The quotation marks for a language code such as en, fr, de-AT or pt_BR (English for a
    language not in QUOTES)."""
    found = _QUOTES_BY_CODE.get(language)
    if found is None:
        primary = re.split(r"[-_]", language.strip(), maxsplit=1)[0].lower()
        found = _QUOTES_BY_CODE[language] = QUOTES.get(primary, QUOTES["en"])
    return found


# What a tag does: opens or closes a raw element (<code> and the like), starts a block, or nothing.
_OPENS_RAW, _CLOSES_RAW, _STARTS_BLOCK, _NOTHING = 1, 2, 3, 0
_KINDS: dict[str, int] = {}  # the same tags come again and again: <p>, </p>, <em>, <code>


def _kind(tag: str) -> int:
    if _OPEN_RAW.match(tag) and not tag.endswith("/>"):
        return _OPENS_RAW
    if _CLOSE_RAW.match(tag):
        return _CLOSES_RAW
    if _BLOCK.match(tag):
        return _STARTS_BLOCK
    return _NOTHING


def smarten(html: str, language: str = "en") -> str:
    """HTML with its text typeset (see the module's docstring)."""
    if "'" not in html and '"' not in html and "--" not in html and "..." not in html:
        return html
    # For speed: every tag's attributes have quotes, but most articles' text has no trigger at
    # all. Looking for one in the text with the tags cut out (in C) is three times cheaper than
    # walking every tag in _smarten, which then runs for the few that have one.
    if not _may_have_triggers(_TAGS.sub("", html)):
        return html
    return _smarten(html, _TOKEN, quotes_for(language))


def _may_have_triggers(text: str) -> bool:
    """Whether text has something that starts a trigger (a superset of the triggers: "--"
    before a ">" is none, and the text may be a raw element's)."""
    return "'" in text or '"' in text or "--" in text or "..." in text


def smarten_text(text: str, language: str = "en") -> str:
    """Plain text (not HTML: a "<" is a character, and no entity is written) typeset as smarten
    typesets the text of HTML: a title, a summary."""
    if not _may_have_triggers(text):
        return text
    return _smarten(text, _TEXT_TOKEN, quotes_for(language))


def _smarten(html: str, token: re.Pattern, quotes: tuple[str, str, str, str]) -> str:
    double_open, double_close, single_open, single_close = quotes
    # Where a closing single quote is not an apostrophe (not English), a ' after a word closes a
    # quotation only if one is open in this block and no letter follows ("l'eau" stays ’).
    single_differs = single_close != APOSTROPHE
    singles_open = 0
    quote_end, quote_closed = -1, False  # where the last quote ends, and whether it closed
    kinds = _KINDS
    if len(kinds) > 4096:  # tags with attributes are often one of a kind
        kinds.clear()
    pieces = []
    done = 0  # html[:done] is in pieces
    raw_depth = 0
    text_start = 0  # where the text after the last tag starts
    before = " "  # the text's last character before this text, across tags: "<em>x</em>" then a quote
    for match in token.finditer(html):
        at, end = match.span()
        if html[at] == "<":  # a tag or a comment (no trigger starts with "<")
            if at > text_start:
                before = html[at - 1]
            text_start = end
            tag = html[at:end]
            kind = kinds.get(tag)
            if kind is None:
                kind = kinds[tag] = _kind(tag)
            if kind:
                if kind == _OPENS_RAW:
                    raw_depth += 1
                elif kind == _CLOSES_RAW:
                    if raw_depth:
                        raw_depth -= 1
                else:
                    before = " "  # a new block starts: a quote at its start opens
                    singles_open = 0
        elif not raw_depth:
            found = html[at:end]
            if found in _FIXED:
                new = _FIXED[found]
            else:
                # A quote closes after a letter and the like; at a text's start, the last text's
                # last character decides; right after another quote, as that one did ('vin'").
                if at == quote_end:
                    closes = quote_closed
                else:
                    closes = _CLOSER.match(html, at - 1) if at > text_start else _CLOSER.match(before)
                if found == "'":
                    if closes:
                        new = APOSTROPHE
                        if singles_open and single_differs and not html[end:end + 1].isalnum():
                            new = single_close
                            singles_open -= 1
                    elif _DECADE.match(html, end):
                        new = APOSTROPHE
                    else:
                        new = single_open
                        singles_open += 1
                else:
                    new = double_close if closes else double_open
                quote_end, quote_closed = end, bool(closes)
            pieces.append(html[done:at])
            pieces.append(new)
            done = end
    if not done:
        return html
    pieces.append(html[done:])
    return "".join(pieces)
