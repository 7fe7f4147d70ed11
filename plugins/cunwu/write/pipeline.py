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
import hashlib
import json
import multiprocessing
import os
import pickle
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import BuildError, HistoryError, PrivacyLeak, UsageError, ValidationFailed
from ..history.info import bundle_infos, stamp_of
from ..history.manifest import Entry, Manifest
from ..history.versions import deleted_stamps, history_key, published_stamps
from ..problems import Problem, Report
from ..render import timeliness
from ..render.posters import doc_meta, eligible
from ..render.urls import complaint_url
from ..render.village import POWER_LIST, DocInfo
from ..sources import SourceFile, discover, find_root
from ..validate.engine import check_unique_codes, check_village, load_township, open_history
from ..validate.privacy import scan_markup
from ..validate.project import TownshipContext, VillageBundle
from .fingerprint import FileHashes, code_fingerprint, sha, static_files, template_fingerprints
from .fsutil import exchange, remove_stale, stage_tree
from .jobs import TownshipJob, VillageJob, run_pelican

RECORD_VERSION = 1


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


@dataclass
class Record:
    """What the last build knew about one village (small: read on every build)."""

    vfp: str  # validation fingerprint: township + village sources + code
    problems: list[Problem]
    count: int  # files checked
    summary: dict  # name, code, latest, approvals: for the township index
    rfp: str = ""  # render fingerprint of the tree at ``tree_ino``
    tree_ino: int = 0  # inode of the live village tree this record describes
    pages: dict[str, str] = field(default_factory=dict)  # output -> key
    version: int = RECORD_VERSION


@dataclass
class Task:
    vid: str
    files: list[SourceFile]
    vfp: str
    record: Record | None


@dataclass
class TaskResult:
    vid: str
    problems: list[Problem]
    count: int
    vfp: str
    summary: dict | None = None
    rfp: str = ""
    tree_ino: int = 0
    pages: dict[str, str] = field(default_factory=dict)
    changed: list[str] = field(default_factory=list)
    sources: dict[str, tuple] = field(default_factory=dict)
    rendered: int = 0
    posters_rendered: int = 0
    leaks: list[Problem] = field(default_factory=list)
    built: bool = False
    unchanged: bool = False  # the cache record still says exactly this

    @property
    def has_errors(self) -> bool:
        return any(p.severity == "error" for p in self.problems)


@dataclass
class State:
    """Read-only build state shared with worker processes (inherited by fork)."""

    root: Path
    out: Path
    ctx: TownshipContext
    theme: Path
    template_fps: dict[str, str]
    static: dict[str, bytes]
    code_fp: str
    render_salt: str
    drafts: bool
    history: object = None  # cunwu.history.git.History, shared with workers
    as_of: dt.date | None = None
    poster_maker: object = None  # write.posters.PosterMaker when posters are on

    @property
    def site(self) -> Path:
        return self.out / "site"

    @property
    def staging(self) -> Path:
        return self.out / ".staging"

    @property
    def cache(self) -> Path:
        return self.out / ".cache"


_STATE: State | None = None


# ---------------------------------------------------------------- cache records


def _record_path(state: State, vid: str) -> Path:
    return state.cache / "villages" / f"{vid}.rec"


def _bundle_path(state: State, vid: str) -> Path:
    return state.cache / "villages" / f"{vid}.bundle"


def _atomic_pickle(path: Path, obj) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + f".{os.getpid()}.tmp")
    tmp.write_bytes(pickle.dumps(obj, protocol=pickle.HIGHEST_PROTOCOL))
    os.replace(tmp, path)


def load_record(state: State, vid: str) -> Record | None:
    try:
        rec = pickle.loads(_record_path(state, vid).read_bytes())
    except (OSError, pickle.UnpicklingError, EOFError, AttributeError, ValueError, TypeError):
        return None
    return rec if isinstance(rec, Record) and rec.version == RECORD_VERSION else None


def _live_ino(state: State, vid: str) -> int:
    try:
        return (state.site / vid).stat().st_ino
    except OSError:
        return -1


