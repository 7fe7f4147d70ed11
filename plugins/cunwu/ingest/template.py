"""``cunwu template KIND``: an .xlsx for a bookkeeper to fill in, which
``cunwu import`` reads without edits.

Two kinds: the finance ledger (明细账: one row per movement of money, as
the import reads ledgers) and a roster per subsidy program (from the
township's list: the built-in programs plus ``cunwu.yaml: programs``).
Each workbook has

* a sheet 填写说明 (how to fill it in, in Chinese, column by column);
* the sheet to fill in: a title, a frozen header, column widths that fit
  Chinese text, and Excel data validation on every column that has a rule
  (dates inside the period, amounts with at most two decimals, drop-down
  lists of account codes, groups (组别) and program fields, ID numbers of
  15 or 18 characters), with the ID and voucher columns formatted as text
  so Excel keeps leading zeros and does not turn an ID number into
  3.30683E+17;
* a sheet 下拉选项 with the lists the drop-downs read. It stays visible:
  the import refuses a hidden sheet that holds data.

The column names are chosen from the import's own vocabulary
(:data:`cunwu.ingest.columns.SYNONYMS`), and :func:`template_headers`
checks each against it, so a template cannot drift from what the import
reads.

Groups come from the village's ``groups:`` in village.yaml when it has one
(the drop-down then refuses anything else), or else from the groups its
earlier rosters used (the drop-down then only warns). Categories and grades
come from the township's earlier rosters of the program.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from ..errors import UsageError
from ..model.types import Period
from ..sources import find_root
from .columns import Mapping
from .xlsxout import DATE_FORMAT, Book, checked_write, column_width, text_width

#: blank rows carrying the formats and validation of the table
ROWS = 300
SIGN_NOTE = (
    "说明：制表人写报账员，审核人写村务监督委员会的审核人，负责人写审批的村负责人；名字写在右边的格子里。"
)
KINDS = ("finance", "subsidy", "budget")


@dataclass
class TemplateOptions:
    project: Path = Path(".")
    kind: str = "finance"  # finance | subsidy
    #: a roster's program; None: one template per program
    program: str | None = None
    village: str | None = None
    period: str | None = None
    #: the folder to write into (default build/templates/)
    out: Path | None = None


@dataclass
class TemplateResult:
    files: list[Path] = field(default_factory=list)
    #: what the templates were filled with, for the cadre to know
    notes: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Col:
    """One column of a template: its header, the import field it maps to,
    its cell format, its width and its rule."""

    header: str
    field: str
    fmt: str  # a Book format name
    help: str  # how to fill it in (instructions sheet and the cell's input message)
    example: str = ""
    #: data validation: an xlsxwriter option dict, with {col} for the column's
    #: first cell (A4) in custom formulas
    rule: dict[str, Any] | None = None
    width: float = 0


# ---------------------------------------------------------------- context


@dataclass
class Context:
    """What a template may be filled with: the township, and the village if given."""

    root: Path
    township: str
    accounts: list[tuple[str, str, str]]  # (code, name, kind)
    programs: dict[str, Any]
    village_name: str = ""
    cadence: str = "monthly"
    groups: list[str] = field(default_factory=list)
    groups_declared: bool = False
    #: program id -> field -> values seen on the township's rosters, commonest first
    seen: dict[str, dict[str, list[str]]] = field(default_factory=dict)
    #: the village's last closing balance before the period, and its period
    opening: tuple[str, Decimal] | None = None
    #: program id -> the rate (元/亩) of the village's last roster
    last_rate: dict[str, Decimal] = field(default_factory=dict)


_CN_DIGITS = {"一": 1, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9, "十": 10}


def _group_order(name: str) -> tuple[int, str]:
    """一组 … 十二组 in their order, then anything else by its text."""
    m = re.fullmatch(r"([一二三四五六七八九十]{1,3})(?:组|村民小组)", name)
    if m:
        text = m[1]
        if text == "十":
            n = 10
        elif text.startswith("十"):
            n = 10 + _CN_DIGITS[text[1]]
        elif len(text) > 1 and text[1] == "十":
            n = _CN_DIGITS[text[0]] * 10 + (_CN_DIGITS[text[2]] if len(text) > 2 else 0)
        else:
            n = _CN_DIGITS.get(text, 99)
        return (n, name)
    m = re.fullmatch(r"([0-9]{1,3})(?:组|村民小组)", name)
    if m:
        return (int(m[1]), name)
    return (1000, name)


def load_context(project: Path, village: str | None, period: Period | None) -> Context:
    from ..commands.validate import load_project

    root = find_root(Path(project))
    if village is not None and not (root / "villages" / village / "village.yaml").is_file():
        raise UsageError(f"没有这个村：villages/{village}/village.yaml 不存在")
    proj = load_project(root, only=None, history=False)
    tc = proj.township
    ctx = Context(
        root=root,
        township=tc.config.township.name if tc.config.township else "",
        accounts=[(a.code, a.name, a.kind) for a in sorted(tc.accounts.values(), key=lambda a: a.code)],
        programs=dict(tc.programs),
    )
    seen: dict[str, dict[str, Counter[str]]] = {}
    for vb in proj.villages.values():
        for d in vb.rosters:
            per = seen.setdefault(d.model.program, {"category": Counter(), "grade": Counter()})
            for rec in d.model.recipients:
                for f in ("category", "grade"):
                    value = getattr(rec, f)
                    if value:
                        per[f][value] += 1
    ctx.seen = {p: {f: [v for v, _ in c.most_common()] for f, c in fs.items()} for p, fs in seen.items()}
    if village is None:
        return ctx
    bundle = proj.villages.get(village)
    if bundle is None:
        errors = [p.format() for p in proj.report.errors if p.file.startswith(f"villages/{village}/")]
        raise UsageError(
            f"villages/{village}/ 有错误，无法生成模板：请先运行 cunwu validate 改正"
            + ("\n" + "\n".join(errors[:10]) if errors else "")
        )
    v = bundle.village
    ctx.village_name = v.name
    ctx.cadence = v.cadence
    if v.groups:
        ctx.groups, ctx.groups_declared = list(v.groups), True
    else:
        found = {rec.group for d in bundle.rosters for rec in d.model.recipients if rec.group}
        ctx.groups = sorted(found, key=_group_order)
    if period is not None:
        earlier = [d.model for d in bundle.finance if d.model.period < period]
        if earlier:
            last = max(earlier, key=lambda m: m.period)
            if last.period.next() == period:
                ctx.opening = (str(last.period), last.closing_balance)
    for d in bundle.rosters:
        if d.model.rate is not None and (period is None or d.model.period < period):
            ctx.last_rate[d.model.program] = d.model.rate
    return ctx


# ---------------------------------------------------------------- columns


def _money_rule() -> dict[str, Any]:
    return {
        "validate": "custom",
        "value": "=AND(ISNUMBER({col}),ROUND({col},2)={col})",
        "error_title": "金额格式不对",
        "error_message": "金额只能是数字，最多两位小数（精确到分），如 1234.50。不要写“元”或逗号。",
    }


def ledger_columns(period: Period | None) -> list[Col]:
    if period is not None:
        date_rule: dict[str, Any] = {
            "validate": "date",
            "criteria": "between",
            "minimum": dt.datetime.combine(period.start, dt.time()),
            "maximum": dt.datetime.combine(period.end, dt.time()),
            "error_title": "日期不在本期",
            "error_message": f"日期应在 {period.start} 至 {period.end} 之间，写成 {period.start.year}-{period.first_month:02d}-05 这样。",
        }
    else:
        date_rule = {
            "validate": "date",
            "criteria": "between",
            "minimum": dt.datetime(2000, 1, 1),
            "maximum": dt.datetime(2099, 12, 31),
            "error_title": "日期格式不对",
            "error_message": "日期写成 2026-11-05 这样。",
        }
    return [
        Col("日期", "date", "date", "记账日期，写成 2026-11-05", "2026-11-05", date_rule, 12),
        Col(
            "凭证号",
            "voucher",
            "text",
            "凭证号，照凭证写，开头的 0 会保留；一张凭证有几行的，每行都写同一个凭证号",
            "记-012",
            None,
            10,
        ),
        Col(
            "科目",
            "account",
            "text",
            "从下拉列表中选科目（编码和名称）；科目表之外的明细科目也可以直接写编码，如 51305",
            "51301 办公费",
            {
                "validate": "list",
                "source": "='下拉选项'!$A$3:$A${last}",
                "error_type": "warning",
                "error_title": "科目不在科目表中",
                "error_message": "这个科目不在乡镇的科目表中。确实要用的，点“是”；否则请从下拉列表中选择。",
            },
            26,
        ),
        Col(
            "摘要",
            "summary",
            "text",
            "这笔钱的用途或来源，写清楚，村民看得懂",
            "10月宽带和固定电话费",
            None,
            40,
        ),
        Col(
            "收入金额（元）",
            "debit",
            "money",
            "收到的钱（借方），两位小数；支出行留空",
            "6500.00",
            _money_rule(),
            14,
        ),
        Col(
            "支出金额（元）",
            "credit",
            "money",
            "付出的钱（贷方），两位小数；收入行留空",
            "199.00",
            _money_rule(),
            14,
        ),
        Col(
            "余额（元）",
            "balance",
            "money",
            "第一行“期初余额”必须填；以下各行可不填，填了会逐行核对",
            "597729.33",
            _money_rule(),
            14,
        ),
        Col("经办人", "handler", "text", "支出必须填写经办人", "赵晓燕", None, 10),
        Col("审批人", "approver", "text", "支出必须填写审批人", "陈立明", None, 10),
    ]


def roster_columns(program: Any, ctx: Context) -> list[Col]:
    cols = [
        Col("序号", "seq", "int", "1、2、3……（可不填）", "1", None, 6),
        Col(
            "户主姓名" if "people" in program.columns else "姓名",
            "name",
            "text",
            "姓名，照身份证写；生僻字用输入法的生僻字，不要用造字程序",
            "王堃",
            None,
            12,
        ),
        Col(
            "身份证号码",
            "id_number",
            "text",
            "18 位身份证号（整列已设为文本，不会变成 3.30683E+17）。可以填完整号码，导入时自动脱敏，完整号码不会公开",
            "990101********012X（完整号码也可以）",
            {
                "validate": "custom",
                "value": "=OR(LEN({col})=18,LEN({col})=15)",
                "error_title": "身份证号位数不对",
                "error_message": "身份证号应为 18 位（旧证 15 位）。如果显示成 3.30683E+17，请删除后重新输入。",
            },
            22,
        ),
        Col("户号", "household", "text", "户号（可不填）；填了可以把同一户每月对上", "DS-0017", None, 10),
    ]
    groups_rule: dict[str, Any] | None = None
    if ctx.groups:
        groups_rule = {
            "validate": "list",
            "source": "='下拉选项'!$C$3:$C${last}",
            "error_type": "stop" if ctx.groups_declared else "warning",
            "error_title": "组别不在本村的组别中",
            "error_message": "请从下拉列表中选择本村的村民小组。"
            + ("" if ctx.groups_declared else "确实是新的组别，点“是”。"),
        }
    cols.append(Col("组别", "group", "text", "村民小组，从下拉列表中选", "三组", groups_rule, 10))
    for c in program.columns:
        if c == "people":
            cols.append(
                Col(
                    "家庭人口",
                    "people",
                    "int",
                    "保障人数（整数）",
                    "3",
                    {
                        "validate": "integer",
                        "criteria": "between",
                        "minimum": 1,
                        "maximum": 99,
                        "error_title": "人数不对",
                        "error_message": "保障人数应为 1 到 99 的整数。",
                    },
                    10,
                )
            )
        elif c == "start":
            cols.append(
                Col(
                    "起始月份",
                    "start",
                    "text",
                    "开始享受的月份，写成 2024-03",
                    "2024-03",
                    {
                        "validate": "custom",
                        "value": '=AND(LEN({col})=7,MID({col},5,1)="-")',
                        "error_title": "月份格式不对",
                        "error_message": "起始月份写成 2024-03 这样（四位年份、短横线、两位月份）。",
                    },
                    10,
                )
            )
        elif c in ("category", "grade"):
            letter = "E" if c == "category" else "G"
            values = ctx.seen.get(program.id, {}).get(c, [])
            rule = (
                {
                    "validate": "list",
                    "source": f"='下拉选项'!${letter}$3:${letter}${{last}}",
                    "error_type": "information",
                    "error_title": "新的" + ("类别" if c == "category" else "等级"),
                    "error_message": "下拉列表中是以前名单用过的写法；新的写法点“确定”即可。",
                }
                if values
                else None
            )
            zh = "类别" if c == "category" else "等级"
            cols.append(Col(zh, c, "text", f"{zh}，尽量从下拉列表中选，写法与以前的名单一致", "", rule, 12))
        elif c == "area":
            cols.append(
                Col(
                    "面积（亩）",
                    "area",
                    "qty",
                    "面积，单位亩，最多四位小数",
                    "2.75",
                    {
                        "validate": "custom",
                        "value": "=AND(ISNUMBER({col}),{col}>0,ROUND({col},4)={col})",
                        "error_title": "面积格式不对",
                        "error_message": "面积是大于 0 的数字，最多四位小数。",
                    },
                    10,
                )
            )
        elif c == "rate":
            cols.append(
                Col(
                    "补贴标准（元/亩）",
                    "rate",
                    "qty",
                    "每亩补贴标准；金额 = 面积 × 标准，四舍五入到分",
                    "104.86",
                    {
                        "validate": "custom",
                        "value": "=AND(ISNUMBER({col}),{col}>0,ROUND({col},4)={col})",
                        "error_title": "标准格式不对",
                        "error_message": "标准是大于 0 的数字，最多四位小数。",
                    },
                    12,
                )
            )
    cols.append(Col("发放金额（元）", "amount", "money", "金额，两位小数", "880.00", _money_rule(), 14))
    cols.append(Col("备注", "note", "text", "如 新增、更正（可不填）", "2026年11月新增", None, 24))
    return cols


def template_headers(cols: list[Col], mapping: Mapping | None = None) -> None:
    """Every header must be read by the import as the field it stands for."""
    mapping = mapping or Mapping.build()
    for c in cols:
        got = mapping.field_of(c.header)
        if got != c.field:
            raise AssertionError(f"template header {c.header} reads as {got}, not {c.field}")


# ---------------------------------------------------------------- writing


def _instructions(book: Book, title: str, intro: list[str], cols: list[Col], after: list[str]) -> None:
    ws = book.wb.add_worksheet("填写说明")
    f = book.f
    ws.set_column(0, 0, 18)
    ws.set_column(1, 1, 64)
    ws.set_column(2, 2, 30)
    ws.merge_range(0, 0, 0, 2, title, f["title"])
    ws.set_row(0, 28)
    r = 2
    for line in intro:
        ws.merge_range(r, 0, r, 2, line, f["note"])
        ws.set_row(r, 18 * max(1, text_width(line) // 100 + 1))
        r += 1
    r += 1
    ws.write_string(r, 0, "各列怎么填", f["h2"])
    r += 1
    for head in ("列", "填写方法", "例子"):
        ws.write_string(r, ("列", "填写方法", "例子").index(head), head, f["header"])
    r += 1
    for c in cols:
        # one column name per row: the import never takes this table for the data
        ws.write_string(r, 0, "“" + c.header + "”", f["cell_wrap"])
        ws.write_string(r, 1, c.help, f["cell_wrap"])
        ws.write_string(r, 2, c.example, f["cell_wrap"])
        lines = max(text_width(c.help) // 62 + 1, text_width(c.example) // 28 + 1)
        if lines > 1:
            ws.set_row(r, 15 * lines)
        r += 1
    r += 1
    for line in after:
        ws.merge_range(r, 0, r, 2, line, f["note"])
        ws.set_row(r, 18 * max(1, text_width(line) // 100 + 1))
        r += 1
    ws.set_paper(9)
    ws.fit_to_pages(1, 0)


def _options_last(lists: dict[str, list[str]]) -> int:
    """The last row (1-based) of the longest list on the 下拉选项 sheet."""
    return max(3, *(2 + len(v) for v in lists.values()))


def _options(book: Book, lists: dict[str, list[str]]) -> int:
    """The 下拉选项 sheet: lists in columns A, C, E, G; returns the longest list's last row (1-based)."""
    ws = book.wb.add_worksheet("下拉选项")
    f = book.f
    ws.merge_range(0, 0, 0, 6, "本页是“明细账”或“名单”中下拉列表的选项，请不要修改。", f["sub"])
    letters = {"可选科目": 0, "可选组别": 2, "可选类别": 4, "可选等级": 6}
    longest = 3
    for head, col in letters.items():
        values = lists.get(head, [])
        ws.write_string(1, col, head, f["header"])
        ws.set_column(col, col, column_width([head, *values], least=12, most=40))
        for i, v in enumerate(values):
            ws.write_string(2 + i, col, v, f["plain"])
        longest = max(longest, 2 + len(values))
    return longest


