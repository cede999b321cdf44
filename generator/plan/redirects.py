"""Old URLs kept alive: a redirect page at each alias of an article or page, and one `_redirects`
file (Netlify's and Cloudflare Pages' format) holding them all.

The aliases come from front matter (`aliases`, Hugo's name, or `redirect_from`, Jekyll's: see
read/fields.py), read with the rest of it and carried by the articles and pages. What they are
also decides whether an edit can be planned around the edited articles (render.Around): `key`
goes into the plan key, so a changed alias plans every file, and a removed one's page is pruned
like any file of the site. An edit's build from the site store changes no alias (content._place):
it takes the key the store kept and plans only the edited articles' redirect pages.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterable
from dataclasses import dataclass
from html import escape
from typing import TYPE_CHECKING

from .. import __version__, urls
from ..config import Config
from ..read.inputs import code_key
from ..write.output import OutputFile

if TYPE_CHECKING:
    from ..model.site import Site
    from ..read.content import Article

REDIRECTS_FILE = "_redirects"


@dataclass(frozen=True)
class Redirect:
    alias: str  # the old URL's site path, decoded: "/2019/05/old-title/"
    target: str  # the new one: the article's or page's site path
    title: str  # of the article or page, for the link on the redirect page
    source: str  # the Markdown file, as shown in messages


@dataclass(frozen=True)
class Redirects:
    found: tuple[Redirect, ...]  # sorted by alias
    key: str  # changes whenever any of them does: part of the plan key

    @property
    def plan_part(self) -> str:
        """What the plan key holds of them: their key, "" when there are none."""
        return self.key if self.found else ""


def collect(targets: Iterable[tuple[tuple[str, ...], str, str, str]]) -> Redirects:
    """The redirects of each (aliases, source as shown, site path, title). An alias equal to its
    own target is left out (an import from a blog with the same permalinks gives those)."""
    found = [Redirect(alias, target, title, shown) for aliases, shown, target, title in targets
             for alias in aliases if alias != target]
    found.sort(key=lambda r: (r.alias, r.source))
    key = hashlib.sha256(repr([(r.alias, r.target, r.source) for r in found]).encode()).hexdigest()[:16]
    return Redirects(tuple(found), key)


def of_site(site: Site) -> Redirects:
    """The redirects of every article and page of the site."""
    return of(site, (*site.aliased(), *site.pages))


def of(site: Site, sources: Iterable[Article | object]) -> Redirects:
    """The redirects of these articles or pages of the site."""
    return collect((a.aliases, source_as_shown(a.source, site), a.path, a.title)  # type: ignore[attr-defined]
                   for a in sources)


def source_as_shown(path: object, site: Site) -> str:
    """A source as the user knows it: relative to the site folder where it is inside it."""
    text, site_root = str(path), str(site.config.site_dir)
    return text[len(site_root) + 1:] if text.startswith(site_root + os.sep) else text


def files(redirects: Redirects, config: Config, listing: bool = True) -> list[OutputFile]:
    """A page at each alias and, when there is any (and listing), `_redirects` at the root of the output."""
    link = urls.Urls(config.base_url, config.root)
    made = [_page(r, link, config.language) for r in redirects.found]
    if redirects.found and listing:
        lines = "".join(f"{link.link(r.alias)} {link.link(r.target)} 301\n" for r in redirects.found).encode()
        made.append(OutputFile(REDIRECTS_FILE, "aliases in front matter", _fingerprint("list", lines),
                               produce=lambda: lines))
    return made


def _page(redirect: Redirect, link: urls.Urls, language: str) -> OutputFile:
    to = escape(link.absolute(redirect.target))
    title = escape(redirect.title, quote=False)
    # Valid HTML on its own (no theme: it is seen for an instant), kept out of search results,
    # with the new address as canonical so that the old one's standing passes to it.
    page = (f'<!DOCTYPE html>\n<html lang="{escape(language)}">\n<head>\n<meta charset="utf-8">\n'
            f'<title>{title}</title>\n<meta name="robots" content="noindex">\n'
            f'<link rel="canonical" href="{to}">\n<meta http-equiv="refresh" content="0; url={to}">\n'
            f'</head>\n<body>\n<p><a href="{to}">{title}</a></p>\n</body>\n</html>\n'
            ).encode()
    return OutputFile(urls.file_for(redirect.alias), redirect.source, _fingerprint(redirect.alias, page),
                      produce=lambda: page)


def _fingerprint(name: str, data: bytes) -> str:
    # Made from the bytes themselves: a redirect is a few hundred of them, cheaper to make than to describe.
    return "redirect:" + hashlib.sha256(repr((__version__, code_key(), name)).encode() + data).hexdigest()


def plan_key(global_key: str, plan_part: str) -> str:
    """The plan key, from the global key and the redirects' part of it (Redirects.plan_part)."""
    return f"{global_key}+{plan_part}" if plan_part else global_key

