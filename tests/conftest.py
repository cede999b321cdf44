"""Fixtures: whole sites written inline, the CLI run as a user runs it."""

from __future__ import annotations

import fcntl
import http.server
import shutil
import textwrap
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

from generator.cli import main

REPO = Path(__file__).resolve().parent.parent


def benchmark_texts(count: int, lead_image_every: int = 0) -> list[str]:
    """The first `count` articles of bench/corpus.py, whole files as the benchmark makes them
    (every lead_image_every-th with a lead image, when given)."""
    import importlib.util
    import random
    from datetime import datetime, timezone

    spec = importlib.util.spec_from_file_location("bench_corpus", REPO / "bench" / "corpus.py")
    corpus = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(corpus)
    rng = random.Random(42)
    tags = [f"topic-{n:03d}" for n in range(200)]
    start = datetime(2015, 1, 1, tzinfo=timezone.utc)
    texts = [corpus.article_text(index, rng, tags, start)[1] for index in range(count)]
    if lead_image_every:
        texts = [corpus.with_lead_image(text, f"photo-{n}.jpg") if n % lead_image_every == 0 else text
                 for n, text in enumerate(texts)]
    return texts

MINIMAL_CONFIG = """\
title: Test Gazette
base_url: https://example.org/
timezone: UTC
author: Test Desk
per_page: 2
"""


def article(title: str = "A headline", date: str = "2022-02-28", body: str = "Some text.", **fields: str) -> str:
    """An article's text; extra fields are written into the front matter as given."""
    lines = [f"title: {title}", f"date: {date}"] + [f"{k}: {v}" for k, v in fields.items()]
    return "---\n" + "\n".join(lines) + "\n---\n" + body + "\n"


@dataclass
class Result:
    status: int
    out: str
    err: str


@pytest.fixture
def make_site(tmp_path: Path):
    """make_site({"content/a.md": "...", ...}) -> site folder; config.yaml is added unless given."""

    def make(files: dict[str, str | bytes], config: str | None = MINIMAL_CONFIG) -> Path:
        site = tmp_path / "site"
        site.mkdir(exist_ok=True)
        if config is not None and "config.yaml" not in files:
            (site / "config.yaml").write_text(config, encoding="utf-8")
        (site / "content").mkdir(exist_ok=True)
        for name, text in files.items():
            write_file(site, name, textwrap.dedent(text) if name.endswith(".yaml") and isinstance(text, str) else text)
        return site

    return make


@pytest.fixture
def run(capsys, monkeypatch):
    """run("build", "--site", path) -> Result(status, stdout, stderr), in-process like the console script."""

    def invoke(*args: str | Path, cwd: Path | None = None) -> Result:
        if cwd is not None:
            monkeypatch.chdir(cwd)
        capsys.readouterr()
        status = main([str(a) for a in args])
        captured = capsys.readouterr()
        return Result(status, captured.out, captured.err)

    return invoke


@pytest.fixture
def sample_site(tmp_path: Path) -> Path:
    """A copy of the repository's own site (config.yaml and content/), never written in place."""
    site = tmp_path / "sample"
    site.mkdir()
    shutil.copy(REPO / "config.yaml", site / "config.yaml")
    shutil.copytree(REPO / "content", site / "content")
    return site


class LoopbackServer(http.server.ThreadingHTTPServer):
    """A test's HTTP server for a built site. A page's search asks for a dozen files at once: with
    the standard backlog of 5, a machine busy with the parallel suite refused some connections
    and the page failed to load the index."""

    request_queue_size = 128
    daemon_threads = True


def site_files(output: Path) -> dict[str, bytes]:
    """A built site's files and their bytes, to compare two builds: without Broadsheet's own
    bookkeeping (.broadsheet-manifest). The search index too, byte for byte: its bundles are
    written by generator/search/bundle.py, filters and all in a fixed order."""
    return {p.relative_to(output).as_posix(): p.read_bytes() for p in sorted(output.rglob("*"))
            if p.is_file() and not p.name.startswith(".broadsheet")}


def write_file(site: Path, name: str, text: str | bytes) -> None:
    """Write one file of a site (its folders made as needed), text as UTF-8."""
    path = site / name
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")


def snapshot(folder: Path) -> dict[str, tuple[bytes, int]]:
    """Every file below folder with its bytes and mtime: to assert that nothing changed."""
    return {
        str(p.relative_to(folder)): (p.read_bytes(), p.stat().st_mtime_ns)
        for p in sorted(folder.rglob("*")) if p.is_file()
    }


def tiny_image(kind: str = "PNG", size: tuple[int, int] = (12, 8)) -> bytes:
    """A real image file's bytes (PNG, JPEG, ...), made with Pillow: published images are opened and
    checked, so a few made-up bytes named .png no longer build."""
    import io

    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", size, (30, 90, 160)).save(buffer, kind)
    return buffer.getvalue()



# The longest files first (seconds on the 2-core development machine, running beside another
# process): the tests are spread over processes a file at a time (pytest-xdist's --dist loadfile,
# in pyproject.toml), and a long file started last would leave the other processes idle at the
# end. Files not listed follow, in the usual order; the order within a file stays as written.
_LONG_FILES = (
    "test_accessibility.py",  # 110
    "test_incremental.py",  # 85
    "test_serve.py",  # 65
    "test_import.py",  # 60
    "test_never_stale.py",  # 50
    "test_i18n.py",  # 30
    "test_responsive_images.py",  # 28
    "test_search.py",  # 26
    "test_output.py",  # 23
    "test_content.py",  # 21
    "test_errors.py",  # 18
    "test_embeds.py",  # 17
    "test_watch.py",  # 15
    "test_news_sitemap.py",  # 14
    "test_share_cards.py",  # 14
)


def pytest_collection_modifyitems(items):
    def rank(item) -> int:
        name = item.path.name
        return _LONG_FILES.index(name) if name in _LONG_FILES else len(_LONG_FILES)

    items.sort(key=rank)  # a stable sort: each file's own order is kept


@contextmanager
def another_build_holding_the_lock(site: Path, pid: str = "4242") -> Iterator[None]:
    """Hold the site's build lock as a build does (generator/write/site_lock.py: flock on
    .cache/broadsheet/build.lock, the holder's process id written in it) until the block ends."""
    lock = site / ".cache/broadsheet/build.lock"
    lock.parent.mkdir(parents=True, exist_ok=True)
    with open(lock, "w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        handle.write(f"{pid}\n")
        handle.flush()
        yield