def _table(
    book: Book,
    sheet_name: str,
    title: str,
    subtitle: str,
    cols: list[Col],
    last_option_row: int,
    first_rows: list[dict[str, Any]],
) -> None:
    ws = book.wb.add_worksheet(sheet_name)
    f = book.f
    n = len(cols)
    ws.merge_range(0, 0, 0, n - 1, title, f["title"])
    ws.set_row(0, 30)
    ws.merge_range(1, 0, 1, n - 1, subtitle, f["sub"])
    header_row = 2
    first = header_row + 1
    last = first + ROWS - 1
    ws.set_row(header_row, 32)
    for i, c in enumerate(cols):
        ws.write_string(header_row, i, c.header, f["header"])
        ws.set_column(i, i, max(c.width, column_width([c.header], least=6)), f[c.fmt])
        for r in range(first, last + 1):
            ws.write_blank(r, i, None, f[c.fmt])
        top = f"{_letter(i)}{first + 1}"
        if c.rule is not None:
            rule = dict(c.rule)
            if "value" in rule:
                rule["value"] = rule["value"].replace("{col}", top)
            if isinstance(rule.get("source"), str):
                rule["source"] = rule["source"].replace("{last}", str(last_option_row))
            rule.setdefault("input_title", c.header.split("（")[0])
            rule["input_message"] = c.help[:250]
            ws.data_validation(first, i, last, i, rule)
        else:
            ws.data_validation(
                first,
                i,
                last,
                i,
                {"validate": "any", "input_title": c.header.split("（")[0], "input_message": c.help[:250]},
            )
    for k, values in enumerate(first_rows):
        for i, c in enumerate(cols):
            if c.field in values:
                v = values[c.field]
                if isinstance(v, Decimal):
                    ws.write_number(first + k, i, float(v), f[c.fmt])
                else:
                    ws.write_string(first + k, i, str(v), f[c.fmt])
    # the signature block under the table: the import ends the table at 制表人 and
    # reads the names as the sign-off when the village has no earlier one
    for k, label in enumerate(("制表人：", "审核人：", "负责人：")):
        ws.write_string(last + 2 + k, 0, label, f["h2"])
        ws.write_blank(last + 2 + k, 1, None, f["text"])
    ws.write_string(last + 5, 0, SIGN_NOTE, f["sub"])
    ws.freeze_panes(first, 0)
    ws.repeat_rows(header_row)
    ws.set_landscape()
    ws.set_paper(9)
    ws.fit_to_pages(1, 0)
    ws.activate()


