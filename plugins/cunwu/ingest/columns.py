"""Find the table in a real sheet: the header row, what each column is, the
kind of sheet, its program and period.

A real export has a title row (often merged across the columns), a unit line
(单位：元), the header, the rows, a 合计 row and a signature block
(制表人、审核人、日期). The header is the first of the top rows in which at
least two cells name known columns; the rows above it are the title, whose
text (with the file and sheet names) tells the program and the period.

Column names are compared after NFKC, without spaces, line breaks or a unit
in brackets (``补助金额（元）`` is 补助金额). A township adds its own names
for odd exports in ``config/import.yaml`` (see docs/import.md).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

from ..load.sheets.read import Sheet

#: field -> the column names it is known by
SYNONYMS: dict[str, tuple[str, ...]] = {
    # rosters
    "seq": ("序号", "序", "NO", "NO.", "编号序号"),
    "name": (
        "姓名",
        "户主姓名",
        "户主",
        "户主名称",
        "申请人",
        "申请人姓名",
        "领取人",
        "领取人姓名",
        "享受人姓名",
        "救助对象姓名",
        "补贴对象",
        "补贴对象姓名",
        "农户姓名",
        "承包户姓名",
        "承包方姓名",
    ),
    "id_number": (
        "身份证号",
        "身份证号码",
        "公民身份号码",
        "身份证",
        "证件号码",
        "身份证件号码",
        "户主身份证号",
        "户主身份证号码",
        "承包方身份证号",
    ),
    "household": ("户号", "户编号", "家庭编号", "农户编号", "承包户编号"),
    "group": ("组别", "村民小组", "小组", "组", "所在组", "村组", "所在村民小组"),
    "people": ("家庭人口", "保障人数", "人口", "家庭人数", "享受人数", "保障人口", "户籍人口"),
    "area": ("面积", "补贴面积", "确权面积", "计税面积", "种植面积", "亩数", "补贴面积亩"),
    "rate": ("标准", "补贴标准", "每亩补贴", "单价", "每亩补贴标准"),
    "amount": (
        "金额",
        "发放金额",
        "补助金额",
        "补贴金额",
        "实发金额",
        "月发放金额",
        "月补助金额",
        "保障金额",
        "月保障金额",
        "救助金额",
        "津贴金额",
        "补贴金额元",
    ),
    "category": ("类别", "人员类别", "保障类别", "残疾类别", "供养方式", "对象类别"),
    "grade": ("等级", "残疾等级", "级别"),
    "start": ("起始月份", "享受起始时间", "开始享受时间", "起始时间", "纳入时间", "起始年月", "享受起始年月"),
    "note": ("备注", "说明"),
    "mobile": ("联系电话", "电话", "手机", "手机号", "手机号码", "联系方式", "电话号码"),
    "bank_card": (
        "银行卡号",
        "卡号",
        "银行账号",
        "账号",
        "社保卡号",
        "一卡通账号",
        "一卡通卡号",
        "存折号",
        "存折账号",
        "开户账号",
        "银行账户",
    ),
    "address": ("住址", "家庭住址", "地址", "户籍地址"),
    # ledgers
    "date": ("日期", "记账日期", "凭证日期", "业务日期"),
    "voucher": ("凭证号", "凭证字号", "凭证编号", "凭证"),
    "account": ("科目", "科目编码", "科目代码", "对方科目", "会计科目", "科目编号", "对方科目编码"),
    "account_name": ("科目名称", "对方科目名称", "会计科目名称"),
    "summary": ("摘要", "业务摘要"),
    "debit": ("借方", "借方金额", "借方发生额", "收入金额"),
    "credit": ("贷方", "贷方金额", "贷方发生额", "支出金额"),
    "balance": ("余额", "结余", "余额金额"),
    "direction": ("方向", "借或贷", "余额方向"),
    "handler": ("经办人", "经手人"),
    "approver": ("审批人", "批准人"),
}

FIELD_ZH = {
    "seq": "序号",
    "name": "姓名",
    "id_number": "身份证号",
    "household": "户号",
    "group": "组别",
    "people": "家庭人口",
    "area": "面积",
    "rate": "标准",
    "amount": "金额",
    "category": "类别",
    "grade": "等级",
    "start": "起始月份",
    "note": "备注",
    "mobile": "联系电话",
    "bank_card": "银行卡号",
    "address": "住址",
    "date": "日期",
    "voucher": "凭证号",
    "account": "科目",
    "account_name": "科目名称",
    "summary": "摘要",
    "debit": "借方",
    "credit": "贷方",
    "balance": "余额",
    "direction": "方向",
    "handler": "经办人",
    "approver": "审批人",
}

ROSTER_FIELDS = {
    "seq",
    "name",
    "id_number",
    "household",
    "group",
    "people",
    "area",
    "rate",
    "amount",
    "category",
    "grade",
    "start",
    "note",
    "mobile",
    "bank_card",
    "address",
}
LEDGER_FIELDS = {
    "seq",
    "date",
    "voucher",
    "account",
    "account_name",
    "summary",
    "debit",
    "credit",
    "balance",
    "direction",
    "handler",
    "approver",
    "note",
}

#: built-in program words, most specific first
PROGRAM_WORDS: list[tuple[str, tuple[str, ...]]] = [
    ("canji-huli", ("重度残疾人护理补贴", "残疾人护理补贴", "护理补贴")),
    ("canji-shenghuo", ("困难残疾人生活补贴", "残疾人生活补贴")),
    ("tekun", ("特困人员", "特困供养", "特困", "五保")),
    ("gaoling", ("高龄津贴", "高龄补贴", "高龄")),
    ("gengdi", ("耕地地力保护补贴", "耕地地力", "耕地保护补贴", "地力补贴")),
    ("dibao", ("最低生活保障", "低保")),
]

#: the first cell of a row that ends the table: the signature block
FOOTER = re.compile(
    r"^(制表|填表|审核|审批|复核|负责人|单位负责人|经办人|村负责人|会计|记账|出纳|日期|填报日期|说明|注[:：]|备注[:：]|公示|监督电话|举报电话)"
)
SUM_WORDS = re.compile(r"^(合\s*计|总\s*计|小\s*计|本页合计|本月合计|本期合计|本季合计|本年累计|累计)")

_UNIT = re.compile(r"[（(][^（）()]*[)）]$")


def norm_header(text: str) -> str:
    text = unicodedata.normalize("NFKC", str(text))
    text = re.sub(r"\s+", "", text)
    for _ in range(2):
        text = _UNIT.sub("", text)
    return text.rstrip(":：").upper() if text.isascii() else text.rstrip(":：")


@dataclass
class Mapping:
    """Column names per field, the built-in ones plus the township's."""

    names: dict[str, str] = field(default_factory=dict)  # normalised header -> field
    programs: list[tuple[str, tuple[str, ...]]] = field(default_factory=list)
    pass_through_accounts: tuple[str, ...] = ()

    @classmethod
    def build(cls, extra: dict | None = None, township_programs: dict | None = None) -> Mapping:
        m = cls()
        for f, names in SYNONYMS.items():
            for n in names:
                m.names[norm_header(n)] = f
        extra = extra or {}
        for f, names in (extra.get("columns") or {}).items():
            for n in names:
                m.names[norm_header(n)] = f
        progs: list[tuple[str, tuple[str, ...]]] = [
            (pid, tuple(words)) for pid, words in (extra.get("programs") or {}).items()
        ]
        for pid, prog in (township_programs or {}).items():
            if getattr(prog, "name", None):
                progs.append((pid, (prog.name,)))
        m.programs = progs + PROGRAM_WORDS
        m.pass_through_accounts = tuple(extra.get("pass_through_accounts") or ())
        return m

    def field_of(self, text: str) -> str | None:
        if not text:
            return None
        key = norm_header(text)
        return self.names.get(key)


