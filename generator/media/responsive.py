"""Responsive images: each JPEG, PNG and WebP under content/ is published, besides its own copy
(images.py), in several widths and in the formats of `images.formats` (WebP by default, AVIF
too if asked), so a phone is sent a picture the size of its screen and not a 6 MB camera file.

A variant is named after the original, its width and a hash of the original's bytes and the
settings that make it: content/2026/flood.jpg gives 2026/flood.800w.3f2a9c1e.webp beside
2026/flood.jpg. The name changes whenever its bytes may, so a CDN may keep it forever.

Which variants an image has is planned from its header alone (its size, its EXIF orientation,
whether it is animated) and the hash of its bytes: source_facts() keeps both by the file's
path and stamps, in memory and in .cache/broadsheet/variants/sources.tsv, so an unchanged image is
neither decoded nor hashed again. A variant's pixels are made in the writer's workers
(make_variant), each one kept in the image cache by what makes it (VariantCache).

Never upscaled: widths above the original's are left out, and the original's own width is
offered when it is below the largest asked for (in its own format, that is the published copy
itself). The pixels are turned upright by EXIF orientation and keep their ICC colour profile;
a variant carries no other metadata (but EXIF Copyright and Artist with images.keep_copyright).
Animated images, GIF, TIFF and SVG have no variants.

Share cards are variants too: an article's lead image cut to 1200×630 for Open Graph and X, and
to 16:9, 4:3 and 1:1 for the structured data (share_cards_for). Each is a window of the upright
picture (a Crop, centred on the article's image_focus as far as the picture allows) scaled to the
card's size, never up; its name holds the hash of the bytes, the settings and the window, and it is
made and cached like any other variant.
"""

from __future__ import annotations

import hashlib
import io
import os
import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

from ..config import ImageSettings
from . import RASTER_SUFFIXES

# The formats a variant may be written in: Pillow's name, the file suffix, the MIME type.
_FORMATS = {"jpeg": ("JPEG", "image/jpeg"), "png": ("PNG", "image/png"), "webp": ("WEBP", "image/webp"),
            "avif": ("AVIF", "image/avif")}
# The originals that get variants, by the format Pillow reads in them (MPO: a phone's multi-picture JPEG).
_OWN_FORMAT = {"JPEG": "jpeg", "MPO": "jpeg", "PNG": "png", "WEBP": "webp"}
_ORIENTATION = 0x0112
# A record of a file whose stamps are this recent may describe bytes that change again within
# the same stamp (git's "racy" rule): it is not trusted later.
_RACY_NS = 2_000_000_000
_CODE: list[str] = []


def code_key() -> str:
    """What makes a variant's bytes besides its settings: this module, images.py (which opens
    the image) and Pillow's version."""
    if not _CODE:
        import PIL

        digest = hashlib.sha256(Path(__file__).read_bytes())
        digest.update((Path(__file__).parent / "images.py").read_bytes())
        digest.update(PIL.__version__.encode())
        _CODE.append(digest.hexdigest())
    return _CODE[0]


@dataclass(frozen=True)
class Crop:
    """A window of the upright picture, in its pixels, with the picture's own size: a JPEG may be
    decoded at a smaller scale (images.open_image's draft), where the window is scaled to match."""

    left: int
    top: int
    right: int
    bottom: int
    whole_width: int
    whole_height: int

    @property
    def width(self) -> int:
        return self.right - self.left

    @property
    def height(self) -> int:
        return self.bottom - self.top


@dataclass(frozen=True)
class Variant:
    path: str  # in the output folder, POSIX, not URL-quoted
    url: str
    width: int
    height: int
    format: str  # a key of _FORMATS
    made: bool  # False: the published copy of the original (images.py), nothing to make
    crop: Crop | None = None  # a share card: this window of the picture, scaled to width × height

    @property
    def mime(self) -> str:
        return _FORMATS[self.format][1]


@dataclass(frozen=True)
class Responsive:
    """Every variant of one image, with what the <picture> that shows them needs."""

    source_digest: str  # sha256 of the original's bytes
    own_format: str  # the original's format (a key of _FORMATS): the <img>'s srcset
    variants: tuple[Variant, ...]
    key: str  # changes whenever a variant's name or the markup may: for body caches and page fingerprints
    sizes: str  # the `sizes` of images in an article's text (images.sizes)

    def srcset(self, fmt: str | None = None) -> str:
        fmt = fmt or self.own_format
        return ", ".join(f"{v.url} {v.width}w" for v in self.variants if v.format == fmt)

    @property
    def sources(self) -> tuple[tuple[str, str], ...]:
        """(MIME type, srcset) of each <source> before the <img>: the better formats, best first."""
        extra = []
        for fmt in _FORMATS:
            if fmt != self.own_format and any(v.format == fmt for v in self.variants):
                extra.append(fmt)
        order = sorted(extra, key=lambda f: ("avif", "webp", "jpeg", "png").index(f))
        return tuple((_FORMATS[f][1], self.srcset(f)) for f in order)

    @property
    def to_make(self) -> tuple[Variant, ...]:
        return tuple(v for v in self.variants if v.made)


