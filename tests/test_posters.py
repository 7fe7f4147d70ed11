"""Notice-board posters of the demo: QR codes decode, text, fonts, pages, packs.

Every page of every poster the demo build writes is rasterised at 150 dpi
with pypdfium2 and every QR code on it decoded with zxing-cpp.
"""

from __future__ import annotations

import datetime as dt
import html
import re
import subprocess
from decimal import Decimal
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pypdfium2
import pypdfium2.raw as pdfium_c
import pytest
import yaml
import zxingcpp

from cunwu.commands.printing import print_month
from cunwu.commands.validate import validate
from cunwu.errors import BuildError, FontMissing
from cunwu.render.posters import DocMeta, eligible

from conftest import DEMO_AS_OF, REPO, build_site, copy_project

BASE = "https://cunwu.example.org/qingshui/"
DPI = 150
MM_PER_INCH = 25.4


def flat(text: str) -> str:
    """Text without any whitespace: lines wrap wherever a column ends."""
    return re.sub(r"\s+", "", text)


def pages_text(pdf_path: Path) -> list[str]:
    pdf = pypdfium2.PdfDocument(str(pdf_path))
    try:
        return [page.get_textpage().get_text_range() for page in pdf]
    finally:
        pdf.close()


def decode_all(pdf_path: Path, dpi: int = DPI) -> list[list]:
    """Per page, the QR codes found (zxing results), each with the page image as ``(result, image)``."""
    pdf = pypdfium2.PdfDocument(str(pdf_path))
    try:
        out = []
        for page in pdf:
            image = page.render(scale=dpi / 72).to_pil().convert("L")
            found = zxingcpp.read_barcodes(image, formats=zxingcpp.BarcodeFormat.QRCode)
            out.append([(r, image) for r in found])
        return out
    finally:
        pdf.close()


def dark_box(image, box) -> tuple[int, int, int, int] | None:
    """Bounding box of the dark pixels inside ``box`` of a greyscale page image."""
    found = image.crop(box).point(lambda v: 255 if v < 128 else 0).getbbox()
    return (
        None
        if found is None
        else (box[0] + found[0], box[1] + found[1], box[0] + found[2], box[1] + found[3])
    )


def printed_symbol(result, image, dpi: int = DPI) -> tuple[float, float]:
    """The symbol's printed width in mm, measured on the raster (the dark modules' extent, not
    zxing's corner estimate), and the width in mm of white around it, up to 6 modules."""
    pts = [result.position.top_left, result.position.top_right]
    pts += [result.position.bottom_right, result.position.bottom_left]
    pad = round(2 / MM_PER_INCH * dpi)  # 2 mm: inside a 4-module quiet zone at this size
    box = (
        min(p.x for p in pts) - pad,
        min(p.y for p in pts) - pad,
        max(p.x for p in pts) + pad + 1,
        max(p.y for p in pts) + pad + 1,
    )
    sym = dark_box(image, box)
    width_px = max(sym[2] - sym[0], sym[3] - sym[1])
    modules = 17 + 4 * int(result.extra["Version"])
    module_px = width_px / modules
    quiet = 0
    for k in range(1, 7):  # grow the box a module at a time until something dark comes in
        g = round(k * module_px)
        ring = (sym[0] - g, sym[1] - g, sym[2] + g, sym[3] + g)
        if dark_box(image, ring) != sym:
            break
        quiet = k
    return width_px / dpi * MM_PER_INCH, quiet * module_px / dpi * MM_PER_INCH


def image_objects(pdf_path: Path) -> int:
    """Raster images drawn on any page (form XObjects searched too)."""
    pdf = pypdfium2.PdfDocument(str(pdf_path))
    try:
        return sum(len(list(page.get_objects(filter=(pdfium_c.FPDF_PAGEOBJ_IMAGE,)))) for page in pdf)
    finally:
        pdf.close()


@pytest.fixture(scope="module")
def posters(demo_site) -> list[Path]:
    found = sorted(demo_site.rglob("poster.pdf"))
    assert len(found) > 50
    return found


