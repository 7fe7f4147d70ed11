"""Huge pictures in a village's attachments: a warning (``image-too-large``).

The site and the posters publish resized copies (:mod:`cunwu.write.pictures`),
so a villager never downloads the 11 MB original; but git keeps every version
of every file forever, and a township repository that takes a dozen
full-size phone photos a month grows by gigabytes a year. The cadre can fix
it before committing: a phone's gallery or WeChat shrinks a photo in two taps.
"""

from __future__ import annotations

import os
from pathlib import Path

from ..problems import Problem, problem
from ..sources import SourceFile

#: suffixes of pictures (what a phone, a scanner or a screenshot tool saves)
SUFFIXES = {".jpg", ".jpeg", ".png", ".webp", ".gif", ".bmp", ".tif", ".tiff", ".heic"}
#: above this a picture is huge: a 12-megapixel phone photo is 2-5 MB, a
#: 48-megapixel one or a 600 dpi scan 10-25 MB
MAX_BYTES = 5 * 1024 * 1024
#: or above this many pixels (8000 x 6000 is 48 million): also catches a small
#: file that would decode to a huge picture
MAX_PIXELS = 40_000_000

_FIX = (
    "网站和张贴版会自动缩小，但 Git 仓库会永久保存原图，每个版本都占空间。"
    "请先缩小再提交：在手机相册的“编辑”里调整尺寸，或用微信发送时不勾选“原图”，缩到约 2000 像素宽、1 MB 左右"
)


def picture_problem(root: Path, sf: SourceFile) -> Problem | None:
    """``image-too-large`` for a huge picture, else None."""
    if Path(sf.rel).suffix.lower() not in SUFFIXES:
        return None
    path = root / sf.rel
    try:
        size = os.stat(path).st_size
    except OSError:
        return None
    pixels = _pixels(path)
    if size > MAX_BYTES:
        shape = f"，{pixels[0]}×{pixels[1]} 像素" if pixels and pixels[0] else ""
        return problem(sf.rel, 0, "image-too-large", f"图片有 {size / 1024 / 1024:.1f} MB{shape}。{_FIX}")
    if pixels is not None and pixels[0] * pixels[1] > MAX_PIXELS:
        if pixels[0] == 0:
            return problem(
                sf.rel,
                0,
                "image-too-large",
                "图片的像素多得无法安全处理，网站会按原样发布，张贴版无法缩小它。" + _FIX,
            )
        mp = pixels[0] * pixels[1] / 1e6
        return problem(
            sf.rel, 0, "image-too-large", f"图片有 {pixels[0]}×{pixels[1]} 像素（{mp:.0f} 百万像素）。{_FIX}"
        )
    return None


def _pixels(path: Path) -> tuple[int, int] | None:
    """(width, height) from the picture's header (nothing is decoded); (0, 0)
    for a picture too large to open safely; None when Pillow cannot read it."""
    from PIL import Image

    try:
        with Image.open(path) as img:
            return img.size
    except Image.DecompressionBombError:
        return (0, 0)
    except (OSError, ValueError, SyntaxError):
        return None
