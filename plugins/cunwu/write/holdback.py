"""Holding a village back: one village's mistake must not stop the township.

A village whose own files have errors, or whose output holds a personal
number, is *held back* (:mod:`cunwu.commands.build` decides which): the
other villages publish, and the held village's site shows its **last passing
commit**, the newest commit at which its files passed every check, rendered
by today's code and theme. A build folder with an earlier site on disk and a
fresh CI checkout without one publish the same thing, so a deploy with
``rsync --delete`` keeps the village.

The files of that commit are read from git as blobs
(:mod:`cunwu.history.snapshots`) into a temporary project view,
``build/.staging/_views/<id>/``, holding the township's ``cunwu.yaml``,
``powers/`` and chart of accounts and the village's own folder; they are
checked and rendered from there like any village. No work tree is checked
out.

**The township's files as they were then**, not as they are now. A commit
passes when the village's files and the township's files of that commit pass
together: that is the site the township published then, and nothing else was
ever checked as a whole. It also keeps a township change from taking
villages off the site: when the township renames itself, drops a program or
an account, every village that still names the old one fails against the new
files, and would have no passing commit at all against them (and ``rsync
--delete`` would remove it); against the files of then, each keeps its last
site. The cost: a held village shows the township's contacts and shared
power items of then until its cadre fixes it. Today's publishing settings
(``site:`` and ``print:`` in ``cunwu.yaml``: rosters taken offline after
their notice period, the poster window) do apply, since they say how the
township publishes now, not what the files of then said.

A village held for a personal number in its output must differ in its own
files from the version that leaked. If that earlier version leaks too, the
number does not come from the village's recent files (a template, say), and
if there is no earlier version, nothing tells: in both cases the build stops
(:class:`~cunwu.errors.PrivacyLeak`), as it does without git history.

A village with no passing commit at all (a new village with a mistake in its
first commit) has no site: the township index names it without a link.
Without git history there is nothing to build an earlier version from: the
village's site stays on disk as the last build left it, if the build cache
says what it shows, and is taken off otherwise.
"""

from __future__ import annotations

import dataclasses
import hashlib
import shutil
from dataclasses import dataclass
from pathlib import Path

from ..history.git import History, read_worktree
from ..history.manifest import Published
from ..history.snapshots import Snapshot, blob_at, is_township_file, snapshots
from ..problems import Report
from ..sources import SourceFile, discover
from ..validate.project import TownshipContext, VillageBundle
from ..validate.township import load_township
from ..validate.village import check_village
from . import villages
from .state import HeldBack, Record, State, Task, TaskResult, VillageSummary
from .swap import live_ino
from .villages import render_fingerprint, render_village, village_summary

#: a state of the sources: the village's files and the township's, as (path, git blob id)
FileState = tuple[tuple[tuple[str, str], ...], tuple[tuple[str, str], ...]]


@dataclass
class Hold:
    """A village this build holds back, and why."""

    vid: str
    #: the cause, in Chinese, quoting nothing from the files
    reason: str
    #: how many of its files have errors
    files: int = 0
    #: held for a personal number in its output (its files passed)
    leak: bool = False


def hold_for_errors(vid: str, files: int) -> Hold:
    return Hold(vid, f"{files} 个文件有错误", files)


def hold_for_leak(vid: str) -> Hold:
    return Hold(vid, "生成的网页中发现个人号码", leak=True)


@dataclass
class FallbackJob:
    """What a worker needs to publish a held village from its last passing commit."""

    hold: Hold
    #: the village's result in this build (its problems, its fingerprint)
    result: TaskResult
    #: the cache record of the live tree, if any
    record: Record | None
    #: the sources as they are now: a state identical to this one cannot be
    #: the last good one
    now: FileState
    #: village codes published by this build with the villages' current files
    taken: frozenset[str]
    #: whether the record's pages may spare rendering (``--no-cache`` says no)
    use_cache: bool = True


def git_blob_id(data: bytes) -> str:
    return hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest()


def current_state(root: Path, village_files: list[SourceFile], township_files: list[SourceFile]) -> FileState:
    """The village's and the township's files in the working tree, as git would store them."""

    def ids(files: list[SourceFile]) -> tuple[tuple[str, str], ...]:
        out = []
        for f in files:
            data = read_worktree(root, f.rel)
            out.append((f.rel, git_blob_id(data) if data is not None else ""))
        return tuple(sorted(out))

    return ids(village_files), ids([f for f in township_files if is_township_file(f.rel)])


def fallback_task(job: FallbackJob) -> TaskResult:
    """Publish a held village from its last passing commit, or keep or drop its site.

    Returns the village's result for the rest of the build: its problems of
    today, the summary of the version shown (``summary.held`` says why), and
    a staging tree to swap in when one was rendered."""
    state = villages.STATE
    assert state is not None
    r, hold = job.result, job.hold
    out = TaskResult(r.vid, r.problems, r.count, r.vfp, name=r.name)
    history = state.history
    if history is None or not history.available:
        return _keep_live(state, job, out)
    townships: dict[tuple, tuple[TownshipContext, bool]] = {}
    for snap in snapshots(history, r.vid):
        if (snap.village, snap.township) == job.now or (hold.leak and snap.village == job.now[0]):
            continue
        passed = _check_at(state, history, job, snap, townships)
        if passed is not None:
            _render_at(state, job, snap, *passed, out)
            return out
    if hold.leak:
        # no earlier version of its own files to tell whether the number came
        # from them: the build stops, as it does for a leak it cannot place
        out.leaks = r.leaks
        return out
    out.summary = _absent(job)
    return out


