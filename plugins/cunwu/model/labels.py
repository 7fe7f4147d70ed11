"""Chinese labels of model fields, for people: one source for every stage.

A field's label is the start of its description (``description="村民小组，如
三组"`` gives 村民小组), unless :data:`LABEL_OVERRIDES` names a better one.
Diffs, versions pages and messages all name fields this way, so a field never
reads two ways.
"""

from __future__ import annotations

from pydantic import BaseModel

#: field labels where the model's description does not start with a good one
LABEL_OVERRIDES: dict[tuple[str, str], str] = {
    ("*", "corrections"): "更正记录",
    ("*", "flow"): "流程图",
    ("Attachment", "path"): "路径",
    ("NoticePeriod", "start"): "开始日期",
    ("NoticePeriod", "end"): "结束日期",
    ("FlowNode", "next"): "下一步",
    ("FlowNode", "yes"): "“是”分支",
    ("FlowNode", "no"): "“否”分支",
    ("FlowNode", "end"): "结束结果",
    ("LedgerLine", "line"): "行号",
    ("LedgerLine", "account"): "科目",
    ("Transfer", "line"): "行号",
    ("Transfer", "direction"): "方向",
    ("PassThrough", "line"): "行号",
    ("Recipient", "key"): "行标识",
    ("Village", "code"): "村代码",
    ("Village", "since"): "起始期间",
    ("SiteSettings", "rosters_offline_after_notice"): "公示期后撤下名单",
    ("PrintSettings", "window_months"): "张贴版月数",
    ("TownshipConfig", "base_url"): "网站根网址",
    ("Village", "base_url"): "本村网址",
    ("FinanceStatement", "totals"): "合计",
    ("Totals", "income"): "收入合计",
    ("Totals", "expense"): "支出合计",
    ("BudgetLine", "account"): "科目",
    ("BudgetLine", "amount"): "金额",
    ("BudgetLine", "note"): "说明",
    ("BudgetAdjustment", "date"): "调整日期",
    ("BudgetAdjustment", "resolution_date"): "决议日期",
    ("BudgetAdjustment", "income"): "调整后的收入",
    ("BudgetAdjustment", "expense"): "调整后的支出",
    ("BudgetAdjustment", "totals"): "调整后合计",
    ("Budget", "resolution_date"): "决议日期",
    ("Budget", "totals"): "合计",
    ("YearEnd", "resolution_date"): "决议日期",
    ("YearEnd", "totals"): "合计",
    ("YearEnd", "pass_through_net"): "代收代付净额",
}

_CUT = "（(，,：:；; =、"


def field_label(cls: type[BaseModel], name: str) -> str:
    """A short Chinese label for a model field, from its description."""
    for key in ((cls.__name__, name), ("*", name)):
        if key in LABEL_OVERRIDES:
            return LABEL_OVERRIDES[key]
    f = cls.model_fields.get(name)
    desc = (f.description or "") if f else ""
    cut = len(desc)
    for ch in _CUT:
        i = desc.find(ch)
        if 0 < i < cut:
            cut = i
    label = desc[:cut].strip()
    return label or name


def label_map(cls: type[BaseModel]) -> dict[str, str]:
    """Every field of ``cls`` with its label."""
    return {name: field_label(cls, name) for name in cls.model_fields}
