"""The poster PDF engine: WeasyPrint with an embedded CJK font, a locked fetcher, reproducible bytes.

Fonts
    fontconfig finds the Chinese face (``Noto Sans CJK SC``, regular and bold); without one,
    :class:`~cunwu.errors.FontMissing` says what to install. Once per machine each face is
    subset with fontTools to a *base set* (ASCII, Chinese punctuation, full-width forms,
    all of GB2312 and some symbols), its glyphs renumbered with the most common characters
    first, and cached on disk. Posters use that small file through ``@font-face``. Characters
    outside the base set (a rare character in a name) get a second, tiny subset made for just
    the poster's own rare characters (:meth:`PdfEngine.rare_fonts`, cached on disk), so the
    base set never changes and one new rare character re-renders one poster. Why: WeasyPrint
    keeps the embedded font's original glyph ids, so the embedded size grows with the highest
    glyph id used; the full Noto face (65,535 glyphs) costs ~280 KB a poster (~100 KB for one
    Ext-B character drawn from it), the renumbered base set ~60 KB. The system face stays last
    in the stack for HTML rendered without :meth:`PdfEngine.rare_fonts`.

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
    carry two different subsets under one name). :func:`merge_pdfs` concatenates posters
    (each keeps its own "第 x 页 / 共 y 页") with the same guarantees.

Usage::

    engine = PdfEngine(site_dir)           # once per process: the first render pays ~0.5 s imports
    css = f"body {{ font-family: {engine.font_family} }}"
    result = engine.render(html, base_url=site_dir / "dongshan")
    if result.missing_glyphs: ...           # the caller decides; boxes on a poster are an error
"""

from __future__ import annotations

import datetime as dt
import fcntl
import hashlib
import logging
import mimetypes
import os
import re
import subprocess
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import metadata
from io import BytesIO
from pathlib import Path
from urllib.parse import urlsplit
from urllib.request import url2pathname

import cunwu

from ..errors import BuildError, FontMissing

__all__ = [
    "FAMILY",
    "CjkFace",
    "PdfEngine",
    "RenderResult",
    "ResourceRefused",
    "base_charset",
    "check_cjk_font",
    "default_cache_dir",
    "find_cjk_faces",
    "merge_pdfs",
]

#: CSS family name of the cached base-set subset.
FAMILY = "Cunwu Noto SC"
#: The system family asked for (and used as fallback for characters outside the base set).
PREFERRED_FAMILY = "Noto Sans CJK SC"
#: Bump when the subsetting recipe changes: it is part of the cache key.
SUBSET_RECIPE = 1
PAPERS = ("A4", "A3")

_INSTALL = "apt-get install fonts-noto-cjk"
_FC_WEIGHT_DEMIBOLD = 180
# OpenType features HarfBuzz applies to horizontal Chinese text by default. Not ``locl``: in the
# SC face it only leads to the Japanese/Korean/Traditional forms (thousands of extra glyphs).
_LAYOUT_FEATURES = ["ccmp", "kern", "liga", "clig", "calt", "rlig", "rclt", "mark", "mkmk"]
# Punctuation and symbols common on notices, placed right after ASCII (low glyph ids).
_COMMON = (
    "　、。，．：；？！“”‘’（）《》〈〉【】〔〕「」『』〖〗—―…·・－～／＋＝％￥¥℃°×÷±−"
    "①②③④⑤⑥⑦⑧⑨⑩〇㎡"
    "０１２３４５６７８９"
)
# Further ranges kept in the base set (after GB2312, so they cost nothing unless used).
_EXTRA_RANGES = (
    (0x00A0, 0x00FF),  # Latin-1 supplement
    (0x2010, 0x203B),  # general punctuation
    (0x2150, 0x218F),  # number forms (Ⅰ Ⅱ …)
    (0x2190, 0x21FF),  # arrows
    (0x2460, 0x24FF),  # enclosed alphanumerics (⑪ … ⑳, ⒜ …)
    (0x2500, 0x257F),  # box drawing
    (0x25A0, 0x25FF),  # geometric shapes (□ ■ ○ ●)
    (0x2600, 0x26FF),  # miscellaneous symbols (☆ ★ ☑)
    (0x2700, 0x27BF),  # dingbats (✓ ✔ ✗)
    (0x3000, 0x303F),  # CJK symbols and punctuation
    (0x3200, 0x32FF),  # enclosed CJK (㈠ ㊀)
    (0x3300, 0x33FF),  # CJK compatibility (㎡ ㎏)
    (0xFE30, 0xFE4F),  # CJK compatibility forms
    (0xFF00, 0xFFEF),  # half- and full-width forms
)

log = logging.getLogger(__name__)


# --------------------------------------------------------------------------- font discovery


