"""The one gate to disk: output/ is changed only here, and only when the whole new site is staged.

Files are first written to a staging folder inside output/; only when every one
of them is there are they moved into place, and only then are the files of the
previous build that no longer belong removed. Files whose bytes did not change
are not touched (their mtimes stay, so rsync-style deploys upload nothing).
A manifest of what Broadsheet wrote lets it prune its own files and never
anyone else's.
"""

from __future__ import annotations

import bisect
import mmap
import os
import re
import shutil
import stat
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from ..errors import BuildFailed, SiteError
from ..read.columns import advise
from .parallel import forked_map, worth_it

MANIFEST = ".broadsheet-manifest"
STAGING = ".broadsheet-staging"


class RenderFailed(Exception):
    """A file could not be made: the theme's error, with its template and line."""

    def __init__(self, error: SiteError):
        super().__init__(error.message)
        self.error = error


@dataclass(frozen=True)
class Made:
    """What a produce() may give instead of bytes: the bytes, and notes on what making them did
    (such as "location-removed" for an image), which the build counts for its summary."""

    data: bytes
    notes: tuple[str, ...] = ()


@dataclass(frozen=True)
class OutputFile:
    """One file of the built site: made by produce(), or copied from copy_from."""

    path: str  # relative to the output folder, POSIX separators
    source: str  # what makes it, for messages: a content file, "front page", a theme file
    fingerprint: str  # changes whenever the bytes may change
    produce: Callable[[], "bytes | Made"] | None = None
    copy_from: Path | None = None


@dataclass(frozen=True)
class WriteReport:
    written: int
    unchanged: int
    removed: int
    rendered: int  # files made again (rendered or compared); the others were known unchanged
    notes: dict[str, int] | None = None  # how many files made had each note (see Made)

    def count(self, note: str) -> int:
        return (self.notes or {}).get(note, 0)


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


def intact_output(output_dir: Path) -> int:
    """How many files the last build left in output/, if every one of them is still there with
    its size; else -1 (something else changed them: the next build must look at every file).
    A whole number, to come back from the child process that works it out (see build.py)."""
    out = output_dir.resolve()
    if (out / STAGING).exists():
        return -1
    recorded = _recorded_sizes(_read_text(out / MANIFEST) or "")
    if recorded is None or not (recorded[0] or recorded[2]):
        return -1
    paths, sizes, later = recorded
    try:
        folder = os.open(out, os.O_RDONLY | os.O_DIRECTORY)
    except OSError:
        return -1
    try:
        # Relative to the folder's descriptor: the kernel does not walk output/'s own path again
        # for each of 187,000 files (a fifth of the time, at 100,000 articles).
        # A size of -1 is a file a later build removed (see _ManifestLookup): it must be absent.
        for path, size in zip(paths, map(int, sizes)):
            if _size(path, folder) != size and path not in later:
                return -1
        for path, size in later.items():
            if _size(path, folder) != size:
                return -1
    except ValueError:  # a size that is not a number: not a manifest Broadsheet wrote
        return -1
    finally:
        os.close(folder)
    replaced = sum(1 for path in later if (at := bisect.bisect_left(paths, path)) < len(paths) and paths[at] == path)
    return len(paths) - replaced + sum(1 for size in later.values() if size >= 0)


def intact_where_reported(output_dir: Path, reported: frozenset[str], manifest_stamp: str) -> bool:
    """intact_output, told by the watch daemon every path of output/ changed since the last good
    build began (its own writes among them): whether its manifest is the one it left
    (manifest_stamp) and each file of it among those paths, or in a folder among them, has its
    recorded size (and a file it says is gone is absent). Too many paths: see REPORTED_AT_MOST."""
    out = output_dir.resolve()
    if not manifest_stamp or len(reported) > REPORTED_AT_MOST or (out / STAGING).exists() \
            or _stamp(out / MANIFEST) != manifest_stamp:
        return False
    paths = [path for path in reported if path != MANIFEST and path.split("/", 1)[0] != STAGING]
    if not paths:
        return True
    try:
        # Its bytes, not its text: decoding every line is most of the time at 100,000 articles
        # (UTF-8 sorts as its code points do: the sorted lines bisect as bytes).
        with _mapped(out / MANIFEST) as text:
            return _intact_where(out, text, paths)
    except (OSError, UnicodeError):
        return False


