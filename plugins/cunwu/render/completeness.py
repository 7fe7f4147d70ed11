"""Completeness: every item each village owed by the disclosure calendar, and its state.

Two halves, so that an incremental build never loads a village it did not
rebuild:

* :func:`village_facts` (in the village's task, kept in its cached summary):
  the small facts of what the village published: per item its period, the
  approval date typed in the file and the date of the first commit of the
  published line that holds an approved version; its 党务 and topic
  notices; its projects; its first income line on account 50101.
* :func:`village_items` (on the township index, for every village, cheap):
  the calendar applied to those facts on a date.

The clock (cunwu.yaml ``calendar.migration``; without one, the typed date
counts as it always did): an item due on or after the
migration date is on time when the approved version's commit is on or before
the due day (the date typed in the file does not count: it can be
backdated). An item due before it was brought over from paper: its typed
``approved_on`` counts, and it is marked 补录. Without git history the
typed date counts for every item.
"""

from __future__ import annotations

import calendar as _cal
import datetime as dt
import functools
from dataclasses import dataclass
from typing import Any

from ..model.calendar import PROJECT_STEPS, STEP_ZH, Calendar, CalendarItem
from ..model.types import Period

SCHEMA = "cunwu-completeness/1"
STATES = ("on_time", "late", "missing", "not_due", "exempt", "backfilled", "held")
STATE_ZH = {
    "on_time": "按时",
    "late": "迟报",
    "missing": "未公开",
    "not_due": "未到期",
    "exempt": "豁免",
    "backfilled": "补录",
    "held": "有错暂缓",
}
#: items shown ahead of today (feeds and reminders list what is coming)
AHEAD_DAYS = 60
WINDOW_MONTHS = 12
DEFINITION = (
    "完成率 = 近12个月内按时公开的项数 ÷ 同期已到期的应公开项数。"
    "按时：审核版本提交到 Git 的日期不晚于截止日（启用日期之前到期的纸质补录项，以填写的审核日期为准）。"
    "迟报、未公开、有错暂缓都不算按时；豁免项不计入应公开项数，也不算已公开；"
    "未到期的不计入。只要有一项未公开，完成率就不会是 100%。"
)
ASSET_TOPICS = ("资产租赁", "资产处置")
NONE = ("", "")
#: ISO date text -> date (a county's items share a few hundred dates)
_day = functools.lru_cache(maxsize=8192)(dt.date.fromisoformat)
#: the URL segment of each calendar kind's pages
SEGMENT = {
    "finance": "finance",
    "subsidy": "subsidies",
    "notice": "notices",
    "budget": "budget",
    "yearend": "yearend",
}
KIND_ZH = {
    "finance": "财务公开",
    "subsidy": "惠民资金公示",
    "notice": "公告",
    "budget": "预算公开",
    "yearend": "年终决算公开",
}


# ---------------------------------------------------------------- facts (per village, cached)


def _dates(doc: Any, histories: dict) -> list[str]:
    """[typed approval date, commit date of the first committed approved version]."""
    m = doc.model
    typed = m.approved_on.isoformat() if m.status == "approved" and m.approved_on else ""
    commit = ""
    dh = histories.get(f"{doc.kind}:{doc.key}")
    if dh is not None and dh.from_git:
        commit = next((st.date[:10] for _, st in dh.versions if st.commit), "")
    return [typed, commit]


def village_facts(bundle: Any) -> dict:
    """What completeness needs to know of one village, JSON-able and small."""
    v = bundle.village
    h = bundle.histories
    series: dict[str, dict[str, list[str]]] = {"finance": {}}
    for d in bundle.finance:
        series["finance"][str(d.model.period)] = _dates(d, h)
    for d in bundle.rosters:
        series.setdefault(f"subsidy:{d.model.program}", {})[str(d.model.period)] = _dates(d, h)
    for kind in ("budget", "yearend"):  # a budget counts from its first approval, not an adjustment
        for d in bundle.of(kind):
            series.setdefault(kind, {})[str(d.model.year)] = _dates(d, h)
    notices = [
        [d.model.slug, d.model.kind, d.model.topic or "", d.model.date.isoformat(), *_dates(d, h)]
        for d in bundle.notices
    ]
    first_income = ""
    for d in bundle.finance:
        for line in d.model.income:
            if str(line.account).startswith("50101"):
                day = line.date.isoformat()
                if not first_income or day < first_income:
                    first_income = day
    projects = []
    for pl in bundle.of("projects"):
        for p in pl.model.projects:
            projects.append(
                {
                    "id": p.id,
                    "name": p.name,
                    "type": p.type,
                    "steps": {s: getattr(p, s) for s in (*PROJECT_STEPS, "notice") if getattr(p, s)},
                    "income_from": p.income_from.isoformat() if p.income_from else "",
                }
            )
    return {
        "cadence": v.cadence,
        "since": str(v.since) if v.since else "",
        "recurring": list(v.recurring),
        "git": any(dh.from_git for dh in h.values()),
        "series": series,
        "notices": notices,
        "first_income_50101": first_income,
        "projects": projects,
    }


