"""`broadsheet watch` (generator/serve/watch_daemon.py, read/watched.py): a daemon that hears the
site's files change, so that a build looks only at what changed. What it must never do is make
a build miss a change: tests/test_never_stale.py runs its random edits with it too."""

from __future__ import annotations

import errno
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from conftest import REPO, article, site_files
from generator.read.watched import ask, socket_address
from generator.serve.watch_daemon import WatchDaemon

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="inotify is Linux's")


@contextmanager
def watching(site: Path, remembered: int = 100_000) -> Iterator[WatchDaemon]:
    daemon = WatchDaemon(site, (site / "content", site / "output"), remembered=remembered)
    stopping = threading.Event()
    thread = threading.Thread(target=daemon.serve_forever, args=(stopping.is_set,), daemon=True)
    thread.start()
    try:
        yield daemon
    finally:
        stopping.set()
        thread.join()
        daemon.close()


def test_the_daemon_says_what_changed_since_a_token_including_a_change_made_just_before(tmp_path):
    site = tmp_path / "site"
    posts = site / "content" / "posts"
    posts.mkdir(parents=True)
    (posts / "a.md").write_text("a")
    (posts / "b.md").write_text("b")
    with watching(site):
        first = ask(site, site / "content", "")
        assert first is not None and first.changed is None  # no token yet: anything may have changed
        (posts / "a.md").write_text("a, edited")
        (posts / "2026" / "11").mkdir(parents=True)  # a folder made with files in it at once
        (posts / "2026" / "11" / "c.md").write_text("c")
        (posts / "b.md").rename(posts / "bee.md")
        heard = ask(site, site / "content", first.token)
        assert heard.changed == {"posts/a.md", "posts/2026", "posts/2026/11", "posts/2026/11/c.md", "posts/b.md",
                                 "posts/bee.md"}
        assert ask(site, site / "content", heard.token).changed == frozenset()
        assert ask(site, site / "output", heard.token).changed is None  # output/ does not exist: not watched
        os.utime(posts / "bee.md", ns=(1, 1))  # a touch changes the stamp a build compares
        assert ask(site, site / "content", heard.token).changed == {"posts/bee.md"}
        assert ask(site, site / "content", "another-instance:3").changed is None
        shutil.rmtree(posts / "2026")
        assert {"posts/2026/11/c.md", "posts/2026"} <= ask(site, site / "content", heard.token).changed


def test_the_daemon_that_forgot_changes_answers_unknown_to_older_tokens(tmp_path):
    site = tmp_path / "site"
    (site / "content").mkdir(parents=True)
    with watching(site, remembered=3):
        token = ask(site, site / "content", "").token
        (site / "content" / "one.md").write_text("1")
        assert ask(site, site / "content", token).changed == {"one.md"}
        for name in "abcd":
            (site / "content" / f"{name}.md").write_text(name)
        assert ask(site, site / "content", token).changed is None  # as after the kernel's queue overflowed


def test_without_a_daemon_a_build_asks_no_one(tmp_path):
    assert ask(tmp_path, tmp_path / "content", "") is None


@pytest.mark.skipif(os.geteuid() != 0, reason="needs to start a process as another user")
def test_an_answer_from_another_users_process_is_not_believed(tmp_path):
    # The socket's name is in the abstract namespace, which any user could take first and answer
    # "nothing changed" to every build: a build believes only its own user's daemon.
    (tmp_path / "content").mkdir()
    ready, told = os.pipe()
    child = os.fork()
    if child == 0:  # a daemon of user nobody, which says nothing changed
        try:
            os.setuid(65534)
            listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            listener.bind(socket_address(tmp_path))
            listener.listen(1)
            os.write(told, b"r")
            connection, _ = listener.accept()
            connection.recv(65536)
            connection.sendall(b'{"token": "x:1", "changed": []}')
            connection.close()
        finally:
            os._exit(0)
    try:
        assert os.read(ready, 1) == b"r"
        assert ask(tmp_path, tmp_path / "content", "x:0") is None
    finally:
        os.kill(child, signal.SIGKILL)
        os.waitpid(child, 0)


@pytest.fixture
def thirty(make_site) -> Path:
    return make_site({f"content/posts/story-{n:02}.md": article(f"Story {n}", f"2024-03-{n % 28 + 1:02}",
                                                                f"Body of story {n}.") for n in range(30)})


