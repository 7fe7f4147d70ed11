"""``cunwu build``: validated sources -> static sites, costing what changed.

:func:`build` is the story, one named step each:

1. **plan**: walk the project once, hash the sources (cached by stat), check
   the township's own files, and decide per village from fingerprints
   whether anything it shows changed (its files, the township's, the code,
   the theme, the history or the print window);
2. **villages**: check each village that changed and, if it passed, render
   it into a staging copy of its live tree, in one task per village in
   worker processes (one Pelican run per village, a page rendered only when
   its data changed), scanning what was written from the writer's bytes;
3. **check**: list every problem; a village with errors in its own files is
   held back, an error anywhere else stops the build;
4. **scan**: a personal number in what a village wrote holds it back (one
   in the township root stops the build, in step 7);
5. **hold back**: publish each held village from its last passing commit
   (:mod:`cunwu.write.holdback`), or take it off the site when it has none;
6. **versions**: refuse the build if a published version vanished from
   history; record the new ones (versions.json);
7. **township**: render and scan the township root in its own staging folder;
8. **publish**: swap each rebuilt village's staging tree in with one atomic
   directory exchange, install the township root, record the cache state.

Errors in the township's own files (cunwu.yaml, powers/, content/, the chart
of accounts) are found in step 1 and stop the build, as does rewritten
history in step 6. With ``all_or_nothing`` any error stops it (steps 3, 4).

Until step 8 the live site is untouched; a journal makes step 8 restartable
after a crash. Unchanged output files keep their bytes and modification time.
"""

from __future__ import annotations

import concurrent.futures as cf
import datetime as dt
import fcntl
import json
import multiprocessing
import os
import shutil
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

from ..errors import BuildError, PrivacyLeak, ValidationFailed
from ..history.git import History, head_date
from ..history.manifest import published_index
from ..history.manifest import read_source as read_manifest
from ..history.snapshots import found_stamps
from ..history.versions import history_key
from ..problems import Problem, Report, Severity, problem
from ..render.theme import find_theme
from ..sources import find_root
from ..validate.crossfile import check_unique_codes
from ..write import villages
from ..write.fingerprint import FileHashes, code_fingerprint, sha, static_files, template_fingerprints
from ..write.holdback import (
    FallbackJob,
    Hold,
    current_state,
    fallback_task,
    hold_for_errors,
    hold_for_leak,
    is_absent,
)
from ..write.pelicanconf import PELICANCONF, template_search
from ..write.pictures import Pictures
from ..write.records import atomic_pickle, load_record, record_path
from ..write.state import HeldBack, State, Task, TaskResult, VillageSummary
from ..write.swap import live_ino, recover, swap_in
from ..write.township import RootBuild, check_manifest, install_root, render_root, scan_root
from ..write.villages import render_fingerprint, village_task
from .project import OpenProject, open_project

T = TypeVar("T")


@dataclass
class BuildOptions:
    path: Path = Path(".")
    out: Path | None = None
    as_of: dt.date | None = None
    jobs: int = 0  # 0: one per core
    drafts: bool = False
    progress: bool = True
    use_cache: bool = True
    require_history: bool = False
    allow_rewrite: str | None = None  # reason for accepting rewritten history
    #: the previously published versions.json (a URL or a file) to continue
    #: the tamper-evidence record from, e.g. when build/ is new (CI)
    manifest: str | None = None
    posters: bool = True  # notice-board PDFs (needs a CJK font)
    #: any error anywhere stops the build (no village is held back)
    all_or_nothing: bool = False


@dataclass
class BuildResult:
    site: Path
    as_of: dt.date
    villages: int
    rebuilt: list[str]
    pages_rendered: int
    posters_rendered: int
    files_changed: int
    seconds: float
    report: Report
    #: the villages held back, and why: the site was published without
    #: their changes (``cunwu build`` exits with status 3)
    held: dict[str, HeldBack] = field(default_factory=dict)


# ---------------------------------------------------------------- helpers


def resolve_as_of(root: Path, given: dt.date | None) -> tuple[dt.date, str]:
    """ "Today" for timeliness: given, else the newest commit's date, so builds reproduce."""
    if given is not None:
        return given, "按 --as-of 指定"
    day = head_date(root)
    if day is not None:
        return day, "以最新一次提交的日期为准"
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    if epoch and epoch.isdigit():
        return dt.datetime.fromtimestamp(int(epoch), dt.UTC).date(), "按 SOURCE_DATE_EPOCH"
    return dt.date.today(), "没有 Git 历史，按构建当天"


