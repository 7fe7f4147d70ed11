"""Completeness files shaped as CONTRACT-completeness (``cunwu-completeness/1``),
for the county page, feeds and reminders to be tested without building a site."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal


def item(
    vid: str,
    base: str,
    kind: str,
    period: str,
    due: str,
    state: str,
    *,
    as_of: str,
    title: str = "",
    published: str | None = None,
) -> dict:
    days = None
    if state in ("late",) and published:
        days = (dt.date.fromisoformat(published) - dt.date.fromisoformat(due)).days
    if state == "missing" and as_of > due:
        days = (dt.date.fromisoformat(as_of) - dt.date.fromisoformat(due)).days
    seg = "subsidies" if kind != "finance" else "finance"
    return {
        "id": f"{vid}/{kind}/{period}",
        "kind": kind,
        "title": title or f"{period} {'财务公开' if kind == 'finance' else '补贴公示'}",
        "period": period,
        "due": due,
        "state": state,
        "days_late": days,
        "published_on": published,
        "typed_on": published,
        "url": f"{base}{vid}/{seg}/{period}/" if published else None,
        "reason": None,
    }


def village(vid: str, name: str, base: str, items: list[dict], held: bool = False) -> dict:
    counts = dict.fromkeys(("on_time", "late", "missing", "not_due", "exempt", "backfilled", "held"), 0)
    for it in items:
        counts[it["state"]] += 1
    due = counts["on_time"] + counts["late"] + counts["missing"]
    pct = None if due == 0 else str((Decimal(counts["on_time"]) * 100 / due).quantize(Decimal("0.1")))
    return {
        "id": vid,
        "name": name,
        "url": f"{base}{vid}/",
        "held_back": held,
        "score": {"on_time": counts["on_time"], "due": due, "percent": pct},
        "counts": counts,
        "items": items,
    }


def township(
    tid: str, name: str, villages: list[dict], as_of: str = "2026-11-20", county: str = "青山县"
) -> dict:
    return {
        "schema": "cunwu-completeness/1",
        "generated_for": as_of,
        "township": {
            "id": tid,
            "name": name,
            "county": county,
            "base_url": f"https://cunwu.example.org/{tid}/",
        },
        "window": {"from": "2025-12", "to": "2026-11"},
        "definition": "完成率 = 按时公开项数 ÷ 应公开项数（近12个月）",
        "villages": villages,
    }


def sample(tid: str = "qingshui", name: str = "清水镇", as_of: str = "2026-11-20") -> dict:
    """A township of three villages: one on time, one late and missing, one with nothing due."""
    base = f"https://cunwu.example.org/{tid}/"
    a = as_of
    good = [
        item(
            "dongshan", base, "finance", "2026-09", "2026-10-10", "on_time", as_of=a, published="2026-10-08"
        ),
        item(
            "dongshan", base, "finance", "2026-10", "2026-11-10", "on_time", as_of=a, published="2026-11-09"
        ),
        item("dongshan", base, "finance", "2026-11", "2026-12-10", "not_due", as_of=a),
    ]
    bad = [
        item("xihe", base, "finance", "2026-09", "2026-10-10", "late", as_of=a, published="2026-10-30"),
        item("xihe", base, "finance", "2026-10", "2026-11-10", "missing", as_of=a),
        item(
            "xihe",
            base,
            "dibao",
            "2026-10",
            "2026-11-10",
            "on_time",
            as_of=a,
            published="2026-11-02",
            title="2026年10月低保公示",
        ),
        item("xihe", base, "finance", "2026-11", "2026-12-10", "not_due", as_of=a),
    ]
    new = [item("nanpo", base, "finance", "2026-11", "2026-12-10", "not_due", as_of=a)]
    return township(
        tid,
        name,
        [
            village("dongshan", "东山村", base, good),
            village("xihe", "西河村", base, bad),
            village("nanpo", "南坡村", base, new),
        ],
        as_of,
    )
