"""Walk the rows of a found table: data rows, 合计 rows, the end of the table.

Shared by rosters and ledgers. A row is
* blank: skipped (a blank row in the middle of a real sheet is common);
* a sum row (合计、小计、总计 in its first text cells): handed back
  separately, to check the declared total, never imported as a person;
* a repeated header (a second table, or a header repeated for printing):
  ``header-repeated``;
* the signature block (制表人：, 审核人：, 日期, 说明 ...): the table ends;
* otherwise data.

Hidden rows inside the table are errors, as are hidden sheets with data:
the printed sheet and the imported data would differ.
"""

from __future__ import annotations

from dataclasses import dataclass

from .columns import FOOTER, SUM_WORDS, Mapping, Table, norm_header
from .sink import Sink


@dataclass
class Rows:
    data: list[int]
    sums: list[tuple[int, str]]  # (row, the word: 合计/小计/...)
    end: int  # first row after the table


def walk(table: Table, mapping: Mapping, sink: Sink) -> Rows:
    sheet = table.sheet
    data: list[int] = []
    sums: list[tuple[int, str]] = []
    label_cols = sorted(table.columns.values())[:3]
    if "summary" in table.columns:
        label_cols.append(table.columns["summary"])
    r = table.first_data_row
    end = len(sheet.rows)
    header_keys = {c: norm_header(t) for c, t in table.headers.items()}
    while r < len(sheet.rows):
        row = sheet.rows[r]
        # only text cells can be a footer, a sum word or a header; a number
        # stands as "\0" (faster than formatting every number of a big sheet)
        texts = ["" if c is None else (str(c.value).strip() if c.kind == "s" else "\0") for c in row]
        if not any(texts):
            r += 1
            continue
        first = next((t for t in texts if t), "")
        if FOOTER.match(first.replace(" ", "")) and not _looks_like_data(table, texts):
            end = r
            break
        words = [texts[c] for c in label_cols if c < len(texts)] + texts[:2]
        word = next((w.replace(" ", "") for w in words if w and SUM_WORDS.match(w.replace(" ", ""))), None)
        vc = table.columns.get("voucher")
        if word and vc is not None and vc < len(texts) and texts[vc]:
            word = None  # a ledger line whose summary starts with 合计 is still a line
        if word:
            sums.append((r, word))
            r += 1
            continue
        filled = [t for t in texts if t]
        # a header has no numbers and few digits; data rows have both
        if "\0" in filled or sum(any(ch.isdigit() for ch in t) for t in filled) * 2 > len(filled):
            data.append(r)
            r += 1
            continue
        same = sum(1 for c, key in header_keys.items() if c < len(texts) and norm_header(texts[c]) == key)
        known = sum(1 for t in filled if mapping.field_of(t))
        if same >= 2 or (known >= 2 and known * 2 >= len(filled)):
            if r == table.first_data_row and same == len(header_keys):
                # a header over two rows whose merged cells repeat: the first is used
                r += 1
                table.first_data_row = r
                continue
            sink.add(
                "header-repeated",
                f"第 {r + 1} 行又是一行表头（第一行表头在第 {table.header_row + 1} 行）：一张工作表只能有一个表格、一行表头。"
                "如果是两行合并的表头，请合并成一行；如果是两张表，请分到两个工作表",
                sheet.name,
                r,
            )
            r += 1
            continue
        data.append(r)
        r += 1
    return Rows(data, sums, end)


def _looks_like_data(table: Table, texts: list[str]) -> bool:
    """A 经办人 or 日期 column's value can start a data row's first cell."""
    first_col = next((i for i, t in enumerate(texts) if t), 0)
    return first_col in table.columns.values() and len([t for t in texts if t]) >= max(
        3, len(table.columns) // 2
    )


def check_hidden(table: Table, rows: Rows, sink: Sink) -> None:
    sheet = table.sheet
    for r in sorted(sheet.hidden_rows):
        if table.header_row <= r < rows.end and sheet.row_has_data(r):
            sink.add(
                "sheet-hidden",
                f"第 {r + 1} 行被隐藏（或被筛选掉了）：打印出来的表和导入的数据会不一样。请取消隐藏或筛选，"
                "确认这一行该不该公开后再导入",
                sheet.name,
                r,
            )
    for c in sorted(sheet.hidden_cols):
        if c in table.columns.values():
            sink.add(
                "sheet-hidden",
                f"“{table.headers.get(c, '')}”列被隐藏：打印出来的表和导入的数据会不一样。请取消隐藏后再导入",
                sheet.name,
                table.header_row,
                c,
            )