class Progress:
    """One status line on a terminal; sparse lines in a log."""

    def __init__(self, total: int, enabled: bool, what: str):
        self.total, self.done, self.what = total, 0, what
        self.enabled = enabled and total > 0
        self.tty = sys.stderr.isatty()
        self.start = time.monotonic()
        self.last = -1

    def step(self, label: str) -> None:
        self.done += 1
        if not self.enabled:
            return
        pct = self.done * 100 // self.total
        if self.tty:
            print(
                f"\r{self.what} [{self.done}/{self.total}] {pct:3d}% {label}\033[K",
                end="",
                file=sys.stderr,
                flush=True,
            )
        elif pct // 10 != self.last // 10 or self.done == self.total:
            print(f"{self.what} [{self.done}/{self.total}] {pct}% {label}", file=sys.stderr, flush=True)
        self.last = pct

    def close(self) -> None:
        if self.enabled and self.tty:
            print(file=sys.stderr)


@contextmanager
def build_lock(out: Path) -> Iterator[None]:
    """One build at a time per output folder."""
    out.mkdir(parents=True, exist_ok=True)
    with open(out / ".lock", "w") as fh:
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            raise BuildError(f"另一个构建正在使用 {out}，请等它结束后再试。") from None
        yield


# ---------------------------------------------------------------- the build


def build(opts: BuildOptions) -> BuildResult:
    t0 = time.monotonic()
    out = (opts.out or find_root(opts.path) / "build").resolve()
    with build_lock(out):
        plan = plan_build(opts, out)
        try:
            results = check_and_render_villages(plan, opts)
            holds = check(plan, results, opts)
            holds.update(scan(plan, results, opts))
            results = hold_back(plan, results, holds, opts)
            manifest = record_versions(plan, results, holds, opts)
            root = render_township(plan, results, manifest)
            changed = publish(plan, results, root)
        finally:
            villages.STATE = None
            discard_staging(plan.state)
    built = [r for r in results if r.built]
    return BuildResult(
        site=plan.state.site,
        as_of=plan.as_of,
        villages=len(results),
        rebuilt=[r.vid for r in built],
        pages_rendered=sum(r.rendered for r in built),
        posters_rendered=sum(r.posters_rendered for r in built),
        files_changed=sum(len(r.changed) for r in built) + changed,
        seconds=time.monotonic() - t0,
        report=plan.report,
        held={r.vid: r.summary.held for r in results if r.summary and r.summary.held},
    )


@dataclass
class Plan:
    """What a build knows before it renders anything."""

    project: OpenProject
    state: State
    hashes: FileHashes
    #: each source file's hash, by path
    hashed: dict[str, str]
    township_fp: str
    as_of: dt.date
    as_of_source: str
    #: the published versions.json to continue the record from (``--manifest``)
    previous: tuple[str, str] | None
    #: villages to check and render
    tasks: list[Task] = field(default_factory=list)
    #: villages whose cache record still says everything (nothing to do)
    unchanged: list[TaskResult] = field(default_factory=list)

    @property
    def report(self) -> Report:
        return self.project.report


