"""``township_completeness``: what every village owed and published, as data.

The contract with the county pages and reminders is CONTRACT-completeness.md;
this is the same dict the build writes as ``completeness.json`` (the build
computes it from the villages' cached summaries, this loads the project).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from ..model.calendar import Calendar
from ..render import completeness as cp
from ..render.urls import village_base_url
from ..validate.project import TownshipContext
from .build import resolve_as_of
from .validate import load_project

SCHEMA = cp.SCHEMA
STATES = cp.STATES


def township_info(ctx: TownshipContext) -> dict[str, Any]:
    cfg = ctx.config
    return {
        "id": cfg.township.id,
        "name": cfg.township.name,
        "county": cfg.township.county,
        "base_url": cfg.base_url,
    }


def township_completeness(root: Path, as_of: dt.date | None = None) -> dict[str, Any]:
    """The completeness of every village of the project at ``root`` on ``as_of``
    (default: the newest commit's date). JSON-able; see CONTRACT-completeness.md."""
    project = load_project(root)
    day, _ = resolve_as_of(Path(root), as_of)
    ctx = project.township
    cfg = ctx.config
    cal = cfg.calendar or Calendar()
    names = {pid: p.name for pid, p in ctx.programs.items()}
    errors: dict[str, int] = {}
    for p in project.report.problems:
        parts = p.file.split("/")
        if p.severity == "error" and len(parts) > 2 and parts[0] == "villages":
            errors[parts[1]] = errors.get(parts[1], 0) + 1
    villages = []
    for vid, b in sorted(project.villages.items()):
        url = village_base_url(ctx, vid, b.village)
        items = cp.village_items(vid, cp.village_facts(b), cal, cfg.due_day, day, url, names)
        cp.apply_exemptions(vid, items, cal)
        held = f"{errors[vid]} 个文件有错误" if vid in errors else None
        if held:
            cp.hold(items, held)
        villages.append(cp.village_entry(vid, b.village.name, url, items, day, held))
    return cp.report(township_info(ctx), day, villages)
