"""Annual budgets (年度预算): the section, a page per year, the open-data rows.

The page shows the original budget, each adjustment (its date, resolution,
reason and what it changed) and the budget in force, with the year-to-date
actual of each line from the year's published statements.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from ...load.document import Doc
from ...words import date_zh, money
from ..budgets import SECTIONS, compare, totals
from ..common import Output, signoff_data, text
from ..numerals import capital_yuan
from ..site import KindPages


class BudgetPages(KindPages):
    kind = "budget"

    def title(self, doc: Doc) -> str:
        m = doc.model
        return m.title or f"{self.site.v.name}{m.year}年度预算"

    def meta(self, doc: Doc) -> str:
        m = doc.model
        plan = m.plan()
        income = sum(plan["income"].values(), Decimal(0))
        expense = sum(plan["expense"].values(), Decimal(0))
        adj = f" · 调整 {len(m.adjustments)} 次" if m.adjustments else ""
        return f"预算收入 {money(income)} · 预算支出 {money(expense)}{adj}"

    def account_name(self, code: str) -> str:
        accounts = self.site.ctx.accounts
        acc = accounts.get(code) or (accounts.get(code[:3]) if len(code) == 5 else None)
        return acc.name if acc else ""

    def section(self) -> Output:
        site = self.site
        index = "budget/index.html"
        return Output(
            index,
            "section",
            site.page(
                index,
                "budget",
                "年度预算",
                "budget",
                items=[site.summary(d, index) for d in reversed(self.docs)],
                intro="每年的预算经村民（代表）会议通过（四议两公开）后公开；年中调整预算须再经同样程序，"
                "每次调整单列公开。各期财务公开按科目列出本年实际收支与预算的对比。",
            ),
        )

    def page(self, doc: Doc, name: str, **extra: Any) -> Output:
        site = self.site
        m = doc.model
        stages = [m.plan(0)] + [m.plan(i + 1) for i in range(len(m.adjustments))]
        statements = [d.model for d in site.finance if d.model.period.year == m.year]
        rows = compare(m, statements, self.account_name)
        sections = []
        for section, zh in SECTIONS:
            lines = []
            for r in rows[section]:
                d = r.data()
                d["stages"] = [
                    money(s[section][r.account]) if r.account in s[section] else "" for s in stages
                ]
                d["changed"] = len(stages) > 1 and d["stages"][0] != d["stages"][-1]
                d["was"] = (d["stages"][0] or "未列入") if d["changed"] else ""
                lines.append(d)
            total = totals(rows[section])
            total["stages"] = [money(sum(s[section].values(), Decimal(0))) for s in stages]
            total["was"] = total["stages"][0] if total["stages"][0] != total["stages"][-1] else ""
            sections.append({"id": section, "title": zh, "lines": lines, "total": total})
        adjustments = []
        for i, adj in enumerate(m.adjustments):
            before = stages[i]
            changes = []
            for section, zh in SECTIONS:
                for ln in getattr(adj, section):
                    old = before[section].get(ln.account)
                    changes.append(
                        {
                            "section": zh,
                            "account": ln.account,
                            "name": self.account_name(ln.account),
                            "before": money(old) if old is not None else "（新增科目）",
                            "after": money(ln.amount),
                            "delta": money(ln.amount - (old or Decimal(0))),
                            "note": ln.note or "",
                        }
                    )
            adjustments.append(
                {
                    "n": i + 1,
                    "date": date_zh(adj.date),
                    "resolution": date_zh(adj.resolution_date),
                    "reason": adj.reason,
                    "changes": changes,
                    "income": money(adj.totals.income),
                    "expense": money(adj.totals.expense),
                    "before_income": money(sum(before["income"].values(), Decimal(0))),
                    "before_expense": money(sum(before["expense"].values(), Decimal(0))),
                }
            )
        latest = statements[-1].period.label if statements else ""
        current = stages[-1]
        data = site.page(
            name,
            f"budget/{m.year}",
            self.title(doc),
            "budget",
            year=m.year,
            resolution=date_zh(m.resolution_date) if m.resolution_date else "",
            stage_titles=["年初预算"] + [f"第{i + 1}次调整后" for i in range(len(m.adjustments))],
            sections=sections,
            adjustments=adjustments,
            actual_upto=latest,
            income_total=money(sum(current["income"].values(), Decimal(0))),
            expense_total=money(sum(current["expense"].values(), Decimal(0))),
            income_capital=capital_yuan(sum(current["income"].values(), Decimal(0))),
            expense_capital=capital_yuan(sum(current["expense"].values(), Decimal(0))),
            notes=[
                {"account": ln.account, "name": self.account_name(ln.account), "note": ln.note}
                for ln in m.income + m.expense
                if ln.note
            ],
            signoff=signoff_data(m.signoff),
            signoff_label="编制（报账员）",
            note=m.note or "",
            **{**site.doc_links(doc, name), **extra},
        )
        return Output(name, "budget", data, sources=(doc.rel,), doc=site.key_of(doc), poster=self.spec.poster)

    def open_rows(self, doc: Doc) -> list[dict[str, str]]:
        m = doc.model
        out = []
        stages = [("年初预算", m.approved_on, m.income, m.expense)] + [
            (f"第{i + 1}次调整", a.date, a.income, a.expense) for i, a in enumerate(m.adjustments)
        ]
        for stage, day, income, expense in stages:
            for section, lines in (("收入", income), ("支出", expense)):
                for ln in lines:
                    out.append(
                        {
                            "section": section,
                            "stage": stage,
                            "date": day.isoformat() if day else "",
                            "account": ln.account,
                            "account_name": self.account_name(ln.account),
                            "amount": text(ln.amount),
                            "note": text(ln.note),
                        }
                    )
        return out
