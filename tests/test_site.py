"""The built sites: links, self-containment, complaint links, budgets, open data."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re
import shutil
import xml.etree.ElementTree as ET
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

from cunwu.render.timeliness import short_labels

from conftest import GOLDEN_PROJECT, build_site

SITES = ["golden_site", "demo_site"]
ATOM = "{http://www.w3.org/2005/Atom}"


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


def ids_of(page: Path) -> set[str]:
    return {a["id"] for _, a in parse(page).tags if a.get("id")}


def broken_links(root: Path) -> list[str]:
    """Every <a href>, stylesheet, script, image and redirect under ``root`` that
    does not resolve to a file inside ``root`` (or to an id on the target page)."""
    root = root.resolve()
    broken, ids = [], {}
    for page in html_pages(root):
        p = parse(page)
        refresh = [
            a["content"].split("url=", 1)[1]
            for t, a in p.tags
            if t == "meta" and a.get("http-equiv") == "refresh" and "url=" in a.get("content", "")
        ]
        for href in p.links + p.resources + refresh:
            target = resolve(page, root, href)
            if target is None and not href.startswith("#"):
                continue
            target = page if target is None else target
            if root not in target.parents:
                broken.append(f"{page.relative_to(root)} -> {href}: leaves {root.name}/")
            elif not target.is_file():
                broken.append(f"{page.relative_to(root)} -> {href}")
            elif (
                (frag := urlsplit(href).fragment)
                and target.suffix == ".html"
                and frag not in ids.setdefault(target, ids_of(target))
            ):
                broken.append(f"{page.relative_to(root)} -> {href}: no id {frag!r}")
    return broken


@pytest.mark.parametrize("site_name", SITES)
def test_every_internal_link_and_asset_resolves(site_name, request):
    site = request.getfixturevalue(site_name)
    assert len(html_pages(site)) > 5
    broken = broken_links(site)
    assert not broken, "\n".join(broken)


@pytest.mark.parametrize("site_name", SITES)
def test_each_village_works_copied_on_its_own(site_name, request, tmp_path):
    """A village folder copied alone to another server: no link may need the rest."""
    site = request.getfixturevalue(site_name)
    villages = [d for d in site.iterdir() if (d / "datapackage.json").is_file()]
    assert villages
    for village in villages:
        alone = tmp_path / "elsewhere" / village.name
        shutil.copytree(village, alone)
        broken = broken_links(alone)
        assert not broken, "\n".join(broken)
        shutil.rmtree(alone)


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
            path_id = "home" if rel == "index.html" else rel.removesuffix("/index.html")
            stamp = shown_stamp(page)
            if path_id == "powers":  # the power list's own version, shown beside its poster
                stamp = re.search(r"版本 (?:<b>)?([0-9a-f]{10})", page.read_text()).group(1)
            if stamp and path_id != "powers":
                # one version of a disclosure: named by its short path, as on its poster
                assert q == {"village": [code], "page": [f"s/{stamp}"]}, page
                assert short_path_target(vdir, stamp) == current_page(page), page
            else:  # any other page by its path; the power list (no short path) with its version
                assert q == {"village": [code], "page": [path_id], **({"v": [stamp]} if stamp else {})}, page
            assert "我要举报" in page.read_text()


def shown_stamp(page: Path) -> str | None:
    """The version stamp a page shows: a current disclosure's (its banner's data-stamp) or a
    frozen old version's (its "旧版本（版本 x）" notice); None for pages of no one version."""
    text = page.read_text("utf-8")
    m = re.search(r'data-stamp="([0-9a-f]{10})"', text) or re.search(
        r"<b>旧版本</b>（版本 ([0-9a-f]{10})）", text
    )
    return m.group(1) if m else None


def current_page(page: Path) -> Path:
    """The current version's page of a disclosure page: itself, or for ``…/v/<stamp>/`` the
    page two folders up."""
    return page.parents[2] / "index.html" if page.parent.parent.name == "v" else page


def redirect_of(page: Path) -> str | None:
    refresh = [a["content"] for t, a in parse(page).tags if t == "meta" and a.get("http-equiv") == "refresh"]
    return refresh[0].split("url=", 1)[1] if refresh else None


def short_path_target(vdir: Path, stamp: str) -> Path:
    """The page the short path ``s/<stamp>/`` of a village sends the reader to, checking on
    the way that it is a light redirect page with ``?v=<stamp>``."""
    short = vdir / "s" / stamp / "index.html"
    assert short.is_file(), f"no short path for {stamp} in {vdir.name}"
    target = redirect_of(short)
    assert target, f"{short}: no meta refresh"
    assert parse_qs(urlsplit(target).query) == {"v": [stamp]}, target
    p = parse(short)
    assert target in p.links, f"{short}: no link to follow where the refresh does not work"
    assert not p.resources, f"{short}: a redirect needs no stylesheet or script"
    assert short.stat().st_size < 1024, short
    return resolve(short, vdir, target).resolve()


