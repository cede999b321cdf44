"""Share cards as a crawler sees them: a social site reads og:image (and its size and alt text) in
a page's <head>, a search engine the JSON-LD `image`. Photos are made here with Pillow; every URL
the page gives is opened from output/ and must be the size and shape it claims, without the
camera's metadata, and cut around the article's image_focus."""

from __future__ import annotations

import io
import json
import re
import shutil
from pathlib import Path

import pytest
from PIL import ExifTags, Image

from conftest import MINIMAL_CONFIG, article, tiny_image, write_file

from generator.media import responsive

PAGE = "2022/02/28/floods/index.html"


def camera_photo(size: tuple[int, int]) -> bytes:
    """A JPEG with a GPS position and a camera serial number in its EXIF."""
    exif = Image.Exif()
    exif[ExifTags.Base.Make] = "PhoneMaker"
    exif[ExifTags.IFD.Exif] = {ExifTags.Base.BodySerialNumber: "SN-4417-XQ"}
    exif[ExifTags.IFD.GPSInfo] = {1: "N", 2: (51.0, 30.0, 12.5), 3: "W", 4: (0.0, 7.0, 39.0)}
    out = io.BytesIO()
    Image.new("RGB", size, (30, 90, 160)).save(out, "JPEG", quality=90, exif=exif.tobytes())
    return out.getvalue()


