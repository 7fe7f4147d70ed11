"""One village in a build: validate it, then render it (in a worker process)."""

from __future__ import annotations

import json

from ..history.info import DocInfo, stamp_of
from ..history.versions import published_stamps
from ..render import timeliness
from ..render.common import POWER_LIST, bundle_infos
from ..render.posters import doc_meta, eligible
from ..render.urls import village_base_url
from ..validate.project import TownshipContext, VillageBundle
from ..validate.village import check_village
from .fingerprint import sha
from .fsutil import remove_stale, stage_tree
from .jobs import VillageJob
from .outputscan import scan_outputs
from .records import atomic_pickle, bundle_path, load_bundle
from .state import State, Task, TaskResult
from .swap import live_ino

#: the build's state in this process (set by the pipeline before workers fork)
STATE: State | None = None


def village_summary(ctx: TownshipContext, bundle: VillageBundle) -> dict:
    v = bundle.village
    approved = [d for d in bundle.finance if d.model.status == "approved"]
    return {
        "id": bundle.id,
        "name": v.name,
        "base_url": village_base_url(ctx, bundle.id, v),
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
        catalog = state.ctx.catalog
        # the power list is a disclosure too: a draft catalog gets no poster
        posters = eligible(
            summary["docs"],
            state.as_of,
            cfg.print.window_months,
            catalog is not None and catalog.status == "approved",
        )
    offline = frozenset()
    if cfg.site.rosters_offline_after_notice:
        today = state.as_of.isoformat()
        offline = frozenset(
            key.split(":", 1)[1]
            for key, _status, _m, _start, end in summary["docs"]
            if key.startswith("subsidy:") and end and end < today
        )
    return posters, offline


def render_fingerprint(state: State, vfp: str, summary: dict) -> str:
    posters, offline = derived_sets(state, summary)
    return sha(
        state.render_salt,
        vfp,
        json.dumps(summary, sort_keys=True, ensure_ascii=False),
        "posters=" + ",".join(sorted(posters)),
        "offline=" + ",".join(sorted(offline)),
    )


def validate_village(task: Task) -> tuple[TaskResult, VillageBundle | None]:
    """Phase one: validate a village (or take its cached result). Nothing is
    rendered until every village has passed: a build with an error anywhere
    stops after validation, reporting every problem."""
    state = STATE
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
        atomic_pickle(bundle_path(state, task.vid), (task.vfp, bundle))
        if not result.has_errors:
            result.summary = village_summary(state.ctx, bundle)
            result.rfp = render_fingerprint(state, task.vfp, result.summary)
    return result, bundle


def validate_task(task: Task) -> TaskResult:
    return validate_village(task)[0]


def build_village(item: tuple[Task, TaskResult], bundle: VillageBundle | None = None) -> TaskResult:
    """Phase two: build one validated village into its staging tree."""
    state = STATE
    assert state is not None
    task, result = item
    rec = task.record
    live = state.site / task.vid
    tree = live_ino(state, task.vid)
    if rec is not None and rec.rfp == result.rfp and rec.tree_ino == tree:
        result.pages, result.tree_ino = rec.pages, tree
        result.unchanged = rec.vfp == task.vfp
        return result
    if bundle is None:
        bundle = load_bundle(state, task.vid, task.vfp)
        if bundle is None:  # the cache vanished under us: validate again
            bundle, _problems, _count = check_village(state.ctx, task.vid, task.files, state.history)
    staging = state.staging / task.vid
    stage_tree(live, staging)
    prev = rec.pages if rec is not None and rec.tree_ino == tree else {}
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
    result.leaks = scan_outputs(
        staging, task.vid, job.changed, job.sources, state.ctx.official_numbers(bundle.village)
    )
    result.tree_ino = staging.stat().st_ino
    result.built = True
    return result
