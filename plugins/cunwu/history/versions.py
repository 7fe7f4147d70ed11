"""Published versions of a disclosure, and silent edits, from its git history.

A *version* is a distinct approved content (compared as parsed data, so
re-indenting is no edit) in the order it appeared on the published line. A
change to an approved disclosure (including turning it back into a draft)
must come with a correction entry of its own: the number of correction
entries must keep up with the number of changes made after approval, and
the file may never hold fewer entries than it once did. Otherwise the edit
is *silent*, which is what auditors look for, and ``cunwu validate``
refuses it. What counts as a change is what ``cunwu diff`` shows: reordering
rows that have a stable key (recipients, ledger lines) is none.

The working tree counts as the newest revision, so a cadre sees the problem
before committing.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Any

from ..kinds import KINDS
from ..load.document import Doc, doc_of, load_source, model_of
from ..model.canonical import canonical_data, canonical_json
from ..problems import Problem, problem
from ..sources import classify
from .diff import diff_docs
from .git import History, Revision
from .info import DocInfo, model_info
from .lines import changed_lines, current_lines
from .manifest import Published


def _content(model: Any, body: str | None, drop_corrections: bool) -> str:
    """The canonical content of one state, to tell whether two states differ."""
    data = canonical_data(model)
    if drop_corrections:
        data.pop("corrections", None)
    return canonical_json(data) + ("\0" + body.strip() if body is not None else "")


@dataclass
class State:
    """The disclosure as one revision left it."""

    model: Any
    body: str | None
    commit: str = ""  # "" for the working tree
    date: str = ""  # commit (author) date
    author: str = ""
    subject: str = ""
    #: the stamp of the content as typed, where the loader normalised it (Doc.legacy)
    legacy: str = ""

    @property
    def approved(self) -> bool:
        return self.model.status == "approved"

    def stamp(self, kind: str, key: str, rel: str) -> str:
        """The stamp of this content: its identity among the versions."""
        return Doc(kind, key, rel, self.model, self.body).stamp


@dataclass
class DocHistory:
    info: DocInfo
    problems: list[Problem] = field(default_factory=list)
    #: (stamp, State) of every published version, oldest first
    versions: list[tuple[str, State]] = field(default_factory=list)
    #: changes between consecutive published versions: versions[i-1] -> versions[i]
    diffs: list[list] = field(default_factory=list)
    #: identities (URL keys) the document had in earlier published revisions,
    #: e.g. a notice's old slug: their URLs redirect to the current one
    former_keys: list[str] = field(default_factory=list)
    #: True when ``versions`` comes from git history (else there was none to read)
    from_git: bool = False


class BlobCache:
    """Parsed blobs by sha: the same content is parsed once per process."""

    def __init__(self):
        self.parsed: dict[tuple[str, str], tuple] = {}

    def get(self, history: History, path: str, sha: str) -> tuple[Any, str | None, str]:
        """(model or None, body, legacy stamp) of one blob."""
        sf = classify(path)
        key = (sf.kind, sha)
        if key not in self.parsed:
            try:
                data = history.blob(sha)
            except KeyError:
                self.parsed[key] = (None, None, "")
            else:
                loaded = load_source(sf, data, [])
                model = model_of(sf, loaded, [])
                legacy = ""
                spec = KINDS.get(sf.kind)
                if model is not None and spec is not None and spec.disclosure:
                    d = doc_of(sf, loaded, model)
                    legacy = d.legacy
                self.parsed[key] = (model, loaded.body, legacy)
        return self.parsed[key]


BLOBS = BlobCache()


def _states(doc: Doc, revisions: list[Revision], history: History, dirty: bool) -> list[State]:
    states = []
    for rev in revisions:
        if rev.blob is None:
            continue
        if rev.blob == doc.sha:  # the file as it is now: already parsed
            model, body, legacy = doc.model, doc.body, doc.legacy
        else:
            model, body, legacy = BLOBS.get(history, rev.path, rev.blob)
        if model is None or type(model) is not type(doc.model):
            continue  # an old revision that today's schema cannot read
        states.append(State(model, body, rev.commit, rev.date[:10], rev.author, rev.subject, legacy))
    current = State(doc.model, doc.body, legacy=doc.legacy)
    if dirty or not states:
        states.append(current)
    elif states[-1].model is not doc.model and _content(states[-1].model, states[-1].body, False) != _content(
        doc.model, doc.body, False
    ):
        states.append(current)  # e.g. the blob could not be read: trust the working tree
    return states


class Diffs:
    """:func:`diff_docs` of pairs of states, each pair computed once (the
    silent-edit check and the versions page ask for the same pairs)."""

    def __init__(self, kind: str):
        self.kind = kind
        self.done: dict[tuple[int, int], list] = {}

    def __call__(self, prev: State, cur: State) -> list:
        key = (id(prev), id(cur))
        if key not in self.done:
            self.done[key] = diff_docs(self.kind, prev.model, cur.model, prev.body, cur.body)
        return self.done[key]

    def edited(self, prev: State, cur: State) -> bool:
        """True when ``cur`` changed ``prev``'s content as :func:`diff_docs` sees
        it: re-indenting, reordering keys or keyed rows (recipients by ``key``,
        ledger lines by voucher and line) and correction entries do not count,
        exactly as ``cunwu diff`` reports 没有实质修改 for them."""
        if _content(prev.model, prev.body, True) == _content(cur.model, cur.body, True):
            return False  # the common case, without computing a diff
        return any(not c.where.startswith("corrections") for c in self(prev, cur))


def edits(states: list[State], diffs: Diffs) -> list[int]:
    """Indices of the states that edited the disclosure after it was first
    approved: each needs a correction entry of its own. Turning an approved
    disclosure back into a draft is an edit too."""
    out = []
    seen_approved = False
    for i in range(1, len(states)):
        prev, cur = states[i - 1], states[i]
        seen_approved = seen_approved or prev.approved
        if seen_approved and diffs.edited(prev, cur):
            out.append(i)
    return out


def unregistered(states: list[State], diffs: Diffs) -> set[int]:
    """Indices of the edits (see :func:`edits`) that no correction entry
    covered when they were made: the k-th edit after approval needs at least
    k entries in the state it left. ``cunwu history`` marks them; the
    validator judges the file as it is now (an entry added later covers an
    earlier edit), see :func:`analyse`."""
    base = first_records(states)
    return {i for k, i in enumerate(edits(states, diffs), 1) if states[i].model.change_records - base < k}


def first_records(states: list[State]) -> int:
    """The entries (corrections, a budget's adjustments) the disclosure already
    had when it was first approved: they explain what came before, never an
    edit made after it."""
    first = next((st for st in states if st.approved), None)
    return first.model.change_records if first is not None else 0


def _where(state: State) -> str:
    return f"{state.commit[:8]}（{state.date}，{state.author}）" if state.commit else "未提交的修改"


def shown_stamp(stamp: str, legacy: str, published: set[str] | None) -> str:
    """The stamp a version is shown and recorded with: the stamp its content had
    as typed (before the loader normalised it) when that one was published,
    else its stamp. A stamp, once published, never moves."""
    return legacy if legacy and published and legacy in published else stamp


def analyse(doc: Doc, history: History | None, published: set[str] | None = None) -> DocHistory:
    """Versions, dates and silent edits of one disclosure. ``published``: the
    stamps of the document already recorded as published (versions.json)."""
    if history is None or not history.available:
        info = model_info(doc, published)
        # for the public page: the reason (a local path, git's own message)
        # goes to the build log as history-unavailable, not to villagers
        info.history_note = "构建网站时无法读取 Git 修改历史，这里只显示当前版本。"
        return DocHistory(info)
    revisions = history.revisions(doc.rel)
    states = _states(doc, revisions, history, history.dirty(doc.rel) or not revisions)
    out = DocHistory(model_info(doc, published), from_git=True)

    # silent edits: every content change after the first approval needs a
    # correction entry of its own, and entries are never removed
    diffs = Diffs(doc.kind)
    edited = edits(states, diffs)
    changes = [states[i] for i in edited]
    most, dropped = 0, []
    for prev, cur in zip(states, states[1:], strict=False):
        most = max(most, prev.model.change_records)
        if cur.model.change_records < prev.model.change_records:
            dropped.append(cur)
    budget = doc.kind == "budget"
    if doc.model.change_records < most:
        # judged on the file as it is now: restoring the entries clears it
        where = "、".join(_where(c) for c in dropped)
        out.problems.append(
            _silent(
                doc,
                f"更正记录{'或预算调整' if budget else ''}被删除了：曾有 {most} 条，现在只有 {doc.model.change_records} 条（删除于：{where}）。"
                "更正记录和预算调整只能增加，请恢复被删除的记录",
            )
        )
    # entries written before the first approval explain nothing after it
    have = max(0, doc.model.change_records - first_records(states))
    if len(changes) > have:
        unexplained = changes[have:]
        where = "、".join(_where(c) for c in unexplained)
        # what changed since the last explained state, at its line in the file as it is now
        since = states[edited[have] - 1]
        changes_now = diff_docs(doc.kind, since.model, doc.model, since.body, doc.body)
        lines = changed_lines(doc, current_lines(history.root, doc), changes_now)
        at = ""
        if lines:
            shown = "、".join(str(n) for n, _ in lines[:5]) + ("等" if len(lines) > 5 else "")
            at = f"改动在第 {shown} 行。"
        out.problems.append(
            _silent(
                doc,
                (
                    f"本年度预算已审核公开，之后被修改了 {len(changes)} 次，但只有 {have} 条预算调整或更正记录；"
                    f"没有说明的修改：{where}。{at}调整预算须经四议两公开，在 adjustments 中新增一条"
                    "（日期、原因、决议日期、调整后的金额），不能直接改已公开的预算；改正笔误则在 corrections 中新增一条"
                    if budget
                    else f"审核公开后内容被修改了 {len(changes)} 次，但只有 {have} 条更正记录；"
                    f"没有说明的修改：{where}。{at}每次修改都要在 corrections 中新增一条（日期、原因）"
                ),
                lines[0] if lines else None,
            )
        )

    # a published identity that changed (a notice's slug): keep its URL alive
    for st in states:
        key = doc_key(doc.kind, st.model)
        if st.approved and key != doc.key and key not in out.former_keys:
            out.former_keys.append(key)

    # published versions and what changed between them; a version is its
    # content (its stamp), shown with the stamp it was published with
    identities: list[str] = []
    for st in states:
        if not st.approved:
            continue
        identity = st.stamp(doc.kind, doc.key, doc.rel)
        if identity in identities:
            continue  # unchanged, or reverted to an earlier version: it keeps its stamp and URL
        if out.versions:
            prev = out.versions[-1][1]
            out.diffs.append(diffs(prev, st))
        identities.append(identity)
        out.versions.append((shown_stamp(identity, st.legacy, published), st))
    if identities and identities[-1] == doc.stamp:
        out.info.stamp = out.versions[-1][0]
    info = out.info
    info.versions = [
        {
            "stamp": stamp,
            "date": (st.model.last_changed.isoformat() if st.model.last_changed else ""),
            "commit": st.commit[:8],
            "commit_date": st.date,
            "author": st.author,
            "subject": st.subject,
        }
        for stamp, st in out.versions
    ] or info.versions
    if out.versions:
        first = out.versions[0][1]
        if first.model.approved_on:
            info.first_published = first.model.approved_on.isoformat()
    notes = []
    if history.shallow:
        notes.append("Git 历史不完整（浅克隆），更早的版本无法显示。")
    if history.dirty(doc.rel):
        notes.append("本页含尚未提交到 Git 的修改。")
    info.history_note = " ".join(notes)
    return out


def doc_key(kind: str, model: Any) -> str:
    """The identity of a parsed disclosure (its URL key); the kind's name for other files."""
    spec = KINDS.get(kind)
    return spec.key(model) if spec is not None and spec.disclosure else kind


def published_stamps(dh: DocHistory | None, doc: Doc) -> list[tuple[str, str]]:
    """(stamp, date) of every published version of a document, for versions.json.

    With git history, only committed versions count: a build of uncommitted
    work is a preview, and recording it would make discarding or amending
    that work before the commit look like rewritten history."""
    if dh is not None and dh.from_git:
        return [
            (stamp, st.model.last_changed.isoformat() if st.model.last_changed else "")
            for stamp, st in dh.versions
            if st.commit
        ]
    if doc.model.status == "approved":
        last = doc.model.last_changed
        return [(dh.info.stamp if dh is not None else doc.stamp, last.isoformat() if last else "")]
    return []


def deleted_stamps(
    history: History | None, published: Published | None = None
) -> list[tuple[str, str, str, str]]:
    """(scope, doc, stamp, date) of approved versions of files deleted since:
    withdrawing a disclosure is not rewriting history, its versions stay found.
    ``published``: the record so far, for the stamps versions were published with."""
    if history is None or not history.available:
        return []
    out = []
    for fh in history.files():
        if not fh.deleted:
            continue
        for rev in fh.revisions:
            if rev.blob is None:
                continue
            model, body, legacy = BLOBS.get(history, rev.path, rev.blob)
            if model is None or getattr(model, "status", None) != "approved":
                continue
            sf = classify(rev.path)
            d = Doc(sf.kind, doc_key(sf.kind, model), rev.path, model, body)
            scope, name = sf.village or "", f"{sf.kind}:{d.key}"
            date = model.last_changed.isoformat() if model.last_changed else ""
            stamp = shown_stamp(d.stamp, legacy, (published or {}).get((scope, name)))
            out.append((scope, name, stamp, date))
    return out


def _silent(doc: Doc, message: str, at: tuple[int, str] | None = None) -> Problem:
    """A silent edit at the changed line (``at``: line and field path), or at
    the corrections (or status) when the change has no line of its own."""
    if at is not None:
        return problem(doc.rel, at[0], "silent-edit", message, at[1])
    line = doc.line("corrections") if "corrections" in doc.lines else doc.line("status")
    return problem(doc.rel, line, "silent-edit", message, "corrections")


def history_key(history: History | None, rels: list[str]) -> str:
    """Hash of what the history says about these files (for build fingerprints)."""
    h = hashlib.sha256()
    if history is None or not history.available:
        h.update(b"no-history")
        return h.hexdigest()
    h.update(f"shallow={history.shallow}".encode())
    for rel in sorted(rels):
        h.update(rel.encode() + b"\0")
        for r in history.revisions(rel):
            h.update(f"{r.commit}:{r.blob}:{r.path}\0".encode())
        h.update(b"dirty" if history.dirty(rel) else b"clean")
    return h.hexdigest()


__all__ = ["analyse", "history_key", "DocHistory"]
