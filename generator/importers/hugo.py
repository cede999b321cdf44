"""A Hugo site's content, moved over: dated posts to content/YEAR/, content without a date (and
dateless top-level files) as pages to content/pages/, with their Hugo address as an alias when it
changes; a page bundle (slug/index.md with its images) as a folder of its own so that its relative
links still hold. A section's _index.md with text of its own is a page; one with only a title is
for the list Hugo made there, and is skipped, said so (Broadsheet makes its own section pages). Front matter in TOML (+++) or JSON is written as YAML, the only kind Broadsheet reads;
YAML is kept as written. Hugo's `aliases` are Broadsheet's own.

Shortcodes rewritten: {{< ref >}} / {{< relref >}} as a relative link to the new file (checked by
the build), {{< figure >}} as a figure, {{< youtube >}} / {{< vimeo >}} as embeds, {{< highlight >}}
as fenced code. Any other is left as text and reported with its file and line.
"""

from __future__ import annotations

import json
import posixpath
import re
import tomllib
from collections.abc import Iterator
from datetime import date as date_type
from datetime import datetime, tzinfo
from pathlib import Path
from typing import Any

import yaml

from .. import yamlutil
from ..read.fields import alias_path
from ..urls import slugify
from .model import Copied, Found, Notice, Resource, Skip
from .pages import title_for, with_alias, yaml_scalar

_YAML = re.compile(r"\A---[ \t]*\n(.*?\n)?---[ \t]*\n", re.S)
_TOML = re.compile(r"\A\+\+\+[ \t]*\n(.*?\n)?\+\+\+[ \t]*\n", re.S)
_SHORTCODE = re.compile(r"{{([<%])\s*(/?)\s*([\w-]+)(.*?)\s*[>%]}}", re.S)
_ARGUMENT = re.compile(r"""(?:(\w+)\s*=\s*)?(?:"((?:[^"\\]|\\.)*)"|'([^']*)'|`([^`]*)`|([^\s"'`]+))""")


def detect(folder: Path) -> bool:
    return folder.is_dir() and any((folder / name).exists() for name in (
        "hugo.toml", "hugo.yaml", "hugo.json", "config.toml", "archetypes"))


def read(source: Path, fallback_zone: tzinfo) -> Iterator[Found]:
    root = source / "content" if (source / "content").is_dir() else source
    files = sorted(p for p in root.rglob("*.md") if not any(
        part.startswith(".") for part in p.relative_to(root).parts))
    if not files:
        yield Notice(f"no Markdown files in {root}", skipped=True)
        return
    read_files: dict[Path, tuple[dict[str, Any], str, str, int]] = {}
    for path in files:
        found = _front(path)
        if isinstance(found, Notice):
            yield found
            continue
        if path.name == "_index.md" and (why := _not_a_page(path, root, found[2])):
            yield Notice(f"{why}; not imported", str(path))
            yield Skip(str(path), why)
            continue
        read_files[path] = found
    targets: dict[Path, str] = {}
    for path, (meta, _, _, _) in read_files.items():
        target = _target(path, root, meta)
        if isinstance(target, Notice):
            yield target
        else:
            targets[path] = target
    by_source = {path.relative_to(root).as_posix(): target for path, target in targets.items()}
    for path, target in targets.items():
        meta, header, body, body_line = read_files[path]
        rewrite = _Rewrite(path, root, target, by_source, body_line)
        body = rewrite.body(body)
        yield from rewrite.notices
        if path.name == "index.md":  # a page bundle: its files go along with it, beside it
            yield from _bundle(path.parent, target)
        kind = "page" if target.startswith("pages/") else "article"
        title = meta.get("title")
        if kind == "page":
            slug = posixpath.basename(target)[:-3]
            if (made := title_for(meta, slug)) is not None:
                title = made
                header += f"title: {yaml_scalar(made)}\n"
                yield Notice(f"has no title: imported as {made!r}; write the one it should have", str(path))
            old = _hugo_url(path, root, meta)
            if old != f"/{slug}/":  # its address on the Hugo site still answers: a redirect
                header = with_alias(header, meta, old)
        yield Copied(target, f"---\n{header}---\n{body}", str(title or ""), str(path), kind,
                     note="draft" if meta.get("draft") is True else "")