def plan_build(opts: BuildOptions, out: Path) -> Plan:
    """Walk the project once, check the township's files, and sort the villages
    into those to check and render and those the cache answers for."""
    report = Report()
    cache = out / ".cache"
    previous = (opts.manifest, read_manifest(opts.manifest)) if opts.manifest else None
    record = out / "site" / "versions.json"
    # the stamps published so far: a version keeps the stamp it was published with
    published = published_index(
        [record.read_text("utf-8") if record.is_file() else None, previous and previous[1]]
    )
    project = open_project(
        opts.path,
        require_history=opts.require_history,
        history_cache=cache / "gitlog.pickle" if opts.use_cache else None,
        report=report,
        published=published,
    )
    root, history, ctx = project.root, project.history, project.ctx
    _previous_manifest(opts, out, history, report, previous)
    if not report.ok():
        raise ValidationFailed(report)
    hashes = FileHashes(cache / "files.pickle")
    hashed = hashes.hash_all(root, project.files)
    theme = find_theme(root)
    code_fp = code_fingerprint()
    tpl_fps = template_fingerprints(
        template_search(root, theme), cache / "templates.json" if opts.use_cache else None
    )
    static = static_files(theme / "static")
    township_files = [f for f in project.township_files if f.kind != "page"]
    township_fp = sha(
        code_fp,
        history_key(history, [f.rel for f in township_files]),
        *(f"{f.rel}:{hashed.get(f.rel, '')}" for f in township_files),
    )
    conf = root / PELICANCONF
    salt = sha(
        code_fp,
        json.dumps(tpl_fps, sort_keys=True),
        *(sha(b) for b in static.values()),
        # the township's Pelican settings: its plugins and their settings
        sha(conf.read_bytes()) if conf.is_file() else "no pelicanconf",
        f"drafts={opts.drafts}",
    )
    as_of, as_of_source = resolve_as_of(root, opts.as_of)
    maker = None
    if opts.posters:
        from ..write.posters import PosterMaker

        # pictures: the village's own, or those of the commit a held-back village is built from
        views = out / ".staging" / "_views"
        maker = PosterMaker(
            cache / "posters", ctx.config.print.paper, out / ".staging", (root / "villages", views)
        )
        salt = sha(salt, maker.fingerprint)
    state = State(
        root,
        out,
        ctx,
        theme,
        None,
        tpl_fps,
        static,
        code_fp,
        salt,
        opts.drafts,
        history,
        as_of,
        maker,
        published,
    )
    state.pictures = Pictures(cache / "pictures", keep_originals=ctx.config.site.keep_original_pictures)
    recover(state)
    plan = Plan(project, state, hashes, hashed, township_fp, as_of, as_of_source, previous)
    for vid in sorted(project.by_village):
        vfiles = project.by_village[vid]
        vfp = sha(
            township_fp,
            history_key(history, [f.rel for f in vfiles]),
            *(f"{f.rel}:{hashed.get(f.rel, '')}" for f in vfiles),
        )
        rec = load_record(state, vid) if opts.use_cache else None
        if (
            rec is not None
            and rec.summary is not None
            and rec.summary.held is None  # a held village is checked again
            and rec.vfp == vfp
            and rec.rfp
            and rec.rfp == render_fingerprint(state, vfp, rec.summary)
            and rec.tree_ino == live_ino(state, vid)
        ):
            plan.unchanged.append(
                TaskResult(
                    vid,
                    rec.problems,
                    rec.count,
                    vfp,
                    rec.summary,
                    rec.rfp,
                    rec.tree_ino,
                    rec.pages,
                    unchanged=True,
                )
            )
        else:
            plan.tasks.append(Task(vid, vfiles, vfp, rec))
    # largest villages first: the last task then runs alone for the shortest
    # time while the other cores wait
    plan.tasks.sort(key=lambda t: -sum(hashes.size(f.rel) for f in t.files))
    return plan


def in_workers(
    fn: Callable[[T], TaskResult], items: list[T], opts: BuildOptions, what: str, label: Callable[[T], str]
) -> list[TaskResult]:
    """``fn`` of each item, in parallel worker processes forked with the build
    state (:data:`cunwu.write.villages.STATE`) when there are several."""
    jobs = opts.jobs or os.cpu_count() or 1
    results: list[TaskResult] = []
    progress = Progress(len(items), opts.progress, what)
    try:
        if len(items) > 1 and jobs > 1:
            context = multiprocessing.get_context("fork")
            with cf.ProcessPoolExecutor(max_workers=min(jobs, len(items)), mp_context=context) as pool:
                futures = {pool.submit(fn, item): item for item in items}
                for fut in cf.as_completed(futures):
                    results.append(fut.result())
                    progress.step(label(futures[fut]))
        else:
            for item in items:
                results.append(fn(item))
                progress.step(label(item))
    finally:
        progress.close()
    return results


def check_and_render_villages(plan: Plan, opts: BuildOptions) -> list[TaskResult]:
    """Each village that changed, checked and rendered in one task (in parallel
    worker processes, forked with the build state)."""
    villages.STATE = plan.state
    results = list(plan.unchanged) + in_workers(village_task, plan.tasks, opts, "构建", lambda t: t.vid)
    results.sort(key=lambda r: r.vid)
    return results


