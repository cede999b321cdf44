"""The site store (generator/write/site_store.py), tested as a user meets it: the build after an
edit of Markdown files reads only those files and loads only what is around them from
.cache/broadsheet/site.sqlite; anything the store cannot vouch for means the whole build, with a
one-line warning when the store is damaged.

Every test starts from test_incremental.py's five-article site, built once (its `site` fixture),
and compares the output of each build with a cold build of the same sources (`cold`,
`assert_same_as_cold`).

How a user can tell the store was used: the build after an edit converts only the edited
Markdown file even when the content cache's index (content.marshal) is gone, since it takes the
other articles from the store (and their bodies from bodies.bin). A whole build without that
index converts every body again (5 articles and the about page: 6). `without_content_index`
removes it, so that the summary's count says which build ran.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import sqlite3
import zlib
from pathlib import Path

from conftest import article, snapshot
from generator.read.inputs import built_hashes_file
from generator.write.cache import cache_file
from generator.write.site_store import store_file
# Fixtures (cold, site) and helpers only: a test function imported here would be collected and
# run a second time, as a test of this module.
from test_incremental import (
    B, CONFIG, D, SUMMARY, age, assert_same_as_cold, body, build, cold, copy_sources, edit, feeds,
    read, site, site_files, source, written,
)

__all__ = ["cold", "site"]  # fixtures, used by name

EVERY_BODY = 6  # 5 articles and the about page: what a whole build without the content cache converts


def without_content_index(site: Path) -> None:
    """Remove the content cache's index (content.marshal; bodies.bin stays): a whole build then
    converts every body again, an edit's build from the store only the edited one."""
    cache_file(site).unlink()


def store_rows(site: Path, sql: str, *args) -> list[tuple]:
    with sqlite3.connect(store_file(site)) as db:
        rows = db.execute(sql, args).fetchall()
    db.close()
    return rows


def change_store(site: Path, sql: str, *args) -> None:
    db = sqlite3.connect(store_file(site))
    with db:
        db.execute(sql, args)
    db.close()


def store_inode(site: Path) -> int:
    """An edit's build updates the store's rows in place; a whole build writes a new file and puts
    it in place of the old one, another inode: `ls -i` tells which build ran."""
    return store_file(site).stat().st_ino


def store_warnings(err: str) -> list[str]:
    return [line for line in err.splitlines() if "site store" in line]


def edit_bravo(site: Path, words: str) -> None:
    """An edit of Bravo's second paragraph: what it shows changes, not where it is."""
    edit(site, "content/2022/bravo.md", source("bravo", text=body("Bravo", words)))


# Bravo is on town's first page, whose feeds carry [Delta, Bravo]: a change to its body (not its
# summary) shows on its own page and in those feeds, nowhere else.
BRAVO_BODY_SHOWN = {B, *feeds("tags/town/")}


# --- 1. an edit is built from the store -------------------------------------------------------------

def test_an_edit_is_built_from_the_store_and_is_what_a_cold_build_makes(site, run, cold):
    without_content_index(site)
    edit_bravo(site, " Added by the edit.")
    again = build(run, site)
    # Only the edited file was converted: the four others came from the store, not the cache.
    assert again.converted == 1, again
    assert again.err == ""
    assert (again.articles, again.pages) == (5, 1)
    assert "Added by the edit." in read(site, B)
    assert written(site / "output") == BRAVO_BODY_SHOWN
    assert_same_as_cold(site, cold(site))


def test_without_the_store_the_same_edit_is_a_whole_build(site, run, cold):
    # The control for the test above: the same edit, the store gone, converts every body.
    without_content_index(site)
    store_file(site).unlink()
    edit_bravo(site, " Added by the edit.")
    again = build(run, site)
    assert again.converted == EVERY_BODY, again
    assert written(site / "output") == BRAVO_BODY_SHOWN
    assert_same_as_cold(site, cold(site))
    assert store_file(site).is_file()  # and the whole build wrote it again


# --- 2, 3. a damaged store ------------------------------------------------------------------------