def _letter(c: int) -> str:
    from ..load.sheets.read import col_letter

    return col_letter(c)


def _safe_name(text: str) -> str:
    return re.sub(r'[\\/:*?"<>|\s]+', "", text)


def make_templates(opts: TemplateOptions) -> TemplateResult:
    """Write the templates ``opts`` asks for; returns their paths."""
    if opts.kind not in KINDS:
        raise UsageError("模板种类只能是 finance（财务明细账）、subsidy（补贴名单）或 budget（年度预算）")
    period = None
    if opts.kind == "budget":
        if opts.period and not re.fullmatch(r"[12][0-9]{3}", opts.period):
            raise UsageError(f"预算模板的 --period 写年份，如 2026：{opts.period}")
        ctx = load_context(opts.project, opts.village, None)
        out = Path(opts.out) if opts.out else ctx.root / "build" / "templates"
        result = TemplateResult()
        result.files.append(_budget(ctx, int(opts.period) if opts.period else None, out))
        return result
    if opts.period:
        try:
            period = Period.parse(opts.period)
        except ValueError:
            raise UsageError(f"--period 应写成 YYYY-MM 或 YYYY-Qn，如 2026-11：{opts.period}") from None
    ctx = load_context(opts.project, opts.village, period)
    if period is not None and opts.village and opts.kind == "finance":
        want_quarter = ctx.cadence == "quarterly"
        if period.is_quarter != want_quarter:
            raise UsageError(
                f"{ctx.village_name}按{'季度' if want_quarter else '月'}公开财务：--period 应写成"
                f"{' 2026-Q4 这样的季度' if want_quarter else ' 2026-11 这样的月份'}"
            )
    out = Path(opts.out) if opts.out else ctx.root / "build" / "templates"
    result = TemplateResult()
    if opts.kind == "finance":
        result.files.append(_finance(ctx, period, out, result))
    else:
        if opts.program is not None and opts.program not in ctx.programs:
            raise UsageError(
                f"--program {opts.program} 不是已知的补贴项目（有：{'、'.join(sorted(ctx.programs))}）"
            )
        pids = [opts.program] if opts.program else list(ctx.programs)
        for pid in pids:
            result.files.append(_roster(ctx, ctx.programs[pid], period, out, result))
    return result


