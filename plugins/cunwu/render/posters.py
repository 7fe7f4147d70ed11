"""Which disclosures get a notice-board poster, and what a poster adds to its page.

Only approved disclosures get posters (never drafts). ``cunwu build`` makes
posters for those whose notice period is current or that fall in the last
``print.window_months`` months; ``cunwu print`` renders any month on demand.
The power list and every power item's flowchart always have one.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from xml.sax.saxutils import quoteattr

from ..validate.project import VillageBundle
from .common import POWER_LIST, doc_month
from .flowchart import FONT_FAMILY
from .qr import matrix_svg, qr_matrix
from .urls import short_url, with_query

POSTER_NAME = "poster.pdf"
# How big a poster's QR codes are drawn. Whether a phone photo of the sheet scans depends
# on the size of one module in the photo: with the blur and JPEG of a phone photo,
# zxing-cpp needs about 2.3 pixels a module, whatever the version and error-correction
# level (`benchmarks/poster_margin.py --sweep`). So codes are sized by module pitch: both
# codes of a sheet are drawn at the size the one with more modules needs at that pitch,
# between a floor and a ceiling (a very long intake URL gets smaller modules rather than
# push a one-page poster onto a second sheet). Sizes include the quiet zone; on A3 they
# are 1.41 times larger, so that a photo of the whole sheet has the same modules.
#: first page: 0.75 mm decodes from a photo of the A4 sheet about 650 px wide (1.5 times
#: below the 1,000 px of the legibility test) and keeps every demo poster to its page
#: count; 0.8 mm did too for those of one build day, with less room to spare
QR_MODULE_MM = 0.75
#: further pages (codes in the bottom margin, where every millimetre is a table row less):
#: about 750 px
QR_RUN_MODULE_MM = 0.65
QR_MIN_MM = 28.0
QR_MAX_MM = 40.0
QR_RUN_MAX_MM = 34.0
#: error correction "M", boosted to "Q" or "H" where that fits the same version. A lower
#: level decodes from smaller photos (fewer modules); a higher one survives a larger pin
#: head or glare spot on the code. M is the measured balance (docs/urls.md).
QR_EC = "M"


@dataclass(frozen=True)
class DocMeta:
    """What poster eligibility needs to know of a disclosure (kept in the build cache)."""

    key: str  # "finance:2026-10"
    status: str  # approved | draft
    month: str  # the archive month, "" for a power item
    notice_start: str = ""  # ISO dates of the notice period, if it has one
    notice_end: str = ""


def doc_meta(bundle: VillageBundle) -> list[DocMeta]:
    out = []
    for d in bundle.disclosures():
        m = d.model
        notice = getattr(m, "notice", None)
        out.append(
            DocMeta(
                f"{d.kind}:{d.key}",
                m.status,
                doc_month(d),
                notice.start.isoformat() if notice else "",
                notice.end.isoformat() if notice else "",
            )
        )
    return out


def _months_back(as_of: dt.date, n: int) -> set[str]:
    y, m, out = as_of.year, as_of.month, set()
    for _ in range(n):
        out.add(f"{y}-{m:02d}")
        y, m = (y - 1, 12) if m == 1 else (y, m - 1)
    return out


def eligible(
    meta: list[DocMeta], as_of: dt.date, window_months: int, has_catalog: bool = True
) -> frozenset[str]:
    """Keys of the disclosures ``cunwu build`` makes posters for. ``has_catalog``: an
    approved catalog, whose power list gets a poster."""
    window = _months_back(as_of, window_months)
    today = as_of.isoformat()
    out = {POWER_LIST} if has_catalog else set()
    for d in meta:
        if d.status != "approved":
            continue
        if (
            d.key.startswith("power:")
            or d.month in window
            or (d.notice_start and d.notice_start <= today <= d.notice_end)
        ):
            out.add(d.key)
    return frozenset(out)


def month_docs(meta: list[DocMeta], month: str) -> list[str]:
    """Keys of the approved disclosures of one month, for a print pack."""
    return [d.key for d in meta if d.status == "approved" and d.month == month]


#: the printable width of each paper (12 mm margins each side)
_PRINTABLE_WIDTH_MM = {"A4": 186, "A3": 273}
#: the height a notice's picture may take on the sheet, so the text it
#: illustrates stays on the first page
PICTURE_HEIGHT_MM = 90


def picture_mm(paper: str) -> tuple[int, int]:
    """The largest a poster prints a picture, (width, height) in mm; the print
    copy of a picture is made for this box (:mod:`cunwu.write.pictures`)."""
    return _PRINTABLE_WIDTH_MM.get(paper, 186), PICTURE_HEIGHT_MM


def poster_extras(site: dict, page: dict, template: str, paper: str, font_css: str, font_family: str) -> dict:
    """The poster's own data: QR codes, phones, fonts. Derived from ``site`` and
    ``page`` only, so the page data stays the cache key of the poster."""
    extras = {
        "paper": paper,
        "picture_max_height": f"{picture_mm(paper)[1]}mm",
        "font_css": font_css,
        "font_family": font_family,
        "version_date": page.get("version_date", ""),
        # the running footer is set in the stylesheet, where HTML escaping does not hold
        "footer": css_string(f"{site['village']['name']} · {site['township']['name']}"),
        "phones": poster_phones(site, page),
        **poster_codes(site, page, template, paper),
    }
    if template == "power":
        # the page's chart scales to the sheet; its ids are already unique per item
        # draw the chart with the poster's (subset) font, not the page's system font
        # stack: a system font would embed whole CJK metric tables (~280 KB)
        chart = page["chart"].replace(
            "font-family=" + quoteattr(FONT_FAMILY), "font-family=" + quoteattr(font_family)
        )
        extras["chart"] = chart
        extras.update(chart_box(chart, paper))
    return extras


def page_code_url(site: dict, page: dict, template: str) -> str:
    """What the poster's page code encodes: the short path of the version the poster
    shows (``<village>s/<stamp>/``, see render/shortlinks.py). The power list, whose
    versions have no short path, keeps its page with ``?v=<stamp>``. The text printed
    under the phones stays the full canonical URL, for a reader who types it."""
    stamp = page.get("stamp", "")
    if stamp and template != "powers":
        return short_url(site["base_url"], stamp)
    return with_query(page["canonical"], v=stamp)


def code_size(modules: int, pitch: float, ceiling: float, scale: float = 1.0) -> float:
    """The side in mm of a code of ``modules`` modules (quiet zone included) at ``pitch``,
    between the floor and ``ceiling``, all times ``scale`` (the paper's)."""
    return round(min(max(modules * pitch, QR_MIN_MM), ceiling) * scale, 1)


def poster_codes(site: dict, page: dict, template: str, paper: str = "A4") -> dict:
    """The page code and the complaint code, as SVG for the first page's head and,
    smaller, for the bottom margin of every further page (so that a photo of page 2 still
    leads to the disclosure and to the intake)."""
    page_url = page_code_url(site, page, template)
    codes = {
        "page": qr_matrix(page_url, QR_EC, boost=True),
        "complaint": qr_matrix(page["complaint"], QR_EC, boost=True),
    }
    modules = max(len(m) for m in codes.values())
    scale = 1.41 if paper == "A3" else 1.0  # A3 is A4 scaled by sqrt(2)
    size = code_size(modules, QR_MODULE_MM, QR_MAX_MM, scale)
    run = min(code_size(modules, QR_RUN_MODULE_MM, QR_RUN_MAX_MM, scale), size)
    labels = {"page": "网上公示", "complaint": "举报"}
    out = {
        "qr_size": f"{size}mm",
        "qr_run_size": f"{run}mm",
        # the bottom margin of further pages: the codes, with 5 mm of paper below them
        # (where printers may not print) and 2 mm above
        "qr_run_margin": f"{run + 7:.1f}mm",
    }
    for key, matrix in codes.items():
        out[f"qr_{key}"] = matrix_svg(matrix, size=f"{size}mm", label=labels[key])
        out[f"qr_{key}_run"] = matrix_svg(matrix, size=f"{run}mm", label=labels[key])
    return out


def poster_phones(site: dict, page: dict) -> list[dict]:
    """The phones of the poster's one phone block: a roster's own supervision phones
    first, then the village's and township's, each number once. A power item's
    supervisor is printed beside its facts, so it is not repeated at the foot.
    Listing a number twice costs a line, and a line too many pushes the block
    onto a sheet of its own."""
    shown = {p["number"] for p in page.get("supervisor") or []}
    out = []
    for p in (page.get("supervision") or []) + site["phones"]:
        if p["number"] not in shown:
            shown.add(p["number"])
            out.append(p)
    return out


def css_string(text: str) -> str:
    """``text`` as a quoted CSS string, safe inside a ``<style>`` element.

    Jinja's HTML escaping means nothing there: a newline ends a CSS string, and
    what follows would be read as rules (``table { display: none }`` hides a
    ledger from the printed poster). Every ASCII character but letters, digits
    and the space, and every invisible one, becomes a CSS escape."""
    out = []
    for ch in text:
        if (ch.isascii() and (ch.isalnum() or ch == " ")) or (not ch.isascii() and ch.isprintable()):
            out.append(ch)
        else:
            out.append(f"\\{ord(ch):x} ")
    return '"' + "".join(out) + '"'


def chart_box(svg: str, paper: str) -> dict:
    """Size a flowchart on the sheet: a tall chart takes a column beside the
    facts, a wide one is centred above them; either way it fits on the first page."""
    import re

    m = re.search(r'viewBox="0 0 ([0-9.]+) ([0-9.]+)"', svg)
    ratio = float(m.group(2)) / float(m.group(1)) if m else 1.0
    scale = 1.41 if paper == "A3" else 1.0  # A3 is A4 scaled by sqrt(2)
    if ratio > 1.2:
        width = min(95 * scale, 185 * scale / ratio)
        return {
            "chart_layout": "column",
            "chart_width": f"{width:.1f}mm",
            "chart_height": f"{width * ratio:.1f}mm",
        }
    # no wider than 110 mm: a short chart blown up to the full width prints its labels at
    # 20 pt and pushes the facts onto a second sheet; at 110 mm a label is about 14 pt
    width = min(110 * scale, 140 * scale / ratio)
    return {"chart_layout": "wide", "chart_width": f"{width:.1f}mm", "chart_height": f"{width * ratio:.1f}mm"}
