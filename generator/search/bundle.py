"""A shard's Pagefind bundle, written here from its records: the index Pagefind 1.5 would write.

Pagefind spends most of a shard's indexing compressing its files at gzip's slowest level, which
cannot be changed (2 s of CPU for 500 articles: 40 s for a 10,000-article site, on two cores).
What a word becomes in the index (lowercased, stripped of punctuation, split into its parts,
stemmed, its accents kept as a variant) must agree with what the browser's half of Pagefind
does to a query, so that is left to Pagefind: it indexes each distinct word of the shard once,
as one record with a word at each position (`vocabulary`), and the index says what each word
became. The rest is the bookkeeping of Pagefind's `index/mod.rs` (1.5.2), done here: positions
per page and per meta field, variants, fragments, filters, sort orders, the chunks of the word
index and the files' content-hashed names, compressed at zlib's level 4.

tests/test_search_bundle.py runs Pagefind itself on the same records and checks that both
bundles hold the same data, file by file, once decompressed. Only the versions in FORMATS are
written here; with another Pagefind, it indexes the records itself (search/pagefind.py).
"""

from __future__ import annotations

import dataclasses
import functools
import gc
import gzip
import hashlib
import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from operator import sub

from .pagefind import Record

FORMATS = ("1.5.",)  # Pagefind versions whose bundle this module writes
SIGNATURE = b"pagefind_dcd"  # what each compressed file starts with, once decompressed
CHUNK_SIZE = 20000  # positions per word-index chunk (Pagefind's default_index_chunk_size)
WORD_WEIGHT = 24  # a word's weight when nothing in the record weights it
DEFAULT_WEIGHT = 25  # the weight a position list starts from (Pagefind's "weight 1")
COMPRESSION = 4  # zlib level 4: a fifth of level 9's time (Pagefind's), 3% larger files than level 6
RUNTIME = ("pagefind.js", "wasm.unknown.pagefind")  # besides the language's own WebAssembly

# Pagefind's markers in a record (___PAGEFIND_WEIGHT___2 and the like) and zero-width spaces,
# which it drops from words: taken out of records before either side sees them (see clean).
_PRIVATE = re.compile(r"___(?:END_)?PAGEFIND_\S*\s?")
# Characters Python's str.split() takes for spaces and Rust's split_whitespace() does not.
_UNSHARED_SPACES = str.maketrans({"\x1c": " ", "\x1d": " ", "\x1e": " ", "\x1f": " ", "\u200b": None})


_TO_CLEAN = re.compile(r"[\x1c-\x1f\u200b]|___(?:END_)?PAGEFIND_")


def clean(text: str) -> str:
    """Text as both Pagefind and this module split it into the same words."""
    if _TO_CLEAN.search(text) is None:  # nearly always: one scan instead of a translation
        return text
    return _PRIVATE.sub("", text.translate(_UNSHARED_SPACES))


def supported(version: str) -> bool:
    return version.startswith(FORMATS)


# An index word as Pagefind makes it from one word of a record: its stemmed form, the form with
# its accents when it had any (a variant), and its weight in body text (parts of a compound
# word share the word's weight).
Entry = tuple[str, "str | None", int]


@dataclass(frozen=True)
class Vocabulary:
    """How Pagefind indexes words, and the runtime files of its bundle for the language."""

    entries: dict[str, tuple[Entry, ...]]
    runtime: dict[str, bytes]
    wasm: bool  # whether the language has WebAssembly of its own (a stemmer)
    version: str  # Pagefind's, as its entry file gives it
    include_characters: list[str]  # what its entry file lists (the characters kept inside words)

    @functools.cached_property
    def plain(self) -> dict[str, str]:
        """Word -> its index word, for the words indexed as one index word, without a variant,
        at the usual weight (a fast path beside entries: the same positions either way)."""
        return {word: found[0][0] for word, found in self.entries.items()
                if len(found) == 1 and found[0][1] is None and found[0][2] == WORD_WEIGHT}


def index(records: Sequence[Record], language: str) -> dict[str, bytes]:
    """The records' bundle: written here when the installed Pagefind's format is one this module
    follows, else by Pagefind itself. The records must be clean (see clean)."""
    from . import pagefind

    if not supported(pagefind.version()):
        return pagefind.bundle(records, language)
    return write_bundle(records, language, _vocabulary_for(records, language))