class Looks:
    """Counts the stats of content/'s Markdown files, and the looks at all of output/ (a child
    process that lstats every file the manifest lists: write/output.intact_output)."""

    def __init__(self, monkeypatch, site: Path) -> None:
        import generator.build

        self.markdown = self.whole_output = 0
        real_stat, real_in_background = os.stat, generator.build.in_background
        content = str(site / "content")

        def stat(path, *args, **kwargs):
            if isinstance(path, str) and path.startswith(content) and path.endswith(".md"):
                self.markdown += 1
            return real_stat(path, *args, **kwargs)

        def in_background(work, *args, **kwargs):
            if getattr(work, "func", None) is generator.build.intact_output:
                self.whole_output += 1
            return real_in_background(work, *args, **kwargs)

        monkeypatch.setattr(os, "stat", stat)
        monkeypatch.setattr(generator.build, "in_background", in_background)


def test_with_the_daemon_a_build_looks_only_at_what_changed_and_shows_the_edit(thirty, run, monkeypatch):
    from generator.read import inputs

    # Files and folders count as settled at once: a listing made within two seconds of a change is
    # otherwise not kept (see inputs._listing_to_keep), and every file is looked at again.
    monkeypatch.setattr(inputs, "_RACY_NS", 0)
    site = thirty
    with watching(site):
        assert run("build", "--site", site).status == 0  # no token yet: looks at everything
        assert run("build", "--site", site).status == 0
        looks = Looks(monkeypatch, site)
        result = run("build", "--site", site)
        assert "0 files written" in result.out
        assert (looks.markdown, looks.whole_output) == (0, 0), "nothing changed, and it looked at every file"
        story = site / "content" / "posts" / "story-07.md"
        story.write_text(article("Story 7, updated", "2024-03-08", "A new paragraph about the port."))
        looks = Looks(monkeypatch, site)
        result = run("build", "--site", site)
        assert result.status == 0, result.err
        assert (looks.markdown, looks.whole_output) == (1, 0)
    assert any("A new paragraph about the port." in page.read_text() and "Story 7, updated" in page.read_text()
               for page in (site / "output").rglob("index.html"))
    cold = run("build", "--site", site, "--no-cache", "--output", site.parent / "cold")
    assert cold.status == 0
    assert site_files(site / "output") == site_files(site.parent / "cold")


def test_with_the_daemon_output_changed_by_hand_is_put_back(thirty, run):
    site = thirty
    with watching(site):
        assert run("build", "--site", site).status == 0
        assert "0 files written" in run("build", "--site", site).out  # from here the daemon vouches for output/
        expected = site_files(site / "output")
        pages = sorted(p for p in (site / "output").rglob("index.html") if "Body of story" in p.read_text())
        pages[0].unlink()  # a file deleted
        shutil.move(str(pages[1].parent), str(site.parent / "moved-away"))  # a folder taken away whole
        pages[2].write_text("vandalised")  # a file written over
        result = run("build", "--site", site)
        assert result.status == 0, result.err
        assert site_files(site / "output") == expected
        manifest = site / "output" / ".broadsheet-manifest"
        manifest.write_text(manifest.read_text() + "posts/x/index.html\tabc\t12\n")  # edited by hand
        (site / "output" / "feed.xml").unlink()
        assert run("build", "--site", site).status == 0
        assert site_files(site / "output") == expected


