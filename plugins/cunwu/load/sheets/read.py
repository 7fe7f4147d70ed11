"""Read a spreadsheet file of any kind cadres have into sheets of cells.

Formats are told by their bytes, not their name (a WPS ``.xls`` may be an
xlsx, a platform's ``.xls`` may be a web page):

* ``.xlsx`` / ``.xlsm`` and ``.ods``: zip files of XML, read by our own
  small parsers (:mod:`.ooxml`, :mod:`.odf`), because they give what the
  import needs and the libraries do not all give: the *stored* text of a
  number (``1234.4999999999998``), hidden rows and sheets, merged cells, a
  formula without a cached value, and for ODS the displayed text itself;
* ``.xls`` (Excel 97-2003 and WPS): BIFF records through ``xlrd``, with
  formatting, hidden rows and sheet visibility;
* ``.csv``: UTF-8 with or without a BOM, UTF-16 (Excel's "Unicode text"),
  GBK/GB18030; Big5 is recognised and refused by name.

Nothing here writes anything: the bytes are read into memory and parsed
there, so a full ID number never reaches a temporary file.
"""

from __future__ import annotations

import codecs
import csv
import io

from .book import (
    MAX_CELLS,
    MAX_SOURCE_BYTES,
    MAX_UNPACKED_BYTES,
    Cell,
    ReadError,
    Sheet,
    Workbook,
    Zipped,
    cell_ref,
    col_letter,
    serial_to_datetime,
)
from .odf import read_ods
from .ooxml import read_xlsx

__all__ = [
    "MAX_CELLS",
    "MAX_SOURCE_BYTES",
    "MAX_UNPACKED_BYTES",
    "SHEET_SUFFIXES",
    "Cell",
    "ReadError",
    "Sheet",
    "Workbook",
    "cell_ref",
    "col_letter",
    "decode_csv",
    "read_workbook",
    "serial_to_datetime",
]

SHEET_SUFFIXES = (".xlsx", ".xlsm", ".xls", ".ods", ".csv")

OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


def sniff(data: bytes, name: str) -> str:
    """The real format of ``data``: xlsx, ods, xls, csv, or a ReadError."""
    lower = name.lower()
    if data[:8] == OLE2:
        if b"E\x00n\x00c\x00r\x00y\x00p\x00t\x00e\x00d\x00P\x00a\x00c\x00k\x00a\x00g\x00e" in data:
            raise ReadError(
                "sheet-unreadable",
                "文件设有打开密码（已加密），无法读取：请在 Excel 或 WPS 中取消密码后另存再导入",
            )
        return "xls"
    if data[:4] == b"PK\x03\x04":
        if b"mimetypeapplication/vnd.oasis.opendocument.spreadsheet" in data[:200]:
            return "ods"
        return "xlsx"  # decided for sure once the zip is opened
    head = data[:2048].lstrip(codecs.BOM_UTF8).lstrip().lower()
    if head.startswith((b"<html", b"<!doctype html", b"<table", b"<meta")) or b"<html" in head[:512]:
        raise ReadError(
            "sheet-unreadable",
            "这个文件其实是网页（HTML）格式，只是扩展名为表格：请用 Excel 或 WPS 打开后“另存为” .xlsx 再导入",
        )
    if head.startswith(b"<?xml") and b"urn:schemas-microsoft-com:office:spreadsheet" in data[:4096]:
        raise ReadError(
            "sheet-unreadable", "这是 Excel 2003 的 XML 表格：请用 Excel 或 WPS 打开后“另存为” .xlsx 再导入"
        )
    if lower.endswith(".csv") or lower.endswith(".txt"):
        return "csv"
    if lower.endswith((".xlsx", ".xlsm", ".xls", ".ods")):
        raise ReadError(
            "sheet-unreadable", "文件已损坏或不是表格文件，无法读取：请用 Excel 或 WPS 打开检查后另存再导入"
        )
    raise ReadError("sheet-unreadable", "只能导入 .xlsx、.xls、.ods 或 .csv 文件")


def _is_ods(data: bytes) -> bool:
    z = Zipped(data)
    return z.read("xl/workbook.xml") is None and z.read("content.xml") is not None


