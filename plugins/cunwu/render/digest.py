"""The villagers' monthly digest: a short Chinese text and a picture card per
village and month, for the village's WeChat group.

A month's digest is about the disclosures *of* that month (their archive
month, as posters and ``cunwu print --month``): what was published, with the
month's headline figures (income, spending, how many rows the month's
benefit rosters hold); what was corrected during the month; and what the
village still owes (the completeness data, CONTRACT-completeness.md).

Counts, totals, titles and links only: no recipient's name, no ID, no
correction reason (a reason is free text and may name someone).

Two halves, as for completeness: :func:`month_facts` runs in the village's
task and is kept in its cached summary (it needs the loaded disclosures);
:func:`villager_digest` runs at the township root for the months of the
print window, from those facts and the completeness data.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from ..kinds import KINDS
from ..validate.project import TownshipContext, VillageBundle
from ..words import money
from .common import doc_month
from .urls import village_base_url

DIGEST_SCHEMA = "cunwu-digest/1"


def _title(ctx: TownshipContext, doc: Any) -> str:
    """A disclosure's title without the village's name (the digest says it once)."""
    m = doc.model
    if doc.kind == "finance":
        return f"{m.period.label}财务公开"
    if doc.kind == "subsidy":
        program = ctx.programs.get(m.program)
        return f"{m.period.label}{program.name if program else m.program}名单"
    if doc.kind in ("budget", "yearend"):  # yearly kinds: the year, the kind's name
        title = f"{m.year}{KINDS[doc.kind].title}"
        adjustments = getattr(m, "adjustments", None)
        if adjustments:
            last = adjustments[-1].date
            title += f"（{last.month}月{last.day}日调整）"
        return title
    return str(getattr(m, "title", "") or doc.key)


def month_facts(ctx: TownshipContext, bundle: VillageBundle) -> dict[str, Any]:
    """What the digests of a village need from its disclosures, small and
    JSON-able (kept in the build cache): every approved disclosure's month,
    title, URL, approval and correction dates; each month's figures."""
    base = village_base_url(ctx, bundle.id, bundle.village)
    docs = []
    figures: dict[str, dict[str, Any]] = {}
    for d in bundle.disclosures():
        m = d.model
        if d.kind == "power" or getattr(m, "status", "") != "approved":
            continue
        month = doc_month(d)
        docs.append(
            {
                "key": f"{d.kind}:{d.key}",
                "month": month,
                "title": _title(ctx, d),
                "url": base + d.url_path,
                "approved_on": m.approved_on.isoformat() if m.approved_on else "",
                "corrected": [c.date.isoformat() for c in getattr(m, "corrections", None) or []],
            }
        )
        f = figures.setdefault(month, {})
        if d.kind == "finance":
            f["period"] = m.period.label
            f["income"] = str(m.income_sum)
            f["expense"] = str(m.expense_sum)
        elif d.kind == "subsidy":
            f["recipients"] = f.get("recipients", 0) + len(m.recipients)
            f["rosters"] = f.get("rosters", 0) + 1
    docs.sort(key=lambda x: (x["month"], x["key"]))
    return {"docs": docs, "figures": figures, "cadence": bundle.village.cadence}


def window_months(as_of: dt.date, n: int) -> list[str]:
    """The ``n`` months up to ``as_of``'s, oldest first (cunwu.yaml
    ``print.window_months``: the months posters are made for)."""
    y, m, out = as_of.year, as_of.month, []
    for _ in range(n):
        out.append(f"{y}-{m:02d}")
        y, m = (y - 1, 12) if m == 1 else (y, m - 1)
    return out[::-1]


def _month_label(month: str) -> str:
    y, m = month.split("-")
    return f"{int(y)}年{int(m)}月"


