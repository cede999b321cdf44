"""A deterministic synthetic news corpus for benchmarks: ~700-word articles, 3-5 of 200 tags.

With images (issue 11), 1 in 5 articles gets a generated photo as its lead `image:`: a
2400x1600 JPEG (about 540 KB) drawn with Pillow from a seed (colour fields, soft shapes, grain and
noise, so it compresses like a photo, not like a flat drawing). Photos are made once, in
parallel, into a cache folder (`photos()`), and linked (or copied) into each site from there.
"""

from __future__ import annotations

import io
import os
import random
import shutil
from concurrent.futures import ProcessPoolExecutor
from datetime import datetime, timedelta, timezone
from pathlib import Path

PHOTO_SIZE = (2400, 1600)
PHOTO_QUALITY = 85
PHOTO_CACHE = Path(os.environ.get("TMPDIR", "/tmp")) / "bs-bench-photos"

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


def make_site(folder: Path, articles: int, seed: int = 42, images_every: int = 0) -> Path:
    """Write config.yaml and content/ for a site of `articles` articles; returns the folder.
    With `images_every` = N, every Nth article (0, N, 2N, ...) has a lead photo beside it."""
    rng = random.Random(seed)
    tags = [f"topic-{n:03d}" for n in range(200)]
    start = datetime(2015, 1, 1, tzinfo=timezone.utc)
    content = folder / "content"
    content.mkdir(parents=True, exist_ok=True)
    (folder / "config.yaml").write_text(
        "title: Benchmark Gazette\nbase_url: https://example.org/\nper_page: 10\n", encoding="utf-8")
    texts = [article_text(index, rng, tags, start) for index in range(articles)]
    shown = photos(len(range(0, articles, images_every)), seed=seed) if images_every else []
    for index, (name, text) in enumerate(texts):
        if images_every and index % images_every == 0:
            source = shown[index // images_every]
            place(source, content / source.name)
            text = with_lead_image(text, source.name)
        (content / f"{name}.md").write_text(text, encoding="utf-8")
    return folder


# Photos ---------------------------------------------------------------------------------------

def photo_bytes(seed: str) -> bytes:
    """A photo-like JPEG, the same bytes for the same seed (and Pillow version)."""
    from PIL import Image, ImageDraw, ImageFilter

    width, height = PHOTO_SIZE
    rng = random.Random(seed)
    # Broad colour fields, like sky, ground and walls out of focus.
    base = Image.frombytes("RGB", (6, 4), rng.randbytes(6 * 4 * 3)).resize(PHOTO_SIZE, Image.BICUBIC)
    # Objects: shapes drawn at a quarter of the size over a finer colour field, softened and scaled up.
    small = (width // 4, height // 4)
    layer = Image.frombytes("RGB", (24, 16), rng.randbytes(24 * 16 * 3)).resize(small, Image.BILINEAR)
    draw = ImageDraw.Draw(layer)
    for _ in range(rng.randint(12, 24)):
        x, y = rng.randrange(small[0]), rng.randrange(small[1])
        w, h = rng.randint(20, 220), rng.randint(20, 160)
        colour = tuple(rng.randrange(256) for _ in range(3))
        kind = rng.random()
        if kind < 0.4:
            draw.ellipse((x, y, x + w, y + h), fill=colour)
        elif kind < 0.8:
            draw.rectangle((x, y, x + w, y + h), fill=colour)
        else:
            draw.polygon([(rng.randrange(small[0]), rng.randrange(small[1])) for _ in range(3)], fill=colour)
    layer = layer.filter(ImageFilter.GaussianBlur(1.5)).resize(PHOTO_SIZE, Image.BICUBIC)
    picture = Image.blend(base, layer, 0.6)
    # Texture: a coarse grain and a sensor's fine noise, which is what makes a photo's JPEG large.
    coarse = Image.frombytes("L", small, rng.randbytes(small[0] * small[1])).resize(PHOTO_SIZE, Image.BILINEAR)
    fine = Image.frombytes("L", PHOTO_SIZE, rng.randbytes(width * height))
    picture = Image.blend(picture, Image.blend(coarse, fine, 0.5).convert("RGB"), 0.10)
    out = io.BytesIO()
    picture.save(out, "JPEG", quality=PHOTO_QUALITY)
    return out.getvalue()


def _make_photo(job: tuple[str, str]) -> None:
    seed, path = job
    tmp = f"{path}.{os.getpid()}.tmp"
    with open(tmp, "wb") as handle:
        handle.write(photo_bytes(seed))
    os.replace(tmp, path)


def photos(count: int, seed: int = 42, cache: Path = PHOTO_CACHE, jobs: int | None = None) -> list[Path]:
    """`count` distinct photos from the cache folder, made there first if missing (in parallel)."""
    folder = cache / f"{PHOTO_SIZE[0]}x{PHOTO_SIZE[1]}-q{PHOTO_QUALITY}-seed{seed}"
    folder.mkdir(parents=True, exist_ok=True)
    paths = [folder / f"photo-{index:05d}.jpg" for index in range(count)]
    missing = [(f"{seed}-{index}", str(path)) for index, path in enumerate(paths) if not path.exists()]
    if missing:
        with ProcessPoolExecutor(jobs or os.cpu_count() or 1) as pool:
            list(pool.map(_make_photo, missing, chunksize=8))
    return paths


def place(source: Path, target: Path) -> None:
    """A photo into a site: a hard link to the cached file (no copy of ~0.5 MB), else a copy."""
    target.parent.mkdir(parents=True, exist_ok=True)
    try:
        os.link(source, target)
    except OSError:
        shutil.copyfile(source, target)


def with_lead_image(text: str, image: str, alt: str = "A generated photo") -> str:
    """The article's text with `image:` and `image_alt:` added to its YAML front matter."""
    assert text.startswith("---\n"), "front matter expected"
    return f'---\nimage: "{image}"\nimage_alt: "{alt}"\n' + text[4:]


def add_lead_images(articles: Path, photo_folder: Path, reference: str, every: int = 5,
                    seed: int = 42) -> int:
    """Give every `every`th article in `articles` (sorted by name: 0, every, 2*every, ...) a lead
    photo, placed in `photo_folder`; front matter names it as `reference` formatted with the
    photo's file name (e.g. "../photos/{name}"). Returns how many articles got one."""
    names = sorted(name for name in os.listdir(articles) if name.endswith(".md"))
    chosen = names[::every]
    for name, source in zip(chosen, photos(len(chosen), seed=seed)):
        place(source, photo_folder / source.name)
        path = articles / name
        path.write_text(with_lead_image(path.read_text(encoding="utf-8"), reference.format(name=source.name)),
                        encoding="utf-8")
    return len(chosen)
