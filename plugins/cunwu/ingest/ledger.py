"""Ledger exports (明细账 / 凭证汇总 of cash and bank) → a finance statement.

The sheet is the journal of the village's money (库存现金 and 银行存款
together): one row per movement, with its date, voucher (凭证字号, kept as
printed: 记-012), the *other* account of the entry (对方科目: code and/or
name), the summary, the debit (money in) or credit (money out) and the
running balance. Each row becomes:

* an income line when the account is an income account (501-504 and
  sub-accounts): amount = debit − credit;
* an expense line for an expense account (511-515, 521): credit − debit;
* a transfer when the account is 101 库存现金 or 102 银行存款 (a cash ↔
  bank move shows as two rows of one voucher; they become one transfer);
* pass-through (代收代付) when the account or summary says 代收/代付/代缴/
  代扣/代发, or the account is listed in ``config/import.yaml``;
* anything else (a fixed asset bought, a loan) cannot be shown in a
  statement: ``ledger-account`` at the cell.

The 期初 row (or the balance before the period's first row) gives the
opening balance; the statement's totals and closing balance are computed and
checked against the sheet's own 本月合计 row and running balance, and
against the village's previous statement.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from decimal import Decimal

from ..model.types import Period
from ..privacy import scan
from . import cells
from .build import PLACEHOLDER, _approval_ok, day, keep, keep_doc, money, sheet_text, signature
from .cells import CellError
from .columns import FIELD_ZH, Mapping, Table
from .options import ImportOptions, ImportResult, raw_doc
from .sink import Sink
from .table import check_hidden, walk
from .write import render

OPENING = re.compile(r"^(期初余额|上月结转|上期结转|上年结转|年初余额|承前页|期初)")
PASS_WORDS = re.compile(r"代收|代付|代缴|代扣|代发|代管")
ZERO = Decimal("0")


@dataclass
class Line:
    row: int
    date: dt.date
    voucher: str
    account: str
    account_name: str
    summary: str
    debit: Decimal
    credit: Decimal
    balance: Decimal | None
    handler: str | None = None
    approver: str | None = None
    kind: str = ""  # income | expense | transfer | pass
    line: int = 1


@dataclass
class LedgerSheet:
    lines: list[Line] = field(default_factory=list)
    opening: Decimal | None = None
    opening_row: int | None = None


def _text(table: Table, r: int, f: str, sink: Sink, name_like=False) -> str:
    c = table.columns.get(f)
    if c is None:
        return ""
    cell = table.sheet.cell(r, c)
    if cell is None or cell.is_blank():
        return ""
    try:
        value, note = (cells.clean_name if name_like else cells.clean_text)(cell)
    except CellError as exc:
        sink.add(exc.code, f"{FIELD_ZH[f]}：{exc.message}", table.sheet.name, r, c)
        return ""
    for finding in scan(value):
        sink.add(
            finding.code,
            f"{FIELD_ZH[f]}中有疑似{finding.label} {finding.masked}：公开资料不能有个人号码，请删除后再导入",
            table.sheet.name,
            r,
            c,
        )
        return ""
    return value


def _money(table: Table, r: int, f: str, sink: Sink) -> Decimal | None:
    c = table.columns.get(f)
    if c is None:
        return None
    cell = table.sheet.cell(r, c)
    if cell is None or cell.is_blank():
        return None
    try:
        d, note, warning = cells.money(cell, FIELD_ZH[f])
    except CellError as exc:
        sink.add(exc.code, exc.message, table.sheet.name, r, c)
        return None
    if note:
        sink.note("cell-normalised", table.sheet.name, r, c, table.headers[c], "写成了文字，已读作金额", note)
    if warning:
        sink.note(
            "money-float-corrected",
            table.sheet.name,
            r,
            c,
            table.headers[c],
            "有浮点误差，已按分更正",
            warning,
        )
    return d


def read_ledger(table: Table, rows, sink: Sink, date1904: bool) -> LedgerSheet:
    out = LedgerSheet()
    sheet = table.sheet.name
    for r in rows.data:
        summary = _text(table, r, "summary", sink)
        voucher_cell = table.sheet.cell(r, table.columns["voucher"]) if "voucher" in table.columns else None
        if OPENING.match(summary.replace(" ", "")) and (voucher_cell is None or voucher_cell.is_blank()):
            out.opening = _money(table, r, "balance", sink)
            out.opening_row = r
            continue
        dc = table.columns.get("date")
        date_cell = table.sheet.cell(r, dc) if dc is not None else None
        if dc is None or date_cell is None or date_cell.is_blank():
            sink.add("missing-field", "这一行没有日期", sheet, r, dc)
            continue
        try:
            when, note = cells.date(date_cell, date1904)
            if note:
                sink.note("cell-normalised", sheet, r, dc, table.headers[dc], note)
        except CellError as exc:
            sink.add(exc.code, exc.message, sheet, r, dc)
            continue
        voucher = ""
        if voucher_cell is not None and not voucher_cell.is_blank():
            try:
                voucher, note = cells.code_text(voucher_cell, "凭证号")
            except CellError as exc:
                sink.add(exc.code, exc.message, sheet, r, table.columns["voucher"])
                continue
        if not voucher:
            sink.add("missing-field", "这一行没有凭证号", sheet, r, table.columns.get("voucher"))
            continue
        account, account_name = "", ""
        ac = table.columns.get("account")
        account_cell = table.sheet.cell(r, ac) if ac is not None else None
        if account_cell is not None:
            try:
                account, _ = cells.code_text(account_cell, "科目")
            except CellError as exc:
                sink.add(exc.code, exc.message, sheet, r, ac)
                continue
        if "account_name" in table.columns:
            account_name = _text(table, r, "account_name", sink)
        m = re.match(r"^([0-9]{3}(?:[0-9]{2})*)\s*[-—_ ]?\s*(.*)$", account)
        if m:
            account, rest = m[1], m[2]
            account_name = account_name or rest
        elif account and not account_name:
            account, account_name = "", account
        if not summary:
            sink.add("missing-field", "这一行没有摘要", sheet, r, table.columns.get("summary"))
            continue
        debit = _money(table, r, "debit", sink) or ZERO
        credit = _money(table, r, "credit", sink) or ZERO
        balance = _money(table, r, "balance", sink)
        if debit and credit:
            sink.add(
                "invalid-value", "同一行借方、贷方都有金额：请分成两行", sheet, r, table.columns.get("credit")
            )
            continue
        if not debit and not credit:
            sink.add("invalid-value", "这一行借方、贷方都没有金额", sheet, r, table.columns.get("debit"))
            continue
        line = Line(r, when, voucher, account, account_name, summary, debit, credit, balance)
        line.handler = _text(table, r, "handler", sink, name_like=True) or None
        line.approver = _text(table, r, "approver", sink, name_like=True) or None
        out.lines.append(line)
    return out


def _resolve_account(line: Line, accounts: dict) -> str | None:
    """The account code of a line: from its code, else by its name in the chart."""
    if line.account:
        return line.account
    name = re.split(r"[-—/\\]", line.account_name)[-1].strip()
    hits = [a.code for a in accounts.values() if a.name in (line.account_name, name)]
    return hits[0] if len(hits) == 1 else None


def _account_kind(code: str, accounts: dict) -> str | None:
    acc = accounts.get(code) or (accounts.get(code[:3]) if len(code) == 5 else None)
    return acc.kind if acc is not None else None


def build_ledger(
    root,
    vid,
    ctx,
    bundle,
    table: Table,
    mapping: Mapping,
    opts: ImportOptions,
    period,
    context,
    sink: Sink,
    result: ImportResult,
    wb,
):
    sheet = table.sheet.name
    cols = table.columns
    for f in ("date", "voucher", "summary"):
        if f not in cols:
            sink.add("column-missing", f"明细账缺少“{FIELD_ZH[f]}”列", sheet, table.header_row)
    if "account" not in cols and "account_name" not in cols:
        sink.add("column-missing", "明细账缺少“科目”（科目编码或科目名称）列", sheet, table.header_row)
    if "debit" not in cols or "credit" not in cols:
        sink.add("column-missing", "明细账要有“借方”和“贷方”两列", sheet, table.header_row)
    if sink.errors:
        return None
    rows = walk(table, mapping, sink)
    check_hidden(table, rows, sink)
    ls = read_ledger(table, rows, sink, False)
    if sink.errors:
        return None
    if not ls.lines:
        sink.add("missing-field", "表头下面没有明细行", sheet, table.header_row)
        return None
    months = sorted({f"{ln.date.year}-{ln.date.month:02d}" for ln in ls.lines})
    if period is None:
        if len(months) == 1:
            period = Period.parse(months[0])
        else:
            sink.add(
                "sheet-kind",
                f"明细账包含 {months[0]} 至 {months[-1]} 几个月：请用 --period 指定导入哪一期（如 {months[-1]}）",
                sheet,
            )
            return None
    result.period = str(period)
    # the running balance before the period: the opening
    opening = ls.opening
    first_day, last_day = period.start, period.end
    before = [ln for ln in ls.lines if ln.date < first_day]
    inside = [ln for ln in ls.lines if first_day <= ln.date <= last_day]
    if not inside:
        sink.add("missing-field", f"明细账中没有 {period.label} 的明细", sheet, table.header_row)
        return None
    running = opening
    for ln in before:
        if ln.balance is not None:
            running = ln.balance
        elif running is not None:
            running = running + ln.debit - ln.credit
    opening = running
    first = inside[0]
    if opening is None and first.balance is not None:
        opening = first.balance - first.debit + first.credit
    prev_doc = max(
        (d for d in bundle.finance if d.model.period < period), key=lambda d: d.model.period, default=None
    )
    defaults: list[str] = []
    if prev_doc is not None and prev_doc.model.period.next() == period:
        prev_close = prev_doc.model.closing_balance
        if opening is None:
            opening = prev_close
            defaults.append(f"期初余额取自上期（{prev_doc.key}）期末余额")
        elif opening != prev_close:
            sink.add(
                "ledger-mismatch",
                f"明细账的期初余额 {opening:,.2f} 与上期（{prev_doc.key}）公开的期末余额 {prev_close:,.2f} 不一致"
                f"（相差 {opening - prev_close:,.2f}）：请核对账目",
                sheet,
                ls.opening_row if ls.opening_row is not None else first.row,
                cols.get("balance"),
            )
    if opening is None:
        sink.add(
            "column-missing",
            "明细账没有期初余额（“期初余额”行或“余额”列），本村也没有上一期的财务公开：请在表中加上期初余额行",
            sheet,
            table.header_row,
        )
        return None
    # classify every line
    accounts = ctx.accounts
    extra_pass = set(mapping.pass_through_accounts)
    for ln in inside:
        code = _resolve_account(ln, accounts)
        ac = cols.get("account", cols.get("account_name"))
        if code is None:
            sink.add(
                "ledger-account",
                f"科目 “{ln.account_name or ln.account}” 不在科目表中，无法判断是收入还是支出：请写科目编码（如 51301）",
                sheet,
                ln.row,
                ac,
            )
            continue
        ln.account = code
        kind = _account_kind(code, accounts)
        if code[:3] in ("101", "102"):
            ln.kind = "transfer"
        elif (
            code in extra_pass
            or code[:3] in extra_pass
            or (kind not in ("income", "expense") and PASS_WORDS.search(ln.summary + ln.account_name))
        ):
            ln.kind = "pass"
        elif kind == "income":
            ln.kind = "income"
        elif kind == "expense":
            ln.kind = "expense"
        else:
            name = accounts[code].name if code in accounts else ln.account_name
            sink.add(
                "ledger-account",
                f"科目 {code} {name} 的收付不属于收入、支出、现金与银行之间的划转或代收代付，财务公开无法列示："
                "请按财务公开的口径调整（或在 config/import.yaml 的 pass_through_accounts 中登记代收代付科目）",
                sheet,
                ln.row,
                ac,
            )
    if sink.errors:
        return None
    # running balance and the sheet's own totals
    bal = opening
    for ln in inside:
        bal = bal + ln.debit - ln.credit
        if ln.balance is not None and ln.balance != bal:
            sink.add(
                "ledger-mismatch",
                f"余额写的是 {ln.balance:,.2f}，按上一行余额加借方减贷方应为 {bal:,.2f}（相差 {ln.balance - bal:,.2f}）",
                sheet,
                ln.row,
                cols.get("balance"),
            )
            bal = ln.balance
            break
    sum_debit = sum((ln.debit for ln in inside), ZERO)
    sum_credit = sum((ln.credit for ln in inside), ZERO)
    for r, word in rows.sums:
        if "累计" in word or ("本月" not in word and "合计" not in word):
            continue
        if len(months) > 1 and "本月" not in word:
            continue
        for f, want in (("debit", sum_debit), ("credit", sum_credit)):
            got = _money(table, r, f, sink)
            if got is not None and got != want:
                sink.add(
                    "ledger-mismatch",
                    f"{word}行的{FIELD_ZH[f]}写的是 {got:,.2f}，本期明细相加为 {want:,.2f}（相差 {got - want:,.2f}）",
                    sheet,
                    r,
                    cols.get(f),
                )
    inside = _pair_passes(inside)
    # voucher lines: (voucher, line) is unique within a statement
    count: dict[str, int] = {}
    for ln in inside:
        if ln.kind == "transfer":
            continue
        count[ln.voucher] = count.get(ln.voucher, 0) + 1
        ln.line = count[ln.voucher]
    transfers = _transfers([ln for ln in inside if ln.kind == "transfer"], count, sink, sheet, cols)
    if sink.errors:
        return None
    income = [ln for ln in inside if ln.kind == "income"]
    expense = [ln for ln in inside if ln.kind == "expense"]
    passes = [ln for ln in inside if ln.kind == "pass"]
    inc_total = sum((ln.debit - ln.credit for ln in income), ZERO)
    exp_total = sum((ln.credit - ln.debit for ln in expense), ZERO)
    pass_net = sum((ln.debit - ln.credit for ln in passes), ZERO)
    closing = opening + inc_total - exp_total + pass_net
    if bal != closing and not sink.errors:
        sink.add(
            "ledger-mismatch",
            f"期末余额按明细计算为 {closing:,.2f}，表中最后的余额为 {bal:,.2f}",
            sheet,
            inside[-1].row,
            cols.get("balance"),
        )
    if sink.errors:
        return None

    target_rel = f"villages/{vid}/finance/{period}.yaml"
    path = root / target_rel
    target = raw_doc(path) if path.is_file() else None
    target_doc = next((d for d in bundle.finance if d.rel == target_rel), None)
    if not _approval_ok(target, target_doc, opts, sink, target_rel):
        return None
    # the previous statement's sign-off, and which statement it is
    prev_sign: dict | None = None
    prev_key = ""
    if prev_doc is not None:
        prev_signoff = (raw_doc(root / prev_doc.rel) or {}).get("signoff")
        if isinstance(prev_signoff, dict):
            prev_sign, prev_key = prev_signoff, prev_doc.key
    base = target or {}
    footer = sheet_text(table, rows.end)
    sig = signature(footer + " " + table.title)
    handler_default = (prev_sign or {}).get("handler") or sig.get("handler")
    approver_default = (prev_sign or {}).get("approver") or sig.get("approver")
    filled = 0
    doc: dict = {"period": str(period)}
    if base.get("title"):
        doc["title"] = base["title"]
    doc["status"] = base.get("status", "draft") if target else "draft"
    if target and target.get("approved_on"):
        doc["approved_on"] = keep(target["approved_on"], "approved_on")
    result.status = str(doc["status"])
    if base.get("notice"):
        doc["notice"] = base["notice"]
    doc["opening_balance"] = money(opening)

    # a sheet cannot carry a line's voucher scans: keep those of the file being
    # replaced, for the line with the same voucher and line number
    scans: dict[tuple[str, str, int], list] = {}
    for section in ("income", "expense"):
        for old in base.get(section) or []:
            if isinstance(old, dict) and old.get("attachments"):
                key = (section, str(old.get("voucher")), int(old.get("line") or 1))
                scans[key] = old["attachments"]

    def ledger_line(ln: Line, amount: Decimal, with_people: bool) -> dict:
        nonlocal filled
        d: dict[str, object] = {"date": day(ln.date), "voucher": ln.voucher}
        if ln.line != 1:
            d["line"] = ln.line
        d["account"] = ln.account
        d["summary"] = ln.summary
        d["amount"] = money(amount)
        if with_people:
            h = ln.handler or handler_default or PLACEHOLDER
            a = ln.approver or approver_default or PLACEHOLDER
            filled += (not ln.handler) + (not ln.approver)
            d["handler"], d["approver"] = h, a
        else:
            if ln.handler:
                d["handler"] = ln.handler
            if ln.approver:
                d["approver"] = ln.approver
        attachments = scans.get(("expense" if with_people else "income", ln.voucher, ln.line))
        if attachments:
            d["attachments"] = keep(attachments)
        return d

    doc["income"] = [ledger_line(ln, ln.debit - ln.credit, False) for ln in income]
    doc["expense"] = [ledger_line(ln, ln.credit - ln.debit, True) for ln in expense]
    doc["transfers"] = transfers
    doc["pass_through"] = [_pass(ln) for ln in passes]
    doc["totals"] = {"income": money(inc_total), "expense": money(exp_total)}
    doc["closing_balance"] = money(closing)
    corrections = list(base.get("corrections") or [])
    if opts.correction:
        corrections.append({"date": opts.today or dt.date.today(), "reason": opts.correction})
    if corrections:
        doc["corrections"] = [
            {
                "date": day(c["date"]) if isinstance(c["date"], dt.date) else keep(c["date"], "date"),
                "reason": c["reason"],
            }
            for c in corrections
        ]
    if base.get("signoff"):
        doc["signoff"] = base["signoff"]
    elif prev_sign:
        doc["signoff"] = prev_sign
        defaults.append(f"签字栏沿用上期（{prev_key}）")
    else:
        doc["signoff"] = {
            "handler": sig.get("handler", PLACEHOLDER),
            "oversight": [sig.get("oversight", PLACEHOLDER)],
            "approver": sig.get("approver", PLACEHOLDER),
        }
        defaults.append("签字栏取自表格下方的签字" if sig else "签字栏没有来源，写了“待填写”")
    for k in ("note", "attachments"):
        if base.get(k):
            doc[k] = base[k]
    if filled:
        src = f"上期（{prev_key}）签字栏的经办人和审批人" if prev_sign else "表格下方的签字或“待填写”"
        defaults.append(f"明细账没有经办人、审批人列，{filled} 处取自{src}，请逐笔核对")
    if defaults:
        sink.add(
            "import-default",
            "表格中没有这些内容，请在审核公开前核对 " + target_rel + "：" + "；".join(defaults),
            sheet,
        )
    result.rows = len(inside)
    text = render(keep_doc(doc), "../../../schemas/finance.schema.json")
    return target_rel, text, {}


def _pair_passes(lines: list[Line]) -> list[Line]:
    """代收代付 collected and paid on under one voucher shows as two rows, money
    in and money out, with the same summary: they are one pass-through entry
    (received and paid), as transfers are one entry for their two rows."""
    groups: dict[tuple[str, str], list[Line]] = {}
    for ln in lines:
        if ln.kind == "pass":
            groups.setdefault((ln.voucher, ln.summary), []).append(ln)
    dropped: set[int] = set()
    for group in groups.values():
        ins = [ln for ln in group if ln.debit and not ln.credit]
        outs = [ln for ln in group if ln.credit and not ln.debit]
        if len(group) == 2 and len(ins) == 1 and len(outs) == 1:
            first, second = sorted(group, key=lambda ln: ln.row)
            first.debit, first.credit = ins[0].debit, outs[0].credit
            dropped.add(id(second))
    return [ln for ln in lines if id(ln) not in dropped]


def _pass(ln: Line) -> dict:
    d: dict[str, str | int] = {"date": day(ln.date), "voucher": ln.voucher}
    if ln.line != 1:
        d["line"] = ln.line
    d["summary"] = ln.summary
    if ln.debit:
        d["received"] = money(ln.debit)
    if ln.credit:
        d["paid"] = money(ln.credit)
    return d


def _transfers(lines: list[Line], count: dict[str, int], sink: Sink, sheet: str, cols) -> list[dict]:
    """Two rows of one voucher (cash out, bank in) make one transfer."""
    out = []
    by_voucher: dict[str, list[Line]] = {}
    for ln in lines:
        by_voucher.setdefault(ln.voucher, []).append(ln)
    for voucher, group in by_voucher.items():
        # the row whose counter account is the bank, seen from cash, or the reverse
        to_bank = [
            ln
            for ln in group
            if (ln.account[:3] == "102" and ln.credit) or (ln.account[:3] == "101" and ln.debit)
        ]
        to_cash = [ln for ln in group if ln not in to_bank]
        for direction, side in (("cash_to_bank", to_bank), ("bank_to_cash", to_cash)):
            if not side:
                continue
            outs = sum((ln.credit for ln in side), ZERO)
            ins = sum((ln.debit for ln in side), ZERO)
            if outs != ins:
                sink.add(
                    "ledger-mismatch",
                    f"凭证 {voucher} 是现金与银行之间的划转，但两边金额不等（转出 {outs:,.2f}，转入 {ins:,.2f}）："
                    "明细账应包括库存现金和银行存款两个科目",
                    sheet,
                    side[0].row,
                    cols.get("account", cols.get("account_name")),
                )
                continue
            count[voucher] = count.get(voucher, 0) + 1
            d: dict[str, str | int] = {"date": day(side[0].date), "voucher": voucher}
            if count[voucher] != 1:
                d["line"] = count[voucher]
            d["direction"] = direction
            d["summary"] = side[0].summary
            d["amount"] = money(outs)
            out.append(d)
    return out
