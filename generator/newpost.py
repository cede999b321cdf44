"""`broadsheet new`: a new article file with its front matter filled in."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

from .config import Config
from .errors import BuildFailed, SiteError
from .urls import slugify


def new_article(config: Config, title: str, tags: list[str], now: datetime) -> Path:
    """Write content/YYYY/YYYY-MM-DD-slug.md and return its path; never overwrite."""
    slug = slugify(title)
    if not slug:
        raise BuildFailed([SiteError(f"cannot make a file name from the title {title!r}: "
                                     "it needs letters or digits")])
    local = now.astimezone(config.tz)
    path = config.content_dir / f"{local:%Y}" / f"{local:%Y-%m-%d}-{slug}.md"
    lines = [
        "---",
        f"title: {json.dumps(title, ensure_ascii=False)}",  # a JSON string is a valid double-quoted YAML one
        f"date: {local:%Y-%m-%d %H:%M}",
    ]
    if config.author:
        lines.append(f"author: {json.dumps(config.author, ensure_ascii=False)}")
    lines.append("tags: [" + ", ".join(json.dumps(t, ensure_ascii=False) for t in tags) + "]")
    lines += [
        "# summary: One or two sentences for the front page and feeds.",
        "# draft: true    # keeps the article out of `broadsheet build` until you remove this line",
        "---",
        "",
        "Write the article here, in Markdown.",
        "",
    ]
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        with path.open("x", encoding="utf-8") as handle:  # "x": fail rather than overwrite
            handle.write("\n".join(lines))
    except FileExistsError as exc:
        raise BuildFailed([SiteError("an article with this file name exists already; "
                                     "choose another title or edit that file", path)]) from exc
    return path