def learn(records: Sequence[Record], language: str) -> None:
    """Ask Pagefind about all the words of these records at once (shards about to be indexed
    here one after another: one Pagefind run instead of one each)."""
    from . import pagefind

    if supported(pagefind.version()):
        _vocabulary_for(records, language)


# What this process has learnt of Pagefind's words, by language: a worker indexing one shard after
# another asks Pagefind only about the words that the shard before did not have. Only the words
# of the last shard asked about are kept: every article's date (a meta field) is a word of its
# own, so keeping every shard's words grew by some 900 bytes an article (90 MB at 100,000, in a
# build indexing in one process), for words never asked about again.
_LEARNT: dict[str, Vocabulary] = {}


def _vocabulary_for(records: Sequence[Record], language: str) -> Vocabulary:
    learnt = _LEARNT.get(language)
    words = every = distinct_words(records)
    if learnt is not None:
        words = [word for word in words if word not in learnt.entries]
        if not words:
            return learnt
    asked = vocabulary(words, language)
    if learnt is not None:
        # The runtime files of a run that indexed some word (one that did not has no WebAssembly).
        base = asked if asked.wasm or not learnt.wasm else learnt
        known = learnt.entries | asked.entries
        asked = dataclasses.replace(base, entries={word: known[word] for word in every if word in known})
    _LEARNT[language] = asked
    return asked


def vocabulary(words: Sequence[str], language: str) -> Vocabulary:
    """Ask Pagefind how it indexes these distinct words (none with a space)."""
    from . import pagefind

    files = pagefind.bundle([Record("/", " ".join(words), {}, {}, {})], language)
    return vocabulary_from_bundle(words, files, language)


def vocabulary_from_bundle(words: Sequence[str], files: dict[str, bytes], language: str) -> Vocabulary:
    """Read back the bundle of one record holding `words`, the word at position n being words[n]."""
    entries: list[list[Entry]] = [[] for _ in words]
    for path, data in files.items():
        if not path.startswith("index/"):
            continue
        for word, pages, variants in decode(data)[0]:
            for _page, locs, _meta in pages:
                for position, weight in _positions(locs):
                    entries[position].append((word, None, weight))
            for form, variant_pages in variants:
                for _page, locs, _meta in variant_pages:
                    for position, weight in _positions(locs):
                        entries[position].append((word, form, weight))
    wasm = f"wasm.{language}.pagefind"
    runtime = {path: files[path] for path in (*RUNTIME, wasm) if path in files}
    entry = json.loads(files["pagefind-entry.json"])
    return Vocabulary(dict(zip(words, map(tuple, entries))), runtime, wasm in files, entry["version"],
                      entry.get("include_characters", []))


def _positions(locs: Sequence[int]) -> Iterable[tuple[int, int]]:
    """(position, weight) from a position list: differences from the last position, a negative
    number giving the weight of those after it and followed by a whole position."""
    weight, position, whole = DEFAULT_WEIGHT, 0, False
    for value in locs:
        if value < 0:
            weight, whole = -value - 1, True
            continue
        position = value if whole else position + value
        whole = False
        yield position, weight


def decode(data: bytes):
    """A compressed file of a bundle, its CBOR decoded."""
    raw = gzip.decompress(data)
    if not raw.startswith(SIGNATURE):
        raise ValueError("not a Pagefind file")
    return decode_cbor(raw[len(SIGNATURE):])


@dataclass
class _Page:
    record: Record
    number: int
    words: list[str]
    body: dict[str, list[int]]  # index word -> positions, of the plain words (see Vocabulary.plain)
    other: dict[str, list[tuple[int, int, "str | None"]]]  # index word -> (position, weight, variant)


def distinct_words(records: Iterable[Record]) -> list[str]:
    """Every word of the records' text and meta values, once."""
    seen: dict[str, None] = {}
    for record in records:
        seen.update(dict.fromkeys(record.content.split()))
        for value in record.meta.values():
            seen.update(dict.fromkeys(value.split()))
    return list(seen)


