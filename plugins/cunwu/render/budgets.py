"""Actual against budget: the year-to-date actual of each budget line.

A statement's line books to the budget line of its own account, else of its
parent account (51301 to a line on 513); a line with neither is unbudgeted
spending (or income), shown apart and marked. Used by the finance pages (per
account, year to date), the village home (one bar for the year), the budget
page and the year-end accounts.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from ..load.document import Doc
from ..model.budget import Budget
from ..words import money

SECTIONS = (("income", "收入"), ("expense", "支出"))


@dataclass
class Row:
    account: str
    name: str
    plan: Decimal | None  # None: no budget line (unbudgeted)
    actual: Decimal = Decimal(0)
    #: period -> actual in that period, for messages and the year-end page
    periods: dict[str, Decimal] = field(default_factory=dict)

    @property
    def share(self) -> Decimal | None:
        if self.plan is None or self.plan == 0:
            return None
        return (self.actual * 100 / self.plan).quantize(Decimal("0.1"))

    @property
    def over(self) -> bool:
        return self.plan is not None and self.actual > self.plan

    def data(self) -> dict[str, Any]:
        share = self.share
        return {
            "account": self.account,
            "name": self.name,
            "plan": money(self.plan) if self.plan is not None else "",
            "actual": money(self.actual),
            "share": f"{share}%" if share is not None else ("—" if self.plan is not None else ""),
            # the bar's width, capped at the box; the figure says the rest
            "width": f"{min(share, Decimal(100)):.0f}"
            if share is not None
            else ("100" if self.over else "0"),
            "over": self.over,
            "unbudgeted": self.plan is None,
            "left": money(self.plan - self.actual) if self.plan is not None else "",
        }


def book_to(code: str, plan: dict[str, Decimal]) -> str | None:
    """The budget line a statement's account books to, or None."""
    if code in plan:
        return code
    if len(code) == 5 and code[:3] in plan:
        return code[:3]
    return None


def compare(
    budget: Budget | None, statements: list[Any], name_of: Any, upto: int | None = None
) -> dict[str, list[Row]]:
    """Rows per section ("income", "expense"): each budget line with its actual
    over ``statements``, then the unbudgeted accounts."""
    plan = budget.plan(upto) if budget is not None else {"income": {}, "expense": {}}
    out: dict[str, list[Row]] = {}
    for section, _ in SECTIONS:
        lines = plan[section]
        rows = {code: Row(code, name_of(code), amount) for code, amount in sorted(lines.items())}
        extra: dict[str, Row] = {}
        for st in statements:
            for ln in getattr(st, section):
                code = book_to(ln.account, lines)
                row = (
                    rows[code]
                    if code is not None
                    else extra.setdefault(ln.account, Row(ln.account, name_of(ln.account), None))
                )
                row.actual += ln.amount
                p = str(st.period)
                row.periods[p] = row.periods.get(p, Decimal(0)) + ln.amount
        out[section] = list(rows.values()) + [extra[k] for k in sorted(extra)]
    return out


def totals(rows: list[Row]) -> dict[str, Any]:
    plan = sum((r.plan for r in rows if r.plan is not None), Decimal(0))
    actual = sum((r.actual for r in rows), Decimal(0))
    return Row("", "合计", plan, actual).data()


def budget_of(budgets: list[Doc], year: int) -> Doc | None:
    return next((d for d in budgets if d.model.year == year), None)


def year_to_date(finance: list[Doc], year: int, upto: Any) -> list[Any]:
    """The statements of ``year`` up to and including period ``upto``."""
    return [d.model for d in finance if d.model.period.year == year and d.model.period <= upto]
