"""Raster images as the site publishes them: validated, turned upright, and without the metadata
that identifies a place, a device or a person.

A camera or phone writes EXIF (GPS position, camera and lens serial numbers, the owner's name,
a thumbnail of the picture as it was before any crop, maker notes), XMP and IPTC into the file.
For a reporter protecting a source that is a danger, so every JPEG, PNG, WebP, GIF and TIFF under
content/ is published through publish() below, the copy of the original included:

- the picture is decoded in full (a corrupt, truncated or mislabelled file is an error naming it,
  never a hang: Pillow raises on a truncated file, and LOAD_TRUNCATED_IMAGES is left off) and an
  image of more than MAX_PIXELS pixels is refused before its pixels are decoded (a decompression
  bomb: a few kilobytes on disk that would take gigabytes of memory);
- EXIF orientation is applied to the pixels, so a portrait phone photo is upright everywhere;
- the picture is saved again with no EXIF, XMP, IPTC, comments or text chunks, keeping the ICC
  colour profile (the colours do not change): JPEG with the original's quantisation tables and
  chroma subsampling when it was not turned (quality="keep": no visible loss), else at quality 92;
  PNG, WebP (lossless when the original was), GIF and TIFF without loss of pixels. Animated images
  keep every frame and their timing;
- an image that carries no metadata at all (nothing but its pixels, colour profile and the
  format's own headers, and no bytes after its end) is published byte for byte, as it was.

ImageSettings.keep_copyright keeps EXIF Copyright and Artist and nothing else; strip_metadata
False publishes originals as they are (they are still checked to be sound images).

open_image() is the one place an image is opened and checked: the responsive variants and share
cards to come start from the Image it returns.
"""

from __future__ import annotations

import hashlib
import io
import os
import warnings
from dataclasses import dataclass
from pathlib import Path

from PIL import Image, ImageOps, JpegImagePlugin, UnidentifiedImageError


# More pixels than this is refused: 100 megapixels is more than any press camera takes; decoded,
# such an image already holds 300-400 MB.
MAX_PIXELS = 100_000_000
Image.MAX_IMAGE_PIXELS = MAX_PIXELS  # Pillow's own guard, at open, refuses twice as many
# The pixels of every frame of an animation together.
MAX_ANIMATION_PIXELS = 4 * MAX_PIXELS

EXIF_ARTIST, EXIF_COPYRIGHT, EXIF_GPS_IFD, EXIF_ORIENTATION = 0x013B, 0x8298, 0x8825, 0x0112
# What says the image holds no metadata: JPEG application segments that are only the format's own.
_PLAIN_JPEG_SEGMENTS = (("APP0", b"JFIF\x00"), ("APP2", b"ICC_PROFILE\x00"), ("APP14", b"Adobe"))
# Keys of Image.info that are metadata (text chunks of a PNG are there too, under their own keys).
_PLAIN_INFO = {"jfif", "jfif_version", "jfif_unit", "jfif_density", "dpi", "adobe", "adobe_transform",
               "progressive", "progression", "icc_profile", "transparency", "gamma", "chromaticity", "srgb",
               "aspect", "interlace", "duration", "loop", "background", "version", "extension", "disposal",
               "blend", "default_image", "bbox", "compression", "lossless", "timestamp"}


class BadImage(Exception):
    """The file is not a sound image, or too large to decode: the message says what, for the user."""


@dataclass(frozen=True)
class Published:
    """An image as the site publishes it."""

    data: bytes
    location_removed: bool  # the original carried a GPS position (EXIF or XMP), not published
    metadata_removed: bool  # the original carried any metadata that was not published
    passed_through: bool  # the original's bytes, unchanged


