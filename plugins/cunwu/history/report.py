"""What auditors read: semantic diffs between revisions, and the history of one file.

Two entry points, one per command:

* :func:`tree_diff` (``cunwu diff REV1 [REV2]``): which disclosure files
  differ between two revisions, or between a revision and the working tree
  (uncommitted and untracked files included), and what changed in each, as
  data (:mod:`cunwu.history.diff`), not as lines.
* :func:`file_history` (``cunwu history PATH``): every revision of one file,
  renames followed, with a one-line Chinese summary of what each changed.

Git processes of :func:`tree_diff`: one ``git rev-parse`` (the repository),
one ``git log -1`` per revision named (resolves it, and gives its date,
author and subject), one ``git diff --raw -z -M --no-abbrev`` over
``villages/``, ``powers/`` and ``cunwu.yaml`` (or ``villages/<id>/`` only),
one ``git ls-files --others`` when comparing with the working tree (untracked
files), one ``git status`` when two revisions are compared (to warn about
uncommitted work left out), and one ``git cat-file --batch`` for every blob.
``--raw`` rather than ``--name-status`` because it carries the blob id of
each side, so contents are read by id, never by a ``<rev>:<path>`` name that a
path could garble.

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
                    "summary": str}]}          # oldest first

Nothing here raises for a missing history: without git history a diff
cannot name its revisions (:class:`~cunwu.errors.UsageError`, exit 2, with
the reason), and a file's history is its working-tree state plus a warning.
Every value shown to people passes through :func:`clean` (control and bidi
characters made visible) and, in HTML, :func:`html.escape`.
"""

from __future__ import annotations

import dataclasses
import difflib
import hashlib
import html
import json
import os
import re
import shutil
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from ..errors import HistoryError, UsageError
from ..model.types import money_str
from ..sources import classify
from ..validate.engine import MODELS
from .diff import KIND_LABEL, Change, _show, diff_blobs, parse_blob, summarise
from .diff import render_text as render_changes
from .git import DEFAULT_PREFIXES, _BlobReader, _run, _text, read_history

VERSION = 1
WORKTREE_SUBJECT = "未提交的修改"

_STATUS = {"A": "added", "D": "removed", "R": "renamed", "C": "added"}
_STATUS_WORD = {"added": "新增", "removed": "删除", "modified": "修改", "renamed": "改名"}
_STATUS_COLOUR = {"added": "32", "removed": "31", "modified": "33", "renamed": "36"}
_OTHER_KINDS = {"attachment": "附件"}
_VILLAGE_ID = re.compile(r"[a-z0-9][a-z0-9-]*")
#: similarity (0-1) from which an unstaged move (deleted + untracked) counts as a rename, as git's -M
_RENAME_SIMILARITY = 0.5


# ---------------------------------------------------------------- data


@dataclass(frozen=True)
class Side:
    """One end of a comparison: a commit, or the working tree (``commit`` None)."""

    rev: str | None = None
    commit: str | None = None
    date: str | None = None
    author: str | None = None
    subject: str | None = None

    @property
    def worktree(self) -> bool:
        return self.commit is None

    def to_dict(self) -> dict:
        return {
            "rev": self.rev,
            "commit": self.commit,
            "date": self.date,
            "author": self.author,
            "subject": self.subject,
            "worktree": self.worktree,
        }

    def describe(self) -> str:
        """Chinese, one line: ``HEAD~1 = 1a2b3c4d5e（2026-10-08 赵某：更正）``."""
        if self.worktree:
            return "工作区（含未提交、未跟踪的文件）"
        name = f"{self.rev} = {self.commit[:10]}" if self.rev != self.commit else self.commit[:10]
        return f"{name}（{_day(self.date)} {self.author}：{self.subject}）"


@dataclass(frozen=True)
class Figure:
    """A headline number of a disclosure on both sides (a roster's total ...)."""

    name: str
    label: str
    before: str | None
    after: str | None

    def to_dict(self) -> dict:
        return dataclasses.asdict(self)


