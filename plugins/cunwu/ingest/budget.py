"""A year's budget from a sheet, and the sheet to fill in: ``cunwu template
budget`` and ``cunwu import FILE --kind budget``.

The sheet has one row per account: 类别 (收入 or 支出; optional, the chart
of accounts says it otherwise), 科目编码, 科目名称 (read for people, not
used), 预算金额（元）, 说明. The table ends at its 合计 rows or the signature
block (制表人、审核人、负责人), whose names become the sign-off.

The import writes a new budget, or replaces a draft one, as a draft: the
approval (四议两公开) is entered by hand. An approved budget is never
replaced by an import: an adjustment is a new entry of ``adjustments`` with
its own resolution, typed in the file (docs/format.md).
"""

from __future__ import annotations

import re
from decimal import Decimal
from pathlib import Path
from typing import Any

from ..load.sheets.display import plain_text
from ..load.sheets.read import Sheet, Workbook
from .build import PLACEHOLDER, money, signature
from .cells import CellError
from .cells import money as cell_money
from .sink import Sink
from .write import render

#: the header words of each column, first the one the template writes
HEADS: dict[str, tuple[str, ...]] = {
    "section": ("类别", "收支类别", "收支"),
    "account": ("科目编码", "科目代码", "会计科目编码", "科目号"),
    "name": ("科目名称",),
    "amount": ("预算金额（元）", "预算金额", "预算数", "金额（元）", "金额"),
    "note": ("说明", "备注", "用途"),
}
_SECTION = {"收入": "income", "支出": "expense"}
_END = re.compile(r"^\s*(合计|总计|收入合计|支出合计|制表人|审核人|负责人|说明[:：])")


def _field(text: str) -> str | None:
    t = re.sub(r"\s+", "", text).replace("(", "（").replace(")", "）")
    for f, words in HEADS.items():
        if t in words:
            return f
    return None


def find_header(sheet: Sheet) -> tuple[int, dict[str, int]] | None:
    """The header row of a budget sheet and its columns, or None."""
    for r in range(min(len(sheet.rows), 12)):
        cols: dict[str, int] = {}
        for c, cell in enumerate(sheet.rows[r]):
            f = _field(plain_text(cell)) if cell is not None else None
            if f is not None and f not in cols:
                cols[f] = c
        if "account" in cols and "amount" in cols:
            return r, cols
    return None


def year_of(text: str) -> int | None:
    years = set(re.findall(r"(?<![0-9])(20[0-9]{2})(?![0-9])", text))
    return int(years.pop()) if len(years) == 1 else None


