"""Everything a build reads, scanned before anything is parsed: the content's files (each
Markdown file with the hash of its bytes) and one digest of all of it together with the
settings, the flags, the theme and the generator itself.

A build whose digest equals that of the last good build, whose output is still in
place and whose next change by the clock (a scheduled article, an article leaving the news
sitemap) is still to come, has nothing to do: that
is how a build of an unchanged 10,000-article site finishes in a fraction of a second.
"""

from __future__ import annotations

import bisect
import dataclasses
import functools
import hashlib
import importlib.util
import json
import marshal
import mmap
import os
import struct
import sys
import time
import zlib
from array import array
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from operator import attrgetter
from pathlib import Path

from .. import __version__
from ..config import Config
from ..errors import BuildFailed, SiteError
from ..write.cache import digest as digest_of
from .authors import authors_file
from .columns import HashColumn, StampColumn, TextColumn, advise, differing_entries, hashes_block
from .watched import ask

# Libraries whose upgrade can change the output: a new version is a new install of their files.
_LIBRARIES = ("markdown", "jinja2", "markupsafe", "yaml", "babel", "PIL", "pagefind_bin")
# A file changed less than this before a scan may change again with the same times (see scan_inputs).
_RACY_NS = 2_000_000_000
_HASHES_FORMAT = "broadsheet source hashes 6"
# Entries changed since the known hashes were written whole, at most: then they are written whole again.
_JOURNAL_LIMIT = 1000
_BUILT_FORMAT = "broadsheet built hashes 3"
_HASH_WIDTH = len(digest_of(b""))  # characters of each Markdown file's hash


@dataclass(frozen=True)
class ScannedInputs:
    markdown_files: Sequence[str]  # paths as text (a tuple or a TextColumn): Path objects cost more than the rest
    other_files: tuple[str, ...]
    markdown_hashes: Sequence[str]  # the hash of each one's bytes, "" for one that cannot be read
    problems: tuple[SiteError, ...]  # found while looking (a symbolic link leading out of the site)
    digest: str  # of every input together; "" when it cannot be known (a theme that is not there)
    # Of every input but the Markdown files' bytes (their names are in): when only it is as the
    # last build's, only articles changed, and no setting, template or file to copy.
    context: str
    known_hashes: "KnownHashes"  # for save_known_hashes: the hashes the next scan may trust
    known_hashes_changed: bool
    # For save_known_hashes: the positions whose entries changed, to add to the journal of the
    # known-hashes file this scan read (that file's identity first); None: write them whole.
    hashes_journal: tuple[tuple[int, int, int], tuple[int, ...]] | None = None
    # For save_known_hashes: the Markdown files' digests, to keep beside the known hashes (None:
    # not to be kept), whether they are kept already, and the known-hashes file this scan read.
    markdown_digests: "MarkdownDigests | None" = None
    markdown_digests_kept: bool = False
    known_file: tuple[tuple[int, int, int], int] | None = None
    # The position each entry of that file's journal changed (-1 for the watch daemon's token),
    # and the positions this scan read again: with them the last build's hashes need be compared
    # only where these say (changed_since_built).
    journaled: tuple[int, ...] = ()
    read_again: tuple[int, ...] = ()
    # The known-hashes file as save_known_hashes left it (its identity and journal's length).
    saved_as: tuple[tuple[int, int, int], int] | None = None

    @functools.cached_property
    def source_digests(self) -> dict[str, str]:
        """str(path) of each readable Markdown file -> the hash of its bytes: made when first
        asked, which a build with nothing to do never does (0.02 s at 100,000 files)."""
        digests = dict(zip(self.markdown_files, self.markdown_hashes))
        if "" in self.markdown_hashes:
            digests = {path: hashed for path, hashed in digests.items() if hashed}
        return digests


@dataclass(frozen=True)
class KnownHashes:
    """What a scan found of each Markdown file, by position: its path, its stamp (size,
    modification time, change time and inode: four numbers each in `stamps`) and the hash of
    its bytes. A file whose hash the next scan must not trust has the stamp NOT_TRUSTED.

    Kept as columns, not one record per file: at 100,000 files, loading them and seeing that
    no stamp changed are then a few comparisons of whole arrays instead of 100,000 lookups."""

    paths: Sequence[str]  # a tuple, or as loaded a TextColumn (see columns.py)
    stamps: StampColumn
    hashes: Sequence[str]  # a tuple or a HashColumn; "" where there is no hash (a file that could not be read)
    # The content's folders as that scan listed them, each with its stamp (modification and change
    # times, inode: 3 numbers each), and the files other than Markdown it found in them: while
    # no folder's stamp changed, no file was added, removed or renamed, and the next scan need
    # not list them again (see _listing_if_unchanged). No folders: list them.
    folders: tuple[str, ...] = ()
    folder_stamps: array = dataclasses.field(default_factory=lambda: array("q"))
    other_files: tuple[str, ...] = ()
    # The watch daemon's token (read/watched.py) from before this scan looked at any file: a
    # file it has not heard change since is as this scan found it. "": none.
    heard: str = ""
    # The positions whose stamp is NOT_TRUSTED, when known (kept in the file, so that an edit's
    # scan need not search all stamps for them); None: to be searched for.
    not_trusted: tuple[int, ...] | None = None

    def stamp(self, index: int) -> tuple[int, ...]:
        return self.stamps.stamp(index)