@dataclass
class FileDiff:
    """One file that differs between the two sides."""

    path: str
    old_path: str | None
    status: str  # added | removed | modified | renamed
    kind: str
    changes: list[Change]
    summary: str
    textual: bool = False
    figures: list[Figure] = field(default_factory=list)
    before_problems: list[str] = field(default_factory=list)
    after_problems: list[str] = field(default_factory=list)

    def to_dict(self) -> dict:
        return {
            "path": self.path,
            "old_path": self.old_path,
            "status": self.status,
            "kind": self.kind,
            "summary": self.summary,
            "textual": self.textual,
            "figures": [f.to_dict() for f in self.figures],
            "before_problems": list(self.before_problems),
            "after_problems": list(self.after_problems),
            "changes": [c.to_dict() for c in self.changes],
        }


@dataclass
class TreeDiff:
    """The result of :func:`tree_diff`; see the module docstring for its JSON."""

    old: Side
    new: Side
    files: list[FileDiff]
    village: str | None = None
    warnings: list[str] = field(default_factory=list)

    def to_dict(self) -> dict:
        return {
            "version": VERSION,
            "from": self.old.to_dict(),
            "to": self.new.to_dict(),
            "village": self.village,
            "warnings": list(self.warnings),
            "files": [f.to_dict() for f in self.files],
        }


class FileRevisions(list):
    """The revisions of one file (a list of dicts, oldest first) with ``path``, ``kind``, ``warnings``."""

    def __init__(self, items=(), *, path: str = "", kind: str = "", warnings: list[str] | None = None):
        super().__init__(items)
        self.path = path
        self.kind = kind
        self.warnings = list(warnings or [])

    def to_dict(self) -> dict:
        return {
            "version": VERSION,
            "path": self.path,
            "kind": self.kind,
            "warnings": list(self.warnings),
            "revisions": list(self),
        }


# ---------------------------------------------------------------- summaries


def kind_name(kind: str) -> str:
    """The Chinese name of a file kind: 名单, 财务, 附件 ..."""
    return KIND_LABEL.get(kind) or _OTHER_KINDS.get(kind, "文件")


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
    if kind not in MODELS and any(c.where == "file" and c.field == "content" for c in changes):
        parts = [
            f"文件改名 {c.before} → {c.after}" for c in changes if c.where == "file" and c.field == "path"
        ]
        return "；".join([*parts, "内容已替换"])
    text = summarise(changes, kind)
    prefix = KIND_LABEL.get(kind, "文件") + "："
    return text[len(prefix) :] if text.startswith(prefix) else text


# ---------------------------------------------------------------- git plumbing


@dataclass
class _Repo:
    root: Path
    toplevel: Path
    prefix: str
    shallow: bool


def _open_repo(root: Path) -> _Repo:
    if shutil.which("git") is None:
        raise HistoryError("找不到 git 命令，无法比较修订")
    try:
        rp = _run(root, ["rev-parse", "--show-toplevel", "--is-shallow-repository", "--show-prefix"])
    except OSError as exc:
        raise HistoryError(f"无法运行 git：{exc}") from None
    if rp.returncode != 0:
        detail = (_text(rp.stderr).strip().splitlines() or [""])[0]
        if "dubious ownership" in detail:
            raise HistoryError(
                f"Git 拒绝读取 {root}：仓库属于其他用户（可用 git config --global --add safe.directory 信任它）"
            )
        raise UsageError(f"{root} 不在 Git 仓库中，没有修改历史，无法比较修订")
    lines = _text(rp.stdout).split("\n")
    if len(lines) < 3:
        raise HistoryError(f"无法理解 git rev-parse 的输出：{_text(rp.stdout)!r}")
    return _Repo(root, Path(lines[0]), lines[2], lines[1].strip() == "true")


