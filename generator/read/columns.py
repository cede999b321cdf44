"""Columns of strings kept as one block of bytes, each string made only when asked for.

The known hashes (inputs.py) hold a path and a hash for each Markdown file. At a million files,
splitting them into two million strings on every build was 0.4 s, and a build with one edit
asks for a handful of them. These columns keep the bytes as loaded (or mapped) from the file and
answer what the scan asks of the whole column (is this the same column, is a hash missing,
where is this path, the hashes as one block) in C, on the bytes."""

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

    A column with a few hashes replaced keeps the bytes it was made from and the replacements
    beside them (`changed`), rather than a copy of all its bytes: an edit's scan replaces the
    journal's hashes and then the edited file's, and at a million files each copy was 64 MB.
    `block()` joins them once, when a whole block is asked for."""

    __slots__ = ("data", "width", "changed", "_block")

    def __init__(self, data: Buffer, width: int, changed: dict[int, bytes] | None = None):
        self.data = data  # never changed after: columns made from this one may share it
        self.width = width
        self.changed = changed or {}  # position -> its hash's bytes, in place of data's
        self._block: bytes | bytearray | None = None if self.changed else data

    @classmethod
    def of(cls, hashes: Iterable[str], width: int) -> "HashColumn":
        blank = " " * width
        return cls("".join(hashed or blank for hashed in hashes).encode("ascii"), width)

    def __len__(self) -> int:
        return len(self.data) // self.width

    def __getitem__(self, index):  # type: ignore[override]
        if isinstance(index, slice):
            start, stop, step = index.indices(len(self))
            if step != 1:
                return tuple(self)[index]
            text = self.data[start * self.width:max(start, stop) * self.width].decode("ascii", "replace")
            found = [self._hash(text[at:at + self.width]) for at in range(0, len(text), self.width)]
            for position, hashed in self.changed.items():
                if start <= position < stop:
                    found[position - start] = self._hash(hashed.decode("ascii", "replace"))
            return tuple(found)
        position = within(index, len(self))
        if position in self.changed:
            return self._hash(self.changed[position].decode("ascii", "replace"))
        at = position * self.width
        return self._hash(self.data[at:at + self.width].decode("ascii", "replace"))

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
        return next(self._found(b" " * self.width), -1)

    def _found(self, wanted: bytes) -> Iterator[int]:
        """The positions holding `wanted`, in order."""
        replaced = sorted(position for position, hashed in self.changed.items() if hashed == wanted)
        return heapq.merge(self._found_in_data(wanted), replaced)

    def _found_in_data(self, wanted: bytes) -> Iterator[int]:
        at = self.data.find(wanted)
        while at >= 0:
            if at % self.width == 0 and at // self.width not in self.changed:
                yield at // self.width
            at = self.data.find(wanted, at + 1)

    def with_hashes(self, changed: dict[int, str]) -> "HashColumn":
        """This column with the hashes at these positions replaced; it is left as it was. Up to
        _REPLACED_AT_MOST replacements are kept beside the bytes, more are joined with a copy."""
        blank = " " * self.width
        replaced = dict(self.changed)
        for position, hashed in changed.items():
            replaced[within(position, len(self))] = (hashed or blank).encode("ascii")
        if len(replaced) <= _REPLACED_AT_MOST:
            return HashColumn(self.data, self.width, replaced)
        return HashColumn(_joined(self.data, self.width, replaced), self.width)

    def block(self) -> bytes | bytearray:
        """Every hash one after another (joined with the replacements once, then kept)."""
        if self._block is None:
            self._block = _joined(self.data, self.width, self.changed)
        return self._block

    def __eq__(self, other: object) -> bool:
        if other is self:
            return True
        if isinstance(other, HashColumn):
            if self.width != other.width or len(self) != len(other):
                return False
            if self.data is other.data:  # the same bytes: only the replacements can differ
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
        return bytes(self.data[position * self.width:(position + 1) * self.width])

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"HashColumn({len(self)} hashes, {len(self.changed)} replaced)"


# Replacements a hash column keeps beside its bytes (about 150 bytes each) before it copies them.
_REPLACED_AT_MOST = 16_384


def _joined(data: Buffer, width: int, changed: dict[int, bytes]) -> bytearray:
    joined = bytearray(data)
    for position, hashed in changed.items():
        joined[position * width:(position + 1) * width] = hashed
    return joined


def hashes_block(hashes: Sequence[str], width: int) -> bytes | bytearray | None:
    """Every hash one after another, as ASCII, or None when one is missing (or not of the width).
    A column's own block, not a copy of it: not to be changed."""
    if isinstance(hashes, HashColumn) and hashes.width == width:
        return None if hashes.missing() >= 0 else hashes.block()
    block = "".join(hashes).encode("ascii", "replace")
    return block if len(block) == width * len(hashes) else None


def within(index: int, count: int) -> int:
    """A sequence's index (negative from the end) as 0 to count - 1; IndexError past either end."""
    if not -count <= index < count:
        raise IndexError(index)
    return index + count if index < 0 else index
