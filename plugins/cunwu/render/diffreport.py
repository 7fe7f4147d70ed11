"""What auditors read, shown: text for a terminal, JSON for scripts, HTML for people.

The data comes from :mod:`cunwu.history.treediff`; nothing here reads git.

JSON of ``cunwu diff --format json`` (:func:`to_json`); keys sorted, two-space
indent, UTF-8; these names will not change::

    {"version": 1,
     "from": SIDE, "to": SIDE,
     "village": str | null,              # --village, else null
     "warnings": [str],                  # Chinese, also printed on stderr
     "files": [FILE]}                    # sorted by path

    SIDE = {"rev": str | null,           # as typed; null for the working tree
            "commit": str | null,        # full sha; null for the working tree
            "date": str | null,          # author date, ISO 8601
            "author": str | null,
            "subject": str | null,
            "worktree": bool}

    FILE = {"path": str,                 # path on the "to" side ("from" side if removed)
            "old_path": str | null,      # the "from" path of a renamed file, else null
            "status": "added" | "removed" | "modified" | "renamed",
            "kind": str,                 # finance, subsidy, notice, power, catalog,
                                         # village, config, attachment, unknown
            "summary": str,              # one line, Chinese
            "textual": bool,             # a side did not parse: changes are raw lines
            "figures": [{"name": str, "label": str,
                         "before": str | null, "after": str | null}],
            "before_problems": [str],    # problem codes of a side that did not parse
            "after_problems": [str],
            "changes": [CHANGE]}         # Change.to_dict(), see cunwu.history.diff

``figures`` are the headline numbers of both sides whether they changed or
not: a roster's ``recipients`` (count) and ``total``; a statement's
``opening_balance``, ``income``, ``expense`` and ``closing_balance``; empty
for other kinds. A binary file (an attachment) has changes
``{"where": "file", "field": "content"}`` with size and SHA-256 prefix.

JSON of ``cunwu history --format json`` (:func:`history_to_json`)::

    {"version": 1, "path": str, "kind": str, "warnings": [str],
     "revisions": [{"commit": str | null,     # null: uncommitted changes
                    "date": str | null, "author": str | null,
                    "author_email": str | null,
                    "subject": str,            # "未提交的修改" for the working tree
                    "path": str,               # the file's path at that revision
                    "old_path": str | null,    # before a rename or deletion
                    "status": "A" | "M" | "D" | "R" | "T",
                    "summary": str,            # starts 修改（未登记更正）： for a silent edit
                    "silent_edit": bool}]}     # oldest first

Every value shown to people passes through :func:`~cunwu.words.clean`
(control and bidi characters made visible) and, in HTML, is escaped.
"""

from __future__ import annotations

import dataclasses
import json
import re
from typing import Any

from jinja2 import Environment

from ..history.diff import Change, kind_label, kind_name
from ..history.treediff import WORKTREE_SUBJECT, Figure, FileDiff, FileRevision, FileRevisions, Side, TreeDiff
from ..kinds import KINDS
from ..words import CHANGE_VERBS, clean, money_text
from .changes import render_text as render_changes
from .changes import show_value, summarise
from .theme import default_theme, theme_env

VERSION = 1

_STATUS_WORD = {"added": "新增", "removed": "删除", "modified": "修改", "renamed": "改名"}
_STATUS_COLOUR = {"added": "32", "removed": "31", "modified": "33", "renamed": "36"}


def side_text(s: Side) -> str:
    """Chinese, one line: ``HEAD~1 = 1a2b3c4d5e（2026-10-08 赵某：更正）``."""
    if s.worktree:
        return "工作区（含未提交、未跟踪的文件）"
    commit = s.commit or ""
    name = f"{s.rev} = {commit[:10]}" if s.rev != commit else commit[:10]
    return f"{name}（{_day(s.date)} {s.author}：{s.subject}）"


def file_summary(f: FileDiff) -> str:
    """One line: the kind and what changed (名单：新增 1 户 ...)."""
    return f"{kind_name(f.kind)}：{describe(f.kind, f.changes)}"


def _short(text: Any, n: int = 40) -> str:
    s = " ".join(str(text or "").split())
    return s if len(s) <= n else s[: n - 1] + "…"


def _bracket(where: str, key: str) -> str:
    m = re.search(rf"[\[,]{key}=([^,\]]*)", where)
    return m.group(1) if m else ""


