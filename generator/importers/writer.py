"""The one place `import` writes: Markdown files under content/ and new entries of authors.yaml.

Nothing is ever overwritten, and nothing is ever half written: each file is written under a
hidden temporary name beside its place (the build skips names starting with `.`), then linked
to its name, which fails if a file is there. A file already there with the same title is the
same item imported before: a second run imports nothing new, and says so.
"""

from __future__ import annotations

import dataclasses
import itertools
import os
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote, unquote

import yaml

from ..errors import SiteError
from ..read.authors import authors_file
from ..read.frontmatter import read_document
from ..urls import slugify
from .model import Comments, Copied, Found, Resource, ImportedAuthor, Item, Notice, Skip, planned_file


@dataclass(frozen=True)
class ImportReport:
    articles: int
    pages: int
    drafts: int
    scheduled: int
    existing: int  # imported before: already in content/
    skipped: int  # left out on purpose: WordPress's trash, other post types
    failed: int  # left out for an error
    warnings: int
    authors_added: int
    comments: int
    dry_run: bool
    notices: tuple[Notice, ...]
    written: tuple[Path, ...] = ()


@dataclass
class Writer:
    site_dir: Path
    content_dir: Path
    dry_run: bool = False
    notices: list[Notice] = field(default_factory=list)
    _used: set[Path] = field(default_factory=set)
    _ids: dict[str, str] = field(default_factory=dict)  # ImportedAuthor.key -> id in authors.yaml
    _new_authors: dict[str, dict[str, str]] = field(default_factory=dict)
    _existing_authors: dict[str, str] | None = None  # id -> name, as authors.yaml has them
    _counts: dict[str, int] = field(default_factory=dict)
    _written: list[Path] = field(default_factory=list)
    uploads: Path | None = None  # a copy of WordPress's wp-content/uploads/
    _on_old_site: int = 0
    _authors_unreadable: bool = False

    def add(self, found: Found) -> None:
        if isinstance(found, Item):
            self._item(found)
        elif isinstance(found, Copied):
            self._copied(found)
        elif isinstance(found, Resource):
            self._resource(found)
        elif isinstance(found, ImportedAuthor):
            self._author(found)
        elif isinstance(found, Notice):
            self.notices.append(found)
            self._count("failed" if found.skipped else "warnings")
        elif isinstance(found, Skip):
            self._count("skipped")
        elif isinstance(found, Comments):
            self._count("comments", found.count)

    def finish(self) -> ImportReport:
        self._write_authors()
        if self._on_old_site:
            self.notices.append(Notice(
                f"{_plural(self._on_old_site, 'link')} still lead{'s' if self._on_old_site == 1 else ''} to files "
                "in the old site's wp-content/uploads/: give a copy of that folder with --uploads DIR "
                "to bring them along"))
            self._count("warnings")
        c = self._counts.get
        return ImportReport(c("articles", 0), c("pages", 0), c("drafts", 0), c("scheduled", 0), c("existing", 0),
                            c("skipped", 0), c("failed", 0), c("warnings", 0), len(self._new_authors),
                            c("comments", 0), self.dry_run, tuple(self.notices), tuple(self._written))

    def _count(self, name: str, by: int = 1) -> None:
        self._counts[name] = self._counts.get(name, 0) + by

    # --- authors ------------------------------------------------------------------------------

    def _existing(self) -> dict[str, str]:
        if self._existing_authors is None:
            self._existing_authors = {}
            path = authors_file(self.site_dir)
            try:
                loaded = yaml.safe_load(path.read_text(encoding="utf-8-sig")) if path.exists() else None
            except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
                self.notices.append(Notice(f"authors.yaml cannot be read ({exc}); no author is added to it, and "
                                           "bylines are written as names"))
                self._count("warnings")
                self._authors_unreadable = True  # never written over: the user's file, as it is
                return self._existing_authors
            if isinstance(loaded, dict):
                for key, value in loaded.items():
                    name = value.get("name") if isinstance(value, dict) else None
                    self._existing_authors[str(key)] = str(name or "")
        return self._existing_authors

    def _author(self, author: ImportedAuthor) -> None:
        existing = self._existing()
        if self._authors_unreadable:
            return
        wanted = " ".join(author.name.lower().split())
        for author_id, name in {**existing, **{k: v["name"] for k, v in self._new_authors.items()}}.items():
            if " ".join(name.lower().split()) == wanted:
                self._ids[author.key] = author_id  # the same person: their entry stays as it is
                return
        base = slugify(author.key) or slugify(author.name) or "author"
        author_id, n = base, 1
        while author_id in existing or author_id in self._new_authors:
            n += 1
            author_id = f"{base}-{n}"
        entry = {"name": author.name}
        if author.bio.strip():
            entry["bio"] = author.bio.strip()
        self._new_authors[author_id] = entry
        self._ids[author.key] = author_id

    def _write_authors(self) -> None:
        if not self._new_authors or self.dry_run:
            return
        path = authors_file(self.site_dir)
        before = path.read_text(encoding="utf-8-sig") if path.exists() else ""
        added = yaml.safe_dump(self._new_authors, allow_unicode=True, sort_keys=False, width=10**6)
        text = before + ("\n" if before and not before.endswith("\n") else "") + added
        try:
            _replace(path, text)
        except OSError as exc:
            self.notices.append(Notice(f"cannot write authors.yaml: {exc.strerror}; the new authors were not added"))
            self._count("failed")

    # --- articles and pages -------------------------------------------------------------------

    def _item(self, item: Item) -> None:
        bylines = tuple(self._ids.get(key, key) for key in item.authors)
        self._place(self.content_dir / planned_file(item.kind, item.date, item.slug), item.title, item.aliases,
                    lambda path: _document(self._with_uploads(item, path), bylines), item.origin, item.kind, item.note)

    def _place(self, first: Path, title: str, aliases: tuple[str, ...], text_for: Callable[[Path], str],
               origin: str, kind: str, note: str) -> None:
        """Write the document under the first name free of it (first, then first-2, first-3, ...).
        A file there already with the same title or old URL was imported before: nothing to do.
        Anyone else's file keeps its name, and the document takes the next one."""
        # Lazily: each name is made only when the one before it is taken (a large import has many items).
        others = (first.with_name(f"{first.stem}-{n}{first.suffix}") for n in range(2, 1000))
        for path in itertools.chain((first,), others):
            if path in self._used:
                continue
            self._used.add(path)
            if path.exists():
                if _same_post(path, title, aliases):
                    self._count("existing")
                    return
                continue
            text = text_for(path)
            if not self.dry_run:
                try:
                    _create(path, text)
                except FileExistsError:
                    continue
                except OSError as exc:
                    self.notices.append(Notice(f"cannot write {path}: {exc.strerror}", origin, skipped=True))
                    self._count("failed")
                    return
            self._written.append(path)
            self._count("articles" if kind == "article" else "pages")
            if note in ("draft", "scheduled"):
                self._count("drafts" if note == "draft" else "scheduled")
            return

    def _with_uploads(self, item: Item, path: Path) -> Item:
        """The item with each file of the old site's wp-content/uploads/ that --uploads holds copied to
        content/uploads/ and linked relatively (the build then checks it is there); the others stay
        on the old site, said once per item."""
        missing: list[str] = []

        def local(url: str) -> str:
            match = _UPLOAD.fullmatch(url)
            if match is None:
                return url
            if self.uploads is None:
                self._on_old_site += 1
                return url
            rest = unquote(match.group(1))
            found = self.uploads / rest
            if ".." in rest.split("/") or not found.is_file():
                missing.append(url)
                return url
            target = self.content_dir / "uploads" / rest
            if not self.dry_run and not target.exists():
                try:
                    _create(target, found.read_bytes())
                except FileExistsError:
                    pass
                except OSError as exc:
                    missing.append(f"{url} ({exc.strerror})")
                    return url
            return quote(os.path.relpath(target, path.parent).replace(os.sep, "/"))

        body = _LINKED_UPLOAD.sub(lambda m: m.group(1) + local(m.group(2)) + m.group(3), item.body)
        image = local(item.image) if item.image else item.image
        if missing:
            self.notices.append(Notice(f"{_plural(len(missing), 'file')} not in --uploads, left on the old site: "
                                       + ", ".join(missing[:3]) + (" ..." if len(missing) > 3 else ""), item.origin))
            self._count("warnings")
        return dataclasses.replace(item, body=body, image=image)

    def _resource(self, resource: Resource) -> None:
        target = self.content_dir / resource.path
        if self.dry_run or target.exists():
            return
        try:
            _create(target, resource.source.read_bytes())
        except FileExistsError:
            pass
        except OSError as exc:
            self.notices.append(Notice(f"cannot copy {resource.source}: {exc.strerror}", resource.origin))
            self._count("warnings")

    def _copied(self, copied: Copied) -> None:
        self._place(self.content_dir / copied.path, copied.title, (), lambda path: copied.text, copied.origin,
                    copied.kind, copied.note)