def _intact_where(out: Path, text: bytes | mmap.mmap, paths: list[str]) -> bool:
    """intact_where_reported, in the manifest's bytes."""
    end = _sorted_end(text)
    later = _parse_manifest(text[end + len(_SORTED_END):].decode()) if end >= 0 else {}

    def recorded(path: str) -> tuple[str, int] | None:
        found = later.get(path)
        if found is None:
            line = _bisect_line(text, end, path.encode())
            found = _parse_manifest(line.decode()).get(path) if line is not None else None
        return found

    for path in paths:
        if end < 0 or not path:
            return False
        inside = path + "/"
        under = [*(p.decode() for p in _sorted_paths_under(text, end, inside.encode())),
                 *(p for p in later if p.startswith(inside))]
        for listed in [path, *under]:
            found = recorded(listed)
            if found is not None and _size(f"{out}/{listed}") != found[1]:
                return False
    return True


# More paths changed than this, and intact_output looks at every file: quicker than each by bisection.
REPORTED_AT_MOST = 5000


def manifest_stamp(output_dir: Path) -> str:
    """The manifest's stamp as a build leaves it, for intact_where_reported; "" when there is none."""
    return _stamp(output_dir.resolve() / MANIFEST)


def _stamp(path: Path) -> str:
    try:
        status = os.lstat(path)
    except OSError:
        return ""
    return _status_stamp(status)


def _status_stamp(status: os.stat_result) -> str:
    return f"{status.st_size}:{status.st_mtime_ns}:{status.st_ctime_ns}:{status.st_ino}"


def _recorded_sizes(manifest: str) -> tuple[list[str], list[str], dict[str, int]] | None:
    """The manifest's sorted part as its paths (sorted) and their sizes (as written), and
    path -> size of the lines appended after it, which win; None when a line does not have its two
    tabs or an appended size is not a number. The sorted part is not made a mapping: at 187,000
    files, that was a tenth of the check. The paths are not checked as _parse_manifest checks
    them: they are only looked at, and one the writer would refuse, which no build writes, makes
    the count differ from the last build's, so that the next one looks at all."""
    fields = _manifest_fields(manifest)  # split whole: a copy of each part would be 240 MB more at a million
    if fields is None:
        return None
    end = _sorted_end(manifest)
    sorted_fields = 3 * manifest.count("\n", 0, end) if end > 0 else 0  # the sorted part's lines, 3 fields each
    appended = sorted_fields + 3 if end >= 0 else 0  # after the line that ends the sorted part
    try:
        later = dict(zip(fields[appended::3], map(int, fields[appended + 2::3])))
    except ValueError:
        return None
    return fields[0:sorted_fields:3], fields[2:sorted_fields:3], later


def _manifest_fields(manifest: str) -> list[str] | None:
    """Path, fingerprint, size, path, ...: the manifest's lines split in one step, or None if one
    of them does not have its two tabs (then it is read line by line)."""
    fields = manifest.replace("\n", "\t").split("\t")
    if fields[-1] or len(fields) != 3 * manifest.count("\n") + 1:
        return None
    return fields[:-1]


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