def _resolve(repo: _Repo, rev: str) -> Side:
    """The commit ``rev`` names, with its date, author and subject; UsageError when none."""
    if not rev or rev.startswith("-") or any(ch in rev for ch in "\0\n\r"):
        raise UsageError(f"修订名无效：“{clean(rev)}”")
    r = _run(
        repo.root,
        [
            "log",
            "-1",
            "--no-color",
            "--encoding=UTF-8",
            "--format=%H%x00%aI%x00%an%x00%s",
            f"{rev}^{{commit}}",
            "--",
        ],
    )
    fields = _text(r.stdout).strip("\n").split("\0")
    if r.returncode != 0 or len(fields) != 4:
        hint = ""
        if repo.shallow:
            hint = "；这是浅克隆，较早的提交不在本地（可用 git fetch --unshallow 取得完整历史）"
        elif _run(repo.root, ["rev-parse", "--verify", "-q", "HEAD"]).returncode != 0:
            hint = "；这个 Git 仓库还没有任何提交"
        raise UsageError(f"找不到修订 “{clean(rev)}”{hint}")
    sha, date, author, subject = fields
    return Side(rev=rev, commit=sha, date=date, author=author, subject=subject)


def _parse_raw(raw: bytes, strip: str) -> list[tuple[str, str | None, str | None, str | None, str | None]]:
    """``git diff --raw -z --no-abbrev`` -> (status, old path, new path, old blob, new blob)."""

    def rel(b: bytes) -> str:
        p = b.decode("utf-8", errors="surrogateescape")
        return p[len(strip) :] if strip and p.startswith(strip) else p

    def blob(s: bytes) -> str | None:
        t = s.decode()
        return None if set(t) <= {"0"} else t

    out = []
    tokens = raw.split(b"\0")
    i = 0
    while i < len(tokens):
        tok = tokens[i].lstrip(b"\n")
        if not tok:
            i += 1
            continue
        fields = tok[1:].split(b" ")
        if not tok.startswith(b":") or len(fields) < 5 or i + 1 >= len(tokens):
            raise HistoryError(f"无法解析的 git diff 输出：{_text(tok)}")
        status = fields[4][:1].decode()
        if status in ("R", "C"):
            old, new = rel(tokens[i + 1]), rel(tokens[i + 2])
            i += 3
        else:
            old = new = rel(tokens[i + 1])
            i += 2
        if status == "A":
            old = None
        elif status == "D":
            new = None
        out.append((status, old, new, blob(fields[2]), blob(fields[3])))
    return out


def _read_worktree(root: Path, rel: str) -> bytes | None:
    """A file's content in the working tree as git would store it (a symlink is its target text)."""
    path = root / rel
    if os.path.islink(path):
        return os.fsencode(os.readlink(path))
    if not path.is_file():
        return None
    return path.read_bytes()


def _similarity(a: bytes, b: bytes) -> float:
    if a == b:
        return 1.0
    sm = difflib.SequenceMatcher(None, a.split(b"\n"), b.split(b"\n"), autojunk=False)
    return sm.ratio()


# ---------------------------------------------------------------- tree diff


def _is_text(data: bytes | None) -> bool:
    if data is None:
        return True
    if b"\0" in data:
        return False
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def _digest(data: bytes) -> str:
    return f"{len(data)} 字节，sha256:{hashlib.sha256(data).hexdigest()[:16]}"


def _figures(kind: str, before: Any, after: Any) -> list[Figure]:
    """Headline numbers of a roster or statement on both sides (None where a side is missing)."""

    def get(model, fn):
        return fn(model) if model is not None else None

    if kind == "subsidy":
        spec = [
            ("recipients", "户数", lambda m: str(len(m.recipients))),
            ("total", "合计金额", lambda m: money_str(m.total)),
        ]
    elif kind == "finance":
        spec = [
            ("opening_balance", "期初余额", lambda m: money_str(m.opening_balance)),
            ("income", "收入合计", lambda m: money_str(m.totals.income)),
            ("expense", "支出合计", lambda m: money_str(m.totals.expense)),
            ("closing_balance", "期末余额", lambda m: money_str(m.closing_balance)),
        ]
    else:
        return []
    if before is None and after is None:
        return []
    return [Figure(name, label, get(before, fn), get(after, fn)) for name, label, fn in spec]