def assert_one_store_warning(err: str, site: Path) -> None:
    lines = err.splitlines()
    assert len(lines) == 1, f"expected one line on stderr, got:\n{err}"
    assert lines[0] == (f"broadsheet: warning: the site store {store_file(site)} is damaged; "
                        f"building the whole site"), lines[0]


def test_a_store_that_is_not_sqlite_gives_one_warning_and_the_whole_build(site, run, cold):
    store_file(site).write_bytes(b"this is not a database, only bytes\n" * 200)
    edit_bravo(site, " Added by the edit.")
    result = run("build", "--site", site)
    assert result.status == 0, result.err
    assert_one_store_warning(result.err, site)
    assert SUMMARY.search(result.out), result.out
    assert "Added by the edit." in read(site, B)
    assert_same_as_cold(site, cold(site))

    # That build wrote the store afresh: the next edit is built from it, without a warning.
    age(site / "output")
    without_content_index(site)
    edit_bravo(site, " Edited once more.")
    again = build(run, site)
    assert again.err == ""
    assert again.converted == 1, again
    assert written(site / "output") == BRAVO_BODY_SHOWN
    assert_same_as_cold(site, cold(site))


def flip_a_byte(record: bytes, title: bytes) -> bytes:
    """The record with one byte changed where the article's title first is in it ("Bravo" to
    "Bravn"): still a record that loads, but not what was written, which only its digest tells."""
    at = record.index(title) + len(title) - 1
    return record[:at] + bytes([record[at] ^ 0x01]) + record[at + 1:]


def test_an_article_row_altered_in_the_store_gives_one_warning_and_the_whole_build(site, run, cold):
    # Bravo's own row, its `checked` digest left as it was: the edit's build loads it first.
    (record,), = store_rows(site, "SELECT record FROM articles WHERE path = ?", "/2022/01/02/bravo/")
    change_store(site, "UPDATE articles SET record = ? WHERE path = ?", flip_a_byte(record, b"Bravo"),
                 "/2022/01/02/bravo/")
    edit_bravo(site, " Added by the edit.")
    result = run("build", "--site", site)
    assert result.status == 0, result.err
    assert_one_store_warning(result.err, site)
    assert "Added by the edit." in read(site, B)
    assert_same_as_cold(site, cold(site))
    # The whole build wrote a sound store, which the next edit uses without a word.
    inode = store_inode(site)
    edit_bravo(site, " Edited once more.")
    again = build(run, site)
    assert (again.converted, again.err) == (1, "")
    assert store_inode(site) == inode
    assert_same_as_cold(site, cold(site))


def test_a_neighbours_row_altered_in_the_store_gives_one_warning_and_the_whole_build(site, run, cold):
    # Charlie is Bravo's newer neighbour: Bravo's page shows its headline, so the edit needs its row.
    (record,), = store_rows(site, "SELECT record FROM articles WHERE path = ?", "/2022/01/03/charlie/")
    change_store(site, "UPDATE articles SET record = ? WHERE path = ?", flip_a_byte(record, b"Charlie"),
                 "/2022/01/03/charlie/")
    edit_bravo(site, " Added by the edit.")
    result = run("build", "--site", site)
    assert result.status == 0, result.err
    assert_one_store_warning(result.err, site)
    assert_same_as_cold(site, cold(site))


def test_a_body_changed_in_place_in_the_body_file_gives_one_warning_and_the_whole_build(site, run, cold):
    # Same size, same inode: only the body's digest, checked as a page or feed reads it, tells.
    # The feeds that carry Delta's edited body carry Echo's beside it, read from the body file.
    bodies = cache_file(site).with_name("bodies.bin")
    raw = bodies.read_bytes()
    assert raw.count(b"Echo second") == 1
    with open(bodies, "r+b") as handle:  # in place: the same file, as a disk error would leave it
        handle.seek(raw.index(b"Echo second"))
        handle.write(b"ECHO SECOND")
    edit(site, "content/2022/delta.md", source("delta", text=body("Delta", " Added by the edit.")))
    result = run("build", "--site", site)
    assert result.status == 0, result.err
    assert_one_store_warning(result.err, site)
    assert "ECHO SECOND" not in "".join(p.read_text(encoding="utf-8", errors="replace")
                                        for p in (site / "output").rglob("*.xml"))
    assert_same_as_cold(site, cold(site))