def redirect_target(page: Path) -> str:
    """The URL a redirect page's meta refresh sends the reader to (relative, as written)."""
    m = re.search(r'<meta http-equiv="refresh" content="0; url=([^"]+)">', page.read_text("utf-8"))
    assert m, f"{page}: not a redirect page"
    return html.unescape(m.group(1))


def test_every_qr_code_decodes_to_a_page_that_exists(posters, demo_site):
    """On every page of every poster: the page code leads, through the short path of the
    poster's version, to the poster's own page with ?v=<its version>; the complaint code
    goes straight to the intake with the village code and the same short page id."""
    decoded_pages, narrowest, least_quiet = 0, 99.0, 99.0
    for poster in posters:
        village = poster.relative_to(demo_site).parts[0]
        code = re.search(r"村代码 (\d{12})", (demo_site / village / "index.html").read_text()).group(1)
        page_html = (poster.parent / "index.html").read_text()
        stamp = re.search(r'data-stamp="([0-9a-f]{10})"', page_html) or re.search(
            r"版本 (?:<b>)?([0-9a-f]{10})", page_html
        )
        stamp = stamp.group(1)
        power_list = poster.parent.name == "powers"
        pages = decode_all(poster)
        for number, found in enumerate(pages, 1):
            texts = sorted(r.text for r, _ in found)
            assert len(texts) == 2, f"{poster} page {number}: {texts}"
            page_qr = next(t for t in texts if "jubao" not in t)
            complaint = next(t for t in texts if "jubao" in t)
            if power_list:  # its versions have no short path: the page itself, as before
                assert page_qr == f"{BASE}{village}/powers/?v={stamp}", page_qr
            else:
                # the short path: a page of its own that sends the reader on to the poster's page
                assert page_qr == f"{BASE}{village}/s/{stamp}/", page_qr
                short = demo_site / village / "s" / stamp / "index.html"
                target = urlsplit(redirect_target(short))
                assert parse_qs(target.query) == {"v": [stamp]}, target
                assert (short.parent / target.path / "index.html").resolve() == poster.parent / "index.html"
            # the complaint code: the intake, the village code and the short page id
            assert complaint.startswith("https://jubao.example.org/report?"), complaint
            q = parse_qs(urlsplit(complaint).query)
            expected = {"village": [code], "page": ["powers"], "v": [stamp]} if power_list else None
            assert q == (expected or {"village": [code], "page": [f"s/{stamp}"]}), complaint
            for r, image in found:
                assert r.ec_level in ("M", "Q", "H"), r.ec_level
                width, quiet = printed_symbol(r, image)
                module = width / (17 + 4 * int(r.extra["Version"]))
                if number == 1:  # the head: at least 2.5 cm printed, modules of 0.75 mm
                    assert width >= 25.0, f"{poster}: the symbol is {width:.1f} mm wide"
                    assert module >= 0.72, f"{poster}: modules of {module:.2f} mm"
                else:  # the bottom margin of a further page: modules of 0.65 mm
                    assert width >= 20.0 and module >= 0.62, (
                        f"{poster} p.{number}: {width:.1f}, {module:.2f} mm"
                    )
                # the standard's 4 modules of white all round (measured up to 6)
                assert quiet >= 4 * module - 0.2, (poster, quiet)
                narrowest, least_quiet = min(narrowest, width), min(least_quiet, quiet)
        decoded_pages += len(pages)
    print(f"decoded QR codes on {decoded_pages} poster pages; narrowest symbol {narrowest:.2f} mm")


def test_qr_codes_are_vector(posters):
    """No raster image on any poster but a notice's own pictures: QR codes are SVG paths."""
    for poster in posters:
        if "/notices/" not in poster.as_posix():
            assert image_objects(poster) == 0, poster


def test_poster_text_title_village_total_and_fonts(demo_site):
    poster = demo_site / "dongshan/subsidies/2026-10-dibao/poster.pdf"
    text = "".join(pages_text(poster))
    page = (demo_site / "dongshan/subsidies/2026-10-dibao/index.html").read_text()
    title = re.search(r"<h1>(.*?)</h1>", page).group(1)
    total = re.search(r"合计 <b>([0-9,.]+)</b>", page).group(1)
    assert title in text.replace("\r\n", "").replace("\n", "")
    assert "东山村" in text and total in text
    assert "王堃" in text  # a character outside GB2312, from the fallback face
    fonts = subprocess.run(["pdffonts", str(poster)], capture_output=True, text=True, check=True).stdout
    assert re.search(r"Noto.*CJK|Cunwu-Noto", fonts), fonts
    assert all(" yes " in line for line in fonts.splitlines()[2:]), "every font embedded"


