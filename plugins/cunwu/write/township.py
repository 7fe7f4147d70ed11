"""The township root: the index of villages, the township pages, versions.json."""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from ..history.manifest import Entry, Manifest
from ..history.versions import deleted_stamps, published_stamps
from ..model.calendar import Calendar
from ..render import completeness
from ..render.urls import complaint_url, robots_txt, unsearchable_paths
from .digests import reminder_files
from .holdback import is_absent
from .outputscan import scan_outputs
from .state import State, TaskResult, VillageSummary


def township_completeness_data(state: State, summaries: list[VillageSummary], as_of: dt.date) -> dict:
    """completeness.json (CONTRACT-completeness.md), from the villages' cached
    summaries: no village is loaded for it."""
    cfg = state.ctx.config
    cal = cfg.calendar or Calendar()
    names = {pid: p.name for pid, p in state.ctx.programs.items()}
    villages = []
    for s in summaries:
        url = s.base_url or f"{cfg.base_url}{s.id}/"
        items = (
            completeness.village_items(s.id, s.facts, cal, cfg.due_day, as_of, url, names) if s.facts else []
        )
        completeness.apply_exemptions(s.id, items, cal)
        held = s.held.text if s.held is not None else None
        if held is not None:
            completeness.hold(items, held)
        villages.append(completeness.village_entry(s.id, s.name, url, items, as_of, held))
    township = {
        "id": cfg.township.id,
        "name": cfg.township.name,
        "county": cfg.township.county,
        "base_url": cfg.base_url,
    }
    return completeness.report(township, as_of, villages)


def _short(day: str | None) -> str:
    return f"{int(day[5:7])}月{int(day[8:10])}日" if day else ""


def screen_village(v: dict, href: str, tolerance: int = 3) -> dict:
    """One village's row of the completeness screen: its score and its items,
    worst first, each with the words a cadre reads."""
    rows = []
    for it in v["items"]:
        st = it["state"]
        note = ""
        if st == "late":
            note = f"迟 {it['days_late']} 天"
        elif st == "missing":
            note = f"已超期 {it['days_late']} 天"
        elif st == "not_due":
            note = f"{_short(it['due'])}前"
        elif st in ("exempt", "held"):
            note = it["reason"] or ""
        typed, shown = it["typed_on"], it["published_on"]
        # the typed approval date beside the commit date, when they are more than a few days apart
        differ = bool(
            typed
            and shown
            and abs((dt.date.fromisoformat(typed) - dt.date.fromisoformat(shown)).days) > tolerance
        )
        rows.append(
            {
                **it,
                "state_zh": completeness.STATE_ZH[st],
                "note": note,
                "due_short": _short(it["due"]),
                "published_short": _short(shown),
                "typed_short": _short(typed) if differ else "",
            }
        )
    p = v["score"]["percent"]
    return {
        "id": v["id"],
        "name": v["name"],
        "href": href,
        "held": v["held_reason"] or "",
        "score": v["score"],
        "counts": v["counts"],
        "bar": p if p is not None else "0",
        "percent": f"{p}%" if p is not None else "无到期项",
        "rows": rows,
    }


def township_page(
    state: State,
    summaries: list[VillageSummary],
    as_of: dt.date,
    as_of_source: str,
    pages: list[dict],
    data: dict | None = None,
) -> dict:
    cfg = state.ctx.config
    if data is None:
        data = township_completeness_data(state, summaries, as_of)
    by_id = {s.id: s for s in summaries}
    tolerance = cfg.calendar.tolerance_days if cfg.calendar else 3
    villages = [
        screen_village(v, "" if is_absent(by_id[v["id"]]) else f"{v['id']}/", tolerance)
        for v in data["villages"]
    ]
    counts = dict.fromkeys(completeness.STATES, 0)
    for v in data["villages"]:
        for k, n in v["counts"].items():
            counts[k] += n
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
        "window": data["window"],
        "definition": data["definition"],
        "migration": cfg.calendar.migration.isoformat() if cfg.calendar and cfg.calendar.migration else "",
        "villages": villages,
        "counts": counts,
        "states": [{"id": k, "zh": completeness.STATE_ZH[k]} for k in completeness.STATES],
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
    data = township_completeness_data(state, summaries, as_of)
    page = township_page(state, summaries, as_of, as_of_source, pages, data)
    sources["completeness.json"] = sources["completeness.csv"] = ("cunwu.yaml",)
    reminders, reminder_sources = reminder_files(state, summaries, data, as_of)
    sources.update(reminder_sources)
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
            "completeness.json": (json.dumps(data, ensure_ascii=False) + "\n").encode("utf-8"),
            "completeness.csv": completeness.to_csv(data),
            # calendar feeds, villagers' digests and cards (write/digests.py)
            **reminders,
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
        elif entry.is_dir():
            # a folder the root still writes into (digest/, calendar/): what it
            # no longer writes there goes (the digests of a village taken off)
            for path in sorted(entry.rglob("*"), reverse=True):
                rel = path.relative_to(state.site).as_posix()
                if path.is_file() and rel not in root.produced:
                    path.unlink()
                elif path.is_dir() and not any(path.iterdir()):
                    path.rmdir()
    shutil.rmtree(root.stage)
    return root.changed
