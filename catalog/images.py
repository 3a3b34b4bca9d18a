"""Responsive renditions of product pictures, made once when a picture is saved.

A picture is stored as uploaded; beside it go WebP copies RENDITION_WIDTHS wide (only those
narrower than the picture), in the same storage (S3 in production). ProductImage keeps their
names, so a page builds `srcset` from its row and never asks the storage whether a file exists.

The widths: 160 for thumbnails (cart, admin, the gallery's strip: 80 CSS pixels on a 2x
screen), 320 and 640 for product cards (a third of a laptop's width, half a phone's, at 1x and
2x), 960 and 1280 for the product page's main picture (half a laptop's width, a phone's width,
at 2x).
"""

import io
import posixpath

from django.core.files.base import ContentFile
from PIL import Image, ImageOps

RENDITION_WIDTHS = (160, 320, 640, 960, 1280)
THUMBNAIL_WIDTH = 160
CARD_WIDTH = 640
RENDITION_QUALITY = 80


def make_renditions(
    storage,
    name,
    *,
    picture=None,
    widths=RENDITION_WIDTHS,
    method=4,
    resample=Image.Resampling.LANCZOS,
):
    """Write the renditions of the picture `name` in `storage`; return the picture's width and
    height (as a browser shows it, EXIF rotation applied) and {str(width): rendition name}.

    `picture`: the picture as a PIL image, when the caller has it (demo seeding), else it is read
    from the storage. `method` is WebP's effort (0 fastest, 6 smallest files); `resample` the
    resizing filter (Lanczos: sharpest; the demo's flat drawings take a faster one).
    """
    if picture is None:
        with storage.open(name, "rb") as source, Image.open(source) as opened:
            picture = ImageOps.exif_transpose(opened)
            picture.load()
    width, height = picture.size
    picture = picture.convert("RGBA" if _has_transparency(picture) else "RGB")
    stem = posixpath.splitext(name)[0]
    renditions = {}
    for rendition_width in sorted(widths):
        if rendition_width >= width:
            break
        size = (rendition_width, max(1, round(height * rendition_width / width)))
        buffer = io.BytesIO()
        # reducing_gap: a fast integer reduction first, then Lanczos; as sharp, several times
        # faster for a big upload.
        picture.resize(size, resample, reducing_gap=3.0).save(
            buffer, "WEBP", quality=RENDITION_QUALITY, method=method
        )
        renditions[str(rendition_width)] = storage.save(
            f"{stem}-{rendition_width}w.webp", ContentFile(buffer.getvalue())
        )
    return width, height, renditions


def _has_transparency(picture):
    return picture.mode in ("RGBA", "LA", "PA") or "transparency" in picture.info
