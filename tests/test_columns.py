"""The known hashes' columns (generator/read/columns.py) answer as the tuples they replace."""

from __future__ import annotations

import mmap
import random

import pytest

from generator.read import columns
from generator.read.columns import HashColumn, TextColumn, hashes_block

ALPHABET = ["a", "b", "/", ".", "-", "é", "ж", "中", "😀", " "]


def random_paths(rng: random.Random, count: int) -> list[str]:
    return ["".join(rng.choice(ALPHABET) for _ in range(rng.randint(0, 6))) for _ in range(count)]


@pytest.mark.parametrize("seed", range(30))
def test_a_text_column_answers_as_the_tuple_of_its_strings(seed, tmp_path):
    rng = random.Random(seed)
    strings = tuple(random_paths(rng, rng.randint(0, 12)))
    made = TextColumn.of(strings)
    # As a file holds it: the block after other bytes, mapped.
    prefix = bytes(rng.randint(0, 255) for _ in range(rng.randint(0, 9)))
    file = tmp_path / "column"
    file.write_bytes(prefix + made.block() + b"tail")
    with open(file, "rb") as handle:
        mapped = mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ)
    for column in (made, TextColumn(mapped, made.starts, len(prefix))):
        assert len(column) == len(strings)
        assert tuple(column) == strings and list(iter(column)) == list(strings)
        assert column == strings and column == TextColumn.of(strings) and column == column
        assert column != strings + ("x",)
        for index in range(-len(strings), len(strings)):
            assert column[index] == strings[index]
        for _ in range(10):
            start, stop = rng.randint(-15, 15), rng.randint(-15, 15)
            assert column[start:stop] == strings[start:stop]
            assert column[start:stop:2] == strings[start:stop:2]
        for wanted in [*strings, *random_paths(rng, 5)]:
            assert (wanted in column) == (wanted in strings)
            if wanted in strings:
                assert column.index(wanted) == strings.index(wanted)
            else:
                with pytest.raises(ValueError):
                    column.index(wanted)
        with pytest.raises(IndexError):
            column[len(strings)]
        assert column.block() == made.block()


@pytest.mark.parametrize("seed", range(30))
def test_a_hash_column_answers_as_the_tuple_of_its_hashes(seed):
    rng = random.Random(seed)
    width = 4
    hashes = tuple("" if rng.random() < 0.2 else "".join(rng.choice("0123456789abcdef") for _ in range(width))
                   for _ in range(rng.randint(0, 12)))
    column = HashColumn.of(hashes, width)
    assert len(column) == len(hashes) and tuple(column) == hashes and column == hashes
    assert ("" in column) == ("" in hashes)
    assert hashes_block(column, width) == hashes_block(hashes, width)
    assert (hashes_block(hashes, width) is None) == ("" in hashes)
    for index in range(-len(hashes), len(hashes)):
        assert column[index] == hashes[index]
    for _ in range(10):
        start, stop = rng.randint(-15, 15), rng.randint(-15, 15)
        assert column[start:stop] == hashes[start:stop]
    for wanted in (*hashes, "ffff", "0000"):
        assert (wanted in column) == (wanted in hashes)
    if hashes:
        changed = {rng.randrange(len(hashes)): rng.choice(["", "abcd", "1234"]) for _ in range(3)}
        expected = list(hashes)
        for position, hashed in changed.items():
            expected[position] = hashed
        replaced = column.with_hashes(changed)
        assert tuple(replaced) == tuple(expected) and tuple(column) == hashes  # a copy: the column is as it was
        assert (replaced == column) == (tuple(expected) == hashes)


@pytest.mark.parametrize("seed", range(40))
def test_a_hash_column_with_hashes_replaced_again_and_again_answers_as_the_tuple(seed, monkeypatch):
    """An edit's scan replaces hashes twice (the journal's, then the edited file's) without a copy
    of the column; past a bound it joins them. Either way it answers as the tuple would."""
    rng = random.Random(seed)
    monkeypatch.setattr(columns, "_REPLACED_AT_MOST", rng.choice([0, 2, 5, 1000]))
    width = 4
    choices = ["", "abcd", "1234", "ffff"]
    expected = [rng.choice(choices) for _ in range(rng.randint(1, 15))]
    column = HashColumn.of(expected, width)
    before = [(column, tuple(expected))]
    for _ in range(rng.randint(1, 6)):
        changed = {rng.randrange(-len(expected), len(expected)): rng.choice(choices) for _ in range(rng.randint(0, 4))}
        for position, hashed in changed.items():
            expected[position] = hashed
        column = column.with_hashes(changed)
        before.append((column, tuple(expected)))
    hashes = tuple(expected)
    assert len(column) == len(hashes) and tuple(column) == hashes and list(iter(column)) == list(hashes)
    for index in range(-len(hashes), len(hashes)):
        assert column[index] == hashes[index]
    for _ in range(10):
        start, stop = rng.randint(-18, 18), rng.randint(-18, 18)
        assert column[start:stop] == hashes[start:stop]
    for wanted in choices:
        assert (wanted in column) == (wanted in hashes)
    assert column.missing() == (hashes.index("") if "" in hashes else -1)
    assert hashes_block(column, width) == hashes_block(hashes, width)
    assert bytes(column.block()) == HashColumn.of(hashes, width).block()
    for earlier, its_hashes in before:  # each column as it was made, and equal where the hashes are
        assert tuple(earlier) == its_hashes
        assert (earlier == column) == (its_hashes == hashes) == (column == earlier)
        assert (earlier == HashColumn.of(hashes, width)) == (its_hashes == hashes)


