"""The intrinsic size of an image under content/, for the width and height of its <img> (the page
keeps its layout while pictures load): read from the file's header, never its pixels.

A raster image (JPEG, PNG, WebP, GIF, TIFF) is measured by Pillow as it is published, upright:
for an EXIF orientation of 5 to 8 (turned a quarter) width and height are swapped, as publish()
turns the pixels. An SVG gives the width and height of its root element (in px or without unit),
else its viewBox. An image whose size cannot be read has none: its <img> goes without.

Sizes are kept by the file's path and stamps (size, times, inode), as output.py knows a file to
copy: a changed file is measured again, an unchanged one never is, also across `serve` rebuilds.
"""

from __future__ import annotations

import os
import re
import warnings
import xml.etree.ElementTree as etree

from . import is_raster

Size = tuple[int, int]

SVG_SUFFIX = ".svg"
# The root element of an SVG is looked for in this many bytes at most.
_SVG_HEAD = 256 * 1024
_LENGTH = re.compile(r"\s*([0-9]*\.?[0-9]+(?:[eE][-+]?[0-9]+)?)\s*(px)?\s*$")
_MAX_KNOWN = 200_000
_known: dict[tuple, Size | None] = {}


def has_size(path: str) -> bool:
    """Is the file one whose size is read (by its name)?"""
    return is_raster(path) or path.lower().endswith(SVG_SUFFIX)


def image_size(path: str | os.PathLike) -> Size | None:
    """(width, height) in pixels of the image at path as published, or None when not known."""
    path = os.fspath(path)
    if not has_size(path):
        return None
    try:
        stat = os.stat(path)
    except OSError:
        return None
    key = (path, stat.st_size, stat.st_mtime_ns, stat.st_ctime_ns, stat.st_ino)
    try:
        return _known[key]
    except KeyError:
        pass
    size = _svg_size(path) if path.lower().endswith(SVG_SUFFIX) else _raster_size(path)
    if len(_known) >= _MAX_KNOWN:
        _known.clear()
    _known[key] = size
    return size


def _raster_size(path: str) -> Size | None:
    from PIL import Image  # loaded only by a build that has raster images

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            with Image.open(path) as image:
                width, height = image.size
                # Image.getexif of the base class reads what the header holds, never the pixels
                # (PNG's own would decode the image to look for EXIF after them).
                orientation = Image.Image.getexif(image).get(0x0112)
    except Exception:  # noqa: BLE001 - a damaged image has no size here; publishing it reports why
        return None
    if width <= 0 or height <= 0:
        return None
    return (height, width) if orientation in (5, 6, 7, 8) else (width, height)


def _svg_size(path: str) -> Size | None:
    root = _svg_root(path)
    if root is None or not root.tag.rsplit("}", 1)[-1] == "svg":
        return None
    width, height = _length(root.get("width")), _length(root.get("height"))
    box = _view_box(root.get("viewBox"))
    if width and height:
        return _whole(width), _whole(height)
    if box is None:
        return None
    box_width, box_height = box
    if width:
        return _whole(width), _whole(width * box_height / box_width)
    if height:
        return _whole(height * box_width / box_height), _whole(height)
    if root.get("width") is not None or root.get("height") is not None:
        return None  # given in units other than pixels (em, %, mm): the viewBox is not its size
    return _whole(box_width), _whole(box_height)


def _svg_root(path: str) -> etree.Element | None:
    """The root element with its attributes, parsed from the first bytes of the file."""
    parser = etree.XMLPullParser(events=("start",))
    try:
        with open(path, "rb") as handle:
            read = 0
            while read < _SVG_HEAD:
                chunk = handle.read(8192)
                if not chunk:
                    break
                read += len(chunk)
                parser.feed(chunk)
                for _, element in parser.read_events():
                    return element
    except (OSError, etree.ParseError, ValueError):
        return None
    return None


def _length(value: str | None) -> float | None:
    if value is None:
        return None
    match = _LENGTH.match(value)
    if not match:
        return None
    number = float(match.group(1))
    return number if 0 < number < 1_000_000 else None


def _view_box(value: str | None) -> tuple[float, float] | None:
    if not value:
        return None
    try:
        parts = [float(part) for part in re.split(r"[\s,]+", value.strip())]
    except ValueError:
        return None
    if len(parts) != 4 or not (0 < parts[2] < 1_000_000 and 0 < parts[3] < 1_000_000):
        return None
    return parts[2], parts[3]


def _whole(number: float) -> int:
    return max(1, round(number))