def write_output(files: Sequence[OutputFile], output_dir: Path,
                 progress: Callable[[int, int], None] | None = None, trust_manifest: bool = True,
                 only_these: bool = False, replacing: tuple[str, ...] = (),
                 manifest_files: tuple[str, int] | None = None) -> WriteReport:
    """Make what changed, stage it, then swap it in; raises BuildFailed (output untouched) when
    any file cannot be made.

    only_these: files are some of the site's, planned again because their inputs may have
    changed; every other file in the manifest stays as it is, unlooked at (the caller has seen
    that they are all there, see intact_output). replacing: folders (paths ending in "/") whose
    files are all among those planned: any other file of the manifest in them is removed.
    manifest_files: the manifest's stamp as the last build left it (manifest_stamp) and how many
    files it then recorded: while the stamp is the same, they need not be counted.

    When the output folder does not exist yet, the files are written straight into a new one,
    which is removed again if the build fails: there was nothing to keep, and it spares moving
    every file of a first build (on a slow disk, a third of its time)."""
    fresh = not output_dir.exists()
    out = output_dir.resolve()
    # A few files planned again, none removed: only their lines of the manifest are looked up,
    # and theirs are appended after (see _ManifestLookup), so the edit of one article in a
    # site of 100,000 does not read and write the lines of every other file.
    lookup = _ManifestLookup.of(out, [file.path for file in files], replacing, manifest_files) \
        if only_these and not fresh else None
    previous = {} if fresh else lookup.recorded if lookup is not None else _read_manifest(out)
    for file in files:
        if file.path not in previous:  # the manifest holds only paths that passed this check
            _check_relative(file.path)
    output_dir.mkdir(parents=True, exist_ok=True)
    staging = out if fresh else out / STAGING
    if not fresh and staging.exists():
        shutil.rmtree(staging)  # left over from an interrupted build

    # A file whose fingerprint is as recorded, and whose size on disk too, is not made again.
    manifest: dict[str, tuple[str, int]] = {}
    todo: list[OutputFile] = []
    for file in files:
        recorded = previous.get(file.path)
        if trust_manifest and recorded is not None and recorded[0] == file.fingerprint \
                and _size(f"{out}/{file.path}") == recorded[1]:
            manifest[file.path] = recorded
        else:
            todo.append(file)
    unchanged = len(files) - len(todo)
    planned = set() if fresh else {file.path for file in files}  # a new folder has nothing to keep or remove
    kept: dict[str, tuple[str, int]] = {}  # files not planned again
    stale: list[str] = []  # with the lookup: files of the replaced folders not planned again
    if lookup is not None:
        unchanged += lookup.others
        stale = [path for path in lookup.inside if path not in planned]
    elif only_these:
        # A size of -1 is a file removed (or forgotten) since the manifest was last written whole.
        kept = {path: recorded for path, recorded in previous.items()
                if path not in planned and not path.startswith(replacing) and recorded[1] >= 0}
        manifest.update(kept)
        unchanged += len(kept)

    try:
        staging.mkdir(exist_ok=fresh)
        outcomes = make_files(todo, out, staging, progress)
    except OSError as exc:
        shutil.rmtree(staging, ignore_errors=True)
        raise BuildFailed([SiteError(f"cannot write the output: {exc}", output_dir)]) from exc
    except BaseException:
        # Ctrl-C: a new output folder half written would hold files with no manifest, which the
        # next build would refuse to overwrite as someone else's. It was ours; take it away.
        if fresh:
            shutil.rmtree(staging, ignore_errors=True)
        raise
    errors = _unique(o.error for o in outcomes if o.error is not None)
    if errors:
        shutil.rmtree(staging, ignore_errors=True)
        raise BuildFailed(errors)
    notes: dict[str, int] = {}
    for outcome in outcomes:
        for note in outcome.notes:
            notes[note] = notes.get(note, 0) + 1
    if fresh:
        _write_manifest(out, todo, outcomes, {})
        return WriteReport(written=len(todo), unchanged=0, removed=0, rendered=len(todo), notes=notes)

    # Everything is staged: from here on the new site replaces the old one. First the manifest
    # forgets the files about to change, so that a build stopped half-way through the swap makes
    # the next one render them again instead of trusting fingerprints of bytes no longer there.
    # The lines of files about to be removed say so too (and stay: see _ManifestLookup).
    changing = [file.path for file, outcome in zip(todo, outcomes) if outcome.staged]
    if changing or stale:
        _forget_in_manifest(out, changing + stale)
    if lookup is not None:
        removed = _remove_stale(out, stale)
        written = _swap_in(todo, outcomes, out, staging)
        _append_to_manifest(out, todo, outcomes)
        shutil.rmtree(staging)
        return WriteReport(written=written, unchanged=len(files) + lookup.others - written, removed=removed,
                           rendered=len(todo), notes=notes)
    removed = _remove_stale(out, previous.keys() - (planned | kept.keys()))
    written = _swap_in(todo, outcomes, out, staging)
    unchanged += len(todo) - written
    _write_manifest(out, todo, outcomes, manifest)
    shutil.rmtree(staging)
    return WriteReport(written=written, unchanged=unchanged, removed=removed, rendered=len(todo), notes=notes)


def _remove_stale(out: Path, paths: Iterable[str]) -> int:
    """Remove these files of the last build, and the folders they leave empty; how many there were."""
    removed = 0
    for stale in sorted(paths, reverse=True):
        if not _is_output_path(stale):  # a manifest edited by hand: never remove outside output/
            continue
        path = out / stale
        if path.is_file() or path.is_symlink():
            path.unlink()
            removed += 1
            _remove_empty_parents(path.parent, out)
    return removed