def test_related_stories_altered_in_the_store_give_one_warning_and_the_whole_build(site, run, cold):
    # Delta's related stories, reversed: a list that loads, in another order than the one written.
    (related,), = store_rows(site, "SELECT related FROM articles WHERE path = ?", "/2022/01/04/delta/")
    assert len(related) >= 8, "Delta needs two related stories for their order to be changed"
    step = 4  # positions are 32-bit integers
    reversed_ = b"".join(related[i:i + step] for i in range(len(related) - step, -1, -step))
    change_store(site, "UPDATE articles SET related = ? WHERE path = ?", reversed_, "/2022/01/04/delta/")
    edit(site, "content/2022/delta.md", source("delta", text=body("Delta", " Added by the edit.")))
    result = run("build", "--site", site)
    assert result.status == 0, result.err
    assert_one_store_warning(result.err, site)
    assert_same_as_cold(site, cold(site))


def test_a_link_target_altered_in_the_store_gives_one_warning_and_the_whole_build(site, run, cold):
    change_store(site, "UPDATE targets SET url = ? WHERE url = ?", "2022/01/01/alphx/", "2022/01/01/alpha/")
    edit_bravo(site, " See [Alpha](alpha.md).")
    result = run("build", "--site", site)
    assert result.status == 0, result.err
    assert_one_store_warning(result.err, site)
    assert "alphx" not in read(site, B) and "/2022/01/01/alpha/" in read(site, B)
    assert_same_as_cold(site, cold(site))


def test_a_meta_value_altered_in_the_store_gives_one_warning_and_the_whole_build(site, run, cold):
    change_store(site, "UPDATE meta SET value = ? WHERE name = 'next_change'", b"not a pickle")
    edit_bravo(site, " Added by the edit.")
    result = run("build", "--site", site)
    assert result.status == 0, result.err
    assert_one_store_warning(result.err, site)
    assert_same_as_cold(site, cold(site))


def test_a_lists_row_altered_in_the_store_gives_one_warning_and_the_whole_build(site, run, cold):
    # An edit's build reads every tag's name, link and count (Bravo's page shows its tags) but
    # not their members, which it reads only for the lists it renders: each part has its checksum.
    change_store(site, "UPDATE terms SET name = ? WHERE kind = 'tags' AND key = 'roads'", "Roadz")
    edit_bravo(site, " Added by the edit.")
    result = run("build", "--site", site)
    assert result.status == 0, result.err
    assert_one_store_warning(result.err, site)
    assert "Roadz" not in (site / "output/tags/index.html").read_text()
    assert_same_as_cold(site, cold(site))


def test_a_lists_members_altered_in_the_store_give_one_warning_and_the_whole_build(site, run, cold):
    # Town's members as [Bravo, Delta | Alpha]: the same number, so its count still matches; the
    # edit renders town's first page, which reads them, and their checksum refuses them.
    (members,), = store_rows(site, "SELECT members FROM terms WHERE kind = 'tags' AND key = 'town'")
    assert len(members) == 12
    change_store(site, "UPDATE terms SET members = ? WHERE kind = 'tags' AND key = 'town'",
                 members[4:8] + members[:4] + members[8:])
    edit_bravo(site, " Added by the edit.")
    result = run("build", "--site", site)
    assert result.status == 0, result.err
    assert_one_store_warning(result.err, site)
    assert_same_as_cold(site, cold(site))


# --- 4. a store from another version -----------------------------------------------------------

def test_a_store_from_another_version_is_not_used_and_not_reported(site, run, cold):
    change_store(site, "UPDATE meta SET value = ? WHERE name = 'stamp'", "broadsheet 0.0.1 site store 1")
    without_content_index(site)
    edit_bravo(site, " Added by the edit.")
    again = build(run, site)
    assert again.err == ""  # not damaged: only not this version's
    assert again.converted == EVERY_BODY, again  # the whole build
    assert "Added by the edit." in read(site, B)
    assert_same_as_cold(site, cold(site))
    # ... which wrote this version's store: the next edit is built from it.
    without_content_index(site)
    edit_bravo(site, " Edited once more.")
    assert build(run, site).converted == 1
    assert_same_as_cold(site, cold(site))