def _village_period(ctx: Context, period: Period | None) -> str:
    return f"{ctx.village_name or '____村'}{period.label if period else '____年__月'}"


def _finance(ctx: Context, period: Period | None, out: Path, result: TemplateResult) -> Path:
    cols = ledger_columns(period)
    template_headers(cols)
    title = f"{_village_period(ctx, period)}收支明细账"
    book = Book(title)
    allowed_kinds = {"income", "expense"}
    accounts = [
        f"{code} {name}"
        for code, name, kind in ctx.accounts
        if kind in allowed_kinds or code in ("101", "102") or code.startswith("2")
    ]
    intro = [
        "这是村集体的收支明细账（现金和银行存款合在一起记）：每收到或付出一笔钱写一行。填好后保存为 .xlsx，交给镇里的文书导入。",
        "第一行“期初余额”是上期结转下来的余额（现金+银行存款），必须填；镇里生成模板时已填的，请核对。",
        "不要改表头，不要隐藏行或列，不要合并单元格；多余的空行没有关系。金额不要写“元”，也不要用公式以外的文字。",
        "现金存入银行：写两行，凭证号相同：一行科目选“102 银行存款”、支出金额填数；另一行科目选“101 库存现金”、收入金额填数。",
        "代收代付（如代收医保费）：科目选“211 应付款”，摘要写明“代收……”或“代付……”。",
    ]
    after = [
        "填好以后：保存（文件类型选 Excel 工作簿 .xlsx），通过微信或 U 盘交给镇文书。文书用 cunwu import 导入，"
        "有问题会指到具体单元格（如 明细账!E12），改好再交即可。导入后是草稿，审核后才公开。",
        "用 WPS 或 Excel 都可以。请不要把这张表放进村务公开的仓库文件夹。",
    ]
    _instructions(book, f"{title}：填写说明", intro, cols, after)
    lists = {"可选科目": accounts}
    first_rows: list[dict[str, Any]] = [{"summary": "期初余额"}]
    subtitle = "单位：元"
    if ctx.opening is not None:
        prev, amount = ctx.opening
        first_rows[0]["balance"] = amount
        result.notes.append(f"期初余额已填上期（{prev}）期末余额 {amount:,.2f} 元")
    _table(book, "明细账", title, subtitle, cols, _options_last(lists), first_rows)
    _options(book, lists)
    name = (
        f"{_safe_name(ctx.village_name)}{period.label if period else ''}明细账{'' if period else '模板'}.xlsx"
    )
    path = out / name
    checked_write(book.close(), path)
    return path


