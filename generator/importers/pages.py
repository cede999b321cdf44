"""What a page copied from Jekyll or Hugo needs in its front matter to build as a Broadsheet page:
a title (Broadsheet requires one, Jekyll and Hugo do not), and its old address among its
aliases when its new one differs, so that links to it still lead somewhere."""

from __future__ import annotations

from typing import Any

import yaml

from ..read.fields import alias_path

_ALIAS_KEYS = ("aliases", "redirect_from")  # the names Broadsheet reads old URLs under


def with_alias(header: str, meta: dict[Any, Any], old: str) -> str:
    """The front matter (YAML text, its values meta) with old among its aliases."""
    key = next((k for k in meta if str(k).lower() in _ALIAS_KEYS), None)
    if key is None:
        return header + f"aliases: [{yaml_scalar(old)}]\n"
    present = meta[key] if isinstance(meta[key], list) else [meta[key]]
    if any(alias_path(str(p)) == old for p in present):
        return header
    # Written again whole, only here (a key cannot be given twice): its comments go.
    return yaml.safe_dump({**meta, key: [*present, old]}, allow_unicode=True, sort_keys=False, width=10**6)


def title_for(meta: dict[Any, Any], slug: str) -> str | None:
    """A title made from the slug ("about-us" gives "About us") when the page has none; else None."""
    title = meta.get("title")
    if title is not None and str(title).strip():
        return None
    return slug.replace("-", " ").capitalize() or "Page"


def yaml_scalar(value: str) -> str:
    """value as one YAML scalar, quoted only when it must be."""
    return yaml.safe_dump(value, allow_unicode=True, width=10**6).removesuffix("\n...\n").strip()
