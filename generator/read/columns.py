"""Columns of strings and stamps kept as one block of bytes, each item made only when asked for.

The known hashes (inputs.py) hold a path, a stamp and a hash for each Markdown file. At a
million files, splitting them into two million strings on every build was 0.4 s, and a build
with one edit asks for a handful of them. These columns keep the bytes where they lie in the
mapped file (so that the disk is read only where a build looks: after a pause, reading all of
them back took seconds) and answer what the scan asks of the whole column (is this the same
column, is a hash missing, which stamps differ, the hashes as one block) in C, on the bytes."""

from __future__ import annotations

import bisect
import heapq
import mmap
from array import array
from collections.abc import Iterable, Iterator, Sequence
from itertools import accumulate
from typing import TypeVar

Buffer = bytes | bytearray | mmap.mmap
T = TypeVar("T")


class LazySequence(Sequence[T]):
    """A sequence whose items are made when asked for (`item(n)`, 0 <= n < len), equal to any
    sequence of the same items."""

    __slots__ = ()

    def item(self, n: int) -> T:
        raise NotImplementedError

    def __getitem__(self, index):  # type: ignore[override]
        if isinstance(index, slice):
            return tuple(self.item(n) for n in range(*index.indices(len(self))))
        return self.item(within(index, len(self)))

    def __eq__(self, other: object) -> bool:
        return other is self or (isinstance(other, Sequence) and len(other) == len(self)
                                 and tuple(self) == tuple(other))

    def __hash__(self) -> int:
        return hash(tuple(self))


class TextColumn(Sequence[str]):
    """Strings (without NUL) as UTF-8, each between NULs: b"\\0one\\0two\\0", from data[base:],
    with where each starts after base (starts[i]; one more entry, after the last NUL)."""

    __slots__ = ("data", "starts", "base")

    def __init__(self, data: Buffer, starts: array, base: int = 0):
        self.data = data
        self.starts = starts
        self.base = base

    @classmethod
    def of(cls, strings: Sequence[str]) -> "TextColumn":
        text = "\0" + "\0".join(strings) + "\0" if strings else "\0"
        data = text.encode()
        # Where each starts, in one pass in C: counted in characters, which are bytes when all are ASCII.
        lengths = map(len, strings) if len(data) == len(text) else (len(string.encode()) for string in strings)
        return cls(data, array("q", accumulate((length + 1 for length in lengths), initial=1)))

    def block(self) -> bytes:
        """The column's bytes (b"\\0one\\0two\\0"), for a file; starts are relative to it."""
        prefetch(self.data, self.base, self.base + self.starts[-1])
        return bytes(self.data[self.base:self.base + self.starts[-1]])

    def __len__(self) -> int:
        return len(self.starts) - 1

    def __getitem__(self, index):  # type: ignore[override]
        if isinstance(index, slice):
            start, stop, step = index.indices(len(self))
            if step != 1:
                return tuple(self)[index]
            if start >= stop:
                return ()
            prefetch(self.data, self.base + self.starts[start], self.base + self.starts[stop])
            return tuple(self.data[self.base + self.starts[start]:self.base + self.starts[stop] - 1]
                         .decode(errors="surrogateescape").split("\0"))
        at = within(index, len(self))
        # Bytes a damaged file made invalid give a name no file has, not an error.
        start, stop = self.base + self.starts[at], self.base + self.starts[at + 1] - 1
        return self.data[start:stop].decode(errors="surrogateescape")

    def __iter__(self) -> Iterator[str]:
        return iter(self[0:len(self)])

    def index(self, value: str, start: int = 0, stop: int | None = None) -> int:  # type: ignore[override]
        """Where value is first (in C: a search of the bytes, then a bisection of the starts)."""
        stop = len(self) if stop is None else stop
        if "\0" not in value and 0 <= start < stop <= len(self):
            prefetch(self.data, self.base + self.starts[start], self.base + self.starts[stop])
            found = self.data.find(b"\0" + value.encode() + b"\0", self.base + self.starts[start] - 1,
                                   self.base + self.starts[stop])
            if found >= 0:
                return bisect.bisect_left(self.starts, found + 1 - self.base)
        raise ValueError(f"{value!r} is not in the column")

    def __contains__(self, value: object) -> bool:
        try:
            return isinstance(value, str) and self.index(value) >= 0
        except ValueError:
            return False

    def __eq__(self, other: object) -> bool:
        if other is self:
            return True
        if isinstance(other, TextColumn):
            return len(self) == len(other) and self.block() == other.block()
        return isinstance(other, Sequence) and len(other) == len(self) and tuple(self) == tuple(other)

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"TextColumn({len(self)} strings)"