def _write_view(history: History, view: Path, snap: Snapshot) -> None:
    if view.exists():
        shutil.rmtree(view)
    for rel, blob in snap.village + snap.township:
        _write(view, rel, history.blob(blob))


def _write(view: Path, rel: str, data: bytes) -> bool:
    target = (view / rel).resolve()
    if not target.is_relative_to(view.resolve()):
        return False  # a name that leaves the view (a chart of accounts at "../x")
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(data)
    return True


def _township_at(
    history: History, view: Path, snap: Snapshot, hist: History, published: Published | None
) -> tuple[TownshipContext, bool]:
    """The township's context as the commit had it, and whether its files passed."""
    report = Report()
    ctx = load_township(view, discover(view), report, hist, published)
    accounts = getattr(ctx.config, "accounts", None)
    if accounts and not (view / accounts).is_file():
        data = blob_at(history, snap.commit.sha, accounts)
        if data is not None and _write(view, accounts, data):
            report = Report()
            ctx = load_township(view, discover(view), report, hist, published)
    return ctx, report.ok()


def _check_at(
    state: State,
    history: History,
    job: FallbackJob,
    snap: Snapshot,
    townships: dict[tuple, tuple[TownshipContext, bool]],
) -> tuple[TownshipContext, History, VillageBundle, list[SourceFile]] | None:
    """Check the village and the township as they stood at ``snap``; None unless
    all passed. ``townships``: the township contexts already loaded, by the
    state of the township's files and their history (the view's folder is
    the same for every state of the village)."""
    vid = job.result.vid
    view = state.staging / "_views" / vid
    try:
        _write_view(history, view, snap)
    except KeyError:
        return None  # a blob this clone does not have (a partial clone)
    hist = history.until(snap.commit.sha)
    key = (snap.township, snap.township_commit)
    if key not in townships:
        townships[key] = _township_at(history, view, snap, hist, state.published)
    ctx, township_ok = townships[key]
    if not township_ok:
        return None
    vfiles = [f for f in discover(view) if f.village == vid]
    bundle, problems, _count = check_village(ctx, vid, vfiles, hist, state.published)
    if bundle is None or any(p.severity == "error" for p in problems):
        return None
    if bundle.village.code in job.taken:
        return None  # the code another village publishes with today
    # how the township publishes today, not what its files said then
    now = state.ctx.config
    ctx.config = ctx.config.model_copy(update={"site": now.site, "print": now.print})
    return ctx, hist, bundle, vfiles


def _render_at(
    state: State,
    job: FallbackJob,
    snap: Snapshot,
    ctx: TownshipContext,
    hist: History,
    bundle: VillageBundle,
    vfiles: list[SourceFile],
    out: TaskResult,
) -> None:
    hold, vid = job.hold, job.result.vid
    view_state = dataclasses.replace(state, root=state.staging / "_views" / vid, ctx=ctx, history=hist)
    summary = village_summary(ctx, bundle)
    summary.held = HeldBack(hold.reason, hold.files, kept=snap.date, commit=snap.commit.sha)
    out.summary = summary
    out.rfp = render_fingerprint(view_state, out.vfp, summary)
    rec = job.record
    tree = live_ino(state, vid)
    if rec is not None and rec.rfp == out.rfp and rec.tree_ino == tree:
        out.pages, out.tree_ino = rec.pages, tree  # the live tree shows exactly this
        return
    render_village(view_state, Task(vid, vfiles, out.vfp, rec if job.use_cache else None), bundle, out)


def _keep_live(state: State, job: FallbackJob, out: TaskResult) -> TaskResult:
    """Without git history there is no earlier commit to build: the site on
    disk stays as it is, if the cache record says what it shows."""
    rec, hold = job.record, job.hold
    if rec is None or rec.summary is None or rec.tree_ino != live_ino(state, out.vid):
        out.summary = _absent(job)
        return out
    kept = rec.summary.held.kept if rec.summary.held is not None else ""
    out.summary = dataclasses.replace(rec.summary, held=HeldBack(hold.reason, hold.files, kept=kept))
    out.rfp, out.tree_ino, out.pages = rec.rfp, rec.tree_ino, rec.pages
    return out


def _absent(job: FallbackJob) -> VillageSummary:
    """A village with no version to publish: listed on the township index, no site."""
    r, hold = job.result, job.hold
    return VillageSummary(
        id=r.vid,
        name=r.name or r.vid,
        base_url="",
        code="",
        code_line=0,
        cadence="",
        latest="",
        approvals={},
        docs=[],
        stamps={},
        versions=[],
        held=HeldBack(hold.reason, hold.files, published=False),
    )


def is_absent(summary: VillageSummary) -> bool:
    return summary.held is not None and not summary.held.published
