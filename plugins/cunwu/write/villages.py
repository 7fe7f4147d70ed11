"""One village in a build: checked and rendered in one task (in a worker process).

A task validates the village's files; if they pass, it renders the village
site into a staging tree with one Pelican run, and scans what was written
from the writer's own bytes. Nothing here touches the live site: the build
swaps staging trees in once every task is done (:mod:`cunwu.commands.build`).
"""

from __future__ import annotations

import json

from ..history.info import DocInfo
from ..history.versions import published_stamps
from ..model.calendar import Calendar
from ..render import completeness, timeliness
from ..render.common import POWER_LIST, bundle_infos
from ..render.digest import month_facts
from ..render.posters import doc_meta, eligible
from ..render.site import VillageSite
from ..render.urls import village_base_url
from ..validate.project import TownshipContext, VillageBundle
from ..validate.village import check_village
from .auditfacts import facts_path, village_facts
from .fingerprint import sha
from .fsutil import settle, stage_tree
from .outputscan import scan_outputs
from .pelicanconf import PELICANCONF
from .records import atomic_pickle
from .state import State, Task, TaskResult, VillageSummary
from .swap import live_ino
from .villagerun import VillageRun

#: the build's state in this process (set by the build before workers fork)
STATE: State | None = None


def village_summary(ctx: TownshipContext, bundle: VillageBundle) -> VillageSummary:
    v = bundle.village
    approved = [d for d in bundle.finance if d.model.status == "approved"]
    return VillageSummary(
        id=bundle.id,
        name=v.name,
        base_url=village_base_url(ctx, bundle.id, v),
        code=v.code,
        code_line=bundle.village_doc.line("code"),
        cadence=v.cadence,
        latest=approved[-1].model.period.label if approved else "",
        approvals=timeliness.approvals(bundle),
        facts=completeness.village_facts(bundle),
        months=month_facts(ctx, bundle),
        docs=doc_meta(bundle),
        stamps={f"{d.kind}:{d.key}": d.stamp for d in bundle.disclosures()},
        # every published version of the village's own documents, for versions.json
        versions=sorted(
            [f"{d.kind}:{d.key}", stamp, date]
            for d in bundle.disclosures()
            if d.rel.startswith("villages/")
            for stamp, date in published_stamps(bundle.histories.get(f"{d.kind}:{d.key}"), d)
        ),
    )


def derived_sets(state: State, summary: VillageSummary) -> tuple[frozenset[str], frozenset[str]]:
    """What "today" changes about a village: which disclosures get posters
    (notice current or in the print window) and which rosters are taken
    offline (notice over, when the township says so). Derived sets, not the
    date itself, go into the fingerprint, so a new day rebuilds nothing that
    does not change."""
    cfg = state.ctx.config
    assert state.as_of is not None
    posters: frozenset[str] = frozenset()
    if state.poster_maker is not None:
        catalog = state.ctx.catalog
        # the power list is a disclosure too: a draft catalog gets no poster
        posters = eligible(
            summary.docs,
            state.as_of,
            cfg.print.window_months,
            catalog is not None and catalog.status == "approved",
        )
    offline: frozenset[str] = frozenset()
    if cfg.site.rosters_offline_after_notice:
        today = state.as_of.isoformat()
        offline = frozenset(
            d.key.split(":", 1)[1]
            for d in summary.docs
            if d.key.startswith("subsidy:") and d.notice_end and d.notice_end < today
        )
    return posters, offline


def year_line(state: State, summary: VillageSummary) -> dict:
    """The village home's completeness line on the build's date (a derived
    value, like the poster set: a new day re-renders only the homes whose line changes)."""
    cfg = state.ctx.config
    assert state.as_of is not None
    names = {pid: p.name for pid, p in state.ctx.programs.items()}
    url = summary.base_url or f"{cfg.base_url}{summary.id}/"
    return completeness.year_line(
        summary.id, summary.facts, cfg.calendar or Calendar(), cfg.due_day, state.as_of, url, names
    )


def render_fingerprint(state: State, vfp: str, summary: VillageSummary) -> str:
    posters, offline = derived_sets(state, summary)
    return sha(
        state.render_salt,
        vfp,
        summary.key(),
        "posters=" + ",".join(sorted(posters)),
        "offline=" + ",".join(sorted(offline)),
        "line=" + json.dumps(year_line(state, summary), sort_keys=True, ensure_ascii=False),
    )


