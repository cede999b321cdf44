"""Responsive images as a reader's browser gets them: photos made here with Pillow (a wide camera
JPEG, a small PNG, a phone's portrait stored on its side, one with a colour profile, one with a
GPS position, author photos), built, and every <picture>, <source> and <img> of the pages read
back; every URL in a srcset is opened with Pillow and must be as wide as it says, in the format
its type says, upright, with its colour profile and without the camera's metadata."""

from __future__ import annotations

import io
import re
import shutil
from html.parser import HTMLParser
from pathlib import Path

import pytest
from PIL import ExifTags, Image, ImageCms, features

from conftest import MINIMAL_CONFIG, article, write_file

from generator.media import responsive

SVG = b'<svg xmlns="http://www.w3.org/2000/svg" width="300" height="150"><rect width="300" height="150"/></svg>\n'
SERIAL = "SN-4417-XQ"
FORMAT_OF_TYPE = {"image/webp": "WEBP", "image/avif": "AVIF", "image/jpeg": "JPEG", "image/png": "PNG"}
STORY_SIZES = "(min-width: 50rem) 46rem, calc(100vw - 2rem)"
BODY_SIZES = "(min-width: 48rem) 42rem, calc(100vw - 2rem)"


def photo(size: tuple[int, int], kind: str = "JPEG", **save) -> bytes:
    """A picture with a yellow block in its top left corner, to tell which way up it is."""
    image = Image.new("RGB", size, (30, 90, 160))
    image.paste((240, 200, 30), (0, 0, size[0] // 4, size[1] // 4))
    out = io.BytesIO()
    image.save(out, kind, **save)
    return out.getvalue()


def camera_exif(orientation: int = 1) -> bytes:
    exif = Image.Exif()
    exif[ExifTags.Base.Orientation] = orientation
    exif[ExifTags.Base.Make] = "PhoneMaker"
    exif[ExifTags.IFD.Exif] = {ExifTags.Base.BodySerialNumber: SERIAL}
    exif[ExifTags.IFD.GPSInfo] = {1: "N", 2: (51.0, 30.0, 12.5), 3: "W", 4: (0.0, 7.0, 39.0)}
    return exif.tobytes()


def sideways_portrait() -> bytes:
    """A portrait phone photo as phones store it: landscape pixels, and EXIF orientation 6 (turn a
    quarter clockwise to show it). Its top (yellow block) is on the left as stored."""
    upright = Image.new("RGB", (600, 1000), (30, 90, 160))
    upright.paste((240, 200, 30), (0, 0, 150, 250))
    stored = upright.transpose(Image.Transpose.ROTATE_90)  # what the sensor wrote, 1000×600
    out = io.BytesIO()
    stored.save(out, "JPEG", quality=90, exif=camera_exif(6))
    return out.getvalue()


ADOBE_LIKE = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB", colorTemp=5000)).tobytes()

AUTHORS = """\
grace:
  name: Grace Adeyemi
  photo: authors/grace.jpg
"""

STORY = """\
The council met.

![The river at dawn](river.png "The river, on Tuesday")

![The chamber](chamber.jpg)

![An animation](loop.gif)

![The map](map.svg)
"""


@pytest.fixture
def photo_site(make_site):
    def make(config: str = MINIMAL_CONFIG) -> Path:
        return make_site({
            "config.yaml": config,
            "authors.yaml": AUTHORS,
            "content/2022-02-28-floods.md": article(
                "Floods", "2022-02-28", STORY, author="grace", image="lead.jpg", image_alt="Flooded high street"),
            "content/2022-03-01-portrait.md": article(
                "Portrait", "2022-03-01", "Text.", image="portrait.jpg", image_alt="The mayor"),
            "content/lead.jpg": photo((2000, 1000), quality=90, exif=camera_exif()),
            "content/river.png": photo((600, 400), "PNG", icc_profile=ADOBE_LIKE),
            "content/chamber.jpg": photo((1300, 800), quality=90, icc_profile=ADOBE_LIKE),
            "content/portrait.jpg": sideways_portrait(),
            "content/authors/grace.jpg": photo((400, 400), quality=90),
            "content/loop.gif": photo((40, 30), "GIF"),
            "content/map.svg": SVG,
        })
    return make


class _Images(HTMLParser):
    """Every <img> of a page, with the <source>s of the <picture> it is in."""

    def __init__(self) -> None:
        super().__init__()
        self.images: list[dict] = []
        self._sources: list[dict] | None = None

    def handle_starttag(self, tag: str, attrs) -> None:
        found = dict(attrs)
        if tag == "picture":
            self._sources = []
        elif tag == "source" and self._sources is not None:
            self._sources.append(found)
        elif tag == "img":
            found["sources"] = self._sources
            self.images.append(found)

    def handle_endtag(self, tag: str) -> None:
        if tag == "picture":
            self._sources = None


def images_of(site: Path, page: str) -> dict[str, dict]:
    parser = _Images()
    parser.feed((site / "output" / page.strip("/") / "index.html").read_text(encoding="utf-8"))
    return {img["src"]: img for img in parser.images}


def candidates(srcset: str) -> list[tuple[str, int]]:
    found = []
    for part in srcset.split(","):
        url, width = part.split()
        assert width.endswith("w"), srcset
        found.append((url, int(width[:-1])))
    return found


def check_candidates(site: Path, srcset: str, fmt: str, aspect: float) -> list[int]:
    """Every file the srcset offers exists, is as wide as it says, in fmt, of the picture's aspect."""
    widths = []
    for url, width in candidates(srcset):
        with Image.open(site / "output" / url.lstrip("/")) as variant:
            assert variant.format == fmt, url
            assert variant.width == width, url
            assert abs(variant.height - width / aspect) <= 1, url
        widths.append(width)
    assert widths == sorted(widths)
    return widths


def build(run, site: Path) -> str:
    result = run("build", "--site", site)
    assert result.status == 0, result.err
    return result.out


def test_every_image_is_offered_in_widths_and_webp_each_as_wide_as_it_says(photo_site, run):
    site = photo_site()
    build(run, site)
    shown = images_of(site, "/2022/02/28/floods/")

    lead = shown["/lead.jpg"]
    assert lead["alt"] == "Flooded high street"
    assert (lead["width"], lead["height"]) == ("2000", "1000")
    assert lead["fetchpriority"] == "high" and "loading" not in lead  # the page's first picture
    assert lead["sizes"] == STORY_SIZES
    assert check_candidates(site, lead["srcset"], "JPEG", 2.0) == [480, 800, 1200, 1600]
    (webp,) = lead["sources"]
    assert webp["type"] == "image/webp" and webp["sizes"] == STORY_SIZES
    assert check_candidates(site, webp["srcset"], "WEBP", 2.0) == [480, 800, 1200, 1600]
    # Named after the original, its width and a hash, beside it; the original stays where it was.
    assert all(re.fullmatch(r"/lead\.\d+w\.[0-9a-f]{8}\.(jpg|webp)", url)
               for url, _ in candidates(lead["srcset"]) + candidates(webp["srcset"]))
    with Image.open(site / "output/lead.jpg") as original:
        assert original.size == (2000, 1000)

    # In the text: lazy, sized, in a figure with its caption; the widths up to its own.
    river = shown["/river.png"]
    assert (river["loading"], river["decoding"], river["width"], river["height"]) == ("lazy", "async", "600", "400")
    assert river["sizes"] == BODY_SIZES and river["alt"] == "The river at dawn"
    assert check_candidates(site, river["srcset"], "PNG", 1.5) == [480, 600]
    assert check_candidates(site, river["sources"][0]["srcset"], "WEBP", 1.5) == [480, 600]
    html = (site / "output/2022/02/28/floods/index.html").read_text(encoding="utf-8")
    assert re.search(r'<figure><picture><source type="image/webp"[^>]*><img alt="The river at dawn"[^>]*>'
                     r'</picture><figcaption>The river, on Tuesday</figcaption></figure>', html)
    chamber = shown["/chamber.jpg"]
    assert check_candidates(site, chamber["srcset"], "JPEG", 1300 / 800) == [480, 800, 1200, 1300]

    # On the front page: lazy, sized for the lead story's column.
    front = images_of(site, "/")["/portrait.jpg"]
    assert front["loading"] == "lazy" and "fetchpriority" not in front
    assert front["sizes"].startswith("(min-width: 76rem)")


def test_author_photos_have_variants_sized_for_the_profile(photo_site, run):
    site = photo_site()
    build(run, site)
    profile = images_of(site, "/authors/grace/")["/authors/grace.jpg"]
    assert profile["class"] == "author-profile__photo" and profile["alt"] == "Grace Adeyemi"
    assert (profile["width"], profile["height"], profile["loading"]) == ("400", "400", "lazy")
    assert profile["sizes"] == "(min-width: 40rem) 10rem, 8rem"
    assert check_candidates(site, profile["srcset"], "JPEG", 1.0) == [400]  # its own copy: 400 < 480
    assert check_candidates(site, profile["sources"][0]["srcset"], "WEBP", 1.0) == [400]
    index = images_of(site, "/authors/")["/authors/grace.jpg"]
    assert index["sizes"] == "4rem" and index["sources"][0]["type"] == "image/webp"


def test_no_image_is_made_wider_than_it_is(photo_site, run):
    site = photo_site()
    build(run, site)
    made = {p.name for p in (site / "output").rglob("*") if re.search(r"\.\d+w\.", p.name)}
    widths = {name: int(re.search(r"\.(\d+)w\.", name)[1]) for name in made}
    assert widths and all(widths[n] <= 600 for n in widths if n.startswith("river."))
    assert all(widths[n] <= 400 for n in widths if n.startswith("grace."))
    assert not [n for n in widths if n.startswith("lead.2000w")]  # above the largest width asked for


def test_a_sideways_phone_photo_is_upright_in_every_variant(photo_site, run):
    site = photo_site()
    build(run, site)
    portrait = images_of(site, "/2022/03/01/portrait/")["/portrait.jpg"]
    assert (portrait["width"], portrait["height"]) == ("600", "1000")
    urls = candidates(portrait["srcset"]) + candidates(portrait["sources"][0]["srcset"])
    assert {width for _, width in urls} == {480, 600}
    for url, _ in urls:
        with Image.open(site / "output" / url.lstrip("/")) as variant:
            assert variant.width < variant.height, url
            top_left = variant.convert("RGB").getpixel((10, 10))
            bottom_right = variant.convert("RGB").getpixel((variant.width - 10, variant.height - 10))
            assert top_left[0] > 200 and bottom_right[0] < 80, url  # the yellow block is at the top left
            assert ExifTags.Base.Orientation not in variant.getexif(), url


def test_colour_profiles_survive_and_no_camera_metadata_does(photo_site, run):
    site = photo_site()
    build(run, site)
    shown = images_of(site, "/2022/02/28/floods/")
    for src in ("/river.png", "/chamber.jpg"):
        for srcset in (shown[src]["srcset"], shown[src]["sources"][0]["srcset"]):
            for url, _ in candidates(srcset):
                with Image.open(site / "output" / url.lstrip("/")) as variant:
                    assert variant.info.get("icc_profile") == ADOBE_LIKE, url
    variants = [p for p in (site / "output").rglob("*") if re.search(r"\.\d+w\.[0-9a-f]{8}\.", p.name)]
    assert variants
    for path in variants:
        data = path.read_bytes()
        assert SERIAL.encode() not in data and b"PhoneMaker" not in data, path
        with Image.open(path) as variant:
            exif = variant.getexif()
            assert not exif.get_ifd(ExifTags.IFD.GPSInfo) and ExifTags.IFD.GPSInfo not in exif, path


def test_svg_and_gif_are_published_as_they_are(photo_site, run):
    site = photo_site()
    build(run, site)
    shown = images_of(site, "/2022/02/28/floods/")
    for src in ("/map.svg", "/loop.gif"):
        assert shown[src]["sources"] is None and "srcset" not in shown[src]
    assert (site / "output/map.svg").read_bytes() == SVG
    assert (site / "output/loop.gif").read_bytes() == (site / "content/loop.gif").read_bytes()
    assert not list((site / "output").glob("map.*w.*")) and not list((site / "output").glob("loop.*w.*"))


def test_an_unchanged_image_is_never_made_again(photo_site, run, monkeypatch):
    site = photo_site()
    build(run, site)
    cache = site / ".cache/broadsheet/variants"
    entries = {p.name: p.stat().st_mtime_ns for p in cache.iterdir()}
    assert len([name for name in entries if name != "sources.tsv"]) > 20
    published = {p: p.stat().st_mtime_ns for p in (site / "output").rglob("*.*w.*")}

    def never(*args, **kwargs):
        raise AssertionError("an unchanged image was made again")

    monkeypatch.setattr(responsive, "make_variant", never)
    # An edit to an article's text: its images are not touched, in output/ or in the cache.
    write_file(site, "content/2022-02-28-floods.md", article(
        "Floods", "2022-02-28", "New first paragraph.\n\n" + STORY, author="grace", image="lead.jpg",
        image_alt="Flooded high street"))
    build(run, site)
    assert {p: p.stat().st_mtime_ns for p in (site / "output").rglob("*.*w.*")} == published
    assert {p.name: p.stat().st_mtime_ns for p in cache.iterdir() if p.name != "sources.tsv"} == \
        {name: stamp for name, stamp in entries.items() if name != "sources.tsv"}

    # A fresh output folder: every variant comes from the cache, byte for byte.
    before = {p.relative_to(site / "output"): p.read_bytes() for p in published}
    shutil.rmtree(site / "output")
    build(run, site)
    assert {p.relative_to(site / "output"): p.read_bytes() for p in (site / "output").rglob("*.*w.*")} == before


def test_new_bytes_give_new_names_and_the_pages_follow(photo_site, run):
    site = photo_site()
    build(run, site)
    old = images_of(site, "/2022/02/28/floods/")["/river.png"]["srcset"]
    write_file(site, "content/river.png", photo((900, 600), "PNG"))
    build(run, site)
    new = images_of(site, "/2022/02/28/floods/")["/river.png"]
    assert new["srcset"] != old and (new["width"], new["height"]) == ("900", "600")
    assert check_candidates(site, new["srcset"], "PNG", 1.5) == [480, 800, 900]
    for url, _ in candidates(old):
        if url != "/river.png":
            assert not (site / "output" / url.lstrip("/")).exists(), url  # the old variants are gone


@pytest.mark.skipif(not features.check("avif"), reason="Pillow without AVIF")
def test_widths_and_formats_come_from_config(photo_site, run):
    site = photo_site(MINIMAL_CONFIG + "images:\n  widths: [300, 700]\n  formats: [webp, avif]\n  quality: 70\n")
    build(run, site)
    lead = images_of(site, "/2022/02/28/floods/")["/lead.jpg"]
    assert [s["type"] for s in lead["sources"]] == ["image/avif", "image/webp"]  # the best first
    for source in lead["sources"]:
        assert check_candidates(site, source["srcset"], FORMAT_OF_TYPE[source["type"]], 2.0) == [300, 700]
    assert check_candidates(site, lead["srcset"], "JPEG", 2.0) == [300, 700]


def test_a_wrong_images_setting_is_an_error_at_its_line(make_site, run):
    site = make_site({"content/a.md": article()},
                     config=MINIMAL_CONFIG + "images:\n  widths: [480, big]\n  formats: [gif]\n  quality: 0\n")
    result = run("build", "--site", site)
    assert result.status == 1 and "Traceback" not in result.err
    assert "config.yaml:7: error: `images.widths` must be a list of widths in pixels" in result.err
    assert "config.yaml:8: error: `images.formats` may hold avif and webp, not 'gif'" in result.err
    assert "config.yaml:9: error: `images.quality` must be from 1 to 100, not 0" in result.err


def test_feeds_carry_every_width_as_an_absolute_url(photo_site, run):
    site = photo_site()
    build(run, site)
    feed = (site / "output/feed.xml").read_text(encoding="utf-8")
    srcsets = re.findall(r'srcset="([^"]*)"', feed)
    assert srcsets
    for srcset in srcsets:
        assert all(url.startswith("https://example.org/") for url, _ in candidates(srcset)), srcset


def test_new_settings_give_new_names(photo_site, run):
    site = photo_site()
    build(run, site)
    old = {url for url, _ in candidates(images_of(site, "/2022/02/28/floods/")["/lead.jpg"]["srcset"])}
    (site / "config.yaml").write_text(MINIMAL_CONFIG + "images:\n  quality: 60\n", encoding="utf-8")
    build(run, site)
    new = {url for url, _ in candidates(images_of(site, "/2022/02/28/floods/")["/lead.jpg"]["srcset"])}
    assert old.isdisjoint(new)  # a CDN keeping the old files forever never serves them for the new
    assert all((site / "output" / url.lstrip("/")).is_file() for url in new)
    assert not any((site / "output" / url.lstrip("/")).exists() for url in old)


def test_keep_copyright_keeps_the_credit_in_every_variant_and_nothing_else(make_site, run):
    exif = Image.Exif()
    exif[ExifTags.Base.Artist] = "Ann Photographer"
    exif[ExifTags.Base.Copyright] = "(c) Gazette"
    exif[ExifTags.IFD.GPSInfo] = {1: "N", 2: (51.0, 30.0, 12.5)}
    exif[ExifTags.IFD.Exif] = {ExifTags.Base.BodySerialNumber: SERIAL}
    site = make_site({"content/2022-02-28-a.md": article(image="shot.jpg", image_alt="A shot"),
                      "content/shot.jpg": photo((1000, 500), exif=exif.tobytes())},
                     config=MINIMAL_CONFIG + "images:\n  keep_copyright: true\n")
    build(run, site)
    variants = list((site / "output").glob("shot.*w.*"))
    assert len(variants) == 5  # 480 and 800 in JPEG and WebP, 1000 in WebP (the copy is the JPEG)
    for path in variants:
        with Image.open(path) as variant:
            kept = variant.getexif()
            assert (kept.get(ExifTags.Base.Artist), kept.get(ExifTags.Base.Copyright)) == \
                ("Ann Photographer", "(c) Gazette"), path
            assert not kept.get_ifd(ExifTags.IFD.GPSInfo) and SERIAL.encode() not in path.read_bytes(), path
