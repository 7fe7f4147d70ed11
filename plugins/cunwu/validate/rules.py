"""Semantic rules: what pydantic's types cannot say about one file.

Each rule receives a :class:`Checker` bound to one file, so every problem
names the file, the exact line and the field path. Rules that span files
(a month's opening balance against the previous month's closing) are in
:mod:`cunwu.validate.crossfile`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path, PurePosixPath
from typing import Any

from ..load.yamlsafe import Located, format_loc
from ..model.base import Disclosure, NoticePeriod
from ..model.budget import Budget, BudgetLine, YearEnd
from ..model.finance import FinanceStatement, LedgerLine
from ..model.identity import name_id
from ..model.notice import Notice
from ..model.power import PowerCatalog, PowerItem
from ..model.subsidy import SubsidyRoster
from ..model.types import round_fen
from ..model.village import Village
from ..privacy import mask_pattern
from ..problems import Problem, problem
from ..words import money as yuan
from .project import TownshipContext

_KIND_ZH = {"income": "收入", "expense": "支出"}


class Checker:
    """Collects problems for one file, resolving field paths to lines."""

    def __init__(self, file: str, located: Located):
        self.file = file
        self.located = located
        self.problems: list[Problem] = []

    def add(self, path: tuple, code: str, message: str, severity=None) -> None:
        self.problems.append(
            problem(self.file, self.located.line_of(path), code, message, format_loc(path), severity)
        )


@dataclass(frozen=True)
class FileContext:
    """What a kind's rules may know besides the file itself."""

    ctx: TownshipContext
    #: the file's name without its suffix
    stem: str
    #: the village's folder (None for a township file): attachments must stay inside it
    village_dir: Path | None = None
    #: the village's settings (None for a township file, or when village.yaml is broken)
    village: Village | None = None
    #: a Markdown file's body and the line it starts on
    body: str | None = None
    body_line: int = 0


# ---------------------------------------------------------------- common


def check_disclosure(c: Checker, d: Disclosure, village_dir: Path | None) -> None:
    if d.status == "approved" and d.approved_on is None:
        c.add(
            ("status",),
            "approval-date-missing",
            "status 为 approved（已审核公开）时必须填写 approved_on（审核公开日期）",
        )
    if d.corrections and d.approved_on is None:
        c.add(
            ("corrections",),
            "correction-invalid",
            "从未审核公开过的草稿不需要更正记录；请填写 approved_on 或删除 corrections",
        )
    for i, corr in enumerate(d.corrections):
        if d.approved_on and corr.date < d.approved_on:
            c.add(
                ("corrections", i, "date"),
                "correction-invalid",
                f"更正日期 {corr.date} 早于审核公开日期 {d.approved_on}",
            )
        if i and corr.date < d.corrections[i - 1].date:
            c.add(("corrections", i, "date"), "correction-invalid", "更正记录应按日期先后排列")
    notice = getattr(d, "notice", None)
    if notice is not None and d.approved_on is not None and notice.start < d.approved_on:
        c.add(
            ("notice", "start"),
            "notice-before-approval",
            f"公示从 {notice.start} 开始，早于审核公开日期 {d.approved_on}：未经审核的内容不应张贴",
        )
    for i, att in enumerate(d.attachments):
        check_file_ref(c, ("attachments", i, "path"), att.path, village_dir)


def check_file_ref(c: Checker, path: tuple, ref: str, village_dir: Path | None) -> None:
    """A referenced file must stay inside the village folder and exist."""
    if village_dir is None:
        c.add(path, "attachment-outside-village", "只有村文件夹中的公开内容可以引用附件")
        return
    bad = (
        ref.startswith(("/", "\\", "~"))
        or re.match(r"^[A-Za-z]:", ref)
        or re.match(r"^[a-zA-Z][a-zA-Z0-9+.-]*:", ref)
        or "\\" in ref
        or "\0" in ref
    )
    parts = PurePosixPath(ref).parts
    if ref[:5].lower() == "data:":
        # a picture pasted into the editor comes as a data: URL of 10,000 characters or more
        c.add(
            path,
            "attachment-outside-village",
            f"这里粘贴的是图片本身（以 data: 开头的一长串字符，共 {len(ref):,} 个），不能直接写进文件："
            "请把图片存成文件放进本村 attachments/ 文件夹，再这样引用：![现场照片](attachments/2026-10/site.jpg)",
        )
        return
    if bad or ".." in parts:
        c.add(
            path,
            "attachment-outside-village",
            f"附件路径 “{ref}” 不允许：只能写本村文件夹内的相对路径，如 attachments/2026-10/记-012.jpg（不能用 ../ 或绝对路径）",
        )
        return
    target = village_dir / ref
    try:
        resolved = target.resolve()
        inside = resolved.is_relative_to(village_dir.resolve())
    except (OSError, RuntimeError):
        inside = False
    if not inside:
        c.add(path, "attachment-outside-village", f"附件 “{ref}” 通过链接指向了本村文件夹之外")
    elif not resolved.is_file():
        c.add(path, "attachment-missing", f"附件文件 “{ref}” 不存在")