def diff_file(
    status: str, old_path: str | None, new_path: str | None, before: bytes | None, after: bytes | None
) -> FileDiff:
    """The :class:`FileDiff` of one file given both sides' bytes (None: the side has no file)."""
    path = new_path or old_path or ""
    kind = classify(path).kind
    shown_old = old_path if status == "renamed" else None
    if kind == "attachment" or not (_is_text(before) and _is_text(after)):
        changes: list[Change] = []
        if before is None:
            changes.append(Change("added", "", None, None, None, f"新增{kind_name(kind)}"))
        elif after is None:
            changes.append(Change("removed", "", None, None, None, f"删除{kind_name(kind)}"))
        else:
            if old_path != new_path:
                changes.append(Change("changed", "file", "path", old_path, new_path, "文件路径"))
            if before != after:
                changes.append(
                    Change("changed", "file", "content", _digest(before), _digest(after), "文件内容")
                )
        return FileDiff(
            path, shown_old, status, kind, changes, f"{kind_name(kind)}：{describe(kind, changes)}"
        )
    bd = diff_blobs(
        old_path if before is not None else None, before, new_path if after is not None else None, after
    )
    models = [
        parse_blob(p, d)[1] if d is not None and p else None
        for p, d in ((old_path, before), (new_path, after))
    ]
    return FileDiff(
        path=path,
        old_path=shown_old,
        status=status,
        kind=bd.kind,
        changes=bd.changes,
        summary=f"{kind_name(bd.kind)}：{describe(bd.kind, bd.changes)}",
        textual=bd.textual,
        figures=[] if bd.textual else _figures(bd.kind, *models),
        before_problems=[p.code for p in bd.before_problems],
        after_problems=[p.code for p in bd.after_problems],
    )