@dataclass
class Table:
    sheet: Sheet
    header_row: int  # 0-based
    columns: dict[str, int]  # field -> 0-based column
    headers: dict[int, str]  # column -> header text as printed
    kind: str  # subsidy | finance
    title: str  # the text above the header
    first_data_row: int
    unknown: list[int] = field(default_factory=list)  # columns with a header we do not know
    #: fields named by more than one column: field -> columns
    duplicates: dict[str, list[int]] = field(default_factory=dict)


def _row_text(sheet: Sheet, r: int) -> list[str]:
    from ..load.sheets.display import plain_text

    row = sheet.rows[r] if r < len(sheet.rows) else []
    return [plain_text(c).strip() if c is not None else "" for c in row]


HEADER_SCAN_ROWS = 30


def header_candidates(sheet: Sheet, mapping: Mapping) -> list[tuple[int, dict[str, list[int]]]]:
    """Rows among the first ones that name at least two known columns."""
    out = []
    for r in range(min(len(sheet.rows), HEADER_SCAN_ROWS)):
        found: dict[str, list[int]] = {}
        for c, text in enumerate(_row_text(sheet, r)):
            f = mapping.field_of(text)
            if f:
                found.setdefault(f, []).append(c)
        if len(found) >= 2:
            out.append((r, found))
    return out