def test_broadsheet_watch_runs_until_stopped_and_refuses_to_run_twice(thirty):
    site = thirty
    command = [sys.executable, "-m", "generator", "watch", "--site", str(site)]
    environment = {**os.environ, "PYTHONPATH": str(REPO)}
    build = [sys.executable, "-m", "generator", "build", "--site", str(site)]
    daemon = subprocess.Popen(command, stderr=subprocess.PIPE, text=True, env=environment)
    try:
        line = daemon.stderr.readline()
        assert line.startswith("watching ") and "Ctrl-C stops" in line, line
        second = subprocess.run(command, capture_output=True, text=True, env=environment, timeout=60)
        assert second.returncode == 1
        assert "another `broadsheet watch` already watches this site" in second.stderr
        assert subprocess.run(build, capture_output=True, env=environment, timeout=120).returncode == 0
        (site / "content" / "posts" / "story-03.md").write_text(article("Story 3", "2024-03-04", "Late news."))
        built = subprocess.run(build, capture_output=True, text=True, env=environment, timeout=120)
        assert "1 Markdown converted" in built.stdout
        assert any("Late news." in p.read_text() for p in (site / "output").rglob("index.html"))
        assert ask(site, site / "content", "") is not None
    finally:
        daemon.send_signal(signal.SIGTERM)
        _, rest = daemon.communicate(timeout=30)
    assert (daemon.returncode, rest) == (0, "stopped watching\n")
    assert ask(site, site / "content", "") is None

    # The site's .cache deleted: no question can be answered any more, and it says so.
    daemon = subprocess.Popen(command, stderr=subprocess.PIPE, text=True, env=environment)
    try:
        assert daemon.stderr.readline().startswith("watching ")
        shutil.rmtree(site / ".cache")
        _, rest = daemon.communicate(timeout=30)
    finally:
        daemon.kill()
    assert daemon.returncode == 1
    assert "was removed (the site's .cache deleted?)" in rest and "Start `broadsheet watch` again." in rest


def test_the_check_of_reported_paths_finds_files_of_output_by_their_names_in_any_script(tmp_path):
    from generator.write.output import MANIFEST, intact_where_reported, manifest_stamp

    out = tmp_path / "output"
    files = {"a/index.html": b"aa", "café/index.html": b"cafe!", "zürich/index.html": b"zz", "zz/index.html": b"z",
             "новости/index.html": b"news"}
    for path, data in files.items():
        (out / path).parent.mkdir(parents=True)
        (out / path).write_bytes(data)
    (out / MANIFEST).write_text("".join(f"{path}\tfp\t{len(data)}\n" for path, data in sorted(files.items()))
                                + "\t\t0\n", encoding="utf-8")
    stamp = manifest_stamp(out)
    assert intact_where_reported(out, frozenset({"café/index.html", "zürich", "новости/index.html"}), stamp)
    (out / "zürich" / "index.html").write_bytes(b"another size")
    assert not intact_where_reported(out, frozenset({"zürich"}), stamp)  # a folder reported: its files looked at
    assert intact_where_reported(out, frozenset({"café/index.html"}), stamp)  # the others are not
    (out / "новости" / "index.html").unlink()
    assert not intact_where_reported(out, frozenset({"новости/index.html"}), stamp)
    assert not intact_where_reported(out, frozenset(), "another stamp")


def test_a_folder_the_system_will_not_watch_whole_is_answered_unknown_and_said_once(tmp_path, monkeypatch):
    # Linux's limit of watched folders reached (fs.inotify.max_user_watches): the builds look at
    # every file of that folder, as without a daemon; it is said once, and not tried at every
    # question (at a million articles, walking output/ again would take each build seconds).
    from generator.serve import inotify

    site = tmp_path / "site"
    for n in range(6):
        (site / "output" / f"folder-{n}").mkdir(parents=True)
    (site / "content").mkdir()
    real, tried = inotify.Inotify.watch_folder, []

    def limited(self, path):
        tried.append(path)
        if "folder-3" in path:
            raise OSError(errno.ENOSPC, "No space left on device", path)
        return real(self, path)

    monkeypatch.setattr(inotify.Inotify, "watch_folder", limited)
    said = []
    daemon = WatchDaemon(site, (site / "content", site / "output"), say=said.append)
    try:
        first = daemon.answer(str(site / "output"), "")
        assert daemon.answer(str(site / "output"), first["token"])["changed"] is None
        (site / "content" / "a.md").write_text("a")
        assert daemon.answer(str(site / "content"), first["token"])["changed"] == ["a.md"]
        attempts = len(tried)
        (site / "output" / "folder-3-again").mkdir()  # refused too, and not said again
        for _ in range(3):
            assert daemon.answer(str(site / "output"), first["token"])["changed"] is None
        assert len(tried) == attempts + 1
        assert len(said) == 1 and "fs.inotify.max_user_watches" in said[0] and "sysctl" in said[0]
    finally:
        daemon.close()


def test_on_another_system_a_build_asks_no_daemon(thirty, monkeypatch):
    # The daemon is Linux's (inotify, abstract Unix sockets); elsewhere a build does its own looking.
    with watching(thirty):
        assert ask(thirty, thirty / "content", "") is not None
        monkeypatch.setattr(sys, "platform", "win32")
        assert ask(thirty, thirty / "content", "") is None
