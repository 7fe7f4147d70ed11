"""``township_completeness``: what every village owed and published, as data.

The contract with the county pages and reminders is CONTRACT-completeness.md
(the same dict the build writes as ``completeness.json``). STUB: the shape is
final, the items are filled in by the completeness computation.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

SCHEMA = "cunwu-completeness/1"
STATES = ("on_time", "late", "missing", "not_due", "exempt", "backfilled", "held")


def township_completeness(root: Path, as_of: dt.date | None = None) -> dict:
    """The completeness of every village of the project at ``root`` on ``as_of``
    (default: the newest commit's date). JSON-able; see CONTRACT-completeness.md."""
    from .build import resolve_as_of
    from .validate import load_project

    project = load_project(root)
    day, _ = resolve_as_of(Path(root), as_of)
    cfg = project.township.config
    first = dt.date(day.year - 1, day.month, 1)
    first = (first.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
    villages = []
    for vid, b in sorted(project.villages.items()):
        villages.append(
            {
                "id": vid,
                "name": b.village.name,
                "url": f"{cfg.base_url}{vid}/",
                "held_back": False,
                "score": {"on_time": 0, "due": 0, "percent": None},
                "counts": dict.fromkeys(STATES, 0),
                "items": [],
            }
        )
    return {
        "schema": SCHEMA,
        "generated_for": day.isoformat(),
        "township": {
            "id": cfg.township.id,
            "name": cfg.township.name,
            "county": cfg.township.county,
            "base_url": cfg.base_url,
        },
        "window": {"from": f"{first.year}-{first.month:02d}", "to": f"{day.year}-{day.month:02d}"},
        "definition": "完成率 = 近12个月按时公开的项数 ÷ 应公开的项数",
        "villages": villages,
    }
