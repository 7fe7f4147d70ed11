"""The power list (小微权力清单): the list with its negative list, a page per item
with its flowchart, and the flowchart's nodes as open data."""

from __future__ import annotations

import hashlib
from typing import Any

from ...load.document import Doc
from ...words import date_zh
from ..common import POWER_LIST, Output, text
from ..flowchart import flow_outline, flowchart_svg
from ..site import KindPages
from ..urls import rel_link

_FLOWCHARTS: dict[str, str] = {}
_NODE_ZH = {"step": "步骤", "decision": "判断", "end": "结束"}


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


class PowerPages(KindPages):
    kind = "power"

    def title(self, doc: Doc) -> str:
        return f"{doc.model.number}. {doc.model.name}"

    def list_version(self, name: str) -> dict:
        """The power list as a whole (catalog + items) has its own stamp, for its poster."""
        ctx = self.site.ctx
        parts = [ctx.catalog_doc.content_hash if ctx.catalog_doc else ""]
        parts += [d.content_hash for d in self.docs]
        dates = [d.model.last_changed for d in self.docs if d.model.last_changed]
        if ctx.catalog and ctx.catalog.last_changed:
            dates.append(ctx.catalog.last_changed)
        info = self.site.info.get(POWER_LIST)
        return {
            "stamp": hashlib.sha256("\0".join(parts).encode()).hexdigest()[:10],
            "version_date": date_zh(max(dates)) if dates else "",
            "poster": rel_link(name, "powers/" + info.poster) if info and info.poster else "",
        }

    def section(self) -> Output:
        site = self.site
        cat = site.ctx.catalog
        index = "powers/index.html"
        groups = []
        names = {g.id: g.name for g in cat.groups} if cat else {}
        for gid, gname in names.items():
            items = [d for d in self.docs if d.model.group == gid]
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
        return Output(
            index,
            "powers",
            site.page(
                index,
                "powers",
                cat.title if cat else "小微权力清单",
                "powers",
                groups=groups,
                negative=[n.text for n in cat.negative] if cat else [],
                **self.list_version(index),
            ),
            sources=((site.ctx.catalog_doc.rel,) if site.ctx.catalog_doc else ()),
            doc=POWER_LIST,
            poster="poster-powers",
        )

    def page(self, doc: Doc, name: str, **extra: Any) -> Output:
        site = self.site
        m = doc.model
        groups = {g.id: g.name for g in site.ctx.catalog.groups} if site.ctx.catalog else {}
        data = site.page(
            name,
            f"powers/{m.id}",
            m.name,
            "powers",
            number=m.number,
            group=groups.get(m.group, m.group),
            basis=list(m.basis),
            responsible=m.responsible,
            time_limit=m.time_limit or "",
            procedure=m.procedure or "",
            public=m.public,
            risks=[{"point": r.point, "measure": r.measure} for r in m.risks],
            supervisor=[{"label": p.label, "number": p.number} for p in m.supervisor],
            chart=_flowchart(doc),
            outline=flow_outline(m),
            **{**site.doc_links(doc, name), **extra},
        )
        return Output(name, "power", data, sources=(doc.rel,), doc=site.key_of(doc), poster=self.spec.poster)

    def open_rows(self, doc: Doc) -> list[dict[str, str]]:
        return [
            {
                "node": n.id,
                "type": _NODE_ZH[n.kind],
                "label": n.label,
                "actor": text(n.actor),
                "time_limit": text(n.time_limit),
                "next": text(n.next),
                "yes": text(n.yes),
                "no": text(n.no),
            }
            for n in doc.model.flow
        ]
