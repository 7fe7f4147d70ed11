"""The reminder digest for the township's work group (``cunwu remind``).

Made from the completeness data (CONTRACT-completeness.md) of one date. For
each village: what falls due in the next ``days`` days, what is overdue and
by how much, and what was published since the last digest (``since``,
inclusive: an item published on the day of the last digest shows again
rather than never). Counts, titles, dates and links only: no names.
"""

from __future__ import annotations

import datetime as dt

REMIND_SCHEMA = "cunwu-remind/1"


def _md(iso: str, year: int) -> str:
    """``11月7日``, with the year when it is not ``year`` (the digest's)."""
    d = dt.date.fromisoformat(iso)
    return f"{d.month}月{d.day}日" if d.year == year else f"{d.year}年{d.month}月{d.day}日"


def _ymd(d: dt.date) -> str:
    return f"{d.year}年{d.month}月{d.day}日"


def digest(data: dict, since: dt.date, days: int = 7, village: str | None = None) -> dict:
    """The digest as data: per village its due-soon, overdue and newly published items."""
    as_of = dt.date.fromisoformat(data["generated_for"])
    until = as_of + dt.timedelta(days=days)
    villages = []
    for v in data["villages"]:
        if village is not None and v["id"] != village:
            continue
        due_soon, overdue, published = [], [], []
        for it in v["items"]:
            due = dt.date.fromisoformat(it["due"])
            entry = {"id": it["id"], "title": it["title"], "due": it["due"], "url": it.get("url")}
            if it["state"] in ("not_due", "missing") and as_of <= due <= until:
                due_soon.append({**entry, "days_left": (due - as_of).days})
            elif it["state"] == "missing" and due < as_of:
                overdue.append({**entry, "days_late": it.get("days_late") or (as_of - due).days})
            if it.get("published_on") and since <= dt.date.fromisoformat(it["published_on"]) <= as_of:
                late = it["state"] == "late"
                published.append(
                    {
                        **entry,
                        "published_on": it["published_on"],
                        "late": late,
                        "days_late": it.get("days_late") if late else None,
                    }
                )
        due_soon.sort(key=lambda e: (e["due"], e["id"]))
        overdue.sort(key=lambda e: (-e["days_late"], e["id"]))
        published.sort(key=lambda e: (e["published_on"], e["id"]))
        villages.append(
            {
                "id": v["id"],
                "name": v["name"],
                "url": v.get("url"),
                "held_back": bool(v.get("held_back")),
                "due_soon": due_soon,
                "overdue": overdue,
                "published": published,
            }
        )
    return {
        "schema": REMIND_SCHEMA,
        "as_of": as_of.isoformat(),
        "since": since.isoformat(),
        "days": days,
        "township": data["township"],
        "totals": {
            "due_soon": sum(len(v["due_soon"]) for v in villages),
            "overdue": sum(len(v["overdue"]) for v in villages),
            "published": sum(len(v["published"]) for v in villages),
        },
        "villages": villages,
    }


def digest_text(d: dict) -> str:
    """The digest as Chinese text to paste into a WeChat work group: short
    lines, the villages with something to do first, links on their own."""
    as_of = dt.date.fromisoformat(d["as_of"])
    since = dt.date.fromisoformat(d["since"])
    t = d["totals"]
    out = [
        f"【{d['township']['name']}村务公开提醒】{_ymd(as_of)}",
        f"{d['days']}天内到期 {t['due_soon']} 项；逾期未公开 {t['overdue']} 项；"
        f"{_md(since.isoformat(), as_of.year)}以来新公开 {t['published']} 项。",
    ]
    quiet = []
    for v in d["villages"]:
        if not (v["due_soon"] or v["overdue"] or v["published"] or v["held_back"]):
            quiet.append(v["name"])
            continue
        out.append("")
        out.append(f"■ {v['name']}")
        if v["held_back"]:
            out.append("  有错暂缓更新：网站仍是上次通过校验的版本，请尽快改正。")
        if v["overdue"]:
            out.append("  逾期未公开：")
            for e in v["overdue"]:
                out.append(
                    f"  · {e['title']}，应于{_md(e['due'], as_of.year)}前公开，已逾期 {e['days_late']} 天"
                )
        if v["due_soon"]:
            out.append(f"  {d['days']}天内到期：")
            for e in v["due_soon"]:
                left = "今天到期" if e["days_left"] == 0 else f"还有 {e['days_left']} 天"
                out.append(f"  · {e['title']}，{_md(e['due'], as_of.year)}前（{left}）")
        if v["published"]:
            out.append("  新公开：")
            for e in v["published"]:
                late = f"，迟 {e['days_late']} 天" if e["late"] and e["days_late"] else ""
                out.append(f"  · {e['title']}（{_md(e['published_on'], as_of.year)}{late}）")
                if e["url"]:
                    out.append(f"    {e['url']}")
    if quiet:
        out.append("")
        out.append(f"无待办事项：{'、'.join(quiet)}")
    out.append("")
    out.append(f"各村情况：{d['township']['base_url']}")
    return "\n".join(out) + "\n"
