"""Images without layout shift, as a reader's browser sees them: every <img> of a file under
content/ (a body's image, the lead image on its page and on cards, an author's photo) carries the
picture's intrinsic width and height, and loads lazily, but for the article page's lead image,
which is fetched first. Remote images are left as they are."""

from __future__ import annotations

import io
import shutil
from html.parser import HTMLParser
from pathlib import Path

from PIL import Image

from conftest import article, tiny_image, write_file
from test_never_stale import copy_sources, files_of

SVG_SIZED = '<svg xmlns="http://www.w3.org/2000/svg" width="300" height="150"><rect width="300" height="150"/></svg>'
SVG_VIEWBOX = '<?xml version="1.0"?>\n<!-- a map -->\n<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 640 400.4"/>'
AUTHORS = """\
grace:
  name: Grace Adeyemi
  photo: authors/grace.png
"""


def rotated_jpeg(size: tuple[int, int], orientation: int) -> bytes:
    """A phone's portrait photo: the pixels stored landscape, EXIF saying to turn them."""
    exif = Image.Exif()
    exif[0x0112] = orientation
    out = io.BytesIO()
    Image.new("RGB", size, (120, 60, 30)).save(out, "JPEG", exif=exif.tobytes())
    return out.getvalue()


class _Images(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.found: list[dict[str, str | None]] = []

    def handle_starttag(self, tag, attrs) -> None:
        if tag == "img":
            self.found.append(dict(attrs))


def images(site: Path, url: str) -> dict[str, dict[str, str | None]]:
    """The page's <img> elements by their src."""
    parser = _Images()
    parser.feed((site / "output" / url.strip("/") / "index.html").read_text(encoding="utf-8"))
    return {str(img["src"]): img for img in parser.found}


def build(run, site: Path, *flags: str | Path) -> None:
    result = run("build", "--site", site, *flags)
    assert result.status == 0, result.err


def sized(img: dict, width: int, height: int, lazy: bool = True) -> None:
    assert (img.get("width"), img.get("height")) == (str(width), str(height)), img
    if lazy:
        assert img.get("loading") == "lazy" and img.get("decoding") == "async", img
        assert "fetchpriority" not in img, img
    else:
        assert img.get("fetchpriority") == "high" and "loading" not in img, img


BODY = """Words first.

![A chart](chart.png)

![A map](map.svg "The flood map")

![A portrait](portrait.jpg)

![A plan](plan.svg)

![Remote](https://cdn.example.org/photo.jpg)

<img src="raw.png" alt="Raw, sized by hand" width="60">
"""


def test_body_images_carry_their_size_and_load_lazily(make_site, run):
    site = make_site({
        "content/2022-02-28-story.md": article("Story", "2022-02-28", BODY),
        "content/chart.png": tiny_image("PNG", (120, 80)),
        "content/raw.png": tiny_image("PNG", (120, 80)),
        "content/map.svg": SVG_SIZED,
        "content/plan.svg": SVG_VIEWBOX,
        "content/portrait.jpg": rotated_jpeg((40, 30), 6),
    })
    build(run, site)
    shown = images(site, "/2022/02/28/story/")
    sized(shown["/chart.png"], 120, 80)
    sized(shown["/map.svg"], 300, 150)
    sized(shown["/plan.svg"], 640, 400)
    sized(shown["/portrait.jpg"], 30, 40)  # as published: upright, a quarter turn from how it is stored
    with Image.open(site / "output/portrait.jpg") as published:
        assert published.size == (30, 40)
    remote = shown["https://cdn.example.org/photo.jpg"]
    assert not {"width", "height", "loading", "decoding"} & remote.keys()
    html = (site / "output/2022/02/28/story/index.html").read_text(encoding="utf-8")
    # Raw HTML keeps what its author wrote: no second width, no height contradicting it.
    assert '<img src="/raw.png" alt="Raw, sized by hand" width="60" loading="lazy" decoding="async">' in html
    assert "<figcaption>The flood map</figcaption>" in html


def test_the_lead_image_is_sized_and_fetched_first_on_its_page_and_lazily_on_cards(make_site, run):
    site = make_site({
        "content/2022-02-28-story.md": article("Story", "2022-02-28", "Text.", image="photo.jpg",
                                               image_alt="The chamber"),
        "content/2022-02-27-map.md": article("Map", "2022-02-27", "Text.", image="map.svg", image_alt="A map"),
        "content/2022-02-26-far.md": article("Far", "2022-02-26", "Text.",
                                             image="https://cdn.example.org/far.jpg", image_alt="Far away"),
        "content/photo.jpg": rotated_jpeg((200, 100), 8),
        "content/map.svg": SVG_VIEWBOX,
    })
    build(run, site)
    sized(images(site, "/2022/02/28/story/")["/photo.jpg"], 100, 200, lazy=False)
    sized(images(site, "/2022/02/27/map/")["/map.svg"], 640, 400, lazy=False)
    remote = images(site, "/2022/02/26/far/")["https://cdn.example.org/far.jpg"]
    assert "width" not in remote and remote.get("fetchpriority") == "high"
    sized(images(site, "/")["/photo.jpg"], 100, 200)  # the front page's lead story, a card


def test_an_author_photo_carries_its_size(make_site, run):
    site = make_site({
        "authors.yaml": AUTHORS,
        "content/2022-02-28-story.md": article("Story", "2022-02-28", "Text.", authors="[grace]"),
        "content/authors/grace.png": tiny_image("PNG", (90, 120)),
    })
    build(run, site)
    sized(images(site, "/authors/grace/")["/authors/grace.png"], 90, 120)
    sized(images(site, "/authors/")["/authors/grace.png"], 90, 120)
    # A new photo of another size: the author's pages say so in the next (incremental) build.
    write_file(site, "content/authors/grace.png", tiny_image("PNG", (100, 100)))
    build(run, site)
    sized(images(site, "/authors/grace/")["/authors/grace.png"], 100, 100)
    sized(images(site, "/authors/")["/authors/grace.png"], 100, 100)


def test_an_image_replaced_by_one_of_another_size_is_resized_in_an_incremental_build(make_site, run, tmp_path):
    site = make_site({
        "content/2022-02-28-story.md": article("Story", "2022-02-28", "Words.\n\n![A chart](chart.png)\n",
                                               image="lead.png", image_alt="Lead"),
        "content/2022-02-27-other.md": article("Other", "2022-02-27", "More words.\n\n![A plan](plan.svg)\n"),
        "content/chart.png": tiny_image("PNG", (120, 80)),
        "content/lead.png": tiny_image("PNG", (64, 48)),
        "content/plan.svg": SVG_SIZED,
    })
    build(run, site)
    sized(images(site, "/2022/02/28/story/")["/chart.png"], 120, 80)
    write_file(site, "content/chart.png", tiny_image("PNG", (50, 75)))
    write_file(site, "content/lead.png", tiny_image("PNG", (32, 40)))
    write_file(site, "content/plan.svg", SVG_VIEWBOX)
    build(run, site)
    story = images(site, "/2022/02/28/story/")
    sized(story["/chart.png"], 50, 75)
    sized(story["/lead.png"], 32, 40, lazy=False)
    sized(images(site, "/2022/02/27/other/")["/plan.svg"], 640, 400)
    sized(images(site, "/")["/lead.png"], 32, 40)

    cold = tmp_path / "cold"
    copy = copy_sources(site, cold / "site")
    build(run, copy, "--no-cache", "--output", cold / "output")
    assert files_of(site / "output") == files_of(cold / "output")
    shutil.rmtree(cold)


def test_the_size_kept_with_an_image_s_facts_is_the_size_its_header_gives(tmp_path):
    # The fast path (media/responsive.resizable_size: the facts kept in sources.tsv between builds)
    # beside the plain one (media/sizes.image_size: the file's header, opened again).
    from generator.media.responsive import resizable_size, use_cache_folder
    from generator.media.sizes import image_size

    use_cache_folder(tmp_path / "cache")
    images = {"portrait.jpg": rotated_jpeg((40, 30), 6), "mirrored.jpg": rotated_jpeg((40, 30), 2),
              "plain.png": tiny_image("PNG", (33, 21)), "photo.webp": tiny_image("WEBP", (64, 48))}
    for name, data in images.items():
        (tmp_path / name).write_bytes(data)
        path = str(tmp_path / name)
        assert resizable_size(path) == image_size(path), name
    assert resizable_size(str(tmp_path / "portrait.jpg")) == (30, 40)  # upright
    (tmp_path / "anim.gif").write_bytes(tiny_image("GIF"))
    assert resizable_size(str(tmp_path / "anim.gif")) is None  # no variants: image_size reads it
