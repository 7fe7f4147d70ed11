"""Notice-board posters of the demo: QR codes decode, text, fonts, pages, packs.

Every page of every poster the demo build writes is rasterised at 150 dpi
with pypdfium2 and every QR code on it decoded with zxing-cpp.
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pypdfium2
import pytest
import zxingcpp

from cunwu.errors import FontMissing
from cunwu.write.printing import print_month

from conftest import DEMO_AS_OF, REPO, build_site, copy_project

BASE = "https://cunwu.example.org/qingshui/"


def pages_text(pdf_path: Path) -> list[str]:
    pdf = pypdfium2.PdfDocument(str(pdf_path))
    try:
        return [page.get_textpage().get_text_range() for page in pdf]
    finally:
        pdf.close()


def decode_all(pdf_path: Path, dpi: int = 150) -> list[list]:
    """Per page, the QR codes found (zxing results)."""
    pdf = pypdfium2.PdfDocument(str(pdf_path))
    try:
        out = []
        for page in pdf:
            image = page.render(scale=dpi / 72).to_pil()
            out.append(zxingcpp.read_barcodes(image, formats=zxingcpp.BarcodeFormat.QRCode))
        return out
    finally:
        pdf.close()


@pytest.fixture(scope="module")
def posters(demo_site) -> list[Path]:
    found = sorted(demo_site.rglob("poster.pdf"))
    assert len(found) > 50
    return found


def test_every_qr_code_decodes_to_a_page_that_exists(posters, demo_site):
    decoded_pages = 0
    for poster in posters:
        pages = decode_all(poster)
        first = pages[0]
        assert len(first) == 2, f"{poster}: {len(first)} QR codes on page 1"
        texts = [r.text for r in first]
        page_qr = next(t for t in texts if "jubao" not in t)
        complaint = next(t for t in texts if "jubao" in t)
        # the page QR: the disclosure's canonical URL with the poster's version
        url = urlsplit(page_qr)
        assert page_qr.startswith(BASE)
        stamp = parse_qs(url.query)["v"][0]
        target = demo_site / url.path.removeprefix("/qingshui/") / "index.html"
        assert target.is_file(), page_qr
        assert f'data-stamp="{stamp}"' in target.read_text() or "版本 " + stamp in target.read_text()
        assert poster.parent == target.parent
        # the complaint QR: the intake with the village code
        q = parse_qs(urlsplit(complaint).query)
        assert complaint.startswith("https://jubao.example.org/report?")
        village = poster.relative_to(demo_site).parts[0]
        code = re.search(r"村代码 (\d{12})", (demo_site / village / "index.html").read_text()).group(1)
        assert q["village"] == [code]
        for r in first:
            assert r.ec_level in ("M", "Q", "H"), r.ec_level
            # at least 2.5 cm wide on paper
            pos = r.position
            width_px = max(pos.top_right.x, pos.bottom_right.x) - min(pos.top_left.x, pos.bottom_left.x)
            assert width_px / 150 * 2.54 >= 2.2  # the finder-pattern box; the code with quiet zone is wider
        decoded_pages += len(pages)
    print(f"decoded QR codes on {decoded_pages} poster pages")


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
    # HTML alone still builds
    build_site(project, tmp_path / "out", DEMO_AS_OF, posters=False)


def test_a3_paper(tmp_path):
    project = copy_project(REPO / "tests/golden/project", tmp_path / "township")
    cfg = project / "cunwu.yaml"
    cfg.write_text(cfg.read_text() + "print: {paper: A3}\n")
    build_site(project, tmp_path / "out", DEMO_AS_OF)
    pdf = pypdfium2.PdfDocument(str(tmp_path / "out/site/alpha/finance/2026-10/poster.pdf"))
    w, h = pdf[0].get_size()
    pdf.close()
    assert (round(w / 72 * 25.4), round(h / 72 * 25.4)) == (297, 420)