def read_workbook(data: bytes, name: str) -> Workbook:
    """Parse ``data`` (the file's bytes; ``name`` only hints at the format).
    Raises :class:`ReadError`, never anything else on bad input."""
    if len(data) > MAX_SOURCE_BYTES:
        raise ReadError("file-too-large", f"文件超过 {MAX_SOURCE_BYTES // 1024 // 1024} MB，没有读取")
    if not data:
        raise ReadError("empty-file", "文件是空的")
    fmt = sniff(data, name)
    try:
        if fmt == "xlsx" and _is_ods(data):
            fmt = "ods"  # an ODS zip whose mimetype entry is not first
        if fmt == "xlsx":
            wb = read_xlsx(data)
        elif fmt == "ods":
            wb = read_ods(data)
        elif fmt == "xls":
            wb = read_xls(data)
        else:
            wb = read_csv(data)
    except ReadError:
        raise
    except (MemoryError, RecursionError):
        raise ReadError("sheet-unreadable", "文件过于复杂，无法读取") from None
    except Exception as exc:  # noqa: BLE001 - a corrupt file must never end in a traceback
        # the exception's text may quote cell content: only its type is shown
        raise ReadError(
            "sheet-unreadable",
            f"文件已损坏或格式不对，无法读取（{type(exc).__name__}）：请用 Excel 或 WPS 打开检查后另存再导入",
        ) from None
    if sum(len(r) for s in wb.sheets for r in s.rows) > MAX_CELLS:
        raise ReadError("file-too-large", f"表格超过 {MAX_CELLS:,} 个单元格，没有读取")
    return wb


# ---------------------------------------------------------------- .xls (BIFF)


def read_xls(data: bytes) -> Workbook:
    import xlrd

    try:
        book = xlrd.open_workbook(
            file_contents=data, formatting_info=True, logfile=io.StringIO(), on_demand=False
        )
    except xlrd.biffh.XLRDError as exc:
        if "encrypt" in str(exc).lower():
            raise ReadError(
                "sheet-unreadable",
                "文件设有打开密码（已加密），无法读取：请在 Excel 或 WPS 中取消密码后另存再导入",
            ) from None
        raise ReadError(
            "sheet-unreadable",
            "文件已损坏或不是 Excel 表格，无法读取：请用 Excel 或 WPS 打开检查后另存再导入",
        ) from None
    formats = {k: f.format_str for k, f in book.format_map.items()}
    sheets = []
    for sh in book.sheets():
        s = Sheet(sh.name, hidden=sh.visibility != 0)
        s.hidden_rows = {r for r, info in sh.rowinfo_map.items() if info.hidden}
        s.hidden_cols = {c for c, info in sh.colinfo_map.items() if info.hidden}
        s.merged = [(r1, c1, r2 - 1, c2 - 1) for r1, r2, c1, c2 in sh.merged_cells]
        for r in range(sh.nrows):
            row: list[Cell | None] = []
            for c in range(sh.ncols):
                ctype = sh.cell_type(r, c)
                if ctype in (xlrd.XL_CELL_EMPTY, xlrd.XL_CELL_BLANK):
                    row.append(None)
                    continue
                value = sh.cell_value(r, c)
                xf = book.xf_list[sh.cell_xf_index(r, c)]
                fmt = formats.get(xf.format_key, "General")
                if ctype == xlrd.XL_CELL_TEXT:
                    row.append(Cell("s", value))
                elif ctype == xlrd.XL_CELL_NUMBER:
                    row.append(Cell("n", value, repr(float(value)), fmt))
                elif ctype == xlrd.XL_CELL_DATE:
                    try:
                        when = xlrd.xldate_as_datetime(value, book.datemode)
                    except (ValueError, OverflowError, xlrd.xldate.XLDateError):
                        row.append(Cell("n", value, repr(float(value)), fmt))
                        continue
                    row.append(Cell("d", when, repr(float(value)), fmt))
                elif ctype == xlrd.XL_CELL_BOOLEAN:
                    row.append(Cell("b", bool(value)))
                else:
                    row.append(Cell("e", xlrd.error_text_from_code.get(value, "#错误")))
            s.rows.append(_trim(row))
        sheets.append(s)
    return Workbook("xls", sheets)