@dataclass(frozen=True)
class CjkFace:
    """One face fontconfig found: ``index`` is the face number inside a ``.ttc`` collection."""

    path: Path
    index: int
    family: str
    weight: int

    def identity(self) -> str:
        """File identity for cache keys: path, face, size and modification time."""
        st = self.path.stat()
        return f"{self.path}\0{self.index}\0{st.st_size}\0{st.st_mtime_ns}"


def _missing(detail: str) -> FontMissing:
    return FontMissing(
        f"找不到简体中文字体（{detail}），海报上的汉字会印成空白方框，已停止生成 PDF。"
        f"请先安装 Noto CJK 字体：{_INSTALL}（Debian/Ubuntu），再重新构建。"
    )


_FC_FORMAT = r"%{file}\t%{index}\t%{family[0]}\t%{weight}\t%{lang}\n"


def _fc(args: list[str]) -> list[list[str]]:
    try:
        proc = subprocess.run(args, capture_output=True, text=True, timeout=60, check=False)
    except FileNotFoundError:
        raise FontMissing(
            f"找不到 fontconfig 工具 {args[0]}，无法确认是否装有中文字体，已停止生成 PDF。"
            f"请安装：apt-get install fontconfig fonts-noto-cjk"
        ) from None
    except subprocess.TimeoutExpired:
        raise FontMissing(f"fontconfig 工具 {args[0]} 超时未响应，无法确认中文字体。") from None
    if proc.returncode != 0:
        return []
    return [line.split("\t") for line in proc.stdout.splitlines() if line.count("\t") >= 4]


def _face(row: list[str]) -> CjkFace | None:
    path = Path(row[0])
    numbers = re.findall(r"\d+(?:\.\d+)?", row[3])  # "80", or "[40 210]" for a variable font
    try:
        index = int(row[1]) & 0xFFFF  # upper bits: named instance of a variable font
    except ValueError:
        return None
    weight = round(float(numbers[0])) if numbers else 80
    if not path.is_file():
        return None
    return CjkFace(path=path, index=index, family=row[2], weight=weight)


def _supports_zh_cn(row: list[str]) -> bool:
    return "zh-cn" in row[4].split("|")


def find_cjk_faces() -> tuple[CjkFace, CjkFace | None]:
    """The regular and (if installed) bold face for simplified Chinese, as fontconfig resolves them.

    Asks for ``Noto Sans CJK SC``; if it is not installed, fontconfig's match for the language
    (any font covering ``zh-cn``) is used. Raises :class:`FontMissing` when there is none.
    """
    rows = _fc(["fc-match", "-f", _FC_FORMAT, f"{PREFERRED_FAMILY}:lang=zh-cn"])
    regular = _face(rows[0]) if rows and _supports_zh_cn(rows[0]) else None
    if regular is None:
        listed = _fc(["fc-list", "-f", _FC_FORMAT, ":lang=zh-cn"])
        faces = sorted(
            (f for f in map(_face, listed) if f is not None), key=lambda f: (abs(f.weight - 80), str(f.path))
        )
        if not faces:
            raise _missing("fontconfig 的 `fc-list :lang=zh` 没有列出任何字体")
        regular = faces[0]
    rows = _fc(["fc-match", "-f", _FC_FORMAT, f"{regular.family}:lang=zh-cn:weight=bold"])
    bold = _face(rows[0]) if rows and _supports_zh_cn(rows[0]) else None
    if bold is not None and (bold.family != regular.family or bold.weight < _FC_WEIGHT_DEMIBOLD):
        bold = None  # no real bold face: WeasyPrint emboldens the regular one
    return regular, bold


def check_cjk_font() -> Path:
    """Path of the font file that will render Chinese; raises :class:`FontMissing` if none."""
    return find_cjk_faces()[0].path


# --------------------------------------------------------------------------- base-set subset


def _gb2312() -> tuple[list[str], list[str], list[str]]:
    """GB2312 split into (symbols, level-1 hanzi, level-2 hanzi), each in code order."""
    symbols, level1, level2 = [], [], []
    for hi in range(0xA1, 0xF8):
        for lo in range(0xA1, 0xFF):
            try:
                ch = bytes((hi, lo)).decode("gb2312")
            except UnicodeDecodeError:
                continue
            (symbols if hi < 0xB0 else level1 if hi < 0xD8 else level2).append(ch)
    return symbols, level1, level2


@lru_cache(maxsize=1)
def base_charset() -> str:
    """The characters of the cached subset, in glyph-id order (most common first).

    ASCII, common punctuation, the 3,755 level-1 hanzi of GB2312, the rest of GB2312 (symbols,
    3,008 level-2 hanzi), then a few symbol blocks. Characters a face lacks are skipped.
    """
    symbols, level1, level2 = _gb2312()
    seq = [chr(c) for c in range(0x20, 0x7F)] + list(_COMMON) + level1 + symbols + level2
    for lo, hi in _EXTRA_RANGES:
        seq += [chr(c) for c in range(lo, hi + 1)]
    return "".join(dict.fromkeys(seq))