def _swap_in(todo: Sequence[OutputFile], outcomes: Sequence["Outcome"], out: Path, staging: Path) -> int:
    """Move each staged file into place; how many there were (the others' bytes had not changed)."""
    written = 0
    folders = _Folders()
    for file, outcome in zip(todo, outcomes):
        if outcome.staged:
            target = out / file.path
            _ensure_inside(target.parent, out)
            folders.make(target.parent)
            os.replace(staging / file.path, target)
            written += 1
    return written


# Ends the sorted lines of a manifest written whole; lines appended after it (by builds that
# planned a few files) are read after them, and win. Its empty path is no file's.
_SORTED_END = "\t\t0\n"


def _sorted_end(manifest: str | bytes) -> int:
    """Where the line that ends the manifest's sorted part starts; -1 when it has none."""
    marker = _SORTED_END if isinstance(manifest, str) else _SORTED_END.encode()
    at = manifest.rfind(marker[-1:] + marker)  # the line before it ends with the same newline
    return at + 1 if at != -1 else 0 if manifest[:len(marker)] == marker else -1


class _mapped:
    """The manifest's bytes, mapped rather than read: an edit looks up a few of its lines, and
    reading all of it (240 MB at a million articles) was a tenth of a second each time. An
    empty file cannot be mapped: its bytes are b""."""

    def __init__(self, path: Path):
        self._path = path
        self._map: mmap.mmap | None = None
        self.stamp = ""  # of the file mapped (see manifest_stamp)

    def __enter__(self) -> bytes | mmap.mmap:
        with open(self._path, "rb") as handle:
            status = os.fstat(handle.fileno())
            self.stamp = _status_stamp(status)
            if status.st_size == 0:
                return b""
            self._map = mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ)
        # An edit bisects it, a few pages of 240 MB at a million articles: without this advice the
        # disk's read-ahead (8 MB here) read back most of it after a pause. _count_lines, which
        # reads it through, asks for its pages ahead.
        advise(self._map, "MADV_RANDOM")
        return self._map

    def __exit__(self, *_: object) -> None:
        if self._map is not None:
            self._map.close()


def _write_manifest(out: Path, made: Sequence[OutputFile], outcomes: Sequence["Outcome"],
                    known: dict[str, tuple[str, int]]) -> None:
    manifest = dict(known)
    for file, outcome in zip(made, outcomes):
        manifest[file.path] = (file.fingerprint, outcome.size)
    paths = sorted(manifest)
    temporary = out / (MANIFEST + ".tmp")
    # A few thousand lines at a time: the whole text, its lines and its bytes were three copies of
    # it at once (24 MB each at 100,000 articles, 240 MB at a million), at the build's largest.
    with temporary.open("w", encoding="utf-8") as handle:
        for start in range(0, len(paths), 4096):
            handle.write("".join(f"{path}\t{manifest[path][0]}\t{manifest[path][1]}\n"
                                 for path in paths[start:start + 4096]))
        handle.write(_SORTED_END)
    if _is_plain_file(out / MANIFEST) and _same_bytes(temporary, out / MANIFEST):
        temporary.unlink()  # as it was: left untouched
    else:
        os.replace(temporary, out / MANIFEST)


def _append_to_manifest(out: Path, made: Sequence[OutputFile], outcomes: Sequence["Outcome"]) -> None:
    """The files just made (or found unchanged by their bytes), after the manifest's other lines."""
    with (out / MANIFEST).open("a", encoding="utf-8") as handle:
        handle.write("".join(f"{file.path}\t{file.fingerprint}\t{outcome.size}\n"
                             for file, outcome in zip(made, outcomes)))


