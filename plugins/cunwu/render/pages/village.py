"""The village's own pages: its home and the archive by month."""

from __future__ import annotations

from collections.abc import Iterator

from ..common import Output, doc_month
from ..qr import qr_svg
from ..site import VillageSite
from ..urls import complaint_url, rel_link


def _line(site: VillageSite) -> dict | None:
    """This year's line: published against owed, and each missing item with a
    complaint link that names it."""
    line = site.year_line
    if line is None or not line["owed"]:
        return None
    return {
        **line,
        "missing": [
            {**m, "complaint": complaint_url(site.site["intake"], site.v.code, f"missing/{m['id']}")}
            for m in line["missing"]
        ],
    }


def home(site: VillageSite) -> Iterator[Output]:
    name = "index.html"
    rosters = site.rosters
    latest_fin = list(reversed(site.finance))[:3]
    last_period = rosters[-1].model.period if rosters else None
    latest_rosters = [d for d in rosters if d.model.period == last_period and d.key not in site.offline]
    latest_notices = list(reversed(site.notices))[:5]
    data = site.page(
        name,
        "home",
        f"{site.v.name}村务公开",
        "home",
        finance=[site.summary(d, name) for d in latest_fin],
        rosters=[site.summary(d, name) for d in latest_rosters],
        notices=[site.summary(d, name) for d in latest_notices],
        feed=rel_link(name, "feed.xml"),
        # a vector QR code of the site itself, to print or forward
        qr=qr_svg(site.base, size="150px", label=f"{site.v.name}村务公开网址"),
        datapackage=rel_link(name, "datapackage.json"),
        completeness=_line(site),
    )
    yield Output(name, "home", data, sources=(site.b.village_doc.rel,))


def archive(site: VillageSite) -> Iterator[Output]:
    name = "archive/index.html"
    months: dict[str, list] = {}
    for d in site.online():
        month = doc_month(d)
        if month:
            months.setdefault(month, []).append(site.summary(d, name))
    data = site.page(
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