@pytest.mark.parametrize("site_name", SITES)
def test_short_paths_lead_to_their_version(site_name, request):
    """Every short path ``s/<stamp>/`` of a village (what poster codes encode) leads to the
    page of the disclosure whose version it names, with ``?v=<stamp>``: the current version
    to its page, a corrected one to the current page, whose banner then links to the frozen
    ``v/<stamp>/``. And every version a page shows has its short path."""
    site = request.getfixturevalue(site_name)
    villages = [d for d in site.iterdir() if (d / "datapackage.json").is_file()]
    checked = superseded = 0
    for vdir in villages:
        shorts = {d.name for d in (vdir / "s").iterdir()}
        assert shorts and all(re.fullmatch(r"[0-9a-f]{10}", s) for s in shorts), vdir
        shown = set()
        for page in html_pages(vdir):
            stamp = shown_stamp(page)
            rel = page.relative_to(vdir).as_posix()
            if stamp and rel != "powers/index.html" and not rel.startswith("s/"):
                shown.add(stamp)
                assert short_path_target(vdir, stamp) == current_page(page).resolve(), page
        for stamp in shorts:
            target = short_path_target(vdir, stamp)
            assert target.is_file()
            if shown_stamp(target) != stamp:  # a corrected version: the frozen one is kept
                assert (target.parent / "v" / stamp / "index.html").is_file(), (stamp, target)
                assert shown_stamp(target.parent / "v" / stamp / "index.html") == stamp
                superseded += 1
            checked += 1
        assert shorts == shown, (vdir.name, shorts ^ shown)
    assert checked >= 5
    if site_name == "demo_site":  # dongshan's October minimum-allowance roster was corrected
        assert superseded >= 1
    print(f"{checked} short paths, {superseded} of corrected versions")


@pytest.mark.parametrize("site_name", SITES)
def test_complaint_link_and_phones_on_township_pages(site_name, request):
    site = request.getfixturevalue(site_name)
    villages = {d.name for d in site.iterdir() if (d / "datapackage.json").is_file()}
    pages = [p for p in html_pages(site) if p.relative_to(site).parts[0] not in villages]
    assert len(pages) >= 2, "the index and at least one content page"
    for page in pages:
        p = parse(page)
        reports = [a["href"] for t, a in p.tags if t == "a" and "report" in (a.get("class") or "")]
        assert reports, f"{page}: no complaint link"
        rel = page.relative_to(site).as_posix()
        expected = "township" if rel == "index.html" else rel.removesuffix("/index.html")
        assert parse_qs(urlsplit(reports[0]).query)["page"] == [expected], page
        assert any(h.startswith("tel:") for h in p.links), f"{page}: no phone numbers"


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
    """60 KB of HTML + CSS per page; a ledger (finance) or roster page may add
    200 bytes per table row beyond that."""
    site = request.getfixturevalue(site_name)
    worst = (0, None)
    for page in html_pages(site):
        p = parse(page)
        styles = [t for t in p.resources if t.endswith(".css")]
        css = sum(resolve(page, site, href).stat().st_size for href in styles)
        assert styles or any(a.get("http-equiv") == "refresh" for _, a in p.tags), f"{page}: no stylesheet"
        rel = page.relative_to(site).parts
        ledger_or_roster = len(rel) >= 3 and rel[1] in ("finance", "subsidies") and rel[2] != "index.html"
        rows = sum(1 for t, _ in p.tags if t == "tr") if ledger_or_roster else 0
        budget = 60 * 1024 + 200 * rows
        weight = page.stat().st_size + css
        assert weight <= budget, f"{page}: {weight} bytes > {budget}"
        worst = max(worst, (weight, str(page.relative_to(site))))
    print(f"largest page: {worst[1]} {worst[0]} bytes")


def test_rosters_are_noindex_and_ids_masked(golden_site):
    page = golden_site / "alpha" / "subsidies" / "2026-10-dibao" / "index.html"
    text = page.read_text()
    assert '<meta name="robots" content="noindex' in text
    shown = "".join(parse(page).text)
    assert "990101********123X" in shown
    # it may wrap only before its last four characters
    assert "990101********<wbr>123X" in text
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
    """The township index is the completeness screen (issue 19): each item with its state."""
    text = (golden_site / "index.html").read_text()
    assert "统计截至 <b>2026年11月20日</b>" in text
    # 2026-09 approved 10-08 (due 10-10): on time; 2026-10 approved 11-12 (due 11-10): late;
    # dibao 2026-09 never published: missing
    assert re.search(
        r'<span class="tag on_time">按时</span> <a href="[^"]+/finance/2026-09/">2026年9月财务公开</a>'
        r'<br><span class="small">截止 10月10日，公开于 10月8日</span>',
        text,
    )
    assert re.search(
        r'<span class="tag late">迟报</span> <a href="[^"]+/finance/2026-10/">2026年10月财务公开</a>'
        r'<br><span class="small">截止 11月10日，公开于 11月12日；迟 2 天</span>',
        text,
    )
    assert re.search(
        r'<span class="tag missing">未公开</span> 2026年9月最低生活保障金<br><span class="small">截止 10月10日；已超期 41 天',
        text,
    )
    assert "按时 2/应公开 4" in text and '<span class="pct">50.0%</span>' in text


