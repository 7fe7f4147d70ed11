"""Real-browser tests: headless Chromium at a phone's 390x844 viewport.

Screenshots land in tests/_artifacts/ so a person can look at them.
"""

from __future__ import annotations

import datetime as dt
import re
from urllib.parse import parse_qs, urlsplit

import pytest

from browser import CJK_PROBE, LAYOUT_PROBE, browser, chromium_available, serve

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not chromium_available(), reason="needs Debian chromium (make test installs it)"),
]

PHONE = {"width": 390, "height": 844}


@pytest.fixture(scope="module")
def demo_pages(demo_site):
    villages = sorted(d for d in demo_site.iterdir() if (d / "finance").is_dir())
    village = villages[0]
    finance = sorted((village / "finance").glob("*/index.html"))[-1]
    quarterly = [f for v in villages for f in sorted((v / "finance").glob("*-Q*/index.html"))]
    rosters = sorted(
        (p for v in villages for p in v.glob("subsidies/*/index.html")),
        key=lambda p: p.read_text().count("<tr>"),
    )
    notices = [p for p in village.glob("notices/*/index.html") if "<img" in p.read_text()]
    power = village / "powers" / "dibao-application" / "index.html"
    if not power.exists():
        power = sorted((village / "powers").glob("*/index.html"))[0]
    # the flowchart with the most nodes: 四议两公开 in the demo
    biggest_flow = max(
        village.glob("powers/*/index.html"), key=lambda p: len(re.findall(r"<rect|<polygon", p.read_text()))
    )
    pages = {
        "finance": finance,
        "finance-quarterly": quarterly[-1],
        "roster": rosters[-1],  # the longest roster of the demo
        "flowchart": power,
        "flowchart-big": biggest_flow,
        "notice": notices[0],  # a notice with a picture in it
        "home": village / "index.html",
        "township": demo_site / "index.html",
    }
    return {k: p.relative_to(demo_site).as_posix() for k, p in pages.items()}


@pytest.fixture(scope="module")
def chrome():
    with browser() as b:
        yield b


@pytest.mark.parametrize(
    "kind",
    ["finance", "finance-quarterly", "roster", "flowchart", "flowchart-big", "notice", "home", "township"],
)
def test_phone_layout(kind, demo_site, demo_pages, chrome, artifacts):
    with serve(demo_site) as base:
        page = chrome.new_page(viewport=PHONE)
        dialogs = []
        page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
        page.goto(base + demo_pages[kind])
        page.screenshot(path=str(artifacts / f"phone-{kind}.png"), full_page=True)
        probe = page.evaluate(LAYOUT_PROBE)
        assert probe["pageWidth"] <= PHONE["width"], f"page scrolls sideways: {probe['pageWidth']}px"
        assert not probe["bad"], "\n".join(probe["bad"][:20])
        if kind in ("finance", "finance-quarterly", "roster"):
            assert probe["cells"] > 10
        text = page.inner_text("body")
        assert re.search(r"[\u4e00-\u9fff]{4}", text)
        # the CJK font really draws Chinese (no tofu boxes)
        assert page.evaluate(CJK_PROBE) == {"distinct": True, "notTofu": True, "inked": True}
        assert not dialogs
        page.close()


def test_complaint_link_carries_village_and_page(demo_site, demo_pages, chrome):
    with serve(demo_site) as base:
        page = chrome.new_page(viewport=PHONE)
        page.goto(base + demo_pages["finance"])
        href = page.get_attribute("a.report", "href")
        stamp = page.get_attribute("#stale", "data-stamp")
        q = parse_qs(urlsplit(href).query)
        assert re.fullmatch(r"\d{12}", q["village"][0])
        # the version the reader was looking at, by its short path (as on the poster)
        assert q == {"village": q["village"], "page": [f"s/{stamp}"]}
        page.close()


