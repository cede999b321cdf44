"""Source safety and bad input for published images, as a user checks them: photos made here with
Pillow carrying what a camera writes (GPS position, serial number, owner, XMP, a thumbnail, a
rotation), built, and every published image opened again with Pillow."""

from __future__ import annotations

import io
import shutil
import struct
import zlib
from pathlib import Path

import pytest
from PIL import ExifTags, Image, ImageCms

from conftest import MINIMAL_CONFIG, REPO, article, site_files, snapshot, write_file

GPS, EXIF_IFD = ExifTags.IFD.GPSInfo, ExifTags.IFD.Exif
ARTIST, COPYRIGHT, MAKE, ORIENTATION = 0x013B, 0x8298, 0x010F, 0x0112
BODY_SERIAL, OWNER = 0xA431, 0xA430
SERIAL_TEXT, OWNER_TEXT, ARTIST_TEXT, COPYRIGHT_TEXT = "SN-4417-XQ", "Jane Source", "Ann Photographer", "(c) Gazette"
XMP = ('<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
       '<rdf:Description xmlns:exif="http://ns.adobe.com/exif/1.0/" exif:GPSLatitude="51,30.0N" '
       'xmlns:dc="http://purl.org/dc/elements/1.1/" dc:creator="XMP Person"/></rdf:RDF></x:xmpmeta>')
SRGB = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
THUMBNAIL_MARK = b"THUMBNAIL-OF-THE-UNCROPPED-PICTURE"


def camera_exif(orientation: int = 1, gps: bool = True) -> bytes:
    """EXIF as a phone writes it: GPS, serial number, owner, artist, copyright, and a thumbnail in IFD1."""
    exif = Image.Exif()
    exif[ORIENTATION] = orientation
    exif[MAKE] = "PhoneMaker"
    exif[ARTIST] = ARTIST_TEXT
    exif[COPYRIGHT] = COPYRIGHT_TEXT
    exif[EXIF_IFD] = {BODY_SERIAL: SERIAL_TEXT, OWNER: OWNER_TEXT}
    if gps:
        exif[GPS] = {1: "N", 2: (51.0, 30.0, 12.5), 3: "W", 4: (0.0, 7.0, 39.0)}
    raw = exif.tobytes()
    assert raw[:6] == b"Exif\x00\x00"
    tiff = bytearray(raw[6:])
    order = "<" if tiff[:2] == b"II" else ">"
    # Pillow writes no IFD1: point IFD0's "next" at one holding a JPEG thumbnail, as cameras do.
    count = struct.unpack_from(order + "H", tiff, 8)[0]
    next_at = 8 + 2 + 12 * count
    thumbnail = io.BytesIO()
    Image.new("RGB", (8, 8), "blue").save(thumbnail, "JPEG", comment=THUMBNAIL_MARK)
    data = thumbnail.getvalue()
    if len(tiff) % 2:
        tiff += b"\0"
    ifd1 = len(tiff)
    struct.pack_into(order + "I", tiff, next_at, ifd1)
    entries = 2
    data_at = ifd1 + 2 + 12 * entries + 4
    tiff += struct.pack(order + "H", entries)
    tiff += struct.pack(order + "HHII", 0x0201, 4, 1, data_at)
    tiff += struct.pack(order + "HHII", 0x0202, 4, 1, len(data))
    tiff += struct.pack(order + "I", 0) + data
    return b"Exif\x00\x00" + bytes(tiff)


def marked(size=(40, 20)) -> Image.Image:
    """A landscape picture, grey, with a red square at its stored top left."""
    image = Image.new("RGB", size, (128, 128, 128))
    image.paste((255, 0, 0), (0, 0, 6, 6))
    return image


def phone_jpeg(orientation: int = 6, gps: bool = True) -> bytes:
    out = io.BytesIO()
    marked().save(out, "JPEG", quality=95, exif=camera_exif(orientation, gps), icc_profile=SRGB, xmp=XMP.encode(),
                  comment=b"shot for a source")
    return out.getvalue()


def big_jpeg() -> bytes:
    """A photo whose picture data is most of the file (noise compresses badly)."""
    out = io.BytesIO()
    Image.effect_noise((300, 200), 60).convert("RGB").save(out, "JPEG", quality=90)
    return out.getvalue()


