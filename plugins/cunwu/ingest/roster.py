"""Roster sheets (低保、特困、高龄、残疾人补贴、耕地地力补贴 ...) → recipients."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal

from ..load.sheets.read import Cell
from ..model.types import round_fen
from ..privacy import scan
from . import cells
from .cells import CellError, IdValue
from .columns import FIELD_ZH, Table, periods_in
from .linkage import linkage_key
from .sink import Sink
from .table import Rows


@dataclass
class RosterRow:
    row: int
    name: str
    group: str
    id: IdValue | None
    household: str | None
    amount: Decimal
    link: str | None = None
    people: int | None = None
    area: Decimal | None = None
    rate: Decimal | None = None
    category: str | None = None
    grade: str | None = None
    start: str | None = None
    note: str | None = None
    key: str = ""


@dataclass
class RosterSheet:
    rows: list[RosterRow] = field(default_factory=list)
    total: Decimal = Decimal("0")
    rate: Decimal | None = None
    linkage_made: int = 0


def _cell(table: Table, r: int, f: str) -> Cell | None:
    c = table.columns.get(f)
    return table.sheet.cell(r, c) if c is not None else None


def _filled(table: Table, r: int, f: str) -> Cell | None:
    """The cell of field ``f`` in row ``r`` if it holds something, else None."""
    cell = _cell(table, r, f)
    return None if cell is None or cell.is_blank() else cell


def read_roster(
    table: Table,
    rows: Rows,
    sink: Sink,
    program,
    mask_style: str,
    secret: bytes | None,
) -> RosterSheet:
    out = RosterSheet()
    sheet = table.sheet.name
    columns = set(program.columns) if program is not None else set()
    area_rate = program is not None and program.calc == "area_rate"
    header = table.headers

    def err(exc: CellError, r: int, f: str) -> None:
        sink.add(exc.code, f"{FIELD_ZH[f]}：{exc.message}", sheet, r, table.columns.get(f))

    def text_field(r: int, f: str, name_like: bool = False) -> str | None:
        cell = _filled(table, r, f)
        if cell is None:
            return None
        try:
            value, note = (cells.clean_name if name_like else cells.clean_text)(cell)
        except CellError as exc:
            err(exc, r, f)
            return None
        if note:
            sink.note("cell-normalised", sheet, r, table.columns[f], header[table.columns[f]], note)
        for finding in scan(value):
            sink.add(
                finding.code,
                f"{FIELD_ZH[f]}中有疑似{finding.label} {finding.masked}：名单上只能写脱敏号码，请删除后再导入",
                sheet,
                r,
                table.columns[f],
            )
            return None
        return value or None

    for r in rows.data:
        name = text_field(r, "name", name_like=True)
        group = text_field(r, "group") if "group" in table.columns else None
        household = text_field(r, "household", name_like=True) if "household" in table.columns else None
        row_ok = True
        if not name:
            if _filled(table, r, "name") is None:
                sink.add("missing-field", "这一行没有姓名", sheet, r, table.columns["name"])
            row_ok = False
        if "group" in table.columns and not group:
            if _filled(table, r, "group") is None:
                sink.add("missing-field", "这一行没有组别（村民小组）", sheet, r, table.columns["group"])
            row_ok = False
        ident = None
        idc = _filled(table, r, "id_number")
        if idc is not None:
            try:
                ident, note = cells.id_number(idc, mask_style)
                if note:
                    c = table.columns["id_number"]
                    sink.note("cell-normalised", sheet, r, c, header[c], note)
            except CellError as exc:
                err(exc, r, "id_number")
                row_ok = False
        amount = None
        ac = _filled(table, r, "amount")
        if ac is None:
            sink.add("missing-field", "这一行没有金额", sheet, r, table.columns.get("amount"))
            row_ok = False
        else:
            try:
                amount, note, warning = cells.money(ac)
                c = table.columns["amount"]
                if note:
                    sink.note("cell-normalised", sheet, r, c, header[c], "写成了文字，已读作金额", note)
                if warning:
                    sink.note(
                        "money-float-corrected", sheet, r, c, header[c], "有浮点误差，已按分更正", warning
                    )
                if amount <= 0:
                    sink.add("invalid-value", f"金额应大于 0，实为 {amount}", sheet, r, c)
                    row_ok = False
            except CellError as exc:
                err(exc, r, "amount")
                row_ok = False
        row = RosterRow(r, name or "", group or "", ident, household, amount or Decimal("0"))
        pc = _filled(table, r, "people") if "people" in columns else None
        if pc is not None:
            try:
                row.people = cells.integer(pc, "家庭人口")
            except CellError as exc:
                err(exc, r, "people")
                row_ok = False
        sc = _filled(table, r, "start") if "start" in columns else None
        if sc is not None:
            start = None
            if sc.kind == "d":
                start = f"{sc.value.year}-{sc.value.month:02d}"
            else:
                found = periods_in(cells.plain_text(sc).replace(".", "-"))
                start = found[0] if found and "Q" not in found[0] else None
            if start is None:
                sink.add(
                    "invalid-value", "起始月份应写成 2026-10 或 2026年10月", sheet, r, table.columns["start"]
                )
                row_ok = False
            row.start = start
        for f in ("category", "grade"):
            if f in columns and f in table.columns:
                setattr(row, f, text_field(r, f))
        if "note" in table.columns:
            row.note = text_field(r, "note")
        if area_rate:
            for f, what in (("area", "面积"), ("rate", "标准")):
                qc = _filled(table, r, f)
                if qc is None:
                    if f == "area":
                        sink.add(
                            "missing-field",
                            "按面积×标准计算的项目，每一行都要有面积",
                            sheet,
                            r,
                            table.columns.get(f),
                        )
                        row_ok = False
                    continue
                try:
                    setattr(row, f, cells.quantity(qc, what)[0])
                except CellError as exc:
                    err(exc, r, f)
                    row_ok = False
        if ident is not None and ident.full is not None:
            if secret is not None:
                row.link = linkage_key(ident.full, secret)
                out.linkage_made += 1
            ident.full = None  # the full number goes no further than this line
        if row_ok:
            out.rows.append(row)
    if area_rate:
        rates = Counter(r.rate for r in out.rows if r.rate is not None)
        if rates:
            out.rate = rates.most_common(1)[0][0]
        for row in out.rows:
            if row.rate == out.rate:
                row.rate = None
            rate = row.rate if row.rate is not None else out.rate
            if rate is not None and row.area is not None:
                want = round_fen(row.area * rate)
                if want != row.amount:
                    sink.add(
                        "area-rate-mismatch",
                        f"{row.area} 亩 × {rate} = {want}（四舍五入到分），但金额为 {row.amount}",
                        sheet,
                        row.row,
                        table.columns.get("amount"),
                    )
    out.total = sum((r.amount for r in out.rows), Decimal("0"))
    return out


def check_sums(table: Table, rows: Rows, sink: Sink, items, attr: str, col_field: str = "amount") -> None:
    """A 合计/总计 row must equal the sum of the rows above it; a 小计 row
    the rows since the previous 小计 (or the start)."""
    col = table.columns.get(col_field)
    if col is None:
        return
    by_row = sorted(items, key=lambda x: x.row)
    since = table.first_data_row
    for r, word in rows.sums:
        cell = table.sheet.cell(r, col)
        if cell is None or cell.is_blank():
            continue
        try:
            declared, _note, _w = cells.money(cell, "合计")
        except CellError as exc:
            sink.add(exc.code, exc.message, table.sheet.name, r, col)
            continue
        lo = since if word.startswith("小") else table.first_data_row
        actual = sum((getattr(x, attr) for x in by_row if lo <= x.row < r), Decimal("0"))
        if declared != actual:
            sink.add(
                "total-mismatch",
                f"{word}行写的是 {declared:,.2f}，上面各行相加为 {actual:,.2f}（相差 {declared - actual:,.2f}）",
                table.sheet.name,
                r,
                col,
            )
        if word.startswith("小"):
            since = r + 1