def test_no_sheet_holds_only_the_phone_block(posters):
    """The phone block is never split, and never printed on a sheet of its own."""
    for poster in posters:
        texts = [flat(t) for t in pages_text(poster)]
        start = [i for i, t in enumerate(texts) if "监督举报电话" in t]
        end = [i for i, t in enumerate(texts) if "与网页上的版本号一致即为同一内容" in t]
        assert len(start) == 1 and start == end, (poster, start, end)
        page = texts[start[0]]
        before = page[: page.index("监督举报电话")]
        before = re.sub(r"^.*?（续）", "", before) if start[0] else before  # the running title
        assert before, f"{poster}: page {start[0] + 1} carries only the phone block"


def test_flowchart_posters_fit_one_sheet(posters):
    """A power item's poster (chart, facts, phones) is one sheet to pin up, not two."""
    flows = [p for p in posters if re.search(r"/powers/[^/]+/poster\.pdf$", p.as_posix())]
    assert len(flows) > 20
    assert [p for p in flows if len(pages_text(p)) != 1] == []


def test_roster_poster_carries_signoff_notes_and_total(demo_site):
    """As the roster declares it: every note (why a payment stops or changes), the sign-off
    chain, the total in figures and in capitals."""
    src = yaml.safe_load((REPO / "villages/dongshan/subsidies/2026-09-dibao.yaml").read_text("utf-8"))
    text = flat("".join(pages_text(demo_site / "dongshan/subsidies/2026-09-dibao/poster.pdf")))
    notes = [r["note"] for r in src["recipients"] if r.get("note")]
    assert notes and all(flat(n) in text for n in notes)
    signoff = src["signoff"]
    assert f"报账员（经办）：{signoff['handler']}" in text
    assert f"村务监督委员会：{'、'.join(signoff['oversight'])}" in text
    assert f"审批人：{signoff['approver']}" in text
    assert f"{Decimal(str(src['total'])):,.2f}" in text and "合计金额（大写）：" in text


def _month_of(period: str) -> str:
    """A period's last month: 2026-10 -> 2026-10, 2026-Q3 -> 2026-09."""
    if "Q" in period:
        year, q = period.split("-Q")
        return f"{year}-{int(q) * 3:02d}"
    return period


def _demo_disclosures():
    """(village, url folder, status, month, notice) of every finance statement, roster and notice,
    read straight from the demo's files."""
    for path in sorted((REPO / "villages").glob("*/*/*")):
        village, kind = path.parts[-3], path.parts[-2]
        if kind in ("finance", "subsidies") and path.suffix == ".yaml":
            data = yaml.safe_load(path.read_text("utf-8"))
            month = _month_of(str(data["period"]))
        elif kind == "notices" and path.suffix == ".md":
            data = yaml.safe_load(path.read_text("utf-8").split("---")[1])
            month = data["date"].strftime("%Y-%m")
        else:
            continue
        folder = f"{village}/{kind}/{data.get('slug') or path.stem}"
        yield folder, data["status"], month, data.get("notice")


def test_build_posters_follow_the_print_window(demo_site):
    """``cunwu build`` makes a poster for an approved disclosure of the last
    ``print.window_months`` months (3 in the demo: this month and the two before) or whose
    notice period is on; never for a draft; for nothing else."""
    y, m = DEMO_AS_OF.year, DEMO_AS_OF.month
    window = {f"{y + (m - k - 1) // 12}-{(m - k - 1) % 12 + 1:02d}" for k in range(3)}
    expected, drafts = set(), 0
    for folder, status, month, notice in _demo_disclosures():
        drafts += status == "draft"
        current = notice is not None and notice["start"] <= DEMO_AS_OF <= notice["end"]
        if status == "approved" and (month in window or current):
            expected.add(folder)
    built = {
        p.parent.relative_to(demo_site).as_posix()
        for p in demo_site.rglob("poster.pdf")
        if "/powers" not in p.parent.as_posix() and "/v/" not in p.parent.as_posix()
    }
    assert drafts and len(expected) > 5
    assert built == expected


