"""The search index as `build` writes it: what is indexed, in which shard, what an edit redoes,
and what happens without Pagefind or when it fails. (What a reader sees: tests/test_search.py.)"""

from __future__ import annotations

import gzip
import json
import os
import stat
from pathlib import Path

import pytest

from conftest import MINIMAL_CONFIG, article, snapshot, write_file
from generator.search import bundle, pagefind

SHARDS = Path("output/pagefind/shards")


def records(site: Path, output: str = "output") -> dict[str, list[dict]]:
    """Each shard's records, as Pagefind's fragment files hold them, by shard folder name."""
    found = {}
    for shard in sorted((site / output / SHARDS.relative_to("output")).iterdir()):
        found[shard.name] = sorted(
            (json.loads(gzip.decompress(f.read_bytes())[len(b"pagefind_dcd"):]) for f in shard.glob("fragment/*")),
            key=lambda r: r["url"])
    return found


def newsroom_site(make_site, shard_size: int | None = None) -> Path:
    config = MINIMAL_CONFIG + (f"search:\n  shard_size: {shard_size}\n" if shard_size else "")
    return make_site({
        "content/a.md": article("Harbour wall repaired", "2022-03-01 09:00", "The pelicans returned.",
                                category="News", authors="[Ann Reporter]", tags="[harbour]"),
        "content/b.md": article("Cup final tonight", "2022-03-01 18:00", "Floodlights and a brass band.",
                                category="Sport", tags="[football]"),
        "content/c.md": article("Budget passed", "2022-03-03", "Councillors voted late."),
        "content/d.md": article("Rail strike called off", "2022-03-05", "Commuters sighed."),
        "content/e.md": article("A secret plan", "2022-03-05", "Zeppelinfeld draft words.", draft="true"),
    }, config)


def test_every_published_article_is_indexed_once_with_its_facts_and_drafts_never(make_site, run):
    site = newsroom_site(make_site)
    result = run("build", "--site", site, "--drafts")  # even a build that shows drafts does not index them
    assert result.status == 0, result.err
    shards = records(site)
    assert list(shards) == ["2022-03-01"]  # 4 articles, under the default 500: one shard
    indexed = shards["2022-03-01"]
    assert [r["url"] for r in indexed] == ["/2022/03/01/a/", "/2022/03/01/b/", "/2022/03/03/c/", "/2022/03/05/d/"]
    harbour = indexed[0]
    assert "pelicans returned" in harbour["content"] and harbour["content"].startswith("Harbour wall repaired")
    assert harbour["meta"]["title"] == "Harbour wall repaired"
    assert harbour["meta"]["section"] == "News" and harbour["meta"]["byline"] == "Ann Reporter"
    assert harbour["meta"]["date"] == "2022-03-01T09:00:00+00:00" and harbour["meta"]["date_text"] == "1 March 2022"
    assert harbour["filters"] == {"author": ["Ann Reporter"], "section": ["News"], "tag": ["harbour"],
                                  "year": ["2022"]}
    assert not any("Zeppelinfeld" in r["content"] for r in indexed)
    # The search page lists the shard; the primary (newest) shard carries Pagefind's script.
    page = (site / "output/search/index.html").read_text()
    assert "/pagefind/shards/2022-03-01/" in page
    assert (site / SHARDS / "2022-03-01/pagefind.js").is_file()
    assert not list((site / "output/pagefind").rglob("pagefind-ui.js"))  # the theme has its own interface


def test_shards_are_runs_of_whole_days_and_only_the_newest_carries_the_script(make_site, run):
    site = newsroom_site(make_site, shard_size=1)
    assert run("build", "--site", site).status == 0
    shards = records(site)
    # 1 March has two articles: a day is never split, so that shard holds two.
    assert {k: len(v) for k, v in shards.items()} == {"2022-03-01": 2, "2022-03-03": 1, "2022-03-05": 1}
    assert (site / SHARDS / "2022-03-05/pagefind.js").is_file()
    assert not (site / SHARDS / "2022-03-01/pagefind.js").exists()
    page = (site / "output/search/index.html").read_text()
    assert page.index("/pagefind/shards/2022-03-05/") < page.index("/pagefind/shards/2022-03-01/")  # newest first


def test_an_edit_reindexes_only_its_shard_and_leaves_no_old_file(make_site, run):
    site = newsroom_site(make_site, shard_size=1)
    assert run("build", "--site", site).status == 0
    before = {k: snapshot(site / SHARDS / k) for k in ("2022-03-01", "2022-03-05")}
    write_file(site, "content/c.md", article("Budget passed", "2022-03-03", "Councillors voted for quokkas."))
    result = run("build", "--site", site)
    assert result.status == 0, result.err
    assert "quokkas" in records(site)["2022-03-03"][0]["content"]
    for key, files in before.items():  # the other shards: not one byte or mtime changed
        assert snapshot(site / SHARDS / key) == files
    fragments = list((site / SHARDS / "2022-03-03/fragment").iterdir())
    assert len(fragments) == 1  # the edited article's old fragment is gone