# ---------------------------------------------------------------- one village (worker)


def village_summary(ctx: TownshipContext, bundle: VillageBundle) -> dict:
    v = bundle.village
    approved = [d for d in bundle.finance if d.model.status == "approved"]
    return {
        "id": bundle.id,
        "name": v.name,
        "code": v.code,
        "code_line": bundle.village_doc.line("code"),
        "cadence": v.cadence,
        "latest": approved[-1].model.period.label if approved else "",
        "approvals": timeliness.approvals(bundle),
        "docs": doc_meta(bundle),
        "stamps": {f"{d.kind}:{d.key}": stamp_of(d) for d in bundle.disclosures()},
        # every published version of the village's own documents, for versions.json
        "versions": sorted(
            [f"{d.kind}:{d.key}", stamp, date]
            for d in bundle.disclosures()
            if d.rel.startswith("villages/")
            for stamp, date in published_stamps(bundle.histories.get(f"{d.kind}:{d.key}"), d)
        ),
    }


def derived_sets(state: State, summary: dict) -> tuple[frozenset[str], frozenset[str]]:
    """What "today" changes about a village: which disclosures get posters
    (notice current or in the print window) and which rosters are taken
    offline (notice over, when the township says so). Derived sets, not the
    date itself, go into the fingerprint, so a new day rebuilds nothing that
    does not change."""
    cfg = state.ctx.config
    posters = frozenset()
    if state.poster_maker is not None:
        posters = eligible(summary["docs"], state.as_of, cfg.print.window_months, state.ctx.catalog is not None)
    offline = frozenset()
    if cfg.site.rosters_offline_after_notice:
        today = state.as_of.isoformat()
        offline = frozenset(
            key.split(":", 1)[1] for key, _status, _m, _start, end in summary["docs"] if key.startswith("subsidy:") and end and end < today
        )
    return posters, offline


def render_fingerprint(state: State, vfp: str, summary: dict) -> str:
    posters, offline = derived_sets(state, summary)
    return sha(
        state.render_salt, vfp, json.dumps(summary, sort_keys=True, ensure_ascii=False),
        "posters=" + ",".join(sorted(posters)), "offline=" + ",".join(sorted(offline)),
    )


def _load_bundle(state: State, vid: str, vfp: str):
    try:
        cached = pickle.loads(_bundle_path(state, vid).read_bytes())
        if cached[0] == vfp:
            return cached[1]
    except (OSError, pickle.UnpicklingError, EOFError, AttributeError, ValueError, TypeError, IndexError):
        pass
    return None


def validate_village(task: Task) -> tuple[TaskResult, VillageBundle | None]:
    """Phase one: validate a village (or take its cached result). Nothing is
    rendered until every village has passed: a build with an error anywhere
    stops after validation, reporting every problem."""
    state = _STATE
    assert state is not None
    rec = task.record
    bundle = None
    if rec is not None and rec.vfp == task.vfp:
        result = TaskResult(task.vid, rec.problems, rec.count, task.vfp, rec.summary)
        result.rfp = render_fingerprint(state, task.vfp, rec.summary) if rec.summary else ""
        return result, None
    bundle, problems, count = check_village(state.ctx, task.vid, task.files, state.history)
    result = TaskResult(task.vid, problems, count, task.vfp)
    if bundle is not None:
        _atomic_pickle(_bundle_path(state, task.vid), (task.vfp, bundle))
        if not result.has_errors:
            result.summary = village_summary(state.ctx, bundle)
            result.rfp = render_fingerprint(state, task.vfp, result.summary)
    return result, bundle


def _validate_task(task: Task) -> TaskResult:
    return validate_village(task)[0]


