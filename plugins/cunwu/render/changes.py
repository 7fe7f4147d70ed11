"""Changes for people: one-line summaries, terminal lines, versions-page rows.

:mod:`cunwu.history.diff` says *what* changed, as data; this module says it
in Chinese, the same way on every page and in every command.
"""

from __future__ import annotations

from typing import Any

from ..history.diff import _SECTION, Change, kind_label
from ..kinds import KINDS, spec
from ..model.labels import field_label
from ..words import CHANGE_VERBS, money_text


def show_row(value: Any, labels: dict[str, str] | None = None) -> str:
    """A changed value for villagers: a whole row as "姓名 张三；金额 500.00", not a dict.

    Keys are named by ``labels`` (the row model's own Chinese labels,
    ``Change.labels``): a flowchart node reads "步骤名称 …；下一步 …", never
    "step …；next …"."""
    labels = labels or {}
    if isinstance(value, dict):
        return "；".join(
            f"{labels.get(k, k)} {show_row(v, labels)}" for k, v in value.items() if v not in (None, "", [])
        )
    if isinstance(value, list):
        return "、".join(show_row(v, labels) for v in value)
    return "" if value is None else str(value)


def change_rows(changes: list[Change]) -> list[dict]:
    """Changes as plain rows for the versions page (correction entries are
    shown on their own, as 更正说明, so they are left out here). The label
    already names the field in Chinese ("王堃 金额", "流程“审核” 下一步")."""
    rows = []
    for c in changes:
        if c.where.startswith("corrections"):
            continue
        labels = dict(c.labels)
        rows.append(
            {
                "op": CHANGE_VERBS[c.op],
                "label": c.label or c.where,
                "before": show_row(c.before, labels),
                "after": show_row(c.after, labels),
            }
        )
    return rows


def _top(c: Change) -> str:
    """The top-level field a change belongs to: "recipients", "total", "notice"..."""
    w = c.where
    for sep in ("[", "."):
        i = w.find(sep)
        if i >= 0:
            w = w[:i]
    return w


def _row_level(c: Change, top: str) -> bool:
    """True for a change adding/removing a row directly in list ``top``."""
    if c.op == "changed" or c.field is not None:
        return False
    w = c.where
    if not w.startswith(top):
        return False
    rest = w[len(top) :]
    if top == "flow" and rest.startswith("."):
        rest = rest[rest.find("[") :] if "[" in rest else rest
    return rest.startswith("[") and rest.endswith("]") and rest.count("[") == 1


_TOP_LABELS: dict[str, str] = {}


def _top_label(top: str, kind: str = "") -> str:
    """The label of a top-level field ("recipients" -> "名单"), of ``kind``'s model if known."""
    k = spec(kind)
    if k is not None and top in k.model.model_fields:
        return field_label(k.model, top)
    if not _TOP_LABELS:
        for other in KINDS.values():
            for name in other.model.model_fields:
                _TOP_LABELS.setdefault(name, field_label(other.model, name))
        _TOP_LABELS["body"] = "正文"
    return _TOP_LABELS.get(top, top)


def _others(changes: list[Change], kind: str) -> str:
    """The labels of the top-level fields the changes touch, in order, without repeats."""
    labels: list[str] = []
    for c in changes:
        lab = _top_label(_top(c), kind)
        if lab not in labels:
            labels.append(lab)
    return "、".join(labels)


def _balance(changes: list[Change], where: str, label: str, field: str | None = None) -> str | None:
    for c in changes:
        if c.where == where and c.field == field and c.op == "changed":
            return f"{label} {money_text(c.before)} → {money_text(c.after)}"
    return None