def test_eligible_window_notice_and_drafts():
    meta = [
        DocMeta("finance:2026-11", "approved", "2026-11", "", ""),
        DocMeta("finance:2026-09", "approved", "2026-09", "", ""),
        DocMeta("finance:2026-08", "approved", "2026-08", "2026-09-01", "2026-09-15"),
        DocMeta("subsidy:2026-06-x", "approved", "2026-06", "2026-11-15", "2026-11-20"),  # notice on today
        DocMeta("subsidy:2026-06-y", "approved", "2026-06", "2026-11-21", "2026-11-30"),  # not yet
        DocMeta("notice:old", "approved", "2026-05", "2026-11-01", "2026-11-19"),  # over yesterday
        DocMeta("finance:2026-10", "draft", "2026-10", "2026-11-10", "2026-11-25"),
        DocMeta("power:seal-use", "approved", "", "", ""),
        DocMeta("power:draft-item", "draft", "", "", ""),
    ]
    today = dt.date(2026, 11, 20)
    assert eligible(meta, today, 3) == {
        "powers:list",
        "finance:2026-11",
        "finance:2026-09",
        "subsidy:2026-06-x",
        "power:seal-use",
    }
    assert eligible(meta, today, 1, has_catalog=False) == {
        "finance:2026-11",
        "subsidy:2026-06-x",
        "power:seal-use",
    }
    assert eligible(meta, today, 0, has_catalog=False) == {"subsidy:2026-06-x", "power:seal-use"}
    # the window runs back across a new year
    january = [
        DocMeta("finance:2025-11", "approved", "2025-11", "", ""),
        DocMeta("finance:2025-10", "approved", "2025-10", "", ""),
    ]
    assert eligible(january, dt.date(2026, 1, 5), 3, has_catalog=False) == {"finance:2025-11"}


def test_draft_catalog_gets_no_power_list_poster(tmp_path):
    project = copy_project(REPO / "tests/golden/project", tmp_path / "township")
    catalog = project / "powers/catalog.yaml"
    catalog.write_text(catalog.read_text("utf-8").replace("status: approved", "status: draft", 1), "utf-8")
    build_site(project, tmp_path / "out", DEMO_AS_OF)
    powers = tmp_path / "out/site/alpha/powers"
    assert not (powers / "poster.pdf").exists()
    assert (powers / "major-decision/poster.pdf").is_file()  # its items are approved


def test_a_corrected_disclosure_says_so_on_its_poster(demo_site):
    """更正 with the date and the reason, on paper as on the page; nothing on an uncorrected one."""
    text = flat("".join(pages_text(demo_site / "dongshan/subsidies/2026-10-dibao/poster.pdf")))
    assert "【更正】本公示审核公开（2026年10月4日）后有过更正" in text
    assert "2026年10月16日：陈文斌（DS-0023）家庭收入经复核下调" in text
    plain = "".join(pages_text(demo_site / "dongshan/subsidies/2026-09-dibao/poster.pdf"))
    assert "更正" not in plain


def test_posters_only_for_approved_disclosures(demo_site):
    # xihe's October finance statement is still a draft
    assert not (demo_site / "xihe/finance/2026-10").exists()
    for poster in demo_site.rglob("poster.pdf"):
        page = poster.parent / "index.html"
        if page.exists():
            assert "草稿" not in re.sub(r"<nav.*?</nav>", "", page.read_text())


def test_one_page_poster_is_small(posters):
    one_page = [p for p in posters if len(pages_text(p)) == 1]
    assert one_page
    biggest = max(p.stat().st_size for p in one_page)
    print(f"largest one-page poster: {biggest} bytes")
    assert biggest <= 120 * 1024


