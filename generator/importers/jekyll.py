"""A Jekyll site's posts, moved over with their front matter as written (Broadsheet reads Jekyll's
names for its fields) and the Liquid in their Markdown rewritten: no other generator runs it.

What is rewritten: `{% post_url %}` and `{% link _posts/... %}` and a `{{ "/2016/03/01/slug/" | url }}`
that names a post of the import, as a relative link to its new file (checked by the build); other
`{{ "..." | url }}` (relative_url, absolute_url) and `{{ site.baseurl }}` as the path itself;
`{{ image | url }}` as the post's own image; `{% highlight %}` as fenced code; `{% raw %}` unwrapped;
`{% comment %}` dropped; image tags and figure includes as Broadsheet figures. What is left is
reported with its file and line.
"""

from __future__ import annotations

import fnmatch
import os
import posixpath
import re
from collections.abc import Iterator
from datetime import tzinfo
from pathlib import Path
from typing import Any

import yaml

from .. import yamlutil
from ..read.fields import alias_path
from ..urls import slugify
from .html import watch_url, embed_kind
from .model import Copied, Found, Notice, Skip
from .pages import title_for, with_alias, yaml_scalar

_NAME = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})-(.+)$")
_FRONT = re.compile(r"\A---[ \t]*\n(.*?\n)?---[ \t]*\n", re.S)
_RAW = re.compile(r"{%-?\s*raw\s*-?%}(.*?){%-?\s*endraw\s*-?%}", re.S)
_COMMENT = re.compile(r"{%-?\s*comment\s*-?%}.*?{%-?\s*endcomment\s*-?%}\n?", re.S)
_HIGHLIGHT = re.compile(r"{%-?\s*highlight\s+([\w+#.-]+)[^%]*%}\n?(.*?)\n?{%-?\s*endhighlight\s*-?%}", re.S)
_URL_FILTER = re.compile(r"""{{-?\s*(["'])(.*?)\1\s*\|\s*(?:url|relative_url|absolute_url|prepend:\s*site\.baseurl)"""
                         r"""\s*-?}}""")
_SITE = re.compile(r"{{-?\s*site\.(?:baseurl|url)\s*-?}}")
_OWN_IMAGE = re.compile(r"{{-?\s*(?:page\.)?image\s*(?:\|\s*(?:url|relative_url|absolute_url)\s*)?-?}}")
_POST_URL = re.compile(r"{%-?\s*post_url\s+([^\s%]+)\s*-?%}")
_LINK = re.compile(r"{%-?\s*link\s+([^\s%]+)\s*-?%}")
# A theme's image tag: {% image "path" "alt" %}, {% image_with_class "path" "class" "alt" %}, and
# the same with the class second; quotes doubled by mistake ("" alt "") read as one.
_IMAGE_TAG = re.compile(r"""{%-?\s*image(?:_with_class)?\s+((?:"+[^"]*"+\s*){2,3})-?%}""")
_QUOTED = re.compile(r'"+([^"]*?)"+')
_EMBED = re.compile(r"""{{-?\s*"([^"]+)"\s*\|\s*embed(?::\s*"([^"]*)")?\s*-?}}""")
# A link whose target opens Liquid and never closes it: ]({{ "/path/). The path was meant.
_UNCLOSED = re.compile(r"""\]\({{-?\s*"([^"\s)]+)\)""")
_INCLUDE = re.compile(r"{%-?\s*include\s+\"?([\w./-]+)\"?,?(.*?)-?%}", re.S)
_ARGUMENT = re.compile(r"""(\w+)\s*[:=]\s*(?:"((?:[^"\\]|\\.)*)"|'([^']*)'|(\S+?))\s*(?:,|$|\s)""", re.S)
_LEFT = re.compile(r"{%.*?%}|{{.*?}}", re.S)


def detect(folder: Path) -> bool:
    return folder.is_dir() and ((folder / "_config.yml").exists() or (folder / "_posts").is_dir())


