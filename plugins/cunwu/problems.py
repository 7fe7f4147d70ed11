"""Problems are data: a stable code, a file, a line, a field path and a message.

Every stage that can find something wrong with the sources (load, validate,
history) reports :class:`Problem` records into a :class:`Report` instead of
raising, so one run shows every problem at once, like a compiler.

The catalogue :data:`CODES` is the single list of problem codes. Codes are
stable kebab-case words that scripts and tests can rely on; messages are
Chinese, for the cadres who fix the files. ``docs/problems.md`` documents
each code and a test keeps the two in step.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from typing import Literal

from .words import shorten

#: how much of a value a message quotes (see :func:`short_message`)
QUOTE_LIMIT = 80

#: "info" is for what a newcomer should know but need not act on (the first
#: build in a new folder): printed, never counted as a warning, even with --strict
Severity = Literal["error", "warning", "info"]

#: code -> (default severity, short Chinese title)
CODES: dict[str, tuple[Severity, str]] = {
    # loading
    "file-too-large": ("error", "文件过大"),
    "empty-file": ("error", "文件为空"),
    "invalid-utf8": ("error", "不是有效的 UTF-8 编码"),
    "yaml-syntax": ("error", "YAML 语法错误"),
    "json-syntax": ("error", "JSON 语法错误"),
    "yaml-unsafe-tag": ("error", "不允许的 YAML 标签"),
    "yaml-alias-bomb": ("error", "YAML 别名展开过多"),
    "yaml-too-deep": ("error", "YAML 嵌套过深"),
    "duplicate-key": ("error", "重复的键"),
    "comment-after-value": ("error", "值后面的 # 被当作注释"),
    "not-a-mapping": ("error", "文件内容应为键值映射"),
    "front-matter-missing": ("error", "缺少 YAML 头部"),
    "unknown-file": ("warning", "无法识别的文件"),
    "misnamed-file": ("error", "文件名或位置写错"),
    "unsafe-file": ("error", "指向别处的链接或特殊文件"),
    "value-normalised": ("warning", "已规范化的输入"),
    # structure (translated from pydantic)
    "missing-field": ("error", "缺少必填字段"),
    "unknown-field": ("error", "未知字段"),
    "wrong-type": ("error", "类型错误"),
    "invalid-value": ("error", "取值无效"),
    "invalid-choice": ("error", "取值不在允许范围"),
    "invalid-date": ("error", "日期格式错误"),
    "money-format": ("error", "金额格式错误"),
    "code-format": ("error", "编码格式错误"),
    # identity and references
    "filename-mismatch": ("error", "文件名与内容不符"),
    "duplicate-id": ("error", "编号重复"),
    "unknown-reference": ("error", "引用的对象不存在"),
    "unknown-account": ("error", "未知会计科目"),
    "undeclared-subaccount": ("warning", "未登记的明细科目"),
    "account-kind-mismatch": ("error", "科目类别不符"),
    "unknown-program": ("error", "未知补贴项目"),
    "unknown-group": ("error", "未知权力类别"),
    "unknown-village-group": ("warning", "组别不在本村的村民小组中"),
    "same-person-two-keys": ("warning", "同一人在一份名单中用了两个行标识"),
    "attachment-outside-village": ("error", "附件路径越出本村文件夹"),
    "attachment-missing": ("error", "附件文件不存在"),
    "image-too-large": ("warning", "图片文件过大"),
    "township-mismatch": ("error", "所属乡镇不符"),
    # money and dates
    "balance-mismatch": ("error", "期初期末余额不平"),
    "total-mismatch": ("error", "合计数不符"),
    "area-rate-mismatch": ("error", "面积×标准≠金额"),
    "opening-mismatch": ("error", "期初余额与上期期末不符"),
    "yearend-mismatch": ("error", "决算与各期财务公开不符"),
    "yearend-incomplete": ("error", "决算年度的财务公开不全"),
    "period-gap": ("warning", "缺少中间期间的财务公开"),
    "date-outside-period": ("error", "日期不在公开期间内"),
    "notice-period-invalid": ("error", "公示期错误"),
    "notice-too-short": ("error", "公示期过短"),
    "negative-amount": ("warning", "负数金额"),
    "missing-approver": ("error", "支出缺少经办人或审批人"),
    "approval-date-missing": ("error", "已审核公开但缺少审核日期"),
    "approved-too-early": ("error", "期间未结束就审核公开"),
    "notice-before-approval": ("warning", "公示早于审核"),
    "correction-invalid": ("error", "更正记录错误"),
    "cadence-mismatch": ("error", "公开周期不符"),
    # flowcharts
    "flow-unknown-target": ("error", "流程指向不存在的步骤"),
    "flow-unreachable": ("error", "流程步骤无法到达"),
    "flow-no-end": ("error", "流程无法走到结束"),
    "flow-bad-node": ("error", "流程节点定义错误"),
    # privacy
    "id-number-leak": ("error", "完整身份证号泄露"),
    "bank-card-leak": ("error", "银行卡号泄露"),
    "mobile-leak": ("error", "私人手机号泄露"),
    "id-mask-format": ("error", "身份证脱敏格式不符"),
    # posters
    "glyph-missing": ("error", "张贴版字体缺字"),
    # history (git)
    "history-unavailable": ("warning", "无法读取 Git 历史"),
    "uncommitted-changes": ("warning", "有未提交的修改"),
    "manifest-missing": ("warning", "没有上次发布的版本清单"),
    "silent-edit": ("error", "已公开内容被修改但没有更正记录"),
    # spreadsheet import (cunwu import) and spreadsheets in the repository
    "sheet-unreadable": ("error", "表格文件无法读取"),
    "sheet-encoding": ("error", "CSV 编码无法使用"),
    "sheet-hidden": ("error", "表格有隐藏的行或工作表"),
    "sheet-kind": ("error", "无法判断表格的种类、项目或期间"),
    "column-missing": ("error", "缺少必需的列"),
    "column-ambiguous": ("error", "两列都可以作为同一字段"),
    "column-refused": ("error", "表格含不能导入的列"),
    "column-dropped": ("warning", "已略去含个人信息的列"),
    "header-repeated": ("error", "表头出现不止一次"),
    "cell-formula-no-value": ("error", "公式没有保存计算结果"),
    "cell-normalised": ("warning", "单元格内容已规范化"),
    "money-float-corrected": ("warning", "金额的浮点误差已更正"),
    "id-number-format": ("error", "身份证号格式错误"),
    "private-use-char": ("error", "含私用区（造字）字符"),
    "duplicate-person": ("error", "同一人出现两次"),
    "key-ambiguous": ("error", "无法确定是上期名单中的哪一位"),
    "target-approved": ("error", "目标文件已审核公开"),
    "source-in-repository": ("error", "原始表格在仓库中且未被忽略"),
    "import-default": ("warning", "表格中没有的内容已按上期或默认值填写"),
    "ledger-account": ("error", "明细账科目无法归入收入、支出、划转或代收代付"),
    "ledger-mismatch": ("error", "明细账合计或余额对不上"),
    "linkage-key-leak": ("error", "关联码泄露"),
}


@dataclass(frozen=True, order=True)
class Problem:
    """One thing wrong with the sources.

    ``file`` is relative to the project root with forward slashes; ``line`` is
    1-based (0 when the problem concerns the file as a whole); ``loc`` is the
    field path inside the file, e.g. ``expense[3].amount``.

    In a spreadsheet, ``sheet`` names the worksheet and ``cell`` the cell
    (``C12``; empty for the sheet as a whole); ``line`` is then the row.
    Printed ``2026-11-低保.xlsx:低保名单!C12: code: message``.
    """

    file: str
    line: int
    code: str
    message: str
    loc: str = ""
    severity: Severity = "error"
    sheet: str = ""
    cell: str = ""

    def __post_init__(self) -> None:
        if self.code not in CODES:
            raise KeyError(f"unregistered problem code {self.code!r}")

    def format(self) -> str:
        if self.sheet or self.cell:
            at_cell = f"{self.sheet}!{self.cell}" if self.sheet and self.cell else self.sheet or self.cell
            where = f"{self.file}:{at_cell}"
        else:
            where = f"{self.file}:{self.line}" if self.line else self.file
        level = {"error": "", "warning": "警告 ", "info": "提示 "}[self.severity]
        at = f"{self.loc}: " if self.loc else ""
        return f"{where}: {self.code}: {level}{at}{self.message}"


#: a quoted value in a message (“…” or "…"), or a long run of ASCII without a
#: blank (base64, a URL); Chinese prose has no blanks and is never cut
_QUOTED = re.compile(
    rf"“([^”]{{{QUOTE_LIMIT + 1},}})”|\"([^\"\n]{{{QUOTE_LIMIT + 1},}})\"|([!-~]{{{2 * QUOTE_LIMIT},}})"
)


def short_message(message: str) -> str:
    """``message`` with every long quoted value, and every long run of
    ASCII characters without a blank, cut short (:func:`cunwu.words.shorten`): a
    pasted picture (a ``data:`` URL of 11,000 characters), a long paragraph
    or a hostile value never makes a message unreadable."""
    if len(message) <= QUOTE_LIMIT:
        return message

    def cut(m: re.Match[str]) -> str:
        if m.group(1) is not None:
            return f"“{shorten(m.group(1), QUOTE_LIMIT)}”"
        if m.group(2) is not None:
            return f'"{shorten(m.group(2), QUOTE_LIMIT)}"'
        return shorten(m.group(3), QUOTE_LIMIT)

    return _QUOTED.sub(cut, message)


def problem(
    file: str,
    line: int,
    code: str,
    message: str,
    loc: str = "",
    severity: Severity | None = None,
    sheet: str = "",
    cell: str = "",
) -> Problem:
    """Build a Problem with the code's default severity unless one is given;
    long values quoted in the message are cut short (:func:`short_message`)."""
    return Problem(
        file=file,
        line=line,
        code=code,
        message=short_message(message),
        loc=loc,
        severity=severity or CODES[code][0],
        sheet=sheet,
        cell=cell,
    )


@dataclass
class Report:
    """Every problem found in one run, in a stable order."""

    problems: list[Problem] = field(default_factory=list)
    files_checked: int = 0

    def add(self, p: Problem) -> None:
        self.problems.append(p)

    def extend(self, ps: Iterable[Problem]) -> None:
        self.problems.extend(ps)

    def sorted(self) -> list[Problem]:
        return sorted(
            set(self.problems),
            key=lambda p: (p.file, p.sheet, p.line, len(p.cell), p.cell, p.code, p.loc, p.message),
        )

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.sorted() if p.severity == "error"]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.sorted() if p.severity == "warning"]

    @property
    def notes(self) -> list[Problem]:
        """Information only (severity "info")."""
        return [p for p in self.sorted() if p.severity == "info"]

    def ok(self, strict: bool = False) -> bool:
        return not self.errors and not (strict and self.warnings)

    def summary(self) -> str:
        e, w = len(self.errors), len(self.warnings)
        if not e and not w:
            return f"校验通过：检查了 {self.files_checked} 个文件，没有发现问题。"
        return f"检查了 {self.files_checked} 个文件：{e} 个错误，{w} 个警告。"

    def to_text(self) -> str:
        lines = [p.format() for p in self.sorted()]
        lines.append(self.summary())
        return "\n".join(lines)

    def to_json(self, strict: bool = False) -> str:
        return json.dumps(
            {
                "ok": self.ok(strict),
                "files_checked": self.files_checked,
                "errors": len(self.errors),
                "warnings": len(self.warnings),
                "problems": [asdict(p) for p in self.sorted()],
            },
            ensure_ascii=False,
            indent=2,
        )