def villager_digest(
    township: dict, village: dict, facts: dict[str, Any], month: str, as_of: dt.date
) -> dict[str, Any]:
    """The digest of ``month`` (YYYY-MM) for one village, as data.
    ``township`` and ``village`` are the completeness data's (the contract's)
    township and village."""
    docs = facts.get("docs", [])
    published = [
        {"title": d["title"], "url": d["url"], "approved_on": d["approved_on"]}
        for d in docs
        if d["month"] == month
    ]
    corrected = [
        {"title": d["title"], "url": d["url"], "on": c}
        for d in docs
        for c in d["corrected"]
        if c[:7] == month
    ]
    owed = [
        {"title": it["title"], "due": it["due"], "days_late": it.get("days_late")}
        for it in village.get("items", [])
        if it["state"] == "missing"
    ]
    owed.sort(key=lambda o: (o["due"], o["title"]))
    f = facts.get("figures", {}).get(month, {})
    # the month's statement, when it is not published: owed, or not due yet
    state = next(
        (it["state"] for it in village.get("items", []) if it["kind"] == "finance" and it["period"] == month),
        "",
    )
    figures = {
        "finance_state": state,
        "period": f.get("period", ""),
        "income": f.get("income"),
        "expense": f.get("expense"),
        "recipients": f.get("recipients"),
        "rosters": f.get("rosters", 0),
    }
    return {
        "schema": DIGEST_SCHEMA,
        "township": township["name"],
        "village": village["name"],
        "village_id": village["id"],
        "url": village.get("url") or "",
        "cadence": facts.get("cadence", "monthly"),
        "month": month,
        "month_label": _month_label(month),
        "as_of": as_of.isoformat(),
        "figures": figures,
        "published": published,
        "corrected": corrected,
        "owed": owed,
    }


def yuan(value: str | None) -> str:
    return "" if value is None else f"{money(Decimal(value))} 元"


def digest_text(d: dict[str, Any]) -> str:
    """The digest as a short text to paste into the village's WeChat group."""
    f = d["figures"]
    as_of = dt.date.fromisoformat(d["as_of"])
    out = [f"【{d['village']} {d['month_label']}村务公开】"]
    figs = []
    if f["income"] is not None:
        figs.append(f"{f['period']}收入 {yuan(f['income'])}，支出 {yuan(f['expense'])}")
    if f["recipients"] is not None:
        figs.append(f"惠民资金名单 {f['rosters']} 份、共 {f['recipients']} 户（人）")
    if figs:
        out.append("；".join(figs) + "。")
    if d["published"]:
        out.append(f"本月公开 {len(d['published'])} 项：")
        for p in d["published"]:
            out.append(f"· {p['title']} {p['url']}")
    else:
        out.append("本月还没有公开的内容。")
    if d["corrected"]:
        out.append(f"本月更正 {len(d['corrected'])} 处（页面上写明了改了什么、为什么改）：")
        for c in d["corrected"]:
            on = dt.date.fromisoformat(c["on"])
            out.append(f"· {c['title']}（{on.month}月{on.day}日更正）{c['url']}")
    if d["owed"]:
        out.append(f"截至{as_of.month}月{as_of.day}日仍未公开 {len(d['owed'])} 项：")
        for o in d["owed"]:
            due = dt.date.fromisoformat(o["due"])
            out.append(f"· {o['title']}（应于{due.year}年{due.month}月{due.day}日前公开）")
    out.append(f"全部公开内容：{d['url']}")
    return "\n".join(out) + "\n"


def card_data(d: dict[str, Any]) -> dict[str, Any]:
    """What the picture card shows: the few things readable when WeChat shows it small."""
    f = d["figures"]
    # a quarterly village's statement belongs to the quarter's last month
    none = {"not_due": "未到期", "exempt": "免于公开"}.get(f.get("finance_state", ""), "未公开")
    if d.get("cadence") == "quarterly" and not f.get("finance_state"):
        none = "按季度公开"
    return {
        "village": d["village"],
        "township": d["township"],
        "title": f"{d['month_label']}村务公开",
        "figures": [
            ("收入", yuan(f["income"]) if f["income"] is not None else none),
            ("支出", yuan(f["expense"]) if f["expense"] is not None else none),
            ("补贴名单", f"{f['recipients']} 户（人）" if f["recipients"] is not None else "无"),
        ],
        "period": f["period"],
        "counts": f"本月公开 {len(d['published'])} 项 · 更正 {len(d['corrected'])} 处 · 未公开 {len(d['owed'])} 项",
        "url": d["url"],
    }
