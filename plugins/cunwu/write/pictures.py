"""Pictures (photos, scans) resized for a phone screen and for the poster, with Pillow.

A cadre attaches what the phone took: a 48-megapixel photo is 8000 x 6000
pixels and 10-15 MB. Published as it is, it costs a villager's phone 11 MB
for a picture shown 362 CSS pixels wide, and makes the notice's one-page
poster 11 MB. So a picture larger than it is ever shown is published at the
size it is shown, and the poster embeds a copy sized for print:

* **web** (:data:`WEB_BOX`): at most 1080 pixels wide. A 390 px phone
  shows a notice's picture 362 CSS px wide (measured in Chromium,
  ``tests/test_pictures.py``) at a device pixel ratio of 3 on most phones
  sold since 2020: 1086 device pixels. 1080 is the width of a common phone
  screen; a picture narrower than that is not enlarged.
* **print** (:func:`print_box`): 200 dpi at the largest size a poster prints
  a picture (``render.posters.PICTURE_MM``: the printable width of the sheet,
  and ``poster.picture_max_height``), e.g. 1465 x 709 pixels on A4.

Only pictures larger than the box are touched; the result keeps the format
(and so the file name and the URL): JPEG stays JPEG (quality 82 on the web,
88 for print), PNG stays PNG, WebP stays WebP. The EXIF orientation is
applied first (the copy carries no EXIF: a phone photo's rotation, and its
GPS position, are not published). GIF (it may be animated) and anything
Pillow cannot read are left as they are; ``cunwu validate`` warns about huge
pictures (``image-too-large``). With ``site.keep_original_pictures: true`` in
``cunwu.yaml`` the site publishes every picture as it is; posters still use
the print copy.

Resizing a phone photo takes 0.1-0.5 s, so copies are kept in a
content-addressed cache (``build/.cache/pictures/``): the key is the
original's bytes, the box, the code of this module and Pillow's version.
"""

from __future__ import annotations

import hashlib
import io
import os
from pathlib import Path

#: file suffixes this module resizes (GIF is left alone: it may be animated)
PICTURE_SUFFIXES = {".jpg", ".jpeg", ".png", ".webp"}
#: the web copy fits this box (width, height) in pixels: a phone's width at 3x
WEB_BOX = (1080, 4096)
#: print resolution of a poster's pictures
PRINT_DPI = 200
_QUALITY = {"web": 82, "print": 88}
#: the code that makes the copies (this module) and Pillow's version: part of
#: the cache key, so a change to either makes the copies again
_RECIPE = hashlib.sha256(Path(__file__).read_bytes()).hexdigest()[:16]


def print_box(paper: str) -> tuple[int, int]:
    """The print copy's box in pixels: the largest a poster prints a picture, at :data:`PRINT_DPI`."""
    from ..render.posters import picture_mm

    w, h = picture_mm(paper)
    return round(w / 25.4 * PRINT_DPI), round(h / 25.4 * PRINT_DPI)


def is_picture(name: str) -> bool:
    return Path(name).suffix.lower() in PICTURE_SUFFIXES


class Pictures:
    """Resized copies of pictures, cached on disk by content (one per process is enough)."""

    def __init__(self, cache_dir: Path | None = None, keep_originals: bool = False):
        self.cache_dir = cache_dir
        self.keep_originals = keep_originals
        self.resized = 0

    def web(self, name: str, data: bytes) -> bytes:
        """What the site publishes for the file ``name`` with these bytes."""
        if self.keep_originals or not is_picture(name):
            return data
        return self._copy(name, data, WEB_BOX, "web")

    def print(self, name: str, data: bytes, paper: str) -> bytes:
        """What a poster embeds for the picture ``name`` with these bytes."""
        if not is_picture(name):
            return data
        return self._copy(name, data, print_box(paper), "print")

    def _copy(self, name: str, data: bytes, box: tuple[int, int], use: str) -> bytes:
        from PIL import __version__ as pillow

        key = hashlib.sha256(f"{_RECIPE}\0{pillow}\0{use}\0{box}\0".encode() + data).hexdigest()
        path = self.cache_dir / key[:2] / key if self.cache_dir is not None else None
        if path is not None:
            try:
                return path.read_bytes()
            except OSError:
                pass
        out = resize(data, box, _QUALITY[use], progressive=use == "web")
        if out is not data and path is not None:
            path.parent.mkdir(parents=True, exist_ok=True)
            tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
            tmp.write_bytes(out)
            os.replace(tmp, path)
        return out


def resize(data: bytes, box: tuple[int, int], quality: int, progressive: bool = False) -> bytes:
    """``data`` (a picture) scaled down to fit ``box``, in the same format; ``data``
    itself when it already fits, or when it is no picture Pillow can read safely."""
    from PIL import Image, ImageOps

    try:
        with Image.open(io.BytesIO(data)) as opened:
            img: Image.Image = opened
            fmt = opened.format
            if fmt not in ("JPEG", "PNG", "WEBP") or getattr(opened, "is_animated", False):
                return data
            orientation = img.getexif().get(0x0112, 1)
            w, h = img.size
            if orientation in (5, 6, 7, 8):
                w, h = h, w  # shown turned by a quarter
            scale = min(box[0] / w, box[1] / h)
            if scale >= 1:
                return data
            size = (max(1, round(w * scale)), max(1, round(h * scale)))
            if fmt == "JPEG":
                # decode at 1/2, 1/4 or 1/8 scale straight from the DCT, never below the
                # size wanted: a phone photo decodes 4-16x faster
                opened.draft("RGB", size if orientation < 5 else (size[1], size[0]))
            img = ImageOps.exif_transpose(img)
            if img.mode not in ("RGB", "RGBA", "L", "LA"):
                img = img.convert("RGBA" if "A" in img.mode or "transparency" in img.info else "RGB")
            img = img.resize(size, Image.Resampling.LANCZOS, reducing_gap=3.0)
            buf = io.BytesIO()
            if fmt == "JPEG":
                if img.mode != "RGB" and img.mode != "L":
                    img = img.convert("RGB")
                img.save(buf, "JPEG", quality=quality, optimize=True, progressive=progressive)
            elif fmt == "PNG":
                img.save(buf, "PNG", optimize=True)
            else:
                img.save(buf, "WEBP", quality=quality, method=4)
            return buf.getvalue()
    except (OSError, ValueError, SyntaxError, Image.DecompressionBombError):
        return data  # unreadable, or too many pixels to decode safely: as it is