def build_village(item: tuple[Task, TaskResult], bundle: VillageBundle | None = None) -> TaskResult:
    """Phase two: build one validated village into its staging tree."""
    state = _STATE
    assert state is not None
    task, result = item
    rec = task.record
    live = state.site / task.vid
    live_ino = _live_ino(state, task.vid)
    if rec is not None and rec.rfp == result.rfp and rec.tree_ino == live_ino:
        result.pages, result.tree_ino = rec.pages, live_ino
        result.unchanged = rec.vfp == task.vfp
        return result
    if bundle is None:
        bundle = _load_bundle(state, task.vid, task.vfp)
        if bundle is None:  # the cache vanished under us: validate again
            bundle, _problems, _count = check_village(state.ctx, task.vid, task.files, state.history)
    staging = state.staging / task.vid
    stage_tree(live, staging)
    prev = rec.pages if rec is not None and rec.tree_ino == live_ino else {}
    job = VillageJob(
        ctx=state.ctx,
        bundle=bundle,
        info=bundle_infos(bundle, state.ctx.histories),
        histories={**state.ctx.histories, **bundle.histories},
        output=staging,
        code_fp=state.code_fp,
        template_fps=state.template_fps,
        static=state.static,
        prev_pages=prev,
        include_drafts=state.drafts,
    )
    job.posters, job.offline_rosters = derived_sets(state, result.summary)
    job.poster_maker = state.poster_maker
    for key in job.posters:
        if key in job.info:
            job.info[key].poster = "poster.pdf"
        elif key == POWER_LIST:
            job.info[key] = DocInfo(stamp="", version_date="", poster="poster.pdf")
    job.run(state.theme)
    remove_stale(staging, job.produced)
    result.pages, result.changed, result.sources = job.pages, job.changed, job.sources
    result.rendered, result.posters_rendered = job.rendered, job.posters_rendered
    result.leaks = scan_outputs(staging, task.vid, job.changed, job.sources, state.ctx.official_numbers(bundle.village))
    result.tree_ino = staging.stat().st_ino
    result.built = True
    return result


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


# ---------------------------------------------------------------- swap


def _journal(state: State) -> Path:
    return state.cache / "swap.json"


def recover(state: State) -> None:
    """Finish a swap that a crash interrupted (the journal lists what was planned)."""
    path = _journal(state)
    if not path.exists():
        return
    plan = json.loads(path.read_text())
    for vid, ino in plan["villages"].items():
        staged = state.staging / vid
        if _live_ino(state, vid) != ino and staged.exists() and staged.stat().st_ino == ino:
            exchange(staged, state.site / vid)
    path.unlink()


def swap_in(state: State, results: list[TaskResult], removed: list[str]) -> None:
    built = {r.vid: r.tree_ino for r in results if r.built}
    if not built and not removed:
        return
    journal = _journal(state)
    journal.parent.mkdir(parents=True, exist_ok=True)
    tmp = journal.with_suffix(".tmp")
    tmp.write_text(json.dumps({"villages": built}))
    os.replace(tmp, journal)
    state.site.mkdir(parents=True, exist_ok=True)
    for vid in built:
        exchange(state.staging / vid, state.site / vid)
    for vid in removed:
        if (state.site / vid).is_dir():
            shutil.rmtree(state.site / vid)
    journal.unlink()


# ---------------------------------------------------------------- township root


def township_page(
    state: State, summaries: list[dict], as_of: dt.date, as_of_source: str, pages: list[dict]
) -> dict:
    cfg = state.ctx.config
    names = {pid: p.name for pid, p in state.ctx.programs.items()}
    villages, counts = [], dict.fromkeys(timeliness.STATUS_ZH, 0)
    for s in summaries:
        dues = timeliness.village_dues(s["approvals"], as_of, cfg.due_day, names)
        for k, n in timeliness.count(dues).items():
            counts[k] += n
        series = {}
        for d in dues:
            entry = d.as_dict()
            entry["short"] = d.period[2:].replace("-Q", "Q") if "Q" in d.period else f"{int(d.period[5:])}月"
            series.setdefault(d.label, []).append(entry)
        villages.append(
            {
                "id": s["id"],
                "name": s["name"],
                "href": f"{s['id']}/",
                "cadence": "按季度公开" if s["cadence"] == "quarterly" else "按月公开",
                "latest": s["latest"],
                "series": [{"label": k, "dues": v} for k, v in series.items()],
            }
        )
    return {
        "title": f"{cfg.township.county}{cfg.township.name}村务公开",
        "township": cfg.township.name,
        "county": cfg.township.county,
        "canonical": cfg.base_url,
        "complaint": complaint_url(cfg.complaint.url, "", "township"),
        "phones": [{"label": p.label, "number": p.number} for p in cfg.complaint.phones + cfg.supervision],
        "as_of": f"{as_of.year}年{as_of.month}月{as_of.day}日",
        "as_of_source": as_of_source,
        "due_day": cfg.due_day,
        "villages": villages,
        "counts": counts,
        "pages": pages,
    }


