"""Semantic diffs between two versions of a disclosure: what changed, not which lines.

Both versions are parsed with the validator's own loader and models
(:func:`parse_blob`), then compared as data: re-indenting the YAML,
reordering keys or reordering roster rows changes nothing. Rows are matched
by their stable identity, never by position:

==================  ===============================  =====================================
list                matched by                       ``where`` of a row
==================  ===============================  =====================================
recipients          ``key``                          ``recipients[key=DS-0012]``
income, expense,    ``voucher`` and ``line``         ``expense[voucher=记-012,line=1]``
transfers,
pass_through
flow                node ``id``                      ``flow.step[id=review]`` (node kind:
                                                     step, decision or end)
corrections         ``date``                         ``corrections[date=2026-11-20]``
attachments         ``path``                         ``attachments[path=attachments/x.jpg]``
supervision,        ``label``                        ``supervision[label=镇纪委]``
supervisor, phones
groups, negative,   ``id``                           ``groups[id=collective]``
programs
risks               ``point``                        ``risks[point=...]``
contacts            ``role``                         ``contacts[role=报账员]``
==================  ===============================  =====================================

When two rows share a key (an old revision may not validate), the later ones
get ``,n=2``, ``,n=3`` ... appended inside the brackets.

The JSON form of a :class:`Change` (``Change.to_dict()``) is stable; these
field names will not change::

    {"op": "added" | "removed" | "changed",
     "where": str,    # where the change is, see below
     "field": str | null,
     "before": str | dict | list | null,
     "after":  str | dict | list | null,
     "label": str}    # Chinese, for people: "张某某 金额"

``where`` and ``field``:

* a top-level scalar field (``total``, ``status``, ``opening_balance``):
  ``where`` is the field name, ``field`` is null;
* a scalar field inside a row or a sub-object: ``where`` is the row or
  object (``recipients[key=DS-0012]``, ``notice``, ``totals``,
  ``expense[voucher=记-012,line=1]``), ``field`` the field name (``amount``);
* a row added or removed: ``where`` is the row, ``field`` null, ``before`` /
  ``after`` the whole row as a mapping;
* an element of a list of plain values added or removed (``basis``,
  ``aliases``, ``signoff.oversight``): ``where`` is the list, ``field`` null;
* a sub-object appearing or disappearing (``notice`` from nothing to a
  period): op ``changed``, ``where`` the object, ``field`` null;
* the first node of a flowchart (its start) changed: ``where`` ``flow``,
  ``field`` ``start``, before/after the node ids;
* a line of a notice's Markdown body: ``where`` ``body[line=N]`` (1-based
  line of the body: of the old body for ``removed``, of the new body for
  ``added``), ``before``/``after`` the line's text; an edited line is one
  ``removed`` and one ``added`` record;
* a whole file added or removed: ``where`` is ``""``;
* a file moved (:func:`diff_blobs` only): ``where`` ``file``, ``field``
  ``path``, before/after the paths;
* a version that cannot be parsed any more (:func:`diff_blobs` only): a line
  diff of the raw text, ``where`` ``text[line=N]``.

Every leaf value is a string: money as ``"500.00"``, dates ``YYYY-MM-DD``,
integers as digits, booleans ``"true"``/``"false"``; null when absent.
Values pass through :func:`cunwu.privacy.redact`, so a personal
number that an old revision leaked is never repeated by a diff.
"""

from __future__ import annotations

import dataclasses
import difflib
import json
import typing
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel

from ..kinds import KINDS, row_keys, spec
from ..load.document import load_source, model_of
from ..model.labels import field_label
from ..privacy import redact
from ..problems import Problem
from ..sources import classify

Op = typing.Literal["added", "removed", "changed"]


@dataclass(frozen=True)
class Change:
    """One semantic change; see the module docstring for the exact JSON form."""

    op: Op
    where: str
    field: str | None
    before: Any
    after: Any
    label: str
    #: (field name, label) of the keys of a row mapping in before/after, for
    #: :func:`render_text`; not part of the JSON form or of equality
    labels: tuple[tuple[str, str], ...] = dataclasses.field(default=(), compare=False, repr=False)

    def to_dict(self) -> dict:
        return {
            "op": self.op,
            "where": self.where,
            "field": self.field,
            "before": self.before,
            "after": self.after,
            "label": self.label,
        }