def check_notice_period(c: Checker, path: tuple, n: NoticePeriod | None, min_days: int, what: str) -> None:
    if n is None:
        return
    if n.end < n.start:
        c.add(path + ("end",), "notice-period-invalid", f"公示结束日期 {n.end} 早于开始日期 {n.start}")
    elif n.days < min_days:
        c.add(
            path + ("end",),
            "notice-too-short",
            f"{what}公示期至少 {min_days} 天，现为 {n.days} 天（{n.start} 至 {n.end}）",
        )


# ---------------------------------------------------------------- finance


def _check_account(
    c: Checker, path: tuple, line: LedgerLine | BudgetLine, kind: str, ctx: TownshipContext
) -> None:
    code = line.account
    acc = ctx.accounts.get(code)
    if acc is None and len(code) == 5 and code[:3] in ctx.accounts:
        parent = ctx.accounts[code[:3]]
        c.add(
            path + ("account",),
            "undeclared-subaccount",
            f"明细科目 {code} 未在科目表中登记，将按上级科目 {parent.code} {parent.name} 显示",
        )
        acc = parent
    if acc is None:
        c.add(path + ("account",), "unknown-account", f"会计科目 {code} 不在科目表中")
        return
    if acc.kind != kind:
        c.add(
            path + ("account",),
            "account-kind-mismatch",
            f"{_KIND_ZH[kind]}明细使用了科目 {acc.code} {acc.name}，它不是{_KIND_ZH[kind]}类科目",
        )