def open_image(data: bytes, max_pixels: int = MAX_PIXELS, draft: tuple[int, int] | None = None) -> Image.Image:
    """The image in data, checked: its size before its pixels are decoded, then every pixel of
    every frame. Raises BadImage.

    draft: the (upright) size the picture is wanted at; a JPEG is then decoded at the smallest
    scale at least that large (its decoder scales by 1/2, 1/4, 1/8 for next to nothing), which
    makes a responsive variant several times faster than decoding every pixel to throw most away."""
    try:
        with warnings.catch_warnings():  # Pillow warns of a large image; the size is checked below
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data))
    except Image.DecompressionBombError as exc:  # Pillow's own guard, at twice the limit
        raise BadImage(_too_large("the image has", max_pixels)) from exc
    except UnidentifiedImageError as exc:
        raise BadImage("not an image Broadsheet can read (JPEG, PNG, WebP, GIF or TIFF): "
                       "the file is damaged, or has the wrong name") from exc
    except (OSError, ValueError, SyntaxError) as exc:
        raise BadImage(f"the image is damaged or truncated: {str(exc) or type(exc).__name__}") from exc
    width, height = image.size
    if width * height > max_pixels:
        raise BadImage(_too_large(f"the image is {width}×{height} pixels,", max_pixels))
    frames = getattr(image, "n_frames", 1)
    if frames * width * height > MAX_ANIMATION_PIXELS:
        raise BadImage(f"the animation has {frames} frames of {width}×{height} pixels, more than Broadsheet decodes")
    if draft is not None and image.format in ("JPEG", "MPO") and frames == 1:
        turned = Image.Image.getexif(image).get(EXIF_ORIENTATION) in (5, 6, 7, 8)
        image.draft(image.mode, (draft[1], draft[0]) if turned else draft)
    try:
        for frame in range(frames):
            if frames > 1:
                image.seek(frame)
            image.load()
        if frames > 1:
            image.seek(0)
    except Image.DecompressionBombError as exc:
        raise BadImage(_too_large("the image has", max_pixels)) from exc
    except (OSError, ValueError, SyntaxError, EOFError, MemoryError) as exc:
        reason = str(exc) or type(exc).__name__
        raise BadImage(f"the image is damaged or truncated: {reason}") from exc
    return image


def _too_large(what: str, max_pixels: int) -> str:
    return (f"{what} more than the {max_pixels // 1_000_000} megapixels Broadsheet decodes: too large to decode "
            "safely (a decompression bomb?); scale the picture down before publishing it")


def publish(data: bytes, strip_metadata: bool = True, keep_copyright: bool = False) -> Published:
    """The image in data as the site publishes it (see the module's description). Raises BadImage."""
    image = open_image(data)
    location = _has_location(image, data)
    if not strip_metadata:
        return Published(data, False, False, True)
    if _carries_nothing(image, data):
        return Published(data, False, False, True)
    exif = image.getexif()
    kept = Image.Exif()
    if keep_copyright:
        for tag in (EXIF_COPYRIGHT, EXIF_ARTIST):
            if exif.get(tag):
                kept[tag] = exif[tag]
    fmt = "JPEG" if image.format == "MPO" else image.format
    out = io.BytesIO()
    turned = exif.get(EXIF_ORIENTATION, 1) not in (1, None)
    icc = image.info.get("icc_profile") or None
    extra = {"icc_profile": icc} if icc else {}
    if len(kept):
        extra["exif"] = kept.tobytes()
    if fmt == "JPEG":
        if not turned and image.format == "JPEG":
            # The original's own tables: re-encoded at its quality. comment and xmp given, as empty,
            # or Pillow would copy the original's.
            image.save(out, "JPEG", quality="keep", subsampling="keep", comment=b"", **extra)
        else:
            upright = _clean(ImageOps.exif_transpose(image))
            sampling = JpegImagePlugin.get_sampling(image)
            upright.save(out, "JPEG", quality=92, subsampling=sampling if sampling in (0, 2) else 2,
                         optimize=True, **extra)
    elif getattr(image, "n_frames", 1) > 1:
        _save_animation(image, fmt, out, extra)
    else:
        upright = _clean(ImageOps.exif_transpose(image) if turned else image.copy())
        if fmt == "PNG":
            if "transparency" in image.info:
                extra["transparency"] = image.info["transparency"]
            if "dpi" in image.info:
                extra["dpi"] = image.info["dpi"]
            upright.save(out, "PNG", optimize=False, **extra)
        elif fmt == "WEBP":
            lossless = bool(image.info.get("lossless")) or _is_lossless_webp(data)
            upright.save(out, "WEBP", lossless=lossless, quality=100 if lossless else 92, **extra)
        elif fmt == "GIF":
            if "transparency" in image.info:
                extra["transparency"] = image.info["transparency"]
            extra.pop("icc_profile", None)
            extra.pop("exif", None)
            upright.save(out, "GIF", **extra)
        elif fmt == "TIFF":
            upright.save(out, "TIFF", compression="tiff_lzw", **extra)
        else:
            raise BadImage(f"a {fmt} image, which Broadsheet does not publish; convert it to JPEG, PNG or WebP")
    return Published(out.getvalue(), location, True, False)


def _clean(image: Image.Image) -> Image.Image:
    """A copy of the pixels with nothing of the original's metadata, which Pillow would carry on."""
    image.info = {}
    return image


