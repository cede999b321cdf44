"""The preview's watcher (generator/serve/watch.py), on real files in a temporary site folder.

Every behaviour is checked twice: with the operating system's file events (watchfiles), and with
the polling fallback. A test saves files as an editor would and looks at what the watcher reports:
each settled burst of saves is one Change, with the paths as the build names them.
"""

from __future__ import annotations

import logging
import os
import queue
import sys
import time
from pathlib import Path

import pytest

from generator.serve.watch import Change, Watcher

QUIET = 0.6  # seconds with no report that show nothing more is coming (settling takes 0.03 s, polling 0.2 s)


def sources(site: Path) -> list[Path]:
    """What the server watches (Preview.sources), less the installed themes."""
    return [site / "config.yaml", site / "authors.yaml", site / "content", site / "themes"]


@pytest.fixture
def site(tmp_path: Path) -> Path:
    site = tmp_path / "site"
    (site / "content").mkdir(parents=True)
    (site / "config.yaml").write_text("title: Test\n", encoding="utf-8")
    (site / "content" / "a.md").write_text("---\ntitle: A\n---\nText.\n", encoding="utf-8")
    return site


class Reports:
    def __init__(self, watcher: Watcher):
        self.watcher = watcher
        self.changes: queue.Queue[Change] = queue.Queue()

    def next(self, timeout: float = 5.0) -> set[str]:
        try:
            return set(self.changes.get(timeout=timeout).paths)
        except queue.Empty:
            pytest.fail(f"no change reported within {timeout} s")

    def none(self, wait: float = QUIET) -> None:
        try:
            change = self.changes.get(timeout=wait)
        except queue.Empty:
            return
        pytest.fail(f"an unexpected change was reported: {sorted(change.paths)}")


@pytest.fixture(params=["events", "polling"])
def watch(request):
    """watch(site) -> Reports of a started Watcher; watch(site, start=False) leaves it to the test."""
    made: list[Watcher] = []

    def make(site: Path, start: bool = True) -> Reports:
        watcher = Watcher(lambda: sources(site), polling=request.param == "polling")
        made.append(watcher)
        assert watcher.method == request.param
        reports = Reports(watcher)
        if start:
            watcher.start(reports.changes.put)
        return reports

    yield make
    for watcher in made:
        watcher.stop()


def write(path: Path, text: str) -> str:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return str(path)


def test_a_save_is_reported_once(site, watch):
    reports = watch(site)
    saved = write(site / "content" / "a.md", "---\ntitle: A, edited\n---\nText.\n")
    assert reports.next() == {saved}
    reports.none()


def test_a_burst_of_saves_is_one_change(site, watch):
    reports = watch(site)
    saved = set()
    for n in range(15):  # 15 files, a few milliseconds apart: one `git checkout`
        saved.add(write(site / "content" / f"burst-{n}.md", f"---\ntitle: Burst {n}\n---\nText.\n"))
        time.sleep(0.005)
    assert reports.next() == saved
    reports.none()


def test_hidden_files_and_editor_leftovers_are_ignored(site, watch):
    reports = watch(site)
    content = site / "content"
    for name in (".a.md.swp", "a.md~", "#a.md#", ".#a.md", "4913", "a.md___jb_tmp___", "draft.tmp",
                 ".obsidian/workspace.json", ".git/index"):
        write(content / name, "leftover")
    (content / "4913").unlink()  # vim's probe comes and goes
    time.sleep(0.2)
    saved = write(content / "b.md", "---\ntitle: B\n---\nText.\n")
    assert reports.next() == {saved}
    reports.none()


def test_output_and_the_cache_are_never_reported(site, watch):
    reports = watch(site)
    write(site / "output" / "index.html", "<p>built")
    write(site / "output" / "2022" / "02" / "28" / "a" / "index.html", "<p>built")
    write(site / ".cache" / "broadsheet" / "content.marshal", "cache")
    write(site / "README.md", "not a source")
    reports.none()
    saved = write(site / "content" / "a.md", "---\ntitle: A, edited\n---\nText.\n")
    assert reports.next() == {saved}


def test_a_file_replaced_with_the_same_mtime_but_another_size_is_seen(site, watch):
    article = site / "content" / "a.md"
    before = article.stat()
    reports = watch(site)
    article.write_text("---\ntitle: A, replaced by a longer one\n---\nText.\n", encoding="utf-8")
    os.utime(article, ns=(before.st_atime_ns, before.st_mtime_ns))
    assert article.stat().st_mtime_ns == before.st_mtime_ns
    assert reports.next() == {str(article)}


def test_a_deleted_article_is_reported(site, watch):
    reports = watch(site)
    (site / "content" / "a.md").unlink()
    assert reports.next() == {str(site / "content" / "a.md")}