def check_finance(c: Checker, f: FinanceStatement, fc: FileContext) -> None:
    """Without the village's settings (village.yaml itself is broken) the cadence rule is skipped."""
    stem, ctx, village_dir = fc.stem, fc.ctx, fc.village_dir
    cadence = fc.village.cadence if fc.village is not None else None
    if stem != str(f.period):
        c.add(
            ("period",),
            "filename-mismatch",
            f"期间 {f.period} 与文件名 {stem}.yaml 不一致；文件应命名为 {f.period}.yaml",
        )
    if cadence is not None and f.period.is_quarter != (cadence == "quarterly"):
        want = "季度（YYYY-Qn）" if cadence == "quarterly" else "月度（YYYY-MM）"
        c.add(
            ("period",),
            "cadence-mismatch",
            f"本村在 village.yaml 中声明按{want}公开，但本文件期间为 {f.period}",
        )
    seen: dict[tuple[str, int], str] = {}

    def voucher(path: tuple, v: str, ln: int) -> None:
        where = format_loc(path)
        if (v, ln) in seen:
            c.add(path + ("voucher",), "duplicate-id", f"凭证号 {v} 第 {ln} 行重复（{seen[(v, ln)]} 已使用）")
        else:
            seen[(v, ln)] = where

    for kind in ("income", "expense"):
        for i, line in enumerate(getattr(f, kind)):
            path = (kind, i)
            voucher(path, line.voucher, line.line)
            if not f.period.contains(line.date):
                c.add(
                    path + ("date",), "date-outside-period", f"日期 {line.date} 不在本期 {f.period.label} 内"
                )
            _check_account(c, path, line, kind, ctx)
            for j, att in enumerate(line.attachments):
                check_file_ref(c, path + ("attachments", j, "path"), att.path, village_dir)
            if line.amount == 0:
                c.add(path + ("amount",), "invalid-value", "金额不能为 0")
            elif line.amount < 0:
                c.add(
                    path + ("amount",),
                    "negative-amount",
                    f"金额为负数 {yuan(line.amount)}（红字冲销）；请在摘要中说明原因",
                )
            if kind == "expense":
                missing = [
                    n
                    for n, v in (("handler 经办人", line.handler), ("approver 审批人", line.approver))
                    if not v
                ]
                if missing:
                    c.add(path, "missing-approver", "支出须填写" + "和".join(missing))
    for i, t in enumerate(f.transfers):
        voucher(("transfers", i), t.voucher, t.line)
        if not f.period.contains(t.date):
            c.add(
                ("transfers", i, "date"), "date-outside-period", f"日期 {t.date} 不在本期 {f.period.label} 内"
            )
        if t.amount <= 0:
            c.add(("transfers", i, "amount"), "invalid-value", "划转金额应大于 0")
    for i, p in enumerate(f.pass_through):
        voucher(("pass_through", i), p.voucher, p.line)
        if not f.period.contains(p.date):
            c.add(
                ("pass_through", i, "date"),
                "date-outside-period",
                f"日期 {p.date} 不在本期 {f.period.label} 内",
            )
        if p.received < 0 or p.paid < 0 or (p.received == 0 and p.paid == 0):
            c.add(
                ("pass_through", i),
                "invalid-value",
                "代收 received 或代付 paid 至少一项应大于 0，且都不能为负",
            )

    for kind in ("income", "expense"):
        declared = getattr(f.totals, kind)
        actual = f.income_sum if kind == "income" else f.expense_sum
        if declared != actual:
            c.add(
                ("totals", kind),
                "total-mismatch",
                f"{_KIND_ZH[kind]}合计填的是 {yuan(declared)}，明细相加为 {yuan(actual)}（相差 {yuan(declared - actual)}）",
            )
    expected = f.opening_balance + f.income_sum - f.expense_sum + f.pass_net
    if expected != f.closing_balance:
        extra = f" + 代收代付净额 {yuan(f.pass_net)}" if f.pass_through else ""
        c.add(
            ("closing_balance",),
            "balance-mismatch",
            f"期初 {yuan(f.opening_balance)} + 收入 {yuan(f.income_sum)} − 支出 {yuan(f.expense_sum)}{extra}"
            f" = {yuan(expected)}，但期末余额填的是 {yuan(f.closing_balance)}（相差 {yuan(f.closing_balance - expected)}）",
        )
    if f.approved_on is not None and f.approved_on <= f.period.end:
        c.add(
            ("approved_on",),
            "approved-too-early",
            f"{f.period.label}的账在 {f.period.end} 才结束，不能在 {f.approved_on} 就审核公开",
        )
    if f.status == "approved" and f.notice is None:
        c.add(("status",), "missing-field", "已审核公开的财务公开须填写公示期 notice（start、end）")
    check_notice_period(c, ("notice",), f.notice, ctx.config.finance_notice_days, "财务公开")


# ---------------------------------------------------------------- budgets and year-end accounts


def _check_year(c: Checker, year: int, stem: str, what: str) -> None:
    if stem != str(year):
        c.add(
            ("year",),
            "filename-mismatch",
            f"{what}年度 {year} 与文件名 {stem}.yaml 不一致；文件应命名为 {year}.yaml",
        )
    if not 1000 <= year <= 9999:
        c.add(("year",), "invalid-value", f"年度应为四位公元年份，如 2026；实际为 {year}")


def _check_lines(
    c: Checker, path: tuple, lines: list[BudgetLine], kind: str, ctx: TownshipContext
) -> Decimal:
    """Accounts in the chart and of the right kind, each once, no negative
    amount; returns the lines' sum."""
    seen: dict[str, int] = {}
    for i, ln in enumerate(lines):
        where = path + (i,)
        _check_account(c, where, ln, kind, ctx)
        if ln.account in seen:
            c.add(
                where + ("account",),
                "duplicate-id",
                f"科目 {ln.account} 在{_KIND_ZH[kind]}中重复（第 {seen[ln.account] + 1} 行已有），每个科目只写一行",
            )
        else:
            seen[ln.account] = i
        if ln.amount < 0:
            c.add(where + ("amount",), "invalid-value", f"金额不能为负数（{yuan(ln.amount)}）")
    return sum((ln.amount for ln in lines), Decimal(0))


def _check_totals(c: Checker, path: tuple, declared: Any, sums: dict[str, Decimal], what: str = "") -> None:
    for kind in ("income", "expense"):
        want, actual = getattr(declared, kind), sums[kind]
        if want != actual:
            c.add(
                path + (kind,),
                "total-mismatch",
                f"{what}{_KIND_ZH[kind]}合计填的是 {yuan(want)}，各科目相加为 {yuan(actual)}（相差 {yuan(want - actual)}）",
            )


