"""The installed themes' templates compiled once, when Broadsheet is installed, not by every cold build.

Compiling a theme's templates is a tenth of a second that every build without a cache pays
(at 1,000 articles, about 6% of a cold build). `make` runs this module after installing, as
it byte-compiles the generator: each installed theme, in each language it has a catalog for,
is compiled into SHIPPED (in the virtual environment, never in a site). A build reads from
there, after its own cache, and writes only to its own cache (theme.make_environment).

A compiled template is used only for the same template file with the same bytes (Jinja keeps
the source's checksum beside it), the same language and catalog, and the same generator code
and Jinja (the folder's name, as for the site's own cache): anything else compiles as before.

    .venv/bin/python -m generator.plan.precompiled
"""

from __future__ import annotations

import hashlib
import sys
from pathlib import Path

import jinja2

from ..i18n import Localization
from ..read.inputs import code_key

# In the environment Broadsheet is installed in: written by `make`, read by every build.
SHIPPED = Path(sys.prefix) / "share" / "broadsheet" / "compiled-templates"


def folder_name(localization: Localization) -> str:
    """The folder of one language's compiled templates: a template's translated texts are
    compiled into it (theme.TranslatedConstants), so one per language, catalogs and code."""
    return hashlib.sha256(f"{localization.key}\0{code_key()}".encode()).hexdigest()[:16]


class SiteThenShipped(jinja2.BytecodeCache):
    """The site's compiled templates (read and written), then the installed ones (read only)."""

    def __init__(self, site: jinja2.BytecodeCache | None, shipped: Path | None):
        self.site = site
        self.shipped = jinja2.FileSystemBytecodeCache(str(shipped)) if shipped is not None else None

    def load_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        if self.site is not None:
            self.site.load_bytecode(bucket)
        if bucket.code is None and self.shipped is not None:
            self.shipped.load_bytecode(bucket)  # a template of another checksum is left uncompiled

    def dump_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        if self.site is not None:
            self.site.dump_bytecode(bucket)


def shipped_folder(localization: Localization) -> Path | None:
    """The installed compiled templates for this language, if `make` wrote them."""
    folder = SHIPPED / folder_name(localization)
    return folder if folder.is_dir() else None


def compile_installed_themes(target: Path = SHIPPED) -> list[str]:
    """Compile every installed theme in English and in each language of its catalogs, into
    target/<folder_name>/; the (theme, language) pairs compiled. Folders of older code or
    catalogs are removed: no build would read them."""
    import shutil

    from ..i18n import load_localization
    from .theme import Theme, make_environment
    from .theme_files import installed_themes_dir, theme_chain

    done, keep = [], set()
    for theme_dir in sorted(p for p in installed_themes_dir().iterdir() if (p / "templates").is_dir()):
        chain = theme_chain(theme_dir.name, lambda name: installed_themes_dir() / name)
        theme = Theme(theme_dir.name, chain, {})
        languages = {"en"} | {p.name for p in (theme_dir / "locale").glob("*") if (p / "LC_MESSAGES").is_dir()}
        for language in sorted(languages):
            localization = load_localization(language, theme.folders(), {}, theme_dir / "theme.yaml")
            folder = target / folder_name(localization)
            folder.mkdir(parents=True, exist_ok=True)
            make_environment(theme, None, localization, bytecode=jinja2.FileSystemBytecodeCache(str(folder)))
            keep.add(folder.name)
            done.append(f"{theme.name} ({language})")
    for stale in target.iterdir():
        if stale.is_dir() and stale.name not in keep:
            shutil.rmtree(stale, ignore_errors=True)
    return done


if __name__ == "__main__":
    compiled = compile_installed_themes()
    print(f"compiled the installed themes' templates into {SHIPPED}: {', '.join(compiled)}")
