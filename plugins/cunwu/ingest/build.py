"""Turn a found table into the YAML document of a roster or a statement.

What the sheet has comes from the sheet; what it cannot have (the payment
standard, the supervision phones, the notice period, the sign-off) is kept
from the file being replaced, else taken from the village's previous file
of the same kind, else from the sheet's own text (a 公示期 line, the
signature block), else filled with a placeholder that says 待填写. Every
value not from the sheet is reported as ``import-default``, so the cadre
checks it before approving. A new file is always ``status: draft``.
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

from ..model.types import Period
from . import keys as keymod
from .columns import FIELD_ZH, Mapping, Table
from .linkage import load_sidecar
from .options import USE_ENV, ImportOptions, ImportResult, program_of, raw_doc
from .roster import RosterRow, check_sums, read_roster
from .sink import Sink
from .table import check_hidden, walk
from .write import Raw, render

PLACEHOLDER = "待填写"
_DATE_KEYS = {"approved_on", "date", "start", "end"}
_MONEY_KEYS = {
    "amount",
    "total",
    "opening_balance",
    "closing_balance",
    "income",
    "expense",
    "received",
    "paid",
}
_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_MONEY = re.compile(r"-?(?:0|[1-9][0-9]*)(?:\.[0-9]{1,2})?")


def keep(value, key: str = ""):
    """Data as loaded from an existing file, ready to write back as typed."""
    if isinstance(value, dict):
        return {k: keep(v, k) for k, v in value.items()}
    if isinstance(value, list):
        return [keep(v, key) for v in value]
    if isinstance(value, str):
        if key in _DATE_KEYS and _DATE.fullmatch(value):
            return Raw(value)
        if key in _MONEY_KEYS and _MONEY.fullmatch(value):
            return Raw(value)
    return value


def money(d: Decimal) -> Raw:
    return Raw(f"{d:.2f}")


def qty(d: Decimal) -> Raw:
    return Raw(str(d))


def day(d: dt.date) -> Raw:
    return Raw(d.isoformat())


def sheet_text(table: Table, start: int) -> str:
    from ..load.sheets.display import plain_text

    parts: list[str] = []
    for r in range(start, len(table.sheet.rows)):
        parts.extend(plain_text(c).strip() for c in table.sheet.rows[r] if c is not None)
    return " ".join(p for p in parts if p)


_CN_DATE = re.compile(r"(?:(20[0-9]{2})\s*[年./-]\s*)?([01]?[0-9])\s*[月./-]\s*([0-3]?[0-9])\s*日?")


def notice_from_text(text: str, period: Period) -> tuple[dt.date, dt.date] | None:
    """公示期：2026年11月5日至11月11日 (the second year may be left out)."""
    m = re.search(r"公示(?:期|时间|日期)?\s*(?:为|[:：])?\s*(.{6,40}?)(?:至|到|—|～|~|-)(.{3,20})", text)
    if not m:
        return None
    a, b = _CN_DATE.search(m[1]), _CN_DATE.search(m[2])
    if not a or not b:
        return None
    try:
        y1 = int(a[1]) if a[1] else period.year
        start = dt.date(y1, int(a[2]), int(a[3]))
        end = dt.date(int(b[1]) if b[1] else y1, int(b[2]), int(b[3]))
    except ValueError:
        return None
    return (start, end) if end >= start else None


def signature(text: str) -> dict:
    """The signature block: 制表人 → handler, 审核人 → oversight, 负责人 → approver."""
    out = {}
    for key, words in (
        ("handler", "制表人|填表人|经办人|报账员"),
        ("oversight", "审核人|监督人|村务监督委员会"),
        ("approver", "负责人|审批人|村负责人|单位负责人"),
    ):
        m = re.search(rf"(?:{words})\s*[:：]\s*([\u3400-\u9fff·]{{2,8}})", text)
        if m:
            out[key] = m[1]
    return out


def _shift(d: dt.date, months: int) -> dt.date:
    import calendar

    y, m = divmod(d.month - 1 + months, 12)
    y += d.year
    return dt.date(y, m + 1, min(d.day, calendar.monthrange(y, m + 1)[1]))


def _months_between(a: Period, b: Period) -> int:
    return (b.year - a.year) * 12 + (b.first_month - a.first_month)


# ---------------------------------------------------------------- rosters


def build_roster(
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
    pid = program_of(opts, context, mapping, ctx, sink, sheet)
    if period is None and not sink.errors:
        sink.add("sheet-kind", "从文件名和标题看不出是哪一期（如 2026年11月）：请用 --period 指定", sheet)
    if pid is None or period is None:
        return None
    program = ctx.programs[pid]
    result.program, result.period = pid, str(period)
    cols = table.columns
    for f in ("name", "group", "amount") + (("area",) if program.calc == "area_rate" else ()):
        if f not in cols:
            sink.add(
                "column-missing",
                f"缺少“{FIELD_ZH[f]}”列（或常见的同义列名）；名单必须有姓名、组别和金额",
                sheet,
                table.header_row,
            )
    if "bank_card" in cols:
        c = cols["bank_card"]
        sink.add(
            "column-refused",
            f"表中有“{table.headers[c]}”列：银行卡号绝不能公开，cunwu 不导入带银行卡号的表。"
            "请另存一份、删除这一列后再导入（原表请妥善保管，不要放进仓库）",
            sheet,
            table.header_row,
            c,
        )
    for f in ("mobile", "address"):
        if f in cols:
            c = cols[f]
            sink.add(
                "column-dropped",
                f"“{table.headers[c]}”列是个人信息，不会公开，已略去",
                sheet,
                table.header_row,
                c,
            )
    if sink.errors:
        return None
    rows = walk(table, mapping, sink)
    check_hidden(table, rows, sink)
    if opts.secret is USE_ENV:
        from .linkage import secret_from_env

        secret, why = secret_from_env()
        result.linkage = why
    else:
        secret = opts.secret
    rs = read_roster(table, rows, sink, program, ctx.config.id_mask, secret)
    result.rows = len(rs.rows)
    if not sink.errors:
        check_sums(table, rows, sink, rs.rows, "amount")
    if not rs.rows and not sink.errors:
        sink.add("missing-field", "表头下面没有数据行", sheet, table.header_row)
    if sink.errors:
        return None
    if secret is not None and not result.linkage:
        result.linkage = (
            f"生成了 {rs.linkage_made} 个身份证关联码（只存入本机的 .cunwu/linkage/{vid}.json，不进仓库）"
        )

    # ------------------------------------------------ keys
    target_rel = f"villages/{vid}/subsidies/{period}-{pid}.yaml"
    sidecar = load_sidecar(root, vid)
    known = keymod.Known()
    for d in bundle.rosters:
        for rec in d.model.recipients:
            known.add_recipient(rec.key, rec.name, rec.group, rec.id_masked)
    known.add_sidecar(sidecar.get("rows", {}))
    has_id = "id_number" in cols
    pending: list[tuple[RosterRow, keymod.Person]] = []
    for row in rs.rows:
        p = keymod.Person(row.name, row.group, row.id.masked if row.id else None, row.link, row.household)
        m = keymod.match(p, known, has_id)
        if m.ambiguous:
            sink.add(
                "key-ambiguous",
                f"按{m.rule}，{row.name} 对应上期名单中的几个人（{'、'.join(m.ambiguous)}），无法确定是谁："
                "请在表中加“户号”列，或先把以前名单中的重复改正",
                sheet,
                row.row,
                cols["name"],
            )
            continue
        if m.key is None:
            pending.append((row, p))
            continue
        row.key = m.key
        result.matched[m.how] = result.matched.get(m.how, 0) + 1
    # people not seen before: the same person twice in the sheet is one person
    ident: dict[tuple[str, ...], list[RosterRow]] = {}
    for row, p in pending:
        who: tuple[str, ...]
        if p.link:
            who = ("link", p.link)
        elif p.household:
            who = ("household", p.household)
        elif p.id_masked:
            who = ("name-id", p.name, p.id_masked.upper())
        else:
            who = ("name-group", p.name, p.group)
        ident.setdefault(who, []).append(row)
    fresh = keymod.new_keys(len(ident), known.used | {r.key for r in rs.rows if r.key}, vid)
    for key, group in zip(fresh, ident.values(), strict=True):
        for row in group:
            row.key = key
        result.new_keys.append(key)
    seen: dict[str, RosterRow] = {}
    for row in rs.rows:
        if not row.key:
            continue
        if row.key in seen:
            first = seen[row.key]
            sink.add(
                "duplicate-person",
                f"{row.name} 与第 {first.row + 1} 行的 {first.name} 是同一人（行标识 {row.key}）：同一人在名单中只能出现一次。"
                "如果确是两个人，请在表中加“户号”列加以区分",
                sheet,
                row.row,
                cols["name"],
            )
        else:
            seen[row.key] = row
    if sink.errors:
        return None

    # ------------------------------------------------ the document
    path = root / target_rel
    target = raw_doc(path) if path.is_file() else None
    target_doc = next((d for d in bundle.rosters if d.rel == target_rel), None)
    if not _approval_ok(target, target_doc, opts, sink, target_rel):
        return None
    prev_doc = max(
        (d for d in bundle.rosters if d.model.program == pid and d.model.period < period),
        key=lambda d: d.model.period,
        default=None,
    )
    prev: dict | None = None
    prev_key = ""
    if prev_doc is not None:
        prev, prev_key = raw_doc(root / prev_doc.rel), prev_doc.key
    base = target or {}
    footer = sheet_text(table, rows.end)
    doc: dict = {"program": pid, "period": str(period)}
    doc["status"] = base.get("status", "draft") if target else "draft"
    if target and target.get("approved_on"):
        doc["approved_on"] = keep(target["approved_on"], "approved_on")
    result.status = str(doc["status"])
    if base.get("title"):
        doc["title"] = base["title"]
    defaults: list[str] = []
    if base.get("standard"):
        doc["standard"] = base["standard"]
    elif prev and prev.get("standard"):
        doc["standard"] = prev["standard"]
        defaults.append(f"发放标准沿用上期（{prev_key}）")
    else:
        doc["standard"] = f"{PLACEHOLDER}：{program.name}的发放标准"
        defaults.append("发放标准没有来源，写了“待填写”")
    if program.calc == "area_rate":
        rate = rs.rate if rs.rate is not None else None
        if rate is None and (base.get("rate") or (prev or {}).get("rate")):
            doc["rate"] = base.get("rate") or (prev or {}).get("rate")
            defaults.append("统一标准（元/亩）沿用上期")
        elif rate is not None:
            doc["rate"] = qty(rate)
    doc["notice"] = _notice(base, prev, prev_doc, program, period, table.title + " " + footer, defaults)
    if base.get("supervision"):
        doc["supervision"] = base["supervision"]
    elif prev and prev.get("supervision"):
        doc["supervision"] = prev["supervision"]
        defaults.append("监督电话沿用上期")
    else:
        phones = [{"label": p.label, "number": p.number} for p in ctx.config.supervision]
        phones += [{"label": p.label, "number": p.number} for p in bundle.village.supervision]
        doc["supervision"] = phones or [{"label": PLACEHOLDER, "number": "12388"}]
        defaults.append("监督电话取自 cunwu.yaml 和 village.yaml")
    doc["recipients"] = [_recipient(r, program) for r in rs.rows]
    doc["total"] = money(rs.total)
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
    elif prev and prev.get("signoff"):
        doc["signoff"] = prev["signoff"]
        defaults.append("签字栏沿用上期")
    else:
        sig = signature(footer)
        if {"handler", "oversight", "approver"} <= set(sig):
            doc["signoff"] = {
                "handler": sig["handler"],
                "oversight": [sig["oversight"]],
                "approver": sig["approver"],
            }
            defaults.append("签字栏取自表格下方的签字")
    for k in ("note", "attachments"):
        if base.get(k):
            doc[k] = base[k]
    if defaults:
        sink.add(
            "import-default",
            "表格中没有这些内容，请在审核公开前核对 " + target_rel + "：" + "；".join(defaults),
            sheet,
        )
    text = render(keep_doc(doc), "../../../schemas/subsidy.schema.json", flow_keys={"recipients"})
    side = {}
    for r in rs.rows:
        entry = {"name": r.name}
        if r.id is not None:
            entry["id_masked"] = r.id.masked
        if r.link:
            entry["linkage_key"] = r.link
        if r.household:
            entry["household"] = r.household
        side[r.key] = (entry, f"{period}-{pid}")
    return target_rel, text, side


def keep_doc(doc: dict) -> dict:
    """Values carried from other files, made ready to write (dates and money plain)."""
    return {k: keep(v, k) if not isinstance(v, Raw) else v for k, v in doc.items()}


def _approval_ok(target, target_doc, opts: ImportOptions, sink: Sink, rel: str) -> bool:
    approved = bool(target and target.get("status") == "approved")
    if approved and not opts.correction:
        sink.add(
            "target-approved",
            f"{rel} 已经审核公开（{target.get('approved_on', '')}）：导入会改变已公开的内容，必须说明原因。"
            '请加 --correction "更正原因（改了什么、为什么）" 重新导入',
        )
        return False
    if opts.correction and not approved:
        sink.add(
            "correction-invalid",
            f"{rel} {'还是草稿' if target else '还不存在'}，不需要更正记录：请去掉 --correction",
        )
        return False
    return True


def _notice(base, prev, prev_doc, program, period: Period, text: str, defaults: list[str]) -> dict:
    if base.get("notice"):
        return base["notice"]
    found = notice_from_text(text, period)
    if found:
        defaults.append("公示期取自表格中的公示时间")
        return {"start": day(found[0]), "end": day(found[1])}
    if prev and isinstance(prev.get("notice"), dict):
        try:
            s = dt.date.fromisoformat(prev["notice"]["start"])
            e = dt.date.fromisoformat(prev["notice"]["end"])
            n = _months_between(prev_doc.model.period, period)
            defaults.append(f"公示期按上期（{prev_doc.key}）顺延")
            return {"start": day(_shift(s, n)), "end": day(_shift(e, n))}
        except (KeyError, TypeError, ValueError):
            pass
    start = period.start
    defaults.append(f"公示期没有来源，暂定为 {start} 起 {program.min_notice_days} 天")
    return {"start": day(start), "end": day(start + dt.timedelta(days=program.min_notice_days - 1))}


def _recipient(r, program) -> dict:
    out: dict = {"key": r.key, "name": r.name, "group": r.group}
    if r.id is not None:
        out["id_masked"] = r.id.masked
    if r.people is not None:
        out["people"] = r.people
    if r.category:
        out["category"] = r.category
    if r.grade:
        out["grade"] = r.grade
    if r.area is not None:
        out["area"] = qty(r.area)
    if r.rate is not None:
        out["rate"] = qty(r.rate)
    if r.start:
        out["start"] = r.start
    out["amount"] = money(r.amount)
    if r.note:
        out["note"] = r.note
    return out