def metadata_png() -> bytes:
    from PIL.PngImagePlugin import PngInfo

    info = PngInfo()
    info.add_text("Author", OWNER_TEXT)
    info.add_itxt("XML:com.adobe.xmp", XMP)
    out = io.BytesIO()
    marked((30, 30)).save(out, "PNG", pnginfo=info, exif=camera_exif(1), icc_profile=SRGB)
    return out.getvalue()


def plain_png() -> bytes:
    out = io.BytesIO()
    marked((30, 30)).save(out, "PNG")
    return out.getvalue()


def huge_png_header(width: int = 30000, height: int = 30000) -> bytes:
    """A few hundred bytes on disk that claim 900 megapixels."""
    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(b"\0" * 1000)) + \
        chunk(b"IEND", b"")


def identifying(data: bytes) -> list[str]:
    """What of the camera's metadata a published file still carries."""
    found = []
    image = Image.open(io.BytesIO(data))
    exif = image.getexif()
    if exif.get_ifd(GPS) or b"GPSLatitude" in data:
        found.append("gps")
    if exif.get_ifd(EXIF_IFD).get(BODY_SERIAL) or SERIAL_TEXT.encode() in data:
        found.append("serial")
    if exif.get_ifd(EXIF_IFD).get(OWNER) or OWNER_TEXT.encode() in data:
        found.append("owner")
    if exif.get(ARTIST) or ARTIST_TEXT.encode() in data:
        found.append("artist")
    if exif.get(MAKE):
        found.append("make")
    if exif.get_ifd(ExifTags.IFD.IFD1) or THUMBNAIL_MARK in data:
        found.append("thumbnail")
    if "xmp" in image.info or "XML:com.adobe.xmp" in image.info or b"x:xmpmeta" in data:
        found.append("xmp")
    if image.info.get("comment") or b"shot for a source" in data:
        found.append("comment")
    return found


ARTICLE = article("Flood photos", "2022-02-28", "![The river](river.jpg)", image="portrait.jpg",
                  image_alt="The river at dawn")


@pytest.fixture
def photo_site(make_site):
    def make(config: str = MINIMAL_CONFIG) -> Path:
        return make_site({
            "content/2022-02-28-floods.md": ARTICLE,
            "content/portrait.jpg": phone_jpeg(6),
            "content/river.jpg": phone_jpeg(1),
            "content/chart.png": metadata_png(),
            "content/plain.png": plain_png(),
        }, config=config)

    return make


def test_the_inputs_carry_what_a_camera_writes():
    assert set(identifying(phone_jpeg(6))) == {"gps", "serial", "owner", "artist", "make", "thumbnail", "xmp",
                                               "comment"}
    assert {"gps", "owner", "xmp"} <= set(identifying(metadata_png()))


def test_published_images_carry_no_identifying_metadata(photo_site, run):
    site = photo_site()
    result = run("build", "--site", site)
    assert result.status == 0, result.err
    out = site / "output"
    for name in ("portrait.jpg", "river.jpg", "chart.png"):
        data = (out / name).read_bytes()
        assert identifying(data) == [], name
        image = Image.open(io.BytesIO(data))
        assert len(image.getexif()) == 0, name
        assert image.info.get("icc_profile") == SRGB, f"{name}: the colour profile was dropped"
    assert "3 images had GPS location data removed" in result.out


def test_a_rotated_phone_photo_is_published_upright(photo_site, run):
    site = photo_site()
    assert run("build", "--site", site).status == 0
    portrait = Image.open(site / "output" / "portrait.jpg").convert("RGB")
    assert portrait.size == (20, 40)  # stored 40×20 with Orientation 6: turned a quarter clockwise
    red = portrait.getpixel((17, 2))  # the stored top left is now the top right
    assert red[0] > 200 and red[1] < 60 and red[2] < 60, red
    grey = portrait.getpixel((2, 37))
    assert abs(grey[0] - 128) < 20 and abs(grey[1] - 128) < 20, grey
    # Not turned: the same size, the marker where it was.
    river = Image.open(site / "output" / "river.jpg").convert("RGB")
    assert river.size == (40, 20)
    assert river.getpixel((2, 2))[0] > 200


def test_png_pixels_are_kept_exactly_and_a_plain_png_is_published_as_it_is(photo_site, run):
    site = photo_site()
    assert run("build", "--site", site).status == 0
    published = Image.open(site / "output" / "chart.png")
    original = Image.open(site / "content" / "chart.png")
    assert published.convert("RGB").tobytes() == original.convert("RGB").tobytes()
    assert not getattr(published, "text", None)
    assert (site / "output" / "plain.png").read_bytes() == (site / "content" / "plain.png").read_bytes()