def red_and_blue(size: tuple[int, int] = (4000, 1000)) -> bytes:
    """Left half red, right half blue: where a card is cut from shows in its colours."""
    image = Image.new("RGB", size, (220, 20, 20))
    image.paste((20, 20, 220), (size[0] // 2, 0, size[0], size[1]))
    out = io.BytesIO()
    image.save(out, "JPEG", quality=92)
    return out.getvalue()


def site_with(make_site, image: bytes, name: str = "lead.jpg", **fields: str) -> Path:
    return make_site({
        "content/2022-02-28-floods.md": article("Floods", "2022-02-28", "The river rose.", image=name,
                                                image_alt="Flooded high street", **fields),
        f"content/{name}": image,
    })


def build(run, site: Path) -> None:
    result = run("build", "--site", site)
    assert result.status == 0, result.err


def head(site: Path, page: str = PAGE) -> dict[str, list[str]]:
    html = (site / "output" / page).read_text(encoding="utf-8")
    found: dict[str, list[str]] = {}
    for kind, name, content in re.findall(r'<meta (property|name)="([^"]+)" content="([^"]*)"', html):
        found.setdefault(name, []).append(content)
    return found


def json_ld(site: Path, page: str = PAGE) -> dict:
    html = (site / "output" / page).read_text(encoding="utf-8")
    return json.loads(re.search(r'<script type="application/ld\+json">(.*?)</script>', html, re.S).group(1))


def opened(site: Path, url: str) -> Image.Image:
    assert url.startswith("https://example.org/"), url
    path = site / "output" / url.removeprefix("https://example.org/")
    assert path.is_file(), url
    image = Image.open(path)
    image.load()
    return image


def card_colour(site: Path) -> tuple[int, int, int]:
    with opened(site, head(site)["og:image"][0]) as card:
        return card.convert("RGB").resize((1, 1), Image.Resampling.BOX).getpixel((0, 0))


def test_the_card_is_1200_by_630_without_camera_metadata(make_site, run):
    site = site_with(make_site, camera_photo((2400, 1600)))
    build(run, site)
    tags = head(site)
    assert len(tags["og:image"]) == 1 and tags["twitter:image"] == tags["og:image"]
    assert tags["og:image:width"] == ["1200"] and tags["og:image:height"] == ["630"]
    assert tags["og:image:alt"] == ["Flooded high street"] and tags["twitter:image:alt"] == ["Flooded high street"]
    assert re.fullmatch(r"https://example\.org/lead\.1200x630\.[0-9a-f]{8}\.jpg", tags["og:image"][0])
    with opened(site, tags["og:image"][0]) as card:
        assert card.format == "JPEG" and card.size == (1200, 630)
        exif = card.getexif()
        assert not exif.get_ifd(ExifTags.IFD.GPSInfo) and not exif.get_ifd(ExifTags.IFD.Exif) and not len(exif)
        assert "xmp" not in card.info and "exif" not in card.info
        assert b"SN-4417-XQ" not in (site / "output" / tags["og:image"][0].removeprefix("https://example.org/")
                                     ).read_bytes()


def test_json_ld_lists_the_16_9_4_3_and_1_1_crops(make_site, run):
    site = site_with(make_site, camera_photo((2400, 1600)))
    build(run, site)
    images = json_ld(site)["image"]
    assert len(images) == 3
    sizes = []
    for url in images:
        with opened(site, url) as crop:
            assert crop.format == "JPEG" and not len(crop.getexif())
            sizes.append(crop.size)
    assert sizes == [(1200, 675), (1200, 900), (1200, 1200)]


def test_a_small_picture_gives_the_largest_crops_it_allows_never_upscaled(make_site, run):
    site = site_with(make_site, tiny_image("PNG", (800, 600)), "small.png")
    build(run, site)
    tags = head(site)
    assert (tags["og:image:width"], tags["og:image:height"]) == (["800"], ["420"])
    with opened(site, tags["og:image"][0]) as card:
        assert card.format == "PNG" and card.size == (800, 420)
    found = []
    for url in json_ld(site)["image"]:
        with opened(site, url) as crop:
            found.append(crop.size)
    assert found == [(800, 450), (800, 600), (600, 600)]
    for (width, height), ratio in zip(found, (16 / 9, 4 / 3, 1)):
        assert abs(width / height - ratio) < 0.01


@pytest.mark.parametrize("focus, colour", [("0.1, 0.5", "red"), ("[0.9, 0.5]", "blue"), (None, "both")])
def test_image_focus_moves_the_crop(make_site, run, focus, colour):
    fields = {"image_focus": focus} if focus else {}
    site = site_with(make_site, red_and_blue(), **fields)
    build(run, site)
    red, _, blue = card_colour(site)
    if colour == "red":
        assert red > 200 and blue < 40
    elif colour == "blue":
        assert blue > 200 and red < 40
    else:  # the centre: half of each
        assert abs(red - blue) < 20
    # The square crop too: the structured data follows the focus.
    with opened(site, json_ld(site)["image"][2]) as square:
        r, _, b = square.convert("RGB").resize((1, 1), Image.Resampling.BOX).getpixel((0, 0))
    assert (r > b) if colour == "red" else (b > r) if colour == "blue" else abs(r - b) < 20


def test_a_new_focus_gives_new_names_and_the_old_cards_go(make_site, run):
    site = site_with(make_site, red_and_blue(), image_focus="0.1, 0.5")
    build(run, site)
    old = head(site)["og:image"][0]
    old_ld = json_ld(site)["image"]
    write_file(site, "content/2022-02-28-floods.md", article(
        "Floods", "2022-02-28", "The river rose.", image="lead.jpg", image_alt="Flooded high street",
        image_focus="0.9, 0.5"))
    build(run, site)
    new = head(site)["og:image"][0]
    assert new != old and json_ld(site)["image"] != old_ld
    assert not (site / "output" / old.removeprefix("https://example.org/")).exists()
    assert card_colour(site)[2] > 200


@pytest.mark.parametrize("focus", ["0.5", "1.2, 0.3", "left, top", "[0.5, 0.3, 0.1]", "{x: 0.5}", "true"])
def test_a_malformed_image_focus_is_an_error_at_its_line(make_site, run, focus):
    site = site_with(make_site, red_and_blue(), image_focus=focus)
    result = run("build", "--site", site)
    assert result.status == 1 and "Traceback" not in result.err
    # title, date, image, image_alt, image_focus: line 6 of the file (after the opening ---)
    assert "content/2022-02-28-floods.md:6" in result.err, result.err
    assert "`image_focus`" in result.err and "image_focus: 0.5, 0.3" in result.err
    assert not (site / "output").exists()


def test_an_unchanged_image_and_focus_are_never_cut_again(make_site, run, monkeypatch):
    site = site_with(make_site, camera_photo((2400, 1600)), image_focus="0.3, 0.3")
    build(run, site)
    cards = [head(site)["og:image"][0], *json_ld(site)["image"]]
    files = [site / "output" / url.removeprefix("https://example.org/") for url in cards]
    before = {path: (path.read_bytes(), path.stat().st_mtime_ns) for path in files}

    def never(*args, **kwargs):
        raise AssertionError("an unchanged share card was made again")

    monkeypatch.setattr(responsive, "make_variant", never)
    build(run, site)  # nothing changed
    # The text of the article changes: its cards do not, in output/ or in the cache.
    write_file(site, "content/2022-02-28-floods.md", article(
        "Floods", "2022-02-28", "The river rose again.", image="lead.jpg", image_alt="Flooded high street",
        image_focus="0.3, 0.3"))
    build(run, site)
    assert {path: (path.read_bytes(), path.stat().st_mtime_ns) for path in files} == before
    # A fresh output folder: the cards come from the variant cache, byte for byte.
    shutil.rmtree(site / "output")
    build(run, site)
    assert {path: path.read_bytes() for path in files} == {path: data for path, (data, _) in before.items()}


def test_articles_sharing_an_image_and_focus_share_its_cards(make_site, run):
    site = make_site({
        "content/2022-02-28-floods.md": article("Floods", "2022-02-28", "Text.", image="lead.jpg",
                                                image_alt="Flooded high street"),
        "content/2022-03-01-after.md": article("After", "2022-03-01", "Text.", image="lead.jpg",
                                               image_alt="The street after"),
        "content/lead.jpg": red_and_blue(),
    })
    build(run, site)
    assert head(site)["og:image"] == head(site, "2022/03/01/after/index.html")["og:image"]
    assert head(site, "2022/03/01/after/index.html")["og:image:alt"] == ["The street after"]


def test_svg_and_remote_images_are_shown_as_they_are(make_site, run):
    svg = b'<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><rect width="10" height="10"/></svg>'
    site = make_site({
        "content/2022-02-28-floods.md": article("Floods", "2022-02-28", "Text.", image="https://cdn.example.com/a.jpg",
                                                image_alt="Flooded high street", image_focus="0.2, 0.2"),
        "content/2022-03-01-map.md": article("Map", "2022-03-01", "Text.", image="map.svg", image_alt="A map"),
        "content/map.svg": svg,
    })
    build(run, site)
    tags = head(site)
    assert tags["og:image"] == ["https://cdn.example.com/a.jpg"] and "og:image:width" not in tags
    assert tags["og:image:alt"] == ["Flooded high street"]
    assert json_ld(site)["image"] == ["https://cdn.example.com/a.jpg"]
    assert json_ld(site, "2022/03/01/map/index.html")["image"] == ["https://example.org/map.svg"]
    assert "og:image" not in head(site, "2022/03/01/map/index.html")
    assert not list((site / "output").glob("*x*.*.*"))
