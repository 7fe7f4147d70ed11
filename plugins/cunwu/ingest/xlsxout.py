"""Writing .xlsx for people: templates to fill in, and a month for the township office.

Both go through xlsxwriter (write-only, no other dependency, full support
for data validation, frozen panes, number formats and column widths). The
workbook is built in memory: the bytes are scanned for personal numbers
(:func:`cunwu.validate.sheetscan.sheet_findings`, the same scan the
validator and the build use) before anything reaches the disk.

Column widths are in Excel's units, roughly the width of one Latin digit;
a Chinese character takes two.
"""

from __future__ import annotations

import datetime as dt
import io
import os
import unicodedata
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import xlsxwriter

from ..errors import PrivacyLeak
from ..privacy import redact
from ..validate.sheetscan import sheet_findings

#: workbooks carry this date, not the clock's, so the same data gives the same bytes
FIXED_TIME = dt.datetime(2026, 1, 1)

MONEY_FORMAT = "#,##0.00"
DATE_FORMAT = "yyyy-mm-dd"


def text_width(text: str) -> int:
    """Display width of ``text`` in Excel units: a CJK character counts two."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in str(text))


def column_width(values: Iterable[Any], least: int = 6, most: int = 60) -> float:
    """A width that fits the widest value (and the header), with a little air."""
    widest = max((text_width(str(v)) for v in values if v is not None), default=0)
    return float(min(most, max(least, widest + 2)))


class Book:
    """An in-memory workbook with the formats cunwu uses."""

    def __init__(self, title: str):
        self.buffer = io.BytesIO()
        self.wb = xlsxwriter.Workbook(self.buffer, {"in_memory": True, "strings_to_numbers": False})
        self.wb.set_properties({"title": title, "author": "cunwu", "created": FIXED_TIME})
        self.wb.set_calc_mode("auto")
        base = {"font_name": "宋体", "font_size": 11, "valign": "vcenter"}
        self.f: dict[str, Any] = {
            "title": self.wb.add_format({**base, "bold": True, "font_size": 16, "align": "center"}),
            "sub": self.wb.add_format({**base, "font_color": "#555555"}),
            "header": self.wb.add_format(
                {
                    **base,
                    "bold": True,
                    "bg_color": "#DDEBF7",
                    "border": 1,
                    "align": "center",
                    "text_wrap": True,
                }
            ),
            "text": self.wb.add_format({**base, "num_format": "@", "border": 1}),
            "plain": self.wb.add_format({**base, "border": 1}),
            "cell_wrap": self.wb.add_format({**base, "border": 1, "text_wrap": True}),
            "wrap": self.wb.add_format({**base, "text_wrap": True, "valign": "top"}),
            "note": self.wb.add_format({**base, "text_wrap": True, "valign": "top", "font_color": "#333333"}),
            "money": self.wb.add_format({**base, "num_format": MONEY_FORMAT, "border": 1}),
            "money_bold": self.wb.add_format({**base, "num_format": MONEY_FORMAT, "border": 1, "bold": True}),
            "date": self.wb.add_format({**base, "num_format": DATE_FORMAT, "border": 1}),
            "int": self.wb.add_format({**base, "num_format": "0", "border": 1}),
            "qty": self.wb.add_format({**base, "num_format": "0.####", "border": 1}),
            "bold": self.wb.add_format({**base, "bold": True, "border": 1}),
            "h2": self.wb.add_format({**base, "bold": True, "font_size": 12}),
        }

    def close(self) -> bytes:
        self.wb.close()
        return self.buffer.getvalue()


def checked_write(data: bytes, path: Path, allowed: Iterable[str] = ()) -> None:
    """Scan a workbook's cells for personal numbers, then write it atomically.

    Raises :class:`SheetLeak` (and writes nothing) if the scan finds one: the
    data passed validation, so this is the last gate, as the build's output
    scan is for the site."""
    found = sheet_findings(data, path.name, tuple(allowed))
    if found:
        raise SheetLeak(path.name, [(s, r, c, f.label, f.masked) for s, r, c, f in found])
    from .write import atomic_write

    atomic_write(path, data)
    # a template or an export is handed on: the umask's mode, not the temporary file's 0600
    mask = os.umask(0)
    os.umask(mask)
    path.chmod(0o666 & ~mask)


class SheetLeak(PrivacyLeak):
    """A workbook about to be written holds a personal number."""

    def __init__(self, name: str, findings: list[tuple[str, int, int, str, str]]):
        from ..load.sheets.read import cell_ref

        where = "；".join(
            f"{redact(s)}!{cell_ref(r, c)} {label} {masked}" if r >= 0 else f"{label} {masked}"
            for s, r, c, label, masked in findings[:5]
        )
        super().__init__(f"{name} 中有个人号码（{where}），没有写入。请检查公开资料后再导出")
        self.findings = findings