def check_budget(c: Checker, b: Budget, fc: FileContext) -> None:
    """Totals add up (the original and after each adjustment), accounts are in
    the chart, approval follows the resolution, adjustments are dated in order."""
    ctx = fc.ctx
    _check_year(c, b.year, fc.stem, "预算")
    sums = {k: _check_lines(c, (k,), getattr(b, k), k, ctx) for k in ("income", "expense")}
    _check_totals(c, ("totals",), b.totals, sums)
    if b.status == "approved" and b.resolution_date is None:
        c.add(
            ("status",),
            "missing-field",
            "已审核公开的预算须填写 resolution_date（村民（代表）会议通过预算的日期，四议两公开）",
        )
    if b.resolution_date and b.approved_on and b.resolution_date > b.approved_on:
        c.add(
            ("resolution_date",),
            "approved-too-early",
            f"预算在 {b.resolution_date} 才经村民（代表）会议通过，不能在 {b.approved_on} 就审核公开",
        )
    for i, adj in enumerate(b.adjustments):
        path = ("adjustments", i)
        if b.approved_on is None:
            c.add(path, "correction-invalid", "预算还没有审核公开，不需要预算调整；请直接修改预算")
        elif adj.date < b.approved_on:
            c.add(
                path + ("date",),
                "correction-invalid",
                f"调整日期 {adj.date} 早于预算审核公开日期 {b.approved_on}",
            )
        if adj.date.year != b.year:
            c.add(
                path + ("date",), "date-outside-period", f"预算调整日期 {adj.date} 不在预算年度 {b.year} 年内"
            )
        if i and adj.date < b.adjustments[i - 1].date:
            c.add(path + ("date",), "correction-invalid", "预算调整应按日期先后排列")
        if adj.resolution_date > adj.date:
            c.add(
                path + ("resolution_date",),
                "approved-too-early",
                f"调整方案在 {adj.resolution_date} 才经村民（代表）会议通过，不能在 {adj.date} 就审核公开",
            )
        if not adj.income and not adj.expense:
            c.add(path, "missing-field", "预算调整须写出调整后的科目金额（income 或 expense）")
        for k in ("income", "expense"):
            _check_lines(c, path + (k,), getattr(adj, k), k, ctx)
        plan = b.plan(i + 1)
        _check_totals(
            c,
            path + ("totals",),
            adj.totals,
            {k: sum(plan[k].values(), Decimal(0)) for k in ("income", "expense")},
            f"第 {i + 1} 次调整后",
        )


def check_yearend(c: Checker, y: YearEnd, fc: FileContext) -> None:
    """Totals add up and balance; the statements are checked against it across files."""
    _check_year(c, y.year, fc.stem, "决算")
    sums = {k: _check_lines(c, (k,), getattr(y, k), k, fc.ctx) for k in ("income", "expense")}
    _check_totals(c, ("totals",), y.totals, sums)
    expected = y.opening_balance + sums["income"] - sums["expense"] + y.pass_through_net
    if expected != y.closing_balance:
        c.add(
            ("closing_balance",),
            "balance-mismatch",
            f"年初 {yuan(y.opening_balance)} + 收入 {yuan(sums['income'])} − 支出 {yuan(sums['expense'])}"
            f" + 代收代付净额 {yuan(y.pass_through_net)} = {yuan(expected)}，"
            f"但年末余额填的是 {yuan(y.closing_balance)}（相差 {yuan(y.closing_balance - expected)}）",
        )
    if y.approved_on is not None and y.approved_on.year <= y.year:
        c.add(
            ("approved_on",),
            "approved-too-early",
            f"{y.year} 年的账到年底才结束，决算不能在 {y.approved_on} 就审核公开",
        )


# ---------------------------------------------------------------- subsidies


