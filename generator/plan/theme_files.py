"""A theme's files: find it (the site's themes/ first, then the installed ones), follow its
parents, list its static files. Apart from theme.py, which loads the templates, so that a build
with nothing to do can digest the theme without importing Jinja (a third of such a build at
1,000 articles)."""

from __future__ import annotations

import difflib
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from .. import yamlutil
from ..config import Config
from ..errors import BuildFailed, SiteError


def installed_themes_dir() -> Path:
    """Themes shipped with Broadsheet: inside the package when installed from a wheel,
    beside it in a source checkout (and in an editable install)."""
    package = Path(__file__).parent.parent  # generator/
    packaged = package / "themes"
    return packaged if packaged.is_dir() else package.parent / "themes"


@dataclass(frozen=True)
class Theme:
    name: str
    chain: tuple[tuple[str, Path], ...]  # (name, folder), the theme itself first, then its parents
    static_files: dict[str, Path]  # path under static/ -> file; a child's file hides its parent's

    def template_dirs(self) -> list[str]:
        return [str(folder / "templates") for _, folder in self.chain]

    def folders(self) -> list[Path]:
        return [folder for _, folder in self.chain]


def load_theme(config: Config) -> Theme:
    chain = theme_chain(config.theme, lambda name: _find_theme(name, config))
    static: dict[str, Path] = {}
    for _, folder in reversed(chain):  # parents first, so children override
        static_dir = folder / "static"
        for root, dirnames, filenames in os.walk(static_dir):
            dirnames.sort()
            for filename in sorted(filenames):
                path = Path(root) / filename
                static[path.relative_to(static_dir).as_posix()] = path
    return Theme(config.theme, chain, dict(sorted(static.items())))


def theme_chain(name: str, find: Callable[[str], Path]) -> tuple[tuple[str, Path], ...]:
    """(name, folder) of the theme and of each of its parents in turn; find(name) is a theme's folder."""
    chain: list[tuple[str, Path]] = []
    here: str | None = name
    while here is not None:
        if any(seen == here for seen, _ in chain):
            raise BuildFailed([SiteError(f"theme {here!r} is its own parent: "
                                         + " -> ".join([n for n, _ in chain] + [here]), chain[-1][1] / "theme.yaml", 1)])
        folder = find(here)
        chain.append((here, folder))
        here = _parent_of(folder)
    return tuple(chain)


def _find_theme(name: str, config: Config) -> Path:
    for base in (config.themes_dir, installed_themes_dir()):
        if (base / name / "templates").is_dir():
            return base / name
    available = sorted({p.name for base in (config.themes_dir, installed_themes_dir()) if base.is_dir()
                        for p in base.iterdir() if (p / "templates").is_dir()})
    close = difflib.get_close_matches(name, available, n=1)
    hint = f"did you mean {close[0]!r}? " if close else ""
    line = yamlutil.top_level_key_lines(config.config_path.read_text(encoding="utf-8-sig")).get("theme", 1)
    raise BuildFailed([SiteError(
        f"unknown theme {name!r}: no folder themes/{name}/templates in the site or among the installed themes; "
        f"{hint}available: {', '.join(available) or 'none'}", config.config_path, line)])


def _parent_of(folder: Path) -> str | None:
    settings = folder / "theme.yaml"
    if not settings.is_file():
        return None
    try:
        data = yamlutil.load(settings.read_text(encoding="utf-8-sig")) or {}
    except yamlutil.YAMLError as exc:
        raise BuildFailed([SiteError(f"invalid YAML: {exc}", settings, 1)]) from exc
    parent = data.get("parent") if isinstance(data, dict) else None
    if parent is not None and not isinstance(parent, str):
        raise BuildFailed([SiteError("`parent` must be a theme name", settings, 1)])
    return parent
