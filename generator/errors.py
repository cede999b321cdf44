"""Errors as values: every problem a user can fix carries a file and a line."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class SiteError:
    """One problem in the site, shown as `path:line:col: error: message`."""

    message: str
    path: Path | None = None
    line: int | None = None
    col: int | None = None

    def format(self, relative_to: Path | None = None) -> str:
        location = _display_path(self.path, relative_to) if self.path else "broadsheet"
        if self.path and self.line:
            location += f":{self.line}"
            if self.col:
                location += f":{self.col}"
        return f"{location}: error: {self.message}"


class StoreDamaged(Exception):
    """The site store (write/site_store.py) holds something other than what was written: the
    build falls back to the whole site, whatever stage found it (even a page being rendered)."""


class BuildFailed(Exception):
    """Raised by a stage that found problems; carries all of them."""

    def __init__(self, errors: list[SiteError] | tuple[SiteError, ...]):
        super().__init__(f"{len(errors)} error(s)")
        self.errors = tuple(errors)


def _display_path(path: Path, relative_to: Path | None) -> str:
    if relative_to is not None:
        # abspath, not resolve(): a symbolic link is shown as itself, not as what it points to.
        absolute, base = os.path.abspath(path), os.path.abspath(relative_to)
        if absolute.startswith(base + os.sep):
            return os.path.relpath(absolute, base)
    return str(path)


def line_of(text: str, offset: int) -> tuple[int, int]:
    """1-based line and column of a character offset in text."""
    line = text.count("\n", 0, offset) + 1
    col = offset - (text.rfind("\n", 0, offset) + 1) + 1
    return line, col