def read(source: Path, fallback_zone: tzinfo) -> Iterator[Found]:
    site = (source / "_posts").is_dir()  # a whole site: its pages come along with its posts
    posts = source / "_posts" if site else source
    files = sorted(p for p in posts.rglob("*") if p.suffix in (".md", ".markdown") and p.is_file()
                   and not any(part.startswith((".", "_")) for part in p.relative_to(posts).parts[:-1]))
    drafts_folder = source / "_drafts"
    drafts = sorted(p for p in drafts_folder.rglob("*") if p.suffix in (".md", ".markdown")) \
        if drafts_folder.is_dir() else []
    pages = _page_files(source) if site else []
    if not files and not drafts and not pages:
        yield Notice(f"no posts (.md or .markdown files) in {posts}", skipped=True)
        return
    targets = {path: _target(path) for path in [*files, *drafts]}
    by_name = {path.stem: target for path, target in targets.items()}
    by_url = {_jekyll_url(path): target for path, target in targets.items() if _jekyll_url(path)}
    no_alt = 0
    for path in [*files, *drafts]:
        read_file = _read(path)
        if isinstance(read_file, Notice):
            yield read_file
            continue
        front, meta = read_file
        header, body = front.group(1) or "", front.string[front.end():]
        target = targets[path]
        rewrite = _Rewrite(path, target, by_name, by_url, meta.get("image"), front.group(0).count("\n"))
        body = rewrite.body(body)
        yield from rewrite.notices
        lowered = {str(k).lower() for k in meta}
        if meta.get("image") and not lowered & {"image_alt", "alt"} and not isinstance(meta.get("image"), dict):
            header += 'image_alt: ""  # imported: say what the image shows\n'
            no_alt += 1
        draft = path in drafts
        if draft and "draft" not in lowered:
            header += "draft: true\n"
        yield Copied(target, f"---\n{header}---\n{body}", str(meta.get("title", "")), str(path),
                     note="draft" if draft or meta.get("published") is False or meta.get("draft") is True else "")
    if no_alt:
        yield Notice(f"{no_alt} post{'s have' if no_alt != 1 else ' has'} an `image` without alt text: imported "
                     "with `image_alt: \"\"` (decoration) and a comment; write what each image shows")
    yield from _pages(source, pages, by_name, by_url)


def _read(path: Path) -> tuple[re.Match[str], dict[Any, Any]] | Notice:
    """The front matter (its match over the whole text) and its values; or why the file is left out."""
    try:
        text = path.read_text(encoding="utf-8-sig").replace("\r\n", "\n")
    except (OSError, UnicodeDecodeError) as exc:
        return Notice(f"cannot read {path}: {exc}", str(path), skipped=True)
    front = _FRONT.match(text)
    if front is None:
        return Notice("has no front matter between --- lines; not imported", str(path), skipped=True)
    try:
        meta = yamlutil.load(front.group(1) or "") or {}
    except yaml.YAMLError as exc:
        # Where what went wrong began (a [ never closed), else where it was found.
        mark = getattr(exc, "context_mark", None) or getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 2}: " if mark is not None else ""  # + 2: the --- line, and from 1
        return Notice(f"{where}its front matter is not valid YAML ({str(exc).splitlines()[0]}); not imported",
                      str(path), skipped=True)
    return front, (meta if isinstance(meta, dict) else {})


# --- pages: the site's files with front matter outside _posts/ ------------------------------------

_PAGE_SUFFIXES = (".md", ".markdown", ".html")
_NOT_SITE = {"vendor", "node_modules"}  # a theme's or a tool's files, never the site's own pages
# A page that lists posts with Liquid (a blog index, an archive): Broadsheet makes its own lists.
_LISTING = re.compile(r"{%-?\s*for\s+\w+\s+in\s+(?:paginator\.posts|site\.(?:posts|categories|tags))")


def _page_files(source: Path) -> list[Path]:
    """Each .md, .markdown or .html file with front matter outside the folders Jekyll keeps for
    itself (_posts, _layouts, _site, any _ or . folder), vendor/, node_modules/ and the
    `exclude:` of _config.yml. A file without front matter Jekyll copies as it is: not a page."""
    excluded = _excluded(source)
    found: list[Path] = []
    for folder, folders, names in os.walk(source):
        here = Path(folder)
        folders[:] = sorted(f for f in folders if not f.startswith((".", "_")) and f not in _NOT_SITE
                            and not _matches((here / f).relative_to(source).as_posix(), excluded))
        for name in sorted(names):
            path = here / name
            if name.startswith((".", "_")) or path.suffix not in _PAGE_SUFFIXES \
                    or _matches(path.relative_to(source).as_posix(), excluded):
                continue
            try:
                with path.open("rb") as handle:
                    starts = handle.read(6).lstrip(b"\xef\xbb\xbf").startswith(b"---")
            except OSError:
                starts = True  # said when it is read
            if starts:
                found.append(path)
    return found