@pytest.mark.parametrize("javascript", [True, False])
def test_short_path_opens_the_version_it_names(javascript, demo_site, chrome):
    """A poster's page code opens <village>s/<stamp>/: Chromium follows its meta refresh (also
    with JavaScript off) to the disclosure's page with ?v=<stamp>. A corrected version's
    short path opens the current page, whose banner (JavaScript) then says the poster is
    out of date and links to the frozen version."""
    roster = demo_site / "dongshan/subsidies/2026-10-dibao"
    old = next(d.name for d in (roster / "v").iterdir() if "url=" not in (d / "index.html").read_text())
    current = re.search(r'data-stamp="([0-9a-f]{10})"', (roster / "index.html").read_text()).group(1)
    with serve(demo_site) as base:
        ctx = chrome.new_context(java_script_enabled=javascript, viewport=PHONE)
        page = ctx.new_page()
        page.goto(f"{base}dongshan/s/{current}/")
        page.wait_for_url(f"**/dongshan/subsidies/2026-10-dibao/?v={current}")
        assert page.is_visible("a.report") and not page.is_visible("#stale")
        page.goto(f"{base}dongshan/s/{old}/")
        page.wait_for_url(f"**/dongshan/subsidies/2026-10-dibao/?v={old}")
        assert page.is_visible("#stale") == javascript
        if javascript:
            page.click(f"#stale a[href='v/{old}/']")
            page.wait_for_url(f"**/dongshan/subsidies/2026-10-dibao/v/{old}/")
            assert "旧版本" in page.inner_text("main")
        ctx.close()


def test_stale_poster_banner(demo_site, demo_pages, chrome):
    """A QR code on an old poster carries ?v=<old stamp>: the page says it is out of date."""
    with serve(demo_site) as base:
        page = chrome.new_page(viewport=PHONE)
        page.goto(base + demo_pages["finance"])
        assert not page.is_visible("#stale")
        stamp = page.get_attribute("#stale", "data-stamp")
        page.goto(base + demo_pages["finance"] + f"?v={stamp}")
        assert not page.is_visible("#stale")
        page.goto(base + demo_pages["finance"] + "?v=0123456789")
        assert page.is_visible("#stale")
        assert "0123456789" in page.inner_text("#stale")
        page.goto(base + demo_pages["finance"] + "?v=<img src=x onerror=alert(1)>")
        assert not page.is_visible("#stale")
        page.close()


def test_works_without_javascript(demo_site, demo_pages, chrome):
    with serve(demo_site) as base:
        ctx = chrome.new_context(java_script_enabled=False, viewport=PHONE)
        page = ctx.new_page()
        page.goto(base + demo_pages["roster"])
        assert page.is_visible("a.report")
        assert "版本" in page.inner_text(".docfoot")
        ctx.close()


def test_township_screen_at_360px_expanded(tmp_path_factory, chrome, artifacts):
    """The completeness screen on a 360 px phone: no sideways scroll, and every
    village row, opened, fits the screen (issue 19)."""
    from conftest import REPO, build_site

    out = tmp_path_factory.mktemp("screen")
    build_site(REPO, out, dt.date(2026, 12, 9), posters=False)
    site = out / "site"
    with serve(site) as base:
        page = chrome.new_page(viewport={"width": 360, "height": 740})
        page.goto(base + "index.html")
        page.screenshot(path=str(artifacts / "township-360-closed.png"), full_page=True)
        closed = page.evaluate("[...document.querySelectorAll('details')].filter(d => d.open).length")
        assert closed == 0  # rows start closed: the list of villages fits a screen or two
        # open every village the way a reader does: tap its summary
        for summary in page.query_selector_all("details > summary"):
            summary.click()
        assert page.evaluate("[...document.querySelectorAll('details')].every(d => d.open)")
        page.screenshot(path=str(artifacts / "township-360-open.png"), full_page=True)
        probe = page.evaluate(LAYOUT_PROBE)
        assert probe["pageWidth"] <= 360, f"page scrolls sideways: {probe['pageWidth']}px"
        assert not probe["bad"], "\n".join(probe["bad"][:20])
        rows = page.evaluate(
            "[...document.querySelectorAll('.screen details, .screen details li')]"
            ".map(e => e.getBoundingClientRect()).map(r => [r.left, r.right])"
        )
        assert len(rows) > 30
        assert all(left >= 0 and right <= 360 for left, right in rows), rows
        text = page.inner_text("main")
        for zh in ("按时", "迟报", "未公开", "未到期", "豁免", "补录"):
            assert zh in text
        page.close()