def write_bundle(records: Sequence[Record], language: str, vocabulary: Vocabulary) -> dict[str, bytes]:
    """The bundle's files (path -> bytes) for these records (cleaned), as Pagefind writes them
    but for the gzip compression; the vocabulary must know every word of the records."""
    # A 500-article shard makes some 160,000 small lists, none in a cycle: without the cyclic
    # collector walking them again and again as they pile up, this takes a third of the time.
    _make_tables()
    collecting = gc.isenabled()
    gc.disable()
    try:
        return _write_bundle(records, language, vocabulary)
    finally:
        if collecting:
            gc.enable()


def _write_bundle(records: Sequence[Record], language: str, vocabulary: Vocabulary) -> dict[str, bytes]:
    pages = _pages(records, vocabulary)
    meta_fields = sorted({name for page in pages for name in page.record.meta})
    words: dict[str, _Word] = {}
    files: dict[str, bytes] = {}
    listed_pages = []
    taken: dict[str, str] = {}
    for page in pages:
        _add_page(words, page, meta_fields, vocabulary.entries)
        encoded = _fragment(page)
        full = f"{language}_{_full_hash(encoded)}"
        short = full[:len(language) + 8]
        while short in taken and taken[short] != full:
            short = full[:len(short) + 1]
        taken[short] = full
        files[f"fragment/{short}.pf_fragment"] = _compress(encoded)
        listed_pages.append([short, len(page.words)])
    filters = []
    for name, values in _filters(pages).items():
        data = encode([name, [[value, numbers] for value, numbers in values.items()]])
        short = _short_name(f"{language}_{_full_hash(data)}", language, files, "filter/{}.pf_filter")
        files[f"filter/{short}.pf_filter"] = _compress(data)
        filters.append([name, short])
    chunks = _chunks(words)
    bounds = _chunk_bounds(chunks)
    for bound, chunk in zip(bounds, chunks):
        data = _chunk_bytes(chunk)
        bound.append(_short_name(f"{language}_{_full_hash(data)}", language, files, "index/{}.pf_index"))
        files[f"index/{bound[2]}.pf_index"] = _compress(data)
    meta = encode([vocabulary.version, listed_pages, bounds, filters, _sorts(pages), meta_fields])
    meta_hash = f"{language}_{_full_hash(meta)[:len(language) + 8]}"
    files[f"pagefind.{meta_hash}.pf_meta"] = _compress(meta)
    files["pagefind-entry.json"] = _json({
        "version": vocabulary.version,
        "languages": {language: {"hash": meta_hash, "wasm": language if vocabulary.wasm else None,
                                 "page_count": len(pages)}},
        "include_characters": vocabulary.include_characters})
    files.update(vocabulary.runtime)
    return files


def _pages(records: Sequence[Record], vocabulary: Vocabulary) -> list[_Page]:
    """The records as pages, numbered; one with no word to index is left out, as Pagefind does,
    and a record whose URL came before replaces that one."""
    by_url: dict[str, Record] = {}
    for record in records:
        by_url[record.url] = record
    plain_get, entries = vocabulary.plain.get, vocabulary.entries
    pages: list[_Page] = []
    for record in by_url.values():
        words = record.content.split()
        body: dict[str, list[int]] = {}
        other: dict[str, list[tuple[int, int, str | None]]] = {}
        for position, word in enumerate(words):
            indexed = plain_get(word)
            if indexed is not None:  # nine words in ten: one index word, no accent, the usual weight
                held = body.get(indexed)
                if held is None:
                    body[indexed] = [position]
                else:
                    held.append(position)
            else:
                for indexed, variant, weight in entries[word]:
                    other.setdefault(indexed, []).append((position, weight, variant))
        if body or other:
            pages.append(_Page(record, len(pages), words, body, other))
    return pages


class _Word:
    """An index word's pages, added in page order. A page of the word itself (not a variant) is
    encoded at once, as Pagefind writes it: the difference from the page before, the position
    list of the body and that of the meta fields. Its variants are kept as lists until their
    chunk is written."""

    __slots__ = ("last", "pages", "size", "variants")

    def __init__(self) -> None:
        self.last = 0  # the number of the last page added
        self.pages: list[bytes] = []
        self.size = 0  # what Pagefind counts to cut chunks: positions, meta positions and pages
        self.variants: list[list] = []  # [form, [[page number, locs, meta locs], ...]]

    def add(self, number: int, locs: list[int], meta_locs: list[int]) -> None:
        self.pages.append(_ARRAY_HEADS[3] + _integer(number - self.last) + _integers(locs) + _integers(meta_locs))
        self.last = number
        self.size += len(locs) + len(meta_locs) + 1


