"""The poster fonts: find the Chinese face, and subset it small.

fontconfig finds the Chinese face (``Noto Sans CJK SC``, regular and bold); without one,
:class:`~cunwu.errors.FontMissing` says what to install. Once per machine each face is
subset with fontTools to a *base set* (ASCII, Chinese punctuation, full-width forms,
all of GB2312 and some symbols), its glyphs renumbered with the most common characters
first, and cached on disk. Posters use that small file through ``@font-face``. Characters
outside the base set (a rare character in a name) get a second, tiny subset made for just
the poster's own rare characters (:meth:`cunwu.write.pdf.PdfEngine.rare_fonts`, cached on
disk), so the base set never changes and one new rare character re-renders one poster.
Why: WeasyPrint keeps the embedded font's original glyph ids, so the embedded size grows
with the highest glyph id used; the full Noto face (65,535 glyphs) costs ~280 KB a poster
(~100 KB for one Ext-B character drawn from it), the renumbered base set ~60 KB.
"""

from __future__ import annotations

import fcntl
import hashlib
import logging
import os
import re
import subprocess
import tempfile
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import cunwu

from ..errors import FontMissing

log = logging.getLogger(__name__)

FAMILY = "Cunwu Noto SC"
#: The system family asked for (and used as fallback for characters outside the base set).
PREFERRED_FAMILY = "Noto Sans CJK SC"
#: Bump when the subsetting recipe changes: it is part of the cache key.
SUBSET_RECIPE = 1

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
    symbols: list[str] = []
    level1: list[str] = []
    level2: list[str] = []
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
    if fd_of is not None and fd_select is not None:
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
    chars = base_charset() if chars is None else chars
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
