"""``cunwu build``: validated sources -> static sites, costing what changed.

The build, in order:

1. hash the sources (cached by stat), load the township settings;
2. per village, decide from fingerprints whether it must be validated again
   (its files or the township's changed) and rebuilt (also the theme, the
   code, the history or the print window changed);
3. validate and build the villages that need it in worker processes, each
   into a staging tree of hard links to the live one (one Pelican run per
   village, pages rendered only when their data changed);
4. refuse the whole build if any village has errors, or if anything written
   contains a personal number: the live site is untouched;
5. swap each rebuilt village's staging tree in with one atomic directory
   exchange, write the township root, then record the new cache state.

A journal makes step 5 restartable after a crash. Unchanged output files
keep their bytes and modification time throughout.
"""

from __future__ import annotations

import concurrent.futures as cf
import datetime as dt
import fcntl
import json
import multiprocessing
import os
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from ..errors import BuildError, HistoryError, PrivacyLeak, UsageError, ValidationFailed
from ..history.manifest import read_source as read_manifest
from ..history.versions import history_key
from ..problems import Report, problem
from ..sources import SourceFile, discover, find_root
from ..validate.engine import check_unique_codes, load_township, open_history
from ..validate.project import VillageBundle
from . import villages
from .fingerprint import FileHashes, code_fingerprint, sha, static_files, template_fingerprints
from .records import atomic_pickle, bundle_path, load_record, record_path
from .state import Record, State, Task, TaskResult
from .swap import live_ino, recover, swap_in
from .township import check_manifest, install_root, render_root, scan_root
from .villages import build_village, render_fingerprint, validate_task, validate_village


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


# ---------------------------------------------------------------- helpers


def resolve_as_of(root: Path, given: dt.date | None) -> tuple[dt.date, str]:
    """ "Today" for timeliness: given, else the newest commit's date, so builds reproduce."""
    if given is not None:
        return given, "按 --as-of 指定"
    try:
        out = subprocess.run(
            ["git", "-C", str(root), "log", "-1", "--format=%cs"],
            capture_output=True,
            text=True,
            timeout=30,
            check=True,
        ).stdout.strip()
        if out:
            return dt.date.fromisoformat(out), "以最新一次提交的日期为准"
    except (OSError, subprocess.SubprocessError, ValueError):
        pass
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    if epoch and epoch.isdigit():
        return dt.datetime.fromtimestamp(int(epoch), dt.UTC).date(), "按 SOURCE_DATE_EPOCH"
    return dt.date.today(), "没有 Git 历史，按构建当天"


def find_theme(root: Path) -> Path:
    """The project's own ``themes/cunwu``, else the theme of this cunwu checkout."""
    import cunwu

    for theme in (root / "themes" / "cunwu", Path(cunwu.__file__).resolve().parents[2] / "themes" / "cunwu"):
        if (theme / "templates").is_dir():
            return theme
    raise UsageError(f"找不到网站主题：{root / 'themes' / 'cunwu'}/templates 不存在")


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


def _lock(out: Path):
    out.mkdir(parents=True, exist_ok=True)
    fh = open(out / ".lock", "w")  # noqa: SIM115 - held until the build ends
    try:
        fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        fh.close()
        raise BuildError(f"另一个构建正在使用 {out}，请等它结束后再试。") from None
    return fh


# ---------------------------------------------------------------- the build


