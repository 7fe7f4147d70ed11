"""Year-end accounts (年度决算): the section, a page per year, the open-data rows.

The page puts the budget, its adjustments and the actual side by side per
account, and shows the closing balance carried into the next year's first
statement.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from ...load.document import Doc
from ...words import date_zh, money
from ..budgets import SECTIONS, Row, book_to, budget_of, totals
from ..common import Output, signoff_data, text
from ..numerals import capital_yuan
from ..site import KindPages
from ..urls import rel_link


class YearEndPages(KindPages):
    kind = "yearend"

    def title(self, doc: Doc) -> str:
        m = doc.model
        return m.title or f"{self.site.v.name}{m.year}年度决算"

    def meta(self, doc: Doc) -> str:
        m = doc.model
        return f"全年收入 {money(m.totals.income)} · 全年支出 {money(m.totals.expense)} · 年末 {money(m.closing_balance)}"

    def account_name(self, code: str) -> str:
        accounts = self.site.ctx.accounts
        acc = accounts.get(code) or (accounts.get(code[:3]) if len(code) == 5 else None)
        return acc.name if acc else ""

    def section(self) -> Output:
        site = self.site
        index = "yearend/index.html"
        return Output(
            index,
            "section",
            site.page(
                index,
                "yearend",
                "年度决算",
                "yearend",
                items=[site.summary(d, index) for d in reversed(self.docs)],
                intro="年度决算按科目列出全年实际收支，与年初预算、预算调整逐项对照；"
                "各科目合计等于全年各期财务公开之和，年末余额转入下一年第一期。",
            ),
        )

    def _rows(self, doc: Doc) -> dict[str, list[Row]]:
        """Per section: each line of the final budget with the year-end actual
        booked to it, then the accounts the budget did not have."""
        m = doc.model
        bdoc = budget_of(self.site.published("budget"), m.year)
        final = bdoc.model.plan() if bdoc is not None else {"income": {}, "expense": {}}
        out: dict[str, list[Row]] = {}
        for section, _ in SECTIONS:
            plan = final[section]
            rows = {code: Row(code, self.account_name(code), amount) for code, amount in sorted(plan.items())}
            extra: dict[str, Row] = {}
            for ln in getattr(m, section):
                code = book_to(ln.account, plan)
                row = (
                    rows[code]
                    if code is not None
                    else extra.setdefault(ln.account, Row(ln.account, self.account_name(ln.account), None))
                )
                row.actual += ln.amount
            out[section] = list(rows.values()) + [extra[k] for k in sorted(extra)]
        return out

    def page(self, doc: Doc, name: str, **extra: Any) -> Output:
        site = self.site
        m = doc.model
        rows = self._rows(doc)
        bdoc = budget_of(site.published("budget"), m.year)
        original = bdoc.model.plan(0) if bdoc is not None else {"income": {}, "expense": {}}
        nxt = next((d for d in site.finance if d.model.period.year == m.year + 1), None)
        statements = [d for d in site.finance if d.model.period.year == m.year]
        sections = []
        for section, zh in SECTIONS:
            lines = []
            for r in rows[section]:
                d = r.data()
                was = original[section].get(r.account)
                if bdoc is not None and bdoc.model.adjustments and r.plan is not None and was != r.plan:
                    d["was"] = money(was) if was is not None else "未列入"
                lines.append(d)
            total = totals(rows[section])
            was_total = sum(original[section].values(), Decimal(0))
            if bdoc is not None and bdoc.model.adjustments and money(was_total) != total["plan"]:
                total["was"] = money(was_total)
            sections.append({"id": section, "title": zh, "lines": lines, "total": total})
        notes = [
            {"account": ln.account, "name": self.account_name(ln.account), "note": ln.note}
            for ln in m.income + m.expense
            if ln.note
        ]
        data = site.page(
            name,
            f"yearend/{m.year}",
            self.title(doc),
            "yearend",
            year=m.year,
            resolution=date_zh(m.resolution_date) if m.resolution_date else "",
            sections=sections,
            notes=notes,
            budget_href=rel_link(name, bdoc.url_path) if bdoc is not None else "",
            budget_title=site.title(bdoc) if bdoc is not None else "",
            budget_adjustments=[
                {"n": i + 1, "date": date_zh(a.date), "reason": a.reason}
                for i, a in enumerate(bdoc.model.adjustments)
            ]
            if bdoc is not None
            else [],
            opening=money(m.opening_balance),
            closing=money(m.closing_balance),
            income_total=money(m.totals.income),
            expense_total=money(m.totals.expense),
            pass_net=money(m.pass_through_net) if m.pass_through_net else "",
            closing_capital=capital_yuan(m.closing_balance),
            statements=len(statements),
            next_href=rel_link(name, nxt.url_path) if nxt is not None else "",
            next_title=site.title(nxt) if nxt is not None else "",
            next_opening=money(nxt.model.opening_balance) if nxt is not None else "",
            signoff=signoff_data(m.signoff),
            signoff_label="编制（报账员）",
            note=m.note or "",
            **{**site.doc_links(doc, name), **extra},
        )
        return Output(
            name, "yearend", data, sources=(doc.rel,), doc=site.key_of(doc), poster=self.spec.poster
        )

    def open_rows(self, doc: Doc) -> list[dict[str, str]]:
        m = doc.model
        rows = self._rows(doc)
        bdoc = budget_of(self.site.published("budget"), m.year)
        original = bdoc.model.plan(0) if bdoc is not None else {"income": {}, "expense": {}}
        notes = {ln.account: ln.note for ln in m.income + m.expense}
        out = []
        for section, zh in SECTIONS:
            for r in rows[section]:
                out.append(
                    {
                        "section": zh,
                        "account": r.account,
                        "account_name": r.name,
                        "budget": text(original[section].get(r.account)),
                        "adjusted": text(r.plan),
                        "amount": text(r.actual),
                        "note": text(notes.get(r.account)),
                    }
                )
        return out