# ---------------------------------------------------------------- items (per village, on a date)


@dataclass
class Item:
    id: str
    kind: str
    title: str
    period: str
    due: dt.date
    state: str = "missing"
    days_late: int | None = None
    published_on: str | None = None
    typed_on: str | None = None
    url: str | None = None
    reason: str | None = None
    #: the item id of the calendar (finance, dibao, party, project, asset)
    item: str = ""
    #: True when the typed date and the commit date differ by more than the tolerance
    dates_differ: bool = False

    def as_dict(self) -> dict:
        return {
            "id": self.id,
            "kind": self.kind,
            "title": self.title,
            "period": self.period,
            "due": self.due.isoformat(),
            "state": self.state,
            "days_late": self.days_late,
            "published_on": self.published_on,
            "typed_on": self.typed_on,
            "url": self.url,
            "reason": self.reason,
        }


def _add_months(year: int, month: int, n: int) -> tuple[int, int]:
    k = year * 12 + month - 1 + n
    return k // 12, k % 12 + 1


def window(as_of: dt.date) -> tuple[dt.date, str, str]:
    """The scored window: the 12 months up to and including as-of's month."""
    y, m = _add_months(as_of.year, as_of.month, -(WINDOW_MONTHS - 1))
    return dt.date(y, m, 1), f"{y}-{m:02d}", f"{as_of.year}-{as_of.month:02d}"


@functools.lru_cache(maxsize=256)
def _schedule(
    every: str, months: tuple[int, ...], due_day: int, lo: dt.date, hi: dt.date
) -> tuple[tuple[str, str, dt.date, dt.date, str, str], ...]:
    """(period, label, due, start, first day ISO, last day ISO) of every month or
    quarter due in [lo, hi]: the same for every village, so worked out once a build."""
    quarterly = every == "quarter"
    p = Period(lo.year - 1, quarter=1) if quarterly else Period(lo.year - 1, month=1)
    out = []
    while p.start <= hi:
        due = p.due_date(due_day)
        if (not months or p.last_month in months) and lo <= due <= hi:
            out.append((str(p), p.label, due, p.start, p.start.isoformat(), p.end.isoformat()))
        p = p.next()
    return tuple(out)


def _year_due(item: CalendarItem, year: int) -> dt.date:
    assert item.due is not None
    mm, dd = (int(x) for x in item.due.split("-"))
    y = year + 1 if item.kind == "yearend" else year
    return dt.date(y, mm, min(dd, _cal.monthrange(y, mm)[1]))


class Clock:
    """When did an item count as published, and by which rule."""

    def __init__(self, cal: Calendar, as_of: dt.date, git: bool):
        self.migration = cal.migration
        self.tolerance = cal.tolerance_days
        self.as_of = as_of
        self.as_of_iso = as_of.isoformat()
        self.git = git

    def known(self, typed: str, commit: str) -> bool:
        """Whether an approved disclosure exists on as-of (to start or take an
        event's step): committed by then, or typed by then where the typed date counts."""
        if not typed or typed > self.as_of_iso:
            return False
        if not self.git or not commit or self.migration is None or typed < self.migration.isoformat():
            return True
        return commit <= self.as_of_iso

    def judge(self, it: Item, typed: str, commit: str) -> None:
        """Set the item's state from the dates of its approved version ("" when none)."""
        it.typed_on = typed or None
        # no migration date: the typed date counts, as before the clock existed
        backfill = self.migration is not None and it.due < self.migration
        day = typed if backfill or not self.git or self.migration is None else commit
        if typed and commit and typed != commit:
            gap = (_day(typed) - _day(commit)).days
            it.dates_differ = abs(gap) > self.tolerance
        if day and day <= self.as_of_iso:
            it.published_on = day
            late = (_day(day) - it.due).days if day > it.due.isoformat() else 0
            if late > 0:
                it.state, it.days_late = "late", late
            else:
                it.state = "backfilled" if backfill else "on_time"
            return
        if it.due > self.as_of:
            it.state = "not_due"
        else:
            it.state, it.days_late = "missing", (self.as_of - it.due).days