def build_budget(
    root: Path,
    vid: str,
    ctx: Any,
    wb: Workbook,
    sheet_name: str | None,
    year: int | None,
    context: str,
    sink: Sink,
) -> tuple[str, str] | None:
    """(target path, YAML text) of the budget in ``wb``, or None with the problems in ``sink``."""
    sheets = [s for s in wb.sheets if not s.hidden and (sheet_name is None or s.name == sheet_name)]
    found = [(s, h) for s in sheets if (h := find_header(s)) is not None]
    if not found:
        sink.add(
            "sheet-kind",
            "没有找到预算表的表头：至少要有“科目编码”和“预算金额（元）”两列（cunwu template budget 生成的模板就是这样）",
        )
        return None
    if len(found) > 1:
        names = "、".join(f"“{s.name}”" for s, _ in found)
        sink.add("sheet-kind", f"有 {len(found)} 个工作表都像预算表（{names}）：请用 --sheet 指定一个")
        return None
    sheet, (header, cols) = found[0]
    title = " ".join(plain_text(c) for row in sheet.rows[:header] for c in row if c is not None)
    if year is None:
        year = year_of(f"{context} {title}")
    if year is None:
        sink.add(
            "sheet-kind",
            "从文件名和标题看不出是哪一年的预算：请用 --period 指定年份，如 --period 2026",
            sheet.name,
        )
        return None
    lines: dict[str, list[dict[str, Any]]] = {"income": [], "expense": []}
    seen: dict[tuple[str, str], int] = {}
    footer: list[str] = []
    r = header + 1
    while r < len(sheet.rows):
        row = sheet.rows[r]
        texts = [plain_text(c).strip() if c is not None else "" for c in row]
        first = next((t for t in texts if t), "")
        if first and _END.match(first):
            footer = [" ".join(t for t in rr_texts if t) for rr_texts in _texts(sheet.rows[r:])]
            break
        idx, r = r, r + 1
        code = texts[cols["account"]] if cols["account"] < len(texts) else ""
        if not code:
            continue
        code = code.split()[0]  # "513 管理费用" from a drop-down
        where = (sheet.name, idx, cols["account"])
        if not re.fullmatch(r"[1-9][0-9]{2}(?:[0-9]{2})?", code):
            sink.add("code-format", f"科目编码应为 3 位或 5 位数字，如 513 或 51301；实际为 “{code}”", *where)
            continue
        acc = ctx.accounts.get(code) or (ctx.accounts.get(code[:3]) if len(code) == 5 else None)
        section = None
        if "section" in cols and cols["section"] < len(texts) and texts[cols["section"]]:
            section = _SECTION.get(texts[cols["section"]])
            if section is None:
                sink.add(
                    "invalid-choice",
                    f"类别应为“收入”或“支出”，实际为 “{texts[cols['section']]}”",
                    sheet.name,
                    idx,
                    cols["section"],
                )
                continue
        elif acc is not None and acc.kind in ("income", "expense"):
            section = acc.kind
        if acc is None:
            sink.add("unknown-account", f"会计科目 {code} 不在科目表中", *where)
            continue
        if section is not None and acc.kind != section:
            zh = "收入" if section == "income" else "支出"
            sink.add(
                "account-kind-mismatch", f"类别写的是{zh}，但科目 {code} {acc.name} 不是{zh}类科目", *where
            )
            continue
        if section is None:
            sink.add(
                "account-kind-mismatch",
                f"科目 {code} {acc.name} 既不是收入类也不是支出类科目，不能列入预算",
                *where,
            )
            continue
        if (section, code) in seen:
            sink.add(
                "duplicate-id",
                f"科目 {code} 在第 {seen[(section, code)]} 行已经有了，每个科目只写一行",
                *where,
            )
            continue
        seen[(section, code)] = idx + 1
        cell = row[cols["amount"]] if cols["amount"] < len(row) else None
        if cell is None or not plain_text(cell).strip():
            sink.add("missing-field", f"科目 {code} 没有填预算金额", sheet.name, idx, cols["amount"])
            continue
        try:
            amount, _note, warning = cell_money(cell, "预算金额")
        except CellError as exc:
            sink.add(exc.code, exc.message, sheet.name, idx, cols["amount"])
            continue
        if warning:
            sink.add("value-normalised", warning, sheet.name, idx, cols["amount"], severity="warning")
        line: dict[str, Any] = {"account": code, "amount": money(amount)}
        note = texts[cols["note"]] if "note" in cols and cols["note"] < len(texts) else ""
        if note:
            line["note"] = note
        lines[section].append(line)
    if sink.errors:
        return None
    if not lines["income"] and not lines["expense"]:
        sink.add("sheet-kind", "预算表里没有任何科目行", sheet.name)
        return None
    rel = f"villages/{vid}/budget/{year}.yaml"
    target = root / rel
    if target.is_file():
        from .options import raw_doc

        old = raw_doc(target)
        if old is None or old.get("status") != "draft":
            sink.add(
                "sheet-kind",
                f"{rel} 已经审核公开（或无法读取），不能用导入覆盖：年中调整预算须经四议两公开，"
                "在这个文件的 adjustments 中新增一条（日期、决议日期、原因、调整后的金额），见 docs/format.md",
            )
            return None
    sig = signature(" ".join(footer))
    total = {k: sum((Decimal(str(x["amount"])) for x in v), Decimal(0)) for k, v in lines.items()}
    doc: dict[str, Any] = {
        "year": str(year),
        "status": "draft",
        "income": lines["income"],
        "expense": lines["expense"],
        "totals": {"income": money(total["income"]), "expense": money(total["expense"])},
        "signoff": {
            "handler": sig.get("handler", PLACEHOLDER),
            "oversight": [sig.get("oversight", PLACEHOLDER)],
            "approver": sig.get("approver", PLACEHOLDER),
        },
    }
    return rel, render(doc, "../../../schemas/budget.schema.json", flow_keys={"income", "expense", "totals"})


def _texts(rows: list[list[Any]]) -> list[list[str]]:
    return [[plain_text(c).strip() if c is not None else "" for c in row] for row in rows]