def _add_page(words: dict[str, _Word], page: _Page, meta_fields: list[str],
              entries: dict[str, tuple[Entry, ...]]) -> None:
    """The page's words into the index: its body's positions with its meta fields' at once."""
    number = page.number
    meta, meta_variants = _meta_words(page, meta_fields, entries)
    heads, small, join, three, marker = _ARRAY_HEADS, _SMALL.__getitem__, b"".join, _ARRAY_HEADS[3], _SMALL[-WORD_WEIGHT - 1]
    for word, positions in page.body.items():
        if word in page.other:
            continue
        held = words.get(word)
        if held is None:
            held = words[word] = _Word()
        meta_positions = meta.pop(word, None)
        if meta_positions is not None or positions[-1] >= 0xFFFF or number - held.last >= 0xFFFF:
            held.add(number, [-WORD_WEIGHT - 1, positions[0], *map(sub, positions[1:], positions)],
                     _meta_locs(meta_positions or []))
            continue
        # The fast path of add for the commonest page of a word (no meta, small numbers): the
        # position list is the usual weight's marker, the first position, then differences.
        held.pages.append(three + small(number - held.last) + heads[len(positions) + 1] + marker
                          + small(positions[0]) + join(map(small, map(sub, positions[1:], positions))) + heads[0])
        held.last = number
        held.size += len(positions) + 2
    for word, other in page.other.items():
        found = [(p, WORD_WEIGHT, None) for p in page.body.get(word, ())] + other
        plain = [(p, w) for p, w, variant in found if variant is None]
        by_variant: dict[str, list] = {}
        for p, w, variant in found:
            if variant is not None:
                by_variant.setdefault(variant, []).append((p, w))
        held = words.get(word)
        if held is None:
            held = words[word] = _Word()
        if plain:
            held.add(number, _locs(plain), _meta_locs(meta.pop(word, [])))
        for form in sorted(by_variant):
            _variant(held, form).append([number, _locs(by_variant[form]), []])
    for word, meta_positions in meta.items():  # words of the meta fields alone
        held = words.get(word)
        if held is None:
            held = words[word] = _Word()
        held.add(number, [], _meta_locs(meta_positions))
    for word, by_form in meta_variants.items():
        held = words.get(word)
        if held is None:
            held = words[word] = _Word()
        for form in sorted(by_form):
            _page_of(_variant(held, form), number)[2] = _meta_locs(by_form[form])


def _meta_words(page: _Page, meta_fields: list[str], entries: dict[str, tuple[Entry, ...]]) -> tuple[dict, dict]:
    """The page's meta values' index words: word -> (field, position) pairs, and
    word -> {variant: pairs}."""
    plain: dict[str, list[tuple[int, int]]] = {}
    variants: dict[str, dict[str, list[tuple[int, int]]]] = {}
    for name in sorted(page.record.meta):
        field = meta_fields.index(name)
        for position, word in enumerate(page.record.meta[name].split()):
            for indexed, variant, _weight in entries[word]:
                if variant is None:
                    plain.setdefault(indexed, []).append((field, position))
                else:
                    variants.setdefault(indexed, {}).setdefault(variant, []).append((field, position))
    return plain, variants


def _variant(word: _Word, form: str) -> list:
    """The pages of one of the word's variants (added in the order Pagefind adds them)."""
    for held_form, pages in word.variants:
        if held_form == form:
            return pages
    pages: list = []
    word.variants.append([form, pages])
    return pages


def _page_of(pages: list, number: int) -> list:
    """The page's entry in a word's pages (the last one, if it is there: pages come in order)."""
    if pages and pages[-1][0] == number:
        return pages[-1]
    page = [number, [], []]
    pages.append(page)
    return page


