"""Numbers as a villager reads them on a 390 px phone (real Chromium):
roster quantities line up on the decimal point, and a phone number in a
notice is one tap-to-call link that never breaks at its hyphen."""

from __future__ import annotations

from decimal import Decimal

import pytest

from cunwu.render.markdown import render_markdown
from cunwu.render.pages.roster import column_cells

from browser import LAYOUT_PROBE, browser, chromium_available, serve
from conftest import GOLDEN_PROJECT, build_site, copy_project

PHONE = {"width": 390, "height": 844}
NUMBER = "0123-66882103"


def test_column_cells_pad_and_never_round():
    cells = column_cells([Decimal("4.7"), Decimal("2.75"), Decimal("12"), None, Decimal("0.1234")])
    assert cells == ["4.7000", "2.7500", "12.0000", "", "0.1234"]
    assert column_cells([Decimal("4.7"), Decimal("2.75")]) == ["4.70", "2.75"]
    assert column_cells([1, 3, None]) == ["1", "3", ""]  # people: as typed
    assert column_cells([Decimal("5"), Decimal("7")]) == ["5", "7"]


def test_phone_numbers_in_a_notice_become_links():
    html = render_markdown(
        f"请向村务监督委员会（{NUMBER}）反映，或拨打（0123）66881001、138 0013 8000。"
        "村代码 990101101201，金额 0123.50 元，2026-10-15。\n\n"
        f"[已是链接](https://example.org/{NUMBER}) `{NUMBER}`"
    )
    assert f'<a href="tel:012366882103">{NUMBER}</a>' in html
    assert '<a href="tel:012366881001">（0123）66881001</a>' in html
    assert '<a href="tel:13800138000">138 0013 8000</a>' in html
    # not a phone: a village code, an amount, a date; nothing inside a link or code
    assert html.count("tel:") == 3
    assert f"<code>{NUMBER}</code>" in html


#: the x of the decimal point of every quantity cell of each column, per table
DECIMAL_POINTS = """
() => [...document.querySelectorAll('table.roster')].map(t =>
  [...t.querySelectorAll('td.qty')].filter(td => td.textContent.includes('.')).map(td => {
    const text = td.firstChild, r = document.createRange(), i = text.data.indexOf('.');
    r.setStart(text, i); r.setEnd(text, i + 1);
    return [td.className, r.getBoundingClientRect().left, td.getBoundingClientRect().right];
  }))
"""


@pytest.mark.browser
@pytest.mark.skipif(not chromium_available(), reason="needs Debian chromium (make test installs it)")
def test_roster_quantities_line_up(demo_site, artifacts):
    rosters = sorted(demo_site.glob("*/subsidies/*-gengdi/index.html"))
    assert rosters
    with serve(demo_site) as base, browser() as b:
        page = b.new_page(viewport=PHONE)
        for roster in rosters:
            page.goto(base + roster.relative_to(demo_site).as_posix())
            assert page.evaluate(LAYOUT_PROBE)["bad"] == []
            tables = page.evaluate(DECIMAL_POINTS)
            cells = [c for t in tables for c in t]
            assert len(cells) > 10
            for table in tables:
                points = {round(x, 1) for _cls, x, _right in table}
                assert max(points) - min(points) < 1, points  # one decimal point column
        page.screenshot(path=str(artifacts / "phone-roster-gengdi.png"), full_page=True)
        page.close()


@pytest.mark.browser
@pytest.mark.skipif(not chromium_available(), reason="needs Debian chromium (make test installs it)")
def test_phone_numbers_stay_on_one_line(tmp_path, artifacts):
    """A number after lines of text of every length: somewhere it meets the end
    of a line, and there it moves down whole instead of breaking at the hyphen."""
    proj = copy_project(GOLDEN_PROJECT, tmp_path / "township")
    notice = proj / "villages/alpha/notices/tender.md"
    lines = [f"{'联系' * (k // 2)}{'人' * (k % 2)}电话 {NUMBER}。" for k in range(24)]
    notice.write_text(notice.read_text("utf-8") + "\n" + "\n\n".join(lines) + "\n", "utf-8")
    build_site(proj, tmp_path / "out", posters=False)
    site = tmp_path / "out/site"
    with serve(site) as base, browser() as b:
        page = b.new_page(viewport=PHONE)
        page.goto(base + "alpha/notices/2026-10-road-tender/")
        links = page.evaluate(
            """() => [...document.querySelectorAll('main p a[href^="tel:"]')].map(a => {
                 const p = a.closest('p').getBoundingClientRect(), rects = a.getClientRects();
                 return [a.getAttribute('href'), a.textContent, rects.length,
                         Math.round(rects[0].left - p.left), Math.round(rects[0].top - p.top)];
               })"""
        )
        page.screenshot(path=str(artifacts / "phone-notice-phones.png"), full_page=True)
        page.close()
    assert len(links) == len(lines)
    assert all(href == "tel:012366882103" and text == NUMBER for href, text, *_ in links)
    assert [n for _h, _t, n, *_ in links] == [1] * len(lines)  # never on two lines
    # and some had to move to the next line whole: that is where they would have broken
    assert any(left == 0 and top > 0 for *_, left, top in links)