def check_manifest(state: State, results: list[TaskResult], as_of: dt.date, allow_rewrite: str | None) -> bytes:
    """versions.json: fail if a published version vanished from history; add new ones."""
    current: set[Entry] = set()
    for r in results:
        for doc, stamp, date in (r.summary or {}).get("versions", []):
            current.add(Entry(r.vid, doc, stamp, date))
    ctx = state.ctx
    township_docs = list(ctx.powers.values()) + ([ctx.catalog_doc] if ctx.catalog_doc else [])
    for d in township_docs:
        for stamp, date in published_stamps(ctx.histories.get(f"{d.kind}:{d.key}"), d):
            current.add(Entry("", f"{d.kind}:{d.key}", stamp, date))
    current |= {Entry(*t) for t in deleted_stamps(state.history)}
    old = state.site / "versions.json"
    manifest = Manifest.parse(old.read_text("utf-8") if old.is_file() else None, ctx.config.township.id)
    history = state.history
    verifiable = history is not None and history.available and not history.shallow
    manifest.check_and_extend(current, as_of.isoformat(), allow_rewrite, verifiable)
    return manifest.to_json()


def build_root(state: State, summaries: list[dict], as_of: dt.date, as_of_source: str, manifest: bytes) -> list[str]:
    """Write the township root (index, content pages, stylesheet) into the live site.

    Rendered into a fresh staging folder first; each changed file is then
    moved into place with an atomic rename."""
    stage = state.staging / "_root"
    if stage.exists():
        shutil.rmtree(stage)
    stage.mkdir(parents=True)
    content = state.root / "content"
    pages = []
    if content.is_dir():
        for md in sorted(content.glob("*.md")):
            meta = {}
            for line in md.read_text("utf-8").splitlines():
                if not line.strip():
                    break
                if ":" in line:
                    k, v = line.split(":", 1)
                    meta[k.strip().lower()] = v.strip()
            if meta.get("slug") and meta.get("title"):
                pages.append({"href": f"{meta['slug']}/", "title": meta["title"]})
    job = TownshipJob(
        page=township_page(state, summaries, as_of, as_of_source, pages),
        static={"style.css": state.static["style.css"]},
        extra_files={"versions.json": manifest},
    )
    run_pelican(
        state.theme,
        content if content.is_dir() else stage,
        stage,
        job,
        page_paths=["."] if content.is_dir() else [],
        extra={"SITENAME": job.page["title"], "CUNWU_COMPLAINT": job.page["complaint"]},
    )
    changed = []
    for rel in sorted(job.produced):
        src, dst = stage / rel, state.site / rel
        if dst.is_file() and dst.read_bytes() == src.read_bytes():
            continue
        dst.parent.mkdir(parents=True, exist_ok=True)
        os.replace(src, dst)
        changed.append(rel)
    # files the township no longer produces (a removed content page)
    villages = {s["id"] for s in summaries}
    for entry in state.site.iterdir() if state.site.exists() else []:
        if entry.name in villages or entry.name.startswith("."):
            continue
        if entry.is_file() and entry.name not in job.produced:
            entry.unlink()
        elif entry.is_dir() and not any(p.startswith(entry.name + "/") for p in job.produced):
            shutil.rmtree(entry)
    shutil.rmtree(stage)
    return changed