def tree_diff(root: Path | str, rev1: str, rev2: str | None = None, village: str | None = None) -> TreeDiff:
    """The disclosures that differ from ``rev1`` to ``rev2`` (None: the working tree), diffed semantically.

    Looks at ``villages/``, ``powers/`` and ``cunwu.yaml`` under ``root``, or
    only at ``villages/<village>/``. Against the working tree, uncommitted
    edits, staged files and untracked files all count; a file moved without
    ``git add`` is paired up as a rename when at least half its lines are
    unchanged (git's own ``-M`` threshold). Raises :class:`UsageError` for a
    revision that cannot be found (with the reason: no repository, no
    commits, shallow clone) or a bad village id, :class:`HistoryError` when
    git itself fails.
    """
    root = Path(root)
    if village is not None and not _VILLAGE_ID.fullmatch(village):
        raise UsageError(f"村的标识只能由小写字母、数字和连字符组成：“{clean(village)}”")
    repo = _open_repo(root)
    old = _resolve(repo, rev1)
    new = _resolve(repo, rev2) if rev2 is not None else Side()
    specs = [f"villages/{village}/"] if village else list(DEFAULT_PREFIXES)
    warnings: list[str] = []
    args = ["diff", "--raw", "-z", "-M", "--no-abbrev", "--no-color", "--no-ext-diff", "--no-textconv"]
    args += [old.commit] + ([new.commit] if new.commit else []) + ["--", *specs]
    diff = _run(root, args)
    if diff.returncode != 0:
        raise HistoryError(f"git diff 失败：{_text(diff.stderr).strip()}")
    entries = _parse_raw(diff.stdout, repo.prefix)
    untracked: list[str] = []
    if new.worktree:
        others = _run(root, ["ls-files", "--others", "--exclude-standard", "-z", "--", *specs])
        for p in _text(others.stdout).split("\0") if others.returncode == 0 else []:
            name = p.rsplit("/", 1)[-1]
            if p and not name.startswith(".") and not name.endswith("~"):
                untracked.append(p)
    else:
        st = _run(root, ["status", "--porcelain=v1", "-z", "--untracked-files=all", "--", *specs])
        if st.returncode == 0 and st.stdout.strip(b"\0"):
            warnings.append("工作区有未提交的修改，没有包括在这次比较中（只写一个修订即可与工作区比较）")
    reader = _BlobReader(repo.toplevel)
    try:

        def blob(sha: str | None) -> bytes | None:
            if sha is None:
                return None
            try:
                return reader.read(sha)
            except KeyError as exc:
                raise HistoryError(f"无法读取 Git 对象：{exc}") from None

        if village and not (root / "villages" / village).is_dir():
            found = False
            for side in (old, new):
                if side.commit:
                    try:
                        reader.read(f"{side.commit}:{repo.prefix}villages/{village}")
                        found = True
                    except KeyError:
                        pass
            if not found:
                raise UsageError(f"找不到村 “{village}”：两个版本中都没有 villages/{village}/")

        sides: list[tuple[str, str | None, str | None, bytes | None, bytes | None]] = []
        for status, op, np_, ob, nb in entries:
            before = blob(ob)
            after = _read_worktree(root, np_) if new.worktree and np_ else blob(nb)
            if status not in ("R", "C") and before == after:
                continue  # e.g. a file touched but not changed
            sides.append((_STATUS.get(status, "modified"), op, np_, before, after))
    finally:
        reader.close()
    # moves the index does not know of yet: a deleted file and an untracked one alike enough
    for p in untracked:
        data = _read_worktree(root, p)
        best, score = None, _RENAME_SIMILARITY
        for i, (status, op, _new, before, _after) in enumerate(sides):
            if status == "removed" and before is not None and data is not None:
                s = _similarity(before, data)
                if s >= score and classify(op).kind == classify(p).kind:
                    best, score = i, s
        if best is None:
            sides.append(("added", None, p, None, data))
        else:
            _, op, _, before, _ = sides[best]
            sides[best] = ("renamed", op, p, before, data)
    files = [diff_file(*s) for s in sides]
    files.sort(key=lambda f: (f.path, f.old_path or ""))
    return TreeDiff(old, new, files, village, warnings)


# ---------------------------------------------------------------- file history


def _relative(root: Path, path: str | Path, known) -> str:
    """``path`` (absolute, or relative to the current folder or to ``root``) relative to ``root``."""
    p = Path(path)
    base = root.resolve()
    candidates: list[str] = []
    for c in [p] if p.is_absolute() else [Path.cwd() / p, root / p]:
        try:
            rel = c.resolve().relative_to(base).as_posix()
        except ValueError:
            continue
        if rel not in candidates:
            candidates.append(rel)
    if not candidates:
        raise UsageError(f"{clean(str(path))} 不在项目 {root} 中")
    rel = next((r for r in candidates if (root / r).exists() or known(r)), candidates[0])
    if (root / rel).is_dir():
        raise UsageError(f"{clean(rel)} 是文件夹；请指定一个公开资料文件")
    if not (rel in DEFAULT_PREFIXES or rel.startswith(tuple(x for x in DEFAULT_PREFIXES if x.endswith("/")))):
        raise UsageError(f"只能查看 villages/、powers/ 和 cunwu.yaml 中的公开资料：{clean(rel)}")
    return rel


def _record(r, summary: str) -> dict:
    return {
        "commit": r.commit,
        "date": r.date,
        "author": r.author,
        "author_email": r.author_email,
        "subject": r.subject,
        "path": r.path,
        "old_path": r.old_path,
        "status": r.status,
        "summary": summary,
    }