def _not_a_page(path: Path, root: Path, body: str) -> str | None:
    """Why a section's _index.md is left out, or None: it becomes a page when it has words of its
    own to show; a title alone is for the list Hugo made there, and Broadsheet makes its own."""
    if path.parent == root:
        return "the home page's _index.md: Broadsheet makes its own front page of the articles"
    if not re.sub(r"<!--.*?-->", "", body, flags=re.S).strip():
        return ("a section's list page with no text of its own (only its front matter): Broadsheet makes "
                "its own section and tag pages")
    return None


def _front(path: Path) -> tuple[dict[str, Any], str, str, int] | Notice:
    """(the front matter's values, as YAML text, the body, the body's first line in the file)."""
    try:
        text = path.read_text(encoding="utf-8-sig").replace("\r\n", "\n")
    except (OSError, UnicodeDecodeError) as exc:
        return Notice(f"cannot read it: {exc}", str(path), skipped=True)
    try:
        if (match := _YAML.match(text)) is not None:
            meta = yamlutil.load(match.group(1) or "") or {}
            return ((meta if isinstance(meta, dict) else {}), match.group(1) or "", text[match.end():],
                    text.count("\n", 0, match.end()) + 1)
        if (match := _TOML.match(text)) is not None:
            meta = tomllib.loads(match.group(1) or "")
        elif text.lstrip().startswith("{"):
            stripped = text.lstrip()
            meta, end = json.JSONDecoder().raw_decode(stripped)
            match = None
            body_line = text.count("\n", 0, len(text) - len(stripped) + end) + 2
            text = stripped[end:].lstrip("\n")
        else:
            return Notice("has no front matter; not imported", str(path), skipped=True)
    except (yaml.YAMLError, tomllib.TOMLDecodeError, ValueError) as exc:
        return Notice(f"its front matter cannot be read ({str(exc).splitlines()[0]}); not imported",
                      str(path), skipped=True)
    header = yaml.safe_dump(meta, allow_unicode=True, sort_keys=False, width=10**6)
    if match is not None:
        return meta, header, text[match.end():], text.count("\n", 0, match.end()) + 1
    return meta, header, text, body_line


def _target(path: Path, root: Path, meta: dict[str, Any]) -> str | Notice:
    """Where it goes under content/: an article by its date, a page (pages/slug.md) without one;
    a date that cannot be read is an error."""
    bundle = path.name in ("index.md", "_index.md")
    slug = slugify(str(meta.get("slug") or (path.parent.name if bundle else path.stem))) or "post"
    relative = path.relative_to(root).parts
    top_level = len(relative) == 1 or (bundle and len(relative) == 2)
    key = next((k for k in ("date", "publishDate", "publishdate") if meta.get(k) not in (None, "")), None)
    when = meta.get(key) if key else None
    if isinstance(when, str):
        try:
            when = datetime.fromisoformat(when.replace("Z", "+00:00"))
        except ValueError:
            when = None
    if key is not None and not isinstance(when, (datetime, date_type)):
        line = _line_of(path, key)
        return Notice(f"{'line ' + str(line) + ': ' if line else ''}its {key} {meta.get(key)!r} is not a date "
                      "(write it as 2022-02-28 or 2022-02-28T14:30:00+01:00); not imported", str(path), skipped=True)
    if when is None or path.name == "_index.md" or (top_level and not bundle and "date" not in meta):
        return f"pages/{slug}/{slug}.md" if path.name == "index.md" else f"pages/{slug}.md"
    name = f"{when:%Y-%m-%d}-{slug}.md"
    return f"{when:%Y}/{slug}/{name}" if bundle else f"{when:%Y}/{name}"


def _line_of(path: Path, key: str) -> int | None:
    """The line of the file where its front matter gives key (YAML, TOML or JSON), or None."""
    try:
        lines = path.read_text(encoding="utf-8-sig").splitlines()
    except (OSError, UnicodeDecodeError):
        return None
    wanted = re.compile(rf"""^\s*["']?{re.escape(key)}["']?\s*[:=]""")
    return next((n for n, line in enumerate(lines, 1) if wanted.match(line)), None)