@dataclass(frozen=True)
class Facts:
    """What planning an image's variants needs, read once per version of the file."""

    digest: str  # sha256 of the bytes
    width: int  # upright (EXIF orientation applied)
    height: int
    format: str  # Pillow's name for it, "" when not an image Pillow reads
    animated: bool


def settings_key(settings: ImageSettings) -> str:
    """What a variant's pixels depend on besides the original and its width and format."""
    return hashlib.sha256(f"{settings.quality}:{settings.keep_copyright}:{code_key()}".encode()).hexdigest()


def _resizable(source: str) -> Facts | None:
    """The facts of the image at source if it gets variants and share cards: a still JPEG, PNG or
    WebP that can be read (told by its name first, so that other files are never opened)."""
    if RASTER_SUFFIXES.get(os.path.splitext(source)[1].lower()) not in ("JPEG", "PNG", "WEBP"):
        return None
    facts = source_facts(source)
    if facts is None or facts.animated or facts.format not in _OWN_FORMAT:
        return None
    return facts


def resizable_size(source: str) -> tuple[int, int] | None:
    """The upright (width, height) of a JPEG, PNG or WebP that gets variants, from the facts kept
    between builds (sources.tsv): what sizes.image_size reads from the file's header, without
    opening it again on every build. None for any other image."""
    facts = _resizable(source)
    return (facts.width, facts.height) if facts is not None else None


def responsive_for(source: str | os.PathLike, output_path: str, settings: ImageSettings,
                   link: Callable[[str], str]) -> Responsive | None:
    """The variants of the image at source, published at output_path (relative to the output
    folder, not quoted); link(quoted path) gives a URL. None when it has none (not a JPEG, PNG or
    WebP, animated, unreadable: a damaged image is reported by its published copy)."""
    source = os.fspath(source)
    facts = _resizable(source)
    if facts is None:
        return None
    own = _OWN_FORMAT[facts.format]
    tag = hashlib.sha256(f"{settings_key(settings)}:{facts.digest}".encode()).hexdigest()[:8]
    stem, suffix = os.path.splitext(output_path)
    variants = []
    for width in _widths(facts.width, settings.widths):
        height = max(1, round(facts.height * width / facts.width))
        for fmt in (own, *[f for f in settings.formats if f != own]):
            if width == facts.width and fmt == own:
                path, made = output_path, False  # the published copy: same pixels, no metadata
            else:
                path, made = f"{stem}.{width}w.{tag}.{suffix[1:].lower() if fmt == own else fmt}", True
            variants.append(Variant(path, link(quote(path)), width, height, fmt, made))
    key = f"{tag}:{facts.width}x{facts.height}:{settings.widths}:{settings.formats}:{settings.sizes}"
    return Responsive(facts.digest, own, tuple(variants), key, settings.sizes)


def _widths(original: int, wanted: tuple[int, ...]) -> list[int]:
    """The widths asked for below the original's, and the original's own when it is not above them all."""
    widths = {w for w in wanted if w < original}
    if not wanted or original <= max(wanted):
        widths.add(original)
    return sorted(widths)


# The share cards: Open Graph's and X's 1200×630 first, then the 16:9, 4:3 and 1:1 crops Google
# asks for in an article's structured data (each at least 1200 pixels wide when the picture allows).
CARD_SIZE = (1200, 630)
STRUCTURED_SIZES = ((1200, 675), (1200, 900), (1200, 1200))
CENTRE = (0.5, 0.5)


@dataclass(frozen=True)
class ShareCards:
    """An article's lead image cut for social sites and search engines."""

    source: str  # the original's path, to make them from
    source_digest: str  # sha256 of the original's bytes
    card: Variant  # 1200×630 (or the largest of that shape the picture allows): og:image, twitter:image
    structured: tuple[Variant, ...]  # 16:9, 4:3, 1:1: the JSON-LD `image`
    key: str  # changes whenever a card's name or size may: for page fingerprints

    @property
    def variants(self) -> tuple[Variant, ...]:
        return (self.card, *self.structured)


