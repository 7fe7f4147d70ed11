"""Finance statements (财务公开): the section, a page per period, the open-data rows."""

from __future__ import annotations

from collections import OrderedDict
from decimal import Decimal
from typing import Any

from ...load.document import Doc
from ...words import date_zh, money
from ..budgets import SECTIONS, budget_of, compare, totals
from ..charts import bar_chart_svg, trend_svg
from ..common import Output, signoff_data, text
from ..numerals import capital_yuan
from ..site import KindPages
from ..urls import rel_link

_SECTION_ZH = {"income": "收入", "expense": "支出", "transfers": "划转", "pass_through": "代收代付"}


class FinancePages(KindPages):
    kind = "finance"

    def title(self, doc: Doc) -> str:
        m = doc.model
        return m.title or f"{self.site.v.name}{m.period.label}财务公开"

    def meta(self, doc: Doc) -> str:
        m = doc.model
        return f"收入 {money(m.income_sum)} · 支出 {money(m.expense_sum)} · 期末 {money(m.closing_balance)}"

    def account_name(self, code: str) -> str:
        accounts = self.site.ctx.accounts
        acc = accounts.get(code)
        if acc is None and len(code) == 5:
            acc = accounts.get(code[:3])
        return acc.name if acc else ""

    def _by_account(self, lines: list[Any]) -> list[tuple[str, Decimal]]:
        sums: OrderedDict[str, Decimal] = OrderedDict()
        for ln in sorted(lines, key=lambda x: x.account[:3]):
            label = f"{ln.account[:3]} {self.account_name(ln.account[:3])}"
            sums[label] = sums.get(label, Decimal(0)) + ln.amount
        return list(sums.items())

    def against_budget(self, doc: Doc, name: str) -> dict[str, Any] | None:
        """The year to date against the year's budget, per account (None
        without a published budget for the year). The budget is the one in
        force at the period's end: adjustments approved later do not count."""
        m = doc.model
        bdoc = budget_of(self.site.published("budget"), m.period.year)
        if bdoc is None:
            return None
        b = bdoc.model
        upto = sum(1 for a in b.adjustments if a.date <= m.period.end)
        stmts = [
            d.model for d in self.docs if d.model.period.year == m.period.year and d.model.period < m.period
        ] + [m]
        rows = compare(b, stmts, self.account_name, upto)
        sections: list[dict[str, Any]] = [
            {"id": s, "title": zh, "lines": [r.data() for r in rows[s]], "total": totals(rows[s])}
            for s, zh in SECTIONS
        ]
        over = sum(1 for s in SECTIONS for r in rows[s[0]] if r.over)
        unbudgeted = sum(1 for s in SECTIONS for r in rows[s[0]] if r.plan is None)
        return {
            "href": rel_link(name, bdoc.url_path),
            "title": self.site.title(bdoc),
            "from": stmts[0].period.label,
            "to": m.period.label,
            "adjusted": upto,
            "sections": sections,
            "over": over,
            "unbudgeted": unbudgeted,
        }

    def section(self) -> Output:
        site = self.site
        index = "finance/index.html"
        return Output(
            index,
            "section",
            site.page(
                index,
                "finance",
                "财务公开",
                "finance",
                items=[site.summary(d, index) for d in reversed(self.docs)],
                intro="每期收支逐项逐笔公开。期末余额 = 期初余额 + 收入 − 支出 + 代收 − 代付。",
            ),
        )

    def page(self, doc: Doc, name: str, **extra: Any) -> Output:
        site = self.site
        published = self.docs
        m = doc.model
        i = next((k for k, d in enumerate(published) if d.key == doc.key), len(published))
        window = published[max(0, i - 11) : i] + [doc]
        trend = [(str(d.model.period), d.model.income_sum, d.model.expense_sum) for d in window]

        def line(ln: Any) -> dict:
            return {
                "date": f"{ln.date.month}月{ln.date.day}日",
                "voucher": ln.voucher if ln.line == 1 else f"{ln.voucher}-{ln.line}",
                "account": ln.account,
                "account_name": self.account_name(ln.account),
                "summary": ln.summary,
                "amount": money(ln.amount),
                "handler": ln.handler or "",
                "approver": ln.approver or "",
                "attachments": [
                    {"href": rel_link(name, a.path), "title": a.title or "凭证"}
                    for a in ln.attachments
                    if a.path in site.published_files
                ],
            }

        uid = f"f{m.period}".replace("-", "")
        data = site.page(
            name,
            f"finance/{m.period}",
            self.title(doc),
            "finance",
            period=m.period.label,
            notice={"start": date_zh(m.notice.start), "end": date_zh(m.notice.end)} if m.notice else None,
            opening=money(m.opening_balance),
            closing=money(m.closing_balance),
            income_total=money(m.income_sum),
            expense_total=money(m.expense_sum),
            income_capital=capital_yuan(m.income_sum),
            expense_capital=capital_yuan(m.expense_sum),
            closing_capital=capital_yuan(m.closing_balance),
            pass_net=money(m.pass_net) if m.pass_through else "",
            income=[line(x) for x in m.income],
            expense=[line(x) for x in m.expense],
            transfers=[
                {
                    "date": f"{t.date.month}月{t.date.day}日",
                    "voucher": t.voucher,
                    "summary": t.summary,
                    "direction": "现金存入银行" if t.direction == "cash_to_bank" else "从银行提取现金",
                    "amount": money(t.amount),
                }
                for t in m.transfers
            ],
            pass_through=[
                {
                    "date": f"{p.date.month}月{p.date.day}日",
                    "voucher": p.voucher,
                    "summary": p.summary,
                    "received": money(p.received),
                    "paid": money(p.paid),
                }
                for p in m.pass_through
            ],
            signoff=signoff_data(m.signoff),
            note=m.note or "",
            chart_expense=bar_chart_svg(
                self._by_account(m.expense), uid=f"{uid}e", title="本期支出（按科目）"
            ),
            chart_income=bar_chart_svg(self._by_account(m.income), uid=f"{uid}i", title="本期收入（按科目）"),
            chart_trend=trend_svg(trend, uid=f"{uid}t", title="近 12 期收支"),
            budget=self.against_budget(doc, name),
            **{**site.doc_links(doc, name), **extra},
        )
        return Output(
            name, "finance", data, sources=(doc.rel,), doc=site.key_of(doc), poster=self.spec.poster
        )

    def open_rows(self, doc: Doc) -> list[dict[str, str]]:
        m = doc.model
        out = []
        for section in ("income", "expense"):
            for ln in getattr(m, section):
                out.append(
                    {
                        "section": _SECTION_ZH[section],
                        "date": ln.date.isoformat(),
                        "voucher": ln.voucher,
                        "line": str(ln.line),
                        "account": ln.account,
                        "account_name": self.account_name(ln.account),
                        "summary": ln.summary,
                        "amount": text(ln.amount),
                        "handler": text(ln.handler),
                        "approver": text(ln.approver),
                    }
                )
        for t in m.transfers:
            out.append(
                {
                    "section": _SECTION_ZH["transfers"],
                    "date": t.date.isoformat(),
                    "voucher": t.voucher,
                    "line": str(t.line),
                    "account": "",
                    "account_name": "现金存入银行" if t.direction == "cash_to_bank" else "从银行提取现金",
                    "summary": t.summary,
                    "amount": text(t.amount),
                    "handler": "",
                    "approver": "",
                }
            )
        for p in m.pass_through:
            out.append(
                {
                    "section": _SECTION_ZH["pass_through"],
                    "date": p.date.isoformat(),
                    "voucher": p.voucher,
                    "line": str(p.line),
                    "account": "",
                    "account_name": f"代收 {p.received} / 代付 {p.paid}",
                    "summary": p.summary,
                    "amount": text(p.received - p.paid),
                    "handler": "",
                    "approver": "",
                }
            )
        return out