def test_timeliness_labels_name_the_year_where_it_changes():
    """A 12-month row spans two years: "1月" alone would not say which January."""
    assert short_labels(["2026-11", "2026-12", "2027-01", "2027-02"]) == [
        "2026年11月",
        "12月",
        "2027年1月",
        "2月",
    ]
    assert short_labels(["2026-Q3", "2026-Q4", "2027-Q1"]) == ["2026年三季度", "四季度", "2027年一季度"]
    assert short_labels([]) == []


def test_a_due_period_as_a_dict_carries_every_field():
    import dataclasses

    from cunwu.render.timeliness import Due

    due = Due("finance", "财务公开", "2026-10", "2026-11-10", "late", "2026-11-12")
    assert due.as_dict() == {**dataclasses.asdict(due), "status_zh": "迟报"}


def test_township_index_as_of_across_a_new_year(tmp_path):
    """`--as-of` in the next year: the late months of the old year and the new January are told apart."""
    out = tmp_path / "out"
    build_site(GOLDEN_PROJECT, out, dt.date(2027, 2, 15), posters=False)
    text = (out / "site" / "index.html").read_text()
    assert "统计截至 <b>2027年2月15日</b>（按 --as-of 指定）" in text
    assert re.search(
        r'tag missing">未公开</span> 2026年12月财务公开<br><span class="small">截止 1月10日；已超期 36 天',
        text,
    )
    assert re.search(
        r'tag missing">未公开</span> 2027年1月财务公开<br><span class="small">截止 2月10日；已超期 5 天', text
    )


@pytest.mark.parametrize("site_name", SITES)
def test_open_data(site_name, request):
    site = request.getfixturevalue(site_name)
    packages = list(site.glob("*/datapackage.json"))
    assert packages
    for pkg_path in packages:
        pkg = json.loads(pkg_path.read_text("utf-8"))
        assert pkg["resources"]
        # what `frictionless validate` checks of the descriptor (Data Package v1 profile)
        assert pkg["profile"] == "tabular-data-package"
        assert re.fullmatch(r"[-a-z0-9._/]+", pkg["name"]), pkg["name"]
        assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)", pkg["created"]), (
            f"{pkg_path}: created must be an RFC 3339 date-time, not {pkg['created']!r}"
        )
        names = [r["name"] for r in pkg["resources"]]
        assert len(set(names)) == len(names), "resource names must be unique"
        # every disclosure page has its data, and the package describes it
        pages = {
            p.parent.relative_to(pkg_path.parent).as_posix() + "/"
            for p in pkg_path.parent.glob("*/*/index.html")
            if p.parent.parent.name in ("finance", "subsidies", "notices", "powers")
            and not any(a.get("http-equiv") == "refresh" for _, a in parse(p).tags)
        }
        described = {r["path"].removesuffix("data.csv") for r in pkg["resources"]}
        assert pages and pages == described, pages ^ described
        for res in pkg["resources"]:
            assert re.fullmatch(r"[-a-z0-9._/]+", res["name"]), res["name"]
            assert not res["path"].startswith("/") and ".." not in res["path"].split("/")
            assert {f["type"] for f in res["schema"]["fields"]} <= {"string", "number", "integer", "date"}
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
        # RFC 4287 4.1.1: id, title, updated; an author on the feed unless every entry has one
        for el in ("id", "title", "updated"):
            assert root.find(ATOM + el) is not None, f"{feed}: feed has no {el}"
        feed_author = root.find(ATOM + "author/" + ATOM + "name")
        assert (feed_author is not None and feed_author.text) or all(
            e.find(ATOM + "author") is not None for e in entries
        ), f"{feed}: no author"
        self_link = [ln.get("href") for ln in root.findall(ATOM + "link") if ln.get("rel") == "self"]
        assert self_link and self_link[0].startswith("https://") and self_link[0].endswith("/feed.xml")
        for e in entries:
            for el in ("id", "title", "updated"):
                assert e.find(ATOM + el) is not None, f"{feed}: entry has no {el}"
            link = e.find(ATOM + "link").get("href")
            assert link.startswith("https://"), link