# --- 5. a new alias -----------------------------------------------------------------------------

def test_an_alias_added_by_an_edit_makes_its_redirect_page(site, run, cold):
    # A new alias is a new redirect page, planned with the whole site (the store cannot say).
    inode = store_inode(site)
    edit(site, "content/2022/bravo.md", source("bravo", aliases="[/old/bravo-story/]"))
    again = build(run, site)
    assert again.err == ""
    assert store_inode(site) != inode, "built from the store"
    redirect = read(site, "old/bravo-story/index.html")
    assert "/2022/01/02/bravo/" in redirect
    assert "old/bravo-story/index.html" in written(site / "output")
    assert_same_as_cold(site, cold(site))


def test_an_edit_of_an_article_with_aliases_is_an_edits_build_and_retitles_only_its_redirect_page(
        site, run, cold):
    # The store keeps the redirects' part of the plan key: an edit that leaves every alias as it
    # was is an edit's build (it would otherwise load every aliased article: each one, in a site
    # imported from WordPress), and plans its own redirect pages only.
    edit(site, "content/2022/bravo.md", source("bravo", aliases="[/old/bravo-story/]"))
    edit(site, "content/2022/delta.md", source("delta", aliases="[/old/delta-story/]"))
    assert build(run, site).err == ""
    inode = store_inode(site)
    age(site / "output")
    edit(site, "content/2022/bravo.md", source("bravo", title="Bravo, renamed", aliases="[/old/bravo-story/]"))
    again = build(run, site)
    assert again.err == "" and again.converted == 1
    assert store_inode(site) == inode, "a whole build, not an edit's"
    assert "Bravo, renamed" in read(site, "old/bravo-story/index.html")
    made = written(site / "output")
    assert "old/bravo-story/index.html" in made
    assert "old/delta-story/index.html" not in made and "_redirects" not in made
    assert_same_as_cold(site, cold(site))


# --- 6. an edit that breaks a link --------------------------------------------------------------

def test_a_broken_link_added_by_an_edit_fails_the_build_and_leaves_output_as_it_was(site, run, cold):
    before = snapshot(site / "output")  # every file with its bytes and mtime, the manifest too
    edit_bravo(site, " See [the plan](missing.md) here.")
    result = run("build", "--site", site)
    assert result.status == 1, result.out + result.err
    # The file, the line (the second paragraph: line 8 after five of front matter and two more)
    # and what is wrong.
    errors = [line for line in result.err.splitlines() if "bravo.md" in line]
    assert errors, result.err
    assert any("content/2022/bravo.md:8" in line and "missing.md" in line and "does not exist" in line
               for line in errors), result.err
    assert not store_warnings(result.err)
    assert snapshot(site / "output") == before, "a failed build changed output/"

    # The same error as a whole build of the same files gives (a cold build of a copy).
    copy = copy_sources(site, site.parent / "broken-copy" / "site")
    whole = run("build", "--site", copy, "--no-cache", "--output", copy.parent / "output")
    assert whole.status == 1
    assert result.err.replace(str(site), "SITE") == whole.err.replace(str(copy), "SITE")

    edit_bravo(site, " See [the plan](alpha.md) here.")
    again = build(run, site)
    assert again.err == ""
    assert 'href="/2022/01/01/alpha/"' in read(site, B)
    assert_same_as_cold(site, cold(site))


# --- 7. a draft that stays a draft --------------------------------------------------------------

