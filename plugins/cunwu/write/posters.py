"""Poster PDFs for the build and for ``cunwu print``: rendered once, cached by key.

A poster's key is the hash of the code, its template closure, the fonts,
the paper and the exact data it shows. Rendered PDFs are kept in a
content-addressed cache (``build/.cache/posters/``), so an unchanged poster
is never rendered again, by the build or by a print pack.
"""

from __future__ import annotations

import base64
import os
import re
from html import unescape as html_unescape
from pathlib import Path
from typing import Any

from ..errors import BuildError
from ..render.common import Output, data_key
from ..render.posters import poster_extras
from .fingerprint import sha
from .pictures import Pictures


class PosterMaker:
    """One per process: WeasyPrint and the fonts are loaded once.

    ``allowed_dir`` is the folder the engine may read files from;
    ``pictures_dirs`` the folders of the original pictures a poster shows
    (``villages/``, and the views a held-back village is built from): each is
    embedded as its print copy (:mod:`cunwu.write.pictures`)."""

    def __init__(self, cache_dir: Path, paper: str, allowed_dir: Path, pictures_dirs: tuple[Path, ...] = ()):
        from .pdf import PdfEngine

        self.cache_dir = cache_dir
        self.paper = paper
        self.engine = PdfEngine(allowed_dir, paper=paper)
        self.pictures_dirs = pictures_dirs or (allowed_dir,)
        self.pictures = Pictures(cache_dir.parent / "pictures")
        self.fingerprint = sha("poster", self.engine.fingerprint, paper)
        self.rendered = 0

    def _path(self, key: str) -> Path:
        return self.cache_dir / key[:2] / f"{key}.pdf"

    def cached(self, key: str) -> bytes | None:
        try:
            return self._path(key).read_bytes()
        except OSError:
            return None

    def key(self, code_fp: str, template_fp: str, site_key: str, page: dict, base: Path) -> str:
        """The poster's cache key: code, template closure, fonts and paper, the data shown,
        and the bytes of the pictures it shows (a photo replaced under the same name).
        The page's link to its own poster is not shown on the poster: left out, so the
        build and ``cunwu print`` share the cache whatever the print window."""
        shown = {k: v for k, v in page.items() if k != "poster"}
        pictures = [
            sha(data) for _path, data in _local_images(str(page.get("html", "")), base, self.pictures_dirs)
        ]
        return sha(code_fp, template_fp, site_key, self.fingerprint, data_key(shown), *pictures)

    def get(
        self, key: str, render_html, site: dict, page: dict, kind: str, base: Path, sources
    ) -> tuple[bytes, bool]:
        """The PDF for ``key``, from the cache or rendered now; and whether it was rendered.
        ``render_html(extras)`` renders the poster template with the poster's own data."""
        pdf = self.cached(key)
        if pdf is not None:
            return pdf, False
        html = render_html(self.extras(site, page, kind))
        font_css, family = self.engine.rare_fonts(html_unescape(html))
        if font_css:  # rare characters: their own small font, in this poster's stack
            html = render_html(self.extras(site, page, kind, font_css, family))
        return self.render(key, html, base, sources), True

    def extras(self, site: dict, page: dict, template: str, font_css: str = "", family: str = "") -> dict:
        # the engine applies its base @font-face rules itself; templates use the family name
        return poster_extras(site, page, template, self.paper, font_css, family or self.engine.font_family)

    def render(self, key: str, html: str, base: Path, sources: tuple[str, ...]) -> bytes:
        html = inline_images(
            html,
            base,
            self.pictures_dirs,
            lambda path, data: self.pictures.print(path.name, data, self.paper),
        )
        result = self.engine.render(html, base_url=base)
        if result.missing_glyphs:
            from ..validate.glyphs import fix_for

            chars = "".join(result.missing_glyphs)
            raise BuildError(
                f"张贴版中有字体缺少的字：{chars}（来源：{', '.join(sources)}）。"
                + "".join(fix_for(ch)[1] for ch in result.missing_glyphs)
            )
        path = self._path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        tmp.write_bytes(result.pdf)
        os.replace(tmp, path)
        self.rendered += 1
        return result.pdf


def poster_name(out: Output) -> str:
    """Where a page's poster is saved: ``poster.pdf`` beside the page."""
    return out.name.rsplit("/", 1)[0] + "/poster.pdf" if "/" in out.name else "poster.pdf"


def make_poster(
    maker: PosterMaker,
    env: Any,
    code_fp: str,
    template_fps: dict[str, str],
    site: dict,
    site_key: str,
    out: Output,
    base: Path,
) -> tuple[bytes, bool]:
    """The poster of one page (``out.poster`` is its template), from the cache or
    rendered now; and whether it was rendered. The one poster path of both
    ``cunwu build`` and ``cunwu print``. ``env`` finds the templates (a Pelican
    generator, or a Jinja environment with the same search path)."""
    assert out.data is not None and out.template is not None
    key = maker.key(code_fp, template_fps[out.poster], site_key, out.data, base)
    return maker.get(
        key,
        lambda extras: env.get_template(out.poster).render(site=site, page=out.data, poster=extras),
        site,
        out.data,
        out.template,
        base,
        out.sources,
    )


_IMG = re.compile(r'(<img\b[^>]*?\bsrc=")([^":#?]+)(")')
_TYPES = {
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".gif": "image/gif",
    ".webp": "image/webp",
    ".svg": "image/svg+xml",
}


def _inside(path: Path, allowed: tuple[Path, ...]) -> bool:
    return any(path.is_relative_to(a.resolve()) for a in allowed)


def _local_images(html: str, base: Path, allowed: tuple[Path, ...]) -> list[tuple[Path, bytes]]:
    """(path, bytes) of the pictures of ``html`` that are files inside one of ``allowed``."""
    out = []
    for m in _IMG.finditer(html):
        path = (base / html_unescape(m.group(2))).resolve()
        if path.suffix.lower() in _TYPES and _inside(path, allowed) and path.is_file():
            out.append((path, path.read_bytes()))
    return out


def inline_images(html: str, base: Path, allowed: tuple[Path, ...], convert=None) -> str:
    """Relative images as data: URIs. WeasyPrint names an image in the PDF by
    the hash of its URL, so a file URL would make the PDF depend on where the
    build folder is; the image's bytes do not. Only files inside ``allowed``
    (any of the folders) are inlined; anything else is left for the engine's fetcher to refuse.
    ``convert(path, data)`` gives the bytes to embed (the print copy)."""

    def repl(m: re.Match) -> str:
        path = (base / html_unescape(m.group(2))).resolve()
        mime = _TYPES.get(path.suffix.lower())
        if mime is None or not _inside(path, allowed) or not path.is_file():
            return m.group(0)
        raw = path.read_bytes()
        data = base64.b64encode(convert(path, raw) if convert is not None else raw).decode("ascii")
        return f"{m.group(1)}data:{mime};base64,{data}{m.group(3)}"

    return _IMG.sub(repl, html)