def _hugo_url(path: Path, root: Path, meta: dict[str, Any]) -> str:
    """Its address on the Hugo site: its `url`, else its path under content/ (a slug naming the last
    part), lower-cased with hyphens for spaces as Hugo writes it."""
    if isinstance(meta.get("url"), str) and (given := alias_path(meta["url"])):
        return given
    parts = list(path.relative_to(root).parts[:-1])
    if path.name not in ("index.md", "_index.md"):
        parts.append(str(meta.get("slug") or path.stem))
    elif parts and meta.get("slug") and path.name == "index.md":
        parts[-1] = str(meta["slug"])
    return "/" + "".join(f"{p.lower().replace(' ', '-')}/" for p in parts)


def _bundle(folder: Path, target: str) -> Iterator[Found]:
    """The bundle's other files (not its Markdown), beside the article at the same relative paths."""
    into = posixpath.dirname(target)
    for file in sorted(folder.rglob("*")):
        if file.is_file() and file.suffix != ".md" and not file.name.startswith("."):
            yield Resource(f"{into}/{file.relative_to(folder).as_posix()}", file, str(file))


class _Rewrite:
    def __init__(self, path: Path, root: Path, target: str, by_source: dict[str, str | None], body_line: int):
        self.path, self.root, self.folder = path, root, posixpath.dirname(target)
        self.by_source = by_source
        self.body_line = body_line
        self.notices: list[Notice] = []

    def body(self, text: str) -> str:
        original = text
        text = re.sub(r"{{[<%]\s*highlight\s+([\w+#.-]+)[^>%]*[>%]}}\n?(.*?)\n?{{[<%]\s*/highlight\s*[>%]}}",
                      lambda m: f"```{m.group(1)}\n{m.group(2)}\n```", text, flags=re.S)
        text = re.sub(r"\n{3,}", "\n\n", _SHORTCODE.sub(self._one, text))
        cursor = 0
        for left in _SHORTCODE.finditer(text):
            where = original.find(left.group(0), cursor)
            cursor = where + 1 if where >= 0 else cursor
            line = self.body_line + original.count("\n", 0, max(where, 0))
            self.notices.append(Notice(f"line {line}: the shortcode {left.group(3)!r} is not known to the importer; "
                                       "left as text: rewrite it by hand", str(self.path)))
        return text

    def _one(self, match: re.Match[str]) -> str:
        closing, name, raw = match.group(2), match.group(3).lower(), match.group(4)
        if closing:
            return match.group(0)
        named: dict[str, str] = {}
        positional: list[str] = []
        for argument in _ARGUMENT.finditer(raw):
            value = next((g for g in argument.groups()[1:] if g is not None), "")
            if argument.group(1):
                named[argument.group(1).lower()] = value
            elif value:
                positional.append(value)
        if name in ("ref", "relref"):
            wanted = (positional or [named.get("path", "")])[0]
            target = self._find(wanted)
            if target is None:
                return match.group(0)
            return posixpath.relpath(target, self.folder)
        if name == "figure":
            src, alt, caption = named.get("src", ""), named.get("alt", ""), named.get("caption", "") or named.get(
                "title", "")
            title = f' "{caption.replace(chr(34), "&quot;")}"' if caption else ""
            return f"\n\n![{alt.replace('[', '(').replace(']', ')')}]({src.replace(' ', '%20')}{title})\n\n"
        if name in ("youtube", "vimeo"):
            video = named.get("id") or (positional[0] if positional else "")
            if not video:
                return match.group(0)
            url = f"https://www.youtube.com/watch?v={video}" if name == "youtube" else f"https://vimeo.com/{video}"
            words = named.get("title", "")
            return f"\n\n@[{name}]({url})" + (f"\n{words}" if words else "") + "\n\n"
        return match.group(0)

    def _find(self, wanted: str) -> str | None:
        wanted = wanted.split("#", 1)[0].lstrip("/")
        here = self.path.parent.relative_to(self.root).as_posix()
        for base in (wanted, posixpath.normpath(posixpath.join(here, wanted))):
            for candidate in (base, base + ".md", base.rstrip("/") + "/index.md"):
                if self.by_source.get(candidate):
                    return self.by_source[candidate]
        matches = [t for s, t in self.by_source.items() if t and (posixpath.basename(s) == posixpath.basename(wanted)
                   or s.endswith("/" + wanted))]
        return matches[0] if len(matches) == 1 else None