# A file of WordPress's uploads folder, on any host; and one in a Markdown link or image.
_UPLOAD = re.compile(r"https?://[^\s()<>\"']+?/wp-content/uploads/([^\s()<>\"'?#]+)")
_LINKED_UPLOAD = re.compile(r"(\]\(<?)(https?://[^\s()<>\"']+?/wp-content/uploads/[^\s()<>\"'?#]+)([>\s)])")


def _plural(n: int, noun: str) -> str:
    return f"{n} {noun}{'' if n == 1 else 's'}"


def _document(item: Item, bylines: tuple[str, ...]) -> str:
    meta: dict[str, Any] = {"title": item.title}
    if item.date is not None and item.kind == "article":
        meta["date"] = item.date.isoformat()
    if len(bylines) == 1 and item.kind == "article":
        meta["author"] = bylines[0]
    elif bylines and item.kind == "article":
        meta["authors"] = list(bylines)
    if item.category:
        meta["category"] = item.category
    if item.tags:
        meta["tags"] = list(item.tags)
    if item.summary:
        meta["summary"] = item.summary
    if item.image:
        meta["image"] = item.image
        meta["image_alt"] = item.image_alt or ""
        if item.image_caption:
            meta["image_caption"] = item.image_caption
    if item.weight and item.kind == "page":
        meta["weight"] = item.weight
    if item.draft:
        meta["draft"] = True
    if item.aliases:
        meta["aliases"] = list(item.aliases)
    # One line a key, as a person writes front matter; lists as [a, b].
    front = "".join(
        f"{key}: {_yaml(value, flow=True)}\n" if isinstance(value, list) else _yaml({key: value}, flow=False)
        for key, value in meta.items())
    return f"---\n{front}---\n{item.body}"