def village_task(task: Task) -> TaskResult:
    """Check one village and, if it passed, render it into its staging tree.

    The cache record answers for an unchanged village: its problems when its
    sources did not change, its live tree when nothing it shows changed."""
    state = STATE
    assert state is not None
    rec = task.record
    tree = live_ino(state, task.vid)
    # a village held back last time is checked again: its live tree shows an
    # earlier version, which its record describes, not its files
    if rec is not None and rec.vfp == task.vfp and rec.summary is not None and rec.summary.held is None:
        rfp = render_fingerprint(state, task.vfp, rec.summary)
        if rec.rfp == rfp and rec.tree_ino == tree:
            return TaskResult(
                task.vid, rec.problems, rec.count, task.vfp, rec.summary, rfp, tree, rec.pages, unchanged=True
            )
    bundle, problems, count = check_village(state.ctx, task.vid, task.files, state.history, state.published)
    result = TaskResult(task.vid, problems, count, task.vfp)
    if bundle is None or result.has_errors:
        result.name = bundle.village.name if bundle is not None else ""
        return result
    result.summary = village_summary(state.ctx, bundle)
    # the rows `cunwu audit` joins, while they are loaded (write/auditfacts.py)
    atomic_pickle(
        facts_path(state.cache, task.vid), village_facts(state.root, result.summary.base_url, bundle)
    )
    result.rfp = render_fingerprint(state, task.vfp, result.summary)
    if rec is not None and rec.rfp == result.rfp and rec.tree_ino == tree:
        result.pages, result.tree_ino = rec.pages, tree
        return result
    render_village(state, task, bundle, result)
    return result


def render_village(state: State, task: Task, bundle: VillageBundle, result: TaskResult) -> None:
    """One Pelican run writes the village site into its staging tree; what it
    wrote is scanned for personal numbers from the bytes written."""
    rec = task.record
    assert result.summary is not None
    staging = state.staging / task.vid
    # a township's own Pelican plugins may write in place: they get real copies
    own_plugins = (state.root / PELICANCONF).is_file()
    before = stage_tree(state.site / task.vid, staging, link=not own_plugins)
    prev = rec.pages if rec is not None and rec.tree_ino == live_ino(state, task.vid) else {}
    posters, offline = derived_sets(state, result.summary)
    info = bundle_infos(bundle, state.ctx.histories)
    for key in posters:
        if key in info:
            info[key].poster = "poster.pdf"
        elif key == POWER_LIST:
            info[key] = DocInfo(stamp="", version_date="", poster="poster.pdf")
    histories = {**state.ctx.histories, **bundle.histories}
    site = VillageSite(
        state.ctx,
        bundle,
        info,
        include_drafts=state.drafts,
        offline_rosters=offline,
        histories=histories,
        year_line=year_line(state, result.summary),
    )
    from .run import run_village  # imports Pelican: only when a village is rendered

    run = run_village(
        VillageRun(
            site,
            state.root,
            staging,
            state.code_fp,
            state.template_fps,
            state.static,
            prev_pages=prev,
            posters=posters,
            poster_maker=state.poster_maker,
            pictures=state.pictures,
        ),
        state.pelican_base(),
    )
    written = dict(run.changed)
    # what a township's Pelican plugin wrote (a sitemap, say, or a change to one
    # of our files after we wrote it) is published too: it is scanned like our
    # own files, and what no run wrote any more goes
    known = {**before, **run.writer.stats} if run.writer is not None else before
    for rel in sorted(settle(staging, known, run.produced)):
        data = (staging / rel).read_bytes()
        if rel not in run.produced:
            run.pages[rel] = sha(data)
            run.sources.setdefault(rel, ("（Pelican 插件）",))
        if before.get(rel) is None or (state.site / task.vid / rel).read_bytes() != data:
            written[rel] = data
    result.pages, result.sources = run.pages, run.sources
    result.changed = sorted(written)
    result.rendered, result.posters_rendered = run.rendered, run.posters_rendered
    result.leaks = scan_outputs(written, task.vid, run.sources, state.ctx.official_numbers(bundle.village))
    result.tree_ino = staging.stat().st_ino
    result.built = True
