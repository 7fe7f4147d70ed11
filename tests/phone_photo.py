"""A poster page as a phone photographs it, and the QR codes a decoder finds on it.

Shared by the legibility test (tests/test_legibility.py) and the margin benchmark
(benchmarks/poster_margin.py), so both degrade a page the same way:

1. the page rendered by PDFium at ``width`` pixels across (an A4 sheet filling a
   phone photo at arm's length is about 1,000 px wide);
2. turned by a few degrees (nobody holds the phone square), the corners filled white;
3. a Gaussian blur of sigma 1 px (focus, shake, the lens);
4. saved as a JPEG of quality 50 (what a chat app sends) and read back.

The codes are then read with zxing-cpp, a decoder we did not write.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from pathlib import Path

import pypdfium2
import zxingcpp
from PIL import Image, ImageFilter

#: the degradation of the issue: ~1,000 px wide, sigma 1, JPEG 50, a few degrees
WIDTH = 1000
SIGMA = 1.0
QUALITY = 50
ANGLE = 3.0


def page_count(pdf_path: Path) -> int:
    pdf = pypdfium2.PdfDocument(str(pdf_path))
    try:
        return len(pdf)
    finally:
        pdf.close()


def render_pages(pdf_path: Path, width: int, only: int | None = None) -> list[Image.Image]:
    """Every page of the PDF (or only the page of index ``only``) rendered ``width``
    pixels wide, as RGB images."""
    pdf = pypdfium2.PdfDocument(str(pdf_path))
    try:
        out = []
        for i, page in enumerate(pdf):
            if only is None or i == only:
                scale = width / page.get_width()
                out.append(page.render(scale=scale).to_pil().convert("RGB"))
        return out
    finally:
        pdf.close()


def degrade(image: Image.Image, angle: float = ANGLE, sigma: float = SIGMA, quality: int = QUALITY):
    """``image`` turned, blurred and JPEG-compressed like a phone photo of it."""
    turned = image.rotate(angle, resample=Image.Resampling.BICUBIC, expand=True, fillcolor=(255, 255, 255))
    # Pillow's GaussianBlur takes the standard deviation as its "radius"
    blurred = turned.filter(ImageFilter.GaussianBlur(radius=sigma))
    buf = io.BytesIO()
    blurred.save(buf, format="JPEG", quality=quality)
    buf.seek(0)
    return Image.open(buf).convert("RGB")


def decode(image: Image.Image) -> list[str]:
    """The texts of the QR codes zxing-cpp finds on ``image``."""
    return [r.text for r in zxingcpp.read_barcodes(image, formats=zxingcpp.BarcodeFormat.QRCode)]


@dataclass
class PageCodes:
    """What a decoder read on one degraded page: the page code and the complaint code, if found."""

    page: int  # 1-based
    texts: list[str]
    site: str  # the site's base URL: the page code starts with it
    intake: str  # the complaint intake URL: the complaint code starts with it

    @property
    def page_code(self) -> str | None:
        return next((t for t in self.texts if t.startswith(self.site)), None)

    @property
    def complaint_code(self) -> str | None:
        return next((t for t in self.texts if t.startswith(self.intake)), None)

    @property
    def both(self) -> bool:
        return self.page_code is not None and self.complaint_code is not None


def photographed_codes(
    pdf_path: Path, site: str, intake: str, width: int = WIDTH, angle: float = ANGLE
) -> list[PageCodes]:
    """Per page of the poster, the codes read from a phone photo of it ``width`` px wide."""
    return [
        PageCodes(i, decode(degrade(img, angle=angle)), site, intake)
        for i, img in enumerate(render_pages(pdf_path, width), 1)
    ]