def file_history(root: Path | str, path: str | Path) -> FileRevisions:
    """Every revision of one file, oldest first, with a one-line summary of each.

    ``path`` is absolute, or relative to the current folder or to ``root``;
    renames are followed back. Each record is a dict (see the module
    docstring); the summary says what that revision changed against the one
    before it: 新建 for the first, 审核公开 when it was approved, the
    correction entries it added. When the working tree differs, a last record
    with ``commit`` None and subject 未提交的修改 says how. Without git
    history, or in a shallow clone, ``warnings`` says what cannot be shown.
    Raises :class:`UsageError` when the file has no version anywhere.
    """
    root = Path(root)
    with read_history(root) as h:
        rel = _relative(root, path, lambda r: bool(h.revisions(r)))
        warnings: list[str] = []
        if not h.available:
            warnings.append(f"{h.reason}；只能显示工作区中的当前内容")
        elif h.shallow:
            warnings.append(h.reason)
        revs = h.revisions(rel)
        last = revs[-1] if revs else None
        # where the file is now (it may have been asked for by a former name)
        current = last.path if last is not None and last.status != "D" else rel
        out = FileRevisions(path=current, kind=classify(current).kind, warnings=warnings)
        for i, r in enumerate(revs):
            if h.shallow and i == 0 and r.status == "A" and not r.parents:
                out.append(_record(r, "浅克隆中最早的版本（更早的修改看不到）"))
                continue
            try:
                before = h.blob(r.old_blob) if r.old_blob else None
                after = h.blob(r.blob) if r.blob else None
            except KeyError as exc:
                raise HistoryError(f"无法读取 {rel} 的历史版本：{exc}") from None
            fd = diff_file(
                "modified", (r.old_path or r.path) if before is not None else None, r.path, before, after
            )
            summary = describe(fd.kind, fd.changes)
            if summary == "新建" and i > 0:
                summary = "重新新建（此前曾删除）"
            out.append(_record(r, summary))
        # without history, whatever the working tree holds is uncommitted
        if not h.available or h.dirty(current):
            try:
                before = h.blob(last.blob) if last is not None and last.blob else None
            except KeyError as exc:
                raise HistoryError(f"无法读取 {rel} 的最后提交版本：{exc}") from None
            after = _read_worktree(root, current)
            if before is not None or after is not None:
                fd = diff_file("modified", current if before is not None else None, current, before, after)
                status = "A" if before is None else "D" if after is None else "M"
                out.append(
                    {
                        "commit": None,
                        "date": None,
                        "author": None,
                        "author_email": None,
                        "subject": WORKTREE_SUBJECT,
                        "path": current,
                        "old_path": None,
                        "status": status,
                        "summary": describe(fd.kind, fd.changes),
                    }
                )
    if not out:
        raise UsageError(f"找不到 {clean(rel)} 的任何版本：既不在 Git 历史中，也不在工作区")
    return out


# ---------------------------------------------------------------- rendering

_BIDI = set(range(0x202A, 0x202F)) | set(range(0x2066, 0x206A)) | {0x200E, 0x200F, 0x061C}


def clean(text: Any) -> str:
    """``text`` with control and bidi-override characters shown as ``\\x1b``/``\\u202e``.

    A source can hold an escape sequence that would repaint an auditor's
    terminal, or a right-to-left override that makes 650 read as 056.
    """
    s = str(text)
    if s.isprintable() and not any(ord(ch) in _BIDI for ch in s):
        return s
    out = []
    for ch in s:
        o = ord(ch)
        if o in _BIDI or (o < 0x20 and ch != "\t") or 0x7F <= o < 0xA0:
            out.append(f"\\x{o:02x}" if o < 0x100 else f"\\u{o:04x}")
        else:
            out.append(ch)
    return "".join(out)


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
    if f.name == "recipients":
        return v
    try:
        return f"{Decimal(v):,.2f}"
    except InvalidOperation:
        return v


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
    lines = [f"比较：{clean(td.old.describe())}", f"  → {clean(td.new.describe())}"]
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
        lines.append(f"  {clean(f.summary)}")
        if f.figures:
            lines.append("  " + "；".join(_figure_text(x) for x in f.figures))
        shown = [_clean_change(c) for c in f.changes if c.where != ""]
        if shown:
            lines.extend("    " + ln for ln in render_changes(shown, color).split("\n"))
        problems = f.before_problems + f.after_problems
        if f.textual and problems:
            lines.append(f"  （无法按当前格式解析：{'、'.join(sorted(set(problems)))}；以上为原文逐行对比）")
    return "\n".join(lines)