def summarise(changes: list[Change], kind: str | None = None) -> str:
    """A one-line Chinese summary, e.g. ``名单：新增 1 户，删除 1 户，修改 2 处；合计 12,300.00 → 12,450.00``.

    ``kind`` (finance, subsidy, notice, power ...) picks the wording; without
    it, it is guessed from the changes.
    """
    kind = kind or _guess_kind(changes)
    name = kind_label(kind) if kind else "文件"
    if not changes:
        return f"{name}：没有实质修改"
    whole = [c for c in changes if c.where == ""]
    if whole:
        return f"{name}：" + ("新建" if whole[0].op == "added" else "已删除")
    parts: list[str] = []
    rest = [c for c in changes if not (c.where == "file" and c.field == "path")]
    moved = [c for c in changes if c.where == "file" and c.field == "path"]
    if moved:
        parts.append(f"文件改名 {moved[0].before} → {moved[0].after}")
    if any(c.where.startswith("text[") for c in rest):
        n_add = sum(c.op == "added" for c in rest)
        n_del = sum(c.op == "removed" for c in rest)
        parts.append(f"无法按当前格式解析，原文新增 {n_add} 行，删除 {n_del} 行")
        return f"{name}：" + "；".join(parts)
    if kind == "subsidy":
        rows = [c for c in rest if _top(c) == "recipients"]
        added = sum(_row_level(c, "recipients") and c.op == "added" for c in rows)
        removed = sum(_row_level(c, "recipients") and c.op == "removed" for c in rows)
        edits = sum(not _row_level(c, "recipients") for c in rows)
        counts = []
        if added:
            counts.append(f"新增 {added} 户")
        if removed:
            counts.append(f"删除 {removed} 户")
        if edits:
            counts.append(f"修改 {edits} 处")
        if counts:
            parts.append("，".join(counts))
        total = _balance(rest, "total", "合计")
        if total:
            parts.append(total)
        other = [c for c in rest if _top(c) not in ("recipients", "total")]
    elif kind == "finance":
        for sec, sec_name in _SECTION.items():
            rows = [c for c in rest if _top(c) == sec]
            if not rows:
                continue
            added = sum(_row_level(c, sec) and c.op == "added" for c in rows)
            removed = sum(_row_level(c, sec) and c.op == "removed" for c in rows)
            edits = sum(not _row_level(c, sec) for c in rows)
            counts = []
            if added:
                counts.append(f"新增 {added} 笔")
            if removed:
                counts.append(f"删除 {removed} 笔")
            if edits:
                counts.append(f"修改 {edits} 处")
            parts.append(sec_name + "，".join(counts))
        for where, field, label in (
            ("opening_balance", None, "期初余额"),
            ("totals", "income", "收入合计"),
            ("totals", "expense", "支出合计"),
            ("closing_balance", None, "期末余额"),
        ):
            s = _balance(rest, where, label, field)
            if s:
                parts.append(s)
        shown = set(_SECTION) | {"opening_balance", "closing_balance"}
        other = [
            c
            for c in rest
            if _top(c) not in shown and not (c.where == "totals" and c.field in ("income", "expense"))
        ]
    elif kind == "power":
        flow = [c for c in rest if _top(c) == "flow"]
        other = [c for c in rest if _top(c) != "flow"]
        if other:
            parts.append("修改 " + _others(other, kind))
            other = []
        if flow:
            added = sum(_row_level(c, "flow") and c.op == "added" for c in flow)
            removed = sum(_row_level(c, "flow") and c.op == "removed" for c in flow)
            rewired = sum(c.field in ("next", "yes", "no", "start") for c in flow)
            edits = len(flow) - added - removed - rewired
            counts = []
            if added:
                counts.append(f"新增 {added} 个节点")
            if removed:
                counts.append(f"删除 {removed} 个节点")
            if rewired:
                counts.append(f"改线 {rewired} 处")
            if edits:
                counts.append(f"修改 {edits} 处")
            parts.append("流程" + "，".join(counts))
    elif kind == "notice":
        body = [c for c in rest if c.where.startswith("body[")]
        other = [c for c in rest if not c.where.startswith("body[")]
        if other:
            parts.append("修改 " + _others(other, kind))
            other = []
        if body:
            added = sum(c.op == "added" for c in body)
            removed = sum(c.op == "removed" for c in body)
            counts = []
            if added:
                counts.append(f"新增 {added} 行")
            if removed:
                counts.append(f"删除 {removed} 行")
            parts.append("正文" + "，".join(counts))
    else:
        other = rest
        if other:
            parts.append(f"修改 {len(other)} 处（{_others(other, kind)}）")
            other = []
    if other:
        parts.append("另改：" + _others(other, kind))
    return f"{name}：" + "；".join(parts)


def _guess_kind(changes: list[Change]) -> str:
    tops = {_top(c) for c in changes}
    if "recipients" in tops or "total" in tops:
        return "subsidy"
    if tops & {"income", "expense", "transfers", "pass_through", "opening_balance", "closing_balance"}:
        return "finance"
    if "flow" in tops or "basis" in tops:
        return "power"
    if "body" in tops or "slug" in tops:
        return "notice"
    return ""


# ---------------------------------------------------------------- terminal

#: row fields already shown by a row's label or ``where``
_HIDDEN = {"key", "voucher", "line", "id"}
_COLOURS = {"added": "32", "removed": "31", "changed": "33"}
_SIGN = {"added": "+", "removed": "-", "changed": "~"}


def show_value(v: Any, labels: dict[str, str]) -> str:
    """A value for a terminal or the HTML diff: a row as "姓名 张三，金额 500.00" (ids left out)."""
    if v is None:
        return "（空）"
    if isinstance(v, dict):
        return "，".join(
            f"{labels.get(k, k)} {show_value(x, labels)}" for k, x in v.items() if k not in _HIDDEN
        )
    if isinstance(v, list):
        return "、".join(show_value(x, labels) for x in v)
    return str(v)


def render_text(changes: list[Change], color: bool = False) -> str:
    """The changes for a terminal, one per line; ANSI colours only when ``color``."""
    out = []
    for c in changes:
        labels = dict(c.labels)
        if c.op == "changed":
            text = f"{c.label}：{show_value(c.before, labels)} → {show_value(c.after, labels)}"
        elif c.where == "":
            text = c.label
        elif c.op == "added":
            text = f"新增 {c.label}：{show_value(c.after, labels)}"
        else:
            text = f"删除 {c.label}：{show_value(c.before, labels)}"
        line = f"{_SIGN[c.op]} {text}"
        where = f"  [{c.where}{'.' + c.field if c.field else ''}]" if c.where else ""
        if color:
            line = f"\x1b[{_COLOURS[c.op]}m{line}\x1b[0m" + (f"\x1b[2m{where}\x1b[0m" if where else "")
        else:
            line += where
        out.append(line)
    return "\n".join(out)