def check(plan: Plan, results: list[TaskResult], opts: BuildOptions) -> dict[str, Hold]:
    """Every problem of every village, and the rules across villages (all go
    into the report). A village with errors in its own files is held back;
    an error anywhere else, or any error with ``all_or_nothing``, stops the build."""
    report = plan.report
    for r in results:
        report.extend(r.problems)
        report.files_checked += r.count
    duplicates = check_unique_codes(
        [
            (f"villages/{r.vid}/village.yaml", r.summary.code_line, r.summary.code)
            for r in results
            if r.summary and r.summary.held is None
        ]
    )
    report.extend(duplicates)
    if report.ok():
        return {}
    if opts.all_or_nothing:
        raise ValidationFailed(report)
    bad: dict[str, set[str]] = {}
    for r in results:
        own = f"villages/{r.vid}/"
        for p in r.problems + [d for d in duplicates if d.file.startswith(own)]:
            if p.severity != "error":
                continue
            if not p.file.startswith(own):
                raise ValidationFailed(report)  # not the village's own file: nothing publishes
            bad.setdefault(r.vid, set()).add(p.file)
    accounted = {p for r in results for p in r.problems} | set(duplicates)
    if any(p not in accounted for p in report.errors):
        raise ValidationFailed(report)  # an error that is no village's: nothing publishes
    return {vid: hold_for_errors(vid, len(files)) for vid, files in bad.items()}


def scan(plan: Plan, results: list[TaskResult], opts: BuildOptions) -> dict[str, Hold]:
    """A personal number in what a village wrote holds that village back.

    It stops the build instead with ``all_or_nothing``, and without git
    history: then there is no earlier version of the village to tell whether
    the number came from its files (see :mod:`cunwu.write.holdback`)."""
    found = [p for r in results for p in r.leaks]
    history = plan.project.history
    if not found:
        return {}
    if opts.all_or_nothing or history is None or not history.available:
        leak(found, plan.report)
    plan.report.extend(found)
    holds = {}
    for r in results:
        if r.leaks:
            r.problems = r.problems + r.leaks
            holds[r.vid] = hold_for_leak(r.vid)
    return holds


def leak(found: list[Problem], report: Report, why: str = "") -> None:
    if found:
        report.extend(found)
        raise PrivacyLeak(
            f"构建输出中发现个人信息，已停止，网站保持原样{why}：\n" + "\n".join(p.format() for p in found)
        )


def hold_back(
    plan: Plan, results: list[TaskResult], holds: dict[str, Hold], opts: BuildOptions
) -> list[TaskResult]:
    """Each held village published from its last passing commit, or kept as it
    is (no git history), or taken off the site (no commit ever passed).

    Its problems of today stay in the report; its result becomes that of the
    version published. A village held for a personal number in its output
    that has no earlier version without it stops the build."""
    if not holds:
        return results
    state = plan.state
    by_vid = {r.vid: r for r in results}
    taken = frozenset(
        r.summary.code for r in results if r.summary and r.summary.held is None and r.vid not in holds
    )
    jobs = [
        FallbackJob(
            hold,
            by_vid[vid],
            load_record(state, vid),
            current_state(state.root, plan.project.by_village.get(vid, []), plan.project.township_files),
            taken,
            opts.use_cache,
        )
        for vid, hold in sorted(holds.items())
    ]
    done = in_workers(fallback_task, jobs, opts, "暂缓更新的村", lambda j: j.hold.vid)
    leak(
        [p for r in done for p in r.leaks],
        plan.report,
        "（这个村没有不含这个号码的更早版本可以发布：号码不一定来自它最近修改的文件，"
        "请检查模板、乡镇的文件和这个村的文件）",
    )
    for r in done:
        by_vid[r.vid] = r
    return sorted(by_vid.values(), key=lambda r: r.vid)


def record_versions(
    plan: Plan, results: list[TaskResult], holds: dict[str, Hold], opts: BuildOptions
) -> bytes:
    """versions.json: a published version that vanished stops the build; new ones are added.

    A held-back village publishes an earlier version; what it published
    since is still in the history (every approved content its files ever
    had counts as found), so it does not look rewritten."""
    history = plan.project.history
    found: frozenset[tuple[str, str]] = frozenset()
    if history is not None and history.available:
        found = frozenset((vid, stamp) for vid in holds for stamp in found_stamps(history, vid))
    return check_manifest(plan.state, results, plan.as_of, opts.allow_rewrite, plan.previous, found)


def _summaries(results: list[TaskResult]) -> list[VillageSummary]:
    return [r.summary for r in sorted(results, key=lambda r: r.vid) if r.summary]


