"""Images as the site publishes them.

What a file is, by its name, is told here without loading Pillow (images.py loads it): a build
of a site with no raster image never does."""

from __future__ import annotations

import os

# Raster files published through images.py, by suffix (lower case), with the formats Pillow may
# find in them.
RASTER_SUFFIXES = {".jpg": "JPEG", ".jpeg": "JPEG", ".jpe": "JPEG", ".png": "PNG", ".webp": "WEBP",
                   ".gif": "GIF", ".tif": "TIFF", ".tiff": "TIFF"}


def is_raster(name: str) -> bool:
    return os.path.splitext(name)[1].lower() in RASTER_SUFFIXES