def effective_items(cal: Calendar, facts: dict) -> list[CalendarItem]:
    """The calendar's items; without any, what cunwu counted before the calendar
    existed: finance statements by the village's cadence and each roster the
    village declares recurring, monthly."""
    if cal.items:
        return list(cal.items)
    return [CalendarItem(id="finance", kind="finance")] + [
        CalendarItem(id=pid, kind="subsidy", program=pid, every="month") for pid in facts.get("recurring", [])
    ]


def _applies(item: CalendarItem, vid: str, facts: dict) -> bool:
    if item.villages and vid not in item.villages:
        return False
    return not (item.recurring_only and item.program not in facts["recurring"])


def _notice_match(item: CalendarItem, n: list) -> bool:
    return (item.category is None or n[1] == item.category) and (item.topic is None or n[2] == item.topic)


def village_items(
    vid: str,
    facts: dict,
    cal: Calendar,
    due_day: int,
    as_of: dt.date,
    base_url: str,
    program_names: dict[str, str],
) -> list[Item]:
    """Every item the village owes from the start of the window to 60 days after
    ``as_of``, each judged on ``as_of``."""
    lo, _, _ = window(as_of)
    hi = as_of + dt.timedelta(days=AHEAD_DAYS)
    clock = Clock(cal, as_of, facts.get("git", False))
    since = Period.parse(facts["since"]).start if facts.get("since") else None
    out: list[Item] = []
    # the notices that exist on as-of: a project step committed later has not happened yet
    slugs = {n[0]: n for n in facts["notices"] if clock.known(n[4], n[5])}

    def keep(due: dt.date, start: dt.date) -> bool:
        return lo <= due <= hi and (since is None or start >= since)

    for ci in effective_items(cal, facts):
        if not _applies(ci, vid, facts):
            continue
        title = ci.title or (
            program_names.get(ci.program or "", ci.program or "")
            if ci.kind == "subsidy"
            else KIND_ZH.get(ci.kind, ci.kind)
        )
        if ci.every == "year":
            for year in range(lo.year - 1, hi.year + 1):
                due = _year_due(ci, year)
                if not keep(due, dt.date(year, 1, 1)):
                    continue
                # 2026年度预算公开, not 2026年年度预算公开
                name = f"{year}{title}" if title.startswith("年") else f"{year}年{title}"
                it = Item(f"{vid}/{ci.id}/{year}", ci.kind, name, str(year), due, item=ci.id)
                typed, commit = facts["series"].get(ci.kind, {}).get(str(year), ["", ""])
                if typed or commit:
                    it.url = f"{base_url}{SEGMENT.get(ci.kind, ci.kind)}/{year}/"
                clock.judge(it, typed, commit)
                out.append(it)
            continue
        every = ci.every
        if every == "cadence":
            every = "quarter" if facts["cadence"] == "quarterly" else "month"
        kind = "party" if ci.kind == "notice" and ci.category == "党务" else ci.kind
        sched = _schedule(every, tuple(ci.months), ci.due_day or due_day, lo, hi)
        if ci.kind == "finance":
            series = facts["series"]["finance"]
        elif ci.kind == "subsidy":
            series = facts["series"].get(f"subsidy:{ci.program}", {})
        else:
            series = facts["series"].get(ci.kind, {})
        matching = [n for n in facts["notices"] if _notice_match(ci, n)] if ci.kind == "notice" else []
        for ps, label, due, start, p_first, p_last in sched:
            if since is not None and start < since:
                continue
            it = Item(f"{vid}/{ci.id}/{ps}", kind, f"{label}{title}", ps, due, item=ci.id)
            if ci.kind == "notice":
                hits = [n for n in matching if p_first <= n[3] <= p_last]
                typed, commit = _earliest(hits, clock, due)
                if hits:
                    it.url = f"{base_url}notices/{hits[0][0]}/"
            else:  # finance or a roster
                typed, commit = series.get(ps, NONE)
                if typed or commit:
                    it.url = f"{base_url}{SEGMENT.get(ci.kind, ci.kind)}/{ps}{'-' + (ci.program or '') if ci.kind == 'subsidy' else ''}/"
            clock.judge(it, typed, commit)
            out.append(it)

    # event items: the steps of works projects, the notices of asset deals
    days = cal.project_days
    for pr in facts["projects"]:
        steps = pr["steps"]
        if pr["type"] == "works":
            prev_day: dt.date | None = None
            prev_name = ""
            for step in PROJECT_STEPS:
                slug = steps.get(step)
                n = slugs.get(slug) if slug else None
                if step == "resolution":
                    if n is None:
                        # a step without the resolution before it
                        first = next((s for s in PROJECT_STEPS[1:] if steps.get(s) in slugs), None)
                        if first is not None:
                            fd = dt.date.fromisoformat(slugs[steps[first]][3])
                            it = Item(
                                f"{vid}/project/{pr['id']}/resolution",
                                "project-step",
                                f"{pr['name']}：{STEP_ZH['resolution']}",
                                pr["id"],
                                fd,
                                item="project",
                                reason=f"已有{STEP_ZH[first]}，却没有公开四议两公开的决议",
                            )
                            clock.judge(it, "", "")
                            if lo <= fd:
                                out.append(it)
                            # the first step taken is due on its own date (nothing started its clock)
                            prev_day = fd - dt.timedelta(days=getattr(days, first))
                            prev_name = STEP_ZH["resolution"]
                        continue
                    prev_day = _notice_day(n, clock)
                    prev_name = STEP_ZH[step]
                    continue
                if prev_day is None:
                    break
                due = prev_day + dt.timedelta(days=getattr(days, step))
                it = Item(
                    f"{vid}/project/{pr['id']}/{step}",
                    "project-step",
                    f"{pr['name']}：{STEP_ZH[step]}",
                    pr["id"],
                    due,
                    item="project",
                )
                typed, commit = (n[4], n[5]) if n else ("", "")
                clock.judge(it, typed, commit)
                if n is not None:
                    it.url = f"{base_url}notices/{n[0]}/"
                elif step == "acceptance" and it.state in ("missing", "not_due"):
                    it.reason = f"{prev_name}后未见验收结果公示"
                if due <= hi and (due >= lo or it.state in ("missing", "late")):
                    out.append(it)
                if n is None:
                    break  # later steps wait for this one
                prev_day = _notice_day(n, clock) or due
                prev_name = STEP_ZH[step]
        else:
            res = slugs.get(steps.get("resolution", ""))
            trigger = pr["income_from"] or (res[3] if res else "") or facts.get("first_income_50101", "")
            if not trigger:
                continue
            due = dt.date.fromisoformat(trigger) + dt.timedelta(days=cal.asset_notice_days)
            n = slugs.get(steps.get("notice", ""))
            it = Item(
                f"{vid}/asset/{pr['id']}",
                "asset-notice",
                f"{pr['name']}：{STEP_ZH['notice']}",
                pr["id"],
                due,
                item="asset",
            )
            typed, commit = (n[4], n[5]) if n else ("", "")
            clock.judge(it, typed, commit)
            if n is not None:
                it.url = f"{base_url}notices/{n[0]}/"
            if due <= hi and (due >= lo or it.state in ("missing", "late")):
                out.append(it)
    # income from collective assets with no asset deal declared: a lease notice is owed
    first = facts.get("first_income_50101", "")
    if first and not any(p["type"] == "asset" for p in facts["projects"]):
        due = dt.date.fromisoformat(first) + dt.timedelta(days=cal.asset_notice_days)
        hits = [n for n in facts["notices"] if n[2] in ASSET_TOPICS]
        it = Item(
            f"{vid}/asset/{first[:7]}",
            "asset-notice",
            "集体资产经营收入：资产租赁（处置）公告",
            first[:7],
            due,
            item="asset",
        )
        typed, commit = _earliest(hits, clock, due)
        clock.judge(it, typed, commit)
        if hits:
            it.url = f"{base_url}notices/{hits[0][0]}/"
        if due <= hi and (due >= lo or it.state in ("missing", "late")):
            out.append(it)
    return out