# ---------------------------------------------------------------- privacy of the output


_SCANNED: dict[bytes, tuple] = {}  # content hash -> findings, per process
_SCANNED_KINDS = (".html", ".json", ".csv", ".xml", ".svg", ".txt", ".js", ".css", ".pdf")


def _pdf_text(data: bytes) -> str:
    import pypdfium2

    pdf = pypdfium2.PdfDocument(data)
    try:
        return "\n".join(page.get_textpage().get_text_range() for page in pdf)
    finally:
        pdf.close()


def scan_outputs(tree: Path, vid: str, changed: list[str], sources: dict, allowed: list[str]) -> list[Problem]:
    """Every file a build wrote anew (HTML, JSON, CSV, feeds, SVG, the text of
    PDFs), scanned for personal numbers before it can go live. Results are
    kept by content hash, so the same bytes are scanned once."""
    out = []
    for rel in changed:
        path = tree / rel
        if path.suffix not in _SCANNED_KINDS:
            continue
        data = path.read_bytes()
        digest = hashlib.sha256(data).digest()
        findings = _SCANNED.get(digest)
        if findings is None:
            text = _pdf_text(data) if path.suffix == ".pdf" else data.decode("utf-8", errors="replace")
            findings = _SCANNED[digest] = tuple(scan_markup(text, allowed))
        for f in findings:
            src = ", ".join(sources.get(rel, ())) or "（未知来源）"
            out.append(
                Problem(
                    file=f"build/site/{vid}/{rel}", line=0, code=f.code,
                    message=f"输出中发现{f.label} {f.masked}，来源：{src}。构建已停止，网站保持原样。",
                )
            )
    return out


# ---------------------------------------------------------------- the build


def build(opts: BuildOptions) -> BuildResult:
    global _STATE
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
        history = open_history(root, report, opts.require_history)
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
        state = State(root, out, ctx, theme, tpl_fps, static, code_fp, salt, opts.drafts, history, as_of, maker)
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
                and rec.tree_ino == _live_ino(state, vid)
            ):
                skipped.append((vid, rec))
            else:
                tasks.append(Task(vid, vfiles, vfp, rec))

        _STATE = state
        results = _run_tasks(state, tasks, opts)
        for vid, rec in skipped:
            results.append(
                TaskResult(
                    vid, rec.problems, rec.count, rec.vfp, rec.summary, rec.rfp, rec.tree_ino, rec.pages,
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
            manifest = check_manifest(state, results, as_of, opts.allow_rewrite)
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
        swap_in(state, results, removed)
        summaries = [r.summary for r in sorted(results, key=lambda r: r.vid) if r.summary]
        root_key = sha(
            state.render_salt, township_fp, as_of.isoformat(), as_of_source, sha(manifest),
            json.dumps(summaries, sort_keys=True, ensure_ascii=False),
            *(f"{f.rel}:{hashes.get(f.rel, '')}" for f in files if f.kind in ("page", "asset")),
        )
        root_record = state.cache / "root.key"
        if root_record.is_file() and root_record.read_text() == root_key and (state.site / "index.html").is_file():
            root_changed = []  # the township's index, pages and manifest are as they were
        else:
            root_changed = build_root(state, summaries, as_of, as_of_source, manifest)
            root_record.write_text(root_key)
        for r in results:
            if r.summary is not None and not r.unchanged:
                _atomic_pickle(
                    _record_path(state, r.vid),
                    Record(r.vfp, r.problems, r.count, r.summary, r.rfp, r.tree_ino, r.pages),
                )
        for vid in removed:
            for p in (_record_path(state, vid), _bundle_path(state, vid)):
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
        _STATE = None
        lock.close()


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
        pool = cf.ProcessPoolExecutor(max_workers=min(jobs, len(tasks)), mp_context=multiprocessing.get_context("fork"))
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
            futures = {pool.submit(_validate_task, t): t for t in tasks}
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