def share_cards_for(source: str | os.PathLike, output_path: str, focus: tuple[float, float] | None,
                    settings: ImageSettings, link: Callable[[str], str]) -> ShareCards | None:
    """The share cards of the image at source (published at output_path, as responsive_for),
    their windows centred on focus (x, y from 0 to 1; None: the centre). None for the images
    that have no responsive variants (SVG, GIF, TIFF, animated, unreadable): they are shown as
    they are."""
    source = os.fspath(source)
    facts = _resizable(source)
    if facts is None:
        return None
    own = _OWN_FORMAT[facts.format]
    stem, suffix = os.path.splitext(output_path)
    made = []
    for size in (CARD_SIZE, *STRUCTURED_SIZES):
        crop = crop_for(facts.width, facts.height, size, focus or CENTRE)
        width, height = size if crop.width >= size[0] else (crop.width, crop.height)  # never upscaled
        # The window is in the name's hash: a new focus is a new name (and a new file for a CDN).
        tag = hashlib.sha256(f"{settings_key(settings)}:{facts.digest}:{_crop_text(crop)}".encode()).hexdigest()[:8]
        path = f"{stem}.{width}x{height}.{tag}.{suffix[1:].lower()}"
        made.append(Variant(path, link(quote(path)), width, height, own, True, crop))
    key = ":".join(f"{v.path}:{v.width}x{v.height}" for v in made)
    return ShareCards(source, facts.digest, made[0], tuple(made[1:]), key)


def crop_for(width: int, height: int, shape: tuple[int, int], focus: tuple[float, float]) -> Crop:
    """The largest window of the shape's proportions inside a width × height picture, centred on
    focus as far as the picture allows (a focus near an edge puts the window against that edge)."""
    if width * shape[1] > height * shape[0]:  # wider than the shape: the whole height
        window_w, window_h = min(width, max(1, round(height * shape[0] / shape[1]))), height
    else:
        window_w, window_h = width, min(height, max(1, round(width * shape[1] / shape[0])))
    left = min(max(round(focus[0] * width - window_w / 2), 0), width - window_w)
    top = min(max(round(focus[1] * height - window_h / 2), 0), height - window_h)
    return Crop(left, top, left + window_w, top + window_h, width, height)


def _crop_text(crop: Crop | None) -> str:
    if crop is None:
        return ""
    return f"{crop.left},{crop.top},{crop.right},{crop.bottom}/{crop.whole_width}x{crop.whole_height}"


# Facts of the files seen, by path and stamps; those older than _RACY_NS are saved in the cache.
_known: dict[tuple, Facts | None] = {}
_store: dict[str, object] = {"folder": None, "loaded": False, "dirty": False}


def use_cache_folder(folder: Path) -> None:
    """Where the facts of images are kept between builds (.cache/broadsheet/variants/)."""
    if _store["folder"] != folder:
        _store.update(folder=folder, loaded=False, dirty=False)


def source_facts(path: str) -> Facts | None:
    try:
        stat = os.stat(path)
    except OSError:
        return None
    _load()
    # By absolute path: the next build may run from another folder.
    key = (os.path.abspath(path), stat.st_size, stat.st_mtime_ns, stat.st_ctime_ns, stat.st_ino)
    if key in _known:
        return _known[key]
    facts = _read_facts(path)
    if time.time_ns() - max(stat.st_mtime_ns, stat.st_ctime_ns) > _RACY_NS:
        if len(_known) > 200_000:
            _known.clear()
        _known[key] = facts
        _store["dirty"] = True
    return facts


def _read_facts(path: str) -> Facts | None:
    from PIL import Image

    try:
        with open(path, "rb") as handle:
            data = handle.read()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            with Image.open(io.BytesIO(data)) as image:
                width, height = image.size
                orientation = Image.Image.getexif(image).get(_ORIENTATION)  # from the header, not the pixels
                fmt = image.format or ""
                # A phone's multi-picture JPEG (MPO) is one photo: its second picture is not shown.
                animated = getattr(image, "n_frames", 1) > 1 and fmt != "MPO"
    except Exception:  # noqa: BLE001 - a damaged image has no variants; its published copy reports why
        return None
    if width <= 0 or height <= 0:
        return None
    if orientation in (5, 6, 7, 8):
        width, height = height, width
    return Facts(hashlib.sha256(data).hexdigest(), width, height, fmt, animated)


_STORE_NAME = "sources.tsv"
_STORE_HEADER = "broadsheet image sources 1\n"