def _notice_day(n: list, clock: Clock) -> dt.date | None:
    """The day a step was taken: the notice's own date."""
    return dt.date.fromisoformat(n[3]) if n and n[3] else None


def _earliest(hits: list, clock: Clock, due: dt.date) -> tuple[str, str]:
    """The dates of the earliest-published notice among ``hits``."""
    best: tuple[str, str] | None = None
    for n in hits:
        typed, commit = n[4], n[5]
        if not typed:
            continue
        typed_clock = clock.migration is None or due < clock.migration or not clock.git
        key = typed if typed_clock else (commit or "9999")
        if best is None or key < best[0]:
            best = (key, f"{typed}\0{commit}")
    if best is None:
        return "", ""
    typed, commit = best[1].split("\0")
    return typed, commit


def apply_exemptions(vid: str, items: list[Item], cal: Calendar) -> None:
    for ex in cal.exemptions:
        if ex.village != vid:
            continue
        for it in items:
            if it.item == ex.item and (ex.period is None or it.period == ex.period):
                it.state, it.days_late, it.published_on = "exempt", None, None
                it.reason = f"{ex.date.isoformat()} 乡镇批准豁免：{ex.reason}"


def hold(items: list[Item], reason: str) -> None:
    """A village held back by an error: what it owes and has not shown is held."""
    for it in items:
        if it.state in ("missing", "late"):
            it.state, it.reason = "held", reason


