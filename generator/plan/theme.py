"""Themes: find one (site first, then installed), follow its parents, load its templates."""

from __future__ import annotations

import difflib
import os
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jinja2

from .. import yamlutil
from ..config import Config
from ..dates import date_long, date_short, isoformat, time_short
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


def load_theme(config: Config) -> Theme:
    chain: list[tuple[str, Path]] = []
    name: str | None = config.theme
    while name is not None:
        if any(seen == name for seen, _ in chain):
            raise BuildFailed([SiteError(f"theme {name!r} is its own parent: "
                                         + " -> ".join([n for n, _ in chain] + [name]), chain[-1][1] / "theme.yaml", 1)])
        folder = _find_theme(name, config)
        chain.append((name, folder))
        name = _parent_of(folder)
    static: dict[str, Path] = {}
    for _, folder in reversed(chain):  # parents first, so children override
        static_dir = folder / "static"
        for root, dirnames, filenames in os.walk(static_dir):
            dirnames.sort()
            for filename in sorted(filenames):
                path = Path(root) / filename
                static[path.relative_to(static_dir).as_posix()] = path
    return Theme(config.theme, tuple(chain), dict(sorted(static.items())))


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


def make_environment(theme: Theme, bytecode_dir: Path | None = None) -> jinja2.Environment:
    """Autoescape on, undefined names are errors, every template compiled now so that
    a syntax error anywhere in the theme is reported before anything is rendered."""
    loader = jinja2.ChoiceLoader([
        jinja2.FileSystemLoader(theme.template_dirs()),
        jinja2.PrefixLoader({name: jinja2.FileSystemLoader(str(folder / "templates"))
                             for name, folder in theme.chain}, delimiter=":"),
    ])
    bytecode_cache = None
    if bytecode_dir is not None:
        # Compiled templates, checked by Jinja against the source's checksum: compiling is a tenth of a
        # build in which nothing changed.
        try:
            bytecode_dir.mkdir(parents=True, exist_ok=True)
            bytecode_cache = jinja2.FileSystemBytecodeCache(str(bytecode_dir))
        except OSError:
            bytecode_cache = None
    # Not auto_reload: a build makes its own environment and compiles every template first (below);
    # checking each template's mtime again on every page cost three stat calls a page.
    env = jinja2.Environment(loader=loader, autoescape=True, undefined=jinja2.StrictUndefined,
                             trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True,
                             bytecode_cache=bytecode_cache, auto_reload=False)
    env.filters.update(date_long=date_long, date_short=date_short, time_short=time_short, isoformat=isoformat)
    env.globals["cached"] = Cached
    errors: list[SiteError] = []
    for name in sorted(set(env.list_templates())):
        if ":" in name:
            continue  # the prefixed names are the same files again
        try:
            env.get_template(name)
        except jinja2.TemplateSyntaxError as exc:
            errors.append(SiteError(f"template syntax error in {name}: {exc.message}",
                                    Path(exc.filename) if exc.filename else None, exc.lineno))
    if errors:
        raise BuildFailed(errors)
    return env


class Cached:
    """The template global `cached(macro)`: a macro that gives what `macro` gave before whenever it
    is called with the very same objects, and calls it only the first time.

    For a macro whose output depends on nothing but its arguments (a macro in a template imported
    without context), shown many times with the same ones: the default theme's
    `{% set card = cached(card) %}`, as an article's card is on its front page and on the page of
    each of its tags. The objects Broadsheet gives templates never change, and each is made once
    per build. Arguments are matched by identity, never by equality: equal datetimes can be in
    different time zones, and 1 == True.

    What it made lives as long as it does: in the template module that set it, which Jinja keeps
    for the build's environment (each worker process has its own copy), or makes again for every
    page when the template is imported `with context`."""

    def __init__(self, macro: Callable[..., Any]):
        self.macro = macro
        self._made: dict[tuple, tuple[tuple, tuple, Any]] = {}

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        key = (*map(id, args), *kwargs, *map(id, kwargs.values()))
        made = self._made.get(key)
        if made is None:
            # The arguments stay referenced by their entry, so that no id is reused while it is here.
            made = self._made[key] = (args, tuple(kwargs.values()), self.macro(*args, **kwargs))
        return made[2]


def template_error(exc: Exception, template_name: str) -> SiteError:
    """An error raised while rendering, pinned to the template file and line it came from."""
    if isinstance(exc, jinja2.TemplateSyntaxError):
        return SiteError(f"template syntax error: {exc.message}",
                         Path(exc.filename) if exc.filename else None, exc.lineno)
    frames = [f for f in traceback.extract_tb(exc.__traceback__) if f.filename.endswith((".html", ".xml", ".j2"))]
    message = str(getattr(exc, "message", None) or exc)
    if frames:
        return SiteError(f"while rendering {template_name}: {message}", Path(frames[-1].filename), frames[-1].lineno)
    return SiteError(f"while rendering {template_name}: {message}")
