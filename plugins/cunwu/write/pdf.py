"""The poster PDF engine: WeasyPrint with an embedded CJK font, a locked fetcher, reproducible bytes.

Fonts
    :mod:`cunwu.write.fonts` finds the Chinese face and subsets it; the engine embeds the
    subsets through ``@font-face``. The system face stays last in the stack for HTML
    rendered without :meth:`PdfEngine.rare_fonts`.

Warnings
    WeasyPrint reports glyphs no font has (and unreadable resources) only through its logger.
    Every render captures that logger and returns the messages; the characters drawn as
    ``.notdef`` boxes are listed apart in :attr:`RenderResult.missing_glyphs`.

Fetching
    WeasyPrint reads nothing by itself: files under the allowed folder (the site being built),
    the cached font files and ``data:`` URLs are served; any other ``file:`` path (also through
    ``..`` or a symlink) and every network URL stop the render with :class:`ResourceRefused`.

Reproducibility
    The same HTML gives the same bytes: no clock in the PDF unless a date is passed (or
    ``SOURCE_DATE_EPOCH`` is set), the ``/ID`` is a hash of the content, and the subset-font
    tags are hashes of the embedded font data (so two posters merged into one print pack never
    carry two different subsets under one name). :func:`cunwu.write.merge.merge_pdfs`
    concatenates posters with the same guarantees.

Usage::

    engine = PdfEngine(site_dir)           # once per process: the first render pays ~0.5 s imports
    css = f"body {{ font-family: {engine.font_family} }}"
    result = engine.render(html, base_url=site_dir / "dongshan")
    if result.missing_glyphs: ...           # the caller decides; boxes on a poster are an error
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import mimetypes
import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from urllib.parse import urlsplit
from urllib.request import url2pathname

from ..errors import BuildError
from .fonts import FAMILY, SUBSET_RECIPE, cached_subset, default_cache_dir, find_cjk_faces

log = logging.getLogger(__name__)
PAPERS = ("A4", "A3")

# --------------------------------------------------------------------------- rendering


class ResourceRefused(BuildError):
    """The poster asked for a file outside the allowed folder, or for a network URL."""

    def __init__(self, url: str, allowed_dir: Path):
        shown = url if len(url) <= 200 else url[:200] + "…"
        super().__init__(
            f"海报引用了不允许读取的资源，已停止生成 PDF：{shown}。"
            f"海报只能使用站点目录 {allowed_dir} 内的文件，不能读取其他位置的文件或访问网络。"
        )
        self.url = url


@dataclass(frozen=True)
class RenderResult:
    pdf: bytes
    pages: int
    #: WeasyPrint's warnings and errors during this render, deduplicated, in order
    warnings: list[str] = field(default_factory=list)
    #: characters drawn as empty boxes because no font has them (also among ``warnings``)
    missing_glyphs: list[str] = field(default_factory=list)
    #: embedded fonts, e.g. ``ABCDEF+Cunwu-Noto-SC``; a font outside the engine's stack is also
    #: reported in ``warnings`` (typically SVG text without ``font-family``, which WeasyPrint
    #: draws in fontconfig's ``sans-serif``: for Chinese that is Noto Sans CJK JP, Japanese forms)
    fonts: list[str] = field(default_factory=list)


class _Capture(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


@contextmanager
def _captured_warnings() -> Iterator[_Capture]:
    logger = logging.getLogger("weasyprint")
    handler = _Capture()
    old_level = logger.level
    if logger.getEffectiveLevel() > logging.WARNING:
        logger.setLevel(logging.WARNING)  # an application's quiet root logger must not hide them
    logger.addHandler(handler)
    try:
        yield handler
    finally:
        logger.removeHandler(handler)
        logger.setLevel(old_level)


def _pdf_date(value: dt.datetime | dt.date) -> str:
    """A W3C date for WeasyPrint's metadata (naive datetimes are taken as UTC)."""
    if not isinstance(value, dt.datetime):
        value = dt.datetime(value.year, value.month, value.day)
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.UTC)
    return value.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _source_date() -> dt.datetime | None:
    raw = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    if not raw:
        return None
    try:
        return dt.datetime.fromtimestamp(int(raw), tz=dt.UTC)
    except (ValueError, OverflowError, OSError):
        raise BuildError(f"环境变量 SOURCE_DATE_EPOCH 应是整数秒数，而不是 {raw!r}") from None


