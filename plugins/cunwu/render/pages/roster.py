"""Subsidy rosters (惠民资金公示): the section, a page per roster, the open-data rows.

Roster pages name recipients, so they carry ``noindex``; a roster may be
taken offline once its notice period is over (``site.rosters_offline_after_notice``).
"""

from __future__ import annotations

from collections import OrderedDict
from decimal import Decimal
from typing import Any

from ...load.document import Doc
from ...words import date_zh, money
from ..common import Output, group_order, signoff_data, text
from ..numerals import capital_yuan
from ..site import KindPages

#: columns of numbers: right-aligned, and decimals padded to one width per column
NUMERIC_COLUMNS = ("people", "area", "rate")

_COLUMN_TITLES = {
    "people": "人数",
    "area": "面积(亩)",
    "rate": "标准",
    "category": "类别",
    "grade": "等级",
    "start": "起始",
}


class RosterPages(KindPages):
    kind = "subsidy"

    def online(self) -> list[Doc]:
        return [d for d in self.docs if d.key not in self.site.offline]

    def title(self, doc: Doc) -> str:
        m = doc.model
        programs = self.site.programs
        return (
            m.title or f"{self.site.v.name}{m.period.label}{programs.get(m.program, m.program)}发放名单公示"
        )

    def meta(self, doc: Doc) -> str:
        m = doc.model
        return f"{len(m.recipients)} 户/人 · 合计 {money(m.total)} 元"

    def section(self) -> Output:
        site = self.site
        index = "subsidies/index.html"
        online = self.online()
        programs: OrderedDict[str, list] = OrderedDict()
        for d in reversed(online):
            programs.setdefault(site.programs.get(d.model.program, d.model.program), []).append(
                site.summary(d, index)
            )
        return Output(
            index,
            "section",
            site.page(
                index,
                "subsidies",
                "惠民资金公示",
                "subsidies",
                groups=[{"title": k, "items": v} for k, v in programs.items()],
                intro="低保、特困供养、高龄津贴、残疾人补贴、耕地地力保护补贴等发放名单。身份证号已脱敏。",
                offline_count=len(self.docs) - len(online),
                # the whole folder is kept out of search engines (robots.txt), its index too
                noindex=True,
            ),
        )

    def page(self, doc: Doc, name: str, **extra: Any) -> Output:
        site = self.site
        m = doc.model
        prog = site.ctx.programs.get(m.program)
        # a column nobody has a value in (a roster-wide rate, say) only takes width
        cols = [
            c for c in (prog.columns if prog else []) if any(getattr(r, c) is not None for r in m.recipients)
        ]
        cells = {c: column_cells([getattr(r, c) for r in m.recipients]) for c in cols}
        row_cells = {id(r): [cells[c][i] for c in cols] for i, r in enumerate(m.recipients)}
        groups: OrderedDict[str, list] = OrderedDict()
        for r in sorted(m.recipients, key=lambda r: group_order(r.group)):
            groups.setdefault(r.group, []).append(r)
        data = site.page(
            name,
            f"subsidies/{doc.key}",
            self.title(doc),
            "subsidies",
            program=prog.name if prog else m.program,
            period=m.period.label,
            standard=m.standard,
            rate=str(m.rate) if m.rate is not None else "",
            unit=(prog.unit or "") if prog else "",
            notice={"start": date_zh(m.notice.start), "end": date_zh(m.notice.end)},
            supervision=[{"label": p.label, "number": p.number} for p in m.supervision],
            columns=[{"key": c, "title": _COLUMN_TITLES[c], "numeric": c in NUMERIC_COLUMNS} for c in cols],
            groups=[
                {
                    "name": g,
                    "anchor": f"g{i + 1}",
                    "count": len(rows),
                    "subtotal": money(sum((r.amount for r in rows), Decimal(0))),
                    "rows": [
                        {
                            "name": r.name,
                            "id": r.id_masked or "",
                            "cells": row_cells[id(r)],
                            "amount": money(r.amount),
                            "note": r.note or "",
                        }
                        for r in rows
                    ],
                }
                for i, (g, rows) in enumerate(groups.items())
            ],
            has_notes=any(r.note for r in m.recipients),
            count=len(m.recipients),
            total=money(m.total),
            total_capital=capital_yuan(m.total),
            note=m.note or "",
            signoff=signoff_data(m.signoff) if m.signoff else None,
            **{"noindex": True, **site.doc_links(doc, name), **extra},
        )
        return Output(name, "roster", data, sources=(doc.rel,), doc=site.key_of(doc), poster=self.spec.poster)

    def open_rows(self, doc: Doc) -> list[dict[str, str]]:
        # open data keeps every value exactly as typed (4.7 stays 4.7)
        names = [c.name for c in self.spec.columns]
        return [{c: text(getattr(r, c)) for c in names} for r in doc.model.recipients]


def column_cells(values: list) -> list[str]:
    """One column's cells as text: decimals padded with zeros to the most any
    value of the column has, so the numbers line up (4.7 and 2.75 read 4.70
    and 2.75). Nothing is rounded: every digit typed is shown. Other values
    (integers, text, empty) are shown as they are."""
    places = [-int(v.as_tuple().exponent) for v in values if isinstance(v, Decimal) and v.is_finite()]
    width = max([p for p in places if p > 0], default=0)
    out = []
    for v in values:
        if v is None:
            out.append("")
        elif isinstance(v, Decimal) and v.is_finite() and width:
            out.append(f"{v:.{max(width, -int(v.as_tuple().exponent))}f}")
        else:
            out.append(str(v))
    return out