def _yaml(value: Any, flow: bool) -> str:
    text = yaml.safe_dump(value, allow_unicode=True, sort_keys=False, width=10**6, default_flow_style=flow)
    return text.strip() if flow else text


def _same_post(path: Path, title: str, aliases: tuple[str, ...]) -> bool:
    """Is the document at path the same post, imported before: the same title, or (from another
    export of the same site, whose titles may differ) the same old URL?"""
    try:
        doc = read_document(path, path.read_bytes())
    except OSError:
        return False
    if isinstance(doc, SiteError):
        return False
    if str(doc.meta.get("title", "")) == title:
        return True
    known = doc.meta.get("aliases")
    return bool(aliases) and isinstance(known, list) and not set(aliases).isdisjoint(map(str, known))


def _create(path: Path, text: str | bytes) -> None:
    """Write path whole or not at all, and never over a file that is there (FileExistsError)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        temporary.write_bytes(text.encode() if isinstance(text, str) else text)
        try:
            os.link(temporary, path)  # atomic, and fails rather than replace
        except FileExistsError:
            raise
        except OSError:  # a file system without hard links: check, then rename (whole, if not alone)
            if path.exists():
                raise FileExistsError(path) from None
            os.replace(temporary, path)
    finally:
        temporary.unlink(missing_ok=True)


def _replace(path: Path, text: str) -> None:
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        temporary.write_text(text, encoding="utf-8")
        os.replace(temporary, path)
    finally:
        temporary.unlink(missing_ok=True)
