"""Themes: find one (site first, then installed), follow its parents, load its templates."""

from __future__ import annotations

import os
import shutil
import traceback
from collections.abc import Callable, MutableMapping
from pathlib import Path
from typing import Any

import jinja2
from jinja2.ext import Extension
from jinja2.lexer import Token, TokenStream
from markupsafe import Markup

from ..config import Config
from ..dates import isoformat
from ..errors import BuildFailed, SiteError
from ..i18n import Localization, load_localization
from . import precompiled, recent
from .theme_files import Theme, installed_themes_dir, load_theme, theme_chain  # noqa: F401 - theme's API


def theme_localization(config: Config, theme: Theme) -> Localization:
    """The site's language as the theme writes it: its catalogs (locale/LANG/LC_MESSAGES/messages.po,
    a child theme's over its parent's) and config.yaml's `strings` over them."""
    return load_localization(config.language, theme.folders(), config.strings, config.config_path)


def make_environment(theme: Theme, bytecode_dir: Path | None = None, localization: Localization | None = None,
                     bytecode: jinja2.BytecodeCache | None = None) -> jinja2.Environment:
    """Autoescape on, undefined names are errors, every template compiled now so that
    a syntax error anywhere in the theme is reported before anything is rendered.

    Compiled templates are kept in bytecode_dir (the site's cache) and read from there, else
    from those compiled when Broadsheet was installed (precompiled.py); bytecode: another
    place for them instead (the one precompiled.py fills).

    The templates speak the localization's language (English without one): `_()`, `gettext`,
    `ngettext` and `{% trans %}` (Jinja's i18n extension, new style: `_("%(n)s ...", n=...)`),
    and the date filters."""
    localization = localization or Localization.english()
    loader = jinja2.ChoiceLoader([
        jinja2.FileSystemLoader(theme.template_dirs()),
        jinja2.PrefixLoader({name: jinja2.FileSystemLoader(str(folder / "templates"))
                             for name, folder in theme.chain}, delimiter=":"),
    ])
    site_cache = None
    if bytecode_dir is not None and bytecode is None:
        # Compiled templates, checked by Jinja against the source's checksum: compiling is a tenth of a
        # build in which nothing changed.
        try:
            folder = precompiled.folder_name(localization)
            _keep_only(bytecode_dir, folder)
            bytecode_dir = bytecode_dir / folder
            bytecode_dir.mkdir(parents=True, exist_ok=True)
            site_cache = jinja2.FileSystemBytecodeCache(str(bytecode_dir))
        except OSError:
            site_cache = None
    if bytecode is None:
        shipped = precompiled.shipped_folder(localization)
        bytecode = precompiled.SiteThenShipped(site_cache, shipped) if shipped is not None else site_cache
    # Not auto_reload: a build makes its own environment and compiles every template first (below);
    # checking each template's mtime again on every page cost three stat calls a page. Its templates
    # kept in a plain dict (cache_size=-1), not Jinja's locked LRU cache: a page looks up three or
    # four (extends, imports), and a theme has a few dozen.
    env = _Environment(loader=loader, autoescape=True, undefined=jinja2.StrictUndefined,
                       trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True,
                       bytecode_cache=bytecode, auto_reload=False, cache_size=-1,
                       extensions=["jinja2.ext.i18n", TranslatedConstants])
    env.localization = localization  # type: ignore[attr-defined] - for render.py and TranslatedConstants
    env.policies["ext.i18n.trimmed"] = True  # {% trans %} blocks as one line, as pybabel extracts them
    # Jinja's i18n extension, new style ({% trans %} blocks compiled as `gettext(text, **values)`),
    # with the localization's own functions in place of Jinja's wrappers: the same texts, faster.
    env.newstyle_gettext = True  # type: ignore[attr-defined]
    env.globals.update(localization.template_functions())
    env.filters.update(date_long=localization.date_long, date_short=localization.date_short,
                       time_short=localization.time_short, isoformat=isoformat, _translated=Markup)
    env.globals.update(cached=Cached, list_separator=localization.separator)
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


