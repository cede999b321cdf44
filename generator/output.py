"""The one gate to disk: output/ is changed only here, and only when the whole new site is staged.

Files are first written to a staging folder inside output/; only when every one
of them is there are they moved into place, and only then are the files of the
previous build that no longer belong removed. Files whose bytes did not change
are not touched (their mtimes stay, so rsync-style deploys upload nothing).
A manifest of what Broadsheet wrote lets it prune its own files and never
anyone else's.
"""

from __future__ import annotations

import filecmp
import os
import shutil
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from .errors import BuildFailed, SiteError
from .render import OutputFile

MANIFEST = ".broadsheet-manifest"
STAGING = ".broadsheet-staging"


@dataclass(frozen=True)
class WriteReport:
    written: int
    unchanged: int
    removed: int


def check_output_dir(site_dir: Path, output_dir: Path) -> SiteError | None:
    """Refuse an output folder that would overwrite or delete the site's own sources."""
    out = output_dir.resolve()
    for name in ("content", "themes"):
        source = (site_dir / name).resolve()
        if out == source or source.is_relative_to(out):
            return SiteError(f"the output folder {output_dir} is or contains the site's {name}/ folder; "
                             "choose another with --output (the default is output/)")
        if out.is_relative_to(source):
            return SiteError(f"the output folder {output_dir} is inside the site's {name}/ folder; "
                             "choose another with --output (the default is output/)")
    if out.exists() and not out.is_dir():
        return SiteError(f"the output folder {output_dir} is a file, not a folder")
    if out.is_dir() and not (out / MANIFEST).is_file() and any(
            not entry.name.startswith(".") for entry in out.iterdir()):
        return SiteError(f"the output folder {output_dir} already holds files that Broadsheet did not write; "
                         "empty it or choose another with --output, so that nothing of yours is deleted")
    return None


def find_collisions(files: Iterable[OutputFile], site_dir: Path) -> list[SiteError]:
    """Two things written to the same file: name both, located at the second when it is a file of the site."""
    first: dict[str, OutputFile] = {}
    errors: list[SiteError] = []
    for file in files:
        if file.path not in first:
            first[file.path] = file
            continue
        candidate = site_dir / file.source
        located = candidate.is_file()
        errors.append(SiteError(
            f"{file.source} and {first[file.path].source} would both be written to /{file.path}; "
            "give one of them another slug, date or file name",
            candidate if located else None, 1 if located and candidate.suffix in (".md", ".markdown") else None))
    return errors


def write_output(files: Sequence[OutputFile], output_dir: Path) -> WriteReport:
    output_dir.mkdir(parents=True, exist_ok=True)
    out = output_dir.resolve()
    for file in files:
        _check_relative(file.path)
    previous = _read_manifest(out)
    staging = out / STAGING
    if staging.exists():
        shutil.rmtree(staging)  # left over from an interrupted build
    staged: list[str] = []
    unchanged = 0
    try:
        staging.mkdir()
        for file in files:
            target = out / file.path
            if _same(target, file):
                unchanged += 1
                continue
            staged_path = staging / file.path
            staged_path.parent.mkdir(parents=True, exist_ok=True)
            if file.copy_from is not None:
                shutil.copyfile(file.copy_from, staged_path)
            else:
                staged_path.write_bytes(file.data or b"")
            staged.append(file.path)
        manifest = "".join(f"{path}\n" for path in sorted(f.path for f in files))
        manifest_changed = _read_text(out / MANIFEST) != manifest
        if manifest_changed:
            (staging / MANIFEST).write_text(manifest, encoding="utf-8")
    except OSError as exc:
        shutil.rmtree(staging, ignore_errors=True)
        raise BuildFailed([SiteError(f"cannot write the output: {exc}", output_dir)]) from exc

    # Everything is staged: from here on the new site replaces the old one.
    current = {f.path for f in files}
    removed = 0
    for stale in sorted(previous - current, reverse=True):
        path = out / stale
        if path.is_file() or path.is_symlink():
            path.unlink()
            removed += 1
            _remove_empty_parents(path.parent, out)
    for relative in staged:
        target = out / relative
        _ensure_inside(target.parent, out)
        target.parent.mkdir(parents=True, exist_ok=True)
        os.replace(staging / relative, target)
    if manifest_changed:
        os.replace(staging / MANIFEST, out / MANIFEST)
    shutil.rmtree(staging)
    return WriteReport(written=len(staged), unchanged=unchanged, removed=removed)


def _check_relative(path: str) -> None:
    pure = PurePosixPath(path)
    if pure.is_absolute() or ".." in pure.parts or not pure.parts or pure.parts[0] in (MANIFEST, STAGING):
        raise BuildFailed([SiteError(f"refusing to write {path!r}: not a plain path inside the output folder")])


def _ensure_inside(folder: Path, out: Path) -> None:
    # A symlinked folder inside output/ must not lead a write outside it.
    if not folder.resolve().is_relative_to(out):
        raise BuildFailed([SiteError(f"refusing to write through {folder}: it leads outside the output folder")])


def _same(target: Path, file: OutputFile) -> bool:
    try:
        if target.is_symlink() or not target.is_file():
            return False
        if file.copy_from is not None:
            return filecmp.cmp(target, file.copy_from, shallow=False)
        data = file.data or b""
        return target.stat().st_size == len(data) and target.read_bytes() == data
    except OSError:
        return False


def _read_text(path: Path) -> str | None:
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return None


def _read_manifest(out: Path) -> set[str]:
    result = set()
    for line in (_read_text(out / MANIFEST) or "").splitlines():
        pure = PurePosixPath(line)
        if line and not pure.is_absolute() and ".." not in pure.parts:
            result.add(line)
    return result


def _remove_empty_parents(folder: Path, out: Path) -> None:
    while folder != out and folder.is_relative_to(out):
        try:
            folder.rmdir()
        except OSError:
            return
        folder = folder.parent