class HashColumn(Sequence[str]):
    """Hashes of one width as ASCII, one after another; a missing hash ("") as that many spaces.
    They are `count` hashes from data[base:] (all of data by default), so that a column can be
    the part of a mapped file that holds them, read from the disk only where it is looked at.

    A column with a few hashes replaced keeps the bytes it was made from and the replacements
    beside them (`changed`), rather than a copy of all its bytes: an edit's scan replaces the
    journal's hashes and then the edited file's, and at a million files each copy was 64 MB.
    `block()` joins them once, when a whole block is asked for. `complete`: data's hashes are
    known to have none missing (the file said so), so that missing() looks only at `changed`."""

    __slots__ = ("data", "width", "changed", "base", "count", "complete", "_block")

    def __init__(self, data: Buffer, width: int, changed: dict[int, bytes] | None = None, base: int = 0,
                 count: int | None = None, complete: bool = False):
        self.data = data  # never changed after: columns made from this one may share it
        self.width = width
        self.changed = changed or {}  # position -> its hash's bytes, in place of data's
        self.base = base
        self.count = (len(data) - base) // width if count is None else count
        self.complete = complete
        whole = base == 0 and len(data) == self.count * width and not isinstance(data, mmap.mmap)
        self._block: bytes | bytearray | None = data if whole and not self.changed else None  # type: ignore[assignment]

    @classmethod
    def of(cls, hashes: Iterable[str], width: int) -> "HashColumn":
        blank = " " * width
        return cls("".join(hashed or blank for hashed in hashes).encode("ascii"), width)

    def __len__(self) -> int:
        return self.count

    def __getitem__(self, index):  # type: ignore[override]
        if isinstance(index, slice):
            start, stop, step = index.indices(len(self))
            if step != 1:
                return tuple(self)[index]
            prefetch(self.data, self.base + start * self.width, self.base + stop * self.width)
            text = self.data[self.base + start * self.width:self.base + max(start, stop) * self.width] \
                .decode("ascii", "replace")
            found = [self._hash(text[at:at + self.width]) for at in range(0, len(text), self.width)]
            for position, hashed in self.changed.items():
                if start <= position < stop:
                    found[position - start] = self._hash(hashed.decode("ascii", "replace"))
            return tuple(found)
        return self._hash(self._bytes_at(within(index, len(self))).decode("ascii", "replace"))

    def _hash(self, text: str) -> str:
        return "" if text[0] == " " else text

    def __iter__(self) -> Iterator[str]:
        return iter(self[0:len(self)])

    def __contains__(self, value: object) -> bool:
        if value == "":
            return self.missing() >= 0
        return isinstance(value, str) and len(value) == self.width and any(True for _ in self._found(value.encode()))

    def missing(self) -> int:
        """The position of the first missing hash, or -1."""
        blank = b" " * self.width
        if self.complete:
            return min((position for position, hashed in self.changed.items() if hashed == blank), default=-1)
        return next(self._found(blank), -1)

    def _found(self, wanted: bytes) -> Iterator[int]:
        """The positions holding `wanted`, in order."""
        replaced = sorted(position for position, hashed in self.changed.items() if hashed == wanted)
        return heapq.merge(self._found_in_data(wanted), replaced)

    def _found_in_data(self, wanted: bytes) -> Iterator[int]:
        end = self.base + self.count * self.width
        prefetch(self.data, self.base, end)
        at = self.data.find(wanted, self.base, end)
        while at >= 0:
            position, offset = divmod(at - self.base, self.width)
            if offset == 0 and position not in self.changed:
                yield position
            at = self.data.find(wanted, at + 1, end)

    def with_hashes(self, changed: dict[int, str]) -> "HashColumn":
        """This column with the hashes at these positions replaced; it is left as it was. Up to
        _REPLACED_AT_MOST replacements are kept beside the bytes, more are joined with a copy."""
        blank = " " * self.width
        replaced = dict(self.changed)
        for position, hashed in changed.items():
            replaced[within(position, len(self))] = (hashed or blank).encode("ascii")
        column = HashColumn(self.data, self.width, replaced, self.base, self.count, self.complete)
        return column if len(replaced) <= _REPLACED_AT_MOST else HashColumn(column.block_of(0, len(self)), self.width)

    def block(self) -> bytes | bytearray:
        """Every hash one after another (joined with the replacements once, then kept)."""
        if self._block is None:
            self._block = self.block_of(0, len(self))
        return self._block

    def block_of(self, start: int, stop: int) -> bytearray:
        """The hashes from position start to stop, one after another, as a copy."""
        stop = max(start, min(stop, len(self)))
        prefetch(self.data, self.base + start * self.width, self.base + stop * self.width)
        joined = bytearray(self.data[self.base + start * self.width:self.base + stop * self.width])
        for position, hashed in self.changed.items():
            if start <= position < stop:
                joined[(position - start) * self.width:(position - start + 1) * self.width] = hashed
        return joined

    def __eq__(self, other: object) -> bool:
        if other is self:
            return True
        if isinstance(other, HashColumn):
            if self.width != other.width or len(self) != len(other):
                return False
            if self.data is other.data and self.base == other.base:  # the same bytes: only the replacements can differ
                return all(self._bytes_at(position) == other._bytes_at(position)
                           for position in self.changed.keys() | other.changed.keys())
            # bytes and bytearrays compare in C, without a copy; a map does not
            mine, theirs = (data if isinstance(data, (bytes, bytearray)) else bytes(data)
                            for data in (self.block(), other.block()))
            return mine == theirs
        return isinstance(other, Sequence) and len(other) == len(self) and tuple(self) == tuple(other)

    def _bytes_at(self, position: int) -> bytes:
        if position in self.changed:
            return self.changed[position]
        at = self.base + position * self.width
        return bytes(self.data[at:at + self.width])

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"HashColumn({len(self)} hashes, {len(self.changed)} replaced)"


