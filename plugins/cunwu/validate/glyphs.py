"""Characters the poster fonts cannot draw, found by ``cunwu validate`` at their line.

A poster is printed with Noto Sans CJK SC (write/pdf.py: a base subset, plus a
tiny subset of the same face for a poster's rare characters). A character that
face lacks comes out as an empty box, and the build stops at the poster with
no line number. So validation checks every character of a source file against
a table shipped with cunwu (``data/poster-glyphs.txt``, made from the pinned
font files by ``scripts/glyph-table``), never against the fonts of the
machine it runs on: validate gives the same answer everywhere.

The fix it names is one that works:

* a CJK ideograph that Debian's ``fonts-babelstone-han`` has (most of the
  extensions, e.g. 𪚥 U+2A6A5): WeasyPrint falls back to that font when it is
  installed, so the machine that prints needs it. A warning, because validate
  cannot know the printing machine;
* anything else (an emoji, a private-use character an input method made up,
  an ideograph no packaged font has): avoid the character. An error.

In a draft both are warnings: a draft gets no poster yet.

Cost: one regular-expression search over the file's text, in C; only a file
with a hit is walked value by value. The expression is the complement of the
covered ranges, so no per-character Python work happens on clean files.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from importlib import resources
from typing import Any

from ..load.yamlsafe import Located, format_loc
from ..problems import Problem, Severity, problem

TABLE = "poster-glyphs.txt"
FONT = "Noto Sans CJK SC"
EXTRA_PACKAGE = "fonts-babelstone-han"

#: never drawn, never missed: blanks and line breaks, format characters
#: (zero-width joiners, the BOM), variation selectors
_IGNORED = (
    "\\s\\x00-\\x1f\\x7f-\\x9f\u00ad\u200b-\u200f\u2028-\u202e\u2060-\u206f"
    "\ufe00-\ufe0f\ufeff\ufff9-\ufffb\U000e0000-\U000e0fff"
)


def _parse_ranges(text: str) -> list[tuple[int, int]]:
    out = []
    for part in text.split():
        a, _, b = part.partition("-")
        out.append((int(a, 16), int(b or a, 16)))
    return out


@lru_cache(maxsize=1)
def table() -> dict[str, list[tuple[int, int]]]:
    """The shipped coverage table: set name -> code point ranges."""
    text = resources.files("cunwu.data").joinpath(TABLE).read_text("utf-8")
    sets = {}
    for line in text.splitlines():
        if line and not line.startswith("#"):
            name, _, ranges = line.partition(" ")
            sets[name] = _parse_ranges(ranges)
    return sets


def _char(cp: int) -> str:
    c = chr(cp)
    return "\\" + c if c in "\\]^-[" else c


@lru_cache(maxsize=1)
def uncovered() -> re.Pattern:
    """Matches a character the poster fonts cannot draw (and that is not ignorable)."""
    ranges = "".join(_char(a) if a == b else f"{_char(a)}-{_char(b)}" for a, b in table()["poster"])
    return re.compile(f"[^{_IGNORED}{ranges}]")


@lru_cache(maxsize=4096)
def _in_extra(ch: str) -> bool:
    cp = ord(ch)
    return any(a <= cp <= b for a, b in table()[EXTRA_PACKAGE])


def _what(ch: str) -> str:
    cp = ord(ch)
    cat = unicodedata.category(ch)
    if cat == "Co":
        return "私用区字符，多为输入法或造字程序自造的字"
    if cat == "Cn":
        return "未定义的字符"
    if 0x1F000 <= cp <= 0x1FAFF or cat == "So":
        return "表情符号或图形符号"
    if "CJK" in unicodedata.name(ch, ""):
        return "生僻汉字"
    return "字符"


def fix_for(ch: str, draft: bool = False) -> tuple[Severity, str]:
    """``(severity, message)`` for a character the poster fonts cannot draw."""
    where = f"“{ch}”（U+{ord(ch):04X}，{_what(ch)}）张贴版字体 {FONT} 里没有，印出来会是空白方框"
    if _in_extra(ch):
        return (
            "warning",
            f"{where}。Debian 的字体包 {EXTRA_PACKAGE} 有这个字：生成张贴版的电脑要先安装它"
            f"（apt-get install {EXTRA_PACKAGE}），否则 cunwu build 和 cunwu print 会停在这张张贴版上。"
            "也请核对这个字是否录入正确。",
        )
    severity: Severity = "warning" if draft else "error"
    later = "（草稿不印张贴版，审核公开后就会出错）" if draft else ""
    return (
        severity,
        f"{where}，cunwu 也没有别的字体能印出它{later}。请不要使用这个字符：删掉，或改用常用字、文字说明。",
    )


def _strings(data: Any, path: tuple = ()):
    """Every string value with its field path (keys are never printed)."""
    if isinstance(data, str):
        yield path, data
    elif isinstance(data, dict):
        for k, v in data.items():
            yield from _strings(v, path + (k,))
    elif isinstance(data, list):
        for i, v in enumerate(data):
            yield from _strings(v, path + (i,))


def _line_of(lines: list[str] | None, ch: str, first: int, last: int) -> int:
    """The line in ``first``..``last`` (a value over several lines, a block scalar)
    where ``ch`` is typed, else ``first`` (a value written with escapes)."""
    if lines:
        for i in range(max(first, 1), min(last, len(lines)) + 1):
            if ch in lines[i - 1]:
                return i
    return first


def glyph_problems(
    rel: str,
    located: Located | None,
    body: str | None = None,
    body_line: int = 0,
    text: str | None = None,
) -> list[Problem]:
    """Characters of one parsed source file that the poster fonts cannot draw.

    ``located``: the loader's data with its lines; ``body``/``body_line``: a
    notice's Markdown body and the line it starts on; ``text``: the file's
    text, if at hand, to skip clean files at once (a value written with
    escapes is looked at all the same)."""
    rx = uncovered()
    if (
        text is not None
        and not rx.search(text)
        and (located is None or not any(rx.search(v) for _, v, _, _ in located.reshaped))
    ):
        return []
    draft = located is not None and isinstance(located.data, dict) and located.data.get("status") == "draft"
    found: dict[tuple[int, str], tuple[str, str]] = {}
    if located is not None:
        lines = text.split("\n") if text is not None else None
        spans = {path: (first, last) for path, _, first, last in located.reshaped}
        for path, value in _strings(located.data):
            for ch in dict.fromkeys(rx.findall(value)):
                line = located.line_of(path)
                line = _line_of(lines, ch, *spans.get(path, (line, line)))
                found.setdefault((line, ch), (format_loc(path), ch))
    if body:
        for i, line_text in enumerate(body.split("\n")):
            for ch in dict.fromkeys(rx.findall(line_text)):
                found.setdefault((body_line + i, ch), ("", ch))
    out = []
    for (line, _), (loc, ch) in sorted(found.items()):
        severity, message = fix_for(ch, draft)
        out.append(problem(rel, line, "glyph-missing", message, loc, severity))
    return out
