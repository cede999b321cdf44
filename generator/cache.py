"""The build cache: what reading and rendering each source gave last time, keyed by its content.

It lives in the site's `.cache/broadsheet/` (git-ignored) and is only ever a
shortcut: every entry is checked against a hash of the file's bytes, a key of
everything else its HTML depends on (generator version, Markdown settings), and
the URLs its relative links resolved to. A cache that is missing, truncated,
corrupt or written by another version is ignored with a warning, never trusted.

marshal, not pickle: loading it cannot run code, whatever the file holds.
"""

from __future__ import annotations

import hashlib
import marshal
import os
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from . import __version__

FORMAT = 3
_STAMP = f"broadsheet {__version__} cache {FORMAT} python {sys.version_info[0]}.{sys.version_info[1]}"


def digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@dataclass(frozen=True)
class BodyResult:
    """A Markdown body rendered: what the article page needs, and what it depended on."""

    html: str
    auto_summary_html: str  # the text before <!-- more -->, else the first paragraph
    links: tuple[tuple[str, str], ...]  # every relative link and the URL it resolved to
    html_digest: str


@dataclass
class Entry:
    source_digest: str
    meta: dict[str, Any]  # the front matter as parsed
    fields_key: str = ""  # the settings the fields were read with
    fields: tuple | None = None  # fields.Fields.to_record()
    render_key: str = ""  # the settings the body was rendered with
    body: BodyResult | None = None


class ContentCache:
    """Entries by source path (relative to the site), loaded once, saved after a good build."""

    def __init__(self, path: Path, entries: dict[str, Entry] | None = None):
        self.path = path
        self.entries: dict[str, Entry] = entries or {}
        self.changed = True  # set by the build: a cache it learnt nothing from is not written again

    @classmethod
    def load(cls, path: Path) -> tuple["ContentCache", str | None]:
        """The cache, and a warning when one was there but could not be used."""
        try:
            raw = path.read_bytes()
        except FileNotFoundError:
            return cls(path), None
        except OSError as exc:
            return cls(path), f"cannot read the build cache {path}: {exc.strerror}; building without it"
        try:
            stamp, stored = marshal.loads(raw)
            if stamp != _STAMP:
                return cls(path), f"the build cache {path} was written by another version; building without it"
            entries = {
                name: Entry(source, meta, fields_key, fields, key,
                            BodyResult(body[0], body[1], tuple(map(tuple, body[2])), body[3]) if body else None)
                for name, (source, meta, fields_key, fields, key, body) in stored.items()
            }
        except Exception:  # noqa: BLE001 - any damage at all means: do not trust it
            return cls(path), f"the build cache {path} is damaged; building without it"
        return cls(path, entries), None

    def save(self) -> None:
        stored = {
            name: (e.source_digest, e.meta, e.fields_key, e.fields, e.render_key,
                   (e.body.html, e.body.auto_summary_html, e.body.links, e.body.html_digest) if e.body else None)
            for name, e in self.entries.items()
        }
        self.path.parent.mkdir(parents=True, exist_ok=True)
        temporary = self.path.with_name(self.path.name + ".tmp")
        try:
            temporary.write_bytes(marshal.dumps((_STAMP, stored)))
            os.replace(temporary, self.path)  # a build stopped half-way leaves the old cache whole
        finally:
            temporary.unlink(missing_ok=True)


def cache_file(site_dir: Path) -> Path:
    return site_dir / ".cache" / "broadsheet" / "content.marshal"