def render_township(plan: Plan, results: list[TaskResult], manifest: bytes) -> RootBuild | None:
    """The township root, rendered and scanned before anything goes live; None
    when it would come out as it is."""
    state = plan.state
    summaries = _summaries(results)
    hashed = plan.hashed
    root_key = sha(
        state.render_salt,
        plan.township_fp,
        plan.as_of.isoformat(),
        plan.as_of_source,
        sha(manifest),
        *(s.key() for s in summaries),
        *(f"{f.rel}:{hashed.get(f.rel, '')}" for f in plan.project.files if f.kind in ("page", "asset")),
    )
    record = state.cache / "root.key"
    if record.is_file() and record.read_text() == root_key and (state.site / "index.html").is_file():
        return None
    root = render_root(state, summaries, plan.as_of, plan.as_of_source, manifest)
    root.key = root_key
    leak(scan_root(state, root), plan.report)
    return root


def publish(plan: Plan, results: list[TaskResult], root: RootBuild | None) -> int:
    """Swap every rebuilt village in, install the township root, record the
    cache; the number of township files that changed."""
    state = plan.state
    live = (
        {p.name for p in state.site.iterdir() if p.is_dir() and not p.name.startswith(".")}
        if state.site.exists()
        else set()
    )
    content = state.root / "content"
    pages = {p.stem for p in content.glob("*.md")} if content.is_dir() else set()
    removed = sorted(
        v for v in live - set(plan.project.by_village) if record_path(state, v).exists() and v not in pages
    )
    # a held village with no passing version has no site, in a CI checkout as here
    removed += [r.vid for r in results if r.summary and is_absent(r.summary) and r.vid in live]
    swap_in(state, results, removed)
    changed = 0
    if root is not None:
        changed = len(install_root(state, root, _summaries(results)))
        state.cache.mkdir(parents=True, exist_ok=True)  # no village may have been built
        (state.cache / "root.key").write_text(root.key)
    for r in results:
        if r.summary is not None and is_absent(r.summary):
            record_path(state, r.vid).unlink(missing_ok=True)
        elif r.summary is not None and not r.unchanged:
            atomic_pickle(record_path(state, r.vid), r.record())
    for vid in removed:
        record_path(state, vid).unlink(missing_ok=True)
    plan.hashes.save()
    return changed


def _previous_manifest(
    opts: BuildOptions, out: Path, history: History | None, report: Report, previous: tuple[str, str] | None
) -> tuple[str, str] | None:
    """Say so when there is no earlier record to check against (``previous``: ``--manifest``).

    Also warns about uncommitted work: it is built, but its versions are not
    recorded as published (history/versions.py: published_stamps)."""
    if history is None or not history.available:
        return previous  # history-unavailable says it all
    if history.dirty_paths:
        paths = sorted(history.dirty_paths)
        shown = "、".join(paths[:5]) + (f" 等 {len(paths)} 个文件" if len(paths) > 5 else "")
        report.add(
            problem(
                "cunwu.yaml",
                0,
                "uncommitted-changes",
                f"有尚未提交的修改（{shown}）：网站按工作区的内容生成，但这些版本还不算发布，"
                "不记入 versions.json；提交后再构建、发布。",
            )
        )
    site = out / "site"
    if previous is None and not history.shallow and not (site / "versions.json").is_file():
        if not opts.require_history and not site.exists():
            # the normal first build in a new folder: nothing to check against yet
            severity: Severity
            message, severity = (
                f"这是在 {out} 中的第一次构建：从现在起，已发布的版本记录在 {site / 'versions.json'}。"
                "不需要做什么。只有当网站已经在别处发布过时，才需要用 --manifest 指定线上网站的 "
                "versions.json（网址或文件），以便核对已发布的版本没有被改写。",
                "info",
            )
        else:
            message, severity = (
                f"{site} 中没有上次发布的版本清单 versions.json，无法核对已发布的版本是否被改写"
                "（build 文件夹被清空、CI 的全新检出）。网站已经发布过的，请用 --manifest "
                "指定线上网站的 versions.json（网址或文件）；第一次发布时不加 --require-history 构建即可。",
                "error" if opts.require_history else "warning",
            )
        report.add(problem("cunwu.yaml", 0, "manifest-missing", message, severity=severity))
    return previous


def discard_staging(state: State) -> None:
    if state.staging.exists():
        shutil.rmtree(state.staging, ignore_errors=True)
