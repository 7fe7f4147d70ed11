"""A small reader for .xlsx (Office Open XML spreadsheets), from the zip's XML.

Why not openpyxl: it turns a stored number into a float before we see it
(we want the stored text), needs a second full load to tell a formula
without a cached value from an empty cell, and is 3-4x slower on a 2,000-row
roster. The parts read here are few and stable (ECMA-376 Part 1, §18):
``xl/workbook.xml`` (sheet names, visibility, the 1904 date system), its
relationships, ``xl/styles.xml`` (each style's number format),
``xl/sharedStrings.xml`` and each worksheet (cells, hidden rows and
columns, merged ranges). Namespaces are ignored, so strict OOXML reads too.
"""

from __future__ import annotations

import io
import posixpath
import xml.etree.ElementTree as ET

from .book import Cell, ReadError, Sheet, Workbook, Zipped, serial_to_datetime
from .display import is_date_format

#: built-in number formats (ECMA-376 §18.8.30) that matter here; 27-36 and
#: 50-58 are the East Asian date formats Chinese Excel and WPS use
BUILTIN_FORMATS = {
    0: "General",
    1: "0",
    2: "0.00",
    3: "#,##0",
    4: "#,##0.00",
    9: "0%",
    10: "0.00%",
    11: "0.00E+00",
    12: "# ?/?",
    13: "# ??/??",
    14: "yyyy/m/d",
    15: "d-mmm-yy",
    16: "d-mmm",
    17: "mmm-yy",
    18: "h:mm AM/PM",
    19: "h:mm:ss AM/PM",
    20: "h:mm",
    21: "h:mm:ss",
    22: "yyyy/m/d h:mm",
    37: "#,##0 ;(#,##0)",
    38: "#,##0 ;[Red](#,##0)",
    39: "#,##0.00;(#,##0.00)",
    40: "#,##0.00;[Red](#,##0.00)",
    45: "mm:ss",
    46: "[h]:mm:ss",
    47: "mmss.0",
    48: "##0.0E+0",
    49: "@",
    **{i: 'yyyy"年"m"月"d"日"' for i in (27, 28, 29, 30, 31, 34, 35, 36, 50, 51, 52, 53, 54, 57, 58)},
    **{i: "h:mm:ss" for i in (32, 33, 55, 56)},
}


_LOCAL: dict[str, str] = {}


def _local(tag: str) -> str:
    local = _LOCAL.get(tag)
    if local is None:
        local = _LOCAL[tag] = tag.rpartition("}")[2]
    return local


def _attr(el: ET.Element, name: str) -> str | None:
    """An attribute by local name, whatever its namespace (r:id, etc.)."""
    v = el.get(name)
    if v is not None:
        return v
    for k, val in el.attrib.items():
        if _local(k) == name:
            return val
    return None


def _shared_strings(raw: bytes | None) -> list[str]:
    if raw is None:
        return []
    out = []
    for _ev, el in ET.iterparse(io.BytesIO(raw)):
        if _local(el.tag) == "si":
            out.append(_si_text(el))
            el.clear()
    return out


def _si_text(si: ET.Element) -> str:
    """Text of a shared or inline string, without phonetic runs (rPh)."""
    parts = []
    for child in si:
        tag = _local(child.tag)
        if tag == "t":
            parts.append(child.text or "")
        elif tag == "r":
            for t in child:
                if _local(t.tag) == "t":
                    parts.append(t.text or "")
    return "".join(parts)


def _styles(raw: bytes | None) -> list[str]:
    """Number format code of each cell style (cellXfs), by index."""
    if raw is None:
        return []
    root = ET.fromstring(raw)
    custom: dict[int, str] = {}
    xfs: list[str] = []
    for el in root:
        tag = _local(el.tag)
        if tag == "numFmts":
            for nf in el:
                try:
                    custom[int(nf.get("numFmtId", "-1"))] = nf.get("formatCode", "General")
                except ValueError:
                    continue
        elif tag == "cellXfs":
            for xf in el:
                try:
                    fid = int(xf.get("numFmtId", "0"))
                except ValueError:
                    fid = 0
                xfs.append(custom.get(fid) or BUILTIN_FORMATS.get(fid, "General"))
    return xfs


_COLS: dict[str, int] = {}


def _ref(ref: str) -> tuple[int, int]:
    """'AB12' -> (11, 27), 0-based."""
    i = 0
    while i < len(ref) and ref[i].isalpha():
        i += 1
    letters = ref[:i]
    col = _COLS.get(letters)
    if col is None:
        col = 0
        for ch in letters.upper():
            col = col * 26 + (ord(ch) - 64)
        col = _COLS[letters] = col - 1
    return int(ref[i:]) - 1, col