def _config(source: Path) -> dict[Any, Any]:
    """_config.yml's values; none when it is not there or not readable (Jekyll's defaults then)."""
    try:
        config = yamlutil.load((source / "_config.yml").read_text(encoding="utf-8-sig"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError):
        return {}
    return config if isinstance(config, dict) else {}


def _excluded(source: Path) -> list[str]:
    exclude = _config(source).get("exclude")
    return [str(e).strip("/") for e in exclude if str(e).strip("/")] if isinstance(exclude, list) else []


def _matches(relative: str, patterns: list[str]) -> bool:
    return any(relative == p or relative.startswith(p + "/") or fnmatch.fnmatch(relative, p) for p in patterns)


def _pages(source: Path, files: list[Path], by_name: dict[str, str], by_url: dict[str, str]) -> Iterator[Found]:
    pretty = _pretty(source)
    read_files: list[tuple[Path, re.Match[str], dict[Any, Any], str, str]] = []
    for path in files:
        read_file = _read(path)
        if isinstance(read_file, Notice):
            yield read_file
            continue
        front, meta = read_file
        why = _not_a_page(path.relative_to(source).as_posix(), front.string[front.end():])
        if why:
            yield Notice(f"{why}; not imported", str(path))
            yield Skip(str(path), why)
            continue
        old = _page_url(path.relative_to(source), meta, pretty)
        target = f"pages/{_page_slug(path, meta, old)}.md"
        read_files.append((path, front, meta, old, target))
        if path.stem != "index":  # {% link about.md %} names it
            by_name.setdefault(path.stem, target)
        by_url.setdefault(old if old.endswith("/") else old + "/", target)
    for path, front, meta, old, target in read_files:
        yield from _page(path, front, meta, old, target, by_name, by_url)


def _not_a_page(relative: str, body: str) -> str | None:
    """Why a file with front matter is no page of Broadsheet's, or None."""
    stem = relative.rsplit(".", 1)[0]
    if stem == "index":
        return "the home page: Broadsheet makes its own front page of the articles"
    if stem == "404":
        return "the page for an address not found: Broadsheet writes its own 404 page"
    if _LISTING.search(body):
        return "a list of posts made by Liquid: Broadsheet makes its own lists (front page, sections, tags)"
    return None


def _page(path: Path, front: re.Match[str], meta: dict[Any, Any], old: str, target: str,
          by_name: dict[str, str], by_url: dict[str, str]) -> Iterator[Found]:
    header, body = front.group(1) or "", front.string[front.end():]
    rewrite = _Rewrite(path, target, by_name, by_url, meta.get("image"), front.group(0).count("\n"))
    body = rewrite.body(body)
    yield from rewrite.notices
    slug = posixpath.basename(target)[:-3]
    title = meta.get("title")
    if (made := title_for(meta, slug)) is not None:
        title = made
        header += f"title: {yaml_scalar(made)}\n"
        yield Notice(f"has no title: imported as {made!r}; write the one it should have", str(path))
    if old != f"/{slug}/":  # its old address still answers: a redirect to the new one
        header = with_alias(header, meta, old)
    yield Copied(target, f"---\n{header}---\n{body}", str(title), str(path), kind="page",
                 note="draft" if meta.get("published") is False or meta.get("draft") is True else "")


def _pretty(source: Path) -> bool:
    """Whether the site's pages were at /about/ (permalink: pretty, or a pattern ending in /) rather
    than Jekyll's default /about.html."""
    permalink = _config(source).get("permalink")
    return isinstance(permalink, str) and (permalink == "pretty" or permalink.endswith("/"))


def _page_url(relative: Path, meta: dict[Any, Any], pretty: bool) -> str:
    """The page's address on the old site: its `permalink`, else where Jekyll put it."""
    permalink = meta.get("permalink")
    if isinstance(permalink, str) and ":" not in permalink:  # :placeholders: Jekyll's to work out, not ours
        found = alias_path(permalink)
        if found:
            return found
    folder = "/".join(relative.parts[:-1])
    folder = f"/{folder}/" if folder else "/"
    if relative.stem == "index":
        return folder
    return f"{folder}{relative.stem}/" if pretty else f"{folder}{relative.stem}.html"


def _page_slug(path: Path, meta: dict[Any, Any], old: str) -> str:
    """Its slug: the front matter's, else its old address's last part (so that /about-us/ stays)."""
    if meta.get("slug") not in (None, ""):
        return slugify(str(meta["slug"])) or "page"
    last = old.rstrip("/").rsplit("/", 1)[-1]
    last = last.rsplit(".", 1)[0] if not old.endswith("/") else last
    return slugify(last) or slugify(path.parent.name if path.stem == "index" else path.stem) or "page"


def _target(path: Path) -> str:
    match = _NAME.match(path.stem)
    if not match:
        return f"posts/{path.name}"
    year, month, day, slug = match.groups()  # 2019-12-3-x.md: Jekyll reads it, Broadsheet wants 2019-12-03
    return f"{year}/{year}-{int(month):02d}-{int(day):02d}-{slug}{path.suffix}"


def _jekyll_url(path: Path) -> str | None:
    """The post's URL under Jekyll's default permalink (/2016/03/01/slug/)."""
    match = _NAME.match(path.stem)
    if not match:
        return None
    year, month, day, slug = match.groups()
    return f"/{year}/{int(month):02d}/{int(day):02d}/{slug}/"


class _Rewrite:
    def __init__(self, path: Path, target: str, by_name: dict[str, str], by_url: dict[str, str],
                 image: object, body_line: int) -> None:
        self.path, self.folder = path, posixpath.dirname(target)
        self.by_name, self.by_url = by_name, by_url
        self.image = image if isinstance(image, str) else None
        self.body_line = body_line
        self.notices: list[Notice] = []

    def body(self, text: str) -> str:
        # Raw parts are text Liquid must not touch (often Liquid shown as code): kept, unwrapped.
        parts = _RAW.split(text)
        lines_before = 0
        for i, part in enumerate(parts):
            if i % 2 == 0:
                parts[i] = self._liquid(part, lines_before)
            lines_before += part.count("\n")
        return "".join(parts)

    def _relative(self, target: str, fragment: str = "") -> str:
        return posixpath.relpath(target, self.folder) + (f"#{fragment}" if fragment else "")

    def _url(self, url: str) -> str:
        if re.match(r"[a-z][a-z0-9+.-]*:", url, re.I):
            return url
        path, _, fragment = url.partition("#")
        path = re.sub(r"/{2,}", "/", "/" + path.lstrip("/"))
        target = self.by_url.get(path if path.endswith("/") else path + "/")
        return self._relative(target, fragment) if target else path + (f"#{fragment}" if fragment else "")

    def _post(self, name: str) -> str | None:
        stem = posixpath.basename(name).rsplit(".", 1)[0] if name.endswith((".md", ".markdown", ".html")) else \
            posixpath.basename(name)
        target = self.by_name.get(stem)
        return self._relative(target) if target else None

    def _liquid(self, text: str, lines_before: int) -> str:
        original = text
        text = _COMMENT.sub("", text)
        text = _HIGHLIGHT.sub(lambda m: f"```{m.group(1)}\n{m.group(2)}\n```", text)
        text = _URL_FILTER.sub(lambda m: self._url(m.group(2)), text)
        text = _SITE.sub("", text)
        if self.image:
            text = _OWN_IMAGE.sub(lambda m: self.image, text)
        text = _POST_URL.sub(lambda m: self._post(m.group(1)) or m.group(0), text)
        text = _LINK.sub(lambda m: self._post(m.group(1)) or m.group(0), text)
        text = _IMAGE_TAG.sub(self._image, text)
        text = _EMBED.sub(self._embed, text)
        text = _UNCLOSED.sub(lambda m: f"]({self._url(m.group(1))})", text)
        text = _INCLUDE.sub(self._include, text)
        cursor = 0
        for left in _LEFT.finditer(text):
            # Its line in the file as written: found again in the text before the rewriting.
            where = original.find(left.group(0), cursor)
            cursor = where + 1 if where >= 0 else cursor
            line = self.body_line + lines_before + original.count("\n", 0, max(where, 0)) + 1
            self.notices.append(Notice(f"line {line}: {left.group(0)[:60]!r} is Liquid the importer cannot "
                                       "convert; left as text: rewrite it by hand", str(self.path)))
        return text

    def _image(self, match: re.Match[str]) -> str:
        values = _QUOTED.findall(match.group(1))
        src = values[0]
        # Of the others, a class is one word with no space (width-210px); the alt text is the other.
        rest = values[1:]
        alt = next((v for v in reversed(rest) if " " in v or len(rest) == 1), rest[-1] if rest else "")
        return _figure(src, alt)

    def _embed(self, match: re.Match[str]) -> str:
        url, title = watch_url(match.group(1)), match.group(2) or ""
        kind = embed_kind(url)
        if kind is None:
            return f"<{url}>"
        return f"\n\n@[{kind}]({url})" + (f"\n{title}" if title else "") + "\n\n"

    def _include(self, match: re.Match[str]) -> str:
        name, arguments = match.group(1), {m.group(1): next(g for g in m.groups()[1:] if g is not None)
                                           for m in _ARGUMENT.finditer(match.group(2))}
        if "youtube" in name and arguments.get("id"):
            return f"@[youtube](https://www.youtube.com/watch?v={arguments['id']})"
        image = arguments.get("image") or arguments.get("src") or arguments.get("url")
        if image and ("figure" in name or "image" in name):
            return _figure(image, arguments.get("alt", ""), arguments.get("caption", ""))
        return match.group(0)


def _figure(src: str, alt: str, caption: str = "") -> str:
    """Alone in its paragraph: with a caption, Broadsheet makes it a figure."""
    src = src if re.match(r"[a-z]+:|/", src) else "/" + src  # Jekyll's image tags take site paths
    alt = alt.replace("\\\"", "\"").replace("[", "(").replace("]", ")")
    title = f' "{caption.replace(chr(92) + chr(34), chr(34)).replace(chr(34), "&quot;")}"' if caption else ""
    return f"\n\n![{alt}]({src.replace(' ', '%20')}{title})\n\n"