def to_json(td: TreeDiff) -> str:
    """The stable JSON form (see the module docstring): sorted keys, two-space indent."""
    return json.dumps(td.to_dict(), ensure_ascii=False, sort_keys=True, indent=2)


def render_history_text(revs: FileRevisions, color: bool = False) -> str:
    """A file's revisions for a terminal: one header line and one summary line each."""
    lines = [f"{clean(revs.path)} 的修改历史（{sum(1 for r in revs if r['commit'])} 个提交）"]
    for r in revs:
        lines.append("")
        if r["commit"]:
            sha = _paint(r["commit"][:10], "33", color)
            head = f"{sha}  {_day(r['date'])}  {clean(r['author'])}  {clean(r['subject'])}"
        else:
            head = _paint(WORKTREE_SUBJECT, "35", color)
        lines.append(head)
        where = clean(r["path"])
        if r["status"] == "R" and r.get("old_path"):
            where = f"{clean(r['old_path'])} → {where}"
        lines.append(f"    {clean(r['summary'])}" + (f"  [{where}]" if where != clean(revs.path) else ""))
    return "\n".join(lines)


def history_to_json(revs: FileRevisions) -> str:
    """The stable JSON form of :func:`file_history` (see the module docstring)."""
    return json.dumps(revs.to_dict(), ensure_ascii=False, sort_keys=True, indent=2)


# ---------------------------------------------------------------- HTML

_CSS = """
:root { color-scheme: light; --add: #0a6b2d; --del: #a3161a; --mod: #8a5a00; --ren: #075985; }
* { box-sizing: border-box; }
body { margin: 0; font: 16px/1.6 "Noto Sans CJK SC", "PingFang SC", "Microsoft YaHei", sans-serif;
       color: #1b1b1b; background: #f6f6f3; }
main { max-width: 56rem; margin: 0 auto; padding: 1rem; }
h1 { font-size: 1.4rem; margin: .5rem 0 1rem; }
h2 { font-size: 1.05rem; margin: 0 0 .4rem; overflow-wrap: anywhere; }
h2 code { font-size: .9em; }
dl.sides { display: grid; grid-template-columns: auto 1fr; gap: .2rem .8rem; margin: 0 0 1rem; }
dl.sides dt { font-weight: bold; }
dl.sides dd { margin: 0; overflow-wrap: anywhere; }
.warn { background: #fff4d6; border-left: 4px solid var(--mod); padding: .5rem .8rem; }
section.file { background: #fff; border: 1px solid #ddd; border-radius: 6px; padding: .8rem 1rem;
               margin: 0 0 1rem; }
.badge { display: inline-block; color: #fff; border-radius: 4px; padding: 0 .4rem; font-size: .9rem;
         margin-right: .3rem; }
.st-added .badge { background: var(--add); } .st-removed .badge { background: var(--del); }
.st-modified .badge { background: var(--mod); } .st-renamed .badge { background: var(--ren); }
.summary { margin: .2rem 0 .5rem; font-weight: bold; }
ul.figures { list-style: none; padding: 0; margin: 0 0 .5rem; display: flex; flex-wrap: wrap; gap: .3rem 1.2rem; }
ol.changes { list-style: none; padding: 0; margin: 0; }
ol.changes li { border-top: 1px solid #eee; padding: .4rem 0; overflow-wrap: anywhere; }
.op { font-weight: bold; margin-right: .3rem; }
.op-added .op { color: var(--add); } .op-removed .op { color: var(--del); } .op-changed .op { color: var(--mod); }
del { color: var(--del); background: #fde8e8; text-decoration: line-through; }
ins { color: var(--add); background: #e6f6ea; text-decoration: none; }
.where { display: block; color: #666; font: .8rem/1.4 monospace; }
.row { display: block; }
footer { color: #666; font-size: .85rem; margin: 1.5rem 0; }
"""