class StampColumn:
    """Stamps of four 8-byte numbers each (see inputs.KnownHashes), `count` of them from
    data[base:], with some replaced (`changed`) as in a HashColumn: a column of a mapped file is
    read from the disk only where it is looked at, and an edit replaces a few stamps without a
    copy of them all (32 MB at a million files)."""

    __slots__ = ("data", "base", "numbers", "changed")

    def __init__(self, data: Buffer, base: int = 0, count: int | None = None,
                 changed: dict[int, tuple[int, ...]] | None = None):
        count = (len(data) - base) // _STAMP_BYTES if count is None else count
        self.data = data  # never changed after: columns made from this one share it
        self.base = base
        self.numbers = memoryview(data)[base:base + count * _STAMP_BYTES].cast("q")  # a view: nothing copied
        self.changed = changed or {}  # position -> its stamp, in place of data's

    @classmethod
    def of(cls, numbers: array) -> "StampColumn":
        return cls(numbers.tobytes())

    def __len__(self) -> int:
        return len(self.numbers) // 4

    def stamp(self, position: int) -> tuple[int, ...]:
        found = self.changed.get(position)
        if found is not None:
            return found
        at = 4 * within(position, len(self))
        return tuple(self.numbers[at:at + 4])

    def with_stamps(self, changed: dict[int, tuple[int, ...]]) -> "StampColumn":
        """This column with the stamps at these positions replaced; it is left as it was."""
        replaced = dict(self.changed)
        for position, stamp in changed.items():
            replaced[within(position, len(self))] = tuple(stamp)
        return StampColumn(self.data, self.base, len(self), replaced)

    def block(self) -> bytes:
        """Every stamp's numbers, one after another, as bytes (for a file)."""
        self._prefetch()
        if not self.changed:
            return self.numbers.tobytes()
        numbers = array("q", self.numbers)
        for position, stamp in self.changed.items():
            numbers[4 * position:4 * position + 4] = array("q", stamp)
        return numbers.tobytes()

    def differing(self, other: "StampColumn") -> list[int]:
        """The positions whose stamps differ from other's (a column of the same length): only the
        replacements looked at when both share their numbers, else halves compared in C."""
        if self._shares_numbers(other):
            return sorted(position for position in self.changed.keys() | other.changed.keys()
                          if self.stamp(position) != other.stamp(position))
        self._prefetch()
        other._prefetch()
        mine, theirs = (column.numbers if not column.changed else memoryview(column.block()).cast("q")
                        for column in (self, other))
        return differing_entries(mine, theirs, 0, len(self), [], 4)

    def _prefetch(self) -> None:
        prefetch(self.data, self.base, self.base + len(self.numbers) * 8)

    def _shares_numbers(self, other: "StampColumn") -> bool:
        return self.data is other.data and self.base == other.base and len(self) == len(other)

    def positions_of(self, stamp: tuple[int, ...]) -> list[int]:
        """The positions holding this stamp: data's bytes searched (in C), and the replacements."""
        pattern, end = array("q", stamp).tobytes(), self.base + len(self.numbers) * 8
        self._prefetch()
        found = []
        at = self.data.find(pattern, self.base, end)
        while at >= 0:
            position, offset = divmod(at - self.base, _STAMP_BYTES)
            if offset == 0 and position not in self.changed:
                found.append(position)
            at = self.data.find(pattern, at + 8, end)
        return sorted(found + [position for position, kept in self.changed.items() if kept == tuple(stamp)])

    def __eq__(self, other: object) -> bool:
        if other is self:
            return True
        if not isinstance(other, StampColumn) or len(self) != len(other):
            return False
        if self._shares_numbers(other):
            return all(self.stamp(position) == other.stamp(position)
                       for position in self.changed.keys() | other.changed.keys())
        return not self.differing(other)

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"StampColumn({len(self)} stamps, {len(self.changed)} replaced)"


