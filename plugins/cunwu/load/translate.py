"""Translate pydantic's ValidationError into cadre-readable problems.

We never dump pydantic's English text: each error ``type`` maps to a stable
problem code and a Chinese message naming the field path (``expense[3].amount``)
and, for scalars, the value that was found. Unknown keys get a "did you
mean" suggestion, since most of them are typos.
"""

from __future__ import annotations

import difflib
import re
import typing
from typing import Any

from pydantic import BaseModel, ValidationError

from ..problems import CODES, Problem, problem
from . import slips
from .yamlsafe import Located, format_loc

_TYPE_NAMES = {
    "model_type": "映射（键: 值）",
    "model_attributes_type": "映射（键: 值）",
    "dict_type": "映射（键: 值）",
    "list_type": "列表（每项以 - 开头）",
    "string_type": "文字",
    "bool_type": "true 或 false",
    "bool_parsing": "true 或 false",
    "int_type": "整数",
    "int_parsing": "整数",
    "decimal_type": "数字",
    "date_type": "日期 YYYY-MM-DD",
}


def _found(value: Any) -> str:
    """What was found, in the cadre's words: never Python's None, True, dict or list."""
    if isinstance(value, dict):
        return "映射"
    if isinstance(value, list):
        return "列表"
    if value is None:
        return "空值"
    if isinstance(value, bool):
        return f"是/否值 {str(value).lower()}"
    text = str(value)
    return f"“{text[:40]}…”" if len(text) > 40 else f"“{text}”"


def _model_at(model: type[BaseModel], loc: tuple) -> type[BaseModel] | None:
    """The model class that owns the last key of ``loc`` (for suggestions)."""
    current: Any = model
    for part in loc[:-1]:
        if isinstance(part, int):
            continue
        if not (isinstance(current, type) and issubclass(current, BaseModel)):
            return None
        field = current.model_fields.get(part)
        if field is None:
            return None
        current = _unwrap(field.annotation)
    return current if isinstance(current, type) and issubclass(current, BaseModel) else None


def _unwrap(annotation: Any) -> Any:
    """list[X] / X | None / Annotated[X, ...] -> X."""
    for _ in range(5):
        args = typing.get_args(annotation)
        if not args:
            return annotation
        models = [a for a in args if isinstance(a, type) and issubclass(a, BaseModel)]
        if models:
            return models[0]
        annotation = args[0]
    return annotation


def _message(err: dict, model: type[BaseModel]) -> tuple[str, str]:
    kind = err["type"]
    loc = tuple(err["loc"])
    name = str(loc[-1]) if loc else ""
    ctx = err.get("ctx") or {}
    value = err.get("input")
    if kind in CODES:  # our own PydanticCustomError: already Chinese
        return kind, err["msg"]
    if kind == "missing":
        return "missing-field", f"缺少必填字段 “{name}”"
    if kind == "extra_forbidden":
        slip = _key_slip(name)
        if slip:
            return "unknown-field", slip
        owner = _model_at(model, loc)
        hint = ""
        if owner is not None:
            close = difflib.get_close_matches(name, list(owner.model_fields), n=1, cutoff=0.6)
            if close:
                hint = f"；是不是 “{close[0]}”？"
            else:
                hint = "；允许的字段：" + "、".join(owner.model_fields)
        return "unknown-field", f"未知字段 “{name}”（可能拼写错误）{hint}"
    if kind == "literal_error":
        # pydantic's ctx reads "'a', 'b' or 'c'": keep the values, drop the English
        expected = str(ctx.get("expected", ""))
        choices = "、".join(re.findall(r"'([^']*)'", expected)) or expected
        return "invalid-choice", f"应为 {choices} 之一，实际为 {_found(value)}"
    if kind in _TYPE_NAMES:
        return "wrong-type", f"应为{_TYPE_NAMES[kind]}，实际为{_found(value)}"
    if kind in ("greater_than_equal", "greater_than"):
        return "invalid-value", f"应不小于 {ctx.get('ge', ctx.get('gt'))}，实际为 {_found(value)}"
    if kind in ("less_than_equal", "less_than"):
        return "invalid-value", f"应不大于 {ctx.get('le', ctx.get('lt'))}，实际为 {_found(value)}"
    if kind == "too_short":
        return "invalid-value", f"至少需要 {ctx.get('min_length')} 项"
    if kind == "too_long":
        return "invalid-value", f"最多 {ctx.get('max_length')} 项"
    if kind.startswith("date"):
        return "invalid-date", f"日期应写成 YYYY-MM-DD，实际为 {_found(value)}"
    if kind == "value_error":
        msg = str(err["msg"]).removeprefix("Value error, ")
        return "invalid-value", f"{msg}，实际为 {_found(value)}"
    # pydantic's own words are English: name the field and the value instead
    return "invalid-value", f"取值无效，实际为{_found(value)}"


def _key_slip(name: str) -> str:
    """A key that is a known slip: invisible indentation or a full-width colon, named."""
    what = slips.invisible_prefix(name)
    if what:
        return slips.indent_message(what)
    m = re.match(r"(?P<key>[A-Za-z_][A-Za-z0-9_]*)[ \t\u3000]*：(?P<rest>.*)", name, re.S)
    if m:
        return slips.fullwidth_colon_message(m["key"], m["rest"])
    hidden = [ch for ch in dict.fromkeys(name) if ch in slips.INVISIBLE]
    if hidden:
        names = "、".join(slips.INVISIBLE[ch] for ch in hidden)
        return f"字段名 “{name.strip()}” 里有看不见的字符：{names}；请删掉它们，重新输入字段名"
    return ""


def from_validation_error(
    file: str, located: Located, exc: ValidationError, model: type[BaseModel]
) -> list[Problem]:
    out = []
    for err in exc.errors(include_url=False):
        loc = tuple(err["loc"])
        code, message = _message(dict(err), model)
        out.append(problem(file, located.line_of(loc), code, message, format_loc(loc)))
    return out