def _retag_subset_fonts(pdf, names: list[str]) -> None:
    """Name each embedded subset after a hash of its data (``ABCDEF+Family``); list the names.

    WeasyPrint derives the six-letter tag from the font description only, so two posters carry
    different subsets under one name; merged into one print pack, a printer that caches fonts
    by name could draw one poster with the other's glyphs.
    """
    import pydyf

    renames: dict[bytes, bytes] = {}
    for obj in pdf.objects:
        if not isinstance(obj, pydyf.Dictionary) or obj.get("Type") != "/FontDescriptor":
            continue
        name = obj.get("FontName")
        ref = obj.get("FontFile3") or obj.get("FontFile2") or obj.get("FontFile")
        if not isinstance(name, bytes) or b"+" not in name or ref is None:
            continue
        stream = pdf.objects[int(bytes(ref).split()[0])]
        data = b"".join(p if isinstance(p, bytes) else str(p).encode() for p in stream.stream)
        digest = hashlib.sha256(data + name).digest()
        tag = "".join(chr(65 + b % 26) for b in digest[:6]).encode()
        renames[name] = b"/" + tag + name[name.index(b"+") :]
    names.extend(sorted(n[1:].decode("latin-1") for n in renames.values()))
    if not renames:
        return
    for obj in pdf.objects:
        if isinstance(obj, pydyf.Dictionary):
            for key in ("BaseFont", "FontName"):
                if obj.get(key) in renames:
                    obj[key] = renames[obj[key]]