def kind_label(kind: str) -> str:
    """The short Chinese name of a file kind (财务, 名单 ...), for change labels."""
    k = spec(kind)
    return k.label if k is not None else kind


def kind_name(kind: str) -> str:
    """Like :func:`kind_label`, and 附件 for an attachment, 文件 for anything else."""
    k = spec(kind)
    return k.label if k is not None else {"attachment": "附件"}.get(kind, "文件")


#: section names of the finance ledger lists
_SECTION = {"income": "收入", "expense": "支出", "transfers": "划转", "pass_through": "代收代付"}

# ---------------------------------------------------------------- values


def _labels(cls: type[BaseModel]) -> tuple[tuple[str, str], ...]:
    """The Chinese labels of ``cls``'s fields, then of the fields of the rows
    nested in it (a budget adjustment's lines: 科目, 金额), so an added row
    never shows a bare field name; a nested field never renames an outer one."""
    out = {n: field_label(cls, n) for n in cls.model_fields}
    for f in cls.model_fields.values():
        sub = _model_cls(f.annotation)
        if sub is not None:
            for n in sub.model_fields:
                out.setdefault(n, field_label(sub, n))
    return tuple(out.items())


def _leaf(v: Any) -> Any:
    """JSON-mode data -> the same with every leaf a string (None stays None), redacted."""
    if v is None:
        return None
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, dict):
        return {k: _leaf(x) for k, x in v.items() if x is not None and x != []}
    if isinstance(v, (list, tuple)):
        return [_leaf(x) for x in v]
    return redact(str(v))