def _save_animation(image: Image.Image, fmt: str, out: io.BytesIO, extra: dict) -> None:
    frames, durations = [], []
    for frame in range(image.n_frames):
        image.seek(frame)
        durations.append(image.info.get("duration", 100))
        frames.append(_clean(image.copy()))
    image.seek(0)
    options = dict(save_all=True, append_images=frames[1:], duration=durations, loop=image.info.get("loop", 0))
    if fmt == "GIF":
        extra = {}
        options["disposal"] = 2 if image.disposal_method == 2 else 1  # type: ignore[attr-defined]
        if "transparency" in image.info:
            options["transparency"] = image.info["transparency"]
    if fmt == "WEBP":
        options["lossless"] = True
    frames[0].save(out, fmt, **options, **extra)


def _has_location(image: Image.Image, data: bytes) -> bool:
    try:
        if image.getexif().get_ifd(EXIF_GPS_IFD):
            return True
    except Exception:  # noqa: BLE001 - an unreadable EXIF block is not a location, and is dropped anyway
        pass
    return b"GPSLatitude" in data or b"GPSLongitude" in data  # in XMP (exif:GPSLatitude), or an odd EXIF


def _carries_nothing(image: Image.Image, data: bytes) -> bool:
    """Nothing but the pixels, the colour profile and the format's own headers, nothing after the end."""
    if any(key not in _PLAIN_INFO for key in image.info):
        return False
    if len(image.getexif()):
        return False
    if image.format == "JPEG":
        plain = all(any(marker == m and body.startswith(p) for m, p in _PLAIN_JPEG_SEGMENTS)
                    for marker, body in getattr(image, "applist", []))
        return plain and data.endswith(b"\xff\xd9")
    if image.format == "PNG":
        return data.endswith(b"IEND\xaeB`\x82") and not getattr(image, "text", None)
    if image.format == "GIF":
        return b"XMP DataXMP" not in data and data.endswith(b";")
    if image.format == "WEBP":
        return b"EXIF" not in data[:64] and b"XMP " not in data
    return False  # TIFF: its directory is full of tags; always written afresh


def _is_lossless_webp(data: bytes) -> bool:
    return data[12:16] == b"VP8L" or (data[12:16] == b"VP8X" and b"VP8L" in data[:4096])


# What made an image as published: a change to this module or to Pillow is a new key.
def processor_key() -> str:
    if not _PROCESSOR:
        import PIL

        digest = hashlib.sha256(Path(__file__).read_bytes())
        digest.update(PIL.__version__.encode())
        _PROCESSOR.append(digest.hexdigest())
    return _PROCESSOR[0]


_PROCESSOR: list[str] = []


class ImageCache:
    """Published images by the hash of the original's bytes and the settings, one file each in
    .cache/broadsheet/images/: an image that did not change is never decoded again, whatever else
    did (an article's text, a template), also across `serve` rebuilds."""

    HEADER = b"broadsheet image 1\n"

    def __init__(self, folder: Path, strip_metadata: bool = True, keep_copyright: bool = False):
        self.folder = folder
        self.strip_metadata = strip_metadata
        self.keep_copyright = keep_copyright
        self.settings_key = hashlib.sha256(
            f"{strip_metadata}:{keep_copyright}:{MAX_PIXELS}:{processor_key()}".encode()).hexdigest()

    def publish(self, source: Path) -> Published:
        """The image at source as published: from the cache, else made (and cached). Raises BadImage, OSError."""
        data = source.read_bytes()
        key = hashlib.sha256(self.settings_key.encode() + data).hexdigest()
        entry = self.folder / f"{key}{source.suffix.lower()}"
        known = self._read(entry, data)
        if known is not None:
            return known
        made = publish(data, self.strip_metadata, self.keep_copyright)
        self._write(entry, made)
        return made

    def _read(self, entry: Path, original: bytes) -> Published | None:
        try:
            raw = entry.read_bytes()
        except OSError:
            return None
        header, _, rest = raw.partition(b"\n\n")
        lines = (header + b"\n").splitlines()
        if not lines or lines[0] + b"\n" != self.HEADER or len(lines) != 2:
            return None
        flags = lines[1].decode("ascii", "replace")
        if "pass" in flags:
            return Published(original, False, False, True)
        return Published(rest, "location" in flags, True, False)

    def _write(self, entry: Path, made: Published) -> None:
        flags = "pass" if made.passed_through else ("location," if made.location_removed else "") + "metadata"
        body = b"" if made.passed_through else made.data
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            temporary = entry.with_name(f"{entry.name}.{os.getpid()}.tmp")
            temporary.write_bytes(self.HEADER + flags.encode() + b"\n\n" + body)
            os.replace(temporary, entry)
        except OSError:
            pass  # a cache that cannot be written only makes the next build slower