class PdfEngine:
    """Renders poster HTML to PDF; make one per process and reuse it for every poster.

    ``allowed_dir`` is the only folder the HTML may read files from (the build's site folder).
    ``cache_dir`` holds the font subsets (default ``~/.cache/cunwu/fonts``). ``paper`` is the
    default page size ("A4" or "A3", portrait); the poster's own ``@page`` rule wins.
    """

    def __init__(self, allowed_dir: Path, cache_dir: Path | None = None, paper: str = "A4"):
        if paper not in PAPERS:
            raise ValueError(f"纸张只能是 {' 或 '.join(PAPERS)}，而不是 {paper!r}")
        self.allowed_dir = Path(os.path.realpath(allowed_dir))
        self.cache_dir = Path(cache_dir) if cache_dir is not None else default_cache_dir()
        self.paper = paper
        regular, bold = find_cjk_faces()
        #: the regular face (always found) and the bold one (if the machine has it)
        self.regular = regular
        self.faces = {"Regular": regular, "Bold": bold}
        self.font_files: dict[str, Path] = {"Regular": cached_subset(regular, "Regular", self.cache_dir)}
        if bold is not None:
            self.font_files["Bold"] = cached_subset(bold, "Bold", self.cache_dir)
        #: the font stack to use in ``body`` and in ``@page`` (margin boxes do not inherit the body's)
        self.font_family = f'"{FAMILY}", "{regular.family}", sans-serif'
        rules = [
            f'@font-face {{ font-family: "{FAMILY}"; src: url("{path.as_uri()}"); '
            f"font-weight: {700 if style == 'Bold' else 400}; font-style: normal; }}"
            for style, path in self.font_files.items()
        ]
        #: ``@font-face`` rules and the font stack on ``html`` and ``@page``; the engine always
        #: applies it (as a user stylesheet), so templates only need :attr:`font_family`
        self.font_css = "\n".join(
            [
                *rules,
                f":root {{ --cunwu-font: {self.font_family}; }}",
                f"html {{ font-family: {self.font_family}; }}",
                f"@page {{ font-family: {self.font_family}; }}",
            ]
        )
        self._page_css = f"@page {{ size: {paper} portrait; }}"
        self._allowed_files = {Path(os.path.realpath(p)) for p in self.font_files.values()}
        self._base_chars: frozenset[str] | None = None
        self._face_chars: frozenset[str] | None = None
        self.fingerprint = self._fingerprint()
        self._lock = threading.Lock()
        self._ready = False

    def rare_fonts(self, text: str) -> tuple[str, str]:
        """``(font_css, font_family)`` for a poster showing ``text``.

        A character outside the base set (a rare character in a name) would be drawn by the
        system face, which WeasyPrint embeds with its original glyph numbering: one Ext-B
        character costs ~100 KB. Instead the poster gets a subset of the system face made for
        exactly its rare characters (cached on disk, ~0.5 s the first time), under a family
        name of its own, placed after the base set in the stack. ``("", font_family)`` when
        there are none. The subset follows from ``text`` and the fonts alone, so it changes
        no other poster: a rare character in one roster re-renders that roster only.
        """
        from fontTools.ttLib import TTFont

        if self._base_chars is None:
            cmap = TTFont(str(self.font_files["Regular"]), lazy=True).getBestCmap()
            self._base_chars = frozenset(map(chr, cmap))
        rare = {ch for ch in text if ch not in self._base_chars and not ch.isspace() and ch.isprintable()}
        if not rare:
            return "", self.font_family
        if self._face_chars is None:
            regular = self.regular
            cmap = TTFont(str(regular.path), fontNumber=regular.index, lazy=True).getBestCmap()
            self._face_chars = frozenset(map(chr, cmap))
        # what the system face lacks stays out: the render reports it as a missing glyph
        chars = "".join(sorted(rare & self._face_chars))
        if not chars:
            return "", self.font_family
        family = f"{FAMILY} X{hashlib.sha256(chars.encode()).hexdigest()[:10]}"
        rules = []
        for style, face in self.faces.items():
            if face is None:
                continue
            path = cached_subset(face, style, self.cache_dir, chars=chars, family=family)
            self._allowed_files.add(Path(os.path.realpath(path)))
            rules.append(
                f'@font-face {{ font-family: "{family}"; src: url("{path.as_uri()}"); '
                f"font-weight: {700 if style == 'Bold' else 400}; font-style: normal; }}"
            )
        stack = f'"{FAMILY}", "{family}", "{self.regular.family}", sans-serif'
        return "\n".join(rules), stack

    def _fingerprint(self) -> str:
        h = hashlib.sha256()
        for style, path in sorted(self.font_files.items()):
            h.update(f"{style}\0".encode() + hashlib.sha256(path.read_bytes()).digest())
        for style, face in sorted(self.faces.items()):
            if face is not None:  # the fallback for characters outside the base set
                h.update(f"{style}\0{face.identity()}\0{face.family}\0".encode())
        for dist in ("weasyprint", "pydyf"):
            with suppress(metadata.PackageNotFoundError):
                h.update(f"{dist}={metadata.version(dist)}\0".encode())
        h.update(f"{self.paper}\0{SUBSET_RECIPE}".encode())
        return h.hexdigest()[:32]

    def _prepare(self) -> None:
        """Import WeasyPrint and load the fonts once (under the lock)."""
        import weasyprint
        from weasyprint.text.fonts import FontConfiguration
        from weasyprint.urls import FatalURLFetchingError, URLFetcher, URLFetcherResponse

        engine = self

        class Refused(FatalURLFetchingError):
            """Derives from BaseException: WeasyPrint lets it through and the render stops."""

        class Fetcher(URLFetcher):
            def __init__(self) -> None:
                super().__init__(allowed_protocols=("file", "data"))
                self.refused: list[str] = []

            def fetch(self, url, headers=None):
                scheme = url.split(":", 1)[0].lower() if ":" in url else ""
                if scheme == "data":
                    return super().fetch(url, headers)
                path = engine._allowed_path(url) if scheme == "file" else None
                if path is None:
                    self.refused.append(url)
                    raise Refused(url)
                flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0)
                with os.fdopen(os.open(path, flags), "rb") as fh:
                    body = fh.read()
                mime = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
                return URLFetcherResponse(url, body, {"Content-Type": mime})

        self._weasyprint = weasyprint
        self._refused_type = Refused
        self._fetcher_type = Fetcher
        self._font_config = FontConfiguration()
        fetcher = Fetcher()
        self._stylesheet = weasyprint.CSS(
            string=self.font_css + "\n" + self._page_css, font_config=self._font_config, url_fetcher=fetcher
        )
        if fetcher.refused:  # pragma: no cover - the font files are always allowed
            raise ResourceRefused(fetcher.refused[0], self.allowed_dir)
        self._ready = True

    def _allowed_path(self, url: str) -> Path | None:
        """The real path a ``file:`` URL names, if it is inside the allowed folder (or a font)."""
        parts = urlsplit(url)
        if parts.netloc not in ("", "localhost"):
            return None
        raw = url2pathname(parts.path)
        if not raw or "\0" in raw:
            return None
        real = Path(os.path.realpath(raw))  # resolves "..", and symlinks wherever they point
        if real in self._allowed_files or real.is_relative_to(self.allowed_dir):
            return real
        return None

    def render(
        self, html: str, base_url: Path | str, *, date: dt.datetime | dt.date | None = None
    ) -> RenderResult:
        """Render one poster.

        ``base_url`` resolves relative links (the poster page's folder or file). ``date`` becomes
        the PDF's creation and modification date; without it ``SOURCE_DATE_EPOCH`` is used if
        set, else the PDF carries no date (and the HTML's ``dcterms.created`` meta, if any).
        Raises :class:`ResourceRefused` when the HTML reaches outside ``allowed_dir``.
        """
        when = date if date is not None else _source_date()
        with self._lock:
            if not self._ready:
                self._prepare()
            fetcher = self._fetcher_type()
            with _captured_warnings() as capture:
                try:
                    document = self._weasyprint.HTML(
                        string=html, base_url=str(base_url), url_fetcher=fetcher
                    ).render(font_config=self._font_config, stylesheets=[self._stylesheet])
                    if when is not None:
                        document.metadata.created = document.metadata.modified = _pdf_date(when)
                    fonts: list[str] = []
                    pdf = document.write_pdf(
                        pdf_identifier=True, finisher=lambda _doc, out: _retag_subset_fonts(out, fonts)
                    )
                except self._refused_type as exc:
                    raise ResourceRefused(str(exc), self.allowed_dir) from None
            if fetcher.refused:  # in case some code path swallowed the refusal
                raise ResourceRefused(fetcher.refused[0], self.allowed_dir)
        warnings = list(dict.fromkeys(r.getMessage() for r in capture.records))
        expected = tuple(f"{f.replace(' ', '-')}" for f in (FAMILY, self.regular.family))
        for name in fonts:
            base = name.split("+", 1)[-1]
            if not any(base == e or base.startswith(e + "-") for e in expected):
                warnings.append(
                    f"海报用到了字体栈以外的字体 {base}（常见原因：SVG 文字没有写 font-family，"
                    f"请使用 {self.font_family}），汉字字形可能不对，PDF 也会变大"
                )
        missing: list[str] = [
            str(r.args[0])
            for r in capture.records
            if isinstance(r.msg, str)
            and r.msg.startswith(".notdef glyph")
            and isinstance(r.args, tuple)
            and r.args
        ]
        return RenderResult(
            pdf=pdf,
            pages=len(document.pages),
            warnings=warnings,
            missing_glyphs=list(dict.fromkeys(missing)),
            fonts=fonts,
        )
