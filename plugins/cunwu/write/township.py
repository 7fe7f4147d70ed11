"""The township root: the index of villages, the township pages, versions.json."""

from __future__ import annotations

import datetime as dt
import os
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from ..history.manifest import Entry, Manifest
from ..history.versions import deleted_stamps, published_stamps
from ..render import timeliness
from ..render.urls import complaint_url, robots_txt, unsearchable_paths
from .outputscan import scan_outputs
from .state import State, TaskResult, VillageSummary


def township_page(
    state: State, summaries: list[VillageSummary], as_of: dt.date, as_of_source: str, pages: list[dict]
) -> dict:
    cfg = state.ctx.config
    names = {pid: p.name for pid, p in state.ctx.programs.items()}
    villages: list[dict] = []
    counts = dict.fromkeys(timeliness.STATUS_ZH, 0)
    for s in summaries:
        if s.held is not None and not s.held.published:
            # held back with no version to show: named, not linked, nothing counted
            villages.append({"id": s.id, "name": s.name, "href": "", "held": s.held.text, "series": []})
            continue
        dues = timeliness.village_dues(s.approvals, as_of, cfg.due_day, names)
        for k, n in timeliness.count(dues).items():
            counts[k] += n
        series: dict[str, list[dict]] = {}
        for d in dues:
            series.setdefault(d.label, []).append(d.as_dict())
        for entries in series.values():
            for entry, short in zip(
                entries, timeliness.short_labels([e["period"] for e in entries]), strict=True
            ):
                entry["short"] = short
        villages.append(
            {
                "id": s.id,
                "name": s.name,
                "href": f"{s.id}/",
                "cadence": "按季度公开" if s.cadence == "quarterly" else "按月公开",
                "latest": s.latest,
                "series": [{"label": k, "dues": v} for k, v in series.items()],
                "held": s.held.text if s.held is not None else "",
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


def check_manifest(
    state: State,
    results: list[TaskResult],
    as_of: dt.date,
    allow_rewrite: str | None,
    previous: tuple[str, str] | None = None,
    found: frozenset[tuple[str, str]] = frozenset(),
) -> bytes:
    """versions.json: fail if a published version vanished from history; add new ones.

    The record continues the last build's ``versions.json`` merged with
    ``previous`` (``(source, text)`` of ``--manifest``: the live site's copy).
    ``found``: versions of held-back villages still in the history, not published now."""
    current: set[Entry] = set()
    for r in results:
        for doc, stamp, date in r.summary.versions if r.summary else []:
            current.add(Entry(r.vid, doc, stamp, date))
    ctx = state.ctx
    township_docs = list(ctx.powers.values()) + ([ctx.catalog_doc] if ctx.catalog_doc else [])
    for d in township_docs:
        for stamp, date in published_stamps(ctx.histories.get(f"{d.kind}:{d.key}"), d):
            current.add(Entry("", f"{d.kind}:{d.key}", stamp, date))
    current |= {Entry(*t) for t in deleted_stamps(state.history, state.published)}
    township = ctx.config.township.id
    old = state.site / "versions.json"
    old_text = old.read_text("utf-8") if old.is_file() else None
    manifest = Manifest.parse(old_text, township, str(old))
    if previous is not None:
        manifest.merge(Manifest.parse(previous[1], township, previous[0]))
    history = state.history
    verifiable = history is not None and history.available and not history.shallow
    before = manifest.size()
    manifest.check_and_extend(current, as_of.isoformat(), allow_rewrite, verifiable, found)
    if previous is None and old_text and manifest.size() == before and old_text.startswith(manifest.head()):
        # nothing was added: the record as published (writing a county's
        # record out again costs more than checking it)
        return old_text.encode("utf-8")
    return manifest.to_json()


@dataclass
class RootBuild:
    """The township root rendered into a staging folder, not yet live."""

    stage: Path
    produced: set[str]
    #: output -> the sources it shows, for the privacy scan's report
    sources: dict[str, tuple[str, ...]]
    #: outputs whose bytes differ from the live site's (the scan and the install both need them)
    changed: list[str]
    #: the hash of everything the root shows, recorded once it is live
    key: str = ""


def township_robots(state: State, summaries: list[VillageSummary]) -> bytes:
    """robots.txt of the township root: the rosters of every village it hosts
    (one published on its own host has its own robots.txt)."""
    host = urlsplit(state.ctx.config.base_url).netloc
    bases = [s.base_url or f"{state.ctx.config.base_url}{s.id}/" for s in summaries]
    return robots_txt([p for b in bases if urlsplit(b).netloc == host for p in unsearchable_paths(b)])


@dataclass
class TownshipRun:
    """The township root's run: what its generator writes, and its writer once made."""

    page: dict
    files: dict[str, bytes]
    #: its Pelican generator (cunwu.write.generators.TownshipGenerator)
    generator: type | None = None
    writer: Any = None


def render_root(
    state: State, summaries: list[VillageSummary], as_of: dt.date, as_of_source: str, manifest: bytes
) -> RootBuild:
    """Render the township root (index, content pages, stylesheet, versions.json)
    into a fresh staging folder. Nothing live changes: see :func:`install_root`."""
    stage = state.staging / "_root"
    if stage.exists():
        shutil.rmtree(stage)
    stage.mkdir(parents=True)
    content = state.root / "content"
    pages = []
    sources: dict[str, tuple[str, ...]] = {"index.html": ("cunwu.yaml",), "versions.json": ("cunwu.yaml",)}
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
                pages.append({"href": f"{meta['slug']}/", "title": meta["title"], "slug": meta["slug"]})
                sources[f"{meta['slug']}/index.html"] = (f"content/{md.name}",)
    page = township_page(state, summaries, as_of, as_of_source, pages)
    # Pelican is imported only when something is rendered (see write/pelicanconf.py)
    from .generators import TownshipGenerator
    from .run import run_pelican

    run = TownshipRun(
        page,
        {
            "style.css": state.static["style.css"],
            # browsers ask the root of a host for /favicon.ico whatever a page links
            "favicon.ico": state.static["favicon.ico"],
            "favicon.svg": state.static["favicon.svg"],
            "versions.json": manifest,
            "robots.txt": township_robots(state, summaries),
        },
        TownshipGenerator,
    )
    run_pelican(
        state.pelican_base(),
        content if content.is_dir() else stage,
        stage,
        PAGE_PATHS=["."] if content.is_dir() else [],
        RELATIVE_URLS=True,
        SITEURL="",
        SITENAME=page["title"],
        CUNWU_TOWNSHIP=run,
        CUNWU_RUN=run,
        CUNWU_COMPLAINT=page["complaint"],
        # a content page's intake link names the page, as a village page's does
        CUNWU_COMPLAINT_BY_SLUG={
            p["slug"]: complaint_url(state.ctx.config.complaint.url, "", p["slug"]) for p in pages
        },
        CUNWU_PHONES=page["phones"],
    )
    produced = run.writer.produced
    changed = [
        rel
        for rel in sorted(produced)
        if not (state.site / rel).is_file() or (state.site / rel).read_bytes() != (stage / rel).read_bytes()
    ]
    return RootBuild(stage, set(produced), sources, changed)


def scan_root(state: State, root: RootBuild) -> list:
    """The privacy scan of the township root's changed files, as for a village's."""
    written = {rel: (root.stage / rel).read_bytes() for rel in root.changed}
    return scan_outputs(written, "", root.sources, state.ctx.official_numbers())


def install_root(state: State, root: RootBuild, summaries: list[VillageSummary]) -> list[str]:
    """Move each changed file of a rendered root into the live site with an
    atomic rename; remove what the township no longer produces."""
    for rel in root.changed:
        dst = state.site / rel
        dst.parent.mkdir(parents=True, exist_ok=True)
        os.replace(root.stage / rel, dst)
    # files the township no longer produces (a removed content page)
    villages = {s.id for s in summaries}
    for entry in state.site.iterdir() if state.site.exists() else []:
        if entry.name in villages or entry.name.startswith("."):
            continue
        if entry.is_file() and entry.name not in root.produced:
            entry.unlink()
        elif entry.is_dir() and not any(p.startswith(entry.name + "/") for p in root.produced):
            shutil.rmtree(entry)
    shutil.rmtree(root.stage)
    return root.changed