def default_cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "cunwu" / "fonts"


def _subset_key(face: CjkFace, chars: str, family: str) -> str:
    from fontTools import version as fonttools_version

    return hashlib.sha256(
        "\0".join(
            (
                face.identity(),
                hashlib.sha256(chars.encode()).hexdigest(),
                *(() if family == FAMILY else (family,)),  # the base set's key as it always was
                str(SUBSET_RECIPE),
                cunwu.__version__,
                fonttools_version,
            )
        ).encode()
    ).hexdigest()


def _build_subset(
    face: CjkFace, style: str, target: Path, chars: str | None = None, family: str = FAMILY
) -> None:
    """Subset ``face`` to ``chars`` (the base set by default), renumber its glyphs in that
    order, name it ``family``, save to ``target``."""
    from fontTools import subset
    from fontTools.ttLib import TTFont

    chars = base_charset() if chars is None else chars
    font = TTFont(str(face.path), fontNumber=face.index, recalcTimestamp=False, lazy=False)
    if "fvar" in font:  # a variable font: pin the weight first
        from fontTools.varLib.instancer import instantiateVariableFont

        font = instantiateVariableFont(font, {"wght": 700 if style == "Bold" else 400}, static=True)
    options = subset.Options()
    options.layout_features = list(_LAYOUT_FEATURES)
    options.name_IDs = ["*"]
    options.name_languages = ["*"]
    options.notdef_outline = True
    options.hinting = False
    options.desubroutinize = True
    options.recalc_timestamp = False
    subsetter = subset.Subsetter(options)
    subsetter.populate(unicodes=[ord(c) for c in chars])
    subsetter.subset(font)
    if "CFF " in font:
        _reorder_cff(font, chars)
    _rename(font, style, family)
    font.save(str(target))


def _reorder_cff(font, chars: str) -> None:
    """Renumber glyphs in ``chars`` order, so everyday text uses only low glyph ids."""
    from fontTools.ttLib.reorderGlyphs import reorderGlyphs

    font.ensureDecompiled()
    old = font.getGlyphOrder()
    top = font["CFF "].cff.topDictIndex[0]
    char_strings = top.CharStrings
    for name in old:  # bind every charstring to its own private dict before the order changes
        char_strings[name].private  # noqa: B018
    fd_select = getattr(top, "FDSelect", None)
    fd_of = {name: fd_select[i] for i, name in enumerate(old)} if fd_select is not None else None
    cmap = font.getBestCmap()
    new = [old[0]]  # .notdef stays glyph 0
    seen = {old[0]}
    for ch in chars:
        name = cmap.get(ord(ch))
        if name is not None and name not in seen:
            seen.add(name)
            new.append(name)
    new += [name for name in old if name not in seen]  # glyphs reached through GSUB only
    reorderGlyphs(font, new)
    if fd_of is not None:
        fd_select.gidArray = [fd_of[name] for name in new]


def _rename(font, style: str, family: str = FAMILY) -> None:
    """Give the subset its own family name, so fontconfig never takes it for the system face."""
    ps_name = family.replace(" ", "") + "-" + style
    names = font["name"]
    names.names = [n for n in names.names if n.nameID not in (1, 2, 3, 4, 6, 16, 17, 18, 21, 22)]
    for name_id, value in (
        (1, family),
        (2, style),
        (3, f"{ps_name};cunwu-{SUBSET_RECIPE}"),
        (4, f"{family} {style}"),
        (6, ps_name),
    ):
        names.setName(value, name_id, 3, 1, 0x409)
    cff = font["CFF "].cff if "CFF " in font else None
    if cff is not None:
        cff.fontNames = [ps_name]
        top = cff.topDictIndex[0]
        for attr, value in (("FamilyName", family), ("FullName", f"{family} {style}")):
            if hasattr(top, attr):
                setattr(top, attr, value)


def _valid_font_file(path: Path, min_glyphs: int = 100) -> bool:
    try:
        with path.open("rb") as fh:
            if fh.read(4) not in (b"OTTO", b"\x00\x01\x00\x00", b"true"):
                return False
        from fontTools.ttLib import TTFont

        return TTFont(str(path), lazy=True)["maxp"].numGlyphs > min_glyphs
    except Exception:
        return False