def test_search_runs_altered_in_the_site_store_give_one_warning_and_a_right_index(make_site, run):
    # The store keeps which articles each shard holds apart from the rest of the site's records
    # (an edit without search never reads them: 4.9 MB at a million articles), with their own
    # checksum: altered, the edit's build says the store is damaged and builds the whole site.
    import sqlite3

    from generator.write.site_store import store_file

    site = newsroom_site(make_site, shard_size=1)
    assert run("build", "--site", site).status == 0
    db = sqlite3.connect(store_file(site))
    with db:
        (runs,), = db.execute("SELECT value FROM search_runs").fetchall()
        at = runs.index(b"2022-03-03")
        db.execute("UPDATE search_runs SET value = ?", (runs[:at] + b"2022-03-04" + runs[at + 10:],))
    db.close()
    write_file(site, "content/c.md", article("Budget passed", "2022-03-03", "Councillors voted for quokkas."))
    result = run("build", "--site", site)
    assert result.status == 0, result.err
    assert [line for line in result.err.splitlines() if "site store" in line and "damaged" in line], result.err
    shards = records(site)
    assert "2022-03-04" not in shards and "quokkas" in shards["2022-03-03"][0]["content"]


def test_search_false_and_no_search_build_the_site_without_it(make_site, run):
    site = newsroom_site(make_site)
    assert run("build", "--site", site, "--no-search").status == 0
    assert not (site / "output/pagefind").exists() and not (site / "output/search").exists()
    assert 'role="search"' not in (site / "output/index.html").read_text()
    (site / "config.yaml").write_text(MINIMAL_CONFIG + "search: false\n")
    assert run("build", "--site", site).status == 0
    assert not (site / "output/pagefind").exists()
    (site / "config.yaml").write_text(MINIMAL_CONFIG)
    assert run("build", "--site", site).status == 0
    assert (site / "output/search/index.html").is_file() and (site / "output/pagefind").is_dir()


def test_search_asked_for_without_pagefind_is_an_error_saying_what_to_install(make_site, run, monkeypatch):
    site = newsroom_site(make_site)
    (site / "config.yaml").write_text(MINIMAL_CONFIG + "search: true\n")
    monkeypatch.setattr(pagefind, "binary", lambda: None)
    result = run("build", "--site", site)
    assert result.status == 1
    assert "config.yaml:6: error: `search` is on but Pagefind is not installed: install it with " \
           "`pip install 'pagefind[bin]'`" in result.err
    assert "Traceback" not in result.err and not (site / "output").exists()
    # Not asked for: the site builds without search.
    (site / "config.yaml").write_text(MINIMAL_CONFIG)
    assert run("build", "--site", site).status == 0
    assert not (site / "output/search").exists()


def test_a_failed_indexing_fails_the_build_and_leaves_the_output_as_it_was(make_site, run, monkeypatch, tmp_path):
    site = newsroom_site(make_site)
    assert run("build", "--site", site).status == 0
    before = snapshot(site / "output")
    broken = tmp_path / "pagefind"
    broken.write_text("#!/bin/sh\nexit 3\n")
    broken.chmod(broken.stat().st_mode | stat.S_IXUSR)
    monkeypatch.setattr(pagefind, "binary", lambda: broken)
    monkeypatch.setattr(bundle, "_LEARNT", {})  # what earlier builds in this process learnt of Pagefind's words
    write_file(site, "content/c.md", article("Budget passed", "2022-03-03", "Councillors voted again."))
    result = run("build", "--site", site)
    assert result.status == 1
    assert "error: search index: Pagefind stopped while indexing" in result.err
    assert "Traceback" not in result.err
    assert snapshot(site / "output") == before


def test_a_damaged_shard_in_the_cache_is_indexed_again(make_site, run):
    site = newsroom_site(make_site)
    assert run("build", "--site", site).status == 0
    packs = list((site / ".cache/broadsheet/search").glob("*.pack"))
    assert packs
    for pack in packs:
        pack.write_bytes(pack.read_bytes()[:-1])  # one byte short of what its header lists
    (site / "output/pagefind").rename(site / "moved-away")  # the output must be made again from the cache
    assert run("build", "--site", site).status == 0
    assert [r["meta"]["title"] for r in records(site)["2022-03-01"]][0] == "Harbour wall repaired"


def test_the_cache_keeps_one_pack_per_shard_and_drops_what_it_no_longer_uses(make_site, run):
    site = newsroom_site(make_site)
    assert run("build", "--site", site).status == 0
    search_cache = site / ".cache/broadsheet/search"
    packs = sorted(p.name for p in search_cache.iterdir())
    assert packs and all(name.endswith(".pack") for name in packs)
    assert len(packs) == len(records(site))  # one file per shard, whatever Pagefind wrote
    old_layout = search_cache / packs[0].removesuffix(".pack")  # a shard as versions before packs kept it
    old_layout.mkdir()
    (old_layout / "files.tsv").write_text("")
    assert run("build", "--site", site, "--no-cache").status == 0
    assert sorted(p.name for p in search_cache.iterdir()) == packs


def test_a_build_keeps_only_the_texts_it_indexed_lately_and_indexes_every_article_right(make_site, run, monkeypatch):
    # Each article's searchable text is kept to spare the preview re-reading a shard's bodies at
    # each save; kept for every article it would be the whole site's text in memory (about a GB at
    # 100,000 articles, in a build indexing in one process). Here the cache keeps 2 to 4.
    from generator.plan import recent, search

    site = newsroom_site(make_site, shard_size=1)
    assert run("build", "--site", site, "--output", site / "roomy", "--no-cache").status == 0
    monkeypatch.setattr(search, "_TEXTS", recent.Recent(2))
    assert run("build", "--site", site, "--no-cache").status == 0
    assert len(search._TEXTS) <= 4
    assert records(site) == records(site, "roomy")
    write_file(site, "content/c.md", article("Budget passed", "2022-03-03", "Councillors voted for quokkas."))
    assert run("build", "--site", site).status == 0
    assert "quokkas" in records(site)["2022-03-03"][0]["content"]
    assert len(search._TEXTS) <= 4