def test_keep_copyright_keeps_copyright_and_artist_and_nothing_else(photo_site, run):
    site = photo_site(MINIMAL_CONFIG + "images:\n  keep_copyright: true\n")
    assert run("build", "--site", site).status == 0
    for name in ("portrait.jpg", "river.jpg"):
        image = Image.open(site / "output" / name)
        exif = image.getexif()
        assert exif.get(COPYRIGHT) == COPYRIGHT_TEXT
        assert exif.get(ARTIST) == ARTIST_TEXT
        assert set(identifying((site / "output" / name).read_bytes())) == {"artist"}
        assert ORIENTATION not in exif  # the pixels are turned: no orientation left to apply twice


def test_strip_metadata_false_publishes_originals_as_they_are(photo_site, run):
    site = photo_site(MINIMAL_CONFIG + "images:\n  strip_metadata: false\n")
    result = run("build", "--site", site)
    assert result.status == 0, result.err
    for name in ("portrait.jpg", "river.jpg", "chart.png"):
        assert (site / "output" / name).read_bytes() == (site / "content" / name).read_bytes()
    assert "GPS" not in result.out


def test_images_settings_are_checked_at_their_line(photo_site, run):
    site = photo_site(MINIMAL_CONFIG + "images:\n  strip_metdata: false\n  keep_copyright: yes please\n")
    result = run("build", "--site", site)
    assert result.status == 1
    assert "config.yaml:7: error: unknown setting `images.strip_metdata`; did you mean `images.strip_metadata`?" \
        in result.err
    assert "config.yaml:8: error: `images.keep_copyright` must be true or false" in result.err


def test_an_unchanged_image_is_never_processed_again(photo_site, run):
    site = photo_site()
    assert run("build", "--site", site).status == 0
    cache = site / ".cache" / "broadsheet" / "images"
    entries = {p.name: p.stat().st_mtime_ns for p in cache.iterdir()}
    assert len(entries) == 4
    published = {name: (site / "output" / name).stat().st_mtime_ns for name in ("portrait.jpg", "chart.png")}

    # An edit to the article's text: the images are not made again, nor their cache entries touched.
    write_file(site, "content/2022-02-28-floods.md", ARTICLE.replace("![The river]", "New text. ![The river]"))
    result = run("build", "--site", site)
    assert result.status == 0, result.err
    assert "GPS" not in result.out  # no image made again
    assert {p.name: p.stat().st_mtime_ns for p in cache.iterdir()} == entries
    assert {name: (site / "output" / name).stat().st_mtime_ns for name in published} == published

    # A build of a fresh output folder takes them from the cache: no entry is written again.
    shutil.rmtree(site / "output")
    result = run("build", "--site", site)
    assert result.status == 0, result.err
    assert {p.name: p.stat().st_mtime_ns for p in cache.iterdir()} == entries
    assert "3 images had GPS location data removed" in result.out

    # New bytes: a new entry, and the published file changes.
    write_file(site, "content/river.jpg", phone_jpeg(3))
    result = run("build", "--site", site)
    assert result.status == 0, result.err
    assert "1 image had GPS location data removed" in result.out
    assert len(list(cache.iterdir())) == 5
    assert Image.open(site / "output" / "river.jpg").convert("RGB").getpixel((37, 17))[0] > 200  # turned 180°


def test_a_settings_change_publishes_the_images_again(photo_site, run):
    site = photo_site()
    assert run("build", "--site", site).status == 0
    before = (site / "output" / "river.jpg").read_bytes()
    (site / "config.yaml").write_text(MINIMAL_CONFIG + "images:\n  strip_metadata: false\n", encoding="utf-8")
    assert run("build", "--site", site).status == 0
    after = (site / "output" / "river.jpg").read_bytes()
    assert after != before and after == (site / "content" / "river.jpg").read_bytes()


