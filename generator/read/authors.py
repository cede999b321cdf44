"""authors.yaml: who writes for the site, read and validated (every problem at once, with its line).

The file is optional. Bylines in front matter name an author by id or by
display name; `Authors.find` matches either, and a byline it does not match
stays a plain name.
"""

from __future__ import annotations

import difflib
import hashlib
import posixpath
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable
from urllib.parse import urlsplit

import yaml

from .. import yamlutil
from ..errors import BuildFailed, SiteError, line_of
from ..urls import slugify


@dataclass(frozen=True)
class Author:
    """One entry of authors.yaml, checked; text fields stripped, bio as written."""

    id: str  # the key in authors.yaml, already a slug (slugify(id) == id), so usable in URLs
    name: str
    role: str = ""
    bio: str = ""  # Markdown as written; rendered elsewhere
    photo: str | None = None  # path relative to content/, posix, normalised (no leading ./)
    email: str = ""
    url: str = ""
    links: tuple[tuple[str, str], ...] = ()  # (label, absolute URL): X, Mastodon, Bluesky, LinkedIn, those given
    line: int = 0  # line of its id in authors.yaml
    photo_line: int = 0  # line of its `photo` in authors.yaml, where a bad photo's error points


@dataclass(frozen=True)
class Authors:
    """Every author of the site, by id in file order; digest identifies the file for caches."""

    by_id: dict[str, Author] = field(hash=False)
    digest: str  # sha256 hex of the file's bytes, "" when there is no file
    _by_name: dict[str, Author] = field(init=False, repr=False, compare=False, hash=False)

    def __post_init__(self) -> None:
        # find() runs for every byline of every article: index the names once.
        object.__setattr__(self, "_by_name", {_name_key(a.name): a for a in self.by_id.values()})

    def find(self, name_or_id: str) -> Author | None:
        """The author with this id, else with this display name (ignoring case and extra spaces)."""
        return self.by_id.get(name_or_id.strip()) or self._by_name.get(_name_key(name_or_id))


_STR = "tag:yaml.org,2002:str"
# key -> what its value must be, for messages; the order is the order of the hint listing them
_EXPECTED = {
    "name": "the name shown in bylines, such as Grace Adeyemi",
    "role": "a job title such as Political editor",
    "bio": "a few sentences of Markdown",
    "photo": "a path inside content/ such as authors/grace.svg",
    "email": "an e-mail address such as grace@example.org",
    "url": "an absolute http(s) URL such as https://grace.example/",
    "x": "@name, name or an https:// URL",
    "mastodon": "@user@host (as in @grace@mastodon.social) or an https:// URL",
    "bluesky": "a handle such as name.bsky.social or @name.example, or an https:// URL",
    "linkedin": "in/slug, slug or an https:// URL",
}
# social key -> (label, a handle, the profile URL for a matched handle); links come out in this order
_SOCIAL: dict[str, tuple[str, re.Pattern[str], Callable[[re.Match[str]], str]]] = {
    "x": ("X", re.compile(r"@?([A-Za-z0-9_]{1,15})"), lambda m: f"https://x.com/{m[1]}"),
    "mastodon": ("Mastodon", re.compile(r"@?([A-Za-z0-9_][A-Za-z0-9_.-]*)@([A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+)"),
                 lambda m: f"https://{m[2].lower()}/@{m[1]}"),
    "bluesky": ("Bluesky", re.compile(r"@?([A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+)"),
                lambda m: f"https://bsky.app/profile/{m[1].lower()}"),
    "linkedin": ("LinkedIn", re.compile(r"(?:in/)?([A-Za-z0-9-]+)/?"),
                 lambda m: f"https://www.linkedin.com/in/{m[1]}"),
}
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s.]+")


def authors_file(site_dir: Path) -> Path:
    return site_dir / "authors.yaml"


