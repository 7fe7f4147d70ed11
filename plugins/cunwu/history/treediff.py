"""What auditors read: semantic diffs between revisions, and the history of one file, as data.

Two entry points, one per command:

* :func:`tree_diff` (``cunwu diff REV1 [REV2]``): which disclosure files
  differ between two revisions, or between a revision and the working tree
  (uncommitted and untracked files included), and what changed in each, as
  data (:mod:`cunwu.history.diff`), not as lines.
* :func:`file_history` (``cunwu history PATH``): every revision of one file,
  renames followed, with what each changed.

:mod:`cunwu.render.diffreport` shows the results as text, JSON and HTML; the
JSON forms are documented there.

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

Nothing here raises for a missing history: without git history a diff
cannot name its revisions (:class:`~cunwu.errors.UsageError`, exit 2, with
the reason), and a file's history is its working-tree state plus a warning.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import HistoryError, UsageError
from ..kinds import spec
from ..model.types import money_str
from ..sources import classify
from ..words import clean
from .diff import Change, diff_blobs, kind_name, parse_blob
from .git import (
    DEFAULT_PREFIXES,
    RevInfo,
    _BlobReader,
    _run,
    _text,
    open_repo,
    parse_raw,
    read_history,
    read_worktree,
    resolve_rev,
    similarity,
)
from .versions import Diffs, State, unregistered

WORKTREE_SUBJECT = "未提交的修改"

_STATUS = {"A": "added", "D": "removed", "R": "renamed", "C": "added"}
_VILLAGE_ID = re.compile(r"[a-z0-9][a-z0-9-]*")
#: similarity (0-1) from which an unstaged move (deleted + untracked) counts as a rename, as git's -M
_RENAME_SIMILARITY = 0.5


def _side(info: RevInfo) -> Side:
    return Side(info.rev, info.commit, info.date, info.author, info.subject)


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


@dataclass(frozen=True)
class Figure:
    """A headline number of a disclosure on both sides (a roster's total ...)."""

    name: str
    label: str
    before: str | None
    after: str | None


@dataclass
class FileDiff:
    """One file that differs between the two sides."""

    path: str
    old_path: str | None
    status: str  # added | removed | modified | renamed
    kind: str
    changes: list[Change]
    textual: bool = False
    figures: list[Figure] = field(default_factory=list)
    before_problems: list[str] = field(default_factory=list)
    after_problems: list[str] = field(default_factory=list)


@dataclass
class TreeDiff:
    """The result of :func:`tree_diff`; see the module docstring for its JSON."""

    old: Side
    new: Side
    files: list[FileDiff]
    village: str | None = None
    warnings: list[str] = field(default_factory=list)


@dataclass
class FileRevision:
    """One revision of a file: its commit (None for uncommitted work) and what it changed."""

    commit: str | None
    date: str | None
    author: str | None
    author_email: str | None
    subject: str
    path: str  # the file's path at that revision
    old_path: str | None  # before a rename or deletion
    status: str  # A | M | D | R | T
    #: what the revision changed against the one before (None: not known, see ``note``)
    diff: FileDiff | None
    #: "" or why the diff is special: "shallow-first" (the oldest revision a shallow
    #: clone has; what came before is unknown), "recreated" (added again after a deletion)
    note: str = ""
    #: an edit after approval that no correction entry covered when it was made
    #: (see :func:`cunwu.history.versions.unregistered`)
    silent: bool = False


@dataclass
class FileRevisions:
    """The revisions of one file, oldest first."""

    path: str
    kind: str
    revisions: list[FileRevision] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


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
        return FileDiff(path, shown_old, status, kind, changes)
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
    repo = open_repo(root)
    old = _side(resolve_rev(repo, rev1))
    new = _side(resolve_rev(repo, rev2)) if rev2 is not None else Side()
    specs = [f"villages/{village}/"] if village else list(DEFAULT_PREFIXES)
    warnings: list[str] = []
    args = ["diff", "--raw", "-z", "-M", "--no-abbrev", "--no-color", "--no-ext-diff", "--no-textconv"]
    assert old.commit is not None
    args += [old.commit] + ([new.commit] if new.commit else []) + ["--", *specs]
    diff = _run(root, args)
    if diff.returncode != 0:
        raise HistoryError(f"git diff 失败：{_text(diff.stderr).strip()}")
    entries = parse_raw(diff.stdout, repo.prefix)
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
            after = read_worktree(root, np_) if new.worktree and np_ else blob(nb)
            if status not in ("R", "C") and before == after:
                continue  # e.g. a file touched but not changed
            sides.append((_STATUS.get(status, "modified"), op, np_, before, after))
    finally:
        reader.close()
    # moves the index does not know of yet: a deleted file and an untracked one alike enough
    for p in untracked:
        data = read_worktree(root, p)
        best, score = None, _RENAME_SIMILARITY
        for i, (status, op, _new, before, _after) in enumerate(sides):
            if status == "removed" and op is not None and before is not None and data is not None:
                s = similarity(before, data)
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


def _record(r, diff: FileDiff | None, note: str = "") -> FileRevision:
    return FileRevision(
        r.commit, r.date, r.author, r.author_email, r.subject, r.path, r.old_path, r.status, diff, note
    )


def file_history(root: Path | str, path: str | Path) -> FileRevisions:
    """Every revision of one file, oldest first, with what each changed.

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
        #: what each revision left, parsed, to find edits made without a correction
        parsed: list[tuple[Any, str | None] | None] = []
        disclosure = bool((k := spec(out.kind)) and k.disclosure)

        def parse(where: str, data: bytes | None) -> None:
            if disclosure and data is not None:
                _kind, model, body, _problems = parse_blob(where, data)
                parsed.append((model, body))
            else:
                parsed.append(None)

        for i, r in enumerate(revs):
            if h.shallow and i == 0 and r.status == "A" and not r.parents:
                out.revisions.append(_record(r, None, "shallow-first"))
                try:
                    parse(r.path, h.blob(r.blob) if r.blob else None)
                except KeyError:
                    parsed.append(None)
                continue
            try:
                before = h.blob(r.old_blob) if r.old_blob else None
                after = h.blob(r.blob) if r.blob else None
            except KeyError as exc:
                raise HistoryError(f"无法读取 {rel} 的历史版本：{exc}") from None
            parse(r.path, after)
            fd = diff_file(
                "modified", (r.old_path or r.path) if before is not None else None, r.path, before, after
            )
            recreated = i > 0 and any(c.where == "" and c.op == "added" for c in fd.changes)
            out.revisions.append(_record(r, fd, "recreated" if recreated else ""))
        # without history, whatever the working tree holds is uncommitted
        if not h.available or h.dirty(current):
            try:
                before = h.blob(last.blob) if last is not None and last.blob else None
            except KeyError as exc:
                raise HistoryError(f"无法读取 {rel} 的最后提交版本：{exc}") from None
            after = read_worktree(root, current)
            if before is not None or after is not None:
                fd = diff_file("modified", current if before is not None else None, current, before, after)
                status = "A" if before is None else "D" if after is None else "M"
                out.revisions.append(
                    FileRevision(None, None, None, None, WORKTREE_SUBJECT, current, None, status, fd)
                )
                parse(current, after)
    if not out.revisions:
        raise UsageError(f"找不到 {clean(rel)} 的任何版本：既不在 Git 历史中，也不在工作区")
    _mark_silent(out.revisions, parsed)
    return out


def _mark_silent(revisions: list[FileRevision], parsed: list[tuple[Any, str | None] | None]) -> None:
    """Mark the revisions that edited an approved disclosure without a
    correction entry (``parsed``: the model and body each revision left, or
    None where it left none or one today's format cannot read). A deletion
    starts the count anew: a file added again is a new disclosure."""
    run: list[tuple[int, State]] = []

    def flush() -> None:
        if len(run) > 1:
            kind = classify(revisions[run[0][0]].path).kind
            for i in unregistered([st for _, st in run], Diffs(kind)):
                revisions[run[i][0]].silent = True
        run.clear()

    for i, (r, p) in enumerate(zip(revisions, parsed, strict=True)):
        if r.status == "D" or r.note == "recreated":
            flush()
        if p is not None and p[0] is not None and hasattr(p[0], "corrections"):
            if run and type(run[-1][1].model) is not type(p[0]):
                flush()
            run.append((i, State(p[0], p[1])))
    flush()