def _load() -> None:
    folder = _store["folder"]
    if _store["loaded"] or folder is None:
        return
    _store["loaded"] = True
    try:
        text = (folder / _STORE_NAME).read_text(encoding="utf-8")  # type: ignore[operator]
    except (OSError, UnicodeDecodeError):
        return
    if not text.startswith(_STORE_HEADER):
        return
    for line in text[len(_STORE_HEADER):].splitlines():
        parts = line.split("\t")
        if len(parts) != 10 or not all(p.isdigit() for p in parts[1:5] + parts[6:8]):
            continue  # a damaged line is only an image hashed again
        path, size, mtime, ctime, inode, digest, width, height, fmt, animated = parts
        _known.setdefault((path, int(size), int(mtime), int(ctime), int(inode)),
                          Facts(digest, int(width), int(height), fmt, animated == "1"))


def save_facts() -> None:
    """Keep what was learnt for the next build (a cache: one that cannot be written is no error)."""
    folder = _store["folder"]
    if folder is None or not _store["dirty"]:
        return
    lines = [_STORE_HEADER]
    for key, facts in _known.items():
        path, size, mtime, ctime, inode = key
        if facts is not None and "\t" not in path and "\n" not in path and _current(key):
            lines.append(f"{path}\t{size}\t{mtime}\t{ctime}\t{inode}\t{facts.digest}\t{facts.width}\t"
                         f"{facts.height}\t{facts.format}\t{int(facts.animated)}\n")
    try:
        folder.mkdir(parents=True, exist_ok=True)  # type: ignore[union-attr]
        temporary = folder / f"{_STORE_NAME}.{os.getpid()}.tmp"  # type: ignore[operator]
        temporary.write_text("".join(lines), encoding="utf-8")
        os.replace(temporary, folder / _STORE_NAME)  # type: ignore[operator]
        _store["dirty"] = False
    except OSError:
        pass


def _current(key: tuple) -> bool:
    """Is the file still as the record saw it? Older versions and deleted files are not kept."""
    try:
        stat = os.stat(key[0])
    except OSError:
        return False
    return key[1:] == (stat.st_size, stat.st_mtime_ns, stat.st_ctime_ns, stat.st_ino)


def make_variant(data: bytes, variant: Variant, settings: ImageSettings, digest: str = "") -> bytes:
    """The variant's bytes, from the original's (whose sha256 is digest, if known). Raises images.BadImage."""
    resized, icc, credit = _resized(data, variant.width, variant.height, digest, variant.crop)
    pillow_format = _FORMATS[variant.format][0]
    image, icc = _in_mode_for(resized, pillow_format, icc)
    options: dict = {"icc_profile": icc} if icc else {}
    if settings.keep_copyright and credit:
        options["exif"] = credit
    if pillow_format == "JPEG":
        options.update(quality=settings.quality, optimize=True, progressive=True)
    elif pillow_format == "WEBP":
        options.update(quality=settings.quality, method=4)
    elif pillow_format == "AVIF":
        options.update(quality=settings.quality, speed=7)
    out = io.BytesIO()
    image.save(out, pillow_format, **options)
    return out.getvalue()


# The last picture scaled, in this process: the variants of one width in each format come one
# after the other in the plan (and so mostly to the same worker), and share the decoding and the
# scaling, the larger part of the work.
_last_resized: dict[tuple, tuple] = {}


def _resized(data: bytes, width: int, height: int, digest: str, crop: Crop | None = None):
    """The picture upright, in a mode every format can take from it, scaled to width × height with
    Lanczos (its crop window alone, for a share card), without the original's metadata; its ICC
    profile; and its EXIF Copyright and Artist alone, as EXIF bytes (b"" when it has neither), for
    images.keep_copyright."""
    from PIL import Image, ImageOps

    from .images import EXIF_ARTIST, EXIF_COPYRIGHT, BadImage, open_image

    key = (digest, width, height, crop)
    if digest and key in _last_resized:
        return _last_resized[key]
    image = open_image(data, draft=_draft_size(width, height, crop))
    icc = image.info.get("icc_profile") or None
    exif, credit = image.getexif(), Image.Exif()
    for tag in (EXIF_COPYRIGHT, EXIF_ARTIST):
        if exif.get(tag):
            credit[tag] = exif[tag]
    try:
        upright = ImageOps.exif_transpose(image)
    except Exception as exc:  # noqa: BLE001 - a broken orientation tag: Pillow's message, for the user
        raise BadImage(f"cannot turn the image upright: {exc}") from exc
    if upright.mode in ("I", "I;16", "I;16B", "I;16L"):  # 16-bit grey: scaled to 8 bits, not clipped to white
        upright = upright.point(lambda value: value * (1 / 256)).convert("L")
    elif upright.mode not in ("RGB", "RGBA", "L", "LA", "CMYK"):  # a palette, 1-bit, float: scaled as colour
        alpha = "A" in upright.mode or "transparency" in upright.info
        upright = upright.convert("RGBA" if alpha else "RGB")
    if crop is not None:
        upright = _cut(upright, width, height, crop)
    elif upright.size != (width, height):
        upright = upright.resize((width, height), Image.Resampling.LANCZOS, reducing_gap=3.0)
    upright.info = {}  # nothing of the original's metadata is carried on
    made = (upright, icc, credit.tobytes() if len(credit) else b"")
    if digest:
        _last_resized.clear()
        _last_resized[key] = made
    return made