def test_print_pack_long_roster_pages_and_numbers(tmp_path):
    project = copy_project(REPO, tmp_path / "township")
    subprocess.run(["git", "init", "-q"], cwd=project, check=True)
    result = print_month(project, "2026-05", "dongshan")
    pack = result.packs["dongshan"]
    pages = pages_text(pack)
    assert result.pages == len(pages)
    # the 48-row gengdi roster spans pages, each with the table header and its own numbering
    first = next(t for t in pages if "耕地地力保护补贴" in t)
    stamp = re.search(r"版本 ([0-9a-f]{10}) ·", first).group(1)
    roster_pages = [t for t in pages if f"版本 {stamp} ·" in t]
    assert len(roster_pages) >= 2
    table_pages = [t for t in roster_pages if "********" in t]
    assert len(table_pages) >= 2
    for t in table_pages:  # the header repeats on every page the table reaches
        assert "身份证号（脱敏）" in t and "金额（元）" in t
    # an area x rate roster says its rate
    src = yaml.safe_load((project / "villages/dongshan/subsidies/2026-05-gengdi.yaml").read_text("utf-8"))
    assert f"计发标准：{src['rate']} 元/亩" in first
    for i, t in enumerate(roster_pages, 1):
        assert f"第 {i} 页 / 共 {len(roster_pages)} 页" in t
    # every poster in the pack counts its own pages
    assert sum("第 1 页 / 共" in t for t in pages) == result.posters


def test_print_reuses_cached_posters(tmp_path):
    project = copy_project(REPO, tmp_path / "township")
    first = print_month(project, "2026-09", "nanpo")
    again = print_month(project, "2026-09", "nanpo")
    assert first.rendered == first.posters > 0
    assert again.rendered == 0
    assert first.packs["nanpo"].read_bytes() == again.packs["nanpo"].read_bytes()


def test_no_cjk_font_fails_clearly(tmp_path, monkeypatch):
    """Without a CJK font the build refuses, naming the package, instead of printing boxes."""
    conf = tmp_path / "fonts.conf"
    conf.write_text('<?xml version="1.0"?><fontconfig><dir>/nonexistent</dir></fontconfig>')
    monkeypatch.setenv("FONTCONFIG_FILE", str(conf))
    project = copy_project(REPO / "tests/golden/project", tmp_path / "township")
    with pytest.raises(FontMissing, match="fonts-noto-cjk"):
        build_site(project, tmp_path / "out", DEMO_AS_OF)
    with pytest.raises(FontMissing, match="fonts-noto-cjk"):
        print_month(project, "2026-10")
    assert not (project / "build" / "print").exists()
    # HTML alone still builds
    build_site(project, tmp_path / "out", DEMO_AS_OF, posters=False)


def test_a_glyph_no_font_has_stops_the_build(tmp_path):
    """A character no installed font has would print as an empty box: the build refuses,
    naming the character and the file, and publishes nothing."""
    project = copy_project(REPO / "tests/golden/project", tmp_path / "township")
    roster = project / "villages/alpha/subsidies/2026-10-dibao.yaml"
    roster.write_text(roster.read_text("utf-8").replace("name: 王堃", "name: 王\U00030000"), "utf-8")  # Ext G
    # validate saw it first, at its line, by the shipped table: the fix is a font package
    [p] = [p for p in validate(project, history=False).problems if p.code == "glyph-missing"]
    assert (p.file, p.line, p.severity) == ("villages/alpha/subsidies/2026-10-dibao.yaml", 12, "warning")
    assert "fonts-babelstone-han" in p.message
    with pytest.raises(
        BuildError,
        match="字体缺少的字：\U00030000.*villages/alpha/subsidies/2026-10-dibao.yaml.*fonts-babelstone-han",
    ):
        build_site(project, tmp_path / "out", DEMO_AS_OF)
    assert not (tmp_path / "out/site").exists()


def test_a3_paper(tmp_path):
    project = copy_project(REPO / "tests/golden/project", tmp_path / "township")
    cfg = project / "cunwu.yaml"
    cfg.write_text(cfg.read_text() + "print: {paper: A3}\n")
    build_site(project, tmp_path / "out", DEMO_AS_OF)
    pdf = pypdfium2.PdfDocument(str(tmp_path / "out/site/alpha/finance/2026-10/poster.pdf"))
    w, h = pdf[0].get_size()
    pdf.close()
    assert (round(w / 72 * 25.4), round(h / 72 * 25.4)) == (297, 420)
