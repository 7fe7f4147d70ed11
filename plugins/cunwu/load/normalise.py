"""Input normalised where its meaning is certain, and said so.

Two slips of input methods make a page show something other than what the
cadre meant, or make it unfindable:

* a code (a voucher number, an account code, a row key) whose whole value
  an IME wrapped in Chinese quotes, ``“记-002”``: the quotes go. Quotes
  inside text are left alone: 村“两委” is right;
* an invisible zero-width character inside a name or a code: it is removed.
  Published, it is invisible on the page, and a search for the name fails.

Each change is recorded (:class:`Normalised`, with its field path) so that
validation warns at the line, and the loader can compute the stamp the
value as typed had (see :func:`cunwu.load.document.legacy_stamp`): a
version published before this rule keeps its stamp.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

#: fields holding a code: quotes around the whole value and zero-width characters go
CODE_FIELDS = frozenset({"voucher", "account", "key"})
#: fields holding a person's name: zero-width characters go
NAME_FIELDS = frozenset({"name", "township", "handler", "approver", "accountant", "oversight"})

_ZERO_WIDTH = re.compile("[\u200b\u200c\u200d\u2060\ufeff]")
_WRAPPED = re.compile(r"\A\s*([“‘「『])([^“”‘’「」『』]*)([”’」』])\s*\Z")
_PAIRS = {"“": "”", "‘": "’", "「": "」", "『": "』"}


@dataclass(frozen=True)
class Normalised:
    """One value changed on loading: where, what was typed, what it became, why."""

    path: tuple
    typed: str
    value: str
    why: str  # Chinese, for the warning


def _field_of(path: tuple) -> str:
    """The field a value belongs to: the last key of its path (a list item: its list's key)."""
    for part in reversed(path):
        if isinstance(part, str):
            return part
    return ""


def normalise_value(field: str, text: str) -> tuple[str, str]:
    """The value of ``field`` as it is meant, and why it changed ("" when it did not)."""
    why = []
    value = text
    if field in CODE_FIELDS:
        m = _WRAPPED.match(value)
        if m and _PAIRS[m.group(1)] == m.group(3):
            value = m.group(2)
            why.append(f"去掉了整个值两边的中文引号 {m.group(1)}{m.group(3)}（编码不带引号）")
    if field in CODE_FIELDS or field in NAME_FIELDS:
        cleaned = _ZERO_WIDTH.sub("", value)
        if cleaned != value:
            codes = "、".join(f"U+{ord(c):04X}" for c in dict.fromkeys(_ZERO_WIDTH.findall(value)))
            why.append(f"删除了看不见的零宽字符 {codes}（网页上看不见，却会让按姓名、编号查找失败）")
            value = cleaned
    return value, "；".join(why)


def normalise(data: Any, path: tuple = ()) -> list[Normalised]:
    """Normalise ``data`` (loaded YAML: dicts, lists, strings) in place; what changed."""
    out: list[Normalised] = []
    if isinstance(data, dict):
        for k, v in data.items():
            if isinstance(v, str):
                value, why = normalise_value(str(k), v)
                if why:
                    data[k] = value
                    out.append(Normalised((*path, k), v, value, why))
            elif isinstance(v, (dict, list)):
                out.extend(normalise(v, (*path, k)))
    elif isinstance(data, list):
        field = _field_of(path)
        for i, v in enumerate(data):
            if isinstance(v, str):
                value, why = normalise_value(field, v)
                if why:
                    data[i] = value
                    out.append(Normalised((*path, i), v, value, why))
            elif isinstance(v, (dict, list)):
                out.extend(normalise(v, (*path, i)))
    return out


def restore(data: Any, changes: list[Normalised]) -> Any:
    """A copy of normalised ``data`` with the values as typed."""
    import copy

    raw = copy.deepcopy(data)
    for c in changes:
        node = raw
        for part in c.path[:-1]:
            node = node[part]
        node[c.path[-1]] = c.typed
    return raw