def test_an_edit_to_a_draft_that_stays_a_draft_renders_nothing(make_site, run, cold):
    path = make_site(site_files(**{"content/2022/foxtrot.md": article(
        "Foxtrot", "2022-01-06", "Foxtrot draft.", tags="[Town]", draft="true")}))
    first = build(run, path)
    assert (first.articles, first.converted) == (5, EVERY_BODY)
    age(path / "output")
    before = snapshot(path / "output")
    without_content_index(path)
    edit(path, "content/2022/foxtrot.md", article("Foxtrot", "2022-01-06", "Foxtrot, redrafted.",
                                                   tags="[Town]", draft="true"))
    again = build(run, path)
    # Built from the store (a whole build without the content index would convert 6): nothing
    # to convert, nothing to render, nothing written.
    assert (again.converted, again.rendered, again.written, again.removed) == (0, 0, 0, 0), again
    assert again.err == ""
    assert snapshot(path / "output") == before, "output/ changed"
    assert "Foxtrot" not in read(path, "tags/town/index.html")
    assert_same_as_cold(path, cold(path))


# --- 8. a body file that is not the one the store was saved beside ------------------------------

def copy_body_file_in_place(site: Path) -> None:
    """bodies.bin replaced by a copy of itself: the same bytes, another inode."""
    bodies = cache_file(site).with_name("bodies.bin")
    inode = bodies.stat().st_ino
    copy = bodies.with_name("bodies.copy")
    shutil.copy2(bodies, copy)
    os.replace(copy, bodies)
    assert bodies.stat().st_ino != inode


def test_a_body_file_copied_in_place_of_itself_is_not_used_by_the_store(site, run, cold):
    copy_body_file_in_place(site)
    edit_bravo(site, " Added by the edit.")
    again = build(run, site)
    assert again.err == ""
    assert "Added by the edit." in read(site, B)
    assert_same_as_cold(site, cold(site))


def test_the_store_is_not_used_beside_another_body_file(site, run, cold):
    # As above, but with the content index gone too: the summary shows the whole build ran.
    copy_body_file_in_place(site)
    without_content_index(site)
    edit_bravo(site, " Added by the edit.")
    again = build(run, site)
    assert again.converted == EVERY_BODY, again
    assert again.err == ""
    assert_same_as_cold(site, cold(site))


# --- 9. edits in a row, then a whole build ------------------------------------------------------

def test_edits_in_a_row_keep_the_store_and_the_content_cache_in_step(site, run, cold):
    inode = store_inode(site)
    edit_bravo(site, " First edit.")
    first = build(run, site)
    assert (first.converted, first.err) == (1, "")
    assert store_inode(site) == inode, "the first edit was not built from the store"
    assert "First edit." in read(site, B)
    assert_same_as_cold(site, cold(site))

    age(site / "output")
    edit_bravo(site, " Second edit.")
    second = build(run, site)
    assert (second.converted, second.err) == (1, "")
    assert store_inode(site) == inode, "the second edit was not built from the store"
    assert "Second edit." in read(site, B) and "First edit." not in read(site, B)
    assert written(site / "output") == BRAVO_BODY_SHOWN
    assert_same_as_cold(site, cold(site))

    age(site / "output")
    edit(site, "content/2022/delta.md", source("delta", text=body("Delta", " Edited after Bravo.")))
    third = build(run, site)
    assert (third.converted, third.err) == (1, "")
    assert store_inode(site) == inode, "the edit of another article was not built from the store"
    assert "Edited after Bravo." in read(site, D)
    assert "Second edit." in read(site, B)
    # Delta is on town's first page and in the site's, test-desk's and weather's feeds.
    assert written(site / "output") == {D, *feeds(""), *feeds("tags/town/"), *feeds("tags/weather/"),
                                        *feeds("authors/test-desk/")}
    assert_same_as_cold(site, cold(site))

    # A setting changed: a whole build, which reads the content cache. The edits' builds added
    # their files to it (through its journal): none is converted again.
    age(site / "output")
    edit(site, "config.yaml", CONFIG.replace("News from the test town", "News from the test city"))
    whole = build(run, site)
    assert (whole.converted, whole.err) == (0, ""), whole
    assert store_inode(site) != inode  # the whole build wrote the store afresh
    assert "News from the test city" in read(site, "index.html")
    assert "Second edit." in read(site, B) and "Edited after Bravo." in read(site, D)
    assert_same_as_cold(site, cold(site))

    # And the next edit is built from that store again.
    age(site / "output")
    inode = store_inode(site)
    edit_bravo(site, " Third edit.")
    fourth = build(run, site)
    assert (fourth.converted, fourth.err) == (1, "")
    assert store_inode(site) == inode
    assert written(site / "output") == BRAVO_BODY_SHOWN
    assert_same_as_cold(site, cold(site))