def describe(kind: str, changes: list[Change]) -> str:
    """A one-line Chinese summary of one file's changes, without the kind prefix.

    Like :func:`cunwu.history.diff.summarise`, and in addition: a status
    change to approved reads 审核公开 (with the date), back to draft 撤回为草稿,
    and correction entries added, removed or edited are named with their date
    (and, when added, their reason): auditors look for exactly these.
    """
    if not changes:
        return "没有实质修改"
    whole = next((c for c in changes if c.where == ""), None)
    if whole is not None:
        return "新建" if whole.op == "added" else "已删除"
    parts: list[str] = []
    skip: set[int] = set()
    status = next((c for c in changes if c.where == "status" and c.field is None), None)
    if status is not None:
        approved_on = next((c for c in changes if c.where == "approved_on" and c.field is None), None)
        skip.add(id(status))
        if status.after == "approved":
            day = approved_on.after if approved_on is not None else None
            if approved_on is not None:
                skip.add(id(approved_on))
            parts.append(f"审核公开（{day}）" if day else "审核公开")
        elif status.after == "draft":
            parts.append("撤回为草稿")
        else:
            parts.append(f"状态 {status.before} → {status.after}")
    corrections: list[str] = []
    for c in changes:
        if not c.where.startswith("corrections"):
            continue
        skip.add(id(c))
        day = _bracket(c.where, "date")
        if c.op == "added" and c.field is None and isinstance(c.after, dict):
            corrections.append(f"新增更正记录（{c.after.get('date', day)}：{_short(c.after.get('reason'))}）")
        elif c.op == "removed" and c.field is None:
            corrections.append(f"删除更正记录（{day}）")
        else:
            text = f"修改更正记录（{day}）"
            if text not in corrections:
                corrections.append(text)
    rest = [c for c in changes if id(c) not in skip]
    if rest:
        parts.append(_content_summary(kind, rest))
    parts.extend(corrections)
    return "；".join(p for p in parts if p) or "没有实质修改"


def _content_summary(kind: str, changes: list[Change]) -> str:
    if kind not in KINDS and any(c.where == "file" and c.field == "content" for c in changes):
        parts = [
            f"文件改名 {c.before} → {c.after}" for c in changes if c.where == "file" and c.field == "path"
        ]
        return "；".join([*parts, "内容已替换"])
    text = summarise(changes, kind)
    prefix = (kind_label(kind) if kind in KINDS else "文件") + "："
    return text[len(prefix) :] if text.startswith(prefix) else text


def _clean_value(v: Any) -> Any:
    if isinstance(v, dict):
        return {clean(k): _clean_value(x) for k, x in v.items()}
    if isinstance(v, list):
        return [_clean_value(x) for x in v]
    return None if v is None else clean(v)


def _clean_change(c: Change) -> Change:
    return dataclasses.replace(
        c,
        where=clean(c.where),
        field=None if c.field is None else clean(c.field),
        before=_clean_value(c.before),
        after=_clean_value(c.after),
        label=clean(c.label),
    )


def _day(iso: str | None) -> str:
    """``2026-10-08T09:00:00+08:00`` -> ``2026-10-08 09:00`` (in the commit's own offset)."""
    return (iso or "")[:16].replace("T", " ")


def _figure_value(f: Figure, v: str | None) -> str:
    if v is None:
        return "（无）"
    return v if f.name == "recipients" else money_text(v)


def _figure_text(f: Figure) -> str:
    b, a = _figure_value(f, f.before), _figure_value(f, f.after)
    return f"{f.label} {b}" + ("（未变）" if f.before == f.after else f" → {a}")


def _paint(text: str, code: str, color: bool) -> str:
    return f"\x1b[{code}m{text}\x1b[0m" if color else text


def _file_title(f: FileDiff) -> str:
    if f.status == "renamed":
        return f"{clean(f.old_path)} → {clean(f.path)}"
    return clean(f.path)


def render_text(td: TreeDiff, color: bool = False) -> str:
    """The diff for a terminal; ANSI colours only when ``color``. Warnings are not included."""
    lines = [f"比较：{clean(side_text(td.old))}", f"  → {clean(side_text(td.new))}"]
    if td.village:
        lines.append(f"范围：villages/{td.village}/")
    if not td.files:
        lines.append("两个版本之间，公开资料没有变化。")
        return "\n".join(lines)
    lines.append(f"共 {len(td.files)} 个文件有变化。")
    for f in td.files:
        lines.append("")
        word = _paint(_STATUS_WORD[f.status], _STATUS_COLOUR[f.status], color)
        lines.append(f"{word} {_paint(_file_title(f), '1', color)}")
        lines.append(f"  {clean(file_summary(f))}")
        if f.figures:
            lines.append("  " + "；".join(_figure_text(x) for x in f.figures))
        shown = [_clean_change(c) for c in f.changes if c.where != ""]
        if shown:
            lines.extend("    " + ln for ln in render_changes(shown, color).split("\n"))
        problems = f.before_problems + f.after_problems
        if f.textual and problems:
            lines.append(f"  （无法按当前格式解析：{'、'.join(sorted(set(problems)))}；以上为原文逐行对比）")
    return "\n".join(lines)


def side_dict(s: Side) -> dict:
    return {
        "rev": s.rev,
        "commit": s.commit,
        "date": s.date,
        "author": s.author,
        "subject": s.subject,
        "worktree": s.worktree,
    }


