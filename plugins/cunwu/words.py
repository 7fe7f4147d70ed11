"""How cunwu writes money, dates and changes for people: one place for each.

Pages, posters, messages, diffs and open data all format through these
helpers, so the same amount or date never reads two ways.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation
from typing import Any, Literal

#: the Chinese verb of each kind of change (a diff's ``op``, a file's status)
CHANGE_VERBS: dict[str, str] = {"added": "新增", "removed": "删除", "changed": "修改"}

ChangeOp = Literal["added", "removed", "changed"]


def money(d: Decimal | None) -> str:
    """1234.5 -> "1,234.50" (exact: Decimal formatting, no float); None -> ""."""
    return "" if d is None else f"{d:,.2f}"


def money_text(value: object, missing: str = "（空）") -> str:
    """A money value given as text (as in diffs and JSON), shown like :func:`money`;
    anything that is not a number is shown as it is, None as ``missing``."""
    if value is None:
        return missing
    try:
        return f"{Decimal(str(value)):,.2f}"
    except (InvalidOperation, ValueError):
        return str(value)


def date_zh(d: dt.date | None) -> str:
    """2026-10-05 -> "2026年10月5日"; None -> ""."""
    return "" if d is None else f"{d.year}年{d.month}月{d.day}日"


def iso_date_zh(iso: str) -> str:
    """ "2026-10-05" -> "2026年10月5日"; "" -> ""."""
    return date_zh(dt.date.fromisoformat(iso)) if iso else ""


def month_zh(ym: str) -> str:
    """ "2026-10" -> "2026年10月"."""
    y, m = ym.split("-")
    return f"{y}年{int(m)}月"


_BIDI = set(range(0x202A, 0x202F)) | set(range(0x2066, 0x206A)) | {0x200E, 0x200F, 0x061C}


def clean(text: Any) -> str:
    """``text`` with control and bidi-override characters shown as ``\\x1b``/``\\u202e``.

    A source can hold an escape sequence that would repaint an auditor's
    terminal, or a right-to-left override that makes 650 read as 056.
    """
    s = str(text)
    if s.isprintable() and not any(ord(ch) in _BIDI for ch in s):
        return s
    out = []
    for ch in s:
        o = ord(ch)
        if o in _BIDI or (o < 0x20 and ch != "\t") or 0x7F <= o < 0xA0:
            out.append(f"\\x{o:02x}" if o < 0x100 else f"\\u{o:04x}")
        else:
            out.append(ch)
    return "".join(out)


def shorten(text: str, limit: int = 60) -> str:
    """``text`` cut to about ``limit`` characters, saying how long it was:
    a value quoted in a message (a pasted picture, a whole paragraph) must
    not make the message thousands of characters long."""
    if len(text) <= limit:
        return text
    keep = max(limit - 20, 10)
    return f"{text[:keep]}…（共 {len(text):,} 个字符）"