NOT_TRUSTED = (-1, -1, -1, -1)  # no file has this stamp: no size is negative
_UNSEEN = (-2, -2, -2, -2)  # the stamp of a file that cannot be looked at: never kept, never equal to one kept
_NONE_KNOWN = KnownHashes((), StampColumn(b""), (), not_trusted=())


@dataclass(frozen=True)
class LastBuild:
    """What the last good build was made from, and what it made."""

    inputs: str
    context: str  # ScannedInputs.context
    plan_key: str  # what every page's fingerprint started from (see render.py)
    # The first moment the site differs by the clock alone: a scheduled article comes out, or an
    # article leaves the news sitemap's 48 hours (the build's RenderedSite.next_change).
    valid_until: datetime | None
    articles: int
    pages: int
    files: int
    valid_until_what: str = ""  # what changes then, for the summary ("news-sitemap.xml changes")
    # The watch daemon's token from before this build wrote anything (read/watched.py), and its
    # manifest's stamp as it left it: the next build looks only at what changed in output/ since.
    heard: str = ""
    manifest: str = ""


def scan_inputs(config: Config, options: object, output_dir: Path) -> ScannedInputs:
    """Find and hash the content, and digest it with everything else the output depends on.

    A Markdown file is read and hashed unless the last scan hashed it and its size, inode,
    modification and change times are still those it had then, as git does. The change time
    (ctime) moves with every write and cannot be set back; a file changed in the second before
    a scan is "racy" (a second write within the clock's resolution would leave its times as
    they were), so its hash is not kept for the next scan to trust."""
    problems: list[SiteError] = []
    known, on_disk, journaled = _read_known_hashes(config.site_dir)
    heard = ask(config.site_dir, config.content_dir, known.heard)  # before any file is looked at
    listed = _listing_if_unchanged(known, config.content_dir)
    if listed is not None:
        markdown_files, other_files = listed
        listing = (known.folders, known.folder_stamps, known.other_files)
    else:
        folders: list[tuple[str, os.stat_result | None]] = []
        markdown_files, other_files = discover(config.content_dir, config.site_dir, problems, folders)
        listing = _listing_to_keep(folders, other_files)
    settings = repr((__version__, code_key(), options, config, str(output_dir.resolve()))).encode()
    digest = hashlib.sha256(settings)
    context = hashlib.sha256(settings)  # as digest, with the Markdown files' names but not their hashes
    # The known paths themselves when the listing is as known (a column: see columns.py).
    paths = markdown_files if isinstance(markdown_files, (tuple, TextColumn)) else tuple(markdown_files)
    reported = heard.changed if heard is not None and paths is known.paths and known.heard else None
    stamps = _stamps(paths) if reported is None else _stamps_where_changed(paths, known, reported,
                                                                           str(config.content_dir))
    hashes, again = _hashes(paths, stamps, known)
    found = _trusted_next(paths, stamps, hashes, again, known)
    if heard is not None and (reported is None or again):
        found = dataclasses.replace(found, heard=heard.token)  # kept: this scan's stamps are as of it or later
    found = dataclasses.replace(found, folders=listing[0], folder_stamps=listing[1], other_files=listing[2])
    # The same files and folders as the file read: only the entries read again changed.
    journal = (on_disk[0], tuple(again)) if on_disk is not None and listed is not None and paths is known.paths \
        and on_disk[1] + len(again) <= _JOURNAL_LIMIT else None
    kept = _read_markdown_digests(config.site_dir, on_disk) if paths is known.paths else None
    markdown = _markdown_digests(paths, hashes, kept, again)
    digest.update(hashlib.sha256(b"".join(markdown.chunks)).digest())
    context.update(markdown.context)
    try:  # small and read on every build that has something to do: hashed, not stamped
        authors = authors_file(config.site_dir).read_bytes()
    except OSError:
        authors = b"none"
    digest.update(b"authors.yaml\0" + authors + b"\n")
    context.update(b"authors.yaml\0" + authors + b"\n")
    for path in other_files:
        line = f"{path}\0{file_stamp(path)}\n".encode()
        digest.update(line)
        context.update(line)
    theme = _theme_digest(config)
    return ScannedInputs(paths, tuple(other_files), hashes, tuple(problems),
                         digest.hexdigest() + theme if theme else "", context.hexdigest() + theme if theme else "",
                         found, found != known, journal, markdown if "" not in hashes else None,
                         kept is not None and not again, on_disk, journaled, tuple(again))


_CHUNK = 2048  # Markdown files per digested run: an edit digests again the runs it changed, not all


@dataclass(frozen=True)
class MarkdownDigests:
    """The digest of the paths and hashes of each run of _CHUNK Markdown files, and of all their
    paths (for the context). Kept beside the known hashes (source-hashes.digests), for the state
    of those it was made from: at 100,000 files, digesting them all was 0.07 s of every build."""

    chunks: tuple[bytes, ...]
    context: bytes


