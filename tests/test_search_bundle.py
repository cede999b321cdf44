"""The search bundle written by search/bundle.py against Pagefind's own for the same records.

Both are decompressed and decoded: the fragments and the word index must be the same bytes under
the same names; the filters and sort orders the same data (Pagefind lists them in the order of a
randomly seeded hash map); the runtime files the same bytes. The records are chosen to reach
every rule: accents in text and meta (variants), compound words, weights of their parts, numbers,
symbols, other scripts, words only in meta, repeated words, empty and replaced records, and
enough text for several chunks of the word index."""

from __future__ import annotations

import gzip
import json
import random

import pytest

from generator.search import bundle, pagefind

pytestmark = pytest.mark.skipif(pagefind.binary() is None, reason="Pagefind is not installed")


def normalized(files: dict[str, bytes]) -> dict[str, object]:
    out: dict[str, object] = {}
    for path, data in files.items():
        if path.endswith((".pf_fragment", ".pf_index")):
            out[path] = gzip.decompress(data)
        elif path.endswith(".pf_filter"):
            name, values = bundle.decode(data)
            out[f"filter {name}"] = sorted((value, tuple(pages)) for value, pages in values)
        elif path.endswith(".pf_meta"):
            meta = bundle.decode(data)
            meta[3] = sorted(name for name, _hash in meta[3])  # filter files are named by their bytes
            meta[4] = sorted(meta[4])
            out["meta"] = meta
        elif path == "pagefind-entry.json":
            entry = json.loads(data)
            for language in entry["languages"].values():
                language.pop("hash")  # the meta file's name: it names the filter files
            out[path] = entry
        elif path in bundle.RUNTIME or path.startswith("wasm."):
            out[path] = data
    return out


def cleaned(records: list[pagefind.Record]) -> list[pagefind.Record]:
    """The records as plan/search.py gives them to be indexed."""
    return [pagefind.Record(r.url, bundle.clean(r.content), {k: bundle.clean(v) for k, v in r.meta.items()},
                            r.filters, r.sort) for r in records]


def assert_same_bundle(records: list[pagefind.Record], language: str = "en") -> dict[str, bytes]:
    records = cleaned(records)
    theirs = normalized(pagefind.bundle(records, language))
    written = bundle.write_bundle(records, language, bundle.vocabulary(bundle.distinct_words(records), language))
    ours = normalized(written)
    assert sorted(ours) == sorted(theirs)
    for path in sorted(theirs):
        assert ours[path] == theirs[path], path
    return written


def record(url: str, content: str, title: str, **meta: str) -> pagefind.Record:
    return pagefind.Record(url, content, {"title": title, **meta}, {}, {"date": "2022-03-01T09:00:00Z"})


TRICKY = [
    record("/a/", "Café café CAFÉ cafe naïve naive Zoë zoë ZOË Über über", "Crème brûlée", section="Küche"),
    record("/b/", "hello-world x-ray don't 1,000 3.14 e-mail a/b C++ #hashtag @handle ___under_score snake_case",
           "Hello-world rock'n'roll", byline="By Ann O'Neill-Smith"),
    record("/c/", "emoji 👍 party 🎉🎉 ≠ → “quoted” «guillemets» — dashes – here… ellipsis", "Symbols: “quotes”"),
    record("/d/", "日本語のテキスト 中文 Ελληνικά ελληνικά Русский русский العربية", "Scripts"),
    record("/e/", "zero\u200bwidth spaces\u200b\u200b and ___PAGEFIND_WEIGHT___2 markers ___END_PAGEFIND_WEIGHT___ gone",
           "Marker ___PAGEFIND_WEIGHT___3 in meta"),
    record("/f/", "running runs ran runner the the the the a an", "Running", image_alt="A runner running"),
    record("/g/", "!!! ... ---", "Only punctuation in the body"),  # nothing to index: left out
    record("/h/", "words only here", "Meta-only zeppelinfeld", section="Zeppelinfeld"),
    record("/a/", "Café again, replacing the first record of this URL", "Crème again"),
    record("/i/", "", "An empty body"),
]


def test_tricky_records_give_pagefinds_bundle():
    files = assert_same_bundle(TRICKY)
    pages = bundle.decode(next(data for path, data in files.items() if path.endswith(".pf_meta")))[1]
    assert len(pages) == 7  # nine URLs; /g/ and /i/ have nothing to index


def test_filters_sorts_and_several_chunks_of_the_word_index():
    rng = random.Random(7)
    vocabulary = [f"w{n}" for n in range(3000)] + ["élan", "Élan", "naïve", "co-op", "état", "Straße"]
    records = []
    for n in range(60):
        text = " ".join(rng.choice(vocabulary) for _ in range(rng.randint(300, 1200)))
        records.append(pagefind.Record(
            f"/news/{n}/", text, {"title": " ".join(rng.choices(vocabulary, k=6)), "date": f"2022-03-{n % 28 + 1:02d}"},
            {"section": [rng.choice(["News", "Sport", "Économie"])], "tag": rng.sample(["a", "b", "ç", "d"], 2)},
            {"date": f"2022-03-{n % 28 + 1:02d}T{n % 24:02d}:00:00Z"}))
    files = assert_same_bundle(records)
    assert sum(path.startswith("index/") for path in files) > 1  # the chunking is compared too


@pytest.mark.parametrize("language", ["fr", "de", "ja"])
def test_other_languages_with_and_without_a_stemmer(language):
    assert_same_bundle(TRICKY + [record("/fr/", "Les élèves étudiaient déjà; die Straßen wurden überflutet",
                                        "Éducation und Überschwemmung")], language)


def test_cbor_round_trip_and_large_numbers():
    values = [0, 23, 24, 255, 256, 65535, 65536, 2**32, 2**40, -1, -24, -25, -256, -257, -70000, "", "é" * 30,
              list(range(30)), [[-25, 70000, 3]]]
    assert bundle.decode_cbor(bundle.encode(values)) == values
    long_text = " ".join(f"w{n % 50}" for n in range(70000))  # positions past 65,535
    assert_same_bundle([record("/long/", long_text, "Long")])


def test_words_learnt_from_an_earlier_shard_give_the_same_bundle(monkeypatch):
    monkeypatch.setattr(bundle, "_LEARNT", {})
    first = [record("/1/", "Harbour wall repaired after the storm, café reopens", "Harbour wall")]
    second = [record("/2/", "The harbour café reopens; storm damage repaired", "Café reopens"),
              record("/3/", "A new word: zeppelinfeld", "New words")]
    bundle.index(first, "en")
    learnt = bundle.index(second, "en")  # asks Pagefind only about the words the first lacked
    fresh = bundle.write_bundle(second, "en", bundle.vocabulary(bundle.distinct_words(second), "en"))
    assert learnt == fresh
    assert_same_bundle(second)


def test_shards_indexed_in_worker_processes_give_the_same_bundles(monkeypatch):
    """A big site's shards are indexed in forked workers (search/cache.py): the same bundles."""
    from generator.search import cache

    monkeypatch.setattr(bundle, "_LEARNT", {})
    jobs = [lambda: cleaned(TRICKY[:4]), lambda: cleaned(TRICKY[4:]),
            lambda: [record("/x/", "Zeppelinfeld fête", "Fête")]]
    in_workers = list(cache._bundles(jobs, "en", cache.PARALLEL_FROM))
    here = list(cache._bundles(jobs, "en", 0))
    assert in_workers == here and len(here) == 3