def load_authors(site_dir: Path) -> Authors:
    """Read site_dir/authors.yaml; none there gives no authors. Raises BuildFailed with every problem."""
    path = authors_file(site_dir)
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return Authors({}, "")
    except OSError as exc:
        raise BuildFailed([SiteError(f"cannot read authors.yaml: {exc.strerror}", path)]) from exc
    digest = hashlib.sha256(raw).hexdigest()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line, col = line_of(raw.decode("latin-1"), exc.start)
        raise BuildFailed([SiteError(
            f"not UTF-8 text (byte 0x{raw[exc.start]:02x}); save authors.yaml as UTF-8", path, line, col)]) from exc
    try:
        # The node tree, not loaded values: it keeps every key's line, ids as written
        # (`yes:` stays "yes", not True) and a key given twice, which loading would drop.
        root = yaml.compose(text, Loader=yamlutil.Loader)
    except yamlutil.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        problem = exc.problem or str(exc)
        hint, char = "", text[mark.index:mark.index + 1] if mark else ""
        if "cannot start any token" in problem and char in ("@", "`"):  # the C scanner does not name the character
            problem = f"found character {char!r} that cannot start any token"
            hint = '; quote a value that starts with @ or `, as in x: "@name"'
        elif "mapping values are not allowed" in problem:
            hint = "; a value containing ': ' must be quoted, or written as a block after `bio: |`"
        line, col = (mark.line + 1, mark.column + 1) if mark else (1, None)
        raise BuildFailed([SiteError(f"invalid YAML: {problem}{hint}", path, line, col)]) from exc
    except yamlutil.YAMLError as exc:
        raise BuildFailed([SiteError(f"invalid YAML: {exc}", path, 1)]) from exc
    if root is None:  # empty, or only comments
        return Authors({}, digest)
    if not isinstance(root, yaml.MappingNode):
        raise BuildFailed([SiteError("authors.yaml must be a mapping of author id to details, such as "
                                     "`grace:` then `  name: Grace Adeyemi` on the next line", path,
                                     root.start_mark.line + 1)])

    errors: list[SiteError] = []
    by_id: dict[str, Author] = {}
    id_lines: dict[str, int] = {}
    by_name: dict[str, Author] = {}
    for key, value in root.value:
        line = key.start_mark.line + 1
        author = _read_entry(key, value, line, site_dir / "content", lambda m, n: errors.append(SiteError(m, path, n)))
        author_id = key.value if isinstance(key, yaml.ScalarNode) else ""
        if author_id in id_lines:
            errors.append(SiteError(f"author `{author_id}` is given twice (lines {id_lines[author_id]} and {line}); "
                                    "merge the two entries or give one another id", path, line))
            continue
        id_lines[author_id] = line
        if author is None:
            continue
        other = by_name.get(_name_key(author.name))
        if other is not None:
            errors.append(SiteError(
                f"authors `{other.id}` (line {other.line}) and `{author.id}` (line {line}) have the same name, "
                f"{author.name}; a byline could not tell them apart, so make the names differ", path, line))
        by_name.setdefault(_name_key(author.name), author)
        by_id[author.id] = author
    if errors:
        raise BuildFailed(sorted(errors, key=lambda e: e.line or 0))
    return Authors(by_id, digest)