@dataclass(frozen=True)
class _ManifestLookup:
    """Some files' lines of the manifest, found without reading every line: its sorted part is
    searched by bisection, the lines appended since read whole (later lines win). An appended
    line of size -1 says its file is gone (or about to change: see _forget_in_manifest)."""

    recorded: dict[str, tuple[str, int]]  # of the paths asked for that the manifest has
    inside: dict[str, tuple[str, int]]  # every file it has in the folders asked for
    others: int  # how many other files it has

    @classmethod
    def of(cls, out: Path, paths: Sequence[str], folders: Sequence[str] = (),
           files: tuple[str, int] | None = None) -> "_ManifestLookup | None":
        """None when the manifest is best read and written whole: it has no sorted part, or the
        lines appended after it are a quarter of it. files: the manifest's stamp and how many
        files it then recorded, if known (see write_output)."""
        try:
            # Its bytes (see intact_where_reported): only the lines found and those appended are
            # decoded; a manifest that is not UTF-8 there is read whole.
            mapped = _mapped(out / MANIFEST)
            with mapped as text:
                recorded = files[1] if files is not None and mapped.stamp == files[0] else None
                return cls._of(text, paths, folders, recorded)
        except (OSError, UnicodeError):
            return None

    @classmethod
    def _of(cls, text: bytes | mmap.mmap, paths: Sequence[str], folders: Sequence[str],
            files: int | None) -> "_ManifestLookup | None":
        end = _sorted_end(text)
        if end < 0:
            return None  # written by an older version: read whole, then written with its end
        if len(text) - end - len(_SORTED_END) > max(len(text) // 4, 1 << 16):
            return None
        later = _parse_manifest(text[end + len(_SORTED_END):].decode())
        known = files if files is not None else _recorded_files(text, end, later)

        def current(path: str) -> tuple[str, int] | None:
            found = later.get(path)
            if found is None:
                line = _bisect_line(text, end, path.encode())
                found = _parse_manifest(line.decode()).get(path) if line is not None else None
            return found if found is not None and found[1] >= 0 else None

        recorded = {path: found for path in dict.fromkeys(paths) if (found := current(path)) is not None}
        inside: dict[str, tuple[str, int]] = {}
        for folder in folders:
            under = [*(path.decode() for path in _sorted_paths_under(text, end, folder.encode())),
                     *(path for path in later if path.startswith(folder))]
            inside.update((path, found) for path in under if (found := current(path)) is not None)
        return cls(recorded, inside, known - len(recorded.keys() | inside.keys()))


def _recorded_files(text: bytes | mmap.mmap, end: int, later: dict[str, tuple[str, int]]) -> int:
    """How many files the manifest records: a line for each in the sorted part (counted in its
    bytes, a tenth of a second at a million files), less those a later line says are gone, and
    those added by the later lines."""
    known = _count_lines(text, end)  # one line per file in the sorted part
    for path, (_, size) in later.items():
        in_sorted = _bisect_line(text, end, path.encode()) is not None
        known += (size >= 0) - in_sorted
    return known


def _count_lines(text: bytes | mmap.mmap, end: int) -> int:
    """The newlines in text[:end], a block at a time (a mapping has no count)."""
    if isinstance(text, bytes):
        return text.count(b"\n", 0, end)
    advise(text, "MADV_WILLNEED", 0, end)
    return sum(text[at:min(at + (1 << 22), end)].count(b"\n") for at in range(0, end, 1 << 22))


# The manifest is looked up in its bytes (UTF-8 sorts as its code points do): decoding all of it
# was most of the lookup's time.

def _bisect_start(text: bytes, end: int, key: bytes) -> int:
    """Where the first of the sorted lines text[:end] that is not below `key` starts (or end)."""
    low, high = 0, end  # low is always the start of a line
    while low < high:
        middle = (low + high) // 2
        start = text.rfind(b"\n", low, middle)
        start = low if start == -1 else start + 1
        stop = text.find(b"\n", start, end)
        stop = end if stop == -1 else stop
        if text[start:stop] < key:
            low = stop + 1
        else:
            high = start
    return low


def _bisect_line(text: bytes, end: int, path: bytes) -> bytes | None:
    """The line of `path` among the sorted lines text[:end], or None. Lines sort as their paths
    do: the tab after a path sorts before any character a path holds."""
    key = path + b"\t"
    at = _bisect_start(text, end, key)
    return text[at:text.find(b"\n", at)] if text[at:at + len(key)] == key else None


def _sorted_paths_under(text: bytes, end: int, folder: bytes) -> list[bytes]:
    """The paths of the sorted lines text[:end] inside `folder` (a path ending in "/"): one run of lines."""
    paths = []
    at = _bisect_start(text, end, folder)
    while at < end and text[at:at + len(folder)] == folder:
        stop = text.find(b"\n", at, end)
        tab = text.find(b"\t", at, stop)
        if tab < 0:
            raise ValueError(f"a line of the manifest with no tab at {at}")
        paths.append(text[at:tab])
        at = stop + 1
    return paths


def _forget_in_manifest(out: Path, paths: Sequence[str]) -> None:
    """Make the manifest distrust these files: a line read later wins, and an empty fingerprint
    matches none. Appending costs nothing at 100,000 files; the next full write drops these lines."""
    with (out / MANIFEST).open("a", encoding="utf-8") as handle:
        handle.write("".join(f"{path}\t\t-1\n" for path in paths))


class _Folders:
    """mkdir once per folder: on a slow disk each call costs a quarter of a millisecond, made or not.

    Folders are known by their path as a string (a Path is accepted too). A folder whose parent
    is known to exist is made with one call; otherwise its missing parents are made first, and
    every folder above it is then known. Kept are the folders with one made beneath them (a few
    per list, each shared by thousands of pages) and the last `recent` to `2 * recent` others:
    pages are made in the order of the newest article they show, so a folder's other files come
    soon after its first, and an article's own folder is seldom asked for again once its page is
    in it (keeping every one held 30 MB at 100,000 articles). A folder asked for again after
    that costs a call that finds it made."""

    def __init__(self, recent: int = 4096) -> None:
        self._parents: set[str] = set()
        self._young: set[str] = set()  # the last made, as recent.py's Recent keeps its entries
        self._old: set[str] = set()
        self._recent = recent

    def make(self, folder: str | Path) -> None:
        folder = os.fspath(folder)
        if self._known(folder):
            return
        parent = os.path.dirname(folder)
        if self._known(parent):
            self._parents.add(parent)
            try:
                os.mkdir(folder)
            except FileExistsError:  # made by another worker, or left from a build
                if not os.path.isdir(folder):
                    raise
        else:
            os.makedirs(folder, exist_ok=True)
            while parent not in self._parents and os.path.dirname(parent) != parent:
                self._parents.add(parent)
                parent = os.path.dirname(parent)
        if len(self._young) >= self._recent:
            self._old, self._young = self._young, set()
        self._young.add(folder)

    def _known(self, folder: str) -> bool:
        return folder in self._parents or folder in self._young or folder in self._old


# Slots: one is kept per file made until the manifest is written, and they save 40 bytes of each
# (300,000 files at 100,000 articles with search).
@dataclass(frozen=True, slots=True)
class Outcome:
    staged: bool  # False: the file in output/ already had these bytes
    size: int
    error: SiteError | None = None
    notes: tuple[str, ...] = ()  # Made.notes


def make_files(todo: Sequence[OutputFile], out: Path, staging: Path,
               progress: Callable[[int, int], None] | None = None) -> list[Outcome]:
    """Render or copy each file and stage it if its bytes differ from output/'s; in worker processes
    when there are enough files for it to pay."""
    if worth_it(len(todo), PARALLEL_FROM):
        return _make_in_processes(todo, out, staging, progress)
    outcomes = []
    folders = _Folders()
    for done, file in enumerate(todo, start=1):
        outcomes.append(_make(file, out, staging, folders))
        if progress and done % 500 == 0:
            progress(done, len(todo))
    return outcomes


def _make(file: OutputFile, out: Path, staging: Path, folders: "_Folders") -> Outcome:
    # Paths as strings: this runs for every file, and making Path objects costs more.
    fresh = staging == out  # writing straight into a new output folder: nothing to compare with
    if file.copy_from is not None:
        target, staged = out / file.path, staging / file.path
        if not fresh and _is_plain_file(target) and _same_bytes(target, file.copy_from):
            return Outcome(False, target.stat().st_size)
        folders.make(staged.parent)
        shutil.copyfile(file.copy_from, staged)
        return Outcome(True, staged.stat().st_size)
    assert file.produce is not None
    try:
        data = file.produce()
    except RenderFailed as failed:
        return Outcome(False, 0, failed.error)
    notes: tuple[str, ...] = ()
    if type(data) is Made:
        data, notes = data.data, data.notes
    if not fresh:
        target = f"{out}/{file.path}"
        if _size(target) == len(data):  # a plain file (no symlink) of that size: compare the bytes
            with open(target, "rb") as handle:
                if handle.read() == data:
                    return Outcome(False, len(data), None, notes)
    staged = f"{staging}/{file.path}"
    folders.make(os.path.dirname(staged))
    with open(staged, "wb") as handle:
        handle.write(data)
    return Outcome(True, len(data), None, notes)


# Below this many files to make, starting worker processes costs more than it saves.
PARALLEL_FROM = 200


def _make_in_processes(todo: Sequence[OutputFile], out: Path, staging: Path,
                       progress: Callable[[int, int], None] | None) -> list[Outcome]:
    folders = _Folders()  # each worker fills its own copy
    outcomes: list[Outcome] = []
    for done, outcome in enumerate(forked_map(lambda file: _make(file, out, staging, folders), todo, 200), start=1):
        outcomes.append(outcome)
        if progress and done % 500 == 0:
            progress(done, len(todo))
    return outcomes


def _unique(errors: Iterable[SiteError]) -> list[SiteError]:
    # The same template line fails on every page that uses it: say it once.
    seen: dict[tuple, SiteError] = {}
    for error in errors:
        seen.setdefault((error.path, error.line, error.message), error)
    return list(seen.values())


def _same_bytes(first: Path, second: Path) -> bool:
    """Not filecmp.cmp: it remembers answers by size and mtime, and a long-running preview would
    be told a file edited within the same second is unchanged."""
    if first.stat().st_size != second.stat().st_size:
        return False
    with first.open("rb") as a, second.open("rb") as b:
        while True:
            chunk = a.read(1 << 20)
            if chunk != b.read(1 << 20):
                return False
            if not chunk:
                return True


def _size(path: str, folder: int | None = None) -> int:
    """The size of a plain file (no link, no folder), else -1; path relative to the descriptor
    `folder` if given."""
    try:
        status = os.lstat(path, dir_fd=folder)
    except OSError:
        return -1
    return status.st_size if stat.S_ISREG(status.st_mode) else -1


def _is_plain_file(path: Path) -> bool:
    return path.is_file() and not path.is_symlink()


def _check_relative(path: str) -> None:
    if not _is_output_path(path):
        raise BuildFailed([SiteError(f"refusing to write {path!r}: not a plain path inside the output folder")])


def _is_output_path(path: str) -> bool:
    return _is_plain_relative(path) and path.split("/", 1)[0] not in (MANIFEST, STAGING)


def _is_plain_relative(path: str) -> bool:
    # Strings, not PurePosixPath: this runs for every file of a 100,000-article site.
    return bool(path) and not path.startswith("/") and "\\" not in path and "/../" not in f"/{path}/"


def _ensure_inside(folder: Path, out: Path) -> None:
    # A symlinked folder inside output/ must not lead a write outside it.
    if not folder.resolve().is_relative_to(out):
        raise BuildFailed([SiteError(f"refusing to write through {folder}: it leads outside the output folder")])


def _read_text(path: Path) -> str | None:
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return None


def _read_manifest(out: Path) -> dict[str, tuple[str, int]]:
    """What the last build wrote: path -> (fingerprint, size). Unknown fingerprints make files be made again."""
    return _parse_manifest(_read_text(out / MANIFEST) or "")


def _maybe_refused(text: str) -> bool:
    """Whether a line of the manifest might have a path _is_output_path refuses (from /, with a
    backslash or `..`, in the manifest's or the staging folder's name): a few scans of the whole
    text, each in C. When one finds something, the paths are looked at one by one."""
    return ("\\" in text or ".." in text or "\n/" in text or "\n.broadsheet-" in text
            or text.startswith(("/", ".broadsheet-")))


def _parse_manifest(text: str) -> dict[str, tuple[str, int]]:
    """path -> (fingerprint, size) of each line whose path is a plain path inside output/ (a
    later line for the same path wins); a size that is not a number is -1."""
    fields = _manifest_fields(text)
    if fields is not None and "".join(fields[2::3]).isdecimal() and not _maybe_refused(text):
        try:  # the fast path: all the paths are plain and every size a number
            result = dict(zip(fields[0::3], zip(fields[1::3], map(int, fields[2::3]))))
        except ValueError:  # an empty size
            pass
        else:
            result.pop("", None)  # the line that ends the sorted part (_SORTED_END)
            return result
    return _parse_manifest_lines(text)


def _parse_manifest_lines(text: str) -> dict[str, tuple[str, int]]:
    result: dict[str, tuple[str, int]] = {}
    for line in text.splitlines():
        path, _, rest = line.partition("\t")
        fingerprint, _, size = rest.partition("\t")
        if _is_output_path(path):
            result[path] = (fingerprint, int(size) if size.isdecimal() else -1)
    return result


def _remove_empty_parents(folder: Path, out: Path) -> None:
    while folder != out and folder.is_relative_to(out):
        try:
            folder.rmdir()
        except OSError:
            return
        folder = folder.parent