def build(opts: BuildOptions) -> BuildResult:
    t0 = time.monotonic()
    root = find_root(opts.path)
    out = (opts.out or root / "build").resolve()
    lock = _lock(out)
    try:
        theme = find_theme(root)
        report = Report()
        files = discover(root)
        hashes_cache = FileHashes(out / ".cache" / "files.pickle")
        hashes = hashes_cache.hash_all(root, files)
        history = open_history(
            root, report, opts.require_history, out / ".cache" / "gitlog.pickle" if opts.use_cache else None
        )
        previous = _previous_manifest(opts, out, history, report)
        ctx = load_township(root, files, report, history)
        if not report.ok():
            raise ValidationFailed(report)
        code_fp = code_fingerprint()
        tpl_fps = template_fingerprints(theme / "templates")
        static = static_files(theme / "static")
        township_files = [f for f in files if f.village is None and f.kind != "page"]
        township_fp = sha(
            code_fp,
            history_key(history, [f.rel for f in township_files]),
            *(f"{f.rel}:{hashes.get(f.rel, '')}" for f in township_files),
        )
        salt = sha(
            code_fp,
            json.dumps(tpl_fps, sort_keys=True),
            *(sha(b) for b in static.values()),
            f"drafts={opts.drafts}",
        )
        as_of, as_of_source = resolve_as_of(root, opts.as_of)
        maker = None
        if opts.posters:
            from .posters import PosterMaker

            maker = PosterMaker(out / ".cache" / "posters", ctx.config.print.paper, out / ".staging")
            salt = sha(salt, maker.fingerprint)
        state = State(
            root, out, ctx, theme, tpl_fps, static, code_fp, salt, opts.drafts, history, as_of, maker
        )
        recover(state)

        by_village: dict[str, list[SourceFile]] = {}
        for f in files:
            if f.village:
                by_village.setdefault(f.village, []).append(f)
        tasks, skipped = [], []
        for vid in sorted(by_village):
            vfiles = by_village[vid]
            vfp = sha(
                township_fp,
                history_key(history, [f.rel for f in vfiles]),
                *(f"{f.rel}:{hashes.get(f.rel, '')}" for f in vfiles),
            )
            rec = load_record(state, vid) if opts.use_cache else None
            if (
                rec is not None
                and rec.vfp == vfp
                and rec.rfp
                and rec.rfp == render_fingerprint(state, vfp, rec.summary)
                and rec.tree_ino == live_ino(state, vid)
            ):
                skipped.append((vid, rec))
            else:
                tasks.append(Task(vid, vfiles, vfp, rec))

        # largest villages first: the last task of a phase then runs alone for the
        # shortest time while the other cores wait
        tasks.sort(key=lambda t: -sum(hashes_cache.size(f.rel) for f in t.files))
        villages.STATE = state
        results = _run_tasks(state, tasks, opts)
        for vid, rec in skipped:
            results.append(
                TaskResult(
                    vid,
                    rec.problems,
                    rec.count,
                    rec.vfp,
                    rec.summary,
                    rec.rfp,
                    rec.tree_ino,
                    rec.pages,
                    unchanged=True,
                )
            )
        for r in results:
            report.extend(r.problems)
            report.files_checked += r.count
        report.extend(
            check_unique_codes(
                [
                    (f"villages/{r.vid}/village.yaml", r.summary["code_line"], r.summary["code"])
                    for r in results
                    if r.summary
                ]
            )
        )
        if not report.ok():
            _discard_staging(state)
            raise ValidationFailed(report)
        leaks = [p for r in results for p in r.leaks]
        if leaks:
            _discard_staging(state)
            report.extend(leaks)
            raise PrivacyLeak(
                "构建输出中发现个人信息，已停止，网站保持原样：\n" + "\n".join(p.format() for p in leaks)
            )
        try:
            manifest = check_manifest(state, results, as_of, opts.allow_rewrite, previous)
        except HistoryError:
            _discard_staging(state)
            raise

        live_villages = (
            {p.name for p in state.site.iterdir() if p.is_dir() and not p.name.startswith(".")}
            if state.site.exists()
            else set()
        )
        content_pages = (
            {p.stem for p in (root / "content").glob("*.md")} if (root / "content").is_dir() else set()
        )
        removed = sorted(
            v
            for v in live_villages - set(by_village)
            if (state.cache / "villages" / f"{v}.rec").exists() and v not in content_pages
        )
        summaries = [r.summary for r in sorted(results, key=lambda r: r.vid) if r.summary]
        root_key = sha(
            state.render_salt,
            township_fp,
            as_of.isoformat(),
            as_of_source,
            sha(manifest),
            json.dumps(summaries, sort_keys=True, ensure_ascii=False),
            *(f"{f.rel}:{hashes.get(f.rel, '')}" for f in files if f.kind in ("page", "asset")),
        )
        root_record = state.cache / "root.key"
        root_build = None
        if not (
            root_record.is_file()
            and root_record.read_text() == root_key
            and (state.site / "index.html").is_file()
        ):
            # the township root is rendered and scanned before anything goes
            # live, like the villages: a failure here leaves the site as it was
            try:
                root_build = render_root(state, summaries, as_of, as_of_source, manifest)
                root_leaks = scan_root(state, root_build)
            except BaseException:
                _discard_staging(state)
                raise
            if root_leaks:
                _discard_staging(state)
                report.extend(root_leaks)
                raise PrivacyLeak(
                    "构建输出中发现个人信息，已停止，网站保持原样：\n"
                    + "\n".join(p.format() for p in root_leaks)
                )
        swap_in(state, results, removed)
        root_changed = []  # the township's index, pages and manifest are as they were
        if root_build is not None:
            root_changed = install_root(state, root_build, summaries)
            root_record.write_text(root_key)
        for r in results:
            if r.summary is not None and not r.unchanged:
                atomic_pickle(
                    record_path(state, r.vid),
                    Record(r.vfp, r.problems, r.count, r.summary, r.rfp, r.tree_ino, r.pages),
                )
        for vid in removed:
            for p in (record_path(state, vid), bundle_path(state, vid)):
                p.unlink(missing_ok=True)
        hashes_cache.save()
        _discard_staging(state)
        built = [r for r in results if r.built]
        return BuildResult(
            site=state.site,
            as_of=as_of,
            villages=len(results),
            rebuilt=[r.vid for r in built],
            pages_rendered=sum(r.rendered for r in built),
            posters_rendered=sum(r.posters_rendered for r in built),
            files_changed=sum(len(r.changed) for r in built) + len(root_changed),
            seconds=time.monotonic() - t0,
            report=report,
        )
    finally:
        villages.STATE = None
        lock.close()