def _markdown_digests(paths: Sequence[str], hashes: Sequence[str], kept: MarkdownDigests | None,
                      again: list[int]) -> MarkdownDigests:
    """The digests of these files; kept: those of the known hashes' paths and hashes, of which
    only the entries at `again` changed since (None: digest them all)."""
    runs = (len(paths) + _CHUNK - 1) // _CHUNK
    if kept is None or len(kept.chunks) != runs or "" in hashes:
        chunks = tuple(_run_digest(paths, hashes, start) for start in range(0, len(paths), _CHUNK))
        return MarkdownDigests(chunks, _context_digest(paths, hashes))
    chunks = list(kept.chunks)
    for run in sorted({index // _CHUNK for index in again}):
        chunks[run] = _run_digest(paths, hashes, run * _CHUNK)
    return MarkdownDigests(tuple(chunks), kept.context)


def _run_digest(paths: Sequence[str], hashes: Sequence[str], start: int) -> bytes:
    run_paths, run_hashes = paths[start:start + _CHUNK], hashes[start:start + _CHUNK]
    if "" in run_hashes:  # a file that cannot be read: content.py says why, if it still is
        text = "".join(f"{path}\0{hashed}\n" if hashed else f"unreadable {path}\n"
                       for path, hashed in zip(run_paths, run_hashes))
    else:  # in one go, not one update per file
        text = "\n".join(map("\0".join, zip(run_paths, run_hashes))) + "\n"
    return hashlib.sha256(text.encode()).digest()


def _context_digest(paths: Sequence[str], hashes: Sequence[str]) -> bytes:
    if "" in hashes:
        text = "".join(f"{path}\n" if hashed else f"unreadable {path}\n" for path, hashed in zip(paths, hashes))
    else:
        text = "\n".join(paths) + "\n" if paths else ""
    return hashlib.sha256(text.encode()).digest()


def _markdown_digests_file(site_dir: Path) -> Path:
    return site_dir / ".cache" / "broadsheet" / "source-hashes.digests"


def _read_markdown_digests(site_dir: Path, known_file: tuple[tuple[int, int, int], int] | None) -> MarkdownDigests | None:
    """The digests kept for the known-hashes file with this identity and number of journal
    entries; None when there are none for it."""
    if known_file is None:
        return None
    try:
        loaded = marshal.loads(_markdown_digests_file(site_dir).read_bytes())
        if isinstance(loaded, tuple) and len(loaded) == 4 and loaded[:2] == (_HASHES_FORMAT, repr(known_file)) \
                and isinstance(loaded[2], bytes) and len(loaded[2]) % 32 == 0 and isinstance(loaded[3], bytes):
            return MarkdownDigests(tuple(loaded[2][at:at + 32] for at in range(0, len(loaded[2]), 32)), loaded[3])
    except (OSError, ValueError, EOFError, TypeError):
        pass
    return None


def _keep_markdown_digests(site_dir: Path, known_file: tuple[tuple[int, int, int], int],
                           digests: MarkdownDigests) -> None:
    path = _markdown_digests_file(site_dir)
    try:
        temporary = path.with_name(path.name + ".tmp")
        temporary.write_bytes(marshal.dumps((_HASHES_FORMAT, repr(known_file), b"".join(digests.chunks),
                                             digests.context)))
        os.replace(temporary, path)
    except OSError:
        pass


def _stamps(paths: Sequence[str]) -> StampColumn:
    """Each file's stamp (see KnownHashes), _UNSEEN for one that cannot be looked at."""
    stamps = array("q")
    try:
        for stat in map(os.stat, paths):
            stamps.extend((stat.st_size, stat.st_mtime_ns, stat.st_ctime_ns, stat.st_ino))
    except OSError:  # gone since it was found, or not readable: one at a time from there
        for path in paths[len(stamps) // 4:]:
            stamps.extend(_stamp_of(path))
    return StampColumn.of(stamps)


def _stamp_of(path: str) -> tuple[int, int, int, int]:
    """One file's stamp, _UNSEEN if it cannot be looked at."""
    try:
        stat = os.stat(path)
    except OSError:
        return _UNSEEN
    return stat.st_size, stat.st_mtime_ns, stat.st_ctime_ns, stat.st_ino


def _stamps_where_changed(paths: Sequence[str], known: KnownHashes, reported: frozenset[str],
                          content_dir: str) -> StampColumn:
    """_stamps, for a scan the watch daemon told what changed (paths relative to the content
    folder): the known stamps, with those of the Markdown files reported (and of those whose
    hash was not trusted) looked at again. Other paths reported (folders, images) are not among
    `paths`: the listing's folder stamps and the other files' stamps see to them."""
    edited = [f"{content_dir}{os.sep}{relative}" for relative in reported if relative.endswith((".md", ".markdown"))]
    positions = (_positions_of(paths, edited) if edited else []) + _not_trusted(known)
    return known.stamps.with_stamps({index: _stamp_of(paths[index]) for index in positions})


def _positions_of(paths: Sequence[str], wanted: list[str]) -> list[int]:
    """Where each wanted path is in paths (those that are): a few looked for by bisection (the
    paths are in discover's order), more through a mapping of all (a tenth of a second at a
    million paths)."""
    if len(wanted) <= 8:
        found = []
        for path in wanted:
            at = _position_in_order(paths, path)
            if at >= 0:
                found.append(at)
        return found
    position = {path: index for index, path in enumerate(paths)}
    return [position[path] for path in wanted if path in position]


def _position_in_order(paths: Sequence[str], path: str) -> int:
    """Where path is in paths, or -1. discover lists each folder's entries sorted by name and a
    folder's files where its name falls, so its paths are in the order of their lists of names:
    a bisection looks at about twenty of a million paths (searching their bytes read all of them,
    90 MB at a million files, from the disk after a pause). Paths in another order (a file
    damaged) are searched for instead."""
    at = bisect.bisect_left(paths, path.split(os.sep), key=lambda each: each.split(os.sep))
    if at < len(paths) and paths[at] == path:
        return at
    try:
        return paths.index(path)
    except ValueError:
        return -1


def _not_trusted(known: KnownHashes) -> list[int]:
    """The positions whose stamp is NOT_TRUSTED: as the file kept them, else searched for."""
    if known.not_trusted is not None:
        return list(known.not_trusted)
    return known.stamps.positions_of(NOT_TRUSTED)


def _hashes(paths: Sequence[str], stamps: StampColumn, known: KnownHashes) -> tuple[Sequence[str], list[int]]:
    """The hash of each file's bytes, and the positions of those read again: the known hash where
    the file's stamp is as known (as git does), else the file is read and hashed ("" for one that
    cannot be read)."""
    if paths == known.paths:
        if stamps == known.stamps:
            return known.hashes, []  # nothing changed: the usual case, seen in two comparisons
        again = stamps.differing(known.stamps)
        return _with_hashes(known.hashes, {index: _hash_of(paths[index]) for index in again}), again
    # Files added, removed or renamed: each looked up by its path.
    position = {path: index for index, path in enumerate(known.paths)}
    known_hashes = tuple(known.hashes)  # each string once, not each position decoded
    hashes, again = [], []
    for index, path in enumerate(paths):
        known_index = position.get(path, -1)
        if known_index >= 0 and stamps.stamp(index) == known.stamp(known_index):
            hashes.append(known_hashes[known_index])
        else:
            hashes.append(_hash_of(path))
            again.append(index)
    return tuple(hashes), again


def _hash_of(path: str) -> str:
    """The hash of a file's bytes; "" when it cannot be read."""
    try:
        with open(path, "rb") as handle:
            return digest_of(handle.read())
    except OSError:
        return ""


def _trusted_next(paths: Sequence[str], stamps: StampColumn, hashes: Sequence[str], again: list[int],
                  known: KnownHashes) -> KnownHashes:
    """What the next scan may trust: every hash but those of the files read again (`again`) that
    changed in the second before this scan, which are "racy" (a second write within the clock's
    resolution could leave their times as they are). The others were trusted already."""
    if paths == known.paths and not again:
        return known
    settled_before = time.time_ns() - _RACY_NS
    racy = {}
    for index in again:
        size, modified, changed, _inode = stamps.stamp(index)
        if not hashes[index] or size < 0 or changed >= settled_before or modified >= settled_before:
            racy[index] = NOT_TRUSTED
    not_trusted = None
    if paths is known.paths and known.not_trusted is not None:  # the same positions: those read again are settled
        not_trusted = tuple(sorted(set(known.not_trusted).difference(again).union(racy)))
    return KnownHashes(paths, stamps.with_stamps(racy), hashes, not_trusted=not_trusted)


def _listing_if_unchanged(known: KnownHashes, content_dir: Path) -> tuple[Sequence[str], tuple[str, ...]] | None:
    """The Markdown and other files of the last scan, if it kept its listing and every folder it
    listed still has its stamp: a file added, removed or renamed changes its folder's times (a
    folder added or removed, its parent's). A stat per folder, not a look at every file: at
    100,000 files in one folder, listing and sorting them is a third of a scan.

    Only a listing of the content folder spelled as this scan spells it (the first folder
    listed): its paths are this build's paths. The same site built as `--site /path/to/site`,
    then as `.` from inside it, would otherwise be given absolute paths under a relative
    content folder."""
    if not known.folders or known.folders[0] != str(content_dir):
        return None
    stamps = array("q")
    try:
        for status in map(os.stat, known.folders):
            stamps.extend((status.st_mtime_ns, status.st_ctime_ns, status.st_ino))
    except OSError:
        return None
    return (known.paths, known.other_files) if stamps == known.folder_stamps else None


def _listing_to_keep(folders: list[tuple[str, os.stat_result | None]],
                     other_files: list[str]) -> tuple[tuple[str, ...], array, tuple[str, ...]]:
    """What the next scan may trust of this one's listing (see KnownHashes.folders): nothing when
    a symbolic link was found (where it leads can change with no folder of the content changing)
    or a folder changed in the last two seconds (it could change again with the same times, as
    a file can: see scan_inputs)."""
    settled_before = time.time_ns() - _RACY_NS
    stamps = array("q")
    for _, status in folders:
        if status is None or status.st_mtime_ns >= settled_before or status.st_ctime_ns >= settled_before:
            return (), array("q"), ()
        stamps.extend((status.st_mtime_ns, status.st_ctime_ns, status.st_ino))
    return tuple(folder for folder, _ in folders), stamps, tuple(other_files)


def file_stamp(path: Path | str) -> str:
    """A file that is copied, not read: hashing every image and PDF on every build would cost
    more than copying them. The change time (ctime) moves whenever the bytes are written and
    cannot be set back, unlike the mtime; with the inode and the size it notices every edit."""
    stat = os.stat(path)
    return f"{stat.st_size}:{stat.st_mtime_ns}:{stat.st_ctime_ns}:{stat.st_ino}"


@functools.cache
def code_key() -> str:
    """The generator's own code and the libraries it renders with, as installed: a build after
    an upgrade (or, in a checkout, an edit of the code) must not trust what older code made.
    Worked out once per process (the scan, the body key and the page key each ask): the code a
    process runs is the code it loaded, whatever happens to the files later."""
    parts = [sys.version]
    package = Path(__file__).parent.parent  # generator/, with every stage's subpackage
    for folder in (package, *sorted(p for p in package.iterdir() if (p / "__init__.py").is_file())):
        for entry in sorted(os.scandir(folder), key=lambda e: e.name):
            if entry.name.endswith(".py"):
                stat = entry.stat()
                parts.append(f"{folder.name}/{entry.name}:{stat.st_size}:{stat.st_mtime_ns}")
    for name in _LIBRARIES:
        spec = importlib.util.find_spec(name)
        origin = spec.origin if spec else None
        if origin and os.path.exists(origin):
            stat = os.stat(origin)
            parts.append(f"{name}:{origin}:{stat.st_size}:{stat.st_mtime_ns}:{stat.st_ino}")
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()


def _theme_digest(config: Config) -> str:
    from ..plan.theme_files import load_theme  # here: only this needs it

    try:
        theme = load_theme(config)
    except BuildFailed:
        return ""  # the build reports it
    digest = hashlib.sha256()
    for _, folder in theme.chain:
        for root, dirnames, filenames in os.walk(folder):
            dirnames.sort()
            for filename in sorted(filenames):
                path = Path(root) / filename
                # Templates and settings are small: hash them. Static files are copied: stamp them.
                if path.is_relative_to(folder / "static"):
                    digest.update(f"{path}\0{file_stamp(path)}\n".encode())
                else:
                    digest.update(f"{path}\0".encode() + path.read_bytes() + b"\n")
    return digest.hexdigest()


def discover(content_dir: Path, site_dir: Path, errors: list[SiteError],
             folders: list[tuple[str, os.stat_result | None]] | None = None) -> tuple[list[str], list[str]]:
    """Markdown files and other files, sorted; hidden files and folders are skipped.

    A symbolic link that leads outside the site folder is refused: what the site
    publishes must be in the site, not wherever a link happens to point. (scandir, not
    os.walk and Path: it knows links and folders without a system call per file.)

    folders, if given, receives each folder listed with its status as it was before it was
    listed, and (path, None) for a symbolic link or a folder that could not be listed."""
    markdown_files: list[str] = []
    other_files: list[str] = []
    site_real = os.path.realpath(site_dir)
    seen = folders if folders is not None else []

    def visit(folder: str) -> None:
        try:
            seen.append((folder, os.stat(folder)))  # before listing it: a change after shows
            entries = sorted(os.scandir(folder), key=attrgetter("name"))
        except OSError:
            seen.append((folder, None))
            return
        for entry in entries:
            if entry.name.startswith("."):
                continue
            if entry.is_symlink():
                seen.append((entry.path, None))
                real = os.path.realpath(entry.path)
                if not real.startswith(site_real + os.sep):
                    errors.append(SiteError(f"symbolic link to {real}, outside the site folder; copy the "
                                            "file into content/ instead", Path(entry.path)))
                    continue
                if entry.is_dir():
                    continue  # folders behind links are not followed (a loop would never end)
            elif entry.is_dir():
                visit(entry.path)
                continue
            (markdown_files if entry.name.endswith((".md", ".markdown")) else other_files).append(entry.path)

    visit(str(content_dir))
    return markdown_files, other_files


def _known_hashes_file(site_dir: Path) -> Path:
    return site_dir / ".cache" / "broadsheet" / "source-hashes.bin"


def _journal_file(site_dir: Path) -> Path:
    return site_dir / ".cache" / "broadsheet" / "source-hashes.journal"


def _identity(status: os.stat_result) -> tuple[int, int, int]:
    """Which known-hashes file a journal adds to: each is written afresh (a new inode)."""
    return status.st_ino, status.st_size, status.st_mtime_ns


def _read_known_hashes(site_dir: Path) -> tuple[KnownHashes, tuple[tuple[int, int, int], int] | None,
                                                tuple[int, ...]]:
    """The hashes the last scan may trust (none when the file is missing or damaged), with the
    file's identity and how many entries its journal changed (None: write it whole next), and
    the position each entry changed (-1: a token)."""
    try:
        with open(_known_hashes_file(site_dir), "rb") as handle:
            identity = _identity(os.fstat(handle.fileno()))
            # Mapped, not read: an edit's build looks at a few of its paths, stamps and hashes
            # (see columns.py), and reads only those pages from the disk: advised random access,
            # as the disk's read-ahead (8 MB here) would read most of the file around them.
            # What reads a whole column asks for it to be read ahead (columns.prefetch).
            data = mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ)
            advise(data, "MADV_RANDOM")
        known = _known_hashes_in(data)
        if known is not None:
            return _with_journal(known, identity, _journal_file(site_dir))
    except (OSError, ValueError, EOFError, TypeError, AttributeError, struct.error):
        pass
    return _NONE_KNOWN, None, ()


# The known-hashes file: _HASHES_FORMAT's line, then the sizes of its parts (_SIZES), the small
# parts (marshal), the paths' starts and the stamps (arrays of "q"), the paths (a TextColumn's
# block) and the hashes (a HashColumn's bytes). All but the small parts are used where they lie
# in the mapped file, not copied: a copy reads every page (200 MB at a million files).
_SIZES = struct.Struct("<4q")  # the small parts' bytes, files, the paths' bytes, a hash's width


def _known_hashes_in(data: mmap.mmap | bytes) -> KnownHashes | None:
    head = (_HASHES_FORMAT + "\n").encode()
    if data[:len(head)] != head:
        return None
    small_size, count, paths_size, width = _SIZES.unpack_from(data, len(head))
    at = len(head) + _SIZES.size
    folders, folder_stamps, other_files, heard, not_trusted, complete = marshal.loads(data[at:at + small_size])
    at += small_size
    starts = memoryview(data)[at:at + 8 * (count + 1)].cast("q")
    at += 8 * (count + 1)
    stamps = StampColumn(data, at, count)
    at += 32 * count
    paths = TextColumn(data, starts, at)
    hashes = HashColumn(data, width, base=at + paths_size, count=count, complete=complete is True)
    if not (len(paths) == len(hashes) == len(stamps) == count and (not count or starts[-1] == paths_size)
            and at + paths_size + width * count == len(data) and width == _HASH_WIDTH):
        return None
    return KnownHashes(paths, stamps, hashes, _split(folders), array("q", folder_stamps), _split(other_files),
                       str(heard), tuple(array("q", not_trusted)))


def _known_hashes_bytes(known: KnownHashes) -> bytes:
    paths = known.paths if isinstance(known.paths, TextColumn) else TextColumn.of(known.paths)
    hashes = known.hashes if isinstance(known.hashes, HashColumn) else HashColumn.of(known.hashes, _HASH_WIDTH)
    small = marshal.dumps(("\0".join(known.folders), known.folder_stamps.tobytes(), "\0".join(known.other_files),
                           known.heard, array("q", _not_trusted(known)).tobytes(), hashes.missing() < 0))
    block = paths.block()
    return b"".join(((_HASHES_FORMAT + "\n").encode(), _SIZES.pack(len(small), len(paths), len(block), _HASH_WIDTH),
                     small, paths.starts.tobytes(), known.stamps.block(), block, hashes.block()))


def _with_journal(known: KnownHashes, identity: tuple[int, int, int],
                  journal: Path) -> tuple[KnownHashes, tuple[tuple[int, int, int], int] | None, tuple[int, ...]]:
    """known with the entries its journal changed since it was written whole, and the position
    each entry changed (-1: a token). A journal of another file is not used; of one cut short or
    damaged, the entries before the damage are (the files of the others are read again), and it
    is not added to: the next save writes all of them."""
    records: list = []
    whole = True  # every entry read as written: the journal can be added to
    try:
        with open(journal, "rb") as handle:
            if marshal.load(handle) != (_HASHES_FORMAT, identity):
                return known, None, ()
            while handle.peek(1):
                records.append(marshal.load(handle))
    except FileNotFoundError:
        return known, (identity, 0), ()
    except (OSError, ValueError, EOFError, TypeError):
        whole = False  # the entries before the damage still hold
    heard, positions = known.heard, []
    stamps: dict[int, tuple[int, ...]] = {}
    hashes: dict[int, str] = {}
    for record in records:
        if type(record) is str:  # the watch daemon's token, after the entries saved with it
            heard = record
            positions.append(-1)
            continue
        try:
            position, path, stamp, hashed = record
            if not (type(position) is int and 0 <= position < len(known.hashes) and known.paths[position] == path
                    and type(hashed) is str and len(hashed) in (0, _HASH_WIDTH) and hashed.isascii()
                    and len(stamp) == 4 and all(type(number) is int and -2**63 <= number < 2**63 for number in stamp)):
                raise ValueError(record)
        except (ValueError, TypeError):
            whole = False
            break
        stamps[position], hashes[position] = tuple(stamp), hashed
        positions.append(position)
    if not positions:
        return known, (identity, 0) if whole else None, ()
    not_trusted = known.not_trusted
    if not_trusted is not None:
        marked = {position for position, stamp in stamps.items() if stamp == NOT_TRUSTED}
        not_trusted = tuple(sorted(set(not_trusted).difference(stamps).union(marked)))
    return (dataclasses.replace(known, stamps=known.stamps.with_stamps(stamps),
                                hashes=_with_hashes(known.hashes, hashes), heard=heard, not_trusted=not_trusted),
            (identity, len(positions)) if whole else None, tuple(positions))


def _with_hashes(hashes: Sequence[str], changed: dict[int, str]) -> Sequence[str]:
    """hashes with those at some positions replaced: a column's bytes copied once, not split."""
    if isinstance(hashes, HashColumn):
        return hashes.with_hashes(changed)
    replaced = list(hashes)
    for position, hashed in changed.items():
        replaced[position] = hashed
    return tuple(replaced)


def _split(joined: str) -> tuple[str, ...]:
    return tuple(joined.split("\0")) if joined else ()


def save_known_hashes(site_dir: Path, inputs: ScannedInputs) -> ScannedInputs:
    """The known hashes for the next scan: the entries read again added to the journal of the file
    this scan read (at a million files, writing them all took 0.8 s), or written whole when the
    files or folders changed, or the journal is long. Then the Markdown files' digests, for the
    known hashes as saved. Returns inputs with the file as saved (`saved_as`)."""
    saved = _save_known_hashes(site_dir, inputs) if inputs.known_hashes_changed else inputs.known_file
    if saved is not None and inputs.markdown_digests is not None \
            and (inputs.known_hashes_changed or not inputs.markdown_digests_kept):
        _keep_markdown_digests(site_dir, saved, inputs.markdown_digests)
    return dataclasses.replace(inputs, saved_as=saved)


def _save_known_hashes(site_dir: Path, inputs: ScannedInputs) -> tuple[tuple[int, int, int], int] | None:
    """Save them; the saved file's identity and number of journal entries, as the next scan will
    read them (None if they could not be saved)."""
    known = inputs.known_hashes
    path = _known_hashes_file(site_dir)
    if inputs.hashes_journal is not None and inputs.known_file is not None:
        identity, positions = inputs.hashes_journal
        try:
            if _identity(path.stat()) == identity:
                journal = _journal_file(site_dir)
                entries = b"".join(marshal.dumps((position, known.paths[position], tuple(known.stamp(position)),
                                                  known.hashes[position])) for position in positions)
                entries += marshal.dumps(known.heard)  # after its entries: a journal cut short keeps an older one
                with open(journal, "ab") as handle:
                    if handle.tell() == 0:
                        handle.write(marshal.dumps((_HASHES_FORMAT, identity)))
                    handle.write(entries)
                return identity, inputs.known_file[1] + len(positions) + 1
        except OSError:
            pass  # written whole, which also starts a new journal
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary = path.with_name(path.name + ".tmp")
        temporary.write_bytes(_known_hashes_bytes(known))
        os.replace(temporary, path)
        _journal_file(site_dir).unlink(missing_ok=True)  # of the file replaced (its identity says so)
        return _identity(path.stat()), 0
    except OSError:
        return None  # the next scan reads every file again


def last_build_file(site_dir: Path) -> Path:
    return site_dir / ".cache" / "broadsheet" / "last-build.json"


def read_last_build(site_dir: Path) -> LastBuild | None:
    """None when there is none or it cannot be read: then the build simply does its work."""
    try:
        data = json.loads(last_build_file(site_dir).read_text(encoding="utf-8"))
        valid_until = datetime.fromisoformat(data["valid_until"]) if data["valid_until"] else None
        found = LastBuild(str(data["inputs"]), str(data["context"]), str(data["plan_key"]), valid_until,
                          int(data["articles"]), int(data["pages"]), int(data["files"]),
                          str(data.get("valid_until_what") or ""), str(data.get("heard") or ""),
                          str(data.get("manifest") or ""))
    except (OSError, ValueError, KeyError, TypeError):
        return None
    return found if found.inputs else None


def write_last_build(site_dir: Path, finished: LastBuild | None) -> None:
    """Record a good build (None: forget the last one, for a build that could not say what it read)."""
    path = last_build_file(site_dir)
    try:
        if finished is None or not finished.inputs:
            path.unlink(missing_ok=True)
            return
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary = path.with_name(path.name + ".tmp")
        temporary.write_text(json.dumps({
            "inputs": finished.inputs, "context": finished.context, "plan_key": finished.plan_key,
            "valid_until": finished.valid_until.isoformat() if finished.valid_until else None,
            "articles": finished.articles, "pages": finished.pages, "files": finished.files,
            "valid_until_what": finished.valid_until_what, "heard": finished.heard, "manifest": finished.manifest,
        }), encoding="utf-8")
        os.replace(temporary, path)
    except OSError:
        pass  # without it the next build only does its work again


def built_hashes_file(site_dir: Path) -> Path:
    return site_dir / ".cache" / "broadsheet" / "last-build-hashes.bin"


# The built hashes' file: a header line (_built_header), a table of the checksums (crc32, 4 bytes
# each) of each run of _BUILT_RUN hashes, then every hash one after another. A run's checksum
# guards the hashes an edit compares and patches, so that neither reads the whole file (64 MB at
# a million files); the header's guards the table, and names the known-hashes file (identity
# and journal's length) that held the same hashes when the build saved them.
_BUILT_RUN = 1024
_NO_KNOWN_FILE = ((0, 0, 0), 0)  # ino 0 is no file's


@dataclass(frozen=True)
class SinceBuilt:
    """What changed_since_built found: the positions (in the scan's Markdown files) whose bytes
    are not those the last good build read, and the file of that build's hashes as compared
    (its identity, header line's length and checksums), which save_built_hashes may then patch
    in place."""

    positions: tuple[int, ...]
    identity: tuple[int, int, int]
    header_size: int
    checksums: bytes = b""


def save_built_hashes(site_dir: Path, inputs: ScannedInputs, since: SinceBuilt | None = None) -> None:
    """The hash of each Markdown file as this good build read it, in the scan's order, for
    changed_since_built; written before the build's record (write_last_build), so that a record
    never names hashes that were not written. Scans between two good builds (a failed build,
    the preview) rewrite the known hashes, not these.

    After an edit's build (since: what it compared with), only the changed hashes, their runs'
    checksums and the header are written in place: the hashes first and the header last, so that
    a build stopped between them leaves a checksum that no longer matches, and the next compares
    with the site store instead."""
    path = built_hashes_file(site_dir)
    hashes = inputs.known_hashes.hashes
    try:
        if "" in hashes:
            path.unlink(missing_ok=True)  # a file with no hash: such a build is no good build anyway
            return
        if since is not None and _patched(path, since, inputs):
            return
        body = hashes_block(hashes, _HASH_WIDTH)
        if body is None:
            path.unlink(missing_ok=True)
            return
        checksums = array("I", (zlib.crc32(body[at:at + _BUILT_RUN * _HASH_WIDTH])
                                for at in range(0, len(body), _BUILT_RUN * _HASH_WIDTH))).tobytes()
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary = path.with_name(path.name + ".tmp")
        with temporary.open("wb") as handle:  # written in parts: not another copy of the body
            handle.write(_built_header(inputs, len(hashes), checksums))
            handle.write(checksums)
            handle.write(body)
        os.replace(temporary, path)
    except OSError:
        pass  # the next edit compares with the site store's digests instead


def _built_header(inputs: ScannedInputs, count: int, checksums: bytes) -> bytes:
    """The built hashes' first line: of one length for one length of digest (numbers with all
    their digits), so that an edit's build can write it in place."""
    (inode, size, modified), entries = inputs.saved_as or _NO_KNOWN_FILE
    return (f"{_BUILT_FORMAT}\0{inputs.digest}\0{inode:020d} {size:020d} {modified:020d} {entries:010d}"
            f"\0{count:012d}\0{zlib.crc32(checksums):010d}\n").encode()


def _patched(path: Path, since: SinceBuilt, inputs: ScannedInputs) -> bool:
    """Write the hashes at since.positions, their runs' checksums and then the header into the
    file changed_since_built compared with, if it is still that file; False if it is not (then
    it is written whole). Every hash but those is as the file holds it (changed_since_built
    compared all that could differ), so a run's checksum is that of the scan's hashes."""
    hashes = inputs.known_hashes.hashes
    checksums = array("I", since.checksums)
    header = _built_header(inputs, len(hashes), b"")
    if len(header) != since.header_size or len(checksums) != -(-len(hashes) // _BUILT_RUN):
        return False
    with open(path, "r+b") as handle:
        if _identity(os.fstat(handle.fileno())) != since.identity:
            return False
        body_at = since.header_size + len(since.checksums)
        for position in since.positions:
            handle.seek(body_at + position * _HASH_WIDTH)
            handle.write(hashes[position].encode("ascii"))
        for run in sorted({position // _BUILT_RUN for position in since.positions}):
            checksums[run] = zlib.crc32(_run_bytes(hashes, run))
        handle.seek(since.header_size)
        handle.write(checksums.tobytes())
        handle.flush()
        handle.seek(0)
        handle.write(_built_header(inputs, len(hashes), checksums.tobytes()))
    return True


def _run_bytes(hashes: Sequence[str], run: int) -> bytes | bytearray:
    start, stop = run * _BUILT_RUN, min(len(hashes), (run + 1) * _BUILT_RUN)
    if isinstance(hashes, HashColumn) and hashes.width == _HASH_WIDTH:
        return hashes.block_of(start, stop)
    return "".join(hashes[start:stop]).encode("ascii")


def changed_since_built(site_dir: Path, last: LastBuild, inputs: ScannedInputs) -> SinceBuilt | None:
    """The files whose bytes are not those the last good build read. Only for a build whose
    context is the last one's (the same files, in the same order: their names are in it). When
    the known hashes this scan read are those the build saved, with a journal added to since,
    only the positions it and this scan changed are compared (the runs holding them read);
    else all, compared whole (in C). None when that build's hashes cannot be had or are damaged
    (a checksum guards them: a change missed would leave a page stale)."""
    hashes = inputs.known_hashes.hashes
    count = len(inputs.known_hashes.paths)  # the scan's Markdown files, in the same order
    if len(hashes) != count or "" in hashes:
        return None
    try:
        with open(built_hashes_file(site_dir), "rb") as handle:
            identity = _identity(os.fstat(handle.fileno()))
            header = handle.readline()
            name, built_from, known_file, stored_count, checksum = header.decode("ascii").rstrip("\n").split("\0")
            if name != _BUILT_FORMAT or built_from != last.inputs or int(stored_count) != count:
                return None
            checksums = handle.read(4 * -(-count // _BUILT_RUN))
            if len(checksums) != 4 * -(-count // _BUILT_RUN) or int(checksum) != zlib.crc32(checksums):
                return None
            body_at = handle.tell()
            found = _compared(handle, array("I", checksums), hashes, _since(known_file, inputs))
            if found == []:  # the digest says a hash changed: compare them all rather than trust nothing
                handle.seek(body_at)
                found = _compared(handle, array("I", checksums), hashes, None)
    except (OSError, ValueError):
        return None
    return None if found is None else SinceBuilt(tuple(found), identity, len(header), checksums)


def _since(known_file: str, inputs: ScannedInputs) -> list[int] | None:
    """The positions whose hashes can differ from the build's, if the build's hashes are the known
    hashes this scan read but for its journal's later entries; None: any can."""
    inode, size, modified, entries = map(int, known_file.split(" "))
    if inode == 0 or inputs.known_file is None or inputs.known_file[0] != (inode, size, modified):
        return None
    if not 0 <= entries <= inputs.known_file[1] or len(inputs.journaled) != inputs.known_file[1]:
        return None
    return sorted({position for position in inputs.journaled[entries:] if position >= 0}.union(inputs.read_again))


def _compared(handle, checksums: array, hashes: Sequence[str], since: list[int] | None) -> list[int] | None:
    """The positions (all, or those in `since`) whose hashes in the file differ from the scan's;
    None when a run read does not match its checksum."""
    body_at, width, run_size = handle.tell(), _HASH_WIDTH, _BUILT_RUN * _HASH_WIDTH
    if since is None:
        body = handle.read()
        now = hashes_block(hashes, width)
        if now is None or len(body) != len(now) or any(
                zlib.crc32(body[at:at + run_size]) != checksums[at // run_size] for at in range(0, len(body), run_size)):
            return None
        return differing_entries(now, body, 0, len(hashes), [], width)
    found: list[int] = []
    for run in sorted({position // _BUILT_RUN for position in since}):
        handle.seek(body_at + run * run_size)
        stored = handle.read(min(run_size, (len(hashes) - run * _BUILT_RUN) * width))
        if zlib.crc32(stored) != checksums[run]:
            return None
        for position in since:
            if position // _BUILT_RUN == run:
                at = (position - run * _BUILT_RUN) * width
                if stored[at:at + width] != hashes[position].encode("ascii"):
                    found.append(position)
    return found
