"""What a spreadsheet is once read: workbooks, sheets and cells, and the
limits and helpers every reader shares (:mod:`.read` sniffs the format and
hands the bytes to :mod:`.ooxml`, :mod:`.odf`, or its own .xls/.csv code)."""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from dataclasses import dataclass, field

#: refused before parsing: a roster or a month's ledger is far smaller, and a
#: zip bomb or a runaway export should not be parsed at all
MAX_SOURCE_BYTES = 20 * 1024 * 1024
#: what the XML inside a zip may unpack to (a 20 MB xlsx of real data is ~150 MB)
MAX_UNPACKED_BYTES = 400 * 1024 * 1024
MAX_CELLS = 2_000_000


class ReadError(Exception):
    """The file cannot be read as a spreadsheet; ``code`` is a problem code,
    the message Chinese and free of cell values."""

    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code
        self.message = message


class Cell:
    """One cell. ``kind``: ``n`` number, ``s`` text, ``d`` date, ``b``
    boolean, ``e`` error value (``#DIV/0!``), ``f`` formula without a cached
    value. ``raw`` is the stored text of a number, ``fmt`` its number format,
    ``shown`` the displayed text where the file carries it (ODS)."""

    __slots__ = ("kind", "value", "raw", "fmt", "shown")

    def __init__(self, kind: str, value, raw: str = "", fmt: str = "", shown: str | None = None):
        self.kind = kind
        self.value = value
        self.raw = raw
        self.fmt = fmt
        self.shown = shown

    def is_blank(self) -> bool:
        return self.kind == "s" and not str(self.value).strip()

    def __repr__(self) -> str:  # never shows the value: it may be a full ID number
        return f"Cell({self.kind})"


@dataclass
class Sheet:
    name: str
    hidden: bool = False
    rows: list[list[Cell | None]] = field(default_factory=list)
    #: 0-based indexes of hidden (or filtered-out) rows
    hidden_rows: set[int] = field(default_factory=set)
    #: 0-based column indexes of hidden columns
    hidden_cols: set[int] = field(default_factory=set)
    #: merged ranges, 0-based and inclusive: (row1, col1, row2, col2)
    merged: list[tuple[int, int, int, int]] = field(default_factory=list)

    def cell(self, r: int, c: int) -> Cell | None:
        if r < len(self.rows):
            row = self.rows[r]
            if c < len(row):
                return row[c]
        return None

    def row_has_data(self, r: int) -> bool:
        return r < len(self.rows) and any(c is not None and not c.is_blank() for c in self.rows[r])


@dataclass
class Workbook:
    format: str  # xlsx | xls | ods | csv
    sheets: list[Sheet]
    #: for CSV: the encoding it was read in, as a Chinese label
    encoding: str = ""
    notes: list[str] = field(default_factory=list)


def col_letter(c: int) -> str:
    """0 -> A, 25 -> Z, 26 -> AA."""
    out = ""
    c += 1
    while c:
        c, rem = divmod(c - 1, 26)
        out = chr(65 + rem) + out
    return out


def cell_ref(r: int, c: int) -> str:
    return f"{col_letter(c)}{r + 1}"


class Zipped:
    """A zip file in memory, refused when it would unpack to more than
    :data:`MAX_UNPACKED_BYTES`; members looked up case-blind if need be."""

    def __init__(self, data: bytes):
        try:
            self.z = zipfile.ZipFile(io.BytesIO(data))
        except zipfile.BadZipFile:
            raise ReadError("sheet-unreadable", "文件已损坏（不是完整的 xlsx 压缩包），无法读取") from None
        self.names = {i.filename.lstrip("/"): i for i in self.z.infolist()}
        if sum(i.file_size for i in self.names.values()) > MAX_UNPACKED_BYTES:
            raise ReadError("file-too-large", "表格解压后过大（疑似压缩炸弹），没有读取")

    def read(self, name: str) -> bytes | None:
        info = self.names.get(name.lstrip("/"))
        if info is None:
            # some writers differ in case
            low = {k.lower(): v for k, v in self.names.items()}
            info = low.get(name.lstrip("/").lower())
        if info is None:
            return None
        return self.z.read(info)


# ---------------------------------------------------------------- dates


EXCEL_EPOCH = dt.datetime(1899, 12, 30)
EXCEL_EPOCH_1904 = dt.datetime(1904, 1, 1)


def serial_to_datetime(serial: float, date1904: bool = False) -> dt.datetime | None:
    """An Excel date serial number as a datetime (1900 or 1904 system)."""
    if not 0 < serial < 2958466:
        return None
    base = EXCEL_EPOCH_1904 if date1904 else EXCEL_EPOCH
    return base + dt.timedelta(days=serial)