def read_xlsx(data: bytes) -> Workbook:
    z = Zipped(data)
    wb_raw = z.read("xl/workbook.xml")
    if wb_raw is None:
        if z.read("EncryptionInfo") is not None:
            raise ReadError("sheet-unreadable", "文件设有打开密码（已加密），无法读取")
        raise ReadError("sheet-unreadable", "文件不是 Excel 表格（压缩包中没有工作簿），无法读取")
    wb_root = ET.fromstring(wb_raw)
    rels_raw = z.read("xl/_rels/workbook.xml.rels")
    targets: dict[str, str] = {}
    if rels_raw is not None:
        for rel in ET.fromstring(rels_raw):
            target = rel.get("Target", "")
            targets[rel.get("Id", "")] = (
                target.lstrip("/") if target.startswith("/") else posixpath.normpath("xl/" + target)
            )
    date1904 = False
    sheet_defs = []
    for el in wb_root.iter():
        tag = _local(el.tag)
        if tag == "workbookPr":
            date1904 = el.get("date1904") in ("1", "true")
        elif tag == "sheet":
            sheet_defs.append((el.get("name", ""), el.get("state", "visible"), _attr(el, "id")))
    strings = _shared_strings(z.read("xl/sharedStrings.xml"))
    xfs = _styles(z.read("xl/styles.xml"))
    sheets = []
    for name, state, rid in sheet_defs:
        path = targets.get(rid or "", "")
        raw = z.read(path) if path else None
        sheet = Sheet(name, hidden=state != "visible")
        if raw is not None:
            _read_sheet(raw, sheet, strings, xfs, date1904)
        sheets.append(sheet)
    return Workbook("xlsx", sheets)


def _read_sheet(raw: bytes, sheet: Sheet, strings: list[str], xfs: list[str], date1904: bool) -> None:
    rows: dict[int, dict[int, Cell]] = {}
    next_row = 0
    next_col = 0
    for _ev, el in ET.iterparse(io.BytesIO(raw), events=("end",)):
        tag = _local(el.tag)
        if tag == "c":
            ref = el.get("r")
            if ref:
                r, c = _ref(ref)
            else:
                r, c = next_row, next_col
            next_col = c + 1
            cell = _cell(el, strings, xfs, date1904)
            if cell is not None:
                rows.setdefault(r, {})[c] = cell
            el.clear()
        elif tag == "row":
            r = el.get("r")
            idx = int(r) - 1 if r else next_row
            if el.get("hidden") in ("1", "true"):
                sheet.hidden_rows.add(idx)
            next_row = idx + 1
            next_col = 0
            el.clear()
        elif tag == "col":
            if el.get("hidden") in ("1", "true"):
                lo, hi = int(el.get("min", "1")), int(el.get("max", "1"))
                sheet.hidden_cols.update(range(lo - 1, min(hi, lo + 16384)))
        elif tag == "mergeCell":
            ref = el.get("ref", "")
            if ":" in ref:
                a, b = ref.split(":", 1)
                (r1, c1), (r2, c2) = _ref(a), _ref(b)
                sheet.merged.append((r1, c1, r2, c2))
        elif tag == "sheetData":
            el.clear()
    if rows:
        height = max(rows) + 1
        sheet.rows = [[] for _ in range(height)]
        for r, cells in rows.items():
            width = max(cells) + 1
            row: list[Cell | None] = [None] * width
            for c, cell in cells.items():
                row[c] = cell
            sheet.rows[r] = row


def _cell(el: ET.Element, strings: list[str], xfs: list[str], date1904: bool) -> Cell | None:
    t = el.get("t", "n")
    v = f = None
    inline = None
    for child in el:
        tag = _local(child.tag)
        if tag == "v":
            v = child.text or ""
        elif tag == "f":
            f = True
        elif tag == "is":
            inline = _si_text(child)
    try:
        s = int(el.get("s", "0"))
    except ValueError:
        s = 0
    fmt = xfs[s] if 0 <= s < len(xfs) else "General"
    if t == "inlineStr":
        return Cell("s", inline or "") if inline else None
    if v is None:
        return Cell("f", None, fmt=fmt) if f else None
    if t == "s":
        try:
            return Cell("s", strings[int(v)])
        except (ValueError, IndexError):
            return Cell("e", "#REF!")
    if t == "str":
        return Cell("s", v)
    if t == "b":
        return Cell("b", v.strip() in ("1", "true"))
    if t == "e":
        return Cell("e", v)
    if t == "d":  # ISO 8601 date cell (rare: strict files)
        import datetime as dt

        try:
            return Cell("d", dt.datetime.fromisoformat(v.strip().rstrip("Z")), v, fmt)
        except ValueError:
            return Cell("s", v)
    try:
        number = float(v)
    except ValueError:
        return Cell("s", v)
    if is_date_format(fmt):
        when = serial_to_datetime(number, date1904)
        if when is not None:
            return Cell("d", when, v.strip(), fmt)
    return Cell("n", number, v.strip(), fmt)