def cached_subset(
    face: CjkFace, style: str, cache_dir: Path, chars: str | None = None, family: str = FAMILY
) -> Path:
    """The subset of ``face`` to ``chars`` (default: the base set, ~10 s a face) named
    ``family``, from the cache, built first if needed.

    Keyed by the source file's identity, the character set, the family, the recipe and the
    tool versions. Written to a temporary file and renamed, under a lock, so two processes
    never build the same face twice nor see half a file.
    """
    base = chars is None
    chars = base_charset() if base else chars
    key = _subset_key(face, chars, family)
    target = cache_dir / f"{family.replace(' ', '')}-{style}-{key[:24]}.otf"
    # a base set has thousands of glyphs; a poster's own few characters at least .notdef and one
    min_glyphs = 100 if base else 1
    if _valid_font_file(target, min_glyphs):
        return target
    cache_dir.mkdir(parents=True, exist_ok=True)
    with (cache_dir / f".{target.name}.lock").open("a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # a racing process waits here, then finds the file
        if _valid_font_file(target, min_glyphs):
            return target
        if base:
            log.info("正在为海报准备中文字体子集（只做一次，约 10 秒）：%s", target.name)
        fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=cache_dir)
        os.close(fd)
        try:
            _build_subset(face, style, Path(tmp), chars, family)
            with open(tmp, "rb") as fh:
                os.fsync(fh.fileno())
            os.chmod(tmp, 0o644)
            os.replace(tmp, target)
        finally:
            if os.path.exists(tmp):
                os.unlink(tmp)
    return target


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
            regular = self.faces["Regular"]
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
        stack = f'"{FAMILY}", "{family}", "{self.faces["Regular"].family}", sans-serif'
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
        expected = tuple(f"{f.replace(' ', '-')}" for f in (FAMILY, self.faces["Regular"].family))
        for name in fonts:
            base = name.split("+", 1)[-1]
            if not any(base == e or base.startswith(e + "-") for e in expected):
                warnings.append(
                    f"海报用到了字体栈以外的字体 {base}（常见原因：SVG 文字没有写 font-family，"
                    f"请使用 {self.font_family}），汉字字形可能不对，PDF 也会变大"
                )
        missing = [
            r.args[0]
            for r in capture.records
            if isinstance(r.msg, str) and r.msg.startswith(".notdef glyph") and r.args
        ]
        return RenderResult(
            pdf=pdf,
            pages=len(document.pages),
            warnings=warnings,
            missing_glyphs=list(dict.fromkeys(missing)),
            fonts=fonts,
        )


# --------------------------------------------------------------------------- print packs

_PDFIUM_LOCK = threading.Lock()
_ID_RE = re.compile(rb"/ID\s*\[\s*<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>\s*\]")


def merge_pdfs(pdfs: list[bytes]) -> bytes:
    """Concatenate rendered posters into one print pack, every page kept as it was drawn.

    Page numbers are part of each poster's drawing, so each part keeps its own "第 x 页 / 共 y 页".
    Fonts stay per poster. The output is byte-reproducible: no creation date, and the ``/ID``
    PDFium would draw at random is replaced by a hash of the content.
    """
    if not pdfs:
        raise ValueError("没有要合并的 PDF")
    import pypdfium2 as pdfium
    import pypdfium2.raw as pdfium_c

    with _PDFIUM_LOCK:
        # A new PDFium document stamps the clock into /Info unless machine time is off.
        pdfium_c.FPDF_SetSandBoxPolicy(pdfium_c.FPDF_POLICY_MACHINETIME_ACCESS, False)
        try:
            out = pdfium.PdfDocument.new()
        finally:
            pdfium_c.FPDF_SetSandBoxPolicy(pdfium_c.FPDF_POLICY_MACHINETIME_ACCESS, True)
        sources = []
        try:
            for i, data in enumerate(pdfs, 1):
                try:
                    src = pdfium.PdfDocument(bytes(data))
                except pdfium.PdfiumError as exc:
                    raise BuildError(f"第 {i} 份 PDF 无法读取，不能合并：{exc}") from None
                sources.append(src)
                out.import_pages(src)
            buf = BytesIO()
            out.save(buf)
        finally:
            for src in sources:
                src.close()
            out.close()
    return _stable_id(buf.getvalue())


def _stable_id(data: bytes) -> bytes:
    """Replace the trailer's ``/ID`` hex strings (same length, so offsets hold) by a content hash."""
    matches = list(_ID_RE.finditer(data))
    if not matches:
        return data
    m = matches[-1]
    blank = data[: m.start()] + b"/ID[]" + data[m.end() :]
    digest = hashlib.sha256(blank).hexdigest().upper().encode()
    out = bytearray(data)
    for group in (1, 2):
        n = m.end(group) - m.start(group)
        out[m.start(group) : m.end(group)] = (digest * (n // len(digest) + 1))[:n]
    return bytes(out)