def _roster(ctx: Context, program: Any, period: Period | None, out: Path, result: TemplateResult) -> Path:
    cols = roster_columns(program, ctx)
    template_headers(cols)
    title = f"{_village_period(ctx, period)}{program.name}发放名单"
    book = Book(title)
    intro = [
        f"这是{program.name}的发放名单，每人（每户）一行。填好后保存为 .xlsx，交给镇里的文书导入。",
        "身份证号可以填完整号码：导入时按乡镇规定脱敏（如 990101********123X），完整号码不会写进任何文件，也不会公开。"
        "身份证号码这一列已设为“文本”，请直接输入或粘贴；如果显示成 3.30683E+17，说明后几位已丢失，请删除后重新输入。",
        "不要改表头，不要隐藏行或列，不要合并单元格；多余的空行没有关系。不要加银行卡号、手机号这样的列：银行卡号列会被拒绝，手机号列会被略去。",
        "每月的名单中同一人写法要一致（姓名、身份证号），这样网站才能显示谁是新增、谁停发了。",
    ]
    if program.calc == "area_rate":
        rate = ctx.last_rate.get(program.id)
        intro.append(
            "金额 = 面积 × 标准，四舍五入到分（如 2.75 亩 × 104.86 = 288.365，写 288.37）。"
            + (f"上期标准为每亩 {rate} 元。" if rate is not None else "")
        )
    after = [
        "填好以后：保存（文件类型选 Excel 工作簿 .xlsx），交给镇文书。文书用 cunwu import 导入，"
        "有问题会指到具体单元格（如 名单!G12），改好再交即可。导入后是草稿，审核后才公示。",
        "公示期、发放标准和监督电话由文书在导入后核对填写。请不要把这张表放进村务公开的仓库文件夹。",
    ]
    _instructions(book, f"{title}：填写说明", intro, cols, after)
    seen = ctx.seen.get(program.id, {})
    lists = {"可选组别": ctx.groups, "可选类别": seen.get("category", []), "可选等级": seen.get("grade", [])}
    if ctx.groups:
        how = "village.yaml 的 groups" if ctx.groups_declared else "本村以前的名单"
        result.notes.append(f"{program.name}：组别下拉列表取自{how}（{'、'.join(ctx.groups)}）")
    _table(book, "名单", title, f"单位：元　　项目：{program.name}", cols, _options_last(lists), [])
    _options(book, lists)
    vp = f"{_safe_name(ctx.village_name)}{period.label if period else ''}"
    name = f"{vp}{program.name}名单{'' if period else '模板'}.xlsx"
    path = out / name
    checked_write(book.close(), path)
    return path