def _read_entry(key: yaml.Node, value: yaml.Node, line: int, content_dir: Path,
                err: Callable[[str, int], None]) -> Author | None:
    """One author from its nodes, or None after reporting what is wrong with it."""
    author_id = key.value if isinstance(key, yaml.ScalarNode) else ""
    if not isinstance(value, yaml.MappingNode):
        err(f"author `{author_id}` must be a mapping of {', '.join(_EXPECTED)} (at least `name`), "
            f"not {_describe(value)}", line)
        return None
    fields: dict[str, str] = {}
    seen: dict[str, int] = {}
    for k, v in value.value:
        name, kline = (k.value if isinstance(k, yaml.ScalarNode) else _describe(k)), k.start_mark.line + 1
        if name not in _EXPECTED:
            close = difflib.get_close_matches(name, _EXPECTED, n=1, cutoff=0.6)
            hint = f"; did you mean `{close[0]}`?" if close else f"; known keys: {', '.join(_EXPECTED)}"
            err(f"unknown key `{name}` for author `{author_id}`{hint}", kline)
        elif name in seen:
            err(f"`{name}` is given twice for author `{author_id}` (lines {seen[name]} and {kline}); keep one", kline)
        elif not (isinstance(v, yaml.ScalarNode) and v.tag == _STR):
            err(f"`{name}` of author `{author_id}` must be {_EXPECTED[name]}, not {_describe(v)}", kline)
        else:
            fields[name] = v.value if name == "bio" else v.value.strip()
        seen.setdefault(name, kline)

    def bad(name: str, message: str) -> None:
        err(f"`{name}` of author `{author_id}` {message}", seen[name])

    display = " ".join(fields.get("name", "").split())  # a byline has single spaces
    if "name" not in seen:
        err(f"author `{author_id}` has no `name`; add the name shown in bylines, as in `name: Grace Adeyemi`", line)
    elif "name" in fields and not display:
        bad("name", "is empty; give the name shown in bylines, such as Grace Adeyemi")
    if slugify(author_id) != author_id or not author_id:
        suggestion = slugify(author_id) or slugify(display)
        hint = f"; use `{suggestion}`" if suggestion else ""
        err(f"author id `{author_id}` must be lower-case letters, digits and hyphens, since it is used in "
            f"URLs{hint}", line)
    photo = fields.get("photo")
    if photo is not None:
        photo = posixpath.normpath(photo)
        if photo in (".", "..") or photo.startswith(("/", "../")):
            bad("photo", f"must be a path inside content/, such as authors/{author_id}.svg, not {fields['photo']!r}")
        elif any(part.startswith(".") for part in photo.split("/")):
            bad("photo", f"is never published, since files and folders whose name starts with . are skipped: "
                         f"{fields['photo']!r}")
        elif not (content_dir / photo).is_file():
            bad("photo", f"does not exist: looked for content/{photo}{_missing_photo_hint(photo, content_dir)}")
    if "email" in fields and not _EMAIL.fullmatch(fields["email"]):
        bad("email", f"must be {_EXPECTED['email']}, not {fields['email']!r}")
    if "url" in fields and not _is_url(fields["url"], ("http", "https")):
        bad("url", f"must be {_EXPECTED['url']}, not {fields['url']!r}")
    links: list[tuple[str, str]] = []
    for name, (label, handle, profile) in _SOCIAL.items():
        if name in fields:
            given = fields[name]
            match = None if given.startswith("https://") else handle.fullmatch(given)
            if match or _is_url(given, ("https",)):
                links.append((label, profile(match) if match else given))
            else:
                bad(name, f"must be {_EXPECTED[name]}, not {given!r}")
    if not display:
        return None  # nothing to tell it apart by; an entry with other mistakes still is, to report them all
    return Author(id=author_id, name=display, role=fields.get("role", ""), bio=fields.get("bio", ""),
                  photo=photo, email=fields.get("email", ""), url=fields.get("url", ""),
                  links=tuple(links), line=line, photo_line=seen.get("photo", 0))


def _missing_photo_hint(photo: str, content_dir: Path) -> str:
    """The likely intended path: without a leading content/, or a file of a close name beside it."""
    inner = photo.removeprefix("content/")
    if inner != photo and (content_dir / inner).is_file():
        return f"; photo paths are relative to content/, so write `{inner}`"
    folder = (content_dir / photo).parent
    names = [p.name for p in folder.iterdir() if p.is_file()] if folder.is_dir() else []
    close = difflib.get_close_matches(posixpath.basename(photo), names, n=1)
    return f"; did you mean `{posixpath.join(posixpath.dirname(photo), close[0])}`?" if close else ""


def _is_url(text: str, schemes: tuple[str, ...]) -> bool:
    try:
        parts = urlsplit(text)
        return parts.scheme in schemes and bool(parts.hostname) and not any(c.isspace() for c in text)
    except ValueError:  # such as an unclosed [ in the host
        return False


def _name_key(name: str) -> str:
    return " ".join(name.split()).casefold()


def _describe(node: yaml.Node) -> str:
    """A value as the user wrote it, for messages: `5`, `true (true/false)`, `nothing`, `a list`."""
    if isinstance(node, (yaml.SequenceNode, yaml.MappingNode)):
        return "a list" if isinstance(node, yaml.SequenceNode) else "a mapping"
    return {"null": "nothing", "bool": f"{node.value} (true/false)"}.get(node.tag.rpartition(":")[2], node.value)
