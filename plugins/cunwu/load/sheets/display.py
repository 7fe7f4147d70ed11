"""What a spreadsheet cell shows: a number as its format prints it, any cell as text."""

from __future__ import annotations

import re
from decimal import ROUND_HALF_UP, Decimal

from .book import Cell

_QUOTED = re.compile(r'"[^"]*"|\\.|\[[^\]]*\]')


def _bare(fmt: str) -> str:
    """The format's first section without quoted text, escapes and [..] codes."""
    return _QUOTED.sub("", fmt.split(";")[0])


def is_date_format(fmt: str) -> bool:
    if not fmt or fmt in ("General", "@"):
        return False
    if "[$-F800]" in fmt or "[$-F400]" in fmt:
        return True
    bare = _bare(fmt).lower()
    return bool(re.search(r"[ymdhs]", bare)) and not re.search(r"[0#?]", bare.replace("0.0", ""))


def _general(value: float) -> str:
    """Excel's "General" display: up to 11 characters, else scientific."""
    if value == int(value) and abs(value) < 1e11:
        return str(int(value))
    text = f"{value:.10g}"
    if len(text) > 11 and "e" not in text:
        text = f"{value:.{max(1, 10 - len(str(int(abs(value)))))}f}".rstrip("0").rstrip(".")
    if "e" in text:
        mant, exp = f"{value:.5E}".split("E")
        mant = mant.rstrip("0").rstrip(".")
        text = f"{mant}E{exp[0]}{exp[1:].lstrip('0').rjust(2, '0')}"
    return text


def display_number(cell: Cell) -> str:
    """What a number cell shows: ODS carries the text; for xlsx/xls it is
    worked out from the number format (decimals, thousands, percent,
    zero padding, literal text), close to what Excel prints."""
    if cell.shown is not None and cell.shown != "":
        return cell.shown
    value = float(cell.value)
    fmt = cell.fmt or "General"
    if fmt in ("General", "@"):
        return _general(value)
    section = fmt.split(";")
    if value < 0 and len(section) > 1:
        fmt_used, value = section[1], -value
    else:
        fmt_used = section[0]
    literal = "".join(m[1:-1] if m.startswith('"') else m[1:] for m in re.findall(r'"[^"]*"|\\.', fmt_used))
    bare = _QUOTED.sub("", fmt_used)
    if "E+" in bare.upper():
        return _general(value)
    percent = "%" in bare
    if percent:
        value *= 100
    num = re.search(r"[0#?,]+(?:\.[0#?]+)?", bare)
    if not num:
        return _general(value)
    pattern = num.group()
    decimals = len(pattern.split(".")[1]) if "." in pattern else 0
    min_int = len(re.sub(r"[^0]", "", pattern.split(".")[0]))
    d = Decimal(repr(value)).quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP)
    text = f"{abs(d):,.{decimals}f}" if "," in pattern else f"{abs(d):.{decimals}f}"
    int_part, _, frac = text.partition(".")
    if min_int > len(int_part.replace(",", "")):
        int_part = int_part.zfill(min_int)
    text = int_part + ("." + frac if frac else "")
    sign = "-" if d < 0 else ""
    out = sign + text + ("%" if percent else "")
    if literal:
        # literal text before the digits ("记-"000) stays in front, after them behind
        pos = fmt_used.find('"') if '"' in fmt_used else fmt_used.find("\\")
        digits_at = re.search(r"[0#?]", fmt_used)
        if digits_at is not None and pos < digits_at.start():
            out = literal + out
        else:
            out = out + literal
    return out


def plain_text(cell: Cell | None) -> str:
    """The text of any cell as printed (numbers as displayed)."""
    if cell is None:
        return ""
    if cell.kind == "s":
        return str(cell.value)
    if cell.kind == "n":
        return display_number(cell)
    if cell.kind == "d":
        return cell.shown or cell.value.date().isoformat()
    if cell.kind == "b":
        return "是" if cell.value else "否"
    if cell.kind == "e":
        return str(cell.value)
    return ""
