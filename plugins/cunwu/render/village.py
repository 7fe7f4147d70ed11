"""Every output of one village site, as data for the theme's templates.

:meth:`VillageSite.outputs` yields :class:`Output` records: a template name plus
the *complete* data that template may read (``site`` and ``page``), or ready
bytes (JSON, CSV, feeds). The writer hashes exactly that data with the
template's fingerprint to decide whether a page must be rendered again, so a
template must never read anything that is not in its data.
"""

from __future__ import annotations

import datetime as dt
import html
import json
from collections import OrderedDict
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal

from ..validate.project import KIND_SEGMENT, Doc, TownshipContext, VillageBundle
from . import opendata
from .flowchart import flow_outline, flowchart_svg
from .fmt import date_zh, money
from .markdown import local_refs, render_markdown, summary_text
from .qr import qr_svg
from .shortlinks import shortlink_pages
from .urls import complaint_url, rel_link, relative_root, robots_txt, roster_path, village_base_url

#: the key of the power list as a whole (its poster, its version)
POWER_LIST = "powers:list"

KIND_ZH = {"finance": "财务公开", "subsidy": "惠民资金公示", "notice": "公告", "power": "小微权力"}


@dataclass
class Output:
    """One file of a village site: a template page or ready bytes."""

    name: str
    template: str | None = None
    data: dict | None = None
    body: bytes | None = None
    #: source files (relative to the project) the output is made from, for error messages
    sources: tuple[str, ...] = ()
    #: the disclosure a page shows ("finance:2026-10"), for its poster
    doc: str = ""


@dataclass
class DocInfo:
    """Build facts about one disclosure that are not in its source file."""

    stamp: str
    version_date: str  # ISO date of this version (approval or last correction)
    first_published: str = ""
    last_changed: str = ""
    versions: list[dict] = field(default_factory=list)  # published versions, oldest first
    poster: str = ""  # file name of the poster inside the disclosure folder, if any
    history_note: str = ""  # what history could not show, if anything


_FLOWCHARTS: dict[str, str] = {}


def _flowchart(doc: Doc) -> str:
    """A power item's chart, drawn once per process: every village of a
    township shows the same township items."""
    key = doc.content_hash
    svg = _FLOWCHARTS.get(key)
    if svg is None:
        if len(_FLOWCHARTS) > 2000:
            _FLOWCHARTS.clear()
        svg = _FLOWCHARTS[key] = flowchart_svg(doc.model, uid=f"p-{doc.model.id}")
    return svg


def doc_title(doc: Doc, village_name: str, program_names: dict[str, str]) -> str:
    m = doc.model
    if doc.kind == "finance":
        return m.title or f"{village_name}{m.period.label}财务公开"
    if doc.kind == "subsidy":
        return (
            m.title or f"{village_name}{m.period.label}{program_names.get(m.program, m.program)}发放名单公示"
        )
    if doc.kind == "notice":
        return m.title
    if doc.kind == "power":
        return f"{m.number}. {m.name}"
    return doc.key


_CN_DIGITS = {c: i for i, c in enumerate("零一二三四五六七八九")}


def group_order(name: str) -> tuple:
    """Village groups in their natural order: 二组 before 十组, 3组 before 12组."""
    import re

    m = re.match(r"(?:第)?([0-9]+|[零一二三四五六七八九十]+)", name)
    if not m:
        return (1, 0, name)
    text = m.group(1)
    if text.isdigit():
        return (0, int(text), name)
    if "十" in text:
        tens, _, ones = text.partition("十")
        value = (_CN_DIGITS.get(tens, 1) if tens else 1) * 10 + (_CN_DIGITS.get(ones, 0) if ones else 0)
    else:
        value = int("".join(str(_CN_DIGITS[c]) for c in text))
    return (0, value, name)


def doc_month(doc: Doc) -> str:
    """The archive month of a disclosure: its period's last month, or the notice date."""
    m = doc.model
    if doc.kind in ("finance", "subsidy"):
        return m.period.months()[-1]
    if doc.kind == "notice":
        return f"{m.date.year}-{m.date.month:02d}"
    return ""