def budget_columns() -> list[Col]:
    from .budget import HEADS

    cols = [
        Col(
            HEADS["section"][0],
            "section",
            "text",
            "收入 或 支出（可不填：按科目表判断）",
            "支出",
            {"validate": "list", "source": ["收入", "支出"]},
            8,
        ),
        Col(
            HEADS["account"][0],
            "account",
            "text",
            "从下拉列表选科目，或写 3 位、5 位科目编码，如 513、51401",
            "51401",
            {"validate": "list", "source": "=下拉选项!$A$3:$A${last}", "error_type": "warning"},
            22,
        ),
        Col(HEADS["name"][0], "name", "text", "科目名称（只供阅读，导入时按科目编码）", "道路维护", None, 16),
        Col(
            HEADS["amount"][0],
            "amount",
            "money",
            "全年预算金额，元，最多两位小数",
            "30000.00",
            _money_rule(),
            16,
        ),
        Col(HEADS["note"][0], "note", "text", "用途、测算依据（可不填）", "村道日常养护", None, 40),
    ]
    return cols


def _budget(ctx: Context, year: int | None, out: Path) -> Path:
    from .budget import HEADS, _field

    cols = budget_columns()
    for c in cols:  # the import reads exactly these headers
        assert _field(c.header) == c.field, c.header
    assert all(c.header == HEADS[c.field][0] for c in cols)
    title = f"{ctx.village_name or '____村'}{year if year else '____'}年度预算"
    book = Book(title)
    intro = [
        "这是村集体的年度预算：每个科目一行，填全年的预算金额。预算经村民（代表）会议通过（四议两公开）后公开。",
        "收入和支出都写在这一张表里；“类别”可以不填，按科目表判断。同一科目只写一行；明细科目（如 51401）和上级科目（如 514）不要重复计算。",
        "不要改表头，不要隐藏行或列，不要合并单元格；多余的空行没有关系。金额不要写“元”。",
        "年中调整预算不用这张表：调整也要经四议两公开，由镇文书在预算文件中新增一条“预算调整”。",
    ]
    after = [
        "填好以后：保存（.xlsx），交给镇文书，用 cunwu import 文件 --village 村 --kind budget 导入。导入后是草稿，"
        "文书填上决议日期和审核公开日期后才公开。请不要把这张表放进村务公开的仓库文件夹。",
    ]
    _instructions(book, f"{title}：填写说明", intro, cols, after)
    accounts = [f"{code} {name}" for code, name, kind in ctx.accounts if kind in ("income", "expense")]
    lists = {"可选科目": accounts}
    _table(book, "预算", title, "单位：元", cols, _options_last(lists), [])
    _options(book, lists)
    path = out / f"{_safe_name(ctx.village_name)}{year or ''}年度预算{'' if year else '模板'}.xlsx"
    checked_write(book.close(), path)
    return path


__all__ = ["DATE_FORMAT", "TemplateOptions", "TemplateResult", "make_templates"]