def check_roster(c: Checker, r: SubsidyRoster, fc: FileContext) -> None:
    stem, ctx = fc.stem, fc.ctx
    want = f"{r.period}-{r.program}"
    if stem != want:
        c.add(("program",), "filename-mismatch", f"文件应命名为 {want}.yaml（期间-项目），现为 {stem}.yaml")
    program = ctx.programs.get(r.program)
    if program is None:
        c.add(
            ("program",),
            "unknown-program",
            f"补贴项目 “{r.program}” 未定义；已知项目：{'、'.join(sorted(ctx.programs))}",
        )
    check_notice_period(c, ("notice",), r.notice, program.min_notice_days if program else 1, "本项目")
    mask = mask_pattern(ctx.config.id_mask)
    style = "前 6 位和后 4 位" if ctx.config.id_mask == "6-4" else "前 3 位和后 3 位"
    groups = fc.village.groups if fc.village is not None else []
    keys: dict[str, int] = {}
    people: dict[str, int] = {}
    for i, rec in enumerate(r.recipients):
        path = ("recipients", i)
        if rec.key in keys:
            c.add(path + ("key",), "duplicate-id", f"行标识 key “{rec.key}” 与第 {keys[rec.key] + 1} 行重复")
        else:
            keys[rec.key] = i
        # one person twice under two keys (model/identity.py: the audit's definition)
        who = name_id(rec.name, rec.id_masked)
        if who is not None:
            first = people.setdefault(who, i)
            if first != i and r.recipients[first].key != rec.key:
                c.add(
                    path + ("key",),
                    "same-person-two-keys",
                    f"{rec.name}（{rec.id_masked}）与第 {first + 1} 行（{r.recipients[first].key}）"
                    "姓名和脱敏身份证号相同，却用了两个行标识：同一人领了两份？",
                    severity="warning",
                )
        if rec.amount <= 0:
            c.add(path + ("amount",), "invalid-value", "金额应大于 0")
        if groups and rec.group not in groups:
            c.add(
                path + ("group",),
                "unknown-village-group",
                f"组别 “{rec.group}” 不在 village.yaml 的 groups 中（{'、'.join(groups)}）：写错了，或者请把它加进 groups",
            )
        if rec.id_masked is not None and not mask.fullmatch(rec.id_masked.upper()):
            c.add(
                path + ("id_masked",),
                "id-mask-format",
                f"身份证号须按乡镇规定脱敏：保留{style}，中间用 * 代替（如 {_mask_example(ctx.config.id_mask)}）",
            )
        if program is not None and program.calc == "area_rate":
            rate = rec.rate if rec.rate is not None else r.rate
            if rec.area is None:
                c.add(path, "missing-field", "本项目按面积×标准计算，须填写面积 area（亩）")
            elif rate is None:
                c.add(path, "missing-field", "本项目按面积×标准计算，须在名单或本行填写标准 rate")
            else:
                want_amount = round_fen(rec.area * rate)
                if want_amount != rec.amount:
                    c.add(
                        path + ("amount",),
                        "area-rate-mismatch",
                        f"{rec.area} 亩 × {rate} = {yuan(want_amount)}（四舍五入到分），但金额填的是 {yuan(rec.amount)}",
                    )
    if r.total != r.recipients_sum:
        c.add(
            ("total",),
            "total-mismatch",
            f"合计填的是 {yuan(r.total)}，名单金额相加为 {yuan(r.recipients_sum)}（相差 {yuan(r.total - r.recipients_sum)}）",
        )


def _mask_example(style: str) -> str:
    return "330102********1234" if style == "6-4" else "330************234"


# ---------------------------------------------------------------- notices

_MD_LINK = re.compile(
    r"(?P<bang>!?)\[[^\]]*\]\(\s*<?(?P<md>[^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)"
    r"|\b(?P<attr>src|href)\s*=\s*(?:\"(?P<dq>[^\"]*)\"|'(?P<sq>[^']*)'|(?P<bare>[^\s\"'>]+))"
    r"|^[ ]{0,3}\[[^\]]+\]:[ \t]*<?(?P<def>[^\s>]+)",  # a reference definition: [ref]: path
    re.I | re.M,
)
_WEB = re.compile(r"^(https?|mailto|tel):", re.I)


def check_notice(c: Checker, n: Notice, fc: FileContext) -> None:
    body, body_line, village_dir = fc.body or "", fc.body_line, fc.village_dir
    check_notice_period(c, ("notice",), n.notice, 1, "")
    if n.slug in n.aliases:
        c.add(("aliases",), "duplicate-id", "曾用标识 aliases 不能包含当前的 slug")
    for m in _MD_LINK.finditer(body):
        ref = (m["md"] or m["dq"] or m["sq"] or m["bare"] or m["def"] or "").strip()
        if not ref or ref.startswith("#"):
            continue
        line = body_line + body.count("\n", 0, m.start())
        sub = Checker(c.file, Located({}, {(): line}))
        if _WEB.match(ref):
            if (m["bang"] or (m["attr"] or "").lower() == "src") and ref.lower().startswith("http"):
                # the page's CSP blocks it and posters never go online: it would show
                # nowhere, and a poster of this notice could not be printed
                sub.add(
                    (),
                    "attachment-outside-village",
                    f"图片 “{ref}” 在网络上：网页和张贴版都不会从网络加载图片；"
                    "请把图片放进本村 attachments/ 文件夹，如 ![现场照片](attachments/2026-10/site.jpg)",
                )
                c.problems.extend(sub.problems)
            continue
        check_file_ref(sub, (), ref.split("#")[0].split("?")[0], village_dir)
        c.problems.extend(sub.problems)


