"""A fast reader for simple front matter, giving exactly what `yamlutil.load` would give.

PyYAML, even with its C parser, builds every value in Python: about 0.1 ms for an article's few
lines. Front matter is nearly always a handful of `key: value` lines, which this module reads
directly. `parse(text)` returns the value PyYAML would return, or None when the text is outside
the subset below: the caller then asks PyYAML, which also words the errors.

The subset, line by line (a line is what lies between two "\\n"):

- Blank lines and comment lines (spaces, then `#`) anywhere.
- Top-level `key: value` lines at column 0, at least one. A key is an ASCII word of up to 128
  characters (`[A-Za-z_][A-Za-z0-9_-]*`) followed at once by `:` and then a space or the end of
  the line. A key is a plain scalar too: `yes:` is the key True, as in PyYAML. Later duplicates
  replace earlier ones in the first one's place (a dict, as PyYAML builds it).
- A value on the key's line is one of:
  - nothing (or only a comment): None, unless block sequence items follow (below);
  - a double-quoted scalar closed on the same line, without `\\` (so without escapes);
  - a single-quoted scalar closed on the same line (`''` is a quote);
  - a flow sequence `[...]` closed on the same line, of quoted scalars as above and plain
    scalars without any of `[]{}#:?`, separated by commas, without an empty or trailing entry;
  - a plain scalar: the rest of the line up to ` #`, trailing spaces removed, not starting with
    any of ``-?:,[]{}#&*!|>'"%@` `` (`-` is allowed when a non-space follows: `-3`), not
    containing `: ` and not ending with `:`.
  After a quoted scalar or a flow sequence, only spaces and then a comment (after a space).
- Under a key with no value, a block sequence: lines `- item` all at one indentation (column 0
  included), each item a value as above on the dash's line, or a mapping `- key: value` whose
  further `key: value` lines stand exactly below the first key. Nothing nests deeper.

A plain scalar's type comes from `yamlutil.Loader`'s own implicit resolvers (YAML 1.1: `yes`,
`Off`, `~`, `0x1F`, `1_000`, `.inf`, `1:20`..., no timestamps) and its value from the loader's own
constructors, so both follow PyYAML's rules rather than a copy of them.

Anything else is left to PyYAML: tabs, carriage returns, the characters YAML reads as line breaks
or does not allow (and a byte order mark), escapes, multi-line scalars, block scalars (`|`, `>`),
anchors, aliases, tags, flow mappings, nested mappings, `? ` keys, quoted keys, directives and
document markers, and every text PyYAML would reject.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

import yaml

from .. import yamlutil


class _NotSimple(Exception):
    """The text is outside the subset: PyYAML must read it."""


_EMPTY = object()  # a value position with nothing in it (None, or the head of a block sequence)

# Characters outside the subset anywhere in the text: PyYAML's non-printable ones, tab and carriage
# return, YAML's other line breaks (NEL, U+2028, U+2029) and the byte order mark U+FEFF.
_OUTSIDE = re.compile("[^\n\x20-\x7e\xa0-\u2027\u202a-\ud7ff\ue000-\ufefe\uff00-\ufffd\U00010000-\U0010ffff]")
# PyYAML gives up on a simple key of over 1024 characters; 128 keeps well clear of it.
_KEY = re.compile(r"([A-Za-z_][A-Za-z0-9_-]{0,127}):(?= |$)")
# A `key: value` line: the key, then a quoted scalar closed on the line and followed by nothing but
# spaces and maybe a comment (the most common value, taken in the same match), or the rest for _inline.
_ENTRY = re.compile(r"""
    ([A-Za-z_][A-Za-z0-9_-]{0,127}):
    (?: \ +(?: "([^"\\]*)" | '((?:[^']|'')*)' )(?:\ +\#.*|\ *)$
      | (?=\ |$)(.*) )""", re.X)
_ITEM = re.compile(r" *-(?= |$)")
_DOUBLE_QUOTED = re.compile(r'"([^"\\]*)"(?: +#.*| *)$')
_SINGLE_QUOTED = re.compile(r"'((?:[^']|'')*)'(?: +#.*| *)$")
_TAIL = re.compile(r"(?: +#.*| *)$")
# One entry of a flow sequence and the `,` or `]` after it: quoted, or plain up to the next space
# before `,` or `]`. A plain entry with any of `[]{}#:?` is left out: it nests, comments or maps.
_FLOW_ENTRY = re.compile(r""" *(?:"([^"\\]*)"|'((?:[^']|'')*)'|([^ ,\[\]{}#:?"'][^,\[\]{}#:?]*?)) *([,\]])""")
_EMPTY_FLOW = re.compile(r"\[ *\]")
# The most common flow sequence, of double-quoted scalars only, is taken in one match.
_QUOTED_FLOW = re.compile(r'(\[ *"[^"\\]*"(?: *, *"[^"\\]*")* *\])(?: +#.*| *)$')
_QUOTED_IN_FLOW = re.compile(r'"([^"\\]*)"')
_NOT_PLAIN_START = frozenset("?:,[]{}#&*!|>'\"%@`")