def score(items: list[Item], as_of: dt.date) -> dict:
    """Items on time ÷ items due in the window (exempt and not-yet-due left out)."""
    lo, _, _ = window(as_of)
    due = [it for it in items if lo <= it.due <= as_of and it.state not in ("exempt", "not_due")]
    due += [
        it for it in items if it.due < lo and it.state in ("missing", "late")
    ]  # event items overdue from before
    on_time = sum(it.state in ("on_time", "backfilled") for it in due)
    n = len(due)
    if n == 0:
        percent = None
    else:
        # never 100 % while anything is missing: round down
        tenths = on_time * 1000 // n
        percent = f"{tenths // 10}.{tenths % 10}"
    return {"on_time": on_time, "due": n, "percent": percent}


def counts(items: list[Item]) -> dict[str, int]:
    out = dict.fromkeys(STATES, 0)
    for it in items:
        out[it.state] += 1
    return out


ORDER = {"held": 0, "missing": 1, "late": 2, "exempt": 3, "backfilled": 4, "on_time": 5, "not_due": 6}


def village_entry(vid: str, name: str, url: str, items: list[Item], as_of: dt.date, held: str | None) -> dict:
    items = sorted(items, key=lambda it: (ORDER[it.state], it.due, it.id))
    return {
        "id": vid,
        "name": name,
        "url": url,
        "held_back": held is not None,
        # why the village is held back (Chinese, quotes nothing from the files), or None
        "held_reason": held,
        "score": score(items, as_of),
        "counts": counts(items),
        "items": [it.as_dict() for it in items],
    }


def sort_worst_first(villages: list[dict]) -> list[dict]:
    def key(v: dict) -> tuple:
        p = v["score"]["percent"]
        return (not v["held_back"], float(p) if p is not None else 101.0, -v["counts"]["missing"], v["id"])

    return sorted(villages, key=key)


def report(township: dict, as_of: dt.date, villages: list[dict]) -> dict:
    _, wfrom, wto = window(as_of)
    return {
        "schema": SCHEMA,
        "generated_for": as_of.isoformat(),
        "township": township,
        "window": {"from": wfrom, "to": wto},
        "definition": DEFINITION,
        "villages": sort_worst_first(villages),
    }


CSV_COLUMNS = (
    "village",
    "village_name",
    "id",
    "kind",
    "title",
    "period",
    "due",
    "state",
    "state_zh",
    "days_late",
    "published_on",
    "typed_on",
    "url",
    "reason",
)


def to_csv(data: dict) -> bytes:
    import csv
    import io

    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(CSV_COLUMNS)
    for v in data["villages"]:
        for it in v["items"]:
            w.writerow(
                [v["id"], v["name"]]
                + [("" if it[c] is None else it[c]) for c in CSV_COLUMNS[2:8]]
                + [STATE_ZH[it["state"]]]
                + [("" if it[c] is None else it[c]) for c in CSV_COLUMNS[9:]]
            )
    return ("\ufeff" + buf.getvalue()).encode("utf-8")


def year_line(
    vid: str, facts: dict, cal: Calendar, due_day: int, as_of: dt.date, base_url: str, names: dict[str, str]
) -> dict:
    """The villager's line: this year, what fell due and what of it is published.

    Derived from the village's own facts, the calendar and the date only, so
    it changes (and re-renders the village's home) only when one of them does."""
    its = village_items(vid, facts, cal, due_day, as_of, base_url, names) if facts else []
    apply_exemptions(vid, its, cal)
    start = dt.date(as_of.year, 1, 1)
    owed = [it for it in its if start <= it.due <= as_of and it.state != "exempt"]
    published = [it for it in owed if it.state in ("on_time", "late", "backfilled")]
    on_time = [it for it in owed if it.state in ("on_time", "backfilled")]
    missing = sorted((it for it in owed if it.state == "missing"), key=lambda it: (it.due, it.id))
    pct = len(published) * 100 // len(owed) if owed else 100
    return {
        "year": as_of.year,
        "owed": len(owed),
        "published": len(published),
        "on_time": len(on_time),
        "percent": pct,
        "missing": [
            {"id": it.id.split("/", 1)[1], "title": it.title, "due": it.due.isoformat()} for it in missing
        ],
    }
