"""`broadsheet build`: the stages in order. Read it top to bottom."""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from .config import Config, load_config
from .content import BuildOptions, load_content
from .errors import BuildFailed, SiteError
from .output import check_output_dir, find_collisions, write_output
from .render import OutputFile, render_site
from .site import build_site
from .theme import load_theme, make_environment


@dataclass(frozen=True)
class BuildReport:
    output_dir: Path
    articles: int
    pages: int
    written: int
    unchanged: int
    removed: int
    seconds: float


@dataclass(frozen=True)
class RenderedSite:
    """Every file of the site, in memory (copied files by reference), not yet written."""

    config: Config
    files: tuple[OutputFile, ...]
    articles: int
    pages: int


def build(site_dir: Path, output_dir: Path | None = None, options: BuildOptions = BuildOptions(),
          base_url: str | None = None, now: datetime | None = None) -> BuildReport:
    """Build the site; raises BuildFailed with every problem found, leaving output/ as it was."""
    started = time.perf_counter()
    output_dir = output_dir if output_dir is not None else site_dir / "output"
    problem = check_output_dir(site_dir, output_dir)
    if problem:
        raise BuildFailed([problem])
    rendered = render(site_dir, options, base_url, now)
    report = write_output(rendered.files, output_dir)
    return BuildReport(output_dir, rendered.articles, rendered.pages, report.written, report.unchanged,
                       report.removed, time.perf_counter() - started)


def render(site_dir: Path, options: BuildOptions = BuildOptions(), base_url: str | None = None,
           now: datetime | None = None) -> RenderedSite:
    """Every stage but the write: what `build` would write, or BuildFailed with every problem."""
    now = now or datetime.now(timezone.utc)
    config = load_config(site_dir, base_url)

    # Content and theme are independent: report the problems of both in one go.
    errors: list[SiteError] = []
    content = theme = env = None
    try:
        content = load_content(config, options, now)
    except BuildFailed as failed:
        errors.extend(failed.errors)
    try:
        theme = load_theme(config)
        env = make_environment(theme)
    except BuildFailed as failed:
        errors.extend(failed.errors)
    if errors:
        raise BuildFailed(errors)
    assert content is not None and theme is not None and env is not None

    site = build_site(config, content)
    files = render_site(site, theme, env)
    collisions = find_collisions(files, site_dir)
    if collisions:
        raise BuildFailed(collisions)
    return RenderedSite(config, tuple(files), len(site.articles), len(site.pages))
