"""``cunwu export``: a village's month, or the township's, as one .xlsx for the township office.

One sheet per disclosure of the month (the finance statement whose period
ends in it, the rosters of the month, the notices dated in it), after a
cover sheet (目录) that lists them with their status and version stamp.
What goes in is what the site shows: masked ID numbers only (the sources
hold nothing else, and the linkage sidecar is never read), totals and
balances as values, never formulas, and the version stamp on each sheet
(in the cells below the table and in the printed footer), so a printed
sheet can be matched with the poster and the page.

The sheets are shaped so that ``cunwu import`` reads them back: a statement
as a ledger (the 期初余额 row, one row per movement with its running
balance, transfers and pass-through as the rows a 明细账 has, the 本期合计
row), a roster with its row keys in the 户号 column. tests/test_onboarding.py
imports an export and compares the result with the source with the
semantic diff.

The workbook is written outside the site (``build/export/<month>/`` by
default) and only after the privacy scan has read every cell of it.
"""

from __future__ import annotations

import datetime as dt
import re
import time
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from ..errors import UsageError, ValidationFailed
from ..kinds import KINDS
from ..load.document import Doc
from ..model.types import Period
from ..sources import find_root
from .xlsxout import Book, checked_write, column_width

ZERO = Decimal("0")


@dataclass
class ExportOptions:
    project: Path = Path(".")
    month: str = ""
    #: one village; None for the whole township
    village: str | None = None
    #: the .xlsx to write (default build/export/<month>/<name><month>村务公开.xlsx)
    out: Path | None = None


@dataclass
class ExportResult:
    path: Path
    #: one line per sheet: its name, what it holds, its stamp
    sheets: list[str] = field(default_factory=list)
    seconds: float = 0.0


_STATUS = {"approved": "已审核公开", "draft": "草稿（未公开）"}


def _zh_date(d: Any) -> str:
    return f"{d.year}年{d.month}月{d.day}日"


def _sheet_name(wanted: str, used: set[str]) -> str:
    name = re.sub(r"[\[\]:*?/\\]", "", wanted).strip()[:31]
    base, n = name, 2
    while name in used:
        suffix = f"（{n}）"
        name = base[: 31 - len(suffix)] + suffix
        n += 1
    used.add(name)
    return name


def export_month(opts: ExportOptions) -> ExportResult:
    """Write the month's workbook; raises ValidationFailed when the sources have errors."""
    t0 = time.perf_counter()
    try:
        period = Period.parse(opts.month)
    except ValueError:
        period = None
    if period is None or period.is_quarter:
        raise UsageError(f"--month 应写成 YYYY-MM，如 2026-10：{opts.month}")
    from ..commands.validate import load_project

    root = find_root(Path(opts.project))
    if opts.village is not None and not (root / "villages" / opts.village / "village.yaml").is_file():
        raise UsageError(f"没有这个村：villages/{opts.village}/village.yaml 不存在")
    project = load_project(root, only={opts.village} if opts.village else None, history=False)
    if project.report.errors:
        raise ValidationFailed(project.report, "校验未通过，没有导出。")
    ctx = project.township
    month = str(period)
    picked: list[tuple[Any, Doc]] = []
    for vid in sorted(project.villages):
        bundle = project.villages[vid]
        for d in bundle.disclosures():
            if d.spec.scope == "village" and KINDS[d.kind].month(d.model) == month:
                picked.append((bundle, d))
    where = project.villages[opts.village].village.name if opts.village else ctx.config.township.name
    if not picked:
        raise UsageError(f"{where}{period.label}没有财务公开、补贴名单、公告、预算或决算，没有导出")
    title = f"{where}{period.label}村务公开"
    book = Book(title)
    used: set[str] = {"目录"}
    cover = book.wb.add_worksheet("目录")
    result = ExportResult(path=Path())
    rows: list[list[str]] = []
    for bundle, d in picked:
        vname = bundle.village.name
        prefix = "" if opts.village else f"{vname} "
        if d.kind == "finance":
            name = _sheet_name(f"{prefix}财务 {d.key}", used)
            what = f"{vname}{d.model.period.label}财务公开"
            _finance_sheet(book, name, vname, d, ctx)
        elif d.kind == "subsidy":
            program = ctx.programs.get(d.model.program)
            pname = program.name if program is not None else d.model.program
            name = _sheet_name(f"{prefix}{pname} {d.model.period}", used)
            what = f"{vname}{d.model.period.label}{pname}名单（{len(d.model.recipients)} 人）"
            _roster_sheet(book, name, vname, d, program)
        elif d.kind == "budget":
            name = _sheet_name(f"{prefix}预算 {d.key}", used)
            what = f"{vname}{d.key}年度预算" + (
                f"（调整 {len(d.model.adjustments)} 次）" if d.model.adjustments else ""
            )
            _budget_sheet(book, name, vname, d, ctx)
        elif d.kind == "yearend":
            name = _sheet_name(f"{prefix}决算 {d.key}", used)
            what = f"{vname}{d.key}年度决算"
            _yearend_sheet(book, name, vname, d, ctx)
        else:
            name = _sheet_name(f"{prefix}公告 {d.model.date} {d.model.slug}", used)
            what = f"{vname}公告：{d.model.title}"
            _notice_sheet(book, name, d)
        approved = d.model.approved_on.isoformat() if d.model.approved_on else ""
        rows.append([name, what, _STATUS[d.model.status], approved, d.stamp])
        result.sheets.append(f"{name}：{what}，{_STATUS[d.model.status]}，版本号 {d.stamp}")
    _cover(book, cover, title, rows)
    out = Path(opts.out) if opts.out else root / "build" / "export" / month / f"{_file_part(title)}.xlsx"
    if out.resolve().is_relative_to((root / "build" / "site").resolve()):
        raise UsageError("导出的表格不能写在网站文件夹 build/site 里：请换一个位置（默认是 build/export/）")
    allowed = ctx.official_numbers()
    for bundle, _d in picked:
        allowed += bundle.village.official_numbers()
    checked_write(book.close(), out, allowed)
    result.path = out
    result.seconds = time.perf_counter() - t0
    return result