_WILDCARD = yamlutil.Loader.yaml_implicit_resolvers.get(None, [])
_RESOLVERS = {first: resolvers + _WILDCARD
              for first, resolvers in yamlutil.Loader.yaml_implicit_resolvers.items() if first is not None}
_CONSTRUCTORS = yamlutil.Loader.yaml_constructors
# PyYAML's scalar constructors need only a SafeConstructor's class attributes (bool_values, inf_value...).
_CONSTRUCTOR = yaml.constructor.SafeConstructor()


def load_front_matter(text: str) -> Any:
    """An article's front matter: read here when it is in the subset, else by PyYAML."""
    fast = parse(text)
    return fast if fast is not None else yamlutil.load(text)


def parse(text: str) -> dict[Any, Any] | None:
    """What `yamlutil.load(text)` returns, if `text` is in the subset; None otherwise."""
    if not _allowed_characters(text):
        return None
    # Blank and comment lines change nothing in the subset (it has no multi-line scalar).
    lines = [line for line in text.split("\n") if line.lstrip(" ")[:1] not in ("", "#")]
    try:
        return _document(lines)
    except _NotSimple:
        return None


def _allowed_characters(text: str) -> bool:
    # Python's printable characters are all allowed: a quick test that nearly every text passes.
    return text.replace("\n", " ").isprintable() or _OUTSIDE.search(text) is None


def _document(lines: list[str]) -> dict[Any, Any]:
    if not lines:
        raise _NotSimple  # only comments: PyYAML's None
    mapping: dict[Any, Any] = {}
    at = 0
    while at < len(lines):
        line = lines[at]
        if line[0] == " ":
            raise _NotSimple  # a continued scalar or a nested block
        key, value = _entry(line)
        at += 1
        if value is _EMPTY:
            value, at = _block_sequence(lines, at)
        mapping[key] = value
    return mapping


def _entry(line: str) -> tuple[Any, Any]:
    """A `key: value` line's key and value (_EMPTY if there is none on the line)."""
    match = _ENTRY.match(line)
    if match is None:
        raise _NotSimple
    key, double, single, rest = match.groups()
    if double is not None:
        return _key(key), double
    if single is not None:
        return _key(key), single.replace("''", "'")
    return _key(key), _inline(rest)


@lru_cache(maxsize=1024)
def _key(name: str) -> Any:
    """A key, resolved like any plain scalar; cached, as the same few keys come in every article."""
    return _plain(name)


def _block_sequence(lines: list[str], at: int) -> tuple[list[Any] | None, int]:
    """The `- item` lines from `at` on, at the first one's indentation (None if there is none)."""
    first = _ITEM.match(lines[at]) if at < len(lines) else None
    if first is None:
        return None, at
    dash = first.end() - 1
    items: list[Any] = []
    while at < len(lines) and (item := _ITEM.match(lines[at])) is not None and item.end() - 1 == dash:
        value, at = _item(lines, at, dash)
        items.append(value)
    return items, at  # _document declines an indented line after it