# --- a site folder whose name a URI would misread ----------------------------------------------------

def test_an_edit_in_a_folder_named_with_uri_characters_is_built_from_the_store(site, run, cold, tmp_path):
    # The store is opened read-only through an SQLite URI: "?", "#", "%" and spaces in the folder's
    # name must be taken as part of it.
    odd = copy_sources(site, tmp_path / "news ?#% desk")
    assert run("build", "--site", odd).status == 0
    without_content_index(odd)
    edit(odd, "content/2022/bravo.md", source("bravo", text=body("Bravo", " Added by the edit.")))
    again = build(run, odd)
    assert (again.converted, again.err) == (1, "")
    assert "Added by the edit." in read(odd, B)
    assert_same_as_cold(odd, cold(odd))


def test_an_edit_after_whole_builds_that_made_the_body_file_afresh_is_built_from_the_store(site, run, cold):
    # Each Markdown setting below renders every body again, appended to bodies.bin; by the second,
    # most of the file is no longer used and the whole build writes it afresh, every body at a new
    # place. The store, written beside that build, must know the new places: the next edit is
    # built from it, with no warning.
    for extensions in ("[abbr]", "[abbr, def_list]"):
        edit(site, "config.yaml", CONFIG + f"markdown:\n  extensions: {extensions}\n")
        assert build(run, site).converted == EVERY_BODY
    without_content_index(site)
    edit_bravo(site, " Added by the edit.")
    again = build(run, site)
    assert store_warnings(again.err) == []
    assert again.converted == 1, again
    assert "Added by the edit." in read(site, B)
    assert_same_as_cold(site, cold(site))


# --- the last good build's hashes (last-build-hashes.bin): which files an edit changed ---------------

def bravo_hash(site: Path) -> bytes:
    return hashlib.sha256((site / "content/2022/bravo.md").read_bytes()).hexdigest().encode()


def record_parts(record: Path) -> tuple[bytes, bytes, bytes]:
    """The record's header line, its checksums (one per run of 1,024 hashes: one run here) and
    its hashes (64 characters for each Markdown file: 5 articles, 1 page)."""
    header, _, rest = record.read_bytes().partition(b"\n")
    return header, rest[:4], rest[4:]


def assert_checksums_hold(record: Path) -> None:
    header, checksums, hashes = record_parts(record)
    assert len(hashes) == 64 * 6
    assert checksums == zlib.crc32(hashes).to_bytes(4, "little")
    assert int(header.split(b"\0")[-1]) == zlib.crc32(checksums)


def test_an_edit_is_found_the_same_with_and_without_the_record_of_the_last_builds_hashes(site, run, cold):
    record = built_hashes_file(site)
    assert record.is_file(), "a good build records the hashes it read"
    edit_bravo(site, " First edit.")
    first = build(run, site)
    assert (first.converted, first.err) == (1, "")
    assert_same_as_cold(site, cold(site))

    # Without the record, the edit is found from the store's digests instead: the same build.
    record.unlink()
    age(site / "output")
    edit_bravo(site, " Second edit.")
    second = build(run, site)
    assert (second.converted, second.err) == (1, "")
    assert written(site / "output") == BRAVO_BODY_SHOWN
    assert "Second edit." in read(site, B)
    assert_same_as_cold(site, cold(site))
    assert record.is_file(), "and that build recorded its hashes again"