def kind_of(found: dict[str, list[int]]) -> str | None:
    f = set(found)
    if ({"debit", "credit"} & f) and ({"voucher", "summary", "account"} & f):
        return "finance"
    if "name" in f and ({"amount", "area", "id_number"} & f):
        return "subsidy"
    return None


def title_text(sheet: Sheet, header_row: int) -> str:
    parts: list[str] = []
    for r in range(header_row):
        parts.extend(t for t in _row_text(sheet, r) if t)
    return " ".join(parts)


# ---------------------------------------------------------------- program and period

_MONTH = re.compile(r"(20[0-9]{2})\s*年\s*([01]?[0-9])\s*月")
_QUARTER = re.compile(r"(20[0-9]{2})\s*年\s*(?:第\s*)?([一二三四1-4])\s*季度")
_ISO_MONTH = re.compile(r"(?<![0-9])(20[0-9]{2})[-._/年]([01][0-9])(?![0-9])")
_COMPACT_MONTH = re.compile(r"(?<![0-9])(20[0-9]{2})(0[1-9]|1[0-2])(?![0-9])")
_CN_Q = {"一": 1, "二": 2, "三": 3, "四": 4}


def periods_in(text: str) -> list[str]:
    out = []
    for m in _QUARTER.finditer(text):
        q = _CN_Q.get(m[2]) or int(m[2])
        out.append(f"{m[1]}-Q{q}")
    for rx in (_MONTH, _ISO_MONTH, _COMPACT_MONTH):
        for m in rx.finditer(text):
            if 1 <= int(m[2]) <= 12:
                out.append(f"{m[1]}-{int(m[2]):02d}")
    seen = []
    for p in out:
        if p not in seen:
            seen.append(p)
    return seen


def program_in(text: str, mapping: Mapping) -> list[str]:
    found = []
    for pid, words in mapping.programs:
        if any(w and w in text for w in words) and pid not in found:
            found.append(pid)
    return found


def load_mapping_file(root: Path) -> tuple[dict, str | None]:
    """The township's ``config/import.yaml`` (optional): (data, problem text)."""
    path = root / "config" / "import.yaml"
    if not path.is_file():
        return {}, None
    from ..load.yamlsafe import decode_text, parse_yaml

    text, problems = decode_text("config/import.yaml", path.read_bytes())
    if text is None:
        return {}, problems[0].message if problems else "无法读取"
    located, problems = parse_yaml("config/import.yaml", text)
    if located is None or problems:
        return {}, problems[0].format() if problems else "无法读取"
    data = located.data
    if not isinstance(data, dict):
        return {}, "应为键值映射"
    allowed = {"columns", "programs", "pass_through_accounts"}
    extra = set(data) - allowed
    if extra:
        return {}, f"不认识的键 {'、'.join(sorted(extra))}（可用：columns、programs、pass_through_accounts）"
    cols = data.get("columns") or {}
    if not isinstance(cols, dict):
        return {}, "columns 应为“字段: [列名, ...]”"
    for f, names in cols.items():
        if f not in SYNONYMS:
            return {}, f"columns 中的字段 “{f}” 不存在；可用的字段：{'、'.join(sorted(SYNONYMS))}"
        if not isinstance(names, list) or not all(isinstance(n, str) and n for n in names):
            return {}, f"columns.{f} 应为列名的列表，如 [领款人]"
    progs = data.get("programs") or {}
    if not isinstance(progs, dict) or not all(
        isinstance(v, list) and all(isinstance(w, str) and w for w in v) for v in progs.values()
    ):
        return {}, "programs 应为“项目 id: [表头中的词, ...]”"
    pta = data.get("pass_through_accounts") or []
    if not isinstance(pta, list) or not all(isinstance(a, str) for a in pta):
        return {}, 'pass_through_accounts 应为科目代码的列表，如 ["21101"]'
    return data, None