def _model_cls(annotation: Any) -> type[BaseModel] | None:
    """The model class inside ``X``, ``X | None`` or ``list[X]``."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for a in typing.get_args(annotation):
        found = _model_cls(a)
        if found is not None:
            return found
    return None


def _is_list(annotation: Any) -> bool:
    if typing.get_origin(annotation) is list:
        return True
    return any(_is_list(a) for a in typing.get_args(annotation))


# ---------------------------------------------------------------- the differ


class _Differ:
    def __init__(self, keys: dict[str, tuple[str, ...]]):
        self.out: list[Change] = []
        #: list field -> the fields that identify one of its rows
        self.keys = keys

    def add(
        self,
        op: Op,
        where: str,
        field: str | None,
        before: Any,
        after: Any,
        label: str,
        cls: type[BaseModel] | None = None,
    ) -> None:
        labels = _labels(cls) if cls is not None else ()
        self.out.append(Change(op, where, field, _leaf(before), _leaf(after), redact(label), labels))

    def model(
        self,
        cls: type[BaseModel],
        b: BaseModel,
        a: BaseModel,
        bd: dict,
        ad: dict,
        where: str,
        label: str,
    ) -> None:
        """Compare two instances of ``cls``; ``where``/``label`` name the object ("" at the top)."""
        for name, info in cls.model_fields.items():
            bv, av = getattr(b, name), getattr(a, name)
            bj, aj = bd.get(name), ad.get(name)
            flabel = field_label(cls, name)
            full_label = f"{label} {flabel}" if label else flabel
            path = f"{where}.{name}" if where else name
            sub = _model_cls(info.annotation)
            if _is_list(info.annotation):
                if sub is not None:
                    self.rows(name, sub, bv or [], av or [], bj or [], aj or [], path, full_label)
                else:
                    self.values(bj or [], aj or [], path, full_label)
            elif sub is not None and isinstance(bv, BaseModel) and isinstance(av, BaseModel):
                self.model(sub, bv, av, bj or {}, aj or {}, path, full_label)
            elif bv != av:
                if sub is not None:  # a sub-object appeared or disappeared
                    self.add("changed", path, None, bj, aj, full_label, sub)
                elif where:
                    self.add("changed", where, name, bj, aj, full_label)
                else:
                    self.add("changed", name, None, bj, aj, full_label)

    def values(self, bj: list, aj: list, path: str, label: str) -> None:
        """A list of plain values, compared as a multiset (order does not matter)."""
        bl, al = [_leaf(x) for x in bj], [_leaf(x) for x in aj]
        rest = list(al)
        removed = []
        for x in bl:
            if x in rest:
                rest.remove(x)
            else:
                removed.append(x)
        for x in removed:
            self.add("removed", path, None, x, None, label)
        for x in rest:
            self.add("added", path, None, None, x, label)

    def rows(self, name, cls, bv, av, bj, aj, path, label) -> None:
        keys = _identity(self.keys, name, cls)
        if name == "flow" and bv and av and bv[0].id != av[0].id:
            self.add("changed", path, "start", bv[0].id, av[0].id, f"{label} 起点")
        before, after = _row_index(keys, bv, bj), _row_index(keys, av, aj)
        for k, (m, d, i) in before.items():
            if k not in after:
                where = _row_where(path, name, keys, k, m, i)
                self.add("removed", where, None, d, None, _row_label(name, m, label), cls)
        for k, (m, d, i) in after.items():
            where = _row_where(path, name, keys, k, m, i)
            if k not in before:
                self.add("added", where, None, None, d, _row_label(name, m, label), cls)
                continue
            bm, bd, _ = before[k]
            self.model(cls, bm, m, bd, d, where, _row_label(name, m, label))


def _identity(keys: dict[str, tuple[str, ...]], name: str, cls: type[BaseModel]) -> tuple[str, ...] | None:
    """The fields that identify a row of list ``name``, or None (a row is then its content)."""
    found = keys.get(name)
    return found if found is not None and all(k in cls.model_fields for k in found) else None


def _row_index(keys, models, dumps) -> dict[tuple, tuple[BaseModel, dict, int]]:
    """The rows of one list by identity: identity -> (row, its JSON data, its index)."""
    out: dict[tuple, tuple[BaseModel, dict, int]] = {}
    seen: dict[tuple, int] = {}
    for i, (m, d) in enumerate(zip(models, dumps, strict=False)):
        # no identity: a row is its content
        k = (("row", _canon(d)),) if keys is None else tuple((f, _leaf(d.get(f))) for f in keys)
        n = seen.get(k, 0) + 1
        seen[k] = n
        out[k + ((("n", str(n)),) if n > 1 else ())] = (m, d, i)
    return out


def _row_where(path: str, name: str, keys, k: tuple, m: BaseModel, i: int) -> str:
    """The ``where`` of one row (see the module docstring)."""
    prefix = f"{path}.{m.kind}" if name == "flow" and hasattr(m, "kind") else path
    if keys is None:
        return f"{prefix}[{i}]"
    inside = ",".join(f"{f}={v}" for f, v in k)
    return f"{prefix}[{inside}]"


def where_paths(kind: str, model: BaseModel) -> dict[str, tuple]:
    """Every ``where`` a :class:`Change` against ``model`` can name, with the
    field path of that place in ``model`` (``recipients[key=A-1]`` ->
    ``("recipients", 0)``), so a change can be shown at its line in the file.
    Lists and sub-objects are included (``recipients`` -> ``("recipients",)``)."""
    keys = row_keys(spec(kind))
    out: dict[str, tuple] = {}

    def walk(cls: type[BaseModel], m: BaseModel, d: dict, where: str, path: tuple) -> None:
        for name, info in cls.model_fields.items():
            here = f"{where}.{name}" if where else name
            out.setdefault(here, path + (name,))
            sub = _model_cls(info.annotation)
            value = getattr(m, name)
            if sub is None:
                continue
            if _is_list(info.annotation):
                ident = _identity(keys, name, sub)
                for k, (row, rd, i) in _row_index(ident, value or [], d.get(name) or []).items():
                    rwhere = _row_where(here, name, ident, k, row, i)
                    out[rwhere] = path + (name, i)
                    walk(sub, row, rd, rwhere, path + (name, i))
            elif isinstance(value, BaseModel):
                walk(sub, value, d.get(name) or {}, here, path + (name,))

    walk(type(model), model, model.model_dump(mode="json"), "", ())
    return out


def _canon(d: Any) -> str:
    return json.dumps(d, ensure_ascii=False, sort_keys=True)


def _row_label(name: str, m: Any, list_label: str) -> str:
    """A short Chinese name for one row, e.g. "张某某", "支出 记-012", "流程 审核"."""
    if name == "recipients":
        return m.name
    if name in _SECTION and not hasattr(m, "voucher"):  # a budget or year-end line: by account
        return f"{_SECTION[name]}科目 {m.account}"
    if name in _SECTION:
        line = getattr(m, "line", 1)
        return f"{_SECTION[name]} {m.voucher}" + (f" 第{line}行" if line != 1 else "")
    if name == "flow":
        return f"流程“{m.label}”"
    if name == "corrections":
        return f"更正记录 {m.date.isoformat()}"
    if name == "adjustments":
        return f"预算调整 {m.date.isoformat()}"
    for attr in ("name", "label", "role", "point", "title", "path", "id", "code"):
        v = getattr(m, attr, None)
        if isinstance(v, str) and v:
            return f"{list_label}“{v}”"
    return list_label


def diff_docs(
    kind: str,
    before: BaseModel | None,
    after: BaseModel | None,
    before_body: str | None = None,
    after_body: str | None = None,
) -> list[Change]:
    """The semantic changes from ``before`` to ``after`` (parsed models of one file).

    ``kind`` is the source kind of :func:`cunwu.sources.classify` (finance,
    subsidy, notice, power, catalog, village, config). ``None`` on one side
    means the file was added or removed. For notices pass the Markdown bodies
    too. Returns an empty list when the two versions mean the same.
    """
    name = kind_label(kind)
    if before is None and after is None:
        return []
    if before is None:
        return [Change("added", "", None, None, None, f"新建{name}")]
    if after is None:
        return [Change("removed", "", None, None, None, f"删除{name}")]
    if type(before) is not type(after):
        raise TypeError(f"cannot compare {type(before).__name__} with {type(after).__name__}")
    d = _Differ(row_keys(spec(kind)))
    d.model(type(after), before, after, before.model_dump(mode="json"), after.model_dump(mode="json"), "", "")
    if before_body is not None or after_body is not None:
        d.out.extend(_line_changes(before_body or "", after_body or "", "body", "正文"))
    return d.out


# ---------------------------------------------------------------- text


def _lines(text: str) -> tuple[list[str], int]:
    """Lines of a text without its leading/trailing blank lines, and how many lead."""
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    lead = 0
    while lead < len(lines) and not lines[lead].strip():
        lead += 1
    end = len(lines)
    while end > lead and not lines[end - 1].strip():
        end -= 1
    return lines[lead:end], lead


def _line_changes(before: str, after: str, where: str, label: str) -> list[Change]:
    b, b0 = _lines(before)
    a, a0 = _lines(after)
    if b == a:
        return []
    out = []
    sm = difflib.SequenceMatcher(None, b, a, autojunk=False)
    for tag, i1, i2, j1, j2 in sm.get_opcodes():
        if tag == "equal":
            continue
        for i in range(i1, i2):
            n = i + 1 + b0
            out.append(Change("removed", f"{where}[line={n}]", None, redact(b[i]), None, f"{label}第 {n} 行"))
        for j in range(j1, j2):
            n = j + 1 + a0
            out.append(Change("added", f"{where}[line={n}]", None, None, redact(a[j]), f"{label}第 {n} 行"))
    return out


def body_diff(before: str | None, after: str | None, context: int = 3) -> list[str]:
    """A unified diff of two Markdown bodies (lines without newlines), redacted."""
    b, _ = _lines(before or "")
    a, _ = _lines(after or "")
    return [redact(x) for x in difflib.unified_diff(b, a, "修改前", "修改后", n=context, lineterm="")]


# ---------------------------------------------------------------- parsing


def parse_blob(rel_path: str, data: bytes) -> tuple[str, BaseModel | None, str | None, list[Problem]]:
    """Parse a file's content at any revision: ``(kind, model or None, body or None, problems)``.

    Uses the validator's loader and models: the kind from
    :func:`cunwu.sources.classify`, :func:`decode_text`, :func:`parse_yaml` or
    :func:`parse_markdown`, then the kind's model (:mod:`cunwu.kinds`) with
    the validator's translation of errors. An old revision that does not
    validate under today's schema gives ``None`` and its problems; nothing
    raises. No rule is run (within a file or across files). Problem messages
    are redacted.
    """
    sf = classify(rel_path)
    kind = sf.kind
    if kind not in KINDS:
        return kind, None, None, []
    problems: list[Problem] = []
    loaded = load_source(sf, data, problems)
    model = model_of(sf, loaded, problems)
    body = loaded.body
    return kind, model, body, [dataclasses.replace(p, message=redact(p.message)) for p in problems]


@dataclass
class BlobDiff:
    """The result of :func:`diff_blobs`."""

    kind: str
    changes: list[Change]
    before_problems: list[Problem]
    after_problems: list[Problem]
    #: True when a side could not be parsed and ``changes`` is a raw line diff
    textual: bool = False

    def to_dict(self) -> dict:
        return {
            "kind": self.kind,
            "textual": self.textual,
            "changes": [c.to_dict() for c in self.changes],
            "before_problems": [p.code for p in self.before_problems],
            "after_problems": [p.code for p in self.after_problems],
        }


def diff_blobs(
    before_path: str | None,
    before_data: bytes | None,
    after_path: str | None,
    after_data: bytes | None,
) -> BlobDiff:
    """Diff two versions of one file given as bytes (e.g. two revisions' blobs).

    A side that is None is an added or removed file. A changed path adds a
    ``file``/``path`` change. If a side exists but cannot be parsed into a
    model (old schema, broken YAML), the result is a line diff of the raw text
    (``textual`` True) and the parse problems are returned.
    """
    path = after_path or before_path or ""
    kind = classify(path).kind
    bk = bm = bb = None
    ak = am = ab = None
    bp: list[Problem] = []
    ap: list[Problem] = []
    if before_data is not None:
        bk, bm, bb, bp = parse_blob(before_path or path, before_data)
    if after_data is not None:
        ak, am, ab, ap = parse_blob(after_path or path, after_data)
    changes: list[Change] = []
    if before_path and after_path and before_path != after_path:
        changes.append(Change("changed", "file", "path", before_path, after_path, "文件路径"))
    broken = (before_data is not None and bm is None) or (after_data is not None and am is None)
    if broken or (bm is not None and am is not None and type(bm) is not type(am)):
        if before_data is None or after_data is None:
            op: Op = "added" if before_data is None else "removed"
            name = kind_label(kind)
            changes.append(Change(op, "", None, None, None, ("新建" if op == "added" else "删除") + name))
        else:
            changes.extend(
                _line_changes(
                    before_data.decode("utf-8", "replace"),
                    after_data.decode("utf-8", "replace"),
                    "text",
                    "原文",
                )
            )
        return BlobDiff(kind, changes, bp, ap, textual=True)
    changes.extend(diff_docs(kind, bm, am, bb, ab))
    return BlobDiff(kind, changes, bp, ap)


def revision_diffs(history: Any, path: str) -> list[tuple[Any, BlobDiff]]:
    """Every revision of the file now at ``path`` with its diff against the version before it.

    ``history`` is a :class:`cunwu.history.git.History`. The diff of each
    revision compares the file as the commit found it (``old_blob`` at
    ``old_path``) with what the commit left (``blob`` at ``path``): the first
    revision shows the file created, a rename shows the path change, a
    deletion the file removed. Raises KeyError when a blob cannot be read.
    """
    out = []
    for r in history.revisions(path):
        before = history.blob(r.old_blob) if r.old_blob else None
        after = history.blob(r.blob) if r.blob else None
        before_path = (r.old_path or r.path) if before is not None else None
        after_path = r.path if after is not None else None
        out.append((r, diff_blobs(before_path, before, after_path, after)))
    return out