def test_an_edits_build_writes_the_changed_hashes_into_the_record_in_place(site, run, cold):
    # At a million files the record is 64 MB: an edit's build writes the edited file's hash and the
    # header where they are, in the same file, and the record then holds what a whole build's would.
    record = built_hashes_file(site)
    inode = record.stat().st_ino
    for number in range(2):
        edit_bravo(site, f" Edit number {number}.")
        again = build(run, site)
        assert (again.converted, again.err) == (1, "")
        assert f"Edit number {number}." in read(site, B)
        assert_same_as_cold(site, cold(site))
        assert record.stat().st_ino == inode, "the record was written whole, not in place"
        assert bravo_hash(site) in record_parts(record)[2]
        assert_checksums_hold(record)
    # A whole build (a setting changed) writes it whole again, and edits after it still patch it.
    store = store_inode(site)
    edit(site, "config.yaml", (site / "config.yaml").read_text().replace("Test Gazette", "Test Herald"))
    build(run, site)
    assert store_inode(site) != store, "not a whole build"
    assert bravo_hash(site) in record_parts(record)[2]
    assert_checksums_hold(record)
    edit_bravo(site, " After the whole build.")
    again = build(run, site)
    assert (again.converted, again.err) == (1, "")
    assert bravo_hash(site) in record.read_bytes()
    assert_same_as_cold(site, cold(site))


def test_a_record_of_hashes_altered_to_hide_an_edit_is_not_trusted(site, run, cold):
    # Damage that would hide the edit: Bravo's hash in the record becomes the hash of its new
    # bytes. Trusted, the build would see nothing changed in Bravo and leave its page stale; the
    # checksum sees the damage and the store's digests find the edit.
    old_hash = bravo_hash(site)
    edit_bravo(site, " Added by the edit.")
    new_hash = bravo_hash(site)
    record = built_hashes_file(site)
    header, checksums, hashes = record_parts(record)
    at = hashes.index(old_hash)
    assert len(hashes) == 64 * 6 and at % 64 == 0
    record.write_bytes(header + b"\n" + checksums + hashes[:at] + new_hash + hashes[at + 64:])
    again = build(run, site)
    assert (again.converted, again.err) == (1, "")
    assert "Added by the edit." in read(site, B)
    assert_same_as_cold(site, cold(site))


def test_an_edit_reads_only_the_runs_of_the_record_it_compares_and_a_damaged_run_is_found_when_read(
        site, run, cold, monkeypatch):
    # At a million files the record is 64 MB; after a pause an edit's build read it all back from
    # the disk. The known hashes name which positions changed since the record was saved (their
    # journal), so an edit compares those alone, each run of hashes (1,024; here 1) with its own
    # checksum. A run damaged where no edit looks stays unread until an edit needs it; then its
    # checksum refuses it and the store's digests find the edit instead.
    from generator.read import inputs

    monkeypatch.setattr(inputs, "_BUILT_RUN", 1)
    monkeypatch.setattr(inputs, "_RACY_NS", 0)  # files count as settled at once: a scan reads only the edited
    record = built_hashes_file(site)
    edit_bravo(site, " First edit.")
    assert build(run, site).converted == 1  # the record of runs of 1,024 is refused, then written whole
    rest = record.read_bytes().partition(b"\n")[2]
    checksums, hashes = rest[:4 * 6], rest[4 * 6:]
    assert len(hashes) == 64 * 6 and all(
        checksums[4 * n:4 * n + 4] == zlib.crc32(hashes[64 * n:64 * n + 64]).to_bytes(4, "little") for n in range(6))
    delta_hash = hashlib.sha256((site / "content/2022/delta.md").read_bytes()).hexdigest().encode()
    assert delta_hash in hashes
    damaged = delta_hash[:10] + (b"0" if delta_hash[10:11] != b"0" else b"1") + delta_hash[11:]
    record.write_bytes(record.read_bytes().replace(delta_hash, damaged))
    inode = record.stat().st_ino

    edit_bravo(site, " Second edit.")
    again = build(run, site)
    assert (again.converted, again.err) == (1, "")
    assert "Second edit." in read(site, B)
    assert_same_as_cold(site, cold(site))
    assert record.stat().st_ino == inode and damaged in record.read_bytes(), \
        "the edit's build read Delta's damaged run (it rewrote the record)"

    edit(site, "content/2022/delta.md", source("delta", text=body("Delta", " Delta edited.")))
    again = build(run, site)
    assert (again.converted, again.err) == (1, "")
    assert "Delta edited." in read(site, D)
    assert_same_as_cold(site, cold(site))
    assert record.stat().st_ino != inode and damaged not in record.read_bytes()


