"""A deterministic synthetic news corpus for benchmarks: ~700-word articles, 3-5 of 200 tags."""

from __future__ import annotations

import random
from datetime import datetime, timedelta, timezone
from pathlib import Path

WORDS = (
    "council budget vote minister report police court school hospital river flood storm rail strike "
    "election party leader plan policy tax funding project research study team season match club "
    "league record festival museum artist author weather coast bridge road airport train station "
    "housing rent homes farm climate energy grid network service security privacy investigation "
    "trial judge ruling appeal law parliament committee hearing statement agency board community "
    "residents district region border capital early late major local national said told added "
    "warned announced confirmed expected the a of and to in is that for on with as was by at from"
).split()


def sentence(rng: random.Random, low: int = 8, high: int = 22) -> str:
    words = [rng.choice(WORDS) for _ in range(rng.randint(low, high))]
    return " ".join(words).capitalize() + "."


def paragraph(rng: random.Random) -> str:
    return " ".join(sentence(rng) for _ in range(rng.randint(3, 6)))


def article_text(index: int, rng: random.Random, tags: list[str], start: datetime) -> tuple[str, str]:
    title = " ".join(rng.choice(WORDS) for _ in range(rng.randint(5, 9))).title()
    date = start + timedelta(hours=7 * index, minutes=rng.randint(0, 59))
    chosen = rng.sample(tags, rng.randint(3, 5))
    body: list[str] = []
    while sum(len(p.split()) for p in body) < 700:
        if len(body) % 4 == 3:
            body.append("## " + sentence(rng, 2, 5).rstrip("."))
        body.append(paragraph(rng))
    text = (
        "---\n"
        f'title: "{title}"\n'
        f"date: {date.isoformat()}\n"
        f'author: "Reporter {index % 37}"\n'
        f"tags: [{', '.join(chosen)}]\n"
        f'summary: "{sentence(rng)}"\n'
        "---\n" + "\n\n".join(body) + "\n"
    )
    return f"article-{index:06d}", text


def make_site(folder: Path, articles: int, seed: int = 42) -> Path:
    """Write config.yaml and content/ for a site of `articles` articles; returns the folder."""
    rng = random.Random(seed)
    tags = [f"topic-{n:03d}" for n in range(200)]
    start = datetime(2015, 1, 1, tzinfo=timezone.utc)
    content = folder / "content"
    content.mkdir(parents=True, exist_ok=True)
    (folder / "config.yaml").write_text(
        "title: Benchmark Gazette\nbase_url: https://example.org/\nper_page: 10\n", encoding="utf-8")
    for index in range(articles):
        name, text = article_text(index, rng, tags, start)
        (content / f"{name}.md").write_text(text, encoding="utf-8")
    return folder