def _locs(held: list[tuple[int, int]]) -> list[int]:
    """Pagefind's position list: weight 25 first, then by weight, each run by position; a
    change of weight as -weight-1 and a whole position, the others as differences."""
    held = sorted(held, key=lambda p: (0 if p[1] == DEFAULT_WEIGHT else p[1], p[0]))
    locs: list[int] = []
    weight, last = DEFAULT_WEIGHT, 0
    for position, this_weight in held:
        if this_weight != weight:
            locs += (-this_weight - 1, position)
            weight = this_weight
        else:
            locs.append(position - last)
        last = position
    return locs


def _meta_locs(held: list[tuple[int, int]]) -> list[int]:
    """Meta positions: -field-1 before each field's, which are differences from the last one."""
    locs: list[int] = []
    field, last = None, 0
    for this_field, position in sorted(held):
        if this_field != field:
            locs.append(-this_field - 1)
            field, last = this_field, 0
        locs.append(position - last)
        last = position
    return locs


def _chunk_bytes(chunk: list[tuple[str, _Word]]) -> bytes:
    """A chunk of the word index as Pagefind encodes it: each word with its pages and its
    variants' pages, a page's number written as the difference from the one before."""
    parts = [_ARRAY_HEADS[1], _head(4, len(chunk))]
    for name, word in chunk:
        parts += (_ARRAY_HEADS[3], encode(name), _head(4, len(word.pages)), *word.pages, _head(4, len(word.variants)))
        for form, held in word.variants:
            parts += (_ARRAY_HEADS[2], encode(form))
            _add_pages(parts, held)
    return b"".join(parts)


def _add_pages(parts: list[bytes], pages: list) -> None:
    """Pages (in the order of their numbers, as they were added), encoded onto parts."""
    parts.append(_head(4, len(pages)))
    try:  # positions and differences below 65,536, as they are but in very long articles
        heads, small, extend, three, last = _ARRAY_HEADS, _SMALL.__getitem__, parts.extend, _ARRAY_HEADS[3], 0
        for number, locs, meta_locs in pages:
            extend((three, small(number - last), heads[len(locs)], *map(small, locs),
                    heads[len(meta_locs)], *map(small, meta_locs)))
            last = number
    except (KeyError, IndexError):
        del parts[parts.index(_head(4, len(pages)), len(parts) - len(pages) - 1) + 1:]
        last = 0
        for number, locs, meta_locs in pages:
            parts.append(_ARRAY_HEADS[3] + _integer(number - last) + encode(locs) + encode(meta_locs))
            last = number


def _fragment(page: _Page) -> bytes:
    """serde_json's text of Pagefind's PageFragmentData: its fields in order, maps sorted."""
    record = page.record
    return _json({"url": record.url, "content": " ".join(page.words), "word_count": len(page.words),
                  "filters": {name: list(values) for name, values in sorted(record.filters.items())},
                  "meta": dict(sorted(record.meta.items())), "anchors": []})


def _filters(pages: list[_Page]) -> dict[str, dict[str, list[int]]]:
    filters: dict[str, dict[str, list[int]]] = {}
    for page in pages:
        for name, values in page.record.filters.items():
            for value in values:
                filters.setdefault(name, {}).setdefault(value, []).append(page.number)
    return {name: dict(sorted(values.items())) for name, values in sorted(filters.items())}


