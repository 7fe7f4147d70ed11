"""The built sites: links, self-containment, complaint links, budgets, open data."""

from __future__ import annotations

import csv
import io
import json
import re
import xml.etree.ElementTree as ET
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

SITES = ["golden_site", "demo_site"]


class Page(HTMLParser):
    """Links, resources, scripts and attributes of one HTML page."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.links: list[str] = []  # <a href>
        self.resources: list[str] = []  # things the browser fetches
        self.tags: list[tuple[str, dict]] = []
        self.text: list[str] = []
        self.lang = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        self.tags.append((tag, a))
        if tag == "html":
            self.lang = a.get("lang")
        if tag == "a" and "href" in a:
            self.links.append(a["href"])
        if tag in ("img", "script", "iframe", "source", "video", "audio") and a.get("src"):
            self.resources.append(a["src"])
        if tag == "link" and a.get("rel") in ("stylesheet", "icon", "preload") and a.get("href"):
            self.resources.append(a["href"])

    def handle_data(self, data):
        self.text.append(data)


def parse(path: Path) -> Page:
    p = Page()
    p.feed(path.read_text("utf-8"))
    return p


def html_pages(site: Path) -> list[Path]:
    return sorted(site.rglob("*.html"))


def resolve(page: Path, site: Path, href: str) -> Path | None:
    """The file a relative link points at, or None for external/anchor links."""
    parts = urlsplit(href)
    if parts.scheme or parts.netloc or href.startswith("#"):
        return None
    assert not href.startswith("/"), f"{page}: root-relative link {href} breaks a village copied elsewhere"
    target = (page.parent / parts.path).resolve()
    if href.endswith("/") or target.is_dir():
        target = target / "index.html"
    return target


@pytest.mark.parametrize("site_name", SITES)
def test_every_internal_link_and_asset_resolves(site_name, request):
    site = request.getfixturevalue(site_name)
    broken = []
    pages = html_pages(site)
    assert len(pages) > 5
    for page in pages:
        p = parse(page)
        for href in p.links + p.resources:
            target = resolve(page, site, href)
            if target is not None and not target.is_file():
                broken.append(f"{page.relative_to(site)} -> {href}")
            if target is not None:
                assert site.resolve() in target.parents or target == site.resolve(), (
                    f"{page}: {href} leaves the site"
                )
    assert not broken, "\n".join(broken)


@pytest.mark.parametrize("site_name", SITES)
def test_no_request_to_any_outside_host(site_name, request):
    """Pages must work on a closed county network: no CDN fonts, scripts or images."""
    site = request.getfixturevalue(site_name)
    for page in html_pages(site):
        for res in parse(page).resources:
            assert not urlsplit(res).scheme and not res.startswith("//"), f"{page}: outside resource {res}"
    for css in site.rglob("*.css"):
        assert not re.search(r"url\(\s*['\"]?(https?:)?//", css.read_text()), css
        assert "@import" not in css.read_text()


@pytest.mark.parametrize("site_name", SITES)
def test_complaint_link_on_every_village_page(site_name, request):
    site = request.getfixturevalue(site_name)
    for vdir in [d for d in site.iterdir() if (d / "index.html").is_file() and d.name != "about"]:
        if not (vdir / "powers").is_dir():
            continue
        code = re.search(r"村代码 (\d{12})", (vdir / "index.html").read_text()).group(1)
        for page in html_pages(vdir):
            p = parse(page)
            if any(t == "meta" and a.get("http-equiv") == "refresh" for t, a in p.tags):
                continue  # a redirect page
            reports = [a["href"] for t, a in p.tags if t == "a" and "report" in (a.get("class") or "")]
            assert reports, f"{page}: no complaint link"
            q = parse_qs(urlsplit(reports[0]).query)
            assert q["village"] == [code], page
            rel = page.relative_to(vdir).as_posix()
            expected_id = "home" if rel == "index.html" else rel.removesuffix("/index.html")
            assert q["page"] == [expected_id], page
            assert "我要举报" in page.read_text()


@pytest.mark.parametrize("site_name", SITES)
def test_pages_are_chinese_and_mobile_ready(site_name, request):
    site = request.getfixturevalue(site_name)
    for page in html_pages(site):
        text = page.read_text()
        p = parse(page)
        assert p.lang == "zh-CN", page
        assert 'name="viewport"' in text, page
        assert re.search(r"[\u4e00-\u9fff]", "".join(p.text)), page


@pytest.mark.parametrize("site_name", SITES)
def test_page_weight_budget(site_name, request):
    """60 KB of HTML + CSS per page, plus 200 bytes per table row on ledgers and rosters."""
    site = request.getfixturevalue(site_name)
    css = {c.parent: c.stat().st_size for c in site.rglob("style.css")}
    worst = (0, None)
    for page in html_pages(site):
        village_css = next((size for d, size in css.items() if d in page.parents), 0)
        rows = page.read_text().count("<tr>")
        budget = 60 * 1024 + 200 * rows
        weight = page.stat().st_size + village_css
        assert weight <= budget, f"{page}: {weight} bytes > {budget}"
        worst = max(worst, (weight, str(page.relative_to(site))))
    print(f"largest page: {worst[1]} {worst[0]} bytes")


def test_rosters_are_noindex_and_ids_masked(golden_site):
    page = golden_site / "alpha" / "subsidies" / "2026-10-dibao" / "index.html"
    text = page.read_text()
    assert '<meta name="robots" content="noindex' in text
    assert "990101********123X" in text
    assert "李䶮" in text and "王堃" in text


def test_robots_keep_roster_data_out_of_search_engines(golden_site):
    """A roster's CSV, JSON and poster PDF cannot carry noindex: robots.txt
    disallows the rosters' folder, at the township root and in each village
    folder (for a village published on its own host)."""
    import urllib.robotparser

    base = "https://cunwu.example.org/testzhen/"
    for robots, site_base in ((golden_site / "robots.txt", base), (golden_site / "alpha/robots.txt", base)):
        parser = urllib.robotparser.RobotFileParser()
        parser.parse(robots.read_text("utf-8").splitlines())
        for path in ("subsidies/2026-10-dibao/data.csv", "subsidies/2026-10-dibao/poster.pdf", "subsidies/"):
            assert not parser.can_fetch("Baiduspider", f"{site_base}alpha/{path}"), (robots, path)
        for path in ("", "finance/2026-10/", "notices/", "powers/"):
            assert parser.can_fetch("Googlebot", f"{site_base}alpha/{path}"), (robots, path)


def test_canonical_urls_are_permanent(golden_site):
    page = golden_site / "alpha" / "finance" / "2026-10" / "index.html"
    assert (
        '<link rel="canonical" href="https://cunwu.example.org/testzhen/alpha/finance/2026-10/">'
        in page.read_text()
    )
    # a notice keeps its old slug reachable
    old = golden_site / "alpha" / "notices" / "road-tender" / "index.html"
    assert "url=../2026-10-road-tender/" in old.read_text()


def test_correction_is_visible(golden_site):
    text = (golden_site / "alpha" / "finance" / "2026-10" / "index.html").read_text()
    assert "更正说明" in text and "由 205.00 更正为 250.00" in text
    index = (golden_site / "alpha" / "finance" / "index.html").read_text()
    assert "已更正" in index


def test_township_index_shows_timeliness(golden_site):
    text = (golden_site / "index.html").read_text()
    assert "统计截至 <b>2026年11月20日</b>" in text
    # 2026-09 approved 10-08 (due 10-10): on time; 2026-10 approved 11-12 (due 11-10): late;
    # dibao 2026-09 never published: missing
    assert re.search(r'class="on_time" title="2026-09 截止 2026-10-10，2026-10-08 公开">9月 按时', text)
    assert re.search(r'class="late" title="2026-10 截止 2026-11-10，2026-11-12 公开">10月 迟报', text)
    assert re.search(r'class="missing" title="2026-09 截止 2026-10-10">9月 未公开', text)


@pytest.mark.parametrize("site_name", SITES)
def test_open_data(site_name, request):
    site = request.getfixturevalue(site_name)
    packages = list(site.glob("*/datapackage.json"))
    assert packages
    for pkg_path in packages:
        pkg = json.loads(pkg_path.read_text("utf-8"))
        assert pkg["resources"]
        for res in pkg["resources"]:
            path = pkg_path.parent / res["path"]
            raw = path.read_bytes()
            assert raw.startswith(b"\xef\xbb\xbf"), f"{path}: no BOM, Excel would garble it"
            rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
            assert rows[0] == [f["name"] for f in res["schema"]["fields"]], path
            for row in rows[1:]:
                for value, field in zip(row, res["schema"]["fields"], strict=True):
                    if field["type"] == "number" and value:
                        float(value)
                    if field["type"] == "integer" and value:
                        int(value)
            data = json.loads((path.parent / "data.json").read_text("utf-8"))
            assert data["meta"]["url"].endswith(res["path"].removesuffix("data.csv"))


def test_finance_csv_is_exact(golden_site):
    raw = (golden_site / "alpha" / "finance" / "2026-09" / "data.csv").read_bytes().decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(raw)))
    assert rows[0]["amount"] == "500.10" and rows[0]["voucher"] == "001"


@pytest.mark.parametrize("site_name", SITES)
def test_feeds_are_atom(site_name, request):
    site = request.getfixturevalue(site_name)
    for feed in site.glob("*/feed.xml"):
        root = ET.fromstring(feed.read_bytes())
        assert root.tag == "{http://www.w3.org/2005/Atom}feed"
        entries = root.findall("{http://www.w3.org/2005/Atom}entry")
        assert entries, feed
        for e in entries:
            link = e.find("{http://www.w3.org/2005/Atom}link").get("href")
            assert link.startswith("https://"), link
