"""A small reader for .ods (OpenDocument spreadsheets), from content.xml.

ODS keeps both what a cell holds (``office:value="1234.4999999999998"``) and
what it shows (``<text:p>1,234.50</text:p>``), so the displayed value needs
no number-format engine. Hidden rows are ``table:visibility="collapsed"``
(or ``"filter"``), a hidden sheet has a table style with
``table:display="false"``. Runs of identical rows or cells are stored once
with a repeat count; long empty runs (LibreOffice writes a million empty
rows) are skipped, never expanded. (OpenDocument 1.2/1.3, part 1, §9.)
"""

from __future__ import annotations

import datetime as dt
import io
import xml.etree.ElementTree as ET

from .book import Cell, ReadError, Sheet, Workbook, Zipped

TABLE = "urn:oasis:names:tc:opendocument:xmlns:table:1.0"
OFFICE = "urn:oasis:names:tc:opendocument:xmlns:office:1.0"
TEXT = "urn:oasis:names:tc:opendocument:xmlns:text:1.0"
STYLE = "urn:oasis:names:tc:opendocument:xmlns:style:1.0"
CALCEXT = "urn:org:documentfoundation:names:experimental:calc:xmlns:calcext:1.0"

T = f"{{{TABLE}}}"
OF = f"{{{OFFICE}}}"
X = f"{{{TEXT}}}"
S = f"{{{STYLE}}}"
CX = f"{{{CALCEXT}}}"

#: a repeated run longer than this is only expanded if it has content
MAX_REPEAT = 1024


def read_ods(data: bytes) -> Workbook:
    z = Zipped(data)
    manifest = z.read("META-INF/manifest.xml") or b""
    if b"encryption-data" in manifest:
        raise ReadError("sheet-unreadable", "文件设有打开密码（已加密），无法读取：请取消密码后另存再导入")
    raw = z.read("content.xml")
    if raw is None:
        raise ReadError("sheet-unreadable", "文件不是 ODS 表格（压缩包中没有 content.xml），无法读取")
    hidden_table_styles: set[str] = set()
    sheets: list[Sheet] = []
    sheet: Sheet | None = None
    row_idx = 0
    col_idx = 0
    col_cursor = 0
    row_cells: list[Cell | None] = []
    row_repeat = 1
    row_hidden = False
    # iterparse with start events: table and row attributes are needed before
    # their children; cells are handled at their end, with their text
    for ev, el in ET.iterparse(io.BytesIO(raw), events=("start", "end")):
        tag = el.tag
        if ev == "start":
            if tag == T + "table":
                sheet = Sheet(el.get(T + "name", ""), hidden=el.get(T + "style-name") in hidden_table_styles)
                row_idx = 0
                col_cursor = 0
            elif tag == T + "table-row" and sheet is not None:
                row_cells = []
                col_idx = 0
                row_repeat = _int(el.get(T + "number-rows-repeated"), 1)
                row_hidden = el.get(T + "visibility") in ("collapse", "collapsed", "filter")
            continue
        # end events
        if tag == S + "style":
            props = next((c for c in el if c.tag == S + "table-properties"), None)
            if props is not None and props.get(T + "display") == "false":
                hidden_table_styles.add(el.get(S + "name", ""))
        elif tag == T + "table-column" and sheet is not None:
            repeat = _int(el.get(T + "number-columns-repeated"), 1)
            if el.get(T + "visibility") in ("collapse", "collapsed", "filter"):
                sheet.hidden_cols.update(range(col_cursor, col_cursor + min(repeat, 16384)))
            col_cursor += min(repeat, 16384)
        elif tag in (T + "table-cell", T + "covered-table-cell") and sheet is not None:
            repeat = _int(el.get(T + "number-columns-repeated"), 1)
            cell = _cell(el) if tag == T + "table-cell" else None
            if cell is None:
                col_idx += repeat
            else:
                if repeat > MAX_REPEAT:
                    repeat = MAX_REPEAT
                for _ in range(repeat):
                    while len(row_cells) < col_idx:
                        row_cells.append(None)
                    row_cells.append(cell)
                    col_idx += 1
            rows_span = _int(el.get(T + "number-rows-spanned"), 1)
            cols_span = _int(el.get(T + "number-columns-spanned"), 1)
            if tag == T + "table-cell" and (rows_span > 1 or cols_span > 1):
                c0 = col_idx - 1 if cell is not None else col_idx - repeat
                sheet.merged.append((row_idx, c0, row_idx + rows_span - 1, c0 + cols_span - 1))
            el.clear()
        elif tag == T + "table-row" and sheet is not None:
            has = any(c is not None for c in row_cells)
            if has or row_hidden:
                count = min(row_repeat, MAX_REPEAT) if has else min(row_repeat, 1)
                for i in range(count):
                    while len(sheet.rows) < row_idx + i:
                        sheet.rows.append([])
                    sheet.rows.append(list(row_cells) if has else [])
                    if row_hidden:
                        sheet.hidden_rows.add(row_idx + i)
            row_idx += row_repeat
            el.clear()
        elif tag == T + "table" and sheet is not None:
            while sheet.rows and not any(c is not None for c in sheet.rows[-1]):
                sheet.rows.pop()
            sheet.hidden_rows = {r for r in sheet.hidden_rows if r < len(sheet.rows)}
            sheets.append(sheet)
            sheet = None
            el.clear()
    return Workbook("ods", sheets)


def _int(v: str | None, default: int) -> int:
    try:
        return max(1, int(v)) if v is not None else default
    except ValueError:
        return default


def _text(el: ET.Element) -> str:
    """The text a cell shows: its paragraphs, with ODF's space and tab elements."""
    paras = []
    for p in el:
        if p.tag in (X + "p", X + "h"):
            paras.append(_inline(p))
    return "\n".join(paras)


def _inline(el: ET.Element) -> str:
    out = [el.text or ""]
    for child in el:
        tag = child.tag
        if tag == X + "s":
            out.append(" " * _int(child.get(X + "c"), 1))
        elif tag == X + "tab":
            out.append("\t")
        elif tag == X + "line-break":
            out.append("\n")
        elif tag == OF + "annotation":
            pass  # a comment is not what the cell shows
        else:
            out.append(_inline(child))
        out.append(child.tail or "")
    return "".join(out)


def _cell(el: ET.Element) -> Cell | None:
    vtype = el.get(OF + "value-type") or el.get(CX + "value-type")
    formula = el.get(T + "formula")
    shown = _text(el)
    if vtype is None:
        if formula:
            return Cell("f", None)
        return Cell("s", shown) if shown else None
    if vtype in ("float", "percentage", "currency"):
        raw = el.get(OF + "value")
        if raw is None:
            return Cell("f", None) if formula else Cell("s", shown)
        try:
            return Cell("n", float(raw), raw, shown=shown)
        except ValueError:
            return Cell("s", shown)
    if vtype == "date":
        raw = el.get(OF + "date-value", "")
        try:
            when = dt.datetime.fromisoformat(raw)
        except ValueError:
            return Cell("s", shown or raw)
        return Cell("d", when, raw, shown=shown)
    if vtype == "boolean":
        return Cell("b", el.get(OF + "boolean-value") == "true", shown=shown)
    if vtype == "time":
        return Cell("s", shown)
    if vtype == "string":
        value = el.get(OF + "string-value")
        if formula and el.get(CX + "value-type") == "error":
            return Cell("e", shown or "#错误")
        return Cell("s", value if value is not None else shown)
    return Cell("s", shown)
