"""The annual budget (年度预算) and the year-end accounts (年度决算) of a village.

A budget is planned income and spending by account for one year, approved
through the four-deliberations procedure (四议两公开). An adjustment during
the year (预算调整) goes through the same procedure: it is recorded in the
same file as a new entry of ``adjustments`` (its date, reason, resolution
and the new planned amounts of the accounts it changes), never by editing
the original lines, so the page shows the original budget and each
adjustment, and every change after approval is explained.

The year-end accounts report the year's actual income and spending by
account; their totals must equal the sum of the year's statements.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from pydantic import Field

from .base import Disclosure, Model
from .finance import SignOff, Totals
from .types import AccountCode, Date, Int, Money, Text


class BudgetLine(Model):
    """One account's planned (or, in year-end accounts, actual) amount for the year."""

    account: AccountCode = Field(description="会计科目代码（3 位或 5 位明细科目），如 513 或 51301")
    amount: Money = Field(description='全年金额（元），写成带引号的文字，如 "12000.00"')
    note: Text | None = Field(default=None, description="说明（用途、测算依据）")


class BudgetAdjustment(Model):
    """One budget adjustment (预算调整): approved again through 四议两公开."""

    date: Date = Field(description="调整方案审核公开日期 YYYY-MM-DD")
    resolution_date: Date = Field(description="村民（代表）会议通过调整方案的日期")
    reason: Text = Field(description="调整原因")
    income: list[BudgetLine] = Field(
        default_factory=list, description="调整后的收入科目金额（只写有变化或新增的科目）"
    )
    expense: list[BudgetLine] = Field(
        default_factory=list, description="调整后的支出科目金额（只写有变化或新增的科目）"
    )
    totals: Totals = Field(description="调整后全年收入、支出合计")


class Budget(Disclosure):
    """``villages/<id>/budget/YYYY.yaml``: one year's budget and its adjustments."""

    year: Int = Field(description="预算年度，如 2026，须与文件名一致")
    title: Text | None = Field(default=None, description="标题；不填则为“××村××年度预算”")
    resolution_date: Date | None = Field(
        default=None, description="村民（代表）会议通过预算的日期（四议两公开）；审核公开时必填"
    )
    income: list[BudgetLine] = Field(default_factory=list, description="预算收入（按科目）")
    expense: list[BudgetLine] = Field(default_factory=list, description="预算支出（按科目）")
    totals: Totals = Field(description="预算收入、支出合计")
    signoff: SignOff = Field(description="签字：编制（报账员）、监督、审批、记账")
    adjustments: list[BudgetAdjustment] = Field(
        default_factory=list, description="预算调整：每次调整新增一条（日期、原因、决议日期、调整后的金额）"
    )
    note: Text | None = Field(default=None, description="说明")

    @property
    def change_records(self) -> int:
        """An adjustment, approved again, explains a change as a correction does."""
        return len(self.corrections) + len(self.adjustments)

    @property
    def last_changed(self) -> dt.date | None:
        dates = [a.date for a in self.adjustments]
        base = super().last_changed
        if base is not None:
            dates.append(base)
        return max(dates) if dates else None

    def plan(self, upto: int | None = None) -> dict[str, dict[str, Decimal]]:
        """Planned amount per account, section by section ("income", "expense"),
        after the first ``upto`` adjustments (all of them when None)."""
        out: dict[str, dict[str, Decimal]] = {}
        for section in ("income", "expense"):
            lines = {ln.account: ln.amount for ln in getattr(self, section)}
            for adj in self.adjustments[:upto]:
                for ln in getattr(adj, section):
                    lines[ln.account] = ln.amount
            out[section] = lines
        return out


class YearEnd(Disclosure):
    """``villages/<id>/yearend/YYYY.yaml``: the year's actual income and spending by account."""

    year: Int = Field(description="决算年度，如 2025，须与文件名一致")
    title: Text | None = Field(default=None, description="标题；不填则为“××村××年度决算”")
    resolution_date: Date | None = Field(default=None, description="村民（代表）会议审议决算的日期")
    opening_balance: Money = Field(description="年初余额（全年第一期财务公开的期初余额）")
    income: list[BudgetLine] = Field(default_factory=list, description="全年实际收入（按科目）")
    expense: list[BudgetLine] = Field(default_factory=list, description="全年实际支出（按科目）")
    totals: Totals = Field(description="全年收入、支出合计")
    pass_through_net: Money = Field(default=Decimal("0"), description="全年代收代付净额（代收 − 代付）")
    closing_balance: Money = Field(
        description="年末余额 = 年初 + 收入 − 支出 + 代收代付净额，转入下一年第一期的期初余额"
    )
    signoff: SignOff = Field(description="签字：编制（报账员）、监督、审批、记账")
    note: Text | None = Field(default=None, description="说明")