def _file_part(text: str) -> str:
    return re.sub(r'[\\/:*?"<>|\s]+', "", text)


def _cover(book: Book, ws: Any, title: str, rows: list[list[str]]) -> None:
    f = book.f
    heads = ["工作表", "内容", "状态", "审核公开日期", "版本号"]
    ws.merge_range(0, 0, 0, len(heads) - 1, title, f["title"])
    ws.set_row(0, 30)
    ws.merge_range(
        1,
        0,
        1,
        len(heads) - 1,
        "由 cunwu export 从村务公开资料导出：身份证号均已脱敏，金额和合计都是数值。版本号与网站页面、张贴版上的一致。",
        f["sub"],
    )
    for i, h in enumerate(heads):
        ws.write_string(3, i, h, f["header"])
        ws.set_column(i, i, column_width([h, *(r[i] for r in rows)], least=10, most=60))
    for k, r in enumerate(rows):
        for i, v in enumerate(r):
            ws.write_string(4 + k, i, v, f["plain"])
    ws.activate()


def _footer(book: Book, ws: Any, r: int, ncols: int, lines: list[str], stamp: str) -> None:
    f = book.f
    for line in lines:
        if ncols > 1:
            ws.merge_range(r, 0, r, ncols - 1, line, f["note"])
        else:
            ws.write_string(r, 0, line, f["note"])
        ws.set_row(r, 18 * max(1, len(line) // 60 + 1))
        r += 1
    ws.set_footer(f"&L版本号 {stamp}&R第 &P 页，共 &N 页")
    ws.set_landscape()
    ws.set_paper(9)
    ws.fit_to_pages(1, 0)


def _status_line(d: Doc) -> str:
    m = d.model
    parts = [f"版本号：{d.stamp}", f"状态：{_STATUS[m.status]}"]
    if m.approved_on:
        parts.append(f"审核公开日期：{m.approved_on}")
    notice = getattr(m, "notice", None)
    if notice is not None:
        parts.append(f"公示期：{notice.start} 至 {notice.end}")
    return "说明：" + "；".join(parts)


def _corrections(d: Doc) -> list[str]:
    return [f"更正（{c.date}）：{c.reason}" for c in d.model.corrections]


def _write_row(ws: Any, r: int, values: list[tuple[Any, str]], book: Book) -> None:
    for c, (v, fmt) in enumerate(values):
        if v is None or v == "":
            ws.write_blank(r, c, None, book.f[fmt])
        elif isinstance(v, dt.date):
            ws.write_datetime(r, c, dt.datetime.combine(v, dt.time()), book.f["date"])
        elif isinstance(v, Decimal):
            ws.write_number(r, c, float(v), book.f[fmt])
        elif isinstance(v, int):
            ws.write_number(r, c, v, book.f[fmt])
        else:
            ws.write_string(r, c, str(v), book.f[fmt])


# ---------------------------------------------------------------- finance

LEDGER_HEADS = [
    ("日期", 12),
    ("凭证号", 10),
    ("科目编码", 10),
    ("科目名称", 16),
    ("摘要", 40),
    ("收入金额（元）", 14),
    ("支出金额（元）", 14),
    ("余额（元）", 15),
    ("经办人", 10),
    ("审批人", 10),
]


def ledger_rows(st: Any, accounts: dict[str, Any]) -> list[dict[str, Any]]:
    """The statement as the rows of a cash-and-bank journal, in voucher order:
    income and expense lines, each transfer as its two rows (cash and bank),
    pass-through as a row in and a row out."""

    def name_of(code: str) -> str:
        acc = accounts.get(code)
        return acc.name if acc is not None else ""

    rows: list[dict[str, Any]] = []
    for ln in st.income:
        rows.append(_entry(ln, ln.account, name_of(ln.account), ln.amount, ZERO))
    for ln in st.expense:
        rows.append(_entry(ln, ln.account, name_of(ln.account), ZERO, ln.amount))
    for t in st.transfers:
        cash, bank = ("101", "102")
        first, second = (bank, cash) if t.direction == "cash_to_bank" else (cash, bank)
        # seen from the journal: the first row's money goes out, the second's comes in
        rows.append(_entry(t, first, name_of(first), ZERO, t.amount, sub=0))
        rows.append(_entry(t, second, name_of(second), t.amount, ZERO, sub=1))
    for p in st.pass_through:
        if p.received:
            rows.append(_entry(p, "211", "应付款（代收代付）", p.received, ZERO, sub=0))
        if p.paid:
            rows.append(_entry(p, "211", "应付款（代收代付）", ZERO, p.paid, sub=1))
    first_day: dict[str, Any] = {}
    for row in rows:
        first_day[row["voucher"]] = min(first_day.get(row["voucher"], row["date"]), row["date"])
    rows.sort(key=lambda x: (first_day[x["voucher"]], x["voucher"], x["line"], x["sub"]))
    return rows


def _entry(ln: Any, code: str, name: str, debit: Decimal, credit: Decimal, sub: int = 0) -> dict[str, Any]:
    return {
        "date": ln.date,
        "voucher": ln.voucher,
        "line": ln.line,
        "sub": sub,
        "code": code,
        "name": name,
        "summary": ln.summary,
        "debit": debit,
        "credit": credit,
        "handler": getattr(ln, "handler", None) or "",
        "approver": getattr(ln, "approver", None) or "",
    }


def _finance_sheet(book: Book, name: str, vname: str, d: Doc, ctx: Any) -> None:
    st = d.model
    ws = book.wb.add_worksheet(name)
    f = book.f
    n = len(LEDGER_HEADS)
    title = st.title or f"{vname}{st.period.label}财务公开"
    ws.merge_range(0, 0, 0, n - 1, title, f["title"])
    ws.set_row(0, 30)
    ws.merge_range(1, 0, 1, n - 1, "单位：元", f["sub"])
    header = 2
    for i, (h, w) in enumerate(LEDGER_HEADS):
        ws.write_string(header, i, h, f["header"])
        ws.set_column(i, i, w)
    rows = ledger_rows(st, ctx.accounts)
    r = header + 1
    _write_row(
        ws,
        r,
        [("", "plain")] * 4
        + [("期初余额", "plain"), ("", "money"), ("", "money")]
        + [(st.opening_balance, "money"), ("", "plain"), ("", "plain")],
        book,
    )
    balance = st.opening_balance
    debit = credit = ZERO
    for row in rows:
        r += 1
        balance = balance + row["debit"] - row["credit"]
        debit += row["debit"]
        credit += row["credit"]
        _write_row(
            ws,
            r,
            [
                (row["date"], "date"),
                (row["voucher"], "text"),
                (row["code"], "text"),
                (row["name"], "plain"),
                (row["summary"], "plain"),
                (row["debit"] or "", "money"),
                (row["credit"] or "", "money"),
                (balance, "money"),
                (row["handler"], "plain"),
                (row["approver"], "plain"),
            ],
            book,
        )
    r += 1
    _write_row(
        ws,
        r,
        [("", "bold")] * 4
        + [("本期合计", "bold"), (debit, "money_bold"), (credit, "money_bold"), (balance, "money_bold")]
        + [("", "bold")] * 2,
        book,
    )
    ws.freeze_panes(header + 1, 0)
    ws.repeat_rows(header)
    so = st.signoff
    lines = [
        _status_line(d),
        f"期初余额 {st.opening_balance:,.2f} 元；本期收入合计 {st.totals.income:,.2f} 元；"
        f"本期支出合计 {st.totals.expense:,.2f} 元；期末余额 {st.closing_balance:,.2f} 元"
        + (f"；代收代付净额 {st.pass_net:,.2f} 元" if st.pass_through else "")
        + "。现金与银行之间的划转、代收代付不计入收支。",
        f"报账员：{so.handler}　村务监督委员会：{'、'.join(so.oversight)}　审批人：{so.approver}"
        + (f"　记账会计：{so.accountant}" if so.accountant else ""),
        *_corrections(d),
    ]
    if st.note:
        lines.append(f"备注：{st.note}")
    _footer(book, ws, r + 2, n, lines, d.stamp)


# ---------------------------------------------------------------- rosters

_EXTRA = {
    "people": ("家庭人口", "int"),
    "start": ("起始月份", "text"),
    "category": ("类别", "plain"),
    "grade": ("等级", "plain"),
    "area": ("面积（亩）", "qty"),
    "rate": ("补贴标准（元/亩）", "qty"),
}


def _roster_sheet(book: Book, name: str, vname: str, d: Doc, program: Any) -> None:
    r_ = d.model
    ws = book.wb.add_worksheet(name)
    f = book.f
    extra = [c for c in (program.columns if program is not None else []) if c in _EXTRA]
    for c in ("category", "grade", "people", "start", "area"):
        if c not in extra and any(getattr(x, c) is not None for x in r_.recipients):
            extra.append(c)
    if program is not None and program.calc == "area_rate" and "rate" not in extra:
        extra.append("rate")
    heads = ["序号", "户号（行标识）", "姓名", "组别", "身份证号码（脱敏）"]
    heads += [_EXTRA[c][0] for c in extra] + ["发放金额（元）", "备注"]
    n = len(heads)
    pname = program.name if program is not None else r_.program
    title = r_.title or f"{vname}{r_.period.label}{pname}发放名单"
    ws.merge_range(0, 0, 0, n - 1, title, f["title"])
    ws.set_row(0, 30)
    ws.merge_range(1, 0, 1, n - 1, "单位：元", f["sub"])
    header = 2
    for i, h in enumerate(heads):
        ws.write_string(header, i, h, f["header"])
    r = header
    for k, rec in enumerate(r_.recipients, 1):
        r += 1
        values: list[tuple[Any, str]] = [
            (k, "int"),
            (rec.key, "text"),
            (rec.name, "plain"),
            (rec.group, "plain"),
            (rec.id_masked or "", "text"),
        ]
        for c in extra:
            v = getattr(rec, c)
            if c == "rate" and v is None:
                v = r_.rate
            if c == "start" and v is not None:
                v = str(v)
            values.append((v if v is not None else "", _EXTRA[c][1]))
        values += [(rec.amount, "money"), (rec.note or "", "plain")]
        _write_row(ws, r, values, book)
    r += 1
    _write_row(
        ws, r, [("合计", "bold")] + [("", "bold")] * (n - 3) + [(r_.total, "money_bold"), ("", "bold")], book
    )
    for i, h in enumerate(heads):
        col = [getattr(rec, "name", "") for rec in r_.recipients] if i == 2 else []
        ws.set_column(i, i, column_width([h, *col], least=8, most=40) if i != 4 else 22)
    ws.freeze_panes(header + 1, 0)
    ws.repeat_rows(header)
    notice = r_.notice
    lines = [
        _status_line(d),
        f"公示时间：{_zh_date(notice.start)}至{_zh_date(notice.end)}",
        f"发放标准：{r_.standard}",
        "监督电话：" + "；".join(f"{p.label} {p.number}" for p in r_.supervision),
    ]
    if r_.signoff is not None:
        so = r_.signoff
        lines.append(f"制表人：{so.handler}　审核人：{'、'.join(so.oversight)}　负责人：{so.approver}")
    lines += _corrections(d)
    if r_.note:
        lines.append(f"备注：{r_.note}")
    _footer(book, ws, r + 2, n, lines, d.stamp)


# ---------------------------------------------------------------- notices


def _notice_sheet(book: Book, name: str, d: Doc) -> None:
    m = d.model
    ws = book.wb.add_worksheet(name)
    f = book.f
    ws.set_column(0, 0, 100)
    ws.write_string(0, 0, m.title, f["title"])
    ws.set_row(0, 30)
    meta = f"日期：{m.date}　类别：{m.kind}" + (f"　专项：{m.topic}" if m.topic else "")
    ws.write_string(1, 0, meta, f["sub"])
    r = 3
    for line in (d.body or "").strip().splitlines():
        ws.write_string(r, 0, line, f["wrap"])
        r += 1
    lines = [_status_line(d), *_corrections(d)]
    _footer(book, ws, r + 1, 1, lines, d.stamp)


# ---------------------------------------------------------------- budgets and year-end accounts


def _account_name(ctx: Any, code: str) -> str:
    acc = ctx.accounts.get(code) or (ctx.accounts.get(code[:3]) if len(code) == 5 else None)
    return acc.name if acc is not None else ""


def _plan_sheet(
    book: Book, name: str, title: str, heads: list[tuple[str, int]], rows: list[list[Any]]
) -> Any:
    ws = book.wb.add_worksheet(name)
    f = book.f
    n = len(heads)
    ws.merge_range(0, 0, 0, n - 1, title, f["title"])
    ws.set_row(0, 30)
    ws.merge_range(1, 0, 1, n - 1, "单位：元", f["sub"])
    header = 2
    for i, (h, w) in enumerate(heads):
        ws.write_string(header, i, h, f["header"])
        ws.set_column(i, i, w)
    r = header
    for row in rows:
        r += 1
        bold = str(row[0]).endswith("合计")
        _write_row(
            ws,
            r,
            [
                (
                    v,
                    ("money_bold" if bold else "money")
                    if isinstance(v, Decimal)
                    else ("bold" if bold else "text"),
                )
                for v in row
            ],
            book,
        )
    ws.freeze_panes(header + 1, 0)
    ws.repeat_rows(header)
    return ws, r


def _budget_sheet(book: Book, name: str, vname: str, d: Doc, ctx: Any) -> None:
    """One row per account: the original amount and the amount after each adjustment."""
    m = d.model
    stages = [m.plan(i) for i in range(len(m.adjustments) + 1)]
    heads = [("类别", 8), ("科目编码", 10), ("科目名称", 16), ("年初预算（元）", 15)]
    heads += [(f"第{i}次调整后（元）", 15) for i in range(1, len(stages))]
    rows: list[list[Any]] = []
    for section, zh in (("income", "收入"), ("expense", "支出")):
        codes = sorted({c for st in stages for c in st[section]})
        for code in codes:
            rows.append([zh, code, _account_name(ctx, code), *(st[section].get(code, "") for st in stages)])
        rows.append([f"{zh}合计", "", "", *(sum(st[section].values(), ZERO) for st in stages)])
    ws, r = _plan_sheet(book, name, m.title or f"{vname}{m.year}年度预算", heads, rows)
    so = m.signoff
    lines = [_status_line(d)]
    if m.resolution_date:
        lines.append(f"{m.resolution_date} 经村民（代表）会议通过（四议两公开）")
    lines += [
        f"第{i}次预算调整（{a.date} 公开，{a.resolution_date} 经村民（代表）会议通过）：{a.reason}"
        for i, a in enumerate(m.adjustments, 1)
    ]
    lines.append(f"编制：{so.handler}　村务监督委员会：{'、'.join(so.oversight)}　审批人：{so.approver}")
    lines += _corrections(d)
    if m.note:
        lines.append(f"备注：{m.note}")
    _footer(book, ws, r + 2, len(heads), lines, d.stamp)


def _yearend_sheet(book: Book, name: str, vname: str, d: Doc, ctx: Any) -> None:
    m = d.model
    heads = [("类别", 8), ("科目编码", 10), ("科目名称", 16), ("决算金额（元）", 15), ("说明", 40)]
    rows: list[list[Any]] = []
    for section, zh in (("income", "收入"), ("expense", "支出")):
        for ln in getattr(m, section):
            rows.append([zh, ln.account, _account_name(ctx, ln.account), ln.amount, ln.note or ""])
        rows.append([f"{zh}合计", "", "", getattr(m.totals, section), ""])
    ws, r = _plan_sheet(book, name, m.title or f"{vname}{m.year}年度决算", heads, rows)
    so = m.signoff
    lines = [
        _status_line(d),
        f"年初余额 {m.opening_balance:,.2f} 元；全年收入 {m.totals.income:,.2f} 元；全年支出 {m.totals.expense:,.2f} 元；"
        + (f"代收代付净额 {m.pass_through_net:,.2f} 元；" if m.pass_through_net else "")
        + f"年末余额 {m.closing_balance:,.2f} 元。",
        f"编制：{so.handler}　村务监督委员会：{'、'.join(so.oversight)}　审批人：{so.approver}",
        *_corrections(d),
    ]
    if m.note:
        lines.append(f"备注：{m.note}")
    _footer(book, ws, r + 2, len(heads), lines, d.stamp)
