"""Is each due disclosure on time, late or missing? (the township's first question)

A period is due on ``due_day`` of the month after it ends (cunwu.yaml). As of
``today`` (the newest commit's date, or ``--as-of``), each due period is:

* ``on_time``: approved on or before the due date;
* ``late``: approved after the due date;
* ``missing``: the due date has passed and nothing is approved;
* ``pending``: not yet due (shown so staff see what comes next).

It works on a small summary of a village (:func:`approvals`), not on the
whole model, so an incremental build can show every village's status from
its cache without loading its disclosures.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from ..model.types import Period
from ..validate.project import VillageBundle

STATUS_ZH = {"on_time": "按时", "late": "迟报", "missing": "未公开", "pending": "未到期"}


@dataclass(frozen=True)
class Due:
    what: str  # "finance" or a program id
    label: str  # 财务公开 / 最低生活保障金
    period: str
    due: str  # ISO date
    status: str
    approved_on: str = ""

    def as_dict(self) -> dict:
        # by hand, not dataclasses.asdict (a deep copy): a county index has thousands
        return {
            "what": self.what,
            "label": self.label,
            "period": self.period,
            "due": self.due,
            "status": self.status,
            "approved_on": self.approved_on,
            "status_zh": STATUS_ZH[self.status],
        }


def approvals(bundle: VillageBundle) -> dict:
    """What timeliness needs: per series, period -> approval date (or "" for a draft)."""
    v = bundle.village
    series = {
        "finance": {
            str(d.model.period): (
                d.model.approved_on.isoformat()
                if d.model.approved_on and d.model.status == "approved"
                else ""
            )
            for d in bundle.finance
        }
    }
    for pid in v.recurring:
        series[pid] = {
            str(d.model.period): (
                d.model.approved_on.isoformat()
                if d.model.approved_on and d.model.status == "approved"
                else ""
            )
            for d in bundle.rosters
            if d.model.program == pid
        }
    return {
        "cadence": v.cadence,
        "since": str(v.since) if v.since else "",
        "recurring": list(v.recurring),
        "series": series,
    }


def _current_period(today: dt.date, quarterly: bool) -> Period:
    if quarterly:
        return Period(today.year, quarter=(today.month - 1) // 3 + 1)
    return Period(today.year, month=today.month)


def _series(what, label, items: dict[str, str], quarterly, today, due_day, since, months) -> list[Due]:
    hi = _current_period(today, quarterly)
    lo = hi
    for _ in range((months // 3 if quarterly else months) - 1):
        lo = lo.prev()
    # nothing is due before the village started publishing with cunwu
    published = [Period.parse(p) for p in items]
    start = since if since is not None and since.is_quarter == quarterly else min(published, default=None)
    if start is not None and start > lo:
        lo = start
    out, p = [], lo
    while p <= hi:
        due = p.due_date(due_day)
        approved = items.get(str(p), "")
        if approved:
            status = "on_time" if dt.date.fromisoformat(approved) <= due else "late"
        else:
            status = "missing" if today > due else "pending"
        out.append(Due(what, label, str(p), due.isoformat(), status, approved))
        p = p.next()
    return out


def village_dues(
    summary: dict, today: dt.date, due_day: int, program_names: dict[str, str], months: int = 12
) -> list[Due]:
    """Finance dues (by the village's cadence), then each recurring roster (monthly)."""
    quarterly = summary["cadence"] == "quarterly"
    since = Period.parse(summary["since"]) if summary["since"] else None
    out = _series(
        "finance", "财务公开", summary["series"]["finance"], quarterly, today, due_day, since, months
    )
    for pid in summary["recurring"]:
        out += _series(
            pid,
            program_names.get(pid, pid),
            summary["series"].get(pid, {}),
            False,
            today,
            due_day,
            since,
            months,
        )
    return out


_CN_QUARTER = "一二三四"


def short_labels(periods: list[str]) -> list[str]:
    """Chip labels for a row of periods: the year on the first one and wherever it
    changes (a 12-month row spans two years), Chinese quarter names.

    ``["2026-11", "2026-12", "2027-01"]`` -> ``["2026年11月", "12月", "2027年1月"]``;
    ``["2026-Q4", "2027-Q1"]`` -> ``["2026年四季度", "2027年一季度"]``.
    """
    out, year = [], None
    for s in periods:
        p = Period.parse(s)
        name = f"{_CN_QUARTER[p.quarter - 1]}季度" if p.quarter else f"{p.month}月"
        out.append(name if p.year == year else f"{p.year}年{name}")
        year = p.year
    return out


def count(dues: list[Due]) -> dict:
    counts = dict.fromkeys(STATUS_ZH, 0)
    for d in dues:
        counts[d.status] += 1
    return counts