@pytest.mark.parametrize("count, per_page", [(0, 10), (1, 10), (10, 10), (11, 10), (95, 7), (3, 1)])
def test_a_lists_pages_made_when_asked_for_are_those_made_all_at_once(count, per_page):
    # model/site.py's ListPages makes each page when asked for; the pages must be the ones a
    # list of all of them, made in one go, held.
    from generator.model.site import ListPage, paginate

    articles = tuple(f"article {n}" for n in range(count))
    path_of = (lambda n: "/news/" if n == 1 else f"/news/page/{n}/")
    pages = paginate(articles, per_page, path_of)  # type: ignore[arg-type]
    total = max(1, -(-count // per_page))
    paths = tuple(path_of(n) for n in range(1, total + 1))
    eager = tuple(ListPage(paths[n - 1], n, total, articles[(n - 1) * per_page:n * per_page], paths)
                  for n in range(1, total + 1))
    assert len(pages) == total and tuple(pages) == eager and pages == eager
    assert [pages[n] for n in range(-total, total)] == [*eager, *eager]
    assert pages[1:] == eager[1:] and tuple(pages[0].paths) == paths and pages[-1].paths[-1] == paths[-1]
    with pytest.raises(IndexError):
        pages[total]


def test_the_entries_that_differ_are_found_among_stamps_and_among_hashes():
    # An edit's scan finds the changed files by comparing halves of the columns, as views of
    # 8-byte numbers (inputs._differing): every changed entry, and only those, whatever byte of it.
    from array import array

    from generator.read.columns import differing_entries as _differing

    chosen = random.Random(14)
    for _ in range(200):
        count = chosen.randint(1, 300)
        changed = sorted(chosen.sample(range(count), chosen.randint(0, min(count, 5))))
        stamps = array("q", [chosen.randint(-5, 5) for _ in range(4 * count)])
        edited = array("q", stamps)
        hashes = bytes(chosen.choice(b"0123456789abcdef") for _ in range(64 * count))
        rehashed = bytearray(hashes)
        for position in changed:
            edited[4 * position + chosen.randint(0, 3)] += 1
            rehashed[64 * position + chosen.randint(0, 63)] ^= 1
        assert _differing(edited, stamps, 0, count, []) == changed
        assert _differing(bytes(rehashed), hashes, 0, count, [], 64) == changed


@pytest.mark.parametrize("seed", range(30))
def test_a_stamp_column_with_stamps_replaced_answers_as_the_list_of_its_stamps(seed, tmp_path):
    """The known stamps as mapped from their file, with an edit's stamps replaced beside them:
    each stamp, the whole block, where a stamp is, and which stamps differ from another column's,
    as a plain list of the stamps would say."""
    from array import array

    from generator.read.columns import StampColumn

    rng = random.Random(seed)
    choices = [(1, 2, 3, 4), (-1, -1, -1, -1), (5, 6, 7, 8), (1, 2, 3, 5)]
    expected = [rng.choice(choices) for _ in range(rng.randint(0, 12))]
    numbers = array("q", [number for stamp in expected for number in stamp])
    prefix = bytes(rng.randrange(256) for _ in range(rng.randint(0, 9)))  # not aligned to 8 bytes
    (tmp_path / "stamps").write_bytes(prefix + numbers.tobytes() + b"after")
    with open(tmp_path / "stamps", "rb") as handle:
        mapped = mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ)
    column = original = StampColumn(mapped, len(prefix), len(expected))
    first = list(expected)
    for _ in range(rng.randint(0, 3)):
        if not expected:
            break
        changed = {rng.randrange(len(expected)): rng.choice(choices) for _ in range(rng.randint(1, 3))}
        for position, stamp in changed.items():
            expected[position] = stamp
        column = column.with_stamps(changed)
    assert len(column) == len(expected) and [column.stamp(n) for n in range(len(expected))] == expected
    plain = StampColumn.of(array("q", [number for stamp in expected for number in stamp]))
    assert column.block() == plain.block() and column == plain and plain == column
    for stamp in choices:
        assert column.positions_of(stamp) == [n for n, each in enumerate(expected) if each == stamp]
    differing = [n for n in range(len(expected)) if expected[n] != first[n]]
    assert column.differing(original) == differing == plain.differing(original) == original.differing(column)
    assert (column == original) == (not differing)


def test_discover_lists_paths_in_the_order_an_edits_scan_bisects(tmp_path):
    # An edit's scan finds the edited file's position by bisection on its list of names
    # (inputs._position_in_order): discover's order must be that order, whatever the names.
    from generator.read.inputs import _position_in_order, discover

    names = ["a.md", "a/b.md", "a-b.md", "a b.md", "A.md", "a0.md", "a/a/z.md", "a/a.md", "ab/c.md",
             "é.md", "z/é/é.md", "Zebra.md", "a.markdown", "b/.hidden.md", "b/c/d/e.md", "b/c.md"]
    for name in names:
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text("x")
    paths, _ = discover(tmp_path, tmp_path, [])
    assert len(paths) == len(names) - 1  # the hidden one is left out
    assert paths == sorted(paths, key=lambda path: path.split("/"))
    column = TextColumn.of(paths)
    for position, path in enumerate(paths):
        assert _position_in_order(column, path) == position == _position_in_order(tuple(paths), path)
    assert _position_in_order(column, str(tmp_path / "nothing.md")) == -1