def test_config_saved_by_renaming_a_new_file_over_it_is_seen_every_time(site, watch):
    # As editors save: write a new file beside it, rename it over the old one (a new inode each time).
    reports = watch(site)
    for n in range(2):
        write(site / "config.new", f"title: Test {n}\n")
        os.replace(site / "config.new", site / "config.yaml")
        assert reports.next() == {str(site / "config.yaml")}


def test_files_in_new_folders_are_reported(site, watch):
    # Written at once, before the system could be asked to watch the new folders (`git checkout`, `cp -r`).
    reports = watch(site)
    saved = {write(site / "content" / f"{year}" / f"{month:02d}" / f"story-{n}.md", "---\ntitle: New\n---\nText.\n")
             for year in (2023, 2024) for month in (1, 2, 3) for n in range(3)}
    assert saved <= reports.next()
    again = write(site / "content" / "2024" / "03" / "story-0.md", "---\ntitle: New, edited\n---\nText.\n")
    assert reports.next() == {again}


def test_a_themes_folder_made_while_watching_is_watched(site, watch):
    reports = watch(site)
    template = write(site / "themes" / "mine" / "templates" / "base.html", "<html>")
    assert template in reports.next()
    write(site / "themes" / "mine" / "templates" / "base.html", "<html lang=en>")
    assert reports.next() == {template}


def test_a_save_before_start_is_reported_after_it(site, watch):
    # The server makes the watcher, builds, then starts it: a save during the first build is not lost.
    reports = watch(site, start=False)
    saved = write(site / "content" / "a.md", "---\ntitle: A, saved during the first build\n---\nText.\n")
    time.sleep(0.2)
    reports.watcher.start(reports.changes.put)
    assert reports.next() == {saved}


def test_stop_ends_the_watch_promptly(site, watch):
    reports = watch(site)
    started = time.monotonic()
    reports.watcher.stop()
    assert time.monotonic() - started < 1.0
    write(site / "content" / "a.md", "---\ntitle: After stop\n---\nText.\n")
    reports.none(0.4)


# --- the file events themselves, and the fallback to polling -------------------------------------

def test_an_idle_watch_of_many_files_uses_almost_no_cpu(tmp_path):
    site = tmp_path / "site"
    content = site / "content"
    content.mkdir(parents=True)
    for n in range(3000):
        (content / f"article-{n:05d}.md").write_text("---\ntitle: T\n---\nText.\n", encoding="utf-8")
    watcher = Watcher(lambda: sources(site))
    assert watcher.method == "events"
    watcher.start(lambda change: None)
    try:
        time.sleep(0.3)
        cpu, wall = time.process_time(), time.monotonic()
        time.sleep(2.0)
        share = (time.process_time() - cpu) / (time.monotonic() - wall)
    finally:
        watcher.stop()
    # Polling these 3,000 files every 0.1 s takes about a tenth of a core; events, next to nothing.
    assert share < 0.02, f"the idle watcher used {share:.1%} of a core"


def test_the_environment_can_ask_for_polling(site, monkeypatch):
    monkeypatch.setenv("BROADSHEET_WATCH", "poll")
    watcher = Watcher(lambda: sources(site))
    assert watcher.method == "polling"
    monkeypatch.delenv("BROADSHEET_WATCH")
    assert Watcher(lambda: sources(site)).method == "events"


def _reported_by_a_fallback_watcher(site: Path) -> set[str]:
    watcher = Watcher(lambda: sources(site))
    assert watcher.method == "polling"
    changes: queue.Queue[Change] = queue.Queue()
    watcher.start(changes.put)
    try:
        saved = write(site / "content" / "a.md", "---\ntitle: A, edited\n---\nText.\n")
        return {saved} & set(changes.get(timeout=5).paths)
    finally:
        watcher.stop()


def test_without_watchfiles_it_polls(site, monkeypatch, caplog):
    monkeypatch.setitem(sys.modules, "watchfiles", None)  # as if it were not installed
    monkeypatch.setitem(sys.modules, "watchfiles._rust_notify", None)
    with caplog.at_level(logging.WARNING, logger="broadsheet.serve"):
        assert _reported_by_a_fallback_watcher(site) == {str(site / "content" / "a.md")}
    assert "looking for changes every 0.1 s instead" in caplog.text


def test_when_the_system_refuses_the_watch_it_polls(site, monkeypatch, caplog):
    import watchfiles._rust_notify

    def refuse(*args):
        raise OSError("OS file watch limit reached")

    monkeypatch.setattr(watchfiles._rust_notify, "RustNotify", refuse)
    with caplog.at_level(logging.WARNING, logger="broadsheet.serve"):
        assert _reported_by_a_fallback_watcher(site) == {str(site / "content" / "a.md")}
    assert "OS file watch limit reached" in caplog.text
