"""``cunwu new finance|subsidy``: the next period's file, started from the last one.

A bookkeeper who copies last month's statement by hand gets a file full of
last month's lines, dates and totals, and a dozen errors. ``cunwu new``
writes the next draft instead:

* **finance**: the period after the village's last statement (month or
  quarter, per ``cadence`` in village.yaml), ``status: draft``, the opening
  balance equal to the last closing balance, no lines, totals of 0.00 and
  the closing balance equal to the opening, the sign-off kept; comments say
  what to fill in, with an example line in the village's own names;
* **subsidy**: the program's next roster with the last roster's rows and
  row keys (so history shows who was added and dropped), its standard,
  rate, supervision phones and sign-off; the notice period moved on by the
  months between, to be checked; notes of rows (新增 …) are not carried.

The file is validated with its village at once. What validation cannot
accept yet, or what only a person can know, is listed as "待填写".
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from ..errors import UsageError
from ..model.types import Period
from ..problems import Report
from ..sources import _walk, classify, find_root
from .build import PLACEHOLDER, _months_between, _shift, day, keep
from .options import raw_doc
from .write import Raw, _block, atomic_write, render

_PLAIN_NUMBER = re.compile(r"[0-9]{1,9}(?:\.[0-9]{1,4})?")


@dataclass
class NewOptions:
    project: Path = Path(".")
    kind: str = "finance"
    village: str = ""
    period: str | None = None
    program: str | None = None


@dataclass
class NewResult:
    rel: str
    #: what the cadre still has to fill in, in Chinese
    todo: list[str] = field(default_factory=list)
    #: the village's validation problems in the new file
    report: Report = field(default_factory=Report)


def new_file(opts: NewOptions) -> NewResult:
    if opts.kind not in ("finance", "subsidy"):
        raise UsageError("只能新建 finance（财务公开）或 subsidy（补贴名单）")
    from ..commands.validate import load_project

    root = find_root(Path(opts.project))
    vid = opts.village
    if not (root / "villages" / vid / "village.yaml").is_file():
        raise UsageError(f"没有这个村：villages/{vid}/village.yaml 不存在")
    project = load_project(root, only={vid}, history=False)
    bundle = project.villages.get(vid)
    if bundle is None:
        raise UsageError(f"villages/{vid}/village.yaml 有错误：请先运行 cunwu validate 改正")
    period = None
    if opts.period:
        try:
            period = Period.parse(opts.period)
        except ValueError:
            raise UsageError(f"--period 应写成 YYYY-MM 或 YYYY-Qn，如 2026-11：{opts.period}") from None
    if opts.kind == "finance":
        rel, text, todo = _finance(root, bundle, period)
    else:
        if not opts.program:
            raise UsageError("新建补贴名单要用 --program 指定项目，如 --program dibao")
        if opts.program not in project.township.programs:
            known = "、".join(sorted(project.township.programs))
            raise UsageError(f"--program {opts.program} 不是已知的补贴项目（有：{known}）")
        rel, text, todo = _roster(root, bundle, project.township.programs[opts.program], period)
    path = root / rel
    if path.exists():
        raise UsageError(f"{rel} 已经存在，没有覆盖")
    atomic_write(path, text)
    from ..validate.village import check_village

    files = [classify(r) for r in _walk(root, f"villages/{vid}")]
    _bundle, problems, _count = check_village(project.township, vid, files, None)
    result = NewResult(rel, todo)
    result.report.extend(p for p in problems if p.file == rel)
    result.report.files_checked = 1
    return result


def _commented(schema: str, head: list[str], items: list[tuple[list[str], str, Any]], flow: set[str]) -> str:
    """YAML text: ``head`` comment lines, then each top-level key with its own comments.

    Every value goes through the import's writer (quoted where YAML could
    misread it), and :func:`render` checks that it reads back as written."""
    doc = {k: v for _c, k, v in items}
    render(doc, schema, flow)  # raises if a value would not read back as written
    lines = [f"# yaml-language-server: $schema={schema}"]
    lines += [f"# {c}" if c else "#" for c in head]
    for comments, key, value in items:
        lines += [f"# {c}" for c in comments]
        if isinstance(value, list) and not value:
            lines.append(f"{key}: []")
        else:
            lines += _block({key: value}, 0, flow)
    return "\n".join(lines) + "\n"


def _finance(root: Path, bundle: Any, period: Period | None) -> tuple[str, str, list[str]]:
    village = bundle.village
    quarterly = village.cadence == "quarterly"
    docs = sorted(bundle.finance, key=lambda d: d.model.period)
    last = docs[-1] if docs else None
    if period is None:
        if last is None:
            raise UsageError(
                f"{village.name}还没有财务公开，无法推算下一期：请用 --period 指定，"
                f"如 --period {'2026-Q4' if quarterly else '2026-11'}"
            )
        period = last.model.period.next()
    if period.is_quarter != quarterly:
        want = "季度（如 2026-Q4）" if quarterly else "月份（如 2026-11）"
        raise UsageError(
            f"{village.name}在 village.yaml 中按{'季度' if quarterly else '月'}公开财务：--period 应写{want}"
        )
    before = [d for d in docs if d.model.period < period]
    prev = before[-1] if before else None
    todo: list[str] = []
    if prev is not None:
        opening = prev.model.closing_balance
        if prev.model.period.next() == period:
            opening_note = [f"期初余额 = 上期（{prev.key}）期末余额，不要改"]
        else:
            opening_note = [
                f"期初余额取自 {prev.key} 的期末余额；中间缺少 {prev.model.period.next()} 起的财务公开，请核对"
            ]
            todo.append(f"期初余额：{prev.key} 之后缺少几期财务公开，请核对期初余额")
        raw = raw_doc(root / prev.rel) or {}
        signoff = keep(raw.get("signoff")) if isinstance(raw.get("signoff"), dict) else None
    else:
        opening = None
        opening_note = ["期初余额（现金 + 银行存款），本村还没有上一期财务公开，请填写"]
        todo.append("期初余额 opening_balance：本村还没有上一期财务公开，请按账面填写（现金 + 银行存款）")
        signoff = None
    if signoff is None:
        signoff = {"handler": PLACEHOLDER, "oversight": [PLACEHOLDER], "approver": PLACEHOLDER}
        todo.append("签字栏 signoff：报账员、村务监督委员会、审批人")
    handler = str(signoff.get("handler") or "赵某")
    approver = str(signoff.get("approver") or "王某")
    money = Raw(f"{opening:.2f}") if opening is not None else Raw("0.00")
    y, m = period.start.year, period.start.month
    label = f"{village.name}{period.label}财务公开"
    head = [
        f"{label}（草稿），由 cunwu new 从{('上期 ' + prev.key + ' ') if prev else '空白'}开始。",
        "要填写的：收入明细 income、支出明细 expense（每笔一行，照下面的例子），",
        "现金与银行之间的划转 transfers、代收代付 pass_through（没有就保持 []），",
        "合计 totals 和期末余额 closing_balance。格式见 docs/format.md。",
        "审核公开时：status 改为 approved，填写 approved_on（审核公开日期）和公示期 notice。",
    ]
    items: list[tuple[list[str], str, Any]] = [
        ([], "period", str(period)),
        (["draft 草稿；审核公开后改为 approved"], "status", "draft"),
        (opening_note, "opening_balance", money),
        (
            [
                "收入明细，每笔一行，例如（去掉行首的 # 再改）：",
                f'  - {{date: {y}-{m:02d}-05, voucher: "记-001", account: "50101", summary: 收厂房租金, amount: 6500.00}}',
            ],
            "income",
            [],
        ),
        (
            [
                "支出明细，每笔一行，须写经办人 handler 和审批人 approver，例如：",
                f'  - {{date: {y}-{m:02d}-06, voucher: "记-002", account: "51301", summary: 宽带和电话费, amount: 199.00, handler: {handler}, approver: {approver}}}',
            ],
            "expense",
            [],
        ),
        (["现金存入银行（cash_to_bank）或从银行取现（bank_to_cash），不算收支"], "transfers", []),
        (["代收代付：received 代收、paid 代付"], "pass_through", []),
        (["合计：收入明细、支出明细各自相加"], "totals", {"income": Raw("0.00"), "expense": Raw("0.00")}),
        (["期末余额 = 期初 + 收入 − 支出 + 代收 − 代付"], "closing_balance", money),
        (["签字：报账员、村务监督委员会、审批人（沿用上期，人员有变化请改）"], "signoff", signoff),
    ]
    todo.insert(0, "收入 income、支出 expense 明细，划转 transfers、代收代付 pass_through（没有就不填）")
    todo.insert(1, "合计 totals 和期末余额 closing_balance（现为 0.00 和期初余额）")
    rel = f"villages/{bundle.id}/finance/{period}.yaml"
    return rel, _commented("../../../schemas/finance.schema.json", head, items, set()), todo


def _roster(root: Path, bundle: Any, program: Any, period: Period | None) -> tuple[str, str, list[str]]:
    docs = sorted((d for d in bundle.rosters if d.model.program == program.id), key=lambda d: d.model.period)
    if not docs:
        raise UsageError(
            f"本村还没有{program.name}名单，无法沿用：请用 cunwu template subsidy --program {program.id} "
            "生成模板，填好后用 cunwu import 导入"
        )
    if period is None:
        period = docs[-1].model.period.next()
    before = [d for d in docs if d.model.period < period]
    if not before:
        raise UsageError(f"{period} 之前没有{program.name}名单，无法沿用")
    prev = before[-1]
    raw = raw_doc(root / prev.rel) or {}
    n = _months_between(prev.model.period, period)
    todo = [
        "名单 recipients：核对人员和金额，删去停发的人，新增的人照样加一行（行标识 key 用新的编号，不要重复使用旧的）",
        f"公示期 notice：按上期（{prev.key}）顺延了 {n} 个月，请按实际张贴日期修改",
    ]
    recipients = []
    dropped_notes = 0
    for rec in raw.get("recipients") or []:
        if not isinstance(rec, dict):
            continue
        row = {
            k: Raw(v) if k in ("people", "area", "rate") and _PLAIN_NUMBER.fullmatch(str(v)) else v
            for k, v in rec.items()
            if k != "note"
        }
        dropped_notes += "note" in rec
        recipients.append(keep(row))
    if dropped_notes:
        todo.append(f"备注 note：上期 {dropped_notes} 行的备注（如“新增”）没有沿用，需要的请补上")
    old_notice = raw.get("notice")
    notice: dict = old_notice if isinstance(old_notice, dict) else {}
    try:
        start = dt.date.fromisoformat(str(notice.get("start")))
        end = dt.date.fromisoformat(str(notice.get("end")))
        new_notice: dict[str, Any] = {"start": day(_shift(start, n)), "end": day(_shift(end, n))}
    except ValueError:
        new_notice = {
            "start": day(period.start),
            "end": day(period.start + dt.timedelta(days=program.min_notice_days - 1)),
        }
    total = sum((r.amount for r in prev.model.recipients), Decimal("0"))
    label = f"{bundle.village.name}{period.label}{program.name}名单"
    head = [
        f"{label}（草稿），由 cunwu new 从上期 {prev.key} 开始：人员和行标识沿用上期。",
        "要核对的：名单 recipients（停发的删去，新增的加一行，金额有变化的改）、合计 total、公示期 notice。",
        "审核公开时：status 改为 approved，填写 approved_on（审核公开日期）。",
    ]
    items: list[tuple[list[str], str, Any]] = [
        ([], "program", program.id),
        ([], "period", str(period)),
        (["draft 草稿；审核公开后改为 approved"], "status", "draft"),
        (["发放标准（沿用上期）"], "standard", keep(raw.get("standard"))),
    ]
    if raw.get("rate") is not None:
        items.append((["统一标准（沿用上期）"], "rate", keep(raw.get("rate"))))
    items += [
        ([f"公示期：按上期顺延 {n} 个月，请按实际张贴日期修改"], "notice", new_notice),
        (["监督电话（沿用上期）"], "supervision", keep(raw.get("supervision") or [])),
        (["名单（沿用上期的人和行标识 key）"], "recipients", recipients),
        (["合计 = 名单金额相加；名单有变化时一起改"], "total", Raw(f"{total:.2f}")),
    ]
    if isinstance(raw.get("signoff"), dict):
        items.append((["签字（沿用上期）"], "signoff", keep(raw["signoff"])))
    rel = f"villages/{bundle.id}/subsidies/{period}-{program.id}.yaml"
    return rel, _commented("../../../schemas/subsidy.schema.json", head, items, {"recipients"}), todo