def file_dict(f: FileDiff) -> dict:
    return {
        "path": f.path,
        "old_path": f.old_path,
        "status": f.status,
        "kind": f.kind,
        "summary": file_summary(f),
        "textual": f.textual,
        "figures": [dataclasses.asdict(x) for x in f.figures],
        "before_problems": list(f.before_problems),
        "after_problems": list(f.after_problems),
        "changes": [c.to_dict() for c in f.changes],
    }


def tree_dict(td: TreeDiff) -> dict:
    """The stable JSON form of a tree diff, as data (see the module docstring)."""
    return {
        "version": VERSION,
        "from": side_dict(td.old),
        "to": side_dict(td.new),
        "village": td.village,
        "warnings": list(td.warnings),
        "files": [file_dict(f) for f in td.files],
    }


def to_json(td: TreeDiff) -> str:
    """The stable JSON form (see the module docstring): sorted keys, two-space indent."""
    return json.dumps(tree_dict(td), ensure_ascii=False, sort_keys=True, indent=2)


def render_history_text(revs: FileRevisions, color: bool = False) -> str:
    """A file's revisions for a terminal: one header line and one summary line each."""
    lines = [f"{clean(revs.path)} 的修改历史（{sum(1 for r in revs.revisions if r.commit)} 个提交）"]
    for r in revs.revisions:
        lines.append("")
        if r.commit:
            sha = _paint(r.commit[:10], "33", color)
            head = f"{sha}  {_day(r.date)}  {clean(r.author)}  {clean(r.subject)}"
        else:
            head = _paint(WORKTREE_SUBJECT, "35", color)
        lines.append(head)
        where = clean(r.path)
        if r.status == "R" and r.old_path:
            where = f"{clean(r.old_path)} → {where}"
        lines.append(
            f"    {clean(revision_summary(r))}" + (f"  [{where}]" if where != clean(revs.path) else "")
        )
    return "\n".join(lines)


#: how ``cunwu history`` marks an edit of an approved disclosure that no
#: correction entry covered when it was made (what the validator calls silent-edit)
SILENT_MARK = "修改（未登记更正）"


def revision_summary(r: FileRevision) -> str:
    """What one revision of a file changed, in one line; an edit made after
    approval without a correction entry starts with :data:`SILENT_MARK`."""
    if r.note == "shallow-first":
        return "浅克隆中最早的版本（更早的修改看不到）"
    if r.note == "recreated":
        return "重新新建（此前曾删除）"
    text = describe(r.diff.kind, r.diff.changes) if r.diff is not None else ""
    return f"{SILENT_MARK}：{text}" if r.silent else text


def revision_dict(r: FileRevision) -> dict:
    return {
        "commit": r.commit,
        "date": r.date,
        "author": r.author,
        "author_email": r.author_email,
        "subject": r.subject,
        "path": r.path,
        "old_path": r.old_path,
        "status": r.status,
        "summary": revision_summary(r),
        "silent_edit": r.silent,
    }


def history_to_json(revs: FileRevisions) -> str:
    """The stable JSON form of :func:`~cunwu.history.treediff.file_history` (see the module docstring)."""
    doc = {
        "version": VERSION,
        "path": revs.path,
        "kind": revs.kind,
        "warnings": list(revs.warnings),
        "revisions": [revision_dict(r) for r in revs.revisions],
    }
    return json.dumps(doc, ensure_ascii=False, sort_keys=True, indent=2)


# ---------------------------------------------------------------- HTML


def _html_change(c: Change) -> dict:
    return {
        "op": c.op,
        "verb": CHANGE_VERBS[c.op],
        "label": clean(c.label),
        "before": clean(show_value(c.before, dict(c.labels))),
        "after": clean(show_value(c.after, dict(c.labels))),
        "where": clean(f"{c.where}.{c.field}" if c.field else c.where),
    }


def _html_figure(f: Figure) -> dict:
    return {
        "label": clean(f.label),
        "before": clean(_figure_value(f, f.before)),
        "after": clean(_figure_value(f, f.after)),
        "same": f.before == f.after,
    }


def render_html(td: TreeDiff, env: Environment | None = None) -> str:
    """A standalone Chinese HTML page (inline CSS, no scripts, every value
    escaped), readable on a phone: the theme's ``diff.html``."""
    env = env or theme_env(default_theme())
    page = {
        "old_rev": clean(td.old.rev),
        "new_rev": clean(td.new.rev or "工作区"),
        "old": clean(side_text(td.old)),
        "new": clean(side_text(td.new)),
        "village": clean(td.village) if td.village else "",
        "warnings": [clean(w) for w in td.warnings],
        "files": [
            {
                "status": f.status,
                "word": _STATUS_WORD[f.status],
                "title": _file_title(f),
                "summary": clean(file_summary(f)),
                "figures": [_html_figure(x) for x in f.figures],
                "changes": [_html_change(c) for c in f.changes if c.where != ""],
                "textual": f.textual,
                "problems": clean("、".join(sorted(set(f.before_problems + f.after_problems)))),
            }
            for f in td.files
        ],
    }
    return env.get_template("diff.html").render(page=page) + "\n"