def _e(v: Any) -> str:
    return html.escape(clean(v), quote=True)


def _html_value(v: Any, labels: dict[str, str]) -> str:
    return _e(_show(v, labels))


def _html_change(c: Change) -> str:
    labels = dict(c.labels)
    verb = {"added": "新增", "removed": "删除", "changed": "修改"}[c.op]
    where = f"{c.where}.{c.field}" if c.field else c.where
    if c.op == "changed":
        body = (
            f"<span class=row>修改前：<del>{_html_value(c.before, labels)}</del></span>"
            f"<span class=row>修改后：<ins>{_html_value(c.after, labels)}</ins></span>"
        )
    elif c.op == "added":
        body = f"<span class=row><ins>{_html_value(c.after, labels)}</ins></span>"
    else:
        body = f"<span class=row><del>{_html_value(c.before, labels)}</del></span>"
    return (
        f'<li class="op-{c.op}"><span class=op>{verb}</span><strong>{_e(c.label)}</strong>'
        f"{body}<code class=where>{_e(where)}</code></li>"
    )


def _html_figure(f: Figure) -> str:
    b, a = _e(_figure_value(f, f.before)), _e(_figure_value(f, f.after))
    if f.before == f.after:
        return f"<li>{_e(f.label)}：{b}（未变）</li>"
    return f"<li>{_e(f.label)}：<del>{b}</del> → <ins>{a}</ins></li>"


def render_html(td: TreeDiff) -> str:
    """A standalone Chinese HTML page (inline CSS, no scripts, every value escaped), readable on a phone."""
    out = [
        "<!DOCTYPE html>",
        '<html lang="zh-CN">',
        "<head>",
        '<meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        '<meta name="robots" content="noindex, nofollow">',
        "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'\">",
        f"<title>公开资料修改对比：{_e(td.old.rev)} → {_e(td.new.rev or '工作区')}</title>",
        f"<style>{_CSS}</style>",
        "</head>",
        "<body><main>",
        "<h1>公开资料修改对比</h1>",
        '<dl class="sides">',
        f"<dt>修改前</dt><dd>{_e(td.old.describe())}</dd>",
        f"<dt>修改后</dt><dd>{_e(td.new.describe())}</dd>",
    ]
    if td.village:
        out.append(f"<dt>范围</dt><dd>villages/{_e(td.village)}/</dd>")
    out.append("</dl>")
    out.extend(f'<p class="warn">{_e(w)}</p>' for w in td.warnings)
    if not td.files:
        out.append("<p>两个版本之间，公开资料没有变化。</p>")
    else:
        out.append(f"<p>共 {len(td.files)} 个文件有变化。</p>")
    for f in td.files:
        out.append(f'<section class="file st-{f.status}">')
        out.append(
            f'<h2><span class="badge">{_STATUS_WORD[f.status]}</span><code>{_e(_file_title(f))}</code></h2>'
        )
        out.append(f'<p class="summary">{_e(f.summary)}</p>')
        if f.figures:
            out.append('<ul class="figures">' + "".join(_html_figure(x) for x in f.figures) + "</ul>")
        shown = [c for c in f.changes if c.where != ""]
        if shown:
            out.append('<ol class="changes">' + "".join(_html_change(c) for c in shown) + "</ol>")
        if f.textual:
            problems = "、".join(sorted(set(f.before_problems + f.after_problems)))
            out.append(f"<p>无法按当前格式解析（{_e(problems)}），以上为原文逐行对比。</p>")
        out.append("</section>")
    out.append("<footer>由 cunwu diff 生成。金额以元为单位；个人号码已脱敏。</footer>")
    out.append("</main></body></html>")
    return "\n".join(out) + "\n"
