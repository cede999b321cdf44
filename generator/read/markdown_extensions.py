"""The site's Markdown extensions made here, for those Python-Markdown ships.

Python-Markdown finds an extension named by a string through the entry points of every
installed package (importlib.metadata reads each one's metadata): some 35 ms in every process
that converts Markdown, a tenth of a one-article rebuild at 10,000 articles. An extension of its
own ("toc", or "markdown.extensions.toc") is made here from its module instead, with its
settings, as Python-Markdown would make it; "extra" becomes its parts, in the order
ExtraExtension registers them (by name, which would scan the entry points again). Any other
name is left to Python-Markdown, with its settings.
"""

from __future__ import annotations

import importlib
from collections.abc import Sequence
from typing import Any

from markdown.extensions import Extension

# The extensions Python-Markdown registers under its own entry points.
SHIPPED = frozenset({
    "abbr", "admonition", "attr_list", "codehilite", "def_list", "extra", "fenced_code", "footnotes",
    "legacy_attrs", "legacy_em", "md_in_html", "meta", "nl2br", "sane_lists", "smarty", "tables", "toc",
    "wikilinks",
})
_PREFIX = "markdown.extensions."


def made_extensions(names: Sequence[str | Extension],
                    configs: dict[str, Any]) -> tuple[list[Extension | str], dict[str, Any]]:
    """The extensions to give Python-Markdown, and the settings of those still named by a string.
    An extension given as an object is passed on as it is."""
    made: list[Extension | str] = []
    left: dict[str, Any] = {}
    for name in names:
        if not isinstance(name, str):
            made.append(name)
            continue
        short = name.removeprefix(_PREFIX)
        config = configs.get(name, {})
        if short == "extra":
            from markdown.extensions.extra import extensions as parts
            made.extend(_make(part, config.get(part, {})) for part in parts)
        elif short in SHIPPED:
            made.append(_make(short, config))
        else:
            made.append(name)
            if name in configs:
                left[name] = configs[name]
    return made, left


def _make(short: str, config: dict[str, Any]) -> Extension:
    return importlib.import_module(_PREFIX + short).makeExtension(**config)
