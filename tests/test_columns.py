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

    from generator.read.inputs import _differing

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
