"""The villagers' picture card: a PNG 1080 px wide to share in a WeChat group.

WeChat shows a picture in a chat about 300 px wide until it is tapped, so
the card carries few things, large: the village's name, the month, three
figures (income, spending, how many on the benefit rosters), the counts of
the month, and the page's QR code. Everything else is one tap away.

Cards are cached like posters (:mod:`cunwu.write.posters`): by the hash of
this code, the font files and the exact data shown, under
``build/.cache/cards/``, so an unchanged month is never drawn again.
"""

from __future__ import annotations

import io
import os
from pathlib import Path
from typing import Any

from ..render.common import data_key
from ..render.qr import qr_matrix
from .fingerprint import sha
from .fonts import find_cjk_faces

WIDTH = 1080
HEIGHT = 1440
MARGIN = 72
ACCENT = (11, 83, 148)
INK = (26, 26, 26)
MUTED = (85, 85, 85)
SOFT = (244, 246, 248)
#: bump when the drawing changes, so cached cards are drawn again
CARD_VERSION = "1"


class CardMaker:
    """One per build: the fonts are found once, cards are cached by key."""

    def __init__(self, cache_dir: Path):
        self.cache_dir = cache_dir
        regular, bold = find_cjk_faces()
        self.regular = regular
        self.bold = bold or regular
        self.fingerprint = sha(
            "card", CARD_VERSION, Path(__file__).read_bytes(), regular.identity(), self.bold.identity()
        )
        self.rendered = 0
        self._fonts: dict[tuple[int, bool], Any] = {}
        self._qr: dict[str, list[list[bool]]] = {}

    def _font(self, size: int, bold: bool = False) -> Any:
        """A face at a size, loaded once (opening a CJK collection costs ~10 ms)."""
        from PIL import ImageFont

        font = self._fonts.get((size, bold))
        if font is None:
            face = self.bold if bold else self.regular
            font = self._fonts[size, bold] = ImageFont.truetype(str(face.path), size, index=face.index)
        return font

    def key(self, card: dict[str, Any]) -> str:
        return sha(self.fingerprint, data_key(card))

    def get(self, card: dict[str, Any]) -> tuple[bytes, bool]:
        """The card's PNG, from the cache or drawn now; and whether it was drawn."""
        key = self.key(card)
        path = self.cache_dir / key[:2] / f"{key}.png"
        try:
            return path.read_bytes(), False
        except OSError:
            pass
        png = self.draw(card)
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        tmp.write_bytes(png)
        os.replace(tmp, path)
        self.rendered += 1
        return png, True

    def _fit(self, draw: Any, text: str, size: int, width: int, bold: bool = False) -> Any:
        """The largest font up to ``size`` that fits ``text`` into ``width``."""
        while size > 28:
            font = self._font(size, bold)
            if draw.textlength(text, font=font) <= width:
                return font
            size -= 4
        return self._font(size, bold)

    def draw(self, card: dict[str, Any]) -> bytes:
        from PIL import Image, ImageDraw

        img = Image.new("RGB", (WIDTH, HEIGHT), "white")
        d = ImageDraw.Draw(img)
        inner = WIDTH - 2 * MARGIN
        # the band: village and month, white on the sites' accent blue
        d.rectangle((0, 0, WIDTH, 330), fill=ACCENT)
        d.text(
            (MARGIN, 50), card["village"], font=self._fit(d, card["village"], 136, inner, True), fill="white"
        )
        d.text((MARGIN, 222), card["title"], font=self._fit(d, card["title"], 68, inner, True), fill="white")
        # three figures, one a row: label left, value right, large
        y = 370
        if card["period"]:
            d.text((MARGIN, y), f"{card['period']}账目", font=self._font(48), fill=MUTED)
            y += 70
        for label, value in card["figures"]:
            d.rounded_rectangle((MARGIN - 24, y, WIDTH - MARGIN + 24, y + 124), radius=18, fill=SOFT)
            d.text((MARGIN, y + 62), label, font=self._font(56), fill=MUTED, anchor="lm")
            vfont = self._fit(d, value, 76, inner - 280, True)
            d.text((WIDTH - MARGIN, y + 62), value, font=vfont, fill=INK, anchor="rm")
            y += 142
        d.text((MARGIN, y + 4), card["counts"], font=self._fit(d, card["counts"], 52, inner), fill=INK)
        y += 4 + 70 + 30
        # the QR code of the village's page, with its quiet zone, bottom left
        matrix = self._qr.get(card["url"])
        if matrix is None:  # a village's months share one code
            matrix = self._qr[card["url"]] = qr_matrix(card["url"], ec="M")
        n = len(matrix)
        module = min(440, HEIGHT - MARGIN // 2 - y) // n
        size = module * n
        top = HEIGHT - MARGIN // 2 - size
        qr = Image.new("1", (n, n), 1)
        qr.putdata([0 if dark else 1 for row in matrix for dark in row])
        img.paste(
            qr.resize((size, size), Image.Resampling.NEAREST).convert("RGB"), (MARGIN - 4 * module, top)
        )
        tx = MARGIN - 4 * module + size + 36
        d.text((tx, top + 70), "扫码看", font=self._font(64, True), fill=INK)
        d.text((tx, top + 150), "全部公开内容", font=self._font(64, True), fill=INK)
        d.text((tx, top + 260), card["township"], font=self._font(44), fill=MUTED)
        out = io.BytesIO()
        # RGB as drawn: a palette (quantize) costs more time than it saves
        # bytes, and the fast one merges the rows' soft grey into the white
        img.save(out, "PNG", compress_level=6)
        return out.getvalue()