def signoff_data(signoff) -> dict:
    """The sign-off chain as pages and posters show it."""
    return {
        "handler": signoff.handler,
        "oversight": "、".join(signoff.oversight),
        "approver": signoff.approver,
        "accountant": signoff.accountant or "",
    }


class VillageSite:
    """Builds the outputs of one village site from its validated bundle."""

    def __init__(
        self,
        ctx: TownshipContext,
        bundle: VillageBundle,
        info: dict[str, DocInfo],
        *,
        include_drafts=False,
        offline_rosters: frozenset[str] = frozenset(),
        histories: dict | None = None,
    ):
        self.ctx = ctx
        self.b = bundle
        self.v = bundle.village
        self.info = info
        self.programs = {pid: p.name for pid, p in ctx.programs.items()}
        self.base = village_base_url(ctx, bundle.id, self.v)
        self.offline = offline_rosters
        keep = (lambda d: True) if include_drafts else (lambda d: d.model.status == "approved")
        self.finance = [d for d in bundle.finance if keep(d)]
        self.rosters = [d for d in bundle.rosters if keep(d)]
        self.notices = [d for d in bundle.notices if keep(d)]
        self.powers = [d for d in bundle.powers if keep(d)]
        self.published_files = self._published_files()
        self.group_names = {g.id: g.name for g in ctx.catalog.groups} if ctx.catalog else {}
        #: "kind:key" -> history.versions.DocHistory (published versions and diffs)
        self.histories = histories or {}
        self.site = self._site_data()

    # ------------------------------------------------------------ shared data

    def title(self, doc: Doc) -> str:
        return doc_title(doc, self.v.name, self.programs)

    def key_of(self, doc: Doc) -> str:
        return f"{doc.kind}:{doc.key}"

    def _phones(self) -> list[dict]:
        """Complaint and supervision phones, the village's own first."""
        seen, out = set(), []
        own = (self.v.complaint.phones if self.v.complaint else []) + self.v.supervision
        cfg = self.ctx.config
        for p in own + cfg.complaint.phones + cfg.supervision:
            if p.number not in seen:
                seen.add(p.number)
                out.append({"label": p.label, "number": p.number})
        return out

    def _site_data(self) -> dict:
        cfg = self.ctx.config
        intake = (
            self.v.complaint.url if self.v.complaint and self.v.complaint.url else None
        ) or cfg.complaint.url
        return {
            "village": {
                "id": self.b.id,
                "name": self.v.name,
                "code": self.v.code,
                "intro": self.v.intro or "",
            },
            "township": {"name": cfg.township.name, "county": cfg.township.county},
            "base_url": self.base,
            "intake": intake,
            "phones": self._phones(),
            "contacts": [
                {"role": c.role, "name": c.name or "", "phone": c.phone or ""} for c in self.v.contacts
            ],
            "sections": [
                {"path": "finance/", "title": "财务公开", "count": len(self.finance)},
                {
                    "path": "subsidies/",
                    "title": "惠民资金",
                    "count": len([d for d in self.rosters if d.key not in self.offline]),
                },
                {"path": "notices/", "title": "公告", "count": len(self.notices)},
                {"path": "powers/", "title": "权力清单", "count": len(self.powers)},
                {"path": "archive/", "title": "按月归档", "count": 0},
            ],
        }

    def _published_files(self) -> set[str]:
        """Village files (relative to the village folder) the site publishes."""
        out = set()
        for d in self.finance + self.rosters + self.notices + self.powers:
            for a in d.model.attachments:
                out.add(a.path)
            if d.kind == "finance":
                for ln in d.model.income + d.model.expense:
                    out.update(a.path for a in ln.attachments)
            if d.body:
                out.update(local_refs(d.body))
        prefix = f"villages/{self.b.id}/"
        existing = {a[len(prefix) :] for a in self.b.attachments}
        return {p for p in out if p in existing}

    def page(self, name: str, page_id: str, title: str, section: str, **extra) -> dict:
        """Data every page template receives as ``page``."""
        root = relative_root(name)
        path = name[: -len("index.html")] if name.endswith("index.html") else name
        stamp = extra.get("stamp", "")
        return {
            "id": page_id,
            "title": title,
            "root": root,
            "section": section,
            "canonical": self.base + path,
            "complaint": complaint_url(self.site["intake"], self.v.code, page_id, stamp),
            **extra,
        }

    # ------------------------------------------------------------ outputs

    def outputs(self) -> Iterator[Output]:
        yield from self.home()
        yield from self.finance_pages()
        yield from self.roster_pages()
        yield from self.notice_pages()
        yield from self.power_pages()
        yield from self.archive()
        yield from self.version_pages()
        yield from self.renamed_pages()
        yield from shortlink_pages(self)  # s/<stamp>/, what poster QR codes encode
        yield from self.open_data()
        yield from self.feed()
        # effective where the village is hosted on its own (village.yaml: base_url)
        yield Output("robots.txt", body=robots_txt([roster_path(self.base)]))
        for rel in sorted(self.published_files):
            yield Output(
                rel,
                body=(self.ctx.root / "villages" / self.b.id / rel).read_bytes(),
                sources=(f"villages/{self.b.id}/{rel}",),
            )

    def doc_links(self, doc: Doc, name: str) -> dict:
        """Fields every disclosure page shares: version, history, downloads."""
        info = self.info.get(self.key_of(doc))
        m = doc.model
        out = {
            "status": m.status,
            "approved_on": date_zh(m.approved_on),
            "corrections": [{"date": date_zh(c.date), "reason": c.reason} for c in m.corrections],
            "attachments": [
                {"href": rel_link(name, a.path), "title": a.title or a.path.rsplit("/", 1)[-1]}
                for a in m.attachments
                if a.path in self.published_files
            ],
            "data_json": rel_link(name, doc.url_path + "data.json"),
            "data_csv": rel_link(name, doc.url_path + "data.csv"),
        }
        if info is not None:
            out.update(
                stamp=info.stamp,
                version_date=date_zh(dt.date.fromisoformat(info.version_date)) if info.version_date else "",
                first_published=date_zh(dt.date.fromisoformat(info.first_published))
                if info.first_published
                else "",
                last_changed=date_zh(dt.date.fromisoformat(info.last_changed)) if info.last_changed else "",
                versions_href=rel_link(name, doc.url_path + "versions/") if len(info.versions) > 1 else "",
                version_count=len(info.versions),
                # the versions come from git: one version means never changed after approval
                history_known=bool((dh := self.histories.get(self.key_of(doc))) and dh.from_git),
                poster=rel_link(name, doc.url_path + info.poster) if info.poster else "",
                history_note=info.history_note,
            )
        return out

    def summary(self, doc: Doc, from_name: str) -> dict:
        """One line about a disclosure, for lists."""
        m = doc.model
        item = {
            "title": self.title(doc),
            "href": rel_link(from_name, doc.url_path),
            "kind": KIND_ZH[doc.kind],
            "status": m.status,
        }
        if doc.kind == "finance":
            item["meta"] = (
                f"收入 {money(m.income_sum)} · 支出 {money(m.expense_sum)} · 期末 {money(m.closing_balance)}"
            )
        elif doc.kind == "subsidy":
            item["meta"] = f"{len(m.recipients)} 户/人 · 合计 {money(m.total)} 元"
        elif doc.kind == "notice":
            item["meta"] = f"{m.kind} · {date_zh(m.date)}"
        if m.corrections:
            item["corrected"] = True
        return item

    def home(self) -> Iterator[Output]:
        name = "index.html"
        latest_fin = list(reversed(self.finance))[:3]
        last_period = self.rosters[-1].model.period if self.rosters else None
        latest_rosters = [
            d for d in self.rosters if d.model.period == last_period and d.key not in self.offline
        ]
        latest_notices = list(reversed(self.notices))[:5]
        data = self.page(
            name,
            "home",
            f"{self.v.name}村务公开",
            "home",
            finance=[self.summary(d, name) for d in latest_fin],
            rosters=[self.summary(d, name) for d in latest_rosters],
            notices=[self.summary(d, name) for d in latest_notices],
            feed=rel_link(name, "feed.xml"),
            # a vector QR code of the site itself, to print or forward
            qr=qr_svg(self.base, size="150px", label=f"{self.v.name}村务公开网址"),
            datapackage=rel_link(name, "datapackage.json"),
        )
        yield Output(name, "home", data, sources=(self.b.village_doc.rel,))

    # ------------------------------------------------------------ finance

    def _account_name(self, code: str) -> str:
        acc = self.ctx.accounts.get(code)
        if acc is None and len(code) == 5:
            acc = self.ctx.accounts.get(code[:3])
        return acc.name if acc else ""

    def _by_account(self, lines) -> list[tuple[str, Decimal]]:
        sums: OrderedDict[str, Decimal] = OrderedDict()
        for ln in sorted(lines, key=lambda x: x.account[:3]):
            label = f"{ln.account[:3]} {self._account_name(ln.account[:3])}"
            sums[label] = sums.get(label, Decimal(0)) + ln.amount
        return list(sums.items())

    def finance_pages(self) -> Iterator[Output]:
        index = "finance/index.html"
        yield Output(
            index,
            "section",
            self.page(
                index,
                "finance",
                "财务公开",
                "finance",
                items=[self.summary(d, index) for d in reversed(self.finance)],
                intro="每期收支逐项逐笔公开。期末余额 = 期初余额 + 收入 − 支出 + 代收 − 代付。",
            ),
        )
        for doc in self.finance:
            yield self.finance_page(doc, doc.url_path + "index.html")

    def finance_page(self, doc: Doc, name: str, **extra) -> Output:
        from .charts import bar_chart_svg, trend_svg
        from .numerals import capital_yuan

        m = doc.model
        i = next((k for k, d in enumerate(self.finance) if d.key == doc.key), len(self.finance))
        window = self.finance[max(0, i - 11) : i] + [doc]
        trend = [
            (
                str(d.model.period),
                d.model.income_sum,
                d.model.expense_sum,
            )
            for d in window
        ]

        def line(ln, kind, name=name):
            return {
                "date": f"{ln.date.month}月{ln.date.day}日",
                "voucher": ln.voucher if ln.line == 1 else f"{ln.voucher}-{ln.line}",
                "account": ln.account,
                "account_name": self._account_name(ln.account),
                "summary": ln.summary,
                "amount": money(ln.amount),
                "handler": ln.handler or "",
                "approver": ln.approver or "",
                "attachments": [
                    {"href": rel_link(name, a.path), "title": a.title or "凭证"}
                    for a in ln.attachments
                    if a.path in self.published_files
                ],
            }

        uid = f"f{m.period}".replace("-", "")
        data = self.page(
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
            income=[line(x, "income") for x in m.income],
            expense=[line(x, "expense") for x in m.expense],
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
            **{**self.doc_links(doc, name), **extra},
        )
        return Output(name, "finance", data, sources=(doc.rel,), doc=self.key_of(doc))

    # ------------------------------------------------------------ subsidies

    def roster_pages(self) -> Iterator[Output]:
        index = "subsidies/index.html"
        online = [d for d in self.rosters if d.key not in self.offline]
        programs: OrderedDict[str, list] = OrderedDict()
        for d in reversed(online):
            programs.setdefault(self.programs.get(d.model.program, d.model.program), []).append(
                self.summary(d, index)
            )
        yield Output(
            index,
            "section",
            self.page(
                index,
                "subsidies",
                "惠民资金公示",
                "subsidies",
                groups=[{"title": k, "items": v} for k, v in programs.items()],
                intro="低保、特困供养、高龄津贴、残疾人补贴、耕地地力保护补贴等发放名单。身份证号已脱敏。",
                offline_count=len(self.rosters) - len(online),
            ),
        )
        for doc in online:
            yield self.roster_page(doc, doc.url_path + "index.html")

    def roster_page(self, doc: Doc, name: str, **extra) -> Output:
        from .numerals import capital_yuan

        m = doc.model
        prog = self.ctx.programs.get(m.program)
        # a column nobody has a value in (a roster-wide rate, say) only takes width
        cols = [
            c for c in (prog.columns if prog else []) if any(getattr(r, c) is not None for r in m.recipients)
        ]
        groups: OrderedDict[str, list] = OrderedDict()
        for r in sorted(m.recipients, key=lambda r: group_order(r.group)):
            groups.setdefault(r.group, []).append(r)
        col_titles = {
            "people": "人数",
            "area": "面积(亩)",
            "rate": "标准",
            "category": "类别",
            "grade": "等级",
            "start": "起始",
        }
        data = self.page(
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
            columns=[{"key": c, "title": col_titles[c]} for c in cols],
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
                            "cells": [str(getattr(r, c)) if getattr(r, c) is not None else "" for c in cols],
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
            **{"noindex": True, **self.doc_links(doc, name), **extra},
        )
        return Output(name, "roster", data, sources=(doc.rel,), doc=self.key_of(doc))

    # ------------------------------------------------------------ notices

    def notice_pages(self) -> Iterator[Output]:
        index = "notices/index.html"
        yield Output(
            index,
            "section",
            self.page(
                index,
                "notices",
                "公告",
                "notices",
                items=[self.summary(d, index) for d in reversed(self.notices)],
                intro="党务、村务、财务公告，包括“四议两公开”决议、招投标、资产租赁、征地补偿等专项公告。",
            ),
        )
        for doc in self.notices:
            yield self.notice_page(doc, doc.url_path + "index.html")
            for alias in doc.model.aliases:
                yield self.redirect(f"notices/{alias}/index.html", doc.url_path, doc.model.title)

    def redirect(self, name: str, target_path: str, title: str) -> Output:
        return Output(
            name,
            "redirect",
            self.page(
                name,
                name.rsplit("/", 1)[0],
                title,
                "",
                target=rel_link(name, target_path),
                target_canonical=self.base + target_path,
            ),
        )

    def notice_page(self, doc: Doc, name: str, **extra) -> Output:
        m = doc.model
        data = self.page(
            name,
            f"notices/{m.slug}",
            m.title,
            "notices",
            date=date_zh(m.date),
            kind=m.kind,
            topic=m.topic or "",
            notice={"start": date_zh(m.notice.start), "end": date_zh(m.notice.end)} if m.notice else None,
            html=render_markdown(doc.body or "", root=relative_root(name), files=self.published_files),
            **{**self.doc_links(doc, name), **extra},
        )
        return Output(name, "notice", data, sources=(doc.rel,), doc=self.key_of(doc))

    # ------------------------------------------------------------ powers

    def power_list_version(self, name: str) -> dict:
        """The power list as a whole (catalog + items) has its own stamp, for its poster."""
        import hashlib

        parts = [self.ctx.catalog_doc.content_hash if self.ctx.catalog_doc else ""]
        parts += [d.content_hash for d in self.powers]
        dates = [d.model.last_changed for d in self.powers if d.model.last_changed]
        if self.ctx.catalog and self.ctx.catalog.last_changed:
            dates.append(self.ctx.catalog.last_changed)
        info = self.info.get(POWER_LIST)
        return {
            "stamp": hashlib.sha256("\0".join(parts).encode()).hexdigest()[:10],
            "version_date": date_zh(max(dates)) if dates else "",
            "poster": rel_link(name, "powers/" + info.poster) if info and info.poster else "",
        }

    def power_pages(self) -> Iterator[Output]:
        cat = self.ctx.catalog
        index = "powers/index.html"
        groups = []
        names = {g.id: g.name for g in cat.groups} if cat else {}
        for gid, gname in names.items():
            items = [d for d in self.powers if d.model.group == gid]
            groups.append(
                {
                    "name": gname,
                    "items": [
                        {
                            "number": d.model.number,
                            "title": d.model.name,
                            "href": rel_link(index, d.url_path),
                            "responsible": d.model.responsible,
                        }
                        for d in items
                    ],
                }
            )
        yield Output(
            index,
            "powers",
            self.page(
                index,
                "powers",
                cat.title if cat else "小微权力清单",
                "powers",
                groups=groups,
                negative=[n.text for n in cat.negative] if cat else [],
                **self.power_list_version(index),
            ),
            sources=((self.ctx.catalog_doc.rel,) if self.ctx.catalog_doc else ()),
            doc=POWER_LIST,
        )
        for doc in self.powers:
            yield self.power_page(doc, doc.url_path + "index.html")

    def power_page(self, doc: Doc, name: str, **extra) -> Output:

        m = doc.model
        data = self.page(
            name,
            f"powers/{m.id}",
            m.name,
            "powers",
            number=m.number,
            group=self.group_names.get(m.group, m.group),
            basis=list(m.basis),
            responsible=m.responsible,
            time_limit=m.time_limit or "",
            procedure=m.procedure or "",
            public=m.public,
            risks=[{"point": r.point, "measure": r.measure} for r in m.risks],
            supervisor=[{"label": p.label, "number": p.number} for p in m.supervisor],
            chart=_flowchart(doc),
            outline=flow_outline(m),
            **{**self.doc_links(doc, name), **extra},
        )
        return Output(name, "power", data, sources=(doc.rel,), doc=self.key_of(doc))

    # ------------------------------------------------------------ versions

    def version_pages(self) -> Iterator[Output]:
        """Every published version at its own permanent URL, and the list of changes."""
        from ..history.versions import change_rows, summarise

        builders = {
            "finance": self.finance_page,
            "subsidy": self.roster_page,
            "notice": self.notice_page,
            "power": self.power_page,
        }
        online = [d for d in self.rosters if d.key not in self.offline]
        for doc in self.finance + online + self.notices + self.powers:
            dh = self.histories.get(self.key_of(doc))
            if dh is None or len(dh.versions) < 2:
                continue
            base = doc.url_path
            current_stamp = dh.versions[-1][0]
            name = base + "versions/index.html"
            rows = []
            for i, (stamp, st) in enumerate(dh.versions):
                changes = dh.diffs[i - 1] if i else []
                rows.append(
                    {
                        "stamp": stamp,
                        "date": date_zh(st.model.last_changed),
                        "commit": st.commit[:8],
                        "commit_date": st.date,
                        "author": st.author,
                        "subject": st.subject,
                        "current": stamp == current_stamp,
                        "href": rel_link(name, base if stamp == current_stamp else f"{base}v/{stamp}/"),
                        # correction entries are shown on their own, as 更正说明
                        "summary": summarise(
                            [c for c in changes if not c.where.startswith("corrections")], doc.kind
                        )
                        if i
                        else "首次公开",
                        "changes": change_rows(changes),
                        # the entries this version added (not "the last ones": an
                        # entry may have been inserted in date order, or reworded)
                        "corrections": [
                            {"date": date_zh(c.date), "reason": c.reason}
                            for c in st.model.corrections
                            if not i or c not in dh.versions[i - 1][1].model.corrections
                        ],
                    }
                )
            yield Output(
                name,
                "versions",
                self.page(
                    name,
                    f"{base.rstrip('/')}/versions",
                    f"{self.title(doc)}：修改记录",
                    KIND_SEGMENT[doc.kind],
                    doc_title=self.title(doc),
                    current=rel_link(name, base),
                    versions=list(reversed(rows)),
                    # a roster's changes name recipients, like the roster itself
                    noindex=doc.kind == "subsidy",
                ),
                sources=(doc.rel,),
            )
            for stamp, st in dh.versions[:-1]:
                vname = f"{base}v/{stamp}/index.html"
                old = Doc(doc.kind, doc.key, doc.rel, st.model, st.body)
                out = builders[doc.kind](
                    old,
                    vname,
                    stamp=stamp,
                    version_date=date_zh(st.model.last_changed),
                    poster="",
                    superseded={"href": rel_link(vname, base), "stamp": current_stamp},
                    versions_href=rel_link(vname, base + "versions/"),
                    noindex=True,
                    complaint=complaint_url(
                        self.site["intake"], self.v.code, f"{base}v/{stamp}".rstrip("/"), stamp
                    ),
                )
                out.doc = ""  # an old version gets no poster
                yield out
            yield self.redirect(f"{base}v/{current_stamp}/index.html", base, self.title(doc))

    def renamed_pages(self) -> Iterator[Output]:
        """Old URLs of disclosures whose identity changed (a renamed file with a
        new slug, say) redirect to the current URL: QR codes keep working."""
        taken = {d.url_path for d in self.finance + self.rosters + self.notices + self.powers}
        taken |= {f"notices/{a}/" for d in self.notices for a in d.model.aliases}
        for doc in self.finance + self.rosters + self.notices + self.powers:
            dh = self.histories.get(self.key_of(doc))
            for old in dh.former_keys if dh is not None else []:
                path = f"{KIND_SEGMENT[doc.kind]}/{old}/"
                if path not in taken:
                    taken.add(path)
                    yield self.redirect(path + "index.html", doc.url_path, self.title(doc))

    # ------------------------------------------------------------ archive, data, feed

    def archive(self) -> Iterator[Output]:
        name = "archive/index.html"
        months: dict[str, list] = {}
        for d in self.finance + [r for r in self.rosters if r.key not in self.offline] + self.notices:
            months.setdefault(doc_month(d), []).append(self.summary(d, name))
        data = self.page(
            name,
            "archive",
            "按月归档",
            "archive",
            months=[
                {"month": f"{k[:4]}年{int(k[5:])}月", "anchor": f"m{k}", "items": v}
                for k, v in sorted(months.items(), reverse=True)
            ],
        )
        yield Output(name, "archive", data)

    def meta(self, doc: Doc) -> dict:
        info = self.info.get(self.key_of(doc))
        return {
            "village": self.b.id,
            "village_name": self.v.name,
            "village_code": self.v.code,
            "kind": doc.kind,
            "key": doc.key,
            "title": self.title(doc),
            "url": self.base + doc.url_path,
            "version": info.stamp if info else "",
        }

    def open_data(self) -> Iterator[Output]:
        docs = (
            self.finance + [r for r in self.rosters if r.key not in self.offline] + self.notices + self.powers
        )
        for d in docs:
            yield Output(d.url_path + "data.json", body=opendata.to_json(d, self.meta(d)), sources=(d.rel,))
            yield Output(d.url_path + "data.csv", body=opendata.to_csv(d, self.ctx), sources=(d.rel,))
        latest = max((d.model.last_changed for d in docs if d.model.last_changed), default=None)
        yield Output(
            "datapackage.json",
            body=opendata.datapackage(
                self.b.id,
                f"{self.v.name}村务公开数据",
                [(d, self.title(d)) for d in docs],
                self.base,
                latest,
            ),
        )

    def feed(self) -> Iterator[Output]:
        from feedgenerator import Atom1Feed

        docs = self.finance + [r for r in self.rosters if r.key not in self.offline] + self.notices
        docs = sorted(docs, key=lambda d: (d.model.last_changed or dt.date.min, d.key), reverse=True)[:50]
        feed = Atom1Feed(
            title=f"{self.v.name}村务公开",
            link=self.base,
            feed_url=self.base + "feed.xml",
            description=f"{self.ctx.config.township.name}{self.v.name}的财务公开、惠民资金公示和公告",
            language="zh-CN",
            # RFC 4287 4.1.1: a feed whose entries have no author must name one itself
            author_name=f"{self.v.name}村民委员会",
        )
        for d in docs:
            m = d.model
            when = dt.datetime.combine(m.last_changed or dt.date(2000, 1, 1), dt.time(), tzinfo=dt.UTC)
            info = self.info.get(self.key_of(d))
            summary = self.summary(d, "index.html").get("meta", "")
            if d.kind == "notice":
                summary = summary_text(d.body or "")
            if m.corrections:
                # an Atom summary is HTML (type="html"): the reason is text, escape it
                last = m.corrections[-1]
                summary = f"【已更正 {last.date}：{html.escape(last.reason, quote=False)}】" + summary
            feed.add_item(
                title=self.title(d),
                link=self.base + d.url_path,
                description=summary,
                unique_id=self.base + d.url_path + (f"#v-{info.stamp}" if info else ""),
                updateddate=when,
                pubdate=dt.datetime.combine(m.approved_on or when.date(), dt.time(), tzinfo=dt.UTC),
            )
        yield Output("feed.xml", body=feed.writeString("utf-8").encode("utf-8"))


def data_key(data: dict) -> str:
    """Canonical JSON of page data, for hashing."""
    return json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":"), default=str)