_NUMBER = re.compile(r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?")


def _sorts(pages: list[_Page]) -> list:
    """Each sort key's pages in order: by number when every value is one, else as text."""
    orders = []
    for key in sorted({key for page in pages for key in page.record.sort}):
        valued = [(page.record.sort[key], page.number) for page in pages if key in page.record.sort]
        if all(_NUMBER.fullmatch(value) for value, _ in valued):
            valued.sort(key=lambda v: float(v[0]))
        else:
            valued.sort(key=lambda v: v[0])
        orders.append([key, [number for _, number in valued]])
    return orders


def _chunks(words: dict[str, _Word]) -> list[list[tuple[str, _Word]]]:
    """The index words in order, cut after each run of CHUNK_SIZE positions or more."""
    chunks: list[list] = []
    chunk: list = []
    size = 0
    for name in sorted(words):
        word = words[name]
        size += word.size
        chunk.append((name, word))
        if size >= CHUNK_SIZE:
            chunks.append(chunk)
            chunk, size = [], 0
    if chunk:
        chunks.append(chunk)
    return chunks


def _chunk_bounds(chunks: list[list]) -> list[list[str]]:
    """Each chunk's first and last word, cut to the shortest prefixes that still tell it from
    its neighbours (a last word only when that keeps it after the first)."""
    bounds = [[chunk[0][0], chunk[-1][0]] for chunk in chunks]
    for before, after in zip(bounds, bounds[1:]):
        last, first = before[1], after[0]
        common = 0
        for a, b in zip(first, last):
            if a != b:
                break
            common += 1
        if last[:common + 1] >= before[0]:
            before[1] = last[:common + 1]
        after[0] = first[:common + 1]
    return bounds


def _short_name(full: str, language: str, files: dict[str, bytes], pattern: str) -> str:
    """A filter's or chunk's name: as Pagefind lengthens it on a clash (two characters a time)."""
    short = full[:len(language) + 8]
    while pattern.format(short) in files and len(short) < len(full):
        short = full[:len(short) + 2]
    return short


def _full_hash(data: bytes) -> str:
    """Pagefind's content hash: SHA-1, each byte in hexadecimal without its leading zero."""
    return "".join(format(b, "x") for b in hashlib.sha1(data).digest())


def _json(value) -> bytes:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False).encode()


def _compress(data: bytes) -> bytes:
    return gzip.compress(SIGNATURE + data, COMPRESSION, mtime=0)


# CBOR, as much of it as Pagefind's files use (minicbor's encoding of its structs: arrays of
# unsigned and negative integers, text and arrays, every length given up front).
def _head(major: int, value: int) -> bytes:
    if value < 24:
        return bytes((major << 5 | value,))
    if value < 0x100:
        return bytes((major << 5 | 24, value))
    if value < 0x10000:
        return bytes((major << 5 | 25,)) + value.to_bytes(2, "big")
    if value < 0x100000000:
        return bytes((major << 5 | 26,)) + value.to_bytes(4, "big")
    return bytes((major << 5 | 27,)) + value.to_bytes(8, "big")


def _integer(value: int) -> bytes:
    return _head(0, value) if value >= 0 else _head(1, -1 - value)


# Positions, differences and markers are small: their encodings looked up, not made.
# Made by the first write_bundle, not on import: building them takes a build's tenth of a second.
_SMALL: dict[int, bytes] = {}
_ARRAY_HEADS: list[bytes] = []


def _make_tables() -> None:
    if not _ARRAY_HEADS:
        _SMALL.update((value, _integer(value)) for value in range(-1024, 1 << 16))
        _ARRAY_HEADS.extend(_head(4, n) for n in range(1 << 16))


def _integers(values: list[int]) -> bytes:
    """An array of integers."""
    try:
        return _ARRAY_HEADS[len(values)] + b"".join(map(_SMALL.__getitem__, values))
    except (KeyError, IndexError):
        return _head(4, len(values)) + b"".join(map(_integer, values))


def encode(value) -> bytes:
    """Text, integers and (nested) lists as CBOR."""
    if isinstance(value, str):
        data = value.encode()
        return _head(3, len(data)) + data
    if isinstance(value, int):
        return _integer(value)
    return _head(4, len(value)) + b"".join(map(encode, value))


def decode_cbor(data: bytes):
    """The CBOR that encode writes, read back."""
    value, end = _decode_at(data, 0)
    if end != len(data):
        raise ValueError("bytes after the CBOR value")
    return value


def _decode_at(data: bytes, at: int):
    first = data[at]
    major, info = first >> 5, first & 31
    at += 1
    if info < 24:
        number = info
    elif info <= 27:
        size = 1 << (info - 24)
        number = int.from_bytes(data[at:at + size], "big")
        at += size
    else:
        raise ValueError(f"CBOR of a kind Pagefind does not write ({first:#x})")
    if major == 0:
        return number, at
    if major == 1:
        return -1 - number, at
    if major == 3:
        return data[at:at + number].decode(), at + number
    if major == 4:
        items = []
        for _ in range(number):
            item, at = _decode_at(data, at)
            items.append(item)
        return items, at
    raise ValueError(f"CBOR of a kind Pagefind does not write ({first:#x})")