class _Context(jinja2.runtime.Context):
    """Jinja's context, calling a macro or a `cached` one without asking it first whether it wants
    the context (it never does): what Jinja's `call` does for them, less its four lookups.

    Every call in a template goes through `call`: a list page makes some twenty (a card for each
    of its articles), an article page fifteen. Anything else (gettext, asset, a theme's own
    functions, which may ask for the context) is left to Jinja's `call`."""

    def call(__self, __obj: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:  # noqa: N805 - Jinja's names
        if type(__obj) is Cached or type(__obj) is jinja2.runtime.Macro:
            kwargs.pop("_block_vars", None)
            kwargs.pop("_loop_vars", None)
            if type(__obj) is jinja2.runtime.Macro:  # it takes the evaluation context, as Jinja gives it
                args = (__self.eval_ctx, *args)
            try:
                return __obj(*args, **kwargs)
            except StopIteration:
                return __self.environment.undefined(
                    "value was undefined because a callable raised a StopIteration exception")
        return super().call(__obj, *args, **kwargs)


class _Environment(jinja2.Environment):
    """Jinja's environment, its templates sharing its globals dict rather than each a ChainMap
    over it (Jinja's make_globals): the same names, seen live as they are added.

    Jinja reads a template's globals several times a page: copies them into each page's context
    (new_context) and compares their names with the page's at every `{% import %}`
    (Template._get_default_module). Over a ChainMap each is Python code looping over the maps,
    about a tenth of a millisecond a page with the default theme; over a dict, C.

    Jinja chains them so that globals given to get_template() for one template stay that
    template's: then they are still chained. Broadsheet never gives any, and must not give any
    for a template already loaded: Jinja would add them to the loaded template's globals, here
    the environment's."""

    context_class = _Context

    def make_globals(self, d: MutableMapping[str, Any] | None) -> MutableMapping[str, Any]:
        return self.globals if d is None else super().make_globals(d)


def _keep_only(folder: Path, name: str) -> None:
    """Remove the compiled templates of other languages and catalogs (and of older versions,
    which kept them in the folder itself): only the current ones are ever read."""
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return
    for entry in entries:
        try:
            if entry.is_dir(follow_symlinks=False) and entry.name != name:
                shutil.rmtree(entry.path, ignore_errors=True)
            elif entry.is_file(follow_symlinks=False) and entry.name.startswith("__jinja2_"):
                os.unlink(entry.path)
        except OSError:
            pass


def localization_of(env: jinja2.Environment) -> Localization:
    return getattr(env, "localization", None) or Localization.english()


class TranslatedConstants(Extension):
    """`{{ _("Home") }}` translated once, when the template is compiled, not on every page.

    Jinja's new-style gettext costs about ten microseconds a call, and a page of the default
    theme has some thirty texts: together more than the rest of its rendering. A call of `_` or
    `gettext` with one literal text and nothing else is replaced, token for token, by the
    translation marked safe, `("Accueil"|_translated)`, which Jinja's compiler folds into the
    page's constant text: what the call would give, without the call. Any other call (with
    values, `ngettext`, `{% trans %}`) is left to Jinja. The compiled templates hold the
    translations, so make_environment keeps them apart by language and catalogs."""

    def filter_stream(self, stream: TokenStream) -> Any:
        localization = localization_of(self.environment)
        window: list[Token] = []
        previous: Token | None = None
        for token in stream:
            window.append(token)
            if len(window) < 4:
                continue
            name, opening, text, closing = window
            if (name.type == "name" and name.value in ("_", "gettext") and opening.type == "lparen"
                    and text.type == "string" and closing.type == "rparen"
                    and not (previous is not None and previous.type == "dot")):
                constant = localization.constant(text.value)
                if constant is not None:
                    line = name.lineno
                    yield Token(line, "lparen", "(")
                    yield Token(line, "string", str(constant))
                    yield Token(line, "pipe", "|")
                    yield Token(line, "name", "_translated")
                    yield Token(line, "rparen", ")")
                    previous = closing
                    window.clear()
                    continue
            previous = window.pop(0)
            yield previous
        yield from window


class Cached:
    """The template global `cached(macro)`: a macro that gives what `macro` gave before whenever it
    is called with the very same objects, and calls it only the first time (or again, once
    what it made then is no longer among what it made lately).

    For a macro whose output depends on nothing but its arguments (a macro in a template imported
    without context), shown many times with the same ones: the default theme's
    `{% set card = cached(card) %}`, as an article's card is on its front page and on the page of
    each of its tags. The objects Broadsheet gives templates never change, and each is made once
    per build. Arguments are matched by identity, never by equality: equal datetimes can be in
    different time zones, and 1 == True.

    It keeps what it made lately (see recent.py), in the template module that set it, which
    Jinja keeps for the build's environment (each worker process has its own copy), or makes
    again for every page when the template is imported `with context`."""

    def __init__(self, macro: Callable[..., Any]):
        self.macro = macro
        self._made: recent.Recent[tuple, tuple[tuple, tuple, Any]] = recent.Recent(recent.per_article())

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        key = (*map(id, args), *kwargs, *map(id, kwargs.values()))
        made = self._made.get(key)
        if made is None:
            # The arguments stay referenced by their entry, so that no id is reused while it is here.
            made = (args, tuple(kwargs.values()), self.macro(*args, **kwargs))
            self._made.put(key, made)
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