def test_an_edit_before_a_failed_build_is_still_built_after_it_from_the_store(site, run, cold):
    # A build that fails while reading (a typo in front matter) changes nothing the record of the
    # last good build describes: the build after the fix is still an edit's build from the store
    # (not a whole one: 21 s against 0.8 s at 100,000 articles). The failed build's scan keeps the
    # hashes it read (its known hashes); the record of hashes stays that of the last good build,
    # so the next build sees Bravo's edit as well as the fix.
    inode = store_inode(site)
    without_content_index(site)
    edit_bravo(site, " Added before the failure.")
    edit(site, "content/2022/delta.md", "---\ntitle: [unclosed\n---\nBody.\n")
    failed = run("build", "--site", site)
    assert failed.status == 1 and "content/2022/delta.md:2" in failed.err
    edit(site, "content/2022/delta.md", source("delta", text=body("Delta", " Fixed.")))
    again = build(run, site)
    assert (again.converted, again.err) == (2, "")  # a whole build without the index converts all 6
    assert store_inode(site) == inode, "the build after the fix was not built from the store"
    assert "Added before the failure." in read(site, B) and "Fixed." in read(site, D)
    assert_same_as_cold(site, cold(site))


def test_a_failed_build_undone_leaves_nothing_to_do(site, run):
    # The failed build left output/ and the record as they were: with the sources back as they
    # were, the next build stops at the record, without even opening the content cache (damaged
    # here: a build that read it would say so, and convert every body again).
    before = snapshot(site / "output")
    delta = (site / "content/2022/delta.md").read_text()
    edit(site, "content/2022/delta.md", "---\ntitle: [unclosed\n---\nBody.\n")
    assert run("build", "--site", site).status == 1
    edit(site, "content/2022/delta.md", delta)
    cache_file(site).write_bytes(b"not a cache")
    again = build(run, site)
    assert (again.converted, again.rendered, again.written, again.err) == (0, 0, 0, "")
    assert snapshot(site / "output") == before


def test_a_build_that_fails_while_planning_keeps_the_store_in_place(site, run, cold):
    # The whole build writes the site store in another process while it plans the pages. A build
    # that fails then (a file added under content/ where an article's page goes: two files for one
    # path, found when the plan is checked) puts no new store in place and leaves the last good
    # build's: after the fix, Bravo's edit is still built from it.
    inode = store_inode(site)
    clash = site / "content" / B
    clash.parent.mkdir(parents=True)
    clash.write_text("<p>a page written by hand</p>\n")
    failed = run("build", "--site", site)
    assert failed.status == 1 and f"would both be written to /{B}" in failed.err, failed.err
    assert store_inode(site) == inode
    assert not store_file(site).with_name(store_file(site).name + ".new").exists()
    shutil.rmtree(clash.parent)
    without_content_index(site)
    edit_bravo(site, " Added after the failure.")
    again = build(run, site)
    assert (again.converted, again.err) == (1, "")  # a whole build without the index converts all 6
    assert store_inode(site) == inode, "the edit after the failed build was not built from the store"
    assert "Added after the failure." in read(site, B)
    assert_same_as_cold(site, cold(site))


def test_a_build_that_fails_while_planning_does_not_wait_for_the_store(site, monkeypatch):
    # The store's child of a very large site takes minutes; a build that fails while planning
    # ends it instead of waiting for a store it throws away. The child is forked from this test's
    # process, so it runs this slow write: the build must fail long before the minute is up.
    import time

    import pytest

    from generator.build import build as build_site
    from generator.errors import BuildFailed
    from generator.write.site_store import SiteStore

    monkeypatch.setattr(SiteStore, "write", staticmethod(lambda *args: time.sleep(60)))
    inode = store_inode(site)
    clash = site / "content" / B
    clash.parent.mkdir(parents=True)
    clash.write_text("<p>a page written by hand</p>\n")
    started = time.monotonic()
    with pytest.raises(BuildFailed) as failed:
        build_site(site)
    assert time.monotonic() - started < 30, "the failed build waited for the store's child"
    assert f"would both be written to /{B}" in failed.value.errors[0].message
    assert store_inode(site) == inode
    assert not store_file(site).with_name(store_file(site).name + ".new").exists()