def _item(lines: list[str], at: int, dash: int) -> tuple[Any, int]:
    line = lines[at]
    rest = line[dash + 1:]
    content = rest.lstrip(" ")
    if _KEY.match(content) is None:
        value = _inline(rest)
        return None if value is _EMPTY else value, at + 1
    return _item_mapping(lines, at, len(line) - len(content))


def _item_mapping(lines: list[str], at: int, column: int) -> tuple[dict[Any, Any], int]:
    """`- key: value` at `at`, and the `key: value` lines that follow with their key at `column`."""
    mapping: dict[Any, Any] = {}
    line = lines[at][column:]
    while True:
        key, value = _entry(line)
        mapping[key] = None if value is _EMPTY else value
        at += 1
        if at == len(lines) or _indentation(lines[at]) != column:
            return mapping, at
        line = lines[at][column:]


def _indentation(line: str) -> int:
    return len(line) - len(line.lstrip(" "))


def _inline(rest: str) -> Any:
    """The value after `key:` or `-` (`rest` is empty or starts with a space), or _EMPTY."""
    content = rest.lstrip(" ")
    if not content or content[0] == "#":
        return _EMPTY
    first = content[0]
    if first == '"':
        match = _DOUBLE_QUOTED.match(content)
        if match is None:
            raise _NotSimple  # an escape, or a scalar continued on the next line
        return match.group(1)
    if first == "'":
        match = _SINGLE_QUOTED.match(content)
        if match is None:
            raise _NotSimple
        return match.group(1).replace("''", "'")
    if first == "[":
        return _flow_sequence(content)
    return _plain(_block_plain_text(content))


def _block_plain_text(content: str) -> str:
    cut = content.find(" #")
    text = (content if cut == -1 else content[:cut]).rstrip(" ")
    if ": " in text or text.endswith(":"):
        raise _NotSimple  # PyYAML: "mapping values are not allowed here"
    return text


def _flow_sequence(text: str) -> list[Any]:
    """`[a, "b", 'c']` closed on its line, then only spaces and maybe a comment."""
    quoted = _QUOTED_FLOW.match(text)
    if quoted is not None:
        return _QUOTED_IN_FLOW.findall(text, 0, quoted.end(1))  # not in a comment after it
    empty = _EMPTY_FLOW.match(text)
    if empty is not None:
        at, items = empty.end(), []
    else:
        at, items = _flow_entries(text)
    if _TAIL.match(text, at) is None:
        raise _NotSimple
    return items


def _flow_entries(text: str) -> tuple[int, list[Any]]:
    items: list[Any] = []
    at = 1
    while True:
        entry = _FLOW_ENTRY.match(text, at)
        if entry is None:
            raise _NotSimple  # an empty entry, a trailing comma, a nested collection...
        double, single, plain, separator = entry.groups()
        items.append(double if double is not None else single.replace("''", "'") if single is not None
                     else _plain(plain))
        at = entry.end()
        if separator == "]":
            return at, items


def _plain(text: str) -> Any:
    """A plain scalar's value: its tag from the loader's resolvers, its value from its constructors."""
    first = text[0]
    if first in _NOT_PLAIN_START or (first == "-" and text[1:2] in ("", " ")):
        raise _NotSimple  # an indicator, not a plain scalar
    for tag, regex in _RESOLVERS.get(first, _WILDCARD):
        if regex.match(text):
            return _construct(tag, text)
    return text


def _construct(tag: str, text: str) -> Any:
    constructor = _CONSTRUCTORS.get(tag)
    if constructor is None:
        raise _NotSimple  # PyYAML has no constructor for it (`=`, `<<`, `!`...)
    try:
        return constructor(_CONSTRUCTOR, yaml.ScalarNode(tag, text))
    except Exception as exc:  # noqa: BLE001 - PyYAML fails on the same text too (`0b_`: ValueError)
        raise _NotSimple from exc