_STAMP_BYTES = 32


# Replacements a hash column keeps beside its bytes (about 150 bytes each) before it copies them.
_REPLACED_AT_MOST = 16_384


def hashes_block(hashes: Sequence[str], width: int) -> bytes | bytearray | None:
    """Every hash one after another, as ASCII, or None when one is missing (or not of the width).
    A column's own block, not a copy of it: not to be changed."""
    if isinstance(hashes, HashColumn) and hashes.width == width:
        return None if hashes.missing() >= 0 else hashes.block()
    block = "".join(hashes).encode("ascii", "replace")
    return block if len(block) == width * len(hashes) else None


def differing_entries(now: array | bytes | bytearray | memoryview, then: array | bytes | bytearray | memoryview,
                      start: int, end: int, found: list[int], width: int = 4) -> list[int]:
    """found, with the positions from start to end whose entries (`width` items each: a stamp's
    four numbers, a hash's characters) differ between now and then: halves compared whole (in C),
    down to the entries that differ, so that an edit of one file among 100,000 costs a few
    milliseconds, not a loop over all of them."""
    # Compared as views of 8-byte numbers: a slice of an array or of bytes is a copy (at a million
    # files, the halves copied came to 400 MB per edit), and a view of single bytes compares them
    # one at a time. An entry is 32 bytes (a stamp) or 64 (a hash's characters).
    scale = memoryview(now).itemsize * width // 8
    return _differing_views(memoryview(now).cast("B").cast("q"), memoryview(then).cast("B").cast("q"),
                            start, end, found, scale)


def _differing_views(now: memoryview, then: memoryview, start: int, end: int, found: list[int],
                     width: int) -> list[int]:
    if now[width * start:width * end] != then[width * start:width * end]:
        if end - start == 1:
            found.append(start)
        else:
            middle = (start + end) // 2
            _differing_views(now, then, start, middle, found, width)
            _differing_views(now, then, middle, end, found, width)
    return found


def prefetch(data: Buffer, start: int, stop: int) -> None:
    """Ask for data[start:stop] to be read ahead, when it is a large part of a map about to be read
    through: a map of the known hashes is advised random access (an edit looks at a few pages of
    it, and the disk's read-ahead of 8 MB per page looked at read most of it back), which would
    otherwise read a whole column a page at a time."""
    if isinstance(data, mmap.mmap) and stop - start >= 1 << 20:
        advise(data, "MADV_WILLNEED", start, stop)


def advise(data: mmap.mmap, advice: str, start: int = 0, stop: int | None = None) -> None:
    """Advise the system how data[start:stop] will be read (mmap's MADV_RANDOM, MADV_WILLNEED):
    only advice, so nothing where the system has no such call (Windows) or refuses it."""
    aligned = start - start % mmap.PAGESIZE
    stop = len(data) if stop is None else min(stop, len(data))
    if stop > aligned and hasattr(data, "madvise") and hasattr(mmap, advice):
        try:
            data.madvise(getattr(mmap, advice), aligned, stop - aligned)
        except (OSError, ValueError):
            pass


def within(index: int, count: int) -> int:
    """A sequence's index (negative from the end) as 0 to count - 1; IndexError past either end."""
    if not -count <= index < count:
        raise IndexError(index)
    return index + count if index < 0 else index