def _draft_size(width: int, height: int, crop: Crop | None) -> tuple[int, int]:
    """The size the whole picture is wanted at: for a crop, large enough that its window is at
    least width × height once decoded."""
    if crop is None:
        return width, height
    return (-(-crop.whole_width * width // crop.width), -(-crop.whole_height * height // crop.height))


def _cut(upright, width: int, height: int, crop: Crop):
    """The crop's window of the upright picture, scaled to width × height; its coordinates scaled
    first if the picture was decoded smaller than it is (a JPEG's draft)."""
    from PIL import Image

    scale_x, scale_y = upright.width / crop.whole_width, upright.height / crop.whole_height
    if (scale_x, scale_y) == (1, 1) and (crop.width, crop.height) == (width, height):
        return upright.crop((crop.left, crop.top, crop.right, crop.bottom))  # the pixels as they are
    box = (crop.left * scale_x, crop.top * scale_y, crop.right * scale_x, crop.bottom * scale_y)
    return upright.resize((width, height), Image.Resampling.LANCZOS, box=box, reducing_gap=3.0)


def _in_mode_for(image, pillow_format: str, icc: bytes | None):
    """The image in a mode the format writes, and the colour profile that goes with it: a CMYK
    picture becomes sRGB through its profile for WebP and AVIF (they have no CMYK), so its
    colours stay as they were."""
    mode = image.mode
    if mode == "CMYK":
        return (image, icc) if pillow_format == "JPEG" else (_cmyk_to_srgb(image, icc), None)
    if pillow_format == "JPEG":
        return (image if mode in ("RGB", "L") else image.convert("RGB")), icc
    if pillow_format == "PNG" or mode in ("RGB", "RGBA"):
        return image, icc
    return image.convert("RGBA" if "A" in mode else "RGB"), icc


def _cmyk_to_srgb(image, icc: bytes | None):
    from PIL import ImageCms

    if icc:
        try:
            source = ImageCms.ImageCmsProfile(io.BytesIO(icc))
            return ImageCms.profileToProfile(image, source, ImageCms.createProfile("sRGB"), outputMode="RGB")
        except (ImageCms.PyCMSError, OSError, ValueError):
            pass
    return image.convert("RGB")


class VariantCache:
    """Variants already made, one file each in .cache/broadsheet/variants/, by the hash of the
    original's bytes, the settings, the code, the width and the format: a variant is made once,
    whatever else changes (an article's text, a template), also across `serve` rebuilds."""

    def __init__(self, folder: Path, settings: ImageSettings):
        self.folder = folder
        self.settings = settings
        self.key = settings_key(settings)

    def entry(self, source_digest: str, variant: Variant) -> Path:
        # A share card's window too (its text is empty for a plain variant: their entries keep their names).
        window = f":{_crop_text(variant.crop)}" if variant.crop else ""
        name = hashlib.sha256(f"{self.key}:{source_digest}:{variant.width}:{variant.format}{window}".encode())
        return self.folder / f"{name.hexdigest()}.{variant.format}"

    def get(self, source: Path, source_digest: str, variant: Variant) -> bytes:
        """The variant's bytes (of an original whose sha256 is source_digest): from the cache, else
        made from source (and kept). Raises BadImage, OSError."""
        entry = self.entry(source_digest, variant)
        try:
            return entry.read_bytes()
        except OSError:
            pass
        made = make_variant(source.read_bytes(), variant, self.settings, source_digest)
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            temporary = entry.with_name(f"{entry.name}.{os.getpid()}.tmp")
            temporary.write_bytes(made)
            os.replace(temporary, entry)
        except OSError:
            pass  # a cache that cannot be written only makes the next build slower
        return made