BAD_IMAGES = {
    "truncated JPEG": ("broken.jpg", lambda: (lambda data: data[:len(data) * 2 // 3])(big_jpeg()), "truncated"),
    "JPEG cut in its headers": ("cut.jpg", lambda: phone_jpeg(1)[:600], "truncated"),
    "text named .jpg": ("notes.jpg", lambda: b"Remember to call the council press office.\n", "not an image"),
    "decompression bomb": ("bomb.png", huge_png_header, "too large"),
    "100 megapixels and more": ("wide.png", lambda: huge_png_header(12000, 9000), "12000×9000 pixels"),
}


@pytest.mark.parametrize("kind", BAD_IMAGES)
def test_a_bad_image_is_an_error_naming_it_and_the_output_is_left_as_it_was(make_site, run, kind):
    name, make, words = BAD_IMAGES[kind]
    site = make_site({"content/2022-02-28-floods.md": ARTICLE, "content/portrait.jpg": phone_jpeg(6),
                      "content/river.jpg": phone_jpeg(1)})
    assert run("build", "--site", site).status == 0
    before = snapshot(site / "output")
    write_file(site, f"content/{name}", make())
    write_file(site, "content/2022-03-01-next.md", article("Next", "2022-03-01", "Text.", image=name,
                                                            image_alt="A picture"))
    result = run("build", "--site", ".", cwd=site)
    assert result.status == 1, result.err
    assert "Traceback" not in result.err and "internal error" not in result.err
    errors = [line for line in result.err.splitlines() if ": error: " in line]
    assert len(errors) == 1, result.err
    # At the article's `image:` line (its 4th: ---, title, date, image), naming the image.
    assert errors[0].startswith(f"content/2022-03-01-next.md:4: error: `image`: content/{name}: "), errors[0]
    assert words in errors[0]
    assert snapshot(site / "output") == before


def test_a_bad_author_photo_names_its_line_in_authors_yaml(make_site, run):
    site = make_site({"content/2022-02-28-floods.md": article("Story", "2022-02-28", "Text.", author="grace"),
                      "content/authors/grace.jpg": b"GIF89a not really",
                      "authors.yaml": "grace:\n  name: Grace Ade\n  photo: authors/grace.jpg\n"})
    result = run("build", "--site", ".", cwd=site)
    assert result.status == 1
    assert result.err.startswith("authors.yaml:3: error: `photo` of author `grace`: content/authors/grace.jpg: "
                                 "not an image"), result.err
    assert "Traceback" not in result.err


def test_the_sample_site_images_build_and_svg_passes_through(sample_site, run):
    result = run("build", "--site", sample_site)
    assert result.status == 0, result.err
    out = sample_site / "output"
    svgs = sorted((sample_site / "content").rglob("*.svg"))
    assert svgs
    for svg in svgs:
        assert (out / svg.relative_to(sample_site / "content")).read_bytes() == svg.read_bytes()
    rasters = [p for p in (sample_site / "content").rglob("*") if p.suffix.lower() in (".jpg", ".png")]
    assert rasters
    for raster in rasters:
        published = out / raster.relative_to(sample_site / "content")
        Image.open(published).load()
        assert identifying(published.read_bytes()) == []


def test_repository_images_are_published_unchanged_when_they_carry_nothing():
    """The sample site's own pictures hold no metadata: they are published byte for byte."""
    from generator.media.images import publish

    for raster in (REPO / "content" / "images").iterdir():
        if raster.suffix in (".jpg", ".png"):
            published = publish(raster.read_bytes())
            assert published.passed_through and published.data == raster.read_bytes(), raster


def test_an_incremental_build_equals_a_cold_one(photo_site, run, tmp_path):
    site = photo_site()
    assert run("build", "--site", site).status == 0
    write_file(site, "content/river.jpg", phone_jpeg(8))
    write_file(site, "content/chart.png", plain_png())
    assert run("build", "--site", site).status == 0
    (site / "config.yaml").write_text(MINIMAL_CONFIG + "images:\n  keep_copyright: true\n", encoding="utf-8")
    assert run("build", "--site", site).status == 0
    cold = tmp_path / "cold"
    cold.mkdir()
    shutil.copy(site / "config.yaml", cold / "config.yaml")
    shutil.copytree(site / "content", cold / "content")
    assert run("build", "--site", cold, "--no-cache").status == 0

    assert site_files(site / "output") == site_files(cold / "output")


def test_many_images_are_made_in_the_worker_processes(make_site, run):
    """Past 200 files to make, the writer's workers make them: the count still comes back."""
    out = io.BytesIO()
    Image.new("RGB", (16, 16), "green").save(out, "JPEG", exif=camera_exif(1))
    files = {f"content/photos/{n:03}.jpg": out.getvalue() for n in range(220)}
    site = make_site({"content/2022-02-28-floods.md": article("Story", "2022-02-28", "Text."), **files})
    result = run("build", "--site", site)
    assert result.status == 0, result.err
    assert "220 images had GPS location data removed" in result.out
    assert identifying((site / "output" / "photos" / "107.jpg").read_bytes()) == []