def _previous_manifest(opts: BuildOptions, out: Path, history, report: Report) -> tuple[str, str] | None:
    """Read ``--manifest``; say so when there is no earlier record to check against.

    Also warns about uncommitted work: it is built, but its versions are not
    recorded as published (history/versions.py: published_stamps)."""
    previous = (opts.manifest, read_manifest(opts.manifest)) if opts.manifest else None
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


def _discard_staging(state: State) -> None:
    if state.staging.exists():
        shutil.rmtree(state.staging, ignore_errors=True)


def _run_tasks(state: State, tasks: list[Task], opts: BuildOptions) -> list[TaskResult]:
    """Validate every village that needs it, then (only if all passed) build."""
    jobs = opts.jobs or os.cpu_count() or 1
    parallel = len(tasks) > 1 and jobs > 1
    pool = None
    if parallel:
        # fork: workers inherit the imported modules and the build state
        pool = cf.ProcessPoolExecutor(
            max_workers=min(jobs, len(tasks)), mp_context=multiprocessing.get_context("fork")
        )
    try:
        progress = Progress(len(tasks), opts.progress, "校验")
        bundles: dict[str, VillageBundle] = {}
        validated: list[TaskResult] = []
        if pool is None:
            for t in tasks:
                r, b = validate_village(t)
                if b is not None and len(tasks) <= 8:  # a few: keep them, skip the reload
                    bundles[t.vid] = b
                validated.append(r)
                progress.step(t.vid)
        else:
            futures = {pool.submit(validate_task, t): t for t in tasks}
            for fut in cf.as_completed(futures):
                validated.append(fut.result())
                progress.step(futures[fut].vid)
        progress.close()
        by_vid = {r.vid: r for r in validated}
        if any(r.has_errors or r.summary is None for r in validated):
            return sorted(validated, key=lambda r: r.vid)
        to_build = [(t, by_vid[t.vid]) for t in tasks]
        progress = Progress(len(to_build), opts.progress, "构建")
        results: list[TaskResult] = []
        if pool is None:
            for item in to_build:
                results.append(build_village(item, bundles.pop(item[0].vid, None)))
                progress.step(item[0].vid)
        else:
            futures = {pool.submit(build_village, item): item[0] for item in to_build}
            for fut in cf.as_completed(futures):
                results.append(fut.result())
                progress.step(futures[fut].vid)
        progress.close()
        return sorted(results, key=lambda r: r.vid)
    finally:
        if pool is not None:
            pool.shutdown()