def _trim(row: list[Cell | None]) -> list[Cell | None]:
    while row and row[-1] is None:
        row.pop()
    return row


# ---------------------------------------------------------------- CSV


def decode_csv(data: bytes) -> tuple[str, str]:
    """(text, encoding label) of a CSV's bytes. Tries what Windows Excel and
    WPS write: UTF-8 with a BOM, UTF-16 with a BOM (or without, told by its
    zero bytes), UTF-8, GB18030 (a superset of GBK and GB2312). Big5 is told
    apart from GB18030 by the header words it spells (姓名 and 身份證號 vs
    garbage) in :func:`cunwu.ingest.columns`; here it decodes as GB18030."""
    if data.startswith(codecs.BOM_UTF8):
        return data[3:].decode("utf-8"), "UTF-8（带 BOM）"
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return data.decode("utf-16"), "UTF-16"
    sample = data[:4096]
    if len(sample) >= 4 and sample.count(b"\0") * 3 >= len(sample):
        # text of mostly ASCII in UTF-16 has a zero in every other byte
        even = sample[0::2].count(b"\0")
        odd = sample[1::2].count(b"\0")
        return data.decode("utf-16-le" if odd > even else "utf-16-be"), "UTF-16"
    try:
        return data.decode("utf-8"), "UTF-8"
    except UnicodeDecodeError:
        pass
    try:
        text = data.decode("gb18030")
    except UnicodeDecodeError:
        text = None
    if _looks_big5(data, text):
        raise ReadError(
            "sheet-encoding",
            "这个 CSV 是繁体中文 Big5 编码（台湾、香港的电脑常用），cunwu 不读取：请用 Excel 或 WPS 打开，"
            "“另存为”CSV UTF-8 或 .xlsx 后再导入",
        )
    if text is not None:
        return text, "GB18030/GBK"
    raise ReadError(
        "sheet-encoding",
        "CSV 文件的编码无法识别（不是 UTF-8、UTF-16 或 GBK/GB18030）：请在 Excel 中另存为“CSV UTF-8”",
    )


#: words every roster or ledger header has, in simplified and in traditional characters
_SIMPLIFIED = (
    "姓名",
    "身份证",
    "户主",
    "金额",
    "号码",
    "发放",
    "组别",
    "摘要",
    "凭证",
    "借方",
    "贷方",
    "合计",
    "序号",
)
_TRADITIONAL = (
    "姓名",
    "身份證",
    "戶主",
    "金額",
    "號碼",
    "發放",
    "組別",
    "摘要",
    "憑證",
    "借方",
    "貸方",
    "合計",
    "序號",
)


def _looks_big5(data: bytes, gb_text: str | None) -> bool:
    """Big5 bytes mostly decode as GB18030 too (as nonsense): tell them
    apart by which reading spells the header words."""
    try:
        big5 = data[:65536].decode("big5", errors="strict")
    except UnicodeDecodeError:
        try:
            big5 = data[:65535].decode("big5", errors="strict")
        except UnicodeDecodeError:
            return False
    trad = sum(w in big5 for w in _TRADITIONAL if w not in _SIMPLIFIED)
    simp = sum(w in (gb_text or "") for w in _SIMPLIFIED if w not in _TRADITIONAL)
    return trad >= 2 and trad > simp


def read_csv(data: bytes, text: str | None = None, label: str = "") -> Workbook:
    if text is None:
        text, label = decode_csv(data)
    if "\0" in text:
        raise ReadError("sheet-encoding", "CSV 文件中有空字符（\\0），编码不对或文件已损坏")
    first = text[:4096].split("\n", 3)
    head = "\n".join(first[:3])
    delimiter = max(",\t;", key=head.count) if head else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    sheet = Sheet("")
    try:
        for row in reader:
            sheet.rows.append(_trim([Cell("s", v) if v != "" else None for v in row]))
    except csv.Error:
        raise ReadError("sheet-unreadable", "CSV 文件格式错误（引号不成对），无法读取") from None
    return Workbook("csv", [sheet], encoding=label)