# ---------------------------------------------------------------- powers


def check_catalog(c: Checker, cat: PowerCatalog, fc: FileContext) -> None:
    lists: tuple[tuple[str, list[Any]], ...] = (("groups", cat.groups), ("negative", cat.negative))
    for field, items in lists:
        seen: set[str] = set()
        for i, item in enumerate(items):
            if item.id in seen:
                c.add((field, i, "id"), "duplicate-id", f"标识 “{item.id}” 重复")
            seen.add(item.id)


def check_power(c: Checker, p: PowerItem, fc: FileContext) -> None:
    stem, ctx = fc.stem, fc.ctx
    if stem != p.id:
        c.add(("id",), "filename-mismatch", f"事项标识 {p.id} 与文件名 {stem}.yaml 不一致")
    if ctx.catalog is not None and p.group not in {g.id for g in ctx.catalog.groups}:
        known = "、".join(g.id for g in ctx.catalog.groups)
        c.add(
            ("group",), "unknown-group", f"类别 “{p.group}” 未在 powers/catalog.yaml 中定义（已有：{known}）"
        )
    check_flow(c, p)


def check_flow(c: Checker, p: PowerItem) -> None:
    """Targets exist, every node is reachable from the start, every path can end."""
    nodes = p.flow
    index: dict[str, int] = {}
    for i, node in enumerate(nodes):
        path = ("flow", i)
        if node.id in index:
            c.add(path + ("id",), "duplicate-id", f"流程节点 “{node.id}” 重复")
            continue
        index[node.id] = i
        kinds = [k for k in ("step", "decision", "end") if getattr(node, k) is not None]
        if len(kinds) != 1:
            c.add(
                path,
                "flow-bad-node",
                "每个流程节点必须且只能有 step（步骤）、decision（判断）、end（结束）之一",
            )
            continue
        kind = kinds[0]
        if kind == "step":
            if node.next is None:
                c.add(path, "flow-bad-node", f"步骤 “{node.step}” 缺少 next（下一步）")
            if node.yes or node.no:
                c.add(path, "flow-bad-node", f"步骤 “{node.step}” 不能有 yes/no；需要分支请用 decision")
        elif kind == "decision":
            if node.yes is None or node.no is None:
                c.add(
                    path, "flow-bad-node", f"判断 “{node.decision}” 必须同时有 yes（是）和 no（否）两个分支"
                )
            if node.next:
                c.add(path, "flow-bad-node", f"判断 “{node.decision}” 用 yes/no 分支，不用 next")
        elif node.next or node.yes or node.no:
            c.add(path, "flow-bad-node", f"结束节点 “{node.end}” 不能再指向其他节点")
    edges: dict[str, list[str]] = {}
    for i, node in enumerate(nodes):
        edges.setdefault(node.id, [])
        for label, target in node.targets():
            field = {"": "next", "是": "yes", "否": "no"}[label]
            if target not in index:
                c.add(
                    ("flow", i, field), "flow-unknown-target", f"节点 “{node.id}” 指向不存在的节点 “{target}”"
                )
            else:
                edges[node.id].append(target)
    if not nodes:
        return
    reach = {nodes[0].id}
    todo = [nodes[0].id]
    while todo:
        for t in edges.get(todo.pop(), []):
            if t not in reach:
                reach.add(t)
                todo.append(t)
    for i, node in enumerate(nodes):
        if node.id not in reach and index.get(node.id) == i:
            c.add(("flow", i), "flow-unreachable", f"从开始节点 “{nodes[0].id}” 无法走到节点 “{node.id}”")
    ends = {n.id for n in nodes if n.end is not None}
    if not ends:
        c.add(("flow",), "flow-no-end", "流程没有结束节点（end）")
        return
    can_end = set(ends)
    changed = True
    while changed:
        changed = False
        for src, targets in edges.items():
            if src not in can_end and any(t in can_end for t in targets):
                can_end.add(src)
                changed = True
    for i, node in enumerate(nodes):
        if node.id in reach and node.id not in can_end and index.get(node.id) == i:
            c.add(
                ("flow", i), "flow-no-end", f"从节点 “{node.id}” 出发无法走到任何结束节点（可能形成死循环）"
            )
